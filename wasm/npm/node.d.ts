// Types of the Node entry: everything in the module (Connection too), with the
// precise SafeWebSocket declarations of index.d.ts taking precedence.
// wasm-bindgen declares `[Symbol.dispose]()`: ES2022 libs alone lack it.
/// <reference lib="esnext.disposable" />
export * from './dist/node/wscore_wasm.js';
export { SafeWebSocket, wasmMemoryBytes, isSendableCloseCode, version } from './index.js';
export type {
  SendResult, CloseInitiator, SafeState, ReconnectOptions, HeartbeatOptions, DropPolicy, QueueOptions,
  SafeWebSocketOptions, PerAttempt, WebSocketClass, CloseInfo, CloseError, SafeCloseEvent, SafeStats, SafeWebSocketEventMap,
} from './index.js';
