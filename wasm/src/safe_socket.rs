//! `SafeWebSocket`'s wasm half: core's sans-IO [`ResilientSocket`] (phases,
//! backoff, heartbeat, send queue, who closed) behind a numbers-only interface.
//! The JS class (wasm/npm/safe_socket.js) owns the sockets, the one timer and
//! the messages themselves, and translates the actions polled here to the DOM;
//! the machine only sees message handles. Numbers and two strings cross the
//! boundary, nothing else: every JS object or closure would cost glue and bytes
//! in the browser entry (issue 18: the whole entry within 12 KB gzipped).

#[cfg(feature = "codec")]
use wasm_bindgen::prelude::*;
use wscore::binding::{DropPolicy, QueueLimits};
use wscore::resilient::{
    Action, CloseRefused, Heartbeat, Phase, ReconnectOptions, ResilientOptions, ResilientSocket,
    SendOutcome, SocketId, SocketPayload,
};
use wscore::{CloseCode, Initiator};

/// A message as the machine sees it: the JS side keeps the value under `id`
/// (0 is the heartbeat's ping) and has already compared it with the pong text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handle {
    id: u32,
    len: u32,
    pong: bool,
}

impl SocketPayload for Handle {
    fn byte_len(&self) -> usize {
        self.len as usize
    }
    fn from_text(_: &str) -> Self {
        Handle {
            id: 0,
            len: 0,
            pong: false,
        }
    }
    fn is_text(&self, _: &str) -> bool {
        self.pong
    }
}

/// Milliseconds from JS (`performance.now()`); NaN and negatives are 0.
fn ms(n: f64) -> u64 {
    n as u64
}

/// An optional number from JS: NaN (`undefined`) or negative is "not given".
fn given(n: f64) -> Option<f64> {
    (n >= 0.0).then_some(n)
}

fn refusal(result: Result<(), CloseRefused>) -> u32 {
    match result {
        Ok(()) => 0,
        Err(CloseRefused::InvalidCode(_)) => 1,
        Err(CloseRefused::ReasonTooLong(_)) => 2,
        Err(CloseRefused::ReasonWithoutCode) => 3,
    }
}

/// The options in the order `SafeMachine::new` reads them (safe_socket.js writes them).
const RECONNECT: usize = 0;
const INITIAL_DELAY: usize = 1;
const MAX_DELAY: usize = 2;
const MAX_RETRIES: usize = 3;
const MIN_UPTIME: usize = 4;
const HEARTBEAT: usize = 5;
const INTERVAL: usize = 6;
const TIMEOUT: usize = 7;
const MAX_MESSAGES: usize = 8;
const MAX_BYTES: usize = 9;
const HIGH_WATER_MARK: usize = 10;
const DROP_POLICY: usize = 11;
const CONNECTION_TIMEOUT: usize = 12;
const CLOSE_TIMEOUT: usize = 13;
const START_CLOSED: usize = 14;
/// How many stop codes follow (NaN: core's default, 1000 and 1008).
const STOP_CODES: usize = 15;

fn options(o: &[f64]) -> ResilientOptions {
    let at = |i: usize| given(o.get(i).copied().unwrap_or(f64::NAN));
    let or = |i: usize, default: u64| at(i).map_or(default, ms);
    let defaults = ResilientOptions::default();
    let reconnect = at(RECONNECT).filter(|&on| on > 0.0).map(|_| {
        let d = ReconnectOptions::default();
        ReconnectOptions {
            initial_delay: or(INITIAL_DELAY, d.initial_delay),
            max_delay: or(MAX_DELAY, d.max_delay),
            max_retries: at(MAX_RETRIES).map(|n| n as u32),
            min_uptime: or(MIN_UPTIME, d.min_uptime),
            stop_codes: match at(STOP_CODES) {
                Some(n) => o
                    .iter()
                    .skip(STOP_CODES + 1)
                    .take(n as usize)
                    .map(|&c| CloseCode(c as u16))
                    .collect(),
                None => d.stop_codes,
            },
        }
    });
    let heartbeat = at(HEARTBEAT).filter(|&on| on > 0.0).map(|_| {
        let d = Heartbeat::default();
        Heartbeat {
            // The JS side sends the message and recognises the pong (`Handle`).
            message: String::new(),
            pong: Some(String::new()),
            interval: or(INTERVAL, d.interval),
            timeout: or(TIMEOUT, d.timeout),
        }
    });
    let limits = defaults.limits;
    let count = |i: usize, default: usize| at(i).map_or(default, |n| n as usize);
    ResilientOptions {
        reconnect,
        heartbeat,
        limits: QueueLimits {
            max_messages: count(MAX_MESSAGES, limits.max_messages),
            max_bytes: count(MAX_BYTES, limits.max_bytes),
            high_water_mark: count(HIGH_WATER_MARK, limits.high_water_mark),
        },
        drop_policy: match at(DROP_POLICY).map(|n| n as u32) {
            Some(1) => DropPolicy::DropNewest,
            Some(2) => DropPolicy::Reject,
            Some(_) => DropPolicy::DropOldest,
            None => defaults.drop_policy,
        },
        connection_timeout: at(CONNECTION_TIMEOUT).map(ms),
        close_timeout: or(CLOSE_TIMEOUT, defaults.close_timeout),
        start_closed: at(START_CLOSED).is_some_and(|on| on > 0.0),
    }
}

/// The machine, and the fields of the action last polled (read with `arg`/`reason`).
#[cfg_attr(feature = "codec", wasm_bindgen)]
pub struct SafeMachine {
    m: ResilientSocket<Handle>,
    args: [u32; 3],
    reason: String,
}

#[cfg_attr(feature = "codec", wasm_bindgen)]
impl SafeMachine {
    /// A machine; `o` holds the options in the order of the constants above
    /// (NaN: the default), then the stop codes; `seed` seeds the backoff jitter.
    #[cfg_attr(feature = "codec", wasm_bindgen(constructor))]
    pub fn new(o: &[f64], seed: f64) -> SafeMachine {
        // The Node module's hook logs a panic's message. The browser entry has
        // none (a hook links Rust's formatting: +1.5 KB gzipped); safe_socket.js
        // turns the trap into a readable error there.
        #[cfg(feature = "codec")]
        crate::errors::install_panic_hook();
        SafeMachine {
            m: ResilientSocket::new(options(o), seed as u64),
            args: [0; 3],
            reason: String::new(),
        }
    }

    /// The next action's kind, 0 when there is none; its fields are then
    /// `arg(0..3)` and `reason()`:
    /// 1 OpenSocket (socket, attempt), 2 Send (socket, id), 3 Ping (socket),
    /// 4 CloseSocket (socket, code or 0, reason), 5 ForgetSocket (socket),
    /// 6 Opened, 7 Deliver (id), 8 Error, 9 Reconnecting (attempt, delay ms),
    /// 10 Drop (id, 0 queue-full / 1 closed / 2 transport-closing),
    /// 11 Closed (code, 0 local / 1 remote / 2 transport, wasClean + 2 willReconnect; reason).
    pub fn poll(&mut self) -> u32 {
        let Some(action) = self.m.poll_action() else {
            return 0;
        };
        self.reason.clear();
        let (kind, args) = match action {
            Action::OpenSocket { socket, attempt } => (1, [socket.0, attempt, 0]),
            Action::Send { socket, payload } => (2, [socket.0, payload.id, 0]),
            Action::Ping { socket, .. } => (3, [socket.0, 0, 0]),
            Action::CloseSocket {
                socket,
                code,
                reason,
            } => {
                self.reason = reason;
                (4, [socket.0, code.map_or(0, |c| u32::from(c.0)), 0])
            }
            Action::ForgetSocket { socket } => (5, [socket.0, 0, 0]),
            Action::Opened => (6, [0; 3]),
            Action::Deliver(payload) => (7, [payload.id, 0, 0]),
            Action::Error => (8, [0; 3]),
            Action::Reconnecting { attempt, delay } => {
                (9, [attempt, u32::try_from(delay).unwrap_or(u32::MAX), 0])
            }
            Action::Drop { payload, why } => (10, [payload.id, why as u32, 0]),
            Action::Closed(report) => {
                self.reason = report.reason;
                let initiator = match report.initiator {
                    Initiator::Local => 0,
                    Initiator::Remote => 1,
                    _ => 2,
                };
                let flags = u32::from(report.was_clean) | u32::from(report.will_reconnect) << 1;
                (11, [u32::from(report.code.0), initiator, flags])
            }
        };
        self.args = args;
        kind
    }

    /// Field `i` of the action last polled.
    pub fn arg(&self, i: usize) -> u32 {
        self.args.get(i).copied().unwrap_or(0)
    }

    /// The reason of the action last polled (CloseSocket, Closed).
    #[cfg(any(feature = "codec", test))]
    pub fn reason(&self) -> String {
        self.reason.clone()
    }

    /// The reason, borrowed (the browser entry reads it from linear memory).
    #[cfg(not(feature = "codec"))]
    pub(crate) fn reason_str(&self) -> &str {
        &self.reason
    }

    /// When `timeout` is next due (in `now`'s milliseconds), or -1.
    pub fn deadline(&self) -> f64 {
        self.m.poll_timeout().map_or(-1.0, |t| t as f64)
    }

    /// 0 connecting (also waiting to reconnect), 1 open, 2 closing, 3 closed.
    #[cfg_attr(feature = "codec", wasm_bindgen(js_name = readyState))]
    pub fn ready_state(&self) -> u16 {
        self.m.ready_state()
    }

    /// The state's index in safe_socket.js's STATES: idle, connecting, open,
    /// closing, reconnecting, closed-local, closed-remote, closed-transport.
    pub fn state(&self) -> u32 {
        match self.m.phase() {
            Phase::Idle => 0,
            Phase::Connecting => 1,
            Phase::Open => 2,
            Phase::Closing => 3,
            Phase::Reconnecting => 4,
            Phase::Closed => match self.m.last_close().map(|c| c.initiator) {
                Some(Initiator::Remote) => 6,
                Some(Initiator::Transport | Initiator::ProtocolError) => 7,
                _ => 5,
            },
        }
    }

    /// Counter `i`: sent, queued, dropped, rejected, afterClose, opens,
    /// reconnects, then the queue's length and bytes.
    pub fn stat(&self, i: u32) -> f64 {
        let s = self.m.stats();
        let n = match i {
            0 => s.sent,
            1 => s.queued,
            2 => s.dropped,
            3 => s.rejected,
            4 => s.after_close,
            5 => s.opens,
            6 => s.reconnects,
            7 => self.m.queued_len() as u64,
            _ => self.m.queued_bytes() as u64,
        };
        n as f64
    }

    /// Message `id` of `len` bytes from the application: 1 sent, 2 queued,
    /// 3 dropped (a Drop follows), 4 rejected, 5 refused after close.
    pub fn send(&mut self, id: u32, len: u32, now: f64, buffered: f64) -> u32 {
        let handle = Handle {
            id,
            len,
            pong: false,
        };
        match self.m.send(handle, ms(now), buffered as usize) {
            SendOutcome::Sent => 1,
            SendOutcome::Queued => 2,
            SendOutcome::Dropped => 3,
            SendOutcome::Rejected => 4,
            SendOutcome::Closed => 5,
        }
    }

    /// The application's close (`code` -1: none): 0, or why it was refused
    /// (1 code, 2 reason too long, 3 reason without code).
    pub fn close(&mut self, code: i32, reason: &str, now: f64) -> u32 {
        let code = u16::try_from(code).ok().map(CloseCode);
        refusal(self.m.close(code, reason, ms(now)))
    }

    /// The application's `reconnect(code, reason)`, answered as `close`.
    pub fn reconnect(&mut self, code: i32, reason: &str, now: f64) -> u32 {
        let code = u16::try_from(code).ok().map(CloseCode);
        refusal(self.m.reconnect(code, reason, ms(now)))
    }

    /// Whether to create socket `s` now that its URL is resolved.
    pub fn started(&mut self, s: u32, now: f64) -> bool {
        self.m.started(SocketId(s), ms(now))
    }

    /// Socket `s` opened.
    pub fn opened(&mut self, s: u32, now: f64) {
        self.m.opened(SocketId(s), ms(now))
    }

    /// Socket `s` received message `id`; `pong`: it is the heartbeat's pong text.
    pub fn message(&mut self, s: u32, id: u32, pong: bool) {
        let handle = Handle { id, len: 0, pong };
        self.m.message(SocketId(s), handle)
    }

    /// Socket `s` reported an error.
    pub fn error(&mut self, s: u32) {
        self.m.error(SocketId(s))
    }

    /// Socket `s` is closing on its own (its readyState is CLOSING).
    pub fn closing(&mut self, s: u32, now: f64) {
        self.m.closing(SocketId(s), ms(now))
    }

    /// Message `id` of a Send could not be handed to socket `s`.
    pub fn unsent(&mut self, s: u32, id: u32, now: f64) {
        let handle = Handle {
            id,
            len: 0,
            pong: false,
        };
        self.m.unsent(SocketId(s), handle, ms(now))
    }

    /// Socket `s` closed (1006 and unclean when it could not even be created).
    pub fn closed(&mut self, s: u32, code: u16, reason: &str, clean: bool, now: f64) {
        self.m.closed(SocketId(s), code, reason, clean, ms(now))
    }

    /// The deadline passed; `buffered`: the socket's bufferedAmount.
    pub fn timeout(&mut self, now: f64, buffered: f64) {
        self.m.handle_timeout(ms(now), buffered as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_options_are_cores_defaults() {
        let o = options(&[f64::NAN; 16]);
        assert_eq!(o, ResilientOptions::default());
        let mut set = [f64::NAN; 18];
        set[RECONNECT] = 1.0;
        set[MAX_RETRIES] = 3.0;
        set[HEARTBEAT] = 1.0;
        set[CONNECTION_TIMEOUT] = 4000.0;
        set[DROP_POLICY] = 2.0;
        set[STOP_CODES] = 1.0;
        set[STOP_CODES + 1] = 4001.0;
        let o = options(&set);
        let r = o.reconnect.expect("reconnect on");
        assert_eq!(r.max_retries, Some(3));
        assert_eq!(r.stop_codes, vec![CloseCode(4001)]);
        assert_eq!(r.initial_delay, ReconnectOptions::default().initial_delay);
        assert_eq!(o.heartbeat.expect("heartbeat on").interval, 30_000);
        assert_eq!(o.connection_timeout, Some(4000));
        assert_eq!(o.drop_policy, DropPolicy::Reject);
    }

    #[test]
    fn actions_come_out_as_numbers() {
        let mut m = SafeMachine::new(&[1.0], 7.0);
        assert_eq!((m.poll(), m.arg(0), m.arg(1)), (1, 0, 0)); // OpenSocket 0, attempt 0
        assert_eq!(m.send(5, 3, 0.0, 0.0), 2); // queued while connecting
        assert!(m.started(0, 0.0));
        m.opened(0, 1.0);
        assert_eq!((m.poll(), m.arg(0), m.arg(1)), (2, 0, 5)); // Send id 5 on socket 0
        assert_eq!(m.poll(), 6); // Opened
        assert_eq!(m.close(1001, "", 2.0), 1); // not a code a browser may send
        assert_eq!(m.close(4000, "bye", 2.0), 0);
        assert_eq!(
            (m.poll(), m.arg(1), m.reason()),
            (4, 4000, "bye".to_owned())
        );
        m.closed(0, 4000, "bye", true, 3.0);
        assert_eq!(m.poll(), 5); // ForgetSocket
        assert_eq!((m.poll(), m.arg(0), m.arg(1), m.arg(2)), (11, 4000, 0, 1));
        assert_eq!((m.reason(), m.state()), ("bye".to_owned(), 5)); // closed-local
        assert_eq!(m.poll(), 0);
        assert_eq!(m.send(6, 1, 4.0, 0.0), 5);
    }
}
