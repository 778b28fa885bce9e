/** The DMS calls cdcpipe makes, with the SDK's waiters for task readiness and connection tests. */
import {
  CreateEndpointCommand,
  CreateReplicationConfigCommand,
  CreateReplicationTaskCommand,
  DescribeConnectionsCommand,
  DescribeEndpointsCommand,
  DescribeReplicationConfigsCommand,
  DescribeReplicationInstancesCommand,
  DescribeReplicationTasksCommand,
  DescribeReplicationsCommand,
  DescribeTableStatisticsCommand,
  ModifyEndpointCommand,
  ModifyReplicationConfigCommand,
  ModifyReplicationTaskCommand,
  StartReplicationCommand,
  StartReplicationTaskCommand,
  TestConnectionCommand,
  waitUntilReplicationTaskReady,
  waitUntilTestConnectionSucceeds,
} from '@aws-sdk/client-database-migration-service';
import type * as D from '@aws-sdk/client-database-migration-service';
import { op, waiterParams, type Call, type WaitOptions } from './op.js';

export interface DmsApi {
  describeEndpoints: Call<D.DescribeEndpointsCommandInput, D.DescribeEndpointsCommandOutput>;
  describeReplicationTasks: Call<D.DescribeReplicationTasksCommandInput, D.DescribeReplicationTasksCommandOutput>;
  describeReplicationConfigs: Call<D.DescribeReplicationConfigsCommandInput, D.DescribeReplicationConfigsCommandOutput>;
  describeReplications: Call<D.DescribeReplicationsCommandInput, D.DescribeReplicationsCommandOutput>;
  describeReplicationInstances: Call<D.DescribeReplicationInstancesCommandInput, D.DescribeReplicationInstancesCommandOutput>;
  describeConnections: Call<D.DescribeConnectionsCommandInput, D.DescribeConnectionsCommandOutput>;
  describeTableStatistics: Call<D.DescribeTableStatisticsCommandInput, D.DescribeTableStatisticsCommandOutput>;
  /** Every table's statistics of one task, all pages (Marker; at most 500 a page: API DescribeTableStatistics MaxRecords). */
  listAllTableStatistics(taskArn: string): Promise<D.TableStatistics[]>;
  createEndpoint: Call<D.CreateEndpointCommandInput, D.CreateEndpointCommandOutput>;
  modifyEndpoint: Call<D.ModifyEndpointCommandInput, D.ModifyEndpointCommandOutput>;
  testConnection: Call<D.TestConnectionCommandInput, D.TestConnectionCommandOutput>;
  createReplicationTask: Call<D.CreateReplicationTaskCommandInput, D.CreateReplicationTaskCommandOutput>;
  modifyReplicationTask: Call<D.ModifyReplicationTaskCommandInput, D.ModifyReplicationTaskCommandOutput>;
  startReplicationTask: Call<D.StartReplicationTaskCommandInput, D.StartReplicationTaskCommandOutput>;
  createReplicationConfig: Call<D.CreateReplicationConfigCommandInput, D.CreateReplicationConfigCommandOutput>;
  modifyReplicationConfig: Call<D.ModifyReplicationConfigCommandInput, D.ModifyReplicationConfigCommandOutput>;
  startReplication: Call<D.StartReplicationCommandInput, D.StartReplicationCommandOutput>;
  /** The SDK waiter ReplicationTaskReady: until the tasks the filters name are `ready`. */
  waitForTaskReady(input: D.DescribeReplicationTasksCommandInput, wait: WaitOptions): Promise<void>;
  /** The SDK waiter TestConnectionSucceeds: until the connection the filters name is `successful`. */
  waitForConnection(input: D.DescribeConnectionsCommandInput, wait: WaitOptions): Promise<void>;
}

export function dmsApi(client: D.DatabaseMigrationServiceClient): DmsApi {
  return {
    describeEndpoints: op(client, DescribeEndpointsCommand),
    describeReplicationTasks: op(client, DescribeReplicationTasksCommand),
    describeReplicationConfigs: op(client, DescribeReplicationConfigsCommand),
    describeReplications: op(client, DescribeReplicationsCommand),
    describeReplicationInstances: op(client, DescribeReplicationInstancesCommand),
    describeConnections: op(client, DescribeConnectionsCommand),
    describeTableStatistics: op(client, DescribeTableStatisticsCommand),
    createEndpoint: op(client, CreateEndpointCommand),
    modifyEndpoint: op(client, ModifyEndpointCommand),
    testConnection: op(client, TestConnectionCommand),
    createReplicationTask: op(client, CreateReplicationTaskCommand),
    modifyReplicationTask: op(client, ModifyReplicationTaskCommand),
    startReplicationTask: op(client, StartReplicationTaskCommand),
    createReplicationConfig: op(client, CreateReplicationConfigCommand),
    modifyReplicationConfig: op(client, ModifyReplicationConfigCommand),
    startReplication: op(client, StartReplicationCommand),
    async listAllTableStatistics(taskArn) {
      const out: D.TableStatistics[] = [];
      let marker: string | undefined;
      do {
        const res: D.DescribeTableStatisticsCommandOutput = await client.send(new DescribeTableStatisticsCommand({ ReplicationTaskArn: taskArn, MaxRecords: 500, ...(marker ? { Marker: marker } : {}) }));
        out.push(...(res.TableStatistics ?? []));
        marker = res.Marker;
      } while (marker);
      return out;
    },
    waitForTaskReady: async (input, wait) => void (await waitUntilReplicationTaskReady(waiterParams(client, wait), input)),
    waitForConnection: async (input, wait) => void (await waitUntilTestConnectionSucceeds(waiterParams(client, wait), input)),
  };
}
