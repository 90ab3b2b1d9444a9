// What appinit's resources are, as stored and as answered: plain data, below core/.

/** What a resource is. */
export type Kind = 'mutex' | 'semaphore' | 'queue';

/** Who holds or waits: a job (when the caller runs inside one) or a process (pid + start time). */
export interface Holder {
  key: string;
  job: number | null;
  pid: number;
  /** How people read it: `job web (pid 812)`, `pid 812`. */
  label: string;
  /** Whose it is (the job's user, the process's): on root's daemon another user sees no name of it. */
  uid?: number;
  /** A process holder's adopted children (`appinit lock`'s CMD), which keep it holding after it ends. */
  adopted?: { pid: number; startTime: number }[];
}

/** A resource as stored. value: free units (a mutex: 1 free, 0 held). */
export interface Resource {
  name: string;
  kind: Kind;
  value: number;
  /** The value it was created with (its capacity when used as held units); -1: not known (older store). */
  initial: number;
  maxBytes: number;
  uid: number;
  gid: number;
  mode: number;
  created: number;
}

/** One message of a queue. */
export interface Message {
  id: number;
  type: number;
  data: string;
  sender: number;
  at: number;
}

/** An answer to a request. */
export type Answer =
  | { ok: true; value?: number; message?: Message }
  | { ok: false; code: 'deadlock' | 'busy' | 'no_message' | 'gone' | 'not_holder' | 'too_big'; message: string; deadlock?: DeadlockFacts };

/** Who takes part in a deadlock, what each holds and waits for. */
export interface DeadlockFacts {
  /** key: the holder's (manager-side only: the API names each holder as the caller may see it, and drops it). */
  cycle: { holder: string; key?: string; holds: string[]; waitsFor: string[] }[];
}

/** Mirrors changes into the store. */
export interface Persist {
  resource(r: Resource): void;
  removed(name: string): void;
  holding(resource: string, holder: Holder, units: number): void;
  messageAdded(resource: string, m: Message): number;
  messageRemoved(resource: string, id: number): void;
  /** Remembers the answer to a request id, so a request re-sent after a restart gets it again. */
  granted(id: string, answer: Answer): void;
  /** Runs fn so that its writes are stored all together or not at all. */
  transaction(fn: () => void): void;
  /** A line for `ipcs`'s events; `about` says whose it is, so a user is shown only theirs (system mode). */
  event(text: string, about?: EventAbout): void;
}

/** What an event is about: its resource and that resource's owner, and the holder it names (if any). */
export interface EventAbout {
  resource: string;
  owner: number;
  holder?: { key: string; label: string; uid?: number };
}
