//! The mail schedule, run every `mail_schedule_interval_secs` by each instance: queues the last
//! week's digests, watches every agency's rolling index against the target, and erases citizens'
//! addresses that no mail needs any more. Every step is idempotent (dedupe keys, conditional
//! flips), so instances running it side by side queue each mail once.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::compose::IndexAlert;
use super::events::agency_url;
use super::{timing, Kind};
use crate::config::Settings;
use crate::db::schema::index_watch;
use crate::db::DbConn;
use crate::domain::Visibility;
use crate::indices::Period;
use crate::reports::{self, GroupBy, IndexRequest, ReportError};
use crate::store::{on_backend, outbox, StoreError};
use crate::surveys::Registry;

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunSummary {
    pub digests: usize,
    pub index_alerts: usize,
    pub erased: usize,
}

/// One run of the schedule at `now` (blocking; every step in its own transaction).
pub fn run_once(
    conn: &mut DbConn,
    surveys: &Registry,
    settings: &Settings,
    public_url: &str,
    now: NaiveDateTime,
) -> Result<RunSummary, ReportError> {
    let week = timing::digest_week(now, settings.digest_hour);
    Ok(RunSummary {
        digests: queue_digests(conn, week, now)?,
        index_alerts: watch_indices(conn, surveys, settings, public_url, now)?,
        erased: outbox::erase_unneeded_addresses(conn)?,
    })
}

/// Queues the digest of the week starting `week_from` (a Monday) for every manager who gets
/// digests. Returns how many were queued (none twice: the key is the week and the account).
pub fn queue_digests(conn: &mut DbConn, week_from: NaiveDate, now: NaiveDateTime) -> Result<usize, StoreError> {
    let mut queued = 0;
    for agency in outbox::agencies_with_managers(conn)? {
        let to = outbox::managers_for(conn, &agency, Kind::Digest, false)?;
        let payload = serde_json::json!({ "agency_code": agency, "week_from": week_from }).to_string();
        let key = format!("digest:{week_from}:{agency}");
        queued += outbox::enqueue_for(conn, &to, Kind::Digest, &payload, Some(&key), now, now)?;
    }
    Ok(queued)
}

/// Checks every agency with managers over the rolling window of each survey and queues an
/// alert when its index has dropped below the target (with enough responses) since the last
/// check. Returns how many alerts were queued.
pub fn watch_indices(
    conn: &mut DbConn,
    surveys: &Registry,
    settings: &Settings,
    public_url: &str,
    now: NaiveDateTime,
) -> Result<usize, ReportError> {
    let watched = outbox::agencies_with_managers(conn)?;
    if watched.is_empty() {
        return Ok(0);
    }
    let to = crate::domain::hanoi_date(chrono::DateTime::from_naive_utc_and_offset(now, chrono::Utc));
    let from = to - Duration::days(i64::from(settings.alert_window_days) - 1);
    let period = Period::custom(from, to).map_err(|e| ReportError::Invalid("period", e.to_string()))?;
    let mut queued = 0;
    let mut survey_ids: Vec<String> = surveys.all().map(|d| d.id().to_owned()).collect();
    survey_ids.dedup();
    for survey_id in survey_ids {
        let req = IndexRequest {
            survey: survey_id.clone(),
            version: None,
            period,
            agency: None,
            lineage: false,
            field: None,
            channel: None,
            procedure: None,
            profile: Vec::new(),
            group_by: GroupBy::Agency,
        };
        let report = reports::index_report(conn, surveys, &Visibility::City, &req, settings.small_n)?;
        let Some(definition) = surveys.latest(&survey_id) else { continue };
        for group in report.groups.iter().filter(|g| watched.contains(&g.key.code)) {
            let Some(value) = group.overall.value else { continue };
            let below = value < settings.index_target && group.n_responses >= settings.alert_min_responses;
            let alert = IndexAlert {
                agency_code: group.key.code.clone(),
                agency_vi: group.key.name_vi.clone(),
                agency_en: group.key.name_en.clone(),
                survey_id: survey_id.clone(),
                survey_title_vi: definition.title().vi.clone(),
                survey_title_en: definition.title().en.clone(),
                from,
                to,
                value,
                n: group.n_responses,
                target: settings.index_target,
                previous: None,
                agency_url: agency_url(public_url, &group.key.code),
            };
            queued += conn.transaction(|conn| -> Result<usize, StoreError> {
                if !flip(conn, &group.key.code, &survey_id, below, now)? || !below {
                    return Ok(0);
                }
                let to = outbox::managers_for(conn, &group.key.code, Kind::IndexAlert, false)?;
                let payload = serde_json::to_string(&alert).map_err(|e| StoreError::Rejected(e.to_string()))?;
                outbox::enqueue_for(conn, &to, Kind::IndexAlert, &payload, None, now, now)
            })?;
        }
    }
    Ok(queued)
}

/// Records whether the agency is below the target; `true` when that changed now (a first check
/// that finds it below counts as a change). Conditional writes, so of two instances one flips.
fn flip(conn: &mut DbConn, agency: &str, survey: &str, below: bool, now: NaiveDateTime) -> Result<bool, StoreError> {
    let key = index_watch::table.filter(index_watch::agency_code.eq(agency)).filter(index_watch::survey_id.eq(survey));
    let changed = diesel::update(key.filter(index_watch::below.ne(below)))
        .set((index_watch::below.eq(below), index_watch::checked_at.eq(now)))
        .execute(conn)?;
    if changed == 1 {
        return Ok(true);
    }
    let row = (
        index_watch::agency_code.eq(agency),
        index_watch::survey_id.eq(survey),
        index_watch::below.eq(below),
        index_watch::checked_at.eq(now),
    );
    let inserted =
        on_backend!(conn, |c| diesel::insert_into(index_watch::table).values(row).on_conflict_do_nothing().execute(c))?;
    Ok(inserted == 1 && below)
}
