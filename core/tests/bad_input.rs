//! "Bad input → what happens": one test per row of the table in docs/bad-input.md. Each
//! asserts the exact bytes put on the wire (close frame or HTTP response), the
//! events the application sees, and where the input could make memory grow, a
//! bound on the heap measured by the counting allocator.

mod alloc_counter;
mod common;

use std::time::Duration;

use common::*;
use wscore::{
    CloseCode, Closed, Config, Connection, Error, Event, HandshakeError, Initiator, ProtocolError,
};

// ----- helpers -----

/// A close frame as a server writes it: code and reason, unmasked.
fn close_frame(code: CloseCode, reason: &str) -> Vec<u8> {
    let mut payload = code.0.to_be_bytes().to_vec();
    payload.extend_from_slice(reason.as_bytes());
    server_frame(0x88, &payload)
}

/// Feeds `input` to an open server (default limits); returns its wire output and events.
fn server_after(input: &[u8]) -> (Vec<u8>, Vec<Event>, Connection) {
    let (_client, mut server) = pair();
    server.receive(input);
    let events = common::events(&mut server);
    (server.take_output(), events, server)
}

/// The connection failed with `error`: its close frame (code and message) is
/// the only thing on the wire, `Closed` carrying the error is the only event,
/// and the transport is to be closed. Later input is ignored.
fn assert_failed(
    wire: &[u8],
    events: &[Event],
    conn: &mut Connection,
    code: CloseCode,
    error: ProtocolError,
) {
    let reason = wscore::binding::truncate_reason(&error.to_string()).to_owned();
    assert_eq!(wire, close_frame(code, &reason), "wire for {error:?}");
    assert_eq!(
        events,
        [Event::Closed(Closed {
            code,
            reason,
            clean: false,
            initiator: Initiator::ProtocolError,
            error: Some(Error::Protocol(error)),
        })]
    );
    assert!(conn.should_close_transport());
    conn.receive(&client_frame(0x81, b"later"));
    assert_eq!(conn.poll_event(), None);
    assert!(conn.take_output().is_empty());
}

fn fails_with(input: &[u8], code: CloseCode, error: ProtocolError) {
    let (wire, events, mut server) = server_after(input);
    assert_failed(&wire, &events, &mut server, code, error);
}

/// An upgrade request with `extra` header lines (each ending in CRLF); the
/// standard key and version unless `extra` replaces them (`key`/`version` false).
fn request(key: bool, version: &str, extra: &str) -> Vec<u8> {
    let mut head = String::from(
        "GET /chat HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n",
    );
    if key {
        head.push_str("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n");
    }
    head.push_str(&format!("Sec-WebSocket-Version: {version}\r\n"));
    head.push_str(extra);
    head.push_str("\r\n");
    head.into_bytes()
}

/// The response a server writes for a handshake error (core's format, spelled out).
fn http_error(status_line: &str, extra_headers: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status_line}\r\nContent-Length: {}\r\nConnection: close\r\n\
         Content-Type: text/plain; charset=utf-8\r\n{extra_headers}\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A fresh server fed `input` in `chunk`-byte reads: its wire output and events.
fn handshake_after(input: &[u8], chunk: usize) -> (Vec<u8>, Vec<Event>, Connection) {
    let mut server = Connection::server(Config::default());
    server.handle_timeout(Duration::ZERO);
    for part in input.chunks(chunk) {
        server.receive(part);
    }
    let events = common::events(&mut server);
    (server.take_output(), events, server)
}

/// The handshake failed with `error`: the HTTP response is the only thing on
/// the wire, and the application sees only `Closed` (1006) carrying the error.
fn assert_rejected(
    wire: &[u8],
    events: &[Event],
    conn: &Connection,
    response: &[u8],
    error: HandshakeError,
) {
    assert_eq!(
        String::from_utf8_lossy(wire),
        String::from_utf8_lossy(response)
    );
    assert_eq!(
        events,
        [Event::Closed(Closed {
            code: CloseCode::ABNORMAL,
            reason: error.to_string(),
            clean: false,
            initiator: Initiator::ProtocolError,
            error: Some(Error::Handshake(error)),
        })]
    );
    assert!(conn.should_close_transport());
}

/// Peak heap growth must stay under this for inputs that carry no payload.
const SMALL: usize = 16 << 10;

// ----- frames -----

#[test]
fn length_with_top_bit_set() {
    let _serial = alloc_counter::serial();
    let mut frame = vec![0x82, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 0];
    frame.extend_from_slice(&[1, 2, 3, 4]);
    let ((wire, events, mut server), growth) = alloc_counter::peak_growth(|| server_after(&frame));
    assert_failed(
        &wire,
        &events,
        &mut server,
        CloseCode::PROTOCOL_ERROR,
        ProtocolError::LengthTopBitSet,
    );
    println!("peak heap growth: {growth} bytes");
    assert!(growth < SMALL, "peak heap growth {growth} bytes");
}

#[test]
fn lengths_far_above_the_limits() {
    let _serial = alloc_counter::serial();
    // A single frame declaring 2^62 bytes: refused on its header, nothing reserved.
    let mut frame = vec![0x82, 0x80 | 127];
    frame.extend_from_slice(&(1u64 << 62).to_be_bytes());
    frame.extend_from_slice(&[1, 2, 3, 4]);
    let ((wire, events, mut server), growth) = alloc_counter::peak_growth(|| server_after(&frame));
    let limit = Config::default().max_frame_size;
    assert_failed(
        &wire,
        &events,
        &mut server,
        CloseCode::MESSAGE_TOO_BIG,
        ProtocolError::FrameTooBig {
            size: 1 << 62,
            limit,
        },
    );
    println!("peak heap growth: {growth} bytes");
    assert!(growth < SMALL, "peak heap growth {growth} bytes");

    // Fragments each under the frame limit whose sum passes the message limit:
    // refused on the header of the fragment that would cross it.
    let config = Config {
        max_frame_size: 1000,
        max_message_size: 1500,
        ..Config::default()
    };
    let (_client, mut server) = open_pair(Config::default(), config);
    let mut input = client_frame(0x02, &[7; 1000]);
    input.extend(client_frame(0x80, &[7; 501])[..8].to_vec()); // just the header
    server.receive(&input);
    let events = common::events(&mut server);
    let wire = server.take_output();
    assert_failed(
        &wire,
        &events,
        &mut server,
        CloseCode::MESSAGE_TOO_BIG,
        ProtocolError::MessageTooBig {
            size: 1501,
            limit: 1500,
        },
    );
}

#[test]
fn unmasked_client_frame() {
    fails_with(
        &server_frame(0x81, b"hi"),
        CloseCode::PROTOCOL_ERROR,
        ProtocolError::UnmaskedClientFrame,
    );
}

#[test]
fn masked_server_frame() {
    let (mut client, _server) = pair();
    client.receive(&client_frame(0x81, b"hi"));
    let events = common::events(&mut client);
    // A client's frames are masked: unmask its close frame to compare it.
    let wire = client.take_output();
    let (n, _, key) = common::frame_head(&wire);
    let key = key.expect("client frames are masked");
    let payload: Vec<u8> = wire[n..]
        .iter()
        .enumerate()
        .map(|(i, b)| b ^ key[i % 4])
        .collect();
    let error = ProtocolError::MaskedServerFrame;
    // The frame as it would look unmasked: mask bit cleared, key dropped.
    let mut unmasked = vec![wire[0], wire[1] & 0x7F];
    unmasked.extend_from_slice(&payload);
    assert_failed(
        &unmasked,
        &events,
        &mut client,
        CloseCode::PROTOCOL_ERROR,
        error,
    );
}

#[test]
fn fragmented_control_frame() {
    fails_with(
        &client_frame(0x09, b"ping"),
        CloseCode::PROTOCOL_ERROR,
        ProtocolError::FragmentedControlFrame,
    );
}

#[test]
fn control_frame_over_125_bytes() {
    fails_with(
        &client_frame(0x89, &[0; 126]),
        CloseCode::PROTOCOL_ERROR,
        ProtocolError::ControlFrameTooLong(126),
    );
}

#[test]
fn continuation_with_no_message_started() {
    fails_with(
        &client_frame(0x80, b"orphan"),
        CloseCode::PROTOCOL_ERROR,
        ProtocolError::UnexpectedContinuation,
    );
}

#[test]
fn new_message_inside_a_fragmented_one() {
    let mut input = client_frame(0x01, b"first half");
    input.extend(client_frame(0x81, b"another message"));
    fails_with(
        &input,
        CloseCode::PROTOCOL_ERROR,
        ProtocolError::ExpectedContinuation,
    );
}

#[test]
fn invalid_utf8_in_text() {
    // Fails at the bad byte: the rest of the frame has not even arrived.
    let frame = client_frame(0x81, &[b"ok".as_slice(), &[0xFF], &[b'x'; 1000]].concat());
    let header_and_3 = 2 + 2 + 4 + 3;
    fails_with(
        &frame[..header_and_3],
        CloseCode::INVALID_PAYLOAD,
        ProtocolError::InvalidUtf8("text message"),
    );
}

#[test]
fn invalid_utf8_in_close_reason() {
    fails_with(
        &client_frame(0x88, &[0x03, 0xE8, b'o', 0xC3, 0x28]),
        CloseCode::INVALID_PAYLOAD,
        ProtocolError::InvalidUtf8("close reason"),
    );
}

#[test]
fn invalid_close_codes() {
    for code in [0u16, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] {
        fails_with(
            &client_frame(0x88, &code.to_be_bytes()),
            CloseCode::PROTOCOL_ERROR,
            ProtocolError::InvalidCloseCode(code),
        );
    }
}

#[test]
fn one_byte_close_payload() {
    fails_with(
        &client_frame(0x88, &[0x03]),
        CloseCode::PROTOCOL_ERROR,
        ProtocolError::CloseFrameOneByte,
    );
}

#[test]
fn rsv_bits_with_no_extension() {
    for rsv in [0b100u8, 0b010, 0b001, 0b111] {
        fails_with(
            &client_frame(0x81 | (rsv << 4), b"x"),
            CloseCode::PROTOCOL_ERROR,
            ProtocolError::ReservedBits(rsv),
        );
    }
}

#[test]
fn unknown_opcodes() {
    for opcode in (0x3u8..=0x7).chain(0xB..=0xF) {
        fails_with(
            &client_frame(0x80 | opcode, b"x"),
            CloseCode::PROTOCOL_ERROR,
            ProtocolError::UnknownOpcode(opcode),
        );
    }
}

// ----- opening handshake -----

#[test]
fn handshake_header_of_1_mib() {
    let _serial = alloc_counter::serial();
    let big = format!("X-Big: {}\r\n", "a".repeat(1 << 20));
    let input = request(true, "13", &big);
    const READ: usize = 64 << 10; // what one socket read hands over
    let ((wire, events, server), growth) =
        alloc_counter::peak_growth(|| handshake_after(&input, READ));
    let limit = Config::default().max_handshake_size;
    let error = HandshakeError::TooLarge(limit);
    let body = format!("{error}\n");
    assert_rejected(
        &wire,
        &events,
        &server,
        &http_error("431 Request Header Fields Too Large", "", &body),
        error,
    );
    // Refused once the buffered head passes the limit: one read is held at most.
    println!("1 MiB head in 64 KiB reads: peak heap growth {growth} bytes");
    assert!(
        growth < limit + READ + SMALL,
        "peak heap growth {growth} bytes for a 1 MiB head"
    );
}

#[test]
fn missing_sec_websocket_key() {
    let (wire, events, server) = handshake_after(&request(false, "13", ""), usize::MAX);
    let error = HandshakeError::MissingHeader("Sec-WebSocket-Key");
    let body = format!("{error}\n");
    assert_rejected(
        &wire,
        &events,
        &server,
        &http_error("400 Bad Request", "", &body),
        error,
    );
}

#[test]
fn duplicated_sec_websocket_key() {
    let extra = "Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEA==\r\n";
    let (wire, events, server) = handshake_after(&request(true, "13", extra), usize::MAX);
    let error = HandshakeError::DuplicateHeader("Sec-WebSocket-Key");
    let body = format!("{error}\n");
    assert_rejected(
        &wire,
        &events,
        &server,
        &http_error("400 Bad Request", "", &body),
        error,
    );
}

#[test]
fn wrong_version() {
    let (wire, events, server) = handshake_after(&request(true, "8", ""), usize::MAX);
    let error = HandshakeError::UnsupportedVersion("8".into());
    let body = format!("{error}\n");
    assert_rejected(
        &wire,
        &events,
        &server,
        // Tells the client which version we speak (RFC 6455 §4.4).
        &http_error(
            "426 Upgrade Required",
            "Sec-WebSocket-Version: 13\r\n",
            &body,
        ),
        error,
    );
}

#[test]
fn handshake_trickling_in_byte_by_byte() {
    let _serial = alloc_counter::serial();
    // Slowloris: one byte every 100 ms. The default 10 s handshake timeout ends it
    // before the head is complete; nothing is answered (the peer is not listening).
    let input = request(true, "13", "User-Agent: slowloris\r\n");
    assert!(input.len() > 100, "the head takes longer than the timeout");
    let mut server = Connection::server(Config::default());
    server.handle_timeout(Duration::ZERO);
    let mut now = Duration::ZERO;
    let (_, growth) = alloc_counter::peak_growth(|| {
        for byte in &input {
            now += Duration::from_millis(100);
            server.handle_timeout(now);
            if server.should_close_transport() {
                break;
            }
            server.receive(std::slice::from_ref(byte));
            assert_eq!(server.poll_event(), None, "no event before the timeout");
        }
    });
    assert_eq!(
        now,
        Duration::from_secs(10),
        "dropped exactly at the timeout"
    );
    let events = common::events(&mut server);
    let wire = server.take_output();
    assert!(wire.is_empty(), "{:?}", String::from_utf8_lossy(&wire));
    let error = HandshakeError::Timeout;
    assert_eq!(
        events,
        [Event::Closed(Closed {
            code: CloseCode::ABNORMAL,
            reason: error.to_string(),
            clean: false,
            initiator: Initiator::ProtocolError,
            error: Some(Error::Handshake(error)),
        })]
    );
    assert!(server.should_close_transport());
    assert_eq!(server.poll_timeout(), None);
    // What was buffered is what arrived: under 100 bytes, plus the event.
    println!("peak heap growth: {growth} bytes");
    assert!(growth < SMALL, "peak heap growth {growth} bytes");
}

#[test]
fn handshake_of_16_kib_one_byte_per_read() {
    let _serial = alloc_counter::serial();
    // A valid head just under the 16 KiB limit (100 headers of 160 bytes), one
    // byte per read: the blank line is searched for in each new byte only, and
    // the head parsed once complete (it used to be re-parsed on every read:
    // n²/2 = 134 million byte visits).
    let filler: String = (0..100)
        .map(|i| format!("X-Filler-{i:03}: {}\r\n", "a".repeat(144)))
        .collect();
    let input = request(true, "13", &filler);
    let limit = Config::default().max_handshake_size;
    assert!(
        input.len() > 16_000 && input.len() <= limit,
        "{}",
        input.len()
    );
    let started = std::time::Instant::now();
    let ((wire, events, server), growth) =
        alloc_counter::peak_growth(|| handshake_after(&input, 1));
    let elapsed = started.elapsed();
    assert!(wire.is_empty(), "{:?}", String::from_utf8_lossy(&wire));
    assert!(matches!(events.as_slice(), [Event::Request(r)] if r.headers.len() == 105));
    assert!(!server.should_close_transport());
    // The head, its buffer's growth, and the parsed request (in the event and kept).
    println!(
        "{}-byte head, one byte per read: accepted in {elapsed:?}, peak heap growth {growth} bytes",
        input.len()
    );
    assert!(growth < 6 * limit, "peak heap growth {growth} bytes");
}

#[test]
fn too_many_header_fields() {
    // 200 small headers: 4 KiB, well under the size limit, over the count limit.
    let filler: String = (0..200).map(|i| format!("X-H{i}: v\r\n")).collect();
    let input = request(true, "13", &filler);
    assert!(input.len() < Config::default().max_handshake_size);
    let (wire, events, server) = handshake_after(&input, usize::MAX);
    let error = HandshakeError::TooManyHeaders(128);
    let body = format!("{error}\n");
    assert_eq!(body, "too many header fields: at most 128 allowed\n");
    assert_rejected(
        &wire,
        &events,
        &server,
        &http_error("431 Request Header Fields Too Large", "", &body),
        error,
    );
}

#[test]
fn upgrade_request_with_a_body() {
    // The body would otherwise be read as the client's first frames.
    for (extra, detail) in [
        ("Content-Length: 5\r\n", "Content-Length: 5"),
        (
            "Transfer-Encoding: chunked\r\n",
            "Transfer-Encoding: chunked",
        ),
        (
            "Content-Length: 5\r\nContent-Length: 5\r\n",
            "2 Content-Length headers",
        ),
        (
            "Content-Length: 0\r\nContent-Length: 5\r\n",
            "2 Content-Length headers",
        ),
    ] {
        let mut input = request(true, "13", extra);
        input.extend_from_slice(b"hello");
        let (wire, events, server) = handshake_after(&input, usize::MAX);
        let error = HandshakeError::RequestBody(detail.into());
        let body = format!("{error}\n");
        assert_rejected(
            &wire,
            &events,
            &server,
            &http_error("400 Bad Request", "", &body),
            error,
        );
    }
}

/// A server with an origin policy, fed `input` in one read.
fn guarded_server_after(input: &[u8]) -> (Vec<u8>, Vec<Event>, Connection) {
    let mut server = Connection::server(Config {
        origin_policy: Some(
            wscore::OriginPolicy::same_origin()
                .with_allowed_hosts(["localhost", "127.0.0.1"])
                .into(),
        ),
        ..Config::default()
    });
    server.receive(input);
    let events = common::events(&mut server);
    (server.take_output(), events, server)
}

#[test]
fn origin_of_another_site() {
    // Cross-site WebSocket hijacking: a page on evil.example opens our socket.
    let input = request(true, "13", "Origin: https://evil.example\r\n");
    assert_forbidden(
        &input,
        HandshakeError::OriginNotAllowed {
            origin: "https://evil.example".into(),
            allowed: "same-origin (Host \"localhost\")".into(),
        },
    );
}

#[test]
fn forged_host() {
    // DNS rebinding: Host and Origin both name the attacker's domain.
    let input = String::from_utf8(request(true, "13", "Origin: http://evil.example\r\n"))
        .unwrap()
        .replace("Host: localhost", "Host: evil.example");
    assert_forbidden(
        input.as_bytes(),
        HandshakeError::HostNotAllowed {
            host: "evil.example".into(),
            allowed: "localhost, 127.0.0.1".into(),
        },
    );
}

/// `input` to the guarded server is refused with 403 and `error` as its body.
fn assert_forbidden(input: &[u8], error: HandshakeError) {
    let (wire, events, server) = guarded_server_after(input);
    let body = format!("{error}\n");
    assert_rejected(
        &wire,
        &events,
        &server,
        &http_error("403 Forbidden", "", &body),
        error,
    );
}

// ----- permessage-deflate -----

#[cfg(feature = "deflate")]
#[test]
fn compression_bomb() {
    use wscore::DeflateConfig;
    let _serial = alloc_counter::serial();
    const LIMIT: usize = 1 << 20;
    let config = Config {
        max_message_size: LIMIT,
        deflate: Some(DeflateConfig::default()),
        ..Config::default()
    };
    let (mut client, mut server) = open_pair(config.clone(), config);
    // 64 MiB of zeros: about 64 KiB on the wire.
    let zeros = vec![0u8; 1 << 20];
    for i in 0..64 {
        client.send_binary_fragment(&zeros[..], i == 63).unwrap();
    }
    drop(zeros);
    let bomb = client.take_output();
    assert!(bomb.len() < 128 << 10, "{} bytes on the wire", bomb.len());
    let (_, growth) = alloc_counter::peak_growth(|| {
        for read in bomb.chunks(16 << 10) {
            server.receive(read);
        }
    });
    let events = common::events(&mut server);
    let wire = server.take_output();
    let error = ProtocolError::MessageTooBig {
        size: LIMIT as u64 + 1,
        limit: LIMIT,
    };
    assert_failed(
        &wire,
        &events,
        &mut server,
        CloseCode::MESSAGE_TOO_BIG,
        error,
    );
    // The message buffer never passes the limit (+1 byte), but growing it holds
    // the old and the new buffer for a moment; zlib's state is tens of KiB.
    println!(
        "compression bomb: 64 MiB declared, {} bytes on the wire, peak heap growth {growth} bytes",
        bomb.len()
    );
    assert!(
        growth < 2 * LIMIT,
        "peak heap growth {growth} bytes against a {LIMIT}-byte limit"
    );
}
