/**
 * Actors: adapters from logic to the runtime's cell contract. Today: any XState actor logic
 * (machines, promise, callback, observable and transition logic) as a supervised worker.
 */
export { XStateCell, xstateCellFactory, isActorLogic, SHUTDOWN_EVENT } from './xstate-cell.js';
export { asXStateRef } from './xstate-ref.js';
export { OWN_CELL, ownCellFactory, type OwnCellLogic } from './own-cell.js';
