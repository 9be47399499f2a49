//! The reference for decoders: each 64 KiB read copied into one reused buffer,
//! then unmasked in place while it is in cache, with the widest XOR the CPU
//! has (AVX-512, else AVX2, picked at run time as the fastest peers do).

/// Copies `src` into `buf` and XORs it with `key` (a 4-byte mask as a word).
pub fn copy_xor(buf: &mut [u8], src: &[u8], key: u32) {
    let buf = &mut buf[..src.len()];
    buf.copy_from_slice(src);
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512F, checked just above.
            return unsafe { xor_avx512(buf, key) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            return unsafe { xor_avx2(buf, key) };
        }
    }
    xor_words(buf, key)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn xor_avx512(buf: &mut [u8], key: u32) {
    use std::arch::x86_64::*;
    let k = _mm512_set1_epi32(key as i32);
    let mut blocks = buf.chunks_exact_mut(64);
    for b in &mut blocks {
        let p = b.as_mut_ptr().cast::<__m512i>();
        // SAFETY: `b` is 64 bytes; unaligned loads and stores.
        unsafe { _mm512_storeu_si512(p, _mm512_xor_si512(_mm512_loadu_si512(p), k)) };
    }
    xor_words(blocks.into_remainder(), key)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn xor_avx2(buf: &mut [u8], key: u32) {
    xor_words(buf, key)
}

#[inline(always)]
fn xor_words(buf: &mut [u8], key: u32) {
    let word = u64::from(key) | (u64::from(key) << 32);
    let mut words = buf.chunks_exact_mut(8);
    for c in &mut words {
        let v = u64::from_ne_bytes(c.try_into().unwrap()) ^ word;
        c.copy_from_slice(&v.to_ne_bytes());
    }
    for (i, b) in words.into_remainder().iter_mut().enumerate() {
        *b ^= key.to_ne_bytes()[i & 3];
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn matches_bytewise() {
        let key = u32::from_ne_bytes([1, 2, 3, 4]);
        let src: Vec<u8> = (0..1000).map(|i| (i * 7) as u8).collect();
        let mut buf = vec![0u8; 1000];
        super::copy_xor(&mut buf, &src, key);
        for (i, (a, b)) in buf.iter().zip(&src).enumerate() {
            assert_eq!(*a, b ^ [1, 2, 3, 4][i % 4]);
        }
    }
}
