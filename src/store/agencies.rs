//! Agencies: import (upsert) from a reference file, lookups, and subtree checks.

use diesel::prelude::*;

use super::{on_backend, StoreError};
use crate::db::schema::{agencies, agency_successors};
use crate::db::DbConn;
use crate::domain::{Agency, AgencyCode, AgencyKind};

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug, Clone)]
#[diesel(table_name = agencies, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[diesel(treat_none_as_null = true)]
struct AgencyRow {
    code: String,
    parent_code: Option<String>,
    kind: String,
    name_vi: String,
    name_en: String,
    valid_from: chrono::NaiveDate,
    valid_to: Option<chrono::NaiveDate>,
}

/// What an import changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub inserted: usize,
    pub updated: usize,
}

/// Inserts or updates every agency in one transaction. `agencies` must come parents
/// first (the reference-file parser orders them so); successors are replaced.
pub fn import(conn: &mut DbConn, list: &[Agency]) -> Result<ImportSummary, StoreError> {
    conn.transaction(|conn| {
        let mut summary = ImportSummary::default();
        for a in list {
            let row = AgencyRow {
                code: a.code.to_string(),
                parent_code: a.parent.as_ref().map(ToString::to_string),
                kind: a.kind.code().to_owned(),
                name_vi: a.name_vi.clone(),
                name_en: a.name_en.clone(),
                valid_from: a.valid_from,
                valid_to: a.valid_to,
            };
            let updated = diesel::update(agencies::table.find(&row.code)).set(&row).execute(conn)?;
            if updated == 0 {
                diesel::insert_into(agencies::table).values(&row).execute(conn)?;
                summary.inserted += 1;
            } else {
                summary.updated += 1;
            }
        }
        for a in list {
            diesel::delete(agency_successors::table.filter(agency_successors::agency_code.eq(a.code.as_str())))
                .execute(conn)?;
            let rows: Vec<_> = a
                .successors
                .iter()
                .map(|s| {
                    (
                        agency_successors::agency_code.eq(a.code.as_str()),
                        agency_successors::successor_code.eq(s.as_str()),
                    )
                })
                .collect();
            if !rows.is_empty() {
                on_backend!(conn, |c| diesel::insert_into(agency_successors::table).values(&rows).execute(c))?;
            }
        }
        Ok(summary)
    })
}

/// Codes of every stored agency (the importer checks references against them).
pub fn all_codes(conn: &mut DbConn) -> Result<Vec<String>, StoreError> {
    Ok(agencies::table.select(agencies::code).order(agencies::code).load(conn)?)
}

/// How many agencies are stored.
pub fn count(conn: &mut DbConn) -> Result<i64, StoreError> {
    Ok(agencies::table.count().get_result(conn)?)
}

/// One agency with its successors, or `None`.
pub fn find(conn: &mut DbConn, code: &str) -> Result<Option<Agency>, StoreError> {
    let Some(row) = agencies::table.find(code).select(AgencyRow::as_select()).first(conn).optional()? else {
        return Ok(None);
    };
    let successors: Vec<String> = agency_successors::table
        .filter(agency_successors::agency_code.eq(code))
        .select(agency_successors::successor_code)
        .order(agency_successors::successor_code)
        .load(conn)?;
    Ok(Some(to_domain(row, successors)?))
}

fn to_domain(row: AgencyRow, successors: Vec<String>) -> Result<Agency, StoreError> {
    let bad = |what: &str| StoreError::Rejected(format!("stored agency `{}` has an invalid {what}", row.code));
    Ok(Agency {
        code: AgencyCode::parse(&row.code).map_err(|_| bad("code"))?,
        parent: row.parent_code.as_deref().map(AgencyCode::parse).transpose().map_err(|_| bad("parent"))?,
        kind: AgencyKind::parse(&row.kind).ok_or_else(|| bad("kind"))?,
        successors: successors
            .iter()
            .map(|s| AgencyCode::parse(s))
            .collect::<Result<_, _>>()
            .map_err(|_| bad("successor"))?,
        name_vi: row.name_vi,
        name_en: row.name_en,
        valid_from: row.valid_from,
        valid_to: row.valid_to,
    })
}

/// Every stored agency with its successors, by code.
pub fn all(conn: &mut DbConn) -> Result<Vec<Agency>, StoreError> {
    let rows: Vec<AgencyRow> = agencies::table.select(AgencyRow::as_select()).order(agencies::code).load(conn)?;
    let links: Vec<(String, String)> = agency_successors::table
        .select((agency_successors::agency_code, agency_successors::successor_code))
        .order((agency_successors::agency_code, agency_successors::successor_code))
        .load(conn)?;
    let mut successors: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
    for (agency, successor) in links {
        successors.entry(agency).or_default().push(successor);
    }
    rows.into_iter()
        .map(|row| {
            let s = successors.remove(&row.code).unwrap_or_default();
            to_domain(row, s)
        })
        .collect()
}

/// Whether `code` is `root` or lies below it in the tree.
pub fn is_within(conn: &mut DbConn, code: &str, root: &str) -> Result<bool, StoreError> {
    let mut current = Some(code.to_owned());
    // The tree is shallow (city → department/ward → unit); the bound guards against a cycle.
    for _ in 0..32 {
        match current {
            Some(c) if c == root => return Ok(true),
            Some(c) => {
                current = agencies::table.find(&c).select(agencies::parent_code).first(conn).optional()?.flatten();
            }
            None => return Ok(false),
        }
    }
    Ok(false)
}

/// The code of the first current agency of `kind`, by code (the demo uses it).
pub fn first_of_kind(conn: &mut DbConn, kind: &str) -> Result<Option<String>, StoreError> {
    Ok(agencies::table
        .filter(agencies::kind.eq(kind).and(agencies::valid_to.is_null()))
        .select(agencies::code)
        .order(agencies::code)
        .first(conn)
        .optional()?)
}
