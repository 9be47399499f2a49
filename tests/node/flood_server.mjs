// A server on the Node adapter, run as a child process by backpressure.test.mjs
// so that its memory is its own. Paths: /slow (takes one message at a time, 1 ms
// each: a handler that chains them on a promise and returns it), /echo (sends every message back), /firehose (sends
// 64 KiB every 10 ms whatever send() says), anything else (ignores messages).
// The output stall timeout is 500 ms instead of 30 s, for the /firehose test. Answers 'stats' messages over IPC with its memory and,
// per connection, the bytes its socket read and the app took.
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import { Connection, WebSocketConnection } from '../../examples/node/adapter.mjs';

const connections = []; // { path, socket, ws, taken, closed }
let peak = { rss: 0, arrayBuffers: 0, pending: 0 };

// As the adapter's createServer, with each socket at hand for its byte count.
const options = { outputStallTimeoutMs: 500 };
const server = net.createServer((socket) => {
  const ws = new WebSocketConnection(socket, Connection.server(options));
  ws.on('error', () => {});
  ws.once('request', (request) => {
    ws.connection.accept();
    const c = { path: request.target, socket, ws, taken: 0, closed: false };
    connections.push(c);
    ws.on('close', () => { c.closed = true; });
    if (c.path === '/slow') {
      let chain = Promise.resolve();
      ws.on('message', (data) => (chain = chain.then(async () => {
        await sleep(1);
        c.taken += data.length;
      })));
    } else if (c.path === '/echo') {
      ws.on('message', (data) => { c.taken += data.length; ws.send(data); });
    } else if (c.path === '/firehose') {
      const chunk = new Uint8Array(64 << 10);
      const timer = setInterval(() => {
        try { ws.send(chunk); } catch { clearInterval(timer); } // closed
      }, 10);
      setTimeout(() => clearInterval(timer), 10_000).unref();
    } else {
      ws.on('message', (data) => { c.taken += data.length; });
    }
  });
});

function sample() {
  const { rss, arrayBuffers } = process.memoryUsage();
  let pending = 0; // bytes this process owes its peers: in core and in the sockets
  for (const c of connections) if (!c.closed) pending += c.ws.bufferedAmount;
  peak = {
    rss: Math.max(peak.rss, rss),
    arrayBuffers: Math.max(peak.arrayBuffers, arrayBuffers),
    pending: Math.max(peak.pending, pending),
  };
  return { rss, arrayBuffers, pending };
}
setInterval(sample, 20).unref();

process.on('message', (msg) => {
  if (msg === 'stats') {
    process.send({
      now: sample(),
      peak,
      connections: connections.map((c) => ({
        path: c.path, bytesRead: c.socket.bytesRead, taken: c.taken, closed: c.closed,
        closeInfo: c.ws.connection.closeInfo ?? null,
      })),
    });
  } else if (msg === 'reset-peak') {
    peak = { rss: 0, arrayBuffers: 0, pending: 0 };
    sample();
    process.send('ok');
  }
});
process.on('disconnect', () => process.exit(0)); // the test went away

server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
