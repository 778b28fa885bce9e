/**
 * doctor's consumers stage: every consumer of the stream that can be found — the KCL and Flink apps
 * named, the EFO consumers (ListStreamConsumers), the Lambda event source mappings
 * (ListEventSourceMappings) and the Firehose delivery streams reading it (ListDeliveryStreams, then
 * DescribeDeliveryStream) — with its lag from the metric it publishes, read in doctor's one batch.
 */
import type { Consumer } from '@aws-sdk/client-kinesis';
import { consumerFindings, consumerSpecs, type FoundConsumer } from '../core/doctor/consumers.js';
import { mapLimit } from '../core/map-limit.js';
import { metricSkipped, type DoctorRun, type MetricsRead } from './doctor.js';
import type { StreamStage } from './doctor-stream.js';

export interface ConsumersStage {
  counts: { polling: number; efo: number };
  evaluate(m: MetricsRead): void;
}

const DESCRIBE_CONCURRENCY = 4;

export async function readConsumers(run: DoctorRun, stream: StreamStage): Promise<ConsumersStage> {
  const name = run.opts.stream;
  const found: FoundConsumer[] = run.opts.consumers.map((ref) => ({ ref, via: 'named' }));
  const g = { stage: 'consumers' as const, id: 'consumers.found', resource: name, optional: true };

  const efo = await run.guard({ ...g, service: 'kinesis', action: 'kinesis:ListStreamConsumers' }, async () => {
    const kinesis = await run.clients.kinesisApi();
    const out: Consumer[] = [];
    let token: string | undefined;
    do {
      const res = await kinesis.listStreamConsumers(token ? { StreamARN: stream.arn, NextToken: token } : { StreamARN: stream.arn });
      out.push(...(res.Consumers ?? []));
      token = res.NextToken;
    } while (token);
    return out;
  });
  for (const c of efo ?? []) {
    found.push({ ref: { kind: 'efo', name: c.ConsumerName! }, via: 'ListStreamConsumers', state: c.ConsumerStatus ?? 'UNKNOWN', stateOk: c.ConsumerStatus === 'ACTIVE', ...(c.ConsumerARN ? { id: c.ConsumerARN } : {}) });
  }

  const mappings = await run.guard({ ...g, service: 'lambda', action: 'lambda:ListEventSourceMappings' }, async () => (await run.clients.lambdaApi()).listAllEventSourceMappings(stream.arn));
  for (const m of mappings ?? []) {
    const fn = functionName(m.FunctionArn ?? '');
    if (!fn) continue;
    const result = m.LastProcessingResult && !/^(OK|No records processed)$/.test(m.LastProcessingResult) ? m.LastProcessingResult : undefined;
    found.push({
      ref: { kind: 'lambda', name: fn },
      via: 'ListEventSourceMappings',
      state: m.State ?? 'Unknown',
      stateOk: m.State === 'Enabled' && !result,
      ...(result || m.StateTransitionReason ? { stateDetail: result ?? m.StateTransitionReason! } : {}),
      ...(m.UUID ? { id: m.UUID } : {}),
    });
  }

  const named = run.opts.firehose ?? run.opts.config?.firehose?.name;
  const readers = await run.guard({ ...g, service: 'firehose', action: 'firehose:ListDeliveryStreams' }, () => firehosesReading(run, stream.arn));
  for (const fh of readers ?? (named ? [named] : [])) found.push({ ref: { kind: 'firehose', name: fh }, via: readers ? 'ListDeliveryStreams' : 'named' });

  const consumers = dedupe(found);
  run.specs.push(...consumerSpecs(consumers, name));
  const efoCount = consumers.filter((c) => c.ref.kind === 'efo').length;
  return {
    counts: { polling: consumers.length - efoCount, efo: efoCount },
    evaluate: (m) => {
      if (!m.series) {
        for (const c of consumers) run.add(metricSkipped(m, 'consumers', 'consumers.lag', `${c.ref.kind}:${c.ref.name}`));
        return;
      }
      const rules = { stream: name, retentionHours: stream.retentionHours, windowMs: run.opts.windowMs, thresholdMs: run.opts.thresholdMs, nowMs: run.nowMs };
      run.add(...consumerFindings(consumers, m.series, m.series.get('stIn'), rules));
    },
  };
}

/** The delivery streams whose source is this stream (KinesisStreamAsSource ones only, all pages). */
async function firehosesReading(run: DoctorRun, streamArn: string): Promise<string[]> {
  const fh = await run.clients.firehoseApi();
  const names = await fh.listAllDeliveryStreams('KinesisStreamAsSource');
  const sources = await mapLimit(names, DESCRIBE_CONCURRENCY, async (n) => (await fh.describeDeliveryStream({ DeliveryStreamName: n })).DeliveryStreamDescription?.Source?.KinesisStreamSourceDescription?.KinesisStreamARN);
  return names.filter((_, i) => sources[i] === streamArn);
}

/** `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]` → the name CloudWatch's FunctionName carries. */
export function functionName(arn: string): string | undefined {
  const parts = arn.split(':');
  const i = parts.indexOf('function');
  return i >= 0 ? parts[i + 1] : undefined;
}

function dedupe(list: FoundConsumer[]): FoundConsumer[] {
  const seen = new Map<string, FoundConsumer>();
  for (const c of list) {
    const key = `${c.ref.kind}:${c.ref.name}`;
    const had = seen.get(key);
    // What AWS lists (with a state) wins over the bare name given.
    if (!had || (had.via === 'named' && c.via !== 'named')) seen.set(key, c);
  }
  return [...seen.values()];
}
