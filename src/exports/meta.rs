//! The codebook's facts as plain rows and strings, spelled once for the CSV and XLSX codebooks
//! and the SPSS header, so that every format says the same thing in the same words.

use std::io::Write as _;

use chrono::NaiveDateTime;

use super::table::{Codebook, ValueLabel};

/// One fact about a dataset, in both languages (the same text twice for a fact that has no
/// language, like a date).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaRow {
    pub key: String,
    pub vi: String,
    pub en: String,
}

impl MetaRow {
    fn both(key: &str, value: String) -> Self {
        MetaRow { key: key.to_owned(), vi: value.clone(), en: value }
    }

    fn each(key: &str, vi: &str, en: &str) -> Self {
        MetaRow { key: key.to_owned(), vi: vi.to_owned(), en: en.to_owned() }
    }
}

impl Codebook {
    /// The column headers of the data file, in file order.
    pub fn header(&self) -> Vec<&str> {
        self.variables.iter().map(|v| v.name.as_str()).collect()
    }

    /// What the dataset is, where it comes from and when it was made, as key/value rows.
    /// Notes get the keys `note_1`, `note_2` … so that every key is unique.
    pub fn meta_rows(&self) -> Vec<MetaRow> {
        let mut rows = vec![
            MetaRow::each("title", &self.title_vi, &self.title_en),
            MetaRow::both("dataset", self.dataset.clone()),
            MetaRow::both("survey_id", self.survey_id.clone()),
            MetaRow::both("survey_version", self.survey_version.to_string()),
            MetaRow::each("survey_title", &self.survey_title_vi, &self.survey_title_en),
            MetaRow::both("definition_sha256", self.definition_hash.clone()),
            MetaRow::both("method", self.method.clone()),
            MetaRow::both("threshold", self.threshold.to_string()),
            MetaRow::each(
                "interval",
                &format!(
                    "Khoảng tin cậy Wilson (score interval) 95 %, z = {z}, của tỷ lệ hài lòng một câu hỏi; với chỉ số \
                     tổng hợp (tiêu chí, lĩnh vực, chỉ số chung) là khoảng gần đúng: khoảng Wilson của giá trị chỉ số \
                     với n là số phiếu có trả lời tính vào chỉ số đó",
                    z = decimal_string(self.z)
                ),
                &format!(
                    "Wilson score interval, 95 %, z = {z}, of an item's satisfaction rate; for a composite index \
                     (criterion, domain, overall) an approximation: the Wilson interval of the index value with n the \
                     responses that count towards that index",
                    z = decimal_string(self.z)
                ),
            ),
            MetaRow::each(
                "units",
                "Chỉ số, tỷ lệ hài lòng, tỷ lệ phản hồi và khoảng tin cậy đều tính theo phần trăm (0–100), như trong API",
                "Indices, satisfaction rates, response rates and intervals are all percentages (0–100), as in the API",
            ),
            MetaRow::both("period_code", self.period_code.clone()),
            MetaRow::both("period_from", self.period_from.format("%Y-%m-%d").to_string()),
            MetaRow::both("period_to", self.period_to.format("%Y-%m-%d").to_string()),
            match self.data_through {
                Some(day) => MetaRow::both("data_through", day.format("%Y-%m-%d").to_string()),
                None => MetaRow::each("data_through", "không có dữ liệu trong kỳ", "no data in the period"),
            },
            MetaRow::each("scope", &self.scope_vi, &self.scope_en),
            MetaRow::both("generated_at", iso_utc(self.generated_at)),
        ];
        for (i, (vi, en)) in self.notes.iter().enumerate() {
            rows.push(MetaRow::each(&format!("note_{}", i + 1), vi, en));
        }
        rows
    }
}

impl Codebook {
    /// The items table: one row per item or question, with its criterion and channels.
    pub fn item_rows(&self) -> (&'static [&'static str], Vec<Vec<String>>) {
        const HEADER: &[&str] = &[
            "item_id",
            "kind",
            "text_vi",
            "text_en",
            "criterion_id",
            "criterion_title_vi",
            "criterion_title_en",
            "criterion_weight",
            "domain_id",
            "channels",
        ];
        let rows = self
            .items
            .iter()
            .map(|i| {
                let c = i.criterion.as_ref();
                let text = |f: fn(&super::table::CriterionEntry) -> &str| c.map_or(String::new(), |c| f(c).to_owned());
                vec![
                    i.id.clone(),
                    i.kind.clone(),
                    i.text_vi.clone(),
                    i.text_en.clone(),
                    text(|c| &c.id),
                    text(|c| &c.title_vi),
                    text(|c| &c.title_en),
                    c.map_or(String::new(), |c| decimal_string(c.weight)),
                    text(|c| &c.domain),
                    i.channels.join(" "),
                ]
            })
            .collect();
        (HEADER, rows)
    }

    /// The agencies table: code, names, kind, parent, validity and successors.
    pub fn agency_rows(&self) -> (&'static [&'static str], Vec<Vec<String>>) {
        const HEADER: &[&str] =
            &["agency_code", "name_vi", "name_en", "kind", "parent_code", "valid_from", "valid_to", "successors"];
        let rows = self
            .agencies
            .iter()
            .map(|a| {
                vec![
                    a.code.as_str().to_owned(),
                    a.name_vi.clone(),
                    a.name_en.clone(),
                    a.kind.code().to_owned(),
                    a.parent.as_ref().map_or(String::new(), |p| p.as_str().to_owned()),
                    a.valid_from.format("%Y-%m-%d").to_string(),
                    a.valid_to.map_or(String::new(), |d| d.format("%Y-%m-%d").to_string()),
                    a.successors.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "),
                ]
            })
            .collect();
        (HEADER, rows)
    }

    /// `README.txt` of a bundle: what each file is and the codebook's facts and notes, in
    /// Vietnamese and then in English.
    pub fn readme(&self, files: &[(&str, &str, &str)]) -> String {
        let mut out = String::new();
        for vi in [true, false] {
            let pick = |v: &str, e: &str| if vi { v.to_owned() } else { e.to_owned() };
            let title = pick(&self.title_vi, &self.title_en);
            out.push_str(&format!("{title}\n{}\n\n", "=".repeat(title.chars().count())));
            out.push_str(&pick("Các tệp:\n", "Files:\n"));
            for (name, what_vi, what_en) in files {
                out.push_str(&format!("  {name}: {}\n", pick(what_vi, what_en)));
            }
            out.push('\n');
            for row in self.meta_rows() {
                out.push_str(&format!("{}: {}\n", row.key, pick(&row.vi, &row.en)));
            }
            out.push_str("\n\n");
        }
        out
    }
}

/// ISO 8601 in UTC with the `Z` that tells readers it is UTC, e.g. `2025-03-31T17:00:00Z`.
pub(crate) fn iso_utc(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Appends a decimal: the shortest text that reads back as the same `f64`, with `.` and never
/// an exponent (Rust's `Display` guarantees both), so 86.5 → `86.5`, 0.1 → `0.1`, 100.0 →
/// `100`. NaN and infinities have no CSV spelling every reader agrees on, so they stay empty.
pub(crate) fn render_num(x: f64, out: &mut Vec<u8>) {
    if !x.is_finite() {
        return;
    }
    // `-0` would read back fine but looks like a bug to a person.
    let x = if x == 0.0 { 0.0 } else { x };
    let _ = write!(out, "{x}");
}

/// A decimal the way the CSV writes it (shortest round-trip, `.`, no exponent).
pub(crate) fn decimal_string(x: f64) -> String {
    let mut out = Vec::new();
    render_num(x, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// `1 = Rất không hài lòng; 2 = Không hài lòng` — Vietnamese labels, for one spreadsheet cell.
pub(crate) fn joined_labels(labels: &[ValueLabel]) -> String {
    let mut out = String::new();
    for (i, label) in labels.iter().enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        out.push_str(&label.code);
        out.push_str(" = ");
        out.push_str(&label.label_vi);
    }
    out
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! A small but complete codebook for the writers' tests.

    use chrono::NaiveDate;

    use crate::exports::table::{Cell, Codebook, Measure, ValueLabel, VarType, Variable, Weight};

    fn label(code: &str, vi: &str, en: &str) -> ValueLabel {
        ValueLabel { code: code.into(), label_vi: vi.into(), label_en: en.into() }
    }

    fn likert() -> Vec<ValueLabel> {
        vec![
            label("1", "Rất không hài lòng", "Very dissatisfied"),
            label("2", "Không hài lòng", "Dissatisfied"),
            label("3", "Bình thường", "Neutral"),
            label("4", "Hài lòng", "Satisfied"),
            label("5", "Rất hài lòng", "Very satisfied"),
        ]
    }

    pub fn codebook() -> Codebook {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        Codebook {
            title_vi: "Dữ liệu phiếu trả lời (dạng rộng)".into(),
            title_en: "Responses (wide)".into(),
            dataset: "responses_wide".into(),
            survey_id: "dvc-2025".into(),
            survey_version: 3,
            survey_title_vi: "Khảo sát mức độ hài lòng".into(),
            survey_title_en: "Satisfaction survey".into(),
            method: "sipas-v1".into(),
            threshold: 4,
            weights: vec![
                Weight { level: "domain".into(), id: "access".into(), parent: None, weight: 0.25 },
                Weight {
                    level: "criterion".into(),
                    id: "access_time".into(),
                    parent: Some("access".into()),
                    weight: 0.5,
                },
            ],
            period_code: "2025-Q1".into(),
            period_from: date(2025, 1, 1),
            period_to: date(2025, 3, 31),
            scope_vi: "Tất cả cơ quan; quận Đống Đa".into(),
            scope_en: "All agencies; Dong Da district".into(),
            generated_at: date(2025, 4, 2).and_hms_opt(8, 30, 5).unwrap(),
            definition_hash: "0f".repeat(32),
            z: crate::indices::Z_95,
            data_through: Some(date(2025, 3, 28)),
            items: vec![crate::exports::table::ItemEntry {
                id: "q1".into(),
                kind: "rating_item".into(),
                text_vi: "Thái độ của cán bộ".into(),
                text_en: "Staff attitude".into(),
                criterion: Some(crate::exports::table::CriterionEntry {
                    id: "access_time".into(),
                    domain: "access".into(),
                    title_vi: "Thời gian".into(),
                    title_en: "Time".into(),
                    weight: 0.5,
                }),
                channels: vec!["in_person".into(), "online".into()],
            }],
            agencies: Vec::new(),
            notes: vec![
                ("Đã khử định danh".into(), "De-identified".into()),
                ("Ô < 5 bị ẩn".into(), "Cells < 5 suppressed".into()),
            ],
            variables: vec![
                Variable {
                    name: "response_id".into(),
                    label_vi: "Mã phiếu".into(),
                    label_en: "Response id".into(),
                    var_type: VarType::Integer,
                    width: 0,
                    value_labels: vec![],
                    missing: vec![],
                    measure: Measure::Nominal,
                    range: None,
                },
                Variable {
                    name: "submitted_on".into(),
                    label_vi: "Ngày nộp".into(),
                    label_en: "Submission date".into(),
                    var_type: VarType::Date,
                    width: 0,
                    value_labels: vec![],
                    missing: vec![],
                    measure: Measure::Scale,
                    range: None,
                },
                Variable {
                    name: "channel".into(),
                    label_vi: "Kênh".into(),
                    label_en: "Channel".into(),
                    var_type: VarType::Text,
                    width: 9,
                    value_labels: vec![
                        label("in_person", "Trực tiếp", "In person"),
                        label("online", "Trực tuyến", "Online"),
                    ],
                    missing: vec![label("none", "Không rõ", "Unknown")],
                    measure: Measure::Nominal,
                    range: None,
                },
                Variable {
                    name: "q1".into(),
                    label_vi: "Thái độ của cán bộ 'một cửa'".into(),
                    label_en: "Staff attitude at the 'one-stop' desk".into(),
                    var_type: VarType::Integer,
                    width: 0,
                    value_labels: likert(),
                    missing: vec![
                        label("-1", "Không áp dụng", "Not applicable"),
                        label("-2", "Không trả lời", "Not answered"),
                    ],
                    measure: Measure::Ordinal,
                    range: Some((1, 5)),
                },
                Variable {
                    name: "score".into(),
                    label_vi: "Điểm chỉ số".into(),
                    label_en: "Index score".into(),
                    var_type: VarType::Decimal,
                    width: 0,
                    value_labels: vec![],
                    missing: vec![],
                    measure: Measure::Scale,
                    range: None,
                },
                Variable {
                    name: "comment".into(),
                    label_vi: "Ý kiến".into(),
                    label_en: "Comment".into(),
                    var_type: VarType::Text,
                    width: 120,
                    value_labels: vec![],
                    missing: vec![],
                    measure: Measure::Nominal,
                    range: None,
                },
            ],
        }
    }

    /// Rows that exercise every kind of cell and the awkward text.
    pub fn rows() -> Vec<Vec<Cell>> {
        let date = |y, m, d| Cell::Date(NaiveDate::from_ymd_opt(y, m, d).unwrap());
        vec![
            vec![
                Cell::Int(1),
                date(2025, 1, 15),
                Cell::Text("in_person".into()),
                Cell::Int(5),
                Cell::Num(86.5),
                Cell::Text("Nguyễn Thị Ánh — Đống Đa".into()),
            ],
            vec![
                Cell::Int(2),
                date(2025, 3, 31),
                Cell::Text("online".into()),
                Cell::Int(-1),
                Cell::Num(0.1),
                Cell::Text("a, b \"c\"\r\nd".into()),
            ],
            vec![
                Cell::Int(3),
                Cell::Empty,
                Cell::Text("none".into()),
                Cell::Empty,
                Cell::Num(100.0),
                Cell::Text("Rất không hài lòng".into()),
            ],
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_rows_carry_every_fact_once() {
        let codebook = fixtures::codebook();
        let rows = codebook.meta_rows();
        let keys: Vec<&str> = rows.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "title",
                "dataset",
                "survey_id",
                "survey_version",
                "survey_title",
                "definition_sha256",
                "method",
                "threshold",
                "interval",
                "units",
                "period_code",
                "period_from",
                "period_to",
                "data_through",
                "scope",
                "generated_at",
                "note_1",
                "note_2"
            ]
        );
        assert_eq!(rows[0].vi, "Dữ liệu phiếu trả lời (dạng rộng)");
        assert_eq!(rows[0].en, "Responses (wide)");
        assert_eq!(rows[11].vi, "2025-01-01");
        assert_eq!(rows[13].vi, "2025-03-28", "the data cut-off");
        assert_eq!(rows[15].en, "2025-04-02T08:30:05Z");
        assert_eq!(rows[17].vi, "Ô < 5 bị ẩn");
        assert!(rows[8].en.starts_with("Wilson score interval, 95 %, z = 1.959964"), "{}", rows[8].en);
        assert!(!rows.iter().any(|r| r.en.contains("xact")), "no interval is called exact");
    }

    #[test]
    fn items_and_agencies_tables_name_criteria_and_channels() {
        let (header, rows) = fixtures::codebook().item_rows();
        assert_eq!(header[4], "criterion_id");
        assert_eq!(rows[0][4..], ["access_time", "Thời gian", "Time", "0.5", "access", "in_person online"]);
        let readme = fixtures::codebook().readme(&[("a.csv", "dữ liệu", "the data")]);
        assert!(readme.contains("a.csv: dữ liệu") && readme.contains("a.csv: the data"), "{readme}");
        assert!(readme.contains("data_through: 2025-03-28"), "{readme}");
    }

    #[test]
    fn labels_join_into_one_cell() {
        let codebook = fixtures::codebook();
        assert_eq!(joined_labels(&codebook.variables[3].missing), "-1 = Không áp dụng; -2 = Không trả lời");
        assert_eq!(joined_labels(&[]), "");
    }
}
