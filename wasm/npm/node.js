// Node entry: the wasm-bindgen `experimental-nodejs-module` build (ESM; reads the
// .wasm from disk at import). SafeWebSocket needs a WebSocket class: the global one
// (Node 22+, Node 20 with --experimental-websocket) or its `WebSocket` option.
import * as wasm from './dist/node/wscore_wasm.js';
import { Connection, SafeMachine, isSendableCloseCode } from './dist/node/wscore_wasm.js';
import { installFastPath } from './fast_path.js';
import { defineSafeWebSocket } from './safe_socket.js';

// Small sends and takes without wasm-bindgen's glue (fast_path.js); same API.
installFastPath(wasm);

export * from './dist/node/wscore_wasm.js';
// Over the module's SafeMachine (its engine, not API): wasm/npm/safe_socket.js.
export const SafeWebSocket = defineSafeWebSocket(SafeMachine, isSendableCloseCode);
// The error classes the declarations export, for `instanceof` and `catch`.
export const {
  WebSocketError, ConnectionClosedError, InvalidCloseArgumentsError, InvalidStateError,
  HandshakeError, InternalError, InvalidUtf8Error,
} = Connection.errors;
