//! The staff pages' fixed texts (Vietnamese first, English second) and templates.

use askama::Template;
use askama_web::WebTemplate;

use crate::domain::Locale;

/// Every fixed string of the staff pages in one language. The first four fields are the
/// ones `base.html` reads.
#[derive(Debug, PartialEq, Eq)]
pub struct StaffText {
    pub locale: Locale,
    pub other_locale: Locale,
    pub other_lang_label: &'static str,
    pub service_name: &'static str,
    pub error_prefix: &'static str,
    pub login_title: &'static str,
    pub username_label: &'static str,
    pub password_label: &'static str,
    pub login_button: &'static str,
    pub bad_credentials: &'static str,
    pub staff_title: &'static str,
    pub signed_in_as: &'static str,
    pub role_label: &'static str,
    pub agency_label: &'static str,
    pub logout: &'static str,
    pub change_password: &'static str,
    pub dashboard: &'static str,
    pub exports: &'static str,
    pub audit: &'static str,
    pub notifications: &'static str,
    pub outbox: &'static str,
    pub current_password: &'static str,
    pub new_password: &'static str,
    pub confirm_password: &'static str,
    pub password_hint: &'static str,
    pub wrong_current: &'static str,
    pub mismatch: &'static str,
    pub password_changed: &'static str,
    pub back: &'static str,
    pub csrf_title: &'static str,
    pub csrf_body: &'static str,
    pub too_many_title: &'static str,
    pub too_many_body: &'static str,
    pub bad_form_title: &'static str,
    pub bad_form_body: &'static str,
    pub control_char_body: &'static str,
    pub failed_title: &'static str,
    pub failed_body: &'static str,
}

const VI: StaffText = StaffText {
    locale: Locale::Vi,
    other_locale: Locale::En,
    other_lang_label: "English",
    service_name: "Khảo sát sự hài lòng",
    error_prefix: "Lỗi:",
    login_title: "Đăng nhập cán bộ",
    username_label: "Tên đăng nhập",
    password_label: "Mật khẩu",
    login_button: "Đăng nhập",
    bad_credentials: "Tên đăng nhập hoặc mật khẩu không đúng.",
    staff_title: "Trang cán bộ",
    signed_in_as: "Tài khoản",
    role_label: "Vai trò",
    agency_label: "Cơ quan",
    logout: "Đăng xuất",
    change_password: "Đổi mật khẩu",
    dashboard: "Xem chỉ số hài lòng (theo phương pháp SIPAS)",
    exports: "Xuất dữ liệu (CSV, Excel, SPSS)",
    audit: "Nhật ký truy cập và xuất dữ liệu",
    notifications: "Thông báo qua e-mail",
    outbox: "Hộp thư đi (e-mail)",
    current_password: "Mật khẩu hiện tại",
    new_password: "Mật khẩu mới",
    confirm_password: "Nhập lại mật khẩu mới",
    password_hint: "Ít nhất 12 ký tự và khác tên đăng nhập.",
    wrong_current: "Mật khẩu hiện tại không đúng.",
    mismatch: "Hai lần nhập mật khẩu mới không khớp.",
    password_changed: "Đã đổi mật khẩu. Các phiên đăng nhập khác đã kết thúc.",
    back: "Về trang cán bộ",
    csrf_title: "Biểu mẫu không hợp lệ",
    csrf_body: "Biểu mẫu đã hết hạn hoặc không được gửi từ trang này. Vui lòng tải lại trang và thử lại.",
    too_many_title: "Quá nhiều lần thử",
    too_many_body: "Bạn đã thử quá nhiều lần. Vui lòng chờ ít phút rồi thử lại.",
    bad_form_title: "Không đọc được biểu mẫu",
    bad_form_body: "Biểu mẫu gửi lên không hợp lệ. Vui lòng thử lại.",
    control_char_body: "Một trường của biểu mẫu (tên đăng nhập, mật khẩu hoặc trường khác) chứa ký tự điều khiển \
                        không hợp lệ, ví dụ ký tự NUL. Vui lòng xoá ký tự đó rồi gửi lại.",
    failed_title: "Hệ thống đang bận",
    failed_body: "Đã có lỗi xảy ra. Vui lòng thử lại sau ít phút.",
};

const EN: StaffText = StaffText {
    locale: Locale::En,
    other_locale: Locale::Vi,
    other_lang_label: "Tiếng Việt",
    service_name: "Satisfaction survey",
    error_prefix: "Error:",
    login_title: "Staff login",
    username_label: "Username",
    password_label: "Password",
    login_button: "Log in",
    bad_credentials: "Wrong username or password.",
    staff_title: "Staff",
    signed_in_as: "Account",
    role_label: "Role",
    agency_label: "Agency",
    logout: "Log out",
    change_password: "Change password",
    dashboard: "See the satisfaction index (SIPAS method)",
    exports: "Export data (CSV, Excel, SPSS)",
    audit: "Audit log",
    notifications: "E-mail notifications",
    outbox: "E-mail outbox",
    current_password: "Current password",
    new_password: "New password",
    confirm_password: "New password again",
    password_hint: "At least 12 characters, different from the username.",
    wrong_current: "The current password is wrong.",
    mismatch: "The two new passwords differ.",
    password_changed: "Password changed. Your other sessions have ended.",
    back: "Back to the staff page",
    csrf_title: "Invalid form",
    csrf_body: "The form has expired or was not sent from this site. Please reload the page and try again.",
    too_many_title: "Too many attempts",
    too_many_body: "Too many attempts. Please wait a few minutes and try again.",
    bad_form_title: "The form could not be read",
    bad_form_body: "The form sent was not valid. Please try again.",
    control_char_body: "A field of the form (the username, the password or another) holds a control character, \
                        such as NUL. Please remove it and send again.",
    failed_title: "The service is busy",
    failed_body: "Something went wrong. Please try again in a few minutes.",
};

impl StaffText {
    pub fn for_locale(locale: Locale) -> &'static StaffText {
        match locale {
            Locale::En => &EN,
            _ => &VI,
        }
    }
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "staff/login.html")]
pub struct LoginPage {
    pub ui: &'static StaffText,
    pub other_lang_href: Option<String>,
    pub action: String,
    pub csrf: String,
    pub username: String,
    pub error: Option<&'static str>,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "staff/home.html")]
pub struct HomePage {
    pub ui: &'static StaffText,
    pub other_lang_href: Option<String>,
    pub lang: &'static str,
    pub csrf: String,
    pub username: String,
    pub role: &'static str,
    pub agency: Option<String>,
    /// The dashboard page for the role: the agency's page, or the city overview.
    pub dashboard_href: String,
    /// Whether the role may export anything (all but agency viewers).
    pub may_export: bool,
    pub is_admin: bool,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "staff/password.html")]
pub struct PasswordPage {
    pub ui: &'static StaffText,
    pub other_lang_href: Option<String>,
    pub lang: &'static str,
    pub csrf: String,
    pub error: Option<String>,
    pub done: bool,
}

/// A short page: a refusal or a failure, with a way back.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "staff/message.html")]
pub struct MessagePage {
    pub ui: &'static StaffText,
    pub other_lang_href: Option<String>,
    pub title: &'static str,
    pub body: &'static str,
    pub back_href: String,
    pub back_text: &'static str,
}
