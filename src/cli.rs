//! The command line: `sipas [serve] | migrate | check-definitions | api-key | user |
//! import-agencies | verify-aggregates | demo`.
//! Command output goes to stdout (keys alone on their line, for scripts); logs to stderr.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use crate::auth::{password, Role};
use crate::config::Settings;
use crate::domain::Locale;
use crate::startup::{self, Application};
use crate::store::api_keys::Scope;
use crate::{reference, store, surveys};

/// Citizen satisfaction surveys and the SIPAS index for Hanoi's agencies.
#[derive(Parser, Debug)]
#[command(name = "sipas", version, about)]
pub struct Cli {
    /// Optional TOML configuration file (keys as in README's configuration table).
    #[arg(long, global = true, env = "SIPAS_CONFIG")]
    pub config: Option<PathBuf>,
    /// Database URL: postgres://…, sqlite://PATH or a file path [env: DATABASE_URL].
    #[arg(long, global = true)]
    pub database_url: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the HTTP server (the default command).
    Serve(ServeArgs),
    /// Apply pending database migrations and register survey definitions.
    Migrate,
    /// Validate the survey definition files and exit.
    CheckDefinitions {
        /// Folder to check (default: the configured survey_dir).
        dir: Option<PathBuf>,
    },
    /// Manage API keys.
    #[command(subcommand)]
    ApiKey(ApiKeyCommand),
    /// Manage staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Load or update agencies from a reference file (see reference-data/README.md).
    ImportAgencies { file: PathBuf },
    /// Recompute the answer and response counters from the raw answers and report any
    /// difference (exit status 1 if there is one).
    VerifyAggregates {
        /// Rewrite the counters from the raw answers instead (e.g. after a restore).
        #[arg(long)]
        rebuild: bool,
    },
    /// E-mail: queue digests by hand, see the outbox.
    #[command(subcommand)]
    Mail(MailCommand),
    /// Report the small-cell risk of docs/privacy.md: the share of responses whose scope and
    /// date match fewer than K invitations handled that day.
    PrivacyCheck {
        /// The smallest crowd a response should hide in.
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
        k: u64,
    },
    /// Fill a database that has no responses with a year of synthetic responses (sample
    /// agencies if it has none), and create the staff accounts demo-admin and demo-ward.
    Demo(DemoArgs),
}

#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// How many responses.
    #[arg(long, default_value_t = crate::synthetic::Spec::DEFAULT_RESPONSES)]
    pub responses: u64,
    /// How many days, ending with --end.
    #[arg(long, default_value_t = crate::synthetic::Spec::DEFAULT_DAYS)]
    pub days: u32,
    /// The seed: the same seed gives the same data.
    #[arg(long, default_value_t = crate::synthetic::Spec::DEFAULT_SEED)]
    pub seed: u64,
    /// The last day, YYYY-MM-DD [default: today in Hanoi].
    #[arg(long)]
    pub end: Option<chrono::NaiveDate>,
}

#[derive(clap::Args, Debug, Default)]
pub struct ServeArgs {
    /// Address to listen on [env: SIPAS_BIND] [default: 127.0.0.1:8080].
    #[arg(long)]
    pub bind: Option<String>,
    /// Fill an empty database with the sample agencies, print a demo API key and survey
    /// links, add a year of synthetic responses if there are none yet, and create the
    /// demo-admin and demo-ward accounts, so a newcomer sees something real.
    #[arg(long)]
    pub demo: bool,
}

#[derive(Subcommand, Debug)]
pub enum ApiKeyCommand {
    /// Create a key; prints it once, alone on stdout. Only its hash is stored.
    Create {
        #[arg(long)]
        name: String,
        /// `invitations` (mint survey links) or `read` (indices, exports).
        #[arg(long)]
        scope: String,
        /// Limit the key to this agency and the units below it.
        #[arg(long)]
        agency: Option<String>,
    },
    /// Revoke a key by its id.
    Revoke { id: String },
}

#[derive(Subcommand, Debug)]
pub enum MailCommand {
    /// Queue the weekly digests of one week for every manager who gets them (once per week
    /// and manager: a week already queued is skipped). The running service sends them.
    Digest {
        /// Any day of the week (Monday to Sunday, Hanoi); default: the last complete week.
        #[arg(long)]
        week: Option<chrono::NaiveDate>,
    },
    /// Print the outbox: mails by kind and state, and the latest failures.
    Status,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account. Without --password-stdin a password is generated and printed
    /// alone on stdout.
    Create {
        #[arg(long)]
        username: String,
        /// admin, city_viewer, analyst, agency_manager or agency_viewer.
        #[arg(long)]
        role: String,
        /// The agency (and its subtree) of agency_manager and agency_viewer.
        #[arg(long)]
        agency: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// Where digests, alerts and export notices go.
        #[arg(long)]
        email: Option<String>,
    },
    /// Set (or with --clear remove) an account's e-mail address.
    SetEmail {
        #[arg(long)]
        username: String,
        #[arg(long, required_unless_present = "clear")]
        email: Option<String>,
        #[arg(long, conflicts_with = "email")]
        clear: bool,
    },
    /// Change an account's role (and agency binding).
    SetRole {
        #[arg(long)]
        username: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        agency: Option<String>,
    },
    /// Disable an account and end its sessions at once.
    Disable {
        #[arg(long)]
        username: String,
    },
}

/// Where the sample agencies live (relative to the working directory).
pub const SAMPLE_AGENCIES: &str = "reference-data/agencies-hanoi-sample.toml";

/// Parses arguments and runs the command.
pub fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    crate::clock::check_shift().map_err(anyhow::Error::msg)?;
    let mut settings = Settings::load(cli.config.as_deref())?;
    if let Some(url) = cli.database_url {
        settings.database_url = url;
    }
    crate::telemetry::init(settings.log_format);
    match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(args) => serve(settings, args),
        Command::Migrate => {
            startup::prepare(&settings)?;
            println!("database is up to date");
            Ok(())
        }
        Command::CheckDefinitions { dir } => {
            let dir = dir.unwrap_or(settings.survey_dir);
            let registry = surveys::Registry::load_dir(&dir)?;
            for d in registry.all() {
                println!("{} v{} ok ({})", d.id(), d.version(), d.source());
            }
            Ok(())
        }
        Command::ApiKey(ApiKeyCommand::Create { name, scope, agency }) => {
            let scope = Scope::parse(&scope)
                .with_context(|| format!("--scope: unknown scope `{scope}`; expected `invitations` or `read`"))?;
            let (db, _) = startup::prepare(&settings)?;
            let mut conn = db.get()?;
            if let Some(code) = &agency {
                if store::agencies::find(&mut conn, code)?.is_none() {
                    anyhow::bail!("--agency: unknown agency `{code}` (import agencies first)");
                }
            }
            let (id, key) = store::api_keys::create(&mut conn, &name, scope, agency.as_deref())?;
            eprintln!("created API key {id} ({}, scope {})", name, scope.code());
            println!("{key}");
            Ok(())
        }
        Command::ApiKey(ApiKeyCommand::Revoke { id }) => {
            let (db, _) = startup::prepare(&settings)?;
            if store::api_keys::revoke(&mut *db.get()?, &id)? {
                println!("revoked {id}");
                Ok(())
            } else {
                anyhow::bail!("no active API key with id `{id}`")
            }
        }
        Command::User(cmd) => user_command(&settings, cmd, &mut std::io::stdin().lock(), &mut std::io::stdout().lock()),
        Command::ImportAgencies { file } => {
            let (db, _) = startup::prepare(&settings)?;
            let summary = import_agencies(&db, &file)?;
            println!("{}: {} agencies added, {} updated", file.display(), summary.inserted, summary.updated);
            Ok(())
        }
        Command::VerifyAggregates { rebuild } => {
            let (db, _) = startup::prepare(&settings)?;
            verify_aggregates(&mut *db.get()?, rebuild)
        }
        Command::Demo(args) => demo(&settings, args),
        Command::Mail(cmd) => mail_command(&settings, cmd, &mut std::io::stdout().lock()),
        Command::PrivacyCheck { k } => {
            let (db, _) = startup::prepare(&settings)?;
            let cells = crate::store::privacy::small_cells(&mut *db.get()?, k)?;
            println!(
                "{} of {} responses ({:.1} %) match fewer than {k} invitations of their scope and day",
                cells.below_k,
                cells.responses,
                cells.share() * 100.0
            );
            Ok(())
        }
    }
}

/// `sipas mail …`.
pub fn mail_command(settings: &Settings, cmd: MailCommand, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    let (db, _) = startup::prepare(settings)?;
    let mut conn = db.get()?;
    match cmd {
        MailCommand::Digest { week } => {
            use chrono::Datelike as _;
            let now = store::now();
            let monday = match week {
                Some(day) => day - chrono::Duration::days(i64::from(day.weekday().num_days_from_monday())),
                None => crate::email::timing::digest_week(now, 0),
            };
            let n = crate::email::schedule::queue_digests(&mut conn, monday, now)?;
            writeln!(out, "queued {n} digests for the week of {monday}")?;
        }
        MailCommand::Status => {
            for (kind, state, n) in store::outbox::counts(&mut conn)? {
                writeln!(out, "{kind:<14} {state:<10} {n}")?;
            }
            for m in store::outbox::latest(&mut conn, store::outbox::FAILED, 10)? {
                writeln!(
                    out,
                    "failed {} {} after {} tries: {}",
                    m.id,
                    m.kind,
                    m.attempts,
                    m.last_error.unwrap_or_default()
                )?;
            }
        }
    }
    Ok(())
}

/// Checks an address given on the command line, naming the flag.
fn checked_email(email: &str) -> anyhow::Result<String> {
    crate::domain::EmailAddress::parse(email)
        .map(String::from)
        .map_err(|e| anyhow::anyhow!("--email: `{email}` is not an e-mail address ({e})"))
}

/// `sipas demo`: synthetic data and the demo accounts, on a database without responses.
fn demo(settings: &Settings, args: DemoArgs) -> anyhow::Result<()> {
    let mut spec = crate::synthetic::Spec::new(args.responses, args.seed);
    spec.days = args.days;
    if let Some(end) = args.end {
        spec.end = end;
    }
    let (db, registry) = startup::prepare(settings)?;
    let secret = startup::load_secret(settings)?;
    crate::demo::ensure_agencies(&db)?;
    let (summary, took) = crate::demo::populate(&db, &registry, &secret, &spec)?;
    println!("{}", crate::demo::describe(&summary, &spec, took));
    let accounts = crate::demo::create_accounts(&mut *db.get()?)?;
    let public_url = match settings.bind.parse::<std::net::SocketAddr>() {
        Ok(addr) => settings.resolved_public_url(addr),
        Err(_) => settings.public_url.clone().unwrap_or_else(|| format!("http://{}", settings.bind)),
    };
    println!("{}", crate::demo::describe_accounts(&accounts, &public_url));
    println!("(start the server first: sipas serve)");
    Ok(())
}

/// `sipas verify-aggregates [--rebuild]`: prints the result on stdout; differences are an error.
/// Without `--rebuild`, folds every pending response first (what verify compares is the
/// counters against the folded responses).
fn verify_aggregates(conn: &mut crate::db::DbConn, rebuild: bool) -> anyhow::Result<()> {
    use store::aggregates;
    if rebuild {
        let (answers, others) = aggregates::rebuild(conn)?;
        println!("aggregates rebuilt from raw answers: {answers} answer counters, {others} other counters and totals");
        return Ok(());
    }
    let mut folded = 0;
    loop {
        let n = aggregates::fold_pending(conn, aggregates::FOLD_BATCH)?;
        if n == 0 {
            break;
        }
        folded += n;
    }
    println!("{folded} pending response(s) folded into the counters");
    let differences = aggregates::verify(conn)?;
    if differences.is_empty() {
        let (answers, responses) =
            (aggregates::answer_counters(conn)?.len(), aggregates::response_counters(conn)?.len());
        println!("aggregates match raw answers: {answers} answer counters, {responses} response counters");
        return Ok(());
    }
    for d in &differences {
        println!("{d}");
    }
    anyhow::bail!(
        "{} aggregate counter(s) differ from the raw answers; `sipas verify-aggregates --rebuild` rewrites them",
        differences.len()
    )
}

/// Parses `--role` and checks `--agency` against it and the agency table.
fn role_and_agency(conn: &mut crate::db::DbConn, role: &str, agency: Option<&str>) -> anyhow::Result<Role> {
    let parsed = Role::parse(role).with_context(|| {
        format!("--role: unknown role `{role}`; expected one of {}", crate::auth::role::role_codes())
    })?;
    parsed.check_agency(agency).map_err(anyhow::Error::msg)?;
    if let Some(code) = agency {
        if store::agencies::find(conn, code)?.is_none() {
            anyhow::bail!("--agency: unknown agency `{code}` (import agencies first)");
        }
    }
    Ok(parsed)
}

/// Runs a `sipas user …` command, reading a password from `input` and writing command
/// output (a generated password, alone on its line) to `out`; notes go to stderr.
pub fn user_command(
    settings: &Settings,
    cmd: UserCommand,
    input: &mut dyn std::io::BufRead,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<()> {
    match cmd {
        UserCommand::Create { username, role, agency, password_stdin, email } => {
            let username = store::users::normalize(&username);
            store::users::check_username(&username).map_err(anyhow::Error::msg)?;
            let email = email.as_deref().map(checked_email).transpose()?;
            let (db, _) = startup::prepare(settings)?;
            let mut conn = db.get()?;
            let role = role_and_agency(&mut conn, &role, agency.as_deref())?;
            let (pw, generated) = if password_stdin {
                let mut line = String::new();
                input.read_line(&mut line).context("cannot read the password from stdin")?;
                (line.trim_end_matches(['\r', '\n']).to_owned(), false)
            } else {
                (password::generate()?, true)
            };
            password::check_policy(&username, &pw)
                .map_err(|e| anyhow::anyhow!("password: {}", e.message(Locale::En)))?;
            let hash = password::hash_blocking(&pw)?;
            store::users::create(&mut conn, &username, &hash, role, agency.as_deref())?;
            if let Some(email) = &email {
                store::users::set_email(&mut conn, &username, Some(email))?;
            }
            eprintln!("created user {username} ({})", role.code());
            if generated {
                writeln!(out, "{pw}")?;
            }
            Ok(())
        }
        UserCommand::SetRole { username, role, agency } => {
            let (db, _) = startup::prepare(settings)?;
            let mut conn = db.get()?;
            let role = role_and_agency(&mut conn, &role, agency.as_deref())?;
            if !store::users::set_role(&mut conn, &username, role, agency.as_deref())? {
                anyhow::bail!("--username: no user `{}`", store::users::normalize(&username));
            }
            writeln!(out, "{} is now {}", store::users::normalize(&username), role.code())?;
            Ok(())
        }
        UserCommand::SetEmail { username, email, clear } => {
            let email = if clear { None } else { email.as_deref().map(checked_email).transpose()? };
            let (db, _) = startup::prepare(settings)?;
            if !store::users::set_email(&mut *db.get()?, &username, email.as_deref())? {
                anyhow::bail!("--username: no user `{}`", store::users::normalize(&username));
            }
            let who = store::users::normalize(&username);
            match email {
                Some(e) => writeln!(out, "{who} now gets e-mail at {e}")?,
                None => writeln!(out, "{who} has no e-mail address any more")?,
            }
            Ok(())
        }
        UserCommand::Disable { username } => {
            let (db, _) = startup::prepare(settings)?;
            if !store::users::disable(&mut *db.get()?, &username)? {
                anyhow::bail!("--username: no user `{}`", store::users::normalize(&username));
            }
            writeln!(out, "disabled {} and ended their sessions", store::users::normalize(&username))?;
            Ok(())
        }
    }
}

/// Reads, checks and stores an agency file.
pub fn import_agencies(db: &crate::db::Db, file: &Path) -> anyhow::Result<store::agencies::ImportSummary> {
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let mut conn = db.get()?;
    let known: HashSet<String> = store::agencies::all_codes(&mut conn)?.into_iter().collect();
    let list = reference::parse_agencies(&file.display().to_string(), &text, &known)?;
    Ok(store::agencies::import(&mut conn, &list)?)
}

fn serve(mut settings: Settings, args: ServeArgs) -> anyhow::Result<()> {
    if let Some(bind) = args.bind {
        settings.bind = bind;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let (db, registry) = startup::prepare(&settings)?;
        let app = Application::build(settings, db, registry)?;
        tracing::info!(address = %app.addr(), public_url = app.public_url(), "sipas is listening");
        if args.demo {
            crate::demo::prepare(app.state())?;
        }
        app.run_until_stopped().await?;
        tracing::info!("stopped");
        Ok(())
    })
}
