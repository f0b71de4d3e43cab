//! Staff mails' shared parts (bilingual labels, facts, the footer with the unsubscribe and
//! preferences links) and the two alerts: an index below target, a very low rating with a
//! comment. Vietnamese first, a short English line under each heading and label.

use askama::Template;

use super::format::{change, date, date_range, pct, target};
use super::{letter, CommentAlert, ComposeError, IndexAlert, StaffRecipient};
use crate::domain::numbers::count;
use crate::domain::Locale::{En, Vi};
use crate::email::{Kind, Letter};

/// A label or heading in Vietnamese with its English line.
pub(crate) struct Bi {
    pub vi: String,
    pub en: String,
}

impl Bi {
    pub fn new(vi: impl Into<String>, en: impl Into<String>) -> Bi {
        Bi { vi: vi.into(), en: en.into() }
    }
}

/// One labelled value ("Cơ quan · Agency: Sở Y tế").
pub(crate) struct Fact {
    pub label: Bi,
    pub value: String,
}

pub(crate) fn fact(vi: &str, en: &str, value: impl Into<String>) -> Fact {
    Fact { label: Bi::new(vi, en), value: value.into() }
}

/// The end of every staff mail: why it came, and where to stop it.
pub(crate) struct Footer {
    pub reason: Bi,
    /// Digests and alerts only.
    pub unsubscribe_url: Option<String>,
    pub preferences_url: String,
}

impl Footer {
    /// For digests and alerts: the kind's one-click unsubscribe link and the preferences page.
    pub fn bulk(to: &StaffRecipient, kind: Kind) -> Footer {
        Footer {
            reason: Bi::new(
                format!("Bạn nhận thư này vì tài khoản {} đăng ký nhận “{}”.", to.username, kind.label(Vi)),
                format!("You receive this because the account {} is subscribed to “{}”.", to.username, kind.label(En)),
            ),
            unsubscribe_url: Some(to.unsubscribe_url.clone()),
            preferences_url: to.preferences_url.clone(),
        }
    }

    /// For a notice the recipient asked for: the preferences page only.
    pub fn requested(to: &StaffRecipient, reason: Bi) -> Footer {
        Footer { reason, unsubscribe_url: None, preferences_url: to.preferences_url.clone() }
    }
}

/// What an alert shows.
struct AlertView {
    lang: &'static str,
    subject: String,
    greeting: String,
    heading: Bi,
    lead: Bi,
    facts: Vec<Fact>,
    /// Criteria rated 1 (comment alerts).
    criteria: Vec<Bi>,
    /// The comment as given (HTML) and as quoted lines (text).
    comment: Option<String>,
    comment_lines: Vec<String>,
    note: Option<Bi>,
    link: Fact,
    footer: Footer,
}

#[derive(Template)]
#[template(path = "email/alert.txt", escape = "none", whitespace = "preserve")]
struct Text<'a> {
    v: &'a AlertView,
}

#[derive(Template)]
#[template(path = "email/alert.html")]
struct Html<'a> {
    v: &'a AlertView,
}

pub(crate) fn greeting(to: &StaffRecipient) -> String {
    format!("Xin chào {},", to.username)
}

fn send(to: &StaffRecipient, v: AlertView) -> Result<Letter, ComposeError> {
    let text = Text { v: &v }.render()?;
    let html = Html { v: &v }.render()?;
    let unsubscribe = v.footer.unsubscribe_url.clone();
    Ok(letter(&to.address, v.subject, text, html, Vec::new(), unsubscribe))
}

/// An agency's rolling index fell below the target.
pub fn index_alert(to: &StaffRecipient, a: &IndexAlert) -> Result<Letter, ComposeError> {
    let (value, goal) = (pct(Some(a.value), Vi), target(a.target, Vi));
    let range = (date_range(a.from, a.to, Vi), date_range(a.from, a.to, En));
    let mut facts = vec![
        fact("Cơ quan", "Agency", format!("{} ({})", a.agency_vi, a.agency_en)),
        fact("Khảo sát", "Survey", format!("{} ({})", a.survey_title_vi, a.survey_title_en)),
        fact("Giai đoạn", "Period", &range.0),
        fact("Chỉ số hài lòng", "Satisfaction index", &value),
        fact("Mục tiêu", "Target", format!("{goal} ({})", change(Some(a.value), Some(a.target), Vi))),
        fact("Số câu trả lời hợp lệ", "Valid answers", count(a.n, Vi)),
    ];
    if let Some(before) = a.previous {
        let shown = format!("{} ({})", pct(Some(before), Vi), change(Some(a.value), Some(before), Vi));
        facts.push(fact("Lần kiểm tra trước", "Previous check", shown));
    }
    let v = AlertView {
        lang: "vi",
        subject: format!("Cảnh báo: chỉ số hài lòng của {} là {value}, dưới mục tiêu {goal}", a.agency_vi),
        greeting: greeting(to),
        heading: Bi::new("Chỉ số hài lòng dưới mục tiêu", "Satisfaction index below target"),
        lead: Bi::new(
            format!(
                "Chỉ số hài lòng (theo phương pháp SIPAS) của {} trong giai đoạn {} là {value}, thấp hơn mục \
                 tiêu {goal}.",
                a.agency_vi, range.0
            ),
            format!(
                "The satisfaction index (SIPAS method) of {} for {} is {}, below the target of {}.",
                a.agency_en,
                range.1,
                pct(Some(a.value), En),
                target(a.target, En)
            ),
        ),
        facts,
        criteria: Vec::new(),
        comment: None,
        comment_lines: Vec::new(),
        note: None,
        link: fact("Xem trang của cơ quan", "Open the agency's page", &a.agency_url),
        footer: Footer::bulk(to, Kind::IndexAlert),
    };
    send(to, v)
}

/// A response rated a criterion 1 and left a comment. Shows the day only, never who or when.
pub fn comment_alert(to: &StaffRecipient, a: &CommentAlert) -> Result<Letter, ComposeError> {
    let v = AlertView {
        lang: "vi",
        subject: format!("Đánh giá rất thấp kèm ý kiến: {}, ngày {}", a.agency_vi, date(a.date, Vi)),
        greeting: greeting(to),
        heading: Bi::new("Đánh giá rất thấp kèm ý kiến", "Very low rating with a comment"),
        lead: Bi::new(
            format!(
                "Một người dân đánh giá “Rất không hài lòng” (mức 1) về {} và để lại ý kiến dưới đây.",
                a.agency_vi
            ),
            format!("A citizen rated {} “Very dissatisfied” (1) and left the comment below.", a.agency_en),
        ),
        facts: vec![
            fact("Cơ quan", "Agency", format!("{} ({})", a.agency_vi, a.agency_en)),
            fact("Ngày trả lời", "Date of the response", date(a.date, Vi)),
        ],
        criteria: a.criteria.iter().map(|(vi, en)| Bi::new(vi, en)).collect(),
        comment: Some(a.comment.clone()),
        comment_lines: a.comment.lines().map(|l| format!("> {l}").trim_end().to_owned()).collect(),
        note: Some(Bi::new(
            "Hệ thống không thể xác định người đã trả lời: phiếu không ghi tên và không gắn với hồ sơ, nên \
             thư này chỉ cho biết ngày. Số điện thoại, số giấy tờ và địa chỉ email trong ý kiến đã được ẩn.",
            "The system cannot identify the citizen: responses are anonymous and not linked to the dossier, \
             so only the date is shown. Phone numbers, ID numbers and e-mail addresses in the comment are \
             masked.",
        )),
        link: fact("Xem các ý kiến của cơ quan", "Open the agency's comments", &a.agency_url),
        footer: Footer::bulk(to, Kind::CommentAlert),
    };
    send(to, v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::compose::test_support::{escaped, to_message, NASTY};

    pub(crate) fn recipient() -> StaffRecipient {
        StaffRecipient {
            address: "quanly@soyte.example.vn".into(),
            username: "quan.ly".into(),
            unsubscribe_url: "https://khaosat.example.vn/unsubscribe/abc?sig=1&k=digest".into(),
            preferences_url: "https://khaosat.example.vn/staff/notifications".into(),
        }
    }

    fn index() -> IndexAlert {
        IndexAlert {
            agency_code: "T.HEALTH".into(),
            agency_vi: format!("Sở Y tế {NASTY}"),
            agency_en: "Department of Health".into(),
            survey_id: "sipas-dossier".into(),
            survey_title_vi: "Phiếu khảo sát sự hài lòng".into(),
            survey_title_en: "Satisfaction survey".into(),
            from: "2026-10-26".parse().unwrap(),
            to: "2026-11-23".parse().unwrap(),
            value: 78.24,
            n: 1234,
            target: 85.0,
            previous: Some(80.1),
            agency_url: "https://khaosat.example.vn/staff/agencies/T.HEALTH?period=2026-10-26..2026-11-23&x=1".into(),
        }
    }

    /// Both parts carry the link, the footer's links and `needles`; HTML escapes, text does not.
    fn check(l: &Letter, url: &str, needles: &[&str]) {
        let to = recipient();
        assert_eq!(l.to, to.address);
        assert_eq!(l.unsubscribe.as_deref(), Some(to.unsubscribe_url.as_str()));
        assert!(l.inline.is_empty());
        for (part, esc) in [(&l.text, false), (&l.html, true)] {
            let e = |s: &str| if esc { escaped(s) } else { s.to_owned() };
            for s in [url, &to.unsubscribe_url, &to.preferences_url].into_iter().chain(needles.iter().copied()) {
                assert!(part.contains(&e(s)), "{s} missing from {part}");
            }
        }
        assert!(l.html.contains("<html lang=\"vi\""));
        assert!(!l.html.contains(NASTY), "{}", l.html);
        let raw = to_message(l);
        assert!(raw.contains("List-Unsubscribe: <https://khaosat.example.vn/unsubscribe/abc?sig=1&k=digest>"), "{raw}");
    }

    #[test]
    fn index_alert_states_value_target_and_change() {
        let a = index();
        let l = index_alert(&recipient(), &a).unwrap();
        assert_eq!(l.subject, format!("Cảnh báo: chỉ số hài lòng của Sở Y tế {NASTY} là 78,2 %, dưới mục tiêu 85 %"));
        check(&l, &a.agency_url, &[&format!("Sở Y tế {NASTY}"), "78,2 %", "85 %", "▼ −6,8 điểm", "80,1 %", "1.234"]);
        assert!(l.text.contains("78.2 %") && l.text.contains("26 Oct – 23 Nov 2026"), "English line: {}", l.text);
        let none = index_alert(&recipient(), &IndexAlert { previous: None, ..a }).unwrap();
        assert!(!none.text.contains("Lần kiểm tra trước"), "{}", none.text);
    }

    #[test]
    fn comment_alert_quotes_the_comment_and_shows_only_the_date() {
        let a = CommentAlert {
            agency_code: "T.HEALTH".into(),
            agency_vi: format!("Sở Y tế {NASTY}"),
            agency_en: "Department of Health".into(),
            survey_id: "sipas-dossier".into(),
            date: "2026-11-20".parse().unwrap(),
            criteria: vec![("Tiếp cận dịch vụ".into(), "Access to the service".into())],
            comment: format!("Chờ quá lâu {NASTY}\nsố [số điện thoại đã ẩn]"),
            agency_url: "https://khaosat.example.vn/staff/agencies/T.HEALTH".into(),
        };
        let l = comment_alert(&recipient(), &a).unwrap();
        assert_eq!(l.subject, format!("Đánh giá rất thấp kèm ý kiến: Sở Y tế {NASTY}, ngày 20/11/2026"));
        check(
            &l,
            &a.agency_url,
            &[&format!("Chờ quá lâu {NASTY}"), "20/11/2026", "Tiếp cận dịch vụ", "không thể xác định"],
        );
        assert!(l.text.contains(&format!("> Chờ quá lâu {NASTY}\n> số [số điện thoại đã ẩn]")), "{}", l.text);
        assert!(l.text.contains("cannot identify the citizen"), "{}", l.text);
    }
}
