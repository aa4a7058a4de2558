//! Rustdoc from the spec's Markdown descriptions: links to the official sections of types and
//! methods become intra-doc links, bare URLs become autolinks, and each item (not each field or
//! setter) ends with its official documentation URL.
//!
//! Only what the source linked is linked. A description imported from the official page keeps
//! the page's links as Markdown, and those are the only ones followed: a word that merely equals
//! a type name ("File identifier", "Video width") stays a word. The community scrape has lost the
//! page's links; from its plain text only names that cannot be English words are linked: type
//! names of two or more words (`InlineKeyboardMarkup`) and camelCase method names
//! (`sendMessage`), and in a method's description the types it returns ("the sent Message is
//! returned"), which the page always links. On the 9.2 page, 153 of the 157 multi-word type
//! names in prose are links, against 62 of 275 one-word names, which is why other one-word
//! names are never linked from plain text.
//! Nothing links to the item being documented.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;

/// What a description can link to.
#[derive(Default)]
pub struct Linker {
    /// Type name to its Rust path.
    pub types: BTreeMap<String, String>,
    /// Official method name to the Rust path of its `Bot` method.
    pub methods: BTreeMap<String, String>,
    /// Official section URL (`https://core.telegram.org/bots/api#message`) to the name of the
    /// type or method it documents.
    pub sections: BTreeMap<String, String>,
    /// Whether descriptions are plain text without the page's links (the community scrape).
    pub plain_text: bool,
}

impl Linker {
    /// The Rust path of a type or method name, unless it is `this`, the item being documented.
    fn path_of(&self, name: &str, this: &str) -> Option<&str> {
        if name == this {
            return None;
        }
        self.types
            .get(name)
            .or_else(|| self.methods.get(name))
            .map(String::as_str)
    }

    /// Whether a bare word of plain text is taken for a link to a type or method: a name that
    /// cannot be an English word.
    fn links_bare(&self, word: &str) -> bool {
        let capitals = word.chars().filter(char::is_ascii_uppercase).count();
        (self.types.contains_key(word) && capitals >= 2)
            || (self.methods.contains_key(word)
                && word.starts_with(|c: char| c.is_ascii_lowercase())
                && capitals >= 1)
    }

    /// Converts a Markdown description to rustdoc Markdown, in the documentation of `this` (a
    /// type or method name; links to it are dropped).
    pub fn render(&self, text: &str, this: &str) -> String {
        self.render_returning(text, this, &[])
    }

    /// [`render`](Self::render) for a method's description: from plain text, the names of the
    /// types it returns link too.
    pub fn render_returning(&self, text: &str, this: &str, returns: &[String]) -> String {
        let mut out = String::new();
        let mut rest = text;
        while !rest.is_empty() {
            if rest.starts_with('[')
                && let Some((len, label, url)) = markdown_link(rest)
            {
                match self.sections.get(url) {
                    // A link to an official section of a type or method: an intra-doc link.
                    Some(name) => {
                        let label = if label == name {
                            format!("`{label}`")
                        } else {
                            label.to_string()
                        };
                        match self.path_of(name, this) {
                            Some(path) => out.push_str(&format!("[{label}]({path})")),
                            None => out.push_str(&label),
                        }
                    }
                    None => out.push_str(&rest[..len]),
                }
                rest = &rest[len..];
                continue;
            }
            // Code spans pass through untouched.
            if rest.starts_with('`')
                && let Some(end) = rest[1..].find('`')
            {
                out.push_str(&rest[..end + 2]);
                rest = &rest[end + 2..];
                continue;
            }
            if rest.starts_with("http://") || rest.starts_with("https://") {
                let len = url_len(rest);
                out.push('<');
                out.push_str(&rest[..len]);
                out.push('>');
                rest = &rest[len..];
                continue;
            }
            let c = rest.chars().next().unwrap();
            if c.is_ascii_alphabetic() && !prev_is_word(&out) {
                let len = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                let word = &rest[..len];
                let after = rest[len..].chars().next();
                // A word glued to a path or URL (`tg://user`) is not a name.
                let glued = matches!(after, Some('/' | ':' | '@' | '.'))
                    && rest[len..]
                        .chars()
                        .nth(1)
                        .is_some_and(|c| !c.is_whitespace());
                let bare = self.links_bare(word) || returns.iter().any(|r| r == word);
                let path = (self.plain_text && !glued && bare)
                    .then(|| self.path_of(word, this))
                    .flatten();
                match path {
                    Some(path) => out.push_str(&format!("[`{word}`]({path})")),
                    None => out.push_str(word),
                }
                rest = &rest[len..];
                continue;
            }
            // A backslash escape stays as written, with the character it escapes.
            if c == '\\'
                && let Some(next) = rest[1..].chars().next()
            {
                out.push(c);
                out.push(next);
                rest = &rest[1 + next.len_utf8()..];
                continue;
            }
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
        out
    }
}

/// "a" or "an" before a name, as it is read aloud (`an Update`, `a User`).
pub fn article(name: &str) -> &'static str {
    // A "u" read as "you" (`User`, `UniqueGift`) takes "a".
    let you = ["Us", "Uni", "us", "uni"]
        .iter()
        .any(|p| name.starts_with(p));
    if name.starts_with(['A', 'E', 'I', 'O', 'U', 'a', 'e', 'i', 'o', 'u']) && !you {
        "an"
    } else {
        "a"
    }
}

/// A parameter's or field's description without "JSON-serialized", for a value the crate
/// encodes itself (an object, array or union typed as such): the note is about the wire form of
/// text, which the user of a typed value never writes.
pub fn drop_json_serialized(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("JSON-serialized ") {
        let (before, after) = rest.split_at(at);
        let after = &after["JSON-serialized ".len()..];
        let next_vowel = after.starts_with(['A', 'E', 'I', 'O', 'U', 'a', 'e', 'i', 'o', 'u']);
        // Adjust the article before it: "A JSON-serialized object" -> "An object".
        let before = match before
            .strip_suffix("A ")
            .or_else(|| before.strip_suffix("a "))
        {
            Some(stem) if stem.is_empty() || stem.ends_with(char::is_whitespace) => {
                let capital = before.ends_with("A ");
                let art = match (capital, next_vowel) {
                    (true, true) => "An ",
                    (true, false) => "A ",
                    (false, true) => "an ",
                    (false, false) => "a ",
                };
                format!("{stem}{art}")
            }
            _ => before.to_string(),
        };
        out.push_str(&before);
        // "A JSON-serialized Array of" -> "An array of".
        match after.strip_prefix("Array") {
            Some(tail) => {
                out.push_str("array");
                rest = tail;
            }
            None => rest = after,
        }
    }
    out.push_str(rest);
    out
}

fn prev_is_word(out: &str) -> bool {
    out.chars()
        .next_back()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A `[label](url)` link at the start of `s`: its length, label and URL.
fn markdown_link(s: &str) -> Option<(usize, &str, &str)> {
    let close = s.find("](")?;
    let label = &s[1..close];
    if label.contains('\n') {
        return None;
    }
    let end = s[close + 2..].find(')')?;
    let url = &s[close + 2..close + 2 + end];
    (!url.contains(char::is_whitespace)).then_some((close + 2 + end + 1, label, url))
}

/// Length of a bare URL at the start of `s`, without trailing punctuation.
fn url_len(s: &str) -> usize {
    let mut len = s
        .find(|c: char| c.is_whitespace() || c == '"' || c == '<' || c == '>')
        .unwrap_or(s.len());
    while len > 0 && s[..len].ends_with(['.', ',', ';', ':', ')', '!', '?']) {
        len -= 1;
    }
    len
}

/// `#[doc = "..."]` attributes, one per line, for `paragraphs` (already rendered Markdown)
/// followed by the official URL.
pub fn doc_attrs(paragraphs: &[String], url: Option<&str>) -> TokenStream {
    let mut text = paragraphs
        .iter()
        .filter(|p| !p.trim().is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join("\n\n");
    if let Some(url) = url {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&format!("<{url}>"));
    }
    lines_to_attrs(&text)
}

/// `#[doc]` attributes for literal Markdown text.
pub fn lines_to_attrs(text: &str) -> TokenStream {
    let lines = text.lines().map(|l| {
        let line = if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        };
        quote!(#[doc = #line])
    });
    quote!(#(#lines)*)
}

/// The first paragraph of a description (for variants that repeat a type's summary).
pub fn summary(text: &str) -> &str {
    text.split("\n\n").next().unwrap_or(text)
}

/// The text of a `#[doc = "..."]` attribute; `None` for any other attribute.
pub fn doc_text(attr: &syn::Attribute) -> Option<String> {
    match &attr.meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("doc") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linker(plain_text: bool) -> Linker {
        let mut l = Linker {
            plain_text,
            ..Linker::default()
        };
        for (name, path) in [
            ("Message", "crate::Message"),
            ("User", "crate::User"),
            ("File", "crate::File"),
            ("InlineKeyboardMarkup", "crate::InlineKeyboardMarkup"),
        ] {
            l.types.insert(name.into(), path.into());
            l.sections.insert(
                format!("https://core.telegram.org/bots/api#{}", name.to_lowercase()),
                name.into(),
            );
        }
        l.methods
            .insert("sendMessage".into(), "crate::Bot::send_message".into());
        l.methods.insert("close".into(), "crate::Bot::close".into());
        l.sections.insert(
            "https://core.telegram.org/bots/api#sendmessage".into(),
            "sendMessage".into(),
        );
        l
    }

    const PAGE: &str = "The sent [Message](https://core.telegram.org/bots/api#message) is \
        returned; File identifier. Use [sendMessage](https://core.telegram.org/bots/api#sendmessage) \
        or [this user](https://core.telegram.org/bots/api#user).";

    #[test]
    fn page_links_become_intra_doc_links_and_nothing_else_links() {
        assert_eq!(
            linker(false).render(PAGE, "Chat"),
            "The sent [`Message`](crate::Message) is returned; File identifier. Use \
             [`sendMessage`](crate::Bot::send_message) or [this user](crate::User)."
        );
        // Bare names in a description that has the page's links are the page's choice.
        assert_eq!(
            linker(false).render(
                "An InlineKeyboardMarkup or Message, see sendMessage",
                "Chat"
            ),
            "An InlineKeyboardMarkup or Message, see sendMessage"
        );
    }

    #[test]
    fn nothing_links_to_the_item_documented() {
        assert_eq!(
            linker(false).render(PAGE, "Message"),
            "The sent `Message` is returned; File identifier. Use \
             [`sendMessage`](crate::Bot::send_message) or [this user](crate::User)."
        );
        assert_eq!(
            linker(false).render(PAGE, "User"),
            "The sent [`Message`](crate::Message) is returned; File identifier. Use \
             [`sendMessage`](crate::Bot::send_message) or this user."
        );
        assert_eq!(
            linker(true).render("Attach an InlineKeyboardMarkup", "InlineKeyboardMarkup"),
            "Attach an InlineKeyboardMarkup"
        );
    }

    #[test]
    fn plain_text_links_only_names_that_are_not_words() {
        assert_eq!(
            linker(true).render(
                "File identifier of the User. Attach an InlineKeyboardMarkup; see sendMessage, then close.",
                "Chat"
            ),
            "File identifier of the User. Attach an \
             [`InlineKeyboardMarkup`](crate::InlineKeyboardMarkup); see \
             [`sendMessage`](crate::Bot::send_message), then close."
        );
        assert_eq!(
            linker(true).render("InlineKeyboardMarkups and XInlineKeyboardMarkup", "Chat"),
            "InlineKeyboardMarkups and XInlineKeyboardMarkup"
        );
    }

    #[test]
    fn plain_text_links_what_a_method_returns() {
        let text = "On success, the sent Message is returned. Message and File identifier.";
        assert_eq!(
            linker(true).render_returning(text, "sendMessage", &["Message".into()]),
            "On success, the sent [`Message`](crate::Message) is returned. \
             [`Message`](crate::Message) and File identifier."
        );
        assert_eq!(
            linker(true).render(text, "sendMessage"),
            text,
            "without the return type, one-word names stay words"
        );
    }

    #[test]
    fn keeps_escapes_autolinks_other_links_and_code() {
        let escaped =
            r#"Pass "attach://\<file_attach_name\>" \[1\] see https://core.telegram.org/bots."#;
        assert_eq!(
            linker(true).render(escaped, "Chat"),
            r#"Pass "attach://\<file_attach_name\>" \[1\] see <https://core.telegram.org/bots>."#
        );
        assert_eq!(
            linker(true).render(
                r"a tg://user?id=\<user_id\> link, \*InlineKeyboardMarkup\*",
                "Chat"
            ),
            r"a tg://user?id=\<user_id\> link, \*[`InlineKeyboardMarkup`](crate::InlineKeyboardMarkup)\*"
        );
        assert_eq!(
            linker(true).render(
                "See [formatting](https://core.telegram.org/bots/api#formatting-options) and `InlineKeyboardMarkup`.",
                "Chat"
            ),
            "See [formatting](https://core.telegram.org/bots/api#formatting-options) and `InlineKeyboardMarkup`."
        );
    }

    #[test]
    fn json_serialized_goes_where_the_value_is_typed() {
        assert_eq!(
            drop_json_serialized("A JSON-serialized object for an inline keyboard"),
            "An object for an inline keyboard"
        );
        assert_eq!(
            drop_json_serialized("A JSON-serialized list of button rows"),
            "A list of button rows"
        );
        assert_eq!(
            drop_json_serialized(
                "Pass a JSON-serialized Array of users, or a JSON-serialized object"
            ),
            "Pass an array of users, or an object"
        );
        assert_eq!(drop_json_serialized("No note here"), "No note here");
    }

    #[test]
    fn articles() {
        assert_eq!(article("Update"), "an");
        assert_eq!(article("User"), "a");
        assert_eq!(article("UniqueGift"), "a");
        assert_eq!(article("InputMedia"), "an");
        assert_eq!(article("Message"), "a");
    }

    #[test]
    fn doc_lines() {
        let attrs = doc_attrs(&["One.\n\nTwo.".into()], Some("https://u"));
        let text = attrs.to_string();
        assert!(text.contains("\" One.\""), "{text}");
        assert!(text.contains("\" <https://u>\""), "{text}");
    }
}
