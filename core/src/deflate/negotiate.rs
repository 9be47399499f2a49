//! Negotiating permessage-deflate (RFC 7692 §5–7): what a client offers, which
//! offer a server accepts, and whether a client can live with the server's answer.

use super::{DeflateConfig, EXTENSION_NAME};
use crate::error::HandshakeError;
use crate::extension::ExtensionParams;

/// What both ends agreed for one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DeflateParams {
    /// The server resets its compressor after each message.
    pub server_no_context_takeover: bool,
    /// The client resets its compressor after each message.
    pub client_no_context_takeover: bool,
    /// The window of the server's compressor (the client inflates with it).
    pub server_max_window_bits: u8,
    /// The window of the client's compressor (the server inflates with it).
    pub client_max_window_bits: u8,
}

/// One offer or response, checked for unknown, duplicate and malformed parameters.
#[derive(Debug, Default, PartialEq, Eq)]
struct Params {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: Option<u8>,
    /// `Some(None)`: the valueless form, only allowed in an offer.
    client_max_window_bits: Option<Option<u8>>,
}

fn parse(ext: &ExtensionParams, is_offer: bool) -> Result<Params, String> {
    let mut p = Params::default();
    for (key, value) in &ext.params {
        let dup = || format!("duplicate parameter {key}");
        match key.to_ascii_lowercase().as_str() {
            name @ ("server_no_context_takeover" | "client_no_context_takeover") => {
                if value.is_some() {
                    return Err(format!("{name} takes no value"));
                }
                let flag = if name.starts_with("server") {
                    &mut p.server_no_context_takeover
                } else {
                    &mut p.client_no_context_takeover
                };
                if std::mem::replace(flag, true) {
                    return Err(dup());
                }
            }
            "server_max_window_bits" => {
                let bits = window_bits(key, value.as_deref())?;
                if p.server_max_window_bits.replace(bits).is_some() {
                    return Err(dup());
                }
            }
            "client_max_window_bits" => {
                let bits = match value {
                    None if is_offer => None,
                    None => return Err("client_max_window_bits needs a value in a response".into()),
                    Some(v) => Some(window_bits(key, Some(v))?),
                };
                if p.client_max_window_bits.replace(bits).is_some() {
                    return Err(dup());
                }
            }
            _ => return Err(format!("unknown parameter {key}")),
        }
    }
    Ok(p)
}

/// A window size: 8–15, digits only, no leading zero (RFC 7692 §7.1.2).
fn window_bits(key: &str, value: Option<&str>) -> Result<u8, String> {
    match value {
        Some(v) if !v.starts_with('0') && v.bytes().all(|b| b.is_ascii_digit()) => {
            match v.parse::<u8>() {
                Ok(bits @ 8..=15) => Ok(bits),
                _ => Err(format!("{key}={v} is outside 8..15")),
            }
        }
        Some(v) => Err(format!("{key}={v} is not a window size")),
        None => Err(format!("{key} needs a value")),
    }
}

fn is_deflate(ext: &ExtensionParams) -> bool {
    ext.name.eq_ignore_ascii_case(EXTENSION_NAME)
}

/// Client: the `Sec-WebSocket-Extensions` item to offer for `cfg`.
pub fn client_offer(cfg: &DeflateConfig) -> String {
    let mut offer = String::from(EXTENSION_NAME);
    if cfg.server_no_context_takeover {
        offer.push_str("; server_no_context_takeover");
    }
    if cfg.client_no_context_takeover {
        offer.push_str("; client_no_context_takeover");
    }
    if cfg.server_max_window_bits < 15 {
        offer.push_str(&format!(
            "; server_max_window_bits={}",
            cfg.server_max_window_bits
        ));
    }
    if cfg.client_max_window_bits < 15 {
        offer.push_str(&format!(
            "; client_max_window_bits={}",
            cfg.client_max_window_bits
        ));
    } else {
        offer.push_str("; client_max_window_bits");
    }
    offer
}

/// Server: the first acceptable permessage-deflate offer, as (response item,
/// agreed parameters). Malformed offers and ones we cannot honour are declined
/// (RFC 7692 §5.1), which means no compression, not a failed handshake.
pub fn server_accept(offers: &[String], cfg: &DeflateConfig) -> Option<(String, DeflateParams)> {
    if !cfg!(feature = "deflate") {
        return None;
    }
    offers.iter().find_map(|item| {
        let ext = ExtensionParams::parse(item).ok().filter(is_deflate)?;
        let offer = parse(&ext, true).ok()?;
        // zlib cannot compress with a 256-byte window: decline rather than overrun it.
        if offer.server_max_window_bits == Some(8) {
            return None;
        }
        let server_bits = cfg
            .server_max_window_bits
            .clamp(9, 15)
            .min(offer.server_max_window_bits.unwrap_or(15));
        let client_bits = match offer.client_max_window_bits {
            // The client lets us limit its window.
            Some(limit) => cfg
                .client_max_window_bits
                .clamp(9, 15)
                .min(limit.unwrap_or(15)),
            None => 15,
        };
        let params = DeflateParams {
            server_no_context_takeover: offer.server_no_context_takeover
                || cfg.server_no_context_takeover,
            client_no_context_takeover: offer.client_no_context_takeover
                || cfg.client_no_context_takeover,
            server_max_window_bits: server_bits,
            client_max_window_bits: client_bits,
        };
        let mut response = String::from(EXTENSION_NAME);
        if params.server_no_context_takeover {
            response.push_str("; server_no_context_takeover");
        }
        if params.client_no_context_takeover {
            response.push_str("; client_no_context_takeover");
        }
        // Said even when not offered (RFC 7692 §7.1.2.1 allows it), so the client
        // knows our window is smaller.
        if offer.server_max_window_bits.is_some() || server_bits < 15 {
            response.push_str(&format!("; server_max_window_bits={server_bits}"));
        }
        if offer.client_max_window_bits.is_some() && client_bits < 15 {
            response.push_str(&format!("; client_max_window_bits={client_bits}"));
        }
        Some((response, params))
    })
}

/// Client: checks the server's selection (the response's extension items).
/// `Ok(None)`: the server declined, so no compression. Anything we did not offer
/// or cannot honour fails the handshake.
pub fn client_accept(
    selected: &[String],
    cfg: Option<&DeflateConfig>,
) -> Result<Option<DeflateParams>, HandshakeError> {
    let (item, cfg) = match (selected, cfg) {
        ([], _) => return Ok(None),
        ([item], Some(cfg)) => (item, cfg),
        ([item, ..], _) => return Err(HandshakeError::UnofferedExtension(item.clone())),
    };
    let bad = |detail: String| HandshakeError::InvalidHeader {
        name: "Sec-WebSocket-Extensions",
        detail,
    };
    let ext = ExtensionParams::parse(item)?;
    if !is_deflate(&ext) {
        return Err(HandshakeError::UnofferedExtension(item.clone()));
    }
    let resp = parse(&ext, false).map_err(bad)?;
    let server_bits = resp.server_max_window_bits.unwrap_or(15);
    if cfg.server_max_window_bits < 15 && server_bits > cfg.server_max_window_bits {
        return Err(bad(format!(
            "server_max_window_bits={server_bits} exceeds the {} we asked for",
            cfg.server_max_window_bits
        )));
    }
    if cfg.server_no_context_takeover && !resp.server_no_context_takeover {
        return Err(bad(
            "the server did not agree to server_no_context_takeover".into(),
        ));
    }
    let client_bits = match resp.client_max_window_bits {
        Some(Some(8)) => {
            return Err(bad(
                "client_max_window_bits=8 is not supported (zlib needs 9 or more)".into(),
            ))
        }
        Some(Some(bits))
            if bits > cfg.client_max_window_bits.max(9) && cfg.client_max_window_bits < 15 =>
        {
            return Err(bad(format!(
                "client_max_window_bits={bits} exceeds the {} we offered",
                cfg.client_max_window_bits
            )))
        }
        Some(Some(bits)) => bits.min(cfg.client_max_window_bits.clamp(9, 15)),
        _ => cfg.client_max_window_bits.clamp(9, 15),
    };
    Ok(Some(DeflateParams {
        server_no_context_takeover: resp.server_no_context_takeover,
        client_no_context_takeover: resp.client_no_context_takeover
            || cfg.client_no_context_takeover,
        server_max_window_bits: server_bits.max(9),
        client_max_window_bits: client_bits,
    }))
}

#[cfg(all(test, feature = "deflate"))]
mod tests {
    use super::*;

    fn accept(offers: &[&str]) -> Option<(String, DeflateParams)> {
        let offers: Vec<String> = offers.iter().map(|s| s.to_string()).collect();
        server_accept(&offers, &DeflateConfig::default())
    }

    #[test]
    fn server_accepts_a_browser_offer() {
        let (resp, p) = accept(&["permessage-deflate; client_max_window_bits"]).unwrap();
        assert_eq!(resp, "permessage-deflate");
        assert_eq!(
            (p.server_max_window_bits, p.client_max_window_bits),
            (15, 15)
        );
        assert!(!p.server_no_context_takeover && !p.client_no_context_takeover);
    }

    #[test]
    fn server_honours_requested_parameters() {
        let (resp, p) = accept(&["permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12"]).unwrap();
        assert_eq!(resp, "permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12");
        assert_eq!(
            (p.server_max_window_bits, p.client_max_window_bits),
            (10, 12)
        );
        assert!(p.server_no_context_takeover);
    }

    #[test]
    fn server_limits_the_client_window_only_when_allowed() {
        let cfg = DeflateConfig {
            client_max_window_bits: 10,
            server_max_window_bits: 11,
            ..DeflateConfig::default()
        };
        let (resp, p) =
            server_accept(&["permessage-deflate; client_max_window_bits".into()], &cfg).unwrap();
        // Our smaller window is announced even though the client did not ask.
        assert_eq!(
            resp,
            "permessage-deflate; server_max_window_bits=11; client_max_window_bits=10"
        );
        assert_eq!(
            (p.server_max_window_bits, p.client_max_window_bits),
            (11, 10)
        );
        let (resp, p) = server_accept(&["permessage-deflate".into()], &cfg).unwrap();
        assert_eq!(resp, "permessage-deflate; server_max_window_bits=11");
        assert_eq!(
            p.client_max_window_bits, 15,
            "cannot limit a client that did not offer it"
        );
    }

    #[test]
    fn server_skips_malformed_duplicate_and_unhonourable_offers() {
        for bad in [
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            "permessage-deflate; server_max_window_bits",
            "permessage-deflate; server_max_window_bits=16",
            "permessage-deflate; server_max_window_bits=010",
            "permessage-deflate; server_max_window_bits=8",
            "permessage-deflate; client_no_context_takeover=1",
            "permessage-deflate; x_unknown",
            "x-webkit-deflate-frame",
        ] {
            assert_eq!(accept(&[bad]), None, "{bad}");
        }
        // A later acceptable offer is chosen.
        let (resp, _) = accept(&[
            "permessage-deflate; server_max_window_bits=8",
            "permessage-deflate; client_max_window_bits",
        ])
        .unwrap();
        assert_eq!(resp, "permessage-deflate");
    }

    #[test]
    fn client_offer_and_acceptance() {
        let cfg = DeflateConfig {
            server_max_window_bits: 12,
            client_no_context_takeover: true,
            ..DeflateConfig::default()
        };
        assert_eq!(
            client_offer(&cfg),
            "permessage-deflate; client_no_context_takeover; server_max_window_bits=12; client_max_window_bits"
        );
        let p = client_accept(
            &["permessage-deflate; server_max_window_bits=12".into()],
            Some(&cfg),
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            (p.server_max_window_bits, p.client_max_window_bits),
            (12, 15)
        );
        assert!(p.client_no_context_takeover, "we asked for it, so we do it");
        assert_eq!(
            client_accept(&[], Some(&cfg)),
            Ok(None),
            "declined: no compression"
        );
    }

    #[test]
    fn client_refuses_bad_answers() {
        let cfg = DeflateConfig {
            server_max_window_bits: 12,
            ..DeflateConfig::default()
        };
        for bad in [
            "permessage-deflate; server_max_window_bits=13",
            "permessage-deflate; client_max_window_bits",
            "permessage-deflate; client_max_window_bits=8",
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            "permessage-deflate; bogus",
        ] {
            assert!(client_accept(&[bad.into()], Some(&cfg)).is_err(), "{bad}");
        }
        assert!(matches!(
            client_accept(&["permessage-deflate".into()], None),
            Err(HandshakeError::UnofferedExtension(_))
        ));
        assert!(client_accept(
            &["permessage-deflate".into(), "permessage-deflate".into()],
            Some(&cfg)
        )
        .is_err());
    }
}
