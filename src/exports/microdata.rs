//! Response microdata: the columns of the wide and long files for a survey version (with
//! their codebook entries) and the rows of one stored response. De-identified by
//! construction: no token, dossier code or time of day exists in a response to copy, and the
//! comment is masked here.

use std::collections::HashMap;

use super::table::{Cell, ValueLabel, VarType, Variable};
use crate::domain::mask_personal_data;
use crate::domain::{AgencyTree, Channel, Field, Locale};
use crate::store::export_rows::ResponseRow;
use crate::surveys::{QuestionKind, SurveyDefinition};

/// The code written for "Không có ý kiến / không áp dụng".
pub const NOT_APPLICABLE: i64 = -1;
/// The code written in the wide file for an item that was not answered (not asked for the
/// citizen's channel, or an optional question left out).
pub const NOT_ANSWERED: i64 = -2;
/// `item_id` of the row holding the comment in the long file.
pub const COMMENT_ITEM: &str = "comment";

/// What a wide column holds, beyond the fixed response columns.
#[derive(Debug, Clone)]
enum Answer {
    /// A 1–5 rating item or rating question.
    Rating,
    /// One option of a multi-choice question: 1 chosen, 0 not.
    Choice,
    /// A 0–100 answer.
    Percent,
}

/// The columns of one export shape for one survey version.
pub struct Microdata<'a> {
    def: &'a SurveyDefinition,
    tree: &'a AgencyTree,
    wide: bool,
    /// Wide: the answer columns in order, by stored item id (`A1`, `Q3.cost`).
    answers: Vec<(String, Answer)>,
    position: HashMap<String, usize>,
    /// Item id → criterion id, for the long file.
    criterion: HashMap<String, String>,
    profile: Vec<crate::surveys::ProfileField>,
    /// Where the fixed columns end (the first answer column of the wide file).
    fixed: usize,
}

fn var(name: &str, vi: &str, en: &str, var_type: VarType) -> Variable {
    Variable {
        name: name.to_owned(),
        label_vi: vi.to_owned(),
        label_en: en.to_owned(),
        var_type,
        width: 0,
        value_labels: Vec::new(),
        missing: Vec::new(),
    }
}

fn text(name: &str, vi: &str, en: &str, width: usize) -> Variable {
    Variable { width, ..var(name, vi, en, VarType::Text) }
}

fn label(code: impl ToString, vi: &str, en: &str) -> ValueLabel {
    ValueLabel { code: code.to_string(), label_vi: vi.to_owned(), label_en: en.to_owned() }
}

impl<'a> Microdata<'a> {
    /// The wide (`wide = true`) or long layout of `def`'s responses; agency names come from
    /// `tree`.
    pub fn new(def: &'a SurveyDefinition, tree: &'a AgencyTree, wide: bool) -> Microdata<'a> {
        let mut answers = Vec::new();
        let mut criterion = HashMap::new();
        for c in def.criteria() {
            for item in &c.items {
                answers.push((item.id.clone(), Answer::Rating));
                criterion.insert(item.id.clone(), c.id.clone());
            }
        }
        for q in def.questions() {
            match &q.kind {
                QuestionKind::Rating { .. } => answers.push((q.id.clone(), Answer::Rating)),
                QuestionKind::MultiChoice { options, .. } => {
                    for o in options {
                        answers.push((format!("{}.{}", q.id, o.id), Answer::Choice));
                    }
                }
                QuestionKind::Percent => answers.push((q.id.clone(), Answer::Percent)),
            }
        }
        let position = answers.iter().enumerate().map(|(i, (id, _))| (id.clone(), i)).collect();
        let profile = def.profile().iter().map(|p| p.id).collect();
        let mut m = Microdata { def, tree, wide, answers, position, criterion, profile, fixed: 0 };
        m.fixed = m.fixed_variables().len();
        m
    }

    /// The columns before the answers (wide) or the answer columns (long).
    fn fixed_variables(&self) -> Vec<Variable> {
        let mut v = vec![
            text(
                "response_id",
                "Mã phiếu trả lời (ngẫu nhiên, không liên kết được với hồ sơ hay đường dẫn khảo sát)",
                "Response id (random; cannot be linked to the dossier or the survey link)",
                36,
            ),
            text("survey_id", "Mã phiếu khảo sát", "Survey id", 64),
            var("survey_version", "Phiên bản phiếu khảo sát", "Survey version", VarType::Integer),
            var("submitted_on", "Ngày trả lời (giờ Hà Nội)", "Date answered (Hanoi time)", VarType::Date),
            text("agency_code", "Mã cơ quan, đơn vị", "Agency code", 64),
            text("agency_name_vi", "Tên cơ quan, đơn vị (tiếng Việt)", "Agency name (Vietnamese)", 400),
            text("agency_name_en", "Tên cơ quan, đơn vị (tiếng Anh)", "Agency name (English)", 400),
            Variable {
                value_labels: Field::ALL
                    .iter()
                    .map(|f| label(f.code(), f.name(Locale::Vi), f.name(Locale::En)))
                    .collect(),
                ..text("field", "Lĩnh vực", "Field", 32)
            },
            text("procedure_code", "Mã thủ tục hành chính", "Administrative procedure code", 64),
            Variable {
                value_labels: Channel::ALL
                    .iter()
                    .map(|c| label(c.code(), c.name(Locale::Vi), c.name(Locale::En)))
                    .collect(),
                ..text("channel", "Kênh giải quyết", "Channel", 16)
            },
            Variable {
                value_labels: vec![label("vi", "Tiếng Việt", "Vietnamese"), label("en", "Tiếng Anh", "English")],
                ..text("locale", "Ngôn ngữ của phiếu", "Language the survey was answered in", 2)
            },
        ];
        for p in &self.profile {
            if let Some(q) = self.def.profile_question(*p) {
                v.push(Variable {
                    value_labels: q.options.iter().map(|o| label(&o.id, &o.label.vi, &o.label.en)).collect(),
                    ..text(p.code(), &q.text.vi, &q.text.en, 64)
                });
            }
        }
        v
    }

    /// Every column, in file order, with its codebook entry.
    pub fn variables(&self) -> Vec<Variable> {
        let mut v = self.fixed_variables();
        let scale = self.def.scale();
        let rating_labels: Vec<ValueLabel> =
            scale.labels.iter().enumerate().map(|(i, t)| label(i + 1, &t.vi, &t.en)).collect();
        let not_applicable = label(NOT_APPLICABLE, &scale.not_applicable.vi, &scale.not_applicable.en);
        let not_answered = label(
            NOT_ANSWERED,
            "Không trả lời (không hỏi với kênh này hoặc bỏ qua câu không bắt buộc)",
            "Not answered (not asked for this channel, or an optional question left out)",
        );
        let comment_width = self.def.comment().map_or(0, |c| c.max_chars * 4);
        if !self.wide {
            let mut items = Vec::new();
            for (id, _) in &self.answers {
                let (vi, en) = self.answer_text(id);
                items.push(label(id, &vi, &en));
            }
            if self.def.comment().is_some() {
                items.push(label(COMMENT_ITEM, "Góp ý (trong cột text)", "Comment (in the text column)"));
            }
            v.push(Variable { value_labels: items, ..text("item_id", "Câu hỏi", "Item or question", 70) });
            v.push(text(
                "criterion_id",
                "Tiêu chí (trống với câu hỏi ngoài tiêu chí)",
                "Criterion (empty for other questions)",
                32,
            ));
            let mut values = rating_labels;
            values.push(label(1, "Câu chọn nhiều: có chọn phương án này", "Multi-choice: this option was chosen"));
            v.push(Variable {
                value_labels: values,
                missing: vec![not_applicable],
                ..var(
                    "value",
                    "Trả lời: 1–5 theo thang hài lòng; 0–100 với câu hỏi tỷ lệ; 1 với phương án được chọn",
                    "Answer: 1–5 on the satisfaction scale; 0–100 for percent questions; 1 for a chosen option",
                    VarType::Integer,
                )
            });
            v.push(text(
                "text",
                "Góp ý của người dân (đã che số điện thoại, số định danh và e-mail), ở dòng item_id = comment",
                "The citizen's comment (phone, ID and e-mail numbers masked), on the row with item_id = comment",
                comment_width.max(1),
            ));
            return v;
        }
        for (id, kind) in &self.answers {
            let (vi, en) = self.answer_text(id);
            let name = id.replace('.', "_");
            v.push(match kind {
                Answer::Rating => Variable {
                    value_labels: rating_labels.clone(),
                    missing: vec![not_applicable.clone(), not_answered.clone()],
                    ..var(&name, &vi, &en, VarType::Integer)
                },
                Answer::Choice => Variable {
                    value_labels: vec![label(1, "Có chọn", "Chosen"), label(0, "Không chọn", "Not chosen")],
                    ..var(&name, &vi, &en, VarType::Integer)
                },
                Answer::Percent => {
                    Variable { missing: vec![not_answered.clone()], ..var(&name, &vi, &en, VarType::Integer) }
                }
            });
        }
        if let Some(c) = self.def.comment() {
            v.push(text(
                "comment",
                &format!("{} (đã che số điện thoại, số định danh và e-mail)", c.prompt.vi),
                &format!("{} (phone, ID and e-mail numbers masked)", c.prompt.en),
                comment_width,
            ));
        }
        v
    }

    /// The text of an item, a question, or "question: option".
    fn answer_text(&self, id: &str) -> (String, String) {
        if let Some(item) = self.def.item(id) {
            return (item.text.vi.clone(), item.text.en.clone());
        }
        let (qid, option) = id.split_once('.').map_or((id, None), |(q, o)| (q, Some(o)));
        let Some(q) = self.def.question(qid) else { return (id.to_owned(), id.to_owned()) };
        let option = option.and_then(|o| match &q.kind {
            QuestionKind::MultiChoice { options, .. } => options.iter().find(|x| x.id == o),
            _ => None,
        });
        match option {
            Some(o) => (format!("{}: {}", q.text.vi, o.label.vi), format!("{}: {}", q.text.en, o.label.en)),
            None => (q.text.vi.clone(), q.text.en.clone()),
        }
    }

    fn fixed_cells(&self, r: &ResponseRow, out: &mut Vec<Cell>) {
        let opt = |v: &Option<String>| v.as_ref().map_or(Cell::Empty, |s| Cell::Text(s.clone()));
        let agency = self.tree.get(&r.agency_code);
        out.extend([
            Cell::Text(r.id.clone()),
            Cell::Text(self.def.id().to_owned()),
            Cell::Int(i64::from(self.def.version())),
            Cell::Date(r.submitted_on),
            Cell::Text(r.agency_code.clone()),
            agency.map_or(Cell::Empty, |a| Cell::Text(a.name_vi.clone())),
            agency.map_or(Cell::Empty, |a| Cell::Text(a.name_en.clone())),
            Cell::Text(r.field.clone()),
            opt(&r.procedure_code),
            Cell::Text(r.channel.clone()),
            Cell::Text(r.locale.clone()),
        ]);
        for p in &self.profile {
            use crate::surveys::ProfileField as P;
            out.push(opt(match p {
                P::Respondent => &r.respondent,
                P::Gender => &r.gender,
                P::AgeGroup => &r.age_group,
                P::Education => &r.education,
                P::Occupation => &r.occupation,
            }));
        }
    }

    /// The row(s) of one response: one in the wide file; in the long file one per stored
    /// answer in column order, then one for the comment if there is one. `rows` is cleared
    /// first; its buffers are reused.
    pub fn rows(&self, r: &ResponseRow, rows: &mut Vec<Vec<Cell>>) {
        let comment = r.comment.as_deref().filter(|c| !c.trim().is_empty()).map(mask_personal_data);
        if self.wide {
            rows.truncate(1);
            if rows.is_empty() {
                rows.push(Vec::new());
            }
            let row = &mut rows[0];
            row.clear();
            self.fixed_cells(r, row);
            row.extend(self.answers.iter().map(|(_, kind)| match kind {
                Answer::Choice => Cell::Int(0),
                Answer::Rating | Answer::Percent => Cell::Int(NOT_ANSWERED),
            }));
            for (item, value) in r.answers() {
                if let Some(&i) = self.position.get(item) {
                    row[self.fixed + i] = Cell::Int(value.map_or(NOT_APPLICABLE, i64::from));
                }
            }
            if self.def.comment().is_some() {
                row.push(comment.map_or(Cell::Empty, Cell::Text));
            }
            return;
        }
        rows.clear();
        let mut answers: Vec<(usize, &str, Option<i32>)> = r
            .answers()
            .map(|(item, value)| (self.position.get(item).copied().unwrap_or(usize::MAX), item, value))
            .collect();
        answers.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        let mut push = |item: &str, value: Cell, text: Cell| {
            let mut row = Vec::with_capacity(self.fixed + 4);
            self.fixed_cells(r, &mut row);
            row.push(Cell::Text(item.to_owned()));
            row.push(self.criterion.get(item).map_or(Cell::Empty, |c| Cell::Text(c.clone())));
            row.push(value);
            row.push(text);
            rows.push(row);
        };
        for (_, item, value) in answers {
            push(item, Cell::Int(value.map_or(NOT_APPLICABLE, i64::from)), Cell::Empty);
        }
        if let Some(c) = comment {
            push(COMMENT_ITEM, Cell::Empty, Cell::Text(c));
        }
    }
}
