// The page's files, built into the package (dist/web by scripts/build-web.mjs): no CDN, works
// offline. Read and compressed once, then served from memory.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type http from 'node:http';

/** Where the built page is: dist/web, beside dist/src. */
export const WEB_DIR = fileURLToPath(new URL('../../../web/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml',
};

/** The page's entry files, by URL path (a missing one means the package was built without the page). */
export const ASSETS: Record<string, string> = { '/': 'index.html', '/index.html': 'index.html', '/app.js': 'app.js', '/app.css': 'app.css' };

// The views esbuild split off (chunk-HASH.js), loaded when first opened.
const CHUNK = /^\/(chunk-[A-Za-z0-9]+\.js)$/;

const cache = new Map<string, { raw: Buffer; gz: Buffer; type: string }>();

function load(file: string): { raw: Buffer; gz: Buffer; type: string } | null {
  let hit = cache.get(file);
  if (hit) return hit;
  let raw: Buffer;
  try {
    raw = readFileSync(WEB_DIR + file);
  } catch {
    return null;
  }
  hit = { raw, gz: gzipSync(raw, { level: 9 }), type: TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream' };
  cache.set(file, hit);
  return hit;
}

/** Serves one of the page's files; false when the path is not one. */
export function serveAsset(req: http.IncomingMessage, res: http.ServerResponse, path: string): boolean {
  const chunk = CHUNK.exec(path)?.[1];
  const file = ASSETS[path] ?? chunk;
  if (!file) return false;
  const a = load(file);
  if (!a && chunk) {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end(`no ${chunk} in this build (reload the page)\n`);
    return true;
  }
  if (!a) {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(`the dashboard's ${file} is missing from ${WEB_DIR}: run npm run build\n`);
    return true;
  }
  const gz = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const body = gz ? a.gz : a.raw;
  res.writeHead(200, {
    'content-type': a.type, 'content-length': body.length, ...(gz ? { 'content-encoding': 'gzip' } : {}), vary: 'accept-encoding',
    'cache-control': 'no-cache', 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY',
    'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
  });
  res.end(body);
  return true;
}
