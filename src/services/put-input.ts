/**
 * `put`'s first pass: read every input (files, stdin or S3 objects), inflate gzip, and parse it all into
 * records, so a bad record is found before anything is written.
 */
import type { S3Api } from '../aws/api/s3.js';
import { listArchive, readArchive } from '../aws/s3-archive.js';
import { detectFormat, parseSource, type BadInput, type ParseOptions, type PutFormat, type PutFormatFlag, type PutRecord } from '../core/put-formats.js';
import type { S3Location } from '../core/put-plan.js';
import { inflateIfGzip, isGzip, readInputFile } from '../io/put-input.js';
import { NotFoundError, UsageError } from '../errors.js';

export interface InputSpec {
  /** Local files; `-` (or none, without `from`) is stdin. */
  files: string[];
  from?: S3Location;
  since?: Date;
  until?: Date;
  format: PutFormatFlag;
}

export interface SourceSummary {
  name: string;
  format: PutFormat;
  /** Bytes as stored (gzip included). */
  storedBytes: number;
  compressed: boolean;
  records: number;
  bad: number;
}

export interface ParsedInput {
  records: PutRecord[];
  bad: BadInput[];
  sources: SourceSummary[];
  byErrorCode: Record<string, number>;
  filtered: number;
  reserialized: number;
  /** S3: objects under the prefix outside --since/--until. */
  objectsOutsideWindow: number;
  readMs: number;
  parseMs: number;
}

interface RawSource {
  name: string;
  bytes: Uint8Array;
}

export interface ReadProgress {
  objectsRead: number;
  objects: number;
  bytesRead: number;
}

export async function readAndParse(spec: InputSpec, s3: (() => Promise<S3Api>) | undefined, parse: ParseOptions, onRead?: (p: ReadProgress) => void): Promise<ParsedInput> {
  const t0 = performance.now();
  let raw: RawSource[];
  let outside = 0;
  if (spec.from) {
    const api = await s3!();
    const listed = await api.listAllObjects(spec.from.bucket, spec.from.prefix);
    if (listed.length === 0) throw new NotFoundError(`no objects under s3://${spec.from.bucket}/${spec.from.prefix}`, 'check the bucket and the prefix (Firehose writes under <prefix>YYYY/MM/DD/HH/)');
    const objects = await listArchive(api, spec.from, spec.since, spec.until);
    outside = listed.filter((o) => !o.key.endsWith('/')).length - objects.length;
    const progress: ReadProgress = { objectsRead: 0, objects: objects.length, bytesRead: 0 };
    const bytes = await readArchive(api, spec.from.bucket, objects, (_o, b) => {
      progress.objectsRead++;
      progress.bytesRead += b.length;
      onRead?.(progress);
    });
    raw = objects.map((o, i) => ({ name: o.url, bytes: bytes[i]! }));
  } else {
    const files = spec.files.length ? spec.files : ['-'];
    raw = [];
    for (const f of files) {
      try {
        raw.push({ name: f === '-' ? 'stdin' : f, bytes: await readInputFile(f) });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') throw new UsageError(`${f}: no such file`);
        if (code === 'EISDIR') throw new UsageError(`${f}: is a directory; expected a file`);
        if (code === 'EACCES') throw new UsageError(`${f}: permission denied`);
        throw err;
      }
    }
  }
  const readMs = performance.now() - t0;

  const t1 = performance.now();
  const out: ParsedInput = { records: [], bad: [], sources: [], byErrorCode: {}, filtered: 0, reserialized: 0, objectsOutsideWindow: outside, readMs, parseMs: 0 };
  for (const src of raw) {
    const inflated = await inflateIfGzip(src.bytes);
    const format = spec.format === 'auto' ? detectFormat(inflated.bytes) : spec.format;
    const parsed = parseSource(src.name, inflated.bytes, format, parse);
    if (inflated.damaged) parsed.bad.push({ where: `${src.name}:${inflated.damaged.line}`, reason: inflated.damaged.reason });
    for (const r of parsed.records) out.records.push(r);
    for (const b of parsed.bad) out.bad.push(b);
    for (const [code, n] of Object.entries(parsed.byErrorCode)) out.byErrorCode[code] = (out.byErrorCode[code] ?? 0) + n;
    out.filtered += parsed.filtered;
    out.reserialized += parsed.reserialized;
    out.sources.push({ name: src.name, format, storedBytes: src.bytes.length, compressed: isGzip(src.bytes), records: parsed.records.length, bad: parsed.bad.length });
  }
  out.parseMs = performance.now() - t1;
  return out;
}
