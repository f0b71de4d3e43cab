//! Configuration: built-in defaults, then an optional TOML file, then environment
//! variables (`DATABASE_URL`, `SIPAS_*`), then command-line flags (applied by the CLI).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Everything the service can be told. Every key can be set in the TOML file under the
/// same name, or by the environment variable listed in [`ENV_VARS`].
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// `postgres://…`, `sqlite://PATH` or a file path.
    pub database_url: String,
    /// Address the HTTP server listens on.
    pub bind: String,
    /// Base URL printed in survey links and QR codes; defaults to `http://<bind>`.
    pub public_url: Option<String>,
    /// Folder with the survey definition files.
    pub survey_dir: PathBuf,
    /// Days an invitation stays open.
    pub invitation_ttl_days: u32,
    /// Survey used when an invitation names none: by field code, else `default_survey`.
    pub default_surveys: BTreeMap<String, String>,
    pub default_survey: String,
    /// Key that derives survey-link tokens (≥ 32 characters). All instances must share it.
    pub secret_key: Option<String>,
    /// Where the key is kept when `secret_key` is not set; created on first start.
    pub secret_key_file: PathBuf,
    pub db_pool_size: u32,
    /// Seconds a request waits for a database connection before it gets a 503.
    pub db_timeout_secs: u64,
    pub rate_limits: RateLimits,
    /// Largest accepted request body (JSON or form) in bytes.
    pub max_body_bytes: usize,
    /// Take the client address from `X-Forwarded-For`/`Forwarded` (only behind a proxy you run).
    pub trust_proxy_headers: bool,
    /// The proxies (addresses or CIDR networks) whose `X-Forwarded-For`/`Forwarded` hops are
    /// believed; the client is the rightmost hop outside them. Empty with `trust_proxy_headers`:
    /// only the direct peer is believed.
    pub trusted_proxies: Vec<String>,
    /// `text` or `json` log lines.
    pub log_format: LogFormat,
    /// Minutes without a request after which a staff session ends.
    pub session_idle_minutes: u32,
    /// Hours after login after which a staff session ends, however active.
    pub session_max_hours: u32,
    /// Figures with fewer valid answers are flagged small-n: shown greyed, left out of rankings.
    pub small_n: u64,
    /// Milliseconds between two runs of the background folder, which adds new responses to the
    /// aggregate counters (`store::aggregates::fold_pending`); 0 turns it off (then only
    /// `sipas verify-aggregates` folds).
    pub aggregate_fold_interval_ms: u64,
    /// Folder for export files (each job gets a sub-folder named by its id).
    pub export_dir: PathBuf,
    /// Hours a finished export can be downloaded before its files are removed.
    pub export_ttl_hours: u32,
    /// Seconds a running export stays its worker's without a heartbeat; after that (the
    /// worker's service crashed or restarted) another worker takes it up again.
    pub export_lease_secs: u32,
    /// Starts of one export before it is failed (a job that keeps killing its worker).
    pub export_max_attempts: u32,
    /// Milliseconds an export pauses after each batch of responses, so that a large export
    /// leaves the database to citizens' submissions; 0 = no pause.
    pub export_batch_pause_ms: u64,
    /// Exports one user or API key may have queued or running at once.
    pub export_max_open: u32,
    /// Rows one user or API key may export in 24 hours: once the jobs created in the last 24
    /// hours hold that many rows, new ones are refused until the oldest age out.
    pub export_max_rows_per_day: u64,
    /// Rows a long-format XLSX may hold (at most one Excel sheet, 1,048,575); a larger one is
    /// refused with a pointer to CSV or Parquet.
    pub export_long_xlsx_max_rows: u32,
    /// The SMTP server: `smtp://host:port` (plain, or STARTTLS when offered), `smtp://…?tls=required`
    /// or `smtps://host:465`; credentials as `smtp://user:pass@host`. Unset: e-mail is off (nothing
    /// is queued, citizens' addresses are erased after the reminder window all the same).
    pub smtp_url: Option<String>,
    /// The sender, e.g. `Khảo sát hài lòng <noreply@khaosat.hanoi.gov.vn>`.
    pub mail_from: String,
    /// E-mails handed to the SMTP server per minute, at most (one instance).
    pub mail_rate_per_minute: u32,
    /// Hanoi times (`HH:MM-HH:MM`) in which citizens' mails, digests and alerts wait (export
    /// notices, which someone is waiting for, do not); empty: no quiet hours.
    pub mail_quiet_hours: Option<String>,
    /// Tries before a mail the server keeps refusing for now is failed. With the backoff below,
    /// ten tries cover an SMTP server that is down for more than three hours.
    pub mail_max_attempts: u32,
    /// The wait after the first failed try, doubled after each further one (at most an hour).
    pub mail_retry_base_secs: u32,
    /// Seconds a mail being sent stays its worker's; after that (a crash) another takes it. At
    /// least `mail_timeout_secs` + 10 is used.
    pub mail_lease_secs: u32,
    /// Seconds one send may take, from connecting to the server's reply to the message (at most
    /// 30 of them connecting). A send cut off is tried again later.
    pub mail_timeout_secs: u32,
    /// Hours after the invitation mail at which the one reminder goes out, if the survey is
    /// still open; 0 = no reminder.
    pub reminder_after_hours: u32,
    /// The satisfaction target in percent: digests compare with it, alerts fire below it.
    pub index_target: f64,
    /// Days of the rolling window an agency's index is watched over.
    pub alert_window_days: u32,
    /// Responses the rolling window needs before a drop below the target is alerted.
    pub alert_min_responses: u64,
    /// Hanoi hour at which the previous days' low-rating comment alerts go out together, so an
    /// alert's arrival never tells when the citizen answered; empty: at once.
    pub comment_alert_release_hour: Option<u32>,
    /// Hanoi hour on Mondays from which the last week's digests are queued.
    pub digest_hour: u32,
    /// Seconds between two runs of the mail schedule (digests, index alerts, erasing addresses).
    pub mail_schedule_interval_secs: u32,
}

/// Requests allowed per minute, each with a burst of a quarter of that (at least 5).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimits {
    /// Per survey link: stops hammering one token without touching anyone else.
    pub per_token: u32,
    /// Per API key: a dossier system can mint in bulk but not without bound.
    pub per_api_key: u32,
    /// Per client address, deliberately loose: a one-stop centre puts many citizens
    /// behind one Wi-Fi address.
    pub per_ip: u32,
    /// Staff login attempts per account (and password-change attempts per account).
    pub login_per_account: u32,
    /// Staff login attempts per client address.
    pub login_per_ip: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits { per_token: 60, per_api_key: 6_000, per_ip: 1_200, login_per_account: 5, login_per_ip: 30 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            database_url: "sqlite://data/sipas.db".into(),
            bind: "127.0.0.1:8080".into(),
            public_url: None,
            survey_dir: "survey-definitions".into(),
            invitation_ttl_days: 30,
            default_surveys: [("education", "education-public"), ("health", "health-public")]
                .into_iter()
                .map(|(f, s)| (f.to_owned(), s.to_owned()))
                .collect(),
            default_survey: "sipas-dossier".into(),
            secret_key: None,
            secret_key_file: "data/secret.key".into(),
            db_pool_size: 16,
            db_timeout_secs: 3,
            rate_limits: RateLimits::default(),
            max_body_bytes: 64 * 1024,
            trust_proxy_headers: false,
            trusted_proxies: Vec::new(),
            log_format: LogFormat::Text,
            session_idle_minutes: 30,
            session_max_hours: 12,
            small_n: crate::indices::DEFAULT_SMALL_N,
            aggregate_fold_interval_ms: 200,
            export_dir: "data/exports".into(),
            export_ttl_hours: 7 * 24,
            export_lease_secs: 60,
            export_max_attempts: 3,
            export_batch_pause_ms: 0,
            export_max_open: 3,
            export_max_rows_per_day: 10_000_000,
            export_long_xlsx_max_rows: 1_048_575,
            smtp_url: None,
            mail_from: "Khảo sát sự hài lòng <noreply@localhost>".into(),
            mail_rate_per_minute: 120,
            mail_quiet_hours: Some("21:00-07:00".into()),
            mail_max_attempts: 10,
            mail_retry_base_secs: 30,
            mail_lease_secs: 60,
            mail_timeout_secs: 300,
            reminder_after_hours: 72,
            index_target: crate::charts::DEFAULT_TARGET,
            alert_window_days: 30,
            alert_min_responses: crate::indices::DEFAULT_SMALL_N,
            comment_alert_release_hour: Some(7),
            digest_hour: 7,
            mail_schedule_interval_secs: 300,
        }
    }
}

/// A configuration mistake, naming the file or variable and the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path}: {message}")]
    File { path: String, message: String },
    #[error("environment variable {var}: {message}")]
    Env { var: &'static str, message: String },
    #[error("{key}: {message}")]
    Invalid { key: &'static str, message: String },
}

/// The environment variables read, with the setting each one sets.
pub const ENV_VARS: &[(&str, &str)] = &[
    ("DATABASE_URL", "database_url"),
    ("SIPAS_BIND", "bind"),
    ("SIPAS_PUBLIC_URL", "public_url"),
    ("SIPAS_SURVEY_DIR", "survey_dir"),
    ("SIPAS_INVITATION_TTL_DAYS", "invitation_ttl_days"),
    ("SIPAS_DEFAULT_SURVEYS", "default_surveys (field=survey,field=survey)"),
    ("SIPAS_DEFAULT_SURVEY", "default_survey"),
    ("SIPAS_SECRET_KEY", "secret_key"),
    ("SIPAS_SECRET_KEY_FILE", "secret_key_file"),
    ("SIPAS_DB_POOL_SIZE", "db_pool_size"),
    ("SIPAS_DB_TIMEOUT_SECS", "db_timeout_secs"),
    ("SIPAS_RATE_PER_TOKEN", "rate_limits.per_token"),
    ("SIPAS_RATE_PER_API_KEY", "rate_limits.per_api_key"),
    ("SIPAS_RATE_PER_IP", "rate_limits.per_ip"),
    ("SIPAS_RATE_LOGIN_PER_ACCOUNT", "rate_limits.login_per_account"),
    ("SIPAS_RATE_LOGIN_PER_IP", "rate_limits.login_per_ip"),
    ("SIPAS_SESSION_IDLE_MINUTES", "session_idle_minutes"),
    ("SIPAS_SMALL_N", "small_n"),
    ("SIPAS_SESSION_MAX_HOURS", "session_max_hours"),
    ("SIPAS_AGGREGATE_FOLD_INTERVAL_MS", "aggregate_fold_interval_ms"),
    ("SIPAS_MAX_BODY_BYTES", "max_body_bytes"),
    ("SIPAS_EXPORT_DIR", "export_dir"),
    ("SIPAS_EXPORT_TTL_HOURS", "export_ttl_hours"),
    ("SIPAS_EXPORT_LEASE_SECS", "export_lease_secs"),
    ("SIPAS_EXPORT_MAX_ATTEMPTS", "export_max_attempts"),
    ("SIPAS_EXPORT_BATCH_PAUSE_MS", "export_batch_pause_ms"),
    ("SIPAS_EXPORT_MAX_OPEN", "export_max_open"),
    ("SIPAS_EXPORT_MAX_ROWS_PER_DAY", "export_max_rows_per_day"),
    ("SIPAS_EXPORT_LONG_XLSX_MAX_ROWS", "export_long_xlsx_max_rows"),
    ("SIPAS_SMTP_URL", "smtp_url"),
    ("SIPAS_MAIL_FROM", "mail_from"),
    ("SIPAS_MAIL_RATE_PER_MINUTE", "mail_rate_per_minute"),
    ("SIPAS_MAIL_QUIET_HOURS", "mail_quiet_hours (HH:MM-HH:MM, empty for none)"),
    ("SIPAS_MAIL_MAX_ATTEMPTS", "mail_max_attempts"),
    ("SIPAS_MAIL_RETRY_BASE_SECS", "mail_retry_base_secs"),
    ("SIPAS_MAIL_LEASE_SECS", "mail_lease_secs"),
    ("SIPAS_MAIL_TIMEOUT_SECS", "mail_timeout_secs"),
    ("SIPAS_REMINDER_AFTER_HOURS", "reminder_after_hours"),
    ("SIPAS_INDEX_TARGET", "index_target (percent)"),
    ("SIPAS_ALERT_WINDOW_DAYS", "alert_window_days"),
    ("SIPAS_ALERT_MIN_RESPONSES", "alert_min_responses"),
    ("SIPAS_COMMENT_ALERT_RELEASE_HOUR", "comment_alert_release_hour (0-23, empty for at once)"),
    ("SIPAS_DIGEST_HOUR", "digest_hour"),
    ("SIPAS_MAIL_SCHEDULE_INTERVAL_SECS", "mail_schedule_interval_secs"),
    ("SIPAS_LOG_FORMAT", "log_format (text|json)"),
    ("SIPAS_TRUST_PROXY_HEADERS", "trust_proxy_headers (true|false)"),
    ("SIPAS_TRUSTED_PROXIES", "trusted_proxies (comma-separated addresses or CIDRs)"),
];

impl Settings {
    /// Loads defaults, then `file` (if given), then the process environment.
    pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
        Settings::load_with(file, |k| std::env::var(k).ok())
    }

    /// Like [`Settings::load`] with an injectable environment (for tests).
    pub fn load_with(file: Option<&Path>, env: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
        let mut s = match file {
            Some(path) => {
                let shown = path.display().to_string();
                let text = std::fs::read_to_string(path)
                    .map_err(|source| ConfigError::Read { path: shown.clone(), source })?;
                toml::from_str(&text).map_err(|e| ConfigError::File { path: shown, message: e.to_string() })?
            }
            None => Settings::default(),
        };
        s.apply_env(env)?;
        s.validate()?;
        Ok(s)
    }

    fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn num<T: std::str::FromStr>(var: &'static str, v: &str) -> Result<T, ConfigError> {
            v.trim()
                .parse()
                .map_err(|_| ConfigError::Env { var, message: format!("expected a whole number, got `{v}`") })
        }
        for &(var, _) in ENV_VARS {
            let Some(v) = env(var) else { continue };
            match var {
                "DATABASE_URL" => self.database_url = v,
                "SIPAS_BIND" => self.bind = v,
                "SIPAS_PUBLIC_URL" => self.public_url = Some(v),
                "SIPAS_SURVEY_DIR" => self.survey_dir = v.into(),
                "SIPAS_INVITATION_TTL_DAYS" => self.invitation_ttl_days = num(var, &v)?,
                "SIPAS_DEFAULT_SURVEYS" => {
                    self.default_surveys = parse_pairs(&v).map_err(|message| ConfigError::Env { var, message })?
                }
                "SIPAS_DEFAULT_SURVEY" => self.default_survey = v,
                "SIPAS_SECRET_KEY" => self.secret_key = Some(v),
                "SIPAS_SECRET_KEY_FILE" => self.secret_key_file = v.into(),
                "SIPAS_DB_POOL_SIZE" => self.db_pool_size = num(var, &v)?,
                "SIPAS_DB_TIMEOUT_SECS" => self.db_timeout_secs = num(var, &v)?,
                "SIPAS_RATE_PER_TOKEN" => self.rate_limits.per_token = num(var, &v)?,
                "SIPAS_RATE_PER_API_KEY" => self.rate_limits.per_api_key = num(var, &v)?,
                "SIPAS_RATE_PER_IP" => self.rate_limits.per_ip = num(var, &v)?,
                "SIPAS_RATE_LOGIN_PER_ACCOUNT" => self.rate_limits.login_per_account = num(var, &v)?,
                "SIPAS_RATE_LOGIN_PER_IP" => self.rate_limits.login_per_ip = num(var, &v)?,
                "SIPAS_SESSION_IDLE_MINUTES" => self.session_idle_minutes = num(var, &v)?,
                "SIPAS_SMALL_N" => self.small_n = num(var, &v)?,
                "SIPAS_SESSION_MAX_HOURS" => self.session_max_hours = num(var, &v)?,
                "SIPAS_AGGREGATE_FOLD_INTERVAL_MS" => self.aggregate_fold_interval_ms = num(var, &v)?,
                "SIPAS_MAX_BODY_BYTES" => self.max_body_bytes = num(var, &v)?,
                "SIPAS_EXPORT_DIR" => self.export_dir = v.into(),
                "SIPAS_EXPORT_TTL_HOURS" => self.export_ttl_hours = num(var, &v)?,
                "SIPAS_EXPORT_LEASE_SECS" => self.export_lease_secs = num(var, &v)?,
                "SIPAS_EXPORT_MAX_ATTEMPTS" => self.export_max_attempts = num(var, &v)?,
                "SIPAS_EXPORT_BATCH_PAUSE_MS" => self.export_batch_pause_ms = num(var, &v)?,
                "SIPAS_EXPORT_MAX_OPEN" => self.export_max_open = num(var, &v)?,
                "SIPAS_EXPORT_MAX_ROWS_PER_DAY" => self.export_max_rows_per_day = num(var, &v)?,
                "SIPAS_EXPORT_LONG_XLSX_MAX_ROWS" => self.export_long_xlsx_max_rows = num(var, &v)?,
                "SIPAS_SMTP_URL" => self.smtp_url = Some(v).filter(|u| !u.trim().is_empty()),
                "SIPAS_MAIL_FROM" => self.mail_from = v,
                "SIPAS_MAIL_RATE_PER_MINUTE" => self.mail_rate_per_minute = num(var, &v)?,
                "SIPAS_MAIL_QUIET_HOURS" => self.mail_quiet_hours = Some(v).filter(|q| !q.trim().is_empty()),
                "SIPAS_MAIL_MAX_ATTEMPTS" => self.mail_max_attempts = num(var, &v)?,
                "SIPAS_MAIL_RETRY_BASE_SECS" => self.mail_retry_base_secs = num(var, &v)?,
                "SIPAS_MAIL_LEASE_SECS" => self.mail_lease_secs = num(var, &v)?,
                "SIPAS_MAIL_TIMEOUT_SECS" => self.mail_timeout_secs = num(var, &v)?,
                "SIPAS_REMINDER_AFTER_HOURS" => self.reminder_after_hours = num(var, &v)?,
                "SIPAS_INDEX_TARGET" => {
                    self.index_target = v.trim().parse().map_err(|_| ConfigError::Env {
                        var,
                        message: format!("expected a percentage such as 85 or 82.5, got `{v}`"),
                    })?
                }
                "SIPAS_ALERT_WINDOW_DAYS" => self.alert_window_days = num(var, &v)?,
                "SIPAS_ALERT_MIN_RESPONSES" => self.alert_min_responses = num(var, &v)?,
                "SIPAS_COMMENT_ALERT_RELEASE_HOUR" => {
                    self.comment_alert_release_hour = if v.trim().is_empty() { None } else { Some(num(var, &v)?) }
                }
                "SIPAS_DIGEST_HOUR" => self.digest_hour = num(var, &v)?,
                "SIPAS_MAIL_SCHEDULE_INTERVAL_SECS" => self.mail_schedule_interval_secs = num(var, &v)?,
                "SIPAS_TRUSTED_PROXIES" => {
                    self.trusted_proxies =
                        v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
                }
                "SIPAS_TRUST_PROXY_HEADERS" => {
                    self.trust_proxy_headers = match v.trim() {
                        "true" | "1" => true,
                        "false" | "0" => false,
                        _ => {
                            return Err(ConfigError::Env {
                                var,
                                message: format!("expected `true` or `false`, got `{v}`"),
                            })
                        }
                    }
                }
                "SIPAS_LOG_FORMAT" => {
                    self.log_format = match v.trim() {
                        "text" => LogFormat::Text,
                        "json" => LogFormat::Json,
                        _ => {
                            return Err(ConfigError::Env {
                                var,
                                message: format!("expected `text` or `json`, got `{v}`"),
                            })
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Checks what serde cannot: ranges and cross-field rules.
    /// Whose forwarding headers are believed ([`crate::domain::net::client_address`]).
    pub fn proxy_trust(&self) -> Result<crate::domain::net::ProxyTrust, String> {
        use crate::domain::net::{parse_network, ProxyTrust};
        if !self.trusted_proxies.is_empty() {
            let nets = self.trusted_proxies.iter().map(|s| parse_network(s)).collect::<Result<Vec<_>, _>>()?;
            Ok(ProxyTrust::Networks(nets))
        } else if self.trust_proxy_headers {
            Ok(ProxyTrust::DirectPeer)
        } else {
            Ok(ProxyTrust::None)
        }
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key, message: &str| Err(ConfigError::Invalid { key, message: message.to_owned() });
        if self.invitation_ttl_days == 0 || self.invitation_ttl_days > 365 {
            return invalid("invitation_ttl_days", "must be between 1 and 365");
        }
        if self.db_pool_size == 0 {
            return invalid("db_pool_size", "must be at least 1");
        }
        if self.max_body_bytes < 1024 {
            return invalid("max_body_bytes", "must be at least 1024");
        }
        if let Err(e) = self.proxy_trust() {
            return invalid("trusted_proxies", &e);
        }
        let r = &self.rate_limits;
        if r.per_token == 0 || r.per_api_key == 0 || r.per_ip == 0 || r.login_per_account == 0 || r.login_per_ip == 0 {
            return invalid("rate_limits", "every limit must be at least 1 per minute");
        }
        if self.small_n == 0 || self.small_n > 100_000 {
            return invalid("small_n", "must be between 1 and 100000");
        }
        if self.session_idle_minutes == 0 || self.session_idle_minutes > 24 * 60 {
            return invalid("session_idle_minutes", "must be between 1 and 1440");
        }
        if self.session_max_hours == 0 || self.session_max_hours > 24 * 7 {
            return invalid("session_max_hours", "must be between 1 and 168");
        }
        if self.aggregate_fold_interval_ms > 3_600_000 {
            return invalid("aggregate_fold_interval_ms", "must be at most 3600000 (one hour); 0 turns folding off");
        }
        if self.export_ttl_hours == 0 || self.export_ttl_hours > 24 * 365 {
            return invalid("export_ttl_hours", "must be between 1 and 8760 (a year)");
        }
        if self.export_lease_secs < 2 || self.export_lease_secs > 3600 {
            return invalid("export_lease_secs", "must be between 2 and 3600");
        }
        if self.export_max_attempts == 0 || self.export_max_attempts > 100 {
            return invalid("export_max_attempts", "must be between 1 and 100");
        }
        if self.export_batch_pause_ms > 60_000 {
            return invalid("export_batch_pause_ms", "must be at most 60000 (a minute)");
        }
        if self.export_max_open == 0 || self.export_max_open > 1000 {
            return invalid("export_max_open", "must be between 1 and 1000");
        }
        if self.export_max_rows_per_day == 0 {
            return invalid("export_max_rows_per_day", "must be at least 1");
        }
        if self.export_long_xlsx_max_rows == 0 || self.export_long_xlsx_max_rows > 1_048_575 {
            return invalid("export_long_xlsx_max_rows", "must be between 1 and 1048575 (one Excel sheet)");
        }
        if let Some(url) = &self.smtp_url {
            if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                return invalid("smtp_url", "must start with smtp:// or smtps://");
            }
        }
        if self.mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return invalid("mail_from", "must be an address such as `Khảo sát <noreply@example.vn>`");
        }
        if let Some(q) = &self.mail_quiet_hours {
            if let Err(m) = crate::email::QuietHours::parse(q) {
                return invalid("mail_quiet_hours", &m);
            }
        }
        if self.mail_rate_per_minute == 0 || self.mail_rate_per_minute > 60_000 {
            return invalid("mail_rate_per_minute", "must be between 1 and 60000");
        }
        if self.mail_max_attempts == 0 || self.mail_max_attempts > 100 {
            return invalid("mail_max_attempts", "must be between 1 and 100");
        }
        if self.mail_retry_base_secs == 0 || self.mail_retry_base_secs > 3600 {
            return invalid("mail_retry_base_secs", "must be between 1 and 3600");
        }
        if self.mail_lease_secs < 2 || self.mail_lease_secs > 3600 {
            return invalid("mail_lease_secs", "must be between 2 and 3600");
        }
        if self.mail_timeout_secs == 0 || self.mail_timeout_secs > 600 {
            return invalid("mail_timeout_secs", "must be between 1 and 600");
        }
        if self.reminder_after_hours >= self.invitation_ttl_days * 24 {
            return invalid("reminder_after_hours", "must be shorter than the invitation's life (invitation_ttl_days)");
        }
        if !(self.index_target > 0.0 && self.index_target <= 100.0) {
            return invalid("index_target", "must be a percentage above 0 and at most 100");
        }
        if self.alert_window_days == 0 || self.alert_window_days > 366 {
            return invalid("alert_window_days", "must be between 1 and 366");
        }
        if self.alert_min_responses == 0 {
            return invalid("alert_min_responses", "must be at least 1");
        }
        if self.comment_alert_release_hour.is_some_and(|h| h > 23) {
            return invalid("comment_alert_release_hour", "must be an hour from 0 to 23, or empty");
        }
        if self.digest_hour > 23 {
            return invalid("digest_hour", "must be an hour from 0 to 23");
        }
        if self.mail_schedule_interval_secs == 0 || self.mail_schedule_interval_secs > 86_400 {
            return invalid("mail_schedule_interval_secs", "must be between 1 and 86400");
        }
        if let Some(key) = &self.secret_key {
            if key.len() < 32 {
                return invalid("secret_key", "must be at least 32 characters");
            }
        }
        if let Some(url) = &self.public_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return invalid("public_url", "must start with http:// or https://");
            }
        }
        for field in self.default_surveys.keys() {
            if crate::domain::Field::parse(field).is_err() {
                return invalid("default_surveys", &format!("unknown field `{field}`"));
            }
        }
        Ok(())
    }

    /// Whether links are served over HTTPS, so cookies must be `Secure`.
    pub fn is_https(&self) -> bool {
        self.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
    }

    /// The survey id for invitations of `field` that name none.
    pub fn default_survey_for(&self, field: crate::domain::Field) -> &str {
        self.default_surveys.get(field.code()).map(String::as_str).unwrap_or(&self.default_survey)
    }

    /// The base URL for links, given the address actually bound (port 0 resolves late).
    pub fn resolved_public_url(&self, bound: std::net::SocketAddr) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None if bound.ip().is_unspecified() => format!("http://localhost:{}", bound.port()),
            None => format!("http://{bound}"),
        }
    }
}

fn parse_pairs(v: &str) -> Result<BTreeMap<String, String>, String> {
    v.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() && !v.trim().is_empty() => {
                Ok((k.trim().to_owned(), v.trim().to_owned()))
            }
            _ => Err(format!("expected `field=survey` pairs separated by commas, got `{p}`")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn defaults_then_file_then_env() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sipas.toml");
        std::fs::write(&file, "bind = \"0.0.0.0:9000\"\ninvitation_ttl_days = 10\n[rate_limits]\nper_ip = 50\n")
            .unwrap();
        let s = Settings::load_with(Some(&file), env(&[("SIPAS_INVITATION_TTL_DAYS", "14")])).unwrap();
        assert_eq!(s.bind, "0.0.0.0:9000");
        assert_eq!(s.invitation_ttl_days, 14);
        assert_eq!(s.rate_limits.per_ip, 50);
        assert_eq!(s.rate_limits.per_token, RateLimits::default().per_token);
        assert_eq!(s.database_url, "sqlite://data/sipas.db");
    }

    #[test]
    fn unknown_file_keys_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, "bindd = \"x\"\n").unwrap();
        let err = Settings::load_with(Some(&file), env(&[])).unwrap_err().to_string();
        assert!(err.contains("bad.toml") && err.contains("bindd"), "{err}");
    }

    #[test]
    fn bad_env_values_name_the_variable() {
        let err = Settings::load_with(None, env(&[("SIPAS_DB_POOL_SIZE", "many")])).unwrap_err().to_string();
        assert_eq!(err, "environment variable SIPAS_DB_POOL_SIZE: expected a whole number, got `many`");
        let err = Settings::load_with(None, env(&[("SIPAS_DEFAULT_SURVEYS", "land")])).unwrap_err().to_string();
        assert!(err.contains("SIPAS_DEFAULT_SURVEYS"), "{err}");
        let err = Settings::load_with(None, env(&[("SIPAS_DEFAULT_SURVEYS", "farming=x")])).unwrap_err().to_string();
        assert!(err.contains("unknown field `farming`"), "{err}");
    }

    #[test]
    fn default_survey_by_field() {
        let s = Settings::load_with(None, env(&[("SIPAS_DEFAULT_SURVEYS", "health=health-public")])).unwrap();
        assert_eq!(s.default_survey_for(crate::domain::Field::Health), "health-public");
        assert_eq!(s.default_survey_for(crate::domain::Field::Land), "sipas-dossier");
    }

    #[test]
    fn session_settings_and_https() {
        let s = Settings::load_with(None, env(&[("SIPAS_SESSION_IDLE_MINUTES", "15")])).unwrap();
        assert_eq!((s.session_idle_minutes, s.session_max_hours), (15, 12));
        assert_eq!(s.aggregate_fold_interval_ms, 200);
        let s = Settings::load_with(None, env(&[("SIPAS_AGGREGATE_FOLD_INTERVAL_MS", "250")])).unwrap();
        assert_eq!(s.aggregate_fold_interval_ms, 250);
        assert!(Settings::load_with(None, env(&[("SIPAS_AGGREGATE_FOLD_INTERVAL_MS", "soon")])).is_err());
        assert!(!s.is_https());
        let err = Settings::load_with(None, env(&[("SIPAS_SESSION_MAX_HOURS", "0")])).unwrap_err().to_string();
        assert!(err.contains("session_max_hours"), "{err}");
        let s = Settings::load_with(None, env(&[("SIPAS_PUBLIC_URL", "https://khaosat.hanoi.gov.vn")])).unwrap();
        assert!(s.is_https(), "cookies get Secure behind https");
    }

    #[test]
    fn public_url_from_bind() {
        let s = Settings::default();
        assert_eq!(s.resolved_public_url("127.0.0.1:8080".parse().unwrap()), "http://127.0.0.1:8080");
        assert_eq!(s.resolved_public_url("0.0.0.0:80".parse().unwrap()), "http://localhost:80");
        let s = Settings { public_url: Some("https://khaosat.hanoi.gov.vn/".into()), ..Settings::default() };
        assert_eq!(s.resolved_public_url("0.0.0.0:80".parse().unwrap()), "https://khaosat.hanoi.gov.vn");
    }
}
