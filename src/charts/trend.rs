//! Trend chart: an index over periods as a line with gaps, n under each period, and the target.

use super::canvas::{
    empty_chart, px, text_width, truncate, Align, Canvas, Scale, Swatch, BLUE, GRID, INK, LABEL, MUTED, PAD, SMALL,
    TARGET,
};
use super::{ChartError, ChartText};

const PLOT_H: i32 = 300;

/// A line over periods (label, index in percent, n) with a dot per period, broken where the
/// index is `None`; periods with fewer than `labels.small_n` answers get a hollow dot. A dashed target
/// line with its label on the right. The y axis starts at a multiple of 10 below the lowest
/// value or the target. No points give a "no data" chart.
pub fn trend_svg(
    title: &str,
    points: &[(String, Option<f64>, u64)],
    target: f64,
    labels: &ChartText,
) -> Result<String, ChartError> {
    if points.is_empty() {
        return empty_chart(title, labels);
    }
    let value = |p: &(String, Option<f64>, u64)| p.1.filter(|v| v.is_finite());
    let lowest = points.iter().filter_map(value).fold(target, f64::min);
    let y_min = (((lowest - 5.0) / 10.0).floor() * 10.0).clamp(0.0, 80.0);
    let step = if 100.0 - y_min > 50.0 { 20.0 } else { 10.0 };

    let width = super::CHART_WIDTH as i32;
    let x0 = PAD + 36;
    let x1 = width - PAD - 8;
    let mut legend =
        vec![(Swatch::Line(BLUE), labels.index.clone()), (Swatch::Dashed(TARGET), labels.target_label(target))];
    if points.iter().any(|p| p.2 < labels.small_n && value(p).is_some()) {
        legend.push((Swatch::Hollow(BLUE), labels.small_sample.clone()));
    }
    let top = PAD + 32 + 8 + 20 + 30;
    let bottom = top + PLOT_H;
    let scale = Scale { d0: y_min, d1: 100.0, p0: f64::from(bottom), p1: f64::from(top) };
    let count = points.len();
    let band = f64::from(x1 - x0) / count as f64;
    let x_at = |i: usize| px(f64::from(x0) + (i as f64 + 0.5) * band);
    // Show every k-th period label so that labels do not overlap.
    let widest = points.iter().map(|p| text_width(&p.0, SMALL)).fold(0.0, f64::max).min(120.0);
    let every = ((widest + 8.0) / band).ceil().max(1.0) as usize;
    let show_values = band >= 44.0;

    let mut svg = String::new();
    {
        let canvas = Canvas::new(&mut svg, bottom + 64)?;
        let y = canvas.title(title)?;
        canvas.legend(&legend, y)?;
        canvas.text(&labels.index_axis, PAD, top - 16, SMALL, INK, Align::Left)?;
        let mut t = y_min;
        while t <= 100.0 + 1e-9 {
            let y = scale.at(t);
            canvas.line((x0, y), (x1, y), GRID, 1)?;
            canvas.text(&format!("{t}"), x0 - 6, y, SMALL, MUTED, Align::Right)?;
            t += step;
        }
        canvas.line((x0, bottom), (x1, bottom), INK, 1)?;
        let yt = scale.at(target);
        canvas.dashed((x0, yt), (x1, yt), TARGET, 2)?;
        // Target label at the right end, on the side of the line away from the last value.
        let last_above = points.iter().rev().find_map(value).is_some_and(|v| v >= target);
        let label_y = if last_above { yt + 12 } else { yt - 12 };
        canvas.text(&labels.target_label(target), x1, label_y, SMALL, TARGET, Align::Right)?;

        // Line segments between consecutive periods that both have a value.
        let mut run: Vec<(i32, i32)> = Vec::new();
        for (i, p) in points.iter().enumerate() {
            match value(p) {
                Some(v) => run.push((x_at(i), scale.at(v))),
                None => {
                    if run.len() > 1 {
                        canvas.polyline(std::mem::take(&mut run), BLUE, 3)?;
                    }
                    run.clear();
                }
            }
        }
        if run.len() > 1 {
            canvas.polyline(run, BLUE, 3)?;
        }

        // Labels are thinned around the newest period with answers, which is always labelled.
        let anchor = points.iter().rposition(|p| p.2 > 0).unwrap_or(0);
        for (i, p) in points.iter().enumerate() {
            let x = x_at(i);
            if i.abs_diff(anchor) % every == 0 {
                canvas.text(
                    &truncate(&p.0, SMALL, band * every as f64 - 8.0),
                    x,
                    bottom + 14,
                    SMALL,
                    INK,
                    Align::Center,
                )?;
                canvas.text(&format!("n = {}", labels.count(p.2)), x, bottom + 30, SMALL, MUTED, Align::Center)?;
            }
            match value(p) {
                Some(v) => {
                    let y = scale.at(v);
                    canvas.dot(x, y, 5, BLUE, p.2 < labels.small_n)?;
                    if show_values {
                        let text = labels.percent(v, 1);
                        let half = px(text_width(&text, SMALL) / 2.0);
                        canvas.boxed_text(&text, x - half, y - 16, SMALL, INK)?;
                    }
                }
                None => {
                    let note = truncate(&labels.no_data, SMALL, band - 4.0);
                    canvas.text(&note, x, bottom - 12, SMALL, MUTED, Align::Center)?;
                }
            }
        }
        canvas.text(&labels.period, (x0 + x1) / 2, bottom + 50, LABEL, INK, Align::Center)?;
        canvas.finish()?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::test_support::{png_size, save, texts};
    use crate::charts::to_png;

    fn sample() -> Vec<(String, Option<f64>, u64)> {
        vec![
            ("Tháng 1/2026".into(), Some(81.2), 120),
            ("Tháng 2/2026".into(), Some(83.9), 96),
            ("Tháng 3/2026".into(), None, 0),
            ("Tháng 4/2026".into(), Some(86.5), 143),
            ("Tháng 5/2026".into(), Some(88.0), 25),
            ("Tháng 6/2026".into(), Some(87.1), 1210),
            ("Quý III & <IV>".into(), Some(90.4), 310),
        ]
    }

    #[test]
    fn keeps_labels_gaps_and_target() {
        let svg = trend_svg("Ủy ban nhân dân phường Hoàn Kiếm – 2026", &sample(), 85.0, &ChartText::vi()).unwrap();
        let t = texts(&svg);
        for label in ["Tháng 1/2026", "Mục tiêu 85 %", "86,5 %", "n = 1.210", "Chưa có dữ liệu", "Kỳ"] {
            assert!(t.contains(&label), "{label} missing from {t:?}");
        }
        assert!(svg.contains("Ủy ban nhân dân phường Hoàn Kiếm"));
        assert!(svg.contains("Quý III &amp; &lt;IV"));
        let png = to_png(&svg, 800).unwrap();
        save("trend", &svg, &png);
        assert_eq!(png_size(&png).0, 800);
    }

    #[test]
    fn many_periods_empty_and_all_none() {
        let many: Vec<_> = (1..=36)
            .map(|i| (format!("Tháng {}/{}", (i - 1) % 12 + 1, 2024 + (i - 1) / 12), Some(80.0 + f64::from(i % 7)), 50))
            .collect();
        assert!(to_png(&trend_svg("Ba năm", &many, 85.0, &ChartText::vi()).unwrap(), 800).is_ok());
        let svg = trend_svg("Trống", &[], 85.0, &ChartText::vi()).unwrap();
        assert!(texts(&svg).contains(&"Chưa có dữ liệu"));
        let none = [("Q1".to_string(), None, 0), ("Q2".to_string(), None, 3)];
        assert!(to_png(&trend_svg("None", &none, 85.0, &ChartText::en()).unwrap(), 800).is_ok());
    }

    #[test]
    fn the_newest_period_with_answers_is_always_labelled() {
        // Twelve months of a year that has only begun: answers in January alone.
        let year: Vec<_> = (1..=12)
            .map(|m| (format!("Tháng {m}/2027"), (m == 1).then_some(66.7), if m == 1 { 3 } else { 0 }))
            .collect();
        let svg = trend_svg("Năm 2027", &year, 85.0, &ChartText::vi()).unwrap();
        let t = texts(&svg);
        assert!(t.contains(&"Tháng 1/2027") && t.contains(&"n = 3"), "{t:?}");
        // And in December, after eleven months of answers.
        let year: Vec<_> = (1..=12).map(|m| (format!("Tháng {m}/2026"), Some(80.0), 10 + m)).collect();
        let svg = trend_svg("Năm 2026", &year, 85.0, &ChartText::vi()).unwrap();
        let t = texts(&svg);
        assert!(t.contains(&"Tháng 12/2026") && t.contains(&"n = 22"), "{t:?}");
    }
}
