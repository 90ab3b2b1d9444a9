// Oracle: a program reads its sockets the same way under appinit's `listen:` as under systemd's own
// systemd-socket-activate (Debian's systemd package): the same descriptors from 3, in the same
// order, the same LISTEN_FDS / LISTEN_FDNAMES, LISTEN_PID its own pid.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TestHome, waitFor } from '../e2e/harness.js';

const FDS = fileURLToPath(new URL('../../../test/fixtures/sockets/fds.py', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

// What does not depend on who ran it: pids, ports and the socket's directory replaced by names.
function normal(text: string, pid: string, port: number, dir: string): string {
  return text.split('\n').map((l) => l.replace(/^\S+Z /, '')).filter((l) => l && l !== 'end').join('\n')
    .replaceAll(`pid=${pid} listen_pid=${pid}`, 'pid=PID listen_pid=PID').replaceAll(String(port), 'PORT').replaceAll(dir, 'DIR');
}

describe('listen: against systemd-socket-activate', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('the same descriptors, names and variables', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    // systemd's: it waits for a first connection, then execs the program on the listening sockets.
    const sa = spawn('systemd-socket-activate', ['-l', `127.0.0.1:${p1}`, '-l', join(h.home, 'sd.sock'), '--fdname=web:ctl', 'python3', FDS], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    sa.stdout.on('data', (d) => (out += d));
    try {
      await waitFor('systemd-socket-activate listens', () => new Promise<boolean>((resolve) => {
        const c = net.connect(p1, '127.0.0.1', () => { c.destroy(); resolve(true); });
        c.on('error', () => resolve(false));
      }));
      await waitFor('the program under systemd-socket-activate listed its sockets', () => /^end$/m.test(out));
      await h.up(`programs:
  web:
    command: python3 ${FDS}
    ready: 0
    listen: [{ name: web, url: "tcp://127.0.0.1:${p2}" }, { name: ctl, url: "unix:${join(h.home, 'ap.sock')}" }]
`);
      const log = join(h.home, 'logs', 'web', 'out.log');
      const ours = await waitFor('the program under appinit listed its sockets', () => { try { const t = readFileSync(log, 'utf8'); return /end$/m.test(t) ? t : ''; } catch { return ''; } });
      const theirs = normal(out, String(sa.pid), p1, join(h.home, 'sd.sock'));
      const pid = String((await h.status()).find((j) => j.name === 'web')!.pid);
      assert.equal(normal(ours, pid, p2, join(h.home, 'ap.sock')), theirs);
      assert.match(theirs, /fd=4 name=ctl type=stream addr=DIR/, 'the comparison covers both sockets');
    } finally {
      sa.kill('SIGKILL');
    }
  });
});
