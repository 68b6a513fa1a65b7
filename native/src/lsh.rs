//! LSH band keys: a 64-bit hash of each band's rows of a signature.
//!
//! Band `i` hashes rows `i * rows_per_band ..` in order: `key = fmix64(key * P + row)`
//! starting from `(i + 1) * P` (all wrapping). Stored indexes hold these keys, so the
//! function must never change.

use rayon::prelude::*;

const PRIME: u64 = 0x0000_0100_0000_01B3;
const UNITS_PER_TASK: usize = 256;

/// MurmurHash3's 64-bit finalizer.
#[inline]
pub fn fmix64(mut value: u64) -> u64 {
    value ^= value >> 33;
    value = value.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    value ^= value >> 33;
    value = value.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    value ^ (value >> 33)
}

/// The keys of one signature's bands, written to `keys` (`keys.len()` bands).
fn band_keys_into(keys: &mut [u64], signature: &[u32], rows_per_band: usize) {
    for (band, key) in keys.iter_mut().enumerate() {
        let rows = &signature[band * rows_per_band..(band + 1) * rows_per_band];
        *key = rows.iter().fold((band as u64 + 1).wrapping_mul(PRIME), |key, &row| {
            fmix64(key.wrapping_mul(PRIME).wrapping_add(u64::from(row)))
        });
    }
}

/// Keys of `signatures` (row-major, `num_perm` values per unit), row-major
/// `(units, num_bands)`. Requires `num_bands * rows_per_band <= num_perm` (checked by
/// callers); rows past the last band are ignored.
pub fn band_keys(signatures: &[u32], num_perm: usize, num_bands: usize, rows_per_band: usize) -> Vec<u64> {
    let units = signatures.len().checked_div(num_perm).unwrap_or(0);
    let mut keys = vec![0u64; units * num_bands];
    if units == 0 || num_bands == 0 {
        return keys;
    }
    keys.par_chunks_mut(num_bands)
        .zip(signatures.par_chunks(num_perm))
        .with_min_len(UNITS_PER_TASK)
        .for_each(|(keys, signature)| band_keys_into(keys, signature, rows_per_band));
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fmix64_known_values() {
        assert_eq!(fmix64(0), 0);
        assert_eq!(fmix64(1), 0xB456_BCFC_34C2_CB2C);
    }

    #[test]
    fn a_band_key_is_the_documented_fold() {
        let keys = band_keys(&[1, 2, 3, 4], 4, 2, 2);
        let first = fmix64(fmix64(PRIME.wrapping_mul(PRIME).wrapping_add(1)).wrapping_mul(PRIME).wrapping_add(2));
        let second =
            fmix64(fmix64((2 * PRIME).wrapping_mul(PRIME).wrapping_add(3)).wrapping_mul(PRIME).wrapping_add(4));
        assert_eq!(keys, vec![first, second]);
    }

    #[test]
    fn equal_bands_give_equal_keys_only_in_the_same_band() {
        let keys = band_keys(&[1, 2, 3, 4, 1, 2, 9, 9, 5, 6, 3, 4, 3, 4, 1, 2], 4, 2, 2);
        assert_eq!(keys[0], keys[2]);
        assert_eq!(keys[1], keys[5]);
        assert_ne!(keys[1], keys[3]);
        assert_ne!(keys[0], keys[7]); // same rows, different band
    }
}
