//! Numbers as each language writes them: Vietnamese "86,5 %" and "1.234" (decimal comma,
//! dots between thousands), English "86.5 %" and "1,234". Both put a space before "%", as the
//! city's reports do. Shared by the staff pages and the charts.

use super::Locale;

/// Shown where a figure has no value.
pub const NO_VALUE: &str = "—";

/// `value` with `decimals` decimals in the locale's style: "86,5" (vi), "86.5" (en); a
/// thousands separator in the whole part: "1.234,5" (vi), "1,234.5" (en).
pub fn decimal(value: f64, decimals: usize, locale: Locale) -> String {
    if !value.is_finite() {
        return NO_VALUE.to_owned();
    }
    let text = format!("{:.decimals$}", value.abs());
    let (whole, fraction) = match text.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (text.as_str(), None),
    };
    let (thousands, point) = separators(locale);
    let mut out = String::with_capacity(text.len() + 4);
    // "-0,0" reads oddly: the sign only when something non-zero is shown.
    if value < 0.0 && text.bytes().any(|b| matches!(b, b'1'..=b'9')) {
        out.push('-');
    }
    group_digits(whole, thousands, &mut out);
    if let Some(f) = fraction {
        out.push(point);
        out.push_str(f);
    }
    out
}

/// A percentage (`value` already in percent): "86,5 %" (vi), "86.5 %" (en).
pub fn percent(value: f64, decimals: usize, locale: Locale) -> String {
    if !value.is_finite() {
        return NO_VALUE.to_owned();
    }
    format!("{} %", decimal(value, decimals, locale))
}

/// An optional percentage; "—" without a value.
pub fn percent_or_dash(value: Option<f64>, decimals: usize, locale: Locale) -> String {
    value.map_or_else(|| NO_VALUE.to_owned(), |v| percent(v, decimals, locale))
}

/// A ratio (0.25 = a quarter) as a percentage: "25,0 %".
pub fn ratio_percent(ratio: f64, decimals: usize, locale: Locale) -> String {
    percent(100.0 * ratio, decimals, locale)
}

/// A range of percentages: "80,1–92,3 %" (vi), "80.1–92.3 %" (en).
pub fn percent_range(low: f64, high: f64, decimals: usize, locale: Locale) -> String {
    format!("{}–{}", decimal(low, decimals, locale), percent(high, decimals, locale))
}

/// A count with thousands separators: "1.234" (vi), "1,234" (en).
pub fn count(n: u64, locale: Locale) -> String {
    let mut out = String::new();
    group_digits(&n.to_string(), separators(locale).0, &mut out);
    out
}

/// (thousands separator, decimal point).
fn separators(locale: Locale) -> (char, char) {
    match locale {
        Locale::Vi => ('.', ','),
        Locale::En => (',', '.'),
    }
}

fn group_digits(digits: &str, sep: char, out: &mut String) {
    let len = digits.len();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (len - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Locale::{En, Vi};

    #[test]
    fn percentages_in_both_languages() {
        assert_eq!(percent(86.5, 1, Vi), "86,5 %");
        assert_eq!(percent(86.5, 1, En), "86.5 %");
        assert_eq!(percent(200.0 / 3.0, 1, Vi), "66,7 %");
        assert_eq!(percent(100.0, 1, En), "100.0 %");
        assert_eq!(percent(85.0, 0, Vi), "85 %");
        assert_eq!(percent(0.04, 1, Vi), "0,0 %");
        assert_eq!(percent(f64::NAN, 1, Vi), "—");
        assert_eq!(percent_or_dash(None, 1, En), "—");
        assert_eq!(percent_or_dash(Some(50.0), 1, En), "50.0 %");
        assert_eq!(ratio_percent(0.75, 1, Vi), "75,0 %");
        assert_eq!(ratio_percent(2.0 / 3.0, 1, En), "66.7 %");
        assert_eq!(percent_range(80.125, 92.26, 1, Vi), "80,1–92,3 %");
        assert_eq!(percent_range(20.65, 100.0, 1, En), "20.6–100.0 %");
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(count(0, Vi), "0");
        assert_eq!(count(999, Vi), "999");
        assert_eq!(count(1234, Vi), "1.234");
        assert_eq!(count(1234, En), "1,234");
        assert_eq!(count(1_234_567, Vi), "1.234.567");
        assert_eq!(count(100_000, En), "100,000");
        assert_eq!(decimal(1234.56, 1, Vi), "1.234,6");
        assert_eq!(decimal(1234.56, 2, En), "1,234.56");
        assert_eq!(decimal(-1234.5, 0, En), "-1,234");
        assert_eq!(decimal(-0.01, 1, Vi), "0,0");
    }
}
