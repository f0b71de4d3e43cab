//! Criterion profile: an agency's criterion indices beside the city's, with the target line.

use super::canvas::{
    empty_chart, label_column, percent_axis, truncate, Align, Canvas, Scale, Swatch, BLUE, INK, LABEL, MUTED, ORANGE,
    PAD, TARGET,
};
use super::{ChartError, ChartText};

const ROW: i32 = 38;
const BAR: i32 = 13;

/// For each criterion (label, agency index, city index; percent) a pair of horizontal bars: the
/// agency dark blue on top, the city light orange below, each with its value; a dashed target
/// line. Criteria keep their input order. No criteria give a "no data" chart.
///
/// When no criterion has a city value the city series is left out (bars and legend), so the
/// same chart serves a viewer who may not see the city's figures: the agency is part of the
/// city, so a city without values means an agency without values anyway.
pub fn profile_svg(
    title: &str,
    criteria: &[(String, Option<f64>, Option<f64>)],
    target: f64,
    labels: &ChartText,
) -> Result<String, ChartError> {
    if criteria.is_empty() {
        return empty_chart(title, labels);
    }
    let label_w = label_column(criteria.iter().map(|c| &c.0), 300.0);
    let width = super::CHART_WIDTH as i32;
    let x0 = PAD + label_w.round() as i32 + 10;
    let x1 = width - PAD - 70;
    let scale = Scale { d0: 0.0, d1: 100.0, p0: f64::from(x0), p1: f64::from(x1) };
    let with_city = criteria.iter().any(|c| c.2.is_some_and(f64::is_finite));
    let mut legend = vec![(Swatch::Fill(BLUE), labels.agency.clone())];
    if with_city {
        legend.push((Swatch::Fill(ORANGE), labels.city.clone()));
    }
    legend.push((Swatch::Dashed(TARGET), labels.target_label(target)));
    let top = PAD + 32 + 8 + 20 + 24;
    let n = i32::try_from(criteria.len()).unwrap_or(i32::MAX / ROW - 100);
    let bottom = top + n * ROW;

    let mut svg = String::new();
    {
        let canvas = Canvas::new(&mut svg, bottom + 48)?;
        let y = canvas.title(title)?;
        canvas.legend(&legend, y)?;
        percent_axis(&canvas, scale, &[0.0, 20.0, 40.0, 60.0, 80.0, 100.0], top, bottom, &labels.index_axis)?;
        let mut values = Vec::new();
        for (i, (label, agency, city)) in criteria.iter().enumerate() {
            let row = top + i as i32 * ROW;
            let cy = row + ROW / 2;
            canvas.text(&truncate(label, LABEL, label_w), x0 - 10, cy, LABEL, INK, Align::Right)?;
            let bars = if with_city {
                vec![(agency, BLUE, cy - BAR / 2 - 1), (city, ORANGE, cy + BAR / 2 + 1)]
            } else {
                vec![(agency, BLUE, cy)]
            };
            for (value, color, y) in bars {
                match value.filter(|v| v.is_finite()) {
                    Some(v) => {
                        let xv = scale.at(v);
                        canvas.rect(x0, y - BAR / 2, xv, y + BAR / 2, color)?;
                        values.push((labels.percent(v, 1), xv + 5, y, INK));
                    }
                    None => values.push((labels.no_data.clone(), x0 + 5, y, MUTED)),
                }
            }
        }
        canvas.finish_bars(&scale, target, &labels.target_label(target), values, x0, top, bottom)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::test_support::{png_size, save, texts};
    use crate::charts::to_png;

    fn sample() -> Vec<(String, Option<f64>, Option<f64>)> {
        vec![
            ("Tiếp cận dịch vụ".into(), Some(88.2), Some(84.0)),
            ("Thủ tục hành chính".into(), Some(79.5), Some(81.3)),
            ("Công chức trực tiếp giải quyết công việc".into(), Some(92.0), Some(87.4)),
            ("Kết quả giải quyết công việc".into(), Some(86.5), Some(85.1)),
            ("Góp ý, phản ánh & kiến nghị <mới>".into(), None, Some(70.2)),
        ]
    }

    #[test]
    fn keeps_labels_escapes_and_target() {
        let svg = profile_svg("Sở Tài nguyên và Môi trường so với toàn thành phố", &sample(), 85.0, &ChartText::vi())
            .unwrap();
        let t = texts(&svg);
        for label in
            ["Công chức trực tiếp giải quyết công việc", "Mục tiêu 85 %", "86,5 %", "Toàn thành phố", "Chưa có dữ liệu"]
        {
            assert!(t.contains(&label), "{label} missing from {t:?}");
        }
        assert!(svg.contains("Sở Tài nguyên và Môi trường"));
        assert!(svg.contains("&amp; kiến nghị &lt;mới"));
        let png = to_png(&svg, 800).unwrap();
        save("profile", &svg, &png);
        assert_eq!(png_size(&png).0, 800);
    }

    #[test]
    fn without_city_values_the_city_series_is_left_out() {
        let rows: Vec<_> = sample().into_iter().map(|(l, a, _)| (l, a, None)).collect();
        let svg = profile_svg("Sở Y tế", &rows, 85.0, &ChartText::vi()).unwrap();
        let t = texts(&svg);
        assert!(!t.contains(&"Toàn thành phố"), "{t:?}");
        assert!(t.contains(&"Cơ quan") && t.contains(&"88,2 %"));
        assert_eq!(t.iter().filter(|x| **x == "Chưa có dữ liệu").count(), 1, "only E has no value");
        assert!(!svg.contains("#F4A54A"), "no orange bars");
    }

    #[test]
    fn empty_gives_a_no_data_chart() {
        let svg = profile_svg("Trống", &[], 85.0, &ChartText::en()).unwrap();
        assert!(texts(&svg).contains(&"No data"));
        assert!(to_png(&svg, 300).is_ok());
    }
}
