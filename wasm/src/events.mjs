// The hot path out of wasm for codec.rs: messages and output bytes are read
// straight from wasm memory here, in one call per `events()` / `takeOutput()`,
// instead of building each object field by field through the boundary.
// Nothing here decides anything about the protocol: core already parsed,
// unmasked and UTF-8-validated every payload it points at.

// ignoreBOM: a leading U+FEFF is part of the message, not a byte-order mark.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

// A byte view of wasm memory, renewed when memory grows (the old buffer
// detaches, and views of it have length 0). codec.rs hands over the memory once.
let wasmMemory = null;
let memory = new Uint8Array(0);
export function useMemory(m) {
  wasmMemory = m;
  memory = new Uint8Array(m.buffer);
}
function wasmBytes() {
  if (memory.byteLength === 0) memory = new Uint8Array(wasmMemory.buffer);
  return memory;
}

// A new ArrayBuffer costs about 1 µs plus zero-filling (about 200 ns per KiB on
// the bench machine), more than the copy of a small payload into it. So small
// outputs are views of a shared 64 KiB slab, cut in order and never reused (as
// Node's Buffer.allocUnsafe pool; but zero-filled: its unused bytes are reachable
// through `.buffer`), one allocation per slab instead of one per `takeOutput()`.
// (Node's uninitialized Buffer.allocUnsafeSlow for the large ones was tried:
// no difference in `make bench-node` beyond noise.)
const SLAB = 64 << 10;
const POOLED_MAX = 8 << 10;
let slab = new Uint8Array(0);
let slabUsed = 0;
function freshBytes(n) {
  if (n > POOLED_MAX) return new Uint8Array(n);
  if (slabUsed + n > slab.length) {
    slab = new Uint8Array(SLAB);
    slabUsed = 0;
  }
  const out = new Uint8Array(slab.buffer, slabUsed, n); // cheaper than subarray
  slabUsed = (slabUsed + n + 7) & ~7; // keep views 8-byte aligned
  return out;
}
function copyInto(out, mem, at, end) {
  if (end - at <= 64) {
    // A few bytes: a loop beats making a view of wasm memory for set().
    for (let i = 0; at < end; i++, at++) out[i] = mem[at];
  } else {
    out.set(mem.subarray(at, end));
  }
}
function copyOf(mem, at, end) {
  // Large: the constructor allocates and copies in one step.
  if (end - at > POOLED_MAX) return new Uint8Array(mem.subarray(at, end));
  const out = freshBytes(end - at);
  copyInto(out, mem, at, end);
  return out;
}

// Kinds written by codec.rs (TEXT … TEXT_BYTES): 0 text, 1 binary, 2 ping,
// 3 pong, 4 any other event, already a JS object, taken in order from `others`,
// 5 text as its UTF-8 bytes (`textAsBytes`), built as binary payloads are.
const TYPES = ['text', 'binary', 'ping', 'pong', 'other', 'text'];
const isBytes = (kind) => kind !== 0 && kind !== 4;

// Binary payloads up to 64 KiB (a socket read) share one exact-size ArrayBuffer
// per call (each event gets its own view of it), as the messages cut from one
// socket read share its Buffer in ws. Larger ones get their own. (Up to 8 KiB
// before: 16 KiB messages then paid one ArrayBuffer each, 4 per 64 KiB read.)
const SHARED_MAX = 64 << 10;
const shared = (len) => len <= SHARED_MAX;

// `desc` is a view of wasm memory: [kind, ptr, len] per event, in order.
export function buildEvents(desc, others) {
  const mem = wasmBytes();
  const n = desc.length / 3;
  let sharedBytes = 0;
  for (let j = 0; j < desc.length; j += 3) {
    const kind = desc[j];
    if (isBytes(kind) && shared(desc[j + 2])) sharedBytes += desc[j + 2];
  }
  let block = null; // made at its first use, so never for a batch without binary
  let put = 0;
  const out = new Array(n);
  let other = 0;
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    const kind = desc[j];
    const at = desc[j + 1];
    const len = desc[j + 2];
    if (kind === 0) {
      out[i] = { type: 'text', data: decoder.decode(mem.subarray(at, at + len)) };
    } else if (kind !== 4) {
      let data;
      if (shared(len)) {
        block ??= new Uint8Array(sharedBytes);
        data = new Uint8Array(block.buffer, block.byteOffset + put, len);
        copyInto(data, mem, at, at + len);
        put += len;
      } else {
        data = copyOf(mem, at, at + len);
      }
      out[i] = { type: TYPES[kind], data };
    } else {
      out[i] = others[other++];
    }
  }
  return out;
}

// takeOutputChunks() when the output is one slice (the common case).
export function oneChunk(ptr, len) {
  return [copyOf(wasmBytes(), ptr, ptr + len)];
}

// The output when it is one slice (the common case): no list to read.
export function copyBytes(ptr, len) {
  return copyOf(wasmBytes(), ptr, ptr + len);
}

// ---- payloads a server's sendBinary keeps instead of copying (codec.rs) ----

// The bytes of any ArrayBuffer view (a Buffer is a Uint8Array) or ArrayBuffer.
function asBytes(v) {
  if (v instanceof Uint8Array) return v;
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return new Uint8Array(v);
}
export function byteLength(v) {
  return ArrayBuffer.isView(v) || v instanceof ArrayBuffer ? v.byteLength : -1;
}
// The runtime's own UTF-8 checker (Node's buffer.isUtf8: simdutf, native), if
// it has one: 1 valid, 0 not, -1 no checker (codec.rs then checks in wasm).
const nativeIsUtf8 = (() => {
  try {
    return globalThis.process?.getBuiltinModule?.('node:buffer')?.isUtf8 ?? null;
  } catch {
    return null;
  }
})();
export function utf8Check(v) {
  if (nativeIsUtf8 === null) return -1;
  return nativeIsUtf8(asBytes(v)) ? 1 : 0;
}
export function keepPayload(held, v) {
  held.push(asBytes(v));
}
// A client masks, so core needs the bytes: straight into wasm memory at `ptr`.
export function copyPayload(v, ptr) {
  wasmBytes().set(asBytes(v), ptr);
}

// `desc`: [ptr, len] per piece of output, where ptr HELD (0xFFFFFFFF) takes the
// next payload of `held`, which is emptied. `join`: one Uint8Array of `total`
// bytes; otherwise the pieces, kept payloads as they are and frame bytes copied
// out of wasm memory.
const HELD = 0xffffffff;
export function outputWithHeld(desc, held, total, join) {
  const mem = wasmBytes();
  const out = join ? freshBytes(total) : [];
  let put = 0;
  for (let j = 0, h = 0; j < desc.length; j += 2) {
    const at = desc[j];
    const len = desc[j + 1];
    let piece;
    if (at === HELD) {
      piece = held[h++];
      // Core shows the part not yet written; takes are always whole, so this is all of it.
      if (piece.length !== len) piece = piece.subarray(piece.length - len);
    } else {
      piece = join ? mem.subarray(at, at + len) : copyOf(mem, at, at + len);
    }
    if (join) out.set(piece, put);
    else out.push(piece);
    put += len;
  }
  held.length = 0;
  return out;
}
