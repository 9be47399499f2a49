//! When a payload is copied and when it is kept by reference: the keep/copy
//! thresholds of core and of the bindings, in one place, each with the
//! measurement that chose it. Below a threshold a copy costs less than the
//! bookkeeping of one more piece of output (or than pinning a whole read buffer).

/// Payloads up to this size are copied next to their frame header; a larger
/// shared payload is queued by reference (its own output chunk, a vectored
/// write), and only a larger one is kept by `send_binary_held`/`*_or_keep`.
///
/// Chosen with the first output queue (12b3389), then measured where it
/// decides: the wasm adapter copying binary payloads under 1 KiB in rather
/// than keeping them took 16 B sends from 0.24x to 0.39x ws+bufferutil
/// (102bfbc; that threshold then moved here, ef64515); the Python binding's
/// shared `bytes` under 1 KiB cost more as a reference (an allocation for
/// `Bytes::from_owner`) than the copy it saved (978b6c1); the send fast path
/// frames whole server messages up to this size, encode 1 KiB 538 -> 411
/// instructions per message (fd76fca).
pub(crate) const COALESCE_LIMIT: usize = 1024;

/// From this size a message that arrived whole through
/// [`crate::Connection::receive_buf`] shares the buffer it was read into;
/// shorter ones are copied, so keeping one never holds on to a read buffer.
///
/// Chosen with `receive_buf` (d908ef2): from 1 KiB up sharing put decode at or
/// ahead of the fastest Rust peer (1.05-1.23x, binary 16 KiB 18,770
/// instructions against sockudo-ws's 22,858); below it one allocation and copy
/// per message (623 instructions against sockudo-ws's 502 at 16 B binary) is
/// the price of not pinning a 64 KiB read buffer while the application keeps a
/// short message (BENCHMARKS.md, "Rust decode").
pub const SHARE_FROM: usize = 1024;

/// Messages shorter than [`SHARE_FROM`] that arrive whole are copied into
/// slices of one buffer per input (a `receive`/`receive_buf` call), not an
/// allocation each. The buffer is sized by the bytes left in that input, up to
/// this: a read holding one message gets a buffer of about its size (as with
/// an allocation of its own), and a kept short message holds on to at most
/// this much (a peer that shares its read buffer holds on to the whole read).
/// The connection lets go of it when the input is used up, so an idle one holds none.
///
/// Measured with the neutral socket model (bench/rust, callgrind, instructions
/// per message): decode binary 16 B 616 -> 412 (sockudo-ws 502), 125 B 967 ->
/// 625 (676); text 16 B 833 -> 629 (706), 125 B 1172 -> 831 (889): malloc and
/// free were ~200 of each. A 1 KiB buffer cost ~110 more at 125 B (a new
/// buffer every 7 messages while the events of a read are queued).
pub(crate) const SMALL_ARENA: usize = 4096;

/// A binding offers a whole message of at least this many bytes (or, for a
/// Python `str`, characters) to core to keep as it is (`send_binary_or_keep`,
/// `send_text_or_keep`); a smaller one is copied in.
///
/// Measured for the Python binding (bench/python/encode_rows.py, output
/// through `data_to_send_chunks()`, 4bf8db8): keeping is slower at 16 B-1 KiB
/// (the payload is one more piece of output to build and write), even at
/// 2 KiB, and faster from 4 KiB (1.3-2x at 8-16 KiB).
pub const HOLD_FROM: usize = 4096;

// A binding never offers what core would copy anyway.
const _: () = assert!(HOLD_FROM > COALESCE_LIMIT);
