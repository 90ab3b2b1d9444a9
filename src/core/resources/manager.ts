// The lock manager: appinit's own named resources — mutexes, counting semaphores and message
// queues — with first-come-first-served waiting rooms, SEM_UNDO's give-back when a holder ends,
// and deadlock detection before anyone waits. In memory; every change is handed to a `Persist`
// so the store mirrors it in the same tick (the daemon can be killed at any moment).
import { detect, type MatrixState } from './detect.js';
import type { Answer, DeadlockFacts, EventAbout, Holder, Kind, Message, Persist, Resource } from '../../store/resource-types.js';

export type { Answer, DeadlockFacts, Holder, Kind, Message, Persist, Resource };

/** One semop-like operation: P n (wait until value ≥ n, take n), V n (add n), Z (wait for zero). */
export interface Op {
  name: string;
  op: 'P' | 'V' | 'Z';
  n: number;
  /** SEM_UNDO: taken units are held by the caller and given back when it ends. */
  undo: boolean;
}


interface Waiter {
  id: string | null;
  holder: Holder;
  ops: Op[];
  holdable: boolean;
  resolve: (a: Answer) => void;
  seq: number;
}

interface QueueWaiter {
  id: string | null;
  holder: Holder;
  kind: 'send' | 'recv';
  type: number;
  data: string;
  resolve: (a: Answer) => void;
  seq: number;
}

/** Thrown for a request that is wrong in itself (unknown resource, bad numbers). */
/** The largest value a semaphore holds (a C int, as semop(2)'s values are; the kernel's own
 *  SEMVMX is 32767): past it a V is refused, as semop refuses it with ERANGE, instead of
 *  counting in a double that loses units beyond 2^53. */
export const SEM_MAX = 2 ** 31 - 1;

export class ResourceError extends Error {
  constructor(readonly code: 'not_found' | 'usage' | 'exists' | 'forbidden', message: string) {
    super(message);
  }
}

/** The lock manager. */
export class ResourceManager {
  readonly resources = new Map<string, Resource>();
  /** holdings[resource][holder key] = units held (negative after a V with undo: semadj). */
  readonly holdings = new Map<string, Map<string, { holder: Holder; units: number }>>();
  readonly queues = new Map<string, Message[]>();
  private waiters: Waiter[] = [];
  private qwaiters: QueueWaiter[] = [];
  private seq = 0;
  /** Requests refused as deadlocks since the daemon started (for /metrics), whatever transport asked. */
  deadlocksRefused = 0;

  constructor(private readonly persist: Persist) {}

  /** Loads stored state (waiters are not stored: a client re-sends its request after a restart). */
  load(resources: Resource[], holdings: { resource: string; holder: Holder; units: number }[], messages: { resource: string; m: Message }[]): void {
    for (const r of resources) this.resources.set(r.name, r);
    for (const h of holdings) this.holdingsOf(h.resource).set(h.holder.key, { holder: h.holder, units: h.units });
    for (const { resource, m } of messages) this.queueOf(resource).push(m);
  }

  /** Creates a resource; an existing one of the same kind is left as it is (returned). */
  create(r: Omit<Resource, 'value' | 'created' | 'initial'> & { value?: number }, now: number): Resource {
    const old = this.resources.get(r.name);
    if (old) {
      if (old.kind !== r.kind) throw new ResourceError('exists', `${r.name} exists as a ${old.kind}, not a ${r.kind}`);
      return old;
    }
    const value = r.kind === 'mutex' ? 1 : r.kind === 'semaphore' ? r.value ?? 0 : 0;
    if (!Number.isInteger(value) || value < 0 || value > SEM_MAX) throw new ResourceError('usage', `${r.name}: initial value must be a whole number from 0 to ${SEM_MAX}, got ${value}`);
    const res: Resource = { ...r, value, initial: value, created: now };
    this.resources.set(r.name, res);
    this.persist.resource(res);
    this.persist.event(`${r.kind} ${r.name} created${r.kind === 'semaphore' ? ` with value ${value}` : ''}`, { resource: r.name, owner: r.uid });
    return res;
  }

  /** Why a resource a control file declares cannot be used as written (it exists with other settings), or null. */
  differs(d: { name: string; kind: Kind; value: number; maxBytes: number; mode: number }): string | null {
    const old = this.resources.get(d.name);
    if (!old) return null;
    const what = (r: { kind: Kind; value: number; maxBytes: number; mode: number }) =>
      `${r.kind === 'semaphore' ? `a semaphore of ${r.value}` : r.kind === 'queue' ? `a queue of ${r.maxBytes} bytes` : 'a mutex'} with mode ${r.mode.toString(8).padStart(4, '0')}`;
    const same = old.kind === d.kind && old.mode === d.mode
      && (d.kind !== 'semaphore' || old.initial < 0 || old.initial === d.value) && (d.kind !== 'queue' || old.maxBytes === d.maxBytes);
    if (same) return null;
    const was = { ...old, value: old.initial < 0 ? old.value : old.initial };
    return `${d.name} exists as ${what(was)}, this file declares ${what(d)}; remove it first (appinit ipcrm ${d.name}) or write it as it is`;
  }

  /** Removes a resource; its waiters are told it is gone (as EIDRM). */
  remove(name: string): void {
    const owner = this.get(name).uid;
    this.resources.delete(name);
    this.holdings.delete(name);
    this.queues.delete(name);
    this.persist.removed(name);
    for (const w of this.waiters.filter((x) => x.ops.some((o) => o.name === name))) this.finish(w, { ok: false, code: 'gone', message: `${name} was removed` });
    for (const w of this.qwaiters.filter((x) => (x as QueueWaiter & { name?: string }).name === name)) this.finishQ(w, { ok: false, code: 'gone', message: `${name} was removed` });
    this.persist.event(`${name} removed`, { resource: name, owner });
  }

  /** The resource, or a not_found error naming it. */
  get(name: string): Resource {
    const r = this.resources.get(name);
    if (!r) throw new ResourceError('not_found', `no resource named "${name}" (create it first, or list them with appinit ipcs)`);
    return r;
  }

  private holdingsOf(name: string): Map<string, { holder: Holder; units: number }> {
    let m = this.holdings.get(name);
    if (!m) this.holdings.set(name, (m = new Map()));
    return m;
  }

  private queueOf(name: string): Message[] {
    let q = this.queues.get(name);
    if (!q) this.queues.set(name, (q = []));
    return q;
  }

  /** Units `holder` holds of a resource. */
  held(name: string, holder: string): number {
    return this.holdings.get(name)?.get(holder)?.units ?? 0;
  }

  // ---------- semaphores and mutexes ----------

  /**
   * An atomic array of operations (as one semop): all of them or none. Resolves when done;
   * with `wait: false` answers `busy` at once when it cannot proceed. A request that would wait
   * and could then never be granted (a deadlock) is refused at once.
   */
  semop(holder: Holder, ops: Op[], wait: boolean, id: string | null = null, signal?: AbortSignal, timeoutMs?: number): Promise<Answer> {
    for (const o of ops) {
      const r = this.get(o.name);
      if (r.kind === 'queue') throw new ResourceError('usage', `${o.name} is a queue: use send and receive`);
      if (!Number.isInteger(o.n) || o.n < 0 || (o.op !== 'Z' && o.n === 0) || o.n > SEM_MAX) throw new ResourceError('usage', `${o.name}: ${o.op} takes a whole number from 1 to ${SEM_MAX}, got ${o.n}`);
      const added = ops.reduce((sum, x) => sum + (x.name === o.name && x.op === 'V' ? x.n : 0), 0);
      if (o.op === 'V' && r.kind === 'semaphore' && r.value + added > SEM_MAX) {
        throw new ResourceError('usage', `${o.name}: V ${added} would take its value ${r.value} past ${SEM_MAX}, the most a semaphore holds (semop's ERANGE)`);
      }
      if (r.kind === 'mutex' && o.op === 'V' && this.held(o.name, holder.key) < o.n) {
        return Promise.resolve({ ok: false, code: 'not_holder', message: `${o.name} is not held by ${holder.label}` });
      }
    }
    const holdable = ops.every((o) => o.op === 'P' && (o.undo || this.get(o.name).kind === 'mutex'));
    const w: Waiter = { id, holder, ops, holdable, resolve: () => {}, seq: ++this.seq };
    return new Promise((resolve) => {
      w.resolve = resolve;
      if (this.canGrant(w, this.waiters)) return this.grant(w);
      if (!wait) return resolve({ ok: false, code: 'busy', message: `${ops.map((o) => o.name).join(', ')}: would wait (busy)` });
      const dl = holdable ? this.wouldDeadlock(w) : null;
      if (dl) {
        this.deadlocksRefused++;
        return resolve({ ok: false, code: 'deadlock', message: describeDeadlock(dl), deadlock: dl });
      }
      this.waiters.push(w);
      // A new wait can make an earlier one exempt from the waiting room's order (canGrant).
      this.wake();
      // A caller that goes away stops waiting: nothing is granted to nobody.
      signal?.addEventListener('abort', () => {
        if (!this.waiters.includes(w)) return;
        this.finish(w, { ok: false, code: 'gone', message: `${holder.label} stopped waiting` });
        this.wake();
      });
      // flock -w: a wait with a limit ends here, in the same place as a grant, so nothing is
      // granted to a caller that has given up (a timer in the caller raced its own answer).
      if (timeoutMs != null && timeoutMs <= 0x7fffffff) { // longer: as good as forever (and past setTimeout's range)
        const timer = setTimeout(() => {
          if (!this.waiters.includes(w)) return;
          this.finish(w, { ok: false, code: 'busy', message: `${ops.map((o) => o.name).join(', ')}: not had within ${timeoutMs / 1000} s` });
          this.wake();
        }, timeoutMs);
        timer.unref?.();
        const done = w.resolve;
        w.resolve = (a) => { clearTimeout(timer); done(a); };
      }
    });
  }

  /**
   * A job's needs, all at once (one semop array, units held by the job): true when granted now;
   * otherwise it waits in line and onGranted is called once it is granted. Never refused as a
   * deadlock: a job holds nothing before it starts, so its wait cannot close a cycle.
   */
  need(holder: Holder, ops: Op[], onGranted: () => void): boolean {
    for (const o of ops) if (this.get(o.name).kind === 'queue') throw new ResourceError('usage', `${o.name} is a queue: a program can need a mutex or a semaphore`);
    let later = false;
    const w: Waiter = { id: null, holder, ops, holdable: true, seq: ++this.seq, resolve: (a) => { if (a.ok && later) onGranted(); } };
    if (this.canGrant(w, this.waiters)) {
      this.grant(w);
      return true;
    }
    later = true;
    this.waiters.push(w);
    this.wake();
    return false;
  }

  /** True when the holder holds at least these units. */
  holdsAll(holderKey: string, needs: Record<string, number>): boolean {
    return Object.entries(needs).every(([name, n]) => this.held(name, holderKey) >= n);
  }

  /** True when the holder holds something or waits for something (its end has work to do). */
  involves(holderKey: string): boolean {
    if (this.waiters.some((w) => w.holder.key === holderKey)) return true;
    for (const hs of this.holdings.values()) if (hs.has(holderKey)) return true;
    return false;
  }

  // First come, first served: a request may not take units of a resource an earlier waiter waits to take
  // — unless that waiter waits (directly or through other waiters) for what the requester holds:
  // it cannot go before the requester anyway, and making the requester wait behind it would be a
  // deadlock the matrices do not show. A request of V operations only never waits.
  private canGrant(w: Waiter, queue: Waiter[]): boolean {
    if (w.ops.every((o) => o.op === 'V')) return true;
    let holds: boolean | null = null;
    for (const earlier of queue) {
      if (earlier.seq >= w.seq) break;
      // Only takers compete: a wait for zero takes nothing, and a P is what brings it to zero.
      if (!earlier.ops.some((a) => a.op === 'P' && w.ops.some((b) => b.op === 'P' && b.name === a.name))) continue;
      holds ??= this.holderKeys().some((h) => h.key === w.holder.key);
      if (!holds || !this.dependsOn(earlier, w.holder.key, new Set())) return false;
    }
    const need = new Map<string, number>();
    for (const o of w.ops) if (o.op === 'P') need.set(o.name, (need.get(o.name) ?? 0) + o.n);
    for (const o of w.ops) {
      const r = this.resources.get(o.name);
      if (!r) return false;
      if (o.op === 'Z' && r.value !== 0) return false;
    }
    for (const [name, n] of need) if (this.resources.get(name)!.value < n) return false;
    return true;
  }

  // Does waiter w wait for `key`: for units it holds, or behind an earlier waiter that does, or
  // for units of a holder that itself waits for it (in any chain of these)?
  private dependsOn(w: Waiter, key: string, seen: Set<Waiter>): boolean {
    if (seen.has(w)) return false;
    seen.add(w);
    for (const o of w.ops) {
      if (o.op !== 'P') continue;
      for (const [hk, h] of this.holdings.get(o.name) ?? []) {
        if (h.units <= 0) continue;
        if (hk === key) return true;
        for (const x of this.waiters) if (x.holder.key === hk && this.dependsOn(x, key, seen)) return true;
      }
      for (const e of this.waiters) {
        if (e.seq >= w.seq) break;
        if (e.ops.some((a) => a.op === 'P' && a.name === o.name) && (e.holder.key === key || this.dependsOn(e, key, seen))) return true;
      }
    }
    return false;
  }

  private grant(w: Waiter): void {
    const answer: Answer = { ok: true };
    this.persist.transaction(() => {
      for (const o of w.ops) {
        const r = this.resources.get(o.name)!;
        if (o.op === 'Z') continue;
        r.value += o.op === 'P' ? -o.n : o.n;
        if (r.kind === 'mutex') r.value = Math.min(1, r.value);
        if (o.undo || r.kind === 'mutex') {
          const hs = this.holdingsOf(o.name);
          const units = (hs.get(w.holder.key)?.units ?? 0) + (o.op === 'P' ? o.n : -o.n);
          if (units === 0) hs.delete(w.holder.key);
          else hs.set(w.holder.key, { holder: w.holder, units });
          this.persist.holding(o.name, w.holder, units);
        }
        this.persist.resource(r);
      }
      if (w.ops.length === 1) answer.value = this.resources.get(w.ops[0].name)?.value;
      if (w.id) this.persist.granted(w.id, answer);
    });
    w.resolve(answer);
    this.wake();
  }

  private finish(w: Waiter, a: Answer): void {
    this.waiters = this.waiters.filter((x) => x !== w);
    w.resolve(a);
  }

  // After any change: grant waiters in arrival order, as long as one can go.
  private wake(): void {
    for (let progress = true; progress; ) {
      progress = false;
      for (const w of this.waiters) {
        if (!this.canGrant(w, this.waiters)) continue;
        this.waiters = this.waiters.filter((x) => x !== w);
        this.grant(w);
        progress = true;
        break;
      }
    }
  }


  /**
   * A holder ended: everything it holds is given back — mutexes always, semaphore units taken
   * with undo — and its waits are dropped. Returns what was given back, for the log.
   */
  release(holderKey: string): string[] {
    const out: string[] = [];
    const about: EventAbout[] = [];
    for (const [name, hs] of this.holdings) {
      const h = hs.get(holderKey);
      if (!h) continue;
      const r = this.resources.get(name);
      hs.delete(holderKey);
      this.persist.holding(name, h.holder, 0);
      if (!r) continue;
      r.value = r.kind === 'mutex' ? 1 : Math.max(0, r.value + h.units);
      this.persist.resource(r);
      out.push(`${name}: ${r.kind === 'mutex' ? 'unlocked' : `${h.units > 0 ? h.units : -h.units} unit(s) ${h.units > 0 ? 'given back' : 'taken back'}`} after ${h.holder.label} ended`);
      about.push({ resource: name, owner: r.uid, holder: { key: h.holder.key, label: h.holder.label, uid: h.holder.uid } });
    }
    for (const w of this.waiters.filter((x) => x.holder.key === holderKey)) this.finish(w, { ok: false, code: 'gone', message: `${w.holder.label} ended` });
    out.forEach((line, i) => this.persist.event(line, about[i]));
    this.wake();
    return out;
  }

  /** Records the processes a holder adopted, with each of its holdings (so the next daemon knows them too). */
  adopt(holderKey: string, adopted: { pid: number; startTime: number }[]): void {
    this.persist.transaction(() => {
      for (const [name, hs] of this.holdings) {
        const h = hs.get(holderKey);
        if (!h) continue;
        h.holder = { ...h.holder, adopted };
        this.persist.holding(name, h.holder, h.units);
      }
    });
  }

  /** Every holder key that holds something (to check which of them still live). */
  holderKeys(): Holder[] {
    const seen = new Map<string, Holder>();
    for (const hs of this.holdings.values()) for (const { holder } of hs.values()) seen.set(holder.key, holder);
    return [...seen.values()];
  }

  // ---------- deadlock detection ----------

  /** The live matrices: holders × mutexes and semaphores, with waiting requests as R. */
  matrices(extra?: Waiter): MatrixState & { labels: Map<string, string> } {
    const resources = [...this.resources.values()].filter((r) => r.kind !== 'queue').map((r) => r.name);
    const labels = new Map<string, string>();
    const holders: string[] = [];
    const add = (h: Holder) => {
      if (!labels.has(h.key)) { labels.set(h.key, h.label); holders.push(h.key); }
    };
    for (const name of resources) for (const { holder, units } of this.holdings.get(name)?.values() ?? []) if (units > 0) add(holder);
    const waiting = [...this.waiters.filter((w) => w.holdable), ...(extra ? [extra] : [])];
    for (const w of waiting) add(w.holder);
    const col = new Map(resources.map((r, k) => [r, k]));
    const allocation = holders.map((h) => resources.map((r) => Math.max(0, this.held(r, h))));
    const request = holders.map(() => resources.map(() => 0));
    for (const w of waiting) for (const o of w.ops) if (o.op === 'P') request[holders.indexOf(w.holder.key)][col.get(o.name)!] += o.n;
    const available = resources.map((r) => this.resources.get(r)!.value);
    const existing = resources.map((_, k) => available[k] + allocation.reduce((s, row) => s + row[k], 0));
    // A request for more than all holders together could give back waits for a signal (a V by
    // someone who holds nothing), not for a holder: it cannot be part of a deadlock, so it is
    // counted as able to finish (detection reports only certain deadlocks).
    for (const row of request) if (row.some((n, k) => n > existing[k])) row.fill(0);
    return { resources, holders, existing, available, allocation, request, labels };
  }

  private wouldDeadlock(w: Waiter): DeadlockFacts | null {
    const m = this.matrices(w);
    const d = detect(m);
    if (!d.deadlocked.includes(w.holder.key)) return null;
    return {
      cycle: d.deadlocked.map((h) => {
        const i = m.holders.indexOf(h);
        return {
          holder: m.labels.get(h) ?? h,
          key: h,
          holds: m.resources.filter((_, k) => m.allocation[i][k] > 0),
          waitsFor: m.resources.filter((_, k) => m.request[i][k] > 0),
        };
      }),
    };
  }

  // ---------- message queues ----------

  private queueBytes(name: string): number {
    return (this.queues.get(name) ?? []).reduce((s, m) => s + Buffer.byteLength(m.data), 0);
  }

  /** Sends a message; a full queue makes the sender wait (or answers busy with wait: false). */
  send(holder: Holder, name: string, type: number, data: string, wait: boolean, now: number, id: string | null = null, signal?: AbortSignal): Promise<Answer> {
    const r = this.get(name);
    if (r.kind !== 'queue') throw new ResourceError('usage', `${name} is a ${r.kind}, not a queue`);
    if (!Number.isInteger(type) || type < 1) throw new ResourceError('usage', `message type must be a whole number ≥ 1 (as msgsnd's mtype), got ${type}`);
    if (Buffer.byteLength(data) > r.maxBytes) return Promise.resolve({ ok: false, code: 'too_big', message: `message of ${Buffer.byteLength(data)} bytes is larger than ${name}'s limit of ${r.maxBytes}` });
    return new Promise((resolve) => {
      const w: QueueWaiter & { name: string; now: number } = { id, holder, kind: 'send', type, data, resolve, seq: ++this.seq, name, now };
      if (!this.qwaiters.some((x) => x.kind === 'send' && (x as typeof w).name === name) && this.fits(name, data)) return this.deliver(w);
      if (!wait) return resolve({ ok: false, code: 'busy', message: `${name} is full (${this.queueBytes(name)} of ${r.maxBytes} bytes)` });
      this.qwaiters.push(w);
      signal?.addEventListener('abort', () => this.abandon(w));
    });
  }

  private fits(name: string, data: string): boolean {
    return this.queueBytes(name) + Buffer.byteLength(data) <= this.resources.get(name)!.maxBytes;
  }

  private deliver(w: QueueWaiter & { name: string; now: number }): void {
    const m: Message = { id: 0, type: w.type, data: w.data, sender: w.holder.pid, at: w.now };
    const answer: Answer = { ok: true };
    this.persist.transaction(() => {
      m.id = this.persist.messageAdded(w.name, m);
      if (w.id) this.persist.granted(w.id, answer);
    });
    this.queueOf(w.name).push(m);
    w.resolve(answer);
    this.wakeQueues();
  }

  /** Receives by msgrcv's rule: 0 the first, > 0 the first of that type, < 0 the first of the lowest type ≤ |type|. */
  receive(holder: Holder, name: string, type: number, wait: boolean, id: string | null = null, signal?: AbortSignal): Promise<Answer> {
    const r = this.get(name);
    if (r.kind !== 'queue') throw new ResourceError('usage', `${name} is a ${r.kind}, not a queue`);
    if (!Number.isInteger(type)) throw new ResourceError('usage', `message type must be a whole number, got ${type}`);
    return new Promise((resolve) => {
      const w: QueueWaiter & { name: string } = { id, holder, kind: 'recv', type, data: '', resolve, seq: ++this.seq, name };
      // A waiting receiver waits because nothing queued matches its type (wakeQueues serves it
      // the moment something does), so a message that matches this one is nobody's earlier claim:
      // take it at once, as msgrcv does, however many receivers of other types wait.
      const m = pick(this.queues.get(name) ?? [], type);
      if (m) return this.take(w, m);
      if (!wait) return resolve({ ok: false, code: 'no_message', message: `${name}: no message${type ? ` of type ${type < 0 ? `≤ ${-type}` : type}` : ''}` });
      this.qwaiters.push(w);
      signal?.addEventListener('abort', () => this.abandon(w));
    });
  }

  private take(w: QueueWaiter & { name: string }, m: Message): void {
    const q = this.queueOf(w.name);
    q.splice(q.indexOf(m), 1);
    const answer: Answer = { ok: true, message: m };
    this.persist.transaction(() => {
      this.persist.messageRemoved(w.name, m.id);
      if (w.id) this.persist.granted(w.id, answer);
    });
    w.resolve(answer);
    this.wakeQueues();
  }

  private finishQ(w: QueueWaiter, a: Answer): void {
    this.qwaiters = this.qwaiters.filter((x) => x !== w);
    w.resolve(a);
  }

  private abandon(w: QueueWaiter): void {
    if (!this.qwaiters.includes(w)) return;
    this.finishQ(w, { ok: false, code: 'gone', message: `${w.holder.label} stopped waiting` });
    this.wakeQueues();
  }

  private wakeQueues(): void {
    for (let progress = true; progress; ) {
      progress = false;
      for (const w of this.qwaiters) {
        const name = (w as QueueWaiter & { name: string }).name;
        if (!this.resources.has(name)) continue;
        if (w.kind === 'recv') {
          const m = pick(this.queues.get(name) ?? [], w.type);
          if (!m) continue;
          this.qwaiters = this.qwaiters.filter((x) => x !== w);
          this.take(w as QueueWaiter & { name: string }, m);
        } else {
          if (!this.fits(name, w.data)) continue;
          this.qwaiters = this.qwaiters.filter((x) => x !== w);
          this.deliver(w as QueueWaiter & { name: string; now: number });
        }
        progress = true;
        break;
      }
    }
  }

  /** Waiters per resource, for ipcs. */
  waiting(name: string): string[] {
    return this.waitingHolders(name).map((h) => h.label);
  }

  /** Who waits on a resource, in order. */
  waitingHolders(name: string): Holder[] {
    return [
      ...this.waiters.filter((w) => w.ops.some((o) => o.name === name)).map((w) => w.holder),
      ...this.qwaiters.filter((w) => (w as QueueWaiter & { name: string }).name === name).map((w) => w.holder),
    ];
  }
}

/** msgrcv's rule for which message a receive takes. */
export function pick(q: Message[], type: number): Message | null {
  if (type === 0) return q[0] ?? null;
  if (type > 0) return q.find((m) => m.type === type) ?? null;
  let best: Message | null = null;
  for (const m of q) if (m.type <= -type && (!best || m.type < best.type)) best = m;
  return best;
}

/** A deadlock in plain words, as PostgreSQL reports one. */
export function describeDeadlock(d: DeadlockFacts): string {
  return `deadlock: ${d.cycle.map((c) => `${c.holder} holds ${c.holds.join(', ') || 'nothing'}, waits for ${c.waitsFor.join(', ')}`).join('; ')}`;
}
