// `wscore/node`: the sans-IO Connection on Node's sockets (also runs in Deno and
// Bun through their node: modules). It only moves bytes, time and calls: every
// protocol rule (framing, handshakes, close, timeouts, limits) is core's.
//
//   import http from 'node:http';
//   import { WebSocketServer, connect } from 'wscore/node';
//   const wss = new WebSocketServer({ server: http.createServer().listen(8080) });
//   wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
//   const ws = await connect('ws://127.0.0.1:8080/');
import { EventEmitter } from 'node:events';
import { Buffer } from 'node:buffer';
import net from 'node:net';
import tls from 'node:tls';

import { Connection } from './node.js';

export { Connection };
export const errors = Connection.errors;

// One clock for every connection: core counts its timers on it.
const now = () => performance.now();

// One WebSocket over one socket (see adapter.d.ts for the events).
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
  #closed = null; // core's closed event, once it came
  #paused = false; // by the app: pause()
  #pending = 0; // promises of 'message' listeners not settled yet
  #full = false; // the socket's write() said false and 'drain' has not come
  #reading = true;
  #freed = false; // 'close' was emitted and the Connection freed
  #finalInfo = undefined; // its closeInfo, kept past free()

  constructor(socket, conn) {
    super();
    this.#socket = socket;
    this.#conn = conn;
    socket.setNoDelay?.(true);
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
  get state() { return this.#freed ? 'closed' : this.#conn.state; }
  get subprotocol() { return this.#freed ? undefined : this.#conn.subprotocol; }
  get closeInfo() { return this.#freed ? this.#finalInfo : this.#conn.closeInfo; }
  // Bytes not yet handed to the kernel: in core plus in the socket's buffer.
  get bufferedAmount() {
    return (this.#freed ? 0 : this.#conn.bufferedAmount) + this.#socket.writableLength;
  }
  get isPaused() { return this.#paused; }

  pause() { this.#paused = true; }

  resume() {
    if (!this.#paused) return;
    this.#paused = false;
    setImmediate(() => this.#drive(() => {})); // not from inside the caller's handler
  }

  send(data, options) {
    const sent = this.#queue(() => {
      if (typeof data === 'string') this.#conn.sendText(data);
      else if (options?.binary === false) this.#conn.sendTextBytes(data);
      else this.#conn.sendBinary(data);
    });
    if (!sent) return false;
    if (this.#flush()) return 'sent';
    this.#schedule(); // core kept it: its stall timer may start
    return 'queued';
  }

  ping(data) {
    if (!this.#queue(() => this.#conn.sendPing(data))) return false;
    return this.#flush() ? 'sent' : 'queued';
  }

  close(code = 1000, reason = '') {
    if (this.#freed) return { outcome: 'already_closed', ...this.closeInfo };
    this.#conn.handleTimeout(now()); // the close timer counts from now
    const outcome = this.#conn.close(code, reason); // invalid arguments throw
    this.#drive(() => {});
    return outcome;
  }

  // Drops the connection at once: no closing handshake (the peer sees 1006).
  terminate() {
    this.#socket.destroy();
  }

  // Runs one send into core: false once closed (core's ConnectionClosedError,
  // whose details stay in closeInfo); any other error is the caller's to see.
  #queue(send) {
    if (this.#freed) return false;
    try {
      send();
      return true;
    } catch (err) {
      if (err instanceof errors.ConnectionClosedError) return false;
      throw err;
    }
  }

  // Runs one input (bytes, EOF, a call) through core, then time, output, events.
  #drive(input) {
    if (this.#freed) return;
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
    if (this.#freed) return; // after 'close' (a flush may have just emitted it)
    const read = !this.#full && !this.#conn.shouldPauseReading;
    if (read === this.#reading) return;
    this.#reading = read;
    if (read) this.#socket.resume();
    else this.#socket.pause();
  }

  #flush() {
    if (this.#freed) return true;
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

  // The last event: 'close' with core's closed event; the wasm side is freed
  // right after it (its close info stays readable).
  #emitClose() {
    const closed = this.#closed;
    if (!closed || this.#freed) return;
    clearTimeout(this.#timer);
    this.#timer = null;
    this.#finalInfo = this.#conn.closeInfo
      ?? { code: closed.code, reason: closed.reason, initiator: closed.initiator };
    this.#freed = true;
    this.#conn.free();
    this.emit('close', closed);
  }

  #schedule() {
    clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#freed) return;
    const deadline = this.#conn.pollTimeout();
    if (deadline !== undefined) {
      this.#timer = setTimeout(() => this.#drive(() => {}), Math.max(0, deadline - now()) + 1);
    }
  }

  #onSocketClose() {
    if (this.#freed) return;
    if (!this.#closed) this.#drive(() => this.#conn.receiveEof());
    this.#emitClose();
  }

  #fail(err) {
    this.#socket.destroy();
    this.emit('error', err);
  }
}

// The upgrade request as core reads it, rebuilt from what Node's HTTP parser kept.
function requestBytes(req) {
  let head = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) head += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return Buffer.from(`${head}\r\n`, 'latin1');
}

// Answers one parsed upgrade request (`request` event of the server connection):
// onRequest may return AcceptOptions, or { reject: { status, headers, body } }.
function answer(conn, request, onRequest) {
  const reply = onRequest ? onRequest(request) : undefined;
  if (reply?.reject) {
    const { status, headers, body } = reply.reject;
    conn.reject(status, headers, body);
    return false;
  }
  conn.accept(reply ?? undefined);
  return true;
}

// WebSockets on a Node `http`/`https` server's 'upgrade' event. Emits
// 'connection' (ws, req) for every accepted upgrade when it listens itself
// ({ server }); handleUpgrade() is for servers that route upgrades themselves.
export class WebSocketServer extends EventEmitter {
  #options;
  #onRequest;
  #path;
  #server = null;
  #listener = null;
  clients = new Set();

  constructor({ server, path, options, onRequest } = {}) {
    super();
    this.#options = options;
    this.#onRequest = onRequest;
    this.#path = path;
    if (server) {
      this.#server = server;
      this.#listener = (req, socket, head) => {
        if (this.#path !== undefined && new URL(req.url, 'http://x').pathname !== this.#path) {
          socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
          return;
        }
        this.handleUpgrade(req, socket, head, (ws) => this.emit('connection', ws, req));
      };
      server.on('upgrade', this.#listener);
    }
  }

  // Runs the handshake on an upgraded socket; calls cb(ws, req) once accepted
  // (not for a rejected or invalid request: the socket gets its HTTP answer
  // and is closed). Core checks the request exactly as on a raw socket.
  handleUpgrade(req, socket, head, cb) {
    const conn = Connection.server(this.#options);
    let accepted = false;
    try {
      conn.handleTimeout(now());
      conn.receive(requestBytes(req));
      if (head?.length) conn.receive(head);
      const request = conn.pollEvent();
      if (request?.type === 'request') {
        accepted = answer(conn, request, this.#onRequest);
      }
    } catch (err) {
      conn.free();
      socket.destroy();
      throw err;
    }
    // Invalid or rejected: the WebSocketConnection writes core's HTTP answer and closes.
    const ws = new WebSocketConnection(socket, conn);
    if (!accepted) {
      ws.on('error', () => {});
      return;
    }
    this.clients.add(ws);
    ws.once('close', () => this.clients.delete(ws));
    cb(ws, req);
  }

  // Stops listening for upgrades (when attached to a server); open connections
  // are closed with `code` (1001 going away by default).
  close(code = 1001, reason = '') {
    if (this.#server) this.#server.off('upgrade', this.#listener);
    this.#server = null;
    for (const ws of this.clients) ws.close(code, reason);
  }
}

// A WebSocket server on a plain TCP server (no HTTP server around it): every
// accepted socket gets a server Connection. onRequest as for WebSocketServer.
export function createServer({ onConnection, onRequest, options } = {}) {
  return net.createServer((socket) => {
    const ws = new WebSocketConnection(socket, Connection.server(options));
    ws.once('request', (request) => {
      if (answer(ws.connection, request, onRequest)) onConnection?.(ws, request);
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
    let wrapped = false;
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      wrapped = true;
      const ws = new WebSocketConnection(socket, conn);
      ws.once('open', () => resolve(ws));
      ws.once('close', (closed) => reject(new Error(`handshake failed: ${closed.reason || closed.code}`)));
      ws.once('error', reject);
    });
    socket.once('error', (err) => {
      if (!wrapped) conn.free(); // else the connection frees itself at 'close'

      reject(err);
    });
  });
}
