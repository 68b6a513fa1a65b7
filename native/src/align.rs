//! Word-level local alignment of two passages over their shingle streams.
//!
//! Seeds are positions `(i, j)` where shingle `i` of side A equals shingle `j` of side B;
//! consecutive seeds on one diagonal merge into a run of equal words. Runs are chained by
//! a dynamic programme with affine gaps; the best chain is an aligned region, accepted by
//! the rule of [`accept`]. The Python module `provenance.pipeline.align` documents the
//! scoring; this is its only implementation.

use rayon::prelude::*;

/// Seeds per shingle value kept on side B (a repeated n-gram inside one paragraph).
pub const MAX_REPEAT: usize = 32;
/// Runs considered per pair (the longest); bounds the quadratic chaining.
pub const MAX_RUNS: usize = 400;

/// A run of equal words: `a` on side A, `b` on side B, `len` words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Run {
    pub a: i64,
    pub b: i64,
    pub len: i64,
}

/// Scores and limits of the chaining (`AlignConfig`).
#[derive(Clone, Copy, Debug)]
pub struct Scoring {
    pub match_score: f64,
    pub mismatch: f64,
    pub gap_open: f64,
    pub gap_extend: f64,
    pub max_gap: i64,
}

/// The acceptance rule's thresholds (`AlignConfig`, `--min-words`, `--min-similarity`).
#[derive(Clone, Copy, Debug)]
pub struct Acceptance {
    pub long_run: i64,
    pub min_scattered: i64,
    pub max_gap: i64,
    pub min_words: i64,
    pub min_coverage: f64,
}

/// An aligned region: words `[a_start, a_end)` of A and `[b_start, b_end)` of B.
#[derive(Clone, Debug, PartialEq)]
pub struct Region {
    pub a_start: i64,
    pub a_end: i64,
    pub b_start: i64,
    pub b_end: i64,
    pub matched: i64,
    pub score: f64,
    pub runs: Vec<Run>,
}

impl Region {
    fn from_chain(score: f64, runs: Vec<Run>) -> Region {
        let (first, last) = (runs[0], runs[runs.len() - 1]);
        Region {
            a_start: first.a,
            a_end: last.a + last.len,
            b_start: first.b,
            b_end: last.b + last.len,
            matched: runs.iter().map(|r| r.len).sum(),
            score,
            runs,
        }
    }

    /// Most words skipped on either side between two consecutive runs.
    pub fn longest_gap(&self) -> i64 {
        self.runs
            .windows(2)
            .map(|pair| (pair[1].a - pair[0].a - pair[0].len).max(pair[1].b - pair[0].b - pair[0].len))
            .fold(0, i64::max)
    }
}

/// Maximal runs of equal words implied by equal shingles, sorted by `(a, b, len)`.
///
/// `a[i]` is the hash of words `i .. i + size - 1`; a run of `k` consecutive equal
/// shingles on one diagonal covers `k + size - 1` words. Each shingle of A is paired with
/// at most [`MAX_REPEAT`] occurrences in B, the first ones.
pub fn runs_of(a: &[u32], b: &[u32], size: i64) -> Vec<Run> {
    if a.is_empty() || b.is_empty() {
        return Vec::new();
    }
    debug_assert!(u32::try_from(b.len()).is_ok(), "a stream's positions fit in 32 bits");
    // B's shingles as `value << 32 | position`, sorted: a value's occurrences are one
    // slice, the first ones first. Paragraphs are short: this beats a map of lists.
    let mut positions: Vec<u64> = b.iter().enumerate().map(|(j, &value)| (u64::from(value) << 32) | j as u64).collect();
    positions.sort_unstable();
    // The run open on each diagonal `i - j` (slot `i - j + b.len() - 1`): its first
    // `(i, j)` and the last `i` it reached. Positions of A come in order, so a run grows
    // while its diagonal's next seed is at the next position, and ends at a gap.
    let mut open: Vec<Option<(usize, usize, usize)>> = vec![None; a.len() + b.len() - 1];
    let mut runs: Vec<Run> = Vec::new();
    let run = |(i, j, last): (usize, usize, usize)| Run { a: i as i64, b: j as i64, len: (last - i) as i64 + size };
    for (i, &value) in a.iter().enumerate() {
        let from = positions.partition_point(|&p| p < u64::from(value) << 32);
        let occurrences = positions[from..].iter().take_while(|&&p| p >> 32 == u64::from(value)).take(MAX_REPEAT);
        for &p in occurrences {
            let j = (p & 0xFFFF_FFFF) as usize;
            let slot = &mut open[i + b.len() - 1 - j];
            match *slot {
                Some((first_i, first_j, last)) if last + 1 == i => *slot = Some((first_i, first_j, i)),
                Some(ended) => {
                    runs.push(run(ended));
                    *slot = Some((i, j, i));
                }
                None => *slot = Some((i, j, i)),
            }
        }
    }
    runs.extend(open.into_iter().flatten().map(run));
    runs.sort_unstable();
    runs
}

/// The [`MAX_RUNS`] longest runs (ties to the earlier), back in `(a, b, len)` order.
pub fn keep_longest(mut runs: Vec<Run>) -> Vec<Run> {
    if runs.len() > MAX_RUNS {
        runs.sort_unstable_by_key(|r| (-r.len, r.a, r.b));
        runs.truncate(MAX_RUNS);
        runs.sort_unstable();
    }
    runs
}

/// Cost of chaining `next` after `prev` and the words `next` loses to overlap; `None`
/// when they cross or the gap is longer than allowed.
fn transition(prev: Run, next: Run, scoring: &Scoring) -> Option<(f64, i64)> {
    let (end_a, end_b) = (prev.a + prev.len, prev.b + prev.len);
    let overlap = 0.max(end_a - next.a).max(end_b - next.b);
    if overlap >= next.len || next.a < prev.a || next.b < prev.b {
        return None;
    }
    let (gap_a, gap_b) = (next.a + overlap - end_a, next.b + overlap - end_b);
    if gap_a.max(gap_b) > scoring.max_gap {
        return None;
    }
    let substituted = gap_a.min(gap_b);
    let indel = (gap_a - gap_b).abs();
    // The same float operations, in the same order, as the documented formula.
    let indel_cost = if indel != 0 { scoring.gap_open + indel as f64 * scoring.gap_extend } else { 0.0 };
    Some((substituted as f64 * scoring.mismatch + indel_cost, overlap))
}

/// The best-scoring chain of `runs` (sorted, non-empty) and its score. Each run of the
/// chain after the first is trimmed by its overlap with the previous one. Ties extend the
/// chain (earliest predecessor first); between equal chains the earliest end wins.
pub fn best_chain(runs: &[Run], scoring: &Scoring) -> (f64, Vec<Run>) {
    let count = runs.len();
    let mut best: Vec<f64> = runs.iter().map(|r| r.len as f64 * scoring.match_score).collect();
    let mut back: Vec<Option<usize>> = vec![None; count];
    let mut trim: Vec<i64> = vec![0; count];
    for q in 0..count {
        let own = runs[q].len as f64 * scoring.match_score;
        for p in 0..q {
            let Some((cost, overlap)) = transition(runs[p], runs[q], scoring) else {
                continue;
            };
            let score = best[p] - cost + (runs[q].len - overlap) as f64 * scoring.match_score;
            if score > best[q] || (score == best[q] && back[q].is_none()) {
                (best[q], back[q], trim[q]) = (score, Some(p), overlap);
            }
        }
        if best[q] < own {
            (best[q], back[q], trim[q]) = (own, None, 0);
        }
    }
    let mut end = 0;
    for q in 1..count {
        if best[q] > best[end] {
            end = q;
        }
    }
    let mut chain = Vec::new();
    let mut at = Some(end);
    while let Some(q) = at {
        let cut = trim[q];
        chain.push(Run { a: runs[q].a + cut, b: runs[q].b + cut, len: runs[q].len - cut });
        at = back[q];
    }
    chain.reverse();
    (best[end], chain)
}

/// The documented acceptance rule of a region.
pub fn accept(region: &Region, rule: &Acceptance) -> bool {
    let shorter = (region.a_end - region.a_start).min(region.b_end - region.b_start);
    let longest = region.runs.iter().map(|r| r.len).max().unwrap_or(0);
    region.matched >= rule.min_words
        && (longest >= rule.long_run || region.matched >= rule.min_scattered)
        && region.matched as f64 >= rule.min_coverage * shorter as f64
        && region.longest_gap() <= rule.max_gap
}

/// Accepted regions of two shingle streams, best first, at most `max_regions`; each next
/// region is chained from the runs lying outside the earlier ones on both sides.
pub fn align(a: &[u32], b: &[u32], size: i64, scoring: &Scoring, rule: &Acceptance, max_regions: usize) -> Vec<Region> {
    let mut runs = keep_longest(runs_of(a, b, size));
    let mut regions = Vec::new();
    while !runs.is_empty() && regions.len() < max_regions {
        let (score, chain) = best_chain(&runs, scoring);
        let region = Region::from_chain(score, chain);
        if !accept(&region, rule) {
            break;
        }
        runs.retain(|r| {
            (r.a + r.len <= region.a_start || r.a >= region.a_end)
                && (r.b + r.len <= region.b_start || r.b >= region.b_end)
        });
        regions.push(region);
    }
    regions
}

/// The best chain of two streams, accepted or not; `None` when they share no shingle.
pub fn best_chain_region(a: &[u32], b: &[u32], size: i64, scoring: &Scoring) -> Option<Region> {
    let runs = keep_longest(runs_of(a, b, size));
    if runs.is_empty() {
        return None;
    }
    let (score, chain) = best_chain(&runs, scoring);
    Some(Region::from_chain(score, chain))
}

/// [`align`] for many pairs of streams, in parallel: `pairs[k]` indexes `streams`.
pub fn align_many(
    streams: &[&[u32]],
    pairs: &[(usize, usize)],
    size: i64,
    scoring: &Scoring,
    rule: &Acceptance,
    max_regions: usize,
) -> Vec<Vec<Region>> {
    pairs.par_iter().map(|&(a, b)| align(streams[a], streams[b], size, scoring, rule, max_regions)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCORING: Scoring = Scoring { match_score: 1.0, mismatch: 0.5, gap_open: 1.0, gap_extend: 0.25, max_gap: 30 };
    const RULE: Acceptance =
        Acceptance { long_run: 10, min_scattered: 12, max_gap: 30, min_words: 6, min_coverage: 0.5 };

    fn run(a: i64, b: i64, len: i64) -> Run {
        Run { a, b, len }
    }

    #[test]
    fn equal_shingles_on_a_diagonal_make_one_run() {
        // B is A shifted by two words; shingles of 3 words.
        let a = [10, 11, 12, 13, 14];
        let b = [1, 2, 10, 11, 12, 13, 14, 3];
        assert_eq!(runs_of(&a, &b, 3), vec![run(0, 2, 7)]);
    }

    #[test]
    fn a_skipped_position_breaks_the_run() {
        assert_eq!(runs_of(&[1, 2, 9, 4], &[1, 2, 3, 4], 2), vec![run(0, 0, 3), run(3, 3, 2)]);
    }

    #[test]
    fn a_diagonal_reopens_after_a_gap_and_crossing_copies_stay_apart() {
        let runs = runs_of(&[1, 2, 9, 1, 2], &[1, 2, 7, 1, 2], 2);
        assert_eq!(runs, vec![run(0, 0, 3), run(0, 3, 3), run(3, 0, 3), run(3, 3, 3)]);
    }

    #[test]
    fn repeats_are_capped_to_the_first_occurrences() {
        let b = [5u32; 2 * MAX_REPEAT];
        let runs = runs_of(&[5], &b, 1);
        assert_eq!(runs, (0..MAX_REPEAT as i64).map(|j| run(0, j, 1)).collect::<Vec<_>>());
    }

    #[test]
    fn a_substitution_costs_mismatch_per_word() {
        let (score, chain) = best_chain(&[run(0, 0, 10), run(12, 12, 10)], &SCORING);
        assert_eq!(chain, vec![run(0, 0, 10), run(12, 12, 10)]);
        assert_eq!(score, 20.0 - 2.0 * 0.5);
    }

    #[test]
    fn a_dropped_clause_costs_an_affine_gap() {
        let (score, _) = best_chain(&[run(0, 0, 10), run(14, 10, 10)], &SCORING);
        assert_eq!(score, 20.0 - (1.0 + 4.0 * 0.25));
    }

    #[test]
    fn overlapping_runs_are_trimmed() {
        let (_, chain) = best_chain(&[run(0, 0, 10), run(8, 9, 10)], &SCORING);
        assert_eq!(chain, vec![run(0, 0, 10), run(10, 11, 8)]);
    }

    #[test]
    fn a_gap_over_the_limit_splits_regions() {
        let (_, chain) = best_chain(&[run(0, 0, 10), run(50, 50, 12)], &SCORING);
        assert_eq!(chain, vec![run(50, 50, 12)]);
    }

    #[test]
    fn two_distant_passages_give_two_regions() {
        let a: Vec<u32> = (0..100).collect();
        let mut b: Vec<u32> = (1000..1200).collect();
        b[10..30].copy_from_slice(&a[60..80]);
        b[150..170].copy_from_slice(&a[0..20]);
        let regions = align(&a, &b, 3, &SCORING, &RULE, 4);
        assert_eq!(regions.len(), 2);
        assert_eq!((regions[0].a_start, regions[0].b_start, regions[0].matched), (0, 150, 22));
        assert_eq!((regions[1].a_start, regions[1].b_start, regions[1].matched), (60, 10, 22));
    }

    #[test]
    fn a_batch_equals_its_pairs_one_by_one() {
        let streams: Vec<Vec<u32>> = (0..5u32).map(|s| (0..60u32).map(|i| (i * (s + 1)) % 40).collect()).collect();
        let views: Vec<&[u32]> = streams.iter().map(Vec::as_slice).collect();
        let pairs = [(0, 1), (1, 2), (0, 4), (3, 3)];
        let together = align_many(&views, &pairs, 3, &SCORING, &RULE, 4);
        for (k, &(a, b)) in pairs.iter().enumerate() {
            assert_eq!(together[k], align(views[a], views[b], 3, &SCORING, &RULE, 4));
        }
    }
}
