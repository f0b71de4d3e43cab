//! The figures of the staff dashboard, gathered from index reports with the agency tree loaded
//! once: the city overview (the whole city, every agency with its subtree, the fields) and an
//! agency's page (its own figures, the city's for comparison when the viewer may see them, the
//! trend, the channels, the units below it; the query of its comments). Scope checks happen here,
//! so a page and the charts drawn from it refuse exactly the same viewers. No HTTP here:
//! `routes::dashboard` turns these figures into pages and charts.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::db::DbConn;
use crate::domain::{Agency, AgencyTree, Visibility};
use crate::indices::{Grouping, Period};
use crate::reports::{self, GroupBy, IndexGroup, IndexReport, IndexRequest, ReportError};
use crate::store;
use crate::store::comments::{CommentPage, CommentQuery};
use crate::surveys::Registry;

/// A trend is drawn by month up to this many months, by quarter beyond.
pub const TREND_MAX_MONTHS: usize = 18;

/// The city overview's figures. Only viewers who see the whole city get them.
#[derive(Debug, Clone)]
pub struct CityFigures {
    pub tree: AgencyTree,
    /// The whole city: one group.
    pub city: IndexReport,
    /// Every agency that has figures, each with its subtree.
    pub agencies: IndexReport,
    /// One group per field.
    pub fields: IndexReport,
}

/// An agency in a list, with its figures (covering its subtree) when it has any.
#[derive(Debug, Clone, Copy)]
pub struct Unit<'a> {
    pub agency: &'a Agency,
    /// Depth below the list's top (0 = the top level of the list).
    pub depth: usize,
    pub figures: Option<&'a IndexGroup>,
}

/// Which parts of an agency's page to compute (a chart needs only some).
#[derive(Debug, Clone, Default)]
pub struct AgencyParts {
    /// The city's figures for comparison; only computed for viewers who see the whole city.
    pub city: bool,
    pub trend: bool,
    pub channels: bool,
    pub units: bool,
}

/// An agency page's figures.
#[derive(Debug, Clone)]
pub struct AgencyFigures {
    pub tree: AgencyTree,
    pub code: String,
    /// The agency's subtree: the agencies its figures and comments cover.
    pub agencies: Vec<String>,
    /// The agency with its subtree: one group.
    pub own: IndexReport,
    pub city: Option<IndexReport>,
    /// One group per month or quarter ([`trend_grouping`]).
    pub trend: Option<IndexReport>,
    /// One group per channel.
    pub channels: Option<IndexReport>,
    /// The agency and every unit below it that has figures, each with its subtree.
    pub units: Option<IndexReport>,
    /// A page of comments, read separately ([`AgencyFigures::comment_query`]) because reading
    /// them writes the audit log.
    pub comments: Option<CommentPage>,
}

/// How a trend over `period` is split: by month for up to [`TREND_MAX_MONTHS`], else by quarter.
pub fn trend_grouping(period: &Period) -> Grouping {
    if period.split(Grouping::Month).len() <= TREND_MAX_MONTHS {
        Grouping::Month
    } else {
        Grouping::Quarter
    }
}

fn load_tree(conn: &mut DbConn) -> Result<AgencyTree, ReportError> {
    Ok(AgencyTree::new(store::agencies::all(conn)?))
}

/// Whether `agency` existed at some time between `from` and `to`.
fn existed(agency: &Agency, from: NaiveDate, to: NaiveDate) -> bool {
    agency.valid_from <= to && agency.valid_to.is_none_or(|end| end >= from)
}

/// The agencies `codes` in order with their figures from `report`, leaving out those that
/// have no figures and did not exist during the report's period (ended or not yet created).
fn units<'a>(tree: &'a AgencyTree, codes: &[(String, usize)], report: &'a IndexReport) -> Vec<Unit<'a>> {
    let (from, to) = (report.period.from, report.period.to);
    let by_code: HashMap<&str, &IndexGroup> = report.groups.iter().map(|g| (g.key.code.as_str(), g)).collect();
    codes
        .iter()
        .filter_map(|(code, depth)| {
            let agency = tree.get(code)?;
            let figures = by_code.get(code.as_str()).copied();
            (figures.is_some() || existed(agency, from, to)).then_some(Unit { agency, depth: *depth, figures })
        })
        .collect()
}

/// `code`'s subtree with depths relative to `code`, parents before children.
fn subtree_with_depth(tree: &AgencyTree, code: &str) -> Vec<(String, usize)> {
    let base = tree.depth(code);
    tree.subtree(code).into_iter().map(|c| (c.clone(), tree.depth(&c).saturating_sub(base))).collect()
}

/// The figures of the city overview for `req` (its survey, period, field and channel; its
/// agency and grouping are ignored). Refused unless `visibility` is the whole city.
pub fn city_figures(
    conn: &mut DbConn,
    surveys: &Registry,
    visibility: &Visibility,
    req: &IndexRequest,
    small_n: u64,
) -> Result<CityFigures, ReportError> {
    if *visibility != Visibility::City {
        return Err(ReportError::Forbidden);
    }
    let tree = load_tree(conn)?;
    let mut report = |group_by| {
        let req = IndexRequest { agency: None, group_by, ..req.clone() };
        reports::index_report_in(conn, surveys, &tree, visibility, &req, small_n)
    };
    let city = report(GroupBy::Nothing)?;
    let agencies = report(GroupBy::Agency)?;
    let fields = report(GroupBy::Field)?;
    Ok(CityFigures { tree, city, agencies, fields })
}

/// The ranking of the city's agencies (PRODUCT §4: small samples are not ranked).
#[derive(Debug, Clone)]
pub struct Ranking<'a> {
    /// Agencies with an index from enough answers, highest first (ties keep the tree order).
    pub ranked: Vec<Unit<'a>>,
    /// The others: small samples by index, highest first, then those without an index.
    pub unranked: Vec<Unit<'a>>,
}

fn overall(unit: &Unit) -> Option<f64> {
    unit.figures.and_then(|f| f.overall.value).filter(|v| v.is_finite())
}

fn by_value_desc(a: &Unit, b: &Unit) -> std::cmp::Ordering {
    let key = |u: &Unit| overall(u).unwrap_or(f64::NEG_INFINITY);
    key(b).total_cmp(&key(a))
}

impl CityFigures {
    /// The agencies directly below the city's root(s), each with its subtree, ranked.
    pub fn ranking(&self) -> Ranking<'_> {
        let codes: Vec<(String, usize)> = self
            .tree
            .roots()
            .iter()
            .flat_map(|root| self.tree.children(root.code.as_str()).iter().map(|c| (c.clone(), 0)))
            .collect();
        let (mut ranked, mut unranked): (Vec<Unit>, Vec<Unit>) = units(&self.tree, &codes, &self.agencies)
            .into_iter()
            .partition(|u| overall(u).is_some() && u.figures.is_some_and(|f| !f.small_n));
        ranked.sort_by(by_value_desc);
        unranked.sort_by(by_value_desc);
        Ranking { ranked, unranked }
    }

    /// Every agency, the roots first and each followed by its subtree.
    pub fn all(&self) -> Vec<Unit<'_>> {
        let codes: Vec<(String, usize)> =
            self.tree.roots().iter().flat_map(|root| subtree_with_depth(&self.tree, root.code.as_str())).collect();
        units(&self.tree, &codes, &self.agencies)
    }
}

/// The figures of agency `code`'s page for `req` (its survey, period, field and channel; its
/// agency and grouping are ignored), computing only `parts`. An agency outside `visibility`
/// is [`ReportError::Forbidden`] whether it exists or not; for a viewer of the whole city an
/// unknown code is `ReportError::Invalid("agency", …)`.
pub fn agency_figures(
    conn: &mut DbConn,
    surveys: &Registry,
    visibility: &Visibility,
    code: &str,
    req: &IndexRequest,
    parts: &AgencyParts,
    small_n: u64,
) -> Result<AgencyFigures, ReportError> {
    let tree = load_tree(conn)?;
    let Some(selected) = reports::selected_agencies(&tree, visibility, Some(code), false)? else {
        return Err(ReportError::Invalid("agency", format!("unknown agency {code}")));
    };
    let own_req = |group_by| IndexRequest { agency: Some(code.to_owned()), group_by, ..req.clone() };
    let report = |conn: &mut DbConn, req: &IndexRequest| {
        reports::index_report_in(conn, surveys, &tree, visibility, req, small_n)
    };
    let own = report(conn, &own_req(GroupBy::Nothing))?;
    let city = match visibility {
        Visibility::City if parts.city => {
            Some(report(conn, &IndexRequest { agency: None, group_by: GroupBy::Nothing, ..req.clone() })?)
        }
        _ => None,
    };
    let trend = if parts.trend {
        let group_by = match trend_grouping(&req.period) {
            Grouping::Month => GroupBy::Month,
            Grouping::Quarter => GroupBy::Quarter,
        };
        Some(report(conn, &own_req(group_by))?)
    } else {
        None
    };
    let channels = if parts.channels { Some(report(conn, &own_req(GroupBy::Channel))?) } else { None };
    let units = if parts.units { Some(report(conn, &own_req(GroupBy::Agency))?) } else { None };
    Ok(AgencyFigures {
        tree,
        code: code.to_owned(),
        agencies: selected,
        own,
        city,
        trend,
        channels,
        units,
        comments: None,
    })
}

impl AgencyFigures {
    /// The comments on page `page` (1-based) of `per_page` for the agency's subtree and the
    /// filters of `req`, for `store::comments::list_and_audit`.
    pub fn comment_query(&self, req: &IndexRequest, page: u32, per_page: u32) -> CommentQuery {
        CommentQuery {
            survey_id: Some(self.own.survey_id.clone()),
            agencies: Some(self.agencies.clone()),
            from: req.period.from(),
            to: req.period.to(),
            field: req.field.map(|f| f.code().to_owned()),
            channel: req.channel.map(|c| c.code().to_owned()),
            limit: i64::from(per_page),
            offset: i64::from(page.saturating_sub(1)) * i64::from(per_page),
        }
    }

    /// The agency itself.
    pub fn agency(&self) -> Option<&Agency> {
        self.tree.get(&self.code)
    }

    /// Its own figures (with its subtree).
    pub fn figures(&self) -> Option<&IndexGroup> {
        self.own.groups.first()
    }

    /// The city's figures, when computed.
    pub fn city_figures(&self) -> Option<&IndexGroup> {
        self.city.as_ref().and_then(|r| r.groups.first())
    }

    /// Whether the trend is split by quarter rather than by month.
    pub fn trend_by_quarter(&self) -> bool {
        self.trend.as_ref().is_some_and(|r| r.group_by == GroupBy::Quarter)
    }

    /// The units directly below the agency (each with its subtree), when computed.
    pub fn children(&self) -> Vec<Unit<'_>> {
        let Some(report) = &self.units else { return Vec::new() };
        let codes: Vec<(String, usize)> = self.tree.children(&self.code).iter().map(|c| (c.clone(), 0)).collect();
        units(&self.tree, &codes, report)
    }

    /// The agency's ancestors that `visibility` may see, the top first (for a breadcrumb).
    pub fn visible_ancestors(&self, visibility: &Visibility) -> Vec<&Agency> {
        let mut out: Vec<&Agency> = self
            .tree
            .ancestors(&self.code)
            .iter()
            .filter(|c| self.tree.is_visible(visibility, c))
            .filter_map(|c| self.tree.get(c))
            .collect();
        out.reverse();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trends_are_monthly_up_to_eighteen_months() {
        let p = |s: &str| Period::parse(s).unwrap();
        assert_eq!(trend_grouping(&p("2026")), Grouping::Month);
        assert_eq!(trend_grouping(&p("2026-report-year")), Grouping::Month, "13 partial months");
        assert_eq!(trend_grouping(&p("2025-01-01..2026-06-30")), Grouping::Month);
        assert_eq!(trend_grouping(&p("2025-01-01..2026-07-01")), Grouping::Quarter);
    }

    #[test]
    fn existence_overlaps_the_period() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let agency = Agency {
            code: crate::domain::AgencyCode::parse("T.PLAN").unwrap(),
            parent: None,
            kind: crate::domain::AgencyKind::Department,
            name_vi: "Sở Kế hoạch và Đầu tư".into(),
            name_en: "Department of Planning and Investment".into(),
            valid_from: d("2008-08-01"),
            valid_to: Some(d("2025-02-28")),
            successors: vec![],
        };
        assert!(existed(&agency, d("2025-01-01"), d("2025-12-31")));
        assert!(existed(&agency, d("2025-02-28"), d("2025-03-31")));
        assert!(!existed(&agency, d("2025-03-01"), d("2026-12-31")));
        assert!(!existed(&agency, d("2000-01-01"), d("2008-07-31")));
    }
}
