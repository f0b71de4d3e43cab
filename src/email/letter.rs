//! A composed e-mail in plain terms, and its conversion to a MIME message.
//!
//! Shape: `multipart/alternative` with the text part first and then a `multipart/related`
//! holding the HTML and its inline images (referenced as `cid:` from the HTML).

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::Message;

/// An image shown inside the HTML (`<img src="cid:{content_id}">`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineImage {
    /// Without angle brackets.
    pub content_id: String,
    /// File name offered by mail clients that list inline parts.
    pub name: String,
    /// `image/png`.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// What a message says, to whom, before it becomes MIME.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub to: String,
    pub to_name: Option<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub inline: Vec<InlineImage>,
    /// Digests and alerts: the signed one-click unsubscribe URL (RFC 8058).
    pub unsubscribe: Option<String>,
}

/// Why a letter could not become a message.
#[derive(Debug, thiserror::Error)]
pub enum LetterError {
    #[error("invalid address `{0}`")]
    Address(String),
    #[error("invalid content type `{0}`")]
    ContentType(String),
    #[error("cannot build the message: {0}")]
    Build(#[from] lettre::error::Error),
}

/// Control characters (CR, LF, tabs …) become spaces: a header is one line whatever a name or
/// a subject holds. lettre would encode them rather than inject a header, but a folded subject
/// is no use to anyone either.
pub fn one_line(s: &str) -> String {
    let flat: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    flat.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Letter {
    /// The MIME message from `from`, with `message_id` (`<…@…>`) so that a receiver can tell a
    /// resend of the same outbox row apart from a new mail.
    pub fn to_message(&self, from: &Mailbox, message_id: &str) -> Result<Message, LetterError> {
        let address = self.to.parse().map_err(|_| LetterError::Address(self.to.clone()))?;
        let to = Mailbox::new(self.to_name.as_deref().map(one_line).filter(|n| !n.is_empty()), address);
        let mut builder = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(one_line(&self.subject))
            .message_id(Some(message_id.to_owned()));
        if let Some(url) = &self.unsubscribe {
            let url = one_line(url);
            builder = builder
                .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("List-Unsubscribe"), format!("<{url}>")))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".to_owned(),
                ))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("Auto-Submitted"),
                    "auto-generated".into(),
                ));
        }
        let mut related = MultiPart::related().singlepart(SinglePart::html(self.html.clone()));
        for image in &self.inline {
            let content_type = ContentType::parse(&image.content_type)
                .map_err(|_| LetterError::ContentType(image.content_type.clone()))?;
            related = related.singlepart(
                Attachment::new_inline_with_name(image.content_id.clone(), image.name.clone())
                    .body(image.bytes.clone(), content_type),
            );
        }
        let body = MultiPart::alternative().singlepart(SinglePart::plain(self.text.clone())).multipart(related);
        Ok(builder.multipart(body)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn letter() -> Letter {
        Letter {
            to: "an@example.vn".into(),
            to_name: Some("Nguyễn Văn An\r\nBcc: evil@example.com".into()),
            subject: "Mời đánh giá – Sở Y tế\r\nBcc: evil@example.com".into(),
            text: "Xin chào".into(),
            html: "<p>Xin chào <img src=\"cid:qr\"></p>".into(),
            inline: vec![InlineImage {
                content_id: "qr".into(),
                name: "qr.png".into(),
                content_type: "image/png".into(),
                bytes: vec![0x89, b'P', b'N', b'G'],
            }],
            unsubscribe: Some("https://khaosat.example.vn/unsubscribe/abc".into()),
        }
    }

    #[test]
    fn headers_stay_single_lines_and_carry_unsubscribe() {
        let from: Mailbox = "Khảo sát <noreply@khaosat.example.vn>".parse().unwrap();
        let raw = String::from_utf8(letter().to_message(&from, "<1@khaosat.example.vn>").unwrap().formatted()).unwrap();
        let head = raw.split("\r\n\r\n").next().unwrap();
        assert!(!head.lines().any(|l| l.starts_with("Bcc:")), "{head}");
        assert!(head.contains("List-Unsubscribe: <https://khaosat.example.vn/unsubscribe/abc>"), "{head}");
        assert!(head.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"), "{head}");
        assert!(head.contains("Message-ID: <1@khaosat.example.vn>"), "{head}");
        assert!(raw.contains("Content-ID: <qr>"), "{raw}");
        assert!(raw.contains("multipart/related"), "{raw}");
    }

    #[test]
    fn bad_addresses_are_errors() {
        let from: Mailbox = "noreply@khaosat.example.vn".parse().unwrap();
        let l = Letter { to: "not an address".into(), ..letter() };
        assert!(matches!(l.to_message(&from, "<1@x>"), Err(LetterError::Address(_))));
        assert_eq!(one_line(" a\r\n\tb  c "), "a b c");
    }
}
