#!/usr/bin/env node
// Bundles the command line (dist/src/cli/hot.js and everything it imports, packages left out)
// into one CommonJS file, dist/src/cli/appinit-cli.cjs, and writes the package's `bin`,
// dist/src/cli/appinit.cjs, a small loader that compiles the bundle with a V8 code cache (see
// LOADER below). A command's start then reads one file instead of resolving and linking ~30 ES
// modules, skips the ES module loader (node -e 0 vs an empty .mjs: ~5 ms), and, from its second
// run on, skips compiling the functions it runs. bench/cli.ts measures the start against `node -e 0`.
// Each module's `import.meta` is replaced by the metadata of its compiled file under dist/, so
// `new URL('../../../build/appinit-supervise', import.meta.url)` finds what it found unbundled.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = resolve(REPO, 'dist/src/cli');
const BUNDLE = 'appinit-cli.cjs';
const VERSION = JSON.parse(readFileSync(resolve(REPO, 'package.json'), 'utf8')).version;

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
      // The version is fixed when the package is built: a command does not read package.json
      // twice (its --version and the daemon's version check) before its request.
      if (/[/\\]dist[/\\]src[/\\]api[/\\]package-version\.js$/.test(args.path)) {
        text = `export function packageVersion() { return ${JSON.stringify(VERSION)}; }\n`;
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

// Computes a module's import.meta from its path relative to the bundle's directory, and gives
// the bundle's import() of what it leaves to node (main.js, the daemon's layers) a function that
// works when the loader runs it through vm.Script: V8 drops a script's dynamic-import callback
// when it is compiled from a code cache (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING), so the loader
// passes its own import() (same directory, same resolution) as module.appinitImport.
const META = `"use strict";
const __appinitMeta = (rel) => {
  const filename = require("node:path").join(__dirname, rel);
  return { url: require("node:url").pathToFileURL(filename).href, filename, dirname: require("node:path").dirname(filename) };
};`;
const banner = `${META}
const __appinitImport = module.appinitImport || ((specifier) => import(specifier));`;

// Each bundle is ASCII only. esbuild escapes what is not ASCII in strings, not in the comments it
// keeps (a class member's doc comment: "—", "≤", "µs"); one such character makes V8 hold the whole
// source, which it keeps for lazy compiling, two bytes per character: the daemon's idle RSS was
// ~1 MB higher (63.8 -> 62.8 MB, 3 + 3 runs alternated). Escaped as \uXXXX, which reads the
// same in a comment and means the same in a string, template or regular expression.
const asciiOnly = (js) => js.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
const DAEMON_BUNDLE = 'appinit-daemon.cjs';

const result = await build({
  entryPoints: [resolve(REPO, 'dist/src/cli/hot.js')],
  outfile: resolve(OUT_DIR, BUNDLE),
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
  write: false,
});
if (result.metafile) console.log(await (await import('esbuild')).analyzeMetafile(result.metafile, { verbose: false }));

// Every import() left in the bundle is one of ours (esbuild writes them as import("...") or, for
// hot.ts's hand-over, import(new URL(...)); a bundled module's is a Promise of its init).
const DYNAMIC_IMPORT = /(?<![\w$.])import\((?="|new URL\()/g;
const text = asciiOnly(result.outputFiles[0].text.replace(DYNAMIC_IMPORT, '__appinitImport('));
const left = /(?<![\w$.])import\(/.exec(text.replace(/^const __appinitImport = .*$/m, ''));
if (left) throw new Error(`build-cli: an import() the loader cannot serve is left in the bundle: ${text.slice(left.index, left.index + 80)}`);
writeFileSync(resolve(OUT_DIR, BUNDLE), text);

// The daemon's bundle (src/cli/daemon-entry.ts): the whole daemon and command line in one file,
// packages left to node. Node then resolves, loads and links one file instead of ~300 ES modules:
// a daemon listens ~150 ms sooner (396-548 -> 246-450 ms here), which every autostart waits for.
// It is required as it is (no code cache): its import() of a path it cannot bundle (pm2-read's of
// a user's ecosystem file) stays node's own.
const daemon = await build({
  entryPoints: [resolve(REPO, 'dist/src/cli/daemon-entry.js')],
  outfile: resolve(OUT_DIR, DAEMON_BUNDLE),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  banner: { js: META }, // its import() are esbuild's or node's own
  plugins: [importMeta],
  logLevel: 'warning',
  legalComments: 'none',
  write: false,
});
writeFileSync(resolve(OUT_DIR, DAEMON_BUNDLE), asciiOnly(daemon.outputFiles[0].text));

// The verbs whose bundle run is cached (one cache file each): those hot.ts runs itself.
const { HOT_GROUPS } = await import(resolve(REPO, 'dist/src/cli/hot-groups.js'));
const hotVerbs = HOT_GROUPS.flatMap((g) => g.verbs);
// V8 takes a code cache for a source of the same length and flags without comparing the text
// (SerializedCodeData's source hash is the length): the build's hash in the cache file's name is
// what keeps a cache from running the code of another build.
const buildId = createHash('sha256').update(text).digest('hex').slice(0, 16);

// The package's bin. It compiles the bundle with vm.Script and a code cache of the functions the
// same verb compiled on an earlier run (node 20 has no module.enableCompileCache), ~3-5 ms less
// CPU per command (bench/cli.ts). The cache is the user's, in their existing cache directory
// ($XDG_CACHE_HOME or ~/.cache, this user's; never created: a HOME of /, or a test's home, gets nothing), not
// the package's (read-only after npm i -g as root). It is written once, at exit, when there was
// none or V8 rejected it (another node, other V8 flags), to a temporary name and renamed; it is
// read only when it is this user's and no one else may write it (its bytecode runs as this user).
// Any failure to read or write it is silent: the command runs from source, as `node bundle` would.
// APPINIT_CODE_CACHE=0 turns it off.
const LOADER = `#!/usr/bin/env node
// The appinit command: runs the bundled command line (${BUNDLE}) with a V8 code cache.
// Written by scripts/build-cli.mjs (see LOADER there); build ${buildId}.
"use strict";
const fs = require("node:fs");
const vm = require("node:vm");
const BUNDLE = __dirname + "/${BUNDLE}";
const HOT = new Set(${JSON.stringify(hotVerbs)});

function cachePlace() {
  const env = process.env;
  if (env.APPINIT_CODE_CACHE === "0" || typeof process.getuid !== "function") return null;
  const verb = process.argv.slice(2).find((a) => a[0] !== "-");
  if (!HOT.has(verb)) return null; // the others (and the daemon) run from main.js
  const base = env.XDG_CACHE_HOME || (env.HOME ? env.HOME + "/.cache" : "");
  if (base[0] !== "/" || base === "/.cache") return null;
  const dir = base + "/appinit";
  return { base, dir, file: dir + "/cli-${buildId}-" + process.versions.v8 + "-" + process.arch + "-" + verb + ".cache" };
}

function readOwn(file) {
  let fd;
  try {
    fd = fs.openSync(file, "r");
    const st = fs.fstatSync(fd);
    if (st.uid !== process.getuid() || (st.mode & 0o022) !== 0) return undefined;
    return fs.readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function save(script, place) {
  try {
    const data = script.createCachedData();
    // Only under a cache directory of this user's: root with another user's HOME (sudo) writes nothing there.
    const base = fs.statSync(place.base);
    if (!base.isDirectory() || base.uid !== process.getuid()) return;
    try { fs.mkdirSync(place.dir, { mode: 0o700 }); } catch (err) { if (err.code !== "EEXIST") return; }
    // A directory someone else made first (a shared XDG_CACHE_HOME, /tmp) or a symbolic link gets nothing.
    const dir = fs.lstatSync(place.dir);
    if (!dir.isDirectory() || dir.uid !== process.getuid() || (dir.mode & 0o022) !== 0) return;
    const tmp = place.file + "." + process.pid;
    fs.writeFileSync(tmp, data, { mode: 0o600, flag: "wx" }); // never through a link left there
    fs.renameSync(tmp, place.file);
    // Caches of other builds a day old go (another install used the same day keeps its own).
    const old = Date.now() - 86400000;
    for (const f of fs.readdirSync(place.dir)) {
      if (!f.startsWith("cli-") || f.startsWith("cli-${buildId}-")) continue;
      try { if (fs.statSync(place.dir + "/" + f).mtimeMs < old) fs.unlinkSync(place.dir + "/" + f); } catch {}
    }
  } catch {
    // no cache: the next command compiles from source again
  }
}

const place = cachePlace();
const cachedData = place ? readOwn(place.file) : undefined;
const source = fs.readFileSync(BUNDLE, "utf8");
const script = new vm.Script("(function (exports, require, module, __filename, __dirname) {" + source + "\\n})", { filename: BUNDLE, cachedData });
if (place && (cachedData === undefined || script.cachedDataRejected)) process.once("exit", () => save(script, place));
const bundle = { exports: {}, appinitImport: (specifier) => import(specifier) };
script.runInThisContext().call(bundle.exports, bundle.exports, require, bundle, BUNDLE, __dirname);
`;
writeFileSync(resolve(OUT_DIR, 'appinit.cjs'), LOADER);
// The loader is the package's `bin`: run as a file from a clone too (npm sets the mode only when it installs).
chmodSync(resolve(OUT_DIR, 'appinit.cjs'), 0o755);
