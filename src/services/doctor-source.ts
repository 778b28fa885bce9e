/**
 * `doctor`'s source-database stage: the RDS API (instance or Aurora cluster, its parameter group) and,
 * with --source-url, the database itself over SQL. Returns findings; never prints. The URL's password
 * is never shown: messages name the database by its redacted URL (no password), and every driver
 * error is scrubbed before it becomes evidence.
 */
import type { Finding } from '../core/doctor/finding.js';
import { parseSourceUrl, type SourceUrl } from '../core/doctor/source-common.js';
import { rdsSourceFindings } from '../core/doctor/source-rds.js';
import { mysqlFindings, postgresFindings, storageTrend, type StorageTrend, type TableRef } from '../core/doctor/source-sql.js';
import type { SourceClients } from '../aws/source-rds.js';
import type { Host } from './host.js';

export interface SourceCheckOptions {
  /** --db-instance */
  dbInstance?: string;
  /** --db-cluster */
  dbCluster?: string;
  /** The DMS source endpoint's ServerName, matched to an RDS endpoint address when no id is given. */
  serverName?: string;
  /** --source-url postgres://… | mysql://… (password from the URL or PGPASSWORD / MYSQL_PWD). */
  sourceUrl?: string;
  /** The task's include rules, resolved (`%` wildcards allowed): the tables the primary-key checks look at. */
  includeTables?: TableRef[];
  /** DMS tasks on this source (each holds a replication slot and a WAL sender). */
  taskCount?: number;
  /** --window */
  windowMs: number;
  nowMs: number;
}

export async function checkSource(options: SourceCheckOptions, clients: SourceClients, host: Host): Promise<Finding[]> {
  const env = clients.settings?.env ?? process.env;
  // Parsed first: a bad --source-url is a usage error before anything is read.
  const url = options.sourceUrl ? parseSourceUrl(options.sourceUrl, env) : undefined;
  const findings: Finding[] = [];

  const { readRdsSource, readFreeStorage } = await import('../aws/source-rds.js');
  const serverName = options.serverName ?? (options.dbInstance || options.dbCluster ? undefined : url?.host);
  host.debug(`source: RDS lookup by ${options.dbInstance ? `instance ${options.dbInstance}` : options.dbCluster ? `cluster ${options.dbCluster}` : serverName ? `endpoint ${serverName}` : 'nothing'}`);
  const rds = await readRdsSource(clients, { dbInstance: options.dbInstance, dbCluster: options.dbCluster, serverName });
  if ('skipped' in rds) findings.push(rds.skipped);
  else findings.push(...rdsSourceFindings(rds.observed, options.taskCount));

  if (!url) return findings;
  host.debug(`source: SQL checks on ${url.redacted}`);
  const { readMysql, readPostgres, SourceSqlError } = await import('../io/source-sql.js');
  try {
    if (url.family === 'mysql') {
      findings.push(...mysqlFindings(await readMysql(url, options.includeTables)));
    } else {
      const observed = await readPostgres(url, options.includeTables);
      let storage: StorageTrend = { unavailable: 'the database is not an RDS instance found here' };
      const extra: Finding[] = [];
      if (observed.slots.some((s) => !s.active)) {
        if ('observed' in rds && rds.instanceForMetrics) {
          const free = await readFreeStorage(clients, rds.instanceForMetrics, options);
          storage = 'series' in free ? storageTrend(free.series) : { unavailable: free.unavailable };
          if ('deniedAction' in free && free.deniedAction) {
            extra.push({ stage: 'source', severity: 'skipped', id: 'source.free-storage', resource: rds.instanceForMetrics, evidence: `FreeStorageSpace not read: ${free.unavailable}`, deniedAction: free.deniedAction });
          }
        } else if ('observed' in rds) {
          storage = { unavailable: 'Aurora storage grows with the data; there is no FreeStorageSpace to set it against' };
        }
      }
      findings.push(...postgresFindings(observed, storage, options.windowMs), ...extra);
    }
  } catch (err) {
    if (!(err instanceof SourceSqlError)) throw err;
    findings.push(sqlFailure(url, err.phase, err.message));
  }
  return findings;
}

function sqlFailure(url: SourceUrl, phase: 'connect' | 'query', message: string): Finding {
  const engine = url.family === 'postgres' ? 'PostgreSQL' : 'MySQL';
  return {
    stage: 'source',
    severity: 'error',
    id: phase === 'connect' ? 'source.connect' : 'source.sql',
    resource: url.redacted,
    evidence: phase === 'connect' ? `cannot connect to ${engine} at ${url.host}:${url.port}: ${message}` : `a read on ${engine} at ${url.host}:${url.port} failed: ${message}`,
    fix:
      phase === 'connect'
        ? `check the host, port, user and password (in the URL or ${url.family === 'postgres' ? 'PGPASSWORD' : 'MYSQL_PWD'}), the security group / firewall, and TLS (?sslmode=require when the server forces it)`
        : 'grant the user the read access listed in docs/doctor.md (source checks)',
  };
}
