// Bytes per idle open connection in Node: wscore's wasm Connection (after the
// opening handshake) next to a ws Receiver + Sender pair (what a ws server keeps
// per socket besides the socket). Each runs in a fresh process (node --expose-gc)
// that creates 10,000 of them; resident-set growth (JS heap, wasm memory and
// native allocations alike) is divided by the count.
//
//   node bench/node/memory.mjs [--out target/bench/memory-node.json]
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const N = 10_000;
const require = createRequire(import.meta.url);
const self = fileURLToPath(import.meta.url);

function makeWscore() {
  const wasmPath = process.env.WSCORE_WASM
    ?? fileURLToPath(new URL('../../target/wasm/node/wscore_wasm.js', import.meta.url));
  const { Connection } = require(wasmPath);
  return () => {
    const client = Connection.client('ws://bench/chat');
    const server = Connection.server();
    server.receive(client.takeOutput());
    server.events();
    server.accept();
    client.receive(server.takeOutput());
    client.free();
    return server;
  };
}

function makeWs() {
  const { Receiver, Sender } = require('ws');
  const socket = { write() { return true; }, cork() {}, uncork() {} };
  return () => {
    const receiver = new Receiver({ isServer: true });
    receiver.on('message', () => {});
    return [receiver, new Sender(socket)];
  };
}

const child = process.argv[2] === '--child' ? process.argv[3] : undefined;
if (child) {
  const make = child === 'wscore' ? makeWscore() : makeWs();
  let keep = Array.from({ length: 100 }, make); // warm up
  globalThis.gc();
  const before = process.memoryUsage().rss;
  keep = Array.from({ length: N }, make);
  globalThis.gc();
  const grown = process.memoryUsage().rss - before;
  console.log(JSON.stringify({ rss_bytes_per_connection: grown / N, kept: keep.length }));
} else {
  const out = process.argv.includes('--out')
    ? process.argv[process.argv.indexOf('--out') + 1] : 'target/bench/memory-node.json';
  const results = {};
  for (const name of ['wscore', 'ws Receiver+Sender']) {
    const line = execFileSync(process.execPath, ['--expose-gc', self, '--child', name === 'wscore' ? 'wscore' : 'ws'],
      { encoding: 'utf8' });
    results[name] = JSON.parse(line);
    console.error(`${name.padEnd(20)}: ${results[name].rss_bytes_per_connection.toFixed(0)} B resident per connection`);
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ runtime: 'node-memory', connections: N, results }, null, 1));
}
