//! Small statistics for indices: the 95 % Wilson score interval of a proportion.

/// The two-sided 95 % normal quantile.
pub const Z_95: f64 = 1.959964;

/// The 95 % Wilson score interval of `successes` out of `n`, in percent (`(low, high)`, both
/// within 0–100). `None` when `n` is 0 or `successes > n`. At the edges the interval is exact:
/// 0 of n starts at 0 and n of n ends at 100 (the formula gives those up to rounding only).
pub fn wilson_interval(successes: u64, n: u64) -> Option<(f64, f64)> {
    if n == 0 || successes > n {
        return None;
    }
    Some(wilson(successes as f64 / n as f64, n))
}

/// The 95 % Wilson interval of a rate in percent (0–100) treated as a proportion of `n`
/// observations; `None` when `n` is 0 or the rate is outside 0–100.
///
/// An approximate interval for criterion and overall indices, which are means of item rates
/// (with `n` their response-count proxy): when every response answers every item it is
/// conservative (the mean of rates varies at most as one rate of `n` does); items answered by
/// fewer responses make it somewhat too narrow.
pub fn rate_interval(rate: f64, n: u64) -> Option<(f64, f64)> {
    if n == 0 || !(0.0..=100.0).contains(&rate) {
        return None;
    }
    Some(wilson(rate / 100.0, n))
}

/// The interval of the proportion `p` (0–1) of `n` > 0, in percent; exact at 0 and 1.
fn wilson(p: f64, n: u64) -> (f64, f64) {
    let n_f = n as f64;
    let z2 = Z_95 * Z_95;
    let denominator = 1.0 + z2 / n_f;
    let centre = (p + z2 / (2.0 * n_f)) / denominator;
    let half = Z_95 / denominator * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt();
    let low = if p <= 0.0 { 0.0 } else { (centre - half).clamp(0.0, 1.0) };
    let high = if p >= 1.0 { 1.0 } else { (centre + half).clamp(0.0, 1.0) };
    (100.0 * low, 100.0 * high)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rounded(x: Option<(f64, f64)>) -> (f64, f64) {
        let (l, h) = x.unwrap();
        ((l * 10.0).round() / 10.0, (h * 10.0).round() / 10.0)
    }

    #[test]
    fn known_values() {
        assert_eq!(rounded(wilson_interval(8, 10)), (49.0, 94.3));
        assert_eq!(rounded(wilson_interval(0, 10)), (0.0, 27.8));
        assert_eq!(rounded(wilson_interval(10, 10)), (72.2, 100.0));
        assert_eq!(rounded(wilson_interval(5, 10)), (23.7, 76.3));
        assert_eq!(rounded(wilson_interval(1, 1)), (20.7, 100.0));
        assert_eq!(rounded(wilson_interval(0, 1)), (0.0, 79.3));
        assert_eq!(rounded(wilson_interval(50, 100)), (40.4, 59.6));
        assert_eq!(rounded(wilson_interval(900, 1000)), (88.0, 91.7));
    }

    #[test]
    fn edges_are_exact_and_empty_is_none() {
        assert_eq!(wilson_interval(0, 0), None);
        assert_eq!(wilson_interval(3, 2), None);
        assert_eq!(wilson_interval(0, 7).unwrap().0, 0.0);
        assert_eq!(wilson_interval(7, 7).unwrap().1, 100.0);
        assert_eq!(wilson_interval(0, 1_000_000).unwrap().0, 0.0);
        assert_eq!(wilson_interval(1_000_000, 1_000_000).unwrap().1, 100.0);
    }

    #[test]
    fn a_rate_gives_the_interval_of_its_counts() {
        assert_eq!(rate_interval(80.0, 10), wilson_interval(8, 10));
        assert_eq!(rounded(rate_interval(200.0 / 3.0, 3)), (20.8, 93.9));
        assert_eq!(rate_interval(50.0, 0), None);
        assert_eq!(rate_interval(100.5, 10), None);
        assert_eq!(rate_interval(100.0, 4).unwrap().1, 100.0);
    }

    #[test]
    fn interval_contains_the_rate_and_is_symmetric() {
        for n in 1..60u64 {
            for k in 0..=n {
                let (l, h) = wilson_interval(k, n).unwrap();
                let p = 100.0 * k as f64 / n as f64;
                assert!((0.0..=100.0).contains(&l) && (0.0..=100.0).contains(&h));
                assert!(l <= p && p <= h, "{k}/{n}: {l} {p} {h}");
                let (l2, h2) = wilson_interval(n - k, n).unwrap();
                assert!((l - (100.0 - h2)).abs() < 1e-9 && (h - (100.0 - l2)).abs() < 1e-9);
            }
        }
    }
}
