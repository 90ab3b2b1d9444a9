#!/usr/bin/env node
// appinit: one verb per command; each parses, makes one client call, prints, exits.
// A start pays only for what its verb uses: the verb picks one group of commands, and every
// action imports its own code when it runs (bench/cli.ts measures the start against `node -e 0`).
// This is the ES module entry; the package's `bin` is the bundle of hot.ts (scripts/build-cli.mjs),
// which hands every verb it does not carry to this file, and `daemon` to the daemon's bundle.

// The daemon caps glibc's malloc arenas before anything else loads, while only the main thread's
// and one other exist (src/os/memory.ts), and sets how V8 tiers its code (api/daemon-v8.ts): the
// modules below are imported after them for that reason. (Bundled, the daemon starts from
// daemon-entry.ts, which does the same.)
if (process.argv.slice(2).find((a) => !a.startsWith('-')) === 'daemon') {
  (await import('../api/daemon-v8.js')).tuneDaemonV8();
  (await import('../os/memory.js')).capArenas(2);
}
await (await import('./every-verb.js')).runEveryVerb();
