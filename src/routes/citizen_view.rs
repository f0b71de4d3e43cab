//! View models and templates of the citizen pages: the survey form, the thank-you page and the
//! notices (expired, already answered, unknown link).
//!
//! Plain data only: a handler fills these from a survey definition and the submitted form, and
//! returns the page (each implements actix-web's `Responder` through `askama_web`). The pages use
//! no JavaScript, no inline style and one stylesheet, [`STYLESHEET`], served at
//! [`STYLESHEET_PATH`] with a long cache lifetime.

use askama::Template;
use askama_web::WebTemplate;

use crate::domain::Locale;

/// Where the pages link their stylesheet. Change the version whenever [`STYLESHEET`] changes.
pub const STYLESHEET_PATH: &str = "/static/app-v1.css";

/// The stylesheet of the citizen pages (faces included as `data:` images), to serve at
/// [`STYLESHEET_PATH`] as `text/css`.
pub const STYLESHEET: &str = include_str!("../../web/static/app.css");

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
    /// Error messages a handler may put on a view.
    pub err_required: &'static str,
    pub err_percent: &'static str,
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
    err_required: "Vui lòng chọn một mức.",
    err_percent: "Vui lòng nhập một số từ 0 đến 100.",
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
    err_required: "Please choose one answer.",
    err_percent: "Please enter a whole number from 0 to 100.",
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

    /// The error when more than `max` choices were ticked.
    pub fn err_too_many(&self, max: u8) -> String {
        match self.locale {
            Locale::Vi => format!("Chỉ chọn tối đa {max} mục."),
            Locale::En => format!("Please choose no more than {max}."),
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

