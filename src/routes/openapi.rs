//! `GET /openapi.json`: the integration contract (PRODUCT §6) as OpenAPI 3.1.
//! Kept as a JSON file beside this module; a test checks it covers every route.

use actix_web::{web, HttpResponse};

/// The document, embedded at build time.
pub const OPENAPI_JSON: &str = include_str!("openapi.json");

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/openapi.json", web::get().to(openapi));
}

async fn openapi() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(OPENAPI_JSON)
}

#[cfg(test)]
mod tests {
    #[test]
    fn document_is_valid_json_with_every_path() {
        let doc: serde_json::Value = serde_json::from_str(super::OPENAPI_JSON).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        for path in [
            "/api/v1/invitations",
            "/api/v1/surveys/{token}",
            "/api/v1/surveys/{token}/responses",
            "/s/{token}",
            "/q/{token}.svg",
            "/q/{token}.png",
            "/healthz",
            "/readyz",
            "/api/v1/exports",
            "/api/v1/exports/{id}",
            "/api/v1/exports/{id}/files/{name}",
        ] {
            assert!(doc["paths"][path].is_object(), "{path} is not documented");
        }
    }
}
