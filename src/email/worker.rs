//! The mail sender: claims one due outbox row at a time under a lease, composes it, hands it to
//! the SMTP server and settles it (sent, retried later with backoff, failed or cancelled).
//!
//! A row is marked sent only after the server accepted it. A sender that dies between the two
//! leaves the row `sending`; after the lease another sender claims it and sends it again, with
//! the same Message-ID, so the one window for a duplicate is that instant between the server's
//! reply and the database update.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use tokio::sync::Notify;

use super::compose::{self, CitizenInvite, StaffRecipient};
use super::transport::Smtp;
use super::{digest, timing, unsubscribe, Kind, Letter, QuietHours};
use crate::config::Settings;
use crate::db::Db;
use crate::domain::{Field, InvitationToken, Locale};
use crate::store::outbox::{self, Mail, CANCELLED, FAILED};
use crate::store::{self, StoreError};
use crate::surveys::Registry;

/// How often an idle sender looks for mail queued by another instance or coming due.
const POLL: Duration = Duration::from_secs(1);
/// How long a reminder waits when its invitation mail has not gone yet.
const REMINDER_WAIT: chrono::Duration = chrono::Duration::minutes(10);

/// What the sender needs.
#[derive(Clone)]
pub struct Sender {
    pub db: Db,
    pub surveys: Arc<Registry>,
    pub settings: Arc<Settings>,
    pub public_url: String,
    pub secret: Arc<Vec<u8>>,
    pub smtp: Smtp,
    pub worker: String,
    pub stopping: Arc<AtomicBool>,
}

/// A running sender; stop it with [`SenderHandle::stop`].
pub struct SenderHandle {
    stopping: Arc<AtomicBool>,
    wake: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl SenderHandle {
    /// Stops after the mail in hand (if any) is settled, waiting up to `grace`.
    pub async fn stop(self, grace: Duration) {
        self.stopping.store(true, Ordering::SeqCst);
        self.wake.notify_one();
        if tokio::time::timeout(grace, self.task).await.is_err() {
            tracing::warn!("the mail sender did not stop in time; its mail will be taken up after its lease");
        }
    }
}

/// Starts the sender; `wake` is notified when a mail is queued for now.
pub fn spawn(sender: Sender, wake: Arc<Notify>) -> SenderHandle {
    let stopping = sender.stopping.clone();
    let w = wake.clone();
    let task = tokio::spawn(async move { sender.run(w).await });
    SenderHandle { stopping, wake, task }
}

/// What to do with a claimed mail before any SMTP traffic.
enum Prepared {
    Send {
        letter: Box<Letter>,
    },
    /// Nothing to send any more (answered, unsubscribed …): cancelled with the reason.
    Skip(String),
    /// Not yet (a reminder whose invitation mail is still queued).
    Wait(NaiveDateTime),
    /// It cannot be composed (a bug or bad data): failed with the reason.
    Broken(String),
}

impl Sender {
    fn lease(&self) -> chrono::Duration {
        // The lease must outlast one whole send (see `Smtp::send`), or a slow server would let
        // a second sender take the mail while the first is still delivering it.
        let secs = u64::from(self.settings.mail_lease_secs).max(u64::from(self.settings.mail_timeout_secs) + 10);
        chrono::Duration::seconds(i64::try_from(secs).unwrap_or(3600))
    }

    async fn run(self, wake: Arc<Notify>) {
        let quiet = self.settings.mail_quiet_hours.as_deref().and_then(|q| QuietHours::parse(q).ok());
        let pace = Duration::from_secs_f64(60.0 / f64::from(self.settings.mail_rate_per_minute.max(1)));
        let all: Vec<&'static str> = Kind::ALL.iter().map(|k| k.code()).collect();
        let urgent = vec![Kind::ExportReady.code()];
        let mut next_send = tokio::time::Instant::now();
        while !self.stopping.load(Ordering::SeqCst) {
            let now = store::now();
            let kinds = if quiet.is_some_and(|q| q.ends_after(now).is_some()) { urgent.clone() } else { all.clone() };
            let (worker, lease) = (self.worker.clone(), self.lease());
            let claimed = self.db.run_write(move |c| outbox::claim_next(c, &worker, now, lease, &kinds)).await;
            match claimed {
                Ok(Some(mail)) => {
                    tokio::time::sleep_until(next_send).await;
                    next_send = tokio::time::Instant::now() + pace;
                    self.deliver(mail).await;
                }
                Ok(None) => {
                    let _ = tokio::time::timeout(POLL, wake.notified()).await;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "could not look for mail to send");
                    let _ = tokio::time::timeout(POLL, wake.notified()).await;
                }
            }
        }
    }

    async fn deliver(&self, mail: Mail) {
        let me = self.clone();
        let m = mail.clone();
        let prepared = match tokio::task::spawn_blocking(move || me.prepare(&m)).await {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => {
                // The database failed us: try again later like any transient error.
                self.settle_retry(&mail, &format!("the database could not be read: {e}")).await;
                return;
            }
            Err(e) => Prepared::Broken(format!("composing the mail panicked: {e}")),
        };
        let now = store::now();
        let (id, worker) = (mail.id.clone(), self.worker.clone());
        let letter = match prepared {
            Prepared::Send { letter } => letter,
            Prepared::Skip(reason) => {
                self.record(move |c| outbox::finish(c, &id, &worker, CANCELLED, &reason, now)).await;
                return;
            }
            Prepared::Wait(until) => {
                self.record(move |c| outbox::release(c, &id, &worker, until)).await;
                return;
            }
            Prepared::Broken(reason) => {
                tracing::error!(mail = %mail.id, kind = %mail.kind, %reason, "a mail could not be composed");
                self.record(move |c| outbox::finish(c, &id, &worker, FAILED, &reason, now)).await;
                return;
            }
        };
        let message_id = format!("<{}@{}>", mail.id, self.smtp.domain());
        let message = match letter.to_message(&self.smtp.from, &message_id) {
            Ok(m) => m,
            Err(e) => {
                let reason = super::transport::scrub(&e.to_string(), &letter.to);
                self.record(move |c| outbox::finish(c, &id, &worker, FAILED, &reason, now)).await;
                return;
            }
        };
        match self.smtp.send(message, &letter.to).await {
            Ok(reply) => {
                let (id, worker) = (mail.id.clone(), self.worker.clone());
                let held = self.db.run_write(move |c| outbox::mark_sent(c, &id, &worker, &reply, store::now())).await;
                match held {
                    Ok(true) => tracing::info!(mail = %mail.id, kind = %mail.kind, "mail sent"),
                    Ok(false) => tracing::warn!(mail = %mail.id, "a mail was sent after its lease ran out"),
                    // The server has it; the row stays `sending` and would be sent again after
                    // the lease. Say so loudly: this is the duplicate window.
                    Err(e) => tracing::error!(mail = %mail.id, error = %e, "a sent mail could not be marked sent"),
                }
            }
            Err(failure) if failure.permanent => {
                let reason = format!("refused by the mail server: {}", failure.reason);
                tracing::warn!(mail = %mail.id, kind = %mail.kind, %reason, "mail failed");
                let (id, worker) = (mail.id.clone(), self.worker.clone());
                self.record(move |c| outbox::finish(c, &id, &worker, FAILED, &reason, store::now())).await;
            }
            Err(failure) => self.settle_retry(&mail, &failure.reason).await,
        }
    }

    /// A try that may work later: queued again after the backoff, or failed after the last try.
    async fn settle_retry(&self, mail: &Mail, reason: &str) {
        let now = store::now();
        let (id, worker) = (mail.id.clone(), self.worker.clone());
        if mail.attempts >= i32::try_from(self.settings.mail_max_attempts).unwrap_or(10) {
            let reason = format!("gave up after {} tries; the last: {reason}", mail.attempts);
            tracing::warn!(mail = %mail.id, kind = %mail.kind, %reason, "mail failed");
            self.record(move |c| outbox::finish(c, &id, &worker, FAILED, &reason, now)).await;
        } else {
            let at = now + timing::backoff(self.settings.mail_retry_base_secs, mail.attempts);
            tracing::info!(mail = %mail.id, attempt = mail.attempts, %reason, retry_at = %at, "mail not sent; will retry");
            let reason = reason.to_owned();
            self.record(move |c| outbox::retry_later(c, &id, &worker, &reason, at, now)).await;
        }
    }

    async fn record<F>(&self, f: F)
    where
        F: FnOnce(&mut crate::db::DbConn) -> Result<bool, StoreError> + Send + 'static,
    {
        match self.db.run_write(f).await {
            Ok(true) => {}
            Ok(false) => tracing::warn!("a mail was no longer this sender's when it was settled"),
            Err(e) => tracing::warn!(error = %e, "could not record a mail's outcome; it is retried after its lease"),
        }
    }

    /// Composes a claimed mail from its row and what it refers to (blocking: reads the database).
    fn prepare(&self, mail: &Mail) -> Result<Prepared, StoreError> {
        let Some(kind) = Kind::parse(&mail.kind) else {
            return Ok(Prepared::Broken(format!("unknown mail kind `{}`", mail.kind)));
        };
        if kind.is_citizen() {
            return self.prepare_citizen(mail, kind);
        }
        let Some(user_id) = &mail.user_id else {
            return Ok(Prepared::Broken("a staff mail without its recipient account".into()));
        };
        let found = self.db.run_blocking(false, |c| outbox::recipient(c, user_id, kind))?;
        let Some(r) = found else {
            return Ok(Prepared::Skip("the recipient is disabled, has no address or turned this mail off".into()));
        };
        let to = StaffRecipient {
            address: r.email,
            username: r.username,
            unsubscribe_url: unsubscribe::url(&self.public_url, &self.secret, &r.user_id, kind),
            preferences_url: format!("{}/staff/notifications", self.public_url),
        };
        let composed = match kind {
            Kind::Digest => return self.prepare_digest(mail, &to),
            Kind::IndexAlert => {
                serde_json::from_str(&mail.payload).map(|a| compose::index_alert(&to, &a)).map_err(|e| e.to_string())
            }
            Kind::CommentAlert => {
                serde_json::from_str(&mail.payload).map(|a| compose::comment_alert(&to, &a)).map_err(|e| e.to_string())
            }
            Kind::ExportReady => {
                serde_json::from_str(&mail.payload).map(|e| compose::export_ready(&to, &e)).map_err(|e| e.to_string())
            }
            // Handled above; the arm keeps the match total.
            Kind::Invitation | Kind::Reminder => Err("a citizen mail reached the staff composer".to_owned()),
        };
        Ok(match composed {
            Ok(Ok(letter)) => Prepared::Send { letter: Box::new(letter) },
            Ok(Err(e)) => Prepared::Broken(e.to_string()),
            Err(e) => Prepared::Broken(format!("the mail's data cannot be read: {e}")),
        })
    }

    fn prepare_digest(&self, mail: &Mail, to: &StaffRecipient) -> Result<Prepared, StoreError> {
        #[derive(serde::Deserialize)]
        struct Payload {
            agency_code: String,
            week_from: chrono::NaiveDate,
        }
        let p: Payload = match serde_json::from_str(&mail.payload) {
            Ok(p) => p,
            Err(e) => return Ok(Prepared::Broken(format!("the digest's data cannot be read: {e}"))),
        };
        let s = &self.settings;
        let figures = self.db.run_blocking(false, |c| {
            digest::digest_figures(
                c,
                &self.surveys,
                &p.agency_code,
                p.week_from,
                s.index_target,
                s.small_n,
                &self.public_url,
                &s.default_survey,
            )
            .map_err(|e| StoreError::Rejected(e.to_string()))
        });
        Ok(match figures {
            Ok(None) => Prepared::Skip(format!("agency {} no longer exists", p.agency_code)),
            Ok(Some(f)) => match digest::digest(to, &f) {
                Ok(letter) => Prepared::Send { letter: Box::new(letter) },
                Err(e) => Prepared::Broken(e.to_string()),
            },
            Err(StoreError::Rejected(m)) => Prepared::Broken(m),
            Err(e) => return Err(e),
        })
    }

    fn prepare_citizen(&self, mail: &Mail, kind: Kind) -> Result<Prepared, StoreError> {
        let Some(invitation_id) = &mail.invitation_id else {
            return Ok(Prepared::Broken("a citizen mail without its invitation".into()));
        };
        let found = self.db.run_blocking(false, |c| outbox::invitation_for_mail(c, invitation_id))?;
        let Some(found) = found else { return Ok(Prepared::Skip("the invitation no longer exists".into())) };
        let inv = &found.invitation;
        let now = store::now();
        let Some(email) = found.email.clone() else {
            return Ok(Prepared::Skip("the address was erased (the survey was answered, or its mails ended)".into()));
        };
        // The submit leaves no trace on the invitation; whether it was answered is asked here,
        // with the secret, when a mail is due.
        let token = InvitationToken::derive(&self.secret, &inv.id);
        let tag = token.used_tag(&self.secret);
        let answered = self.db.run_blocking(false, |c| crate::store::invitations::is_answered(c, &tag))?;
        match inv.state(now, answered) {
            crate::store::invitations::InvitationState::Answered => {
                return Ok(Prepared::Skip("the survey was answered".into()))
            }
            crate::store::invitations::InvitationState::Expired => {
                return Ok(Prepared::Skip("the survey link expired".into()))
            }
            crate::store::invitations::InvitationState::Open => {}
        }
        if kind == Kind::Reminder {
            let first = self.db.run_blocking(false, |c| outbox::state_of(c, invitation_id, Kind::Invitation))?;
            match first.as_deref() {
                Some(outbox::SENT) => {}
                Some(outbox::QUEUED | outbox::SENDING) => return Ok(Prepared::Wait(now + REMINDER_WAIT)),
                _ => return Ok(Prepared::Skip("the invitation mail was not delivered".into())),
            }
        }
        let Ok(field) = Field::parse(&inv.field) else {
            return Ok(Prepared::Broken(format!("unknown field `{}`", inv.field)));
        };
        let invite = CitizenInvite {
            locale: Locale::parse(&inv.locale).unwrap_or_default(),
            reminder: kind == Kind::Reminder,
            agency_vi: found.agency_vi.clone(),
            agency_en: found.agency_en.clone(),
            field,
            procedure_code: inv.procedure_code.clone(),
            handled_on: inv.handled_on,
            survey_url: format!("{}/s/{}", self.public_url, token.as_str()),
            expires_at: inv.expires_at,
        };
        Ok(match compose::invitation(&email, &invite) {
            Ok(letter) => Prepared::Send { letter: Box::new(letter) },
            Err(e) => Prepared::Broken(e.to_string()),
        })
    }
}
