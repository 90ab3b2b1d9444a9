// The appinit control file an import writes: programs in the YAML form README documents, keys
// in the order a person reads them, durations and sizes in human units.
import { stringify } from 'yaml';

/** One program as it is written to the control file (YAML keys, already in appinit's units). */
export interface ProgramOut {
  command: string[];
  cwd?: string;
  env?: Record<string, string>;
  user?: string;
  group?: string;
  priority?: number;
  instances?: number;
  autostart?: boolean;
  restart?: 'always' | 'on-failure' | 'never';
  success_codes?: number[];
  ready?: string;
  backoff?: { initial?: string; factor?: number; max?: string; reset?: string };
  crash_loop?: { limit?: number; window?: string };
  stop?: { signal?: string; timeout?: string };
  umask?: string;
  stdout?: string;
  stderr?: string;
  log?: { timestamps?: 'iso'; max_size?: string; keep?: number };
  cron?: string;
  max_memory?: string;
  watch?: string[];
}

/** "1600ms", "3s", "2m": the shortest exact way to write a duration the control file reads. */
export function ms(n: number): string {
  if (n > 0 && n % 60_000 === 0) return `${n / 60_000}m`;
  if (n > 0 && n % 1000 === 0) return `${n / 1000}s`;
  return `${Math.round(n)}ms`;
}

/** "50MB", "1KB", "123B": sizes the control file reads. */
export function bytes(n: number): string {
  if (n > 0 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)}MB`;
  if (n > 0 && n % 1024 === 0) return `${n / 1024}KB`;
  return `${n}B`;
}

/** The control file's text: a header saying where it came from, then `programs:`. */
export function renderControlFile(source: string, kind: string, programs: Map<string, ProgramOut>): string {
  const doc = { programs: Object.fromEntries([...programs].map(([name, p]) => [name, drop(p)])) };
  const head = `# Imported from ${source} by \`appinit import ${kind}\`.\n# Load it with: appinit up FILE\n`;
  return head + stringify(doc, { lineWidth: 0 });
}

// Leaves out undefined values and empty objects, so the file holds only what was said.
function drop<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const inner = drop(v as object);
      if (Object.keys(inner).length) out[k] = inner;
    } else out[k] = v;
  }
  return out as T;
}

/** A valid appinit program name for `raw` (PM2 allows spaces, supervisord ":"), and whether it changed. */
export function programName(raw: string): { name: string; changed: boolean } {
  let name = raw.replace(/[^A-Za-z0-9_.@+-]/g, '-').replace(/^[-.]+/, '').slice(0, 64);
  if (name === '' || name === 'all') name = `${name || 'program'}-1`;
  return { name, changed: name !== raw };
}
