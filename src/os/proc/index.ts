// The only code that reads /proc. Everything else imports from here.
export type {
  CpuStat, CpuTimes, DiskStat, LoadAvg, MemInfo, ProcInfo, SystemSnapshot, ThreadInfo, VmCounters,
} from './types.js';
export { readProcess, readAllProcesses, readThreads, listPids, type ReadOptions } from './process.js';
export { processIdentity, isSameProcess, type ProcessIdentity } from './identity.js';
export {
  clockTicks, pageSize, pidDigits, readUptime, readLoadavg, readMeminfo, readCpuStat, readDiskstats,
  readVmCounters, countUsers,
} from './system.js';
export { lookupUser, userId, userName } from './users.js';
export type { PasswdEntry } from './parse-system.js';
export { readSystemSnapshot } from './snapshot.js';
export { withDescendants } from './children.js';
export { descendantsSampled, readProcSample, type ProcSample } from './sample.js';
export { KeptFiles, type KeptRead } from './kept-files.js';
