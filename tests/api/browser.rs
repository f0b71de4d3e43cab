//! A real browser (headless Chromium over WebDriver) answers the survey at phone size,
//! once with JavaScript on and once with it off.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::actions::InputSource as _;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::helpers::{spawn_app, tool_available, TestApp};

/// A chromedriver child process, killed on drop.
pub(crate) struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn start_driver() -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new("/usr/bin/chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    Driver { child, port }
}

/// Chromium's command line for a test session with its own profile directory.
pub(crate) fn chromium_args(profile: &std::path::Path) -> Vec<String> {
    vec![
        // The flags this machine needs (shared/reference/machine-notes.md): no sandbox as
        // root, and no background networking on a closed network.
        "--headless=new".to_owned(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--disable-dev-shm-usage".into(),
        format!("--user-data-dir={}", profile.display()),
    ]
}

/// A WebDriver session with `caps`, retried while chromedriver starts up.
pub(crate) async fn new_session(driver: &Driver, caps: &serde_json::Value) -> Client {
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

async fn connect(driver: &Driver, javascript: bool, profile: &std::path::Path) -> Client {
    let mut prefs = serde_json::Map::new();
    if !javascript {
        // The browser's own "JavaScript: blocked" setting, as a citizen would set it.
        prefs.insert("profile.managed_default_content_settings.javascript".into(), json!(2));
    }
    let caps = json!({
        "browserName": "chrome",
        // Without page JavaScript chromedriver cannot tell when a load has finished and
        // would wait for ever; the test waits for the elements it needs instead.
        "pageLoadStrategy": if javascript { "normal" } else { "none" },
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": chromium_args(profile),
            "prefs": prefs,
            // A phone-sized viewport (headless windows do not go below 500 px wide).
            "mobileEmulation": { "deviceMetrics": { "width": 360, "height": 740, "pixelRatio": 1.0 } },
        }
    });
    new_session(driver, &caps).await
}

/// Clicks the label that holds the input (radio buttons are styled inside their labels).
async fn choose(c: &Client, native: bool, name: &str, value: &str) {
    let xpath = format!("//input[@name='{name}' and @value='{value}']/ancestor::label");
    let label = c.find(Locator::XPath(&xpath)).await.unwrap_or_else(|_| panic!("no option {name}={value}"));
    scroll_to(c, &label).await;
    tap(c, native, &label).await;
}

/// Activates an element. `native`: a real pointer press and release on its centre.
/// Otherwise (page JavaScript switched off, where chromedriver's input commands hang
/// waiting on page scripts) the element's own `click()` through WebDriver's script channel;
/// what follows, the browser's form submission, redirect and rendering, is the same.
async fn tap(c: &Client, native: bool, element: &fantoccini::elements::Element) {
    use fantoccini::actions::{MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
    if !native {
        let arg = serde_json::to_value(element).unwrap();
        c.execute("arguments[0].click()", vec![arg]).await.unwrap();
        return;
    }
    let press = MouseActions::new("finger".into())
        .then(PointerAction::MoveToElement { element: element.clone(), duration: None, x: 0.0, y: 0.0 })
        .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
        .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
    c.perform_actions(press).await.unwrap();
}

/// Types text into an element: key by key, or (without page JavaScript, see [`tap`]) by
/// setting its value.
async fn type_text(c: &Client, native: bool, element: &fantoccini::elements::Element, text: &str) {
    use fantoccini::actions::{KeyAction, KeyActions};
    if !native {
        let arg = serde_json::to_value(element).unwrap();
        c.execute("arguments[0].value = arguments[1]", vec![arg, json!(text)]).await.unwrap();
        return;
    }
    tap(c, native, element).await;
    let mut keys = KeyActions::new("keyboard".into());
    for ch in text.chars() {
        keys = keys.then(KeyAction::Down { value: ch }).then(KeyAction::Up { value: ch });
    }
    c.perform_actions(keys).await.unwrap();
}

/// Brings an element to the middle of the screen at once, as a person scrolls before
/// tapping. (WebDriver commands run even when page scripts are off; `instant` because the
/// stylesheet scrolls smoothly, and a click during the animation would miss.)
async fn scroll_to(c: &Client, element: &fantoccini::elements::Element) {
    let arg = serde_json::to_value(element).unwrap();
    c.execute("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", vec![arg]).await.unwrap();
}

async fn submit(c: &Client, native: bool) {
    let button = c.find(Locator::Css("form button[type=submit]")).await.unwrap();
    scroll_to(c, &button).await;
    tap(c, native, &button).await;
}

async fn answer_survey(app: &TestApp, c: &Client, native: bool, token: &str) {
    c.goto(&app.url(&format!("/s/{token}"))).await.unwrap();
    c.wait().for_element(Locator::Css("form button[type=submit]")).await.unwrap();
    let width = c.execute("return window.innerWidth", vec![]).await.unwrap();
    assert_eq!(width.as_i64(), Some(360), "phone-sized viewport");
    let scroll = c.execute("return document.documentElement.scrollWidth", vec![]).await.unwrap();
    assert_eq!(scroll.as_i64(), Some(360), "nothing overflows the phone's width");
    let lang = c.find(Locator::Css("html")).await.unwrap().attr("lang").await.unwrap();
    assert_eq!(lang.as_deref(), Some("vi"));
    let h1 = c.find(Locator::Css("h1")).await.unwrap().text().await.unwrap();
    assert!(h1.contains("hài lòng") || h1.contains("Khảo sát"), "{h1}");

    // A first, incomplete submit: an error summary, and the one answer kept.
    choose(c, native, "A1", "5").await;
    submit(c, native).await;
    let summary = c.wait().for_element(Locator::Css(".errsum")).await.unwrap().text().await.unwrap();
    assert!(summary.contains("Vui lòng"), "{summary}");
    let kept = c.find(Locator::Css("input[name=A1][value='5']")).await.unwrap().prop("checked").await.unwrap();
    assert_eq!(kept.as_deref(), Some("true"), "answer given before the error is kept");

    for item in ["A2", "A3", "B1", "B2", "B3", "B4", "C1", "C2", "C3", "D1", "D2", "D3", "E1", "E3", "overall"] {
        choose(c, native, item, "4").await;
    }
    choose(c, native, "E2", "na").await;
    choose(c, native, "improve", "staff_attitude").await;
    let comment = c.find(Locator::Css("textarea[name=comment]")).await.unwrap();
    scroll_to(c, &comment).await;
    type_text(c, native, &comment, "Rất tốt, cảm ơn cán bộ.").await;
    submit(c, native).await;
    let thanks = c.wait().for_element(Locator::Css(".done h1")).await.unwrap().text().await.unwrap();
    assert!(thanks.contains("Cảm ơn"), "{thanks}");

    // Opening the link again shows the "already answered" notice.
    c.goto(&app.url(&format!("/s/{token}"))).await.unwrap();
    c.wait().for_element(Locator::Css(".notice, main h1")).await.unwrap();
    let body = c.find(Locator::Css("body")).await.unwrap().text().await.unwrap();
    assert!(body.contains("Bạn đã gửi đánh giá rồi"), "answered notice: {body}");
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
    // Prove the JavaScript switch works: a page script either rewrites the text or not.
    c.goto("data:text/html,<p id=x>off</p><script>document.getElementById('x').textContent='on'</script>")
        .await
        .unwrap();
    let state = c.wait().for_element(Locator::Css("#x")).await.unwrap().text().await.unwrap();
    assert_eq!(state, if javascript { "on" } else { "off" });
    answer_survey(&app, &c, javascript, &token).await;
    c.close().await.unwrap();
    let stored = sipas::store::responses::all(&mut app.db.get().unwrap()).unwrap();
    assert_eq!(stored.len(), 1);
    let a1 = stored[0].answers.iter().find(|(i, _)| i == "A1").map(|(_, v)| *v);
    assert_eq!(a1, Some(Some(5)));
    assert_eq!(stored[0].comment.as_deref(), Some("Rất tốt, cảm ơn cán bộ."));
}

/// A guard against a wedged browser, not a speed check: fail instead of hanging CI.
const HANG_GUARD: Duration = Duration::from_secs(180);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citizen_answers_in_a_phone_sized_browser() {
    tokio::time::timeout(HANG_GUARD, run(true)).await.expect("browser session hung");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citizen_answers_with_javascript_disabled() {
    tokio::time::timeout(HANG_GUARD, run(false)).await.expect("browser session hung");
}
