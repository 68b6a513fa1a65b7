//! Normalisation for comparison: words cut from the text with their original offsets,
//! each folded (mojibake repair, NFKC, case folding, NFKC, quotes and `_` dropped).
//!
//! The definitions are Python's, so offsets and words are what `re` and `str` give:
//!
//! * a word is `(?:\w|MARK)+(?:['’ʼ](?:\w|MARK)+)*` where `\w` is Python's (`_` or a
//!   letter or number: general category `L*` or `N*`) and `MARK` five combining-mark
//!   blocks;
//! * whitespace is `str.isspace()`: Unicode `White_Space` plus U+001C..U+001F;
//! * a mojibake candidate is a run of two or more non-ASCII characters. Repairing it is
//!   ftfy's job (Python); the kernels ask a [`Repair`] and memoise nothing themselves.
//!
//! Folding can split a word (`½` -> `1⁄2` -> `1`, `2`) and case folding can make a word
//! look like mojibake again, so the steps repeat until nothing changes (at most
//! [`MAX_ROUNDS`]): that fixed point makes normalisation idempotent.

use std::borrow::Cow;
use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};
use xxhash_rust::xxh3::xxh3_64;

use crate::offsets::CharOffsets;

/// Rounds of repair and folding before a word is taken as it is.
pub const MAX_ROUNDS: usize = 8;

/// Mojibake repair of one run of non-ASCII characters (ftfy's `fix_encoding` in Python).
pub trait Repair: Sync {
    /// `Some(fixed)` when the run is repaired into something else, `None` when it stays.
    fn fix(&self, run: &str) -> Option<String>;
}

/// No repair: every run stays as it is.
pub struct NoRepair;

impl Repair for NoRepair {
    fn fix(&self, _run: &str) -> Option<String> {
        None
    }
}

/// Python's `str.isspace()`.
#[inline]
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `\w` (`re`, `str` patterns): `_`, letters and numbers.
#[inline]
pub fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '_';
    }
    matches!(c.general_category_group(), GeneralCategoryGroup::Letter | GeneralCategoryGroup::Number)
}

/// Python's `str.isalpha()` for one character: general category `L*`.
#[inline]
pub fn is_letter(c: char) -> bool {
    c.general_category_group() == GeneralCategoryGroup::Letter
}

/// A character of a word: `\w` or a combining mark of the five blocks words may carry.
#[inline]
fn is_word_part(c: char) -> bool {
    is_word_char(c)
        || matches!(c, '\u{300}'..='\u{36f}' | '\u{1ab0}'..='\u{1aff}' | '\u{1dc0}'..='\u{1dff}' | '\u{20d0}'..='\u{20ff}' | '\u{fe20}'..='\u{fe2f}')
}

/// An apostrophe that joins two parts of one word (`Russia’s`).
#[inline]
fn is_joining_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{2bc}')
}

/// Dropped from folded words: apostrophes, the left single quote and `_`.
#[inline]
fn is_dropped(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{2bc}' | '\u{2018}' | '_')
}

/// Byte ranges of the runs of two or more non-ASCII characters in `text`.
pub fn non_ascii_runs(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut runs = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] < 0x80 {
            index += 1;
            continue;
        }
        let start = index;
        let mut characters = 0;
        while index < bytes.len() && bytes[index] >= 0x80 {
            characters += usize::from(bytes[index] & 0xC0 != 0x80);
            index += 1;
        }
        if characters >= 2 {
            runs.push((start, index));
        }
    }
    runs
}

/// `text` with each repairable run replaced.
fn repair_runs<'a>(text: &'a str, repair: &dyn Repair) -> Cow<'a, str> {
    let mut out: Option<String> = None;
    let mut cursor = 0;
    for (start, end) in non_ascii_runs(text) {
        if let Some(fixed) = repair.fix(&text[start..end]) {
            let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
            out.push_str(&text[cursor..start]);
            out.push_str(&fixed);
            cursor = end;
        }
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut out) => {
            out.push_str(&text[cursor..]);
            Cow::Owned(out)
        }
    }
}

/// One round of folding: NFKC, full case folding, NFKC, dropped characters removed; the
/// word parts of the result (none when nothing is left).
fn fold(word: &str, parts: &mut Vec<String>) {
    let composed: String = word.nfkc().collect();
    let folded = caseless::default_case_fold_str(&composed);
    let mut part = String::new();
    for c in folded.nfkc().filter(|&c| !is_dropped(c)) {
        if is_word_part(c) {
            part.push(c);
        } else if !part.is_empty() {
            parts.push(std::mem::take(&mut part));
        }
    }
    if !part.is_empty() {
        parts.push(part);
    }
}

/// Appends the fold of a word of ASCII letters, digits, `_` and apostrophes (`’`/`ʼ`
/// too, between ASCII characters) to `out`: its lower case without apostrophes and `_`.
/// Returns `false`, with `out` as it was, for any other word.
fn fold_plain(word: &str, out: &mut String) -> bool {
    let mark = out.len();
    let mut after_non_ascii = false;
    for c in word.chars() {
        if c.is_ascii_alphanumeric() {
            after_non_ascii = false;
            out.push(c.to_ascii_lowercase());
        } else if c == '\'' || c == '_' {
            after_non_ascii = false;
        } else if (c == '\u{2019}' || c == '\u{2bc}') && !after_non_ascii {
            // A single non-ASCII character is no mojibake run; NFKC and case folding
            // leave these two apostrophes as they are, and folding drops them.
            after_non_ascii = true;
        } else {
            out.truncate(mark);
            return false;
        }
    }
    true
}

/// The normalised parts of one word (usually one; none for a word of only `_`).
pub fn normalise_word(word: &str, repair: &dyn Repair, parts: &mut Vec<String>) {
    let mut plain = String::new();
    if fold_plain(word, &mut plain) {
        parts.extend((!plain.is_empty()).then_some(plain));
        return;
    }
    let mut current = vec![word.to_owned()];
    for _ in 0..MAX_ROUNDS {
        let mut again = Vec::with_capacity(current.len());
        for part in &current {
            fold(&repair_runs(part, repair), &mut again);
        }
        if again == current {
            break;
        }
        current = again;
    }
    parts.extend(current);
}

/// Byte ranges `(start, last, end)` of the words of `text`: `last` is where the word's
/// last character starts.
fn scan_words(text: &str, mut emit: impl FnMut(usize, usize, usize)) {
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if !is_word_part(c) {
            continue;
        }
        let (mut last, mut end) = (start, start + c.len_utf8());
        while let Some(&(at, next)) = chars.peek() {
            if is_word_part(next) {
                (last, end) = (at, at + next.len_utf8());
                chars.next();
            } else if is_joining_apostrophe(next)
                && text[at + next.len_utf8()..].chars().next().is_some_and(is_word_part)
            {
                chars.next();
            } else {
                break;
            }
        }
        emit(start, last, end);
    }
}

/// A passage's normalised words: their hashes, original `str` offsets and their
/// space-joined text (what the paragraph fingerprint hashes).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Words {
    pub hashes: Vec<u64>,
    pub starts: Vec<u32>,
    pub ends: Vec<u32>,
    pub joined: String,
}

impl Words {
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    fn push(&mut self, word: &str, start: usize, end: usize) {
        self.push_with(start, end, |joined| {
            joined.push_str(word);
            true
        });
    }

    /// Appends the word `write` adds to `joined` (nothing when it adds nothing or
    /// returns `false`, which it does leaving `joined` as it was); `false` when `write` did.
    fn push_with(&mut self, start: usize, end: usize, write: impl FnOnce(&mut String) -> bool) -> bool {
        let mark = self.joined.len();
        if !self.hashes.is_empty() {
            self.joined.push(' ');
        }
        let begin = self.joined.len();
        let written = write(&mut self.joined);
        if !written || self.joined.len() == begin {
            self.joined.truncate(mark);
            return written;
        }
        self.hashes.push(xxh3_64(&self.joined.as_bytes()[begin..]));
        // Offsets are stored as uint32 (texts are far below 4 Gi characters).
        self.starts.push(start as u32);
        self.ends.push(end as u32);
        true
    }

    /// The words as strings (tests and the Python `tokenise`).
    pub fn texts(&self) -> Vec<&str> {
        if self.hashes.is_empty() {
            return Vec::new();
        }
        self.joined.split(' ').collect()
    }
}

/// Folded words already seen in one document (news vocabulary is Zipfian).
pub type FoldCache = HashMap<String, Vec<String>>;

/// The normalised words of `text[start..end]` (bytes), with `str` offsets into `text`.
pub fn tokenise(
    text: &str,
    start: usize,
    end: usize,
    offsets: &CharOffsets,
    repair: &dyn Repair,
    cache: &mut FoldCache,
) -> Words {
    let mut words = Words::default();
    let passage = &text[start..end];
    let mut add = |word: &str, words: &mut Words, first: usize, stop: usize| {
        if words.push_with(first, stop, |joined| fold_plain(word, joined)) {
            return;
        }
        let parts = cache.entry(word.to_owned()).or_insert_with(|| {
            let mut parts = Vec::new();
            normalise_word(word, repair, &mut parts);
            parts
        });
        for part in parts.iter() {
            words.push(part, first, stop);
        }
    };
    let fixes: Vec<(usize, usize, String)> = non_ascii_runs(passage)
        .into_iter()
        .filter_map(|(a, b)| repair.fix(&passage[a..b]).map(|fixed| (a, b, fixed)))
        .collect();
    if fixes.is_empty() {
        scan_words(passage, |first, _, stop| {
            let (a, b) = (offsets.char_index(start + first), offsets.char_index(start + stop));
            add(&passage[first..stop], &mut words, a, b);
        });
        return words;
    }
    // Repaired text, and for each of its bytes that starts a character, the original
    // `[start, end)` (a repaired run maps every character to the whole run).
    let mut repaired = String::with_capacity(passage.len());
    let mut origin: Vec<(usize, usize)> = Vec::with_capacity(passage.len());
    let copy = |from: usize, to: usize, repaired: &mut String, origin: &mut Vec<(usize, usize)>| {
        for (at, c) in passage[from..to].char_indices() {
            let index = offsets.char_index(start + from + at);
            origin.extend(std::iter::repeat_n((index, index + 1), c.len_utf8()));
            repaired.push(c);
        }
    };
    let mut cursor = 0;
    for (a, b, fixed) in &fixes {
        copy(cursor, *a, &mut repaired, &mut origin);
        let span = (offsets.char_index(start + a), offsets.char_index(start + b));
        origin.extend(std::iter::repeat_n(span, fixed.len()));
        repaired.push_str(fixed);
        cursor = *b;
    }
    copy(cursor, passage.len(), &mut repaired, &mut origin);
    scan_words(&repaired, |first, last, stop| {
        add(&repaired[first..stop], &mut words, origin[first].0, origin[last].1);
    });
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Repairs the classic UTF-8-read-as-cp1252 apostrophe, as ftfy does.
    struct Apostrophe;

    impl Repair for Apostrophe {
        fn fix(&self, run: &str) -> Option<String> {
            run.contains("\u{e2}\u{20ac}\u{2122}").then(|| run.replace("\u{e2}\u{20ac}\u{2122}", "\u{2019}"))
        }
    }

    fn words(text: &str) -> (Vec<String>, Vec<(u32, u32)>) {
        let found = tokenise(text, 0, text.len(), &CharOffsets::new(text), &Apostrophe, &mut FoldCache::new());
        let spans = found.starts.iter().copied().zip(found.ends.iter().copied()).collect();
        (found.texts().into_iter().map(str::to_owned).collect(), spans)
    }

    fn normalised(word: &str) -> Vec<String> {
        let mut parts = Vec::new();
        normalise_word(word, &NoRepair, &mut parts);
        parts
    }

    #[test]
    fn words_are_folded_with_their_offsets() {
        let (texts, spans) = words("The  “BIG” day’s here_now.");
        assert_eq!(texts, ["the", "big", "days", "herenow"]);
        assert_eq!(spans, [(0, 3), (6, 9), (11, 16), (17, 25)]);
    }

    #[test]
    fn folding_follows_unicode() {
        assert_eq!(normalised("ﬁne"), ["fine"]);
        assert_eq!(normalised("e\u{301}"), ["\u{e9}"]);
        assert_eq!(normalised("½"), ["1", "2"]);
        assert_eq!(normalised("Straße"), ["strasse"]);
        assert_eq!(normalised("___"), Vec::<String>::new());
        assert_eq!(normalised("U.S."), ["u", "s"]);
        assert_eq!(normalised("\u{0}"), Vec::<String>::new());
    }

    #[test]
    fn mojibake_runs_are_repaired_with_the_original_span() {
        let (texts, spans) = words("Russia\u{e2}\u{20ac}\u{2122}s day");
        assert_eq!(texts, ["russias", "day"]);
        assert_eq!(spans, [(0, 10), (11, 14)]);
    }

    #[test]
    fn whitespace_is_pythons() {
        assert!(is_space('\u{a0}') && is_space('\u{1f}') && is_space('\u{2029}'));
        assert!(!is_space('\u{200b}') && !is_space('x'));
    }

    #[test]
    fn word_characters_are_pythons() {
        assert!(is_word_char('_') && is_word_char('\u{bd}') && is_word_char('\u{2bc}'));
        assert!(!is_word_char('\u{301}') && !is_word_char('-') && !is_word_char('\u{2019}'));
    }

    #[test]
    fn non_ascii_runs_need_two_characters() {
        assert_eq!(non_ascii_runs("a\u{e9}b"), vec![]);
        assert_eq!(non_ascii_runs("a\u{e9}\u{e9}b"), vec![(1, 5)]);
    }
}
