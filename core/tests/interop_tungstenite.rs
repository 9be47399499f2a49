//! Interop with tungstenite 0.30 over real sockets on 127.0.0.1, in both directions:
//! every scenario runs twice, once as wscore server ↔ tungstenite client
//! (`wscore_server::*`) and once as tungstenite server ↔ wscore client (`wscore_client::*`).
//!
//! Each side runs on its own thread. tungstenite's socket has read and write
//! timeouts; the wscore driver bounds its reads by the connection's timers; and the
//! test thread waits at most `TEST_TIMEOUT` for each side, so a bug fails the test
//! instead of hanging it.

#[path = "../../examples/common/blocking.rs"]
mod blocking;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::sync::{mpsc, Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use blocking::Blocking;
use tungstenite::error::{Error as WsError, ProtocolError as WsProtocolError};
use tungstenite::handshake::server::{ErrorResponse, Request as HsRequest, Response as HsResponse};
use tungstenite::http::{HeaderValue, Uri};
use tungstenite::protocol::frame::coding::{Data, OpCode};
use tungstenite::protocol::frame::{CloseFrame as WsCloseFrame, Frame};
use tungstenite::{Bytes, ClientRequestBuilder, Message, WebSocket};
use wscore::{
    Accept, ClientRequest, CloseCode, CloseFrame, CloseInfo, CloseOutcome, Closed, Config,
    Connection, Event, Initiator, Role, SendError,
};

// ----- harness -----

/// tungstenite's socket timeouts, and wscore's handshake and close timeouts.
const IO_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the test thread waits for each side to finish.
const TEST_TIMEOUT: Duration = Duration::from_secs(20);
/// A closing handshake must end well before wscore's close timer would end it anyway.
const CLOSE_WITHIN: Duration = Duration::from_secs(4);
/// Message sizes around the 7-bit, 16-bit and 64-bit length encodings, and 1 MiB.
const SIZES: [usize; 6] = [0, 125, 126, 65535, 65536, 1 << 20];

type Tws = WebSocket<TcpStream>;

/// What one side saw of subprotocol negotiation: the server side what the client
/// offered, the client side what the server selected.
#[derive(Debug, Clone, Default)]
struct Seen {
    offered: Vec<String>,
    selected: Option<String>,
}

/// Runs a scenario: wscore in `role` against tungstenite in the other role, no subprotocols.
fn run<A: Send + 'static, B: Send + 'static>(
    role: Role,
    wscore: impl FnOnce(&mut Blocking) -> A + Send + 'static,
    tung: impl FnOnce(&mut Tws) -> B + Send + 'static,
) -> (A, B) {
    run_with(
        role,
        &[],
        None,
        move |ws, _| wscore(ws),
        move |ws, _| tung(ws),
    )
}

/// Runs a scenario after a handshake where the client offers `offer` and the server
/// selects `pick`. Each side's socket is dropped when its closure returns.
fn run_with<A: Send + 'static, B: Send + 'static>(
    role: Role,
    offer: &'static [&'static str],
    pick: Option<&'static str>,
    wscore: impl FnOnce(&mut Blocking, &Seen) -> A + Send + 'static,
    tung: impl FnOnce(&mut Tws, &Seen) -> B + Send + 'static,
) -> (A, B) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let deadline = Instant::now() + TEST_TIMEOUT;
    let (w, t) = match role {
        Role::Server => (
            spawn("wscore server", move || {
                let (mut ws, seen) = wscore_server(listener, pick);
                wscore(&mut ws, &seen)
            }),
            spawn("tungstenite client", move || {
                let (mut ws, seen) = tung_client(addr, offer);
                tung(&mut ws, &seen)
            }),
        ),
        Role::Client => (
            spawn("wscore client", move || {
                let (mut ws, seen) = wscore_client(addr, offer);
                wscore(&mut ws, &seen)
            }),
            spawn("tungstenite server", move || {
                let (mut ws, seen) = tung_server(listener, pick);
                tung(&mut ws, &seen)
            }),
        ),
    };
    (
        join(w, "wscore side", deadline),
        join(t, "tungstenite side", deadline),
    )
}

fn spawn<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> mpsc::Receiver<thread::Result<T>> {
    let (tx, rx) = mpsc::channel();
    thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            let _ = tx.send(panic::catch_unwind(AssertUnwindSafe(f)));
        })
        .expect("spawn");
    rx
}

fn join<T>(rx: mpsc::Receiver<thread::Result<T>>, side: &str, deadline: Instant) -> T {
    match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(Ok(value)) => value,
        Ok(Err(panic)) => panic::resume_unwind(panic),
        Err(_) => panic!("{side} did not finish within {TEST_TIMEOUT:?} (hung?)"),
    }
}

// ----- wscore side -----

fn config() -> Config {
    Config {
        handshake_timeout: Some(IO_TIMEOUT),
        close_timeout: Some(IO_TIMEOUT),
        ..Config::default()
    }
}

fn wscore_server(listener: TcpListener, pick: Option<&str>) -> (Blocking, Seen) {
    let (stream, _) = listener.accept().expect("accept");
    stream.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    let mut ws = Blocking::new(stream, Connection::server(config()));
    let request = match next(&mut ws) {
        Event::Request(request) => request,
        other => panic!("wscore server: expected Request, got {}", brief(&other)),
    };
    ws.conn
        .accept(Accept {
            subprotocol: pick.map(String::from),
            headers: vec![],
        })
        .expect("accept");
    ws.flush().expect("write 101");
    (
        ws,
        Seen {
            offered: request.subprotocols,
            selected: pick.map(String::from),
        },
    )
}

fn wscore_client(addr: SocketAddr, offer: &[&str]) -> (Blocking, Seen) {
    let stream = TcpStream::connect(addr).expect("connect");
    stream.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    let request = offer.iter().fold(
        ClientRequest::new(format!("ws://{addr}/interop")),
        |r, p| r.subprotocol(*p),
    );
    let mut ws = Blocking::new(
        stream,
        Connection::client(config(), request).expect("client request"),
    );
    match next(&mut ws) {
        Event::Accepted(response) => {
            assert_eq!(response.status, 101);
            let offered = offer.iter().map(|p| p.to_string()).collect();
            (
                ws,
                Seen {
                    offered,
                    selected: response.subprotocol,
                },
            )
        }
        other => panic!("wscore client: expected Accepted, got {}", brief(&other)),
    }
}

/// The next event; the transport must still be open.
fn next(ws: &mut Blocking) -> Event {
    ws.next_event()
        .expect("wscore I/O error")
        .expect("wscore: transport closed while an event was expected")
}

/// Every remaining event, driving I/O until the transport is closed; must not take
/// so long that wscore's close timer, rather than the peer, ended the connection.
fn drain(ws: &mut Blocking) -> Vec<Event> {
    let start = Instant::now();
    let events: Vec<Event> =
        std::iter::from_fn(|| ws.next_event().expect("wscore I/O error")).collect();
    let took = start.elapsed();
    assert!(
        took < CLOSE_WITHIN,
        "wscore took {took:?} to close (close timer?); events: {:?}",
        briefs(&events)
    );
    events
}

/// Echoes every text and binary message until the transport is closed; returns all events.
fn echo_all(ws: &mut Blocking) -> Vec<Event> {
    let mut events = Vec::new();
    while let Some(event) = ws.next_event().expect("wscore I/O error") {
        match &event {
            Event::Text(text) => ws.conn.send_text(text).expect("echo text"),
            Event::Binary(data) => ws.conn.send_binary(data).expect("echo binary"),
            _ => {}
        }
        events.push(event);
    }
    events
}

/// Every send on a connection whose sending side is closed is `SendError::Closed(want)`
/// and queues nothing; `close` reports `AlreadyClosed(want)`.
fn assert_send_closed(conn: &mut Connection, want: &CloseInfo) {
    let queued = conn.buffered_amount();
    let err = Err(SendError::Closed(want.clone()));
    assert_eq!(conn.send_text("late"), err, "send_text");
    assert_eq!(conn.send_binary(b"late"), err, "send_binary");
    assert_eq!(
        conn.send_text_fragment("late", false),
        err,
        "send_text_fragment"
    );
    assert_eq!(
        conn.send_binary_fragment(b"late", true),
        err,
        "send_binary_fragment"
    );
    assert_eq!(conn.send_ping(b"late"), err, "send_ping");
    assert_eq!(conn.send_pong(b"late"), err, "send_pong");
    assert_eq!(
        conn.close(CloseCode::NORMAL, "again"),
        Ok(CloseOutcome::AlreadyClosed(want.clone()))
    );
    assert_eq!(conn.close_info(), Some(want));
    assert_eq!(
        conn.buffered_amount(),
        queued,
        "a refused send queued bytes"
    );
}

fn info(code: u16, reason: &str, initiator: Initiator) -> CloseInfo {
    CloseInfo {
        code: CloseCode(code),
        reason: reason.into(),
        initiator,
    }
}

fn close_received(code: u16, reason: &str) -> Event {
    Event::CloseReceived(CloseFrame {
        code: CloseCode(code),
        reason: reason.into(),
    })
}

fn closed(code: u16, reason: &str, clean: bool, initiator: Initiator) -> Event {
    Event::Closed(Closed {
        code: CloseCode(code),
        reason: reason.into(),
        clean,
        initiator,
        error: None,
    })
}

fn assert_events(got: &[Event], want: &[Event]) {
    assert!(
        got == want,
        "wscore events\n got: {:?}\nwant: {:?}",
        briefs(got),
        briefs(want)
    );
}

// ----- tungstenite side -----

fn set_timeouts(stream: &TcpStream) {
    stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
}

fn tung_client(addr: SocketAddr, offer: &[&str]) -> (Tws, Seen) {
    let stream = TcpStream::connect(addr).expect("connect");
    set_timeouts(&stream);
    let uri: Uri = format!("ws://{addr}/interop").parse().unwrap();
    let request = offer.iter().fold(ClientRequestBuilder::new(uri), |r, p| {
        r.with_sub_protocol(*p)
    });
    let (ws, response) =
        tungstenite::client(request, stream).expect("tungstenite client handshake");
    let selected = response
        .headers()
        .get("Sec-WebSocket-Protocol")
        .map(|v| v.to_str().unwrap().to_owned());
    (
        ws,
        Seen {
            offered: offer.iter().map(|p| p.to_string()).collect(),
            selected,
        },
    )
}

#[allow(clippy::result_large_err)] // the callback's error type is tungstenite's
fn tung_server(listener: TcpListener, pick: Option<&'static str>) -> (Tws, Seen) {
    let (stream, _) = listener.accept().expect("accept");
    set_timeouts(&stream);
    let mut offered = Vec::new();
    let callback =
        |request: &HsRequest, mut response: HsResponse| -> Result<HsResponse, ErrorResponse> {
            for value in request.headers().get_all("Sec-WebSocket-Protocol") {
                offered.extend(
                    value
                        .to_str()
                        .unwrap()
                        .split(',')
                        .map(|p| p.trim().to_owned()),
                );
            }
            if let Some(pick) = pick {
                response
                    .headers_mut()
                    .insert("Sec-WebSocket-Protocol", HeaderValue::from_static(pick));
            }
            Ok(response)
        };
    let ws = tungstenite::accept_hdr(stream, callback).expect("tungstenite server handshake");
    (
        ws,
        Seen {
            offered,
            selected: pick.map(String::from),
        },
    )
}

fn read(ws: &mut Tws) -> Message {
    ws.read()
        .unwrap_or_else(|e| panic!("tungstenite read failed: {e}"))
}

fn expect_message(ws: &mut Tws, want: &Message) {
    let got = read(ws);
    assert!(
        &got == want,
        "tungstenite got {}, want {}",
        tbrief(&got),
        tbrief(want)
    );
}

/// Reads until tungstenite reports the closing handshake over (`ConnectionClosed`);
/// returns the close frames read on the way. Any other message or error fails.
fn read_until_closed(ws: &mut Tws) -> Vec<Option<WsCloseFrame>> {
    let mut frames = Vec::new();
    loop {
        match ws.read() {
            Ok(Message::Close(frame)) => frames.push(frame),
            Ok(other) => panic!("tungstenite: unexpected {} while closing", tbrief(&other)),
            Err(WsError::ConnectionClosed) => return frames,
            Err(e) => panic!("tungstenite: closing handshake failed: {e:?}"),
        }
    }
}

/// tungstenite starts the close; returns wscore's answer(s).
fn tung_close(ws: &mut Tws, frame: Option<WsCloseFrame>) -> Vec<Option<WsCloseFrame>> {
    ws.close(frame).expect("tungstenite close");
    read_until_closed(ws)
}

fn close_frame(code: u16, reason: &str) -> WsCloseFrame {
    WsCloseFrame {
        code: code.into(),
        reason: reason.into(),
    }
}

/// A raw data frame, to send a message in fragments.
fn fragment(data: Data, payload: &[u8], fin: bool) -> Message {
    Message::Frame(Frame::message(payload.to_vec(), OpCode::Data(data), fin))
}

// ----- payloads and readable failures -----

/// A string of exactly `len` bytes mixing 1- to 4-byte characters.
fn text_of_len(len: usize) -> String {
    let chars = ['a', 'é', '€', '🦀'];
    let mut s = String::with_capacity(len);
    for c in chars.iter().cycle() {
        if s.len() == len {
            break;
        }
        s.push(if s.len() + c.len_utf8() <= len {
            *c
        } else {
            'z'
        });
    }
    s
}

fn binary_of_len(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// Big payloads as length and checksum, so a failure message stays readable.
fn summary(kind: &str, bytes: &[u8]) -> String {
    let sum = bytes
        .iter()
        .fold(0u32, |h, &b| h.wrapping_mul(31).wrapping_add(b.into()));
    format!("{kind}({} bytes, sum {sum:08x})", bytes.len())
}

fn brief(event: &Event) -> String {
    match event {
        Event::Text(t) if t.len() > 40 => summary("Text", t.as_bytes()),
        Event::Binary(b) if b.len() > 40 => summary("Binary", b),
        other => format!("{other:?}"),
    }
}

fn briefs(events: &[Event]) -> Vec<String> {
    events.iter().map(brief).collect()
}

fn tbrief(message: &Message) -> String {
    match message {
        Message::Text(t) if t.len() > 40 => summary("Text", t.as_bytes()),
        Message::Binary(b) if b.len() > 40 => summary("Binary", b),
        other => format!("{other:?}"),
    }
}

// ----- scenarios, each run in both roles -----

macro_rules! both_roles {
    ($($scenario:ident),* $(,)?) => {
        /// wscore server ↔ tungstenite client.
        mod wscore_server {
            $( #[test] fn $scenario() { super::$scenario(wscore::Role::Server) } )*
        }
        /// tungstenite server ↔ wscore client.
        mod wscore_client {
            $( #[test] fn $scenario() { super::$scenario(wscore::Role::Client) } )*
        }
    };
}

both_roles!(
    echo_all_sizes,
    peer_fragments_with_ping_between,
    wscore_fragments_received_whole,
    ping_pong_both_ways,
    close_started_by_wscore,
    close_started_by_peer,
    close_without_code_from_peer,
    simultaneous_close,
    peer_drops_tcp_without_close,
    wscore_drops_tcp_without_close,
    subprotocol_negotiated,
);

/// tungstenite sends text (multi-byte UTF-8) and binary messages of every size;
/// wscore echoes each; both sides see exactly what was sent, then tungstenite closes.
fn echo_all_sizes(role: Role) {
    let texts: Vec<String> = SIZES.iter().map(|&n| text_of_len(n)).collect();
    let binaries: Vec<Vec<u8>> = SIZES.iter().map(|&n| binary_of_len(n)).collect();
    let messages: Vec<Message> = texts
        .iter()
        .zip(&binaries)
        .flat_map(|(t, b)| [Message::text(t.clone()), Message::binary(b.clone())])
        .collect();

    let (events, replies) = run(role, echo_all, move |ws| {
        for message in &messages {
            ws.send(message.clone()).expect("tungstenite send");
            expect_message(ws, message);
        }
        tung_close(ws, Some(close_frame(1000, "done ✓")))
    });

    let mut want: Vec<Event> = texts
        .into_iter()
        .zip(binaries)
        .flat_map(|(t, b)| [Event::Text(t.into()), Event::Binary(b.into())])
        .collect();
    want.push(close_received(1000, "done ✓"));
    want.push(closed(1000, "done ✓", true, Initiator::Remote));
    assert_events(&events, &want);
    // wscore echoes the code (RFC 6455 §5.5.1), without the reason.
    assert_eq!(replies, vec![Some(close_frame(1000, ""))]);
}

/// tungstenite sends a text message in three fragments split inside multi-byte
/// characters, with a ping between fragments, then a binary message in three
/// fragments (the first empty); wscore answers the ping at once and sees whole messages.
fn peer_fragments_with_ping_between(role: Role) {
    const TEXT: &str = "héllo wörld € 🦀";
    let binary = binary_of_len(200_000);
    let expected = binary.clone();

    let (events, replies) = run(role, echo_all, move |ws| {
        let t = TEXT.as_bytes();
        ws.write(fragment(Data::Text, &t[..2], false)).unwrap(); // "h" + half of "é"
        ws.write(Message::Ping(Bytes::from_static(b"between fragments")))
            .unwrap();
        ws.write(fragment(Data::Continue, &t[2..t.len() - 2], false))
            .unwrap();
        ws.write(fragment(Data::Continue, &t[t.len() - 2..], true))
            .unwrap(); // second half of "🦀"
        ws.write(fragment(Data::Binary, &[], false)).unwrap();
        ws.write(fragment(Data::Continue, &binary[..70_000], false))
            .unwrap();
        ws.write(fragment(Data::Continue, &binary[70_000..], true))
            .unwrap();
        ws.flush().unwrap();
        expect_message(ws, &Message::Pong(Bytes::from_static(b"between fragments")));
        expect_message(ws, &Message::text(TEXT));
        expect_message(ws, &Message::binary(binary));
        tung_close(ws, Some(close_frame(1000, "")))
    });

    assert_events(
        &events,
        &[
            Event::Ping(b"between fragments".to_vec()),
            Event::Text(TEXT.into()),
            Event::Binary(expected.into()),
            close_received(1000, ""),
            closed(1000, "", true, Initiator::Remote),
        ],
    );
    assert_eq!(replies, vec![Some(close_frame(1000, ""))]);
}

/// wscore sends a text message in fragments with a ping between them, and a binary
/// message in fragments (one empty); tungstenite receives the ping, then each whole message.
fn wscore_fragments_received_whole(role: Role) {
    let binary = binary_of_len(70_000);
    let expected = binary.clone();

    let (events, replies) = run(
        role,
        move |ws| {
            let c = &mut ws.conn;
            c.send_text_fragment("héllo ", false).unwrap();
            c.send_ping(b"mid-message").unwrap();
            c.send_text_fragment("wörld", false).unwrap();
            c.send_text_fragment(" € 🦀", true).unwrap();
            c.send_binary_fragment(&binary[..1], false).unwrap();
            c.send_binary_fragment(&binary[1..65_537], false).unwrap();
            c.send_binary_fragment(b"", false).unwrap();
            c.send_binary_fragment(&binary[65_537..], true).unwrap();
            drain(ws)
        },
        move |ws| {
            // tungstenite queues the pong and writes it on its next read.
            expect_message(ws, &Message::Ping(Bytes::from_static(b"mid-message")));
            expect_message(ws, &Message::text("héllo wörld € 🦀"));
            expect_message(ws, &Message::binary(expected));
            tung_close(ws, Some(close_frame(1000, "")))
        },
    );

    assert_events(
        &events,
        &[
            Event::Pong(b"mid-message".to_vec()),
            close_received(1000, ""),
            closed(1000, "", true, Initiator::Remote),
        ],
    );
    assert_eq!(replies, vec![Some(close_frame(1000, ""))]);
}

/// tungstenite pings and gets wscore's automatic pong; wscore pings and sees
/// tungstenite's pong as `Event::Pong`.
fn ping_pong_both_ways(role: Role) {
    let (events, frames) = run(
        role,
        |ws| {
            let mut events = vec![next(ws)]; // tungstenite's ping, already answered
            ws.conn.send_ping(b"from wscore").unwrap();
            events.push(next(ws));
            ws.conn.close(CloseCode::NORMAL, "pings done").unwrap();
            events.extend(drain(ws));
            events
        },
        |ws| {
            ws.send(Message::Ping(Bytes::from_static(b"from tungstenite")))
                .unwrap();
            expect_message(ws, &Message::Pong(Bytes::from_static(b"from tungstenite")));
            expect_message(ws, &Message::Ping(Bytes::from_static(b"from wscore")));
            read_until_closed(ws)
        },
    );

    assert_events(
        &events,
        &[
            Event::Ping(b"from tungstenite".to_vec()),
            Event::Pong(b"from wscore".to_vec()),
            close_received(1000, "pings done"),
            closed(1000, "pings done", true, Initiator::Local),
        ],
    );
    assert_eq!(frames, vec![Some(close_frame(1000, "pings done"))]);
}

/// wscore sends two messages (one of 1 MiB) and closes at once: tungstenite reads
/// both, then the close with wscore's code and reason, and echoes it; wscore ends
/// clean with the echoed code. Every send after the close is `SendError::Closed`.
fn close_started_by_wscore(role: Role) {
    let big = binary_of_len(1 << 20);
    let expected = big.clone();

    let (events, frames) = run(
        role,
        move |ws| {
            ws.conn.send_text("sent before close ✓").unwrap();
            ws.conn.send_binary(big).unwrap();
            assert_eq!(
                ws.conn.close(CloseCode(4000), "bye ✓"),
                Ok(CloseOutcome::Sent)
            );
            let want = info(4000, "bye ✓", Initiator::Local);
            assert_send_closed(&mut ws.conn, &want);
            let events = drain(ws);
            assert_send_closed(&mut ws.conn, &want);
            events
        },
        move |ws| {
            expect_message(ws, &Message::text("sent before close ✓"));
            expect_message(ws, &Message::binary(expected));
            read_until_closed(ws)
        },
    );

    assert_eq!(frames, vec![Some(close_frame(4000, "bye ✓"))]);
    // tungstenite echoes the whole frame; wscore reports the code it received.
    assert_events(
        &events,
        &[
            close_received(4000, "bye ✓"),
            closed(4000, "bye ✓", true, Initiator::Local),
        ],
    );
}

/// tungstenite sends two messages (one of 1 MiB) and closes: wscore sees both, then
/// CloseReceived and a clean Closed with tungstenite's code and reason, and refuses sends.
fn close_started_by_peer(role: Role) {
    let big = binary_of_len(1 << 20);
    let expected = big.clone();

    let (events, replies) = run(
        role,
        |ws| {
            let mut events = vec![next(ws), next(ws), next(ws)];
            let want = info(4001, "peer done ✓", Initiator::Remote);
            assert_send_closed(&mut ws.conn, &want);
            events.extend(drain(ws));
            assert_send_closed(&mut ws.conn, &want);
            events
        },
        move |ws| {
            ws.write(Message::text("last words ✓")).unwrap();
            ws.write(Message::binary(big)).unwrap();
            tung_close(ws, Some(close_frame(4001, "peer done ✓")))
        },
    );

    assert_events(
        &events,
        &[
            Event::Text("last words ✓".into()),
            Event::Binary(expected.into()),
            close_received(4001, "peer done ✓"),
            closed(4001, "peer done ✓", true, Initiator::Remote),
        ],
    );
    assert_eq!(replies, vec![Some(close_frame(4001, ""))]);
}

/// tungstenite closes with an empty close frame: wscore reports 1005 and answers
/// with an empty close frame too.
fn close_without_code_from_peer(role: Role) {
    let (events, replies) = run(
        role,
        |ws| {
            let events = drain(ws);
            assert_send_closed(&mut ws.conn, &info(1005, "", Initiator::Remote));
            events
        },
        |ws| tung_close(ws, None),
    );

    assert_events(
        &events,
        &[
            close_received(1005, ""),
            closed(1005, "", true, Initiator::Remote),
        ],
    );
    assert_eq!(replies, vec![None]);
}

/// Both sides send their close frame before reading the other's: both end cleanly,
/// each seeing the other's code and reason, with no error on either side.
fn simultaneous_close(role: Role) {
    let ready = Arc::new(Barrier::new(2));
    let sent = Arc::new(Barrier::new(2));
    let (ready2, sent2) = (ready.clone(), sent.clone());

    let (events, frames) = run(
        role,
        move |ws| {
            ready.wait();
            assert_eq!(
                ws.conn.close(CloseCode(4002), "wscore closing"),
                Ok(CloseOutcome::Sent)
            );
            ws.flush().unwrap();
            sent.wait();
            let events = drain(ws);
            assert_send_closed(
                &mut ws.conn,
                &info(4002, "wscore closing", Initiator::Local),
            );
            events
        },
        move |ws| {
            ready2.wait();
            let result = ws.close(Some(close_frame(4003, "tungstenite closing")));
            assert!(
                matches!(result, Ok(()) | Err(WsError::ConnectionClosed)),
                "tungstenite close: {result:?}"
            );
            sent2.wait();
            read_until_closed(ws)
        },
    );

    assert_eq!(frames, vec![Some(close_frame(4002, "wscore closing"))]);
    assert_events(
        &events,
        &[
            close_received(4003, "tungstenite closing"),
            closed(4003, "tungstenite closing", true, Initiator::Local),
        ],
    );
}

/// tungstenite sends a message and drops its socket without a close frame: wscore
/// delivers the message, then reports an abnormal (1006) close by the transport.
fn peer_drops_tcp_without_close(role: Role) {
    let (events, ()) = run(
        role,
        |ws| {
            let events = drain(ws);
            assert_send_closed(&mut ws.conn, &info(1006, "", Initiator::Transport));
            events
        },
        |ws| ws.send(Message::text("then gone")).unwrap(), // returning drops the socket
    );

    assert_events(
        &events,
        &[
            Event::Text("then gone".into()),
            closed(1006, "", false, Initiator::Transport),
        ],
    );
}

/// wscore sends a message and drops its socket without a close frame: tungstenite
/// reads the message, then reports the reset at once instead of waiting.
fn wscore_drops_tcp_without_close(role: Role) {
    run(
        role,
        |ws| {
            ws.conn.send_text("then gone").unwrap();
            ws.flush().unwrap(); // returning drops the socket
        },
        |ws| {
            expect_message(ws, &Message::text("then gone"));
            let start = Instant::now();
            let error = ws
                .read()
                .expect_err("tungstenite read after the peer vanished");
            let took = start.elapsed();
            assert!(
                matches!(
                    error,
                    WsError::Protocol(WsProtocolError::ResetWithoutClosingHandshake)
                ),
                "tungstenite after the peer vanished: {error:?} (after {took:?})"
            );
            assert!(
                took < IO_TIMEOUT / 2,
                "tungstenite waited {took:?} for the dropped socket"
            );
        },
    );
}

/// The client offers `chat, superchat`; the server picks `superchat`; both agree,
/// and a message flows over the negotiated connection.
fn subprotocol_negotiated(role: Role) {
    let ((wscore_seen, wscore_protocol, events), tung_seen) = run_with(
        role,
        &["chat", "superchat"],
        Some("superchat"),
        |ws, seen| {
            let protocol = ws.conn.subprotocol().map(String::from);
            ws.conn
                .send_text(format!(
                    "speaking {}",
                    protocol.as_deref().unwrap_or("nothing")
                ))
                .unwrap();
            (seen.clone(), protocol, drain(ws))
        },
        |ws, seen| {
            expect_message(ws, &Message::text("speaking superchat"));
            tung_close(ws, Some(close_frame(1000, "")));
            seen.clone()
        },
    );

    let (server, client) = match role {
        Role::Server => (wscore_seen, tung_seen),
        Role::Client => (tung_seen, wscore_seen),
    };
    assert_eq!(
        server.offered,
        ["chat", "superchat"],
        "offer as the server read it"
    );
    assert_eq!(
        client.selected.as_deref(),
        Some("superchat"),
        "selection as the client read it"
    );
    assert_eq!(
        wscore_protocol.as_deref(),
        Some("superchat"),
        "wscore's Connection::subprotocol"
    );
    assert_events(
        &events,
        &[
            close_received(1000, ""),
            closed(1000, "", true, Initiator::Remote),
        ],
    );
}
