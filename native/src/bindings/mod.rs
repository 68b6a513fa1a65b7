//! The `provenance._native` module: thin wrappers over the kernels.
//!
//! Each wrapper checks its arguments (a `ValueError` says which one and why), borrows
//! the numpy buffers, releases the GIL around the work (`Python::detach`) and returns new
//! numpy arrays. Array arguments must already have the stated dtype and be contiguous:
//! the Python callers convert with `np.ascontiguousarray(x, dtype=...)`.

use numpy::{PyArray1, PyArray2, PyArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::align::{Acceptance, Run, Scoring};
use crate::split;

mod align;
mod hashing;
mod spans;
mod text;

/// A one-dimensional numpy array returned to Python (the element of the tuple aliases).
type Array<'py, T> = Bound<'py, PyArray1<T>>;

/// `(match, mismatch, gap_open, gap_extend, max_gap)` of `AlignConfig`.
type ScoringArgs = (f64, f64, f64, f64, i64);
/// `(long_run, min_scattered, max_gap, min_words, min_coverage)`.
type AcceptanceArgs = (i64, i64, i64, i64, f64);

fn scoring((match_score, mismatch, gap_open, gap_extend, max_gap): ScoringArgs) -> Scoring {
    Scoring { match_score, mismatch, gap_open, gap_extend, max_gap }
}

fn acceptance((long_run, min_scattered, max_gap, min_words, min_coverage): AcceptanceArgs) -> Acceptance {
    Acceptance { long_run, min_scattered, max_gap, min_words, min_coverage }
}

fn value_error(message: String) -> PyErr {
    PyValueError::new_err(message)
}

fn contiguous<'a, T: numpy::Element, D: numpy::ndarray::Dimension>(
    array: &'a numpy::PyReadonlyArray<'_, T, D>,
    name: &str,
) -> PyResult<&'a [T]> {
    array.as_slice().map_err(|_| value_error(format!("{name} must be a C-contiguous array")))
}

/// `bounds` as slice boundaries into `length` values: non-negative, non-decreasing, the
/// last at most `length`. Unit `i` is `[bounds[i], bounds[i + 1])`.
fn unit_bounds(bounds: &[i64], length: usize, name: &str) -> PyResult<Vec<usize>> {
    let mut out = Vec::with_capacity(bounds.len());
    let mut previous = 0usize;
    for &bound in bounds {
        let bound = usize::try_from(bound).map_err(|_| value_error(format!("{name} must not be negative")))?;
        if bound < previous || bound > length {
            return Err(value_error(format!(
                "{name} must be non-decreasing offsets into the {length} values (cumulative lengths, starting at 0)"
            )));
        }
        out.push(bound);
        previous = bound;
    }
    Ok(out)
}

fn positive(value: i64, name: &str) -> PyResult<usize> {
    match usize::try_from(value) {
        Ok(value) if value >= 1 => Ok(value),
        _ => Err(value_error(format!("{name} must be at least 1, got {value}"))),
    }
}

fn runs_array<'py>(py: Python<'py>, runs: &[Run]) -> PyResult<Bound<'py, PyArray2<i64>>> {
    let flat: Vec<i64> = runs.iter().flat_map(|r| [r.a, r.b, r.len]).collect();
    PyArray1::from_vec(py, flat).reshape([runs.len(), 3])
}

fn runs_from(runs: &[i64]) -> Vec<Run> {
    runs.chunks_exact(3).map(|r| Run { a: r[0], b: r[1], len: r[2] }).collect()
}

/// `work` on `threads` rayon threads (a pool of its own), or on the shared pool (every
/// core) for `threads == 0`: how a benchmark measures a kernel on one core.
fn on_threads<T: Send>(threads: i64, work: impl FnOnce() -> T + Send) -> PyResult<T> {
    if threads == 0 {
        return Ok(work());
    }
    let threads = positive(threads, "threads")?;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().map_err(|e| value_error(e.to_string()))?;
    Ok(pool.install(work))
}

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add("ABBREVIATIONS", PyTuple::new(module.py(), split::ABBREVIATIONS)?)?;
    module.add("FILTER_BITS_PER_KEY", crate::filters::BITS_PER_KEY)?;
    text::register(module)?;
    hashing::register(module)?;
    align::register(module)?;
    spans::register(module)?;
    Ok(())
}
