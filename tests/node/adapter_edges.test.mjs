// Adapter edges a well-behaved peer does not reach: bytes that arrive with the
// 101, a peer that never answers our close (the timer path), backpressure,
// permessage-deflate negotiated with ws, pause()/resume() and async listeners.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';
import WebSocket from 'ws';

import { connect, createServer } from '../../target/npm/wscore/adapter.js';

const WAIT_MS = 5000;
const next = (emitter, event) => once(emitter, event, { signal: AbortSignal.timeout(WAIT_MS) });

// A raw TCP server that answers the upgrade with `reply(acceptHeaders)` in one write, then ignores input.
async function rawServer(reply) {
  const sockets = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    let head = '';
    socket.on('data', (chunk) => {
      if (head.includes('\r\n\r\n')) return; // after the handshake: ignore everything
      head += chunk.toString('latin1');
      const key = /sec-websocket-key: *(\S+)/i.exec(head)?.[1];
      if (!head.includes('\r\n\r\n') || !key) return;
      const accept = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
      socket.write(Buffer.concat([
        Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`),
        reply,
      ]));
    });
  });
  server.listen(0, '127.0.0.1');
  await next(server, 'listening');
  const stop = () => { for (const s of sockets) s.destroy(); server.close(); };
  return { url: `ws://127.0.0.1:${server.address().port}/`, stop };
}

test('messages in the same TCP read as the 101 reach listeners attached after connect()', async () => {
  const text = Buffer.from('hi');
  const frame = Buffer.concat([Buffer.from([0x81, text.length]), text]); // unmasked text, fin
  const { url, stop } = await rawServer(frame);
  try {
    const ws = await connect(url);
    const [data, isBinary] = await next(ws, 'message');
    assert.deepEqual([data, isBinary], ['hi', false]);
    ws.close();
  } finally {
    stop();
  }
});

test('a peer that never answers our close is dropped after closeTimeoutMs with 1006', async () => {
  const { url, stop } = await rawServer(Buffer.alloc(0));
  try {
    const ws = await connect(url, { closeTimeoutMs: 200 });
    const started = performance.now();
    const closed = next(ws, 'close');
    assert.equal(ws.close(1000, 'bye').outcome, 'sent');
    const [event] = await closed;
    const elapsed = performance.now() - started;
    assert.deepEqual([event.code, event.clean, event.initiator], [1006, false, 'local']);
    assert.ok(elapsed >= 190 && elapsed < 3000, `closed after ${elapsed} ms`);
  } finally {
    stop();
  }
});

test('send() reports a full socket and drain follows once the peer reads', async () => {
  let serverSide;
  const server = createServer({ onConnection: (ws) => { serverSide = ws; } });
  server.listen(0, '127.0.0.1');
  await next(server, 'listening');
  const client = new WebSocket(`ws://127.0.0.1:${server.address().port}/`);
  try {
    await next(client, 'open');
    client._socket.pause(); // ws's socket: stop reading so the kernel buffers fill
    const chunk = new Uint8Array(1 << 20);
    // send() says 'queued' once over the socket's high-water mark; the kernel may
    // still take all of it at once (loopback), so go on until bytes are left waiting.
    let sent = 0;
    let full = false;
    while (!full && sent < 256) {
      full = serverSide.send(chunk) === 'queued' && serverSide.bufferedAmount > 0;
      sent++;
    }
    assert.ok(full, "send() returned 'queued' with bytes waiting before 256 MiB were queued");
    // While the socket is full, core keeps what is sent (its stall timer watches it).
    const held = serverSide.connection.bufferedAmount;
    assert.equal(serverSide.send(chunk), 'queued');
    sent++;
    assert.equal(serverSide.connection.bufferedAmount - held, 10 + chunk.length); // header + payload
    const drained = next(serverSide, 'drain');
    let received = 0;
    client.on('message', () => { received++; });
    client._socket.resume();
    await drained;
    assert.equal(serverSide.connection.bufferedAmount, 0);
    while (received < sent) await next(client, 'message'); // every message, in order
    assert.equal(received, sent);
  } finally {
    client.terminate();
    server.close();
  }
});

test('permessage-deflate with ws: negotiated through the options, messages intact', async () => {
  const server = createServer({
    options: { deflate: { serverNoContextTakeover: true } },
    onConnection: (ws) => ws.on('message', (data) => ws.send(data)),
  });
  server.listen(0, '127.0.0.1');
  await next(server, 'listening');
  const client = new WebSocket(`ws://127.0.0.1:${server.address().port}/`, { perMessageDeflate: true });
  const upgrade = next(client, 'upgrade');
  const opened = next(client, 'open');
  try {
    const [response] = await upgrade;
    await opened;
    assert.equal(client.extensions, 'permessage-deflate');
    assert.match(response.headers['sec-websocket-extensions'], /^permessage-deflate;.*server_no_context_takeover/);
    const text = 'compress me '.repeat(1000);
    client.send(text);
    const [data, isBinary] = await next(client, 'message');
    assert.deepEqual([data.toString(), isBinary], [text, false]);
  } finally {
    client.terminate();
    server.close();
  }
});

test('pause() holds messages back and resume() hands them over in order; an async listener gets one at a time', async () => {
  let serverSide;
  const server = createServer({ onConnection: (ws) => { serverSide = ws; } });
  server.listen(0, '127.0.0.1');
  await next(server, 'listening');
  const client = new WebSocket(`ws://127.0.0.1:${server.address().port}/`);
  try {
    await next(client, 'open');
    const received = [];
    let running = 0;
    let overlapped = false;
    serverSide.on('message', async (data) => {
      overlapped ||= running > 0;
      running++;
      received.push(data);
      if (data === 'a') serverSide.pause();
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
    });
    for (const m of ['a', 'b', 'c']) client.send(m);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(received, ['a'], 'nothing after pause()');
    assert.ok(serverSide.isPaused);
    serverSide.resume();
    const end = performance.now() + WAIT_MS;
    while (received.length < 3 && performance.now() < end) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(received, ['a', 'b', 'c']);
    assert.equal(overlapped, false, 'the next message waited for the listener\'s promise');
  } finally {
    client.terminate();
    server.close();
  }
});

test('an async listener that rejects fails its connection with the error', async () => {
  let serverSide;
  const server = createServer({ onConnection: (ws) => { serverSide = ws; } });
  server.listen(0, '127.0.0.1');
  await next(server, 'listening');
  const client = new WebSocket(`ws://127.0.0.1:${server.address().port}/`);
  try {
    await next(client, 'open');
    serverSide.on('message', async () => { throw new Error('handler failed'); });
    const failed = next(serverSide, 'error');
    client.send('x');
    const [err] = await failed;
    assert.equal(err.message, 'handler failed');
    await next(client, 'close');
  } finally {
    client.terminate();
    server.close();
  }
});
