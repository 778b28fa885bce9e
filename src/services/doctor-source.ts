/**
 * doctor's source-database stage. PLACEHOLDER on this branch: the real checks (RDS parameters, and with
 * --source-url the SQL-only ones) come from the source-database work and replace this file at merge.
 * It keeps the interface doctor calls.
 */
import type { Finding } from '../core/doctor/finding.js';
import type { Host } from './host.js';

export interface SourceCheckOptions {
  dbInstance?: string;
  dbCluster?: string;
  serverName?: string;
  sourceUrl?: string;
  includeTables?: { schema: string; table: string }[];
  taskCount?: number;
  windowMs: number;
  nowMs: number;
}

export async function checkSource(_options: SourceCheckOptions, _clients: unknown, _host: Host): Promise<Finding[]> {
  return [];
}
