/**
 * `cdcpipe doctor`: one read-only run over the pipeline, stage by stage (source → DMS → stream →
 * consumers → Firehose → S3). Each stage reads what it needs (src/services/doctor-<stage>.ts), every
 * stage's CloudWatch metrics are read in ONE batched GetMetricData pass, and the pure rules of
 * src/core/doctor/ turn what was read into findings. A denied call becomes a skipped finding naming the
 * IAM action, and the run goes on; a named resource that is missing is an error finding and exit 4.
 */
import type { CloudWatchApi } from '../aws/api/cloudwatch.js';
import type { DmsApi } from '../aws/api/dms.js';
import type { FirehoseApi } from '../aws/api/firehose.js';
import type { KinesisApi } from '../aws/api/kinesis.js';
import type { LambdaApi } from '../aws/api/lambda.js';
import type { RdsApi } from '../aws/api/rds.js';
import type { S3Api } from '../aws/api/s3.js';
import { toCliError } from '../aws/errors.js';
import { getMetricSeries } from '../aws/metrics.js';
import type { ConsumerRef } from '../core/consumer-metrics.js';
import type { DoctorStage, Finding } from '../core/doctor/finding.js';
import { buildDoctorReport, type DoctorReport } from '../core/doctor/report.js';
import { metricPeriodS, type MetricSeries, type MetricSpec } from '../core/metric-spec.js';
import type { PipelineConfig } from '../core/pipeline-schema.js';
import { AuthError, NotFoundError } from '../errors.js';
import { readConsumers } from './doctor-consumers.js';
import { readDms } from './doctor-dms.js';
import { readFirehose } from './doctor-firehose.js';
import { checkSource } from './doctor-source.js';
import { readStreamStage } from './doctor-stream.js';
import type { Host } from './host.js';

export interface DoctorOptions {
  stream: string;
  dmsTask?: string;
  firehose?: string;
  /** KCL and Flink apps (and any other consumer) named on the command line or in the file. */
  consumers: ConsumerRef[];
  dbInstance?: string;
  dbCluster?: string;
  sourceUrl?: string;
  /** The span of metrics looked at. */
  windowMs: number;
  /** The stages to run (--only), in any order. */
  stages: readonly DoctorStage[];
  /** Consumer lag above this is CRIT, as `lag --threshold`. */
  thresholdMs: number;
  /** DMS CDC latency above this is slow (seconds). */
  dmsLatencyThresholdS: number;
  /** The pipeline file, when given: the stream's consumers count for the capacity calculator. */
  config?: PipelineConfig;
  /** The clock (tests and benchmarks fix it). */
  nowMs?: number;
}

/** The clients doctor may build (AwsClients fits); `settings.unavailable` names services no server answers (--local). */
export interface DoctorClients {
  kinesisApi(): Promise<KinesisApi>;
  dmsApi(): Promise<DmsApi>;
  firehoseApi(): Promise<FirehoseApi>;
  cloudwatchApi(): Promise<CloudWatchApi>;
  s3Api(): Promise<S3Api>;
  rdsApi(): Promise<RdsApi>;
  lambdaApi(): Promise<LambdaApi>;
  region(): Promise<string>;
  settings?: { env?: NodeJS.ProcessEnv; unavailable?: { services: ReadonlySet<string>; why: string } };
}

export type ServiceName = 'kinesis' | 'dms' | 'firehose' | 'cloudwatch' | 's3' | 'rds' | 'lambda';

export interface Guarded {
  stage: DoctorStage;
  /** The check the read serves (its findings get this id when the read fails). */
  id: string;
  resource: string;
  service: ServiceName;
  /** The IAM action the call needs: named when access is denied. */
  action: string;
  /** The resource was named (flag or file): missing is an error and exit 4. Otherwise missing is nothing found. */
  named?: boolean;
  /** Any other failure is a skipped finding saying why, rather than the end of the run. */
  optional?: boolean;
  /** The read reports an unanswered service itself (and has other work to do without it). */
  handlesUnavailable?: boolean;
}

/** What every stage's reads share: the findings so far, the missing resources, and the guard. */
export class DoctorRun {
  readonly findings: Finding[] = [];
  readonly missing: string[] = [];
  readonly specs: MetricSpec[] = [];
  constructor(
    readonly opts: DoctorOptions,
    readonly clients: DoctorClients,
    readonly host: Host,
    readonly nowMs: number,
  ) {}

  has(stage: DoctorStage): boolean {
    return this.opts.stages.includes(stage);
  }

  add(...f: Finding[]): void {
    this.findings.push(...f);
  }

  /** Why a service cannot be asked at all (no server answers it under --local), or undefined. */
  unavailable(service: ServiceName): string | undefined {
    const u = this.clients.settings?.unavailable;
    return u?.services.has(service) ? u.why : undefined;
  }

  /**
   * Runs one read. A service no server answers, a denied call, a missing resource (and, if optional,
   * any other failure) becomes a finding and `undefined`; anything else ends the run as it would elsewhere.
   */
  async guard<T>(g: Guarded, read: () => Promise<T>): Promise<T | undefined> {
    const base = { stage: g.stage, id: g.id, resource: g.resource };
    const why = g.handlesUnavailable ? undefined : this.unavailable(g.service);
    if (why) {
      this.add({ ...base, severity: 'skipped', evidence: `not checked: ${g.service === 'cloudwatch' ? 'CloudWatch' : g.service.toUpperCase()} ${why}` });
      return undefined;
    }
    try {
      return await read();
    } catch (err) {
      const e = toCliError(err);
      if (e instanceof AuthError) {
        this.add({ ...base, severity: 'skipped', evidence: `access denied: ${firstLine(e.message)}`, fix: `allow ${g.action} to the identity doctor runs as`, deniedAction: g.action });
        return undefined;
      }
      if (e instanceof NotFoundError) {
        if (g.named) {
          this.missing.push(g.resource);
          this.add({ ...base, id: `${g.stage}.exists`, severity: 'error', evidence: `not found: ${firstLine(e.message)}`, fix: e.hint ?? 'check the name, --region and --profile' });
        } else {
          this.add({ ...base, severity: 'skipped', evidence: `nothing to check: ${firstLine(e.message)}` });
        }
        return undefined;
      }
      if (g.optional) {
        this.add({ ...base, severity: 'skipped', evidence: `could not read: ${firstLine(e.message)}` });
        return undefined;
      }
      throw e;
    }
  }
}

const firstLine = (s: string) => s.split('\n')[0]!;

/** What the metrics of one run came back as: the series, or why there are none. */
export interface MetricsRead {
  series?: ReadonlyMap<string, MetricSeries>;
  /** Set when GetMetricData could not be read: each metric check is skipped with this. */
  missingBecause?: Finding;
  calls: number;
}

export interface DoctorResult extends DoctorReport {
  stream: string;
  windowMs: number;
  getMetricDataCalls: number;
}

export async function runDoctor(opts: DoctorOptions, clients: DoctorClients, host: Host): Promise<DoctorResult> {
  const nowMs = opts.nowMs ?? Date.now();
  const run = new DoctorRun(opts, clients, host, nowMs);

  // DMS first: the source stage takes its server name and tables from the task's endpoint and mappings.
  const dms = run.has('dms') || run.has('source') ? await readDms(run) : undefined;
  if (run.has('source')) {
    const source = await run.guard({ stage: 'source', id: 'source.checks', resource: opts.dbInstance ?? opts.dbCluster ?? dms?.sourceServerName ?? 'source', service: 'rds', action: 'rds:DescribeDBInstances', named: Boolean(opts.dbInstance ?? opts.dbCluster), handlesUnavailable: Boolean(opts.sourceUrl) }, () =>
      checkSource(
        {
          ...(opts.dbInstance ? { dbInstance: opts.dbInstance } : {}),
          ...(opts.dbCluster ? { dbCluster: opts.dbCluster } : {}),
          ...(dms?.sourceServerName ? { serverName: dms.sourceServerName } : {}),
          ...(opts.sourceUrl ? { sourceUrl: opts.sourceUrl } : {}),
          ...(dms?.includeTables ? { includeTables: dms.includeTables } : {}),
          ...(dms?.taskCount !== undefined ? { taskCount: dms.taskCount } : {}),
          windowMs: opts.windowMs,
          nowMs,
        },
        clients,
        host,
      ),
    );
    run.add(...(source ?? []));
  }
  const stream = run.has('stream') || run.has('consumers') || run.has('s3') ? await readStreamStage(run) : undefined;
  const consumers = run.has('consumers') && stream ? await readConsumers(run, stream) : undefined;
  const firehose = run.has('firehose') || run.has('s3') ? await readFirehose(run) : undefined;

  const metrics = await readMetrics(run);
  const shared = { streamRecordsIn: stream && metrics.series ? stream.recordsIn(metrics.series) : undefined };
  dms?.evaluate(metrics);
  stream?.evaluate(metrics, consumers?.counts ?? { polling: 0, efo: 0 });
  consumers?.evaluate(metrics);
  firehose?.evaluate(metrics, shared.streamRecordsIn);

  return { ...buildDoctorReport(run.findings, opts.stages, run.missing), stream: opts.stream, windowMs: opts.windowMs, getMetricDataCalls: metrics.calls };
}

/** Every stage's metric queries in one GetMetricData pass (≤ 500 a call), the ids deduplicated. */
async function readMetrics(run: DoctorRun): Promise<MetricsRead> {
  const byId = new Map(run.specs.map((s) => [s.id, s]));
  if (!byId.size) return { calls: 0 };
  const before = run.findings.length;
  const window = { startMs: run.nowMs - run.opts.windowMs, endMs: run.nowMs, periodS: metricPeriodS(run.opts.windowMs) };
  const got = await run.guard({ stage: 'stream', id: 'metrics', resource: 'CloudWatch', service: 'cloudwatch', action: 'cloudwatch:GetMetricData', optional: true }, async () =>
    getMetricSeries(await run.clients.cloudwatchApi(), [...byId.values()], window),
  );
  if (got) return { series: got.series, calls: got.calls };
  // The guard recorded why; each stage repeats it on its own metric checks instead.
  const [why] = run.findings.splice(before);
  return { calls: 0, ...(why ? { missingBecause: why } : {}) };
}

/** A metric check that could not run: the reason GetMetricData gave, under the check's own id. */
export function metricSkipped(m: MetricsRead, stage: DoctorStage, id: string, resource: string): Finding {
  const why = m.missingBecause;
  return {
    stage,
    id,
    resource,
    severity: 'skipped',
    evidence: why?.evidence ?? 'no metrics read',
    ...(why?.fix ? { fix: why.fix } : {}),
    ...(why?.deniedAction ? { deniedAction: why.deniedAction } : {}),
  };
}
