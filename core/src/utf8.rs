//! Incremental UTF-8 validation for text messages that arrive in pieces: fail at
//! the first invalid byte, even mid-frame, but allow a character split across pieces.

/// Tracks how much of a growing buffer is known to be valid UTF-8.
#[derive(Debug, Default, Clone)]
pub(crate) struct Utf8Tracker {
    /// Bytes at the start of the buffer that are complete, valid UTF-8.
    valid: usize,
}

/// The buffer holds a byte sequence that can never become valid UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InvalidUtf8;

impl Utf8Tracker {
    /// Checks the bytes appended to `buf` since the last call. An incomplete
    /// character at the end is fine for now; anything else invalid is an error.
    pub(crate) fn check(&mut self, buf: &[u8]) -> Result<(), InvalidUtf8> {
        let tail = buf.get(self.valid..).unwrap_or_default();
        match simdutf8::compat::from_utf8(tail) {
            Ok(_) => {
                self.valid = buf.len();
                Ok(())
            }
            Err(e) if e.error_len().is_none() => {
                self.valid += e.valid_up_to();
                Ok(())
            }
            Err(_) => Err(InvalidUtf8),
        }
    }

    /// Whether `buf` (already passed to [`Utf8Tracker::check`]) ends on a character boundary.
    pub(crate) fn is_complete(&self, buf: &[u8]) -> bool {
        self.valid == buf.len()
    }

    pub(crate) fn reset(&mut self) {
        self.valid = 0;
    }
}

/// Checks a whole, complete buffer at once (no split character allowed at the end):
/// cheaper than [`Utf8Tracker`] when the message is all there.
pub(crate) fn validate_utf8(buf: &[u8]) -> Result<(), InvalidUtf8> {
    simdutf8::basic::from_utf8(buf)
        .map(|_| ())
        .map_err(|_| InvalidUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_characters_split_across_pieces() {
        let text = "héllo €𝄞".as_bytes();
        for cut in 0..=text.len() {
            let mut t = Utf8Tracker::default();
            let mut buf = text[..cut].to_vec();
            t.check(&buf).unwrap();
            buf.extend_from_slice(&text[cut..]);
            t.check(&buf).unwrap();
            assert!(t.is_complete(&buf), "cut {cut}");
        }
    }

    #[test]
    fn fails_at_first_invalid_byte_before_the_end() {
        let mut t = Utf8Tracker::default();
        // 0xCE 0xBA is κ; 0xE1 0xBD 0xB9 is ό; 0xED 0xA0 0x80 starts a surrogate: invalid at once.
        let mut buf = vec![0xCE, 0xBA, 0xE1, 0xBD, 0xB9];
        t.check(&buf).unwrap();
        buf.extend_from_slice(&[0xED, 0xA0]);
        assert_eq!(t.check(&buf), Err(InvalidUtf8));
    }

    #[test]
    fn whole_buffer_check_rejects_invalid_and_truncated() {
        assert_eq!(validate_utf8("héllo €𝄞".as_bytes()), Ok(()));
        assert_eq!(validate_utf8(b""), Ok(()));
        assert_eq!(validate_utf8(&[b'a', 0xE2, 0x82]), Err(InvalidUtf8));
        assert_eq!(validate_utf8(&[0xED, 0xA0, 0x80]), Err(InvalidUtf8));
        assert_eq!(validate_utf8(&[0xFF]), Err(InvalidUtf8));
    }

    #[test]
    fn incomplete_tail_is_not_complete() {
        let mut t = Utf8Tracker::default();
        let buf = vec![b'a', 0xE2, 0x82];
        t.check(&buf).unwrap();
        assert!(!t.is_complete(&buf));
    }
}
