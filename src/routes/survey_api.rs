//! The survey as JSON for apps and kiosks: `GET /api/v1/surveys/{token}` and
//! `POST /api/v1/surveys/{token}/responses`.

use std::collections::BTreeMap;

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::survey_link::{self, LinkState, OpenSurvey};
use super::ApiError;
use crate::domain::Locale;
use crate::startup::AppState;
use crate::store::responses::SubmitOutcome;
use crate::surveys::{AnswerInput, AnswerValue, QuestionKind};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/surveys/{token}", web::get().to(get_survey))
        .route("/api/v1/surveys/{token}/responses", web::post().to(post_response));
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

const ANSWERED: &str = "this survey link has already been answered";
const EXPIRED: &str = "this survey link has expired";
const UNKNOWN: &str = "unknown survey link";

fn link_error(state: LinkState) -> Result<Box<OpenSurvey>, ApiError> {
    match state {
        LinkState::Open(s) => Ok(s),
        LinkState::Answered => Err(ApiError::Conflict(ANSWERED.into())),
        LinkState::Expired => Err(ApiError::Gone(EXPIRED.into())),
        LinkState::Unknown => Err(ApiError::NotFound(UNKNOWN.into())),
    }
}

async fn get_survey(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<LangQuery>,
) -> Result<HttpResponse, ApiError> {
    super::check_ip(&req, &state)?;
    let survey = link_error(survey_link::open(&state, &token).await?)?;
    let locale = query.lang.as_deref().and_then(Locale::parse).unwrap_or_else(|| survey.default_locale());
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(describe(&survey, locale, &state, &token)))
}

/// The questionnaire in one language, as the API documents it.
fn describe(survey: &OpenSurvey, l: Locale, state: &AppState, token: &str) -> Value {
    let d = &survey.definition;
    let scale = d.scale();
    let options: Vec<Value> =
        (1..=5).filter_map(|v| scale.label(v).map(|t| json!({ "value": v, "label": t.get(l) }))).collect();
    let sections: Vec<Value> = d
        .sections_for(survey.channel)
        .iter()
        .map(|s| {
            json!({
                "id": s.criterion.id,
                "title": s.criterion.title.get(l),
                "items": s.items.iter().map(|i| json!({
                    "id": i.id,
                    "text": i.text.get(l),
                    "required": i.required,
                    "not_applicable": i.not_applicable,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let questions: Vec<Value> = d
        .questions()
        .iter()
        .map(|q| {
            let mut v = json!({ "id": q.id, "text": q.text.get(l), "required": q.required });
            match &q.kind {
                QuestionKind::Rating { not_applicable } => {
                    v["kind"] = json!("rating");
                    v["not_applicable"] = json!(not_applicable);
                }
                QuestionKind::MultiChoice { options, max_choices } => {
                    v["kind"] = json!("multi_choice");
                    v["max_choices"] = json!(max_choices);
                    v["options"] = options
                        .iter()
                        .map(|o| json!({ "id": o.id, "label": o.label.get(l) }))
                        .collect::<Vec<_>>()
                        .into();
                }
                QuestionKind::Percent => {
                    v["kind"] = json!("percent");
                    v["min"] = json!(0);
                    v["max"] = json!(100);
                }
            }
            v
        })
        .collect();
    let profile: Vec<Value> = d
        .profile()
        .iter()
        .map(|p| {
            json!({
                "id": p.id.code(),
                "text": p.text.get(l),
                "options": p.options.iter().map(|o| json!({ "id": o.id, "label": o.label.get(l) })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "survey": { "id": d.id(), "version": d.version(), "title": d.title().get(l), "intro": d.intro().get(l) },
        "locale": l.code(),
        "agency": { "code": survey.invitation.agency_code, "name": survey.agency_name(l) },
        "channel": survey.channel.code(),
        "scale": options,
        "not_applicable": { "value": "na", "label": scale.not_applicable.get(l) },
        "sections": sections,
        "questions": questions,
        "comment": d.comment().map(|c| json!({ "max_chars": c.max_chars, "prompt": c.prompt.get(l) })),
        "profile": profile,
        "submit_url": format!("{}/api/v1/surveys/{token}/responses", state.public_url),
    })
}

/// Reads the JSON body leniently, so a wrongly typed answer is a 422 on that field
/// rather than a 400 for the whole body.
fn parse_input(body: Value) -> Result<AnswerInput, ApiError> {
    let Value::Object(mut body) = body else {
        return Err(ApiError::BadRequest("the body must be a JSON object".into()));
    };
    let mut errors = BTreeMap::new();
    let mut input = AnswerInput::default();
    for key in body.keys() {
        if !matches!(key.as_str(), "answers" | "comment" | "profile" | "locale") {
            errors.insert(key.clone(), "unknown field".to_owned());
        }
    }
    match body.remove("answers") {
        Some(Value::Object(answers)) => {
            for (id, v) in answers {
                match serde_json::from_value::<AnswerValue>(v) {
                    Ok(a) => {
                        input.answers.insert(id, a);
                    }
                    Err(_) => {
                        errors.insert(id, "must be a whole number, \"na\", or a list of option ids".to_owned());
                    }
                }
            }
        }
        None | Some(Value::Null) => {}
        Some(_) => {
            errors.insert("answers".into(), "must be an object of item id to answer".into());
        }
    }
    match body.remove("comment") {
        Some(Value::String(s)) => input.comment = Some(s),
        None | Some(Value::Null) => {}
        Some(_) => {
            errors.insert("comment".into(), "must be a string".into());
        }
    }
    match body.remove("profile") {
        Some(Value::Object(p)) => {
            for (k, v) in p {
                match v {
                    Value::String(s) => {
                        input.profile.insert(k, s);
                    }
                    Value::Null => {}
                    _ => {
                        errors.insert(format!("profile.{k}"), "must be an option id".into());
                    }
                }
            }
        }
        None | Some(Value::Null) => {}
        Some(_) => {
            errors.insert("profile".into(), "must be an object".into());
        }
    }
    if errors.is_empty() {
        Ok(input)
    } else {
        Err(ApiError::Validation(errors))
    }
}

async fn post_response(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<LangQuery>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    super::check_ip(&req, &state)?;
    let body = body.into_inner();
    let body_locale = body.get("locale").and_then(Value::as_str).and_then(Locale::parse);
    let input = parse_input(body)?;
    let survey = link_error(survey_link::open(&state, &token).await?)?;
    let locale = body_locale
        .or_else(|| query.lang.as_deref().and_then(Locale::parse))
        .unwrap_or_else(|| survey.default_locale());
    let valid = survey
        .definition
        .validate_answers(survey.channel, &input)
        .map_err(|errs| ApiError::Validation(errs.0.into_iter().map(|(k, e)| (k, e.message(Locale::En))).collect()))?;
    match survey_link::submit(&state, &survey, valid, locale).await? {
        SubmitOutcome::Stored => Ok(HttpResponse::Created().json(json!({ "status": "stored" }))),
        SubmitOutcome::AlreadyAnswered => Err(ApiError::Conflict(ANSWERED.into())),
        SubmitOutcome::Expired => Err(ApiError::Gone(EXPIRED.into())),
    }
}
