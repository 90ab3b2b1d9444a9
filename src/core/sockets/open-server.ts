// The open server of the seed (opend), for unprivileged callers: on $APPINIT_HOME/open.sock a
// caller sends one line {"path", "flags"}; the daemon opens the file with its own rights when a
// program's `grants:` allow the caller's user (the kernel's SO_PEERCRED, not a claim), and passes
// the descriptor back with SCM_RIGHTS beside a one-line JSON answer.
import { chmodSync, closeSync, constants, fstatSync, openSync, readlinkSync, realpathSync } from 'node:fs';
import net from 'node:net';
import { isAbsolute, normalize } from 'node:path';
import { sendWithFd } from '../../os/fdpass.js';
import { peerCred } from '../../os/peercred.js';
import { grantFor, type Grant } from './grants.js';

/** The most a request line may hold. */
const MAX_REQUEST = 8192;

/** How to open, as fopen's modes but never creating: read, write (truncating), append, or read and write. */
export type OpenFlags = 'r' | 'w' | 'a' | 'rw';

/** The answer line: ok, or an error with a code from the API's registry. */
export type OpenAnswer = { ok: true; path: string; program: string } | { error: { code: 'usage' | 'forbidden' | 'not_found' | 'io' | 'unauthenticated'; message: string } };

/** Linux's O_PATH (node's fs.constants does not name it). */
const O_PATH = 0o10000000;

const FLAGS: Record<OpenFlags, number> = {
  r: constants.O_RDONLY, w: constants.O_WRONLY | constants.O_TRUNC, a: constants.O_WRONLY | constants.O_APPEND, rw: constants.O_RDWR,
};

// Existing grants resolved once per request: a granted directory that is a symlink matches its target.
function real(paths: string[]): string[] {
  return paths.map((p) => {
    try {
      const r = realpathSync(p);
      return p.endsWith('/') && !r.endsWith('/') ? `${r}/` : r;
    } catch {
      return p;
    }
  });
}

/** Decides and opens: the descriptor to pass (null with an error). */
export function openFor(uid: number, req: unknown, grants: Grant[]): { answer: OpenAnswer; fd: number | null } {
  const fail = (code: 'usage' | 'forbidden' | 'not_found' | 'io', message: string) => ({ answer: { error: { code, message } } as OpenAnswer, fd: null });
  const r = req as { path?: unknown; flags?: unknown };
  if (r == null || typeof r.path !== 'string' || !isAbsolute(r.path) || r.path.includes('\0')) return fail('usage', 'open: expected {"path": "/absolute/path", "flags": "r" | "w" | "a" | "rw"}');
  const flags = (r.flags ?? 'r') as OpenFlags;
  if (!(flags in FLAGS)) return fail('usage', `open: flags: expected r, w, a or rw, got ${JSON.stringify(r.flags)}`);
  const path = normalize(r.path);
  // Refused before the file is touched: a path not granted says nothing of whether it exists.
  if (!grantFor(grants, uid, path)) return fail('forbidden', `open ${path}: no program's grants: allow uid ${uid} to open it`);
  // First a path-only descriptor (O_PATH): it follows symlinks but neither truncates, nor blocks
  // on a FIFO, nor wakes a device. What it names is checked; only then is that very inode opened
  // for real, through /proc/self/fd (no second lookup of the name the caller may swap meanwhile).
  let where: number;
  try {
    where = openSync(path, O_PATH);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return fail(e.code === 'ENOENT' ? 'not_found' : 'io', `open ${path}: ${e.code ?? e.message}`);
  }
  try {
    // What was opened, not what was named: a symlink out of a granted directory is refused.
    let opened = path;
    try { opened = readlinkSync(`/proc/self/fd/${where}`); } catch { /* no /proc: the name checked above */ }
    const program = grantFor(grants.map((g) => ({ ...g, paths: real(g.paths) })), uid, opened);
    if (!program) return fail('forbidden', `open ${path}: it leads to ${opened}, which no grant allows`);
    if (!fstatSync(where).isFile()) return fail('forbidden', `open ${path}: not a regular file`);
    let fd: number;
    try {
      fd = openSync(`/proc/self/fd/${where}`, FLAGS[flags] | constants.O_NONBLOCK | constants.O_NOCTTY);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      return fail(e.code === 'ENOENT' ? 'not_found' : 'io', `open ${path}: ${e.code ?? e.message}`);
    }
    return { answer: { ok: true, path: opened, program }, fd };
  } finally {
    closeSync(where);
  }
}

/** Serves open requests on path (mode 0666: any user may ask; the grants decide). */
export function startOpenServer(path: string, grants: () => Grant[], log: (line: string) => void): Promise<net.Server> {
  const server = net.createServer((sock) => {
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('error', () => {});
    sock.setTimeout(10_000, () => sock.destroy());
    sock.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0 && buf.length < MAX_REQUEST) return;
      sock.removeAllListeners('data');
      sock.pause();
      const cred = peerCred(sock);
      let out: { answer: OpenAnswer; fd: number | null };
      if (!cred) out = { answer: { error: { code: 'unauthenticated', message: 'the kernel did not say who is calling' } }, fd: null };
      else {
        let req: unknown = null;
        try { req = JSON.parse(nl >= 0 ? buf.slice(0, nl) : buf); } catch { /* usage below */ }
        out = openFor(cred.uid, req, grants());
        if ('ok' in out.answer) log(`appinit: open: uid ${cred.uid} (pid ${cred.pid}) opened ${out.answer.path} (grants of ${out.answer.program})`);
      }
      const fd = (sock as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
      if (fd >= 0) sendWithFd(fd, Buffer.from(JSON.stringify(out.answer) + '\n'), out.fd);
      if (out.fd != null) closeSync(out.fd);
      sock.end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.removeListener('error', reject);
      chmodSync(path, 0o666);
      resolve(server);
    });
  });
}
