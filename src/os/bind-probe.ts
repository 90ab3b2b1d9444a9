// Whether an address can be bound now: `up` tries each new `listen:` address before it changes
// anything (the helper binds them when the program starts, and a port taken by another process
// turned an `up` that said "added, started" into a program given up on).
import dgram from 'node:dgram';
import net from 'node:net';

/** `tcp:8080` for tcp://HOST:8080 (what a bind of any host on that port competes for), null for unix: sockets. */
export function portOf(url: string): string | null {
  const m = /^(tcp|udp):\/\/.*:(\d+)$/.exec(url);
  return m ? `${m[1]}:${m[2]}` : null;
}

/** Binds tcp://HOST:PORT or udp://HOST:PORT for a moment; resolves to the error's message, or null when it could be bound. */
export function bindProblem(url: string): Promise<string | null> {
  const m = /^(tcp|udp):\/\/(.*):(\d+)$/.exec(url);
  if (!m) return Promise.resolve(null); // unix sockets: the helper replaces a stale one
  const bare = m[2].replace(/^\[(.*)\]$/, '$1');
  const host = bare === '' || bare === '*' ? undefined : bare === 'localhost' ? '127.0.0.1' : bare;
  const port = Number(m[3]);
  return new Promise((resolve) => {
    const said = (err: NodeJS.ErrnoException) => resolve(err.code === 'EADDRINUSE' ? 'Address already in use' : err.code === 'EACCES' ? 'Permission denied' : err.code === 'EADDRNOTAVAIL' ? 'Cannot assign requested address' : err.message);
    if (m[1] === 'tcp') {
      const s = net.createServer();
      s.once('error', said);
      s.listen({ host, port, exclusive: true }, () => s.close(() => resolve(null)));
    } else {
      const s = dgram.createSocket(host && net.isIPv6(host) ? 'udp6' : 'udp4');
      s.once('error', (e) => { s.close(); said(e); });
      s.bind({ port, address: host, exclusive: true }, () => s.close(() => resolve(null)));
    }
  });
}
