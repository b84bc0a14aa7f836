/**
 * Database URLs carry passwords: every URL this layer shows (in `location`, errors, logs) goes
 * through {@link redactUrl}. (The transport has its own for AMQP; this layer imports only the runtime.)
 */

/** `url` with its password replaced by `***`; a string that does not parse as a URL is hidden whole. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const key of ['password', 'sslpassword']) if (parsed.searchParams.has(key)) parsed.searchParams.set(key, '***');
    return parsed.toString();
  } catch {
    return '<unparseable url>';
  }
}

/** `text` with every occurrence of the password of `url` masked (a driver error may echo it). */
export function redactText(text: string, url: string): string {
  let password = '';
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    return text;
  }
  return password ? text.split(password).join('***') : text;
}
