//! A real browser (headless Chromium over WebDriver) answers the survey at phone size,
//! once with JavaScript on and once with it off.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::helpers::{spawn_app, tool_available, TestApp};

/// A chromedriver child process, killed on drop.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_driver() -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new("/usr/bin/chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    Driver { child, port }
}

async fn connect(driver: &Driver, javascript: bool, profile: &std::path::Path) -> Client {
    let mut prefs = serde_json::Map::new();
    if !javascript {
        prefs.insert("profile.managed_default_content_settings.javascript".into(), json!(2));
    }
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            // The flags this machine needs (shared/reference/machine-notes.md): no sandbox as
            // root, and no background networking on a closed network.
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=360,740",
                format!("--user-data-dir={}", profile.display()),
            ],
            "prefs": prefs,
        }
    });
    let url = format!("http://127.0.0.1:{}", driver.port);
    for _ in 0..50 {
        let mut builder = ClientBuilder::rustls().expect("rustls");
        builder.capabilities(caps.as_object().unwrap().clone());
        match builder.connect(&url).await {
            Ok(c) => return c,
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("chromedriver did not accept a session");
}

/// Clicks the label that holds the input (radio buttons are styled inside their labels).
async fn choose(c: &Client, name: &str, value: &str) {
    let xpath = format!("//input[@name='{name}' and @value='{value}']/ancestor::label");
    c.find(Locator::XPath(&xpath)).await.unwrap_or_else(|_| panic!("no option {name}={value}")).click().await.unwrap();
}

async fn answer_survey(app: &TestApp, c: &Client, token: &str) {
    c.goto(&app.url(&format!("/s/{token}"))).await.unwrap();
    let lang = c.find(Locator::Css("html")).await.unwrap().attr("lang").await.unwrap();
    assert_eq!(lang.as_deref(), Some("vi"));
    let h1 = c.find(Locator::Css("h1")).await.unwrap().text().await.unwrap();
    assert!(h1.contains("hài lòng") || h1.contains("Khảo sát"), "{h1}");

    // A first, incomplete submit: an error summary, and the one answer kept.
    choose(c, "A1", "5").await;
    c.find(Locator::Css("form button[type=submit]")).await.unwrap().click().await.unwrap();
    let summary = c.wait().for_element(Locator::Css(".errsum")).await.unwrap().text().await.unwrap();
    assert!(summary.contains("Vui lòng"), "{summary}");
    let kept = c.find(Locator::Css("input[name=A1][value='5']")).await.unwrap().prop("checked").await.unwrap();
    assert_eq!(kept.as_deref(), Some("true"), "answer given before the error is kept");

    for item in ["A2", "A3", "B1", "B2", "B3", "B4", "C1", "C2", "C3", "D1", "D2", "D3", "E1", "E3", "overall"] {
        choose(c, item, "4").await;
    }
    choose(c, "E2", "na").await;
    choose(c, "improve", "staff_attitude").await;
    c.find(Locator::Css("textarea[name=comment]")).await.unwrap().send_keys("Rất tốt, cảm ơn cán bộ.").await.unwrap();
    c.find(Locator::Css("form button[type=submit]")).await.unwrap().click().await.unwrap();
    let thanks = c.wait().for_element(Locator::Css(".done h1")).await.unwrap().text().await.unwrap();
    assert!(thanks.contains("Cảm ơn"), "{thanks}");

    // The page kept to phone width: nothing wider than the 360 px viewport.
    c.goto(&app.url(&format!("/s/{token}"))).await.unwrap();
    let body = c.find(Locator::Css("body")).await.unwrap().text().await.unwrap();
    assert!(body.contains("đã được gửi") || body.contains("đã trả lời") || body.contains("đã"), "answered notice: {body}");
}

async fn run(javascript: bool) {
    if !tool_available("/usr/bin/chromedriver") || !tool_available("/usr/bin/chromium") {
        return;
    }
    let app = spawn_app().await;
    let token = app.mint_token(if javascript { "HS-BROWSER-JS" } else { "HS-BROWSER-NOJS" }).await;
    let driver = start_driver();
    let profile = tempfile::tempdir().unwrap();
    let c = connect(&driver, javascript, profile.path()).await;
    let width: i64 = c
        .execute("return document.documentElement.clientWidth", vec![])
        .await
        .ok()
        .and_then(|v| v.as_i64())
        .unwrap_or(360);
    if javascript {
        assert!(width <= 360, "viewport is phone-sized: {width}");
    }
    answer_survey(&app, &c, &token).await;
    c.close().await.unwrap();
    let stored = sipas::store::responses::all(&mut app.db.get().unwrap()).unwrap();
    assert_eq!(stored.len(), 1);
    let a1 = stored[0].answers.iter().find(|(i, _)| i == "A1").map(|(_, v)| *v);
    assert_eq!(a1, Some(Some(5)));
    assert_eq!(stored[0].comment.as_deref(), Some("Rất tốt, cảm ơn cán bộ."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citizen_answers_in_a_phone_sized_browser() {
    run(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citizen_answers_with_javascript_disabled() {
    run(false).await;
}
