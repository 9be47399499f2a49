//! Properties of `wscore::resilient::ResilientSocket` over random sequences of
//! transport events, timer expiries and application calls, driven the way an
//! adapter would: every action is carried out as soon as it is polled.

use proptest::prelude::*;
use wscore::binding::{DropPolicy, QueueLimits};
use wscore::resilient::{
    ceiling, Action, Heartbeat, Jitter, Message, Millis, ReconnectOptions, ResilientOptions,
    ResilientSocket, SendOutcome, SocketId,
};
use wscore::CloseCode;

#[derive(Debug, Clone)]
enum Op {
    Send,
    Close(Option<u16>),
    Reconnect(Option<u16>),
    Start,
    Advance(Millis),
    Started,
    Opened,
    Message(bool),
    Error,
    Closing,
    Closed(u16, bool),
    Stale,
}

fn op() -> impl Strategy<Value = Op> {
    let code = prop::option::of(prop::sample::select(vec![1000u16, 4000, 1001]));
    prop_oneof![
        4 => Just(Op::Send),
        1 => code.clone().prop_map(Op::Close),
        1 => code.prop_map(Op::Reconnect),
        1 => Just(Op::Start),
        4 => (0u64..1500).prop_map(Op::Advance),
        3 => Just(Op::Started),
        3 => Just(Op::Opened),
        1 => any::<bool>().prop_map(Op::Message),
        1 => Just(Op::Error),
        1 => Just(Op::Closing),
        3 => (prop::sample::select(vec![1000u16, 1001, 1006, 1008, 4001]), any::<bool>())
            .prop_map(|(c, clean)| Op::Closed(c, clean)),
        1 => Just(Op::Stale),
    ]
}

fn options() -> impl Strategy<Value = ResilientOptions> {
    let reconnect = prop::option::of(
        (
            0u64..300,
            0u64..2000,
            prop::option::of(0u32..4),
            0u64..500,
            any::<bool>(),
        )
            .prop_map(|(initial, max, retries, uptime, stop)| ReconnectOptions {
                initial_delay: initial,
                max_delay: max,
                max_retries: retries,
                min_uptime: uptime,
                stop_codes: if stop {
                    wscore::resilient::DEFAULT_STOP_CODES.to_vec()
                } else {
                    vec![]
                },
            }),
    );
    let heartbeat =
        prop::option::of(
            (1u64..400, 1u64..400).prop_map(|(interval, timeout)| Heartbeat {
                pong: Some("pong".into()),
                interval,
                timeout,
                ..Heartbeat::default()
            }),
        );
    let policy = prop::sample::select(vec![
        DropPolicy::DropOldest,
        DropPolicy::DropNewest,
        DropPolicy::Reject,
    ]);
    (
        reconnect,
        heartbeat,
        (1usize..6, 1usize..40, prop::option::of(1usize..20)),
        policy,
        prop::option::of(1u64..800),
        1u64..1000,
        any::<bool>(),
    )
        .prop_map(
            |(reconnect, heartbeat, (n, bytes, hwm), drop_policy, timeout, close, closed)| {
                ResilientOptions {
                    reconnect,
                    heartbeat,
                    limits: QueueLimits {
                        max_messages: n,
                        max_bytes: bytes,
                        high_water_mark: hwm.unwrap_or(usize::MAX),
                    },
                    drop_policy,
                    connection_timeout: timeout,
                    close_timeout: close,
                    start_closed: closed,
                }
            },
        )
}

/// Where each message the test sent ended up.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fate {
    /// `send` refused it (rejected or closed): it must never show up again.
    Refused,
    /// Accepted: exactly one Send or Drop must follow.
    Pending,
    Sent,
    Dropped,
}

/// A fake adapter that checks every rule as it carries actions out.
struct Harness {
    ws: ResilientSocket,
    opts: ResilientOptions,
    now: Millis,
    live: Option<SocketId>,
    transport_open: bool,
    forgotten: Vec<SocketId>,
    fates: Vec<Fate>,
    last_sent: Option<usize>,
    /// The final close was reported; nothing may follow until reconnect()/start().
    finished: bool,
    /// The application's close() holds: no socket may be asked for.
    user_closed: bool,
    /// reconnect() was called: a socket must be asked for by this time.
    open_due: Option<Millis>,
    /// The last `Closed` report: `lastClose` must say the same.
    last_report: Option<wscore::resilient::CloseReport>,
}

fn id_of(m: &Message) -> Option<usize> {
    match m {
        Message::Text(s) => s.strip_prefix('m').and_then(|n| n.parse().ok()),
        Message::Binary(_) => None,
    }
}

impl Harness {
    fn new(opts: ResilientOptions, seed: u64) -> Self {
        let ws = ResilientSocket::new(opts.clone(), seed);
        let mut h = Harness {
            ws,
            opts,
            now: 0,
            live: None,
            transport_open: false,
            forgotten: vec![],
            fates: vec![],
            last_sent: None,
            finished: false,
            user_closed: false,
            open_due: None,
            last_report: None,
        };
        h.pump();
        h
    }

    fn settle(&mut self, m: &Message, fate: Fate) {
        if let Some(i) = id_of(m) {
            assert_eq!(self.fates[i], Fate::Pending, "message m{i} settled twice");
            self.fates[i] = fate;
        }
    }

    /// Polls and carries out every action, checking the rules.
    fn pump(&mut self) {
        for _ in 0..10_000 {
            let Some(action) = self.ws.poll_action() else {
                return;
            };
            assert!(!self.finished, "{action:?} after the final close");
            match action {
                Action::OpenSocket { socket, attempt } => {
                    assert_eq!(self.live, None, "a second socket while one is live");
                    assert!(!self.user_closed, "reopened after the application's close");
                    if let Some(max) = self.opts.reconnect.as_ref().and_then(|r| r.max_retries) {
                        assert!(attempt <= max);
                    }
                    self.live = Some(socket);
                    self.transport_open = false;
                    self.open_due = None;
                }
                Action::ForgetSocket { socket } => {
                    assert_eq!(self.live, Some(socket));
                    self.forgotten.push(socket);
                    self.live = None;
                }
                Action::Send { socket, payload } => {
                    assert_eq!(self.live, Some(socket), "send to a socket not live");
                    if let Some(i) = id_of(&payload) {
                        assert!(self.last_sent < Some(i), "m{i} sent out of order");
                        self.last_sent = Some(i);
                    }
                    if self.transport_open {
                        self.settle(&payload, Fate::Sent);
                    } else {
                        // A real socket would refuse it: hand it back.
                        self.ws.unsent(socket, payload, self.now);
                    }
                }
                Action::Ping { socket, payload } => {
                    assert_eq!(self.live, Some(socket), "ping on a socket not live");
                    assert_eq!(id_of(&payload), None);
                }
                Action::CloseSocket { socket, code, .. } => {
                    assert_eq!(self.live, Some(socket));
                    assert!(code.is_none_or(|c| c.is_allowed_in_browser()));
                }
                Action::Drop { payload, .. } => self.settle(&payload, Fate::Dropped),
                Action::Reconnecting { attempt, delay } => {
                    let r = self.opts.reconnect.as_ref().expect("reconnect is enabled");
                    let ceil = ceiling(r.initial_delay, r.max_delay, attempt);
                    assert!(
                        delay < ceil || delay == 0,
                        "delay {delay} over ceiling {ceil}"
                    );
                    assert!(delay <= r.max_delay);
                    assert!(r.max_retries.is_none_or(|max| attempt <= max));
                }
                Action::Closed(report) => {
                    assert!(report.code.0 != 0);
                    self.last_report = Some(report.clone());
                    if !report.will_reconnect {
                        self.finished = true;
                    }
                }
                Action::Opened | Action::Deliver(_) | Action::Error => {}
            }
        }
        panic!("actions never ran out");
    }

    fn check_last_close(&self) {
        assert_eq!(self.ws.last_close(), self.last_report.as_ref());
    }

    fn apply(&mut self, op: Op) {
        let now = self.now;
        match op {
            Op::Send => {
                let i = self.fates.len();
                self.fates.push(Fate::Pending);
                let buffered = if self.transport_open { i % 25 } else { 0 };
                let outcome = self.ws.send(Message::Text(format!("m{i}")), now, buffered);
                match outcome {
                    SendOutcome::Rejected | SendOutcome::Closed => self.fates[i] = Fate::Refused,
                    SendOutcome::Sent | SendOutcome::Queued | SendOutcome::Dropped => {}
                }
            }
            Op::Close(code) => {
                if self.ws.close(code.map(CloseCode), "", now).is_ok() {
                    self.user_closed = true;
                    self.open_due = None;
                }
            }
            Op::Reconnect(code) => {
                if self.ws.reconnect(code.map(CloseCode), "", now).is_ok() {
                    self.finished = false;
                    self.user_closed = false;
                    self.open_due = Some(now + self.opts.close_timeout);
                }
            }
            Op::Start => {
                if self.ws.phase() == wscore::resilient::Phase::Idle {
                    self.finished = false;
                }
                self.ws.start();
            }
            Op::Advance(ms) => {
                self.now += ms;
                let buffered = if self.transport_open {
                    (self.now % 30) as usize
                } else {
                    0
                };
                self.ws.handle_timeout(self.now, buffered);
            }
            Op::Started => {
                if let Some(id) = self.live {
                    self.ws.started(id, now);
                }
            }
            Op::Opened => {
                if let Some(id) = self.live {
                    if self.ws.started(id, now)
                        || self.ws.phase() == wscore::resilient::Phase::Connecting
                    {
                        self.transport_open = true;
                    }
                    self.ws.opened(id, now);
                }
            }
            Op::Message(pong) => {
                if let Some(id) = self.live {
                    let text = if pong { "pong" } else { "hello" };
                    self.ws.message(id, Message::Text(text.into()));
                }
            }
            Op::Error => {
                if let Some(id) = self.live {
                    self.ws.error(id);
                }
            }
            Op::Closing => {
                if let Some(id) = self.live {
                    self.transport_open = false;
                    self.ws.closing(id, now);
                }
            }
            Op::Closed(code, clean) => {
                if let Some(id) = self.live {
                    self.transport_open = false;
                    self.ws.closed(id, code, "", clean, now);
                }
            }
            Op::Stale => {
                if let Some(&id) = self.forgotten.last() {
                    self.ws.opened(id, now);
                    self.ws.message(id, Message::Text("stale".into()));
                    self.ws.error(id);
                    self.ws.closing(id, now);
                    self.ws.closed(id, 1006, "", false, now);
                    assert_eq!(
                        self.ws.poll_action(),
                        None,
                        "a forgotten socket's event acted"
                    );
                }
            }
        }
        self.pump();
        self.check_last_close();
        if let Some(due) = self.open_due {
            assert!(
                self.now < due,
                "reconnect() did not reopen within close_timeout"
            );
        }
        assert!(self.ws.ready_state() <= 3);
    }

    /// The application closes for good; then every accepted message is settled.
    fn end(&mut self) {
        let _ = self.ws.close(None, "", self.now);
        self.user_closed = true;
        self.pump();
        self.now += self.opts.close_timeout;
        self.ws.handle_timeout(self.now, 0);
        self.pump();
        assert_eq!(self.ws.phase(), wscore::resilient::Phase::Closed);
        assert_eq!(self.live, None);
        assert!(self.finished, "the final close was never reported");
        for (i, fate) in self.fates.iter().enumerate() {
            assert_ne!(
                *fate,
                Fate::Pending,
                "m{i} was accepted but neither sent nor dropped"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Never two live sockets; no message lost without a Drop; nothing after the
    /// final close; sends in order; backoff delays within their ceilings; close()
    /// stops reopening and reconnect() reopens within close_timeout; forgotten
    /// sockets' events do nothing.
    #[test]
    fn the_rules_hold_over_random_inputs(
        opts in options(),
        seed in any::<u64>(),
        ops in prop::collection::vec(op(), 0..80),
    ) {
        let mut h = Harness::new(opts, seed);
        for op in ops {
            h.apply(op);
        }
        h.end();
    }

    /// With room in the queue, everything sent before the socket opens goes out
    /// in order, before the `open` event.
    #[test]
    fn sends_while_connecting_are_delivered_in_order_once_open(n in 0usize..50, seed in any::<u64>()) {
        let mut ws: ResilientSocket = ResilientSocket::new(ResilientOptions::default(), seed);
        let Some(Action::OpenSocket { socket, .. }) = ws.poll_action() else { panic!() };
        for i in 0..n {
            prop_assert_eq!(ws.send(Message::Text(format!("m{i}")), 0, 0), SendOutcome::Queued);
        }
        prop_assert!(ws.started(socket, 0));
        ws.opened(socket, 1);
        let actions: Vec<_> = std::iter::from_fn(|| ws.poll_action()).collect();
        let mut expected: Vec<_> = (0..n)
            .map(|i| Action::Send { socket, payload: Message::Text(format!("m{i}")) })
            .collect();
        expected.push(Action::Opened);
        prop_assert_eq!(actions, expected);
    }

    /// Ceilings never shrink with the attempt and never pass the maximum; a
    /// jittered delay is below its ceiling.
    #[test]
    fn backoff_grows_is_bounded_and_jitter_stays_below(
        initial in 0u64..1_000_000,
        max in 0u64..100_000_000,
        attempt in 1u32..200,
        seed in any::<u64>(),
    ) {
        let (a, b) = (ceiling(initial, max, attempt), ceiling(initial, max, attempt + 1));
        prop_assert!(a <= b && b <= max);
        prop_assert!(attempt > 20 || initial.saturating_mul(1 << (attempt - 1)).min(max) == a);
        let d = Jitter::new(seed).below(a);
        prop_assert!(d < a || a == 0);
    }
}
