//! Membership filters of band segments: "is this key stored here at all?" without
//! reading the segment's blocks.
//!
//! A `check` of 100 new articles against 100k looks up ~4,000 keys per band, and ~94 % of
//! them are stored nowhere; each still cost a random block row (~4 µs) to learn that. A
//! filter of [`BITS_PER_KEY`] bits per stored entry answers most of them in memory (read
//! whole: a few MB per band, one blob), so only the keys it cannot rule out read blocks.
//!
//! The filter is *blocked*: each key sets and tests [`PROBES`] bits of one 64-bit word
//! (one memory access per key, where a classic Bloom filter takes one per probe), so a
//! first scan builds the filters of 37 bands of 4.4 M entries in well under a second. Keys
//! are band hashes, but they are mixed again (SplitMix64's finaliser) so that the word and
//! the bits never depend on how the keys were made. No key that was added is ever ruled
//! out; a key never added passes with probability ~1-2 % at 10 bits per key.

/// Bits of filter per entry.
pub const BITS_PER_KEY: usize = 10;
/// Bits set (and tested) per key, within its word.
pub const PROBES: u32 = 6;

/// SplitMix64's finaliser: a bijection spreading every input bit over the output.
fn mix(mut value: u64) -> u64 {
    value = (value ^ (value >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    value = (value ^ (value >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    value ^ (value >> 31)
}

/// Words a filter of `entries` keys holds (at least one).
pub fn words_for(entries: usize) -> usize {
    (entries * BITS_PER_KEY).div_ceil(64).max(1)
}

/// The word of `key` in a filter of `words` words, and the bits it sets there.
fn slot(key: i64, words: usize) -> (usize, u64) {
    let hash = mix(key as u64);
    // Multiply-shift maps the high half onto 0..words without a division.
    let word = (((hash >> 32) * words as u64) >> 32) as usize;
    let mut bits = mix(hash);
    let mut mask = 0u64;
    for _ in 0..PROBES {
        mask |= 1 << (bits & 63);
        bits >>= 6;
    }
    (word, mask)
}

/// The word each of `keys` tests in a filter of `words` words: a lookup of a few keys in
/// a large filter reads only these (`trace` of one article looks up ~50 keys a band in
/// filters of ~300k words each).
pub fn words_of(keys: &[i64], words: usize) -> Vec<u64> {
    keys.iter().map(|&key| slot(key, words).0 as u64).collect()
}

/// The filter of `keys` (any order, repeats allowed), sized for `keys.len()` entries.
pub fn build(keys: &[i64]) -> Vec<u64> {
    let words = words_for(keys.len());
    let mut filter = vec![0u64; words];
    for &key in keys {
        let (word, mask) = slot(key, words);
        filter[word] |= mask;
    }
    filter
}

/// Whether each of `keys` may be in `filter` (`false`: surely not).
pub fn contains(filter: &[u64], keys: &[i64]) -> Vec<bool> {
    if filter.is_empty() {
        return vec![true; keys.len()]; // no filter rules nothing out
    }
    keys.iter()
        .map(|&key| {
            let (word, mask) = slot(key, filter.len());
            filter[word] & mask == mask
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(count: i64, salt: i64) -> Vec<i64> {
        (0..count).map(|i| (i ^ salt).wrapping_mul(0x9E37_79B9_7F4A_7C15_u64 as i64)).collect()
    }

    #[test]
    fn every_key_added_is_found() {
        let added = keys(100_000, 1);
        assert!(contains(&build(&added), &added).into_iter().all(|found| found));
        let edges = [i64::MIN, -1, 0, 1, i64::MAX];
        assert!(contains(&build(&edges), &edges).into_iter().all(|found| found));
    }

    #[test]
    fn few_keys_never_added_pass() {
        let filter = build(&keys(100_000, 1));
        assert_eq!(filter.len(), words_for(100_000));
        let others = keys(100_000, 1 << 40);
        let passed = contains(&filter, &others).into_iter().filter(|&found| found).count();
        assert!(passed < 3_000, "{passed} of 100000 keys never added passed");
    }

    #[test]
    fn a_filter_holding_only_the_words_of_its_keys_answers_the_same() {
        let added = keys(50_000, 3);
        let filter = build(&added);
        let asked = keys(2_000, 1 << 40).into_iter().chain(added[..500].iter().copied()).collect::<Vec<_>>();
        let mut sparse = vec![0u64; filter.len()];
        for word in words_of(&asked, filter.len()) {
            assert!((word as usize) < filter.len());
            sparse[word as usize] = filter[word as usize];
        }
        assert_eq!(contains(&sparse, &asked), contains(&filter, &asked));
        assert!(contains(&sparse, &asked).iter().filter(|&&found| !found).count() > 1_500);
    }

    #[test]
    fn an_empty_filter_rules_nothing_out() {
        assert_eq!(contains(&[], &[3, 4]), vec![true, true]);
        assert_eq!(build(&[]), vec![0]);
        assert_eq!(contains(&build(&[]), &[3]), vec![false]);
    }
}
