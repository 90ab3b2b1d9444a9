#!/usr/bin/env node
// Bundles the command line (dist/src/cli/main.js and everything it imports, packages left out)
// into one CommonJS file, dist/src/cli/appinit.cjs, the package's `bin`: a command's start then
// reads one file instead of resolving and linking ~30 ES modules, and skips the ES module loader
// (node -e 0 vs an empty .mjs: ~5 ms). bench/cli.ts measures the start against `node -e 0`.
// Each module's `import.meta` is replaced by the metadata of its compiled file under dist/, so
// `new URL('../../../build/appinit-supervise', import.meta.url)` finds what it found unbundled.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = resolve(REPO, 'dist/src/cli');

/** Rewrites `import.meta` in every bundled module of ours to its own file's metadata. */
const importMeta = {
  name: 'import-meta',
  setup(b) {
    b.onLoad({ filter: /[/\\]dist[/\\]src[/\\].*\.js$/ }, async (args) => {
      let text = await readFile(args.path, 'utf8');
      if (text.includes('import.meta')) {
        const rel = JSON.stringify(relative(OUT_DIR, args.path));
        text = text.replace(/\bimport\.meta\b/g, `__appinitMeta(${rel})`);
      }
      return { contents: text, loader: 'js' };
    });
  },
};

// What the fast commands never run stays out of the bundle: import() of the daemon's layers (the
// daemon itself, autostart, the store) is left to node, which loads the ES module under dist/.
const HEAVY = /[/\\]dist[/\\]src[/\\](api|core|store|config|schedule)[/\\]|[/\\]cli[/\\]commands[/\\]daemon\.js$/;

/** Leaves import() of a heavy module to node at run time, relative to the bundle's directory. */
const lazyHeavy = {
  name: 'lazy-heavy',
  setup(b) {
    b.onResolve({ filter: /^\./ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const path = resolve(args.resolveDir, args.path);
      if (!HEAVY.test(path)) return undefined;
      return { path: `./${relative(OUT_DIR, path)}`, external: true };
    });
  },
};

// Computes a module's import.meta from its path relative to the bundle's directory.
// The shebang makes the file the `bin` npm links (hot.ts has none of its own).
const banner = `#!/usr/bin/env node
"use strict";
const __appinitMeta = (rel) => {
  const filename = require("node:path").join(__dirname, rel);
  return { url: require("node:url").pathToFileURL(filename).href, filename, dirname: require("node:path").dirname(filename) };
};`;

const result = await build({
  entryPoints: [resolve(REPO, 'dist/src/cli/hot.js')],
  outfile: resolve(OUT_DIR, 'appinit.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  banner: { js: banner },
  plugins: [lazyHeavy, importMeta],
  logLevel: 'warning',
  metafile: !!process.env.APPINIT_BUNDLE_META,
  legalComments: 'none',
});
if (result.metafile) console.log(await (await import('esbuild')).analyzeMetafile(result.metafile, { verbose: false }));
// The bundle is the package's `bin`: run as a file from a clone too (npm sets the mode only when it installs).
(await import('node:fs')).chmodSync(resolve(OUT_DIR, 'appinit.cjs'), 0o755);
