/** The CloudWatch calls cdcpipe makes; the paginated reads return every page's items. */
import { PutMetricAlarmCommand, paginateDescribeAlarms, paginateGetMetricData, paginateListMetrics } from '@aws-sdk/client-cloudwatch';
import type * as C from '@aws-sdk/client-cloudwatch';
import { op, type Call } from './op.js';

export interface CloudWatchApi {
  putMetricAlarm: Call<C.PutMetricAlarmCommandInput, C.PutMetricAlarmCommandOutput>;
  /** DescribeAlarms, every page (NextToken). */
  describeAlarms(input: C.DescribeAlarmsCommandInput): Promise<C.MetricAlarm[]>;
  /** GetMetricData pages (NextToken), one per call made. */
  getMetricDataPages(input: C.GetMetricDataCommandInput): AsyncIterable<C.GetMetricDataCommandOutput>;
  /** ListMetrics, every page. */
  listMetrics(input: C.ListMetricsCommandInput): Promise<C.Metric[]>;
}

export function cloudWatchApi(client: C.CloudWatchClient): CloudWatchApi {
  return {
    putMetricAlarm: op(client, PutMetricAlarmCommand),
    describeAlarms: async (input) => {
      const alarms: C.MetricAlarm[] = [];
      for await (const page of paginateDescribeAlarms({ client }, input)) alarms.push(...(page.MetricAlarms ?? []));
      return alarms;
    },
    getMetricDataPages: (input) => paginateGetMetricData({ client }, input),
    listMetrics: async (input) => {
      const metrics: C.Metric[] = [];
      for await (const page of paginateListMetrics({ client }, input)) metrics.push(...(page.Metrics ?? []));
      return metrics;
    },
  };
}
