// Browser (and bundler) entry: SafeWebSocket's own small wasm module, instantiated
// at import time so that `new SafeWebSocket(...)` works right away. The sans-IO
// Connection is in `wscore/codec` (browsers have no raw sockets to drive it with).
import init, { SafeMachine, isSendableCloseCode } from './dist/web/wscore_browser.js';
import { defineSafeWebSocket } from './safe_socket.js';

// `new URL(..., import.meta.url)` is the form bundlers (Vite, webpack 5) rewrite.
const wasm = await init({ module_or_path: new URL('./dist/web/wscore_browser_bg.wasm', import.meta.url) });

export const SafeWebSocket = defineSafeWebSocket(SafeMachine, isSendableCloseCode);
export { isSendableCloseCode, version } from './dist/web/wscore_browser.js';
/** Bytes of wasm linear memory in use (it never shrinks; flat means no leak). */
export const wasmMemoryBytes = () => wasm.memory.buffer.byteLength;
