//! The shape of a synthetic year, before any response is drawn: which agencies take part and
//! with which survey, fields, channels, volume, quality, trend and response rate; how busy
//! each day is (weekdays, Saturdays, public holidays, Tết, school holidays); and how many
//! responses and unanswered invitations each agency gets each day.

use chrono::{Datelike, NaiveDate, Weekday};

use super::rng::Rng;
use crate::domain::{Agency, AgencyKind, Channel, Field};

/// The survey ids the generator knows how to answer.
pub const DOSSIER_SURVEY: &str = "sipas-dossier";
pub const HEALTH_SURVEY: &str = "health-public";
pub const EDUCATION_SURVEY: &str = "education-public";

/// The city's target: share of satisfied answers the dashboard compares agencies with.
pub const CITY_TARGET: f64 = 0.85;

/// How one agency behaves over the synthetic year.
#[derive(Debug, Clone)]
pub struct AgencyPlan {
    pub code: String,
    pub kind: AgencyKind,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    /// The survey its invitations use (a key of the registry; see [`survey_for`]).
    pub survey: &'static str,
    pub fields: Vec<(Field, f64)>,
    pub channels: Vec<(Channel, f64)>,
    /// Relative number of responses per working day.
    pub volume: f64,
    /// Target share of satisfied (4–5) answers over the year, 0–1.
    pub satisfied: f64,
    /// Change of the satisfaction log-odds from the first to the last day (+ improving).
    pub trend: f64,
    /// Responses per invitation, 0.2–0.7.
    pub response_rate: f64,
    /// Share of dossiers that carry a procedure code.
    pub procedure_share: f64,
}

impl AgencyPlan {
    pub fn is_valid_on(&self, day: NaiveDate) -> bool {
        self.valid_from <= day && self.valid_to.is_none_or(|to| day <= to)
    }

    /// The log-odds of a satisfied answer on the agency's average item at `t` (0 = first day
    /// of the window, 1 = last), before item, channel and respondent effects.
    pub fn quality_at(&self, t: f64) -> f64 {
        // Averaging over respondents (their mood, σ ≈ 0.7) flattens the curve by about 1.09;
        // the item offsets average about −0.1. Both are undone here so that the realised
        // share lands near `satisfied`.
        let s = self.satisfied.clamp(0.01, 0.99);
        (s / (1.0 - s)).ln() * 1.09 + 0.1 + self.trend * (t - 0.5)
    }
}

/// The survey an agency's citizens answer.
pub fn survey_for(kind: AgencyKind) -> &'static str {
    match kind {
        AgencyKind::Hospital => HEALTH_SURVEY,
        AgencyKind::School => EDUCATION_SURVEY,
        _ => DOSSIER_SURVEY,
    }
}

/// The fields (lĩnh vực) an agency handles, with their relative frequency. Departments are
/// recognised by the words of their Vietnamese name, so a real agency list works too.
pub fn fields_for(kind: AgencyKind, name_vi: &str) -> Vec<(Field, f64)> {
    use Field::*;
    let local = [
        (CivilStatus, 30.0),
        (Land, 20.0),
        (LabourSocial, 14.0),
        (Construction, 10.0),
        (BusinessRegistration, 10.0),
        (Justice, 10.0),
        (Other, 6.0),
    ];
    match kind {
        AgencyKind::Hospital => vec![(Health, 1.0)],
        AgencyKind::School => vec![(Education, 1.0)],
        AgencyKind::Ward | AgencyKind::Commune => local.to_vec(),
        AgencyKind::ServiceCentre => vec![
            (BusinessRegistration, 25.0),
            (Investment, 22.0),
            (Land, 20.0),
            (Construction, 15.0),
            (Environment, 6.0),
            (Transport, 6.0),
            (Other, 6.0),
        ],
        AgencyKind::City => vec![(Investment, 2.0), (Land, 2.0), (Other, 1.0)],
        // The former district committees did what the wards do now, and land above all.
        AgencyKind::Other if name_vi.contains("Ủy ban nhân dân") => {
            let mut f = local.to_vec();
            f[1].1 = 30.0;
            f
        }
        AgencyKind::Department | AgencyKind::Other => department_fields(name_vi),
    }
}

fn department_fields(name_vi: &str) -> Vec<(Field, f64)> {
    use Field::*;
    let name = name_vi.to_lowercase();
    let rules: &[(&str, &[(Field, f64)])] = &[
        ("kế hoạch và đầu tư", &[(Investment, 3.0), (BusinessRegistration, 3.0)]),
        ("tài chính", &[(Investment, 3.0), (BusinessRegistration, 3.0), (Other, 1.0)]),
        ("tài nguyên", &[(Land, 3.0), (Environment, 2.0)]),
        ("môi trường", &[(Environment, 3.0), (Land, 2.0)]),
        ("nông nghiệp", &[(Other, 2.0), (Environment, 1.0)]),
        ("giao thông", &[(Transport, 1.0)]),
        ("xây dựng", &[(Construction, 3.0), (Transport, 2.0)]),
        ("giáo dục", &[(Education, 1.0)]),
        ("y tế", &[(Health, 1.0)]),
        ("tư pháp", &[(Justice, 3.0), (CivilStatus, 1.0)]),
        ("lao động", &[(LabourSocial, 1.0)]),
        ("nội vụ", &[(LabourSocial, 2.0), (Other, 1.0)]),
        ("công thương", &[(BusinessRegistration, 1.0), (Other, 2.0)]),
    ];
    rules
        .iter()
        .find(|(word, _)| name.contains(word))
        .map(|(_, fields)| fields.to_vec())
        .unwrap_or_else(|| vec![(Other, 1.0)])
}

/// How dossiers reach an agency of this kind.
pub fn channels_for(kind: AgencyKind) -> Vec<(Channel, f64)> {
    use Channel::*;
    match kind {
        AgencyKind::Hospital => vec![(InPerson, 1.0)],
        AgencyKind::School => vec![(InPerson, 0.8), (Online, 0.2)],
        AgencyKind::Department | AgencyKind::City => vec![(Online, 0.45), (InPerson, 0.45), (Post, 0.1)],
        AgencyKind::ServiceCentre => vec![(InPerson, 0.58), (Online, 0.27), (Kiosk, 0.12), (Post, 0.03)],
        AgencyKind::Ward | AgencyKind::Commune | AgencyKind::Other => {
            vec![(InPerson, 0.64), (Online, 0.26), (Kiosk, 0.05), (Post, 0.05)]
        }
    }
}

/// Relative number of dossiers handled on a working day, by kind (before the per-agency spread).
fn base_volume(kind: AgencyKind) -> f64 {
    match kind {
        AgencyKind::ServiceCentre => 3.0,
        AgencyKind::Hospital => 2.5,
        AgencyKind::Other => 2.0,
        AgencyKind::Ward => 1.6,
        AgencyKind::Commune => 1.0,
        AgencyKind::School => 0.9,
        AgencyKind::Department => 0.7,
        // The city committee decides; citizens file with the centre: a handful of responses.
        AgencyKind::City => 0.012,
    }
}

/// Spread a rank 0..n over [-1, 1] (a single agency sits in the middle).
fn spread(rank: usize, n: usize) -> f64 {
    if n <= 1 {
        0.0
    } else {
        2.0 * rank as f64 / (n - 1) as f64 - 1.0
    }
}

/// The share of satisfied answers for an agency at position `u` in [-1, 1]: most agencies
/// between 80 and 90 %, the best around 94 %, the worst around 67 %.
pub fn satisfied_at(u: f64) -> f64 {
    if u < 0.0 {
        0.86 - 0.19 * (-u).powf(1.5)
    } else {
        0.86 + 0.085 * u.powf(1.5)
    }
}

/// Plans every agency valid on at least one day of `first..=last`. Quality, trend, response
/// rate and the few near-silent departments are spread over the agencies by independent
/// seeded shuffles, so every seed has agencies above and below the city's target.
pub fn plan_agencies(agencies: &[Agency], first: NaiveDate, last: NaiveDate, rng: &mut Rng) -> Vec<AgencyPlan> {
    let active: Vec<&Agency> =
        agencies.iter().filter(|a| a.valid_from <= last && a.valid_to.is_none_or(|to| to >= first)).collect();
    let n = active.len();
    let ranks = |rng: &mut Rng| {
        let mut order: Vec<usize> = (0..n).collect();
        rng.shuffle(&mut order);
        let mut rank = vec![0; n];
        for (position, agency) in order.into_iter().enumerate() {
            rank[agency] = position;
        }
        rank
    };
    let quality_rank = ranks(rng);
    let trend_rank = ranks(rng);
    let rate_rank = ranks(rng);
    // Two departments hear from almost nobody, so that small-n figures show up.
    let mut departments: Vec<usize> = (0..n).filter(|&i| active[i].kind == AgencyKind::Department).collect();
    rng.shuffle(&mut departments);
    departments.truncate(2);

    active
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let kind = a.kind;
            let quiet = departments.contains(&i);
            let volume = base_volume(kind) * rng.range(0.6, 1.5) * if quiet { 0.025 } else { 1.0 };
            let satisfied = (satisfied_at(spread(quality_rank[i], n)) + rng.range(-0.01, 0.01)).clamp(0.5, 0.97);
            // From −0.7 (clearly worse by the end of the year) to +0.9 (clearly better).
            let trend = 0.8 * spread(trend_rank[i], n) + 0.1 + rng.range(-0.05, 0.05);
            let response_rate = 0.2 + 0.5 * (spread(rate_rank[i], n) + 1.0) / 2.0;
            let procedure_share = match kind {
                AgencyKind::Hospital | AgencyKind::School => 0.0,
                AgencyKind::Ward | AgencyKind::Commune | AgencyKind::ServiceCentre => 0.5,
                _ => 0.3,
            };
            AgencyPlan {
                code: a.code.to_string(),
                kind,
                valid_from: a.valid_from,
                valid_to: a.valid_to,
                survey: survey_for(kind),
                fields: fields_for(kind, &a.name_vi),
                channels: channels_for(kind),
                volume,
                satisfied,
                trend,
                response_rate,
                procedure_share,
            }
        })
        .collect()
}

/// First day of Tết (the lunar new year) for the years the demo is likely to cover.
const TET: &[(i32, u32, u32)] =
    &[(2024, 2, 10), (2025, 1, 29), (2026, 2, 17), (2027, 2, 6), (2028, 1, 26), (2029, 2, 13), (2030, 2, 3)];

/// Whether offices are closed for a public holiday: fixed dates, and Tết (two days before
/// to four days after its first day) where [`TET`] knows the year.
pub fn is_holiday(day: NaiveDate) -> bool {
    let fixed = matches!((day.month(), day.day()), (1, 1) | (4, 30) | (5, 1) | (9, 1) | (9, 2));
    let tet = TET.iter().any(|&(y, m, d)| {
        NaiveDate::from_ymd_opt(y, m, d).is_some_and(|first| (-2..=4).contains(&(day - first).num_days()))
    });
    fixed || tet
}

/// How busy `day` is for an agency of `kind`, relative to an ordinary weekday. One-stop
/// offices open on Saturday mornings; hospitals work every day; schools rest in summer.
pub fn day_weight(kind: AgencyKind, day: NaiveDate) -> f64 {
    let hospital = kind == AgencyKind::Hospital;
    if is_holiday(day) {
        return if hospital { 0.35 } else { 0.02 };
    }
    let weekday = match day.weekday() {
        Weekday::Sat if hospital => 0.6,
        Weekday::Sun if hospital => 0.4,
        Weekday::Sat => 0.25,
        Weekday::Sun => 0.02,
        Weekday::Mon => 1.15,
        Weekday::Fri => 0.95,
        _ => 1.0,
    };
    let season = if kind == AgencyKind::School && matches!(day.month(), 6..=8) { 0.15 } else { 1.0 };
    weekday * season
}

/// What one agency gets on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    pub agency: usize,
    /// Days since the first day of the window.
    pub day: u32,
    pub responses: u64,
    /// Invitations nobody answered.
    pub unanswered: u64,
}

/// Splits `total` responses over agencies × days in proportion to volume × day weight (with
/// ±25 % noise per cell), and adds unanswered invitations to match each agency's response
/// rate. Cumulative rounding makes the responses add up to exactly `total`; days come in
/// order and agencies in plan order within a day, so the output can be streamed.
pub fn allocate(plans: &[AgencyPlan], first: NaiveDate, days: u32, total: u64, rng: &mut Rng) -> Vec<Cell> {
    let mut weights = Vec::with_capacity(days as usize * plans.len());
    for d in 0..days {
        let day = first + chrono::Days::new(u64::from(d));
        for plan in plans {
            let w = if plan.is_valid_on(day) {
                plan.volume * day_weight(plan.kind, day) * rng.range(0.75, 1.25)
            } else {
                0.0
            };
            weights.push(w);
        }
    }
    let sum: f64 = weights.iter().sum();
    if sum <= 0.0 || plans.is_empty() {
        return Vec::new();
    }
    let mut cells = Vec::new();
    let mut cumulative = 0.0;
    let mut given = 0u64;
    let mut unanswered_due = vec![0.0f64; plans.len()];
    let last_positive = weights.iter().rposition(|w| *w > 0.0).unwrap_or(0);
    for (i, w) in weights.iter().enumerate() {
        if *w <= 0.0 {
            continue;
        }
        cumulative += w;
        let upto = if i == last_positive { total } else { ((cumulative / sum) * total as f64).round() as u64 };
        let responses = upto.saturating_sub(given).min(total - given);
        given += responses;
        let agency = i % plans.len();
        let rate = plans[agency].response_rate;
        // Unanswered invitations follow the expected count, so quiet days get some too.
        unanswered_due[agency] += (w / sum) * total as f64 * (1.0 - rate) / rate;
        let unanswered = unanswered_due[agency].floor();
        unanswered_due[agency] -= unanswered;
        if responses > 0 || unanswered > 0.0 {
            cells.push(Cell { agency, day: (i / plans.len()) as u32, responses, unanswered: unanswered as u64 });
        }
    }
    cells
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AgencyCode;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn agency(code: &str, kind: AgencyKind, name: &str, from: NaiveDate, to: Option<NaiveDate>) -> Agency {
        Agency {
            code: AgencyCode::parse(code).unwrap(),
            parent: None,
            kind,
            name_vi: name.to_owned(),
            name_en: name.to_owned(),
            valid_from: from,
            valid_to: to,
            successors: Vec::new(),
        }
    }

    fn fields(kind: AgencyKind, name: &str) -> Vec<Field> {
        fields_for(kind, name).into_iter().map(|(f, _)| f).collect()
    }

    #[test]
    fn fields_follow_the_kind_and_the_department_name() {
        assert_eq!(fields(AgencyKind::Hospital, "Bệnh viện"), [Field::Health]);
        assert_eq!(fields(AgencyKind::School, "Trường"), [Field::Education]);
        assert_eq!(fields(AgencyKind::Department, "Sở Xây dựng"), [Field::Construction, Field::Transport]);
        assert_eq!(fields(AgencyKind::Department, "Sở Tư pháp"), [Field::Justice, Field::CivilStatus]);
        assert_eq!(
            fields(AgencyKind::Department, "Sở Kế hoạch và Đầu tư"),
            [Field::Investment, Field::BusinessRegistration]
        );
        assert_eq!(fields(AgencyKind::Department, "Sở Nông nghiệp và Môi trường")[0], Field::Environment);
        assert_eq!(fields(AgencyKind::Department, "Sở Văn hóa và Thể thao"), [Field::Other]);
        let ward = fields(AgencyKind::Ward, "Ủy ban nhân dân phường Hoàn Kiếm");
        assert_eq!(ward[0], Field::CivilStatus);
        assert!(ward.contains(&Field::Land) && ward.contains(&Field::LabourSocial));
        assert_eq!(fields(AgencyKind::Other, "Ủy ban nhân dân quận Hoàn Kiếm")[1], Field::Land);
        assert_eq!(survey_for(AgencyKind::Hospital), HEALTH_SURVEY);
        assert_eq!(survey_for(AgencyKind::Ward), DOSSIER_SURVEY);
    }

    #[test]
    fn weekdays_are_busy_weekends_and_holidays_quiet() {
        let ward = AgencyKind::Ward;
        // 2026-03-02 is a Monday.
        assert_eq!(day_weight(ward, date(2026, 3, 2)), 1.15);
        assert_eq!(day_weight(ward, date(2026, 3, 4)), 1.0);
        assert_eq!(day_weight(ward, date(2026, 3, 7)), 0.25);
        assert_eq!(day_weight(ward, date(2026, 3, 8)), 0.02);
        assert_eq!(day_weight(AgencyKind::Hospital, date(2026, 3, 8)), 0.4);
        assert!(is_holiday(date(2026, 9, 2)));
        assert!(is_holiday(date(2026, 2, 15)) && is_holiday(date(2026, 2, 21)));
        assert!(!is_holiday(date(2026, 2, 14)) && !is_holiday(date(2026, 2, 22)));
        assert_eq!(day_weight(ward, date(2026, 2, 18)), 0.02);
        assert_eq!(day_weight(AgencyKind::School, date(2026, 7, 1)), 0.15);
    }

    #[test]
    fn satisfaction_spreads_from_about_67_to_about_94_percent() {
        assert!((satisfied_at(-1.0) - 0.67).abs() < 1e-9);
        assert!((satisfied_at(0.0) - 0.86).abs() < 1e-9);
        assert!((satisfied_at(1.0) - 0.945).abs() < 1e-9);
        assert!(satisfied_at(-0.5) < satisfied_at(0.5));
    }

    fn sample_plans(rng: &mut Rng) -> Vec<AgencyPlan> {
        let from = date(2008, 8, 1);
        let list = vec![
            agency("C", AgencyKind::City, "Ủy ban nhân dân thành phố", from, None),
            agency("D1", AgencyKind::Department, "Sở Tư pháp", from, None),
            agency("D2", AgencyKind::Department, "Sở Xây dựng", from, None),
            agency("D3", AgencyKind::Department, "Sở Y tế", from, None),
            agency("W1", AgencyKind::Ward, "Ủy ban nhân dân phường A", from, None),
            agency("W2", AgencyKind::Ward, "Ủy ban nhân dân phường B", from, Some(date(2026, 6, 30))),
            agency("W3", AgencyKind::Ward, "Ủy ban nhân dân phường C", date(2026, 7, 1), None),
            agency("OLD", AgencyKind::Ward, "Ủy ban nhân dân phường D", from, Some(date(2020, 1, 1))),
            agency("H", AgencyKind::Hospital, "Bệnh viện", from, None),
        ];
        plan_agencies(&list, date(2026, 1, 1), date(2026, 12, 31), rng)
    }

    #[test]
    fn plans_cover_the_valid_agencies_with_spread_quality_and_rates() {
        let plans = sample_plans(&mut Rng::new(5));
        assert_eq!(plans.len(), 8, "the agency that ended in 2020 takes no part");
        assert!(plans.iter().any(|p| p.satisfied < 0.75));
        assert!(plans.iter().any(|p| p.satisfied > 0.9));
        assert!(plans.iter().any(|p| p.trend > 0.3) && plans.iter().any(|p| p.trend < -0.3));
        assert!(plans.iter().all(|p| (0.2..=0.7).contains(&p.response_rate)));
        let quiet = plans.iter().filter(|p| p.kind == AgencyKind::Department && p.volume < 0.1).count();
        assert_eq!(quiet, 2);
        let h = plans.iter().find(|p| p.code == "H").unwrap();
        assert_eq!((h.survey, h.procedure_share), (HEALTH_SURVEY, 0.0));
    }

    #[test]
    fn allocation_hits_the_total_exactly_and_respects_validity_and_rates() {
        let mut rng = Rng::new(9);
        let plans = sample_plans(&mut rng);
        let first = date(2026, 1, 1);
        let cells = allocate(&plans, first, 365, 10_001, &mut rng);
        assert_eq!(cells.iter().map(|c| c.responses).sum::<u64>(), 10_001);
        assert!(cells.windows(2).all(|w| w[0].day <= w[1].day), "days come in order");
        for c in &cells {
            let day = first + chrono::Days::new(u64::from(c.day));
            assert!(plans[c.agency].is_valid_on(day), "{} on {day}", plans[c.agency].code);
        }
        let w2 = plans.iter().position(|p| p.code == "W2").unwrap();
        let (responses, unanswered) =
            cells.iter().filter(|c| c.agency == w2).fold((0, 0), |(r, u), c| (r + c.responses, u + c.unanswered));
        let rate = responses as f64 / (responses + unanswered) as f64;
        assert!((rate - plans[w2].response_rate).abs() < 0.03, "{rate} vs {}", plans[w2].response_rate);
        // Weekends are quiet for a ward: far fewer responses on Sundays than on Wednesdays.
        let on = |weekday: Weekday| {
            cells
                .iter()
                .filter(|c| c.agency == w2 && (first + chrono::Days::new(u64::from(c.day))).weekday() == weekday)
                .map(|c| c.responses)
                .sum::<u64>()
        };
        assert!(on(Weekday::Sun) * 10 < on(Weekday::Wed), "{} vs {}", on(Weekday::Sun), on(Weekday::Wed));
    }

    #[test]
    fn allocation_of_nothing_or_to_nobody_is_empty() {
        let mut rng = Rng::new(1);
        assert!(allocate(&[], date(2026, 1, 1), 10, 100, &mut rng).is_empty());
        let plans = sample_plans(&mut rng);
        let cells = allocate(&plans, date(2026, 1, 1), 10, 0, &mut rng);
        assert_eq!(cells.iter().map(|c| c.responses).sum::<u64>(), 0);
    }
}
