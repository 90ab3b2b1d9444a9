// The user's time zone by name, without ICU when the system says it plainly: Intl's first use
// costs a command ~12 ms (bench/cli.ts, `logs -n`), more than the rest of its start.
import { existsSync, readlinkSync } from 'node:fs';

// An IANA name as TZ or /etc/localtime's link gives it ("Europe/Paris", "UTC"); anything else
// (POSIX rules such as "CET-1CEST", a file path) is left to Intl, which knows what they mean.
const IANA = /^(UTC|GMT|[A-Z][A-Za-z_+-]*(\/[A-Za-z0-9_+-]+)+)$/;

/** The IANA name of the local time zone: TZ, else /etc/localtime's link, else what Intl resolves. */
export function localZone(env: NodeJS.ProcessEnv = process.env): string {
  const tz = env.TZ;
  if (tz === '') return 'UTC'; // as the C library reads an empty TZ
  if (tz !== undefined) {
    const name = tz.startsWith(':') ? tz.slice(1) : tz;
    // A name the zone database has (a misspelt one is left to Intl, which falls back as libc does).
    if (IANA.test(name) && (name === 'UTC' || existsSync(`/usr/share/zoneinfo/${name}`))) return name;
  } else {
    try {
      const link = readlinkSync('/etc/localtime');
      const at = link.lastIndexOf('zoneinfo/');
      if (at >= 0 && IANA.test(link.slice(at + 9))) return link.slice(at + 9);
    } catch {
      // not a link (a copied file) or absent: ask Intl
    }
  }
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}
