// `up` is atomic and resumable: a kill -9 of the daemon while `up` of many programs is under way
// leaves either nothing of it or all of it stored; the next daemon runs exactly what is stored
// (one process per program, no duplicate), and `up` again calls them unchanged.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

  // Found by hand (session 9): an `up` that changes programs stops the old jobs before its one
  // transaction. The stop was stored as a stop (want down), so a daemon killed between the two ran
  // neither the old programs (stopped) nor the new ones (not stored) until the next `up`. The stop
  // is now stored as "to start again": the old programs run again, as if the `up` never came.
  const hc = new TestHome();
  after(() => hc.cleanup());
  test('killed while a changing up waits for the old jobs to stop: the old programs run again afterwards', async () => {
    const n = 50;
    // Each old job ends on TERM (its trap) only once the test has killed the daemon (the file
    // `may-end`), so the daemon is killed while the `up` waits for them (a trap of `sleep 1` could
    // end them first under load); they end then, as the helper reaps them.
    const mayEnd = join(hc.home, 'may-end');
    const write = (marker: string) => {
      let yaml = 'programs:\n';
      // Each says when its trap is set (a TERM before it would end it at once, and no stop would be seen).
      for (let i = 0; i < n; i++) yaml += `  p${i}:\n    command: [sh, -c, "trap 'while [ ! -e ${mayEnd} ]; do sleep 0.05; done; exit 0' TERM; : > ${hc.home}/trap-${marker}-p${i}; while :; do sleep 0.1; done", ${marker}]\n    ready: 0\n`;
      return hc.write('changing.yaml', yaml);
    };
    const file = write('old');
    assert.equal((await hc.cli(['up', '--wait', file])).code, 0);
    await trapsSet(hc.home, 'old', n);
    write('new');
    const up = spawn(process.execPath, [CLI, 'up', file], { env: hc.env, stdio: 'ignore' });
    const upDone = new Promise((r) => up.once('exit', r));
    await hc.waitJob('p0', 'stopping', (j) => j.state === 'stopping');
    process.kill(hc.daemonPid(), 'SIGKILL');
    writeFileSync(mayEnd, '');
    await upDone;
    hc.reconnect();
    assert.equal((await hc.cli(['status'])).code, 0); // the next daemon
    await waitFor(`all ${n} jobs running, of the old file or of the new`, async () => {
      const all = await hc.status();
      return all.length === n && all.every((j) => j.state === 'running' && / old$/.test(j.command));
    }, 20_000, 100);
    // An `up` now finds them all changed, and moves them to the new file.
    const again = await hc.cli(['up', '--wait', file]);
    assert.equal(again.code, 0, again.stderr);
    const all = await hc.status();
    assert.ok(all.length === n && all.every((j) => j.state === 'running' && / new$/.test(j.command)), JSON.stringify(all.slice(0, 3)));
  });

  // `restart` is the same stop followed by a start: killed between them, the job runs again.
  const hr = new TestHome();
  after(() => hr.cleanup());
  test('killed while restart waits for the job to stop: the job runs again afterwards', async () => {
    // Its trap ends it only once the test has killed the daemon (the file `may-end`), as above.
    const mayEnd = join(hr.home, 'may-end');
    const file = hr.write('restart.yaml', `programs:\n  slow:\n    command: [sh, -c, "trap 'while [ ! -e ${mayEnd} ]; do sleep 0.05; done; exit 0' TERM; : > ${hr.home}/trap-slow-p0; while :; do sleep 0.1; done"]\n    ready: 0\n  other:\n    command: sleep 1000\n    ready: 0\n`);
    assert.equal((await hr.cli(['up', '--wait', file])).code, 0);
    await trapsSet(hr.home, 'slow', 1);
    assert.equal((await hr.cli(['stop', 'other'])).code, 0);
    const before = (await hr.status()).find((j) => j.name === 'slow')!.pid;
    const restart = spawn(process.execPath, [CLI, 'restart', 'slow'], { env: hr.env, stdio: 'ignore' });
    const done = new Promise((r) => restart.once('exit', r));
    await hr.waitJob('slow', 'stopping', (j) => j.state === 'stopping');
    process.kill(hr.daemonPid(), 'SIGKILL');
    writeFileSync(mayEnd, '');
    await done;
    hr.reconnect();
    assert.equal((await hr.cli(['status'])).code, 0); // the next daemon
    await hr.waitJob('slow', 'running again with a new process', (j) => j.state === 'running' && j.pid != null && j.pid !== before);
    assert.equal((await hr.status()).find((j) => j.name === 'other')!.state, 'stopped', 'a job stopped by `stop` stays stopped');
  });
});

/** Waits until N programs wrote trap-MARKER-p0.. in the home: their TERM traps are set. */
function trapsSet(home: string, marker: string, n: number): Promise<boolean> {
  return waitFor(`${n} programs with their TERM trap set (trap-${marker}-p* in ${home})`,
    () => readdirSync(home).filter((f) => f.startsWith(`trap-${marker}-p`)).length >= n, 20_000);
}

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
