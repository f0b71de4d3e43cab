//! The staff export pages: `GET/POST /staff/exports` (the user's exports with progress and
//! downloads, and the form that starts one), `POST /staff/exports/{id}/cancel`, and
//! `GET /staff/audit` (the audit log, for admins).

use std::collections::BTreeMap;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::citizen::render;
use super::staff::failure;
use super::ApiError;
use crate::auth::{csrf, CurrentUser, Role};
use crate::domain::{Channel, Field, Locale};
use crate::exports::request::{Dataset, Format, Requester};
use crate::exports::service::{self, JobView, StartError};
use crate::startup::AppState;
use crate::store::{audit, exports as jobs};

const FORM_LIMIT: usize = 8 * 1024;
/// Exports listed on the page.
const LISTED: i64 = 50;
/// Audit entries listed on the page.
const AUDIT_SHOWN: i64 = 200;

pub fn config(cfg: &mut web::ServiceConfig) {
    let limit = web::PayloadConfig::new(FORM_LIMIT);
    cfg.service(
        web::resource("/staff/exports")
            .app_data(limit.clone())
            .route(web::get().to(page))
            .route(web::post().to(create)),
    )
    .service(web::resource("/staff/exports/{id}/cancel").app_data(limit).route(web::post().to(cancel)))
    .route("/staff/audit", web::get().to(audit_page));
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

impl LangQuery {
    fn locale(&self) -> Locale {
        self.lang.as_deref().and_then(Locale::parse).unwrap_or_default()
    }
}

/// One export as a row of the page.
struct Row {
    view: JobView,
    state_label: &'static str,
    cancellable: bool,
    /// "1,2 MB".
    sizes: Vec<String>,
}

#[derive(Template)]
#[template(path = "staff/exports.html")]
struct ExportsPage {
    ui: &'static crate::routes::staff_view::StaffText,
    t: &'static ExportText,
    other_lang_href: Option<String>,
    lang: &'static str,
    csrf: String,
    rows: Vec<Row>,
    refresh: bool,
    datasets: Vec<(&'static str, &'static str)>,
    formats: Vec<(&'static str, &'static str)>,
    surveys: Vec<String>,
    fields: Vec<(&'static str, &'static str)>,
    channels: Vec<(&'static str, &'static str)>,
    errors: BTreeMap<String, String>,
    /// The form's values after a refused submit.
    values: BTreeMap<String, String>,
}

impl ExportsPage {
    fn value(&self, key: &str) -> &str {
        self.values.get(key).map_or("", String::as_str)
    }
}

/// The page's fixed texts.
pub struct ExportText {
    title: &'static str,
    intro: &'static str,
    new_export: &'static str,
    dataset: &'static str,
    format: &'static str,
    survey: &'static str,
    version: &'static str,
    version_hint: &'static str,
    period: &'static str,
    period_hint: &'static str,
    from: &'static str,
    to: &'static str,
    agency: &'static str,
    agency_hint: &'static str,
    field: &'static str,
    channel: &'static str,
    any: &'static str,
    bom: &'static str,
    bom_yes: &'static str,
    bom_no: &'static str,
    suppress: &'static str,
    trend_step: &'static str,
    month: &'static str,
    quarter: &'static str,
    yes: &'static str,
    no: &'static str,
    start: &'static str,
    mine: &'static str,
    none: &'static str,
    created: &'static str,
    scope: &'static str,
    state: &'static str,
    progress: &'static str,
    files: &'static str,
    expires: &'static str,
    cancel: &'static str,
    may_not: &'static str,
    audit_title: &'static str,
    at: &'static str,
    actor: &'static str,
    action: &'static str,
    target: &'static str,
    detail: &'static str,
}

const VI: ExportText = ExportText {
    title: "Xuất dữ liệu",
    intro: "Dữ liệu xuất đã khử định danh: không có mã hồ sơ, đường dẫn khảo sát hay thời điểm chính xác; góp ý đã che thông tin cá nhân. Mỗi lần xuất được ghi vào nhật ký.",
    new_export: "Tạo bản xuất mới",
    dataset: "Dữ liệu",
    format: "Định dạng",
    survey: "Phiếu khảo sát",
    version: "Phiên bản",
    version_hint: "Để trống nếu kỳ chỉ có một phiên bản.",
    period: "Kỳ",
    period_hint: "Ví dụ 2026, 2026-Q1, 2026-M03, 2026-report-6m; hoặc chọn từ ngày – đến ngày.",
    from: "Từ ngày",
    to: "Đến ngày",
    agency: "Mã cơ quan",
    agency_hint: "Để trống để lấy toàn bộ phạm vi bạn được xem.",
    field: "Lĩnh vực",
    channel: "Kênh",
    any: "Tất cả",
    bom: "CSV cho Excel",
    bom_yes: "Có dấu BOM (Excel hiển thị đúng tiếng Việt)",
    bom_no: "Không có BOM (cho R, pandas, công cụ khác)",
    suppress: "Ẩn giá trị có n nhỏ",
    trend_step: "Bước thời gian (diễn biến)",
    month: "Tháng",
    quarter: "Quý",
    yes: "Có",
    no: "Không",
    start: "Bắt đầu xuất",
    mine: "Các bản xuất của bạn",
    none: "Chưa có bản xuất nào.",
    created: "Tạo lúc (UTC)",
    scope: "Phạm vi",
    state: "Trạng thái",
    progress: "Tiến độ",
    files: "Tệp",
    expires: "Hết hạn (UTC)",
    cancel: "Hủy",
    may_not: "Vai trò của bạn không được xuất dữ liệu.",
    audit_title: "Nhật ký truy cập và xuất dữ liệu",
    at: "Thời điểm (UTC)",
    actor: "Người thực hiện",
    action: "Hành động",
    target: "Phạm vi",
    detail: "Chi tiết",
};

const EN: ExportText = ExportText {
    title: "Exports",
    intro: "Exports are de-identified: no dossier code, survey link or exact time; personal data in comments is masked. Every export is logged.",
    new_export: "New export",
    dataset: "Data",
    format: "Format",
    survey: "Survey",
    version: "Version",
    version_hint: "Leave empty when the period has one version only.",
    period: "Period",
    period_hint: "E.g. 2026, 2026-Q1, 2026-M03, 2026-report-6m; or give from – to.",
    from: "From",
    to: "To",
    agency: "Agency code",
    agency_hint: "Leave empty for everything you may see.",
    field: "Field",
    channel: "Channel",
    any: "All",
    bom: "CSV for Excel",
    bom_yes: "With a byte-order mark (Excel shows Vietnamese correctly)",
    bom_no: "Without (for R, pandas and other tools)",
    suppress: "Suppress small-n values",
    trend_step: "Time step (trends)",
    month: "Month",
    quarter: "Quarter",
    yes: "Yes",
    no: "No",
    start: "Start the export",
    mine: "Your exports",
    none: "No exports yet.",
    created: "Created (UTC)",
    scope: "Scope",
    state: "State",
    progress: "Progress",
    files: "Files",
    expires: "Expires (UTC)",
    cancel: "Cancel",
    may_not: "Your role may not export data.",
    audit_title: "Audit log: comment views and exports",
    at: "When (UTC)",
    actor: "Who",
    action: "Action",
    target: "Scope",
    detail: "Detail",
};

fn texts(locale: Locale) -> &'static ExportText {
    match locale {
        Locale::En => &EN,
        _ => &VI,
    }
}

fn state_label(state: &str, locale: Locale) -> &'static str {
    let (vi, en) = match state {
        jobs::QUEUED => ("Đang chờ", "Queued"),
        jobs::RUNNING => ("Đang xuất", "Running"),
        jobs::DONE => ("Xong", "Done"),
        jobs::FAILED => ("Không thành công", "Failed"),
        _ => ("Đã hết hạn", "Expired"),
    };
    locale.pick(vi, en)
}

fn dataset_label(d: Dataset, locale: Locale) -> &'static str {
    let (vi, en) = d.title();
    locale.pick(vi, en)
}

fn size_text(bytes: i64, locale: Locale) -> String {
    let mb = bytes as f64 / 1_048_576.0;
    let text = if mb >= 1.0 { format!("{mb:.1} MB") } else { format!("{:.0} KB", (bytes as f64 / 1024.0).ceil()) };
    match locale {
        Locale::Vi => text.replace('.', ","),
        _ => text,
    }
}

fn requester(user: &CurrentUser) -> Requester {
    Requester::staff(&user.user.username, user.user.role, user.user.agency_code.as_deref())
}

async fn render_page(
    state: &AppState,
    user: &CurrentUser,
    locale: Locale,
    errors: BTreeMap<String, String>,
    values: BTreeMap<String, String>,
    status: StatusCode,
) -> HttpResponse {
    let who = requester(user);
    let listed = {
        let who = who.clone();
        state.db.run(move |c| service::list_own(c, &who, LISTED)).await
    };
    let views = match listed {
        Ok(v) => v,
        Err(e) => return failure(e, locale),
    };
    let rows: Vec<Row> = views
        .into_iter()
        .map(|view| Row {
            state_label: state_label(&view.state, locale),
            cancellable: view.state == jobs::QUEUED || view.state == jobs::RUNNING,
            sizes: view.files.iter().map(|f| size_text(f.size, locale)).collect(),
            view,
        })
        .collect();
    let mut surveys: Vec<String> = state.surveys.all().map(|d| d.id().to_owned()).collect();
    surveys.dedup();
    let page = ExportsPage {
        ui: crate::routes::staff_view::StaffText::for_locale(locale),
        t: texts(locale),
        other_lang_href: Some(format!("/staff/exports?lang={}", locale.pick("en", "vi"))),
        lang: locale.code(),
        csrf: user.csrf_token.clone(),
        refresh: rows.iter().any(|r| r.cancellable),
        rows,
        datasets: Dataset::ALL
            .into_iter()
            .filter(|d| who.may_export(*d))
            .map(|d| (d.code(), dataset_label(d, locale)))
            .collect(),
        formats: Format::ALL
            .into_iter()
            .map(|f| {
                (
                    f.code(),
                    match f {
                        Format::Csv => {
                            locale.pick("CSV (kèm từ điển biến và cú pháp SPSS)", "CSV (with codebook and SPSS syntax)")
                        }
                        Format::Xlsx => locale.pick("Excel XLSX (kèm từ điển biến)", "Excel XLSX (with codebook)"),
                        Format::Zip => {
                            locale.pick("ZIP: CSV, từ điển biến, cú pháp SPSS", "ZIP: CSV, codebook, SPSS syntax")
                        }
                        Format::Parquet => locale.pick(
                            "Parquet (cột có kiểu, từ điển biến trong tệp; cho pandas, R, DuckDB)",
                            "Parquet (typed columns, codebook inside; for pandas, R, DuckDB)",
                        ),
                    },
                )
            })
            .collect(),
        surveys,
        fields: Field::ALL.iter().map(|f| (f.code(), f.name(locale))).collect(),
        channels: Channel::ALL.iter().map(|c| (c.code(), c.name(locale))).collect(),
        errors,
        values,
    };
    let mut res = render(&page, status);
    res.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("private, no-store"));
    res
}

async fn page(user: CurrentUser, state: web::Data<AppState>, q: web::Query<LangQuery>) -> HttpResponse {
    let locale = q.locale();
    if user.user.role == Role::AgencyViewer {
        return forbidden(locale);
    }
    render_page(&state, &user, locale, BTreeMap::new(), BTreeMap::new(), StatusCode::OK).await
}

fn forbidden(locale: Locale) -> HttpResponse {
    super::staff::short_page(locale, StatusCode::FORBIDDEN, texts(locale).may_not, texts(locale).intro)
}

/// The form's fields after the CSRF check, without the token; `Err` is the refusal page.
fn form(user: &CurrentUser, body: &[u8], locale: Locale) -> Result<Vec<(String, String)>, Box<HttpResponse>> {
    let pairs = super::staff::checked_form_pairs(user, body, locale)?;
    Ok(pairs.into_iter().filter(|(k, _)| k != csrf::FIELD).collect())
}

fn back_to_list(locale: Locale) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/staff/exports?lang={}", locale.code())))
        .finish()
}

async fn create(
    user: CurrentUser,
    state: web::Data<AppState>,
    q: web::Query<LangQuery>,
    body: web::Bytes,
) -> HttpResponse {
    let locale = q.locale();
    let pairs = match form(&user, &body, locale) {
        Ok(p) => p,
        Err(refusal) => return *refusal,
    };
    let who = requester(&user);
    let (surveys, default_survey) = (state.surveys.clone(), state.settings.default_survey.clone());
    let today = crate::clock::today();
    let submitted = pairs.clone();
    let limits = service::Limits::of(&state.settings);
    let checked =
        state.db.run(move |c| service::check(c, &surveys, &who, &submitted, &default_survey, today, limits)).await;
    let started = match checked {
        Ok(checked) => state.db.run_write(move |c| service::queue(c, &checked, limits)).await,
        Err(e) => Err(e),
    };
    match started {
        Ok(_) => {
            state.wake_exports();
            back_to_list(locale)
        }
        Err(StartError::Invalid(errors)) => {
            let values = pairs.into_iter().collect();
            render_page(&state, &user, locale, errors, values, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(StartError::Forbidden(m)) => {
            let (errors, values) = (BTreeMap::from([("agency".to_owned(), m)]), pairs.into_iter().collect());
            render_page(&state, &user, locale, errors, values, StatusCode::FORBIDDEN).await
        }
        Err(StartError::Limited { setting, message, .. }) => {
            let vi = if setting == "export_max_open" {
                "Bạn đang có số yêu cầu xuất dữ liệu chờ hoặc đang chạy tối đa; hãy đợi một yêu cầu xong hoặc huỷ bớt."
            } else {
                "Bạn đã xuất số dòng tối đa cho phép trong 24 giờ; hãy thử lại sau hoặc đề nghị quản trị viên nâng hạn mức."
            };
            let text = match locale {
                Locale::Vi => format!("{vi} ({message})"),
                Locale::En => message,
            };
            let (errors, values) = (BTreeMap::from([(setting.to_owned(), text)]), pairs.into_iter().collect());
            render_page(&state, &user, locale, errors, values, StatusCode::TOO_MANY_REQUESTS).await
        }
        Err(StartError::Store(e)) => failure(e, locale),
    }
}

async fn cancel(
    user: CurrentUser,
    state: web::Data<AppState>,
    q: web::Query<LangQuery>,
    path: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let locale = q.locale();
    if let Err(refusal) = form(&user, &body, locale) {
        return *refusal;
    }
    let who = requester(&user);
    let id = path.into_inner();
    match state.db.run_write(move |c| service::cancel(c, &who, &id)).await {
        Ok(_) | Err(service::AccessError::Ended) => back_to_list(locale),
        Err(e) => failure(ApiError::from(e), locale),
    }
}

#[derive(Template)]
#[template(path = "staff/audit.html")]
struct AuditPage {
    ui: &'static crate::routes::staff_view::StaffText,
    t: &'static ExportText,
    other_lang_href: Option<String>,
    entries: Vec<audit::AuditEntry>,
}

async fn audit_page(user: CurrentUser, state: web::Data<AppState>, q: web::Query<LangQuery>) -> HttpResponse {
    let locale = q.locale();
    if user.user.role != Role::Admin {
        return super::staff::short_page(
            locale,
            StatusCode::FORBIDDEN,
            locale.pick("Không có quyền", "Forbidden"),
            locale.pick("Chỉ quản trị hệ thống xem được nhật ký.", "Only administrators may read the audit log."),
        );
    }
    match state.db.run(|c| audit::recent(c, AUDIT_SHOWN)).await {
        Ok(entries) => {
            let page = AuditPage {
                ui: crate::routes::staff_view::StaffText::for_locale(locale),
                t: texts(locale),
                other_lang_href: Some(format!("/staff/audit?lang={}", locale.pick("en", "vi"))),
                entries,
            };
            let mut res = render(&page, StatusCode::OK);
            res.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("private, no-store"));
            res
        }
        Err(e) => failure(e, locale),
    }
}
