//! From TOML text to a validated [`SurveyDefinition`]: serde reads the raw structs (with the
//! key path of any shape error), then every cross-reference and limit is checked here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::error::{line_column, DefinitionError};
use super::model::{
    Body, ChoiceOption, CommentSpec, Criterion, Domain, IndexMethod, Item, MethodKind, ProfileField, ProfileQuestion,
    Question, QuestionKind, Scale, SurveyDefinition, Text,
};
use super::raw::{RawCriterion, RawOption, RawQuestion, RawSurvey, RawText};
use crate::domain::{Channel, Field};

/// The hard upper limit of a comment, from PRODUCT §3 (a definition may only lower it).
pub const COMMENT_MAX_CHARS: usize = 1000;
/// Default satisfaction threshold: 4 = "Hài lòng" and 5 = "Rất hài lòng" count as satisfied.
const DEFAULT_THRESHOLD: i64 = 4;
/// How far sibling weights may sum away from 1 (decimal weights such as 0.1 are inexact).
const WEIGHT_TOLERANCE: f64 = 1e-6;
/// Answer keys that mean something else in forms and error maps.
const RESERVED_ANSWER_KEYS: &[&str] = &["comment", "profile"];
/// Option id reserved because forms send `na` for "not applicable".
const RESERVED_OPTION_ID: &str = "na";

type Result<T> = std::result::Result<T, DefinitionError>;

/// The file being read; every error goes through it so that it names the file.
struct Ctx<'a> {
    file: &'a str,
}

impl Ctx<'_> {
    fn err(&self, key: impl Into<String>, message: impl Into<String>) -> DefinitionError {
        DefinitionError::invalid(self.file, key, message)
    }
}

pub(super) fn parse(file_name: &str, text: &str) -> Result<SurveyDefinition> {
    let ctx = Ctx { file: file_name };
    let de = toml::Deserializer::parse(text).map_err(|e| syntax_error(file_name, text, &e))?;
    let raw: RawSurvey = serde_path_to_error::deserialize(de).map_err(|e| shape_error(file_name, text, e))?;
    let body = convert(&ctx, raw)?;
    let content_hash =
        body.content_hash().map_err(|e| ctx.err("(top level)", format!("cannot compute the content hash: {e}")))?;
    Ok(SurveyDefinition { source: file_name.to_owned(), content_hash, body })
}

fn syntax_error(file: &str, text: &str, e: &toml::de::Error) -> DefinitionError {
    let (line, column) = e.span().map_or((1, 1), |s| line_column(text, s.start));
    DefinitionError::Syntax { file: file.to_owned(), line, column, message: one_line(e.message()) }
}

/// Turns serde's "missing field `x`" / "unknown field `x`, expected …" into a key path that
/// ends in the offending key, and keeps toml's position of the problem.
fn shape_error(file: &str, text: &str, e: serde_path_to_error::Error<toml::de::Error>) -> DefinitionError {
    let path = e.path().to_string();
    let path = if path == "." { String::new() } else { path };
    let inner = e.into_inner();
    let raw_message = one_line(inner.message());
    // For an unknown key the path may already end in it (toml reads keys through serde).
    let join = |name: &str| {
        if path.is_empty() || path == name || path.ends_with(&format!(".{name}")) {
            if path.is_empty() {
                name.to_owned()
            } else {
                path.clone()
            }
        } else {
            format!("{path}.{name}")
        }
    };
    let (key, mut message) = if let Some(name) = backticked(&raw_message, "missing field `") {
        (join(name), "missing key".to_owned())
    } else if let Some(name) = backticked(&raw_message, "unknown field `") {
        let expected =
            raw_message.split_once(", expected ").map(|(_, rest)| format!(" (expected {rest})")).unwrap_or_default();
        (join(name), format!("unknown key{expected}"))
    } else if path.is_empty() {
        ("(top level)".to_owned(), raw_message)
    } else {
        (path, raw_message)
    };
    if let Some(span) = inner.span() {
        let (line, column) = line_column(text, span.start);
        message.push_str(&format!(" (line {line}, column {column})"));
    }
    DefinitionError::invalid(file, key, message)
}

/// The name in "prefix`name`…", if the message starts with the prefix.
fn backticked<'m>(message: &'m str, prefix: &str) -> Option<&'m str> {
    message.strip_prefix(prefix)?.split('`').next()
}

fn one_line(s: &str) -> String {
    s.trim().replace('\n', "; ")
}

fn convert(ctx: &Ctx<'_>, raw: RawSurvey) -> Result<Body> {
    let (id, version) = check_identity(ctx, &raw.id, raw.version)?;
    let title = text(ctx, "title", raw.title)?;
    let intro = text(ctx, "intro", raw.intro)?;
    let fields = fields(ctx, &raw.fields)?;
    let scale = scale(ctx, raw.scale)?;
    let index = index(ctx, raw.index)?;

    // Domains first: criteria refer to them.
    if raw.domains.is_empty() {
        return Err(ctx.err("domains", "at least one domain is needed"));
    }
    let mut domain_ids = Ids::default();
    let mut domains = Vec::with_capacity(raw.domains.len());
    for (i, d) in raw.domains.into_iter().enumerate() {
        let key = format!("domains[{i}]");
        check_id(ctx, &format!("{key}.id"), &d.id)?;
        domain_ids.insert(ctx, &d.id, &key, "domain")?;
        domains.push((key.clone(), d.weight, d.id, text(ctx, &format!("{key}.title"), d.title)?));
    }

    // Items are declared once and placed by the criteria, so that misplacements are visible.
    let mut answer_ids = Ids::default();
    let mut items: Vec<(String, Option<Item>)> = Vec::with_capacity(raw.items.len());
    for (i, it) in raw.items.into_iter().enumerate() {
        let key = format!("items[{i}]");
        check_answer_id(ctx, &format!("{key}.id"), &it.id)?;
        answer_ids.insert(ctx, &it.id, &key, "item or question")?;
        let channels = channels(ctx, &key, it.channels.as_deref())?;
        let item = Item {
            text: text(ctx, &format!("{key}.text"), it.text)?,
            id: it.id,
            channels,
            not_applicable: it.not_applicable,
            required: it.required.unwrap_or(true),
        };
        items.push((key, Some(item)));
    }

    let mut questions = Vec::with_capacity(raw.questions.len());
    for (i, q) in raw.questions.into_iter().enumerate() {
        let key = format!("questions[{i}]");
        check_answer_id(ctx, &format!("{key}.id"), &q.id)?;
        answer_ids.insert(ctx, &q.id, &key, "item or question")?;
        questions.push(question(ctx, &key, q)?);
    }

    let criteria = criteria(ctx, raw.criteria, &domain_ids, &mut items)?;
    if let Some((key, Some(item))) = items.iter().find(|(_, it)| it.is_some()) {
        return Err(ctx.err(format!("{key}.id"), format!("item \"{}\" is in no criterion", item.id)));
    }

    // Every domain needs criteria, and weights are checked per group of siblings.
    for (key, _, id, _) in &domains {
        if !criteria.iter().any(|(_, _, c)| &c.domain == id) {
            return Err(ctx.err(key.clone(), format!("domain \"{id}\" has no criteria")));
        }
    }
    let domain_weights =
        weights(ctx, &domains.iter().map(|(k, w, _, _)| (k.clone(), *w)).collect::<Vec<_>>(), "domains")?;
    let domains: Vec<Domain> = domains
        .into_iter()
        .zip(domain_weights)
        .map(|((_, _, id, title), weight)| Domain { id, title, weight })
        .collect();
    let mut criteria_weights = vec![0.0; criteria.len()];
    for d in &domains {
        let positions: Vec<usize> = (0..criteria.len()).filter(|&i| criteria[i].2.domain == d.id).collect();
        let siblings: Vec<(String, Option<f64>)> =
            positions.iter().map(|&i| (criteria[i].0.clone(), criteria[i].1)).collect();
        let what = format!("criteria of domain \"{}\"", d.id);
        for (&i, w) in positions.iter().zip(weights(ctx, &siblings, &what)?) {
            criteria_weights[i] = w;
        }
    }
    let criteria: Vec<Criterion> = criteria
        .into_iter()
        .zip(criteria_weights)
        .map(|((_, _, mut c), w)| {
            c.weight = w;
            c
        })
        .collect();

    let comment = match raw.comment {
        None => None,
        Some(c) => {
            let max_chars = match c.max_chars {
                None => COMMENT_MAX_CHARS,
                Some(n) => {
                    usize::try_from(n).ok().filter(|n| (1..=COMMENT_MAX_CHARS).contains(n)).ok_or_else(|| {
                        ctx.err("comment.max_chars", format!("must be between 1 and {COMMENT_MAX_CHARS}, not {n}"))
                    })?
                }
            };
            Some(CommentSpec { max_chars, prompt: text(ctx, "comment.prompt", c.prompt)? })
        }
    };

    let mut profile_ids = Ids::default();
    let mut profile = Vec::with_capacity(raw.profile.len());
    for (i, p) in raw.profile.into_iter().enumerate() {
        let key = format!("profile[{i}]");
        let field = ProfileField::parse(&p.id).ok_or_else(|| {
            let known: Vec<&str> = ProfileField::ALL.iter().map(|f| f.code()).collect();
            ctx.err(
                format!("{key}.id"),
                format!("unknown profile question \"{}\"; expected one of: {}", p.id, known.join(", ")),
            )
        })?;
        profile_ids.insert(ctx, &p.id, &key, "profile question")?;
        profile.push(ProfileQuestion {
            id: field,
            text: text(ctx, &format!("{key}.text"), p.text)?,
            options: options(ctx, &format!("{key}.options"), p.options)?,
        });
    }

    Ok(Body { id, version, title, intro, fields, scale, index, domains, criteria, questions, comment, profile })
}

/// `id` and `version` must match the file name `<id>-v<version>.toml`, so that a file can be
/// found from a stored (id, version) and a copied file cannot silently shadow another.
fn check_identity(ctx: &Ctx<'_>, id: &str, version: i64) -> Result<(String, u32)> {
    let id_ok = id.len() <= 64
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !id_ok {
        return Err(ctx.err(
            "id",
            format!(
                "\"{id}\" is not a survey id (lowercase letters, digits and '-', starting with a letter, at most 64)"
            ),
        ));
    }
    let version = u32::try_from(version)
        .ok()
        .filter(|v| *v >= 1)
        .ok_or_else(|| ctx.err("version", format!("must be an integer ≥ 1, not {version}")))?;
    let base = Path::new(ctx.file).file_name().and_then(|n| n.to_str()).unwrap_or(ctx.file);
    let (file_id, file_version) =
        base.strip_suffix(".toml").and_then(|stem| stem.rsplit_once("-v")).unwrap_or((base, ""));
    if file_id != id {
        return Err(ctx.err(
            "id",
            format!("\"{id}\" does not match the file name \"{base}\" (expected \"{id}-v{version}.toml\")"),
        ));
    }
    if file_version != version.to_string() {
        return Err(ctx.err(
            "version",
            format!("{version} does not match the file name \"{base}\" (expected \"{id}-v{version}.toml\")"),
        ));
    }
    Ok((id.to_owned(), version))
}

/// Ids of items, questions, criteria, domains and options: `^[A-Za-z][A-Za-z0-9_]{0,31}$`,
/// so they are safe as form field names, CSV headers and `question.option` keys.
fn check_id(ctx: &Ctx<'_>, key: &str, id: &str) -> Result<()> {
    let ok = id.len() <= 32
        && id.starts_with(|c: char| c.is_ascii_alphabetic())
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(ctx.err(key, format!("\"{id}\" is not a valid id (a letter, then up to 31 letters, digits or '_')")))
    }
}

fn check_answer_id(ctx: &Ctx<'_>, key: &str, id: &str) -> Result<()> {
    check_id(ctx, key, id)?;
    if RESERVED_ANSWER_KEYS.contains(&id) {
        return Err(ctx.err(key, format!("\"{id}\" is reserved")));
    }
    Ok(())
}

/// First-seen keys of ids, to report duplicates with both places.
#[derive(Default)]
struct Ids(BTreeMap<String, String>);

impl Ids {
    fn insert(&mut self, ctx: &Ctx<'_>, id: &str, key: &str, what: &str) -> Result<()> {
        if let Some(first) = self.0.get(id) {
            return Err(ctx.err(format!("{key}.id"), format!("duplicate {what} id \"{id}\" (first used at {first})")));
        }
        self.0.insert(id.to_owned(), key.to_owned());
        Ok(())
    }

    fn contains(&self, id: &str) -> bool {
        self.0.contains_key(id)
    }
}

fn text(ctx: &Ctx<'_>, key: &str, raw: RawText) -> Result<Text> {
    Ok(Text { vi: language(ctx, key, "vi", raw.vi)?, en: language(ctx, key, "en", raw.en)? })
}

fn language(ctx: &Ctx<'_>, key: &str, lang: &str, value: Option<String>) -> Result<String> {
    match value {
        None => Err(ctx.err(format!("{key}.{lang}"), "missing text")),
        Some(s) if s.trim().is_empty() => Err(ctx.err(format!("{key}.{lang}"), "empty text")),
        Some(s) => Ok(s.trim().to_owned()),
    }
}

fn fields(ctx: &Ctx<'_>, raw: &[String]) -> Result<Vec<Field>> {
    let mut out = Vec::with_capacity(raw.len());
    for (i, code) in raw.iter().enumerate() {
        let field = Field::parse(code).map_err(|e| ctx.err(format!("fields[{i}]"), e.to_string()))?;
        if out.contains(&field) {
            return Err(ctx.err(format!("fields[{i}]"), format!("duplicate field \"{code}\"")));
        }
        out.push(field);
    }
    Ok(out)
}

fn channels(ctx: &Ctx<'_>, key: &str, raw: Option<&[String]>) -> Result<Vec<Channel>> {
    let Some(raw) = raw else {
        return Ok(Channel::ALL.to_vec());
    };
    if raw.is_empty() {
        return Err(
            ctx.err(format!("{key}.channels"), "must list at least one channel (leave the key out for all channels)")
        );
    }
    let mut set = BTreeSet::new();
    for (i, code) in raw.iter().enumerate() {
        let channel = Channel::parse(code).map_err(|e| ctx.err(format!("{key}.channels[{i}]"), e.to_string()))?;
        if !set.insert(channel) {
            return Err(ctx.err(format!("{key}.channels[{i}]"), format!("duplicate channel \"{code}\"")));
        }
    }
    // Canonical order, so that listing the same channels differently does not change the hash.
    Ok(Channel::ALL.iter().copied().filter(|c| set.contains(c)).collect())
}

fn scale(ctx: &Ctx<'_>, raw: super::raw::RawScale) -> Result<Scale> {
    let count = |lang: &str, labels: &[String]| {
        if labels.len() == 5 {
            Ok(())
        } else {
            Err(ctx.err(
                format!("scale.labels.{lang}"),
                format!("needs exactly 5 labels (points 1 to 5), found {}", labels.len()),
            ))
        }
    };
    count("vi", &raw.labels.vi)?;
    count("en", &raw.labels.en)?;
    let mut labels = Vec::with_capacity(5);
    for (i, (vi, en)) in raw.labels.vi.into_iter().zip(raw.labels.en).enumerate() {
        labels.push(Text {
            vi: language(ctx, "scale.labels", &format!("vi[{i}]"), Some(vi))?,
            en: language(ctx, "scale.labels", &format!("en[{i}]"), Some(en))?,
        });
    }
    let labels: [Text; 5] = labels.try_into().map_err(|_| ctx.err("scale.labels", "needs exactly 5 labels"))?;
    Ok(Scale { labels, not_applicable: text(ctx, "scale.not_applicable", raw.not_applicable)? })
}

fn index(ctx: &Ctx<'_>, raw: super::raw::RawIndex) -> Result<IndexMethod> {
    let kind = MethodKind::parse(&raw.method).ok_or_else(|| {
        let known: Vec<&str> = MethodKind::ALL.iter().map(|m| m.code()).collect();
        ctx.err(
            "index.method",
            format!("unknown index method \"{}\"; expected one of: {}", raw.method, known.join(", ")),
        )
    })?;
    let threshold = raw.threshold.unwrap_or(DEFAULT_THRESHOLD);
    // 1 would count every answer as satisfied, so the lowest useful threshold is 2.
    if !(2..=5).contains(&threshold) {
        return Err(ctx.err("index.threshold", format!("must be between 2 and 5, not {threshold}")));
    }
    Ok(IndexMethod { kind, threshold })
}

fn options(ctx: &Ctx<'_>, key: &str, raw: Vec<RawOption>) -> Result<Vec<ChoiceOption>> {
    if raw.is_empty() {
        return Err(ctx.err(key, "at least one option is needed"));
    }
    let mut ids = Ids::default();
    let mut out = Vec::with_capacity(raw.len());
    for (i, o) in raw.into_iter().enumerate() {
        let okey = format!("{key}[{i}]");
        check_id(ctx, &format!("{okey}.id"), &o.id)?;
        if o.id == RESERVED_OPTION_ID {
            return Err(ctx.err(format!("{okey}.id"), format!("\"{}\" is reserved", o.id)));
        }
        ids.insert(ctx, &o.id, &okey, "option")?;
        out.push(ChoiceOption { label: text(ctx, &format!("{okey}.label"), o.label)?, id: o.id });
    }
    Ok(out)
}

fn question(ctx: &Ctx<'_>, key: &str, q: RawQuestion) -> Result<Question> {
    let only = |present: bool, name: &str, kinds: &str| {
        if present {
            Err(ctx.err(format!("{key}.{name}"), format!("only {kinds} questions have this key")))
        } else {
            Ok(())
        }
    };
    let kind = match q.kind.as_str() {
        "rating" => {
            only(q.options.is_some(), "options", "multi_choice")?;
            only(q.max_choices.is_some(), "max_choices", "multi_choice")?;
            QuestionKind::Rating { not_applicable: q.not_applicable.unwrap_or(false) }
        }
        "percent" => {
            only(q.options.is_some(), "options", "multi_choice")?;
            only(q.max_choices.is_some(), "max_choices", "multi_choice")?;
            only(q.not_applicable.is_some(), "not_applicable", "rating")?;
            QuestionKind::Percent
        }
        "multi_choice" => {
            only(q.not_applicable.is_some(), "not_applicable", "rating")?;
            let raw_options = q.options.ok_or_else(|| ctx.err(format!("{key}.options"), "missing key"))?;
            let options = options(ctx, &format!("{key}.options"), raw_options)?;
            let max_choices = match q.max_choices {
                None => options.len(),
                Some(n) => usize::try_from(n).ok().filter(|n| (1..=options.len()).contains(n)).ok_or_else(|| {
                    ctx.err(
                        format!("{key}.max_choices"),
                        format!("must be between 1 and the number of options ({}), not {n}", options.len()),
                    )
                })?,
            };
            QuestionKind::MultiChoice { options, max_choices }
        }
        other => {
            return Err(ctx.err(
                format!("{key}.kind"),
                format!("unknown question kind \"{other}\"; expected one of: rating, multi_choice, percent"),
            ))
        }
    };
    Ok(Question {
        text: text(ctx, &format!("{key}.text"), q.text)?,
        id: q.id,
        required: q.required.unwrap_or(true),
        kind,
    })
}

/// Resolves criteria, moving each item into the one criterion that lists it. Returns
/// (key, weight as written, criterion with weight still 0).
fn criteria(
    ctx: &Ctx<'_>,
    raw: Vec<RawCriterion>,
    domains: &Ids,
    items: &mut [(String, Option<Item>)],
) -> Result<Vec<(String, Option<f64>, Criterion)>> {
    let mut ids = Ids::default();
    // Which criterion took each item, to name it when a second one lists it.
    let mut placed: BTreeMap<String, String> = BTreeMap::new();
    let mut out = Vec::with_capacity(raw.len());
    for (i, c) in raw.into_iter().enumerate() {
        let key = format!("criteria[{i}]");
        check_id(ctx, &format!("{key}.id"), &c.id)?;
        ids.insert(ctx, &c.id, &key, "criterion")?;
        if !domains.contains(&c.domain) {
            return Err(ctx.err(format!("{key}.domain"), format!("unknown domain \"{}\"", c.domain)));
        }
        if c.items.is_empty() {
            return Err(ctx.err(format!("{key}.items"), "a criterion needs at least one item"));
        }
        let mut resolved = Vec::with_capacity(c.items.len());
        for (j, item_id) in c.items.iter().enumerate() {
            let ikey = format!("{key}.items[{j}]");
            if let Some(first) = placed.get(item_id) {
                return Err(ctx.err(ikey, format!("item \"{item_id}\" is already in {first}")));
            }
            let slot = items
                .iter_mut()
                .find(|(_, it)| it.as_ref().is_some_and(|it| &it.id == item_id))
                .and_then(|(_, it)| it.take())
                .ok_or_else(|| ctx.err(ikey.clone(), format!("unknown item \"{item_id}\"")))?;
            placed.insert(item_id.clone(), format!("{key} (\"{}\")", c.id));
            resolved.push(slot);
        }
        let criterion = Criterion {
            title: text(ctx, &format!("{key}.title"), c.title)?,
            id: c.id,
            domain: c.domain,
            weight: 0.0,
            items: resolved,
        };
        out.push((key, c.weight, criterion));
    }
    Ok(out)
}

/// Weights are all-or-nothing among siblings: none means equal weights; otherwise each must
/// be finite and > 0 and together they must sum to 1, so results never need renormalising.
fn weights(ctx: &Ctx<'_>, siblings: &[(String, Option<f64>)], what: &str) -> Result<Vec<f64>> {
    if siblings.iter().all(|(_, w)| w.is_none()) {
        let n = siblings.len().max(1) as f64;
        return Ok(vec![1.0 / n; siblings.len()]);
    }
    let mut out = Vec::with_capacity(siblings.len());
    for (key, w) in siblings {
        let w = w.ok_or_else(|| {
            ctx.err(format!("{key}.weight"), format!("missing: when one of the {what} has a weight, all must"))
        })?;
        if !w.is_finite() || w <= 0.0 {
            return Err(ctx.err(format!("{key}.weight"), format!("must be a finite number > 0, not {w}")));
        }
        out.push(w);
    }
    let sum: f64 = out.iter().sum();
    if (sum - 1.0).abs() > WEIGHT_TOLERANCE {
        let key = siblings.first().map_or("", |(k, _)| k.as_str());
        return Err(ctx.err(format!("{key}.weight"), format!("the weights of the {what} sum to {sum}, not 1")));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::surveys::test_support::{mini_with, FILE, MINI};
    use crate::surveys::{DefinitionError, SurveyDefinition};

    /// The full message of the error `text` gives under `file`.
    fn error_in(file: &str, text: &str) -> String {
        match SurveyDefinition::parse(file, text) {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.to_string(),
        }
    }

    /// Asserts the message starts with `defs/t-v1.toml: <key>: <what>`.
    #[track_caller]
    fn assert_error(text: &str, key: &str, what: &str) {
        let message = error_in(FILE, text);
        let expected = format!("{FILE}: {key}: {what}");
        assert!(message.starts_with(&expected), "\n  message: {message}\n expected: {expected}…");
    }

    #[test]
    fn the_fixture_is_valid() {
        assert!(SurveyDefinition::parse(FILE, MINI).is_ok());
    }

    #[test]
    fn toml_syntax_error_keeps_line_and_column() {
        let text = mini_with("version = 1", "version = = 1");
        let err = SurveyDefinition::parse(FILE, &text).unwrap_err();
        let DefinitionError::Syntax { file, line, column, .. } = &err else {
            panic!("expected a syntax error, got {err}");
        };
        assert_eq!((file.as_str(), *line, *column), (FILE, 3, 11));
        assert!(err.to_string().starts_with("defs/t-v1.toml: line 3, column 11: invalid TOML: "));
    }

    #[test]
    fn unknown_key_is_named_with_its_path() {
        assert_error(&format!("colour = \"red\"\n{MINI}"), "colour", "unknown key");
        let text =
            mini_with(r#"text = { vi = "Hai", en = "Two" }"#, r#"text = { vi = "Hai", en = "Two", fr = "Deux" }"#);
        assert_error(&text, "items[1].text.fr", "unknown key (expected `vi` or `en`)");
    }

    #[test]
    fn missing_key_is_named_with_its_path() {
        assert_error(&mini_with("method = \"sipas-v1\"\n", ""), "index.method", "missing key");
        assert_error(&mini_with("id = \"t\"\n", ""), "id", "missing key");
        let text = mini_with("domain = \"service\"\ntitle = { vi = \"Thủ tục\"", "title = { vi = \"Thủ tục\"");
        assert_error(&text, "criteria[1].domain", "missing key");
    }

    #[test]
    fn wrong_type_is_named_with_its_path() {
        assert_error(&mini_with("version = 1", "version = \"1\""), "version", "invalid type");
    }

    #[test]
    fn id_and_version_must_match_the_file_name() {
        let message = error_in("defs/other-v1.toml", MINI);
        assert!(message.starts_with("defs/other-v1.toml: id: \"t\" does not match the file name"), "{message}");
        let message = error_in("defs/t-v2.toml", MINI);
        assert!(message.starts_with("defs/t-v2.toml: version: 1 does not match the file name"), "{message}");
        let message = error_in("defs/t.toml", MINI);
        assert!(message.starts_with("defs/t.toml: id: "), "{message}");
        assert_error(&mini_with("version = 1", "version = 0"), "version", "must be an integer ≥ 1");
    }

    #[test]
    fn duplicate_item_id() {
        let text = mini_with("id = \"A2\"", "id = \"A1\"");
        assert_error(&text, "items[1].id", "duplicate item or question id \"A1\" (first used at items[0])");
    }

    #[test]
    fn question_id_must_differ_from_item_ids() {
        let text = mini_with("id = \"overall\"", "id = \"B1\"");
        assert_error(&text, "questions[0].id", "duplicate item or question id \"B1\"");
    }

    #[test]
    fn duplicate_question_id() {
        let text = mini_with("id = \"expect\"", "id = \"overall\"");
        assert_error(&text, "questions[2].id", "duplicate item or question id \"overall\"");
    }

    #[test]
    fn duplicate_criterion_id() {
        let text = mini_with("id = \"B\"", "id = \"A\"");
        assert_error(&text, "criteria[1].id", "duplicate criterion id \"A\"");
    }

    #[test]
    fn duplicate_domain_id() {
        let text = format!("{MINI}\n[[domains]]\nid = \"service\"\ntitle = {{ vi = \"Khác\", en = \"Other\" }}\n");
        assert_error(&text, "domains[1].id", "duplicate domain id \"service\"");
    }

    #[test]
    fn duplicate_option_id() {
        let text = mini_with(r#"{ id = "z", label"#, r#"{ id = "x", label"#);
        assert_error(&text, "questions[1].options[2].id", "duplicate option id \"x\"");
    }

    #[test]
    fn duplicate_profile_question() {
        let text = format!(
            "{MINI}\n[[profile]]\nid = \"gender\"\ntext = {{ vi = \"Giới\", en = \"Sex\" }}\noptions = [{{ id = \"m\", label = {{ vi = \"Nam\", en = \"M\" }} }}]\n"
        );
        assert_error(&text, "profile[1].id", "duplicate profile question id \"gender\"");
    }

    #[test]
    fn unknown_profile_question() {
        let text = mini_with("id = \"gender\"", "id = \"income\"");
        assert_error(&text, "profile[0].id", "unknown profile question \"income\"");
    }

    #[test]
    fn item_in_no_criterion() {
        let text = format!("{MINI}\n[[items]]\nid = \"C1\"\ntext = {{ vi = \"Bốn\", en = \"Four\" }}\n");
        assert_error(&text, "items[3].id", "item \"C1\" is in no criterion");
    }

    #[test]
    fn item_in_two_criteria() {
        let text = mini_with(r#"items = ["B1"]"#, r#"items = ["B1", "A1"]"#);
        assert_error(&text, "criteria[1].items[1]", "item \"A1\" is already in criteria[0] (\"A\")");
    }

    #[test]
    fn criterion_with_unknown_item() {
        let text = mini_with(r#"items = ["B1"]"#, r#"items = ["B1", "B9"]"#);
        assert_eq!(error_in(FILE, &text), "defs/t-v1.toml: criteria[1].items[1]: unknown item \"B9\"");
    }

    #[test]
    fn criterion_with_unknown_domain() {
        let text = mini_with(
            "domain = \"service\"\ntitle = { vi = \"Thủ tục\"",
            "domain = \"policy\"\ntitle = { vi = \"Thủ tục\"",
        );
        assert_error(&text, "criteria[1].domain", "unknown domain \"policy\"");
    }

    #[test]
    fn domain_without_criteria() {
        let text =
            format!("{MINI}\n[[domains]]\nid = \"policy\"\ntitle = {{ vi = \"Chính sách\", en = \"Policy\" }}\n");
        assert_error(&text, "domains[1]", "domain \"policy\" has no criteria");
    }

    #[test]
    fn unknown_channel() {
        let text = mini_with(r#"channels = ["online"]"#, r#"channels = ["online", "fax"]"#);
        assert_error(&text, "items[1].channels[1]", "unknown channel `fax`");
    }

    #[test]
    fn unknown_field() {
        let text = format!("fields = [\"land\", \"moon\"]\n{MINI}");
        assert_error(&text, "fields[1]", "unknown field `moon`");
    }

    fn with_criteria_weights(a: &str, b: &str) -> String {
        mini_with("items = [\"A1\", \"A2\"]", &format!("items = [\"A1\", \"A2\"]\n{a}")).replacen(
            "items = [\"B1\"]",
            &format!("items = [\"B1\"]\n{b}"),
            1,
        )
    }

    #[test]
    fn weights_are_all_or_nothing() {
        let text = with_criteria_weights("weight = 1.0", "");
        assert_error(
            &text,
            "criteria[1].weight",
            "missing: when one of the criteria of domain \"service\" has a weight, all must",
        );
    }

    #[test]
    fn weights_must_be_positive_and_finite() {
        assert_error(
            &with_criteria_weights("weight = 0.0", "weight = 1.0"),
            "criteria[0].weight",
            "must be a finite number > 0",
        );
        assert_error(
            &with_criteria_weights("weight = nan", "weight = 1.0"),
            "criteria[0].weight",
            "must be a finite number > 0",
        );
    }

    #[test]
    fn weights_must_sum_to_one() {
        assert_error(
            &with_criteria_weights("weight = 0.6", "weight = 0.3"),
            "criteria[0].weight",
            "the weights of the criteria of domain \"service\" sum to 0.8999999999999999, not 1",
        );
        // Decimal weights that are inexact in binary still pass.
        let ok = with_criteria_weights("weight = 0.7", "weight = 0.3");
        let def = SurveyDefinition::parse(FILE, &ok).unwrap();
        assert_eq!(def.criteria()[0].weight, 0.7);
        let domain = mini_with(
            "title = { vi = \"Dịch vụ\", en = \"Service\" }",
            "title = { vi = \"Dịch vụ\", en = \"Service\" }\nweight = 0.5",
        );
        assert_error(&domain, "domains[0].weight", "the weights of the domains sum to 0.5, not 1");
    }

    #[test]
    fn scale_needs_five_labels() {
        let text = mini_with(r#"labels.en = ["1", "2", "3", "4", "5"]"#, r#"labels.en = ["1", "2", "3", "4"]"#);
        assert_error(&text, "scale.labels.en", "needs exactly 5 labels (points 1 to 5), found 4");
    }

    #[test]
    fn missing_language() {
        let text = mini_with(r#"title = { vi = "Tiêu đề", en = "Title" }"#, r#"title = { en = "Title" }"#);
        assert_error(&text, "title.vi", "missing text");
        let text = mini_with(r#"text = { vi = "Ba", en = "Three" }"#, r#"text = { vi = "Ba" }"#);
        assert_error(&text, "items[2].text.en", "missing text");
    }

    #[test]
    fn empty_text() {
        let text = mini_with(r#"prompt = { vi = "Góp ý", en = "Comment" }"#, r#"prompt = { vi = "Góp ý", en = "  " }"#);
        assert_error(&text, "comment.prompt.en", "empty text");
        let text = mini_with(r#"labels.en = ["1", "2", "3", "4", "5"]"#, r#"labels.en = ["1", "2", "", "4", "5"]"#);
        assert_error(&text, "scale.labels.en[2]", "empty text");
    }

    #[test]
    fn max_choices_out_of_range() {
        assert_error(
            &mini_with("max_choices = 2", "max_choices = 0"),
            "questions[1].max_choices",
            "must be between 1 and the number of options (3), not 0",
        );
        assert_error(
            &mini_with("max_choices = 2", "max_choices = 4"),
            "questions[1].max_choices",
            "must be between 1 and the number of options (3), not 4",
        );
    }

    #[test]
    fn comment_max_chars_out_of_range() {
        assert_error(
            &mini_with("max_chars = 10", "max_chars = 0"),
            "comment.max_chars",
            "must be between 1 and 1000, not 0",
        );
        assert_error(
            &mini_with("max_chars = 10", "max_chars = 1001"),
            "comment.max_chars",
            "must be between 1 and 1000, not 1001",
        );
    }

    #[test]
    fn unknown_index_method() {
        let text = mini_with("method = \"sipas-v1\"", "method = \"mean\"");
        assert_error(&text, "index.method", "unknown index method \"mean\"; expected one of: sipas-v1");
        let text = mini_with("method = \"sipas-v1\"", "method = \"sipas-v1\"\nthreshold = 6");
        assert_error(&text, "index.threshold", "must be between 2 and 5, not 6");
    }

    #[test]
    fn item_id_must_match_the_pattern() {
        assert_error(&mini_with("id = \"A1\"", "id = \"1A\""), "items[0].id", "\"1A\" is not a valid id");
        assert_error(&mini_with("id = \"A1\"", "id = \"A-1\""), "items[0].id", "\"A-1\" is not a valid id");
        let long = format!("A{}", "b".repeat(32));
        assert_error(&mini_with("id = \"A1\"", &format!("id = \"{long}\"")), "items[0].id", "");
        let longest = format!("A{}", "b".repeat(31));
        let text = mini_with("id = \"A1\"", &format!("id = \"{longest}\"")).replacen(
            "\"A1\", \"A2\"",
            &format!("\"{longest}\", \"A2\""),
            1,
        );
        assert!(SurveyDefinition::parse(FILE, &text).is_ok());
    }

    #[test]
    fn reserved_ids() {
        assert_error(&mini_with("id = \"expect\"", "id = \"comment\""), "questions[2].id", "\"comment\" is reserved");
        assert_error(
            &mini_with(r#"{ id = "z", label"#, r#"{ id = "na", label"#),
            "questions[1].options[2].id",
            "\"na\" is reserved",
        );
    }

    #[test]
    fn question_keys_must_fit_the_kind() {
        let text = mini_with("kind = \"percent\"", "kind = \"percent\"\nmax_choices = 2");
        assert_error(&text, "questions[2].max_choices", "only multi_choice questions have this key");
        let text = mini_with("kind = \"percent\"", "kind = \"slider\"");
        assert_error(&text, "questions[2].kind", "unknown question kind \"slider\"");
    }

    #[test]
    fn channel_list_must_not_be_empty() {
        let text = mini_with(r#"channels = ["online"]"#, "channels = []");
        assert_error(&text, "items[1].channels", "must list at least one channel");
    }
}
