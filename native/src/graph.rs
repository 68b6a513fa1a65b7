//! Connected components of an edge list: the clusters of the span graph.
//!
//! Union-find with path halving and union by size, over the sorted distinct node ids
//! (one sort of all endpoints gives each its slot). Labels are the components numbered by their
//! smallest node, so they do not depend on the order of the edges.

/// `(ids, labels)`: every node on an edge, ascending, and its component's label (equal
/// labels, same component; components numbered 0.. in the order of their smallest node).
pub fn components(left: &[i64], right: &[i64]) -> (Vec<i64>, Vec<i64>) {
    // Slots: every endpoint sorted once with its position (no search per endpoint).
    let mut ends: Vec<(i64, u32)> = left.iter().chain(right).zip(0u32..).map(|(&id, at)| (id, at)).collect();
    ends.sort_unstable();
    let mut ids: Vec<i64> = Vec::new();
    let mut slot_of = vec![0usize; ends.len()];
    for &(id, at) in &ends {
        if ids.last() != Some(&id) {
            ids.push(id);
        }
        slot_of[at as usize] = ids.len() - 1;
    }
    let (slots_left, slots_right) = slot_of.split_at(left.len());
    let mut parent: Vec<usize> = (0..ids.len()).collect();
    let mut size = vec![1usize; ids.len()];
    for (&a, &b) in slots_left.iter().zip(slots_right) {
        let (mut x, mut y) = (find(&mut parent, a), find(&mut parent, b));
        if x == y {
            continue;
        }
        if size[x] < size[y] {
            std::mem::swap(&mut x, &mut y);
        }
        parent[y] = x;
        size[x] += size[y];
    }
    let mut label_of_root = vec![-1i64; ids.len()];
    let mut next = 0i64;
    let labels = (0..ids.len())
        .map(|node| {
            let root = find(&mut parent, node);
            if label_of_root[root] < 0 {
                label_of_root[root] = next;
                next += 1;
            }
            label_of_root[root]
        })
        .collect();
    (ids, labels)
}

fn find(parent: &mut [usize], mut node: usize) -> usize {
    while parent[node] != node {
        parent[node] = parent[parent[node]];
        node = parent[node];
    }
    node
}

/// Python's `repr` of the sorted list of a cluster's match edges, each
/// `((a_unit, a_doc, a_start, a_end), (b_unit, b_doc, b_start, b_end), matched)`: `rows`
/// holds those 9 values per edge. Sorting the flat rows orders them as Python orders the
/// tuples, and integers print as `repr` prints them, so a cluster's stored signature (a
/// digest of this text) is the same whichever side builds it.
pub fn edges_repr(rows: &[i64]) -> String {
    use std::fmt::Write;
    let mut edges: Vec<[i64; 9]> = rows.chunks_exact(9).map(|row| std::array::from_fn(|i| row[i])).collect();
    edges.sort_unstable();
    let mut out = String::with_capacity(edges.len() * 72 + 2);
    out.push('[');
    for (i, e) in edges.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(
            out,
            "(({}, {}, {}, {}), ({}, {}, {}, {}), {})",
            e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7], e[8]
        );
    }
    out.push(']');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_print_sorted_as_python_reprs_them() {
        let rows = [5, 1, 0, 9, 2, 0, 3, 4, 7, -1, 2, 10, 20, 3, 1, 0, 5, 12];
        assert_eq!(edges_repr(&rows), "[((-1, 2, 10, 20), (3, 1, 0, 5), 12), ((5, 1, 0, 9), (2, 0, 3, 4), 7)]");
        assert_eq!(edges_repr(&[]), "[]");
    }

    #[test]
    fn nodes_joined_by_a_chain_share_a_label() {
        let (ids, labels) = components(&[5, 7, 1], &[7, 9, 3]);
        assert_eq!(ids, vec![1, 3, 5, 7, 9]);
        assert_eq!(labels, vec![0, 0, 1, 1, 1]);
    }

    #[test]
    fn no_edges_no_nodes() {
        assert_eq!(components(&[], &[]), (vec![], vec![]));
    }

    #[test]
    fn labels_do_not_depend_on_edge_order() {
        let (left, right) = ([4, 2, 8, 2], [2, 6, 10, 4]);
        let forward = components(&left, &right);
        let (mut l, mut r) = (left.to_vec(), right.to_vec());
        l.reverse();
        r.reverse();
        assert_eq!(components(&r, &l), forward);
        assert_eq!(forward.1, vec![0, 0, 0, 1, 1]);
    }
}
