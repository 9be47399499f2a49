// net.Socket <-> wscore Connection for Node. It only moves bytes, time and
// calls: every protocol rule (framing, close handshake, timeouts) is core's.
//
//   const server = createServer({ onConnection(ws) { ws.on('message', (d) => ws.send(d)); } });
//   server.listen(9001, '127.0.0.1');
//   const ws = await connect('ws://127.0.0.1:9001/');
//
// The wasm module comes from `make wasm-build` (target/wasm/node); set
// WSCORE_WASM to load another build of the package.
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import net from 'node:net';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const wasmPath = process.env.WSCORE_WASM
  ?? fileURLToPath(new URL('../../target/wasm/node/wscore_wasm.js', import.meta.url));
export const { Connection } = require(wasmPath);
export const errors = Connection.errors;

// One clock for every connection: core counts its timers on it.
const now = () => performance.now();

// One WebSocket over one socket. Events: 'request' (server: the upgrade
// request; answer with .connection.accept()/reject()), 'open' and 'rejected'
// (client: the server's answer), 'message' (data: string | Uint8Array,
// isBinary), 'ping', 'pong', 'closing' (code, reason: the peer's close frame),
// 'close' (core's closed event: code, reason, clean, initiator, error; once the
// socket is closed too), 'drain', 'error' (then the socket is destroyed).
//
// Backpressure, both ways, so that a connection holds about one read plus one
// message whatever the pace of the peer and the app: a 'message' listener that
// returns a promise (an async handler) gets the next event once it settles, and
// pause()/resume() hold events back; the socket is not read while core holds
// events (shouldPauseReading) or while the socket's write buffer is full.
export class WebSocketConnection extends EventEmitter {
  #socket;
  #conn;
  #timer = null;
  #ended = false;
  #closed = null; // core's closed event until 'close' is emitted, then 'emitted'
  #paused = false; // by the app: pause()
  #pending = 0; // promises of 'message' listeners not settled yet
  #full = false; // the socket's write() said false and 'drain' has not come
  #reading = true;

  constructor(socket, conn) {
    super();
    this.#socket = socket;
    this.#conn = conn;
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.#drive(() => conn.receive(chunk)));
    socket.on('end', () => this.#drive(() => conn.receiveEof()));
    // A reset or destroy brings 'close' without 'end': the same EOF to core.
    socket.on('close', () => this.#onSocketClose());
    // Socket errors (ECONNRESET, EPIPE) are followed by 'close': core reports 1006.
    socket.on('error', () => {});
    socket.on('drain', () => {
      this.#full = false;
      this.#drive(() => {}); // what core held back goes out now
      if (!this.#full) this.emit('drain');
    });
    this.#drive(() => {});
  }

  get connection() { return this.#conn; }
  get state() { return this.#conn.state; }
  get subprotocol() { return this.#conn.subprotocol; }
  // Bytes not yet handed to the kernel: in core plus in the socket's buffer.
  get bufferedAmount() { return this.#conn.bufferedAmount + this.#socket.writableLength; }
  get isPaused() { return this.#paused; }

  // Holds events (messages, close) back until resume(); reading stops once core
  // holds what was read. For apps that hand messages on to their own queue.
  pause() { this.#paused = true; }

  resume() {
    if (!this.#paused) return;
    this.#paused = false;
    setImmediate(() => this.#drive(() => {})); // not from inside the caller's handler
  }

  // Sends a string as text, anything else (Uint8Array, Buffer, any ArrayBuffer
  // view, ArrayBuffer) as binary; a server hands binary payloads (over 1 KiB) to the socket
  // without copying them, so, as with socket.write, do not modify one after
  // sending it. After a close it throws errors.ConnectionClosedError (code,
  // reason, initiator). Returns false when the socket's buffer is full: wait for
  // 'drain'. Meanwhile core keeps what you send; over outputHighWater for
  // outputStallTimeoutMs (a peer that does not read) it closes with 1008.
  send(data) {
    if (typeof data === 'string') this.#conn.sendText(data);
    else this.#conn.sendBinary(data);
    if (this.#flush()) return true;
    this.#schedule(); // core kept it: its stall timer may start
    return false;
  }

  ping(data) {
    this.#conn.sendPing(data);
    this.#flush();
  }

  // Returns core's outcome: { outcome: 'sent' | 'already_closed' | 'aborted', ... }.
  // Invalid arguments throw errors.InvalidCloseArgumentsError and send nothing.
  close(code = 1000, reason = '') {
    this.#conn.handleTimeout(now()); // the close timer counts from now
    const outcome = this.#conn.close(code, reason); // typed errors go to the caller
    this.#drive(() => {});
    return outcome;
  }

  // Runs one input (bytes, EOF, a call) through core, then time, output, events.
  #drive(input) {
    try {
      this.#conn.handleTimeout(now());
      input();
      this.#drainEvents();
      this.#flush();
      this.#schedule();
      this.#pauseOrResumeReading();
    } catch (err) {
      // An InternalError (a bug in wscore) or a listener's exception: this
      // connection cannot go on; 'error' carries why.
      this.#fail(err);
    }
  }

  #drainEvents() {
    let event;
    while (!this.#paused && this.#pending === 0 && (event = this.#conn.pollEvent()) !== undefined) {
      switch (event.type) {
        case 'request': this.emit('request', event); break;
        case 'accepted':
          this.emit('open', event);
          // Whoever awaits connect() attaches listeners in a microtask: hand
          // them the messages that came with the 101 in a later turn.
          setImmediate(() => this.#drive(() => {}));
          return;
        case 'rejected': this.emit('rejected', event); break;
        case 'text': this.#emitMessage(event.data, false); break;
        case 'binary': this.#emitMessage(event.data, true); break;
        case 'ping': this.emit('ping', event.data); break;
        case 'pong': this.emit('pong', event.data); break;
        case 'close_received': this.emit('closing', event.code, event.reason); break;
        case 'closed': this.#closed = event; break;
      }
    }
  }

  // Like emit('message'), but an async listener holds the next event back
  // until its promise settles (a rejection fails the connection).
  #emitMessage(data, isBinary) {
    for (const listener of this.rawListeners('message')) {
      const result = listener.call(this, data, isBinary);
      if (typeof result?.then !== 'function') continue;
      this.#pending++;
      result.then(() => {
        if (--this.#pending === 0) this.#drive(() => {});
      }, (err) => {
        this.#pending--;
        this.#fail(err);
      });
    }
  }

  // Reads while core wants input and the socket takes our output.
  #pauseOrResumeReading() {
    const read = !this.#full && !this.#conn.shouldPauseReading;
    if (read === this.#reading) return;
    this.#reading = read;
    if (read) this.#socket.resume();
    else this.#socket.pause();
  }

  #flush() {
    const closing = this.#conn.shouldCloseTransport && !this.#ended;
    // While the socket is full, core keeps the output: its stall timer then
    // sees a peer that does not read. The last bytes before a close go anyway.
    if (this.#conn.bufferedAmount > 0 && !this.#socket.destroyed && (!this.#full || closing)) {
      // Frame bytes and kept payloads, written as one batch (writev).
      const chunks = this.#conn.takeOutputChunks();
      let ok = true;
      this.#socket.cork();
      for (const chunk of chunks) ok = this.#socket.write(chunk);
      this.#socket.uncork();
      if (!ok) this.#full = true;
    }
    if (closing) {
      this.#ended = true;
      this.#socket.end(); // FIN after the pending bytes; core chose when
      // A peer that never closes its side must not hold the socket forever.
      setTimeout(() => this.#socket.destroy(), 10_000).unref();
    }
    this.#finishIfClosed();
    return !this.#full;
  }

  #finishIfClosed() {
    if (this.#closed && this.#socket.destroyed) this.#emitClose();
  }

  #emitClose() {
    const closed = this.#closed;
    if (!closed || this.#closed === 'emitted') return;
    this.#closed = 'emitted';
    clearTimeout(this.#timer);
    this.emit('close', closed);
  }

  #schedule() {
    clearTimeout(this.#timer);
    this.#timer = null;
    const deadline = this.#conn.pollTimeout();
    if (deadline !== undefined) {
      this.#timer = setTimeout(() => this.#drive(() => {}), Math.max(0, deadline - now()) + 1);
    }
  }

  #onSocketClose() {
    if (this.#closed === 'emitted') return;
    if (!this.#closed) this.#drive(() => this.#conn.receiveEof());
    this.#emitClose();
  }

  #fail(err) {
    this.#socket.destroy();
    this.emit('error', err);
  }
}

// A server: every accepted socket gets a server Connection. onRequest(request)
// may return AcceptOptions, or { reject: { status, headers, body } }.
export function createServer({ onConnection, onRequest, options } = {}) {
  return net.createServer((socket) => {
    const ws = new WebSocketConnection(socket, Connection.server(options));
    ws.once('request', (request) => {
      const answer = onRequest ? onRequest(request) : undefined;
      if (answer?.reject) {
        const { status, headers, body } = answer.reject;
        ws.connection.reject(status, headers, body);
      } else {
        ws.connection.accept(answer);
        onConnection?.(ws, request);
      }
    });
  });
}

// A client: resolves with the open connection, rejects if the server refuses
// or the handshake fails. `options` are ClientOptions (subprotocols, headers, limits).
export function connect(url, options = {}) {
  const { protocol, hostname: bracketed, port } = new URL(url);
  const hostname = bracketed.replace(/^\[|\]$/g, ''); // IPv6 literal
  return new Promise((resolve, reject) => {
    const conn = Connection.client(url, options);
    const secure = protocol === 'wss:';
    const socket = secure
      ? tls.connect({ host: hostname, port: Number(port || 443), servername: hostname })
      : net.connect({ host: hostname, port: Number(port || 80) });
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      const ws = new WebSocketConnection(socket, conn);
      ws.once('open', () => resolve(ws));
      ws.once('close', (closed) => reject(new Error(`handshake failed: ${closed.reason || closed.code}`)));
      ws.once('error', reject);
    });
    socket.once('error', reject);
  });
}
