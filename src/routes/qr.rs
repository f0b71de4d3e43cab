//! `GET /q/{token}.svg` and `.png`: the QR code of a survey link.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::ApiError;
use crate::domain::InvitationToken;
use crate::startup::AppState;
use crate::store;

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/q/{file}", web::get().to(qr_code));
}

async fn qr_code(
    req: HttpRequest,
    state: web::Data<AppState>,
    file: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    super::check_ip(&req, &state)?;
    let not_found = || ApiError::NotFound("unknown survey link".into());
    let (token, ext) = file.rsplit_once('.').ok_or_else(not_found)?;
    let token = InvitationToken::parse(token).ok_or_else(not_found)?;
    let hash = token.hash().0;
    state.limits.check_token(&hash)?;
    // Only links that exist get a code, so this cannot be used to mint look-alike codes.
    let exists = state.db.run(move |c| store::invitations::find_by_token_hash(c, &hash)).await?.is_some();
    if !exists {
        return Err(not_found());
    }
    let url = state.survey_url(token.as_str());
    let (body, content_type) = match ext {
        "svg" => (crate::qr::svg(&url).map_err(|_| ApiError::Internal)?.into_bytes(), "image/svg+xml"),
        "png" => (crate::qr::png(&url, 8).map_err(|_| ApiError::Internal)?, "image/png"),
        _ => return Err(not_found()),
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CACHE_CONTROL, "private, max-age=86400"))
        .body(body))
}
