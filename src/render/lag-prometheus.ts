/**
 * `lag --serve`'s exposition: the gauges of src/core/lag-gauges.ts written by prom-client, in the
 * Prometheus text format, or OpenMetrics when the scraper asks for it (Accept:
 * application/openmetrics-text). prom-client is loaded here, on the first call: only --serve loads it.
 */
import type { RegistryContentType } from 'prom-client';
import type { GaugeFamily } from '../core/lag-gauges.js';

export interface Exposition {
  contentType: string;
  body: string;
}

export type Expose = (families: readonly GaugeFamily[], accept: string | undefined) => Promise<Exposition>;

/** A fresh registry per scrape: a shard gone since the last refresh leaves no stale series behind. */
export async function prometheusExposition(): Promise<Expose> {
  const { Gauge, Registry } = await import('prom-client');
  return async (families, accept) => {
    const openMetrics = /application\/openmetrics-text/i.test(accept ?? '');
    const registry = new Registry<RegistryContentType>();
    registry.setContentType(openMetrics ? Registry.OPENMETRICS_CONTENT_TYPE : Registry.PROMETHEUS_CONTENT_TYPE);
    for (const f of families) {
      const gauge = new Gauge({ name: f.name, help: f.help, labelNames: f.labelNames, registers: [registry] });
      for (const s of f.samples) gauge.set(s.labels, s.value);
    }
    return { contentType: registry.contentType, body: await registry.metrics() };
  };
}
