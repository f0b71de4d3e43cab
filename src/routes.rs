//! HTTP handlers and pages (actix-web); no SQL here.

pub mod citizen_view;
