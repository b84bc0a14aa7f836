/** Requests to the inspector's server, carrying the page's token when it has one. */
const token = new URLSearchParams(location.search).get('token');

/** `path` with the token added. */
export function withToken(path: string): string {
  if (!token) return path;
  return path + (path.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(token);
}

export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(withToken(path));
  if (!res.ok) throw new Error(((await res.json().catch(() => ({}))) as { error?: string }).error ?? `${res.status}`);
  return (await res.json()) as T;
}

/** POSTs `body` as JSON; the token goes in a header (actions never take it from the URL). */
export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers['authorization'] = `Bearer ${token}`;
  const res = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(((await res.json().catch(() => ({}))) as { error?: string }).error ?? `${res.status}`);
  return (await res.json()) as T;
}

export async function getText(path: string): Promise<string | undefined> {
  const res = await fetch(withToken(path));
  return res.ok ? res.text() : undefined;
}

/** Creates an element with a class and text. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className = '', text = ''): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text) e.textContent = text;
  return e;
}

/** `ms` as a short duration. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** The node-relative part of a path: `arbor://a/root/w1` → `root/w1`. */
export function shortPath(path: string): string {
  return path.replace(/^arbor:\/\/[^/]+\//, '');
}
