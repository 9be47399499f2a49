// SafeWebSocket outside browsers, from the packed package's Node entry: Node 20
// with --experimental-websocket (no CloseEvent there), Node 22 (npm `node`,
// pinned in package.json), Deno and Bun (pinned in tests/node). Each runs
// runtime_safe_socket.mjs against a `ws` server on 127.0.0.1.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { PKG_DIR, ROOT, startControl } from './harness.js';

const WAIT_MS = 60_000; // a cold start (compile + wasm instantiate) on a loaded machine included
const SCRIPT = path.join(ROOT, 'tests/browser/runtime_safe_socket.mjs');
const ENTRY = pathToFileURL(path.join(PKG_DIR, 'node.js')).href;
const bin = (dir, name) => path.join(ROOT, dir, 'node_modules/.bin', name);
const RUNTIMES = {
  'node 20': { bin: process.execPath, args: ['--experimental-websocket', SCRIPT], major: '20' },
  'node 22': { bin: bin('tests/browser', 'node'), args: [SCRIPT] },
  deno: { bin: bin('tests/node', 'deno'), args: ['run', '-A', SCRIPT] },
  bun: { bin: bin('tests/node', 'bun'), args: [SCRIPT] },
};
// No update checks or telemetry: nothing but 127.0.0.1.
const env = { ...process.env, DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', DO_NOT_TRACK: '1' };

/** Runs `runtime` on the script; resolves with its JSON line, rejects with its output. */
function run({ bin: file, args }, base) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...args, ENTRY, base], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s) => { out += s; });
    child.stderr.setEncoding('utf8').on('data', (s) => { err += s; });
    const timer = setTimeout(() => child.kill('SIGKILL'), WAIT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (code === 0 && line) resolve(JSON.parse(line));
      else reject(new Error(`exited ${code ?? signal}:\n${out}\n${err}`));
    });
  });
}

let control;
before(async () => { control = await startControl(); });
after(async () => { await control?.stop(); });

for (const [name, runtime] of Object.entries(RUNTIMES)) {
  let skip = existsSync(runtime.bin) ? false : `${runtime.bin} is not installed (npm ci)`;
  if (runtime.major && process.versions.node.split('.')[0] !== runtime.major) {
    skip = `this Node is ${process.version}, not ${runtime.major}`;
  }
  describe(`SafeWebSocket under ${name}`, { skip }, () => {
    test('queues while connecting, closes with our code, reports a server close, never crashes', async () => {
      const r = await run(runtime, control.url('').replace(/\/$/, ''));
      assert.equal(r.queued, 'queued');
      assert.deepEqual([r.message.type, r.message.data, r.message.isEvent], ['message', 'hello', true]);
      assert.equal(r.closeResult, null);
      assert.deepEqual(
        { ...r.local, data: undefined },
        { type: 'close', isEvent: true, code: 4000, reason: 'bye', wasClean: true, initiator: 'local', willReconnect: false, data: undefined },
      );
      assert.deepEqual(r.after, {
        state: 'closed-local', readyState: 3, send: false,
        lastClose: { code: 4000, reason: 'bye', initiator: 'local', wasClean: true },
      });
      assert.deepEqual([r.remote.close.code, r.remote.close.reason, r.remote.close.initiator, r.remote.state],
        [4001, 'go away', 'remote', 'closed-remote']);
      assert.deepEqual([r.OPEN, r.isEventTarget], [[1, 1], true]);
    });
  });
}
