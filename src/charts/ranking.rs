//! Ranking chart: horizontal bars of agencies' indices with 95 % intervals and the target line.

use std::cmp::Ordering;

use super::canvas::{
    empty_chart, label_column, percent_axis, truncate, Align, Canvas, Scale, Swatch, BLUE, INK, LABEL, MUTED, PAD,
    SMALL, TARGET,
};
use super::{Bar, ChartError, ChartText};

const ROW: i32 = 26;
const BAR: i32 = 16;

/// Order of the bars: ranked bars by value (highest first), then small samples by value, then
/// bars without a value; ties keep the input order.
fn order(bars: &[Bar]) -> Vec<&Bar> {
    let mut sorted: Vec<&Bar> = bars.iter().collect();
    let group = |b: &Bar| match (b.value, b.small_n) {
        (Some(_), false) => 0,
        (Some(_), true) => 1,
        (None, _) => 2,
    };
    sorted.sort_by(|a, b| {
        group(a).cmp(&group(b)).then_with(|| {
            b.value
                .unwrap_or(f64::NEG_INFINITY)
                .partial_cmp(&a.value.unwrap_or(f64::NEG_INFINITY))
                .unwrap_or(Ordering::Equal)
        })
    });
    sorted
}

/// Horizontal bars sorted by value with 95 % interval whiskers, a dashed target line with its
/// label, and small samples drawn grey, hatched and marked "*" after the ranked bars.
///
/// `target` is in percent (usually [`super::DEFAULT_TARGET`]). No bars give a "no data" chart.
pub fn ranking_svg(title: &str, bars: &[Bar], target: f64, labels: &ChartText) -> Result<String, ChartError> {
    if bars.is_empty() {
        return empty_chart(title, labels);
    }
    let bars = order(bars);
    let label_w = label_column(bars.iter().map(|b| &b.label), 300.0);
    let width = super::CHART_WIDTH as i32;
    let x0 = PAD + label_w.round() as i32 + 10;
    let x1 = width - PAD - 70;
    let scale = Scale { d0: 0.0, d1: 100.0, p0: f64::from(x0), p1: f64::from(x1) };

    let mut legend = vec![
        (Swatch::Fill(BLUE), labels.index.clone()),
        (Swatch::Whisker, labels.ci.clone()),
        (Swatch::Dashed(TARGET), labels.target_label(target)),
    ];
    if bars.iter().any(|b| b.small_n) {
        legend.push((Swatch::Hatch, format!("* {}", labels.small_sample)));
    }

    // Heights are fixed per row, so the canvas height is known before drawing; the legend takes
    // at most two rows at this width.
    let legend_rows = if legend_width(&legend) > f64::from(width - 2 * PAD) { 2 } else { 1 };
    let top = PAD + 32 + 8 + 20 * legend_rows + 24;
    let n = i32::try_from(bars.len()).unwrap_or(i32::MAX / ROW - 100);
    let bottom = top + n * ROW;
    let height = bottom + 48;

    let mut svg = String::new();
    {
        let canvas = Canvas::new(&mut svg, height)?;
        let y = canvas.title(title)?;
        canvas.legend(&legend, y)?;
        percent_axis(&canvas, scale, &[0.0, 20.0, 40.0, 60.0, 80.0, 100.0], top, bottom, &labels.index_axis)?;

        // Bars and whiskers first, then the target line over them, then the value labels on
        // white boxes so that the line never crosses a number.
        let mut values = Vec::new();
        for (i, bar) in bars.iter().enumerate() {
            let cy = top + i as i32 * ROW + ROW / 2;
            let color = if bar.small_n { MUTED } else { INK };
            let name = truncate(&bar.label, LABEL, label_w);
            canvas.text(&name, x0 - 10, cy, LABEL, color, Align::Right)?;
            let Some(v) = bar.value.filter(|v| v.is_finite()) else {
                values.push((labels.no_data.clone(), x0 + 6, cy, MUTED));
                continue;
            };
            let xv = scale.at(v);
            let (b0, b1) = (cy - BAR / 2, cy + BAR / 2);
            if bar.small_n {
                canvas.hatched(x0, b0, xv.max(x0 + 1), b1)?;
            } else {
                canvas.rect(x0, b0, xv, b1, BLUE)?;
            }
            let mut end = xv;
            if let Some((lo, hi)) = bar.ci.filter(|(lo, hi)| lo.is_finite() && hi.is_finite()) {
                let (l, h) = (scale.at(lo.min(hi)), scale.at(lo.max(hi)));
                canvas.whisker(l, h, cy)?;
                end = end.max(h);
            }
            let mut value = labels.percent(v, 1);
            if bar.small_n {
                value.push('*');
            }
            values.push((value, end + 6, cy, color));
        }

        canvas.finish_bars(&scale, target, &labels.target_label(target), values, x0, top, bottom)?;
    }
    Ok(svg)
}

/// Width of a legend drawn in one row.
fn legend_width(items: &[(Swatch, String)]) -> f64 {
    items.iter().map(|(_, l)| 44.0 + super::canvas::text_width(l, SMALL)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::test_support::{png_size, save, texts};
    use crate::charts::{to_png, DEFAULT_TARGET};

    fn bar(label: &str, value: Option<f64>, small_n: bool) -> Bar {
        Bar { label: label.into(), value, ci: value.map(|v| (v - 4.0, (v + 3.5).min(100.0))), small_n }
    }

    fn sample() -> Vec<Bar> {
        vec![
            bar("Sở Tài nguyên và Môi trường", Some(78.4), false),
            bar("Ủy ban nhân dân phường Hoàn Kiếm", Some(91.2), false),
            bar("Sở Y tế", Some(86.5), false),
            bar("Sở Giáo dục và Đào tạo", Some(83.0), false),
            bar("Sở Công Thương & Ban <Hà Nội>", Some(88.9), false),
            bar("Ủy ban nhân dân xã Đông Anh – bộ phận một cửa liên thông cấp xã", Some(72.0), true),
            bar("Sở Xây dựng", None, false),
            bar("Sở Tư pháp", Some(99.1), false),
        ]
    }

    #[test]
    fn keeps_vietnamese_labels_escapes_and_labels_the_target() {
        let svg = ranking_svg("Chỉ số hài lòng – các sở, ngành", &sample(), DEFAULT_TARGET, &ChartText::vi()).unwrap();
        let texts = texts(&svg);
        for label in ["Sở Tài nguyên và Môi trường", "Ủy ban nhân dân phường Hoàn Kiếm", "Mục tiêu 85 %", "86,5 %"]
        {
            assert!(texts.contains(&label), "{label} missing from {texts:?}");
        }
        assert!(svg.contains("Sở Công Thương &amp; Ban &lt;Hà Nội"));
        assert!(!svg.contains("Thương & Ban"));
        assert!(texts.contains(&"72,0 %*"), "small sample marked");
        assert!(
            texts.iter().any(|t| t.starts_with("Ủy ban nhân dân xã Đông Anh") && t.ends_with('…')),
            "long name truncated"
        );
        assert!(texts.contains(&"Chưa có dữ liệu"));
        // Sorted: the highest ranked bar's label comes first among the row labels.
        let first = svg.find("Sở Tư pháp").unwrap();
        assert!(first < svg.find("Ủy ban nhân dân phường Hoàn Kiếm").unwrap());
        assert!(svg.find("Sở Giáo dục").unwrap() < svg.find("Ủy ban nhân dân xã").unwrap());
    }

    #[test]
    fn english_numbers_and_png() {
        let svg = ranking_svg("Satisfaction", &sample(), 85.0, &ChartText::en()).unwrap();
        assert!(texts(&svg).contains(&"86.5 %"));
        assert!(texts(&svg).contains(&"Target 85 %"));
        let png = to_png(&svg, 800).unwrap();
        assert_eq!(png_size(&png).0, 800);
    }

    #[test]
    fn empty_and_none_do_not_fail() {
        let svg = ranking_svg("Trống", &[], 85.0, &ChartText::vi()).unwrap();
        assert!(texts(&svg).contains(&"Chưa có dữ liệu"));
        let png = to_png(&svg, 800).unwrap();
        save("empty", &svg, &png);
        assert_eq!(png_size(&png).0, 800);
        let only_none = [bar("Sở Y tế", None, false), bar("Sở Nội vụ", Some(f64::NAN), true)];
        let svg = ranking_svg("Không có giá trị", &only_none, 85.0, &ChartText::vi()).unwrap();
        assert!(to_png(&svg, 400).is_ok());
    }

    #[test]
    fn writes_png_for_looking_at() {
        let svg =
            ranking_svg("Chỉ số hài lòng – các sở, ngành, quý I/2026", &sample(), 85.0, &ChartText::vi()).unwrap();
        let start = std::time::Instant::now();
        let png = to_png(&svg, 800).unwrap();
        eprintln!("ranking: svg {} B, png {} B, to_png {:?}", svg.len(), png.len(), start.elapsed());
        save("ranking", &svg, &png);
        save("ranking@2x", &svg, &to_png(&svg, 1600).unwrap());
        let (w, h) = png_size(&png);
        assert_eq!(w, 800);
        assert!(h > 200);
    }
}
