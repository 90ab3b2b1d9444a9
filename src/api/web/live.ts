// The job table, pushed: each dashboard gets the whole table of its user's jobs when it connects,
// then again (coalesced) after every change and every sampler tick. One table is built per user
// per push, whatever the number of dashboards open.
import type { WebSocket } from 'ws';
import type { Job } from '../../core/supervisor/runtime.js';
import type { JobSample } from '../../store/monitor.js';
import { jobView, type JobView } from '../views.js';
import { visible, type ApiContext, type ApiRequest } from '../routes.js';
import type { TokenOwner } from './tokens.js';

/** One row of the live table: the status row, its job id, and the last sample's CPU and memory. */
export interface LiveRow extends JobView {
  id: number;
  /** Whether a terminal can be attached (a tty: true job or an `appinit run` job). */
  attachable: boolean;
  cpu: number | null;
  rssKb: number | null;
  /** When its last run ended (ms since the epoch), if known. */
  endedAt: number | null;
}

// Coalescing window: a burst of changes (500 jobs starting) is one push.
const PUSH_MS = 150;

/** The dashboards open now, and what they are sent. */
export class LiveTable {
  private readonly clients = new Map<WebSocket, TokenOwner>();
  private readonly samples = new Map<number, JobSample>();
  private readonly ended = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;
  private readonly onChange = (c: { job: Job; to: string }) => {
    if (c.to === 'exited' || c.to === 'stopped' || c.to === 'fatal' || c.to === 'backoff') this.ended.set(c.job.id, Date.now());
    this.schedule();
  };
  private readonly onSamples = (s: JobSample[]) => {
    for (const x of s) this.samples.set(x.job, x);
    this.schedule();
  };

  constructor(private readonly ctx: ApiContext) {
    ctx.sup.on('change', this.onChange);
    ctx.sup.on('suspend', this.onChange);
    ctx.services.monitor?.onSamples(this.onSamples);
  }

  /** Adds a dashboard; it gets the table at once. */
  add(ws: WebSocket, who: TokenOwner): void {
    this.clients.set(ws, who);
    ws.on('close', () => this.clients.delete(ws));
    ws.send(JSON.stringify({ type: 'jobs', role: who.role, jobs: this.rows(who.uid) }));
  }

  /** The rows a user sees. */
  rows(uid: number): LiveRow[] {
    const req = { peer: { uid, gid: uid, pid: process.pid } } as ApiRequest;
    return visible(this.ctx, req, [...this.ctx.sup.jobs.values()]).sort((a, b) => a.number - b.number).map((j) => {
      const s = j.pid != null || j.others.size > 0 ? this.samples.get(j.id) : undefined;
      return {
        ...jobView(j), id: j.id, attachable: j.spec.tty === true || j.program == null,
        cpu: s ? s.cpu : null, rssKb: s ? s.rssKb : null, endedAt: this.ended.get(j.id) ?? null,
      };
    });
  }

  private schedule(): void {
    if (this.timer || this.clients.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.push();
    }, PUSH_MS);
  }

  private push(): void {
    const byUid = new Map<number, string>();
    for (const [ws, who] of this.clients) {
      let text = byUid.get(who.uid);
      if (text == null) {
        text = JSON.stringify({ type: 'jobs', jobs: this.rows(who.uid) });
        byUid.set(who.uid, text);
      }
      // A dashboard that cannot keep up skips a table: the next one replaces it anyway.
      if (ws.bufferedAmount < 4 * 1024 * 1024) ws.send(text);
    }
  }

  /** Closes every dashboard and stops listening. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.ctx.sup.off('change', this.onChange);
    this.ctx.sup.off('suspend', this.onChange);
    for (const ws of this.clients.keys()) ws.close(1001, 'daemon stopping');
    this.clients.clear();
  }
}
