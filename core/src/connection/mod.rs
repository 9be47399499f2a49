//! The sans-IO connection: one per WebSocket, client or server. Bytes and time go
//! in, events and bytes come out.
//!
//! A [`Connection`] is the orchestration of parts that each own their state:
//! the opening handshake ([`opening`]), the decoder of received frames
//! (`crate::decode`), the [`encoder`] of frames to send and its output queue,
//! the close [`lifecycle`] (who may still send or receive, who closed and why,
//! the one `Closed` report) and the [`timers`]. This file is the public API:
//! each call asks the lifecycle what is allowed, has the part it concerns do
//! the work, and carries out what the lifecycle decided.

use std::collections::VecDeque;
use std::io::{self, IoSlice, Write};
use std::time::Duration;

use bytes::BytesMut;

use crate::close::{close_payload, parse_close_payload, CloseCode, CloseFrame, CloseInfo};
use crate::config::Config;
use crate::decode::{Decoder, Incoming};
#[cfg(feature = "deflate")]
use crate::deflate::Inflater;
use crate::deflate::{self, DeflateConfig, DeflateParams};
use crate::error::{AcceptError, CloseError, HandshakeError, ProtocolError, SendError};
use crate::event::Event;
use crate::frame::{OpCode, MAX_CONTROL_PAYLOAD};
use crate::handshake::{self, Accept, ClientRequest, Header};
use crate::output::OutputSegment;
use crate::payload::{Payload, Text};

mod encoder;
mod held;
mod lifecycle;
mod opening;
mod outcome;
mod state;
pub(crate) mod timers;

use encoder::{Encoded, Encoder};
use lifecycle::{Lifecycle, LocalClose};
use opening::{Opening, Step};
pub use outcome::{CloseOutcome, HeldPayload};
pub use state::{Role, SideState, State};
use timers::{Timer, Timers};

/// A WebSocket connection without I/O. See the crate docs for the loop around it.
///
/// ## Taking output
///
/// Write what the connection queued with [`Connection::write_to`]: it takes any
/// [`std::io::Write`] (a `TcpStream`, blocking or not: `WouldBlock` comes back
/// as the error it is) and hands large payloads to one vectored write, no
/// copy. The other ways exist for what `write_to` cannot serve:
/// - [`Connection::output_io_slices`] + [`Connection::advance_output`]: for
///   writers that are not `io::Write` (tokio's `AsyncWrite::poll_write_vectored`).
/// - [`Connection::output_segments`] + [`Connection::advance_output`]: for
///   bindings that keep payloads outside Rust ([`Connection::send_binary_held`]).
/// - [`Connection::take_output`]: all of it as one `Vec<u8>`, a copy: for tests
///   and in-memory pairs.
#[derive(Debug)]
pub struct Connection {
    role: Role,
    config: Config,
    opening: Opening,
    life: Lifecycle,
    decoder: Decoder,
    encoder: Encoder,
    events: VecDeque<Event>,
    timers: Timers,
    subprotocol: Option<String>,
    /// permessage-deflate, once negotiated.
    deflate: Option<DeflateParams>,
}

impl Connection {
    /// A server connection waiting for a client's upgrade request.
    pub fn server(config: Config) -> Connection {
        let mut conn = Connection::new(Role::Server, config, Opening::server());
        conn.arm_handshake_timer();
        conn
    }

    /// A client connection; its upgrade request is queued at once (see [`Connection::write_to`]).
    pub fn client(config: Config, request: ClientRequest) -> Result<Connection, HandshakeError> {
        let key = handshake::new_key();
        let offer = config
            .deflate
            .as_ref()
            .filter(|_| cfg!(feature = "deflate"))
            .map(deflate::client_offer);
        let mut head = Vec::new();
        handshake::write_request(&request, &key, offer.as_deref(), &mut head)?;
        let opening = Opening::client(key, request.subprotocols);
        let mut conn = Connection::new(Role::Client, config, opening);
        conn.encoder.queue_raw(&head);
        conn.arm_handshake_timer();
        Ok(conn)
    }

    /// A connection whose opening handshake was done elsewhere (an HTTP server
    /// that hands over the upgraded socket, like tungstenite's `from_raw_socket`):
    /// open at once, compressing with `deflate` if that handshake agreed on
    /// permessage-deflate (`config.deflate` then only supplies level, memLevel and
    /// `min_size`). Without the `deflate` feature `deflate` is ignored.
    pub fn upgraded(role: Role, config: Config, deflate: Option<DeflateParams>) -> Connection {
        let mut conn = Connection::new(role, config, Opening::done());
        if let Some(params) = deflate {
            conn.start_deflate(params);
        }
        conn.open();
        conn
    }

    /// Records the subprotocol the handshake done elsewhere selected, so that
    /// [`Connection::subprotocol`] reports it on an [`Connection::upgraded`]
    /// connection as it does on one that ran its own handshake.
    pub fn with_subprotocol(mut self, name: impl Into<String>) -> Connection {
        self.subprotocol = Some(name.into());
        self
    }

    fn new(role: Role, config: Config, opening: Opening) -> Connection {
        Connection {
            role,
            decoder: Decoder::new(
                role == Role::Server,
                config.max_frame_size,
                config.max_message_size,
                config.memory_budget.clone(),
            ),
            encoder: Encoder::new(role),
            config,
            opening,
            life: Lifecycle::connecting(),
            events: VecDeque::new(),
            timers: Timers::default(),
            subprotocol: None,
            deflate: None,
        }
    }

    // ----- state -----

    /// Client or server.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The connection's state as a whole.
    pub fn state(&self) -> State {
        self.life.state()
    }

    /// Whether we may still send: `Open` until our close frame is queued.
    pub fn our_state(&self) -> SideState {
        self.life.our_state()
    }

    /// Whether the peer may still send: `Open` until its close frame or EOF arrives.
    pub fn their_state(&self) -> SideState {
        self.life.their_state()
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
        self.life.info()
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
        if self.life.their_state() == SideState::Closed {
            return;
        }
        if !self.opening.is_pending() {
            return self.receive_frames(data);
        }
        match self.opening.receive(data, &self.config) {
            Step::Wait => {}
            Step::Request(request) => self.events.push_back(Event::Request(request)),
            Step::Accepted(response, rest) => {
                let offered = self
                    .config
                    .deflate
                    .as_ref()
                    .filter(|_| cfg!(feature = "deflate"));
                match deflate::client_accept(&response.extensions, offered) {
                    Ok(Some(params)) => self.start_deflate(params),
                    Ok(None) => {}
                    Err(e) => return self.fail_handshake(e, false),
                }
                self.subprotocol = response.subprotocol.clone();
                self.events.push_back(Event::Accepted(response));
                self.open();
                self.receive_frames(&rest);
            }
            Step::Rejected(rejection) => {
                let status = rejection.status;
                self.events.push_back(Event::Rejected(rejection));
                self.fail_handshake(HandshakeError::NotSwitching(status), false);
            }
            Step::Failed { error, respond } => self.fail_handshake(error, respond),
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
    /// buffer); copy what you keep for long. Smaller messages are copied (into
    /// slices of one buffer per call, of at most 4 KiB), so a kept short message
    /// never holds on to a read buffer.
    pub fn receive_buf(&mut self, buf: &mut BytesMut) {
        if self.opening.is_pending() {
            self.receive(buf);
            buf.clear();
            return;
        }
        let mut pos = 0;
        while self.life.can_receive() {
            match self.decoder.next_buf(buf, &mut pos) {
                Ok(Some(incoming)) => self.on_incoming(incoming),
                Ok(None) => break,
                Err(e) => self.fail_after_events(e),
            }
        }
        // All used up; or closed or failed, and what follows is ignored, as
        // `receive` ignores it.
        buf.clear();
        self.decoder.end_of_input();
    }

    /// Reports that the transport was closed by the peer (a read returned 0).
    pub fn receive_eof(&mut self) {
        self.run_deferred_failure();
        if self.life.is_ended() {
            return;
        }
        if self.opening.is_pending() {
            return self.fail_handshake(HandshakeError::Eof, false);
        }
        let clean = self.life.transport_gone();
        self.end(clean);
    }

    // ----- from time -----

    /// Tells the connection the time; fires timers that are due. Call it in every
    /// turn of the I/O loop, before feeding input or sending: timers started by
    /// other calls count from the last `now` given here. `now` is any monotonic
    /// clock reading as a `Duration` since an origin of your choice.
    pub fn handle_timeout(&mut self, now: Duration) {
        self.timers.set_now(now);
        if self.life.is_ended() {
            return;
        }
        self.watch_output_stall();
        for timer in self.timers.expired() {
            match timer {
                Timer::Handshake => {
                    if self.opening.is_pending() {
                        self.fail_handshake(HandshakeError::Timeout, false);
                    }
                }
                Timer::Close => {
                    let clean = self.life.transport_gone();
                    self.end(clean);
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
            if self.life.is_ended() {
                return;
            }
        }
    }

    /// When [`Connection::handle_timeout`] must next be called, if a timer is armed.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Duration> {
        if self.life.is_ended() {
            None
        } else if self.stall_unnoticed() {
            // Output passed the mark since the last `handle_timeout`: ask for
            // one now, which starts the stall timer from the current time.
            Some(self.timers.now().unwrap_or_default())
        } else {
            self.timers.next_deadline()
        }
    }

    // ----- from the application -----

    /// Server: accepts the pending handshake request (see [`Event::Request`]).
    pub fn accept(&mut self, accept: Accept) -> Result<(), AcceptError> {
        let Some(request) = self.opening.pending_request() else {
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
        self.encoder.queue_raw(&head);
        self.subprotocol = accept.subprotocol;
        if let Some((_, params)) = agreed {
            self.start_deflate(params);
        }
        let early = self.opening.finish();
        self.open();
        self.receive_frames(&early);
        Ok(())
    }

    /// Server: replaces `config.deflate` for answering the pending request, so
    /// whether and how to accept its permessage-deflate offers can be decided per
    /// request (after seeing it). [`AcceptError::NoPendingRequest`] unless a
    /// request is waiting for [`Connection::accept`].
    pub fn set_deflate(&mut self, deflate: Option<DeflateConfig>) -> Result<(), AcceptError> {
        if self.opening.pending_request().is_none() {
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
        if self.opening.pending_request().is_none() {
            return Err(AcceptError::NoPendingRequest);
        }
        let mut head = Vec::new();
        handshake::write_reject(status, headers, body, &mut head)?;
        self.encoder.queue_raw(&head);
        self.opening.finish();
        self.life.rejected(status);
        self.end(false);
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
    /// see [`crate::binding::truncate_reason`]). Idempotent: once closing or closed it
    /// reports [`CloseOutcome::AlreadyClosed`] with who closed and why. With
    /// [`crate::Config::auto_close_reply`] off, the call after
    /// [`Event::CloseReceived`] sends the answer to the peer's close.
    pub fn close(
        &mut self,
        code: impl Into<CloseCode>,
        reason: &str,
    ) -> Result<CloseOutcome, CloseError> {
        let code = code.into();
        let payload = close_payload(code, reason)?;
        self.run_deferred_failure();
        match self.life.local_close(code, reason) {
            LocalClose::AlreadyClosed(info) => Ok(CloseOutcome::AlreadyClosed(info)),
            LocalClose::Aborted => {
                self.opening.finish();
                self.end(false);
                Ok(CloseOutcome::Aborted)
            }
            LocalClose::SendFrame => {
                self.queue_close(&payload);
                self.arm_close_timer();
                Ok(CloseOutcome::Sent)
            }
            LocalClose::Reply => {
                self.queue_close(&payload);
                self.close_exchanged();
                Ok(CloseOutcome::Sent)
            }
        }
    }

    // ----- to the network -----

    /// Everything to write, in order, including the payloads the caller kept
    /// ([`OutputSegment::Held`]: write the next bytes of the oldest one there).
    /// [`Connection::advance_output`] counts held bytes like any others.
    pub fn output_segments(&self) -> impl Iterator<Item = OutputSegment<'_>> {
        self.encoder.out.segments()
    }

    /// Fills `dst` with [`IoSlice`]s of the pending bytes, for `write_vectored`.
    pub fn output_io_slices<'a>(&'a self, dst: &mut [IoSlice<'a>]) -> usize {
        self.encoder.out.io_slices(dst)
    }

    /// Drops the first `n` pending bytes: the transport has taken them.
    pub fn advance_output(&mut self, n: usize) {
        self.encoder.out.advance(n);
        self.output_taken();
    }

    /// Takes every pending byte as one buffer (simple, at the cost of a copy), up to
    /// a payload the caller kept ([`Connection::send_binary_held`]).
    #[must_use = "the bytes are no longer queued: write them"]
    pub fn take_output(&mut self) -> Vec<u8> {
        let all = self.encoder.out.take_all();
        self.output_taken();
        all
    }

    /// Writes pending bytes to `w` with one vectored write; returns how many were
    /// taken. Repeat while [`Connection::buffered_amount`] is not zero. A payload the
    /// caller kept cannot be written from here: when one is next, this fails with
    /// [`io::ErrorKind::InvalidInput`] (use [`Connection::output_segments`]).
    #[inline]
    pub fn write_to(&mut self, w: &mut impl Write) -> io::Result<usize> {
        // Small frames only (the common case): one plain write, inlined.
        if let Some(bytes) = self.encoder.out.contiguous() {
            let n = w.write(bytes)?;
            self.encoder.out.advance(n);
            self.output_taken();
            return Ok(n);
        }
        self.write_vectored_to(w)
    }

    /// [`Connection::write_to`] when the output is more than one slice.
    #[inline(never)]
    fn write_vectored_to(&mut self, w: &mut impl Write) -> io::Result<usize> {
        if self.encoder.out.held_is_next() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the next output is a payload the caller kept (send_binary_held): write it from output_segments()",
            ));
        }
        let mut slices = [IoSlice::new(&[]); 16];
        let count = self.encoder.out.io_slices(&mut slices);
        if count == 0 {
            return Ok(0);
        }
        let n = w.write_vectored(&slices[..count])?;
        self.encoder.out.advance(n);
        self.output_taken();
        Ok(n)
    }

    /// Bytes queued for the transport and not yet taken.
    pub fn buffered_amount(&self) -> usize {
        self.encoder.out.len()
    }

    /// Whether to stop reading from the transport for now: events are waiting
    /// for [`Connection::poll_event`], or the pending output is above
    /// [`Config::output_high_water`] (the peer is not reading what we send).
    /// Read again once it is false (after polling events, writing output).
    /// Honouring it bounds what a connection holds, whatever the pace of the
    /// peer or the application: about one read plus one message in, and the
    /// mark plus one message out.
    pub fn should_pause_reading(&self) -> bool {
        !self.events.is_empty() || self.encoder.out.len() > self.config.output_high_water
    }

    /// Whether the transport should be closed once the pending output is written.
    pub fn should_close_transport(&self) -> bool {
        self.life.is_ended()
    }

    // ----- to the application -----

    /// How many events are waiting for [`Connection::poll_event`]. Adapters that hand
    /// messages over in batches use it; it never advances the connection.
    pub fn pending_events(&self) -> usize {
        self.events.len()
    }

    /// The next event, if any. Call until `None` after each input.
    #[must_use = "an event polled is gone from the connection"]
    pub fn poll_event(&mut self) -> Option<Event> {
        if self.events.is_empty() {
            self.run_deferred_failure();
        }
        self.events.pop_front()
    }

    // ----- inside: frames in -----

    fn receive_frames(&mut self, mut data: &[u8]) {
        while self.life.can_receive() {
            match self.decoder.next(&mut data) {
                Ok(Some(incoming)) => self.on_incoming(incoming),
                Ok(None) => break,
                Err(e) => self.fail_after_events(e),
            }
        }
        self.decoder.end_of_input();
    }

    fn on_incoming(&mut self, incoming: Incoming) {
        match incoming {
            Incoming::Text(text) => self.events.push_back(Event::Text(text)),
            Incoming::Binary(data) => self.events.push_back(Event::Binary(data)),
            Incoming::Ping(data) => {
                if self.config.auto_pong && self.life.can_send() {
                    self.encoder
                        .queue_auto_pong(&data, self.config.output_high_water);
                }
                self.events.push_back(Event::Ping(data));
            }
            Incoming::Pong(data) => {
                self.timers.disarm(Timer::Pong);
                self.events.push_back(Event::Pong(data));
            }
            Incoming::Close(payload) => match parse_close_payload(&payload) {
                Ok(frame) => self.on_close_frame(frame),
                Err(e) => self.fail_after_events(e),
            },
        }
    }

    fn on_close_frame(&mut self, frame: CloseFrame) {
        if let Some(reply) = self.life.peer_close(&frame, self.config.auto_close_reply) {
            self.queue_close(&reply);
        }
        self.events.push_back(Event::CloseReceived(frame));
        if self.life.reply_due() {
            // The application's `close` answers; the close timer bounds the wait.
            self.arm_close_timer();
            return;
        }
        self.close_exchanged();
    }

    /// Close frames went both ways.
    fn close_exchanged(&mut self) {
        match self.role {
            // The server closes TCP first (RFC 6455 §7.1.1).
            Role::Server => self.end(true),
            // The client waits for the server's TCP close, but not forever.
            Role::Client => self.arm_close_timer(),
        }
    }

    // ----- inside: frames out -----

    // Always inlined: the fast path is a few checks and two copies, and a
    // call measured +28 instructions per 16 B message (callgrind).
    #[inline(always)]
    fn send_data(
        &mut self,
        opcode: OpCode,
        payload: Payload<'_>,
        fin: bool,
        fragment: bool,
    ) -> Result<(), SendError> {
        // Short whole messages from a server take the encoder's fast path;
        // everything else the general one, out of line so this stays small.
        if fin && !fragment && self.life.can_send() {
            if self.encoder.queue_short_message(opcode, payload.as_bytes()) {
                return Ok(());
            }
            // Long shared ones from a server: queued by reference, header inline.
            if let Payload::Shared(bytes) = payload {
                return match self.encoder.queue_large_shared(opcode, bytes) {
                    None => Ok(()),
                    Some(bytes) => self.send_data_general(opcode, bytes.into(), fin, fragment),
                };
            }
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
        self.life.check_send()?;
        match self.encoder.queue_data(opcode, payload, fin, fragment)? {
            Encoded::Queued => {}
            // Nothing more of the message can be sent: 1011 on the wire.
            Encoded::CompressionFailed => {
                let payload = self.life.fail_internal("compression failed");
                self.queue_close(&payload);
                self.end(false);
            }
        }
        Ok(())
    }

    fn send_control(&mut self, opcode: OpCode, data: &[u8]) -> Result<(), SendError> {
        if data.len() > MAX_CONTROL_PAYLOAD {
            return Err(SendError::ControlFrameTooLong(data.len()));
        }
        self.life.check_send()?;
        self.encoder.queue_control(opcode, data);
        Ok(())
    }

    /// Queues our close frame: the last thing we send, so keepalive stops.
    fn queue_close(&mut self, payload: &[u8]) {
        self.encoder.queue_control(OpCode::Close, payload);
        self.timers.disarm(Timer::Ping);
        self.timers.disarm(Timer::Pong);
    }

    fn keepalive_ping(&mut self) {
        if self.life.state() != State::Open {
            return;
        }
        self.encoder.queue_keepalive_ping();
        if let Some(interval) = self.config.ping_interval {
            self.timers.arm_in(Timer::Ping, interval);
        }
        if let Some(timeout) = self.config.pong_timeout {
            if !self.timers.is_armed(Timer::Pong) {
                self.timers.arm_in(Timer::Pong, timeout);
            }
        }
    }

    // ----- inside: opening -----

    fn open(&mut self) {
        self.life.open();
        self.timers.disarm(Timer::Handshake);
        if let Some(interval) = self.config.ping_interval {
            self.timers.arm_in(Timer::Ping, interval);
        }
    }

    /// Without the `deflate` feature nothing is ever agreed.
    #[cfg(not(feature = "deflate"))]
    fn start_deflate(&mut self, _p: DeflateParams) {}

    /// Sets up our compressor and the decoder's inflater for the agreed parameters.
    #[cfg(feature = "deflate")]
    fn start_deflate(&mut self, p: DeflateParams) {
        let (level, mem_level, min_size) = self
            .config
            .deflate
            .as_ref()
            .map_or((6, 8, 0), |c| (c.level, c.mem_level, c.min_size));
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
        let deflater = crate::deflate::Deflater::new(level, ours.0, mem_level, ours.1);
        self.encoder.start_deflate(deflater, min_size);
        self.decoder
            .enable_deflate(Inflater::new(theirs.0, theirs.1));
        self.deflate = Some(p);
    }

    // ----- inside: endings -----

    /// Ends a connection whose handshake failed; a server answers with an HTTP error.
    fn fail_handshake(&mut self, error: HandshakeError, respond: bool) {
        if respond && self.role == Role::Server {
            let mut response = Vec::new();
            handshake::write_error_response(&error, &mut response);
            self.encoder.queue_raw(&response);
        }
        self.opening.finish();
        self.life.handshake_failed(error);
        self.end(false);
    }

    /// Fails the connection once the events before the error have been polled.
    fn fail_after_events(&mut self, error: ProtocolError) {
        if self.events.is_empty() {
            self.fail(error);
        } else {
            self.life.defer(error);
        }
    }

    fn run_deferred_failure(&mut self) {
        if let Some(error) = self.life.take_deferred() {
            self.fail(error);
        }
    }

    /// Fails the connection: our close frame with the error's code, then the transport.
    fn fail(&mut self, error: ProtocolError) {
        if let Some(payload) = self.life.fail(error) {
            self.queue_close(&payload);
        }
        self.end(false);
    }

    /// Reports [`Event::Closed`], exactly once, and stops everything.
    fn end(&mut self, clean: bool) {
        if let Some(closed) = self.life.end(clean) {
            self.timers.disarm_all();
            self.decoder.discard();
            self.events.push_back(Event::Closed(closed));
        }
    }

    // ----- inside: timers -----

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

    /// Starts the stall timer when output is above the mark, stops it when not.
    fn watch_output_stall(&mut self) {
        if self.encoder.out.len() <= self.config.output_high_water {
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
        self.encoder.out.len() > self.config.output_high_water
            && self.config.output_stall_timeout.is_some()
            && !self.timers.is_armed(Timer::Stall)
    }

    /// After output was taken: below the mark again, the stall is over.
    #[inline]
    fn output_taken(&mut self) {
        if self.timers.is_armed(Timer::Stall)
            && self.encoder.out.len() <= self.config.output_high_water
        {
            self.timers.disarm(Timer::Stall);
        }
    }
}
