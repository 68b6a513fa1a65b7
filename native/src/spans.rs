//! The span graph behind clusters: built from match rows in one pass, and walked.
//!
//! A refresh reads a stock line's component as a few hundred thousand match rows over a
//! few thousand spans; per row, Python tuples, dicts and sets cost seconds. Here the
//! rows become node ids, distinct pairs with their best score, and the same-paragraph
//! overlap edges, as flat arrays; the Python `SpanGraph` keeps the few nodes as tuples
//! and asks for the rest by node.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A multiply-rotate hash of integer keys (rustc's "Fx" hash): the maps here hold spans
/// and node pairs made by our own code, so the default SipHash's protection against
/// crafted keys buys nothing and costs most of a build.
#[derive(Default, Clone, Copy)]
struct Fx(u64);

impl Fx {
    fn add(&mut self, value: u64) {
        self.0 = (self.0.rotate_left(5) ^ value).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_i64(&mut self, value: i64) {
        self.add(value as u64);
    }

    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

/// Values per match row: `a_unit, a_doc, a_start, a_end, b_unit, b_doc, b_start, b_end, matched`.
pub const ROW: usize = 9;

/// What [`build`] makes of match rows; node ids start at 0.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Built {
    /// Spans `(unit, doc, start, end)` in id order: sorted by `(unit, start, end, doc)`.
    pub nodes: Vec<[i64; 4]>,
    /// The id of each span in the order the rows first meet them (`a` before `b`).
    pub met: Vec<i64>,
    /// Per row, the ids of its two spans.
    pub left: Vec<i64>,
    pub right: Vec<i64>,
    /// Each pair of spans once, `(low, high)`, in the order the rows first meet it, and
    /// its best (largest) matched-word count.
    pub pairs: Vec<[i64; 2]>,
    pub scores: Vec<i64>,
    /// Spans of one paragraph overlapping by at least half of the shorter: `(first, second)`,
    /// ascending.
    pub joined: Vec<[i64; 2]>,
    /// Spans sharing characters with another span of their paragraph, too few to be joined;
    /// ascending.
    pub partly: Vec<i64>,
}

/// Overlap by at least half of the shorter span (in integers: `2 * shared >= shorter`).
pub fn overlaps(a: &[i64; 4], b: &[i64; 4]) -> bool {
    let shared = a[3].min(b[3]) - a[2].max(b[2]);
    shared > 0 && 2 * shared >= (a[3] - a[2]).min(b[3] - b[2])
}

fn partly_overlaps(a: &[i64; 4], b: &[i64; 4]) -> bool {
    a[3].min(b[3]) > a[2].max(b[2]) && !overlaps(a, b)
}

/// The span graph of `rows` (`ROW` values per match).
pub fn build(rows: &[i64]) -> Built {
    let count = rows.len() / ROW;
    let mut index: FxMap<[i64; 4], u32> = FxMap::with_capacity_and_hasher(count / 8 + 16, Default::default());
    let mut met: Vec<[i64; 4]> = Vec::new();
    let mut ends: Vec<u32> = Vec::with_capacity(2 * count);
    for row in rows.chunks_exact(ROW) {
        for side in [&row[0..4], &row[4..8]] {
            let span = [side[0], side[1], side[2], side[3]];
            let at = *index.entry(span).or_insert_with(|| {
                met.push(span);
                (met.len() - 1) as u32
            });
            ends.push(at);
        }
    }
    let mut order: Vec<u32> = (0..met.len() as u32).collect();
    order.sort_unstable_by_key(|&j| {
        let s = met[j as usize];
        (s[0], s[2], s[3], s[1])
    });
    let mut id_of = vec![0i64; met.len()];
    for (id, &j) in order.iter().enumerate() {
        id_of[j as usize] = id as i64;
    }
    let nodes: Vec<[i64; 4]> = order.iter().map(|&j| met[j as usize]).collect();
    let left: Vec<i64> = ends.iter().step_by(2).map(|&j| id_of[j as usize]).collect();
    let right: Vec<i64> = ends.iter().skip(1).step_by(2).map(|&j| id_of[j as usize]).collect();
    let mut seen: FxMap<(i64, i64), usize> = FxMap::with_capacity_and_hasher(count, Default::default());
    let (mut pairs, mut scores) = (Vec::new(), Vec::new());
    for ((&a, &b), row) in left.iter().zip(&right).zip(rows.chunks_exact(ROW)) {
        let key = if a < b { (a, b) } else { (b, a) };
        match seen.entry(key) {
            Entry::Vacant(slot) => {
                slot.insert(pairs.len());
                pairs.push([key.0, key.1]);
                scores.push(row[8]);
            }
            Entry::Occupied(slot) => {
                let best = &mut scores[*slot.get()];
                *best = (*best).max(row[8]);
            }
        }
    }
    let (joined, partly) = same_paragraph(&nodes);
    Built { nodes, met: id_of, left, right, pairs, scores, joined, partly }
}

/// Overlap edges and partly overlapping spans among `nodes` (sorted by unit first, so a
/// paragraph's spans are one run).
fn same_paragraph(nodes: &[[i64; 4]]) -> (Vec<[i64; 2]>, Vec<i64>) {
    let mut joined = Vec::new();
    let mut partly = vec![false; nodes.len()];
    let mut start = 0;
    while start < nodes.len() {
        let mut stop = start + 1;
        while stop < nodes.len() && nodes[stop][0] == nodes[start][0] {
            stop += 1;
        }
        for first in start..stop {
            for second in first + 1..stop {
                if overlaps(&nodes[first], &nodes[second]) {
                    joined.push([first as i64, second as i64]);
                } else if partly_overlaps(&nodes[first], &nodes[second]) {
                    partly[first] = true;
                    partly[second] = true;
                }
            }
        }
        start = stop;
    }
    let partly = (0..nodes.len() as i64).filter(|&n| partly[n as usize]).collect();
    (joined, partly)
}

/// `(reached, distance, step)` of [`walks`], one entry per node reached.
pub type Walk = (Vec<i64>, Vec<i64>, Vec<i64>);

/// The neighbours of `node` in the CSR adjacency `indptr`/`indices`, checked: a walk
/// reads only the rows of the nodes it reaches, so only those are validated (checking the
/// whole graph on every call made a refresh's thousands of small walks quadratic).
fn neighbours<'a>(indptr: &[i64], indices: &'a [i64], node: i64) -> Result<&'a [i64], String> {
    let nodes = indptr.len().saturating_sub(1);
    let at = usize::try_from(node)
        .ok()
        .filter(|&at| at < nodes)
        .ok_or_else(|| format!("node {node} is not below {nodes}"))?;
    let (start, stop) = (indptr[at], indptr[at + 1]);
    match (usize::try_from(start), usize::try_from(stop)) {
        (Ok(start), Ok(stop)) if start <= stop && stop <= indices.len() => Ok(&indices[start..stop]),
        _ => Err(format!("indptr must rise within len(indices) (node {node}: {start}..{stop})")),
    }
}

/// A breadth-first walk from `targets` over the adjacency `indptr`/`indices` (each node's
/// neighbours ascending): `(reached, distance, step)`, every node reached with its
/// distance to the nearest target and its next step towards one, the lowest-id neighbour
/// one step closer (`-1` for targets). Only the targets' component is visited, and its
/// cost follows that component, not the graph; an id outside the graph is an error.
pub fn walks(indptr: &[i64], indices: &[i64], targets: &[i64]) -> Result<Walk, String> {
    let mut distance: FxMap<i64, i64> = FxMap::default();
    let mut reached: Vec<i64> = Vec::new();
    for &target in targets {
        neighbours(indptr, indices, target)?;
        if distance.insert(target, 0).is_none() {
            reached.push(target);
        }
    }
    let mut head = 0;
    while head < reached.len() {
        let node = reached[head];
        head += 1;
        let next = distance[&node] + 1;
        for &other in neighbours(indptr, indices, node)? {
            if let Entry::Vacant(slot) = distance.entry(other) {
                neighbours(indptr, indices, other)?;
                slot.insert(next);
                reached.push(other);
            }
        }
    }
    let levels: Vec<i64> = reached.iter().map(|node| distance[node]).collect();
    let mut steps = Vec::with_capacity(reached.len());
    for (&node, &level) in reached.iter().zip(&levels) {
        if level == 0 {
            steps.push(-1);
            continue;
        }
        let closer = neighbours(indptr, indices, node)?.iter().find(|other| distance.get(other) == Some(&(level - 1)));
        steps.push(
            *closer.ok_or_else(|| format!("node {node} has no neighbour closer to a target (an edge is one-way)"))?,
        );
    }
    Ok((reached, levels, steps))
}

/// Compressed rows of the edges `source[i] -> target[i]` over nodes `0..count`:
/// `(ptr, targets, weights)`, node `n`'s targets ascending at `targets[ptr[n]..ptr[n+1]]`,
/// a repeated edge once with the weight of its first occurrence. What `SpanGraph` reads
/// partners and neighbours from (a stock line's component has a million edge ends).
pub fn compressed(count: usize, source: &[i64], target: &[i64], weights: &[i64]) -> Result<Walk, String> {
    if source.len() != target.len() || source.len() != weights.len() {
        return Err("source, target and weights must have one entry per edge".to_owned());
    }
    let node = |id: i64| {
        usize::try_from(id).ok().filter(|&id| id < count).ok_or_else(|| format!("node {id} is not below {count}"))
    };
    // A counting sort by source (each edge's position kept, ascending), then each node's
    // few targets sorted stably: a stock line's component has a million edge ends, and
    // one sort of (source, target, position) triples took ~0.1 s of a check's refresh.
    let mut starts = vec![0usize; count + 1];
    for (&from, &to) in source.iter().zip(target) {
        node(to)?;
        starts[node(from)? + 1] += 1;
    }
    for at in 1..starts.len() {
        starts[at] += starts[at - 1];
    }
    let mut slots = vec![(0i64, 0usize); source.len()];
    let mut next = starts.clone();
    for (at, (&from, &to)) in source.iter().zip(target).enumerate() {
        let from = from as usize; // checked above
        slots[next[from]] = (to, at);
        next[from] += 1;
    }
    let mut ptr = vec![0i64; count + 1];
    let (mut targets, mut kept) = (Vec::with_capacity(slots.len()), Vec::with_capacity(slots.len()));
    for from in 0..count {
        let row = &mut slots[starts[from]..starts[from + 1]];
        row.sort_by_key(|&(to, _)| to); // stable: an edge met twice keeps its first weight
        let mut previous = None;
        for &(to, at) in row.iter() {
            if previous != Some(to) {
                previous = Some(to);
                targets.push(to);
                kept.push(weights[at]);
            }
        }
        ptr[from + 1] = targets.len() as i64;
    }
    Ok((ptr, targets, kept))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_rows_list_each_edge_once_by_source_then_target() {
        let (ptr, targets, weights) = compressed(4, &[2, 0, 2, 0, 2], &[1, 3, 0, 3, 1], &[5, 6, 7, 8, 9]).unwrap();
        assert_eq!(ptr, vec![0, 1, 1, 3, 3]);
        assert_eq!(targets, vec![3, 0, 1]);
        assert_eq!(weights, vec![6, 7, 5]); // the first 0 -> 3 and 2 -> 1 kept
        assert!(compressed(2, &[0], &[2], &[1]).is_err());
        assert_eq!(compressed(2, &[], &[], &[]).unwrap(), (vec![0, 0, 0], vec![], vec![]));
    }

    fn row(a: [i64; 4], b: [i64; 4], matched: i64) -> Vec<i64> {
        [a.as_slice(), b.as_slice(), &[matched]].concat()
    }

    #[test]
    fn ids_follow_span_order_and_pairs_keep_their_best_score() {
        let rows = [
            row([9, 2, 0, 10], [4, 1, 5, 15], 3),
            row([4, 1, 5, 15], [9, 2, 0, 10], 7),
            row([4, 1, 0, 10], [9, 2, 0, 10], 2),
        ]
        .concat();
        let built = build(&rows);
        assert_eq!(built.nodes, vec![[4, 1, 0, 10], [4, 1, 5, 15], [9, 2, 0, 10]]);
        assert_eq!(built.met, vec![2, 1, 0]);
        assert_eq!((built.left.clone(), built.right.clone()), (vec![2, 1, 0], vec![1, 2, 2]));
        assert_eq!((built.pairs.clone(), built.scores.clone()), (vec![[1, 2], [0, 2]], vec![7, 2]));
        // [0, 10) and [5, 15) share 5 of 10 characters: half, so joined.
        assert_eq!(built.joined, vec![[0, 1]]);
        assert!(built.partly.is_empty());
    }

    #[test]
    fn a_small_overlap_is_partial_not_joined() {
        let rows = [row([4, 1, 0, 10], [9, 2, 0, 10], 3), row([4, 1, 8, 20], [8, 3, 0, 10], 3)].concat();
        let built = build(&rows);
        assert!(built.joined.is_empty());
        assert_eq!(built.partly, vec![0, 1]);
    }

    #[test]
    fn no_rows_no_graph() {
        assert_eq!(build(&[]), Built::default());
    }

    #[test]
    fn walks_take_the_lowest_id_among_equally_close_neighbours() {
        // 0 - 1 - 3, 0 - 2 - 3, 3 - 4: from 3, both 1 and 2 are one step closer to 0.
        let indptr = [0, 2, 4, 6, 9, 10];
        let indices = [1, 2, 0, 3, 0, 3, 1, 2, 4, 3];
        let (reached, levels, steps) = walks(&indptr, &indices, &[0]).unwrap();
        assert_eq!(reached, vec![0, 1, 2, 3, 4]);
        assert_eq!(levels, vec![0, 1, 1, 2, 3]);
        assert_eq!(steps, vec![-1, 0, 0, 1, 3]);
    }

    #[test]
    fn walks_stay_in_the_targets_component() {
        let indptr = [0, 1, 2, 3, 4];
        let indices = [1, 0, 3, 2];
        let (reached, levels, _) = walks(&indptr, &indices, &[1, 1]).unwrap();
        assert_eq!((reached, levels), (vec![1, 0], vec![0, 1]));
    }

    #[test]
    fn walks_check_only_the_rows_they_read() {
        // Node 3's row points past `indices` and node 2 lists an unknown node 9, but the
        // walk from 0 never reaches them.
        let indptr = [0, 1, 2, 3, 99];
        let indices = [1, 0, 9];
        assert_eq!(walks(&indptr, &indices, &[0]).unwrap(), (vec![0, 1], vec![0, 1], vec![-1, 0]));
        assert!(walks(&indptr, &indices, &[2]).unwrap_err().contains("node 9"));
        assert!(walks(&indptr, &indices, &[3]).unwrap_err().contains("indptr"));
        assert!(walks(&indptr, &indices, &[4]).unwrap_err().contains("not below 4"));
        assert!(walks(&[0, 1, 1], &[1], &[0]).unwrap_err().contains("closer"));
    }
}
