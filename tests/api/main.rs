//! Integration tests: the real application on a random port with a fresh database.
//! SQLite by default; PostgreSQL when `TEST_DATABASE_URL` points at a server.

// Helpers here are test code too: a failed unwrap is a failed test with its location.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

mod helpers;
mod proxy;

mod aggregates;
mod authorization;
mod browser;
mod browser_staff;
mod citizen_page;
mod comments;
mod compose;
mod control_chars;
mod dashboard;
mod definitions;
mod demo;
mod digest;
mod export_access;
mod export_limits;
mod exports;
mod forwarded;
mod health;
mod indices;
mod invitations;
mod mail;
mod migrations;
mod parquet;
mod privacy;
mod qr;
mod smtp_sink;
mod spss;
mod staff;
mod submit;
mod survey_api;
