//! sipas: continuous citizen-satisfaction surveys for Hanoi's administrative agencies.
//!
//! Layers, from the outside in (each only calls the ones below it):
//! - [`routes`]: HTTP handlers and pages (actix-web); no SQL here.
//! - [`surveys`]: survey definitions from `survey-definitions/` and answer validation.
//! - [`store`]: diesel queries per aggregate; no actix here.
//! - [`db`]: the PostgreSQL/SQLite connection, pool, schema and migrations.
//! - [`domain`]: pure types shared by all of the above.

pub mod config;
pub mod db;
pub mod domain;
pub mod reference;
pub mod routes;
pub mod store;
