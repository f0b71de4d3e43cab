//! `sipas serve --demo`: sample agencies, a demo API key and one open survey link per
//! shipped survey, so a newcomer can scan a QR code a minute after cloning.

use std::path::Path;

use anyhow::Context as _;

use crate::domain::Channel;
use crate::startup::AppState;
use crate::store::api_keys::Scope;
use crate::store::invitations::{DossierScope, NewInvitation};
use crate::{cli, domain, store};

/// Sample agency, field and channel for each shipped survey's demo link.
const DEMO_LINKS: &[(&str, &str, &str, &str)] = &[
    ("sipas-dossier", "000.00.61.H26", "land", "in_person"),
    ("sipas-dossier", "000.00.21.H26", "investment", "online"),
    ("education-public", "", "education", "in_person"),
    ("health-public", "", "health", "in_person"),
];

pub fn prepare(state: &AppState) -> anyhow::Result<()> {
    let mut conn = state.db.get()?;
    if store::agencies::count(&mut conn)? == 0 {
        let summary = cli::import_agencies(&state.db, Path::new(cli::SAMPLE_AGENCIES))
            .with_context(|| format!("demo: cannot load {}", cli::SAMPLE_AGENCIES))?;
        tracing::info!(agencies = summary.inserted, "demo: sample agencies loaded");
    }
    let (_, key) = store::api_keys::create(&mut conn, "demo", Scope::Invitations, None)?;
    let now = chrono::Utc::now();
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
        let (inv, _) = store::invitations::create_or_get(&mut conn, &new)?;
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
    Ok(())
}
