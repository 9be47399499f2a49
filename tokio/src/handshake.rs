//! Opening handshakes over a tokio transport: a server's `accept`, a client's
//! `client`, and `upgraded` for a handshake done elsewhere (hyper, axum).
//! Core parses and writes the HTTP; this reads, writes and waits.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;
use wscore::{
    Accept, BytesMut, ClientRequest, Config, Connection, Event, Rejection, Request, Response, Role,
};

use crate::error::Error;
use crate::websocket::WebSocket;

/// Handshake reads: a request or response head is small.
const HEAD_READ: usize = 4096;

/// Server: completes the opening handshake on `stream` with the default
/// [`Config`], accepting every request, and returns the open WebSocket.
pub async fn accept<S>(stream: S) -> Result<WebSocket<S>, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    accept_with(stream, Config::default(), |_| Ok(Accept::default())).await
}

/// Server: completes the opening handshake on `stream` with `config`, asking
/// `decide` about the request (path, headers, subprotocols offered; the
/// Origin and Host policy of `config` has already passed it). `Ok(Accept)`
/// opens the WebSocket (with a subprotocol and extra headers, if set);
/// `Err(Rejection)` answers with that HTTP status, headers and body, and
/// returns [`Error::Rejected`]. The whole handshake is bounded by
/// [`Config::handshake_timeout`].
pub async fn accept_with<S, F>(stream: S, config: Config, decide: F) -> Result<WebSocket<S>, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
    F: FnOnce(&Request) -> Result<Accept, Rejection>,
{
    // Boxed: the handshake's state (a whole connection and a buffer) would
    // otherwise stay inline in the caller's task for the connection's life.
    Box::pin(server_handshake(stream, config, decide)).await
}

async fn server_handshake<S, F>(stream: S, config: Config, decide: F) -> Result<WebSocket<S>, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
    F: FnOnce(&Request) -> Result<Accept, Rejection>,
{
    let mut opening = Opening::new(stream, Connection::server(config));
    let request = match opening.next_event().await? {
        Event::Request(request) => request,
        other => return Err(opening.fail(other).await),
    };
    match decide(&request) {
        Ok(accept) => opening.conn.accept(accept)?,
        Err(rejection) => {
            opening
                .conn
                .reject(rejection.status, &rejection.headers, &rejection.body)?;
            let _ = opening.flush().await;
            let _ = opening.io.shutdown().await;
            return Err(Error::Rejected(rejection));
        }
    }
    // The 101 goes out now, whether or not the application sends at once.
    opening.flush().await?;
    Ok(opening.open())
}

/// Client: completes the opening handshake for `request` on `stream` (already
/// connected to the request's host) with the default [`Config`]. Returns the
/// open WebSocket and the server's 101 response.
pub async fn client<S>(stream: S, request: ClientRequest) -> Result<(WebSocket<S>, Response), Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    client_with(stream, request, Config::default()).await
}

/// Client: [`client`] with `config` (limits, timeouts, permessage-deflate to offer).
pub async fn client_with<S>(
    stream: S,
    request: ClientRequest,
    config: Config,
) -> Result<(WebSocket<S>, Response), Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    // Boxed, as in `accept_with`.
    Box::pin(client_handshake(stream, request, config)).await
}

async fn client_handshake<S>(
    stream: S,
    request: ClientRequest,
    config: Config,
) -> Result<(WebSocket<S>, Response), Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut opening = Opening::new(stream, Connection::client(config, request)?);
    match opening.next_event().await? {
        Event::Accepted(response) => Ok((opening.open(), response)),
        Event::Rejected(rejection) => Err(Error::Rejected(rejection)),
        other => Err(opening.fail(other).await),
    }
}

/// A WebSocket over `io` whose opening handshake was done elsewhere (a hyper
/// or axum upgrade): open at once, in `role`, with `config`. To compress with
/// the permessage-deflate parameters that handshake agreed, build the core
/// connection with [`Connection::upgraded`] and use [`WebSocket::from_connection`].
pub fn upgraded<S>(io: S, role: Role, config: Config) -> WebSocket<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    WebSocket::from_connection(io, Connection::upgraded(role, config, None))
}

/// A connection in its opening handshake, with its transport.
struct Opening<S> {
    io: S,
    conn: Connection,
    buf: BytesMut,
    start: Instant,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Opening<S> {
    fn new(io: S, conn: Connection) -> Self {
        Opening {
            io,
            conn,
            buf: BytesMut::new(),
            start: Instant::now(),
        }
    }

    /// Reads and writes until the connection has an event, within its timers.
    async fn next_event(&mut self) -> Result<Event, Error> {
        loop {
            self.conn.handle_timeout(self.start.elapsed());
            if let Some(event) = self.conn.poll_event() {
                return Ok(event);
            }
            self.flush().await?;
            self.buf.reserve(HEAD_READ);
            let read = self.io.read_buf(&mut self.buf);
            let read = match self.conn.poll_timeout() {
                Some(due) => {
                    match tokio::time::timeout_at(self.start + due, read).await {
                        Ok(read) => read,
                        Err(_) => continue, // a timer is due
                    }
                }
                None => read.await,
            };
            match read {
                Ok(0) => self.conn.receive_eof(),
                Ok(_) => self.conn.receive_buf(&mut self.buf),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Writes everything the connection queued.
    async fn flush(&mut self) -> std::io::Result<()> {
        while self.conn.buffered_amount() > 0 {
            let mut slices = [std::io::IoSlice::new(&[]); 16];
            let count = self.conn.output_io_slices(&mut slices);
            let n = self.io.write_vectored(&slices[..count]).await?;
            if n == 0 {
                return Err(std::io::ErrorKind::WriteZero.into());
            }
            self.conn.advance_output(n);
        }
        self.io.flush().await
    }

    /// The handshake ended with `event` (`Closed`, with why): send what core
    /// queued (a server's HTTP error) and say why.
    async fn fail(&mut self, event: Event) -> Error {
        let _ = self.flush().await;
        let _ = self.io.shutdown().await;
        match event {
            Event::Closed(closed) => match closed.error {
                Some(wscore::Error::Handshake(e)) => Error::Handshake(e),
                _ => Error::Failed(closed),
            },
            // Core reports nothing else before the handshake ends.
            other => Error::Io(std::io::Error::other(format!(
                "unexpected event in the opening handshake: {other:?}"
            ))),
        }
    }

    /// The handshake is done: the WebSocket, with any frames that came early.
    fn open(self) -> WebSocket<S> {
        WebSocket::from_parts(self.io, self.conn, self.buf, self.start)
    }
}
