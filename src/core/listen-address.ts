/** `--serve [host:]port`: where a local HTTP server listens. Pure: the parse and its usage errors. */
import { UsageError } from '../errors.js';

export interface ListenAddress {
  host: string;
  /** 0: the system picks a free port (the server says which). */
  port: number;
}

/** Loopback unless the user names another address: a metrics endpoint is not published by default. */
export const DEFAULT_LISTEN_HOST = '127.0.0.1';

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9A-Fa-f:.]+$/;

/** `9464`, `127.0.0.1:9464`, `0.0.0.0:9464`, `localhost:9464` or `[::1]:9464`. */
export function parseListenFlag(flag: string, raw: string): ListenAddress {
  const accepts = `expected [host:]port, such as 9464, 127.0.0.1:9464 or [::1]:9464 (port 0..65535), got '${raw}'`;
  const m = /^(?:\[([^\]]*)\]:|([^:[\]]*):)?([^:]*)$/.exec(raw.trim());
  if (!m) throw new UsageError(`${flag}: ${accepts}`);
  const host = m[1] ?? m[2];
  const portText = m[3]!;
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65_535) throw new UsageError(`${flag}: ${accepts}`);
  if (host !== undefined) {
    const ok = m[1] !== undefined ? IPV6.test(host) && host.includes(':') : IPV4.test(host) || (HOSTNAME.test(host) && !/^[\d.]+$/.test(host));
    if (!ok) throw new UsageError(`${flag}: ${accepts}`);
  }
  return { host: host ?? DEFAULT_LISTEN_HOST, port: Number(portText) };
}
