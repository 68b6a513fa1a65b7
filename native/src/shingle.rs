//! Word hashes (xxh3-64 of each word's UTF-8 bytes) and word-shingle hashes.
//!
//! The hash of a `size`-word window is the polynomial `((w0 * M + w1) * M + w2) ...
//! mod 2**64` of its word hashes, folded to 32 bits (high xor low): the values
//! datasketch's `affine32` scheme takes. Anchors use the same fold with another
//! multiplier.

use xxhash_rust::xxh3::xxh3_64;

/// Multiplier of the shingle polynomial.
pub const SHINGLE_MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;

/// xxh3-64 of one word's bytes.
#[inline]
pub fn word_hash(word: &[u8]) -> u64 {
    xxh3_64(word)
}

/// High xor low half of a 64-bit value.
#[inline]
pub fn fold32(value: u64) -> u32 {
    // Truncation is the point: the low half after mixing in the high half.
    (value ^ (value >> 32)) as u32
}

/// Folded polynomial hashes of every `size`-word window of `hashes` with `multiplier`
/// (`hashes.len() - size + 1` values; none when `size > hashes.len()`). `size >= 1`.
pub fn window_hashes(hashes: &[u64], size: usize, multiplier: u64) -> Vec<u32> {
    debug_assert!(size >= 1);
    hashes
        .windows(size)
        .map(|window| fold32(window.iter().fold(0u64, |acc, &h| acc.wrapping_mul(multiplier).wrapping_add(h))))
        .collect()
}

/// 32-bit hashes of every `size`-word window; one window over all words when there are
/// fewer than `size` (and none for no words). `size >= 1`.
pub fn shingle_hashes(hashes: &[u64], size: usize) -> Vec<u32> {
    if hashes.is_empty() {
        return Vec::new();
    }
    window_hashes(hashes, size.min(hashes.len()), SHINGLE_MULTIPLIER)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_hash_is_xxh3_64() {
        // xxh3-64 of the empty input, as published with the algorithm.
        assert_eq!(word_hash(b""), 0x2D06_8005_38D3_94C2);
    }

    #[test]
    fn a_window_is_the_folded_polynomial() {
        let h = [1u64, 2, 3, 4];
        let expected = |a: u64, b: u64, c: u64| {
            fold32(a.wrapping_mul(SHINGLE_MULTIPLIER).wrapping_add(b).wrapping_mul(SHINGLE_MULTIPLIER).wrapping_add(c))
        };
        assert_eq!(shingle_hashes(&h, 3), vec![expected(1, 2, 3), expected(2, 3, 4)]);
    }

    #[test]
    fn fewer_words_than_size_give_one_window() {
        assert_eq!(shingle_hashes(&[7, 8], 5), shingle_hashes(&[7, 8], 2));
        assert_eq!(shingle_hashes(&[7, 8], 5).len(), 1);
        assert!(shingle_hashes(&[], 3).is_empty());
    }
}
