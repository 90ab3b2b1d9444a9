// appinit ipcs [-q|-s|-m|-a] [--json]: the kernel's System V objects in util-linux's layout with
// the job of each, then appinit's own resources (the coordination module's list) in the same layout.
import { listQueues, listSegments, listSemaphores } from '../../os/sysv/index.js';
import { formatIpcs } from '../resources/commands.js';
import type { ResourceList } from '../../client/index.js';
import { client, EXIT } from '../context.js';
import { formatKernel, type KernelObjects, type Sections } from './format.js';
import { jobFinder } from './jobs.js';

/** ipcs's options. */
export interface IpcsOptions {
  queues?: boolean;
  semaphores?: boolean;
  shmems?: boolean;
  all?: boolean;
  json?: boolean;
}

/** The kernel's objects with a job finder over the daemon's jobs. */
export async function kernelObjects(): Promise<KernelObjects & { resources: ResourceList }> {
  const c = await client();
  const [jobs, resources] = await Promise.all([c.status(), c.resources()]);
  const find = jobFinder(jobs);
  const queues = listQueues();
  const segments = listSegments();
  const semaphores = listSemaphores();
  const first = (pids: number[]) => pids.map(find).find((j) => j != null) ?? null;
  const jobOf = (kind: 'msg' | 'shm' | 'sem', id: number): string | null => {
    // The creator first where the kernel keeps it (shm cpid), then the last users.
    if (kind === 'msg') { const q = queues.find((x) => x.msqid === id); return q ? first([q.lspid, q.lrpid]) : null; }
    if (kind === 'shm') { const m = segments.find((x) => x.shmid === id); return m ? first([m.cpid, m.lpid]) : null; }
    const s = semaphores.find((x) => x.semid === id);
    return s ? first(s.sempids) : null;
  };
  return { queues, segments, semaphores, jobOf, resources };
}

/** Runs ipcs; returns the exit status. */
export async function ipcs(o: IpcsOptions): Promise<number> {
  const some = o.queues || o.semaphores || o.shmems;
  const s: Sections = o.all || !some ? { msg: true, shm: true, sem: true } : { msg: !!o.queues, shm: !!o.shmems, sem: !!o.semaphores };
  const k = await kernelObjects();
  // appinit's resources of the kinds asked for: queues with -q, semaphores and mutexes with -s.
  const kinds = new Set<string>([...(s.msg ? ['queue'] : []), ...(s.sem ? ['semaphore', 'mutex'] : [])]);
  const resources: ResourceList = { ...k.resources, resources: k.resources.resources.filter((r) => kinds.has(r.kind)) };
  if (o.json) {
    const withJob = <T>(kind: 'msg' | 'shm' | 'sem', rows: T[], id: (r: T) => number) => rows.map((r) => ({ ...r, job: k.jobOf(kind, id(r)) }));
    process.stdout.write(JSON.stringify({
      queues: s.msg ? withJob('msg', k.queues, (r) => r.msqid) : undefined,
      segments: s.shm ? withJob('shm', k.segments, (r) => r.shmid) : undefined,
      semaphores: s.sem ? withJob('sem', k.semaphores, (r) => r.semid) : undefined,
      appinit: resources,
    }, null, 2) + '\n');
    return EXIT.ok;
  }
  // One write, as util-linux's ipcs flushes its buffer once: `ipcs | head -1` ends with 0.
  process.stdout.write(formatKernel(k, s) + (kinds.size ? formatIpcs(resources, kinds) : ''));
  return EXIT.ok;
}
