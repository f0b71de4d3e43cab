//! The file format as written: serde structs that refuse unknown keys. Values are kept loose
//! (integers as `i64`, codes as strings) so that the parser can name the key in its errors.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSurvey {
    pub id: String,
    pub version: i64,
    pub title: RawText,
    pub intro: RawText,
    #[serde(default)]
    pub fields: Vec<String>,
    pub scale: RawScale,
    pub index: RawIndex,
    pub domains: Vec<RawDomain>,
    pub criteria: Vec<RawCriterion>,
    pub items: Vec<RawItem>,
    #[serde(default)]
    pub questions: Vec<RawQuestion>,
    pub comment: Option<RawComment>,
    #[serde(default)]
    pub profile: Vec<RawProfile>,
}

/// Both languages are optional here so that a missing one gets a clear message.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawText {
    pub vi: Option<String>,
    pub en: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScale {
    pub labels: RawScaleLabels,
    pub not_applicable: RawText,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScaleLabels {
    pub vi: Vec<String>,
    pub en: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawIndex {
    pub method: String,
    pub threshold: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDomain {
    pub id: String,
    pub title: RawText,
    pub weight: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCriterion {
    pub id: String,
    pub domain: String,
    pub title: RawText,
    pub weight: Option<f64>,
    pub items: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawItem {
    pub id: String,
    pub text: RawText,
    pub channels: Option<Vec<String>>,
    #[serde(default)]
    pub not_applicable: bool,
    pub required: Option<bool>,
}

/// One struct for every kind, so that a key that does not fit the kind gets a clear message.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawQuestion {
    pub id: String,
    pub kind: String,
    pub text: RawText,
    pub required: Option<bool>,
    pub not_applicable: Option<bool>,
    pub options: Option<Vec<RawOption>>,
    pub max_choices: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOption {
    pub id: String,
    pub label: RawText,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawComment {
    pub max_chars: Option<i64>,
    pub prompt: RawText,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProfile {
    pub id: String,
    pub text: RawText,
    pub options: Vec<RawOption>,
}
