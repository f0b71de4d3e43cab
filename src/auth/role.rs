//! What a staff account may see and do.

use crate::domain::{Locale, Visibility};

/// The five staff roles. The agency roles are bound to one agency and its subtree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Manages accounts and settings (Sở Nội vụ).
    Admin,
    /// City leaders: see every agency.
    CityViewer,
    /// Institute analysts: de-identified exports.
    Analyst,
    /// Manages an agency subtree.
    AgencyManager,
    /// Reads an agency subtree.
    AgencyViewer,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Admin, Role::CityViewer, Role::Analyst, Role::AgencyManager, Role::AgencyViewer];

    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::CityViewer => "city_viewer",
            Role::Analyst => "analyst",
            Role::AgencyManager => "agency_manager",
            Role::AgencyViewer => "agency_viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == s)
    }

    /// Whether the role is bound to an agency subtree (and so needs `--agency`).
    pub fn needs_agency(self) -> bool {
        matches!(self, Role::AgencyManager | Role::AgencyViewer)
    }

    /// Checks the agency binding: required for the agency roles, refused for the others.
    pub fn check_agency(self, agency: Option<&str>) -> Result<(), String> {
        match (self.needs_agency(), agency) {
            (true, None) => Err(format!("--agency: the role `{}` needs an agency code", self.code())),
            (false, Some(_)) => Err(format!(
                "--agency: the role `{}` sees the whole city and takes no agency; only agency_manager and \
                 agency_viewer do",
                self.code()
            )),
            _ => Ok(()),
        }
    }

    /// What an account of this role bound to `agency` may see. An agency role without an
    /// agency (which `check_agency` refuses) sees nothing rather than everything.
    pub fn visibility(self, agency: Option<&str>) -> Visibility {
        if self.needs_agency() {
            Visibility::Subtree(agency.unwrap_or_default().to_owned())
        } else {
            Visibility::City
        }
    }

    pub fn label(self, locale: Locale) -> &'static str {
        let (vi, en) = match self {
            Role::Admin => ("Quản trị hệ thống", "Administrator"),
            Role::CityViewer => ("Lãnh đạo thành phố (xem toàn thành phố)", "City viewer (all agencies)"),
            Role::Analyst => ("Chuyên viên phân tích", "Analyst"),
            Role::AgencyManager => ("Quản lý cơ quan", "Agency manager"),
            Role::AgencyViewer => ("Cán bộ cơ quan (chỉ xem)", "Agency viewer"),
        };
        locale.pick(vi, en)
    }
}

/// The list of role codes, for error messages.
pub fn role_codes() -> String {
    Role::ALL.iter().map(|r| r.code()).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_is_refused() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.code()), Some(r));
        }
        assert_eq!(Role::parse("Admin"), None);
        assert_eq!(Role::parse("root"), None);
        assert_eq!(role_codes(), "admin, city_viewer, analyst, agency_manager, agency_viewer");
    }

    #[test]
    fn agency_binding() {
        assert!(Role::AgencyViewer.check_agency(Some("T.HEALTH")).is_ok());
        assert!(Role::AgencyManager.check_agency(None).unwrap_err().contains("--agency"));
        assert!(Role::Admin.check_agency(None).is_ok());
        assert!(Role::Analyst.check_agency(Some("T.HEALTH")).unwrap_err().contains("--agency"));
    }

    #[test]
    fn visibility_follows_the_role() {
        assert_eq!(Role::CityViewer.visibility(None), Visibility::City);
        assert_eq!(Role::Analyst.visibility(None), Visibility::City);
        assert_eq!(Role::AgencyViewer.visibility(Some("T.HEALTH")), Visibility::Subtree("T.HEALTH".into()));
        assert_eq!(Role::AgencyManager.visibility(None), Visibility::Subtree(String::new()));
    }
}
