/**
 * `arbor state list|show|delete`: look at and remove the durable state of actors, in a local
 * store (a node's `.arbor/<node>` folder, or any path) or a cluster's PostgreSQL store.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isArborError } from '../../runtime/errors.js';
import { localStoreFile } from '../../store/LocalStore.js';
import { openStore } from '../../store/open.js';
import type { StateStore, StateSummary } from '../../store/StateStore.js';
import { parse } from '../args.js';
import type { Command } from '../command.js';
import { CliError, EXIT } from '../errors.js';
import type { Io } from '../io.js';

const HELP = `Usage: arbor state list [--prefix P] [--store PATH_OR_URL] [--json]
       arbor state show <path> [--store PATH_OR_URL] [--json]
       arbor state delete <path>... | --prefix P --yes [--store PATH_OR_URL] [--json]

Shows and removes the durable state of actors: for each actor path, its machine (id and
version), revision (commits so far), pending delayed events, last update, and for "show" the
persisted snapshot and the ids of the messages it processed lately.

Options:
  --store S        a local store (a folder holding state.db, or a .db file) or a postgres:// URL
                   (default: the one node folder under ./.arbor, or ./.arbor/<node> with --node)
  --node NAME      the node whose local store to use: ./.arbor/NAME
  --table-prefix T the PostgreSQL tables' prefix (default: arbor)
  --prefix P       only paths starting with P (list; delete, with --yes)
  --yes            confirm "delete --prefix", which removes every matching path
  --json           print JSON instead of text
  -h, --help       show this help

Deleting the state of an actor that is running does not stop it: its next commit writes it again.
Exit codes: 0 ok, 1 "show"/"delete" of a path with no state, 2 usage error or unusable store.
`;

export const stateCommand: Command = {
  name: 'state',
  summary: 'list, show or delete the durable state of actors (local or --store URL)',
  help: HELP,
  run,
};

const OPTIONS = {
  store: { type: 'string' },
  node: { type: 'string' },
  'table-prefix': { type: 'string' },
  prefix: { type: 'string' },
  yes: { type: 'boolean' },
} as const;

async function run(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS);
  const [action, ...paths] = positionals;
  if (action !== 'list' && action !== 'show' && action !== 'delete') {
    throw new CliError('USAGE', action === undefined ? 'missing action: list, show or delete' : `unknown action "${action}" (actions: list, show, delete)`);
  }
  const store = openStore(storeLocation(values.store, values.node), values['table-prefix'] !== undefined ? { tablePrefix: values['table-prefix'] } : {});
  try {
    if (action === 'list') return await list(store, paths, values.prefix, values.json === true, io);
    if (action === 'show') return await show(store, paths, values.json === true, io);
    return await remove(store, paths, values.prefix, values.yes === true, values.json === true, io);
  } catch (err) {
    if (isArborError(err, 'STORE_ERROR') || isArborError(err, 'INVALID_SPEC')) throw new CliError('UNAVAILABLE', err.message);
    throw err;
  } finally {
    await store.close();
  }
}

/** `--store`, else `.arbor/<node>`, else the only node folder under `.arbor` that has state. */
function storeLocation(store: string | undefined, node: string | undefined): string {
  if (store !== undefined && node !== undefined) throw new CliError('USAGE', '--store and --node are exclusive');
  if (store !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(store) && !existsSync(localStoreFile(store))) throw new CliError('INVALID_INPUT', `no state store at ${store} (no ${localStoreFile(store)})`);
    return store;
  }
  if (node !== undefined) return storeLocation(join('.arbor', node), undefined);
  const nodes = existsSync('.arbor') ? readdirSync('.arbor').filter((n) => existsSync(localStoreFile(join('.arbor', n)))) : [];
  if (nodes.length === 1) return join('.arbor', nodes[0] as string);
  throw new CliError(
    'USAGE',
    nodes.length === 0 ? 'no local state under ./.arbor: give --store PATH_OR_URL' : `several nodes have state under ./.arbor (${nodes.join(', ')}): give --node NAME or --store`,
  );
}

async function list(store: StateStore, paths: string[], prefix: string | undefined, json: boolean, io: Io): Promise<number> {
  if (paths.length > 0) throw new CliError('USAGE', `"state list" takes no paths (use --prefix), got: ${paths.join(' ')}`);
  const states = await store.list(prefix !== undefined ? { prefix } : {});
  io.out(json ? JSON.stringify(states) + '\n' : formatList(states));
  return EXIT.OK;
}

function formatList(states: readonly StateSummary[]): string {
  if (states.length === 0) return 'no durable state\n';
  const rows = states.map((s) => [s.path, `${s.machine.id}@${s.machine.version}`, String(s.revision), String(s.timers), new Date(s.updatedAt).toISOString()]);
  const header = ['PATH', 'MACHINE', 'REVISION', 'TIMERS', 'UPDATED'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i] as number)).join('  ').trimEnd()).join('\n') + '\n';
}

async function show(store: StateStore, paths: string[], json: boolean, io: Io): Promise<number> {
  if (paths.length !== 1) throw new CliError('USAGE', `"state show" takes one path, got ${paths.length}`);
  const path = paths[0] as string;
  const state = await store.load(path);
  if (!state) {
    io.err(`arbor: no durable state for ${path} in ${store.location}\n`);
    return EXIT.FAILED;
  }
  if (json) {
    io.out(JSON.stringify(state) + '\n');
    return EXIT.OK;
  }
  const lines = [
    `path:       ${state.path}`,
    `machine:    ${state.machine.id}@${state.machine.version}`,
    `revision:   ${state.revision}`,
    `updated:    ${new Date(state.updatedAt).toISOString()}`,
    ...(state.fence ? [`fence:      ${state.fence.key} token ${state.fence.token}`] : []),
    `message:    ${state.messageId ?? '(none: its last transition was its own)'}`,
    `processed:  ${state.recentMessageIds.length} recent message id(s)`,
    `timers:     ${state.timers.length === 0 ? 'none' : ''}`,
    ...state.timers.map((t) => `  ${t.id} due ${new Date(t.dueAt).toISOString()}${t.target ? ` to ${t.target}` : ''}: ${JSON.stringify(t.event)}`),
    'snapshot:',
    JSON.stringify(state.snapshot, null, 2),
  ];
  io.out(lines.join('\n') + '\n');
  return EXIT.OK;
}

async function remove(store: StateStore, paths: string[], prefix: string | undefined, yes: boolean, json: boolean, io: Io): Promise<number> {
  if (prefix !== undefined && paths.length > 0) throw new CliError('USAGE', '"state delete" takes paths or --prefix, not both');
  if (prefix === undefined && paths.length === 0) throw new CliError('USAGE', '"state delete" needs a path (or --prefix P --yes)');
  if (prefix !== undefined && !yes) throw new CliError('USAGE', `"state delete --prefix" removes every path starting with ${JSON.stringify(prefix)}: add --yes to confirm`);
  const targets = prefix !== undefined ? (await store.list({ prefix })).map((s) => s.path) : paths;
  const deleted: string[] = [];
  const missing: string[] = [];
  for (const path of targets) ((await store.delete(path)) ? deleted : missing).push(path);
  if (json) io.out(JSON.stringify({ deleted, missing }) + '\n');
  else {
    io.out(`deleted ${deleted.length} state${deleted.length === 1 ? '' : 's'}${deleted.length > 0 ? `: ${deleted.join(', ')}` : ''}\n`);
    if (missing.length > 0) io.err(`arbor: no durable state for ${missing.join(', ')}\n`);
  }
  return missing.length > 0 ? EXIT.FAILED : EXIT.OK;
}
