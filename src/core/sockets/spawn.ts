// What a job's spawn asks the helper for (native/notify.c, native/listen.c): a NOTIFY_SOCKET, the
// listening sockets, and the descriptor store it shares with every later process of the same
// program instance (a restart, a reload), so stored descriptors come back to the next one.
import type { Program } from '../../config/program.js';

/** The socket part of a spawn request. */
export interface SocketRequest {
  /** Descriptors the store may keep; null: no NOTIFY_SOCKET. */
  notify: number | null;
  /** The descriptor store's key: program/instance. */
  store: string;
  listen: { name: string; url: string }[];
}

/** The store a job's descriptors go to: one per program instance (the old and new process of a reload share it). */
export function storeKey(name: string, instance: number): string {
  return `${name}/${instance}`;
}

/** The socket part of a job's spawn; null when the program uses none of it (older stored specs included). */
export function socketRequest(p: Program, instance: number): SocketRequest | null {
  const listen = p.listen ?? [];
  const fdStore = p.fdStore ?? 0;
  const notify = p.ready === 'notify' || fdStore > 0 ? fdStore : null;
  if (notify == null && listen.length === 0) return null;
  return { notify, store: storeKey(p.name, instance), listen };
}
