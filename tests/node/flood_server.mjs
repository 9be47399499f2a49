// A server on the Node adapter (WebSocketServer on node:http), run as a child process by backpressure.test.mjs
// so that its memory is its own. Paths: /slow (takes one message at a time, 1 ms
// each: a handler that chains them on a promise and returns it), /echo (sends every message back), /firehose (sends
// 64 KiB every 10 ms whatever send() says), anything else (ignores messages).
// The output stall timeout is 500 ms instead of 30 s, for the /firehose test. Answers 'stats' messages over IPC with its memory and,
// per connection, the bytes its socket read and the app took.
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

import { WebSocketServer } from '../../target/npm/wscore/adapter.js';

const connections = []; // { path, socket, ws, taken, closed }
let peak = { rss: 0, arrayBuffers: 0, pending: 0 };

// The shipped server helper on Node's http 'upgrade' event; each upgraded
// socket at hand for its byte count.
const options = { outputStallTimeoutMs: 500 };
const server = http.createServer((req, res) => res.writeHead(426).end());
const wss = new WebSocketServer({ server, options });
wss.on('connection', (ws, req) => {
  ws.on('error', () => {});
  const c = { path: req.url, socket: req.socket, ws, taken: 0, closed: false };
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
      if (ws.send(chunk) === false) clearInterval(timer); // closed
    }, 10);
    setTimeout(() => clearInterval(timer), 10_000).unref();
  } else {
    ws.on('message', (data) => { c.taken += data.length; });
  }
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
        closeInfo: c.ws.closeInfo ?? null,
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
