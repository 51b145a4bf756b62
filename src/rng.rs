//! The one seeded pseudo-random number generator: every random choice in irqlab comes from here.
//!
//! The generator is **xoshiro256\*\*** (Blackman and Vigna, 2018, <https://prng.di.unimi.it/>):
//! 256 bits of state, period 2^256 − 1, and the output function `rotl(s1 * 5, 7) * 9`. The state
//! is filled from a 64-bit seed with **SplitMix64** (Steele, Lea and Flood, 2014), as the
//! xoshiro authors recommend, so seeds that differ in one bit give unrelated streams.
//!
//! Streams are derived, not shared: [`Rng::fork`] gives an independent generator that depends
//! only on the parent's seed lineage and a stream id, never on how many numbers the parent has
//! drawn. This is how each scenario stimulus gets its own stream, so adding one stimulus does not
//! change another's edges.
//!
//! Probabilities are integer ratios ([`Ratio`]), never floats. The one float computation,
//! [`Rng::exponential`], uses only IEEE-754 `+ - * /` (our own logarithm, no `libm`), which are
//! correctly rounded everywhere, so results are identical on every platform.
//!
//! This module must not read the wall clock, the environment or the OS entropy source.

/// A probability as an integer ratio `numerator / denominator` (TigerBeetle's `Ratio`).
///
/// Invariant: `denominator > 0` and `numerator <= denominator`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ratio {
    numerator: u64,
    denominator: u64,
}

impl Ratio {
    /// Never.
    pub const ZERO: Ratio = Ratio {
        numerator: 0,
        denominator: 1,
    };
    /// Always.
    pub const ONE: Ratio = Ratio {
        numerator: 1,
        denominator: 1,
    };

    /// The probability `numerator / denominator`; `None` if the denominator is zero or the
    /// ratio exceeds one.
    pub fn new(numerator: u64, denominator: u64) -> Option<Ratio> {
        (denominator > 0 && numerator <= denominator).then_some(Ratio {
            numerator,
            denominator,
        })
    }

    /// A probability given in parts per million (`per_million(250_000)` is 25 %); `None` above
    /// one million.
    pub fn per_million(ppm: u64) -> Option<Ratio> {
        Ratio::new(ppm, 1_000_000)
    }

    /// The numerator.
    pub fn numerator(self) -> u64 {
        self.numerator
    }

    /// The denominator (never zero).
    pub fn denominator(self) -> u64 {
        self.denominator
    }
}

/// The seeded generator (xoshiro256\*\* seeded by SplitMix64).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rng {
    /// Invariant: not all zero (SplitMix64 never yields four zero words in a row).
    state: [u64; 4],
    /// The seed this generator was made from; the root of [`Rng::fork`] derivations.
    seed: u64,
}

/// The SplitMix64 increment (2^64 / φ, rounded to odd).
const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// Mixed into stream ids by [`Rng::fork`] so a fork of stream 0 differs from the parent.
const FORK_TAG: u64 = 0x6972_716C_6162_2E66; // "irqlab.f"

/// One SplitMix64 step: advances `x` and returns the next output.
fn splitmix64(x: &mut u64) -> u64 {
    *x = x.wrapping_add(GOLDEN_GAMMA);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// A generator whose whole future is determined by `seed`.
    pub fn from_seed(seed: u64) -> Rng {
        let mut x = seed;
        let state = [
            splitmix64(&mut x),
            splitmix64(&mut x),
            splitmix64(&mut x),
            splitmix64(&mut x),
        ];
        Rng { state, seed }
    }

    /// The seed this generator was made from (for forks: the derived seed).
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The next 64 random bits (xoshiro256\*\*).
    pub fn u64(&mut self) -> u64 {
        let s = &mut self.state;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// A uniform integer in `0..n`, without modulo bias (Lemire's multiply-and-reject method).
    ///
    /// Panics if `n == 0`: asking for a number below zero is a caller bug.
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "Rng::below(0): empty range");
        let mut m = u128::from(self.u64()) * u128::from(n);
        if (m as u64) < n {
            let threshold = n.wrapping_neg() % n;
            while (m as u64) < threshold {
                m = u128::from(self.u64()) * u128::from(n);
            }
        }
        (m >> 64) as u64
    }

    /// A uniform integer in `low..=high`. Panics if `low > high`.
    pub fn range_inclusive(&mut self, low: u64, high: u64) -> u64 {
        assert!(
            low <= high,
            "Rng::range_inclusive({low}, {high}): empty range"
        );
        match (high - low).checked_add(1) {
            Some(n_values) => low + self.below(n_values),
            None => self.u64(),
        }
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: Ratio) -> bool {
        self.below(p.denominator) < p.numerator
    }

    /// A sample of the exponential distribution with mean `mean` (any unit; returned in the
    /// same unit, rounded down), i.e. the gap between arrivals of a Poisson process.
    ///
    /// Computed as `-ln(u) * mean` with `u` uniform in `(0, 1]` on a 2^-53 grid, so the result is
    /// at most about `36.8 * mean`. The logarithm is [`ln_deterministic`].
    pub fn exponential(&mut self, mean: u64) -> u64 {
        let u = ((self.u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64);
        let sample = -ln_deterministic(u) * mean as f64;
        // `as` saturates; `sample` is finite and non-negative because `u` is in (0, 1].
        sample as u64
    }

    /// An independent generator for stream `stream_id`, derived from this generator's seed.
    ///
    /// The result depends only on `(self.seed(), stream_id)`: not on how many numbers `self`
    /// has produced, and `self` is not advanced. Forking the same id twice gives the same
    /// stream; forks of forks work (the derived seed becomes the child's seed).
    pub fn fork(&self, stream_id: u64) -> Rng {
        let mut id_mix = stream_id ^ FORK_TAG;
        let mut seed_mix = self.seed ^ splitmix64(&mut id_mix);
        Rng::from_seed(splitmix64(&mut seed_mix))
    }
}

/// A stable 64-bit id for a stream name (FNV-1a), for use with [`Rng::fork`].
pub fn stream_id(name: &str) -> u64 {
    let mut hash: u64 = 0xCBF2_9CE4_8422_2325;
    for byte in name.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01B3);
    }
    hash
}

/// The natural logarithm of a positive, normal `x`, using only correctly rounded IEEE-754
/// operations so it is bit-identical on every platform (the platform `ln` may differ in the
/// last bit between libm implementations).
///
/// Method: split `x = m * 2^e` with `m` in `[sqrt(1/2), sqrt(2))`, then
/// `ln(m) = 2 * atanh(s) = 2 * (s + s^3/3 + s^5/5 + ...)` with `s = (m - 1) / (m + 1)`,
/// `|s| < 0.172`; eleven terms leave an error below 1e-17.
pub fn ln_deterministic(x: f64) -> f64 {
    assert!(
        x.is_normal() && x > 0.0,
        "ln_deterministic({x}): needs a positive normal number"
    );
    let bits = x.to_bits();
    let mut exponent = ((bits >> 52) & 0x7FF) as i64 - 1023;
    let mut mantissa = f64::from_bits((bits & 0x000F_FFFF_FFFF_FFFF) | (1023u64 << 52));
    if mantissa > std::f64::consts::SQRT_2 {
        mantissa /= 2.0;
        exponent += 1;
    }
    let s = (mantissa - 1.0) / (mantissa + 1.0);
    let s2 = s * s;
    let mut term = s;
    let mut sum = 0.0;
    for k in 0..11 {
        sum += term / f64::from(2 * k + 1);
        term *= s2;
    }
    exponent as f64 * std::f64::consts::LN_2 + 2.0 * sum
}

#[cfg(test)]
mod tests {
    use super::*;

    // SplitMix64 from seed 0 matches the published reference outputs.
    #[test]
    fn splitmix64_reference_outputs() {
        let mut x = 0u64;
        assert_eq!(splitmix64(&mut x), 0xE220_A839_7B1D_CDAF);
        assert_eq!(splitmix64(&mut x), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(splitmix64(&mut x), 0x06C4_5D18_8009_454F);
    }

    // xoshiro256** from the state [1, 2, 3, 4] matches the reference implementation.
    #[test]
    fn xoshiro256starstar_reference_outputs() {
        let mut rng = Rng {
            state: [1, 2, 3, 4],
            seed: 0,
        };
        let outputs: Vec<u64> = (0..4).map(|_| rng.u64()).collect();
        assert_eq!(outputs, [11520, 0, 1509978240, 1215971899390074240]);
    }

    // The stream for seed 42 is pinned: changing it changes every recorded trace.
    #[test]
    fn golden_sequence_for_seed_42() {
        let mut rng = Rng::from_seed(42);
        let outputs: Vec<u64> = (0..4).map(|_| rng.u64()).collect();
        assert_eq!(
            outputs,
            [
                1546998764402558742,
                6990951692964543102,
                12544586762248559009,
                17057574109182124193
            ]
        );
        let mut rng = Rng::from_seed(42);
        let small: Vec<u64> = (0..10).map(|_| rng.below(10)).collect();
        assert_eq!(small, [0, 3, 6, 9, 9, 7, 7, 8, 7, 5]);
    }

    // `below` stays in range for awkward bounds, including 1 and u64::MAX.
    #[test]
    fn below_stays_in_range() {
        let mut rng = Rng::from_seed(7);
        for n in [1, 2, 3, 7, 1_000, u64::MAX / 3, u64::MAX] {
            for _ in 0..1_000 {
                assert!(rng.below(n) < n);
            }
        }
        for _ in 0..1_000 {
            let x = rng.range_inclusive(5, 9);
            assert!((5..=9).contains(&x));
        }
        assert_eq!(rng.range_inclusive(3, 3), 3);
        let _ = rng.range_inclusive(0, u64::MAX);
    }

    // Every value of a small range is hit, in roughly equal numbers.
    #[test]
    fn below_is_roughly_uniform() {
        let mut rng = Rng::from_seed(1);
        let mut counts = [0u32; 6];
        for _ in 0..60_000 {
            counts[rng.below(6) as usize] += 1;
        }
        for count in counts {
            assert!((9_000..11_000).contains(&count), "{counts:?}");
        }
    }

    // `chance` respects the edge ratios exactly and a middle ratio approximately.
    #[test]
    fn chance_follows_the_ratio() {
        let mut rng = Rng::from_seed(3);
        assert!((0..1_000).all(|_| !rng.chance(Ratio::ZERO)));
        assert!((0..1_000).all(|_| rng.chance(Ratio::ONE)));
        let quarter = Ratio::per_million(250_000).unwrap();
        let hits = (0..100_000).filter(|_| rng.chance(quarter)).count();
        assert!((24_000..26_000).contains(&hits), "{hits}");
        assert_eq!(Ratio::new(2, 1), None);
        assert_eq!(Ratio::new(0, 0), None);
        assert_eq!(Ratio::per_million(1_000_001), None);
    }

    // Forks depend on the seed and stream id only, and differ from each other and the parent.
    #[test]
    fn fork_is_independent_of_parent_draws() {
        let parent = Rng::from_seed(9);
        let mut advanced = parent.clone();
        advanced.u64();
        assert_eq!(parent.fork(1), advanced.fork(1));
        let mut a = parent.fork(1);
        let mut b = parent.fork(2);
        let mut p = parent.clone();
        let (x, y, z) = (a.u64(), b.u64(), p.u64());
        assert!(x != y && y != z && x != z);
        assert_ne!(parent.fork(1).fork(1), parent.fork(1));
        assert_ne!(stream_id("pin 4"), stream_id("pin 5"));
    }

    // The exponential sampler's mean is close to the requested mean.
    #[test]
    fn exponential_has_the_requested_mean() {
        let mut rng = Rng::from_seed(11);
        let n = 200_000u64;
        let total: u64 = (0..n).map(|_| rng.exponential(1_000_000)).sum();
        let mean = total / n;
        assert!((990_000..1_010_000).contains(&mean), "{mean}");
    }

    // Our logarithm agrees with the platform's to within a few ulps.
    #[test]
    fn ln_deterministic_matches_std() {
        for x in [
            1e-16,
            2f64.powi(-53),
            0.001,
            0.3,
            0.5,
            0.75,
            0.9999,
            1.0,
            1.5,
            2.0,
            1e10,
        ] {
            let ours = ln_deterministic(x);
            let theirs = x.ln();
            assert!(
                (ours - theirs).abs() <= 1e-15 * theirs.abs().max(1.0),
                "{x}: {ours} {theirs}"
            );
        }
    }
}
