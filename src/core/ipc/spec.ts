// What a control file's `ipc:` section asks for: System V objects by name, before any program starts.

/** One kernel object of the control file. */
export interface IpcObjectSpec {
  /** The name in the file (`jobs`); programs get APPINIT_IPC_<NAME> (upper case, - as _). */
  name: string;
  kind: 'queue' | 'semaphores' | 'shm';
  /** The key, or 0 for `private` (a new object every time, known by its id only). */
  key: number;
  /** Permission bits (default 0600). */
  mode: number;
  /** queue: msg_qbytes (default: the kernel's msgmnb). */
  maxBytes: number | null;
  /** semaphores: how many, and their first values (default all 0). */
  count: number;
  values: number[];
  /** shm: size in bytes. */
  size: number;
  /** The owner (user name or uid); null: the programs' user when they all run as one, else the daemon's. */
  user: string | null;
  /** Who loaded the file (uid; absent: the daemon's owner): on the system daemon, `up` replaces only the loader's objects. */
  loader?: number;
  /** Where the object is named in the control file (for errors found when it is made). */
  at?: { file: string; line: number; col: number };
}

/** The environment variable that carries an object's id to programs. */
export function envName(name: string): string {
  return `APPINIT_IPC_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}
