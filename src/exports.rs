//! Exports for the research institute (issue 4): de-identified microdata and index tables as
//! CSV, XLSX, SPSS syntax and ZIP, written by background jobs that stream rows to disk.

pub mod format_error;
pub mod table;

pub use format_error::FormatError;
pub use table::{Cell, Codebook, ValueLabel, VarType, Variable, Weight};
