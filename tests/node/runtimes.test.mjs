// The Node adapter (examples/node) under Deno and Bun, both pinned in
// package.json and run from node_modules/.bin: the echo server runs under each
// runtime with `ws` (in Node) as its client, and a wscore client
// (runtime_client.mjs) runs under each runtime against a `ws` server here.
// Everything on 127.0.0.1; every wait bounded; child processes killed in `finally`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';

const WAIT_MS = 10_000; // a runtime's cold start (compile + wasm instantiate) included
const next = (emitter, event) => once(emitter, event, { signal: AbortSignal.timeout(WAIT_MS) });
const here = (path) => fileURLToPath(new URL(path, import.meta.url));

const RUNTIMES = {
  // -A: net (listen/connect), read (the wasm file), env (WSCORE_WASM).
  deno: { bin: here('node_modules/.bin/deno'), args: (script, arg) => ['run', '-A', script, arg] },
  bun: { bin: here('node_modules/.bin/bun'), args: (script, arg) => [script, arg] },
};
// No update checks or telemetry: nothing but 127.0.0.1.
const env = { ...process.env, DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', DO_NOT_TRACK: '1' };

// Starts `runtime script arg`; collects stdout/stderr (for failure messages).
function run(name, script, arg) {
  const { bin, args } = RUNTIMES[name];
  const child = spawn(bin, args(script, arg), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.out = '';
  child.err = '';
  child.stdout.setEncoding('utf8').on('data', (s) => { child.out += s; });
  child.stderr.setEncoding('utf8').on('data', (s) => { child.err += s; });
  return child;
}

function kill(child) {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

// Resolves when `predicate(stdout)` returns a value; rejects on exit or after WAIT_MS.
function waitForOutput(child, predicate) {
  return new Promise((resolve, reject) => {
    const done = (fn, value) => { clearTimeout(timer); child.stdout.off('data', check); child.off('exit', exited); fn(value); };
    const check = () => { const v = predicate(child.out); if (v !== undefined) done(resolve, v); };
    const exited = (code, signal) => done(reject, new Error(`exited (${code ?? signal}) before expected output:\n${child.out}\n${child.err}`));
    const timer = setTimeout(() => done(reject, new Error(`no expected output in ${WAIT_MS} ms:\n${child.out}\n${child.err}`)), WAIT_MS);
    child.stdout.on('data', check);
    child.on('exit', exited);
    check();
  });
}

for (const name of Object.keys(RUNTIMES)) {
  const skip = existsSync(RUNTIMES[name].bin) ? false : `${name} not installed in tests/node/node_modules (npm ci)`;

  describe(`under ${name}`, { skip }, () => {
    test('echo_server.mjs: text, binary, ping and close 4000 with ws as the client', async () => {
      const server = run(name, here('../../examples/node/echo_server.mjs'), '127.0.0.1:0');
      let ws;
      try {
        const url = await waitForOutput(server, (out) => /listening on (ws:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1]);
        ws = new WebSocket(url);
        await next(ws, 'open');

        ws.send(`héllo € from ws to ${name}`);
        const [text, textIsBinary] = await next(ws, 'message');
        assert.deepEqual([text.toString(), textIsBinary], [`héllo € from ws to ${name}`, false]);

        const bytes = Buffer.from([0, 1, 127, 128, 255]);
        ws.send(bytes);
        const [binary, binaryIsBinary] = await next(ws, 'message');
        assert.deepEqual([[...binary], binaryIsBinary], [[...bytes], true]);

        ws.ping('are you there');
        const [pong] = await next(ws, 'pong');
        assert.equal(pong.toString(), 'are you there');

        // wscore answers a close by echoing its code without the reason (RFC 6455
        // §5.5.1, as core/tests/interop_tungstenite.rs checks): 4000 and ''.
        const closeEvent = new Promise((resolve) => ws.addEventListener('close', resolve, { once: true }));
        ws.close(4000, `bye ${name}`);
        const [code, reason] = await next(ws, 'close');
        assert.deepEqual([code, reason.toString()], [4000, '']);
        const { wasClean } = await closeEvent; // both close frames went through
        assert.equal(wasClean, true);
      } finally {
        ws?.terminate();
        kill(server);
      }
    });

    test('runtime_client.mjs: a wscore client against a ws server', async () => {
      const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
      const peerClose = new Promise((resolve) => {
        wss.on('connection', (peer) => {
          peer.on('message', (data, isBinary) => peer.send(data, { binary: isBinary }));
          peer.on('close', (code, reason) => resolve([code, reason.toString()]));
        });
      });
      let client;
      try {
        await next(wss, 'listening');
        client = run(name, here('runtime_client.mjs'), `ws://127.0.0.1:${wss.address().port}/`);
        const line = await waitForOutput(client, (out) => out.split('\n').find((l) => l.startsWith('{')));
        const [exitCode] = await next(client, 'exit').catch(() => [client.exitCode]);
        assert.equal(exitCode, 0, client.err);
        assert.deepEqual(JSON.parse(line), {
          echoed: `hello from ${name}`, binary: false,
          code: 1000, reason: 'done', clean: true, initiator: 'local', runtime: name,
        });
        const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('ws saw no close')), WAIT_MS).unref());
        assert.deepEqual(await Promise.race([peerClose, timeout]), [1000, 'done']);
      } finally {
        if (client) kill(client);
        for (const c of wss.clients) c.terminate();
        wss.close();
      }
    });
  });
}
