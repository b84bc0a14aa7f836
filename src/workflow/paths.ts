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

const MAX_CONTEXT = 80;

/**
 * A worker's state for timelines: its state value (omitted when the machine has no states),
 * then its context as compact JSON when that is short (functions and refs drop out), or its
 * snapshot status once it crashed or finished.
 */
export function stateOf(cell: Cell): string {
  const s = cell.getSnapshot() as { status?: string; value?: unknown; context?: unknown } | undefined;
  if (!s) return '-';
  if (s.status === 'error') return 'crashed';
  if (s.status === 'done') return 'done';
  const value = s.value === undefined ? '' : typeof s.value === 'string' ? s.value : JSON.stringify(s.value);
  let context = '';
  try {
    context = s.context === undefined ? '' : (JSON.stringify(s.context, (_k, v: unknown) => (typeof v === 'object' && v !== null && 'path' in v && typeof (v as { send?: unknown }).send === 'function' ? undefined : v)) ?? '');
  } catch {
    context = '';
  }
  if (context === '{}' || context.length > MAX_CONTEXT) context = '';
  const shown = value === '{}' ? '' : value;
  return [shown, context].filter((x) => x !== '').join(' ') || (s.status ?? '-');
}
