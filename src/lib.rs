//! sipas: continuous citizen-satisfaction surveys for Hanoi's administrative agencies.
//!
//! Layers, from the outside in (each only calls the ones below it):
//! - [`cli`] and [`startup`]: commands, and building the server.
//! - [`routes`]: HTTP handlers and pages (actix-web); no SQL here.
//! - [`dashboard`] and [`reports`]: the figures pages and the API show, from the counts.
//! - [`indices`]: the satisfaction index engine (periods, Wilson intervals, `sipas-v1`); pure.
//! - [`surveys`]: survey definitions from `survey-definitions/` and answer validation.
//! - [`store`]: diesel queries per aggregate; no actix here.
//! - [`db`]: the PostgreSQL/SQLite connection, pool, schema and migrations.
//! - [`domain`]: pure types shared by all of the above.
//!
//! Beside them: [`clock`] (the one "now"), [`auth`] (staff roles, passwords, sessions, CSRF), [`charts`] (SVG/PNG charts from plain data), [`config`] (settings), [`reference`] (agency files), [`qr`],
//! [`ratelimit`], [`telemetry`], and [`synthetic`] with [`demo`] (made-up data for demos and benchmarks).

pub mod auth;
pub mod charts;
pub mod cli;
pub mod clock;
pub mod config;
pub mod dashboard;
pub mod db;
pub mod demo;
pub mod domain;
pub mod email;
pub mod exports;
pub mod indices;
pub mod qr;
pub mod ratelimit;
pub mod reference;
pub mod reports;
pub mod routes;
pub mod startup;
pub mod store;
pub mod surveys;
pub mod synthetic;
pub mod telemetry;
