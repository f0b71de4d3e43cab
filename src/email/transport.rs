//! The SMTP connection: lettre over rustls with a small connection pool, and how its errors
//! are read (permanent refusals end a mail, anything else is tried again later).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};

/// Why the transport could not be set up (a configuration mistake).
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("smtp_url: {0}")]
    Url(String),
    #[error("mail_from: `{0}` is not an address")]
    From(String),
}

/// A try that did not deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendFailure {
    /// The server's reply or the connection problem, without the recipient's address.
    pub reason: String,
    /// The server refused for good (a 5xx reply): trying again cannot help.
    pub permanent: bool,
}

/// The configured SMTP server.
#[derive(Clone)]
pub struct Smtp {
    url: String,
    /// Replaced after a send that was cut off (see [`Smtp::send`]).
    transport: Arc<Mutex<AsyncSmtpTransport<Tokio1Executor>>>,
    pub from: Mailbox,
    timeout: Duration,
}

/// lettre's own timeout, which bounds connecting.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

fn build(url: &str, timeout: Duration) -> Result<AsyncSmtpTransport<Tokio1Executor>, TransportError> {
    Ok(AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map_err(|e| TransportError::Url(e.to_string()))?
        .timeout(Some(timeout.min(CONNECT_TIMEOUT)))
        .pool_config(PoolConfig::new().max_size(4).idle_timeout(Duration::from_secs(60)))
        .build())
}

impl Smtp {
    /// The transport for `url`, or an error naming the setting. Call it inside the Tokio
    /// runtime (the pool starts a task there).
    pub fn new(url: &str, from: &str, timeout: Duration) -> Result<Smtp, TransportError> {
        let from: Mailbox = from.parse().map_err(|_| TransportError::From(from.to_owned()))?;
        let transport = Arc::new(Mutex::new(build(url, timeout)?));
        Ok(Smtp { url: url.to_owned(), transport, from, timeout })
    }

    /// The domain of the sender address, for Message-IDs.
    pub fn domain(&self) -> &str {
        self.from.email.domain()
    }

    /// Hands `message` to the server; `Ok` carries the server's acceptance reply. `recipient`
    /// is removed from any error text (a refusal usually quotes it).
    ///
    /// lettre bounds only the connecting with its timeout, so the whole send is bounded here by
    /// `timeout`, which should be long: RFC 5321 asks clients to wait up to ten minutes for the
    /// reply to a message, and a server that is merely slow then delivers it once. A send cut
    /// off leaves its pooled connection mid-conversation, so the pool is replaced; the mail is
    /// tried again later, and if the slow server did accept it after all, it arrives twice.
    /// That is the price of not waiting forever.
    pub async fn send(&self, message: Message, recipient: &str) -> Result<String, SendFailure> {
        let whole = self.timeout;
        let transport = match self.transport.lock() {
            Ok(t) => t.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        match tokio::time::timeout(whole, transport.send(message)).await {
            Ok(Ok(reply)) => Ok(format!("{} {}", reply.code(), reply.message().collect::<Vec<_>>().join(" "))),
            Ok(Err(e)) => Err(SendFailure { reason: scrub(&e.to_string(), recipient), permanent: e.is_permanent() }),
            Err(_) => {
                drop(transport);
                match build(&self.url, self.timeout) {
                    Ok(fresh) => match self.transport.lock() {
                        Ok(mut t) => *t = fresh,
                        Err(poisoned) => *poisoned.into_inner() = fresh,
                    },
                    Err(e) => tracing::error!(error = %e, "could not rebuild the SMTP transport"),
                }
                Err(SendFailure {
                    reason: format!("the SMTP server did not finish within {} s", whole.as_secs()),
                    permanent: false,
                })
            }
        }
    }
}

/// `text` with every occurrence of `address` (any letter case) replaced by `<recipient>`.
pub fn scrub(text: &str, address: &str) -> String {
    if address.is_empty() {
        return text.to_owned();
    }
    let lower = text.to_lowercase();
    let needle = address.to_lowercase();
    // Lowercasing can change byte lengths outside ASCII; then fall back to a case-sensitive pass.
    if lower.len() != text.len() {
        return text.replace(address, "<recipient>");
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    for (i, _) in lower.match_indices(&needle) {
        out.push_str(&text[rest..i]);
        out.push_str("<recipient>");
        rest = i + needle.len();
    }
    out.push_str(&text[rest..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_scrubbed_from_errors() {
        let e = "permanent error (550): 5.1.1 <Refuse-An@Example.vn>: Recipient address rejected";
        assert_eq!(
            scrub(e, "refuse-an@example.vn"),
            "permanent error (550): 5.1.1 <<recipient>>: Recipient address rejected"
        );
        assert_eq!(scrub("no address here", "a@b.vn"), "no address here");
    }

    // The pool spawns its reaper on the Tokio runtime, so the transport is built inside one.
    #[tokio::test]
    async fn bad_settings_are_named() {
        let t = Duration::from_secs(5);
        assert!(matches!(Smtp::new("smtp://127.0.0.1:1025", "not an address", t), Err(TransportError::From(_))));
        assert!(matches!(Smtp::new("http://x", "a@b.vn", t), Err(TransportError::Url(_))));
        let ok = Smtp::new("smtp://127.0.0.1:1025", "Khảo sát <noreply@khaosat.example.vn>", t).unwrap();
        assert_eq!(ok.domain(), "khaosat.example.vn");
    }
}
