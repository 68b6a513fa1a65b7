//! Signatures, band keys, word and shingle hashes, anchors and components.

use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use super::{contiguous, on_threads, positive, unit_bounds, value_error, Array};
use crate::candidates::{self, Members};
use crate::{anchors, entries, filters, graph, lsh, minhash, shingle};

/// MinHash signatures `(units, len(a))` uint32 of units `shingles[bounds[i]:bounds[i+1]]`
/// with permutations `(a, b)` (datasketch `affine32`), on `threads` threads (0: all cores).
#[pyfunction]
#[pyo3(signature = (shingles, bounds, a, b, threads=0))]
fn minhash_signatures<'py>(
    py: Python<'py>,
    shingles: PyReadonlyArray1<'py, u32>,
    bounds: PyReadonlyArray1<'py, i64>,
    a: PyReadonlyArray1<'py, u32>,
    b: PyReadonlyArray1<'py, u32>,
    threads: i64,
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
    let out = py.detach(|| on_threads(threads, || minhash::signatures(values, &bounds, a, b)))?;
    PyArray1::from_vec(py, out).reshape([units, a.len()])
}

/// Sets concatenated, and their offsets.
type Concatenated<'py> = (Array<'py, u32>, Array<'py, i64>);

/// Shingle sets of many passages: passage `i` has the uint64 word hashes
/// `hashes[bounds[i]:bounds[i+1]]`. Returns `(shingles, offsets)`: each passage's sorted
/// unique uint32 shingle hashes, concatenated, and int64 offsets (what
/// `minhash_signatures` takes); on `threads` threads (0: all cores).
#[pyfunction]
#[pyo3(signature = (hashes, bounds, size, threads=0))]
fn shingle_sets<'py>(
    py: Python<'py>,
    hashes: PyReadonlyArray1<'py, u64>,
    bounds: PyReadonlyArray1<'py, i64>,
    size: i64,
    threads: i64,
) -> PyResult<Concatenated<'py>> {
    let size = positive(size, "size")?;
    let hashes = contiguous(&hashes, "hashes")?;
    let bounds = unit_bounds(contiguous(&bounds, "bounds")?, hashes.len(), "bounds")?;
    let (sets, offsets) = py.detach(|| on_threads(threads, || shingle::shingle_sets(hashes, &bounds, size)))?;
    let offsets: Vec<i64> = offsets.into_iter().map(|offset| offset as i64).collect();
    Ok((PyArray1::from_vec(py, sets), PyArray1::from_vec(py, offsets)))
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

/// Candidate pairs `(n, 2)` int64 (`a < b`, sorted, unique) of one band's bucket members,
/// given as four equal-length int64 columns (`provenance.pipeline.lsh` states the rule).
#[pyfunction]
fn candidate_pairs<'py>(
    py: Python<'py>,
    keys: PyReadonlyArray1<'py, i64>,
    units: PyReadonlyArray1<'py, i64>,
    docs: PyReadonlyArray1<'py, i64>,
    contents: PyReadonlyArray1<'py, i64>,
    limit: i64,
    first_new: i64,
) -> PyResult<Bound<'py, PyArray2<i64>>> {
    let members = Members {
        keys: contiguous(&keys, "keys")?,
        units: contiguous(&units, "units")?,
        docs: contiguous(&docs, "docs")?,
        contents: contiguous(&contents, "contents")?,
    };
    let length = members.keys.len();
    if [members.units.len(), members.docs.len(), members.contents.len()] != [length; 3] {
        return Err(value_error("keys, units, docs and contents must have the same length".to_owned()));
    }
    let limit = positive(limit, "limit")?;
    let pairs = py.detach(|| candidates::candidate_pairs(members, limit, first_new));
    pair_array(py, &pairs)
}

/// Positions `i` with `live[i]` whose `keys[i]` is in `wanted` (sorted, unique), ascending:
/// the stored members of a band's wanted buckets, read from a key run.
#[pyfunction]
fn wanted_positions<'py>(
    py: Python<'py>,
    keys: PyReadonlyArray1<'py, i64>,
    live: PyReadonlyArray1<'py, bool>,
    wanted: PyReadonlyArray1<'py, i64>,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let (keys, live, wanted) = (contiguous(&keys, "keys")?, contiguous(&live, "live")?, contiguous(&wanted, "wanted")?);
    if keys.len() != live.len() {
        return Err(value_error("keys and live must have the same length".to_owned()));
    }
    if wanted.windows(2).any(|pair| pair[0] >= pair[1]) {
        return Err(value_error("wanted must be sorted and unique".to_owned()));
    }
    let found = py.detach(|| candidates::wanted_positions(keys, live, wanted));
    Ok(PyArray1::from_vec(py, found))
}

/// Band entries `(keys, units)` sorted by key, then unit, on all cores (see
/// `entries::sort_entries`).
#[pyfunction]
fn sort_entries<'py>(
    py: Python<'py>,
    keys: PyReadonlyArray1<'py, i64>,
    units: PyReadonlyArray1<'py, i64>,
) -> PyResult<(Array<'py, i64>, Array<'py, i64>)> {
    let (keys, units) = (contiguous(&keys, "keys")?, contiguous(&units, "units")?);
    if keys.len() != units.len() {
        return Err(value_error("keys and units must have the same length".to_owned()));
    }
    let (keys, units) = py.detach(|| entries::sort_entries(keys, units));
    Ok((PyArray1::from_vec(py, keys), PyArray1::from_vec(py, units)))
}

/// The membership filter of a segment's `keys` (see `filters`): uint64 words.
#[pyfunction]
fn membership_filter<'py>(py: Python<'py>, keys: PyReadonlyArray1<'py, i64>) -> PyResult<Array<'py, u64>> {
    let keys = contiguous(&keys, "keys")?;
    let filter = py.detach(|| filters::build(keys));
    Ok(PyArray1::from_vec(py, filter))
}

/// Whether each of `keys` may be in the membership filter `words` (`False`: surely not).
#[pyfunction]
fn filter_contains<'py>(
    py: Python<'py>,
    words: PyReadonlyArray1<'py, u64>,
    keys: PyReadonlyArray1<'py, i64>,
) -> PyResult<Array<'py, bool>> {
    let (words, keys) = (contiguous(&words, "words")?, contiguous(&keys, "keys")?);
    let found = py.detach(|| filters::contains(words, keys));
    Ok(PyArray1::from_vec(py, found))
}

/// The word of a filter of `words` words that each of `keys` tests (see `filters::words_of`).
#[pyfunction]
fn filter_words<'py>(py: Python<'py>, keys: PyReadonlyArray1<'py, i64>, words: usize) -> PyResult<Array<'py, u64>> {
    let keys = contiguous(&keys, "keys")?;
    if words == 0 {
        return Err(value_error("a filter has at least one word".to_owned()));
    }
    let found = py.detach(|| filters::words_of(keys, words));
    Ok(PyArray1::from_vec(py, found))
}

/// The rows of an `(n, 2)` int64 array of pairs, sorted, each once.
#[pyfunction]
fn unique_pairs<'py>(py: Python<'py>, pairs: PyReadonlyArray2<'py, i64>) -> PyResult<Bound<'py, PyArray2<i64>>> {
    if pairs.shape()[1] != 2 {
        return Err(value_error("pairs must be an (n, 2) array".to_owned()));
    }
    let rows: Vec<(i64, i64)> = contiguous(&pairs, "pairs")?.chunks_exact(2).map(|pair| (pair[0], pair[1])).collect();
    let rows = py.detach(|| candidates::unique(rows));
    pair_array(py, &rows)
}

fn pair_array<'py>(py: Python<'py>, pairs: &[(i64, i64)]) -> PyResult<Bound<'py, PyArray2<i64>>> {
    let flat: Vec<i64> = pairs.iter().flat_map(|&(a, b)| [a, b]).collect();
    PyArray1::from_vec(py, flat).reshape([pairs.len(), 2])
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

/// Every stretch of a span of uint64 word hashes with its winnowed anchors:
/// `(firsts, lasts, bounds, values)` as `anchors::stretch_anchors` says.
#[pyfunction]
fn stretch_anchors<'py>(
    py: Python<'py>,
    hashes: PyReadonlyArray1<'py, u64>,
    size: i64,
    window: i64,
) -> PyResult<Int64Quad<'py>> {
    let (size, window) = (positive(size, "size")?, positive(window, "window")?);
    let hashes = contiguous(&hashes, "hashes")?;
    let [firsts, lasts, bounds, values] = py.detach(|| anchors::stretch_anchors(hashes, size, window));
    Ok((
        PyArray1::from_vec(py, firsts),
        PyArray1::from_vec(py, lasts),
        PyArray1::from_vec(py, bounds),
        PyArray1::from_vec(py, values),
    ))
}

/// Four int64 arrays returned together.
type Int64Quad<'py> = (Array<'py, i64>, Array<'py, i64>, Array<'py, i64>, Array<'py, i64>);

/// Two int64 arrays returned together.
type Int64Pair<'py> = (Array<'py, i64>, Array<'py, i64>);

/// `(ids, labels)`: the connected components of the edges `left[i] - right[i]`.
#[pyfunction]
fn connected_components<'py>(
    py: Python<'py>,
    left: PyReadonlyArray1<'py, i64>,
    right: PyReadonlyArray1<'py, i64>,
) -> PyResult<Int64Pair<'py>> {
    let (left, right) = (contiguous(&left, "left")?, contiguous(&right, "right")?);
    if left.len() != right.len() {
        return Err(PyValueError::new_err("left and right must have the same length"));
    }
    let (ids, labels) = py.detach(|| graph::components(left, right));
    Ok((PyArray1::from_vec(py, ids), PyArray1::from_vec(py, labels)))
}

/// A permutation (int64) of the edges `left[i] - right[i]` that keeps edges sharing
/// nodes together (see `graph::locality_order`).
#[pyfunction]
fn locality_order<'py>(
    py: Python<'py>,
    left: PyReadonlyArray1<'py, i64>,
    right: PyReadonlyArray1<'py, i64>,
) -> PyResult<Array<'py, i64>> {
    let (left, right) = (contiguous(&left, "left")?, contiguous(&right, "right")?);
    if left.len() != right.len() {
        return Err(PyValueError::new_err("left and right must have the same length"));
    }
    if left.len() + right.len() >= u32::MAX as usize {
        return Err(PyValueError::new_err("too many edges for one ordering"));
    }
    let order = py.detach(|| graph::locality_order(left, right));
    Ok(PyArray1::from_vec(py, order))
}

/// Python's `repr` of the sorted list of edges `((a...), (b...), matched)` whose 9 values
/// per edge are the rows of the `(n, 9)` array `rows`, as ASCII bytes.
#[pyfunction]
fn edges_repr<'py>(py: Python<'py>, rows: PyReadonlyArray2<'py, i64>) -> PyResult<Bound<'py, PyBytes>> {
    if rows.shape()[1] != 9 {
        return Err(value_error("rows must be an (n, 9) array".to_owned()));
    }
    let values = contiguous(&rows, "rows")?;
    let text = py.detach(|| graph::edges_repr(values));
    Ok(PyBytes::new(py, text.as_bytes()))
}

pub(super) fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(minhash_signatures, module)?)?;
    module.add_function(wrap_pyfunction!(band_keys, module)?)?;
    module.add_function(wrap_pyfunction!(candidate_pairs, module)?)?;
    module.add_function(wrap_pyfunction!(unique_pairs, module)?)?;
    module.add_function(wrap_pyfunction!(sort_entries, module)?)?;
    module.add_function(wrap_pyfunction!(membership_filter, module)?)?;
    module.add_function(wrap_pyfunction!(filter_contains, module)?)?;
    module.add_function(wrap_pyfunction!(filter_words, module)?)?;
    module.add_function(wrap_pyfunction!(wanted_positions, module)?)?;
    module.add_function(wrap_pyfunction!(word_hashes, module)?)?;
    module.add_function(wrap_pyfunction!(shingle_hashes, module)?)?;
    module.add_function(wrap_pyfunction!(shingle_sets, module)?)?;
    module.add_function(wrap_pyfunction!(winnowed_anchors, module)?)?;
    module.add_function(wrap_pyfunction!(stretch_anchors, module)?)?;
    module.add_function(wrap_pyfunction!(connected_components, module)?)?;
    module.add_function(wrap_pyfunction!(locality_order, module)?)?;
    module.add_function(wrap_pyfunction!(edges_repr, module)?)?;
    Ok(())
}
