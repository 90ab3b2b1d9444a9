// Applying a control file, the one sequence both `appinit up` (POST /v1/up) and `appinit daemon
// FILE` run: parse the whole document, make the file's System V objects (`ipc:`) before any
// program that names them starts, apply the programs, then the file's other top-level settings
// (`web:`). The file's own resources (`resources:`, coord) are checked first and created in the
// transaction that stores the programs. A failure anywhere before the programs are applied changes nothing.
import { parseControlDocument, type ControlDocument } from '../../config/load.js';
import type { Reader } from '../../config/read-file.js';
import { ConfigError, type ConfigIssue, type Program } from '../../config/program.js';
import { placeOf } from '../../config/places.js';
import { bindProblem, portOf } from '../../os/bind-probe.js';
import { prepareIpc, withIpcEnv } from '../../core/ipc/manager.js';
import { applyPrograms, type UpResult } from '../../core/supervisor/load.js';
import type { ApiContext } from '../routes.js';
import { declareResources } from '../resources/module.js';

/** How a control file is applied: the caller's uid, and whether only to report. */
export interface ApplyOptions {
  uid: number;
  /** The caller's group: the group of the resources the file creates. */
  gid?: number;
  dryRun?: boolean;
  /** Reads files the control file names (env_file), as the caller could. */
  reader?: Reader;
  /** Checks the parsed file against the caller and gives what to apply (throws ConfigError): api/owner.ts. */
  own?: (doc: ControlDocument) => ControlDocument;
}

// A `listen:` address no job of this daemon holds yet must be free now: one another process has
// taken is an error at its place, and nothing of the file is applied (before, `up` said "added,
// started" and the program was given up on at its start).
async function checkListenFree(ctx: ApiContext, programs: Program[]): Promise<void> {
  // By protocol and port: a job of ours holding tcp://127.0.0.1:8080 makes a bind of
  // tcp://*:8080 fail too, and that is no other process's.
  const port = (url: string) => portOf(url) ?? url;
  const held = new Set<string>();
  for (const j of ctx.sup.jobs.values()) for (const l of j.spec.listen ?? []) held.add(port(l.url));
  const issues: ConfigIssue[] = [];
  for (const p of programs) {
    for (const l of p.listen ?? []) {
      if (held.has(port(l.url))) continue;
      const why = await bindProblem(l.url);
      if (why) issues.push({ ...placeOf(p, 'listen'), path: `programs.${p.name}.listen`, message: `${l.url}: ${why}${why.startsWith('Address already') ? ' (another process listens there)' : ''}` });
    }
  }
  if (issues.length) throw new ConfigError(issues);
}

/** Parses and applies a control file's text; baseDir resolves its relative paths. */
export async function applyControlFile(ctx: ApiContext, text: string, file: string, baseDir: string, opts: ApplyOptions): Promise<UpResult> {
  const dryRun = opts.dryRun === true;
  const raw = parseControlDocument(text, file, baseDir, undefined, opts.reader ? { reader: opts.reader } : undefined);
  const parsed = opts.own ? opts.own(raw) : raw;
  const { ipc, resources, programs } = parsed;
  await checkListenFree(ctx, programs);
  const beforeStart = declareResources(ctx, resources, opts.uid, opts.gid ?? opts.uid);
  const objects = prepareIpc(ctx.db, ipc, programs, { dryRun, loader: opts.uid });
  const applied = await applyPrograms(ctx.sup, ctx.db, withIpcEnv(programs, objects.env), file, opts.uid, { dryRun, beforeStart })
    .catch((err: unknown) => { objects.rollback(); throw err; });
  objects.commit();
  // The file's `web:`. Only a file that has one is parsed again for it: a second parse of the
  // whole text cost as much as the first (290 ms of an `up` of 500 programs, issue 17).
  if (!dryRun && parsed.web) await ctx.services.web?.fromControlFile(text, baseDir, opts.uid);
  return applied;
}
