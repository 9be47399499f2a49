// Two people chat in a room of the demo; the page shows who is online and why it closed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { failureLines, launchChromium, metric, openChat, screenshot, startChat, waitFor } from './harness.js';

let browser;
let server;
before(async () => {
  browser = await launchChromium();
  server = await startChat();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('two pages chat in a room: messages both ways, presence, metrics', async () => {
  const ann = await openChat(browser, server.url, 'lobby', 'ann');
  const bob = await openChat(browser, server.url, 'lobby', 'bob');
  for (const person of [ann, bob]) {
    await waitFor(async () => (await person.online()).join() === 'ann,bob', 5000, 'both online');
  }

  await ann.say('hi bob, this went through wscore');
  await waitFor(async () => (await bob.messages()).length === 1, 5000, 'bob gets the message');
  assert.deepEqual(await bob.messages(), [{ nick: 'ann', text: 'hi bob, this went through wscore', status: 'delivered' }]);
  // ann's own copy is confirmed by the room's echo.
  await waitFor(async () => (await ann.messages())[0]?.status === 'delivered', 5000, "ann's message confirmed");

  await bob.say('hello ann, ünïcödé ok');
  await waitFor(async () => (await ann.messages()).length === 2, 5000, 'ann gets the reply');
  assert.deepEqual((await ann.messages()).map((m) => `${m.nick}: ${m.text}`), [
    'ann: hi bob, this went through wscore',
    'bob: hello ann, ünïcödé ok',
  ]);
  await screenshot(ann.page, 'chat-ann');
  await screenshot(bob.page, 'chat-bob');

  // Someone joining later gets the room's recent history.
  const cy = await openChat(browser, server.url, 'lobby', 'cy');
  await waitFor(async () => (await cy.messages()).length === 2, 5000, 'the history');
  assert.deepEqual((await cy.messages()).map((m) => `${m.nick}: ${m.text}`), (await ann.messages()).map((m) => `${m.nick}: ${m.text}`));
  await cy.page.close();
  await waitFor(async () => (await ann.online()).join() === 'ann,bob', 5000, 'cy gone');

  assert.equal(await metric(server.url, 'wscore_chat_open_connections'), 2);
  assert.equal(await metric(server.url, 'wscore_chat_messages_total'), 2);

  await bob.page.close();
  await waitFor(async () => (await ann.online()).join() === 'ann', 5000, 'bob leaves the online list');
  await waitFor(async () => (await metric(server.url, 'wscore_chat_open_connections')) === 1, 5000, 'one connection left');
  // The page went away: the browser closed with 1001 "going away".
  assert.equal(await metric(server.url, 'wscore_connections_closed_total', { code: '1001' }), 2); // cy, then bob
  assert.deepEqual([...ann.errors(), ...bob.errors()], []);
  await ann.page.close();
  assert.deepEqual(failureLines(server.output()), []);
});

test('a refused nickname: the page shows "closed" with the server\'s reason and does not retry', async () => {
  const page = await browser.newPage();
  await page.goto(`${server.url}/?room=lobby&nick=${'x'.repeat(30)}`);
  await page.waitForSelector('#state[data-state="closed"]', { timeout: 5000 });
  const text = await page.textContent('#state');
  assert.match(text, /^closed \(1008: nickname: 1-24 characters, by the server\)$/);
  assert.equal(await page.isVisible('#reconnect'), true);
  await page.waitForTimeout(1200); // longer than the first retry delay could be
  assert.equal(await page.evaluate(() => window.chatSocket.stats.opens), 1);
  assert.equal(await page.evaluate(() => window.chatSocket.state), 'closed-remote');
  // Typed after the final close: shown as not sent, with a retry button.
  await page.fill('#text', 'anyone?');
  await page.press('#text', 'Enter');
  assert.equal(await page.getAttribute('#messages li', 'data-status'), 'failed');
  assert.equal(await page.textContent('#messages li .status'), 'not sent: connection closed');
  assert.equal(await page.isVisible('#messages li .retry'), true);
  await page.close();
});

test('two people side by side (two.html): the screenshot for the README', async () => {
  const page = await browser.newPage({ viewport: { width: 1000, height: 600 } });
  await page.goto(`${server.url}/two.html?room=lobby&a=ann&b=bob`);
  const [annFrame, bobFrame] = await waitFor(() => {
    const frames = page.frames().filter((f) => f !== page.mainFrame());
    return frames.length === 2 && frames;
  }, 5000, 'two frames');
  for (const frame of [annFrame, bobFrame]) {
    await frame.waitForSelector('#state[data-state="open"]', { timeout: 10000 });
    await frame.waitForFunction(() => document.querySelectorAll('#online li').length === 2, null, { timeout: 5000 });
  }
  const lines = [
    [annFrame, 'hi bob! this room runs on wscore'],
    [bobFrame, 'hey ann! restart the server, I will wait'],
    [annFrame, 'nothing typed gets lost while it reconnects'],
  ];
  for (const [frame, text] of lines) {
    await frame.fill('#text', text);
    await frame.press('#text', 'Enter');
    for (const f of [annFrame, bobFrame]) {
      await f.waitForFunction((t) => [...document.querySelectorAll('#messages li')]
        .some((li) => li.dataset.status === 'delivered' && li.querySelector('.text').textContent === t), text, { timeout: 5000 });
    }
  }
  await annFrame.fill('#text', 'typing…');
  const file = await screenshot(page, 'demo');
  assert.match(file, /demo\.png$/);
  await page.close();
});
