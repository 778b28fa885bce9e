/** The Kinesis calls cdcpipe makes (the stream reader alone uses the SDK client itself, for its per-call middleware). */
import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  DecreaseStreamRetentionPeriodCommand,
  DeregisterStreamConsumerCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  DisableEnhancedMonitoringCommand,
  EnableEnhancedMonitoringCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  IncreaseStreamRetentionPeriodCommand,
  ListShardsCommand,
  ListStreamConsumersCommand,
  ListStreamsCommand,
  ListTagsForStreamCommand,
  MergeShardsCommand,
  PutRecordsCommand,
  RegisterStreamConsumerCommand,
  RemoveTagsFromStreamCommand,
  SplitShardCommand,
  StartStreamEncryptionCommand,
  StopStreamEncryptionCommand,
  UpdateMaxRecordSizeCommand,
  UpdateShardCountCommand,
  UpdateStreamModeCommand,
} from '@aws-sdk/client-kinesis';
import type * as K from '@aws-sdk/client-kinesis';
import { op, type Call } from './op.js';

export interface KinesisApi {
  listStreams: Call<K.ListStreamsCommandInput, K.ListStreamsCommandOutput>;
  listShards: Call<K.ListShardsCommandInput, K.ListShardsCommandOutput>;
  describeStreamSummary: Call<K.DescribeStreamSummaryCommandInput, K.DescribeStreamSummaryCommandOutput>;
  listTagsForStream: Call<K.ListTagsForStreamCommandInput, K.ListTagsForStreamCommandOutput>;
  addTagsToStream: Call<K.AddTagsToStreamCommandInput, K.AddTagsToStreamCommandOutput>;
  removeTagsFromStream: Call<K.RemoveTagsFromStreamCommandInput, K.RemoveTagsFromStreamCommandOutput>;
  createStream: Call<K.CreateStreamCommandInput, K.CreateStreamCommandOutput>;
  updateShardCount: Call<K.UpdateShardCountCommandInput, K.UpdateShardCountCommandOutput>;
  splitShard: Call<K.SplitShardCommandInput, K.SplitShardCommandOutput>;
  mergeShards: Call<K.MergeShardsCommandInput, K.MergeShardsCommandOutput>;
  updateStreamMode: Call<K.UpdateStreamModeCommandInput, K.UpdateStreamModeCommandOutput>;
  increaseStreamRetentionPeriod: Call<K.IncreaseStreamRetentionPeriodCommandInput, K.IncreaseStreamRetentionPeriodCommandOutput>;
  decreaseStreamRetentionPeriod: Call<K.DecreaseStreamRetentionPeriodCommandInput, K.DecreaseStreamRetentionPeriodCommandOutput>;
  startStreamEncryption: Call<K.StartStreamEncryptionCommandInput, K.StartStreamEncryptionCommandOutput>;
  stopStreamEncryption: Call<K.StopStreamEncryptionCommandInput, K.StopStreamEncryptionCommandOutput>;
  enableEnhancedMonitoring: Call<K.EnableEnhancedMonitoringCommandInput, K.EnableEnhancedMonitoringCommandOutput>;
  disableEnhancedMonitoring: Call<K.DisableEnhancedMonitoringCommandInput, K.DisableEnhancedMonitoringCommandOutput>;
  updateMaxRecordSize: Call<K.UpdateMaxRecordSizeCommandInput, K.UpdateMaxRecordSizeCommandOutput>;
  getShardIterator: Call<K.GetShardIteratorCommandInput, K.GetShardIteratorCommandOutput>;
  getRecords: Call<K.GetRecordsCommandInput, K.GetRecordsCommandOutput>;
  registerStreamConsumer: Call<K.RegisterStreamConsumerCommandInput, K.RegisterStreamConsumerCommandOutput>;
  describeStreamConsumer: Call<K.DescribeStreamConsumerCommandInput, K.DescribeStreamConsumerCommandOutput>;
  deregisterStreamConsumer: Call<K.DeregisterStreamConsumerCommandInput, K.DeregisterStreamConsumerCommandOutput>;
  listStreamConsumers: Call<K.ListStreamConsumersCommandInput, K.ListStreamConsumersCommandOutput>;
  putRecords: Call<K.PutRecordsCommandInput, K.PutRecordsCommandOutput>;
}

export function kinesisApi(client: K.KinesisClient): KinesisApi {
  return {
    listStreams: op(client, ListStreamsCommand),
    listShards: op(client, ListShardsCommand),
    describeStreamSummary: op(client, DescribeStreamSummaryCommand),
    listTagsForStream: op(client, ListTagsForStreamCommand),
    addTagsToStream: op(client, AddTagsToStreamCommand),
    removeTagsFromStream: op(client, RemoveTagsFromStreamCommand),
    createStream: op(client, CreateStreamCommand),
    updateShardCount: op(client, UpdateShardCountCommand),
    splitShard: op(client, SplitShardCommand),
    mergeShards: op(client, MergeShardsCommand),
    updateStreamMode: op(client, UpdateStreamModeCommand),
    increaseStreamRetentionPeriod: op(client, IncreaseStreamRetentionPeriodCommand),
    decreaseStreamRetentionPeriod: op(client, DecreaseStreamRetentionPeriodCommand),
    startStreamEncryption: op(client, StartStreamEncryptionCommand),
    stopStreamEncryption: op(client, StopStreamEncryptionCommand),
    enableEnhancedMonitoring: op(client, EnableEnhancedMonitoringCommand),
    disableEnhancedMonitoring: op(client, DisableEnhancedMonitoringCommand),
    updateMaxRecordSize: op(client, UpdateMaxRecordSizeCommand),
    getShardIterator: op(client, GetShardIteratorCommand),
    getRecords: op(client, GetRecordsCommand),
    registerStreamConsumer: op(client, RegisterStreamConsumerCommand),
    describeStreamConsumer: op(client, DescribeStreamConsumerCommand),
    deregisterStreamConsumer: op(client, DeregisterStreamConsumerCommand),
    listStreamConsumers: op(client, ListStreamConsumersCommand),
    putRecords: op(client, PutRecordsCommand),
  };
}
