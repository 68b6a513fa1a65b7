//! Verification of many candidate pairs at once: align each pair, then measure every
//! accepted region and give it `str` offsets.
//!
//! Doing the per-region work here, over the whole batch, spares Python a `Region` and a
//! `Match` object per region (tens of thousands per scan). The measures are the ones the
//! Python module `provenance.pipeline.verify` documents; this is their only
//! implementation. Every ratio is one `f64` division of two integers below 2**53, so it is
//! correctly rounded exactly as Python's `int / int`.

use rayon::prelude::*;

use crate::align::{self, Acceptance, Region, Scoring};
use crate::shingle;

/// One paragraph as stored: per word its `str` offsets and hash (`words`, widened to
/// `u64` as `TokenStream.seeds` hashes them), and its stored shingle stream.
#[derive(Clone, Copy, Debug)]
pub struct Passage<'a> {
    pub words: &'a [u64],
    pub starts: &'a [i64],
    pub ends: &'a [i64],
    pub shingles: &'a [u32],
}

impl Passage<'_> {
    fn len(&self) -> i64 {
        self.words.len() as i64
    }
}

/// What verification needs of the config: alignment seeds and scoring, acceptance,
/// shingle size of the measures, regions kept per pair.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    pub seed_size: usize,
    pub shingle_size: i64,
    pub scoring: Scoring,
    pub rule: Acceptance,
    pub max_regions: usize,
}

/// `(similarity, shared, jaccard, containment)` of two word ranges.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measures {
    pub similarity: f64,
    pub shared: i64,
    pub jaccard: f64,
    pub containment: f64,
}

/// An accepted region of pair `pair`: `str` spans `[start, end)` on both sides.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Verified {
    pub pair: usize,
    pub a_span: (i64, i64),
    pub b_span: (i64, i64),
    pub measures: Measures,
    pub matched: i64,
}

/// The shingle set of words `[first, last)`: `shingles[first..stop]` with
/// `stop = last - size + 1`, or the one shingle at `first` when the range is shorter than
/// a shingle; clamped to the stream as a Python slice is. `first, last >= 0`, `size >= 1`.
fn window_set(shingles: &[u32], first: i64, last: i64, size: i64) -> Vec<u32> {
    let stop = if last - first >= size { last - size + 1 } else { first + 1 };
    let length = shingles.len() as i64;
    let low = first.min(length);
    let high = stop.min(length).max(low);
    shingle::sorted_unique(&shingles[low as usize..high as usize])
}

/// Values two sorted unique slices have in common.
fn common(left: &[u32], right: &[u32]) -> i64 {
    let (mut i, mut j, mut count) = (0, 0, 0);
    while i < left.len() && j < right.len() {
        match left[i].cmp(&right[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => (i, j, count) = (i + 1, j + 1, count + 1),
        }
    }
    count
}

/// `min(1.0, ratio)` as Python's `min(1.0, x)` evaluates it.
fn at_most_one(ratio: f64) -> f64 {
    if ratio < 1.0 {
        ratio
    } else {
        1.0
    }
}

/// Measures of words `a_words` of `a` against `b_words` of `b` (shingle streams) with
/// `matched` aligned words: `similarity = min(1, matched / longer range)`, `shared` the
/// shingles in common, `jaccard` of the two shingle sets, `containment` the share of the
/// smaller set found in the other.
pub fn measure(a: &[u32], a_words: (i64, i64), b: &[u32], b_words: (i64, i64), matched: i64, size: i64) -> Measures {
    let left = window_set(a, a_words.0, a_words.1, size);
    let right = window_set(b, b_words.0, b_words.1, size);
    let shared = common(&left, &right);
    let union = left.len() as i64 + right.len() as i64 - shared;
    let longer = (a_words.1 - a_words.0).max(b_words.1 - b_words.0).max(1);
    let smaller = (left.len().min(right.len()) as i64).max(1);
    Measures {
        similarity: at_most_one(matched as f64 / longer as f64),
        shared,
        jaccard: if union != 0 { shared as f64 / union as f64 } else { 0.0 },
        containment: at_most_one(shared as f64 / smaller as f64),
    }
}

/// The region measured, with `str` offsets from its first word's start to its last
/// word's end. A run is `seeds + seed_size - 1` words, so on a passage shorter than one
/// seed the region's end is clamped to the passage's words.
fn verified(pair: usize, a: &Passage, b: &Passage, region: &Region, size: i64) -> Verified {
    let a_words = (region.a_start, region.a_end.min(a.len()));
    let b_words = (region.b_start, region.b_end.min(b.len()));
    let span = |p: &Passage, (first, last): (i64, i64)| (p.starts[first as usize], p.ends[last as usize - 1]);
    Verified {
        pair,
        a_span: span(a, a_words),
        b_span: span(b, b_words),
        measures: measure(a.shingles, a_words, b.shingles, b_words, region.matched, size),
        matched: region.matched,
    }
}

/// Every accepted region of every pair `(i, j)` of `passages`, in pair order and, within
/// a pair, best first (as [`align::align`] gives them); on all cores.
pub fn verify_many(passages: &[Passage], pairs: &[(usize, usize)], settings: &Settings) -> Vec<Verified> {
    let seeds: Vec<Vec<u32>> =
        passages.par_iter().map(|p| shingle::shingle_hashes(p.words, settings.seed_size)).collect();
    let seed_size = settings.seed_size as i64;
    pairs
        .par_iter()
        .enumerate()
        .flat_map_iter(|(k, &(i, j))| {
            let regions =
                align::align(&seeds[i], &seeds[j], seed_size, &settings.scoring, &settings.rule, settings.max_regions);
            let (a, b) = (&passages[i], &passages[j]);
            regions.into_iter().map(move |region| verified(k, a, b, &region, settings.shingle_size))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCORING: Scoring = Scoring { match_score: 1.0, mismatch: 0.5, gap_open: 1.0, gap_extend: 0.25, max_gap: 30 };
    const RULE: Acceptance =
        Acceptance { long_run: 10, min_scattered: 12, max_gap: 30, min_words: 6, min_coverage: 0.5 };
    const SETTINGS: Settings = Settings { seed_size: 2, shingle_size: 3, scoring: SCORING, rule: RULE, max_regions: 4 };

    /// Owned columns of a passage whose word `i` is `text[10 i .. 10 i + 5)`.
    struct Owned {
        words: Vec<u64>,
        starts: Vec<i64>,
        ends: Vec<i64>,
        shingles: Vec<u32>,
    }

    fn owned(words: &[u64]) -> Owned {
        let starts: Vec<i64> = (0..words.len() as i64).map(|i| 10 * i).collect();
        Owned {
            words: words.to_vec(),
            ends: starts.iter().map(|s| s + 5).collect(),
            starts,
            shingles: shingle::shingle_hashes(words, 3),
        }
    }

    fn passage(owned: &Owned) -> Passage<'_> {
        Passage { words: &owned.words, starts: &owned.starts, ends: &owned.ends, shingles: &owned.shingles }
    }

    #[test]
    fn identical_ranges_measure_one() {
        let m = measure(&[1, 2, 3, 4], (0, 6), &[1, 2, 3, 4], (0, 6), 6, 3);
        assert_eq!(m, Measures { similarity: 1.0, shared: 4, jaccard: 1.0, containment: 1.0 });
    }

    #[test]
    fn measures_are_the_documented_ratios() {
        // Words [0, 6) of A have shingles {1, 2, 3, 4}; words [0, 5) of B {2, 3, 9}.
        let m = measure(&[1, 2, 3, 4, 7], (0, 6), &[2, 3, 9, 8], (0, 5), 4, 3);
        assert_eq!(m, Measures { similarity: 4.0 / 6.0, shared: 2, jaccard: 2.0 / 5.0, containment: 2.0 / 3.0 });
    }

    #[test]
    fn repeated_shingles_count_once() {
        let m = measure(&[5, 5, 5], (0, 5), &[5], (0, 3), 3, 3);
        assert_eq!((m.shared, m.jaccard, m.containment), (1, 1.0, 1.0));
    }

    #[test]
    fn a_range_shorter_than_a_shingle_is_its_first_shingle() {
        assert_eq!(window_set(&[7, 8, 9], 1, 2, 3), vec![8]);
        // Past the stream's end, as a Python slice: nothing.
        assert_eq!(window_set(&[7], 2, 3, 3), Vec::<u32>::new());
    }

    #[test]
    fn empty_sets_have_jaccard_zero_and_similarity_over_one_word() {
        let m = measure(&[], (0, 0), &[], (0, 0), 0, 3);
        assert_eq!(m, Measures { similarity: 0.0, shared: 0, jaccard: 0.0, containment: 0.0 });
    }

    #[test]
    fn a_copied_passage_is_one_region_with_word_offsets() {
        let origin: Vec<u64> = (100..140).collect();
        let mut copy: Vec<u64> = (500..530).collect();
        copy[5..25].copy_from_slice(&origin[10..30]);
        let (a, b) = (owned(&origin), owned(&copy));
        let found = verify_many(&[passage(&a), passage(&b)], &[(0, 1)], &SETTINGS);
        assert_eq!(found.len(), 1);
        let v = found[0];
        assert_eq!((v.pair, v.a_span, v.b_span, v.matched), (0, (100, 295), (50, 245), 20));
        assert_eq!(v.measures, Measures { similarity: 1.0, shared: 18, jaccard: 1.0, containment: 1.0 });
    }

    #[test]
    fn rows_follow_pair_order_and_match_align() {
        let texts: Vec<Vec<u64>> = (0..4u64).map(|s| (0..60u64).map(|i| (i * (s + 1)) % 40).collect()).collect();
        let owned: Vec<Owned> = texts.iter().map(|t| owned(t)).collect();
        let passages: Vec<Passage> = owned.iter().map(passage).collect();
        let pairs = [(0, 1), (2, 3), (0, 0), (1, 3)];
        let found = verify_many(&passages, &pairs, &SETTINGS);
        let mut expected = Vec::new();
        for (k, &(i, j)) in pairs.iter().enumerate() {
            let seeds = |p: &Passage| shingle::shingle_hashes(p.words, 2);
            for region in align::align(&seeds(&passages[i]), &seeds(&passages[j]), 2, &SCORING, &RULE, 4) {
                expected.push(verified(k, &passages[i], &passages[j], &region, 3));
            }
        }
        assert!(!expected.is_empty());
        assert_eq!(found, expected);
    }

    #[test]
    fn a_passage_shorter_than_a_seed_clamps_its_region() {
        let (a, b) = (owned(&[42]), owned(&[42]));
        let rule = Acceptance { min_words: 1, long_run: 1, ..RULE };
        let found = verify_many(&[passage(&a), passage(&b)], &[(0, 1)], &Settings { rule, ..SETTINGS });
        assert_eq!(found.len(), 1);
        // The run counts a seed's two words (as `align` reports it); the offsets, one.
        assert_eq!((found[0].a_span, found[0].b_span, found[0].matched), ((0, 5), (0, 5), 2));
        assert_eq!(found[0].measures.similarity, 1.0);
    }
}
