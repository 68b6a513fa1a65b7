//! A finding's two spans aligned once more and measured, in one call.
//!
//! Findings (`provenance.pipeline.cluster`) align each candidate pair of spans again
//! inside the word ranges the matches gave them, narrow the ranges to the best chain and
//! measure them; selection (`provenance.pipeline.selection`) does the same for the free
//! stretch of a candidate that overlaps what is taken. A refresh does this for tens of
//! thousands of candidates, and doing it as separate calls (slice the seeds, chain,
//! accept, measure) cost more in Python than the work.

use crate::align::{self, Acceptance, Region, Scoring};
use crate::verify::{self, Measures};

/// One side: its alignment seeds and shingle stream, its word count and the words
/// `[first, last)` to align within.
#[derive(Clone, Copy, Debug)]
pub struct Side<'a> {
    pub seeds: &'a [u32],
    pub shingles: &'a [u32],
    pub len: i64,
    pub words: (i64, i64),
}

/// The word ranges narrowed to the aligned region (unchanged if the sides share no
/// seed), the words matched and the measures of the two ranges.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Realigned {
    pub a_words: (i64, i64),
    pub b_words: (i64, i64),
    pub matched: i64,
    pub measures: Measures,
}

/// Words `[first, last)` lying inside the `str` span `[start, end)` of a passage whose
/// words start and end at `starts` and `ends` (ascending): from the first word starting
/// at or after `start` to the last ending at or before `end`.
pub fn words_inside(starts: &[i64], ends: &[i64], (start, end): (i64, i64)) -> (i64, i64) {
    let first = starts.partition_point(|&s| s < start) as i64;
    let last = ends.partition_point(|&e| e <= end) as i64;
    (first, last.max(first))
}

/// The seeds a range's alignment reads: those starting a seed inside it, or its first
/// seed when it is shorter than one (as a Python slice: nothing past the stream's end).
fn seeds_of<'a>(side: &Side<'a>, seed: i64) -> &'a [u32] {
    let count = side.seeds.len();
    let first = usize::try_from(side.words.0).unwrap_or(0).min(count);
    let stop = usize::try_from((side.words.0 + 1).max(side.words.1 - seed + 1)).unwrap_or(0).min(count);
    &side.seeds[first..stop.max(first)]
}

/// The best-scoring chain of runs inside both ranges, in the sides' word positions.
pub fn best_region(a: &Side, b: &Side, seed: i64, scoring: &Scoring) -> Option<Region> {
    let mut region = align::best_chain_region(seeds_of(a, seed), seeds_of(b, seed), seed, scoring)?;
    let (a0, b0) = (a.words.0, b.words.0);
    region.a_start += a0;
    region.a_end += a0;
    region.b_start += b0;
    region.b_end += b0;
    for run in &mut region.runs {
        run.a += a0;
        run.b += b0;
    }
    Some(region)
}

/// Align the two ranges once more and measure them (shingles of `size` words). With a
/// `rule`, `None` unless a region is found and passes it; without, a pair sharing no
/// seed keeps its ranges and counts no matched word.
pub fn realign(
    a: &Side,
    b: &Side,
    seed: i64,
    size: i64,
    scoring: &Scoring,
    rule: Option<&Acceptance>,
) -> Option<Realigned> {
    let region = best_region(a, b, seed, scoring);
    if let Some(rule) = rule {
        if !region.as_ref().is_some_and(|found| align::accept(found, rule)) {
            return None;
        }
    }
    let (a_words, b_words, matched) = match &region {
        Some(found) => {
            ((found.a_start, found.a_end.min(a.len)), (found.b_start, found.b_end.min(b.len)), found.matched)
        }
        None => (a.words, b.words, 0),
    };
    let measures = verify::measure(a.shingles, a_words, b.shingles, b_words, matched, size);
    Some(Realigned { a_words, b_words, matched, measures })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shingle;

    const SCORING: Scoring =
        Scoring { match_score: 1.0, mismatch: -0.5, gap_open: -2.0, gap_extend: -0.2, max_gap: 12 };
    const RULE: Acceptance =
        Acceptance { long_run: 8, min_scattered: 12, max_gap: 12, min_words: 6, min_coverage: 0.5 };

    struct Stream {
        seeds: Vec<u32>,
        shingles: Vec<u32>,
        len: i64,
    }

    fn stream(words: &[u64]) -> Stream {
        let seeds = shingle::shingle_hashes(words, 2);
        Stream { seeds, shingles: shingle::shingle_hashes(words, 3), len: words.len() as i64 }
    }

    fn side(s: &Stream, words: (i64, i64)) -> Side<'_> {
        Side { seeds: &s.seeds, shingles: &s.shingles, len: s.len, words }
    }

    /// An origin of 40 words and a copy of 30 whose words 5.. are `shared` of the origin's from 10.
    fn copied(shared: usize) -> (Stream, Stream) {
        let origin: Vec<u64> = (100..140).collect();
        let mut copy: Vec<u64> = (500..530).collect();
        copy[5..5 + shared].copy_from_slice(&origin[10..10 + shared]);
        (stream(&origin), stream(&copy))
    }

    #[test]
    fn ranges_narrow_to_the_shared_words_and_are_measured() {
        let (a, b) = copied(20);
        let found = realign(&side(&a, (0, 40)), &side(&b, (0, 30)), 2, 3, &SCORING, Some(&RULE)).unwrap();
        assert_eq!((found.a_words, found.b_words, found.matched), ((10, 30), (5, 25), 20));
        assert_eq!(found.measures, verify::measure(&a.shingles, (10, 30), &b.shingles, (5, 25), 20, 3));
        assert_eq!(found.measures.similarity, 1.0);
    }

    #[test]
    fn only_words_inside_the_ranges_align() {
        let words: Vec<u64> = (0..30).collect();
        let s = stream(&words);
        // The same words, but the ranges only share [10, 20): the region stays inside them.
        let found = realign(&side(&s, (0, 20)), &side(&s, (10, 30)), 2, 3, &SCORING, None).unwrap();
        assert_eq!((found.a_words, found.b_words, found.matched), ((10, 20), (10, 20), 10));
    }

    #[test]
    fn without_a_shared_seed_a_pair_keeps_its_ranges_unless_a_rule_is_required() {
        let (a, b) = (stream(&(0..20).collect::<Vec<u64>>()), stream(&(50..70).collect::<Vec<u64>>()));
        let kept = realign(&side(&a, (2, 18)), &side(&b, (0, 20)), 2, 3, &SCORING, None).unwrap();
        assert_eq!((kept.a_words, kept.b_words, kept.matched), ((2, 18), (0, 20), 0));
        assert_eq!(kept.measures, verify::measure(&a.shingles, (2, 18), &b.shingles, (0, 20), 0, 3));
        assert!(realign(&side(&a, (2, 18)), &side(&b, (0, 20)), 2, 3, &SCORING, Some(&RULE)).is_none());
    }

    #[test]
    fn a_short_region_fails_the_rule() {
        let (a, b) = copied(4);
        assert!(realign(&side(&a, (0, 40)), &side(&b, (0, 30)), 2, 3, &SCORING, Some(&RULE)).is_none());
        assert_eq!(realign(&side(&a, (0, 40)), &side(&b, (0, 30)), 2, 3, &SCORING, None).unwrap().matched, 4);
    }

    #[test]
    fn words_inside_a_span_are_those_it_holds_whole() {
        let (starts, ends) = ([0, 4, 9, 15], [3, 8, 14, 20]);
        assert_eq!(words_inside(&starts, &ends, (0, 20)), (0, 4));
        assert_eq!(words_inside(&starts, &ends, (4, 14)), (1, 3));
        assert_eq!(words_inside(&starts, &ends, (5, 13)), (2, 2)); // a span inside one word: none
        assert_eq!(words_inside(&starts, &ends, (30, 40)), (4, 4));
        assert_eq!(words_inside(&[], &[], (0, 5)), (0, 0));
    }

    #[test]
    fn a_range_past_the_stream_reads_no_seed() {
        let s = stream(&[1, 2, 3]);
        let found = realign(&side(&s, (5, 9)), &side(&s, (0, 3)), 2, 3, &SCORING, None).unwrap();
        assert_eq!((found.a_words, found.matched), ((5, 9), 0));
    }
}
