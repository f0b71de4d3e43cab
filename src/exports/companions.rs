//! The files of an export beside its data tables: for CSV, each table's codebook and SPSS
//! syntax plus the items and agencies tables; for a ZIP, all of that with the XLSX codebooks
//! and a README, bundled. XLSX and Parquet tables describe themselves.

use std::path::{Path, PathBuf};

use super::csv_file::rows_csv;
use super::request::{ExportRequest, Format};
use super::table::Codebook;
use super::{codebook_csv, codebook_xlsx, spss_syntax, write_zip, FormatError};

/// Names and content types of the files a job offers.
pub type Written = Vec<(String, &'static str)>;

const CSV: &str = "text/csv; charset=utf-8";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const PARQUET: &str = "application/vnd.apache.parquet";
const SPS: &str = "text/plain; charset=utf-8";

/// The data file of a table, as its sink writes it.
pub fn data_file(format: Format, stem: &str) -> String {
    match format {
        Format::Xlsx => format!("{stem}.xlsx"),
        Format::Parquet => format!("{stem}.parquet"),
        Format::Csv | Format::Zip => format!("{stem}.csv"),
    }
}

/// Writes the companions of `tables` (file stem and codebook; the first is the main table)
/// in `partial` and returns every file the job offers, data files included.
pub fn write(req: &ExportRequest, tables: &[(String, Codebook)], partial: &Path) -> Result<Written, FormatError> {
    let Some((main_stem, main)) = tables.first() else { return Ok(Vec::new()) };
    let data = |stem: &str| data_file(req.format, stem);
    match req.format {
        Format::Xlsx => return Ok(tables.iter().map(|(stem, _)| (data(stem), XLSX)).collect()),
        Format::Parquet => return Ok(tables.iter().map(|(stem, _)| (data(stem), PARQUET)).collect()),
        Format::Csv | Format::Zip => {}
    }
    // (file name, content type, what it is in Vietnamese and in English)
    let mut files: Vec<(String, &'static str, String, String)> = Vec::new();
    for (i, (stem, codebook)) in tables.iter().enumerate() {
        let (what_vi, what_en) = if i == 0 {
            ("dữ liệu".to_owned(), "the data".to_owned())
        } else {
            (codebook.title_vi.to_lowercase(), codebook.title_en.to_lowercase())
        };
        let codebook_name = format!("{stem}_codebook.csv");
        codebook_csv(&partial.join(&codebook_name), req.bom, codebook)?;
        let sps_name = format!("{stem}.sps");
        std::fs::write(partial.join(&sps_name), spss_syntax(codebook, &data(stem), req.bom))?;
        files.push((data(stem), CSV, what_vi.clone(), what_en.clone()));
        files.push((
            codebook_name,
            CSV,
            format!("từ điển biến của {what_vi}: thông tin, trọng số, biến, nhãn giá trị"),
            format!("codebook of {what_en}: facts, weights, variables, value labels"),
        ));
        files.push((
            sps_name,
            SPS,
            format!("cú pháp SPSS/PSPP đọc {what_vi} với nhãn và mã thiếu"),
            format!("SPSS/PSPP syntax that reads {what_en} with labels and missing codes"),
        ));
    }
    let reference = [
        (
            "items",
            main.item_rows(),
            "câu hỏi: tiêu chí, trọng số, kênh được hỏi",
            "items: criterion, weight, channels asked on",
        ),
        (
            "agencies",
            main.agency_rows(),
            "cơ quan: tên, loại, cấp trên, hiệu lực, đơn vị kế thừa",
            "agencies: names, kind, parent, validity, successors",
        ),
    ];
    for (table, (header, rows), vi, en) in reference {
        let name = format!("{main_stem}_codebook_{table}.csv");
        rows_csv(&partial.join(&name), req.bom, header, &rows)?;
        files.push((name, CSV, vi.into(), en.into()));
    }
    if req.format == Format::Csv {
        return Ok(files.into_iter().map(|(name, kind, ..)| (name, kind)).collect());
    }

    for (stem, codebook) in tables {
        let name = format!("{stem}_codebook.xlsx");
        codebook_xlsx(&partial.join(&name), codebook)?;
        files.push((
            name,
            XLSX,
            "từ điển biến dạng Excel, với các bảng câu hỏi và cơ quan".into(),
            "the codebook as Excel, with the items and agencies tables".into(),
        ));
    }
    let described: Vec<(&str, &str, &str)> =
        files.iter().map(|(name, _, vi, en)| (name.as_str(), vi.as_str(), en.as_str())).collect();
    std::fs::write(partial.join("README.txt"), main.readme(&described))?;
    let mut names: Vec<String> = files.into_iter().map(|(name, ..)| name).collect();
    names.push("README.txt".into());
    let paths: Vec<PathBuf> = names.iter().map(|n| partial.join(n)).collect();
    let entries: Vec<(&str, &Path)> =
        names.iter().map(String::as_str).zip(paths.iter().map(PathBuf::as_path)).collect();
    let zip_name = format!("{main_stem}.zip");
    write_zip(&partial.join(&zip_name), &entries)?;
    for path in &paths {
        std::fs::remove_file(path)?;
    }
    Ok(vec![(zip_name, "application/zip")])
}
