//! Sessions over HTTP: the cookie (a random 256-bit token, `HttpOnly`, `SameSite=Strict`,
//! `Secure` behind HTTPS), starting and ending sessions, and the [`CurrentUser`]
//! extractor, which refuses missing, expired, revoked and disabled sessions.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse, ResponseError};

use crate::domain::token::{random_secret, sha256_hex};
use crate::domain::Locale;
use crate::routes::ApiError;
use crate::startup::AppState;
use crate::store::sessions::{self, Session};
use crate::store::users::User;
use crate::store::{self, StoreError};

/// The session cookie.
pub const SESSION_COOKIE: &str = "sipas_session";

/// Activity is written back at most this often (seconds), to spare the database.
const TOUCH_EVERY_SECS: i64 = 30;

/// The stored form of a session token.
pub fn hash_token(token: &str) -> String {
    sha256_hex(token)
}

fn random_token() -> Result<String, ApiError> {
    random_secret().map_err(|e| {
        tracing::error!(error = %e, "no randomness available");
        ApiError::Internal
    })
}

/// A cookie with the security attributes every auth cookie shares.
pub fn secure_cookie(state: &AppState, name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build(name, value)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.settings.is_https())
        .path("/")
        .finish()
}

/// A cookie that makes the browser forget `name`.
pub fn removal_cookie(state: &AppState, name: &'static str) -> Cookie<'static> {
    let mut c = secure_cookie(state, name, String::new());
    c.make_removal();
    c
}

/// Starts a session for `user_id` and returns the cookie that carries it. `replace`
/// is the hash of a session to end first (renewal at login and password change).
pub async fn start(state: &AppState, user_id: String, replace: Option<String>) -> Result<Cookie<'static>, ApiError> {
    let token = random_token()?;
    let csrf = crate::auth::csrf::new_token().map_err(|_| ApiError::Internal)?;
    let expires_at = store::now() + chrono::Duration::hours(i64::from(state.settings.session_max_hours));
    let id_hash = hash_token(&token);
    state
        .db
        .run_write(move |c| {
            if let Some(old) = replace {
                sessions::delete(c, &old)?;
            }
            sessions::create(c, &id_hash, &user_id, &csrf, expires_at)
        })
        .await?;
    Ok(secure_cookie(state, SESSION_COOKIE, token))
}

/// The hash of the session token the request carries, if any.
pub fn request_session_hash(req: &HttpRequest) -> Option<String> {
    req.cookie(SESSION_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 128)
        .map(|v| hash_token(&v))
}

/// The signed-in staff member, with the session's CSRF secret.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    /// Identifies the session (the SHA-256 of its token).
    pub session_hash: String,
    pub csrf_token: String,
}

/// Why a request has no usable session.
#[derive(Debug, thiserror::Error)]
pub enum AuthRejection {
    /// No cookie, or a session that is unknown, expired, revoked or of a disabled account.
    #[error("login required")]
    LoginRequired { api: bool, locale: Locale, stale_cookie: bool, secure: bool },
    #[error(transparent)]
    Failed(ApiError),
}

impl ResponseError for AuthRejection {
    fn status_code(&self) -> StatusCode {
        match self {
            AuthRejection::LoginRequired { api: true, .. } => StatusCode::UNAUTHORIZED,
            AuthRejection::LoginRequired { api: false, .. } => StatusCode::SEE_OTHER,
            AuthRejection::Failed(e) => e.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            AuthRejection::LoginRequired { api, locale, stale_cookie, secure } => {
                let mut res = if *api {
                    let mut r = HttpResponse::Unauthorized();
                    r.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
                    r
                } else {
                    let mut r = HttpResponse::SeeOther();
                    let location = match locale {
                        Locale::En => "/login?lang=en",
                        _ => "/login",
                    };
                    r.insert_header((header::LOCATION, location));
                    r
                };
                res.insert_header((header::CACHE_CONTROL, "no-store"));
                if *stale_cookie {
                    let mut c = Cookie::build(SESSION_COOKIE, "")
                        .http_only(true)
                        .same_site(SameSite::Strict)
                        .secure(*secure)
                        .path("/")
                        .finish();
                    c.make_removal();
                    res.cookie(c);
                }
                if *api {
                    res.json(serde_json::json!({
                        "error": "unauthorized",
                        "message": "login required: the session is missing, expired or revoked"
                    }))
                } else {
                    res.finish()
                }
            }
            AuthRejection::Failed(e) => e.error_response(),
        }
    }
}

/// Whether a session may still be used at `now`.
pub fn is_live(s: &Session, now: chrono::NaiveDateTime, idle_minutes: u32) -> bool {
    s.expires_at > now && s.last_seen_at + chrono::Duration::minutes(i64::from(idle_minutes)) > now && !s.user.disabled
}

fn request_locale(req: &HttpRequest) -> Locale {
    let lang = web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.get("lang").and_then(|l| Locale::parse(l)));
    lang.unwrap_or_default()
}

async fn load(req: HttpRequest) -> Result<CurrentUser, AuthRejection> {
    let state = req.app_data::<web::Data<AppState>>().cloned().ok_or(AuthRejection::Failed(ApiError::Internal))?;
    let api = req.path().starts_with("/api/");
    let login = |stale_cookie| AuthRejection::LoginRequired {
        api,
        locale: request_locale(&req),
        stale_cookie,
        secure: state.settings.is_https(),
    };
    let Some(hash) = request_session_hash(&req) else {
        return Err(login(req.cookie(SESSION_COOKIE).is_some()));
    };
    let lookup = hash.clone();
    let found = state
        .db
        .run(move |c| sessions::find(c, &lookup))
        .await
        .map_err(|e: StoreError| AuthRejection::Failed(e.into()))?;
    let now = store::now();
    let idle = state.settings.session_idle_minutes;
    match found {
        Some(s) if is_live(&s, now, idle) => {
            if (now - s.last_seen_at).num_seconds() >= TOUCH_EVERY_SECS {
                let h = s.id_hash.clone();
                state
                    .db
                    .run_write(move |c| sessions::touch(c, &h, now))
                    .await
                    .map_err(|e: StoreError| AuthRejection::Failed(e.into()))?;
            }
            Ok(CurrentUser { user: s.user, session_hash: s.id_hash, csrf_token: s.csrf_token })
        }
        Some(_) => {
            // Expired or disabled: end it now rather than waiting for a sweep.
            let _ = state.db.run_write(move |c| sessions::delete(c, &hash)).await;
            Err(login(true))
        }
        None => Err(login(true)),
    }
}

impl FromRequest for CurrentUser {
    type Error = AuthRejection;
    type Future = Pin<Box<dyn Future<Output = Result<CurrentUser, AuthRejection>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        Box::pin(load(req.clone()))
    }
}
