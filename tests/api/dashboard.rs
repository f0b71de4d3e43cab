//! The staff dashboard: the city overview, agency pages and chart downloads, with figures
//! computed by hand from responses submitted through the real API; Vietnamese and English
//! numbers; small samples greyed; scope enforced (403 without a hint whether an agency
//! exists); bad filters answered with a 4xx page that names the parameter.
//!
//! The seed (small-sample threshold 3, every response dated today):
//! - Sở Tài chính (T.FINANCE), land, in person: 4 invitations, 3 responses answering every
//!   item 4, 5 and 2 → each item 2 of 3 satisfied = 66,7 % (Wilson 20,8–93,9 %), every
//!   criterion and the overall index 66,7 %, response rate 75,0 %.
//! - Sở Y tế (T.HEALTH), health, online: 2 invitations, 2 responses answering 5 and 3 →
//!   50,0 %, n = 2 < 3: a small sample, not ranked; response rate 100,0 %.
//! - The city: A = mean(A1–A3 at 2/3, A4 at 1/2) = 62,5 %, B–E 3 of 5 = 60 %, overall
//!   (62,5 + 4 × 60) / 5 = 60,5 %; 5 responses of 6 invitations = 83,3 %.

use reqwest::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, LOCATION};
use reqwest::{Client, Response};
use serde_json::{json, Value};
use sipas::auth::Role;
use sipas::domain::{EMAIL_MARKER, PHONE_MARKER};

use crate::helpers::{full_answers, handled_today, spawn_app_with, staff_user, TestApp};

const ITEMS_IN_PERSON: [&str; 16] =
    ["A1", "A2", "A3", "B1", "B2", "B3", "B4", "C1", "C2", "C3", "D1", "D2", "D3", "E1", "E2", "E3"];

/// Answers rating every item (and the overall question) `value`; online has A4 instead of A1–A3.
fn answers(value: i64, online: bool, comment: &str) -> Value {
    let mut body = full_answers();
    let map = body["answers"].as_object_mut().unwrap();
    for id in ITEMS_IN_PERSON {
        map.insert(id.into(), json!(value));
    }
    if online {
        for id in ["A1", "A2", "A3"] {
            map.remove(id);
        }
        map.insert("A4".into(), json!(value));
    }
    map.insert("overall".into(), json!(value));
    body["comment"] = json!(comment);
    body
}

async fn mint(app: &TestApp, dossier: &str, agency: &str, field: &str, channel: &str) -> String {
    let body = json!({
        "dossier_code": dossier,
        "agency_code": agency,
        "field": field,
        "channel": channel,
        "survey": "sipas-dossier",
        "handled_at": handled_today(),
    });
    app.mint(&body).await["token"].as_str().unwrap().to_owned()
}

async fn submit(app: &TestApp, token: &str, body: &Value) {
    let res = app.post_answers(token, body).await;
    let status = res.status();
    assert_eq!(status, 201, "{}", res.text().await.unwrap());
}

async fn seed(app: &TestApp) {
    let finance = [
        (4, "Cán bộ nhiệt tình. Gọi tôi: 0912 345 678 hoặc lan.nguyen@example.com"),
        (5, "Rất hài lòng <b>thật</b>"),
        (2, "Phải chờ quá lâu"),
    ];
    for (i, (value, comment)) in finance.iter().enumerate() {
        let token = mint(app, &format!("TC-{i}"), "T.FINANCE", "land", "in_person").await;
        submit(app, &token, &answers(*value, false, comment)).await;
    }
    mint(app, "TC-unanswered", "T.FINANCE", "land", "in_person").await;
    for (i, value) in [5, 3].iter().enumerate() {
        let token = mint(app, &format!("YT-{i}"), "T.HEALTH", "health", "online").await;
        submit(app, &token, &answers(*value, true, "Y tế trực tuyến")).await;
    }
    let mut conn = app.db.get().unwrap();
    while sipas::store::aggregates::fold_pending(&mut conn, 100).unwrap() > 0 {}
}

async fn seeded_app() -> TestApp {
    let app = spawn_app_with(|s| s.small_n = 3).await;
    seed(&app).await;
    app
}

async fn get(app: &TestApp, c: &Client, path: &str) -> Response {
    c.get(app.url(path)).send().await.unwrap()
}

async fn page(app: &TestApp, c: &Client, path: &str, status: u16) -> String {
    let res = get(app, c, path).await;
    assert_eq!(res.status(), status, "{path}");
    let html = res.text().await.unwrap();
    assert!(!html.contains("style=") && !html.contains("<script"), "{path}: CSP-safe markup");
    html
}

/// The HTML of the table with `id`.
fn table<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html.find(&format!("<table class=\"data\" id=\"{id}\"")).unwrap_or_else(|| panic!("no table {id}"));
    let end = html[start..].find("</table>").unwrap() + start;
    &html[start..end]
}

/// The table row (`<tr …>…</tr>`) of `table` containing `needle`.
fn row<'a>(table: &'a str, needle: &str) -> &'a str {
    let at = table.find(needle).unwrap_or_else(|| panic!("{needle} not in {table}"));
    let start = table[..at].rfind("<tr").unwrap();
    let end = table[at..].find("</tr>").unwrap() + at;
    &table[start..end]
}

fn month_label() -> String {
    let today = sipas::clock::today();
    format!("Tháng {}/{}", chrono::Datelike::month(&today), chrono::Datelike::year(&today))
}

#[tokio::test]
async fn the_city_overview_ranks_agencies_with_vietnamese_numbers() {
    let app = seeded_app().await;
    let admin = staff_user(&app, "admin", Role::Admin, None).await;
    let html = page(&app, &admin, "/staff/city", 200).await;
    save("city.html", html.as_bytes());
    assert!(html.contains("Chỉ số hài lòng (theo phương pháp SIPAS)"));
    // The whole city, computed by hand above.
    let headline = &html[html.find("<dl class=\"figures\">").unwrap()..html.find("</dl>").unwrap()];
    for figure in ["60,5 %", "83,3 %", ">5<", ">6<"] {
        assert!(headline.contains(figure), "{figure} in {headline}");
    }
    // The ranking chart, inline and labelled, with the target line and both agencies.
    let svg = &html[html.find("<svg class=\"chart\"").unwrap()..html.find("</svg>").unwrap()];
    assert!(svg.contains("role=\"img\" aria-labelledby=\"ranking-title\""));
    assert!(svg.contains("viewBox=\"0 0 800 "));
    for text in ["Sở Tài chính", "66,7 %", "Mục tiêu 85 %", "Sở Y tế", "50,0 %*", "Mẫu nhỏ (n &lt; 3), không xếp hạng"]
    {
        assert!(svg.contains(text), "{text} in the ranking chart");
    }
    assert!(!svg.contains("Sở Kế hoạch"), "an agency ended before the period and without data is left out");
    // The ranking table: Finance ranked first, Health greyed and not ranked, the ward without data.
    let ranking = table(&html, "tbl-ranking");
    let finance = row(ranking, "Sở Tài chính");
    assert!(finance.starts_with("<tr><td class=\"num\">1</td>"), "{finance}");
    assert!(finance.contains("66,7 %") && finance.contains("20,8–93,9 %") && finance.contains("75,0 %"), "{finance}");
    assert!(finance.contains("href=\"/staff/agencies/T.FINANCE?period="), "{finance}");
    let health = row(ranking, "Sở Y tế");
    assert!(health.starts_with("<tr class=\"small-n\"><td class=\"num\">Không xếp hạng</td>"), "{health}");
    assert!(health.contains("50,0 %<span aria-hidden=\"true\">*</span><span class=\"vh\"> (mẫu nhỏ)</span>"));
    assert!(row(ranking, "Phường Hoàn Kiếm").contains(">—<"));
    assert!(html.contains("là mẫu nhỏ: dưới 3 câu trả lời hợp lệ"), "the small-sample note");
    // Every agency, indented by depth, with invitations and response rates.
    let all = table(&html, "tbl-agencies");
    assert!(row(all, "Ủy ban nhân dân thành phố Thử nghiệm").contains("class=\"d0\""));
    let finance = row(all, "Sở Tài chính");
    assert!(finance.contains("class=\"d1\"") && finance.contains(">4<") && finance.contains("75,0 %"), "{finance}");
    assert!(row(all, "Sở Y tế").contains("100,0 %"));
    assert!(row(all, "Bệnh viện Đa khoa &#60;Thử&#62; &#38; Nghiệm").contains("class=\"d2\""), "escaped, indented");
    // Fields.
    let fields = table(&html, "tbl-fields");
    assert!(row(fields, "Đất đai").contains("66,7 %"));
    assert!(row(fields, "Y tế").contains("class=\"small-n\""));
    // The filter form offers months, quarters, the year and report periods.
    for option in ["value=\"2026-M03\"", "value=\"2026-Q2\"", "value=\"2025\"", "value=\"2026-report-9m\""] {
        let current = chrono::Datelike::year(&sipas::clock::today());
        let option = option.replace("2026", &current.to_string()).replace("\"2025\"", &format!("\"{}\"", current - 1));
        assert!(html.contains(&option), "{option}");
    }
    assert!(html.contains("<select id=\"f-field\" name=\"field\">") && html.contains("type=\"date\""));
    // Download links next to the chart keep the filters.
    assert!(html.contains("href=\"/staff/charts/ranking.png?period="));
    // The form as a browser submits it: custom dates, one field, empty selects.
    let today = sipas::clock::today();
    let year = chrono::Datelike::year(&today);
    let path =
        format!("/staff/city?lang=vi&period=&from={year}-01-01&to={today}&field=land&channel=&survey=sipas-dossier");
    let html = page(&app, &admin, &path, 200).await;
    let headline = &html[html.find("<dl class=\"figures\">").unwrap()..html.find("</dl>").unwrap()];
    assert!(headline.contains("66,7 %") && headline.contains("75,0 %"), "land only: {headline}");
    assert!(html.contains(&format!("<input id=\"f-from\" name=\"from\" type=\"date\" value=\"{year}-01-01\"")));
    assert!(html.contains("<option value=\"\" selected>Khoảng ngày tự chọn"));
}

#[tokio::test]
async fn an_empty_city_shows_no_data_rather_than_an_error() {
    let app = spawn_app_with(|s| s.small_n = 3).await;
    let admin = staff_user(&app, "admin", Role::Admin, None).await;
    let html = page(&app, &admin, "/staff/city", 200).await;
    assert!(html.contains("Chưa có dữ liệu"), "the ranking chart says so");
    assert!(row(table(&html, "tbl-ranking"), "Sở Tài chính").contains(">—<"));
    let html = page(&app, &admin, "/staff/agencies/T.FINANCE?lang=en", 200).await;
    assert!(html.contains("No comments for this period and these filters."));
    for chart in
        ["ranking.png", "profile.png?agency=T.FINANCE", "trend.svg?agency=T.WARD", "distribution.png?agency=T.CITY"]
    {
        assert_eq!(get(&app, &admin, &format!("/staff/charts/{chart}")).await.status(), 200, "{chart}");
    }
}

#[tokio::test]
async fn english_pages_use_english_numbers_and_every_viewer_role_sees_the_city() {
    let app = seeded_app().await;
    for (name, role) in [("city", Role::CityViewer), ("analyst", Role::Analyst)] {
        let c = staff_user(&app, name, role, None).await;
        let html = page(&app, &c, "/staff/city?lang=en", 200).await;
        assert!(html.contains("Satisfaction index (SIPAS method)"));
        let finance = row(table(&html, "tbl-ranking"), "Department of Finance");
        assert!(finance.contains("66.7 %") && finance.contains("20.8–93.9 %"), "{finance}");
        assert!(html.contains("60.5 %") && html.contains("83.3 %"));
        assert!(html.contains("Grey figures (marked *) are small samples: fewer than 3 valid answers"));
        assert!(html.contains("href=\"/staff/city?period=") && html.contains("lang=vi\" hreflang=\"vi\""));
        // The staff landing page leads to the city overview.
        let home = page(&app, &c, "/staff?lang=en", 200).await;
        assert!(home.contains("href=\"/staff/city?lang=en\""), "{home}");
    }
}

#[tokio::test]
async fn the_agency_page_shows_criteria_items_trend_channels_and_masked_comments() {
    let app = seeded_app().await;
    let viewer = staff_user(&app, "tc.viewer", Role::AgencyViewer, Some("T.FINANCE")).await;
    let home = page(&app, &viewer, "/staff", 200).await;
    assert!(home.contains("href=\"/staff/agencies/T.FINANCE?lang=vi\""), "agency users land on their agency");
    let html = page(&app, &viewer, "/staff/agencies/T.FINANCE", 200).await;
    assert!(html.contains("<h1>Sở Tài chính</h1>"));
    let criteria = table(&html, "tbl-criteria");
    for c in ["A. Tiếp cận dịch vụ", "B. Thủ tục hành chính", "E. Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị"]
    {
        assert!(row(criteria, c).contains("66,7 %"), "{c}");
    }
    // An agency user sees no city figure: no column, no bars, no 60,5 %.
    assert!(!html.contains("60,5 %") && !html.contains("Toàn thành phố"), "no city figures for agency users");
    let items = table(&html, "tbl-items");
    let b1 = row(items, "Thủ tục được niêm yết công khai, dễ tìm, dễ hiểu.");
    assert!(b1.contains("<th scope=\"row\">B1</th>"), "{b1}");
    for cell in
        ["66,7 %", "20,8–93,9 %", ">3<", "<td class=\"num\">0</td><td class=\"num\">1</td><td class=\"num\">0</td>"]
    {
        assert!(b1.contains(cell), "{cell} in {b1}");
    }
    assert!(row(items, "A4").contains("—"), "an online-only item has no in-person answers");
    assert!(row(items, "Nhìn chung").contains("66,7 %"), "the overall question, outside the index");
    assert!(html.contains("Câu hỏi chung (không tính vào chỉ số)"));
    // Charts: profile (agency only), distribution, trend; each downloadable.
    for id in ["profile", "distribution", "trend"] {
        assert!(html.contains(&format!("aria-labelledby=\"{id}-title\"")), "{id} chart");
        assert!(html.contains(&format!("href=\"/staff/charts/{id}.svg?period=")), "{id} download");
    }
    assert!(html.contains("agency=T.FINANCE&#38;lang=vi"), "chart links carry the agency");
    let trend = table(&html, "tbl-trend");
    assert!(row(trend, &month_label()).contains("66,7 %"));
    let channels = table(&html, "tbl-channels");
    assert!(row(channels, "Trực tiếp").contains("66,7 %") && row(channels, "Trực tiếp").contains("75,0 %"));
    // Comments: masked, escaped, newest first, with the audit row written.
    let comments = &html[html.find("id=\"comments\"").unwrap()..];
    assert!(comments.contains(&format!("Gọi tôi: {PHONE_MARKER} hoặc {EMAIL_MARKER}")), "{comments}");
    assert!(!comments.contains("0912") && !comments.contains("example.com"));
    assert!(comments.contains("Rất hài lòng &#60;b&#62;thật&#60;/b&#62;"));
    assert!(comments.contains("Ý kiến 1–3 trong tổng số 3") && !comments.contains("Y tế trực tuyến"));
    let audit = sipas::store::audit::recent(&mut app.db.get().unwrap(), 5).unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!((audit[0].actor.as_str(), audit[0].action.as_str()), ("tc.viewer", "view_comments"));
    assert!(audit[0].target.starts_with("agencies=T.FINANCE period="), "{}", audit[0].target);
    // Page 2 is empty and links back; English numbers.
    let second = page(&app, &viewer, "/staff/agencies/T.FINANCE?page=2", 200).await;
    assert!(second.contains("Không có ý kiến nào") && second.contains("rel=\"prev\""));
    let en = page(&app, &viewer, "/staff/agencies/T.FINANCE?lang=en", 200).await;
    assert!(row(table(&en, "tbl-criteria"), "A. Access").contains("66.7 %"));
}

#[tokio::test]
async fn a_city_viewer_sees_the_agency_against_the_city_and_small_samples_greyed() {
    let app = seeded_app().await;
    let admin = staff_user(&app, "admin", Role::Admin, None).await;
    let html = page(&app, &admin, "/staff/agencies/T.HEALTH", 200).await;
    save("agency.html", html.as_bytes());
    let criteria = table(&html, "tbl-criteria");
    let a = row(criteria, "A. Tiếp cận dịch vụ");
    assert!(a.contains("class=\"small-n\"") && a.contains("50,0 %") && a.contains("62,5 %"), "{a}");
    assert!(row(criteria, "B. Thủ tục hành chính").contains("60,0 %"));
    assert!(html.contains("Toàn thành phố: <strong>60,5 %</strong>"));
    let svg = &html[html.find("aria-labelledby=\"profile-title\"").unwrap()..];
    assert!(svg[..svg.find("</svg>").unwrap()].contains("Toàn thành phố"), "the city's bars in the profile");
    assert!(html.contains("là mẫu nhỏ: dưới 3 câu trả lời hợp lệ"));
    // The hospital below, without data; the breadcrumb leads up to the city.
    assert!(row(table(&html, "tbl-units"), "Bệnh viện Đa khoa").contains("—"));
    assert!(html.contains("<a href=\"/staff/agencies/T.CITY?period="));
    // An unknown agency is a 404 for viewers of the whole city.
    let missing = page(&app, &admin, "/staff/agencies/T.NOPE", 404).await;
    assert!(missing.contains("Không tìm thấy cơ quan"));
}

#[tokio::test]
async fn agency_users_get_the_same_403_for_other_and_unknown_agencies() {
    let app = seeded_app().await;
    let manager = staff_user(&app, "yt.manager", Role::AgencyManager, Some("T.HEALTH")).await;
    assert_eq!(get(&app, &manager, "/staff/agencies/T.HOSPITAL").await.status(), 200, "a unit below is visible");
    let other = page(&app, &manager, "/staff/agencies/T.FINANCE", 403).await;
    let unknown = page(&app, &manager, "/staff/agencies/T.NOPE", 403).await;
    assert_eq!(other, unknown, "no hint whether the agency exists");
    assert!(other.contains("Không có quyền xem trang này"));
    let city = page(&app, &manager, "/staff/city", 403).await;
    assert!(city.contains("Không có quyền xem trang này"));
    for path in [
        "/staff/charts/ranking.svg",
        "/staff/charts/profile.svg?agency=T.FINANCE",
        "/staff/charts/trend.png?agency=T.NOPE",
        "/staff/charts/distribution.svg?agency=T.CITY",
    ] {
        assert_eq!(get(&app, &manager, path).await.status(), 403, "{path}");
    }
    let audit = sipas::store::audit::recent(&mut app.db.get().unwrap(), 5).unwrap();
    assert_eq!(audit.len(), 1, "only the hospital's comments were read");
    assert!(audit[0].target.starts_with("agencies=T.HOSPITAL period="), "{}", audit[0].target);
    // Without a session: to the login page.
    let res = app.client.get(app.url("/staff/city?lang=en")).send().await.unwrap();
    assert_eq!((res.status().as_u16(), res.headers()[LOCATION].to_str().unwrap()), (303, "/login?lang=en"));
}

#[tokio::test]
async fn charts_download_as_svg_and_png_with_the_pages_scope() {
    let app = seeded_app().await;
    let admin = staff_user(&app, "admin", Role::Admin, None).await;
    let res = get(&app, &admin, "/staff/charts/ranking.svg").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()[CONTENT_TYPE], "image/svg+xml; charset=utf-8");
    assert_eq!(res.headers()[CACHE_CONTROL], "private, no-store");
    let year = chrono::Datelike::year(&sipas::clock::today());
    assert_eq!(
        res.headers()[CONTENT_DISPOSITION].to_str().unwrap(),
        format!("attachment; filename=\"sipas-ranking-{year}-vi.svg\"")
    );
    let svg = res.text().await.unwrap();
    for text in ["<title id=\"ranking-title\">Xếp hạng các cơ quan – Năm", "Sở Tài chính", "66,7 %", "Mục tiêu 85 %"]
    {
        assert!(svg.contains(text), "{text}");
    }
    save("ranking.svg", svg.as_bytes());

    let res = get(&app, &admin, "/staff/charts/ranking.png?width=1000&lang=en").await;
    assert_eq!((res.status().as_u16(), res.headers()[CONTENT_TYPE].to_str().unwrap()), (200, "image/png"));
    assert!(res.headers()[CONTENT_DISPOSITION].to_str().unwrap().ends_with("-en.png\""));
    let png = res.bytes().await.unwrap();
    save("ranking.png", &png);
    let decoder = png::Decoder::new(std::io::Cursor::new(png.to_vec()));
    let reader = decoder.read_info().unwrap();
    let info = reader.info();
    assert_eq!(info.width, 1000);
    assert!(info.height > 200, "{}", info.height);

    let viewer = staff_user(&app, "tc.viewer", Role::AgencyViewer, Some("T.FINANCE")).await;
    for (path, texts) in [
        (
            "/staff/charts/profile.svg?agency=T.FINANCE",
            vec!["Sở Tài chính: Các tiêu chí", "A. Tiếp cận dịch vụ", "66,7 %"],
        ),
        ("/staff/charts/distribution.svg?agency=T.FINANCE", vec!["B1. Thủ tục được niêm yết", "Rất hài lòng", "n = 3"]),
        ("/staff/charts/trend.svg?agency=T.FINANCE&field=land", vec!["Diễn biến theo tháng", "66,7 %", "n = 3"]),
    ] {
        let res = get(&app, &viewer, path).await;
        assert_eq!(res.status(), 200, "{path}");
        let svg = res.text().await.unwrap();
        for text in texts {
            assert!(svg.contains(text), "{text} in {path}");
        }
        assert!(!svg.contains("Toàn thành phố"), "no city figures for agency users: {path}");
    }
    let res = get(&app, &viewer, "/staff/charts/profile.png?agency=T.FINANCE").await;
    assert_eq!(res.status(), 200);
    let png = res.bytes().await.unwrap();
    save("profile.png", &png);
    let reader = png::Decoder::new(std::io::Cursor::new(png.to_vec())).read_info().unwrap();
    assert_eq!(reader.info().width, 800);
    // The city's bars for a viewer of the whole city.
    let svg = get(&app, &admin, "/staff/charts/profile.svg?agency=T.FINANCE").await.text().await.unwrap();
    assert!(svg.contains("Toàn thành phố") && svg.contains("60,0 %"));
}

/// Writes a downloaded chart under the target directory, for looking at.
fn save(name: &str, bytes: &[u8]) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard-charts");
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(dir.join(name), bytes);
    }
}

#[tokio::test]
async fn bad_filters_get_a_4xx_page_naming_the_parameter() {
    let app = seeded_app().await;
    let admin = staff_user(&app, "admin", Role::Admin, None).await;
    for (path, names) in [
        ("/staff/city?period=2026-Q7", vec!["Kỳ báo cáo", "<code>period</code>"]),
        ("/staff/city?field=fishing", vec!["Lĩnh vực", "<code>field</code>", "unknown field `fishing`"]),
        ("/staff/city?channel=fax", vec!["Kênh tiếp nhận", "<code>channel</code>"]),
        ("/staff/city?from=2026-03-01&to=2026-01-01", vec!["Đến ngày", "<code>to</code>"]),
        ("/staff/city?period=%zz%FF", vec!["Kỳ báo cáo", "<code>period</code>"]),
        ("/staff/city?%FF=1", vec!["Tham số không dùng được"]),
        ("/staff/city?group_by=agency", vec!["Tham số không dùng được", "<code>group_by</code>"]),
        ("/staff/city?survey=nope", vec!["Phiếu khảo sát", "<code>survey</code>"]),
        ("/staff/agencies/T.FINANCE?page=0", vec!["Trang ý kiến", "<code>page</code>"]),
        ("/staff/charts/trend.svg", vec!["Cơ quan", "<code>agency</code>", "is required for this chart"]),
        ("/staff/charts/ranking.png?width=9000", vec!["Chiều rộng ảnh", "<code>width</code>"]),
    ] {
        let html = page(&app, &admin, path, 400).await;
        assert!(html.contains("Bộ lọc không hợp lệ"), "{path}");
        for name in names {
            assert!(html.contains(name), "{name} on {path}");
        }
    }
    let html = page(&app, &admin, "/staff/city?lang=en&field=fishing&channel=fax", 400).await;
    assert!(html.contains("Invalid filters") && html.contains("Field") && html.contains("Channel"));
    let html = page(&app, &admin, "/staff/charts/pie.svg", 404).await;
    assert!(html.contains("<code>chart</code>"));
}
