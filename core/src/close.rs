//! Close codes and reasons (RFC 6455 §7.4): what may be sent, what may be received.

use crate::error::{CloseError, ProtocolError};

/// A close status code as carried in a close frame.
///
/// Any `u16` can be held; [`CloseCode::is_sendable`] and [`CloseCode::is_valid_received`]
/// tell which ones the RFC allows on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct CloseCode(pub u16);

impl CloseCode {
    /// 1000: the purpose of the connection has been fulfilled.
    pub const NORMAL: CloseCode = CloseCode(1000);
    /// 1001: the endpoint is going away (server shutdown, page navigation).
    pub const GOING_AWAY: CloseCode = CloseCode(1001);
    /// 1002: the peer broke the protocol.
    pub const PROTOCOL_ERROR: CloseCode = CloseCode(1002);
    /// 1003: a data type the endpoint cannot accept.
    pub const UNSUPPORTED_DATA: CloseCode = CloseCode(1003);
    /// 1005: no code was present in the close frame. Never sent on the wire.
    pub const NO_STATUS: CloseCode = CloseCode(1005);
    /// 1006: the connection ended without a close frame. Never sent on the wire.
    pub const ABNORMAL: CloseCode = CloseCode(1006);
    /// 1007: a text message or close reason was not valid UTF-8.
    pub const INVALID_PAYLOAD: CloseCode = CloseCode(1007);
    /// 1008: a message violated the endpoint's policy.
    pub const POLICY_VIOLATION: CloseCode = CloseCode(1008);
    /// 1009: a message was larger than the endpoint accepts.
    pub const MESSAGE_TOO_BIG: CloseCode = CloseCode(1009);
    /// 1010: the client expected an extension the server did not negotiate.
    pub const MANDATORY_EXTENSION: CloseCode = CloseCode(1010);
    /// 1011: the server hit an unexpected condition.
    pub const INTERNAL_ERROR: CloseCode = CloseCode(1011);
    /// 1012: the service is restarting.
    pub const SERVICE_RESTART: CloseCode = CloseCode(1012);
    /// 1013: try again later.
    pub const TRY_AGAIN_LATER: CloseCode = CloseCode(1013);
    /// 1014: a gateway received an invalid response upstream.
    pub const BAD_GATEWAY: CloseCode = CloseCode(1014);

    /// Whether this code may appear in a close frame on the wire.
    ///
    /// 1000–1003, 1007–1014 and the registered/private ranges 3000–4999 may.
    /// 1004, 1005, 1006, 1015, anything below 1000, 1016–2999 and 5000 and up may not.
    pub fn is_sendable(self) -> bool {
        matches!(self.0, 1000..=1003 | 1007..=1014 | 3000..=4999)
    }

    /// Whether a received close frame may carry this code; otherwise the peer broke
    /// the protocol (1002). The same set as [`CloseCode::is_sendable`].
    pub fn is_valid_received(self) -> bool {
        self.is_sendable()
    }

    /// Whether a browser's `WebSocket.close(code)` accepts this code: the WHATWG
    /// standard allows only 1000 and 3000–4999 from page scripts, and throws otherwise.
    pub fn is_allowed_in_browser(self) -> bool {
        matches!(self.0, 1000 | 3000..=4999)
    }
}

impl From<u16> for CloseCode {
    fn from(code: u16) -> Self {
        CloseCode(code)
    }
}

impl From<CloseCode> for u16 {
    fn from(code: CloseCode) -> u16 {
        code.0
    }
}

impl std::fmt::Display for CloseCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The most bytes a close reason may have: a control frame carries at most 125 bytes,
/// two of which are the code.
pub const MAX_REASON_BYTES: usize = 123;

/// Cuts `reason` to at most [`MAX_REASON_BYTES`] bytes without splitting a character.
///
/// ```
/// let long = "é".repeat(100); // 200 bytes
/// let cut = wscore::binding::truncate_reason(&long);
/// assert_eq!(cut.len(), 122);
/// assert!(cut.chars().all(|c| c == 'é'));
/// ```
pub fn truncate_reason(reason: &str) -> &str {
    if reason.len() <= MAX_REASON_BYTES {
        return reason;
    }
    let mut end = MAX_REASON_BYTES;
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    &reason[..end]
}

/// Who ended the connection, as reported with [`crate::Closed`] and with the
/// [`crate::SendError::Closed`] a send after close returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Initiator {
    /// Our application called `close`.
    Local,
    /// The peer sent a close frame first.
    Remote,
    /// We failed the connection because the peer broke the protocol or a limit.
    ProtocolError,
    /// The transport ended (EOF) or a timer expired without a closing handshake.
    Transport,
}

impl Initiator {
    /// `"local"`, `"remote"`, `"protocol_error"` or `"transport"`: the one
    /// spelling every adapter uses (equal to the serde name).
    pub const fn as_str(self) -> &'static str {
        match self {
            Initiator::Local => "local",
            Initiator::Remote => "remote",
            Initiator::ProtocolError => "protocol_error",
            Initiator::Transport => "transport",
        }
    }
}

/// What is known about a close: the code and reason, and who started it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CloseInfo {
    /// The close code (1005 when the close frame carried none, 1006 when there was no close frame).
    pub code: CloseCode,
    /// The close reason, possibly empty.
    pub reason: String,
    /// Who started the close.
    pub initiator: Initiator,
}

/// A close frame's contents.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CloseFrame {
    /// The code; 1005 ([`CloseCode::NO_STATUS`]) if the frame carried none.
    pub code: CloseCode,
    /// The reason, possibly empty.
    pub reason: String,
}

/// Reads a received close frame's payload: nothing, or a valid code and a UTF-8 reason.
pub(crate) fn parse_close_payload(payload: &[u8]) -> Result<CloseFrame, ProtocolError> {
    match payload {
        [] => Ok(CloseFrame {
            code: CloseCode::NO_STATUS,
            reason: String::new(),
        }),
        [_] => Err(ProtocolError::CloseFrameOneByte),
        [hi, lo, reason @ ..] => {
            let code = CloseCode(u16::from_be_bytes([*hi, *lo]));
            if !code.is_valid_received() {
                return Err(ProtocolError::InvalidCloseCode(code.0));
            }
            let reason = simdutf8::basic::from_utf8(reason)
                .map_err(|_| ProtocolError::InvalidUtf8("close reason"))?;
            Ok(CloseFrame {
                code,
                reason: reason.to_owned(),
            })
        }
    }
}

/// Checks a close code and reason the application wants to send, with the rules
/// [`crate::Connection::close`] applies: a sendable code and at most
/// [`MAX_REASON_BYTES`] bytes of reason. Adapters over other transports (the
/// browser's `WebSocket`) use it so that the rule is the same everywhere.
///
/// ```
/// use wscore::binding::validate_close;
/// use wscore::{CloseCode, CloseError};
/// assert_eq!(validate_close(CloseCode::NORMAL, "bye"), Ok(()));
/// assert_eq!(validate_close(CloseCode(1006), ""), Err(CloseError::InvalidCode(1006)));
/// assert_eq!(validate_close(CloseCode(4000), &"x".repeat(124)), Err(CloseError::ReasonTooLong(124)));
/// ```
pub fn validate_close(code: CloseCode, reason: &str) -> Result<(), CloseError> {
    if !code.is_sendable() {
        return Err(CloseError::InvalidCode(code.0));
    }
    if reason.len() > MAX_REASON_BYTES {
        return Err(CloseError::ReasonTooLong(reason.len()));
    }
    Ok(())
}

/// Checks a close the application asked for and builds its payload.
pub(crate) fn close_payload(code: CloseCode, reason: &str) -> Result<Vec<u8>, CloseError> {
    validate_close(code, reason)?;
    let mut payload = Vec::with_capacity(2 + reason.len());
    payload.extend_from_slice(&code.0.to_be_bytes());
    payload.extend_from_slice(reason.as_bytes());
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_close_codes_are_a_subset_of_sendable_ones() {
        let allowed: Vec<u16> = (0..=u16::MAX)
            .filter(|&c| CloseCode(c).is_allowed_in_browser())
            .collect();
        assert_eq!(allowed.len(), 1 + 2000);
        assert!(allowed.iter().all(|&c| CloseCode(c).is_sendable()));
        assert!(!CloseCode::GOING_AWAY.is_allowed_in_browser());
        assert!(
            CloseCode(4999).is_allowed_in_browser() && !CloseCode(5000).is_allowed_in_browser()
        );
    }

    #[test]
    fn close_payload_parsing() {
        assert_eq!(parse_close_payload(&[]).unwrap().code, CloseCode::NO_STATUS);
        assert_eq!(
            parse_close_payload(&[3]),
            Err(ProtocolError::CloseFrameOneByte)
        );
        assert_eq!(
            parse_close_payload(&[0x03, 0xED]),
            Err(ProtocolError::InvalidCloseCode(1005))
        );
        assert_eq!(
            parse_close_payload(&[0x03, 0xE8, 0xFF]),
            Err(ProtocolError::InvalidUtf8("close reason"))
        );
        let ok = parse_close_payload(&[0x0F, 0xA0, b'h', b'i']).unwrap();
        assert_eq!((ok.code, ok.reason.as_str()), (CloseCode(4000), "hi"));
    }

    #[test]
    fn close_payload_building() {
        assert_eq!(
            close_payload(CloseCode(1006), ""),
            Err(CloseError::InvalidCode(1006))
        );
        assert_eq!(
            close_payload(CloseCode::NORMAL, &"x".repeat(124)),
            Err(CloseError::ReasonTooLong(124))
        );
        assert_eq!(
            close_payload(CloseCode::NORMAL, "bye").unwrap(),
            vec![0x03, 0xE8, b'b', b'y', b'e']
        );
    }

    #[test]
    fn sendable_codes_follow_rfc() {
        for code in 0u16..=u16::MAX {
            let ok = CloseCode(code).is_sendable();
            let expected = (1000..=1003).contains(&code)
                || (1007..=1014).contains(&code)
                || (3000..=4999).contains(&code);
            assert_eq!(ok, expected, "code {code}");
        }
        for bad in [999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] {
            assert!(!CloseCode(bad).is_sendable(), "{bad}");
        }
    }

    #[test]
    fn truncate_keeps_char_boundaries() {
        assert_eq!(truncate_reason("short"), "short");
        let s = "a".repeat(122) + "€"; // 125 bytes, the euro sign straddles 123
        assert_eq!(truncate_reason(&s), "a".repeat(122));
        let exact = "b".repeat(123);
        assert_eq!(truncate_reason(&exact), exact);
    }
}
