//! permessage-deflate (RFC 7692): settings, negotiation, and the streaming
//! compressor and decompressor. Inflation is capped while it runs, so a
//! compression bomb fails with 1009 without ever holding more than the limit.

#[cfg(feature = "deflate")]
mod codec;
#[cfg(not(feature = "deflate"))]
#[path = "codec_off.rs"]
mod codec;
mod negotiate;

pub(crate) use codec::{Deflater, InflateError, Inflater};
pub use negotiate::{client_accept, client_offer, server_accept, DeflateParams};

/// The extension token.
pub const EXTENSION_NAME: &str = "permessage-deflate";

/// How this endpoint wants permessage-deflate. Window bits are 9–15 (zlib cannot
/// compress with 8); smaller windows cost less memory per connection and
/// compress a little worse.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct DeflateConfig {
    /// The largest window the server's compressor uses (a server applies it to
    /// itself; a client asks the server for it when below 15).
    pub server_max_window_bits: u8,
    /// The largest window the client's compressor uses (a client applies it to
    /// itself; a server asks the client for it when the client allows).
    pub client_max_window_bits: u8,
    /// Reset the server's compressor after each message (less memory, worse ratio).
    pub server_no_context_takeover: bool,
    /// Reset the client's compressor after each message.
    pub client_no_context_takeover: bool,
    /// zlib compression level, 0–9.
    pub level: u32,
    /// zlib memLevel for our compressor, 1–9: its hash tables take
    /// 2^(mem_level + 9) bytes, the bulk of a compressor's memory (8 is zlib's default).
    pub mem_level: u8,
    /// Messages shorter than this are sent uncompressed.
    pub min_size: usize,
}

impl Default for DeflateConfig {
    fn default() -> Self {
        DeflateConfig {
            server_max_window_bits: 15,
            client_max_window_bits: 15,
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            level: 6,
            mem_level: 8,
            min_size: 128,
        }
    }
}
