//! The weekly digest as a letter: the week against the week before and the target, the
//! criteria, the lowest items, the eight-week trend as an inline PNG, and the agency page.

use askama::Template;

use super::DigestFigures;
use crate::charts::{to_png, trend_svg, ChartText};
use crate::domain::numbers::{count, ratio_percent, NO_VALUE};
use crate::domain::Locale::{En, Vi};
use crate::email::compose::format::{change, date_range, delta, pct, png, target};
use crate::email::compose::staff::{fact, greeting, Bi, Fact, Footer};
use crate::email::compose::{letter, ComposeError, StaffRecipient};
use crate::email::{Kind, Letter};

/// The chart's Content-ID, file name and width (px).
const CHART_CID: &str = "chart";
const CHART_NAME: &str = "bieu-do-xu-huong.png";
const CHART_PX: u32 = 600;

/// A criterion's row: label, this week, last week, change, n.
struct CriterionRow {
    label: Bi,
    this_week: String,
    last_week: String,
    change: String,
    n: String,
}

struct View {
    lang: &'static str,
    subject: String,
    greeting: String,
    heading: Bi,
    intro: Bi,
    facts: Vec<Fact>,
    criteria: Vec<CriterionRow>,
    lowest: Vec<(Bi, String)>,
    small_note: Option<Bi>,
    chart_title: Bi,
    chart_alt: String,
    chart_cid: &'static str,
    /// "16/11: 82,4 % (n = 123)" per week, oldest first.
    trend: Vec<String>,
    link: Fact,
    footer: Footer,
}

#[derive(Template)]
#[template(path = "email/digest.txt", escape = "none", whitespace = "preserve")]
struct Text<'a> {
    v: &'a View,
}

#[derive(Template)]
#[template(path = "email/digest.html")]
struct Html<'a> {
    v: &'a View,
}

/// Writes percentages, with "*" when one rests on a small sample, and remembers whether any
/// did (then the mail explains the mark).
#[derive(Default)]
struct Marker {
    used: std::cell::Cell<bool>,
}

impl Marker {
    fn pct(&self, value: Option<f64>, small: bool) -> String {
        let text = pct(value, Vi);
        if small && value.is_some() {
            self.used.set(true);
            format!("{text}*")
        } else {
            text
        }
    }
}

fn responses(w: &super::WeekFigures) -> String {
    match (w.response_rate, w.n_invitations) {
        (Some(rate), Some(inv)) => {
            format!("{} ({} / {} thư mời)", ratio_percent(rate, 1, Vi), count(w.n_responses, Vi), count(inv, Vi))
        }
        _ => NO_VALUE.to_owned(),
    }
}

/// "85 % — chưa đạt (▼ −2,6 điểm)", "85 % — đã đạt (▲ +1,2 điểm)"; the target alone without a value.
fn against_target(value: Option<f64>, goal: f64) -> String {
    match value.filter(|v| v.is_finite()) {
        Some(v) => {
            let reached = if v >= goal { "đã đạt" } else { "chưa đạt" };
            format!("{} — {reached} ({})", target(goal, Vi), change(Some(v), Some(goal), Vi))
        }
        None => target(goal, Vi),
    }
}

fn view(to: &StaffRecipient, d: &DigestFigures) -> View {
    let (now, before) = (&d.this_week, &d.last_week);
    let week = (date_range(d.week_from, d.week_to, Vi), date_range(d.week_from, d.week_to, En));
    let goal = target(d.target, Vi);
    let marker = Marker::default();
    let marked = |value, small| marker.pct(value, small);
    let headline = match now.value {
        Some(_) if now.small_n => format!("chỉ số {} (mẫu nhỏ; mục tiêu {goal})", pct(now.value, Vi)),
        Some(_) => format!("chỉ số {} (mục tiêu {goal})", pct(now.value, Vi)),
        None => format!("chưa có đánh giá (mục tiêu {goal})"),
    };
    let criteria: Vec<CriterionRow> = d
        .criteria
        .iter()
        .map(|c| CriterionRow {
            label: Bi::new(format!("{}. {}", c.id, c.label_vi), &c.label_en),
            this_week: marked(c.this_week, c.small_n),
            last_week: marked(c.last_week, c.last_week_small_n),
            change: delta(c.this_week, c.last_week, Vi).unwrap_or_else(|| NO_VALUE.to_owned()),
            n: count(c.n, Vi),
        })
        .collect();
    let lowest: Vec<(Bi, String)> = d
        .lowest_items
        .iter()
        .map(|i| {
            let shown = format!("{} (n = {})", marked(Some(i.value), i.small_n), count(i.n, Vi));
            (Bi::new(format!("{}. {}", i.id, i.label_vi), &i.label_en), shown)
        })
        .collect();
    let trend = d
        .trend
        .iter()
        .map(|(label, value, n)| format!("{label}: {} (n = {})", marked(*value, *n < d.small_n), count(*n, Vi)))
        .collect();
    let facts = vec![
        fact("Chỉ số tuần này", "This week", marked(now.value, now.small_n)),
        fact("Tuần trước", "Last week", marked(before.value, before.small_n)),
        fact("Thay đổi so với tuần trước", "Change from last week", change(now.value, before.value, Vi)),
        fact("Mục tiêu", "Target", against_target(now.value, d.target)),
        fact(
            "Số phiếu trả lời",
            "Responses",
            format!("{} (tuần trước {})", count(now.n_responses, Vi), count(before.n_responses, Vi)),
        ),
        fact("Tỷ lệ phản hồi", "Response rate", responses(now)),
    ];
    View {
        lang: "vi",
        subject: format!("Bản tin tuần {}: {} — {headline}", week.0, d.agency_vi),
        greeting: greeting(to),
        heading: Bi::new(format!("Bản tin tuần {}", week.0), format!("Weekly digest, {}", week.1)),
        intro: Bi::new(
            format!(
                "Chỉ số hài lòng (theo phương pháp SIPAS) của {} trong tuần, khảo sát “{}”, so với tuần \
                 trước và mục tiêu {goal}.",
                d.agency_vi, d.survey_title_vi
            ),
            format!(
                "The satisfaction index (SIPAS method) of {} this week on “{}”: {} (last week {}, target {}).",
                d.agency_en,
                d.survey_title_en,
                pct(now.value, En),
                pct(before.value, En),
                target(d.target, En)
            ),
        ),
        facts,
        criteria,
        lowest,
        small_note: marker.used.get().then(|| {
            Bi::new(
                format!("* Mẫu nhỏ: dưới {} câu trả lời hợp lệ, con số chỉ để tham khảo.", d.small_n),
                format!("* Small sample: fewer than {} valid answers; read with care.", d.small_n),
            )
        }),
        chart_title: Bi::new(
            "Diễn biến 8 tuần gần nhất (mỗi tuần ghi theo ngày thứ Hai)",
            "The last 8 weeks (each week by its Monday)",
        ),
        chart_alt: format!("Biểu đồ chỉ số hài lòng 8 tuần gần nhất của {}", d.agency_vi),
        chart_cid: CHART_CID,
        trend,
        link: fact("Xem trang của cơ quan", "Open the agency's page", &d.agency_url),
        footer: Footer::bulk(to, Kind::Digest),
    }
}

/// The weekly digest of `d` to `to`, with the trend chart inline and the unsubscribe link.
pub fn digest(to: &StaffRecipient, d: &DigestFigures) -> Result<Letter, ComposeError> {
    let v = view(to, d);
    let mut labels = ChartText::for_locale(Vi, d.small_n);
    labels.period = "Tuần (ngày thứ Hai)".to_owned();
    let title = format!("{} – chỉ số hài lòng 8 tuần gần nhất", d.agency_vi);
    let svg = trend_svg(&title, &d.trend, d.target, &labels)?;
    let chart = to_png(&svg, CHART_PX)?;
    let text = Text { v: &v }.render()?;
    let html = Html { v: &v }.render()?;
    let inline = vec![png(CHART_CID, CHART_NAME, chart)];
    Ok(letter(&to.address, v.subject, text, html, inline, Some(to.unsubscribe_url.clone())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::compose::test_support::{assert_png, escaped, to_message, NASTY};
    use crate::email::digest::{CriterionLine, ItemLine, WeekFigures};

    pub(crate) fn figures() -> DigestFigures {
        let week = |value, n, n_responses, small_n| WeekFigures {
            value,
            n,
            n_responses,
            n_invitations: Some(300),
            response_rate: Some(n_responses as f64 / 300.0),
            small_n,
        };
        let criterion = |id: &str, this_week, last_week, n| CriterionLine {
            id: id.into(),
            label_vi: format!("Tiêu chí {id} {NASTY}"),
            label_en: format!("Criterion {id}"),
            this_week,
            last_week,
            n,
            small_n: n < 30,
            last_week_small_n: false,
        };
        DigestFigures {
            agency_code: "T.HEALTH".into(),
            agency_vi: format!("Sở Y tế {NASTY}"),
            agency_en: "Department of Health".into(),
            survey_id: "sipas-dossier".into(),
            survey_title_vi: "Phiếu khảo sát".into(),
            survey_title_en: "Survey".into(),
            week_from: "2026-11-16".parse().unwrap(),
            week_to: "2026-11-22".parse().unwrap(),
            this_week: week(Some(82.44), 1200, 123, false),
            last_week: week(Some(80.1), 1000, 98, false),
            target: 85.0,
            small_n: 30,
            criteria: vec![
                criterion("A", Some(90.0), Some(88.0), 300),
                criterion("B", Some(70.5), Some(75.0), 290),
                criterion("C", Some(88.0), None, 12),
                criterion("D", None, Some(80.0), 0),
                criterion("E", Some(85.0), Some(85.0), 100),
            ],
            lowest_items: vec![ItemLine {
                id: "B3".into(),
                label_vi: "Lệ phí đúng quy định".into(),
                label_en: "Fees as regulated".into(),
                value: 54.5,
                n: 11,
                small_n: true,
            }],
            trend: (0..8).map(|i| (format!("{:02}/10", i + 1), (i != 3).then_some(78.0 + f64::from(i)), 100)).collect(),
            agency_url:
                "https://khaosat.example.vn/staff/agencies/T.HEALTH?survey=sipas-dossier&period=2026-11-16..2026-11-22"
                    .into(),
        }
    }

    fn recipient() -> StaffRecipient {
        StaffRecipient {
            address: "quanly@soyte.example.vn".into(),
            username: "quan.ly".into(),
            unsubscribe_url: "https://khaosat.example.vn/unsubscribe/abc?sig=1&k=digest".into(),
            preferences_url: "https://khaosat.example.vn/staff/notifications".into(),
        }
    }

    #[test]
    fn digest_compares_the_week_and_carries_the_chart() {
        let (to, d) = (recipient(), figures());
        let l = digest(&to, &d).unwrap();
        assert_eq!(
            l.subject,
            format!("Bản tin tuần 16/11–22/11/2026: Sở Y tế {NASTY} — chỉ số 82,4 % (mục tiêu 85 %)")
        );
        assert_eq!((l.to.as_str(), l.unsubscribe.as_deref()), (to.address.as_str(), Some(to.unsubscribe_url.as_str())));
        for (part, esc) in [(&l.text, false), (&l.html, true)] {
            let e = |s: &str| if esc { escaped(s) } else { s.to_owned() };
            for s in [&d.agency_url, &to.unsubscribe_url, &to.preferences_url, &format!("Tiêu chí B {NASTY}")] {
                assert!(part.contains(&e(s)), "{s} missing from {part}");
            }
            for s in [
                "82,4 %",
                "80,1 %",
                "▲ +2,3 điểm",
                "85 % — chưa đạt (▼ −2,6 điểm)",
                "123 (tuần trước 98)",
                "41,0 % (123 / 300 thư mời)",
            ] {
                assert!(part.contains(s), "{s} missing from {part}");
            }
            // Criteria: changes, small samples marked, a missing value as a dash.
            for s in ["▼ −4,5", "88,0 %*", "B3. Lệ phí đúng quy định", "54,5 %* (n = 11)", "dưới 30 câu trả lời hợp lệ"]
            {
                assert!(part.contains(s), "{s} missing from {part}");
            }
            assert!(part.contains("04/10: — (n = 100)") && part.contains("08/10: 85,0 % (n = 100)"), "{part}");
        }
        assert!(!l.html.contains(NASTY));
        assert!(l.html.contains("<html lang=\"vi\"") && l.html.contains("src=\"cid:chart\""), "{}", l.html);
        let [chart] = l.inline.as_slice() else { panic!("one inline image") };
        assert_eq!((chart.content_id.as_str(), chart.content_type.as_str()), ("chart", "image/png"));
        assert_eq!(assert_png(&chart.bytes), 600);
        let raw = to_message(&l);
        assert!(raw.contains("Content-ID: <chart>") && raw.contains("List-Unsubscribe:"), "{raw}");
    }

    #[test]
    fn an_empty_week_says_so_and_marks_nothing() {
        let mut d = figures();
        d.this_week = WeekFigures::default();
        d.criteria.iter_mut().for_each(|c| (c.this_week, c.n, c.small_n) = (None, 0, true));
        d.lowest_items.clear();
        let l = digest(&recipient(), &d).unwrap();
        assert!(l.subject.ends_with("— chưa có đánh giá (mục tiêu 85 %)"), "{}", l.subject);
        assert!(!l.text.contains("Lowest items") && !l.text.contains("Mẫu nhỏ"), "{}", l.text);
        assert!(l.text.contains("Tỷ lệ phản hồi (Response rate): —"), "{}", l.text);
        // A small week in the trend alone is marked and explained too.
        d.trend[0].2 = 5;
        let l = digest(&recipient(), &d).unwrap();
        assert!(l.text.contains("01/10: 78,0 %* (n = 5)") && l.text.contains("* Mẫu nhỏ"), "{}", l.text);
    }
}
