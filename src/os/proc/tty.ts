// Terminal names from the kernel's device numbers (stat's tty_nr), as procps names them.

/** Terminal name from stat's tty_nr, as ps prints it: pts/N, ttyN, ttySN, console, or '?'. */
export function ttyName(ttyNr: number): string {
  if (ttyNr === 0) return '?';
  const major = (ttyNr >> 8) & 0xfff;
  const minor = (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00);
  if (major >= 136 && major <= 143) return `pts/${(major - 136) * 256 + minor}`;
  if (major === 4) return minor < 64 ? `tty${minor}` : `ttyS${minor - 64}`;
  if (major === 5 && minor === 1) return 'console';
  if (major === 5 && minor === 0) return 'tty';
  // Other drivers need /proc/tty/drivers; procps prints their /dev name, we print major,minor.
  return `${major},${minor}`;
}
