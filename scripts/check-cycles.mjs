#!/usr/bin/env node
/**
 * Fails when the files of a TypeScript source folder import each other in a circle.
 *
 * Usage: `node scripts/check-cycles.mjs [folder ...]` (default `src`). Every static edge counts,
 * type-only ones included (`import type`, `export type ... from`, `typeof import('./x.js')`,
 * `import('./x.js').Name` in a type): a type cycle is a missing interface all the same. A dynamic
 * `await import('./x.js')` is not an edge: it is how a light entry point loads a heavy module
 * lazily, and it cannot make a load-order cycle. Prints each cycle (a strongly connected component
 * of more than one file) and exits 1 if there is any.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

const roots = (process.argv.length > 2 ? process.argv.slice(2) : ['src']).map((r) => path.resolve(r));

function listFiles(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) listFiles(p, out);
    else if (/\.(m|c)?tsx?$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Removes comments, so an `import` in a doc comment is no edge. Strings are kept. */
function stripComments(src) {
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

const STATIC = /(?:^|[;\s}])(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]/g;
const TYPE_QUERY = /(?:typeof\s+import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\))|(?:import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)\s*\.\s*[A-Za-z_$])/g;

function resolveImport(from, spec) {
  const base = path.resolve(path.dirname(from), spec).replace(/\.(m|c)?js$/, '');
  for (const c of [`${base}.ts`, `${base}.tsx`, `${base}.mts`, path.join(base, 'index.ts')]) if (existsSync(c)) return c;
  return undefined;
}

const files = roots.flatMap((r) => listFiles(r, []));
const edges = new Map(files.map((f) => [f, new Set()]));
for (const f of files) {
  const src = stripComments(readFileSync(f, 'utf8'));
  const specs = [...src.matchAll(STATIC)].map((m) => m[1]);
  for (const m of src.matchAll(TYPE_QUERY)) specs.push(m[1] ?? m[2]);
  for (const spec of specs) {
    const target = resolveImport(f, spec);
    if (target && edges.has(target)) edges.get(f).add(target);
  }
}

// Tarjan's strongly connected components, iterative so deep chains cannot overflow the stack.
let counter = 0;
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const cycles = [];
for (const start of files) {
  if (index.has(start)) continue;
  const work = [[start, [...edges.get(start)], 0]];
  index.set(start, counter);
  low.set(start, counter++);
  stack.push(start);
  onStack.add(start);
  while (work.length > 0) {
    const frame = work[work.length - 1];
    const [v, next] = frame;
    if (frame[2] < next.length) {
      const w = next[frame[2]++];
      if (!index.has(w)) {
        index.set(w, counter);
        low.set(w, counter++);
        stack.push(w);
        onStack.add(w);
        work.push([w, [...edges.get(w)], 0]);
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
      continue;
    }
    work.pop();
    if (work.length > 0) {
      const parent = work[work.length - 1][0];
      low.set(parent, Math.min(low.get(parent), low.get(v)));
    }
    if (low.get(v) === index.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || edges.get(v).has(v)) cycles.push(component);
    }
  }
}

for (const c of cycles) console.error(`import cycle of ${c.length} files: ${c.map((f) => path.relative(process.cwd(), f)).sort().join(' ')}`);
console.log(`${files.length} files, ${cycles.length} import cycle${cycles.length === 1 ? '' : 's'}`);
process.exit(cycles.length > 0 ? 1 : 0);
