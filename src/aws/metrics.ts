/**
 * The one GetMetricData batcher: any number of metrics, at most 500 queries per call (CloudWatch API
 * Reference, GetMetricData: "you can include up to 500 MetricDataQuery structures"), each batch followed
 * over NextToken. lag, reshard --auto and doctor all read their metrics through it.
 */
import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { MetricSeries, MetricSpec } from '../core/metric-spec.js';
import { GETMETRICDATA_MAX_QUERIES } from '../core/limits.js';
import type { CloudWatchApi } from './api/cloudwatch.js';

export interface MetricWindow {
  startMs: number;
  endMs: number;
  periodS: number;
}

/** Returns every series by query id, ascending in time, and the GetMetricData calls made. */
export async function getMetricSeries(cloudwatch: CloudWatchApi, specs: readonly MetricSpec[], window: MetricWindow): Promise<{ series: Map<string, MetricSeries>; calls: number }> {
  const series = new Map<string, MetricSeries>(specs.map((s) => [s.id, { timestampsMs: [], values: [] }]));
  let calls = 0;
  for (let i = 0; i < specs.length; i += GETMETRICDATA_MAX_QUERIES) {
    const queries: MetricDataQuery[] = specs.slice(i, i + GETMETRICDATA_MAX_QUERIES).map((s) => ({
      Id: s.id,
      MetricStat: {
        Metric: { Namespace: s.namespace, MetricName: s.metricName, Dimensions: Object.entries(s.dimensions).map(([Name, Value]) => ({ Name, Value })) },
        Period: s.periodS ?? window.periodS,
        Stat: s.stat,
      },
      ReturnData: true,
    }));
    const pages = cloudwatch.getMetricDataPages({ MetricDataQueries: queries, StartTime: new Date(window.startMs), EndTime: new Date(window.endMs), ScanBy: 'TimestampAscending' });
    for await (const page of pages) {
      calls++;
      for (const r of page.MetricDataResults ?? []) {
        const s = series.get(r.Id ?? '');
        if (!s) continue;
        (r.Timestamps ?? []).forEach((t, k) => {
          s.timestampsMs.push(t.getTime());
          s.values.push(r.Values?.[k] ?? 0);
        });
      }
    }
  }
  for (const s of series.values()) sortSeries(s);
  return { series, calls };
}

function sortSeries(s: MetricSeries): void {
  const order = s.timestampsMs.map((_, i) => i).sort((a, b) => s.timestampsMs[a]! - s.timestampsMs[b]!);
  s.timestampsMs = order.map((i) => s.timestampsMs[i]!);
  s.values = order.map((i) => s.values[i]!);
}
