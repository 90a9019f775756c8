/**
 * Moved: the wire shapes, both directions, are shared/grpc/wire.ts. This re-export only keeps
 * http.ts (owned by the deploy work) compiling until it imports encodeRegion from there.
 */
export { encodeRegion } from '../../shared/grpc/wire.js';
