//! Identifiers that arrive from outside (the dossier system, files): validated once here.

use serde::{Deserialize, Serialize};

/// Why a code or address was refused; the text is shown to API clients as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
    #[error("contains a character that is not allowed: {0:?}")]
    BadChar(char),
    #[error("is not a valid e-mail address")]
    BadEmail,
}

fn check(s: &str, max: usize, allowed: impl Fn(char) -> bool) -> Result<String, CodeError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(CodeError::Empty);
    }
    if s.chars().count() > max {
        return Err(CodeError::TooLong { max });
    }
    if let Some(c) = s.chars().find(|c| !allowed(*c)) {
        return Err(CodeError::BadChar(c));
    }
    Ok(s.to_owned())
}

/// Official codes (mã định danh, procedure codes) are ASCII with a few separators.
fn is_code_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/')
}

macro_rules! string_code {
    ($(#[$meta:meta])* $name:ident, max = $max:expr, allowed = $allowed:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub const MAX_LEN: usize = $max;

            pub fn parse(s: &str) -> Result<Self, CodeError> {
                check(s, $max, $allowed).map($name)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = CodeError;
            fn try_from(s: String) -> Result<Self, CodeError> {
                $name::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(c: $name) -> String {
                c.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_code!(
    /// An agency's stable code, preferably its official electronic identifier (mã định danh).
    AgencyCode, max = 64, allowed = is_code_char
);
string_code!(
    /// A code from the national procedure catalogue, e.g. `1.004227.000.00.00.H26`.
    ProcedureCode, max = 64, allowed = is_code_char
);
string_code!(
    /// The dossier's number in the one-stop system. Any printable text, 1–64 characters.
    DossierCode, max = 64, allowed = |c: char| !c.is_control()
);

/// The first control character of `s` (NUL, escape, tab …), if any; with `line_breaks`, CR
/// and LF are allowed (a comment's paragraphs). No stored text may hold one: PostgreSQL
/// refuses NUL outright, and the rest break CSV, logs and terminals.
pub fn control_char(s: &str, line_breaks: bool) -> Option<char> {
    s.chars().find(|c| c.is_control() && !(line_breaks && matches!(c, '\n' | '\r')))
}

/// An e-mail address, checked for shape only (delivery tells the rest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(CodeError::Empty);
        }
        if s.len() > 254 {
            return Err(CodeError::TooLong { max: 254 });
        }
        let (local, domain) = s.rsplit_once('@').ok_or(CodeError::BadEmail)?;
        let bad_char = |c: char| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"' | '@');
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        if local.is_empty() || local.len() > 64 || local.chars().any(bad_char) || !domain_ok {
            return Err(CodeError::BadEmail);
        }
        Ok(EmailAddress(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = CodeError;
    fn try_from(s: String) -> Result<Self, CodeError> {
        EmailAddress::parse(&s)
    }
}

impl From<EmailAddress> for String {
    fn from(e: EmailAddress) -> String {
        e.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dossier_codes() {
        assert_eq!(DossierCode::parse("  HS-2026/001 ").unwrap().as_str(), "HS-2026/001");
        assert_eq!(DossierCode::parse("   "), Err(CodeError::Empty));
        assert_eq!(DossierCode::parse(&"x".repeat(65)), Err(CodeError::TooLong { max: 64 }));
        assert!(DossierCode::parse(&"đ".repeat(64)).is_ok());
        assert_eq!(DossierCode::parse("a\u{0}b"), Err(CodeError::BadChar('\u{0}')));
    }

    #[test]
    fn control_characters_are_found_line_breaks_only_where_allowed() {
        assert_eq!(control_char("Tốt\nlắm", true), None);
        assert_eq!(control_char("Tốt\nlắm", false), Some('\n'));
        assert_eq!(control_char("a\u{0}b", true), Some('\u{0}'));
        assert_eq!(control_char("tab\there", true), Some('\t'));
        assert_eq!(control_char("\u{1b}[31m", true), Some('\u{1b}'));
        assert_eq!(control_char("Sở Y tế", false), None);
    }

    #[test]
    fn agency_codes_are_ascii() {
        assert!(AgencyCode::parse("000.00.12.H26").is_ok());
        assert_eq!(AgencyCode::parse("Sở Y tế"), Err(CodeError::BadChar('ở')));
    }

    #[test]
    fn emails() {
        assert!(EmailAddress::parse("nguyen.van.a@example.vn").is_ok());
        for bad in ["a", "a@b", "@example.vn", "a b@example.vn", "a@example..vn", "a@exa\r\nmple.vn", "x@y.vn>"] {
            assert_eq!(EmailAddress::parse(bad), Err(CodeError::BadEmail), "{bad}");
        }
    }
}
