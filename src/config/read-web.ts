// The control file's `web:` key: where the daemon serves the dashboard, as `appinit web` would.
// Checked with the rest of the file (file:line:col), applied by `up` once the file is accepted.
import { parseDocument } from 'yaml';
import { bool, str } from './values.js';
import { webSettingError } from './web-listen.js';
import type { Field, Walker } from './yaml-nodes.js';
import { isAbsolute, resolve } from 'node:path';

/** `web: { listen, cert, key, insecure }`, with cert and key absolute. */
export interface WebSetting {
  listen: string;
  cert?: string;
  key?: string;
  insecure?: boolean;
}

const WEB_KEYS = { listen: ['listen'], cert: ['cert'], key: ['key'], insecure: ['insecure'] };

/** Reads and checks `web:`; problems are reported on the field. */
export function readWeb(w: Walker, f: Field): WebSetting | undefined {
  const k = w.keys(f, WEB_KEYS, 'dashboard settings like listen: 127.0.0.1:8181');
  if (!k) return undefined;
  const s: WebSetting = { listen: '127.0.0.1:8181' };
  if (k.listen) s.listen = str(w, k.listen, 'HOST:PORT like 127.0.0.1:8181') ?? s.listen;
  const base = w.opts.baseDir;
  if (k.cert) { const v = str(w, k.cert, 'a PEM certificate file'); if (v) s.cert = isAbsolute(v) ? v : resolve(base, v); }
  if (k.key) { const v = str(w, k.key, 'a PEM private key file'); if (v) s.key = isAbsolute(v) ? v : resolve(base, v); }
  if (k.insecure) s.insecure = bool(w, k.insecure) ?? false;
  const why = webSettingError(s);
  if (why) return w.fail(k.listen ?? k.cert ?? k.key ?? f, why.replace(/^web: /, '').replace('--insecure', 'insecure: true'));
  return s;
}

/** The `web:` setting of a control file's text already accepted by the loader (null when absent). */
export function webSettingOf(text: string, baseDir: string): WebSetting | null {
  const doc = parseDocument(text.replace(/\t/g, ' '), { prettyErrors: false });
  const v = doc.toJS({ maxAliasCount: 100 }) as { web?: { listen?: unknown; cert?: unknown; key?: unknown; insecure?: unknown } } | null;
  const web = v?.web;
  if (!web || typeof web !== 'object') return null;
  const abs = (p: unknown) => (typeof p === 'string' ? (isAbsolute(p) ? p : resolve(baseDir, p)) : undefined);
  return { listen: typeof web.listen === 'string' ? web.listen : '127.0.0.1:8181', cert: abs(web.cert), key: abs(web.key), insecure: web.insecure === true };
}
