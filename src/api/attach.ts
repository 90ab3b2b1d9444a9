// Terminal attach through the daemon (`GET /v1/attach?id=N`, upgraded to a raw stream): for the
// system daemon, whose helper admits only root. The caller is checked as for any request (their
// own job, or any for root; a job of someone else answers as one that does not exist), then the
// daemon names the job to the helper itself and relays bytes both ways. After the helper's
// `attach` frame a connection can only send input, window sizes and end of input for that one
// job, so relaying the caller's frames unread gives them nothing more.
import type { IncomingMessage } from 'node:http';
import net, { type Socket } from 'node:net';
import { attachFrame } from '../os/attach-wire.js';
import { ApiError, errorBody } from './errors.js';
import { caller } from './http.js';
import { queryFlag } from './input.js';
import { pathsFor } from './paths.js';
import { visible, type ApiContext, type ApiRequest } from './routes.js';

/** The Upgrade token of an attach. */
export const ATTACH_PROTOCOL = 'appinit-attach';

function refuse(sock: Socket, status: number, err: ApiError): void {
  const body = JSON.stringify(errorBody(err));
  sock.end(`HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : status === 401 ? 'Unauthorized' : 'Bad Request'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

function dim(v: string | null): number | null {
  return v != null && /^\d{1,5}$/.test(v) && Number(v) >= 1 && Number(v) <= 65535 ? Number(v) : null;
}

/** Handles an HTTP upgrade on the daemon's socket: an attach, or a refusal. */
export function upgrade(ctx: ApiContext, req: IncomingMessage, sock: Socket, head: Buffer): void {
  sock.on('error', () => sock.destroy());
  const url = new URL(req.url ?? '/', 'http://appinit');
  const peer = caller(sock);
  if (peer == null) return refuse(sock, 401, new ApiError('unauthenticated', 'the kernel did not say who is calling (no peer credentials): refused'));
  if (url.pathname !== '/v1/attach' || String(req.headers.upgrade).toLowerCase() !== ATTACH_PROTOCOL) {
    return refuse(sock, 404, new ApiError('not_found', `no upgrade ${req.method} ${url.pathname}`));
  }
  const id = url.searchParams.get('id') ?? '';
  // flow=1 (the CLI's, for a job without a terminal): another value than 1 or 0 is refused, not read as 0.
  let flow: boolean;
  try {
    flow = queryFlag(url.searchParams, 'flow', false);
  } catch (err) {
    return refuse(sock, 400, err as ApiError);
  }
  const apiReq: ApiRequest = { method: 'GET', path: url.pathname, query: url.searchParams, body: {}, peer };
  const job = /^\d{1,15}$/.test(id) ? visible(ctx, apiReq, [...ctx.sup.jobs.values()]).find((j) => j.id === Number(id)) : undefined;
  // The same words whether the job is someone else's or does not exist.
  if (!job) return refuse(sock, 404, new ApiError('no_such_job', `no job with id ${JSON.stringify(id)}`));
  const helper = net.connect(pathsFor(ctx.home).superviseSocket);
  helper.on('error', () => { helper.destroy(); sock.destroy(); });
  sock.on('close', () => helper.destroy());
  helper.on('close', () => sock.destroy());
  helper.on('connect', () => {
    helper.write(attachFrame(job.id, dim(url.searchParams.get('rows')) ?? undefined, dim(url.searchParams.get('cols')) ?? undefined, flow));
    sock.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: ${ATTACH_PROTOCOL}\r\nconnection: Upgrade\r\n\r\n`);
    if (head.length) helper.write(head);
    // Both ways with back-pressure: a client that does not read slows only its own relay (the
    // helper drops output for a terminal's client that does not read; a flow=1 client's job
    // waits in its write instead, as a pipeline's writer).
    sock.pipe(helper);
    helper.pipe(sock);
  });
}
