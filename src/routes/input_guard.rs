//! Refuses, before any handler runs, a request whose path or query holds a NUL or other
//! control character (percent-encoded or not): nothing such reaches a query (PostgreSQL would
//! fail with a 500 on NUL) or the logs. The 400 names the query parameter or the path.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError as _};

use super::ApiError;
use crate::domain::control_char;

/// Use with `actix_web::middleware::from_fn(input_guard::refuse_control_chars)`.
pub async fn refuse_control_chars(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if let Some(problem) = problem(req.uri().path(), req.query_string()) {
        let response = ApiError::BadRequest(problem).error_response();
        return Ok(req.into_response(response));
    }
    next.call(req).await.map(ServiceResponse::map_into_boxed_body)
}

fn decode(s: &str, plus_as_space: bool) -> String {
    let s = if plus_as_space { s.replace('+', " ") } else { s.to_owned() };
    percent_encoding::percent_decode_str(&s).decode_utf8_lossy().into_owned()
}

/// What is wrong with `path` and `query`, in words, if anything.
fn problem(path: &str, query: &str) -> Option<String> {
    if control_char(&decode(path, false), false).is_some() {
        return Some("the path contains a control character (such as NUL)".into());
    }
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (key, value) = (decode(key, true), decode(value, true));
        if control_char(&key, false).is_some() {
            return Some("a query parameter's name contains a control character (such as NUL)".into());
        }
        if control_char(&value, false).is_some() {
            return Some(format!("the query parameter `{key}` contains a control character (such as NUL)"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::problem;

    #[test]
    fn names_the_parameter_or_the_path() {
        assert_eq!(problem("/api/v1/exports/abc", "lang=vi&period=2026"), None);
        assert_eq!(problem("/s/T%C3%B4i", "q=S%E1%BB%9F+Y+t%E1%BA%BF"), None);
        assert!(problem("/api/v1/exports/a%00b", "").is_some_and(|p| p.contains("path")));
        let p = problem("/staff/city", "lang=vi&agency=T%00X").unwrap();
        assert!(p.contains("`agency`"), "{p}");
        assert!(problem("/staff/city", "a%01=1").is_some());
        assert!(problem("/staff/city", "x=%0A").is_some(), "no line breaks in a query");
    }
}
