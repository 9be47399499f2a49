//! A blocking `std::net` driver for a `wscore::Connection`: the whole I/O layer a
//! thread-per-connection program needs. Shared by the examples and the interop tests.

use std::io::{self, Read};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

use wscore::{BytesMut, Connection, Event};

/// How long to drain the peer's bytes after we close, so our last frames are not
/// lost to a TCP reset (the peer may still be sending when we close).
const LINGER: Duration = Duration::from_secs(2);

/// 16 KiB a read: thousands of connections (one thread each) stay cheap.
const READ_SIZE: usize = 16 * 1024;

pub struct Blocking {
    pub stream: TcpStream,
    pub conn: Connection,
    start: Instant,
    /// Read into and handed to `receive_buf`: messages that arrive whole are
    /// events that share it, not copies.
    buf: BytesMut,
    done: bool,
}

impl Blocking {
    pub fn new(stream: TcpStream, conn: Connection) -> Self {
        let _ = stream.set_nodelay(true);
        Blocking {
            stream,
            conn,
            start: Instant::now(),
            buf: BytesMut::new(),
            done: false,
        }
    }

    pub fn now(&self) -> Duration {
        self.start.elapsed()
    }

    /// Writes everything the connection has queued. Each write waits at most until
    /// the connection's next timer (or `LINGER` once it has ended), so that a peer
    /// that stops reading meets core's stall timeout (1008) instead of blocking
    /// this thread forever; what such a peer did not take is then dropped.
    pub fn flush(&mut self) -> io::Result<()> {
        while self.conn.buffered_amount() > 0 {
            self.stream.set_write_timeout(self.write_wait())?;
            match self.conn.write_to(&mut self.stream) {
                Ok(_) => {}
                Err(e) if is_timeout(&e) => {
                    self.conn.handle_timeout(self.now());
                    if self.conn.should_close_transport() {
                        return Ok(());
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Until the connection's next timer is due (at least 1 ms; `None`: no timer).
    fn wait(&self) -> Option<Duration> {
        self.conn
            .poll_timeout()
            .map(|t| t.saturating_sub(self.now()).max(Duration::from_millis(1)))
    }

    /// How long one write may block: until the next timer, or `LINGER` for the
    /// last bytes of a connection that has ended (it has no timers left).
    fn write_wait(&self) -> Option<Duration> {
        self.wait()
            .or_else(|| self.conn.should_close_transport().then_some(LINGER))
    }

    /// Drives I/O until the connection has an event; `None` once the transport is closed.
    pub fn next_event(&mut self) -> io::Result<Option<Event>> {
        loop {
            self.conn.handle_timeout(self.now());
            if let Some(event) = self.conn.poll_event() {
                return Ok(Some(event));
            }
            if self.done {
                return Ok(None);
            }
            if let Err(e) = self.flush() {
                // The peer is gone: nothing more can be written or read.
                self.conn.receive_eof();
                if self.conn.should_close_transport() && self.conn.poll_timeout().is_none() {
                    self.done = true;
                    continue;
                }
                return Err(e);
            }
            if self.conn.should_close_transport() {
                self.linger_close();
                self.done = true;
                continue;
            }
            // Events are polled and the output written before each read (a
            // blocking write is this driver's backpressure): one read at a time
            // is all a connection holds. A timer may have added an event meanwhile.
            if self.conn.should_pause_reading() {
                continue;
            }
            self.stream.set_read_timeout(self.wait())?;
            match self.read() {
                Ok(0) => self.conn.receive_eof(),
                Ok(_) => self.conn.receive_buf(&mut self.buf),
                Err(e) if is_timeout(&e) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => self.conn.receive_eof(),
            }
        }
    }

    /// Half-closes, then reads until the peer closes too (or `LINGER` passes).
    fn linger_close(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Write);
        let deadline = Instant::now() + LINGER;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || self.stream.set_read_timeout(Some(left)).is_err() {
                break;
            }
            match self.read() {
                Ok(0) | Err(_) => break,
                Ok(_) => self.conn.receive_buf(&mut self.buf),
            }
        }
    }

    /// One read into `buf` (which `receive_buf` leaves empty).
    /// `std::io::Read` needs initialized memory, hence the zeroing; tokio's
    /// `read_buf` reads into a `BytesMut` without it.
    fn read(&mut self) -> io::Result<usize> {
        let start = self.buf.len();
        self.buf.resize(start + READ_SIZE, 0);
        let result = self.stream.read(&mut self.buf[start..]);
        let n = *result.as_ref().unwrap_or(&0);
        self.buf.truncate(start + n);
        result
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}
