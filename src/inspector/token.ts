/**
 * The inspector's access check: with a token configured, every request must carry it, as
 * `Authorization: Bearer <token>`, an `X-Arbor-Token` header, or a `token` query parameter (what a
 * browser's address bar and `EventSource` can send). Compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * True when the request may proceed: no token is configured, or it carries the right one. With
 * `headerOnly` (the page's actions, which change things) the query parameter does not count: a
 * link or a form elsewhere cannot carry a header, so it cannot act with a token it saw in a URL.
 */
export function tokenAccepted(token: string | undefined, headers: Readonly<Record<string, string | string[] | undefined>>, url: URL, headerOnly = false): boolean {
  if (token === undefined) return true;
  const offered = offeredToken(headers, headerOnly ? undefined : url);
  return offered !== undefined && sameSecret(offered, token);
}

function offeredToken(headers: Readonly<Record<string, string | string[] | undefined>>, url: URL | undefined): string | undefined {
  const auth = headers['authorization'];
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m) return m[1];
  }
  const header = headers['x-arbor-token'];
  if (typeof header === 'string') return header;
  return url?.searchParams.get('token') ?? undefined;
}

/** Equal strings, compared without leaking where they differ (hashing makes the lengths equal). */
function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
