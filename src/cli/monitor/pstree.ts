// `appinit pstree [PID|NAME]`: process trees in psmisc's compact notation, jobs marked `(%N)`.
// The helper is the real parent of every job and of the orphans it adopted; the drawing puts
// each adopted orphan under its job's leader (or, once the leader has ended, under a node
// standing for the job), marked `(adopted)`.
import { jobForest } from '../../core/monitor/jobs.js';
import { formatPstree, type PstreeOptions } from '../../cli/report/index.js';
import type { ProcInfo } from '../../os/proc/types.js';
import { readThreads } from '../../os/proc/process.js';
import { client, CliError, EXIT } from '../context.js';

/** Options of `appinit pstree`. */
export interface PstreeCommandOptions {
  unicode?: boolean;
  long?: boolean;
  threads?: boolean;
  json?: boolean;
  /** -p: pids (and tids) in parentheses, as psmisc. */
  showPids?: boolean;
}

/** A tree for --json. */
export interface TreeNode {
  pid: number;
  comm: string;
  threads: number;
  mark?: string;
  children: TreeNode[];
}

function jsonTree(procs: readonly ProcInfo[], root: number, marks: ReadonlyMap<number, string>): TreeNode | null {
  const nodes = new Map<number, TreeNode>();
  for (const p of procs) {
    const n: TreeNode = { pid: p.pid, comm: p.comm, threads: p.numThreads, children: [] };
    const m = marks.get(p.pid);
    if (m !== undefined) n.mark = m;
    nodes.set(p.pid, n);
  }
  for (const p of procs) if (p.pid !== root && p.ppid !== p.pid) nodes.get(p.ppid)?.children.push(nodes.get(p.pid) as TreeNode);
  return nodes.get(root) ?? null;
}

/** appinit pstree [PID|NAME] [-U] [-l] [-T] [--json] */
export async function pstreeCommand(target: string | undefined, o: PstreeCommandOptions): Promise<number> {
  const c = await client();
  const v = await c.procs({ all: true, cmdline: false });
  const forest = jobForest(v.procs, v.jobs, v.helperPid);
  let roots: number[];
  if (target === undefined) {
    // Every job hangs off the helper; without it (it is restarting) draw each job alone.
    roots = forest.procs.some((p) => p.pid === v.helperPid) ? [v.helperPid] : [...forest.roots.values()];
  } else if (/^\d+$/.test(target)) {
    roots = [Number(target)];
    if (!forest.procs.some((p) => p.pid === roots[0])) throw new CliError(`pstree: no process ${target}`);
  } else {
    const n = target.replace(/^%/, '');
    const jobs = v.jobs.filter((j) => j.name === target || String(j.job) === n);
    roots = jobs.map((j) => forest.roots.get(j.job)).filter((r): r is number => r !== undefined);
    if (roots.length === 0) throw new CliError(`pstree: no running job named "${target}"; see appinit status`);
  }
  if (o.json) {
    process.stdout.write(`${JSON.stringify(roots.map((r) => jsonTree(forest.procs, r, forest.marks)), null, 2)}\n`);
    return EXIT.ok;
  }
  const opts: PstreeOptions = {
    symbols: o.unicode ? 'unicode' : 'ascii',
    width: o.long ? Infinity : process.stdout.isTTY ? process.stdout.columns : 132,
    threads: o.threads !== false,
    pids: o.showPids === true,
  };
  // Thread ids are read here, on the machine the daemon reads (the daemon's view has none).
  if (opts.pids && opts.threads) for (const p of forest.procs) if (p.numThreads > 1) p.threads = readThreads(p.pid);
  process.stdout.write(roots.map((r) => formatPstree(forest.procs, r, forest.marks, opts)).join('')); // one write (| head -1: status 0)
  return EXIT.ok;
}
