//! The text stage of one document, and of a batch on rayon threads: paragraphs ->
//! normalised words -> matching units (whole paragraphs, and their segments when there
//! are several) with shingle sets, token streams and anchors.
//!
//! Offsets in the output are Python `str` indexes of the document text.

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

use crate::anchors::winnowed_anchors;
use crate::normalise::{is_space, tokenise, FoldCache, Repair, Words};
use crate::offsets::{byte_offset, CharOffsets};
use crate::shingle::{shingle_hashes, sorted_unique};
use crate::split::{group_segments, lines, may_be_boilerplate, split_paragraphs, split_sentences};

/// The built-in boilerplate patterns (Python's `re`, asked only of candidate lines).
pub trait Boilerplate: Sync {
    /// Whether one line (not stripped) matches a pattern.
    fn matches(&self, line: &str) -> bool;
}

/// The settings the text stage reads from `Config`.
#[derive(Debug, Clone, Copy)]
pub struct TextParams {
    /// `segment.min_words`: shorter paragraphs make no unit; segments reach it.
    pub min_words: usize,
    /// `shingle.size`: words per shingle.
    pub shingle_size: usize,
    /// `align.anchor_size` and `align.anchor_window` (see [`crate::anchors`]).
    pub anchor_size: usize,
    pub anchor_window: usize,
}

/// One paragraph: its `str` span, word count, fingerprint and built-in pattern flag.
#[derive(Debug, Clone, PartialEq)]
pub struct ParagraphOut {
    pub start: usize,
    pub end: usize,
    pub words: usize,
    /// xxh3-64 of the space-joined normalised words, read as signed.
    pub fingerprint: i64,
    pub pattern: bool,
}

/// One matching unit.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitOut {
    /// The paragraph's position in its document.
    pub paragraph: usize,
    pub is_segment: bool,
    pub start: usize,
    pub end: usize,
    pub words: usize,
    /// xxh3-64 of the shingle set as little-endian uint32, read as signed.
    pub content_key: i64,
    /// Sorted unique shingle hashes.
    pub shingles: Vec<u32>,
    /// Paragraph units: `len | starts | ends | words | shingles in order`, little-endian
    /// uint32, words being the low 32 bits of the word hashes
    /// (`provenance.pipeline.anchors.encode_tokens`); empty for segments.
    pub tokens: Vec<u8>,
    /// Paragraph units: sorted unique winnowed anchors; empty for segments.
    pub anchors: Vec<i64>,
}

/// A document's paragraphs and units.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocumentOut {
    pub paragraphs: Vec<ParagraphOut>,
    pub units: Vec<UnitOut>,
}

fn content_key(shingles: &[u32]) -> i64 {
    let bytes: Vec<u8> = shingles.iter().flat_map(|value| value.to_le_bytes()).collect();
    // Stored as a SQLite INTEGER: the same 64 bits, read as signed.
    xxh3_64(&bytes) as i64
}

fn token_stream(words: &Words, windows: &[u32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 * (1 + 3 * words.len() + windows.len()));
    // Words per paragraph are far below 2**32.
    out.extend_from_slice(&(words.len() as u32).to_le_bytes());
    for values in [&words.starts, &words.ends] {
        out.extend(values.iter().flat_map(|value| value.to_le_bytes()));
    }
    // The low 32 bits of each word hash: alignment seeds on word n-grams.
    out.extend(words.hashes.iter().flat_map(|&hash| (hash as u32).to_le_bytes()));
    out.extend(windows.iter().flat_map(|value| value.to_le_bytes()));
    out
}

fn is_pattern_paragraph(text: &str, start: usize, end: usize, boilerplate: Option<&dyn Boilerplate>) -> bool {
    let Some(patterns) = boilerplate else {
        return false;
    };
    let mut lines = lines(text, start, end)
        .into_iter()
        .map(|(a, b)| &text[a..b])
        .filter(|line| !line.trim_matches(is_space).is_empty());
    let Some(first) = lines.next() else {
        return false;
    };
    std::iter::once(first).chain(lines).all(|line| may_be_boilerplate(line) && patterns.matches(line))
}

/// Split, tokenise and cut one document (`body_start` is a `str` index) into units.
pub fn process_document(
    text: &str,
    body_start: usize,
    params: &TextParams,
    repair: &dyn Repair,
    boilerplate: Option<&dyn Boilerplate>,
) -> DocumentOut {
    let offsets = CharOffsets::new(text);
    let mut cache = FoldCache::new();
    let mut out = DocumentOut::default();
    let size = params.shingle_size;
    for (position, (start, end)) in split_paragraphs(text, byte_offset(text, body_start)).into_iter().enumerate() {
        let words = tokenise(text, start, end, &offsets, repair, &mut cache);
        let pattern = is_pattern_paragraph(text, start, end, boilerplate);
        let (char_start, char_end) = (offsets.char_index(start), offsets.char_index(end));
        out.paragraphs.push(ParagraphOut {
            start: char_start,
            end: char_end,
            words: words.len(),
            fingerprint: xxh3_64(words.joined.as_bytes()) as i64,
            pattern,
        });
        if words.len() < params.min_words || pattern {
            continue;
        }
        let windows = shingle_hashes(&words.hashes, size);
        let shingles = sorted_unique(&windows);
        out.units.push(UnitOut {
            paragraph: position,
            is_segment: false,
            start: char_start,
            end: char_end,
            words: words.len(),
            content_key: content_key(&shingles),
            shingles,
            tokens: token_stream(&words, &windows),
            anchors: winnowed_anchors(&words.hashes, params.anchor_size, params.anchor_window),
        });
        let sentences = split_sentences(text, start, end);
        let segments = group_segments(text, &sentences, params.min_words);
        if segments.len() < 2 {
            continue;
        }
        let shortest = 3.max(size.min(params.min_words));
        for (seg_start, seg_end) in segments {
            let (seg_start, seg_end) = (offsets.char_index(seg_start), offsets.char_index(seg_end));
            let first = words.starts.partition_point(|&s| (s as usize) < seg_start);
            let last = words.starts.partition_point(|&s| (s as usize) < seg_end);
            if last.saturating_sub(first) < shortest {
                continue;
            }
            // A segment's windows are the paragraph's windows that lie inside it.
            let inside = if last - first >= size {
                sorted_unique(&windows[first..last + 1 - size])
            } else {
                sorted_unique(&shingle_hashes(&words.hashes[first..last], size))
            };
            out.units.push(UnitOut {
                paragraph: position,
                is_segment: true,
                start: seg_start,
                end: seg_end,
                words: last - first,
                content_key: content_key(&inside),
                shingles: inside,
                tokens: Vec::new(),
                anchors: Vec::new(),
            });
        }
    }
    out
}

/// Paragraphs of the body (`body_start` a `str` index) as byte spans, each with its
/// segments (of at least `min_words` words, see [`group_segments`]) and whether every
/// line matches a built-in boilerplate pattern.
pub fn split_document(
    text: &str,
    body_start: usize,
    min_words: usize,
    boilerplate: Option<&dyn Boilerplate>,
) -> Vec<SplitParagraph> {
    split_paragraphs(text, byte_offset(text, body_start))
        .into_iter()
        .map(|(start, end)| SplitParagraph {
            start,
            end,
            segments: group_segments(text, &split_sentences(text, start, end), min_words),
            pattern: is_pattern_paragraph(text, start, end, boilerplate),
        })
        .collect()
}

/// A paragraph of [`split_document`], in bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct SplitParagraph {
    pub start: usize,
    pub end: usize,
    pub segments: Vec<(usize, usize)>,
    pub pattern: bool,
}

/// A batch's documents as columns: one entry per paragraph, one per unit (shingle sets
/// concatenated, unit `i`'s being `shingles[shingle_offsets[i]..shingle_offsets[i + 1]]`),
/// one per anchor.
#[derive(Debug, Default)]
pub struct Columns {
    pub paragraph_doc: Vec<i64>,
    pub paragraph_start: Vec<i64>,
    pub paragraph_end: Vec<i64>,
    pub paragraph_words: Vec<i64>,
    pub paragraph_fingerprint: Vec<i64>,
    pub paragraph_pattern: Vec<bool>,
    pub unit_doc: Vec<i64>,
    pub unit_paragraph: Vec<i64>,
    pub unit_is_segment: Vec<bool>,
    pub unit_start: Vec<i64>,
    pub unit_end: Vec<i64>,
    pub unit_words: Vec<i64>,
    pub unit_content_key: Vec<i64>,
    pub shingle_offsets: Vec<i64>,
    pub shingles: Vec<u32>,
    pub unit_tokens: Vec<Vec<u8>>,
    pub anchor_values: Vec<i64>,
    /// The unit (position in the batch) of each anchor.
    pub anchor_unit: Vec<i64>,
}

impl Columns {
    /// Offsets and counts are far below 2**63: the casts to `i64` are lossless.
    pub fn from_documents(documents: Vec<DocumentOut>) -> Self {
        let mut columns = Columns { shingle_offsets: vec![0], ..Columns::default() };
        for (position, document) in documents.into_iter().enumerate() {
            let doc = position as i64;
            for paragraph in document.paragraphs {
                columns.paragraph_doc.push(doc);
                columns.paragraph_start.push(paragraph.start as i64);
                columns.paragraph_end.push(paragraph.end as i64);
                columns.paragraph_words.push(paragraph.words as i64);
                columns.paragraph_fingerprint.push(paragraph.fingerprint);
                columns.paragraph_pattern.push(paragraph.pattern);
            }
            for unit in document.units {
                let index = columns.unit_doc.len() as i64;
                columns.unit_doc.push(doc);
                columns.unit_paragraph.push(unit.paragraph as i64);
                columns.unit_is_segment.push(unit.is_segment);
                columns.unit_start.push(unit.start as i64);
                columns.unit_end.push(unit.end as i64);
                columns.unit_words.push(unit.words as i64);
                columns.unit_content_key.push(unit.content_key);
                columns.shingles.extend_from_slice(&unit.shingles);
                columns.shingle_offsets.push(columns.shingles.len() as i64);
                columns.unit_tokens.push(unit.tokens);
                columns.anchor_unit.extend(std::iter::repeat_n(index, unit.anchors.len()));
                columns.anchor_values.extend(unit.anchors);
            }
        }
        columns
    }
}

/// [`process_document`] for each document, on rayon threads, in input order.
pub fn process_documents(
    texts: &[&str],
    body_starts: &[usize],
    params: &TextParams,
    repair: &dyn Repair,
    boilerplate: Option<&dyn Boilerplate>,
) -> Vec<DocumentOut> {
    texts
        .par_iter()
        .zip(body_starts.par_iter())
        .map(|(text, &body_start)| process_document(text, body_start, params, repair, boilerplate))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalise::NoRepair;

    struct AllPatterns;

    impl Boilerplate for AllPatterns {
        fn matches(&self, _line: &str) -> bool {
            true
        }
    }

    const PARAMS: TextParams = TextParams { min_words: 4, shingle_size: 3, anchor_size: 2, anchor_window: 2 };

    #[test]
    fn short_paragraphs_make_no_unit_and_long_ones_get_segments() {
        let text = "Title\n\nToo short.\n\nThe first sentence is here. The second sentence is here.";
        let out = process_document(text, 7, &PARAMS, &NoRepair, None);
        let spans: Vec<(usize, usize, usize)> = out.paragraphs.iter().map(|p| (p.start, p.end, p.words)).collect();
        assert_eq!(spans, vec![(7, 17, 2), (19, text.len(), 10)]);
        let units: Vec<(bool, &str, usize)> =
            out.units.iter().map(|u| (u.is_segment, &text[u.start..u.end], u.words)).collect();
        assert_eq!(
            units,
            vec![
                (false, &text[19..], 10),
                (true, "The first sentence is here.", 5),
                (true, "The second sentence is here.", 5)
            ]
        );
        assert_eq!(out.units[0].shingles.len(), 7); // "sentence is here" twice
        assert_eq!(out.units[0].tokens.len(), 4 * (1 + 10 + 10 + 10 + 8));
    }

    #[test]
    fn pattern_paragraphs_make_no_unit() {
        let text = "Follow us on Twitter for more.";
        let out = process_document(text, 0, &PARAMS, &NoRepair, Some(&AllPatterns));
        assert!(out.paragraphs[0].pattern && out.units.is_empty());
        let plain = process_document("The mayor said no.", 0, &PARAMS, &NoRepair, Some(&AllPatterns));
        assert!(!plain.paragraphs[0].pattern);
    }

    #[test]
    fn a_batch_equals_its_documents_one_by_one() {
        let texts =
            ["One two three four five.", "", "Caf\u{e9} \u{fc}ber alles und so weiter. Zwei drei vier f\u{fc}nf."];
        let batch = process_documents(&texts, &[0, 0, 0], &PARAMS, &NoRepair, None);
        for (text, out) in texts.iter().zip(&batch) {
            assert_eq!(out, &process_document(text, 0, &PARAMS, &NoRepair, None));
        }
    }
}
