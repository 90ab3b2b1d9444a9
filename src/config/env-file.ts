// envFile: KEY=VALUE lines as docker-compose and systemd's EnvironmentFile= read them:
// `#` comments and blank lines skipped, an optional `export `, values optionally in single
// quotes (taken literally) or double quotes (\n \t \" \\ escapes). Nothing is expanded.

/** A problem in an env file, 1-based line and column. */
export interface EnvFileIssue {
  line: number;
  col: number;
  message: string;
}

/** Variables of an env file's text, and the problems found (every line is checked). */
export function parseEnvFile(text: string): { vars: Record<string, string>; issues: EnvFileIssue[] } {
  const vars: Record<string, string> = {};
  const issues: EnvFileIssue[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    const lead = line.length - line.trimStart().length;
    const body = line.trimStart();
    if (body === '' || body.startsWith('#')) return;
    const m = /^(export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(body);
    if (!m) {
      const eq = body.indexOf('=');
      const message = eq < 0 ? 'expected KEY=VALUE' : `"${body.slice(0, eq).trim()}" is not a variable name (letters, digits and _, not starting with a digit)`;
      issues.push({ line: i + 1, col: lead + 1, message });
      return;
    }
    const valueCol = lead + body.length - m[3].length + 1;
    const v = value(m[3]);
    if (typeof v === 'string') vars[m[2]] = v;
    else issues.push({ line: i + 1, col: valueCol + v.at, message: v.message });
  });
  return { vars, issues };
}

function value(text: string): string | { at: number; message: string } {
  if (text.includes('\0')) return { at: text.indexOf('\0'), message: 'a NUL byte cannot be in an environment variable' };
  const t = text.trim();
  const at = text.length - text.trimStart().length;
  if (t.startsWith("'")) {
    const end = t.indexOf("'", 1);
    if (end < 0) return { at, message: "unterminated ' quote" };
    if (!/^\s*(#.*)?$/.test(t.slice(end + 1))) return { at: at + end + 1, message: 'unexpected text after the closing quote' };
    return t.slice(1, end);
  }
  if (t.startsWith('"')) {
    let out = '';
    for (let i = 1; i < t.length; i++) {
      const c = t[i];
      if (c === '"') {
        if (!/^\s*(#.*)?$/.test(t.slice(i + 1))) return { at: at + i + 1, message: 'unexpected text after the closing quote' };
        return out;
      }
      if (c === '\\' && i + 1 < t.length) {
        const e = t[++i];
        out += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
      } else out += c;
    }
    return { at, message: 'unterminated " quote' };
  }
  // Unquoted: a " #" starts a comment, as in docker-compose.
  return t.replace(/\s+#.*$/, '');
}
