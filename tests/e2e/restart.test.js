// The server restarts under two open pages: both show reconnecting, then open again,
// and what was typed during the outage reaches the room afterwards.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { failureLines, launchChromium, metric, openChat, screenshot, startChat, waitFor } from './harness.js';

let browser;
before(async () => { browser = await launchChromium(); });
after(async () => { await browser?.close(); });

test('server restart: reconnecting, open again, and the message typed meanwhile arrives', async () => {
  const first = await startChat();
  let second;
  try {
    const ann = await openChat(browser, first.url, 'ops', 'ann');
    const bob = await openChat(browser, first.url, 'ops', 'bob');
    await ann.say('before the restart');
    await waitFor(async () => (await bob.messages()).length === 1, 5000, 'bob gets the first message');

    await first.stop(); // SIGTERM: uvicorn closes every WebSocket with 1012 (service restart)
    for (const person of [ann, bob]) {
      await waitFor(async () => (await person.state()) !== 'open', 5000, 'the page notices the restart');
    }
    await ann.say('typed while the server was down');
    const [, pending] = await ann.messages();
    assert.deepEqual(pending, { nick: 'ann', text: 'typed while the server was down', status: 'queued' });
    for (const person of [ann, bob]) {
      // The person sees a countdown, and why: uvicorn closed with 1012 when it stopped.
      await waitFor(async () => /^reconnecting in \d+ s \(attempt \d+; 1012 server restarting\)$/
        .test(await person.page.textContent('#state')), 5000, 'a countdown with the reason');
    }
    await screenshot(ann.page, 'restart-ann-reconnecting');

    second = await startChat({ port: first.port });
    for (const person of [ann, bob]) {
      await person.page.waitForSelector('#state[data-state="open"]', { timeout: 15000 });
    }
    await waitFor(async () => (await bob.messages()).length === 2, 5000, 'the queued message reaches bob');
    assert.deepEqual((await bob.messages()).map((m) => `${m.nick}: ${m.text} (${m.status})`), [
      'ann: before the restart (delivered)',
      'ann: typed while the server was down (delivered)',
    ]);
    await waitFor(async () => (await ann.messages())[1].status === 'delivered', 5000, "ann's queued message confirmed");
    await screenshot(ann.page, 'restart-ann-back');

    for (const person of [ann, bob]) {
      const states = await person.states();
      assert.equal(states[0], 'open');
      assert.ok(states.includes('reconnecting'), `shown: ${states}`);
      assert.equal(states.at(-1), 'open');
      assert.deepEqual(person.errors(), []);
    }
    // Each page said hello with opens = 2 to the new server.
    await waitFor(async () => (await metric(second.url, 'wscore_chat_reconnects_seen_total')) === 2, 5000, 'two reconnects counted');
    await ann.page.close();
    await bob.page.close();
    await second.stop();
    assert.deepEqual(failureLines(first.output()), []);
    assert.deepEqual(failureLines(second.output()), []);
  } finally {
    await first.stop();
    await second?.stop();
  }
});

test('server crash: a message handed to the dead server is sent again after the reconnect', async () => {
  const first = await startChat();
  let second;
  try {
    const ann = await openChat(browser, first.url, 'crash', 'ann');
    const bob = await openChat(browser, first.url, 'crash', 'bob');
    first.signal('SIGSTOP'); // frozen: the socket still looks open to the browser, nothing is read
    await ann.say('said to a frozen server');
    await waitFor(async () => (await ann.messages())[0]?.status === 'sent', 5000, 'handed to the socket');
    first.signal('SIGKILL'); // and gone, without closing anything
    await first.exited();
    await waitFor(async () => (await ann.state()) !== 'open', 5000, 'the page notices');
    assert.equal((await ann.messages())[0].status, 'queued', 'queued again for the next connection');

    second = await startChat({ port: first.port });
    await waitFor(async () => (await bob.messages()).length === 1, 15000, 'bob gets it from the new server');
    assert.deepEqual(await bob.messages(), [{ nick: 'ann', text: 'said to a frozen server', status: 'delivered' }]);
    await waitFor(async () => (await ann.messages())[0].status === 'delivered', 5000, 'confirmed');
    assert.equal((await ann.messages()).length, 1);
    assert.equal(await ann.page.evaluate(() => window.chatSocket.stats.afterClose), 0);
    await ann.page.close();
    await bob.page.close();
    await second.stop();
    assert.deepEqual(failureLines(second.output()), []);
  } finally {
    await first.stop();
    await second?.stop();
  }
});
