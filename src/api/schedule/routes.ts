// at, atq, atrm, crontab and the schedule list over the API. Who asks is the kernel's word
// (SO_PEERCRED): each user sees and changes only their own at jobs and crontab; root all.
import { AtParseError, AtPastError, CrontabError, parseCrontab, parsePosixTime, PosixTimeError, resolveAt, resolveZone } from '../../schedule/index.js';
import { renderAtScript, summary } from '../../core/scheduler/programs.js';
import type { Scheduler } from '../../core/scheduler/scheduler.js';
import { lookupUser } from '../../os/proc/index.js';
import type { AtRow } from '../../store/schedule.js';
import { ApiError } from '../errors.js';
import { envObject, nulPlace, text } from '../input.js';
import type { ApiContext, ApiRequest, RouteTable } from '../routes.js';
import { checkAllowed } from './allow.js';

/** One at job as atq shows it. */
export interface AtView {
  id: number;
  /** ms since the epoch */
  time: number;
  /** its queue letter, or "=" while it runs */
  queue: string;
  user: string;
  uid: number;
  command: string;
  spec: string;
}

/** An at job with its job file (at -c). */
export interface AtJobView extends AtView {
  script: string;
}

// The scheduler owns the at queue and the crontabs: every read and write goes through it.
function scheduler(ctx: ApiContext): Scheduler {
  const s = ctx.services.schedule;
  if (!s) throw new ApiError('unavailable', 'the scheduler is not running');
  return s;
}
const callerUid = (req: ApiRequest): number => req.peer.uid;
const callerGid = (req: ApiRequest): number => req.peer.gid;
const userName = (uid: number): string => lookupUser(uid)?.name ?? String(uid);

function atView(a: AtRow): AtView {
  return { id: a.id, time: a.runAt, queue: a.job != null ? '=' : a.queue, user: a.user, uid: a.uid, command: a.command, spec: a.spec };
}

// Another user's job reads as missing: its existence is not the caller's business.
function mine(req: ApiRequest, a: AtRow | null): a is AtRow {
  const uid = callerUid(req);
  return a != null && (uid === 0 || a.uid === uid);
}

function str(body: Record<string, unknown>, key: string, what: string): string {
  return text(body[key], key, what);
}

function ids(body: Record<string, unknown>): number[] {
  const v = body.ids;
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => Number.isInteger(x) && x > 0)) {
    throw new ApiError('usage', 'ids: expected a non-empty array of at job numbers');
  }
  return v as number[];
}

// The crontab a request is about: the caller's own, or with `user` (root only) another's.
function crontabOwner(req: ApiRequest, user: unknown): { uid: number; name: string } {
  const uid = callerUid(req);
  if (user == null || user === '') return { uid, name: userName(uid) };
  if (typeof user !== 'string') throw new ApiError('usage', 'user: expected a user name');
  const u = lookupUser(user);
  if (!u) throw new ApiError('unknown_user', `user "${user}" unknown`);
  if (u.uid !== uid && uid !== 0) throw new ApiError('forbidden', 'must be privileged to use -u');
  return { uid: u.uid, name: u.name };
}

/** The routes of the schedule module. */
export const scheduleRoutes: RouteTable = {
  'POST /v1/at': (ctx, req) => {
    checkAllowed(ctx, req, 'at');
    const b = req.body;
    // `t`: at -t's POSIX time ([[CC]YY]MMDDhhmm[.SS]) instead of a TIMESPEC; shown as `-t T`.
    const t = b.t == null ? null : String(b.t);
    const spec = t != null && b.spec == null ? `-t ${t}` : str(b, 'spec', 'a TIMESPEC like "now + 1 hour"');
    if (t != null && b.spec != null) throw new ApiError('usage', 'give spec (a TIMESPEC) or t (at -t), not both');
    const script = str(b, 'script', 'the commands to run');
    const cwd = str(b, 'cwd', 'the directory to run in');
    const queue = b.queue == null ? 'a' : String(b.queue);
    if (!/^[a-zA-Z]$/.test(queue)) throw new ApiError('usage', `queue: expected one letter a-z or A-Z, got "${queue}"`);
    const env = envObject(b.env);
    const umask = b.umask == null ? null : Number(b.umask);
    if (umask != null && !(Number.isInteger(umask) && umask >= 0 && umask <= 0o777)) throw new ApiError('usage', 'umask: expected 0 to 0777');
    let tz: string;
    let when: Date;
    try {
      tz = resolveZone(typeof b.tz === 'string' && b.tz ? b.tz : undefined);
      when = t != null ? parsePosixTime(t, new Date(), tz) : resolveAt(spec, new Date(), tz);
    } catch (e) {
      if (e instanceof PosixTimeError) throw new ApiError('at_garbled', e.message);
      if (e instanceof AtParseError) throw new ApiError('at_garbled', e.message, { column: e.column });
      if (e instanceof AtPastError) throw new ApiError('at_past', e.message);
      throw new ApiError('usage', (e as Error).message);
    }
    const uid = callerUid(req);
    const gid = callerGid(req);
    const job = renderAtScript({ uid, gid, umask, env, cwd, script });
    const row = scheduler(ctx).addAt({
      queue, uid, gid, user: userName(uid), runAt: when.getTime(), spec, tz, script: job, command: summary(script), cwd, env, umask,
    });
    return atView(row);
  },

  'GET /v1/at': (ctx, req) => {
    checkAllowed(ctx, req, 'at');
    return scheduler(ctx).atList().filter((a) => mine(req, a)).map(atView);
  },

  'GET /v1/at/job': (ctx, req) => {
    checkAllowed(ctx, req, 'at');
    const raw = req.query.get('id');
    if (raw == null || !/^\d+$/.test(raw)) throw new ApiError('usage', `id: expected an at job number (as atq lists it), got ${JSON.stringify(raw)}`);
    const id = Number(raw);
    const a = scheduler(ctx).atGet(id);
    if (!mine(req, a)) throw new ApiError('not_found', `cannot find job ${req.query.get('id')}`);
    return { ...atView(a), script: a.script } satisfies AtJobView;
  },

  'POST /v1/at/remove': (ctx, req) => {
    checkAllowed(ctx, req, 'at');
    return scheduler(ctx).removeAt(ids(req.body), (a) => callerUid(req) === 0 || a.uid === callerUid(req));
  },

  'GET /v1/crontab': (ctx, req) => {
    checkAllowed(ctx, req, 'cron');
    const who = crontabOwner(req, req.query.get('user'));
    const c = scheduler(ctx).crontab(who.uid);
    if (!c) throw new ApiError('no_crontab', `no crontab for ${who.name}`);
    return { user: who.name, uid: who.uid, text: c.text, installedAt: c.installedAt };
  },

  'POST /v1/crontab': (ctx, req) => {
    checkAllowed(ctx, req, 'cron');
    const who = crontabOwner(req, req.body.user);
    const file = typeof req.body.file === 'string' && req.body.file ? req.body.file : 'crontab';
    // A NUL byte is placed as cron's own errors are (crontab:2:16), before the text check.
    const nul = typeof req.body.text === 'string' ? nulPlace(req.body.text) : null;
    if (nul) throw new ApiError('crontab', `${file}:${nul}: a NUL byte is not allowed in a crontab (no command can be given one)`);
    const crontabText = str(req.body, 'text', 'the crontab text');
    let parsed;
    try {
      // Checked whole: one wrong line and nothing changes.
      parsed = parseCrontab(crontabText, file);
    } catch (e) {
      if (e instanceof CrontabError) throw new ApiError('crontab', e.message, e.issues);
      throw e;
    }
    scheduler(ctx).setCrontab({ uid: who.uid, user: who.name, text: crontabText });
    return { user: who.name, uid: who.uid, entries: parsed.entries.length, warnings: parsed.warnings };
  },

  'POST /v1/crontab/remove': (ctx, req) => {
    checkAllowed(ctx, req, 'cron');
    const who = crontabOwner(req, req.body.user);
    if (!scheduler(ctx).removeCrontab(who.uid)) throw new ApiError('no_crontab', `no crontab for ${who.name}`);
    return { user: who.name, removed: true };
  },

  'GET /v1/schedule': (ctx, req) => {
    const uid = callerUid(req);
    const all = scheduler(ctx).list();
    return uid === 0 ? all : all.filter((s) => s.uid === uid);
  },
};
