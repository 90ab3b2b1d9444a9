// `up` is atomic and resumable: a kill -9 of the daemon while `up` of many programs is under way
// leaves either nothing of it or all of it stored; the next daemon runs exactly what is stored
// (one process per program, no duplicate), and `up` again calls them unchanged.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CLI, TestHome, waitFor } from './harness.js';

const N = 100;

function sleepers(marker: string): number {
  let n = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const c = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (c === `sleep\0${marker}\0`) n++;
    } catch { /* gone */ }
  }
  return n;
}

describe('kill -9 of the daemon during up', () => {
  for (const delayMs of [0, 60, 150, 400]) {
    const h = new TestHome();
    after(() => h.cleanup());
    test(`killed ${delayMs} ms into up of ${N} programs: afterwards exactly what is stored runs, once`, async () => {
      const marker = String(4000 + delayMs);
      const upDone = await upInBackground(h, N, marker);
      await new Promise((r) => setTimeout(r, delayMs));
      process.kill(h.daemonPid(), 'SIGKILL');
      await upDone;
      h.reconnect();
      const st = await h.cli(['status', '--json']);
      assert.equal(st.code, 0, st.stderr);
      const stored = (JSON.parse(st.stdout) as unknown[]).length;
      assert.ok(stored === 0 || stored === N, `all or nothing of up was stored (${stored} programs)`);
      await waitFor(`${stored} sleepers run`, () => sleepers(marker) === stored, 20_000);
      const again = await h.cli(['up', join(h.home, 'many.yaml')]);
      assert.equal(again.code, 0, again.stderr);
      if (stored === N) assert.doesNotMatch(again.stdout, /added/, 'a second up finds them all stored');
      await h.waitJob('p0', 'running', (j) => j.state === 'running');
      await waitFor(`${N} sleepers run`, () => sleepers(marker) === N, 20_000);
      const all = JSON.parse((await h.cli(['status', '--json'])).stdout) as { pid: number | null }[];
      assert.equal(all.length, N);
      assert.equal(new Set(all.map((j) => j.pid)).size, N, 'one process per program');
      assert.equal(sleepers(marker), N, 'no program runs twice');
      console.log(`# killed at ${delayMs} ms: ${stored} of ${N} programs had been stored`);
    });
  }

  // The spawn requests of one transaction leave in chunks (runtime.ts, EFFECTS_PER_WRITE): the
  // helper forks the first while the daemon still sends the rest. Killed then, every job is
  // stored (the commit came first) and the next daemon starts each missing one, once.
  const M = 300;
  const h = new TestHome();
  after(() => h.cleanup());
  test(`killed once the first of ${M} programs runs (its spawn requests still leaving): each runs once`, async () => {
    const marker = '4999';
    const upDone = await upInBackground(h, M, marker);
    await waitFor('the first sleeper of the up', () => sleepers(marker) > 0, 20_000, 1);
    process.kill(h.daemonPid(), 'SIGKILL');
    const atKill = sleepers(marker);
    await upDone;
    h.reconnect();
    const st = await h.cli(['status', '--json']);
    assert.equal(st.code, 0, st.stderr);
    console.log(`# killed with ${atKill} of ${M} sleepers started`);
    assert.equal((JSON.parse(st.stdout) as unknown[]).length, M, 'every job of the up was stored before its first spawn request left');
    await waitFor(`${M} sleepers run`, () => sleepers(marker) === M, 30_000);
    await waitFor('every job running', async () => {
      const all = JSON.parse((await h.cli(['status', '--json'])).stdout) as { state: string; pid: number | null }[];
      return all.length === M && all.every((j) => j.state === 'running' && j.pid != null) ? all : null;
    }, 30_000, 100).then((all) => assert.equal(new Set(all.map((j) => j.pid)).size, M, 'one process per program'));
    assert.equal(sleepers(marker), M, 'no program runs twice');
  });

  // Found by hand (session 9), not mended: an `up` that changes programs stops the old jobs before
  // its one transaction, and the stop is stored (want down). Killed between the two, the next
  // daemon runs neither the old programs (stopped) nor the new ones (not stored) until the next
  // `up`. All or nothing would be: the old ones run again, or the new ones run.
  const hc = new TestHome();
  after(() => hc.cleanup());
  test('killed while a changing up waits for the old jobs to stop: the old or the new programs run afterwards', {
    todo: 'the stop of the old jobs is stored before the up commits (src/core/supervisor/load.ts)',
  }, async () => {
    const n = 50;
    // Each old job takes ~1 s to end on TERM (its trap), so the daemon is killed while the `up`
    // waits for them; they end by themselves meanwhile, as the helper reaps them.
    const write = (marker: string) => {
      let yaml = 'programs:\n';
      for (let i = 0; i < n; i++) yaml += `  p${i}:\n    command: [sh, -c, "trap 'sleep 1; exit 0' TERM; while :; do sleep 0.1; done", ${marker}]\n    ready: 0\n`;
      return hc.write('changing.yaml', yaml);
    };
    const file = write('old');
    assert.equal((await hc.cli(['up', '--wait', file])).code, 0);
    write('new');
    const up = spawn(process.execPath, [CLI, 'up', file], { env: hc.env, stdio: 'ignore' });
    const upDone = new Promise((r) => up.once('exit', r));
    await hc.waitJob('p0', 'stopping', (j) => j.state === 'stopping');
    process.kill(hc.daemonPid(), 'SIGKILL');
    await upDone;
    hc.reconnect();
    assert.equal((await hc.cli(['status'])).code, 0); // the next daemon
    await waitFor(`all ${n} jobs running, of the old file or of the new`, async () => {
      const all = await hc.status();
      return all.length === n && all.every((j) => j.state === 'running') && new Set(all.map((j) => / (old|new)$/.exec(j.command)?.[1])).size === 1;
    }, 20_000, 100);
  });
});

/** Starts the daemon, then `appinit up` of N programs `sleep MARKER` in the background; resolves
 *  to a promise of that command's end. */
async function upInBackground(h: TestHome, n: number, marker: string): Promise<Promise<unknown>> {
  let yaml = 'programs:\n';
  for (let i = 0; i < n; i++) yaml += `  p${i}:\n    command: sleep ${marker}\n    ready: 0\n`;
  const file = h.write('many.yaml', yaml);
  assert.equal((await h.cli(['info'])).code, 0);
  const up = spawn(process.execPath, [CLI, 'up', file], { env: h.env, stdio: 'ignore' });
  return new Promise((r) => up.once('exit', r));
}
