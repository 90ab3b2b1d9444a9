// The boot files `appinit startup` writes, one per init system. Pure text: what runs is
// `appinit daemon --system` (root, for every user) or `appinit daemon` as one user.

/** What the boot file starts. */
export interface StartupSpec {
  /** node, then the CLI's main.js: absolute, so an `npm i -g` upgrade runs the new code from the same path. */
  argv: string[];
  mode: 'system' | 'user';
  /** For a user daemon started by a system init (openrc, sysv): the user and their home. */
  user?: { name: string; home: string };
  /** The environment that says which daemon: APPINIT_HOME (a user daemon's home when set) or
   *  APPINIT_SYSTEM_HOME; without it the daemon would serve ~/.appinit or /var/lib/appinit. */
  env?: Record<string, string>;
  /** The daemon's pid file, for a script's `status` (which must not start a daemon). */
  pidFile?: string;
}

/** The init systems appinit writes a boot file for. */
export type InitSystem = 'systemd' | 'openrc' | 'sysv';

const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The daemon's command line for a spec. */
export function daemonArgv(s: StartupSpec): string[] {
  return [...s.argv, 'daemon', ...(s.mode === 'system' ? ['--system'] : [])];
}

/** A systemd service. Type=simple: the daemon does not send READY=1, and serves as soon as it runs.
 *  KillMode=process and ExecStop=`appinit down`: a stop stops the jobs in order with their own stop
 *  signals; a daemon that ends otherwise (an upgrade's handover, a crash) is restarted
 *  (Restart=always) and adopts the helper and jobs, which systemd did not kill with the cgroup. */
export function systemdUnit(s: StartupSpec): string {
  const start = daemonArgv(s).map(q).join(' ');
  const down = [...s.argv, 'down'].map(q).join(' ');
  return `[Unit]
Description=appinit: init for applications (${s.mode === 'system' ? 'system daemon, every user' : 'user daemon'})
Documentation=https://www.npmjs.com/package/appinit
After=network.target

[Service]
Type=simple
ExecStart=${start}
ExecStop=${down}
KillMode=process
Restart=always
RestartSec=1s
TimeoutStopSec=120s
${s.mode === 'system' ? 'Environment=APPINIT_SYSTEM=1\n' : ''}${Object.entries(s.env ?? {}).map(([k, v]) => `Environment=${q(`${k}=${v}`)}\n`).join('')}
[Install]
WantedBy=${s.mode === 'system' ? 'multi-user.target' : 'default.target'}
`;
}

/** An OpenRC service script (supervise-daemon keeps the daemon up). */
export function openrcScript(s: StartupSpec): string {
  const [cmd, ...args] = daemonArgv(s);
  return `#!/sbin/openrc-run
# appinit: init for applications. Written by \`appinit startup openrc\`; removed by \`appinit unstartup\`.
description="appinit ${s.mode} daemon"
supervisor=supervise-daemon
command=${q(cmd)}
command_args="${args.map(q).join(' ')}"
${s.user ? `command_user=${q(s.user.name)}\nexport HOME=${q(s.user.home)}\n` : ''}${s.mode === 'system' ? 'export APPINIT_SYSTEM=1\n' : ''}${Object.entries(s.env ?? {}).map(([k, v]) => `export ${k}=${q(v)}\n`).join('')}
depend() {
\tneed localmount
\tafter net
}

stop_pre() {
\t${[...s.argv, 'down'].map(q).join(' ')} || true
}
`;
}

/** A System V init script with LSB headers (update-rc.d / chkconfig read them). */
export function sysvScript(s: StartupSpec): string {
  const run = daemonArgv(s).map(q).join(' ');
  const down = [...s.argv, 'down'].map(q).join(' ');
  const as = (c: string) => (s.user ? `su -s /bin/sh ${q(s.user.name)} -c ${q(c)}` : c);
  // One name per script: a user's must not claim root's `appinit` (insserv refuses two).
  const provides = s.user ? `appinit-${s.user.name}` : 'appinit';
  const pidFile = s.pidFile ?? '';
  return `#!/bin/sh
### BEGIN INIT INFO
# Provides:          ${provides}
# Required-Start:    $local_fs $remote_fs $network
# Required-Stop:     $local_fs $remote_fs $network
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: appinit: init for applications (${s.mode} daemon)
### END INIT INFO
# Written by \`appinit startup sysv\`; removed by \`appinit unstartup\`.
${s.mode === 'system' ? 'APPINIT_SYSTEM=1; export APPINIT_SYSTEM\n' : ''}${s.user ? `HOME=${q(s.user.home)}; export HOME\n` : ''}${Object.entries(s.env ?? {}).map(([k, v]) => `${k}=${q(v)}; export ${k}\n`).join('')}PIDFILE=${q(pidFile)}

# The daemon's pid when it runs (its pid file names a live process); asks nothing of it, so a
# status never starts one (every appinit command but daemon would).
running() {
  pid=$(cat "$PIDFILE" 2>/dev/null) && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# LSB exit codes: status 0 running, 3 not running; stop of a stopped daemon is a success.
case "$1" in
  start)
    running && exit 0
    ${as(`nohup ${run} >/dev/null 2>&1 &`)}
    ;;
  stop)
    running || exit 0
    ${as(down)}
    ;;
  restart|force-reload)
    "$0" stop; "$0" start
    ;;
  status)
    if running; then echo "appinit is running (pid $pid)"; exit 0; fi
    echo "appinit is not running"; exit 3
    ;;
  *)
    echo "Usage: $0 {start|stop|restart|force-reload|status}" >&2
    exit 2
    ;;
esac
`;
}
