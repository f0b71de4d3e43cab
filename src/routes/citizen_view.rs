//! View models and templates of the citizen pages: the survey form, the thank-you page and the
//! notices (expired, already answered, unknown link).
//!
//! Plain data only: a handler fills these from a survey definition and the submitted form, and
//! returns the page (each implements actix-web's `Responder` through `askama_web`). The pages use
//! no JavaScript, no inline style and one stylesheet, [`STYLESHEET`], served at
//! [`stylesheet_path`] with a long cache lifetime.

use askama::Template;
use askama_web::WebTemplate;

use crate::domain::Locale;

/// The stylesheet of every page (faces included as `data:` images), to serve at
/// [`stylesheet_path`] as `text/css`.
pub const STYLESHEET: &str = include_str!("../../web/static/app.css");

static STYLESHEET_PATH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("/static/app-{}.css", &crate::domain::token::sha256_hex(STYLESHEET)[..12]));

/// Where the pages link their stylesheet: named by a hash of its content, so browsers may keep
/// it for a year and still get a changed one at once.
pub fn stylesheet_path() -> &'static str {
    STYLESHEET_PATH.as_str()
}

/// One level of the 1–5 satisfaction scale: the submitted value and its text label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScaleLevel {
    pub value: &'static str,
    pub label: &'static str,
}

/// Title, explanation and what to do next, for one [`NoticeKind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoticeText {
    pub title: &'static str,
    pub body: &'static str,
    pub action: &'static str,
}

/// Every fixed string of the citizen pages in one language.
#[derive(Debug, PartialEq, Eq)]
pub struct UiText {
    pub locale: Locale,
    /// The language the switch link leads to, and its name in that language.
    pub other_locale: Locale,
    pub other_lang_label: &'static str,
    pub service_name: &'static str,
    pub scale: [ScaleLevel; 5],
    pub na_label: &'static str,
    pub privacy_note: &'static str,
    pub error_prefix: &'static str,
    pub error_summary_title: &'static str,
    pub percent_hint: &'static str,
    pub comment_label: &'static str,
    pub comment_hint: &'static str,
    pub profile_summary: &'static str,
    pub profile_intro: &'static str,
    pub empty_option: &'static str,
    pub submit: &'static str,
    pub thanks_title: &'static str,
    pub thanks_body: &'static str,
    pub thanks_close: &'static str,
    pub expired: NoticeText,
    pub answered: NoticeText,
    pub unknown: NoticeText,
}

const VI: UiText = UiText {
    locale: Locale::Vi,
    other_locale: Locale::En,
    other_lang_label: "English",
    service_name: "Khảo sát sự hài lòng",
    scale: [
        ScaleLevel { value: "1", label: "Rất không hài lòng" },
        ScaleLevel { value: "2", label: "Không hài lòng" },
        ScaleLevel { value: "3", label: "Bình thường" },
        ScaleLevel { value: "4", label: "Hài lòng" },
        ScaleLevel { value: "5", label: "Rất hài lòng" },
    ],
    na_label: "Không có ý kiến / không áp dụng",
    privacy_note: "Phiếu không ghi tên: cơ quan không biết ai đã trả lời.",
    error_prefix: "Lỗi:",
    error_summary_title: "Vui lòng xem lại các câu sau",
    percent_hint: "Nhập một số từ 0 đến 100.",
    comment_label: "Góp ý thêm (không bắt buộc)",
    comment_hint: "Tối đa 1.000 ký tự. Xin đừng ghi họ tên, số điện thoại hay số CCCD.",
    profile_summary: "Thông tin về bạn (không bắt buộc)",
    profile_intro: "Giúp so sánh kết quả giữa các nhóm người dân. Bạn có thể bỏ qua phần này.",
    empty_option: "—",
    submit: "Gửi đánh giá",
    thanks_title: "Cảm ơn bạn!",
    thanks_body: "Đánh giá của bạn đã được ghi nhận. Ý kiến của bạn giúp cơ quan phục vụ người dân tốt hơn.",
    thanks_close: "Bạn có thể đóng trang này.",
    expired: NoticeText {
        title: "Đường dẫn khảo sát đã hết hạn",
        body: "Mỗi đường dẫn chỉ dùng được trong một thời gian nhất định, và đường dẫn này đã quá hạn.",
        action: "Nếu bạn vẫn muốn góp ý, hãy liên hệ bộ phận một cửa của cơ quan đã giải quyết hồ sơ của bạn.",
    },
    answered: NoticeText {
        title: "Bạn đã gửi đánh giá rồi",
        body: "Mỗi hồ sơ chỉ được đánh giá một lần, và đánh giá cho hồ sơ này đã được ghi nhận. Cảm ơn bạn!",
        action: "Nếu không phải bạn đã gửi, hãy báo cho bộ phận một cửa của cơ quan đã giải quyết hồ sơ.",
    },
    unknown: NoticeText {
        title: "Không tìm thấy phiếu khảo sát",
        body: "Đường dẫn có thể bị gõ sai hoặc thiếu ký tự.",
        action: "Hãy kiểm tra lại đường dẫn, hoặc quét lại mã QR trên giấy hẹn trả kết quả. \
                 Nếu vẫn không được, hãy liên hệ bộ phận một cửa của cơ quan.",
    },
};

const EN: UiText = UiText {
    locale: Locale::En,
    other_locale: Locale::Vi,
    other_lang_label: "Tiếng Việt",
    service_name: "Satisfaction survey",
    scale: [
        ScaleLevel { value: "1", label: "Very dissatisfied" },
        ScaleLevel { value: "2", label: "Dissatisfied" },
        ScaleLevel { value: "3", label: "Neutral" },
        ScaleLevel { value: "4", label: "Satisfied" },
        ScaleLevel { value: "5", label: "Very satisfied" },
    ],
    na_label: "No opinion / not applicable",
    privacy_note: "Your answers are anonymous: the agency cannot tell who answered.",
    error_prefix: "Error:",
    error_summary_title: "Please check these answers",
    percent_hint: "Enter a number from 0 to 100.",
    comment_label: "Anything else you would like to tell us? (optional)",
    comment_hint: "Up to 1,000 characters. Please do not write names, phone numbers or ID numbers.",
    profile_summary: "About you (optional)",
    profile_intro: "This helps compare results between groups of people. You may skip it.",
    empty_option: "—",
    submit: "Send my rating",
    thanks_title: "Thank you!",
    thanks_body: "Your rating has been recorded. It helps the agency serve people better.",
    thanks_close: "You can close this page now.",
    expired: NoticeText {
        title: "This survey link has expired",
        body: "Each link can be used for a limited time only, and this one is no longer valid.",
        action: "If you still want to give feedback, please contact the one-stop desk of the agency \
                 that handled your dossier.",
    },
    answered: NoticeText {
        title: "This rating has already been sent",
        body: "Each dossier can be rated once, and the rating for this one has been recorded. Thank you!",
        action: "If you did not send it, please tell the one-stop desk of the agency that handled your dossier.",
    },
    unknown: NoticeText {
        title: "We could not find this survey",
        body: "The link may be mistyped or incomplete.",
        action: "Check the link, or scan the QR code on your receipt again. If it still does not work, \
                 please contact the agency's one-stop desk.",
    },
};

impl UiText {
    /// The fixed strings for `locale`.
    pub fn for_locale(locale: Locale) -> &'static UiText {
        match locale {
            Locale::Vi => &VI,
            Locale::En => &EN,
        }
    }

    /// The hint of a multi-choice question allowing at most `max` choices.
    pub fn choose_up_to(&self, max: u8) -> String {
        match self.locale {
            Locale::Vi => format!("Chọn tối đa {max} mục."),
            Locale::En => format!("Choose up to {max}."),
        }
    }

    /// The texts of a notice page.
    pub fn notice(&self, kind: &NoticeKind) -> &NoticeText {
        match kind {
            NoticeKind::Expired => &self.expired,
            NoticeKind::Answered => &self.answered,
            NoticeKind::Unknown => &self.unknown,
        }
    }
}

/// The survey form, first shown or shown again with errors.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "citizen/survey.html")]
pub struct SurveyPage {
    pub ui: &'static UiText,
    /// The same page in the other language (e.g. the current URL with `?lang=en`).
    pub other_lang_href: Option<String>,
    pub title: String,
    pub agency_name: String,
    /// A short introduction; empty for none.
    pub intro: String,
    /// Where the form posts to, including `?lang=xx`.
    pub action: String,
    /// One link per faulty question, in page order; empty when the page is first shown.
    pub errors: Vec<ErrorLink>,
    /// The criteria with their 1–5 items.
    pub sections: Vec<SectionView>,
    /// The questions after the criteria: overall rating, what to improve, percent.
    pub questions: Vec<QuestionView>,
    pub comment: CommentView,
    /// The optional respondent profile; empty to leave it out.
    pub profile: Vec<ProfileView>,
}

impl SurveyPage {
    /// The profile section starts open only when the citizen has already chosen something in it.
    pub fn profile_open(&self) -> bool {
        self.profile.iter().any(|p| p.options.iter().any(|o| o.checked))
    }
}

/// A link from the error summary to a faulty question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorLink {
    /// The question's id; the link goes to `#item-<id>`.
    pub item_id: String,
    pub text: String,
}

/// One criterion (e.g. "A. Access") and its items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionView {
    pub id: String,
    pub title: String,
    pub items: Vec<ItemView>,
}

/// One question answered on the 1–5 scale (radio `name` = `id`, values `1`..`5` and `na`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemView {
    pub id: String,
    pub text: String,
    /// Offer "no opinion / not applicable" (value `na`).
    pub allow_na: bool,
    /// The value submitted before (`1`..`5` or `na`), to check it again.
    pub selected: Option<String>,
    pub error: Option<String>,
}

impl ItemView {
    /// Whether the radio with `value` is checked.
    pub fn is_checked(&self, value: &str) -> bool {
        self.selected.as_deref() == Some(value)
    }
}

/// A question after the criteria.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuestionView {
    Rating(ItemView),
    MultiChoice(MultiChoiceView),
    Percent(PercentView),
}

/// Checkboxes (`name` = `id`, one `value` per option), at most `max` of them ticked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultiChoiceView {
    pub id: String,
    pub text: String,
    pub max: u8,
    pub options: Vec<ChoiceView>,
    pub error: Option<String>,
}

/// One option of a multi-choice question or a profile select.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChoiceView {
    pub id: String,
    pub label: String,
    /// Ticked (checkbox) or selected (select option) before.
    pub checked: bool,
}

/// A whole number from 0 to 100 (`name` = `id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PercentView {
    pub id: String,
    pub text: String,
    /// The text submitted before, as typed; empty for none.
    pub value: String,
    pub error: Option<String>,
}

/// The free comment (`name="comment"`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommentView {
    /// The text submitted before; empty for none.
    pub value: String,
    pub error: Option<String>,
}

/// One select of the respondent profile (`name` = `profile.<id>`), with an empty first option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileView {
    pub id: String,
    pub label: String,
    pub options: Vec<ChoiceView>,
}

/// Shown after a response has been stored.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "citizen/thanks.html")]
pub struct ThanksPage {
    pub ui: &'static UiText,
    pub other_lang_href: Option<String>,
    pub agency_name: Option<String>,
}

/// Why a survey link cannot be answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    Expired,
    Answered,
    Unknown,
}

/// A friendly page for a link that cannot be answered.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "citizen/notice.html")]
pub struct NoticePage {
    pub ui: &'static UiText,
    pub other_lang_href: Option<String>,
    pub kind: NoticeKind,
    /// The agency, when the link is known.
    pub agency_name: Option<String>,
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use crate::surveys::AnswerError;

    use super::*;

    /// Code, Vietnamese and English title, and the items (Vietnamese, English).
    type Criterion = (&'static str, &'static str, &'static str, &'static [(&'static str, &'static str)]);

    const CRITERIA: [Criterion; 5] = [
        (
            "A",
            "A. Tiếp cận dịch vụ",
            "A. Access to the service",
            &[
                ("Nơi làm thủ tục có biển chỉ dẫn rõ ràng", "Clear signs and guidance"),
                ("Có đủ chỗ ngồi và bàn viết", "Enough seats and writing desks"),
                ("Trang thiết bị đầy đủ, dùng được", "Equipment sufficient and working"),
            ],
        ),
        (
            "B",
            "B. Thủ tục hành chính",
            "B. The procedure",
            &[
                ("Thủ tục được niêm yết công khai, dễ tìm, dễ hiểu", "Procedure posted, easy to find and understand"),
                ("Giấy tờ phải nộp đúng quy định", "Documents required as regulated"),
                ("Phí, lệ phí đúng quy định", "Fees as regulated"),
                ("Thời hạn giải quyết đúng quy định", "Processing time as regulated"),
            ],
        ),
        (
            "C",
            "C. Công chức giải quyết",
            "C. The civil servant",
            &[
                ("Công chức lịch sự, tôn trọng", "Polite and respectful"),
                ("Hướng dẫn đầy đủ, rõ ràng, làm một lần là xong", "Complete, clear guidance: done in one go"),
                ("Công chức tuân thủ quy định", "Follows the rules"),
            ],
        ),
        (
            "D",
            "D. Kết quả",
            "D. The result",
            &[
                ("Nhận kết quả đúng hẹn", "Returned on the promised date"),
                ("Thông tin trong kết quả đầy đủ, chính xác", "Information complete and accurate"),
                ("Kết quả công bằng", "Fair"),
            ],
        ),
        (
            "E",
            "E. Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị",
            "E. Handling feedback",
            &[
                ("Có nơi góp ý thuận tiện", "A convenient way to give feedback exists"),
                ("Góp ý được xử lý đúng quy định", "Feedback handled as regulated"),
                ("Được báo kết quả xử lý kịp thời", "Told the outcome in time"),
            ],
        ),
    ];

    const IMPROVE: [(&str, &str, &str); 10] = [
        ("transparency", "Công khai, minh bạch", "Transparency"),
        ("accountability", "Trách nhiệm giải trình", "Accountability"),
        ("oversight", "Sự giám sát của người dân", "Citizen oversight"),
        ("effectiveness", "Hiệu quả giải quyết", "Effectiveness"),
        ("facilities", "Cơ sở vật chất", "Facilities"),
        ("competence", "Năng lực công chức", "Staff competence"),
        ("attitude", "Thái độ công chức", "Staff attitude"),
        ("it", "Công nghệ thông tin, số hoá", "IT and digital services"),
        ("online", "Dịch vụ công trực tuyến", "Online public services"),
        ("feedback", "Tiếp nhận, xử lý góp ý", "Feedback handling"),
    ];

    const PROFILE: [(&str, &str, &str, &[&str]); 5] = [
        ("kind", "Bạn là", "You are", &["Cá nhân", "Đại diện tổ chức"]),
        ("gender", "Giới tính", "Gender", &["Nam", "Nữ", "Khác"]),
        ("age", "Độ tuổi", "Age group", &["18–24", "25–34", "35–49", "50–60", "60+"]),
        ("education", "Trình độ học vấn", "Education", &["Phổ thông", "Trung cấp, cao đẳng", "Đại học", "Sau đại học"]),
        ("occupation", "Nghề nghiệp", "Occupation", &["Công nhân", "Nông dân", "Kinh doanh", "Viên chức", "Hưu trí"]),
    ];

    /// A realistic page: 5 criteria with 16 items, an overall rating, what to improve, a percent
    /// question, the comment and 5 profile selects. With `errors`, it is the page shown again
    /// after a faulty submission, with answers re-selected.
    fn survey(locale: Locale, agency: &str, errors: bool) -> SurveyPage {
        let ui = UiText::for_locale(locale);
        let pick = |vi: &str, en: &str| locale.pick(vi, en).to_string();
        let sections = CRITERIA
            .iter()
            .map(|(code, vi, en, items)| SectionView {
                id: code.to_string(),
                title: pick(vi, en),
                items: items
                    .iter()
                    .enumerate()
                    .map(|(i, (vi, en))| {
                        let id = format!("{code}{}", i + 1);
                        let (selected, error) = match (errors, id.as_str()) {
                            (true, "A2" | "C3") => (None, Some(AnswerError::Required.message(ui.locale))),
                            (true, "E1") => (Some("na".to_string()), None),
                            (true, _) => (Some(((i % 5) + 1).to_string()), None),
                            (false, _) => (None, None),
                        };
                        ItemView { id, text: pick(vi, en), allow_na: *code == "E", selected, error }
                    })
                    .collect(),
            })
            .collect();
        let questions = vec![
            QuestionView::Rating(ItemView {
                id: "overall".to_string(),
                text: pick(
                    "Nhìn chung, bạn hài lòng thế nào với việc giải quyết hồ sơ?",
                    "Overall, how satisfied are you?",
                ),
                allow_na: false,
                selected: errors.then(|| "4".to_string()),
                error: None,
            }),
            QuestionView::MultiChoice(MultiChoiceView {
                id: "improve".to_string(),
                text: pick("Cơ quan cần cải thiện điều gì nhất?", "What should the agency improve most?"),
                max: 3,
                options: IMPROVE
                    .iter()
                    .enumerate()
                    .map(|(i, (id, vi, en))| ChoiceView {
                        id: id.to_string(),
                        label: pick(vi, en),
                        checked: errors && i % 3 == 0,
                    })
                    .collect(),
                error: errors.then(|| AnswerError::TooManyChoices { max: 3 }.message(ui.locale)),
            }),
            QuestionView::Percent(PercentView {
                id: "expectation".to_string(),
                text: pick(
                    "Dịch vụ đáp ứng bao nhiêu phần trăm mong đợi của bạn?",
                    "How far did the service meet your expectations?",
                ),
                value: if errors { "120".to_string() } else { String::new() },
                error: errors.then(|| AnswerError::NotOnScale { min: 0, max: 100 }.message(ui.locale)),
            }),
        ];
        let profile = PROFILE
            .iter()
            .map(|(id, vi, en, options)| ProfileView {
                id: id.to_string(),
                label: pick(vi, en),
                options: options
                    .iter()
                    .enumerate()
                    .map(|(i, label)| ChoiceView {
                        id: (i + 1).to_string(),
                        label: label.to_string(),
                        checked: errors && *id == "age" && i == 4,
                    })
                    .collect(),
            })
            .collect();
        let error_links = if errors {
            vec![
                ErrorLink {
                    item_id: "A2".to_string(),
                    text: format!(
                        "{} – {}",
                        pick(CRITERIA[0].3[1].0, CRITERIA[0].3[1].1),
                        AnswerError::Required.message(ui.locale)
                    ),
                },
                ErrorLink {
                    item_id: "C3".to_string(),
                    text: format!(
                        "{} – {}",
                        pick(CRITERIA[2].3[2].0, CRITERIA[2].3[2].1),
                        AnswerError::Required.message(ui.locale)
                    ),
                },
                ErrorLink {
                    item_id: "improve".to_string(),
                    text: AnswerError::TooManyChoices { max: 3 }.message(ui.locale),
                },
                ErrorLink {
                    item_id: "expectation".to_string(),
                    text: AnswerError::NotOnScale { min: 0, max: 100 }.message(ui.locale),
                },
            ]
        } else {
            Vec::new()
        };
        SurveyPage {
            ui,
            other_lang_href: Some(format!("/s/AbC123?lang={}", ui.other_locale)),
            title: pick("Đánh giá việc giải quyết hồ sơ", "Rate how your dossier was handled"),
            agency_name: agency.to_string(),
            intro: pick(
                "Xin dành khoảng 2 phút cho biết bạn thấy thế nào về việc giải quyết hồ sơ.",
                "Please take about 2 minutes to tell us how your dossier was handled.",
            ),
            action: format!("/s/AbC123?lang={}", ui.locale),
            errors: error_links,
            sections,
            questions,
            comment: CommentView {
                value: if errors {
                    "Cảm ơn <b>chị</b> ở quầy số 3 & các anh chị".to_string()
                } else {
                    String::new()
                },
                error: None,
            },
            profile,
        }
    }

    const AGENCY: &str = "UBND phường Hoàn Kiếm";

    fn render(page: &impl Template) -> String {
        match page.render() {
            Ok(html) => html,
            Err(e) => panic!("render failed: {e}"),
        }
    }

    fn gzip_len(bytes: &[u8]) -> usize {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).expect("gzip");
        encoder.finish().expect("gzip").len()
    }

    /// The text of an HTML fragment, without its tags.
    fn text_of(fragment: &str) -> String {
        let mut in_tag = false;
        fragment
            .chars()
            .filter(|&c| {
                let outside = !in_tag && c != '<';
                in_tag = (in_tag || c == '<') && c != '>';
                outside
            })
            .collect()
    }

    /// The position and text of each `<input ...>` tag of `type="<kind>"`.
    fn inputs<'a>(html: &'a str, kind: &str) -> Vec<(usize, &'a str)> {
        let needle = format!("type=\"{kind}\"");
        html.match_indices("<input")
            .filter_map(|(at, _)| {
                let end = at + html[at..].find('>').expect("closed tag");
                let tag = &html[at..=end];
                tag.contains(&needle).then_some((at, tag))
            })
            .collect()
    }

    #[test]
    fn citizen_survey_keeps_vietnamese_text_and_escapes_input() {
        let html = render(&survey(Locale::Vi, "<script>alert(1)</script> & Co", false));
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("<html lang=\"vi\">"));
        for text in ["Rất không hài lòng", "Bình thường", "Rất hài lòng", "Không có ý kiến / không áp dụng"]
        {
            assert!(html.contains(text), "missing {text}");
        }
        assert!(html.contains("Gửi đánh giá"));
        assert!(html.contains("Khảo sát sự hài lòng"));
        assert!(html.contains("E. Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị"));
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&#60;script&#62;alert(1)&#60;/script&#62; &#38; Co"));
        assert!(html.contains("<form method=\"post\" action=\"/s/AbC123?lang=vi\""));
        assert!(html.contains("href=\"/s/AbC123?lang=en\""));
        assert!(html.contains(&format!("href=\"{}\"", stylesheet_path())));
        assert!(!html.contains("role=\"alert\""), "no error summary on a fresh page");
        assert!(!html.contains(" checked"), "nothing pre-selected on a fresh page");
        assert!(!html.contains("<details class=\"profile\" open"), "profile starts collapsed");
    }

    #[test]
    fn citizen_survey_in_english() {
        let html = render(&survey(Locale::En, AGENCY, false));
        assert!(html.contains("<html lang=\"en\">"));
        for text in ["Very dissatisfied", "Very satisfied", "No opinion / not applicable", "Send my rating"] {
            assert!(html.contains(text), "missing {text}");
        }
        assert!(html.contains("UBND phường Hoàn Kiếm"));
        assert!(html.contains(">Tiếng Việt</a>"));
        assert!(html.contains("Choose up to 3."));
    }

    #[test]
    fn citizen_survey_has_a_label_for_every_control() {
        for locale in Locale::ALL {
            let html = render(&survey(locale, AGENCY, true));
            let radios = inputs(&html, "radio");
            // 16 items × 5 + 3 "not applicable" + the overall rating × 5.
            assert_eq!(radios.len(), 16 * 5 + 3 + 5);
            for (at, tag) in radios.iter().chain(&inputs(&html, "checkbox")) {
                let before = &html[..*at];
                let open = before.rfind("<label").expect("a label before the input");
                assert!(before.rfind("</label>").is_none_or(|close| close < open), "not inside a label: {tag}");
                let after = &html[*at + tag.len()..];
                let label = &after[..after.find("</label>").expect("label closes")];
                assert!(!text_of(label).trim().is_empty(), "empty label: {tag}");
            }
            for id in
                ["in-expectation", "in-comment", "in-kind", "in-gender", "in-age", "in-education", "in-occupation"]
            {
                assert!(
                    html.contains(&format!("<label for=\"{id}\"")) || html.contains(&format!("for=\"{id}\"")),
                    "{id}"
                );
                assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
            }
            assert_eq!(html.matches("<option value=\"\">—</option>").count(), 5);
        }
    }

    #[test]
    fn citizen_survey_shown_again_keeps_answers_and_points_at_errors() {
        let html = render(&survey(Locale::Vi, AGENCY, true));
        assert!(html.contains("<title>Lỗi: Đánh giá việc giải quyết hồ sơ – Khảo sát sự hài lòng</title>"));
        // The summary comes first, as an alert with a focusable heading and links into the page.
        let summary = html.find("role=\"alert\"").expect("error summary");
        assert!(summary < html.find("<form").expect("form"));
        assert!(html.contains("<h2 id=\"errsum-h\" tabindex=\"-1\" autofocus>"));
        for id in ["A2", "C3", "improve", "expectation"] {
            assert!(html.contains(&format!("<a href=\"#item-{id}\">")), "link to {id}");
            assert!(html.contains(&format!("id=\"item-{id}\"")), "target {id}");
            assert!(html.contains(&format!("id=\"item-{id}-err\"")), "message next to {id}");
        }
        assert!(html.contains("<fieldset class=\"item bad\" id=\"item-A2\" aria-describedby=\"item-A2-err\">"));
        assert!(html.contains("<input type=\"radio\" name=\"A2\" value=\"1\" aria-invalid=\"true\">"));
        assert!(html.contains("aria-describedby=\"item-expectation-hint item-expectation-err\" aria-invalid=\"true\""));
        // Previous answers are checked again.
        assert!(html.contains("name=\"A1\" value=\"1\" checked>"));
        assert!(html.contains("name=\"B4\" value=\"4\" checked>"));
        assert!(html.contains("name=\"E1\" value=\"na\" checked>"));
        assert!(html.contains("name=\"overall\" value=\"4\" checked>"));
        assert!(!html.contains("name=\"A2\" value=\"1\" checked"));
        assert_eq!(inputs(&html, "radio").iter().filter(|(_, t)| t.contains(" checked")).count(), 15);
        assert!(html.contains("name=\"improve\" value=\"transparency\" checked"));
        assert!(html.contains("name=\"improve\" value=\"attitude\" checked"));
        assert!(!html.contains("name=\"improve\" value=\"accountability\" checked"));
        assert!(html.contains("value=\"120\""));
        assert!(html.contains(">Cảm ơn &#60;b&#62;chị&#60;/b&#62; ở quầy số 3 &#38; các anh chị</textarea>"));
        assert!(html.contains("<option value=\"5\" selected>60+</option>"));
        assert!(html.contains("<details class=\"profile\" id=\"item-profile\" open>"), "a used profile stays open");
    }

    #[test]
    fn citizen_pages_obey_the_content_security_policy() {
        let no_svg_ns = STYLESHEET.replace("xmlns='http://www.w3.org/2000/svg'", "");
        assert!(!no_svg_ns.contains("http://") && !no_svg_ns.contains("https://"), "external URL in CSS");
        assert!(!STYLESHEET.contains("@import") && !STYLESHEET.contains("@font-face"));
        for locale in Locale::ALL {
            let ui = UiText::for_locale(locale);
            let pages = [
                render(&survey(locale, AGENCY, true)),
                render(&ThanksPage { ui, other_lang_href: None, agency_name: Some(AGENCY.to_string()) }),
                render(&NoticePage { ui, other_lang_href: None, kind: NoticeKind::Expired, agency_name: None }),
            ];
            for html in pages {
                assert!(!html.contains("style="), "inline style");
                assert!(!html.contains("<style"), "inline stylesheet");
                assert!(!html.contains("<script"), "script");
                assert!(!html.contains("http://") && !html.contains("https://"), "absolute URL");
                let handler = html.match_indices(" on").any(|(at, _)| {
                    let name: String = html[at + 1..].chars().take_while(char::is_ascii_lowercase).collect();
                    html[at + 1 + name.len()..].starts_with('=')
                });
                assert!(!handler, "event handler attribute");
                assert_eq!(html.matches("<link rel=\"stylesheet\"").count(), 1);
            }
        }
    }

    #[test]
    fn citizen_survey_weighs_less_than_the_bar() {
        for locale in Locale::ALL {
            for errors in [false, true] {
                let html = render(&survey(locale, AGENCY, errors));
                let total = html.len() + STYLESHEET.len();
                let gzip = gzip_len(html.as_bytes()) + gzip_len(STYLESHEET.as_bytes());
                eprintln!(
                    "{locale} errors={errors}: HTML {} B ({} B gzip), CSS {} B ({} B gzip), total {total} B ({gzip} B gzip)",
                    html.len(),
                    gzip_len(html.as_bytes()),
                    STYLESHEET.len(),
                    gzip_len(STYLESHEET.as_bytes())
                );
                assert!(total <= 50 * 1024, "{total} bytes uncompressed");
                assert!(gzip <= 15 * 1024, "{gzip} bytes gzip");
            }
        }
    }

    #[test]
    fn citizen_thanks_and_notices_in_both_languages() {
        let vi = UiText::for_locale(Locale::Vi);
        let en = UiText::for_locale(Locale::En);
        let thanks = render(&ThanksPage { ui: vi, other_lang_href: Some("?lang=en".to_string()), agency_name: None });
        assert!(thanks.contains("<h1>Cảm ơn bạn!</h1>") && thanks.contains("href=\"?lang=en\""));
        let thanks = render(&ThanksPage { ui: en, other_lang_href: None, agency_name: Some(AGENCY.to_string()) });
        assert!(thanks.contains("<h1>Thank you!</h1>") && thanks.contains(AGENCY));
        assert!(!thanks.contains("hreflang"), "no language switch without a target");
        for (kind, vi_title, en_title) in [
            (NoticeKind::Expired, "Đường dẫn khảo sát đã hết hạn", "This survey link has expired"),
            (NoticeKind::Answered, "Bạn đã gửi đánh giá rồi", "This rating has already been sent"),
            (NoticeKind::Unknown, "Không tìm thấy phiếu khảo sát", "We could not find this survey"),
        ] {
            for (ui, title, desk) in [(vi, vi_title, "bộ phận một cửa"), (en, en_title, "one-stop desk")] {
                let html = render(&NoticePage { ui, other_lang_href: None, kind, agency_name: None });
                assert!(html.contains(&format!("<title>{title} – ")), "{html}");
                assert!(html.contains(&format!("<h1>{title}</h1>")));
                assert!(html.contains(desk), "what to do: {html}");
            }
        }
    }

    /// With `SIPAS_CITIZEN_PREVIEW=<dir>`, writes the pages and the stylesheet there to look at
    /// them in a browser (`python3 -m http.server -d <dir>`).
    #[test]
    fn citizen_preview_files() {
        let Some(dir) = std::env::var_os("SIPAS_CITIZEN_PREVIEW") else { return };
        let dir = std::path::PathBuf::from(dir);
        let css = dir.join(stylesheet_path().trim_start_matches('/'));
        std::fs::create_dir_all(css.parent().expect("static dir")).expect("create dir");
        std::fs::write(&css, STYLESHEET).expect("write css");
        let vi = UiText::for_locale(Locale::Vi);
        let en = UiText::for_locale(Locale::En);
        let pages = [
            ("index.html", render(&survey(Locale::Vi, AGENCY, false))),
            ("errors.html", render(&survey(Locale::Vi, AGENCY, true))),
            ("en.html", render(&survey(Locale::En, AGENCY, true))),
            ("end.html", render(&SurveyPage { sections: Vec::new(), ..survey(Locale::Vi, AGENCY, true) })),
            ("end-en.html", render(&SurveyPage { sections: Vec::new(), ..survey(Locale::En, AGENCY, false) })),
            (
                "thanks.html",
                render(&ThanksPage {
                    ui: vi,
                    other_lang_href: Some("#".to_string()),
                    agency_name: Some(AGENCY.to_string()),
                }),
            ),
            (
                "notice.html",
                render(&NoticePage {
                    ui: vi,
                    other_lang_href: Some("#".to_string()),
                    kind: NoticeKind::Unknown,
                    agency_name: None,
                }),
            ),
            (
                "notice-en.html",
                render(&NoticePage {
                    ui: en,
                    other_lang_href: None,
                    kind: NoticeKind::Expired,
                    agency_name: Some(AGENCY.to_string()),
                }),
            ),
        ];
        let mut tail = SurveyPage { sections: Vec::new(), ..survey(Locale::Vi, AGENCY, true) };
        tail.questions.retain(|q| matches!(q, QuestionView::Percent(_)));
        let mut na = survey(Locale::Vi, AGENCY, true);
        na.sections.drain(..4);
        na.questions.clear();
        na.errors.clear();
        for (name, html) in pages.into_iter().chain([("tail.html", render(&tail)), ("na.html", render(&na))]) {
            std::fs::write(dir.join(name), html).expect("write page");
        }
    }
}
