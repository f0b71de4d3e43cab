//! Exports for the research institute (issue 4): de-identified microdata and index tables as
//! CSV, XLSX, SPSS syntax and ZIP, written by background jobs that stream rows to disk.

pub mod describe;
pub mod index_tables;
pub mod job;
pub mod microdata;
pub mod request;
pub mod service;
pub mod table;
pub mod worker;

pub use table::{Cell, Codebook, ValueLabel, VarType, Variable, Weight};

