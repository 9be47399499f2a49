// Node entry: the wasm-bindgen `experimental-nodejs-module` build (ESM; reads the
// .wasm from disk at import). SafeWebSocket needs a global WebSocket (Node 22+, or
// Node 20 with --experimental-websocket).
import { Connection, SafeWebSocket } from './dist/node/wscore_wasm.js';

const READY_STATES = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 };
Object.assign(SafeWebSocket, READY_STATES);
Object.assign(SafeWebSocket.prototype, READY_STATES);

export * from './dist/node/wscore_wasm.js';
// The error classes the declarations export, for `instanceof` and `catch`.
export const {
  WebSocketError, ConnectionClosedError, InvalidCloseArgumentsError, InvalidStateError,
  HandshakeError, InternalError, InvalidUtf8Error,
} = Connection.errors;
