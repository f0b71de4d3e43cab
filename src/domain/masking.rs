//! Masking of personal data in citizens' free-text comments (PRODUCT §5): phone numbers,
//! identity document numbers and e-mail addresses are replaced by fixed markers before any
//! staff member or export sees a comment. Everything else, diacritics included, is kept.
//!
//! A hand-written scanner rather than regular expressions, because the rules need context a
//! regex without look-around cannot express: a number must be a whole run of digit groups
//! (never part of a longer number), its separators must be consistent, and an amount of money
//! ("100 000 000 đồng") must not be taken for an ID number.
//!
//! What counts (digits are ASCII; groups may be separated by one space, dot or dash, and an
//! area code may be in parentheses):
//! - **Phone numbers**: a national number of 10 digits starting `0` (`0912 345 678`,
//!   `04 3825 1234`) or 11 digits starting `01`/`02` (`024 3825 1234`, `(024) 38251234`, old
//!   11-digit mobiles); the same after `84`, `+84` or `0084` (`+84 912 345 678`,
//!   `84912345678`); any other `+`-prefixed number of 8 to 15 digits (foreign numbers).
//! - **ID numbers**: a 12-digit citizen ID (CCCD, always starting `0`, the province code) in
//!   any grouping; a 9-digit old ID (CMND, starting `0`–`3`) written as one group or as
//!   `3-3-3` groups, unless it reads as money: followed by a currency word (`đồng`, `VND`, `₫`,
//!   …), or written with dots as thousands separators (`123.456.789`; a leading `0`, which no
//!   amount has, still makes it an ID).
//! - **E-mail addresses**: `local@domain.tld`, the local part of letters, digits and
//!   `._%+-`, the domain of at least two labels and a top-level domain of two or more letters.
//!
//! Left alone: years (`2026`), amounts (`500.000 đồng`), counts, dates (`15/12/2025`,
//! `15.12.2025`), short hotlines (`1900 1234`), 8-digit local landline numbers without area
//! code, and obfuscated addresses (`an [at] gmail [dot] com`). Masking is idempotent: the
//! markers contain no digits and no `@`.

/// Replaces a phone number.
pub const PHONE_MARKER: &str = "[số điện thoại đã ẩn]";
/// Replaces an identity document number (CCCD or CMND).
pub const ID_MARKER: &str = "[số giấy tờ đã ẩn]";
/// Replaces an e-mail address.
pub const EMAIL_MARKER: &str = "[email đã ẩn]";

/// The most digit groups one number may span (`+1 (202) 555-0143` has four).
const MAX_GROUPS: usize = 7;

/// Words that, after a 9-digit number, make it an amount of money (lowercase; `đồng` also
/// decomposed, as some keyboards send it).
const CURRENCY_WORDS: &[&str] =
    &["đồng", "đ\u{6f}\u{302}\u{300}ng", "đ", "vnđ", "vnd", "usd", "triệu", "tỷ", "tỉ", "nghìn", "ngàn"];

/// Returns `text` with every phone number, ID number and e-mail address replaced by
/// [`PHONE_MARKER`], [`ID_MARKER`] or [`EMAIL_MARKER`].
pub fn mask_personal_data(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut spans = Vec::new();
    let mut from = 0;
    for email in email_spans(&chars) {
        number_spans(&chars, from, email.start, &mut spans);
        from = email.end;
        spans.push(email);
    }
    number_spans(&chars, from, chars.len(), &mut spans);
    if spans.is_empty() {
        return text.to_owned();
    }
    spans.sort_by_key(|s| s.start);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for span in spans {
        out.extend(&chars[at..span.start]);
        out.push_str(span.kind.marker());
        at = span.end;
    }
    out.extend(&chars[at..]);
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Phone,
    Id,
    Email,
}

impl Kind {
    fn marker(self) -> &'static str {
        match self {
            Kind::Phone => PHONE_MARKER,
            Kind::Id => ID_MARKER,
            Kind::Email => EMAIL_MARKER,
        }
    }
}

/// A stretch to replace, in character indices `[start, end)`.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
    kind: Kind,
}

// ---- e-mail addresses ------------------------------------------------------------------------

fn is_local_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

fn is_domain_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '-')
}

/// Every e-mail address, left to right, not overlapping.
fn email_spans(chars: &[char]) -> Vec<Span> {
    let mut out = Vec::new();
    let mut free = 0; // nothing before this index may be reused
    for at in 0..chars.len() {
        if chars[at] != '@' || at < free {
            continue;
        }
        let mut start = at;
        while start > free && is_local_char(chars[start - 1]) {
            start -= 1;
        }
        // A local part has no ".." and cannot start with a dot ("Xem...an@x.vn" is "an@x.vn").
        if let Some(p) = (start..at.saturating_sub(1)).rev().find(|&p| chars[p] == '.' && chars[p + 1] == '.') {
            start = p + 2;
        }
        while start < at && chars[start] == '.' {
            start += 1;
        }
        if start == at {
            continue;
        }
        let mut end = at + 1;
        while end < chars.len() && is_domain_char(chars[end]) {
            end += 1;
        }
        // A sentence may end right after the address.
        while end > at + 1 && matches!(chars[end - 1], '.' | '-') {
            end -= 1;
        }
        if is_domain(&chars[at + 1..end]) {
            out.push(Span { start, end, kind: Kind::Email });
            free = end;
        }
    }
    out
}

/// At least two non-empty labels, none starting or ending with `-`, and a top-level domain of
/// two or more letters.
fn is_domain(domain: &[char]) -> bool {
    let labels: Vec<&[char]> = domain.split(|c| *c == '.').collect();
    let Some(tld) = labels.last() else { return false };
    labels.len() >= 2
        && labels.iter().all(|l| !l.is_empty() && l.first() != Some(&'-') && l.last() != Some(&'-'))
        && tld.len() >= 2
        && tld.iter().all(|c| c.is_alphabetic())
}

// ---- phone and ID numbers --------------------------------------------------------------------

/// What separates a digit group from the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sep {
    /// The first group of a run.
    Start,
    Space,
    Dot,
    Dash,
    /// Contains a parenthesis: `(024) 3825…`, `+84 (0) 912…`. Ignored when checking that a
    /// number's separators agree.
    Paren,
}

/// A maximal string of ASCII digits, in character indices `[start, end)`.
#[derive(Debug, Clone, Copy)]
struct Group {
    start: usize,
    end: usize,
    sep: Sep,
}

impl Group {
    fn len(&self) -> usize {
        self.end - self.start
    }
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\u{a0}' | '\u{2009}' | '\u{202f}')
}

/// Finds the phone and ID numbers in `chars[lo..hi]` and adds their spans to `out`.
fn number_spans(chars: &[char], lo: usize, hi: usize, out: &mut Vec<Span>) {
    let mut k = lo;
    while k < hi {
        if chars[k].is_ascii_digit() {
            let groups = read_run(chars, k, hi);
            k = groups.last().map_or(k + 1, |g| g.end);
            classify_run(chars, lo, hi, &groups, out);
        } else {
            k += 1;
        }
    }
}

/// Reads the digit groups that start at `k`, joined by separators of the form
/// `)? space? [.-]? space? (?` (at least one character).
fn read_run(chars: &[char], mut k: usize, hi: usize) -> Vec<Group> {
    let mut groups = Vec::new();
    let mut sep = Sep::Start;
    loop {
        let start = k;
        while k < hi && chars[k].is_ascii_digit() {
            k += 1;
        }
        groups.push(Group { start, end: k, sep });
        let mut m = k;
        let (mut paren, mut dot, mut dash) = (false, false, false);
        if m < hi && chars[m] == ')' {
            paren = true;
            m += 1;
        }
        if m < hi && is_space(chars[m]) {
            m += 1;
        }
        if m < hi && matches!(chars[m], '.' | '-') {
            dot = chars[m] == '.';
            dash = chars[m] == '-';
            m += 1;
        }
        if m < hi && is_space(chars[m]) {
            m += 1;
        }
        if m < hi && chars[m] == '(' {
            paren = true;
            m += 1;
        }
        if m == k || m >= hi || !chars[m].is_ascii_digit() {
            return groups;
        }
        sep = if paren {
            Sep::Paren
        } else if dot {
            Sep::Dot
        } else if dash {
            Sep::Dash
        } else {
            Sep::Space
        };
        k = m;
    }
}

/// The separators inside `groups` (all but the first group's), parentheses aside, are all
/// the same: `0912 345.678` is two numbers, not one.
fn consistent(groups: &[Group]) -> Option<Sep> {
    let mut seps = groups.iter().skip(1).map(|g| g.sep).filter(|s| *s != Sep::Paren);
    match seps.next() {
        None => Some(Sep::Start),
        Some(first) => seps.all(|s| s == first).then_some(first),
    }
}

fn digits_of(chars: &[char], groups: &[Group]) -> String {
    groups.iter().flat_map(|g| &chars[g.start..g.end]).collect()
}

/// Marks phone numbers first (they may hold groups that would look like an ID on their own),
/// then ID numbers among the groups left.
fn classify_run(chars: &[char], lo: usize, hi: usize, groups: &[Group], out: &mut Vec<Span>) {
    let plus = groups.first().is_some_and(|g| g.start > lo && chars[g.start - 1] == '+');
    let mut taken = vec![false; groups.len()];

    let mut i = 0;
    while i < groups.len() {
        let last = (i + MAX_GROUPS).min(groups.len()) - 1;
        let found = (i..=last).rev().find(|&j| {
            let g = &groups[i..=j];
            consistent(g).is_some() && is_phone(&digits_of(chars, g), plus && i == 0)
        });
        match found {
            Some(j) => {
                let start = if plus && i == 0 { groups[0].start - 1 } else { groups[i].start };
                out.push(span(chars, lo, start, &groups[i..=j], Kind::Phone));
                taken[i..=j].fill(true);
                i = j + 1;
            }
            None => i += 1,
        }
    }

    let mut i = 0;
    while i < groups.len() {
        if taken[i] {
            i += 1;
            continue;
        }
        let free_until = (i..groups.len()).find(|&j| taken[j]).unwrap_or(groups.len());
        let last = (i + MAX_GROUPS).min(free_until) - 1;
        let found = (i..=last).rev().find(|&j| is_id(chars, hi, &groups[i..=j]));
        match found {
            Some(j) => {
                out.push(span(chars, lo, groups[i].start, &groups[i..=j], Kind::Id));
                i = j + 1;
            }
            None => i += 1,
        }
    }
}

/// The span of a number from `start` to the end of its last group; an opening parenthesis
/// just before it is included when the number holds the closing one: `(024) 3825 1234`.
fn span(chars: &[char], lo: usize, start: usize, groups: &[Group], kind: Kind) -> Span {
    let end = groups.last().map_or(start, |g| g.end);
    let inside = &chars[start..end];
    let opened = inside.iter().filter(|c| **c == '(').count();
    let closed = inside.iter().filter(|c| **c == ')').count();
    let start = if closed > opened && start > lo && chars[start - 1] == '(' { start - 1 } else { start };
    Span { start, end, kind }
}

/// A Vietnamese national number without its leading `0`: 9 digits (mobiles, old landlines)
/// or 10 starting `1`/`2` (landlines with a 3-digit area code, old 11-digit mobiles).
fn is_national_significant(n: &str) -> bool {
    match n.len() {
        9 => !n.starts_with('0'),
        10 => n.starts_with('1') || n.starts_with('2'),
        _ => false,
    }
}

fn is_phone(digits: &str, plus: bool) -> bool {
    let after_country = digits.strip_prefix("0084").or_else(|| digits.strip_prefix("84"));
    // "+84 (0) 912 …": a trunk 0 written after the country code.
    if after_country.map(|r| r.strip_prefix('0').unwrap_or(r)).is_some_and(is_national_significant) {
        return true;
    }
    if plus {
        return (8..=15).contains(&digits.len());
    }
    digits.strip_prefix('0').is_some_and(is_national_significant)
}

fn is_id(chars: &[char], hi: usize, groups: &[Group]) -> bool {
    let Some(sep) = consistent(groups) else { return false };
    let digits = digits_of(chars, groups);
    let first = digits.chars().next().unwrap_or(' ');
    match digits.len() {
        12 => first == '0',
        9 => {
            let grouped = match groups {
                [_] => true,
                [a, b, c] => a.len() == 3 && b.len() == 3 && c.len() == 3 && (sep != Sep::Dot || first == '0'),
                _ => false,
            };
            let end = groups.last().map_or(0, |g| g.end);
            grouped && ('0'..='3').contains(&first) && !followed_by_currency(chars, end, hi)
        }
        _ => false,
    }
}

/// Whether the word after `at` (spaces skipped) names a currency: then the number is money.
fn followed_by_currency(chars: &[char], at: usize, hi: usize) -> bool {
    let mut k = at;
    while k < hi && is_space(chars[k]) {
        k += 1;
    }
    if k < hi && matches!(chars[k], '₫' | '$') {
        return true;
    }
    let word: String = chars[k..hi]
        .iter()
        .take_while(|c| c.is_alphabetic() || ('\u{300}'..='\u{36f}').contains(*c))
        .flat_map(|c| c.to_lowercase())
        .collect();
    CURRENCY_WORDS.contains(&word.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = PHONE_MARKER;
    const I: &str = ID_MARKER;
    const E: &str = EMAIL_MARKER;

    fn m(s: &str) -> String {
        mask_personal_data(s)
    }

    #[track_caller]
    fn unchanged(s: &str) {
        assert_eq!(m(s), s, "should not be masked");
    }

    #[test]
    fn mobile_numbers_in_every_common_spelling() {
        for phone in [
            "0912345678",
            "0912 345 678",
            "0912.345.678",
            "0912-345-678",
            "091-234-5678",
            "091 234 5678",
            "0912\u{a0}345\u{a0}678",
            "0912 - 345 - 678",
            "0387654321",
            "0563 123 456",
            "0703.123.456",
            "0868 123 456",
            "+84 912 345 678",
            "+84912345678",
            "+84-912-345-678",
            "84912345678",
            "84 912 345 678",
            "0084 912 345 678",
            "+84 (0) 912 345 678",
            "+840912345678",
            "(+84) 912 345 678",
            "01688 123 456",
        ] {
            assert_eq!(m(phone), P, "{phone}");
            assert_eq!(m(&format!("Gọi tôi: {phone}.")), format!("Gọi tôi: {P}."), "{phone}");
        }
    }

    #[test]
    fn landlines_with_area_code() {
        for phone in [
            "024 3825 1234",
            "02438251234",
            "(024) 38251234",
            "(024) 3825 1234",
            "(024)38251234",
            "024.3825.1234",
            "0236 3822 123",
            "04 3825 1234",
            "+84 24 3825 1234",
            "+84 (24) 3825 1234",
        ] {
            assert_eq!(m(phone), P, "{phone}");
        }
        assert_eq!(
            m("Điện thoại cơ quan (024) 38251234 không ai nghe."),
            format!("Điện thoại cơ quan {P} không ai nghe.")
        );
    }

    #[test]
    fn foreign_numbers_after_a_plus() {
        assert_eq!(m("Con tôi ở Mỹ: +1 (202) 555-0143."), format!("Con tôi ở Mỹ: {P}."));
        assert_eq!(m("+33 6 12 34 56 78"), P);
    }

    #[test]
    fn id_numbers() {
        for id in [
            "001234567890",
            "001 234 567 890",
            "0012 3456 7890",
            "001.234.567.890",
            "001-234-567-890",
            "079 123 456 789",
            "012345678",
            "012 345 678",
            "123 456 789",
            "123-456-789",
            "012.345.678",
            "271234567",
        ] {
            assert_eq!(m(id), I, "{id}");
        }
        assert_eq!(
            m("CCCD số 001234567890 cấp ngày 15/12/2021 tại Hà Nội"),
            format!("CCCD số {I} cấp ngày 15/12/2021 tại Hà Nội")
        );
        assert_eq!(m("CMND: 012 345 678, đã nộp"), format!("CMND: {I}, đã nộp"));
    }

    #[test]
    fn emails() {
        for email in [
            "an@gmail.com",
            "nguyen.van.an@gmail.com",
            "an.nguyen+hoso@example.com.vn",
            "tran_thi-b%x@hanoi.gov.vn",
            "AN.NGUYEN@YAHOO.COM",
            "an0912345678@gmail.com",
            "info@so-tu-phap.hanoi.vn",
        ] {
            assert_eq!(m(email), E, "{email}");
        }
        assert_eq!(
            m("Liên hệ email:nguyễn.an@gmail.com.Cảm ơn"),
            format!("Liên hệ email:{E} ơn"),
            "letters glued after the TLD are taken as part of it; better too much than too little"
        );
        assert_eq!(m("Gửi về hòm thư an@gmail.com."), format!("Gửi về hòm thư {E}."));
        assert_eq!(m("(an@gmail.com)"), format!("({E})"));
        assert_eq!(m("thư: <an@gmail.com>, cảm ơn"), format!("thư: <{E}>, cảm ơn"));
        assert_eq!(m("Xem...an@x.vn"), format!("Xem...{E}"));
        assert_eq!(m("địa chỉ nguyễnvăn@gmail.com"), format!("địa chỉ {E}"), "Unicode local part");
    }

    #[test]
    fn not_emails() {
        for s in [
            "a@b",
            "@gmail.com",
            "an@gmail",
            "an@gmail.c",
            "an@.com",
            "an@gmail..com",
            "an@-x.com",
            "giờ hẹn @ 9h",
            "an [at] gmail [dot] com",
            "an@gmail.c0m",
        ] {
            unchanged(s);
        }
    }

    #[test]
    fn ordinary_numbers_stay() {
        for s in [
            "Năm 2026 thủ tục nhanh hơn năm 2025.",
            "Lệ phí 500.000 đồng là quá cao.",
            "Phí 1.500.000đ",
            "Tôi nộp 100.000.000 đồng tiền sử dụng đất.",
            "Tôi nộp 100 000 000 đồng.",
            "Tổng 300000000 VNĐ",
            "Số tiền 123456789 ₫",
            "Số tiền 123 456 789 vnd",
            "Đã nộp 3 hồ sơ, chờ 15 ngày.",
            "Hẹn ngày 15/12/2025, trả ngày 20.12.2025.",
            "Ngày 2025-12-15 lúc 08:30.",
            "Ngày 05.12.2025 10 giờ.",
            "Hotline 1900 1234 rất tốt",
            "Gọi 1800 1234",
            "Điểm 4,5/5",
            "Phòng 101, tầng 3",
            "Mã hồ sơ 000.00.20.H26-240115-0012",
            "12345678",
            "1234567890",
            "91234567891",
            "987654321",
            "123.456.789",
            "0123456789012",
            "2024 2025 2026",
            "Tăng 10% so với 2024",
            "+10 điểm",
            "COVID-19",
        ] {
            unchanged(s);
        }
    }

    #[test]
    fn diacritics_next_to_matches_are_kept() {
        assert_eq!(m("Sđt0912345678đã gọi"), format!("Sđt{P}đã gọi"));
        assert_eq!(m("ĐT:0912345678,ạ"), format!("ĐT:{P},ạ"));
        assert_eq!(
            m("Ông Nguyễn Văn Ấn (0912.345.678) rất nhiệt tình"),
            format!("Ông Nguyễn Văn Ấn ({P}) rất nhiệt tình")
        );
        assert_eq!(m("Cán bộ tên Hằng, sđt 091-234-5678 ạ."), format!("Cán bộ tên Hằng, sđt {P} ạ."));
        assert_eq!(m("sốCCCD001234567890của tôi"), format!("sốCCCD{I}của tôi"));
        assert_eq!(m("email là ấn@gmail.com ạ"), format!("email là {E} ạ"));
    }

    #[test]
    fn several_matches_in_one_comment() {
        let text = "Chị Lan (0912 345 678, lan.nguyen@gmail.com, CCCD 001234567890) chờ từ 15/12/2025; \
                    anh Bình 0987654321 / binh@yahoo.com.vn nộp 500.000 đồng, gọi lại (024) 3825 1234.";
        let want = format!(
            "Chị Lan ({P}, {E}, CCCD {I}) chờ từ 15/12/2025; anh Bình {P} / {E} nộp 500.000 đồng, gọi lại {P}."
        );
        assert_eq!(m(text), want);
        assert_eq!(m("0912345678 0987654321"), format!("{P} {P}"));
        assert_eq!(m("0912345678/0987654321"), format!("{P}/{P}"));
        assert_eq!(m("0912345678, 0987654321 và 0243 825 1234"), format!("{P}, {P} và {P}"));
    }

    #[test]
    fn a_number_next_to_ordinary_numbers_is_masked_alone() {
        assert_eq!(m("năm 2026 0912345678"), format!("năm 2026 {P}"));
        assert_eq!(m("Gọi 0912345678. 2026 là năm tốt"), format!("Gọi {P}. 2026 là năm tốt"));
        assert_eq!(m("Phòng 02 0912 345 678"), format!("Phòng 02 {P}"));
        assert_eq!(m("2026 024 3825 1234"), format!("2026 {P}"));
        assert_eq!(m("0912345678 (2026)"), format!("{P} (2026)"));
        assert_eq!(m("CMND 012345678 2020"), format!("CMND {I} 2020"));
        assert_eq!(m("0912 345 678 90"), format!("{P} 90"), "a phone takes precedence over a 12-digit ID");
    }

    #[test]
    fn mixed_separators_do_not_join_numbers() {
        assert_eq!(m("0912 345.678"), "0912 345.678");
        assert_eq!(m("01.02.2026 10"), "01.02.2026 10");
    }

    #[test]
    fn longer_numbers_are_not_cut_into_a_phone() {
        unchanged("09123456789012");
        unchanged("ma0912345678901");
        unchanged("10912345678");
    }

    #[test]
    fn masking_is_idempotent_and_keeps_text_without_matches() {
        let text = "Gọi 0912345678, email an@gmail.com, CCCD 001234567890.";
        let once = m(text);
        assert_eq!(m(&once), once);
        for s in ["", "Tốt", "Thủ tục nhanh, cán bộ nhiệt tình! 👍", "\n\t ", "@", "+", "(", ")"] {
            unchanged(s);
        }
    }

    #[test]
    fn decomposed_currency_word_is_still_money() {
        unchanged("100 000 000 \u{111}o\u{302}\u{300}ng");
    }
}
