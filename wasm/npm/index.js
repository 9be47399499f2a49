// Browser (and bundler) entry: SafeWebSocket's own small wasm module, instantiated
// at import time so that `new SafeWebSocket(...)` works right away. The sans-IO
// Connection is in `wscore/codec` (browsers have no raw sockets to drive it with).
import init, { SafeWebSocket } from './dist/web/wscore_browser.js';

// `new URL(..., import.meta.url)` is the form bundlers (Vite, webpack 5) rewrite.
await init({ module_or_path: new URL('./dist/web/wscore_browser_bg.wasm', import.meta.url) });

// The native WebSocket's readyState constants, on the class and its instances.
const READY_STATES = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 };
Object.assign(SafeWebSocket, READY_STATES);
Object.assign(SafeWebSocket.prototype, READY_STATES);

export * from './dist/web/wscore_browser.js';
