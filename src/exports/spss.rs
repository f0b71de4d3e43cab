//! SPSS syntax that reads an export's CSV and applies the codebook's labels and missing codes.

use std::fmt::Write;

use super::meta::iso_utc;
use super::table::{Codebook, Measure, ValueLabel, VarType, Variable};

/// SPSS string variables hold at most this many bytes.
const MAX_STRING_WIDTH: usize = 32_767;

/// Longest variable label and value label SPSS keeps, in bytes; longer ones are cut here, at a
/// character, rather than by SPSS with a message. The codebook has them whole.
const MAX_VARIABLE_LABEL_BYTES: usize = 255;
const MAX_VALUE_LABEL_BYTES: usize = 120;

/// Longest quoted piece on one line; longer strings are split and joined with `+`, which SPSS
/// allows anywhere a quoted string goes, so no syntax line comes near the line-length limit.
const MAX_PIECE_BYTES: usize = 120;

/// Longest run of variable names on one line of a variable list.
const MAX_LIST_BYTES: usize = 90;

/// The byte-order mark: IBM SPSS Statistics then opens the syntax as UTF-8 whatever the
/// machine's code page; GNU PSPP skips it too.
const BOM: char = '\u{FEFF}';

/// The syntax file that goes beside `csv_file_name` in an export. `bom` says whether the CSV
/// starts with a byte-order mark; the mark sits on the header line, which `/FIRSTCASE=2`
/// skips, so the same command reads both, and the header comment says which it is.
///
/// It runs unchanged in IBM SPSS Statistics and in GNU PSPP. Every command starts in column 1
/// and ends with a period at the end of a line; continuation lines are indented. PSPP reads
/// the first word of *every* line as if it could begin a command (an indented line starting
/// with `comment` turns into a comment), so no continuation line starts with a variable name:
/// lists are written one group per line behind a `/`, and in `GET DATA` a name that PSPP
/// could take for a command word joins the line above.
pub fn spss_syntax(codebook: &Codebook, csv_file_name: &str, bom: bool) -> String {
    let mut out = String::with_capacity(4096 + 256 * codebook.variables.len());
    out.push(BOM);
    header_comment(&mut out, codebook, csv_file_name, bom);
    get_data(&mut out, codebook, csv_file_name);
    variable_labels(&mut out, codebook);
    value_labels(&mut out, codebook);
    missing_values(&mut out, codebook);
    formats(&mut out, codebook);
    levels(&mut out, codebook);
    out.push_str("EXECUTE.\n\n");
    let sav = csv_file_name.strip_suffix(".csv").unwrap_or(csv_file_name);
    push_comment(
        &mut out,
        "* ",
        "Bỏ dấu * ở đầu dòng dưới để lưu thành tệp dữ liệu SPSS (.sav) / Remove the * at the start of the \
         next line to save an SPSS data file (.sav)",
    );
    let _ = writeln!(out, "* SAVE OUTFILE={}.", quoted(&format!("{sav}.sav"), "  "));
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
        "This syntax file and {csv_file_name} are UTF-8{}; GET DATA reads the CSV as UTF-8 (/ENCODING). \
         IBM SPSS Statistics must run in Unicode mode (its default since version 21: Edit > Options > \
         Language); GNU PSPP always does",
        if bom { " (the CSV with a byte-order mark)" } else { " (the CSV without a byte-order mark)" }
    ));
    comment(format!(
        "SPSS looks for {csv_file_name} in its working directory: put it there, or run CD with \
         the folder first"
    ));
    comment(format!(
        "Labels longer than SPSS keeps ({MAX_VARIABLE_LABEL_BYTES} bytes for a variable, \
         {MAX_VALUE_LABEL_BYTES} for a value) are cut here; the codebook has them whole"
    ));
    out.push('\n');
}

/// Reads the CSV, one `name format` pair per line.
fn get_data(out: &mut String, codebook: &Codebook, csv_file_name: &str) {
    out.push_str("GET DATA\n  /TYPE=TXT\n");
    let _ = writeln!(out, "  /FILE={}", quoted(csv_file_name, "  "));
    out.push_str(
        "  /ENCODING='UTF8'\n  /DELIMITERS=','\n  /QUALIFIER='\"'\n  \
         /ARRANGEMENT=DELIMITED\n  /FIRSTCASE=2\n  /VARIABLES=",
    );
    for (i, var) in codebook.variables.iter().enumerate() {
        if i > 0 && may_start_a_command(&var.name) {
            out.push(' ');
        } else if i > 0 {
            out.push_str("\n    ");
        }
        let _ = write!(out, "{} {}", var.name, input_format(var));
    }
    out.push_str(".\n\n");
}

/// Whether PSPP could read `name` at the start of a line as a command that swallows what
/// follows: an abbreviation of COMMENT, DOCUMENT, TITLE or SUBTITLE, or DEFINE, FILE (LABEL),
/// DO (REPEAT), BEGIN (DATA). Wider than PSPP's own rules (any prefix of two letters or more),
/// since a name joining the line above costs nothing.
fn may_start_a_command(name: &str) -> bool {
    const WORDS: [&str; 8] = ["COMMENT", "DOCUMENT", "TITLE", "SUBTITLE", "DEFINE", "FILE", "BEGIN", "DO"];
    let upper = name.to_ascii_uppercase();
    WORDS.iter().any(|w| upper.len() >= 2 && w.starts_with(upper.as_str()))
}

/// The input format: wide enough to read every value; [`formats`] narrows what is shown.
/// SDATE10 is `yyyy/mm/dd`, and SPSS accepts `-` as the separator, so ISO dates read as dates.
fn input_format(var: &Variable) -> String {
    match var.var_type {
        VarType::Integer => "F12.0".to_owned(),
        VarType::Decimal => "F12.4".to_owned(),
        VarType::Date => "SDATE10".to_owned(),
        VarType::Text => format!("A{}", var.width.clamp(1, MAX_STRING_WIDTH)),
    }
}

/// The display format of a numeric variable: for integers with a known range just wide enough
/// for it and the missing codes (F2.0 for a 1–5 item with −1 and −2, F3.0 for 0–100); the
/// indices' percentages with two decimals.
fn display_format(var: &Variable) -> Option<String> {
    match var.var_type {
        VarType::Integer => {
            let (lo, hi) = var.range?;
            let missing = var.missing.iter().filter_map(|l| numeric_code(&l.code));
            let width = [lo.to_string(), hi.to_string()].into_iter().chain(missing).map(|s| s.len()).max()?;
            Some(format!("F{width}.0"))
        }
        VarType::Decimal => Some("F8.2".to_owned()),
        VarType::Date | VarType::Text => None,
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
    for (i, var) in codebook.variables.iter().enumerate() {
        let lead = if i == 0 { "VARIABLE LABELS " } else { "  /" };
        let label = truncated(&var.label_vi, MAX_VARIABLE_LABEL_BYTES);
        let _ = writeln!(out, "{lead}{} {}", var.name, quoted(label, "    "));
    }
    if !codebook.variables.is_empty() {
        out.push_str(".\n\n");
    }
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
    for (i, (var, labels)) in labelled.iter().enumerate() {
        let lead = if i == 0 { "VALUE LABELS " } else { "  /" };
        let _ = writeln!(out, "{lead}{}", var.name);
        for label in labels {
            let code = match numeric_code(&label.code) {
                Some(code) if is_numeric(var) => code,
                _ => quoted(&label.code, "      "),
            };
            let text = truncated(&label.label_vi, MAX_VALUE_LABEL_BYTES);
            let _ = writeln!(out, "    {code} {}", quoted(text, "      "));
        }
    }
    out.push_str(".\n\n");
}

/// SPSS takes up to three discrete missing values, or a range plus one value. Strings are left
/// to the value labels: SPSS accepts missing values only on short strings, and our text codes
/// are labelled anyway.
fn missing_values(out: &mut String, codebook: &Codebook) {
    let mut specs = Vec::new();
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
        specs.push((var.name.as_str(), spec));
    }
    push_grouped(out, "MISSING VALUES", &specs);
}

/// Display formats of the numeric variables (the input formats are wide to read anything).
fn formats(out: &mut String, codebook: &Codebook) {
    let specs: Vec<(&str, String)> =
        codebook.variables.iter().filter_map(|v| Some((v.name.as_str(), display_format(v)?))).collect();
    push_grouped(out, "FORMATS", &specs);
}

/// Measurement levels; SPSS allows no scale strings, so text is nominal at most.
fn levels(out: &mut String, codebook: &Codebook) {
    let specs: Vec<(&str, String)> = codebook
        .variables
        .iter()
        .map(|v| {
            let measure = match (v.var_type, v.measure) {
                (VarType::Text, Measure::Scale) => Measure::Nominal,
                (_, m) => m,
            };
            (v.name.as_str(), measure.spss_keyword().to_owned())
        })
        .collect();
    push_grouped(out, "VARIABLE LEVEL", &specs);
}

/// `COMMAND a b (spec)` then `  /c d (spec)` …: consecutive variables with the same spec share a
/// group, a group is cut into lines of a few names, and every line after the first starts with
/// `/`, so that no line starts with a variable name.
fn push_grouped(out: &mut String, command: &str, specs: &[(&str, String)]) {
    if specs.is_empty() {
        return;
    }
    let mut lines: Vec<(Vec<&str>, &str)> = Vec::new();
    for (name, spec) in specs {
        match lines.last_mut() {
            Some((names, last))
                if *last == spec.as_str()
                    && names.iter().map(|n| n.len() + 1).sum::<usize>() + name.len() <= MAX_LIST_BYTES =>
            {
                names.push(name);
            }
            _ => lines.push((vec![name], spec.as_str())),
        }
    }
    for (i, (names, spec)) in lines.iter().enumerate() {
        let lead = if i == 0 { format!("{command} ") } else { "  /".to_owned() };
        let _ = writeln!(out, "{lead}{} ({spec})", names.join(" "));
    }
    out.push_str(".\n\n");
}

/// `text` cut to at most `max` bytes, between characters.
fn truncated(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
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
    let end_line = |out: &mut String, line: &str| {
        out.push_str(prefix);
        out.push_str(line);
        out.push_str(if line.ends_with('.') { "\n" } else { ".\n" });
    };
    for word in one_line(text).split(' ').filter(|w| !w.is_empty()) {
        if !line.is_empty() && line.len() + 1 + word.len() > MAX_COMMENT_BYTES {
            end_line(out, &line);
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    end_line(out, &line);
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
        // `comment` may not start a line: PSPP would read the rest of the list as a comment.
        let expected = "\n\nGET DATA\n  /TYPE=TXT\n  /FILE='phieu_tra_loi.csv'\n  /ENCODING='UTF8'\n  \
            /DELIMITERS=','\n  /QUALIFIER='\"'\n  /ARRANGEMENT=DELIMITED\n  /FIRSTCASE=2\n  \
            /VARIABLES=response_id F12.0\n    submitted_on SDATE10\n    channel A9\n    \
            q1 F12.0\n    score F12.4 comment A120.\n";
        assert!(syntax.contains(expected), "{syntax}");
        assert!(!syntax.contains("SET UNICODE"), "not PSPP syntax");
        assert!(syntax.contains("\nEXECUTE.\n"));
        assert!(syntax.trim_end().ends_with("\n* SAVE OUTFILE='phieu_tra_loi.sav'."), "{syntax}");
    }

    #[test]
    fn no_line_starts_with_a_variable_name_pspp_could_take_for_a_command() {
        let mut codebook = fixtures::codebook();
        for name in ["document", "title", "doc", "begin"] {
            let mut var = codebook.variables[3].clone();
            var.name = name.into();
            codebook.variables.push(var);
        }
        let syntax = spss_syntax(&codebook, "x.csv", false);
        let (mut commands, mut in_get_data) = (0, false);
        for line in syntax.trim_start_matches(BOM).lines() {
            let word: String =
                line.trim_start().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            let get_data = in_get_data || line == "GET DATA";
            in_get_data = get_data && !line.ends_with('.');
            if line.starts_with(' ') {
                assert!(!may_start_a_command(&word), "{line}");
                // Only GET DATA lists names one a line; every other list starts lines with `/`.
                let is_name = codebook.variables.iter().any(|v| v.name == word);
                assert!(get_data || !is_name, "a name starts {line:?}");
            } else if !line.is_empty() && !line.starts_with('*') && line != "." {
                commands += 1;
                assert!(word.chars().all(|c| c.is_ascii_uppercase()), "a command starts in column 1: {line}");
            }
        }
        // GET DATA, the labels, values, missing codes, formats, levels and EXECUTE.
        assert_eq!(commands, 7, "{syntax}");
        assert!(syntax.contains("    score F12.4 comment A120 document F12.0 title F12.0 doc F12.0 begin F12.0.\n"));
        assert!(may_start_a_command("Comm") && may_start_a_command("DEFINE") && may_start_a_command("do"));
        assert!(!may_start_a_command("comment_x") && !may_start_a_command("A1") && !may_start_a_command("d"));
    }

    #[test]
    fn display_formats_and_levels_fit_the_codes() {
        let syntax = syntax();
        // A 1–5 item with −1 and −2 needs two characters; decimals show two places.
        assert!(syntax.contains("FORMATS q1 (F2.0)\n  /score (F8.2)\n.\n"), "{syntax}");
        assert!(
            syntax.contains(
                "VARIABLE LEVEL response_id (NOMINAL)\n  /submitted_on (SCALE)\n  /channel (NOMINAL)\n  \
                 /q1 (ORDINAL)\n  /score (SCALE)\n  /comment (NOMINAL)\n.\n"
            ),
            "{syntax}"
        );
        let mut var = fixtures::codebook().variables[3].clone();
        var.range = Some((0, 100));
        assert_eq!(display_format(&var).as_deref(), Some("F3.0"));
        var.range = Some((0, 1));
        var.missing.clear();
        assert_eq!(display_format(&var).as_deref(), Some("F1.0"));
        var.range = None;
        assert_eq!(display_format(&var), None, "unknown range: the input format stays");
    }

    #[test]
    fn long_groups_are_cut_into_lines_that_start_with_a_slash() {
        let names: Vec<String> = (0..40).map(|i| format!("improve_option_{i}")).collect();
        let specs: Vec<(&str, String)> = names.iter().map(|n| (n.as_str(), "-2".to_owned())).collect();
        let mut out = String::new();
        push_grouped(&mut out, "MISSING VALUES", &specs);
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[0].starts_with("MISSING VALUES improve_option_0 improve_option_1 "), "{out}");
        assert!(lines.len() > 5, "{out}");
        let (last, middle) = lines.split_last().unwrap();
        assert_eq!((*last, out.ends_with(".\n\n")), ("", true), "{out}");
        assert_eq!(middle.last(), Some(&"."));
        for line in &middle[1..middle.len() - 1] {
            assert!(line.starts_with("  /improve_option_") && line.ends_with(" (-2)") && line.len() < 110, "{line}");
        }
        let listed: usize = lines.iter().map(|l| l.matches("improve_option_").count()).sum();
        assert_eq!(listed, 40);
    }

    #[test]
    fn labels_are_cut_to_what_spss_keeps_between_characters() {
        assert_eq!(truncated("abc", 120), "abc");
        let label = "ắ".repeat(100); // three bytes each
        assert_eq!(truncated(&label, MAX_VALUE_LABEL_BYTES).len(), 120);
        assert_eq!(truncated(&label, 121).len(), 120, "never inside a character");
        let mut codebook = fixtures::codebook();
        codebook.variables[3].label_vi = "Đ".repeat(200); // two bytes each
        codebook.variables[3].value_labels[0].label_vi = "ắ".repeat(50);
        let syntax = spss_syntax(&codebook, "x.csv", false);
        assert!(syntax.contains(&format!("    1 '{}'\n", "ắ".repeat(40))), "{syntax}");
        assert!(!syntax.contains(&"ắ".repeat(41)));
        let label: String = syntax
            .lines()
            .skip_while(|l| !l.starts_with("  /q1 "))
            .take_while(|l| !l.starts_with("  /score"))
            .collect();
        assert_eq!(label.matches('Đ').count(), 127, "255 bytes of two-byte letters: {label}");
    }

    #[test]
    fn header_comment_says_what_and_when() {
        let syntax = syntax();
        assert!(syntax.starts_with("\u{FEFF}* Dữ liệu phiếu trả lời (dạng rộng) / Responses (wide).\n"));
        assert!(syntax.contains("* Survey dvc-2025 version 3: Khảo sát mức độ hài lòng"));
        assert!(syntax.contains("* Method sipas-v1, satisfied at >= 4.\n"));
        assert!(syntax.contains("* Period 2025-Q1 (2025-01-01 to 2025-03-31).\n"));
        assert!(syntax.contains("* Generated 2025-04-02T08:30:05Z.\n"));
        assert!(syntax.contains("UTF-8"));
        // Every comment is one line ending in a period, so none swallows a command.
        for line in syntax.trim_start_matches(BOM).lines().filter(|l| l.starts_with('*')) {
            assert!(line.ends_with('.') && !line.ends_with(".."), "{line}");
        }
    }

    #[test]
    fn labels_are_vietnamese_with_quotes_doubled() {
        let syntax = syntax();
        assert!(syntax.contains(
            "VARIABLE LABELS response_id 'Mã phiếu'\n  /submitted_on 'Ngày nộp'\n  \
             /channel 'Kênh'\n  /q1 'Thái độ của cán bộ ''một cửa'''\n"
        ));
        assert!(syntax.contains("*   q1: Staff attitude at the 'one-stop' desk.\n"));
    }

    #[test]
    fn value_labels_cover_valid_and_missing_codes() {
        let syntax = syntax();
        let expected = "VALUE LABELS channel\n    'in_person' 'Trực tiếp'\n    \
            'online' 'Trực tuyến'\n    'none' 'Không rõ'\n  /q1\n    1 'Rất không hài lòng'\n    \
            2 'Không hài lòng'\n    3 'Bình thường'\n    4 'Hài lòng'\n    5 'Rất hài lòng'\n    \
            -1 'Không áp dụng'\n    -2 'Không trả lời'\n.\n";
        assert!(syntax.contains(expected), "{syntax}");
    }

    #[test]
    fn missing_values_only_for_numeric_codes() {
        let syntax = syntax();
        assert!(syntax.contains("MISSING VALUES q1 (-1, -2)\n.\n"), "{syntax}");
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
        assert!(syntax.contains("MISSING VALUES q1 (-9 THRU -1)\n"), "{syntax}");

        codebook.variables[3].missing.push(ValueLabel {
            code: "3".into(),
            label_vi: "Lỗi".into(),
            label_en: "Error".into(),
        });
        let syntax = spss_syntax(&codebook, "x.csv", false);
        assert!(syntax.contains("MISSING VALUES q1 (-1, -2, -3)\n"), "{syntax}");
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
