#!/usr/bin/env node
// appinit: one verb per command; each parses, makes one client call, prints, exits.
// A start pays only for what its verb uses: the verb picks one group of commands, and every
// action imports its own code when it runs (bench/cli.ts measures the start against `node -e 0`).
// This is the ES module entry; the package's `bin` is the bundle of hot.ts (scripts/build-cli.mjs),
// which hands every verb it does not carry to this file, and `daemon` to the daemon's bundle.

// A daemon sets how V8 tiers its code and caps malloc's arenas before anything else loads
// (daemon-prep.ts); bundled, it starts from daemon-entry.ts, which does the same.
await (await import('./daemon-prep.js')).prepareIfDaemon();
await (await import('./every-verb.js')).runEveryVerb();
