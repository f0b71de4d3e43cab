//! The one error of the file writers, and telling a full disk apart from every other failure.

use std::io;

/// Why writing an export file failed.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("export file: {0}")]
    Io(#[from] io::Error),
    #[error("CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("XLSX: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("ZIP: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("Parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    /// A cell that its column's type cannot hold (a program error, reported rather than
    /// written wrongly).
    #[error("column `{column}` cannot hold the value {cell}")]
    CellType { column: String, cell: String },
    /// rust_xlsxwriter panics (rather than returning an error) when the temporary file of a
    /// constant-memory sheet cannot be written; we catch that and keep its message, which
    /// carries the `io::Error` in debug form.
    #[error("XLSX writer stopped: {0}")]
    XlsxPanic(String),
    /// A row did not have one cell per column.
    #[error("a row has {got} cells but the table has {expected} columns")]
    RowLength { expected: usize, got: usize },
    /// A table was used after an earlier failure left it in an unknown state.
    #[error("the {0} writer failed earlier and cannot go on")]
    Broken(&'static str),
}

impl FormatError {
    /// Whether the file system ran out of space, wherever in the chain that was reported, so
    /// that a job can say "disk full" instead of a generic failure.
    pub fn is_disk_full(&self) -> bool {
        match self {
            FormatError::Io(e) => io_is_disk_full(e),
            FormatError::Csv(e) => csv_is_disk_full(e),
            FormatError::Xlsx(e) => xlsx_is_disk_full(e),
            FormatError::Zip(e) => zip_is_disk_full(e),
            FormatError::XlsxPanic(message) => message_is_disk_full(message),
            FormatError::Parquet(e) => parquet_is_disk_full(e),
            FormatError::RowLength { .. } | FormatError::CellType { .. } | FormatError::Broken(_) => false,
        }
    }
}

/// Raw OS error 28 is ENOSPC on Linux, the BSDs and macOS; other systems report disk full
/// through `ErrorKind::StorageFull` alone.
#[cfg(unix)]
const ENOSPC: i32 = 28;

fn io_is_disk_full(e: &io::Error) -> bool {
    if e.kind() == io::ErrorKind::StorageFull {
        return true;
    }
    #[cfg(unix)]
    if e.raw_os_error() == Some(ENOSPC) {
        return true;
    }
    // Writers wrap one another's errors (`io::Error::other(ZipError::Io(..))` and the like).
    match e.get_ref() {
        Some(inner) => error_is_disk_full(inner),
        None => false,
    }
}

fn xlsx_is_disk_full(e: &rust_xlsxwriter::XlsxError) -> bool {
    use rust_xlsxwriter::XlsxError;
    // `XlsxError::source` skips the io::Error of these variants, so the chain walk below would
    // miss them.
    match e {
        XlsxError::IoError(e) | XlsxError::TempFileError(_, e) => io_is_disk_full(e),
        XlsxError::ZipError(e) => zip_is_disk_full(e),
        other => source_chain_is_disk_full(other),
    }
}

fn parquet_is_disk_full(e: &parquet::errors::ParquetError) -> bool {
    match e {
        parquet::errors::ParquetError::External(inner) => error_is_disk_full(inner.as_ref()),
        other => source_chain_is_disk_full(other),
    }
}

fn zip_is_disk_full(e: &zip::result::ZipError) -> bool {
    match e {
        zip::result::ZipError::Io(e) => io_is_disk_full(e),
        other => source_chain_is_disk_full(other),
    }
}

fn error_is_disk_full(e: &(dyn std::error::Error + Send + Sync + 'static)) -> bool {
    if let Some(e) = e.downcast_ref::<io::Error>() {
        return io_is_disk_full(e);
    }
    if let Some(e) = e.downcast_ref::<zip::result::ZipError>() {
        return zip_is_disk_full(e);
    }
    if let Some(e) = e.downcast_ref::<rust_xlsxwriter::XlsxError>() {
        return xlsx_is_disk_full(e);
    }
    if let Some(e) = e.downcast_ref::<csv::Error>() {
        return csv_is_disk_full(e);
    }
    source_chain_is_disk_full(e)
}

fn csv_is_disk_full(e: &csv::Error) -> bool {
    match e.kind() {
        csv::ErrorKind::Io(e) => io_is_disk_full(e),
        _ => source_chain_is_disk_full(e),
    }
}

fn source_chain_is_disk_full(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = e.source();
    while let Some(e) = next {
        if let Some(e) = e.downcast_ref::<io::Error>() {
            if io_is_disk_full(e) {
                return true;
            }
        }
        next = e.source();
    }
    false
}

/// The panic message of rust_xlsxwriter's `expect` holds the io::Error's `Debug`, e.g.
/// `Os { code: 28, kind: StorageFull, message: "No space left on device" }`.
fn message_is_disk_full(message: &str) -> bool {
    message.contains("StorageFull") || message.contains("No space left on device") || message.contains("os error 28")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_full_is_recognised_in_every_wrapper() {
        let full = || io::Error::from(io::ErrorKind::StorageFull);
        assert!(FormatError::Io(full()).is_disk_full());
        assert!(FormatError::Csv(csv::Error::from(full())).is_disk_full());
        assert!(FormatError::Xlsx(rust_xlsxwriter::XlsxError::IoError(full())).is_disk_full());
        assert!(FormatError::Zip(zip::result::ZipError::Io(full())).is_disk_full());
        assert!(
            FormatError::Xlsx(rust_xlsxwriter::XlsxError::ZipError(zip::result::ZipError::Io(full()))).is_disk_full()
        );
        assert!(FormatError::Io(io::Error::other(zip::result::ZipError::Io(full()))).is_disk_full());
        assert!(FormatError::Parquet(parquet::errors::ParquetError::from(full())).is_disk_full());
    }

    #[cfg(unix)]
    #[test]
    fn enospc_is_recognised_by_its_number() {
        assert!(FormatError::Io(io::Error::from_raw_os_error(28)).is_disk_full());
        let csv_error = csv::Error::from(io::Error::from_raw_os_error(28));
        assert!(FormatError::Io(io::Error::other(csv_error)).is_disk_full());
    }

    #[test]
    fn other_failures_are_not_disk_full() {
        assert!(!FormatError::Io(io::Error::from(io::ErrorKind::PermissionDenied)).is_disk_full());
        assert!(!FormatError::Xlsx(rust_xlsxwriter::XlsxError::RowColumnLimitError).is_disk_full());
        assert!(!FormatError::Zip(zip::result::ZipError::FileNotFound).is_disk_full());
        assert!(!FormatError::XlsxPanic("index out of bounds".into()).is_disk_full());
        assert!(!FormatError::Broken("XLSX").is_disk_full());
    }

    #[test]
    fn a_caught_xlsx_panic_about_enospc_is_disk_full() {
        let message = format!("Couldn't write to xml file: {:?}", io::Error::from(io::ErrorKind::StorageFull));
        assert!(FormatError::XlsxPanic(message).is_disk_full());
    }
}
