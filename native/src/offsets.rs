//! UTF-8 byte offsets <-> Python `str` indexes (code points), exact.
//!
//! The kernels walk UTF-8 bytes; Python slices `str` by code point. An ASCII text needs
//! no table (both offsets are equal); any other text gets one `u32` per byte: the number
//! of code points that start before it.

/// Converts byte offsets of one text (at character boundaries) to code point indexes.
pub struct CharOffsets {
    /// `None` for ASCII texts; else `table[b]` = code points starting before byte `b`.
    table: Option<Vec<u32>>,
}

impl CharOffsets {
    /// The offsets of `text` (a texts of 4 GiB or more is not supported by the `u32` table).
    pub fn new(text: &str) -> Self {
        if text.is_ascii() {
            return CharOffsets { table: None };
        }
        let mut table = Vec::with_capacity(text.len() + 1);
        let mut count = 0u32;
        for &byte in text.as_bytes() {
            table.push(count);
            // Every byte but a continuation byte (0b10xx_xxxx) starts a code point.
            count += u32::from(byte & 0xC0 != 0x80);
        }
        table.push(count);
        CharOffsets { table: Some(table) }
    }

    /// The code point index of byte offset `byte` (a character boundary, at most the length).
    #[inline]
    pub fn char_index(&self, byte: usize) -> usize {
        match &self.table {
            None => byte,
            Some(table) => table[byte] as usize,
        }
    }
}

/// The byte offset of code point index `index` in `text` (its length when past the end).
pub fn byte_offset(text: &str, index: usize) -> usize {
    if text.is_ascii() {
        return index.min(text.len());
    }
    text.char_indices().nth(index).map_or(text.len(), |(byte, _)| byte)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_offsets_are_identical() {
        let offsets = CharOffsets::new("plain text");
        assert_eq!(offsets.char_index(5), 5);
        assert_eq!(byte_offset("plain text", 5), 5);
        assert_eq!(byte_offset("plain text", 50), 10);
    }

    #[test]
    fn multibyte_characters_count_once() {
        let text = "a\u{e9}b\u{1F600}c";
        let offsets = CharOffsets::new(text);
        let boundaries: Vec<usize> = text.char_indices().map(|(byte, _)| byte).chain([text.len()]).collect();
        let indexes: Vec<usize> = boundaries.iter().map(|&byte| offsets.char_index(byte)).collect();
        assert_eq!(indexes, vec![0, 1, 2, 3, 4, 5]);
        for (index, &byte) in boundaries.iter().enumerate() {
            assert_eq!(byte_offset(text, index), byte);
        }
    }
}
