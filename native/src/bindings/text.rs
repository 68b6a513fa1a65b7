//! The text stage: words with offsets, splitting, units of whole batches.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};

use super::{positive, value_error};
use crate::normalise::{self, FoldCache, Repair};
use crate::offsets::{byte_offset, CharOffsets};
use crate::split;
use crate::units::{self, Boilerplate, TextParams};

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

pub(super) fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(tokenise, module)?)?;
    module.add_function(wrap_pyfunction!(normalise_word, module)?)?;
    module.add_function(wrap_pyfunction!(split_paragraphs, module)?)?;
    module.add_function(wrap_pyfunction!(split_sentences, module)?)?;
    module.add_function(wrap_pyfunction!(group_segments, module)?)?;
    module.add_function(wrap_pyfunction!(split_document, module)?)?;
    module.add_function(wrap_pyfunction!(text_units, module)?)?;
    Ok(())
}
