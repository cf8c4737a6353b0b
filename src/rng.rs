//! Portable, keyed random streams.
//!
//! Every random draw in a run comes from a stream named by a key: the run seed, the replication and
//! what the stream is for (a family, a pool cell in a month, a parameter). Streams never depend on
//! thread scheduling, so results are bit-identical for any thread count, and two scenarios run
//! with the same seed meet the same draws wherever their keys coincide (common random numbers).
//!
//! The generator is Xoshiro256++ (`rand_xoshiro`), which is portable: the same key gives the same
//! numbers on every platform and in every future release of that crate.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator behind every stream.
pub type Stream = Xoshiro256PlusPlus;

/// What a stream is used for; part of its key so that different uses never share draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// Per-replication parameter draws (one stream per parameter, keyed by its registry entry).
    Parameter = 1,
    /// Building the starting caseload.
    Initial = 2,
    /// Contacts arising from an aggregate pool in one locality, need level and month.
    PoolCell = 3,
    /// Everything that happens to one family once it is known.
    Family = 4,
    /// Births into the never-contacted pool.
    Births = 5,
    /// Per-replication draws of the scenario's uncertainty table (one stream per parameter,
    /// keyed by the hash of its path).
    Uncertainty = 6,
    /// The row of a sample the scenario carries that each replication takes (one stream per
    /// replication).
    SampleRow = 7,
}

/// SplitMix64 finaliser: a bijective, well-mixing map used to fold keys together.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Fold a sequence of words into one 64-bit key.
#[inline]
pub fn key(words: &[u64]) -> u64 {
    key_continue(0x6A09_E667_F3BC_C908, words)
}

/// Go on folding `words` into `key(first)`: `key_continue(key(a), b)` is `key(a ++ b)`, so a
/// loop over keys that share their first words folds those once.
#[inline]
pub fn key_continue(prefix: u64, words: &[u64]) -> u64 {
    words.iter().fold(prefix, |acc, &w| mix64(acc ^ mix64(w)))
}

/// FNV-1a hash of a string. The parameter registry's frozen stream keys are the hashes of the
/// names parameters were keyed by before it.
pub fn hash_str(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// The stream for `(seed, replication, purpose, a, b)`.
pub fn stream(seed: u64, replication: u64, purpose: Purpose, a: u64, b: u64) -> Stream {
    seeded(key(&[seed, replication, purpose as u64, a, b]))
}

/// `Stream::seed_from_u64(key)`, the same generator, written out: the state is the next four
/// outputs of SplitMix64 started at `key` (which are never all zero: SplitMix64's output
/// function is a bijection, so four different states give four different words). The crate's
/// version goes through its generic byte-filling path; this is a handful of multiplications.
#[inline]
fn seeded(key: u64) -> Stream {
    const PHI: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut seed = [0u8; 32];
    for (i, chunk) in seed.chunks_exact_mut(8).enumerate() {
        // mix64 adds PHI first: the (i + 1)th output of SplitMix64 from state `key`.
        chunk.copy_from_slice(&mix64(key.wrapping_add(PHI.wrapping_mul(i as u64))).to_le_bytes());
    }
    Stream::from_seed(seed)
}

/// The streams of one seed, replication and purpose, with those words of their keys folded
/// once: `Streams::new(seed, replication, purpose).stream(a, b)` is `stream(seed,
/// replication, purpose, a, b)`.
#[derive(Debug, Clone, Copy)]
pub struct Streams {
    prefix: u64,
}

impl Streams {
    /// The streams of `(seed, replication, purpose)`.
    pub fn new(seed: u64, replication: u64, purpose: Purpose) -> Self {
        Streams { prefix: key(&[seed, replication, purpose as u64]) }
    }

    /// The stream for `(a, b)`.
    #[inline]
    pub fn stream(&self, a: u64, b: u64) -> Stream {
        seeded(key_continue(self.prefix, &[a, b]))
    }
}

/// A uniform draw in `[0, 1)` with 53 random bits.
#[inline]
pub fn uniform<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// True with probability `p`.
#[inline]
pub fn chance<R: Rng + ?Sized>(rng: &mut R, p: f64) -> bool {
    uniform(rng) < p
}

/// Index drawn with probability proportional to `weights` (which need not sum to one).
/// Returns the last index with positive weight if rounding leaves a remainder, and 0 if all
/// weights are zero.
pub fn categorical<R: Rng + ?Sized>(rng: &mut R, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        return 0;
    }
    let mut target = uniform(rng) * total;
    let mut last = 0;
    for (i, &w) in weights.iter().enumerate() {
        if w > 0.0 {
            last = i;
            if target < w {
                return i;
            }
            target -= w;
        }
    }
    last
}

/// Poisson draw by inversion, monotone in the uniform so that common random numbers carry over
/// when the mean changes a little. Falls back to a normal approximation for large means.
pub fn poisson<R: Rng + ?Sized>(rng: &mut R, mean: f64) -> u32 {
    if mean <= 0.0 {
        return 0;
    }
    if mean > 500.0 {
        let z = standard_normal(rng);
        return (mean + z * mean.sqrt()).round().max(0.0) as u32;
    }
    let u = uniform(rng);
    let mut k = 0u32;
    let mut p = (-mean).exp();
    let mut cdf = p;
    // Guard against underflow of exp(-mean) for larger means by working from the mode downwards
    // would cost more; means here are below 500 so exp(-mean) > 1e-218 and the loop is exact.
    while u >= cdf && k < 10_000 {
        k += 1;
        p *= mean / f64::from(k);
        cdf += p;
        if p == 0.0 {
            break;
        }
    }
    k
}

/// Standard normal draw (Box-Muller; uses two uniforms).
pub fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    let u1 = 1.0 - uniform(rng);
    let u2 = uniform(rng);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_keyed_and_stable() {
        let mut a = stream(42, 0, Purpose::Family, 7, 0);
        let mut b = stream(42, 0, Purpose::Family, 7, 0);
        let mut c = stream(42, 1, Purpose::Family, 7, 0);
        let xa: Vec<u64> = (0..4).map(|_| a.next_u64()).collect();
        let xb: Vec<u64> = (0..4).map(|_| b.next_u64()).collect();
        let xc: Vec<u64> = (0..4).map(|_| c.next_u64()).collect();
        assert_eq!(xa, xb);
        assert_ne!(xa, xc);
    }

    #[test]
    fn seeded_is_the_crates_seed_from_u64() {
        let mut key = 0x0123_4567_89AB_CDEFu64;
        for k in
            [0, 1, u64::MAX, 0x9E37_79B9_7F4A_7C15, 0x61C8_8646_80B5_83EB].into_iter().chain((0..10_000).map(|_| {
                key = mix64(key);
                key
            }))
        {
            let (mut a, mut b) = (seeded(k), Stream::seed_from_u64(k));
            assert_eq!(a, b, "key {k:#x}");
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    #[test]
    fn keys_and_streams_folded_in_parts_are_the_same() {
        assert_eq!(key_continue(key(&[1, 2]), &[3, 4]), key(&[1, 2, 3, 4]));
        assert_ne!(key_continue(key(&[1, 2]), &[4, 3]), key(&[1, 2, 3, 4]));
        let mut a = Streams::new(42, 3, Purpose::PoolCell).stream(7, 9);
        let mut b = stream(42, 3, Purpose::PoolCell, 7, 9);
        let mut c = Streams::new(42, 3, Purpose::Family).stream(7, 9);
        let first = a.next_u64();
        assert_eq!(first, b.next_u64());
        assert_ne!(first, c.next_u64());
    }

    #[test]
    fn poisson_mean_and_variance() {
        let mut rng = stream(1, 0, Purpose::Births, 0, 0);
        let n = 200_000;
        for &mean in &[0.3, 4.0, 60.0] {
            let xs: Vec<f64> = (0..n).map(|_| f64::from(poisson(&mut rng, mean))).collect();
            let m = xs.iter().sum::<f64>() / n as f64;
            let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64;
            // Standard error of the mean is sqrt(mean/n); allow 5 of them.
            assert!((m - mean).abs() < 5.0 * (mean / n as f64).sqrt(), "mean {m} vs {mean}");
            assert!((v / mean - 1.0).abs() < 0.03, "variance {v} vs {mean}");
        }
    }

    #[test]
    fn categorical_respects_weights() {
        let mut rng = stream(3, 0, Purpose::Births, 0, 0);
        let w = [1.0, 0.0, 3.0];
        let mut counts = [0u32; 3];
        for _ in 0..40_000 {
            counts[categorical(&mut rng, &w)] += 1;
        }
        assert_eq!(counts[1], 0);
        let share = f64::from(counts[2]) / 40_000.0;
        assert!((share - 0.75).abs() < 0.015, "share {share}");
    }
}
