//! Backoff ceilings and full jitter in integer milliseconds, from a seeded
//! generator: no floats, no clock, no OS randomness.

use super::Millis;

/// The ceiling for failed attempt `attempt` (from 1): `initial · 2^(attempt-1)`,
/// at most `max`.
pub fn ceiling(initial: Millis, max: Millis, attempt: u32) -> Millis {
    let doublings = attempt.saturating_sub(1).min(63);
    initial.saturating_mul(1u64 << doublings).min(max)
}

/// A xorshift64* generator: deterministic for a seed, good enough for spreading
/// reconnects (not for anything secret).
#[derive(Debug, Clone)]
pub struct Jitter(u64);

impl Jitter {
    /// A generator from `seed` (0 is replaced: xorshift never leaves 0).
    pub fn new(seed: u64) -> Self {
        Jitter(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A delay drawn uniformly from `[0, ceiling)` (0 when `ceiling` is 0).
    pub fn below(&mut self, ceiling: Millis) -> Millis {
        ((u128::from(self.next_u64()) * u128::from(ceiling)) >> 64) as Millis
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_double_up_to_the_maximum() {
        let c: Vec<_> = (1..=6).map(|a| ceiling(100, 1000, a)).collect();
        assert_eq!(c, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(ceiling(100, 1000, 0), 100);
        assert_eq!(ceiling(u64::MAX / 2, u64::MAX, u32::MAX), u64::MAX); // no overflow
    }

    #[test]
    fn jitter_stays_below_the_ceiling_and_spreads() {
        let mut j = Jitter::new(0);
        let draws: Vec<_> = (0..1000).map(|_| j.below(1000)).collect();
        assert!(draws.iter().all(|&d| d < 1000));
        assert!(draws.iter().any(|&d| d < 100) && draws.iter().any(|&d| d >= 900));
        assert_eq!(j.below(0), 0);
        assert_eq!(j.below(1), 0);
    }
}
