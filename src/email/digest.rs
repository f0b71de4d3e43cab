//! The weekly digest of an agency: its figures for a Monday–Sunday week against the week
//! before, the target and the last eight weeks, computed by the same report code as the staff
//! pages (`reports::index_report_in`, seen as the whole city: the sender is the system), and
//! the letter composed from them ([`digest`], in `digest/mail.rs`).

mod mail;

use chrono::{Datelike as _, Days, NaiveDate};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::db::DbConn;
use crate::domain::{AgencyTree, Visibility};
use crate::indices::Period;
use crate::reports::{self, GroupBy, IndexGroup, IndexRequest, ReportError};
use crate::store;
use crate::surveys::Registry;

pub use mail::digest;

/// How many weeks the trend shows (and the survey is chosen over), this week included.
pub const TREND_WEEKS: usize = 8;
/// How many of the week's lowest items the digest lists.
pub const LOWEST_ITEMS: usize = 3;

/// One week's overall figures.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WeekFigures {
    /// The overall index, percent.
    pub value: Option<f64>,
    /// Valid answers behind `value`.
    pub n: u64,
    pub n_responses: u64,
    pub n_invitations: Option<u64>,
    /// Responses / invitations (0.25 = a quarter).
    pub response_rate: Option<f64>,
    pub small_n: bool,
}

impl WeekFigures {
    fn of(g: Option<&IndexGroup>) -> WeekFigures {
        g.map_or_else(WeekFigures::default, |g| WeekFigures {
            value: g.overall.value,
            n: g.overall.n,
            n_responses: g.n_responses,
            n_invitations: g.n_invitations,
            response_rate: g.response_rate,
            small_n: g.small_n,
        })
    }
}

/// A criterion this week and last week.
#[derive(Debug, Clone, PartialEq)]
pub struct CriterionLine {
    pub id: String,
    pub label_vi: String,
    pub label_en: String,
    pub this_week: Option<f64>,
    pub last_week: Option<f64>,
    /// This week's valid answers.
    pub n: u64,
    pub small_n: bool,
    pub last_week_small_n: bool,
}

/// One of the week's lowest items.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemLine {
    pub id: String,
    pub label_vi: String,
    pub label_en: String,
    pub value: f64,
    pub n: u64,
    pub small_n: bool,
}

/// An agency's week (Monday..Sunday) against the week before and the target, from the same
/// report code as the pages.
#[derive(Debug, Clone, PartialEq)]
pub struct DigestFigures {
    pub agency_code: String,
    pub agency_vi: String,
    pub agency_en: String,
    pub survey_id: String,
    pub survey_title_vi: String,
    pub survey_title_en: String,
    pub week_from: NaiveDate,
    pub week_to: NaiveDate,
    pub this_week: WeekFigures,
    pub last_week: WeekFigures,
    pub target: f64,
    /// The small-sample threshold the figures were flagged with.
    pub small_n: u64,
    /// The survey's criteria in definition order.
    pub criteria: Vec<CriterionLine>,
    /// Up to [`LOWEST_ITEMS`] index items of this week with the lowest value (n ≥ 1), lowest first.
    pub lowest_items: Vec<ItemLine>,
    /// The last [`TREND_WEEKS`] weeks' overall index, oldest first: (the Monday as "17/11",
    /// value, valid answers).
    pub trend: Vec<(String, Option<f64>, u64)>,
    /// `{public_url}/staff/agencies/{code}?survey=…&period={monday}..{sunday}`.
    pub agency_url: String,
}

/// Characters left as they are in a query value or path segment.
const KEEP: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

pub(crate) fn encode(s: &str) -> String {
    utf8_percent_encode(s, KEEP).to_string()
}

fn bad_week(e: impl std::fmt::Display) -> ReportError {
    ReportError::Invalid("week_from", e.to_string())
}

/// The [`TREND_WEEKS`] Monday–Sunday weeks ending with the week of `day`, oldest first.
fn weeks(day: NaiveDate) -> Result<Vec<Period>, ReportError> {
    let monday = day
        .checked_sub_days(Days::new(u64::from(day.weekday().num_days_from_monday())))
        .ok_or_else(|| bad_week("out of range"))?;
    (0..TREND_WEEKS as u64)
        .rev()
        .map(|back| {
            let from = monday.checked_sub_days(Days::new(7 * back)).ok_or_else(|| bad_week("out of range"))?;
            let to = from.checked_add_days(Days::new(6)).ok_or_else(|| bad_week("out of range"))?;
            Period::custom(from, to).map_err(bad_week)
        })
        .collect()
}

/// The figures of `agency_code` with its subtree on survey `survey` over `period`: one group.
fn own_group(
    conn: &mut DbConn,
    surveys: &Registry,
    tree: &AgencyTree,
    survey: &str,
    agency_code: &str,
    period: Period,
    small_n: u64,
) -> Result<Option<IndexGroup>, ReportError> {
    let req = IndexRequest {
        survey: survey.to_owned(),
        version: None,
        period,
        agency: Some(agency_code.to_owned()),
        lineage: false,
        field: None,
        channel: None,
        procedure: None,
        profile: Vec::new(),
        group_by: GroupBy::Nothing,
    };
    let report = reports::index_report_in(conn, surveys, tree, &Visibility::City, &req, small_n)?;
    Ok(report.groups.into_iter().next())
}

/// The registered survey with the most responses for the agency's subtree over `window`;
/// `default_survey` on a tie or when none has any.
fn busiest_survey(
    conn: &mut DbConn,
    surveys: &Registry,
    tree: &AgencyTree,
    agency_code: &str,
    window: Period,
    default_survey: &str,
    small_n: u64,
) -> Result<String, ReportError> {
    let ids: std::collections::BTreeSet<&str> = surveys.all().map(|d| d.id()).collect();
    let mut best: Option<(u64, bool, &str)> = None;
    for id in ids {
        let n = own_group(conn, surveys, tree, id, agency_code, window, small_n)?.map_or(0, |g| g.n_responses);
        let key = (n, id == default_survey);
        if best.is_none_or(|(bn, bd, _)| key > (bn, bd)) {
            best = Some((n, key.1, id));
        }
    }
    Ok(match best {
        Some((n, _, id)) if n > 0 => id.to_owned(),
        _ => default_survey.to_owned(),
    })
}

/// The digest figures of agency `agency_code` for the Monday–Sunday week holding `week_from`
/// (normally its Monday), or `None` when the agency does not exist. The survey is the one with
/// the most responses for the agency's subtree in the [`TREND_WEEKS`] weeks ending that week,
/// else `default_survey`. `public_url` is the service's base URL, for the agency page link.
#[allow(clippy::too_many_arguments, reason = "the scheduler's inputs, each a plain value")]
pub fn digest_figures(
    conn: &mut DbConn,
    surveys: &Registry,
    agency_code: &str,
    week_from: NaiveDate,
    target: f64,
    small_n: u64,
    public_url: &str,
    default_survey: &str,
) -> Result<Option<DigestFigures>, ReportError> {
    let tree = AgencyTree::new(store::agencies::all(conn)?);
    let Some(agency) = tree.get(agency_code) else { return Ok(None) };
    let weeks = weeks(week_from)?;
    let (Some(first), Some(this)) = (weeks.first(), weeks.last()) else { return Err(bad_week("no weeks")) };
    let window = Period::custom(first.from(), this.to()).map_err(bad_week)?;
    let survey = busiest_survey(conn, surveys, &tree, agency_code, window, default_survey, small_n)?;
    let def = reports::definition(surveys, &survey, None)?;
    let mut groups = Vec::with_capacity(weeks.len());
    for week in &weeks {
        groups.push(own_group(conn, surveys, &tree, def.id(), agency_code, *week, small_n)?);
    }
    let now = groups.last().and_then(Option::as_ref);
    let before = groups.len().checked_sub(2).and_then(|i| groups.get(i)).and_then(Option::as_ref);
    let criterion = |g: Option<&IndexGroup>, id: &str| g.and_then(|g| g.criteria.iter().find(|c| c.id == id)).cloned();
    let criteria = def
        .criteria()
        .iter()
        .map(|c| {
            let (this_week, last_week) = (criterion(now, &c.id), criterion(before, &c.id));
            CriterionLine {
                id: c.id.clone(),
                label_vi: c.title.vi.clone(),
                label_en: c.title.en.clone(),
                this_week: this_week.as_ref().and_then(|f| f.value),
                last_week: last_week.as_ref().and_then(|f| f.value),
                n: this_week.as_ref().map_or(0, |f| f.n),
                small_n: this_week.as_ref().is_none_or(|f| f.small_n),
                last_week_small_n: last_week.as_ref().is_none_or(|f| f.small_n),
            }
        })
        .collect();
    // Index items only (not the overall question), in definition order before sorting, so
    // that ties keep the questionnaire's order.
    let mut lowest: Vec<ItemLine> = def
        .criteria()
        .iter()
        .flat_map(|c| &c.items)
        .filter_map(|item| {
            let f = now?.items.iter().find(|f| f.id == item.id)?;
            let value = f.value.filter(|v| v.is_finite() && f.n >= 1)?;
            Some(ItemLine {
                id: item.id.clone(),
                label_vi: item.text.vi.clone(),
                label_en: item.text.en.clone(),
                value,
                n: f.n,
                small_n: f.small_n,
            })
        })
        .collect();
    lowest.sort_by(|a, b| a.value.total_cmp(&b.value));
    lowest.truncate(LOWEST_ITEMS);
    let trend = weeks
        .iter()
        .zip(&groups)
        .map(|(w, g)| {
            let f = WeekFigures::of(g.as_ref());
            (w.from().format("%d/%m").to_string(), f.value, f.n)
        })
        .collect();
    let agency_url = format!(
        "{}/staff/agencies/{}?survey={}&period={}..{}",
        public_url.trim_end_matches('/'),
        encode(agency_code),
        encode(def.id()),
        this.from(),
        this.to()
    );
    Ok(Some(DigestFigures {
        agency_code: agency_code.to_owned(),
        agency_vi: agency.name_vi.clone(),
        agency_en: agency.name_en.clone(),
        survey_id: def.id().to_owned(),
        survey_title_vi: def.title().vi.clone(),
        survey_title_en: def.title().en.clone(),
        week_from: this.from(),
        week_to: this.to(),
        this_week: WeekFigures::of(now),
        last_week: WeekFigures::of(before),
        target,
        small_n,
        criteria,
        lowest_items: lowest,
        trend,
        agency_url,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_weeks_end_with_the_week_of_the_day() {
        let w = weeks("2026-11-19".parse().unwrap()).unwrap();
        assert_eq!(w.len(), 8);
        assert_eq!((w[7].from().to_string(), w[7].to().to_string()), ("2026-11-16".into(), "2026-11-22".into()));
        assert_eq!(w[0].from().to_string(), "2026-09-28");
        assert!(w.windows(2).all(|p| p[0].to().succ_opt() == Some(p[1].from())));
        assert_eq!(encode("T.HEALTH/ü"), "T.HEALTH%2F%C3%BC");
    }
}
