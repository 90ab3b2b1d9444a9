#!/usr/bin/env python3
"""Keystroke round trip: type one key into a terminal, time until its echo comes back.
usage: keys.py N -- ARGV...   prints the round trips in microseconds, one per line."""
import os, pty, select, sys, time

n = int(sys.argv[1])
argv = sys.argv[sys.argv.index('--') + 1:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)

def until(ch, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r and ch in os.read(fd, 4096):
            return True
    return False

# Ready once a probe key echoes (the job is attached and running).
for _ in range(200):
    os.write(fd, b'.')
    if until(b'.', 0.1):
        break
else:
    sys.exit('no echo from ' + ' '.join(argv))
time.sleep(0.2)
while select.select([fd], [], [], 0)[0]:
    os.read(fd, 4096)
out = []
for i in range(n):
    t0 = time.perf_counter()
    os.write(fd, b'k')
    if not until(b'k', 5):
        sys.exit('a key was lost')
    out.append((time.perf_counter() - t0) * 1e6)
os.write(fd, b'\x03')
time.sleep(0.2)
try:
    os.kill(pid, 9)
except OSError:
    pass
print('\n'.join('%.1f' % x for x in out))
