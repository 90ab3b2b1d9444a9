// Node checks every connection of an HTTP server against its headers and request timeouts on an
// interval (connectionsCheckingInterval) that runs for the server's whole life, connections or
// not: an idle daemon was woken every second for it (issue 17: each wake-up of node costs ~0.2 ms
// of CPU on these machines). Here the interval runs only while a connection is open: stopped when
// the last one closes, started again, with node's own check and period, by the next one. Node's
// timer is found by its symbol's name; a node that names it otherwise keeps its own interval.
import type http from 'node:http';
import type { Socket } from 'node:net';

const NAME = 'http.server.connectionsCheckingInterval';

/** Runs node's connection timeout checks only while the server has connections. */
export function checkConnectionsWhileOpen(server: http.Server, everyMs: number): void {
  let open = 0;
  let check: (() => void) | null = null;
  let sym: symbol | undefined;
  const timers = server as unknown as Record<symbol, NodeJS.Timeout | undefined>;
  // Node arms its interval in its own 'listening' listener, registered before this one.
  server.on('listening', () => {
    sym = Object.getOwnPropertySymbols(server).find((s) => s.description === NAME);
    const t = sym ? timers[sym] as unknown as { _onTimeout?: unknown } | undefined : undefined;
    if (!sym || typeof t?._onTimeout !== 'function') return;
    check = t._onTimeout as () => void;
    if (open === 0) {
      clearInterval(timers[sym]);
      timers[sym] = undefined;
    }
  });
  server.on('connection', (sock: Socket) => {
    open++;
    if (sym && check && timers[sym] === undefined && server.listening) timers[sym] = setInterval(check, everyMs).unref();
    sock.once('close', () => {
      if (--open > 0 || !sym) return;
      clearInterval(timers[sym]);
      timers[sym] = undefined;
    });
  });
}
