// The API as a function: bad input is a 400 that says what was expected, an unexpected failure
// is a plain 500 whose stack goes to the daemon's log, and the HTTP layer refuses a caller the
// kernel cannot name and a body over the limit before reading it.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { createApp } from '../../../src/api/app.js';
import { ApiError, ERROR_STATUS } from '../../../src/api/errors.js';
import { createServer } from '../../../src/api/http.js';
import { jsonDepth, MAX_JSON_DEPTH, parseBody } from '../../../src/api/input.js';
import { MODULES, type Module } from '../../../src/api/modules.js';
import type { ApiContext, ApiRequest, ApiResponse } from '../../../src/api/routes.js';

const ME = { uid: 4242, gid: 4242, pid: 1 };

function setup(extra: Module[] = []) {
  const logged: string[] = [];
  const ctx = { sup: { jobs: new Map() }, services: {}, home: '/nonexistent/home', log: (l: string) => logged.push(l) } as unknown as ApiContext;
  const app = createApp(ctx, [...MODULES, ...extra]);
  const call = (method: string, path: string, body: Record<string, unknown> = {}, query = ''): Promise<ApiResponse> =>
    app.handle({ method, path, query: new URLSearchParams(query), body, peer: ME } satisfies ApiRequest);
  return { ctx, app, call, logged };
}

// Asserts a 400 whose message matches.
async function bad(r: Promise<ApiResponse>, message: RegExp): Promise<void> {
  const res = await r;
  assert.equal(res.status, 400, `400 expected, got ${res.status}: ${JSON.stringify(res.body)}`);
  const e = (res.body as { error: { code: string; message: string } }).error;
  assert.match(e.message, message);
  assert.doesNotMatch(e.message, /\n\s+at /, 'no stack trace');
}

describe('API input is checked, with clear 400s', () => {
  const { call } = setup();

  test('run: a numeric cwd, a relative cwd', async () => {
    await bad(call('POST', '/v1/run', { argv: ['true'], cwd: 7 }), /^cwd: expected an absolute directory path, got 7 \(number\)$/);
    await bad(call('POST', '/v1/run', { argv: ['true'], cwd: 'tmp' }), /^cwd: expected an absolute directory path, got "tmp"$/);
  });

  test('run: env values that are not strings, names that cannot be variables', async () => {
    await bad(call('POST', '/v1/run', { argv: ['true'], cwd: '/', env: { A: 1 } }), /^env\.A: expected a string, got 1 \(number\)$/);
    await bad(call('POST', '/v1/run', { argv: ['true'], cwd: '/', env: { A: { b: 1 } } }), /^env\.A: expected a string, got an object$/);
    await bad(call('POST', '/v1/run', { argv: ['true'], cwd: '/', env: ['A=1'] }), /^env: expected an object of strings, got an array$/);
    await bad(call('POST', '/v1/run', { argv: ['true'], cwd: '/', env: { 'A=B': 'x' } }), /^env: "A=B" is not a variable name$/);
  });

  test('NUL bytes in argv, names and environment', async () => {
    await bad(call('POST', '/v1/run', { argv: ['echo', 'a\0b'], cwd: '/' }), /^argv\[1\]: may not contain a NUL byte$/);
    await bad(call('POST', '/v1/run', { argv: ['true'], cwd: '/', name: 'x\0y' }), /^name: may not contain a NUL byte$/);
    await bad(call('POST', '/v1/run', { argv: ['true'], cwd: '/', env: { A: 'a\0' } }), /^env\.A: may not contain a NUL byte$/);
    await bad(call('POST', '/v1/stop', { names: ['web\0'] }), /^names\[0\]: may not contain a NUL byte$/);
    await bad(call('POST', '/v1/kill', { targets: ['%1\0'] }), /^targets\[0\]: may not contain a NUL byte$/);
    await bad(call('GET', '/v1/status', {}, 'name=a%00b'), /^name: may not contain a NUL byte$/);
  });

  test('run: a name that would leave the logs directory', async () => {
    await bad(call('POST', '/v1/run', { argv: ['true'], cwd: '/', name: '../../victim' }), /^name: "..\/..\/victim": a name may contain only/);
    await bad(call('POST', '/v1/run', { argv: ['true'], cwd: '/', name: 3 }), /^name: expected a program name, got 3 \(number\)$/);
  });

  test('wait, fg, bg: an object spec', async () => {
    for (const path of ['/v1/wait', '/v1/fg', '/v1/bg']) {
      await bad(call('POST', path, { spec: { a: 1 } }), /^spec: expected a job spec like %1, got an object$/);
    }
  });

  test('argv, names, targets, signal, pattern of the wrong type', async () => {
    await bad(call('POST', '/v1/run', { argv: 'ls -l', cwd: '/' }), /^argv: expected a non-empty array of strings/);
    await bad(call('POST', '/v1/run', { argv: [], cwd: '/' }), /^argv: expected/);
    await bad(call('POST', '/v1/run', { argv: ['ls', 3], cwd: '/' }), /^argv\[1\]: expected a string, got 3 \(number\)$/);
    await bad(call('POST', '/v1/start', { names: 'web' }), /^names: expected a non-empty array of program names/);
    await bad(call('POST', '/v1/kill', { targets: ['%1'], signal: ['TERM'] }), /^signal: expected a signal name or number, got an array$/);
    await bad(call('POST', '/v1/pkill', { pattern: 5 }), /^pattern: expected a regular expression, got 5 \(number\)$/);
    await bad(call('POST', '/v1/up', { file: 1, text: '' }), /^file: expected the control file's path, got 1 \(number\)$/);
  });

  test('acct: ?uid=abc is a 400, not an empty answer', async () => {
    await bad(call('GET', '/v1/acct', {}, 'uid=abc'), /^uid: expected a whole number of at least 0, got "abc"$/);
    await bad(call('GET', '/v1/acct', {}, 'since=yesterday'), /^since: expected a number, got "yesterday"$/);
    await bad(call('GET', '/v1/acct', {}, 'limit=-1'), /^limit: expected a whole number of at least 0, got "-1"$/);
  });

  test('an unknown route is a 404 with a code', async () => {
    const r = await call('GET', '/v1/nothing');
    assert.equal(r.status, 404);
    assert.deepEqual(r.body, { error: { code: 'not_found', message: 'no route GET /v1/nothing' } });
  });
});

describe('request bodies', () => {
  test('deeply nested JSON is refused before it is parsed', () => {
    const deep = '{"a":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}';
    assert.equal(jsonDepth(deep), 100_001);
    assert.throws(() => parseBody(deep), (e: unknown) => e instanceof ApiError && e.status === 400 && /nested deeper than 32 levels/.test(e.message));
    const ok = '{"a":' + '['.repeat(MAX_JSON_DEPTH - 1) + ']'.repeat(MAX_JSON_DEPTH - 1) + '}';
    assert.deepEqual(Object.keys(parseBody(ok)), ['a']);
    assert.equal(jsonDepth('{"s":"[[[[{{{\\"[["}'), 1, 'brackets inside strings do not count');
  });

  test('a body that is not a JSON object', () => {
    assert.throws(() => parseBody('[1]'), /request body: expected a JSON object, got an array/);
    assert.throws(() => parseBody('{'), /request body: expected a JSON object \(/);
    assert.deepEqual(parseBody(''), {});
  });
});

describe('errors', () => {
  test('every code has one status; the status follows from the code', () => {
    assert.equal(new ApiError('usage', 'x').status, 400);
    assert.equal(new ApiError('forbidden', 'x').status, 403);
    assert.equal(new ApiError('too_large', 'x').status, 413);
    for (const [code, status] of Object.entries(ERROR_STATUS)) assert.ok(status >= 400 && status < 600, `${code}: ${status}`);
  });

  test('an unexpected failure: a plain 500 for the caller, the stack in the daemon log', async () => {
    const boom: Module = { name: 'logs', routes: { 'GET /v1/boom': () => { throw new TypeError('x.y is not a function'); } } };
    const { call, logged } = setup([boom]);
    const r = await call('GET', '/v1/boom');
    assert.equal(r.status, 500);
    const e = (r.body as { error: { code: string; message: string } }).error;
    assert.equal(e.code, 'internal');
    assert.equal(e.message, 'internal error in GET /v1/boom; the daemon\'s log (/nonexistent/home/daemon.log) has the details');
    assert.equal(logged.length, 1);
    assert.match(logged[0], /^appinit: internal error in GET \/v1\/boom: TypeError: x\.y is not a function\n\s+at /);
  });
});

describe('streams', () => {
  // The log follower is built from the same request as any route: the caller is the kernel's,
  // so another user's program reads as missing (it was followed as root when the peer was null).
  test('a log follow sees only the caller\'s programs', async () => {
    const rootJob = { id: 1, number: 1, ownerUid: 0, spec: { name: 'secret' } };
    const ctx = {
      sup: { jobs: new Map([[1, rootJob]]), select: () => [rootJob], programs: () => [rootJob.spec] },
      services: { logs: { history: { find: () => undefined }, maintainer: { problems: () => [] } } }, home: '/h', spawnCtx: { logsDir: '/nonexistent' },
    } as unknown as ApiContext;
    const follow = createApp(ctx).stream('GET', '/v1/logs/follow');
    assert.ok(follow, 'the stream is composed into the app');
    let status = 0;
    let body = '';
    const res = { writeHead: (s: number) => { status = s; return res; }, end: (t: string) => { body = t; }, on: () => res, write: () => true } as unknown as http.ServerResponse;
    const httpReq = { on: () => httpReq } as unknown as http.IncomingMessage;
    follow(ctx, { method: 'GET', path: '/v1/logs/follow', query: new URLSearchParams('name=secret'), body: {}, peer: ME }, res, httpReq);
    for (let i = 0; i < 100 && status === 0; i++) await new Promise((r) => setImmediate(r)); // it answers asynchronously
    assert.equal(status, 404, `another user's program is not found (got ${status} ${body})`);
  });
});

describe('the HTTP layer', () => {
  // TCP has no peer credentials: the caller cannot be named, so nothing is answered but a refusal.
  test('a caller the kernel cannot name is refused, never taken for root', async () => {
    let handled = 0;
    const app = { handle: async () => { handled++; return { status: 200, body: {} }; }, stream: () => undefined, failure: () => ({ status: 500, body: {} }) };
    const server = createServer({} as ApiContext, app).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const { port } = server.address() as AddressInfo;
      const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path: '/v1/status', agent: false }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        }).on('error', reject);
      });
      assert.equal(r.status, 401);
      assert.match(r.body, /"code":"unauthenticated".*no peer credentials/);
      assert.equal(handled, 0, 'no route ran');
    } finally {
      server.close();
    }
  });
});
