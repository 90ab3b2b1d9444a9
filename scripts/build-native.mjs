#!/usr/bin/env node
// Builds the native supervise helper (native/supervise.c) into build/appinit-supervise.
// It is built at install, like better-sqlite3's addon; it needs only a C compiler.
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync, existsSync } from 'node:fs';

mkdirSync('build', { recursive: true });
const src = 'native/supervise.c';
const extra = ['native/taskstats.c', 'native/taskstats.h']; // kernel accounting (acct)
const out = 'build/appinit-supervise';
if (!existsSync(src)) process.exit(0);
if (existsSync(out) && [src, ...extra].every((f) => statSync(out).mtimeMs > statSync(f).mtimeMs)) process.exit(0);
const cc = process.env.CC || 'cc';
const r = spawnSync(cc, ['-O2', '-Wall', '-Wextra', '-std=gnu11', '-o', out, src, extra[0], '-lutil'], { stdio: 'inherit' });
if (r.status !== 0) {
  console.error(`appinit: building ${out} with ${cc} failed; install a C compiler (Debian: apt-get install gcc)`);
  process.exit(1);
}
