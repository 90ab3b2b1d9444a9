#!/usr/bin/env node
// Bundles the dashboard (src/web) into dist/web with esbuild: one minified script and one
// stylesheet (xterm's and uPlot's CSS included), so the package serves it offline with no CDN
// and needs none of the page's libraries at run time.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const out = 'dist/web';
rmSync(out, { recursive: true, force: true }); // no chunk of an older build is left to serve
mkdirSync(out, { recursive: true });
const r = await build({
  entryPoints: { app: 'src/web/app.ts' },
  bundle: true, minify: true, format: 'esm', target: 'es2022', outdir: out, metafile: true, legalComments: 'none',
  // Views imported with import() become their own files, fetched when first opened.
  splitting: true, chunkNames: 'chunk-[hash]',
  logLevel: 'warning',
});
const css = ['node_modules/@xterm/xterm/css/xterm.css', 'node_modules/uplot/dist/uPlot.min.css', 'src/web/style.css'].map((f) => readFileSync(f, 'utf8')).join('\n');
const cssOut = await build({ stdin: { contents: css, loader: 'css' }, minify: true, write: false, logLevel: 'warning' });
writeFileSync(`${out}/app.css`, cssOut.outputFiles[0].contents);
copyFileSync('src/web/index.html', `${out}/index.html`);
if (process.argv.includes('--size')) {
  const gz = (f) => gzipSync(readFileSync(`${out}/${f}`), { level: 9 }).length;
  const all = readdirSync(out).reduce((n, f) => n + gz(f), 0);
  console.log(`dashboard: ${(all / 1024).toFixed(1)} KB gzip in all (${Object.keys(r.metafile.inputs).length} inputs)`);
}
