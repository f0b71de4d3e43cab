//! Response microdata: the columns of the wide and long files for a survey version (with
//! their codebook entries) and the rows of one stored response. De-identified by
//! construction: no token, dossier code or time of day exists in a response to copy, and the
//! comment is masked here.

use std::collections::HashMap;
use std::ops::Range;

use super::table::{Cell, Measure, ValueLabel, VarType, Variable};
use crate::domain::mask_personal_data;
use crate::domain::{AgencyTree, Channel, Field, Locale};
use crate::store::export_rows::ResponseRow;
use crate::surveys::{QuestionKind, SurveyDefinition};

/// The code written for "Không có ý kiến / không áp dụng".
pub const NOT_APPLICABLE: i64 = -1;
/// The code written in the wide file for an item that was not answered (not asked for the
/// citizen's channel, or an optional question left out). For a multiple-choice question it
/// goes in every option column when the citizen chose nothing at all, so that "skipped the
/// question" (−2) stays apart from "answered it, but not with this option" (0).
pub const NOT_ANSWERED: i64 = -2;
/// The code of a chosen option in the wide file (and in `chosen` in the long file).
pub const CHOSEN: i64 = 1;
/// The code of an option not chosen by a citizen who answered the question (wide file).
pub const NOT_CHOSEN: i64 = 0;
/// `item_id` of the row holding the comment in the long file.
pub const COMMENT_ITEM: &str = "comment";

/// What a wide column holds, beyond the fixed response columns.
#[derive(Debug, Clone)]
enum Answer {
    /// A 1–5 rating item or rating question.
    Rating,
    /// One option of a multi-choice question: 1 chosen, 0 not, −2 question skipped.
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
    /// The positions in `answers` of each multi-choice question's options.
    choice_groups: Vec<Range<usize>>,
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
        measure: var_type.default_measure(),
        range: None,
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
        let mut choice_groups = Vec::new();
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
                    let first = answers.len();
                    for o in options {
                        answers.push((format!("{}.{}", q.id, o.id), Answer::Choice));
                    }
                    choice_groups.push(first..answers.len());
                }
                QuestionKind::Percent => answers.push((q.id.clone(), Answer::Percent)),
            }
        }
        let position = answers.iter().enumerate().map(|(i, (id, _))| (id.clone(), i)).collect();
        let profile = def.profile().iter().map(|p| p.id).collect();
        let mut m = Microdata { def, tree, wide, answers, choice_groups, position, criterion, profile, fixed: 0 };
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
            Variable {
                measure: Measure::Nominal,
                ..var("survey_version", "Phiên bản phiếu khảo sát", "Survey version", VarType::Integer)
            },
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

    /// The columns of the long file's respondents table: one row per response, the wide
    /// file's columns before the answers.
    pub fn respondent_variables(&self) -> Vec<Variable> {
        self.fixed_variables()
    }

    /// The respondents-table row of one response.
    pub fn respondent_row(&self, r: &ResponseRow, row: &mut Vec<Cell>) {
        row.clear();
        self.fixed_cells(r, row);
    }

    /// Every column, in file order, with its codebook entry. The long file is lean: the
    /// response id, then the answer; the per-response columns are in the respondents table.
    pub fn variables(&self) -> Vec<Variable> {
        let mut v = self.fixed_variables();
        if !self.wide {
            v.truncate(1);
        }
        let scale = self.def.scale();
        let rating_labels: Vec<ValueLabel> =
            scale.labels.iter().enumerate().map(|(i, t)| label(i + 1, &t.vi, &t.en)).collect();
        let rating_range = Some((1, i64::try_from(scale.labels.len()).unwrap_or(i64::MAX)));
        let not_applicable = label(NOT_APPLICABLE, &scale.not_applicable.vi, &scale.not_applicable.en);
        let not_answered = label(
            NOT_ANSWERED,
            "Không trả lời (không hỏi với kênh này hoặc bỏ qua câu không bắt buộc)",
            "Not answered (not asked for this channel, or an optional question left out)",
        );
        let chosen = label(CHOSEN, "Có chọn", "Chosen");
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
            // One column per kind of answer, so that no column mixes scales: value labels
            // belong to a variable, not to a row, and a `value` that held ratings, percents
            // and chosen options alike would show a chosen option as "Rất không hài lòng"
            // (both are 1) and put percents on the satisfaction scale. An analyst reads the
            // ratings from `value` (labelled, missing code −1), and the other answers from
            // columns of their own; each row fills exactly one of the three.
            v.push(Variable {
                value_labels: rating_labels,
                missing: vec![not_applicable],
                measure: Measure::Ordinal,
                range: rating_range,
                ..var(
                    "value",
                    "Trả lời theo thang hài lòng (1–5); trống ở dòng của câu hỏi tỷ lệ và phương án chọn",
                    "Answer on the satisfaction scale (1–5); empty on rows of percent questions and options",
                    VarType::Integer,
                )
            });
            v.push(Variable {
                range: Some((0, 100)),
                ..var(
                    "percent",
                    "Trả lời câu hỏi tỷ lệ (0–100); trống ở các dòng khác",
                    "Answer to a percent question (0–100); empty on other rows",
                    VarType::Integer,
                )
            });
            v.push(Variable {
                value_labels: vec![chosen],
                measure: Measure::Nominal,
                range: Some((CHOSEN, CHOSEN)),
                ..var(
                    "chosen",
                    "Câu chọn nhiều: 1 = có chọn phương án ở item_id (phương án không chọn thì không có dòng)",
                    "Multiple choice: 1 = the option in item_id was chosen (options not chosen have no row)",
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
        let skipped = label(
            NOT_ANSWERED,
            "Không trả lời câu hỏi này (không chọn phương án nào)",
            "Question not answered (no option chosen at all)",
        );
        for (id, kind) in &self.answers {
            let (vi, en) = self.answer_text(id);
            let name = id.replace('.', "_");
            v.push(match kind {
                Answer::Rating => Variable {
                    value_labels: rating_labels.clone(),
                    missing: vec![not_applicable.clone(), not_answered.clone()],
                    measure: Measure::Ordinal,
                    range: rating_range,
                    ..var(&name, &vi, &en, VarType::Integer)
                },
                Answer::Choice => Variable {
                    value_labels: vec![chosen.clone(), label(NOT_CHOSEN, "Không chọn", "Not chosen")],
                    missing: vec![skipped.clone()],
                    measure: Measure::Nominal,
                    range: Some((NOT_CHOSEN, CHOSEN)),
                    ..var(&name, &vi, &en, VarType::Integer)
                },
                Answer::Percent => Variable {
                    missing: vec![not_answered.clone()],
                    range: Some((0, 100)),
                    ..var(&name, &vi, &en, VarType::Integer)
                },
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
    /// answer in column order, then one for the comment if there is one (the rest of the
    /// response is its [`Microdata::respondent_row`]). `rows` is cleared
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
                Answer::Choice => Cell::Int(NOT_CHOSEN),
                Answer::Rating | Answer::Percent => Cell::Int(NOT_ANSWERED),
            }));
            for (item, value) in r.answers() {
                if let Some(&i) = self.position.get(item) {
                    row[self.fixed + i] = Cell::Int(value.map_or(NOT_APPLICABLE, i64::from));
                }
            }
            // Only chosen options are stored (one row each; an empty choice is no answer),
            // so a question without any stored option was skipped, not answered with "none".
            for group in &self.choice_groups {
                let cells = &mut row[self.fixed + group.start..self.fixed + group.end];
                if cells.iter().all(|c| *c == Cell::Int(NOT_CHOSEN)) {
                    cells.fill(Cell::Int(NOT_ANSWERED));
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
        // `value`, `percent`, `chosen`, `text`: each row fills the one its answer belongs to.
        let mut push = |item: &str, slot: usize, cell: Cell| {
            let mut row = Vec::with_capacity(7);
            row.push(Cell::Text(r.id.clone()));
            row.push(Cell::Text(item.to_owned()));
            row.push(self.criterion.get(item).map_or(Cell::Empty, |c| Cell::Text(c.clone())));
            let mut answer = [Cell::Empty, Cell::Empty, Cell::Empty, Cell::Empty];
            answer[slot] = cell;
            row.extend(answer);
            rows.push(row);
        };
        for (i, item, value) in answers {
            let cell = Cell::Int(value.map_or(NOT_APPLICABLE, i64::from));
            let slot = match self.answers.get(i).map(|(_, kind)| kind) {
                Some(Answer::Percent) => 1,
                Some(Answer::Choice) => 2,
                // An answer this version does not know cannot be stored; were one there, the
                // stored number would still be shown rather than dropped.
                Some(Answer::Rating) | None => 0,
            };
            push(item, slot, cell);
        }
        if let Some(c) = comment {
            push(COMMENT_ITEM, 3, Cell::Text(c));
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::surveys::test_support::mini;

    fn response(id: &str, answers: &str) -> ResponseRow {
        ResponseRow {
            id: id.into(),
            submitted_on: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            agency_code: "T.X".into(),
            field: "land".into(),
            procedure_code: None,
            channel: "in_person".into(),
            locale: "vi".into(),
            comment: None,
            respondent: None,
            gender: None,
            age_group: None,
            education: None,
            occupation: None,
            answers: Some(answers.into()),
        }
    }

    /// The cells of `names` in the one wide row of `r`.
    fn wide_cells(m: &Microdata<'_>, r: &ResponseRow, names: &[&str]) -> Vec<Cell> {
        let variables = m.variables();
        let mut rows = Vec::new();
        m.rows(r, &mut rows);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].len(), variables.len());
        names
            .iter()
            .map(|n| {
                let i = variables.iter().position(|v| v.name == *n).unwrap();
                rows[0][i].clone()
            })
            .collect()
    }

    const OPTIONS: [&str; 3] = ["improve_x", "improve_y", "improve_z"];

    #[test]
    fn a_skipped_multiple_choice_question_is_missing_not_unchosen() {
        let def = mini();
        let tree = AgencyTree::new(Vec::new());
        let m = Microdata::new(&def, &tree, true);
        let answered = response("r1", "A1=4,B1=,overall=5,improve.y=1,expect=80");
        assert_eq!(wide_cells(&m, &answered, &OPTIONS), [Cell::Int(0), Cell::Int(1), Cell::Int(0)]);
        let skipped = response("r2", "A1=3,overall=4");
        assert_eq!(wide_cells(&m, &skipped, &OPTIONS), [Cell::Int(-2), Cell::Int(-2), Cell::Int(-2)]);
        // The other columns keep their own codes: −1 not applicable, −2 not asked / left out.
        assert_eq!(
            wide_cells(&m, &answered, &["A1", "A2", "B1", "expect"]),
            [Cell::Int(4), Cell::Int(-2), Cell::Int(-1), Cell::Int(80)]
        );
        assert_eq!(wide_cells(&m, &skipped, &["expect"]), [Cell::Int(-2)]);

        // The codebook says so: 1 and 0 are valid, −2 is a missing code of its own.
        let variables = m.variables();
        let option = variables.iter().find(|v| v.name == "improve_x").unwrap();
        let codes = |labels: &[ValueLabel]| labels.iter().map(|l| l.code.clone()).collect::<Vec<_>>();
        assert_eq!(codes(&option.value_labels), ["1", "0"]);
        assert_eq!(codes(&option.missing), ["-2"]);
        assert_eq!(option.missing[0].label_en, "Question not answered (no option chosen at all)");
        assert_eq!((option.measure, option.range), (Measure::Nominal, Some((0, 1))));
        let a1 = variables.iter().find(|v| v.name == "A1").unwrap();
        assert_eq!(
            (codes(&a1.missing), a1.measure, a1.range),
            (vec!["-1".into(), "-2".into()], Measure::Ordinal, Some((1, 5)))
        );
    }

    #[test]
    fn the_long_file_keeps_each_scale_in_its_own_column() {
        let def = mini();
        let tree = AgencyTree::new(Vec::new());
        let m = Microdata::new(&def, &tree, false);
        let variables = m.variables();
        let names: Vec<&str> = variables.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["response_id", "item_id", "criterion_id", "value", "percent", "chosen", "text"]);
        let respondent: Vec<String> = m.respondent_variables().into_iter().map(|v| v.name).collect();
        assert_eq!(respondent[..4], ["response_id", "survey_id", "survey_version", "submitted_on"]);
        let var = |name: &str| variables.iter().find(|v| v.name == name).unwrap();
        // `value` is labelled with the satisfaction scale and nothing else: code 1 has one label.
        let value = var("value");
        let ones: Vec<&str> =
            value.value_labels.iter().filter(|l| l.code == "1").map(|l| l.label_vi.as_str()).collect();
        assert_eq!(ones, ["Rất không hài lòng"]);
        assert_eq!(value.value_labels.len(), 5);
        assert_eq!(value.missing.iter().map(|l| l.code.as_str()).collect::<Vec<_>>(), ["-1"]);
        assert!(var("percent").value_labels.is_empty());
        assert_eq!(var("chosen").value_labels.iter().map(|l| l.label_en.as_str()).collect::<Vec<_>>(), ["Chosen"]);

        let mut rows = Vec::new();
        m.rows(&response("r1", "A1=4,B1=,overall=5,improve.y=1,expect=80"), &mut rows);
        let tail = |row: &Vec<Cell>| row[row.len() - 6..].to_vec();
        let text = |s: &str| Cell::Text(s.into());
        let got: Vec<Vec<Cell>> = rows.iter().map(tail).collect();
        assert!(rows.iter().all(|r| r.len() == 7 && r[0] == Cell::Text("r1".into())));
        let mut respondent = Vec::new();
        m.respondent_row(&response("r1", "A1=4"), &mut respondent);
        assert_eq!(respondent.len(), m.respondent_variables().len());
        assert_eq!(respondent[4], Cell::Text("T.X".into()));
        let e = Cell::Empty;
        assert_eq!(
            got,
            [
                vec![text("A1"), text("A"), Cell::Int(4), e.clone(), e.clone(), e.clone()],
                vec![text("B1"), text("B"), Cell::Int(-1), e.clone(), e.clone(), e.clone()],
                vec![text("overall"), e.clone(), Cell::Int(5), e.clone(), e.clone(), e.clone()],
                vec![text("improve.y"), e.clone(), e.clone(), e.clone(), Cell::Int(1), e.clone()],
                vec![text("expect"), e.clone(), e.clone(), Cell::Int(80), e.clone(), e.clone()],
            ]
        );
    }
}
