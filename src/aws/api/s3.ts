/** The S3 calls cdcpipe makes: reading an archive (put --from s3://) and looking at what Firehose wrote (doctor). */
import { GetObjectCommand, ListObjectsV2Command, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import type * as S from '@aws-sdk/client-s3';
import { op, type Call } from './op.js';

export interface S3Object {
  key: string;
  size: number;
  lastModified?: Date;
}

export interface S3Api {
  listObjectsV2: Call<S.ListObjectsV2CommandInput, S.ListObjectsV2CommandOutput>;
  /** Every object under a prefix, all pages (in key order, as S3 lists them); `startAfter` skips keys ≤ it. */
  listAllObjects(bucket: string, prefix: string, options?: { startAfter?: string; abortSignal?: AbortSignal }): Promise<S3Object[]>;
  /** One object's bytes. */
  getObjectBytes(bucket: string, key: string, options?: { abortSignal?: AbortSignal }): Promise<Uint8Array>;
}

export function s3Api(client: S.S3Client): S3Api {
  const listObjectsV2: S3Api['listObjectsV2'] = op(client, ListObjectsV2Command);
  return {
    listObjectsV2,
    async listAllObjects(bucket, prefix, options = {}) {
      const out: S3Object[] = [];
      const pages = paginateListObjectsV2({ client, pageSize: 1000 }, { Bucket: bucket, Prefix: prefix, StartAfter: options.startAfter });
      for await (const page of pages) {
        for (const o of page.Contents ?? []) if (o.Key !== undefined) out.push({ key: o.Key, size: o.Size ?? 0, lastModified: o.LastModified });
      }
      return out;
    },
    async getObjectBytes(bucket, key, options = {}) {
      const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: options.abortSignal });
      if (!res.Body) return new Uint8Array();
      return res.Body.transformToByteArray();
    },
  };
}
