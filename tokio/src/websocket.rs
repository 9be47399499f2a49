//! The handles an application holds: [`WebSocket`] (a `Stream` and a `Sink`),
//! its halves after [`WebSocket::split`], and the cloneable [`Sender`].

use std::future::poll_fn;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_sink::Sink;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;
use wscore::{BytesMut, CloseCode, CloseOutcome, Closed, Connection, DeflateParams, Role, State};

use crate::error::Error;
use crate::message::Message;
use crate::shared::Shared;

/// One WebSocket over a transport `S` (a `TcpStream`, a TLS stream, a hyper
/// `Upgraded`...): a `Stream` of received [`Message`]s and a `Sink` of
/// messages to send.
///
/// The stream yields text, binary, ping and pong messages, then the peer's
/// close frame if it sent one, and ends (`None`) when the connection is over.
/// An end without a clean closing handshake (the peer broke the protocol, a
/// timer expired, the transport dropped) is one `Err` before the end.
///
/// Nothing is read while the stream is not polled (read backpressure), and
/// replies (pongs, the close reply) and keepalive pings go out while it is.
#[must_use = "a WebSocket does nothing unless its stream is polled"]
pub struct WebSocket<S> {
    shared: Arc<Shared<S>>,
}

/// A handle that sends on a [`WebSocket`] from any task; clone it freely. It
/// is also a `Sink<Message>`, and the sending half of [`WebSocket::split`].
///
/// Every send after the connection started closing, from any handle, returns
/// [`Error::Closed`] with who closed, the code and the reason.
pub struct Sender<S> {
    shared: Arc<Shared<S>>,
}

/// The receiving half of [`WebSocket::split`]: a `Stream` of [`Message`]s.
#[must_use = "a WebSocket does nothing unless its stream is polled"]
pub struct Receiver<S> {
    shared: Arc<Shared<S>>,
}

impl<S> Clone for Sender<S> {
    fn clone(&self) -> Self {
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> WebSocket<S> {
    /// A WebSocket over `io` driven by `conn`, a core connection whose opening
    /// handshake is done (as [`Connection::upgraded`] makes one, with the
    /// permessage-deflate parameters a hyper or axum upgrade agreed).
    pub fn from_connection(io: S, conn: Connection) -> WebSocket<S> {
        Self::from_parts(io, conn, BytesMut::new(), Instant::now())
    }

    pub(crate) fn from_parts(
        io: S,
        conn: Connection,
        read_buf: BytesMut,
        start: Instant,
    ) -> WebSocket<S> {
        WebSocket {
            shared: Arc::new(Shared::new(io, conn, read_buf, start)),
        }
    }

    /// The next message; `None` once the connection is over. Same as
    /// `StreamExt::next`, without importing it.
    pub async fn recv(&mut self) -> Option<Result<Message, Error>> {
        poll_fn(|cx| self.shared.poll_next(cx)).await
    }

    /// Sends a message: waits while unsent output is over the high-water
    /// mark (write backpressure), queues it after everything sent before, and
    /// writes what the transport takes now (the rest goes out while the stream
    /// is polled, or with the next send or [`Sender::flush`]). `SinkExt::send`
    /// also waits until all of it is written.
    pub async fn send(&mut self, message: impl Into<Message>) -> Result<(), Error> {
        send(&self.shared, message.into()).await
    }

    /// Closes gracefully: queues our close frame after everything sent before,
    /// writes it, and reads until the peer's reply and the transport's end,
    /// within [`wscore::Config::close_timeout`] (messages arriving meanwhile
    /// are dropped). Returns how it ended (`clean`: close frames went both
    /// ways). Idempotent. `code` 1000 is a normal close; `reason` is at most
    /// 123 bytes.
    pub async fn close(
        &mut self,
        code: impl Into<CloseCode>,
        reason: &str,
    ) -> Result<Closed, Error> {
        self.shared.start_close(code.into(), reason)?;
        let mut dropped = 0usize;
        poll_fn(|cx| loop {
            match self.shared.poll_next(cx) {
                Poll::Ready(Some(_)) => {
                    dropped += 1;
                    // A flood after our close: let the other tasks run now and then.
                    if dropped % 64 == 0 {
                        cx.waker().wake_by_ref();
                        return Poll::Pending;
                    }
                }
                Poll::Ready(None) => return Poll::Ready(()),
                Poll::Pending => return Poll::Pending,
            }
        })
        .await;
        Ok(self
            .close_report()
            .expect("the stream ended: the connection reported its end"))
    }

    /// A cloneable handle for sending from other tasks.
    pub fn sender(&self) -> Sender<S> {
        Sender {
            shared: self.shared.clone(),
        }
    }

    /// Splits into a sending half (a cloneable [`Sender`], also a `Sink`) and
    /// a receiving half (a `Stream`), for a reading task and writing tasks.
    pub fn split(self) -> (Sender<S>, Receiver<S>) {
        (
            Sender {
                shared: self.shared.clone(),
            },
            Receiver {
                shared: self.shared,
            },
        )
    }
}

impl<S> WebSocket<S> {
    #[cfg(test)]
    pub(crate) fn shared_for_tests(&self) -> &Shared<S> {
        &self.shared
    }

    /// How the connection ended, once the stream has seen its end.
    pub fn close_report(&self) -> Option<Closed> {
        self.shared.lock().closed.as_deref().cloned()
    }

    /// Client or server.
    pub fn role(&self) -> Role {
        self.shared.lock().conn.role()
    }

    /// Open, closing or closed.
    pub fn state(&self) -> State {
        self.shared.lock().conn.state()
    }

    /// The subprotocol agreed in the opening handshake, if any.
    pub fn subprotocol(&self) -> Option<String> {
        self.shared.lock().conn.subprotocol().map(str::to_owned)
    }

    /// The permessage-deflate parameters agreed, if any.
    pub fn deflate(&self) -> Option<DeflateParams> {
        self.shared.lock().conn.deflate().cloned()
    }

    /// Bytes queued and not yet taken by the transport.
    pub fn buffered_amount(&self) -> usize {
        self.shared.lock().conn.buffered_amount()
    }
}

/// Waits while unsent output is over the mark, then queues and writes what
/// the transport takes now.
async fn send<S: AsyncRead + AsyncWrite + Unpin>(
    shared: &Shared<S>,
    message: Message,
) -> Result<(), Error> {
    poll_fn(|cx| shared.poll_ready(cx)).await?;
    shared.send_now(shared.lock(), message)
}

impl<S: AsyncRead + AsyncWrite + Unpin> Sender<S> {
    /// Sends a message: waits while unsent output is over the high-water mark
    /// (write backpressure), queues it after everything sent before, and
    /// writes what the transport takes now (the rest goes out while the stream
    /// is polled, or with the next send or [`Sender::flush`]). `Ok` means it
    /// is queued before any close frame of ours: a clean close delivers it.
    /// [`Error::Closed`] means it was not queued: the connection was closing or
    /// ended (who closed, the code and the reason).
    pub async fn send(&self, message: impl Into<Message>) -> Result<(), Error> {
        send(&self.shared, message.into()).await
    }

    /// Queues a message without waiting: [`Error::Full`] (nothing queued) when
    /// unsent output is over [`wscore::Config::output_high_water`]. Writes
    /// what the transport takes now; the rest goes out with the next send or
    /// flush, or while the stream is polled.
    pub fn try_send(&self, message: impl Into<Message>) -> Result<(), Error> {
        self.shared.try_send(message.into())
    }

    /// Writes everything queued.
    pub async fn flush(&self) -> Result<(), Error> {
        poll_fn(|cx| self.shared.poll_flush(cx)).await
    }

    /// Starts the closing handshake: our close frame goes out after everything
    /// sent before it; every later send returns [`Error::Closed`]. Does not
    /// wait for the peer's reply: the stream (polled by its task) sees it and
    /// ends. [`CloseOutcome::AlreadyClosed`] says who closed first.
    pub async fn close(
        &self,
        code: impl Into<CloseCode>,
        reason: &str,
    ) -> Result<CloseOutcome, Error> {
        let outcome = self.shared.start_close(code.into(), reason)?;
        // Our close frame is out, or the transport is gone: either way the
        // reading task reports the end.
        let _ = poll_fn(|cx| self.shared.poll_flush(cx)).await;
        Ok(outcome)
    }
}

impl<S> Sender<S> {
    /// Whether sends are refused now (the connection is closing or ended).
    pub fn is_closed(&self) -> bool {
        self.shared.lock().conn.our_state() != wscore::SideState::Open
    }
}

impl<S> Receiver<S> {
    /// How the connection ended, once the stream has seen its end.
    pub fn close_report(&self) -> Option<Closed> {
        self.shared.lock().closed.as_deref().cloned()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Receiver<S> {
    /// The next message; `None` once the connection is over.
    pub async fn recv(&mut self) -> Option<Result<Message, Error>> {
        poll_fn(|cx| self.shared.poll_next(cx)).await
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Stream for WebSocket<S> {
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.shared.poll_next(cx)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Stream for Receiver<S> {
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.shared.poll_next(cx)
    }
}

/// The `Sink` of a [`WebSocket`] and of a [`Sender`]: `poll_ready` waits while
/// unsent output is over the high-water mark; `poll_close` sends a close frame
/// (1000) and flushes it, without waiting for the reply (the stream sees it).
macro_rules! impl_sink {
    ($handle:ident) => {
        impl<S: AsyncRead + AsyncWrite + Unpin> Sink<Message> for $handle<S> {
            type Error = Error;

            fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
                self.shared.poll_ready(cx)
            }

            fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), Error> {
                self.shared.start_send(message)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
                self.shared.poll_flush(cx)
            }

            fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
                let started = {
                    let mut inner = self.shared.lock();
                    let open = inner.conn.our_state() == wscore::SideState::Open;
                    if open {
                        inner.start_close(CloseCode::NORMAL, "")?;
                    }
                    open
                };
                if started {
                    // The reading task now watches the close timer.
                    self.shared.wake_all();
                }
                match self.shared.poll_flush(cx) {
                    // Closing after the end is not an error.
                    Poll::Ready(Err(Error::Closed(_))) => Poll::Ready(Ok(())),
                    other => other,
                }
            }
        }
    };
}

impl_sink!(WebSocket);
impl_sink!(Sender);
