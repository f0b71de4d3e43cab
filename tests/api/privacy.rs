//! PRODUCT §5 as a database administrator and a log reader would test it: no system column,
//! row or value links a response to its invitation, dossier or mails; answering leaves the
//! invitation's row as it was; dossier codes are never stored; logs hold no token or address.

use diesel::prelude::*;
use diesel::sql_types::Text;
use serde_json::Value;
use sipas::db::schema::{invitations, used_tokens};
use sipas::db::DbConn;

use crate::helpers::{full_answers, invitation_body, spawn_app, TestApp, TEST_SECRET};

#[derive(QueryableByName, Debug, PartialEq, Eq)]
struct Pair {
    #[diesel(sql_type = Text)]
    a: String,
    #[diesel(sql_type = Text)]
    b: String,
}

/// Every column of every invitation, as text, by id.
fn invitation_rows(app: &TestApp) -> Vec<String> {
    type Scope = (String, String, String, String, String, Option<String>, String, chrono::NaiveDate);
    type Rest = (String, i32, String, Option<String>, chrono::NaiveDateTime, chrono::NaiveDateTime);
    let rows: Vec<(Scope, Rest)> = invitations::table
        .select((
            (
                invitations::id,
                invitations::token_hash,
                invitations::agency_code,
                invitations::dossier_hash,
                invitations::field,
                invitations::procedure_code,
                invitations::channel,
                invitations::handled_on,
            ),
            (
                invitations::survey_id,
                invitations::survey_version,
                invitations::locale,
                invitations::email,
                invitations::created_at,
                invitations::expires_at,
            ),
        ))
        .order(invitations::id)
        .load(&mut **app.db.get().unwrap())
        .unwrap();
    rows.iter().map(|r| format!("{r:?}")).collect()
}

/// Mints `n` invitations and answers every other one, through the API.
async fn mint_and_answer(app: &TestApp, n: usize) -> Vec<String> {
    let mut tokens = Vec::new();
    for i in 0..n {
        tokens.push(app.mint_token(&format!("HS-PRIV-{i:03}")).await);
    }
    for token in tokens.iter().step_by(2) {
        assert_eq!(app.post_answers(token, &full_answers()).await.status(), 201);
    }
    tokens
}

#[tokio::test]
async fn answering_leaves_the_invitation_row_unchanged_and_is_known_only_with_the_secret() {
    let app = spawn_app().await;
    let token = app.mint_token("HS-PRIV-ROW").await;
    let other = app.mint_token("HS-PRIV-OTHER").await;
    let before = invitation_rows(&app);
    let xmin_before = system_columns(&app, "invitations");
    assert_eq!(app.post_answers(&token, &full_answers()).await.status(), 201);
    assert_eq!(invitation_rows(&app), before, "the submit changed an invitation");
    assert_eq!(system_columns(&app, "invitations"), xmin_before, "the submit touched an invitation's row");
    assert_eq!(app.counts().0, 1);

    // The used mark is the keyed tag: it matches neither token hash, and only the secret
    // tells which invitation it belongs to.
    let tags: Vec<String> = used_tokens::table.select(used_tokens::tag).load(&mut **app.db.get().unwrap()).unwrap();
    let t = sipas::domain::InvitationToken::parse(&token).unwrap();
    let o = sipas::domain::InvitationToken::parse(&other).unwrap();
    assert_eq!(tags, vec![t.used_tag(TEST_SECRET.as_bytes())]);
    assert!(!tags.contains(&t.hash().0) && !tags.contains(&o.used_tag(TEST_SECRET.as_bytes())));
    assert_ne!(t.used_tag(b"another-secret-that-is-long-enough-0123"), tags[0]);
    // The link still reads as answered (409), the other one as open.
    assert_eq!(app.post_answers(&token, &full_answers()).await.status(), 409);
    assert_eq!(app.get_survey(&other).await.status(), 200);
}

#[tokio::test]
async fn no_table_holds_a_dossier_code_and_lookups_still_find_it() {
    let app = spawn_app().await;
    let first = app.mint(&invitation_body("HS-PRIV-DOSSIER/2026")).await;
    // Minting the same dossier again gives the same link back (the hash is the key).
    let again = app.mint(&invitation_body("HS-PRIV-DOSSIER/2026")).await;
    assert_eq!(first["token"], again["token"]);
    assert_eq!(sipas::store::invitations::count(&mut app.db.get().unwrap()).unwrap(), 1);
    let found = sipas::store::invitations::find_by_dossier(
        &mut app.db.get().unwrap(),
        TEST_SECRET.as_bytes(),
        "T.FINANCE",
        "HS-PRIV-DOSSIER/2026",
    )
    .unwrap()
    .expect("support look-up by dossier code");
    assert_eq!(found.agency_code, "T.FINANCE");
    assert_eq!(
        sipas::store::invitations::find_by_dossier(
            &mut app.db.get().unwrap(),
            b"wrong-secret",
            "T.FINANCE",
            "HS-PRIV-DOSSIER/2026"
        )
        .unwrap()
        .map(|i| i.id),
        None
    );
    let token = first["token"].as_str().unwrap();
    assert_eq!(app.post_answers(token, &full_answers()).await.status(), 201);
    let dump = database_text(&app);
    assert!(!dump.is_empty());
    assert!(!dump.contains("HS-PRIV-DOSSIER"), "a dossier code is stored in clear");
    assert!(!dump.contains(token), "a token is stored in clear");
}

/// On PostgreSQL rows written in one transaction share `xmin`; a submit that wrote anything
/// about its invitation would let one join name every response's dossier.
#[tokio::test]
async fn no_system_column_or_row_order_joins_a_response_to_an_invitation() {
    let app = spawn_app().await;
    let tokens = mint_and_answer(&app, 12).await;
    assert_eq!(app.counts().0, 6);
    assert_eq!(tokens.len(), 12);
    let mut conn = app.db.get().unwrap();
    let DbConn::Postgresql(pg) = &mut **conn else {
        eprintln!("system columns are PostgreSQL's; the row checks ran on SQLite");
        return;
    };
    for (left, right) in [
        ("responses", "invitations"),
        ("answers", "invitations"),
        ("responses", "outbox"),
        ("answers", "outbox"),
        ("used_tokens", "invitations"),
    ] {
        for column in ["xmin", "xmax"] {
            let sql = format!(
                "SELECT l.{column}::text AS a, r.id::text AS b FROM {left} l JOIN {right} r \
                 ON l.{column}::text = r.{column}::text WHERE r.{column}::text <> '0'"
            );
            let pairs: Vec<Pair> = diesel::sql_query(&sql).load(pg).unwrap();
            assert!(pairs.is_empty(), "{sql}: {pairs:?}");
        }
    }
    // Row order: invitations stay in the order they were minted, whatever is answered later;
    // only a used tag and its response are written together, and the tag needs the secret.
    let sql = "SELECT string_agg(i.id, ',' ORDER BY i.ctid) AS a, '' AS b FROM invitations i";
    let order: Vec<Pair> = diesel::sql_query(sql).load(pg).unwrap();
    let before = order[0].a.clone();
    drop(conn);
    for token in tokens.iter().skip(1).step_by(2) {
        assert_eq!(app.post_answers(token, &full_answers()).await.status(), 201);
    }
    let mut conn = app.db.get().unwrap();
    let DbConn::Postgresql(pg) = &mut **conn else { unreachable!() };
    let after: Vec<Pair> = diesel::sql_query(sql).load(pg).unwrap();
    assert_eq!(after[0].a, before, "submits moved invitation rows (ctid)");
}

/// `xmin` and `ctid` of every row of `table` on PostgreSQL (nothing on SQLite).
fn system_columns(app: &TestApp, table: &str) -> Vec<Pair> {
    let mut conn = app.db.get().unwrap();
    match &mut **conn {
        DbConn::Postgresql(pg) => diesel::sql_query(format!(
            "SELECT xmin::text || '/' || xmax::text AS a, ctid::text AS b FROM {table} ORDER BY ctid"
        ))
        .load(pg)
        .unwrap(),
        DbConn::Sqlite(_) => Vec::new(),
    }
}

/// Everything the database holds, as text: every row of every table on PostgreSQL, the
/// database file's bytes (and its journal) on SQLite.
fn database_text(app: &TestApp) -> String {
    let mut conn = app.db.get().unwrap();
    match &mut **conn {
        DbConn::Postgresql(pg) => {
            let tables: Vec<Pair> = diesel::sql_query(
                "SELECT table_name::text AS a, '' AS b FROM information_schema.tables WHERE table_schema = 'public'",
            )
            .load(pg)
            .unwrap();
            let mut out = String::new();
            for t in tables {
                let sql = format!("SELECT COALESCE(string_agg(t::text, E'\\n'), '') AS a, '' AS b FROM \"{}\" t", t.a);
                let rows: Vec<Pair> = diesel::sql_query(sql).load(pg).unwrap();
                out.push_str(&rows[0].a);
                out.push('\n');
            }
            out
        }
        DbConn::Sqlite(c) => {
            diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)").execute(c).ok();
            let path = app.test_db.url.trim_start_matches("sqlite://").to_owned();
            let mut bytes = std::fs::read(&path).unwrap();
            for suffix in ["-wal", "-journal"] {
                if let Ok(more) = std::fs::read(format!("{path}{suffix}")) {
                    bytes.extend(more);
                }
            }
            String::from_utf8_lossy(&bytes).into_owned()
        }
    }
}

/// A whole citizen flow against `sipas serve` with its logs captured at the default level
/// and with sipas' own debug lines: no token, no client address.
#[tokio::test]
async fn logs_of_a_citizen_flow_hold_no_token_and_no_client_address() {
    let app = spawn_app().await;
    let tokens: Vec<String> = {
        let mut v = Vec::new();
        for i in 0..3 {
            v.push(app.mint_token(&format!("HS-PRIV-LOG-{i}")).await);
        }
        v
    };
    let logs = tempfile::NamedTempFile::new().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_sipas"))
        .arg("serve")
        .env("DATABASE_URL", &app.test_db.url)
        .env("SIPAS_BIND", format!("127.0.0.1:{port}"))
        .env("SIPAS_SURVEY_DIR", crate::helpers::manifest_dir().join("survey-definitions"))
        .env("SIPAS_SECRET_KEY", TEST_SECRET)
        .env("SIPAS_EXPORT_DIR", app.test_db.exports.path())
        .env("SIPAS_LOG", "info,sipas=debug")
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::null())
        .stderr(logs.reopen().unwrap())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    // The client speaks from another loopback address, so that its address is one the
    // server's own start-up lines ("listening on 127.0.0.1:…") cannot contain.
    let client_ip = "127.0.0.3";
    let client = reqwest::Client::builder()
        .local_address(client_ip.parse::<std::net::IpAddr>().unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut up = false;
    for _ in 0..200 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(up, "the server started");
    let get = |path: String| {
        let c = client.clone();
        async move { c.get(path).send().await.unwrap().status().as_u16() }
    };
    // The page, the QR codes, the form; the JSON API; a resubmit (409) and an unknown link.
    assert_eq!(get(format!("{base}/s/{}", tokens[0])).await, 200);
    assert_eq!(get(format!("{base}/q/{}.svg", tokens[0])).await, 200);
    assert_eq!(get(format!("{base}/q/{}.png", tokens[0])).await, 200);
    let mut form: Vec<(String, String)> =
        ["A1", "A2", "A3", "B1", "B2", "B3", "B4", "C1", "C2", "C3", "D1", "D2", "D3", "E1", "E3", "overall"]
            .iter()
            .map(|id| ((*id).to_owned(), "4".to_owned()))
            .collect();
    form.push(("E2".into(), "na".into()));
    let res = client.post(format!("{base}/s/{}", tokens[0])).form(&form).send().await.unwrap();
    assert!(res.status().is_redirection(), "form submit: {}", res.status());
    assert_eq!(get(format!("{base}/api/v1/surveys/{}", tokens[1])).await, 200);
    let post = |token: &str, body: Value| {
        let request = client.post(format!("{base}/api/v1/surveys/{token}/responses")).json(&body);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(post(&tokens[1], full_answers()).await, 201);
    assert_eq!(post(&tokens[1], full_answers()).await, 409);
    assert_eq!(post(&tokens[2], serde_json::json!({"answers": {"A1": 9}})).await, 422);
    assert_eq!(get(format!("{base}/s/AAAAAAAAAAAAAAAAAAAAAAAA")).await, 404);
    // Expected refusals outside the citizen flow: a staff page without a session, an export
    // without a key.
    assert_eq!(get(format!("{base}/staff/city")).await, 303);
    assert_eq!(get(format!("{base}/api/v1/exports")).await, 401);
    server.kill().unwrap();
    server.wait().unwrap();

    let text = std::fs::read_to_string(logs.path()).unwrap();
    assert!(text.contains("/s/{token}"), "request lines name the route pattern: {text}");
    assert!(text.contains("/api/v1/surveys/{token}/responses"), "{text}");
    assert!(text.contains("status=201") && text.contains("latency_ms"), "status and latency: {text}");
    for token in &tokens {
        assert!(!text.contains(token.as_str()), "a token in the logs: {text}");
    }
    assert!(!text.contains("AAAAAAAAAAAAAAAAAAAAAAAA"), "an unknown token in the logs");
    assert!(!text.contains(client_ip), "the client's address in the logs: {text}");
    assert!(!text.contains("T.FINANCE"), "a response's agency beside its time in the logs: {text}");
    // Refusals are expected: one short INFO line each, nothing at WARN or ERROR.
    for line in text.lines().filter(|l| l.contains("status=4") || l.contains("status=3")) {
        assert!(line.contains("INFO") && line.len() < 300, "a refusal's log line: {line}");
    }
    assert!(!text.contains("WARN") && !text.contains("ERROR"), "warnings or errors for refusals: {text}");
}

/// Data stored before this release: an answered flag and a plain dossier code. The migration
/// and the next start turn them into a used tag and a keyed hash; the link stays answered.
#[tokio::test]
async fn answered_flags_and_plain_dossier_codes_of_before_are_converted() {
    let app = spawn_app().await;
    let answered = app.mint_token("HS-OLD-ANSWERED").await;
    let open = app.mint_token("HS-OLD-OPEN").await;
    let mut conn = app.db.get().unwrap();
    sipas::db::revert_last(&mut conn).unwrap();
    // As the release before stored them: the code in clear, the flag on the row.
    let hash = sipas::domain::InvitationToken::parse(&answered).unwrap().hash().0;
    let tru = if app.test_db.is_postgres() { "TRUE" } else { "1" };
    diesel::sql_query(format!(
        "UPDATE invitations SET answered = {tru}, dossier_code = 'HS-OLD-ANSWERED' WHERE token_hash = '{hash}'"
    ))
    .execute(&mut **conn)
    .unwrap();
    diesel::sql_query("UPDATE invitations SET dossier_code = 'HS-OLD-OPEN' WHERE dossier_code <> 'HS-OLD-ANSWERED'")
        .execute(&mut **conn)
        .unwrap();
    assert_eq!(sipas::db::run_pending(&mut conn).unwrap(), 1);
    let converted = sipas::store::privacy::convert_legacy(&mut conn, TEST_SECRET.as_bytes()).unwrap();
    assert_eq!(converted, sipas::store::privacy::Converted { answered: 1, dossiers: 2 });
    assert_eq!(
        sipas::store::privacy::convert_legacy(&mut conn, TEST_SECRET.as_bytes()).unwrap(),
        sipas::store::privacy::Converted::default(),
        "a second start has nothing left to convert"
    );
    drop(conn);
    assert!(!database_text(&app).contains("HS-OLD-"), "plain dossier codes are gone");
    assert_eq!(app.post_answers(&answered, &full_answers()).await.status(), 409, "still answered");
    assert_eq!(app.post_answers(&open, &full_answers()).await.status(), 201, "still open");
    // Minting the converted dossier again finds it through its hash.
    let again = app.mint(&invitation_body("HS-OLD-OPEN")).await;
    assert_eq!(again["token"].as_str(), Some(open.as_str()));
}
