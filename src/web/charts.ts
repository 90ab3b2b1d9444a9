// Per-job CPU and memory from the daemon's sampled history, drawn with uPlot (a canvas chart of
// ~50 KB: time series of thousands of points without a framework's weight).
import { html } from 'htm/preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { get } from './api.js';

interface History { intervalMs: number; jobs: { job: number; name: string; samples: { at: number; cpu: number; rssKb: number }[] }[] }

const RANGES: [string, number][] = [['5 min', 300], ['15 min', 900], ['1 hour', 3600]];

/** Instances drawn at once: a program with hundreds of instances would freeze the page otherwise. */
const MAX_SHOWN = 8;

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
  // Which instance: the first few by default, one chosen from a list when there are more.
  const [pick, setPick] = useState(0);
  useEffect(() => setPick(0), [name]);
  // Built once per fetch, range or choice (not per render: the live table re-renders the page,
  // and new arrays would make every chart destroy and redraw itself).
  const shown = useMemo(() => {
    if (!h) return [];
    const from = Date.now() - range * 1000;
    const jobs = pick ? h.jobs.filter((j) => j.job === pick) : h.jobs.slice(0, MAX_SHOWN);
    return jobs.map((j) => {
      const s = j.samples.filter((x) => x.at >= from).sort((a, b) => a.at - b.at);
      return { job: j.job, name: j.name, x: s.map((v) => v.at / 1000), cpu: s.map((v) => v.cpu), mem: s.map((v) => v.rssKb / 1024) };
    });
  }, [h, range, pick]);
  const many = (h?.jobs.length ?? 0) > MAX_SHOWN;
  return html`<section>
    <div class="bar">
      <label>program <select value=${name} onChange=${(e: Event) => setName((e.target as HTMLSelectElement).value)}>${props.names.map((n) => html`<option>${n}</option>`)}</select></label>
      <label>range <select value=${range} onChange=${(e: Event) => setRange(Number((e.target as HTMLSelectElement).value))}>${RANGES.map(([l, s]) => html`<option value=${s}>${l}</option>`)}</select></label>
      ${many ? html`<label>instance <select class="chart-job" value=${pick} onChange=${(e: Event) => setPick(Number((e.target as HTMLSelectElement).value))}>
        <option value="0">the first ${MAX_SHOWN} of ${h!.jobs.length}</option>${h!.jobs.map((j) => html`<option value=${j.job}>%${j.job}</option>`)}</select></label>` : ''}
      <button onClick=${load}>refresh</button>
      <span class="muted">${h ? `a sample every ${h.intervalMs / 1000} s` : ''}</span>
    </div>
    ${shown.map((j) => {
      if (j.x.length === 0) return html`<p class="muted">%${j.job}: no samples in this range</p>`;
      return html`<div><h3>${j.name} (%${j.job})</h3>
        <${Chart} title="CPU %" x=${j.x} y=${j.cpu} unit="%CPU" />
        <${Chart} title="resident memory (MiB)" x=${j.x} y=${j.mem} unit="MiB" /></div>`;
    })}
  </section>`;
}
