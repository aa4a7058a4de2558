//! Rustdoc from the spec's Markdown descriptions: Telegram type names become intra-doc links,
//! bare URLs become autolinks, and each item ends with its official documentation URL.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;

/// What a word in a description can link to.
#[derive(Default)]
pub struct Linker {
    /// Type name to its Rust path.
    pub types: BTreeMap<String, String>,
    /// Official method name to the Rust path of its `Bot` method.
    pub methods: BTreeMap<String, String>,
}

impl Linker {
    /// Converts a Markdown description to rustdoc Markdown.
    pub fn render(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while !rest.is_empty() {
            // Markdown links and code spans pass through untouched.
            if rest.starts_with('[')
                && let Some(len) = markdown_link_len(rest)
            {
                out.push_str(&rest[..len]);
                rest = &rest[len..];
                continue;
            }
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
                if let (Some(path), false) = (self.types.get(word), glued) {
                    out.push_str(&format!("[`{word}`]({path})"));
                } else if let (Some(path), false) = (self.methods.get(word), glued) {
                    out.push_str(&format!("[`{word}`]({path})"));
                } else {
                    out.push_str(word);
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

fn prev_is_word(out: &str) -> bool {
    out.chars()
        .next_back()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Length of a `[text](url)` link at the start of `s`.
fn markdown_link_len(s: &str) -> Option<usize> {
    let close = s.find("](")?;
    if s[1..close].contains('\n') {
        return None;
    }
    let end = s[close + 2..].find(')')?;
    let url = &s[close + 2..close + 2 + end];
    (!url.contains(char::is_whitespace)).then_some(close + 2 + end + 1)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn linker() -> Linker {
        let mut l = Linker::default();
        l.types.insert("Message".into(), "crate::Message".into());
        l.types.insert("User".into(), "crate::User".into());
        l.methods
            .insert("sendMessage".into(), "crate::Bot::send_message".into());
        l
    }

    #[test]
    fn links_type_and_method_names() {
        assert_eq!(
            linker().render("On success, the sent Message is returned. Use sendMessage."),
            "On success, the sent [`Message`](crate::Message) is returned. Use [`sendMessage`](crate::Bot::send_message)."
        );
        assert_eq!(
            linker().render("Messages and UserProfile"),
            "Messages and UserProfile"
        );
    }

    #[test]
    fn keeps_escapes_and_autolinks() {
        let escaped =
            r#"Pass "attach://\<file_attach_name\>" \[1\] see https://core.telegram.org/bots."#;
        assert_eq!(
            linker().render(escaped),
            r#"Pass "attach://\<file_attach_name\>" \[1\] see <https://core.telegram.org/bots>."#
        );
        assert_eq!(
            linker().render(r"a tg://user?id=\<user_id\> link, \*User\*"),
            r"a tg://user?id=\<user_id\> link, \*[`User`](crate::User)\*"
        );
    }

    #[test]
    fn keeps_markdown_links_and_code() {
        assert_eq!(
            linker().render("See [Message](https://x.y/#m) and `Message`."),
            "See [Message](https://x.y/#m) and `Message`."
        );
    }

    #[test]
    fn doc_lines() {
        let attrs = doc_attrs(&["One.\n\nTwo.".into()], Some("https://u"));
        let text = attrs.to_string();
        assert!(text.contains("\" One.\""), "{text}");
        assert!(text.contains("\" <https://u>\""), "{text}");
    }
}
