//! The sans-IO connection: one per WebSocket, client or server. Bytes and time go
//! in, events and bytes come out; the close rules live here and nowhere else.

use std::collections::VecDeque;
use std::io::{self, IoSlice, Write};
use std::time::Duration;

use bytes::BytesMut;
use serde::{Deserialize, Serialize};

use crate::close::{close_payload, parse_close_payload, CloseCode, CloseInfo, Initiator};
use crate::config::Config;
use crate::decode::{Decoder, Incoming};
#[cfg(feature = "deflate")]
use crate::deflate::Inflater;
use crate::deflate::{self, DeflateConfig, DeflateParams, Deflater};
use crate::error::{AcceptError, CloseError, Error, HandshakeError, ProtocolError, SendError};
use crate::event::{CloseFrame, Closed, Event};
use crate::frame::{FrameHeader, OpCode, MAX_CONTROL_PAYLOAD, MAX_HEADER_LEN};
use crate::handshake::{self, Accept, ClientRequest, Header, Request, ResponseOutcome};
use crate::head_scan::HeadScan;
use crate::mask::apply_mask;
use crate::origin;
use crate::output::{Output, OutputSegment, COALESCE_LIMIT};
use crate::payload::{Payload, Text};
use crate::random::MaskKeys;
use crate::timers::{Timer, Timers};

mod state;
pub use state::{Role, SideState, State};

/// What [`Connection::send_binary_held`] did with the payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldPayload {
    /// The caller keeps it: write it where the output shows [`OutputSegment::Held`].
    Kept,
    /// It was copied in (`fill` was called) and is part of the output's bytes.
    Copied,
}

/// What a `close` call did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum CloseOutcome {
    /// Our close frame is queued after everything sent before it.
    Sent,
    /// Nothing to do: we had already closed, the peer had, or the connection had
    /// ended. Says who closed, with which code and reason.
    AlreadyClosed(CloseInfo),
    /// The opening handshake was not complete, so the transport is dropped instead.
    Aborted,
}

/// Where the opening handshake stands.
#[derive(Debug)]
enum Handshake {
    /// Server: reading the request head (and how far the search for its end got).
    ReadingRequest(HeadScan),
    /// Server: the request was reported; waiting for `accept` or `reject`.
    AwaitingAnswer(Box<Request>),
    /// Client: our request is queued; reading the response head. Boxed, so that
    /// servers (the many) do not carry the client's state in every connection.
    ReadingResponse(Box<ReadingResponse>),
    /// Open (or over).
    Done,
}

/// What a client needs while it reads the server's response.
#[derive(Debug)]
struct ReadingResponse {
    key: String,
    subprotocols: Vec<String>,
    scan: HeadScan,
}

/// A WebSocket connection without I/O. See the crate docs for the loop around it.
#[derive(Debug)]
pub struct Connection {
    role: Role,
    config: Config,
    handshake: Handshake,
    our: SideState,
    their: SideState,
    /// Handshake bytes, and on a server any frame bytes that arrive before `accept`.
    inbuf: Vec<u8>,
    decoder: Decoder,
    /// Set after a framing error: the stream position is lost, later bytes are dropped.
    input_broken: bool,
    /// A protocol error found behind messages the application has not polled yet:
    /// it takes effect once they are polled, so replies to them go out first.
    deferred_failure: Option<ProtocolError>,
    out: Output,
    events: VecDeque<Event>,
    subprotocol: Option<String>,
    /// Who started the close and why; set when our side stops sending.
    close_info: Option<CloseInfo>,
    received_close: Option<CloseFrame>,
    sent_close: bool,
    failure: Option<Error>,
    /// Data messages we are sending in fragments: the kind of the one in progress.
    sending_fragmented: Option<OpCode>,
    /// permessage-deflate, once negotiated: what was agreed and our compressor;
    /// `sending_compressed` marks a fragmented message in progress as compressed.
    deflate: Option<DeflateParams>,
    deflater: Option<Deflater>,
    sending_compressed: bool,
    finished: bool,
    close_transport: bool,
    timers: Timers,
    masks: MaskKeys,
    pings_sent: u64,
}

impl Connection {
    /// A server connection waiting for a client's upgrade request.
    pub fn server(config: Config) -> Connection {
        let mut conn = Connection::new(
            Role::Server,
            config,
            Handshake::ReadingRequest(HeadScan::default()),
        );
        conn.arm_handshake_timer();
        conn
    }

    /// A client connection; its upgrade request is queued at once (see [`Connection::output`]).
    pub fn client(config: Config, request: ClientRequest) -> Result<Connection, HandshakeError> {
        let key = handshake::new_key();
        let offer = config
            .deflate
            .as_ref()
            .filter(|_| cfg!(feature = "deflate"))
            .map(deflate::client_offer);
        let mut head = Vec::new();
        handshake::write_request(&request, &key, offer.as_deref(), &mut head)?;
        let subprotocols = request.subprotocols;
        let mut conn = Connection::new(
            Role::Client,
            config,
            Handshake::ReadingResponse(Box::new(ReadingResponse {
                key,
                subprotocols,
                scan: HeadScan::default(),
            })),
        );
        conn.out.extend(&head);
        conn.arm_handshake_timer();
        Ok(conn)
    }

    /// A connection whose opening handshake was done elsewhere (an HTTP server
    /// that hands over the upgraded socket, like tungstenite's `from_raw_socket`):
    /// open at once, compressing with `deflate` if that handshake agreed on
    /// permessage-deflate (`config.deflate` then only supplies level, memLevel and
    /// `min_size`). Without the `deflate` feature `deflate` is ignored.
    pub fn upgraded(role: Role, config: Config, deflate: Option<DeflateParams>) -> Connection {
        let mut conn = Connection::new(role, config, Handshake::Done);
        if let Some(params) = deflate {
            conn.start_deflate(params);
        }
        conn.open();
        conn
    }

    fn new(role: Role, config: Config, handshake: Handshake) -> Connection {
        Connection {
            role,
            decoder: Decoder::new(
                role == Role::Server,
                config.max_frame_size,
                config.max_message_size,
                config.memory_budget.clone(),
            ),
            config,
            handshake,
            our: SideState::Connecting,
            their: SideState::Connecting,
            inbuf: Vec::new(),
            input_broken: false,
            deferred_failure: None,
            out: Output::default(),
            events: VecDeque::new(),
            subprotocol: None,
            close_info: None,
            received_close: None,
            sent_close: false,
            failure: None,
            sending_fragmented: None,
            deflate: None,
            deflater: None,
            sending_compressed: false,
            finished: false,
            close_transport: false,
            timers: Timers::default(),
            masks: MaskKeys::default(),
            pings_sent: 0,
        }
    }

    // ----- state -----

    /// Client or server.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The connection's state as a whole.
    pub fn state(&self) -> State {
        match (self.finished, self.our, self.their) {
            (true, _, _) => State::Closed,
            (_, SideState::Connecting, _) => State::Connecting,
            (_, SideState::Open, SideState::Open) => State::Open,
            _ => State::Closing,
        }
    }

    /// Whether we may still send: `Open` until our close frame is queued.
    pub fn our_state(&self) -> SideState {
        self.our
    }

    /// Whether the peer may still send: `Open` until its close frame or EOF arrives.
    pub fn their_state(&self) -> SideState {
        self.their
    }

    /// The permessage-deflate parameters agreed in the handshake, if any.
    pub fn deflate(&self) -> Option<&DeflateParams> {
        self.deflate.as_ref()
    }

    /// The subprotocol agreed in the handshake, if any.
    pub fn subprotocol(&self) -> Option<&str> {
        self.subprotocol.as_deref()
    }

    /// Who closed and why, once our side has stopped sending; `None` while open.
    pub fn close_info(&self) -> Option<&CloseInfo> {
        self.close_info.as_ref()
    }

    /// The settings this connection runs with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    // ----- from the network -----

    /// Feeds bytes read from the transport. Never fails: problems are reported as
    /// events (a failed connection ends with [`Event::Closed`] carrying the error).
    /// A protocol error behind complete messages takes effect only once those
    /// messages are polled, so the application can still answer them.
    pub fn receive(&mut self, data: &[u8]) {
        if self.finished || self.their == SideState::Closed {
            return;
        }
        match self.handshake {
            Handshake::Done => self.receive_frames(data),
            Handshake::AwaitingAnswer(_) => {
                // Frames a client pipelines before our 101; bounded like a frame.
                if self.inbuf.len() + data.len()
                    > self.config.max_handshake_size + self.config.max_frame_size
                {
                    self.fail_handshake(
                        HandshakeError::TooLarge(self.config.max_handshake_size),
                        true,
                    );
                } else {
                    self.inbuf.extend_from_slice(data);
                }
            }
            Handshake::ReadingRequest(_) => {
                self.inbuf.extend_from_slice(data);
                self.read_request();
            }
            Handshake::ReadingResponse(_) => {
                self.inbuf.extend_from_slice(data);
                self.read_response();
            }
        }
    }

    /// Like [`Connection::receive`], for bytes read into a `BytesMut` (as
    /// `tokio::io::AsyncReadExt::read_buf` does), and taking all of them: a
    /// message that arrived whole is unmasked in place and its event shares
    /// `buf`'s memory, no copy. `buf` is left empty, its memory reusable for
    /// the next read once those events are dropped. A frame still arriving is
    /// copied out as with `receive` (waiting for it in `buf` instead measured
    /// no faster: the buffer then has to move it to make room).
    ///
    /// A message of [`crate::SHARE_FROM`] bytes or more keeps the allocation it was
    /// read into alive while you hold it (as with any `Bytes` split off a
    /// buffer); copy what you keep for long. Smaller messages are copied, so a
    /// kept short message never holds on to a read buffer.
    pub fn receive_buf(&mut self, buf: &mut BytesMut) {
        if !matches!(self.handshake, Handshake::Done) {
            self.receive(buf);
            buf.clear();
            return;
        }
        while !self.input_broken && !self.finished && self.their == SideState::Open {
            match self.decoder.next_buf(buf) {
                Ok(Some(incoming)) => self.on_incoming(incoming),
                Ok(None) => break,
                Err(e) => {
                    self.input_broken = true;
                    self.fail_after_events(e);
                }
            }
        }
        // All used up; or closed or failed, and what follows is ignored, as
        // `receive` ignores it.
        buf.clear();
    }

    /// Reports that the transport was closed by the peer (a read returned 0).
    pub fn receive_eof(&mut self) {
        self.run_deferred_failure();
        if self.finished {
            return;
        }
        if self.handshake_pending() {
            self.fail_handshake(HandshakeError::Eof, false);
            return;
        }
        self.their = SideState::Closed;
        let handshake_done = self.sent_close && self.received_close.is_some();
        if !handshake_done {
            self.set_close_info(CloseCode::ABNORMAL, String::new(), Initiator::Transport);
        }
        self.close_transport = true;
        self.finish(handshake_done);
    }

    // ----- from time -----

    /// Tells the connection the time; fires timers that are due. Call it in every
    /// turn of the I/O loop, before feeding input or sending: timers started by
    /// other calls count from the last `now` given here. `now` is any monotonic
    /// clock reading as a `Duration` since an origin of your choice.
    pub fn handle_timeout(&mut self, now: Duration) {
        self.timers.set_now(now);
        if self.finished {
            return;
        }
        self.watch_output_stall();
        for timer in self.timers.expired() {
            match timer {
                Timer::Handshake => {
                    if self.handshake_pending() {
                        self.fail_handshake(HandshakeError::Timeout, false);
                    }
                }
                Timer::Close => {
                    self.close_transport = true;
                    if !self.sent_close || self.received_close.is_none() {
                        self.set_close_info(
                            CloseCode::ABNORMAL,
                            String::new(),
                            Initiator::Transport,
                        );
                    }
                    let clean = self.sent_close && self.received_close.is_some();
                    self.finish(clean);
                }
                Timer::Ping => self.keepalive_ping(),
                // A silent peer: say why on the wire (1011), then drop it without
                // waiting for a reply that is unlikely to come.
                Timer::Pong => self.fail(ProtocolError::PongTimeout),
                // Still above the mark since the timer was armed (a drain below
                // it disarms the timer): the peer does not read.
                Timer::Stall => self.fail(ProtocolError::OutputStalled {
                    high_water: self.config.output_high_water,
                    after: self.config.output_stall_timeout.unwrap_or_default(),
                }),
            }
            if self.finished {
                return;
            }
        }
    }

    /// When [`Connection::handle_timeout`] must next be called, if a timer is armed.
    pub fn poll_timeout(&self) -> Option<Duration> {
        if self.finished {
            None
        } else if self.stall_unnoticed() {
            // Output passed the mark since the last `handle_timeout`: ask for
            // one now, which starts the stall timer from the current time.
            Some(self.timers.now().unwrap_or_default())
        } else {
            self.timers.next_deadline()
        }
    }

    /// Starts the stall timer when output is above the mark, stops it when not.
    fn watch_output_stall(&mut self) {
        if self.out.len() <= self.config.output_high_water {
            self.timers.disarm(Timer::Stall);
        } else if let (Some(after), false) = (
            self.config.output_stall_timeout,
            self.timers.is_armed(Timer::Stall),
        ) {
            self.timers.arm_in(Timer::Stall, after);
        }
    }

    /// Output is above the mark but the stall timer has not been started.
    fn stall_unnoticed(&self) -> bool {
        self.out.len() > self.config.output_high_water
            && self.config.output_stall_timeout.is_some()
            && !self.timers.is_armed(Timer::Stall)
    }

    /// After output was taken: below the mark again, the stall is over.
    #[inline]
    fn output_taken(&mut self) {
        if self.timers.is_armed(Timer::Stall) && self.out.len() <= self.config.output_high_water {
            self.timers.disarm(Timer::Stall);
        }
    }

    // ----- from the application -----

    /// Server: accepts the pending handshake request (see [`Event::Request`]).
    pub fn accept(&mut self, accept: Accept) -> Result<(), AcceptError> {
        let Handshake::AwaitingAnswer(request) = &self.handshake else {
            return Err(AcceptError::NoPendingRequest);
        };
        let agreed = self
            .config
            .deflate
            .as_ref()
            .and_then(|cfg| deflate::server_accept(&request.extensions, cfg));
        let mut head = Vec::new();
        handshake::write_accept(
            request,
            &accept,
            agreed.as_ref().map(|(item, _)| item.as_str()),
            &mut head,
        )?;
        self.out.extend(&head);
        self.subprotocol = accept.subprotocol;
        if let Some((_, params)) = agreed {
            self.start_deflate(params);
        }
        self.open();
        let early = std::mem::take(&mut self.inbuf);
        self.receive_frames(&early);
        Ok(())
    }

    /// Server: replaces `config.deflate` for answering the pending request, so
    /// whether and how to accept its permessage-deflate offers can be decided per
    /// request (after seeing it). [`AcceptError::NoPendingRequest`] unless a
    /// request is waiting for [`Connection::accept`].
    pub fn set_deflate(&mut self, deflate: Option<DeflateConfig>) -> Result<(), AcceptError> {
        if !matches!(self.handshake, Handshake::AwaitingAnswer(_)) {
            return Err(AcceptError::NoPendingRequest);
        }
        self.config.deflate = deflate;
        Ok(())
    }

    /// Server: refuses the pending handshake request with an HTTP response; the
    /// transport is to be closed once it is written.
    pub fn reject(
        &mut self,
        status: u16,
        headers: &[Header],
        body: &[u8],
    ) -> Result<(), AcceptError> {
        if !matches!(self.handshake, Handshake::AwaitingAnswer(_)) {
            return Err(AcceptError::NoPendingRequest);
        }
        let mut head = Vec::new();
        handshake::write_reject(status, headers, body, &mut head)?;
        self.out.extend(&head);
        self.handshake = Handshake::Done;
        self.set_close_info(
            CloseCode::ABNORMAL,
            format!("handshake rejected with {status}"),
            Initiator::Local,
        );
        self.close_transport = true;
        self.finish(false);
        Ok(())
    }

    /// Queues a text message.
    pub fn send_text<'a>(&mut self, text: impl Into<Text<'a>>) -> Result<(), SendError> {
        text.into()
            .with_payload(|p| self.send_data(OpCode::Text, p, true, false))
    }

    /// Queues a binary message.
    pub fn send_binary<'a>(&mut self, data: impl Into<Payload<'a>>) -> Result<(), SendError> {
        self.send_data(OpCode::Binary, data.into(), true, false)
    }

    /// Queues a binary message of `len` bytes whose payload the caller keeps and
    /// writes itself, so it is never copied: for bindings whose payloads live
    /// outside Rust's memory (a JS `Uint8Array`).
    ///
    /// Core keeps the payload only where it would queue a shared payload by
    /// reference: as a server (no masking), with no compression for this message,
    /// and over 1 KiB (smaller ones are copied next to their header, which costs
    /// less than a separate piece of output). Then it returns [`HeldPayload::Kept`]
    /// and the output shows the payload as [`OutputSegment::Held`] right after its
    /// header; drain it with [`Connection::output_segments`] and write the caller's
    /// bytes there. Otherwise it calls `fill` once with `len` bytes to copy the
    /// payload into (straight into the output unless it is compressed; a client's
    /// is masked there) and returns [`HeldPayload::Copied`]. Errors are those of
    /// [`Connection::send_binary`], checked before `fill` is called.
    pub fn send_binary_held(
        &mut self,
        len: usize,
        fill: impl FnOnce(&mut [u8]),
    ) -> Result<HeldPayload, SendError> {
        if self.try_keep(OpCode::Binary, len)? {
            return Ok(HeldPayload::Kept);
        }
        if !self.compresses(len) {
            self.queue_frame_filled(len, fill);
            return Ok(HeldPayload::Copied);
        }
        let mut copy = vec![0; len];
        fill(&mut copy);
        self.send_binary(copy)?;
        Ok(HeldPayload::Copied)
    }

    /// [`Connection::send_binary_held`] for a payload the caller can lend now (a
    /// Python `bytes`): sent like `send_binary(payload)` ([`HeldPayload::Copied`]),
    /// except where core would queue it by reference: then only its placeholder is
    /// queued ([`HeldPayload::Kept`]) and the caller keeps these bytes unchanged
    /// until it writes them there.
    pub fn send_binary_or_keep(&mut self, payload: &[u8]) -> Result<HeldPayload, SendError> {
        if self.try_keep(OpCode::Binary, payload.len())? {
            return Ok(HeldPayload::Kept);
        }
        self.send_binary(payload)?;
        Ok(HeldPayload::Copied)
    }

    /// [`Connection::send_binary_or_keep`] for a text message (a Python `str`'s
    /// UTF-8): copied like `send_text(text)`, or kept where core would queue it
    /// by reference.
    pub fn send_text_or_keep(&mut self, text: &str) -> Result<HeldPayload, SendError> {
        if self.try_keep(OpCode::Text, text.len())? {
            return Ok(HeldPayload::Kept);
        }
        self.send_text(text)?;
        Ok(HeldPayload::Copied)
    }

    /// Queues a whole data message of `len` bytes as a header and a placeholder
    /// if it would go out by reference; `Ok(false)` when not (send it normally).
    fn try_keep(&mut self, opcode: OpCode, len: usize) -> Result<bool, SendError> {
        self.check_can_send()?;
        if self.sending_fragmented.is_some() {
            return Err(SendError::MessageInProgress);
        }
        if len <= COALESCE_LIMIT || self.role == Role::Client || self.compresses(len) {
            return Ok(false);
        }
        let (_, head, head_len) = self.frame_head(opcode, true, 0, len);
        self.out.extend(&head[..head_len]);
        self.out.push_held(len);
        Ok(true)
    }

    /// A whole uncompressed binary message whose payload `fill` writes straight
    /// into the output (where a client's is then masked).
    fn queue_frame_filled(&mut self, len: usize, fill: impl FnOnce(&mut [u8])) {
        let (mask, head, head_len) = self.frame_head(OpCode::Binary, true, 0, len);
        self.out.with_tail(|tail| {
            tail.extend_from_slice(&head[..head_len]);
            let start = tail.len();
            tail.resize(start + len, 0);
            fill(&mut tail[start..]);
            if let Some(key) = mask {
                apply_mask(&mut tail[start..], key, 0);
            }
        });
    }

    /// Queues one fragment of a text message; `fin` marks the last one. Each
    /// fragment is whole characters; other messages cannot start until `fin`.
    pub fn send_text_fragment<'a>(
        &mut self,
        text: impl Into<Text<'a>>,
        fin: bool,
    ) -> Result<(), SendError> {
        text.into()
            .with_payload(|p| self.send_data(OpCode::Text, p, fin, true))
    }

    /// Queues one fragment of a binary message; `fin` marks the last one.
    pub fn send_binary_fragment<'a>(
        &mut self,
        data: impl Into<Payload<'a>>,
        fin: bool,
    ) -> Result<(), SendError> {
        self.send_data(OpCode::Binary, data.into(), fin, true)
    }

    /// Queues a ping (at most 125 bytes).
    pub fn send_ping(&mut self, data: &[u8]) -> Result<(), SendError> {
        self.send_control(OpCode::Ping, data)
    }

    /// Queues an unsolicited pong or, with `auto_pong` off, the answer to a ping.
    pub fn send_pong(&mut self, data: &[u8]) -> Result<(), SendError> {
        self.send_control(OpCode::Pong, data)
    }

    /// Starts the closing handshake with `code` and `reason` (at most 123 bytes;
    /// see [`crate::truncate_reason`]). Idempotent: once closing or closed it
    /// reports [`CloseOutcome::AlreadyClosed`] with who closed and why.
    pub fn close(
        &mut self,
        code: impl Into<CloseCode>,
        reason: &str,
    ) -> Result<CloseOutcome, CloseError> {
        let code = code.into();
        let payload = close_payload(code, reason)?;
        self.run_deferred_failure();
        if self.finished || self.our == SideState::Closed {
            return Ok(CloseOutcome::AlreadyClosed(self.current_close_info()));
        }
        if self.handshake_pending() {
            self.set_close_info(
                CloseCode::ABNORMAL,
                String::from("closed during the opening handshake"),
                Initiator::Local,
            );
            self.close_transport = true;
            self.finish(false);
            return Ok(CloseOutcome::Aborted);
        }
        self.send_close(&payload);
        self.set_close_info(code, reason.to_owned(), Initiator::Local);
        self.arm_close_timer();
        Ok(CloseOutcome::Sent)
    }

    // ----- to the network -----

    /// The bytes to write, in order, as slices (header and payload slices stay
    /// separate where that avoids a copy). Call [`Connection::advance_output`] with
    /// the number of bytes the transport took. Stops before a payload the caller
    /// kept ([`Connection::send_binary_held`]); see [`Connection::output_segments`].
    pub fn output(&self) -> impl Iterator<Item = &[u8]> {
        self.out.slices()
    }

    /// Everything to write, in order, including the payloads the caller kept
    /// ([`OutputSegment::Held`]: write the next bytes of the oldest one there).
    /// [`Connection::advance_output`] counts held bytes like any others.
    pub fn output_segments(&self) -> impl Iterator<Item = OutputSegment<'_>> {
        self.out.segments()
    }

    /// Fills `dst` with [`IoSlice`]s of the pending bytes, for `write_vectored`.
    pub fn output_io_slices<'a>(&'a self, dst: &mut [IoSlice<'a>]) -> usize {
        self.out.io_slices(dst)
    }

    /// Drops the first `n` pending bytes: the transport has taken them.
    pub fn advance_output(&mut self, n: usize) {
        self.out.advance(n);
        self.output_taken();
    }

    /// Takes every pending byte as one buffer (simple, at the cost of a copy), up to
    /// a payload the caller kept ([`Connection::send_binary_held`]).
    pub fn take_output(&mut self) -> Vec<u8> {
        let all = self.out.take_all();
        self.output_taken();
        all
    }

    /// Writes pending bytes to `w` with one vectored write; returns how many were
    /// taken. Repeat while [`Connection::buffered_amount`] is not zero. A payload the
    /// caller kept cannot be written from here: when one is next, this fails with
    /// [`io::ErrorKind::InvalidInput`] (use [`Connection::output_segments`]).
    pub fn write_to(&mut self, w: &mut impl Write) -> io::Result<usize> {
        // Small frames only (the common case): one plain write.
        if let Some(bytes) = self.out.contiguous() {
            let n = w.write(bytes)?;
            self.out.advance(n);
            self.output_taken();
            return Ok(n);
        }
        if self.out.held_is_next() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the next output is a payload the caller kept (send_binary_held): write it from output_segments()",
            ));
        }
        let mut slices = [IoSlice::new(&[]); 16];
        let count = self.out.io_slices(&mut slices);
        if count == 0 {
            return Ok(0);
        }
        let n = w.write_vectored(&slices[..count])?;
        self.out.advance(n);
        self.output_taken();
        Ok(n)
    }

    /// Bytes queued for the transport and not yet taken.
    pub fn buffered_amount(&self) -> usize {
        self.out.len()
    }

    /// Whether to stop reading from the transport for now: events are waiting
    /// for [`Connection::poll_event`], or the pending output is above
    /// [`Config::output_high_water`] (the peer is not reading what we send).
    /// Read again once it is false (after polling events, writing output).
    /// Honouring it bounds what a connection holds, whatever the pace of the
    /// peer or the application: about one read plus one message in, and the
    /// mark plus one message out.
    pub fn should_pause_reading(&self) -> bool {
        !self.events.is_empty() || self.out.len() > self.config.output_high_water
    }

    /// Whether the transport should be closed once the pending output is written.
    pub fn should_close_transport(&self) -> bool {
        self.close_transport
    }

    // ----- to the application -----

    /// How many events are waiting for [`Connection::poll_event`]. Adapters that hand
    /// messages over in batches use it; it never advances the connection.
    pub fn pending_events(&self) -> usize {
        self.events.len()
    }

    /// The next event, if any. Call until `None` after each input.
    pub fn poll_event(&mut self) -> Option<Event> {
        if self.events.is_empty() {
            self.run_deferred_failure();
        }
        self.events.pop_front()
    }

    // ----- handshake -----

    fn handshake_pending(&self) -> bool {
        !matches!(self.handshake, Handshake::Done)
    }

    fn read_request(&mut self) {
        let Handshake::ReadingRequest(scan) = &mut self.handshake else {
            return;
        };
        let parsed =
            handshake::parse_request_scanned(&self.inbuf, self.config.max_handshake_size, scan)
                .and_then(|parsed| match parsed {
                    // Origin and Host are judged before the application hears of it.
                    Some((ref request, _)) => match &self.config.origin_policy {
                        Some(policy) => origin::check_request(policy, request).map(|()| parsed),
                        None => Ok(parsed),
                    },
                    None => Ok(None),
                });
        match parsed {
            Ok(None) => {}
            Ok(Some((request, n))) => {
                self.inbuf.drain(..n);
                self.events.push_back(Event::Request(request.clone()));
                self.handshake = Handshake::AwaitingAnswer(Box::new(request));
            }
            Err(e) => self.fail_handshake(e, true),
        }
    }

    fn read_response(&mut self) {
        let Handshake::ReadingResponse(reading) = &mut self.handshake else {
            return;
        };
        let ReadingResponse {
            key,
            subprotocols,
            scan,
        } = &mut **reading;
        match handshake::parse_response_scanned(
            &self.inbuf,
            key,
            subprotocols,
            self.config.max_handshake_size,
            scan,
        ) {
            Ok(None) => {}
            Ok(Some((ResponseOutcome::Accepted(response), n))) => {
                let offered = self
                    .config
                    .deflate
                    .as_ref()
                    .filter(|_| cfg!(feature = "deflate"));
                match deflate::client_accept(&response.extensions, offered) {
                    Ok(Some(params)) => self.start_deflate(params),
                    Ok(None) => {}
                    Err(e) => {
                        self.fail_handshake(e, false);
                        return;
                    }
                }
                let rest = self.inbuf.split_off(n);
                self.inbuf = Vec::new();
                self.subprotocol = response.subprotocol.clone();
                self.events.push_back(Event::Accepted(response));
                self.open();
                self.receive_frames(&rest);
            }
            Ok(Some((ResponseOutcome::Rejected(rejection), _))) => {
                let status = rejection.status;
                self.events.push_back(Event::Rejected(rejection));
                self.fail_handshake(HandshakeError::NotSwitching(status), false);
            }
            Err(e) => self.fail_handshake(e, false),
        }
    }

    /// Ends a connection whose handshake failed; a server answers with an HTTP error.
    fn fail_handshake(&mut self, error: HandshakeError, respond: bool) {
        if respond && self.role == Role::Server {
            let mut response = Vec::new();
            handshake::write_error_response(&error, &mut response);
            self.out.extend(&response);
        }
        self.handshake = Handshake::Done;
        self.inbuf = Vec::new();
        self.set_close_info(
            CloseCode::ABNORMAL,
            error.to_string(),
            Initiator::ProtocolError,
        );
        self.failure = Some(error.into());
        self.close_transport = true;
        self.finish(false);
    }

    /// Without the `deflate` feature nothing is ever agreed.
    #[cfg(not(feature = "deflate"))]
    fn start_deflate(&mut self, _p: DeflateParams) {}

    /// Sets up our compressor and the decoder's inflater for the agreed parameters.
    #[cfg(feature = "deflate")]
    fn start_deflate(&mut self, p: DeflateParams) {
        let (level, mem_level) = self
            .config
            .deflate
            .as_ref()
            .map_or((6, 8), |c| (c.level, c.mem_level));
        let (ours, theirs) = match self.role {
            Role::Server => (
                (p.server_max_window_bits, p.server_no_context_takeover),
                (p.client_max_window_bits, p.client_no_context_takeover),
            ),
            Role::Client => (
                (p.client_max_window_bits, p.client_no_context_takeover),
                (p.server_max_window_bits, p.server_no_context_takeover),
            ),
        };
        self.deflater = Some(Deflater::new(level, ours.0, mem_level, ours.1));
        self.decoder
            .enable_deflate(Inflater::new(theirs.0, theirs.1));
        self.deflate = Some(p);
    }

    fn open(&mut self) {
        self.handshake = Handshake::Done;
        self.our = SideState::Open;
        self.their = SideState::Open;
        self.timers.disarm(Timer::Handshake);
        if let Some(interval) = self.config.ping_interval {
            self.timers.arm_in(Timer::Ping, interval);
        }
    }

    // ----- frames in -----

    fn receive_frames(&mut self, mut data: &[u8]) {
        while !self.input_broken && !self.finished && self.their == SideState::Open {
            match self.decoder.next(&mut data) {
                Ok(Some(incoming)) => self.on_incoming(incoming),
                Ok(None) => return,
                Err(e) => {
                    self.input_broken = true;
                    self.fail_after_events(e);
                }
            }
        }
    }

    fn on_incoming(&mut self, incoming: Incoming) {
        match incoming {
            Incoming::Text(text) => self.events.push_back(Event::Text(text)),
            Incoming::Binary(data) => self.events.push_back(Event::Binary(data)),
            Incoming::Ping(data) => {
                if self.config.auto_pong && self.our == SideState::Open {
                    // Only the latest ping needs its pong (RFC 6455 §5.5.3). While
                    // the peer keeps up every ping gets one (the Autobahn|Testsuite
                    // expects that); once our output is above the mark, a pong
                    // still unsent is replaced, so a peer that pings and never
                    // reads gets one pending pong, not one per ping.
                    if self.out.len() > self.config.output_high_water {
                        self.out.retract_trailing_pong();
                    }
                    let before = self.out.len();
                    self.queue_frame(OpCode::Pong, true, 0, Payload::Borrowed(&data));
                    self.out.mark_trailing_pong(self.out.len() - before);
                }
                self.events.push_back(Event::Ping(data));
            }
            Incoming::Pong(data) => {
                self.timers.disarm(Timer::Pong);
                self.events.push_back(Event::Pong(data));
            }
            Incoming::Close(payload) => match parse_close_payload(&payload) {
                Ok(frame) => self.on_close_frame(frame),
                Err(e) => {
                    self.input_broken = true;
                    self.fail_after_events(e);
                }
            },
        }
    }

    fn on_close_frame(&mut self, frame: CloseFrame) {
        self.their = SideState::Closed;
        self.received_close = Some(frame.clone());
        if self.our == SideState::Open {
            // Echo the code (RFC 6455 §5.5.1); none if the peer sent none.
            let reply = if frame.code == CloseCode::NO_STATUS {
                Vec::new()
            } else {
                frame.code.0.to_be_bytes().to_vec()
            };
            self.send_close(&reply);
            self.set_close_info(frame.code, frame.reason.clone(), Initiator::Remote);
        }
        self.events.push_back(Event::CloseReceived(frame));
        match self.role {
            // The server closes TCP first (RFC 6455 §7.1.1).
            Role::Server => {
                self.close_transport = true;
                self.finish(true);
            }
            // The client waits for the server's TCP close, but not forever.
            Role::Client => self.arm_close_timer(),
        }
    }

    /// Ends the connection after an internal failure: 1011 on the wire.
    fn fail_internal(&mut self, reason: &str) {
        let mut payload = CloseCode::INTERNAL_ERROR.0.to_be_bytes().to_vec();
        payload.extend_from_slice(reason.as_bytes());
        self.send_close(&payload);
        self.set_close_info(
            CloseCode::INTERNAL_ERROR,
            reason.to_owned(),
            Initiator::ProtocolError,
        );
        self.close_transport = true;
        self.finish(false);
    }

    /// Fails the connection once the events before the error have been polled.
    fn fail_after_events(&mut self, error: ProtocolError) {
        if self.events.is_empty() {
            self.fail(error);
        } else {
            self.deferred_failure = Some(error);
        }
    }

    fn run_deferred_failure(&mut self) {
        if let Some(error) = self.deferred_failure.take() {
            self.fail(error);
        }
    }

    /// Fails the connection: our close frame with the error's code, then the transport.
    fn fail(&mut self, error: ProtocolError) {
        let code = error.close_code();
        if self.our == SideState::Open {
            let reason = error.to_string();
            let reason = crate::close::truncate_reason(&reason);
            let mut payload = code.0.to_be_bytes().to_vec();
            payload.extend_from_slice(reason.as_bytes());
            self.send_close(&payload);
            self.set_close_info(code, reason.to_owned(), Initiator::ProtocolError);
        }
        self.failure = Some(error.into());
        self.their = SideState::Closed;
        self.close_transport = true;
        self.finish(false);
    }

    // ----- frames out -----

    #[inline]
    fn send_data(
        &mut self,
        opcode: OpCode,
        payload: Payload<'_>,
        fin: bool,
        fragment: bool,
    ) -> Result<(), SendError> {
        // The most common frame of all: a whole message of up to 1 KiB from an
        // open server without compression, copied after a header of two bytes
        // (FIN + opcode, length) or four (a 16-bit length from 126 bytes up).
        // Everything else takes the general path, out of line so that this one
        // stays small.
        let bytes = payload.as_bytes();
        if bytes.len() <= COALESCE_LIMIT
            && fin
            && !fragment
            && self.role == Role::Server
            && self.our == SideState::Open
            && !self.finished
            && self.deflater.is_none()
            && self.sending_fragmented.is_none()
        {
            let b0 = 0x80 | opcode.bits();
            if bytes.len() < 126 {
                self.out.extend_short_frame(&[b0, bytes.len() as u8], bytes);
            } else {
                let [hi, lo] = (bytes.len() as u16).to_be_bytes();
                self.out.extend_short_frame(&[b0, 126, hi, lo], bytes);
            }
            return Ok(());
        }
        self.send_data_general(opcode, payload, fin, fragment)
    }

    /// [`Connection::send_data`] for everything but short server frames.
    #[inline(never)]
    fn send_data_general(
        &mut self,
        opcode: OpCode,
        payload: Payload<'_>,
        fin: bool,
        fragment: bool,
    ) -> Result<(), SendError> {
        self.check_can_send()?;
        let wire_opcode = match (self.sending_fragmented, fragment) {
            (None, _) => opcode,
            (Some(_), false) => return Err(SendError::MessageInProgress),
            (Some(kind), true) if kind == opcode => OpCode::Continuation,
            (Some(_), true) => return Err(SendError::FragmentKindMismatch),
        };
        self.sending_fragmented = if fin { None } else { Some(opcode) };
        if wire_opcode != OpCode::Continuation {
            // A fragment's message size is unknown, so a fragmented message is compressed.
            self.sending_compressed = self.compresses(payload.as_bytes().len())
                || (self.deflater.is_some() && fragment && !fin);
        }
        if !self.sending_compressed {
            self.queue_frame(wire_opcode, fin, 0, payload);
            return Ok(());
        }
        let mut compressed = Vec::new();
        let ok = self
            .deflater
            .as_mut()
            .and_then(|d| d.compress(payload.as_bytes(), fin, &mut compressed));
        match (ok, wire_opcode) {
            // RSV1 on the first frame only (RFC 7692 §6.1).
            (Some(()), OpCode::Continuation) => {
                self.queue_frame(wire_opcode, fin, 0, compressed.into())
            }
            (Some(()), _) => self.queue_frame(wire_opcode, fin, 0b100, compressed.into()),
            // zlib failed before anything was sent compressed: send it plain.
            (None, OpCode::Text | OpCode::Binary) => {
                self.sending_compressed = false;
                self.queue_frame(wire_opcode, fin, 0, payload);
            }
            // Mid-message nothing can be sent any more: fail with 1011.
            (None, _) => self.fail_internal("compression failed"),
        }
        Ok(())
    }

    /// Whether a whole message of `len` bytes is sent compressed.
    fn compresses(&self, len: usize) -> bool {
        let min_size = self.config.deflate.as_ref().map_or(0, |c| c.min_size);
        self.deflater.is_some() && len >= min_size
    }

    fn send_control(&mut self, opcode: OpCode, data: &[u8]) -> Result<(), SendError> {
        if data.len() > MAX_CONTROL_PAYLOAD {
            return Err(SendError::ControlFrameTooLong(data.len()));
        }
        self.check_can_send()?;
        self.queue_frame(opcode, true, 0, Payload::Borrowed(data));
        Ok(())
    }

    fn check_can_send(&self) -> Result<(), SendError> {
        match self.our {
            SideState::Open if !self.finished => Ok(()),
            SideState::Connecting if !self.finished => Err(SendError::NotOpen),
            _ => Err(SendError::Closed(self.current_close_info())),
        }
    }

    fn send_close(&mut self, payload: &[u8]) {
        self.queue_frame(OpCode::Close, true, 0, Payload::Borrowed(payload));
        self.sent_close = true;
        self.our = SideState::Closed;
        self.timers.disarm(Timer::Ping);
        self.timers.disarm(Timer::Pong);
    }

    /// The header of a frame of `len` payload bytes, with a fresh mask key when
    /// we are the client: the key, the header buffer and how much of it is used.
    fn frame_head(
        &mut self,
        opcode: OpCode,
        fin: bool,
        rsv: u8,
        len: usize,
    ) -> (Option<[u8; 4]>, [u8; MAX_HEADER_LEN], usize) {
        let mask = match self.role {
            Role::Client => Some(self.masks.next()),
            Role::Server => None,
        };
        let header = FrameHeader {
            fin,
            rsv,
            opcode,
            mask,
            len: len as u64,
        };
        let mut head = [0u8; MAX_HEADER_LEN];
        let head_len = header.encode(&mut head);
        (mask, head, head_len)
    }

    fn queue_frame(&mut self, opcode: OpCode, fin: bool, rsv: u8, payload: Payload<'_>) {
        let len = payload.as_bytes().len();
        let (mask, head, head_len) = self.frame_head(opcode, fin, rsv, len);
        match (mask, payload) {
            (Some(key), payload) => self.out.with_tail(|tail| {
                tail.extend_from_slice(&head[..head_len]);
                let start = tail.len();
                tail.extend_from_slice(payload.as_bytes());
                apply_mask(&mut tail[start..], key, 0);
            }),
            (None, Payload::Borrowed(bytes)) => self.out.extend_frame(&head, head_len, bytes),
            (None, Payload::Shared(bytes)) => self.out.push_frame_shared(&head, head_len, bytes),
        }
    }

    fn keepalive_ping(&mut self) {
        if self.our != SideState::Open || self.their != SideState::Open {
            return;
        }
        self.pings_sent += 1;
        let payload = self.pings_sent.to_be_bytes();
        self.queue_frame(OpCode::Ping, true, 0, Payload::Borrowed(&payload));
        if let Some(interval) = self.config.ping_interval {
            self.timers.arm_in(Timer::Ping, interval);
        }
        if let Some(timeout) = self.config.pong_timeout {
            if !self.timers.is_armed(Timer::Pong) {
                self.timers.arm_in(Timer::Pong, timeout);
            }
        }
    }

    // ----- closing -----

    fn set_close_info(&mut self, code: CloseCode, reason: String, initiator: Initiator) {
        self.our = SideState::Closed;
        if self.close_info.is_none() {
            self.close_info = Some(CloseInfo {
                code,
                reason,
                initiator,
            });
        }
    }

    fn current_close_info(&self) -> CloseInfo {
        self.close_info.clone().unwrap_or(CloseInfo {
            code: CloseCode::ABNORMAL,
            reason: String::new(),
            initiator: Initiator::Transport,
        })
    }

    fn arm_handshake_timer(&mut self) {
        if let Some(t) = self.config.handshake_timeout {
            self.timers.arm_in(Timer::Handshake, t);
        }
    }

    fn arm_close_timer(&mut self) {
        if let Some(t) = self.config.close_timeout {
            self.timers.arm_in(Timer::Close, t);
        }
    }

    /// Reports [`Event::Closed`], exactly once.
    fn finish(&mut self, clean: bool) {
        if self.finished {
            return;
        }
        self.finished = true;
        self.our = SideState::Closed;
        self.their = SideState::Closed;
        self.timers.disarm_all();
        self.decoder.discard();
        let info = self.current_close_info();
        let (code, reason) = match (&self.failure, &self.received_close) {
            // We failed the connection: report the code we put on the wire.
            (Some(Error::Protocol(_)), _) => (info.code, info.reason.clone()),
            (Some(Error::Handshake(e)), _) => (CloseCode::ABNORMAL, e.to_string()),
            // RFC 6455 §7.1.5: the code of the close frame we received.
            (None, Some(frame)) => (frame.code, frame.reason.clone()),
            _ => (CloseCode::ABNORMAL, String::new()),
        };
        self.events.push_back(Event::Closed(Closed {
            code,
            reason,
            clean,
            initiator: info.initiator,
            error: self.failure.clone(),
        }));
    }
}
