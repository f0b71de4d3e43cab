//! Staff pages: `GET/POST /login`, `POST /logout`, `GET/POST /account/password` and the
//! `GET /staff` landing page. Every form carries a CSRF token; every refusal is a 4xx
//! page in the staff member's language.

use std::collections::HashMap;

use actix_web::cookie::Cookie;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use serde::Deserialize;

use super::citizen::{parse_form, render};
use super::staff_view::{HomePage, LoginPage, MessagePage, PasswordPage, StaffText};
use super::ApiError;
use crate::auth::session::{self, removal_cookie, request_session_hash, secure_cookie};
use crate::auth::{csrf, password, CurrentUser, SESSION_COOKIE};
use crate::domain::Locale;
use crate::ratelimit::RetryAfter;
use crate::startup::AppState;
use crate::store::{self, StoreError};

/// Cookie with the login form's CSRF token (there is no session yet to hold it).
const LOGIN_CSRF_COOKIE: &str = "sipas_login_csrf";
/// Staff forms are small.
const FORM_LIMIT: usize = 8 * 1024;

pub fn config(cfg: &mut web::ServiceConfig) {
    let limit = web::PayloadConfig::new(FORM_LIMIT);
    cfg.service(
        web::resource("/login").app_data(limit.clone()).route(web::get().to(login_form)).route(web::post().to(login)),
    )
    .service(web::resource("/logout").app_data(limit.clone()).route(web::post().to(logout)))
    .service(
        web::resource("/account/password")
            .app_data(limit)
            .route(web::get().to(password_form))
            .route(web::post().to(change_password)),
    )
    .route("/staff", web::get().to(home));
}

#[derive(Deserialize)]
struct PageQuery {
    lang: Option<String>,
    done: Option<String>,
}

impl PageQuery {
    fn locale(&self) -> Locale {
        self.lang.as_deref().and_then(Locale::parse).unwrap_or_default()
    }
}

fn other_href(path: &str, locale: Locale) -> Option<String> {
    Some(format!("{path}?lang={}", StaffText::for_locale(locale).other_locale.code()))
}

/// A short refusal page with a status (and `Retry-After` for 429).
fn message(locale: Locale, status: StatusCode, which: Message, retry: Option<RetryAfter>) -> HttpResponse {
    let ui = StaffText::for_locale(locale);
    let (title, body) = match which {
        Message::Csrf => (ui.csrf_title, ui.csrf_body),
        Message::TooMany => (ui.too_many_title, ui.too_many_body),
        Message::BadForm => (ui.bad_form_title, ui.bad_form_body),
        Message::ControlChar => (ui.bad_form_title, ui.control_char_body),
        Message::Failed => (ui.failed_title, ui.failed_body),
    };
    let mut res = short_page(locale, status, title, body);
    if let Some(RetryAfter(secs)) = retry {
        if let Ok(v) = header::HeaderValue::from_str(&secs.to_string()) {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    res
}

/// A page with a title, one paragraph and a way back to `/staff`.
pub(super) fn short_page(locale: Locale, status: StatusCode, title: &'static str, body: &'static str) -> HttpResponse {
    let ui = StaffText::for_locale(locale);
    let page = MessagePage {
        ui,
        other_lang_href: None,
        title,
        body,
        back_href: format!("/staff?lang={}", locale.code()),
        back_text: ui.back,
    };
    render(&page, status)
}

#[derive(Clone, Copy)]
enum Message {
    Csrf,
    TooMany,
    BadForm,
    /// A field holds a NUL or other control character (a 422).
    ControlChar,
    Failed,
}

/// An error page for a failed request (database down, internal error): the API's status.
pub(super) fn failure(e: impl Into<ApiError>, locale: Locale) -> HttpResponse {
    let e: ApiError = e.into();
    match e {
        ApiError::TooManyRequests(r) => message(locale, StatusCode::TOO_MANY_REQUESTS, Message::TooMany, Some(r)),
        other => {
            let mut res = message(locale, other.status_code(), Message::Failed, None);
            if matches!(other, ApiError::Unavailable) {
                res.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
            }
            res
        }
    }
}

fn forbidden(locale: Locale) -> HttpResponse {
    message(locale, StatusCode::FORBIDDEN, Message::Csrf, None)
}

fn see_other(location: String) -> actix_web::HttpResponseBuilder {
    let mut res = HttpResponse::SeeOther();
    res.insert_header((header::LOCATION, location)).insert_header((header::CACHE_CONTROL, "no-store"));
    res
}

fn form_fields(body: &[u8]) -> Result<HashMap<String, String>, Message> {
    let pairs = parse_form(body).ok_or(Message::BadForm)?;
    refuse_control_chars(&pairs)?;
    Ok(pairs.into_iter().collect())
}

/// No staff form has a free-text field that needs line breaks: any control character is refused.
fn refuse_control_chars(pairs: &[(String, String)]) -> Result<(), Message> {
    match pairs
        .iter()
        .any(|(k, v)| crate::domain::control_char(k, false).or(crate::domain::control_char(v, false)).is_some())
    {
        true => Err(Message::ControlChar),
        false => Ok(()),
    }
}

/// The login throttle ([`crate::ratelimit::Limiters::check_login`]): waits when told to slow.
async fn throttle_login(state: &AppState, username: &str, ip: Option<std::net::IpAddr>) -> Result<(), RetryAfter> {
    use crate::ratelimit::LoginVerdict;
    match state.limits.check_login(username, ip) {
        LoginVerdict::Allow => Ok(()),
        LoginVerdict::Slow(wait) => {
            tracing::info!(username = %username, "login slowed: the account is under attack");
            tokio::time::sleep(wait).await;
            Ok(())
        }
        LoginVerdict::Refuse(r) => {
            tracing::warn!(username = %username, "login throttled");
            Err(r)
        }
    }
}

fn login_page(locale: Locale, csrf: String, username: String, error: bool) -> LoginPage {
    let ui = StaffText::for_locale(locale);
    LoginPage {
        ui,
        other_lang_href: other_href("/login", locale),
        action: format!("/login?lang={}", locale.code()),
        csrf,
        username,
        error: error.then_some(ui.bad_credentials),
    }
}

async fn login_form(req: HttpRequest, state: web::Data<AppState>, query: web::Query<PageQuery>) -> HttpResponse {
    let locale = query.locale();
    // Keep an existing login token so two open tabs both work.
    let token = match req.cookie(LOGIN_CSRF_COOKIE).map(|c| c.value().to_owned()).filter(|v| v.len() == 43) {
        Some(t) => t,
        None => match csrf::new_token() {
            Ok(t) => t,
            Err(_) => return failure(ApiError::Internal, locale),
        },
    };
    let mut res = render(&login_page(locale, token.clone(), String::new(), false), StatusCode::OK);
    let _ = res.add_cookie(&secure_cookie(&state, LOGIN_CSRF_COOKIE, token));
    res
}

async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
    body: web::Bytes,
) -> HttpResponse {
    let locale = query.locale();
    let mut form = match form_fields(&body) {
        Ok(form) => form,
        Err(which) => return refusal(which, locale),
    };
    let expected = req.cookie(LOGIN_CSRF_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
    if !csrf::matches(&expected, form.get(csrf::FIELD).map(String::as_str)) {
        return forbidden(locale);
    }
    let username = store::users::normalize(form.get("username").map(String::as_str).unwrap_or_default());
    let password = form.remove("password").unwrap_or_default();
    let ip = super::client_ip(&req, &state);
    if let Some(ip) = ip {
        if let Err(r) = state.limits.check_login_ip(ip) {
            return message(locale, StatusCode::TOO_MANY_REQUESTS, Message::TooMany, Some(r));
        }
    }
    if let Err(r) = throttle_login(&state, &username, ip).await {
        return message(locale, StatusCode::TOO_MANY_REQUESTS, Message::TooMany, Some(r));
    }
    let lookup = username.clone();
    let user = match state.db.run(move |c| store::users::find_by_username(c, &lookup)).await {
        Ok(u) => u,
        Err(e) => return failure(e, locale),
    };
    // Always one argon2 verification, for known, unknown and disabled accounts alike.
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let verified = password::verify_or_dummy(password, stored).await;
    let user = match user {
        Some(u) if verified && !u.disabled => u,
        _ => {
            tracing::info!(username = %username, "login refused");
            let page = login_page(locale, expected, username, true);
            return render(&page, StatusCode::UNAUTHORIZED);
        }
    };
    // Renewal: whatever session the browser had ends; a new token is issued.
    let cookie = match session::start(&state, user.id.clone(), request_session_hash(&req)).await {
        Ok(c) => c,
        Err(e) => return failure(e, locale),
    };
    if let Some(ip) = ip {
        state.limits.remember_login(&user.username, ip);
    }
    tracing::info!(username = %user.username, role = user.role.code(), "login");
    see_other(format!("/staff?lang={}", locale.code()))
        .cookie(cookie)
        .cookie(removal_cookie(&state, LOGIN_CSRF_COOKIE))
        .finish()
}

/// Checks the form's CSRF token against the session's; a refusal is a 400 or 403 page.
fn checked_form(user: &CurrentUser, body: &[u8]) -> Result<HashMap<String, String>, Message> {
    checked_pairs(user, body).map(|pairs| pairs.into_iter().collect())
}

/// [`checked_form`] keeping the fields in order (a repeated key stays repeated).
fn checked_pairs(user: &CurrentUser, body: &[u8]) -> Result<Vec<(String, String)>, Message> {
    let pairs = parse_form(body).ok_or(Message::BadForm)?;
    refuse_control_chars(&pairs)?;
    // The last token counts, as it would in a map of the fields.
    let token = pairs.iter().rev().find(|(k, _)| k == csrf::FIELD).map(|(_, v)| v.as_str());
    if csrf::matches(&user.csrf_token, token) {
        Ok(pairs)
    } else {
        tracing::warn!(username = %user.user.username, "CSRF token mismatch");
        Err(Message::Csrf)
    }
}

/// The fields of another staff page's form, after the CSRF check; `Err` is the 400 or 403
/// page to answer with.
pub(super) fn checked_form_pairs(
    user: &CurrentUser,
    body: &[u8],
    locale: Locale,
) -> Result<Vec<(String, String)>, Box<HttpResponse>> {
    checked_pairs(user, body).map_err(|which| Box::new(refusal(which, locale)))
}

fn refusal(which: Message, locale: Locale) -> HttpResponse {
    match which {
        Message::BadForm => message(locale, StatusCode::BAD_REQUEST, Message::BadForm, None),
        Message::ControlChar => message(locale, StatusCode::UNPROCESSABLE_ENTITY, Message::ControlChar, None),
        _ => forbidden(locale),
    }
}

async fn logout(
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
    body: web::Bytes,
) -> HttpResponse {
    let locale = query.locale();
    if let Err(which) = checked_form(&user, &body) {
        return refusal(which, locale);
    }
    let hash = user.session_hash.clone();
    if let Err(e) = state.db.run_write(move |c| store::sessions::delete(c, &hash)).await {
        return failure(e, locale);
    }
    tracing::info!(username = %user.user.username, "logout");
    let to = match locale {
        Locale::En => "/login?lang=en".to_owned(),
        _ => "/login".to_owned(),
    };
    see_other(to).cookie(removal_cookie(&state, SESSION_COOKIE)).finish()
}

async fn home(user: CurrentUser, query: web::Query<PageQuery>) -> HttpResponse {
    let locale = query.locale();
    let u = user.user;
    let dashboard_href = match (u.role.needs_agency(), u.agency_code.as_deref()) {
        (true, Some(code)) => format!("{}?lang={}", super::dashboard_view::agency_path(code), locale.code()),
        _ => format!("{}?lang={}", super::dashboard_view::CITY_PATH, locale.code()),
    };
    let page = HomePage {
        ui: StaffText::for_locale(locale),
        other_lang_href: other_href("/staff", locale),
        lang: locale.code(),
        csrf: user.csrf_token,
        username: u.username,
        role: u.role.label(locale),
        may_export: u.role != crate::auth::Role::AgencyViewer,
        is_admin: u.role == crate::auth::Role::Admin,
        agency: u.agency_code,
        dashboard_href,
    };
    render(&page, StatusCode::OK)
}

fn password_page(user: &CurrentUser, locale: Locale, error: Option<String>, done: bool) -> PasswordPage {
    PasswordPage {
        ui: StaffText::for_locale(locale),
        other_lang_href: other_href("/account/password", locale),
        lang: locale.code(),
        csrf: user.csrf_token.clone(),
        error,
        done,
    }
}

async fn password_form(user: CurrentUser, query: web::Query<PageQuery>) -> HttpResponse {
    let page = password_page(&user, query.locale(), None, query.done.is_some());
    render(&page, StatusCode::OK)
}

async fn change_password(
    req: HttpRequest,
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
    body: web::Bytes,
) -> HttpResponse {
    let locale = query.locale();
    let ui = StaffText::for_locale(locale);
    let mut form = match checked_form(&user, &body) {
        Ok(f) => f,
        Err(which) => return refusal(which, locale),
    };
    // Guessing the current password through a stolen session is throttled like login.
    if let Err(r) = throttle_login(&state, &user.user.username, super::client_ip(&req, &state)).await {
        return message(locale, StatusCode::TOO_MANY_REQUESTS, Message::TooMany, Some(r));
    }
    let current = form.remove("current").unwrap_or_default();
    let new = form.remove("new").unwrap_or_default();
    let confirm = form.remove("confirm").unwrap_or_default();
    let refuse =
        |text: String| render(&password_page(&user, locale, Some(text), false), StatusCode::UNPROCESSABLE_ENTITY);
    if !password::verify_or_dummy(current, Some(user.user.password_hash.clone())).await {
        return refuse(ui.wrong_current.to_owned());
    }
    if new != confirm {
        return refuse(ui.mismatch.to_owned());
    }
    if let Err(e) = password::check_policy(&user.user.username, &new) {
        return refuse(e.message(locale));
    }
    let hash = match password::hash(new).await {
        Ok(h) => h,
        Err(e) => {
            tracing::error!(error = %e, "hashing failed");
            return failure(ApiError::Internal, locale);
        }
    };
    let user_id = user.user.id.clone();
    let stored: Result<(), StoreError> =
        state.db.run_write(move |c| store::users::set_password(c, &user_id, &hash)).await;
    if let Err(e) = stored {
        return failure(e, locale);
    }
    // Every session ended above; this browser gets a fresh one.
    let cookie: Cookie<'static> = match session::start(&state, user.user.id.clone(), None).await {
        Ok(c) => c,
        Err(e) => return failure(e, locale),
    };
    tracing::info!(username = %user.user.username, "password changed");
    see_other(format!("/account/password?lang={}&done=1", locale.code())).cookie(cookie).finish()
}
