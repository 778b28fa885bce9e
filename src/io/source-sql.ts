/**
 * The SQL reads of `doctor`'s source stage, over the `pg` and `mysql2` drivers (loaded only when a
 * --source-url is given). Read-only queries, one connection, closed at the end. It lives in io, not
 * aws: it talks to a database, not to an AWS API, and needs nothing but the core types it fills in.
 *
 * The password goes to the driver in a config object, never in a connection string, and every error
 * message that leaves this module has it scrubbed (a driver may echo what it was given).
 */
import { dmsNameToLike, scrubSecret, type SourceUrl } from '../core/doctor/source-common.js';
import type { Connection } from 'mysql2/promise';
import type { ObservedMysql, ObservedPostgres, ReplicationSlot, TableRef } from '../core/doctor/source-sql.js';

export class SourceSqlError extends Error {
  constructor(
    message: string,
    /** connect: the server could not be reached or refused the login; query: a read failed. */
    readonly phase: 'connect' | 'query',
  ) {
    super(message);
    this.name = 'SourceSqlError';
  }
}

const CONNECT_TIMEOUT_MS = 10_000;
const QUERY_TIMEOUT_MS = 30_000;

const server = (url: SourceUrl) => `${url.host.includes(':') ? `[${url.host}]` : url.host}:${url.port}`;

function fail(err: unknown, url: SourceUrl, phase: 'connect' | 'query'): SourceSqlError {
  const e = err as { message?: string; code?: string };
  const text = `${e.code && !(e.message ?? '').includes(e.code) ? `${e.code}: ` : ''}${e.message || String(err)}`;
  return new SourceSqlError(scrubSecret(text, url.password), phase);
}

/** `(schema LIKE $1 AND table LIKE $2) OR …`, or undefined for every table (no include rules given). */
function includeFilter(include: TableRef[] | undefined, schemaCol: string, tableCol: string, placeholder: (i: number) => string): { sql: string; params: string[] } | undefined {
  if (!include) return undefined;
  const params: string[] = [];
  const terms = include.map((t) => {
    params.push(dmsNameToLike(t.schema), dmsNameToLike(t.table));
    return `(${schemaCol} LIKE ${placeholder(params.length - 1)} AND ${tableCol} LIKE ${placeholder(params.length)})`;
  });
  return { sql: terms.join(' OR '), params };
}

export async function readPostgres(url: SourceUrl, include?: TableRef[]): Promise<ObservedPostgres> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    host: url.host,
    port: url.port,
    user: url.user,
    password: url.password,
    database: url.database,
    ssl: url.sslmode === 'disable' ? false : { rejectUnauthorized: url.sslmode === 'verify-full' },
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: QUERY_TIMEOUT_MS,
    application_name: 'cdcpipe-doctor',
  });
  client.on('error', () => undefined); // a backend that goes away later is reported by the query that fails
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw fail(err, url, 'connect');
  }
  try {
    const settings = await client.query<{ wal_level: string; version: number }>("SELECT current_setting('wal_level') AS wal_level, current_setting('server_version_num')::int AS version");
    const { wal_level: walLevel, version } = settings.rows[0]!;
    const slotRows = await client.query<{ slot_name: string; plugin: string | null; slot_type: string; active: boolean; retained: string | null; wal_status?: string | null }>(
      `SELECT slot_name, plugin, slot_type, active,
              pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn() ELSE pg_current_wal_lsn() END, restart_lsn)::text AS retained
              ${version >= 130000 ? ', wal_status' : ''}
         FROM pg_replication_slots ORDER BY slot_name`,
    );
    const slots: ReplicationSlot[] = slotRows.rows.map((r) => ({
      name: r.slot_name,
      plugin: r.plugin ?? undefined,
      type: r.slot_type,
      active: r.active,
      retainedBytes: r.retained === null ? null : Number(r.retained),
      walStatus: r.wal_status ?? undefined,
    }));
    let tablesWithoutKey: TableRef[] = [];
    if (!include || include.length > 0) {
      const filter = includeFilter(include, 'n.nspname', 'c.relname', (i) => `$${i}`);
      const keyless = await client.query<{ schema: string; table: string }>(
        `SELECT n.nspname AS schema, c.relname AS table
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind IN ('r', 'p') AND c.relreplident = 'd'
            AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)
            AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
            ${filter ? `AND (${filter.sql})` : ''}
          ORDER BY 1, 2`,
        filter?.params ?? [],
      );
      tablesWithoutKey = keyless.rows.map((r) => ({ schema: r.schema, table: r.table }));
    }
    return { server: server(url), walLevel, slots, tablesWithoutKey };
  } catch (err) {
    throw fail(err, url, 'query');
  } finally {
    await client.end().catch(() => undefined);
  }
}

const ER_SP_DOES_NOT_EXIST = 1305;

export async function readMysql(url: SourceUrl, include?: TableRef[]): Promise<ObservedMysql> {
  const mysql = await import('mysql2/promise');
  let conn: Connection;
  try {
    conn = await mysql.createConnection({
      host: url.host,
      port: url.port,
      user: url.user,
      password: url.password,
      database: url.database,
      connectTimeout: CONNECT_TIMEOUT_MS,
      ssl: url.sslmode === 'disable' ? undefined : { rejectUnauthorized: url.sslmode === 'verify-full' },
      multipleStatements: false,
    });
  } catch (err) {
    throw fail(err, url, 'connect');
  }
  conn.on('error', () => undefined);
  try {
    const q = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => (await conn.query({ sql, timeout: QUERY_TIMEOUT_MS }, params))[0] as T[];
    const [vars] = await q<{ version: string; log_bin: number | string; binlog_format: string; binlog_row_image: string }>(
      'SELECT @@version AS version, @@log_bin AS log_bin, @@binlog_format AS binlog_format, @@binlog_row_image AS binlog_row_image',
    );
    const v = vars!;
    let retention: ObservedMysql['retention'];
    let rds = true;
    try {
      const [rows] = await conn.query({ sql: 'CALL mysql.rds_show_configuration', timeout: QUERY_TIMEOUT_MS });
      const first = (Array.isArray(rows) && Array.isArray(rows[0]) ? rows[0] : []) as { name?: string; value?: string | null }[];
      const row = first.find((r) => r.name === 'binlog retention hours');
      retention = { kind: 'rds', hours: row?.value === null || row?.value === undefined ? null : Number(row.value) };
    } catch (err) {
      if ((err as { errno?: number }).errno !== ER_SP_DOES_NOT_EXIST) throw err;
      rds = false;
      const rows = await q<{ Variable_name: string; Value: string }>("SHOW GLOBAL VARIABLES WHERE Variable_name IN ('binlog_expire_logs_seconds', 'expire_logs_days')");
      const get = (name: string) => {
        const r = rows.find((x) => x.Variable_name === name);
        return r ? Number(r.Value) : undefined;
      };
      retention = { kind: 'server', expireSeconds: get('binlog_expire_logs_seconds'), expireDays: get('expire_logs_days') };
    }
    let tablesWithoutKey: TableRef[] = [];
    if (!include || include.length > 0) {
      const filter = includeFilter(include, 't.TABLE_SCHEMA', 't.TABLE_NAME', () => '?');
      const rows = await q<{ s: string; t: string }>(
        `SELECT t.TABLE_SCHEMA AS s, t.TABLE_NAME AS t FROM information_schema.TABLES t
          WHERE t.TABLE_TYPE = 'BASE TABLE' AND t.TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
            AND NOT EXISTS (SELECT 1 FROM information_schema.TABLE_CONSTRAINTS k
                             WHERE k.TABLE_SCHEMA = t.TABLE_SCHEMA AND k.TABLE_NAME = t.TABLE_NAME AND k.CONSTRAINT_TYPE = 'PRIMARY KEY')
            ${filter ? `AND (${filter.sql})` : ''}
          ORDER BY 1, 2`,
        filter?.params ?? [],
      );
      tablesWithoutKey = rows.map((r) => ({ schema: r.s, table: r.t }));
    }
    return {
      server: server(url),
      version: v.version,
      mariadb: /mariadb/i.test(v.version),
      rds,
      logBin: Number(v.log_bin) === 1 || String(v.log_bin).toUpperCase() === 'ON',
      binlogFormat: v.binlog_format,
      binlogRowImage: v.binlog_row_image,
      retention,
      tablesWithoutKey,
    };
  } catch (err) {
    throw fail(err, url, 'query');
  } finally {
    await conn.end().catch(() => undefined);
  }
}
