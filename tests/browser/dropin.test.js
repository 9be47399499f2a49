// SafeWebSocket as a drop-in for WebSocket, and the reconnecting-socket options
// (URL functions, connectionTimeoutMs, startClosed, minUptimeMs, reconnect(code,
// reason), an injected WebSocket class), in headless Chromium on 127.0.0.1.
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { test } from 'node:test';
import { useBrowser } from './fixtures.js';

const ctx = useBrowser();

test('an EventTarget with WebSocket constants, on* handlers and standard event classes', async () => {
  const { page, errors } = await ctx.page();
  const r = await page.evaluate(async (url) => {
    const ws = new SafeWebSocket(url);
    const seen = [];
    ws.onopen = (e) => seen.push(['open', e.constructor.name]);
    ws.onmessage = (e) => { seen.push(['message', e.constructor.name, e.data]); ws.close(4000, 'done'); };
    const replaced = () => seen.push(['replaced handler ran']);
    ws.onclose = replaced;
    ws.onclose = (e) => seen.push(['close', e.constructor.name, e.code, e.reason, e.initiator]);
    ws.send('hi');
    await until(() => ws.readyState === ws.CLOSED, 5000, 'closed');
    return {
      seen, isTarget: ws instanceof EventTarget, dispatch: typeof ws.dispatchEvent,
      constants: [ws.CONNECTING, ws.OPEN, ws.CLOSING, ws.CLOSED, SafeWebSocket.OPEN],
      handler: typeof ws.onclose, cleared: (ws.onopen = null, ws.onopen),
    };
  }, ctx.control.url('/echo'));
  assert.deepEqual(r.seen, [['open', 'Event'], ['message', 'MessageEvent', 'hi'], ['close', 'CloseEvent', 4000, 'done', 'local']]);
  assert.deepEqual([r.isTarget, r.dispatch, r.handler, r.cleared], [true, 'function', 'function', null]);
  assert.deepEqual(r.constants, [0, 1, 2, 3, 1]);
  assert.deepEqual(await errors(), []);
});

test('by default a server close 1000 ends reconnecting; the close event carries lastClose.reason', async () => {
  const { page, errors } = await ctx.page();
  const before = ctx.control.state.connections.length;
  const r = await page.evaluate(async (url) => {
    const ws = new SafeWebSocket(url, null, { reconnect: { initialDelayMs: 10 } });
    const log = track(ws);
    await until(() => ws.readyState === 3, 5000, 'final close');
    await sleep(200);
    const close = log.find((e) => e.type === 'close');
    return { state: ws.state, lastClose: ws.lastClose, close: [close.code, close.reason, close.willReconnect], reconnecting: count(log, 'reconnecting') };
  }, ctx.control.url('/close/1000'));
  assert.equal(r.state, 'closed-remote');
  assert.deepEqual(r.close, [1000, 'go away', false]);
  assert.equal(r.lastClose.reason, 'go away');
  assert.equal(r.reconnecting, 0);
  assert.equal(ctx.control.state.connections.length - before, 1);
  assert.deepEqual(await errors(), []);
});

test('url and protocols as (async) functions are called before each attempt', async () => {
  const { page, errors } = await ctx.page();
  const r = await page.evaluate(async (base) => {
    const calls = [];
    const ws = new SafeWebSocket(async () => { calls.push('url'); await sleep(5); return `${base}?n=${calls.length}`; },
      () => ['v1'], { reconnect: { initialDelayMs: 10, maxDelayMs: 10 } });
    await until(() => ws.readyState === 1, 5000, 'first open');
    const first = [ws.url, ws.protocol];
    ws.reconnect(4000, 'again');
    await until(() => ws.stats.opens === 2, 5000, 'second open');
    const second = ws.url;
    ws.close();
    return { calls, first, second };
  }, ctx.control.url('/echo'));
  assert.deepEqual(r.calls, ['url', 'url']);
  assert.deepEqual(r.first, [`${ctx.control.url('/echo')}?n=1`, 'v1']);
  assert.equal(r.second, `${ctx.control.url('/echo')}?n=2`);
  const [first] = ctx.control.state.connections.slice(-2);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(first.socket.readyState, 3, 'reconnect(4000) closed the first socket');
  assert.deepEqual(await errors(), []);
});

test('startClosed opens nothing until reconnect(); sends meanwhile are queued', async () => {
  const { page, errors } = await ctx.page();
  const before = ctx.control.state.connections.length;
  const r = await page.evaluate(async (url) => {
    const ws = new SafeWebSocket(url, null, { startClosed: true });
    const log = track(ws);
    const idle = [ws.state, ws.readyState, ws.send('early')];
    await sleep(200);
    ws.reconnect();
    await until(() => count(log, 'message') === 1, 5000, 'echo of the early message');
    ws.close();
    return { idle, echoed: log.find((e) => e.type === 'message').data };
  }, ctx.control.url('/echo'));
  assert.deepEqual(r.idle, ['idle', 3, 'queued']);
  assert.equal(r.echoed, 'early');
  assert.equal(ctx.control.state.connections.length - before, 1);
  assert.deepEqual(await errors(), []);
});

test('connectionTimeoutMs abandons a socket that never opens and counts a failed attempt', async () => {
  // A TCP server that accepts and never answers the handshake.
  const silent = net.createServer((s) => s.on('error', () => {}));
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  const { page, errors } = await ctx.page();
  try {
    const r = await page.evaluate(async (url) => {
      const t0 = performance.now();
      const ws = new SafeWebSocket(url, null, { connectionTimeoutMs: 200, reconnect: { initialDelayMs: 10, maxRetries: 1 } });
      const log = track(ws);
      await until(() => ws.readyState === 3, 5000, 'final close');
      return { ms: performance.now() - t0, closes: log.filter((e) => e.type === 'close').map((e) => [e.code, e.initiator, e.willReconnect]), drops: count(log, 'drop') };
    }, `ws://127.0.0.1:${silent.address().port}/`);
    assert.deepEqual(r.closes, [[1006, 'transport', true], [1006, 'transport', false]]);
    assert.ok(r.ms >= 380 && r.ms < 3000, `two 200 ms timeouts took ${r.ms} ms`);
    assert.deepEqual(await errors(), []);
  } finally {
    silent.close();
  }
});

test('minUptimeMs: connections that drop at once keep the backoff growing', async () => {
  const { page, errors } = await ctx.page();
  const r = await page.evaluate(async (url) => {
    // /close/4002 closes right after opening: never up for minUptimeMs.
    const ws = new SafeWebSocket(url, null, { reconnect: { initialDelayMs: 10, maxDelayMs: 1000, minUptimeMs: 5000, maxRetries: 3 } });
    const log = track(ws);
    await until(() => ws.readyState === 3, 10000, 'given up');
    return { attempts: log.filter((e) => e.type === 'reconnecting').map((e) => e.detail.attempt), opens: ws.stats.opens, last: log.at(-1).type };
  }, ctx.control.url('/close/4002'));
  assert.deepEqual(r.attempts, [1, 2, 3]); // without minUptime every open would reset it to 1
  assert.equal(r.opens, 4);
  assert.equal(r.last, 'close'); // nothing after the final close
  assert.deepEqual(await errors(), []);
});

test('an injected WebSocket class is used for every socket', async () => {
  const { page, errors } = await ctx.page();
  const r = await page.evaluate(async (url) => {
    const made = [];
    class Recording extends WebSocket {
      constructor(...args) { super(...args); made.push(args[0]); }
    }
    const ws = new SafeWebSocket(url, null, { WebSocket: Recording });
    await until(() => ws.readyState === 1, 5000, 'open');
    ws.close();
    return made;
  }, ctx.control.url('/echo'));
  assert.deepEqual(r, [ctx.control.url('/echo')]);
  assert.deepEqual(await errors(), []);
});

test('bad options throw TypeError; a bad URL string throws like new WebSocket', async () => {
  const { page, errors } = await ctx.page();
  const r = await page.evaluate(() => {
    const attempt = (f) => { try { f(); return 'no error'; } catch (e) { return e.name; } };
    return [
      attempt(() => new SafeWebSocket('ws://127.0.0.1:1/', null, { queue: { dropPolicy: 'all' } })),
      attempt(() => new SafeWebSocket('ws://127.0.0.1:1/', null, { reconnect: { maxRetries: -1 } })),
      attempt(() => new SafeWebSocket('ws://127.0.0.1:1/', null, { WebSocket: 42 })),
      attempt(() => new SafeWebSocket('http://[bad')),
    ];
  });
  assert.deepEqual(r, ['TypeError', 'TypeError', 'TypeError', 'SyntaxError']);
  assert.deepEqual(await errors(), []);
});
