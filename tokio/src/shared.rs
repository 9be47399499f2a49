//! The one owner of a connection: its core [`Connection`], its transport and
//! its timer, behind one mutex that every handle (the stream, the sink, each
//! [`crate::Sender`]) locks for the length of a poll, never across an await.
//!
//! Why no driver task: a spawned task per connection costs a task, channels and
//! their buffers in every idle connection, and a hop through a channel (two
//! wake-ups) for every message. Here whoever polls drives: the reading task
//! reads, decodes and writes replies in its own poll; a sending task queues and
//! writes in its own. An uncontended lock is a few nanoseconds, and an idle
//! connection holds the connection state, the socket and no read buffer (it is
//! released whenever a read finds nothing; see [`Inner::poll_read`]).
//!
//! Wake-ups: the transport and the timer only ever see one waker, the
//! connection's own ([`Waiters`]), which wakes every task waiting on this
//! connection. Each poll registers its task there before it touches the
//! transport, so no readiness can be lost between handles. Wakers are never
//! called under the connection's lock, and the waiter list's lock is never held
//! while calling out, so a transport that wakes inline (a `DuplexStream`)
//! cannot deadlock.

use std::future::Future;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::{Instant, Sleep};
use wscore::{BytesMut, CloseCode, CloseInfo, CloseOutcome, Closed, Connection, Event, Initiator};

use crate::error::Error;
use crate::message::Message;

/// Bytes asked of the transport per read: a 16 KiB message and its header
/// arrive in one read (and are then shared, not copied, see `receive_buf`).
const READ_SIZE: usize = 32 * 1024;

/// How long an ended connection may take to write its last bytes (the close
/// frame) and to see the peer's EOF before the transport is dropped anyway.
const LINGER: Duration = Duration::from_secs(2);

/// Steps one poll may take before it yields to the runtime, so that a peer
/// that floods us cannot starve the other tasks of a worker thread.
const BUDGET: usize = 64;

/// The tasks waiting on one connection (to read, to write, for its timer).
#[derive(Default)]
pub(crate) struct Waiters {
    list: Mutex<Vec<Waker>>,
}

impl Waiters {
    fn register(&self, waker: &Waker) {
        let mut list = self.list.lock().unwrap_or_else(|e| e.into_inner());
        if !list.iter().any(|w| w.will_wake(waker)) {
            list.push(waker.clone());
        }
    }
}

impl Wake for Waiters {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let mut list = std::mem::take(&mut *self.list.lock().unwrap_or_else(|e| e.into_inner()));
        for waker in list.drain(..) {
            waker.wake();
        }
        // Give the emptied list back (unless a waiter registered meanwhile), so
        // the next `register` does not allocate: one malloc/free less per message.
        let mut slot = self.list.lock().unwrap_or_else(|e| e.into_inner());
        if slot.capacity() == 0 {
            *slot = list;
        }
    }
}

/// A connection as its handles share it.
pub(crate) struct Shared<S> {
    inner: Mutex<Inner<S>>,
    waiters: Arc<Waiters>,
    /// Wakes every waiter: the only waker the transport and the timer see.
    waker: Waker,
}

impl<S> Shared<S> {
    pub(crate) fn new(io: S, conn: Connection, read_buf: BytesMut, start: Instant) -> Self {
        let waiters = Arc::new(Waiters::default());
        Shared {
            inner: Mutex::new(Inner {
                io,
                conn,
                read_buf,
                start,
                timer: None,
                closed: None,
                final_error: None,
                io_error: None,
                write_broken: false,
                read_done: false,
                shut_down: false,
                finished: false,
                stream_ended: false,
                linger_until: None,
            }),
            waker: Waker::from(waiters.clone()),
            waiters,
        }
    }

    /// Locks the connection (a panic elsewhere does not make it unusable: the
    /// state is only changed through `Connection`'s own calls).
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner<S>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` with the connection locked, after registering the calling
    /// task as a waiter; `f` gets the connection's own context for the I/O.
    fn poll_with<T>(
        &self,
        cx: &mut Context<'_>,
        f: impl FnOnce(&mut Inner<S>, &mut Context<'_>) -> Poll<T>,
    ) -> Poll<T> {
        self.waiters.register(cx.waker());
        let mut shared_cx = Context::from_waker(&self.waker);
        let mut inner = self.lock();
        f(&mut inner, &mut shared_cx)
    }

    /// After a sending handle's call: a timer it fired may have left an event
    /// (the end) that the reading task must see.
    fn wake_reader_if_events(&self, inner: MutexGuard<'_, Inner<S>>) {
        let events = inner.conn.pending_events() > 0;
        drop(inner);
        if events {
            self.wake_all();
        }
    }

    /// Wakes every waiting task (after a change they must re-examine).
    pub(crate) fn wake_all(&self) {
        self.waker.wake_by_ref();
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Shared<S> {
    /// The stream: the next message, the final error, or the end.
    pub(crate) fn poll_next(&self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, Error>>> {
        self.poll_with(cx, |inner, shared_cx| inner.poll_next(shared_cx))
    }

    /// Room for one more message: unsent output at or below the high-water mark.
    pub(crate) fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.waiters.register(cx.waker());
        let mut shared_cx = Context::from_waker(&self.waker);
        let mut inner = self.lock();
        let poll = inner.poll_ready(&mut shared_cx);
        self.wake_reader_if_events(inner);
        poll
    }

    /// Everything queued is written (or cannot be any more: `Closed`).
    pub(crate) fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.waiters.register(cx.waker());
        let mut shared_cx = Context::from_waker(&self.waker);
        let mut inner = self.lock();
        let poll = inner.poll_flush(&mut shared_cx);
        self.wake_reader_if_events(inner);
        poll
    }

    /// Queues a message; wakes the others if that armed a timer or ended something.
    pub(crate) fn start_send(&self, message: Message) -> Result<(), Error> {
        let mut inner = self.lock();
        let result = inner.start_send(message);
        let mut shared_cx = Context::from_waker(&self.waker);
        // Arm the timer a close may have started, on the connection's waker.
        let _ = inner.poll_timer(&mut shared_cx);
        self.wake_reader_if_events(inner);
        result
    }

    /// Starts the closing handshake, then wakes the reading task so that it
    /// watches the close timer.
    pub(crate) fn start_close(&self, code: CloseCode, reason: &str) -> Result<CloseOutcome, Error> {
        let outcome = self.lock().start_close(code, reason);
        self.wake_all();
        outcome
    }

    /// A send that does not wait: refused with [`Error::Full`] past the mark.
    pub(crate) fn try_send(&self, message: Message) -> Result<(), Error> {
        let mut inner = self.lock();
        inner.tick();
        if inner.conn.buffered_amount() > inner.conn.config().output_high_water && inner.can_send()
        {
            return Err(Error::Full);
        }
        self.send_now(inner, message)
    }

    /// Queues a message and writes what the transport takes now, without
    /// waiting; the rest goes out with the next send or flush, or while the
    /// stream is polled (the transport wakes whoever waits on the connection).
    pub(crate) fn send_now(
        &self,
        mut inner: MutexGuard<'_, Inner<S>>,
        message: Message,
    ) -> Result<(), Error>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        inner.start_send(message)?;
        let mut shared_cx = Context::from_waker(&self.waker);
        if let Poll::Ready(Err(e)) = inner.poll_write_out(&mut shared_cx) {
            inner.transport_failed(e);
        }
        // Arm the timer a close or the stall may have started.
        let _ = inner.poll_timer(&mut shared_cx);
        self.wake_reader_if_events(inner);
        Ok(())
    }
}

/// The state behind the lock.
pub(crate) struct Inner<S> {
    pub(crate) io: S,
    pub(crate) conn: Connection,
    /// Read into and handed to `receive_buf`; released while idle.
    read_buf: BytesMut,
    /// The origin of the times given to the connection.
    start: Instant,
    /// The connection's next timer (or the linger deadline once ended).
    timer: Option<Pin<Box<Sleep>>>,
    /// The `Closed` report, once the connection reported it (boxed, as the
    /// next field: an idle connection should not carry them inline).
    pub(crate) closed: Option<Box<Closed>>,
    /// The stream's last item when the end was not clean.
    final_error: Option<Box<Error>>,
    /// The transport error that ended the connection, if one did.
    io_error: Option<io::Error>,
    /// A write failed: what is queued can no longer go out.
    write_broken: bool,
    /// EOF seen or a read failed.
    read_done: bool,
    /// Our side of the transport is shut down (FIN sent).
    shut_down: bool,
    /// Ended: last bytes written (or given up), transport shut down.
    finished: bool,
    /// The stream returned its end.
    stream_ended: bool,
    /// Once ended: when to stop waiting for the last write and the peer's EOF.
    linger_until: Option<Duration>,
}

impl<S> Inner<S> {
    /// Tells the connection the time: fires due timers, and makes the timers
    /// that calls arm next count from now.
    #[inline]
    pub(crate) fn tick(&mut self) {
        self.conn.handle_timeout(self.start.elapsed());
    }

    fn can_send(&self) -> bool {
        self.conn.our_state() == wscore::SideState::Open
    }

    /// Who closed and why, for a send that cannot go out.
    fn close_info(&self) -> CloseInfo {
        self.conn.close_info().cloned().unwrap_or(CloseInfo {
            code: CloseCode::ABNORMAL,
            reason: String::new(),
            initiator: Initiator::Transport,
        })
    }

    pub(crate) fn start_send(&mut self, message: Message) -> Result<(), Error> {
        self.tick();
        let sent = match message {
            Message::Text(text) => self.conn.send_text(text),
            Message::Binary(data) => self.conn.send_binary(data),
            Message::Ping(data) => self.conn.send_ping(&data),
            Message::Pong(data) => self.conn.send_pong(&data),
            Message::Close(frame) => {
                let (code, reason) =
                    frame.map_or((CloseCode::NORMAL, String::new()), |f| (f.code, f.reason));
                return self.start_close(code, &reason).map(|_| ());
            }
        };
        sent.map_err(Error::from)
    }

    pub(crate) fn start_close(
        &mut self,
        code: CloseCode,
        reason: &str,
    ) -> Result<CloseOutcome, Error> {
        self.tick();
        Ok(self.conn.close(code, reason)?)
    }

    /// Ended, and the time for the last bytes to go out has passed.
    fn lingered(&self) -> bool {
        self.linger_until
            .is_some_and(|until| self.start.elapsed() >= until)
    }

    /// The transport failed (read or write): the connection ends as core says
    /// (clean if close frames had gone both ways, otherwise 1006).
    fn transport_failed(&mut self, error: io::Error) {
        self.write_broken = true;
        self.read_done = true;
        if self.io_error.is_none() {
            self.io_error = Some(error);
        }
        self.conn.receive_eof();
    }

    /// The connection's next deadline (the linger deadline once ended), on the
    /// timer; `Ready` when it is due.
    fn poll_timer(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let due = if self.conn.should_close_transport() {
            let start = self.start;
            Some(
                *self
                    .linger_until
                    .get_or_insert_with(|| start.elapsed() + LINGER),
            )
        } else {
            self.conn.poll_timeout()
        };
        let Some(due) = due else {
            return Poll::Pending;
        };
        let deadline = self.start + due;
        match &mut self.timer {
            Some(timer) if timer.deadline() == deadline => {}
            Some(timer) => timer.as_mut().reset(deadline),
            None => self.timer = Some(Box::pin(tokio::time::sleep_until(deadline))),
        }
        match &mut self.timer {
            Some(timer) => timer.as_mut().poll(cx),
            None => Poll::Pending,
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Inner<S> {
    /// Writes queued output until the transport would block; then flushes it
    /// (a TLS stream writes its records there). Large payloads go out by
    /// reference in one vectored write.
    fn poll_write_out(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.write_broken {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        while self.conn.buffered_amount() > 0 {
            let mut slices = [IoSlice::new(&[]); 32];
            let count = self.conn.output_io_slices(&mut slices);
            if count == 0 {
                break;
            }
            let io = Pin::new(&mut self.io);
            let written = if count == 1 || !io.is_write_vectored() {
                io.poll_write(cx, &slices[0])
            } else {
                io.poll_write_vectored(cx, &slices[..count])
            };
            match written {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => self.conn.advance_output(n),
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Pin::new(&mut self.io).poll_flush(cx)
    }

    /// One read, if the transport has bytes. The buffer is released when it
    /// has none, so an idle connection holds no read buffer.
    fn poll_read(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        self.read_buf.reserve(READ_SIZE);
        let poll = tokio_util::io::poll_read_buf(Pin::new(&mut self.io), cx, &mut self.read_buf);
        if poll.is_pending() && self.read_buf.is_empty() {
            self.read_buf = BytesMut::new();
        }
        poll
    }

    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, Error>>> {
        if self.stream_ended {
            return Poll::Ready(None);
        }
        for _ in 0..BUDGET {
            self.tick();
            while let Some(event) = self.conn.poll_event() {
                if let Some(message) = self.on_event(event) {
                    return Poll::Ready(Some(Ok(message)));
                }
            }
            if self.closed.is_some() {
                if self.poll_finish(cx).is_pending() {
                    return Poll::Pending;
                }
                self.stream_ended = true;
                return Poll::Ready(self.final_error.take().map(|e| Err(*e)));
            }
            // Output first: replies to what was read (pongs, the close reply)
            // and whatever other handles queued.
            if !self.write_broken {
                if let Poll::Ready(Err(e)) = self.poll_write_out(cx) {
                    self.transport_failed(e);
                    continue;
                }
            }
            // Read backpressure: nothing more is read while a message waits
            // for the application or our output is over the high-water mark.
            if !self.read_done && !self.conn.should_pause_reading() {
                match self.poll_read(cx) {
                    Poll::Ready(Ok(0)) => {
                        self.read_done = true;
                        self.conn.receive_eof();
                        continue;
                    }
                    Poll::Ready(Ok(_)) => {
                        self.conn.receive_buf(&mut self.read_buf);
                        continue;
                    }
                    Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Poll::Ready(Err(e)) => {
                        self.transport_failed(e);
                        continue;
                    }
                    Poll::Pending => {}
                }
            }
            if self.poll_timer(cx).is_ready() {
                continue;
            }
            return Poll::Pending;
        }
        // Budget spent with work left: run again after the others.
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// An event the stream reports as a message, or that the adapter handles.
    fn on_event(&mut self, event: Event) -> Option<Message> {
        match event {
            Event::Closed(closed) => {
                if !closed.clean {
                    self.final_error = Some(Box::new(match self.io_error.take() {
                        Some(e) => Error::Io(e),
                        None => Error::Failed(closed.clone()),
                    }));
                }
                self.closed = Some(Box::new(closed));
                None
            }
            other => Message::from_event(other),
        }
    }

    /// After the end: the last bytes out, FIN, then after a clean close the
    /// peer's EOF (so that unread input does not turn our close into a reset
    /// that could destroy the close frame in flight), all within [`LINGER`].
    fn poll_finish(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        while !self.finished {
            if !self.write_broken && !self.shut_down {
                match self.poll_write_out(cx) {
                    Poll::Ready(Ok(())) => match Pin::new(&mut self.io).poll_shutdown(cx) {
                        Poll::Ready(_) => self.shut_down = true,
                        Poll::Pending => return self.linger(cx),
                    },
                    Poll::Ready(Err(_)) => self.write_broken = true,
                    Poll::Pending => return self.linger(cx),
                }
                continue;
            }
            // After a clean close the peer closes too, at once; after anything
            // else it may never: do not wait for it.
            let clean = self.closed.as_ref().is_some_and(|c| c.clean);
            if !self.read_done && clean {
                match self.poll_read(cx) {
                    Poll::Ready(Ok(0)) | Poll::Ready(Err(_)) => self.read_done = true,
                    Poll::Ready(Ok(_)) => self.read_buf.clear(),
                    Poll::Pending => return self.linger(cx),
                }
                continue;
            }
            self.done_lingering();
        }
        Poll::Ready(())
    }

    /// Waiting to finish: `Ready` (give up) once the linger deadline passed.
    fn linger(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if self.poll_timer(cx).is_ready() {
            self.done_lingering();
            return Poll::Ready(());
        }
        Poll::Pending
    }

    fn done_lingering(&mut self) {
        self.finished = true;
        self.timer = None;
        self.read_buf = BytesMut::new();
    }

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        for _ in 0..BUDGET {
            self.tick();
            if !self.can_send()
                || self.write_broken
                || self.lingered()
                || self.conn.buffered_amount() <= self.conn.config().output_high_water
            {
                // Past the close, `start_send` reports who closed.
                return Poll::Ready(Ok(()));
            }
            match self.poll_write_out(cx) {
                Poll::Ready(Ok(())) => continue,
                Poll::Ready(Err(e)) => {
                    self.transport_failed(e);
                    continue;
                }
                Poll::Pending => {}
            }
            // The stall timer ends a connection whose peer stopped reading.
            if self.poll_timer(cx).is_ready() {
                continue;
            }
            return Poll::Pending;
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        for _ in 0..BUDGET {
            self.tick();
            if self.lingered() {
                self.write_broken = true; // give up on what is left
            }
            if self.write_broken {
                return Poll::Ready(if self.conn.buffered_amount() == 0 {
                    Ok(())
                } else {
                    Err(Error::Closed(self.close_info()))
                });
            }
            match self.poll_write_out(cx) {
                Poll::Ready(Ok(())) => return Poll::Ready(Ok(())),
                Poll::Ready(Err(e)) => {
                    self.transport_failed(e);
                    continue;
                }
                Poll::Pending => {}
            }
            if self.poll_timer(cx).is_ready() {
                continue;
            }
            return Poll::Pending;
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use wscore::{Config, Connection, Role};

    use super::Inner;
    use crate::websocket::WebSocket;

    #[test]
    fn an_idle_connection_is_its_core_state_and_little_else() {
        let own = std::mem::size_of::<Inner<tokio::net::TcpStream>>()
            - std::mem::size_of::<Connection>()
            - std::mem::size_of::<tokio::net::TcpStream>();
        assert!(own <= 128, "{own} bytes of adapter state per connection");
        // The handshake's state is boxed, not carried in the caller's task.
        let accepting = crate::accept_with(tokio::io::empty(), Config::default(), |_| {
            Ok(wscore::Accept::default())
        });
        assert!(std::mem::size_of_val(&accepting) <= 256);
    }

    #[tokio::test]
    async fn a_read_that_finds_nothing_releases_the_read_buffer() {
        let (ours, _theirs) = tokio::io::duplex(1024);
        let mut ws = WebSocket::from_connection(
            ours,
            Connection::upgraded(Role::Server, Config::default(), None),
        );
        let waited = tokio::time::timeout(Duration::from_millis(20), ws.recv()).await;
        assert!(waited.is_err(), "nothing to read");
        assert_eq!(ws.shared_for_tests().lock().read_buf.capacity(), 0);
    }
}
