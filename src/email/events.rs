//! What events put in the outbox: the low-rating alert of a response, and the notice of a
//! finished export. Pure builders; the store queues them in the event's own transaction.

use chrono::{NaiveDate, NaiveDateTime};

use super::compose::{CommentAlert, ExportFileLink, ExportReady};
use crate::domain::mask_personal_data;
use crate::surveys::SurveyDefinition;

/// The criteria of `survey` (labels vi, en) with at least one item rated 1 in `answers`.
pub fn criteria_rated_one(survey: &SurveyDefinition, answers: &[(String, Option<i32>)]) -> Vec<(String, String)> {
    survey
        .criteria()
        .iter()
        .filter(|c| c.items.iter().any(|item| answers.iter().any(|(id, v)| *id == item.id && *v == Some(1))))
        .map(|c| (c.title.vi.clone(), c.title.en.clone()))
        .collect()
}

/// Where the response was given, as the alert names it.
pub struct AlertScope<'a> {
    pub agency_code: &'a str,
    pub agency_vi: &'a str,
    pub agency_en: &'a str,
    pub date: NaiveDate,
}

/// The alert for a response that rated a criterion 1 ("Rất không hài lòng") and left a
/// comment; `None` otherwise. The comment is masked as the staff pages show it, and the alert
/// carries the day only.
pub fn comment_alert(
    survey: &SurveyDefinition,
    scope: &AlertScope<'_>,
    answers: &[(String, Option<i32>)],
    comment: Option<&str>,
    public_url: &str,
) -> Option<CommentAlert> {
    let comment = comment.map(str::trim).filter(|c| !c.is_empty())?;
    let criteria = criteria_rated_one(survey, answers);
    if criteria.is_empty() {
        return None;
    }
    Some(CommentAlert {
        agency_code: scope.agency_code.to_owned(),
        agency_vi: scope.agency_vi.to_owned(),
        agency_en: scope.agency_en.to_owned(),
        survey_id: survey.id().to_owned(),
        date: scope.date,
        criteria,
        comment: mask_personal_data(comment),
        agency_url: agency_url(public_url, scope.agency_code),
    })
}

/// The staff page of an agency.
pub fn agency_url(public_url: &str, code: &str) -> String {
    format!("{public_url}/staff/agencies/{}", super::digest::encode(code))
}

/// The notice of a finished export, with a download link per file.
pub fn export_ready(
    public_url: &str,
    job: &crate::store::exports::Job,
    scope: String,
    files: &[crate::store::exports::JobFile],
    expires_at: NaiveDateTime,
) -> ExportReady {
    ExportReady {
        job_id: job.id.clone(),
        scope,
        dataset: job.dataset.clone(),
        format: job.format.clone(),
        files: files
            .iter()
            .map(|f| ExportFileLink {
                name: f.name.clone(),
                url: format!("{public_url}/api/v1/exports/{}/files/{}", job.id, f.name),
                size: u64::try_from(f.size).unwrap_or(0),
                sha256: f.sha256.clone(),
            })
            .collect(),
        page_url: format!("{public_url}/staff/exports"),
        expires_at: Some(expires_at),
    }
}
