//! Received text that shares its bytes: [`Utf8Bytes`] is to `str` what `Bytes`
//! is to `[u8]`, so a text message can stay in the buffer it arrived in.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

use bytes::Bytes;

/// A received text message: valid UTF-8 in shared [`Bytes`]. It reads as a
/// `&str` (it derefs to one), clones without copying, and a server sends it on
/// by reference: `send_text(text)` does not copy a long one.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Utf8Bytes(Bytes);

impl Utf8Bytes {
    /// A text from a string literal, without copying it.
    pub const fn from_static(s: &'static str) -> Self {
        Utf8Bytes(Bytes::from_static(s.as_bytes()))
    }

    /// # Safety
    /// `bytes` must be valid UTF-8.
    pub(crate) unsafe fn from_bytes_unchecked(bytes: Bytes) -> Self {
        Utf8Bytes(bytes)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // SAFETY: every constructor checks or requires valid UTF-8.
        unsafe { std::str::from_utf8_unchecked(&self.0) }
    }

    /// The UTF-8 bytes, shared (no copy).
    pub fn into_bytes(self) -> Bytes {
        self.0
    }
}

impl TryFrom<Bytes> for Utf8Bytes {
    type Error = std::str::Utf8Error;

    /// Checks that `bytes` is UTF-8; keeps it without copying.
    fn try_from(bytes: Bytes) -> Result<Self, Self::Error> {
        std::str::from_utf8(&bytes)?;
        Ok(Utf8Bytes(bytes))
    }
}

impl Deref for Utf8Bytes {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Utf8Bytes {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<[u8]> for Utf8Bytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Borrow<str> for Utf8Bytes {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for Utf8Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Utf8Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl From<String> for Utf8Bytes {
    /// Takes the string's buffer; no copy.
    fn from(s: String) -> Self {
        Utf8Bytes(Bytes::from(s))
    }
}

impl From<&str> for Utf8Bytes {
    /// Copies the string.
    fn from(s: &str) -> Self {
        Utf8Bytes(Bytes::copy_from_slice(s.as_bytes()))
    }
}

impl From<Utf8Bytes> for String {
    /// Copies the text into a new `String`.
    fn from(s: Utf8Bytes) -> Self {
        s.as_str().to_owned()
    }
}

impl From<Utf8Bytes> for Bytes {
    fn from(s: Utf8Bytes) -> Self {
        s.0
    }
}

impl PartialEq<str> for Utf8Bytes {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Utf8Bytes {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Utf8Bytes {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<Utf8Bytes> for str {
    fn eq(&self, other: &Utf8Bytes) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Utf8Bytes> for &str {
    fn eq(&self, other: &Utf8Bytes) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Utf8Bytes> for String {
    fn eq(&self, other: &Utf8Bytes) -> bool {
        self == other.as_str()
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Utf8Bytes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_compares_and_converts_like_a_string() {
        let t = Utf8Bytes::from("héllo");
        assert_eq!(t, "héllo");
        assert_eq!("héllo", t);
        assert_eq!(t.len(), 6);
        assert_eq!(format!("{t} {t:?}"), "héllo \"héllo\"");
        assert_eq!(String::from(t.clone()), "héllo");
        assert_eq!(Utf8Bytes::from_static("héllo"), t);
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serializes_as_a_string() {
        let t = Utf8Bytes::from("héllo");
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"héllo\"");
    }

    #[test]
    fn only_utf8_bytes_convert() {
        assert!(Utf8Bytes::try_from(Bytes::from_static(b"ok \xe2\x82\xac")).is_ok());
        assert!(Utf8Bytes::try_from(Bytes::from_static(b"cut \xe2\x82")).is_err());
    }

    #[test]
    fn a_string_is_taken_not_copied() {
        let s = String::from("a message long enough to notice");
        let at = s.as_ptr();
        assert_eq!(Utf8Bytes::from(s).as_ptr(), at);
    }
}
