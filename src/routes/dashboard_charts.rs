//! The dashboard's charts, drawn from its figures: the ranking of the city's agencies, an
//! agency's criterion profile (against the city when the viewer may see it), its trend and its
//! answer distribution. The pages embed them and `GET /staff/charts/…` downloads the very same
//! drawings, so a download always matches the page with the same filters.

use crate::charts::{self, Bar, ChartError, ChartText, DEFAULT_TARGET};
use crate::dashboard::{AgencyFigures, CityFigures, Ranking, Unit};
use crate::domain::Locale;
use crate::indices::rate_interval;
use crate::reports::IndexGroup;
use crate::surveys::{SurveyDefinition, Text};

use super::dashboard_text::DashText;

/// The charts there are; the name is the file name's stem in downloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    Ranking,
    Profile,
    Trend,
    Distribution,
}

impl ChartKind {
    pub const ALL: [ChartKind; 4] = [ChartKind::Ranking, ChartKind::Profile, ChartKind::Trend, ChartKind::Distribution];

    pub fn code(self) -> &'static str {
        match self {
            ChartKind::Ranking => "ranking",
            ChartKind::Profile => "profile",
            ChartKind::Trend => "trend",
            ChartKind::Distribution => "distribution",
        }
    }

    pub fn parse(s: &str) -> Option<ChartKind> {
        ChartKind::ALL.into_iter().find(|k| k.code() == s)
    }

    /// Whether the chart is about one agency (and so needs `agency=`).
    pub fn is_agency_chart(self) -> bool {
        self != ChartKind::Ranking
    }
}

/// A drawn chart: its title and its SVG, with the title inside ([`charts::with_title`]).
#[derive(Debug, Clone)]
pub struct Chart {
    pub title: String,
    pub svg: String,
}

/// The texts of the charts in `locale`, with the configured small-sample threshold.
fn labels(locale: Locale, small_n: u64) -> ChartText {
    ChartText::for_locale(locale, small_n)
}

fn finish(kind: ChartKind, title: String, svg: String) -> Chart {
    Chart { svg: charts::with_title(&svg, kind.code(), &title), title }
}

/// The approximate 95 % interval of a group's overall index (see [`rate_interval`]).
pub fn overall_interval(g: &IndexGroup) -> Option<(f64, f64)> {
    g.overall.value.and_then(|v| rate_interval(v, g.overall.n))
}

fn bar(unit: &Unit, locale: Locale) -> Bar {
    Bar {
        label: unit.agency.name(locale).to_owned(),
        value: unit.figures.and_then(|f| f.overall.value),
        ci: unit.figures.and_then(overall_interval),
        small_n: unit.figures.is_none_or(|f| f.small_n),
    }
}

/// The ranking of the city's agencies (`fig.ranking()`): ranked ones first, small samples after
/// them (grey, hatched, marked "*"), then those without figures.
pub fn ranking(fig: &CityFigures, ranking: &Ranking, locale: Locale, small_n: u64) -> Result<Chart, ChartError> {
    let t = DashText::for_locale(locale);
    let period = locale.pick(&fig.agencies.period.label_vi, &fig.agencies.period.label_en);
    let title = format!("{} – {period}", t.ranking_title);
    let bars: Vec<Bar> = ranking.ranked.iter().chain(&ranking.unranked).map(|u| bar(u, locale)).collect();
    let svg = charts::ranking_svg(&title, &bars, DEFAULT_TARGET, &labels(locale, small_n))?;
    Ok(finish(ChartKind::Ranking, title, svg))
}

/// "A. Tiếp cận dịch vụ": an id and a text, so a truncated label still names its row.
pub fn labelled(id: &str, text: &Text, locale: Locale) -> String {
    format!("{id}. {}", text.get(locale))
}

fn agency_name(fig: &AgencyFigures, locale: Locale) -> String {
    fig.agency().map_or_else(|| fig.code.clone(), |a| a.name(locale).to_owned())
}

fn period_label(fig: &AgencyFigures, locale: Locale) -> &str {
    locale.pick(&fig.own.period.label_vi, &fig.own.period.label_en)
}

/// The agency's criteria, beside the city's when `fig` has them.
pub fn profile(fig: &AgencyFigures, def: &SurveyDefinition, locale: Locale, small_n: u64) -> Result<Chart, ChartError> {
    let t = DashText::for_locale(locale);
    let title = format!("{}: {} – {}", agency_name(fig, locale), t.criteria_title, period_label(fig, locale));
    let value =
        |g: Option<&IndexGroup>, id: &str| g.and_then(|g| g.criteria.iter().find(|c| c.id == id)).and_then(|c| c.value);
    let rows: Vec<(String, Option<f64>, Option<f64>)> = def
        .criteria()
        .iter()
        .map(|c| (labelled(&c.id, &c.title, locale), value(fig.figures(), &c.id), value(fig.city_figures(), &c.id)))
        .collect();
    let svg = charts::profile_svg(&title, &rows, DEFAULT_TARGET, &labels(locale, small_n))?;
    Ok(finish(ChartKind::Profile, title, svg))
}

/// The title of the trend: by month or by quarter.
pub fn trend_heading(fig: &AgencyFigures, locale: Locale) -> &'static str {
    let t = DashText::for_locale(locale);
    if fig.trend_by_quarter() {
        t.trend_quarter_title
    } else {
        t.trend_month_title
    }
}

/// The agency's overall index per month (or quarter), with the target line.
pub fn trend(fig: &AgencyFigures, locale: Locale, small_n: u64) -> Result<Chart, ChartError> {
    let title = format!("{}: {} – {}", agency_name(fig, locale), trend_heading(fig, locale), period_label(fig, locale));
    let points: Vec<(String, Option<f64>, u64)> = fig
        .trend
        .iter()
        .flat_map(|r| &r.groups)
        .map(|g| (g.key.name(locale).to_owned(), g.overall.value, g.overall.n))
        .collect();
    let svg = charts::trend_svg(&title, &points, DEFAULT_TARGET, &labels(locale, small_n))?;
    Ok(finish(ChartKind::Trend, title, svg))
}

/// The text of a rating item or rating question of `def`.
pub fn item_text<'a>(def: &'a SurveyDefinition, id: &str) -> Option<&'a Text> {
    def.item(id).map(|i| &i.text).or_else(|| def.question(id).map(|q| &q.text))
}

/// The answers 1–5 of every rated item of the agency, as diverging 100 % bars.
pub fn distribution(
    fig: &AgencyFigures,
    def: &SurveyDefinition,
    locale: Locale,
    small_n: u64,
) -> Result<Chart, ChartError> {
    let t = DashText::for_locale(locale);
    let title = format!("{}: {} – {}", agency_name(fig, locale), t.distribution_title, period_label(fig, locale));
    let rows: Vec<(String, [u64; 5])> = fig
        .figures()
        .iter()
        .flat_map(|g| &g.items)
        .map(|i| {
            let label = item_text(def, &i.id).map_or_else(|| i.id.clone(), |text| labelled(&i.id, text, locale));
            (label, i.distribution)
        })
        .collect();
    let svg = charts::distribution_svg(&title, &rows, &labels(locale, small_n))?;
    Ok(finish(ChartKind::Distribution, title, svg))
}
