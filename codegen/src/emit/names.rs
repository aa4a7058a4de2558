//! How Bot API names become Rust names. One function per kind of name, used everywhere.

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span};

/// Rust keywords, which need the raw form (`r#type`) as identifiers.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers either.
const FORBIDDEN: &[&str] = &["crate", "self", "Self", "super", "_"];

/// The identifier for a field, parameter or method named `name` in snake_case: the official
/// name itself, in raw form when it is a keyword (`type` is `r#type`).
pub fn snake_ident(name: &str) -> Result<Ident, String> {
    if FORBIDDEN.contains(&name) {
        return Err(format!("{name:?} cannot be a Rust identifier"));
    }
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!("{name:?} is not a snake_case name"));
    }
    Ok(if KEYWORDS.contains(&name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    })
}

/// The identifier for a type named `name` (official names are already UpperCamelCase).
pub fn type_ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// The snake_case form of an official camelCase method name (`sendMessage` -> `send_message`).
pub fn method_snake(name: &str) -> String {
    name.to_snake_case()
}

/// UpperCamelCase of a snake_case or camelCase name.
pub fn camel(name: &str) -> String {
    name.to_upper_camel_case()
}

/// The variant name for a string enumeration value: UpperCamelCase of the value, or of the
/// Unicode names of its characters for emoji (`"🎲"` is `GameDie`).
pub fn value_variant(value: &str) -> Result<String, String> {
    let ascii_word = value.chars().any(|c| c.is_ascii_alphabetic())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-/ .".contains(c));
    let name = if ascii_word {
        value
            .split(|c: char| "/ .".contains(c))
            .map(|part| part.to_upper_camel_case())
            .collect::<String>()
    } else if value.chars().all(|c| !c.is_ascii()) {
        value
            .chars()
            // Joiners and presentation selectors carry no meaning of their own.
            .filter(|c| !matches!(c, '\u{200D}' | '\u{FE0E}' | '\u{FE0F}'))
            .map(|c| {
                unicode_names2::name(c)
                    .map(|n| n.to_string().to_lowercase().to_upper_camel_case())
                    .ok_or_else(|| format!("no Unicode name for {c:?} in {value:?}"))
            })
            .collect::<Result<String, String>>()?
    } else {
        String::new()
    };
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_uppercase()) {
        return Err(format!(
            "value {value:?} does not make a name; give it one in the enum's override"
        ));
    }
    Ok(name)
}

/// Variant names for the members of a union: the member names without the words all of them
/// share at the start (`ChatMemberOwner` in `ChatMember` is `Owner`), and at the end when that
/// leaves every name non-empty (`InputTextMessageContent` is `Text`).
pub fn member_variants(members: &[&str]) -> Vec<String> {
    let words: Vec<Vec<String>> = members.iter().map(|m| split_words(m)).collect();
    if members.len() < 2 {
        return members.iter().map(|m| m.to_string()).collect();
    }
    let shortest = words.iter().map(Vec::len).min().unwrap_or(0);
    let mut prefix = 0;
    while prefix < shortest && words.iter().all(|w| w[prefix] == words[0][prefix]) {
        prefix += 1;
    }
    let mut suffix = 0;
    while suffix < shortest - prefix
        && words
            .iter()
            .all(|w| w[w.len() - 1 - suffix] == words[0][words[0].len() - 1 - suffix])
    {
        suffix += 1;
    }
    let cut = |p: usize, s: usize| -> Option<Vec<String>> {
        let names: Vec<String> = words.iter().map(|w| w[p..w.len() - s].concat()).collect();
        let ok = names
            .iter()
            .all(|n| n.starts_with(|c: char| c.is_ascii_uppercase()));
        ok.then_some(names)
    };
    cut(prefix, suffix)
        .or_else(|| cut(prefix, 0))
        .or_else(|| cut(0, 0))
        .unwrap_or_else(|| members.iter().map(|m| m.to_string()).collect())
}

/// Splits an UpperCamelCase name into its words (`InputMediaPhoto` -> `Input`, `Media`, `Photo`).
fn split_words(name: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() || words.is_empty() {
            words.push(String::new());
        }
        words.last_mut().unwrap().push(c);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_become_raw_identifiers() {
        assert_eq!(snake_ident("type").unwrap().to_string(), "r#type");
        assert_eq!(snake_ident("from").unwrap().to_string(), "from");
        assert_eq!(snake_ident("message_id").unwrap().to_string(), "message_id");
        assert!(snake_ident("self").is_err());
        assert!(snake_ident("bad-name").is_err());
    }

    #[test]
    fn method_names_round_trip() {
        assert_eq!(method_snake("sendMessage"), "send_message");
        assert_eq!(method_snake("getMe"), "get_me");
        assert_eq!(
            method_snake("setMyShortDescription"),
            "set_my_short_description"
        );
    }

    #[test]
    fn value_variants() {
        assert_eq!(value_variant("private").unwrap(), "Private");
        assert_eq!(value_variant("bot_command").unwrap(), "BotCommand");
        assert_eq!(value_variant("HTML").unwrap(), "Html");
        assert_eq!(value_variant("MarkdownV2").unwrap(), "MarkdownV2");
        assert_eq!(value_variant("image/jpeg").unwrap(), "ImageJpeg");
        assert_eq!(value_variant("🎲").unwrap(), "GameDie");
        assert_eq!(value_variant("❤\u{200D}🔥").unwrap(), "HeavyBlackHeartFire");
        assert!(value_variant("1").is_err());
        assert!(value_variant("").is_err());
    }

    #[test]
    fn member_variant_names() {
        assert_eq!(
            member_variants(&["ChatMemberOwner", "ChatMemberBanned"]),
            ["Owner", "Banned"]
        );
        assert_eq!(
            member_variants(&["InputTextMessageContent", "InputVenueMessageContent"]),
            ["Text", "Venue"]
        );
        assert_eq!(
            member_variants(&["Message", "InaccessibleMessage"]),
            ["Message", "InaccessibleMessage"]
        );
        assert_eq!(
            member_variants(&[
                "ReactionTypeEmoji",
                "ReactionTypeCustomEmoji",
                "ReactionTypePaid"
            ]),
            ["Emoji", "CustomEmoji", "Paid"]
        );
        assert_eq!(
            member_variants(&["ReactionTypeEmoji", "ReactionTypeCustomEmoji"]),
            ["Emoji", "CustomEmoji"]
        );
    }
}
