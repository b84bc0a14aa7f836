/**
 * TypeScript for user modules: tsx's loader, registered the first time a `.ts` module is loaded.
 * tsx is an optional peer dependency: the compiled CLI never needs it otherwise, so `arbor --help`
 * or `arbor run app.js` do not pay for it, and a user who runs only JavaScript need not install it.
 */
import { CliError } from './errors.js';

/** The extensions tsx compiles. */
const TYPESCRIPT = /\.(?:[cm]?ts|tsx)$/;

/** Whether `path` names a TypeScript module. */
export function isTypeScript(path: string): boolean {
  return TYPESCRIPT.test(path);
}

let registered: Promise<void> | undefined;

/**
 * Makes `import()` of TypeScript work in this process, before the user's module at `path` is
 * imported. Throws `MISSING_DEPENDENCY` naming the install command when tsx is not installed.
 */
export function loadTypeScript(path: string): Promise<void> {
  // Running from the sources (this file is TypeScript): bin/arbor.js registered tsx already.
  if (import.meta.url.endsWith('.ts')) return Promise.resolve();
  registered ??= register(path).catch((err: unknown) => {
    registered = undefined;
    throw err;
  });
  return registered;
}

/** tsx's main entry: importing it registers its ESM and CommonJS hooks, as `node --import tsx` does. */
const TSX = 'tsx';

async function register(path: string): Promise<void> {
  try {
    // Both hooks, not tsx/esm/api alone: a `.ts` file outside a `"type": "module"` package is
    // CommonJS to Node, and the ESM hooks alone fail on it with a confusing require(esm) error.
    await import(TSX);
  } catch (err) {
    if ((err as { code?: unknown } | null)?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new CliError('MISSING_DEPENDENCY', `cannot load ${path}: loading a TypeScript module needs tsx, which is not installed; run \`npm i -D tsx\` (or compile it and give arbor the .js file)`, { path, package: 'tsx' }, { cause: err });
  }
}
