// A terminal attached to a job: keys in, output out, window size followed; the job's stop or
// end comes back as it happens. Talks to the supervise helper directly (one hop for each key),
// or, for the system daemon (whose helper admits only root), through the daemon's socket: an
// HTTP upgrade to the same frames after the daemon has checked the job is the caller's.
import { fstatSync } from 'node:fs';
import net from 'node:net';
import { pathsFor } from '../../api/paths.js';
import { attachFrame, DetachScanner, frame, FrameReader, winsize } from '../../os/attach-wire.js';
import { sendWithFd } from '../../os/fdpass.js';
import { rawMode } from '../../os/terminal.js';
import { onReaderGone } from '../run.js';

export { DETACH_KEYS } from '../../os/attach-wire.js';

// Input sent ahead of what the job has taken, at most: half the helper's queue per job (1 MB).
const INPUT_WINDOW = 512 * 1024;

/** How an attachment ended. */
export type AttachEnd =
  | { kind: 'exit'; status: number; typedIntr?: boolean } // the raw wait status; typedIntr: a Ctrl-C was typed to the job
  | { kind: 'stopped'; signal: number }
  | { kind: 'detached' }
  | { kind: 'reader-gone' } // our stdout's reader left and the job (on a pty) runs on, detached
  | { kind: 'lost' }
  | { kind: 'refused'; message: string };

/** An open attachment: `ready` once the helper has registered it; `relay()` then starts
 *  sending this terminal's input (only once the job exists, or its first keys would be lost). */
export interface Attachment {
  ready: Promise<void>;
  done: Promise<AttachEnd>;
  relay: () => void;
  /** Once ready: false when the job's leader had already ended as the helper registered us (its
   *  end will not come through here; ask the daemon), undefined from a helper that does not say. */
  live: () => boolean | undefined;
}

/** Attaches this process's stdin/stdout/stderr to a job (by its id); with `daemonSocket`, through the daemon.
 *  `raw`: this terminal is put in raw mode and its keys go to the job's pseudo-terminal (the
 *  default when stdin and stdout are a terminal); false for a job with no pseudo-terminal, whose
 *  input is a pipe: the terminal stays cooked (its own line editing, Ctrl-D an end of input) and
 *  its Ctrl-C and Ctrl-Z are signals the caller passes on. */
export function attach(home: string, jobId: number, daemonSocket: string | null = null, opts: { raw?: boolean } = {}): Attachment {
  const tty = opts.raw ?? (process.stdin.isTTY === true && process.stdout.isTTY === true);
  const sock = net.connect(daemonSocket ?? pathsFor(home).superviseSocket);
  // Through the daemon: the answer's head comes first (101, or an error with a JSON body).
  let head: Buffer | null = daemonSocket ? Buffer.alloc(0) : null;
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));
  let relay: () => void = () => {};
  let live: boolean | undefined;
  const done = new Promise<AttachEnd>((resolveDone) => {
    let finished = false;
    let restore: (() => void) | null = null;
    // Without a terminal the job's output goes to our stdout and stderr as they are, pipes maybe:
    // when one's reader leaves (`| head -1`), the job's own pipe for it breaks too, and we wait
    // for the job to end of it (SIGPIPE at its next write, as in a shell pipeline).
    // The reader is also looked for every 100 ms (src/os/reader-gone.ts), not only at our next
    // write: the job's own write comes before ours and would succeed (`echo hi; sleep 2; echo bye`
    // | head -1 ends at the second echo, as in bash).
    const gone = { o: false, e: false };
    let paused = false; // our reader is behind: the socket is paused until its 'drain'
    const streams = [[process.stdout, 'o', 1], [process.stderr, 'e', 2]] as const;
    const left = (k: 'o' | 'e') => {
      if (gone[k] || finished) return;
      gone[k] = true;
      sock.write(frame('c', Buffer.from(k)));
      if (paused) { paused = false; sock.resume(); } // no 'drain' comes from a broken pipe
    };
    const unwatch: (() => void)[] = [];
    if (!tty) {
      for (const [s, k] of streams) onReaderGone(s, () => left(k));
      void import('../../os/reader-gone.js').then(({ watchReader }) => {
        if (!finished) for (const [, k, fd] of streams) unwatch.push(watchReader(fd, 100, () => left(k)));
      });
    }
    const finish = (end: AttachEnd) => {
      if (finished) return;
      finished = true;
      for (const stop of unwatch) stop();
      if (!tty) for (const [s] of streams) onReaderGone(s, null);
      restore?.();
      process.stdin.pause();
      process.stdin.removeListener('data', onKey);
      process.stdout.removeListener('resize', onResize);
      sock.end();
      resolveDone(end);
    };
    const detach = new DetachScanner();
    // Without a terminal our stdin is the job's, a pipe maybe (`seq 1 3000000 | appinit run -- wc -l`):
    // at most INPUT_WINDOW bytes go ahead of what the job took (the helper says {"ev":"took"}),
    // so the helper never has to drop input, and a slow reader holds our writer back.
    let unacked = 0;
    let inputHeld = false;
    let windowed = false; // the helper says what the job took (an older one does not: no window)
    let typedIntr = false; // a Ctrl-C was typed to the job (our relay saw it, or the helper's said so)
    const onKey = (d: Buffer) => {
      if (!tty) {
        sock.write(frame('d', d));
        unacked += d.length;
        if (unacked > INPUT_WINDOW && windowed && !inputHeld) { inputHeld = true; process.stdin.pause(); }
        return;
      }
      const { send, detach: leave } = detach.scan(d);
      if (send.includes(0x03)) typedIntr = true;
      if (send.length) sock.write(frame('d', send));
      if (leave) finish({ kind: 'detached' });
    };
    const onResize = () => sock.write(frame('w', winsize(process.stdout.rows, process.stdout.columns)));
    const frames = new FrameReader();
    let onTty: ((ok: boolean) => void) | null = null;
    // Passes our terminal (stdin, when stdout is the same terminal) with a 't' frame; false when
    // it cannot (then nothing was sent).
    const handTerminal = (): boolean => {
      try {
        if (fstatSync(0).rdev !== fstatSync(1).rdev) return false;
        const fd = (sock as unknown as { _handle?: { fd?: number } })._handle?.fd;
        // Our own writes must all be out first: sendmsg goes around the socket's write queue.
        if (typeof fd !== 'number' || fd < 0 || sock.writableLength > 0) return false;
        const t = frame('t', Buffer.alloc(0));
        return sendWithFd(fd, t, 0) === t.length;
      } catch {
        return false;
      }
    };
    sock.on('connect', () => {
      const rows = tty ? process.stdout.rows : undefined;
      const cols = tty ? process.stdout.columns : undefined;
      if (daemonSocket) {
        const q = `id=${jobId}${rows && cols ? `&rows=${rows}&cols=${cols}` : ''}${tty ? '' : '&flow=1'}`;
        sock.write(`GET /v1/attach?${q} HTTP/1.1\r\nhost: appinit\r\nconnection: Upgrade\r\nupgrade: appinit-attach\r\n\r\n`);
      } else sock.write(attachFrame(jobId, rows, cols, !tty));
    });
    sock.on('data', (d: Buffer) => {
      if (head) {
        head = Buffer.concat([head, d]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return void (head.length > 65536 && finish({ kind: 'lost' }));
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head.subarray(0, end).toString('latin1'))?.[1] ?? 0);
        const rest = head.subarray(end + 4);
        head = null;
        if (status !== 101) {
          let message = `the daemon refused the attach (HTTP ${status})`;
          sock.on('end', () => finish({ kind: 'refused', message }));
          try { message = (JSON.parse(rest.toString('utf8')) as { error: { message: string } }).error.message; } catch { /* not all of it yet */ }
          let body = rest;
          sock.removeAllListeners('data');
          sock.on('data', (more: Buffer) => {
            body = Buffer.concat([body, more]);
            try { message = (JSON.parse(body.toString('utf8')) as { error: { message: string } }).error.message; } catch { /* more to come */ }
          });
          return;
        }
        d = rest;
      }
      frames.push(d, (type, body) => {
        // Without a terminal we read no faster than our reader: the job's pipes wait (flow).
        if (type === 'o' || type === 'e') {
          const s = type === 'o' ? process.stdout : process.stderr;
          if (!gone[type] && !s.write(body) && !tty && !paused) {
            paused = true;
            sock.pause();
            s.once('drain', () => { paused = false; sock.resume(); });
          }
        }
        else if (type === 's') {
          const ev = JSON.parse(body.toString('utf8')) as { ev: string; sig?: number; status?: number; respawned?: number };
          if (ev.ev === 'attached') {
            windowed = (ev as { took?: number }).took === 1;
            const said = (ev as { live?: number }).live;
            live = said == null ? undefined : said === 1;
            if (tty) restore = rawMode(0);
            // A window change before relay() (the job's first output can come before the start's
            // answer) is remembered and sent then: SIGWINCH is not repeated.
            let missedResize = false;
            const early = () => { missedResize = true; };
            if (tty) process.stdout.on('resize', early);
            // The helper reads our terminal and writes the job's output to it itself when it can
            // (ev.tty: it knows how), as a C relay does: no key or echo then crosses this
            // process. It answers {"ev":"tty","ok":0|1}; on 0 (or if the terminal cannot be
            // passed) we relay as before.
            const followResize = () => {
              if (!tty) return;
              process.stdout.removeListener('resize', early);
              process.stdout.on('resize', onResize);
              if (missedResize) onResize();
            };
            const ownRelay = () => {
              process.stdin.on('data', onKey);
              process.stdin.on('end', () => sock.write(frame('e', Buffer.alloc(0))));
              process.stdin.resume();
            };
            relay = () => {
              followResize();
              if (tty && !daemonSocket && (ev as { tty?: number }).tty === 1 && handTerminal()) onTty = (ok) => { if (!ok) ownRelay(); };
              else ownRelay();
            };
            resolveReady();
          } else if (ev.ev === 'took') {
            unacked = Math.max(0, unacked - ((ev as { n?: number }).n ?? 0));
            if (inputHeld && unacked <= INPUT_WINDOW / 2) { inputHeld = false; process.stdin.resume(); }
          } else if (ev.ev === 'tty') {
            const then = onTty;
            onTty = null;
            then?.((ev as { ok?: number }).ok === 1);
          } else if (ev.ev === 'detached') finish(gone.o || gone.e ? { kind: 'reader-gone' } : { kind: 'detached' });
          else if (ev.ev === 'stopped') finish({ kind: 'stopped', signal: ev.sig ?? 20 });
          else if (ev.ev === 'intr') typedIntr = true;
          else if (ev.ev === 'exit' && !ev.respawned) finish({ kind: 'exit', status: ev.status ?? 0, typedIntr });
        }
      });
    });
    sock.on('error', () => finish({ kind: 'lost' }));
    sock.on('close', () => finish({ kind: 'lost' }));
  });
  return { ready, done, relay: () => relay(), live: () => live };
}
