//! E-mail: the outbox's message kinds, composing letters from templates, delivering them over
//! SMTP, and the schedule that queues digests and alerts.
//!
//! Data flow: an event (an invitation, a submit, a finished export, the weekly schedule) writes
//! an outbox row in its own transaction (`store::outbox`); the [`worker`] claims rows under a
//! lease, composes each one at send time ([`compose`]), hands it to the SMTP server and only then
//! marks it sent. Citizens' addresses live only on their invitation and are erased once its
//! reminder is settled; nothing else keeps them.

pub mod compose;
pub mod digest;
pub mod events;
pub mod kinds;
pub mod letter;
pub mod schedule;
pub mod timing;
pub mod transport;
pub mod unsubscribe;
pub mod worker;

pub use kinds::Kind;
pub use letter::{InlineImage, Letter, LetterError};
pub use timing::QuietHours;
