// Hostile clients against the Node adapter (issue 14): one floods a slow app,
// one floods pings and never reads, one never reads what the app sends. The
// server runs in a child process (flood_server.mjs) so that its memory is its
// own; each flood is bounded in time and bytes, and a well-behaved ws client
// must be served while it runs.
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';

const MiB = 1 << 20;
const FLOOD_MS = 2000;
const FLOOD_MAX_BYTES = 512 * MiB;
const WAIT_MS = 5000;
const next = (emitter, event, ms = WAIT_MS) => once(emitter, event, { signal: AbortSignal.timeout(ms) });
const mib = (n) => `${(n / MiB).toFixed(1)} MiB`;

let server;
let port;
before(async () => {
  server = fork(new URL('./flood_server.mjs', import.meta.url), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  [{ port }] = await next(server, 'message', 10_000);
});
after(() => server.kill());

async function ask(request) {
  const reply = next(server, 'message');
  server.send(request);
  return (await reply)[0];
}

// A raw TCP client past the handshake on `path`, which reads nothing more.
async function rawClient(path) {
  const socket = net.connect(port, '127.0.0.1');
  await next(socket, 'connect');
  const key = randomBytes(16).toString('base64');
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
    + `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  const [head] = await next(socket, 'data');
  socket.pause();
  assert.match(head.toString('latin1'), /^HTTP\/1\.1 101 /);
  return socket;
}

// `count` masked frames of `opcode` with a payload of `size` (at most 125) bytes.
function frames(opcode, size, count) {
  const frame = Buffer.alloc(6 + size, 0x61);
  frame[0] = 0x80 | opcode;
  frame[1] = 0x80 | size;
  frame.fill(0, 2, 6); // mask 0: the payload is sent as is
  return Buffer.concat(Array(count).fill(frame));
}

// Writes `block` as fast as the socket takes it, for FLOOD_MS or FLOOD_MAX_BYTES.
async function flood(socket, block) {
  const end = performance.now() + FLOOD_MS;
  let written = 0;
  while (performance.now() < end && written < FLOOD_MAX_BYTES && !socket.destroyed) {
    written += block.length;
    if (socket.write(block)) continue;
    try {
      await once(socket, 'drain', { signal: AbortSignal.timeout(Math.max(1, Math.ceil(end - performance.now()))) });
    } catch {
      break; // the server stopped reading: that is the point
    }
  }
  return written;
}

// A ws client that connects 300 ms into a flood and has five messages echoed.
async function wellBehaved() {
  await sleep(300);
  const started = performance.now();
  const ws = new WebSocket(`ws://127.0.0.1:${port}/echo`);
  await next(ws, 'open');
  const handshakeMs = performance.now() - started;
  let slowestEchoMs = 0;
  for (let i = 0; i < 5; i++) {
    const sent = performance.now();
    ws.send(`hello ${i}`);
    const [data] = await next(ws, 'message');
    assert.equal(data.toString(), `hello ${i}`);
    slowestEchoMs = Math.max(slowestEchoMs, performance.now() - sent);
    await sleep(100);
  }
  ws.close();
  return { handshakeMs, slowestEchoMs };
}

function assertServed({ handshakeMs, slowestEchoMs }) {
  assert.ok(handshakeMs < 1000, `handshake took ${handshakeMs.toFixed(0)} ms`);
  assert.ok(slowestEchoMs < 1000, `an echo took ${slowestEchoMs.toFixed(0)} ms`);
}

// The server's connection on `path` (the latest one) from a stats reply.
const on = (stats, path) => stats.connections.findLast((c) => c.path === path);

// Stats once `done(connection on path)` holds, or after `ms`.
async function until(path, done, ms) {
  const end = performance.now() + ms;
  let stats = await ask('stats');
  while (!done(on(stats, path)) && performance.now() < end) {
    await sleep(100);
    stats = await ask('stats');
  }
  return stats;
}

test('a slow app flooded with messages: the server reads about what the app takes', async () => {
  await ask('reset-peak');
  const { now: base } = await ask('stats');
  const socket = await rawClient('/slow');
  const [written, served] = await Promise.all([flood(socket, frames(0x2, 64, 16384)), wellBehaved()]);
  const during = await ask('stats');
  const slow = on(during, '/slow');
  // Gone abruptly (RST). What the server's kernel had received before is still
  // read, at the app's pace (TCP), so the close can take seconds: bounded by the
  // socket's receive buffer, never by a backlog in the process.
  socket.resetAndDestroy();
  await sleep(3000);
  const afterLeft = on(await ask('stats'), '/slow');
  const rss = during.peak.rss - base.rss;
  const arrayBuffers = during.peak.arrayBuffers - base.arrayBuffers;
  console.log(`slow app: client wrote ${mib(written)}, server read ${mib(slow.bytesRead)}, app took `
    + `${mib(slow.taken)}; 3 s after the client left: read ${mib(afterLeft.bytesRead - slow.bytesRead)} more, `
    + `app took ${mib(afterLeft.taken - slow.taken)} more; peak RSS +${mib(rss)}, `
    + `arrayBuffers +${mib(arrayBuffers)}; well-behaved client: handshake ${served.handshakeMs.toFixed(0)} ms, `
    + `slowest echo ${served.slowestEchoMs.toFixed(0)} ms`);
  // Read but not taken: one read plus the socket's own buffer (64 + 16 KiB), and one message.
  for (const [when, c] of [['during the flood', slow], ['after the client left', afterLeft]]) {
    assert.ok(c.bytesRead - c.taken < 1 * MiB, `${when}: server read ${mib(c.bytesRead - c.taken)} ahead of the app`);
  }
  assert.ok(afterLeft.bytesRead - slow.bytesRead < 2 * MiB, 'after the client left: only what the kernel held');
  assert.ok(rss < 32 * MiB, `peak RSS grew by ${mib(rss)}`);
  assert.ok(arrayBuffers < 8 * MiB, `peak arrayBuffers grew by ${mib(arrayBuffers)}`);
  assertServed(served);
});

test('a ping flood from a client that never reads: pongs do not pile up', async () => {
  await ask('reset-peak');
  const { now: base } = await ask('stats');
  const socket = await rawClient('/quiet');
  const [written, served] = await Promise.all([flood(socket, frames(0x9, 125, 8192)), wellBehaved()]);
  const during = await ask('stats');
  const quiet = on(during, '/quiet');
  socket.destroy();
  const rss = during.peak.rss - base.rss;
  console.log(`ping flood: client wrote ${mib(written)}, server read ${mib(quiet.bytesRead)}; peak owed to peers `
    + `${mib(during.peak.pending)}, peak RSS +${mib(rss)}; well-behaved client: handshake `
    + `${served.handshakeMs.toFixed(0)} ms, slowest echo ${served.slowestEchoMs.toFixed(0)} ms`);
  assert.ok(quiet.bytesRead > 4 * MiB, 'the flood reached the server');
  // Pending output: in core at most one pong; the socket's buffer about one write.
  assert.ok(during.peak.pending < 1 * MiB, `${mib(during.peak.pending)} of pongs pending`);
  assert.ok(rss < 32 * MiB, `peak RSS grew by ${mib(rss)}`);
  assertServed(served);
});

test('an app sending to a client that never reads: core holds the output and closes with 1008', async () => {
  await ask('reset-peak');
  const socket = await rawClient('/firehose');
  const served = await wellBehaved();
  const stats = await until('/firehose', (c) => c.closeInfo, 10_000);
  const firehose = on(stats, '/firehose');
  socket.destroy();
  console.log(`firehose: peak owed to peers ${mib(stats.peak.pending)}; closeInfo ${JSON.stringify(firehose.closeInfo)}`);
  // 64 KiB every 10 ms: the kernel's buffers fill, then core's output passes
  // the 1 MiB mark and stays there 500 ms (outputStallTimeoutMs).
  assert.deepEqual(firehose.closeInfo && [firehose.closeInfo.code, firehose.closeInfo.initiator], [1008, 'protocol_error']);
  assert.ok(stats.peak.pending < 12 * MiB, `${mib(stats.peak.pending)} pending for a peer that does not read`);
  assertServed(served);
});
