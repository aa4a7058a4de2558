//! The official Bot API documentation page (`core.telegram.org/bots/api`) read into the raw form.
//!
//! The page is one long document: `h3` headings open chapters, and every method and type is an
//! `h4` section. This module reads the page into [`RawApi`] with the same normalizations as the
//! community JSON scrape, so that [`crate::lower`] applies the same rules to both:
//!
//! - curly quotes become straight ones and HTML entities are decoded;
//! - type words are normalized (`True` -> `Boolean`, `Int` -> `Integer`, `Float number` ->
//!   `Float`) and `X or Y` / `Array of X, Y and Z` type cells become lists of alternatives;
//! - optional object fields keep their leading `Optional.` marker;
//! - a method's result is read from its prose ("On success, the sent Message is returned").
//!
//! Unlike the scrape, descriptions are CommonMark: links become `[text](absolute URL)`, code
//! becomes `` `code` ``, emphasis `*x*` and bold `**x**`, and characters of the text that Markdown
//! would read as markup are backslash-escaped. The rules read them through
//! [`crate::lower::plain_text`].
//!
//! The page is parsed with `scraper` (html5ever, the HTML5 parsing algorithm of browsers), so
//! unclosed paragraphs, entities and malformed markup read as a browser shows them.
//!
//! Every `h4` must be classified by an explicit rule: a release date in "Recent changes", a
//! method (lowerCamelCase), a type (UpperCamelCase) or a prose heading of several words. Anything
//! else stops the import with a message naming the heading.

use std::sync::LazyLock;

use regex::Regex;
use scraper::node::Node;
use scraper::{ElementRef, Html, Selector};

use crate::raw::{RawApi, RawField, RawMethod, RawType};

/// Address of the official page; section links (`#sendmessage`) are made absolute against it.
pub const OFFICIAL_URL: &str = "https://core.telegram.org/bots/api";

/// The site that relative links of the page (`/bots/features`) point into.
const SITE: &str = "https://core.telegram.org";

/// Whether `text` looks like an HTML document rather than JSON.
pub fn looks_like_html(text: &str) -> bool {
    let start = text.trim_start_matches('\u{feff}').trim_start();
    start.starts_with('<')
}

/// Reads the official Bot API page. On failure, returns every problem found.
pub fn parse_html(text: &str) -> Result<RawApi, Vec<String>> {
    let document = Html::parse_document(text);
    let content = Selector::parse("#dev_page_content").expect("a valid selector");
    let Some(root) = document.select(&content).next() else {
        return Err(vec![
            "no element with id \"dev_page_content\": this is not the Bot API documentation page"
                .into(),
        ]);
    };
    let mut reader = Reader::default();
    for section in sections(root, &mut reader.errors) {
        reader.section(&section);
    }
    reader.finish()
}

/// An `h4` heading and the elements up to the next heading.
struct Section<'a> {
    /// Text of the `h4`.
    title: String,
    /// The `name` of its anchor, which is also the fragment of its URL.
    anchor: String,
    /// Anchor of the `h3` chapter it belongs to.
    chapter: String,
    /// The elements of the section, in order.
    body: Vec<ElementRef<'a>>,
}

/// Splits the page content into `h4` sections. A horizontal rule ends the current section
/// (the closing remarks of the page follow one).
fn sections<'a>(root: ElementRef<'a>, errors: &mut Vec<String>) -> Vec<Section<'a>> {
    let mut out: Vec<Section<'a>> = Vec::new();
    let mut chapter = String::new();
    let mut open = false;
    for el in root.child_elements() {
        match el.value().name() {
            "h3" => {
                chapter = anchor_of(el).unwrap_or_default();
                open = false;
            }
            "h4" => {
                let title = collapse(&el.text().collect::<String>()).trim().to_string();
                let Some(anchor) = anchor_of(el) else {
                    errors.push(format!("heading {title:?} has no anchor"));
                    open = false;
                    continue;
                };
                out.push(Section {
                    title,
                    anchor,
                    chapter: chapter.clone(),
                    body: Vec::new(),
                });
                open = true;
            }
            "hr" => open = false,
            _ if open => out.last_mut().expect("open section").body.push(el),
            _ => {}
        }
    }
    out
}

fn anchor_of(heading: ElementRef) -> Option<String> {
    heading
        .child_elements()
        .find(|a| a.value().name() == "a" && a.value().attr("name").is_some())
        .and_then(|a| a.value().attr("name"))
        .map(str::to_string)
}

/// What an `h4` heading introduces.
#[derive(Debug, PartialEq)]
enum Heading {
    /// A release in "Recent changes".
    Release,
    /// A method.
    Method,
    /// A type.
    Type,
    /// A prose section ("Formatting options", "Inline mode objects").
    Prose,
}

/// Anchor of the "Recent changes" chapter.
const RECENT_CHANGES: &str = "recent-changes";

fn classify(section: &Section) -> Result<Heading, String> {
    static DATE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[A-Z][a-z]+ [0-9]{1,2}, [0-9]{4}$").unwrap());
    static METHOD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[a-z][A-Za-z0-9]*$").unwrap());
    static TYPE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[A-Z][A-Za-z0-9]*$").unwrap());
    static PROSE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[A-Z][A-Za-z0-9'-]*(?: [A-Za-z0-9'-]+)+$").unwrap());
    let title = section.title.as_str();
    let describe = || format!("heading {title:?} (#{})", section.anchor);
    if section.chapter == RECENT_CHANGES {
        return if DATE.is_match(title) {
            Ok(Heading::Release)
        } else {
            Err(format!(
                "{} in \"Recent changes\" is not a release date like \"August 15, 2025\"",
                describe()
            ))
        };
    }
    if METHOD.is_match(title) {
        Ok(Heading::Method)
    } else if TYPE.is_match(title) {
        Ok(Heading::Type)
    } else if PROSE.is_match(title) {
        // Names of methods and types are single words; several words head prose, which must
        // not hold the tables that define methods and types.
        match section.body.iter().find_map(|el| table_kind(*el)) {
            Some(kind @ (TableKind::Parameters | TableKind::Fields)) => Err(format!(
                "{} reads as prose (several words) but holds a {}; add a rule for it in \
                 codegen/src/html.rs",
                describe(),
                kind.name()
            )),
            _ => Ok(Heading::Prose),
        }
    } else {
        Err(format!(
            "{} is neither a release date, a method (lowerCamelCase), a type (UpperCamelCase) \
             nor a prose heading of several words; add a rule for it in codegen/src/html.rs",
            describe()
        ))
    }
}

#[derive(Default)]
struct Reader {
    version: Option<String>,
    release_date: Option<String>,
    changelog: Option<String>,
    methods: Vec<RawMethod>,
    types: Vec<RawType>,
    errors: Vec<String>,
}

impl Reader {
    fn section(&mut self, section: &Section) {
        match classify(section) {
            Ok(Heading::Release) => self.release(section),
            Ok(Heading::Method) => match method(section) {
                Ok(m) => self.methods.push(m),
                Err(e) => self.errors.extend(e),
            },
            Ok(Heading::Type) => match type_def(section) {
                Ok(t) => self.types.push(t),
                Err(e) => self.errors.extend(e),
            },
            Ok(Heading::Prose) => {}
            Err(e) => self.errors.push(e),
        }
    }

    /// The first release of "Recent changes" is the one the page documents.
    fn release(&mut self, section: &Section) {
        static VERSION: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(r"\bBot API ([0-9]+\.[0-9]+(?:\.[0-9]+)?)\b").unwrap());
        if self.release_date.is_some() {
            return;
        }
        self.release_date = Some(section.title.clone());
        self.changelog = Some(format!("{OFFICIAL_URL}#{}", section.anchor));
        let text: String = section
            .body
            .iter()
            .map(|el| el.text().collect::<String>())
            .collect::<Vec<_>>()
            .join(" ");
        match VERSION.captures(&text) {
            Some(c) => self.version = Some(c[1].to_string()),
            None => self.errors.push(format!(
                "the latest release in \"Recent changes\" ({}) does not name its version \
                 (\"Bot API X.Y\")",
                section.title
            )),
        }
    }

    fn finish(mut self) -> Result<RawApi, Vec<String>> {
        if self.release_date.is_none() {
            self.errors.push(
                "no release date found: \"Recent changes\" has no dated heading like \
                 \"August 15, 2025\""
                    .into(),
            );
        }
        if self.methods.is_empty() && self.types.is_empty() {
            self.errors
                .push("found no method and no type section (h4 headings)".into());
        }
        if !self.errors.is_empty() {
            return Err(self.errors);
        }
        Ok(RawApi {
            version: self.version.unwrap_or_default(),
            release_date: self.release_date.unwrap_or_default(),
            changelog: self.changelog,
            methods: self.methods,
            types: self.types,
        })
    }
}

/// The tables that define methods and types, by their header row.
#[derive(Debug, Clone, PartialEq)]
enum TableKind {
    /// `Parameter | Type | Required | Description`.
    Parameters,
    /// `Field | Type | Description`.
    Fields,
    /// Any other table (the accent colors of the prose sections), with its header row.
    Other(String),
}

impl TableKind {
    fn name(&self) -> String {
        match self {
            TableKind::Parameters => "parameter table".into(),
            TableKind::Fields => "field table".into(),
            TableKind::Other(header) => format!("table headed {header:?}"),
        }
    }
}

fn table_kind(el: ElementRef) -> Option<TableKind> {
    if el.value().name() != "table" {
        return None;
    }
    let header: Vec<String> = descendants(el, "th")
        .map(|th| collapse(&th.text().collect::<String>()).trim().to_string())
        .collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    Some(match header.as_slice() {
        ["Parameter", "Type", "Required", "Description"] => TableKind::Parameters,
        ["Field", "Type", "Description"] => TableKind::Fields,
        _ => TableKind::Other(header.join(" | ")),
    })
}

fn descendants<'a>(el: ElementRef<'a>, name: &'static str) -> impl Iterator<Item = ElementRef<'a>> {
    el.descendent_elements()
        .filter(move |e| e.value().name() == name)
}

fn method(section: &Section) -> Result<RawMethod, Vec<String>> {
    let name = section.title.clone();
    let mut errors = Vec::new();
    let fields = match single_table(section, &TableKind::Parameters) {
        Ok(Some(table)) => rows(table, TableKind::Parameters, &name, &mut errors),
        Ok(None) => Vec::new(),
        Err(e) => {
            errors.push(e);
            Vec::new()
        }
    };
    let returns = match returns(section) {
        Ok(r) => r,
        Err(e) => {
            errors.push(e);
            Vec::new()
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(RawMethod {
        href: format!("{OFFICIAL_URL}#{}", section.anchor),
        description: description(section),
        name,
        returns,
        fields,
        section: Some(section.chapter.clone()),
    })
}

fn type_def(section: &Section) -> Result<RawType, Vec<String>> {
    let name = section.title.clone();
    let mut errors = Vec::new();
    let fields = match single_table(section, &TableKind::Fields) {
        Ok(Some(table)) => rows(table, TableKind::Fields, &name, &mut errors),
        Ok(None) => Vec::new(),
        Err(e) => {
            errors.push(e);
            Vec::new()
        }
    };
    let subtypes = if fields.is_empty() && errors.is_empty() {
        match members(section) {
            Ok(m) => m,
            Err(e) => {
                errors.push(e);
                Vec::new()
            }
        }
    } else {
        Vec::new()
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(RawType {
        href: format!("{OFFICIAL_URL}#{}", section.anchor),
        description: description(section),
        name,
        fields,
        subtypes,
        section: Some(section.chapter.clone()),
    })
}

/// The section's one table of the expected kind, if it has a table at all.
fn single_table<'a>(
    section: &Section<'a>,
    want: &TableKind,
) -> Result<Option<ElementRef<'a>>, String> {
    let tables: Vec<(ElementRef, TableKind)> = section
        .body
        .iter()
        .filter_map(|el| table_kind(*el).map(|k| (*el, k)))
        .collect();
    match tables.as_slice() {
        [] => Ok(None),
        [(table, kind)] if kind == want => Ok(Some(*table)),
        [(_, kind)] => Err(format!(
            "{}: expected a {}, found a {}",
            section.title,
            want.name(),
            kind.name()
        )),
        _ => Err(format!("{}: more than one table", section.title)),
    }
}

static FIELD_NAME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[a-z][a-z0-9_]*$").unwrap());

/// The rows of a parameter or field table.
fn rows(
    table: ElementRef,
    kind: TableKind,
    owner: &str,
    errors: &mut Vec<String>,
) -> Vec<RawField> {
    let mut out = Vec::new();
    for tr in descendants(table, "tr") {
        let cells: Vec<ElementRef> = tr
            .child_elements()
            .filter(|c| c.value().name() == "td")
            .collect();
        if cells.is_empty() {
            continue; // The header row.
        }
        let expected = if kind == TableKind::Parameters { 4 } else { 3 };
        if cells.len() != expected {
            errors.push(format!(
                "{owner}: a table row has {} cells, expected {expected}",
                cells.len()
            ));
            continue;
        }
        let name = collapse(&cell_text(cells[0])).trim().to_string();
        if !FIELD_NAME.is_match(&name) {
            errors.push(format!(
                "{owner}: {name:?} is not a field or parameter name"
            ));
            continue;
        }
        let types = match type_alternatives(&cell_text(cells[1])) {
            Ok(t) => t,
            Err(e) => {
                errors.push(format!("{owner}.{name}: {e}"));
                continue;
            }
        };
        let mut description = block_markdown(cells[expected - 1], "\n\n");
        let required = if kind == TableKind::Parameters {
            match collapse(&cell_text(cells[2])).trim() {
                "Yes" => true,
                "Optional" => false,
                other => {
                    errors.push(format!(
                        "{owner}.{name}: Required is {other:?}, expected \"Yes\" or \"Optional\""
                    ));
                    continue;
                }
            }
        } else {
            // Object fields are optional when their description says so first.
            description = normalize_optional(&description);
            !description.starts_with("Optional.")
        };
        out.push(RawField {
            name,
            types,
            required,
            description,
        });
    }
    out
}

/// Writes the leading optional marker as the scrape does (`Optional.`), whatever its markup.
fn normalize_optional(description: &str) -> String {
    for marked in [
        "*Optional*.",
        "**Optional**.",
        "*Optional.*",
        "**Optional.**",
    ] {
        if let Some(rest) = description.strip_prefix(marked) {
            return format!("Optional.{rest}");
        }
    }
    description.to_string()
}

/// The type alternatives a type cell names, as the scrape lists them.
fn type_alternatives(cell: &str) -> Result<Vec<String>, String> {
    static SEPARATOR: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\s*,\s*(?:and\s+|or\s+)?|\s+or\s+|\s+and\s+").unwrap());
    let text = collapse(&normalize_text(cell)).trim().to_string();
    if text.is_empty() {
        return Err("the type cell is empty".into());
    }
    let parts: Vec<&str> = SEPARATOR.split(&text).collect();
    let is_list = !text.contains(" or ");
    // "Array of A, B and C" is an array whose items are any of A, B and C: each alternative is
    // an array, as the scrape lists it.
    let distribute = parts.len() > 1
        && is_list
        && parts[0].starts_with("Array of ")
        && parts[1..].iter().all(|p| !p.starts_with("Array of "));
    let prefix = if distribute {
        let inner = parts[0].trim_start_matches("Array of ");
        &parts[0][..parts[0].len() - inner.len()]
    } else {
        ""
    };
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let p = if distribute && i > 0 {
                format!("{prefix}{p}")
            } else {
                p.to_string()
            };
            type_word(&p).map_err(|e| format!("{e} in type {text:?}"))
        })
        .collect()
}

/// One type as the scrape writes it: `Array of` prefixes kept, scalar words normalized.
fn type_word(text: &str) -> Result<String, String> {
    static NAME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[A-Z][A-Za-z0-9]*$").unwrap());
    let inner = text.trim_start_matches("Array of ");
    let prefix = &text[..text.len() - inner.len()];
    let base = match inner {
        "True" => "Boolean",
        "Int" => "Integer",
        "Float number" => "Float",
        name if NAME.is_match(name) => name,
        other => return Err(format!("unknown type word {other:?}")),
    };
    Ok(format!("{prefix}{base}"))
}

/// The members of a union: a section without a table whose list names only types.
fn members(section: &Section) -> Result<Vec<String>, String> {
    let lists: Vec<Vec<String>> = section
        .body
        .iter()
        .filter(|el| matches!(el.value().name(), "ul" | "ol"))
        .filter_map(|list| {
            let items: Vec<String> = list
                .child_elements()
                .filter(|li| li.value().name() == "li")
                .map(|li| collapse(&cell_text(li)).trim().to_string())
                .collect();
            let names: Result<Vec<String>, String> = items.iter().map(|i| type_word(i)).collect();
            names.ok().filter(|n| !n.is_empty())
        })
        .collect();
    match lists.len() {
        0 | 1 => Ok(lists.into_iter().next().unwrap_or_default()),
        _ => Err(format!(
            "{}: more than one list of member types; cannot tell which makes the union",
            section.title
        )),
    }
}

/// The description of a section, one entry per paragraph or list item (`- ` items), as the
/// community format has it. Line breaks inside a paragraph start a new entry; notes in block
/// quotes are kept as `> ` entries.
fn description(section: &Section) -> Vec<String> {
    let mut lines = Vec::new();
    for el in &section.body {
        block_lines(*el, "", &mut lines);
    }
    lines
}

fn block_lines(el: ElementRef, quote: &str, lines: &mut Vec<String>) {
    match el.value().name() {
        "p" => {
            for line in inline_markdown(el).split('\n') {
                let line = line.trim();
                if !line.is_empty() {
                    lines.push(format!("{quote}{line}"));
                }
            }
        }
        "ul" | "ol" => {
            for li in el.child_elements().filter(|li| li.value().name() == "li") {
                let item = block_markdown(li, " ");
                if !item.is_empty() {
                    lines.push(format!("{quote}- {item}"));
                }
            }
        }
        "blockquote" => {
            let quote = format!("{quote}> ");
            for child in el.child_elements() {
                block_lines(child, &quote, lines);
            }
        }
        "pre" => {
            let code = normalize_text(&el.text().collect::<String>());
            let fence = "`".repeat(longest_run(&code, '`').max(2) + 1);
            let body = code
                .trim_end_matches('\n')
                .replace('\n', &format!("\n{quote}"));
            lines.push(format!("{quote}{fence}text\n{quote}{body}\n{quote}{fence}"));
        }
        // Tables are read as parameters and fields; images and scripts carry no text.
        _ => {}
    }
}

/// The Markdown of an element whose line breaks join with `joiner`.
fn block_markdown(el: ElementRef, joiner: &str) -> String {
    inline_markdown(el)
        .split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(joiner)
}

/// The Markdown of an element's inline content, with `\n` where the page breaks a line.
/// Spaces are collapsed and trimmed on each line.
fn inline_markdown(el: ElementRef) -> String {
    let mut out = String::new();
    for child in el.children() {
        inline_node(child, &mut out);
    }
    out.split('\n')
        .map(|line| collapse(line).trim().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

fn inline_node(node: ego_tree::NodeRef<Node>, out: &mut String) {
    match node.value() {
        Node::Text(t) => out.push_str(&escape(&collapse(&normalize_text(t)))),
        Node::Element(e) => {
            let el = ElementRef::wrap(node).expect("an element node");
            match e.name() {
                "br" => out.push('\n'),
                "a" => {
                    let inner = children_markdown(el);
                    match (e.attr("href"), inner.trim().is_empty()) {
                        (_, true) => out.push_str(&inner),
                        (None, false) => out.push_str(&inner),
                        (Some(href), false) => {
                            let (lead, text, trail) = split_spaces(&inner);
                            out.push_str(lead);
                            out.push('[');
                            out.push_str(text);
                            out.push_str("](");
                            out.push_str(&absolute_url(href));
                            out.push(')');
                            out.push_str(trail);
                        }
                    }
                }
                "em" | "i" => wrap(out, &children_markdown(el), "*"),
                "strong" | "b" => wrap(out, &children_markdown(el), "**"),
                "code" => {
                    let code = collapse(&normalize_text(&el.text().collect::<String>()));
                    if code.is_empty() {
                        return;
                    }
                    let fence = "`".repeat(longest_run(&code, '`') + 1);
                    let pad = if code.starts_with('`') || code.ends_with('`') {
                        " "
                    } else {
                        ""
                    };
                    out.push_str(&format!("{fence}{pad}{code}{pad}{fence}"));
                }
                // Emoji are images whose alternative text is the emoji itself.
                "img" => out.push_str(&escape(&normalize_text(e.attr("alt").unwrap_or("")))),
                "script" | "style" => {}
                _ => {
                    for child in node.children() {
                        inline_node(child, out);
                    }
                }
            }
        }
        _ => {}
    }
}

fn children_markdown(el: ElementRef) -> String {
    let mut s = String::new();
    for child in el.children() {
        inline_node(child, &mut s);
    }
    s
}

/// Puts `marker` around `inner`, outside its leading and trailing spaces.
fn wrap(out: &mut String, inner: &str, marker: &str) {
    let (lead, text, trail) = split_spaces(inner);
    out.push_str(lead);
    if !text.is_empty() {
        out.push_str(marker);
        out.push_str(text);
        out.push_str(marker);
    }
    out.push_str(trail);
}

fn split_spaces(s: &str) -> (&str, &str, &str) {
    let text = s.trim();
    let start = s.len() - s.trim_start().len();
    (&s[..start], text, &s[start + text.len()..])
}

fn longest_run(s: &str, c: char) -> usize {
    s.split(|x| x != c).map(str::len).max().unwrap_or(0)
}

/// Makes a link of the page absolute.
fn absolute_url(href: &str) -> String {
    static SCHEME: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[A-Za-z][A-Za-z0-9+.-]*:").unwrap());
    let href = href.trim();
    let url = if SCHEME.is_match(href) {
        href.to_string()
    } else if let Some(rest) = href.strip_prefix("//") {
        format!("https://{rest}")
    } else if href.starts_with('#') {
        format!("{OFFICIAL_URL}{href}")
    } else if href.starts_with('/') {
        format!("{SITE}{href}")
    } else {
        format!("{SITE}/bots/{href}")
    };
    // Characters that would end or break a Markdown link target.
    url.replace(' ', "%20")
        .replace('<', "%3C")
        .replace('>', "%3E")
        .replace('(', "%28")
        .replace(')', "%29")
}

/// Writes quotes and ellipses as the scrape does (the parser has decoded the entities).
fn normalize_text(text: &str) -> String {
    text.replace(['\u{201c}', '\u{201d}', '\u{201e}', '\u{201f}'], "\"")
        .replace(['\u{2018}', '\u{2019}'], "'")
        .replace('\u{2026}', "...")
}

/// Collapses every run of whitespace (except non-breaking spaces) into one space, as HTML
/// renders it.
fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() && c != '\u{a0}' {
            space = true;
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    if space {
        out.push(' ');
    }
    out
}

/// Backslash-escapes the characters of plain text that Markdown would read as markup.
fn escape(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        let word = |j: Option<usize>| {
            j.and_then(|j| chars.get(j))
                .is_some_and(|c| c.is_alphanumeric())
        };
        let escape = match c {
            '\\' | '`' | '*' | '[' | ']' | '<' => true,
            // Inside a word (`file_id`) an underscore is never emphasis.
            '_' => !(word(i.checked_sub(1)) && word(Some(i + 1))),
            // Only an entity reference (`&amp;`) would be decoded.
            '&' => {
                let rest: String = chars[i + 1..].iter().take(12).collect();
                ENTITY.is_match(&rest)
            }
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

static ENTITY: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^#?[A-Za-z0-9]+;").unwrap());

/// The text of a cell with its links reduced to their text.
fn cell_text(el: ElementRef) -> String {
    normalize_text(&el.text().collect::<String>())
}

/// A method's result, from the sentence of its description that says what it returns.
///
/// The types in such a sentence are links to type sections ("the sent Message is returned")
/// and emphasized scalar words ("Returns *True* on success", "*Int*"); "Array of" or "an
/// array of" before a type makes it an array.
fn returns(section: &Section) -> Result<Vec<String>, String> {
    static RETURN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)\breturn").unwrap());
    static SENTENCE_END: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\.(?:\s+|$)|\n").unwrap());
    let mut found: Vec<(String, Vec<String>)> = Vec::new();
    for p in section.body.iter().filter(|el| el.value().name() == "p") {
        let mut text = String::new();
        let mut tokens = Vec::new();
        return_pieces(**p, &mut text, &mut tokens);
        for sentence in SENTENCE_END.split(&text) {
            if !RETURN.is_match(sentence) {
                continue;
            }
            let mut types = Vec::new();
            for (at, c) in sentence.char_indices() {
                let Some(index) = token_index(c) else {
                    continue;
                };
                let before = sentence[..at].to_lowercase();
                let array = before.ends_with("array of ");
                let word = match tokens[index].as_str() {
                    "True" => "Boolean",
                    "Int" => "Integer",
                    other => other,
                };
                types.push(if array {
                    format!("Array of {word}")
                } else {
                    word.to_string()
                });
            }
            if !types.is_empty() {
                let plain: String = sentence
                    .chars()
                    .map(|c| token_index(c).map_or(c.to_string(), |i| tokens[i].clone()))
                    .collect();
                found.push((plain, types));
            }
        }
    }
    match found.as_slice() {
        [] => Err(format!(
            "{}: no sentence of the description says what the method returns (like \"Returns \
             True on success\" or \"On success, the sent Message is returned\")",
            section.title
        )),
        [(_, types), rest @ ..] if rest.iter().all(|(_, t)| t == types) => Ok(types.clone()),
        _ => Err(format!(
            "{}: sentences disagree about what the method returns: {}",
            section.title,
            found
                .iter()
                .map(|(s, t)| format!("{s:?} -> {t:?}"))
                .collect::<Vec<_>>()
                .join("; ")
        )),
    }
}

/// Marks type mentions in return sentences with characters of a private-use range.
const TOKEN_BASE: u32 = 0xF0000;

fn token_index(c: char) -> Option<usize> {
    let n = c as u32;
    (TOKEN_BASE..TOKEN_BASE + 0x10000)
        .contains(&n)
        .then(|| (n - TOKEN_BASE) as usize)
}

/// The text of a paragraph for finding return types: type mentions become tokens, line breaks
/// `\n`.
fn return_pieces(node: ego_tree::NodeRef<Node>, text: &mut String, tokens: &mut Vec<String>) {
    const SCALARS: [&str; 6] = ["True", "Int", "Integer", "String", "Boolean", "Float"];
    static TYPE_NAME: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[A-Z][A-Za-z0-9]*$").unwrap());
    for child in node.children() {
        match child.value() {
            Node::Text(t) => text.push_str(&collapse(&normalize_text(t))),
            Node::Element(e) => {
                let el = ElementRef::wrap(child).expect("an element node");
                let inner = collapse(&el.text().collect::<String>()).trim().to_string();
                let is_type_link = e.name() == "a"
                    && TYPE_NAME.is_match(&inner)
                    && e.attr("href") == Some(&format!("#{}", inner.to_lowercase()));
                let is_scalar = matches!(e.name(), "em" | "i") && SCALARS.contains(&inner.as_str());
                if is_type_link || is_scalar {
                    let c = char::from_u32(TOKEN_BASE + tokens.len() as u32)
                        .expect("a private-use character");
                    tokens.push(inner);
                    text.push(c);
                } else if e.name() == "br" {
                    text.push('\n');
                } else {
                    return_pieces(child, text, tokens);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
