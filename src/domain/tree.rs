//! The agency tree in memory: subtrees, ancestors, lineages across mergers, and who may see
//! which agency. A city has hundreds to a few thousand agencies, so the whole tree is loaded
//! once per request rather than walked in SQL.

use std::collections::{BTreeMap, BTreeSet};

use super::Agency;

/// Which agencies a staff member or API key may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    /// Every agency (admin, city viewer, analyst, city-wide read keys).
    City,
    /// This agency and every unit below it.
    Subtree(String),
}

/// Every agency, indexed by code, with its children and predecessors.
#[derive(Debug, Clone, Default)]
pub struct AgencyTree {
    by_code: BTreeMap<String, Agency>,
    children: BTreeMap<String, Vec<String>>,
    /// Agency → the agencies that ended naming it as a successor.
    predecessors: BTreeMap<String, Vec<String>>,
}

/// Bound on tree depth and lineage length: guards against a cycle in bad reference data.
const MAX_DEPTH: usize = 32;

impl AgencyTree {
    pub fn new(list: Vec<Agency>) -> AgencyTree {
        let mut tree = AgencyTree::default();
        for a in &list {
            if let Some(p) = &a.parent {
                tree.children.entry(p.as_str().to_owned()).or_default().push(a.code.as_str().to_owned());
            }
            for s in &a.successors {
                tree.predecessors.entry(s.as_str().to_owned()).or_default().push(a.code.as_str().to_owned());
            }
        }
        tree.by_code = list.into_iter().map(|a| (a.code.as_str().to_owned(), a)).collect();
        tree
    }

    pub fn get(&self, code: &str) -> Option<&Agency> {
        self.by_code.get(code)
    }

    /// Every agency, by code.
    pub fn all(&self) -> impl Iterator<Item = &Agency> {
        self.by_code.values()
    }

    pub fn len(&self) -> usize {
        self.by_code.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_code.is_empty()
    }

    /// Agencies without a parent, by code.
    pub fn roots(&self) -> Vec<&Agency> {
        self.by_code.values().filter(|a| a.parent.is_none()).collect()
    }

    /// Direct children, by code.
    pub fn children(&self, code: &str) -> &[String] {
        self.children.get(code).map_or(&[], Vec::as_slice)
    }

    /// `code` and everything below it, parents before children (empty for an unknown code).
    pub fn subtree(&self, code: &str) -> Vec<String> {
        let mut out = Vec::new();
        if self.by_code.contains_key(code) {
            self.collect(code, 0, &mut out);
        }
        out
    }

    fn collect(&self, code: &str, depth: usize, out: &mut Vec<String>) {
        if depth > MAX_DEPTH || out.iter().any(|c| c == code) {
            return;
        }
        out.push(code.to_owned());
        for child in self.children(code) {
            self.collect(child, depth + 1, out);
        }
    }

    /// `code`'s ancestors, nearest first (not `code` itself).
    pub fn ancestors(&self, code: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut current = self.get(code).and_then(|a| a.parent.as_ref());
        while let Some(p) = current {
            if out.len() > MAX_DEPTH || out.iter().any(|c: &String| c == p.as_str()) {
                break;
            }
            out.push(p.as_str().to_owned());
            current = self.get(p.as_str()).and_then(|a| a.parent.as_ref());
        }
        out
    }

    /// How many ancestors `code` has (0 for a root).
    pub fn depth(&self, code: &str) -> usize {
        self.ancestors(code).len()
    }

    /// Whether `code` is `root` or below it.
    pub fn is_within(&self, code: &str, root: &str) -> bool {
        self.by_code.contains_key(code) && (code == root || self.ancestors(code).iter().any(|a| a == root))
    }

    /// Whether `v` may see `code` (unknown codes are visible to nobody).
    pub fn is_visible(&self, v: &Visibility, code: &str) -> bool {
        match v {
            Visibility::City => self.by_code.contains_key(code),
            Visibility::Subtree(root) => self.is_within(code, root),
        }
    }

    /// The subtree of `code` and of every agency that merged into it (transitively, through
    /// successor links), so a trend can follow an agency across a reorganisation.
    pub fn lineage(&self, code: &str) -> Vec<String> {
        let mut roots = BTreeSet::new();
        let mut queue = vec![code.to_owned()];
        while let Some(c) = queue.pop() {
            if roots.len() > MAX_DEPTH * 8 || !roots.insert(c.clone()) {
                continue;
            }
            queue.extend(self.predecessors.get(&c).into_iter().flatten().cloned());
        }
        let mut out: Vec<String> = Vec::new();
        for r in roots {
            for c in self.subtree(&r) {
                if !out.contains(&c) {
                    out.push(c);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::domain::{AgencyCode, AgencyKind};

    fn agency(code: &str, parent: Option<&str>, successors: &[&str]) -> Agency {
        Agency {
            code: AgencyCode::parse(code).unwrap(),
            parent: parent.map(|p| AgencyCode::parse(p).unwrap()),
            kind: AgencyKind::Department,
            name_vi: code.to_owned(),
            name_en: code.to_owned(),
            valid_from: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
            valid_to: None,
            successors: successors.iter().map(|s| AgencyCode::parse(s).unwrap()).collect(),
        }
    }

    fn tree() -> AgencyTree {
        AgencyTree::new(vec![
            agency("CITY", None, &[]),
            agency("HEALTH", Some("CITY"), &[]),
            agency("HOSPITAL", Some("HEALTH"), &[]),
            agency("PLAN", Some("CITY"), &["FINANCE"]),
            agency("PLAN.UNIT", Some("PLAN"), &[]),
            agency("FINANCE", Some("CITY"), &[]),
        ])
    }

    #[test]
    fn subtrees_ancestors_and_visibility() {
        let t = tree();
        assert_eq!(t.subtree("HEALTH"), ["HEALTH", "HOSPITAL"]);
        assert_eq!(t.subtree("NOPE"), Vec::<String>::new());
        assert_eq!(t.subtree("CITY").len(), 6);
        assert_eq!(t.ancestors("HOSPITAL"), ["HEALTH", "CITY"]);
        assert_eq!(t.depth("CITY"), 0);
        assert!(t.is_within("HOSPITAL", "CITY"));
        assert!(!t.is_within("FINANCE", "HEALTH"));
        let health = Visibility::Subtree("HEALTH".into());
        assert!(t.is_visible(&health, "HOSPITAL"));
        assert!(!t.is_visible(&health, "CITY"));
        assert!(!t.is_visible(&Visibility::City, "NOPE"));
        assert!(t.is_visible(&Visibility::City, "PLAN"));
    }

    #[test]
    fn lineage_follows_mergers() {
        let t = tree();
        assert_eq!(t.lineage("FINANCE"), ["FINANCE", "PLAN", "PLAN.UNIT"]);
        assert_eq!(t.lineage("HEALTH"), ["HEALTH", "HOSPITAL"]);
    }

    #[test]
    fn a_cycle_does_not_hang() {
        let t = AgencyTree::new(vec![agency("A", Some("B"), &["B"]), agency("B", Some("A"), &["A"])]);
        assert_eq!(t.subtree("A"), ["A", "B"]);
        assert!(t.ancestors("A").len() <= MAX_DEPTH + 1);
        assert_eq!(t.lineage("A").len(), 2);
    }
}
