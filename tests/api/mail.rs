//! E-mail end to end: the real service sends through a real SMTP server (`SmtpSink`, aiosmtpd)
//! and the tests read what arrived. Every kind of mail, the unsubscribe link, the erasure of
//! citizens' addresses, refusals, a server that is down, slow or drops the connection, and a
//! service killed with mail in flight.

use std::time::Duration;

use diesel::prelude::*;
use serde_json::{json, Value};
use sipas::auth::Role;
use sipas::config::Settings;
use sipas::db::schema::{invitations, outbox};

use crate::helpers::{csrf_of, full_answers, invitation_body, spawn_app_with, staff_user, TestApp, TEST_SECRET};
use crate::smtp_sink::{ReceivedMail, SmtpSink};

const WAIT: Duration = Duration::from_secs(60);

/// Mail on, sent at once: no quiet hours, no hold on alerts, quick retries.
fn mail_settings(s: &mut Settings, sink: &SmtpSink) {
    s.smtp_url = Some(sink.url());
    s.mail_from = "Khảo sát sự hài lòng <noreply@khaosat.example.vn>".into();
    s.mail_quiet_hours = None;
    s.comment_alert_release_hour = None;
    s.mail_retry_base_secs = 1;
    s.mail_rate_per_minute = 60_000;
    s.mail_timeout_secs = 5;
    s.mail_schedule_interval_secs = 1;
    s.alert_min_responses = 3;
    // The index alerts read the counters, which the folder keeps (other tests fold by hand).
    s.aggregate_fold_interval_ms = 200;
}

async fn mail_app(sink: &SmtpSink, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_with(|s| {
        mail_settings(s, sink);
        tweak(s);
    })
    .await
}

fn set_email(app: &TestApp, username: &str, email: &str) {
    assert!(sipas::store::users::set_email(&mut app.db.get().unwrap(), username, Some(email)).unwrap());
}

/// The mails to `to` among `mails`.
fn to<'a>(mails: &'a [ReceivedMail], address: &str) -> Vec<&'a ReceivedMail> {
    mails.iter().filter(|m| m.envelope_to.iter().any(|t| t == address)).collect()
}

/// Waits until `pred` holds for the sink's mails, returning them (the caller asserts).
async fn mails_until(sink: &SmtpSink, pred: impl Fn(&[ReceivedMail]) -> bool) -> Vec<ReceivedMail> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let mails = sink.messages();
        if pred(&mails) || std::time::Instant::now() > deadline {
            return mails;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The outbox rows as (kind, state, attempts, last_error).
fn rows(app: &TestApp) -> Vec<(String, String, i32, Option<String>)> {
    outbox::table
        .select((outbox::kind, outbox::state, outbox::attempts, outbox::last_error))
        .order(outbox::created_at)
        .load(&mut **app.db.get().unwrap())
        .unwrap()
}

async fn rows_until(
    app: &TestApp,
    pred: impl Fn(&[(String, String, i32, Option<String>)]) -> bool,
) -> Vec<(String, String, i32, Option<String>)> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let r = rows(app);
        if pred(&r) || std::time::Instant::now() > deadline {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn email_of_invitation(app: &TestApp, dossier: &str) -> Option<String> {
    invitations::table
        .filter(invitations::dossier_hash.eq(sipas::domain::token::dossier_hash(TEST_SECRET.as_bytes(), dossier)))
        .select(invitations::email)
        .first(&mut **app.db.get().unwrap())
        .unwrap()
}

/// Makes the queued reminders due now (the reminder delay is hours).
fn reminders_due(app: &TestApp) {
    diesel::update(outbox::table.filter(outbox::kind.eq("reminder")))
        .set(outbox::not_before.eq(sipas::store::now() - chrono::Duration::seconds(1)))
        .execute(&mut **app.db.get().unwrap())
        .unwrap();
}

/// Subjects and unsubscribe kinds, for assertion messages.
fn summary(mails: &[&ReceivedMail]) -> Vec<String> {
    mails.iter().map(|m| format!("{} [{}]", m.subject, m.header("List-Unsubscribe").unwrap_or("-"))).collect()
}

fn is_png(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG\r\n\x1a\n")
}

fn with_email(dossier: &str, email: &str, locale: &str) -> Value {
    let mut body = invitation_body(dossier);
    body["email"] = json!(email);
    body["locale"] = json!(locale);
    body
}

#[tokio::test]
async fn a_citizen_gets_the_invitation_and_one_reminder_then_the_address_is_erased() {
    let Some(sink) = SmtpSink::start() else { return };
    let app = mail_app(&sink, |_| {}).await;
    let reply = app.mint(&with_email("HS-MAIL-1", "an.nguyen@example.vn", "vi")).await;
    let url = reply["url"].as_str().unwrap().to_owned();
    let en = app.mint(&with_email("HS-MAIL-2", "jane@example.com", "en")).await;

    let mails = mails_until(&sink, |m| m.len() >= 2).await;
    let vi = to(&mails, "an.nguyen@example.vn");
    assert_eq!(vi.len(), 1, "{:?}", summary(&mails.iter().collect::<Vec<_>>()));
    let m = vi[0];
    assert!(m.subject.starts_with("Mời") && m.subject.contains("Sở Tài chính"), "{}", m.subject);
    assert!(m.text.as_deref().unwrap().contains(&url), "text has the link");
    assert!(m.html.as_deref().unwrap().contains(&url), "html has the link");
    assert!(m.html.as_deref().unwrap().contains("cid:qr"));
    let qr = m.inline.iter().find(|p| p.cid == "qr").expect("inline QR code");
    assert!(is_png(&qr.data) && qr.content_type == "image/png");
    assert_eq!(m.header("List-Unsubscribe"), None, "citizen mails are not bulk mail");
    assert!(m.header("Message-ID").is_some_and(|id| id.ends_with("@khaosat.example.vn>")));
    let english = to(&mails, "jane@example.com");
    assert_eq!(english.len(), 1);
    assert!(english[0].subject.starts_with("Please rate"), "{}", english[0].subject);
    assert!(english[0].text.as_deref().unwrap().contains(en["url"].as_str().unwrap()));

    // The first citizen answers. The submit leaves the invitation as it was (PRODUCT §5: it
    // must not share a transaction with the response); its reminder learns of the answer
    // when it is due, and is cancelled then, with the address.
    let token = url.rsplit('/').next().unwrap();
    assert_eq!(app.post_answers(token, &full_answers()).await.status(), 201);
    assert_eq!(email_of_invitation(&app, "HS-MAIL-1").as_deref(), Some("an.nguyen@example.vn"));

    // The second does not: one reminder, then the address is gone.
    assert_eq!(email_of_invitation(&app, "HS-MAIL-2").as_deref(), Some("jane@example.com"));
    reminders_due(&app);
    let mails = mails_until(&sink, |m| m.len() >= 3).await;
    let jane = to(&mails, "jane@example.com");
    assert_eq!(jane.len(), 2, "invitation and reminder: {:?}", summary(&jane));
    assert!(jane[1].subject.starts_with("Reminder"), "{}", jane[1].subject);
    assert_eq!(to(&mails, "an.nguyen@example.vn").len(), 1, "no reminder after answering");
    let r = rows_until(&app, |r| r.iter().all(|(_, s, _, _)| s != "queued" && s != "sending")).await;
    let states: Vec<(&str, &str)> = r.iter().map(|(k, s, _, _)| (k.as_str(), s.as_str())).collect();
    assert_eq!(
        states.iter().filter(|(k, s)| *k == "reminder" && *s == "cancelled").count(),
        1,
        "the answered invitation's reminder: {states:?}"
    );
    assert_eq!(email_of_invitation(&app, "HS-MAIL-2"), None, "erased after the reminder");
    assert_eq!(email_of_invitation(&app, "HS-MAIL-1"), None, "erased with the cancelled reminder");
    // Nothing else in the database keeps an address.
    let dump: Vec<(Option<String>, String, Option<String>)> = outbox::table
        .select((outbox::recipient, outbox::payload, outbox::last_error))
        .load(&mut **app.db.get().unwrap())
        .unwrap();
    assert!(!format!("{dump:?}").contains("example"), "{dump:?}");
}

#[tokio::test]
async fn bad_addresses_are_refused_at_the_api_and_by_the_server() {
    let Some(sink) = SmtpSink::start() else { return };
    let app = mail_app(&sink, |_| {}).await;
    for bad in ["not-an-address", "a@b.vn\r\nBcc: evil@example.com", "x@localhost", "\"a b\"@example.vn"] {
        let res = app.post_invitation(&with_email("HS-BAD", bad, "vi")).await;
        assert_eq!(res.status(), 422, "{bad:?}");
        let body: Value = res.json().await.unwrap();
        assert!(body["fields"]["email"].is_string(), "{body}");
    }
    // A refused recipient fails at once (not retried), takes its reminder with it, and neither
    // the error nor anything else keeps the address.
    app.mint(&with_email("HS-REFUSED", "refuse-me@example.vn", "vi")).await;
    let r = rows_until(&app, |r| r.iter().any(|(k, s, _, _)| k == "invitation" && s == "failed")).await;
    let (_, _, attempts, error) = r.iter().find(|(k, _, _, _)| k == "invitation").unwrap();
    assert_eq!(*attempts, 1, "{r:?}");
    let error = error.clone().unwrap();
    assert!(error.contains("550") && !error.contains("refuse-me"), "{error}");
    assert!(r.iter().any(|(k, s, _, _)| k == "reminder" && s == "cancelled"), "{r:?}");
    assert_eq!(email_of_invitation(&app, "HS-REFUSED"), None);
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn a_server_that_keeps_deferring_is_given_up_after_the_last_try() {
    let Some(sink) = SmtpSink::start() else { return };
    let app = mail_app(&sink, |s| s.mail_max_attempts = 3).await;
    app.mint(&with_email("HS-BUSY", "busy-desk@example.vn", "vi")).await;
    let r = rows_until(&app, |r| r.iter().any(|(k, s, _, _)| k == "invitation" && s == "failed")).await;
    let (_, state, attempts, error) = r.iter().find(|(k, _, _, _)| k == "invitation").unwrap();
    assert_eq!((state.as_str(), *attempts), ("failed", 3), "{r:?}");
    assert!(error.as_deref().unwrap().contains("gave up after 3 tries"), "{error:?}");
}

/// Queues `n` invitations with distinct addresses and returns the addresses.
async fn invite_many(app: &TestApp, prefix: &str, n: usize) -> Vec<String> {
    let mut addresses = Vec::new();
    for i in 0..n {
        let address = format!("{prefix}{i}@example.vn");
        app.mint(&with_email(&format!("HS-{prefix}-{i}"), &address, "vi")).await;
        addresses.push(address);
    }
    addresses
}

fn assert_exactly_once(mails: &[ReceivedMail], addresses: &[String]) {
    for a in addresses {
        assert_eq!(to(mails, a).len(), 1, "{a}: {:?}", mails.iter().map(|m| &m.envelope_to).collect::<Vec<_>>());
    }
    assert_eq!(mails.len(), addresses.len());
}

#[tokio::test]
async fn a_dropped_connection_a_slow_server_and_a_server_restart_still_give_exactly_one_copy() {
    let Some(mut sink) = SmtpSink::start() else { return };
    let app = mail_app(&sink, |_| {}).await;

    // The server hangs up before answering the message: retried, delivered once.
    sink.set_drop_next(2);
    let dropped = invite_many(&app, "drop", 2).await;
    let mails = mails_until(&sink, |m| m.len() >= 2).await;
    assert_exactly_once(&mails, &dropped);
    let r = rows(&app);
    assert!(r.iter().filter(|(k, _, _, _)| k == "invitation").all(|(_, s, a, _)| s == "sent" && *a >= 2), "{r:?}");

    // A slow server (3 s before it answers the message, within the 5 s the sender waits): one
    // try, one copy.
    sink.clear();
    sink.set_delay_ms(3_000);
    let slow = invite_many(&app, "slow", 1).await;
    let mails = mails_until(&sink, |m| !m.is_empty()).await;
    sink.set_delay_ms(0);
    let r = rows_until(&app, |r| r.iter().filter(|(_, s, _, _)| s == "sent").count() == 3).await;
    assert_exactly_once(&sink.messages(), &slow);
    assert_eq!(mails.len(), 1);
    let last = r.iter().rev().find(|(k, _, _, _)| k == "invitation").map(|(_, s, a, _)| (s.as_str(), *a));
    assert_eq!(last, Some(("sent", 1)), "{r:?}");

    // The server goes away in the middle of a run and comes back.
    sink.clear();
    let many = invite_many(&app, "run", 12).await;
    mails_until(&sink, |m| m.len() >= 3).await;
    sink.kill();
    rows_until(&app, |r| r.iter().any(|(_, s, _, e)| s == "queued" && e.is_some())).await;
    sink.restart();
    let mails = mails_until(&sink, |m| m.len() >= many.len()).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_exactly_once(&sink.messages(), &many);
    assert_eq!(mails.len(), many.len());
    let r = rows(&app);
    assert!(r.iter().filter(|(k, _, _, _)| k == "invitation").all(|(_, s, _, _)| s == "sent"), "{r:?}");
}

#[tokio::test]
async fn managers_get_alerts_and_the_digest_and_can_unsubscribe_with_one_click() {
    let Some(sink) = SmtpSink::start() else { return };
    let app = mail_app(&sink, |_| {}).await;
    let boss = staff_user(&app, "truong.phong", Role::AgencyManager, Some("T.FINANCE")).await;
    set_email(&app, "truong.phong", "truong.phong@tc.example.vn");
    let _ = boss;

    // A very low rating with a comment that holds a phone number.
    let token = app.mint_token("HS-LOW-1").await;
    let mut answers = full_answers();
    answers["answers"]["B1"] = json!(1);
    answers["comment"] = json!("Cán bộ <b>thờ ơ</b>, gọi 0912345678 không ai nghe");
    assert_eq!(app.post_answers(&token, &answers).await.status(), 201);
    let has_comment = |m: &ReceivedMail| m.text.as_deref().is_some_and(|t| t.contains("thờ ơ"));
    let mails = mails_until(&sink, |m| to(m, "truong.phong@tc.example.vn").iter().any(|m| has_comment(m))).await;
    let mine = to(&mails, "truong.phong@tc.example.vn");
    let alert = *mine.iter().find(|m| has_comment(m)).unwrap_or_else(|| panic!("comment alert: {:?}", summary(&mine)));
    let text = alert.text.as_deref().unwrap();
    let html = alert.html.as_deref().unwrap();
    assert!(!text.contains("0912345678") && !html.contains("0912345678"), "phone masked");
    assert!(html.contains("&lt;b&gt;thờ ơ&lt;/b&gt;") || html.contains("&#60;b&#62;thờ ơ"), "escaped: {html}");
    assert!(text.contains("/staff/agencies/T.FINANCE"));
    let unsubscribe = alert.header("List-Unsubscribe").expect("List-Unsubscribe");
    assert_eq!(alert.header("List-Unsubscribe-Post"), Some("List-Unsubscribe=One-Click"));
    assert!(unsubscribe.contains("k=comment_alert"), "{unsubscribe}");

    // Two more low responses: the rolling index drops below the target with enough responses.
    for i in 2..=3 {
        let token = app.mint_token(&format!("HS-LOW-{i}")).await;
        let mut low = full_answers();
        for id in ["A1", "A2", "A3", "B1", "B2", "B3", "B4", "C1", "C2", "C3", "D1", "D2", "D3", "E1", "E3"] {
            low["answers"][id] = json!(2);
        }
        assert_eq!(app.post_answers(&token, &low).await.status(), 201);
    }
    let mails = mails_until(&sink, |m| {
        to(m, "truong.phong@tc.example.vn")
            .iter()
            .any(|m| m.header("List-Unsubscribe").is_some_and(|u| u.contains("k=index_alert")))
    })
    .await;
    let mine = to(&mails, "truong.phong@tc.example.vn");
    let index = mine
        .iter()
        .filter(|m| m.header("List-Unsubscribe").is_some_and(|u| u.contains("k=index_alert")))
        .collect::<Vec<_>>();
    assert_eq!(index.len(), 1, "one alert for one drop: {:?}", summary(&mine));
    assert!(index[0].text.as_deref().unwrap().contains("85"), "names the target");

    // The digest of last week arrives with its chart.
    let is_digest = |m: &ReceivedMail| m.header("List-Unsubscribe").is_some_and(|u| u.contains("k=digest"));
    let mails = mails_until(&sink, |m| to(m, "truong.phong@tc.example.vn").iter().any(|m| is_digest(m))).await;
    let mine = to(&mails, "truong.phong@tc.example.vn");
    let digests: Vec<_> = mine.iter().filter(|m| is_digest(m)).collect();
    assert_eq!(digests.len(), 1, "{:?}", summary(&mine));
    let d = digests[0];
    assert!(d.html.as_deref().unwrap().contains("cid:chart"));
    let chart = d.inline.iter().find(|p| p.cid == "chart").expect("inline chart");
    assert!(is_png(&chart.data));
    assert!(d.text.as_deref().unwrap().contains("/staff/agencies/T.FINANCE"));

    // One click (RFC 8058) from the header: no login, and the next week's digest is not queued.
    let link = unsubscribe.trim_matches(['<', '>']).replace("k=comment_alert", "k=digest");
    let forged = app.client.get(&link).send().await.unwrap();
    assert_eq!(forged.status(), 400, "a signature is only valid for its kind");
    let digest_link = d.header("List-Unsubscribe").unwrap().trim_matches(['<', '>']).to_owned();
    let page = app.client.get(&digest_link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Hủy đăng ký"));
    let user_id: String = sipas::db::schema::users::table
        .filter(sipas::db::schema::users::username.eq("truong.phong"))
        .select(sipas::db::schema::users::id)
        .first(&mut **app.db.get().unwrap())
        .unwrap();
    let off = |app: &TestApp| sipas::store::outbox::optouts(&mut app.db.get().unwrap(), &user_id).unwrap();
    assert!(off(&app).is_empty(), "opening the link changes nothing");
    let res = app.client.post(&digest_link).body("List-Unsubscribe=One-Click").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(off(&app), vec![sipas::email::Kind::Digest]);
    let next = chrono::NaiveDate::from_ymd_opt(2030, 1, 7).unwrap();
    let queued = sipas::email::schedule::queue_digests(&mut app.db.get().unwrap(), next, sipas::store::now()).unwrap();
    assert_eq!(queued, 0);
}

#[tokio::test]
async fn an_analyst_is_told_when_an_export_is_ready_and_admins_see_the_outbox() {
    let Some(sink) = SmtpSink::start() else { return };
    let app = mail_app(&sink, |_| {}).await;
    let analyst = staff_user(&app, "phan.tich", Role::Analyst, None).await;
    set_email(&app, "phan.tich", "phan.tich@vien.example.vn");
    let html = analyst.get(app.url("/staff/exports")).send().await.unwrap().text().await.unwrap();
    let year = sipas::clock::today().format("%Y").to_string();
    let form = [("csrf", csrf_of(&html)), ("dataset", "index_table".into()), ("period", year)];
    assert_eq!(analyst.post(app.url("/staff/exports")).form(&form).send().await.unwrap().status(), 303);
    let mails = mails_until(&sink, |m| !to(m, "phan.tich@vien.example.vn").is_empty()).await;
    let m = to(&mails, "phan.tich@vien.example.vn")[0];
    assert!(m.text.as_deref().unwrap().contains("/api/v1/exports/"), "download link");
    assert!(m.text.as_deref().unwrap().contains("/staff/exports"));

    // The admin page: counts and a failure that can be retried.
    app.mint(&with_email("HS-OUTBOX", "refuse-outbox@example.vn", "vi")).await;
    rows_until(&app, |r| r.iter().any(|(_, s, _, _)| s == "failed")).await;
    let admin = staff_user(&app, "quan.tri", Role::Admin, None).await;
    let page = admin.get(app.url("/staff/outbox?lang=en")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Latest failures") && html.contains("550"), "{html}");
    assert!(!html.contains("refuse-outbox"), "citizen addresses are not shown");
    let retry = html.split("action=\"/staff/outbox/").nth(1).unwrap().split('"').next().unwrap().to_owned();
    assert!(retry.contains("/retry"), "{retry}");
    let res =
        admin.post(app.url(&format!("/staff/outbox/{retry}"))).form(&[("csrf", csrf_of(&html))]).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let forged = admin.post(app.url(&format!("/staff/outbox/{retry}"))).form(&[("csrf", "x")]).send().await.unwrap();
    assert_eq!(forged.status(), 403);
    assert_eq!(analyst.get(app.url("/staff/outbox")).send().await.unwrap().status(), 403);
    // The retried mail fails again (its address was erased with the first failure): cancelled.
    let r = rows_until(&app, |r| r.iter().any(|(k, s, _, _)| k == "invitation" && s == "cancelled")).await;
    assert!(
        r.iter().any(|(k, s, _, e)| k == "invitation"
            && s == "cancelled"
            && e.as_deref().is_some_and(|e| e.contains("erased"))),
        "{r:?}"
    );

    // Preferences: the analyst turns export notices off.
    let html = analyst.get(app.url("/staff/notifications")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("phan.tich@vien.example.vn") && html.contains("value=\"export_ready\" checked"));
    let form = [("csrf", csrf_of(&html)), ("kind", "digest".into())];
    let res = analyst.post(app.url("/staff/notifications")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let html = analyst.get(app.url("/staff/notifications")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("value=\"export_ready\">") && html.contains("value=\"digest\" checked"), "{html}");
}

/// Waits until a `sipas serve` process answers.
async fn wait_ready(client: &reqwest::Client, base: &str) {
    for _ in 0..600 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{base} did not start");
}

fn invitation_mail(app: &TestApp) -> Vec<(String, i32)> {
    outbox::table
        .filter(outbox::kind.eq("invitation"))
        .select((outbox::state, outbox::attempts))
        .load(&mut **app.db.get().unwrap())
        .unwrap()
}

#[tokio::test]
async fn mail_in_flight_when_the_service_is_killed_is_delivered_once_after_the_restart() {
    let Some(sink) = SmtpSink::start() else { return };
    // This in-process app only prepares the database; `sipas serve` processes send.
    let app = crate::helpers::spawn_app().await;
    let url = sink.url();
    let env = [
        ("SIPAS_SMTP_URL", url.as_str()),
        ("SIPAS_MAIL_QUIET_HOURS", ""),
        ("SIPAS_MAIL_LEASE_SECS", "2"),
        ("SIPAS_MAIL_TIMEOUT_SECS", "4"),
        ("SIPAS_MAIL_RETRY_BASE_SECS", "1"),
    ];
    let exports = tempfile::tempdir().unwrap();
    let (mut first, base) = crate::exports::serve(&app.test_db.url, exports.path(), &env);
    let client = reqwest::Client::new();
    wait_ready(&client, &base).await;
    // The server holds the message before answering; the service is killed meanwhile.
    sink.set_delay_ms(3_000);
    let res = client
        .post(format!("{base}/api/v1/invitations"))
        .bearer_auth(&app.api_key)
        .json(&with_email("HS-FLIGHT", "in.flight@example.vn", "vi"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let deadline = std::time::Instant::now() + WAIT;
    while invitation_mail(&app) != [("sending".to_owned(), 1)] && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(invitation_mail(&app), [("sending".to_owned(), 1)]);
    tokio::time::sleep(Duration::from_millis(800)).await;
    first.kill().unwrap();
    first.wait().unwrap();
    sink.set_delay_ms(0);
    assert!(sink.messages().is_empty(), "the server discarded the unfinished message");

    let (mut second, base) = crate::exports::serve(&app.test_db.url, exports.path(), &env);
    wait_ready(&client, &base).await;
    mails_until(&sink, |m| !m.is_empty()).await;
    let deadline = std::time::Instant::now() + WAIT;
    while invitation_mail(&app)[0].0 != "sent" && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    second.kill().unwrap();
    second.wait().unwrap();
    assert_eq!(sink.messages().len(), 1, "exactly one copy");
    assert_eq!(invitation_mail(&app), [("sent".to_owned(), 2)], "taken up again after the lease");
}
