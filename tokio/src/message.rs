//! The messages a [`crate::WebSocket`] yields and takes: core's payload types,
//! nothing copied on the way in or out.

use wscore::{Bytes, CloseCode, CloseFrame, Event, Utf8Bytes};

/// One WebSocket message, received (from the `Stream`) or to send (to the
/// `Sink`, [`crate::Sender::send`]).
///
/// Text and binary payloads are core's [`Utf8Bytes`] and [`Bytes`]: a message
/// received whole shares the read buffer, and sending one queues it by
/// reference, so an echo copies nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message (valid UTF-8; derefs to `&str`).
    Text(Utf8Bytes),
    /// A binary message.
    Binary(Bytes),
    /// A ping. Received ones are already answered with a pong
    /// ([`wscore::Config::auto_pong`]). At most 125 bytes to send.
    Ping(Bytes),
    /// A pong (unsolicited when sent).
    Pong(Bytes),
    /// Received: the peer's close frame (`None`: it carried no code); our reply
    /// is already queued and the stream ends after it. Sent: starts the closing
    /// handshake with this code and reason (`None`: 1000), like
    /// [`crate::Sender::close`].
    Close(Option<CloseFrame>),
}

impl Message {
    /// A text message.
    pub fn text(text: impl Into<Utf8Bytes>) -> Message {
        Message::Text(text.into())
    }

    /// A binary message.
    pub fn binary(data: impl Into<Bytes>) -> Message {
        Message::Binary(data.into())
    }

    /// The text, if this is a text message.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Message::Text(text) => Some(text),
            _ => None,
        }
    }

    /// The payload's bytes (a close frame's reason).
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Message::Text(text) => text.as_bytes(),
            Message::Binary(data) | Message::Ping(data) | Message::Pong(data) => data,
            Message::Close(Some(frame)) => frame.reason.as_bytes(),
            Message::Close(None) => &[],
        }
    }

    /// Whether this is a close frame.
    pub fn is_close(&self) -> bool {
        matches!(self, Message::Close(_))
    }

    /// What an event from the connection means to the application; `None` for
    /// events the adapter handles itself (the handshake's, the end).
    pub(crate) fn from_event(event: Event) -> Option<Message> {
        Some(match event {
            Event::Text(text) => Message::Text(text),
            Event::Binary(data) => Message::Binary(data),
            Event::Ping(data) => Message::Ping(data.into()),
            Event::Pong(data) => Message::Pong(data.into()),
            Event::CloseReceived(frame) if frame.code == CloseCode::NO_STATUS => {
                Message::Close(None)
            }
            Event::CloseReceived(frame) => Message::Close(Some(frame)),
            _ => return None,
        })
    }
}

impl From<String> for Message {
    fn from(text: String) -> Message {
        Message::Text(text.into())
    }
}

impl From<&str> for Message {
    fn from(text: &str) -> Message {
        Message::Text(text.into())
    }
}

impl From<Utf8Bytes> for Message {
    fn from(text: Utf8Bytes) -> Message {
        Message::Text(text)
    }
}

impl From<Bytes> for Message {
    fn from(data: Bytes) -> Message {
        Message::Binary(data)
    }
}

impl From<Vec<u8>> for Message {
    fn from(data: Vec<u8>) -> Message {
        Message::Binary(data.into())
    }
}
