/**
 * doctor's Firehose and S3 stages: DescribeDeliveryStream (status, buffer interval, bucket and
 * prefixes), the delivery metrics, and ListObjectsV2 under the error prefix and under the data
 * prefix's most recent hours (its `!{timestamp:…}` resolved, so a large bucket costs a few pages).
 */
import type { S3Object } from '../aws/api/s3.js';
import { dataFreshnessFinding, errorObjectsFinding, firehoseDoctorSpecs, firehoseMetricFindings, staticHead, timestampPrefixes, type S3ObjectSeen } from '../core/doctor/firehose.js';
import { firehoseModel, type ObservedFirehose } from '../core/provision/firehose.js';
import { NotFoundError } from '../errors.js';
import { metricSkipped, type DoctorRun, type MetricsRead } from './doctor.js';

export interface FirehoseStage {
  evaluate(m: MetricsRead, streamRecordsIn: number | undefined): void;
}

/** Where Firehose writes errors when no ErrorOutputPrefix is set: one folder per error-output type at the bucket root. */
const DEFAULT_ERROR_TYPES = ['processing-failed/', 'format-conversion-failed/'];

export async function readFirehose(run: DoctorRun): Promise<FirehoseStage | undefined> {
  const name = run.opts.firehose ?? run.opts.config?.firehose?.name;
  if (!name) {
    for (const stage of ['firehose', 's3'] as const) {
      if (run.has(stage)) run.add({ stage, id: `${stage}.${stage === 'firehose' ? 'status' : 'error-objects'}`, resource: 'firehose', severity: 'skipped', evidence: 'no delivery stream named (--firehose or firehose.name in the file)' });
    }
    return undefined;
  }
  const g = { stage: run.has('firehose') ? ('firehose' as const) : ('s3' as const), id: 'firehose.status', resource: name, service: 'firehose' as const, action: 'firehose:DescribeDeliveryStream' };
  const fh = await run.guard(g, () => run.clients.firehoseApi());
  if (!fh) return undefined;
  const d = await run.guard({ ...g, named: true }, async () => {
    try {
      return (await fh.describeDeliveryStream({ DeliveryStreamName: name })).DeliveryStreamDescription!;
    } catch (err) {
      if ((err as { name?: string }).name === 'ResourceNotFoundException') throw new NotFoundError(`Firehose delivery stream '${name}' not found`, 'check --firehose (or firehose.name), --region and --profile');
      throw err;
    }
  });
  if (!d) return undefined;
  const dest = d.Destinations?.[0]?.ExtendedS3DestinationDescription;
  const observed: ObservedFirehose = {
    arn: d.DeliveryStreamARN ?? name,
    status: d.DeliveryStreamStatus ?? '',
    versionId: d.VersionId ?? '',
    destinationId: d.Destinations?.[0]?.DestinationId ?? '',
    type: d.DeliveryStreamType ?? '',
    ...(d.FailureDescription ? { failure: [d.FailureDescription.Type, d.FailureDescription.Details].filter(Boolean).join(': ') } : {}),
  };
  if (run.has('firehose')) {
    run.add(...firehoseModel.check!(observed));
    run.specs.push(...firehoseDoctorSpecs(name));
  }
  const intervalS = dest?.BufferingHints?.IntervalInSeconds ?? 300;
  const bucket = dest?.BucketARN?.split(':::')[1];
  const s3 = run.has('s3') && bucket ? await readS3(run, bucket, dest?.Prefix ?? '', dest?.ErrorOutputPrefix ?? '', intervalS) : undefined;
  if (run.has('s3') && !bucket) run.add({ stage: 's3', id: 's3.error-objects', resource: name, severity: 'skipped', evidence: 'the delivery stream has no S3 destination' });

  return {
    evaluate: (m, streamRecordsIn) => {
      if (run.has('firehose')) {
        if (m.series) run.add(...firehoseMetricFindings(name, intervalS, m.series, run.opts.windowMs));
        else for (const id of ['firehose.delivery-success', 'firehose.data-freshness']) run.add(metricSkipped(m, 'firehose', id, name));
      }
      if (s3?.newest !== undefined || s3?.listed) {
        run.add(dataFreshnessFinding(bucket!, dest?.Prefix ?? '', s3.newest, intervalS, streamRecordsIn, run.nowMs, s3.lookedBackMs));
      }
    },
  };
}

async function readS3(run: DoctorRun, bucket: string, prefix: string, errorPrefix: string, intervalS: number): Promise<{ newest?: S3ObjectSeen; listed: boolean; lookedBackMs: number }> {
  const g = { stage: 's3' as const, service: 's3' as const, action: 's3:ListBucket', optional: true };
  const fromMs = run.nowMs - run.opts.windowMs;
  const s3 = await run.guard({ ...g, id: 's3.error-objects', resource: `s3://${bucket}` }, () => run.clients.s3Api());
  if (!s3) return { listed: false, lookedBackMs: 0 };
  const seen = (o: S3Object): S3ObjectSeen => ({ key: o.key, ...(o.lastModified ? { lastModifiedMs: o.lastModified.getTime() } : {}) });

  const errorHead = staticHead(errorPrefix);
  const errorTemplate = errorHead ? errorPrefix : '!{firehose:error-output-type}/';
  const errorHeads = errorHead ? [errorHead] : DEFAULT_ERROR_TYPES;
  const errors = await run.guard({ ...g, id: 's3.error-objects', resource: `s3://${bucket}/${errorHead}` }, async () => (await Promise.all(errorHeads.map((h) => s3.listAllObjects(bucket, h)))).flat());
  if (errors) run.add(errorObjectsFinding(bucket, errorTemplate, errors.map(seen), fromMs, run.opts.windowMs));

  // The newest data object: the most recent resolved prefix that has any, looking back over the window
  // and at least twice the buffer interval.
  const lookedBackMs = Math.max(run.opts.windowMs, 2 * intervalS * 1000);
  const isError = (key: string) => errorHeads.some((h) => h.length > staticHead(prefix).length && key.startsWith(h));
  const newest = await run.guard({ ...g, id: 's3.newest-object', resource: `s3://${bucket}/${staticHead(prefix)}` }, async () => {
    for (const p of timestampPrefixes(prefix, run.nowMs - lookedBackMs, run.nowMs)) {
      const objects = (await s3.listAllObjects(bucket, p)).filter((o) => !isError(o.key));
      if (objects.length) return seen(objects.reduce((a, b) => ((b.lastModified?.getTime() ?? 0) > (a.lastModified?.getTime() ?? 0) ? b : a)));
    }
    return null;
  });
  if (newest === undefined) return { listed: false, lookedBackMs };
  return { ...(newest ? { newest } : {}), listed: true, lookedBackMs };
}
