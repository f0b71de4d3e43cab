//! The notice that an export the recipient asked for is ready: what it covers, each file with
//! its size and SHA-256, and the exports page. Not bulk mail: no unsubscribe header, but the
//! footer links the notification settings.

use askama::Template;

use super::format::{hanoi_date_time, size};
use super::staff::{fact, greeting, Bi, Fact, Footer};
use super::{letter, ComposeError, ExportReady, StaffRecipient};
use crate::domain::Locale::{En, Vi};
use crate::email::Letter;
use crate::exports::request::Dataset;

/// One file as listed.
struct FileView {
    name: String,
    url: String,
    size: String,
    sha256: String,
}

struct View {
    lang: &'static str,
    subject: String,
    greeting: String,
    heading: Bi,
    facts: Vec<Fact>,
    files: Vec<FileView>,
    note: Bi,
    link: Fact,
    footer: Footer,
}

#[derive(Template)]
#[template(path = "email/export_ready.txt", escape = "none", whitespace = "preserve")]
struct Text<'a> {
    v: &'a View,
}

#[derive(Template)]
#[template(path = "email/export_ready.html")]
struct Html<'a> {
    v: &'a View,
}

/// The dataset's title (vi, en), or its code when unknown.
fn dataset(code: &str) -> (String, String) {
    match Dataset::parse(code) {
        Some(d) => {
            let (vi, en) = d.title();
            (vi.to_owned(), en.to_owned())
        }
        None => (code.to_owned(), code.to_owned()),
    }
}

/// An export the recipient asked for is ready.
pub fn export_ready(to: &StaffRecipient, e: &ExportReady) -> Result<Letter, ComposeError> {
    let (set_vi, set_en) = dataset(&e.dataset);
    let format = e.format.to_uppercase();
    let mut facts = vec![
        fact("Dữ liệu", "Dataset", format!("{set_vi} ({set_en})")),
        fact("Định dạng", "Format", &format),
        fact("Phạm vi", "Scope", &e.scope),
        fact("Mã yêu cầu", "Job", &e.job_id),
    ];
    if let Some(t) = e.expires_at {
        facts.push(fact("Tệp bị xoá lúc", "Files deleted at", hanoi_date_time(t, Vi)));
    }
    let v = View {
        lang: "vi",
        subject: format!("Tệp xuất dữ liệu đã sẵn sàng: {set_vi} ({format})"),
        greeting: greeting(to),
        heading: Bi::new("Tệp xuất dữ liệu đã sẵn sàng", "Your export is ready"),
        facts,
        files: e
            .files
            .iter()
            .map(|f| FileView {
                name: f.name.clone(),
                url: f.url.clone(),
                size: size(f.size, Vi),
                sha256: f.sha256.clone(),
            })
            .collect(),
        note: Bi::new(
            "Cần đăng nhập để tải tệp. Mã SHA-256 giúp kiểm tra tệp tải về còn nguyên vẹn.",
            format!(
                "Log in to download the files{}. The SHA-256 lets you check that a download is intact.",
                e.expires_at.map(|t| format!(" before {}", hanoi_date_time(t, En))).unwrap_or_default()
            ),
        ),
        link: fact("Mở trang xuất dữ liệu", "Open the exports page", &e.page_url),
        footer: Footer::requested(
            to,
            Bi::new(
                format!("Bạn nhận thư này vì tài khoản {} đã yêu cầu xuất dữ liệu.", to.username),
                format!("You receive this because the account {} asked for this export.", to.username),
            ),
        ),
    };
    let text = Text { v: &v }.render()?;
    let html = Html { v: &v }.render()?;
    Ok(letter(&to.address, v.subject, text, html, Vec::new(), None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::compose::test_support::{escaped, to_message, NASTY};
    use crate::email::compose::ExportFileLink;

    #[test]
    fn lists_every_file_with_size_and_hash_and_has_no_unsubscribe() {
        let to = StaffRecipient {
            address: "vien@example.vn".into(),
            username: "phan.tich".into(),
            unsubscribe_url: "https://khaosat.example.vn/unsubscribe/zzz".into(),
            preferences_url: "https://khaosat.example.vn/staff/notifications".into(),
        };
        let e = ExportReady {
            job_id: "5f0c".into(),
            scope: format!("Toàn thành phố, 2026-Q3 {NASTY}"),
            dataset: "responses_wide".into(),
            format: "csv".into(),
            files: vec![
                ExportFileLink {
                    name: "responses.csv".into(),
                    url: "https://khaosat.example.vn/staff/exports/5f0c/files/responses.csv?a=1&b=2".into(),
                    size: 1_300_000,
                    sha256: "ab".repeat(32),
                },
                ExportFileLink {
                    name: "codebook.csv".into(),
                    url: "https://khaosat.example.vn/staff/exports/5f0c/files/codebook.csv".into(),
                    size: 2_000,
                    sha256: "cd".repeat(32),
                },
            ],
            page_url: "https://khaosat.example.vn/staff/exports".into(),
            expires_at: Some("2026-11-30T10:00:00".parse().unwrap()),
        };
        let l = export_ready(&to, &e).unwrap();
        assert_eq!(l.subject, "Tệp xuất dữ liệu đã sẵn sàng: Dữ liệu phiếu trả lời (mỗi phiếu một dòng) (CSV)");
        assert_eq!((l.to.as_str(), l.unsubscribe.as_deref()), ("vien@example.vn", None));
        assert!(l.inline.is_empty());
        for (part, esc) in [(&l.text, false), (&l.html, true)] {
            let e_ = |s: &str| if esc { escaped(s) } else { s.to_owned() };
            for s in [&e.page_url, &e.files[0].url, &e.files[1].url, &e.files[0].sha256, &to.preferences_url] {
                assert!(part.contains(&e_(s)), "{s} missing from {part}");
            }
            for s in ["1,2 MB", "2 KB", "17:00 ngày 30/11/2026", "responses.csv", "codebook.csv", &e_(&e.scope)] {
                assert!(part.contains(s), "{s} missing from {part}");
            }
            assert!(!part.contains(&to.unsubscribe_url), "{part}");
        }
        assert!(!l.html.contains(NASTY));
        let raw = to_message(&l);
        assert!(!raw.contains("List-Unsubscribe"), "{raw}");
    }
}
