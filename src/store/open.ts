/** Opening a store from one string, as an operator gives it: a `postgres://` URL or a local path. */
import { localStore } from './LocalStore.js';
import { postgresStore } from './PostgresStore.js';
import type { StateStore } from './StateStore.js';

/**
 * `postgresStore({ url: location, tablePrefix })` for a `postgres://`/`postgresql://` URL,
 * `localStore(location)` for anything else.
 */
export function openStore(location: string, options: { tablePrefix?: string } = {}): StateStore {
  return /^postgres(ql)?:\/\//.test(location) ? postgresStore({ url: location, ...options }) : localStore(location);
}
