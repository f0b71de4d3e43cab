//! The request span and access log line: route pattern, method, status and latency, and
//! never the path itself (it holds survey tokens) nor the client's address (PRODUCT §5).

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage as _};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RootSpanBuilder};

/// Use as `TracingLogger::<PrivateSpan>::new()`.
pub struct PrivateSpan;

struct Started(Instant);

impl RootSpanBuilder for PrivateSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        request.extensions_mut().insert(Started(Instant::now()));
        // `/s/{token}`, never `/s/<the token>`; requests that match no route are one bucket.
        let route = request.match_pattern().unwrap_or_else(|| "(no route)".to_owned());
        tracing::info_span!(
            "request",
            http.method = %request.method(),
            http.route = %route,
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        if let Ok(response) = outcome {
            let status = response.status().as_u16();
            let latency_ms = response
                .request()
                .extensions()
                .get::<Started>()
                .map(|s| s.0.elapsed().as_secs_f64() * 1e3)
                .unwrap_or_default();
            let _entered = span.enter();
            if status >= 500 {
                tracing::error!(status, latency_ms = format!("{latency_ms:.1}"), "request");
            } else {
                tracing::info!(status, latency_ms = format!("{latency_ms:.1}"), "request");
            }
        }
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}
