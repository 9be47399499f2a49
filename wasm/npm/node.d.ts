// Types of the Node entry: everything in the module (Connection too), with the
// precise SafeWebSocket declarations of index.d.ts taking precedence.
export * from './dist/node/wscore_wasm.js';
export { SafeWebSocket, wasmMemoryBytes } from './index.js';
export type {
  SendResult, CloseInitiator, SafeState, ReconnectOptions, HeartbeatOptions, DropPolicy, QueueOptions,
  SafeWebSocketOptions, CloseInfo, CloseError, SafeCloseEvent, SafeStats, SafeWebSocketEventMap,
} from './index.js';
