// The seed's coordination exercises in examples/coordination, run as a user runs them: the
// example's directory (copied to a temporary one, since they write their output beside them),
// `appinit up FILE`, then the outcome read through the CLI, the client and the output files.
import assert from 'node:assert/strict';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { CLI, TestHome, waitFor } from './harness.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/coordination', import.meta.url));
// The scripts run `appinit` as $APPINIT_CLI when set (an autostarted daemon keeps APPINIT_*).
process.env.APPINIT_CLI = `${process.execPath} ${CLI}`;

describe('examples/coordination', () => {
  const h = new TestHome();
  after(() => h.cleanup());
  const dir = (name: string) => {
    const d = join(h.home, 'ex', name);
    cpSync(join(EXAMPLES, name), d, { recursive: true });
    return d;
  };
  const up = async (name: string, file: string) => {
    const r = await h.cli(['up', join(dir(name), file)]);
    assert.equal(r.code, 0, r.stderr);
  };
  const ended = (names: string[], timeoutMs = 60_000) =>
    Promise.all(names.map((n) => h.waitJob(n, 'ended', (j) => j.state === 'exited' || j.state === 'fatal', timeoutMs)));
  const res = async (name: string) => (await (await h.api()).resources()).resources.find((r) => r.name === name)!;

  test('producer/consumer: the buffer fills to 8 and never beyond; every item arrives once, in order', async () => {
    await up('producer-consumer', 'producer-consumer.yaml');
    let max = 0;
    let done = false;
    const watch = (async () => {
      while (!done) {
        max = Math.max(max, (await res('pc.buf'))?.messages ?? 0);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const [p, c] = await ended(['producer', 'consumer'], 120_000);
    done = true;
    await watch;
    assert.equal(p.lastExit?.code, 0);
    assert.equal(c.lastExit?.code, 0);
    assert.equal(max, 8, 'the producer filled the 8 slots and went no further');
    const consumed = (await h.cli(['logs', 'consumer', '-n', '100', '--stdout'])).stdout;
    assert.deepEqual(consumed.trim().split('\n').map((l) => l.replace(/^.*consumed /, '')), Array.from({ length: 12 }, (_, i) => `item ${i + 1}`));
    assert.deepEqual([(await res('pc.empty')).value, (await res('pc.filled')).value, (await res('pc.mutex')).value], [8, 0, 1]);
  });

  test('PingPong: strict alternation', async () => {
    const d = join(h.home, 'ex', 'pingpong');
    await up('pingpong', 'pingpong.yaml');
    await ended(['ping', 'pong']);
    assert.equal(readFileSync(join(d, 'pingpong.out'), 'utf8'), 'ping\npong\n'.repeat(5));
  });

  test('the three runners, started in the wrong order, run 1 -> 2 -> 3', async () => {
    const d = join(h.home, 'ex', 'runners');
    await up('runners', 'runners.yaml');
    await ended(['runner1', 'runner2', 'runner3']);
    assert.equal(readFileSync(join(d, 'runners.out'), 'utf8'), 'runner 1\nrunner 2\nrunner 3\n');
  });

  test('two jobs locking in opposite order: one is refused with the cycle in words, the other finishes', async () => {
    await up('deadlock', 'deadlock.yaml');
    const [a, b] = await ended(['a', 'b']);
    assert.deepEqual([a.lastExit?.code, b.lastExit?.code].sort(), [0, 1]);
    const [loser, winner] = a.lastExit?.code === 1 ? ['a', 'b'] : ['b', 'a'];
    const err = (await h.cli(['logs', loser, '-n', '5'])).stdout;
    assert.match(err, /appinit: deadlock: job [ab] \(pid \d+\) holds dl\.(db|cache), waits for dl\.(db|cache); job [ab] \(pid \d+\) holds dl\.(db|cache), waits for dl\.(db|cache)/);
    assert.match((await h.cli(['logs', winner, '-n', '5'])).stdout, /got dl\.(db and dl\.cache|cache and dl\.db)/);
    assert.deepEqual([(await res('dl.db')).holders, (await res('dl.cache')).holders], [[], []], 'nothing left held');
  });

  test('undo: the units of a holder killed with kill -9 come back', async () => {
    await up('undo', 'undo.yaml');
    await waitFor('holder took both units', async () => (await res('undo.gpu')).value === 0, 30_000);
    const j = await h.waitJob('holder', 'running', (x) => x.state === 'running' && x.pid != null);
    await waitFor('holder sleeps (after its P)', () => readFileSync(`/proc/${j.pid}/comm`, 'utf8').trim() === 'sleep' || null);
    assert.equal((await h.cli(['kill', '-9', 'holder'])).code, 0);
    await waitFor('undo.gpu back to 2', async () => (await res('undo.gpu')).value === 2);
    const ev = (await (await h.api()).resources()).events.map((e) => e.text);
    assert.ok(ev.some((t) => /^undo\.gpu: 2 unit\(s\) given back after job holder \(pid \d+\) ended$/.test(t)), ev.join('\n'));
  });
});
