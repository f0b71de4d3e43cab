//! The SPSS syntax of real exports runs in GNU PSPP without an error or a warning, for every
//! dataset and every shipped survey; the counts PSPP finds equal a recount of the CSV; a
//! skipped multiple-choice question is missing (−2), not "not chosen" (0); formula-like text
//! is neutralised in the CSV.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value};

use crate::exports::{csv_rows, csv_text, download, export, file, read_key, stored};
use crate::helpers::{full_answers, spawn_app, tool_available, TestApp};

const PSPP: &str = "/usr/bin/pspp";

/// The datasets, each with whether its CSV gets a byte-order mark (both kinds are read).
pub(crate) const DATASETS: [(&str, bool); 4] =
    [("responses_wide", true), ("responses_long", false), ("index_table", true), ("index_trend", false)];

/// Comments a spreadsheet would run as formulas; the first also has a line break and quotes.
const FORMULA_COMMENTS: [&str; 2] = ["=HYPERLINK(\"http://x.invalid\",\"xem\")\ndòng hai, \"trích\"", "@SUM(1+1)"];

/// What one PSPP run printed: its console output and its CSV output (the tables).
struct PsppRun {
    console: String,
    tables: String,
}

/// Runs `syntax` (a file name in `dir`) with PSPP in `dir`, where its CSV lies; a failed run,
/// or any error or warning PSPP reports, is an `Err` with everything needed to see why.
fn run_pspp(dir: &Path, syntax: &str) -> Result<PsppRun, String> {
    let out = dir.join(format!("{syntax}.out.csv"));
    let run = std::process::Command::new(PSPP)
        .current_dir(dir)
        .arg("-O")
        .arg("format=csv")
        .arg("-o")
        .arg(&out)
        .arg(syntax)
        .output()
        .unwrap();
    let console = format!("{}{}", String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr));
    let tables = std::fs::read_to_string(&out).unwrap_or_default();
    let source = std::fs::read_to_string(dir.join(syntax)).unwrap();
    if !run.status.success() {
        return Err(format!("pspp {syntax} failed ({}):\n{console}\n{tables}\n--- syntax ---\n{source}", run.status));
    }
    for text in [&console, &tables] {
        let lower = text.to_lowercase();
        if lower.contains("error") || lower.contains("warning") {
            return Err(format!("pspp {syntax} reported a problem:\n{text}\n--- syntax ---\n{source}"));
        }
    }
    Ok(PsppRun { console, tables })
}

/// One row of a frequency table: section (`Valid`, `Missing`), value, frequency.
type FreqRow = (String, String, u64);
/// A frequency table: its title and rows.
type FreqTable = (String, Vec<FreqRow>);

/// The frequency tables of PSPP's CSV output, in order: (title, rows of (section, value,
/// frequency)), the section (`Valid`, `Missing`) carried down to the rows that leave it empty.
fn frequency_tables(csv_out: &str) -> Vec<FreqTable> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(csv_out.as_bytes());
    let mut tables: Vec<FreqTable> = Vec::new();
    let mut section = String::new();
    for record in reader.records() {
        let record = record.unwrap();
        let first = record.get(0).unwrap_or("");
        if let Some(title) = first.strip_prefix("Table: ") {
            tables.push((title.to_owned(), Vec::new()));
            continue;
        }
        let Some((title, rows)) = tables.last_mut() else { continue };
        if title == "Statistics" || record.len() < 3 || first == "Total" {
            continue;
        }
        if !first.is_empty() {
            section = first.to_owned();
        }
        if let Ok(n) = record[2].parse::<u64>() {
            rows.push((section.clone(), record[1].to_owned(), n));
        }
    }
    tables.retain(|(title, rows)| title != "Statistics" && !rows.is_empty());
    tables
}

/// Downloads every file of a finished job into `dir`.
async fn download_all(app: &TestApp, key: &str, job: &Value, dir: &Path) {
    for f in job["files"].as_array().unwrap() {
        std::fs::write(dir.join(f["name"].as_str().unwrap()), download(app, key, f).await).unwrap();
    }
}

/// Responses through the API besides the synthetic ones: with formula-like comments, and one
/// that leaves the optional multiple-choice question out.
pub(crate) async fn respond_with_awkward_text(app: &TestApp) {
    for i in 0..3 {
        let body = json!({
            "dossier_code": format!("HS-SPSS-{i}"),
            "agency_code": "T.FINANCE",
            "field": "land",
            "channel": "in_person",
            "handled_at": (sipas::clock::now() - chrono::Duration::minutes(5)).to_rfc3339(),
        });
        let token = app.mint(&body).await["token"].as_str().unwrap().to_owned();
        let mut answers = full_answers();
        match FORMULA_COMMENTS.get(i) {
            Some(comment) => answers["comment"] = json!(comment),
            None => {
                answers["answers"].as_object_mut().unwrap().remove("improve");
            }
        }
        assert_eq!(app.post_answers(&token, &answers).await.status(), 201);
    }
    let mut conn = app.db.get().unwrap();
    while sipas::store::aggregates::fold_pending(&mut conn, 100).unwrap() > 0 {}
}

/// The wide file's multiple-choice columns against the stored answers: −2 in every option of
/// a question the respondent skipped, else 1 for the chosen and 0 for the others.
fn check_choice_codes(app: &TestApp, header: &[String], rows: &[Vec<String>]) -> (usize, usize) {
    let stored = stored(app);
    let options: Vec<(usize, String)> = header
        .iter()
        .enumerate()
        .filter_map(|(i, h)| h.strip_prefix("improve_").map(|o| (i, format!("improve.{o}"))))
        .collect();
    assert_eq!(options.len(), 10, "{header:?}");
    let id = header.iter().position(|h| h == "response_id").unwrap();
    let (mut skipped, mut answered) = (0, 0);
    for row in rows {
        let answers = &stored[&row[id]];
        let any = answers.keys().any(|k| k.starts_with("improve."));
        for (i, item) in &options {
            let expected = match (any, answers.contains_key(item)) {
                (false, _) => "-2",
                (true, true) => "1",
                (true, false) => "0",
            };
            assert_eq!(row[*i], expected, "{item} of {}", row[id]);
        }
        if any {
            answered += 1;
        } else {
            skipped += 1;
        }
    }
    (skipped, answered)
}

/// Appends FREQUENCIES of `vars` to the syntax `sps` in `dir` (as a new file), runs it, and
/// compares PSPP's counts with a recount of the CSV's columns; returns the tables.
fn frequencies_match_a_recount(
    dir: &Path,
    sps: &str,
    vars: &[&str],
    header: &[String],
    rows: &[Vec<String>],
) -> Vec<FreqTable> {
    let name = format!("freq_{sps}");
    let mut syntax = std::fs::read_to_string(dir.join(sps)).unwrap();
    syntax.push_str(&format!("SET TNUMBERS=VALUES.\nFREQUENCIES /VARIABLES={}.\n", vars.join(" ")));
    std::fs::write(dir.join(&name), syntax).unwrap();
    let run = run_pspp(dir, &name).unwrap_or_else(|e| panic!("{e}"));
    let tables = frequency_tables(&run.tables);
    assert!(tables.len() >= vars.len(), "{}\n{}", run.console, run.tables);
    for (var, (_, counted)) in vars.iter().zip(&tables) {
        let col = header.iter().position(|h| h == var).unwrap();
        let mut recount: BTreeMap<String, u64> = BTreeMap::new();
        for row in rows {
            *recount.entry(row[col].clone()).or_default() += 1;
        }
        let pspp: BTreeMap<String, u64> = counted.iter().map(|(_, v, n)| (v.clone(), *n)).collect();
        assert_eq!(pspp, recount, "{var}: PSPP's counts against the CSV");
        // The missing codes are missing for PSPP, the valid ones valid.
        for (section, value, _) in counted {
            assert_eq!(section == "Missing", value.starts_with('-'), "{var} {value} is {section}");
        }
    }
    tables
}

#[tokio::test]
async fn pspp_runs_the_syntax_of_every_dataset_and_survey_cleanly() {
    if !tool_available(PSPP) {
        return;
    }
    let app = spawn_app().await;
    let (surveys, spec) = app.synthetic(400, 60, 11);
    respond_with_awkward_text(&app).await;
    let key = read_key(&app, None);
    let dir = tempfile::tempdir().unwrap();
    let (mut ran, mut failures, mut with_data, mut respondents_ran) = (0, Vec::new(), 0, 0);
    for def in surveys.all() {
        for (dataset, bom) in DATASETS {
            let body = json!({
                "dataset": dataset, "format": "csv", "survey": def.id(), "version": def.version(), "bom": bom,
                "from": spec.first_day().to_string(), "to": spec.end.to_string(),
            });
            let job = export(&app, &key, body).await;
            let sub = dir.path().join(format!("{}-{dataset}", def.id()));
            std::fs::create_dir(&sub).unwrap();
            download_all(&app, &key, &job, &sub).await;
            let sps = file(&job, ".sps")["name"].as_str().unwrap().to_owned();
            let csv_name = file(&job, &format!("_{dataset}.csv"))["name"].as_str().unwrap().to_owned();
            let source = std::fs::read_to_string(sub.join(&sps)).unwrap();
            assert!(source.starts_with('\u{FEFF}') && source.contains(&format!("/FILE='{csv_name}'")));
            ran += 1;
            if let Err(e) = run_pspp(&sub, &sps) {
                failures.push(e);
                continue;
            }
            if dataset == "responses_long" {
                // The lean long file's per-response columns come in a table of their own.
                let respondents = file(&job, "_respondents.sps")["name"].as_str().unwrap().to_owned();
                respondents_ran += 1;
                if let Err(e) = run_pspp(&sub, &respondents) {
                    failures.push(e);
                }
            }
            if dataset != "responses_wide" {
                continue;
            }
            let (header, rows) = csv_rows(&std::fs::read(sub.join(&csv_name)).unwrap(), bom);
            if rows.is_empty() {
                continue;
            }
            with_data += 1;
            // The first rating item, and for the dossier survey an option of "improve".
            let rating = header.iter().find(|h| h.starts_with(char::is_uppercase)).unwrap().clone();
            let mut vars = vec![rating.as_str()];
            if def.id() == "sipas-dossier" {
                vars.push("improve_transparency");
                let (skipped, answered) = check_choice_codes(&app, &header, &rows);
                assert!(skipped > 0 && answered > 0, "both kinds are there: {skipped} skipped, {answered} answered");
                let comment = header.iter().position(|h| h == "comment").unwrap();
                for formula in FORMULA_COMMENTS {
                    let expected = csv_text(&format!("'{formula}"));
                    assert!(rows.iter().any(|r| r[comment] == expected), "{formula} neutralised");
                }
                assert!(!rows.iter().any(|r| r[comment].starts_with(['=', '@', '+'])));
            }
            let tables = frequencies_match_a_recount(&sub, &sps, &vars, &header, &rows);
            // UTF-8 came through: the table is titled with the item's Vietnamese text.
            let label = def.item(&rating).unwrap().text.vi.clone();
            assert_eq!(tables[0].0, label);
            if def.id() == "sipas-dossier" {
                let skipped = &tables[1].1.iter().find(|(_, v, _)| v == "-2").unwrap();
                assert_eq!(skipped.0, "Missing", "a skipped question is missing, not 'not chosen'");
            }
        }
    }
    assert_eq!(ran, 4 * surveys.all().count());
    assert_eq!(respondents_ran, surveys.all().count());
    assert!(failures.is_empty(), "{} of {ran} syntax files failed in PSPP:\n{}", failures.len(), failures.join("\n\n"));
    assert_eq!(with_data, 2, "the dossier and health surveys have responses");
}

#[tokio::test]
async fn the_wide_xlsx_codes_a_skipped_question_as_missing_too() {
    use calamine::{Data, Reader as _, Xlsx};
    let app = spawn_app().await;
    respond_with_awkward_text(&app).await;
    let key = read_key(&app, None);
    let year = sipas::clock::today().format("%Y").to_string();
    let job = export(&app, &key, json!({"dataset": "responses_wide", "format": "xlsx", "period": year})).await;
    let bytes = download(&app, &key, file(&job, ".xlsx")).await;
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("Dữ liệu").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Float(f) => format!("{f}"),
                    Data::Int(i) => i.to_string(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();
    let (skipped, answered) = check_choice_codes(&app, &rows[0], &rows[1..]);
    assert_eq!((skipped, answered), (1, 2));
    // The codebook sheet lists −2 as a missing code of the options.
    let values = book.worksheet_range("Nhãn giá trị").unwrap();
    let listed = values.rows().any(|r| {
        r.first().map(|c| c.to_string()).as_deref() == Some("improve_transparency")
            && r.get(1).map(|c| c.to_string()).as_deref() == Some("-2")
            && r.get(4).map(|c| c.to_string()).as_deref() == Some("1")
    });
    assert!(listed, "−2 is a missing code of improve_transparency");
    // XLSX cells are typed text, so formulas are not neutralised there: the text is as written.
    let col = rows[0].iter().position(|h| h == "comment").unwrap();
    assert!(rows.iter().any(|r| r[col] == FORMULA_COMMENTS[1]));
}
