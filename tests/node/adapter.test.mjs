// The Node adapter (`wscore/node`, wasm/npm/adapter.js) over real sockets on 127.0.0.1,
// against the `ws` package: wscore server <-> ws client, ws server <-> wscore client.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, describe, test } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';

import { connect, createServer, errors } from '../../target/npm/wscore/adapter.js';

const WAIT_MS = 5000;
// Waits for one event, failing the test (not hanging it) after WAIT_MS.
const next = (emitter, event) => once(emitter, event, { signal: AbortSignal.timeout(WAIT_MS) });

async function listen(server) {
  server.listen(0, '127.0.0.1');
  await next(server, 'listening');
  return server.address().port;
}

// A send after a close returns false (never throws), and closeInfo says who closed.
function assertSendAfterClose(ws, { code, reason, initiator }) {
  assert.equal(ws.send('late'), false);
  assert.equal(ws.send(new Uint8Array(2000)), false);
  assert.equal(ws.ping(), false);
  assert.deepEqual(ws.closeInfo, { code, reason, initiator });
}

describe('wscore server, ws client', async () => {
  const sockets = new Set();
  let serverSide; // the latest server-side WebSocketConnection
  const server = createServer({
    onRequest: (request) => (request.subprotocols.includes('chat') ? { subprotocol: 'chat' } : undefined),
    onConnection(ws) {
      serverSide = ws;
      ws.on('message', (data) => {
        if (data === 'close me') ws.close(4001, 'done');
        else ws.send(data);
      });
    },
  });
  server.on('connection', (s) => sockets.add(s));
  const port = await listen(server);
  const url = `ws://127.0.0.1:${port}/echo`;
  after(() => { for (const s of sockets) s.destroy(); server.close(); });

  async function client(protocols) {
    const ws = new WebSocket(url, protocols);
    await next(ws, 'open');
    return ws;
  }

  test('echoes text, binary and a message ws sends in fragments', async () => {
    const ws = await client(['chat']);
    assert.equal(ws.protocol, 'chat');
    const received = [];
    ws.on('message', (data, isBinary) => received.push([isBinary ? [...data] : data.toString(), isBinary]));
    ws.send('héllo €');
    ws.send(Buffer.from([0, 1, 255]));
    ws.send('frag', { fin: false });
    ws.send('ment', { fin: true });
    while (received.length < 3) await next(ws, 'message');
    assert.deepEqual(received, [['héllo €', false], [[0, 1, 255], true], ['fragment', false]]);
    ws.close();
    await next(ws, 'close');
  });

  test('pings are answered both ways', async () => {
    const ws = await client();
    ws.ping('abc');
    const [pong] = await next(ws, 'pong');
    assert.equal(pong.toString(), 'abc');
    const ours = next(serverSide, 'pong');
    serverSide.ping(new TextEncoder().encode('xyz'));
    const [data] = await ours;
    assert.equal(Buffer.from(data).toString(), 'xyz');
    ws.close();
    await next(ws, 'close');
  });

  test('server closes with code and reason; a later send is a typed error', async () => {
    const ws = await client();
    const ourClose = new Promise((resolve) => serverSide.once('close', resolve));
    ws.send('close me');
    const [code, reason] = await next(ws, 'close');
    assert.deepEqual([code, reason.toString()], [4001, 'done']);
    const closed = await ourClose;
    assert.deepEqual([closed.code, closed.reason, closed.clean, closed.initiator], [4001, 'done', true, 'local']);
    assertSendAfterClose(serverSide, { code: 4001, reason: 'done', initiator: 'local' });
    assert.equal(serverSide.close().outcome, 'already_closed');
  });

  test('client closes with code and reason', async () => {
    const ws = await client();
    const ours = serverSide;
    const closing = next(ours, 'closing');
    const ourClose = next(ours, 'close');
    ws.close(4002, 'client bye');
    assert.deepEqual(await closing, [4002, 'client bye']);
    const [closed] = await ourClose;
    assert.deepEqual([closed.code, closed.reason, closed.clean, closed.initiator], [4002, 'client bye', true, 'remote']);
    const [code] = await next(ws, 'close');
    assert.equal(code, 4002);
    assertSendAfterClose(ours, { code: 4002, reason: 'client bye', initiator: 'remote' });
  });

  test('invalid close arguments throw and send nothing', async () => {
    const ws = await client();
    for (const [code, reason] of [[1005, ''], [1000, 'x'.repeat(124)], [999.5, '']]) {
      assert.throws(() => serverSide.close(code, reason), errors.InvalidCloseArgumentsError);
    }
    assert.equal(serverSide.state, 'open');
    ws.send('still open');
    const [data] = await next(ws, 'message');
    assert.equal(data.toString(), 'still open');
    ws.close();
    await next(ws, 'close');
  });

  test('abrupt disconnect is 1006 from the transport', async () => {
    const ws = await client();
    const ours = serverSide;
    const ourClose = next(ours, 'close');
    ws.terminate();
    const [closed] = await ourClose;
    assert.deepEqual([closed.code, closed.clean, closed.initiator], [1006, false, 'transport']);
    assertSendAfterClose(ours, { code: 1006, reason: '', initiator: 'transport' });
  });
});

describe('ws server, wscore client', async () => {
  let peer; // the latest server-side ws socket
  let lastHeaders;
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    handleProtocols: (protocols) => (protocols.has('chat') ? 'chat' : false),
    verifyClient: ({ req }, done) => (req.url === '/forbidden' ? done(false, 403) : done(true)),
  });
  wss.on('connection', (ws, req) => {
    peer = ws;
    lastHeaders = req.headers;
    ws.on('message', (data, isBinary) => {
      const text = data.toString();
      if (!isBinary && text === 'close me') ws.close(4003, 'server done');
      else if (!isBinary && text === 'drop me') ws.terminate();
      else ws.send(data, { binary: isBinary });
    });
  });
  await next(wss, 'listening');
  const base = `ws://127.0.0.1:${wss.address().port}`;
  after(() => { for (const c of wss.clients) c.terminate(); wss.close(); });

  test('negotiates a subprotocol and sends headers', async () => {
    const ws = await connect(`${base}/chat`, { subprotocols: ['chat'], headers: { 'X-Test': 'yes' } });
    assert.equal(ws.subprotocol, 'chat');
    assert.equal(lastHeaders['x-test'], 'yes');
    ws.close();
    await next(ws, 'close');
  });

  test('receives text, binary and a fragmented message from ws', async () => {
    const ws = await connect(`${base}/`);
    const received = [];
    ws.on('message', (data, isBinary) => received.push([isBinary ? [...data] : data, isBinary]));
    peer.send('héllo €');
    peer.send(Buffer.from([9, 8, 7]));
    peer.send('frag', { fin: false });
    peer.send('ment', { fin: true });
    while (received.length < 3) await next(ws, 'message');
    assert.deepEqual(received, [['héllo €', false], [[9, 8, 7], true], ['fragment', false]]);
    ws.send('echo me');
    const [echoed] = await next(ws, 'message');
    assert.equal(echoed, 'echo me');
    ws.close();
    await next(ws, 'close');
  });

  test('pings are answered both ways', async () => {
    const ws = await connect(`${base}/`);
    peer.ping('from ws');
    const [pong] = await next(peer, 'pong');
    assert.equal(pong.toString(), 'from ws');
    ws.ping(new TextEncoder().encode('from wscore'));
    const [data] = await next(ws, 'pong');
    assert.equal(Buffer.from(data).toString(), 'from wscore');
    ws.close();
    await next(ws, 'close');
  });

  test('ws server closes with code and reason', async () => {
    const ws = await connect(`${base}/`);
    const closing = next(ws, 'closing');
    const ourClose = next(ws, 'close');
    ws.send('close me');
    assert.deepEqual(await closing, [4003, 'server done']);
    const [closed] = await ourClose;
    assert.deepEqual([closed.code, closed.reason, closed.clean, closed.initiator], [4003, 'server done', true, 'remote']);
    assertSendAfterClose(ws, { code: 4003, reason: 'server done', initiator: 'remote' });
  });

  test('wscore client closes with code and reason', async () => {
    const ws = await connect(`${base}/`);
    const peerClose = next(peer, 'close');
    const ourClose = next(ws, 'close');
    assert.equal(ws.close(4004, 'client done').outcome, 'sent');
    assertSendAfterClose(ws, { code: 4004, reason: 'client done', initiator: 'local' });
    const [code, reason] = await peerClose;
    assert.deepEqual([code, reason.toString()], [4004, 'client done']);
    const [closed] = await ourClose;
    assert.deepEqual([closed.code, closed.clean, closed.initiator], [4004, true, 'local']);
  });

  test('abrupt disconnect is 1006 from the transport', async () => {
    const ws = await connect(`${base}/`);
    const ourClose = next(ws, 'close');
    ws.send('drop me');
    const [closed] = await ourClose;
    assert.deepEqual([closed.code, closed.clean, closed.initiator], [1006, false, 'transport']);
    assertSendAfterClose(ws, { code: 1006, reason: '', initiator: 'transport' });
  });

  test('a refused handshake rejects connect()', async () => {
    await assert.rejects(connect(`${base}/forbidden`), /handshake failed/);
  });
});
