// formatPs / psJson on fabricated processes; expected text follows procps-ng 4.0.2's layout
// (column widths, overflow pushing later columns right, -l's 1-wide ADDR).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NOW_MS, PROCS, SYS, proc, startedAgo, userName } from './fixtures.js';
import { formatPs, psJson, psReadNeeds, PsFormatError } from '../../../src/cli/report/ps.js';

const base = { sys: SYS, userName };

test('plain ps: PID TTY TIME CMD with comm', () => {
  assert.equal(formatPs(PROCS, base), [
    '  PID TTY          TIME CMD',
    '    1 ?        00:00:02 systemd',
    '    2 ?        00:00:00 kthreadd',
    '   18 ?        00:00:00 migration/0',
    ' 4242 pts/0    00:00:00 bash',
    ' 4300 pts/0    00:00:00 sleep',
    ' 4301 pts/0    00:00:00 sleep',
    ' 5000 ?        00:01:00 node',
    '',
  ].join('\n'));
});

test('ps -f: user names, lifetime C, STIME today / earlier, [kthread], <defunct>', () => {
  assert.equal(formatPs(PROCS, { ...base, format: 'f' }), [
    'UID        PID  PPID  C STIME TTY          TIME CMD',
    'root         1     0  0 Nov20 ?        00:00:02 /sbin/init splash',
    'root         2     0  0 Nov20 ?        00:00:00 [kthreadd]',
    'root        18     2  0 Nov20 ?        00:00:00 [migration/0]',
    'alice     4242     1  0 11:00 pts/0    00:00:00 -bash',
    'alice     4300  4242  0 11:59 pts/0    00:00:00 sleep 1000',
    'alice     4301  4242  0 11:59 pts/0    00:00:00 [sleep] <defunct>',
    'systemd+  5000     1 50 11:58 ?        00:01:00 node server.js --port 8080',
    '',
  ].join('\n'));
});

test('ps -l: flags, PRI/NI (RT shows -), ADDR SZ overflow, WCHAN cut to 6', () => {
  assert.equal(formatPs(PROCS, { ...base, format: 'l' }), [
    'F S   UID   PID  PPID  C PRI  NI ADDR SZ WCHAN  TTY          TIME CMD',
    '4 S     0     1     0  0  80   0 - 41503 ep_pol ?        00:00:02 systemd',
    '1 S     0     2     0  0  80   0 -     0 kthrea ?        00:00:00 kthreadd',
    '1 S     0    18     2  0 -40   - -     0 smpboo ?        00:00:00 migration/0',
    '0 S  1000  4242     1  0  80   0 -  2197 do_wai pts/0    00:00:00 bash',
    '0 S  1000  4300  4242  0  85   5 -  1220 hrtime pts/0    00:00:00 sleep',
    '1 Z  1000  4301  4242  0  80   0 -     0 -      pts/0    00:00:00 sleep',
    '4 R  1001  5000     1 50  75  -5 - 262144 -     ?        00:01:00 node',
    '',
  ].join('\n'));
});

test('ps -lf', () => {
  assert.equal(formatPs(PROCS, { ...base, format: 'lf' }), [
    'F S UID        PID  PPID  C PRI  NI ADDR SZ WCHAN  STIME TTY          TIME CMD',
    '4 S root         1     0  0  80   0 - 41503 ep_pol Nov20 ?        00:00:02 /sbin/init splash',
    '1 S root         2     0  0  80   0 -     0 kthrea Nov20 ?        00:00:00 [kthreadd]',
    '1 S root        18     2  0 -40   - -     0 smpboo Nov20 ?        00:00:00 [migration/0]',
    '0 S alice     4242     1  0  80   0 -  2197 do_wai 11:00 pts/0    00:00:00 -bash',
    '0 S alice     4300  4242  0  85   5 -  1220 hrtime 11:59 pts/0    00:00:00 sleep 1000',
    '1 Z alice     4301  4242  0  80   0 -     0 -      11:59 pts/0    00:00:00 [sleep] <defunct>',
    '4 R systemd+  5000     1 50  75  -5 - 262144 -     11:58 ?        00:01:00 node server.js --port 8080',
    '',
  ].join('\n'));
});

test('ps -o with every supported column', () => {
  const cols = 'pid,ppid,pgid,sid,user,uid,tty,stat,time,etime,etimes,pcpu,pmem,rss,vsz,comm,nice,pri,stime,lstart,wchan,args'.split(',');
  assert.equal(formatPs(PROCS, { ...base, columns: cols }), [
    '  PID  PPID  PGID   SID USER       UID TT       STAT     TIME     ELAPSED ELAPSED %CPU %MEM   RSS    VSZ COMMAND          NI PRI STIME                  STARTED WCHAN  COMMAND',
    '    1     0     1     1 root         0 ?        SLs  00:00:02  1-03:46:39   99999  0.0  0.6 12000 166015 systemd           0  19 Nov20 Thu Nov 20 08:13:21 2025 ep_pol /sbin/init splash',
    '    2     0     0     0 root         0 ?        S    00:00:00  1-03:46:39   99999  0.0  0.0     0      0 kthreadd          0  19 Nov20 Thu Nov 20 08:13:21 2025 kthrea [kthreadd]',
    '   18     2     0     0 root         0 ?        S    00:00:00  1-03:46:39   99999  0.0  0.0     0      0 migration/0       - 139 Nov20 Thu Nov 20 08:13:21 2025 smpboo [migration/0]',
    ' 4242     1  4242  4242 alice     1000 pts/0    Ss   00:00:00    01:00:00    3600  0.0  0.2  5200   8789 bash              0  19 11:00 Fri Nov 21 11:00:00 2025 do_wai -bash',
    ' 4300  4242  4300  4242 alice     1000 pts/0    SN+  00:00:00       01:00      60  0.0  0.0  1000   4882 sleep             5  14 11:59 Fri Nov 21 11:59:00 2025 hrtime sleep 1000',
    ' 4301  4242  4242  4242 alice     1000 pts/0    Z    00:00:00       00:30      30  0.0  0.0     0      0 sleep             0  19 11:59 Fri Nov 21 11:59:30 2025 -      [sleep] <defunct>',
    ' 5000     1  5000  5000 systemd+  1001 ?        R<sl 00:01:00       02:00     120 50.0  5.1 102400 1048576 node           -5  24 11:58 Fri Nov 21 11:58:00 2025 -      node server.js --port 8080',
    '',
  ].join('\n'));
});

test('-o aliases: %cpu %mem cmd ucmd s f c sz tname', () => {
  const p = [PROCS[6]!];
  assert.equal(formatPs(p, { ...base, columns: ['%cpu', '%mem', 's', 'f', 'c', 'sz', 'tname', 'ucmd', 'cmd'] }), [
    '%CPU %MEM S F  C    SZ TTY      CMD             CMD',
    '50.0  5.1 R 4 50 262144 ?       node            node server.js --port 8080',
    '',
  ].join('\n'));
});

test('header overrides, and no header line when every header is empty', () => {
  const p = [PROCS[0]!];
  assert.equal(formatPs(p, { ...base, columns: ['pid=MYPID', 'comm=X'] }), 'MYPID X\n    1 systemd\n');
  assert.equal(formatPs(p, { ...base, columns: ['pid=', 'comm='] }), '    1 systemd\n');
  assert.equal(formatPs(p, { ...base, header: false }), '    1 ?        00:00:02 systemd\n');
});

test('the JOB column comes with the header line: headerless output has exactly the columns asked for', () => {
  const p = [PROCS[0]!];
  const jobs = new Map([[1, 3]]);
  assert.equal(formatPs(p, { ...base, jobs, columns: ['pid', 'comm'] }), '  PID JOB COMMAND\n    1 %3  systemd\n');
  assert.equal(formatPs(p, { ...base, jobs, columns: ['pid='] }), '    1\n', '-o pid= gives pids only (kill $(appinit ps -o pid= ...))');
  assert.equal(formatPs(p, { ...base, jobs, columns: ['pid=', 'comm='] }), '    1 systemd\n');
  assert.equal(formatPs(p, { ...base, jobs, header: false }), '    1 ?        00:00:02 systemd\n', '--no-headers');
});

test('a non-last args/comm column is cut to its width (27 / 15)', () => {
  const p = [proc({ pid: 1, comm: 'process_api', cmdline: ['/process_api', '--firecracker-init', '--addr'] })];
  assert.equal(formatPs(p, { ...base, columns: ['args', 'pid', 'comm'] }), [
    'COMMAND                       PID COMMAND',
    '/process_api --firecracker-     1 process_api',
    '',
  ].join('\n'));
});

test('a screen width cuts the last column as ps --cols does', () => {
  const p = [proc({ pid: 1, comm: 'process_api', cmdline: ['/process_api', '--firecracker-init'] })];
  assert.equal(formatPs(p, { ...base, columns: ['pid', 'args', 'comm'], width: 40 }), [
    '  PID COMMAND                     COMMAND',
    '    1 /process_api --firecracker- proces',
    '',
  ].join('\n'));
  assert.equal(formatPs(p, { ...base, format: 'f', width: 60 }).split('\n')[1], 'root         1     1  0 11:43 ?        00:00:00 /process_api');
});

test('pid_max of 4194304 widens every pid column to 7', () => {
  const p = [PROCS[3]!];
  assert.equal(formatPs(p, { ...base, sys: { ...SYS, pidDigits: 7 }, format: 'f' }), [
    'UID          PID    PPID  C STIME TTY          TIME CMD',
    'alice       4242       1  0 11:00 pts/0    00:00:00 -bash',
    '',
  ].join('\n'));
});

test('STIME shows the year for a process started in an earlier year; unknown uids print as numbers', () => {
  const p = [proc({ pid: 7, startTime: 0, euid: 4321, comm: 'old', cmdline: ['old'] })];
  const sys = { ...SYS, btime: Date.UTC(2024, 11, 31, 23, 0, 0) / 1000, uptime: (NOW_MS - Date.UTC(2024, 11, 31, 23, 0, 0)) / 1000 };
  assert.equal(formatPs(p, { ...base, sys, format: 'f' }).split('\n')[1], '4321         7     1  0  2024 ?        00:00:00 old');
});

test('long elapsed and cpu times use the dd- prefix (pushing later columns); %CPU over 99.9 loses its decimal', () => {
  const p = [proc({ pid: 9, startTime: startedAgo(90061), utime: 18_000_000, stime: 0, comm: 'spin' })];
  assert.equal(formatPs(p, { ...base, columns: ['etime', 'time', 'pcpu', 'c', 'comm'] }), [
    '    ELAPSED     TIME %CPU  C COMMAND',
    ' 1-01:01:01 2-02:00:00 199 99 spin',
    '',
  ].join('\n'));
});

test('control characters in names print as ?', () => {
  const p = [proc({ pid: 3, comm: 'a\tb', cmdline: ['a\nb', 'c\x1bd'] })];
  assert.equal(formatPs(p, { ...base, columns: ['comm', 'args'] }), 'COMMAND         COMMAND\na?b             a b c?d\n');
});

test('a job map adds a JOB column before the command', () => {
  const jobs = new Map<number, number | string>([[4300, 1], [5000, 'web']]);
  assert.equal(formatPs(PROCS.slice(3), { ...base, jobs }), [
    '  PID TTY          TIME JOB CMD',
    ' 4242 pts/0    00:00:00 -   bash',
    ' 4300 pts/0    00:00:00 %1  sleep',
    ' 4301 pts/0    00:00:00 -   sleep',
    ' 5000 ?        00:01:00 web node',
    '',
  ].join('\n'));
});

test('unknown -o column names are an error that lists the accepted ones', () => {
  assert.throws(() => formatPs(PROCS, { ...base, columns: ['pid', 'bogus'] }), (e: unknown) => e instanceof PsFormatError && /unknown ps column "bogus"; expected one of pid, ppid/.test(e.message));
});

test('psReadNeeds asks for cmdline only for args and wchan only for WCHAN', () => {
  assert.deepEqual(psReadNeeds({}), { cmdline: false, wchan: false });
  assert.deepEqual(psReadNeeds({ format: 'f' }), { cmdline: true, wchan: false });
  assert.deepEqual(psReadNeeds({ format: 'l' }), { cmdline: false, wchan: true });
  assert.deepEqual(psReadNeeds({ columns: ['pid', 'args=CMD'] }), { cmdline: true, wchan: false });
});

test('psJson: plain objects with units, job when mapped', () => {
  const rows = psJson(PROCS.slice(5), { ...base, jobs: new Map([[5000, 'web']]) });
  assert.deepEqual(rows[0], {
    pid: 4301, ppid: 4242, pgid: 4242, sid: 4242, user: 'alice', uid: 1000, tty: 'pts/0', state: 'Z', stat: 'Z',
    nice: 0, priority: 20, threads: 1, cpuPercent: 0, memPercent: 0, rssKb: 0, vszKb: 0, cpuSeconds: 0,
    cpuTime: '00:00:00', elapsedSeconds: 30, started: '2025-11-21T11:59:30.000Z', startedLocal: 'Fri Nov 21 11:59:30 2025',
    startTime: 9997000, comm: 'sleep', args: '[sleep] <defunct>', argv: [],
  });
  assert.equal(rows[1]?.job, 'web');
  assert.equal(rows[1]?.cpuPercent, 50);
  assert.equal(rows[1]?.memPercent, 5.12);
  assert.equal(rows[1]?.stat, 'R<sl');
  assert.equal(JSON.parse(JSON.stringify(rows)).length, 2);
});
