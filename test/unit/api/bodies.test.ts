// Each POST route's body is declared once (src/api/bodies.ts) and checked by the router before
// its handler: an unknown field or a value of the wrong type is a 400 naming it. And the typed
// client sends nothing a route does not declare: every one of its methods is called here with a
// transport that keeps what it sends, and each body is checked against its route's declaration.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createApp } from '../../../src/api/app.js';
import { BODIES, checkBody } from '../../../src/api/bodies.js';
import { ApiError } from '../../../src/api/errors.js';
import { MODULES } from '../../../src/api/modules.js';
import { coreRoutes, type ApiContext, type ApiRequest, type ApiResponse } from '../../../src/api/routes.js';
import { Client, Mutex, Queue, Semaphore, type Transport } from '../../../src/client/index.js';

const ME = { uid: 4242, gid: 4242, pid: 1 };

function setup() {
  const ctx = { sup: { jobs: new Map() }, services: {}, home: '/nonexistent/home', log: () => {} } as unknown as ApiContext;
  const app = createApp(ctx);
  return (method: string, path: string, body: Record<string, unknown> = {}, query = ''): Promise<ApiResponse> =>
    app.handle({ method, path, query: new URLSearchParams(query), body, peer: ME } satisfies ApiRequest);
}

async function refused(r: Promise<ApiResponse>, message: string | RegExp): Promise<void> {
  const res = await r;
  assert.equal(res.status, 400, JSON.stringify(res.body));
  const e = (res.body as { error: { code: string; message: string } }).error;
  assert.equal(e.code, 'usage');
  if (typeof message === 'string') assert.equal(e.message, message);
  else assert.match(e.message, message);
}

describe('POST bodies are checked against their route\'s declaration', () => {
  const call = setup();

  test('an unknown field is named, with the fields the route takes', async () => {
    await refused(call('POST', '/v1/up', { file: 'a.yaml', text: '', dry_run: true }),
      'unknown field "dry_run" in POST /v1/up; expected one of: file, text, baseDir, dryRun, wait');
    await refused(call('POST', '/v1/run', { argv: ['id', '-u'], users: 'nobody' }), /^unknown field "users" in POST \/v1\/run; expected one of: argv, name, user, /);
    await refused(call('POST', '/v1/kill', { targets: ['%1'], sig: 'KILL' }), 'unknown field "sig" in POST /v1/kill; expected one of: targets, signal');
    await refused(call('POST', '/v1/down', { now: true }), 'unknown field "now" in POST /v1/down; it takes no fields');
  });

  test('a value of the wrong type: what was expected and what came', async () => {
    await refused(call('POST', '/v1/up', { file: 'a.yaml', text: '', dryRun: 'yes' }), 'dryRun: expected true or false, got "yes" (string)');
    await refused(call('POST', '/v1/up', { file: 'a.yaml', text: '', dryRun: 1 }), 'dryRun: expected true or false, got 1 (number)');
    await refused(call('POST', '/v1/wait', { any: 'yes' }), 'any: expected true or false, got "yes" (string)');
    await refused(call('POST', '/v1/pkill', { pattern: 'x', full: 'yes' }), 'full: expected true or false, got "yes" (string)');
    await refused(call('POST', '/v1/at', { spec: 'now', script: 'true\n', cwd: '/', umask: '022' }), 'umask: expected a whole number from 0 to 511 (umask 022 is 18), got "022" (string)');
    await refused(call('POST', '/v1/up', { file: 1, text: '' }), 'file: expected the control file\'s path, got 1 (number)');
    for (const route of ['semop', 'send', 'recv']) {
      await refused(call('POST', `/v1/resources/${route}`, { wait: 'false' }), 'wait: expected true or false, got "false" (string)');
    }
  });

  test('inside arrays and objects: the element, by its place', async () => {
    await refused(call('POST', '/v1/stop', { names: ['web', 3] }), 'names[1]: expected a string, got 3 (number)');
    await refused(call('POST', '/v1/at/remove', { ids: [1, '2'] }), 'ids[1]: expected an at job number, got "2" (string)');
    await refused(call('POST', '/v1/resources/semop', { ops: [{ name: 'm', op: 'P', count: 1 }] }),
      'unknown field "count" in ops[0]; expected one of: name, op, n, undo');
    await refused(call('POST', '/v1/resources/semop', { ops: [{ name: 'm', op: 'X' }] }), 'ops[0].op: expected one of P, V, Z, got "X" (string)');
    await refused(call('POST', '/v1/resources/semop', { ops: [{ name: 'm', op: 'P', undo: 'yes' }] }), 'ops[0].undo: expected true or false, got "yes" (string)');
    await refused(call('POST', '/v1/resources/semop', { ops: [{ name: 'm', op: 'P' }], create: 'semaphore' }), 'create: expected "mutex", got "semaphore" (string)');
  });

  test('null stands for an absent field; the handler\'s own checks still come after', async () => {
    // Through to the handler: its own words, not the declaration's.
    await refused(call('POST', '/v1/run', { argv: ['true'], cwd: 'tmp', tty: null, env: null }), 'cwd: expected an absolute directory path, got "tmp"');
    await refused(call('POST', '/v1/up', { file: 'a.yaml', text: '', dryRun: null, wait: -1 }), /^up: wait: expected seconds from 0 to /);
  });

  test('a yes/no query flag is 1 or 0 (or true or false), nothing else', async () => {
    await refused(call('GET', '/v1/monitor/procs', {}, 'all=banana'), 'all: expected 1 or 0 (or true or false), got "banana"');
    await refused(call('GET', '/v1/monitor/procs', {}, 'all=1&wchan=yes'), 'wchan: expected 1 or 0 (or true or false), got "yes"');
    await refused(call('GET', '/v1/monitor/snapshot', {}, 'procs=no'), 'procs: expected 1 or 0 (or true or false), got "no"');
  });

  test('every POST route declares its body, and every declaration is a route\'s', () => {
    const routes = [...Object.keys(coreRoutes), ...MODULES.flatMap((m) => Object.keys(m.routes ?? {}))].filter((k) => k.startsWith('POST '));
    assert.deepEqual([...routes].sort(), Object.keys(BODIES).sort());
    assert.equal(routes.length, 33);
  });
});

// What the client sent, as the daemon receives it: JSON (an undefined field is not sent).
interface Sent { method: string; path: string; body: Record<string, unknown> }

// Answers each call well enough for the client to go on (a receive reads its message).
function answer(path: string): unknown {
  if (path === '/v1/status') return [];
  if (path === '/v1/resources/recv') return { message: { type: 1, data: 'x', sender: 1 } };
  if (path === '/v1/resources/semop') return { value: 0 };
  return {};
}

function recordingClient(sent: Sent[], fast: boolean): Client {
  const keep = (method: string, path: string, body: unknown): void => {
    sent.push({ method, path: path.split('?')[0], body: body === undefined ? {} : JSON.parse(JSON.stringify(body)) as Record<string, unknown> });
  };
  const t: Transport = async (method, path, body) => {
    keep(method, path, body);
    // popen and coprocess stop at their run: what they would attach to is not there.
    if (path === '/v1/run') return { status: 409, body: { error: { code: 'exists', message: 'not run here' } } };
    return { status: 200, body: answer(path.split('?')[0]) };
  };
  t.stream = (path) => {
    keep('GET', path, undefined);
    return () => {};
  };
  const c = new Client(t, '/nonexistent/appinit-home');
  // The kept resource channel (fast-resources.ts): its lines are answered by the same routes,
  // with `fresh` on a first sending.
  if (fast) {
    (c as unknown as { fast: unknown }).fast = {
      call: async (op: string, body: Record<string, unknown>) => {
        keep('POST', `/v1/resources/${op}`, body);
        return { status: 200, body: answer(`/v1/resources/${op}`) };
      },
    };
  }
  return c;
}

// Every public method, with every option it has; the test fails when a method is missing here.
const CLIENT_CALLS: Record<string, (c: Client) => Promise<unknown>> = {
  reload: (c) => c.reload(['web']),
  open: (c) => c.open('/etc/hostname', 'r'),
  info: (c) => c.info(),
  overview: (c) => c.overview(['web', 'db']),
  popen: async (c) => { await c.popen('echo hi', 'r', { name: 'p', cwd: '/', env: { A: '1' } }); await c.popen(['cat'], 'w'); },
  coprocess: (c) => c.coprocess(['cat'], { name: 'co', cwd: '/tmp', env: { B: '2' } }),
  pipes: (c) => c.pipes(),
  status: (c) => c.status(['web']),
  up: async (c) => { await c.up('/a/app.yaml', 'programs: {}\n', '/a', { dryRun: true, wait: 1.5 }); await c.up('/a/app.yaml', '', '/a'); },
  lastFile: (c) => c.lastFile(),
  startProgram: (c) => c.startProgram({ name: 'w', argv: ['sleep', '1'], cwd: '/', env: { A: '1' }, instances: 2, restart: 'on-failure', user: 'nobody' }),
  deletePrograms: (c) => c.deletePrograms(['w']),
  scale: (c) => c.scale('w', 3),
  programs: (c) => c.programs(),
  describe: (c) => c.describe('w'),
  start: (c) => c.start(['all']),
  stop: (c) => c.stop(['web']),
  restart: (c) => c.restart(['web']),
  signal: async (c) => { await c.signal('HUP', ['web']); await c.signal(9, ['web']); },
  down: (c) => c.down(),
  acct: (c) => c.acct({ program: 'w', job: '%1', command: 'sleep', uid: 0, since: 1, until: 2, limit: 3 }),
  logs: (c) => c.logs({ name: 'w', n: 5, stream: 'stderr', since: '1h' }),
  readLogs: (c) => c.readLogs({ name: 'w', format: 'ndjson' }),
  followLogs: async (c) => c.followLogs({ name: 'w', n: 1 }, () => {})(),
  flushLogs: (c) => c.flushLogs(['w']),
  reopenLogs: (c) => c.reopenLogs(),
  run: (c) => c.run({ argv: ['id'], name: 'j', user: 'nobody', cwd: '/', env: { A: '1' }, tty: true, rows: 24, cols: 80, hold: true, umask: 0o22 }),
  startJob: (c) => c.startJob(7),
  jobs: async (c) => { await c.jobs(); await c.jobs({ keep: true }); },
  jobsReported: (c) => c.jobsReported([7, 8]),
  fg: async (c) => { await c.fg('%1', { resume: false }); await c.fg({ id: 7 }); await c.fg(); },
  bg: async (c) => { await c.bg('%1'); await c.bg(); },
  kill: async (c) => { await c.kill(['%1', '123'], 'KILL'); await c.kill(['%1'], 0); await c.kill(['%1']); },
  pkill: async (c) => { await c.pkill('sle+p', 'HUP', true); await c.pkill('x'); },
  wait: async (c) => { await c.wait('%1'); await c.wait(); },
  waitAny: async (c) => { await c.waitAny(['%1', '%2']); await c.waitAny(); },
  waitUp: (c) => c.waitUp(['web', 'db'], 30),
  procs: async (c) => { await c.procs({ all: true, cmdline: false, wchan: true }); await c.procs(); },
  snapshot: (c) => c.snapshot(false),
  signalPid: async (c) => { await c.signalPid(123, 'STOP'); await c.signalPid(123, 15); },
  history: (c) => c.history('w', 10),
  times: (c) => c.times(),
  atAdd: async (c) => {
    await c.atAdd({ spec: 'now + 1 hour', script: 'true\n', cwd: '/', env: { A: '1' }, tz: 'UTC', queue: 'b', umask: 0o022 });
    await c.atAdd({ t: '202601011200', script: 'true\n', cwd: '/', env: {} });
  },
  atList: (c) => c.atList(),
  atShow: (c) => c.atShow(1),
  atRemove: (c) => c.atRemove([1, 2]),
  crontabGet: (c) => c.crontabGet('nobody'),
  crontabSet: async (c) => { await c.crontabSet('* * * * * true\n', 'my.cron', 'nobody'); await c.crontabSet(''); },
  crontabRemove: async (c) => { await c.crontabRemove('nobody'); await c.crontabRemove(); },
  schedules: (c) => c.schedules(),
  mutex: async (c) => {
    const m = c.mutex('m');
    await m.lock({ wait: false });
    await m.unlock();
    await m.withLock(() => 1);
  },
  semaphore: async (c) => {
    const s = c.semaphore('s');
    await s.create(2, { mode: 0o640 });
    await s.p(1, { undo: true, wait: false });
    await s.v(2, { undo: true });
    await s.waitZero();
  },
  queue: async (c) => {
    const q = c.queue('q');
    await q.create({ maxBytes: 100, mode: 0o600 });
    await q.send(1, 'hi', { wait: false });
    await q.receiveOne({ type: -3, nowait: true });
    await q.receive({ type: 2 }).next();
  },
  acquire: (c) => c.acquire({ a: 1, b: 2 }, { wait: false }),
  removeResources: (c) => c.removeResources(['m']),
  resources: (c) => c.resources(),
  adoptHolder: (c) => c.adoptHolder(1234),
  deadlock: (c) => c.deadlock(),
  web: async (c) => { await c.web({ listen: '127.0.0.1:0', cert: '/c.pem', key: '/k.pem', insecure: true }); await c.web(); },
};

// The resource classes' methods, each called above through mutex/semaphore/queue.
const RESOURCE_METHODS: Record<string, string[]> = {
  Mutex: ['lock', 'unlock', 'withLock'],
  Semaphore: ['create', 'p', 'v', 'waitZero'],
  Queue: ['create', 'send', 'receiveOne', 'receive'],
};

const methodsOf = (cls: { prototype: object }): string[] => Object.getOwnPropertyNames(cls.prototype).filter((n) => n !== 'constructor');

describe('the typed client sends only what the routes declare', () => {
  test('every method of the client and of its resource classes is called here', () => {
    const internal = new Set(['call', 'waitCall']); // private: every public method goes through them
    assert.deepEqual(methodsOf(Client).filter((n) => !internal.has(n)).sort(), Object.keys(CLIENT_CALLS).sort());
    for (const [name, cls] of Object.entries({ Mutex, Semaphore, Queue })) assert.deepEqual(methodsOf(cls).sort(), [...RESOURCE_METHODS[name]].sort(), name);
  });

  for (const fast of [false, true]) {
    test(`each body passes its route's declaration (resources ${fast ? 'on the kept channel' : 'over HTTP'})`, async () => {
      const sent: Sent[] = [];
      const c = recordingClient(sent, fast);
      for (const [name, f] of Object.entries(CLIENT_CALLS)) {
        const before = sent.length;
        // A call may fail after it sent (popen attaches to a helper that is not there): what it sent counts.
        await f(c).catch(() => undefined);
        if (name !== 'readLogs') assert.ok(sent.length > before, `${name} sent nothing`);
      }
      const posted = new Set<string>();
      for (const s of sent.filter((x) => x.method === 'POST')) {
        const route = `POST ${s.path}`;
        assert.ok(Object.hasOwn(BODIES, route), `${route}: no declared body`);
        try {
          checkBody(route, BODIES[route], s.body);
        } catch (e) {
          assert.fail(`the client sent ${route} ${JSON.stringify(s.body)}: ${(e as Error).message}`);
        }
        posted.add(route);
      }
      // The client reaches every POST route, so each declaration is checked against a real body.
      assert.deepEqual([...posted].sort(), Object.keys(BODIES).sort());
      if (fast) assert.ok(sent.some((s) => s.body.fresh === true), 'the kept channel marks a first sending fresh');
    });
  }

  test('a field the client would send that is not declared fails the check', () => {
    assert.throws(() => checkBody('POST /v1/up', BODIES['POST /v1/up'], { file: 'a', text: '', dryRun: false, force: true }),
      (e: unknown) => e instanceof ApiError && e.status === 400 && /unknown field "force" in POST \/v1\/up/.test(e.message));
  });
});
