//! Borrowing bytes-like arguments (bytes, bytearray, memoryview, array, …) without
//! copying them: core takes `&[u8]` (an immutable `bytes` to send may even be kept
//! as it is: see `held.rs`), a `str`'s UTF-8 (borrowed, or for a long one a
//! `bytes` of its own), and writing the output into one new `bytes`.
//!
//! pyo3 only offers `PyBuffer` on the limited API from 3.11, but this module is
//! `abi3-py39`. `PyObject_GetBuffer`/`PyBuffer_Release` and the `Py_buffer` layout
//! have been exported and unchanged since Python 3.3 (and are part of the stable ABI
//! from 3.11), so we declare them here ourselves.

use std::ffi::{c_char, c_int, c_void};
use std::sync::{Mutex, MutexGuard};

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

#[repr(C)]
pub(crate) struct PyBufferView {
    buf: *mut c_void,
    obj: *mut ffi::PyObject,
    len: ffi::Py_ssize_t,
    itemsize: ffi::Py_ssize_t,
    readonly: c_int,
    ndim: c_int,
    format: *mut c_char,
    shape: *mut ffi::Py_ssize_t,
    strides: *mut ffi::Py_ssize_t,
    suboffsets: *mut ffi::Py_ssize_t,
    internal: *mut c_void,
}

extern "C" {
    fn PyObject_GetBuffer(obj: *mut ffi::PyObject, view: *mut PyBufferView, flags: c_int) -> c_int;
    fn PyBuffer_Release(view: *mut PyBufferView);
    // Exported by every CPython 3, in the limited API from 3.10 (see `str_utf8`).
    fn PyUnicode_AsUTF8AndSize(
        unicode: *mut ffi::PyObject,
        size: *mut ffi::Py_ssize_t,
    ) -> *const c_char;
}

/// The text of a `str` as UTF-8, borrowed from it: an ASCII `str` is its own UTF-8
/// and any other keeps the UTF-8 it is encoded to once, so sending one `str` to
/// many connections encodes it once (pyo3's `PyBackedStr` makes a new `bytes` on
/// every call under abi3-py39). Fails like `str.encode()` on lone surrogates.
pub(crate) fn str_utf8<'a>(s: &'a Bound<'_, PyString>) -> PyResult<&'a str> {
    let mut size: ffi::Py_ssize_t = 0;
    // SAFETY: `s` is a live `str` and the GIL is held; the returned buffer belongs
    // to `s` and lives as long as it does (the borrow of `s` bounds 'a), and
    // CPython's UTF-8 encoding of a `str` is valid UTF-8.
    unsafe {
        let data = PyUnicode_AsUTF8AndSize(s.as_ptr(), &mut size);
        if data.is_null() {
            return Err(PyErr::fetch(s.py()));
        }
        let bytes = std::slice::from_raw_parts(data.cast::<u8>(), size as usize);
        Ok(std::str::from_utf8_unchecked(bytes))
    }
}

/// The `UnicodeDecodeError` that `bytes.decode()` raises for `bytes`, which
/// are not UTF-8 (the fast check said so): CPython's own, with its position
/// and reason. Only on this error path is a copy made.
pub(crate) fn utf8_error(py: Python<'_>, bytes: &[u8]) -> PyErr {
    match PyBytes::new(py, bytes).call_method1("decode", ("utf-8",)) {
        Err(err) => err,
        // Unreachable (both checks follow the standard); still an error, not a send.
        Ok(_) => PyValueError::new_err("text is not valid UTF-8"),
    }
}

/// How many characters a `str` has (at most 4 UTF-8 bytes each); never calls
/// Python code, even for a `str` subclass.
pub(crate) fn str_chars(s: &Bound<'_, PyString>) -> PyResult<usize> {
    // SAFETY: `s` is a live `str` and the GIL is held.
    let n = unsafe { ffi::PyUnicode_GetLength(s.as_ptr()) };
    if n < 0 {
        return Err(PyErr::fetch(s.py()));
    }
    Ok(n as usize)
}

/// The `str` whose UTF-8 `str_utf8_bytes` made last, and that `bytes`.
static LAST_UTF8: Mutex<Option<(Py<PyString>, Py<PyBytes>)>> = Mutex::new(None);

/// The UTF-8 of a long `str` as a `bytes` of its own, to be kept and handed out
/// as it is: one encode (`str_utf8` would encode, then copy into a cache in the
/// `str`, and the output would copy again). The last one is remembered with its
/// `str`, so the same `str` sent to many connections is encoded once and they
/// all hand out the same `bytes`. Fails like `str.encode()` on lone surrogates.
pub(crate) fn str_utf8_bytes<'py>(s: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyBytes>> {
    let py = s.py();
    if let Some((last, bytes)) = &*last_utf8() {
        if last.as_ptr() == s.as_ptr() {
            return Ok(bytes.bind(py).clone());
        }
    }
    // Not under the lock: encoding runs no Python code, but needs no lock either.
    let bytes = s.encode_utf8()?;
    let previous = last_utf8().replace((s.clone().unbind(), bytes.clone().unbind()));
    // Released after the lock: freeing a `str` subclass may run Python code.
    drop(previous);
    Ok(bytes)
}

/// Lets go of the remembered `str` and `bytes` once the `str` is referenced
/// by nothing else (its sender is done with it): called whenever output is
/// taken, so at most one message outlives its sender, and not for long.
/// `_py`: the GIL is held, so the reference count is stable.
pub(crate) fn forget_unused_utf8(_py: Python<'_>) {
    let unused = {
        let mut last = last_utf8();
        // SAFETY: the entry's `str` is alive (we hold a reference) and so is the GIL (`_py`).
        match &*last {
            Some((s, _)) if unsafe { ffi::Py_REFCNT(s.as_ptr()) } == 1 => last.take(),
            _ => None,
        }
    };
    // Released after the lock, as in `str_utf8_bytes`.
    drop(unused);
}

/// The lock cannot be poisoned (nothing panics while it is held), but if it
/// were, the entry is still a consistent pair.
fn last_utf8() -> MutexGuard<'static, Option<(Py<PyString>, Py<PyBytes>)>> {
    LAST_UTF8.lock().unwrap_or_else(|e| e.into_inner())
}

/// PyBUF_SIMPLE: one C-contiguous run of bytes, read-only is fine.
const PYBUF_SIMPLE: c_int = 0;

/// A bytes-like argument, borrowed for the duration of the call.
pub(crate) enum BytesLike<'py> {
    /// `bytes`: immutable, read in place.
    Bytes(Bound<'py, PyBytes>),
    /// Anything else with the buffer protocol; released on drop. While it is held,
    /// a `bytearray` cannot be resized, so the slice stays valid.
    Buffer(Box<PyBufferView>),
}

impl BytesLike<'_> {
    pub fn as_slice(&self) -> &[u8] {
        match self {
            BytesLike::Bytes(b) => b.as_bytes(),
            BytesLike::Buffer(view) => {
                if view.len == 0 || view.buf.is_null() {
                    return &[];
                }
                // SAFETY: PyBUF_SIMPLE guarantees `len` contiguous bytes at `buf`,
                // valid until PyBuffer_Release (in Drop).
                unsafe { std::slice::from_raw_parts(view.buf as *const u8, view.len as usize) }
            }
        }
    }
}

impl Drop for BytesLike<'_> {
    fn drop(&mut self) {
        if let BytesLike::Buffer(view) = self {
            // SAFETY: the view was filled by a successful PyObject_GetBuffer, and
            // the GIL is held (the guard lives only inside a pymethod call).
            unsafe { PyBuffer_Release(&mut **view) };
        }
    }
}

impl<'a, 'py> FromPyObject<'a, 'py> for BytesLike<'py> {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(bytes) = obj.cast::<PyBytes>() {
            return Ok(BytesLike::Bytes(bytes.to_owned()));
        }
        if obj.is_instance_of::<PyString>() {
            return Err(PyTypeError::new_err(
                "expected a bytes-like object, got str (use send_text for text)",
            ));
        }
        let mut view = Box::new(PyBufferView {
            buf: std::ptr::null_mut(),
            obj: std::ptr::null_mut(),
            len: 0,
            itemsize: 0,
            readonly: 0,
            ndim: 0,
            format: std::ptr::null_mut(),
            shape: std::ptr::null_mut(),
            strides: std::ptr::null_mut(),
            suboffsets: std::ptr::null_mut(),
            internal: std::ptr::null_mut(),
        });
        // SAFETY: `obj` is a live object and the GIL is held.
        let rc = unsafe { PyObject_GetBuffer(obj.as_ptr(), &mut *view, PYBUF_SIMPLE) };
        if rc != 0 {
            // Replace the buffer protocol's error with a clearer one.
            let _ = PyErr::take(obj.py());
            let ty = obj
                .get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default();
            return Err(PyTypeError::new_err(format!(
                "expected a contiguous bytes-like object (bytes, bytearray, memoryview), got {ty}"
            )));
        }
        Ok(BytesLike::Buffer(view))
    }
}

/// One new `bytes` holding `slices` end to end (`total` bytes in all), written
/// with a single copy. `PyBytes::new_with` would zero the buffer first: a second
/// pass over every byte sent, which shows from 64 KiB up.
pub(crate) fn bytes_from_slices<'py, 'a>(
    py: Python<'py>,
    total: usize,
    slices: impl Iterator<Item = &'a [u8]>,
) -> PyResult<Bound<'py, PyBytes>> {
    if total == 0 {
        return Ok(PyBytes::new(py, b""));
    }
    // SAFETY: PyBytes_FromStringAndSize(NULL, n) returns a new, unshared bytes
    // object with `n` writable (uninitialised) bytes, which we fill completely
    // below before anyone else can see it; the GIL is held.
    unsafe {
        let ptr = ffi::PyBytes_FromStringAndSize(std::ptr::null(), total as ffi::Py_ssize_t);
        let object = Bound::from_owned_ptr_or_err(py, ptr)?;
        let dst = ffi::PyBytes_AsString(ptr).cast::<u8>();
        let mut at = 0;
        for slice in slices {
            let n = slice.len().min(total - at);
            std::ptr::copy_nonoverlapping(slice.as_ptr(), dst.add(at), n);
            at += n;
        }
        // Never taken (the slices add up to `total`); keeps every byte initialised.
        std::ptr::write_bytes(dst.add(at), 0, total - at);
        Ok(object.cast_into_unchecked())
    }
}
