//! The `provenance._native` module: thin wrappers over the kernels.
//!
//! Each wrapper checks its arguments (a `ValueError` says which one and why), borrows
//! the numpy buffers, releases the GIL around the work (`Python::detach`) and returns new
//! numpy arrays. Array arguments must already have the stated dtype and be contiguous:
//! the Python callers convert with `np.ascontiguousarray(x, dtype=...)`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};

use crate::align::{self, Acceptance, Region, Run, Scoring};
use crate::normalise::{self, FoldCache, Repair};
use crate::offsets::{byte_offset, CharOffsets};
use crate::units::{self, Boilerplate, TextParams};
use crate::{anchors, graph, lsh, minhash, shingle, split};

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
type Concatenated<'py> = (Bound<'py, PyArray1<u32>>, Bound<'py, PyArray1<i64>>);

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

/// Two int64 arrays returned together.
type Int64Pair<'py> = (Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<i64>>);

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

// ---- The text stage -------------------------------------------------------------------

/// The UTF-8 of a Python `str`. A lone surrogate (no UTF-8 form) becomes one private-use
/// character U+F0000 + (surrogate - U+D800): still one code point, never part of a word,
/// never whitespace, so every offset is the same.
fn text_of<'a>(text: &'a Bound<'_, PyString>) -> PyResult<Cow<'a, str>> {
    if let Ok(utf8) = text.to_str() {
        return Ok(Cow::Borrowed(utf8));
    }
    let encoded = text.call_method1("encode", ("utf-8", "surrogatepass"))?;
    let bytes = encoded.cast::<PyBytes>()?.as_bytes();
    let mut out = String::with_capacity(bytes.len() + 8);
    let mut rest = bytes;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                out.push_str(valid);
                break;
            }
            Err(error) => {
                let (valid, tail) = rest.split_at(error.valid_up_to());
                out.push_str(std::str::from_utf8(valid).map_err(|e| value_error(e.to_string()))?);
                // surrogatepass writes U+D800..U+DFFF as ED A0..BF 80..BF.
                let [0xED, high, low, ..] = *tail else {
                    return Err(value_error("text is not valid UTF-8 with surrogates".to_owned()));
                };
                let surrogate = 0xD000 + ((u32::from(high) & 0x3F) << 6) + (u32::from(low) & 0x3F);
                out.extend(char::from_u32(0xF0000 + surrogate - 0xD800));
                rest = &tail[3..];
            }
        }
    }
    Ok(Cow::Owned(out))
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The first error a Python callback raised on any thread; raised once the batch is done.
#[derive(Default)]
struct FirstError(Mutex<Option<PyErr>>);

impl FirstError {
    fn keep(&self, error: PyErr) {
        locked(&self.0).get_or_insert(error);
    }

    fn check(self) -> PyResult<()> {
        self.0.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner()).map_or(Ok(()), Err)
    }
}

/// Mojibake repair by a Python callable (`ftfy.fix_encoding`), each distinct run asked once.
struct PyRepair<'a> {
    function: &'a Py<PyAny>,
    seen: Mutex<HashMap<String, Option<String>>>,
    error: &'a FirstError,
}

impl Repair for PyRepair<'_> {
    fn fix(&self, run: &str) -> Option<String> {
        if let Some(known) = locked(&self.seen).get(run) {
            return known.clone();
        }
        let fixed = Python::attach(|py| self.function.call1(py, (run,))?.extract::<String>(py));
        match fixed {
            Ok(fixed) => {
                let fixed = (fixed != run).then_some(fixed);
                locked(&self.seen).insert(run.to_owned(), fixed.clone());
                fixed
            }
            Err(error) => {
                self.error.keep(error);
                None
            }
        }
    }
}

/// The built-in boilerplate patterns as a Python predicate over one line.
struct PyBoilerplate<'a> {
    function: &'a Py<PyAny>,
    error: &'a FirstError,
}

impl Boilerplate for PyBoilerplate<'_> {
    fn matches(&self, line: &str) -> bool {
        let found = Python::attach(|py| self.function.call1(py, (line,))?.is_truthy(py));
        found.unwrap_or_else(|error| {
            self.error.keep(error);
            false
        })
    }
}

fn non_negative(value: i64, name: &str) -> PyResult<usize> {
    usize::try_from(value).map_err(|_| value_error(format!("{name} must not be negative, got {value}")))
}

/// Byte range of the `str` slice `[start, end)` (`end=None`: to the end), Python's
/// clamping of slice bounds included.
fn byte_span(text: &str, start: usize, end: Option<usize>) -> (usize, usize) {
    let end = end.map_or(text.len(), |end| byte_offset(text, end));
    (byte_offset(text, start).min(end), end)
}

/// The normalised words of `text[start:end]`: `(words, starts, ends)`, offsets into `text`.
#[pyfunction]
#[pyo3(signature = (text, start, end, fix_encoding))]
fn tokenise<'py>(
    py: Python<'py>,
    text: &Bound<'py, PyString>,
    start: i64,
    end: Option<i64>,
    fix_encoding: Py<PyAny>,
) -> PyResult<(Bound<'py, PyList>, Vec<u32>, Vec<u32>)> {
    let text = text_of(text)?;
    let (start, end) =
        byte_span(&text, non_negative(start, "start")?, end.map(|e| non_negative(e, "end")).transpose()?);
    let error = FirstError::default();
    let repair = PyRepair { function: &fix_encoding, seen: Mutex::default(), error: &error };
    let words = normalise::tokenise(&text, start, end, &CharOffsets::new(&text), &repair, &mut FoldCache::new());
    error.check()?;
    Ok((PyList::new(py, words.texts())?, words.starts, words.ends))
}

/// The normalised parts of one word.
#[pyfunction]
fn normalise_word(word: &Bound<'_, PyString>, fix_encoding: Py<PyAny>) -> PyResult<Vec<String>> {
    let word = text_of(word)?;
    let error = FirstError::default();
    let repair = PyRepair { function: &fix_encoding, seen: Mutex::default(), error: &error };
    let mut parts = Vec::new();
    normalise::normalise_word(&word, &repair, &mut parts);
    error.check()?;
    Ok(parts)
}

fn char_spans(offsets: &CharOffsets, spans: &[(usize, usize)]) -> Vec<(usize, usize)> {
    spans.iter().map(|&(a, b)| (offsets.char_index(a), offsets.char_index(b))).collect()
}

/// `[start, end)` of each paragraph in `text[start:]`, trimmed of whitespace.
#[pyfunction]
fn split_paragraphs(text: &Bound<'_, PyString>, start: i64) -> PyResult<Vec<(usize, usize)>> {
    let text = text_of(text)?;
    let (start, _) = byte_span(&text, non_negative(start, "start")?, None);
    Ok(char_spans(&CharOffsets::new(&text), &split::split_paragraphs(&text, start)))
}

/// Sentence spans inside `text[start:end]`.
#[pyfunction]
fn split_sentences(text: &Bound<'_, PyString>, start: i64, end: i64) -> PyResult<Vec<(usize, usize)>> {
    let text = text_of(text)?;
    let (start, end) = byte_span(&text, non_negative(start, "start")?, Some(non_negative(end, "end")?));
    Ok(char_spans(&CharOffsets::new(&text), &split::split_sentences(&text, start, end)))
}

/// Consecutive sentences joined until each run has `min_words` words.
#[pyfunction]
fn group_segments(
    text: &Bound<'_, PyString>,
    sentences: Vec<(usize, usize)>,
    min_words: i64,
) -> PyResult<Vec<(usize, usize)>> {
    let text = text_of(text)?;
    let bytes: Vec<(usize, usize)> = sentences
        .iter()
        .map(|&(a, b)| {
            let (a, b) = byte_span(&text, a, Some(b));
            (a.min(b), b)
        })
        .collect();
    let segments = split::group_segments(&text, &bytes, non_negative(min_words, "min_words")?);
    Ok(char_spans(&CharOffsets::new(&text), &segments))
}

/// Paragraphs of the body: `(start, end, segments, pattern)` each (see `split_document`).
#[pyfunction]
#[pyo3(signature = (text, body_start, min_words, is_boilerplate=None))]
#[allow(clippy::type_complexity)]
fn split_document(
    text: &Bound<'_, PyString>,
    body_start: i64,
    min_words: i64,
    is_boilerplate: Option<Py<PyAny>>,
) -> PyResult<Vec<(usize, usize, Vec<(usize, usize)>, bool)>> {
    let text = text_of(text)?;
    let error = FirstError::default();
    let patterns = is_boilerplate.as_ref().map(|function| PyBoilerplate { function, error: &error });
    let offsets = CharOffsets::new(&text);
    let (body_start, min_words) = (non_negative(body_start, "body_start")?, non_negative(min_words, "min_words")?);
    let paragraphs =
        units::split_document(&text, body_start, min_words, patterns.as_ref().map(|p| p as &dyn Boilerplate));
    error.check()?;
    Ok(paragraphs
        .into_iter()
        .map(|p| (offsets.char_index(p.start), offsets.char_index(p.end), char_spans(&offsets, &p.segments), p.pattern))
        .collect())
}

/// The text stage of a batch of documents, as columns (a dict of numpy arrays; see
/// `provenance.pipeline.batch.ProcessedBatch` for their meaning). Documents are processed
/// on rayon threads without the GIL; the callables are called (with the GIL) only for
/// mojibake candidates and for lines that may match a built-in boilerplate pattern.
#[pyfunction]
#[pyo3(signature = (texts, body_starts, params, fix_encoding, is_boilerplate=None))]
fn text_units<'py>(
    py: Python<'py>,
    texts: Vec<Bound<'py, PyString>>,
    body_starts: Vec<i64>,
    params: (i64, i64, i64, i64),
    fix_encoding: Py<PyAny>,
    is_boilerplate: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    if texts.len() != body_starts.len() {
        return Err(value_error(format!(
            "texts and body_starts must have one entry per document, got {} and {}",
            texts.len(),
            body_starts.len()
        )));
    }
    let (min_words, shingle_size, anchor_size, anchor_window) = params;
    let params = TextParams {
        min_words: non_negative(min_words, "min_words")?,
        shingle_size: positive(shingle_size, "shingle_size")?,
        anchor_size: positive(anchor_size, "anchor_size")?,
        anchor_window: positive(anchor_window, "anchor_window")?,
    };
    let owned: Vec<Cow<'_, str>> = texts.iter().map(text_of).collect::<PyResult<_>>()?;
    let borrowed: Vec<&str> = owned.iter().map(|text| text.as_ref()).collect();
    let starts: Vec<usize> = body_starts.iter().map(|&s| non_negative(s, "body_starts")).collect::<PyResult<_>>()?;
    let error = FirstError::default();
    let repair = PyRepair { function: &fix_encoding, seen: Mutex::default(), error: &error };
    let patterns = is_boilerplate.as_ref().map(|function| PyBoilerplate { function, error: &error });
    let columns = py.detach(|| {
        let documents = units::process_documents(
            &borrowed,
            &starts,
            &params,
            &repair,
            patterns.as_ref().map(|p| p as &dyn Boilerplate),
        );
        units::Columns::from_documents(documents)
    });
    error.check()?;
    let out = PyDict::new(py);
    let units::Columns {
        paragraph_doc,
        paragraph_start,
        paragraph_end,
        paragraph_words,
        paragraph_fingerprint,
        paragraph_pattern,
        unit_doc,
        unit_paragraph,
        unit_is_segment,
        unit_start,
        unit_end,
        unit_words,
        unit_content_key,
        shingle_offsets,
        shingles,
        unit_tokens,
        anchor_values,
        anchor_unit,
    } = columns;
    for (name, values) in [
        ("paragraph_doc", paragraph_doc),
        ("paragraph_start", paragraph_start),
        ("paragraph_end", paragraph_end),
        ("paragraph_words", paragraph_words),
        ("paragraph_fingerprint", paragraph_fingerprint),
        ("unit_doc", unit_doc),
        ("unit_paragraph", unit_paragraph),
        ("unit_start", unit_start),
        ("unit_end", unit_end),
        ("unit_words", unit_words),
        ("unit_content_key", unit_content_key),
        ("shingle_offsets", shingle_offsets),
        ("anchor_values", anchor_values),
        ("anchor_unit", anchor_unit),
    ] {
        out.set_item(name, PyArray1::from_vec(py, values))?;
    }
    out.set_item("paragraph_pattern", PyArray1::from_vec(py, paragraph_pattern))?;
    out.set_item("unit_is_segment", PyArray1::from_vec(py, unit_is_segment))?;
    out.set_item("shingles", PyArray1::from_vec(py, shingles))?;
    let tokens: Vec<Bound<'py, PyBytes>> = unit_tokens.iter().map(|blob| PyBytes::new(py, blob)).collect();
    out.set_item("unit_tokens", PyList::new(py, tokens)?)?;
    Ok(out)
}

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add("ABBREVIATIONS", PyTuple::new(module.py(), split::ABBREVIATIONS)?)?;
    module.add_function(wrap_pyfunction!(tokenise, module)?)?;
    module.add_function(wrap_pyfunction!(normalise_word, module)?)?;
    module.add_function(wrap_pyfunction!(split_paragraphs, module)?)?;
    module.add_function(wrap_pyfunction!(split_sentences, module)?)?;
    module.add_function(wrap_pyfunction!(group_segments, module)?)?;
    module.add_function(wrap_pyfunction!(split_document, module)?)?;
    module.add_function(wrap_pyfunction!(text_units, module)?)?;
    module.add_function(wrap_pyfunction!(minhash_signatures, module)?)?;
    module.add_function(wrap_pyfunction!(band_keys, module)?)?;
    module.add_function(wrap_pyfunction!(word_hashes, module)?)?;
    module.add_function(wrap_pyfunction!(shingle_hashes, module)?)?;
    module.add_function(wrap_pyfunction!(shingle_sets, module)?)?;
    module.add_function(wrap_pyfunction!(winnowed_anchors, module)?)?;
    module.add_function(wrap_pyfunction!(connected_components, module)?)?;
    module.add_function(wrap_pyfunction!(runs_of, module)?)?;
    module.add_function(wrap_pyfunction!(best_chain, module)?)?;
    module.add_function(wrap_pyfunction!(best_chain_region, module)?)?;
    module.add_function(wrap_pyfunction!(accept, module)?)?;
    module.add_function(wrap_pyfunction!(align_many, module)?)?;
    Ok(())
}
