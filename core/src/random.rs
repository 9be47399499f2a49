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
/// The batch is allocated on first use: servers never mask.
#[derive(Debug, Default)]
pub(crate) struct MaskKeys {
    pool: Option<Box<[u8; 256]>>,
    used: usize,
}

impl MaskKeys {
    pub(crate) fn next(&mut self) -> [u8; 4] {
        let pool = self.pool.get_or_insert_with(|| Box::new([0; 256]));
        if self.used == 0 || self.used + 4 > pool.len() {
            fill(&mut pool[..]);
            self.used = 0;
        }
        let key = [
            pool[self.used],
            pool[self.used + 1],
            pool[self.used + 2],
            pool[self.used + 3],
        ];
        self.used += 4;
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_vary_and_refill_past_the_batch() {
        let mut keys = MaskKeys::default();
        let all: Vec<[u8; 4]> = (0..200).map(|_| keys.next()).collect();
        let distinct: std::collections::HashSet<_> = all.iter().collect();
        assert!(
            distinct.len() > 190,
            "keys repeat: {} distinct of 200",
            distinct.len()
        );
    }
}
