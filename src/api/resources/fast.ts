// The library's resource calls on one kept connection (`GET /v1/resources/fast`, upgraded to
// `appinit-resources`): a JSON object per line each way, so a lock costs a line of JSON instead
// of an HTTP request and response on both sides (bench/coord.ts). Each line is answered by the
// very route a POST to /v1/resources/<op> reaches, with the same caller (SO_PEERCRED of this
// connection), so the rules — ipc_perm, the holder by job, one answer per request id — are the
// HTTP API's. Only the resource routes are reachable this way.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import type { App } from '../app.js';
import { ApiError, errorBody } from '../errors.js';
import { caller } from '../http.js';
import type { ApiRequest } from '../routes.js';

/** The Upgrade token of the resource channel. */
export const FAST_PROTOCOL = 'appinit-resources';

/** The longest request line (characters); the client sends larger calls over HTTP (src/client/fast-resources.ts has the same number). */
export const FAST_MAX_LINE = 1 << 20;

/** The path a client upgrades. */
export const FAST_PATH = '/v1/resources/fast';

// op → the route that answers it.
const OPS: Record<string, string> = {
  semop: '/v1/resources/semop', send: '/v1/resources/send', recv: '/v1/resources/recv',
  create: '/v1/resources/create', remove: '/v1/resources/remove',
};

const NO_QUERY = new URLSearchParams();

/** True for an upgrade to the resource channel. */
export function isFastUpgrade(req: IncomingMessage): boolean {
  return String(req.headers.upgrade).toLowerCase() === FAST_PROTOCOL;
}

function refuse(sock: Socket, status: number, err: ApiError): void {
  const body = JSON.stringify(errorBody(err));
  sock.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Not Found'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

/**
 * Serves the resource channel on an upgraded connection. A request line is
 * `{"n": 7, "op": "semop", "body": {...}}`; its answer `{"n": 7, "status": 200, "body": {...}}`
 * (answers may come in any order: a lock that waits does not hold up the others). When the
 * connection ends, every request of it that still waits stops waiting, as an HTTP request does
 * when its caller goes away.
 */
export function fastUpgrade(app: App, req: IncomingMessage, sock: Socket, head: Buffer): void {
  sock.on('error', () => sock.destroy());
  const peer = caller(sock);
  if (peer == null) return refuse(sock, 401, new ApiError('unauthenticated', 'the kernel did not say who is calling (no peer credentials): refused'));
  if (new URL(req.url ?? '/', 'http://appinit').pathname !== FAST_PATH) return refuse(sock, 404, new ApiError('not_found', `no upgrade to ${FAST_PROTOCOL} at ${req.url}`));
  sock.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: ${FAST_PROTOCOL}\r\nconnection: Upgrade\r\n\r\n`);
  const waiting = new Set<AbortController>();
  sock.on('close', () => {
    for (const a of waiting) a.abort();
    waiting.clear();
  });
  const answer = (n: unknown, status: number, body: unknown): void => {
    if (!sock.destroyed) sock.write(`${JSON.stringify({ n, status, body })}\n`);
  };
  const one = (line: string): void => {
    let frame: { n?: unknown; op?: unknown; body?: unknown };
    try {
      frame = JSON.parse(line) as typeof frame;
    } catch {
      // Not this protocol: nothing more it sends can be trusted to be framed.
      return void sock.destroy();
    }
    const path = typeof frame.op === 'string' ? OPS[frame.op] : undefined;
    const body = frame.body;
    if (!path || body == null || typeof body !== 'object' || Array.isArray(body)) {
      return answer(frame.n, 400, errorBody(new ApiError(400, 'usage', `expected {n, op: ${Object.keys(OPS).join('|')}, body: {...}}`)));
    }
    const gone = new AbortController();
    const apiReq: ApiRequest = { method: 'POST', path, query: NO_QUERY, body: body as Record<string, unknown>, peer, signal: gone.signal };
    waiting.add(gone);
    app.handle(apiReq).then((r) => {
      waiting.delete(gone);
      answer(frame.n, r.status, r.body);
    });
  };
  let tail = '';
  const utf8 = new StringDecoder('utf8'); // a character split between two reads stays whole
  const onData = (chunk: Buffer): void => {
    const text = tail + utf8.write(chunk);
    let at = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', at)) {
      one(text.slice(at, nl));
      at = nl + 1;
    }
    tail = at === 0 ? text : text.slice(at);
    // A connection may stay open for good (HTTP's may not: its timeouts close it), so a partial
    // line is bounded lower than an HTTP body: the library sends a larger call over HTTP.
    if (tail.length > FAST_MAX_LINE) sock.destroy();
  };
  if (head.length) onData(head);
  sock.on('data', onData);
}
