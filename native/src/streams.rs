//! Token streams as the index stores them, decoded many at once.
//!
//! A paragraph unit's stream is `len | starts | ends | words | shingles`, little-endian
//! `u32` (`provenance.pipeline.anchors.encode_tokens`). Verification reads tens of
//! thousands per chunk; decoding them here, in one pass, replaces a dozen numpy passes
//! over index arrays as long as all their words.

use rayon::prelude::*;

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

/// Streams per rayon task of the fill pass.
const STREAMS_PER_TASK: usize = 512;

/// Decode the streams `data[offsets[i]..offsets[i + 1]]`; `Err(i)` names the first
/// malformed one (not a whole number of `u32`, empty, or shorter than its word count
/// says). `offsets` ascend from 0 to `data.len()`.
///
/// One pass checks every stream and sizes the columns; a second fills each stream's
/// part of them in place, streams shared among rayon threads (a 100k-article first
/// scan decodes 1.4 M streams, and a vector per stream and growing columns cost more
/// than the copying).
pub fn decode_streams(data: &[u8], offsets: &[usize]) -> Result<Streams, usize> {
    let count = offsets.len().saturating_sub(1);
    let mut word_bounds = Vec::with_capacity(count + 1);
    let mut shingle_bounds = Vec::with_capacity(count + 1);
    let (mut words, mut shingles) = (0_usize, 0_usize);
    word_bounds.push(0_i64);
    shingle_bounds.push(0_i64);
    for (index, bounds) in offsets.windows(2).enumerate() {
        let blob = &data[bounds[0]..bounds[1]];
        if blob.len() < 4 || !blob.len().is_multiple_of(4) {
            return Err(index);
        }
        let values = blob.len() / 4;
        let length = value(blob) as usize;
        if 1 + 3 * length > values {
            return Err(index);
        }
        words += length;
        shingles += values - 1 - 3 * length;
        // Lengths fit i64: a batch's streams are far below 2**63 words.
        word_bounds.push(words as i64);
        shingle_bounds.push(shingles as i64);
    }
    let mut out = Streams {
        starts: vec![0; words],
        ends: vec![0; words],
        words: vec![0; words],
        word_bounds,
        shingle_bounds,
        shingles: vec![0; shingles],
    };
    let parts = split_by_streams(&mut out, offsets, STREAMS_PER_TASK);
    parts.into_par_iter().for_each(|part| part.fill(data));
    Ok(out)
}

/// The columns' parts of streams `first..first + offsets.len() - 1`, to fill.
struct Part<'a> {
    offsets: &'a [usize],
    starts: &'a mut [i64],
    ends: &'a mut [i64],
    words: &'a mut [u64],
    shingles: &'a mut [u32],
}

impl Part<'_> {
    fn fill(self, data: &[u8]) {
        let (mut word, mut shingle) = (0, 0);
        for bounds in self.offsets.windows(2) {
            let blob = &data[bounds[0]..bounds[1]];
            let length = value(blob) as usize;
            let field = |n: usize| blob[4 * (1 + n * length)..4 * (1 + (n + 1) * length)].chunks_exact(4).map(value);
            for (at, v) in field(0).enumerate() {
                self.starts[word + at] = i64::from(v);
            }
            for (at, v) in field(1).enumerate() {
                self.ends[word + at] = i64::from(v);
            }
            for (at, v) in field(2).enumerate() {
                self.words[word + at] = u64::from(v);
            }
            let rest = blob[4 * (1 + 3 * length)..].chunks_exact(4).map(value);
            let stored = blob.len() / 4 - 1 - 3 * length;
            for (at, v) in rest.enumerate() {
                self.shingles[shingle + at] = v;
            }
            word += length;
            shingle += stored;
        }
    }
}

/// `out`'s columns cut at every `per_task`-th stream (`per_task >= 1`; the bounds are already set).
fn split_by_streams<'a>(out: &'a mut Streams, offsets: &'a [usize], per_task: usize) -> Vec<Part<'a>> {
    let count = offsets.len().saturating_sub(1);
    let (mut starts, mut ends) = (out.starts.as_mut_slice(), out.ends.as_mut_slice());
    let (mut words, mut shingles) = (out.words.as_mut_slice(), out.shingles.as_mut_slice());
    let mut parts = Vec::with_capacity(count.div_ceil(per_task));
    let mut first = 0;
    while first < count {
        let stop = (first + per_task).min(count);
        let word_len = (out.word_bounds[stop] - out.word_bounds[first]) as usize;
        let shingle_len = (out.shingle_bounds[stop] - out.shingle_bounds[first]) as usize;
        let (s, s_rest) = std::mem::take(&mut starts).split_at_mut(word_len);
        let (e, e_rest) = std::mem::take(&mut ends).split_at_mut(word_len);
        let (w, w_rest) = std::mem::take(&mut words).split_at_mut(word_len);
        let (h, h_rest) = std::mem::take(&mut shingles).split_at_mut(shingle_len);
        parts.push(Part { offsets: &offsets[first..=stop], starts: s, ends: e, words: w, shingles: h });
        (starts, ends, words, shingles) = (s_rest, e_rest, w_rest, h_rest);
        first = stop;
    }
    parts
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
    fn streams_across_many_tasks_decode_as_one_by_one() {
        // Enough streams, of varied lengths (empty ones too), for several fill tasks.
        let streams: Vec<(Vec<u32>, Vec<u32>)> = (0..3 * STREAMS_PER_TASK as u32 + 7)
            .map(|i| ((0..i % 13).map(|w| i * 31 + w).collect(), (0..(i * 7) % 5).map(|h| i ^ h).collect()))
            .collect();
        let blobs: Vec<Vec<u8>> = streams
            .iter()
            .map(|(words, shingles)| {
                let starts: Vec<u32> = words.iter().map(|w| w + 1).collect();
                let ends: Vec<u32> = words.iter().map(|w| w + 2).collect();
                encode(&starts, &ends, words, shingles)
            })
            .collect();
        let data = blobs.concat();
        let offsets: Vec<usize> = std::iter::once(0)
            .chain(blobs.iter().scan(0, |at, blob| {
                *at += blob.len();
                Some(*at)
            }))
            .collect();
        let all = decode_streams(&data, &offsets).unwrap();
        let mut expected = Streams { word_bounds: vec![0], shingle_bounds: vec![0], ..Streams::default() };
        for (words, shingles) in &streams {
            expected.starts.extend(words.iter().map(|&w| i64::from(w + 1)));
            expected.ends.extend(words.iter().map(|&w| i64::from(w + 2)));
            expected.words.extend(words.iter().map(|&w| u64::from(w)));
            expected.shingles.extend_from_slice(shingles);
            expected.word_bounds.push(expected.words.len() as i64);
            expected.shingle_bounds.push(expected.shingles.len() as i64);
        }
        assert_eq!(all, expected);
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
