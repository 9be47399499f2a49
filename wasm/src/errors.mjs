// The error classes wscore throws in JavaScript; the same hierarchy as Python's
// wscore exceptions. Rust builds them through the factories at the bottom.

export class WebSocketError extends Error {
  constructor(message) {
    super(message);
    this.name = new.target.name;
  }
}

// Sending after a close: who closed ("local", "remote", "protocol_error",
// "transport"), with which code and reason. An expected outcome, not a bug.
export class ConnectionClosedError extends WebSocketError {
  constructor(code, reason, initiator) {
    const why = reason ? ` ${JSON.stringify(reason)}` : "";
    super(`connection closed by ${initiator} with code ${code}${why}`);
    this.code = code;
    this.reason = reason;
    this.initiator = initiator;
  }
  get closedByUs() {
    return this.initiator === "local" || this.initiator === "protocol_error";
  }
}

// close() with a code or reason RFC 6455 forbids; nothing was sent.
export class InvalidCloseArgumentsError extends WebSocketError {}

// A call that does not fit the connection's state (send before the handshake,
// accept without a request, a new message while a fragmented one is open).
export class InvalidStateError extends WebSocketError {}

// The opening handshake cannot start or failed (e.g. a bad URL); status is the HTTP status, if any.
export class HandshakeError extends WebSocketError {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

// A bug inside wscore (a Rust panic). Only the connection it happened on is failed.
export class InternalError extends WebSocketError {}

// sendTextBytes() with bytes that are not UTF-8: nothing was sent; validUpTo
// is the length of the valid prefix.
export class InvalidUtf8Error extends WebSocketError {
  constructor(validUpTo) {
    super(`text is not valid UTF-8 (the first ${validUpTo} bytes are)`);
    this.validUpTo = validUpTo;
  }
}

export function newInvalidUtf8Error(validUpTo) {
  return new InvalidUtf8Error(validUpTo);
}
export function newConnectionClosedError(code, reason, initiator) {
  return new ConnectionClosedError(code, reason, initiator);
}
export function newInvalidCloseArgumentsError(message) {
  return new InvalidCloseArgumentsError(message);
}
export function newInvalidStateError(message) {
  return new InvalidStateError(message);
}
export function newHandshakeError(message, status) {
  return new HandshakeError(message, status);
}
export function newInternalError(message) {
  return new InternalError(message);
}
export function errorClasses() {
  return {
    WebSocketError, ConnectionClosedError, InvalidCloseArgumentsError,
    InvalidStateError, HandshakeError, InternalError, InvalidUtf8Error,
  };
}
