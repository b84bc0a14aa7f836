/**
 * Credentials never leave the transport: every URL shown in a log line or an error goes through
 * {@link redactUrl}, and every error from the AMQP client is rewrapped by {@link transportError}
 * with its text scrubbed of the password (a client error may echo the URL it was given).
 */
import { ArborError } from '../runtime/errors.js';

/** Placeholder shown instead of a password. */
const MASK = '***';

/**
 * The URL with its password (and any `password=` query parameter) replaced by `***`. Works on
 * strings that do not parse as URLs too, so a malformed URL is still safe to show.
 *
 * @example
 * redactUrl('amqp://guest:secret@host:5672/vh') // 'amqp://guest:***@host:5672/vh'
 */
export function redactUrl(url: string): string {
  // Pattern first, not `new URL`: it also covers malformed input and keeps the text as written.
  return url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*):[^/?#]*@/i, `$1:${MASK}@`)
    .replace(/([?&](?:password|passwd|pass)=)[^&#]*/gi, `$1${MASK}`);
}

/** The secrets in `url` (password, raw and percent-decoded), to scrub from free text. */
function secretsOf(url: string): string[] {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/?#@:]*:([^/?#]*)@/i.exec(url);
  const raw = match?.[1];
  if (!raw) return [];
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // keep the raw form only
  }
  return [...new Set([raw, decoded])].filter((s) => s.length > 0);
}

/** `text` with the URL (redacted) and any bare occurrence of its password masked. */
export function redactText(text: string, url: string): string {
  let out = text.split(url).join(redactUrl(url));
  for (const secret of secretsOf(url)) out = out.split(secret).join(MASK);
  return out;
}

/**
 * Rewraps anything the AMQP client threw as `ArborError('TRANSPORT_ERROR')`. The original is not
 * kept as `cause` (a logger would print it in full); its code and scrubbed message are.
 */
export function transportError(thrown: unknown, url: string, context: string, details: Record<string, unknown> = {}): ArborError {
  const raw = thrown instanceof Error ? thrown.message : String(thrown);
  const code = typeof thrown === 'object' && thrown !== null && 'code' in thrown ? String((thrown as { code: unknown }).code) : undefined;
  const message = `${context} (${redactUrl(url)}): ${redactText(raw, url)}`;
  return new ArborError('TRANSPORT_ERROR', message, { ...details, ...(code ? { amqpCode: code } : {}) });
}
