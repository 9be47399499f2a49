// SafeWebSocket in real headless Chromium against real servers on 127.0.0.1.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useBrowser } from './fixtures.js';
import { startEcho, waitFor } from './harness.js';

const ctx = useBrowser();

test('send while CONNECTING queues, then flushes in order once open; binary arrives as ArrayBuffer', async () => {
  const { page, errors } = await ctx.page();
  const r = await page.evaluate(async (url) => {
    const ws = new SafeWebSocket(url);
    const log = track(ws);
    const before = [ws.readyState, ws.state, ws.binaryType];
    const results = [ws.send('a'), ws.send('b'), ws.send(new Uint8Array([1, 2, 3])), ws.send(7)];
    const buffered = ws.bufferedAmount;
    await until(() => count(log, 'message') === 4, 5000, 'four echoes');
    const afterOpen = ws.send('c');
    await until(() => count(log, 'message') === 5, 5000, 'fifth echo');
    return { before, results, buffered, afterOpen, messages: log.filter((e) => e.type === 'message').map((e) => e.data), stats: ws.stats };
  }, ctx.control.url('/echo'));
  assert.deepEqual(r.before, [0, 'connecting', 'arraybuffer']);
  assert.deepEqual(r.results, ['queued', 'queued', 'queued', 'queued']);
  assert.equal(r.buffered, 6); // 'a' + 'b' + 3 bytes + '7', all in our queue
  assert.equal(r.afterOpen, 'sent');
  assert.deepEqual(r.messages, ['a', 'b', [1, 2, 3], '7', 'c']); // a number goes as its string, like the native send
  assert.equal(r.stats.queued, 4);
  assert.equal(r.stats.sent, 5);
  assert.deepEqual(await errors(), []);
});

test('close() returns typed errors for bad codes and a 124-byte reason, stays open, and is idempotent', async () => {
  const { page, errors } = await ctx.page();
  const r = await page.evaluate(async (url) => {
    const ws = new SafeWebSocket(url);
    const log = track(ws);
    await until(() => ws.readyState === 1, 5000, 'open');
    const bad = [ws.close(1006), ws.close(1000, 'x'.repeat(124)), ws.close(1001), ws.close(undefined, 'why'), ws.close(70000)];
    const stillOpen = [ws.readyState, ws.send('still here')];
    const first = ws.close(4000, 'bye');
    const second = ws.close(4000, 'bye');
    const third = ws.close();
    await until(() => count(log, 'close') === 1, 5000, 'close event');
    await sleep(100);
    return {
      bad: bad.map((e) => ({ isError: e instanceof Error, name: e.name, kind: e.kind, code: e.code, reasonBytes: e.reasonBytes })),
      stillOpen, first, second, third, state: ws.state, readyState: ws.readyState, lastClose: ws.lastClose,
      closes: log.filter((e) => e.type === 'close').map(({ code, reason, initiator, willReconnect }) => ({ code, reason, initiator, willReconnect })),
    };
  }, ctx.control.url('/echo'));
  assert.deepEqual(r.bad, [
    { isError: true, name: 'CloseError', kind: 'invalid-code', code: 1006, reasonBytes: 0 },
    { isError: true, name: 'CloseError', kind: 'reason-too-long', code: 1000, reasonBytes: 124 },
    { isError: true, name: 'CloseError', kind: 'code-not-allowed-in-browser', code: 1001, reasonBytes: 0 },
    { isError: true, name: 'CloseError', kind: 'reason-without-code', code: null, reasonBytes: 3 },
    { isError: true, name: 'CloseError', kind: 'invalid-code', code: 70000, reasonBytes: 0 },
  ]);
  assert.deepEqual(r.stillOpen, [1, 'sent']);
  assert.deepEqual([r.first, r.second, r.third], [undefined, undefined, undefined]);
  assert.deepEqual([r.state, r.readyState], ['closed-local', 3]);
  assert.deepEqual(r.lastClose, { code: 4000, reason: 'bye', initiator: 'local', wasClean: true });
  assert.deepEqual(r.closes, [{ code: 4000, reason: 'bye', initiator: 'local', willReconnect: false }]);
  const conn = ctx.control.state.connections.at(-1);
  assert.deepEqual(conn.messages, ['still here']);
  assert.deepEqual(await errors(), []);
});

test('send after close returns false, is counted, and raises nothing on the page', async () => {
  const { page, errors } = await ctx.page();
  const r = await page.evaluate(async (url) => {
    const ws = new SafeWebSocket(url);
    await until(() => ws.readyState === 1, 5000, 'open');
    ws.close(1000);
    const whileClosing = [ws.readyState, ws.send('closing')];
    await until(() => ws.readyState === 3, 5000, 'closed');
    const afterClosed = [ws.send('x'), ws.send(new ArrayBuffer(4)), ws.send(new Blob(['b'])), ws.send(new Uint8Array(2))];
    await sleep(100); // let any asynchronous error surface
    return { whileClosing, afterClosed, stats: ws.stats, state: ws.state };
  }, ctx.control.url('/echo'));
  assert.deepEqual(r.whileClosing, [2, false]);
  assert.deepEqual(r.afterClosed, [false, false, false, false]);
  assert.equal(r.stats.afterClose, 5);
  assert.equal(r.state, 'closed-local');
  assert.deepEqual(await errors(), []);
});

test('a server close with a stop code does not reconnect; the state says the server closed', async () => {
  const { page, errors } = await ctx.page();
  const before = ctx.control.state.connections.length;
  const r = await page.evaluate(async (url) => {
    const ws = new SafeWebSocket(url, null, { reconnect: { initialDelayMs: 10, stopCodes: [4001] } });
    const log = track(ws);
    await until(() => count(log, 'close') === 1, 5000, 'close');
    await sleep(300);
    return { state: ws.state, lastClose: ws.lastClose, reconnecting: count(log, 'reconnecting'), close: log.find((e) => e.type === 'close') };
  }, ctx.control.url('/close/4001'));
  assert.equal(r.state, 'closed-remote');
  assert.deepEqual(r.lastClose, { code: 4001, reason: 'go away', initiator: 'remote', wasClean: true });
  assert.equal(r.reconnecting, 0);
  assert.deepEqual([r.close.initiator, r.close.willReconnect], ['remote', false]);
  assert.equal(ctx.control.state.connections.length - before, 1);
  assert.deepEqual(await errors(), []);
});

test('the drop policy reports what it dropped while CONNECTING', async () => {
  const { page, errors } = await ctx.page();
  const r = await page.evaluate(async (url) => {
    const out = {};
    for (const policy of ['drop-oldest', 'drop-newest', 'reject']) {
      const ws = new SafeWebSocket(url, null, { queue: { maxMessages: 2, dropPolicy: policy } });
      const log = track(ws);
      const results = ['a', 'b', 'c'].map((m) => ws.send(m));
      await until(() => ws.readyState === 1, 5000, 'open');
      await until(() => count(log, 'message') === 2, 5000, 'echoes');
      out[policy] = {
        results,
        dropped: log.filter((e) => e.type === 'drop').map((e) => e.detail),
        echoed: log.filter((e) => e.type === 'message').map((e) => e.data),
        stats: ws.stats,
      };
      ws.close();
    }
    return out;
  }, ctx.control.url('/echo'));
  assert.deepEqual(r['drop-oldest'].results, ['queued', 'queued', 'queued']);
  assert.deepEqual(r['drop-oldest'].dropped, [{ data: 'a', reason: 'queue-full' }]);
  assert.deepEqual(r['drop-oldest'].echoed, ['b', 'c']);
  assert.deepEqual(r['drop-newest'].results, ['queued', 'queued', false]);
  assert.deepEqual(r['drop-newest'].dropped, [{ data: 'c', reason: 'queue-full' }]);
  assert.deepEqual(r['drop-newest'].echoed, ['a', 'b']);
  assert.deepEqual(r.reject.results, ['queued', 'queued', false]);
  assert.deepEqual(r.reject.dropped, []);
  assert.equal(r.reject.stats.rejected, 1);
  assert.deepEqual(r.reject.echoed, ['a', 'b']);
  assert.deepEqual(await errors(), []);
});

test('over the high-water mark send() queues and the queue drains in order', async () => {
  const { page, errors } = await ctx.page();
  const before = ctx.control.state.connections.length;
  const r = await page.evaluate(async (url) => {
    const ws = new SafeWebSocket(url, null, { highWaterMark: 1 });
    await until(() => ws.readyState === 1, 5000, 'open');
    const big = ws.send(new Uint8Array(4 << 20)); // 4 MiB: the socket's buffer is now over 1 byte
    const next = [ws.send('after-1'), ws.send('after-2')];
    const buffered = ws.bufferedAmount;
    await until(() => ws.stats.queueLength === 0 && ws.bufferedAmount === 0, 10000, 'drain');
    return { big, next, buffered, stats: ws.stats };
  }, ctx.control.url('/silent'));
  assert.equal(r.big, 'sent');
  assert.deepEqual(r.next, ['queued', 'queued']);
  assert.ok(r.buffered > 14, `bufferedAmount ${r.buffered} counts the queue`);
  assert.equal(r.stats.sent, 3);
  const conn = ctx.control.state.connections[before];
  await waitFor(() => conn.messages.length === 3, 10000, 'server got 3 messages');
  assert.equal(conn.messages[0].length, 4 << 20);
  assert.deepEqual(conn.messages.slice(1), ['after-1', 'after-2']);
  assert.deepEqual(await errors(), []);
});

test('protocol and extensions come from the live socket; the chosen subprotocol is reported', async () => {
  const { page, errors } = await ctx.page();
  const r = await page.evaluate(async (url) => {
    const ws = new SafeWebSocket(url, ['chat.v2', 'chat.v1']);
    const before = [ws.protocol, ws.extensions, ws.url];
    await until(() => ws.readyState === 1, 5000, 'open');
    const after = [ws.protocol, ws.extensions];
    ws.close();
    return { before, after };
  }, ctx.control.url('/echo'));
  assert.deepEqual(r.before, ['', '', ctx.control.url('/echo')]);
  assert.deepEqual(r.after, ['chat.v2', '']); // ws picks the first offer and negotiates no extension
  assert.deepEqual(await errors(), []);
});

test('free() closes the socket and nothing fires or throws afterwards', async () => {
  const { page, errors } = await ctx.page();
  const before = ctx.control.state.connections.length;
  const r = await page.evaluate(async (url) => {
    const ws = new SafeWebSocket(url, null, { reconnect: { initialDelayMs: 10 }, heartbeat: { intervalMs: 20, timeoutMs: 20 } });
    const log = track(ws);
    await until(() => ws.readyState === 1, 5000, 'open');
    ws.free();
    const events = log.length;
    await sleep(300); // heartbeat and reconnect timers would have fired by now
    return { events, later: log.length };
  }, ctx.control.url('/silent'));
  assert.deepEqual(r, { events: 1, later: 1 }); // just the open
  await waitFor(() => ctx.control.state.connections[before].socket.readyState === 3, 5000, 'server saw the close');
  assert.equal(ctx.control.state.connections.length - before, 1, 'no reconnect after free()');
  assert.deepEqual(await errors(), []);
});

test('Chromium negotiates permessage-deflate with a wscore server and messages survive compression', async () => {
  const echo = await startEcho(); // examples/echo_server.rs accepts permessage-deflate
  const { page, errors } = await ctx.page();
  try {
    const r = await page.evaluate(async (url) => {
      const ws = new SafeWebSocket(url);
      const got = [];
      ws.onmessage = (e) => got.push(e.data);
      await until(() => ws.readyState === 1, 5000, 'open');
      const big = JSON.stringify(Array.from({ length: 2000 }, (_, i) => ({ user: `user${i % 7}`, text: 'héllo wörld' })));
      ws.send(big);
      ws.send('small');
      await until(() => got.length === 2, 5000, 'two echoes');
      const extensions = ws.extensions;
      ws.close();
      return { extensions, same: got[0] === big, second: got[1], size: big.length };
    }, echo.url);
    assert.match(r.extensions, /^permessage-deflate/);
    assert.equal(r.same, true, `a ${r.size}-character message came back intact`);
    assert.equal(r.second, 'small');
    assert.deepEqual(await errors(), []);
  } finally {
    await echo.stop();
  }
});
