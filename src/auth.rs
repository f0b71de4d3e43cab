//! Staff authentication: roles, argon2id passwords, server-side sessions carried by a
//! random cookie token, CSRF secrets per session. Pure parts ([`role`], [`password`],
//! [`csrf`]) know nothing of HTTP; [`session`] holds the actix extractor and cookies.

pub mod csrf;
pub mod password;
pub mod role;
pub mod session;

pub use role::Role;
pub use session::{CurrentUser, SESSION_COOKIE};
