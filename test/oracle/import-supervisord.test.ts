// `appinit import supervisord`: one supervisord.conf (with a [group:], an [include] and numprocs)
// run by real supervisord (Debian's, its own socket, pidfile and logs in a temp dir) and, imported,
// by appinit: each program gets the same arguments, directory, environment and user.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { parse } from 'yaml';
import { alive, TestHome, waitFor } from '../e2e/harness.js';

const REPORT = fileURLToPath(new URL('../../../test/fixtures/import-report.cjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'appinit-import-sv-'));
chmodSync(dir, 0o755);
const reports = join(dir, 'reports');
mkdirSync(reports, { mode: 0o777 });
chmodSync(reports, 0o777);
mkdirSync(join(dir, 'work'));
mkdirSync(join(dir, 'conf.d'));
const script = join(dir, 'report.cjs');
copyFileSync(REPORT, script);
const node = process.execPath;
const conf = join(dir, 'supervisord.conf');
writeFileSync(conf, `; supervisord's own settings: a private socket, pidfile and logs
[unix_http_server]
file=${dir}/supervisor.sock

[supervisord]
logfile=${dir}/supervisord.log
pidfile=${dir}/supervisord.pid
childlogdir=${dir}
nodaemon=true

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://${dir}/supervisor.sock

[program:web]
command=${node} %(here)s/report.cjs web "two words" --flag   ; an inline comment
directory=%(here)s/work
environment=REPORT_DIR="${reports}",FOO="a,b",BAR=plain
autorestart=true
startsecs=0
stopsignal=INT
stopwaitsecs=3

[program:worker]
command=${node} ${script} w%(process_num)02d %(program_name)s
process_name=%(program_name)s_%(process_num)02d
numprocs=2
environment=REPORT_DIR="${reports}"
startsecs=0
redirect_stderr=true

[group:site]
programs=web

[include]
files = conf.d/*.conf
`);
writeFileSync(join(dir, 'conf.d', 'nobody.conf'), `[program:nobody]
command=${node} ${script} nobody
user=nobody
directory=/
environment=REPORT_DIR="${reports}",FOO=n
startsecs=0
`);

function read(tag: string, runner: string): unknown {
  const f = join(reports, `${tag}.${runner}.json`);
  return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : null;
}

describe('import supervisord (oracle: Debian supervisor)', () => {
  const h = new TestHome('appinit-test-import-sv-');
  let sv: ReturnType<typeof spawn> | null = null;
  after(async () => {
    if (sv?.pid && alive(sv.pid)) {
      const gone = new Promise((r) => sv!.once('exit', r));
      sv.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 15_000))]);
      if (alive(sv.pid)) sv.kill('SIGKILL');
    }
    await h.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test('supervisord and appinit run the same programs from one supervisord.conf', async () => {
    // From "/", where a daemonized supervisord (the service) runs its programs without directory=.
    sv = spawn('supervisord', ['-c', conf], { stdio: 'ignore', cwd: '/' });
    const tags = ['web', 'w00', 'w01', 'nobody'];
    await waitFor('every supervisord program reported', () => tags.every((t) => read(t, 'supervisord')), 20_000);
    const exited = new Promise((r) => sv!.once('exit', r));
    sv.kill('SIGTERM');
    await exited;

    const r = await h.cli(['import', 'supervisord', conf]);
    assert.equal(r.code, 0, `every option maps (exit 0); stderr: ${r.stderr}`);
    const p = parse(r.stdout).programs;
    assert.deepEqual(Object.keys(p).sort(), ['nobody', 'web', 'worker_00', 'worker_01'], 'one program per process, named as supervisord names them');
    assert.equal(p.web.group, 'site');
    assert.equal(p.worker_00.group, 'worker', 'numprocs makes a group named after the program, as supervisorctl worker:*');
    assert.equal(p.web.restart, 'always');
    assert.equal(p.nobody.restart, 'on-failure', 'autorestart=unexpected by default');
    assert.deepEqual(p.nobody.crash_loop, { limit: 3 }, 'startretries=3 by default');
    assert.deepEqual(p.web.stop, { signal: 'INT', timeout: '3s' });
    assert.equal(p.worker_00.stderr, 'stdout');
    const out = h.write('imported.yaml', r.stdout);
    const up = await h.cli(['up', out]);
    assert.equal(up.code, 0, up.stderr);
    await waitFor('every imported program reported under appinit', () => tags.every((t) => read(t, 'appinit')), 20_000);
    for (const t of tags) assert.deepEqual(read(t, 'appinit'), read(t, 'supervisord'), `${t}: same args, cwd, env, uid and gid under supervisord and appinit`);
  });

  test('what does not map is reported at its file:line, and the exit status says so', async () => {
    const f = join(dir, 'conf.d', 'extra.conf.txt');
    writeFileSync(f, '[program:x]\ncommand=/bin/true\nstdout_events_enabled=true\nstopasgroup=false\n\n[eventlistener:mem]\ncommand=/bin/true\n');
    const r = await h.cli(['import', 'supervisord', f]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /extra\.conf\.txt:3: x\.stdout_events_enabled: not mapped/);
    assert.match(r.stderr, /extra\.conf\.txt:4: x\.stopasgroup: not mapped/);
    assert.match(r.stderr, /extra\.conf\.txt:6: \[eventlistener:mem\]: not mapped: appinit has no event listeners/);
    // startretries maps to a count that is not supervisord's: said, so a migrated service is not given up on by surprise.
    assert.match(r.stderr, /extra\.conf\.txt:1: x\.startretries: note: supervisord counts only starts that fail within startsecs/);
    // A log file supervisord opens as root, appinit as the program's user: said.
    const u = join(dir, 'conf.d', 'user.conf.txt');
    writeFileSync(u, '[program:web]\ncommand=/bin/true\nuser=nobody\nstdout_logfile=/var/log/web.log\n');
    const ru = await h.cli(['import', 'supervisord', u]);
    assert.match(ru.stderr, /user\.conf\.txt:4: web\.stdout_logfile: note: appinit opens \/var\/log\/web\.log as nobody \(supervisord opens it as root\)/);
    const bad = await h.cli(['import', 'supervisord', join(dir, 'missing.conf')]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /missing\.conf: ENOENT/);
  });
});
