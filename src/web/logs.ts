// Logs: the live tail of one program or all of them interleaved (streamed from the daemon's
// follow endpoint, not polled), a search over what is shown, --since, and a download link.
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';

interface Line { text?: string; line?: string; name?: string; stream?: string; missed?: number; warning?: string }

const KEEP = 5000; // lines kept on the page; the download has everything

/** The logs view. */
export function Logs(props: { names: string[]; initial: string }) {
  const [name, setName] = useState(props.initial || 'all');
  const [since, setSince] = useState('');
  const [search, setSearch] = useState('');
  const [lines, setLines] = useState<Line[]>([]);
  const [note, setNote] = useState('');
  const box = useRef<HTMLPreElement>(null);
  useEffect(() => {
    const ctl = new AbortController();
    setLines([]);
    setNote('');
    const q = new URLSearchParams({ name, n: since ? '' : '200', since });
    for (const k of [...q.keys()]) if (q.get(k) === '') q.delete(k);
    (async () => {
      const r = await fetch(`/api/v1/logs/follow?${q}`, { credentials: 'same-origin', signal: ctl.signal });
      if (!r.ok || !r.body) {
        const e = await r.json().catch(() => null) as { error?: { message: string } } | null;
        return setNote(e?.error?.message ?? `HTTP ${r.status}`);
      }
      const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
      let rest = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        rest += value;
        const parts = rest.split('\n');
        rest = parts.pop() ?? '';
        const got = parts.filter(Boolean).map((p) => JSON.parse(p) as Line);
        if (got.length) setLines((old) => old.concat(got).slice(-KEEP));
      }
    })().catch((e: Error) => { if (!ctl.signal.aborted) setNote(e.message); });
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
      <span class="muted">${shown.length} lines, live</span>
    </div>
    ${note ? html`<div class="error">${note}</div>` : ''}
    <pre class="logs" ref=${box}>${shown.map((l) => l.missed != null ? html`<div class="muted">… ${l.missed} lines missed (too slow)</div>`
      : l.warning ? html`<div class="muted">${l.warning}</div>` : html`<div class=${l.stream === 'stderr' ? 'err' : ''}>${l.text ?? l.line}</div>`)}</pre>
  </section>`;
}
