// The chat demo end to end: its server (uvicorn + wscore) and Redis as real processes
// on free ports of 127.0.0.1, and the page in Debian's headless Chromium.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { sleep, waitFor, freePort } from '../tools/waiting.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SHOTS = path.join(ROOT, 'target/e2e');
const PYTHON = path.join(ROOT, '.venv/bin/python');
const REDIS_SERVER = '/usr/bin/redis-server';

export { sleep, waitFor, freePort };

const accepting = (port) => new Promise((resolve) => {
  const socket = net.connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); });
  socket.on('error', () => resolve(false));
});

/** Runs `command`, keeping everything it prints; `stop()` sends SIGTERM (SIGKILL after 10 s). */
function startProcess(command, args, env, port, what) {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = [];
  child.stdout.on('data', (d) => output.push(d.toString()));
  child.stderr.on('data', (d) => output.push(d.toString()));
  const exited = once(child, 'exit');
  return {
    port,
    output: () => output.join(''),
    async ready() {
      await waitFor(async () => {
        if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}:\n${output.join('')}`);
        return accepting(port);
      }, 20000, `${what} on port ${port}`);
    },
    /** Sends `signal` (e.g. SIGSTOP to freeze it, SIGKILL to crash it). */
    signal(signal) { child.kill(signal); },
    exited: () => exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The chat app (examples/chat) under uvicorn with wscore's WebSocket protocol, as
 * `make demo` runs it. `redis` is a redis:// URL for shared rooms; `port` reuses a port;
 * `env` adds environment variables (WSCORE_CHAT_RATE: '0' lifts the per-connection rate limit).
 */
export async function startChat({ port, redis, env: extra = {} } = {}) {
  port ??= await freePort();
  // serve.sh's limits: chat-sized messages, a bound on concurrent connections.
  const args = ['-m', 'uvicorn', '--app-dir', 'examples/chat', 'app:app', '--ws', 'wscore.uvicorn:WSProtocol',
    '--host', '127.0.0.1', '--port', String(port), '--ws-max-size', '65536', '--limit-concurrency', '1000'];
  // The origin policy examples/chat/serve.sh turns on.
  const env = { WSCORE_ALLOWED_ORIGINS: 'same-origin', WSCORE_ALLOWED_HOSTS: '127.0.0.1,localhost', ...extra };
  if (redis) env.WSCORE_CHAT_REDIS = redis;
  const server = startProcess(PYTHON, args, env, port, 'the chat server');
  await server.ready();
  return { ...server, url: `http://127.0.0.1:${port}` };
}

/** Debian's redis-server on a free port, in memory only. */
export async function startRedis() {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const redis = startProcess(REDIS_SERVER, args, {}, port, 'redis-server');
  await redis.ready();
  return { ...redis, url: `redis://127.0.0.1:${port}` };
}

/**
 * The lines of a server's output that report a failure: a traceback, an exception,
 * an error, a critical message. A clean run has none.
 */
export function failureLines(output) {
  return output.split('\n').filter((line) => /Traceback|Exception|Error|ERROR|CRITICAL/.test(line));
}

/** One wscore metric's value from a /metrics scrape (summed over labels matching `labels`). */
export async function metric(baseUrl, name, labels = {}) {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  let total = null;
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) total = (total ?? 0) + Number(m[3]);
  }
  return total;
}

/** Headless Chromium that never reaches the internet. */
export function launchChromium() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

// Chromium logs each refused connection (the server is down) to the console itself.
const REFUSED = /WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/ws\/.*' failed/;

/**
 * The chat page as `nick` in `room`, once it shows "connected". `states()` lists the
 * connection states it has shown since; `errors()` what went wrong on the page
 * (uncaught errors, console errors other than refused reconnects).
 */
export async function openChat(browser, baseUrl, room, nick, { viewport = { width: 900, height: 560 } } = {}) {
  const page = await browser.newPage({ viewport });
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error' && !REFUSED.test(m.text())) errors.push(`console: ${m.text()}`); });
  await page.goto(`${baseUrl}/?room=${encodeURIComponent(room)}&nick=${encodeURIComponent(nick)}`);
  await page.waitForSelector('#state[data-state="open"]', { timeout: 10000 });
  await page.evaluate(() => {
    // Every state the header shows from now on, in order.
    const output = document.getElementById('state');
    window.shownStates = [output.dataset.state];
    new MutationObserver(() => {
      if (window.shownStates.at(-1) !== output.dataset.state) window.shownStates.push(output.dataset.state);
    }).observe(output, { attributes: true, attributeFilter: ['data-state'] });
  });
  return {
    page,
    errors: () => [...errors],
    states: () => page.evaluate(() => window.shownStates),
    state: () => page.evaluate(() => document.getElementById('state').dataset.state),
    /** Types `text` and presses Enter, as a person would. */
    async say(text) {
      await page.fill('#text', text);
      await page.press('#text', 'Enter');
    },
    /** The messages shown: nick, text and status (queued, sent, delivered, failed). */
    messages: () => page.$$eval('#messages li', (items) => items.map((li) => ({
      nick: li.querySelector('b').textContent,
      text: li.querySelector('.text').textContent,
      status: li.dataset.status,
    }))),
    online: () => page.$$eval('#online li', (items) => items.map((li) => li.textContent)),
    worker: () => page.textContent('#worker'),
  };
}

/** Saves a screenshot of `page` as target/e2e/NAME.png. */
export async function screenshot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
