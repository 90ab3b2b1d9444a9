// KeptFiles and the sampler's reads through it (issue 17, idle CPU): a kept /proc file re-read
// from offset 0 gives the process's figures of now; a process that ends gives null and its
// descriptor is closed; a pid taken by another process is read as that process, never through
// the old descriptor; the limit holds; the descriptors are close-on-exec; and the byte parser
// agrees with the text parser of ps (parseStat) for a command name with spaces and ')'.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { KeptFiles } from '../../../src/os/proc/kept-files.js';
import { parseStat, parseStatm } from '../../../src/os/proc/parse-process.js';
import { descendantsSampled, readProcSample, type ProcSample } from '../../../src/os/proc/sample.js';
import { pageSize } from '../../../src/os/proc/system.js';

const text = (files: KeptFiles, path: string): string | null => {
  const r = files.read(path);
  return r === null ? null : r.buf.toString('utf8', 0, r.n);
};

// Our descriptors open on a path, from /proc/self/fd.
function fdsOn(path: string): number[] {
  const out: number[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try { if (readlinkSync(`/proc/self/fd/${fd}`) === path) out.push(Number(fd)); } catch { /* closed meanwhile */ }
  }
  return out;
}

// Bounds on waits for a process (its start, its state): generous, for a loaded machine.
async function started(argv: string[], name = argv[0]): Promise<ChildProcess> {
  const c = spawn(argv[0], argv.slice(1), { stdio: 'ignore' });
  // Wait for the exec: until then /proc shows node's copy.
  for (let i = 0; i < 4000; i++) {
    try { if (readFileSync(`/proc/${c.pid}/comm`, 'utf8').trim() === name.slice(0, 15)) return c; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 5));
  }
  c.kill('SIGKILL');
  throw new Error(`${argv.join(' ')} did not exec within 20 s`);
}

async function ended(c: ChildProcess): Promise<void> {
  if (c.exitCode === null && c.signalCode === null) {
    c.kill('SIGKILL');
    await once(c, 'exit');
  }
}

async function until(what: string, fn: () => boolean): Promise<void> {
  for (let i = 0; i < 4000; i++) {
    if (fn()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`${what}: not within 20 s`);
}

test('a kept stat is one descriptor, re-read as the process changes; an ended process reads null and its descriptor is closed', async () => {
  const c = await started(['sleep', '1000']);
  const files = new KeptFiles(10);
  const path = `/proc/${c.pid}/stat`;
  try {
    await until('sleep sleeps', () => parseStat(text(files, path)!)!.state === 'S');
    assert.equal(fdsOn(path).length, 1, 'kept open after the first read');
    process.kill(c.pid!, 'SIGSTOP');
    await until('state T through the kept descriptor', () => parseStat(text(files, path)!)!.state === 'T');
    process.kill(c.pid!, 'SIGCONT');
    await until('state S again', () => parseStat(text(files, path)!)!.state === 'S');
    assert.equal(fdsOn(path).length, 1, 'still the one descriptor');
    assert.equal(files.size, 1);
    // Close-on-exec: no child of the daemon may inherit it (flags are octal in fdinfo).
    const flags = /flags:\s+([0-7]+)/.exec(readFileSync(`/proc/self/fdinfo/${fdsOn(path)[0]}`, 'utf8'))![1];
    assert.ok((parseInt(flags, 8) & 0o2000000) !== 0, `O_CLOEXEC in flags ${flags}`);
    await ended(c);
    assert.equal(files.read(path), null, 'a reaped process reads as gone');
    assert.equal(files.size, 0);
    assert.deepEqual(fdsOn(path), [], 'its descriptor is closed');
  } finally {
    await ended(c);
    files.close();
  }
});

test('sweep closes what was not read since the last sweep; close closes everything; the limit holds', async () => {
  const a = await started(['sleep', '1000']);
  const b = await started(['sleep', '1001']);
  try {
    const files = new KeptFiles(10);
    text(files, `/proc/${a.pid}/stat`);
    text(files, `/proc/${b.pid}/stat`);
    files.sweep();
    assert.equal(files.size, 2, 'both read in this round');
    text(files, `/proc/${a.pid}/stat`);
    files.sweep();
    assert.equal(files.size, 1, 'b was not read in the round: closed');
    assert.deepEqual(fdsOn(`/proc/${b.pid}/stat`), []);
    files.close();
    assert.equal(files.size, 0);
    assert.deepEqual(fdsOn(`/proc/${a.pid}/stat`), []);

    const one = new KeptFiles(1);
    const sa = text(one, `/proc/${a.pid}/stat`);
    const sb = text(one, `/proc/${b.pid}/stat`);
    assert.equal(one.size, 1, 'past the limit a file is opened and closed');
    assert.equal(parseStat(sa!)!.pid, a.pid);
    assert.equal(parseStat(sb!)!.pid, b.pid);
    assert.deepEqual(fdsOn(`/proc/${b.pid}/stat`), []);
    one.close();

    const none = new KeptFiles(0);
    assert.equal(parseStat(text(none, `/proc/${a.pid}/stat`)!)!.pid, a.pid);
    assert.equal(none.size, 0);
  } finally {
    await ended(a);
    await ended(b);
  }
});

test('readProcSample parses the bytes as ps parses the text, a command with spaces and ")" included; descendants through kept children', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'appinit-kept-'));
  const odd = join(dir, 'a) (b c');
  copyFileSync('/bin/sh', odd);
  spawnSync('chmod', ['755', odd]);
  // The odd-named shell forks a sleep and waits: a tree of two.
  const c = await started([odd, '-c', 'sleep 1000; :'], 'a) (b c');
  const files = new KeptFiles(10);
  let kids: number[] = [];
  try {
    await until('the shell forked its sleep', () => (kids = readFileSync(`/proc/${c.pid}/task/${c.pid}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number)).length === 1);
    // A child is listed as soon as it is forked, still running towards its exec: wait until it sleeps.
    await until('the sleep to sleep', () => parseStat(readFileSync(`/proc/${kids[0]}/stat`, 'utf8'))?.state === 'S');
    const s = readProcSample(c.pid!, files)!;
    const st = parseStat(readFileSync(`/proc/${c.pid}/stat`, 'utf8'))!;
    const sm = parseStatm(readFileSync(`/proc/${c.pid}/statm`, 'utf8'));
    assert.equal(st.comm, 'a) (b c');
    assert.deepEqual({ ...s }, {
      state: st.state, utime: st.utime, stime: st.stime, numThreads: st.numThreads, startTime: st.startTime,
      vsize: sm.size * pageSize(), rss: sm.resident,
    });
    const read = new Map<number, ProcSample | null>();
    assert.deepEqual(descendantsSampled([c.pid!], read, files), [c.pid, kids[0]]);
    assert.equal(read.get(kids[0])!.state, 'S');
    assert.equal(files.size, 6, 'stat, statm and children of each, kept');
  } finally {
    files.close();
    for (const k of kids) try { process.kill(k, 'SIGKILL'); } catch { /* gone */ }
    await ended(c);
    rmSync(dir, { recursive: true, force: true });
  }
});

// In a pid namespace of its own (root only) a test can choose which pid the next process gets:
// there the leader ends and another process is made to take its pid.
const canUnshare = process.getuid?.() === 0 && spawnSync('unshare', ['-p', '-f', '--mount-proc', 'true']).status === 0;
const reuseScript = `
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
const { KeptFiles } = await import(${JSON.stringify(new URL('../../../src/os/proc/kept-files.js', import.meta.url).href)});
const { readProcSample } = await import(${JSON.stringify(new URL('../../../src/os/proc/sample.js', import.meta.url).href)});
const comm = (p) => { try { return readFileSync('/proc/' + p + '/comm', 'utf8').trim(); } catch { return ''; } };
const execd = async (c, name) => { for (let i = 0; i < 2000 && comm(c.pid) !== name; i++) await new Promise((r) => setTimeout(r, 5)); };
const files = new KeptFiles(10);
const a = spawn('sleep', ['1000'], { stdio: 'ignore' });
await execd(a, 'sleep');
const before = readProcSample(a.pid, files);
const raw = openSync('/proc/' + a.pid + '/stat', 'r');
a.kill('SIGKILL');
await once(a, 'exit');
writeFileSync('/proc/sys/kernel/ns_last_pid', String(a.pid - 1));
const b = spawn('cat', [], { stdio: ['pipe', 'ignore', 'ignore'] });
await execd(b, 'cat');
let rawError = null;
try { readSync(raw, Buffer.alloc(1024), 0, 1024, 0); } catch (e) { rawError = e.code; }
const r = files.read('/proc/' + a.pid + '/stat');
const after = r && r.buf.toString('utf8', 0, r.n);
b.kill('SIGKILL');
console.log(JSON.stringify({ a: a.pid, b: b.pid, before: before && before.state, rawError, after, kept: files.size }));
process.exit(0);
`;

test('a pid taken by another process: the old descriptor fails (ESRCH) and the read is of the new process', { skip: canUnshare ? false : 'needs root and unshare -p' }, () => {
  const r = spawnSync('unshare', ['-p', '-f', '--mount-proc', process.execPath, '--input-type=module', '-e', reuseScript], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as { a: number; b: number; before: string; rawError: string | null; after: string; kept: number };
  assert.equal(got.b, got.a, 'cat took the pid sleep had');
  assert.ok(got.before === 'S' || got.before === 'R', `sampled before it ended (${got.before})`);
  assert.equal(got.rawError, 'ESRCH', 'a descriptor opened for the ended process does not read the new one');
  assert.equal(parseStat(got.after)!.comm, 'cat', 'the kept read is of the process that has the pid now');
  assert.equal(got.kept, 2, 'the new stat kept, the old one closed (statm of the first stays until a sweep)');
});

