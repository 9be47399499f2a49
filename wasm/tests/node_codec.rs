//! The JS `Connection` (codec.rs) in Node: two connections talk in memory.
//! `cargo test -p wscore-wasm --target wasm32-unknown-unknown --test node_codec`
//! with `wasm-bindgen-test-runner` as the runner (see mk/wasm-node.mk).
#![cfg(target_arch = "wasm32")]

use std::rc::Rc;

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;
use wscore_wasm::JsConnection as Connection;

#[wasm_bindgen(
    inline_js = "export function catchThrown(f) { try { f(); return undefined; } catch (e) { return e; } }"
)]
extern "C" {
    #[wasm_bindgen(js_name = catchThrown)]
    fn catch_thrown(f: &js_sys::Function) -> JsValue;
}

fn field(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &key.into()).expect("an object")
}

fn str_field(value: &JsValue, key: &str) -> String {
    field(value, key)
        .as_string()
        .unwrap_or_else(|| panic!("{key} is not a string"))
}

fn num_field(value: &JsValue, key: &str) -> f64 {
    field(value, key)
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number"))
}

fn options(pairs: &[(&str, JsValue)]) -> Object {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &(*k).into(), v).unwrap();
    }
    o
}

fn pump(from: &Connection, to: &Connection) {
    to.receive(&from.take_output().unwrap().to_vec()).unwrap();
}

/// A client and a server with the handshake done (subprotocol "chat"), through
/// the JS API under test: core's own pair is `wscore::testing::open_pair`.
fn open_pair(server_options: Option<Object>) -> (Connection, Connection) {
    let subprotocols = Array::of1(&"chat".into());
    let client = Connection::client(
        "ws://127.0.0.1/room?x=1".into(),
        Some(options(&[("subprotocols", subprotocols.into())])),
    )
    .unwrap();
    let server = Connection::server(server_options).unwrap();
    pump(&client, &server);
    let request = server.poll_event().unwrap();
    assert_eq!(str_field(&request, "type"), "request");
    assert_eq!(str_field(&request, "target"), "/room?x=1");
    server
        .accept(Some(options(&[("subprotocol", "chat".into())])))
        .unwrap();
    pump(&server, &client);
    let accepted = client.poll_event().unwrap();
    assert_eq!(str_field(&accepted, "type"), "accepted");
    assert_eq!(str_field(&accepted, "subprotocol"), "chat");
    assert_eq!(
        (client.state(), server.state()),
        ("open".to_string(), "open".to_string())
    );
    (client, server)
}

/// A new `Uint8Array` holding `bytes`, as a JS caller passes it.
fn u8s(bytes: &[u8]) -> JsValue {
    Uint8Array::from(bytes).into()
}

fn error_name(error: &JsValue) -> String {
    str_field(error, "name")
}

#[wasm_bindgen_test]
fn text_and_binary_cross_as_string_and_uint8array() {
    let (client, server) = open_pair(None);
    client.send_text("héllo €".into()).unwrap();
    client.send_binary(&u8s(&[0, 1, 255])).unwrap();
    client.send_ping(Some(b"p".to_vec())).unwrap();
    pump(&client, &server);
    let events = server.events().unwrap();
    assert_eq!(events.length(), 3);
    assert_eq!(str_field(&events.get(0), "type"), "text");
    assert_eq!(str_field(&events.get(0), "data"), "héllo €");
    assert_eq!(str_field(&events.get(1), "type"), "binary");
    assert_eq!(
        Uint8Array::new(&field(&events.get(1), "data")).to_vec(),
        vec![0, 1, 255]
    );
    assert_eq!(str_field(&events.get(2), "type"), "ping");
    // The pong was queued by core; the client sees it.
    pump(&server, &client);
    let pong = client.poll_event().unwrap();
    assert_eq!(str_field(&pong, "type"), "pong");
    assert_eq!(
        Uint8Array::new(&field(&pong, "data")).to_vec(),
        b"p".to_vec()
    );
    assert!(client.poll_event().unwrap().is_undefined());
}

#[wasm_bindgen_test]
fn take_output_returns_every_pending_byte_once() {
    let (client, server) = open_pair(None);
    server.send_binary(&u8s(&[7; 100_000])).unwrap();
    server.send_text("tail".into()).unwrap();
    let expected = server.buffered_amount();
    assert_eq!(expected, 10 + 100_000 + 2 + 4); // 64-bit length header, then a 2-byte one
    let out = server.take_output().unwrap();
    assert_eq!(out.length() as usize, expected);
    assert_eq!(server.buffered_amount(), 0);
    assert_eq!(server.take_output().unwrap().length(), 0);
    client.receive(&out.to_vec()).unwrap();
    let events = client.events().unwrap();
    assert_eq!(
        Uint8Array::new(&field(&events.get(0), "data")).length(),
        100_000
    );
    assert_eq!(str_field(&events.get(1), "data"), "tail");

    // A long text is queued as its own slice: several slices, none kept, joined.
    let long = "ü".repeat(3000);
    server.send_text(long.clone()).unwrap();
    server.send_text("after".into()).unwrap();
    let out = server.take_output().unwrap();
    assert_eq!(out.length(), 4 + 6000 + 2 + 5);
    client.receive(&out.to_vec()).unwrap();
    let events = client.events().unwrap();
    assert_eq!(str_field(&events.get(0), "data"), long);
    assert_eq!(str_field(&events.get(1), "data"), "after");
}

/// `events()` builds every object in JS from wasm memory (codec.rs, events.mjs):
/// each payload must be its own exact copy, whatever its size, and survive
/// later calls that reuse that memory.
#[wasm_bindgen_test]
fn a_batch_of_messages_of_every_size_comes_out_exact_and_owned() {
    let (client, server) = open_pair(None);
    let sizes = [
        0usize, 1, 16, 64, 65, 125, 5_000, 8_192, 8_193, 65_536, 200_000,
    ];
    let bytes = |n: usize| (0..n).map(|i| (i * 131 + 7) as u8).collect::<Vec<u8>>();
    let long_text = "héllo wörld 你好 👋 ".repeat(700);
    client.send_text("\u{feff}bom stays".into()).unwrap();
    for n in sizes {
        client.send_binary(&u8s(&bytes(n))).unwrap();
    }
    client.send_text(long_text.clone()).unwrap();
    client.send_ping(Some(b"ping".to_vec())).unwrap();
    pump(&client, &server);
    let events = server.events().unwrap();
    assert_eq!(events.length() as usize, sizes.len() + 3);
    assert_eq!(str_field(&events.get(0), "data"), "\u{feff}bom stays");
    let memory = Reflect::get(&wasm_bindgen::memory(), &"buffer".into()).unwrap();
    for (i, n) in sizes.iter().enumerate() {
        let event = events.get(i as u32 + 1);
        assert_eq!(str_field(&event, "type"), "binary");
        let data = Uint8Array::new(&field(&event, "data"));
        assert_eq!(data.to_vec(), bytes(*n), "binary of {n} bytes");
        assert!(
            JsValue::from(data.buffer()) != memory,
            "binary of {n} bytes is a view of wasm memory"
        );
    }
    assert_eq!(
        str_field(&events.get(sizes.len() as u32 + 1), "data"),
        long_text
    );
    assert_eq!(
        str_field(&events.get(sizes.len() as u32 + 2), "type"),
        "ping"
    );

    // Later traffic reuses the wasm memory those payloads came from.
    for n in sizes {
        client.send_binary(&u8s(&vec![0xee; n])).unwrap();
    }
    pump(&client, &server);
    assert_eq!(server.events().unwrap().length() as usize, sizes.len());
    for (i, n) in sizes.iter().enumerate() {
        let data = Uint8Array::new(&field(&events.get(i as u32 + 1), "data"));
        assert_eq!(data.to_vec(), bytes(*n), "binary of {n} bytes changed");
    }
}

/// Outputs taken one after another stay distinct (small ones share a slab).
#[wasm_bindgen_test]
fn outputs_taken_in_turn_keep_their_bytes() {
    let (client, server) = open_pair(None);
    let outs: Vec<Uint8Array> = (0..3000u32)
        .map(|i| {
            server.send_text(format!("message {i}")).unwrap();
            server.take_output().unwrap()
        })
        .collect();
    for (i, out) in outs.iter().enumerate() {
        client.receive(&out.to_vec()).unwrap();
        let events = client.events().unwrap();
        assert_eq!(str_field(&events.get(0), "data"), format!("message {i}"));
    }
}

#[wasm_bindgen_test]
fn send_after_local_close_throws_connection_closed_with_code_reason_initiator() {
    let (client, _server) = open_pair(None);
    let outcome = client.close(Some(4000.0), Some("bye".into())).unwrap();
    assert_eq!(str_field(&outcome, "outcome"), "sent");
    let error = client.send_text("late".into()).unwrap_err();
    assert!(error.is_instance_of::<js_sys::Error>());
    assert_eq!(error_name(&error), "ConnectionClosedError");
    assert_eq!(num_field(&error, "code"), 4000.0);
    assert_eq!(str_field(&error, "reason"), "bye");
    assert_eq!(str_field(&error, "initiator"), "local");
    assert_eq!(field(&error, "closedByUs"), JsValue::TRUE);
    let classes = Connection::error_classes();
    let closed_class: js_sys::Function = field(&classes, "ConnectionClosedError").into();
    let base_class: js_sys::Function = field(&classes, "WebSocketError").into();
    assert!(error
        .unchecked_ref::<Object>()
        .is_instance_of::<js_sys::Error>());
    assert!(
        js_sys::Reflect::get_prototype_of(&error).unwrap()
            == field(&closed_class, "prototype").into()
    );
    assert!(
        Reflect::get_prototype_of(&field(&closed_class, "prototype")).unwrap()
            == field(&base_class, "prototype").into()
    );
    // Closing twice is fine and says who closed.
    let again = client.close(Some(1000.0), None).unwrap();
    assert_eq!(str_field(&again, "outcome"), "already_closed");
    assert_eq!(num_field(&again, "code"), 4000.0);
    assert_eq!(str_field(&again, "initiator"), "local");
}

#[wasm_bindgen_test]
fn peer_close_then_send_is_remote_and_eof_is_transport_1006() {
    let (client, server) = open_pair(None);
    server.close(Some(1001.0), Some("restart".into())).unwrap();
    pump(&server, &client);
    let events = client.events().unwrap();
    assert_eq!(str_field(&events.get(0), "type"), "close_received");
    assert_eq!(num_field(&events.get(0), "code"), 1001.0);
    let error = client.send_binary(&u8s(&[1])).unwrap_err();
    assert_eq!(
        (str_field(&error, "initiator"), num_field(&error, "code")),
        ("remote".into(), 1001.0)
    );
    assert_eq!(client.our_state(), "closed");

    let (client, server) = open_pair(None);
    server.receive_eof().unwrap();
    let closed = server.poll_event().unwrap();
    assert_eq!(str_field(&closed, "type"), "closed");
    assert_eq!(
        (num_field(&closed, "code"), field(&closed, "clean")),
        (1006.0, JsValue::FALSE)
    );
    assert_eq!(str_field(&closed, "initiator"), "transport");
    assert!(server.should_close_transport());
    let error = server.send_text("x".into()).unwrap_err();
    assert_eq!(
        (str_field(&error, "initiator"), num_field(&error, "code")),
        ("transport".into(), 1006.0)
    );
    drop(client);
}

#[wasm_bindgen_test]
fn invalid_close_arguments_throw_and_send_nothing() {
    let (client, _server) = open_pair(None);
    let before = client.buffered_amount();
    for (code, reason) in [
        (1006.0, String::new()),
        (1000.5, String::new()),
        (70000.0, String::new()),
        (1000.0, "x".repeat(124)),
    ] {
        let error = client.close(Some(code), Some(reason)).unwrap_err();
        assert_eq!(
            error_name(&error),
            "InvalidCloseArgumentsError",
            "code {code}"
        );
    }
    assert_eq!(client.buffered_amount(), before);
    assert_eq!(client.state(), "open");
}

#[wasm_bindgen_test]
fn state_and_argument_errors_are_typed() {
    let client = Connection::client("ws://127.0.0.1/".into(), None).unwrap();
    assert_eq!(
        error_name(&client.send_text("early".into()).unwrap_err()),
        "InvalidStateError"
    );
    let server = Connection::server(None).unwrap();
    assert_eq!(
        error_name(&server.accept(None).unwrap_err()),
        "InvalidStateError"
    );
    let (client, _server) = open_pair(None);
    assert!(client
        .send_ping(Some(vec![0; 126]))
        .unwrap_err()
        .is_instance_of::<js_sys::RangeError>());
    let bad_url = Connection::client("http://x/".into(), None)
        .err()
        .expect("http: is refused");
    assert_eq!(error_name(&bad_url), "HandshakeError");
    let bad_option = Connection::server(Some(options(&[("maxFrameSize", "big".into())])))
        .err()
        .unwrap();
    assert!(bad_option.is_instance_of::<js_sys::TypeError>());
    assert!(client
        .handle_timeout(f64::NAN)
        .unwrap_err()
        .is_instance_of::<js_sys::TypeError>());
}

#[wasm_bindgen_test]
fn close_timer_runs_on_the_callers_clock() {
    let (client, _server) = open_pair(None);
    client.handle_timeout(5_000.0).unwrap();
    client.close(None, None).unwrap();
    assert_eq!(client.poll_timeout(), Some(15_000.0)); // close_timeout 10 s from now
    client.handle_timeout(14_999.0).unwrap();
    assert!(client.poll_event().unwrap().is_undefined());
    client.handle_timeout(15_000.0).unwrap();
    let closed = client.poll_event().unwrap();
    assert_eq!(
        (num_field(&closed, "code"), field(&closed, "clean")),
        (1006.0, JsValue::FALSE)
    );
    assert!(client.should_close_transport());
    assert_eq!(client.poll_timeout(), None);
}

#[wasm_bindgen_test]
fn options_reach_core_limits() {
    let limits = options(&[
        ("maxMessageSize", 10.into()),
        ("closeTimeoutMs", JsValue::NULL),
    ]);
    let (client, server) = open_pair(Some(limits));
    client.send_text("eleven char".into()).unwrap();
    pump(&client, &server);
    let closed = server.poll_event().unwrap();
    assert_eq!(str_field(&closed, "type"), "closed");
    assert_eq!(num_field(&closed, "code"), 1009.0);
    assert_eq!(str_field(&closed, "initiator"), "protocol_error");
    assert!(str_field(&closed, "error").contains("exceeds the limit of 10"));
}

/// `shouldPauseReading` is core's: on while an event waits to be polled or the
/// output is over `outputHighWater`; output held over the mark for
/// `outputStallTimeoutMs` fails the connection with 1008, `null` never does.
#[wasm_bindgen_test]
fn should_pause_reading_and_the_output_options_reach_core() {
    let marks = |stall: JsValue| {
        options(&[
            ("outputHighWater", 100.into()),
            ("outputStallTimeoutMs", stall),
        ])
    };
    let (client, server) = open_pair(Some(marks(500.into())));
    assert!(!server.should_pause_reading());
    client.send_text("hi".into()).unwrap();
    pump(&client, &server);
    assert!(server.should_pause_reading(), "an event waits");
    assert_eq!(str_field(&server.poll_event().unwrap(), "data"), "hi");
    assert!(!server.should_pause_reading());

    server.handle_timeout(1_000.0).unwrap();
    server.send_text("x".repeat(99)).unwrap(); // 101 bytes with the header
    assert!(server.should_pause_reading(), "output over the mark");
    server.handle_timeout(1_000.0).unwrap(); // the stall timer starts now
    server.handle_timeout(1_499.0).unwrap();
    assert!(server.poll_event().unwrap().is_undefined());
    server.handle_timeout(1_500.0).unwrap();
    let closed = server.poll_event().unwrap();
    assert_eq!(
        (num_field(&closed, "code"), str_field(&closed, "initiator")),
        (1008.0, "protocol_error".to_string())
    );
    assert!(server.should_close_transport());

    let (_client, patient) = open_pair(Some(marks(JsValue::NULL)));
    patient.send_text("x".repeat(99)).unwrap();
    patient.handle_timeout(3_600_000.0).unwrap();
    assert!(patient.poll_event().unwrap().is_undefined());
    assert_eq!(patient.state(), "open");
    assert!(patient.should_pause_reading());
    patient.take_output().unwrap();
    assert!(!patient.should_pause_reading(), "drained below the mark");

    let bad = Connection::server(Some(options(&[("outputHighWater", (-1).into())])));
    assert_eq!(error_name(&bad.err().unwrap()), "TypeError");
}

#[wasm_bindgen_test]
fn a_panic_fails_only_its_connection() {
    let (victim, _peer) = open_pair(None);
    let (client, server) = open_pair(None);
    let victim = Rc::new(victim);
    let inside = victim.clone();
    let call = Closure::<dyn FnMut()>::new(move || {
        let _ = inside.with_core(|_| panic!("boom in core"));
    });
    let thrown = catch_thrown(call.as_ref().unchecked_ref());
    assert!(
        thrown.is_instance_of::<js_sys::Error>(),
        "the trap reaches JS as an Error"
    );
    // Every later call on that connection throws InternalError with the message.
    let error = victim.send_text("x".into()).unwrap_err();
    assert_eq!(error_name(&error), "InternalError");
    assert!(str_field(&error, "message").contains("boom in core"));
    assert!(victim.should_close_transport());
    assert_eq!(victim.state(), "closed");
    // The instance and the other connections carry on.
    client.send_text("still here".into()).unwrap();
    pump(&client, &server);
    assert_eq!(
        str_field(&server.poll_event().unwrap(), "data"),
        "still here"
    );
    std::mem::forget(call); // its JS wrapper never returned; leave it alone
}

/// A server keeps a binary payload instead of copying it: `takeOutputChunks()`
/// hands back the very object after its header, `takeOutput()` joins it in, and
/// any `ArrayBuffer` view or `ArrayBuffer` is taken by its bytes.
#[wasm_bindgen_test]
fn a_server_keeps_binary_payloads_and_hands_them_back_as_is() {
    let (client, server) = open_pair(None);
    let bytes = |n: usize| (0..n).map(|i| (i * 7) as u8).collect::<Vec<u8>>();
    let payload = Uint8Array::from(&bytes(5000)[..]);
    server.send_text("first".into()).unwrap();
    server.send_binary(&payload).unwrap();
    server.send_ping(Some(b"p".to_vec())).unwrap();
    assert_eq!(server.buffered_amount(), 7 + 4 + 5000 + 3);
    let chunks = server.take_output_chunks().unwrap();
    assert_eq!(chunks.length(), 3, "frame bytes, the payload, the ping");
    assert!(
        Object::is(&chunks.get(1), &payload),
        "the caller's own Uint8Array"
    );
    assert_eq!(server.buffered_amount(), 0);
    assert_eq!(server.take_output_chunks().unwrap().length(), 0);
    let wire: Vec<u8> = chunks
        .iter()
        .flat_map(|c| Uint8Array::new(&c).to_vec())
        .collect();
    client.receive(&wire).unwrap();
    let events = client.events().unwrap();
    assert_eq!(str_field(&events.get(0), "data"), "first");
    assert_eq!(
        Uint8Array::new(&field(&events.get(1), "data")).to_vec(),
        bytes(5000)
    );
    assert_eq!(str_field(&events.get(2), "type"), "ping");

    // From 1 KiB not copied: a change before the output is taken is what goes out
    // (as with Node's socket.write); takeOutput() joins the pieces into one array.
    // Smaller payloads are copied at the call.
    for size in [8u32, 2048] {
        let buffer = js_sys::ArrayBuffer::new(size);
        let words = js_sys::Uint16Array::new(&buffer);
        server.send_binary(&buffer).unwrap();
        server.send_binary(&words).unwrap();
        words.set_index(0, 0x4142);
        let header = if size < 126 { 2 } else { 4 };
        let out = server.take_output().unwrap();
        assert_eq!(out.length(), 2 * (header + size));
        client.receive(&out.to_vec()).unwrap();
        let events = client.events().unwrap();
        let first = Uint8Array::new(&field(&events.get(0), "data")).to_vec();
        assert_eq!(first.len(), size as usize, "an ArrayBuffer's bytes");
        let expected: [u8; 2] = if size >= 1024 { [0x42, 0x41] } else { [0, 0] };
        assert_eq!(&first[..2], &expected, "read when taken only if kept");
        assert_eq!(
            Uint8Array::new(&field(&events.get(1), "data")).to_vec(),
            first,
            "a Uint16Array's bytes, not its elements"
        );
    }

    let error = server.send_binary(&"text".into()).unwrap_err();
    assert_eq!(error_name(&error), "TypeError");
}

/// A client masks, so it copies the payload when `sendBinary` is called.
#[wasm_bindgen_test]
fn a_client_copies_binary_payloads_at_once() {
    let (client, server) = open_pair(None);
    let payload = Uint8Array::from(&[1u8, 2, 3][..]);
    client.send_binary(&payload).unwrap();
    payload.set_index(0, 9);
    let chunks = client.take_output_chunks().unwrap();
    assert_eq!(chunks.length(), 1);
    server
        .receive(&Uint8Array::new(&chunks.get(0)).to_vec())
        .unwrap();
    let events = server.events().unwrap();
    assert_eq!(
        Uint8Array::new(&field(&events.get(0), "data")).to_vec(),
        vec![1, 2, 3]
    );
}

/// `textAsBytes`: text arrives as its validated UTF-8 bytes (a `Uint8Array`,
/// type still "text"), and `sendTextBytes` sends such bytes on as text, from a
/// server (kept from 1 KiB) and from a client (masked, so copied).
#[wasm_bindgen_test]
fn text_as_bytes_both_ways() {
    let client = Connection::client("ws://127.0.0.1/".into(), None).unwrap();
    let server = Connection::server(Some(options(&[("textAsBytes", true.into())]))).unwrap();
    pump(&client, &server);
    server.events().unwrap();
    server.accept(None).unwrap();
    pump(&server, &client);
    client.events().unwrap();

    let long = "é€😀 relay ".repeat(200); // over 1 KiB: a server keeps it
    for text in ["héllo €", "", long.as_str()] {
        client.send_text(text.into()).unwrap();
        pump(&client, &server);
        let events = server.events().unwrap();
        assert_eq!(events.length(), 1);
        assert_eq!(str_field(&events.get(0), "type"), "text");
        let data = field(&events.get(0), "data");
        assert!(data.is_instance_of::<Uint8Array>(), "bytes, not a string");
        assert_eq!(Uint8Array::new(&data).to_vec(), text.as_bytes());

        // Relayed back as text without a string in between.
        server.send_text_bytes(&data, None).unwrap();
        pump(&server, &client);
        let echoed = client.events().unwrap();
        assert_eq!(str_field(&echoed.get(0), "data"), text);

        client.send_text_bytes(&u8s(text.as_bytes()), None).unwrap();
        pump(&client, &server);
        let again = field(&server.events().unwrap().get(0), "data");
        assert_eq!(Uint8Array::new(&again).to_vec(), text.as_bytes());
    }
    let bad = Connection::server(Some(options(&[("textAsBytes", "yes".into())])));
    assert_eq!(error_name(&bad.err().unwrap()), "TypeError");
    // Any ArrayBuffer view or an ArrayBuffer, by its bytes.
    let buffer = Uint8Array::from("ok".as_bytes()).buffer();
    server.send_text_bytes(&buffer, None).unwrap();
    pump(&server, &client);
    assert_eq!(str_field(&client.events().unwrap().get(0), "data"), "ok");
}

/// Invalid UTF-8 given to `sendTextBytes` throws `InvalidUtf8Error` with the
/// valid prefix, sends nothing, and the connection carries on; a string or
/// anything else that is not bytes is a `TypeError`.
#[wasm_bindgen_test]
fn send_text_bytes_refuses_invalid_utf8_with_a_typed_error() {
    let (client, server) = open_pair(None);
    for (bad, valid_up_to) in [
        (&b"ab\xff"[..], 2.0),
        (&b"\xc3"[..], 0.0),           // a character cut short
        (&b"ok\xed\xa0\x80"[..], 2.0), // a surrogate
    ] {
        let error = server.send_text_bytes(&u8s(bad), None).unwrap_err();
        assert_eq!(error_name(&error), "InvalidUtf8Error");
        assert_eq!(num_field(&error, "validUpTo"), valid_up_to);
        let base = field(&Connection::error_classes(), "WebSocketError");
        let proto = field(&base, "prototype");
        assert!(
            Object::from(proto).is_prototype_of(&error),
            "a WebSocketError"
        );
        assert_eq!(server.buffered_amount(), 0, "nothing queued");
    }
    // Large invalid input too (beyond the kept scratch buffer).
    let mut big = vec![b'a'; 100 << 10];
    big[70_000] = 0xff;
    let error = server.send_text_bytes(&u8s(&big), None).unwrap_err();
    assert_eq!(num_field(&error, "validUpTo"), 70_000.0);
    let error = server
        .send_text_bytes(&"a string".into(), None)
        .unwrap_err();
    assert_eq!(error_name(&error), "TypeError");
    assert_eq!(server.state(), "open");
    server.send_text_bytes(&u8s(b"still fine"), None).unwrap();
    pump(&server, &client);
    assert_eq!(
        str_field(&client.events().unwrap().get(0), "data"),
        "still fine"
    );

    // After a close the error is the same as for sendText.
    server.close(None, None).unwrap();
    let error = server.send_text_bytes(&u8s(b"late"), None).unwrap_err();
    assert_eq!(error_name(&error), "ConnectionClosedError");
}
