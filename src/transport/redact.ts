/**
 * Credentials never leave the transport: every URL shown in a log line or an error goes through
 * {@link redactUrl}, and every error from the AMQP client is rewrapped by {@link transportError}
 * with its text scrubbed of the password (a client error may echo the URL it was given).
 *
 * Redaction works on the text as written, not on a parsed URL: the strings that most need it are
 * the ones that do not parse (a password with an unencoded `/`, `#` or `?`, a missing `//`).
 */
import { ArborError } from '../runtime/errors.js';

/** Placeholder shown instead of a password. */
const MASK = '***';

/**
 * `scheme:` and the slashes after it (`amqp://`, `amqp:/`), when the text starts with one. Without
 * a slash, `guest:secret@host` would read as scheme `guest:`; such text is masked from its start.
 */
const SCHEME = /^[a-z][a-z0-9+.-]*:\/+/i;

/**
 * The URL with its password (and any `password=` query parameter) replaced by `***`. Works on
 * strings that do not parse as URLs too, so a malformed URL is still safe to show: everything
 * between the first `:` of the user info and the last `@` is masked, so a password holding `/`,
 * `#`, `?`, `:` or `@` is masked whole (at worst a little more than the password is hidden).
 *
 * @example
 * redactUrl('amqp://guest:secret@host:5672/vh') // 'amqp://guest:***@host:5672/vh'
 * redactUrl('amqp://guest:pa/ss#1@host')        // 'amqp://guest:***@host'
 */
export function redactUrl(url: string): string {
  const at = url.lastIndexOf('@');
  let out = url;
  if (at >= 0) {
    const prefix = SCHEME.exec(url)?.[0] ?? '';
    const userInfo = url.slice(prefix.length, at);
    const colon = userInfo.indexOf(':');
    // No `:`: `amqp://name@host` has no password, but text without a scheme may be all secret.
    const shownUser = colon >= 0 ? `${userInfo.slice(0, colon)}:${MASK}` : prefix ? userInfo : MASK;
    out = `${prefix}${shownUser}${url.slice(at)}`;
  }
  return out.replace(/([?&](?:password|passwd|pass)=)[^&#]*/gi, `$1${MASK}`);
}

/** The secrets in `url` (password, raw and percent-decoded), to scrub from free text. */
export function secretsOf(url: string): string[] {
  const at = url.lastIndexOf('@');
  const secrets: string[] = [];
  if (at >= 0) {
    const prefix = SCHEME.exec(url)?.[0] ?? '';
    const userInfo = url.slice(prefix.length, at);
    const colon = userInfo.indexOf(':');
    const raw = colon >= 0 ? userInfo.slice(colon + 1) : prefix ? '' : userInfo;
    if (raw) secrets.push(raw, safeDecode(raw));
  }
  for (const m of url.matchAll(/[?&](?:password|passwd|pass)=([^&#]*)/gi)) if (m[1]) secrets.push(m[1], safeDecode(m[1]));
  // A one- or two-character password would mask innocent text everywhere; it is still masked in
  // the URL itself, which is where a client error shows it.
  return [...new Set(secrets)].filter((s) => s.length > 2).sort((a, b) => b.length - a.length);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** `text` with the URL (redacted) and any bare occurrence of its password masked. */
export function redactText(text: string, url: string): string {
  let out = text.split(url).join(redactUrl(url));
  for (const secret of secretsOf(url)) out = out.split(secret).join(MASK);
  return out;
}

/**
 * What an AMQP client error becomes as `cause`: the same message (scrubbed) and code, and no
 * other field of the original (which may hold the URL, a socket or the connection options).
 */
export class RedactedCause extends Error {
  override name = 'TransportCause';
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined) {
    super(message);
    this.code = code;
    // The stack would repeat the message (scrubbed) and point inside the client: no use to a reader.
    this.stack = `${this.name}${code ? ` [${code}]` : ''}: ${message}`;
  }
}

/** The `code` of whatever the client threw (`ACCESS_REFUSED`, `ECONNREFUSED`, ...), if any. */
export function errorCode(thrown: unknown): string | undefined {
  const code = typeof thrown === 'object' && thrown !== null && 'code' in thrown ? (thrown as { code: unknown }).code : undefined;
  return code === undefined || code === null ? undefined : String(code);
}

/**
 * Rewraps anything the AMQP client threw as `ArborError('TRANSPORT_ERROR')`. The message names
 * the client's code (`ACCESS_REFUSED`, `ECONNREFUSED`, ...); `cause` is a {@link RedactedCause}
 * (scrubbed message and code), never the original, which a logger would print in full.
 */
export function transportError(thrown: unknown, url: string, context: string, details: Record<string, unknown> = {}): ArborError {
  // The client prefixes a broker's close reason with its source method, "undefined" when none.
  const raw = redactText(thrown instanceof Error ? thrown.message : String(thrown), url).replace(/^undefined: /, '');
  const code = errorCode(thrown);
  const message = `${context} (${redactUrl(url)}): ${code && !raw.includes(code) ? `${code}: ` : ''}${raw}`;
  return new ArborError('TRANSPORT_ERROR', message, { ...details, ...(code ? { amqpCode: code } : {}) }, { cause: new RedactedCause(raw, code) });
}
