//! Building the application: state, database preparation and the HTTP server.

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{web, App, HttpServer};
use anyhow::Context as _;

use crate::config::Settings;
use crate::db::{Db, PoolOptions};
use crate::ratelimit::Limiters;
use crate::store;
use crate::surveys::Registry;

/// What every handler can reach.
pub struct AppState {
    pub db: Db,
    pub surveys: Arc<Registry>,
    pub settings: Settings,
    /// Derives survey-link tokens; see `domain::token`.
    pub secret: Vec<u8>,
    /// Whose forwarding headers tell the client's address (from the settings).
    pub proxy_trust: crate::domain::net::ProxyTrust,
    /// Base of every link printed (no trailing slash).
    pub public_url: String,
    pub limits: Limiters,
    /// Wakes the export worker when a job is queued.
    pub export_wake: Arc<tokio::sync::Notify>,
    /// Wakes the mail sender when a mail is queued for now.
    pub mail_wake: Arc<tokio::sync::Notify>,
}

impl AppState {
    /// Tells the export worker that a job is waiting.
    pub fn wake_exports(&self) {
        self.export_wake.notify_one();
    }

    /// Whether e-mail is configured (`smtp_url`): only then are mails queued.
    pub fn mail_on(&self) -> bool {
        self.settings.smtp_url.is_some()
    }

    /// Tells the mail sender that a mail is due.
    pub fn wake_mail(&self) {
        self.mail_wake.notify_one();
    }

    pub fn survey_url(&self, token: &str) -> String {
        format!("{}/s/{token}", self.public_url)
    }
}

/// Opens the pool, runs migrations, loads survey definitions and registers their
/// versions (refusing changed frozen ones). Used by `serve` and by CLI commands.
pub fn prepare(settings: &Settings) -> anyhow::Result<(Db, Arc<Registry>)> {
    let options = PoolOptions {
        max_size: settings.db_pool_size,
        checkout_timeout: Duration::from_secs(settings.db_timeout_secs.max(1)),
    };
    let db = Db::new(&settings.database_url, &options)?;
    let mut conn = db.get().context("cannot connect to the database")?;
    let applied = crate::db::run_pending(&mut conn)?;
    if applied > 0 {
        tracing::info!(applied, "database migrations applied");
    }
    let registry = Registry::load_dir(&settings.survey_dir)?;
    let versions: Vec<_> = registry
        .all()
        .map(|d| store::surveys::VersionInfo {
            survey_id: d.id().to_owned(),
            version: d.version() as i32,
            content_hash: d.content_hash().to_owned(),
            source: d.source().to_owned(),
        })
        .collect();
    store::surveys::sync(&mut conn, &versions)?;
    let converted = store::privacy::convert_legacy(&mut conn, &load_secret(settings)?)?;
    if converted != store::privacy::Converted::default() {
        tracing::info!(
            answered = converted.answered,
            dossiers = converted.dossiers,
            "converted data stored before keyed hashes"
        );
    }
    Ok((db, Arc::new(registry)))
}

/// The token secret: from settings, else from the key file, which is created (0600) on
/// first start.
pub fn load_secret(settings: &Settings) -> anyhow::Result<Vec<u8>> {
    if let Some(key) = &settings.secret_key {
        return Ok(key.as_bytes().to_vec());
    }
    let path: &Path = &settings.secret_key_file;
    match std::fs::read_to_string(path) {
        Ok(text) if text.trim().len() >= 32 => Ok(text.trim().as_bytes().to_vec()),
        Ok(_) => anyhow::bail!("{}: the secret key must be at least 32 characters", path.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness available: {e}"))?;
            let key = crate::domain::token::hex(&bytes);
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
            }
            write_private(path, &key).with_context(|| format!("cannot write {}", path.display()))?;
            tracing::warn!(path = %path.display(), "generated a new secret key; keep it (links depend on it)");
            Ok(key.into_bytes())
        }
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

/// Makes rustls' ring provider the process default. Two providers are linked (ring for
/// lettre; the test browser driver brings aws-lc-rs), and with two rustls will not guess.
/// Installing twice is harmless (the first one stays).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A bound, ready-to-run server.
pub struct Application {
    addr: SocketAddr,
    state: web::Data<AppState>,
    server: actix_web::dev::Server,
}

impl Application {
    /// Binds `settings.bind` (port 0 picks a free one) and builds the server.
    pub fn build(settings: Settings, db: Db, surveys: Arc<Registry>) -> anyhow::Result<Application> {
        install_crypto_provider();
        let listener =
            TcpListener::bind(&settings.bind).with_context(|| format!("cannot listen on {}", settings.bind))?;
        let addr = listener.local_addr()?;
        let secret = load_secret(&settings)?;
        let state = web::Data::new(AppState {
            db,
            surveys,
            public_url: settings.resolved_public_url(addr),
            limits: Limiters::new(&settings.rate_limits),
            export_wake: Arc::new(tokio::sync::Notify::new()),
            mail_wake: Arc::new(tokio::sync::Notify::new()),
            secret,
            proxy_trust: settings.proxy_trust().map_err(anyhow::Error::msg)?,
            settings,
        });
        let data = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .wrap(actix_web::middleware::from_fn(crate::routes::input_guard::refuse_control_chars))
                .wrap(crate::routes::security_headers())
                .wrap(tracing_actix_web::TracingLogger::<crate::routes::access_log::PrivateSpan>::new())
                .configure(|cfg| crate::routes::config(cfg, &data.settings))
        })
        .listen(listener)?
        .shutdown_timeout(10)
        .run();
        Ok(Application { addr, state, server })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn public_url(&self) -> &str {
        &self.state.public_url
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// A handle that stops the server the way SIGTERM does, so that [`Self::run_until_stopped`]
    /// returns and stops its background tasks too (aborting its task would leave them running).
    pub fn stop_handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Runs until SIGINT/SIGTERM (actix stops gracefully, finishing requests in flight).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let state = self.state.clone();
        let forget = tokio::spawn(async move {
            let mut tick = tokio::time::interval(crate::ratelimit::FORGET_EVERY);
            loop {
                tick.tick().await;
                state.limits.forget_idle();
                let now = store::now();
                let idle_since = now - chrono::Duration::minutes(i64::from(state.settings.session_idle_minutes));
                if let Err(e) = state.db.run_write(move |c| store::sessions::delete_stale(c, now, idle_since)).await {
                    tracing::warn!(error = %e, "could not remove stale sessions");
                }
            }
        });
        let folder = spawn_folder(self.state.clone());
        let exports = spawn_exporter(&self.state);
        let schedule = spawn_schedule(self.state.clone());
        let sender = spawn_sender(&self.state);
        let result = self.server.await;
        forget.abort();
        if let Some(folder) = folder {
            folder.abort();
        }
        // A running export goes back to the queue, to be resumed at the next start.
        exports.stop(Duration::from_secs(10)).await;
        schedule.abort();
        if let Some(sender) = sender {
            sender.stop(Duration::from_secs(10)).await;
        }
        result
    }
}

/// The mail sender (see `email::worker`), when e-mail is on.
fn spawn_sender(state: &web::Data<AppState>) -> Option<crate::email::worker::SenderHandle> {
    let url = state.settings.smtp_url.as_deref()?;
    let s = &state.settings;
    let smtp = match crate::email::transport::Smtp::new(
        url,
        &s.mail_from,
        Duration::from_secs(u64::from(s.mail_timeout_secs)),
    ) {
        Ok(smtp) => smtp,
        Err(e) => {
            // Settings were validated at load; this is a URL lettre itself refuses.
            tracing::error!(error = %e, "e-mail is off: the SMTP transport could not be set up");
            return None;
        }
    };
    let sender = crate::email::worker::Sender {
        db: state.db.clone(),
        surveys: state.surveys.clone(),
        settings: Arc::new(s.clone()),
        public_url: state.public_url.clone(),
        secret: Arc::new(state.secret.clone()),
        smtp,
        worker: format!("{}-{}", std::process::id(), store::new_id()),
        stopping: Default::default(),
    };
    Some(crate::email::worker::spawn(sender, state.mail_wake.clone()))
}

/// Runs `email::schedule` every `mail_schedule_interval_secs`. With e-mail off it still does
/// one of its duties: erasing citizens' addresses nobody will mail.
fn spawn_schedule(state: web::Data<AppState>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let every = Duration::from_secs(u64::from(state.settings.mail_schedule_interval_secs));
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let s = state.clone();
            let run = state
                .db
                .run_write(move |c| {
                    if s.mail_on() {
                        crate::email::schedule::run_once(c, &s.surveys, &s.settings, &s.public_url, store::now())
                            .map_err(|e| store::StoreError::Rejected(e.to_string()))
                    } else {
                        store::outbox::erase_unneeded_addresses(c)
                            .map(|erased| crate::email::schedule::RunSummary { erased, ..Default::default() })
                    }
                })
                .await;
            match run {
                Ok(done) if done != Default::default() => {
                    tracing::info!(
                        digests = done.digests,
                        index_alerts = done.index_alerts,
                        erased = done.erased,
                        "mail schedule ran"
                    );
                    state.wake_mail();
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "the mail schedule failed; it runs again at the next tick"),
            }
        }
    })
}

/// The export worker (see `exports::worker`), one per instance.
fn spawn_exporter(state: &web::Data<AppState>) -> crate::exports::worker::WorkerHandle {
    let s = &state.settings;
    let runner = crate::exports::job::Runner {
        db: state.db.clone(),
        surveys: state.surveys.clone(),
        dir: s.export_dir.clone(),
        worker: format!("{}-{}", std::process::id(), store::new_id()),
        small_n: s.small_n,
        lease: Duration::from_secs(u64::from(s.export_lease_secs)),
        ttl: chrono::Duration::hours(i64::from(s.export_ttl_hours)),
        pause: Duration::from_millis(s.export_batch_pause_ms),
        stopping: Default::default(),
        mail_links: state.mail_on().then(|| state.public_url.clone()),
    };
    crate::exports::worker::spawn(runner, s.export_max_attempts, state.export_wake.clone())
}

/// The background folder: every `aggregate_fold_interval_ms`, folds pending responses into the
/// aggregate counters in batches of [`store::aggregates::FOLD_BATCH`] until a batch comes back
/// short. An error is logged and retried at the next tick; it never stops the server. `None`
/// when the interval is 0 (folding off).
fn spawn_folder(state: web::Data<AppState>) -> Option<tokio::task::JoinHandle<()>> {
    use store::aggregates::{fold_pending, FOLD_BATCH};
    let every = state.settings.aggregate_fold_interval_ms;
    if every == 0 {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(every));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let mut total = 0;
            loop {
                match state.db.run_write(|c| fold_pending(c, FOLD_BATCH)).await {
                    Ok(n) => {
                        total += n;
                        if n < FOLD_BATCH {
                            break;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "could not fold responses into the aggregate counters");
                        break;
                    }
                }
            }
            if total > 0 {
                tracing::debug!(folded = total, "responses folded into the aggregate counters");
            }
        }
    }))
}
