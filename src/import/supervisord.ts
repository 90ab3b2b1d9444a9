// supervisord [program:x] sections -> appinit programs, with supervisord's defaults where they
// differ from appinit's (autorestart=unexpected, startretries=3), %(...)s expansions done, and
// numprocs kept exact: one program per process when the processes differ, else instances.
import { hostname } from 'node:os';
import { splitCommand } from '../config/split.js';
import { parseSignal } from '../config/signals.js';
import type { Findings } from './findings.js';
import type { IniSection } from './ini.js';
import { bytes, ms, programName, type ProgramOut } from './program-out.js';

// Sections supervisord itself uses, not programs: nothing in them is a program setting.
const OWN_SECTIONS = /^(supervisord|supervisorctl|unix_http_server|inet_http_server|include|rpcinterface:.*|ctlplugin:.*)$/;
const WHY: Record<string, string> = {
  serverurl: 'appinit programs reach the daemon through APPINIT_HOME\'s socket',
  stdout_capture_maxbytes: 'supervisord\'s capture mode feeds event listeners, which appinit does not have',
  stderr_capture_maxbytes: 'supervisord\'s capture mode feeds event listeners, which appinit does not have',
  stdout_events_enabled: 'appinit has no event listeners; `appinit logs -f` follows output',
  stderr_events_enabled: 'appinit has no event listeners; `appinit logs -f` follows output',
  stdout_syslog: 'appinit does not send output to syslog',
  stderr_syslog: 'appinit does not send output to syslog',
};
const HANDLED = new Set([
  'command', 'process_name', 'numprocs', 'numprocs_start', 'priority', 'autostart', 'startsecs', 'startretries', 'autorestart',
  'exitcodes', 'stopsignal', 'stopwaitsecs', 'stopasgroup', 'killasgroup', 'user', 'redirect_stderr', 'stdout_logfile',
  'stdout_logfile_maxbytes', 'stdout_logfile_backups', 'stderr_logfile', 'stderr_logfile_maxbytes', 'stderr_logfile_backups',
  'environment', 'directory', 'umask',
]);

/** Maps every [program:x] to one program (or one per process), reporting what does not map. */
export function mapSupervisord(sections: IniSection[], f: Findings): Map<string, ProgramOut> {
  const out = new Map<string, ProgramOut>();
  const groupOf = new Map<string, { name: string; priority?: number }>();
  for (const s of sections) {
    const g = /^group:(.+)$/.exec(s.name);
    if (!g) continue;
    const members = s.values.get('programs')?.value.split(',').map((x) => x.trim()).filter(Boolean) ?? [];
    const prio = s.values.get('priority');
    for (const m of members) groupOf.set(m, { name: g[1], priority: prio ? Number(prio.value) : undefined });
    for (const [k, v] of s.values) if (k !== 'programs' && k !== 'priority') f.drop(v.file, v.line, `group:${g[1]}`, k, 'no appinit equivalent');
  }
  // Without directory=, a program runs where supervisord does: [supervisord] directory=, else "/"
  // (where a daemonized supervisord, the service, chdirs to).
  const home = sections.find((s) => s.name === 'supervisord')?.values.get('directory')?.value ?? '/';
  for (const s of sections) {
    const m = /^program:(.+)$/.exec(s.name);
    if (!m) {
      if (!OWN_SECTIONS.test(s.name) && !/^group:/.test(s.name)) {
        f.drop(s.file, s.line, '', `[${s.name}]`, /^eventlistener:/.test(s.name) ? 'appinit has no event listeners' : /^fcgi-program:/.test(s.name) ? 'appinit does not hold FastCGI sockets; use listen: with a program' : 'unknown section');
      }
      continue;
    }
    mapProgram(m[1], s, groupOf.get(m[1]), home, out, f);
  }
  return out;
}

function mapProgram(name: string, s: IniSection, group: { name: string; priority?: number } | undefined, home: string, out: Map<string, ProgramOut>, f: Findings): void {
  const v = (k: string) => s.values.get(k);
  const drop = (k: string, why: string) => f.drop(v(k)?.file ?? s.file, v(k)?.line ?? s.line, name, k, why);
  const note = (k: string, why: string) => f.note(v(k)?.file ?? s.file, v(k)?.line ?? s.line, name, k, why);
  for (const [k] of s.values) if (!HANDLED.has(k)) drop(k, WHY[k] ?? 'no appinit equivalent');
  const numprocs = Math.max(1, Number(v('numprocs')?.value ?? 1));
  const start = Number(v('numprocs_start')?.value ?? 0);
  // A process differs from its siblings when a setting names its number: then each is a program.
  const perProcess = numprocs > 1 && [...s.values].some(([k, x]) => k !== 'process_name' && /%\(process_num\)/.test(x.value));
  const groupName = group?.name ?? (numprocs > 1 ? name : undefined);
  for (let i = 0; i < (perProcess ? numprocs : 1); i++) {
    const vars = { program_name: name, process_num: start + i, group_name: groupName ?? name, host_node_name: hostname(), numprocs, here: s.here };
    const x = (k: string): string | undefined => {
      const val = v(k);
      if (!val) return undefined;
      try {
        return expand(val.value, vars);
      } catch (e) {
        drop(k, (e as Error).message);
        return undefined;
      }
    };
    const raw = perProcess ? x('process_name') ?? name : name;
    const { name: procName, changed } = programName(raw);
    if (changed) f.note(s.file, s.line, raw, 'name', `"${raw}" is not an appinit program name; written as "${procName}"`);
    const p: ProgramOut = { command: [] };
    const cmd = x('command');
    if (!cmd) drop('command', 'missing: supervisord needs a command');
    else {
      try { p.command = splitCommand(cmd); } catch (e) { drop('command', (e as Error).message); }
    }
    p.cwd = x('directory') ?? home;
    if (x('environment')) {
      try { p.env = keyValuePairs(x('environment')!); } catch (e) { drop('environment', (e as Error).message); }
    }
    if (x('user')) p.user = x('user');
    if (groupName) p.group = groupName;
    if (x('priority') ?? group?.priority) p.priority = Number(x('priority') ?? group?.priority);
    if (!perProcess && numprocs > 1) p.instances = numprocs;
    if (x('autostart')) p.autostart = truthy(x('autostart')!);
    restart(x, p, drop, note);
    stop(x, p, drop, (k) => v(k) != null);
    logs(x, p, drop);
    // supervisord opens a program's log files as root before it becomes `user`; appinit's child
    // opens them as that user (so it cannot write where the user may not): said, not found at `up`.
    if (p.user && p.user !== 'root') {
      for (const s of ['stdout', 'stderr'] as const) {
        const t = s === 'stdout' ? p.stdout : p.stderr;
        if (t && t.startsWith('>> ')) note(`${s}_logfile`, `appinit opens ${t.slice(3)} as ${p.user} (supervisord opens it as root): ${p.user} must be able to write it and its directory`);
      }
    }
    if (x('umask')) p.umask = x('umask')!.replace(/^0o/, '').padStart(3, '0');
    out.set(procName, p);
  }
  if (numprocs > 1 && !perProcess) note('numprocs', `${numprocs} instances of one program (appinit names them by instance, ${name} with APPINIT_INSTANCE 0..${numprocs - 1}), in group ${groupName}`);
  if (perProcess) note('numprocs', `one program per process (${numprocs}), as supervisord names them, in group ${groupName}`);
}

type X = (k: string) => string | undefined;
type Report = (k: string, why: string) => void;

function restart(x: X, p: ProgramOut, drop: Report, note: Report): void {
  const ar = (x('autorestart') ?? 'unexpected').toLowerCase();
  p.restart = ar === 'unexpected' ? 'on-failure' : truthy(ar) ? 'always' : 'never';
  if (x('exitcodes')) p.success_codes = x('exitcodes')!.split(',').map((c) => Number(c.trim()));
  // startretries: how many failed starts before FATAL (3 by default) — appinit's crash-loop limit.
  const retries = Number(x('startretries') ?? 3);
  if (Number.isInteger(retries) && retries >= 0) {
    p.crash_loop = { limit: retries };
    // Not the same count, and a migrated service must not be given up on by surprise: said.
    if (p.restart !== 'never') {
      note('startretries', `supervisord counts only starts that fail within startsecs; appinit's crash_loop counts every restart within its window (60s): a program that runs past startsecs and then crashes is restarted for ever by supervisord, and given up after ${retries} restarts within 60s here (raise crash_loop.limit for one that crashes often)`);
    }
  } else drop('startretries', `expected a whole number, got "${x('startretries')}"`);
  if (x('startsecs') != null) p.ready = ms(Number(x('startsecs')) * 1000);
}

function stop(x: X, p: ProgramOut, drop: Report, has: (k: string) => boolean): void {
  const sig = x('stopsignal');
  if (sig) {
    try { p.stop = { signal: parseSignal(sig.toUpperCase()).name.replace(/^SIG/, '') }; } catch (e) { drop('stopsignal', (e as Error).message); }
  }
  if (x('stopwaitsecs')) p.stop = { ...p.stop, timeout: ms(Number(x('stopwaitsecs')) * 1000) };
  // appinit always signals the whole job (its session), as stopasgroup=true/killasgroup=true do.
  for (const k of ['stopasgroup', 'killasgroup']) {
    if (has(k) && !truthy(x(k) ?? 'false')) drop(k, 'appinit always signals the whole job (its process group and adopted descendants), as with true');
  }
}

// stdout_logfile / stderr_logfile / redirect_stderr and their rotation settings.
function logs(x: X, p: ProgramOut, drop: Report): void {
  const target = (s: 'stdout' | 'stderr'): string | undefined => {
    const f = x(`${s}_logfile`);
    if (f == null || f.toUpperCase() === 'AUTO') return undefined;
    if (f.toUpperCase() === 'NONE') return '/dev/null';
    if (f === 'syslog') {
      drop(`${s}_logfile`, 'appinit does not send output to syslog; the managed log is used');
      return undefined;
    }
    return `>> ${f}`; // supervisord appends
  };
  p.stdout = target('stdout');
  if (truthy(x('redirect_stderr') ?? 'false')) {
    p.stderr = 'stdout';
    if (x('stderr_logfile')) drop('stderr_logfile', 'redirect_stderr=true sends stderr to stdout\'s log; this file is not used (as in supervisord)');
  } else p.stderr = target('stderr');
  for (const s of ['stdout', 'stderr'] as const) {
    const max = x(`${s}_logfile_maxbytes`);
    const keep = x(`${s}_logfile_backups`);
    if (max == null && keep == null) continue;
    const toFile = (s === 'stdout' ? p.stdout : p.stderr) != null && (s === 'stdout' ? p.stdout : p.stderr) !== 'stdout';
    if (toFile) {
      for (const k of [`${s}_logfile_maxbytes`, `${s}_logfile_backups`]) if (x(k) != null) drop(k, 'appinit rotates only its managed log, not a file named in stdout/stderr; use logrotate (copytruncate) for that file');
      continue;
    }
    p.log = { ...p.log };
    if (max != null) p.log.max_size = bytes(parseSupervisorBytes(max));
    if (keep != null) p.log.keep = Number(keep);
  }
}

// "50MB", "1KB", "1GB", "1024" as supervisord's byte_size reads them.
function parseSupervisorBytes(v: string): number {
  const m = /^(\d+)\s*(KB|MB|GB)?$/i.exec(v.trim());
  if (!m) throw new Error(`expected a size like 50MB, got "${v}"`);
  return Number(m[1]) * ({ KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }[(m[2] ?? '').toUpperCase()] ?? 1);
}

function truthy(v: string): boolean {
  return ['true', 'yes', 'on', '1'].includes(v.trim().toLowerCase());
}

/** Python %-formatting as supervisord applies it: %(name)s, %(process_num)02d, %(ENV_X)s, %%. */
export function expand(text: string, vars: Record<string, string | number>): string {
  return text.replace(/%(?:\((\w+)\)([-#0 +]*)(\d*)([sd])|%)/g, (all, key: string | undefined, flags: string, width: string, conv: string) => {
    if (all === '%%') return '%';
    const k = key!;
    let val: string | number | undefined = k.startsWith('ENV_') ? process.env[k.slice(4)] : vars[k];
    if (val === undefined) throw new Error(`%(${k})${conv}: no such expansion (supervisord knows program_name, process_num, group_name, host_node_name, numprocs, here, ENV_*)`);
    if (conv === 'd') val = String(Math.trunc(Number(val)));
    const s = String(val);
    const w = Number(width || 0);
    return s.length >= w ? s : flags.includes('-') ? s.padEnd(w) : s.padStart(w, flags.includes('0') && conv === 'd' ? '0' : ' ');
  });
}

/** supervisord's environment=: KEY="value",KEY2=value2 (quotes protect commas). */
export function keyValuePairs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  const t = text.replace(/\n/g, ' ');
  while (i < t.length) {
    while (t[i] === ' ' || t[i] === ',') i++;
    if (i >= t.length) break;
    const eq = t.indexOf('=', i);
    if (eq < 0) throw new Error(`expected KEY=value pairs separated by commas, got "${t.slice(i)}"`);
    const key = t.slice(i, eq).trim();
    i = eq + 1;
    let val = '';
    while (i < t.length && t[i] !== ',') {
      const q = t[i];
      if (q === '"' || q === "'") {
        const end = t.indexOf(q, i + 1);
        if (end < 0) throw new Error(`unterminated quote in environment value of ${key}`);
        val += t.slice(i + 1, end);
        i = end + 1;
      } else val += t[i++];
    }
    out[key] = val.trim();
  }
  return out;
}
