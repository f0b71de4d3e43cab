//! The demo: `sipas serve --demo` (sample agencies, a demo API key, one open survey link per
//! shipped survey, and a year of synthetic responses on a database without any) and
//! `sipas demo` (the synthetic year alone), both with two staff accounts to log in with.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::auth::{password, Role};
use crate::db::{Db, DbConn};
use crate::domain::Channel;
use crate::startup::AppState;
use crate::store::api_keys::Scope;
use crate::store::invitations::{DossierScope, NewInvitation};
use crate::surveys::Registry;
use crate::synthetic::{self, Spec, Summary};
use crate::{cli, domain, store};

/// The demo's administrator account.
pub const DEMO_ADMIN: &str = "demo-admin";
/// The demo's agency account, which sees one ward only.
pub const DEMO_WARD: &str = "demo-ward";
/// The ward `demo-ward` is bound to (phường Hoàn Kiếm in the sample agencies).
pub const DEMO_WARD_AGENCY: &str = "000.00.61.H26";

/// Sample agency, field and channel for each shipped survey's demo link.
const DEMO_LINKS: &[(&str, &str, &str, &str)] = &[
    ("sipas-dossier", "000.00.61.H26", "land", "in_person"),
    ("sipas-dossier", "000.00.21.H26", "investment", "online"),
    ("education-public", "", "education", "in_person"),
    ("health-public", "", "health", "in_person"),
];

/// `sipas serve --demo`: prints the survey links and a demo API key, fills a database that
/// has no responses yet with [`Spec::default`], and prints the staff accounts.
pub fn prepare(state: &AppState) -> anyhow::Result<()> {
    ensure_agencies(&state.db)?;
    if store::responses::any(&mut *state.db.get()?)? {
        println!(
            "\nThe database already has responses: no synthetic data added \
             (`sipas demo` fills a database that has none)."
        );
    } else {
        let spec = Spec::default();
        println!("\nAdding {} synthetic responses (the year to {}, seed {}) …", spec.responses, spec.end, spec.seed);
        let (summary, took) = populate(&state.db, &state.surveys, &state.secret, &spec)?;
        println!("{}", describe(&summary, &spec, took));
    }
    let mut conn = state.db.get()?;
    let (_, key) = store::api_keys::create(&mut conn, "demo", Scope::Invitations, None)?;
    let now = crate::clock::now();
    let mut lines = Vec::new();
    for (n, (survey, agency, field, channel)) in DEMO_LINKS.iter().enumerate() {
        let Some(def) = state.surveys.latest(survey) else { continue };
        let agency = match *agency {
            "" => store::agencies::first_of_kind(&mut conn, if *field == "education" { "school" } else { "hospital" })?,
            code => Some(code.to_owned()),
        };
        let Some(agency) = agency else { continue };
        if store::agencies::find(&mut conn, &agency)?.is_none() {
            continue;
        }
        let new = NewInvitation::new(
            &state.secret,
            DossierScope {
                agency_code: agency,
                dossier_code: format!("DEMO-{}-{n}", now.timestamp()),
                field: (*field).to_owned(),
                procedure_code: None,
                channel: Channel::parse(channel).map(|c| c.code().to_owned()).unwrap_or_default(),
                handled_on: domain::hanoi_date(now),
            },
            (def.id(), def.version() as i32),
            "vi",
            None,
            now.naive_utc(),
            state.settings.invitation_ttl_days,
        );
        let (inv, _) = store::invitations::create_or_get(&mut conn, &new, None)?;
        let token = domain::InvitationToken::derive(&state.secret, &inv.id);
        lines.push(format!(
            "  {survey} ({channel}): {}  QR: {}/q/{}.png",
            state.survey_url(token.as_str()),
            state.public_url,
            token.as_str()
        ));
    }
    println!("\nDemo ready. Survey links (open on a phone, or scan the QR code):\n{}", lines.join("\n"));
    println!(
        "\nDemo API key (scope invitations, shown once):\n  {key}\nMint another link:\n  curl -s -X POST {}/api/v1/invitations -H 'Authorization: Bearer {key}' \\\n    -H 'Content-Type: application/json' \\\n    -d '{{\"dossier_code\":\"HS-001\",\"agency_code\":\"000.00.61.H26\",\"field\":\"land\",\"channel\":\"in_person\",\"handled_at\":\"{}\"}}'\n",
        state.public_url,
        now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    let accounts = create_accounts(&mut conn)?;
    println!("{}", describe_accounts(&accounts, &state.public_url));
    Ok(())
}

/// Loads the sample agencies when the database has none.
pub fn ensure_agencies(db: &Db) -> anyhow::Result<()> {
    if store::agencies::count(&mut *db.get()?)? == 0 {
        let summary = cli::import_agencies(db, Path::new(cli::SAMPLE_AGENCIES))
            .with_context(|| format!("demo: cannot load {}", cli::SAMPLE_AGENCIES))?;
        tracing::info!(agencies = summary.inserted, "demo: sample agencies loaded");
    }
    Ok(())
}

/// Generates `spec` into a database that has no response yet: synthetic data must never mix
/// with real answers. Returns what was written and how long it took.
pub fn populate(db: &Db, surveys: &Registry, secret: &[u8], spec: &Spec) -> anyhow::Result<(Summary, Duration)> {
    let mut conn = db.get()?;
    if store::responses::any(&mut conn)? {
        anyhow::bail!(
            "the database already has responses; `sipas demo` only fills a database without any, so that \
             synthetic answers never mix with real ones. Use a new database instead, e.g. \
             `sipas --database-url sqlite://data/demo.db demo`, or `sipas serve` to look at the data already there"
        );
    }
    let started = Instant::now();
    let summary = synthetic::generate_on(&mut conn, surveys, secret, spec)?;
    Ok((summary, started.elapsed()))
}

/// One line on what [`populate`] wrote.
pub fn describe(s: &Summary, spec: &Spec, took: Duration) -> String {
    let days = match (s.first_day, s.last_day) {
        (Some(first), Some(last)) => format!(", {first} to {last}"),
        _ => String::new(),
    };
    format!(
        "Synthetic data: {} responses ({} answers, {} comments) and {} invitations for {} agencies{days}, \
         seed {}, in {:.1} s; aggregate counters rebuilt ({} answer, {} response counters).",
        s.responses,
        s.answers,
        s.comments,
        s.invitations,
        s.agencies,
        spec.seed,
        took.as_secs_f64(),
        s.counters.0,
        s.counters.1
    )
}

/// What became of one demo account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Account {
    /// Created now with this password (shown once).
    Created { username: &'static str, role: Role, agency: Option<&'static str>, password: String },
    /// The username was taken already; left as it is.
    Exists { username: &'static str },
    /// The agency it would be bound to is not in the database.
    NoAgency { username: &'static str, agency: &'static str },
}

/// Creates `demo-admin` (admin) and `demo-ward` (agency viewer of [`DEMO_WARD_AGENCY`]) with
/// generated passwords; an account that exists already is left alone.
pub fn create_accounts(conn: &mut DbConn) -> anyhow::Result<Vec<Account>> {
    let wanted: [(&'static str, Role, Option<&'static str>); 2] =
        [(DEMO_ADMIN, Role::Admin, None), (DEMO_WARD, Role::AgencyViewer, Some(DEMO_WARD_AGENCY))];
    let mut out = Vec::new();
    for (username, role, agency) in wanted {
        if store::users::find_by_username(conn, username)?.is_some() {
            out.push(Account::Exists { username });
            continue;
        }
        if let Some(code) = agency {
            if store::agencies::find(conn, code)?.is_none() {
                out.push(Account::NoAgency { username, agency: code });
                continue;
            }
        }
        let pw = password::generate()?;
        let hash = password::hash_blocking(&pw)?;
        store::users::create(conn, username, &hash, role, agency)?;
        out.push(Account::Created { username, role, agency, password: pw });
    }
    Ok(out)
}

/// The accounts block printed after the demo is ready: passwords of new accounts (once),
/// a note for the others, and where to log in.
pub fn describe_accounts(accounts: &[Account], public_url: &str) -> String {
    let mut lines = vec!["Staff accounts (a password is shown only when the account is created):".to_owned()];
    for a in accounts {
        lines.push(match a {
            Account::Created { username, role, agency, password } => {
                let role = match agency {
                    Some(code) => format!("{} of {code}", role.code()),
                    None => role.code().to_owned(),
                };
                format!("  {username:<11} {role:<30} password: {password}")
            }
            Account::Exists { username } => {
                format!("  {username:<11} exists already, left unchanged (sipas user … manages it)")
            }
            Account::NoAgency { username, agency } => {
                format!("  {username:<11} not created: agency {agency} is not in the database")
            }
        });
    }
    lines.push(format!("Log in at {public_url}/login"));
    lines.join("\n")
}
