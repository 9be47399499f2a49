// Browser (and bundler) entry: SafeWebSocket's own small wasm module, instantiated
// at import time so that `new SafeWebSocket(...)` works right away. The sans-IO
// Connection is in `wscore/codec` (browsers have no raw sockets to drive it with).
// The module exports plain functions (wasm/src/browser_abi.rs); this loader stands
// in for wasm-bindgen's glue, which cost about 1 KB gzipped more.
import { defineSafeWebSocket } from './safe_socket.js';

// `new URL(..., import.meta.url)` is the form bundlers (Vite, webpack 5) rewrite.
// Through arrayBuffer: servers that send .wasm without `application/wasm` work too.
const response = await fetch(new URL('./dist/web/wscore_browser.wasm', import.meta.url));
const x = (await WebAssembly.instantiate(await response.arrayBuffer())).instance.exports;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The text `len` bytes at `ptr` of the module's memory. */
const read = (ptr, len) => decoder.decode(new Uint8Array(x.memory.buffer, ptr, len));

/** Writes `s` as UTF-8 to the module's scratch buffer; its length in bytes. */
function write(s) {
  const max = s.length * 3;
  const ptr = x.scratch(max);
  return encoder.encodeInto(s, new Uint8Array(x.memory.buffer, ptr, max)).written;
}

/** What safe_socket.js expects of the machine: wasm/src/safe_socket.rs's methods. */
class SafeMachine {
  constructor(options, seed) {
    const ptr = x.scratch(options.length * 8);
    new Float64Array(x.memory.buffer, ptr, options.length).set(options);
    this.h = x.sm_new(options.length, seed);
  }
  free() {
    x.sm_free(this.h);
  }
  // u32s come back as i32s: ids and delays above 2^31 would be negative.
  arg(i) {
    return x.sm_arg(this.h, i) >>> 0;
  }
  reason() {
    return read(x.sm_reason(this.h), x.sm_reason_len(this.h));
  }
  close(code, reason, now) {
    return x.sm_close(this.h, code, write(reason), now);
  }
  reconnect(code, reason, now) {
    return x.sm_reconnect(this.h, code, write(reason), now);
  }
  closed(s, code, reason, clean, now) {
    x.sm_closed(this.h, s, code, write(reason), clean, now);
  }
  static {
    const methods = { poll: 'poll', deadline: 'deadline', readyState: 'ready_state', state: 'state', stat: 'stat',
      send: 'send', started: 'started', opened: 'opened', message: 'message', error: 'error', closing: 'closing',
      unsent: 'unsent', timeout: 'timeout' };
    for (const [name, fn] of Object.entries(methods)) {
      this.prototype[name] = function (...args) {
        return x[`sm_${fn}`](this.h, ...args);
      };
    }
  }
}

/** Whether `code` may be sent in a close frame (RFC 6455 §7.4). */
export const isSendableCloseCode = (code) => !!x.sendable(code);
/** The version of wscore. */
export const version = () => read(x.version(), x.version_len());
export const SafeWebSocket = defineSafeWebSocket(SafeMachine, isSendableCloseCode);
/** Bytes of wasm linear memory in use (it never shrinks; flat means no leak). */
export const wasmMemoryBytes = () => x.memory.buffer.byteLength;
