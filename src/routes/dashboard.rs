//! The staff dashboard: `GET /staff/city` (the city overview, for viewers of the whole city),
//! `GET /staff/agencies/{code}` (an agency's page, for viewers who may see that agency) and
//! `GET /staff/charts/{chart}.{svg|png}` (the pages' charts as files, scoped like the pages).
//! Handlers parse the query, gather figures on the database pool (`dashboard`), build the view
//! off the async workers (`dashboard_view`) and render it; every refusal is a 4xx page in the
//! viewer's language.

use std::collections::BTreeMap;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;

use super::citizen::render;
use super::dashboard_charts::{self as charts, ChartKind};
use super::dashboard_filters::{parse, BadQuery, PageQuery};
use super::dashboard_text::DashText;
use super::dashboard_view::{self as view, agency_path, ViewContext, CITY_PATH};
use super::staff::{failure, short_page};
use super::ApiError;
use crate::auth::CurrentUser;
use crate::charts::{to_png, CHART_WIDTH};
use crate::dashboard::{self, AgencyFigures, AgencyParts};
use crate::domain::{Locale, Visibility};
use crate::reports::ReportError;
use crate::startup::AppState;
use crate::store;

/// Comments shown per page.
pub const COMMENTS_PER_PAGE: u32 = 20;
/// PNG widths a download may ask for, px.
const PNG_WIDTHS: std::ops::RangeInclusive<u32> = 200..=2400;

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route(CITY_PATH, web::get().to(city))
        .route("/staff/agencies/{code}", web::get().to(agency))
        .route("/staff/charts/{file}", web::get().to(chart));
}

fn today() -> NaiveDate {
    crate::clock::today()
}

fn visibility(user: &CurrentUser) -> Visibility {
    user.user.role.visibility(user.user.agency_code.as_deref())
}

fn context(state: &AppState, user: &CurrentUser, q: &PageQuery) -> ViewContext {
    ViewContext {
        locale: q.locale,
        small_n: state.settings.small_n,
        default_survey: state.settings.default_survey.clone(),
        today: today(),
        request: q.request.clone(),
        visibility: visibility(user),
    }
}

/// A 400 (or `status`) page naming every bad parameter.
fn bad_params(locale: Locale, path: &str, errors: &BTreeMap<String, String>, status: StatusCode) -> HttpResponse {
    render(&view::bad_filters_page(locale, path, errors), status)
}

fn bad_query(bad: &BadQuery, path: &str) -> HttpResponse {
    bad_params(bad.locale, path, &bad.errors, StatusCode::BAD_REQUEST)
}

fn bad_param(locale: Locale, path: &str, param: &str, message: &str) -> HttpResponse {
    bad_params(locale, path, &BTreeMap::from([(param.to_owned(), message.to_owned())]), StatusCode::BAD_REQUEST)
}

/// The same 403 for an agency that exists outside the viewer's scope and one that does not.
fn forbidden(locale: Locale) -> HttpResponse {
    let t = DashText::for_locale(locale);
    short_page(locale, StatusCode::FORBIDDEN, t.forbidden_title, t.forbidden_body)
}

/// The answer to a refused report: a bad parameter, a forbidden or unknown agency, or a
/// failure (database down: 503).
fn refused(e: ReportError, locale: Locale, path: &str) -> HttpResponse {
    match e {
        ReportError::Invalid("agency", _) => {
            let t = DashText::for_locale(locale);
            short_page(locale, StatusCode::NOT_FOUND, t.not_found_title, t.not_found_body)
        }
        ReportError::Invalid(param, msg) => bad_param(locale, path, param, &msg),
        ReportError::Forbidden => forbidden(locale),
        ReportError::Store(e) => failure(e, locale),
    }
}

/// Runs view or chart work off the async workers; a failure is logged and becomes a 500 page.
async fn blocking<T: Send + 'static>(
    locale: Locale,
    f: impl FnOnce() -> Result<T, crate::charts::ChartError> + Send + 'static,
) -> Result<T, HttpResponse> {
    match web::block(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "drawing a dashboard chart failed");
            Err(failure(ApiError::Internal, locale))
        }
        Err(e) => {
            tracing::error!(error = %e, "dashboard task failed");
            Err(failure(ApiError::Internal, locale))
        }
    }
}

async fn city(user: CurrentUser, req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let q = match parse(req.query_string(), &[], &state.settings.default_survey, today()) {
        Ok(q) => q,
        Err(bad) => return bad_query(&bad, CITY_PATH),
    };
    let ctx = context(&state, &user, &q);
    let (locale, vis, request) = (q.locale, ctx.visibility.clone(), q.request);
    let (surveys, small_n) = (state.surveys.clone(), state.settings.small_n);
    let figures = state.db.run(move |c| dashboard::city_figures(c, &surveys, &vis, &request, small_n)).await;
    let figures = match figures {
        Ok(f) => f,
        Err(e) => return refused(e, locale, CITY_PATH),
    };
    let surveys = state.surveys.clone();
    match blocking(locale, move || view::city_page(&ctx, &figures, &surveys)).await {
        Ok(page) => render(&page, StatusCode::OK),
        Err(res) => res,
    }
}

/// A comment page number: a whole number from 1.
fn page_number(own: &BTreeMap<String, String>) -> Result<u32, &'static str> {
    match own.get("page").map(|p| p.trim()) {
        None | Some("") => Ok(1),
        Some(p) => p.parse::<u32>().ok().filter(|n| (1..=1_000_000).contains(n)).ok_or("must be a whole number from 1"),
    }
}

/// Every part of an agency's page.
const PAGE_PARTS: AgencyParts = AgencyParts { city: true, trend: true, channels: true, units: true };

async fn agency(
    user: CurrentUser,
    req: HttpRequest,
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> HttpResponse {
    let code = code.into_inner();
    let path = agency_path(&code);
    let q = match parse(req.query_string(), &["page"], &state.settings.default_survey, today()) {
        Ok(q) => q,
        Err(bad) => return bad_query(&bad, &path),
    };
    let locale = q.locale;
    let page = match page_number(&q.own) {
        Ok(p) => p,
        Err(msg) => return bad_param(locale, &path, "page", msg),
    };
    let ctx = context(&state, &user, &q);
    let (vis, request) = (ctx.visibility.clone(), q.request.clone());
    let (surveys, small_n) = (state.surveys.clone(), state.settings.small_n);
    let figures = state
        .db
        .run(move |c| dashboard::agency_figures(c, &surveys, &vis, &code, &request, &PAGE_PARTS, small_n))
        .await;
    let mut figures = match figures {
        Ok(f) => f,
        Err(e) => return refused(e, locale, &path),
    };
    // Reading comments writes the audit log, so it is a write of its own, after the scope check.
    let query = figures.comment_query(&q.request, page, COMMENTS_PER_PAGE);
    let actor = user.user.username.clone();
    match state.db.run_write(move |c| store::comments::list_and_audit(c, &actor, &query)).await {
        Ok(found) => figures.comments = Some(found),
        Err(e) => return failure(e, locale),
    }
    let surveys = state.surveys.clone();
    match blocking(locale, move || view::agency_page(&ctx, &figures, &surveys, page, COMMENTS_PER_PAGE)).await {
        Ok(page) => render(&page, StatusCode::OK),
        Err(res) => res,
    }
}

/// `ranking.svg` → (ranking, false); `trend.png` → (trend, true).
fn chart_file(file: &str) -> Option<(ChartKind, bool)> {
    let (stem, ext) = file.rsplit_once('.')?;
    let png = match ext {
        "svg" => false,
        "png" => true,
        _ => return None,
    };
    Some((ChartKind::parse(stem)?, png))
}

/// A download's file name: ASCII letters, digits, `.`, `-` and `_` only.
fn file_name(parts: &[&str], ext: &str) -> String {
    let stem: String = parts
        .iter()
        .filter(|p| !p.is_empty())
        .map(|p| p.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect())
        .collect::<Vec<String>>()
        .join("-");
    format!("{stem}.{ext}")
}

/// The parts of an agency's figures a chart needs.
fn parts_for(kind: ChartKind) -> AgencyParts {
    AgencyParts { city: kind == ChartKind::Profile, trend: kind == ChartKind::Trend, ..AgencyParts::default() }
}

async fn chart(
    user: CurrentUser,
    req: HttpRequest,
    state: web::Data<AppState>,
    file: web::Path<String>,
) -> HttpResponse {
    let q = match parse(req.query_string(), &["agency", "width"], &state.settings.default_survey, today()) {
        Ok(q) => q,
        Err(bad) => return bad_query(&bad, "/staff"),
    };
    let locale = q.locale;
    let Some((kind, png)) = chart_file(&file) else {
        let errors = BTreeMap::from([("chart".to_owned(), format!("unknown chart file {:?}", file.as_str()))]);
        return bad_params(locale, "/staff", &errors, StatusCode::NOT_FOUND);
    };
    let width = match q.own.get("width").map(|w| w.trim().parse::<u32>()) {
        None => CHART_WIDTH,
        Some(Ok(w)) if PNG_WIDTHS.contains(&w) && png => w,
        Some(_) => return bad_param(locale, "/staff", "width", "must be 200 to 2400, and only for .png"),
    };
    let agency = q.own.get("agency").cloned();
    if kind.is_agency_chart() != agency.is_some() {
        let msg = if agency.is_some() { "not a parameter of this chart" } else { "is required for this chart" };
        return bad_param(locale, "/staff", "agency", msg);
    }
    let (vis, request, period) = (visibility(&user), q.request.clone(), q.request.period.code());
    let (surveys, small_n) = (state.surveys.clone(), state.settings.small_n);
    let drawn = match agency.clone() {
        None => {
            let figures = state.db.run(move |c| dashboard::city_figures(c, &surveys, &vis, &request, small_n)).await;
            match figures {
                Ok(f) => blocking(locale, move || charts::ranking(&f, &f.ranking(), locale, small_n)).await,
                Err(e) => return refused(e, locale, "/staff"),
            }
        }
        Some(code) => {
            let parts = parts_for(kind);
            let figures: Result<AgencyFigures, ReportError> = state
                .db
                .run(move |c| dashboard::agency_figures(c, &surveys, &vis, &code, &request, &parts, small_n))
                .await;
            let surveys = state.surveys.clone();
            match figures {
                Ok(f) => blocking(locale, move || agency_chart(kind, &f, &surveys, locale, small_n)).await,
                Err(e) => return refused(e, locale, "/staff"),
            }
        }
    };
    let chart = match drawn {
        Ok(c) => c,
        Err(res) => return res,
    };
    let ext = if png { "png" } else { "svg" };
    let name = file_name(&["sipas", kind.code(), agency.as_deref().unwrap_or(""), &period, locale.code()], ext);
    let (body, content_type) = if png {
        match blocking(locale, move || to_png(&chart.svg, width)).await {
            Ok(bytes) => (bytes, "image/png"),
            Err(res) => return res,
        }
    } else {
        (chart.svg.into_bytes(), "image/svg+xml; charset=utf-8")
    };
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(body)
}

/// One of an agency's charts.
fn agency_chart(
    kind: ChartKind,
    fig: &AgencyFigures,
    surveys: &crate::surveys::Registry,
    locale: Locale,
    small_n: u64,
) -> Result<charts::Chart, crate::charts::ChartError> {
    let def = surveys
        .get(&fig.own.survey_id, fig.own.survey_version)
        .ok_or_else(|| crate::charts::ChartError::Draw(format!("survey {} is not loaded", fig.own.survey_id)))?;
    match kind {
        ChartKind::Profile => charts::profile(fig, def, locale, small_n),
        ChartKind::Trend => charts::trend(fig, locale, small_n),
        // The ranking is not an agency's chart: a request with `agency=` is refused before this.
        ChartKind::Distribution | ChartKind::Ranking => charts::distribution(fig, def, locale, small_n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_files_and_names() {
        assert_eq!(chart_file("ranking.svg"), Some((ChartKind::Ranking, false)));
        assert_eq!(chart_file("distribution.png"), Some((ChartKind::Distribution, true)));
        assert_eq!(chart_file("ranking.gif"), None);
        assert_eq!(chart_file("pie.svg"), None);
        assert_eq!(chart_file("ranking"), None);
        assert_eq!(
            file_name(&["sipas", "trend", "T.HEALTH", "2026-01-10..2026-02-20", "vi"], "svg"),
            "sipas-trend-T.HEALTH-2026-01-10..2026-02-20-vi.svg"
        );
        assert_eq!(file_name(&["sipas", "ranking", "", "2026\"x/y", "en"], "png"), "sipas-ranking-2026_x_y-en.png");
    }

    #[test]
    fn comment_page_numbers() {
        let own = |p: &str| BTreeMap::from([("page".to_owned(), p.to_owned())]);
        assert_eq!(page_number(&BTreeMap::new()), Ok(1));
        assert_eq!(page_number(&own("3")), Ok(3));
        assert!(page_number(&own("0")).is_err());
        assert!(page_number(&own("-1")).is_err());
        assert!(page_number(&own("x")).is_err());
    }
}
