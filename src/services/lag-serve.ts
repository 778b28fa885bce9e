/**
 * `lag --serve [host:]port`: a `/metrics` endpoint that a Prometheus server scrapes. The report is
 * refreshed every interval (the same collectLag as a single run and --watch, one session so growth and
 * stalls show); each scrape shows the last successful report as gauges (src/core/lag-gauges.ts). A
 * failed refresh keeps those values and sets `cdcpipe_lag_up 0`; it never ends the server. The signal
 * (SIGTERM, Ctrl-C) ends the loop and closes the server.
 */
import { startHttpEndpoint, type EndpointResponse } from '../io/http-endpoint.js';
import { consumerLabel, lagGauges, type GaugeFamily, type LagServeView } from '../core/lag-gauges.js';
import type { ListenAddress } from '../core/listen-address.js';
import { UsageError } from '../errors.js';
import type { Host } from './host.js';
import { collectLag, LagSession, realClock, type LagClients, type LagClock, type LagOptions } from './lag.js';

export interface LagServe {
  listen: ListenAddress;
  intervalMs: number;
  signal: AbortSignal;
  /** The exposition writer (the command hands in the prom-client one). */
  expose(families: readonly GaugeFamily[], accept: string | undefined): Promise<EndpointResponse>;
  clock?: LagClock;
}

export interface LagServeResult {
  url: string;
  refreshes: number;
  failures: number;
}

/** Serves until `serve.signal` aborts. A port that cannot be bound is a usage error naming --serve. */
export async function serveLag(opts: LagOptions, clients: LagClients, host: Host, serve: LagServe): Promise<LagServeResult> {
  const view: LagServeView = { stream: opts.stream, consumer: consumerLabel(opts.source), up: false };
  const endpoint = await startHttpEndpoint(
    serve.listen.host,
    serve.listen.port,
    { '/metrics': (req) => serve.expose(lagGauges(view), req.headers.accept) },
    (err) => host.warn(`--serve: a scrape failed: ${err.message}`),
  ).catch((err: NodeJS.ErrnoException) => {
    const where = `${serve.listen.host}:${serve.listen.port}`;
    const why = err.code === 'EADDRINUSE' ? 'is in use' : err.code === 'EACCES' ? 'needs privileges (a port below 1024)' : err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' ? 'is not an address of this machine' : `cannot be bound (${err.message})`;
    throw new UsageError(`--serve: ${where} ${why}; pass another [host:]port`);
  });
  const shown = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  const url = `http://${shown}:${endpoint.port}/metrics`;
  host.info(`serving lag metrics of ${opts.stream} at ${url}, refreshing every ${serve.intervalMs / 1000}s`);

  const clock = serve.clock ?? realClock(serve.signal);
  const session = new LagSession();
  let refreshes = 0;
  let failures = 0;
  try {
    while (!serve.signal.aborted) {
      try {
        const report = await collectLag(opts, clients, host, session, clock);
        refreshes++;
        view.last = { report, atMs: clock.now() };
        view.up = true;
      } catch (err) {
        if (serve.signal.aborted) break;
        // A bad flag value or file is not going to heal between refreshes.
        if (err instanceof UsageError) throw err;
        failures++;
        view.up = false;
        host.warn(`refresh failed: ${(err as Error).message}; ${view.last ? 'serving the last values' : 'nothing to serve yet'} with cdcpipe_lag_up 0`);
      }
      await clock.sleep(serve.intervalMs);
    }
  } finally {
    await endpoint.close();
  }
  return { url, refreshes, failures };
}
