// A wscore client on the Node adapter, run under Deno or Bun by runtimes.test.mjs:
//   deno run -A tests/node/runtime_client.mjs ws://127.0.0.1:PORT/   (or: bun ...)
// Sends one text message, waits for its echo, closes with 1000 'done' and
// prints one JSON line: { echoed, code, reason, clean, initiator, runtime }.
// Every wait is bounded: a stuck step exits non-zero after WAIT_MS.
import { connect } from '../../target/npm/wscore/adapter.js';

const WAIT_MS = 5000;
const url = process.argv[2];
const runtime = globalThis.Deno ? 'deno' : globalThis.Bun ? 'bun' : 'node';

const watchdog = setTimeout(() => {
  console.error(`runtime_client (${runtime}): timed out after ${WAIT_MS} ms`);
  process.exit(2);
}, WAIT_MS);

const ws = await connect(url);
const echoed = await new Promise((resolve) => {
  ws.once('message', (data, isBinary) => resolve({ data, isBinary }));
  ws.send(`hello from ${runtime}`);
});
const closed = await new Promise((resolve) => {
  ws.once('close', resolve);
  ws.close(1000, 'done');
});
clearTimeout(watchdog);
console.log(JSON.stringify({
  echoed: echoed.data, binary: echoed.isBinary,
  code: closed.code, reason: closed.reason, clean: closed.clean, initiator: closed.initiator, runtime,
}));
