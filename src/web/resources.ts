// Resources: mutexes, semaphores and queues with holders and waiters, and the resource-allocation
// graph as the seed draws it: processes as circles, resources as rectangles, an arrow from a
// resource to a process for "holds", from a process to a resource for "waits for"; a detected
// deadlock is drawn in red and explained in words.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from './api.js';

interface Res { name: string; kind: string; value: number; holders: { holder: string; units: number }[]; waiters: string[]; messages: number }
interface Matrix { resources: string[]; holders: string[]; existing: number[]; available: number[]; allocation: number[][]; request: number[][]; deadlocked: string[] }

/** Why each deadlocked holder cannot go on: what it waits for, and who holds that. */
export function explain(m: Matrix): string[] {
  const dead = new Set(m.deadlocked);
  const out: string[] = [];
  m.holders.forEach((h, i) => {
    if (!dead.has(h)) return;
    m.request[i].forEach((want, r) => {
      if (want <= 0) return;
      const holders = m.holders.filter((_, k) => m.allocation[k][r] > 0 && dead.has(m.holders[k]));
      out.push(`${h} waits for ${want} of ${m.resources[r]} (${m.available[r]} free), held by ${holders.join(', ') || 'nobody in the cycle'}`);
    });
  });
  return out;
}

function Graph(props: { m: Matrix }) {
  const { m } = props;
  const dead = new Set(m.deadlocked);
  const W = Math.max(480, 190 * Math.max(m.holders.length, m.resources.length));
  const px = (i: number, n: number) => ((i + 0.5) * W) / n;
  const P = m.holders.map((h, i) => ({ h, x: px(i, m.holders.length), y: 70 }));
  const R = m.resources.map((r, i) => ({ r, x: px(i, m.resources.length), y: 220 }));
  const edges: unknown[] = [];
  m.holders.forEach((_, i) => m.resources.forEach((_r, j) => {
    const red = dead.has(m.holders[i]);
    if (m.allocation[i][j] > 0) {
      edges.push(html`<line class=${`holds${red ? ' dead' : ''}`} x1=${R[j].x} y1=${R[j].y - 20} x2=${P[i].x} y2=${P[i].y + 24} marker-end=${red ? 'url(#ah-red)' : 'url(#ah)'} />
        <text x=${(R[j].x + P[i].x) / 2 - 16} y=${(R[j].y + P[i].y) / 2} class="lbl">holds ${m.allocation[i][j]}</text>`);
    }
    if (m.request[i][j] > 0) {
      edges.push(html`<line class=${`waits${red ? ' dead' : ''}`} x1=${P[i].x + 6} y1=${P[i].y + 24} x2=${R[j].x + 6} y2=${R[j].y - 20} marker-end=${red ? 'url(#ah-red)' : 'url(#ah)'} />
        <text x=${(R[j].x + P[i].x) / 2 + 8} y=${(R[j].y + P[i].y) / 2 + 14} class="lbl">waits ${m.request[i][j]}</text>`);
    }
  }));
  return html`<svg class="rag" viewBox=${`0 0 ${W} 270`} width=${W} height="270" role="img" aria-label="resource-allocation graph">
    <defs>
      <marker id="ah" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555" /></marker>
      <marker id="ah-red" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#c62828" /></marker>
    </defs>
    ${edges}
    ${P.map((p) => html`<g class=${`proc${dead.has(p.h) ? ' dead' : ''}`}><circle cx=${p.x} cy=${p.y} r="24" /><text x=${p.x} y=${p.y + 4} text-anchor="middle">P${P.indexOf(p) + 1}</text><text x=${p.x} y=${p.y - 30} text-anchor="middle" class="plabel">${p.h}</text><title>${p.h}</title></g>`)}
    ${R.map((r, j) => html`<g class="res"><rect x=${r.x - 50} y=${r.y - 20} width="100" height="40" rx="3" /><text x=${r.x} y=${r.y + 4} text-anchor="middle">${r.r} (${m.available[j]}/${m.existing[j]})</text></g>`)}
  </svg>`;
}

/** The resources view (refreshed whenever the daemon pushes a job change, and on demand). */
export function Resources(props: { tick: number; onError: (m: string) => void }) {
  const [list, setList] = useState<Res[]>([]);
  const [m, setM] = useState<Matrix | null>(null);
  const load = () => {
    get<{ resources: Res[] }>('resources').then((r) => setList(r.resources), (e: Error) => props.onError(`resources: ${e.message}`));
    get<Matrix>('deadlock').then(setM, (e: Error) => props.onError(`deadlock: ${e.message}`));
  };
  useEffect(load, [props.tick]);
  const why = m ? explain(m) : [];
  return html`<section>
    <div class="bar"><button onClick=${load}>refresh</button></div>
    <table class="resources"><thead><tr><th>name</th><th>kind</th><th>value</th><th>holders</th><th>waiters</th><th>messages</th></tr></thead>
    <tbody>${list.map((r) => html`<tr><td>${r.name}</td><td>${r.kind}</td><td>${r.value ?? '-'}</td><td>${r.holders.map((h) => `${h.holder}×${h.units}`).join(', ')}</td><td>${r.waiters.join(', ')}</td><td>${r.messages}</td></tr>`)}</tbody></table>
    ${m && m.resources.length ? html`<${Graph} m=${m} />` : html`<p class="muted">no resources held or waited for</p>`}
    ${m && m.deadlocked.length ? html`<div class="error deadlock"><b>Deadlock:</b> ${m.deadlocked.join(', ')} can never go on.<ul>${why.map((w) => html`<li>${w}</li>`)}</ul></div>` : m ? html`<p class="ok">no deadlock</p>` : ''}
  </section>`;
}
