//! Parquet exports read back by pyarrow, as an analyst's pandas or DuckDB would: for every
//! dataset, every cell equals the CSV export of the same selection, the columns are typed
//! (integers, decimals, dates, text), and the codebook with its labels is in the file.

use serde_json::{json, Value};

use crate::exports::{download, export, file, read_key};
use crate::helpers::spawn_app;
use crate::spss::{respond_with_awkward_text, DATASETS};

/// Reads the Parquet file (argv 1) with pyarrow and the CSV (argv 2) with Python's csv
/// module, and compares them cell by cell: a Parquet text as the CSV writes text (formula
/// starts quoted, line breaks as ↵), numbers by value, dates in ISO form, null as empty.
const COMPARE: &str = r#"
import csv, json, math, sys
import pyarrow.parquet as pq

table = pq.read_table(sys.argv[1])
book = json.loads(table.schema.metadata[b"sipas.codebook"])
with open(sys.argv[2], newline="", encoding="utf-8-sig") as f:
    reader = csv.reader(f)
    header = next(reader)
    rows = list(reader)
types = {field.name: str(field.type) for field in table.schema}

def plain_number(s):
    whole, _, fraction = s.removeprefix("-").partition(".")
    return whole.isdigit() and (fraction == "" and "." not in s or fraction.isdigit())

def as_csv_text(s):
    if s.startswith(("=", "+", "-", "@", "\t", "\r")) and not plain_number(s):
        s = "'" + s
    return s.replace("\r\n", "\u21b5").replace("\r", "\u21b5").replace("\n", "\u21b5")

mismatches = []
data = table.to_pylist()
for i, (got, want) in enumerate(zip(data, rows)):
    for name, cell in zip(header, want):
        value, kind = got[name], types[name]
        if value is None:
            ok = cell == ""
        elif kind == "double":
            ok = cell != "" and math.isclose(value, float(cell), rel_tol=1e-12, abs_tol=1e-12)
        elif kind == "int64":
            ok = str(value) == cell
        elif kind == "date32[day]":
            ok = value.isoformat() == cell
        else:
            ok = as_csv_text(value) == cell
        if not ok:
            mismatches.append([i, name, repr(value), cell])

json.dump({
    "rows": len(data), "csv_rows": len(rows), "columns": table.column_names, "header": header,
    "types": types, "mismatches": mismatches[:20], "mismatch_count": len(mismatches),
    "variables": {v["name"]: v for v in book["variables"]}, "dataset": book["dataset"],
}, sys.stdout, ensure_ascii=False)
"#;

#[tokio::test]
async fn pyarrow_reads_every_dataset_as_the_csv_holds_it() {
    let Some(python) = crate::helpers::python_with("pyarrow.parquet") else { return };
    let app = spawn_app().await;
    let (_, spec) = app.synthetic(300, 40, 5);
    respond_with_awkward_text(&app).await;
    let key = read_key(&app, None);
    let dir = tempfile::tempdir().unwrap();
    for (dataset, _) in DATASETS {
        let selection = json!({
            "dataset": dataset, "survey": "sipas-dossier", "bom": false,
            "from": spec.first_day().to_string(), "to": spec.end.to_string(),
        });
        // The long file comes with its respondents table: each is compared with its CSV.
        let tables: &[&str] = if dataset == "responses_long" { &["", "_respondents"] } else { &[""] };
        let mut paths: Vec<Vec<std::path::PathBuf>> = vec![Vec::new(); tables.len()];
        for format in ["parquet", "csv"] {
            let mut body = selection.clone();
            body["format"] = json!(format);
            let job = export(&app, &key, body).await;
            if format == "parquet" {
                assert_eq!(job["files"].as_array().unwrap().len(), tables.len(), "self-describing files: {job}");
            }
            for (table, paths) in tables.iter().zip(&mut paths) {
                let f = file(&job, &format!("_{dataset}{table}.{format}"));
                if format == "parquet" {
                    assert_eq!(f["content_type"], "application/vnd.apache.parquet");
                }
                let path = dir.path().join(f["name"].as_str().unwrap());
                std::fs::write(&path, download(&app, &key, f).await).unwrap();
                paths.push(path);
            }
        }
        for (table, paths) in tables.iter().zip(&paths) {
            check_table(&python, &format!("{dataset}{table}"), paths);
        }
    }
}

/// Compares one Parquet file with its CSV (`paths`: Parquet, then CSV) in Python.
fn check_table(python: &str, dataset: &str, paths: &[std::path::PathBuf]) {
    let out = std::process::Command::new(python).arg("-c").arg(COMPARE).args(paths).output().unwrap();
    assert!(out.status.success(), "{dataset}: {}", String::from_utf8_lossy(&out.stderr));
    let read: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(read["dataset"], dataset);
    assert_eq!(read["columns"], read["header"], "{dataset}: the same columns in the same order");
    assert_eq!(read["rows"], read["csv_rows"], "{dataset}");
    assert!(read["rows"].as_u64().unwrap() > 10, "{dataset}: {}", read["rows"]);
    assert_eq!(read["mismatch_count"], 0, "{dataset}: {}", read["mismatches"]);
    let types = &read["types"];
    match dataset {
        "responses_wide" => {
            assert_eq!(types["A1"], "int64");
            assert_eq!(types["submitted_on"], "date32[day]");
            assert_eq!(types["agency_name_vi"], "string");
            let a1 = &read["variables"]["A1"];
            assert_eq!(a1["value_labels"][0]["label_vi"], "Rất không hài lòng", "{a1}");
            assert_eq!(a1["missing"][0]["code"], "-1", "{a1}");
        }
        "responses_long" => {
            assert_eq!(read["columns"].as_array().unwrap().len(), 7, "lean: {}", read["columns"]);
            assert_eq!(types["value"], "int64");
        }
        "responses_long_respondents" => assert_eq!(types["submitted_on"], "date32[day]"),
        _ => {
            let decimal = types.as_object().unwrap().iter().filter(|(_, t)| *t == "double").count();
            assert!(decimal >= 3, "{dataset}: index values are decimals: {types}");
        }
    }
}
