#!/usr/bin/env node
// Builds native/sysv/*.c into build/libappinit-sysv.so, the in-process library behind appinit/sysv
// (loaded with koffi; it runs blocking System V calls on its own threads). Needs only a C compiler.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

const dir = 'native/sysv';
const out = 'build/libappinit-sysv.so';
if (existsSync(dir)) {
  mkdirSync('build', { recursive: true });
  const sources = readdirSync(dir).filter((f) => f.endsWith('.c')).sort().map((f) => `${dir}/${f}`);
  const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs), statSync('scripts/build-sysv.mjs').mtimeMs);
  if (!existsSync(out) || statSync(out).mtimeMs <= newest) {
    const cc = process.env.CC || 'cc';
    const r = spawnSync(cc, ['-O2', '-Wall', '-Wextra', '-std=gnu11', '-shared', '-fPIC', '-o', out, ...sources, '-lpthread'], { stdio: 'inherit' });
    if (r.status !== 0) {
      console.error(`appinit: building ${out} with ${cc} failed; install a C compiler (Debian: apt-get install gcc)`);
      process.exit(1);
    }
  }
}

// The shared-memory view addon (native/sysv-addon): needs Node's headers (Debian: the nodejs
// package's /usr/include/node, or the include/ next to a nodejs.org binary). Optional: without it
// shmdt is deferred until no Buffer over the segment is reachable.
const addonSrc = 'native/sysv-addon/shmview.c';
const addon = 'build/appinit-sysv-shm.node';
const headers = [join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node'].find((d) => existsSync(join(d, 'node_api.h')));
if (existsSync(addonSrc) && headers && (!existsSync(addon) || statSync(addon).mtimeMs <= statSync(addonSrc).mtimeMs)) {
  const cc = process.env.CC || 'cc';
  const r = spawnSync(cc, ['-O2', '-Wall', '-shared', '-fPIC', `-I${headers}`, '-DNODE_GYP_MODULE_NAME=shmview', '-o', addon, addonSrc], { stdio: 'inherit' });
  if (r.status !== 0) console.error(`appinit: building ${addon} failed; appinit/sysv will defer shmdt until its Buffers are collected`);
}
