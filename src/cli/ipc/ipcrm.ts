// appinit ipcrm: util-linux ipcrm's options, messages and exit statuses for the kernel's objects
// (-q ID -Q KEY -s ID -S KEY -m ID -M KEY, -a[=shm|msg|sem], -v, and `ipcrm shm|msg|sem ID...`),
// and bare words as names of appinit's own resources (util-linux would call them unknown).
import {
  IPC_RMID, SysvError, listQueues, listSegments, listSemaphores, msgctl, msgget, semctl, semget, shmctl, shmget,
} from '../../os/sysv/index.js';
import { AppinitError, ResourceCallError } from '../../client/index.js';
import { client, EXIT } from '../context.js';

type Kind = 'shm' | 'msg' | 'sem';
const NAME = 'appinit ipcrm';
const TRY = `Try '${NAME} --help' for more information.\n`;
const WHAT: Record<Kind, string> = { shm: 'shared memory segment', msg: 'message queue', sem: 'semaphore' };

/** A usage error: message, then the "Try" line, status 1 (as errtryhelp). */
class Usage extends Error {}

const warn = (s: string) => process.stderr.write(`${NAME}: ${s}\n`);

function rmid(kind: Kind, id: number): void {
  if (kind === 'msg') msgctl(id, IPC_RMID);
  else if (kind === 'sem') semctl(id, 0, IPC_RMID);
  else shmctl(id, IPC_RMID);
}

// util-linux remove_id: 1 on failure (with its message), 0 on success.
function removeId(kind: Kind, iskey: boolean, id: number, verbose: boolean): number {
  if (verbose) process.stdout.write(`removing ${WHAT[kind]} id \`${id}'\n`);
  try {
    rmid(kind, id);
    return 0;
  } catch (err) {
    if (!(err instanceof SysvError)) throw err;
    const what = iskey ? 'key' : 'id';
    if (err.code === 'EACCES' || err.code === 'EPERM') warn(`permission denied for ${what} (${id})`);
    else if (err.code === 'EINVAL') warn(`invalid ${what} (${id})`);
    else if (err.code === 'EIDRM') warn(`already removed ${what} (${id})`);
    else throw new Failed(`${what} failed: ${err.message}`);
    return 1;
  }
}

/** A failure that ends the command at once (util-linux err(EXIT_FAILURE)). */
class Failed extends Error {}

// util-linux strtos32_or_err: base 10 (leading blanks and a sign allowed), the whole word, an int.
function parseId(s: string): number {
  if (!/^\s*[-+]?\d+$/.test(s)) throw new Failed(`failed to parse argument: '${s}'`);
  const n = Number(s);
  if (n > 2 ** 31 - 1 || n < -(2 ** 31)) throw new Failed(`failed to parse argument: '${s}': Numerical result out of range`);
  return n;
}

// util-linux key_to_id: strtoul(s, &end, 0) over the whole word, taken as a key_t (an int), so
// -1 is 0xffffffff; then the id, or -1 after saying why.
function keyToId(kind: Kind, s: string): number {
  const m = /^\s*([-+]?)(0x[0-9a-f]+|0[0-7]*|[1-9]\d*)$/i.exec(s);
  if (!m) throw new Failed(`failed to parse argument: '${s}'`);
  const digits = m[2];
  const abs = BigInt(/^0[0-7]+$/.test(digits) ? `0o${digits.slice(1)}` : digits);
  const key = Number(BigInt.asIntN(32, m[1] === '-' ? -abs : abs));
  if (key === 0) {
    warn(`illegal key (${s})`);
    return -1;
  }
  try {
    return kind === 'shm' ? shmget(key, 0, 0) : kind === 'msg' ? msgget(key, 0) : semget(key, 0, 0);
  } catch (err) {
    if (!(err instanceof SysvError)) throw err;
    if (err.code === 'EACCES') warn(`permission denied for key (${s})`);
    else if (err.code === 'EIDRM') warn(`already removed key (${s})`);
    else if (err.code === 'ENOENT') warn(`invalid key (${s})`);
    else throw new Failed(`key failed: ${err.message}`);
    return -1;
  }
}

function removeAll(kind: Kind | 'all', verbose: boolean): number {
  let ret = 0;
  // util-linux's order: segments, arrays, queues.
  if (kind === 'shm' || kind === 'all') for (const m of listSegments()) ret |= removeId('shm', false, m.shmid, verbose);
  if (kind === 'sem' || kind === 'all') for (const s of listSemaphores()) ret |= removeId('sem', false, s.semid, verbose);
  if (kind === 'msg' || kind === 'all') for (const q of listQueues()) ret |= removeId('msg', false, q.msqid, verbose);
  return ret;
}

// `ipcrm shm|msg|sem ID...` (util-linux deprecated_main).
function oldSyntax(kind: Kind, ids: string[]): number {
  if (ids.length === 0) throw new Usage('not enough arguments');
  let errors = 0;
  for (const s of ids) {
    if (!/^\d+$/.test(s)) {
      warn(`invalid id: ${s}`);
      errors++;
    } else if (removeId(kind, false, Number(s), false)) errors++;
  }
  if (errors) return EXIT.failure;
  process.stdout.write('resource(s) deleted\n');
  return EXIT.ok;
}

const SHORT: Record<string, { kind: Kind; key: boolean }> = {
  m: { kind: 'shm', key: false }, M: { kind: 'shm', key: true }, q: { kind: 'msg', key: false },
  Q: { kind: 'msg', key: true }, s: { kind: 'sem', key: false }, S: { kind: 'sem', key: true },
};
const LONG: Record<string, string> = {
  '--shmem-id': 'm', '--shmem-key': 'M', '--queue-id': 'q', '--queue-key': 'Q', '--semaphore-id': 's', '--semaphore-key': 'S',
};

/** Runs ipcrm on the raw words after the verb; returns the exit status. */
export async function ipcrm(words: string[]): Promise<number> {
  try {
    if (words[0] === 'shm' || words[0] === 'msg' || words[0] === 'sem') return oldSyntax(words[0], words.slice(1));
    let ret = 0;
    let verbose = false;
    let all = null as Kind | 'all' | null;
    const names: string[] = [];
    // Options act as getopt hands them over, in order; bare words (appinit names) wait until the end.
    const act = (opt: string, arg: string): boolean => {
      if (opt === 'v') verbose = true;
      else if (opt === 'a') {
        if (arg !== '' && arg !== 'shm' && arg !== 'msg' && arg !== 'sem') {
          warn(`unknown argument: ${arg}`);
          return false;
        }
        all = (arg || 'all') as Kind | 'all';
      } else {
        const { kind, key } = SHORT[opt];
        const id = key ? keyToId(kind, arg) : parseId(arg);
        if (id < 0 && key) ret++;
        else if (removeId(kind, key, id, verbose)) ret++;
      }
      return true;
    };
    for (let i = 0; i < words.length; i++) {
      const w = words[i];
      if (w === '--') { names.push(...words.slice(i + 1)); break; }
      if (w.startsWith('--')) {
        const [name, value] = w.includes('=') ? [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)] : [w, undefined];
        let ok = true;
        if (name === '--all') ok = act('a', value ?? '');
        else if (name === '--verbose') act('v', '');
        else {
          const short = LONG[name];
          if (!short) throw new Usage(`unrecognized option '${w}'`);
          const arg = value ?? words[++i];
          if (arg == null) throw new Usage(`option '${name}' requires an argument`);
          act(short, arg);
        }
        if (!ok) return EXIT.failure;
        continue;
      }
      if (w.startsWith('-') && w.length > 1) {
        for (let k = 1; k < w.length; k++) {
          const c = w[k];
          if (c === 'v') { act(c, ''); continue; }
          // getopt's "a::": the rest of the word is -a's argument (-ashm: only segments), never more flags.
          if (c === 'a') {
            if (!act('a', w.slice(k + 1))) return EXIT.failure;
            break;
          }
          if (!SHORT[c]) throw new Usage(`invalid option -- '${c}'`);
          const arg = w.slice(k + 1) || words[++i];
          if (arg == null) throw new Usage(`option requires an argument -- '${c}'`);
          act(c, arg);
          break;
        }
        continue;
      }
      names.push(w);
    }
    if (all) ret += removeAll(all, verbose);
    // Each name on its own, as util-linux takes each id: one that is missing (or not yours) is
    // said and counted, and the others go all the same.
    for (const name of names) {
      try {
        await (await client()).removeResources([name]);
      } catch (err) {
        // The daemon's refusal (no such resource, not yours): said as ipcrm says its own.
        if (!(err instanceof ResourceCallError || err instanceof AppinitError)) throw err;
        warn(err.message);
        ret++;
      }
    }
    return ret ? EXIT.failure : EXIT.ok;
  } catch (err) {
    if (err instanceof Usage) {
      warn(err.message);
      process.stderr.write(TRY);
      return EXIT.failure;
    }
    if (err instanceof Failed) {
      warn(err.message);
      return EXIT.failure;
    }
    throw err;
  }
}
