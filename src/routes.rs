//! The HTTP layer: route table, shared extractors and middleware. Handlers parse the
//! request, call `store`/`surveys`, and shape the answer; they hold no SQL.

pub mod access_log;
mod citizen;
pub mod citizen_view;
mod dashboard;
mod dashboard_charts;
mod dashboard_filters;
mod dashboard_text;
mod dashboard_view;
mod errors;
mod exports;
mod exports_page;
mod health;
mod index_query;
mod indices;
pub mod input_guard;
mod invitations;
mod mail_pages;
mod openapi;
mod qr;
mod staff;
pub mod staff_view;
mod survey_api;
pub mod survey_link;

use actix_web::http::header;
use actix_web::middleware::DefaultHeaders;
use actix_web::{web, HttpRequest};

pub use errors::ApiError;

use crate::config::Settings;
use crate::startup::AppState;

/// Registers every route.
pub fn config(cfg: &mut web::ServiceConfig, settings: &Settings) {
    let json = web::JsonConfig::default().limit(settings.max_body_bytes).error_handler(errors::json_error);
    cfg.app_data(json)
        .configure(health::config)
        .configure(openapi::config)
        .configure(invitations::config)
        .configure(qr::config)
        .configure(survey_api::config)
        .configure(indices::config)
        .configure(exports::config)
        .configure(exports_page::config)
        .configure(mail_pages::config)
        .configure(staff::config)
        .configure(dashboard::config)
        .configure(|c| citizen::config(c, settings.max_body_bytes));
}

/// Headers on every response: a strict CSP (no scripts, no third parties), no MIME
/// sniffing, and no referrer, so a survey token in the URL never leaks to another site.
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add(("Permissions-Policy", "camera=(), microphone=(), geolocation=()"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
}

/// The client's address for the per-address limits: the socket peer, or behind trusted
/// proxies the rightmost forwarded hop that none of them added (`domain::net`).
pub fn client_ip(req: &HttpRequest, state: &AppState) -> Option<std::net::IpAddr> {
    let peer = req.peer_addr()?.ip();
    if state.proxy_trust == crate::domain::net::ProxyTrust::None {
        return Some(peer);
    }
    // A header repeated on several lines is one list, in order.
    let header = |name| {
        let values: Vec<&str> = req.headers().get_all(name).filter_map(|v| v.to_str().ok()).collect();
        (!values.is_empty()).then(|| values.join(","))
    };
    let (xff, fwd) = (header("x-forwarded-for"), header("forwarded"));
    let hops = crate::domain::net::forwarded_hops(xff.as_deref(), fwd.as_deref());
    Some(crate::domain::net::client_address(peer, &hops, &state.proxy_trust))
}

/// Applies the per-address limit.
pub fn check_ip(req: &HttpRequest, state: &AppState) -> Result<(), ApiError> {
    match client_ip(req, state) {
        Some(ip) => Ok(state.limits.check_ip(ip)?),
        None => Ok(()),
    }
}
