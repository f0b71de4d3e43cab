//! Synthetic data for demos and benchmarks: a seeded, deterministic year of invitations and
//! responses for the agencies already in the database, written in bulk, then the aggregate
//! counters rebuilt from them.
//!
//! What makes it worth a dashboard: each agency has its own quality (from about 67 % to about
//! 94 % satisfied, so some miss the city's 85 % target) and a gentle trend; online users rate
//! the online service lower than people rate courtesy; deadlines and fees do worse than
//! attitude; many say "not applicable" to the feedback items; two departments and the city
//! committee hear from almost nobody (small n); weekdays are busy, Sundays, holidays and Tết
//! quiet; response rates run from 20 to 70 %; about half give a profile and one in ten a
//! comment, some with a phone, CCCD or e-mail to be masked.
//!
//! The same seed and spec always give the same rows (ids included). Ids are UUID-shaped but
//! sequential within a run, so that the inserts append to the indexes instead of scattering
//! over them; responses are shuffled within each chunk before they get theirs. That is fine
//! for made-up data only: real ids stay random (`store::new_id`).
//!
//! The generator holds no SQL: rows go through [`crate::store::bulk`], counters through
//! [`crate::store::aggregates::rebuild`].

pub mod comments;
pub mod plan;
pub mod respondent;
pub mod rng;

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{NaiveDate, NaiveTime};

use crate::db::{Db, DbConn, DbError};
use crate::domain::{Channel, Field, Locale};
use crate::store::bulk::{self, BulkInvitation, BulkResponse};
use crate::store::invitations::{DossierScope, NewInvitation};
use crate::store::responses::NewResponse;
use crate::store::{self, StoreError};
use crate::surveys::{Registry, SurveyDefinition};
use plan::{AgencyPlan, Cell};
use rng::{stream_seed, Rng};

/// Responses per transaction.
pub const CHUNK_RESPONSES: usize = 1_000;
/// Invitations live as long as the server's default (`invitation_ttl_days`).
const INVITATION_TTL_DAYS: u32 = 30;
/// Share of respondents who answer in English.
const ENGLISH_SHARE: f64 = 0.04;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// Exactly this many responses.
    pub responses: u64,
    /// The last day handled (default: today in Hanoi).
    pub end: NaiveDate,
    /// How many days, ending with `end` (default 365).
    pub days: u32,
    pub seed: u64,
}

impl Spec {
    /// The default demo: 30,000 responses over the year to today, seed 1.
    pub const DEFAULT_RESPONSES: u64 = 30_000;
    pub const DEFAULT_DAYS: u32 = 365;
    pub const DEFAULT_SEED: u64 = 1;

    /// `responses` over the [`Spec::DEFAULT_DAYS`] days to today in Hanoi.
    pub fn new(responses: u64, seed: u64) -> Spec {
        Spec { responses, end: crate::clock::today(), days: Spec::DEFAULT_DAYS, seed }
    }

    /// The first day of the window.
    pub fn first_day(&self) -> NaiveDate {
        self.end - chrono::Days::new(u64::from(self.days.saturating_sub(1)))
    }

    fn check(&self) -> Result<(), SyntheticError> {
        if self.days == 0 || self.days > 3_660 {
            return Err(SyntheticError::Spec(format!("--days must be between 1 and 3660, not {}", self.days)));
        }
        if self.responses == 0 || self.responses > 100_000_000 {
            return Err(SyntheticError::Spec(format!(
                "--responses must be between 1 and 100000000, not {}",
                self.responses
            )));
        }
        Ok(())
    }
}

impl Default for Spec {
    fn default() -> Spec {
        Spec::new(Spec::DEFAULT_RESPONSES, Spec::DEFAULT_SEED)
    }
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub responses: u64,
    pub invitations: u64,
    pub answers: u64,
    pub comments: u64,
    /// Agencies with at least one response.
    pub agencies: usize,
    pub first_day: Option<NaiveDate>,
    pub last_day: Option<NaiveDate>,
    /// Rows written by the rebuild: (answer counters, every other counter and total).
    pub counters: (usize, usize),
}

/// Errors of the generator.
#[derive(Debug, thiserror::Error)]
pub enum SyntheticError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Spec(String),
    #[error("no agency in the database existed between {first} and {last}; import agencies first (sipas import-agencies FILE)")]
    NoAgencies { first: NaiveDate, last: NaiveDate },
    #[error("survey `{0}` is not loaded (see survey-definitions/)")]
    MissingSurvey(String),
    /// A generated response did not pass the definition's own validation: a generator bug.
    #[error("generated answers do not fit {survey} v{version} ({errors}); this is a bug in the generator")]
    InvalidAnswers { survey: String, version: u32, errors: String },
}

/// Generates `spec.responses` responses (and their invitations) for the agencies in the
/// database, then rebuilds the aggregate counters. Streams in transactions of
/// [`CHUNK_RESPONSES`] responses; memory stays flat however many responses are asked for.
/// `secret` derives the invitations' token hashes, as the server does.
pub fn generate(db: &Db, surveys: &Registry, secret: &[u8], spec: &Spec) -> Result<Summary, SyntheticError> {
    let mut conn = db.get()?;
    generate_on(&mut conn, surveys, secret, spec)
}

/// [`generate`] on a connection.
pub fn generate_on(
    conn: &mut DbConn,
    surveys: &Registry,
    secret: &[u8],
    spec: &Spec,
) -> Result<Summary, SyntheticError> {
    spec.check()?;
    // About 256 bytes of SQLite page cache per response: 7.5 MiB for the demo's 30,000 (a
    // server started with --demo should not keep more), the maximum from a million.
    bulk::begin(conn, i64::try_from(spec.responses / 4).unwrap_or(i64::MAX))?;
    let result = write_all(conn, surveys, secret, spec);
    let ended = bulk::end(conn);
    let summary = result?;
    ended?;
    Ok(summary)
}

fn write_all(conn: &mut DbConn, surveys: &Registry, secret: &[u8], spec: &Spec) -> Result<Summary, SyntheticError> {
    let started = std::time::Instant::now();
    let first = spec.first_day();
    let agencies = store::agencies::all(conn)?;
    let mut plan_rng = Rng::new(stream_seed(spec.seed, 0));
    let plans = plan::plan_agencies(&agencies, first, spec.end, &mut plan_rng);
    if plans.is_empty() {
        return Err(SyntheticError::NoAgencies { first, last: spec.end });
    }
    let defs = definitions(surveys, &plans)?;
    let cells = plan::allocate(&plans, first, spec.days, spec.responses, &mut plan_rng);

    let mut writer = Writer::new(spec, secret);
    let mut next_report = spec.responses / 10;
    let mut current_day = None;
    let mut day_rng = Rng::new(0);
    for cell in &cells {
        if current_day != Some(cell.day) {
            current_day = Some(cell.day);
            day_rng = Rng::new(stream_seed(spec.seed, 1 + u64::from(cell.day)));
        }
        let plan = &plans[cell.agency];
        let def = &defs[cell.agency];
        writer.cell(&mut day_rng, spec, plan, def, cell)?;
        if writer.pending_responses() >= CHUNK_RESPONSES || writer.pending_invitations() >= 4 * CHUNK_RESPONSES {
            writer.flush(conn, &mut day_rng)?;
            if spec.responses >= 100_000 && writer.summary.responses >= next_report {
                tracing::info!(
                    responses = writer.summary.responses,
                    total = spec.responses,
                    "synthetic data: progress"
                );
                next_report += spec.responses / 10;
            }
        }
    }
    writer.flush(conn, &mut day_rng)?;
    let mut summary = writer.summary;
    summary.agencies = writer.agencies_with_data.len();
    tracing::info!(
        responses = summary.responses,
        invitations = summary.invitations,
        answers = summary.answers,
        seconds = started.elapsed().as_secs_f64(),
        "synthetic data: rows written"
    );
    let rebuilding = std::time::Instant::now();
    summary.counters = store::aggregates::rebuild(conn)?;
    tracing::info!(seconds = rebuilding.elapsed().as_secs_f64(), "synthetic data: aggregate counters rebuilt");
    Ok(summary)
}

/// The survey definition each planned agency uses (the latest version; the dossier survey
/// when a specialised one is not loaded).
fn definitions(surveys: &Registry, plans: &[AgencyPlan]) -> Result<Vec<Arc<SurveyDefinition>>, SyntheticError> {
    plans
        .iter()
        .map(|p| {
            surveys
                .latest(p.survey)
                .or_else(|| surveys.latest(plan::DOSSIER_SURVEY))
                .cloned()
                .ok_or_else(|| SyntheticError::MissingSurvey(plan::DOSSIER_SURVEY.to_owned()))
        })
        .collect()
}

/// Invented procedure codes in the style of the national catalogue, a few per field.
fn procedures(field: Field) -> &'static [&'static str] {
    match field {
        Field::CivilStatus => &["1.001193.000.00.00.H26", "1.000894.000.00.00.H26", "1.004746.000.00.00.H26"],
        Field::Land => &["1.004227.000.00.00.H26", "2.000889.000.00.00.H26", "1.003010.000.00.00.H26"],
        Field::Construction => &["1.009972.000.00.00.H26", "1.009974.000.00.00.H26"],
        Field::BusinessRegistration => &["2.000575.000.00.00.H26", "1.001612.000.00.00.H26"],
        Field::Investment => &["1.009645.000.00.00.H26", "1.009750.000.00.00.H26"],
        Field::LabourSocial => &["1.001776.000.00.00.H26", "2.000286.000.00.00.H26"],
        Field::Justice => &["2.000488.000.00.00.H26", "2.000635.000.00.00.H26"],
        Field::Transport => &["1.002804.000.00.00.H26"],
        Field::Environment => &["1.010727.000.00.00.H26"],
        Field::Education | Field::Health | Field::Other => &[],
    }
}

/// A UUID-shaped id (version 4 and variant bits set) whose order is `n`'s order within a run:
/// `prefix` (from the seed) first, then 42 bits of `n`, then 48 random bits.
pub fn sequential_id(prefix: u32, n: u64, rng: &mut Rng) -> String {
    format!(
        "{prefix:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        (n >> 26) & 0xffff,
        (n >> 14) & 0xfff,
        0x8000 | (n & 0x3fff),
        rng.next_u64() & 0xffff_ffff_ffff
    )
}

/// A response waiting for its chunk, before it gets an id.
struct Pending {
    scope: DossierScope,
    survey: (String, i32),
    response: NewResponse,
}

/// Builds rows cell by cell and writes them a chunk at a time.
struct Writer<'a> {
    secret: &'a [u8],
    prefix: u32,
    next_invitation: u64,
    next_response: u64,
    end: NaiveDate,
    first: NaiveDate,
    days: u32,
    invitations: Vec<BulkInvitation>,
    responses: Vec<Pending>,
    summary: Summary,
    agencies_with_data: BTreeSet<usize>,
}

impl<'a> Writer<'a> {
    fn new(spec: &Spec, secret: &'a [u8]) -> Writer<'a> {
        Writer {
            secret,
            prefix: (stream_seed(spec.seed, u64::MAX) >> 32) as u32,
            next_invitation: 0,
            next_response: 0,
            end: spec.end,
            first: spec.first_day(),
            days: spec.days,
            invitations: Vec::with_capacity(4 * CHUNK_RESPONSES),
            responses: Vec::with_capacity(CHUNK_RESPONSES),
            summary: Summary::default(),
            agencies_with_data: BTreeSet::new(),
        }
    }

    fn pending_responses(&self) -> usize {
        self.responses.len()
    }

    fn pending_invitations(&self) -> usize {
        self.invitations.len()
    }

    /// Draws the scope of one dossier of `plan` handled on `day`.
    fn scope(&self, rng: &mut Rng, plan: &AgencyPlan, day: NaiveDate, n: u64, seed: u64) -> DossierScope {
        let field = plan.fields.get(rng.weighted(&plan.fields.iter().map(|f| f.1).collect::<Vec<_>>()));
        let field = field.map_or(Field::Other, |f| f.0);
        let channel = rng.pick(&plan.channels).copied().unwrap_or(Channel::InPerson);
        let codes = procedures(field);
        let procedure_code =
            (!codes.is_empty() && rng.chance(plan.procedure_share)).then(|| codes[rng.index(codes.len())].to_owned());
        DossierScope {
            agency_code: plan.code.clone(),
            dossier_code: format!("SYN-{seed}-{n}"),
            field: field.code().to_owned(),
            procedure_code,
            channel: channel.code().to_owned(),
            handled_on: day,
        }
    }

    fn invitation(
        &mut self,
        rng: &mut Rng,
        scope: DossierScope,
        def: &SurveyDefinition,
        locale: Locale,
        answered: bool,
    ) -> BulkInvitation {
        let id = sequential_id(self.prefix, self.next_invitation, rng);
        self.next_invitation += 1;
        let used_tag = answered.then(|| crate::domain::InvitationToken::derive(self.secret, &id).used_tag(self.secret));
        // Handled during office hours, 08:00–17:00 in Hanoi (01:00–10:00 UTC).
        let seconds = 3_600 + rng.below(9 * 3_600) as u32;
        let at =
            scope.handled_on.and_time(NaiveTime::from_num_seconds_from_midnight_opt(seconds, 0).unwrap_or_default());
        let invitation = NewInvitation::with_id(
            id,
            self.secret,
            scope,
            (def.id(), def.version() as i32),
            locale.code(),
            None,
            at,
            INVITATION_TTL_DAYS,
        );
        BulkInvitation { invitation, used_tag }
    }

    fn cell(
        &mut self,
        rng: &mut Rng,
        spec: &Spec,
        plan: &AgencyPlan,
        def: &SurveyDefinition,
        cell: &Cell,
    ) -> Result<(), SyntheticError> {
        let day = self.first + chrono::Days::new(u64::from(cell.day));
        let t = if self.days <= 1 { 0.5 } else { f64::from(cell.day) / f64::from(self.days - 1) };
        let quality = plan.quality_at(t);
        for _ in 0..cell.responses {
            let n = self.next_invitation;
            let scope = self.scope(rng, plan, day, n, spec.seed);
            let locale = if rng.chance(ENGLISH_SHARE) { Locale::En } else { Locale::Vi };
            let channel = Channel::parse(&scope.channel).unwrap_or(Channel::InPerson);
            let field = Field::parse(&scope.field).unwrap_or(Field::Other);
            let situation = respondent::Situation { def, channel, field, quality, locale };
            let submission = respondent::respond(rng, &situation);
            let valid =
                def.validate_answers(channel, &submission.input).map_err(|e| SyntheticError::InvalidAnswers {
                    survey: def.id().to_owned(),
                    version: def.version(),
                    errors: e.to_string(),
                })?;
            // Most answer the same day; a few days later at most, and never after `end`.
            let lag = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 3, 5][rng.index(20)];
            let submitted_on = (day + chrono::Days::new(lag)).min(self.end);
            let response = NewResponse::from_valid(valid, locale.code(), submitted_on);
            self.responses.push(Pending {
                survey: (def.id().to_owned(), def.version() as i32),
                scope: scope.clone(),
                response,
            });
            let invitation = self.invitation(rng, scope, def, locale, true);
            self.invitations.push(invitation);
        }
        for _ in 0..cell.unanswered {
            let n = self.next_invitation;
            let scope = self.scope(rng, plan, day, n, spec.seed);
            let locale = if rng.chance(ENGLISH_SHARE) { Locale::En } else { Locale::Vi };
            let invitation = self.invitation(rng, scope, def, locale, false);
            self.invitations.push(invitation);
        }
        if cell.responses > 0 {
            self.agencies_with_data.insert(cell.agency);
        }
        Ok(())
    }

    /// Writes what is pending in one transaction. Responses are shuffled first, so that
    /// their order (and their sequential ids) says nothing about their invitations'.
    fn flush(&mut self, conn: &mut DbConn, rng: &mut Rng) -> Result<(), SyntheticError> {
        if self.invitations.is_empty() && self.responses.is_empty() {
            return Ok(());
        }
        rng.shuffle(&mut self.responses);
        let mut rows = Vec::with_capacity(self.responses.len());
        for p in self.responses.drain(..) {
            let id = sequential_id(self.prefix ^ 0xffff_ffff, self.next_response, rng);
            self.next_response += 1;
            let s = p.scope;
            rows.push(BulkResponse {
                id,
                survey_id: p.survey.0,
                survey_version: p.survey.1,
                agency_code: s.agency_code,
                field: s.field,
                procedure_code: s.procedure_code,
                channel: s.channel,
                response: p.response,
            });
        }
        let inserted = bulk::insert(conn, &self.invitations, &rows)?;
        self.summary.invitations += inserted.invitations as u64;
        self.summary.responses += inserted.responses as u64;
        self.summary.answers += inserted.answers as u64;
        for r in &rows {
            let day = r.response.submitted_on;
            self.summary.comments += u64::from(r.response.comment.is_some());
            self.summary.first_day = Some(self.summary.first_day.map_or(day, |d| d.min(day)));
            self.summary.last_day = Some(self.summary.last_day.map_or(day, |d| d.max(day)));
        }
        self.invitations.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_uuid_v4_shaped_and_ordered_by_sequence() {
        let mut rng = Rng::new(1);
        let ids: Vec<String> = [0u64, 1, 2, 16_383, 16_384, 1 << 26, (1 << 42) - 1]
            .iter()
            .map(|n| sequential_id(7, *n, &mut rng))
            .collect();
        for id in &ids {
            let parsed = uuid::Uuid::parse_str(id).unwrap();
            assert_eq!(parsed.get_version_num(), 4, "{id}");
            assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122, "{id}");
            assert_eq!(&parsed.hyphenated().to_string(), id, "canonical form");
        }
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
        assert!(ids[0].starts_with("00000007-0000-4000-8000-"));
    }

    #[test]
    fn the_window_ends_on_the_last_day() {
        let spec = Spec { responses: 1, end: NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(), days: 365, seed: 1 };
        assert_eq!(spec.first_day(), NaiveDate::from_ymd_opt(2025, 11, 23).unwrap());
        assert!(spec.check().is_ok());
        assert!(Spec { days: 0, ..spec.clone() }.check().is_err());
        assert!(Spec { responses: 0, ..spec.clone() }.check().is_err());
        assert_eq!(Spec::default().days, 365);
    }

    #[test]
    fn procedure_codes_are_valid_codes() {
        for field in Field::ALL {
            for code in procedures(*field) {
                assert_eq!(crate::domain::ProcedureCode::parse(code).unwrap().as_str(), *code);
            }
        }
    }
}
