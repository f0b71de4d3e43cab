//! Checking a submitted response against its survey definition, and the long-form rows
//! (one per answered item) that storage writes.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::model::{
    AnswerTarget, ProfileField, Question, QuestionKind, SurveyDefinition, SCALE_MAX, SCALE_MIN,
};
use crate::domain::{Channel, Locale};

/// One submitted answer, as routes build it from an HTML form or JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerValue {
    /// A point of a scale (1–5) or a percentage (0–100).
    Int(i64),
    /// "Không có ý kiến / không áp dụng" (form value `na`).
    NotApplicable,
    /// The chosen option ids of a multi-choice question (repeated form keys, or a JSON array).
    Choices(Vec<String>),
}

impl AnswerValue {
    /// Builds a value from the form values sent under one key (several for checkboxes).
    /// Returns `None` when nothing was chosen (no values, or only empty ones), which counts
    /// as unanswered. Option ids always start with a letter and `na` is reserved, so a
    /// single value is unambiguous.
    pub fn from_form_values<S: AsRef<str>>(values: &[S]) -> Option<AnswerValue> {
        let values: Vec<&str> = values
            .iter()
            .map(|v| v.as_ref().trim())
            .filter(|v| !v.is_empty())
            .collect();
        match values.as_slice() {
            [] => None,
            [one] if one.eq_ignore_ascii_case("na") => Some(AnswerValue::NotApplicable),
            [one] => Some(match one.parse::<i64>() {
                Ok(n) => AnswerValue::Int(n),
                Err(_) => AnswerValue::Choices(vec![(*one).to_owned()]),
            }),
            many => Some(AnswerValue::Choices(
                many.iter().map(|s| (*s).to_owned()).collect(),
            )),
        }
    }
}

/// JSON form: a number, `"na"`, an option id, or an array of option ids.
impl<'de> Deserialize<'de> for AnswerValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = AnswerValue;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a whole number, \"na\", an option id or a list of option ids")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<AnswerValue, E> {
                Ok(AnswerValue::Int(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<AnswerValue, E> {
                i64::try_from(v)
                    .map(AnswerValue::Int)
                    .map_err(|_| E::custom("number too large"))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<AnswerValue, E> {
                AnswerValue::from_form_values(&[v]).ok_or_else(|| E::custom("empty answer"))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<AnswerValue, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    out.push(s);
                }
                Ok(AnswerValue::Choices(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// A whole submitted response, before validation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct AnswerInput {
    /// Keyed by item or question id.
    #[serde(default)]
    pub answers: BTreeMap<String, AnswerValue>,
    #[serde(default)]
    pub comment: Option<String>,
    /// Keyed by profile question id (`respondent`, `gender`, …); values are option ids.
    #[serde(default)]
    pub profile: BTreeMap<String, String>,
}

/// One long-form answer row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    /// The item or question id; `<question id>.<option id>` for a chosen option.
    pub item_id: String,
    /// 1–5, 0–100 for percent, 1 for a chosen option; `None` = "not applicable".
    pub value: Option<i32>,
}

/// The fixed respondent-profile columns; `None` = not answered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    pub respondent: Option<String>,
    pub gender: Option<String>,
    pub age_group: Option<String>,
    pub education: Option<String>,
    pub occupation: Option<String>,
}

impl Profile {
    fn slot(&mut self, field: ProfileField) -> &mut Option<String> {
        match field {
            ProfileField::Respondent => &mut self.respondent,
            ProfileField::Gender => &mut self.gender,
            ProfileField::AgeGroup => &mut self.age_group,
            ProfileField::Education => &mut self.education,
            ProfileField::Occupation => &mut self.occupation,
        }
    }

    /// The answer for a profile column.
    pub fn get(&self, field: ProfileField) -> Option<&str> {
        match field {
            ProfileField::Respondent => self.respondent.as_deref(),
            ProfileField::Gender => self.gender.as_deref(),
            ProfileField::AgeGroup => self.age_group.as_deref(),
            ProfileField::Education => self.education.as_deref(),
            ProfileField::Occupation => self.occupation.as_deref(),
        }
    }
}

/// A response that fits its survey and channel, ready to store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidAnswers {
    /// Rows in survey order: criteria items first, then the questions.
    pub answers: Vec<StoredAnswer>,
    /// Trimmed; an empty comment is `None`.
    pub comment: Option<String>,
    pub profile: Profile,
}

/// What is wrong with one answer; shown next to the question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerError {
    Required,
    NotOnScale { min: i64, max: i64 },
    NotApplicableNotAllowed,
    UnknownItem,
    NotForChannel,
    UnknownOption,
    TooManyChoices { max: usize },
    TooLong { max: usize },
    WrongType,
}

impl AnswerError {
    /// A short, polite message for the citizen.
    pub fn message(&self, locale: Locale) -> String {
        match (self, locale) {
            (AnswerError::Required, Locale::Vi) => "Xin vui lòng trả lời câu này.".into(),
            (AnswerError::Required, Locale::En) => "Please answer this question.".into(),
            (AnswerError::NotOnScale { min, max }, Locale::Vi) => {
                format!("Xin vui lòng chọn một số từ {min} đến {max}.")
            }
            (AnswerError::NotOnScale { min, max }, Locale::En) => {
                format!("Please choose a number from {min} to {max}.")
            }
            (AnswerError::NotApplicableNotAllowed, Locale::Vi) => {
                "Xin vui lòng chọn một mức đánh giá cho câu này.".into()
            }
            (AnswerError::NotApplicableNotAllowed, Locale::En) => {
                "Please choose a rating for this question.".into()
            }
            (AnswerError::UnknownItem, Locale::Vi) => {
                "Câu hỏi này không có trong phiếu khảo sát.".into()
            }
            (AnswerError::UnknownItem, Locale::En) => "This question is not in the survey.".into(),
            (AnswerError::NotForChannel, Locale::Vi) => {
                "Câu hỏi này không áp dụng với hình thức Ông/Bà đã sử dụng.".into()
            }
            (AnswerError::NotForChannel, Locale::En) => {
                "This question does not apply to the way you used the service.".into()
            }
            (AnswerError::UnknownOption, Locale::Vi) => {
                "Lựa chọn này không hợp lệ, xin vui lòng chọn lại.".into()
            }
            (AnswerError::UnknownOption, Locale::En) => {
                "This choice is not valid; please choose again.".into()
            }
            (AnswerError::TooManyChoices { max }, Locale::Vi) => {
                format!("Xin vui lòng chọn tối đa {max} mục.")
            }
            (AnswerError::TooManyChoices { max }, Locale::En) => {
                format!("Please choose at most {max}.")
            }
            (AnswerError::TooLong { max }, Locale::Vi) => {
                format!("Xin vui lòng viết ngắn hơn, tối đa {max} ký tự.")
            }
            (AnswerError::TooLong { max }, Locale::En) => {
                format!("Please write at most {max} characters.")
            }
            (AnswerError::WrongType, Locale::Vi) => {
                "Câu trả lời không đúng dạng, xin vui lòng thử lại.".into()
            }
            (AnswerError::WrongType, Locale::En) => {
                "This answer is not in the expected form; please try again.".into()
            }
        }
    }
}

/// Every problem of a response, keyed by item/question id, `comment` or `profile.<id>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnswerErrors(pub BTreeMap<String, AnswerError>);

impl std::fmt::Display for AnswerErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys: Vec<&str> = self.0.keys().map(String::as_str).collect();
        write!(f, "invalid answers: {}", keys.join(", "))
    }
}

impl std::error::Error for AnswerErrors {}

/// A valid rating: 1–5, or `None` for "not applicable" where the item allows it.
fn rating(value: &AnswerValue, not_applicable: bool) -> Result<Option<i32>, AnswerError> {
    match value {
        AnswerValue::Int(n) if (SCALE_MIN..=SCALE_MAX).contains(n) => i32::try_from(*n)
            .map(Some)
            .map_err(|_| AnswerError::WrongType),
        AnswerValue::Int(_) => Err(AnswerError::NotOnScale {
            min: SCALE_MIN,
            max: SCALE_MAX,
        }),
        AnswerValue::NotApplicable if not_applicable => Ok(None),
        AnswerValue::NotApplicable => Err(AnswerError::NotApplicableNotAllowed),
        AnswerValue::Choices(_) => Err(AnswerError::WrongType),
    }
}

/// The rows of one answered question (none for an empty choice list).
fn question_rows(q: &Question, value: &AnswerValue) -> Result<Vec<StoredAnswer>, AnswerError> {
    let row = |value| {
        vec![StoredAnswer {
            item_id: q.id.clone(),
            value,
        }]
    };
    match &q.kind {
        QuestionKind::Rating { not_applicable } => Ok(row(rating(value, *not_applicable)?)),
        QuestionKind::Percent => match value {
            AnswerValue::Int(n) if (0..=100).contains(n) => Ok(row(Some(
                i32::try_from(*n).map_err(|_| AnswerError::WrongType)?,
            ))),
            AnswerValue::Int(_) => Err(AnswerError::NotOnScale { min: 0, max: 100 }),
            AnswerValue::NotApplicable => Err(AnswerError::NotApplicableNotAllowed),
            AnswerValue::Choices(_) => Err(AnswerError::WrongType),
        },
        QuestionKind::MultiChoice {
            options,
            max_choices,
        } => {
            let AnswerValue::Choices(chosen) = value else {
                return Err(AnswerError::WrongType);
            };
            if chosen.iter().any(|c| !options.iter().any(|o| &o.id == c)) {
                return Err(AnswerError::UnknownOption);
            }
            // Option order (not click order), and a repeated option counts once.
            let rows: Vec<StoredAnswer> = options
                .iter()
                .filter(|o| chosen.contains(&o.id))
                .map(|o| StoredAnswer {
                    item_id: format!("{}.{}", q.id, o.id),
                    value: Some(1),
                })
                .collect();
            if rows.len() > *max_choices {
                return Err(AnswerError::TooManyChoices { max: *max_choices });
            }
            Ok(rows)
        }
    }
}

pub(super) fn validate(
    def: &SurveyDefinition,
    channel: Channel,
    input: &AnswerInput,
) -> Result<ValidAnswers, AnswerErrors> {
    let mut errors = BTreeMap::new();

    // Unknown keys and answers to items of another channel, before the per-item pass.
    for key in input.answers.keys() {
        match def.target(key) {
            None => {
                errors.insert(key.clone(), AnswerError::UnknownItem);
            }
            Some(AnswerTarget::Item(item)) if !item.applies_to(channel) => {
                errors.insert(key.clone(), AnswerError::NotForChannel);
            }
            Some(_) => {}
        }
    }

    let mut answers = Vec::new();
    for item in def.items().filter(|i| i.applies_to(channel)) {
        match input.answers.get(&item.id) {
            None if item.required => {
                errors.insert(item.id.clone(), AnswerError::Required);
            }
            None => {}
            Some(value) => match rating(value, item.not_applicable) {
                Ok(value) => answers.push(StoredAnswer {
                    item_id: item.id.clone(),
                    value,
                }),
                Err(e) => {
                    errors.insert(item.id.clone(), e);
                }
            },
        }
    }
    for q in def.questions() {
        match input.answers.get(&q.id).map(|v| question_rows(q, v)) {
            Some(Ok(rows)) if !rows.is_empty() => answers.extend(rows),
            Some(Err(e)) => {
                errors.insert(q.id.clone(), e);
            }
            // Not answered, or an empty list of choices.
            _ if q.required => {
                errors.insert(q.id.clone(), AnswerError::Required);
            }
            _ => {}
        }
    }

    let comment = input
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let comment = match (comment, def.comment()) {
        (None, _) => None,
        (Some(_), None) => {
            errors.insert("comment".into(), AnswerError::UnknownItem);
            None
        }
        (Some(c), Some(spec)) if c.chars().count() > spec.max_chars => {
            errors.insert(
                "comment".into(),
                AnswerError::TooLong {
                    max: spec.max_chars,
                },
            );
            None
        }
        (Some(c), Some(_)) => Some(c.to_owned()),
    };

    let mut profile = Profile::default();
    for (key, value) in &input.profile {
        let value = value.trim();
        let error_key = format!("profile.{key}");
        let Some(question) = ProfileField::parse(key).and_then(|f| def.profile_question(f)) else {
            errors.insert(error_key, AnswerError::UnknownItem);
            continue;
        };
        if value.is_empty() {
            // An untouched select sends an empty value: the question is optional.
            continue;
        }
        if question.option(value).is_none() {
            errors.insert(error_key, AnswerError::UnknownOption);
            continue;
        }
        *profile.slot(question.id) = Some(value.to_owned());
    }

    if errors.is_empty() {
        Ok(ValidAnswers {
            answers,
            comment,
            profile,
        })
    } else {
        Err(AnswerErrors(errors))
    }
}
