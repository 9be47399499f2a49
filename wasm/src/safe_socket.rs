//! `SafeWebSocket`: the browser WebSocket with wscore's close semantics.
