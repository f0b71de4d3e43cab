//! Comments for staff (`store::comments`): masked, filtered by agency list, period, survey,
//! field and channel, paged with the right total, never another agency's, never with an id;
//! every staff view leaves an audit row (`store::audit`), and no page without one.

use std::collections::BTreeSet;

use chrono::{NaiveDate, SubsecRound};
use diesel::prelude::*;
use serde_json::json;
use sipas::db::schema::responses;
use sipas::domain::{EMAIL_MARKER, ID_MARKER, PHONE_MARKER};
use sipas::store::audit::{self, NewAuditEntry};
use sipas::store::comments::{self, Comment, CommentPage, CommentQuery};

use crate::helpers::{full_answers, spawn_app, TestApp};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Stores a response directly, with the scope and date given (answers are not needed here).
fn store(app: &TestApp, agency: &str, survey: &str, field: &str, channel: &str, on: NaiveDate, comment: Option<&str>) {
    diesel::insert_into(responses::table)
        .values((
            responses::id.eq(sipas::store::new_id()),
            responses::survey_id.eq(survey),
            responses::survey_version.eq(1),
            responses::agency_code.eq(agency),
            responses::field.eq(field),
            responses::channel.eq(channel),
            responses::submitted_on.eq(on),
            responses::locale.eq(if channel == "kiosk" { "en" } else { "vi" }),
            responses::comment.eq(comment),
        ))
        .execute(&mut **app.db.get().unwrap())
        .unwrap();
}

/// The fixture set: five comments in the first quarter of 2026, two outside it, and three
/// responses without a comment (NULL, empty, blanks).
fn store_fixture(app: &TestApp) {
    let d = "sipas-dossier";
    store(app, "T.HEALTH", d, "health", "online", day(2026, 1, 10), Some("Y tế trực tuyến, nhanh."));
    store(
        app,
        "T.HOSPITAL",
        "health-public",
        "health",
        "in_person",
        day(2026, 2, 15),
        Some("Chờ lâu, gọi 0912 345 678"),
    );
    store(app, "T.HEALTH", d, "health", "in_person", day(2026, 3, 31), Some("Ngày cuối quý."));
    store(app, "T.FINANCE", d, "land", "online", day(2026, 2, 1), Some("Phí 500.000 đồng; email tc.le@gmail.com"));
    store(app, "T.CITY", d, "other", "kiosk", day(2026, 2, 1), Some("Kiosk works, CCCD 001234567890"));
    store(app, "T.HEALTH", d, "health", "online", day(2025, 12, 31), Some("Trước kỳ."));
    store(app, "T.HEALTH", d, "health", "online", day(2026, 4, 1), Some("Sau kỳ."));
    store(app, "T.HEALTH", d, "health", "online", day(2026, 2, 20), None);
    store(app, "T.HEALTH", d, "health", "online", day(2026, 2, 21), Some(""));
    store(app, "T.HEALTH", d, "health", "online", day(2026, 2, 22), Some("   "));
}

/// The first quarter of 2026, every agency and filter, one big page.
fn q1() -> CommentQuery {
    CommentQuery {
        survey_id: None,
        agencies: None,
        from: day(2026, 1, 1),
        to: day(2026, 3, 31),
        field: None,
        channel: None,
        limit: 100,
        offset: 0,
    }
}

fn list(app: &TestApp, q: &CommentQuery) -> CommentPage {
    comments::list(&mut app.db.get().unwrap(), q).unwrap()
}

fn texts(page: &CommentPage) -> Vec<&str> {
    page.comments.iter().map(|c| c.text.as_str()).collect()
}

fn agencies(codes: &[&str]) -> Option<Vec<String>> {
    Some(codes.iter().map(|c| (*c).to_owned()).collect())
}

#[tokio::test]
async fn a_submitted_comment_is_listed_masked_with_its_scope_and_no_id() {
    let app = spawn_app().await;
    let token = app.mint_token("HS-COMMENT-1").await;
    let mut body = full_answers();
    body["comment"] = json!(
        "Chị Hằng hướng dẫn tận tình. Gọi tôi 0912.345.678 hoặc +84 987 654 321, \
         thư an.nguyen+hoso@gmail.com, CCCD 001 234 567 890. Năm 2026 nộp 500.000 đồng."
    );
    assert_eq!(app.post_answers(&token, &body).await.status(), 201);

    let q = CommentQuery { agencies: agencies(&["T.FINANCE"]), from: day(2000, 1, 1), to: day(2100, 1, 1), ..q1() };
    let page = list(&app, &q);
    assert_eq!(page.total, 1);
    let today = sipas::clock::today();
    let c = &page.comments[0];
    assert_eq!(
        c,
        &Comment {
            agency_code: "T.FINANCE".into(),
            field: "land".into(),
            channel: "in_person".into(),
            submitted_on: c.submitted_on,
            survey_id: "sipas-dossier".into(),
            locale: "vi".into(),
            text: format!(
                "Chị Hằng hướng dẫn tận tình. Gọi tôi {PHONE_MARKER} hoặc {PHONE_MARKER}, thư {EMAIL_MARKER}, \
                 CCCD {ID_MARKER}. Năm 2026 nộp 500.000 đồng."
            ),
        }
    );
    // Submitted "today" in Hanoi; a run across midnight may see yesterday's date.
    assert!((today - c.submitted_on).num_days().abs() <= 1, "{} vs {today}", c.submitted_on);

    // Stored as written: the masking happens on the way out, for everybody.
    let stored = sipas::store::responses::all(&mut app.db.get().unwrap()).unwrap();
    assert!(stored[0].comment.as_deref().unwrap().contains("0912.345.678"));

    // Exactly the scope, the date, the language and the text: nothing that leads to the dossier.
    let json = serde_json::to_value(c).unwrap();
    let keys: BTreeSet<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        BTreeSet::from(["agency_code", "field", "channel", "submitted_on", "survey_id", "locale", "text"])
    );
    let ids: Vec<String> = responses::table.select(responses::id).load(&mut **app.db.get().unwrap()).unwrap();
    let page_json = serde_json::to_string(&page).unwrap();
    assert_eq!(ids.len(), 1);
    assert!(!page_json.contains(&ids[0]), "{page_json}");
    assert!(!page_json.contains("HS-COMMENT-1") && !page_json.contains(&token), "{page_json}");
}

#[tokio::test]
async fn filters_by_agencies_period_survey_field_and_channel() {
    let app = spawn_app().await;
    store_fixture(&app);

    // Everything in the quarter, newest day first; no NULL, empty or blank comment.
    let all = list(&app, &q1());
    assert_eq!(all.total, 5);
    let days: Vec<NaiveDate> = all.comments.iter().map(|c| c.submitted_on).collect();
    assert_eq!(days, [day(2026, 3, 31), day(2026, 2, 15), day(2026, 2, 1), day(2026, 2, 1), day(2026, 1, 10)]);
    let codes: Vec<&str> = all.comments.iter().map(|c| c.agency_code.as_str()).collect();
    assert_eq!(codes[..2], ["T.HEALTH", "T.HOSPITAL"]);
    assert_eq!(BTreeSet::from([codes[2], codes[3]]), BTreeSet::from(["T.CITY", "T.FINANCE"]));
    assert_eq!(list(&app, &q1()), all, "same order every time");
    let masked: BTreeSet<&str> = texts(&all).into_iter().collect();
    assert!(masked.contains(format!("Chờ lâu, gọi {PHONE_MARKER}").as_str()), "{masked:?}");
    assert!(masked.contains(format!("Phí 500.000 đồng; email {EMAIL_MARKER}").as_str()), "{masked:?}");
    assert!(masked.contains(format!("Kiosk works, CCCD {ID_MARKER}").as_str()), "{masked:?}");
    let kiosk = all.comments.iter().find(|c| c.channel == "kiosk").unwrap();
    assert_eq!((kiosk.locale.as_str(), kiosk.field.as_str()), ("en", "other"));

    // An agency subtree: the health department and its hospital.
    let health = list(&app, &CommentQuery { agencies: agencies(&["T.HEALTH", "T.HOSPITAL"]), ..q1() });
    assert_eq!(health.total, 3);
    assert_eq!(texts(&health), ["Ngày cuối quý.", &format!("Chờ lâu, gọi {PHONE_MARKER}"), "Y tế trực tuyến, nhanh."]);
    let finance = list(&app, &CommentQuery { agencies: agencies(&["T.FINANCE"]), ..q1() });
    assert_eq!(texts(&finance), [format!("Phí 500.000 đồng; email {EMAIL_MARKER}")]);

    // The period is inclusive at both ends.
    let inner = CommentQuery { from: day(2026, 1, 11), to: day(2026, 3, 30), ..q1() };
    assert_eq!(list(&app, &inner).total, 3, "without 10 Jan and 31 Mar");
    let one_day = list(&app, &CommentQuery { from: day(2026, 2, 1), to: day(2026, 2, 1), ..q1() });
    assert_eq!(one_day.total, 2);
    assert!(one_day.comments.iter().all(|c| c.submitted_on == day(2026, 2, 1)));
    let year = list(&app, &CommentQuery { from: day(2025, 1, 1), to: day(2026, 12, 31), ..q1() });
    assert_eq!(year.total, 7);
    assert_eq!(texts(&year)[0], "Sau kỳ.");
    assert_eq!(texts(&year)[6], "Trước kỳ.");
    let reversed = list(&app, &CommentQuery { from: day(2026, 3, 31), to: day(2026, 1, 1), ..q1() });
    assert_eq!(reversed, CommentPage { total: 0, comments: vec![] });

    // Field, channel, survey, and all of them with an agency list.
    let by_field = list(&app, &CommentQuery { field: Some("health".into()), ..q1() });
    assert_eq!(by_field.total, 3);
    assert!(by_field.comments.iter().all(|c| c.field == "health"));
    let online = list(&app, &CommentQuery { channel: Some("online".into()), ..q1() });
    assert_eq!(online.total, 2);
    assert_eq!(online.comments.iter().map(|c| c.agency_code.as_str()).collect::<Vec<_>>(), ["T.FINANCE", "T.HEALTH"]);
    let survey = list(&app, &CommentQuery { survey_id: Some("health-public".into()), ..q1() });
    assert_eq!(survey.total, 1);
    assert_eq!(survey.comments[0].agency_code, "T.HOSPITAL");
    let narrow = CommentQuery {
        agencies: agencies(&["T.HEALTH", "T.HOSPITAL"]),
        survey_id: Some("sipas-dossier".into()),
        field: Some("health".into()),
        channel: Some("in_person".into()),
        ..q1()
    };
    assert_eq!(texts(&list(&app, &narrow)), ["Ngày cuối quý."]);
    assert_eq!(list(&app, &CommentQuery { field: Some("education".into()), ..q1() }).total, 0);
}

#[tokio::test]
async fn other_agencies_never_appear_and_an_empty_list_matches_nothing() {
    let app = spawn_app().await;
    store_fixture(&app);
    for i in 0..5 {
        store(
            &app,
            "T.WARD",
            "sipas-dossier",
            "civil_status",
            "in_person",
            day(2026, 2, 10),
            Some(&format!("Phường {i}")),
        );
    }

    let ward = list(&app, &CommentQuery { agencies: agencies(&["T.WARD"]), ..q1() });
    assert_eq!(ward.total, 5);
    assert!(ward.comments.iter().all(|c| c.agency_code == "T.WARD" && c.text.starts_with("Phường ")));
    let health = CommentQuery { agencies: agencies(&["T.HEALTH", "T.HOSPITAL"]), limit: 2, ..q1() };
    for offset in 0..4 {
        let page = list(&app, &CommentQuery { offset, ..health.clone() });
        assert_eq!(page.total, 3);
        assert!(page.comments.iter().all(|c| c.agency_code == "T.HEALTH" || c.agency_code == "T.HOSPITAL"));
    }
    // A code that is no agency, and a look-alike, match nothing.
    assert_eq!(list(&app, &CommentQuery { agencies: agencies(&["T.HEALT", "t.health", "%"]), ..q1() }).total, 0);
    let none = list(&app, &CommentQuery { agencies: Some(vec![]), ..q1() });
    assert_eq!(none, CommentPage { total: 0, comments: vec![] });
    assert_eq!(list(&app, &CommentQuery { agencies: None, ..q1() }).total, 10);
}

#[tokio::test]
async fn pages_cover_every_comment_once_with_the_right_total() {
    let app = spawn_app().await;
    let days = [day(2026, 3, 1), day(2026, 3, 1), day(2026, 3, 1), day(2026, 2, 1), day(2026, 2, 1), day(2026, 1, 1)];
    for (i, on) in days.iter().enumerate() {
        store(&app, "T.FINANCE", "sipas-dossier", "land", "online", *on, Some(&format!("Ý kiến {i}")));
    }
    store(&app, "T.FINANCE", "sipas-dossier", "land", "online", day(2026, 1, 2), Some("Ý kiến 6"));

    let full = list(&app, &q1());
    assert_eq!(full.total, 7);
    let full_days: Vec<NaiveDate> = full.comments.iter().map(|c| c.submitted_on).collect();
    assert_eq!(
        full_days,
        [
            day(2026, 3, 1),
            day(2026, 3, 1),
            day(2026, 3, 1),
            day(2026, 2, 1),
            day(2026, 2, 1),
            day(2026, 1, 2),
            day(2026, 1, 1)
        ]
    );

    let mut paged = Vec::new();
    for (offset, len) in [(0, 3), (3, 3), (6, 1)] {
        let page = list(&app, &CommentQuery { limit: 3, offset, ..q1() });
        assert_eq!((page.total, page.comments.len()), (7, len), "offset {offset}");
        paged.extend(page.comments);
    }
    assert_eq!(paged, full.comments, "pages in order, ties included, none twice or missing");
    let distinct: BTreeSet<&str> = paged.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(distinct.len(), 7);

    let past_the_end = list(&app, &CommentQuery { limit: 3, offset: 7, ..q1() });
    assert_eq!(past_the_end, CommentPage { total: 7, comments: vec![] });
    assert_eq!(list(&app, &CommentQuery { limit: 0, ..q1() }), CommentPage { total: 7, comments: vec![] });
    assert_eq!(list(&app, &CommentQuery { limit: -1, ..q1() }), CommentPage { total: 7, comments: vec![] });
    assert_eq!(list(&app, &CommentQuery { limit: 2, offset: -5, ..q1() }).comments, full.comments[..2]);
}

#[tokio::test]
async fn every_staff_view_is_audited_with_actor_and_target() {
    let app = spawn_app().await;
    store_fixture(&app);
    let mut conn = app.db.get().unwrap();
    assert_eq!(audit::recent(&mut conn, 10).unwrap(), vec![]);

    // PostgreSQL keeps microseconds.
    let before = sipas::store::now().trunc_subsecs(6);
    let q = CommentQuery { agencies: agencies(&["T.HEALTH", "T.HOSPITAL"]), limit: 2, ..q1() };
    let page = comments::list_and_audit(&mut conn, "lan.nguyen", &q).unwrap();
    assert_eq!(page, comments::list(&mut conn, &q).unwrap(), "the same page as a plain list");
    assert_eq!((page.total, page.comments.len()), (3, 2));
    let after = sipas::store::now();

    let entries = audit::recent(&mut conn, 10).unwrap();
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    assert_eq!(
        (e.actor.as_str(), e.action.as_str(), e.target.as_str(), e.detail.as_deref()),
        (
            "lan.nguyen",
            "view_comments",
            "agencies=T.HEALTH,T.HOSPITAL period=2026-01-01..2026-03-31 survey=* field=* channel=* page=2+0",
            Some("shown 2 of 3")
        )
    );
    assert!(before <= e.at && e.at <= after, "{before} <= {} <= {after}", e.at);
    assert_eq!(uuid::Uuid::parse_str(&e.id).unwrap().get_version_num(), 4);

    // A machine client, with filters; then an export recorded by its handler.
    let q = CommentQuery { channel: Some("online".into()), survey_id: Some("sipas-dossier".into()), ..q1() };
    assert_eq!(comments::list_and_audit(&mut conn, &audit::api_key_actor("k-42"), &q).unwrap().total, 2);
    let export = NewAuditEntry {
        actor: "analyst.minh".into(),
        action: audit::EXPORT.into(),
        target: "agencies=* period=2026-01-01..2026-03-31".into(),
        detail: None,
    };
    audit::record(&mut conn, &export).unwrap();

    let entries = audit::recent(&mut conn, 10).unwrap();
    let summary: Vec<(&str, &str, Option<&str>)> =
        entries.iter().map(|e| (e.actor.as_str(), e.action.as_str(), e.detail.as_deref())).collect();
    assert_eq!(
        summary,
        [
            ("analyst.minh", "export", None),
            ("api-key:k-42", "view_comments", Some("shown 2 of 2")),
            ("lan.nguyen", "view_comments", Some("shown 2 of 3")),
        ],
        "newest first"
    );
    assert_eq!(
        entries[1].target,
        "agencies=* period=2026-01-01..2026-03-31 survey=sipas-dossier field=* channel=online page=100+0"
    );
    assert!(entries[0].at >= entries[1].at && entries[1].at >= entries[2].at);
    assert_eq!(audit::recent(&mut conn, 1).unwrap(), entries[..1]);
    assert_eq!(audit::recent(&mut conn, -1).unwrap(), vec![]);

    // An empty agency list is a view too, and is logged as one.
    let none = CommentQuery { agencies: Some(vec![]), ..q1() };
    assert_eq!(comments::list_and_audit(&mut conn, "viewer", &none).unwrap().total, 0);
    let latest = audit::recent(&mut conn, 1).unwrap();
    assert_eq!((latest[0].actor.as_str(), latest[0].detail.as_deref()), ("viewer", Some("shown 0 of 0")));
    assert!(latest[0].target.starts_with("agencies= period="), "{}", latest[0].target);
}

#[tokio::test]
async fn no_page_without_its_audit_row() {
    let app = spawn_app().await;
    store_fixture(&app);
    let mut conn = app.db.get().unwrap();
    diesel::sql_query("DROP TABLE audit_log").execute(&mut **conn).unwrap();
    assert!(comments::list_and_audit(&mut conn, "lan.nguyen", &q1()).is_err(), "the audit row cannot be written");
    assert_eq!(comments::list(&mut conn, &q1()).unwrap().total, 5, "listing itself works");
}
