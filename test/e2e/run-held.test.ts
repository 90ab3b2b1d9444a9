// A `run` job is held (created, not started) until its terminal attaches. A `run` that dies first
// (stopped by SIGTTOU in an interactive shell's background, then `kill -9 %1`) left a job that
// never ran, listed as `stopped` for ever, and `wait %N` said 0 for it. It goes with its creator.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { TestHome, waitFor } from './harness.js';

describe('a held run job', () => {
  const h = new TestHome('appinit-held-');
  after(() => h.cleanup());

  test('whose run died before attaching is forgotten: not listed, wait says 127', async () => {
    assert.equal((await h.cli(['info'])).code, 0);
    // What `run` does first, from a process that then exits without attaching.
    const body = JSON.stringify({ argv: ['true'], tty: true, hold: true, cwd: '/', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    const script = `const r=require('http').request({socketPath:process.argv[1],path:'/v1/run',method:'POST',headers:{'content-type':'application/json'}},(res)=>{let t='';res.on('data',(d)=>t+=d);res.on('end',()=>{process.stdout.write(t);process.exit(0);});});r.end(process.argv[2]);`;
    const made = spawnSync(process.execPath, ['-e', script, join(h.home, 'appinit.sock'), body], { encoding: 'utf8', timeout: 15_000 });
    const job = (JSON.parse(made.stdout) as { job: number }).job;
    assert.ok(job > 0, made.stdout + made.stderr);
    const listed = async () => (JSON.parse((await h.cli(['status', '--json'])).stdout) as { job: number }[]).some((j) => j.job === job);
    await waitFor(`held job %${job} forgotten once its run is gone`, async () => !(await listed()), 10_000);
    const w = await h.cli(['wait', `%${job}`]);
    assert.equal(w.code, 127, `wait %${job}: ${w.stdout}${w.stderr}`);
    // Nothing left: status prints no line for a pipe (`| wc -l` is 0); its hint is for a person.
    const st = await h.cli(['status']);
    assert.deepEqual([st.code, st.stdout], [0, '']);
    assert.match(st.stderr, /^no programs \(load a control file with: appinit up FILE\)$/m);
  });
});
