// Whether the reader of a pipe or socket we write to has gone, without writing to it: poll(2)
// with no events asked reports POLLERR on a pipe whose read end is closed and POLLHUP on a socket
// whose peer is. `logs -f | head -1` needs it: once head has read the backlog and left, a quiet
// program gives the follower nothing more to write, so no EPIPE would ever end it (GNU tail -f
// watches its output the same way).
import koffi from 'koffi';
import { fstatSync } from 'node:fs';

const POLLERR = 0x8;
const POLLHUP = 0x10;

type PollFd = { fd: number; events: number; revents: number };
type Poll = (fds: PollFd, n: number, timeoutMs: number) => number;
let poll: Poll | null = null;

/** Whether fd is a pipe or a socket (only those have a reader that can go). */
export function hasReader(fd: number): boolean {
  try {
    const st = fstatSync(fd);
    return st.isFIFO() || st.isSocket();
  } catch {
    return false;
  }
}

/** Calls onGone once (looking every everyMs) when the reader of fd goes; nothing when fd is not a
 *  pipe or socket. Returns what stops looking. The timer keeps no process alive. */
export function watchReader(fd: number, everyMs: number, onGone: () => void): () => void {
  if (!hasReader(fd)) return () => {};
  const t = setInterval(() => {
    if (!readerGone(fd)) return;
    clearInterval(t);
    onGone();
  }, everyMs);
  t.unref();
  return () => clearInterval(t);
}

/** True once the reader of the pipe or socket fd has gone (a poll that does not wait). */
export function readerGone(fd: number): boolean {
  if (!poll) {
    const libc = koffi.load('libc.so.6');
    koffi.struct('appinit_pollfd', { fd: 'int', events: 'short', revents: 'short' });
    poll = libc.func('int poll(_Inout_ appinit_pollfd *fds, unsigned long nfds, int timeout)') as unknown as Poll;
  }
  const p: PollFd = { fd, events: 0, revents: 0 };
  return poll(p, 1, 0) > 0 && (p.revents & (POLLERR | POLLHUP)) !== 0;
}
