//! A real browser (headless Chromium over WebDriver) as an agency viewer: a refused login,
//! the staff landing page, the agency page at laptop size (figures, criteria, masked
//! comments, charts and their downloads), the language switch, another agency's 403 page,
//! the agency page at phone size, and logout. Element queries read what the browser
//! rendered, not the HTML source.
//!
//! The seed (small-sample threshold 3, every response dated today), Sở Tài chính
//! (T.FINANCE), land, in person, 4 responses:
//! - every item of A–D rated 4, 5, 4 and 2 → 3 of 4 satisfied = 75,0 % per item and criterion;
//! - every item of E rated 4, 5, 4 and 4 → 4 of 4 = 100,0 %;
//! - overall index: one domain, five equally weighted criteria → (4 × 75 + 100) / 5 = 80,0 %.
//!
//! Two responses leave a comment; the first holds a phone number, which the page masks.

use std::time::Duration;

use diesel::prelude::*;
use fantoccini::elements::Element;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, Locator};
use reqwest::header::{CONTENT_TYPE, COOKIE};
use serde_json::{json, Value};
use sipas::auth::{password, Role};
use sipas::domain::PHONE_MARKER;

use crate::browser::{chromium_args, new_session, start_driver};
use crate::helpers::{full_answers, handled_today, spawn_app_with, tool_available, TestApp};

const USERNAME: &str = "tc.viewer";
const PASSWORD: &str = "mật khẩu thật dài 2026";
const PHONE_COMMENT: &str = "Cán bộ nhiệt tình. Gọi tôi: 0912 345 678 nhé";
const OTHER_COMMENT: &str = "Phải chờ quá lâu";
const CRITERIA: [(&str, &str); 5] = [
    ("A. Tiếp cận dịch vụ", "75,0 %"),
    ("B. Thủ tục hành chính", "75,0 %"),
    ("C. Công chức giải quyết công việc", "75,0 %"),
    ("D. Kết quả giải quyết thủ tục", "75,0 %"),
    ("E. Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị", "100,0 %"),
];

/// Answers rating A–D `ad`, E `e` and the overall question `ad`; `comment` or none.
fn answers(ad: i64, e: i64, comment: Option<&str>) -> Value {
    let mut body = full_answers();
    let map = body["answers"].as_object_mut().unwrap();
    for id in ["A1", "A2", "A3", "B1", "B2", "B3", "B4", "C1", "C2", "C3", "D1", "D2", "D3", "overall"] {
        map.insert(id.into(), json!(ad));
    }
    for id in ["E1", "E2", "E3"] {
        map.insert(id.into(), json!(e));
    }
    let body_map = body.as_object_mut().unwrap();
    match comment {
        Some(text) => body_map.insert("comment".into(), json!(text)),
        None => body_map.remove("comment"),
    };
    body
}

async fn seed(app: &TestApp) {
    let responses = [(4, 4, Some(PHONE_COMMENT)), (5, 5, None), (4, 4, None), (2, 4, Some(OTHER_COMMENT))];
    for (i, (ad, e, comment)) in responses.into_iter().enumerate() {
        let invitation = json!({
            "dossier_code": format!("TC-BROWSER-{i}"),
            "agency_code": "T.FINANCE",
            "field": "land",
            "channel": "in_person",
            "survey": "sipas-dossier",
            "handled_at": handled_today(),
        });
        let token = app.mint(&invitation).await["token"].as_str().unwrap().to_owned();
        let res = app.post_answers(&token, &answers(ad, e, comment)).await;
        let status = res.status();
        assert_eq!(status, 201, "{}", res.text().await.unwrap());
    }
    let mut conn = app.db.get().unwrap();
    while sipas::store::aggregates::fold_pending(&mut conn, 100).unwrap() > 0 {}
    let hash = password::hash_blocking(PASSWORD).unwrap();
    sipas::store::users::create(&mut conn, USERNAME, &hash, Role::AgencyViewer, Some("T.FINANCE")).unwrap();
}

/// A Chrome DevTools command through chromedriver (`goog/cdp/execute`): here, to emulate a
/// phone's screen, which a headless window cannot be resized to.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &reqwest::Url,
        session_id: Option<&str>,
    ) -> Result<reqwest::Url, <reqwest::Url as std::str::FromStr>::Err> {
        base_url.join(&format!("session/{}/goog/cdp/execute", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &reqwest::Url) -> (reqwest::Method, Option<String>) {
        (reqwest::Method::POST, Some(json!({ "cmd": self.cmd, "params": self.params }).to_string()))
    }
}

/// Sets the viewport to `width` × `height` CSS pixels, as a phone (`mobile`) or a laptop.
async fn viewport(c: &Client, width: u32, height: u32, mobile: bool) {
    let params = json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile });
    c.issue_cmd(Cdp { cmd: "Emulation.setDeviceMetricsOverride", params }).await.unwrap();
    let size = c.execute("return [window.innerWidth, window.innerHeight]", vec![]).await.unwrap();
    assert_eq!(size, json!([width, height]), "the viewport");
}

async fn js_i64(c: &Client, script: &str) -> i64 {
    let value = c.execute(script, vec![]).await.unwrap();
    value.as_i64().unwrap_or_else(|| panic!("{script} returned {value}"))
}

/// Asserts the viewport's size and that nothing makes the page wider than it.
async fn assert_fits(c: &Client, width: i64, what: &str) {
    assert_eq!(js_i64(c, "return window.innerWidth").await, width, "{what}: viewport width");
    // The width inside a vertical scroll bar, if the viewport has one.
    let visible = js_i64(c, "return document.documentElement.clientWidth").await;
    let scroll = js_i64(c, "return document.documentElement.scrollWidth").await;
    assert!(scroll <= visible, "{what}: the page is {scroll} px wide, {visible} px are visible");
    let body = js_i64(c, "return document.body.scrollWidth").await;
    assert!(body <= visible, "{what}: the body is {body} px wide, {visible} px are visible");
}

/// Clicks a link or button that loads a new page, and waits until the new page has loaded:
/// the old document gone (its root element stale) and the new one complete.
async fn click_to_new_page(c: &Client, element: &Element) {
    let old = c.find(Locator::Css("html")).await.unwrap();
    element.click().await.unwrap();
    until_new_page(c, &old).await;
}

/// Waits until `old`, the root element of the previous page, is gone and the new page loaded.
async fn until_new_page(c: &Client, old: &Element) {
    for _ in 0..100 {
        if old.tag_name().await.is_err() {
            let ready = c.execute("return document.readyState", vec![]).await.unwrap();
            if ready == "complete" {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no new page loaded; still at {}", c.current_url().await.unwrap());
}

/// Asserts the browser is at `path` with the query `query`, and returns the URL.
async fn assert_at(c: &Client, path: &str, query: Option<&str>) -> reqwest::Url {
    let url = c.current_url().await.unwrap();
    assert_eq!((url.path(), url.query()), (path, query), "the browser is at {url}");
    url
}

async fn text(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css)).await.unwrap_or_else(|_| panic!("no {css}")).text().await.unwrap()
}

/// The rendered text of each cell (`th` and `td`) of each body row of the table `css`.
async fn rows(c: &Client, css: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for tr in c.find_all(Locator::Css(&format!("{css} tbody tr"))).await.unwrap() {
        let mut cells = Vec::new();
        for cell in tr.find_all(Locator::Css("th, td")).await.unwrap() {
            cells.push(cell.text().await.unwrap());
        }
        out.push(cells);
    }
    out
}

/// The row of `rows` whose first cell is `first`.
fn row<'a>(rows: &'a [Vec<String>], first: &str) -> &'a [String] {
    rows.iter()
        .find(|r| r.first().map(String::as_str) == Some(first))
        .unwrap_or_else(|| panic!("no row {first}: {rows:?}"))
}

async fn fill(field: &Element, value: &str) {
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

/// Fills in the login form and presses its button.
async fn submit_login(c: &Client, username: &str, password: &str) {
    fill(&c.find(Locator::Id("username")).await.unwrap(), username).await;
    fill(&c.find(Locator::Id("password")).await.unwrap(), password).await;
    let button = c.find(Locator::Css("form.staff button[type=submit]")).await.unwrap();
    click_to_new_page(c, &button).await;
}

/// A refused login: the same generic message for a wrong password and an unknown user.
async fn refused_login(c: &Client, username: &str) -> String {
    submit_login(c, username, "not the password!").await;
    assert_at(c, "/login", Some("lang=vi")).await;
    assert_eq!(text(c, "main h1").await, "Đăng nhập cán bộ");
    let error = text(c, "main p.err[role=alert]").await;
    let kept = c.find(Locator::Id("username")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(kept.as_deref(), Some(username), "the username is kept");
    let typed = c.find(Locator::Id("password")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(typed.as_deref(), Some(""), "the password is not sent back");
    let csrf = c.find(Locator::Css("input[type=hidden][name=csrf]")).await.unwrap().attr("value").await.unwrap();
    assert!(csrf.is_some_and(|v| v.len() == 43), "the form keeps its CSRF token");
    error
}

/// The agency page as a laptop shows it, in Vietnamese.
async fn check_agency_page_vi(app: &TestApp, c: &Client) {
    assert_eq!(text(c, "main h1").await, "Sở Tài chính");
    let overall = text(c, "#h-overall + dl.figures dd.big").await;
    assert_eq!(overall, "80,0 %", "(4 × 75 + 100) / 5, Vietnamese decimal comma");

    // The five criteria, each with its figure and n = 4.
    let criteria = rows(c, "#tbl-criteria").await;
    assert_eq!(criteria.len(), 5, "{criteria:?}");
    for (label, value) in CRITERIA {
        assert_eq!(row(&criteria, label), [label, value, "4"], "criterion {label}");
    }
    // Items: 3 of 4 satisfied for B1, 4 of 4 for E1, no online answers for A4.
    let items = rows(c, "#tbl-items").await;
    let b1 = row(&items, "B1");
    assert_eq!((b1[2].as_str(), b1[4].as_str()), ("75,0 %", "4"), "{b1:?}");
    assert_eq!(&b1[5..10], ["0", "1", "0", "2", "1"], "answers 1–5 of B1");
    assert_eq!(row(&items, "E1")[2], "100,0 %");
    assert_eq!(row(&items, "A4")[2], "—");
    // The trend: this month at the overall figure.
    let today = sipas::clock::today();
    let month = format!("Tháng {}/{}", chrono::Datelike::month(&today), chrono::Datelike::year(&today));
    assert_eq!(row(&rows(c, "#tbl-trend").await, &month)[1], "80,0 %");

    // Comments: two, the phone number masked, nothing of it left.
    let comments = c.find_all(Locator::Css("#comments ol.comments blockquote")).await.unwrap();
    let mut shown = Vec::new();
    for q in &comments {
        shown.push(q.text().await.unwrap());
    }
    shown.sort();
    assert_eq!(shown, [format!("Cán bộ nhiệt tình. Gọi tôi: {PHONE_MARKER} nhé"), OTHER_COMMENT.to_owned()]);
    let all_text = text(c, "body").await;
    let source = c.source().await.unwrap();
    for raw in ["0912", "345 678"] {
        assert!(!all_text.contains(raw) && !source.contains(raw), "{raw} appears nowhere");
    }

    // Charts: inline SVG drawn with a size, each with SVG and PNG downloads that work.
    let charts = c.find_all(Locator::Css("figure.chart")).await.unwrap();
    assert_eq!(charts.len(), 3, "profile, distribution and trend");
    for figure in &charts {
        let svg = figure.find(Locator::Css("svg.chart")).await.expect("an inline SVG chart");
        assert!(svg.is_displayed().await.unwrap());
        let (_, _, width, height) = svg.rectangle().await.unwrap();
        assert!(width > 300.0 && height > 100.0, "chart drawn at {width} × {height}");
        let png = figure.find(Locator::Css(".dl a[download][href*='.png']")).await.expect("a PNG download link");
        assert_eq!(png.text().await.unwrap(), "Tải biểu đồ (PNG)");
        let href = png.prop("href").await.unwrap().expect("absolute href");
        let url = reqwest::Url::parse(&href).unwrap();
        assert!(url.path().starts_with("/staff/charts/") && url.path().ends_with(".png"), "{href}");
        assert!(url.query().is_some_and(|q| q.contains("agency=T.FINANCE")), "{href}");
        download_png(app, c, &url).await;
    }
}

/// Fetches a chart link with the browser's session cookie and checks it is a PNG.
async fn download_png(app: &TestApp, c: &Client, url: &reqwest::Url) {
    let session = c.get_named_cookie("sipas_session").await.expect("the browser holds a session cookie");
    let res =
        app.client.get(url.clone()).header(COOKIE, format!("sipas_session={}", session.value())).send().await.unwrap();
    assert_eq!(res.status(), 200, "{url}");
    assert_eq!(res.headers()[CONTENT_TYPE], "image/png", "{url}");
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{url}: not a PNG");
}

/// Writes a screenshot of the viewport under the target directory, for looking at.
async fn save_screenshot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-staff");
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(dir.join(name), png);
    }
}

async fn run() {
    if !tool_available("/usr/bin/chromedriver") || !tool_available("/usr/bin/chromium") {
        return;
    }
    let app = spawn_app_with(|s| s.small_n = 3).await;
    seed(&app).await;
    let driver = start_driver();
    let profile = tempfile::tempdir().unwrap();
    let caps = json!({
        "browserName": "chrome",
        "pageLoadStrategy": "normal",
        "goog:chromeOptions": { "binary": "/usr/bin/chromium", "args": chromium_args(profile.path()) },
    });
    let c = new_session(&driver, &caps).await;
    viewport(&c, 1280, 800, false).await;

    // A wrong password, then an unknown user: one generic message, no hint which part was wrong.
    c.goto(&app.url("/login")).await.unwrap();
    assert_at(&c, "/login", None).await;
    assert_fits(&c, 1280, "login page").await;
    let wrong_password = refused_login(&c, USERNAME).await;
    assert_eq!(wrong_password, "Lỗi: Tên đăng nhập hoặc mật khẩu không đúng.");
    assert_eq!(refused_login(&c, "nobody").await, wrong_password, "the same words for an unknown user");
    assert!(c.get_named_cookie("sipas_session").await.is_err(), "no session after a refusal");

    // The right password: the staff page, which leads to the agency's own page.
    submit_login(&c, USERNAME, PASSWORD).await;
    assert_at(&c, "/staff", Some("lang=vi")).await;
    assert_eq!(text(&c, "main h1").await, "Trang cán bộ");
    let who = text(&c, "dl.who").await;
    assert!(who.contains(USERNAME) && who.contains("T.FINANCE"), "{who}");
    let link = c.find(Locator::Css("main a[href^='/staff/agencies/']")).await.expect("a link to the agency page");
    assert_eq!(link.text().await.unwrap(), "Xem chỉ số hài lòng (theo phương pháp SIPAS)");
    click_to_new_page(&c, &link).await;
    let agency_vi = assert_at(&c, "/staff/agencies/T.FINANCE", Some("lang=vi")).await;
    assert_fits(&c, 1280, "agency page").await;
    check_agency_page_vi(&app, &c).await;
    save_screenshot(&c, "agency-1280.png").await;

    // English through the language link: English names and numbers, the same filters.
    let lang = c.find(Locator::Css("header a.lang")).await.unwrap();
    assert_eq!(lang.text().await.unwrap(), "English");
    click_to_new_page(&c, &lang).await;
    let url = c.current_url().await.unwrap();
    assert_eq!(url.path(), "/staff/agencies/T.FINANCE");
    assert!(url.query().is_some_and(|q| q.contains("lang=en") && q.contains("period=")), "{url}");
    let en = c.find(Locator::Css("html")).await.unwrap().attr("lang").await.unwrap();
    assert_eq!(en.as_deref(), Some("en"));
    assert_eq!(text(&c, "main h1").await, "Department of Finance");
    assert_eq!(text(&c, "#h-overall + dl.figures dd.big").await, "80.0 %");
    let criteria = rows(&c, "#tbl-criteria").await;
    assert_eq!(row(&criteria, "A. Access to the service")[1], "75.0 %");
    assert_eq!(row(&criteria, "E. Handling of comments and complaints")[1], "100.0 %");
    let lang = c.find(Locator::Css("header a.lang")).await.unwrap();
    assert_eq!(lang.text().await.unwrap(), "Tiếng Việt");
    click_to_new_page(&c, &lang).await;
    assert_eq!(text(&c, "#h-overall + dl.figures dd.big").await, "80,0 %", "back to Vietnamese");

    // Another agency's page: refused, with a way back.
    c.goto(&app.url("/staff/agencies/T.HEALTH")).await.unwrap();
    assert_at(&c, "/staff/agencies/T.HEALTH", None).await;
    assert_eq!(text(&c, "main h1").await, "Không có quyền xem trang này");
    assert!(text(&c, "main").await.contains("Trang này nằm ngoài phạm vi tài khoản của bạn được xem."));
    assert!(!text(&c, "body").await.contains("Sở Y tế"), "nothing of the other agency");
    let back = c.find(Locator::Css("main a[href^='/staff?']")).await.expect("a link back");
    click_to_new_page(&c, &back).await;
    assert_at(&c, "/staff", Some("lang=vi")).await;

    // A phone: the agency page fits 360 px; wide tables scroll inside their own boxes.
    viewport(&c, 360, 740, true).await;
    c.goto(agency_vi.as_str()).await.unwrap();
    assert_at(&c, "/staff/agencies/T.FINANCE", Some("lang=vi")).await;
    assert_fits(&c, 360, "agency page on a phone").await;
    assert_eq!(text(&c, "#h-overall + dl.figures dd.big").await, "80,0 %");
    let (_, _, width, _) = c.find(Locator::Css("figure.chart svg.chart")).await.unwrap().rectangle().await.unwrap();
    assert!(width > 250.0 && width <= 360.0, "the chart scales to the phone: {width}");
    let items_box = c.find(Locator::Css("#tbl-items")).await.unwrap();
    let (_, _, items_width, _) = items_box.rectangle().await.unwrap();
    assert!(items_width > 360.0, "the items table is wider than the phone and scrolls in its box");
    save_screenshot(&c, "agency-360.png").await;

    // Logout with the form's button on the staff page; then neither going back nor opening
    // the agency page again shows anything but the login page.
    let home = c.find(Locator::Css("nav.dnav a[href^='/staff?']")).await.expect("a link to the staff page");
    click_to_new_page(&c, &home).await;
    assert_at(&c, "/staff", Some("lang=vi")).await;
    assert_fits(&c, 360, "staff page on a phone").await;
    let button = c.find(Locator::Css("form.logout button[type=submit]")).await.unwrap();
    assert_eq!(button.text().await.unwrap(), "Đăng xuất");
    click_to_new_page(&c, &button).await;
    assert_at(&c, "/login", None).await;
    assert!(c.get_named_cookie("sipas_session").await.is_err(), "the session cookie is gone");
    let login_page = c.find(Locator::Css("html")).await.unwrap();
    c.back().await.unwrap();
    until_new_page(&c, &login_page).await;
    assert_at(&c, "/login", None).await;
    c.goto(agency_vi.as_str()).await.unwrap();
    assert_at(&c, "/login", None).await;
    assert_eq!(text(&c, "main h1").await, "Đăng nhập cán bộ");
    c.close().await.unwrap();

    // The server's side: the session is deleted.
    let sessions: i64 = sipas::db::schema::sessions::table.count().get_result(&mut **app.db.get().unwrap()).unwrap();
    assert_eq!(sessions, 0, "logout deleted the session");
}

/// A guard against a wedged browser, not a speed check: fail instead of hanging CI.
const HANG_GUARD: Duration = Duration::from_secs(180);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agency_viewer_logs_in_and_reads_the_agency_page_in_a_browser() {
    tokio::time::timeout(HANG_GUARD, run()).await.expect("browser session hung");
}
