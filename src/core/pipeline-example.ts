/** The example pipeline file, kept beside the schema that validates it (test/unit/pipeline-schema.test.ts parses it). */
/** What `cdcpipe provision --init` writes (the same text as examples/cdcpipe.full.yaml; a unit test keeps them equal). */
export const EXAMPLE_PIPELINE_YAML = `# cdcpipe pipeline file: one reviewed file → Kinesis stream, DMS target endpoint and task, Firehose to S3,
# CloudWatch alarms. \`cdcpipe provision --dry-run\` shows what would change; \`cdcpipe provision\` applies it.
# Only \`stream\` is required. Replace the example ARNs (account 123456789012) with yours.

stream:
  name: orders-cdc
  mode: provisioned              # provisioned | on-demand
  shards: auto                   # a number, or auto: sized from \`capacity\` by the same calculator as \`cdcpipe plan\`
  capacity:
    rps: 800                     # change records per second at the source
    kb: 2                        # KiB per record
    peak: 2                      # peak multiplier over the average
    consumers: 3                 # polling consumers sharing each shard's 2 MiB/s read limit (Firehose + two apps), as \`plan --consumers\`
    efoConsumers: 0              # enhanced fan-out consumers (each gets 2 MiB/s per shard of its own), as \`plan --efo-consumers\`
  retentionHours: 48             # 24..8760
  encryption:                    # on by default with alias/aws/kinesis; \`encryption: false\` turns it off
    kmsKeyId: alias/aws/kinesis
  enhancedMonitoring: [IncomingBytes, IteratorAgeMilliseconds]   # shard-level metrics (paid), or [ALL]
  # maxRecordSizeKiB: 2048       # 1024..10240, for rows larger than 1 MiB

dms:
  sourceEndpointArn: arn:aws:dms:us-east-1:123456789012:endpoint:SOURCEPOSTGRES
  serviceAccessRoleArn: arn:aws:iam::123456789012:role/cdcpipe-orders-dms   # or run with --create-roles
  replicationInstanceArn: arn:aws:dms:us-east-1:123456789012:rep:ORDERSREPLICATION
  # serverless: {minDcu: 2, maxDcu: 16}   # instead of replicationInstanceArn
  target:
    endpointId: orders-cdc-kinesis-target
    kinesisSettings:             # defaults: json-unformatted, transaction details, partition value, schema/table, control, DDL
      MessageFormat: json-unformatted   # one line per record; json (multi-line) makes S3 objects Athena cannot read
      IncludeTransactionDetails: true
  task:
    id: orders-cdc
    migrationType: full-load-and-cdc   # full-load | cdc | full-load-and-cdc
    include: ["public.%"]              # 'schema.table', % is the wildcard
    exclude: ["public.audit_%"]
    partitionKeys:                     # every other table is partitioned by its primary key
      public.order_lines: order_id
    settings:
      BeforeImageSettings:
        EnableBeforeImage: true
        FieldName: before-image
        ColumnFilter: pk-only
      # TargetMetadata.BatchApplyEnabled is refused: it is not supported with a Kinesis target
    start: true                        # start-replication the first time, resume-processing after

firehose:
  name: orders-cdc-to-s3
  roleArn: arn:aws:iam::123456789012:role/cdcpipe-orders-firehose   # or run with --create-roles
  bucketArn: arn:aws:s3:::example-orders-cdc-archive
  prefix: "cdc/orders/!{timestamp:yyyy/MM/dd}/"
  errorOutputPrefix: "cdc-errors/orders/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/"
  buffering: {sizeMiB: 64, intervalSeconds: 300}
  compression: GZIP              # UNCOMPRESSED | GZIP | ZIP | Snappy | HADOOP_SNAPPY
  appendDelimiter: true          # a newline after each record (the default), so each S3 object is JSON lines
  # processor: {lambdaArn: arn:aws:lambda:us-east-1:123456789012:function:enrich}
  # parquet: {glueDatabase: cdc, glueTable: orders}   # needs compression UNCOMPRESSED and sizeMiB ≥ 64

alarms:
  iteratorAgeMs: 60000           # consumers more than a minute behind
  writeThrottles: 0              # any throttled write
  dmsLatencySeconds: 120         # DMS CDCLatencyTarget
  firehoseFreshnessSeconds: 900  # oldest record not yet in S3
  snsTopicArn: arn:aws:sns:us-east-1:123456789012:data-platform-alerts

tags:
  team: data-platform
  pipeline: orders-cdc
`;
