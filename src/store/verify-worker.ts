// Runs verifyStoreFile off the daemon's event loop: a quick_check of a 24 MB copy takes ~350 ms.
import { parentPort, workerData } from 'node:worker_threads';
import { verifyStoreFile } from './backup.js';

const { path, plain } = workerData as { path: string; plain: boolean };
parentPort!.postMessage(verifyStoreFile(path, plain));
