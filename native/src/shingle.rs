//! Word hashes (xxh3-64 of each word's UTF-8 bytes) and word-shingle hashes.
//!
//! The hash of a `size`-word window is the polynomial `((w0 * M + w1) * M + w2) ...
//! mod 2**64` of its word hashes, folded to 32 bits (high xor low): the values
//! datasketch's `affine32` scheme takes. Anchors use the same fold with another
//! multiplier.

use rayon::prelude::*;
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

/// `values` sorted, without repeats: a unit's shingle set.
pub fn sorted_unique(values: &[u32]) -> Vec<u32> {
    let mut set = values.to_vec();
    set.sort_unstable();
    set.dedup();
    set
}

/// Shingle sets of many passages at once: passage `i` has the word hashes
/// `hashes[bounds[i]..bounds[i + 1]]` (`bounds` non-decreasing, last `<= hashes.len()`).
/// Returns the sets concatenated and their offsets (`sets.len() + 1` of them, from 0),
/// the layout [`crate::minhash::signatures`] takes. Passages are hashed in parallel.
pub fn shingle_sets(hashes: &[u64], bounds: &[usize], size: usize) -> (Vec<u32>, Vec<usize>) {
    let sets: Vec<Vec<u32>> =
        bounds.par_windows(2).map(|pair| sorted_unique(&shingle_hashes(&hashes[pair[0]..pair[1]], size))).collect();
    let mut offsets = Vec::with_capacity(sets.len() + 1);
    offsets.push(0);
    offsets.extend(sets.iter().scan(0, |total, set| {
        *total += set.len();
        Some(*total)
    }));
    (sets.concat(), offsets)
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

    #[test]
    fn shingle_sets_are_each_passage_sorted_and_unique() {
        let hashes = [1u64, 2, 3, 1, 2, 3, 9, 9];
        let (sets, offsets) = shingle_sets(&hashes, &[0, 6, 6, 8], 3);
        assert_eq!(offsets, vec![0, 3, 3, 4]);
        assert_eq!(&sets[0..3], sorted_unique(&shingle_hashes(&hashes[0..6], 3)).as_slice());
        assert_eq!(&sets[3..4], shingle_hashes(&[9, 9], 3).as_slice());
    }
}
