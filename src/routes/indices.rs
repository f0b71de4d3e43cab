//! `GET /api/v1/indices`: index figures as JSON (PRODUCT §6), for a staff session or an API
//! key with scope `read`, limited to what the caller may see.

use actix_web::{web, FromRequest as _, HttpRequest, HttpResponse};

use super::index_query;
use super::ApiError;
use crate::auth::CurrentUser;
use crate::domain::Visibility;
use crate::reports::{self, ReportError};
use crate::startup::AppState;
use crate::store::api_keys::Scope;

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/indices", web::get().to(indices));
}

/// Who is asking, and so what they may see: an API key when the request carries
/// `Authorization`, else the staff session.
pub async fn caller_visibility(req: &HttpRequest, state: &AppState, scope: Scope) -> Result<Visibility, ApiError> {
    if req.headers().contains_key(actix_web::http::header::AUTHORIZATION) {
        let key = super::invitations::authenticate(req, state, scope).await?;
        return Ok(match key.agency_code {
            Some(code) => Visibility::Subtree(code),
            None => Visibility::City,
        });
    }
    let user = CurrentUser::extract(req).await.map_err(|e| match e {
        crate::auth::session::AuthRejection::LoginRequired { .. } => ApiError::Unauthorized,
        crate::auth::session::AuthRejection::Failed(e) => e,
    })?;
    Ok(user.user.role.visibility(user.user.agency_code.as_deref()))
}

impl From<ReportError> for ApiError {
    fn from(e: ReportError) -> ApiError {
        match e {
            ReportError::Invalid(field, message) => ApiError::field(field, message),
            ReportError::Forbidden => ApiError::Forbidden(e.to_string()),
            ReportError::Store(e) => e.into(),
        }
    }
}

async fn indices(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let visibility = caller_visibility(&req, &state, Scope::Read).await?;
    let pairs = index_query::pairs(req.query_string())
        .ok_or_else(|| ApiError::BadRequest("the query string is not valid form encoding".into()))?;
    let today = crate::clock::today();
    let request =
        index_query::parse(&pairs, &[], &state.settings.default_survey, today).map_err(ApiError::Validation)?;
    let surveys = state.surveys.clone();
    let small_n = state.settings.small_n;
    let report = state.db.run(move |c| reports::index_report(c, &surveys, &visibility, &request, small_n)).await?;
    Ok(HttpResponse::Ok().insert_header((actix_web::http::header::CACHE_CONTROL, "private, no-store")).json(report))
}
