// Per-job CPU and memory from the daemon's sampled history, drawn with uPlot (a canvas chart of
// ~50 KB: time series of thousands of points without a framework's weight).
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { get } from './api.js';

interface History { intervalMs: number; jobs: { job: number; name: string; samples: { at: number; cpu: number; rssKb: number }[] }[] }

const RANGES: [string, number][] = [['5 min', 300], ['15 min', 900], ['1 hour', 3600]];

function Chart(props: { title: string; x: number[]; y: number[]; unit: string }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const plot = new uPlot({
      title: props.title, width: Math.min(900, el.current.clientWidth || 700), height: 220,
      series: [{}, { label: props.unit, stroke: '#2a6fdb', fill: 'rgba(42,111,219,0.1)' }],
      axes: [{}, { size: 70 }],
    }, [props.x, props.y], el.current);
    return () => plot.destroy();
  }, [props.x, props.y]);
  return html`<div class="chart" ref=${el}></div>`;
}

/** The charts view for one program. */
export function Charts(props: { names: string[]; initial: string; onError: (m: string) => void }) {
  const [name, setName] = useState(props.initial || props.names[0] || '');
  const [range, setRange] = useState(900);
  const [h, setH] = useState<History | null>(null);
  const load = () => {
    if (!name) return;
    get<History>('monitor/history', { name, limit: 720 }).then(setH, (e: Error) => props.onError(`history: ${e.message}`));
  };
  useEffect(load, [name]);
  const from = Date.now() - range * 1000;
  return html`<section>
    <div class="bar">
      <label>program <select value=${name} onChange=${(e: Event) => setName((e.target as HTMLSelectElement).value)}>${props.names.map((n) => html`<option>${n}</option>`)}</select></label>
      <label>range <select value=${range} onChange=${(e: Event) => setRange(Number((e.target as HTMLSelectElement).value))}>${RANGES.map(([l, s]) => html`<option value=${s}>${l}</option>`)}</select></label>
      <button onClick=${load}>refresh</button>
      <span class="muted">${h ? `a sample every ${h.intervalMs / 1000} s` : ''}</span>
    </div>
    ${h?.jobs.map((j) => {
      const s = j.samples.filter((x) => x.at >= from).sort((a, b) => a.at - b.at);
      if (s.length === 0) return html`<p class="muted">%${j.job}: no samples in this range</p>`;
      const x = s.map((v) => v.at / 1000);
      return html`<div><h3>${j.name} (%${j.job})</h3>
        <${Chart} title="CPU %" x=${x} y=${s.map((v) => v.cpu)} unit="%CPU" />
        <${Chart} title="resident memory (MiB)" x=${x} y=${s.map((v) => v.rssKb / 1024)} unit="MiB" /></div>`;
    })}
  </section>`;
}
