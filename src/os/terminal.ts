// A terminal in raw mode as cfmakeraw(3) makes it. Node's setRawMode (libuv's RAW mode) keeps
// ONLCR, which would turn a job's "\r\n" into "\r\r\n" on the way through.
import koffi from 'koffi';

const TCSANOW = 0;
type Fn = (...args: unknown[]) => number;
let libc: { tcgetattr: Fn; tcsetattr: Fn; cfmakeraw: Fn } | null = null;

function bind(): NonNullable<typeof libc> {
  if (!libc) {
    const lib = koffi.load('libc.so.6');
    libc = {
      tcgetattr: lib.func('int tcgetattr(int, _Out_ uint8_t *termios)') as Fn,
      tcsetattr: lib.func('int tcsetattr(int, int, const uint8_t *termios)') as Fn,
      cfmakeraw: lib.func('void cfmakeraw(_Inout_ uint8_t *termios)') as Fn,
    };
  }
  return libc;
}

/** Puts the terminal on fd in raw mode; returns a function that restores it, or null if fd is no terminal. */
export function rawMode(fd: number): (() => void) | null {
  const c = bind();
  const saved = Buffer.alloc(64); // struct termios is 60 bytes on x86_64 glibc
  if (c.tcgetattr(fd, saved) !== 0) return null;
  const raw = Buffer.from(saved);
  c.cfmakeraw(raw);
  if (c.tcsetattr(fd, TCSANOW, raw) !== 0) return null;
  return () => void c.tcsetattr(fd, TCSANOW, saved);
}

const TERMIOS_SIZE = 60; // sizeof(struct termios) on x86_64 glibc, as the helper checks

/** The terminal settings of fd (tcgetattr) as hex, for the helper's `termios` key; null if fd is no terminal. */
export function terminalSettings(fd: number): string | null {
  const buf = Buffer.alloc(64);
  if (bind().tcgetattr(fd, buf) !== 0) return null;
  return buf.subarray(0, TERMIOS_SIZE).toString('hex');
}
