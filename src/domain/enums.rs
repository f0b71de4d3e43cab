//! Closed code lists from the product brief: channels and fields (lĩnh vực).

use serde::{Deserialize, Serialize};

/// A code that is not in its list; the message names the accepted codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{given}`; expected one of: {expected}")]
pub struct UnknownCode {
    pub what: &'static str,
    pub given: String,
    pub expected: String,
}

macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $what:literal {
            $($variant:ident => $code:literal, $vi:literal, $en:literal;)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "&'static str")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code stored in the database and used in the API.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The human name in the given language.
            pub fn name(self, locale: super::Locale) -> &'static str {
                match self { $($name::$variant => locale.pick($vi, $en)),+ }
            }

            /// Parses a code exactly as [`Self::code`] writes it.
            pub fn parse(s: &str) -> Result<$name, UnknownCode> {
                match s {
                    $($code => Ok($name::$variant),)+
                    _ => Err(UnknownCode {
                        what: $what,
                        given: s.chars().take(64).collect(),
                        expected: [$($code),+].join(", "),
                    }),
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = UnknownCode;
            fn try_from(s: String) -> Result<Self, Self::Error> { $name::parse(&s) }
        }

        impl From<$name> for &'static str {
            fn from(v: $name) -> &'static str { v.code() }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

code_enum! {
    /// How the citizen submitted the dossier; some survey items apply to one channel only.
    Channel, "channel" {
        Online => "online", "Trực tuyến", "Online";
        InPerson => "in_person", "Trực tiếp", "In person";
        Kiosk => "kiosk", "Ki-ốt", "Kiosk";
        Post => "post", "Bưu chính", "Post";
    }
}

code_enum! {
    /// The administrative field (lĩnh vực) a dossier belongs to.
    Field, "field" {
        Education => "education", "Giáo dục và đào tạo", "Education";
        Health => "health", "Y tế", "Health";
        Land => "land", "Đất đai", "Land";
        Investment => "investment", "Đầu tư", "Investment";
        Construction => "construction", "Xây dựng", "Construction";
        CivilStatus => "civil_status", "Hộ tịch", "Civil status";
        BusinessRegistration => "business_registration", "Đăng ký kinh doanh", "Business registration";
        LabourSocial => "labour_social", "Lao động, thương binh và xã hội", "Labour and social affairs";
        Transport => "transport", "Giao thông vận tải", "Transport";
        Environment => "environment", "Tài nguyên và môi trường", "Environment";
        Justice => "justice", "Tư pháp", "Justice";
        Other => "other", "Lĩnh vực khác", "Other";
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Locale;

    #[test]
    fn codes_round_trip() {
        for f in Field::ALL {
            assert_eq!(Field::parse(f.code()), Ok(*f));
        }
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.code()), Ok(*c));
        }
    }

    #[test]
    fn unknown_code_names_the_choices() {
        let err = Channel::parse("fax").unwrap_err();
        assert_eq!(err.to_string(), "unknown channel `fax`; expected one of: online, in_person, kiosk, post");
    }

    #[test]
    fn names_are_bilingual() {
        assert_eq!(Field::CivilStatus.name(Locale::Vi), "Hộ tịch");
        assert_eq!(Field::CivilStatus.name(Locale::En), "Civil status");
    }

    #[test]
    fn serde_uses_codes() {
        let json = serde_json::to_string(&Channel::InPerson).unwrap();
        assert_eq!(json, "\"in_person\"");
        let back: Channel = serde_json::from_str(&json).unwrap();
        assert_eq!(back, Channel::InPerson);
        assert!(serde_json::from_str::<Channel>("\"fax\"").is_err());
    }
}
