//! Randomness for client keys and masks, from the operating system (or the
//! browser's `crypto.getRandomValues` on wasm) through `getrandom`.

/// Fills `buf` with random bytes. The OS source does not fail in practice; if it
/// ever does, we fall back to a time-independent but still varying mix so a
/// client can still connect (masking is not a confidentiality measure).
pub(crate) fn fill(buf: &mut [u8]) {
    if getrandom::fill(buf).is_err() {
        let mut x = buf.as_ptr() as u64 ^ 0x9E37_79B9_7F4A_7C15;
        for b in buf.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
    }
}

/// Masking keys, drawn from a batch of OS randomness so a frame costs no syscall.
#[derive(Debug)]
pub(crate) struct MaskKeys {
    pool: [u8; 256],
    used: usize,
}

impl MaskKeys {
    pub(crate) fn new() -> Self {
        MaskKeys { pool: [0; 256], used: 256 }
    }

    pub(crate) fn next(&mut self) -> [u8; 4] {
        if self.used + 4 > self.pool.len() {
            fill(&mut self.pool);
            self.used = 0;
        }
        let key = [
            self.pool[self.used],
            self.pool[self.used + 1],
            self.pool[self.used + 2],
            self.pool[self.used + 3],
        ];
        self.used += 4;
        key
    }
}
