// SafeWebSocket: a drop-in for the DOM WebSocket (an EventTarget with the same
// properties, constants, `on*` handlers and events) over core's sans-IO
// reconnecting machine, `SafeMachine` from the wasm module (wasm/src/safe_socket.rs).
// The machine decides everything (phases, queue, backoff, heartbeat, who closed);
// this file only carries its actions out on real sockets and one timer, and
// reports the sockets' events back. Messages stay here, in `#data`: the machine
// sees an id and a byte length.

const READY_STATES = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 };
const SEND_RESULTS = [false, 'sent', 'queued']; // the machine's 3, 4, 5 are all false
const DROP_REASONS = ['queue-full', 'closed', 'transport-closing'];
const INITIATORS = ['local', 'remote', 'transport'];
const STATES = ['idle', 'connecting', 'open', 'closing', 'reconnecting', 'closed-local', 'closed-remote', 'closed-transport'];
const DROP_POLICIES = ['drop-oldest', 'drop-newest', 'reject'];
const HEARTBEAT_ID = 0; // the machine's id for the heartbeat's ping
const now = () => performance.now();

/**
 * An event of the host's `Class` (`CloseEvent`, `MessageEvent`, `CustomEvent`), or
 * where the host lacks it (Node 20 has no CloseEvent) a plain `Event` with the
 * init fields on it; `extra` fields are added either way.
 */
function makeEvent(type, Class, init, extra) {
  let event;
  try {
    event = new globalThis[Class](type, init);
  } catch {
    event = Object.assign(new Event(type), init);
  }
  return Object.assign(event, extra);
}

/** Bytes `data` takes on the wire (UTF-8 for text), for the queue's limits. */
function byteLength(data) {
  if (typeof data !== 'string') return data.byteLength ?? data.size ?? 0;
  let n = data.length;
  for (let i = 0; i < data.length; i++) {
    const c = data.charCodeAt(i);
    // 2 bytes up to U+07FF, 3 above; a surrogate pair (2 units) is 4.
    if (c > 0x7f) n += c > 0x7ff && (c < 0xd800 || c > 0xdfff) ? 2 : 1;
  }
  return n;
}

/** A non-negative number option, or NaN (the machine's default) when not given. */
function number(value, name) {
  if (value === undefined) return NaN;
  if (typeof value !== 'number' || !(value >= 0)) throw new TypeError(`${name} must be a non-negative number`);
  return value;
}

/** `on` for `true`, its object for an object, undefined when off. */
const section = (on) => (on === true ? {} : on || undefined);

/**
 * The class over `SafeMachine` and `isSendableCloseCode` of one wasm module
 * (the browser entry's or the Node entry's).
 */
export function defineSafeWebSocket(SafeMachine, isSendableCloseCode) {
  // A Rust panic traps as a bare `RuntimeError: unreachable` (the browser module
  // has no panic hook: it would link Rust's formatting, +1.5 KB gzipped): say what it is.
  const proto = SafeMachine.prototype;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const method = proto[name];
    if (name === 'constructor' || typeof method !== 'function') continue;
    proto[name] = function (...args) {
      try {
        return method.apply(this, args);
      } catch (e) {
        if (!(e instanceof WebAssembly.RuntimeError)) throw e;
        throw new Error('wscore: internal error (a Rust panic; please report it)', { cause: e });
      }
    };
  }

  class CloseError extends Error {}
  CloseError.prototype.name = 'CloseError';

  // One message for every kind: the codes a browser may send are all that matter.
  function closeError(kind, code, reason) {
    const message = `close(${code}, ${byteLength(reason)} bytes): ${kind}; use 1000 or 3000-4999 and at most 123 bytes`;
    return Object.assign(new CloseError(message), { kind, code: code ?? null, reasonBytes: byteLength(reason) });
  }

  return class SafeWebSocket extends EventTarget {
    #m;
    #url;
    #protocols;
    #WebSocket;
    #binaryType = 'arraybuffer';
    #heartbeat;
    #ws = null; // the socket the machine holds, once created
    #sid = -1; // its id
    #data = new Map(); // message id -> the application's value
    #nextId = 1;
    #timer;
    #due = -1;
    #lastClose = null;
    #handlers = {};
    #first = true; // in the constructor: a bad string URL throws like `new WebSocket`

    /**
     * `url` and `protocols` as for `new WebSocket`, or functions returning them
     * (or promises of them), called before each attempt. Options: index.d.ts.
     */
    constructor(url, protocols, options = {}) {
      super();
      this.#url = url;
      this.#protocols = protocols ?? undefined;
      this.#WebSocket = options.WebSocket ?? globalThis.WebSocket;
      if (typeof this.#WebSocket !== 'function') throw new TypeError('no WebSocket class: pass options.WebSocket');
      if (options.binaryType !== undefined) {
        if (options.binaryType !== 'blob' && options.binaryType !== 'arraybuffer') throw new TypeError('bad binaryType');
        this.#binaryType = options.binaryType;
      }
      const reconnect = section(options.reconnect);
      const heartbeat = (this.#heartbeat = section(options.heartbeat));
      const queue = options.queue ?? {};
      const policy = queue.dropPolicy === undefined ? NaN : DROP_POLICIES.indexOf(queue.dropPolicy);
      if (policy < 0) throw new TypeError('bad dropPolicy');
      const stopCodes = reconnect?.stopCodes;
      if (stopCodes !== undefined && !(Array.isArray(stopCodes) && stopCodes.every((c) => c === (c & 0xffff)))) throw new TypeError('bad stopCodes');
      if (heartbeat && typeof (heartbeat.message ?? '') !== 'string') throw new TypeError('bad heartbeat.message');
      // The order of the constants in wasm/src/safe_socket.rs; NaN is "the default".
      this.#m = new SafeMachine(new Float64Array([
        reconnect ? 1 : 0, number(reconnect?.initialDelayMs, 'initialDelayMs'), number(reconnect?.maxDelayMs, 'maxDelayMs'),
        number(reconnect?.maxRetries, 'maxRetries'), number(reconnect?.minUptimeMs, 'minUptimeMs'),
        heartbeat ? 1 : 0, number(heartbeat?.intervalMs, 'intervalMs'), number(heartbeat?.timeoutMs, 'timeoutMs'),
        number(queue.maxMessages, 'maxMessages'), number(queue.maxBytes, 'maxBytes'), number(options.highWaterMark, 'highWaterMark'),
        policy, number(options.connectionTimeoutMs, 'connectionTimeoutMs'), number(options.closeTimeoutMs, 'closeTimeoutMs'),
        options.startClosed ? 1 : 0, stopCodes ? stopCodes.length : NaN, ...(stopCodes ?? []),
      ]), Math.random() * 2 ** 52);
      this.#run();
      this.#first = false;
    }

    // ---- The WebSocket interface ----

    /** Sends now, queues, or refuses: 'sent', 'queued' or false. Never throws. */
    send(data) {
      const m = this.#m;
      if (!m) return false;
      if (typeof data !== 'string' && (typeof data !== 'object' || data === null)) data = String(data);
      // The peer's close frame is in (CLOSING before our close event): queue for the next socket.
      if (this.#ws?.readyState === 2 && m.readyState() === 1) m.closing(this.#sid, now());
      const id = this.#id();
      this.#data.set(id, data);
      const result = m.send(id, byteLength(data), now(), this.#ws?.bufferedAmount ?? 0);
      if (result > 3) this.#data.delete(id); // rejected or refused: nothing will mention it
      this.#run();
      return SEND_RESULTS[result] ?? false;
    }

    /** Closes with `code` and `reason`; a CloseError (returned, never thrown) when refused. */
    close(code, reason) {
      return this.#close(code, reason, 'close');
    }

    /**
     * Opens a fresh socket whatever happened before (after close(), a stop code,
     * given-up retries, or startClosed). A live one is closed first with `code`
     * and `reason` (default 1000 "reconnect"); never two are live.
     */
    reconnect(code, reason) {
      return this.#close(code, reason, 'reconnect');
    }

    /** Frees the wasm side; the socket is closed and no event fires afterwards. */
    free() {
      if (!this.#m) return;
      this.#forget();
      clearTimeout(this.#timer);
      this.#m.free();
      this.#m = null;
      this.#data.clear();
    }

    get readyState() {
      return this.#m ? this.#m.readyState() : 3;
    }
    get url() {
      return this.#ws?.url ?? (typeof this.#url === 'function' ? '' : String(this.#url));
    }
    get protocol() {
      return this.#ws?.protocol ?? '';
    }
    get extensions() {
      return this.#ws?.extensions ?? '';
    }
    /** The socket's bufferedAmount plus the bytes queued here. */
    get bufferedAmount() {
      return (this.#ws?.bufferedAmount ?? 0) + (this.#m?.stat(8) ?? 0);
    }
    get binaryType() {
      return this.#binaryType;
    }
    set binaryType(value) {
      if (value !== 'blob' && value !== 'arraybuffer') return; // ignored, like the native one
      this.#binaryType = value;
      if (this.#ws) this.#ws.binaryType = value;
    }

    // ---- What the native socket lacks ----

    /** The phase, and after the final close who closed: see SafeState. */
    get state() {
      return this.#m ? STATES[this.#m.state()] : 'closed-local';
    }
    /** The last close: the same code and reason as its close event. */
    get lastClose() {
      return this.#lastClose && { ...this.#lastClose };
    }
    get stats() {
      const m = this.#m;
      const s = (i) => (m ? m.stat(i) : 0);
      return {
        sent: s(0), queued: s(1), dropped: s(2), rejected: s(3), afterClose: s(4),
        opens: s(5), reconnects: s(6), queueLength: s(7),
      };
    }

    // ---- Plumbing ----

    #id() {
      const id = this.#nextId;
      this.#nextId = id >= 0xfffffffe ? 1 : id + 1;
      return id;
    }

    #close(code, reason = '', call) {
      const m = this.#m;
      if (!m) return undefined;
      reason = String(reason);
      if (code !== undefined && !(Number.isInteger(code) && code >= 0 && code <= 0xffff)) {
        return closeError('invalid-code', code, reason);
      }
      const refused = m[call](code ?? -1, reason, now());
      this.#run();
      if (!refused) return undefined;
      const kind = refused === 1
        ? (isSendableCloseCode(code) ? 'code-not-allowed-in-browser' : 'invalid-code')
        : refused === 2 ? 'reason-too-long' : 'reason-without-code';
      return closeError(kind, code, reason);
    }

    /** Carries out the machine's actions, in order, then sets the timer. */
    #run() {
      const m = this.#m;
      if (!m) return;
      for (let kind; (kind = m.poll()); ) {
        const [a, b, c] = [m.arg(0), m.arg(1), m.arg(2)];
        switch (kind) {
          case 1: this.#open(a); break;
          case 2: this.#send(a, b); break;
          case 3: this.#send(a, HEARTBEAT_ID); break;
          case 4: try { b ? this.#ws?.close(b, m.reason()) : this.#ws?.close(); } catch {} break;
          case 5: this.#forget(); break;
          case 6: this.dispatchEvent(new Event('open')); break;
          case 7: this.dispatchEvent(makeEvent('message', 'MessageEvent', { data: this.#data.get(a), origin: this.#origin() })); break;
          case 8: this.dispatchEvent(new Event('error')); break;
          case 9: this.dispatchEvent(makeEvent('reconnecting', 'CustomEvent', { detail: { attempt: a, delayMs: b } })); break;
          case 10: {
            const data = this.#data.get(a);
            this.#data.delete(a);
            this.dispatchEvent(makeEvent('drop', 'CustomEvent', { detail: { data, reason: DROP_REASONS[b] } }));
            break;
          }
          case 11: {
            const close = { code: a, reason: m.reason(), wasClean: !!(c & 1) };
            this.#lastClose = { ...close, initiator: INITIATORS[b] };
            this.dispatchEvent(makeEvent('close', 'CloseEvent', close, { initiator: INITIATORS[b], willReconnect: !!(c & 2) }));
            break;
          }
        }
        if (!this.#m) return; // freed by a listener
      }
      const due = m.deadline();
      if (due !== this.#due) {
        clearTimeout(this.#timer);
        this.#due = due;
        if (due >= 0) this.#timer = setTimeout(() => this.#fire(), Math.max(0, due - now()));
      }
    }

    #fire() {
      this.#due = -1;
      this.#m?.timeout(now(), this.#ws?.bufferedAmount ?? 0);
      this.#run();
    }

    #origin() {
      try {
        return new URL(this.url).origin;
      } catch {
        return '';
      }
    }

    /** OpenSocket: resolve the URL and protocols (maybe async), then create the socket. */
    #open(sid) {
      const resolve = (v) => (typeof v === 'function' ? v() : v);
      let url;
      let protocols;
      try {
        url = resolve(this.#url);
        protocols = resolve(this.#protocols);
      } catch (e) {
        return this.#failed(sid, e);
      }
      if (url?.then || protocols?.then) {
        Promise.all([url, protocols]).then(([u, p]) => this.#create(sid, u, p), (e) => this.#failed(sid, e));
      } else {
        this.#create(sid, url, protocols);
      }
    }

    #create(sid, url, protocols) {
      const m = this.#m;
      if (!m?.started(sid, now())) return; // forgotten meanwhile (closed, freed)
      let ws;
      try {
        ws = protocols === undefined ? new this.#WebSocket(url) : new this.#WebSocket(url, protocols);
      } catch (e) {
        return this.#failed(sid, e);
      }
      ws.binaryType = this.#binaryType;
      const pong = this.#heartbeat?.pong;
      const input = (fn) => (e) => {
        if (this.#m && this.#sid === sid) {
          fn(this.#m, e);
          this.#run();
        }
      };
      ws.onopen = input((m) => m.opened(sid, now()));
      ws.onerror = input((m) => m.error(sid));
      ws.onclose = input((m, e) => m.closed(sid, e.code, String(e.reason ?? ''), !!e.wasClean, now()));
      ws.onmessage = input((m, e) => {
        const id = this.#id();
        this.#data.set(id, e.data);
        m.message(sid, id, pong !== undefined && e.data === pong);
        this.#run();
        this.#data.delete(id); // delivered (or swallowed) by now
      });
      this.#ws = ws;
      this.#sid = sid;
    }

    /** The URL, the protocols or the constructor failed: a failed attempt (1006). */
    #failed(sid, error) {
      if (this.#first && typeof this.#url !== 'function') throw error;
      this.#m?.closed(sid, 1006, '', false, now());
      this.#run();
    }

    /** Send (or the heartbeat's Ping): only on an OPEN socket, else handed back. */
    #send(sid, id) {
      const ws = this.#ws;
      const data = id === HEARTBEAT_ID ? (this.#heartbeat.message ?? 'ping') : this.#data.get(id);
      try {
        if (this.#sid === sid && ws?.readyState === 1) {
          ws.send(data);
          this.#data.delete(id);
          return;
        }
      } catch {}
      if (id !== HEARTBEAT_ID) this.#m.unsent(sid, id, now());
    }

    /** ForgetSocket: no more of its events; closed if still connecting or open. */
    #forget() {
      const ws = this.#ws;
      this.#ws = null;
      this.#sid = -1;
      if (!ws) return;
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        if (ws.readyState < 2) ws.close();
      } catch {}
    }

    static {
      Object.assign(this, READY_STATES);
      Object.assign(this.prototype, READY_STATES);
      // The `on*` handler properties of WebSocket: one listener each, replaced on assignment.
      for (const type of ['open', 'message', 'close', 'error']) {
        Object.defineProperty(this.prototype, `on${type}`, {
          get() {
            return this.#handlers[type] ?? null;
          },
          set(fn) {
            if (this.#handlers[type]) this.removeEventListener(type, this.#handlers[type]);
            this.#handlers[type] = typeof fn === 'function' ? fn : null;
            if (this.#handlers[type]) this.addEventListener(type, this.#handlers[type]);
          },
          configurable: true,
        });
      }
    }
  };
}
