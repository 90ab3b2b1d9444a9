// Accounting: one record per ended process of a job, filtered by program, user, time range and
// exit status, with the `sa`-style summary (per command: calls, real, CPU, average memory).
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get, when } from './api.js';

interface Rec {
  pid: number; program: string | null; command: string; comm: string; uid: number | null; start: number | null; end: number; utime: number; stime: number;
  maxrss: number; exitCode: number | null; signal: number | null; core: boolean; flags: string; elapsed?: number | null; avgmem?: number | null;
}

function status(r: Rec): string {
  if (r.signal != null) return `signal ${r.signal}${r.core ? ' (core)' : ''}`;
  return `exit(${r.exitCode ?? 0})`;
}

function toSec(v: string): number | undefined {
  if (!v) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t / 1000;
}

/** The accounting view. */
export function Acct(props: { onError: (m: string) => void }) {
  const [recs, setRecs] = useState<Rec[]>([]);
  const [f, setF] = useState({ program: '', uid: '', since: '', until: '', exit: 'all' });
  const load = () => get<Rec[]>('acct', { program: f.program || undefined, uid: f.uid || undefined, since: toSec(f.since), until: toSec(f.until), limit: 2000 })
    .then(setRecs, (e: Error) => props.onError(`acct: ${e.message}`));
  useEffect(() => { load(); }, []);
  const set = (k: string) => (e: Event) => setF({ ...f, [k]: (e.target as HTMLInputElement).value });
  const shown = recs.filter((r) => f.exit === 'all' || (f.exit === 'ok' ? r.signal == null && (r.exitCode ?? 0) === 0 : !(r.signal == null && (r.exitCode ?? 0) === 0)));
  // sa: per command, calls, real time, CPU and average memory, the largest CPU first.
  const by = new Map<string, { calls: number; real: number; cpu: number; mem: number }>();
  for (const r of shown) {
    const s = by.get(r.comm) ?? { calls: 0, real: 0, cpu: 0, mem: 0 };
    s.calls++;
    s.real += r.elapsed ?? (r.start != null ? r.end - r.start : 0);
    s.cpu += r.utime + r.stime;
    s.mem += r.avgmem ?? r.maxrss;
    by.set(r.comm, s);
  }
  const summary = [...by.entries()].sort((a, b) => b[1].cpu - a[1].cpu);
  return html`<section>
    <div class="bar">
      <input placeholder="program" value=${f.program} onChange=${set('program')} />
      <input placeholder="uid" value=${f.uid} onChange=${set('uid')} size="5" />
      <label>since <input type="datetime-local" value=${f.since} onChange=${set('since')} /></label>
      <label>until <input type="datetime-local" value=${f.until} onChange=${set('until')} /></label>
      <select value=${f.exit} onChange=${set('exit')}><option value="all">any status</option><option value="ok">exit 0</option><option value="fail">failed</option></select>
      <button onClick=${load}>apply</button><span class="muted">${shown.length} records</span>
    </div>
    <h3>summary (sa)</h3>
    <table class="acct-summary"><thead><tr><th>command</th><th>calls</th><th>real s</th><th>cpu s</th><th>avg mem K</th></tr></thead>
    <tbody>${summary.map(([c, s]) => html`<tr><td>${c}</td><td>${s.calls}</td><td>${s.real.toFixed(2)}</td><td>${s.cpu.toFixed(2)}</td><td>${Math.round(s.mem / s.calls)}</td></tr>`)}</tbody></table>
    <h3>records</h3>
    <table class="acct"><thead><tr><th>end</th><th>program</th><th>pid</th><th>command</th><th>uid</th><th>real</th><th>user</th><th>sys</th><th>maxrss K</th><th>status</th><th>flags</th></tr></thead>
    <tbody>${shown.slice(-500).reverse().map((r) => html`<tr><td>${when(r.end * 1000)}</td><td>${r.program ?? ''}</td><td>${r.pid}</td><td class="cmd">${r.command}</td><td>${r.uid ?? ''}</td>
      <td>${(r.elapsed ?? (r.start != null ? r.end - r.start : 0)).toFixed(2)}</td><td>${r.utime.toFixed(2)}</td><td>${r.stime.toFixed(2)}</td><td>${r.maxrss}</td><td>${status(r)}</td><td>${r.flags}</td></tr>`)}</tbody></table>
  </section>`;
}
