//! Survey definitions from `survey-definitions/` (versioned TOML questionnaires) and the
//! validation of submitted answers against them.
//!
//! The file format is documented in `survey-definitions/README.md`. A definition is parsed
//! and fully checked once at startup ([`Registry::load_dir`]); afterwards the rest of the
//! service only sees valid [`SurveyDefinition`]s, shared as `Arc`s.

mod answers;
mod error;
mod model;
mod parse;
mod raw;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

pub use answers::{AnswerError, AnswerErrors, AnswerInput, AnswerValue, Profile, StoredAnswer, ValidAnswers};
pub use error::DefinitionError;
pub use model::{
    AnswerTarget, ChoiceOption, CommentSpec, Criterion, Domain, IndexMethod, Item, MethodKind, ProfileField,
    ProfileQuestion, Question, QuestionKind, Scale, Section, SurveyDefinition, Text, SCALE_MAX, SCALE_MIN,
};
pub use parse::COMMENT_MAX_CHARS;

use crate::domain::Channel;

impl SurveyDefinition {
    /// Parses and validates one definition. `file_name` is used in error messages and its
    /// last component must be `<id>-v<version>.toml`.
    pub fn parse(file_name: &str, text: &str) -> Result<SurveyDefinition, DefinitionError> {
        parse::parse(file_name, text)
    }

    /// Checks a response submitted through `channel` and turns it into long-form rows.
    /// All problems are reported at once, so the form can mark every question to fix.
    pub fn validate_answers(&self, channel: Channel, input: &AnswerInput) -> Result<ValidAnswers, AnswerErrors> {
        answers::validate(self, channel, input)
    }
}

/// All loaded survey definitions, by id and version.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    surveys: BTreeMap<String, BTreeMap<u32, Arc<SurveyDefinition>>>,
}

impl Registry {
    /// Loads every `*.toml` file of `dir` (other files, such as the README, are ignored).
    /// Files are read in name order, so the first error reported is stable.
    pub fn load_dir(dir: &Path) -> Result<Registry, DefinitionError> {
        let io_err = |file: &Path| {
            let file = file.display().to_string();
            move |source| DefinitionError::Io { file, source }
        };
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io_err(dir))? {
            let path = entry.map_err(io_err(dir))?.path();
            if path.extension().is_some_and(|e| e == "toml") && path.is_file() {
                paths.push(path);
            }
        }
        paths.sort();
        let mut defs = Vec::with_capacity(paths.len());
        for path in paths {
            let text = std::fs::read_to_string(&path).map_err(io_err(&path))?;
            defs.push(SurveyDefinition::parse(&path.display().to_string(), &text)?);
        }
        Registry::from_definitions(defs)
    }

    /// Builds a registry from parsed definitions; refuses two with the same id and version.
    pub fn from_definitions(defs: Vec<SurveyDefinition>) -> Result<Registry, DefinitionError> {
        let mut surveys: BTreeMap<String, BTreeMap<u32, Arc<SurveyDefinition>>> = BTreeMap::new();
        for def in defs {
            let versions = surveys.entry(def.id().to_owned()).or_default();
            if let Some(other) = versions.get(&def.version()) {
                return Err(DefinitionError::Duplicate {
                    file: def.source().to_owned(),
                    id: def.id().to_owned(),
                    version: def.version(),
                    other: other.source().to_owned(),
                });
            }
            versions.insert(def.version(), Arc::new(def));
        }
        Ok(Registry { surveys })
    }

    /// One version of a survey.
    pub fn get(&self, id: &str, version: u32) -> Option<&Arc<SurveyDefinition>> {
        self.surveys.get(id)?.get(&version)
    }

    /// The highest version of a survey: the one new invitations use.
    pub fn latest(&self, id: &str) -> Option<&Arc<SurveyDefinition>> {
        self.surveys.get(id)?.values().next_back()
    }

    /// Every definition, by id then version.
    pub fn all(&self) -> impl Iterator<Item = &Arc<SurveyDefinition>> {
        self.surveys.values().flat_map(|v| v.values())
    }

    /// Whether no definition is loaded.
    pub fn is_empty(&self) -> bool {
        self.surveys.is_empty()
    }
}

/// A small but complete definition that tests vary one key at a time.
#[cfg(test)]
pub(crate) mod test_support {
    use super::SurveyDefinition;

    pub const FILE: &str = "defs/t-v1.toml";

    pub const MINI: &str = r#"
id = "t"
version = 1
title = { vi = "Tiêu đề", en = "Title" }
intro = { vi = "Giới thiệu", en = "Intro" }

[scale]
labels.vi = ["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"]
labels.en = ["1", "2", "3", "4", "5"]
not_applicable = { vi = "Không có ý kiến / không áp dụng", en = "No opinion / not applicable" }

[index]
method = "sipas-v1"

[[domains]]
id = "service"
title = { vi = "Dịch vụ", en = "Service" }

[[criteria]]
id = "A"
domain = "service"
title = { vi = "Tiếp cận", en = "Access" }
items = ["A1", "A2"]

[[criteria]]
id = "B"
domain = "service"
title = { vi = "Thủ tục", en = "Procedure" }
items = ["B1"]

[[items]]
id = "A1"
text = { vi = "Một", en = "One" }
channels = ["in_person", "kiosk"]

[[items]]
id = "A2"
text = { vi = "Hai", en = "Two" }
channels = ["online"]

[[items]]
id = "B1"
text = { vi = "Ba", en = "Three" }
not_applicable = true

[[questions]]
id = "overall"
kind = "rating"
text = { vi = "Chung", en = "Overall" }

[[questions]]
id = "improve"
kind = "multi_choice"
text = { vi = "Cải thiện", en = "Improve" }
required = false
max_choices = 2
options = [
  { id = "x", label = { vi = "X", en = "X" } },
  { id = "y", label = { vi = "Y", en = "Y" } },
  { id = "z", label = { vi = "Z", en = "Z" } },
]

[[questions]]
id = "expect"
kind = "percent"
text = { vi = "Mong đợi", en = "Expectations" }
required = false

[comment]
max_chars = 10
prompt = { vi = "Góp ý", en = "Comment" }

[[profile]]
id = "gender"
text = { vi = "Giới tính", en = "Gender" }
options = [
  { id = "male", label = { vi = "Nam", en = "Male" } },
  { id = "female", label = { vi = "Nữ", en = "Female" } },
]
"#;

    /// MINI with one piece of text replaced (the piece must occur).
    pub fn mini_with(from: &str, to: &str) -> String {
        assert!(MINI.contains(from), "test fixture lacks {from:?}");
        MINI.replacen(from, to, 1)
    }

    pub fn mini() -> SurveyDefinition {
        SurveyDefinition::parse(FILE, MINI).expect("the test fixture is valid")
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{mini, mini_with, FILE, MINI};
    use super::*;
    use crate::domain::{Field, Locale};

    fn shipped_dir() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("survey-definitions")
    }

    #[test]
    fn every_shipped_definition_loads() {
        let dir = shipped_dir();
        let mut count = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path).unwrap();
                let def = SurveyDefinition::parse(&path.display().to_string(), &text).unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(def.content_hash().len(), 64);
                count += 1;
            }
        }
        assert_eq!(count, 3);
        let registry = Registry::load_dir(&dir).unwrap();
        let ids: Vec<&str> = registry.all().map(|d| d.id()).collect();
        assert_eq!(ids, ["education-public", "health-public", "sipas-dossier"]);
    }

    /// Pins the content hash of every shipped version. If this fails, a published file or the
    /// canonical form changed: production would refuse to start for a version already used by
    /// invitations. Restore it and publish `<id>-v<N+1>.toml` instead; update a hash here only
    /// for a version that has never been deployed.
    #[test]
    fn shipped_definitions_keep_their_content_hash() {
        let registry = Registry::load_dir(&shipped_dir()).unwrap();
        let hashes: Vec<(String, &str)> =
            registry.all().map(|d| (format!("{}-v{}", d.id(), d.version()), d.content_hash())).collect();
        let expected: Vec<(String, &str)> = [
            ("education-public-v1", "5938432144592b5a1a2ffd1e969683e8377fb200ae05906451ed30a33dbb6d60"),
            ("health-public-v1", "b4005e3ec075ac27c4d280af961692918354c7f8072831a25dc3cd5bf070341f"),
            ("sipas-dossier-v1", "9f829e32c8e9738d22d641d313dd83d848af6bb9ea0a376dc3f957108226f601"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        assert_eq!(hashes, expected);
    }

    #[test]
    fn shipped_dossier_survey_matches_the_product_brief() {
        let registry = Registry::load_dir(&shipped_dir()).unwrap();
        let def = registry.latest("sipas-dossier").unwrap();
        assert_eq!(def.domains().len(), 1);
        let criteria: Vec<(&str, usize)> = def.criteria().iter().map(|c| (c.id.as_str(), c.items.len())).collect();
        assert_eq!(criteria, [("A", 4), ("B", 4), ("C", 3), ("D", 3), ("E", 3)]);
        assert!(def.criteria()[4].items.iter().all(|i| i.not_applicable));
        assert_eq!(def.fields().len(), Field::ALL.len());
        let online: Vec<&str> = def.sections_for(Channel::Online)[0].items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(online, ["A4"]);
        for channel in [Channel::InPerson, Channel::Kiosk, Channel::Post] {
            let access: Vec<&str> = def.sections_for(channel)[0].items.iter().map(|i| i.id.as_str()).collect();
            assert_eq!(access, ["A1", "A2", "A3"]);
        }
        let Some(QuestionKind::MultiChoice { options, max_choices }) = def.question("improve").map(|q| &q.kind) else {
            panic!("improve is a multi-choice question");
        };
        assert_eq!((options.len(), *max_choices), (10, 3));
        assert!(def.question("overall").unwrap().required);
        assert_eq!(def.comment().unwrap().max_chars, 1000);
        assert_eq!(def.profile().len(), ProfileField::ALL.len());
        assert_eq!(def.scale().labels[0].vi, "Rất không hài lòng");
        assert_eq!(def.scale().label(5).unwrap().vi, "Rất hài lòng");
        assert_eq!(def.method().kind.code(), "sipas-v1");
        assert_eq!(def.method().threshold, 4);
    }

    #[test]
    fn shipped_health_survey_has_a_percent_question() {
        let registry = Registry::load_dir(&shipped_dir()).unwrap();
        let def = registry.get("health-public", 1).unwrap();
        assert_eq!(def.criteria().len(), 5);
        assert!(matches!(def.question("expectations").map(|q| &q.kind), Some(QuestionKind::Percent)));
    }

    #[test]
    fn registry_finds_versions_and_the_latest() {
        let v2 = MINI.replace("version = 1", "version = 2");
        let defs =
            vec![SurveyDefinition::parse(FILE, MINI).unwrap(), SurveyDefinition::parse("defs/t-v2.toml", &v2).unwrap()];
        let registry = Registry::from_definitions(defs).unwrap();
        assert_eq!(registry.get("t", 1).unwrap().version(), 1);
        assert!(registry.get("t", 3).is_none());
        assert!(registry.get("u", 1).is_none());
        assert_eq!(registry.latest("t").unwrap().version(), 2);
        assert_eq!(registry.all().count(), 2);
    }

    #[test]
    fn duplicate_id_and_version_across_files_is_refused() {
        let defs = vec![
            SurveyDefinition::parse("a/t-v1.toml", MINI).unwrap(),
            SurveyDefinition::parse("b/t-v1.toml", MINI).unwrap(),
        ];
        let err = Registry::from_definitions(defs).unwrap_err();
        assert_eq!(err.to_string(), "b/t-v1.toml: id: survey \"t\" version 1 is also defined in a/t-v1.toml");
    }

    #[test]
    fn load_dir_ignores_other_files_and_names_the_bad_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("README.md"), "not toml").unwrap();
        std::fs::write(dir.path().join("t-v1.toml"), MINI).unwrap();
        let registry = Registry::load_dir(dir.path()).unwrap();
        assert_eq!(registry.all().count(), 1);

        let bad = mini_with(r#"items = ["B1"]"#, r#"items = ["B1", "B9"]"#);
        std::fs::write(dir.path().join("t-v2.toml"), bad.replace("version = 1", "version = 2")).unwrap();
        let err = Registry::load_dir(dir.path()).unwrap_err();
        let file = dir.path().join("t-v2.toml").display().to_string();
        assert_eq!(err.to_string(), format!("{file}: criteria[1].items[1]: unknown item \"B9\""));
        assert!(Registry::load_dir(&dir.path().join("missing")).is_err());
    }

    #[test]
    fn content_hash_ignores_formatting_but_not_content() {
        let base = mini();
        // Comments, blank lines, key order and table style are not content.
        let reformatted = format!(
            "# a comment\n\n{}",
            MINI.replace(
                "title = { vi = \"Tiêu đề\", en = \"Title\" }",
                "title.en = \"Title\"   # English\ntitle.vi = \"Tiêu đề\""
            )
            .replace("channels = [\"in_person\", \"kiosk\"]", "channels = [ \"kiosk\",\n  \"in_person\" ]")
        );
        let same = SurveyDefinition::parse(FILE, &reformatted).unwrap();
        assert_eq!(same.content_hash(), base.content_hash());
        // Spelling out a default is not a change either.
        let explicit = mini_with("kind = \"rating\"", "kind = \"rating\"\nrequired = true");
        let same = SurveyDefinition::parse(FILE, &explicit).unwrap();
        assert_eq!(same.content_hash(), base.content_hash());

        let edited = mini_with("vi = \"Một\"", "vi = \"Mốt\"");
        let changed = SurveyDefinition::parse(FILE, &edited).unwrap();
        assert_ne!(changed.content_hash(), base.content_hash());
        let limited = mini_with("max_chars = 10", "max_chars = 11");
        let changed = SurveyDefinition::parse(FILE, &limited).unwrap();
        assert_ne!(changed.content_hash(), base.content_hash());
        assert!(base.content_hash().chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)));
    }

    #[test]
    fn texts_pick_the_locale() {
        let def = mini();
        assert_eq!(def.title().get(Locale::Vi), "Tiêu đề");
        assert_eq!(def.title().get(Locale::En), "Title");
    }

    #[test]
    fn equal_weights_by_default() {
        let def = mini();
        assert_eq!(def.domains()[0].weight, 1.0);
        assert!(def.criteria().iter().all(|c| c.weight == 0.5));
    }
}
