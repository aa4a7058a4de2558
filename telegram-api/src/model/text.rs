//! Text helpers: escaping for `MarkdownV2` and HTML, user mentions, deep links, and splitting a
//! long text at Telegram's length limit.
//!
//! ```
//! use telegram_api::text;
//!
//! // Anything a user typed, shown in bold, whatever it contains:
//! let name = "Ann (admin) *";
//! let markdown = format!("Hi *{}*!", text::escape_markdown_v2(name));
//! assert_eq!(markdown, r"Hi *Ann \(admin\) \**!");
//! let html = format!("Hi <b>{}</b>!", text::escape_html("Tom & <Jerry>"));
//! assert_eq!(html, "Hi <b>Tom &amp; &lt;Jerry&gt;</b>!");
//!
//! // Lengths as Telegram counts them: in UTF-16 code units.
//! assert_eq!(text::utf16_len("héllo 👋"), 8);
//! ```
//!
//! The rules are the Bot API's own ("Formatting options" in its documentation): in `MarkdownV2`
//! every character of `` _*[]()~`>#+-=|{}.! `` and the backslash is escaped with a backslash
//! outside entities, only `` ` `` and `\` inside `code` and `pre`, only `)` and `\` inside the URL
//! of an inline link; in HTML, `<`, `>` and `&` (and `"`, for attribute values) become entities.

use std::fmt;

use crate::MessageEntity;

/// The longest text of a message, in UTF-16 code units after entities are parsed.
pub const MESSAGE_LIMIT: usize = 4096;

/// The longest caption of a media message, in UTF-16 code units after entities are parsed.
pub const CAPTION_LIMIT: usize = 1024;

/// The longest payload of a deep link (`?start=` or `?startgroup=`).
pub const DEEP_LINK_PAYLOAD_LIMIT: usize = 64;

/// The characters `MarkdownV2` reserves outside entities.
const MARKDOWN_V2_SPECIAL: &str = "\\_*[]()~`>#+-=|{}.!";

/// Escapes `text` for the `MarkdownV2` parse mode, outside `code`, `pre` and link URLs: every
/// reserved character is preceded by a backslash, so the text shows exactly as given.
pub fn escape_markdown_v2(text: &str) -> String {
    escape_with_backslash(text, MARKDOWN_V2_SPECIAL)
}

/// Escapes `text` for the inside of a `MarkdownV2` `code` or `pre` entity (`` ` `` and `\`).
pub fn escape_markdown_v2_code(text: &str) -> String {
    escape_with_backslash(text, "\\`")
}

/// Escapes a URL for the `(...)` part of a `MarkdownV2` inline link or custom emoji
/// (`)` and `\`).
pub fn escape_markdown_v2_url(url: &str) -> String {
    escape_with_backslash(url, "\\)")
}

fn escape_with_backslash(text: &str, special: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        if special.contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Escapes `text` for the HTML parse mode: `<`, `>`, `&` and `"` become `&lt;`, `&gt;`,
/// `&amp;` and `&quot;`, so the text shows exactly as given, also inside an attribute value
/// such as a link's `href`.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// A `MarkdownV2` mention of the user `user_id`, shown as `name` (escaped here): it notifies
/// the user and links to them even when they have no username.
///
/// ```
/// assert_eq!(
///     telegram_api::text::mention_markdown_v2(1234567890, "John [JD]"),
///     r"[John \[JD\]](tg://user?id=1234567890)"
/// );
/// ```
pub fn mention_markdown_v2(user_id: i64, name: &str) -> String {
    format!("[{}](tg://user?id={user_id})", escape_markdown_v2(name))
}

/// An HTML mention of the user `user_id`, shown as `name` (escaped here).
///
/// ```
/// assert_eq!(
///     telegram_api::text::mention_html(1234567890, "<John>"),
///     r#"<a href="tg://user?id=1234567890">&lt;John&gt;</a>"#
/// );
/// ```
pub fn mention_html(user_id: i64, name: &str) -> String {
    format!(
        "<a href=\"tg://user?id={user_id}\">{}</a>",
        escape_html(name)
    )
}

/// Why a deep link could not be made.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeepLinkError {
    /// The bot's username is empty or has a character other than `A-Z`, `a-z`, `0-9` and `_`.
    InvalidUsername,
    /// The payload is empty or longer than [`DEEP_LINK_PAYLOAD_LIMIT`] characters.
    InvalidLength(usize),
    /// The payload has a character other than `A-Z`, `a-z`, `0-9`, `_` and `-` (encode binary
    /// or longer data, for instance as base64url, or keep it server-side under a short key).
    InvalidCharacter(char),
}

impl fmt::Display for DeepLinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeepLinkError::InvalidUsername => write!(f, "invalid bot username"),
            DeepLinkError::InvalidLength(n) => write!(
                f,
                "a deep link payload has 1 to {DEEP_LINK_PAYLOAD_LIMIT} characters, not {n}"
            ),
            DeepLinkError::InvalidCharacter(c) => write!(
                f,
                "a deep link payload has only A-Z, a-z, 0-9, _ and -, not {c:?}"
            ),
        }
    }
}

impl std::error::Error for DeepLinkError {}

/// A link that opens a private chat with the bot and sends `/start <payload>` when the user
/// presses Start (`https://t.me/<bot_username>?start=<payload>`). The username may start with
/// `@`; the payload has 1 to 64 characters of `A-Z`, `a-z`, `0-9`, `_` and `-`.
///
/// ```
/// use telegram_api::text::{deep_link, DeepLinkError};
/// assert_eq!(deep_link("@hello_bot", "ref-42").unwrap(), "https://t.me/hello_bot?start=ref-42");
/// assert_eq!(deep_link("hello_bot", "a b"), Err(DeepLinkError::InvalidCharacter(' ')));
/// ```
///
/// # Errors
///
/// Fails with [`DeepLinkError::InvalidUsername`] when the username is empty or has characters other
/// than `A-Z`, `a-z`, `0-9` and `_`, [`DeepLinkError::InvalidLength`] or
/// [`DeepLinkError::InvalidCharacter`] when the payload breaks the rules above.
pub fn deep_link(bot_username: &str, payload: &str) -> Result<String, DeepLinkError> {
    link_with(bot_username, "start", payload)
}

/// A link that asks the user to add the bot to a group, then sends `/start <payload>` there
/// (`https://t.me/<bot_username>?startgroup=<payload>`), with the rules of [`deep_link`].
///
/// # Errors
///
/// Fails as [`deep_link`] does: with [`DeepLinkError`] for a username or a payload that breaks its
/// rules.
pub fn deep_link_group(bot_username: &str, payload: &str) -> Result<String, DeepLinkError> {
    link_with(bot_username, "startgroup", payload)
}

fn link_with(bot_username: &str, parameter: &str, payload: &str) -> Result<String, DeepLinkError> {
    let username = bot_username.strip_prefix('@').unwrap_or(bot_username);
    if username.is_empty()
        || !username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(DeepLinkError::InvalidUsername);
    }
    let length = payload.chars().count();
    if length == 0 || length > DEEP_LINK_PAYLOAD_LIMIT {
        return Err(DeepLinkError::InvalidLength(length));
    }
    if let Some(c) = payload
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
    {
        return Err(DeepLinkError::InvalidCharacter(c));
    }
    Ok(format!("https://t.me/{username}?{parameter}={payload}"))
}

/// The length of `text` as Telegram counts it: in UTF-16 code units (a character outside the
/// Basic Multilingual Plane, such as most emoji, counts 2). Entity offsets and lengths, and the
/// limits of texts and captions, use this unit.
pub fn utf16_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

/// One part of a text split by [`split`]: its text and the entities that fall in it, with
/// offsets from the start of the part.
#[derive(Clone, Debug, PartialEq)]
pub struct TextPart {
    /// The text of this part.
    pub text: String,
    /// The entities of this part, offsets counted from its start, in UTF-16 code units.
    pub entities: Vec<MessageEntity>,
}

/// Splits a text with its entities into parts of at most `limit` UTF-16 code units each
/// ([`MESSAGE_LIMIT`] for a message, [`CAPTION_LIMIT`] for a caption), to be sent one after the
/// other.
///
/// Where each part ends is chosen in this order: after a line break in the second half of the
/// part, after a space, after any line break, anywhere else; never inside an entity (a link, a
/// bold word, a code block...) unless the entity alone is longer than `limit`, in which case it is
/// continued as an entity of the same kind in the next part; never between a character and the
/// modifier or joiner that follows it (an emoji with a skin tone or a family emoji stays whole
/// where the limit allows). No character is dropped: joining the parts' texts gives back `text`.
///
/// Entities that point outside the text are clipped to it. A `limit` below 2 is taken as 2, so
/// every character fits.
///
/// ```
/// use telegram_api::MessageEntity;
/// use telegram_api::text::split;
///
/// let bold = MessageEntity::new("bold", 6, 5); // "world"
/// let parts = split("hello world and more", &[bold], 12);
/// assert_eq!(parts[0].text, "hello world ");
/// assert_eq!(parts[1].text, "and more");
/// assert_eq!((parts[0].entities[0].offset, parts[0].entities[0].length), (6, 5));
/// ```
pub fn split(text: &str, entities: &[MessageEntity], limit: usize) -> Vec<TextPart> {
    let limit = limit.max(2);
    // Every char boundary: (byte index, UTF-16 position), including the end of the text.
    let mut bounds: Vec<(usize, usize)> = Vec::with_capacity(text.len() + 1);
    let mut units = 0;
    for (i, c) in text.char_indices() {
        bounds.push((i, units));
        units += c.len_utf16();
    }
    bounds.push((text.len(), units));
    let total = units;

    // Entities as (start, end) in UTF-16 units, clipped to the text.
    let spans: Vec<(usize, usize)> = entities
        .iter()
        .map(|e| {
            let start = clamp_units(e.offset, total);
            let end = clamp_units(e.offset.saturating_add(e.length), total).max(start);
            (start, end)
        })
        .collect();

    let mut parts = Vec::new();
    let mut first = 0; // index into `bounds` of the part's start
    loop {
        let (start_byte, start) = bounds[first];
        let last = if total - start <= limit {
            bounds.len() - 1
        } else {
            choose_end(text, &bounds, &spans, first, start + limit)
        };
        let (end_byte, end) = bounds[last];
        let part_entities = entities
            .iter()
            .zip(&spans)
            .filter_map(|(entity, &(s, e))| {
                let (s, e) = (s.max(start), e.min(end));
                (s < e).then(|| {
                    let mut entity = entity.clone();
                    entity.offset = (s - start) as i64;
                    entity.length = (e - s) as i64;
                    entity
                })
            })
            .collect();
        parts.push(TextPart {
            text: text[start_byte..end_byte].to_owned(),
            entities: part_entities,
        });
        if last == bounds.len() - 1 {
            return parts;
        }
        first = last;
    }
}

fn clamp_units(value: i64, total: usize) -> usize {
    usize::try_from(value.max(0)).map_or(total, |v| v.min(total))
}

/// The index in `bounds` where the part starting at `bounds[first]` ends, at most at UTF-16
/// position `max`.
fn choose_end(
    text: &str,
    bounds: &[(usize, usize)],
    spans: &[(usize, usize)],
    first: usize,
    max: usize,
) -> usize {
    let start = bounds[first].1;
    // The candidates: boundaries after the start, up to `max`, latest first.
    let last_fitting = bounds.partition_point(|&(_, u)| u <= max) - 1;
    let candidates = (first + 1..=last_fitting).rev();
    let char_before = |i: usize| text[..bounds[i].0].chars().next_back();
    let char_after = |i: usize| text[bounds[i].0..].chars().next();
    let outside_entities = |i: usize| {
        !spans
            .iter()
            .any(|&(s, e)| s < bounds[i].1 && bounds[i].1 < e)
    };
    let keeps_cluster = |i: usize| {
        !char_after(i).is_some_and(continues_cluster) && char_before(i) != Some('\u{200D}')
    };
    let half = start + (max - start) / 2;
    let rules: [&dyn Fn(usize) -> bool; 4] = [
        &|i| bounds[i].1 > half && char_before(i) == Some('\n'),
        &|i| char_before(i).is_some_and(char::is_whitespace),
        &|i| char_before(i) == Some('\n'),
        &|_| true,
    ];
    for rule in rules {
        if let Some(i) = candidates
            .clone()
            .find(|&i| outside_entities(i) && keeps_cluster(i) && rule(i))
        {
            return i;
        }
    }
    // Inside an entity longer than the limit: the best place within it, then anywhere.
    for rule in rules {
        if let Some(i) = candidates.clone().find(|&i| keeps_cluster(i) && rule(i)) {
            return i;
        }
    }
    last_fitting
}

/// Whether `c` belongs to the character before it on screen: a joiner, a variation selector, a
/// skin-tone modifier, a combining mark or an emoji tag.
fn continues_cluster(c: char) -> bool {
    matches!(c,
        '\u{200D}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{1F3FB}'..='\u{1F3FF}'
        | '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}'
        | '\u{E0020}'..='\u{E007F}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MessageEntityType;

    /// Reads `MarkdownV2` text back as Telegram's parser would for plain text: a backslash
    /// makes the next character ordinary; an unescaped reserved character starts markup.
    /// Returns the shown text, or the first unescaped reserved character.
    fn parse_markdown_v2_plain(markup: &str) -> Result<String, char> {
        let mut shown = String::new();
        let mut chars = markup.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some(next) if (1..=126).contains(&(next as u32)) => shown.push(next),
                    _ => return Err('\\'),
                }
            } else if MARKDOWN_V2_SPECIAL.contains(c) {
                return Err(c);
            } else {
                shown.push(c);
            }
        }
        Ok(shown)
    }

    /// Reads HTML text back: the four entities the Bot API supports by name, numeric
    /// entities, and no raw `<`, `>` or `&`.
    fn parse_html_plain(markup: &str) -> Result<String, char> {
        let mut shown = String::new();
        let mut rest = markup;
        while let Some(c) = rest.chars().next() {
            match c {
                '<' | '>' => return Err(c),
                '&' => {
                    let end = rest.find(';').ok_or('&')?;
                    shown.push(match &rest[1..end] {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "quot" => '"',
                        _ => return Err('&'),
                    });
                    rest = &rest[end + 1..];
                    continue;
                }
                c => shown.push(c),
            }
            rest = &rest[c.len_utf8()..];
        }
        Ok(shown)
    }

    const SAMPLES: &[&str] = &[
        "_*[]()~`>#+-=|{}.!\\",
        "plain text",
        "C:\\path\\to (1).txt",
        "price: 5.00$ - 10% off! [limited]",
        "<b>not bold</b> & \"quoted\" 'single'",
        "👋 héllo 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}",
        "",
    ];

    #[test]
    fn markdown_v2_escapes_every_documented_character() {
        for c in "_*[]()~`>#+-=|{}.!".chars() {
            assert_eq!(escape_markdown_v2(&c.to_string()), format!("\\{c}"));
        }
        assert_eq!(escape_markdown_v2("\\"), "\\\\");
        for &sample in SAMPLES {
            let escaped = escape_markdown_v2(sample);
            assert_eq!(parse_markdown_v2_plain(&escaped), Ok(sample.to_owned()));
        }
        // Unescaped, the parser sees markup.
        assert_eq!(parse_markdown_v2_plain("5.00"), Err('.'));
    }

    #[test]
    fn markdown_v2_code_and_url() {
        assert_eq!(escape_markdown_v2_code("a`b\\c*d"), "a\\`b\\\\c*d");
        assert_eq!(
            escape_markdown_v2_url("https://e.com/a_(b)\\"),
            "https://e.com/a_(b\\)\\\\"
        );
    }

    #[test]
    fn html_escapes() {
        assert_eq!(
            escape_html("<a href=\"x\">&</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;"
        );
        for &sample in SAMPLES {
            assert_eq!(
                parse_html_plain(&escape_html(sample)),
                Ok(sample.to_owned())
            );
        }
        assert_eq!(parse_html_plain("a < b"), Err('<'));
    }

    #[test]
    fn mentions() {
        assert_eq!(mention_markdown_v2(42, "A.B"), "[A\\.B](tg://user?id=42)");
        assert_eq!(
            mention_html(-1, "\"q\""),
            "<a href=\"tg://user?id=-1\">&quot;q&quot;</a>"
        );
    }

    #[test]
    fn deep_links() {
        let max = "a".repeat(64);
        assert_eq!(
            deep_link("hello_bot", &max).unwrap(),
            format!("https://t.me/hello_bot?start={max}")
        );
        assert_eq!(
            deep_link("hello_bot", &"a".repeat(65)),
            Err(DeepLinkError::InvalidLength(65))
        );
        assert_eq!(
            deep_link("hello_bot", ""),
            Err(DeepLinkError::InvalidLength(0))
        );
        assert_eq!(
            deep_link("hello_bot", "é"),
            Err(DeepLinkError::InvalidCharacter('é'))
        );
        assert_eq!(
            deep_link("hello_bot", "a=b"),
            Err(DeepLinkError::InvalidCharacter('='))
        );
        assert_eq!(deep_link("", "x"), Err(DeepLinkError::InvalidUsername));
        assert_eq!(deep_link("@", "x"), Err(DeepLinkError::InvalidUsername));
        assert_eq!(
            deep_link("bad bot", "x"),
            Err(DeepLinkError::InvalidUsername)
        );
        assert_eq!(
            deep_link_group("@Hello_Bot", "Az09_-").unwrap(),
            "https://t.me/Hello_Bot?startgroup=Az09_-"
        );
        assert!(DeepLinkError::InvalidLength(65).to_string().contains("64"));
    }

    #[test]
    fn utf16_lengths() {
        assert_eq!(utf16_len(""), 0);
        assert_eq!(utf16_len("abc"), 3);
        assert_eq!(utf16_len("é"), 1); // U+00E9: one unit, two UTF-8 bytes
        assert_eq!(utf16_len("€"), 1); // three UTF-8 bytes
        assert_eq!(utf16_len("👋"), 2); // astral: a surrogate pair
        assert_eq!(utf16_len("𝔘"), 2);
        // A family emoji: three astral characters and two joiners.
        assert_eq!(utf16_len("\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}"), 8);
        assert_eq!(utf16_len("👍🏽"), 4);
    }

    fn entity(kind: &str, offset: i64, length: i64) -> MessageEntity {
        MessageEntity::new(kind, offset, length)
    }

    /// The text an entity covers, in UTF-16 units.
    fn covered(text: &str, e: &MessageEntity) -> String {
        let units: Vec<u16> = text.encode_utf16().collect();
        let (s, l) = (e.offset as usize, e.length as usize);
        String::from_utf16(&units[s..s + l]).unwrap()
    }

    /// Checks what holds for every split: limits, nothing lost, entities cover the same text.
    fn check(text: &str, entities: &[MessageEntity], limit: usize) -> Vec<TextPart> {
        let parts = split(text, entities, limit);
        assert!(!parts.is_empty());
        let joined: String = parts.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(joined, text);
        for part in &parts {
            assert!(utf16_len(&part.text) <= limit.max(2), "{part:?}");
            for e in &part.entities {
                assert!(e.length > 0);
                assert!((e.offset + e.length) as usize <= utf16_len(&part.text));
            }
        }
        // Every entity's text is the concatenation of its pieces, in order.
        for original in entities {
            let pieces: String = parts
                .iter()
                .flat_map(|p| {
                    p.entities
                        .iter()
                        .filter(|e| e.r#type == original.r#type)
                        .map(|e| covered(&p.text, e))
                })
                .collect();
            assert!(pieces.contains(&covered(text, original)));
        }
        parts
    }

    #[test]
    fn short_text_is_one_part() {
        let parts = check("hi", &[entity("bold", 0, 2)], MESSAGE_LIMIT);
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].entities, vec![entity("bold", 0, 2)]);
        assert_eq!(
            split("", &[], 10),
            vec![TextPart {
                text: String::new(),
                entities: vec![]
            }]
        );
    }

    #[test]
    fn splits_after_words_and_lines() {
        let parts = check("aaaa bbbb cccc", &[], 7);
        assert_eq!(
            parts.iter().map(|p| p.text.as_str()).collect::<Vec<_>>(),
            ["aaaa ", "bbbb ", "cccc"]
        );
        // A line break in the second half wins over a later space.
        let parts = check("aaaaaa\nbb cc dd", &[], 10);
        assert_eq!(parts[0].text, "aaaaaa\n");
        // In the first half, a later space wins.
        let parts = check("a\nbbbb cccc dddd", &[], 10);
        assert_eq!(parts[0].text, "a\nbbbb ");
        // No space at all: cut at the limit.
        let parts = check("abcdefghij", &[], 4);
        assert_eq!(parts[0].text, "abcd");
    }

    #[test]
    fn never_inside_an_entity_that_fits() {
        let text = "see https://example.com/long now";
        let link = entity("url", 4, 24);
        // The limit falls inside the link: the part ends before it.
        let parts = check(text, &[link], 26);
        assert_eq!(parts[0].text, "see ");
        assert_eq!(parts[1].entities[0].offset, 0);
        assert_eq!(parts[1].entities[0].length, 24);
        // A bold phrase with spaces is not cut at its spaces.
        let text = "intro: bold words here end";
        let bold = entity("bold", 7, 15); // "bold words here"
        let parts = check(text, &[bold], 18);
        assert_eq!(parts[0].text, "intro: ");
        assert_eq!(
            covered(&parts[1].text, &parts[1].entities[0]),
            "bold words here"
        );
    }

    #[test]
    fn an_entity_longer_than_the_limit_continues() {
        let text = "aa bb cc dd ee";
        let parts = check(text, &[entity("italic", 0, 14)], 6);
        assert!(parts.len() >= 3);
        for part in &parts {
            assert_eq!(part.entities.len(), 1);
            assert_eq!(part.entities[0].r#type, MessageEntityType::Italic);
            assert_eq!(part.entities[0].offset, 0);
            // Still cut after spaces.
            assert!(part.text.ends_with(' ') || part.text == "ee");
        }
    }

    #[test]
    fn astral_characters_and_clusters_stay_whole() {
        // Each 👋 is 2 units: a limit of 5 fits two, never half of one.
        let parts = check("👋👋👋👋👋", &[], 5);
        assert!(
            parts
                .iter()
                .all(|p| utf16_len(&p.text) == 4 || p.text == "👋")
        );
        // A skin tone modifier stays with its emoji.
        let parts = check("ab👍🏽cd", &[], 4);
        assert_eq!(parts[0].text, "ab");
        assert_eq!(parts[1].text, "👍🏽");
        // A family emoji is not cut at a joiner when a better place exists.
        let family = "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}";
        let text = format!("hi {family} yo");
        let parts = check(&text, &[], 10);
        assert_eq!(parts[0].text, "hi ");
        assert_eq!(parts[1].text, format!("{family} "));
        // Entity offsets count UTF-16 units after emoji.
        let text = "👋👋 bold";
        let parts = check(text, &[entity("bold", 5, 4)], 6);
        assert_eq!(parts[0].text, "👋👋 ");
        assert_eq!(
            (parts[1].entities[0].offset, parts[1].entities[0].length),
            (0, 4)
        );
    }

    #[test]
    fn at_telegrams_limit() {
        let word = "word ";
        let text = word.repeat(2000); // 10,000 units
        let bold = entity("bold", 4093, 10); // across the first natural cut
        let parts = check(&text, &[bold], MESSAGE_LIMIT);
        assert_eq!(parts.len(), 3);
        assert!(utf16_len(&parts[0].text) <= MESSAGE_LIMIT);
        assert_eq!(parts[0].text.len() % 5, 0);
        assert!(parts[0].text.len() < 4093); // the bold entity moved to the next part whole
        assert_eq!(parts[1].entities.len(), 1);
        assert_eq!(parts[1].entities[0].length, 10);
    }

    #[test]
    fn bad_entities_and_limits_do_not_panic() {
        let entities = [
            entity("bold", -5, 3),
            entity("bold", 2, i64::MAX),
            entity("bold", i64::MAX, 1),
            entity("italic", 1, -4),
        ];
        let parts = split("abcdef", &entities, 0);
        assert_eq!(
            parts.iter().map(|p| p.text.as_str()).collect::<String>(),
            "abcdef"
        );
        assert!(parts.iter().all(|p| utf16_len(&p.text) <= 2));
        // The entity from 2 to the end survives, clipped, in the later parts.
        let bold_units: i64 = parts
            .iter()
            .flat_map(|p| &p.entities)
            .map(|e| e.length)
            .sum();
        assert_eq!(bold_units, 4);
    }
}
