//! XLSX files: a streaming table writer whose rows go to temporary files on disk (rust_xlsxwriter's
//! constant-memory sheets), and the codebook as Vietnamese-named sheets.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::format_error::FormatError;
use super::meta::joined_labels;
use super::table::{Cell, Codebook, ValueLabel, VarType, Variable};

/// Excel's rows per sheet, the header row included.
pub(crate) const EXCEL_MAX_ROWS: u32 = 1_048_576;

/// Excel's longest cell text, in UTF-16 units.
const EXCEL_MAX_TEXT: usize = 32_767;

const DATA_SHEET: &str = "Dữ liệu";
const META_SHEET: &str = "Thông tin";
const VARIABLES_SHEET: &str = "Biến";
const LABELS_SHEET: &str = "Nhãn giá trị";
const ITEMS_SHEET: &str = "Câu hỏi";
const AGENCIES_SHEET: &str = "Cơ quan";

/// Above this estimate of a sheet's XML the package gets ZIP64 headers: a plain ZIP entry must
/// stay under 4 GiB and the writer cannot switch half-way. The estimate is rough (escaping can
/// grow text), hence the wide margin.
const ZIP64_ESTIMATE_BYTES: u64 = 1 << 30;

/// A rough XML size of one cell beside its text: `<c r="AB1048576" t="inlineStr"><is><t>`….
const CELL_XML_BYTES: u64 = 48;

/// An XLSX file being written row by row. Rows are flushed to a temporary file (one per data
/// sheet, in the output's directory) as soon as the next row starts, so memory stays flat
/// however many rows there are; the file at `path` appears only at [`XlsxTable::finish`].
pub struct XlsxTable {
    workbook: Workbook,
    path: PathBuf,
    codebook: Codebook,
    formats: Formats,
    /// Rows per sheet, header included; lowered in tests to exercise the overflow.
    sheet_limit: u32,
    data_sheets: usize,
    /// The next row to write on the current (last) data sheet.
    next_row: u32,
    largest_sheet_estimate: u64,
    sheet_estimate: u64,
    broken: bool,
}

struct Formats {
    header: Format,
    date: Format,
}

impl Formats {
    fn new() -> Self {
        Formats { header: Format::new().set_bold(), date: Format::new().set_num_format("yyyy-mm-dd") }
    }
}

impl XlsxTable {
    /// Starts a workbook for the codebook's columns; the data sheet "Dữ liệu" gets the variable
    /// names as a bold, frozen header.
    pub fn create(path: &Path, codebook: &Codebook) -> Result<Self, FormatError> {
        XlsxTable::with_sheet_limit(path, codebook, EXCEL_MAX_ROWS)
    }

    pub(crate) fn with_sheet_limit(path: &Path, codebook: &Codebook, sheet_limit: u32) -> Result<Self, FormatError> {
        let mut workbook = Workbook::new();
        // The system temp dir may be a RAM disk (tmpfs), which would put the rows back in
        // memory; the output's own directory is real disk, and the one whose space matters.
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        workbook.set_tempdir(dir)?;
        let mut table = XlsxTable {
            workbook,
            path: path.to_owned(),
            codebook: codebook.clone(),
            formats: Formats::new(),
            sheet_limit: sheet_limit.clamp(2, EXCEL_MAX_ROWS),
            data_sheets: 0,
            next_row: 0,
            largest_sheet_estimate: 0,
            sheet_estimate: 0,
            broken: false,
        };
        table.add_data_sheet()?;
        Ok(table)
    }

    /// Appends one row (one cell per variable), continuing on "Dữ liệu (2)", "Dữ liệu (3)" …
    /// when a sheet is full.
    pub fn write_row(&mut self, row: &[Cell]) -> Result<(), FormatError> {
        if self.broken {
            return Err(FormatError::Broken("XLSX"));
        }
        let expected = self.codebook.variables.len();
        if row.len() != expected {
            return Err(FormatError::RowLength { expected, got: row.len() });
        }
        if self.next_row >= self.sheet_limit {
            self.add_data_sheet()?;
        }
        let row_num = self.next_row;
        let sheet_index = self.data_sheets - 1;
        let (workbook, date) = (&mut self.workbook, &self.formats.date);
        let mut estimate = 0;
        let result = guarded(|| {
            let sheet = workbook.worksheet_from_index(sheet_index)?;
            for (col, cell) in row.iter().enumerate() {
                estimate += CELL_XML_BYTES;
                if let Cell::Text(text) = cell {
                    estimate += text.len() as u64;
                }
                write_cell(sheet, row_num, column(col)?, cell, date)?;
            }
            Ok(())
        });
        if result.is_err() {
            self.broken = true;
        }
        self.sheet_estimate += estimate;
        self.next_row += 1;
        result
    }

    fn add_data_sheet(&mut self) -> Result<(), FormatError> {
        let name = match self.data_sheets {
            0 => DATA_SHEET.to_owned(),
            n => format!("{DATA_SHEET} ({})", n + 1),
        };
        let (workbook, codebook, header) = (&mut self.workbook, &self.codebook, &self.formats.header);
        let result = guarded(|| {
            let sheet = workbook.add_worksheet_with_constant_memory()?;
            sheet.set_name(&name)?;
            sheet.set_freeze_panes(1, 0)?;
            for (col, var) in codebook.variables.iter().enumerate() {
                let col = column(col)?;
                sheet.set_column_width(col, data_column_width(var))?;
                sheet.write_string_with_format(0, col, &var.name, header)?;
            }
            Ok(())
        });
        if result.is_err() {
            self.broken = true;
        }
        result?;
        self.data_sheets += 1;
        self.next_row = 1;
        self.largest_sheet_estimate = self.largest_sheet_estimate.max(self.sheet_estimate);
        self.sheet_estimate = 0;
        Ok(())
    }

    /// Adds the codebook sheets and writes the file. Until this returns `Ok` the file at `path`
    /// may be missing or incomplete.
    pub fn finish(mut self) -> Result<(), FormatError> {
        if self.broken {
            return Err(FormatError::Broken("XLSX"));
        }
        let largest = self.largest_sheet_estimate.max(self.sheet_estimate);
        let (workbook, codebook, formats) = (&mut self.workbook, &self.codebook, &self.formats);
        guarded(|| add_codebook_sheets(workbook, codebook, formats))?;
        workbook.use_zip_large_file(largest > ZIP64_ESTIMATE_BYTES);
        save(&mut self.workbook, &self.path)
    }
}

/// A workbook with only the codebook sheets ("Thông tin", "Biến", "Nhãn giá trị", "Câu hỏi", "Cơ quan"), for
/// bundles whose data is not a table of its own.
pub fn codebook_xlsx(path: &Path, codebook: &Codebook) -> Result<(), FormatError> {
    let mut workbook = Workbook::new();
    guarded(|| add_codebook_sheets(&mut workbook, codebook, &Formats::new()))?;
    save(&mut workbook, path)
}

/// Saves through a large buffer (the zip stream otherwise writes in small pieces) and flushes
/// it ourselves, so that a failed last write is reported rather than lost in a drop.
fn save(workbook: &mut Workbook, path: &Path) -> Result<(), FormatError> {
    let mut file = BufWriter::with_capacity(1 << 20, File::create(path)?);
    guarded(|| workbook.save_to_writer(&mut file))?;
    file.flush()?;
    Ok(())
}

/// Runs rust_xlsxwriter code, turning its panics into errors. It panics instead of failing when
/// a constant-memory sheet's temporary file cannot be written (a full disk, typically), and an
/// export job must report that, not die.
fn guarded<T>(f: impl FnOnce() -> Result<T, XlsxError>) -> Result<T, FormatError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => Ok(result?),
        Err(payload) => {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "panic without a message".to_owned());
            Err(FormatError::XlsxPanic(message))
        }
    }
}

fn column(index: usize) -> Result<u16, XlsxError> {
    u16::try_from(index).map_err(|_| XlsxError::RowColumnLimitError)
}

fn write_cell(sheet: &mut Worksheet, row: u32, col: u16, cell: &Cell, date_format: &Format) -> Result<(), XlsxError> {
    match cell {
        Cell::Empty => {}
        // Excel has only doubles; every count and code we export is far below 2^53.
        Cell::Int(i) => {
            sheet.write_number(row, col, *i as f64)?;
        }
        Cell::Num(x) if x.is_finite() => {
            sheet.write_number(row, col, *x)?;
        }
        // Excel has no NaN or infinity; rust_xlsxwriter would write them as text.
        Cell::Num(_) => {}
        Cell::Text(text) => {
            sheet.write_string(row, col, excel_text(text))?;
        }
        Cell::Date(date) => match excel_serial(*date) {
            Some(serial) => {
                sheet.write_number_with_format(row, col, serial, date_format)?;
            }
            None => {
                sheet.write_string(row, col, date.format("%Y-%m-%d").to_string())?;
            }
        },
    }
    Ok(())
}

/// Text cut to Excel's cell limit rather than failing a million-row export over one essay.
fn excel_text(text: &str) -> Cow<'_, str> {
    // A UTF-8 string is never shorter in bytes than in UTF-16 units.
    if text.len() <= EXCEL_MAX_TEXT {
        return Cow::Borrowed(text);
    }
    let mut units = 0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        if units + c.len_utf16() > EXCEL_MAX_TEXT {
            break;
        }
        units += c.len_utf16();
        end = i + c.len_utf8();
    }
    Cow::Borrowed(&text[..end])
}

/// Days since 1899-12-30, Excel's date serial. Excel pretends 1900 was a leap year, so the
/// serials before March 1900 are off by one; such dates are written as text instead.
fn excel_serial(date: NaiveDate) -> Option<f64> {
    let first = NaiveDate::from_ymd_opt(1900, 3, 1)?;
    let last = NaiveDate::from_ymd_opt(9999, 12, 31)?;
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    if date < first || date > last {
        return None;
    }
    Some((date - epoch).num_days() as f64)
}

fn data_column_width(var: &Variable) -> f64 {
    let content = match var.var_type {
        VarType::Integer => 8,
        VarType::Decimal => 10,
        VarType::Date => 11,
        VarType::Text => var.width.clamp(8, 40),
    };
    (var.name.chars().count().max(content) + 2) as f64
}

fn add_codebook_sheets(workbook: &mut Workbook, codebook: &Codebook, formats: &Formats) -> Result<(), XlsxError> {
    let bold = &formats.header;

    let sheet = codebook_sheet(workbook, META_SHEET, &[("key", 22.0), ("Tiếng Việt", 60.0), ("English", 60.0)], bold)?;
    let mut row = 1;
    for meta in codebook.meta_rows() {
        sheet.write_string(row, 0, meta.key)?;
        sheet.write_string(row, 1, meta.vi)?;
        sheet.write_string(row, 2, meta.en)?;
        row += 1;
    }
    if !codebook.weights.is_empty() {
        row += 1;
        sheet.write_string_with_format(row, 0, "Trọng số / Weights", bold)?;
        row += 1;
        for (col, title) in ["id", "level", "parent", "weight"].into_iter().enumerate() {
            sheet.write_string_with_format(row, column(col)?, title, bold)?;
        }
        sheet.set_column_width(3, 12)?;
        for weight in &codebook.weights {
            row += 1;
            sheet.write_string(row, 0, &weight.id)?;
            sheet.write_string(row, 1, &weight.level)?;
            sheet.write_string(row, 2, weight.parent.as_deref().unwrap_or(""))?;
            sheet.write_number(row, 3, weight.weight)?;
        }
    }

    let sheet = codebook_sheet(
        workbook,
        VARIABLES_SHEET,
        &[
            ("name", 20.0),
            ("label_vi", 50.0),
            ("label_en", 50.0),
            ("type", 10.0),
            ("value_labels", 70.0),
            ("missing_codes", 40.0),
        ],
        bold,
    )?;
    for (i, var) in codebook.variables.iter().enumerate() {
        let row = row_number(i + 1)?;
        sheet.write_string(row, 0, &var.name)?;
        sheet.write_string(row, 1, excel_text(&var.label_vi))?;
        sheet.write_string(row, 2, excel_text(&var.label_en))?;
        sheet.write_string(row, 3, var.var_type.code())?;
        sheet.write_string(row, 4, excel_text(&joined_labels(&var.value_labels)))?;
        sheet.write_string(row, 5, excel_text(&joined_labels(&var.missing)))?;
    }

    let sheet = codebook_sheet(
        workbook,
        LABELS_SHEET,
        &[("variable", 20.0), ("code", 12.0), ("label_vi", 50.0), ("label_en", 50.0), ("missing", 9.0)],
        bold,
    )?;
    let mut row = 0;
    for var in &codebook.variables {
        let labels = var.value_labels.iter().map(|l| (l, 0)).chain(var.missing.iter().map(|l| (l, 1)));
        for (label, missing) in labels {
            row += 1;
            sheet.write_string(row, 0, &var.name)?;
            write_code(sheet, row, 1, var, label)?;
            sheet.write_string(row, 2, excel_text(&label.label_vi))?;
            sheet.write_string(row, 3, excel_text(&label.label_en))?;
            sheet.write_number(row, 4, missing)?;
        }
    }

    for (name, (header, rows)) in [(ITEMS_SHEET, codebook.item_rows()), (AGENCIES_SHEET, codebook.agency_rows())] {
        let columns: Vec<(&str, f64)> =
            header.iter().map(|h| (*h, if h.contains("_vi") || h.contains("_en") { 40.0 } else { 16.0 })).collect();
        let sheet = codebook_sheet(workbook, name, &columns, bold)?;
        for (r, cells) in rows.iter().enumerate() {
            for (c, cell) in cells.iter().enumerate() {
                sheet.write_string(row_number(r + 1)?, column(c)?, excel_text(cell))?;
            }
        }
    }
    Ok(())
}

/// A code of a numeric variable is written as a number so that it matches the data sheet in a
/// lookup; other codes as text.
fn write_code(sheet: &mut Worksheet, row: u32, col: u16, var: &Variable, label: &ValueLabel) -> Result<(), XlsxError> {
    let numeric = matches!(var.var_type, VarType::Integer | VarType::Decimal);
    match label.code.parse::<f64>() {
        Ok(x) if numeric && x.is_finite() => sheet.write_number(row, col, x)?,
        _ => sheet.write_string(row, col, &label.code)?,
    };
    Ok(())
}

fn row_number(index: usize) -> Result<u32, XlsxError> {
    u32::try_from(index).map_err(|_| XlsxError::RowColumnLimitError)
}

/// A small in-memory sheet with a bold, frozen header row.
fn codebook_sheet<'a>(
    workbook: &'a mut Workbook,
    name: &str,
    columns: &[(&str, f64)],
    bold: &Format,
) -> Result<&'a mut Worksheet, XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name(name)?;
    sheet.set_freeze_panes(1, 0)?;
    for (col, (title, width)) in columns.iter().enumerate() {
        let col = column(col)?;
        sheet.set_column_width(col, *width)?;
        sheet.write_string_with_format(0, col, *title, bold)?;
    }
    Ok(sheet)
}

#[cfg(test)]
mod tests {
    use calamine::{open_workbook, Data, DataType, Range, Reader, Xlsx};

    use super::*;
    use crate::exports::meta::fixtures;

    fn read(path: &Path) -> Xlsx<std::io::BufReader<File>> {
        open_workbook(path).unwrap()
    }

    fn sheet(book: &mut Xlsx<std::io::BufReader<File>>, name: &str) -> Range<Data> {
        book.worksheet_range(name).unwrap()
    }

    fn text(cell: &Data) -> &str {
        match cell {
            Data::String(s) => s,
            other => panic!("not text: {other:?}"),
        }
    }

    fn write_fixture(dir: &Path, limit: u32) -> PathBuf {
        let codebook = fixtures::codebook();
        let path = dir.join("data.xlsx");
        let mut table = XlsxTable::with_sheet_limit(&path, &codebook, limit).unwrap();
        for row in fixtures::rows() {
            table.write_row(&row).unwrap();
        }
        table.finish().unwrap();
        path
    }

    #[test]
    fn sheets_have_vietnamese_names_and_typed_cells() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_fixture(dir.path(), EXCEL_MAX_ROWS);
        let mut book = read(&path);
        assert_eq!(book.sheet_names(), ["Dữ liệu", "Thông tin", "Biến", "Nhãn giá trị", "Câu hỏi", "Cơ quan"]);

        let data = sheet(&mut book, "Dữ liệu");
        assert_eq!(data.get_size(), (4, 6));
        let header: Vec<&str> = data.rows().next().unwrap().iter().map(text).collect();
        assert_eq!(header, fixtures::codebook().header());

        let row = |r: usize| data.rows().nth(r).unwrap();
        assert_eq!(row(1)[0], Data::Float(1.0));
        assert_eq!(row(1)[1].as_date(), NaiveDate::from_ymd_opt(2025, 1, 15));
        assert!(row(1)[1].is_datetime());
        assert_eq!(text(&row(1)[2]), "in_person");
        assert_eq!(row(1)[3], Data::Float(5.0));
        assert_eq!(row(1)[4], Data::Float(86.5));
        assert_eq!(text(&row(1)[5]), "Nguyễn Thị Ánh — Đống Đa");

        assert_eq!(row(2)[1].as_date(), NaiveDate::from_ymd_opt(2025, 3, 31));
        assert_eq!(row(2)[3], Data::Float(-1.0));
        assert_eq!(row(2)[4], Data::Float(0.1));
        assert_eq!(text(&row(2)[5]), "a, b \"c\"\r\nd");

        assert_eq!(row(3)[1], Data::Empty);
        assert_eq!(row(3)[3], Data::Empty);
        assert_eq!(row(3)[4], Data::Float(100.0));
        assert_eq!(text(&row(3)[5]), "Rất không hài lòng");
    }

    #[test]
    fn full_sheets_continue_on_numbered_sheets_with_the_header() {
        let dir = tempfile::tempdir().unwrap();
        // Two data rows per sheet: the three fixture rows need two sheets.
        let path = write_fixture(dir.path(), 3);
        let mut book = read(&path);
        assert_eq!(
            book.sheet_names(),
            ["Dữ liệu", "Dữ liệu (2)", "Thông tin", "Biến", "Nhãn giá trị", "Câu hỏi", "Cơ quan"]
        );
        let first = sheet(&mut book, "Dữ liệu");
        let second = sheet(&mut book, "Dữ liệu (2)");
        assert_eq!(first.height(), 3);
        assert_eq!(second.height(), 2);
        let header = |range: &Range<Data>| -> Vec<String> {
            range.rows().next().unwrap().iter().map(|c| text(c).to_owned()).collect()
        };
        assert_eq!(header(&second), header(&first));
        assert_eq!(first.rows().nth(2).unwrap()[0], Data::Float(2.0));
        assert_eq!(second.rows().nth(1).unwrap()[0], Data::Float(3.0));
        assert_eq!(text(&second.rows().nth(1).unwrap()[5]), "Rất không hài lòng");
    }

    #[test]
    fn an_empty_table_still_has_its_header() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.xlsx");
        XlsxTable::create(&path, &fixtures::codebook()).unwrap().finish().unwrap();
        let data = sheet(&mut read(&path), "Dữ liệu");
        assert_eq!(data.get_size(), (1, 6));
    }

    fn assert_codebook_sheets(book: &mut Xlsx<std::io::BufReader<File>>) {
        let codebook = fixtures::codebook();

        let meta = sheet(book, "Thông tin");
        let rows: Vec<Vec<String>> = meta.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
        assert_eq!(rows[0][..3], ["key", "Tiếng Việt", "English"]);
        for (i, expected) in codebook.meta_rows().iter().enumerate() {
            assert_eq!(rows[i + 1][..3], [expected.key.as_str(), &expected.vi, &expected.en]);
        }
        let weights = rows.iter().position(|r| r[0] == "Trọng số / Weights").unwrap();
        assert_eq!(rows[weights + 1], ["id", "level", "parent", "weight"]);
        assert_eq!(rows[weights + 2], ["access", "domain", "", "0.25"]);
        assert_eq!(rows[weights + 3], ["access_time", "criterion", "access", "0.5"]);

        let variables = sheet(book, "Biến");
        let rows: Vec<Vec<String>> = variables.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
        assert_eq!(rows[0], ["name", "label_vi", "label_en", "type", "value_labels", "missing_codes"]);
        assert_eq!(rows.len(), codebook.variables.len() + 1);
        for (var, row) in codebook.variables.iter().zip(&rows[1..]) {
            assert_eq!(row[0], var.name);
            assert_eq!(row[1], var.label_vi);
            assert_eq!(row[3], var.var_type.code());
        }
        assert!(rows[4][4].starts_with("1 = Rất không hài lòng; 2 = Không hài lòng; "));
        assert_eq!(rows[4][5], "-1 = Không áp dụng; -2 = Không trả lời");

        let labels = sheet(book, "Nhãn giá trị");
        let rows: Vec<&[Data]> = labels.rows().collect();
        assert_eq!(
            rows[0].iter().map(text).collect::<Vec<_>>(),
            ["variable", "code", "label_vi", "label_en", "missing"]
        );
        let expected: usize = codebook.variables.iter().map(|v| v.value_labels.len() + v.missing.len()).sum();
        assert_eq!(rows.len(), expected + 1);
        assert_eq!(rows[1][1], Data::String("in_person".into()));
        let not_applicable = rows.iter().find(|r| r[2] == Data::String("Không áp dụng".into()));
        let not_applicable = not_applicable.unwrap();
        assert_eq!(not_applicable[0], Data::String("q1".into()));
        assert_eq!(not_applicable[1], Data::Float(-1.0));
        assert_eq!(not_applicable[4], Data::Float(1.0));
    }

    #[test]
    fn codebook_sheets_describe_every_variable() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_fixture(dir.path(), EXCEL_MAX_ROWS);
        assert_codebook_sheets(&mut read(&path));
    }

    #[test]
    fn codebook_workbook_has_only_the_codebook() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("codebook.xlsx");
        codebook_xlsx(&path, &fixtures::codebook()).unwrap();
        let mut book = read(&path);
        assert_eq!(book.sheet_names(), ["Thông tin", "Biến", "Nhãn giá trị", "Câu hỏi", "Cơ quan"]);
        assert_codebook_sheets(&mut book);
    }

    #[test]
    fn rows_of_the_wrong_length_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.xlsx");
        let mut table = XlsxTable::create(&path, &fixtures::codebook()).unwrap();
        let failure = table.write_row(&[Cell::Int(1)]).unwrap_err();
        assert!(matches!(failure, FormatError::RowLength { expected: 6, got: 1 }));
    }

    #[test]
    fn overlong_text_is_cut_at_excels_limit() {
        let long = "Đ".repeat(40_000);
        let cut = excel_text(&long);
        assert_eq!(cut.chars().count(), EXCEL_MAX_TEXT);
        let emoji = "😀".repeat(20_000);
        assert_eq!(excel_text(&emoji).encode_utf16().count(), EXCEL_MAX_TEXT - 1);
        assert_eq!(excel_text("ngắn"), "ngắn");
    }

    #[test]
    fn dates_become_excel_serials() {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(excel_serial(date(1900, 3, 1)), Some(61.0));
        assert_eq!(excel_serial(date(2025, 1, 15)), Some(45672.0));
        assert_eq!(excel_serial(date(1900, 2, 28)), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_full_disk_is_reported_as_such() {
        // The temporary files go beside the output, and /dev is writable for root only; write
        // the sheet data to a real directory and only the finished package to /dev/full.
        let dir = tempfile::tempdir().unwrap();
        let mut table = XlsxTable::create(&dir.path().join("x.xlsx"), &fixtures::codebook()).unwrap();
        for row in fixtures::rows() {
            table.write_row(&row).unwrap();
        }
        table.path = PathBuf::from("/dev/full");
        let failure = table.finish().unwrap_err();
        assert!(failure.is_disk_full(), "{failure:?}");
    }

    #[test]
    fn a_panic_inside_the_writer_becomes_an_error() {
        let failure = guarded::<()>(|| {
            let e = std::io::Error::from(std::io::ErrorKind::StorageFull);
            // What rust_xlsxwriter's `expect(XML_WRITE_ERROR)` does on a failed write.
            panic!("Couldn't write to xml file: {e:?}");
        })
        .unwrap_err();
        assert!(matches!(failure, FormatError::XlsxPanic(_)));
        assert!(failure.is_disk_full(), "{failure:?}");
    }
}
