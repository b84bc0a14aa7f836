#!/usr/bin/env node
// The `arbor` command. The CLI is written in TypeScript and user modules may be `.ts` files, so
// tsx's loader is registered before anything else is imported.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
