// Types for the npm package `wscore`'s browser entry, all by hand: SafeWebSocket
// is a JS class (safe_socket.js) over the wasm module's internal machine, and
// needs no lib beyond ES2022 and the DOM (assignable to the DOM `WebSocket`).

/** The version of wscore. */
export declare function version(): string;
/** Whether `code` may be sent in a close frame at all (RFC 6455 §7.4); browsers send only 1000 and 3000-4999. */
export declare function isSendableCloseCode(code: number): boolean;
/** Bytes of wasm linear memory in use (it never shrinks; flat means no leak). */
export declare function wasmMemoryBytes(): number;

/** What `send` did: sent now, queued for later, or `false` (closed, dropped or rejected). */
export type SendResult = 'sent' | 'queued' | false;

/** Who ended a connection: our `close()`, the server, or the transport (network, heartbeat, timeouts). */
export type CloseInitiator = 'local' | 'remote' | 'transport';

/** `state`: the phase, and after the final close who closed it. `idle`: `startClosed` and not started. */
export type SafeState =
  | 'idle'
  | 'connecting'
  | 'open'
  | 'closing'
  | 'reconnecting'
  | 'closed-local'
  | 'closed-remote'
  | 'closed-transport';

export interface ReconnectOptions {
  /** Ceiling of the first delay in ms; each failed attempt doubles it (default 500). Delays are drawn uniformly below the ceiling. */
  initialDelayMs?: number;
  /** Largest ceiling in ms (default 30000). */
  maxDelayMs?: number;
  /** Failed attempts in a row before giving up (default unlimited). */
  maxRetries?: number;
  /** A connection that closes within this many ms of opening counts as a failed attempt: the backoff keeps growing (default 5000; reconnecting-websocket's `minUptime`). */
  minUptimeMs?: number;
  /** A server's close codes after which we stay closed (default [1000, 1008]: "done" and "policy violation", which a retry would repeat). `[]` reconnects after any close. */
  stopCodes?: number[];
}

export interface HeartbeatOptions {
  /** Text sent every `intervalMs` (default "ping"). */
  message?: string;
  /** A reply equal to this text is swallowed instead of delivered as a message. Any message counts as an answer. */
  pong?: string;
  /** Ms between pings (default 30000). */
  intervalMs?: number;
  /** Ms without any message after a ping before the socket is closed (4000 "heartbeat timeout") and reconnected (default 10000). */
  timeoutMs?: number;
}

export type DropPolicy = 'drop-oldest' | 'drop-newest' | 'reject';

export interface QueueOptions {
  /** Most messages held while not open (default 1024). */
  maxMessages?: number;
  /** Most bytes held (default 4 MiB). */
  maxBytes?: number;
  /** What happens to a message that does not fit (default 'drop-oldest'). 'reject' makes `send` return false without a `drop` event. */
  dropPolicy?: DropPolicy;
}

/** A value, or a function returning it or a promise of it, called before each attempt (e.g. to refresh a token). */
export type PerAttempt<T> = T | (() => T | PromiseLike<T>);

/** A WebSocket class to use instead of the global one (Node's `ws` package, React Native, tests). */
export interface WebSocketClass {
  new (url: string | URL, protocols?: string | string[]): WebSocket;
}

export interface SafeWebSocketOptions {
  /** Default 'arraybuffer' (a Blob plus a FileReader per message leaks memory in long sessions). */
  binaryType?: BinaryType;
  /** `true` for the defaults, or the policy; off by default (a close is final). */
  reconnect?: boolean | ReconnectOptions;
  /** Application-level heartbeat (browsers expose no ping frames); off by default. */
  heartbeat?: boolean | HeartbeatOptions;
  /** Send queue used while connecting, reconnecting or over `highWaterMark`. */
  queue?: QueueOptions;
  /** While the socket's own bufferedAmount is at least this many bytes, `send` queues instead (backpressure). */
  highWaterMark?: number;
  /** A socket not open this many ms after it was created is abandoned as a failed attempt (default: none, the browser's own timeout; reconnecting-websocket's `connectionTimeout`). */
  connectionTimeoutMs?: number;
  /** How long a close may take before the socket is abandoned and reported closed uncleanly (default 1000). */
  closeTimeoutMs?: number;
  /** Open no socket until `reconnect()` is called (default false). Sends before then are queued. */
  startClosed?: boolean;
  /** The WebSocket class to create sockets with (default: the global `WebSocket`). */
  WebSocket?: WebSocketClass;
}

/** The last close of a socket: the same code and reason as its `close` event. */
export interface CloseInfo {
  code: number;
  reason: string;
  initiator: CloseInitiator;
  wasClean: boolean;
}

/** Returned (never thrown) by `close()` and `reconnect()` for a code or reason the protocol or the browser would refuse. */
export interface CloseError extends Error {
  name: 'CloseError';
  kind: 'invalid-code' | 'reason-too-long' | 'reason-without-code' | 'code-not-allowed-in-browser';
  /** The code given, or null when none was. */
  code: number | null;
  reasonBytes: number;
}

/** A `CloseEvent` (a plain `Event` with the same fields where the host has no CloseEvent, e.g. Node 20). */
export interface SafeCloseEvent extends CloseEvent {
  initiator: CloseInitiator;
  /** Whether a new socket follows (a `reconnecting` event, or at once after `reconnect()`); false on the final close. */
  willReconnect: boolean;
}

export interface SafeStats {
  /** Messages handed to a socket (heartbeats not counted). */
  sent: number;
  queued: number;
  dropped: number;
  rejected: number;
  /** `send` calls after the final close or our `close()`. */
  afterClose: number;
  opens: number;
  /** Attempts after a close (backoff or `reconnect()`). */
  reconnects: number;
  queueLength: number;
}

export interface SafeWebSocketEventMap {
  open: Event;
  message: MessageEvent;
  close: SafeCloseEvent;
  error: Event;
  reconnecting: CustomEvent<{ attempt: number; delayMs: number }>;
  /** A message that will never be sent: pushed out of a full queue, still queued at the final close, or handed to a socket that was already closing. */
  drop: CustomEvent<{ data: string | ArrayBufferLike | Blob | ArrayBufferView; reason: 'queue-full' | 'closed' | 'transport-closing' }>;
}

/** An `on*` handler, assignable to WebSocket's. */
type Handler<E> = ((event: E) => any) | null;

/**
 * A drop-in for `WebSocket` (an `EventTarget` with the same properties, constants,
 * handlers and events) that never throws from `send`, validates `close`, tells
 * our close from theirs, queues while not open, and can reconnect.
 */
export declare class SafeWebSocket extends EventTarget {
  static readonly CONNECTING: 0;
  static readonly OPEN: 1;
  static readonly CLOSING: 2;
  static readonly CLOSED: 3;
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSING: 2;
  readonly CLOSED: 3;

  /** Throws like `new WebSocket` for a bad URL string, and a TypeError for bad options or no WebSocket class. */
  constructor(url: PerAttempt<string | URL>, protocols?: PerAttempt<string | string[] | undefined> | null, options?: SafeWebSocketOptions);

  /** Never throws. */
  send(data: string | ArrayBufferLike | Blob | ArrayBufferView): SendResult;
  /** Never throws: a CloseError for a refused code or reason, else undefined. Idempotent; nothing reopens until `reconnect()`. */
  close(code?: number, reason?: string): CloseError | undefined;
  /** Opens a fresh socket now, even after close(), a stop code, given-up retries or `startClosed`; a live one is first closed with `code` and `reason` (default 1000 "reconnect"). */
  reconnect(code?: number, reason?: string): CloseError | undefined;
  /** Frees the wasm side; the socket is closed and no event fires afterwards. */
  free(): void;

  readonly readyState: 0 | 1 | 2 | 3;
  readonly state: SafeState;
  readonly lastClose: CloseInfo | null;
  readonly stats: SafeStats;
  /** The socket's bufferedAmount plus queued bytes. */
  readonly bufferedAmount: number;
  readonly protocol: string;
  readonly extensions: string;
  /** The socket's URL (the last one resolved when `url` is a function). */
  readonly url: string;
  binaryType: BinaryType;

  onopen: Handler<Event>;
  onmessage: Handler<MessageEvent>;
  /** Typed loosely (the extra fields optional) so that a SafeWebSocket stays assignable to `WebSocket`; `addEventListener('close', ...)` gets SafeCloseEvent. */
  onclose: Handler<CloseEvent & Partial<Pick<SafeCloseEvent, 'initiator' | 'willReconnect'>>>;
  onerror: Handler<Event>;

  addEventListener<K extends keyof SafeWebSocketEventMap>(
    type: K,
    listener: (this: SafeWebSocket, event: SafeWebSocketEventMap[K]) => any,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof SafeWebSocketEventMap>(
    type: K,
    listener: (this: SafeWebSocket, event: SafeWebSocketEventMap[K]) => any,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
}
