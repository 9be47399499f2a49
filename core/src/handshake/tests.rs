//! Tests of the shared types and keys, and of both roles end to end.

use super::client::parse_response;
use super::server::{parse_request, write_accept};
use super::test_support::*;
use super::*;
use crate::error::HandshakeError;

// --- keys -------------------------------------------------------------

#[test]
fn accept_key_matches_rfc_example() {
    assert_eq!(accept_key(KEY), ACCEPT);
}

#[test]
fn new_key_is_16_random_bytes_in_base64() {
    use base64::Engine as _;
    let a = new_key();
    let b = new_key();
    assert_eq!(a.len(), 24);
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(&a)
            .unwrap()
            .len(),
        16
    );
    assert_ne!(a, b);
    // A server accepts it.
    let buf = request_with(&[&format!("Sec-WebSocket-Key: {a}")]);
    assert_eq!(parse_ok(&buf).key, a);
}
#[test]
fn client_request_builder() {
    let req = ClientRequest::new("wss://a/")
        .subprotocol("x")
        .header("H", b"v".to_vec());
    assert_eq!(
        req,
        ClientRequest {
            url: "wss://a/".into(),
            subprotocols: strings(&["x"]),
            headers: vec![Header::new("H", "v")],
        }
    );
}
// --- subprotocol negotiation end to end ---------------------------------

#[test]
fn subprotocol_negotiation_both_directions() {
    let creq = ClientRequest::new("ws://h/")
        .subprotocol("v2.json")
        .subprotocol("v1.json");
    let mut wire = Vec::new();
    write_request(&creq, KEY, None, &mut wire).unwrap();
    let req = parse_ok(&wire);
    assert_eq!(req.subprotocols, strings(&["v2.json", "v1.json"]));

    // The server picks the second one.
    let mut wire = Vec::new();
    write_accept(
        &req,
        &Accept {
            subprotocol: Some("v1.json".into()),
            headers: vec![],
        },
        None,
        &mut wire,
    )
    .unwrap();
    let resp = accepted(
        parse_response(&wire, KEY, &creq.subprotocols, LIMIT)
            .unwrap()
            .unwrap()
            .0,
    );
    assert_eq!(resp.subprotocol.as_deref(), Some("v1.json"));

    // A client that offered nothing refuses a selection.
    assert_eq!(
        parse_response(&wire, KEY, &[], LIMIT),
        Err(HandshakeError::UnofferedSubprotocol("v1.json".into()))
    );
}
// --- robustness ---------------------------------------------------------

/// Arbitrary and mutated inputs never panic, and a parsed head never claims
/// more bytes than the buffer or the limit allow.
#[test]
fn never_panics_on_arbitrary_bytes() {
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let samples: Vec<Vec<u8>> = vec![
        RFC_REQUEST.as_bytes().to_vec(),
        response_101("Sec-WebSocket-Protocol: a\r\n"),
    ];
    let alphabet = b"\r\n:, ;\"\\\t\x00\xffGETHTP/1.01abcUpgrade";
    let mut parsed_ok = 0;
    for round in 0..20_000 {
        let mut buf = samples[round % 2].clone();
        for _ in 0..(next() % 4) {
            let pos = (next() as usize) % (buf.len() + 1);
            let byte = alphabet[(next() as usize) % alphabet.len()];
            match next() % 3 {
                0 if pos < buf.len() => buf[pos] = byte,
                1 if pos < buf.len() => {
                    buf.remove(pos);
                }
                _ => buf.insert(pos, byte),
            }
        }
        if round % 10 == 0 {
            buf = (0..next() % 300).map(|_| next() as u8).collect();
        }
        let max = [0, 1, 64, 150, LIMIT][(next() as usize) % 5];
        if let Ok(Some((_, n))) = parse_request(&buf, max) {
            assert!(n <= buf.len() && n <= max);
            parsed_ok += 1;
        }
        if let Ok(Some((_, n))) = parse_response(&buf, KEY, &strings(&["a"]), max) {
            assert!(n <= buf.len() && n <= max);
            parsed_ok += 1;
        }
    }
    // The mutations are mild enough that many inputs still parse.
    assert!(parsed_ok > 1000, "{parsed_ok}");
}
