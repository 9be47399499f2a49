// A page vanishes while the server broadcasts to it at a high rate: the server logs
// no exception, the other member keeps receiving, and the close is counted.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { failureLines, launchChromium, metric, openChat, startChat, waitFor } from './harness.js';

// Messages the flooder sends after bob crashed.
const AFTER = 2000;

let browser;
let server;
before(async () => {
  browser = await launchChromium();
  // The flooder sends thousands of messages a second, far over the demo's per-connection
  // rate limit (20/s, then closed with 1008): lifted here, this test is about the crash.
  server = await startChat({ env: { WSCORE_CHAT_RATE: '0' } });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a page crashes mid-flood: no exception logged, the flood goes on for the others', async (t) => {
  const bob = await openChat(browser, server.url, 'flood', 'bob');

  // The flooder: a bare SafeWebSocket in a page of the app, sending as fast as the
  // room echoes (at most 200 unanswered) until told how many to send, and counting the room's echoes.
  const flooder = await browser.newPage();
  await flooder.goto(`${server.url}/`);
  await flooder.evaluate(async () => {
    const { SafeWebSocket } = await import('/wscore/index.js');
    const ws = new SafeWebSocket(`ws://${location.host}/ws/flood?nick=flooder`);
    window.flood = { sent: 0, limit: 1e6, received: 0, closes: [], notSent: 0, started: 0, finished: 0 };
    ws.addEventListener('message', (e) => {
      if (JSON.parse(e.data).type !== 'message') return;
      flood.received += 1;
      if (flood.received === flood.limit) flood.finished = performance.now();
    });
    ws.addEventListener('close', (e) => flood.closes.push(e.code));
    await new Promise((resolve) => ws.addEventListener('open', resolve, { once: true }));
    flood.started = performance.now();
    (async () => {
      while (flood.sent < flood.limit) {
        if (flood.sent - flood.received >= 200) { // at most 200 on the way: the browser's send buffer hides backpressure
          await new Promise((r) => setTimeout(r, 1));
          continue;
        }
        for (let i = 0; i < 50 && flood.sent < flood.limit; i += 1, flood.sent += 1) {
          const message = { type: 'message', id: `f${flood.sent}`, text: `flood ${flood.sent} ${'x'.repeat(80)}` };
          if (ws.send(JSON.stringify(message)) === false) flood.notSent += 1;
        }
        await new Promise((r) => setTimeout(r, 0));
      }
    })();
  });

  // bob is receiving the flood; his renderer dies without a word (no close frame from the page).
  await waitFor(() => flooder.evaluate(() => window.flood.received >= 500), 20000, 'the flood under way');
  assert.equal(await bob.state(), 'open', 'bob was still connected when he crashed');
  const cdp = await bob.page.context().newCDPSession(bob.page);
  cdp.send('Page.crash').catch(() => {}); // never answered: the page is gone
  // The flood goes on for AFTER more messages from here.
  const total = await flooder.evaluate((after) => (window.flood.limit = window.flood.sent + after), AFTER);

  await waitFor(() => flooder.evaluate(() => window.flood.received === window.flood.limit), 60000, 'every echo')
    .catch(async (e) => { throw new Error(`${e.message}: ${JSON.stringify(await flooder.evaluate(() => window.flood))}\n${server.output().slice(-3000)}`); });
  const flood = await flooder.evaluate(() => window.flood);
  assert.deepEqual(flood.closes, [], 'the flooder was never disconnected');
  assert.equal(flood.notSent, 0);
  assert.equal(flood.received, total);
  const seconds = (flood.finished - flood.started) / 1000;
  t.diagnostic(`${total} messages broadcast in ${seconds.toFixed(2)} s (${Math.round(total / seconds)}/s)`);

  await waitFor(async () => (await metric(server.url, 'wscore_chat_open_connections')) === 1, 10000, "bob's connection closed");
  const closed = await metric(server.url, 'wscore_connections_closed_total');
  assert.equal(closed, 1, 'one connection ended (bob)');
  for (const code of ['1001', '1006']) {
    t.diagnostic(`closed with ${code}: ${await metric(server.url, 'wscore_connections_closed_total', { code })}`);
  }
  assert.equal(await metric(server.url, 'wscore_evictions_total'), 0);
  await flooder.close();
  await waitFor(async () => (await metric(server.url, 'wscore_chat_open_connections')) === 0, 10000, 'all closed');
  const bad = failureLines(server.output());
  assert.deepEqual(bad, [], `the server logged:\n${bad.join('\n')}`);
});
