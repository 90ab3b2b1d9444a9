// What is wrong with the daemon right now, though it keeps running: shown by `info` and `status`.
/** One degraded condition: what, since when, and what the daemon does about it. */
export interface Problem {
  what: string;
  since: number;
  message: string;
}

/** The daemon's current problems, by kind (disk, backup, socket). */
export class Health {
  private problems = new Map<string, Problem>();

  /** Records (or keeps) a problem of a kind; returns true when it is new. */
  set(what: string, message: string): boolean {
    const old = this.problems.get(what);
    if (old) {
      old.message = message;
      return false;
    }
    this.problems.set(what, { what, since: Date.now(), message });
    return true;
  }

  /** Clears a problem; returns true when there was one. */
  clear(what: string): boolean {
    return this.problems.delete(what);
  }

  /** True when a problem of this kind is current. */
  has(what: string): boolean {
    return this.problems.has(what);
  }

  /** Every current problem, oldest first. */
  list(): Problem[] {
    return [...this.problems.values()].sort((a, b) => a.since - b.since);
  }
}

/** True when an error says the disk (or the store's quota) is full. */
export function isDiskFull(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  return e != null && (e.code === 'SQLITE_FULL' || e.code === 'ENOSPC' || e.code === 'EDQUOT' || /database or disk is full|ENOSPC/.test(e.message ?? ''));
}
