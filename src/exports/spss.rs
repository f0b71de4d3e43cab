//! SPSS syntax that reads an export's CSV and applies the codebook's labels and missing codes.

use std::fmt::Write;

use super::meta::iso_utc;
use super::table::{Codebook, ValueLabel, VarType, Variable};

/// SPSS string variables hold at most this many bytes.
const MAX_STRING_WIDTH: usize = 32_767;

/// Longest quoted piece on one line; longer strings are split and joined with `+`, which SPSS
/// allows anywhere a quoted string goes, so no syntax line comes near the line-length limit.
const MAX_PIECE_BYTES: usize = 120;

/// The syntax file that goes beside `csv_file_name` in an export. `bom` says whether the CSV
/// starts with a byte-order mark; the mark sits on the header line, which `/FIRSTCASE=2`
/// skips, so the same command reads both, and the header comment says which it is.
pub fn spss_syntax(codebook: &Codebook, csv_file_name: &str, bom: bool) -> String {
    let mut out = String::with_capacity(4096 + 256 * codebook.variables.len());
    header_comment(&mut out, codebook, csv_file_name, bom);

    out.push_str("SET UNICODE=ON.\n\n");
    out.push_str("GET DATA\n  /TYPE=TXT\n");
    out.push_str(&format!("  /FILE={}\n", quoted(csv_file_name, "  ")));
    out.push_str(
        "  /ENCODING='UTF8'\n  /DELIMITERS=','\n  /QUALIFIER='\"'\n  \
         /ARRANGEMENT=DELIMITED\n  /FIRSTCASE=2\n  /VARIABLES=\n",
    );
    for var in &codebook.variables {
        let _ = writeln!(out, "    {} {}", var.name, input_format(var));
    }
    out.push_str(".\n\n");

    variable_labels(&mut out, codebook);
    value_labels(&mut out, codebook);
    missing_values(&mut out, codebook);

    out.push_str("EXECUTE.\n");
    out
}

fn header_comment(out: &mut String, codebook: &Codebook, csv_file_name: &str, bom: bool) {
    let mut comment = |text: String| push_comment(out, "* ", &text);
    comment(format!("{} / {}", codebook.title_vi, codebook.title_en));
    comment(format!("Dataset {}", codebook.dataset));
    comment(format!(
        "Survey {} version {}: {} / {}",
        codebook.survey_id, codebook.survey_version, codebook.survey_title_vi, codebook.survey_title_en
    ));
    comment(format!("Method {}, satisfied at >= {}", codebook.method, codebook.threshold));
    comment(format!(
        "Period {} ({} to {})",
        codebook.period_code,
        codebook.period_from.format("%Y-%m-%d"),
        codebook.period_to.format("%Y-%m-%d")
    ));
    comment(format!("Scope: {} / {}", codebook.scope_vi, codebook.scope_en));
    comment(format!("Generated {}", iso_utc(codebook.generated_at)));
    for (vi, en) in &codebook.notes {
        comment(format!("Note: {vi} / {en}"));
    }
    comment(format!(
        "This syntax file and {csv_file_name} are UTF-8{}; SPSS must run in Unicode mode, \
         which the next command sets",
        if bom { " (the CSV with a byte-order mark)" } else { " (the CSV without a byte-order mark)" }
    ));
    comment(format!(
        "SPSS looks for {csv_file_name} in its working directory: put it there, or run CD with \
         the folder first"
    ));
    out.push('\n');
}

/// The input format: wide enough to read every value; display widths can be narrowed later.
/// SDATE10 is `yyyy/mm/dd`, and SPSS accepts `-` as the separator, so ISO dates read as dates.
fn input_format(var: &Variable) -> String {
    match var.var_type {
        VarType::Integer => "F12.0".to_owned(),
        VarType::Decimal => "F12.4".to_owned(),
        VarType::Date => "SDATE10".to_owned(),
        VarType::Text => format!("A{}", var.width.clamp(1, MAX_STRING_WIDTH)),
    }
}

fn is_numeric(var: &Variable) -> bool {
    matches!(var.var_type, VarType::Integer | VarType::Decimal)
}

/// Vietnamese labels are the ones SPSS shows; the English ones go in a comment just above so
/// that nothing in the codebook is lost.
fn variable_labels(out: &mut String, codebook: &Codebook) {
    out.push_str("* English variable labels.\n");
    for var in &codebook.variables {
        push_comment(out, "*   ", &format!("{}: {}", var.name, var.label_en));
    }
    out.push_str("VARIABLE LABELS\n");
    for (i, var) in codebook.variables.iter().enumerate() {
        let slash = if i == 0 { "  " } else { "  /" };
        let _ = writeln!(out, "{slash}{} {}", var.name, quoted(&var.label_vi, "    "));
    }
    out.push_str(".\n\n");
}

/// Labels of valid codes and of missing codes alike, so a table shows "Không áp dụng" and not
/// `-1`. A code that is not a number cannot label a numeric variable and is left out.
fn value_labels(out: &mut String, codebook: &Codebook) {
    let labelled: Vec<(&Variable, Vec<&ValueLabel>)> = codebook
        .variables
        .iter()
        .filter(|v| v.var_type != VarType::Date)
        .map(|v| {
            let labels = v
                .value_labels
                .iter()
                .chain(&v.missing)
                .filter(|l| !is_numeric(v) || numeric_code(&l.code).is_some())
                .collect::<Vec<_>>();
            (v, labels)
        })
        .filter(|(_, labels)| !labels.is_empty())
        .collect();
    if labelled.is_empty() {
        return;
    }
    out.push_str("VALUE LABELS\n");
    for (i, (var, labels)) in labelled.iter().enumerate() {
        let slash = if i == 0 { "  " } else { "  /" };
        let _ = writeln!(out, "{slash}{}", var.name);
        for label in labels {
            let code = match numeric_code(&label.code) {
                Some(code) if is_numeric(var) => code,
                _ => quoted(&label.code, "      "),
            };
            let _ = writeln!(out, "    {code} {}", quoted(&label.label_vi, "      "));
        }
    }
    out.push_str(".\n\n");
}

/// SPSS takes up to three discrete missing values, or a range plus one value. Strings are left
/// to the value labels: SPSS accepts missing values only on short strings, and our text codes
/// are labelled anyway.
fn missing_values(out: &mut String, codebook: &Codebook) {
    let mut lines = Vec::new();
    for var in codebook.variables.iter().filter(|v| is_numeric(v)) {
        let codes: Vec<(f64, String)> = var
            .missing
            .iter()
            .filter_map(|l| numeric_code(&l.code).map(|s| (s.parse::<f64>().unwrap_or(0.0), s)))
            .collect();
        if codes.is_empty() {
            continue;
        }
        let spec = if codes.len() <= 3 {
            codes.iter().map(|(_, s)| s.as_str()).collect::<Vec<_>>().join(", ")
        } else {
            match missing_range(var, &codes) {
                Some(range) => range,
                None => {
                    let rest: Vec<&str> = codes[3..].iter().map(|(_, s)| s.as_str()).collect();
                    let _ = writeln!(
                        out,
                        "* {}: only three missing codes fit; {} stay labelled but not missing.",
                        var.name,
                        rest.join(", ")
                    );
                    codes[..3].iter().map(|(_, s)| s.as_str()).collect::<Vec<_>>().join(", ")
                }
            }
        };
        lines.push(format!("{} ({spec})", var.name));
    }
    if lines.is_empty() {
        return;
    }
    out.push_str("MISSING VALUES\n");
    for (i, line) in lines.iter().enumerate() {
        let slash = if i == 0 { "  " } else { "  /" };
        let _ = writeln!(out, "{slash}{line}");
    }
    out.push_str(".\n\n");
}

/// `lo THRU hi` when the missing codes span a range that holds no valid code.
fn missing_range(var: &Variable, codes: &[(f64, String)]) -> Option<String> {
    let (lo, hi) = codes.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (x, _)| (lo.min(*x), hi.max(*x)));
    let clashes = var
        .value_labels
        .iter()
        .filter_map(|l| numeric_code(&l.code))
        .filter_map(|s| s.parse::<f64>().ok())
        .any(|x| (lo..=hi).contains(&x));
    if clashes {
        return None;
    }
    let spell = |x: f64| super::meta::decimal_string(x);
    Some(format!("{} THRU {}", spell(lo), spell(hi)))
}

/// The code as SPSS should see a number, if it is one (`"-1"`, `"2.5"`).
fn numeric_code(code: &str) -> Option<String> {
    let trimmed = code.trim();
    let x = trimmed.parse::<f64>().ok().filter(|x| x.is_finite())?;
    // Keep the code's own spelling when it is plain; `parse` also accepts `inf`, `1e3` …
    if trimmed.bytes().all(|b| b.is_ascii_digit() || b == b'-' || b == b'.') {
        Some(trimmed.to_owned())
    } else {
        Some(super::meta::decimal_string(x))
    }
}

/// Longest comment text on one line, so that no line nears SPSS's line-length limit.
const MAX_COMMENT_BYTES: usize = 200;

/// One or more comment lines, each starting with `prefix` and ending with a period. A comment
/// that runs over lines ends at the first line ending in a period, which text wrapped at
/// arbitrary words might do; a period on every line keeps each line a comment of its own.
fn push_comment(out: &mut String, prefix: &str, text: &str) {
    let mut line = String::new();
    for word in one_line(text).split(' ').filter(|w| !w.is_empty()) {
        if !line.is_empty() && line.len() + 1 + word.len() > MAX_COMMENT_BYTES {
            out.push_str(prefix);
            out.push_str(&line);
            out.push_str(".\n");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(prefix);
    out.push_str(&line);
    out.push_str(".\n");
}

/// Line breaks would end a comment or a string early.
fn one_line(text: &str) -> String {
    text.split(['\r', '\n']).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ")
}

/// `'text'` with `'` doubled; long text split into `'…' +` pieces on lines of their own,
/// indented by `indent`. Pieces are cut between characters before escaping, so neither a
/// UTF-8 sequence nor a doubled quote is ever split.
fn quoted(text: &str, indent: &str) -> String {
    let mut pieces = Vec::new();
    let mut piece = String::new();
    for c in one_line(text).chars() {
        let escaped_len = if c == '\'' { 2 } else { c.len_utf8() };
        if piece.len() + escaped_len > MAX_PIECE_BYTES {
            pieces.push(std::mem::take(&mut piece));
        }
        piece.push(c);
        if c == '\'' {
            piece.push(c);
        }
    }
    pieces.push(piece);
    let mut out = String::new();
    for (i, piece) in pieces.iter().enumerate() {
        if i > 0 {
            out.push_str(" +\n");
            out.push_str(indent);
        }
        out.push('\'');
        out.push_str(piece);
        out.push('\'');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exports::meta::fixtures;

    fn syntax() -> String {
        spss_syntax(&fixtures::codebook(), "phieu_tra_loi.csv", true)
    }

    #[test]
    fn reads_the_csv_with_every_variable_in_order() {
        let syntax = syntax();
        let expected = "SET UNICODE=ON.\n\n\
            GET DATA\n  /TYPE=TXT\n  /FILE='phieu_tra_loi.csv'\n  /ENCODING='UTF8'\n  \
            /DELIMITERS=','\n  /QUALIFIER='\"'\n  /ARRANGEMENT=DELIMITED\n  /FIRSTCASE=2\n  \
            /VARIABLES=\n    response_id F12.0\n    submitted_on SDATE10\n    channel A9\n    \
            q1 F12.0\n    score F12.4\n    comment A120\n.\n";
        assert!(syntax.contains(expected), "{syntax}");
        assert!(syntax.trim_end().ends_with("EXECUTE."));
    }

    #[test]
    fn header_comment_says_what_and_when() {
        let syntax = syntax();
        assert!(syntax.starts_with("* Dữ liệu phiếu trả lời (dạng rộng) / Responses (wide).\n"));
        assert!(syntax.contains("* Survey dvc-2025 version 3: Khảo sát mức độ hài lòng"));
        assert!(syntax.contains("* Method sipas-v1, satisfied at >= 4.\n"));
        assert!(syntax.contains("* Period 2025-Q1 (2025-01-01 to 2025-03-31).\n"));
        assert!(syntax.contains("* Generated 2025-04-02T08:30:05Z.\n"));
        assert!(syntax.contains("UTF-8"));
        // Every comment is one line ending in a period, so none swallows a command.
        for line in syntax.lines().filter(|l| l.starts_with('*')) {
            assert!(line.ends_with('.'), "{line}");
        }
    }

    #[test]
    fn labels_are_vietnamese_with_quotes_doubled() {
        let syntax = syntax();
        assert!(syntax.contains(
            "VARIABLE LABELS\n  response_id 'Mã phiếu'\n  /submitted_on 'Ngày nộp'\n  \
             /channel 'Kênh'\n  /q1 'Thái độ của cán bộ ''một cửa'''\n"
        ));
        assert!(syntax.contains("*   q1: Staff attitude at the 'one-stop' desk.\n"));
    }

    #[test]
    fn value_labels_cover_valid_and_missing_codes() {
        let syntax = syntax();
        let expected = "VALUE LABELS\n  channel\n    'in_person' 'Trực tiếp'\n    \
            'online' 'Trực tuyến'\n    'none' 'Không rõ'\n  /q1\n    1 'Rất không hài lòng'\n    \
            2 'Không hài lòng'\n    3 'Bình thường'\n    4 'Hài lòng'\n    5 'Rất hài lòng'\n    \
            -1 'Không áp dụng'\n    -2 'Không trả lời'\n.\n";
        assert!(syntax.contains(expected), "{syntax}");
    }

    #[test]
    fn missing_values_only_for_numeric_codes() {
        let syntax = syntax();
        assert!(syntax.contains("MISSING VALUES\n  q1 (-1, -2)\n.\n"), "{syntax}");
        assert!(!syntax.contains("channel ('none')"));
    }

    #[test]
    fn more_than_three_missing_codes_become_a_range_when_it_is_safe() {
        let mut codebook = fixtures::codebook();
        let q1 = &mut codebook.variables[3];
        for code in ["-3", "-9"] {
            q1.missing.push(ValueLabel { code: code.into(), label_vi: "Khác".into(), label_en: "Other".into() });
        }
        let syntax = spss_syntax(&codebook, "x.csv", false);
        assert!(syntax.contains("  q1 (-9 THRU -1)\n"), "{syntax}");

        codebook.variables[3].missing.push(ValueLabel {
            code: "3".into(),
            label_vi: "Lỗi".into(),
            label_en: "Error".into(),
        });
        let syntax = spss_syntax(&codebook, "x.csv", false);
        assert!(syntax.contains("  q1 (-1, -2, -3)\n"), "{syntax}");
        assert!(syntax.contains("-9, 3 stay labelled but not missing."), "{syntax}");
    }

    #[test]
    fn long_labels_are_split_between_characters() {
        let label = "Rất không hài lòng với 'thủ tục' ".repeat(10);
        let quoted = quoted(&label, "  ");
        assert!(quoted.lines().count() > 1);
        for line in quoted.lines() {
            assert!(line.len() < 140, "{line}");
        }
        // Joining the pieces back gives the escaped text.
        let joined: String =
            quoted.lines().map(|l| l.trim().trim_end_matches(" +")).map(|l| &l[1..l.len() - 1]).collect();
        assert_eq!(joined, label.replace('\'', "''"));
    }

    #[test]
    fn long_comments_wrap_into_lines_of_their_own() {
        let mut out = String::new();
        let note = "Dữ liệu đã được khử định danh theo quy định. ".repeat(12);
        push_comment(&mut out, "* ", &format!("Note: {note}"));
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines.len() > 2, "{out}");
        for line in &lines {
            assert!(line.starts_with("* ") && line.ends_with('.'), "{line}");
            assert!(line.len() <= MAX_COMMENT_BYTES + 3, "{line}");
        }
        let words: Vec<&str> = out.split_whitespace().filter(|w| *w != "*").collect();
        assert_eq!(words.len(), 1 + note.split_whitespace().count());
    }

    #[test]
    fn text_widths_stay_within_spss_limits() {
        let mut var = fixtures::codebook().variables[5].clone();
        var.width = 0;
        assert_eq!(input_format(&var), "A1");
        var.width = 100_000;
        assert_eq!(input_format(&var), "A32767");
    }
}
