//! The socket the encoders write to: every byte given is copied once into a
//! 256 KiB ring, as `send`/`writev` copy into the kernel's socket buffer.
//! One copy routine, never inlined, so every row pays the same for it.

use std::io;

/// The ring's size (a typical socket send buffer).
pub const RING: usize = 256 << 10;

pub struct RingSink {
    buf: Box<[u8]>,
    pos: usize,
    /// Bytes given since the last `reset`.
    pub written: usize,
}

impl Default for RingSink {
    fn default() -> Self {
        RingSink {
            // Touched, so no page faults inside a timed loop.
            buf: vec![1u8; RING].into_boxed_slice(),
            pos: 0,
            written: 0,
        }
    }
}

impl RingSink {
    pub fn reset(&mut self) {
        self.written = 0;
    }

    /// Copies `src` into the ring, wrapping at its end.
    #[inline(never)]
    pub fn put(&mut self, mut src: &[u8]) {
        self.written += src.len();
        while !src.is_empty() {
            let n = (RING - self.pos).min(src.len());
            self.buf[self.pos..self.pos + n].copy_from_slice(&src[..n]);
            self.pos = (self.pos + n) % RING;
            src = &src[n..];
        }
    }
}

impl io::Write for RingSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.put(buf);
        Ok(buf.len())
    }
    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        let mut n = 0;
        for b in bufs {
            self.put(b);
            n += b.len();
        }
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_and_counts() {
        let mut r = RingSink::default();
        r.put(&vec![7u8; RING - 3]);
        r.put(b"abcdef");
        assert_eq!(r.written, RING + 3);
        assert_eq!(&r.buf[RING - 3..], b"abc");
        assert_eq!(&r.buf[..3], b"def");
        assert_eq!(r.pos, 3);
    }
}
