//! Agencies (cơ quan): a time-valid tree whose ended nodes can name successors.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{AgencyCode, Locale};

/// What kind of body an agency is; drives nothing but display and filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    /// The city People's Committee (UBND thành phố).
    City,
    /// A department (Sở) or an equivalent city-level body.
    Department,
    /// A ward (phường).
    Ward,
    /// A commune (xã).
    Commune,
    /// A one-stop public administrative service centre.
    ServiceCentre,
    /// A public school.
    School,
    /// A public hospital or clinic.
    Hospital,
    /// Any other public service unit.
    Other,
}

impl AgencyKind {
    pub const ALL: &'static [AgencyKind] = &[
        AgencyKind::City,
        AgencyKind::Department,
        AgencyKind::Ward,
        AgencyKind::Commune,
        AgencyKind::ServiceCentre,
        AgencyKind::School,
        AgencyKind::Hospital,
        AgencyKind::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AgencyKind::City => "city",
            AgencyKind::Department => "department",
            AgencyKind::Ward => "ward",
            AgencyKind::Commune => "commune",
            AgencyKind::ServiceCentre => "service_centre",
            AgencyKind::School => "school",
            AgencyKind::Hospital => "hospital",
            AgencyKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<AgencyKind> {
        AgencyKind::ALL.iter().copied().find(|k| k.code() == s)
    }
}

/// One agency at one place in the tree, valid from `valid_from` to `valid_to` inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agency {
    pub code: AgencyCode,
    pub parent: Option<AgencyCode>,
    pub kind: AgencyKind,
    pub name_vi: String,
    pub name_en: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    /// Agencies that took over this one's work when it ended (mergers, splits).
    pub successors: Vec<AgencyCode>,
}

impl Agency {
    pub fn name(&self, locale: Locale) -> &str {
        locale.pick(&self.name_vi, &self.name_en)
    }

    /// Whether the agency existed on `day`.
    pub fn is_valid_on(&self, day: NaiveDate) -> bool {
        self.valid_from <= day && self.valid_to.is_none_or(|end| day <= end)
    }
}
