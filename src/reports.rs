//! Index reports: an index request checked against what the caller may see, the counts read
//! through `store::index_counts`, and the `indices` engine applied per group. Shared by the
//! JSON API and the staff pages; no HTTP here.

pub mod query;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::db::DbConn;
use crate::domain::{AgencyTree, Channel, Field, Locale, ProcedureCode, Visibility};
use crate::indices::{self, GroupInput, GroupResult, Grouping, ItemCounts, Period, Weights};
use crate::store::index_counts::{self, CountQuery, GroupColumn, GroupCounts};
use crate::store::{self, StoreError};
use crate::surveys::{Registry, SurveyDefinition};

/// What the groups of a report are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// One group: the whole selection.
    Nothing,
    /// Each agency of the selection, with its subtree.
    Agency,
    Field,
    Channel,
    Month,
    Quarter,
}

impl GroupBy {
    pub const CODES: &'static str = "agency, field, channel, month, quarter";

    pub fn parse(s: &str) -> Option<GroupBy> {
        Some(match s {
            "agency" => GroupBy::Agency,
            "field" => GroupBy::Field,
            "channel" => GroupBy::Channel,
            "month" => GroupBy::Month,
            "quarter" => GroupBy::Quarter,
            _ => return None,
        })
    }
}

/// An index request, its values already parsed.
#[derive(Debug, Clone)]
pub struct IndexRequest {
    pub survey: String,
    /// Default: the survey's latest version.
    pub version: Option<u32>,
    pub period: Period,
    /// Default: the caller's whole visibility.
    pub agency: Option<String>,
    /// Also count the agencies that merged into `agency`.
    pub lineage: bool,
    pub field: Option<Field>,
    pub channel: Option<Channel>,
    pub procedure: Option<ProcedureCode>,
    /// `(profile column, value)` filters; see `index_counts::PROFILE_COLUMNS`.
    pub profile: Vec<(&'static str, String)>,
    pub group_by: GroupBy,
}

/// Why a request was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A parameter is wrong: (parameter, message).
    #[error("{0}: {1}")]
    Invalid(&'static str, String),
    /// The agency is outside the caller's visibility, or does not exist (the two are not
    /// told apart for callers who may not see the whole city).
    #[error("this agency is outside what you may see")]
    Forbidden,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<crate::db::DbError> for ReportError {
    fn from(e: crate::db::DbError) -> ReportError {
        ReportError::Store(e.into())
    }
}

/// The name of the figures, as the city asks them to be labelled (PRODUCT §4).
pub const INDEX_LABEL_VI: &str = "Chỉ số hài lòng (theo phương pháp SIPAS)";
pub const INDEX_LABEL_EN: &str = "Satisfaction index (SIPAS method)";

#[derive(Debug, Clone, Serialize)]
pub struct PeriodInfo {
    pub code: String,
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    pub label_vi: String,
    pub label_en: String,
}

impl PeriodInfo {
    pub fn of(p: &Period) -> PeriodInfo {
        PeriodInfo {
            code: p.code(),
            from: p.from(),
            to: p.to(),
            label_vi: p.label(Locale::Vi),
            label_en: p.label(Locale::En),
        }
    }
}

/// What a group stands for.
#[derive(Debug, Clone, Serialize)]
pub struct GroupKey {
    /// `all`, `agency`, `field`, `channel` or `period`.
    pub kind: &'static str,
    /// The agency, field or channel code, or the period code; `all` for the whole selection.
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    /// Agencies: the kind, the parent and the depth below the selected agency (0 = itself).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agency_kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depth: Option<usize>,
    /// Periods: the dates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<chrono::NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<chrono::NaiveDate>,
}

impl GroupKey {
    pub fn name(&self, locale: Locale) -> &str {
        locale.pick(&self.name_vi, &self.name_en)
    }
}

/// One group's figures (the per-group part of [`GroupResult`]).
#[derive(Debug, Clone, Serialize)]
pub struct IndexGroup {
    #[serde(flatten)]
    pub key: GroupKey,
    pub n_responses: u64,
    pub n_invitations: Option<u64>,
    /// A ratio here; the API writes it as a percentage (0–100), the unit of every other rate.
    #[serde(serialize_with = "as_percent")]
    pub response_rate: Option<f64>,
    pub overall: indices::Figure,
    pub domains: Vec<indices::FigureOf>,
    pub criteria: Vec<indices::FigureOf>,
    pub items: Vec<indices::ItemFigure>,
    pub small_n: bool,
}

fn as_percent<S: serde::Serializer>(ratio: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match ratio {
        Some(r) => s.serialize_some(&(r * 100.0)),
        None => s.serialize_none(),
    }
}

impl IndexGroup {
    fn new(key: GroupKey, r: GroupResult, n_invitations: Option<u64>) -> IndexGroup {
        IndexGroup {
            key,
            n_responses: r.n_responses,
            n_invitations,
            response_rate: r.response_rate,
            overall: r.overall,
            domains: r.domains,
            criteria: r.criteria,
            items: r.items,
            small_n: r.small_n,
        }
    }
}

/// The selection a report was computed on, echoed back.
#[derive(Debug, Clone, Serialize)]
pub struct Selection {
    pub agency: Option<String>,
    pub lineage: bool,
    pub field: Option<Field>,
    pub channel: Option<Channel>,
    pub procedure: Option<String>,
    pub profile: BTreeMap<&'static str, String>,
}

/// A computed report.
#[derive(Debug, Clone, Serialize)]
pub struct IndexReport {
    pub label_vi: &'static str,
    pub label_en: &'static str,
    pub method: String,
    pub survey_id: String,
    pub survey_version: u32,
    pub threshold: i64,
    pub weights: Weights,
    pub small_n_threshold: u64,
    pub period: PeriodInfo,
    pub selection: Selection,
    pub group_by: GroupBy,
    pub groups: Vec<IndexGroup>,
}

/// Resolves the survey definition a request names.
pub fn definition<'a>(
    surveys: &'a Registry,
    survey: &str,
    version: Option<u32>,
) -> Result<&'a SurveyDefinition, ReportError> {
    let found = match version {
        Some(v) => surveys.get(survey, v),
        None => surveys.latest(survey),
    };
    found.map(|d| d.as_ref()).ok_or_else(|| {
        let known: Vec<&str> =
            surveys.all().map(|d| d.id()).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
        ReportError::Invalid(
            if version.is_some() && surveys.latest(survey).is_some() { "version" } else { "survey" },
            format!(
                "unknown survey {survey}{}; known: {}",
                version.map(|v| format!(" v{v}")).unwrap_or_default(),
                known.join(", ")
            ),
        )
    })
}

/// Checks the request's agency against `visibility` and returns the agencies to count:
/// `None` for the whole city, else the selected subtree (or lineage).
pub fn selected_agencies(
    tree: &AgencyTree,
    visibility: &Visibility,
    agency: Option<&str>,
    lineage: bool,
) -> Result<Option<Vec<String>>, ReportError> {
    let code = match (agency, visibility) {
        (None, Visibility::City) => return Ok(None),
        (None, Visibility::Subtree(root)) => root.as_str(),
        (Some(code), v) => {
            if !tree.is_visible(v, code) {
                return Err(match v {
                    Visibility::City => ReportError::Invalid("agency", format!("unknown agency {code}")),
                    Visibility::Subtree(_) => ReportError::Forbidden,
                });
            }
            code
        }
    };
    let mut codes = if lineage { tree.lineage(code) } else { tree.subtree(code) };
    if let Visibility::Subtree(root) = visibility {
        // A lineage may reach agencies outside the caller's subtree: those stay hidden.
        codes.retain(|c| tree.is_within(c, root));
    }
    Ok(Some(codes))
}

fn input(counts: &GroupCounts) -> GroupInput {
    let counts_map = counts
        .answers
        .iter()
        .map(|(item, n)| {
            let by_value = (1..=5).zip(&n[1..]).filter(|(_, &c)| c > 0).map(|(v, &c)| (v, c)).collect();
            (item.clone(), ItemCounts { by_value, not_applicable: n[0] })
        })
        .collect();
    GroupInput { counts: counts_map, n_responses: counts.responses, n_invitations: counts.invitations }
}

fn add(into: &mut GroupCounts, from: &GroupCounts) {
    for (item, n) in &from.answers {
        let slot = into.answers.entry(item.clone()).or_default();
        for (s, c) in slot.iter_mut().zip(n) {
            *s += c;
        }
    }
    into.responses += from.responses;
    into.invitations = match (into.invitations, from.invitations) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
    };
}

fn plain_key(kind: &'static str, code: &str, vi: &str, en: &str) -> GroupKey {
    GroupKey {
        kind,
        code: code.to_owned(),
        name_vi: vi.to_owned(),
        name_en: en.to_owned(),
        agency_kind: None,
        parent: None,
        depth: None,
        from: None,
        to: None,
    }
}

/// Computes the report `req` for a caller who sees `visibility`.
pub fn index_report(
    conn: &mut DbConn,
    surveys: &Registry,
    visibility: &Visibility,
    req: &IndexRequest,
    small_n: u64,
) -> Result<IndexReport, ReportError> {
    let tree = AgencyTree::new(store::agencies::all(conn)?);
    index_report_in(conn, surveys, &tree, visibility, req, small_n)
}

/// [`index_report`] with the agency tree already loaded, for callers that compute several
/// reports at once (the staff pages).
pub fn index_report_in(
    conn: &mut DbConn,
    surveys: &Registry,
    tree: &AgencyTree,
    visibility: &Visibility,
    req: &IndexRequest,
    small_n: u64,
) -> Result<IndexReport, ReportError> {
    let def = definition(surveys, &req.survey, req.version)?;
    let agencies = selected_agencies(tree, visibility, req.agency.as_deref(), req.lineage)?;
    let version = i32::try_from(def.version()).map_err(|_| ReportError::Invalid("version", "out of range".into()))?;
    let query = |from, to, group| CountQuery {
        survey_id: def.id(),
        survey_version: version,
        from,
        to,
        agencies: agencies.as_deref(),
        field: req.field.map(Field::code),
        channel: req.channel.map(Channel::code),
        procedure: req.procedure.as_ref().map(ProcedureCode::as_str),
        profile: &req.profile,
        group,
    };
    let (from, to) = (req.period.from(), req.period.to());
    // The agency the selection starts from: the one asked for, else the caller's own.
    let root = req.agency.as_deref().or(match visibility {
        Visibility::Subtree(r) => Some(r.as_str()),
        Visibility::City => None,
    });
    // The counts of the whole selection over `[from, to]`, as one group.
    let whole = |conn: &mut DbConn, from, to| -> Result<GroupCounts, ReportError> {
        let mut counts = index_counts::load(conn, &query(from, to, GroupColumn::Nothing))?;
        Ok(counts.remove("").unwrap_or_else(|| empty_counts(req)))
    };
    let compute = |key: GroupKey, counts: &GroupCounts| {
        IndexGroup::new(key, indices::compute(def, &input(counts), small_n), counts.invitations)
    };
    let mut groups = Vec::new();
    match req.group_by {
        GroupBy::Nothing => {
            let all = whole(conn, from, to)?;
            let name = root
                .and_then(|code| tree.get(code))
                .map(|a| (a.name_vi.clone(), a.name_en.clone()))
                .unwrap_or_else(|| ("Toàn thành phố".to_owned(), "Whole city".to_owned()));
            groups.push(compute(plain_key("all", "all", &name.0, &name.1), &all));
        }
        GroupBy::Field | GroupBy::Channel => {
            let column = if req.group_by == GroupBy::Field { GroupColumn::Field } else { GroupColumn::Channel };
            for (code, counts) in index_counts::load(conn, &query(from, to, column))? {
                let (kind, names) = match column {
                    GroupColumn::Field => {
                        ("field", Field::parse(&code).ok().map(|f| (f.name(Locale::Vi), f.name(Locale::En))))
                    }
                    _ => ("channel", Channel::parse(&code).ok().map(|c| (c.name(Locale::Vi), c.name(Locale::En)))),
                };
                let (vi, en) = names.unwrap_or((&code, &code));
                groups.push(compute(plain_key(kind, &code, vi, en), &counts));
            }
        }
        GroupBy::Month | GroupBy::Quarter => {
            let grouping = if req.group_by == GroupBy::Month { Grouping::Month } else { Grouping::Quarter };
            for bucket in req.period.split(grouping) {
                let all = whole(conn, bucket.from(), bucket.to())?;
                let mut key = plain_key("period", &bucket.code(), &bucket.label(Locale::Vi), &bucket.label(Locale::En));
                key.from = Some(bucket.from());
                key.to = Some(bucket.to());
                groups.push(compute(key, &all));
            }
        }
        GroupBy::Agency => {
            let own = index_counts::load(conn, &query(from, to, GroupColumn::Agency))?;
            let base_depth = |code: &str| tree.depth(code).saturating_sub(root.map_or(0, |r| tree.depth(r)));
            // Each agency's figure covers its subtree: roll every agency's own counts up into
            // its ancestors within the selection.
            let selection: Vec<String> = match &agencies {
                Some(codes) => codes.clone(),
                None => tree.roots().iter().flat_map(|r| tree.subtree(r.code.as_str())).collect(),
            };
            let selected: std::collections::BTreeSet<&str> = selection.iter().map(String::as_str).collect();
            let mut rolled: BTreeMap<String, GroupCounts> = BTreeMap::new();
            for (code, counts) in &own {
                let chain = std::iter::once(code.clone()).chain(tree.ancestors(code));
                for target in chain.filter(|c| selected.contains(c.as_str())) {
                    add(rolled.entry(target).or_insert_with(|| empty_counts(req)), counts);
                }
            }
            for code in &selection {
                let Some(counts) = rolled.get(code) else { continue };
                let Some(a) = tree.get(code) else { continue };
                let key = GroupKey {
                    agency_kind: Some(a.kind.code()),
                    parent: a.parent.as_ref().map(|p| p.as_str().to_owned()),
                    depth: Some(base_depth(code)),
                    ..plain_key("agency", code, &a.name_vi, &a.name_en)
                };
                groups.push(compute(key, counts));
            }
        }
    }
    Ok(IndexReport {
        label_vi: INDEX_LABEL_VI,
        label_en: INDEX_LABEL_EN,
        method: def.method().kind.code().to_owned(),
        survey_id: def.id().to_owned(),
        survey_version: def.version(),
        threshold: def.method().threshold,
        weights: indices::weights(def),
        small_n_threshold: small_n,
        period: PeriodInfo::of(&req.period),
        selection: Selection {
            agency: req.agency.clone(),
            lineage: req.lineage,
            field: req.field,
            channel: req.channel,
            procedure: req.procedure.as_ref().map(|p| p.as_str().to_owned()),
            profile: req.profile.iter().cloned().collect(),
        },
        group_by: req.group_by,
        groups,
    })
}

/// Counts of an empty group (no response rate under a profile filter).
fn empty_counts(req: &IndexRequest) -> GroupCounts {
    GroupCounts { invitations: req.profile.is_empty().then_some(0), ..GroupCounts::default() }
}
