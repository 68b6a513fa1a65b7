//! The candidate pairs of one LSH band's buckets (the rule of `provenance.pipeline.lsh`).
//!
//! A bucket's members are ranked by unit id (arrival order). A pending member (id at
//! least `first_new`) at position `p` pairs with
//! * every earlier member of another document, if `p <= limit` (the bucket's head);
//! * else only the nearest earlier *copy* (same content key, another document) when it
//!   lies within `limit` positions, chaining a run of copies one pair per copy;
//! * else every member of another document among the `limit` positions before it.
//!
//! Work is O(n log n) for the sort plus O(limit) per pending member: buckets of
//! thousands of identical boilerplate units cost one pair per member, not n².

use rayon::iter::{IndexedParallelIterator, ParallelIterator};
use rayon::slice::{ParallelSlice, ParallelSliceMut};

/// One band's bucket members, column by column (equal lengths).
#[derive(Clone, Copy)]
pub struct Members<'a> {
    pub keys: &'a [i64],
    pub units: &'a [i64],
    pub docs: &'a [i64],
    pub contents: &'a [i64],
}

/// Pairs `(a, b)`, `a < b`, sorted and unique, each with a unit `>= first_new`; members
/// of one document never pair. A unit listed twice under one key counts once.
pub fn candidate_pairs(members: Members<'_>, limit: usize, first_new: i64) -> Vec<(i64, i64)> {
    let Members { keys, units, .. } = members;
    // A full scan passes every unit's key of a band, almost all in buckets of one: keep
    // only rows whose key may repeat (a byte per slot of a hash table) before sorting.
    let mut rows: Vec<(i64, i64, usize)> = maybe_repeated(keys).into_iter().map(|i| (keys[i], units[i], i)).collect();
    rows.par_sort_unstable();
    rows.dedup_by_key(|row| (row.0, row.1));
    let order: Vec<usize> = rows.iter().map(|row| row.2).collect();
    let mut pairs = Vec::new();
    let mut start = 0;
    while start < rows.len() {
        let key = rows[start].0;
        let stop = start + rows[start..].partition_point(|row| row.0 == key);
        let bucket = &order[start..stop];
        if bucket.len() > 1 && units[bucket[bucket.len() - 1]] >= first_new {
            bucket_pairs(bucket, members, limit, first_new, &mut pairs);
        }
        start = stop;
    }
    unique(pairs)
}

/// Indexes of the keys that may occur more than once: every repeated key, and a few
/// others that share its hash slot. Two bits a slot, eight slots a key: the tables stay
/// a few megabytes (in cache) for a band of a million keys.
fn maybe_repeated(keys: &[i64]) -> Vec<usize> {
    let bits = (keys.len().max(1) * 8).next_power_of_two().trailing_zeros().clamp(10, 27);
    let slot = |key: i64| ((key as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize;
    let (mut once, mut twice) = (vec![0u64; (1 << bits) / 64], vec![0u64; (1 << bits) / 64]);
    for &key in keys {
        let (word, bit) = (slot(key) / 64, 1u64 << (slot(key) % 64));
        twice[word] |= once[word] & bit;
        once[word] |= bit;
    }
    (0..keys.len()).filter(|&i| twice[slot(keys[i]) / 64] & (1u64 << (slot(keys[i]) % 64)) != 0).collect()
}

/// Positions `i` with `live[i]` whose `keys[i]` is in `wanted` (sorted, unique), in
/// order. A bit table of the wanted keys' hash slots (a few per key, so it stays in
/// cache) answers most keys; a binary search confirms the few that pass. One pass over a
/// band's stored keys, where the numpy version made three arrays of their size.
pub fn wanted_positions(keys: &[i64], live: &[bool], wanted: &[i64]) -> Vec<i64> {
    if wanted.is_empty() {
        return Vec::new();
    }
    let bits = (wanted.len() * 16).next_power_of_two().trailing_zeros().clamp(10, 30);
    let slot = |key: i64| ((key as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize;
    let mut table = vec![0u64; ((1usize << bits) / 64).max(1)];
    for &key in wanted {
        table[slot(key) / 64] |= 1u64 << (slot(key) % 64);
    }
    // Chunks on rayon threads (a band of a 100k index is ~4.4M keys), positions kept in order.
    let found: Vec<Vec<i64>> = keys
        .par_chunks(WANTED_CHUNK)
        .zip(live.par_chunks(WANTED_CHUNK))
        .enumerate()
        .map(|(chunk, (keys, live))| {
            let base = (chunk * WANTED_CHUNK) as i64;
            let mut out = Vec::new();
            for (i, (&key, &alive)) in keys.iter().zip(live).enumerate() {
                if alive
                    && table[slot(key) / 64] & (1u64 << (slot(key) % 64)) != 0
                    && wanted.binary_search(&key).is_ok()
                {
                    out.push(base + i as i64);
                }
            }
            out
        })
        .collect();
    found.concat()
}

/// Keys per rayon task of [`wanted_positions`].
const WANTED_CHUNK: usize = 1 << 18;

/// `pairs` sorted, each once.
pub fn unique(mut pairs: Vec<(i64, i64)>) -> Vec<(i64, i64)> {
    pairs.par_sort_unstable();
    pairs.dedup();
    pairs
}

/// The pairs of one bucket: `bucket` holds member indexes in position (unit id) order.
fn bucket_pairs(bucket: &[usize], members: Members<'_>, limit: usize, first_new: i64, out: &mut Vec<(i64, i64)>) {
    let Members { units, docs, .. } = members;
    let copies = nearest_copies(bucket, members);
    let first_pending = bucket.partition_point(|&i| units[i] < first_new);
    for (p, &member) in bucket.iter().enumerate().skip(first_pending) {
        let (unit, doc) = (units[member], docs[member]);
        if p > limit {
            if let Some(copy) = copies[p].filter(|&c| p - c <= limit) {
                out.push(ordered(unit, units[bucket[copy]]));
                continue;
            }
        }
        let window = p.saturating_sub(limit);
        for &other in &bucket[window..p] {
            if docs[other] != doc {
                out.push(ordered(unit, units[other]));
            }
        }
    }
}

/// For each position, the position of the nearest earlier member with the same content
/// key and another document (`None`: none). A document's units have consecutive ids, so
/// its members of one content form a contiguous run: the copy ends the previous run.
fn nearest_copies(bucket: &[usize], members: Members<'_>) -> Vec<Option<usize>> {
    let Members { docs, contents, .. } = members;
    let mut by_content: Vec<usize> = (0..bucket.len()).collect();
    by_content.sort_by_key(|&p| contents[bucket[p]]); // stable: positions ascend within a content
    let mut copies = vec![None; bucket.len()];
    for (k, &p) in by_content.iter().enumerate() {
        let Some(&previous) = k.checked_sub(1).map(|k| &by_content[k]) else { continue };
        if contents[bucket[previous]] != contents[bucket[p]] {
            continue;
        }
        copies[p] = if docs[bucket[previous]] != docs[bucket[p]] { Some(previous) } else { copies[previous] };
    }
    copies
}

fn ordered(a: i64, b: i64) -> (i64, i64) {
    (a.min(b), a.max(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Members `(key, unit, doc, content)`.
    fn pairs(rows: &[(i64, i64, i64, i64)], limit: usize, first_new: i64) -> Vec<(i64, i64)> {
        let column = |f: fn(&(i64, i64, i64, i64)) -> i64| rows.iter().map(f).collect::<Vec<_>>();
        let (keys, units, docs, contents) = (column(|r| r.0), column(|r| r.1), column(|r| r.2), column(|r| r.3));
        candidate_pairs(Members { keys: &keys, units: &units, docs: &docs, contents: &contents }, limit, first_new)
    }

    #[test]
    fn a_small_bucket_is_all_pairs_of_different_documents() {
        let rows = [(7, 0, 0, 1), (7, 1, 0, 2), (7, 2, 1, 3), (7, 3, 2, 4), (9, 4, 3, 5)];
        assert_eq!(pairs(&rows, 64, 0), vec![(0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]);
    }

    #[test]
    fn only_pairs_with_a_pending_unit_are_proposed() {
        let rows = [(7, 0, 0, 1), (7, 1, 1, 2), (7, 2, 2, 3)];
        assert_eq!(pairs(&rows, 64, 2), vec![(0, 2), (1, 2)]);
        assert!(pairs(&rows, 64, 3).is_empty());
    }

    #[test]
    fn past_the_head_a_member_pairs_with_its_window() {
        let rows: Vec<_> = (0..6).map(|u| (1, u, u, u)).collect();
        assert_eq!(pairs(&rows, 2, 5), vec![(3, 5), (4, 5)]);
        assert_eq!(pairs(&rows, 2, 2), vec![(0, 2), (1, 2), (1, 3), (2, 3), (2, 4), (3, 4), (3, 5), (4, 5)]);
    }

    #[test]
    fn copies_past_the_head_chain_to_the_nearest_copy() {
        // Units 0..6 of six documents, all the same content: one pair per copy past the head.
        let rows: Vec<_> = (0..6).map(|u| (1, u, u, 42)).collect();
        assert_eq!(pairs(&rows, 2, 3), vec![(2, 3), (3, 4), (4, 5)]);
        assert_eq!(pairs(&rows, 2, 2), vec![(0, 2), (1, 2), (2, 3), (3, 4), (4, 5)]);
    }

    #[test]
    fn a_copy_too_far_back_falls_back_to_the_window() {
        // Content 42 at positions 0 and 4: with limit 2 the copy is out of reach.
        let rows = [(1, 0, 0, 42), (1, 1, 1, 1), (1, 2, 2, 2), (1, 3, 3, 3), (1, 4, 4, 42)];
        assert_eq!(pairs(&rows, 2, 4), vec![(2, 4), (3, 4)]);
    }

    #[test]
    fn the_nearest_copy_is_in_another_document() {
        // Document 5 holds units 3 and 4 of content 42; unit 4's copy is unit 2 (doc 2), not 3.
        let rows = [(1, 0, 0, 0), (1, 1, 1, 1), (1, 2, 2, 42), (1, 3, 5, 42), (1, 4, 5, 42)];
        assert_eq!(pairs(&rows, 2, 4), vec![(2, 4)]);
    }

    #[test]
    fn every_repeated_key_is_kept() {
        let keys: Vec<i64> = (0..5000).map(|i| (i * 7919) % 4999).collect(); // only 0 repeats (i = 0, 4999)
        let kept = maybe_repeated(&keys);
        for (i, key) in keys.iter().enumerate() {
            if keys.iter().filter(|k| *k == key).count() > 1 {
                assert!(kept.contains(&i));
            }
        }
        assert!(kept.len() < 100);
    }

    #[test]
    fn wanted_positions_are_the_live_keys_found_in_order() {
        let keys = [5, 9, -3, 5, 7, 1 << 40, 9];
        let live = [true, true, true, false, true, true, true];
        let wanted = [-3, 5, 9, 1 << 40];
        assert_eq!(wanted_positions(&keys, &live, &wanted), vec![0, 1, 2, 5, 6]);
        assert!(wanted_positions(&keys, &live, &[]).is_empty());
        assert!(wanted_positions(&keys, &live, &[4, 8]).is_empty());
    }

    #[test]
    fn wanted_positions_span_many_chunks_in_order() {
        // Keys over three and a half chunks; every seventh key wanted, every fifth dead.
        let keys: Vec<i64> = (0..(7 * WANTED_CHUNK / 2) as i64).map(|i| (i * 7919) % 100_003).collect();
        let live: Vec<bool> = (0..keys.len()).map(|i| i % 5 != 0).collect();
        let wanted: Vec<i64> = (0..100_003).step_by(7).collect();
        let expected: Vec<i64> = (0..keys.len()).filter(|&i| live[i] && keys[i] % 7 == 0).map(|i| i as i64).collect();
        assert_eq!(wanted_positions(&keys, &live, &wanted), expected);
    }

    #[test]
    fn unique_sorts_and_drops_repeats() {
        assert_eq!(unique(vec![(3, 4), (1, 2), (3, 4), (0, 9)]), vec![(0, 9), (1, 2), (3, 4)]);
    }

    #[test]
    fn repeated_members_count_once_and_input_order_does_not_matter() {
        let rows = [(1, 3, 3, 3), (1, 0, 0, 0), (1, 3, 3, 3), (1, 1, 1, 1), (2, 3, 3, 3), (2, 2, 2, 2)];
        assert_eq!(pairs(&rows, 1, 3), vec![(1, 3), (2, 3)]);
    }
}
