// Shared fixtures for the browser tests: servers on 127.0.0.1 and headless Chromium.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { WebSocketServer } from 'ws';
import { sleep, waitFor, freePort } from '../tools/waiting.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const PKG_DIR = path.join(ROOT, 'target/npm/wscore');
const ECHO_BIN = path.join(ROOT, 'target/release/examples/echo_server');

export { sleep, waitFor, freePort };

/** The Rust echo server (examples/echo_server.rs) on `port`; `stop()` kills it. */
export async function startEcho(port) {
  port ??= await freePort();
  const child = spawn(ECHO_BIN, [`127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitFor(
    () => new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    }),
    5000,
    `echo server on ${port}`,
  );
  return {
    port,
    url: `ws://127.0.0.1:${port}/`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    },
  };
}

/**
 * A `ws` server whose behaviour depends on the path:
 *   /echo            echoes every message
 *   /close/CODE      closes right after the handshake with CODE
 *   /silent          accepts and never answers (heartbeat timeouts)
 *   /pong            answers "ping" with "pong" and echoes the rest
 * It records every connection's messages and the most connections OPEN at once on one path.
 */
export async function startControl() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  const state = { connections: [], open: 0, maxOpen: 0 };
  wss.on('connection', (socket, request) => {
    const conn = { path: request.url, messages: [], socket };
    state.connections.push(conn);
    state.open += 1;
    // Live = OPEN at the WebSocket level: a peer that sent its close frame no longer counts.
    socket.path = request.url;
    const live = [...wss.clients].filter((c) => c.path === request.url && c.readyState === c.OPEN).length;
    state.maxOpen = Math.max(state.maxOpen, live);
    socket.on('close', () => { state.open -= 1; });
    socket.on('message', (data, isBinary) => {
      conn.messages.push(isBinary ? data : data.toString());
      if (request.url === '/echo') socket.send(data, { binary: isBinary });
      if (request.url === '/pong') socket.send(!isBinary && data.toString() === 'ping' ? 'pong' : data, { binary: isBinary });
    });
    const close = /^\/close\/(\d+)$/.exec(request.url);
    if (close) socket.close(Number(close[1]), 'go away');
  });
  const { port } = wss.address();
  return {
    state,
    url: (p) => `ws://127.0.0.1:${port}${p}`,
    /** Drops every connection without a close frame (as a crash would). */
    terminateAll() { for (const c of wss.clients) c.terminate(); },
    async stop() {
      for (const c of wss.clients) c.terminate();
      await new Promise((r) => wss.close(r));
    },
  };
}

const TYPES = { '.js': 'text/javascript', '.html': 'text/html', '.wasm': 'application/wasm', '.json': 'application/json' };

/** Serves `dir` on 127.0.0.1 (pages need an http origin for ES modules and wasm). */
export async function startStatic(dir) {
  const server = http.createServer((req, res) => {
    const file = path.join(dir, decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    stop: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}

/** Headless Chromium that never reaches the internet; gc() exposed for memory tests. */
export function launchChromium() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
      '--no-sandbox', '--js-flags=--expose-gc', '--enable-precise-memory-info',
    ],
  });
}

/**
 * A page at `url` that records uncaught errors, unhandled rejections and console
 * errors; `errors(allow)` lists them (every test asserts it is empty), leaving out
 * console lines matching `allow` (Chromium itself logs each refused connection).
 */
export async function openPage(browser, url) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  await page.addInitScript(() => {
    window.__errors = [];
    window.addEventListener('error', (e) => window.__errors.push(String(e.message)));
    window.addEventListener('unhandledrejection', (e) => window.__errors.push(String(e.reason)));
  });
  await page.goto(url);
  const all = async () => [...errors, ...(await page.evaluate(() => window.__errors))];
  return { page, errors: async (allow) => (await all()).filter((e) => !(allow && e.startsWith('console:') && allow.test(e))) };
}
