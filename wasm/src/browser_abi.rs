//! The browser entry's interface: plain `extern "C"` exports, loaded by a small
//! hand-written loader (wasm/npm/index.js) instead of wasm-bindgen's glue, whose
//! class wrappers, externref table and string passing cost about 2.5 KB gzipped
//! of the 12 KB budget (issue 18). A machine is the address of a boxed
//! [`SafeMachine`]; strings and the options cross through one scratch buffer
//! that JS fills (UTF-8 by `TextEncoder.encodeInto`, the options as f64s).

use crate::safe_socket::SafeMachine;

/// The scratch buffer: u64s so that the options can be read as aligned f64s.
static mut SCRATCH: Vec<u64> = Vec::new();

/// At least `bytes` bytes of scratch space for JS to write into; its address.
#[no_mangle]
pub extern "C" fn scratch(bytes: usize) -> *mut u8 {
    // SAFETY: one thread; JS writes through the pointer before any other call.
    let buf = unsafe { &mut *std::ptr::addr_of_mut!(SCRATCH) };
    buf.clear();
    buf.resize(bytes.div_ceil(8), 0);
    buf.as_mut_ptr().cast()
}

/// The first `len` bytes of the scratch buffer as text (JS wrote valid UTF-8).
fn text(len: usize) -> String {
    // SAFETY: one thread; `scratch` sized the buffer for at least `len` bytes.
    let buf = unsafe { &*std::ptr::addr_of!(SCRATCH) };
    let bytes = buf.as_ptr().cast::<u8>();
    let len = len.min(buf.len() * 8);
    // SAFETY: `len` bytes of the buffer, initialised by `scratch` and JS.
    String::from_utf8_lossy(unsafe { std::slice::from_raw_parts(bytes, len) }).into_owned()
}

/// # Safety
/// `m` is a live machine from `sm_new` (the loader's class holds it until `free`).
unsafe fn machine<'a>(m: *mut SafeMachine) -> &'a mut SafeMachine {
    // SAFETY: as the caller promises.
    unsafe { &mut *m }
}

/// A machine over the `n` options JS wrote to the scratch buffer as f64s.
#[no_mangle]
pub extern "C" fn sm_new(n: usize, seed: f64) -> *mut SafeMachine {
    // SAFETY: one thread; JS wrote `n` f64s to the buffer `scratch(8 * n)` sized.
    let buf = unsafe { &*std::ptr::addr_of!(SCRATCH) };
    let o: Vec<f64> = buf.iter().take(n).map(|&b| f64::from_bits(b)).collect();
    Box::into_raw(Box::new(SafeMachine::new(&o, seed)))
}

/// # Safety
/// `m` is from `sm_new` and not used again.
#[no_mangle]
pub unsafe extern "C" fn sm_free(m: *mut SafeMachine) {
    // SAFETY: as the caller promises.
    drop(unsafe { Box::from_raw(m) })
}

/// Exports that forward to [`SafeMachine`]'s method of the same name.
macro_rules! forward {
    ($($name:ident => $method:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {$(
        /// # Safety
        /// `m` is a live machine from `sm_new`.
        #[no_mangle]
        pub unsafe extern "C" fn $name(m: *mut SafeMachine $(, $arg: $ty)*) -> $ret {
            // SAFETY: as the caller promises.
            unsafe { machine(m) }.$method($($arg),*)
        }
    )*};
}

forward! {
    sm_poll => poll() -> u32;
    sm_arg => arg(i: usize) -> u32;
    sm_deadline => deadline() -> f64;
    sm_ready_state => ready_state() -> u16;
    sm_state => state() -> u32;
    sm_stat => stat(i: u32) -> f64;
    sm_send => send(id: u32, len: u32, now: f64, buffered: f64) -> u32;
    sm_started => started(s: u32, now: f64) -> bool;
    sm_opened => opened(s: u32, now: f64) -> ();
    sm_message => message(s: u32, id: u32, pong: bool) -> ();
    sm_error => error(s: u32) -> ();
    sm_closing => closing(s: u32, now: f64) -> ();
    sm_unsent => unsent(s: u32, id: u32, now: f64) -> ();
    sm_timeout => timeout(now: f64, buffered: f64) -> ();
}

/// # Safety
/// `m` is a live machine from `sm_new`; the reason is in the scratch buffer.
#[no_mangle]
pub unsafe extern "C" fn sm_close(m: *mut SafeMachine, code: i32, len: usize, now: f64) -> u32 {
    // SAFETY: as the caller promises.
    unsafe { machine(m) }.close(code, &text(len), now)
}

/// # Safety
/// As `sm_close`.
#[no_mangle]
pub unsafe extern "C" fn sm_reconnect(m: *mut SafeMachine, code: i32, len: usize, now: f64) -> u32 {
    // SAFETY: as the caller promises.
    unsafe { machine(m) }.reconnect(code, &text(len), now)
}

/// # Safety
/// As `sm_close`.
#[no_mangle]
pub unsafe extern "C" fn sm_closed(
    m: *mut SafeMachine,
    s: u32,
    code: u16,
    len: usize,
    clean: bool,
    now: f64,
) {
    // SAFETY: as the caller promises.
    unsafe { machine(m) }.closed(s, code, &text(len), clean, now)
}

/// # Safety
/// `m` is a live machine from `sm_new`. The reason of the action last polled:
/// its address; its length is `sm_reason_len`.
#[no_mangle]
pub unsafe extern "C" fn sm_reason(m: *mut SafeMachine) -> *const u8 {
    // SAFETY: as the caller promises.
    unsafe { machine(m) }.reason_str().as_ptr()
}

/// # Safety
/// As `sm_reason`.
#[no_mangle]
pub unsafe extern "C" fn sm_reason_len(m: *mut SafeMachine) -> usize {
    // SAFETY: as the caller promises.
    unsafe { machine(m) }.reason_str().len()
}

/// The version of wscore: its address (`version_len` bytes of UTF-8).
#[no_mangle]
pub extern "C" fn version() -> *const u8 {
    env!("CARGO_PKG_VERSION").as_ptr()
}

/// The length of `version`'s text.
#[no_mangle]
pub extern "C" fn version_len() -> usize {
    env!("CARGO_PKG_VERSION").len()
}

/// 1 when `code` may be sent in a close frame (RFC 6455 §7.4).
#[no_mangle]
pub extern "C" fn sendable(code: u32) -> u32 {
    u32::from(crate::is_sendable_close_code(code as u16))
}
