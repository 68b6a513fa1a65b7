//! Edge lists: connected components (the clusters of the span graph) and an order of
//! the edges that keeps edges sharing nodes together (verification's chunks).
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

/// A permutation of the edges `left[i] - right[i]` in which edges sharing nodes come
/// close: nodes numbered in Cuthill-McKee order (breadth first from a node of least
/// degree in each component, neighbours taken by increasing degree, so neighbours get
/// near numbers), edges ordered by the higher number of their two nodes, i.e. as the
/// search reaches them (ties in input order). Depends only on the edges as given.
pub fn locality_order(left: &[i64], right: &[i64]) -> Vec<i64> {
    let (count, slots) = node_slots(left, right);
    let (ends_left, ends_right) = slots.split_at(left.len());
    let mut degree = vec![0u32; count];
    for &slot in &slots {
        degree[slot as usize] += 1;
    }
    let mut offsets = Vec::with_capacity(count + 1);
    offsets.push(0usize);
    for &d in &degree {
        offsets.push(offsets.last().copied().unwrap_or(0) + d as usize);
    }
    let mut fill = offsets[..count].to_vec();
    let mut neighbours = vec![0u32; slots.len()];
    for (&a, &b) in ends_left.iter().zip(ends_right) {
        neighbours[fill[a as usize]] = b;
        fill[a as usize] += 1;
        neighbours[fill[b as usize]] = a;
        fill[b as usize] += 1;
    }
    drop(fill);
    let mut starts: Vec<u32> = (0..count as u32).collect();
    starts.sort_unstable_by_key(|&node| (degree[node as usize], node));
    let mut number = vec![u32::MAX; count];
    let mut queue: Vec<u32> = Vec::with_capacity(count);
    let mut taken: Vec<u32> = Vec::new();
    for &start in &starts {
        if number[start as usize] != u32::MAX {
            continue;
        }
        number[start as usize] = queue.len() as u32;
        let mut head = queue.len();
        queue.push(start);
        while head < queue.len() {
            let node = queue[head] as usize;
            head += 1;
            taken.clear();
            taken.extend(
                neighbours[offsets[node]..offsets[node + 1]].iter().filter(|&&n| number[n as usize] == u32::MAX),
            );
            taken.sort_unstable_by_key(|&n| (degree[n as usize], n));
            taken.dedup();
            for &next in &taken {
                number[next as usize] = queue.len() as u32;
                queue.push(next);
            }
        }
    }
    // A counting sort by the higher number: stable, linear.
    let later: Vec<u32> =
        ends_left.iter().zip(ends_right).map(|(&a, &b)| number[a as usize].max(number[b as usize])).collect();
    let mut place = vec![0usize; count + 1];
    for &key in &later {
        place[key as usize + 1] += 1;
    }
    for i in 1..place.len() {
        place[i] += place[i - 1];
    }
    let mut order = vec![0i64; later.len()];
    for (edge, &key) in later.iter().enumerate() {
        order[place[key as usize]] = edge as i64;
        place[key as usize] += 1;
    }
    order
}

/// The number of distinct nodes, and each endpoint's slot (`left` then `right`) among
/// them in ascending id order: through a table over the id range when that is no larger
/// than the endpoints, else by binary search in the sorted distinct ids.
fn node_slots(left: &[i64], right: &[i64]) -> (usize, Vec<u32>) {
    let ends = || left.iter().chain(right).copied();
    let (Some(low), Some(high)) = (ends().min(), ends().max()) else {
        return (0, Vec::new());
    };
    let span = (high as i128 - low as i128) as usize;
    if span < 2 * (left.len() + right.len()) {
        let mut table = vec![u32::MAX; span + 1];
        for id in ends() {
            table[(id - low) as usize] = 0;
        }
        let mut count = 0u32;
        for slot in table.iter_mut().filter(|slot| **slot == 0) {
            *slot = count;
            count += 1;
        }
        return (count as usize, ends().map(|id| table[(id - low) as usize]).collect());
    }
    let mut ids: Vec<i64> = ends().collect();
    ids.sort_unstable();
    ids.dedup();
    let slots = ends().map(|id| ids.binary_search(&id).unwrap_or_default() as u32).collect();
    (ids.len(), slots)
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

    /// How many distinct nodes each run of `chunk` consecutive edges holds, summed.
    fn nodes_per_chunk(left: &[i64], right: &[i64], order: &[i64], chunk: usize) -> usize {
        order
            .chunks(chunk)
            .map(|part| {
                let mut nodes: Vec<i64> = part.iter().flat_map(|&e| [left[e as usize], right[e as usize]]).collect();
                nodes.sort_unstable();
                nodes.dedup();
                nodes.len()
            })
            .sum()
    }

    #[test]
    fn locality_order_is_a_permutation_of_the_edges() {
        let (left, right) = ([9, 1, 1, 30, 4, 9], [4, 30, 2, 2, 1, 1]);
        let mut order = locality_order(&left, &right);
        order.sort_unstable();
        assert_eq!(order, (0..6).collect::<Vec<i64>>());
        assert!(locality_order(&[], &[]).is_empty());
    }

    #[test]
    fn locality_order_keeps_cliques_together() {
        // Four cliques of five nodes (ten edges each) whose ids interleave (node 4k + c
        // is in clique c), listed edge by edge across the cliques.
        let (mut left, mut right) = (Vec::new(), Vec::new());
        for i in 0..5i64 {
            for j in i + 1..5 {
                for clique in 0..4 {
                    left.push(4 * i + clique);
                    right.push(4 * j + clique);
                }
            }
        }
        let input: Vec<i64> = (0..left.len() as i64).collect();
        assert_eq!(nodes_per_chunk(&left, &right, &input, 10), 58);
        let order = locality_order(&left, &right);
        assert_eq!(nodes_per_chunk(&left, &right, &order, 10), 20);
    }

    #[test]
    fn sparse_ids_give_the_same_order_as_dense_ones() {
        // Far-apart ids take the binary-search slots; the order is the same as for the
        // same graph on near ids (the table).
        let (left, right) = ([3i64, 5, 3, 8, 2], [5, 8, 2, 9, 9]);
        let far: (Vec<i64>, Vec<i64>) =
            (left.iter().map(|&x| x << 40).collect(), right.iter().map(|&x| x << 40).collect());
        assert_eq!(locality_order(&far.0, &far.1), locality_order(&left, &right));
    }
}
