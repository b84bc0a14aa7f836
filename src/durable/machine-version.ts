/**
 * Which definition wrote a durable actor's state: the machine's id and a version, declared
 * (`durable: { version }`) or a hash of the definition (its structure and the source text of the
 * functions in it), so a changed machine is detected before it resumes from a snapshot it may not
 * understand.
 */
import { createHash } from 'node:crypto';
import type { AnyActorLogic } from 'xstate';
import type { NormalizedDurableOptions } from '../runtime/durable-options.js';
import type { MachineVersion } from '../store/StateStore.js';

/** The version stamp of `logic`. */
export function machineVersion(logic: AnyActorLogic, options: NormalizedDurableOptions): MachineVersion {
  const named = (logic as { id?: unknown }).id;
  const id = typeof named === 'string' ? named : 'logic';
  if (options.version !== undefined) return { id, version: options.version };
  return { id, version: `sha256:${definitionHash(logic)}` };
}

function definitionHash(logic: AnyActorLogic): string {
  const definition = (logic as { definition?: unknown }).definition ?? (logic as { config?: unknown }).config;
  let text: string;
  try {
    text = JSON.stringify(definition, (_key, value: unknown) => (typeof value === 'function' ? value.toString() : value)) ?? '';
  } catch {
    text = '';
  }
  if (text === '') text = String((logic as { transition?: unknown }).transition);
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
