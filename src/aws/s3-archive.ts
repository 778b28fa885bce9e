/** `put --from s3://…`: the archive objects in a time window, listed in key order and read a few at a time. */
import { mapLimit } from '../core/map-limit.js';
import { inWindow, objectTime, type S3Location } from '../core/put-plan.js';
import type { S3Api, S3Object } from './api/s3.js';

/** GetObject calls in flight at once. */
const READ_CONCURRENCY = 8;

export interface ArchiveObject extends S3Object {
  /** `s3://bucket/key`. */
  url: string;
  time?: Date;
}

/**
 * Every object under the prefix whose time (objectTime) is in [since, until). Key order is time order
 * for Firehose's names (they start with the UTC date path), so the records come back as they were written.
 */
export async function listArchive(s3: S3Api, from: S3Location, since: Date | undefined, until: Date | undefined): Promise<ArchiveObject[]> {
  const objects = await s3.listAllObjects(from.bucket, from.prefix);
  return objects
    .filter((o) => !o.key.endsWith('/'))
    .map((o) => ({ ...o, url: `s3://${from.bucket}/${o.key}`, time: objectTime(o.key, o.lastModified) }))
    .filter((o) => inWindow(o.time, since, until));
}

/** The objects' bytes, in the order given; `onRead` after each. */
export async function readArchive(s3: S3Api, bucket: string, objects: ArchiveObject[], onRead?: (o: ArchiveObject, bytes: Uint8Array) => void): Promise<Uint8Array[]> {
  return mapLimit(objects, READ_CONCURRENCY, async (o) => {
    const bytes = await s3.getObjectBytes(bucket, o.key);
    onRead?.(o, bytes);
    return bytes;
  });
}
