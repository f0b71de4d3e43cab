//! `SmtpSink`: a real SMTP server for the e-mail tests (tests/smtp/sink.py, on aiosmtpd). A test
//! starts it, points the app at `url()`, can kill and restart it on the same port (received
//! mail survives: it is stored on disk), inject faults, and read back what arrived, parsed.
//!
//! Faults (see sink.py): recipients `refuse…@` get 550, `busy…@` get 451; `set_drop_next`,
//! `set_delay_ms` and `set_reject_data` act at the end of DATA, switchable while it runs.
//!
//! The tests at the bottom prove the sink itself against lettre, the client the app uses.
//! They also pin two lettre 0.11 traits a sender must design around:
//! - `AsyncSmtpTransport`'s `timeout` bounds connecting only; a server that is slow to answer
//!   (`set_delay_ms`) holds a send for as long as it likes.
//! - With the `pool` feature, a send that is cancelled (dropped, e.g. by `tokio::time::timeout`)
//!   mid-transaction puts its connection back into the pool unbroken: the next sends on that
//!   transport read stale replies (one was seen "succeeding" on the `354` meant for an earlier
//!   DATA, while its message was not stored yet), and the cancelled message may still be
//!   delivered. So a cancelled send counts as possibly delivered, and its transport must not
//!   be used again.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use mailparse::{DispositionType, MailHeaderMap, ParsedMail};

use crate::helpers::manifest_dir;

/// How long to wait for `READY` from a freshly started sink (python start-up and import).
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a restarted sink keeps retrying to bind its old port.
const REBIND_SECS: &str = "15";

/// A running (or killed, restartable) SMTP sink. Killed on drop.
pub struct SmtpSink {
    pub port: u16,
    /// Holds `messages/` (the stored mail), the control files and `sink.log` (its stderr).
    pub dir: tempfile::TempDir,
    child: Option<Child>,
    python: &'static str,
}

/// One message as the sink stored it, parsed.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    /// RCPT TO addresses the sink accepted.
    pub envelope_to: Vec<String>,
    /// MAIL FROM ("" for the null sender).
    pub envelope_from: String,
    /// The bytes exactly as received after DATA (CRLF line ends, dot-unstuffed).
    pub raw: Vec<u8>,
    /// Top-level header values, RFC 2047 decoded and unfolded ("" when absent).
    pub subject: String,
    pub to: String,
    pub from: String,
    /// All top-level headers in order, decoded and unfolded.
    pub headers: Vec<(String, String)>,
    /// The first text/plain and text/html parts that are not attachments, decoded to UTF-8.
    pub text: Option<String>,
    pub html: Option<String>,
    /// Parts with a Content-ID, in tree order.
    pub inline: Vec<InlinePart>,
    /// Parts with `Content-Disposition: attachment` (and no Content-ID), in tree order.
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Clone)]
pub struct InlinePart {
    /// The Content-ID without the angle brackets.
    pub cid: String,
    /// The MIME type, lowercase, without parameters (e.g. `image/png`).
    pub content_type: String,
    /// The decoded bytes.
    pub data: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct Attachment {
    /// `filename` of Content-Disposition (RFC 2231 / 2047 decoded), else `name` of Content-Type.
    pub filename: Option<String>,
    pub content_type: String,
    pub data: Vec<u8>,
}

/// The first of /usr/bin/python3 and python3 that can import aiosmtpd, checked once.
fn python_with_aiosmtpd() -> Option<&'static str> {
    static FOUND: OnceLock<Option<&'static str>> = OnceLock::new();
    let found = *FOUND.get_or_init(|| {
        ["/usr/bin/python3", "python3"].into_iter().find(|python| {
            Command::new(python).args(["-c", "import aiosmtpd"]).output().is_ok_and(|o| o.status.success())
        })
    });
    if found.is_none() {
        assert!(
            std::env::var("SIPAS_TEST_REQUIRE_TOOLS").is_err(),
            "python3 with aiosmtpd is required but missing (Debian python3-aiosmtpd; scripts/test-prereqs)"
        );
        eprintln!("skipped: no python3 with aiosmtpd (Debian python3-aiosmtpd)");
    }
    found
}

/// A port that was free a moment ago: bind port 0, read it, let go.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

/// Why a sink did not come up.
struct SpawnError {
    /// The port was taken (sink.py exits with 3 once its bind retries run out).
    in_use: bool,
    message: String,
}

/// Starts sink.py and waits for its `READY <port>` line.
fn spawn(python: &str, port: u16, dir: &Path, bind_timeout: &str) -> Result<Child, SpawnError> {
    let log_path = dir.join("sink.log");
    let log = std::fs::OpenOptions::new().create(true).append(true).open(&log_path).expect("open sink.log");
    let mut child = Command::new(python)
        .arg(manifest_dir().join("tests/smtp/sink.py"))
        .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--bind-timeout", bind_timeout])
        .arg("--dir")
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("start tests/smtp/sink.py");
    // Read the first line on a thread, so the wait can time out.
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let read = BufReader::new(stdout).read_line(&mut line).map(|_| line);
        let _ = tx.send(read);
    });
    let first = rx.recv_timeout(READY_TIMEOUT);
    if let Ok(Ok(line)) = &first {
        if line.trim_end() == format!("READY {port}") {
            return Ok(child);
        }
    }
    let _ = child.kill();
    let status = child.wait().ok();
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    let tail: Vec<&str> = log.lines().rev().take(20).collect::<Vec<_>>().into_iter().rev().collect();
    Err(SpawnError {
        in_use: status.and_then(|s| s.code()) == Some(3),
        message: format!(
            "SMTP sink on port {port} did not get ready ({first:?}, exit {status:?}); sink.log:\n{}",
            tail.join("\n")
        ),
    })
}

impl SmtpSink {
    /// Starts the sink on a free port; None (skip) when /usr/bin/python3 or python3 with aiosmtpd is
    /// missing, panicking instead when SIPAS_TEST_REQUIRE_TOOLS is set.
    pub fn start() -> Option<SmtpSink> {
        let python = python_with_aiosmtpd()?;
        let dir = tempfile::tempdir().expect("temp dir");
        // The free port can be taken by someone else before the sink binds it: then try another.
        for attempt in 1..=5 {
            let port = free_port();
            match spawn(python, port, dir.path(), "0") {
                Ok(child) => return Some(SmtpSink { port, dir, child: Some(child), python }),
                Err(e) if e.in_use && attempt < 5 => continue,
                Err(e) => panic!("{}", e.message),
            }
        }
        unreachable!("the last attempt returns or panics")
    }

    /// `smtp://127.0.0.1:PORT` (plain SMTP, no TLS), for the app's settings or lettre's `from_url`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// SIGKILL and wait: connections die mid-sentence, nothing is flushed. The port stays this
    /// sink's, for `restart`.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the sink again on the same port and folder (killing it first if it runs) and waits
    /// until it listens. The port may be in use for a moment (sockets of the old process); the
    /// sink retries binding for a few seconds.
    pub fn restart(&mut self) {
        self.kill();
        match spawn(self.python, self.port, self.dir.path(), REBIND_SECS) {
            Ok(child) => self.child = Some(child),
            Err(e) => panic!("restart: {}", e.message),
        }
    }

    /// Drop the connection (no reply, nothing stored) at the end of DATA of the next `n`
    /// messages; 0 turns it off.
    pub fn set_drop_next(&self, n: u32) {
        self.control("drop-next", (n > 0).then(|| n.to_string()));
    }

    /// Sleep `ms` before handling the end of DATA (0: no delay). A client that gives up in the
    /// meantime leaves nothing stored.
    pub fn set_delay_ms(&self, ms: u64) {
        self.control("delay-ms", (ms > 0).then(|| ms.to_string()));
    }

    /// Reply `554 5.6.0 rejected` to the end of DATA (and store nothing) while on.
    pub fn set_reject_data(&self, on: bool) {
        self.control("reject-data", on.then(String::new));
    }

    /// Writes (atomically: the sink may read it any time) or removes a control file.
    fn control(&self, name: &str, content: Option<String>) {
        let path = self.dir.path().join(name);
        match content {
            Some(content) => {
                let tmp = self.dir.path().join(format!(".{name}.tmp"));
                std::fs::write(&tmp, content).expect("write control file");
                std::fs::rename(&tmp, &path).expect("rename control file");
            }
            None => match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => panic!("remove {}: {e}", path.display()),
                _ => {}
            },
        }
    }

    /// All stored messages in arrival order (file names start with the arrival time in ns).
    pub fn messages(&self) -> Vec<ReceivedMail> {
        let folder = self.dir.path().join("messages");
        let mut stems: Vec<String> = match std::fs::read_dir(&folder) {
            Ok(entries) => entries
                .map(|e| e.expect("read messages/").file_name().to_string_lossy().into_owned())
                .filter(|name| !name.starts_with('.'))
                .filter_map(|name| name.strip_suffix(".eml").map(str::to_owned))
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => panic!("read {}: {e}", folder.display()),
        };
        stems.sort();
        stems
            .iter()
            .map(|stem| {
                let raw = std::fs::read(folder.join(format!("{stem}.eml"))).expect("read .eml");
                let meta = std::fs::read(folder.join(format!("{stem}.json"))).expect("the .json beside the .eml");
                let meta: serde_json::Value = serde_json::from_slice(&meta).expect("sidecar JSON");
                let envelope_from = meta["mail_from"].as_str().unwrap_or_default().to_owned();
                let envelope_to = meta["rcpt_tos"]
                    .as_array()
                    .expect("rcpt_tos")
                    .iter()
                    .map(|r| r.as_str().expect("recipient").to_owned())
                    .collect();
                ReceivedMail::parse(raw, envelope_from, envelope_to)
            })
            .collect()
    }

    /// Polls every 100 ms until at least `n` messages are stored or `timeout` passes, then returns
    /// what is there: the caller asserts on it.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + timeout;
        loop {
            let messages = self.messages();
            if messages.len() >= n || Instant::now() >= deadline {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Forgets all stored messages (not the control files).
    pub fn clear(&self) {
        let folder = self.dir.path().join("messages");
        let Ok(entries) = std::fs::read_dir(&folder) else { return };
        let mut names: Vec<_> = entries
            .map(|e| e.expect("read messages/").path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml" || x == "json"))
            .collect();
        // .eml first: a message is visible exactly while its .eml is there.
        names.sort_by_key(|p| p.extension().is_some_and(|x| x == "json"));
        for path in names {
            std::fs::remove_file(&path).expect("remove stored message");
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.kill();
    }
}

impl ReceivedMail {
    /// Parses raw message bytes (panics on a message mailparse cannot read).
    pub fn parse(raw: Vec<u8>, envelope_from: String, envelope_to: Vec<String>) -> ReceivedMail {
        let parsed = mailparse::parse_mail(&raw).expect("parse the stored message");
        let headers: Vec<(String, String)> = parsed.headers.iter().map(|h| (h.get_key(), h.get_value())).collect();
        let first = |name: &str| parsed.headers.get_first_value(name).unwrap_or_default();
        let (subject, to, from) = (first("Subject"), first("To"), first("From"));
        let mut mail = ReceivedMail {
            envelope_to,
            envelope_from,
            raw: Vec::new(),
            subject,
            to,
            from,
            headers,
            text: None,
            html: None,
            inline: Vec::new(),
            attachments: Vec::new(),
        };
        mail.walk(&parsed);
        mail.raw = raw;
        mail
    }

    /// Sorts the leaves of the MIME tree into text, html, inline parts and attachments.
    fn walk(&mut self, part: &ParsedMail<'_>) {
        if part.ctype.mimetype.starts_with("multipart/") {
            for sub in &part.subparts {
                self.walk(sub);
            }
            return;
        }
        let disposition = part.get_content_disposition();
        let content_type = part.ctype.mimetype.to_ascii_lowercase();
        if let Some(cid) = part.headers.get_first_value("Content-ID") {
            let cid = cid.trim().trim_start_matches('<').trim_end_matches('>').to_owned();
            let data = part.get_body_raw().expect("decode an inline part");
            self.inline.push(InlinePart { cid, content_type, data });
        } else if disposition.disposition == DispositionType::Attachment {
            let filename = disposition.params.get("filename").or_else(|| part.ctype.params.get("name")).cloned();
            let data = part.get_body_raw().expect("decode an attachment");
            self.attachments.push(Attachment { filename, content_type, data });
        } else if content_type == "text/plain" && self.text.is_none() {
            self.text = Some(part.get_body().expect("decode text/plain"));
        } else if content_type == "text/html" && self.html.is_none() {
            self.html = Some(part.get_body().expect("decode text/html"));
        }
    }

    /// The first top-level header of that name (case-insensitive), decoded.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// How many top-level headers have that name (case-insensitive).
    pub fn header_count(&self, name: &str) -> usize {
        self.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lettre::message::header::{ContentType, HeaderName, HeaderValue};
    use lettre::message::{Attachment as LettreAttachment, Mailbox, MultiPart, SinglePart};
    use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

    type Transport = AsyncSmtpTransport<Tokio1Executor>;

    /// A 1×1 transparent PNG.
    const PNG: &[u8] = &[
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
        0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00,
        0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d,
        0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
    ];
    const SUBJECT: &str = "Mời đánh giá – Sở Y tế";
    const UNSUBSCRIBE: &str = "<https://sipas.example.vn/huy?t=abc>, <mailto:huy@example.vn?subject=huy>";

    fn transport(sink: &SmtpSink) -> Transport {
        Transport::from_url(&sink.url()).unwrap().timeout(Some(Duration::from_secs(10))).build()
    }

    fn simple(to: &str, subject: &str) -> Message {
        Message::builder()
            .from("Sở Y tế <noreply@example.vn>".parse().unwrap())
            .to(to.parse().unwrap())
            .subject(subject)
            .body(format!("Nội dung: {subject}"))
            .unwrap()
    }

    fn invitation() -> Message {
        let html = SinglePart::html(String::from(
            "<p>Kính gửi ông/bà, mời <b>đánh giá</b> dịch vụ.</p><img src=\"cid:logo@sipas\">",
        ));
        let logo =
            LettreAttachment::new_inline(String::from("logo@sipas")).body(PNG.to_vec(), "image/png".parse().unwrap());
        let pdf = LettreAttachment::new(String::from("Hướng dẫn.pdf"))
            .body(b"%PDF-1.4 fake".to_vec(), ContentType::parse("application/pdf").unwrap());
        let body = MultiPart::mixed()
            .multipart(
                MultiPart::alternative()
                    .singlepart(SinglePart::plain(String::from("Kính gửi ông/bà, mời đánh giá dịch vụ.\n")))
                    .multipart(MultiPart::related().singlepart(html).singlepart(logo)),
            )
            .singlepart(pdf);
        Message::builder()
            .from(Mailbox::new(Some("Sở Y tế Hà Nội".into()), "noreply@example.vn".parse().unwrap()))
            .to(Mailbox::new(Some("Nguyễn Văn A".into()), "nguoi.dan@example.vn".parse().unwrap()))
            .subject(SUBJECT)
            .message_id(None)
            .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("List-Unsubscribe"), UNSUBSCRIBE.into()))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".into(),
            ))
            .multipart(body)
            .unwrap()
    }

    /// A hand-driven SMTP client, for what lettre cannot do: hang up after sending the data.
    struct RawSmtp {
        reader: tokio::io::BufReader<tokio::net::TcpStream>,
    }

    impl RawSmtp {
        async fn connect(port: u16) -> RawSmtp {
            let stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
            let mut conn = RawSmtp { reader: tokio::io::BufReader::new(stream) };
            conn.expect("220").await;
            conn.command("EHLO test", "250").await;
            conn
        }

        /// Reads one (possibly multi-line) reply and checks its code.
        async fn expect(&mut self, code: &str) {
            use tokio::io::AsyncBufReadExt;
            loop {
                let mut line = String::new();
                self.reader.read_line(&mut line).await.unwrap();
                assert!(line.starts_with(code), "expected {code}, got {line:?}");
                if line.as_bytes().get(3) != Some(&b'-') {
                    return;
                }
            }
        }

        async fn command(&mut self, command: &str, code: &str) {
            use tokio::io::AsyncWriteExt;
            self.reader.get_mut().write_all(format!("{command}\r\n").as_bytes()).await.unwrap();
            self.expect(code).await;
        }

        /// Runs a transaction up to and including the final dot, without reading the reply to it.
        async fn send_message(&mut self, to: &str, message: &str) {
            use tokio::io::AsyncWriteExt;
            self.command("MAIL FROM:<noreply@example.vn>", "250").await;
            self.command(&format!("RCPT TO:<{to}>"), "250").await;
            self.command("DATA", "354").await;
            self.reader.get_mut().write_all(format!("{message}.\r\n").as_bytes()).await.unwrap();
        }
    }

    #[tokio::test]
    async fn a_multipart_message_reads_back_decoded() {
        let Some(sink) = SmtpSink::start() else { return };
        let response = transport(&sink).send(invitation()).await.unwrap();
        assert!(response.is_positive());
        let reply = response.message().collect::<Vec<_>>().join(" ");
        assert!(reply.starts_with("OK queued as "), "{reply}");

        let mails = sink.wait_for(1, Duration::from_secs(5)).await;
        assert_eq!(mails.len(), 1);
        let mail = &mails[0];
        assert_eq!(mail.envelope_from, "noreply@example.vn");
        assert_eq!(mail.envelope_to, ["nguoi.dan@example.vn"]);
        assert_eq!(mail.subject, SUBJECT);
        // The header went out encoded: that is what the decoding above undid.
        let raw = String::from_utf8(mail.raw.clone()).unwrap();
        assert!(raw.contains("Subject: =?utf-8?"), "{raw}");
        assert!(raw.contains("\r\n"), "CRLF line ends as on the wire");
        assert_eq!(mail.from, "Sở Y tế Hà Nội <noreply@example.vn>");
        assert_eq!(mail.to, "Nguyễn Văn A <nguoi.dan@example.vn>");
        assert_eq!(mail.header("list-unsubscribe"), Some(UNSUBSCRIBE));
        assert_eq!(mail.header("List-Unsubscribe-Post"), Some("List-Unsubscribe=One-Click"));
        assert_eq!(mail.header_count("LIST-UNSUBSCRIBE"), 1);
        assert_eq!(mail.header_count("Subject"), 1);
        assert_eq!(mail.header_count("X-Absent"), 0);
        assert_eq!(mail.header("X-Absent"), None);
        assert!(mail.header("Message-ID").is_some_and(|id| id.starts_with('<')));
        assert_eq!(mail.headers.first().map(|(k, _)| k.as_str()), Some("From"));
        assert_eq!(mail.text.as_deref(), Some("Kính gửi ông/bà, mời đánh giá dịch vụ.\r\n"));
        let html = mail.html.as_deref().unwrap();
        assert!(html.contains("mời <b>đánh giá</b>") && html.contains("cid:logo@sipas"), "{html}");
        assert_eq!(mail.inline.len(), 1);
        assert_eq!(mail.inline[0].cid, "logo@sipas");
        assert_eq!(mail.inline[0].content_type, "image/png");
        assert_eq!(mail.inline[0].data, PNG);
        assert_eq!(mail.attachments.len(), 1);
        assert_eq!(mail.attachments[0].filename.as_deref(), Some("Hướng dẫn.pdf"));
        assert_eq!(mail.attachments[0].content_type, "application/pdf");
        assert_eq!(mail.attachments[0].data, b"%PDF-1.4 fake");
    }

    #[tokio::test]
    async fn raw_8bit_utf8_arrives_byte_for_byte_with_a_utf8_envelope() {
        let Some(sink) = SmtpSink::start() else { return };
        // Not encoded by lettre: 8-bit UTF-8 in headers and body, a line that starts with a dot
        // (dot-stuffed on the wire), and a UTF-8 recipient (SMTPUTF8).
        let raw = "From: Sở Y tế <noreply@example.vn>\r\nTo: người.nhận@example.vn\r\nSubject: Mời đánh giá\r\n\
                   Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\
                   Xin chào\r\n.Dòng bắt đầu bằng dấu chấm\r\n";
        let envelope = lettre::address::Envelope::new(
            Some("noreply@example.vn".parse().unwrap()),
            vec!["người.nhận@example.vn".parse().unwrap()],
        )
        .unwrap();
        transport(&sink).send_raw(&envelope, raw.as_bytes()).await.unwrap();
        let mails = sink.messages();
        assert_eq!(mails.len(), 1);
        // lettre ends DATA with "\r\n.\r\n" even when the message already ends with CRLF, so an
        // empty last line goes over the wire; the sink keeps exactly that.
        assert_eq!(mails[0].raw, format!("{raw}\r\n").as_bytes());
        assert_eq!(mails[0].envelope_to, ["người.nhận@example.vn"]);
        assert_eq!(mails[0].subject, "Mời đánh giá");
        assert_eq!(mails[0].to, "người.nhận@example.vn");
        assert_eq!(mails[0].text.as_deref(), Some("Xin chào\r\n.Dòng bắt đầu bằng dấu chấm\r\n\r\n"));
    }

    #[tokio::test]
    async fn a_10_mb_message_is_accepted_whole() {
        let Some(sink) = SmtpSink::start() else { return };
        // Pseudo-random bytes, so nothing compresses or repeats by accident.
        let mut x: u32 = 0x2545_f491;
        let data: Vec<u8> = (0..10 * 1024 * 1024)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x.to_le_bytes()[0]
            })
            .collect();
        let message = Message::builder()
            .from("noreply@example.vn".parse().unwrap())
            .to("a@example.vn".parse().unwrap())
            .subject("big")
            .singlepart(
                LettreAttachment::new(String::from("big.bin"))
                    .body(data.clone(), ContentType::parse("application/octet-stream").unwrap()),
            )
            .unwrap();
        transport(&sink).send(message).await.unwrap();
        let mails = sink.messages();
        assert_eq!(mails.len(), 1);
        assert!(mails[0].raw.len() > data.len(), "base64 makes it bigger");
        assert_eq!(mails[0].attachments.len(), 1);
        assert!(mails[0].attachments[0].data == data, "the 10 MB attachment changed on the way");
    }

    #[tokio::test]
    async fn refused_recipients_fail_permanently_and_busy_ones_transiently() {
        let Some(sink) = SmtpSink::start() else { return };
        let smtp = transport(&sink);

        let err = smtp.send(simple("refuse-x@example.vn", "refused")).await.unwrap_err();
        assert!(err.is_permanent(), "{err:?}");
        assert_eq!(err.status().map(|c| c.to_string()), Some("550".into()));
        // The reply names the address: the app has to scrub it before storing the error.
        assert!(err.to_string().contains("refuse-x@example.vn"), "{err}");

        let err = smtp.send(simple("Busy-y@example.vn", "busy")).await.unwrap_err();
        assert!(err.is_transient(), "{err:?}");
        assert_eq!(err.status().map(|c| c.to_string()), Some("451".into()));

        // The same transport (pool) still works, and nothing of the failures was stored.
        smtp.send(simple("ok@example.vn", "ok")).await.unwrap();
        let mails = sink.messages();
        assert_eq!(mails.iter().map(|m| m.subject.as_str()).collect::<Vec<_>>(), ["ok"]);
    }

    #[tokio::test]
    async fn drop_next_drops_the_connection_for_that_many_messages() {
        let Some(sink) = SmtpSink::start() else { return };
        let smtp = transport(&sink);

        sink.set_drop_next(1);
        let err = smtp.send(simple("a@example.vn", "dropped")).await.unwrap_err();
        assert!(!err.is_permanent() && !err.is_transient(), "no reply, so no SMTP code: {err:?}");
        assert!(sink.messages().is_empty());
        assert!(!sink.dir.path().join("drop-next").exists(), "one-shot");
        smtp.send(simple("a@example.vn", "after")).await.unwrap();

        sink.set_drop_next(2);
        for i in 0..2 {
            assert!(smtp.send(simple("a@example.vn", &format!("dropped {i}"))).await.is_err(), "drop {i}");
        }
        smtp.send(simple("a@example.vn", "after 2")).await.unwrap();

        sink.set_drop_next(3);
        sink.set_drop_next(0);
        smtp.send(simple("a@example.vn", "not dropped")).await.unwrap();

        let subjects: Vec<String> = sink.messages().into_iter().map(|m| m.subject).collect();
        assert_eq!(subjects, ["after", "after 2", "not dropped"]);
    }

    #[tokio::test]
    async fn reject_data_and_delay_ms() {
        let Some(sink) = SmtpSink::start() else { return };
        let smtp = transport(&sink);

        sink.set_reject_data(true);
        let err = smtp.send(simple("a@example.vn", "rejected")).await.unwrap_err();
        assert!(err.is_permanent(), "{err:?}");
        assert_eq!(err.status().map(|c| c.to_string()), Some("554".into()));
        sink.set_reject_data(false);

        // While the sink sleeps the send is still waiting for the reply (no stopwatch: a send that
        // is still pending after part of the delay can only be held by the sink).
        sink.set_delay_ms(1_500);
        let slow = tokio::spawn({
            let smtp = smtp.clone();
            async move { smtp.send(simple("a@example.vn", "slow")).await }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!slow.is_finished(), "the reply came before the delay");
        slow.await.unwrap().unwrap();

        // lettre's async (tokio) transport applies `timeout` to connecting only, not to replies: a
        // slow server holds a send as long as it likes. A sender has to bound sends itself.
        sink.set_delay_ms(800);
        let short = Transport::from_url(&sink.url()).unwrap().timeout(Some(Duration::from_millis(100))).build();
        short.send(simple("a@example.vn", "slower than the timeout")).await.unwrap();

        // A client that closes the connection while the sink sleeps leaves nothing behind. (Not
        // lettre: a cancelled send of a pooled transport keeps its connection open, see above.)
        sink.set_delay_ms(1_000);
        let mut conn = RawSmtp::connect(sink.port).await;
        conn.send_message("a@example.vn", "Subject: gave up\r\n\r\nx\r\n").await;
        drop(conn);
        // Past the moment the abandoned message would have been stored (the delay stays on until
        // then: the sink reads it only when the data has arrived).
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        sink.set_delay_ms(0);
        smtp.send(simple("a@example.vn", "fast again")).await.unwrap();

        let subjects: Vec<String> = sink.messages().into_iter().map(|m| m.subject).collect();
        assert_eq!(subjects, ["slow", "slower than the timeout", "fast again"]);
        sink.clear();
        assert!(sink.messages().is_empty());
        smtp.send(simple("a@example.vn", "after clear")).await.unwrap();
        assert_eq!(sink.messages().len(), 1);
    }

    #[tokio::test]
    async fn mail_survives_kill_and_restart_on_the_same_port() {
        let Some(mut sink) = SmtpSink::start() else { return };
        let port = sink.port;
        let smtp = transport(&sink);
        smtp.send(simple("a@example.vn", "before")).await.unwrap();

        sink.kill();
        let err = smtp.send(simple("a@example.vn", "while dead")).await.unwrap_err();
        assert!(!err.is_permanent() && !err.is_transient(), "{err:?}");
        assert_eq!(sink.messages().len(), 1, "stored mail is still readable while the sink is down");

        sink.restart();
        assert_eq!(sink.port, port);
        assert_eq!(sink.url(), format!("smtp://127.0.0.1:{port}"));
        smtp.send(simple("a@example.vn", "after")).await.unwrap();
        let mails = sink.wait_for(2, Duration::from_secs(5)).await;
        let subjects: Vec<&str> = mails.iter().map(|m| m.subject.as_str()).collect();
        assert_eq!(subjects, ["before", "after"]);

        // A restart of a running sink works too, and keeps the mail.
        sink.restart();
        smtp.send(simple("a@example.vn", "third")).await.unwrap();
        assert_eq!(sink.messages().len(), 3);
    }
}
