//! The shape every export file shares: typed cells in rows under named columns, and the
//! codebook that says what each column and code means. Pure data; the writers are next door.

use chrono::{NaiveDate, NaiveDateTime};

/// One value of a data row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing: a missing value that has no code of its own.
    Empty,
    Int(i64),
    Num(f64),
    Text(String),
    Date(NaiveDate),
}

/// The type of a column, as statistics packages need to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarType {
    Integer,
    Decimal,
    Text,
    /// An ISO date (`YYYY-MM-DD`).
    Date,
}

impl VarType {
    /// The usual level of measurement of a column of this type, before anything more is known:
    /// text is nominal (SPSS allows no scale strings), numbers and dates are scale.
    pub fn default_measure(self) -> Measure {
        match self {
            VarType::Text => Measure::Nominal,
            VarType::Integer | VarType::Decimal | VarType::Date => Measure::Scale,
        }
    }

    /// The word written in the codebook.
    pub fn code(self) -> &'static str {
        match self {
            VarType::Integer => "integer",
            VarType::Decimal => "decimal",
            VarType::Text => "text",
            VarType::Date => "date",
        }
    }
}

/// How a column is measured (SPSS's `VARIABLE LEVEL`): categories without order, ordered
/// categories such as the 1–5 satisfaction scale, or quantities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Nominal,
    Ordinal,
    Scale,
}

impl Measure {
    /// The keyword of SPSS's `VARIABLE LEVEL`.
    pub fn spss_keyword(self) -> &'static str {
        match self {
            Measure::Nominal => "NOMINAL",
            Measure::Ordinal => "ORDINAL",
            Measure::Scale => "SCALE",
        }
    }
}

/// What a code stands for, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueLabel {
    /// The value as it appears in the data (`"1"`, `"-1"`, `"in_person"`).
    pub code: String,
    pub label_vi: String,
    pub label_en: String,
}

/// One column of a data file.
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    /// The column header: ASCII letters, digits and `_`, starting with a letter (valid in
    /// SPSS, R and pandas alike).
    pub name: String,
    pub label_vi: String,
    pub label_en: String,
    pub var_type: VarType,
    /// Largest length in bytes of a text value (the SPSS string width); 0 for other types.
    pub width: usize,
    /// Labels of the valid codes (1 = "Rất không hài lòng" …).
    pub value_labels: Vec<ValueLabel>,
    /// Codes that mean a missing value ("not applicable", "not answered").
    pub missing: Vec<ValueLabel>,
    pub measure: Measure,
    /// The lowest and highest valid value of an integer column, when the survey fixes them
    /// (1–5, 0–100); the SPSS display format is made just wide enough for them and the
    /// missing codes.
    pub range: Option<(i64, i64)>,
}

/// A weight of the index method: a domain in the overall index, or a criterion in its domain.
#[derive(Debug, Clone, PartialEq)]
pub struct Weight {
    /// `domain` or `criterion`.
    pub level: String,
    pub id: String,
    /// The domain of a criterion.
    pub parent: Option<String>,
    pub weight: f64,
}

/// An item or question of the survey, with where it counts and who is asked it.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemEntry {
    /// The stored id (`A1`, `improve`); the wide file's columns derive from it.
    pub id: String,
    /// `rating_item` (counts towards its criterion), `rating`, `multi_choice`, `percent`.
    pub kind: String,
    pub text_vi: String,
    pub text_en: String,
    /// The criterion (and its domain, title and weight) a rating item belongs to.
    pub criterion: Option<CriterionEntry>,
    /// The channel codes the item is asked on.
    pub channels: Vec<String>,
}

/// A criterion of the index method.
#[derive(Debug, Clone, PartialEq)]
pub struct CriterionEntry {
    pub id: String,
    pub domain: String,
    pub title_vi: String,
    pub title_en: String,
    /// Its weight within the domain.
    pub weight: f64,
}

/// Everything a reader needs to use a data file without asking anyone.
#[derive(Debug, Clone, PartialEq)]
pub struct Codebook {
    /// The dataset's title, e.g. "Dữ liệu phiếu trả lời (dạng rộng)".
    pub title_vi: String,
    pub title_en: String,
    /// The dataset code: `responses_wide`, `responses_long`, `index_table`, `index_trend`.
    pub dataset: String,
    pub survey_id: String,
    pub survey_version: u32,
    pub survey_title_vi: String,
    pub survey_title_en: String,
    /// SHA-256 of the survey definition's content, to tell which exact questionnaire was asked.
    pub definition_hash: String,
    /// The index method id (`sipas-v1`) and its threshold (an answer ≥ threshold is satisfied).
    pub method: String,
    pub threshold: i64,
    /// The z value of the 95 % intervals.
    pub z: f64,
    pub weights: Vec<Weight>,
    pub period_code: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    /// The last day with data in the period and scope (`None`: no data).
    pub data_through: Option<NaiveDate>,
    /// The agencies and filters covered, in words.
    pub scope_vi: String,
    pub scope_en: String,
    /// UTC.
    pub generated_at: NaiveDateTime,
    /// Further remarks (de-identification, suppression, versions), each in both languages.
    pub notes: Vec<(String, String)>,
    /// The columns, in file order.
    pub variables: Vec<Variable>,
    /// The survey's items and questions, in survey order.
    pub items: Vec<ItemEntry>,
    /// The agencies of the scope with their ancestors: enough to rebuild subtree figures.
    pub agencies: Vec<crate::domain::Agency>,
}
