// Pure formatting of process and system reports (ps, pstree, top, vmstat, iostat, zombies).
export { formatPs, psJson, psReadNeeds, PsFormatError, type PsFormat, type PsOptions, type PsJsonRow, type PsSystem } from './ps.js';
export { formatPstree, type PstreeOptions } from './pstree.js';
export { formatTopBatch, type TopOptions } from './top.js';
export { formatVmstat, formatVmstatCounters, vmstatCounters, vmstatTimestamp, vmstatTimestampHeader, VMSTAT_HEADER } from './vmstat.js';
export { clockTime, cpuPercent, iostatCpu, sarHeader, sarRow, sysstatBanner, type CpuPercent, type HostNames } from './sysstat.js';
export { formatIostat, IOSTAT_HEADER } from './iostat.js';
export { findZombies, type ZombieReport } from './zombies.js';
export { ttyName } from './text.js';
