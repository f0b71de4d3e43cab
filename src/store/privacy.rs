//! The one-time conversion of data stored before submits stopped touching invitations: the
//! answered flags become used tags, plain dossier codes become keyed hashes. Both need the
//! secret, so the service does it at start-up (after the migrations), in batches, idempotently.

use diesel::prelude::*;

use super::{on_backend, StoreError};
use crate::db::schema::{invitations, legacy_answered, used_tokens};
use crate::db::DbConn;
use crate::domain::token::{dossier_hash, DOSSIER_HASH_LEN, DOSSIER_HASH_PREFIX};
use crate::domain::InvitationToken;

const BATCH: i64 = 1_000;

diesel::define_sql_function!(fn length(x: diesel::sql_types::Text) -> diesel::sql_types::Integer);

/// What [`convert_legacy`] changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Converted {
    pub answered: usize,
    pub dossiers: usize,
}

/// Turns every row of `legacy_answered` into its link's used tag, and every plain dossier
/// code into its keyed hash. Safe to run again and from several instances at once.
pub fn convert_legacy(conn: &mut DbConn, secret: &[u8]) -> Result<Converted, StoreError> {
    let answered = in_batches(conn, |conn| {
        let ids: Vec<String> = legacy_answered::table
            .select(legacy_answered::invitation_id)
            .order(legacy_answered::invitation_id)
            .limit(BATCH)
            .load(conn)?;
        let tags: Vec<_> =
            ids.iter().map(|id| used_tokens::tag.eq(InvitationToken::derive(secret, id).used_tag(secret))).collect();
        if !tags.is_empty() {
            on_backend!(conn, |c| diesel::insert_into(used_tokens::table)
                .values(&tags)
                .on_conflict_do_nothing()
                .execute(c))?;
            diesel::delete(legacy_answered::table.filter(legacy_answered::invitation_id.eq_any(&ids))).execute(conn)?;
        }
        Ok(ids.len())
    })?;
    let dossiers = in_batches(conn, |conn| {
        // A plain code is at most 64 characters; a hash is exactly 67 with its prefix.
        let plain: Vec<(String, String)> = invitations::table
            .filter(
                length(invitations::dossier_hash)
                    .ne(DOSSIER_HASH_LEN as i32)
                    .or(diesel::dsl::not(invitations::dossier_hash.like(format!("{DOSSIER_HASH_PREFIX}%")))),
            )
            .select((invitations::id, invitations::dossier_hash))
            .limit(BATCH)
            .load(conn)?;
        for (id, code) in &plain {
            diesel::update(invitations::table.find(id))
                .set(invitations::dossier_hash.eq(dossier_hash(secret, code)))
                .execute(conn)?;
        }
        Ok(plain.len())
    })?;
    Ok(Converted { answered, dossiers })
}

/// Runs `batch` in a transaction each time until it handles fewer than [`BATCH`] rows; the
/// rows handled in all.
fn in_batches(
    conn: &mut DbConn,
    mut batch: impl FnMut(&mut DbConn) -> Result<usize, StoreError>,
) -> Result<usize, StoreError> {
    let mut done = 0;
    loop {
        let n = conn.transaction(|conn| batch(conn))?;
        done += n;
        if n < BATCH as usize {
            return Ok(done);
        }
    }
}

/// How many responses could be narrowed to fewer than `k` invitations by someone who holds
/// the database: those whose scope (survey, agency, field, procedure, channel) and date match
/// fewer than `k` invitations handled that day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SmallCells {
    pub responses: u64,
    pub below_k: u64,
}

impl SmallCells {
    /// `below_k` as a share of all responses, 0 when there are none.
    pub fn share(&self) -> f64 {
        if self.responses == 0 {
            0.0
        } else {
            self.below_k as f64 / self.responses as f64
        }
    }
}

/// Counts [`SmallCells`] for `k` over the whole database (two grouped scans).
pub fn small_cells(conn: &mut DbConn, k: u64) -> Result<SmallCells, StoreError> {
    use std::collections::HashMap;

    use crate::db::schema::responses;
    type Key = (String, String, String, Option<String>, String, chrono::NaiveDate);
    let invited: Vec<(Key, i64)> = invitations::table
        .group_by((
            invitations::survey_id,
            invitations::agency_code,
            invitations::field,
            invitations::procedure_code,
            invitations::channel,
            invitations::handled_on,
        ))
        .select((
            (
                invitations::survey_id,
                invitations::agency_code,
                invitations::field,
                invitations::procedure_code,
                invitations::channel,
                invitations::handled_on,
            ),
            diesel::dsl::count_star(),
        ))
        .load(conn)?;
    let invited: HashMap<Key, i64> = invited.into_iter().collect();
    let answered: Vec<(Key, i64)> = responses::table
        .group_by((
            responses::survey_id,
            responses::agency_code,
            responses::field,
            responses::procedure_code,
            responses::channel,
            responses::submitted_on,
        ))
        .select((
            (
                responses::survey_id,
                responses::agency_code,
                responses::field,
                responses::procedure_code,
                responses::channel,
                responses::submitted_on,
            ),
            diesel::dsl::count_star(),
        ))
        .load(conn)?;
    let mut out = SmallCells::default();
    for (key, n) in answered {
        let n = n.max(0) as u64;
        out.responses += n;
        if (invited.get(&key).copied().unwrap_or(0).max(0) as u64) < k {
            out.below_k += n;
        }
    }
    Ok(out)
}
