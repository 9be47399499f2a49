// Types of `wscore/node`: the Connection on Node's sockets (adapter.js).
import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Server as NetServer, Socket } from 'node:net';
import type { Duplex } from 'node:stream';

import type {
  AcceptOptions, ClientOptions, CloseInfo, CloseOutcome, ClosedEvent, Connection, ConnectionOptions,
  HeaderList, RequestEvent, WscoreErrorClasses,
} from './node.js';

export { Connection } from './node.js';
/** The error classes (the same as `Connection.errors`), for `instanceof`. */
export declare const errors: WscoreErrorClasses;

/**
 * What `send()` and `ping()` did: `'sent'` (handed to the socket), `'queued'`
 * (the socket's buffer is full: kept until `'drain'`), or `false`: the connection
 * is closing or closed, nothing was sent, and `closeInfo` says who closed, with
 * which code and reason. Never throws for a closed connection.
 */
export type SendResult = 'sent' | 'queued' | false;

/** Server: how to answer an upgrade request. `undefined` accepts it as is. */
export type RequestAnswer = AcceptOptions | { reject: { status: number; headers?: HeaderList; body?: Uint8Array } } | undefined;

export interface WebSocketConnectionEvents {
  /** Server on a raw socket (`createServer`): the upgrade request; answer it with `connection.accept()`/`reject()`. */
  request: [request: RequestEvent];
  /** Client: the server accepted the upgrade. */
  open: [event: Extract<import('./node.js').WsEvent, { type: 'accepted' }>];
  /** Client: the server refused the upgrade; `'close'` follows. */
  rejected: [event: Extract<import('./node.js').WsEvent, { type: 'rejected' }>];
  /**
   * A whole message: a string for text (or a `Uint8Array` of its UTF-8 with the
   * `textAsBytes` option), a `Uint8Array` for binary. A listener that returns a
   * promise gets the next message only once it settles; a rejection fails the connection.
   */
  message: [data: string | Uint8Array, isBinary: boolean];
  ping: [data: Uint8Array];
  pong: [data: Uint8Array];
  /** The peer's close frame arrived (core answers it). */
  closing: [code: number, reason: string];
  /** The last event, exactly once: both the WebSocket and the socket are closed. */
  close: [event: ClosedEvent];
  /** The socket's buffer emptied after a `'queued'` send. */
  drain: [];
  /** A listener threw or wscore failed internally; the socket is destroyed and `'close'` follows. */
  error: [error: unknown];
}

/**
 * One WebSocket over one socket (`net.Socket`, `tls.TLSSocket`, an upgraded
 * `http` socket). Close semantics are core's: a send after a close returns
 * `false` (see `SendResult`), `close()` twice is fine, and `'close'` comes once
 * with who closed. Memory per connection stays bounded whatever the peer does:
 * the socket is not read while events wait for the app or the output is above
 * `outputHighWater`, and output the peer does not read for `outputStallTimeoutMs`
 * fails the connection with 1008. The wasm `Connection` is freed right after
 * `'close'`.
 */
export declare class WebSocketConnection extends EventEmitter<WebSocketConnectionEvents> {
  /** Wraps a socket and a `Connection` made for it (`Connection.server()` or `.client()`). */
  constructor(socket: Duplex | Socket, conn: Connection);
  /** The sans-IO connection underneath (freed after `'close'`: do not call it then). */
  readonly connection: Connection;
  readonly state: import('./node.js').State;
  readonly subprotocol: string | undefined;
  /** Who closed, with which code and reason; `undefined` while open. Still readable after `'close'`. */
  readonly closeInfo: CloseInfo | undefined;
  /** Bytes not yet handed to the kernel: in the Connection plus in the socket's buffer. */
  readonly bufferedAmount: number;
  readonly isPaused: boolean;
  /**
   * Sends a string as text, bytes (`Uint8Array`, `Buffer`, any `ArrayBuffer` view,
   * `ArrayBuffer`) as binary, or bytes as text with `{ binary: false }` (UTF-8,
   * validated: invalid bytes throw `InvalidUtf8Error` and nothing is sent). A
   * server hands binary payloads over 1 KiB to the socket without copying them:
   * do not modify one after sending it (as with `socket.write`).
   */
  send(data: string | Uint8Array | ArrayBufferView | ArrayBuffer, options?: { binary?: boolean }): SendResult;
  /** Sends a ping (at most 125 bytes, else `RangeError`). */
  ping(data?: Uint8Array): SendResult;
  /**
   * Starts the closing handshake (default 1000). Never throws for the state;
   * a code or reason the RFC forbids throws `InvalidCloseArgumentsError` and sends nothing.
   */
  close(code?: number, reason?: string): CloseOutcome;
  /** Destroys the socket at once, without a closing handshake (the peer sees 1006). */
  terminate(): void;
  /** Holds messages (and the close) back until `resume()`; reading stops once the Connection holds what was read. */
  pause(): void;
  resume(): void;
}

export interface WebSocketServerOptions {
  /** An `http`/`https` server whose `'upgrade'` event this one handles (then it emits `'connection'`). */
  server?: HttpServer | HttpsServer;
  /** Only upgrades to this path (the URL's pathname); others get 404. Default: every path. */
  path?: string;
  /** The Connection options of every accepted connection (limits, timeouts, deflate, `textAsBytes`). */
  options?: ConnectionOptions;
  /** Decides on each request: accept options, `{ reject: { status } }`, or `undefined` to accept. */
  onRequest?: (request: RequestEvent) => RequestAnswer;
}

export interface WebSocketServerEvents {
  connection: [ws: WebSocketConnection, req: IncomingMessage];
}

/** WebSockets on a Node `http`/`https` server's `'upgrade'` event. */
export declare class WebSocketServer extends EventEmitter<WebSocketServerEvents> {
  constructor(options?: WebSocketServerOptions);
  /** The open connections. */
  readonly clients: Set<WebSocketConnection>;
  /**
   * Runs the handshake on an upgraded socket (from `server.on('upgrade', …)`)
   * and calls `cb` once accepted. A rejected or invalid request gets its HTTP
   * answer from core and the socket is closed; `cb` is not called.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, cb: (ws: WebSocketConnection, req: IncomingMessage) => void): void;
  /** Stops handling the server's upgrades and closes open connections with `code` (default 1001). */
  close(code?: number, reason?: string): void;
}

/** A WebSocket server on a plain TCP server (no HTTP server): every accepted socket is a WebSocket. */
export declare function createServer(options?: {
  onConnection?: (ws: WebSocketConnection, request: RequestEvent) => void;
  onRequest?: (request: RequestEvent) => RequestAnswer;
  options?: ConnectionOptions;
}): NetServer;

/**
 * Opens a client connection to a `ws://` or `wss://` URL; resolves once the
 * server accepted, rejects if it refused or the handshake failed.
 */
export declare function connect(url: string, options?: ClientOptions): Promise<WebSocketConnection>;
