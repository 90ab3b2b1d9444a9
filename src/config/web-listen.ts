// The dashboard's listen address: host:port, checked before anything is opened (by `appinit web`
// and by a control file's `web:`). Throws ListenError with the reason.
import { isIP } from 'node:net';

/** A listen address that cannot be used, and why. */
export class ListenError extends Error {}

/** A parsed listen address. */
export interface ListenAddress {
  host: string;
  port: number;
  loopback: boolean;
}

/** The default address: loopback only, as a dashboard that controls processes should be. */
export const DEFAULT_LISTEN = '127.0.0.1:8181';

/** Parses "HOST:PORT" ("[::1]:8181", "localhost:0"); a bare port means loopback. */
export function parseListen(text: string): ListenAddress {
  const t = text.trim();
  let host: string;
  let portText: string;
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(t);
  if (v6) [host, portText] = [v6[1], v6[2]];
  else if (/^\d+$/.test(t)) [host, portText] = ['127.0.0.1', t];
  else {
    const at = t.lastIndexOf(':');
    if (at <= 0) throw new ListenError(`listen: expected HOST:PORT (like 127.0.0.1:8181), got ${JSON.stringify(text)}`);
    [host, portText] = [t.slice(0, at), t.slice(at + 1)];
  }
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new ListenError(`listen: port must be 0-65535, got ${JSON.stringify(portText)}`);
  if (host !== 'localhost' && isIP(host) === 0) throw new ListenError(`listen: host must be an IP address or localhost, got ${JSON.stringify(host)}`);
  return { host, port, loopback: isLoopback(host) };
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::ffff:127.0.0.1';
}

/** host:port as a URL authority. */
export function authority(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Why a web setting cannot be served, or null: another address than loopback needs TLS or insecure. */
export function webSettingError(s: { listen: string; cert?: string; key?: string; insecure?: boolean }): string | null {
  let addr: ListenAddress;
  try {
    addr = parseListen(s.listen);
  } catch (err) {
    return (err as Error).message;
  }
  if ((s.cert == null) !== (s.key == null)) return 'web: cert and key go together (both files, PEM)';
  if (!addr.loopback && !s.cert && !s.insecure) {
    return `web: ${s.listen} is reachable from other machines: give cert and key (HTTPS), or --insecure to serve plain HTTP anyway`;
  }
  return null;
}
