// wscore's wasm Connection next to the ws package's Receiver and Sender, with and
// without its bufferutil addon, on identical bytes. Kinds: text (strings both
// ways), text-bytes (text as UTF-8 bytes both ways: wscore's textAsBytes and
// sendTextBytes, ws's Buffers without toString(); a relaying server) and binary.
// ws validates received UTF-8 with Node's own buffer.isUtf8 (utf-8-validate is
// used only where Node lacks it, before 18.14), so no row needs utf-8-validate. Every row of a workload runs
// in turn, run after run, in this one process, so each run's ratios come from
// the same moment of the machine.
//
//   node bench/node/codec.mjs [--runs 5] [--sample-ms 150] [--out target/bench/node.json]
//
// The wasm module is `make wasm-build`'s target/wasm/node (WSCORE_WASM overrides).
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { installFastPath } from '../../wasm/npm/fast_path.js';

const require = createRequire(import.meta.url);
const wasmPath = process.env.WSCORE_WASM
  ?? fileURLToPath(new URL('../../target/wasm/node/wscore_wasm.js', import.meta.url));
const wasmModule = require(wasmPath);
// The npm package's Node entry (wasm/npm/node.js) installs this on its module.
installFastPath(wasmModule);
const { Connection } = wasmModule;

// Two copies of ws in one process: the first loaded with WS_NO_BUFFER_UTIL (pure
// JS masking), the second with the bufferutil addon.
function loadWs(noBufferUtil) {
  for (const key of Object.keys(require.cache)) {
    if (key.includes('/node_modules/ws/')) delete require.cache[key];
  }
  if (noBufferUtil) process.env.WS_NO_BUFFER_UTIL = '1';
  else delete process.env.WS_NO_BUFFER_UTIL;
  // Absolute paths: ws's package exports do not list its lib/ files.
  const lib = (f) => require(join(dirname(require.resolve('ws')), 'lib', f));
  const ws = {
    Receiver: lib('receiver.js'),
    Sender: lib('sender.js'),
    bufferUtil: lib('buffer-util.js'),
  };
  delete process.env.WS_NO_BUFFER_UTIL;
  return ws;
}
const wsPlain = loadWs(true);
const wsAddon = loadWs(false);
if (wsPlain.bufferUtil.unmask === wsAddon.bufferUtil.unmask) throw new Error('ws loaded once');
require('bufferutil'); // fail loudly if the addon is missing

const CHUNK = 64 << 10;
const SIZES = [16, 125, 1024, 16 << 10, 64 << 10, 1 << 20];
const BATCH_BYTES = 1 << 20;
// Rust's neutral model text (bench/rust/src/workload.rs): 11 of every 53 characters
// (~21%) multi-byte, so the three runtimes encode and decode the same bytes.
const UNIT = 'héllo wörld — ça va? 你好 👋 naïve café, déjà vu words. ';
const LIMITS = { maxMessageSize: 64 << 20, maxFrameSize: 64 << 20 };
const enc = new TextEncoder();

function textOfLen(n) {
  let s = '';
  let used = 0;
  for (;;) {
    for (const c of UNIT) {
      const w = enc.encode(c).length;
      if (used + w > n) return s + '.'.repeat(n - used);
      s += c;
      used += w;
    }
  }
}

function openPair(serverOptions = LIMITS) {
  const client = Connection.client('ws://bench/', LIMITS);
  const server = Connection.server(serverOptions);
  server.receive(client.takeOutput());
  server.events();
  server.accept();
  client.receive(server.takeOutput());
  client.events();
  return { client, server };
}

// A server after the handshake. Rows free it when done: connections left to the
// garbage collector's finalizers make every later wasm call slower (measured: sends
// took 2x as long after 20,000 such connections), which would charge wscore's later
// rows for the benchmark's own garbage.
function openServer(options = LIMITS) {
  const { client, server } = openPair(options);
  client.free();
  return server;
}

function workload(kind, size) {
  const count = Math.max(Math.floor(BATCH_BYTES / size), 2);
  const isText = kind !== 'binary';
  const text = isText ? textOfLen(size) : '';
  const payload = isText
    ? Buffer.from(text)
    : Buffer.from(Array.from({ length: size }, (_, i) => (i * 131 + 7) & 0xff));
  if (payload.length !== size) throw new Error('bad payload size');
  const { client, server } = openPair();
  server.free();
  const parts = [];
  for (let i = 0; i < count; i++) {
    if (isText) client.sendText(text); else client.sendBinary(payload);
    parts.push(client.takeOutput());
  }
  client.free();
  const wire = Buffer.concat(parts);
  const chunks = [];
  for (let i = 0; i < wire.length; i += CHUNK) chunks.push(wire.subarray(i, i + CHUNK));
  return { kind, size, count, text, payload, chunks, bytes: size * count };
}

// Each socket read is a fresh Buffer (ws unmasks in place): made before the clock starts.
const freshReads = (w) => w.chunks.map((c) => Buffer.from(c));

// Each row keeps one connection (wscore) or one Receiver/Sender (ws) for all the
// samples of a workload, as a server keeps a connection for many messages: the
// set-up (a handshake, a client URL and key, objects for the garbage collector)
// then stays out of the timed loops. (Made per sample, its garbage was collected
// inside them: wscore's 16 KiB-1 MiB encode rows spent as long in openServer as
// in sending, and lost up to half of their measured speed.) Freed per workload.
function kept(w, name, make, free) {
  w.rowState ??= new Map();
  if (!w.rowState.has(name)) {
    w.rowState.set(name, make());
    (w.cleanups ??= []).push(() => free?.(w.rowState.get(name)));
  }
  return w.rowState.get(name);
}

function wscoreDecode(w) {
  const server = kept(w, 'wscore-decode',
    () => openServer(w.kind === 'text-bytes' ? { ...LIMITS, textAsBytes: true } : LIMITS), (c) => c.free());
  const reads = freshReads(w);
  let got = 0;
  const t = process.hrtime.bigint();
  for (const chunk of reads) {
    server.receive(chunk);
    for (const ev of server.events()) {
      if (ev.data === undefined) throw new Error(ev.type);
      got++;
    }
  }
  return [Number(process.hrtime.bigint() - t) / 1e9, got];
}

function wsDecode(ws) {
  return (w) => {
    const state = kept(w, ws, () => {
      const st = { receiver: new ws.Receiver({ isServer: true, maxPayload: 64 << 20 }), got: 0 };
      st.receiver.on('message', (data, isBinary) => {
        // ws hands text out as a Buffer it has UTF-8-checked; its users call
        // toString(), except a relay (text-bytes) that passes the Buffer on.
        if (!isBinary && w.kind === 'text') data.toString();
        st.got++;
      });
      st.receiver.on('error', (e) => { throw e; });
      return st;
    });
    const reads = freshReads(w);
    const before = state.got;
    const t = process.hrtime.bigint();
    for (const chunk of reads) state.receiver.write(chunk);
    return [Number(process.hrtime.bigint() - t) / 1e9, state.got - before];
  };
}

// The socket write: every row's output bytes are copied into this buffer, as the
// kernel would copy them (ws passes payloads on by reference, so without it ws's
// cost would stop before the bytes are anywhere).
const SINK = Buffer.allocUnsafe(4 << 20).fill(0);
let sinkAt = 0;
function toSink(chunk) {
  const n = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
  if (sinkAt + n > SINK.length) sinkAt = 0;
  if (n > SINK.length) return n;
  if (typeof chunk === 'string') SINK.write(chunk, sinkAt);
  else SINK.set(chunk, sinkAt);
  sinkAt += n;
  return n;
}

const TRUSTED = { skipUtf8Check: true };

function wscoreEncode(w, trusted = false) {
  const server = kept(w, trusted ? 'wscore-encode-trusted' : 'wscore-encode', () => openServer(), (c) => c.free());
  let out = 0;
  const t = process.hrtime.bigint();
  for (let i = 0; i < w.count; i++) {
    if (w.kind === 'text') server.sendText(w.text);
    else if (w.kind === 'text-bytes') {
      if (trusted) server.sendTextBytes(w.payload, TRUSTED);
      else server.sendTextBytes(w.payload);
    } else server.sendBinary(w.payload);
    // The pieces to write, kept payloads as they are (as ws hands its Sender's to the socket).
    for (const chunk of server.takeOutputChunks()) out += toSink(chunk);
  }
  return [Number(process.hrtime.bigint() - t) / 1e9, out];
}

function wsEncode(ws) {
  return (w) => {
    const state = kept(w, ws, () => {
      const st = { out: 0 };
      const socket = {
        destroyed: false,
        cork() {}, uncork() {},
        write(chunk, cb) {
          st.out += toSink(chunk);
          if (cb) cb();
          return true;
        },
      };
      st.sender = new ws.Sender(socket);
      return st;
    });
    const { sender } = state;
    const before = state.out;
    const binary = w.kind === 'binary';
    const data = w.kind === 'text' ? w.text : w.payload; // text-bytes: a Buffer sent as text
    const options = { binary, fin: true, mask: false, compress: false };
    const t = process.hrtime.bigint();
    for (let i = 0; i < w.count; i++) sender.send(data, options);
    return [Number(process.hrtime.bigint() - t) / 1e9, state.out - before];
  };
}

const ROWS = {
  decode: { wscore: wscoreDecode, ws: wsDecode(wsPlain), 'ws+bufferutil': wsDecode(wsAddon) },
  encode: { wscore: wscoreEncode, ws: wsEncode(wsPlain), 'ws+bufferutil': wsEncode(wsAddon) },
};
// Text as bytes already checked (received with textAsBytes, relayed): as ws,
// which sends a Buffer as text without a check.
const TRUSTED_ROW = { 'wscore skipUtf8Check': (w) => wscoreEncode(w, true) };
const rowsOf = (op, kind) => (op === 'encode' && kind === 'text-bytes'
  ? { wscore: ROWS.encode.wscore, ...TRUSTED_ROW, ...Object.fromEntries(Object.entries(ROWS.encode).slice(1)) }
  : ROWS[op]);

function sample(row, w, op, minS) {
  let spent = 0;
  let n = 0;
  while (spent < minS) {
    const [secs, got] = row(w);
    if (op === 'decode' ? got !== w.count : got < w.bytes) throw new Error(`short: ${got}`);
    spent += secs;
    n++;
  }
  return (w.bytes * n) / spent / 1e6;
}

const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];

const { values: a } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    'sample-ms': { type: 'string', default: '150' },
    sizes: { type: 'string', default: SIZES.join(',') },
    ops: { type: 'string', default: 'decode,encode' },
    kinds: { type: 'string', default: 'text,text-bytes,binary' },
    out: { type: 'string', default: 'target/bench/node.json' },
  },
});
const runs = Number(a.runs);
const results = [];
for (const op of a.ops.split(',')) {
  for (const size of a.sizes.split(',').map(Number)) {
    for (const kind of a.kinds.split(',')) {
      const w = workload(kind, size);
      const rows = rowsOf(op, kind);
      const per = Object.fromEntries(Object.keys(rows).map((n) => [n, []]));
      for (let run = 0; run <= runs; run++) { // run 0 warms up (JIT) and is dropped
        for (const [name, row] of Object.entries(rows)) {
          const mbps = sample(row, w, op, Number(a['sample-ms']) / 1000);
          if (run) per[name].push(mbps);
        }
      }
      for (const free of w.cleanups ?? []) free();
      const line = Object.entries(per).map(([n, r]) => `${n} ${median(r).toFixed(1)}`).join(', ');
      console.error(`${op.padEnd(6)} ${kind.padEnd(10)} ${String(size).padStart(8)} B: ${line}`);
      results.push({
        op, kind, size, messages_per_batch: w.count,
        rows: Object.fromEntries(Object.entries(per).map(([n, r]) => [n, { mbps: r }])),
      });
    }
  }
}
const versions = {
  node: process.versions.node,
  ws: require('ws/package.json').version,
  bufferutil: require('bufferutil/package.json').version,
};
mkdirSync(dirname(a.out), { recursive: true });
writeFileSync(a.out, JSON.stringify({
  runtime: 'node', versions, runs, sample_ms: Number(a['sample-ms']), chunk: CHUNK,
  unit: 'payload MB/s (1e6 bytes), one value per run', results,
}, null, 1));
console.error(`wrote ${a.out}`);
