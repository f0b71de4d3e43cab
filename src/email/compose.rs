//! Composing every e-mail the service sends: the inputs of each kind, its error type, and the
//! composers, each turning an input into a [`Letter`] from one text and one HTML template in
//! `web/templates/email/`. The weekly digest is composed in `email::digest`.
//!
//! Citizens' mails follow the invitation's locale. Staff mails are Vietnamese with a short
//! English line under each heading (staff have no locale setting). Digests and alerts carry
//! the recipient's one-click unsubscribe link; no citizen mail does.

mod citizen;
mod export;
pub(crate) mod format;
pub(crate) mod staff;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::Letter;
use crate::domain::{Field, Locale};

pub use citizen::invitation;
pub use export::export_ready;
pub use staff::{comment_alert, index_alert};

/// Why a letter could not be composed.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error("rendering the e-mail template failed: {0}")]
    Template(#[from] askama::Error),
    #[error(transparent)]
    Qr(#[from] crate::qr::QrError),
    #[error(transparent)]
    Chart(#[from] crate::charts::ChartError),
}

/// A citizen's invitation or its reminder; built by the sender at send time from the invitation row.
#[derive(Debug, Clone, PartialEq)]
pub struct CitizenInvite {
    pub locale: Locale,
    pub reminder: bool,
    pub agency_vi: String,
    pub agency_en: String,
    pub field: Field,
    pub procedure_code: Option<String>,
    pub handled_on: NaiveDate,
    pub survey_url: String,
    /// UTC; shown as the Hanoi date and time.
    pub expires_at: NaiveDateTime,
}

/// A staff recipient of digests, alerts and export notices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffRecipient {
    pub address: String,
    pub username: String,
    /// Signed one-click link (goes into [`Letter::unsubscribe`] and the footer of digests and
    /// alerts).
    pub unsubscribe_url: String,
    /// `/staff/notifications` (where all kinds can be turned on or off after login).
    pub preferences_url: String,
}

/// An agency's rolling index fell below the target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexAlert {
    pub agency_code: String,
    pub agency_vi: String,
    pub agency_en: String,
    pub survey_id: String,
    pub survey_title_vi: String,
    pub survey_title_en: String,
    /// The rolling window.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Percent.
    pub value: f64,
    /// Valid answers behind `value`.
    pub n: u64,
    pub target: f64,
    /// The value at the last check, if known.
    pub previous: Option<f64>,
    pub agency_url: String,
}

/// A response rated a criterion 1 and left a comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommentAlert {
    pub agency_code: String,
    pub agency_vi: String,
    pub agency_en: String,
    pub survey_id: String,
    /// The response's day only: never a time.
    pub date: NaiveDate,
    /// `(vi, en)` labels of the criteria rated 1.
    pub criteria: Vec<(String, String)>,
    /// Already masked by the caller.
    pub comment: String,
    pub agency_url: String,
}

/// One file of a finished export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportFileLink {
    pub name: String,
    pub url: String,
    /// Bytes.
    pub size: u64,
    /// Hex.
    pub sha256: String,
}

/// An export the recipient asked for is ready.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportReady {
    pub job_id: String,
    /// What the export covers, as the exports page describes it.
    pub scope: String,
    /// A dataset code (`responses_wide`, …); shown by its title when known.
    pub dataset: String,
    /// A format code (`csv`, `xlsx`, `zip`).
    pub format: String,
    pub files: Vec<ExportFileLink>,
    pub page_url: String,
    /// UTC: when the files are deleted.
    pub expires_at: Option<NaiveDateTime>,
}

/// A rendered text and HTML pair, with its inline images, into a letter.
pub(crate) fn letter(
    to: &str,
    subject: String,
    text: String,
    html: String,
    inline: Vec<super::InlineImage>,
    unsubscribe: Option<String>,
) -> Letter {
    let mut text = text;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Letter { to: to.to_owned(), to_name: None, subject, text, html, inline, unsubscribe }
}

#[cfg(test)]
pub(crate) mod test_support;
