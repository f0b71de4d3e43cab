//! Why a survey definition was refused: every message names the file and the key.

/// A survey definition that cannot be used. `Display` reads `file: key: what is wrong`, so an
/// operator can fix the file from the log line alone (startup refuses on any of these).
#[derive(Debug, thiserror::Error)]
pub enum DefinitionError {
    /// The directory or a file could not be read (missing, unreadable, not UTF-8).
    #[error("{file}: cannot read: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// The text is not valid TOML; `line`/`column` count from 1, as toml reports them.
    #[error("{file}: line {line}, column {column}: invalid TOML: {message}")]
    Syntax { file: String, line: usize, column: usize, message: String },
    /// The TOML is valid but a key is unknown, missing, of the wrong type or breaks a rule.
    /// `key` is a path such as `criteria[2].items[1]` (array indices count from 0).
    #[error("{file}: {key}: {message}")]
    Invalid { file: String, key: String, message: String },
    /// Two files define the same survey id and version.
    #[error("{file}: id: survey \"{id}\" version {version} is also defined in {other}")]
    Duplicate { file: String, id: String, version: u32, other: String },
}

impl DefinitionError {
    pub(super) fn invalid(file: &str, key: impl Into<String>, message: impl Into<String>) -> Self {
        DefinitionError::Invalid { file: file.to_owned(), key: key.into(), message: message.into() }
    }

    /// The file the error is about.
    pub fn file(&self) -> &str {
        match self {
            DefinitionError::Io { file, .. }
            | DefinitionError::Syntax { file, .. }
            | DefinitionError::Invalid { file, .. }
            | DefinitionError::Duplicate { file, .. } => file,
        }
    }
}

/// 1-based line and column (in characters) of a byte offset, like toml's own reports.
pub(super) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}
