//! The filters of the dashboard pages and chart downloads: which query parameters they take,
//! parsing them into an [`IndexRequest`] with `index_query` (so pages and the API name bad
//! parameters alike), the GET form's choices, and the query string that carries the same
//! filters into links (other pages, chart downloads, the other language).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::index_query::{self, FieldErrors};
use crate::domain::{Channel, Field, Locale};
use crate::indices::{Period, PeriodKind, ReportSpan};
use crate::reports::IndexRequest;
use crate::surveys::Registry;

/// The index filters the pages offer; other index parameters (grouping, procedure, profile)
/// are refused, so that every figure, chart and comment on a page has the same selection.
pub const FILTERS: &[&str] = &["survey", "period", "from", "to", "field", "channel"];

/// Characters left as they are in a query value or path segment.
const KEEP: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// `s` percent-encoded for a query value or a path segment.
pub fn encode(s: &str) -> String {
    utf8_percent_encode(s, KEEP).to_string()
}

/// A page's query, parsed.
#[derive(Debug, Clone)]
pub struct PageQuery {
    pub locale: Locale,
    pub request: IndexRequest,
    /// The page's own parameters (such as `page` or `agency`), by name.
    pub own: BTreeMap<String, String>,
}

/// A refused query: the language to answer in, and one message per bad parameter (`query`
/// when the whole query string cannot be read).
#[derive(Debug, Clone)]
pub struct BadQuery {
    pub locale: Locale,
    pub errors: FieldErrors,
}

/// Parses a page's query string: `lang`, the page's `own` parameters and [`FILTERS`]. Unknown
/// or repeated parameters and bad filter values are errors; an unknown `lang` means Vietnamese.
pub fn parse(query: &str, own: &[&str], default_survey: &str, today: NaiveDate) -> Result<PageQuery, BadQuery> {
    let Some(pairs) = index_query::pairs(query) else {
        let locale = if query.contains("lang=en") { Locale::En } else { Locale::Vi };
        return Err(BadQuery {
            locale,
            errors: FieldErrors::from([("query".to_owned(), "the query string is not valid form encoding".to_owned())]),
        });
    };
    let locale = pairs.iter().rev().find(|(k, _)| k == "lang").and_then(|(_, v)| Locale::parse(v)).unwrap_or_default();
    let mut errors = FieldErrors::new();
    let mut own_values = BTreeMap::new();
    let mut filters = Vec::new();
    for (k, v) in pairs {
        if k == "lang" {
            continue;
        }
        if own.contains(&k.as_str()) {
            if own_values.insert(k.clone(), v).is_some() {
                errors.insert(k, "given more than once".into());
            }
        } else if FILTERS.contains(&k.as_str()) {
            filters.push((k, v));
        } else {
            let known: Vec<&str> = FILTERS.iter().chain(own).copied().chain(["lang"]).collect();
            errors.insert(k, format!("not a parameter of this page; known: {}", known.join(", ")));
        }
    }
    let request = index_query::parse(&filters, &[], default_survey, today);
    match request {
        Ok(request) if errors.is_empty() => Ok(PageQuery { locale, request, own: own_values }),
        Ok(_) => Err(BadQuery { locale, errors }),
        Err(more) => {
            errors.extend(more);
            Err(BadQuery { locale, errors })
        }
    }
}

/// The filters of `req` as a query string (without `lang`): the survey when it is not the
/// default, the period's code (`2026-Q1`, or `2026-01-10..2026-02-20` for dates), field and
/// channel. Links built with it show the same selection.
pub fn filter_query(req: &IndexRequest, default_survey: &str) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if req.survey != default_survey {
        pairs.push(("survey", req.survey.clone()));
    }
    pairs.push(("period", req.period.code()));
    if let Some(f) = req.field {
        pairs.push(("field", f.code().to_owned()));
    }
    if let Some(c) = req.channel {
        pairs.push(("channel", c.code().to_owned()));
    }
    pairs.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect::<Vec<_>>().join("&")
}

/// One choice of a `<select>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// An `<optgroup>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChoiceGroup {
    pub label: String,
    pub choices: Vec<Choice>,
}

/// The filter form of a page (GET, so that a filtered view is a link).
#[derive(Debug, Clone)]
pub struct FilterForm {
    pub action: String,
    pub lang: &'static str,
    pub periods: Vec<ChoiceGroup>,
    /// The period is a custom range: the "custom dates" choice is selected and the dates filled.
    pub custom: bool,
    pub from: String,
    pub to: String,
    pub fields: Vec<Choice>,
    pub channels: Vec<Choice>,
    pub surveys: Vec<Choice>,
}

/// The named periods offered for `year`: the year, its quarters, the four reform-report
/// periods, and its months.
fn periods_of(year: i32) -> Vec<Period> {
    let mut out: Vec<Period> = Period::year(year).into_iter().collect();
    out.extend((1..=4).filter_map(|q| Period::quarter(year, q).ok()));
    out.extend(ReportSpan::ALL.into_iter().filter_map(|s| Period::report(year, s).ok()));
    out.extend((1..=12).filter_map(|m| Period::month(year, m).ok()));
    out
}

/// The filter form for `req`, posting to `action`: periods of this year and the last one.
pub fn form(action: &str, req: &IndexRequest, locale: Locale, today: NaiveDate, surveys: &Registry) -> FilterForm {
    let current = req.period;
    let custom = current.kind() == PeriodKind::Custom;
    let choice = |p: &Period| Choice { value: p.code(), label: p.label(locale), selected: *p == current };
    let mut periods: Vec<ChoiceGroup> = [today.year(), today.year() - 1]
        .into_iter()
        .map(|year| ChoiceGroup { label: year.to_string(), choices: periods_of(year).iter().map(choice).collect() })
        .collect();
    // A named period from a link that the list does not offer (another year) stays selected.
    if !custom && !periods.iter().flat_map(|g| &g.choices).any(|c| c.selected) {
        periods.insert(0, ChoiceGroup { label: current.label(locale), choices: vec![choice(&current)] });
    }
    let fields = Field::ALL
        .iter()
        .map(|f| Choice { value: f.code().into(), label: f.name(locale).into(), selected: req.field == Some(*f) })
        .collect();
    let channels = Channel::ALL
        .iter()
        .map(|c| Choice { value: c.code().into(), label: c.name(locale).into(), selected: req.channel == Some(*c) })
        .collect();
    let mut ids: Vec<&str> = surveys.all().map(|d| d.id()).collect();
    ids.sort_unstable();
    ids.dedup();
    let surveys = ids
        .into_iter()
        .filter_map(|id| surveys.latest(id))
        .map(|d| Choice { value: d.id().into(), label: d.title().get(locale).into(), selected: d.id() == req.survey })
        .collect();
    FilterForm {
        action: action.to_owned(),
        lang: locale.code(),
        periods,
        custom,
        from: if custom { current.from().to_string() } else { String::new() },
        to: if custom { current.to().to_string() } else { String::new() },
        fields,
        channels,
        surveys,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    fn page(q: &str) -> Result<PageQuery, BadQuery> {
        parse(q, &["page"], "sipas-dossier", today())
    }

    #[test]
    fn parses_filters_language_and_own_parameters() {
        let q = page("period=2026-Q1&field=land&channel=online&page=2&lang=en").unwrap();
        assert_eq!(q.locale, Locale::En);
        assert_eq!(q.request.period.code(), "2026-Q1");
        assert_eq!((q.request.field, q.request.channel), (Some(Field::Land), Some(Channel::Online)));
        assert_eq!(q.own.get("page").map(String::as_str), Some("2"));
        let q = page("period=&from=2026-01-10&to=2026-02-20&field=&lang=xx").unwrap();
        assert_eq!(q.locale, Locale::Vi);
        assert_eq!(q.request.period.code(), "2026-01-10..2026-02-20");
        assert_eq!(q.request.field, None);
        assert_eq!(page("").unwrap().request.period.code(), "2026");
    }

    #[test]
    fn names_every_bad_parameter() {
        let e = page("period=2026-Q7&field=fishing&channel=fax&group_by=field&page=1&page=2&lang=en").unwrap_err();
        assert_eq!(e.locale, Locale::En);
        let keys: Vec<&str> = e.errors.keys().map(String::as_str).collect();
        assert_eq!(keys, ["channel", "field", "group_by", "page", "period"]);
        assert!(e.errors["group_by"].starts_with("not a parameter of this page"), "{:?}", e.errors);
        let e = page("from=2026-03-01&to=2026-01-01").unwrap_err();
        assert!(e.errors.contains_key("to"), "{:?}", e.errors);
        let e = page("period=%zz%FF").unwrap_err();
        assert!(e.errors["period"].contains("unknown period"), "{:?}", e.errors);
    }

    #[test]
    fn the_query_carries_the_same_filters() {
        let q = page("period=2026-M03&field=civil_status&survey=health-public").unwrap();
        assert_eq!(
            filter_query(&q.request, "sipas-dossier"),
            "survey=health-public&period=2026-M03&field=civil_status"
        );
        let q = page("from=2026-01-10&to=2026-02-20").unwrap();
        let query = filter_query(&q.request, "sipas-dossier");
        assert_eq!(query, "period=2026-01-10..2026-02-20");
        assert_eq!(page(&query).unwrap().request.period, q.request.period);
        assert_eq!(encode("T.HEALTH/1 &x"), "T.HEALTH%2F1%20%26x");
    }

    #[test]
    fn the_form_offers_this_and_last_year_and_keeps_the_selection() {
        let registry = crate::surveys::Registry::load_dir(std::path::Path::new("survey-definitions")).unwrap();
        let q = page("period=2025-report-6m&channel=kiosk").unwrap();
        let f = form("/staff/city", &q.request, Locale::Vi, today(), &registry);
        assert_eq!(f.periods.len(), 2);
        assert_eq!(f.periods[0].label, "2026");
        assert_eq!(f.periods[0].choices.len(), 1 + 4 + 4 + 12);
        assert_eq!(f.periods[0].choices[0].label, "Năm 2026");
        let selected: Vec<&Choice> = f.periods.iter().flat_map(|g| &g.choices).filter(|c| c.selected).collect();
        assert_eq!(selected.len(), 1);
        assert_eq!(selected[0].value, "2025-report-6m");
        assert!(selected[0].label.starts_with("Báo cáo 6 tháng 2025"));
        assert!(!f.custom);
        assert_eq!(f.channels.iter().filter(|c| c.selected).map(|c| c.value.as_str()).collect::<Vec<_>>(), ["kiosk"]);
        assert!(f.surveys.iter().any(|s| s.value == "sipas-dossier" && s.selected));
        let q = page("period=2019-Q2").unwrap();
        let f = form("/staff/city", &q.request, Locale::En, today(), &registry);
        assert_eq!(f.periods[0].choices[0].label, "Q2 2019");
        assert!(f.periods[0].choices[0].selected);
        let q = page("from=2026-01-10&to=2026-02-20").unwrap();
        let f = form("/staff/city", &q.request, Locale::En, today(), &registry);
        assert!(f.custom && f.from == "2026-01-10" && f.to == "2026-02-20");
        assert!(f.periods.iter().flat_map(|g| &g.choices).all(|c| !c.selected));
    }
}
