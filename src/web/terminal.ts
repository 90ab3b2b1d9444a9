// A terminal attached to a job (xterm.js: the terminal emulator VS Code uses; nothing smaller
// renders full-screen programs correctly). Keys go to the job over a WebSocket; the CLI's detach
// rule holds: Ctrl-\ then Ctrl-D leaves the job running.
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Terminal } from '@xterm/xterm';
import { wsUrl } from './api.js';
import type { Row } from './jobs.js';

/** The terminal view. */
export function Term(props: { rows: Row[]; initial: string }) {
  const el = useRef<HTMLDivElement>(null);
  const [id, setId] = useState(props.initial);
  const [status, setStatus] = useState('');
  const can = props.rows.filter((r) => r.attachable && r.pid != null);
  useEffect(() => {
    if (!el.current || !id) return;
    const term = new Terminal({ rows: 24, cols: 100, convertEol: false, fontSize: 13 });
    term.open(el.current);
    const ws = new WebSocket(wsUrl(`/ws/term?id=${encodeURIComponent(id)}&rows=${term.rows}&cols=${term.cols}`));
    ws.binaryType = 'arraybuffer';
    const enc = new TextEncoder();
    setStatus('attaching…');
    ws.onmessage = (e) => {
      if (typeof e.data === 'string') {
        const ev = JSON.parse(e.data) as { ev: string; status?: number; signal?: number };
        setStatus(ev.ev === 'attached' ? 'attached — Ctrl-\\ then Ctrl-D detaches' : ev.ev === 'exit' ? `the job ended (wait status ${ev.status})`
          : ev.ev === 'stopped' ? `the job stopped (signal ${ev.signal})` : ev.ev === 'detached' ? 'detached: the job keeps running' : 'connection lost');
        if (ev.ev === 'attached') term.focus();
      } else term.write(new Uint8Array(e.data as ArrayBuffer));
    };
    ws.onclose = (e) => { if (e.code !== 1000) setStatus(`closed${e.reason ? `: ${e.reason}` : ''}`); };
    const input = term.onData((d) => { if (ws.readyState === WebSocket.OPEN) ws.send(enc.encode(d)); });
    const resize = term.onResize(({ rows, cols }) => { if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ resize: { rows, cols } })); });
    return () => {
      input.dispose();
      resize.dispose();
      ws.close();
      term.dispose();
    };
  }, [id]);
  return html`<section>
    <div class="bar"><label>job <select value=${id} onChange=${(e: Event) => setId((e.target as HTMLSelectElement).value)}>
      <option value="">—</option>${can.map((r) => html`<option value=${String(r.id)}>%${r.job} ${r.name}</option>`)}</select></label>
      <span class="term-status muted">${status}</span></div>
    <div class="term" ref=${el}></div>
  </section>`;
}
