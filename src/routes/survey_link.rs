//! What the citizen page and the survey API share: resolving a token to its open
//! invitation and definition, and storing a validated response.

use std::sync::Arc;

use chrono::NaiveDateTime;

use super::ApiError;
use crate::domain::{Channel, InvitationToken, Locale};
use crate::startup::AppState;
use crate::store;
use crate::store::invitations::{Invitation, InvitationState};
use crate::store::responses::{NewResponse, SubmitMail, SubmitOutcome};
use crate::surveys::{SurveyDefinition, ValidAnswers};

/// An invitation that can still be answered, with what it needs to render.
pub struct OpenSurvey {
    /// The mark a submit leaves ([`InvitationToken::used_tag`]).
    pub used_tag: String,
    pub invitation: Invitation,
    pub channel: Channel,
    pub definition: Arc<SurveyDefinition>,
    pub agency_name_vi: String,
    pub agency_name_en: String,
}

impl OpenSurvey {
    pub fn agency_name(&self, locale: Locale) -> &str {
        locale.pick(&self.agency_name_vi, &self.agency_name_en)
    }

    /// The invitation's own language, used unless the citizen switches.
    pub fn default_locale(&self) -> Locale {
        Locale::parse(&self.invitation.locale).unwrap_or_default()
    }
}

/// Where a survey link stands.
pub enum LinkState {
    Open(Box<OpenSurvey>),
    Answered,
    Expired,
    Unknown,
}

/// Resolves a token (rate-limited per token). Malformed tokens never reach the database.
pub async fn open(state: &AppState, token: &str) -> Result<LinkState, ApiError> {
    let Some(token) = InvitationToken::parse(token) else {
        return Ok(LinkState::Unknown);
    };
    let hash = token.hash().0;
    state.limits.check_token(&hash)?;
    let used_tag = token.used_tag(&state.secret);
    let tag = used_tag.clone();
    let found = state.db.run(move |c| store::invitations::find_with_agency(c, &hash, &tag)).await?;
    let Some((invitation, agency_name_vi, agency_name_en, answered)) = found else {
        return Ok(LinkState::Unknown);
    };
    match invitation.state(crate::clock::now_naive(), answered) {
        InvitationState::Answered => return Ok(LinkState::Answered),
        InvitationState::Expired => return Ok(LinkState::Expired),
        InvitationState::Open => {}
    }
    let definition =
        state.surveys.get(&invitation.survey_id, invitation.survey_version as u32).cloned().ok_or_else(|| {
            tracing::error!(survey = %invitation.survey_id, version = invitation.survey_version, "definition missing");
            ApiError::Internal
        })?;
    let channel = Channel::parse(&invitation.channel).map_err(|_| ApiError::Internal)?;
    Ok(LinkState::Open(Box::new(OpenSurvey {
        used_tag,
        invitation,
        channel,
        definition,
        agency_name_vi,
        agency_name_en,
    })))
}

/// Stores a validated response in one transaction.
pub async fn submit(
    state: &AppState,
    survey: &OpenSurvey,
    valid: ValidAnswers,
    locale: Locale,
) -> Result<SubmitOutcome, ApiError> {
    let now = crate::clock::now();
    let response = NewResponse::from_valid(valid, locale.code(), crate::domain::hanoi_date(now));
    let tag = survey.used_tag.clone();
    let invitation = survey.invitation.clone();
    let mail = state.mail_on().then(|| submit_mail(state, survey, &response, now.naive_utc()));
    let release_now = mail.as_ref().and_then(|m| m.alert.as_ref()).is_some_and(|a| a.1 <= now.naive_utc());
    let outcome = state
        .db
        .run_write(move |c| store::responses::submit(c, &tag, &invitation, now.naive_utc(), &response, mail.as_ref()))
        .await?;
    if outcome == SubmitOutcome::Stored {
        // No agency here: a log line's time beside a response's scope would date the response.
        tracing::info!(survey = %survey.invitation.survey_id, "response stored");
        if release_now {
            state.wake_mail();
        }
    }
    Ok(outcome)
}

/// The mail side of a submit: the low-rating alert, if the response calls for one, held until
/// the release hour and dated by its day only.
fn submit_mail(state: &AppState, survey: &OpenSurvey, response: &NewResponse, now: NaiveDateTime) -> SubmitMail {
    use crate::email::{events, timing};
    let scope = events::AlertScope {
        agency_code: &survey.invitation.agency_code,
        agency_vi: &survey.agency_name_vi,
        agency_en: &survey.agency_name_en,
        date: response.submitted_on,
    };
    let alert = events::comment_alert(
        &survey.definition,
        &scope,
        &response.answers,
        response.comment.as_deref(),
        &state.public_url,
    )
    .and_then(|a| serde_json::to_string(&a).ok())
    .map(|payload| {
        (payload, timing::comment_alert_release(now, state.settings.comment_alert_release_hour), timing::day_start(now))
    });
    SubmitMail { alert }
}
