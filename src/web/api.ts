// Calls to the daemon's API through the dashboard: the cookie says who we are, and every change
// carries the header that proves it came from this page (CSRF).

/** An API failure, with the daemon's code and message. */
export class ApiFailure extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: unknown) {
    super(message);
  }
}

async function answer<T>(r: Response): Promise<T> {
  const body = await r.json().catch(() => null);
  if (!r.ok) {
    const e = (body as { error?: { code: string; message: string; details?: unknown } } | null)?.error;
    throw new ApiFailure(r.status, e?.code ?? 'error', e?.message ?? `HTTP ${r.status}`, e?.details);
  }
  return body as T;
}

/** GET /api/v1/PATH with a query. */
export async function get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return answer<T>(await fetch(`/api/v1/${path}${s ? `?${s}` : ''}`, { credentials: 'same-origin' }));
}

/** POST /api/v1/PATH with a JSON body. */
export async function post<T>(path: string, body: unknown): Promise<T> {
  return answer<T>(await fetch(`/api/v1/${path}`, {
    method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json', 'x-appinit-web': '1' }, body: JSON.stringify(body),
  }));
}

/** Who we are, or null when not logged in. */
export interface Me { uid: number; user: string; role: 'operator' | 'viewer'; home: string }

/** Exchanges the token in the URL's fragment for the cookie (then removes it from the URL). */
export async function login(): Promise<Me | null> {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    history.replaceState(null, '', location.pathname + location.search);
    const r = await fetch('/login', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json', 'x-appinit-web': '1' }, body: JSON.stringify({ token: decodeURIComponent(m[1]) }) });
    if (r.ok) return (await r.json()) as Me;
  }
  const r = await fetch('/whoami', { credentials: 'same-origin' });
  return r.ok ? ((await r.json()) as Me) : null;
}

/** The WebSocket URL of a path on this server. */
export function wsUrl(path: string): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}`;
}

/** Seconds as the CLI shows uptimes: 45s, 12m, 3h, 2d. */
export function ago(sec: number | null): string {
  if (sec == null) return '';
  if (sec < 60) return `${Math.floor(sec)}s`;
  if (sec < 3600) return `${Math.floor(sec / 60)}m`;
  if (sec < 86400) return `${Math.floor(sec / 3600)}h`;
  return `${Math.floor(sec / 86400)}d`;
}

/** KiB as the CLI shows memory. */
export function kib(kb: number | null): string {
  if (kb == null) return '';
  if (kb < 1024) return `${kb}K`;
  if (kb < 1024 * 1024) return `${(kb / 1024).toFixed(1)}M`;
  return `${(kb / 1024 / 1024).toFixed(2)}G`;
}

/** A wall time (ms) in local time, to the second. */
export function when(ms: number | null): string {
  if (ms == null) return '';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
