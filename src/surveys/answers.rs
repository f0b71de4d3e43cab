//! Checking a submitted response against its survey definition, and the long-form rows
//! (one per answered item) that storage writes.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::model::{AnswerTarget, ProfileField, Question, QuestionKind, SurveyDefinition, SCALE_MAX, SCALE_MIN};
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
        let values: Vec<&str> = values.iter().map(|v| v.as_ref().trim()).filter(|v| !v.is_empty()).collect();
        match values.as_slice() {
            [] => None,
            [one] if one.eq_ignore_ascii_case("na") => Some(AnswerValue::NotApplicable),
            [one] => Some(match one.parse::<i64>() {
                Ok(n) => AnswerValue::Int(n),
                Err(_) => AnswerValue::Choices(vec![(*one).to_owned()]),
            }),
            many => Some(AnswerValue::Choices(many.iter().map(|s| (*s).to_owned()).collect())),
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
                i64::try_from(v).map(AnswerValue::Int).map_err(|_| E::custom("number too large"))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<AnswerValue, E> {
                AnswerValue::from_form_values(&[v]).ok_or_else(|| E::custom("empty answer"))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<AnswerValue, A::Error> {
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
    NotOnScale {
        min: i64,
        max: i64,
    },
    NotApplicableNotAllowed,
    UnknownItem,
    NotForChannel,
    UnknownOption,
    TooManyChoices {
        max: usize,
    },
    TooLong {
        max: usize,
    },
    WrongType,
    /// A NUL or other control character (line breaks are fine in a comment).
    ControlCharacter,
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
            (AnswerError::NotApplicableNotAllowed, Locale::En) => "Please choose a rating for this question.".into(),
            (AnswerError::UnknownItem, Locale::Vi) => "Câu hỏi này không có trong phiếu khảo sát.".into(),
            (AnswerError::UnknownItem, Locale::En) => "This question is not in the survey.".into(),
            (AnswerError::NotForChannel, Locale::Vi) => {
                "Câu hỏi này không áp dụng với hình thức Ông/Bà đã sử dụng.".into()
            }
            (AnswerError::NotForChannel, Locale::En) => {
                "This question does not apply to the way you used the service.".into()
            }
            (AnswerError::UnknownOption, Locale::Vi) => "Lựa chọn này không hợp lệ, xin vui lòng chọn lại.".into(),
            (AnswerError::UnknownOption, Locale::En) => "This choice is not valid; please choose again.".into(),
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
            (AnswerError::WrongType, Locale::Vi) => "Câu trả lời không đúng dạng, xin vui lòng thử lại.".into(),
            (AnswerError::WrongType, Locale::En) => "This answer is not in the expected form; please try again.".into(),
            (AnswerError::ControlCharacter, Locale::Vi) => {
                "Nội dung có ký tự điều khiển không hợp lệ (ví dụ ký tự NUL), xin vui lòng xoá rồi gửi lại.".into()
            }
            (AnswerError::ControlCharacter, Locale::En) => {
                "The text holds a control character (such as NUL); please remove it and send again.".into()
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
        AnswerValue::Int(n) if (SCALE_MIN..=SCALE_MAX).contains(n) => {
            i32::try_from(*n).map(Some).map_err(|_| AnswerError::WrongType)
        }
        AnswerValue::Int(_) => Err(AnswerError::NotOnScale { min: SCALE_MIN, max: SCALE_MAX }),
        AnswerValue::NotApplicable if not_applicable => Ok(None),
        AnswerValue::NotApplicable => Err(AnswerError::NotApplicableNotAllowed),
        AnswerValue::Choices(_) => Err(AnswerError::WrongType),
    }
}

/// The rows of one answered question (none for an empty choice list).
fn question_rows(q: &Question, value: &AnswerValue) -> Result<Vec<StoredAnswer>, AnswerError> {
    let row = |value| vec![StoredAnswer { item_id: q.id.clone(), value }];
    match &q.kind {
        QuestionKind::Rating { not_applicable } => Ok(row(rating(value, *not_applicable)?)),
        QuestionKind::Percent => match value {
            AnswerValue::Int(n) if (0..=100).contains(n) => {
                Ok(row(Some(i32::try_from(*n).map_err(|_| AnswerError::WrongType)?)))
            }
            AnswerValue::Int(_) => Err(AnswerError::NotOnScale { min: 0, max: 100 }),
            AnswerValue::NotApplicable => Err(AnswerError::NotApplicableNotAllowed),
            AnswerValue::Choices(_) => Err(AnswerError::WrongType),
        },
        QuestionKind::MultiChoice { options, max_choices } => {
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
                .map(|o| StoredAnswer { item_id: format!("{}.{}", q.id, o.id), value: Some(1) })
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
                Ok(value) => answers.push(StoredAnswer { item_id: item.id.clone(), value }),
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

    let comment = input.comment.as_deref().map(str::trim).filter(|c| !c.is_empty());
    let comment = match (comment, def.comment()) {
        (None, _) => None,
        (Some(_), None) => {
            errors.insert("comment".into(), AnswerError::UnknownItem);
            None
        }
        (Some(c), Some(_)) if crate::domain::control_char(c, true).is_some() => {
            errors.insert("comment".into(), AnswerError::ControlCharacter);
            None
        }
        (Some(c), Some(spec)) if c.chars().count() > spec.max_chars => {
            errors.insert("comment".into(), AnswerError::TooLong { max: spec.max_chars });
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
        Ok(ValidAnswers { answers, comment, profile })
    } else {
        Err(AnswerErrors(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surveys::test_support::{mini, mini_with, FILE};

    fn input(answers: &[(&str, AnswerValue)]) -> AnswerInput {
        AnswerInput {
            answers: answers.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect(),
            ..AnswerInput::default()
        }
    }

    /// A complete in-person response that tests then spoil one answer at a time.
    fn in_person() -> AnswerInput {
        input(&[("A1", AnswerValue::Int(4)), ("B1", AnswerValue::Int(5)), ("overall", AnswerValue::Int(3))])
    }

    fn errors(channel: Channel, input: &AnswerInput) -> Vec<(String, AnswerError)> {
        match mini().validate_answers(channel, input) {
            Ok(v) => panic!("expected errors, got {v:?}"),
            Err(AnswerErrors(map)) => map.into_iter().collect(),
        }
    }

    fn row(item_id: &str, value: Option<i32>) -> StoredAnswer {
        StoredAnswer { item_id: item_id.to_owned(), value }
    }

    #[test]
    fn a_complete_response_becomes_long_form_rows() {
        let mut input = in_person();
        input.answers.insert("improve".into(), AnswerValue::Choices(vec!["z".into(), "x".into()]));
        input.answers.insert("expect".into(), AnswerValue::Int(80));
        input.comment = Some("  Tốt  ".into());
        input.profile.insert("gender".into(), "female".into());
        let valid = mini().validate_answers(Channel::InPerson, &input).unwrap();
        assert_eq!(
            valid.answers,
            [
                row("A1", Some(4)),
                row("B1", Some(5)),
                row("overall", Some(3)),
                row("improve.x", Some(1)),
                row("improve.z", Some(1)),
                row("expect", Some(80)),
            ]
        );
        assert_eq!(valid.comment.as_deref(), Some("Tốt"));
        assert_eq!(valid.profile.gender.as_deref(), Some("female"));
        assert_eq!(valid.profile.get(ProfileField::Respondent), None);
    }

    #[test]
    fn required_items_and_questions_must_be_answered() {
        let got = errors(Channel::InPerson, &AnswerInput::default());
        assert_eq!(
            got,
            [
                ("A1".to_owned(), AnswerError::Required),
                ("B1".to_owned(), AnswerError::Required),
                ("overall".to_owned(), AnswerError::Required),
            ]
        );
    }

    #[test]
    fn optional_items_may_be_left_out() {
        let text = mini_with(
            "channels = [\"in_person\", \"kiosk\"]",
            "channels = [\"in_person\", \"kiosk\"]\nrequired = false",
        );
        let def = SurveyDefinition::parse(FILE, &text).unwrap();
        let mut input = in_person();
        input.answers.remove("A1");
        let valid = def.validate_answers(Channel::InPerson, &input).unwrap();
        assert!(valid.answers.iter().all(|a| a.item_id != "A1"));
    }

    #[test]
    fn not_applicable_only_where_allowed() {
        let mut input = in_person();
        input.answers.insert("B1".into(), AnswerValue::NotApplicable);
        let valid = mini().validate_answers(Channel::InPerson, &input).unwrap();
        assert!(valid.answers.contains(&row("B1", None)));

        input.answers.insert("A1".into(), AnswerValue::NotApplicable);
        input.answers.insert("overall".into(), AnswerValue::NotApplicable);
        let got = errors(Channel::InPerson, &input);
        assert_eq!(
            got,
            [
                ("A1".to_owned(), AnswerError::NotApplicableNotAllowed),
                ("overall".to_owned(), AnswerError::NotApplicableNotAllowed),
            ]
        );
    }

    #[test]
    fn ratings_must_be_on_the_scale() {
        for bad in [0, 6, -1] {
            let mut input = in_person();
            input.answers.insert("A1".into(), AnswerValue::Int(bad));
            assert_eq!(
                errors(Channel::InPerson, &input),
                [("A1".to_owned(), AnswerError::NotOnScale { min: 1, max: 5 })]
            );
        }
        let mut input = in_person();
        input.answers.insert("overall".into(), AnswerValue::Choices(vec!["x".into()]));
        assert_eq!(errors(Channel::InPerson, &input), [("overall".to_owned(), AnswerError::WrongType)]);
    }

    #[test]
    fn channel_limited_items() {
        // Online: A1 is not asked, A2 is; answering A1 is an error.
        let online =
            input(&[("A2", AnswerValue::Int(5)), ("B1", AnswerValue::Int(4)), ("overall", AnswerValue::Int(4))]);
        let valid = mini().validate_answers(Channel::Online, &online).unwrap();
        assert_eq!(valid.answers[0], row("A2", Some(5)));

        let mut both = online.clone();
        both.answers.insert("A1".into(), AnswerValue::Int(5));
        assert_eq!(errors(Channel::Online, &both), [("A1".to_owned(), AnswerError::NotForChannel)]);
        // Post: neither A1 nor A2 applies, so criterion A is not shown at all.
        let def = mini();
        let sections = def.sections_for(Channel::Post);
        assert_eq!(sections.len(), 1);
        assert_eq!(sections[0].criterion.id, "B");
        let kiosk = def.sections_for(Channel::Kiosk);
        assert_eq!(kiosk[0].items.len(), 1);
        assert_eq!(kiosk[0].items[0].id, "A1");
    }

    #[test]
    fn unknown_keys_are_reported() {
        let mut input = in_person();
        input.answers.insert("Z9".into(), AnswerValue::Int(3));
        assert_eq!(errors(Channel::InPerson, &input), [("Z9".to_owned(), AnswerError::UnknownItem)]);
    }

    #[test]
    fn multi_choice_limit_and_options() {
        let mut input = in_person();
        input.answers.insert("improve".into(), AnswerValue::Choices(vec!["x".into(), "y".into(), "z".into()]));
        assert_eq!(errors(Channel::InPerson, &input), [("improve".to_owned(), AnswerError::TooManyChoices { max: 2 })]);
        input.answers.insert("improve".into(), AnswerValue::Choices(vec!["x".into(), "w".into()]));
        assert_eq!(errors(Channel::InPerson, &input), [("improve".to_owned(), AnswerError::UnknownOption)]);
        // The same option twice counts once.
        input.answers.insert("improve".into(), AnswerValue::Choices(vec!["y".into(), "y".into(), "x".into()]));
        let valid = mini().validate_answers(Channel::InPerson, &input).unwrap();
        let chosen: Vec<&str> = valid.answers.iter().map(|a| a.item_id.as_str()).collect();
        assert_eq!(chosen, ["A1", "B1", "overall", "improve.x", "improve.y"]);
        input.answers.insert("improve".into(), AnswerValue::Int(1));
        assert_eq!(errors(Channel::InPerson, &input), [("improve".to_owned(), AnswerError::WrongType)]);
    }

    #[test]
    fn percent_range() {
        for ok in [0, 100] {
            let mut input = in_person();
            input.answers.insert("expect".into(), AnswerValue::Int(ok));
            let valid = mini().validate_answers(Channel::InPerson, &input).unwrap();
            assert!(valid.answers.contains(&row("expect", Some(ok as i32))));
        }
        for bad in [-1, 101] {
            let mut input = in_person();
            input.answers.insert("expect".into(), AnswerValue::Int(bad));
            assert_eq!(
                errors(Channel::InPerson, &input),
                [("expect".to_owned(), AnswerError::NotOnScale { min: 0, max: 100 })]
            );
        }
    }

    #[test]
    fn a_comment_with_a_control_character_is_refused_and_line_breaks_are_kept() {
        let mut input = in_person();
        input.comment = Some("Tốt\u{0}lắm".into());
        assert_eq!(errors(Channel::InPerson, &input), [("comment".to_owned(), AnswerError::ControlCharacter)]);
        input.comment = Some("Một\r\nHai".into());
        let valid = mini().validate_answers(Channel::InPerson, &input).unwrap();
        assert_eq!(valid.comment.as_deref(), Some("Một\r\nHai"));
    }

    #[test]
    fn comment_length_counts_characters_not_bytes() {
        // 10 characters but 24 bytes: exactly at the limit of the fixture (max_chars = 10).
        let ten = "Rất hài lò";
        assert_eq!((ten.chars().count(), ten.len() > 10), (10, true));
        let mut input = in_person();
        input.comment = Some(format!(" {ten}\n"));
        let valid = mini().validate_answers(Channel::InPerson, &input).unwrap();
        assert_eq!(valid.comment.as_deref(), Some(ten));

        input.comment = Some(format!("{ten}n"));
        assert_eq!(errors(Channel::InPerson, &input), [("comment".to_owned(), AnswerError::TooLong { max: 10 })]);
        input.comment = Some("   ".into());
        let valid = mini().validate_answers(Channel::InPerson, &input).unwrap();
        assert_eq!(valid.comment, None);
    }

    #[test]
    fn profile_values_must_be_known_options() {
        let mut input = in_person();
        input.profile.insert("gender".into(), "robot".into());
        input.profile.insert("income".into(), "high".into());
        input.profile.insert("age_group".into(), "age_18_24".into());
        assert_eq!(
            errors(Channel::InPerson, &input),
            [
                ("profile.age_group".to_owned(), AnswerError::UnknownItem),
                ("profile.gender".to_owned(), AnswerError::UnknownOption),
                ("profile.income".to_owned(), AnswerError::UnknownItem),
            ]
        );
        let mut input = in_person();
        input.profile.insert("gender".into(), String::new());
        let valid = mini().validate_answers(Channel::InPerson, &input).unwrap();
        assert_eq!(valid.profile, Profile::default());
    }

    #[test]
    fn form_values_are_read_without_knowing_the_question() {
        assert_eq!(AnswerValue::from_form_values(&["4"]), Some(AnswerValue::Int(4)));
        assert_eq!(AnswerValue::from_form_values(&["na"]), Some(AnswerValue::NotApplicable));
        assert_eq!(AnswerValue::from_form_values(&[""]), None);
        assert_eq!(AnswerValue::from_form_values::<&str>(&[]), None);
        assert_eq!(AnswerValue::from_form_values(&["x"]), Some(AnswerValue::Choices(vec!["x".into()])));
        assert_eq!(
            AnswerValue::from_form_values(&["x", "", "y"]),
            Some(AnswerValue::Choices(vec!["x".into(), "y".into()]))
        );
    }

    #[test]
    fn json_input_is_read() {
        let json =
            r#"{"answers":{"A1":4,"B1":"na","improve":["x"],"overall":5},"comment":null,"profile":{"gender":"male"}}"#;
        let input: AnswerInput = serde_json::from_str(json).unwrap();
        assert_eq!(input.answers["B1"], AnswerValue::NotApplicable);
        assert_eq!(input.answers["improve"], AnswerValue::Choices(vec!["x".into()]));
        let valid = mini().validate_answers(Channel::Kiosk, &input).unwrap();
        assert_eq!(valid.answers.len(), 4);
        assert!(serde_json::from_str::<AnswerInput>(r#"{"answers":{"A1":4.5}}"#).is_err());
    }

    #[test]
    fn messages_are_bilingual() {
        let all = [
            AnswerError::Required,
            AnswerError::NotOnScale { min: 1, max: 5 },
            AnswerError::NotApplicableNotAllowed,
            AnswerError::UnknownItem,
            AnswerError::NotForChannel,
            AnswerError::UnknownOption,
            AnswerError::TooManyChoices { max: 3 },
            AnswerError::TooLong { max: 1000 },
            AnswerError::WrongType,
        ];
        for e in all {
            let (vi, en) = (e.message(Locale::Vi), e.message(Locale::En));
            assert!(!vi.is_empty() && !en.is_empty() && vi != en, "{e:?}");
        }
        assert_eq!(AnswerError::Required.message(Locale::Vi), "Xin vui lòng trả lời câu này.");
        assert_eq!(AnswerError::TooLong { max: 1000 }.message(Locale::En), "Please write at most 1000 characters.");
    }
}
