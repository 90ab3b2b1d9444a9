// The dashboard page: logs in with the token from the URL, opens the live job table's WebSocket,
// and shows one view at a time. Preact + htm: a 4 KB component library with no build-time JSX.
import { html } from 'htm/preact';
import { render, type FunctionComponent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { login, wsUrl, type Me } from './api.js';
import { Acct } from './acct.js';
import { Jobs, type Row } from './jobs.js';
import { Logs } from './logs.js';
import { Resources } from './resources.js';
import { Schedule } from './schedule.js';

// The charts (uPlot) and the terminal (xterm.js, most of the page's bytes) load when first
// opened: the table is on screen before they are fetched.
function later<P>(load: () => Promise<FunctionComponent<P>>): FunctionComponent<P> {
  let loaded: FunctionComponent<P> | null = null;
  return (props: P) => {
    const [C, setC] = useState<FunctionComponent<P> | null>(() => loaded);
    useEffect(() => {
      if (!C) void load().then((c) => { loaded = c; setC(() => c); });
    }, []);
    return C ? html`<${C} ...${props} />` : html`<p class="muted">loading…</p>`;
  };
}
const Charts = later(async () => (await import('./charts.js')).Charts);
const Term = later(async () => (await import('./terminal.js')).Term);

const VIEWS = ['jobs', 'logs', 'schedule', 'acct', 'charts', 'resources', 'terminal'] as const;
type View = (typeof VIEWS)[number];

function App(props: { me: Me }) {
  const [rows, setRows] = useState<Row[]>([]);
  const [tick, setTick] = useState(0);
  const [received, setReceived] = useState(Date.now());
  const [now, setNow] = useState(Date.now());
  // Uptimes age between pushes on the page's own clock (a re-render, not a request).
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const [live, setLive] = useState('connecting');
  const [view, setView] = useState<{ v: View; arg: string }>({ v: 'jobs', arg: '' });
  const [errors, setErrors] = useState<string[]>([]);
  const onError = (m: string) => setErrors((e) => [...e.slice(-4), m]);
  useEffect(() => {
    let ws: WebSocket | null = null;
    let closed = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const open = () => {
      ws = new WebSocket(wsUrl('/ws/live'));
      ws.onopen = () => setLive('live');
      ws.onmessage = (e) => {
        const m = JSON.parse(e.data as string) as { type: string; jobs: Row[] };
        if (m.type === 'jobs') {
          setRows(m.jobs);
          setReceived(Date.now());
          setTick((t) => t + 1);
        }
      };
      // The daemon went away (restart, down): reconnect with a pause, say so meanwhile.
      ws.onclose = () => { setLive('disconnected'); if (!closed) retry = setTimeout(open, 2000); };
    };
    open();
    return () => { closed = true; clearTimeout(retry); ws?.close(); };
  }, []);
  const names = [...new Set(rows.map((r) => r.name))];
  const open = (v: string, arg: string) => setView({ v: v as View, arg });
  let body;
  switch (view.v) {
    case 'jobs': body = html`<${Jobs} rows=${rows} age=${Math.max(0, (now - received) / 1000)} onError=${onError} open=${open} />`; break;
    case 'logs': body = html`<${Logs} names=${names} initial=${view.arg} />`; break;
    case 'schedule': body = html`<${Schedule} me=${props.me} rows=${rows} onError=${onError} />`; break;
    case 'acct': body = html`<${Acct} onError=${onError} />`; break;
    case 'charts': body = html`<${Charts} names=${names} initial=${view.arg} onError=${onError} />`; break;
    case 'resources': body = html`<${Resources} tick=${tick} onError=${onError} />`; break;
    case 'terminal': body = html`<${Term} rows=${rows} initial=${view.arg} />`; break;
  }
  return html`<header>
      <b>appinit</b>
      <nav>${VIEWS.map((v) => html`<button class=${view.v === v ? 'on' : ''} data-view=${v} onClick=${() => setView({ v, arg: '' })}>${v}</button>`)}</nav>
      <span class=${`live ${live}`}>${live}</span>
      <span class="me">${props.me.user} · ${props.me.role}${props.me.role === 'viewer' ? ' (read-only)' : ''}</span>
    </header>
    ${errors.length ? html`<div class="error errors">${errors.map((e) => html`<div>${e}</div>`)}<button onClick=${() => setErrors([])}>dismiss</button></div>` : ''}
    <main>${body}</main>`;
}

async function main(): Promise<void> {
  const root = document.getElementById('app')!;
  const me = await login();
  if (!me) {
    render(html`<main><h2>Not logged in</h2><p>Open the URL that <code>appinit web</code> prints (it carries the token).</p></main>`, root);
    return;
  }
  root.textContent = '';
  render(html`<${App} me=${me} />`, root);
}

void main();
