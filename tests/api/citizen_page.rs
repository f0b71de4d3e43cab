//! The citizen HTML page.
