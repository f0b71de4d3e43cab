//! One synthetic respondent: answers to whatever the survey definition asks of their channel
//! (rating items, "not applicable" where allowed, the overall rating, priorities to improve,
//! a percentage), an optional profile and, now and then, a comment. Everything is driven by
//! the definition; the tables here only say which items people tend to rate lower or higher.

use std::collections::BTreeMap;

use super::comments;
use super::rng::Rng;
use crate::domain::{Channel, Field, Locale};
use crate::surveys::{AnswerInput, AnswerValue, ProfileField, QuestionKind, SurveyDefinition};

/// Who answers, and how good the service was for them.
#[derive(Debug, Clone, Copy)]
pub struct Situation<'a> {
    pub def: &'a SurveyDefinition,
    pub channel: Channel,
    pub field: Field,
    /// Log-odds of a satisfied answer on an average item (agency quality and trend).
    pub quality: f64,
    pub locale: Locale,
}

/// Share of respondents who fill in the optional profile.
const PROFILE_SHARE: f64 = 0.5;
/// Share of respondents who leave a comment.
const COMMENT_SHARE: f64 = 0.1;
/// Share of respondents who pick priorities to improve.
const IMPROVE_SHARE: f64 = 0.55;
/// Spread of the respondent's own mood (log-odds), shared by all their answers.
const MOOD_SD: f64 = 0.7;

/// How much easier (+) or harder (−) an item is to be satisfied with, in log-odds. Items not
/// listed are average (0). Waiting, fees, deadlines and the online service do worse than
/// courtesy: that is what the public SIPAS reports show year after year.
fn item_offset(survey: &str, item: &str) -> f64 {
    match (survey, item) {
        ("sipas-dossier", "A1") => 0.1,
        ("sipas-dossier", "A2") => -0.35,
        ("sipas-dossier", "A3") => -0.15,
        ("sipas-dossier", "A4") => -0.6,
        ("sipas-dossier", "B2") => 0.1,
        ("sipas-dossier", "B3") => -0.3,
        ("sipas-dossier", "B4") => -0.6,
        ("sipas-dossier", "C1") => 0.45,
        ("sipas-dossier", "C2") => 0.15,
        ("sipas-dossier", "C3") => 0.3,
        ("sipas-dossier", "D1") => -0.5,
        ("sipas-dossier", "D2" | "D3") => 0.2,
        ("sipas-dossier", "E1") => -0.3,
        ("sipas-dossier", "E2") => -0.4,
        ("sipas-dossier", "E3") => -0.5,
        ("health-public", "A2") => -0.8,
        ("health-public", "A3") => -0.3,
        ("health-public", "B3" | "D1" | "E1" | "E4") => 0.3,
        ("health-public", "B4") => -0.2,
        ("health-public", "C1") => -0.4,
        ("health-public", "C2") => -0.7,
        ("health-public", "D3") => 0.4,
        ("health-public", "D4") => 0.2,
        ("health-public", "E3") => -0.5,
        ("education-public", "A3") => -0.3,
        ("education-public", "A4") => -0.4,
        ("education-public", "B3") => -0.6,
        ("education-public", "B4") => -0.3,
        ("education-public", "C2") => 0.4,
        ("education-public", "D1" | "E1" | "E3") => 0.3,
        ("education-public", "D3") => -0.2,
        ("education-public", "D4") => -0.7,
        _ => 0.0,
    }
}

/// How a channel shifts every answer (online users are a little harder to please).
fn channel_offset(channel: Channel) -> f64 {
    match channel {
        Channel::Online => -0.1,
        Channel::InPerson => 0.0,
        Channel::Kiosk => -0.05,
        Channel::Post => 0.05,
    }
}

/// How often "not applicable" is answered where an item allows it: most people never gave
/// feedback (criterion E of the dossier survey), few have nothing to say about the rest.
fn not_applicable_rate(survey: &str, criterion: &str, item: &str) -> f64 {
    match (survey, criterion, item) {
        ("sipas-dossier", "E", "E1") => 0.25,
        ("sipas-dossier", "E", _) => 0.45,
        ("health-public", _, "A3") => 0.3,
        _ => 0.1,
    }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// A point of the 1–5 scale: satisfied (4–5) with probability `p`; the better the odds, the
/// more of the satisfied say 5.
fn rating(rng: &mut Rng, p: f64) -> (i64, bool) {
    if rng.chance(p) {
        (if rng.chance(0.15 + 0.5 * p) { 5 } else { 4 }, true)
    } else {
        (
            match rng.weighted(&[0.1, 0.27, 0.63]) {
                0 => 1,
                1 => 2,
                _ => 3,
            },
            false,
        )
    }
}

/// Relative weights of the "what should improve most" options.
fn improve_weight(option: &str, channel: Channel, quality: f64) -> f64 {
    let poor = quality < 1.5;
    match option {
        "online_services" | "digital" if channel == Channel::Online => 3.0,
        "online_services" | "digital" => 1.2,
        "staff_attitude" | "effectiveness" if poor => 2.2,
        "staff_attitude" => 0.8,
        "effectiveness" | "transparency" | "facilities" => 1.3,
        "feedback" | "staff_competence" => 1.0,
        _ => 0.7,
    }
}

/// Relative weights of profile options, by option id; unknown options weigh 1.
fn profile_weight(field: ProfileField, option: &str, situation: &Situation<'_>, chosen: &Chosen) -> f64 {
    let business = matches!(situation.field, Field::BusinessRegistration | Field::Investment);
    let young = matches!(chosen.age, Some("age_under_18" | "age_18_24"));
    match (field, option) {
        (ProfileField::Respondent, "person") => {
            if business {
                0.45
            } else {
                0.92
            }
        }
        (ProfileField::Respondent, "organisation") => {
            if business {
                0.55
            } else {
                0.08
            }
        }
        (ProfileField::Respondent, "patient") => 0.6,
        (ProfileField::Respondent, "relative") => 0.4,
        (ProfileField::Respondent, "parent") => 0.85,
        (ProfileField::Respondent, "learner") => 0.15,
        (ProfileField::Gender, "male") => 0.47,
        (ProfileField::Gender, "female") => 0.51,
        (ProfileField::Gender, "other") => 0.02,
        (ProfileField::AgeGroup, "age_under_18") => {
            if chosen.respondent == Some("learner") {
                3.0
            } else {
                0.0
            }
        }
        (ProfileField::AgeGroup, "age_18_24") => 0.1,
        (ProfileField::AgeGroup, "age_25_34") => 0.27,
        (ProfileField::AgeGroup, "age_35_49") => 0.33,
        (ProfileField::AgeGroup, "age_50_60") => 0.18,
        (ProfileField::AgeGroup, "age_over_60") => 0.12,
        (ProfileField::Education, "none") => 0.01,
        (ProfileField::Education, "primary") => 0.04,
        (ProfileField::Education, "lower_secondary") => 0.1,
        (ProfileField::Education, "upper_secondary") => 0.25,
        (ProfileField::Education, "vocational") => 0.2,
        (ProfileField::Education, "university") => 0.38,
        (ProfileField::Education | ProfileField::Occupation, "other") => 0.03,
        (ProfileField::Occupation, "public_sector") => 0.12,
        (ProfileField::Occupation, "private_sector") => 0.3,
        (ProfileField::Occupation, "self_employed") => 0.25,
        (ProfileField::Occupation, "farming") => 0.06,
        (ProfileField::Occupation, "student") => {
            if young {
                1.5
            } else {
                0.02
            }
        }
        (ProfileField::Occupation, "retired") => {
            if chosen.age == Some("age_over_60") {
                2.0
            } else {
                0.03
            }
        }
        (ProfileField::Occupation, "not_working") => 0.08,
        _ => 1.0,
    }
}

/// Profile answers already chosen (later questions depend on earlier ones).
#[derive(Default)]
struct Chosen<'a> {
    respondent: Option<&'a str>,
    age: Option<&'a str>,
}

/// What one respondent submits.
#[derive(Debug, Clone)]
pub struct Submission {
    pub input: AnswerInput,
    /// The overall rating (1–5), for the tests and the comment's tone.
    pub overall: i64,
}

/// Draws one respondent's submission. It always fits the definition and the channel: the
/// caller validates it like a real submit anyway.
pub fn respond(rng: &mut Rng, s: &Situation<'_>) -> Submission {
    let survey = s.def.id();
    let mood = MOOD_SD * rng.normal();
    let base = s.quality + channel_offset(s.channel) + mood;
    let mut answers = BTreeMap::new();
    let (mut rated, mut satisfied, mut points) = (0u32, 0u32, 0i64);
    for section in s.def.sections_for(s.channel) {
        for item in section.items {
            if item.not_applicable && rng.chance(not_applicable_rate(survey, &section.criterion.id, &item.id)) {
                answers.insert(item.id.clone(), AnswerValue::NotApplicable);
                continue;
            }
            if !item.required && rng.chance(0.03) {
                continue;
            }
            let (point, sat) = rating(rng, sigmoid(base + item_offset(survey, &item.id)));
            rated += 1;
            satisfied += u32::from(sat);
            points += point;
            answers.insert(item.id.clone(), AnswerValue::Int(point));
        }
    }
    let share = if rated == 0 { sigmoid(base) } else { f64::from(satisfied) / f64::from(rated) };
    // The overall rating follows the items closely, with a little of its own.
    let (overall, _) = rating(rng, (0.08 + 0.86 * share).clamp(0.0, 1.0));
    let mean_point = if rated == 0 { overall as f64 } else { points as f64 / f64::from(rated) };
    for q in s.def.questions() {
        match &q.kind {
            QuestionKind::Rating { .. } => {
                let value = if q.id == "overall" { overall } else { rating(rng, share).0 };
                if q.required || rng.chance(0.9) {
                    answers.insert(q.id.clone(), AnswerValue::Int(value));
                }
            }
            QuestionKind::Percent => {
                if q.required || rng.chance(0.75) {
                    // People answer in round numbers.
                    let raw = (mean_point - 1.0) * 22.0 + 10.0 + 8.0 * rng.normal();
                    let value = ((raw / 5.0).round() * 5.0).clamp(0.0, 100.0) as i64;
                    answers.insert(q.id.clone(), AnswerValue::Int(value));
                }
            }
            QuestionKind::MultiChoice { options, max_choices } => {
                if !q.required && !rng.chance(IMPROVE_SHARE) {
                    continue;
                }
                let want = [1, 1, 1, 2, 2, 3][rng.index(6)].min(*max_choices).max(1);
                let mut weights: Vec<f64> =
                    options.iter().map(|o| improve_weight(&o.id, s.channel, s.quality)).collect();
                let mut chosen = Vec::new();
                while chosen.len() < want && weights.iter().any(|w| *w > 0.0) {
                    let i = rng.weighted(&weights);
                    weights[i] = 0.0;
                    chosen.push(options[i].id.clone());
                }
                answers.insert(q.id.clone(), AnswerValue::Choices(chosen));
            }
        }
    }
    let mut profile = BTreeMap::new();
    if rng.chance(PROFILE_SHARE) {
        let mut chosen = Chosen::default();
        for question in s.def.profile() {
            if !rng.chance(0.9) {
                continue;
            }
            let weights: Vec<f64> =
                question.options.iter().map(|o| profile_weight(question.id, &o.id, s, &chosen)).collect();
            let Some(option) = question.options.get(rng.weighted(&weights)) else { continue };
            match question.id {
                ProfileField::Respondent => chosen.respondent = Some(&option.id),
                ProfileField::AgeGroup => chosen.age = Some(&option.id),
                _ => {}
            }
            profile.insert(question.id.code().to_owned(), option.id.clone());
        }
    }
    let comment = match s.def.comment() {
        Some(spec) if rng.chance(COMMENT_SHARE) => {
            let family = comments::Family::of(survey);
            Some(comments::comment(rng, family, overall, s.channel, s.locale, spec.max_chars))
        }
        _ => None,
    };
    Submission { input: AnswerInput { answers, comment, profile }, overall }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surveys::Registry;

    fn registry() -> Registry {
        Registry::load_dir(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("survey-definitions")).unwrap()
    }

    #[test]
    fn every_submission_fits_its_definition_on_every_channel() {
        let registry = registry();
        let mut rng = Rng::new(11);
        let mut seen_na = false;
        let mut seen_choices = false;
        for def in registry.all() {
            for &channel in Channel::ALL {
                for i in 0..300 {
                    let s = Situation {
                        def,
                        channel,
                        field: Field::Land,
                        quality: f64::from(i % 7) - 2.0,
                        locale: if i % 10 == 0 { Locale::En } else { Locale::Vi },
                    };
                    let sub = respond(&mut rng, &s);
                    let valid = def
                        .validate_answers(channel, &sub.input)
                        .unwrap_or_else(|e| panic!("{} {channel}: {e} {:?}", def.id(), sub.input));
                    seen_na |= valid.answers.iter().any(|a| a.value.is_none());
                    seen_choices |= valid.answers.iter().any(|a| a.item_id.contains('.'));
                    assert!((1..=5).contains(&sub.overall));
                }
            }
        }
        assert!(seen_na && seen_choices);
    }

    /// Share of satisfied answers on the criteria items of `n` dossier respondents.
    fn satisfied_share(quality: f64, channel: Channel, items: &[&str], n: usize) -> f64 {
        let registry = registry();
        let def = registry.latest("sipas-dossier").unwrap();
        let mut rng = Rng::new(2);
        let (mut yes, mut all) = (0, 0);
        for _ in 0..n {
            let s = Situation { def, channel, field: Field::Land, quality, locale: Locale::Vi };
            for (id, v) in respond(&mut rng, &s).input.answers {
                if let (true, AnswerValue::Int(p)) = (items.is_empty() || items.contains(&id.as_str()), v) {
                    if def.item(&id).is_some() {
                        all += 1;
                        yes += usize::from(p >= 4);
                    }
                }
            }
        }
        yes as f64 / all as f64
    }

    #[test]
    fn the_realised_share_lands_near_the_planned_one() {
        use crate::synthetic::plan::AgencyPlan;
        for target in [0.7, 0.86, 0.94] {
            let plan = AgencyPlan {
                code: "X".into(),
                kind: crate::domain::AgencyKind::Ward,
                valid_from: chrono::NaiveDate::MIN,
                valid_to: None,
                survey: "sipas-dossier",
                fields: vec![],
                channels: vec![],
                volume: 1.0,
                satisfied: target,
                trend: 0.0,
                response_rate: 0.5,
                procedure_share: 0.0,
            };
            let got = satisfied_share(plan.quality_at(0.5), Channel::InPerson, &[], 4000);
            assert!((got - target).abs() < 0.03, "target {target}, got {got}");
        }
    }

    #[test]
    fn deadlines_and_the_online_service_rate_lower_than_courtesy() {
        let courtesy = satisfied_share(2.0, Channel::InPerson, &["C1"], 3000);
        let deadline = satisfied_share(2.0, Channel::InPerson, &["B4", "D1"], 3000);
        let online = satisfied_share(2.0, Channel::Online, &["A4"], 3000);
        assert!(courtesy > deadline + 0.05, "{courtesy} vs {deadline}");
        assert!(courtesy > online + 0.05, "{courtesy} vs {online}");
    }
}
