//! Apache Parquet data files: typed, nullable columns (integers, decimals, UTF-8 text, dates)
//! written a row group at a time, with the whole codebook (labels, value labels, missing codes,
//! method, period, scope) as JSON in the file's key-value metadata under [`CODEBOOK_KEY`], and
//! each column's labels under `sipas.label.<column>`.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::sync::Arc;

use parquet::basic::{Compression, LogicalType, Repetition, Type as Physical};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;
use serde_json::{json, Value};

use super::format_error::FormatError;
use super::table::{Cell, Codebook, VarType, Variable};

/// The metadata key holding the codebook as JSON.
pub const CODEBOOK_KEY: &str = "sipas.codebook";

/// Rows per row group: large enough for good compression and fast scans, small enough that a
/// buffered group of the widest survey stays a few tens of megabytes.
const ROW_GROUP: usize = 50_000;

/// One buffered column of the current row group: values of the non-null cells and a
/// definition level (1 present, 0 null) per row.
enum Column {
    Int(Vec<i64>),
    Num(Vec<f64>),
    /// The UTF-8 bytes of every value one after the other, and where each value ends: one
    /// buffer per row group instead of an allocation per value (a long file has tens of
    /// millions of text cells).
    Text(Vec<u8>, Vec<usize>),
    /// Days since 1970-01-01.
    Date(Vec<i32>),
}

/// A Parquet file being written, one row at a time.
pub struct ParquetTable {
    writer: Option<SerializedFileWriter<BufWriter<File>>>,
    variables: Vec<Variable>,
    columns: Vec<(Column, Vec<i16>)>,
    rows: usize,
}

fn parquet_type(v: &Variable) -> Result<Arc<Type>, FormatError> {
    let (physical, logical) = match v.var_type {
        VarType::Integer => (Physical::INT64, None),
        VarType::Decimal => (Physical::DOUBLE, None),
        VarType::Text => (Physical::BYTE_ARRAY, Some(LogicalType::String)),
        VarType::Date => (Physical::INT32, Some(LogicalType::Date)),
    };
    let field = Type::primitive_type_builder(&v.name, physical)
        .with_repetition(Repetition::OPTIONAL)
        .with_logical_type(logical)
        .build()?;
    Ok(Arc::new(field))
}

fn empty_column(t: VarType) -> Column {
    match t {
        VarType::Integer => Column::Int(Vec::new()),
        VarType::Decimal => Column::Num(Vec::new()),
        VarType::Text => Column::Text(Vec::new(), Vec::new()),
        VarType::Date => Column::Date(Vec::new()),
    }
}

impl ParquetTable {
    /// Creates the file at `path` with one column per codebook variable.
    pub fn create(path: &Path, codebook: &Codebook) -> Result<ParquetTable, FormatError> {
        let fields = codebook.variables.iter().map(parquet_type).collect::<Result<Vec<_>, _>>()?;
        let schema = Type::group_type_builder("sipas").with_fields(fields).build()?;
        let mut metadata = vec![KeyValue::new(CODEBOOK_KEY.to_owned(), codebook_json(codebook).to_string())];
        for v in &codebook.variables {
            metadata.push(KeyValue::new(format!("sipas.label.{}", v.name), format!("{} / {}", v.label_vi, v.label_en)));
        }
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_created_by(format!("sipas {}", env!("CARGO_PKG_VERSION")))
            .set_key_value_metadata(Some(metadata))
            .set_max_row_group_row_count(Some(ROW_GROUP))
            .build();
        let file = BufWriter::with_capacity(256 * 1024, File::create(path)?);
        let writer = SerializedFileWriter::new(file, Arc::new(schema), Arc::new(properties))?;
        let columns = codebook.variables.iter().map(|v| (empty_column(v.var_type), Vec::new())).collect();
        Ok(ParquetTable { writer: Some(writer), variables: codebook.variables.clone(), columns, rows: 0 })
    }

    /// Adds one row; a cell of another type than its column is converted where that loses
    /// nothing (an integer in a decimal column, any value in a text column), else the row is
    /// refused whole, and the rows before it stay as they were.
    pub fn write_row(&mut self, row: &[Cell]) -> Result<(), FormatError> {
        if row.len() != self.columns.len() {
            return Err(FormatError::RowLength { expected: self.columns.len(), got: row.len() });
        }
        for ((column, _), (cell, v)) in self.columns.iter().zip(row.iter().zip(&self.variables)) {
            let fits = matches!(
                (column, cell),
                (_, Cell::Empty)
                    | (Column::Int(_), Cell::Int(_))
                    | (Column::Num(_), Cell::Num(_) | Cell::Int(_))
                    | (Column::Text(..), _)
                    | (Column::Date(_), Cell::Date(_))
            );
            if !fits {
                return Err(FormatError::CellType { column: v.name.clone(), cell: format!("{cell:?}") });
            }
        }
        for ((column, levels), cell) in self.columns.iter_mut().zip(row) {
            let present = match (column, cell) {
                (_, Cell::Empty) => false,
                (Column::Int(values), Cell::Int(i)) => {
                    values.push(*i);
                    true
                }
                // Like the CSV, which leaves them empty: no reader agrees on NaN and infinities.
                (Column::Num(values), Cell::Num(x)) if x.is_finite() => {
                    values.push(*x);
                    true
                }
                #[allow(clippy::cast_precision_loss)] // codes and counts, far below 2^53
                (Column::Num(values), Cell::Int(i)) => {
                    values.push(*i as f64);
                    true
                }
                (Column::Text(bytes, ends), cell) => {
                    match cell {
                        Cell::Text(s) => bytes.extend_from_slice(s.as_bytes()),
                        Cell::Int(i) => bytes.extend_from_slice(i.to_string().as_bytes()),
                        Cell::Num(x) => bytes.extend_from_slice(x.to_string().as_bytes()),
                        Cell::Date(d) => bytes.extend_from_slice(d.to_string().as_bytes()),
                        Cell::Empty => {}
                    }
                    ends.push(bytes.len());
                    true
                }
                (Column::Date(values), Cell::Date(d)) => {
                    values.push(days_since_epoch(*d));
                    true
                }
                _ => false,
            };
            levels.push(i16::from(present));
        }
        self.rows += 1;
        if self.rows >= ROW_GROUP {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the buffered rows as one row group.
    fn flush(&mut self) -> Result<(), FormatError> {
        if self.rows == 0 {
            return Ok(());
        }
        let writer = self.writer.as_mut().ok_or(FormatError::Broken("Parquet"))?;
        let mut group = writer.next_row_group()?;
        for (column, levels) in &mut self.columns {
            let mut out = group.next_column()?.ok_or(FormatError::Broken("Parquet"))?;
            let levels_ref = Some(levels.as_slice());
            match column {
                Column::Int(v) => out.typed::<Int64Type>().write_batch(v, levels_ref, None)?,
                Column::Num(v) => out.typed::<DoubleType>().write_batch(v, levels_ref, None)?,
                Column::Text(bytes, ends) => {
                    let all = bytes::Bytes::from(std::mem::take(bytes));
                    let mut start = 0;
                    let values: Vec<ByteArray> = ends
                        .iter()
                        .map(|&end| {
                            let value = ByteArray::from(all.slice(start..end));
                            start = end;
                            value
                        })
                        .collect();
                    out.typed::<ByteArrayType>().write_batch(&values, levels_ref, None)?
                }
                Column::Date(v) => out.typed::<Int32Type>().write_batch(v, levels_ref, None)?,
            };
            out.close()?;
            match column {
                Column::Int(v) => v.clear(),
                Column::Num(v) => v.clear(),
                Column::Text(bytes, ends) => {
                    bytes.clear();
                    ends.clear();
                }
                Column::Date(v) => v.clear(),
            }
            levels.clear();
        }
        group.close()?;
        self.rows = 0;
        Ok(())
    }

    /// Writes the last row group and the footer.
    pub fn finish(mut self) -> Result<(), FormatError> {
        self.flush()?;
        let writer = self.writer.take().ok_or(FormatError::Broken("Parquet"))?;
        let mut file = writer.into_inner()?;
        std::io::Write::flush(&mut file)?;
        Ok(())
    }
}

fn days_since_epoch(d: chrono::NaiveDate) -> i32 {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    i32::try_from((d - epoch).num_days()).unwrap_or(i32::MAX)
}

/// The codebook as one JSON document: what the CSV and XLSX codebooks say, for a program.
pub fn codebook_json(c: &Codebook) -> Value {
    let labels = |ls: &[super::ValueLabel]| -> Vec<Value> {
        ls.iter().map(|l| json!({ "code": l.code, "label_vi": l.label_vi, "label_en": l.label_en })).collect()
    };
    json!({
        "title_vi": c.title_vi,
        "title_en": c.title_en,
        "dataset": c.dataset,
        "survey_id": c.survey_id,
        "survey_version": c.survey_version,
        "survey_title_vi": c.survey_title_vi,
        "survey_title_en": c.survey_title_en,
        "method": c.method,
        "threshold": c.threshold,
        "z": c.z,
        "definition_sha256": c.definition_hash,
        "data_through": c.data_through,
        "weights": c.weights.iter().map(|w| json!({
            "level": w.level, "id": w.id, "parent": w.parent, "weight": w.weight,
        })).collect::<Vec<_>>(),
        "period": { "code": c.period_code, "from": c.period_from, "to": c.period_to },
        "scope_vi": c.scope_vi,
        "scope_en": c.scope_en,
        "generated_at_utc": c.generated_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "facts": c.meta_rows().into_iter().map(|r| json!({ "key": r.key, "vi": r.vi, "en": r.en })).collect::<Vec<_>>(),
        "items": table_json(c.item_rows()),
        "agencies": table_json(c.agency_rows()),
        "notes": c.notes.iter().map(|(vi, en)| json!({ "vi": vi, "en": en })).collect::<Vec<_>>(),
        "variables": c.variables.iter().map(|v| json!({
            "name": v.name,
            "label_vi": v.label_vi,
            "label_en": v.label_en,
            "type": v.var_type.code(),
            "measure": v.measure.spss_keyword().to_lowercase(),
            "value_labels": labels(&v.value_labels),
            "missing": labels(&v.missing),
            "range": v.range.map(|(lo, hi)| json!([lo, hi])),
        })).collect::<Vec<_>>(),
    })
}

/// A codebook table as a list of objects keyed by its header.
fn table_json((header, rows): (&[&str], Vec<Vec<String>>)) -> Vec<Value> {
    rows.into_iter()
        .map(|row| {
            Value::Object(header.iter().map(|h| (*h).to_owned()).zip(row.into_iter().map(Value::String)).collect())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;

    use super::*;
    use crate::exports::table::Measure;

    fn variable(name: &str, var_type: VarType) -> Variable {
        Variable {
            name: name.into(),
            label_vi: format!("Nhãn {name}"),
            label_en: format!("Label {name}"),
            var_type,
            width: 0,
            value_labels: Vec::new(),
            missing: Vec::new(),
            measure: Measure::Scale,
            range: None,
        }
    }

    fn codebook() -> Codebook {
        Codebook {
            title_vi: "Thử".into(),
            title_en: "Test".into(),
            dataset: "responses_wide".into(),
            survey_id: "s".into(),
            survey_version: 1,
            survey_title_vi: "Phiếu".into(),
            survey_title_en: "Survey".into(),
            method: "sipas-v1".into(),
            threshold: 4,
            weights: Vec::new(),
            period_code: "2026".into(),
            period_from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            period_to: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
            scope_vi: "Toàn thành phố".into(),
            scope_en: "The whole city".into(),
            generated_at: NaiveDate::from_ymd_opt(2026, 12, 7).unwrap().and_hms_opt(1, 2, 3).unwrap(),
            notes: Vec::new(),
            definition_hash: "ab".repeat(32),
            z: crate::indices::Z_95,
            data_through: NaiveDate::from_ymd_opt(2026, 12, 4),
            items: Vec::new(),
            agencies: Vec::new(),
            variables: vec![
                variable("id", VarType::Text),
                variable("a1", VarType::Integer),
                variable("share", VarType::Decimal),
                variable("day", VarType::Date),
            ],
        }
    }

    #[test]
    fn rows_come_back_typed_with_nulls_across_row_groups() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        let mut t = ParquetTable::create(&path, &codebook()).unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
        let rows = ROW_GROUP + 3;
        for i in 0..rows {
            let a1 = if i % 7 == 0 { Cell::Empty } else { Cell::Int(i64::try_from(i % 5).unwrap() + 1) };
            t.write_row(&[Cell::Text(format!("Phiếu {i}")), a1, Cell::Int(2), Cell::Date(day)]).unwrap();
        }
        assert!(matches!(
            t.write_row(&[Cell::Empty, Cell::Text("x".into()), Cell::Empty, Cell::Empty]),
            Err(FormatError::CellType { ref column, .. }) if column == "a1"
        ));
        t.finish().unwrap();

        let reader = SerializedFileReader::new(File::open(&path).unwrap()).unwrap();
        let meta = reader.metadata();
        assert_eq!(meta.num_row_groups(), 2);
        assert_eq!(meta.file_metadata().num_rows(), i64::try_from(rows).unwrap());
        let kv = meta.file_metadata().key_value_metadata().unwrap();
        let book = kv.iter().find(|k| k.key == CODEBOOK_KEY).unwrap();
        let book: Value = serde_json::from_str(book.value.as_deref().unwrap()).unwrap();
        assert_eq!(book["variables"][1]["label_vi"], "Nhãn a1");
        let first: Vec<_> = reader.get_row_iter(None).unwrap().take(2).map(Result::unwrap).collect();
        let cells: Vec<&Field> = first[0].get_column_iter().map(|(_, f)| f).collect();
        assert_eq!(cells[0], &Field::Str("Phiếu 0".into()));
        assert_eq!(cells[1], &Field::Null);
        assert_eq!(cells[2], &Field::Double(2.0));
        assert_eq!(cells[3], &Field::Date(days_since_epoch(day)));
        let second: Vec<&Field> = first[1].get_column_iter().map(|(_, f)| f).collect();
        assert_eq!(second[1], &Field::Long(2));
    }
}
