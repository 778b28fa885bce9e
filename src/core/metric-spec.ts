/** One CloudWatch metric to read, and what comes back: plain data shared by lag, reshard --auto and doctor. */
export interface MetricSpec {
  /** GetMetricData query id: a lower-case letter first, then letters, digits and underscores. */
  id: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  stat: 'Maximum' | 'Sum' | 'Average' | 'Minimum';
  /** Overrides the window's period for this metric. */
  periodS?: number;
}

export interface MetricSeries {
  /** Ascending. */
  timestampsMs: number[];
  values: number[];
}

/** One datapoint per minute for windows up to 6 h; coarser beyond, to stay at ≤ 360 points per metric. */
export function metricPeriodS(windowMs: number): number {
  return Math.max(60, Math.ceil(windowMs / 1000 / 360 / 60) * 60);
}
