//! The codebook of an export: its variables plus what a reader needs around them (survey,
//! method and weights, period, scope, generation time, de-identification notes).

use chrono::NaiveDateTime;

use super::microdata::{CHOSEN, NOT_ANSWERED, NOT_APPLICABLE, NOT_CHOSEN};
use super::request::{Dataset, ExportRequest, Format};
use super::table::{Codebook, CriterionEntry, ItemEntry, Variable, Weight};
use crate::domain::{Agency, AgencyTree, Channel, Locale};
use crate::indices::Period;
use crate::surveys::{QuestionKind, SurveyDefinition};

/// The selection in words, in both languages.
fn scope(req: &ExportRequest, tree: &AgencyTree) -> (String, String) {
    let agency = req.agency.as_deref().map(|code| {
        let (vi, en) = tree.get(code).map_or((code, code), |a| (a.name_vi.as_str(), a.name_en.as_str()));
        let lineage = if req.lineage {
            (" và các đơn vị đã sáp nhập vào", " and the agencies merged into it")
        } else {
            ("", "")
        };
        (
            format!("{vi} ({code}) và các đơn vị trực thuộc{}", lineage.0),
            format!("{en} ({code}) with the units below it{}", lineage.1),
        )
    });
    let (mut vi, mut en) = agency.unwrap_or_else(|| ("Toàn thành phố".into(), "The whole city".into()));
    if let Some(f) = req.field {
        vi.push_str(&format!("; lĩnh vực: {}", f.name(Locale::Vi)));
        en.push_str(&format!("; field: {}", f.name(Locale::En)));
    }
    if let Some(c) = req.channel {
        vi.push_str(&format!("; kênh: {}", c.name(Locale::Vi)));
        en.push_str(&format!("; channel: {}", c.name(Locale::En)));
    }
    if let Some(p) = &req.procedure {
        vi.push_str(&format!("; thủ tục: {p}"));
        en.push_str(&format!("; procedure: {p}"));
    }
    (vi, en)
}

fn notes(req: &ExportRequest, small_n: u64) -> Vec<(String, String)> {
    let mut notes = vec![(
        "Dữ liệu đã khử định danh: không có mã hồ sơ, đường dẫn khảo sát hay thời điểm chính xác; góp ý đã che số \
         điện thoại, số định danh (CCCD) và địa chỉ e-mail."
            .to_owned(),
        "De-identified: no dossier code, survey link or exact time; phone numbers, ID (CCCD) numbers and e-mail \
         addresses in comments are masked."
            .to_owned(),
    )];
    notes.push((
        format!("Các cột chỉ có dữ liệu của phiếu khảo sát {} phiên bản {}; các phiên bản khác có câu hỏi riêng, hãy xuất riêng.", req.survey, req.version),
        format!("Columns are those of survey {} version {} only; other versions have their own items and are exported separately.", req.survey, req.version),
    ));
    match req.dataset {
        Dataset::ResponsesWide => {
            notes.push((
                format!(
                    "Mã thiếu: {NOT_APPLICABLE} = không có ý kiến / không áp dụng; {NOT_ANSWERED} = không trả lời \
                     (câu không hỏi với kênh này hoặc bỏ qua). Hãy loại các mã này trước khi tính trung bình."
                ),
                format!(
                    "Missing codes: {NOT_APPLICABLE} = no opinion / not applicable; {NOT_ANSWERED} = not answered \
                     (not asked for the channel, or left out). Exclude them before computing means."
                ),
            ));
            notes.push((
                format!(
                    "Câu chọn nhiều: mỗi phương án một cột, {CHOSEN} = có chọn, {NOT_CHOSEN} = không chọn (người trả \
                     lời có trả lời câu này), {NOT_ANSWERED} = không trả lời câu này (không chọn phương án nào; mã \
                     thiếu). Tỷ lệ chọn một phương án tính trên số người có trả lời câu hỏi."
                ),
                format!(
                    "Multiple choice: one column per option, {CHOSEN} = chosen, {NOT_CHOSEN} = not chosen (the \
                     question was answered), {NOT_ANSWERED} = question not answered (no option chosen; a missing \
                     code). The share choosing an option is out of those who answered the question."
                ),
            ));
        }
        Dataset::ResponsesLong => {
            notes.push((
                "Tệp câu trả lời chỉ có mã phiếu và câu trả lời; ngày, cơ quan, lĩnh vực, kênh và thông tin người trả lời \
                 ở tệp người trả lời (…_respondents), mỗi phiếu một dòng: ghép hai tệp theo response_id."
                    .into(),
                "The answers file holds the response id and the answer only; the date, agency, field, channel and \
                 respondent profile are in the respondents file (…_respondents), one row per response: join the two on \
                 response_id."
                    .into(),
            ));
            notes.push((
                format!(
                    "Mỗi câu trả lời được lưu là một dòng; câu không trả lời thì không có dòng. Mỗi dòng điền đúng một \
                     cột: value = thang hài lòng 1–5 ({NOT_APPLICABLE} = không có ý kiến / không áp dụng), percent = câu \
                     hỏi tỷ lệ 0–100, chosen = {CHOSEN} với phương án được chọn của câu chọn nhiều (phương án không \
                     chọn không có dòng; người trả lời một câu chọn nhiều là người có ít nhất một dòng của câu đó), \
                     text = góp ý ở dòng item_id = comment."
                ),
                format!(
                    "One row per stored answer; an unanswered item has no row. Each row fills exactly one column: \
                     value = the 1–5 satisfaction scale ({NOT_APPLICABLE} = no opinion / not applicable), percent = a \
                     0–100 percent question, chosen = {CHOSEN} for a chosen option of a multiple-choice question \
                     (options not chosen have no row; those who answered such a question are those with at least one \
                     row of it), text = the comment on the row with item_id = comment."
                ),
            ));
        }
        Dataset::IndexTable | Dataset::IndexTrend => {
            notes.push((format!("Ngưỡng cỡ mẫu nhỏ: n < {small_n}."), format!("Small-n threshold: n < {small_n}.")));
            if req.suppress_small_n {
                notes.push((
                    "Giá trị và khoảng tin cậy của các ô có n nhỏ đã được ẩn (suppressed = 1).".into(),
                    "Values and intervals of small-n cells are suppressed (suppressed = 1).".into(),
                ));
            }
        }
    }
    if matches!(req.format, Format::Csv | Format::Zip) {
        notes.push((
            "Trong các tệp CSV, ô văn bản bắt đầu bằng =, +, -, @, ký tự tab hoặc CR được thêm dấu nháy đơn (') ở \
             đầu để bảng tính không chạy nội dung như công thức; bỏ dấu nháy này để có văn bản gốc. Số (kể cả mã \
             thiếu âm như -1, -2) giữ nguyên. Mỗi lần xuống dòng trong văn bản được ghi là ↵, vì SPSS và PSPP \
             không đọc được ô CSV nhiều dòng; tệp XLSX giữ nguyên xuống dòng."
                .to_owned(),
            "In the CSV files, a text cell that begins with =, +, -, @, a tab or a carriage return gets a single \
             quote (') in front, so that spreadsheets do not run it as a formula; remove that quote for the original \
             text. Numbers (negative missing codes like -1 and -2 too) are unchanged. Each line break in a text is \
             written as ↵, since SPSS and PSPP cannot read a CSV cell that spans lines; the XLSX keeps the breaks."
                .to_owned(),
        ));
    }
    notes
}

/// The survey's items and questions with their criteria and channels.
fn items(def: &SurveyDefinition) -> Vec<ItemEntry> {
    let codes = |channels: &[Channel]| channels.iter().map(|c| c.code().to_owned()).collect::<Vec<_>>();
    let mut out = Vec::new();
    for c in def.criteria() {
        let criterion = CriterionEntry {
            id: c.id.clone(),
            domain: c.domain.clone(),
            title_vi: c.title.vi.clone(),
            title_en: c.title.en.clone(),
            weight: c.weight,
        };
        for item in &c.items {
            out.push(ItemEntry {
                id: item.id.clone(),
                kind: "rating_item".into(),
                text_vi: item.text.vi.clone(),
                text_en: item.text.en.clone(),
                criterion: Some(criterion.clone()),
                channels: codes(&item.channels),
            });
        }
    }
    for q in def.questions() {
        let kind = match q.kind {
            QuestionKind::Rating { .. } => "rating",
            QuestionKind::MultiChoice { .. } => "multi_choice",
            QuestionKind::Percent => "percent",
        };
        out.push(ItemEntry {
            id: q.id.clone(),
            kind: kind.into(),
            text_vi: q.text.vi.clone(),
            text_en: q.text.en.clone(),
            criterion: None,
            channels: codes(Channel::ALL),
        });
    }
    out
}

/// The agencies `codes` (every agency for `None`, the whole city) with all their ancestors,
/// by code.
fn agencies_with_ancestors(tree: &AgencyTree, codes: Option<&[String]>) -> Vec<Agency> {
    let Some(codes) = codes else { return tree.all().cloned().collect() };
    let mut wanted = std::collections::HashSet::new();
    for code in codes {
        let mut at = tree.get(code);
        while let Some(a) = at {
            if !wanted.insert(a.code.as_str()) {
                break;
            }
            at = a.parent.as_ref().and_then(|p| tree.get(p.as_str()));
        }
    }
    tree.all().filter(|a| wanted.contains(a.code.as_str())).cloned().collect()
}

/// What an export covers, resolved from its request: the period, the selected agencies
/// (`None`: the whole city) and the last day with data.
pub struct Coverage<'a> {
    pub period: &'a Period,
    pub agencies: Option<&'a [String]>,
    pub data_through: Option<chrono::NaiveDate>,
}

/// The codebook of an export of `req` with these `variables`.
pub fn codebook(
    req: &ExportRequest,
    def: &SurveyDefinition,
    tree: &AgencyTree,
    coverage: &Coverage<'_>,
    variables: Vec<Variable>,
    small_n: u64,
    generated_at: NaiveDateTime,
) -> Codebook {
    let (title_vi, title_en) = req.dataset.title();
    let (scope_vi, scope_en) = scope(req, tree);
    let mut weights: Vec<Weight> = def
        .domains()
        .iter()
        .map(|d| Weight { level: "domain".into(), id: d.id.clone(), parent: None, weight: d.weight })
        .collect();
    weights.extend(def.criteria().iter().map(|c| Weight {
        level: "criterion".into(),
        id: c.id.clone(),
        parent: Some(c.domain.clone()),
        weight: c.weight,
    }));
    Codebook {
        title_vi: title_vi.into(),
        title_en: title_en.into(),
        dataset: req.dataset.code().into(),
        survey_id: def.id().into(),
        survey_version: def.version(),
        survey_title_vi: def.title().vi.clone(),
        survey_title_en: def.title().en.clone(),
        definition_hash: def.content_hash().to_owned(),
        method: def.method().kind.code().into(),
        threshold: def.method().threshold,
        z: crate::indices::Z_95,
        weights,
        period_code: coverage.period.code(),
        period_from: coverage.period.from(),
        period_to: coverage.period.to(),
        data_through: coverage.data_through,
        scope_vi,
        scope_en,
        generated_at,
        notes: notes(req, small_n),
        variables,
        items: items(def),
        agencies: agencies_with_ancestors(tree, coverage.agencies),
    }
}
