//! Survey versions seen by the service, and the freeze rule: a version that invitations
//! use may never change content.

use diesel::prelude::*;

use super::StoreError;
use crate::db::schema::{invitations, survey_versions};
use crate::db::DbConn;

/// A loaded definition as the store sees it.
#[derive(Debug, Clone)]
pub struct VersionInfo {
    pub survey_id: String,
    pub version: i32,
    pub content_hash: String,
    /// Where the definition came from, for messages.
    pub source: String,
}

/// Registers new versions, updates unused ones, and refuses when a used version changed
/// or disappeared. Runs in one transaction: on refusal nothing is written.
pub fn sync(conn: &mut DbConn, loaded: &[VersionInfo]) -> Result<usize, StoreError> {
    conn.transaction(|conn| {
        let stored: Vec<(String, i32, String)> = survey_versions::table
            .select((survey_versions::survey_id, survey_versions::version, survey_versions::content_hash))
            .load(conn)?;
        let mut problems = Vec::new();
        let mut registered = 0;
        for v in loaded {
            match stored.iter().find(|(id, ver, _)| *id == v.survey_id && *ver == v.version) {
                None => {
                    diesel::insert_into(survey_versions::table)
                        .values((
                            survey_versions::survey_id.eq(&v.survey_id),
                            survey_versions::version.eq(v.version),
                            survey_versions::content_hash.eq(&v.content_hash),
                            survey_versions::registered_at.eq(super::now()),
                        ))
                        .execute(conn)?;
                    registered += 1;
                }
                Some((_, _, hash)) if *hash == v.content_hash => {}
                Some(_) => {
                    let used = uses(conn, &v.survey_id, v.version)?;
                    if used > 0 {
                        problems.push(format!(
                            "{}: survey `{}` version {} is frozen ({used} invitations use it) but its content \
                             changed; restore the published text and put the change in a new file with \
                             `version = {}`",
                            v.source,
                            v.survey_id,
                            v.version,
                            v.version + 1
                        ));
                    } else {
                        diesel::update(survey_versions::table.find((&v.survey_id, v.version)))
                            .set(survey_versions::content_hash.eq(&v.content_hash))
                            .execute(conn)?;
                    }
                }
            }
        }
        for (id, version, _) in &stored {
            if !loaded.iter().any(|v| v.survey_id == *id && v.version == *version) {
                let used = uses(conn, id, *version)?;
                if used > 0 {
                    problems.push(format!(
                        "survey `{id}` version {version} is used by {used} invitations but no definition \
                         file has it any more; restore its file"
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(registered)
        } else {
            Err(StoreError::Rejected(problems.join("\n")))
        }
    })
}

fn uses(conn: &mut DbConn, survey_id: &str, version: i32) -> Result<i64, StoreError> {
    Ok(invitations::table
        .filter(invitations::survey_id.eq(survey_id).and(invitations::survey_version.eq(version)))
        .count()
        .get_result(conn)?)
}
