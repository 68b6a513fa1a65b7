//! Anchors: winnowed word n-grams (Schleimer et al.).
//!
//! Every `size`-word n-gram of a paragraph is hashed (the shingle polynomial with its own
//! multiplier, folded to 32 bits), and each window of `window` consecutive n-grams keeps
//! its smallest hash. Two paragraphs sharing a verbatim run of `size + window - 1` words
//! share a whole window of n-grams, hence its minimum.

use std::collections::VecDeque;

use crate::shingle::window_hashes;

/// Differs from the shingles' multiplier, so anchors are their own hash space.
pub const ANCHOR_MULTIPLIER: u64 = 0xC2B2_AE3D_27D4_EB4F;

/// Sorted unique anchors of one paragraph's word hashes (empty when it has fewer than
/// `size` words; the single smallest n-gram when it has at most `window` n-grams).
/// `size >= 1` and `window >= 1`.
pub fn winnowed_anchors(word_hashes: &[u64], size: usize, window: usize) -> Vec<i64> {
    debug_assert!(size >= 1 && window >= 1);
    let grams = window_hashes(word_hashes, size, ANCHOR_MULTIPLIER);
    let mut anchors: Vec<i64> = Vec::new();
    if grams.len() <= window {
        anchors.extend(grams.iter().min().map(|&g| i64::from(g)));
        return anchors;
    }
    // Minimum of each window with a monotone deque of candidate positions: each front is
    // the smallest n-gram of the window ending at the current position.
    let mut candidates: VecDeque<usize> = VecDeque::with_capacity(window);
    for (position, &gram) in grams.iter().enumerate() {
        while candidates.back().is_some_and(|&last| grams[last] >= gram) {
            candidates.pop_back();
        }
        candidates.push_back(position);
        if candidates.front().is_some_and(|&first| first + window <= position) {
            candidates.pop_front();
        }
        if position + 1 >= window {
            anchors.push(i64::from(grams[candidates[0]]));
        }
    }
    anchors.sort_unstable();
    anchors.dedup();
    anchors
}

/// The winnowed anchors of every stretch of a span: for each `first` ascending, each
/// `last` ascending with `last - first >= size`, the anchors of `word_hashes[first..last]`
/// (as [`winnowed_anchors`] gives them). Returns the stretches' `firsts`, `lasts`, the
/// `bounds` of each one's anchors in `values` (one more than stretches), and `values`.
/// A short finding's stock check looks at every stretch; per stretch from Python, the
/// calls cost more than the winnowing.
pub fn stretch_anchors(word_hashes: &[u64], size: usize, window: usize) -> [Vec<i64>; 4] {
    let count = word_hashes.len();
    let (mut firsts, mut lasts, mut bounds, mut values) = (Vec::new(), Vec::new(), vec![0_i64], Vec::new());
    for first in 0..(count + 1).saturating_sub(size) {
        for last in first + size..=count {
            values.extend(winnowed_anchors(&word_hashes[first..last], size, window));
            // Positions and counts fit i64: spans are a few hundred words.
            firsts.push(first as i64);
            lasts.push(last as i64);
            bounds.push(values.len() as i64);
        }
    }
    [firsts, lasts, bounds, values]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(word_hashes: &[u64], size: usize, window: usize) -> Vec<i64> {
        let grams = window_hashes(word_hashes, size, ANCHOR_MULTIPLIER);
        let mut out: Vec<i64> = if grams.len() <= window {
            grams.iter().min().map(|&g| i64::from(g)).into_iter().collect()
        } else {
            grams.windows(window).map(|w| i64::from(*w.iter().min().unwrap())).collect()
        };
        out.sort_unstable();
        out.dedup();
        out
    }

    #[test]
    fn the_deque_equals_the_window_minima() {
        let mut state = 0x1234_5678_9ABC_DEF0u64;
        for length in 0..120usize {
            let hashes: Vec<u64> = (0..length)
                .map(|_| {
                    state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                    state % 7 // many repeats, so ties are exercised
                })
                .collect();
            for (size, window) in [(1, 1), (2, 3), (5, 6), (3, 64)] {
                assert_eq!(winnowed_anchors(&hashes, size, window), naive(&hashes, size, window));
            }
        }
    }

    #[test]
    fn too_few_words_give_no_anchor_and_few_give_one() {
        assert!(winnowed_anchors(&[1, 2, 3, 4], 5, 6).is_empty());
        let hashes: Vec<u64> = (0..9_u64).map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15)).collect();
        let [firsts, lasts, bounds, values] = stretch_anchors(&hashes, 3, 2);
        let mut at = 0;
        for first in 0..=6 {
            for last in first + 3..=9 {
                assert_eq!((firsts[at], lasts[at]), (first as i64, last as i64));
                let (lo, hi) = (bounds[at] as usize, bounds[at + 1] as usize);
                assert_eq!(values[lo..hi], winnowed_anchors(&hashes[first..last], 3, 2)[..]);
                at += 1;
            }
        }
        assert_eq!((at, bounds.len()), (firsts.len(), firsts.len() + 1));
        assert_eq!(stretch_anchors(&hashes[..2], 3, 2)[2], vec![0]);
        assert_eq!(winnowed_anchors(&[1, 2, 3, 4, 5, 6], 5, 6).len(), 1);
    }

    #[test]
    fn a_shared_run_shares_an_anchor() {
        let run: Vec<u64> = (100..110).collect(); // size + window - 1 = 10 words
        let left: Vec<u64> = [vec![1, 2, 3], run.clone()].concat();
        let right: Vec<u64> = [run, vec![7, 8, 9, 10, 11]].concat();
        let (a, b) = (winnowed_anchors(&left, 5, 6), winnowed_anchors(&right, 5, 6));
        assert!(a.iter().any(|x| b.contains(x)));
    }
}
