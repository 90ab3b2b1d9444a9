// Who a dashboard request speaks for (its cookie or bearer token), and whether it may change
// anything: changes need the operator role, a custom header a cross-site form cannot send, and
// (when the browser names one) an Origin equal to this server's.
import type http from 'node:http';
import type { TokenOwner, TokenStore } from './tokens.js';

/** The cookie that carries the token after login. */
export const COOKIE = 'appinit_web';
/** The header every changing request of the page carries (a cross-site form cannot set it). */
export const CSRF_HEADER = 'x-appinit-web';

/** The cookie's value, if any. */
export function cookieToken(req: http.IncomingMessage): string | null {
  const raw = req.headers.cookie;
  if (!raw) return null;
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === COOKIE) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

/** The bearer token of an Authorization header, if any. */
export function bearerToken(req: http.IncomingMessage): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m ? m[1] : null;
}

/** Who the request speaks for: the bearer token when there is one (scripts, Prometheus), else the cookie. */
export function identify(tokens: TokenStore, req: http.IncomingMessage): TokenOwner | null {
  // No fallback to the cookie when a bearer token is sent: changeRefusal exempts bearer requests
  // from the page's CSRF checks, which must only hold when the bearer token is what identified.
  const bearer = bearerToken(req);
  return bearer != null ? tokens.owner(bearer) : tokens.owner(cookieToken(req));
}

/** True when the Origin header is absent or names this very server (scheme, host and port). */
export function sameOrigin(req: http.IncomingMessage, tls: boolean): boolean {
  const origin = req.headers.origin;
  if (origin == null) return true;
  return origin === `${tls ? 'https' : 'http'}://${req.headers.host ?? ''}`;
}

/** Why a changing request is refused, or null when it may go on. */
export function changeRefusal(who: TokenOwner, req: http.IncomingMessage, tls: boolean): string | null {
  if (who.role !== 'operator') return `the ${who.role} token is read-only: changes need the operator token`;
  // A bearer token is never sent by a browser on its own: only cookie requests need the checks.
  if (bearerToken(req) != null) return null;
  if (req.headers[CSRF_HEADER] !== '1') return `a change from the page needs the ${CSRF_HEADER} header (cross-site request refused)`;
  if (!sameOrigin(req, tls)) return `Origin ${req.headers.origin} is not this dashboard's (cross-site request refused)`;
  return null;
}

/** The Set-Cookie value for a token (HttpOnly: the page's scripts never see it again). */
export function setCookie(token: string, tls: boolean): string {
  return `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/${tls ? '; Secure' : ''}`;
}
