// Logs in the API: read (streamed, merged by time), follow, flush, reopen; the maintainer that
// compresses and prunes rotated files; and the history that keeps finished runs' logs reachable.
import { lstatSync, truncateSync, unlinkSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type http from 'node:http';
import { CollectEmitter, NdjsonEmitter, TextEmitter, TooManyLines, type Emitter, type Sink } from '../../core/logs/emit.js';
import { streamFiles } from '../../core/logs/files.js';
import { historyBounds, LogHistory } from '../../core/logs/history.js';
import { LogMaintainer, type LogProblem } from '../../core/logs/maintain.js';
import { LogFollow, readLogs } from '../../core/logs/read.js';
import { validTimeZone } from '../../core/logs/stamp.js';
import { parseTimeArg } from '../../core/time-arg.js';
import type { Program } from '../../config/program.js';
import { LOGS_MIGRATIONS } from '../../store/logs.js';
import { ApiError, errorBody } from '../errors.js';
import type { Module } from '../modules.js';
import { DAEMON_UID, names, type ApiContext, type ApiRequest } from '../routes.js';
import { resolveSources, streamPaths, type Resolved } from './sources.js';

/** A follower stops buffering past this many bytes unread by its client, and counts what it skips. */
export const FOLLOW_BUFFER = 256 * 1024;
/** Bounds of one JSON answer (GET /v1/logs); larger reads are streamed (GET /v1/logs/read). */
export const JSON_MAX_LINES = 100_000;
export const JSON_MAX_BYTES = 32 << 20;

/** The logs module's services, in ctx.services under 'logs'. */
export interface LogsService {
  history: LogHistory;
  maintainer: LogMaintainer;
  stop(): Promise<void>;
}

const service = (ctx: ApiContext): LogsService => {
  const s = ctx.services.logs;
  if (!s) throw new ApiError(503, 'starting', 'the logs service is not started yet');
  return s;
};

/** Problems of log maintenance (compression, pruning) not yet resolved: for `status` and `logs`. */
export function logProblems(ctx: ApiContext, name?: string): LogProblem[] {
  return ctx.services.logs?.maintainer.problems(name) ?? [];
}

// Who asks: the kernel's word for it. Without one (not a Unix socket) the caller sees nothing.
const uidOf = (peer: { uid: number } | null): number => peer?.uid ?? -1;

interface Query {
  name: string | null;
  n: number | null;
  since: number | null;
  stream: 'stdout' | 'stderr' | undefined;
  tz: string | null;
}

function parseQuery(q: URLSearchParams, defaultN: number): Query {
  const since = q.get('since');
  const nText = q.get('n');
  let n: number | null = nText == null || nText === '' ? (since ? null : defaultN) : Number(nText);
  if (n != null && (!Number.isInteger(n) || n < 0)) throw new ApiError(400, 'usage', `n: expected a whole number, got "${nText}"`);
  if (n != null && n > Number.MAX_SAFE_INTEGER) n = null;
  let sinceMs: number | null = null;
  try {
    if (since) sinceMs = parseTimeArg(since, '--since') * 1000;
  } catch (err) {
    throw new ApiError(400, 'usage', (err as Error).message);
  }
  const s = q.get('stream');
  if (s != null && s !== '' && s !== 'stdout' && s !== 'stderr') throw new ApiError(400, 'usage', `stream: expected stdout or stderr, got "${s}"`);
  const tz = q.get('tz') || null;
  if (tz && !validTimeZone(tz)) throw new ApiError(400, 'usage', `tz: unknown time zone "${tz}"`);
  return { name: q.get('name') || null, n, since: sinceMs, stream: (s || undefined) as Query['stream'], tz };
}

// Resolves, and refuses --since where no line has a time (a named program), or leaves such
// programs out with a warning (every program).
function resolve(ctx: ApiContext, uid: number, q: Query): { r: Resolved; warnings: string[] } {
  const r = resolveSources(ctx, service(ctx).history, uid, q.name, q.stream);
  const warnings: string[] = [];
  if (q.since != null && r.unstamped.length) {
    if (q.name) throw new ApiError(400, 'no_timestamps', `${r.unstamped[0]}: its log has no timestamps (log.timestamps: none), so --since cannot select lines; use -n`);
    r.sources = r.sources.filter((s) => !r.unstamped.includes(s.name));
    warnings.push(`left out (log.timestamps: none, so --since cannot select lines): ${r.unstamped.join(', ')}`);
  }
  if (r.elsewhere?.length) warnings.push(...r.elsewhere);
  else if (q.name && r.sources.length === 0) warnings.push(`${r.names[0] ?? q.name}: no managed log${q.stream ? ` for ${q.stream}` : 's'} (its output goes to files or /dev/null)`);
  for (const p of logProblems(ctx)) if (r.names.includes(p.name)) warnings.push(`${p.name}: could not ${p.action} ${p.file}: ${p.error}`);
  return { r, warnings };
}

// A sink into an HTTP response: waits while the client is behind; stops when it has gone.
class Gone extends Error {}
function responseSink(res: http.ServerResponse): Sink {
  return (chunk) => {
    if (res.destroyed) throw new Gone();
    if (res.write(chunk)) return;
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        if (res.destroyed) reject(new Gone());
        else resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  };
}

function fail(res: http.ServerResponse, err: unknown): void {
  if (err instanceof Gone) return;
  if (res.headersSent) {
    process.stderr.write(`appinit: logs: ${(err as Error).stack ?? String(err)}\n`);
    res.destroy();
    return;
  }
  const e = err instanceof ApiError ? err : new ApiError(500, 'internal', 'reading the logs failed; see the daemon log');
  if (!(err instanceof ApiError)) process.stderr.write(`appinit: logs: ${(err as Error).stack ?? String(err)}\n`);
  // A newline after the body: a follow client reads lines, and this one is its error.
  const text = JSON.stringify(errorBody(e)) + '\n';
  res.writeHead(e.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

// In a header: bounded (an HTTP client refuses headers past 16 KB).
const warningHeader = (w: string[]) =>
  encodeURIComponent(JSON.stringify([...w.slice(0, 10).map((x) => (x.length > 300 ? x.slice(0, 297) + '...' : x)), ...(w.length > 10 ? [`and ${w.length - 10} more: GET /v1/logs/problems`] : [])]));

/** The logs module. */
export const logsModule: Module = {
  name: 'logs',
  migrations: LOGS_MIGRATIONS,

  routes: {
    // A bounded JSON answer, for the library's logs(); the CLI streams (GET /v1/logs/read).
    'GET /v1/logs': async (ctx, req) => {
      const q = parseQuery(req.query, 15);
      const { r, warnings } = resolve(ctx, uidOf(req.peer), q);
      const out = new CollectEmitter(JSON_MAX_LINES, JSON_MAX_BYTES);
      try {
        await readLogs(r.sources, { n: q.n, since: q.since }, out);
      } catch (err) {
        if (err instanceof TooManyLines) throw new ApiError(413, 'too_large', err.message);
        throw err;
      }
      return { lines: out.lines, warnings };
    },

    // Another user's programs' problems (their names and paths) are theirs: root sees all.
    'GET /v1/logs/problems': (ctx, req) => {
      const uid = uidOf(req.peer);
      if (uid === 0 || uid === DAEMON_UID) return { problems: logProblems(ctx) };
      const mine = new Set([...ctx.sup.jobs.values()].filter((j) => j.ownerUid === uid).map((j) => j.spec.name));
      return { problems: logProblems(ctx).filter((p) => mine.has(p.name)) };
    },

    'POST /v1/logs/flush': (ctx, req: ApiRequest) => {
      const uid = uidOf(req.peer);
      const done: string[] = [];
      // Every name is checked before anything is touched.
      const all = names(req.body).map((n) => resolveSources(ctx, service(ctx).history, uid, n));
      for (const r of all) {
        for (const src of r.sources) {
          ctx.sup.truncateLog(src.live);
          for (const f of streamFiles(src.live)) {
            const st = lstatSync(f, { throwIfNoEntry: false });
            if (!st?.isFile()) continue; // never through a symlink
            try {
              if (f === src.live) truncateSync(f, 0);
              else unlinkSync(f);
            } catch (err) {
              throw new ApiError(500, 'io', `could not empty ${f}: ${(err as Error).message}`);
            }
          }
        }
        for (const n of r.names) if (!done.includes(n)) done.push(n);
      }
      return { flushed: done };
    },

    'POST /v1/logs/reopen': (ctx) => {
      ctx.sup.reopenLogs();
      return { reopened: true };
    },
  },

  streams: {
    // The last lines (or those since a time), merged, streamed with back-pressure, then the end.
    // format=text (default): lines as `logs` shows them; format=ndjson: one LogLine per line.
    '/v1/logs/read': (ctx, req, res) => {
      const url = { searchParams: req.query };
      void (async () => {
        const q = parseQuery(url.searchParams, 15);
        const { r, warnings } = resolve(ctx, uidOf(req.peer), q);
        const format = url.searchParams.get('format') || 'text';
        // Asked before the answer starts: `format=json` was read as text, silently.
        if (format !== 'text' && format !== 'ndjson') throw new ApiError('usage', `format: expected text or ndjson, got ${JSON.stringify(format)}`);
        const ndjson = format === 'ndjson';
        res.writeHead(200, {
          'content-type': ndjson ? 'application/x-ndjson' : 'text/plain; charset=utf-8',
          'x-appinit-warnings': warningHeader(warnings),
        });
        const sink = responseSink(res);
        const out: Emitter = ndjson ? new NdjsonEmitter(null, sink) : new TextEmitter({ multi: q.name == null || q.name === 'all', tz: q.tz }, sink);
        await readLogs(r.sources, { n: q.n, since: q.since }, out);
        res.end();
      })().catch((err) => fail(res, err));
    },

    // NDJSON: the last n lines (default 0) or those since a time, then what follows, each with
    // the `text` logs shows. A slow client costs a bounded buffer; what it missed is counted.
    '/v1/logs/follow': (ctx, req, res, httpReq) => {
      const url = { searchParams: req.query };
      let follow: LogFollow | null = null;
      let closed = false;
      let unwatch = () => {};
      // On `down` (after the jobs' last lines): the answer ends whole, which the client reads as
      // the daemon stopping; a cut-off answer reads as a daemon gone (kill -9).
      const endWhole = () => { stop(); if (!res.destroyed && res.headersSent) res.end(); };
      const stop = () => {
        closed = true;
        follow?.close();
        unwatch();
        ctx.closing?.delete(endWhole);
      };
      ctx.closing?.add(endWhole);
      httpReq.on('close', stop);
      res.on('close', stop);
      void (async () => {
        const q = parseQuery(url.searchParams, 0);
        const { r, warnings } = resolve(ctx, uidOf(req.peer), q);
        res.writeHead(200, { 'content-type': 'application/x-ndjson', 'x-appinit-warnings': warningHeader(warnings) });
        // Sent now, not with the first line: a follower of a quiet program knows it is following
        // (the dashboard's view said "reconnecting" until the program wrote again).
        res.flushHeaders();
        const sink = responseSink(res);
        const show = { multi: q.name == null || q.name === 'all', tz: q.tz };
        const out = new NdjsonEmitter(show, sink);
        for (const w of warnings) out.object({ warning: w });
        const done = await readLogs(r.sources, { n: q.n, since: q.since }, out);
        if (closed) return;
        const f = follow = new LogFollow(r.sources, done.snapshots);
        if (show.multi) {
          // Every program's lines: a program added meanwhile (up, start) is followed from its job's
          // first change, before its first spawn, so none of its lines are missed.
          const uid = uidOf(req.peer);
          const known = new Set(r.names);
          const onChange = (c: { job: { spec: Program; ownerUid: number } }) => {
            const name = c.job.spec.name;
            if (known.has(name) || (uid !== 0 && c.job.ownerUid !== uid)) return;
            known.add(name);
            try {
              const more = resolveSources(ctx, service(ctx).history, uid, name, q.stream);
              for (const src of more.sources) if (!f.follows(src.live) && !(q.since != null && !src.stamped)) f.add(src);
            } catch { /* a name with no logs */ }
          };
          ctx.sup.on('change', onChange);
          unwatch = () => ctx.sup.off('change', onChange);
        }
        let missed = 0;
        const counter: Emitter = { line: () => {}, pending: () => 0, flush: () => {} };
        const live = new NdjsonEmitter(show, (chunk) => { if (!res.destroyed) res.write(chunk); });
        follow.start((emit) => {
          if (res.writableLength > FOLLOW_BUFFER) {
            missed += emit(counter);
            return;
          }
          if (missed > 0) {
            live.object({ missed });
            missed = 0;
          }
          emit(live);
          void live.flush();
        });
      })().catch((err) => fail(res, err));
    },
  },

  start(ctx) {
    const logsDir = ctx.spawnCtx.logsDir;
    const streamsOf = (p: Program): string[] => {
      try {
        return streamPaths(logsDir, p);
      } catch {
        return []; // a name that cannot be a directory has no logs to keep
      }
    };
    const maintainer = new LogMaintainer(streamsOf, (p) => {
      process.stderr.write(`appinit: logs: ${p.name}: could not ${p.action} ${p.file || 'its logs'}: ${p.error}\n`);
    });
    const history = new LogHistory(ctx.db, historyBounds());
    // Rotations that happened while the daemon was down are caught up now.
    for (const p of ctx.sup.programs()) void maintainer.schedule(p);
    // Noting runs inside the supervisor's transactions: a failure here must not undo a job change.
    const note = (spec: Program, uid: number) => {
      try {
        history.note(spec, uid);
      } catch (err) {
        process.stderr.write(`appinit: logs: could not remember ${spec.name}'s logs: ${(err as Error).message}\n`);
      }
    };
    for (const j of ctx.sup.jobs.values()) note(j.spec, j.ownerUid);
    const onChange = (c: { job: { spec: Program; ownerUid: number } }) => note(c.job.spec, c.job.ownerUid);
    const onHelper = (msg: Record<string, unknown>) => {
      if (msg.ev !== 'rotated' || typeof msg.file !== 'string') return;
      const name = basename(dirname(msg.file));
      const p = ctx.sup.programs().find((x) => x.name === name);
      if (p) void maintainer.schedule(p);
    };
    ctx.sup.on('change', onChange);
    ctx.sup.on('helper', onHelper);
    const s: LogsService = {
      history,
      maintainer,
      stop: async () => {
        ctx.sup.off('change', onChange);
        ctx.sup.off('helper', onHelper);
        await maintainer.idle();
      },
    };
    return s;
  },
};
