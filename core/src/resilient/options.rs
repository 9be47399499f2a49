//! What a [`super::ResilientSocket`] can be told at construction, with the defaults.

use crate::send_queue::{DropPolicy, QueueLimits};
use crate::CloseCode;

use super::Millis;

/// The server's deliberate closes that end reconnecting by default: 1000 (normal:
/// "done, do not come back") and 1008 (policy violation: an auth or permission
/// refusal that a retry would only repeat). 1003 (unsupported data) is not in it:
/// it reports one bad message, and a fresh connection usually works. Set
/// [`ReconnectOptions::stop_codes`] to an empty list to reconnect after every close.
pub const DEFAULT_STOP_CODES: [CloseCode; 2] = [CloseCode::NORMAL, CloseCode::POLICY_VIOLATION];

/// The close code sent when a heartbeat goes unanswered.
pub const HEARTBEAT_CLOSE_CODE: CloseCode = CloseCode(4000);
/// The close reason sent when a heartbeat goes unanswered.
pub const HEARTBEAT_CLOSE_REASON: &str = "heartbeat timeout";
/// How often a queue held back by the high-water mark is retried: browsers have no
/// "drained" event for a socket.
pub const DRAIN_POLL: Millis = 20;

/// Reconnecting after a close that was not the application's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconnectOptions {
    /// The ceiling of the first delay; each failed attempt doubles it (default 500 ms).
    /// A delay is drawn uniformly below the ceiling ("full jitter").
    pub initial_delay: Millis,
    /// The largest ceiling (default 30 000 ms).
    pub max_delay: Millis,
    /// Failed attempts in a row before giving up; `None` (default) is unlimited.
    pub max_retries: Option<u32>,
    /// A connection that closes within this long of opening counts as a failed
    /// attempt: the backoff keeps growing (default 5 000 ms, as reconnecting-websocket).
    pub min_uptime: Millis,
    /// The server's clean-close codes after which we stay closed (default
    /// [`DEFAULT_STOP_CODES`]).
    pub stop_codes: Vec<CloseCode>,
}

impl Default for ReconnectOptions {
    fn default() -> Self {
        ReconnectOptions {
            initial_delay: 500,
            max_delay: 30_000,
            max_retries: None,
            min_uptime: 5_000,
            stop_codes: DEFAULT_STOP_CODES.to_vec(),
        }
    }
}

/// An application-level heartbeat (browsers expose no ping frames).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heartbeat {
    /// Text sent every `interval` (default "ping").
    pub message: String,
    /// A reply equal to this text is swallowed, not delivered. Any message counts
    /// as an answer.
    pub pong: Option<String>,
    /// Between pings (default 30 000 ms; at least 1).
    pub interval: Millis,
    /// Without any message this long after a ping, the socket is closed with
    /// [`HEARTBEAT_CLOSE_CODE`] and, if enabled, reconnected (default 10 000 ms).
    pub timeout: Millis,
}

impl Default for Heartbeat {
    fn default() -> Self {
        Heartbeat {
            message: "ping".into(),
            pong: None,
            interval: 30_000,
            timeout: 10_000,
        }
    }
}

/// Everything a [`super::ResilientSocket`] is configured with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResilientOptions {
    /// `None` (default): a close is final. `Some`: reconnect with backoff.
    pub reconnect: Option<ReconnectOptions>,
    /// `None` (default): no heartbeat.
    pub heartbeat: Option<Heartbeat>,
    /// Bounds of the send queue used while not open or over the high-water mark.
    pub limits: QueueLimits,
    /// What happens to a message that does not fit (default drop-oldest).
    pub drop_policy: DropPolicy,
    /// A socket not open this long after it was started is abandoned and counts
    /// as a failed attempt (default `None`: the transport's own timeout).
    pub connection_timeout: Option<Millis>,
    /// How long a close (ours, a heartbeat's, `reconnect()`'s, or one the peer
    /// began) may take before the socket is abandoned and reported closed
    /// uncleanly (default 1 000 ms).
    pub close_timeout: Millis,
    /// Do not open a socket until [`super::ResilientSocket::start`] or
    /// `reconnect` (default `false`). Sends before then are queued.
    pub start_closed: bool,
}

impl Default for ResilientOptions {
    fn default() -> Self {
        ResilientOptions {
            reconnect: None,
            heartbeat: None,
            limits: QueueLimits::default(),
            drop_policy: DropPolicy::default(),
            connection_timeout: None,
            close_timeout: 1_000,
            start_closed: false,
        }
    }
}
