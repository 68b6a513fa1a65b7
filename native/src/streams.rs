//! Token streams as the index stores them, decoded many at once.
//!
//! A paragraph unit's stream is `len | starts | ends | words | shingles`, little-endian
//! `u32` (`provenance.pipeline.anchors.encode_tokens`). Verification reads tens of
//! thousands per chunk; decoding them here, in one pass, replaces a dozen numpy passes
//! over index arrays as long as all their words.

/// Streams laid end to end as columns: stream `i`'s words are
/// `word_bounds[i]..word_bounds[i + 1]` of `starts`, `ends` and `words`, its shingles
/// `shingle_bounds[i]..shingle_bounds[i + 1]` of `shingles`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Streams {
    pub starts: Vec<i64>,
    pub ends: Vec<i64>,
    pub words: Vec<u64>,
    pub word_bounds: Vec<i64>,
    pub shingles: Vec<u32>,
    pub shingle_bounds: Vec<i64>,
}

fn value(bytes: &[u8]) -> u32 {
    u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

/// Decode the streams `data[offsets[i]..offsets[i + 1]]`; `Err(i)` names the first
/// malformed one (not a whole number of `u32`, empty, or shorter than its word count
/// says). `offsets` ascend from 0 to `data.len()`.
pub fn decode_streams(data: &[u8], offsets: &[usize]) -> Result<Streams, usize> {
    let mut out = Streams { word_bounds: vec![0], shingle_bounds: vec![0], ..Streams::default() };
    for (index, bounds) in offsets.windows(2).enumerate() {
        let blob = &data[bounds[0]..bounds[1]];
        if blob.len() < 4 || !blob.len().is_multiple_of(4) {
            return Err(index);
        }
        let values: Vec<u32> = blob.chunks_exact(4).map(value).collect();
        let count = values[0] as usize;
        if 1 + 3 * count > values.len() {
            return Err(index);
        }
        let field = |n: usize| &values[1 + n * count..1 + (n + 1) * count];
        out.starts.extend(field(0).iter().map(|&v| i64::from(v)));
        out.ends.extend(field(1).iter().map(|&v| i64::from(v)));
        out.words.extend(field(2).iter().map(|&v| u64::from(v)));
        out.shingles.extend_from_slice(&values[1 + 3 * count..]);
        // Lengths fit i64: a batch's streams are far below 2**63 words.
        out.word_bounds.push(out.words.len() as i64);
        out.shingle_bounds.push(out.shingles.len() as i64);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(starts: &[u32], ends: &[u32], words: &[u32], shingles: &[u32]) -> Vec<u8> {
        let mut out = (starts.len() as u32).to_le_bytes().to_vec();
        for part in [starts, ends, words, shingles] {
            out.extend(part.iter().flat_map(|v| v.to_le_bytes()));
        }
        out
    }

    #[test]
    fn streams_decode_into_columns_end_to_end() {
        let first = encode(&[0, 4], &[3, 9], &[7, 8], &[1]);
        let second = encode(&[2], &[5], &[u32::MAX], &[]);
        let third = encode(&[], &[], &[], &[6, 5]);
        let data = [first.clone(), second.clone(), third.clone()].concat();
        let offsets = [0, first.len(), first.len() + second.len(), data.len()];
        let streams = decode_streams(&data, &offsets).unwrap();
        assert_eq!(streams.starts, vec![0, 4, 2]);
        assert_eq!(streams.ends, vec![3, 9, 5]);
        assert_eq!(streams.words, vec![7, 8, u64::from(u32::MAX)]);
        assert_eq!(streams.word_bounds, vec![0, 2, 3, 3]);
        assert_eq!(streams.shingles, vec![1, 6, 5]);
        assert_eq!(streams.shingle_bounds, vec![0, 1, 1, 3]);
        assert_eq!(decode_streams(&[], &[0]).unwrap().word_bounds, vec![0]);
    }

    #[test]
    fn a_malformed_stream_is_named() {
        let good = encode(&[0], &[1], &[2], &[]);
        let short = 5_u32.to_le_bytes().to_vec(); // five words announced, none stored
        let data = [good.clone(), short.clone(), vec![1, 2]].concat();
        assert_eq!(decode_streams(&data, &[0, good.len(), good.len() + 4]), Err(1));
        assert_eq!(decode_streams(&data, &[0, good.len(), good.len()]), Err(1)); // empty
        assert_eq!(decode_streams(&data[good.len() + 4..], &[0, 2]), Err(0)); // not whole u32s
    }
}
