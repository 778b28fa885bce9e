/** The load flags `plan` and `cost` share, and their validation (each error names the flag and what it accepts). */
import type { Command } from 'commander';
import { CAPACITY_DEFAULTS, type CapacityInput } from '../core/capacity.js';
import { EFO_MAX_CONSUMERS, RECORD_ABSOLUTE_MAX_BYTES, RETENTION_DEFAULT_HOURS, RETENTION_MAX_HOURS } from '../core/limits.js';
import { KIB, parseKibFlag, parseNumberFlag } from '../core/units.js';

/** A record is at most 10 MiB (with MaxRecordSizeInKiB): 10,240 KiB. */
const RECORD_MAX_KIB = RECORD_ABSOLUTE_MAX_BYTES / KIB;

export interface LoadFlags {
  rps: string;
  kb: string;
  peak?: string;
  consumers?: string;
  efoConsumers?: string;
  utilization?: string;
  retentionHours?: string;
  skew?: string;
}

export function addLoadOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--rps <n>', 'records per second (average), > 0')
    .requiredOption('--kb <n>', `KiB (1,024 bytes) per record, > 0 and ≤ ${RECORD_MAX_KIB}`)
    .option('--peak <n>', `peak multiplier over the average; shards are sized for the peak (default ${CAPACITY_DEFAULTS.peak})`)
    .option('--consumers <n>', `standard (GetRecords) consumers, Firehose included (default ${CAPACITY_DEFAULTS.consumers})`)
    .option('--efo-consumers <n>', `enhanced fan-out consumers, 0..${EFO_MAX_CONSUMERS} (default ${CAPACITY_DEFAULTS.efoConsumers})`)
    .option('--utilization <ratio>', `target utilization of the binding limit, in (0, 1] (default ${CAPACITY_DEFAULTS.utilization})`)
    .option('--retention-hours <h>', `retention, ${RETENTION_DEFAULT_HOURS}..${RETENTION_MAX_HOURS} hours (default ${RETENTION_DEFAULT_HOURS})`)
    .option('--skew <share>', 'share (0, 1] of the traffic on the hottest partition key');
}

export function parseLoadFlags(opts: LoadFlags): CapacityInput {
  const input: CapacityInput = {
    rps: parseNumberFlag('--rps', opts.rps, { min: 0, minExclusive: true }),
    kb: parseKibFlag('--kb', opts.kb, { min: 0, minExclusive: true, max: RECORD_MAX_KIB }),
  };
  if (opts.peak !== undefined) input.peak = parseNumberFlag('--peak', opts.peak, { min: 1 });
  if (opts.consumers !== undefined) input.consumers = parseNumberFlag('--consumers', opts.consumers, { min: 0, integer: true });
  if (opts.efoConsumers !== undefined) input.efoConsumers = parseNumberFlag('--efo-consumers', opts.efoConsumers, { min: 0, max: EFO_MAX_CONSUMERS, integer: true });
  if (opts.utilization !== undefined) input.utilization = parseNumberFlag('--utilization', opts.utilization, { min: 0, minExclusive: true, max: 1 });
  if (opts.retentionHours !== undefined) input.retentionHours = parseNumberFlag('--retention-hours', opts.retentionHours, { min: RETENTION_DEFAULT_HOURS, max: RETENTION_MAX_HOURS });
  if (opts.skew !== undefined) input.skew = parseNumberFlag('--skew', opts.skew, { min: 0, minExclusive: true, max: 1 });
  return input;
}
