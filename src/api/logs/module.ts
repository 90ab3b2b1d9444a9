// Logs in the API: read across rotations, follow with a bounded buffer, flush, reopen;
// and the maintainer that compresses and prunes rotated files.
import { unlinkSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { Follower, streamFiles } from '../../core/logs/files.js';
import { LogMaintainer } from '../../core/logs/maintain.js';
import { lineTime, readLogs, streamPaths } from '../../core/logs/read.js';
import { parseTimeArg } from '../../core/time-arg.js';
import type { Program } from '../../config/program.js';
import { ApiError, errorBody } from '../errors.js';
import { send } from '../http.js';
import type { Module } from '../modules.js';
import { names, select, visible, type ApiContext, type ApiRequest } from '../routes.js';

/** A follower stops buffering past this many bytes unread by its client, and counts what it skips. */
export const FOLLOW_BUFFER = 256 * 1024;

function programsOf(ctx: ApiContext, req: ApiRequest, name: string | null): Program[] {
  if (!name) {
    const mine = new Set(visible(ctx, req, [...ctx.sup.jobs.values()]).map((j) => j.spec.name));
    return ctx.sup.programs().filter((p) => mine.has(p.name));
  }
  return [select(ctx, req, [name])[0].spec];
}

function stream(v: string | null): 'stdout' | 'stderr' | undefined {
  if (v == null || v === '') return undefined;
  if (v !== 'stdout' && v !== 'stderr') throw new ApiError(400, 'usage', `stream: expected stdout or stderr, got "${v}"`);
  return v;
}

/** The logs module. */
export const logsModule: Module = {
  name: 'logs',

  routes: {
    'GET /v1/logs': (ctx, req) => {
      const q = req.query;
      const n = Number(q.get('n') ?? 15);
      if (!Number.isInteger(n) || n < 0) throw new ApiError(400, 'usage', `n: expected a whole number, got "${q.get('n')}"`);
      let since: number | undefined;
      try {
        since = q.get('since') ? parseTimeArg(q.get('since')!, '--since') * 1000 : undefined;
      } catch (err) {
        throw new ApiError(400, 'usage', (err as Error).message);
      }
      return { lines: readLogs(ctx.spawnCtx.logsDir, programsOf(ctx, req, q.get('name')), { n, since, stream: stream(q.get('stream')) }) };
    },

    'POST /v1/logs/flush': (ctx, req) => {
      const jobs = select(ctx, req, names(req.body));
      const done = new Set<string>();
      for (const j of jobs) {
        if (done.has(j.spec.name)) continue;
        done.add(j.spec.name);
        for (const { file } of streamPaths(ctx.spawnCtx.logsDir, j.spec)) {
          ctx.sup.truncateLog(file);
          for (const f of streamFiles(file)) if (f !== file) try { unlinkSync(f); } catch { /* gone */ }
        }
      }
      return { flushed: [...done] };
    },

    'POST /v1/logs/reopen': (ctx) => {
      ctx.sup.reopenLogs();
      return { reopened: true };
    },
  },

  streams: {
    // NDJSON, one line per log line, until the client goes away. Followers read the files, so
    // a slow client costs a bounded buffer; what it could not take is counted and reported.
    '/v1/logs/follow': (ctx, req, res, httpReq) => {
      const url = { searchParams: req.query };
      let programs: Program[];
      try {
        programs = programsOf(ctx, req, url.searchParams.get('name'));
      } catch (err) {
        const e = err instanceof ApiError ? err : new ApiError(400, 'usage', String(err));
        return send(res, e.status, errorBody(e));
      }
      const which = url.searchParams.get('stream');
      const backlog = Math.max(0, Number(url.searchParams.get('n') ?? 0) || 0);
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      let missed = 0;
      const followers: Follower[] = [];
      for (const p of programs) {
        for (const { stream: s, file } of streamPaths(ctx.spawnCtx.logsDir, p)) {
          if (which && which !== s) continue;
          followers.push(new Follower(file, (lines) => {
            if (res.writableLength > FOLLOW_BUFFER) {
              missed += lines.length;
              return;
            }
            let out = '';
            if (missed > 0) {
              out += JSON.stringify({ missed }) + '\n';
              missed = 0;
            }
            for (const line of lines) out += JSON.stringify({ name: p.name, stream: s, line, time: lineTime(line, p.log.timestamps) }) + '\n';
            res.write(out);
          }, backlog));
        }
      }
      const stop = () => followers.forEach((f) => f.close());
      httpReq.on('close', stop);
      res.on('close', stop);
    },
  },

  start(ctx) {
    const maintainer = new LogMaintainer(ctx.spawnCtx.logsDir);
    // Rotations that happened while the daemon was down are caught up now.
    for (const p of ctx.sup.programs()) void maintainer.schedule(p);
    const onHelper = (msg: Record<string, unknown>) => {
      if (msg.ev !== 'rotated' || typeof msg.file !== 'string') return;
      const name = basename(dirname(msg.file));
      const p = ctx.sup.programs().find((x) => x.name === name);
      if (p) void maintainer.schedule(p);
    };
    ctx.sup.on('helper', onHelper);
    return {
      stop: async () => {
        ctx.sup.off('helper', onHelper);
        await maintainer.idle();
      },
    };
  },
};
