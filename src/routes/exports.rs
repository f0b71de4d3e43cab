//! `/api/v1/exports`: start an export (a `read` API key), follow its state, download its
//! files, cancel it. A staff session may follow and download its own exports too.

use actix_web::http::header;
use actix_web::{web, FromRequest as _, HttpRequest, HttpResponse};

use super::ApiError;
use crate::auth::CurrentUser;
use crate::exports::request::{json_pairs, Requester};
use crate::exports::service::{self, AccessError, JobView, StartError};
use crate::startup::AppState;
use crate::store::api_keys::Scope;
use crate::store::exports as jobs;

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/exports", web::post().to(start))
        .route("/api/v1/exports", web::get().to(list))
        .route("/api/v1/exports/{id}", web::get().to(show))
        .route("/api/v1/exports/{id}", web::delete().to(cancel))
        .route("/api/v1/exports/{id}/files/{name}", web::get().to(download));
}

/// Who is asking: the `read` API key of the request, else the staff session.
pub async fn requester(req: &HttpRequest, state: &AppState) -> Result<Requester, ApiError> {
    if req.headers().contains_key(header::AUTHORIZATION) {
        let key = super::invitations::authenticate(req, state, Scope::Read).await?;
        return Ok(Requester::api_key(&key.id, key.agency_code.as_deref()));
    }
    let user = CurrentUser::extract(req).await.map_err(|e| match e {
        crate::auth::session::AuthRejection::LoginRequired { .. } => ApiError::Unauthorized,
        crate::auth::session::AuthRejection::Failed(e) => e,
    })?;
    Ok(Requester::staff(&user.user.username, user.user.role, user.user.agency_code.as_deref()))
}

/// Only API keys may change state through the API: a session changes it through the staff
/// page's forms, which carry a CSRF token.
async fn key_requester(req: &HttpRequest, state: &AppState) -> Result<Requester, ApiError> {
    if !req.headers().contains_key(header::AUTHORIZATION) {
        return Err(ApiError::Unauthorized);
    }
    requester(req, state).await
}

impl From<StartError> for ApiError {
    fn from(e: StartError) -> ApiError {
        match e {
            StartError::Invalid(fields) => ApiError::Validation(fields),
            StartError::Forbidden(m) => ApiError::Forbidden(m),
            StartError::Limited { message, retry_after_secs, .. } => {
                ApiError::Limited(message, crate::ratelimit::RetryAfter(retry_after_secs))
            }
            StartError::Store(e) => e.into(),
        }
    }
}

impl From<AccessError> for ApiError {
    fn from(e: AccessError) -> ApiError {
        match e {
            AccessError::NotFound => ApiError::NotFound(e.to_string()),
            AccessError::NotYours => ApiError::Forbidden(e.to_string()),
            AccessError::Ended => ApiError::Conflict(e.to_string()),
            AccessError::NoLongerAllowed(m) => ApiError::Forbidden(m),
            AccessError::Store(e) => e.into(),
        }
    }
}

fn no_store(mut r: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    r.insert_header((header::CACHE_CONTROL, "private, no-store"));
    r
}

async fn start(req: HttpRequest, state: web::Data<AppState>, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let who = key_requester(&req, &state).await?;
    let value: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))?;
    let pairs = json_pairs(&value).map_err(ApiError::Validation)?;
    let (surveys, default_survey) = (state.surveys.clone(), state.settings.default_survey.clone());
    let today = crate::clock::today();
    // The checks only read: they stay out of SQLite's writer turn, which submits share.
    let limits = service::Limits::of(&state.settings);
    let checked =
        state.db.run(move |c| service::check(c, &surveys, &who, &pairs, &default_survey, today, limits)).await?;
    let job = state.db.run_write(move |c| service::queue(c, &checked, limits)).await?;
    state.wake_exports();
    let view = JobView::new(&job, &[]);
    Ok(no_store(HttpResponse::Accepted())
        .insert_header((header::LOCATION, format!("/api/v1/exports/{}", job.id)))
        .json(view))
}

async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let who = requester(&req, &state).await?;
    let views = state.db.run(move |c| service::list_own(c, &who, 100)).await?;
    Ok(no_store(HttpResponse::Ok()).json(serde_json::json!({ "exports": views })))
}

async fn show(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let who = requester(&req, &state).await?;
    let id = path.into_inner();
    let (job, files) = state.db.run(move |c| service::own_job(c, &who, &id)).await?;
    Ok(no_store(HttpResponse::Ok()).json(JobView::new(&job, &files)))
}

async fn cancel(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let who = key_requester(&req, &state).await?;
    let id = path.into_inner();
    let job = state.db.run_write(move |c| service::cancel(c, &who, &id)).await?;
    Ok(no_store(HttpResponse::Ok()).json(JobView::new(&job, &[])))
}

async fn download(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let who = requester(&req, &state).await?;
    let (id, name) = path.into_inner();
    let lookup = id.clone();
    let (job, files) = state.db.run(move |c| service::downloadable_job(c, &who, &lookup)).await?;
    match job.state.as_str() {
        jobs::DONE => {}
        jobs::EXPIRED => return Err(ApiError::NotFound("this export has expired and its files were removed".into())),
        jobs::FAILED => return Err(ApiError::NotFound("this export failed; it has no files".into())),
        _ => return Err(ApiError::Conflict("this export is not finished yet".into())),
    }
    let file = files
        .into_iter()
        .find(|f| f.name == name)
        .ok_or_else(|| ApiError::NotFound(format!("this export has no file {name}")))?;
    let path = state.settings.export_dir.join(&id).join(&file.name);
    let named = actix_files::NamedFile::open_async(&path).await.map_err(|e| {
        tracing::warn!(path = %path.display(), error = %e, "an export file is missing");
        ApiError::NotFound("the file of this export is no longer on disk".into())
    })?;
    let disposition = header::ContentDisposition {
        disposition: header::DispositionType::Attachment,
        parameters: vec![header::DispositionParam::Filename(file.name.clone())],
    };
    let mut res = named
        .set_content_type(file.content_type.parse().unwrap_or(actix_web::mime::APPLICATION_OCTET_STREAM))
        .set_content_disposition(disposition)
        .into_response(&req);
    res.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("private, no-store"));
    if let Ok(v) = header::HeaderValue::from_str(&file.sha256) {
        res.headers_mut().insert(header::HeaderName::from_static("x-content-sha256"), v);
    }
    Ok(res)
}
