// The client's side of the open server (`client.open`, `appinit open`): ask the daemon on
// open.sock and receive the descriptor it passes (SCM_RIGHTS, through src/os/fdpass.ts: loaded on this path only).
import { writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { closeFd, connectUnix, recvWithFd } from '../os/fdpass.js';

/** How a file is opened for the caller, as fopen's modes but never creating it: r, w (truncates), a, rw. */
export type OpenMode = 'r' | 'w' | 'a' | 'rw';

/** An open server's refusal, with its code (forbidden, not_found, usage, io). */
export class OpenError extends Error {
  constructor(public readonly code: string, message: string) {
    super(message);
  }
}

/** The open server's socket in a home (the daemon's api/paths.ts names it the same; a test checks). */
export function openSocketPath(home: string): string {
  return join(home, 'open.sock');
}

/** How long the daemon may take to answer. */
const ANSWER_MS = 10_000;

/** Asks the daemon whose open server is in dir (its home, or the system daemon's run directory) to open path; returns the descriptor, now this process's own. */
export async function openThroughDaemon(home: string, path: string, mode: OpenMode = 'r'): Promise<number> {
  const sock = connectUnix(openSocketPath(home), ANSWER_MS);
  try {
    writeSync(sock, JSON.stringify({ path: resolve(path), flags: mode }) + '\n');
    const got = await recvWithFd(sock);
    if (!got) throw new OpenError('io', 'open: no answer from the daemon');
    let answer: { ok?: boolean; error?: { code: string; message: string } };
    try {
      answer = JSON.parse(got.data.toString('utf8'));
    } catch {
      if (got.fd != null) closeFd(got.fd);
      throw new OpenError('io', 'open: the daemon\'s answer was not JSON');
    }
    if (!answer.ok || got.fd == null) {
      if (got.fd != null) closeFd(got.fd);
      throw new OpenError(answer.error?.code ?? 'io', answer.error?.message ?? 'open: refused');
    }
    return got.fd;
  } finally {
    closeFd(sock);
  }
}
