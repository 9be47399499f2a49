// SafeWebSocket from the packed package's Node entry, run under Node 20
// (--experimental-websocket), Node 22, Deno and Bun by runtimes.test.js:
//   RUNTIME tests/browser/runtime_safe_socket.mjs ENTRY_URL BASE_WS_URL
// against the test's `ws` server (/echo echoes, /close/4001 closes at once).
// Prints one JSON line of what it saw; every wait is bounded (exit 2 on a stall).
const [entry, base] = (globalThis.Deno ? Deno.args : process.argv.slice(2));
const WAIT_MS = 30_000; // generous: a loaded machine compiles wasm slowly
const runtime = globalThis.Deno ? 'deno' : globalThis.Bun ? 'bun' : `node${process.versions.node.split('.')[0]}`;
const watchdog = setTimeout(() => {
  console.error(`runtime_safe_socket (${runtime}): timed out after ${WAIT_MS} ms`);
  (globalThis.Deno ?? process).exit(2);
}, WAIT_MS);

const { SafeWebSocket } = await import(entry);

const next = (ws, type) => new Promise((resolve) => ws.addEventListener(type, resolve, { once: true }));
const pick = (e) => ({
  type: e.type, isEvent: e instanceof Event, code: e.code, reason: e.reason, wasClean: e.wasClean,
  initiator: e.initiator, willReconnect: e.willReconnect, data: e.data,
});

// Our close: queued while connecting, echoed, closed with 4000 'bye'.
const ws = new SafeWebSocket(`${base}/echo`);
const queued = ws.send('hello');
const message = pick(await next(ws, 'message'));
const closing = next(ws, 'close');
const closeResult = ws.close(4000, 'bye');
const local = pick(await closing);
const after = { state: ws.state, readyState: ws.readyState, lastClose: ws.lastClose, send: ws.send('late') };

// The server's close, which by default ends it (no reconnect option).
const remote = new SafeWebSocket(`${base}/close/4001`);
const remoteClose = pick(await next(remote, 'close'));

clearTimeout(watchdog);
console.log(JSON.stringify({
  runtime, queued, message, closeResult: closeResult ?? null, local, after, remote: { close: remoteClose, state: remote.state },
  isEventTarget: ws instanceof EventTarget, OPEN: [SafeWebSocket.OPEN, ws.OPEN],
}));
