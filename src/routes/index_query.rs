//! Splitting a query string into pairs for [`crate::reports::query::parse`], which reads the
//! index filters; shared by `GET /api/v1/indices` and the staff pages.

pub use crate::reports::query::{parse, FieldErrors};

/// Splits a raw query string into pairs; `None` when it is not valid form encoding.
pub fn pairs(query: &str) -> Option<Vec<(String, String)>> {
    actix_web::web::Query::<Vec<(String, String)>>::from_query(query).ok().map(|q| q.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Channel, Field};
    use crate::reports::{GroupBy, IndexRequest};
    use chrono::NaiveDate;

    fn q(s: &str) -> Result<IndexRequest, FieldErrors> {
        parse(&pairs(s).unwrap(), &["lang"], "sipas-dossier", NaiveDate::from_ymd_opt(2026, 11, 22).unwrap())
    }

    #[test]
    fn defaults_and_full_queries() {
        let r = q("").unwrap();
        assert_eq!(
            (r.survey.as_str(), r.period.code().as_str(), r.group_by),
            ("sipas-dossier", "2026", GroupBy::Nothing)
        );
        let r = q("survey=health-public&period=2026-report-6m&agency=000.00.05.H26&field=health&channel=online\
                   &group_by=month&gender=female&lang=en&lineage=true")
        .unwrap();
        assert_eq!(r.period.from(), NaiveDate::from_ymd_opt(2025, 12, 15).unwrap());
        assert_eq!(r.agency.as_deref(), Some("000.00.05.H26"));
        assert_eq!(
            (r.field, r.channel, r.group_by, r.lineage),
            (Some(Field::Health), Some(Channel::Online), GroupBy::Month, true)
        );
        assert_eq!(r.profile, vec![("gender", "female".to_owned())]);
        let r = q("from=2026-01-10&to=2026-02-20&field=").unwrap();
        assert_eq!(
            (r.period.from().to_string(), r.period.to().to_string(), r.field),
            ("2026-01-10".into(), "2026-02-20".into(), None)
        );
    }

    #[test]
    fn every_bad_parameter_is_named() {
        let e = q("period=2026-Q5&field=fishing&channel=x&group_by=day&agency=a'b&colour=red&version=0").unwrap_err();
        for k in ["period", "field", "channel", "group_by", "agency", "colour", "version"] {
            assert!(e.contains_key(k), "{k} missing from {e:?}");
        }
        let e = q("from=2026-03-01&to=2026-01-01").unwrap_err();
        assert!(e["to"].contains("before") || e["to"].contains("after"), "{e:?}");
        let e = q("from=2026-03-01").unwrap_err();
        assert!(e.contains_key("to"));
        let e = q("period=2026&from=2026-01-01&to=2026-02-01").unwrap_err();
        assert!(e["period"].contains("not both"));
        let e = q("field=land&field=health").unwrap_err();
        assert!(e["field"].contains("more than once"));
        let e = q("from=2026-13-01&to=2026-14-01").unwrap_err();
        assert!(e["from"].contains("not a date") && e["to"].contains("not a date"));
        let e = q("gender=x%27%20OR%201=1").unwrap_err();
        assert!(e.contains_key("gender"));
    }
}
