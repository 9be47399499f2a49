//! Limits, timeouts and behaviour switches for a [`crate::Connection`].

use std::time::Duration;

use crate::budget::MemoryBudget;
use crate::deflate::DeflateConfig;
use crate::origin::OriginPolicy;

/// Settings for one connection. `Config::default()` suits a chat server: bounded
/// memory per connection, a handshake and close that cannot hang forever.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct Config {
    /// Largest frame payload accepted; a bigger frame fails the connection with 1009.
    pub max_frame_size: usize,
    /// Largest message (all fragments together) accepted; bigger fails with 1009.
    pub max_message_size: usize,
    /// Largest opening-handshake head accepted; bigger is answered with 431 (server)
    /// or fails the connection (client).
    pub max_handshake_size: usize,
    /// How long the opening handshake may take before the connection is dropped.
    pub handshake_timeout: Option<Duration>,
    /// How long to wait for the peer's close frame after ours (and, on a client, for
    /// the server to close TCP) before closing the transport anyway.
    pub close_timeout: Option<Duration>,
    /// Send a ping this often while open (keepalive). `None`: no keepalive pings.
    pub ping_interval: Option<Duration>,
    /// With `ping_interval`: drop the connection if no pong arrives within this time.
    pub pong_timeout: Option<Duration>,
    /// Answer pings with pongs automatically (the ping is still reported as an event).
    pub auto_pong: bool,
    /// Answer the peer's close frame automatically, echoing its code. `false`:
    /// the application answers it with [`crate::Connection::close`] after
    /// [`crate::Event::CloseReceived`] (its own code and reason, as wsproto's
    /// `CloseConnection.response()` does); until then nothing more is sent, and
    /// the close timer bounds the wait.
    pub auto_close_reply: bool,
    /// permessage-deflate (RFC 7692): `Some` to offer it (client) or accept it
    /// (server). Costs memory per connection; see [`DeflateConfig`].
    pub deflate: Option<DeflateConfig>,
    /// Pending output above this many bytes means the peer is not keeping up:
    /// [`crate::Connection::should_pause_reading`] turns true (read nothing more
    /// until it drains), and the stall timer below starts.
    pub output_high_water: usize,
    /// Output continuously above `output_high_water` for this long fails the
    /// connection with 1008 ([`crate::ProtocolError::OutputStalled`]) and closes
    /// the transport: a peer that stops reading cannot hold our memory forever.
    /// `None`: wait for it indefinitely.
    pub output_stall_timeout: Option<Duration>,
    /// A budget shared by the connections of a process for the bytes of messages
    /// still arriving or inflating; a connection that cannot draw from it fails
    /// with 1013 ([`crate::ProtocolError::MemoryBudgetExhausted`]). `None`: each
    /// connection is bounded by `max_message_size` alone.
    #[cfg_attr(feature = "serde", serde(skip))]
    pub memory_budget: Option<MemoryBudget>,
    /// Which `Origin` and `Host` a server accepts (cross-site WebSocket hijacking,
    /// DNS rebinding); refused requests get 403. `None` (the default) checks
    /// nothing, as before; `Some(OriginPolicy::same_origin().into())` suits a page
    /// served by the same host. Boxed: a connection without a policy pays 8 bytes.
    pub origin_policy: Option<Box<OriginPolicy>>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_frame_size: 16 << 20,
            max_message_size: 16 << 20,
            max_handshake_size: 16 << 10,
            handshake_timeout: Some(Duration::from_secs(10)),
            close_timeout: Some(Duration::from_secs(10)),
            ping_interval: None,
            pong_timeout: Some(Duration::from_secs(20)),
            auto_pong: true,
            auto_close_reply: true,
            deflate: None,
            output_high_water: 1 << 20,
            output_stall_timeout: Some(Duration::from_secs(30)),
            memory_budget: None,
            origin_policy: None,
        }
    }
}
