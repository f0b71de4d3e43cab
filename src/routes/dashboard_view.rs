//! The dashboard pages' view models: figures from `dashboard` turned into formatted cells
//! (`domain::numbers`), rows, links that keep the filters, and the embedded charts; plus the
//! askama page structs (`web/templates/staff/city.html`, `agency.html`, `bad_filters.html`).

use askama::Template;
use askama_web::WebTemplate;
use chrono::NaiveDate;

use super::dashboard_charts::{self as charts, overall_interval, ChartKind};
use super::dashboard_filters::{encode, filter_query, form, FilterForm};
use super::dashboard_text::DashText;
use super::staff_view::StaffText;
use crate::charts::{ChartError, DEFAULT_TARGET};
use crate::dashboard::{AgencyFigures, CityFigures, Unit};
use crate::domain::numbers::{count, percent, percent_or_dash, percent_range, ratio_percent, NO_VALUE};
use crate::domain::{Channel, Field, Locale, Visibility};
use crate::indices::ItemFigure;
use crate::reports::{IndexGroup, IndexRequest};
use crate::store::comments::CommentPage;
use crate::surveys::{Registry, SurveyDefinition};

/// The path of the city overview.
pub const CITY_PATH: &str = "/staff/city";

/// The path of agency `code`'s page.
pub fn agency_path(code: &str) -> String {
    format!("/staff/agencies/{}", encode(code))
}

/// What every dashboard view is built with.
#[derive(Debug, Clone)]
pub struct ViewContext {
    pub locale: Locale,
    pub small_n: u64,
    pub default_survey: String,
    pub today: NaiveDate,
    pub request: IndexRequest,
    pub visibility: Visibility,
}

impl ViewContext {
    fn t(&self) -> &'static DashText {
        DashText::for_locale(self.locale)
    }

    /// `path` with the current filters, `extra` parameters and the language.
    fn link(&self, path: &str, extra: &[(&str, &str)], locale: Locale) -> String {
        let mut query = filter_query(&self.request, &self.default_survey);
        for (k, v) in extra {
            query.push_str(&format!("&{k}={}", encode(v)));
        }
        format!("{path}?{query}&lang={}", locale.code())
    }

    /// A download link of chart `kind` in format `ext`.
    fn chart_href(&self, kind: ChartKind, ext: &str, agency: Option<&str>) -> String {
        let path = format!("/staff/charts/{}.{ext}", kind.code());
        match agency {
            Some(code) => self.link(&path, &[("agency", code)], self.locale),
            None => self.link(&path, &[], self.locale),
        }
    }

    fn nav(&self) -> Nav {
        let t = self.t();
        Nav {
            home_href: format!("/staff?lang={}", self.locale.code()),
            home: t.staff_home,
            city_href: (self.visibility == Visibility::City).then(|| self.link(CITY_PATH, &[], self.locale)),
            city: t.city_title,
        }
    }

    fn filters(&self, action: &str, surveys: &Registry) -> FilterForm {
        form(action, &self.request, self.locale, self.today, surveys)
    }
}

/// Links above a dashboard page.
#[derive(Debug, Clone)]
pub struct Nav {
    pub home_href: String,
    pub home: &'static str,
    /// Only for viewers of the whole city.
    pub city_href: Option<String>,
    pub city: &'static str,
}

/// A group's figures, formatted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cells {
    pub value: String,
    pub ci: String,
    pub n: String,
    pub responses: String,
    pub invitations: String,
    pub rate: String,
    /// A small sample: greyed and marked.
    pub small: bool,
}

impl Cells {
    /// The figures of `g`, or dashes without figures.
    pub fn of(g: Option<&IndexGroup>, locale: Locale) -> Cells {
        let dash = || NO_VALUE.to_owned();
        match g {
            None => Cells {
                value: dash(),
                ci: dash(),
                n: count(0, locale),
                responses: count(0, locale),
                invitations: dash(),
                rate: dash(),
                small: false,
            },
            Some(g) => Cells {
                value: percent_or_dash(g.overall.value, 1, locale),
                ci: overall_interval(g).map_or_else(dash, |(lo, hi)| percent_range(lo, hi, 1, locale)),
                n: count(g.overall.n, locale),
                responses: count(g.n_responses, locale),
                invitations: g.n_invitations.map_or_else(dash, |n| count(n, locale)),
                rate: g.response_rate.map_or_else(dash, |r| ratio_percent(r, 1, locale)),
                small: g.small_n && g.overall.value.is_some(),
            },
        }
    }
}

/// An agency in a table: its name linking to its page, its depth and its figures.
#[derive(Debug, Clone)]
pub struct UnitRow {
    pub name: String,
    pub href: String,
    /// `d0` … `d6`: the indentation class.
    pub depth: &'static str,
    pub rank: Option<usize>,
    pub cells: Cells,
}

const DEPTHS: [&str; 7] = ["d0", "d1", "d2", "d3", "d4", "d5", "d6"];

fn unit_row(ctx: &ViewContext, unit: &Unit, rank: Option<usize>) -> UnitRow {
    UnitRow {
        name: unit.agency.name(ctx.locale).to_owned(),
        href: ctx.link(&agency_path(unit.agency.code.as_str()), &[], ctx.locale),
        depth: DEPTHS[unit.depth.min(DEPTHS.len() - 1)],
        rank,
        cells: Cells::of(unit.figures, ctx.locale),
    }
}

/// A field, channel or period with its figures.
#[derive(Debug, Clone)]
pub struct GroupRow {
    pub name: String,
    pub cells: Cells,
}

fn group_rows(groups: &[IndexGroup], locale: Locale) -> Vec<GroupRow> {
    groups.iter().map(|g| GroupRow { name: g.key.name(locale).to_owned(), cells: Cells::of(Some(g), locale) }).collect()
}

/// A chart on a page: embedded SVG, download links and the table holding its figures.
#[derive(Debug, Clone)]
pub struct ChartView {
    pub title: String,
    /// The chart's SVG with its `<title>`: trusted markup from `charts`, whose texts are escaped.
    pub svg: String,
    pub svg_href: String,
    pub png_href: String,
    /// The id of the table with the chart's figures.
    pub table_id: &'static str,
}

fn chart_view(
    ctx: &ViewContext,
    kind: ChartKind,
    chart: charts::Chart,
    agency: Option<&str>,
    table_id: &'static str,
) -> ChartView {
    ChartView {
        title: chart.title,
        svg: chart.svg,
        svg_href: ctx.chart_href(kind, "svg", agency),
        png_href: ctx.chart_href(kind, "png", agency),
        table_id,
    }
}

fn survey_title(surveys: &Registry, id: &str, version: u32, locale: Locale) -> String {
    surveys.get(id, version).map_or_else(|| id.to_owned(), |d| d.title().get(locale).to_owned())
}

/// `GET /staff/city`.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "staff/city.html")]
pub struct CityPage {
    pub ui: &'static StaffText,
    pub t: &'static DashText,
    pub other_lang_href: Option<String>,
    pub nav: Nav,
    pub filters: FilterForm,
    pub period: String,
    pub survey: String,
    pub headline: Cells,
    pub ranking: ChartView,
    pub ranked: Vec<UnitRow>,
    pub unranked: Vec<UnitRow>,
    pub agencies: Vec<UnitRow>,
    pub fields: Vec<GroupRow>,
    pub small_n_note: String,
    pub target_note: String,
}

/// The city overview of `fig`.
pub fn city_page(ctx: &ViewContext, fig: &CityFigures, surveys: &Registry) -> Result<CityPage, ChartError> {
    let (locale, t) = (ctx.locale, ctx.t());
    let ranking = fig.ranking();
    let chart = charts::ranking(fig, &ranking, locale, ctx.small_n)?;
    Ok(CityPage {
        ui: StaffText::for_locale(locale),
        t,
        other_lang_href: Some(ctx.link(CITY_PATH, &[], StaffText::for_locale(locale).other_locale)),
        nav: ctx.nav(),
        filters: ctx.filters(CITY_PATH, surveys),
        period: locale.pick(&fig.city.period.label_vi, &fig.city.period.label_en).to_owned(),
        survey: survey_title(surveys, &fig.city.survey_id, fig.city.survey_version, locale),
        headline: Cells::of(fig.city.groups.first(), locale),
        ranking: chart_view(ctx, ChartKind::Ranking, chart, None, "tbl-ranking"),
        ranked: ranking.ranked.iter().enumerate().map(|(i, u)| unit_row(ctx, u, Some(i + 1))).collect(),
        unranked: ranking.unranked.iter().map(|u| unit_row(ctx, u, None)).collect(),
        agencies: fig.all().iter().map(|u| unit_row(ctx, u, None)).collect(),
        fields: group_rows(&fig.fields.groups, locale),
        small_n_note: t.small_n_note(ctx.small_n),
        target_note: t.target_note(&percent(DEFAULT_TARGET, 0, locale)),
    })
}

/// A criterion of the agency, with the city's value when shown.
#[derive(Debug, Clone)]
pub struct CriterionRow {
    pub label: String,
    pub value: String,
    pub n: String,
    pub small: bool,
    pub city: Option<String>,
}

/// One rated item: its figures and its answers per level.
#[derive(Debug, Clone)]
pub struct ItemRow {
    pub id: String,
    pub text: String,
    pub value: String,
    pub n: String,
    pub ci: String,
    pub counts: Vec<String>,
    pub not_applicable: String,
    pub small: bool,
}

/// The items of a criterion (or the general questions).
#[derive(Debug, Clone)]
pub struct ItemGroup {
    pub title: String,
    pub rows: Vec<ItemRow>,
}

/// A comment as shown: escaped by the template, masked by the store.
#[derive(Debug, Clone)]
pub struct CommentRow {
    pub date: String,
    pub agency: String,
    pub field: String,
    pub channel: String,
    pub lang: String,
    pub text: String,
}

/// A page of comments with links to the pages around it.
#[derive(Debug, Clone)]
pub struct CommentsView {
    /// "Ý kiến 1–20 trong tổng số 45"; `None` when the page is empty.
    pub summary: Option<String>,
    pub rows: Vec<CommentRow>,
    pub previous: Option<String>,
    pub next: Option<String>,
}

/// `GET /staff/agencies/{code}`.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "staff/agency.html")]
pub struct AgencyPage {
    pub ui: &'static StaffText,
    pub t: &'static DashText,
    pub other_lang_href: Option<String>,
    pub nav: Nav,
    pub filters: FilterForm,
    pub title: String,
    pub name: String,
    pub breadcrumb: Vec<(String, String)>,
    pub period: String,
    pub survey: String,
    pub headline: Cells,
    pub show_city: bool,
    pub city: Cells,
    pub profile: ChartView,
    pub criteria: Vec<CriterionRow>,
    pub likert: Vec<String>,
    pub items: Vec<ItemGroup>,
    pub distribution: ChartView,
    pub trend_title: String,
    pub trend: ChartView,
    pub trend_rows: Vec<GroupRow>,
    pub channels: Vec<GroupRow>,
    pub units: Vec<UnitRow>,
    pub comments: CommentsView,
    pub small_n_note: String,
    pub target_note: String,
    pub ci_note: &'static str,
}

fn item_row(def: &SurveyDefinition, f: &ItemFigure, locale: Locale) -> ItemRow {
    let ci = match (f.ci_low, f.ci_high) {
        (Some(lo), Some(hi)) => percent_range(lo, hi, 1, locale),
        _ => NO_VALUE.to_owned(),
    };
    ItemRow {
        id: f.id.clone(),
        text: charts::item_text(def, &f.id).map_or_else(String::new, |t| t.get(locale).to_owned()),
        value: percent_or_dash(f.value, 1, locale),
        n: count(f.n, locale),
        ci,
        counts: f.distribution.iter().map(|&c| count(c, locale)).collect(),
        not_applicable: count(f.not_applicable, locale),
        small: f.small_n && f.value.is_some(),
    }
}

/// The items grouped by criterion, then the rating questions outside the criteria.
fn item_groups(def: &SurveyDefinition, g: Option<&IndexGroup>, locale: Locale, general: &str) -> Vec<ItemGroup> {
    let items: &[ItemFigure] = g.map_or(&[], |g| &g.items);
    let mut groups: Vec<ItemGroup> = def
        .criteria()
        .iter()
        .map(|c| ItemGroup {
            title: charts::labelled(&c.id, &c.title, locale),
            rows: items
                .iter()
                .filter(|f| c.items.iter().any(|i| i.id == f.id))
                .map(|f| item_row(def, f, locale))
                .collect(),
        })
        .collect();
    let rest: Vec<ItemRow> =
        items.iter().filter(|f| def.item(&f.id).is_none()).map(|f| item_row(def, f, locale)).collect();
    if !rest.is_empty() {
        groups.push(ItemGroup { title: general.to_owned(), rows: rest });
    }
    groups
}

fn criterion_rows(def: &SurveyDefinition, fig: &AgencyFigures, locale: Locale) -> Vec<CriterionRow> {
    let city = fig.city_figures();
    def.criteria()
        .iter()
        .map(|c| {
            let own = fig.figures().and_then(|g| g.criteria.iter().find(|f| f.id == c.id));
            CriterionRow {
                label: charts::labelled(&c.id, &c.title, locale),
                value: percent_or_dash(own.and_then(|f| f.value), 1, locale),
                n: count(own.map_or(0, |f| f.n), locale),
                small: own.is_some_and(|f| f.small_n && f.value.is_some()),
                city: city.map(|g| {
                    percent_or_dash(g.criteria.iter().find(|f| f.id == c.id).and_then(|f| f.value), 1, locale)
                }),
            }
        })
        .collect()
}

fn comments_view(ctx: &ViewContext, fig: &AgencyFigures, page: u32, per_page: u32) -> CommentsView {
    let locale = ctx.locale;
    let empty = CommentPage { total: 0, comments: Vec::new() };
    let found = fig.comments.as_ref().unwrap_or(&empty);
    let total = u64::try_from(found.total).unwrap_or(0);
    let offset = u64::from(page.saturating_sub(1)) * u64::from(per_page);
    let shown = found.comments.len() as u64;
    let path = agency_path(&fig.code);
    let page_link = |p: u32| ctx.link(&path, &[("page", &p.to_string())], locale) + "#comments";
    let rows = found
        .comments
        .iter()
        .map(|c| CommentRow {
            date: match locale {
                Locale::Vi => c.submitted_on.format("%d/%m/%Y").to_string(),
                Locale::En => c.submitted_on.format("%-d %b %Y").to_string(),
            },
            agency: fig.tree.get(&c.agency_code).map_or_else(|| c.agency_code.clone(), |a| a.name(locale).to_owned()),
            field: Field::parse(&c.field).map_or_else(|_| c.field.clone(), |f| f.name(locale).to_owned()),
            channel: Channel::parse(&c.channel).map_or_else(|_| c.channel.clone(), |ch| ch.name(locale).to_owned()),
            lang: Locale::parse(&c.locale).unwrap_or_default().code().to_owned(),
            text: c.text.clone(),
        })
        .collect();
    CommentsView {
        summary: (shown > 0).then(|| ctx.t().comments_range(offset + 1, offset + shown, &count(total, locale))),
        rows,
        previous: (page > 1).then(|| page_link(page - 1)),
        next: (offset + shown < total).then(|| page_link(page + 1)),
    }
}

/// Agency `fig`'s page, showing comment page `page` of `per_page`.
pub fn agency_page(
    ctx: &ViewContext,
    fig: &AgencyFigures,
    surveys: &Registry,
    page: u32,
    per_page: u32,
) -> Result<AgencyPage, ChartError> {
    let (locale, t) = (ctx.locale, ctx.t());
    let def = surveys
        .get(&fig.own.survey_id, fig.own.survey_version)
        .ok_or_else(|| ChartError::Draw(format!("survey {} is not loaded", fig.own.survey_id)))?;
    let name = fig.agency().map_or_else(|| fig.code.clone(), |a| a.name(locale).to_owned());
    let path = agency_path(&fig.code);
    let code = Some(fig.code.as_str());
    let profile = charts::profile(fig, def, locale, ctx.small_n)?;
    let distribution = charts::distribution(fig, def, locale, ctx.small_n)?;
    let trend = charts::trend(fig, locale, ctx.small_n)?;
    let page_param = page.to_string();
    let own_params: Vec<(&str, &str)> = if page > 1 { vec![("page", &page_param)] } else { Vec::new() };
    let other = StaffText::for_locale(locale).other_locale;
    Ok(AgencyPage {
        ui: StaffText::for_locale(locale),
        t,
        other_lang_href: Some(ctx.link(&path, &own_params, other)),
        nav: ctx.nav(),
        filters: ctx.filters(&path, surveys),
        title: t.agency_title(&name),
        breadcrumb: fig
            .visible_ancestors(&ctx.visibility)
            .iter()
            .map(|a| (ctx.link(&agency_path(a.code.as_str()), &[], locale), a.name(locale).to_owned()))
            .collect(),
        name,
        period: locale.pick(&fig.own.period.label_vi, &fig.own.period.label_en).to_owned(),
        survey: survey_title(surveys, &fig.own.survey_id, fig.own.survey_version, locale),
        headline: Cells::of(fig.figures(), locale),
        show_city: fig.city_figures().is_some(),
        city: Cells::of(fig.city_figures(), locale),
        profile: chart_view(ctx, ChartKind::Profile, profile, code, "tbl-criteria"),
        criteria: criterion_rows(def, fig, locale),
        likert: def.scale().labels.iter().map(|l| l.get(locale).to_owned()).collect(),
        items: item_groups(def, fig.figures(), locale, t.general_questions),
        distribution: chart_view(ctx, ChartKind::Distribution, distribution, code, "tbl-items"),
        trend_title: charts::trend_heading(fig, locale).to_owned(),
        trend: chart_view(ctx, ChartKind::Trend, trend, code, "tbl-trend"),
        trend_rows: fig.trend.as_ref().map_or_else(Vec::new, |r| group_rows(&r.groups, locale)),
        channels: fig.channels.as_ref().map_or_else(Vec::new, |r| group_rows(&r.groups, locale)),
        units: fig.children().iter().map(|u| unit_row(ctx, u, None)).collect(),
        comments: comments_view(ctx, fig, page, per_page),
        small_n_note: t.small_n_note(ctx.small_n),
        target_note: t.target_note(&percent(DEFAULT_TARGET, 0, locale)),
        ci_note: t.overall_ci_note(),
    })
}

/// One refused parameter on the error page.
#[derive(Debug, Clone)]
pub struct Problem {
    pub param: String,
    pub label: &'static str,
    pub help: &'static str,
    /// The parser's exact message (English, technical).
    pub detail: String,
}

/// A 400 page naming every bad parameter.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "staff/bad_filters.html")]
pub struct BadFiltersPage {
    pub ui: &'static StaffText,
    pub t: &'static DashText,
    pub other_lang_href: Option<String>,
    pub problems: Vec<Problem>,
    pub reset_href: String,
}

/// The error page for `errors` (parameter → message) on the page at `path`.
pub fn bad_filters_page(
    locale: Locale,
    path: &str,
    errors: &std::collections::BTreeMap<String, String>,
) -> BadFiltersPage {
    let t = DashText::for_locale(locale);
    BadFiltersPage {
        ui: StaffText::for_locale(locale),
        t,
        other_lang_href: None,
        problems: errors
            .iter()
            .map(|(param, detail)| Problem {
                param: param.chars().take(40).collect(),
                label: t.param_label(param),
                help: t.param_help(param),
                detail: detail.chars().take(300).collect(),
            })
            .collect(),
        reset_href: format!("{path}?lang={}", locale.code()),
    }
}
