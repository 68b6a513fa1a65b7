//! The `provenance._native` module: thin wrappers over the kernels.
//!
//! Each wrapper checks its arguments (a `ValueError` says which one and why), borrows
//! the numpy buffers, releases the GIL around the work (`Python::detach`) and returns new
//! numpy arrays. Array arguments must already have the stated dtype and be contiguous:
//! the Python callers convert with `np.ascontiguousarray(x, dtype=...)`.

use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::align::{self, Acceptance, Region, Run, Scoring};
use crate::{anchors, lsh, minhash, shingle};

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

/// MinHash signatures `(units, len(a))` uint32 of units `shingles[bounds[i]:bounds[i+1]]`
/// with permutations `(a, b)` (datasketch `affine32`).
#[pyfunction]
fn minhash_signatures<'py>(
    py: Python<'py>,
    shingles: PyReadonlyArray1<'py, u32>,
    bounds: PyReadonlyArray1<'py, i64>,
    a: PyReadonlyArray1<'py, u32>,
    b: PyReadonlyArray1<'py, u32>,
) -> PyResult<Bound<'py, PyArray2<u32>>> {
    let (values, a, b) = (contiguous(&shingles, "shingles")?, contiguous(&a, "a")?, contiguous(&b, "b")?);
    if a.len() != b.len() {
        return Err(value_error(format!(
            "a and b must have one value per permutation, got {} and {}",
            a.len(),
            b.len()
        )));
    }
    let bounds = unit_bounds(contiguous(&bounds, "bounds")?, values.len(), "bounds")?;
    let units = bounds.len().saturating_sub(1);
    let out = py.detach(|| minhash::signatures(values, &bounds, a, b));
    PyArray1::from_vec(py, out).reshape([units, a.len()])
}

/// Band keys `(units, num_bands)` int64 of uint32 signatures `(units, num_perm)`.
#[pyfunction]
fn band_keys<'py>(
    py: Python<'py>,
    signatures: PyReadonlyArray2<'py, u32>,
    num_bands: i64,
    rows_per_band: i64,
) -> PyResult<Bound<'py, PyArray2<i64>>> {
    let (units, num_perm) = (signatures.shape()[0], signatures.shape()[1]);
    let values = contiguous(&signatures, "signatures")?;
    let (bands, rows) = (positive(num_bands, "num_bands")?, positive(rows_per_band, "rows_per_band")?);
    if bands.saturating_mul(rows) > num_perm {
        return Err(value_error(format!(
            "num_bands * rows_per_band ({bands} * {rows}) exceeds the signatures' {num_perm} permutations"
        )));
    }
    let keys = py.detach(|| lsh::band_keys(values, num_perm, bands, rows));
    // Keys are stored as SQLite INTEGERs: the same 64 bits, read as signed.
    let signed: Vec<i64> = keys.into_iter().map(|key| key as i64).collect();
    PyArray1::from_vec(py, signed).reshape([units, bands])
}

/// xxh3-64 of each word's UTF-8 bytes; a word with lone surrogates is hashed as Python's
/// `word.encode("utf-8", "surrogatepass")`.
///
/// Holds the GIL: the work is reading the Python strings (their UTF-8 form is cached by
/// Python), and hashing one word costs less than releasing the lock.
#[pyfunction]
fn word_hashes<'py>(py: Python<'py>, words: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyArray1<u64>>> {
    let mut out = Vec::with_capacity(words.len().unwrap_or(0));
    for word in words.try_iter()? {
        let word = word?;
        let text = word.cast::<PyString>().map_err(|_| value_error("words must be str".to_owned()))?;
        let hash = match text.to_str() {
            Ok(utf8) => shingle::word_hash(utf8.as_bytes()),
            Err(_) => {
                let encoded = text.call_method1("encode", ("utf-8", "surrogatepass"))?;
                shingle::word_hash(encoded.cast::<PyBytes>()?.as_bytes())
            }
        };
        out.push(hash);
    }
    Ok(PyArray1::from_vec(py, out))
}

/// 32-bit hashes of every `size`-word window of uint64 word hashes.
#[pyfunction]
fn shingle_hashes<'py>(
    py: Python<'py>,
    hashes: PyReadonlyArray1<'py, u64>,
    size: i64,
) -> PyResult<Bound<'py, PyArray1<u32>>> {
    let size = positive(size, "size")?;
    let hashes = contiguous(&hashes, "hashes")?;
    let out = py.detach(|| shingle::shingle_hashes(hashes, size));
    Ok(PyArray1::from_vec(py, out))
}

/// Sorted unique winnowed anchors (int64) of one paragraph's uint64 word hashes.
#[pyfunction]
fn winnowed_anchors<'py>(
    py: Python<'py>,
    hashes: PyReadonlyArray1<'py, u64>,
    size: i64,
    window: i64,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let (size, window) = (positive(size, "size")?, positive(window, "window")?);
    let hashes = contiguous(&hashes, "hashes")?;
    let out = py.detach(|| anchors::winnowed_anchors(hashes, size, window));
    Ok(PyArray1::from_vec(py, out))
}

/// Runs `(a, b, words)` as an int64 `(runs, 3)` array, sorted.
#[pyfunction]
fn runs_of<'py>(
    py: Python<'py>,
    a: PyReadonlyArray1<'py, u32>,
    b: PyReadonlyArray1<'py, u32>,
    size: i64,
) -> PyResult<Bound<'py, PyArray2<i64>>> {
    let (a, b) = (contiguous(&a, "a")?, contiguous(&b, "b")?);
    let runs = py.detach(|| align::runs_of(a, b, size));
    runs_array(py, &runs)
}

/// `(score, chain)` of sorted non-empty runs `(runs, 3)`.
#[pyfunction]
fn best_chain<'py>(
    py: Python<'py>,
    runs: PyReadonlyArray2<'py, i64>,
    scores: ScoringArgs,
) -> PyResult<(f64, Bound<'py, PyArray2<i64>>)> {
    if runs.shape()[1] != 3 || runs.shape()[0] == 0 {
        return Err(value_error("runs must be a non-empty (runs, 3) array of (a, b, words)".to_owned()));
    }
    let runs = runs_from(contiguous(&runs, "runs")?);
    let (score, chain) = py.detach(|| align::best_chain(&runs, &scoring(scores)));
    Ok((score, runs_array(py, &chain)?))
}

/// `(score, chain)` of the best chain of two streams, or `None` if they share no shingle.
#[pyfunction]
fn best_chain_region<'py>(
    py: Python<'py>,
    a: PyReadonlyArray1<'py, u32>,
    b: PyReadonlyArray1<'py, u32>,
    size: i64,
    scores: ScoringArgs,
) -> PyResult<Option<(f64, Bound<'py, PyArray2<i64>>)>> {
    let (a, b) = (contiguous(&a, "a")?, contiguous(&b, "b")?);
    let region = py.detach(|| align::best_chain_region(a, b, size, &scoring(scores)));
    region.map(|region| Ok((region.score, runs_array(py, &region.runs)?))).transpose()
}

/// Whether the region with `span` `(a_start, a_end, b_start, b_end, matched)` and
/// `runs` `(runs, 3)` passes the acceptance rule.
#[pyfunction]
fn accept(runs: PyReadonlyArray2<'_, i64>, span: (i64, i64, i64, i64, i64), rule: AcceptanceArgs) -> PyResult<bool> {
    if runs.shape()[1] != 3 {
        return Err(value_error("runs must be a (runs, 3) array of (a, b, words)".to_owned()));
    }
    let (a_start, a_end, b_start, b_end, matched) = span;
    let runs = runs_from(contiguous(&runs, "runs")?);
    let region = Region { a_start, a_end, b_start, b_end, matched, score: 0.0, runs };
    Ok(align::accept(&region, &acceptance(rule)))
}

/// The accepted regions of many pairs of shingle streams.
///
/// Stream `i` is `shingles[bounds[i]:bounds[i+1]]`; `pairs` is `(n, 2)` int64 of stream
/// indexes. Returns `(pair, scores, runs, run_bounds)`: region `r` belongs to pair
/// `pair[r]`, scores `scores[r]` and has runs `runs[run_bounds[r]:run_bounds[r+1]]`;
/// regions of one pair come best first.
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
#[pyfunction]
fn align_many<'py>(
    py: Python<'py>,
    shingles: PyReadonlyArray1<'py, u32>,
    bounds: PyReadonlyArray1<'py, i64>,
    pairs: PyReadonlyArray2<'py, i64>,
    size: i64,
    scores: ScoringArgs,
    rule: AcceptanceArgs,
    max_regions: i64,
) -> PyResult<(
    Bound<'py, PyArray1<i64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray2<i64>>,
    Bound<'py, PyArray1<i64>>,
)> {
    let values = contiguous(&shingles, "shingles")?;
    let bounds = unit_bounds(contiguous(&bounds, "bounds")?, values.len(), "bounds")?;
    let streams: Vec<&[u32]> = bounds.windows(2).map(|w| &values[w[0]..w[1]]).collect();
    if pairs.shape()[1] != 2 {
        return Err(value_error("pairs must be an (n, 2) array of stream indexes".to_owned()));
    }
    let index = |value: i64| usize::try_from(value).ok().filter(|&i| i < streams.len());
    let pairs: Vec<(usize, usize)> = contiguous(&pairs, "pairs")?
        .chunks_exact(2)
        .map(|pair| index(pair[0]).zip(index(pair[1])))
        .collect::<Option<_>>()
        .ok_or_else(|| value_error(format!("pairs must index the {} streams", streams.len())))?;
    let max_regions = usize::try_from(max_regions).unwrap_or(0);
    let (scoring, rule) = (scoring(scores), acceptance(rule));
    let found: Vec<Vec<Region>> = py.detach(|| align::align_many(&streams, &pairs, size, &scoring, &rule, max_regions));
    let (mut owner, mut region_scores, mut runs, mut run_bounds) = (Vec::new(), Vec::new(), Vec::new(), vec![0i64]);
    for (pair, regions) in found.iter().enumerate() {
        for region in regions {
            owner.push(pair as i64);
            region_scores.push(region.score);
            runs.extend_from_slice(&region.runs);
            run_bounds.push(runs.len() as i64);
        }
    }
    Ok((
        PyArray1::from_vec(py, owner),
        PyArray1::from_vec(py, region_scores),
        runs_array(py, &runs)?,
        PyArray1::from_vec(py, run_bounds),
    ))
}

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(minhash_signatures, module)?)?;
    module.add_function(wrap_pyfunction!(band_keys, module)?)?;
    module.add_function(wrap_pyfunction!(word_hashes, module)?)?;
    module.add_function(wrap_pyfunction!(shingle_hashes, module)?)?;
    module.add_function(wrap_pyfunction!(winnowed_anchors, module)?)?;
    module.add_function(wrap_pyfunction!(runs_of, module)?)?;
    module.add_function(wrap_pyfunction!(best_chain, module)?)?;
    module.add_function(wrap_pyfunction!(best_chain_region, module)?)?;
    module.add_function(wrap_pyfunction!(accept, module)?)?;
    module.add_function(wrap_pyfunction!(align_many, module)?)?;
    Ok(())
}
