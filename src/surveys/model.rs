//! Validated survey definitions. Values of these types only come out of the parser, so the
//! rest of the service never has to re-check a survey (ids unique, items placed, weights sane).

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::domain::{Channel, Field, Locale};

/// A user-facing text in both languages; Vietnamese is the default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Text {
    pub vi: String,
    pub en: String,
}

impl Text {
    /// The text in the given language.
    pub fn get(&self, locale: Locale) -> &str {
        locale.pick(&self.vi, &self.en)
    }
}

/// The lowest and highest points of the satisfaction scale; fixed by the SIPAS method.
pub const SCALE_MIN: i64 = 1;
pub const SCALE_MAX: i64 = 5;

/// Labels of the 1–5 satisfaction scale and of the "no opinion / not applicable" answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scale {
    /// `labels[0]` is point 1 ("Rất không hài lòng"), `labels[4]` point 5 ("Rất hài lòng").
    pub labels: [Text; 5],
    pub not_applicable: Text,
}

impl Scale {
    /// The label of a point 1–5; `None` off the scale.
    pub fn label(&self, point: i64) -> Option<&Text> {
        usize::try_from(point - SCALE_MIN).ok().and_then(|i| self.labels.get(i))
    }
}

/// The known index methods. A new method gets a new id, so old results stay reproducible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MethodKind {
    /// PRODUCT §4: item rate = share of answers ≥ threshold among valid 1–5 answers;
    /// criterion = weighted mean of item rates; domain = weighted mean of criteria;
    /// overall = weighted mean of domains (weights default to equal).
    #[serde(rename = "sipas-v1")]
    SipasV1,
}

impl MethodKind {
    pub const ALL: &'static [MethodKind] = &[MethodKind::SipasV1];

    /// The id written in `[index] method`.
    pub fn code(self) -> &'static str {
        match self {
            MethodKind::SipasV1 => "sipas-v1",
        }
    }

    pub fn parse(s: &str) -> Option<MethodKind> {
        MethodKind::ALL.iter().copied().find(|m| m.code() == s)
    }
}

/// How answers of this survey are turned into indices.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndexMethod {
    pub kind: MethodKind,
    /// An answer ≥ threshold counts as satisfied (4 = "Hài lòng" or better).
    pub threshold: i64,
}

/// A group of criteria with its own index (the per-dossier survey has one: `service`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Domain {
    pub id: String,
    pub title: Text,
    /// Resolved weight in the overall index: the file's value, or 1/n when weights are omitted.
    pub weight: f64,
}

/// A criterion (tiêu chí) with its rating items resolved, in the order the file lists them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Criterion {
    pub id: String,
    /// The id of its [`Domain`].
    pub domain: String,
    pub title: Text,
    /// Resolved weight within its domain: the file's value, or 1/n of the domain's criteria.
    pub weight: f64,
    pub items: Vec<Item>,
}

/// A 1–5 satisfaction statement that counts towards its criterion's index.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub id: String,
    pub text: Text,
    /// The channels the item is asked for, in [`Channel::ALL`] order (all when the file omits it).
    pub channels: Vec<Channel>,
    /// Whether "Không có ý kiến / không áp dụng" may be answered (stored as missing).
    pub not_applicable: bool,
    pub required: bool,
}

impl Item {
    /// Whether the item is asked of people who used this channel.
    pub fn applies_to(&self, channel: Channel) -> bool {
        self.channels.contains(&channel)
    }
}

/// One option of a choice question; its id is stable and stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChoiceOption {
    pub id: String,
    pub label: Text,
}

/// A question outside the criteria (overall rating, priorities, expectations).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Question {
    pub id: String,
    pub text: Text,
    pub required: bool,
    pub kind: QuestionKind,
}

/// What a [`Question`] accepts.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QuestionKind {
    /// 1–5 on the satisfaction scale; not part of any criterion.
    Rating { not_applicable: bool },
    /// Up to `max_choices` of `options`; stored as one row per chosen option.
    MultiChoice { options: Vec<ChoiceOption>, max_choices: usize },
    /// A whole number 0–100.
    Percent,
}

/// The optional free-text comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommentSpec {
    /// Limit in characters (not bytes): Vietnamese letters take 2–3 bytes in UTF-8.
    pub max_chars: usize,
    pub prompt: Text,
}

/// The fixed respondent-profile columns of a response; a survey picks which ones it asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileField {
    Respondent,
    Gender,
    AgeGroup,
    Education,
    Occupation,
}

impl ProfileField {
    pub const ALL: &'static [ProfileField] = &[
        ProfileField::Respondent,
        ProfileField::Gender,
        ProfileField::AgeGroup,
        ProfileField::Education,
        ProfileField::Occupation,
    ];

    /// The id used in the file, in forms (`profile.<id>`) and as the column name.
    pub fn code(self) -> &'static str {
        match self {
            ProfileField::Respondent => "respondent",
            ProfileField::Gender => "gender",
            ProfileField::AgeGroup => "age_group",
            ProfileField::Education => "education",
            ProfileField::Occupation => "occupation",
        }
    }

    pub fn parse(s: &str) -> Option<ProfileField> {
        ProfileField::ALL.iter().copied().find(|p| p.code() == s)
    }
}

/// An optional profile question; answers are always optional.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileQuestion {
    pub id: ProfileField,
    pub text: Text,
    pub options: Vec<ChoiceOption>,
}

impl ProfileQuestion {
    pub fn option(&self, id: &str) -> Option<&ChoiceOption> {
        self.options.iter().find(|o| o.id == id)
    }
}

/// The criteria of a survey as shown to someone who used a given channel: only the
/// applicable items, in file order.
#[derive(Debug, Clone)]
pub struct Section<'a> {
    pub criterion: &'a Criterion,
    pub items: Vec<&'a Item>,
}

/// A validated survey definition (one file of `survey-definitions/`).
///
/// Fields are private so that only [`SurveyDefinition::parse`] can make one.
#[derive(Debug, Clone)]
pub struct SurveyDefinition {
    pub(super) source: String,
    pub(super) content_hash: String,
    pub(super) body: Body,
}

/// Everything that is hashed: the parsed content with defaults filled in.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Body {
    pub(super) id: String,
    pub(super) version: u32,
    pub(super) title: Text,
    pub(super) intro: Text,
    pub(super) fields: Vec<Field>,
    pub(super) scale: Scale,
    pub(super) index: IndexMethod,
    pub(super) domains: Vec<Domain>,
    pub(super) criteria: Vec<Criterion>,
    pub(super) questions: Vec<Question>,
    pub(super) comment: Option<CommentSpec>,
    pub(super) profile: Vec<ProfileQuestion>,
}

/// Prefix of the hashed bytes. Bump it only together with a migration of stored hashes:
/// a changed canonical form would make every frozen version look edited.
const CANONICAL_FORMAT: &str = "sipas-survey-definition/1\n";

impl Body {
    /// Lowercase hex SHA-256 of the canonical JSON of the parsed content. Comments, key order
    /// and whitespace in the file do not reach the parsed content, so they do not change it.
    pub(super) fn content_hash(&self) -> Result<String, serde_json::Error> {
        let json = serde_json::to_vec(self)?;
        let mut hasher = Sha256::new();
        hasher.update(CANONICAL_FORMAT.as_bytes());
        hasher.update(&json);
        Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }
}

/// Where an answer key points in a definition.
#[derive(Debug, Clone, Copy)]
pub enum AnswerTarget<'a> {
    Item(&'a Item),
    Question(&'a Question),
}

impl SurveyDefinition {
    /// The survey id, e.g. `sipas-dossier`.
    pub fn id(&self) -> &str {
        &self.body.id
    }

    /// The version (≥ 1); a published version never changes.
    pub fn version(&self) -> u32 {
        self.body.version
    }

    /// Lowercase hex SHA-256 of the canonical content; stored with invitations to freeze it.
    pub fn content_hash(&self) -> &str {
        &self.content_hash
    }

    /// The file the definition came from, as given to [`SurveyDefinition::parse`].
    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn title(&self) -> &Text {
        &self.body.title
    }

    pub fn intro(&self) -> &Text {
        &self.body.intro
    }

    /// The fields (lĩnh vực) the survey is meant for; informational, may be empty.
    pub fn fields(&self) -> &[Field] {
        &self.body.fields
    }

    pub fn scale(&self) -> &Scale {
        &self.body.scale
    }

    pub fn method(&self) -> &IndexMethod {
        &self.body.index
    }

    pub fn domains(&self) -> &[Domain] {
        &self.body.domains
    }

    /// All criteria in file order, each with all its items.
    pub fn criteria(&self) -> &[Criterion] {
        &self.body.criteria
    }

    /// The criteria of one domain, in file order.
    pub fn criteria_of<'a>(&'a self, domain: &'a str) -> impl Iterator<Item = &'a Criterion> {
        self.body.criteria.iter().filter(move |c| c.domain == domain)
    }

    /// Every rating item, in criterion order.
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.body.criteria.iter().flat_map(|c| c.items.iter())
    }

    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items().find(|i| i.id == id)
    }

    /// The questions outside the criteria, in file order.
    pub fn questions(&self) -> &[Question] {
        &self.body.questions
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.body.questions.iter().find(|q| q.id == id)
    }

    /// The item or question answered under this key.
    pub fn target(&self, id: &str) -> Option<AnswerTarget<'_>> {
        self.item(id).map(AnswerTarget::Item).or_else(|| self.question(id).map(AnswerTarget::Question))
    }

    /// The comment field, if the survey has one.
    pub fn comment(&self) -> Option<&CommentSpec> {
        self.body.comment.as_ref()
    }

    /// The profile questions, in file order.
    pub fn profile(&self) -> &[ProfileQuestion] {
        &self.body.profile
    }

    pub fn profile_question(&self, id: ProfileField) -> Option<&ProfileQuestion> {
        self.body.profile.iter().find(|p| p.id == id)
    }

    /// The criteria as asked of someone who used `channel`: only the items that apply, in
    /// file order; criteria with no applicable item are left out.
    pub fn sections_for(&self, channel: Channel) -> Vec<Section<'_>> {
        self.body
            .criteria
            .iter()
            .map(|criterion| Section {
                criterion,
                items: criterion.items.iter().filter(|i| i.applies_to(channel)).collect(),
            })
            .filter(|s| !s.items.is_empty())
            .collect()
    }
}
