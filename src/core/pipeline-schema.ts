/**
 * The pipeline file (`cdcpipe.yaml`, YAML or JSON) read by `cdcpipe provision`: its zod 4 schema and
 * the parser that turns zod issues into one line per problem, each naming the path and what it accepts
 * (`dms.task.migrationType: expected full-load | cdc | full-load-and-cdc`). Pure: the caller reads the file.
 */
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { CONSUMER_KINDS, consumerNameProblem } from './consumer-metrics.js';
import { BUCKET_ARN_RULE, DMS_IDENTIFIER_RULE, ROLE_ARN_RULE, isBucketArn, isDmsIdentifier, isRoleArn, prefixProblems } from './aws-names.js';
import { FIREHOSE_BUFFER_SIZE_MIB_RANGE, MAX_RECORD_SIZE_KIB_RANGE, MAX_SHARDS_PER_UPDATE, RETENTION_DEFAULT_HOURS, RETENTION_MAX_HOURS } from './limits.js';

/** Shard-level metrics EnableEnhancedMonitoring accepts (API EnableEnhancedMonitoring); ALL = every one of them. */
export const SHARD_LEVEL_METRICS = [
  'IncomingBytes',
  'IncomingRecords',
  'OutgoingBytes',
  'OutgoingRecords',
  'WriteProvisionedThroughputExceeded',
  'ReadProvisionedThroughputExceeded',
  'IteratorAgeMilliseconds',
] as const;
export const MIGRATION_TYPES = ['full-load', 'cdc', 'full-load-and-cdc'] as const;
export const FIREHOSE_COMPRESSIONS = ['UNCOMPRESSED', 'GZIP', 'ZIP', 'Snappy', 'HADOOP_SNAPPY'] as const;
/** DMS Serverless capacity units (API ComputeConfig: 1, 2, 4, 8, 16, 32, 64, 128, 192, 256, 384). */
export const DMS_DCU_VALUES = [1, 2, 4, 8, 16, 32, 64, 128, 192, 256, 384] as const;
/** Firehose BufferingHints IntervalInSeconds: 0..900 (Amazon Data Firehose API Reference, BufferingHints); the size range is in limits.ts. */
export const FIREHOSE_BUFFER_SECONDS_RANGE = [0, 900] as const;
/** Parquet/ORC conversion needs a buffer of at least 64 MiB (Firehose "record format conversion" guide). */
export const FIREHOSE_CONVERSION_MIN_BUFFER_MIB = 64;
export const DEFAULT_KMS_KEY = 'alias/aws/kinesis';

export { EXAMPLE_PIPELINE_YAML } from './pipeline-example.js';

const arnOf = (service: string, what: string) =>
  z.string().regex(new RegExp(`^arn:aws[a-z-]*:${service}:`), { error: `expected ${what} ARN (arn:aws:${service}:…)` });
const int = (min: number, max: number) => {
  const error = `expected a whole number from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};
const positive = () => z.number().positive();
const dmsIdentifier = () => z.string().refine(isDmsIdentifier, { error: DMS_IDENTIFIER_RULE });
const roleArn = () => z.string().refine(isRoleArn, { error: ROLE_ARN_RULE });

/** UpdateShardCount and CreateStream accept up to 10,000 shards per stream (API UpdateShardCount). */
const SHARDS_ACCEPTS = `expected a whole number from 1 to ${MAX_SHARDS_PER_UPDATE}, or auto`;

const streamSchema = z
  .strictObject({
    // Stream names: 1..128 characters of [a-zA-Z0-9_.-] (API CreateStream).
    name: z.string().regex(/^[a-zA-Z0-9_.-]{1,128}$/, { error: 'expected 1 to 128 characters of a-z A-Z 0-9 _ . -' }),
    mode: z.enum(['provisioned', 'on-demand']).default('provisioned'),
    // The range is checked below so that every bad value gets the same message.
    shards: z.union([z.number(), z.literal('auto')], { error: SHARDS_ACCEPTS }).optional(),
    capacity: z
      .strictObject({
        rps: positive(),
        kb: positive(),
        peak: z.number().min(1).optional(),
        consumers: int(0, 1000).optional(),
        efoConsumers: int(0, 20).optional(),
        utilization: z.number().positive().max(1).optional(),
      })
      .optional(),
    retentionHours: int(RETENTION_DEFAULT_HOURS, RETENTION_MAX_HOURS).default(RETENTION_DEFAULT_HOURS),
    // Encrypted by default with the AWS managed key; `encryption: false` turns it off.
    encryption: z
      .union([z.boolean(), z.strictObject({ kmsKeyId: z.string().min(1).default(DEFAULT_KMS_KEY) })], {
        error: 'expected false, true or {kmsKeyId: <key id, ARN or alias>}',
      })
      .default(true)
      .transform((e): { kmsKeyId: string } | false => (e === false ? false : e === true ? { kmsKeyId: DEFAULT_KMS_KEY } : e)),
    enhancedMonitoring: z.array(z.enum([...SHARD_LEVEL_METRICS, 'ALL'])).default([]),
    maxRecordSizeKiB: int(MAX_RECORD_SIZE_KIB_RANGE[0], MAX_RECORD_SIZE_KIB_RANGE[1]).optional(),
  })
  .superRefine((s, ctx) => {
    if (typeof s.shards === 'number' && (!Number.isInteger(s.shards) || s.shards < 1 || s.shards > MAX_SHARDS_PER_UPDATE)) {
      ctx.addIssue({ code: 'custom', path: ['shards'], message: `${SHARDS_ACCEPTS} (got ${s.shards})` });
    }
    if (s.mode === 'on-demand' && s.shards !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['shards'], message: 'not allowed with mode: on-demand (on-demand streams scale themselves); remove it or use mode: provisioned' });
    }
    if (s.mode === 'provisioned' && s.shards === undefined) {
      ctx.addIssue({ code: 'custom', path: ['shards'], message: 'required with mode: provisioned: expected a whole number or auto' });
    }
    if (s.shards === 'auto' && !s.capacity) {
      ctx.addIssue({ code: 'custom', path: ['capacity'], message: 'required when stream.shards is auto: expected {rps, kb}' });
    }
  });

const tablePattern = z.string().regex(/^[^.\s]+\.[^.\s]+$/, { error: "expected 'schema.table' (% is the wildcard), e.g. public.%" });

const kinesisSettingsSchema = z.strictObject({
  MessageFormat: z.enum(['json', 'json-unformatted']).optional(),
  IncludeTransactionDetails: z.boolean().optional(),
  IncludePartitionValue: z.boolean().optional(),
  PartitionIncludeSchemaTable: z.boolean().optional(),
  IncludeTableAlterOperations: z.boolean().optional(),
  IncludeControlDetails: z.boolean().optional(),
  IncludeNullAndEmpty: z.boolean().optional(),
  NoHexPrefix: z.boolean().optional(),
  UseLargeIntegerValue: z.boolean().optional(),
});

const taskSchema = z
  .strictObject({
    // The task's (or, serverless, the replication config's) identifier (API CreateReplicationTask, CreateReplicationConfig).
    id: dmsIdentifier(),
    migrationType: z.enum(MIGRATION_TYPES),
    include: z.array(tablePattern).min(1).optional(),
    exclude: z.array(tablePattern).optional(),
    /** Per-table partition key column ('schema.table' → column); every other table is keyed by its primary key. */
    partitionKeys: z.record(tablePattern, z.string().min(1)).optional(),
    tableMappings: z.union([z.string().min(2), z.record(z.string(), z.unknown())], { error: 'expected a DMS table-mapping document (an object with rules, or its JSON text)' }).optional(),
    settings: z.record(z.string(), z.unknown()).optional(),
    start: z.boolean().default(true),
  })
  .superRefine((t, ctx) => {
    if (t.tableMappings !== undefined && (t.include || t.exclude || t.partitionKeys)) {
      ctx.addIssue({ code: 'custom', path: ['tableMappings'], message: 'expected either tableMappings or the include/exclude/partitionKeys shorthand, not both' });
    }
    if (t.tableMappings === undefined && !t.include) {
      ctx.addIssue({ code: 'custom', path: ['include'], message: "required (or dms.task.tableMappings): expected a list of 'schema.table' patterns, e.g. [public.%]" });
    }
    if (typeof t.tableMappings === 'string') {
      try {
        JSON.parse(t.tableMappings);
      } catch {
        ctx.addIssue({ code: 'custom', path: ['tableMappings'], message: 'expected valid JSON text of a DMS table-mapping document' });
      }
    }
    const batch = findBatchApplyEnabled(t.settings);
    if (batch) {
      ctx.addIssue({
        code: 'custom',
        path: ['settings', ...batch],
        message: 'BatchApplyEnabled is refused: it is not supported with a Kinesis target (DMS "Using Kinesis as a target"); remove it',
      });
    }
  });

const dmsSchema = z
  .strictObject({
    sourceEndpointArn: arnOf('dms', 'a DMS endpoint'),
    serviceAccessRoleArn: roleArn().optional(),
    replicationInstanceArn: arnOf('dms', 'a DMS replication instance').optional(),
    serverless: z
      .strictObject({
        minDcu: z.union(DMS_DCU_VALUES.map((v) => z.literal(v)), { error: `expected one of ${DMS_DCU_VALUES.join(', ')}` }),
        maxDcu: z.union(DMS_DCU_VALUES.map((v) => z.literal(v)), { error: `expected one of ${DMS_DCU_VALUES.join(', ')}` }),
      })
      .refine((s) => s.minDcu <= s.maxDcu, { error: 'expected minDcu ≤ maxDcu', path: ['minDcu'] })
      .optional(),
    target: z
      .strictObject({
        endpointId: dmsIdentifier().optional(),
        kinesisSettings: kinesisSettingsSchema.default({}),
      })
      .default({ kinesisSettings: {} }),
    task: taskSchema,
  })
  .superRefine((d, ctx) => {
    if (!d.replicationInstanceArn === !d.serverless) {
      ctx.addIssue({ code: 'custom', path: ['replicationInstanceArn'], message: 'expected either replicationInstanceArn or serverless: {minDcu, maxDcu}, exactly one' });
    }
  });

const firehoseSchema = z
  .strictObject({
    // Delivery stream names: 1..64 characters of [a-zA-Z0-9_.-] (API CreateDeliveryStream).
    name: z.string().regex(/^[a-zA-Z0-9_.-]{1,64}$/, { error: 'expected 1 to 64 characters of a-z A-Z 0-9 _ . -' }),
    roleArn: roleArn().optional(),
    bucketArn: z.string().refine(isBucketArn, { error: BUCKET_ARN_RULE }),
    prefix: z.string().max(1024).optional(),
    errorOutputPrefix: z.string().max(1024).optional(),
    buffering: z
      .strictObject({
        sizeMiB: int(FIREHOSE_BUFFER_SIZE_MIB_RANGE[0], FIREHOSE_BUFFER_SIZE_MIB_RANGE[1]).default(5),
        intervalSeconds: int(FIREHOSE_BUFFER_SECONDS_RANGE[0], FIREHOSE_BUFFER_SECONDS_RANGE[1]).default(300),
      })
      .default({ sizeMiB: 5, intervalSeconds: 300 }),
    compression: z.enum(FIREHOSE_COMPRESSIONS).default('UNCOMPRESSED'),
    processor: z.strictObject({ lambdaArn: arnOf('lambda', 'a Lambda function') }).optional(),
    // A newline after each record (Firehose processor AppendDelimiterToRecord), so S3 objects are one record per line.
    appendDelimiter: z.boolean().default(true),
    parquet: z
      .strictObject({
        glueDatabase: z.string().min(1),
        glueTable: z.string().min(1),
        glueRegion: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: 'expected an AWS region such as us-east-1' }).optional(),
      })
      .optional(),
  })
  .superRefine((f, ctx) => {
    // The Firehose prefix rules (src/core/aws-names.ts): known expressions, the error prefix and its error-output-type, 512 characters.
    for (const p of prefixProblems(f.prefix, f.errorOutputPrefix)) ctx.addIssue({ code: 'custom', path: [p.key], message: p.message });
    if (f.parquet && f.compression !== 'UNCOMPRESSED') {
      ctx.addIssue({ code: 'custom', path: ['compression'], message: 'expected UNCOMPRESSED with parquet (Parquet compresses itself)' });
    }
    if (f.parquet && f.buffering.sizeMiB < FIREHOSE_CONVERSION_MIN_BUFFER_MIB) {
      ctx.addIssue({ code: 'custom', path: ['buffering', 'sizeMiB'], message: `expected at least ${FIREHOSE_CONVERSION_MIN_BUFFER_MIB} with parquet (record format conversion)` });
    }
  });

/** One consumer of the stream, by kind and name (src/core/consumer-metrics.ts). */
const consumerRefSchema = z.strictObject({ kind: z.enum(CONSUMER_KINDS), name: z.string() }).superRefine((c, ctx) => {
  const problem = consumerNameProblem(c);
  if (problem) ctx.addIssue({ code: 'custom', path: ['name'], message: problem });
});

/** A lag alarm on one named consumer, on the metric its kind publishes. */
const consumerAlarmSchema = z
  .strictObject({ kind: z.enum(CONSUMER_KINDS), name: z.string(), lagMs: z.number().int().positive() })
  .superRefine((c, ctx) => {
    const problem = consumerNameProblem(c);
    if (problem) ctx.addIssue({ code: 'custom', path: ['name'], message: problem });
  });

const alarmsSchema = z.strictObject({
  iteratorAgeMs: z.number().int().positive().optional(),
  consumers: z
    .array(consumerAlarmSchema)
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((c, i) => {
        const key = `${c.kind}:${c.name}`;
        if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [i], message: `${key} is listed twice` });
        seen.add(key);
      });
    })
    .optional(),
  writeThrottles: z.number().int().min(0).optional(),
  dmsLatencySeconds: positive().optional(),
  firehoseFreshnessSeconds: positive().optional(),
  snsTopicArn: arnOf('sns', 'an SNS topic').optional(),
});

export const pipelineSchema = z
  .strictObject({
    stream: streamSchema,
    dms: dmsSchema.optional(),
    firehose: firehoseSchema.optional(),
    alarms: alarmsSchema.optional(),
    // The stream's consumers that cannot be listed from AWS (KCL and Flink apps), for `doctor`; the same
    // {kind, name} as an entry of alarms.consumers, whose consumers doctor checks too.
    consumers: z.array(consumerRefSchema).optional(),
    // Tags: keys 1..128, values 0..256 characters (Kinesis/DMS/Firehose tagging limits).
    tags: z.record(z.string().min(1).max(128), z.string().max(256)).optional(),
  })
  .superRefine((p, ctx) => {
    if (p.alarms?.dmsLatencySeconds !== undefined && !p.dms) {
      ctx.addIssue({ code: 'custom', path: ['alarms', 'dmsLatencySeconds'], message: 'needs a dms section' });
    }
    // CloudWatch alarm names are at most 255 characters (API PutMetricAlarm): cdcpipe-<stream>-consumer-<kind>-<name>-lag.
    p.alarms?.consumers?.forEach((c, i) => {
      if (`cdcpipe-${p.stream.name}-consumer-${c.kind}-${c.name}-lag`.length > 255) {
        ctx.addIssue({ code: 'custom', path: ['alarms', 'consumers', i, 'name'], message: 'too long: the alarm name cdcpipe-<stream>-consumer-<kind>-<name>-lag would pass the 255 characters CloudWatch accepts' });
      }
    });
    if (p.alarms?.firehoseFreshnessSeconds !== undefined && !p.firehose) {
      ctx.addIssue({ code: 'custom', path: ['alarms', 'firehoseFreshnessSeconds'], message: 'needs a firehose section' });
    }
  });

export type PipelineConfig = z.output<typeof pipelineSchema>;
export type StreamConfig = PipelineConfig['stream'];
export type DmsConfig = NonNullable<PipelineConfig['dms']>;
export type FirehoseConfig = NonNullable<PipelineConfig['firehose']>;
export type AlarmsConfig = NonNullable<PipelineConfig['alarms']>;

/** The path (inside task settings) of a BatchApplyEnabled set to true, wherever it is nested. */
export function findBatchApplyEnabled(value: unknown, path: string[] = []): string[] | undefined {
  if (!value || typeof value !== 'object') return undefined;
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    if (key === 'BatchApplyEnabled' && inner !== false) return [...path, key];
    const found = findBatchApplyEnabled(inner, [...path, key]);
    if (found) return found;
  }
  return undefined;
}

/** `a.b[0].c` from a zod path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(file)';
}

function showValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  const text = JSON.stringify(v);
  return text === undefined ? String(v) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

type ZodDef = { type: string; innerType?: ZodLike; shape?: Record<string, ZodLike>; element?: ZodLike; valueType?: ZodLike; in?: ZodLike; options?: ZodLike[] };
type ZodLike = { _zod: { def: ZodDef } };

/** The object keys the schema accepts at `path` (for "unknown key" messages). */
function acceptedKeysAt(root: ZodLike, path: readonly PropertyKey[]): string[] {
  const unwrap = (s: ZodLike | undefined): ZodLike | undefined => {
    let cur = s;
    for (let i = 0; cur && i < 10; i++) {
      const def = cur._zod.def;
      if (def.innerType) cur = def.innerType;
      else if (def.type === 'pipe' && def.in) cur = def.in;
      else break;
    }
    return cur;
  };
  const objectIn = (s: ZodLike | undefined): ZodLike | undefined => {
    const u = unwrap(s);
    if (u?._zod.def.type === 'union') return u._zod.def.options?.map(objectIn).find(Boolean);
    return u;
  };
  let cur: ZodLike | undefined = root;
  for (const part of path) {
    const u = objectIn(cur);
    const def = u?._zod.def;
    if (!def) return [];
    cur = typeof part === 'number' ? def.element : (def.shape?.[String(part)] ?? def.valueType);
  }
  const shape = objectIn(cur)?._zod.def.shape;
  return shape ? Object.keys(shape) : [];
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const got = 'input' in issue && issue.input !== undefined ? ` (got ${showValue(issue.input)})` : '';
  // Messages written next to the schema (the `error:` options above) all start with "expected".
  // (refinements too: they carry the value; a superRefine's issues name no input and show none)
  if (issue.message.startsWith('expected ') && issue.input !== undefined) return `${issue.message}${got}`;
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return `required: expected ${issue.expected}`;
      return `expected ${issue.expected === 'int' ? 'a whole number' : issue.expected}${got}`;
    case 'invalid_value':
      return `expected ${issue.values.map((v) => String(v)).join(' | ')}${got}`;
    case 'too_small': {
      const noun = issue.origin === 'string' ? 'a text of at least' : issue.origin === 'array' ? 'a list of at least' : `a ${issue.origin === 'int' ? 'whole ' : ''}number ${issue.inclusive ? '≥' : '>'}`;
      const unit = issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : '';
      return `expected ${noun} ${issue.minimum}${unit}${got}`;
    }
    case 'too_big': {
      const noun = issue.origin === 'string' ? 'a text of at most' : issue.origin === 'array' ? 'a list of at most' : `a number ${issue.inclusive ? '≤' : '<'}`;
      const unit = issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : '';
      return `expected ${noun} ${issue.maximum}${unit}${got}`;
    }
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
    case 'invalid_format':
    case 'invalid_union':
    case 'custom':
    default:
      // these carry the message written next to the schema (see the `error:` options above)
      return `${issue.message}${issue.code === 'custom' ? '' : got}`;
  }
}

/** One line per zod issue: `<path>: <what it accepts>`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const accepted = acceptedKeysAt(pipelineSchema as unknown as ZodLike, issue.path);
      return `${formatPath(issue.path)}: ${describeIssue(issue)}${accepted.length ? `; expected one of ${accepted.join(', ')}` : ''}`;
    }
    return `${formatPath(issue.path)}: ${describeIssue(issue)}`;
  });
}

/** Validates parsed data; throws a UsageError (exit 2) naming every bad path, each on its own line. */
export function validatePipeline(data: unknown, source: string): PipelineConfig {
  const result = pipelineSchema.safeParse(data, { reportInput: true });
  if (result.success) return result.data;
  const lines = formatIssues(result.error.issues);
  throw new UsageError(lines.length === 1 ? `${source}: ${lines[0]}` : `${source}: ${lines.length} problems\n  ${lines.join('\n  ')}`);
}

/** Parses YAML or JSON text (JSON is YAML) and validates it. */
export function parsePipeline(text: string, source: string): PipelineConfig {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const where = e.linePos?.[0] ? ` line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
    throw new UsageError(`${source}${where}: not valid YAML or JSON: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  const data: unknown = doc.toJS();
  if (data === null || data === undefined) throw new UsageError(`${source}: the file is empty: expected a pipeline with at least a stream section`);
  return validatePipeline(data, source);
}
