//! The index filters of a query (`survey`, `period` or `from`/`to`, `agency`, `field`,
//! `channel`, …), parsed into an [`IndexRequest`] with one message per bad parameter.
//! Shared by `GET /api/v1/indices`, the staff pages and export requests.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{GroupBy, IndexRequest};
use crate::domain::{AgencyCode, Channel, Field, ProcedureCode};
use crate::indices::Period;
use crate::store::index_counts::PROFILE_COLUMNS;

/// The parameters an index query understands (pages add their own, such as `lang`).
pub const INDEX_PARAMS: &[&str] = &[
    "survey",
    "version",
    "period",
    "from",
    "to",
    "agency",
    "lineage",
    "field",
    "channel",
    "procedure",
    "group_by",
    "respondent",
    "gender",
    "age_group",
    "education",
    "occupation",
];

/// Parameter → message, for a 422.
pub type FieldErrors = BTreeMap<String, String>;

/// Parses `pairs`. `extra` lists parameters the caller handles itself (ignored here);
/// any other unknown or repeated parameter is an error, to catch typos. Without a period the
/// current calendar year (Hanoi) is used, and without a survey `default_survey`.
pub fn parse(
    pairs: &[(String, String)],
    extra: &[&str],
    default_survey: &str,
    today: NaiveDate,
) -> Result<IndexRequest, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut values: BTreeMap<&str, &str> = BTreeMap::new();
    for (k, v) in pairs {
        if extra.contains(&k.as_str()) {
            continue;
        }
        match INDEX_PARAMS.iter().find(|p| **p == k) {
            None => {
                errors.insert(k.clone(), format!("unknown parameter; known: {}", INDEX_PARAMS.join(", ")));
            }
            Some(p) => {
                if values.insert(p, v.as_str()).is_some() {
                    errors.insert(k.clone(), "given more than once".into());
                }
            }
        }
    }
    // An empty value (an unset form select) means "not given".
    values.retain(|_, v| !v.trim().is_empty());
    let survey = values.get("survey").map_or(default_survey, |s| s.trim()).to_owned();
    let version = match values.get("version") {
        None => None,
        Some(v) => match v.trim().parse::<u32>() {
            Ok(n) if n >= 1 => Some(n),
            _ => {
                errors.insert("version".into(), "must be a whole number from 1".into());
                None
            }
        },
    };
    let date = |name: &str, errors: &mut FieldErrors| -> Option<NaiveDate> {
        let v = values.get(name)?;
        match NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errors.insert(name.into(), format!("`{v}` is not a date (YYYY-MM-DD)"));
                None
            }
        }
    };
    let period = match (values.get("period"), values.contains_key("from"), values.contains_key("to")) {
        (Some(_), true, _) | (Some(_), _, true) => {
            errors.insert("period".into(), "give either period or from/to, not both".into());
            None
        }
        (Some(p), false, false) => match Period::parse(p.trim()) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.insert("period".into(), e.to_string());
                None
            }
        },
        (None, false, false) => Period::year(today.format("%Y").to_string().parse().unwrap_or(2026)).ok(),
        (None, has_from, has_to) => {
            let (from, to) = (date("from", &mut errors), date("to", &mut errors));
            if !has_from {
                errors.insert("from".into(), "is required with to".into());
            }
            if !has_to {
                errors.insert("to".into(), "is required with from".into());
            }
            match (from, to) {
                (Some(f), Some(t)) => match Period::custom(f, t) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        errors.insert("to".into(), e.to_string());
                        None
                    }
                },
                _ => None,
            }
        }
    };
    let agency = values.get("agency").and_then(|v| match AgencyCode::parse(v) {
        Ok(c) => Some(c.as_str().to_owned()),
        Err(e) => {
            errors.insert("agency".into(), e.to_string());
            None
        }
    });
    let lineage = match values.get("lineage").map(|v| v.trim()) {
        None | Some("false" | "0") => false,
        Some("true" | "1") => true,
        Some(_) => {
            errors.insert("lineage".into(), "must be true or false".into());
            false
        }
    };
    let field = values.get("field").and_then(|v| match Field::parse(v.trim()) {
        Ok(f) => Some(f),
        Err(e) => {
            errors.insert("field".into(), e.to_string());
            None
        }
    });
    let channel = values.get("channel").and_then(|v| match Channel::parse(v.trim()) {
        Ok(c) => Some(c),
        Err(e) => {
            errors.insert("channel".into(), e.to_string());
            None
        }
    });
    let procedure = values.get("procedure").and_then(|v| match ProcedureCode::parse(v) {
        Ok(c) => Some(c),
        Err(e) => {
            errors.insert("procedure".into(), e.to_string());
            None
        }
    });
    let group_by = match values.get("group_by") {
        None => GroupBy::Nothing,
        Some(v) => GroupBy::parse(v.trim()).unwrap_or_else(|| {
            errors.insert("group_by".into(), format!("must be one of {}", GroupBy::CODES));
            GroupBy::Nothing
        }),
    };
    let mut profile = Vec::new();
    for column in PROFILE_COLUMNS {
        if let Some(v) = values.get(column) {
            let v = v.trim();
            if v.len() > 64 || !v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+')) {
                errors.insert(column.into(), "must be an answer code from the survey's profile questions".into());
            } else {
                profile.push((column, v.to_owned()));
            }
        }
    }
    match period {
        Some(period) if errors.is_empty() => {
            Ok(IndexRequest { survey, version, period, agency, lineage, field, channel, procedure, profile, group_by })
        }
        _ => Err(errors),
    }
}
