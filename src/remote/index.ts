/**
 * Distribution: how one node's runtime talks to the others through its transport — routing by
 * path, both sides of placing a child on another node, requests across nodes, membership and
 * status, the protocol and the wire forms of errors and refs. It imports `runtime`; the runtime
 * never imports it, and sees it only through the ports of `runtime/distribution.ts`.
 */
export { Cluster } from './cluster.js';
export { RemoteActorRef, type RemoteRouter } from './remote-ref.js';
export { RemoteChildCell, DEFAULT_REMOTE_WINDOW, type PlacementLink } from './remote-child-cell.js';
export { encodeRefs, reviveRefs, type WireRef } from './wire-refs.js';
export { toWireError, fromWireError, type WireError } from './wire-error.js';
export { PROTOCOL_TARGET, type ProtocolMessage, type ProtocolOp, type WireExit } from './protocol.js';
