//! The fixed texts of the dashboard pages (city overview, agency page, their error pages),
//! Vietnamese first, English second; the pages' chrome (header, language switch) comes from
//! [`super::staff_view::StaffText`].

use crate::domain::Locale;
use crate::reports::{INDEX_LABEL_EN, INDEX_LABEL_VI};

/// Every fixed string of the dashboard pages in one language.
#[derive(Debug, PartialEq, Eq)]
pub struct DashText {
    pub locale: Locale,
    /// "Chỉ số hài lòng (theo phương pháp SIPAS)".
    pub index_label: &'static str,
    pub city_title: &'static str,
    pub city_name: &'static str,
    pub staff_home: &'static str,
    pub nav_label: &'static str,
    pub breadcrumb: &'static str,
    pub filters_title: &'static str,
    pub period_label: &'static str,
    pub custom_period: &'static str,
    pub from_label: &'static str,
    pub to_label: &'static str,
    pub dates_hint: &'static str,
    pub field_label: &'static str,
    pub all_fields: &'static str,
    pub channel_label: &'static str,
    pub all_channels: &'static str,
    pub survey_label: &'static str,
    pub apply: &'static str,
    pub overall: &'static str,
    pub responses: &'static str,
    pub invitations: &'static str,
    pub response_rate: &'static str,
    pub n: &'static str,
    pub ci: &'static str,
    pub no_data: &'static str,
    pub small_n_mark: &'static str,
    pub ranking_title: &'static str,
    pub ranking_intro: &'static str,
    pub rank: &'static str,
    pub agency: &'static str,
    pub not_ranked: &'static str,
    pub all_agencies_title: &'static str,
    pub fields_title: &'static str,
    pub field: &'static str,
    pub download_svg: &'static str,
    pub download_png: &'static str,
    pub chart_table_note: &'static str,
    pub criteria_title: &'static str,
    pub criterion: &'static str,
    pub this_agency: &'static str,
    pub items_title: &'static str,
    pub item_code: &'static str,
    pub item: &'static str,
    pub index: &'static str,
    pub not_applicable: &'static str,
    pub answers_heading: &'static str,
    pub general_questions: &'static str,
    pub distribution_title: &'static str,
    pub trend_month_title: &'static str,
    pub trend_quarter_title: &'static str,
    pub period: &'static str,
    pub channels_title: &'static str,
    pub channel: &'static str,
    pub units_title: &'static str,
    pub no_units: &'static str,
    pub comments_title: &'static str,
    pub comments_note: &'static str,
    pub no_comments: &'static str,
    pub date: &'static str,
    pub comment: &'static str,
    pub previous: &'static str,
    pub next: &'static str,
    pub pages_label: &'static str,
    pub forbidden_title: &'static str,
    pub forbidden_body: &'static str,
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub bad_filters_title: &'static str,
    pub bad_filters_intro: &'static str,
    pub detail: &'static str,
    pub reset_filters: &'static str,
}

const VI: DashText = DashText {
    locale: Locale::Vi,
    index_label: INDEX_LABEL_VI,
    city_title: "Tổng quan toàn thành phố",
    city_name: "Toàn thành phố",
    staff_home: "Trang cán bộ",
    nav_label: "Các trang số liệu",
    breadcrumb: "Vị trí trong cơ cấu tổ chức",
    filters_title: "Bộ lọc",
    period_label: "Kỳ báo cáo",
    custom_period: "Khoảng ngày tự chọn (nhập bên dưới)",
    from_label: "Từ ngày",
    to_label: "Đến ngày",
    dates_hint: "Để xem theo khoảng ngày, chọn «Khoảng ngày tự chọn» ở ô Kỳ báo cáo rồi nhập hai ngày.",
    field_label: "Lĩnh vực",
    all_fields: "Tất cả lĩnh vực",
    channel_label: "Kênh tiếp nhận",
    all_channels: "Tất cả các kênh",
    survey_label: "Phiếu khảo sát",
    apply: "Xem số liệu",
    overall: "Chỉ số chung",
    responses: "Số phiếu trả lời",
    invitations: "Số lời mời khảo sát",
    response_rate: "Tỷ lệ phản hồi",
    n: "Số câu trả lời hợp lệ (n)",
    ci: "Khoảng tin cậy 95 %",
    no_data: "Chưa có dữ liệu",
    small_n_mark: "mẫu nhỏ",
    ranking_title: "Xếp hạng các cơ quan",
    ranking_intro: "Các cơ quan trực thuộc thành phố; số liệu của mỗi cơ quan gồm cả các đơn vị trực thuộc.",
    rank: "Hạng",
    agency: "Cơ quan",
    not_ranked: "Không xếp hạng",
    all_agencies_title: "Tất cả cơ quan, đơn vị",
    fields_title: "Theo lĩnh vực",
    field: "Lĩnh vực",
    download_svg: "Tải biểu đồ (SVG)",
    download_png: "Tải biểu đồ (PNG)",
    chart_table_note: "Số liệu của biểu đồ có trong bảng:",
    criteria_title: "Các tiêu chí",
    criterion: "Tiêu chí",
    this_agency: "Cơ quan",
    items_title: "Từng câu hỏi",
    item_code: "Mã",
    item: "Câu hỏi",
    index: "Chỉ số",
    not_applicable: "Không có ý kiến / không áp dụng",
    answers_heading: "Số câu trả lời theo mức",
    general_questions: "Câu hỏi chung (không tính vào chỉ số)",
    distribution_title: "Phân bố câu trả lời theo câu hỏi",
    trend_month_title: "Diễn biến theo tháng",
    trend_quarter_title: "Diễn biến theo quý",
    period: "Kỳ",
    channels_title: "Theo kênh tiếp nhận",
    channel: "Kênh",
    units_title: "Các đơn vị trực thuộc",
    no_units: "Cơ quan này không có đơn vị trực thuộc có số liệu trong kỳ.",
    comments_title: "Ý kiến của người dân",
    comments_note: "Số điện thoại, số căn cước và địa chỉ thư điện tử trong ý kiến đã được che. Mỗi lần xem \
                    ý kiến đều được ghi vào nhật ký.",
    no_comments: "Không có ý kiến nào trong kỳ và bộ lọc này.",
    date: "Ngày",
    comment: "Ý kiến",
    previous: "« Trang trước",
    next: "Trang sau »",
    pages_label: "Chuyển trang ý kiến",
    forbidden_title: "Không có quyền xem trang này",
    forbidden_body: "Trang này nằm ngoài phạm vi tài khoản của bạn được xem.",
    not_found_title: "Không tìm thấy cơ quan",
    not_found_body: "Không có cơ quan nào với mã này.",
    bad_filters_title: "Bộ lọc không hợp lệ",
    bad_filters_intro: "Không hiển thị được số liệu vì các tham số sau không hợp lệ:",
    detail: "Chi tiết",
    reset_filters: "Xem với bộ lọc mặc định",
};

const EN: DashText = DashText {
    locale: Locale::En,
    index_label: INDEX_LABEL_EN,
    city_title: "City overview",
    city_name: "Whole city",
    staff_home: "Staff page",
    nav_label: "Dashboard pages",
    breadcrumb: "Place in the organisation",
    filters_title: "Filters",
    period_label: "Period",
    custom_period: "Custom dates (enter below)",
    from_label: "From",
    to_label: "To",
    dates_hint: "To use dates, choose “Custom dates” as the period and enter both dates.",
    field_label: "Field",
    all_fields: "All fields",
    channel_label: "Channel",
    all_channels: "All channels",
    survey_label: "Survey",
    apply: "Show figures",
    overall: "Overall index",
    responses: "Responses",
    invitations: "Invitations",
    response_rate: "Response rate",
    n: "Valid answers (n)",
    ci: "95 % confidence interval",
    no_data: "No data",
    small_n_mark: "small sample",
    ranking_title: "Agency ranking",
    ranking_intro: "The agencies directly under the city; each agency's figures include the units below it.",
    rank: "Rank",
    agency: "Agency",
    not_ranked: "Not ranked",
    all_agencies_title: "All agencies and units",
    fields_title: "By field",
    field: "Field",
    download_svg: "Download chart (SVG)",
    download_png: "Download chart (PNG)",
    chart_table_note: "The chart's figures are in the table:",
    criteria_title: "Criteria",
    criterion: "Criterion",
    this_agency: "Agency",
    items_title: "Items",
    item_code: "Code",
    item: "Item",
    index: "Index",
    not_applicable: "No opinion / not applicable",
    answers_heading: "Answers per level",
    general_questions: "General questions (not part of the index)",
    distribution_title: "Answer distribution per item",
    trend_month_title: "Trend by month",
    trend_quarter_title: "Trend by quarter",
    period: "Period",
    channels_title: "By channel",
    channel: "Channel",
    units_title: "Units below",
    no_units: "No unit below this agency has figures in the period.",
    comments_title: "Citizens' comments",
    comments_note: "Phone numbers, ID numbers and e-mail addresses in comments are masked. Every view of the \
                    comments is recorded in the audit log.",
    no_comments: "No comments for this period and these filters.",
    date: "Date",
    comment: "Comment",
    previous: "« Previous page",
    next: "Next page »",
    pages_label: "Comment pages",
    forbidden_title: "You may not see this page",
    forbidden_body: "This page is outside what your account may see.",
    not_found_title: "Agency not found",
    not_found_body: "There is no agency with this code.",
    bad_filters_title: "Invalid filters",
    bad_filters_intro: "The figures cannot be shown because these parameters are not valid:",
    detail: "Detail",
    reset_filters: "Show with the default filters",
};

impl DashText {
    pub fn for_locale(locale: Locale) -> &'static DashText {
        match locale {
            Locale::En => &EN,
            Locale::Vi => &VI,
        }
    }

    /// Why some figures are grey.
    pub fn small_n_note(&self, small_n: u64) -> String {
        match self.locale {
            Locale::Vi => format!(
                "Số liệu màu xám (đánh dấu *) là mẫu nhỏ: dưới {small_n} câu trả lời hợp lệ, chưa đủ tin cậy nên \
                 không được xếp hạng."
            ),
            Locale::En => format!(
                "Grey figures (marked *) are small samples: fewer than {small_n} valid answers, too few to be \
                 reliable, so they are not ranked."
            ),
        }
    }

    /// The city's target, e.g. "Mục tiêu của thành phố: 85 %".
    pub fn target_note(&self, target: &str) -> String {
        match self.locale {
            Locale::Vi => format!("Mục tiêu của thành phố: {target}"),
            Locale::En => format!("The city's target: {target}"),
        }
    }

    /// The page title of an agency's page.
    pub fn agency_title(&self, agency: &str) -> String {
        format!("{} – {agency}", self.index_label)
    }

    /// "Ý kiến 1–20 trong tổng số 45".
    pub fn comments_range(&self, first: u64, last: u64, total: &str) -> String {
        match self.locale {
            Locale::Vi => format!("Ý kiến {first}–{last} trong tổng số {total}"),
            Locale::En => format!("Comments {first}–{last} of {total}"),
        }
    }

    /// What the interval of a criterion or the overall index is.
    pub fn overall_ci_note(&self) -> &'static str {
        match self.locale {
            Locale::Vi => "Khoảng tin cậy của chỉ số chung và của các cơ quan là gần đúng (tính như một tỷ lệ trên n).",
            Locale::En => "The intervals of overall indices are approximate (computed as for a rate of n).",
        }
    }

    /// The name of a query parameter, for the error page.
    pub fn param_label(&self, param: &str) -> &'static str {
        let (vi, en) = match param {
            "survey" => ("Phiếu khảo sát", "Survey"),
            "version" => ("Phiên bản phiếu", "Survey version"),
            "period" => ("Kỳ báo cáo", "Period"),
            "from" => ("Từ ngày", "From"),
            "to" => ("Đến ngày", "To"),
            "field" => ("Lĩnh vực", "Field"),
            "channel" => ("Kênh tiếp nhận", "Channel"),
            "agency" => ("Cơ quan", "Agency"),
            "page" => ("Trang ý kiến", "Comment page"),
            "width" => ("Chiều rộng ảnh", "Image width"),
            "chart" => ("Biểu đồ", "Chart"),
            "query" => ("Địa chỉ trang", "Page address"),
            _ => ("Tham số không dùng được", "Parameter not used here"),
        };
        self.locale.pick(vi, en)
    }

    /// What a valid value of a query parameter is, for the error page.
    pub fn param_help(&self, param: &str) -> &'static str {
        let (vi, en) = match param {
            "survey" | "version" => ("Chọn một phiếu khảo sát trong danh sách.", "Choose a survey from the list."),
            "period" => (
                "Chọn một kỳ trong danh sách (năm, quý, tháng hoặc kỳ báo cáo), hoặc chọn «Khoảng ngày tự chọn» \
                 và nhập ngày — không dùng cả hai cùng lúc.",
                "Choose a period from the list (year, quarter, month or report period), or choose “Custom dates” \
                 and enter dates — not both.",
            ),
            "from" | "to" => (
                "Nhập cả hai ngày theo dạng NNNN-TT-NN; ngày bắt đầu không được sau ngày kết thúc; khoảng ngày \
                 tối đa 10 năm.",
                "Enter both dates as YYYY-MM-DD; the start may not be after the end; at most 10 years.",
            ),
            "field" => ("Chọn một lĩnh vực trong danh sách.", "Choose a field from the list."),
            "channel" => ("Chọn một kênh trong danh sách.", "Choose a channel from the list."),
            "agency" => ("Cần mã của một cơ quan.", "An agency code is needed."),
            "page" => ("Số trang là một số nguyên từ 1.", "The page is a whole number from 1."),
            "width" => ("Chiều rộng ảnh PNG từ 200 đến 2400 điểm ảnh.", "The PNG width is 200 to 2400 pixels."),
            "chart" => (
                "Biểu đồ là ranking, profile, trend hoặc distribution, đuôi .svg hoặc .png.",
                "The chart is ranking, profile, trend or distribution, ending in .svg or .png.",
            ),
            "query" => ("Địa chỉ trang bị mã hóa sai.", "The page address is not correctly encoded."),
            _ => ("Trang này không dùng tham số này.", "This page does not take this parameter."),
        };
        self.locale.pick(vi, en)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_label_the_index_as_the_city_asks() {
        assert_eq!(DashText::for_locale(Locale::Vi).index_label, "Chỉ số hài lòng (theo phương pháp SIPAS)");
        assert_eq!(DashText::for_locale(Locale::En).index_label, "Satisfaction index (SIPAS method)");
        let vi = DashText::for_locale(Locale::Vi);
        assert!(vi.small_n_note(30).contains("dưới 30 câu trả lời hợp lệ"));
        assert_eq!(vi.comments_range(21, 40, "1.234"), "Ý kiến 21–40 trong tổng số 1.234");
        assert_eq!(vi.param_label("period"), "Kỳ báo cáo");
        assert_eq!(DashText::for_locale(Locale::En).param_label("colour"), "Parameter not used here");
    }
}
