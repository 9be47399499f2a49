// The Node entry's fast path for small sends and takes (wasm/npm/fast_path.js,
// wasm/src/staged.rs) gives the same bytes, events and errors as the ordinary
// methods: frames checked byte for byte, round trips through a client, and the
// cases it hands back (other payload types, kept payloads, errors, memory growth).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  Connection, ConnectionClosedError, InvalidStateError, InvalidUtf8Error,
} from '../../target/npm/wscore/node.js';

const LIMITS = { maxMessageSize: 64 << 20, maxFrameSize: 64 << 20 };

function openPair() {
  const client = Connection.client('ws://test/', LIMITS);
  const server = Connection.server(LIMITS);
  server.receive(client.takeOutput());
  server.events();
  server.accept();
  client.receive(server.takeOutput());
  client.events();
  return { client, server };
}

// An unmasked server frame (FIN set) as RFC 6455 §5.2 lays it out.
function frame(opcode, payload) {
  const n = payload.length;
  const head = n < 126 ? [0x80 | opcode, n]
    : n < 65536 ? [0x80 | opcode, 126, n >> 8, n & 0xff]
      : [0x80 | opcode, 127, 0, 0, 0, 0, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from(head), payload]);
}
const bytesOf = (n, seed = 7) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 131 + seed) & 0xff));
const joined = (chunks) => Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.length)));

test('the Node entry installs the fast path', () => {
  assert.equal(Connection.prototype.__fastPath, true);
  assert.equal(Connection.prototype.sendBinary.name, 'sendBinaryFast');
});

test('a server frames small payloads byte for byte, in every form and way of taking', () => {
  const { client, server } = openPair();
  client.free();
  for (const n of [0, 1, 16, 64, 65, 125, 126, 1000, 1024, 1025, 4096]) {
    const p = bytesOf(n);
    server.sendBinary(p);
    assert.deepEqual(joined(server.takeOutputChunks()), frame(2, p), `binary ${n} B, chunks`);
    server.sendBinary(new Uint8Array(p)); // a plain Uint8Array, not a Buffer
    assert.deepEqual(Buffer.from(server.takeOutput()), frame(2, p), `binary ${n} B, one array`);
    server.sendBinary(p.buffer.slice(p.byteOffset, p.byteOffset + n)); // an ArrayBuffer: ordinary path
    assert.deepEqual(joined(server.takeOutputChunks()), frame(2, p), `ArrayBuffer ${n} B`);
    const text = Buffer.from('é'.repeat(n >> 1) + 'a'.repeat(n & 1));
    server.sendTextBytes(text);
    assert.deepEqual(joined(server.takeOutputChunks()), frame(1, text), `text bytes ${n} B`);
    server.sendText(text.toString());
    assert.deepEqual(joined(server.takeOutputChunks()), frame(1, text), `text ${n} B`);
  }
  assert.deepEqual(server.takeOutputChunks(), []);
  assert.equal(server.takeOutput().length, 0);
  server.free();
});

test('small and kept payloads interleave in order', () => {
  const { client, server } = openPair();
  client.free();
  const big = bytesOf(2048, 3);
  const small = bytesOf(16, 5);
  server.sendBinary(small);
  server.sendBinary(big); // kept by the server, not copied
  server.sendBinary(small);
  server.sendTextBytes(Buffer.from('hi'));
  const expected = Buffer.concat([frame(2, small), frame(2, big), frame(2, small), frame(1, Buffer.from('hi'))]);
  assert.deepEqual(joined(server.takeOutputChunks()), expected);
  server.sendBinary(big);
  server.sendBinary(small);
  assert.deepEqual(Buffer.from(server.takeOutput()), Buffer.concat([frame(2, big), frame(2, small)]));
  server.free();
});

test('a client masks what it sends through the fast path; the server reads it back', () => {
  const { client, server } = openPair();
  for (const n of [0, 3, 16, 125, 126, 1024, 1025, 70000]) {
    const p = bytesOf(n, n);
    client.sendBinary(p);
    client.sendTextBytes(Buffer.from('ü'.repeat(n >> 1)));
    client.sendText('ü'.repeat(n >> 1));
    server.receive(client.takeOutput());
    const events = server.events();
    assert.equal(events.length, 3);
    assert.deepEqual(events[2], events[1]);
    assert.equal(events[0].type, 'binary');
    assert.deepEqual(Buffer.from(events[0].data), p);
    assert.deepEqual(events[1], { type: 'text', data: 'ü'.repeat(n >> 1) });
  }
  client.free();
  server.free();
});

test('errors are the ordinary ones and leave nothing queued', () => {
  const { client, server } = openPair();
  assert.throws(() => server.sendTextBytes(Buffer.from([0x61, 0xff])), (e) => e instanceof InvalidUtf8Error && e.validUpTo === 1);
  assert.equal(server.takeOutput().length, 0);
  // A lone surrogate becomes U+FFFD, as the ordinary path's encoder makes it.
  server.sendText('a\ud800b');
  assert.deepEqual(joined(server.takeOutputChunks()), frame(1, Buffer.from('a\ufffdb')));
  const fresh = Connection.server(LIMITS);
  assert.throws(() => fresh.sendBinary(Buffer.from('x')), InvalidStateError);
  fresh.free();
  server.close(1000, 'bye');
  server.takeOutput();
  assert.throws(() => server.sendBinary(Buffer.from('x')), ConnectionClosedError);
  assert.throws(() => server.sendTextBytes(Buffer.from('x')), ConnectionClosedError);
  assert.throws(() => server.sendText('x'), ConnectionClosedError);
  assert.equal(server.takeOutput().length, 0);
  assert.throws(() => server.sendBinary(42), TypeError);
  server.free();
  assert.throws(() => server.sendBinary(Buffer.from('x')));
  assert.throws(() => server.takeOutputChunks());
  client.free();
});

test('the fast path still reads the right memory after wasm memory grows', () => {
  const { client, server } = openPair();
  const before = Buffer.from('before');
  server.sendBinary(before);
  assert.deepEqual(joined(server.takeOutputChunks()), frame(2, before));
  // A 32 MiB message makes the module's memory grow (its old views detach).
  client.sendBinary(Buffer.alloc(32 << 20, 1));
  server.receive(client.takeOutput());
  assert.equal(server.events()[0].data.length, 32 << 20);
  server.sendText('still 👋');
  assert.deepEqual(joined(server.takeOutputChunks()), frame(1, Buffer.from('still 👋')));
  const after = bytesOf(100, 9);
  server.sendBinary(after);
  assert.deepEqual(joined(server.takeOutputChunks()), frame(2, after));
  client.free();
  server.free();
});

test('sendTextBytes with skipUtf8Check sends the bytes unchecked, small or kept', () => {
  const { client, server } = openPair();
  const trusted = { skipUtf8Check: true };
  for (const n of [0, 16, 1024, 1025, 4096]) {
    const text = Buffer.from('é'.repeat(n >> 1) + 'a'.repeat(n & 1));
    server.sendTextBytes(text, trusted);
    assert.deepEqual(joined(server.takeOutputChunks()), frame(1, text), `trusted ${n} B`);
    server.sendTextBytes(text, { skipUtf8Check: false });
    assert.deepEqual(joined(server.takeOutputChunks()), frame(1, text), `checked ${n} B`);
  }
  for (const n of [2, 2000]) { // the fast path's size and a kept payload's
    const bad = Buffer.alloc(n, 0x61);
    bad[n - 1] = 0xff;
    assert.throws(() => server.sendTextBytes(bad), InvalidUtf8Error);
    assert.throws(() => server.sendTextBytes(bad, {}), InvalidUtf8Error);
    assert.equal(server.takeOutput().length, 0);
    // Trusted: out as it is (the caller vouched for it); the peer fails it with 1007.
    server.sendTextBytes(bad, trusted);
    assert.deepEqual(joined(server.takeOutputChunks()), frame(1, bad), `unchecked ${n} B`);
  }
  assert.throws(() => server.sendTextBytes(Buffer.from('x'), { skipUtf8Check: 'yes' }), TypeError);
  assert.equal(server.takeOutput().length, 0);
  // A client's trusted text is masked like any other, and arrives whole.
  client.sendTextBytes(Buffer.from('héllo'), trusted);
  server.receive(client.takeOutput());
  assert.deepEqual(server.events(), [{ type: 'text', data: 'héllo' }]);
  client.free();
  server.free();
});
