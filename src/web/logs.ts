// Logs: the live tail of one program or all of them interleaved (streamed from the daemon's
// follow endpoint, not polled), a search over what is shown, --since, and a download link.
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';

interface Line { text?: string; line?: string; name?: string; stream?: string; time?: number | null; missed?: number; warning?: string }

const KEEP = 5000; // lines kept on the page; the download has everything

/** The logs view. */
export function Logs(props: { names: string[]; initial: string }) {
  const [name, setName] = useState(props.initial || 'all');
  const [since, setSince] = useState('');
  const [search, setSearch] = useState('');
  const [lines, setLines] = useState<Line[]>([]);
  const [note, setNote] = useState('');
  const [live, setLive] = useState(true);
  const box = useRef<HTMLPreElement>(null);
  useEffect(() => {
    const ctl = new AbortController();
    setLines([]);
    setNote('');
    const q = new URLSearchParams({ name, n: since ? '' : '200', since });
    for (const k of [...q.keys()]) if (q.get(k) === '') q.delete(k);
    // The follow ends when the daemon does (a restart, a kill -9): it is opened again once the
    // dashboard answers, from just after the last line shown (it stopped for good, still saying
    // "live"). What came meanwhile is read from the log, not lost.
    (async () => {
      let last: number | null = null;
      let opened = false; // a follow was answered once: its end is the daemon's, not the request's fault
      for (let first = true; !ctl.signal.aborted; first = false) {
        const p = new URLSearchParams(q);
        if (!first) {
          p.delete('n');
          if (last != null) p.set('since', new Date(last + 1).toISOString());
          else p.set('n', '0');
        }
        try {
          const r = await fetch(`/api/v1/logs/follow?${p}`, { credentials: 'same-origin', signal: ctl.signal });
          if (!r.ok || !r.body) {
            const e = await r.json().catch(() => null) as { error?: { message: string } } | null;
            if (!opened || r.status < 500) return setNote(e?.error?.message ?? `HTTP ${r.status}`);
            throw new Error(`HTTP ${r.status}`);
          }
          opened = true;
          setLive(true);
          setNote('');
          const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
          let rest = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            rest += value;
            const parts = rest.split('\n');
            rest = parts.pop() ?? '';
            const got = parts.filter(Boolean).map((x) => JSON.parse(x) as Line);
            for (const l of got) if (l.time != null && (last == null || l.time > last)) last = l.time;
            if (got.length) setLines((old) => old.concat(got).slice(-KEEP));
          }
        } catch (e) {
          if (ctl.signal.aborted) return;
          if (!opened) return setNote((e as Error).message);
        }
        if (ctl.signal.aborted) return;
        setLive(false);
        await new Promise((res) => setTimeout(res, 2000));
      }
    })();
    return () => ctl.abort();
  }, [name, since]);
  useEffect(() => {
    const b = box.current;
    if (b) b.scrollTop = b.scrollHeight;
  }, [lines]);
  const shown = search ? lines.filter((l) => (l.text ?? l.line ?? '').includes(search)) : lines;
  const dl = new URLSearchParams({ name, format: 'text', n: since ? '100000000' : '100000000' });
  if (since) dl.set('since', since);
  return html`<section>
    <div class="bar">
      <label>program <select value=${name} onChange=${(e: Event) => setName((e.target as HTMLSelectElement).value)}>
        <option value="all">all (interleaved)</option>${props.names.map((n) => html`<option value=${n}>${n}</option>`)}</select></label>
      <label>since <input placeholder="-1h, 2026-12-01 10:00" value=${since} onChange=${(e: Event) => setSince((e.target as HTMLInputElement).value)} /></label>
      <label>search <input class="search" value=${search} onInput=${(e: Event) => setSearch((e.target as HTMLInputElement).value)} /></label>
      <a class="button" href=${`/api/v1/logs/read?${dl}`} download=${`${name}.log`}>download</a>
      <span class="muted">${shown.length} lines, ${live ? 'live' : 'reconnecting…'}</span>
    </div>
    ${note ? html`<div class="error">${note}</div>` : ''}
    <pre class="logs" ref=${box}>${shown.map((l) => l.missed != null ? html`<div class="muted">… ${l.missed} lines missed (too slow)</div>`
      : l.warning ? html`<div class="muted">${l.warning}</div>` : html`<div class=${l.stream === 'stderr' ? 'err' : ''}>${l.text ?? l.line}</div>`)}</pre>
  </section>`;
}
