// Who is asking, as a holder: the job the calling process runs in (found from the kernel's peer
// pid by walking up its parents), or else that process itself (pid and start time).
import type { Holder } from '../../core/resources/manager.js';
import type { Job } from '../../core/supervisor/runtime.js';
import { statSync } from 'node:fs';
import { withDescendants } from '../../os/proc/children.js';
import { isSameProcess, processIdentity, type ProcessIdentity } from '../../os/proc/identity.js';
import { parseStat } from '../../os/proc/parse-process.js';
import { readText } from '../../os/proc/read-file.js';

function stat(pid: number): { ppid: number; sid: number; comm: string; start: number } | null {
  const t = readText(`/proc/${pid}/stat`);
  const s = t == null ? null : parseStat(t);
  return s ? { ppid: s.ppid, sid: s.sid, comm: s.comm, start: s.startTime } : null;
}

// A process's user (its /proc directory is its effective uid's).
function ownerOf(pid: number): number | undefined {
  try { return statSync(`/proc/${pid}`).uid; } catch { return undefined; }
}

/** The job a process belongs to: its own, or an ancestor's, or its session leader's. */
export function jobOfPid(pid: number, jobs: Iterable<Job>): Job | null {
  const byPid = new Map<number, Job>();
  for (const j of jobs) {
    if (j.pid != null) byPid.set(j.pid, j);
    for (const o of j.others) byPid.set(o, j);
  }
  let p = pid;
  for (let depth = 0; depth < 64 && p > 1; depth++) {
    const j = byPid.get(p);
    if (j) return j;
    const s = stat(p);
    if (!s) return null;
    const bySession = byPid.get(s.sid);
    if (bySession && bySession.pid === s.sid) return bySession;
    p = s.ppid;
  }
  return null;
}

// Callers found recently, by pid: a program that locks in a loop is found by one read of its
// stat (same start time: the same process) instead of a walk up its parents and over every job.
// Kept a second, so a process that leaves its job (setsid, a new parent) is soon seen as such.
const recent = new Map<number, { start: number; at: number; holder: Holder }>();
const RECENT_MS = 1000;

// The same, by connection (the caller's credentials object, one per connection): no read at all.
const byConnection = new WeakMap<object, { at: number; holder: Holder }>();

/** The holder for a caller: its job, or the process itself. Null when the process is gone.
 *  `conn`: an object that stands for the caller's connection (its pid cannot change on it). */
export function holderOf(pid: number, jobs: Iterable<Job>, conn?: object): Holder | null {
  const known = conn && byConnection.get(conn);
  if (known && Date.now() - known.at < RECENT_MS) return known.holder;
  const h = findHolder(pid, jobs);
  if (h && conn) byConnection.set(conn, { at: Date.now(), holder: h });
  return h;
}

function findHolder(pid: number, jobs: Iterable<Job>): Holder | null {
  const s = stat(pid);
  if (!s) return null;
  const now = Date.now();
  const hit = recent.get(pid);
  if (hit && hit.start === s.start && now - hit.at < RECENT_MS) return hit.holder;
  const job = jobOfPid(pid, jobs);
  const holder: Holder = job ? { key: `job:${job.id}`, job: job.id, pid, label: `job ${job.spec.name} (pid ${pid})`, uid: job.ownerUid }
    : familyHolder(pid) ?? { key: `pid:${pid}:${s.start}`, job: null, pid, label: `pid ${pid} (${s.comm})`, uid: ownerOf(pid) };
  if (recent.size > 1024) recent.clear();
  recent.set(pid, { start: s.start, at: now, holder });
  return holder;
}

// Processes a process holder handed what it holds to, as flock(1)'s command inherits its lock:
// `appinit lock NAME -- CMD` adopts CMD, so a kill -9 of the appinit process leaves NAME held
// until CMD (and whatever CMD started) has ended too. Only adopted processes count: a library
// user's children do not inherit its locks (Node opens descriptors close-on-exec).
const family = new Map<string, ProcessIdentity[]>();

/** Adds a child of the caller to its process holder's family; returns the family, or null when it is not the caller's child. */
export function adopt(key: string, callerPid: number, pid: number): ProcessIdentity[] | null {
  const s = stat(pid);
  const id = processIdentity(pid);
  if (!s || !id || s.ppid !== callerPid || !/^pid:/.test(key)) return null;
  const all = [...(family.get(key) ?? []), id];
  family.set(key, all);
  return all;
}

// A process started by what a process holder adopted (`appinit lock A -- sh -c '... appinit lock
// B ...'`: the inner lock's process, under the outer's CMD) asks as that holder, as a job's
// processes ask as their job: the outer holds A and waits, through its CMD, for B. As two holders
// the wait-for graph had no edge from A's holder to B, and two such nestings in opposite order
// hung for ever while `deadlock` said there was none. The asker itself counts too: a CMD that
// execs the inner lock (`sh -c '...; exec appinit lock B ...'`) is the adopted pid, and so was
// missed (its parent is the outer holder), and the same nesting hung again.
function familyHolder(pid: number): Holder | null {
  if (family.size === 0) return null;
  const owner = new Map<number, { key: string; start: number }>();
  for (const [key, ids] of family) for (const id of ids) owner.set(id.pid, { key, start: id.startTime });
  let p = pid;
  for (let depth = 0; depth < 64 && p > 1; depth++) {
    const s = stat(p);
    if (!s) return null;
    const o = owner.get(p);
    if (o && o.start === s.start) {
      const m = /^pid:(\d+):/.exec(o.key)!;
      const holderPid = Number(m[1]);
      return { key: o.key, job: null, pid: holderPid, label: `pid ${holderPid} (${stat(holderPid)?.comm ?? 'ended'})`, uid: ownerOf(p) };
    }
    p = s.ppid;
  }
  return null;
}

/** A family known before (from the store, after a daemon restart). */
export function restoreFamily(key: string, ids: ProcessIdentity[]): void {
  if (ids.length) family.set(key, ids);
}

// The adopted processes that still live, with what they started since (looked at each sweep).
function liveFamily(key: string): ProcessIdentity[] {
  const live = (family.get(key) ?? []).filter(isSameProcess);
  const known = new Set(live.map((p) => p.pid));
  for (const pid of withDescendants(live.map((p) => p.pid))) {
    if (known.has(pid)) continue;
    const id = processIdentity(pid);
    if (id) live.push(id);
  }
  if (live.length) family.set(key, live);
  else family.delete(key);
  return live;
}

/** Forgets the families of holders that no longer hold anything. */
export function forgetFamilies(holding: Set<string>): void {
  for (const key of family.keys()) if (!holding.has(key)) family.delete(key);
}

/** True while a process holder's process lives (same pid, same start time), or a process it adopted. */
export function processHolderAlive(key: string): boolean {
  const m = /^pid:(\d+):(\d+)$/.exec(key);
  if (!m) return true;
  const s = stat(Number(m[1]));
  if (s != null && s.start === Number(m[2])) {
    if (family.has(key)) liveFamily(key); // follow what CMD starts while the holder still lives
    return true;
  }
  return liveFamily(key).length > 0;
}
