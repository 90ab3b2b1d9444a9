// `appinit monit`: a live per-program view of CPU, memory and the last log lines, as
// `pm2 monit`; `q` or Ctrl-C quits. `-b` (or stdout not a terminal) prints frames instead.
import type { Client, LogLine, SnapshotView } from '../../client/index.js';
import { client, CliError, EXIT } from '../context.js';
import { formatMonit, monitRows } from './monit-frame.js';
import { PRIME_MS } from './top.js';

/** Options of `appinit monit`. */
export interface MonitOptions {
  batch?: boolean;
  iterations?: string;
  delay?: string;
  lines?: string;
}

const ESC = '\x1b[';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function parse(o: MonitOptions): { n: number; delayMs: number; logLines: number } {
  const n = o.iterations === undefined ? Infinity : Number(o.iterations);
  if (!(n >= 1) || (Number.isFinite(n) && !Number.isInteger(n))) throw new CliError(`monit: -n expects a whole number of frames, got "${o.iterations}"`, EXIT.usage);
  const d = o.delay === undefined ? 2 : Number(o.delay);
  if (!(d >= 0) || !Number.isFinite(d)) throw new CliError(`monit: -d expects seconds like 0.5 or 2, got "${o.delay}"`, EXIT.usage);
  const logLines = o.lines === undefined ? 5 : Number(o.lines);
  if (!Number.isInteger(logLines) || logLines < 0) throw new CliError(`monit: --lines expects a whole number, got "${o.lines}"`, EXIT.usage);
  return { n, delayMs: d * 1000, logLines };
}

/** Reads what one frame shows; `prev` is the snapshot CPU is measured against. */
async function frame(c: Client, prev: SnapshotView, logLines: number, layout: { width?: number; height?: number }): Promise<{ text: string; cur: SnapshotView }> {
  const [cur, status] = await Promise.all([c.snapshot(true), c.status()]);
  const logs = new Map<string, LogLine[]>();
  if (logLines > 0) {
    const names = [...new Set(status.map((j) => j.name))];
    const got = await Promise.all(names.map((name) => c.logs({ name, n: logLines }).then((r) => r.lines, () => [])));
    names.forEach((name, i) => logs.set(name, got[i]));
  }
  return { text: formatMonit(monitRows(prev, cur, status), logs, Date.now(), { ...layout, logLines }), cur };
}

async function batch(c: Client, n: number, delayMs: number, logLines: number): Promise<number> {
  let prev = await c.snapshot(true);
  for (let i = 0; i < n; i++) {
    await sleep(i > 0 ? delayMs : PRIME_MS);
    const f = await frame(c, prev, logLines, {});
    if (!process.stdout.write(`${i > 0 ? '\n' : ''}${f.text}`)) await new Promise((r) => process.stdout.once('drain', r));
    prev = f.cur;
  }
  return EXIT.ok;
}

function live(c: Client, n: number, delayMs: number, logLines: number): Promise<number> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | null = null;
    let prev: SnapshotView | null = null;
    let frames = 0;
    let ended = false;
    const quit = (code: number = EXIT.ok) => {
      if (ended) return;
      ended = true;
      if (timer) clearTimeout(timer);
      process.stdout.write(`${ESC}?25h${ESC}?1049l`);
      try { process.stdin.setRawMode(false); } catch { /* not a tty any more */ }
      process.stdin.pause();
      resolve(code);
    };
    let drawing = false;
    const draw = async () => {
      if (drawing || ended) return;
      drawing = true;
      if (timer) clearTimeout(timer);
      try {
        let base = prev;
        if (base === null) {
          base = await c.snapshot(true);
          await sleep(PRIME_MS);
        }
        const f = await frame(c, base, logLines, { width: process.stdout.columns || 80, height: (process.stdout.rows || 24) - 1 });
        prev = f.cur;
        if (ended) return;
        process.stdout.write(`${ESC}H${f.text.replace(/\n$/, '').split('\n').join(`${ESC}K\r\n`)}${ESC}K\r\n${ESC}J${ESC}7q quits${ESC}8`);
      } catch (err) {
        if (!ended) process.stdout.write(`${ESC}H${ESC}Jcannot read from the daemon: ${(err as Error).message}\r\n`);
      }
      drawing = false;
      if (++frames >= n) return quit();
      if (!ended) timer = setTimeout(() => void draw(), delayMs);
    };
    process.stdout.write(`${ESC}?1049h${ESC}?25l`);
    process.stdin.setRawMode(true);
    process.stdin.resume();
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (k: string) => {
      if (k === 'q' || k === '\x03' || k === '\x04') quit();
      else if (k === ' ' || k === '\r') void draw();
    });
    process.stdout.on('resize', () => void draw());
    process.on('SIGTERM', () => quit());
    void draw();
  });
}

/** appinit monit [-b] [-n N] [-d SECONDS] [--lines N] */
export async function monitCommand(o: MonitOptions): Promise<number> {
  const { n, delayMs, logLines } = parse(o);
  const c = await client();
  if (o.batch || !process.stdout.isTTY || !process.stdin.isTTY) return batch(c, n, delayMs, logLines);
  return live(c, n, delayMs, logLines);
}
