//! Message payloads handed to `send_*`: borrowed (copied once into the output) or
//! shared `Bytes` (queued by reference, never copied, on the unmasked server side).

use std::sync::Arc;

use bytes::Bytes;

use crate::thresholds::COALESCE_LIMIT;
use crate::utf8_bytes::Utf8Bytes;

/// Bytes to send. Build it with `.into()` from `&[u8]`, `Vec<u8>`, `Bytes` and friends.
#[derive(Debug, Clone)]
pub enum Payload<'a> {
    /// Copied into the output buffer.
    Borrowed(&'a [u8]),
    /// Queued by reference where the role allows (a server does not mask).
    Shared(Bytes),
}

impl Payload<'_> {
    /// The payload's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Payload::Borrowed(b) => b,
            Payload::Shared(b) => b,
        }
    }
}

impl<'a> From<&'a [u8]> for Payload<'a> {
    fn from(b: &'a [u8]) -> Self {
        Payload::Borrowed(b)
    }
}

impl<'a, const N: usize> From<&'a [u8; N]> for Payload<'a> {
    fn from(b: &'a [u8; N]) -> Self {
        Payload::Borrowed(b)
    }
}

impl<'a> From<&'a Vec<u8>> for Payload<'a> {
    fn from(b: &'a Vec<u8>) -> Self {
        Payload::Borrowed(b)
    }
}

impl<'a> From<&'a Bytes> for Payload<'a> {
    fn from(b: &'a Bytes) -> Self {
        Payload::Borrowed(b)
    }
}

impl From<Vec<u8>> for Payload<'_> {
    fn from(b: Vec<u8>) -> Self {
        Payload::Shared(Bytes::from(b))
    }
}

impl From<Bytes> for Payload<'_> {
    fn from(b: Bytes) -> Self {
        Payload::Shared(b)
    }
}

/// Text to send: UTF-8 bytes, borrowed or shared. Build it with `.into()` from
/// `&str`, `String`, `&String`, `Arc<str>` or a received [`Utf8Bytes`] (shared, e.g. one chat message sent to
/// many connections: a long one is queued by reference, never copied, on the
/// server side).
#[derive(Debug, Clone)]
pub struct Text<'a>(TextRepr<'a>);

#[derive(Debug, Clone)]
enum TextRepr<'a> {
    Payload(Payload<'a>),
    /// Kept as is until sent: small texts are then copied without allocating.
    Arc(Arc<str>),
}

impl Text<'_> {
    /// The text's UTF-8 bytes.
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            TextRepr::Payload(p) => p.as_bytes(),
            TextRepr::Arc(s) => s.as_bytes(),
        }
    }

    /// Runs `f` on the text as a payload: a long shared text by reference.
    /// Inlined, so that sending a short text costs what sending bytes does.
    #[inline(always)]
    pub(crate) fn with_payload<R>(self, f: impl FnOnce(Payload<'_>) -> R) -> R {
        match self.0 {
            TextRepr::Payload(p) => f(p),
            TextRepr::Arc(s) if s.len() <= COALESCE_LIMIT => f(Payload::Borrowed(s.as_bytes())),
            TextRepr::Arc(s) => f(Payload::Shared(Bytes::from_owner(SharedStr(s)))),
        }
    }
}

impl<'a> Text<'a> {
    /// Text from bytes the caller vouches are UTF-8, not checked here: for a
    /// binding whose caller validated them already (Python's
    /// `send_text(data, skip_utf8_check=True)`). Core handles a `Text` only as
    /// bytes, so bytes that are not UTF-8 go out as they are and the peer
    /// fails the connection (1007); nothing in core reads them as `str`.
    pub fn from_utf8_trusted(bytes: &'a [u8]) -> Self {
        Text(TextRepr::Payload(Payload::Borrowed(bytes)))
    }
}

impl<'a> From<&'a str> for Text<'a> {
    fn from(s: &'a str) -> Self {
        Text(TextRepr::Payload(Payload::Borrowed(s.as_bytes())))
    }
}

impl<'a> From<&'a String> for Text<'a> {
    fn from(s: &'a String) -> Self {
        Text(TextRepr::Payload(Payload::Borrowed(s.as_bytes())))
    }
}

impl From<String> for Text<'_> {
    fn from(s: String) -> Self {
        Text(TextRepr::Payload(Payload::Shared(Bytes::from(s))))
    }
}

impl From<Arc<str>> for Text<'_> {
    fn from(s: Arc<str>) -> Self {
        Text(TextRepr::Arc(s))
    }
}

impl From<Utf8Bytes> for Text<'_> {
    /// Shared: a received text sent on (an echo, a broadcast) is not copied
    /// where the role allows.
    fn from(s: Utf8Bytes) -> Self {
        Text(TextRepr::Payload(Payload::Shared(s.into_bytes())))
    }
}

impl<'a> From<&'a Utf8Bytes> for Text<'a> {
    fn from(s: &'a Utf8Bytes) -> Self {
        Text(TextRepr::Payload(Payload::Borrowed(s.as_bytes())))
    }
}

/// An `Arc<str>` seen as bytes, so that `Bytes` can keep it alive.
struct SharedStr(Arc<str>);

impl AsRef<[u8]> for SharedStr {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}
