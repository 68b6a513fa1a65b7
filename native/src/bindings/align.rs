//! Alignment: runs, chains, the acceptance rule and many pairs at once.

use numpy::{PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::prelude::*;

use super::{
    acceptance, contiguous, positive, runs_array, runs_from, scoring, unit_bounds, value_error, AcceptanceArgs, Array,
    ScoringArgs,
};
use crate::align::{self, Region};
use crate::realign::{self as realigning, Side};
use crate::streams;
use crate::verify::{self, Passage, Settings, Verified};

/// `pairs`, an `(n, 2)` int64 array, as pairs of indexes below `count`.
fn stream_pairs(pairs: &PyReadonlyArray2<'_, i64>, count: usize) -> PyResult<Vec<(usize, usize)>> {
    if pairs.shape()[1] != 2 {
        return Err(value_error("pairs must be an (n, 2) array of stream indexes".to_owned()));
    }
    let index = |value: i64| usize::try_from(value).ok().filter(|&i| i < count);
    contiguous(pairs, "pairs")?
        .chunks_exact(2)
        .map(|pair| index(pair[0]).zip(index(pair[1])))
        .collect::<Option<_>>()
        .ok_or_else(|| value_error(format!("pairs must index the {count} streams")))
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
    let pairs = stream_pairs(&pairs, streams.len())?;
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

/// One side of [`realign`]: seeds, shingles, the words' `str` starts and ends, and a
/// range of words (or of `str` offsets, with `offsets`).
type SideArgs<'py> = (
    PyReadonlyArray1<'py, u32>,
    PyReadonlyArray1<'py, u32>,
    PyReadonlyArray1<'py, i64>,
    PyReadonlyArray1<'py, i64>,
    (i64, i64),
);
/// `(a_words, b_words, matched, similarity, shared, jaccard, containment)`.
type RealignedTuple = ((i64, i64), (i64, i64), i64, f64, i64, f64, f64);

/// Two word ranges aligned once more (best chain of `seed`-word seeds inside them) and
/// measured (`size`-word shingles): the ranges narrowed to the region, matched words and
/// measures; with `rule`, `None` unless the region passes it. With `offsets`, each range
/// is a `str` span, standing for the words lying inside it.
#[allow(clippy::too_many_arguments)]
#[pyfunction]
#[pyo3(signature = (a, b, seed, size, scores, rule=None, offsets=false))]
fn realign(
    py: Python<'_>,
    a: SideArgs<'_>,
    b: SideArgs<'_>,
    seed: i64,
    size: i64,
    scores: ScoringArgs,
    rule: Option<AcceptanceArgs>,
    offsets: bool,
) -> PyResult<Option<RealignedTuple>> {
    positive(seed, "seed")?;
    positive(size, "size")?;
    let (a, b) = (side(&a, "a", offsets)?, side(&b, "b", offsets)?);
    let rule = rule.map(acceptance);
    let found = py.detach(|| realigning::realign(&a, &b, seed, size, &scoring(scores), rule.as_ref()));
    Ok(found.map(|r| {
        let m = r.measures;
        (r.a_words, r.b_words, r.matched, m.similarity, m.shared, m.jaccard, m.containment)
    }))
}

/// A [`SideArgs`] checked and its range made a word range.
fn side<'a>(args: &'a SideArgs<'_>, name: &str, offsets: bool) -> PyResult<Side<'a>> {
    let (seeds, shingles, starts, ends, range) = args;
    let (starts, ends) = (contiguous(starts, name)?, contiguous(ends, name)?);
    if starts.len() != ends.len() {
        return Err(value_error(format!("{name}: starts and ends must have one entry per word")));
    }
    let words = if offsets { realigning::words_inside(starts, ends, *range) } else { *range };
    if words.0 < 0 || words.1 < words.0 {
        return Err(value_error(format!("{name}: words must be a range [first, last) of a stream, got {words:?}")));
    }
    let (seeds, shingles) = (contiguous(seeds, name)?, contiguous(shingles, name)?);
    Ok(Side { seeds, shingles, len: starts.len() as i64, words })
}

/// `(similarity, shared, jaccard, containment)` of words `a_words` of the shingle
/// stream `a` against `b_words` of `b`, with `matched` aligned words.
#[pyfunction]
fn measure(
    a: PyReadonlyArray1<'_, u32>,
    a_words: (i64, i64),
    b: PyReadonlyArray1<'_, u32>,
    b_words: (i64, i64),
    matched: i64,
    size: i64,
) -> PyResult<(f64, i64, f64, f64)> {
    positive(size, "size")?;
    if a_words.0 < 0 || a_words.1 < 0 || b_words.0 < 0 || b_words.1 < 0 {
        return Err(value_error(format!("word ranges must not be negative, got {a_words:?} and {b_words:?}")));
    }
    let (a, b) = (contiguous(&a, "a")?, contiguous(&b, "b")?);
    let m = verify::measure(a, a_words, b, b_words, matched, size);
    Ok((m.similarity, m.shared, m.jaccard, m.containment))
}

/// The columns of verified regions: pair, `str` offsets `a_start, a_end, b_start, b_end`,
/// similarity, shared, jaccard, containment, matched.
type VerifiedColumns<'py> = (
    Array<'py, i64>,
    Array<'py, i64>,
    Array<'py, i64>,
    Array<'py, i64>,
    Array<'py, i64>,
    Array<'py, f64>,
    Array<'py, i64>,
    Array<'py, f64>,
    Array<'py, f64>,
    Array<'py, i64>,
);

/// Every accepted region of many pairs of paragraphs, measured, as columns.
///
/// Paragraph `i` has the words `[word_bounds[i], word_bounds[i+1])` of `words` (uint64
/// hashes), `starts` and `ends` (int64 `str` offsets), and the shingle stream
/// `shingles[shingle_bounds[i]:shingle_bounds[i+1]]`; `pairs` is `(n, 2)` int64 of
/// paragraph indexes. Returns [`VerifiedColumns`]: region `r` belongs to pair `pair[r]`;
/// regions come in pair order, best first within a pair.
#[allow(clippy::too_many_arguments)]
#[pyfunction]
fn verify_many<'py>(
    py: Python<'py>,
    words: PyReadonlyArray1<'py, u64>,
    starts: PyReadonlyArray1<'py, i64>,
    ends: PyReadonlyArray1<'py, i64>,
    word_bounds: PyReadonlyArray1<'py, i64>,
    shingles: PyReadonlyArray1<'py, u32>,
    shingle_bounds: PyReadonlyArray1<'py, i64>,
    pairs: PyReadonlyArray2<'py, i64>,
    sizes: (i64, i64),
    scores: ScoringArgs,
    rule: AcceptanceArgs,
    max_regions: i64,
) -> PyResult<VerifiedColumns<'py>> {
    let (words, starts, ends) =
        (contiguous(&words, "words")?, contiguous(&starts, "starts")?, contiguous(&ends, "ends")?);
    if starts.len() != words.len() || ends.len() != words.len() {
        return Err(value_error(format!(
            "words, starts and ends must have one value per word, got {}, {} and {}",
            words.len(),
            starts.len(),
            ends.len()
        )));
    }
    let word_bounds = unit_bounds(contiguous(&word_bounds, "word_bounds")?, words.len(), "word_bounds")?;
    let shingles = contiguous(&shingles, "shingles")?;
    let shingle_bounds = unit_bounds(contiguous(&shingle_bounds, "shingle_bounds")?, shingles.len(), "shingle_bounds")?;
    if word_bounds.len() != shingle_bounds.len() {
        return Err(value_error("word_bounds and shingle_bounds must bound the same paragraphs".to_owned()));
    }
    let passages: Vec<Passage> = word_bounds
        .windows(2)
        .zip(shingle_bounds.windows(2))
        .map(|(w, s)| Passage {
            words: &words[w[0]..w[1]],
            starts: &starts[w[0]..w[1]],
            ends: &ends[w[0]..w[1]],
            shingles: &shingles[s[0]..s[1]],
        })
        .collect();
    let pairs = stream_pairs(&pairs, passages.len())?;
    let settings = Settings {
        seed_size: positive(sizes.0, "seed_size")?,
        shingle_size: positive(sizes.1, "shingle_size")? as i64,
        scoring: scoring(scores),
        rule: acceptance(rule),
        max_regions: usize::try_from(max_regions).unwrap_or(0),
    };
    let found: Vec<Verified> = py.detach(|| verify::verify_many(&passages, &pairs, &settings));
    let column = |get: fn(&Verified) -> i64| PyArray1::from_vec(py, found.iter().map(get).collect());
    let float = |get: fn(&Verified) -> f64| PyArray1::from_vec(py, found.iter().map(get).collect());
    Ok((
        column(|v| v.pair as i64),
        column(|v| v.a_span.0),
        column(|v| v.a_span.1),
        column(|v| v.b_span.0),
        column(|v| v.b_span.1),
        float(|v| v.measures.similarity),
        column(|v| v.measures.shared),
        float(|v| v.measures.jaccard),
        float(|v| v.measures.containment),
        column(|v| v.matched),
    ))
}

/// The index's token streams `data[offsets[i]:offsets[i+1]]` as columns: `(bad,
/// starts, ends, words, word_bounds, shingles, shingle_bounds)`, `bad` being the index of
/// the first malformed stream (`-1` when none is; the columns are then empty).
#[pyfunction]
fn decode_streams<'py>(
    py: Python<'py>,
    data: &[u8],
    offsets: PyReadonlyArray1<'py, i64>,
) -> PyResult<DecodedStreams<'py>> {
    let offsets: Vec<usize> = contiguous(&offsets, "offsets")?
        .iter()
        .map(|&offset| usize::try_from(offset).ok().filter(|&at| at <= data.len()))
        .collect::<Option<_>>()
        .filter(|found: &Vec<usize>| found.first() == Some(&0) && found.windows(2).all(|w| w[0] <= w[1]))
        .ok_or_else(|| value_error("offsets must ascend from 0 within the data".to_owned()))?;
    let (bad, found) = match py.detach(|| streams::decode_streams(data, &offsets)) {
        Ok(found) => (-1, found),
        Err(index) => (index as i64, streams::Streams::default()),
    };
    Ok((
        bad,
        PyArray1::from_vec(py, found.starts),
        PyArray1::from_vec(py, found.ends),
        PyArray1::from_vec(py, found.words),
        PyArray1::from_vec(py, found.word_bounds),
        PyArray1::from_vec(py, found.shingles),
        PyArray1::from_vec(py, found.shingle_bounds),
    ))
}

/// What `decode_streams` returns.
type DecodedStreams<'py> =
    (i64, Array<'py, i64>, Array<'py, i64>, Array<'py, u64>, Array<'py, i64>, Array<'py, u32>, Array<'py, i64>);

pub(super) fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(runs_of, module)?)?;
    module.add_function(wrap_pyfunction!(best_chain, module)?)?;
    module.add_function(wrap_pyfunction!(best_chain_region, module)?)?;
    module.add_function(wrap_pyfunction!(accept, module)?)?;
    module.add_function(wrap_pyfunction!(align_many, module)?)?;
    module.add_function(wrap_pyfunction!(measure, module)?)?;
    module.add_function(wrap_pyfunction!(realign, module)?)?;
    module.add_function(wrap_pyfunction!(verify_many, module)?)?;
    module.add_function(wrap_pyfunction!(decode_streams, module)?)?;
    Ok(())
}
