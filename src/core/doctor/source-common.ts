/**
 * What the source-database checks of `doctor` share: the AWS guide sections they link to, the
 * engine families, byte formatting, and the parsing of `--source-url` (whose password is never shown:
 * `redacted` is the only form of the URL that goes into a message). Pure.
 */
import { UsageError } from '../../errors.js';

const DMS = 'https://docs.aws.amazon.com/dms/latest/userguide';
const RDS = 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide';

/** The guide sections the findings point to. */
export const SOURCE_LINKS = {
  mysqlManaged: `${DMS}/CHAP_Source.MySQL.html#CHAP_Source.MySQL.AmazonManaged`,
  mysqlSelfManaged: `${DMS}/CHAP_Source.MySQL.html#CHAP_Source.MySQL.CustomerManaged`,
  mysqlPrerequisites: `${DMS}/CHAP_Source.MySQL.html#CHAP_Source.MySQL.Prerequisites`,
  mysqlLimitations: `${DMS}/CHAP_Source.MySQL.html#CHAP_Source.MySQL.Limitations`,
  rdsBinlog: `${RDS}/USER_LogAccess.MySQL.BinaryFormat.html`,
  rdsBinlogRetention: `${RDS}/mysql-stored-proc-configuring.html`,
  rdsBackups: `${RDS}/USER_WorkingWithAutomatedBackups.Enabling.html`,
  postgresManaged: `${DMS}/CHAP_Source.PostgreSQL.html#CHAP_Source.PostgreSQL.RDSPostgreSQL`,
  postgresSelfManaged: `${DMS}/CHAP_Source.PostgreSQL.html#CHAP_Source.PostgreSQL.Prerequisites`,
  postgresLimitations: `${DMS}/CHAP_Source.PostgreSQL.html#CHAP_Source.PostgreSQL.Limitations`,
  postgresSlots: `${DMS}/CHAP_Troubleshooting.html#CHAP_Troubleshooting.PostgreSQL`,
  parameterGroups: `${RDS}/USER_WorkingWithParamGroups.html`,
} as const;

export type EngineFamily = 'mysql' | 'postgres';

export interface EngineInfo {
  family: EngineFamily | 'other';
  aurora: boolean;
  mariadb: boolean;
}

/** RDS `Engine` values: mysql, mariadb, aurora-mysql (and `aurora`, the MySQL 5.6 one), postgres, aurora-postgresql. */
export function engineInfo(engine: string): EngineInfo {
  const e = engine.toLowerCase();
  if (e === 'mysql' || e === 'mariadb' || e === 'aurora' || e === 'aurora-mysql') return { family: 'mysql', aurora: e.startsWith('aurora'), mariadb: e === 'mariadb' };
  if (e === 'postgres' || e === 'aurora-postgresql') return { family: 'postgres', aurora: e.startsWith('aurora'), mariadb: false };
  return { family: 'other', aurora: e.startsWith('aurora'), mariadb: false };
}

/** `0 B`, `512 B`, `3.2 KiB`, `48.0 MiB`, `1.50 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = Math.abs(bytes);
  let unit = 0;
  // Rounded as shown: 1023.99 MiB reads 1.00 GiB, not 1024.0 MiB.
  while (Number(value.toFixed(1)) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = unit === 0 ? String(Math.round(value)) : value.toFixed(value < 10 ? 2 : 1);
  return `${bytes < 0 ? '-' : ''}${text} ${units[unit]}`;
}

export interface SourceUrl {
  family: EngineFamily;
  host: string;
  port: number;
  user: string;
  /** From the URL, else PGPASSWORD / MYSQL_PWD. Never put into a message. */
  password?: string;
  database?: string;
  /** `?sslmode=`: disable (the default), require (TLS without verifying the certificate), verify-full. */
  sslmode: 'disable' | 'require' | 'verify-full';
  /** The URL as it may be shown: scheme, user, host, port, database; never the password. */
  redacted: string;
}

const SSL_MODES = ['disable', 'require', 'verify-full'] as const;

/**
 * `postgres://user[:password]@host[:port]/db[?sslmode=…]` or `mysql://user[:password]@host[:port][/db]`.
 * A bad URL is a UsageError naming --source-url; its message never repeats the URL (it may hold a password).
 */
export function parseSourceUrl(raw: string, env: Record<string, string | undefined>): SourceUrl {
  const usage = (why: string) => new UsageError(`--source-url: ${why}; expected postgres://user@host[:port]/database or mysql://user@host[:port][/database]`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usage('not a URL');
  }
  const scheme = url.protocol.replace(/:$/, '').toLowerCase();
  const family: EngineFamily | undefined = scheme === 'postgres' || scheme === 'postgresql' ? 'postgres' : scheme === 'mysql' || scheme === 'mariadb' ? 'mysql' : undefined;
  if (!family) throw usage(`unsupported scheme '${scheme}'`);
  if (!url.hostname) throw usage('no host');
  const user = decodeURIComponent(url.username);
  if (!user) throw usage('no user name');
  const port = url.port ? Number(url.port) : family === 'postgres' ? 5432 : 3306;
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || undefined;
  const sslmode = (url.searchParams.get('sslmode') ?? 'disable').toLowerCase();
  if (!(SSL_MODES as readonly string[]).includes(sslmode)) throw usage(`sslmode must be one of ${SSL_MODES.join(' | ')}`);
  for (const key of url.searchParams.keys()) if (key !== 'sslmode') throw usage(`unknown parameter '${key}' (only sslmode)`);
  const password = url.password ? decodeURIComponent(url.password) : family === 'postgres' ? env.PGPASSWORD : env.MYSQL_PWD;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const redacted = `${scheme}://${encodeURIComponent(user)}@${url.host}${database ? `/${encodeURIComponent(database)}` : ''}`;
  return { family, host, port, user, password: password || undefined, database, sslmode: sslmode as SourceUrl['sslmode'], redacted };
}

/** Replaces every occurrence of the secret (and its URL-encoded form) in a text by `***`. */
export function scrubSecret(text: string, secret: string | undefined): string {
  if (!secret) return text;
  let out = text;
  for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join('***');
  return out;
}

/**
 * A DMS table-mapping name, where `%` is the only wildcard, as a SQL LIKE pattern (with `\` as the
 * escape character): `_` and `\` are literal in DMS and so are escaped.
 */
export function dmsNameToLike(name: string): string {
  return name.replace(/[\\_]/g, (c) => `\\${c}`);
}
