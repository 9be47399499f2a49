//! Client-to-server masking (RFC 6455 §5.3): XOR with a 4-byte key, 8 bytes at a time
//! (32 with AVX2, chosen at run time).

use std::mem::MaybeUninit;

/// XORs `buf` in place with `key`, as if `buf` started `offset` bytes into the payload.
pub fn apply_mask(buf: &mut [u8], key: [u8; 4], offset: usize) {
    let key = rotate(key, offset);
    #[cfg(target_arch = "x86_64")]
    if buf.len() >= 64 && std::arch::is_x86_feature_detected!("avx2") {
        if buf.len() >= ALIGN_FROM {
            // The vector loop starts on a 32-byte boundary (see `ALIGN_FROM`).
            let (head, rest) = buf.split_at_mut(head_to_align(buf.as_ptr()));
            mask_words(head, key);
            // SAFETY: the CPU supports AVX2, checked just above.
            return unsafe { mask_words_avx2(rest, rotate(key, head.len())) };
        }
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { mask_words_avx2(buf, key) };
    }
    mask_words(buf, key)
}

/// From this length the AVX2 loops start on a 32-byte boundary, after a head
/// of 0 to 31 bytes done word by word: 32-byte stores that cross a cache line
/// are slow. In place, at the offsets frames land on in a read buffer, that
/// ran 1.26x (1 KiB), 1.32x (16 KiB) and 1.23x (1 MiB) faster on Zen 4; shorter
/// runs lost more on the head than they gained.
#[cfg(target_arch = "x86_64")]
const ALIGN_FROM: usize = 1024;

/// Bytes before the next 32-byte boundary at `p` (0 to 31).
#[cfg(target_arch = "x86_64")]
fn head_to_align(p: *const u8) -> usize {
    (p as usize).wrapping_neg() & 31
}

/// The in-place loop compiled for AVX2 (the compiler vectorizes it 32 bytes wide).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn mask_words_avx2(buf: &mut [u8], key: [u8; 4]) {
    mask_words(buf, key)
}

#[inline(always)]
fn mask_words(buf: &mut [u8], key: [u8; 4]) {
    let half = u64::from(u32::from_ne_bytes(key));
    let word = half | (half << 32);
    let mut chunks = buf.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        chunk.copy_from_slice(&(u64::from_ne_bytes(bytes) ^ word).to_ne_bytes());
    }
    // The tail starts on a multiple of 8, so the key starts again at its first byte.
    for (i, b) in chunks.into_remainder().iter_mut().enumerate() {
        *b ^= key[i & 3];
    }
}

/// Appends `src` XOR `key` to `dst` in one pass: each byte is read, unmasked and
/// written once (a copy followed by an in-place XOR would touch `dst` twice).
pub fn extend_masked(dst: &mut Vec<u8>, src: &[u8], key: [u8; 4], offset: usize) {
    if dst.capacity() == 0 {
        // A new message: one exact allocation, not the general growth path.
        *dst = Vec::with_capacity(src.len());
    }
    dst.reserve(src.len());
    let start = dst.len();
    xor_into(
        &mut dst.spare_capacity_mut()[..src.len()],
        src,
        rotate(key, offset),
    );
    // SAFETY: `xor_into` initialized the first `src.len()` spare bytes.
    unsafe { dst.set_len(start + src.len()) };
}

/// Appends `src` XOR `key` (a whole frame's payload) to `dst`, which has room for it.
pub(crate) fn extend_masked_bytes(dst: &mut bytes::BytesMut, src: &[u8], key: [u8; 4]) {
    debug_assert!(dst.capacity() - dst.len() >= src.len());
    let start = dst.len();
    xor_into(&mut dst.spare_capacity_mut()[..src.len()], src, key);
    // SAFETY: `xor_into` initialized the first `src.len()` spare bytes.
    unsafe { dst.set_len(start + src.len()) };
}

/// `src` XOR `key` as a new buffer of exactly `src.len()` bytes (a whole frame's
/// payload; the key starts at offset 0).
pub(crate) fn masked_copy(src: &[u8], key: [u8; 4]) -> Vec<u8> {
    let mut dst = Vec::with_capacity(src.len());
    xor_into(&mut dst.spare_capacity_mut()[..src.len()], src, key);
    // SAFETY: `xor_into` initialized the first `src.len()` spare bytes.
    unsafe { dst.set_len(src.len()) };
    dst
}

/// Writes `src` XOR `key` into `dst` (same length), picking AVX2 at run time
/// where it pays: below 64 bytes the plain loop wins.
fn xor_into(dst: &mut [MaybeUninit<u8>], src: &[u8], key: [u8; 4]) {
    #[cfg(target_arch = "x86_64")]
    if src.len() >= 64 && std::arch::is_x86_feature_detected!("avx2") {
        if src.len() >= ALIGN_FROM {
            // Stores start on a 32-byte boundary of `dst` (see `ALIGN_FROM`).
            let h = head_to_align(dst.as_ptr().cast());
            let (dst_head, dst_rest) = dst[..src.len()].split_at_mut(h);
            let (src_head, src_rest) = src.split_at(h);
            xor_into_words(dst_head, src_head, key);
            // SAFETY: the CPU supports AVX2, checked just above.
            return unsafe { xor_into_avx2(dst_rest, src_rest, rotate(key, h)) };
        }
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { xor_into_avx2(dst, src, key) };
    }
    xor_into_words(dst, src, key)
}

/// The same loop compiled for AVX2 (the compiler vectorizes it 32 bytes wide).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn xor_into_avx2(dst: &mut [MaybeUninit<u8>], src: &[u8], key: [u8; 4]) {
    xor_into_words(dst, src, key)
}

#[inline(always)]
fn xor_into_words(dst: &mut [MaybeUninit<u8>], src: &[u8], key: [u8; 4]) {
    // Equal lengths, split at the same word boundary, let the compiler drop
    // per-iteration bounds checks (small payloads are dominated by set-up).
    let dst = &mut dst[..src.len()];
    let whole = src.len() & !7;
    let (src_words, src_tail) = src.split_at(whole);
    let (dst_words, dst_tail) = dst.split_at_mut(whole);
    let half = u64::from(u32::from_ne_bytes(key));
    let word = half | (half << 32);
    for (d8, s8) in dst_words.chunks_exact_mut(8).zip(src_words.chunks_exact(8)) {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(s8);
        let v = (u64::from_ne_bytes(bytes) ^ word).to_ne_bytes();
        // SAFETY: `d8` is exactly 8 bytes; `[u8; 8]` has alignment 1.
        unsafe { d8.as_mut_ptr().cast::<[u8; 8]>().write_unaligned(v) };
    }
    // The tail starts on a multiple of 8, so the key starts again at its first byte.
    for (i, (o, b)) in dst_tail.iter_mut().zip(src_tail).enumerate() {
        o.write(b ^ key[i & 3]);
    }
}

/// The key as seen from `offset` bytes into the payload.
fn rotate(key: [u8; 4], offset: usize) -> [u8; 4] {
    let s = offset & 3;
    [key[s], key[(s + 1) & 3], key[(s + 2) & 3], key[(s + 3) & 3]]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(buf: &mut [u8], key: [u8; 4], offset: usize) {
        for (i, b) in buf.iter_mut().enumerate() {
            *b ^= key[(offset + i) % 4];
        }
    }

    #[test]
    fn matches_bytewise_mask_at_every_offset_and_length() {
        let key = [0x12, 0x34, 0x56, 0x78];
        // Past 64 bytes the AVX2 loop runs where the CPU has it.
        for len in (0..40).chain([63, 64, 65, 71, 100, 257, 4099]) {
            for offset in 0..8 {
                let data: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(31)).collect();
                let mut a = data.clone();
                let mut b = data.clone();
                apply_mask(&mut a, key, offset);
                naive(&mut b, key, offset);
                assert_eq!(a, b, "len {len} offset {offset}");
            }
        }
    }

    #[test]
    fn extend_masked_matches_bytewise_mask_across_simd_lengths() {
        let key = [0x9a, 0x01, 0xff, 0x5c];
        for len in [0, 1, 7, 8, 63, 64, 65, 100, 257, 4099] {
            for offset in 0..5 {
                let data: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
                let mut expected = data.clone();
                naive(&mut expected, key, offset);
                let mut got = vec![0xEE];
                extend_masked(&mut got, &data, key, offset);
                assert_eq!(got[0], 0xEE);
                assert_eq!(got[1..], expected[..], "len {len} offset {offset}");
            }
        }
    }

    #[test]
    fn masked_copy_matches_bytewise_mask_across_simd_lengths() {
        let key = [0x3c, 0xa5, 0x00, 0x7e];
        for len in [0, 1, 7, 8, 9, 63, 64, 65, 127, 4099] {
            let data: Vec<u8> = (0..len).map(|i| (i * 13 + 5) as u8).collect();
            let mut expected = data.clone();
            naive(&mut expected, key, 0);
            let got = masked_copy(&data, key);
            assert_eq!(got, expected, "len {len}");
        }
    }

    #[test]
    fn matches_bytewise_mask_at_every_start_alignment() {
        // From 1 KiB the AVX2 paths mask a head of 0..31 bytes up to a 32-byte
        // boundary first: every start address within 64 bytes, in place and copying.
        let key = [0x5a, 0xc3, 0x81, 0x17];
        let data: Vec<u8> = (0..1100).map(|i| (i * 29 + 1) as u8).collect();
        for start in 0..64 {
            for len in [64, 95, 300, 1023, 1024, 1057] {
                for offset in 0..4 {
                    let src = &data[..len];
                    let mut expected = src.to_vec();
                    naive(&mut expected, key, offset);
                    let mut buf = vec![0u8; start + len];
                    buf[start..].copy_from_slice(src);
                    apply_mask(&mut buf[start..], key, offset);
                    assert_eq!(
                        buf[start..],
                        expected[..],
                        "in place, start {start} len {len}"
                    );
                    let mut out = vec![0xEEu8; start];
                    extend_masked(&mut out, src, key, offset);
                    assert_eq!(out[start..], expected[..], "copy, start {start} len {len}");
                }
            }
        }
    }

    #[test]
    fn split_masking_equals_whole() {
        let key = [1, 2, 3, 4];
        let data: Vec<u8> = (0..100u8).collect();
        let mut whole = data.clone();
        apply_mask(&mut whole, key, 0);
        let mut parts = Vec::new();
        extend_masked(&mut parts, &data[..37], key, 0);
        extend_masked(&mut parts, &data[37..], key, 37);
        assert_eq!(parts, whole);
    }
}
