// `wscore/codec` in browsers: the whole module (the sans-IO Connection too).
import init, { Connection } from './dist/full/wscore_wasm.js';

await init({ module_or_path: new URL('./dist/full/wscore_wasm_bg.wasm', import.meta.url) });

export * from './dist/full/wscore_wasm.js';
// The error classes the declarations export, for `instanceof` and `catch`.
export const {
  WebSocketError, ConnectionClosedError, InvalidCloseArgumentsError, InvalidStateError,
  HandshakeError, InternalError, InvalidUtf8Error,
} = Connection.errors;
