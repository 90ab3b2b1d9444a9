// ftok: a key from a file's inode and device and an 8-bit project id, as the C library makes it.
import { check } from './errors.js';
import { sysvLib } from './lib.js';

/** ftok(path, proj): the key (signed 32-bit, as key_t in C); throws ENOENT if path does not exist. */
export function ftok(path: string, proj: number): number {
  return check('ftok', sysvLib().ftok(path, proj)) | 0;
}
