// The dashboard's tokens, per user, in APPINIT_HOME/web-tokens.json (0600, created fresh, never
// through a symlink). A token names a user and a role; whoever holds it acts as that user.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, constants, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** What a token lets its holder do: operator changes things, viewer and metrics only read. */
export type Role = 'operator' | 'viewer' | 'metrics';

/** One user's three tokens. */
export interface UserTokens {
  operator: string;
  viewer: string;
  metrics: string;
}

/** Who a token speaks for. */
export interface TokenOwner {
  uid: number;
  gid: number;
  role: Role;
}

interface Stored {
  [uid: string]: UserTokens & { gid: number };
}

const ROLES: Role[] = ['operator', 'viewer', 'metrics'];

function fresh(): string {
  return randomBytes(24).toString('base64url');
}

/** The token file of a home. */
export function tokensPath(home: string): string {
  return join(home, 'web-tokens.json');
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The tokens of a home: read once, written whenever a user gets theirs for the first time. */
export class TokenStore {
  private data: Stored;
  constructor(private readonly home: string) {
    this.data = this.read();
  }

  private read(): Stored {
    try {
      const parsed = JSON.parse(readFileSync(tokensPath(this.home), 'utf8')) as unknown;
      return parsed && typeof parsed === 'object' ? (parsed as Stored) : {};
    } catch {
      return {}; // none yet (or unreadable: new tokens replace it)
    }
  }

  private write(): void {
    const path = tokensPath(this.home);
    const tmp = `${path}.${process.pid}.tmp`;
    // O_EXCL|O_NOFOLLOW: a planted file or symlink is never written through; 0600 from the start.
    const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try { writeSync(fd, JSON.stringify(this.data, null, 1) + '\n'); } finally { closeSync(fd); }
    renameSync(tmp, path);
  }

  /** A user's tokens, made on first use. */
  forUser(uid: number, gid: number): UserTokens {
    let t = this.data[String(uid)];
    if (!t || ROLES.some((r) => typeof t[r] !== 'string')) {
      t = { operator: fresh(), viewer: fresh(), metrics: fresh(), gid };
      this.data[String(uid)] = t;
      this.write();
    }
    return { operator: t.operator, viewer: t.viewer, metrics: t.metrics };
  }

  /** Who a presented token belongs to, or null. */
  owner(token: string | null | undefined): TokenOwner | null {
    if (!token) return null;
    for (const [uid, t] of Object.entries(this.data)) {
      for (const role of ROLES) if (typeof t[role] === 'string' && same(t[role], token)) return { uid: Number(uid), gid: t.gid ?? Number(uid), role };
    }
    return null;
  }
}
