//! `POST /api/v1/invitations`: the dossier system asks for a survey link.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Datelike as _, Duration, NaiveDate, TimeZone as _, Utc};
use serde_json::{json, Map, Value};

use super::ApiError;
use crate::domain::{AgencyCode, Channel, DossierCode, EmailAddress, Field, InvitationToken, Locale, ProcedureCode};
use crate::startup::AppState;
use crate::store::api_keys::{ApiKey, Scope};
use crate::store::invitations::{DossierScope, NewInvitation};
use crate::store::{self, StoreError};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/invitations", web::post().to(create_invitation));
}

const KNOWN_KEYS: &[&str] =
    &["dossier_code", "agency_code", "field", "procedure_code", "channel", "handled_at", "survey", "email", "locale"];

/// A request that passed the checks that need no database.
struct Request {
    dossier: DossierCode,
    agency: AgencyCode,
    field: Field,
    procedure: Option<ProcedureCode>,
    channel: Channel,
    handled_on: NaiveDate,
    survey: Option<String>,
    email: Option<EmailAddress>,
    locale: Locale,
}

fn parse_request(body: &Map<String, Value>, now: DateTime<Utc>) -> Result<Request, BTreeMap<String, String>> {
    let mut errors = BTreeMap::new();
    for key in body.keys() {
        if !KNOWN_KEYS.contains(&key.as_str()) {
            errors.insert(key.clone(), "unknown field".to_owned());
        }
    }
    let mut text = |name: &str, required: bool| -> Option<String> {
        match body.get(name) {
            None | Some(Value::Null) if required => {
                errors.insert(name.into(), "is required".into());
                None
            }
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                errors.insert(name.into(), "must be a string".into());
                None
            }
        }
    };
    let dossier = text("dossier_code", true);
    let agency = text("agency_code", true);
    let field = text("field", true);
    let procedure = text("procedure_code", false);
    let channel = text("channel", true);
    let handled_at = text("handled_at", true);
    let survey = text("survey", false);
    let email = text("email", false);
    let locale = text("locale", false);

    let mut check = |name: &str, r: Result<(), String>| {
        if let Err(m) = r {
            errors.insert(name.into(), m);
        }
    };
    let dossier =
        dossier.and_then(|s| DossierCode::parse(&s).map_err(|e| check("dossier_code", Err(e.to_string()))).ok());
    let agency = agency.and_then(|s| AgencyCode::parse(&s).map_err(|e| check("agency_code", Err(e.to_string()))).ok());
    let field = field.and_then(|s| Field::parse(&s).map_err(|e| check("field", Err(e.to_string()))).ok());
    let channel = channel.and_then(|s| Channel::parse(&s).map_err(|e| check("channel", Err(e.to_string()))).ok());
    let procedure = match procedure {
        Some(s) => ProcedureCode::parse(&s).map_err(|e| check("procedure_code", Err(e.to_string()))).ok(),
        None => None,
    };
    let email = match email {
        Some(s) => EmailAddress::parse(&s).map_err(|e| check("email", Err(e.to_string()))).ok(),
        None => None,
    };
    let locale = match locale {
        Some(s) => Locale::parse(&s).ok_or_else(|| check("locale", Err("must be `vi` or `en`".into()))).ok(),
        None => Some(Locale::Vi),
    };
    let handled_on = handled_at.and_then(|s| match DateTime::parse_from_rfc3339(&s) {
        Err(_) => {
            check("handled_at", Err("must be an RFC 3339 date-time, e.g. 2026-03-05T09:30:00+07:00".into()));
            None
        }
        // A few minutes of clock skew between systems is normal; more is a mistake.
        Ok(t) if t.with_timezone(&Utc) > now + Duration::minutes(5) => {
            check("handled_at", Err("is in the future".into()));
            None
        }
        Ok(t) if t.year_ce().1 < 2000 => {
            check("handled_at", Err("is before the year 2000".into()));
            None
        }
        Ok(t) => Some(crate::domain::hanoi_date(t.with_timezone(&Utc))),
    });
    match (dossier, agency, field, channel, handled_on, locale) {
        (Some(dossier), Some(agency), Some(field), Some(channel), Some(handled_on), Some(locale))
            if errors.is_empty() =>
        {
            Ok(Request { dossier, agency, field, procedure, channel, handled_on, survey, email, locale })
        }
        _ => Err(errors),
    }
}

/// Reads `Authorization: Bearer <key>` and checks it has `scope`.
pub async fn authenticate(req: &HttpRequest, state: &AppState, scope: Scope) -> Result<ApiKey, ApiError> {
    let key = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|k| k.trim().to_owned())
        .ok_or(ApiError::Unauthorized)?;
    let found = state.db.run(move |c| store::api_keys::authenticate(c, &key)).await?;
    let key = found.ok_or(ApiError::Unauthorized)?;
    if key.scope != scope {
        return Err(ApiError::Forbidden(format!("this API key has scope `{}`", key.scope.code())));
    }
    state.limits.check_api_key(&key.id)?;
    Ok(key)
}

enum Minted {
    Done(Box<store::invitations::Invitation>, bool),
    Invalid(BTreeMap<String, String>),
    OutOfScope(String),
}

async fn create_invitation(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    super::check_ip(&req, &state)?;
    let key = authenticate(&req, &state, Scope::Invitations).await?;
    let Value::Object(body) = body.into_inner() else {
        return Err(ApiError::BadRequest("the body must be a JSON object".into()));
    };
    let now = crate::clock::now();
    let r = parse_request(&body, now).map_err(ApiError::Validation)?;
    let survey_id = r.survey.clone().unwrap_or_else(|| state.settings.default_survey_for(r.field).to_owned());
    let definition = state
        .surveys
        .latest(&survey_id)
        .cloned()
        .ok_or_else(|| ApiError::field("survey", format!("unknown survey `{survey_id}`")))?;

    let has_email = r.email.is_some();
    let new = NewInvitation::new(
        &state.secret,
        DossierScope {
            agency_code: r.agency.to_string(),
            dossier_code: r.dossier.to_string(),
            field: r.field.code().to_owned(),
            procedure_code: r.procedure.map(String::from),
            channel: r.channel.code().to_owned(),
            handled_on: r.handled_on,
        },
        (definition.id(), definition.version() as i32),
        r.locale.code(),
        r.email.map(String::from),
        now.naive_utc(),
        state.settings.invitation_ttl_days,
    );
    let key_scope = key.agency_code.clone();
    let mail = state.mail_on().then(|| store::invitations::MailPlan {
        reminder_at: (state.settings.reminder_after_hours > 0)
            .then(|| now.naive_utc() + Duration::hours(i64::from(state.settings.reminder_after_hours))),
    });
    let minted = state
        .db
        .run_write(move |conn| -> Result<Minted, StoreError> {
            let Some(agency) = store::agencies::find(conn, &new.agency_code)? else {
                return Ok(Minted::Invalid(BTreeMap::from([(
                    "agency_code".into(),
                    format!("unknown agency `{}`", new.agency_code),
                )])));
            };
            if let Some(root) = &key_scope {
                if !store::agencies::is_within(conn, &new.agency_code, root)? {
                    return Ok(Minted::OutOfScope(format!(
                        "this API key may only mint invitations for agency `{root}` and its units"
                    )));
                }
            }
            if !agency.is_valid_on(new.handled_on) {
                let mut msg = format!(
                    "agency `{}` did not exist on {} (valid {} to {})",
                    agency.code,
                    new.handled_on,
                    agency.valid_from,
                    agency.valid_to.map_or("now".to_owned(), |d| d.to_string())
                );
                if !agency.successors.is_empty() {
                    let s: Vec<_> = agency.successors.iter().map(ToString::to_string).collect();
                    msg.push_str(&format!("; its successor is {}", s.join(", ")));
                }
                return Ok(Minted::Invalid(BTreeMap::from([("agency_code".into(), msg)])));
            }
            let (inv, created) = store::invitations::create_or_get(conn, &new, mail)?;
            Ok(Minted::Done(Box::new(inv), created))
        })
        .await?;
    let (invitation, created) = match minted {
        Minted::Done(i, c) => (*i, c),
        Minted::Invalid(fields) => return Err(ApiError::Validation(fields)),
        Minted::OutOfScope(m) => return Err(ApiError::Forbidden(m)),
    };
    let token = InvitationToken::derive(&state.secret, &invitation.id);
    let base = &state.public_url;
    let t = token.as_str();
    let body = json!({
        "token": t,
        "url": state.survey_url(t),
        "qr_svg_url": format!("{base}/q/{t}.svg"),
        "qr_png_url": format!("{base}/q/{t}.png"),
        "expires_at": Utc.from_utc_datetime(&invitation.expires_at).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    });
    if created {
        tracing::info!(agency = %invitation.agency_code, survey = %invitation.survey_id, "invitation minted");
        if mail.is_some() && has_email {
            state.wake_mail();
        }
        Ok(HttpResponse::Created().insert_header((header::LOCATION, state.survey_url(t))).json(body))
    } else {
        Ok(HttpResponse::Ok().json(body))
    }
}
