//! Citizens' comments for staff pages and exports: filtered by scope, paged, and masked here,
//! so no caller can get a comment with a phone number, ID number or e-mail address in it
//! (PRODUCT §5). A [`Comment`] carries no response id or anything else that could lead back
//! to its dossier, and [`list_and_audit`] records every staff view in the audit log.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use serde::Serialize;

use super::audit::{self, NewAuditEntry};
use super::{on_backend, StoreError};
use crate::db::schema::responses;
use crate::db::DbConn;
use crate::domain::mask_personal_data;

diesel::define_sql_function! {
    /// SQL `trim` (both backends): a comment of blanks is no comment.
    fn trim(x: Nullable<Text>) -> Nullable<Text>;
}

/// Which comments to list. Every value is bound as a query parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentQuery {
    /// One survey, or every survey.
    pub survey_id: Option<String>,
    /// `None`: every agency. `Some`: exactly these codes (the caller passes an agency's whole
    /// subtree); an empty list matches nothing.
    pub agencies: Option<Vec<String>>,
    /// First day, inclusive, on the response's submission date.
    pub from: NaiveDate,
    /// Last day, inclusive.
    pub to: NaiveDate,
    /// One field code (`health`, `land`, …), or every field.
    pub field: Option<String>,
    /// One channel code (`online`, `in_person`, …), or every channel.
    pub channel: Option<String>,
    /// Page size; a negative one gives an empty page.
    pub limit: i64,
    /// Comments to skip; a negative offset counts as 0.
    pub offset: i64,
}

impl CommentQuery {
    /// The scope and filters as compact text for the audit log, e.g.
    /// `agencies=T.HEALTH,T.HOSPITAL period=2026-01-01..2026-03-31 survey=* field=health
    /// channel=* page=50+0` (`*` = no filter, `agencies=` = none).
    pub fn audit_target(&self) -> String {
        let agencies = match &self.agencies {
            None => "*".to_owned(),
            Some(codes) => codes.join(","),
        };
        let or_any = |v: &Option<String>| v.clone().unwrap_or_else(|| "*".to_owned());
        format!(
            "agencies={agencies} period={}..{} survey={} field={} channel={} page={}+{}",
            self.from,
            self.to,
            or_any(&self.survey_id),
            or_any(&self.field),
            or_any(&self.channel),
            self.limit,
            self.offset,
        )
    }
}

/// One comment as staff may see it: its scope, its date and the masked text, nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    pub agency_code: String,
    pub field: String,
    pub channel: String,
    pub submitted_on: NaiveDate,
    pub survey_id: String,
    /// The language the citizen answered in (`vi`, `en`).
    pub locale: String,
    /// The comment with personal data masked ([`mask_personal_data`]).
    pub text: String,
}

/// A page of comments and how many match the query in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommentPage {
    pub total: i64,
    pub comments: Vec<Comment>,
}

type Row = (String, String, String, NaiveDate, String, String, Option<String>);

/// The comments matching `query`, newest day first (responses of the same day in a fixed
/// order), masked. Count and page are read in one transaction: one snapshot on SQLite; on
/// PostgreSQL (read committed) a comment stored between the two reads may show in the count
/// only, which a page of counts can live with.
///
/// Staff pages call [`list_and_audit`] instead, which also writes the audit row.
pub fn list(conn: &mut DbConn, query: &CommentQuery) -> Result<CommentPage, StoreError> {
    if query.agencies.as_ref().is_some_and(Vec::is_empty) || query.from > query.to {
        return Ok(CommentPage { total: 0, comments: Vec::new() });
    }
    let (total, rows) = conn.transaction(|conn| {
        on_backend!(conn, |c| {
            let filtered = || {
                let mut q = responses::table
                    .filter(responses::comment.is_not_null())
                    .filter(trim(responses::comment).ne(""))
                    .filter(responses::submitted_on.between(query.from, query.to))
                    .into_boxed();
                if let Some(codes) = &query.agencies {
                    q = q.filter(responses::agency_code.eq_any(codes));
                }
                if let Some(survey_id) = &query.survey_id {
                    q = q.filter(responses::survey_id.eq(survey_id));
                }
                if let Some(field) = &query.field {
                    q = q.filter(responses::field.eq(field));
                }
                if let Some(channel) = &query.channel {
                    q = q.filter(responses::channel.eq(channel));
                }
                q
            };
            let total: i64 = filtered().count().get_result(c)?;
            let rows: Vec<Row> = filtered()
                .select((
                    responses::agency_code,
                    responses::field,
                    responses::channel,
                    responses::submitted_on,
                    responses::survey_id,
                    responses::locale,
                    responses::comment,
                ))
                // The id only makes the order of one day's comments stable; it is not returned.
                .order((responses::submitted_on.desc(), responses::id))
                .limit(query.limit.max(0))
                .offset(query.offset.max(0))
                .load(c)?;
            Ok::<_, diesel::result::Error>((total, rows))
        })
    })?;
    let comments = rows
        .into_iter()
        .map(|(agency_code, field, channel, submitted_on, survey_id, locale, text)| Comment {
            agency_code,
            field,
            channel,
            submitted_on,
            survey_id,
            locale,
            text: mask_personal_data(text.as_deref().unwrap_or_default()),
        })
        .collect();
    Ok(CommentPage { total, comments })
}

/// Lists comments for a staff member or API client and records the view in the audit log
/// ([`audit::VIEW_COMMENTS`], target [`CommentQuery::audit_target`], detail "shown N of
/// TOTAL"). The page is returned only once its audit row is stored: if that fails, so does
/// this. `actor` is a username or [`audit::api_key_actor`].
///
/// The row is written after the read, in its own short transaction, rather than in the read's:
/// on SQLite a read transaction that turns into a write fails at once when another connection
/// wrote meanwhile (`SQLITE_BUSY_SNAPSHOT`), which citizens' submissions would cause often.
pub fn list_and_audit(conn: &mut DbConn, actor: &str, query: &CommentQuery) -> Result<CommentPage, StoreError> {
    let page = list(conn, query)?;
    audit::record(
        conn,
        &NewAuditEntry {
            actor: actor.to_owned(),
            action: audit::VIEW_COMMENTS.to_owned(),
            target: query.audit_target(),
            detail: Some(format!("shown {} of {}", page.comments.len(), page.total)),
        },
    )?;
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query() -> CommentQuery {
        CommentQuery {
            survey_id: None,
            agencies: Some(vec!["T.HEALTH".into(), "T.HOSPITAL".into()]),
            from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
            field: Some("health".into()),
            channel: None,
            limit: 50,
            offset: 100,
        }
    }

    #[test]
    fn audit_target_names_every_filter() {
        assert_eq!(
            query().audit_target(),
            "agencies=T.HEALTH,T.HOSPITAL period=2026-01-01..2026-03-31 survey=* field=health channel=* page=50+100"
        );
        let q = CommentQuery {
            agencies: None,
            survey_id: Some("sipas-dossier".into()),
            channel: Some("online".into()),
            field: None,
            ..query()
        };
        assert_eq!(
            q.audit_target(),
            "agencies=* period=2026-01-01..2026-03-31 survey=sipas-dossier field=* channel=online page=50+100"
        );
        let none = CommentQuery { agencies: Some(vec![]), ..query() };
        assert!(none.audit_target().starts_with("agencies= period="), "{}", none.audit_target());
    }
}
