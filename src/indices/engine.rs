//! The `sipas-v1` index computation (PRODUCT §4) from answer counts: the same work for ten
//! responses as for a million, since the database only has to count answers per item and value.

use std::collections::BTreeMap;

use serde::Serialize;

use super::stats::wilson_interval;
use crate::surveys::{QuestionKind, SurveyDefinition};

/// Counts of answers per item and value for one group (one slice of scope × period).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemCounts {
    /// Value 1..=5 → count. Other keys are not valid answers and are ignored.
    pub by_value: BTreeMap<i32, u64>,
    /// "Không có ý kiến / không áp dụng" answers: out of numerator and denominator.
    pub not_applicable: u64,
}

impl ItemCounts {
    /// Counts one answer: `Some(1..=5)` a rating, `None` "not applicable".
    pub fn add(&mut self, value: Option<i32>) {
        match value {
            Some(v) => *self.by_value.entry(v).or_default() += 1,
            None => self.not_applicable += 1,
        }
    }
}

/// The input of [`compute`] for one group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupInput {
    /// Item or rating-question id → its counts; ids the definition does not know are ignored.
    pub counts: BTreeMap<String, ItemCounts>,
    /// Responses in the group.
    pub n_responses: u64,
    /// Invitations in the same scope and period, when known.
    pub n_invitations: Option<u64>,
}

/// The weights of one level, in definition order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeightOf {
    pub id: String,
    pub weight: f64,
}

/// The weights of the definition (defaults resolved: equal weights summing to 1 among
/// siblings). Where some children of a criterion, domain or the overall index have no value,
/// [`compute`] renormalises the weights of those that have one, so they sum to 1 again.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Weights {
    /// Each domain's weight in the overall index.
    pub domains: Vec<WeightOf>,
    /// Each criterion's weight within its domain.
    pub criteria: Vec<WeightOf>,
}

/// A figure without an id: the overall index.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    /// In percent, 0–100; `None` when nothing below it has a valid answer.
    pub value: Option<f64>,
    /// The response-count proxy: the largest item `n` below it (see [`compute`]).
    pub n: u64,
}

/// The index of a domain or criterion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FigureOf {
    pub id: String,
    /// In percent, 0–100; `None` when none of its items has a valid answer.
    pub value: Option<f64>,
    /// The response-count proxy: the largest item `n` within it (see [`compute`]).
    pub n: u64,
    /// `n` is below the small-n threshold: show greyed, leave out of rankings.
    pub small_n: bool,
}

/// The satisfaction rate of one rating item or rating question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemFigure {
    pub id: String,
    /// 100 × answers ≥ threshold / valid answers; `None` without valid answers.
    pub value: Option<f64>,
    /// Valid answers (1–5).
    pub n: u64,
    /// The 95 % Wilson interval of `value`, in percent.
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub small_n: bool,
    /// Mean score on the 1–5 scale (a diagnostic, not part of the index).
    pub mean: Option<f64>,
    /// Answers 1, 2, 3, 4 and 5.
    pub distribution: [u64; 5],
    pub not_applicable: u64,
}

/// Every figure of one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupResult {
    /// The method id, e.g. `sipas-v1`.
    pub method: String,
    pub survey_id: String,
    pub survey_version: u32,
    pub weights: Weights,
    pub n_responses: u64,
    /// Responses / invitations as a ratio (0.25 = a quarter answered, may exceed 1 when the
    /// scope's invitations and responses fall on different sides of a period boundary);
    /// `None` without invitations.
    pub response_rate: Option<f64>,
    /// The weighted mean of the domains.
    pub overall: Figure,
    /// In definition order.
    pub domains: Vec<FigureOf>,
    /// In definition order.
    pub criteria: Vec<FigureOf>,
    /// The rating items in criterion order, then the rating questions outside the criteria
    /// (such as `overall`), which are reported but are not part of the index.
    pub items: Vec<ItemFigure>,
    /// `overall.n` is below the small-n threshold.
    pub small_n: bool,
}

/// The mean of `(value, weight)` pairs over those with a value, with the weights renormalised
/// to sum to 1 over them; `None` when no pair has a value.
fn weighted_mean(parts: impl IntoIterator<Item = (Option<f64>, f64)>) -> Option<f64> {
    let (mut sum, mut weights) = (0.0, 0.0);
    for (value, weight) in parts {
        if let Some(v) = value {
            sum += v * weight;
            weights += weight;
        }
    }
    (weights > 0.0).then(|| sum / weights)
}

fn item_figure(id: &str, counts: Option<&ItemCounts>, threshold: i64, small_n: u64) -> ItemFigure {
    let mut distribution = [0u64; 5];
    if let Some(c) = counts {
        for (&value, &count) in &c.by_value {
            if let Some(slot) = usize::try_from(value - 1).ok().and_then(|i| distribution.get_mut(i)) {
                *slot += count;
            }
        }
    }
    let n: u64 = distribution.iter().sum();
    let satisfied: u64 =
        distribution.iter().zip(1i64..).filter(|&(_, point)| point >= threshold).map(|(&count, _)| count).sum();
    let score_sum: u64 = distribution.iter().zip(1u64..).map(|(&count, point)| count * point).sum();
    let interval = wilson_interval(satisfied, n);
    let has_answers = n > 0;
    ItemFigure {
        id: id.to_owned(),
        value: has_answers.then(|| 100.0 * satisfied as f64 / n as f64),
        n,
        ci_low: interval.map(|(low, _)| low),
        ci_high: interval.map(|(_, high)| high),
        small_n: n < small_n,
        mean: has_answers.then(|| score_sum as f64 / n as f64),
        distribution,
        not_applicable: counts.map_or(0, |c| c.not_applicable),
    }
}

/// The weights of `def`, as every result records them.
pub fn weights(def: &SurveyDefinition) -> Weights {
    Weights {
        domains: def.domains().iter().map(|d| WeightOf { id: d.id.clone(), weight: d.weight }).collect(),
        criteria: def.criteria().iter().map(|c| WeightOf { id: c.id.clone(), weight: c.weight }).collect(),
    }
}

/// Computes every figure of one group by the `sipas-v1` method (PRODUCT §4).
///
/// - Item rate = 100 × answers ≥ `def.method().threshold` / valid answers 1–5; "not
///   applicable" and missing answers are out of both. Values outside 1–5 are ignored.
/// - Criterion = unweighted mean of its items' rates, over the items with at least one valid
///   answer. Domain = mean of its criteria weighted by the criteria weights; overall = mean of
///   the domains weighted by the domain weights. **When some children have no value, the
///   weights are renormalised over those that have one**, so an item nobody could answer
///   (e.g. a channel-specific item in a group without that channel) does not pull its
///   criterion towards 0; a level with no valued child has no value.
/// - `n` of an item is its number of valid answers. `n` of a criterion, domain or the overall
///   index should be the number of responses contributing to it, but counts per item cannot
///   tell how many *distinct* responses answered its items; the largest item `n` within it is
///   used as the proxy. It is exact when every response answers every item the others do and
///   never overstates the true number. `small_n` flags `n < small_n` at every level.
/// - Rating questions outside the criteria (e.g. `overall`) are reported in `items` after the
///   criterion items but take no part in the index; multi-choice and percent questions are
///   not reported.
pub fn compute(def: &SurveyDefinition, input: &GroupInput, small_n: u64) -> GroupResult {
    let threshold = def.method().threshold;
    let mut items = Vec::new();
    let mut criteria = Vec::new();
    for criterion in def.criteria() {
        let figures: Vec<ItemFigure> = criterion
            .items
            .iter()
            .map(|item| item_figure(&item.id, input.counts.get(&item.id), threshold, small_n))
            .collect();
        let n = figures.iter().map(|f| f.n).max().unwrap_or(0);
        criteria.push(FigureOf {
            id: criterion.id.clone(),
            value: weighted_mean(figures.iter().map(|f| (f.value, 1.0))),
            n,
            small_n: n < small_n,
        });
        items.extend(figures);
    }
    let domains: Vec<FigureOf> = def
        .domains()
        .iter()
        .map(|domain| {
            let children: Vec<(&FigureOf, f64)> = def
                .criteria()
                .iter()
                .zip(&criteria)
                .filter(|(c, _)| c.domain == domain.id)
                .map(|(c, figure)| (figure, c.weight))
                .collect();
            let n = children.iter().map(|(f, _)| f.n).max().unwrap_or(0);
            FigureOf {
                id: domain.id.clone(),
                value: weighted_mean(children.iter().map(|(f, w)| (f.value, *w))),
                n,
                small_n: n < small_n,
            }
        })
        .collect();
    let overall_n = domains.iter().map(|d| d.n).max().unwrap_or(0);
    let overall = Figure {
        value: weighted_mean(def.domains().iter().zip(&domains).map(|(d, figure)| (figure.value, d.weight))),
        n: overall_n,
    };
    for question in def.questions() {
        if let QuestionKind::Rating { .. } = question.kind {
            items.push(item_figure(&question.id, input.counts.get(&question.id), threshold, small_n));
        }
    }
    GroupResult {
        method: def.method().kind.code().to_owned(),
        survey_id: def.id().to_owned(),
        survey_version: def.version(),
        weights: weights(def),
        n_responses: input.n_responses,
        response_rate: input.n_invitations.filter(|&i| i > 0).map(|i| input.n_responses as f64 / i as f64),
        overall,
        domains,
        criteria,
        items,
        small_n: overall_n < small_n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Channel;

    const EPS: f64 = 1e-9;

    fn dossier() -> SurveyDefinition {
        let text = include_str!("../../survey-definitions/sipas-dossier-v1.toml");
        SurveyDefinition::parse("survey-definitions/sipas-dossier-v1.toml", text).unwrap()
    }

    /// Two domains with unequal weights at both levels.
    const WEIGHTED: &str = r#"
id = "w"
version = 3
title = { vi = "Tiêu đề", en = "Title" }
intro = { vi = "Giới thiệu", en = "Intro" }

[scale]
labels.vi = ["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"]
labels.en = ["1", "2", "3", "4", "5"]
not_applicable = { vi = "Không có ý kiến / không áp dụng", en = "No opinion / not applicable" }

[index]
method = "sipas-v1"
threshold = 4

[[domains]]
id = "service"
title = { vi = "Dịch vụ", en = "Service" }
weight = 0.75

[[domains]]
id = "digital"
title = { vi = "Số", en = "Digital" }
weight = 0.25

[[criteria]]
id = "A"
domain = "service"
title = { vi = "Tiếp cận", en = "Access" }
weight = 0.6
items = ["A1", "A2"]

[[criteria]]
id = "B"
domain = "service"
title = { vi = "Thủ tục", en = "Procedure" }
weight = 0.4
items = ["B1"]

[[criteria]]
id = "C"
domain = "digital"
title = { vi = "Trực tuyến", en = "Online" }
items = ["C1"]

[[items]]
id = "A1"
text = { vi = "Một", en = "One" }
channels = ["in_person", "kiosk"]

[[items]]
id = "A2"
text = { vi = "Hai", en = "Two" }

[[items]]
id = "B1"
text = { vi = "Ba", en = "Three" }
not_applicable = true

[[items]]
id = "C1"
text = { vi = "Bốn", en = "Four" }
channels = ["online"]
not_applicable = true

[[questions]]
id = "overall"
kind = "rating"
text = { vi = "Chung", en = "Overall" }
not_applicable = true

[[questions]]
id = "improve"
kind = "multi_choice"
text = { vi = "Cải thiện", en = "Improve" }
required = false
options = [{ id = "x", label = { vi = "X", en = "X" } }]
"#;

    fn weighted(threshold: i64) -> SurveyDefinition {
        let text = WEIGHTED.replace("threshold = 4", &format!("threshold = {threshold}"));
        SurveyDefinition::parse("defs/w-v3.toml", &text).unwrap()
    }

    fn counts(by_value: &[(i32, u64)], not_applicable: u64) -> ItemCounts {
        ItemCounts { by_value: by_value.iter().copied().collect(), not_applicable }
    }

    fn input(items: &[(&str, ItemCounts)]) -> GroupInput {
        GroupInput {
            counts: items.iter().map(|(id, c)| ((*id).to_owned(), c.clone())).collect(),
            n_responses: 0,
            n_invitations: None,
        }
    }

    fn close(actual: Option<f64>, expected: f64) -> bool {
        actual.is_some_and(|a| (a - expected).abs() < EPS)
    }

    #[track_caller]
    fn assert_close(actual: Option<f64>, expected: f64) {
        assert!(close(actual, expected), "{actual:?} != {expected}");
    }

    fn find<'a, T>(list: &'a [T], id: &str, get: impl Fn(&T) -> &str) -> &'a T {
        list.iter().find(|x| get(x) == id).unwrap_or_else(|| panic!("no {id}"))
    }

    fn item<'a>(r: &'a GroupResult, id: &str) -> &'a ItemFigure {
        find(&r.items, id, |i| &i.id)
    }

    fn crit<'a>(r: &'a GroupResult, id: &str) -> &'a FigureOf {
        find(&r.criteria, id, |c| &c.id)
    }

    fn dom<'a>(r: &'a GroupResult, id: &str) -> &'a FigureOf {
        find(&r.domains, id, |c| &c.id)
    }

    /// Every number below is worked out by hand in the comments.
    #[test]
    fn dossier_survey_by_hand() {
        let def = dossier();
        let mut group = input(&[
            ("A1", counts(&[(5, 3), (4, 1), (2, 1)], 0)), // 4 of 5 = 80, mean 21/5
            ("A2", counts(&[(3, 2), (4, 2)], 0)),         // 2 of 4 = 50
            // A3: no answers at all → no value, left out of A.
            ("A4", counts(&[(1, 1), (5, 1), (0, 4), (6, 4)], 0)), // 1 of 2 = 50; 0 and 6 are ignored
            ("B1", counts(&[(4, 10)], 0)),                        // 100
            ("B2", counts(&[(2, 5), (5, 5)], 0)),                 // 50
            ("B3", counts(&[(3, 10)], 0)),                        // 0
            ("B4", counts(&[(5, 7), (1, 3)], 0)),                 // 70
            ("C1", counts(&[(4, 4)], 0)),                         // 100
            ("C2", counts(&[(4, 2), (3, 2)], 0)),                 // 50
            ("C3", counts(&[(5, 1), (1, 3)], 0)),                 // 25
            ("D1", counts(&[(5, 6)], 0)),                         // 100
            ("D2", counts(&[(5, 3), (2, 3)], 0)),                 // 50
            ("D3", counts(&[(4, 6)], 0)),                         // 100
            ("E1", counts(&[(4, 1), (2, 1)], 5)),                 // 1 of 2 = 50; 5 n/a left out
            ("E2", counts(&[], 8)),                               // only n/a → no value
            ("E3", counts(&[(5, 2)], 3)),                         // 100
            ("overall", counts(&[(4, 3), (3, 1)], 0)),            // 75, not in the index
            ("Z9", counts(&[(1, 100)], 0)),                       // unknown id: ignored
        ]);
        group.n_responses = 12;
        group.n_invitations = Some(48);
        let r = compute(&def, &group, 5);

        assert_eq!(r.method, "sipas-v1");
        assert_eq!((r.survey_id.as_str(), r.survey_version), ("sipas-dossier", 1));
        assert_eq!(r.n_responses, 12);
        assert_close(r.response_rate, 0.25);

        let a1 = item(&r, "A1");
        assert_close(a1.value, 80.0);
        assert_close(a1.mean, 4.2);
        assert_eq!((a1.n, a1.distribution, a1.not_applicable, a1.small_n), (5, [0, 1, 0, 1, 3], 0, false));
        assert_eq!((a1.ci_low, a1.ci_high), {
            let (l, h) = wilson_interval(4, 5).unwrap();
            (Some(l), Some(h))
        });
        let a3 = item(&r, "A3");
        assert_eq!((a3.value, a3.n, a3.ci_low, a3.ci_high, a3.mean, a3.small_n), (None, 0, None, None, None, true));
        let a4 = item(&r, "A4");
        assert_close(a4.value, 50.0);
        assert_eq!((a4.n, a4.distribution), (2, [1, 0, 0, 0, 1]));
        let e1 = item(&r, "E1");
        assert_close(e1.value, 50.0);
        assert_eq!((e1.n, e1.not_applicable, e1.small_n), (2, 5, true));
        let e2 = item(&r, "E2");
        assert_eq!((e2.value, e2.n, e2.not_applicable), (None, 0, 8));
        assert_close(item(&r, "C3").value, 25.0);

        assert_close(crit(&r, "A").value, 60.0); // (80 + 50 + 50) / 3, A3 left out
        assert_close(crit(&r, "B").value, 55.0); // (100 + 50 + 0 + 70) / 4
        assert_close(crit(&r, "C").value, 175.0 / 3.0);
        assert_close(crit(&r, "D").value, 250.0 / 3.0);
        assert_close(crit(&r, "E").value, 75.0); // (50 + 100) / 2, E2 left out
        let ns: Vec<(u64, bool)> = r.criteria.iter().map(|c| (c.n, c.small_n)).collect();
        assert_eq!(ns, [(5, false), (10, false), (4, true), (6, false), (2, true)]);

        // One domain, five criteria of weight 1/5: (60 + 55 + 175/3 + 250/3 + 75) / 5 = 995/15.
        assert_eq!(r.domains.len(), 1);
        assert_close(dom(&r, "service").value, 995.0 / 15.0);
        assert_eq!(dom(&r, "service").n, 10);
        assert_close(r.overall.value, 995.0 / 15.0);
        assert_eq!(r.overall.n, 10);
        assert!(!r.small_n);
        assert!(compute(&def, &group, 11).small_n);

        // 17 criterion items in order, then the `overall` rating question; `improve` is absent.
        let ids: Vec<&str> = r.items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids.len(), 18);
        assert_eq!(ids[..5], ["A1", "A2", "A3", "A4", "B1"]);
        assert_eq!(ids[17], "overall");
        assert_close(item(&r, "overall").value, 75.0);

        let w = &r.weights;
        assert_eq!(w.domains, [WeightOf { id: "service".into(), weight: 1.0 }]);
        assert_eq!(w.criteria.len(), 5);
        assert!(w.criteria.iter().all(|c| (c.weight - 0.2).abs() < EPS));
    }

    #[test]
    fn unequal_weights_and_renormalisation() {
        let def = weighted(4);
        let full = input(&[
            ("A1", counts(&[(5, 1), (1, 1)], 0)), // 50
            ("A2", counts(&[(4, 3), (1, 1)], 0)), // 75 → A = 62.5 (items unweighted)
            ("B1", counts(&[(4, 1), (1, 3)], 2)), // 25
            ("C1", counts(&[(5, 9), (2, 1)], 0)), // 90
        ]);
        let r = compute(&def, &full, 30);
        assert_close(crit(&r, "A").value, 62.5);
        assert_close(dom(&r, "service").value, 47.5); // 0.6 × 62.5 + 0.4 × 25
        assert_close(dom(&r, "digital").value, 90.0);
        assert_close(r.overall.value, 58.125); // 0.75 × 47.5 + 0.25 × 90
        assert_eq!((dom(&r, "service").n, dom(&r, "digital").n, r.overall.n), (4, 10, 10));
        assert!(r.small_n && r.criteria.iter().all(|c| c.small_n));
        let weights = serde_json::to_value(&r.weights).unwrap();
        assert_eq!(
            weights,
            serde_json::json!({
                "domains": [{"id": "service", "weight": 0.75}, {"id": "digital", "weight": 0.25}],
                "criteria": [{"id": "A", "weight": 0.6}, {"id": "B", "weight": 0.4}, {"id": "C", "weight": 1.0}],
            })
        );

        // B has only "not applicable" answers: service is A alone, not 0.6 × 62.5.
        let mut no_b = full.clone();
        no_b.counts.insert("B1".into(), counts(&[], 7));
        let r = compute(&def, &no_b, 30);
        assert_eq!(crit(&r, "B").value, None);
        assert_close(dom(&r, "service").value, 62.5);
        assert_close(r.overall.value, 69.375); // 0.75 × 62.5 + 0.25 × 90

        // No online respondents: digital has no value, overall is service alone.
        let mut no_c = full.clone();
        no_c.counts.remove("C1");
        let r = compute(&def, &no_c, 30);
        assert_eq!((dom(&r, "digital").value, dom(&r, "digital").n), (None, 0));
        assert_close(r.overall.value, 47.5);
        assert_eq!(r.overall.n, 4);

        // The threshold comes from the definition: with 5 only "Rất hài lòng" counts.
        let r = compute(&weighted(5), &full, 30);
        assert_close(item(&r, "A2").value, 0.0);
        assert_close(item(&r, "C1").value, 90.0);
    }

    #[test]
    fn empty_group_has_no_values() {
        for def in [dossier(), weighted(4)] {
            let r = compute(&def, &GroupInput::default(), 30);
            assert_eq!((r.overall.value, r.overall.n, r.n_responses, r.response_rate), (None, 0, 0, None));
            assert!(r.small_n);
            assert!(r.domains.iter().chain(&r.criteria).all(|f| f.value.is_none() && f.n == 0 && f.small_n));
            assert!(r.items.iter().all(|i| {
                i.value.is_none()
                    && i.n == 0
                    && i.ci_low.is_none()
                    && i.ci_high.is_none()
                    && i.mean.is_none()
                    && i.distribution == [0; 5]
                    && i.not_applicable == 0
                    && i.small_n
            }));
        }
        let r = compute(&dossier(), &GroupInput { n_invitations: Some(0), ..GroupInput::default() }, 30);
        assert_eq!(r.response_rate, None);
        let r = compute(&dossier(), &GroupInput { n_invitations: Some(40), ..GroupInput::default() }, 30);
        assert_eq!(r.response_rate, Some(0.0));
    }

    #[test]
    fn serialises_in_the_api_shape() {
        let group = input(&[("B1", counts(&[(4, 8), (2, 2)], 1))]);
        let json = serde_json::to_value(compute(&dossier(), &group, 30)).unwrap();
        for key in ["method", "weights", "n_responses", "response_rate", "overall", "criteria", "items", "small_n"] {
            assert!(json.get(key).is_some(), "{key}");
        }
        assert_eq!(json["overall"], serde_json::json!({"value": 80.0, "n": 10}));
        assert_eq!(json["criteria"][0], serde_json::json!({"id": "A", "value": null, "n": 0, "small_n": true}));
        let b1 = &json["items"][4];
        assert_eq!(b1["id"], "B1");
        assert_eq!(b1["value"], 80.0);
        assert_eq!(b1["distribution"], serde_json::json!([0, 2, 0, 8, 0]));
        assert_eq!((b1["ci_low"].as_f64().unwrap() * 10.0).round(), 490.0);
        assert_eq!((b1["ci_high"].as_f64().unwrap() * 10.0).round(), 943.0);
    }

    /// xorshift64*: a small seeded generator, enough for test data.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// One answer as stored: `None` missing, `Some(None)` not applicable, `Some(Some(v))` a point.
    type Answer = Option<Option<i32>>;

    /// Random individual responses: each picks a channel and answers the items of that channel
    /// (sometimes leaving one out or answering "not applicable" where allowed).
    fn random_responses(def: &SurveyDefinition, rng: &mut Rng, count: u64) -> Vec<BTreeMap<String, Answer>> {
        let mut keys: Vec<(String, bool, Option<&crate::surveys::Item>)> =
            def.items().map(|i| (i.id.clone(), i.not_applicable, Some(i))).collect();
        for q in def.questions() {
            if let QuestionKind::Rating { not_applicable } = q.kind {
                keys.push((q.id.clone(), not_applicable, None));
            }
        }
        // Skewed per-item probabilities, so rates differ between items.
        let bias: Vec<u64> = keys.iter().map(|_| rng.below(5)).collect();
        (0..count)
            .map(|_| {
                let channel = Channel::ALL[rng.below(Channel::ALL.len() as u64) as usize];
                let mut answers = BTreeMap::new();
                for ((id, na_allowed, item), bias) in keys.iter().zip(&bias) {
                    let answer = if item.is_some_and(|i| !i.applies_to(channel)) || rng.below(10) == 0 {
                        None
                    } else if *na_allowed && rng.below(6) == 0 {
                        Some(None)
                    } else {
                        let v = if rng.below(2) == 0 { 1 + *bias } else { 1 + rng.below(5) };
                        Some(Some(v as i32))
                    };
                    answers.insert(id.clone(), answer);
                }
                answers
            })
            .collect()
    }

    /// The naive computation straight from the individual responses.
    struct Naive {
        items: BTreeMap<String, (Option<f64>, u64, Option<f64>, u64)>, // rate, n, mean, n/a
        criteria: BTreeMap<String, (Option<f64>, u64, u64)>,           // index, max item n, distinct responses
        overall: Option<f64>,
    }

    fn naive(def: &SurveyDefinition, responses: &[BTreeMap<String, Answer>]) -> Naive {
        let threshold = def.method().threshold as i32;
        let mut items = BTreeMap::new();
        let ids = responses.first().map(|r| r.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
        for id in &ids {
            let points: Vec<i32> = responses.iter().filter_map(|r| r[id].flatten()).collect();
            let na = responses.iter().filter(|r| r[id] == Some(None)).count() as u64;
            let n = points.len() as u64;
            let rate = (n > 0).then(|| 100.0 * points.iter().filter(|&&v| v >= threshold).count() as f64 / n as f64);
            let mean = (n > 0).then(|| points.iter().map(|&v| f64::from(v)).sum::<f64>() / n as f64);
            items.insert(id.clone(), (rate, n, mean, na));
        }
        let mut criteria = BTreeMap::new();
        for c in def.criteria() {
            let rates: Vec<f64> = c.items.iter().filter_map(|i| items.get(&i.id).and_then(|x| x.0)).collect();
            let index = (!rates.is_empty()).then(|| rates.iter().sum::<f64>() / rates.len() as f64);
            let max_n = c.items.iter().map(|i| items.get(&i.id).map_or(0, |x| x.1)).max().unwrap_or(0);
            let distinct =
                responses.iter().filter(|r| c.items.iter().any(|i| r[&i.id].flatten().is_some())).count() as u64;
            criteria.insert(c.id.clone(), (index, max_n, distinct));
        }
        let mut domain_values = Vec::new();
        for d in def.domains() {
            let (mut sum, mut weights) = (0.0, 0.0);
            for c in def.criteria().iter().filter(|c| c.domain == d.id) {
                if let Some(v) = criteria[&c.id].0 {
                    sum += c.weight * v;
                    weights += c.weight;
                }
            }
            domain_values.push((d.weight, (weights > 0.0).then(|| sum / weights)));
        }
        let valued: Vec<(f64, f64)> = domain_values.iter().filter_map(|&(w, v)| v.map(|v| (w, v))).collect();
        let total: f64 = valued.iter().map(|(w, _)| w).sum();
        let overall = (!valued.is_empty()).then(|| valued.iter().map(|(w, v)| w * v).sum::<f64>() / total);
        Naive { items, criteria, overall }
    }

    #[test]
    fn counts_agree_with_the_naive_computation_on_random_responses() {
        let mut rng = Rng(0x5EED_2026_0314);
        for round in 0..60u64 {
            let def = if round % 2 == 0 { dossier() } else { weighted(2 + (round % 4) as i64) };
            let count = [0, 1, 2, 7, 31, 200][(round % 6) as usize] + rng.below(3);
            let responses = random_responses(&def, &mut rng, count);
            let mut group = GroupInput { n_responses: count, ..GroupInput::default() };
            for r in &responses {
                for (id, answer) in r {
                    if let Some(value) = answer {
                        group.counts.entry(id.clone()).or_default().add(*value);
                    }
                }
            }
            let result = compute(&def, &group, 30);
            let expected = naive(&def, &responses);
            let same = |a: Option<f64>, b: Option<f64>| match (a, b) {
                (Some(a), Some(b)) => (a - b).abs() < EPS,
                (None, None) => true,
                _ => false,
            };
            for figure in &result.items {
                let Some(&(rate, n, mean, na)) = expected.items.get(&figure.id) else {
                    assert!(count == 0 && figure.n == 0, "round {round}: {}", figure.id);
                    continue;
                };
                assert!(same(figure.value, rate), "round {round} item {}: {:?} {rate:?}", figure.id, figure.value);
                assert!(same(figure.mean, mean), "round {round} item {} mean", figure.id);
                assert_eq!((figure.n, figure.not_applicable, figure.small_n), (n, na, n < 30), "round {round}");
                assert_eq!(figure.distribution.iter().sum::<u64>(), n);
            }
            for figure in &result.criteria {
                let (index, max_n, distinct) = expected.criteria[&figure.id];
                assert!(same(figure.value, index), "round {round} criterion {}", figure.id);
                assert_eq!(figure.n, max_n, "round {round} criterion {}", figure.id);
                assert!(figure.n <= distinct, "the proxy never overstates");
            }
            assert!(same(result.overall.value, expected.overall), "round {round} overall");
            let max_item_n = def.items().map(|i| expected.items.get(&i.id).map_or(0, |x| x.1)).max().unwrap_or(0);
            assert_eq!(result.overall.n, max_item_n);
        }
    }
}
