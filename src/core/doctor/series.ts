/** Small reductions over a metric series, shared by doctor's stages. */
import type { MetricSeries } from '../metric-spec.js';

export function sumOf(s: MetricSeries | undefined): number {
  return (s?.values ?? []).reduce((a, v) => a + v, 0);
}

export function maxOf(s: MetricSeries | undefined): number {
  return (s?.values ?? []).reduce((a, v) => Math.max(a, v), 0);
}

export function minOf(s: MetricSeries | undefined): number | undefined {
  const v = s?.values ?? [];
  return v.length ? Math.min(...v) : undefined;
}

/** The last value (the newest datapoint), if any. */
export function lastOf(s: MetricSeries | undefined): number | undefined {
  return s?.values.at(-1);
}

export function averageOf(s: MetricSeries | undefined): number | undefined {
  const v = s?.values ?? [];
  return v.length ? v.reduce((a, x) => a + x, 0) / v.length : undefined;
}
