// What the CPU benchmarks (put.js, top.js, tail-cpu.js) share to talk to kinesis-local: the fake
// credentials, the environment their measured children get, an SDK client, and a stream created and waited
// for until ACTIVE. The SDK is imported when asked for, so a driver can set its environment first.
export const CREDENTIALS = { accessKeyId: 'AKIDLOCALBENCH', secretAccessKey: 'local-bench-secret-not-real' };
export const REGION = 'us-east-1';

/** The measured children's AWS environment: these credentials, no profile files, no SDK Node.js notice. */
export const CHILD_ENV = {
  AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
  AWS_REGION: REGION,
  AWS_CONFIG_FILE: '/nonexistent',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/** The Kinesis SDK module, and a client factory for an endpoint (HTTP/1.1, as kinesis-local needs). */
export async function kinesisSdk() {
  const K = await import('@aws-sdk/client-kinesis');
  const { NodeHttpHandler } = await import('@smithy/node-http-handler');
  const client = (endpoint) => new K.KinesisClient({ endpoint, region: REGION, credentials: CREDENTIALS, requestHandler: new NodeHttpHandler() });
  return { K, client };
}

/** CreateStream, then DescribeStreamSummary until ACTIVE. */
export async function createStream(K, client, name, shards) {
  await client.send(new K.CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  for (;;) {
    const s = await client.send(new K.DescribeStreamSummaryCommand({ StreamName: name }));
    if (s.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
