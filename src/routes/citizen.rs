//! The citizen's survey page: `GET/POST /s/{token}`, the thank-you page and the
//! stylesheet. Server-rendered, works without JavaScript; a refused submit shows the
//! form again with every answer kept.

use std::collections::BTreeMap;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::citizen_view::{
    stylesheet_path, ChoiceView, CommentView, ErrorLink, ItemView, MultiChoiceView, NoticeKind, NoticePage,
    PercentView, ProfileView, QuestionView, SectionView, SurveyPage, ThanksPage, UiText, STYLESHEET,
};
use super::survey_link::{self, LinkState, OpenSurvey};
use super::ApiError;
use crate::domain::Locale;
use crate::startup::AppState;
use crate::store::responses::SubmitOutcome;
use crate::surveys::{AnswerError, AnswerInput, AnswerValue, Item, QuestionKind};

pub fn config(cfg: &mut web::ServiceConfig, max_body_bytes: usize) {
    cfg.route(stylesheet_path(), web::get().to(stylesheet)).route("/thanks", web::get().to(thanks)).service(
        web::resource("/s/{token}")
            .app_data(web::PayloadConfig::new(max_body_bytes))
            .route(web::get().to(show_survey))
            .route(web::post().to(submit_survey)),
    );
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

async fn stylesheet() -> HttpResponse {
    // The path carries a version, so browsers may keep it for a year.
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/css; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(STYLESHEET)
}

/// Renders a page with a status; a template failure is logged and becomes a plain 500.
pub(super) fn render(page: &impl Template, status: StatusCode) -> HttpResponse {
    match page.render() {
        Ok(html) => HttpResponse::build(status)
            .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(html),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            HttpResponse::InternalServerError().finish()
        }
    }
}

fn lang_href(path: &str, locale: Locale) -> Option<String> {
    Some(format!("{path}?lang={}", UiText::for_locale(locale).other_locale))
}

fn notice(kind: NoticeKind, locale: Locale, path: &str) -> HttpResponse {
    let status = match kind {
        NoticeKind::Unknown => StatusCode::NOT_FOUND,
        NoticeKind::Answered => StatusCode::CONFLICT,
        NoticeKind::Expired => StatusCode::GONE,
    };
    let page = NoticePage {
        ui: UiText::for_locale(locale),
        other_lang_href: lang_href(path, locale),
        kind,
        agency_name: None,
    };
    render(&page, status)
}

/// Turns a refused or failed request into a short page in the citizen's language, with
/// the status and `Retry-After` the API would give.
fn trouble(e: ApiError, locale: Locale) -> HttpResponse {
    let (vi, en) = match &e {
        ApiError::TooManyRequests(_) => (
            "Bạn thao tác quá nhanh. Vui lòng thử lại sau ít phút.",
            "Too many attempts. Please try again in a few minutes.",
        ),
        ApiError::Unavailable => (
            "Hệ thống đang bận. Vui lòng thử lại sau ít phút.",
            "The service is busy. Please try again in a few minutes.",
        ),
        ApiError::BadRequest(_) => {
            ("Không đọc được phiếu đã gửi. Vui lòng thử lại.", "The form could not be read. Please try again.")
        }
        _ => ("Đã có lỗi xảy ra. Vui lòng thử lại sau.", "Something went wrong. Please try again later."),
    };
    let api = actix_web::ResponseError::error_response(&e);
    let mut res = HttpResponse::build(api.status());
    if let Some(retry) = api.headers().get(header::RETRY_AFTER) {
        res.insert_header((header::RETRY_AFTER, retry.clone()));
    }
    let title = locale.pick(vi, en);
    res.insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(format!(
            "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><title>{title}</title><link rel=\"stylesheet\" \
         href=\"{}\"></head><body><main id=\"main\"><h1>{title}</h1></main></body></html>",
            locale.code(),
            stylesheet_path()
        ))
}

fn requested_locale(q: &LangQuery) -> Option<Locale> {
    q.lang.as_deref().and_then(Locale::parse)
}

async fn show_survey(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<LangQuery>,
) -> HttpResponse {
    let fallback = requested_locale(&query).unwrap_or_default();
    let path = req.path().to_owned();
    let link = match super::check_ip(&req, &state) {
        Ok(()) => survey_link::open(&state, &token).await,
        Err(e) => Err(e),
    };
    match link {
        Ok(LinkState::Open(s)) => {
            let locale = requested_locale(&query).unwrap_or_else(|| s.default_locale());
            render(&survey_page(&s, locale, &path, None, &BTreeMap::new()), StatusCode::OK)
        }
        Ok(LinkState::Answered) => notice(NoticeKind::Answered, fallback, &path),
        Ok(LinkState::Expired) => notice(NoticeKind::Expired, fallback, &path),
        Ok(LinkState::Unknown) => notice(NoticeKind::Unknown, fallback, &path),
        Err(e) => trouble(e, fallback),
    }
}

async fn submit_survey(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<LangQuery>,
    body: web::Bytes,
) -> HttpResponse {
    let fallback = requested_locale(&query).unwrap_or_default();
    let path = req.path().to_owned();
    let Some(pairs) = parse_form(&body) else {
        return bad_form(fallback);
    };
    let input = form_input(pairs);
    let link = match super::check_ip(&req, &state) {
        Ok(()) => survey_link::open(&state, &token).await,
        Err(e) => Err(e),
    };
    let survey = match link {
        Ok(LinkState::Open(s)) => s,
        Ok(LinkState::Answered) => return notice(NoticeKind::Answered, fallback, &path),
        Ok(LinkState::Expired) => return notice(NoticeKind::Expired, fallback, &path),
        Ok(LinkState::Unknown) => return notice(NoticeKind::Unknown, fallback, &path),
        Err(e) => return trouble(e, fallback),
    };
    let locale = requested_locale(&query).unwrap_or_else(|| survey.default_locale());
    let valid = match survey.definition.validate_answers(survey.channel, &input) {
        Ok(v) => v,
        Err(errors) => {
            return render(
                &survey_page(&survey, locale, &path, Some(&input), &errors.0),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    };
    match survey_link::submit(&state, &survey, valid, locale).await {
        // Post/Redirect/Get: a reload of the thank-you page does not resubmit.
        Ok(SubmitOutcome::Stored) => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/thanks?lang={}", locale.code())))
            .finish(),
        Ok(SubmitOutcome::AlreadyAnswered) => notice(NoticeKind::Answered, locale, &path),
        Ok(SubmitOutcome::Expired) => notice(NoticeKind::Expired, locale, &path),
        Err(e) => trouble(e, locale),
    }
}

async fn thanks(query: web::Query<LangQuery>) -> HttpResponse {
    let locale = requested_locale(&query).unwrap_or_default();
    let page =
        ThanksPage { ui: UiText::for_locale(locale), other_lang_href: lang_href("/thanks", locale), agency_name: None };
    render(&page, StatusCode::OK)
}

fn bad_form(locale: Locale) -> HttpResponse {
    trouble(ApiError::BadRequest("the form could not be read".into()), locale)
}

/// Decodes `application/x-www-form-urlencoded`, refusing invalid UTF-8 instead of
/// silently replacing characters in a citizen's comment.
pub(super) fn parse_form(body: &[u8]) -> Option<Vec<(String, String)>> {
    let decode = |s: &[u8]| -> Option<String> {
        let plus_as_space: Vec<u8> = s.iter().map(|b| if *b == b'+' { b' ' } else { *b }).collect();
        percent_encoding::percent_decode(&plus_as_space).decode_utf8().ok().map(|c| c.into_owned())
    };
    body.split(|b| *b == b'&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut kv = part.splitn(2, |b| *b == b'=');
            let key = decode(kv.next().unwrap_or_default())?;
            let value = decode(kv.next().unwrap_or_default())?;
            Some((key, value))
        })
        .collect()
}

/// Groups form fields into answers (repeated keys are multiple choices), the comment
/// and the profile.
fn form_input(pairs: Vec<(String, String)>) -> AnswerInput {
    let mut grouped: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut input = AnswerInput::default();
    for (k, v) in pairs {
        if k == "comment" {
            input.comment = Some(v);
        } else if let Some(p) = k.strip_prefix("profile.") {
            if !v.trim().is_empty() {
                input.profile.insert(p.to_owned(), v);
            }
        } else {
            grouped.entry(k).or_default().push(v);
        }
    }
    for (k, values) in grouped {
        if let Some(v) = AnswerValue::from_form_values(&values) {
            input.answers.insert(k, v);
        }
    }
    input
}

/// What the citizen chose before, as the form value.
fn previous(input: Option<&AnswerInput>, id: &str) -> Option<String> {
    match input?.answers.get(id)? {
        AnswerValue::Int(n) => Some(n.to_string()),
        AnswerValue::NotApplicable => Some("na".into()),
        AnswerValue::Choices(c) => c.first().cloned(),
    }
}

fn survey_page(
    s: &OpenSurvey,
    locale: Locale,
    path: &str,
    input: Option<&AnswerInput>,
    errors: &BTreeMap<String, AnswerError>,
) -> SurveyPage {
    let d = &s.definition;
    let message = |id: &str| errors.get(id).map(|e| e.message(locale));
    let mut links = Vec::new();
    let mut note = |id: &str, text: &str| {
        if let Some(e) = errors.get(id) {
            links.push(ErrorLink { item_id: id.to_owned(), text: format!("{text} — {}", e.message(locale)) });
        }
    };
    let item_view = |item: &Item| ItemView {
        id: item.id.clone(),
        text: item.text.get(locale).to_owned(),
        allow_na: item.not_applicable,
        selected: previous(input, &item.id),
        error: message(&item.id),
    };
    let sections: Vec<SectionView> = d
        .sections_for(s.channel)
        .iter()
        .map(|sec| SectionView {
            id: sec.criterion.id.clone(),
            title: sec.criterion.title.get(locale).to_owned(),
            items: sec
                .items
                .iter()
                .map(|i| {
                    note(&i.id, i.text.get(locale));
                    item_view(i)
                })
                .collect(),
        })
        .collect();
    let questions = d
        .questions()
        .iter()
        .map(|q| {
            note(&q.id, q.text.get(locale));
            let text = q.text.get(locale).to_owned();
            match &q.kind {
                QuestionKind::Rating { not_applicable } => QuestionView::Rating(ItemView {
                    id: q.id.clone(),
                    text,
                    allow_na: *not_applicable,
                    selected: previous(input, &q.id),
                    error: message(&q.id),
                }),
                QuestionKind::MultiChoice { options, max_choices } => {
                    let chosen: Vec<String> = match input.and_then(|i| i.answers.get(&q.id)) {
                        Some(AnswerValue::Choices(c)) => c.clone(),
                        _ => Vec::new(),
                    };
                    QuestionView::MultiChoice(MultiChoiceView {
                        id: q.id.clone(),
                        text,
                        max: u8::try_from(*max_choices).unwrap_or(u8::MAX),
                        options: options
                            .iter()
                            .map(|o| ChoiceView {
                                id: o.id.clone(),
                                label: o.label.get(locale).to_owned(),
                                checked: chosen.contains(&o.id),
                            })
                            .collect(),
                        error: message(&q.id),
                    })
                }
                QuestionKind::Percent => QuestionView::Percent(PercentView {
                    id: q.id.clone(),
                    text,
                    value: previous(input, &q.id).unwrap_or_default(),
                    error: message(&q.id),
                }),
            }
        })
        .collect();
    let ui = UiText::for_locale(locale);
    note("comment", ui.comment_label);
    let profile = d
        .profile()
        .iter()
        .map(|p| {
            let key = format!("profile.{}", p.id.code());
            note(&key, p.text.get(locale));
            let chosen = input.and_then(|i| i.profile.get(p.id.code()));
            ProfileView {
                id: p.id.code().to_owned(),
                label: p.text.get(locale).to_owned(),
                options: p
                    .options
                    .iter()
                    .map(|o| ChoiceView {
                        id: o.id.clone(),
                        label: o.label.get(locale).to_owned(),
                        checked: chosen == Some(&o.id),
                    })
                    .collect(),
            }
        })
        .collect();
    // Profile errors all point at the profile section.
    for link in &mut links {
        if link.item_id.starts_with("profile.") {
            link.item_id = "profile".into();
        }
    }
    SurveyPage {
        ui,
        other_lang_href: lang_href(path, locale),
        title: d.title().get(locale).to_owned(),
        agency_name: s.agency_name(locale).to_owned(),
        intro: d.intro().get(locale).to_owned(),
        action: format!("{path}?lang={}", locale.code()),
        errors: links,
        sections,
        questions,
        comment: CommentView {
            value: input.and_then(|i| i.comment.clone()).unwrap_or_default(),
            error: message("comment"),
        },
        profile,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_parsing_groups_and_refuses_bad_utf8() {
        let pairs =
            parse_form(b"A1=4&improve=a&improve=b&comment=C%E1%BA%A3m+%C6%A1n&profile.gender=female&E2=na").unwrap();
        let input = form_input(pairs);
        assert_eq!(input.answers["A1"], AnswerValue::Int(4));
        assert_eq!(input.answers["E2"], AnswerValue::NotApplicable);
        assert_eq!(input.answers["improve"], AnswerValue::Choices(vec!["a".into(), "b".into()]));
        assert_eq!(input.comment.as_deref(), Some("Cảm ơn"));
        assert_eq!(input.profile["gender"], "female");
        assert!(parse_form(b"comment=%FF%FE").is_none());
    }
}
