//! CSV files: a streaming table writer (UTF-8, optional byte-order mark, RFC 4180) and the
//! codebook as one rectangular CSV table.

use std::borrow::Cow;
use std::fs::File;
use std::io::Write;
use std::path::Path;

use chrono::Datelike;

use super::format_error::FormatError;
use super::table::{Cell, Codebook, ValueLabel};

/// The UTF-8 byte-order mark: Excel needs it to read a CSV as UTF-8 rather than the ANSI code
/// page; R, pandas and SPSS do not, and some tools show it as part of the first header.
pub const BOM: &[u8] = "\u{FEFF}".as_bytes();

/// The csv writer keeps its own buffer, so no `BufWriter` goes under it; a large one turns a
/// million rows into a few hundred big writes instead of tens of thousands of small ones.
const BUFFER_BYTES: usize = 1 << 20;

/// First characters that make a spreadsheet take a cell for a formula (`=`, `+`, `-`, `@`) or
/// that can hide one behind blank space (tab, carriage return).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// What a line break in a text cell is written as: GNU PSPP's `GET DATA` (like IBM SPSS's text
/// import) cannot read a quoted CSV field that spans lines, and one citizen's two-line comment
/// would shift every later column of the file. One mark per break (CRLF is one), so the
/// original is a replace away; the XLSX keeps the breaks.
pub const LINE_BREAK_MARK: char = '↵';

/// A text cell made safe to open in a spreadsheet (OWASP's rule against CSV injection): text
/// starting with one of [`FORMULA_STARTS`] gets a single quote in front, which spreadsheets
/// show as text and never evaluate. A plain number is left alone, so that `-1` and `-2` stay
/// the missing codes they are; numbers cannot run anything. Line breaks then become
/// [`LINE_BREAK_MARK`].
pub(crate) fn neutralised(text: &str) -> Cow<'_, str> {
    let quoted = if text.starts_with(FORMULA_STARTS) && !is_plain_number(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    };
    if !quoted.contains(['\r', '\n']) {
        return quoted;
    }
    let mark = LINE_BREAK_MARK.to_string();
    Cow::Owned(quoted.replace("\r\n", &mark).replace(['\r', '\n'], &mark))
}

/// `-12`, `3.5`, `-0.25`: an optional minus, digits, and optionally a point and digits.
fn is_plain_number(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    all_digits(whole) && all_digits(fraction)
}

/// A CSV file being written row by row; nothing but the current buffer is held in memory.
pub struct CsvTable<W: Write = File> {
    writer: csv::Writer<W>,
    /// Reused for every number and date so rendering a cell does not allocate.
    scratch: Vec<u8>,
}

impl CsvTable<File> {
    /// Creates (or truncates) `path` and writes the optional byte-order mark and the header.
    pub fn create(path: &Path, bom: bool, header: &[&str]) -> Result<Self, FormatError> {
        CsvTable::from_writer(File::create(path)?, bom, header)
    }
}

impl<W: Write> CsvTable<W> {
    /// Writes to any sink, e.g. a pipe or a test double.
    pub fn from_writer(mut sink: W, bom: bool, header: &[&str]) -> Result<Self, FormatError> {
        if bom {
            sink.write_all(BOM)?;
        }
        let mut writer =
            csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).buffer_capacity(BUFFER_BYTES).from_writer(sink);
        writer.write_record(header)?;
        Ok(CsvTable { writer, scratch: Vec::with_capacity(64) })
    }

    /// Appends one row; it must have as many cells as the header has names. Text cells are
    /// [`neutralised`]; numbers and dates are written as they are.
    pub fn write_row(&mut self, row: &[Cell]) -> Result<(), FormatError> {
        for cell in row {
            match cell {
                Cell::Text(text) => self.writer.write_field(neutralised(text).as_bytes())?,
                other => {
                    render_cell(other, &mut self.scratch);
                    self.writer.write_field(&self.scratch)?;
                }
            }
        }
        self.writer.write_record(std::iter::empty::<&[u8]>())?;
        Ok(())
    }

    /// Appends a row of plain strings (codebook rows), each [`neutralised`]; the codes in them
    /// that are numbers (`-1`) stay numbers.
    fn write_texts(&mut self, fields: &[&str]) -> Result<(), FormatError> {
        self.writer.write_record(fields.iter().map(|f| neutralised(f).into_owned()))?;
        Ok(())
    }

    /// Flushes everything to the sink. Dropping a table without `finish` also flushes, but
    /// silently loses the error — a full disk would go unnoticed.
    pub fn finish(mut self) -> Result<(), FormatError> {
        self.writer.flush()?;
        Ok(())
    }
}

/// Renders a non-text cell into `out` (cleared first).
fn render_cell(cell: &Cell, out: &mut Vec<u8>) {
    out.clear();
    match cell {
        Cell::Empty => {}
        Cell::Int(i) => out.extend_from_slice(itoa::Buffer::new().format(*i).as_bytes()),
        Cell::Num(x) => super::meta::render_num(*x, out),
        Cell::Text(text) => out.extend_from_slice(text.as_bytes()),
        Cell::Date(date) => {
            let (year, month, day) = (date.year(), date.month(), date.day());
            if (0..=9999).contains(&year) {
                push_padded(out, year as u32, 4);
                out.push(b'-');
                push_padded(out, month, 2);
                out.push(b'-');
                push_padded(out, day, 2);
            } else {
                // chrono's own ISO form (`+12345-01-01`) for years that need a sign or a fifth
                // digit; they do not occur in survey data, so speed does not matter here.
                let _ = write!(out, "{date}");
            }
        }
    }
}

fn push_padded(out: &mut Vec<u8>, value: u32, width: usize) {
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(value);
    out.extend(std::iter::repeat_n(b'0', width.saturating_sub(digits.len())));
    out.extend_from_slice(digits.as_bytes());
}

/// The codebook as one CSV table, `section,variable,code,label_vi,label_en,type,missing`, so
/// that it loads as a single rectangle: `meta` rows (key in `variable`, the value in each
/// language), `weight` rows (id, weight, level, parent), one `variable` row per column, and one
/// `value` row per value label (`missing` = 0) or missing code (`missing` = 1).
pub fn codebook_csv(path: &Path, bom: bool, codebook: &Codebook) -> Result<(), FormatError> {
    const HEADER: [&str; 7] = ["section", "variable", "code", "label_vi", "label_en", "type", "missing"];
    let mut table = CsvTable::create(path, bom, &HEADER)?;
    for row in codebook.meta_rows() {
        table.write_texts(&["meta", &row.key, "", &row.vi, &row.en, "", ""])?;
    }
    for weight in &codebook.weights {
        let value = super::meta::decimal_string(weight.weight);
        let parent = weight.parent.as_deref().unwrap_or("");
        table.write_texts(&["weight", &weight.id, &value, &weight.level, parent, "", ""])?;
    }
    for var in &codebook.variables {
        let kind = var.var_type.code();
        table.write_texts(&["variable", &var.name, "", &var.label_vi, &var.label_en, kind, ""])?;
    }
    let value_row = |table: &mut CsvTable, name: &str, label: &ValueLabel, missing: &str| {
        table.write_texts(&["value", name, &label.code, &label.label_vi, &label.label_en, "", missing])
    };
    for var in &codebook.variables {
        for label in &var.value_labels {
            value_row(&mut table, &var.name, label, "0")?;
        }
        for label in &var.missing {
            value_row(&mut table, &var.name, label, "1")?;
        }
    }
    table.finish()
}

/// A table of the codebook (items, agencies) as a CSV of its own, every cell [`neutralised`].
pub fn rows_csv(path: &Path, bom: bool, header: &[&str], rows: &[Vec<String>]) -> Result<(), FormatError> {
    let mut table = CsvTable::create(path, bom, header)?;
    for row in rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        table.write_texts(&cells)?;
    }
    table.finish()
}

#[cfg(test)]
mod tests {
    use std::io;

    use chrono::NaiveDate;

    use super::*;
    use crate::exports::meta::fixtures;

    fn read_back(bytes: &[u8]) -> Vec<Vec<String>> {
        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(bytes);
        reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect()
    }

    fn write_fixture(bom: bool) -> Vec<u8> {
        let codebook = fixtures::codebook();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.csv");
        let mut table = CsvTable::create(&path, bom, &codebook.header()).unwrap();
        for row in fixtures::rows() {
            table.write_row(&row).unwrap();
        }
        table.finish().unwrap();
        std::fs::read(&path).unwrap()
    }

    #[test]
    fn byte_order_mark_is_there_only_when_asked_for() {
        let with = write_fixture(true);
        let without = write_fixture(false);
        assert_eq!(&with[..3], [0xEF, 0xBB, 0xBF]);
        assert_eq!(&with[3..], &without[..]);
        assert!(without.starts_with(b"response_id,submitted_on,channel,q1,score,comment\r\n"));
    }

    #[test]
    fn rows_are_rfc_4180_byte_for_byte() {
        let bytes = write_fixture(false);
        let text = String::from_utf8(bytes).unwrap();
        let expected = "response_id,submitted_on,channel,q1,score,comment\r\n\
            1,2025-01-15,in_person,5,86.5,Nguyễn Thị Ánh — Đống Đa\r\n\
            2,2025-03-31,online,-1,0.1,\"a, b \"\"c\"\"↵d\"\r\n\
            3,,none,,100,Rất không hài lòng\r\n";
        assert_eq!(text, expected);
    }

    #[test]
    fn reading_back_gives_the_cells_written() {
        let bytes = write_fixture(true);
        let rows = read_back(bytes.strip_prefix(BOM).unwrap());
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0], fixtures::codebook().header());
        assert_eq!(rows[1], ["1", "2025-01-15", "in_person", "5", "86.5", "Nguyễn Thị Ánh — Đống Đa"]);
        assert_eq!(rows[2], ["2", "2025-03-31", "online", "-1", "0.1", "a, b \"c\"↵d"]);
        assert_eq!(rows[3], ["3", "", "none", "", "100", "Rất không hài lòng"]);
    }

    #[test]
    fn numbers_render_short_exact_and_without_exponent() {
        let render = |cell: Cell| {
            let mut out = Vec::new();
            render_cell(&cell, &mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(render(Cell::Int(i64::MIN)), "-9223372036854775808");
        assert_eq!(render(Cell::Int(0)), "0");
        assert_eq!(render(Cell::Num(86.5)), "86.5");
        assert_eq!(render(Cell::Num(0.1)), "0.1");
        assert_eq!(render(Cell::Num(-0.0)), "0");
        assert_eq!(render(Cell::Num(1.0 / 3.0)), "0.3333333333333333");
        assert_eq!(render(Cell::Num(1e-7)), "0.0000001");
        assert_eq!(render(Cell::Num(2.5e15)), "2500000000000000");
        assert_eq!(render(Cell::Num(f64::NAN)), "");
        assert_eq!(render(Cell::Num(f64::NEG_INFINITY)), "");
        assert_eq!(render(Cell::Date(NaiveDate::from_ymd_opt(987, 6, 5).unwrap())), "0987-06-05");
        assert_eq!(render(Cell::Empty), "");
        for x in [0.1 + 0.2, 123.456, 1e-300, 9007199254740993.0] {
            assert_eq!(render(Cell::Num(x)).parse::<f64>().unwrap(), x);
        }
    }

    #[test]
    fn formula_text_is_neutralised_and_numbers_stay_numbers() {
        let mut table = CsvTable::from_writer(Vec::new(), false, &["a", "b", "c", "d"]).unwrap();
        let text = |s: &str| Cell::Text(s.into());
        let rows = [
            [text("=HYPERLINK(\"http://x\",\"y\")"), text("+1+2"), text("-1+A1"), text("@SUM(A1)")],
            [text("\tx"), text("\r=1"), text("-1"), Cell::Int(-2)],
            [text("-0.5"), Cell::Num(-1.5), text("a=b"), text("Rất hài lòng - tốt")],
        ];
        for row in &rows {
            table.write_row(row).unwrap();
        }
        let bytes = table.writer.into_inner().map_err(|e| e.to_string()).unwrap();
        let read = read_back(&bytes);
        assert_eq!(read[1], ["'=HYPERLINK(\"http://x\",\"y\")", "'+1+2", "'-1+A1", "'@SUM(A1)"]);
        assert_eq!(read[2], ["'\tx", "'↵=1", "-1", "-2"]);
        assert_eq!(read[3], ["-0.5", "-1.5", "a=b", "Rất hài lòng - tốt"]);

        assert_eq!(neutralised("-12"), "-12");
        assert_eq!(neutralised("một\r\nhai\nba\r\rbốn"), "một↵hai↵ba↵↵bốn");
        assert_eq!(neutralised("-"), "'-");
        assert_eq!(neutralised("-1."), "'-1.");
        assert_eq!(neutralised("-1e3"), "'-1e3");
        assert_eq!(neutralised("--1"), "'--1");
        assert!(matches!(neutralised("Hà Nội"), Cow::Borrowed("Hà Nội")));
    }

    #[test]
    fn codebook_csv_neutralises_labels_but_not_codes() {
        let mut codebook = fixtures::codebook();
        codebook.variables[3].label_vi = "=cmd|' /C calc'!A0".into();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("codebook.csv");
        codebook_csv(&path, false, &codebook).unwrap();
        let rows = read_back(&std::fs::read(&path).unwrap());
        let q1 = rows.iter().find(|r| r[0] == "variable" && r[1] == "q1").unwrap();
        assert_eq!(q1[3], "'=cmd|' /C calc'!A0");
        let minus_one = rows.iter().find(|r| r[0] == "value" && r[1] == "q1" && r[6] == "1").unwrap();
        assert_eq!(minus_one[2..4], ["-1", "Không áp dụng"]);
    }

    #[test]
    fn a_row_of_the_wrong_length_is_refused() {
        let mut table = CsvTable::from_writer(Vec::new(), false, &["a", "b"]).unwrap();
        assert!(table.write_row(&[Cell::Int(1)]).is_err());
    }

    #[test]
    fn codebook_csv_covers_every_variable_and_label() {
        let codebook = fixtures::codebook();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("codebook.csv");
        codebook_csv(&path, true, &codebook).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let rows = read_back(bytes.strip_prefix(BOM).unwrap());

        assert_eq!(rows[0], ["section", "variable", "code", "label_vi", "label_en", "type", "missing"]);
        assert!(rows.iter().all(|r| r.len() == 7));
        let section = |name: &str| -> Vec<&Vec<String>> { rows.iter().filter(|r| r[0] == name).collect() };

        let meta = section("meta");
        assert_eq!(meta.len(), 18);
        assert_eq!(meta[0][1..5], ["title", "", "Dữ liệu phiếu trả lời (dạng rộng)", "Responses (wide)"]);
        let generated = meta.iter().find(|r| r[1] == "generated_at").unwrap();
        assert_eq!(generated[3], "2025-04-02T08:30:05Z");
        assert_eq!(meta[17][1..5], ["note_2", "", "Ô < 5 bị ẩn", "Cells < 5 suppressed"]);

        let weights = section("weight");
        assert_eq!(weights.len(), 2);
        assert_eq!(weights[0][1..5], ["access", "0.25", "domain", ""]);
        assert_eq!(weights[1][1..5], ["access_time", "0.5", "criterion", "access"]);

        let variables = section("variable");
        let names: Vec<&str> = variables.iter().map(|r| r[1].as_str()).collect();
        assert_eq!(names, codebook.header());
        assert_eq!(
            variables[3][3..6],
            ["Thái độ của cán bộ 'một cửa'", "Staff attitude at the 'one-stop' desk", "integer"]
        );
        assert_eq!(variables[1][5], "date");

        let values = section("value");
        let expected: usize = codebook.variables.iter().map(|v| v.value_labels.len() + v.missing.len()).sum();
        assert_eq!(values.len(), expected);
        for var in &codebook.variables {
            for (labels, flag) in [(&var.value_labels, "0"), (&var.missing, "1")] {
                for label in labels {
                    let row = ["value", &var.name, &label.code, &label.label_vi, &label.label_en, "", flag];
                    assert!(values.iter().any(|r| **r == row), "missing {row:?}");
                }
            }
        }
    }

    /// A sink that takes `room` bytes and then reports a full disk.
    struct FullAfter {
        room: usize,
    }

    impl Write for FullAfter {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::Error::from(io::ErrorKind::StorageFull));
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_full_disk_is_reported_as_such() {
        let mut table = CsvTable::from_writer(FullAfter { room: 10 }, true, &["a"]).unwrap();
        let mut failure = None;
        for i in 0..1_000_000 {
            if let Err(e) = table.write_row(&[Cell::Int(i)]) {
                failure = Some(e);
                break;
            }
        }
        let failure = match failure {
            Some(e) => e,
            None => table.finish().unwrap_err(),
        };
        assert!(failure.is_disk_full(), "{failure:?}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn dev_full_is_reported_as_a_full_disk() {
        let table = CsvTable::create(Path::new("/dev/full"), false, &["a"]);
        // The header sits in the buffer; the disk is only asked at the flush.
        let failure = table.unwrap().finish().unwrap_err();
        assert!(failure.is_disk_full(), "{failure:?}");

        let failure = CsvTable::create(Path::new("/dev/full"), true, &["a"]).err().unwrap();
        assert!(failure.is_disk_full(), "{failure:?}");
    }

    #[test]
    fn other_write_failures_are_not_disk_full() {
        let dir = tempfile::tempdir().unwrap();
        let failure = CsvTable::create(&dir.path().join("no/such/dir.csv"), false, &["a"]).err().unwrap();
        assert!(!failure.is_disk_full());
    }
}
