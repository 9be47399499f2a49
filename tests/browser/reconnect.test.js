// Reconnect, heartbeat and queue order, in headless Chromium against servers on 127.0.0.1.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useBrowser } from './fixtures.js';
import { freePort, startEcho, waitFor } from './harness.js';

const ctx = useBrowser();
// Chromium logs every refused connection attempt to the console itself.
const REFUSED = /WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/' failed: Error in connection establishment: net::ERR_CONNECTION_REFUSED$/;

test('the server killed and restarted: reconnects with doubling, jittered delays, then works again', async () => {
  const echo = await startEcho();
  const { page, errors } = await ctx.page();
  try {
    await page.evaluate(async (url) => {
      window.ws = new SafeWebSocket(url, null, { reconnect: { initialDelayMs: 100, maxDelayMs: 400 } });
      window.log = track(ws);
      await until(() => ws.readyState === 1, 5000, 'open');
    }, echo.url);
    await echo.stop();
    await page.evaluate(() => until(() => count(log, 'reconnecting') >= 4, 5000, 'four retries'));
    const restarted = await startEcho(echo.port);
    try {
      const r = await page.evaluate(async () => {
        await until(() => ws.readyState === 1, 5000, 'reopened');
        ws.send('back');
        await until(() => count(log, 'message') === 1, 5000, 'echo');
        return {
          retries: log.filter((e) => e.type === 'reconnecting').map((e) => e.detail),
          firstClose: log.find((e) => e.type === 'close'),
          message: log.find((e) => e.type === 'message').data,
          state: ws.state, stats: ws.stats,
        };
      });
      const attempts = r.retries.map((d) => d.attempt);
      assert.deepEqual(attempts, attempts.map((_, i) => i + 1), 'attempts count up from 1');
      r.retries.forEach(({ attempt, delayMs }) => {
        const ceiling = Math.min(400, 100 * 2 ** (attempt - 1));
        assert.ok(delayMs >= 0 && delayMs < ceiling, `attempt ${attempt}: ${delayMs} ms within [0, ${ceiling})`);
      });
      assert.deepEqual([r.firstClose.initiator, r.firstClose.willReconnect, r.firstClose.code], ['transport', true, 1006]);
      assert.equal(r.message, 'back');
      assert.equal(r.state, 'open');
      assert.equal(r.stats.opens, 2);
      assert.equal(r.stats.reconnects, r.retries.length);
      assert.deepEqual(await errors(REFUSED), []);
    } finally {
      await restarted.stop();
    }
  } finally {
    await echo.stop();
  }
});

test('after maxRetries it stays closed and reports queued messages as dropped; reconnect() still works', async () => {
  const port = await freePort(); // nothing listens here yet
  const { page, errors } = await ctx.page();
  const r = await page.evaluate(async (url) => {
    window.ws = new SafeWebSocket(url, null, { reconnect: { initialDelayMs: 20, maxRetries: 3 } });
    window.log = track(ws);
    const queued = ws.send('never');
    await until(() => ws.readyState === 3, 5000, 'final close');
    return { queued, state: ws.state, retries: count(log, 'reconnecting'), last: log.filter((e) => e.type === 'close').at(-1), drops: log.filter((e) => e.type === 'drop').map((e) => e.detail), afterClose: ws.send('late') };
  }, `ws://127.0.0.1:${port}/`);
  assert.equal(r.queued, 'queued');
  assert.equal(r.state, 'closed-transport');
  assert.equal(r.retries, 3);
  assert.equal(r.last.willReconnect, false);
  assert.deepEqual(r.drops, [{ data: 'never', reason: 'closed' }]);
  assert.equal(r.afterClose, false);
  const echo = await startEcho(port);
  try {
    const reopened = await page.evaluate(async () => {
      ws.reconnect();
      await until(() => ws.readyState === 1, 5000, 'open after reconnect()');
      return [ws.state, ws.send('hi')];
    });
    assert.deepEqual(reopened, ['open', 'sent']);
    assert.deepEqual(await errors(REFUSED), []);
  } finally {
    await echo.stop();
  }
});

test('messages sent while reconnecting are flushed in order after reopening; one socket at a time', async () => {
  const { page, errors } = await ctx.page();
  const control = ctx.control;
  control.state.maxOpen = 0;
  const before = control.state.connections.length;
  await page.evaluate(async (url) => {
    window.ws = new SafeWebSocket(url, null, { reconnect: { initialDelayMs: 200, maxDelayMs: 200 } });
    window.log = track(ws);
    window.results = [];
    // Sent from the reconnecting listener itself, so before any reconnect timer can fire.
    ws.addEventListener('reconnecting', () => {
      for (let i = 1; i <= 50; i++) results.push(ws.send(String(i)));
    }, { once: true });
    await until(() => ws.readyState === 1, 5000, 'open');
  }, control.url('/echo'));
  control.terminateAll(); // a crash: no close frame
  const r = await page.evaluate(async () => {
    await until(() => count(log, 'message') === 50, 10000, '50 echoes after reopening');
    return { results, state: ws.state, messages: log.filter((e) => e.type === 'message').map((e) => e.data), opens: ws.stats.opens };
  });
  assert.deepEqual(r.results, Array(50).fill('queued'));
  const expected = Array.from({ length: 50 }, (_, i) => String(i + 1));
  assert.deepEqual(r.messages, expected);
  assert.deepEqual(control.state.connections[before + 1].messages, expected);
  assert.equal(control.state.connections.length - before, 2);
  assert.equal(control.state.maxOpen, 1);
  assert.deepEqual([r.state, r.opens], ['open', 2]);
  assert.deepEqual(await errors(), []);
});

test('an unanswered heartbeat closes with 4000 and reconnects', async () => {
  const { page, errors } = await ctx.page();
  const control = ctx.control;
  control.state.maxOpen = 0;
  const before = control.state.connections.length;
  const r = await page.evaluate(async (url) => {
    const ws = new SafeWebSocket(url, null, {
      heartbeat: { message: 'ping', intervalMs: 100, timeoutMs: 300 },
      reconnect: { initialDelayMs: 50, maxDelayMs: 50 },
    });
    const log = track(ws);
    await until(() => count(log, 'open') === 2, 5000, 'reopened after a heartbeat timeout');
    const [open1, close1] = [log.find((e) => e.type === 'open'), log.find((e) => e.type === 'close')];
    ws.close(1000);
    return { afterMs: close1.at - open1.at, close1, lastClose: ws.lastClose };
  }, control.url('/silent'));
  // First ping at 100 ms, no answer within 300 ms: closed around 400 ms after open.
  assert.ok(r.afterMs >= 380 && r.afterMs < 2000, `closed ${r.afterMs} ms after open`);
  assert.deepEqual([r.close1.initiator, r.close1.willReconnect, r.close1.code], ['transport', true, 4000]);
  assert.equal(control.state.connections.length - before, 2);
  assert.equal(control.state.connections[before].messages[0], 'ping');
  assert.equal(control.state.maxOpen, 1);
  await waitFor(() => control.state.open === 0, 5000, 'server saw the close');
  assert.deepEqual(await errors(), []);
});

test('an answered heartbeat keeps the socket open and swallows the pongs', async () => {
  const { page, errors } = await ctx.page();
  const before = ctx.control.state.connections.length;
  const r = await page.evaluate(async (url) => {
    const ws = new SafeWebSocket(url, null, { heartbeat: { message: 'ping', pong: 'pong', intervalMs: 100, timeoutMs: 300 } });
    const log = track(ws);
    await until(() => ws.readyState === 1, 5000, 'open');
    await sleep(1200);
    const out = { state: ws.state, closes: count(log, 'close'), messages: count(log, 'message') };
    ws.close();
    return out;
  }, ctx.control.url('/pong'));
  assert.deepEqual(r, { state: 'open', closes: 0, messages: 0 });
  const pings = ctx.control.state.connections[before].messages.filter((m) => m === 'ping').length;
  assert.ok(pings >= 8 && pings <= 13, `${pings} pings in 1.2 s at 100 ms`);
  assert.deepEqual(await errors(), []);
});

test("no reconnect after the user's close(); reconnect() keeps one live socket at a time", async () => {
  const { page, errors } = await ctx.page();
  const control = ctx.control;
  control.state.maxOpen = 0;
  const before = control.state.connections.length;
  const r = await page.evaluate(async (url) => {
    const ws = new SafeWebSocket(url, null, { reconnect: { initialDelayMs: 10, maxDelayMs: 10 } });
    const log = track(ws);
    await until(() => ws.readyState === 1, 5000, 'open');
    for (let i = 0; i < 20; i++) {
      const opened = new Promise((resolve) => ws.addEventListener('open', resolve, { once: true }));
      ws.reconnect();
      await opened;
    }
    const closes = log.filter((e) => e.type === 'close').map((e) => [e.initiator, e.willReconnect, e.code]);
    ws.close(1000, 'done');
    await until(() => ws.readyState === 3, 5000, 'closed');
    await sleep(200);
    return { closes, opens: ws.stats.opens, state: ws.state, reconnecting: count(log, 'reconnecting'), last: log.at(-1) };
  }, control.url('/echo'));
  assert.equal(r.opens, 21);
  assert.deepEqual(r.closes, Array(20).fill(['local', true, 1000]));
  assert.equal(r.reconnecting, 0);
  assert.deepEqual([r.state, r.last.type, r.last.willReconnect], ['closed-local', 'close', false]);
  assert.equal(control.state.connections.length - before, 21);
  assert.equal(control.state.maxOpen, 1);
  assert.deepEqual(await errors(), []);
});

test('close() while waiting to reconnect ends it at once as our close', async () => {
  const port = await freePort(); // nothing listens: every attempt is refused
  const { page, errors } = await ctx.page();
  const r = await page.evaluate(async (url) => {
    const ws = new SafeWebSocket(url, null, { reconnect: { initialDelayMs: 2000, maxDelayMs: 2000 } });
    const log = track(ws);
    await until(() => ws.state === 'reconnecting', 5000, 'reconnecting');
    const result = ws.close(4000, 'stop');
    const state = ws.state;
    await sleep(300);
    return {
      result, state, lastClose: ws.lastClose, reconnecting: count(log, 'reconnecting'),
      closes: log.filter((e) => e.type === 'close').map((e) => [e.code, e.initiator, e.willReconnect]),
    };
  }, `ws://127.0.0.1:${port}/`);
  assert.equal(r.result, undefined);
  assert.equal(r.state, 'closed-local');
  assert.deepEqual(r.lastClose, { code: 4000, reason: 'stop', initiator: 'local', wasClean: true });
  assert.equal(r.reconnecting, 1);
  assert.deepEqual(r.closes, [[1006, 'transport', true], [4000, 'local', false]]);
  assert.deepEqual(await errors(REFUSED), []);
});
