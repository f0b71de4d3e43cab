//! Exports for the research institute (issue 4): de-identified microdata and index tables as
//! CSV, XLSX, SPSS syntax and ZIP, written by background jobs that stream rows to disk.
//!
//! - [`request`], [`service`]: what may be asked, by whom; starting and reading jobs.
//! - [`job`], [`worker`]: running a job under a lease; the background worker;
//!   [`companions`]: the codebooks, syntax and bundle beside the data.
//! - [`microdata`], [`index_tables`], [`describe`]: the rows and the codebook.
//! - [`table`] and the writers ([`csv_file`], [`xlsx_file`], [`spss`], [`bundle`],
//!   [`parquet_file`], [`hashing`]): files from rows, knowing nothing of surveys.

pub mod bundle;
pub mod companions;
pub mod csv_file;
pub mod describe;
pub mod format_error;
pub mod hashing;
pub mod index_tables;
pub mod job;
pub mod meta;
pub mod microdata;
pub mod parquet_file;
pub mod request;
pub mod service;
pub mod spss;
pub mod table;
pub mod worker;
pub mod xlsx_file;

pub use bundle::write_zip;
pub use csv_file::{codebook_csv, CsvTable};
pub use format_error::FormatError;
pub use hashing::sha256_file;
pub use meta::MetaRow;
pub use spss::spss_syntax;
pub use table::{Cell, Codebook, ValueLabel, VarType, Variable, Weight};
pub use xlsx_file::{codebook_xlsx, XlsxTable};
