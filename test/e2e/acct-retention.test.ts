// A daemon keeps at most APPINIT_ACCT_MAX_RECORDS accounting records: the oldest go, at its
// start and once a minute after. Real daemon, real processes, real store.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { runCli, TestHome, waitFor } from './harness.js';

describe('accounting records beyond APPINIT_ACCT_MAX_RECORDS', () => {
  const h = new TestHome();
  after(() => h.cleanup());
  const env = (max: string) => ({ ...h.env, APPINIT_ACCT_MAX_RECORDS: max });
  const cli = (args: string[], max: string) => runCli(args, { env: env(max), cwd: h.home }, `appinit ${args.join(' ')}`);
  const records = async (max: string) => {
    const r = await cli(['acct', '--json'], max);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as { pid: number; end: number }[];
  };

  test('the oldest are deleted when the daemon starts; the newest stay, in order', async () => {
    // Eight processes end one after another: eight records or more (the shell's own too).
    const file = h.write('burst.yaml', 'programs:\n  burst:\n    command: sh -c \'for i in 1 2 3 4 5 6 7 8; do /bin/true; done\'\n    restart: never\n    ready: 0\n');
    assert.equal((await cli(['up', file], '1000')).code, 0);
    const all = await waitFor('the burst\'s records', async () => {
      const rs = await records('1000');
      return rs.length >= 9 ? rs : null;
    });
    assert.equal((await cli(['down'], '1000')).code, 0);
    // The next daemon keeps 5: the last 5 of the earlier ones, by termination order.
    const kept = await records('5');
    assert.deepEqual(kept.map((r) => r.pid), all.slice(-5).map((r) => r.pid));
  });

  test('a wrong limit is named in the daemon log and the default kept', async () => {
    assert.equal((await cli(['down'], 'lots')).code, 0);
    assert.equal((await cli(['info'], 'lots')).code, 0);
    assert.equal((await records('lots')).length, 5);
    const log = await waitFor('the daemon log line', async () => {
      const { readFileSync } = await import('node:fs');
      const text = readFileSync(`${h.home}/daemon.log`, 'utf8');
      return text.includes('APPINIT_ACCT_MAX_RECORDS=lots') ? text : null;
    });
    assert.match(log, /accounting: APPINIT_ACCT_MAX_RECORDS=lots: expected a number of records \(1 or more\); keeping 200000/);
  });
});
