// Cross-site WebSocket hijacking and DNS rebinding against the demo, in Chromium: a page
// on another site, or a page loaded under a host name re-pointed at the server, opens the
// chat's WebSocket. The demo's origin policy (same-origin, its own host names) answers
// the handshake with 403, so neither reads the room; a page the demo serves still does.
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { ROOT, failureLines, freePort, startChat } from './harness.js';

const SECRET = 'the door code is 4711';
let browser;
let server;
let evil;

before(async () => {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    // evil.example resolves to this machine, as a rebinding DNS server would make it.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--host-resolver-rules=MAP evil.example 127.0.0.1'],
  });
  // No page JS is used here, so any directory stands in for the built npm package.
  server = await startChat({ env: { WSCORE_NPM_DIR: path.join(ROOT, 'examples/chat/static') } });
  const port = await freePort();
  evil = http.createServer((_, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>evil</title>'));
  await new Promise((resolve) => evil.listen(port, '127.0.0.1', resolve));
  evil.url = `http://127.0.0.1:${port}`;
});
after(async () => {
  await browser?.close();
  await server?.stop();
  evil?.close();
});

/**
 * From a page at `pageUrl`, opens the chat's WebSocket `wsUrl` (sending `say` once open)
 * and collects what arrives until the secret shows up, the socket closes, or 5 s pass.
 */
async function visit(pageUrl, wsUrl, say) {
  const page = await browser.newPage();
  await page.goto(pageUrl);
  const result = await page.evaluate(([url, text]) => new Promise((resolve) => {
    const seen = [];
    const ws = new WebSocket(url);
    const done = (code) => resolve({ code, seen, origin: location.origin });
    ws.onopen = () => { if (text) ws.send(JSON.stringify({ type: 'message', id: 'm1', text })); };
    ws.onmessage = (e) => { seen.push(e.data); if (e.data.includes('4711')) done('open'); };
    ws.onclose = (e) => done(e.code);
    setTimeout(() => done('timeout'), 5000);
  }), [wsUrl, say]);
  return { ...result, page };
}

test('a foreign page and a rebound host name get no handshake; the demo\'s own page reads the room', async () => {
  const chat = server.url.replace('http://', 'ws://');
  const port = new URL(server.url).port;
  // alice posts a secret and stays in the room.
  const alice = await visit(`${server.url}/metrics`, `${chat}/ws/lobby?nick=alice`, SECRET);
  assert.equal(alice.code, 'open');

  // A page the demo serves reads the room's history: the leak the policy closes is real.
  const bob = await visit(`${server.url}/metrics`, `${chat}/ws/lobby?nick=bob`);
  assert.equal(bob.code, 'open');
  assert.ok(bob.seen.some((m) => m.includes(SECRET)), JSON.stringify(bob.seen));

  // Cross-site WebSocket hijacking: another site's page opens the chat.
  const eve = await visit(evil.url, `${chat}/ws/lobby?nick=eve`);
  assert.equal(eve.origin, evil.url);
  assert.deepEqual([eve.code, eve.seen], [1006, []]);

  // DNS rebinding: the demo's own host name replaced by the attacker's, same origin to the browser.
  const mallory = await visit(`http://evil.example:${port}/metrics`, `ws://evil.example:${port}/ws/lobby?nick=mallory`);
  assert.equal(mallory.origin, `http://evil.example:${port}`);
  assert.deepEqual([mallory.code, mallory.seen], [1006, []]);

  for (const visitor of [alice, bob, eve, mallory]) await visitor.page.close();
  assert.deepEqual(failureLines(server.output()), []);
});
