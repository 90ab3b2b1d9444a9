// The job table, as the daemon pushes it (no polling), with start, stop, restart, signal, the
// process tree of a job, and links to its chart, logs and terminal.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { ago, get, kib, post, when } from './api.js';

/** A row of the live table (the daemon's LiveRow). */
export interface Row {
  id: number; name: string; job: number; instance: number; pid: number | null; state: string; suspended: boolean; uptime: number | null;
  restarts: number; user: string; command: string; lastExit: { text: string } | null; reason: string | null; tty: string | null;
  attachable: boolean; cpu: number | null; rssKb: number | null; endedAt: number | null;
}

interface Proc { pid: number; ppid: number; comm: string; cmdline: string[]; state: string; rss: number }
interface ProcsView { procs: Proc[]; owner: Record<string, number>; sys: { pageSize: number } }

const SIGNALS = ['HUP', 'INT', 'QUIT', 'KILL', 'USR1', 'USR2', 'TERM', 'CONT', 'STOP', 'TSTP', 'WINCH'];

function Tree(props: { job: Row }) {
  const [view, setView] = useState<ProcsView | null>(null);
  const [err, setErr] = useState('');
  if (!view && !err) get<ProcsView>('monitor/procs', { cmdline: 1 }).then(setView, (e: Error) => setErr(e.message));
  if (err) return html`<div class="error">${err}</div>`;
  if (!view) return html`<div class="muted">reading processes…</div>`;
  const mine = view.procs.filter((p) => view.owner[String(p.pid)] === props.job.job);
  const pids = new Set(mine.map((p) => p.pid));
  const kids = (pid: number) => mine.filter((p) => p.ppid === pid);
  // Roots: the leader, and adopted orphans whose parent is not in the job.
  const roots = mine.filter((p) => !pids.has(p.ppid));
  const node = (p: Proc): unknown => html`<li><code>${p.pid}</code> ${p.comm} <span class="muted">${p.cmdline.join(' ')}</span>
    ${p.pid !== props.job.pid ? html` <span class="tag">${p.ppid === props.job.pid || pids.has(p.ppid) ? '' : 'adopted'}</span>` : html` <span class="tag">leader</span>`}
    ${kids(p.pid).length ? html`<ul>${kids(p.pid).map(node)}</ul>` : ''}</li>`;
  return html`<ul class="tree" data-tree=${props.job.name}>${roots.length ? roots.map(node) : html`<li class="muted">no processes</li>`}</ul>`;
}

/** The jobs view. */
export function Jobs(props: { rows: Row[]; age: number; onError: (m: string) => void; open: (view: string, arg: string) => void }) {
  const [tree, setTree] = useState<number | null>(null);
  const [filter, setFilter] = useState('');
  const [sig, setSig] = useState('TERM');
  const act = (verb: string, r: Row) => {
    const p = verb === 'signal' ? post('signal', { names: [`%${r.job}`], signal: sig }) : post(verb, { names: [`%${r.job}`] });
    p.catch((e: Error) => props.onError(`${verb} ${r.name}: ${e.message}`));
  };
  const rows = filter ? props.rows.filter((r) => r.name.includes(filter) || r.command.includes(filter)) : props.rows;
  return html`<section>
    <div class="bar"><input placeholder="filter" value=${filter} onInput=${(e: Event) => setFilter((e.target as HTMLInputElement).value)} />
      <span class="muted">${props.rows.length} jobs</span>
      <label>signal <select value=${sig} onChange=${(e: Event) => setSig((e.target as HTMLSelectElement).value)}>${SIGNALS.map((s) => html`<option>${s}</option>`)}</select></label></div>
    <table class="jobs"><thead><tr><th>name</th><th>job</th><th>state</th><th>pid</th><th>uptime</th><th>restarts</th><th>user</th><th>cpu</th><th>mem</th><th>last end</th><th>command</th><th></th></tr></thead>
    <tbody>${rows.map((r) => html`<tr data-job=${r.name} key=${r.id}>
      <td>${r.name}</td><td>%${r.job}</td>
      <td class=${`state s-${r.state}`}>${r.state}${r.suspended ? ' (stopped)' : ''}${r.reason ? html` <span class="muted">${r.reason}</span>` : ''}</td>
      <td>${r.pid ?? ''}</td><td>${ago(r.uptime == null ? null : r.uptime + props.age)}</td><td>${r.restarts}</td><td>${r.user}</td>
      <td>${r.cpu == null ? '' : `${r.cpu.toFixed(1)}%`}</td><td>${kib(r.rssKb)}</td>
      <td title=${when(r.endedAt)}>${r.lastExit?.text ?? ''}</td><td class="cmd">${r.command}</td>
      <td class="actions">
        <button data-act="start" onClick=${() => act('start', r)}>start</button>
        <button data-act="stop" onClick=${() => act('stop', r)}>stop</button>
        <button data-act="restart" onClick=${() => act('restart', r)}>restart</button>
        <button data-act="signal" onClick=${() => act('signal', r)}>signal</button>
        <button data-act="tree" onClick=${() => setTree(tree === r.id ? null : r.id)}>tree</button>
        <button data-act="chart" onClick=${() => props.open('charts', r.name)}>chart</button>
        <button data-act="logs" onClick=${() => props.open('logs', r.name)}>logs</button>
        ${r.attachable && r.pid != null ? html`<button data-act="attach" onClick=${() => props.open('terminal', String(r.id))}>terminal</button>` : ''}
      </td></tr>
      ${tree === r.id ? html`<tr class="treerow"><td colspan="12"><${Tree} job=${r} /></td></tr>` : ''}`)}</tbody></table>
  </section>`;
}
