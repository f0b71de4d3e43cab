//! Answer distribution: diverging 100 % stacked bars of the answers 1–5 per item.

use super::canvas::{
    empty_chart, label_column, percent_axis, text_width, truncate, Align, Canvas, Scale, Swatch, INK, LABEL, LIKERT,
    LIKERT_DARK, MUTED, PAD, SMALL,
};
use super::{ChartError, ChartText};
use plotters::style::WHITE;

const ROW: i32 = 28;
const BAR: i32 = 18;

/// For each item (label, counts of the answers 1..=5) a 100 % bar centred on zero: answers 1
/// and 2 left of zero, 3 split half on each side, 4 and 5 right; shares of at least 5 % are
/// written in the segments, n at the right. No items give a "no data" chart; an item without
/// answers says so in its row.
pub fn distribution_svg(title: &str, items: &[(String, [u64; 5])], labels: &ChartText) -> Result<String, ChartError> {
    if items.is_empty() {
        return empty_chart(title, labels);
    }
    let label_w = label_column(items.iter().map(|i| &i.0), 280.0);
    let width = super::CHART_WIDTH as i32;
    let x0 = PAD + label_w.round() as i32 + 10;
    let x1 = width - PAD - 72;
    let scale = Scale { d0: -100.0, d1: 100.0, p0: f64::from(x0), p1: f64::from(x1) };
    let legend: Vec<_> = labels.likert.iter().zip(LIKERT).map(|(l, c)| (Swatch::Fill(c), l.clone())).collect();
    let legend_w: f64 = legend.iter().map(|(_, l)| 44.0 + text_width(l, SMALL)).sum();
    let legend_rows = if legend_w > f64::from(width - 2 * PAD) { 2 } else { 1 };
    let top = PAD + 32 + 8 + 20 * legend_rows + 10;
    let n = i32::try_from(items.len()).unwrap_or(i32::MAX / ROW - 100);
    let bottom = top + n * ROW;

    let mut svg = String::new();
    {
        let canvas = Canvas::new(&mut svg, bottom + 48)?;
        let y = canvas.title(title)?;
        canvas.legend(&legend, y)?;
        let ticks = [-100.0, -75.0, -50.0, -25.0, 0.0, 25.0, 50.0, 75.0, 100.0];
        percent_axis(&canvas, scale, &ticks, top, bottom, &labels.share_axis)?;
        // The zero line goes under the bars: the neutral segment is split around it anyway.
        let xz = scale.at(0.0);
        canvas.line((xz, top - 4), (xz, bottom), INK, 1)?;
        for (i, (label, counts)) in items.iter().enumerate() {
            let cy = top + i as i32 * ROW + ROW / 2;
            canvas.text(&truncate(label, LABEL, label_w), x0 - 10, cy, LABEL, INK, Align::Right)?;
            let total: u64 = counts.iter().sum();
            if total == 0 {
                canvas.text(&labels.no_data, scale.at(0.0) + 6, cy, SMALL, MUTED, Align::Left)?;
                continue;
            }
            let share: Vec<f64> = counts.iter().map(|&c| 100.0 * c as f64 / total as f64).collect();
            // Left edge of the bar: everything left of zero.
            let mut at = -(share[0] + share[1] + share[2] / 2.0);
            for (k, &s) in share.iter().enumerate() {
                if s <= 0.0 {
                    continue;
                }
                let (a, b) = (scale.at(at), scale.at(at + s));
                canvas.rect(a, cy - BAR / 2, b, cy + BAR / 2, LIKERT[k])?;
                let text = labels.percent(s, 0);
                if s >= 5.0 && text_width(&text, SMALL - 1.0) + 4.0 <= f64::from(b - a) {
                    let color = if LIKERT_DARK[k] { WHITE } else { INK };
                    canvas.text(&text, (a + b) / 2, cy, SMALL - 1.0, color, Align::Center)?;
                }
                at += s;
            }
            canvas.text(&format!("n = {}", labels.count(total)), x1 + 8, cy, SMALL, MUTED, Align::Left)?;
        }
        canvas.finish()?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::test_support::{png_size, save, texts};
    use crate::charts::to_png;

    fn sample() -> Vec<(String, [u64; 5])> {
        vec![
            ("Thái độ của công chức khi tiếp nhận hồ sơ".into(), [4, 9, 20, 61, 106]),
            ("Thời gian giải quyết đúng hẹn".into(), [22, 31, 40, 70, 37]),
            ("Phí, lệ phí & thủ tục <đơn giản>".into(), [1, 2, 5, 40, 152]),
            ("Cơ sở vật chất tại bộ phận một cửa của Ủy ban nhân dân phường Hoàn Kiếm".into(), [10, 10, 10, 10, 10]),
            ("Câu hỏi chưa có trả lời".into(), [0; 5]),
        ]
    }

    #[test]
    fn keeps_labels_escapes_and_legend() {
        let svg = distribution_svg("Mức độ hài lòng theo câu hỏi", &sample(), &ChartText::vi()).unwrap();
        let t = texts(&svg);
        for label in [
            "Rất hài lòng",
            "Rất không hài lòng",
            "Thời gian giải quyết đúng hẹn",
            "53 %",
            "n = 200",
            "Chưa có dữ liệu",
        ] {
            assert!(t.contains(&label), "{label} missing from {t:?}");
        }
        assert!(svg.contains("&amp; thủ tục &lt;đơn giản"));
        let png = to_png(&svg, 800).unwrap();
        save("distribution", &svg, &png);
        assert_eq!(png_size(&png).0, 800);
    }

    #[test]
    fn empty_gives_a_no_data_chart() {
        let svg = distribution_svg("Trống", &[], &ChartText::vi()).unwrap();
        assert!(texts(&svg).contains(&"Chưa có dữ liệu"));
        assert!(to_png(&svg, 800).is_ok());
    }
}
