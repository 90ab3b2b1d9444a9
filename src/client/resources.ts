// appinit's resources from the library: mutexes, semaphores and message queues. A call that
// waits keeps waiting through a restart of the daemon: it is re-sent with the same id, and the
// daemon answers a re-sent request with the answer it gave before, so nothing is taken twice.
import { AppinitError, errnoOf } from './errors.js';
import type { FastChannel } from './fast-resources.js';
import type { Transport } from './transport.js';

/** An error from a resource call: `deadlock` (details: who holds and waits for what), `busy`, `no_message`, ... */
export class ResourceCallError extends AppinitError {
  constructor(code: string, message: string, status: number, details?: unknown) {
    super(code, message, status, details);
    this.name = 'ResourceCallError';
  }
}

// NaN and Infinity would cross JSON as null, which the daemon reads as the default (0 or 1):
// refused here, as the daemon refuses 1.5.
function finite(n: number, what: string): void {
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new ResourceCallError('usage', `${what} takes a whole number, got ${n}`, 400);
}

/** A message of a queue. */
export interface QueueMessage {
  type: number;
  data: string;
  /** The sender's pid. */
  sender: number;
}

const TRANSIENT = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE']);

/** How long a waiting call tries to reach a daemon that went away before it gives up (ms). */
export const RECONNECT_WINDOW_MS = 60_000;

async function call<T>(t: Transport, path: string, body: Record<string, unknown>, fast?: FastChannel): Promise<T> {
  // Web Crypto's: node:crypto costs a command's start more than the rest of the client. The time
  // first: the daemon stores an answer under each id, and ids that grow keep its inserts at the
  // end of one b-tree instead of on random pages (bench/coord.ts).
  const id = `${Date.now().toString(36).padStart(9, '0')}-${globalThis.crypto.randomUUID()}`;
  // The window counts from when the daemon went away, not from the first send: a lock waited
  // for an hour still outlives a kill -9 and a restart.
  let until: number | null = null;
  for (let attempt = 0; ; attempt++) {
    let r: { status: number; body: unknown };
    try {
      const sent = { ...body, id };
      // `fresh`: this id was never sent, so the daemon need not look for an answer given before.
      // Only on the kept channel, which never re-sends by itself (HTTP's keep-alive pool re-sends
      // a request whose reused connection was reset: that one must be looked up).
      r = (fast && (await fast.call(path.slice(PREFIX.length), attempt === 0 ? { ...sent, fresh: true } : sent))) ?? (await t('POST', path, sent));
    } catch (err) {
      const code = errnoOf(err) ?? (err as { code?: string }).code ?? '';
      until ??= Date.now() + RECONNECT_WINDOW_MS;
      if ((!TRANSIENT.has(code) && !/socket hang up|without a whole answer/.test((err as Error).message)) || Date.now() > until) throw err;
      await new Promise((res) => setTimeout(res, 100));
      continue;
    }
    if (r.status >= 400) {
      const e = (r.body as { error?: { code: string; message: string; details?: unknown } })?.error;
      throw new ResourceCallError(e?.code ?? 'error', e?.message ?? `HTTP ${r.status}`, r.status, e?.details);
    }
    return r.body as T;
  }
}

const PREFIX = '/v1/resources/';

/** A mutex: one holder at a time (the caller's job, or the calling process). */
export class Mutex {
  /** `fast`: the client's kept resource channel, if it has one (else every call is HTTP). */
  constructor(private readonly t: Transport, readonly name: string, private readonly fast?: FastChannel) {}
  /** Waits until held (created if missing); throws `deadlock` instead of waiting forever, and
   *  `busy` when `wait: false` and it is held, or when it was not had within `timeoutMs`. */
  async lock(opts: { wait?: boolean; timeoutMs?: number } = {}): Promise<void> {
    if (opts.timeoutMs != null) finite(opts.timeoutMs, `${this.name}: timeoutMs`);
    const timeout = opts.timeoutMs == null ? undefined : Math.max(0, Math.ceil(opts.timeoutMs));
    await call(this.t, '/v1/resources/semop', { ops: [{ name: this.name, op: 'P', n: 1, undo: true }], wait: opts.wait !== false, create: 'mutex', timeout }, this.fast);
  }
  /** Gives it back (only its holder can). */
  async unlock(): Promise<void> {
    await call(this.t, '/v1/resources/semop', { ops: [{ name: this.name, op: 'V', n: 1, undo: true }] }, this.fast);
  }
  /** Runs fn while holding the mutex, and gives it back however fn ends. */
  async withLock<T>(fn: () => Promise<T> | T): Promise<T> {
    await this.lock();
    try {
      return await fn();
    } finally {
      await this.unlock();
    }
  }
}

/** A counting semaphore. */
export class Semaphore {
  /** `fast`: the client's kept resource channel, if it has one (else every call is HTTP). */
  constructor(private readonly t: Transport, readonly name: string, private readonly fast?: FastChannel) {}
  /** Creates it with an initial value (an existing one is left as it is). */
  async create(value: number, opts: { mode?: number } = {}): Promise<void> {
    finite(value, `${this.name}: initial value`);
    await call(this.t, '/v1/resources/create', { name: this.name, kind: 'semaphore', value, mode: opts.mode }, this.fast);
  }
  /** P: waits until the value is ≥ n and takes n; with undo, the units are given back when the caller ends. */
  async p(n = 1, opts: { undo?: boolean; wait?: boolean } = {}): Promise<number> {
    finite(n, `${this.name}: P`);
    return (await call<{ value: number }>(this.t, '/v1/resources/semop', { ops: [{ name: this.name, op: 'P', n, undo: !!opts.undo }], wait: opts.wait !== false }, this.fast)).value;
  }
  /** V: adds n and wakes waiters. */
  async v(n = 1, opts: { undo?: boolean } = {}): Promise<number> {
    finite(n, `${this.name}: V`);
    return (await call<{ value: number }>(this.t, '/v1/resources/semop', { ops: [{ name: this.name, op: 'V', n, undo: !!opts.undo }] }, this.fast)).value;
  }
  /** Waits until the value is 0. */
  async waitZero(): Promise<void> {
    await call(this.t, '/v1/resources/semop', { ops: [{ name: this.name, op: 'Z' }] }, this.fast);
  }
}

/** A message queue with msgrcv's type rule. */
export class Queue {
  /** `fast`: the client's kept resource channel, if it has one (else every call is HTTP). */
  constructor(private readonly t: Transport, readonly name: string, private readonly fast?: FastChannel) {}
  /** Creates it (an existing one is left as it is). */
  async create(opts: { maxBytes?: number; mode?: number } = {}): Promise<void> {
    await call(this.t, '/v1/resources/create', { name: this.name, kind: 'queue', maxBytes: opts.maxBytes, mode: opts.mode }, this.fast);
  }
  /** Sends a message of a type ≥ 1; a full queue makes it wait (or throw `busy` with wait: false). */
  async send(type: number, data: string, opts: { wait?: boolean } = {}): Promise<void> {
    await call(this.t, '/v1/resources/send', { name: this.name, type, data, wait: opts.wait !== false }, this.fast);
  }
  /** Receives one message: type 0 the first, N the first of type N, -N the first of the lowest type ≤ N. */
  async receiveOne(opts: { type?: number; nowait?: boolean } = {}): Promise<QueueMessage> {
    const r = await call<{ message: QueueMessage }>(this.t, '/v1/resources/recv', { name: this.name, type: opts.type ?? 0, wait: !opts.nowait }, this.fast);
    return { type: r.message.type, data: r.message.data, sender: r.message.sender };
  }
  /** Every message as it comes, for `for await`. */
  async *receive(opts: { type?: number } = {}): AsyncGenerator<QueueMessage> {
    for (;;) yield await this.receiveOne(opts);
  }
}

/** Creates an atomic acquire of several semaphores or mutexes: all or nothing, as one semop array. */
export async function acquire(t: Transport, wants: Record<string, number>, opts: { wait?: boolean } = {}, fast?: FastChannel): Promise<void> {
  const ops = Object.entries(wants).map(([name, n]) => ({ name, op: 'P', n, undo: true }));
  await call(t, '/v1/resources/semop', { ops, wait: opts.wait !== false }, fast);
}
