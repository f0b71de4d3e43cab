//! What an export is asked to contain, and who may ask: the request as stored with its job,
//! parsed from the API's JSON or the staff form with one message per bad key.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::{Channel, Field, Visibility};
use crate::indices::Period;
use crate::reports::query::FieldErrors;
use crate::store::export_rows::ResponseFilter;

/// What rows an export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dataset {
    /// One row per response, one column per item (microdata).
    ResponsesWide,
    /// One row per answer (microdata).
    ResponsesLong,
    /// Per agency × overall, domain, criterion and item for the period (index engine).
    IndexTable,
    /// The same per month or quarter of the period, for trends.
    IndexTrend,
}

impl Dataset {
    pub const ALL: [Dataset; 4] =
        [Dataset::ResponsesWide, Dataset::ResponsesLong, Dataset::IndexTable, Dataset::IndexTrend];

    pub fn code(self) -> &'static str {
        match self {
            Dataset::ResponsesWide => "responses_wide",
            Dataset::ResponsesLong => "responses_long",
            Dataset::IndexTable => "index_table",
            Dataset::IndexTrend => "index_trend",
        }
    }

    pub fn parse(s: &str) -> Option<Dataset> {
        Dataset::ALL.into_iter().find(|d| d.code() == s)
    }

    /// Whether the rows are responses (microdata) rather than computed figures.
    pub fn is_microdata(self) -> bool {
        matches!(self, Dataset::ResponsesWide | Dataset::ResponsesLong)
    }

    pub fn title(self) -> (&'static str, &'static str) {
        match self {
            Dataset::ResponsesWide => {
                ("Dữ liệu phiếu trả lời (mỗi phiếu một dòng)", "Responses (one row per response)")
            }
            Dataset::ResponsesLong => ("Dữ liệu câu trả lời (mỗi câu một dòng)", "Answers (one row per answer)"),
            Dataset::IndexTable => ("Bảng chỉ số hài lòng theo cơ quan", "Satisfaction indices by agency"),
            Dataset::IndexTrend => ("Diễn biến chỉ số hài lòng theo kỳ", "Satisfaction indices by period"),
        }
    }
}

/// The files an export is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// The data as CSV, with the codebook as CSV and an SPSS syntax file beside it.
    Csv,
    /// One workbook: the data sheet(s) and the codebook sheets.
    Xlsx,
    /// One ZIP holding the CSV data, the CSV and XLSX codebooks and the SPSS syntax.
    Zip,
    /// One Apache Parquet file: typed columns, the codebook in the file's metadata.
    Parquet,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Csv, Format::Xlsx, Format::Zip, Format::Parquet];

    pub fn code(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Zip => "zip",
            Format::Parquet => "parquet",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.code() == s)
    }
}

/// How an index trend is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrendStep {
    Month,
    Quarter,
}

/// A checked export request, as stored with its job (JSON) and read back by the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportRequest {
    pub dataset: Dataset,
    pub format: Format,
    pub survey: String,
    /// Resolved when the job is created: the requested version, else the one version the
    /// period's responses have, else the latest.
    pub version: u32,
    /// A [`Period`] code (`2026-Q1`, `2026-01-10..2026-02-20`, …).
    pub period: String,
    pub agency: Option<String>,
    pub lineage: bool,
    pub field: Option<Field>,
    pub channel: Option<Channel>,
    pub procedure: Option<String>,
    /// Write a UTF-8 byte-order mark first in CSV files (Excel needs it to show Vietnamese).
    pub bom: bool,
    /// Leave index values with n below the small-n threshold empty.
    pub suppress_small_n: bool,
    pub trend_step: TrendStep,
}

impl ExportRequest {
    pub fn period(&self) -> Result<Period, crate::indices::PeriodError> {
        Period::parse(&self.period)
    }

    /// The responses this request selects in `period`, among `agencies` (`None`: all).
    pub fn response_filter(&self, period: &Period, agencies: Option<Vec<String>>) -> ResponseFilter {
        ResponseFilter {
            survey_id: self.survey.clone(),
            survey_version: i32::try_from(self.version).unwrap_or(i32::MAX),
            from: period.from(),
            to: period.to(),
            agencies,
            field: self.field.map(|f| f.code().to_owned()),
            channel: self.channel.map(|c| c.code().to_owned()),
            procedure: self.procedure.clone(),
        }
    }

    /// The scope in compact text, for the audit log and the job list.
    pub fn scope_text(&self) -> String {
        let mut s = format!("{} v{} {} {}", self.survey, self.version, self.dataset.code(), self.period);
        if let Some(a) = &self.agency {
            s.push_str(&format!(" agency={a}{}", if self.lineage { " (lineage)" } else { "" }));
        }
        if let Some(f) = self.field {
            s.push_str(&format!(" field={}", f.code()));
        }
        if let Some(c) = self.channel {
            s.push_str(&format!(" channel={}", c.code()));
        }
        if let Some(p) = &self.procedure {
            s.push_str(&format!(" procedure={p}"));
        }
        s
    }

    /// The start of every file name: `sipas-dossier-v1_2026-Q1_responses_wide`. Only ASCII
    /// letters, digits, `-` and `_` make it in, whatever the agency code holds (`/` is allowed
    /// there, and would otherwise make a folder of the name).
    pub fn file_stem(&self) -> String {
        let safe = |s: &str, other: char| -> String {
            s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { other }).collect()
        };
        let agency = self.agency.as_deref().map(|a| format!("_{}", safe(a, '-'))).unwrap_or_default();
        format!(
            "{}-v{}_{}{}_{}",
            safe(&self.survey, '-'),
            self.version,
            safe(&self.period, '_'),
            agency,
            self.dataset.code()
        )
    }
}

/// Who asks for an export, and what their role lets them have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requester {
    /// A staff username, or `api-key:<id>`.
    pub actor: String,
    pub visibility: Visibility,
    /// Admins, analysts and city-wide `read` keys: response microdata.
    pub microdata: bool,
    /// Everyone but agency viewers: index tables within their visibility.
    pub index_tables: bool,
}

impl Requester {
    /// What a staff account may export (PRODUCT §5: analysts export de-identified data).
    /// Agency managers get their subtree's index tables but no microdata: in a ward, the
    /// profile and comment of a response may be enough for the staff who served the citizen
    /// to know who wrote it.
    pub fn staff(username: &str, role: crate::auth::Role, agency: Option<&str>) -> Requester {
        use crate::auth::Role;
        Requester {
            actor: username.to_owned(),
            visibility: role.visibility(agency),
            microdata: matches!(role, Role::Admin | Role::Analyst),
            index_tables: !matches!(role, Role::AgencyViewer),
        }
    }

    /// What a `read` API key may export: microdata only when it is not bound to an agency.
    pub fn api_key(key_id: &str, agency: Option<&str>) -> Requester {
        Requester {
            actor: crate::store::audit::api_key_actor(key_id),
            visibility: match agency {
                Some(a) => Visibility::Subtree(a.to_owned()),
                None => Visibility::City,
            },
            microdata: agency.is_none(),
            index_tables: true,
        }
    }

    /// Whether this requester may ask for `dataset` at all (their scope is checked later).
    pub fn may_export(&self, dataset: Dataset) -> bool {
        if dataset.is_microdata() {
            self.microdata
        } else {
            self.index_tables
        }
    }
}

/// The export-only keys of a request; the selection keys are those of an index query.
pub const EXPORT_PARAMS: &[&str] = &["dataset", "format", "bom", "suppress_small_n", "trend_step"];

/// Index-query keys that an export does not take: profile slices and groupings would need
/// files of another shape (filter the microdata in your tool instead).
const NOT_FOR_EXPORTS: &[&str] = &["group_by", "respondent", "gender", "age_group", "education", "occupation"];

/// A parsed request before its survey version is resolved against the stored responses.
#[derive(Debug, Clone)]
pub struct Draft {
    pub request: ExportRequest,
    /// The version the caller named, if any.
    pub version_given: Option<u32>,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// Parses a request from key/value pairs (the form, or the API's JSON flattened by
/// [`json_pairs`]). Every bad key gets its own message.
pub fn parse(pairs: &[(String, String)], default_survey: &str, today: NaiveDate) -> Result<Draft, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut own: BTreeMap<&str, &str> = BTreeMap::new();
    for (k, v) in pairs {
        if let Some(p) = EXPORT_PARAMS.iter().find(|p| **p == k) {
            if own.insert(p, v.trim()).is_some() {
                errors.insert(k.clone(), "given more than once".into());
            }
        } else if NOT_FOR_EXPORTS.contains(&k.as_str()) && !v.trim().is_empty() {
            errors.insert(
                k.clone(),
                "not available for exports: export the responses and slice them in your tool".into(),
            );
        }
    }
    let selection: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| !EXPORT_PARAMS.contains(&k.as_str()) && !NOT_FOR_EXPORTS.contains(&k.as_str()))
        .cloned()
        .collect();
    let index = crate::reports::query::parse(&selection, &[], default_survey, today);
    let index = index.map_err(|e| errors.extend(e)).ok();
    let dataset = match own.get("dataset").filter(|v| !v.is_empty()) {
        None => {
            errors.insert("dataset".into(), format!("is required: one of {}", codes(Dataset::ALL.map(Dataset::code))));
            None
        }
        Some(v) => Dataset::parse(v).or_else(|| {
            errors.insert("dataset".into(), format!("must be one of {}", codes(Dataset::ALL.map(Dataset::code))));
            None
        }),
    };
    let format = match own.get("format").filter(|v| !v.is_empty()) {
        None => Some(Format::Csv),
        Some(v) => Format::parse(v).or_else(|| {
            errors.insert("format".into(), format!("must be one of {}", codes(Format::ALL.map(Format::code))));
            None
        }),
    };
    let mut flag = |name: &'static str, default: bool| match own.get(name).copied() {
        None | Some("") => default,
        Some("true" | "1" | "on") => true,
        Some("false" | "0" | "off") => false,
        Some(_) => {
            errors.insert(name.into(), "must be true or false".into());
            default
        }
    };
    let bom = flag("bom", true);
    let suppress_small_n = flag("suppress_small_n", false);
    let trend_step = match own.get("trend_step").copied() {
        None | Some("") | Some("month") => TrendStep::Month,
        Some("quarter") => TrendStep::Quarter,
        Some(_) => {
            errors.insert("trend_step".into(), "must be month or quarter".into());
            TrendStep::Month
        }
    };
    match (index, dataset, format) {
        (Some(ix), Some(dataset), Some(format)) if errors.is_empty() => Ok(Draft {
            from: ix.period.from(),
            to: ix.period.to(),
            version_given: ix.version,
            request: ExportRequest {
                dataset,
                format,
                survey: ix.survey,
                version: ix.version.unwrap_or(0),
                period: ix.period.code(),
                agency: ix.agency,
                lineage: ix.lineage,
                field: ix.field,
                channel: ix.channel,
                procedure: ix.procedure.map(|p| p.as_str().to_owned()),
                bom,
                suppress_small_n,
                trend_step,
            },
        }),
        _ => Err(errors),
    }
}

fn codes<const N: usize>(all: [&str; N]) -> String {
    all.join(", ")
}

/// Flattens a JSON object of strings, numbers and booleans into key/value pairs for
/// [`parse`]; `null` means "not given". Nested values are refused by key.
pub fn json_pairs(body: &serde_json::Value) -> Result<Vec<(String, String)>, FieldErrors> {
    let Some(object) = body.as_object() else {
        return Err(FieldErrors::from([("body".into(), "must be a JSON object".into())]));
    };
    let mut pairs = Vec::new();
    let mut errors = FieldErrors::new();
    for (k, v) in object {
        match v {
            serde_json::Value::Null => {}
            serde_json::Value::String(s) => pairs.push((k.clone(), s.clone())),
            serde_json::Value::Bool(b) => pairs.push((k.clone(), b.to_string())),
            serde_json::Value::Number(n) => pairs.push((k.clone(), n.to_string())),
            _ => {
                errors.insert(k.clone(), "must be a string, a number or true/false".into());
            }
        }
    }
    if errors.is_empty() {
        Ok(pairs)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(s: &[(&str, &str)]) -> Vec<(String, String)> {
        s.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    #[test]
    fn a_full_request_and_its_defaults() {
        let d =
            parse(&pairs(&[("dataset", "responses_wide"), ("period", "2026-Q1")]), "sipas-dossier", today()).unwrap();
        let r = &d.request;
        assert_eq!(
            (r.dataset, r.format, r.bom, r.suppress_small_n),
            (Dataset::ResponsesWide, Format::Csv, true, false)
        );
        assert_eq!((r.survey.as_str(), r.period.as_str(), d.version_given), ("sipas-dossier", "2026-Q1", None));
        assert_eq!(r.file_stem(), "sipas-dossier-v0_2026-Q1_responses_wide");
        let d = parse(
            &pairs(&[
                ("dataset", "index_trend"),
                ("format", "xlsx"),
                ("from", "2026-01-10"),
                ("to", "2026-02-20"),
                ("agency", "000.00.05.H26"),
                ("field", "health"),
                ("bom", "false"),
                ("suppress_small_n", "true"),
                ("trend_step", "quarter"),
                ("version", "1"),
            ]),
            "sipas-dossier",
            today(),
        )
        .unwrap();
        let r = &d.request;
        assert_eq!(
            (r.format, r.bom, r.suppress_small_n, r.trend_step),
            (Format::Xlsx, false, true, TrendStep::Quarter)
        );
        assert_eq!(
            (r.field, r.agency.as_deref(), d.version_given),
            (Some(Field::Health), Some("000.00.05.H26"), Some(1))
        );
        assert_eq!(r.period().unwrap().from(), NaiveDate::from_ymd_opt(2026, 1, 10).unwrap());
        assert_eq!(r.file_stem(), "sipas-dossier-v1_2026-01-10__2026-02-20_000-00-05-H26_index_trend");
        let odd = ExportRequest { agency: Some("UB/P.01 Hà".into()), ..r.clone() };
        assert_eq!(odd.file_stem(), "sipas-dossier-v1_2026-01-10__2026-02-20_UB-P-01-H-_index_trend");
    }

    #[test]
    fn every_bad_key_is_named() {
        let e = parse(
            &pairs(&[
                ("dataset", "everything"),
                ("format", "pdf"),
                ("bom", "maybe"),
                ("trend_step", "week"),
                ("period", "2026-Q9"),
                ("group_by", "agency"),
                ("gender", "female"),
                ("colour", "red"),
            ]),
            "sipas-dossier",
            today(),
        )
        .unwrap_err();
        for k in ["dataset", "format", "bom", "trend_step", "period", "group_by", "gender", "colour"] {
            assert!(e.contains_key(k), "{k} missing from {e:?}");
        }
        let e = parse(&pairs(&[("period", "2026")]), "sipas-dossier", today()).unwrap_err();
        assert!(e["dataset"].contains("required"), "{e:?}");
        let e = parse(&pairs(&[("dataset", "index_table"), ("dataset", "index_trend")]), "x", today()).unwrap_err();
        assert!(e["dataset"].contains("more than once"));
    }

    #[test]
    fn json_bodies_flatten_to_pairs() {
        let body = serde_json::json!({"dataset": "index_table", "bom": false, "version": 1, "agency": null});
        let p = json_pairs(&body).unwrap();
        assert_eq!(p, pairs(&[("bom", "false"), ("dataset", "index_table"), ("version", "1")]));
        let e = json_pairs(&serde_json::json!({"field": ["health"]})).unwrap_err();
        assert!(e.contains_key("field"));
        assert!(json_pairs(&serde_json::json!([1])).unwrap_err().contains_key("body"));
    }

    #[test]
    fn roles_and_keys() {
        use crate::auth::Role;
        let analyst = Requester::staff("an", Role::Analyst, None);
        assert!(analyst.may_export(Dataset::ResponsesLong) && analyst.visibility == Visibility::City);
        let manager = Requester::staff("m", Role::AgencyManager, Some("W1"));
        assert!(!manager.may_export(Dataset::ResponsesWide) && manager.may_export(Dataset::IndexTable));
        let viewer = Requester::staff("v", Role::AgencyViewer, Some("W1"));
        assert!(!viewer.may_export(Dataset::IndexTable));
        let city = Requester::staff("c", Role::CityViewer, None);
        assert!(!city.may_export(Dataset::ResponsesWide) && city.may_export(Dataset::IndexTrend));
        assert!(Requester::api_key("k", None).may_export(Dataset::ResponsesWide));
        let bound = Requester::api_key("k", Some("W1"));
        assert!(!bound.may_export(Dataset::ResponsesWide) && bound.actor == "api-key:k");
    }
}
