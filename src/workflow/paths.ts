/**
 * Small helpers for printing and matching actor paths in schedules: paths are shown without the
 * scheme (`a/root/coord`), and crash targets are matched as globs (`*` one segment, `**` any).
 */
import type { Cell } from '../runtime/cell.js';

/** `arbor://a/root/coord` → `a/root/coord`. */
export function relPath(path: string): string {
  return path.startsWith('arbor://') ? path.slice('arbor://'.length) : path;
}

const globCache = new Map<string, RegExp>();

function globToRegExp(glob: string): RegExp {
  let re = globCache.get(glob);
  if (!re) {
    const body = glob
      .split('/')
      .map((seg) => (seg === '**' ? '.*' : seg.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')))
      .join('/');
    re = new RegExp(`^${body}$`);
    globCache.set(glob, re);
  }
  return re;
}

/**
 * Whether `path` (`a/root/coord`) matches one of `patterns`; a pattern without a node
 * (`root/coord`) is taken relative to any node.
 */
export function matchesAny(path: string, patterns: readonly string[]): boolean {
  const local = path.slice(path.indexOf('/') + 1);
  for (const p of patterns) {
    const rel = relPath(p);
    if (globToRegExp(rel).test(local) || globToRegExp(rel).test(path)) return true;
  }
  return false;
}

/** A worker's state for timelines: its state value as compact JSON, or its snapshot status. */
export function stateOf(cell: Cell): string {
  const s = cell.getSnapshot() as { status?: string; value?: unknown } | undefined;
  if (!s) return '-';
  if (s.status === 'error') return 'crashed';
  if (s.status === 'done') return 'done';
  if (s.value === undefined) return s.status ?? '-';
  return typeof s.value === 'string' ? s.value : JSON.stringify(s.value);
}
