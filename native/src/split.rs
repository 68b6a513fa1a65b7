//! Cut a document body into paragraphs, sentences and matchable segments (byte offsets).
//!
//! * Paragraphs are runs of lines (ended by `\r\n`, `\r` or `\n`) that hold a
//!   non-whitespace character, trimmed of whitespace.
//! * Sentences end, inside one line, at a run of `.!?…` (plus closing quotes and
//!   brackets) followed by whitespace, an optional opening quote or bracket and a capital,
//!   a digit or a Latin letter U+00C0..U+024F; not after a listed abbreviation or a single
//!   capital initial. A line break always ends one.
//! * Segments join consecutive sentences until they hold `min_words` words; a short tail
//!   joins the previous segment.
//!
//! Whitespace is Python's `str.isspace()` ([`crate::normalise::is_space`]).

use memchr::memchr2;

use crate::normalise::{is_letter, is_space};

/// Written as they appear in news copy: `Jan.` is an abbreviation, `jan.` ending a
/// sentence is a word (compared case-sensitively, after stripping the final periods).
pub const ABBREVIATIONS: &[&str] = &[
    "Mr", "Mrs", "Ms", "Dr", "Prof", "Sen", "Rep", "Gov", "Gen", "Col", "Lt", "Sgt", "Capt", "Cmdr", "Adm", "St", "Jr",
    "Sr", "Inc", "Co", "Corp", "Ltd", "vs", "etc", "No", "Nos", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep",
    "Sept", "Oct", "Nov", "Dec", "U.S", "U.K", "U.N", "U.S.A", "e.g", "i.e", "a.m", "p.m", "A.M", "P.M", "approx",
    "Dept", "est", "Fig", "Mt", "Ft", "Rev", "Hon", "Pres", "Supt", "Messrs",
];

/// Lines of `text[start..end]` without their line breaks: `(start, end)` of each maximal
/// run of characters other than `\r` and `\n` (none empty).
pub fn lines(text: &str, start: usize, end: usize) -> Vec<(usize, usize)> {
    let bytes = &text.as_bytes()[..end];
    let mut out = Vec::new();
    let mut cursor = start;
    while cursor < end {
        let stop = memchr2(b'\r', b'\n', &bytes[cursor..]).map_or(end, |at| cursor + at);
        if stop > cursor {
            out.push((cursor, stop));
        }
        cursor = stop + 1;
    }
    out
}

/// `(start, end)` trimmed of whitespace at both ends (empty when all whitespace).
pub fn trim(text: &str, start: usize, end: usize) -> (usize, usize) {
    let inner = &text[start..end];
    let head = inner.len() - inner.trim_start_matches(is_space).len();
    let tail = inner.trim_end_matches(is_space).len();
    if tail <= head {
        return (start + head, start + head);
    }
    (start + head, start + tail)
}

/// Paragraph spans of `text[from..]`, trimmed of whitespace.
pub fn split_paragraphs(text: &str, from: usize) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut paragraphs = Vec::new();
    let mut block: Option<(usize, usize)> = None;
    let mut cursor = from;
    while cursor < bytes.len() {
        let stop = memchr2(b'\r', b'\n', &bytes[cursor..]).map_or(bytes.len(), |at| cursor + at);
        let next = match bytes.get(stop) {
            Some(b'\r') if bytes.get(stop + 1) == Some(&b'\n') => stop + 2,
            Some(_) => stop + 1,
            None => stop,
        };
        if text[cursor..stop].chars().any(|c| !is_space(c)) {
            block = Some((block.map_or(cursor, |(first, _)| first), next));
        } else if let Some((first, last)) = block.take() {
            paragraphs.push(trim(text, first, last));
        }
        cursor = next;
    }
    if let Some((first, last)) = block {
        paragraphs.push(trim(text, first, last));
    }
    paragraphs
}

/// Whether the period at byte `stop` ends a listed abbreviation or an initial: the
/// whitespace-delimited word before it (looking back from just before a line break that
/// precedes `stop`), without opening quotes and brackets and final periods.
fn is_abbreviation(text: &str, stop: usize) -> bool {
    let end = if stop > 0 && text.as_bytes()[stop - 1] == b'\n' { stop - 1 } else { stop };
    let start = text[..end].char_indices().rev().find(|&(_, c)| is_space(c)).map_or(0, |(at, c)| at + c.len_utf8());
    if start == end {
        return false;
    }
    let word = text[start..end].trim_start_matches(['"', '\'', '(', '\u{201c}', '\u{2018}', '[']).trim_end_matches('.');
    let mut chars = word.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_uppercase() && is_letter(c) => true,
        _ => ABBREVIATIONS.contains(&word),
    }
}

fn is_sentence_end(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '\u{2026}')
}

fn is_closing(c: char) -> bool {
    matches!(c, '"' | '\'' | '\u{201d}' | '\u{2019}' | ')' | ']')
}

fn is_opening(c: char) -> bool {
    matches!(c, '"' | '\'' | '\u{201c}' | '\u{2018}' | '(' | '[')
}

fn starts_sentence(c: char) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit() || ('\u{c0}'..='\u{24f}').contains(&c)
}

/// Whether `line` (the rest of a line after a sentence-ending run) begins with
/// whitespace, then an optional opening quote or bracket, then a sentence start.
fn opens_sentence(rest: &str) -> bool {
    let after = rest.trim_start_matches(is_space);
    if after.len() == rest.len() {
        return false;
    }
    let mut chars = after.chars();
    match chars.next() {
        Some(c) if starts_sentence(c) => true,
        Some(c) if is_opening(c) => chars.next().is_some_and(starts_sentence),
        _ => false,
    }
}

/// Sentence spans inside `text[start..end]`; every span is trimmed and non-empty.
pub fn split_sentences(text: &str, start: usize, end: usize) -> Vec<(usize, usize)> {
    let mut sentences = Vec::new();
    for (line_start, line_end) in lines(text, start, end) {
        let line = &text[line_start..line_end];
        let mut cursor = line_start;
        let mut at = 0;
        while let Some(offset) = line[at..].find(is_sentence_end) {
            let run = at + offset;
            let ends = run + line[run..].len() - line[run..].trim_start_matches(is_sentence_end).len();
            let closed = ends + line[ends..].len() - line[ends..].trim_start_matches(is_closing).len();
            at = closed;
            if !opens_sentence(&line[closed..]) {
                continue;
            }
            if closed - run == 1 && line.as_bytes()[run] == b'.' && is_abbreviation(text, line_start + run) {
                continue;
            }
            sentences.push((cursor, line_start + closed));
            cursor = line_start + closed;
        }
        sentences.push((cursor, line_end));
    }
    sentences.into_iter().map(|(a, b)| trim(text, a, b)).filter(|(a, b)| b > a).collect()
}

/// Whitespace-separated words of `text[start..end]` (Python's `len(s.split())`).
pub fn count_words(text: &str, start: usize, end: usize) -> usize {
    text[start..end].split(is_space).filter(|word| !word.is_empty()).count()
}

/// Join consecutive sentences until each run has `min_words`; a short tail joins the
/// previous run, so every segment of a long-enough paragraph is long enough.
pub fn group_segments(text: &str, sentences: &[(usize, usize)], min_words: usize) -> Vec<(usize, usize)> {
    let mut segments: Vec<(usize, usize)> = Vec::new();
    let (mut run_start, mut run_words) = (None, 0);
    for &(start, end) in sentences {
        let first = *run_start.get_or_insert(start);
        run_words += count_words(text, start, end);
        if run_words >= min_words {
            segments.push((first, end));
            (run_start, run_words) = (None, 0);
        }
    }
    if let (Some(first), Some(&(_, tail_end))) = (run_start, sentences.last()) {
        match segments.last_mut() {
            Some(last) => last.1 = tail_end,
            None => segments.push((first, tail_end)),
        }
    }
    segments
}

/// Whether a line could match one of the built-in boilerplate patterns
/// (`provenance/pipeline/boilerplate.py`): a cheap superset, so only these lines are
/// asked of the patterns themselves. Every pattern starts with or contains one of the
/// phrases below, in ASCII letters matched case-insensitively; a line with any non-ASCII
/// character is always asked.
pub fn may_be_boilerplate(line: &str) -> bool {
    const PREFIXES: [&str; 18] = [
        "just watched",
        "must watch",
        "please let us know",
        "let us know",
        "to read the full",
        "are you already a subscriber",
        "click",
        "subscribe",
        "sign up",
        "copyright",
        "(c)",
        "follow",
        "advertisement",
        "sponsored content",
        "related",
        "read more",
        "this article",
        "this story",
    ];
    const INSIDE: [&str; 2] = ["replay more videos", "all rights reserved"];
    let line = line.trim_matches(is_space);
    if !line.is_ascii() {
        return true;
    }
    let lower = line.to_ascii_lowercase();
    PREFIXES.iter().any(|prefix| lower.starts_with(prefix)) || INSIDE.iter().any(|phrase| lower.contains(phrase))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str, spans: &[(usize, usize)]) -> Vec<String> {
        spans.iter().map(|&(a, b)| text[a..b].to_owned()).collect()
    }

    #[test]
    fn paragraphs_are_runs_of_non_blank_lines() {
        let text = "Title\n\n  First line\nsecond line  \n \t\nThird\u{a0}\r\n\r\nLast";
        assert_eq!(texts(text, &split_paragraphs(text, 0)), ["Title", "First line\nsecond line", "Third", "Last"]);
        assert_eq!(texts(text, &split_paragraphs(text, 7)), ["First line\nsecond line", "Third", "Last"]);
    }

    #[test]
    fn sentences_end_before_capitals_but_not_after_abbreviations() {
        let text = "Mr. Smith met Dr. Jones at 5 p.m. Sunday. They talked! \u{201c}Good,\u{201d} he said. J. Doe left.";
        assert_eq!(
            texts(text, &split_sentences(text, 0, text.len())),
            [
                "Mr. Smith met Dr. Jones at 5 p.m. Sunday.",
                "They talked!",
                "\u{201c}Good,\u{201d} he said.",
                "J. Doe left."
            ]
        );
    }

    #[test]
    fn closing_quotes_stay_with_their_sentence() {
        let text = "He said \u{201c}no.\u{201d} Then (\u{c9}mile) left.\nNext line";
        assert_eq!(
            texts(text, &split_sentences(text, 0, text.len())),
            ["He said \u{201c}no.\u{201d}", "Then (\u{c9}mile) left.", "Next line"]
        );
    }

    #[test]
    fn segments_reach_min_words_and_absorb_a_short_tail() {
        let text = "One two three. Four five six. Seven.";
        let sentences = split_sentences(text, 0, text.len());
        assert_eq!(texts(text, &group_segments(text, &sentences, 3)), ["One two three.", "Four five six. Seven."]);
        assert_eq!(texts(text, &group_segments(text, &sentences, 10)), [text]);
    }

    #[test]
    fn boilerplate_prefilter_keeps_every_candidate() {
        assert!(may_be_boilerplate("  JUST WATCHED Some clip Replay More Videos"));
        assert!(may_be_boilerplate("Copyright 2020 Foo. All rights reserved."));
        assert!(may_be_boilerplate("\u{a9} 2020"));
        assert!(!may_be_boilerplate("The mayor said the budget would pass."));
    }
}
