//! The e-mail pages: `/unsubscribe` (signed one-click links, no login; RFC 8058 POSTs too),
//! `/staff/notifications` (each account turns its kinds of mail on or off) and `/staff/outbox`
//! (admins: counts by state, the latest failures and waiting mails, retry or cancel).

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::citizen::render;
use super::staff::{checked_form_pairs, failure, short_page};
use crate::auth::{CurrentUser, Role};
use crate::domain::Locale;
use crate::email::{unsubscribe, Kind};
use crate::routes::staff_view::StaffText;
use crate::startup::AppState;
use crate::store::{self, outbox};

const FORM_LIMIT: usize = 4 * 1024;
/// Mails listed per table on the outbox page.
const LISTED: i64 = 30;

pub fn config(cfg: &mut web::ServiceConfig) {
    let limit = web::PayloadConfig::new(FORM_LIMIT);
    cfg.service(
        web::resource("/unsubscribe")
            .app_data(limit.clone())
            .route(web::get().to(unsubscribe_page))
            .route(web::post().to(unsubscribe_post)),
    )
    .service(
        web::resource("/staff/notifications")
            .app_data(limit.clone())
            .route(web::get().to(notifications_page))
            .route(web::post().to(notifications_post)),
    )
    .route("/staff/outbox", web::get().to(outbox_page))
    .service(web::resource("/staff/outbox/{id}/{action}").app_data(limit).route(web::post().to(outbox_action)));
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

fn locale_of(lang: Option<&str>) -> Locale {
    lang.and_then(Locale::parse).unwrap_or_default()
}

fn no_store(mut res: HttpResponse) -> HttpResponse {
    res.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("private, no-store"));
    res
}

// Unsubscribe --------------------------------------------------------------------------------

#[derive(Deserialize)]
struct UnsubscribeQuery {
    u: Option<String>,
    k: Option<String>,
    s: Option<String>,
    lang: Option<String>,
}

#[derive(Template)]
#[template(path = "mail/unsubscribe.html")]
struct UnsubscribePage {
    ui: &'static StaffText,
    other_lang_href: Option<String>,
    kind_label: &'static str,
    /// Whether the kind is now off for the account.
    off: bool,
    /// Whether this answer follows the button (rather than opening the link).
    changed: bool,
    action: String,
}

/// The signed link's account and kind, or a 400 page saying the link is broken.
fn checked_link(q: &UnsubscribeQuery, state: &AppState) -> Result<(String, Kind), Box<HttpResponse>> {
    let locale = locale_of(q.lang.as_deref());
    let broken = || {
        Box::new(short_page(
            locale,
            StatusCode::BAD_REQUEST,
            locale.pick("Liên kết không hợp lệ", "Invalid link"),
            locale.pick(
                "Liên kết hủy đăng ký này không đúng hoặc đã bị cắt. Hãy mở lại liên kết trong e-mail, hoặc đăng nhập và chọn \"Thông báo qua e-mail\".",
                "This unsubscribe link is wrong or was cut short. Open the link in the e-mail again, or sign in and choose \"E-mail notifications\".",
            ),
        ))
    };
    let (Some(u), Some(k), Some(s)) = (q.u.as_deref(), q.k.as_deref(), q.s.as_deref()) else { return Err(broken()) };
    let Some(kind) = Kind::parse(k).filter(|k| Kind::STAFF.contains(k)) else { return Err(broken()) };
    if !unsubscribe::verify(&state.secret, u, kind, s) {
        return Err(broken());
    }
    Ok((u.to_owned(), kind))
}

fn unsubscribe_view(q: &UnsubscribeQuery, kind: Kind, off: bool, changed: bool) -> HttpResponse {
    let locale = locale_of(q.lang.as_deref());
    let ui = StaffText::for_locale(locale);
    let base = format!(
        "/unsubscribe?u={}&k={}&s={}",
        q.u.as_deref().unwrap_or_default(),
        kind.code(),
        q.s.as_deref().unwrap_or_default()
    );
    let page = UnsubscribePage {
        ui,
        other_lang_href: Some(format!("{base}&lang={}", ui.other_locale.code())),
        kind_label: kind.label(locale),
        off,
        changed,
        action: format!("{base}&lang={}", locale.code()),
    };
    no_store(render(&page, StatusCode::OK))
}

/// Opening the link shows one button; it changes nothing by itself, because mail scanners
/// open links too. Mail clients use the header's one-click POST instead.
async fn unsubscribe_page(q: web::Query<UnsubscribeQuery>, state: web::Data<AppState>) -> HttpResponse {
    let (user_id, kind) = match checked_link(&q, &state) {
        Ok(v) => v,
        Err(res) => return *res,
    };
    let locale = locale_of(q.lang.as_deref());
    match state.db.run(move |c| outbox::optouts(c, &user_id)).await {
        Ok(off) => unsubscribe_view(&q, kind, off.contains(&kind), false),
        Err(e) => failure(e, locale),
    }
}

/// The button, or a mail client's RFC 8058 one-click POST (`List-Unsubscribe=One-Click`).
/// `action=resubscribe` turns the kind back on.
async fn unsubscribe_post(
    q: web::Query<UnsubscribeQuery>,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> HttpResponse {
    let (user_id, kind) = match checked_link(&q, &state) {
        Ok(v) => v,
        Err(res) => return *res,
    };
    let locale = locale_of(q.lang.as_deref());
    let resubscribe = super::citizen::parse_form(&body)
        .is_some_and(|pairs| pairs.iter().any(|(k, v)| k == "action" && v == "resubscribe"));
    let off = !resubscribe;
    match state.db.run_write(move |c| outbox::set_optout(c, &user_id, kind, off, store::now())).await {
        Ok(_) => unsubscribe_view(&q, kind, off, true),
        Err(e) => failure(e, locale),
    }
}

// Preferences --------------------------------------------------------------------------------

struct KindRow {
    code: &'static str,
    label: &'static str,
    on: bool,
}

#[derive(Template)]
#[template(path = "staff/notifications.html")]
struct NotificationsPage {
    ui: &'static StaffText,
    other_lang_href: Option<String>,
    lang: &'static str,
    csrf: String,
    email: Option<String>,
    mail_on: bool,
    rows: Vec<KindRow>,
    saved: bool,
    en: bool,
}

#[derive(Deserialize)]
struct SavedQuery {
    lang: Option<String>,
    saved: Option<String>,
}

async fn notifications_page(user: CurrentUser, state: web::Data<AppState>, q: web::Query<SavedQuery>) -> HttpResponse {
    let locale = locale_of(q.lang.as_deref());
    let user_id = user.user.id.clone();
    let found = state
        .db
        .run(move |c| Ok::<_, store::StoreError>((outbox::optouts(c, &user_id)?, store::users::email_of(c, &user_id)?)))
        .await;
    let (off, email) = match found {
        Ok(v) => v,
        Err(e) => return failure(e, locale),
    };
    let ui = StaffText::for_locale(locale);
    let page = NotificationsPage {
        ui,
        other_lang_href: Some(format!("/staff/notifications?lang={}", ui.other_locale.code())),
        lang: locale.code(),
        csrf: user.csrf_token.clone(),
        email,
        mail_on: state.mail_on(),
        rows: Kind::STAFF
            .iter()
            .map(|k| KindRow { code: k.code(), label: k.label(locale), on: !off.contains(k) })
            .collect(),
        saved: q.saved.is_some(),
        en: locale == Locale::En,
    };
    no_store(render(&page, StatusCode::OK))
}

async fn notifications_post(
    user: CurrentUser,
    state: web::Data<AppState>,
    q: web::Query<LangQuery>,
    body: web::Bytes,
) -> HttpResponse {
    let locale = locale_of(q.lang.as_deref());
    let pairs = match checked_form_pairs(&user, &body, locale) {
        Ok(p) => p,
        Err(refusal) => return *refusal,
    };
    let on: Vec<Kind> = pairs.iter().filter(|(k, _)| k == "kind").filter_map(|(_, v)| Kind::parse(v)).collect();
    let user_id = user.user.id.clone();
    let saved = state
        .db
        .run_write(move |c| {
            let now = store::now();
            for kind in Kind::STAFF {
                outbox::set_optout(c, &user_id, kind, !on.contains(&kind), now)?;
            }
            Ok::<_, store::StoreError>(())
        })
        .await;
    match saved {
        Ok(()) => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/staff/notifications?lang={}&saved=1", locale.code())))
            .finish(),
        Err(e) => failure(e, locale),
    }
}

// The outbox (admins) ------------------------------------------------------------------------

struct CountRow {
    kind: &'static str,
    by_state: Vec<i64>,
}

struct MailRow {
    id: String,
    kind: &'static str,
    to: String,
    attempts: i32,
    at: String,
    error: String,
    retry: bool,
    cancel: bool,
}

#[derive(Template)]
#[template(path = "staff/outbox.html")]
struct OutboxPage {
    ui: &'static StaffText,
    other_lang_href: Option<String>,
    lang: &'static str,
    csrf: String,
    mail_on: bool,
    states: Vec<&'static str>,
    counts: Vec<CountRow>,
    /// The latest failures, then the mails waiting.
    sections: Vec<(&'static str, Vec<MailRow>)>,
    en: bool,
}

fn state_label(state: &str, locale: Locale) -> &'static str {
    match state {
        outbox::QUEUED => locale.pick("Chờ gửi", "Queued"),
        outbox::SENDING => locale.pick("Đang gửi", "Sending"),
        outbox::SENT => locale.pick("Đã gửi", "Sent"),
        outbox::FAILED => locale.pick("Thất bại", "Failed"),
        _ => locale.pick("Đã hủy", "Cancelled"),
    }
}

fn mail_row(m: outbox::Mail, locale: Locale) -> MailRow {
    let kind = Kind::parse(&m.kind);
    let to = match (kind.is_some_and(Kind::is_citizen), m.recipient) {
        (true, _) => {
            locale.pick("công dân (địa chỉ không được lưu ở đây)", "a citizen (the address is not kept here)").into()
        }
        (false, Some(r)) => r,
        (false, None) => String::new(),
    };
    let at = if m.state == outbox::QUEUED { m.not_before } else { m.updated_at };
    MailRow {
        retry: m.state == outbox::FAILED || m.state == outbox::CANCELLED,
        cancel: m.state == outbox::QUEUED || m.state == outbox::FAILED,
        id: m.id,
        kind: kind.map_or("?", |k| k.label(locale)),
        to,
        attempts: m.attempts,
        at: (at + chrono::Duration::hours(7)).format("%Y-%m-%d %H:%M").to_string(),
        error: m.last_error.unwrap_or_default(),
    }
}

fn admins_only(user: &CurrentUser, locale: Locale) -> Option<HttpResponse> {
    (user.user.role != Role::Admin).then(|| {
        short_page(
            locale,
            StatusCode::FORBIDDEN,
            locale.pick("Không có quyền", "Forbidden"),
            locale.pick("Chỉ quản trị hệ thống xem được hộp thư đi.", "Only administrators may see the outbox."),
        )
    })
}

async fn outbox_page(user: CurrentUser, state: web::Data<AppState>, q: web::Query<LangQuery>) -> HttpResponse {
    let locale = locale_of(q.lang.as_deref());
    if let Some(refusal) = admins_only(&user, locale) {
        return refusal;
    }
    let found = state
        .db
        .run(|c| {
            Ok::<_, store::StoreError>((
                outbox::counts(c)?,
                outbox::latest(c, outbox::FAILED, LISTED)?,
                outbox::latest(c, outbox::QUEUED, LISTED)?,
            ))
        })
        .await;
    let (counts, failed, queued) = match found {
        Ok(v) => v,
        Err(e) => return failure(e, locale),
    };
    let counts = Kind::ALL
        .iter()
        .map(|k| CountRow {
            kind: k.label(locale),
            by_state: outbox::STATES
                .iter()
                .map(|s| counts.iter().find(|(kk, ss, _)| kk == k.code() && ss == s).map_or(0, |c| c.2))
                .collect(),
        })
        .collect();
    let ui = StaffText::for_locale(locale);
    let page = OutboxPage {
        ui,
        other_lang_href: Some(format!("/staff/outbox?lang={}", ui.other_locale.code())),
        lang: locale.code(),
        csrf: user.csrf_token.clone(),
        mail_on: state.mail_on(),
        states: outbox::STATES.iter().map(|s| state_label(s, locale)).collect(),
        counts,
        sections: vec![
            (
                locale.pick("Thất bại gần đây", "Latest failures"),
                failed.into_iter().map(|m| mail_row(m, locale)).collect(),
            ),
            (
                locale.pick("Đang chờ gửi", "Waiting to be sent"),
                queued.into_iter().map(|m| mail_row(m, locale)).collect(),
            ),
        ],
        en: locale == Locale::En,
    };
    no_store(render(&page, StatusCode::OK))
}

async fn outbox_action(
    user: CurrentUser,
    state: web::Data<AppState>,
    q: web::Query<LangQuery>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    let locale = locale_of(q.lang.as_deref());
    if let Some(refusal) = admins_only(&user, locale) {
        return refusal;
    }
    if let Err(refusal) = checked_form_pairs(&user, &body, locale) {
        return *refusal;
    }
    let (id, action) = path.into_inner();
    let by = format!("cancelled by {}", user.user.username);
    let done = match action.as_str() {
        "retry" => state.db.run_write(move |c| outbox::requeue(c, &id, store::now())).await,
        "cancel" => state.db.run_write(move |c| outbox::cancel(c, &id, &by, store::now())).await,
        _ => {
            return short_page(
                locale,
                StatusCode::NOT_FOUND,
                locale.pick("Không tìm thấy", "Not found"),
                locale.pick("Thao tác này không có.", "There is no such action."),
            )
        }
    };
    match done {
        Ok(true) => {
            state.wake_mail();
            HttpResponse::SeeOther()
                .insert_header((header::LOCATION, format!("/staff/outbox?lang={}", locale.code())))
                .finish()
        }
        Ok(false) => short_page(
            locale,
            StatusCode::CONFLICT,
            locale.pick("Không thực hiện được", "Not possible"),
            locale.pick(
                "Thư này đang được gửi, đã gửi xong hoặc không còn ở trạng thái đó.",
                "This mail is being sent, was sent, or is no longer in that state.",
            ),
        ),
        Err(e) => failure(e, locale),
    }
}
