// `wscore/node`'s WebSocketServer on a node:http server's 'upgrade' event, with
// the `ws` package as the client over 127.0.0.1; text as bytes through the
// adapter (a relay that never makes a string) and its typed error.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import { after, describe, test } from 'node:test';
import WebSocket from 'ws';

import { WebSocketServer, connect, errors } from '../../target/npm/wscore/adapter.js';

const WAIT_MS = 5000;
const next = (emitter, event) => once(emitter, event, { signal: AbortSignal.timeout(WAIT_MS) });

async function listen(server) {
  server.listen(0, '127.0.0.1');
  await next(server, 'listening');
  return server.address().port;
}

describe('WebSocketServer on node:http, ws client', async () => {
  const server = http.createServer((req, res) => res.writeHead(200).end('plain http still works'));
  const wss = new WebSocketServer({
    server,
    path: '/ws',
    options: { textAsBytes: true },
    onRequest: (request) => {
      if (request.headers.some(([name, value]) => name.toLowerCase() === 'x-token' && value === 'bad')) {
        return { reject: { status: 403, body: new TextEncoder().encode('no') } };
      }
      return request.subprotocols.includes('chat') ? { subprotocol: 'chat' } : undefined;
    },
  });
  let serverSide;
  const upgrades = [];
  wss.on('connection', (ws, req) => {
    serverSide = ws;
    upgrades.push(req.url);
    ws.on('message', (data, isBinary) => {
      // textAsBytes: text arrives as its UTF-8 bytes and goes back as text.
      if (!isBinary && Buffer.from(data).toString() === 'close me') ws.close(4001, 'done');
      else ws.send(data, { binary: isBinary });
    });
  });
  const port = await listen(server);
  const base = `ws://127.0.0.1:${port}`;
  after(() => { wss.close(); server.closeAllConnections?.(); server.close(); });

  async function client(path = '/ws?room=1', protocols = ['chat'], options = {}) {
    const ws = new WebSocket(`${base}${path}`, protocols, options);
    await next(ws, 'open');
    return ws;
  }

  test('echoes text and binary; text stays bytes on the server side', async () => {
    const ws = await client();
    assert.equal(ws.protocol, 'chat');
    assert.equal(upgrades.at(-1), '/ws?room=1');
    const seen = [];
    serverSide.prependListener('message', (data, isBinary) => seen.push([data instanceof Uint8Array, isBinary]));
    const received = [];
    ws.on('message', (data, isBinary) => received.push([isBinary ? [...data] : data.toString(), isBinary]));
    ws.send('héllo € 😀');
    ws.send(Buffer.from([0, 1, 255]));
    ws.send('x'.repeat(5000)); // over 1 KiB: the server hands the received bytes on without a copy
    while (received.length < 3) await next(ws, 'message');
    assert.deepEqual(received, [['héllo € 😀', false], [[0, 1, 255], true], ['x'.repeat(5000), false]]);
    assert.deepEqual(seen, [[true, false], [true, true], [true, false]]);
    assert.equal(wss.clients.size, 1);
    ws.close();
    await next(serverSide, 'close');
    assert.equal(wss.clients.size, 0);
  });

  test('invalid UTF-8 sent as text is a typed error; the connection carries on', async () => {
    const ws = await client();
    assert.throws(() => serverSide.send(new Uint8Array([0x61, 0xff]), { binary: false }), (err) => {
      assert.ok(err instanceof errors.InvalidUtf8Error);
      assert.ok(err instanceof errors.WebSocketError);
      assert.equal(err.validUpTo, 1);
      return true;
    });
    assert.equal(serverSide.send(new TextEncoder().encode('still open'), { binary: false }), 'sent');
    const [data, isBinary] = await next(ws, 'message');
    assert.deepEqual([data.toString(), isBinary], ['still open', false]);
    ws.close();
    await next(ws, 'close');
  });

  test('server close: code and reason reach ws; a later send returns false with who closed', async () => {
    const ws = await client();
    const closed = next(ws, 'close');
    const ours = next(serverSide, 'close');
    const side = serverSide;
    ws.send('close me');
    const [code, reason] = await closed;
    assert.deepEqual([code, reason.toString()], [4001, 'done']);
    const [event] = await ours;
    assert.deepEqual([event.code, event.clean, event.initiator], [4001, true, 'local']);
    assert.equal(side.send('late'), false);
    assert.deepEqual(side.closeInfo, { code: 4001, reason: 'done', initiator: 'local' });
    assert.equal(side.close().outcome, 'already_closed');
  });

  test('a request onRequest refuses gets its status; other paths get 404; plain HTTP is untouched', async () => {
    const refused = new WebSocket(`${base}/ws`, { headers: { 'X-Token': 'bad' } });
    const [, response] = await next(refused, 'unexpected-response');
    assert.equal(response.statusCode, 403);
    refused.on('error', () => {});
    refused.terminate();
    const elsewhere = new WebSocket(`${base}/other`);
    const [, notFound] = await next(elsewhere, 'unexpected-response');
    assert.equal(notFound.statusCode, 404);
    elsewhere.on('error', () => {});
    elsewhere.terminate();
    const res = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(await res.text(), 'plain http still works');
  });

  test('a wscore client and WebSocketServer: close() closes every client with 1001', async () => {
    const other = new WebSocketServer({ options: { textAsBytes: false } });
    const server2 = http.createServer();
    server2.on('upgrade', (req, socket, head) => other.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data) => ws.send(`got ${data}`));
    }));
    const port2 = await listen(server2);
    try {
      const ws = await connect(`ws://127.0.0.1:${port2}/`);
      ws.send('a');
      const [data, isBinary] = await next(ws, 'message');
      assert.deepEqual([data, isBinary], ['got a', false]);
      const closed = next(ws, 'close');
      other.close();
      const [event] = await closed;
      assert.deepEqual([event.code, event.initiator, event.clean], [1001, 'remote', true]);
    } finally {
      server2.closeAllConnections?.();
      server2.close();
    }
  });
});
