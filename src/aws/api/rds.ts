/** The RDS calls cdcpipe makes (doctor's source-database checks): all reads, paginated inside. */
import {
  DescribeDBClusterParametersCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBParametersCommand,
  paginateDescribeDBClusterParameters,
  paginateDescribeDBClusters,
  paginateDescribeDBInstances,
  paginateDescribeDBParameters,
} from '@aws-sdk/client-rds';
import type * as R from '@aws-sdk/client-rds';
import { op, type Call } from './op.js';

export interface RdsApi {
  describeDBInstances: Call<R.DescribeDBInstancesCommandInput, R.DescribeDBInstancesCommandOutput>;
  describeDBClusters: Call<R.DescribeDBClustersCommandInput, R.DescribeDBClustersCommandOutput>;
  describeDBParameters: Call<R.DescribeDBParametersCommandInput, R.DescribeDBParametersCommandOutput>;
  describeDBClusterParameters: Call<R.DescribeDBClusterParametersCommandInput, R.DescribeDBClusterParametersCommandOutput>;
  /** Every DB instance the input selects (all pages). */
  listAllDBInstances(input?: R.DescribeDBInstancesCommandInput): Promise<R.DBInstance[]>;
  /** Every DB cluster the input selects (all pages). */
  listAllDBClusters(input?: R.DescribeDBClustersCommandInput): Promise<R.DBCluster[]>;
  /** Every parameter of a DB parameter group (all pages). */
  listAllDBParameters(input: R.DescribeDBParametersCommandInput): Promise<R.Parameter[]>;
  /** Every parameter of a DB cluster parameter group (all pages). */
  listAllDBClusterParameters(input: R.DescribeDBClusterParametersCommandInput): Promise<R.Parameter[]>;
}

export function rdsApi(client: R.RDSClient): RdsApi {
  const cfg = { client, pageSize: 100 };
  return {
    describeDBInstances: op(client, DescribeDBInstancesCommand),
    describeDBClusters: op(client, DescribeDBClustersCommand),
    describeDBParameters: op(client, DescribeDBParametersCommand),
    describeDBClusterParameters: op(client, DescribeDBClusterParametersCommand),
    async listAllDBInstances(input = {}) {
      const out: R.DBInstance[] = [];
      for await (const page of paginateDescribeDBInstances(cfg, input)) out.push(...(page.DBInstances ?? []));
      return out;
    },
    async listAllDBClusters(input = {}) {
      const out: R.DBCluster[] = [];
      for await (const page of paginateDescribeDBClusters(cfg, input)) out.push(...(page.DBClusters ?? []));
      return out;
    },
    async listAllDBParameters(input) {
      const out: R.Parameter[] = [];
      for await (const page of paginateDescribeDBParameters(cfg, input)) out.push(...(page.Parameters ?? []));
      return out;
    },
    async listAllDBClusterParameters(input) {
      const out: R.Parameter[] = [];
      for await (const page of paginateDescribeDBClusterParameters(cfg, input)) out.push(...(page.Parameters ?? []));
      return out;
    },
  };
}
