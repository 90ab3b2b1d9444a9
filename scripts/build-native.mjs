#!/usr/bin/env node
// Builds the native supervise helper (native/*.c) into build/appinit-supervise.
// It is built at install, like better-sqlite3's addon; it needs only a C compiler.
// Every native/*.c is one part of the helper (supervise.c, cgroup.c, taskstats.c, ...).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import './build-sysv.mjs'; // appinit/sysv's in-process library (sysv)

mkdirSync('build', { recursive: true });
const out = 'build/appinit-supervise';
if (!existsSync('native/supervise.c')) process.exit(0);
const files = readdirSync('native').filter((f) => f.endsWith('.c') || f.endsWith('.h')).map((f) => `native/${f}`);
const sources = files.filter((f) => f.endsWith('.c')).sort();
const newest = Math.max(...files.map((f) => statSync(f).mtimeMs), statSync('scripts/build-native.mjs').mtimeMs);
if (existsSync(out) && statSync(out).mtimeMs > newest) process.exit(0);
const cc = process.env.CC || 'cc';
const r = spawnSync(cc, ['-O2', '-Wall', '-Wextra', '-Wno-format-truncation', '-std=gnu11', '-o', out, ...sources, '-lutil'], { stdio: 'inherit' });
if (r.status !== 0) {
  console.error(`appinit: building ${out} with ${cc} failed; install a C compiler (Debian: apt-get install gcc)`);
  process.exit(1);
}
