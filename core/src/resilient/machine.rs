//! [`ResilientSocket`]: the state, the inputs, and the rules that turn them into actions.

use std::collections::VecDeque;

use crate::close::MAX_REASON_BYTES;
use crate::close_tracker::CloseTracker;
use crate::send_queue::{Enqueued, SendQueue};
use crate::{CloseCode, Initiator};

use super::backoff::{ceiling, Jitter};
use super::options::{ResilientOptions, DRAIN_POLL, HEARTBEAT_CLOSE_CODE, HEARTBEAT_CLOSE_REASON};
use super::types::{
    Action, CloseRefused, CloseReport, DropReason, Message, Phase, SendOutcome, SocketId,
    SocketPayload, Stats,
};
use super::Millis;

/// The socket the machine currently holds (at most one).
#[derive(Debug, Clone, Copy)]
struct Live {
    id: SocketId,
    /// The adapter created it (its URL is resolved).
    started: bool,
}

/// Deadlines; `None` is "not armed".
#[derive(Debug, Clone, Default)]
struct Timers {
    connect: Option<Millis>,
    close: Option<Millis>,
    pong: Option<Millis>,
    heartbeat: Option<Millis>,
    drain: Option<Millis>,
    reconnect: Option<Millis>,
}

/// A reconnecting WebSocket client's rules, sans IO. See the [module docs](super).
#[derive(Debug)]
pub struct ResilientSocket<P = Message> {
    opts: ResilientOptions,
    phase: Phase,
    socket: Option<Live>,
    next_id: u32,
    tracker: CloseTracker,
    queue: SendQueue<P>,
    /// Failed attempts since the last connection that lasted `min_uptime`.
    failures: u32,
    /// The application closed; nothing reopens until `reconnect()`.
    user_closed: bool,
    /// `reconnect()` waits for the current socket's close to open the next one.
    reopen: bool,
    opened_at: Option<Millis>,
    last_close: Option<CloseReport>,
    timers: Timers,
    jitter: Jitter,
    actions: VecDeque<Action<P>>,
    stats: Stats,
}

/// The application's close code and reason, checked the way a browser's
/// `WebSocket.close` would (plus a reason needs a code).
fn check_close(code: Option<CloseCode>, reason: &str) -> Result<(), CloseRefused> {
    match code {
        Some(c) if !c.is_allowed_in_browser() => return Err(CloseRefused::InvalidCode(c.0)),
        None if !reason.is_empty() => return Err(CloseRefused::ReasonWithoutCode),
        _ => {}
    }
    if reason.len() > MAX_REASON_BYTES {
        return Err(CloseRefused::ReasonTooLong(reason.len()));
    }
    Ok(())
}

fn due(deadline: &mut Option<Millis>, now: Millis) -> bool {
    if deadline.is_some_and(|t| t <= now) {
        *deadline = None;
        true
    } else {
        false
    }
}

impl<P: SocketPayload> ResilientSocket<P> {
    /// A machine with `options`; `seed` drives the backoff jitter (any value; the
    /// adapter draws one, e.g. from `Math.random()`). Unless `start_closed`, the
    /// first action is an [`Action::OpenSocket`].
    pub fn new(options: ResilientOptions, seed: u64) -> Self {
        let queue = SendQueue::new(options.limits, options.drop_policy);
        let start_closed = options.start_closed;
        let mut machine = ResilientSocket {
            opts: options,
            phase: Phase::Idle,
            socket: None,
            next_id: 0,
            tracker: CloseTracker::default(),
            queue,
            failures: 0,
            user_closed: false,
            reopen: false,
            opened_at: None,
            last_close: None,
            timers: Timers::default(),
            jitter: Jitter::new(seed),
            actions: VecDeque::new(),
            stats: Stats::default(),
        };
        if !start_closed {
            machine.open_socket();
        }
        machine
    }

    // ---- Outputs ----

    /// The next thing to do, in order.
    pub fn poll_action(&mut self) -> Option<Action<P>> {
        self.actions.pop_front()
    }

    /// When [`ResilientSocket::handle_timeout`] is next due, if any timer is armed.
    pub fn poll_timeout(&self) -> Option<Millis> {
        let t = &self.timers;
        let mut next = t.connect;
        for deadline in [t.close, t.pong, t.heartbeat, t.drain, t.reconnect] {
            next = match (next, deadline) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        next
    }

    // ---- Accessors ----

    /// The phase.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// `WebSocket.readyState`: 0 connecting (also while waiting to reconnect),
    /// 1 open, 2 closing, 3 closed (also before `start` with `start_closed`).
    pub fn ready_state(&self) -> u16 {
        match self.phase {
            Phase::Connecting | Phase::Reconnecting => 0,
            Phase::Open => 1,
            Phase::Closing => 2,
            Phase::Idle | Phase::Closed => 3,
        }
    }

    /// `idle`, `connecting`, `open`, `closing`, `reconnecting`, or after the final
    /// close `closed-local`, `closed-remote` or `closed-transport`.
    pub fn state_name(&self) -> &'static str {
        match self.phase {
            Phase::Idle => "idle",
            Phase::Connecting => "connecting",
            Phase::Open => "open",
            Phase::Closing => "closing",
            Phase::Reconnecting => "reconnecting",
            Phase::Closed => match self.last_close.as_ref().map(|c| c.initiator) {
                Some(Initiator::Remote) => "closed-remote",
                Some(Initiator::Transport | Initiator::ProtocolError) => "closed-transport",
                _ => "closed-local",
            },
        }
    }

    /// The last socket's close, as its [`Action::Closed`] reported it.
    pub fn last_close(&self) -> Option<&CloseReport> {
        self.last_close.as_ref()
    }

    /// The counters.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Messages queued.
    pub fn queued_len(&self) -> usize {
        self.queue.len()
    }

    /// Bytes queued (add the socket's own `bufferedAmount` for the total).
    pub fn queued_bytes(&self) -> usize {
        self.queue.bytes()
    }

    /// The options it runs with.
    pub fn options(&self) -> &ResilientOptions {
        &self.opts
    }

    /// The socket it holds (asked for, connecting, open or closing), if any.
    pub fn socket(&self) -> Option<SocketId> {
        self.socket.map(|s| s.id)
    }

    // ---- The application's calls ----

    /// Starts a machine made with `start_closed` (no-op otherwise; after the final
    /// close use [`ResilientSocket::reconnect`]).
    pub fn start(&mut self) {
        if self.phase == Phase::Idle {
            self.open_socket();
        }
    }

    /// Sends `payload` now, queues it, or refuses it. `buffered` is the socket's own
    /// unsent bytes (`bufferedAmount`), for the high-water mark.
    pub fn send(&mut self, payload: P, now: Millis, buffered: usize) -> SendOutcome {
        let accepting = match self.phase {
            Phase::Idle | Phase::Connecting | Phase::Open => !self.user_closed,
            Phase::Closing | Phase::Reconnecting => {
                !self.user_closed && (self.reopen || self.opts.reconnect.is_some())
            }
            Phase::Closed => false,
        };
        if !accepting {
            self.stats.after_close += 1;
            return SendOutcome::Closed;
        }
        if let (Phase::Open, Some(live)) = (self.phase, self.socket) {
            if self.queue.can_send_now(buffered) {
                self.stats.sent += 1;
                self.actions.push_back(Action::Send {
                    socket: live.id,
                    payload,
                });
                return SendOutcome::Sent;
            }
        }
        let bytes = payload.byte_len();
        let (actions, stats) = (&mut self.actions, &mut self.stats);
        let enqueued = self.queue.push_reporting(payload, bytes, |old| {
            stats.dropped += 1;
            actions.push_back(Action::Drop {
                payload: old,
                why: DropReason::QueueFull,
            });
        });
        match enqueued {
            Enqueued::Dropped(new) => {
                self.drop_payload(new, DropReason::QueueFull);
                return SendOutcome::Dropped;
            }
            Enqueued::Rejected(_) => {
                self.stats.rejected += 1;
                return SendOutcome::Rejected;
            }
            _ => {}
        }
        self.stats.queued += 1;
        if self.phase == Phase::Open && self.timers.drain.is_none() {
            self.timers.drain = Some(now.saturating_add(DRAIN_POLL));
        }
        SendOutcome::Queued
    }

    /// The application closes: with `code` (1000 or 3000–4999) and `reason`, or
    /// with neither. Nothing reopens until [`ResilientSocket::reconnect`]. A second
    /// call is a no-op; a refused code or reason changes nothing.
    pub fn close(
        &mut self,
        code: Option<CloseCode>,
        reason: &str,
        now: Millis,
    ) -> Result<(), CloseRefused> {
        check_close(code, reason)?;
        match self.phase {
            Phase::Closed => {}
            Phase::Closing => {
                // Already closing (heartbeat, reconnect() or the peer): that close
                // stands, it just becomes final.
                self.user_closed = true;
                self.reopen = false;
            }
            Phase::Idle | Phase::Reconnecting => {
                self.user_closed = true;
                self.tracker.reset();
                let _ = self.tracker.request(code, reason);
                let info = self.tracker.transport_closed(0, "", true);
                self.finish(info.code, info.reason, info.initiator, true);
            }
            Phase::Connecting | Phase::Open => {
                self.user_closed = true;
                let _ = self.tracker.request(code, reason);
                self.begin_close(code, reason, now);
            }
        }
        Ok(())
    }

    /// Opens a fresh socket whatever happened before (after `close()`, a stop code
    /// or exhausted retries too), without backoff. A live socket is closed first
    /// (with `code` and `reason`, by default 1000 "reconnect") and the next one is
    /// asked for once it reported its close, or after `close_timeout`.
    pub fn reconnect(
        &mut self,
        code: Option<CloseCode>,
        reason: &str,
        now: Millis,
    ) -> Result<(), CloseRefused> {
        check_close(code, reason)?;
        let (code, reason) = match code {
            Some(code) => (code, reason),
            None => (CloseCode::NORMAL, "reconnect"),
        };
        self.user_closed = false;
        self.failures = 0;
        self.timers.reconnect = None;
        self.stats.reconnects += 1;
        match self.phase {
            Phase::Idle | Phase::Closed | Phase::Reconnecting => self.open_socket(),
            Phase::Closing => {
                self.reopen = true;
            }
            Phase::Connecting | Phase::Open => {
                self.reopen = true;
                self.tracker.reset();
                let _ = self.tracker.request(Some(code), reason);
                self.begin_close(Some(code), reason, now);
            }
        }
        Ok(())
    }

    // ---- The transport's events ----

    /// The adapter is about to create `socket` (its URL is resolved). `false`: the
    /// machine no longer wants it (forgotten meanwhile); do not create it.
    pub fn started(&mut self, socket: SocketId, now: Millis) -> bool {
        match &mut self.socket {
            Some(live) if live.id == socket && self.phase == Phase::Connecting => {
                live.started = true;
                self.timers.connect = self.opts.connection_timeout.map(|t| now.saturating_add(t));
                true
            }
            _ => false,
        }
    }

    /// `socket` opened.
    pub fn opened(&mut self, socket: SocketId, now: Millis) {
        let Some(live) = self.socket.as_mut().filter(|l| l.id == socket) else {
            return;
        };
        if self.phase != Phase::Connecting {
            return;
        }
        live.started = true; // it exists, whether or not `started` was called
        self.phase = Phase::Open;
        self.opened_at = Some(now);
        self.timers.connect = None;
        self.stats.opens += 1;
        if let Some(hb) = &self.opts.heartbeat {
            self.timers.heartbeat = Some(now.saturating_add(hb.interval.max(1)));
        }
        // Queued messages first: a send from the `open` handler goes after them.
        self.flush(now, 0);
        self.actions.push_back(Action::Opened);
    }

    /// `socket` received `payload`.
    pub fn message(&mut self, socket: SocketId, payload: P) {
        if !self.is_current(socket) || !matches!(self.phase, Phase::Open | Phase::Closing) {
            return;
        }
        self.timers.pong = None; // any message proves the peer is alive
        let pong = self
            .opts
            .heartbeat
            .as_ref()
            .and_then(|hb| hb.pong.as_deref());
        if pong.is_some_and(|pong| payload.is_text(pong)) {
            return;
        }
        self.actions.push_back(Action::Deliver(payload));
    }

    /// `socket` reported an error (its close follows).
    pub fn error(&mut self, socket: SocketId) {
        if self.is_current(socket) {
            self.actions.push_back(Action::Error);
        }
    }

    /// `socket` is closing on its own (the peer's close frame arrived: a browser's
    /// `readyState` is CLOSING before its `close` event). Sends are queued for the
    /// next socket (when one may follow) instead of handed to this one.
    pub fn closing(&mut self, socket: SocketId, now: Millis) {
        if self.is_current(socket) && self.phase == Phase::Open {
            self.enter_closing(now);
        }
    }

    /// A [`Action::Send`]'s payload could not be handed to `socket` (it was not
    /// open): it is reported dropped, and the socket treated as closing.
    pub fn unsent(&mut self, socket: SocketId, payload: P, now: Millis) {
        self.closing(socket, now);
        self.stats.dropped += 1;
        let drop = Action::Drop {
            payload,
            why: DropReason::TransportClosing,
        };
        // Never after the final close: nothing follows a pending one but drops,
        // so it is the last action; put this drop before it.
        let final_close =
            matches!(self.actions.back(), Some(Action::Closed(r)) if !r.will_reconnect);
        let closed = if final_close {
            self.actions.pop_back()
        } else {
            None
        };
        self.actions.push_back(drop);
        self.actions.extend(closed);
    }

    /// `socket` closed with `code`, `reason` and `was_clean` as the transport said
    /// (a socket that could not be created, or whose URL failed: 1006, unclean).
    pub fn closed(
        &mut self,
        socket: SocketId,
        code: u16,
        reason: &str,
        was_clean: bool,
        now: Millis,
    ) {
        if self.is_current(socket) {
            self.on_closed(code, reason, was_clean, now);
        }
    }

    /// Timers due at `now` fire (each at most once per call). `buffered` is the
    /// socket's `bufferedAmount`, for draining the queue.
    pub fn handle_timeout(&mut self, now: Millis, buffered: usize) {
        if due(&mut self.timers.close, now) && self.phase == Phase::Closing {
            // The close never came: give up on the socket.
            self.on_closed(CloseCode::ABNORMAL.0, "", false, now);
        }
        if due(&mut self.timers.connect, now) && self.phase == Phase::Connecting {
            self.tracker.fail(CloseCode::ABNORMAL, "connection timeout");
            self.on_closed(CloseCode::ABNORMAL.0, "", false, now);
        }
        if due(&mut self.timers.pong, now) && self.phase == Phase::Open {
            self.tracker
                .fail(HEARTBEAT_CLOSE_CODE, HEARTBEAT_CLOSE_REASON);
            self.begin_close(Some(HEARTBEAT_CLOSE_CODE), HEARTBEAT_CLOSE_REASON, now);
        }
        if due(&mut self.timers.heartbeat, now) && self.phase == Phase::Open {
            self.ping(now);
        }
        if due(&mut self.timers.drain, now) && self.phase == Phase::Open {
            self.flush(now, buffered);
        }
        if due(&mut self.timers.reconnect, now) && self.phase == Phase::Reconnecting {
            self.stats.reconnects += 1;
            self.open_socket();
        }
    }

    // ---- Rules ----

    fn is_current(&self, socket: SocketId) -> bool {
        self.socket.is_some_and(|live| live.id == socket)
    }

    fn open_socket(&mut self) {
        let id = SocketId(self.next_id);
        self.next_id = self.next_id.wrapping_add(1);
        self.socket = Some(Live { id, started: false });
        self.phase = Phase::Connecting;
        self.tracker.reset();
        self.opened_at = None;
        self.actions.push_back(Action::OpenSocket {
            socket: id,
            attempt: self.failures,
        });
    }

    /// Closes the live socket: asks the transport, or, if it was never created,
    /// ends it now.
    fn begin_close(&mut self, code: Option<CloseCode>, reason: &str, now: Millis) {
        let Some(live) = self.socket else { return };
        if !live.started {
            let info = self.tracker.transport_closed(0, "", true);
            self.on_closed(info.code.0, &info.reason, true, now);
            return;
        }
        self.actions.push_back(Action::CloseSocket {
            socket: live.id,
            code,
            reason: reason.to_owned(),
        });
        self.enter_closing(now);
    }

    fn enter_closing(&mut self, now: Millis) {
        self.phase = Phase::Closing;
        self.timers.heartbeat = None;
        self.timers.pong = None;
        self.timers.connect = None;
        self.timers.drain = None;
        if self.timers.close.is_none() {
            self.timers.close = Some(now.saturating_add(self.opts.close_timeout));
        }
    }

    fn ping(&mut self, now: Millis) {
        let (Some(hb), Some(live)) = (&self.opts.heartbeat, self.socket) else {
            return;
        };
        self.actions.push_back(Action::Ping {
            socket: live.id,
            payload: P::from_text(&hb.message),
        });
        if self.timers.pong.is_none() {
            self.timers.pong = Some(now.saturating_add(hb.timeout));
        }
        self.timers.heartbeat = Some(now.saturating_add(hb.interval.max(1)));
    }

    /// Hands queued messages to the open socket while it is under the high-water
    /// mark, counting what it was handed; polls again later if some remain.
    fn flush(&mut self, now: Millis, buffered: usize) {
        let Some(live) = self.socket else { return };
        let mut buffered = buffered;
        while let Some(payload) = self.queue.pop_sendable(buffered) {
            buffered = buffered.saturating_add(payload.byte_len());
            self.stats.sent += 1;
            self.actions.push_back(Action::Send {
                socket: live.id,
                payload,
            });
        }
        if !self.queue.is_empty() {
            self.timers.drain = Some(now.saturating_add(DRAIN_POLL));
        }
    }

    fn drop_payload(&mut self, payload: P, why: DropReason) {
        self.stats.dropped += 1;
        self.actions.push_back(Action::Drop { payload, why });
    }

    /// The live socket is gone (closed, failed, or abandoned): forget it, say who
    /// closed, and reopen now, later, or never.
    fn on_closed(&mut self, code: u16, reason: &str, was_clean: bool, now: Millis) {
        let Some(live) = self.socket.take() else {
            return;
        };
        self.actions
            .push_back(Action::ForgetSocket { socket: live.id });
        let lasted = self.opened_at.map(|t| now.saturating_sub(t));
        self.opened_at = None;
        self.timers = Timers::default();
        let info = self.tracker.transport_closed(code, reason, was_clean);
        let (code, reason, initiator) = (info.code, info.reason, info.initiator);
        if std::mem::take(&mut self.reopen) {
            self.report(code, reason, initiator, was_clean, true);
            self.open_socket();
            return;
        }
        let policy = match &self.opts.reconnect {
            Some(policy) if !self.user_closed => policy,
            _ => return self.finish(code, reason, initiator, was_clean),
        };
        if lasted.is_some_and(|t| t >= policy.min_uptime) {
            self.failures = 0;
        }
        let stop = (initiator == Initiator::Remote && policy.stop_codes.contains(&code))
            || policy.max_retries.is_some_and(|max| self.failures >= max);
        if stop {
            return self.finish(code, reason, initiator, was_clean);
        }
        self.failures = self.failures.saturating_add(1);
        let ceiling = ceiling(policy.initial_delay, policy.max_delay, self.failures);
        let delay = self.jitter.below(ceiling);
        self.phase = Phase::Reconnecting;
        self.timers.reconnect = Some(now.saturating_add(delay));
        self.report(code, reason, initiator, was_clean, true);
        self.actions.push_back(Action::Reconnecting {
            attempt: self.failures,
            delay,
        });
    }

    /// The final close: what is still queued is dropped first, then the one
    /// `Closed` with `will_reconnect: false`.
    fn finish(&mut self, code: CloseCode, reason: String, initiator: Initiator, was_clean: bool) {
        self.phase = Phase::Closed;
        self.reopen = false;
        self.timers = Timers::default();
        while let Some(payload) = self.queue.pop_oldest() {
            self.drop_payload(payload, DropReason::Closed);
        }
        self.report(code, reason, initiator, was_clean, false);
    }

    fn report(
        &mut self,
        code: CloseCode,
        reason: String,
        initiator: Initiator,
        was_clean: bool,
        will_reconnect: bool,
    ) {
        let report = CloseReport {
            code,
            reason,
            initiator,
            was_clean,
            will_reconnect,
        };
        self.last_close = Some(report.clone());
        self.actions.push_back(Action::Closed(report));
    }
}
