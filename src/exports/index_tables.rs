//! Index tables: the index engine's figures per agency (or per agency and period, for
//! trends) as rows of one long table, one row per figure, with n, intervals and small-n
//! flags; values of small cells can be suppressed.

use super::request::{Dataset, ExportRequest, TrendStep};
use super::table::{Cell, Measure, ValueLabel, VarType, Variable};
use crate::db::DbConn;
use crate::domain::{AgencyTree, Visibility};
use crate::indices::rate_interval;
use crate::reports::{self, GroupBy, IndexGroup, IndexReport, IndexRequest, ReportError};
use crate::surveys::{Registry, SurveyDefinition};

fn var(name: &str, vi: &str, en: &str, var_type: VarType, width: usize) -> Variable {
    Variable {
        name: name.to_owned(),
        label_vi: vi.to_owned(),
        label_en: en.to_owned(),
        var_type,
        width,
        value_labels: Vec::new(),
        missing: Vec::new(),
        measure: var_type.default_measure(),
        range: None,
    }
}

fn label(code: &str, vi: &str, en: &str) -> ValueLabel {
    ValueLabel { code: code.to_owned(), label_vi: vi.to_owned(), label_en: en.to_owned() }
}

fn flag(name: &str, vi: &str, en: &str) -> Variable {
    Variable {
        value_labels: vec![label("1", "Có", "Yes"), label("0", "Không", "No")],
        measure: Measure::Nominal,
        range: Some((0, 1)),
        ..var(name, vi, en, VarType::Integer, 0)
    }
}

/// The columns of an index table, with their codebook entries.
pub fn variables() -> Vec<Variable> {
    let pct = |name: &str, vi: &str, en: &str| var(name, vi, en, VarType::Decimal, 0);
    vec![
        var("period_code", "Mã kỳ", "Period code", VarType::Text, 32),
        var("period_from", "Từ ngày", "First day", VarType::Date, 0),
        var("period_to", "Đến ngày", "Last day", VarType::Date, 0),
        var(
            "agency_code",
            "Mã cơ quan (gồm cả các đơn vị trực thuộc); trống = toàn thành phố",
            "Agency code (with the units below it); empty = the whole city",
            VarType::Text,
            64,
        ),
        var("agency_name_vi", "Tên cơ quan (tiếng Việt)", "Agency name (Vietnamese)", VarType::Text, 400),
        var("agency_name_en", "Tên cơ quan (tiếng Anh)", "Agency name (English)", VarType::Text, 400),
        Variable {
            measure: Measure::Ordinal,
            ..var(
                "agency_depth",
                "Cấp so với cơ quan được chọn (0 = chính cơ quan đó)",
                "Depth below the selected agency (0 = that agency)",
                VarType::Integer,
                0,
            )
        },
        Variable {
            value_labels: vec![
                label("overall", "Chỉ số chung", "Overall index"),
                label("domain", "Chỉ số nhóm tiêu chí", "Domain index"),
                label("criterion", "Chỉ số tiêu chí", "Criterion index"),
                label("item", "Tỷ lệ hài lòng của câu hỏi", "Item satisfaction rate"),
            ],
            ..var("level", "Cấp của chỉ số", "Level of the figure", VarType::Text, 16)
        },
        var(
            "figure_id",
            "Mã tiêu chí / câu hỏi (trống với chỉ số chung)",
            "Criterion or item id (empty for the overall index)",
            VarType::Text,
            32,
        ),
        var("label_vi", "Tên chỉ số (tiếng Việt)", "Name of the figure (Vietnamese)", VarType::Text, 400),
        var("label_en", "Tên chỉ số (tiếng Anh)", "Name of the figure (English)", VarType::Text, 400),
        pct(
            "value",
            "Chỉ số hài lòng, % (theo phương pháp SIPAS); trống khi không có câu trả lời hợp lệ hoặc bị ẩn do n nhỏ",
            "Satisfaction index, % (SIPAS method); empty without valid answers or when suppressed for small n",
        ),
        var(
            "n",
            "Số câu trả lời hợp lệ (1–5); với chỉ số tổng hợp là n lớn nhất của các câu bên dưới",
            "Valid answers (1–5); for composite indices the largest item n below it",
            VarType::Integer,
            0,
        ),
        pct("ci_low", "Cận dưới khoảng tin cậy 95 %", "Lower bound of the 95 % interval"),
        pct("ci_high", "Cận trên khoảng tin cậy 95 %", "Upper bound of the 95 % interval"),
        Variable {
            value_labels: vec![
                label("wilson", "Khoảng Wilson (score interval) của tỷ lệ", "Wilson score interval of the rate"),
                label(
                    "approximate",
                    "Gần đúng: khoảng Wilson của chỉ số với n ở trên",
                    "Approximate: the Wilson interval of the index over the n above",
                ),
            ],
            ..var("ci_method", "Cách tính khoảng tin cậy", "How the interval was computed", VarType::Text, 16)
        },
        flag("small_n", "n nhỏ hơn ngưỡng cỡ mẫu nhỏ", "n is below the small-n threshold"),
        flag("suppressed", "Giá trị bị ẩn do n nhỏ", "Value suppressed for small n"),
        var("n_responses", "Số phiếu trả lời", "Responses", VarType::Integer, 0),
        var("n_invitations", "Số lượt mời khảo sát", "Invitations", VarType::Integer, 0),
        var("response_rate", "Tỷ lệ phản hồi, % (0–100)", "Response rate, % (0–100)", VarType::Decimal, 0),
    ]
}

/// Rounds away binary noise (86.50000000000001) without losing precision anyone uses.
fn num(v: Option<f64>) -> Cell {
    v.filter(|v| v.is_finite()).map_or(Cell::Empty, |v| Cell::Num((v * 10_000.0).round() / 10_000.0))
}

fn text(s: &str) -> Cell {
    Cell::Text(s.to_owned())
}

/// An agency selected for a trend: code, names and depth; `None` is the whole city.
type TrendAgency = Option<(String, String, String, Option<usize>)>;

/// Where a group sits: its period and its agency.
struct Place<'a> {
    period: (String, chrono::NaiveDate, chrono::NaiveDate),
    agency: Option<(&'a str, &'a str, &'a str)>,
    depth: Option<usize>,
}

/// Appends the rows of one group: the overall index, the domains, the criteria, the items.
fn group_rows(def: &SurveyDefinition, g: &IndexGroup, place: &Place<'_>, suppress: bool, rows: &mut Vec<Vec<Cell>>) {
    let figure = |level: &str,
                  id: &str,
                  vi: &str,
                  en: &str,
                  value: Option<f64>,
                  n: u64,
                  small: bool,
                  ci: Option<(Option<f64>, Option<f64>, &str)>| {
        let hide = suppress && small;
        let (low, high, method) = ci.unwrap_or((None, None, ""));
        let mut row = vec![text(&place.period.0), Cell::Date(place.period.1), Cell::Date(place.period.2)];
        match place.agency {
            Some((code, vi, en)) => row.extend([text(code), text(vi), text(en)]),
            None => row.extend([Cell::Empty, text("Toàn thành phố"), text("Whole city")]),
        }
        row.extend([
            place.depth.map_or(Cell::Empty, |d| Cell::Int(d as i64)),
            text(level),
            text(id),
            text(vi),
            text(en),
            if hide { Cell::Empty } else { num(value) },
            Cell::Int(n as i64),
            if hide { Cell::Empty } else { num(low) },
            if hide { Cell::Empty } else { num(high) },
            if hide || low.is_none() { Cell::Empty } else { text(method) },
            Cell::Int(i64::from(small)),
            Cell::Int(i64::from(hide)),
            Cell::Int(g.n_responses as i64),
            g.n_invitations.map_or(Cell::Empty, |n| Cell::Int(n as i64)),
            num(g.response_rate.map(|r| r * 100.0)),
        ]);
        row
    };
    let approx = |value: Option<f64>, n: u64| {
        let ci = value.and_then(|v| rate_interval(v, n));
        Some((ci.map(|c| c.0), ci.map(|c| c.1), "approximate"))
    };
    rows.push(figure(
        "overall",
        "",
        reports::INDEX_LABEL_VI,
        reports::INDEX_LABEL_EN,
        g.overall.value,
        g.overall.n,
        g.small_n,
        approx(g.overall.value, g.overall.n),
    ));
    for d in &g.domains {
        let t = def.domains().iter().find(|x| x.id == d.id).map(|x| &x.title);
        let (vi, en) = t.map_or((d.id.as_str(), d.id.as_str()), |t| (t.vi.as_str(), t.en.as_str()));
        rows.push(figure("domain", &d.id, vi, en, d.value, d.n, d.small_n, approx(d.value, d.n)));
    }
    for c in &g.criteria {
        let t = def.criteria().iter().find(|x| x.id == c.id).map(|x| &x.title);
        let (vi, en) = t.map_or((c.id.as_str(), c.id.as_str()), |t| (t.vi.as_str(), t.en.as_str()));
        rows.push(figure("criterion", &c.id, vi, en, c.value, c.n, c.small_n, approx(c.value, c.n)));
    }
    for i in &g.items {
        let t = def.item(&i.id).map(|x| &x.text).or_else(|| def.question(&i.id).map(|q| &q.text));
        let (vi, en) = t.map_or((i.id.as_str(), i.id.as_str()), |t| (t.vi.as_str(), t.en.as_str()));
        rows.push(figure("item", &i.id, vi, en, i.value, i.n, i.small_n, Some((i.ci_low, i.ci_high, "wilson"))));
    }
}

fn index_request(req: &ExportRequest, agency: Option<String>, group_by: GroupBy) -> Result<IndexRequest, ReportError> {
    let period = req.period().map_err(|e| ReportError::Invalid("period", e.to_string()))?;
    let procedure = match &req.procedure {
        Some(p) => {
            Some(crate::domain::ProcedureCode::parse(p).map_err(|e| ReportError::Invalid("procedure", e.to_string()))?)
        }
        None => None,
    };
    Ok(IndexRequest {
        survey: req.survey.clone(),
        version: Some(req.version),
        period,
        agency,
        lineage: req.lineage,
        field: req.field,
        channel: req.channel,
        procedure,
        profile: Vec::new(),
        group_by,
    })
}

/// All rows of an index table or trend for `req`, as `visibility` may see them. A city-wide
/// caller without an agency filter also gets the whole city's figures (agency code empty);
/// agency users do not, as on the pages.
pub fn rows(
    conn: &mut DbConn,
    surveys: &Registry,
    tree: &AgencyTree,
    visibility: &Visibility,
    req: &ExportRequest,
    small_n: u64,
) -> Result<Vec<Vec<Cell>>, ReportError> {
    let def = reports::definition(surveys, &req.survey, Some(req.version))?;
    let by_agency = reports::index_report_in(
        conn,
        surveys,
        tree,
        visibility,
        &index_request(req, req.agency.clone(), GroupBy::Agency)?,
        small_n,
    )?;
    let city = req.agency.is_none() && *visibility == Visibility::City;
    let suppress = req.suppress_small_n;
    let mut rows = Vec::new();
    let agency_place = |g: &IndexGroup| (g.key.code.clone(), g.key.name_vi.clone(), g.key.name_en.clone(), g.key.depth);
    match req.dataset {
        Dataset::IndexTrend => {
            let group_by = match req.trend_step {
                TrendStep::Month => GroupBy::Month,
                TrendStep::Quarter => GroupBy::Quarter,
            };
            let mut selections: Vec<TrendAgency> = Vec::new();
            if city {
                selections.push(None);
            }
            selections.extend(by_agency.groups.iter().map(|g| Some(agency_place(g))));
            for sel in selections {
                let code = sel.as_ref().map(|s| s.0.clone());
                let report: IndexReport = reports::index_report_in(
                    conn,
                    surveys,
                    tree,
                    visibility,
                    &index_request(req, code, group_by)?,
                    small_n,
                )?;
                for g in &report.groups {
                    let (Some(from), Some(to)) = (g.key.from, g.key.to) else { continue };
                    let place = Place {
                        period: (g.key.code.clone(), from, to),
                        agency: sel.as_ref().map(|s| (s.0.as_str(), s.1.as_str(), s.2.as_str())),
                        depth: sel.as_ref().and_then(|s| s.3),
                    };
                    group_rows(def, g, &place, suppress, &mut rows);
                }
            }
        }
        _ => {
            let period = (by_agency.period.code.clone(), by_agency.period.from, by_agency.period.to);
            if city {
                let total = reports::index_report_in(
                    conn,
                    surveys,
                    tree,
                    visibility,
                    &index_request(req, None, GroupBy::Nothing)?,
                    small_n,
                )?;
                for g in &total.groups {
                    group_rows(
                        def,
                        g,
                        &Place { period: period.clone(), agency: None, depth: None },
                        suppress,
                        &mut rows,
                    );
                }
            }
            for g in &by_agency.groups {
                let place = Place {
                    period: period.clone(),
                    agency: Some((&g.key.code, &g.key.name_vi, &g.key.name_en)),
                    depth: g.key.depth,
                };
                group_rows(def, g, &place, suppress, &mut rows);
            }
        }
    }
    Ok(rows)
}
