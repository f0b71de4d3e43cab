//! The words and number style of a chart in one locale (Vietnamese first, English second).

use crate::domain::{numbers, Locale};

/// How numbers are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberStyle {
    /// Vietnamese: decimal comma, "." between thousands, a space before "%": "86,5 %", "1.234".
    Vi,
    /// English: "86.5 %", "1,234".
    En,
}

impl NumberStyle {
    /// The language whose style this is (see `domain::numbers`).
    pub fn locale(self) -> Locale {
        match self {
            NumberStyle::Vi => Locale::Vi,
            NumberStyle::En => Locale::En,
        }
    }
}

/// Axis captions, legend texts and notes for the charts, all in one locale.
///
/// Fields are public so that a caller can adjust a single text (e.g. the index name).
#[derive(Debug, Clone, PartialEq)]
pub struct ChartText {
    /// Number style of the locale.
    pub numbers: NumberStyle,
    /// Caption of the percent axis of index charts.
    pub index_axis: String,
    /// Legend text for index bars and lines.
    pub index: String,
    /// Legend text for the 95 % interval whiskers.
    pub ci: String,
    /// Word before the target value, e.g. "Mục tiêu" → "Mục tiêu 85 %".
    pub target: String,
    /// Below this many answers a figure is a small sample (hollow dots in a trend).
    pub small_n: u64,
    /// Legend text for small samples (the legend puts "* " before it).
    pub small_sample: String,
    /// Legend text for the agency in a criterion profile.
    pub agency: String,
    /// Legend text for the city in a criterion profile.
    pub city: String,
    /// Caption of the period axis of a trend.
    pub period: String,
    /// Caption of the share axis of an answer distribution.
    pub share_axis: String,
    /// Answer labels for the values 1 to 5.
    pub likert: [String; 5],
    /// Note on an empty chart, and beside a row without a value.
    pub no_data: String,
}

impl ChartText {
    /// The texts of `locale` with `small_n` as the small-sample threshold.
    pub fn for_locale(locale: Locale, small_n: u64) -> Self {
        let mut text = match locale {
            Locale::Vi => Self::vi(),
            Locale::En => Self::en(),
        };
        text.small_n = small_n;
        text.small_sample = match locale {
            Locale::Vi => format!("Mẫu nhỏ (n < {small_n}), không xếp hạng"),
            Locale::En => format!("Small sample (n < {small_n}), not ranked"),
        };
        text
    }

    /// Vietnamese texts (small samples: n < [`super::SMALL_N`]).
    pub fn vi() -> Self {
        Self {
            numbers: NumberStyle::Vi,
            small_n: super::SMALL_N,
            index_axis: "Chỉ số hài lòng (%)".into(),
            index: "Chỉ số hài lòng".into(),
            ci: "Khoảng tin cậy 95 %".into(),
            target: "Mục tiêu".into(),
            small_sample: format!("Mẫu nhỏ (n < {}), không xếp hạng", super::SMALL_N),
            agency: "Cơ quan".into(),
            city: "Toàn thành phố".into(),
            period: "Kỳ".into(),
            share_axis: "Tỷ lệ câu trả lời (%)".into(),
            likert: [
                "Rất không hài lòng".into(),
                "Không hài lòng".into(),
                "Bình thường".into(),
                "Hài lòng".into(),
                "Rất hài lòng".into(),
            ],
            no_data: "Chưa có dữ liệu".into(),
        }
    }

    /// English texts (small samples: n < [`super::SMALL_N`]).
    pub fn en() -> Self {
        Self {
            numbers: NumberStyle::En,
            small_n: super::SMALL_N,
            index_axis: "Satisfaction index (%)".into(),
            index: "Satisfaction index".into(),
            ci: "95 % confidence interval".into(),
            target: "Target".into(),
            small_sample: format!("Small sample (n < {}), not ranked", super::SMALL_N),
            agency: "Agency".into(),
            city: "City".into(),
            period: "Period".into(),
            share_axis: "Share of answers (%)".into(),
            likert: [
                "Very dissatisfied".into(),
                "Dissatisfied".into(),
                "Neutral".into(),
                "Satisfied".into(),
                "Very satisfied".into(),
            ],
            no_data: "No data".into(),
        }
    }

    /// A percentage with `decimals` decimals: "86,5 %" (vi) or "86.5 %" (en).
    pub fn percent(&self, value: f64, decimals: usize) -> String {
        numbers::percent(value, decimals, self.numbers.locale())
    }

    /// A count with thousands separators: "1.234" (vi) or "1,234" (en).
    pub fn count(&self, n: u64) -> String {
        numbers::count(n, self.numbers.locale())
    }

    /// The target line's label, e.g. "Mục tiêu 85 %".
    pub fn target_label(&self, target: f64) -> String {
        let decimals = if target.fract() == 0.0 { 0 } else { 1 };
        format!("{} {}", self.target, self.percent(target, decimals))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_the_locale() {
        let (vi, en) = (ChartText::vi(), ChartText::en());
        assert_eq!(vi.percent(86.5, 1), "86,5 %");
        assert_eq!(en.percent(86.5, 1), "86.5 %");
        assert_eq!(vi.count(1234567), "1.234.567");
        assert_eq!(en.count(1234), "1,234");
        assert_eq!(en.count(123), "123");
        assert_eq!(vi.target_label(85.0), "Mục tiêu 85 %");
        assert_eq!(en.target_label(87.5), "Target 87.5 %");
        assert_eq!(ChartText::for_locale(Locale::Vi, 5).small_sample, "Mẫu nhỏ (n < 5), không xếp hạng");
        assert_eq!(ChartText::for_locale(Locale::En, 30), ChartText::en());
    }
}
