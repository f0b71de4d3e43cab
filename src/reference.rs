//! Reference-data files: the agency tree (`reference-data/*.toml`, format documented in
//! `reference-data/README.md`). Parsing and checks only; storing is `store::agencies`.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use serde::Deserialize;

use crate::domain::{Agency, AgencyCode, AgencyKind};

/// The format tag a file must declare.
pub const AGENCIES_FORMAT: &str = "sipas-agencies/1";

/// A mistake in a reference file, naming the file and the key.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {key}: {message}")]
pub struct ReferenceError {
    pub file: String,
    pub key: String,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    format: String,
    #[serde(default)]
    agency: Vec<RawAgency>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAgency {
    code: String,
    kind: String,
    name_vi: String,
    name_en: String,
    valid_from: toml::value::Datetime,
    parent: Option<String>,
    valid_to: Option<toml::value::Datetime>,
    #[serde(default)]
    successors: Vec<String>,
}

/// Parses an agency file. `known` holds codes already stored, which parents and
/// successors may also name. The result is ordered parents first.
pub fn parse_agencies(file: &str, text: &str, known: &HashSet<String>) -> Result<Vec<Agency>, ReferenceError> {
    let err = |key: String, message: String| ReferenceError { file: file.to_owned(), key, message };
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let (line, col) = e.span().map(|s| line_col(text, s.start)).unwrap_or((0, 0));
        err(format!("line {line}, column {col}"), e.message().to_owned())
    })?;
    if raw.format != AGENCIES_FORMAT {
        return Err(err("format".into(), format!("expected \"{AGENCIES_FORMAT}\", found \"{}\"", raw.format)));
    }
    let mut list = Vec::with_capacity(raw.agency.len());
    let mut seen = HashSet::new();
    for (i, a) in raw.agency.into_iter().enumerate() {
        let at = |k: &str| format!("agency[{i}].{k}");
        let code = AgencyCode::parse(&a.code).map_err(|e| err(at("code"), format!("`{}` {e}", a.code)))?;
        if !seen.insert(code.to_string()) {
            return Err(err(at("code"), format!("duplicate code `{code}`")));
        }
        let kind = AgencyKind::parse(&a.kind).ok_or_else(|| {
            let kinds: Vec<_> = AgencyKind::ALL.iter().map(|k| k.code()).collect();
            err(at("kind"), format!("unknown kind `{}`; expected one of: {}", a.kind, kinds.join(", ")))
        })?;
        for (k, v) in [("name_vi", &a.name_vi), ("name_en", &a.name_en)] {
            if v.trim().is_empty() {
                return Err(err(at(k), "must not be empty".into()));
            }
        }
        let valid_from =
            to_date(&a.valid_from).ok_or_else(|| err(at("valid_from"), "expected a date like 2025-07-01".into()))?;
        let valid_to = match &a.valid_to {
            Some(d) => Some(to_date(d).ok_or_else(|| err(at("valid_to"), "expected a date like 2025-06-30".into()))?),
            None => None,
        };
        if valid_to.is_some_and(|end| end < valid_from) {
            return Err(err(at("valid_to"), "is before valid_from".into()));
        }
        let parent = match &a.parent {
            Some(p) => Some(AgencyCode::parse(p).map_err(|e| err(at("parent"), format!("`{p}` {e}")))?),
            None => None,
        };
        if parent.as_ref() == Some(&code) {
            return Err(err(at("parent"), "an agency cannot be its own parent".into()));
        }
        if !a.successors.is_empty() && valid_to.is_none() {
            return Err(err(at("successors"), "only an agency that ended (valid_to) can have successors".into()));
        }
        let mut successors = Vec::new();
        for (j, s) in a.successors.iter().enumerate() {
            let s =
                AgencyCode::parse(s).map_err(|e| err(format!("agency[{i}].successors[{j}]"), format!("`{s}` {e}")))?;
            if s == code {
                return Err(err(format!("agency[{i}].successors[{j}]"), "an agency cannot succeed itself".into()));
            }
            successors.push(s);
        }
        list.push(Agency {
            code,
            parent,
            kind,
            name_vi: a.name_vi,
            name_en: a.name_en,
            valid_from,
            valid_to,
            successors,
        });
    }
    check_references(&list, known).map_err(|(i, key, message)| err(format!("agency[{i}].{key}"), message))?;
    order_parents_first(list).map_err(|(i, message)| err(format!("agency[{i}].parent"), message))
}

type Located = (usize, String, String);

fn check_references(list: &[Agency], known: &HashSet<String>) -> Result<(), Located> {
    let by_code: BTreeMap<&str, &Agency> = list.iter().map(|a| (a.code.as_str(), a)).collect();
    let exists = |c: &str| by_code.contains_key(c) || known.contains(c);
    for (i, a) in list.iter().enumerate() {
        if let Some(p) = &a.parent {
            if !exists(p.as_str()) {
                return Err((i, "parent".into(), format!("unknown agency `{p}`")));
            }
            if let Some(parent) = by_code.get(p.as_str()) {
                let starts_in = parent.is_valid_on(a.valid_from);
                let ends_in = match (a.valid_to, parent.valid_to) {
                    (_, None) => true,
                    (Some(end), Some(pend)) => end <= pend,
                    (None, Some(_)) => false,
                };
                if !starts_in || !ends_in {
                    return Err((
                        i,
                        "parent".into(),
                        format!("parent `{p}` does not exist for the whole life of `{}`", a.code),
                    ));
                }
            }
        }
        for (j, s) in a.successors.iter().enumerate() {
            if !exists(s.as_str()) {
                return Err((i, format!("successors[{j}]"), format!("unknown agency `{s}`")));
            }
        }
    }
    Ok(())
}

/// Orders agencies so that each parent in the file comes before its children, and
/// refuses cycles.
fn order_parents_first(list: Vec<Agency>) -> Result<Vec<Agency>, (usize, String)> {
    let index: BTreeMap<String, usize> = list.iter().enumerate().map(|(i, a)| (a.code.to_string(), i)).collect();
    let mut depth = vec![None::<usize>; list.len()];
    for start in 0..list.len() {
        let mut path = Vec::new();
        let mut cur = start;
        let base = loop {
            if let Some(d) = depth[cur] {
                break d + 1;
            }
            if path.contains(&cur) {
                return Err((start, format!("the parent chain of `{}` loops back on itself", list[start].code)));
            }
            path.push(cur);
            match list[cur].parent.as_ref().and_then(|p| index.get(p.as_str())) {
                Some(&p) => cur = p,
                None => break 0,
            }
        };
        for (k, &node) in path.iter().rev().enumerate() {
            depth[node] = Some(base + k);
        }
    }
    let mut order: Vec<usize> = (0..list.len()).collect();
    order.sort_by_key(|&i| (depth[i], i));
    let mut slots: Vec<Option<Agency>> = list.into_iter().map(Some).collect();
    Ok(order.into_iter().filter_map(|i| slots[i].take()).collect())
}

fn to_date(d: &toml::value::Datetime) -> Option<NaiveDate> {
    if d.time.is_some() || d.offset.is_some() {
        return None;
    }
    let date = d.date?;
    NaiveDate::from_ymd_opt(date.year.into(), date.month.into(), date.day.into())
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "format = \"sipas-agencies/1\"\n";

    fn agency(code: &str, extra: &str) -> String {
        format!(
            "[[agency]]\ncode = \"{code}\"\nkind = \"department\"\nname_vi = \"Sở {code}\"\nname_en = \"Dept {code}\"\nvalid_from = 2020-01-01\n{extra}\n"
        )
    }

    fn parse(body: &str) -> Result<Vec<Agency>, String> {
        parse_agencies("a.toml", &format!("{HEAD}{body}"), &HashSet::new()).map_err(|e| e.to_string())
    }

    #[test]
    fn parents_come_first_and_successors_resolve() {
        let body = [
            agency("C", "parent = \"B\""),
            agency("B", "parent = \"A\""),
            agency("A", ""),
            agency("OLD", "parent = \"A\"\nvalid_to = 2025-02-28\nsuccessors = [\"B\"]"),
        ]
        .concat();
        let list = parse(&body).unwrap();
        let codes: Vec<_> = list.iter().map(|a| a.code.as_str()).collect();
        assert_eq!(codes, ["A", "B", "OLD", "C"]);
        let old = list.iter().find(|a| a.code.as_str() == "OLD").unwrap();
        assert_eq!(old.valid_to, NaiveDate::from_ymd_opt(2025, 2, 28));
        assert_eq!(old.successors[0].as_str(), "B");
    }

    #[test]
    fn mistakes_name_file_and_key() {
        let cases = [
            (agency("A", "colour = \"red\""), "a.toml: line"),
            (agency("A", "parent = \"Z\""), "a.toml: agency[0].parent: unknown agency `Z`"),
            ([agency("A", ""), agency("A", "")].concat(), "a.toml: agency[1].code: duplicate code `A`"),
            (agency("A", "valid_to = 2019-01-01"), "a.toml: agency[0].valid_to: is before valid_from"),
            (agency("A", "successors = [\"B\"]"), "a.toml: agency[0].successors: only an agency that ended"),
            (
                agency("A", "valid_to = 2021-01-01\nsuccessors = [\"Q\"]"),
                "a.toml: agency[0].successors[0]: unknown agency `Q`",
            ),
            ([agency("A", "parent = \"B\""), agency("B", "parent = \"A\"")].concat(), "loops back on itself"),
            (agency("A", "").replace("department", "ministry"), "a.toml: agency[0].kind: unknown kind `ministry`"),
            (agency("A B", ""), "a.toml: agency[0].code: `A B` contains a character"),
        ];
        for (body, expected) in cases {
            let err = parse(&body).unwrap_err();
            assert!(err.contains(expected), "expected `{expected}` in `{err}`");
        }
        let err = parse_agencies("a.toml", "format = \"x\"\n", &HashSet::new()).unwrap_err().to_string();
        assert_eq!(err, "a.toml: format: expected \"sipas-agencies/1\", found \"x\"");
    }

    #[test]
    fn known_codes_satisfy_references() {
        let known: HashSet<String> = ["ROOT".to_owned()].into();
        let text = format!("{HEAD}{}", agency("A", "parent = \"ROOT\""));
        assert_eq!(parse_agencies("a.toml", &text, &known).unwrap().len(), 1);
    }

    #[test]
    fn child_outliving_parent_is_refused() {
        let body = [agency("P", "valid_to = 2025-06-30"), agency("C", "parent = \"P\"")].concat();
        assert!(parse(&body).unwrap_err().contains("does not exist for the whole life"));
    }
}
