// Schedules: the at queue (add, remove), the crontab (view, edit, checked whole by the daemon
// with file:line:col errors), and every schedule's next and last run with its status.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiFailure, get, post, when, type Me } from './api.js';
import type { Row } from './jobs.js';

interface At { id: number; time: number; queue: string; user: string; command: string; spec: string }
interface Sched { source: string; kind: string; name: string; schedule: string; next: number | null; last: number | null; jobs: number[] }

/** The schedule view. */
export function Schedule(props: { me: Me; rows: Row[]; onError: (m: string) => void }) {
  const [atq, setAtq] = useState<At[]>([]);
  const [scheds, setScheds] = useState<Sched[]>([]);
  const [spec, setSpec] = useState('now + 1 hour');
  const [cmd, setCmd] = useState('');
  const [tab, setTab] = useState('');
  const [tabErr, setTabErr] = useState<string[]>([]);
  const [saved, setSaved] = useState('');
  const load = () => {
    get<At[]>('at').then(setAtq, (e: Error) => props.onError(e.message));
    get<Sched[]>('schedule').then(setScheds, (e: Error) => props.onError(e.message));
  };
  useEffect(() => {
    load();
    get<{ text: string }>('crontab').then((c) => setTab(c.text), () => setTab(''));
  }, []);
  const add = (e: Event) => {
    e.preventDefault();
    post<At>('at', { spec, script: cmd + '\n', cwd: props.me.home, env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: props.me.home, LOGNAME: props.me.user } })
      .then(() => { setCmd(''); load(); }, (err: Error) => props.onError(`at: ${err.message}`));
  };
  const remove = (id: number) => post('at/remove', { ids: [id] }).then(load, (err: Error) => props.onError(`atrm ${id}: ${err.message}`));
  const saveTab = () => post<{ entries: number; warnings: string[] }>('crontab', { text: tab }).then((r) => {
    setTabErr(r.warnings ?? []);
    setSaved(`installed: ${r.entries} entries`);
    load();
  }, (err: unknown) => {
    setSaved('');
    setTabErr(err instanceof ApiFailure && Array.isArray(err.details) ? (err.details as string[]) : [(err as Error).message]);
  });
  const status = (nums: number[]) => nums.map((n) => props.rows.find((r) => r.job === n)).filter(Boolean).map((r) => `${r!.state}${r!.lastExit ? ` ${r!.lastExit.text}` : ''}`).join(', ');
  return html`<section class="cols">
    <div>
      <h3>at queue</h3>
      <form class="bar" onSubmit=${add}>
        <input class="at-spec" value=${spec} onInput=${(e: Event) => setSpec((e.target as HTMLInputElement).value)} title="TIMESPEC, as at(1)" />
        <input class="at-cmd" placeholder="command" value=${cmd} onInput=${(e: Event) => setCmd((e.target as HTMLInputElement).value)} />
        <button type="submit">add</button>
      </form>
      <table class="atq"><thead><tr><th>id</th><th>time</th><th>queue</th><th>user</th><th>command</th><th></th></tr></thead>
      <tbody>${atq.map((a) => html`<tr data-at=${a.id}><td>${a.id}</td><td>${when(a.time)}</td><td>${a.queue}</td><td>${a.user}</td><td>${a.command}</td>
        <td><button onClick=${() => remove(a.id)}>remove</button></td></tr>`)}</tbody></table>
      <h3>schedules</h3>
      <table><thead><tr><th>source</th><th>schedule</th><th>next</th><th>last</th><th>last status</th></tr></thead>
      <tbody>${scheds.map((s) => html`<tr><td>${s.name}</td><td><code>${s.schedule}</code></td><td>${when(s.next)}</td><td>${when(s.last)}</td><td>${status(s.jobs)}</td></tr>`)}</tbody></table>
    </div>
    <div>
      <h3>crontab (${props.me.user})</h3>
      <textarea class="crontab" rows="12" value=${tab} onInput=${(e: Event) => setTab((e.target as HTMLTextAreaElement).value)}></textarea>
      <div class="bar"><button class="crontab-save" onClick=${saveTab}>check and install</button><span class="muted">${saved}</span></div>
      ${tabErr.length ? html`<pre class="error crontab-errors">${tabErr.join('\n')}</pre>` : ''}
    </div>
  </section>`;
}
