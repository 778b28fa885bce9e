/**
 * A small read-only HTTP server: GET (and HEAD) of the paths it is given, 404 for the others, 405 for
 * other methods. Used by `lag --serve` for `/metrics`. It binds where it is told (the caller defaults
 * to 127.0.0.1) and closes every connection on close().
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EndpointResponse {
  contentType: string;
  body: string;
}

export type EndpointHandler = (req: IncomingMessage) => Promise<EndpointResponse>;

export interface RunningEndpoint {
  host: string;
  port: number;
  close(): Promise<void>;
}

/** Listens; a listen failure (EADDRINUSE, EACCES, EADDRNOTAVAIL) rejects with the system error. */
export async function startHttpEndpoint(host: string, port: number, routes: Record<string, EndpointHandler>, onError: (err: Error) => void): Promise<RunningEndpoint> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void answer(req, res, routes).catch((err: Error) => {
      onError(err);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`internal error: ${err.message}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    host: address.address,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(req: IncomingMessage, res: ServerResponse, routes: Record<string, EndpointHandler>): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const handler = routes[path];
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    res.end('only GET and HEAD\n');
    return;
  }
  if (!handler) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`not found; try ${Object.keys(routes).join(', ')}\n`);
    return;
  }
  const out = await handler(req);
  res.writeHead(200, { 'content-type': out.contentType, 'content-length': Buffer.byteLength(out.body) });
  res.end(req.method === 'HEAD' ? undefined : out.body);
}
