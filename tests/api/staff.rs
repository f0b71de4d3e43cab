//! Staff accounts: login, sessions, CSRF, logout, password change, throttling and the
//! `sipas user` command.

use diesel::prelude::*;
use reqwest::header::{COOKIE, LOCATION, RETRY_AFTER, SET_COOKIE};
use reqwest::{Client, Response};
use sipas::auth::Role;

use crate::helpers::{
    add_user, csrf_of, login_with, spawn_app, spawn_app_with, staff_client as client, TestApp, STAFF_PASSWORD,
};

const PASSWORD: &str = STAFF_PASSWORD;

/// Logs in and returns the session cookie's value.
async fn login(app: &TestApp, c: &Client, username: &str) -> String {
    let res = login_with(app, c, username, PASSWORD).await;
    assert_eq!(res.status(), 303, "login of {username}");
    session_cookie(&res).expect("session cookie")
}

fn session_cookie(res: &Response) -> Option<String> {
    res.headers().get_all(SET_COOKIE).iter().find_map(|v| {
        let v = v.to_str().unwrap();
        v.strip_prefix("sipas_session=")
            .map(|rest| rest.split(';').next().unwrap().to_owned())
            .filter(|t| !t.is_empty())
    })
}

async fn staff_page_csrf(app: &TestApp, c: &Client) -> String {
    let res = c.get(app.url("/staff")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    csrf_of(&res.text().await.unwrap())
}

/// GET /staff with an explicit cookie (no cookie store), to replay an old session.
async fn staff_with_cookie(app: &TestApp, token: &str) -> Response {
    app.client.get(app.url("/staff")).header(COOKIE, format!("sipas_session={token}")).send().await.unwrap()
}

#[tokio::test]
async fn login_sets_a_strict_httponly_cookie_and_shows_who_is_logged_in() {
    let app = spawn_app().await;
    add_user(&app, "Lan.Nguyen", Role::AgencyViewer, Some("T.FINANCE"));
    let c = client();
    let res = login_with(&app, &c, "lan.nguyen", PASSWORD).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()[LOCATION], "/staff?lang=vi");
    let set = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with("sipas_session="))
        .unwrap();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/"), "{set}");
    assert!(!set.contains("Secure"), "plain http in tests: {set}");
    let token = session_cookie(&res).unwrap();
    assert!(token.len() >= 43, "256-bit token");
    let res = c.get(app.url("/staff")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("lan.nguyen") && html.contains("Cán bộ cơ quan (chỉ xem)") && html.contains("T.FINANCE"));
    assert!(!html.contains("style=") && !html.contains("<script"));
    let en = c.get(app.url("/staff?lang=en")).send().await.unwrap().text().await.unwrap();
    assert!(en.contains("Agency viewer"));
    // Only the hash of the token is stored.
    let stored: Vec<String> = sipas::db::schema::sessions::table
        .select(sipas::db::schema::sessions::id_hash)
        .load(&mut **app.db.get().unwrap())
        .unwrap();
    assert_eq!(stored, vec![sipas::auth::session::hash_token(&token)]);
}

#[tokio::test]
async fn wrong_password_and_unknown_user_look_the_same() {
    let app = spawn_app().await;
    add_user(&app, "lan", Role::Admin, None);
    let c = client();
    let wrong = login_with(&app, &c, "lan", "not the password!").await;
    let unknown = login_with(&app, &c, "nobody", "not the password!").await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(unknown.status(), 401);
    assert!(session_cookie(&wrong).is_none());
    let (a, b) = (wrong.text().await.unwrap(), unknown.text().await.unwrap());
    let msg = "Tên đăng nhập hoặc mật khẩu không đúng";
    assert!(a.contains(msg) && b.contains(msg));
    assert_eq!(a.replace("value=\"lan\"", ""), b.replace("value=\"nobody\"", ""), "no hint which part was wrong");
    let en = c.get(app.url("/login?lang=en")).send().await.unwrap().text().await.unwrap();
    assert!(en.contains("Staff login"));
}

#[tokio::test]
async fn forged_or_missing_csrf_tokens_get_a_403_page() {
    let app = spawn_app().await;
    add_user(&app, "lan", Role::Admin, None);
    let c = client();
    // Login without the login form's token.
    let res = c
        .post(app.url("/login"))
        .form(&[("csrf", "forged"), ("username", "lan"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    login(&app, &c, "lan").await;
    for (path, form) in [
        ("/logout", vec![("csrf", "forged")]),
        ("/logout", vec![]),
        (
            "/account/password",
            vec![("current", PASSWORD), ("new", "another long password"), ("confirm", "another long password")],
        ),
    ] {
        let res = c.post(app.url(path)).form(&form).send().await.unwrap();
        assert_eq!(res.status(), 403, "{path} {form:?}");
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        assert!(res.text().await.unwrap().contains("Biểu mẫu không hợp lệ"));
    }
    assert_eq!(c.get(app.url("/staff")).send().await.unwrap().status(), 200, "still logged in");
    // A body that is not a form at all is a 400, not a 500.
    let res = c.post(app.url("/logout")).body(vec![0xff, 0xfe]).send().await.unwrap();
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn logout_revokes_the_session() {
    let app = spawn_app().await;
    add_user(&app, "lan", Role::CityViewer, None);
    let c = client();
    let token = login(&app, &c, "lan").await;
    let csrf = staff_page_csrf(&app, &c).await;
    let res = c.post(app.url("/logout")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()[LOCATION], "/login");
    let res = staff_with_cookie(&app, &token).await;
    assert_eq!(res.status(), 303, "the old cookie no longer works");
    assert_eq!(res.headers()[LOCATION], "/login");
    assert_eq!(c.get(app.url("/staff?lang=en")).send().await.unwrap().headers()[LOCATION], "/login?lang=en");
}

#[tokio::test]
async fn disabled_users_cannot_log_in_and_their_sessions_stop() {
    let app = spawn_app().await;
    add_user(&app, "lan", Role::Analyst, None);
    let c = client();
    let token = login(&app, &c, "lan").await;
    assert!(sipas::store::users::disable(&mut app.db.get().unwrap(), "LAN").unwrap());
    assert_eq!(staff_with_cookie(&app, &token).await.status(), 303);
    let res = login_with(&app, &client(), "lan", PASSWORD).await;
    assert_eq!(res.status(), 401);
    assert!(res.text().await.unwrap().contains("Tên đăng nhập hoặc mật khẩu không đúng"));
}

#[tokio::test]
async fn expired_sessions_send_pages_to_login() {
    let app = spawn_app().await;
    add_user(&app, "lan", Role::Admin, None);
    let c = client();
    login(&app, &c, "lan").await;
    use sipas::db::schema::sessions;
    let past = sipas::clock::now_naive() - chrono::Duration::minutes(1);
    diesel::update(sessions::table).set(sessions::expires_at.eq(past)).execute(&mut **app.db.get().unwrap()).unwrap();
    let res = c.get(app.url("/account/password")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()[LOCATION], "/login");
    let count: i64 = sessions::table.count().get_result(&mut **app.db.get().unwrap()).unwrap();
    assert_eq!(count, 0, "the expired session is deleted");

    // Idle sessions: refused, and swept by the periodic clean-up.
    login(&app, &c, "lan").await;
    let long_ago = sipas::clock::now_naive() - chrono::Duration::minutes(31);
    diesel::update(sessions::table)
        .set(sessions::last_seen_at.eq(long_ago))
        .execute(&mut **app.db.get().unwrap())
        .unwrap();
    let now = sipas::clock::now_naive();
    let idle_since = now - chrono::Duration::minutes(30);
    assert_eq!(sipas::store::sessions::delete_stale(&mut app.db.get().unwrap(), now, idle_since).unwrap(), 1);
    assert_eq!(c.get(app.url("/staff")).send().await.unwrap().status(), 303);
}

#[tokio::test]
async fn password_change_needs_the_current_password_and_renews_the_session() {
    let app = spawn_app().await;
    add_user(&app, "lan", Role::Admin, None);
    let c = client();
    let old_token = login(&app, &c, "lan").await;
    let other = client();
    let other_token = login(&app, &other, "lan").await;
    let page = c.get(app.url("/account/password")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&page);
    let new = "một mật khẩu mới rất dài";
    let post = |current: &'static str, new: &'static str, confirm: &'static str| {
        let c = c.clone();
        let csrf = csrf.clone();
        let url = app.url("/account/password");
        async move {
            c.post(url)
                .form(&[("csrf", csrf.as_str()), ("current", current), ("new", new), ("confirm", confirm)])
                .send()
                .await
                .unwrap()
        }
    };
    let res = post("wrong current password", new, new).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Mật khẩu hiện tại không đúng"));
    let res = post(PASSWORD, "short", "short").await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("ít nhất 12 ký tự"));
    let res = post(PASSWORD, new, "một mật khẩu khác rất dài").await;
    assert_eq!(res.status(), 422);
    let res = post(PASSWORD, "lan", "lan").await;
    assert_eq!(res.status(), 422);
    let res = post(PASSWORD, new, new).await;
    assert_eq!(res.status(), 303);
    let fresh = session_cookie(&res).expect("a renewed session");
    assert_ne!(fresh, old_token);
    assert_eq!(staff_with_cookie(&app, &old_token).await.status(), 303, "old session ended");
    assert_eq!(staff_with_cookie(&app, &other_token).await.status(), 303, "other sessions ended");
    let done = c.get(app.url("/account/password?lang=vi&done=1")).send().await.unwrap().text().await.unwrap();
    assert!(done.contains("Đã đổi mật khẩu"));
    assert_eq!(login_with(&app, &client(), "lan", PASSWORD).await.status(), 401);
    assert_eq!(login_with(&app, &client(), "lan", new).await.status(), 303);
}

#[tokio::test]
async fn repeated_failures_for_one_account_are_throttled() {
    let app = spawn_app_with(|s| s.rate_limits.login_per_account = 3).await;
    add_user(&app, "lan", Role::Admin, None);
    let c = client();
    for _ in 0..3 {
        assert_eq!(login_with(&app, &c, "lan", "wrong password!!").await.status(), 401);
    }
    let res = login_with(&app, &c, "LAN", PASSWORD).await;
    assert_eq!(res.status(), 429, "even the right password waits");
    let retry: u64 = res.headers()[RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(res.text().await.unwrap().contains("Quá nhiều lần thử"));
    add_user(&app, "minh", Role::Admin, None);
    login(&app, &c, "minh").await;
}

/// Runs `sipas <args>` (a `user` command) in-process against the app's database;
/// returns (success, stdout, error message).
fn sipas_user(app: &TestApp, args: &[&str], stdin: &str) -> (bool, String, String) {
    use clap::Parser as _;
    let argv = std::iter::once("sipas").chain(args.iter().copied());
    let cli = sipas::cli::Cli::try_parse_from(argv).unwrap();
    let Some(sipas::cli::Command::User(cmd)) = cli.command else { panic!("not a user command: {args:?}") };
    let settings = crate::helpers::test_settings(&app.test_db);
    let mut out = Vec::new();
    let result = sipas::cli::user_command(&settings, cmd, &mut stdin.as_bytes(), &mut out);
    let err = result.as_ref().err().map(|e| format!("{e:#}")).unwrap_or_default();
    (result.is_ok(), String::from_utf8(out).unwrap(), err)
}

#[tokio::test]
async fn cli_user_create_prints_the_generated_password_alone() {
    let app = spawn_app().await;
    let (ok, stdout, err) = sipas_user(
        &app,
        &["user", "create", "--username", "Minh", "--role", "agency_manager", "--agency", "T.FINANCE"],
        "",
    );
    assert!(ok, "{err}");
    let pw = stdout.strip_suffix('\n').unwrap();
    assert_eq!(pw.len(), 20, "{stdout:?}");
    assert!(!pw.contains(char::is_whitespace));
    let c = client();
    assert_eq!(login_with(&app, &c, "minh", pw).await.status(), 303);
    let html = c.get(app.url("/staff")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Quản lý cơ quan"));

    for (args, expected) in [
        (vec!["--username", "x.admin", "--role", "agency_viewer"], "--agency"),
        (vec!["--username", "x.admin", "--role", "admin", "--agency", "T.FINANCE"], "--agency"),
        (vec!["--username", "x.admin", "--role", "agency_viewer", "--agency", "NOPE"], "unknown agency"),
        (vec!["--username", "x.admin", "--role", "root"], "--role"),
        (vec!["--username", "minh", "--role", "admin"], "already taken"),
        (vec!["--username", "x y", "--role", "admin"], "--username"),
    ] {
        let argv: Vec<&str> = ["user", "create"].into_iter().chain(args.iter().copied()).collect();
        let (ok, stdout, err) = sipas_user(&app, &argv, "");
        assert!(!ok && stdout.is_empty() && err.contains(expected), "{args:?}: {err}");
    }

    let (ok, _, err) = sipas_user(&app, &["user", "set-role", "--username", "minh", "--role", "city_viewer"], "");
    assert!(ok, "{err}");
    let html = c.get(app.url("/staff?lang=en")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("City viewer") && !html.contains("T.FINANCE"), "role changes apply to live sessions");
    let (ok, _, err) = sipas_user(&app, &["user", "set-role", "--username", "ghost", "--role", "admin"], "");
    assert!(!ok && err.contains("no user"), "{err}");

    let (ok, _, err) = sipas_user(&app, &["user", "disable", "--username", "MINH"], "");
    assert!(ok, "{err}");
    assert_eq!(c.get(app.url("/staff")).send().await.unwrap().status(), 303, "live session stopped");
    assert_eq!(login_with(&app, &client(), "minh", pw).await.status(), 401);
}

#[tokio::test]
async fn cli_password_stdin_applies_the_policy() {
    let app = spawn_app().await;
    let args = ["user", "create", "--username", "hoa", "--role", "analyst", "--password-stdin"];
    let (ok, _, err) = sipas_user(&app, &args, "too short\n");
    assert!(!ok && err.contains("at least 12 characters"), "{err}");
    let (ok, _, err) = sipas_user(&app, &args, "hoa\n");
    assert!(!ok, "{err}");
    let (ok, stdout, err) = sipas_user(&app, &args, &format!("{PASSWORD}\n"));
    assert!(ok, "{err}");
    assert!(stdout.is_empty(), "nothing printed when the password was given");
    assert_eq!(login_with(&app, &client(), "hoa", PASSWORD).await.status(), 303);
}
