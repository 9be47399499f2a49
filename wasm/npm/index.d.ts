// Types for the npm package `wscore`. SafeWebSocket is declared here by hand (the
// generated declarations type its options and events as `any`); everything else
// comes from the wasm-bindgen declarations.
export * from './dist/web/wscore_browser.js';

/** What `send` did: sent now, queued for later, or `false` (closed, dropped or rejected). */
export type SendResult = 'sent' | 'queued' | false;

/** Who ended a connection: our `close()`, the server, or the transport (network, heartbeat). */
export type CloseInitiator = 'local' | 'remote' | 'transport';

/** `state`: the phase, and after the final close who closed it. */
export type SafeState =
  | 'connecting'
  | 'open'
  | 'closing'
  | 'reconnecting'
  | 'closed-local'
  | 'closed-remote'
  | 'closed-transport';

export interface ReconnectOptions {
  /** Ceiling of the first delay in ms; each retry doubles it (default 500). Delays are `random() * ceiling`. */
  initialDelayMs?: number;
  /** Largest ceiling in ms (default 30000). */
  maxDelayMs?: number;
  /** Retries in a row without a successful open before giving up (default unlimited). */
  maxRetries?: number;
  /** Close codes from the server after which we do not reconnect (e.g. [1008, 4001]). */
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

export interface SafeWebSocketOptions {
  /** Default 'arraybuffer' (a Blob plus a FileReader per message leaks memory in long sessions). */
  binaryType?: BinaryType;
  /** `true` for the defaults, or the policy; off by default. */
  reconnect?: boolean | ReconnectOptions;
  /** Application-level heartbeat (browsers expose no ping frames); off by default. */
  heartbeat?: HeartbeatOptions;
  /** Send queue used while connecting, reconnecting or over `highWaterMark`. */
  queue?: QueueOptions;
  /** While the socket's own bufferedAmount is at least this many bytes, `send` queues instead (backpressure). */
  highWaterMark?: number;
}

/** The last close of a socket. */
export interface CloseInfo {
  code: number;
  reason: string;
  initiator: CloseInitiator;
  wasClean: boolean;
}

/** Returned (never thrown) by `close()` for a code or reason the protocol or the browser would refuse. */
export interface CloseError extends Error {
  name: 'CloseError';
  kind: 'invalid-code' | 'reason-too-long' | 'reason-without-code' | 'code-not-allowed-in-browser';
  code: number;
  reasonBytes: number;
}

export interface SafeCloseEvent extends CloseEvent {
  initiator: CloseInitiator;
  /** Whether a reconnect is scheduled (a `reconnecting` event follows). */
  willReconnect: boolean;
}

export interface SafeStats {
  sent: number;
  queued: number;
  dropped: number;
  rejected: number;
  /** `send` calls after the final close or our `close()`. */
  afterClose: number;
  opens: number;
  reconnects: number;
  queueLength: number;
}

export interface SafeWebSocketEventMap {
  open: Event;
  message: MessageEvent;
  close: SafeCloseEvent;
  error: Event;
  reconnecting: CustomEvent<{ attempt: number; delayMs: number }>;
  /** A message that will never be sent: pushed out of a full queue, or still queued at the final close. */
  drop: CustomEvent<{ data: string | ArrayBufferLike | Blob | ArrayBufferView; reason: 'queue-full' | 'closed' }>;
}

export declare class SafeWebSocket {
  static readonly CONNECTING: 0;
  static readonly OPEN: 1;
  static readonly CLOSING: 2;
  static readonly CLOSED: 3;

  /** Throws like `new WebSocket` for a bad URL, and a TypeError-like Error for bad options. */
  constructor(url: string, protocols?: string | string[] | null, options?: SafeWebSocketOptions);

  /** Never throws. */
  send(data: string | ArrayBufferLike | Blob | ArrayBufferView): SendResult;
  /** Never throws: a CloseError for a refused code or reason, else undefined. Idempotent. */
  close(code?: number, reason?: string): CloseError | undefined;
  /** Opens a fresh socket now, even after close() or given-up retries. */
  reconnect(): void;
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
  readonly url: string;
  binaryType: BinaryType;

  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: SafeCloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;

  addEventListener<K extends keyof SafeWebSocketEventMap>(
    type: K,
    listener: (event: SafeWebSocketEventMap[K]) => void,
    options?: boolean | AddEventListenerOptions,
  ): void;
  removeEventListener<K extends keyof SafeWebSocketEventMap>(
    type: K,
    listener: (event: SafeWebSocketEventMap[K]) => void,
    options?: boolean | EventListenerOptions,
  ): void;
}

/** Bytes of wasm linear memory in use (it never shrinks; flat means no leak). */
export declare function wasmMemoryBytes(): number;
