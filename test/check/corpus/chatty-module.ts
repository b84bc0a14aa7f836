/** A CLI module whose machine prints on every transition (`arbor check` must keep stdout for the report). */
import { chatty } from './structure.js';

export const machines = { chatty };
