// Two server processes share rooms through Redis pub/sub: a page connected to one
// talks with a page connected to the other, and both see the same people online.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { failureLines, launchChromium, metric, openChat, screenshot, startChat, startRedis, waitFor } from './harness.js';

let browser;
let redis;
const servers = [];
before(async () => {
  browser = await launchChromium();
  redis = await startRedis();
  servers.push(await startChat({ redis: redis.url }), await startChat({ redis: redis.url }));
});
after(async () => {
  await browser?.close();
  for (const server of servers) await server.stop();
  await redis?.stop();
});

test('two workers behind Redis: a message from a client on one reaches a client on the other', async () => {
  const [one, two] = servers;
  const ann = await openChat(browser, one.url, 'shared', 'ann');
  const bob = await openChat(browser, two.url, 'shared', 'bob');
  const [annWorker, bobWorker] = [await ann.worker(), await bob.worker()];
  assert.match(annWorker, /^served by worker \d+$/);
  assert.notEqual(annWorker, bobWorker, 'ann and bob are on different processes');

  // Presence is shared too: each process lists the member connected to the other.
  for (const person of [ann, bob]) {
    await waitFor(async () => (await person.online()).join() === 'ann,bob', 5000, 'both online everywhere');
  }

  await ann.say('from worker one');
  await waitFor(async () => (await bob.messages()).length === 1, 5000, 'bob (worker two) gets it');
  await bob.say('and back from worker two');
  await waitFor(async () => (await ann.messages()).length === 2, 5000, 'ann (worker one) gets the reply');
  assert.deepEqual((await ann.messages()).map((m) => `${m.nick}: ${m.text} (${m.status})`), [
    'ann: from worker one (delivered)',
    'bob: and back from worker two (delivered)',
  ]);
  assert.deepEqual((await bob.messages()).map((m) => `${m.nick}: ${m.text} (${m.status})`), [
    'ann: from worker one (delivered)',
    'bob: and back from worker two (delivered)',
  ]);
  await screenshot(bob.page, 'workers-bob');

  // Each process counts what it saw: one connection and one published message each.
  for (const server of servers) {
    assert.equal(await metric(server.url, 'wscore_chat_open_connections'), 1);
    assert.equal(await metric(server.url, 'wscore_chat_messages_total'), 1);
  }
  await bob.page.close();
  await waitFor(async () => (await ann.online()).join() === 'ann', 5000, 'bob leaves, seen from worker one');
  assert.deepEqual([...ann.errors(), ...bob.errors()], []);
  await ann.page.close();
  for (const server of servers) assert.deepEqual(failureLines(server.output()), []);
});
