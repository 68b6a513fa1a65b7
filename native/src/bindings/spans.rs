//! The span graph: building it from match rows, and its walks.

use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::prelude::*;

use super::{contiguous, value_error, Array};
use crate::spans;

type Array1<'py> = Array<'py, i64>;
type Array2<'py> = Bound<'py, PyArray2<i64>>;
/// `(nodes, met, left, pairs, scores, joined, partly)`, see `spans::Built`.
type Graph<'py> = (Array2<'py>, Array1<'py>, Array1<'py>, Array2<'py>, Array1<'py>, Array2<'py>, Array1<'py>);

fn rows_array<'py, const N: usize>(py: Python<'py>, rows: Vec<[i64; N]>) -> PyResult<Array2<'py>> {
    let count = rows.len();
    PyArray1::from_vec(py, rows.into_iter().flatten().collect()).reshape([count, N])
}

/// The span graph of the `(m, 9)` match rows `(a_unit, a_doc, a_start, a_end, b_unit,
/// b_doc, b_start, b_end, matched)`: `(nodes, met, left, pairs, scores, joined, partly)`:
/// the spans `(unit, doc, start, end)` in id order (sorted by unit, start, end, doc),
/// their ids in the order the rows first meet them, each row's `a` span id, each pair
/// once `(low, high)` with its best score, same-paragraph overlap edges, and the spans
/// partly overlapping another of their paragraph.
#[pyfunction]
fn span_graph<'py>(py: Python<'py>, rows: PyReadonlyArray2<'py, i64>) -> PyResult<Graph<'py>> {
    if rows.shape()[1] != spans::ROW {
        return Err(value_error("rows must be an (m, 9) array".to_owned()));
    }
    let values = contiguous(&rows, "rows")?;
    let built = py.detach(|| spans::build(values));
    Ok((
        rows_array(py, built.nodes)?,
        PyArray1::from_vec(py, built.met),
        PyArray1::from_vec(py, built.left),
        rows_array(py, built.pairs)?,
        PyArray1::from_vec(py, built.scores),
        rows_array(py, built.joined)?,
        PyArray1::from_vec(py, built.partly),
    ))
}

/// A breadth-first walk from `targets` over the adjacency `indptr`/`indices` (CSR, each
/// node's neighbours ascending): `(reached, distance, step)` (see `spans::walks`). Only the
/// rows the walk reads are checked: a refresh makes thousands of walks over one graph.
#[pyfunction]
fn span_walks<'py>(
    py: Python<'py>,
    indptr: PyReadonlyArray1<'py, i64>,
    indices: PyReadonlyArray1<'py, i64>,
    targets: PyReadonlyArray1<'py, i64>,
) -> PyResult<(Array1<'py>, Array1<'py>, Array1<'py>)> {
    let (indptr, indices, targets) =
        (contiguous(&indptr, "indptr")?, contiguous(&indices, "indices")?, contiguous(&targets, "targets")?);
    if indptr.first().is_some_and(|&first| first != 0) {
        return Err(value_error("indptr must rise from 0 to len(indices)".to_owned()));
    }
    let (reached, levels, steps) = py.detach(|| spans::walks(indptr, indices, targets)).map_err(value_error)?;
    Ok((PyArray1::from_vec(py, reached), PyArray1::from_vec(py, levels), PyArray1::from_vec(py, steps)))
}

/// Compressed rows `(ptr, targets, weights)` of the edges `source -> target` over nodes
/// `0..count`, each edge once (see `spans::compressed`).
#[pyfunction]
fn compressed_rows<'py>(
    py: Python<'py>,
    count: usize,
    source: PyReadonlyArray1<'py, i64>,
    target: PyReadonlyArray1<'py, i64>,
    weights: PyReadonlyArray1<'py, i64>,
) -> PyResult<(Array1<'py>, Array1<'py>, Array1<'py>)> {
    let (source, target, weights) =
        (contiguous(&source, "source")?, contiguous(&target, "target")?, contiguous(&weights, "weights")?);
    let (ptr, targets, kept) = py.detach(|| spans::compressed(count, source, target, weights)).map_err(value_error)?;
    Ok((PyArray1::from_vec(py, ptr), PyArray1::from_vec(py, targets), PyArray1::from_vec(py, kept)))
}

pub(super) fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(compressed_rows, module)?)?;
    module.add_function(wrap_pyfunction!(span_graph, module)?)?;
    module.add_function(wrap_pyfunction!(span_walks, module)?)?;
    Ok(())
}
