//! The responses an export reads, a batch at a time in date order, each with its answers
//! folded into one text column so a batch is one query and one row per response.

use chrono::NaiveDate;
use diesel::sql_types::{BigInt, Date, Nullable, Text};
use diesel::QueryableByName;

use super::sql::{code_list, load_sql, Bind, Sql};
use super::StoreError;
use crate::db::DbConn;

/// Which responses an export covers.
#[derive(Debug, Clone)]
pub struct ResponseFilter {
    pub survey_id: String,
    pub survey_version: i32,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// `None` for every agency.
    pub agencies: Option<Vec<String>>,
    pub field: Option<String>,
    pub channel: Option<String>,
    pub procedure: Option<String>,
}

/// A stored response with its answers.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct ResponseRow {
    #[diesel(sql_type = Text)]
    pub id: String,
    #[diesel(sql_type = Date)]
    pub submitted_on: NaiveDate,
    #[diesel(sql_type = Text)]
    pub agency_code: String,
    #[diesel(sql_type = Text)]
    pub field: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub procedure_code: Option<String>,
    #[diesel(sql_type = Text)]
    pub channel: String,
    #[diesel(sql_type = Text)]
    pub locale: String,
    /// As stored: not masked yet.
    #[diesel(sql_type = Nullable<Text>)]
    pub comment: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub respondent: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub gender: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub age_group: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub education: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub occupation: Option<String>,
    /// `item=value` pairs joined by `,`; an empty value is "not applicable". Item ids are
    /// letters, digits, `.`, `_` and `-` (checked when definitions load), so the separators
    /// cannot occur inside them.
    #[diesel(sql_type = Nullable<Text>)]
    pub answers: Option<String>,
}

impl ResponseRow {
    /// The answers as (item id, value); `None` is "not applicable".
    pub fn answers(&self) -> impl Iterator<Item = (&str, Option<i32>)> {
        self.answers.as_deref().unwrap_or("").split(',').filter(|p| !p.is_empty()).filter_map(|pair| {
            let (item, value) = pair.split_once('=')?;
            Some((item, value.parse().ok()))
        })
    }
}

fn filters(sql: &mut Sql, f: &ResponseFilter) -> Result<(), StoreError> {
    sql.push(" WHERE r.survey_id = ").bind(Bind::Text(f.survey_id.clone()));
    sql.push(" AND r.survey_version = ").bind(Bind::Int(f.survey_version));
    if let Some(codes) = &f.agencies {
        if codes.is_empty() {
            sql.push(" AND 1 = 0");
        } else {
            sql.push(&format!(" AND r.agency_code IN {}", code_list(codes)?));
        }
    }
    for (column, value) in [("field", &f.field), ("channel", &f.channel), ("procedure_code", &f.procedure)] {
        if let Some(v) = value {
            sql.push(&format!(" AND r.{column} = ")).bind(Bind::Text(v.clone()));
        }
    }
    Ok(())
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// How many responses the filter covers, and the last day with one: the data cut-off an
/// analyst needs when a period runs past today or its data stop early (one scan for both).
pub fn summary(conn: &mut DbConn, f: &ResponseFilter) -> Result<(i64, Option<NaiveDate>), StoreError> {
    #[derive(QueryableByName)]
    struct Summary {
        #[diesel(sql_type = BigInt)]
        n: i64,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Date>)]
        last: Option<NaiveDate>,
    }
    let mut sql = Sql::new(conn);
    sql.push("SELECT COUNT(*) AS n, MAX(r.submitted_on) AS last FROM responses r");
    filters(&mut sql, f)?;
    sql.push(" AND r.submitted_on BETWEEN ").bind(Bind::Date(f.from)).push(" AND ").bind(Bind::Date(f.to));
    Ok(load_sql!(conn, &sql, Summary)?.first().map_or((0, None), |s| (s.n, s.last)))
}

/// The rows a long file of the filter holds at most: its stored answers plus one comment row
/// per response.
pub fn long_rows(conn: &mut DbConn, f: &ResponseFilter) -> Result<i64, StoreError> {
    let mut sql = Sql::new(conn);
    sql.push("SELECT COUNT(*) AS n FROM answers a JOIN responses r ON r.id = a.response_id");
    filters(&mut sql, f)?;
    sql.push(" AND r.submitted_on BETWEEN ").bind(Bind::Date(f.from)).push(" AND ").bind(Bind::Date(f.to));
    let answers = load_sql!(conn, &sql, Count)?.first().map_or(0, |c| c.n);
    Ok(answers + summary(conn, f)?.0)
}

/// The survey versions that responses in the period may have, lowest first: the registered
/// one when there is only one, else those found in the period.
pub fn versions(conn: &mut DbConn, survey_id: &str, from: NaiveDate, to: NaiveDate) -> Result<Vec<i32>, StoreError> {
    #[derive(QueryableByName)]
    struct Version {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        v: i32,
    }
    use crate::db::schema::survey_versions;
    use diesel::prelude::*;
    // Responses reference a registered version: with one registered, no scan is needed.
    let registered: Vec<i32> = survey_versions::table
        .filter(survey_versions::survey_id.eq(survey_id))
        .select(survey_versions::version)
        .load(conn)?;
    if registered.len() <= 1 {
        return Ok(registered);
    }
    let mut sql = Sql::new(conn);
    sql.push("SELECT DISTINCT survey_version AS v FROM responses WHERE survey_id = ")
        .bind(Bind::Text(survey_id.into()));
    sql.push(" AND submitted_on BETWEEN ").bind(Bind::Date(from)).push(" AND ").bind(Bind::Date(to));
    sql.push(" ORDER BY v");
    Ok(load_sql!(conn, &sql, Version)?.into_iter().map(|r| r.v).collect())
}

/// Up to `limit` responses of `day`, after the response id `after`, by id. Reading a day at a
/// time keeps each query a range of the `responses_survey_day` index.
pub fn batch(
    conn: &mut DbConn,
    f: &ResponseFilter,
    day: NaiveDate,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<ResponseRow>, StoreError> {
    let mut sql = Sql::new(conn);
    let answers = if sql.postgres {
        "string_agg(a.item_id || '=' || COALESCE(a.value::text, ''), ',')"
    } else {
        "group_concat(a.item_id || '=' || COALESCE(a.value, ''), ',')"
    };
    sql.push(
        "SELECT r.id, r.submitted_on, r.agency_code, r.field, r.procedure_code, r.channel, r.locale, r.comment, \
         r.respondent, r.gender, r.age_group, r.education, r.occupation, ",
    );
    sql.push(&format!("(SELECT {answers} FROM answers a WHERE a.response_id = r.id) AS answers FROM responses r"));
    filters(&mut sql, f)?;
    sql.push(" AND r.submitted_on = ").bind(Bind::Date(day));
    if let Some(after) = after {
        sql.push(" AND r.id > ").bind(Bind::Text(after.to_owned()));
    }
    sql.push(&format!(" ORDER BY r.id LIMIT {}", limit.max(1)));
    Ok(load_sql!(conn, &sql, ResponseRow)?)
}
