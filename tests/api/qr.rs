//! QR codes decode, with a real decoder (zbarimg), to the exact survey URL.

use crate::helpers::{spawn_app, tool_available};

#[tokio::test]
async fn qr_codes_decode_to_the_survey_url() {
    let app = spawn_app().await;
    let minted = app.mint(&crate::helpers::invitation_body("HS-QR")).await;
    let url = minted["url"].as_str().unwrap();

    let png = app.client.get(minted["qr_png_url"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(png.status(), 200);
    assert_eq!(png.headers()["content-type"], "image/png");
    let png = png.bytes().await.unwrap();
    let svg = app.client.get(minted["qr_svg_url"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    let svg = svg.text().await.unwrap();
    assert!(svg.contains("<svg"));

    if !tool_available("/usr/bin/zbarimg") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let png_path = dir.path().join("qr.png");
    std::fs::write(&png_path, &png).unwrap();
    assert_eq!(zbar(&png_path), url);
    // The SVG, rasterised by a different renderer, decodes to the same URL.
    if std::path::Path::new("/usr/bin/rsvg-convert").exists() {
        let svg_path = dir.path().join("qr.svg");
        std::fs::write(&svg_path, &svg).unwrap();
        let out = dir.path().join("svg.png");
        let ok = std::process::Command::new("rsvg-convert")
            .args(["-w", "400", "-b", "white", "-o"])
            .arg(&out)
            .arg(&svg_path)
            .status()
            .unwrap();
        assert!(ok.success());
        assert_eq!(zbar(&out), url);
    }
}

fn zbar(path: &std::path::Path) -> String {
    let out = std::process::Command::new("zbarimg").args(["--raw", "-q"]).arg(path).output().unwrap();
    assert!(out.status.success(), "zbarimg could not read {}", path.display());
    String::from_utf8(out.stdout).unwrap().trim_end().to_owned()
}

#[tokio::test]
async fn unknown_tokens_and_formats_get_404() {
    let app = spawn_app().await;
    let token = app.mint_token("HS-QR2").await;
    for path in ["/q/AAAAAAAAAAAAAAAAAAAAAAAA.png".to_owned(), format!("/q/{token}.gif"), format!("/q/{token}"), "/q/x.svg".into()] {
        assert_eq!(app.client.get(app.url(&path)).send().await.unwrap().status(), 404, "{path}");
    }
}
