// The socket settings of a program (issue 12): `listen:` (sockets appinit binds and passes as
// systemd does), `fd_store:` (descriptors kept with FDSTORE=1), `grants:` (paths `appinit open`
// opens for the program's user), and `ready: notify`.
import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { isMap, isSeq } from 'yaml';
import { describeValue } from './describe.js';
import type { Program } from './program.js';
import { duration, int } from './values.js';
import { joinPath, type Field, type Walker } from './yaml-nodes.js';

/** The most descriptors one program is given (listen sockets and stored ones together). */
export const MAX_PASSED_FDS = 200;
/** The store's size with `ready: notify` when `fd_store:` is not written (as the contract says). */
export const NOTIFY_FD_STORE = 16;

/** The keys this file reads, for the program's key table. */
export const SOCKET_KEYS = { listen: ['listen'], fdStore: ['fd_store', 'fdStore'], grants: ['grants'] };

/** `ready: 1s` (ms), `ready: 0`, or `ready: notify`. */
export function readReady(w: Walker, f: Field): number | 'notify' | undefined {
  if (f.value === 'notify') return 'notify';
  // Anything but a duration or the word says both are what `ready:` takes (a user looking for a
  // port or log-line check was told only of durations).
  const numeric = typeof f.value === 'number' || (typeof f.value === 'string' && /^\s*[\d.]/.test(f.value));
  if (!numeric) {
    return w.fail(f, `expected a duration like 1s or "notify" (ready when the program sends READY=1 on $NOTIFY_SOCKET), got ${describeValue(f.value)}`);
  }
  return duration(w, f);
}

/** systemd's rule for a descriptor name: printable ASCII without ':', at most 255. */
export function fdNameError(name: string): string | null {
  if (name.length === 0 || name.length > 255) return 'a descriptor name has 1 to 255 characters';
  if (!/^[\x21-\x7e]+$/.test(name) || name.includes(':')) return `descriptor name "${name}": printable characters only, no spaces and no ':'`;
  return null;
}

/** Checks one socket address and returns it in its stored form (a unix path made absolute), or an error. */
export function parseListenUrl(text: string, baseDir: string): { url: string } | { error: string } {
  const m = /^(tcp|udp):\/\/(.*):(\d+)$/.exec(text);
  if (m) {
    const host = m[2];
    const port = Number(m[3]);
    if (port < 1 || port > 65535) return { error: `port ${m[3]} in "${text}": expected 1 to 65535` };
    const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
    if (bare !== '' && bare !== '*' && bare !== 'localhost' && isIP(bare) === 0) {
      return { error: `host "${host}" in "${text}": expected an IP address (127.0.0.1, [::1]), localhost, or * for every address` };
    }
    if (isIP(bare) === 6 && !host.startsWith('[')) return { error: `an IPv6 address is written in brackets: ${m[1]}://[${bare}]:${port}` };
    return { url: `${m[1]}://${host}:${port}` };
  }
  if (text.startsWith('unix:')) {
    const path = text.slice(5);
    if (path === '') return { error: 'expected a path after unix:, like unix:./app.sock' };
    const abs = isAbsolute(path) ? path : resolve(baseDir, path);
    if (Buffer.byteLength(abs) > 107) return { error: `the socket path ${abs} is longer than a unix socket address allows (107 bytes)` };
    return { url: `unix:${abs}` };
  }
  return { error: `expected tcp://HOST:PORT, udp://HOST:PORT or unix:PATH, got ${describeValue(text)}` };
}

/** `listen: ["tcp://127.0.0.1:8080", { name: dns, url: "udp://0.0.0.0:5353" }, "unix:./app.sock"]`. */
export function readListen(w: Walker, f: Field, program: string): Program['listen'] | undefined {
  if (!isSeq(f.node)) return w.fail(f, `expected a list of sockets like ["tcp://127.0.0.1:8080"], got ${describeValue(f.value)}`);
  const out: Program['listen'] = [];
  let ok = true;
  f.node.items.forEach((item, i) => {
    const it = w.field(joinPath(f.path, i), null, item);
    let name = program;
    let urlField = it;
    if (isMap(it.node)) {
      const k = w.keys(it, { name: ['name'], url: ['url'] }, 'name and url');
      if (!k || !k.url) { if (k) w.fail(it, 'missing "url", like url: tcp://127.0.0.1:8080'); ok = false; return; }
      urlField = k.url;
      if (k.name) {
        if (typeof k.name.value !== 'string') { w.fail(k.name, `expected a name, got ${describeValue(k.name.value)}`); ok = false; return; }
        name = k.name.value;
        const bad = fdNameError(name);
        if (bad) { w.fail(k.name, bad); ok = false; return; }
      }
    }
    if (typeof urlField.value !== 'string') { w.fail(urlField, `expected a socket like "tcp://127.0.0.1:8080", got ${describeValue(urlField.value)}`); ok = false; return; }
    const r = parseListenUrl(urlField.value, w.opts.baseDir);
    if ('error' in r) { w.fail(urlField, r.error); ok = false; return; }
    if (out.some((o) => o.url === r.url)) { w.fail(urlField, `${r.url} is listed twice`); ok = false; return; }
    out.push({ name, url: r.url });
  });
  if (out.length > MAX_PASSED_FDS) { w.fail(f, `at most ${MAX_PASSED_FDS} sockets`); ok = false; }
  return ok ? out : undefined;
}

/** `grants: [/srv/data/report.txt, /srv/shared/]`: absolute paths; a directory ends in /. */
export function readGrants(w: Walker, f: Field): string[] | undefined {
  if (!isSeq(f.node)) return w.fail(f, `expected a list of paths like [/srv/data/file.txt, /srv/shared/], got ${describeValue(f.value)}`);
  const out: string[] = [];
  let ok = true;
  f.node.items.forEach((item, i) => {
    const it = w.field(joinPath(f.path, i), null, item);
    if (typeof it.value !== 'string' || it.value === '') { w.fail(it, `expected a path, got ${describeValue(it.value)}`); ok = false; return; }
    const abs = resolve(w.opts.baseDir, it.value) + (it.value.endsWith('/') && it.value !== '/' ? '/' : '');
    out.push(abs);
  });
  return ok ? out : undefined;
}

/** The socket settings of one program, as a spec fragment. */
export function readSocketSettings(w: Walker, k: Partial<Record<'listen' | 'fdStore' | 'grants', Field>>, program: string): Partial<Pick<Program, 'listen' | 'fdStore' | 'grants'>> {
  return {
    listen: k.listen && readListen(w, k.listen, program),
    fdStore: k.fdStore && int(w, k.fdStore, 0, MAX_PASSED_FDS),
    grants: k.grants && readGrants(w, k.grants),
  };
}
