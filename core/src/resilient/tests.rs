//! One test per rule of the machine; the properties over random input sequences
//! are in tests/resilient_properties.rs.

use super::*;
use crate::binding::{DropPolicy, QueueLimits};
use crate::{CloseCode, Initiator};

type Ws = ResilientSocket<Message>;

fn text(s: &str) -> Message {
    Message::Text(s.into())
}

fn drain(ws: &mut Ws) -> Vec<Action<Message>> {
    std::iter::from_fn(|| ws.poll_action()).collect()
}

fn reconnecting() -> ResilientOptions {
    ResilientOptions {
        reconnect: Some(ReconnectOptions {
            initial_delay: 100,
            max_delay: 1000,
            min_uptime: 0,
            ..ReconnectOptions::default()
        }),
        ..ResilientOptions::default()
    }
}

/// Opens the machine's first socket at `now`; returns its id.
fn open(ws: &mut Ws, now: Millis) -> SocketId {
    let id = match drain(ws).as_slice() {
        [.., Action::OpenSocket { socket, .. }] => *socket,
        other => panic!("expected an OpenSocket last, got {other:?}"),
    };
    assert!(ws.started(id, now));
    ws.opened(id, now);
    id
}

fn closed_report(actions: &[Action<Message>]) -> &CloseReport {
    actions
        .iter()
        .find_map(|a| match a {
            Action::Closed(r) => Some(r),
            _ => None,
        })
        .expect("a Closed action")
}

#[test]
fn sends_while_connecting_go_out_in_order_before_the_open_event() {
    let mut ws = Ws::new(ResilientOptions::default(), 1);
    let id = match ws.poll_action() {
        Some(Action::OpenSocket { socket, attempt: 0 }) => socket,
        other => panic!("{other:?}"),
    };
    for s in ["a", "b", "c"] {
        assert_eq!(ws.send(text(s), 0, 0), SendOutcome::Queued);
    }
    assert!(ws.started(id, 0));
    ws.opened(id, 1);
    let sends = |s: &str| Action::Send {
        socket: id,
        payload: text(s),
    };
    assert_eq!(
        drain(&mut ws),
        [sends("a"), sends("b"), sends("c"), Action::Opened]
    );
    assert_eq!(ws.send(text("d"), 2, 0), SendOutcome::Sent);
    assert_eq!(drain(&mut ws), [sends("d")]);
    assert_eq!(ws.stats().sent, 4);
}

#[test]
fn user_close_is_final_and_reported_once_with_its_reason() {
    let mut ws = Ws::new(reconnecting(), 1);
    let id = open(&mut ws, 0);
    drain(&mut ws);
    ws.close(Some(CloseCode(4000)), "bye", 10).unwrap();
    assert_eq!(ws.phase(), Phase::Closing);
    assert_eq!(
        drain(&mut ws),
        [Action::CloseSocket {
            socket: id,
            code: Some(CloseCode(4000)),
            reason: "bye".into()
        }]
    );
    assert_eq!(ws.send(text("late"), 11, 0), SendOutcome::Closed);
    assert_eq!(ws.close(None, "", 12), Ok(())); // idempotent
    assert!(drain(&mut ws).is_empty());
    // The server echoes another reason: the report keeps ours, in event and lastClose.
    ws.closed(id, 4000, "server words", true, 20);
    let actions = drain(&mut ws);
    assert_eq!(actions[0], Action::ForgetSocket { socket: id });
    let report = closed_report(&actions).clone();
    assert_eq!(
        (report.code, report.reason.as_str(), report.initiator),
        (CloseCode(4000), "bye", Initiator::Local)
    );
    assert!(!report.will_reconnect);
    assert_eq!(ws.last_close(), Some(&report));
    assert_eq!(
        (ws.phase(), ws.state_name()),
        (Phase::Closed, "closed-local")
    );
    assert_eq!(ws.poll_timeout(), None);
    ws.handle_timeout(1_000_000, 0);
    ws.closed(id, 1006, "", false, 30); // stale
    assert!(drain(&mut ws).is_empty());
}

#[test]
fn close_codes_are_checked_as_a_browser_would() {
    let mut ws = Ws::new(ResilientOptions::default(), 1);
    drain(&mut ws);
    for code in [1001, 1006, 1011, 2999, 5000] {
        assert_eq!(
            ws.close(Some(CloseCode(code)), "", 0),
            Err(CloseRefused::InvalidCode(code))
        );
    }
    assert_eq!(
        ws.close(Some(CloseCode(1000)), &"x".repeat(124), 0),
        Err(CloseRefused::ReasonTooLong(124))
    );
    assert_eq!(
        ws.close(None, "why", 0),
        Err(CloseRefused::ReasonWithoutCode)
    );
    assert_eq!(
        ws.reconnect(Some(CloseCode(1001)), "", 0),
        Err(CloseRefused::InvalidCode(1001))
    );
    assert_eq!(ws.phase(), Phase::Connecting);
    assert!(drain(&mut ws).is_empty());
    assert_eq!(ws.close(Some(CloseCode(3000)), "", 0), Ok(()));
}

#[test]
fn a_server_1000_or_1008_stops_reconnecting_by_default_but_1001_does_not() {
    for (code, stops) in [
        (1000, true),
        (1008, true),
        (1003, false),
        (1001, false),
        (4001, false),
    ] {
        let mut ws = Ws::new(reconnecting(), 1);
        let id = open(&mut ws, 0);
        drain(&mut ws);
        ws.closed(id, code, "server", true, 10);
        let actions = drain(&mut ws);
        let report = closed_report(&actions);
        assert_eq!(report.initiator, Initiator::Remote);
        assert_eq!(report.will_reconnect, !stops, "code {code}");
        assert_eq!(ws.phase() == Phase::Closed, stops, "code {code}");
    }
    // An empty list keeps reconnecting after 1000 too.
    let mut opts = reconnecting();
    opts.reconnect.as_mut().unwrap().stop_codes.clear();
    let mut ws = Ws::new(opts, 1);
    let id = open(&mut ws, 0);
    ws.closed(id, 1000, "", true, 10);
    assert_eq!(ws.phase(), Phase::Reconnecting);
}

#[test]
fn a_transport_drop_reconnects_after_a_jittered_delay_with_one_socket_at_a_time() {
    let mut ws = Ws::new(reconnecting(), 42);
    let first = open(&mut ws, 0);
    drain(&mut ws);
    ws.closed(first, 1006, "", false, 10);
    let actions = drain(&mut ws);
    assert_eq!(actions[0], Action::ForgetSocket { socket: first });
    let report = closed_report(&actions);
    assert_eq!(
        (report.initiator, report.code),
        (Initiator::Transport, CloseCode(1006))
    );
    let Some(Action::Reconnecting { attempt: 1, delay }) = actions.last().cloned() else {
        panic!("{actions:?}")
    };
    assert!(delay < 100);
    assert_eq!(ws.poll_timeout(), Some(10 + delay));
    assert_eq!(ws.send(text("kept"), 11, 0), SendOutcome::Queued);
    ws.handle_timeout(10 + delay, 0);
    let Some(Action::OpenSocket { socket, attempt: 1 }) = ws.poll_action() else {
        panic!()
    };
    assert_ne!(socket, first);
    assert!(ws.started(socket, 200));
    ws.opened(socket, 200);
    assert_eq!(
        ws.poll_action(),
        Some(Action::Send {
            socket,
            payload: text("kept")
        })
    );
    assert_eq!(ws.stats().reconnects, 1);
}

#[test]
fn backoff_grows_without_min_uptime_and_resets_after_it() {
    let mut opts = reconnecting();
    opts.reconnect.as_mut().unwrap().min_uptime = 1000;
    let mut ws = Ws::new(opts, 3);
    let mut now = 0;
    let mut attempts = vec![];
    for _ in 0..3 {
        let id = open(&mut ws, now);
        ws.closed(id, 1006, "", false, now + 999); // dropped within min_uptime
        now += 999;
        for a in drain(&mut ws) {
            if let Action::Reconnecting { attempt, delay } = a {
                attempts.push(attempt);
                now += delay;
            }
        }
        ws.handle_timeout(now, 0);
    }
    assert_eq!(attempts, [1, 2, 3]);
    let id = open(&mut ws, now);
    ws.closed(id, 1006, "", false, now + 1000); // lasted: a fresh start
    assert!(drain(&mut ws)
        .iter()
        .any(|a| matches!(a, Action::Reconnecting { attempt: 1, .. })));
}

#[test]
fn max_retries_ends_in_one_final_close_with_the_queue_dropped_first() {
    let mut opts = reconnecting();
    opts.reconnect.as_mut().unwrap().max_retries = Some(1);
    let mut ws = Ws::new(opts, 5);
    let Some(Action::OpenSocket { socket, .. }) = ws.poll_action() else {
        panic!()
    };
    ws.started(socket, 0);
    ws.send(text("q"), 0, 0);
    ws.closed(socket, 1006, "", false, 1);
    drain(&mut ws);
    ws.handle_timeout(1_000, 0);
    let Some(Action::OpenSocket { socket, attempt: 1 }) = ws.poll_action() else {
        panic!()
    };
    ws.started(socket, 1_000);
    ws.closed(socket, 1006, "", false, 1_001);
    let actions = drain(&mut ws);
    assert_eq!(
        actions,
        [
            Action::ForgetSocket { socket },
            Action::Drop {
                payload: text("q"),
                why: DropReason::Closed
            },
            Action::Closed(CloseReport {
                code: CloseCode(1006),
                reason: String::new(),
                initiator: Initiator::Transport,
                was_clean: false,
                will_reconnect: false
            }),
        ]
    );
    assert_eq!(ws.state_name(), "closed-transport");
}

#[test]
fn reconnect_closes_the_live_socket_first_then_opens_without_backoff() {
    let mut ws = Ws::new(reconnecting(), 1);
    let id = open(&mut ws, 0);
    drain(&mut ws);
    ws.reconnect(Some(CloseCode(4002)), "switch", 5).unwrap();
    assert_eq!(
        drain(&mut ws),
        [Action::CloseSocket {
            socket: id,
            code: Some(CloseCode(4002)),
            reason: "switch".into()
        }]
    );
    assert_eq!(ws.send(text("during"), 6, 0), SendOutcome::Queued);
    ws.closed(id, 4002, "switch", true, 7);
    let actions = drain(&mut ws);
    assert_eq!(actions[0], Action::ForgetSocket { socket: id });
    let report = closed_report(&actions);
    assert!(report.will_reconnect && report.initiator == Initiator::Local);
    assert!(matches!(
        actions.last(),
        Some(Action::OpenSocket { attempt: 0, .. })
    ));
}

#[test]
fn reconnect_gives_up_waiting_for_a_close_after_close_timeout() {
    let mut ws = Ws::new(ResilientOptions::default(), 1);
    let id = open(&mut ws, 0);
    drain(&mut ws);
    ws.reconnect(None, "", 100).unwrap();
    assert!(matches!(
        drain(&mut ws).as_slice(),
        [Action::CloseSocket { code: Some(CloseCode(1000)), reason, .. }] if reason == "reconnect"
    ));
    assert_eq!(ws.poll_timeout(), Some(1_100));
    ws.handle_timeout(1_099, 0);
    assert!(drain(&mut ws).is_empty());
    ws.handle_timeout(1_100, 0);
    let actions = drain(&mut ws);
    assert_eq!(actions[0], Action::ForgetSocket { socket: id });
    assert!(!closed_report(&actions).was_clean);
    assert!(matches!(actions.last(), Some(Action::OpenSocket { .. })));
}

#[test]
fn reconnect_after_the_final_close_and_start_closed() {
    let mut ws = Ws::new(
        ResilientOptions {
            start_closed: true,
            ..ResilientOptions::default()
        },
        1,
    );
    assert_eq!((ws.phase(), ws.ready_state()), (Phase::Idle, 3));
    assert_eq!(ws.send(text("early"), 0, 0), SendOutcome::Queued);
    assert!(drain(&mut ws).is_empty());
    ws.start();
    let id = open(&mut ws, 1);
    ws.closed(id, 1006, "", false, 2);
    assert_eq!(ws.phase(), Phase::Closed); // no reconnect option: final
    ws.reconnect(None, "", 3).unwrap();
    assert!(matches!(
        drain(&mut ws).as_slice(),
        [.., Action::OpenSocket { attempt: 0, .. }]
    ));
    assert_eq!(ws.phase(), Phase::Connecting);
}

#[test]
fn closing_before_the_url_resolved_cancels_the_socket() {
    let mut ws = Ws::new(reconnecting(), 1);
    let Some(Action::OpenSocket { socket, .. }) = ws.poll_action() else {
        panic!()
    };
    ws.close(None, "", 0).unwrap();
    let actions = drain(&mut ws);
    assert_eq!(actions[0], Action::ForgetSocket { socket });
    let report = closed_report(&actions);
    assert_eq!(
        (report.code, report.initiator),
        (CloseCode::NO_STATUS, Initiator::Local)
    );
    assert!(!ws.started(socket, 1)); // the adapter must not create it
}

#[test]
fn connection_timeout_counts_as_a_failed_attempt() {
    let mut opts = reconnecting();
    opts.connection_timeout = Some(300);
    let mut ws = Ws::new(opts, 1);
    let Some(Action::OpenSocket { socket, .. }) = ws.poll_action() else {
        panic!()
    };
    assert_eq!(ws.poll_timeout(), None); // runs from the start, not from URL resolution
    ws.started(socket, 50);
    assert_eq!(ws.poll_timeout(), Some(350));
    ws.handle_timeout(350, 0);
    let actions = drain(&mut ws);
    assert_eq!(actions[0], Action::ForgetSocket { socket });
    let report = closed_report(&actions);
    assert_eq!(
        (report.code, report.reason.as_str(), report.initiator),
        (CloseCode(1006), "connection timeout", Initiator::Transport)
    );
    assert!(matches!(
        actions.last(),
        Some(Action::Reconnecting { attempt: 1, .. })
    ));
}

#[test]
fn heartbeat_pings_swallows_pongs_and_closes_when_unanswered() {
    let mut opts = reconnecting();
    opts.heartbeat = Some(Heartbeat {
        pong: Some("pong".into()),
        interval: 100,
        timeout: 50,
        ..Heartbeat::default()
    });
    let mut ws = Ws::new(opts, 1);
    let id = open(&mut ws, 0);
    drain(&mut ws);
    assert_eq!(ws.poll_timeout(), Some(100));
    ws.handle_timeout(100, 0);
    assert_eq!(
        drain(&mut ws),
        [Action::Ping {
            socket: id,
            payload: text("ping")
        }]
    );
    assert_eq!(ws.poll_timeout(), Some(150));
    ws.message(id, text("pong"));
    assert!(drain(&mut ws).is_empty()); // swallowed, and the pong timer stopped
    assert_eq!(ws.poll_timeout(), Some(200));
    ws.message(id, text("hello"));
    assert_eq!(drain(&mut ws), [Action::Deliver(text("hello"))]);
    ws.handle_timeout(200, 0); // ping, unanswered
    ws.handle_timeout(250, 0);
    let actions = drain(&mut ws);
    assert!(actions.contains(&Action::CloseSocket {
        socket: id,
        code: Some(HEARTBEAT_CLOSE_CODE),
        reason: HEARTBEAT_CLOSE_REASON.into()
    }));
    assert_eq!(ws.phase(), Phase::Closing);
    assert_eq!(
        ws.send(text("kept for the next socket"), 251, 0),
        SendOutcome::Queued
    );
    ws.closed(id, 4000, "heartbeat timeout", true, 260);
    let actions = drain(&mut ws);
    let report = closed_report(&actions);
    assert_eq!(
        (report.code, report.initiator, report.will_reconnect),
        (HEARTBEAT_CLOSE_CODE, Initiator::Transport, true)
    );
}

#[test]
fn the_queue_drop_policy_reports_every_drop() {
    let mut opts = ResilientOptions {
        limits: QueueLimits {
            max_messages: 2,
            ..QueueLimits::default()
        },
        ..ResilientOptions::default()
    };
    let mut ws = Ws::new(opts.clone(), 1);
    drain(&mut ws);
    for s in ["a", "b", "c"] {
        assert_eq!(ws.send(text(s), 0, 0), SendOutcome::Queued);
    }
    assert_eq!(
        drain(&mut ws),
        [Action::Drop {
            payload: text("a"),
            why: DropReason::QueueFull
        }]
    );
    opts.drop_policy = DropPolicy::Reject;
    let mut ws = Ws::new(opts, 1);
    drain(&mut ws);
    ws.send(text("a"), 0, 0);
    ws.send(text("b"), 0, 0);
    assert_eq!(ws.send(text("c"), 0, 0), SendOutcome::Rejected);
    assert!(drain(&mut ws).is_empty());
    assert_eq!(ws.stats().rejected, 1);
}

#[test]
fn the_high_water_mark_holds_messages_until_the_socket_drains() {
    let mut ws = Ws::new(
        ResilientOptions {
            limits: QueueLimits {
                high_water_mark: 10,
                ..QueueLimits::default()
            },
            ..ResilientOptions::default()
        },
        1,
    );
    let id = open(&mut ws, 0);
    drain(&mut ws);
    assert_eq!(ws.send(text("0123456789"), 1, 0), SendOutcome::Sent);
    assert_eq!(ws.send(text("x"), 2, 10), SendOutcome::Queued);
    assert_eq!(ws.poll_timeout(), Some(2 + DRAIN_POLL));
    ws.handle_timeout(2 + DRAIN_POLL, 10);
    assert_eq!(drain(&mut ws).len(), 1); // still full: only the earlier Send
    ws.handle_timeout(100, 0);
    assert_eq!(
        drain(&mut ws),
        [Action::Send {
            socket: id,
            payload: text("x")
        }]
    );
}

#[test]
fn a_send_the_transport_could_not_take_is_dropped_before_the_final_close() {
    let mut ws = Ws::new(ResilientOptions::default(), 1);
    let id = open(&mut ws, 0);
    drain(&mut ws);
    ws.send(text("lost"), 1, 0);
    ws.closed(id, 1000, "", true, 2); // the Send is still pending: the adapter has not run it
    let pending = drain(&mut ws);
    assert!(matches!(pending.last(), Some(Action::Closed(r)) if !r.will_reconnect));
    // Replay: the adapter runs the Send, finds the socket closed, hands it back
    // while the final Closed is still queued.
    let mut ws = Ws::new(ResilientOptions::default(), 1);
    let id = open(&mut ws, 0);
    drain(&mut ws);
    ws.send(text("lost"), 1, 0);
    ws.closed(id, 1000, "", true, 2);
    let Some(Action::Send { payload, .. }) = ws.poll_action() else {
        panic!()
    };
    ws.unsent(id, payload, 2);
    let rest = drain(&mut ws);
    let drop_at = rest
        .iter()
        .position(|a| matches!(a, Action::Drop { .. }))
        .unwrap();
    let close_at = rest
        .iter()
        .position(|a| matches!(a, Action::Closed(_)))
        .unwrap();
    assert!(drop_at < close_at, "{rest:?}");
}

#[test]
fn a_peer_closing_makes_sends_wait_for_the_next_socket() {
    let mut ws = Ws::new(reconnecting(), 1);
    let id = open(&mut ws, 0);
    drain(&mut ws);
    ws.closing(id, 5);
    assert_eq!(ws.ready_state(), 2);
    assert_eq!(ws.send(text("next"), 6, 0), SendOutcome::Queued);
    ws.closed(id, 1001, "restart", true, 7);
    assert_eq!(ws.phase(), Phase::Reconnecting);
    // Without reconnecting, the same send is refused.
    let mut ws = Ws::new(ResilientOptions::default(), 1);
    let id = open(&mut ws, 0);
    ws.closing(id, 5);
    assert_eq!(ws.send(text("next"), 6, 0), SendOutcome::Closed);
}

#[test]
fn an_open_socket_is_closed_with_its_code_even_if_started_was_not_called() {
    let mut ws = Ws::new(ResilientOptions::default(), 1);
    let Some(Action::OpenSocket { socket, .. }) = ws.poll_action() else {
        panic!()
    };
    ws.opened(socket, 0);
    drain(&mut ws);
    ws.close(Some(CloseCode(1000)), "done", 1).unwrap();
    assert_eq!(
        drain(&mut ws),
        [Action::CloseSocket {
            socket,
            code: Some(CloseCode(1000)),
            reason: "done".into()
        }]
    );
}
