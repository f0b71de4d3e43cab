//! The seeded random generator of the synthetic data (xoshiro256**, seeded through
//! splitmix64) and the draws built on it. Deterministic by design: never use it for secrets.

/// splitmix64: spreads any 64-bit seed over the whole state space (also a good mixer).
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Mixes a seed with a stream number, so that each purpose (planning, one day of data…)
/// has its own sequence and adding a draw in one place does not shift all the others.
pub fn stream_seed(seed: u64, stream: u64) -> u64 {
    let mut s = seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03);
    splitmix64(&mut s)
}

/// xoshiro256** (Blackman and Vigna), 256 bits of state.
#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    pub fn new(seed: u64) -> Rng {
        let mut sm = seed;
        Rng { s: [splitmix64(&mut sm), splitmix64(&mut sm), splitmix64(&mut sm), splitmix64(&mut sm)] }
    }

    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1).
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f64()
    }

    /// Uniform in 0..n (0 when n is 0). Multiply-shift: the bias is below 2⁻³², fine here.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform index into a slice of `len` elements (0 when `len` is 0).
    pub fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// Standard normal (Box–Muller; one of the pair is dropped, which keeps this stateless).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.f64(); // (0, 1]: ln is finite
        let u2 = self.f64();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// An index drawn in proportion to `weights` (non-negative; the last index if all are 0).
    pub fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.f64() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len().saturating_sub(1)
    }

    /// The first element of `items` drawn by its weight.
    pub fn pick<'a, T>(&mut self, items: &'a [(T, f64)]) -> Option<&'a T> {
        if items.is_empty() {
            return None;
        }
        let weights: Vec<f64> = items.iter().map(|(_, w)| *w).collect();
        items.get(self.weighted(&weights)).map(|(t, _)| t)
    }

    /// Fisher–Yates.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.index(i + 1);
            items.swap(i, j);
        }
    }

    /// Stochastic rounding: `x` = 2.3 gives 2 seven times in ten and 3 three times.
    pub fn round(&mut self, x: f64) -> u64 {
        let x = x.max(0.0);
        let floor = x.floor();
        floor as u64 + u64::from(self.chance(x - floor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_other_seed_other_sequence() {
        let a: Vec<u64> = (0..5).scan(Rng::new(7), |r, _| Some(r.next_u64())).collect();
        let b: Vec<u64> = (0..5).scan(Rng::new(7), |r, _| Some(r.next_u64())).collect();
        let c: Vec<u64> = (0..5).scan(Rng::new(8), |r, _| Some(r.next_u64())).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(stream_seed(7, 1), stream_seed(7, 2));
    }

    #[test]
    fn splitmix_matches_the_reference_values() {
        // First outputs of splitmix64 seeded with 0 (from the reference implementation).
        let mut s = 0;
        assert_eq!(splitmix64(&mut s), 0xE220_A839_7B1D_CDAF);
        assert_eq!(splitmix64(&mut s), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn draws_stay_in_their_ranges_with_the_right_means() {
        let mut r = Rng::new(42);
        let n = 100_000;
        let mut sum = 0.0;
        let mut sum_sq = 0.0;
        let mut hits = 0;
        for _ in 0..n {
            let u = r.f64();
            assert!((0.0..1.0).contains(&u));
            assert!(r.below(6) < 6);
            let z = r.normal();
            sum += z;
            sum_sq += z * z;
            hits += usize::from(r.chance(0.3));
        }
        let mean = sum / f64::from(n);
        let var = sum_sq / f64::from(n) - mean * mean;
        assert!(mean.abs() < 0.02, "mean {mean}");
        assert!((var - 1.0).abs() < 0.03, "variance {var}");
        let share = hits as f64 / f64::from(n);
        assert!((share - 0.3).abs() < 0.01, "share {share}");
    }

    #[test]
    fn weighted_draws_follow_the_weights_and_skip_zero_weights() {
        let mut r = Rng::new(1);
        let mut counts = [0u32; 3];
        for _ in 0..30_000 {
            counts[r.weighted(&[1.0, 0.0, 3.0])] += 1;
        }
        assert_eq!(counts[1], 0);
        let share = f64::from(counts[2]) / 30_000.0;
        assert!((share - 0.75).abs() < 0.02, "share {share}");
        assert_eq!(r.pick::<u8>(&[]), None);
    }

    #[test]
    fn shuffle_keeps_every_element_and_stochastic_rounding_keeps_the_mean() {
        let mut r = Rng::new(3);
        let mut v: Vec<u32> = (0..50).collect();
        r.shuffle(&mut v);
        assert_ne!(v, (0..50).collect::<Vec<_>>());
        v.sort_unstable();
        assert_eq!(v, (0..50).collect::<Vec<_>>());
        let total: u64 = (0..10_000).map(|_| r.round(2.25)).sum();
        assert!((total as f64 / 10_000.0 - 2.25).abs() < 0.02);
        assert_eq!(r.round(-1.0), 0);
    }
}
