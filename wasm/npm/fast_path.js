// The Node entry's fast path for small sends and takes (wasm/src/staged.rs): a
// payload of up to 1 KiB is copied here into a fixed region of wasm memory and
// framed by one call that passes numbers only, and small output is read back
// from another. wasm-bindgen's glue for the ordinary methods (an externref per
// object argument, a JS array per returned Result) cost more than core's
// framing of a 16 B message. Whatever the fast path does not cover (other
// payload types, larger sizes, errors, kept payloads) goes to the ordinary
// method, unchanged: errors are thrown there, as before.
const STAGE_LEN = 1024;
const SLOW = 0xffffffff;
const REFRESH = 0xfffffffe;
const GREW = 1 << 30;
const TEXT_MAX = Math.floor(STAGE_LEN / 3);
// What __sendStaged frames the staged bytes as (wasm/src/staged.rs).
const BINARY = 0;
const TEXT = 1; // checked as UTF-8 first
const TEXT_TRUSTED = 2; // sendTextBytes's skipUtf8Check
const encoder = new TextEncoder();

// Small outputs are views of a shared 64 KiB slab, as in wasm/src/events.mjs
// (zero-filled, cut in order, never reused): one allocation per slab.
const SLAB = 64 << 10;
let slab = new Uint8Array(0);
let slabUsed = 0;

export function installFastPath(mod) {
  const proto = mod.Connection.prototype;
  if (Object.hasOwn(proto, '__fastPath')) return;
  const memory = mod.__memory();
  const stageAt = mod.__stageAddress();
  const outAt = mod.__outAddress();
  // Views of memory detach when it grows: the staged calls say when (REFRESH,
  // GREW), which spares a length check of the view on every call.
  let mem;
  let stageBytes;
  const renew = () => {
    mem = new Uint8Array(memory.buffer);
    stageBytes = mem.subarray(stageAt, stageAt + STAGE_LEN);
  };
  renew();

  // The payload's length once staged, or -1 when it is not for the fast path.
  function stage(data) {
    if (!(data instanceof Uint8Array)) return -1;
    const n = data.length;
    if (n > STAGE_LEN) return -1;
    const m = mem;
    // A few bytes: a loop costs less than set()'s call.
    if (n <= 64) for (let i = 0; i < n; i++) m[stageAt + i] = data[i];
    else m.set(data, stageAt);
    return n;
  }
  function outCopy(n) {
    const m = mem;
    if (n > SLAB >> 3) return m.slice(outAt, outAt + n);
    if (slabUsed + n > slab.length) {
      slab = new Uint8Array(SLAB);
      slabUsed = 0;
    }
    const out = new Uint8Array(slab.buffer, slabUsed, n);
    slabUsed = (slabUsed + n + 7) & ~7; // views stay 8-byte aligned
    if (n <= 64) for (let i = 0; i < n; i++) out[i] = m[outAt + i];
    else out.set(m.subarray(outAt, outAt + n));
    return out;
  }

  const { sendText, sendBinary, sendTextBytes, takeOutput, takeOutputChunks } = proto;
  // Frames the `n` staged bytes as `kind`; false when the ordinary method must
  // do it (the payload stays to be sent there).
  function sentStaged(conn, n, kind) {
    if (n < 0) return false;
    const r = conn.__sendStaged(n, kind);
    if (r === REFRESH) renew();
    return r === 0;
  }
  // Takes small output into OUT: its length, or SLOW for the ordinary method.
  function takenStaged(conn) {
    const n = conn.__takeStaged();
    if (n === SLOW || !(n & GREW)) return n;
    renew();
    return n ^ GREW;
  }
  Object.defineProperties(proto, {
    __fastPath: { value: true },
    sendText: {
      ...Object.getOwnPropertyDescriptor(proto, 'sendText'),
      value: function sendTextFast(text) {
        // Up to TEXT_MAX UTF-16 units always fit STAGE as UTF-8 (3 bytes a unit at most);
        // encoded as the ordinary path encodes it (lone surrogates become U+FFFD).
        if (typeof text === 'string' && text.length <= TEXT_MAX
          && sentStaged(this, encoder.encodeInto(text, stageBytes).written, TEXT)) return;
        sendText.call(this, text);
      },
    },
    sendBinary: {
      ...Object.getOwnPropertyDescriptor(proto, 'sendBinary'),
      value: function sendBinaryFast(data) {
        if (!sentStaged(this, stage(data), BINARY)) sendBinary.call(this, data);
      },
    },
    sendTextBytes: {
      ...Object.getOwnPropertyDescriptor(proto, 'sendTextBytes'),
      value: function sendTextBytesFast(data, options) {
        // An option of the wrong type goes to the ordinary method, which throws its TypeError.
        const skip = options == null ? false : options.skipUtf8Check;
        const n = skip === true || skip === false || skip === undefined ? stage(data) : -1;
        if (!sentStaged(this, n, skip === true ? TEXT_TRUSTED : TEXT)) sendTextBytes.call(this, data, options);
      },
    },
    takeOutput: {
      ...Object.getOwnPropertyDescriptor(proto, 'takeOutput'),
      value: function takeOutputFast() {
        const n = takenStaged(this);
        if (n === SLOW) return takeOutput.call(this);
        return n === 0 ? new Uint8Array(0) : outCopy(n);
      },
    },
    takeOutputChunks: {
      ...Object.getOwnPropertyDescriptor(proto, 'takeOutputChunks'),
      value: function takeOutputChunksFast() {
        const n = takenStaged(this);
        if (n === SLOW) return takeOutputChunks.call(this);
        return n === 0 ? [] : [outCopy(n)];
      },
    },
  });
}
