#!/usr/bin/env python3
"""Keystroke round trip: type one key, time until its echo comes back, alternating between two
terminals so both see the same machine state; 200 rounds of warm-up first, not counted.
--gap MS waits MS before each counted key, as a person types (keys 20 ms or more apart): the
CPUs are idle when the key comes, and every wake-up on the way costs what it costs from idle.
Without it the keys follow each other at once (warm: the CPUs are still awake from the last).
usage: keys.py N [--gap MS] -- ARGV_A... -- ARGV_B...   prints "a_us b_us" per round, one a line."""
import fcntl, os, pty, select, struct, sys, termios, time

n = int(sys.argv[1])
WARM = 200
GAP = 0.0
if '--gap' in sys.argv[:sys.argv.index('--')]:
    GAP = float(sys.argv[sys.argv.index('--gap') + 1]) / 1000
rest = sys.argv[sys.argv.index('--') + 1:]
cut = rest.index('--')
cmds = [rest[:cut], rest[cut + 1:]]

def start(argv):
    pid, fd = pty.fork()
    if pid == 0:
        # A terminal of a known size, as a user's is (a fresh pty says 0 x 0).
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 24, 80, 0, 0))
        os.execvp(argv[0], argv)
    return pid, fd

def until(fd, ch, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r and ch in os.read(fd, 4096):
            return True
    return False

terms = [start(c) for c in cmds]
for (pid, fd), argv in zip(terms, cmds):
    # A relay takes the terminal (appinit run, script, relay: raw mode, no local echo) and is ready
    # once it has: before, the line discipline echoes keys itself, which would time the kernel.
    if argv != ['cat']:
        for _ in range(200):
            if not termios.tcgetattr(fd)[3] & termios.ECHO:
                break
            time.sleep(0.05)
        else:
            sys.exit('the terminal was never taken by ' + ' '.join(argv))
    # Ready once a probe key echoes (for appinit: the job is attached and running).
    for _ in range(200):
        os.write(fd, b'.')
        if until(fd, b'.', 0.1):
            break
    else:
        sys.exit('no echo from ' + ' '.join(argv))
time.sleep(0.3)
for pid, fd in terms:
    while select.select([fd], [], [], 0)[0]:
        os.read(fd, 4096)

def once(fd, gap=0):
    if gap:
        time.sleep(gap)
    t0 = time.perf_counter()
    os.write(fd, b'k')
    if not until(fd, b'k', 5):
        sys.exit('a key was lost')
    return (time.perf_counter() - t0) * 1e6

# Warm-up rounds, not counted: both paths have run the same code the same number of times
# (node's JIT, the helper's buffers, the caches) before the first key that is timed.
for i in range(WARM):
    once(terms[0][1])
    once(terms[1][1])
for i in range(n):
    a = once(terms[0][1], GAP)
    b = once(terms[1][1], GAP)
    print('%.1f %.1f' % (a, b))
for pid, fd in terms:
    os.write(fd, b'\x03')
time.sleep(0.2)
for pid, fd in terms:
    try:
        os.kill(pid, 9)
    except OSError:
        pass
