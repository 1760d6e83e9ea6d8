//! One independent random stream per entity family.
//!
//! Every family draws from its own ChaCha8 stream of the same seed, so adding a family (parts,
//! stock, tickets) or drawing more numbers in one family never shifts the records of another.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// An entity family with its own random stream.
///
/// The stream numbers are part of the output contract: never renumber a family, only add new
/// ones with new numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Product launch dates and lifecycles.
    Products,
    /// Station placement, names, capacities, scores, coverage.
    Stations,
    /// Technicians of every station.
    Technicians,
    /// Login accounts and their display names.
    Users,
    /// Warehouse keepers and phones of central and regional warehouses.
    Warehouses,
}

impl Family {
    /// The ChaCha stream number of this family.
    pub fn stream(self) -> u64 {
        match self {
            Family::Products => 1,
            Family::Stations => 2,
            Family::Technicians => 3,
            Family::Users => 4,
            Family::Warehouses => 5,
        }
    }
}

/// The random stream of `family` for `seed`.
pub fn family_rng(seed: u64, family: Family) -> ChaCha8Rng {
    stream_rng(seed, family.stream())
}

/// The stream of one record of `family`, keyed by the record's code: a record drawn this way
/// stays the same when records before it change (a different station count, a new field).
pub fn record_rng(seed: u64, family: Family, key: &str) -> ChaCha8Rng {
    // Family streams are small numbers; record streams put the family in the top 16 bits.
    let key_bits = fnv1a64(key.as_bytes()) & 0x0000_ffff_ffff_ffff;
    stream_rng(seed, (family.stream() << 48) | key_bits)
}

/// The random stream number `stream` for `seed`; for families added by later modules.
pub fn stream_rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// FNV-1a, 64 bit: a stable hash (unlike `std`'s, which may change between releases).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn families_draw_different_numbers_from_the_same_seed() {
        let a: u64 = family_rng(7, Family::Stations).random();
        let b: u64 = family_rng(7, Family::Technicians).random();
        assert_ne!(a, b);
    }

    #[test]
    fn a_family_stream_repeats_for_the_same_seed() {
        let a: [u64; 4] = family_rng(7, Family::Users).random();
        let b: [u64; 4] = family_rng(7, Family::Users).random();
        assert_eq!(a, b);
    }

    #[test]
    fn record_streams_differ_by_key_and_from_the_family_stream() {
        let family: u64 = family_rng(7, Family::Technicians).random();
        let a: u64 = record_rng(7, Family::Technicians, "ST-SC-0001").random();
        let b: u64 = record_rng(7, Family::Technicians, "ST-SC-0002").random();
        let a_again: u64 = record_rng(7, Family::Technicians, "ST-SC-0001").random();
        assert_eq!(a, a_again);
        assert_ne!(a, b);
        assert_ne!(a, family);
    }

    #[test]
    fn fnv_matches_the_published_test_vector() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
