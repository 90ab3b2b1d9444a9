// `appinit history NAME`: the CPU and memory the daemon sampled for a program's jobs.
import type { HistoryView } from '../../client/index.js';
import { client, CliError, EXIT } from '../context.js';
import { table } from '../format/table.js';
import { localTime, sizeKb } from '../format/units.js';

/** Formats a history view: one table per job, oldest sample first. */
export function formatHistory(v: HistoryView): string {
  if (v.intervalMs === 0 && v.jobs.every((j) => j.samples.length === 0)) {
    return 'sampling is off (APPINIT_SAMPLE_MS=0 in the daemon\'s environment)\n';
  }
  const parts: string[] = [];
  for (const j of v.jobs) {
    const title = `${j.name} %${j.job}${j.pid != null ? ` (pid ${j.pid})` : ''}: ${j.samples.length} samples every ${v.intervalMs / 1000}s (last ${v.keep} kept)`;
    if (j.samples.length === 0) {
      parts.push(`${title}\nno samples yet\n`);
      continue;
    }
    const rows = j.samples.map((s) => [localTime(s.at), String(s.pids), s.cpu.toFixed(1), sizeKb(s.rssKb), sizeKb(s.vszKb)]);
    parts.push(`${title}\n${table(['TIME', 'PROCS', '%CPU', 'RSS', 'VSZ'], rows, ['PROCS', '%CPU', 'RSS', 'VSZ'])}\n`);
  }
  return parts.join('\n');
}

/** appinit history NAME [--json] [--limit N] (also what `status NAME --history` runs). */
export async function historyCommand(name: string | undefined, o: { json?: boolean; limit?: string } = {}): Promise<number> {
  if (!name) throw new CliError('status --history: name a program or a job (%N): the history is sampled per program', EXIT.usage);
  const limit = o.limit === undefined ? undefined : Number(o.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) throw new CliError(`history: --limit expects a whole number, got "${o.limit}"`, EXIT.usage);
  const c = await client();
  const v = await c.history(name, limit);
  process.stdout.write(o.json ? `${JSON.stringify(v, null, 2)}\n` : formatHistory(v));
  return EXIT.ok;
}
