//! MinHash signatures identical to datasketch 2.x's `affine32` scheme.
//!
//! datasketch pre-mixes each 32-bit input hash with MurmurHash3's finalizer, then applies
//! the permutation `a * h + b mod 2**32` (odd `a`) and keeps the minimum per permutation.
//! The `(a, b)` parameters are drawn in Python from the same `RandomState(seed)` calls as
//! datasketch's, so this module only does the arithmetic.

use rayon::prelude::*;

/// Signature value of an empty set (no permutation ever lowered it).
pub const EMPTY_VALUE: u32 = u32::MAX;

/// Units per rayon task: a paragraph is ~50 shingles, too little work to split alone.
const UNITS_PER_TASK: usize = 64;

/// MurmurHash3's 32-bit finalizer (wrapping multiplication).
#[inline]
pub fn fmix32(mut value: u32) -> u32 {
    value ^= value >> 16;
    value = value.wrapping_mul(0x85EB_CA6B);
    value ^= value >> 13;
    value = value.wrapping_mul(0xC2B2_AE35);
    value ^ (value >> 16)
}

/// Permutations kept in registers while a unit's shingles stream past (4 AVX2 vectors).
const BLOCK: usize = 32;

/// Writes the signature of one unit to `row` (`row.len() == a.len() == b.len()`) from
/// its `mixed` (already `fmix32`-ed) shingles.
///
/// Permutations are taken `BLOCK` at a time so their `a`, `b` and running minima stay
/// in registers over all shingles; the inner loop is branch-free and vectorises.
#[inline(always)]
fn sign_unit(row: &mut [u32], mixed: &[u32], a: &[u32], b: &[u32]) {
    let (row_blocks, row_rest) = row.as_chunks_mut::<BLOCK>();
    let (a_blocks, a_rest) = a.as_chunks::<BLOCK>();
    let (b_blocks, b_rest) = b.as_chunks::<BLOCK>();
    for ((out, a), b) in row_blocks.iter_mut().zip(a_blocks).zip(b_blocks) {
        let mut minima = [EMPTY_VALUE; BLOCK];
        for &value in mixed {
            for k in 0..BLOCK {
                minima[k] = minima[k].min(a[k].wrapping_mul(value).wrapping_add(b[k]));
            }
        }
        *out = minima;
    }
    for ((out, &a), &b) in row_rest.iter_mut().zip(a_rest).zip(b_rest) {
        *out = mixed.iter().fold(EMPTY_VALUE, |minimum, &value| minimum.min(a.wrapping_mul(value).wrapping_add(b)));
    }
}

/// [`sign_unit`] compiled for AVX2 (8 lanes of 32-bit multiply and unsigned minimum).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn sign_unit_avx2(row: &mut [u32], mixed: &[u32], a: &[u32], b: &[u32]) {
    sign_unit(row, mixed, a, b)
}

/// [`sign_unit`] for this CPU: the AVX2 build where the CPU has it (same results).
fn sign_unit_here(row: &mut [u32], mixed: &[u32], a: &[u32], b: &[u32]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: `sign_unit_avx2` only requires the AVX2 instructions it was compiled
        // with, and the CPU has them (detected just above).
        unsafe { sign_unit_avx2(row, mixed, a, b) };
        return;
    }
    sign_unit(row, mixed, a, b)
}

/// Signatures of many units, row-major `(units, a.len())`.
///
/// Unit `i` holds `shingles[bounds[i]..bounds[i + 1]]`; `bounds` is non-decreasing with
/// `bounds.len() == units + 1` and last element `<= shingles.len()` (checked by callers).
/// Units are signed in parallel; the result does not depend on the thread count.
pub fn signatures(shingles: &[u32], bounds: &[usize], a: &[u32], b: &[u32]) -> Vec<u32> {
    let num_perm = a.len();
    let units = bounds.len().saturating_sub(1);
    let mut out = vec![EMPTY_VALUE; units * num_perm];
    if num_perm == 0 || units == 0 {
        return out;
    }
    let mixed: Vec<u32> = shingles.par_iter().map(|&shingle| fmix32(shingle)).collect();
    out.par_chunks_mut(num_perm)
        .enumerate()
        .with_min_len(UNITS_PER_TASK)
        .for_each(|(unit, row)| sign_unit_here(row, &mixed[bounds[unit]..bounds[unit + 1]], a, b));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fmix32_known_values() {
        // Reference values of MurmurHash3's fmix32.
        assert_eq!(fmix32(0), 0);
        assert_eq!(fmix32(1), 0x514E_28B7);
    }

    #[test]
    fn empty_units_keep_the_empty_value() {
        let out = signatures(&[5, 6], &[0, 0, 2, 2], &[3, 5], &[1, 2]);
        assert_eq!(&out[0..2], &[EMPTY_VALUE, EMPTY_VALUE]);
        assert_eq!(&out[4..6], &[EMPTY_VALUE, EMPTY_VALUE]);
    }

    #[test]
    fn each_permutation_takes_its_minimum() {
        let (a, b) = ([3u32, 7], [11u32, 0]);
        let out = signatures(&[5, 9, 1], &[0, 3], &a, &b);
        for k in 0..2 {
            let expected = [5u32, 9, 1].iter().map(|&h| a[k].wrapping_mul(fmix32(h)).wrapping_add(b[k])).min().unwrap();
            assert_eq!(out[k], expected);
        }
    }

    #[test]
    fn every_build_of_the_kernel_agrees() {
        let mixed: Vec<u32> = (0..77u32).map(|i| fmix32(i.wrapping_mul(2_654_435_761))).collect();
        for num_perm in [1usize, 31, 32, 33, 128, 200] {
            let (a, b): (Vec<u32>, Vec<u32>) =
                (0..num_perm as u32).map(|k| (2 * k + 1, k.wrapping_mul(0x9E37_79B9))).unzip();
            let expected: Vec<u32> = (0..num_perm)
                .map(|k| mixed.iter().map(|&h| a[k].wrapping_mul(h).wrapping_add(b[k])).min().unwrap())
                .collect();
            let mut row = vec![0u32; num_perm];
            sign_unit(&mut row, &mixed, &a, &b);
            assert_eq!(row, expected);
            sign_unit_here(&mut row, &mixed, &a, &b);
            assert_eq!(row, expected);
        }
    }

    #[test]
    fn a_batch_equals_its_units_one_by_one() {
        let shingles: Vec<u32> = (0..500u32).map(|i| i.wrapping_mul(2_654_435_761)).collect();
        let bounds = [0usize, 10, 10, 200, 499, 500];
        let (a, b): (Vec<u32>, Vec<u32>) = (0..16u32).map(|k| (2 * k + 1, k * 77)).unzip();
        let together = signatures(&shingles, &bounds, &a, &b);
        for unit in 0..bounds.len() - 1 {
            let alone =
                signatures(&shingles[bounds[unit]..bounds[unit + 1]], &[0, bounds[unit + 1] - bounds[unit]], &a, &b);
            assert_eq!(&together[unit * 16..(unit + 1) * 16], &alone[..]);
        }
    }
}
