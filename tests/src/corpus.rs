//! A deterministic generator of realistic Telegram updates, for benchmarks and tests.
//!
//! [`generate`] writes updates the way the Bot API delivers them (to `getUpdates` or a webhook):
//! one JSON object per update, in the documented wire format, fields in the order Telegram writes
//! them (`message_id`, `from`, `chat`, `date`, then the content; a chat member's `user` before its
//! `status`). The mix is what a busy bot in private chats, groups and channels sees (per
//! thousand):
//!
//! | kind | share | what it carries |
//! |---|---|---|
//! | [`Kind::PrivateText`] | 200 | commands and free text, entities (`bot_command`, `url`, `bold`...) |
//! | [`Kind::GroupText`] | 180 | group and supergroup text with mentions, hashtags, links, code, forum topics |
//! | [`Kind::Reply`] | 100 | `reply_to_message` (a full message, sometimes a photo), some with `quote` |
//! | [`Kind::Forward`] | 50 | `forward_origin` of all four kinds, automatic forwards from channels |
//! | [`Kind::Photo`] | 80 | two to four `PhotoSize`s, captions with entities, media groups |
//! | [`Kind::Edited`] | 60 | `edited_message` with `edit_date` |
//! | [`Kind::CallbackQuery`] | 140 | the bot's message with its inline keyboard, `data`, `chat_instance` |
//! | [`Kind::MyChatMember`] | 20 | the bot added, promoted, removed, blocked or unblocked |
//! | [`Kind::ChatMember`] | 50 | users joining (some through invite links), leaving, promoted, restricted, banned |
//! | [`Kind::InlineQuery`] | 60 | queries (some empty), offsets, chat types, a few locations |
//! | [`Kind::ChannelPost`] | 40 | channel text and photo posts with `sender_chat` and signatures |
//! | [`Kind::MemberMessage`] | 18 | `new_chat_members` / `left_chat_member` service messages |
//! | [`Kind::UnknownUpdate`] | 2 | an update kind this version of the API does not define |
//!
//! Identifiers look like real ones: user ids of up to 52 bits, supergroup and channel ids of the
//! form `-100…`, basic group ids, 19-digit callback query ids, signed `chat_instance`s, file ids of
//! 70-odd base64url characters. Texts mix languages and scripts, emoji outside the Basic
//! Multilingual Plane (entity offsets count UTF-16 units, as the API does), quotes, backslashes and
//! newlines. One update in four is written the way some encoders write JSON: every non-ASCII
//! character as a `\uXXXX` escape (surrogate pairs beyond the BMP) and `/` as `\/`.
//!
//! Some updates carry fields the crate does not define: fields that older Bot API versions defined
//! (`forward_from`, `forward_date`, `new_chat_participant`, `all_members_are_administrators`...)
//! and a few invented "newer" fields, entity types and update kinds, so that the
//! forward-compatible paths are exercised too.
//!
//! The same seed always gives the same bytes.
//!
//! ```
//! use telegram_api_tests::corpus;
//!
//! let updates = corpus::generate(corpus::DEFAULT_SEED, 200);
//! assert_eq!(updates.len(), 200);
//! let body = corpus::get_updates_response(&updates);
//! let response: serde_json::Value = serde_json::from_slice(&body)?;
//! assert_eq!(response["result"].as_array().map(Vec::len), Some(200));
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::io::Write as _;

/// The seed the benchmark uses unless told otherwise.
pub const DEFAULT_SEED: u64 = 0x7e1e_6a4d_0b07_2026;

/// What an update of the corpus is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A text message (often a command) in a private chat with the bot.
    PrivateText,
    /// A text message in a group or supergroup, with entities.
    GroupText,
    /// A group message replying to another one (`reply_to_message`).
    Reply,
    /// A forwarded message (`forward_origin`).
    Forward,
    /// A photo with its sizes and usually a caption.
    Photo,
    /// An `edited_message`.
    Edited,
    /// A `callback_query` from an inline keyboard button.
    CallbackQuery,
    /// A `my_chat_member` update: the bot's own membership changed.
    MyChatMember,
    /// A `chat_member` update: a user's membership changed.
    ChatMember,
    /// An `inline_query`.
    InlineQuery,
    /// A `channel_post`.
    ChannelPost,
    /// A service message about members joining or leaving a group.
    MemberMessage,
    /// An update whose only payload field is one this version of the API does not define.
    UnknownUpdate,
}

impl Kind {
    /// Every kind, in the order of the table in the [module documentation](self).
    pub const ALL: [Kind; 13] = [
        Kind::PrivateText,
        Kind::GroupText,
        Kind::Reply,
        Kind::Forward,
        Kind::Photo,
        Kind::Edited,
        Kind::CallbackQuery,
        Kind::MyChatMember,
        Kind::ChatMember,
        Kind::InlineQuery,
        Kind::ChannelPost,
        Kind::MemberMessage,
        Kind::UnknownUpdate,
    ];

    /// How many updates in a thousand are of this kind.
    pub const fn per_mille(self) -> u32 {
        match self {
            Kind::PrivateText => 200,
            Kind::GroupText => 180,
            Kind::Reply => 100,
            Kind::Forward => 50,
            Kind::Photo => 80,
            Kind::Edited => 60,
            Kind::CallbackQuery => 140,
            Kind::MyChatMember => 20,
            Kind::ChatMember => 50,
            Kind::InlineQuery => 60,
            Kind::ChannelPost => 40,
            Kind::MemberMessage => 18,
            Kind::UnknownUpdate => 2,
        }
    }

    /// A short name, for reports.
    pub const fn name(self) -> &'static str {
        match self {
            Kind::PrivateText => "private text",
            Kind::GroupText => "group text",
            Kind::Reply => "reply",
            Kind::Forward => "forward",
            Kind::Photo => "photo",
            Kind::Edited => "edited message",
            Kind::CallbackQuery => "callback query",
            Kind::MyChatMember => "my_chat_member",
            Kind::ChatMember => "chat_member",
            Kind::InlineQuery => "inline query",
            Kind::ChannelPost => "channel post",
            Kind::MemberMessage => "member message",
            Kind::UnknownUpdate => "unknown update",
        }
    }
}

/// Generates `count` updates from `seed`, each as the bytes of one JSON object.
pub fn generate(seed: u64, count: usize) -> Vec<Vec<u8>> {
    generate_labeled(seed, count)
        .into_iter()
        .map(|(_, json)| json)
        .collect()
}

/// Generates `count` updates from `seed`, each with the [`Kind`] it was generated as.
///
/// The bytes are the same as those of [`generate`] with the same arguments.
pub fn generate_labeled(seed: u64, count: usize) -> Vec<(Kind, Vec<u8>)> {
    let mut generator = Generator::new(seed);
    (0..count)
        .map(|_| {
            let kind = generator.pick_kind();
            (kind, generator.update(kind))
        })
        .collect()
}

/// The total size of the updates in bytes.
pub fn total_len(updates: &[Vec<u8>]) -> usize {
    updates.iter().map(Vec::len).sum()
}

/// Joins updates into one JSON array, `[u1,u2,...]`.
pub fn json_array(updates: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(total_len(updates) + updates.len() + 2);
    out.push(b'[');
    for (i, update) in updates.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(update);
    }
    out.push(b']');
    out
}

/// Joins updates into the body of a successful `getUpdates` response,
/// `{"ok":true,"result":[...]}`.
pub fn get_updates_response(updates: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"{\"ok\":true,\"result\":".to_vec();
    out.extend_from_slice(&json_array(updates));
    out.push(b'}');
    out
}

/// Joins updates one per line (JSON Lines), each line ending with `\n`.
pub fn json_lines(updates: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(total_len(updates) + updates.len());
    for update in updates {
        out.extend_from_slice(update);
        out.push(b'\n');
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Randomness

/// SplitMix64: tiny, fast and good enough to vary test data. Not for anything secret.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `lo..hi` (`lo < hi`).
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo) as u64) as i64
    }

    /// True `p` times in a hundred.
    fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// `len` characters of the base64url alphabet, as file ids use.
    fn base64url(&mut self, out: &mut String, len: usize) {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for _ in 0..len {
            out.push(ALPHABET[self.below(64) as usize] as char);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A small JSON writer that keeps field order and chooses how strings are escaped

struct Out {
    buf: Vec<u8>,
    /// Write non-ASCII characters as `\uXXXX` and `/` as `\/`.
    ascii: bool,
}

impl Out {
    fn object(&mut self, f: impl FnOnce(&mut Obj<'_>)) {
        self.buf.push(b'{');
        f(&mut Obj {
            out: self,
            first: true,
        });
        self.buf.push(b'}');
    }

    fn array(&mut self, f: impl FnOnce(&mut Arr<'_>)) {
        self.buf.push(b'[');
        f(&mut Arr {
            out: self,
            first: true,
        });
        self.buf.push(b']');
    }

    fn int(&mut self, v: i64) {
        write!(self.buf, "{v}").expect("writing to a Vec");
    }

    fn float(&mut self, v: f64) {
        write!(self.buf, "{v}").expect("writing to a Vec");
    }

    fn string(&mut self, s: &str) {
        self.buf.push(b'"');
        for c in s.chars() {
            match c {
                '"' => self.buf.extend_from_slice(b"\\\""),
                '\\' => self.buf.extend_from_slice(b"\\\\"),
                '\n' => self.buf.extend_from_slice(b"\\n"),
                '\r' => self.buf.extend_from_slice(b"\\r"),
                '\t' => self.buf.extend_from_slice(b"\\t"),
                '/' if self.ascii => self.buf.extend_from_slice(b"\\/"),
                c if u32::from(c) < 0x20 => {
                    write!(self.buf, "\\u{:04x}", u32::from(c)).expect("writing to a Vec")
                }
                c if c.is_ascii() => self.buf.push(c as u8),
                c if self.ascii => {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        write!(self.buf, "\\u{unit:04x}").expect("writing to a Vec");
                    }
                }
                c => {
                    let mut bytes = [0u8; 4];
                    self.buf
                        .extend_from_slice(c.encode_utf8(&mut bytes).as_bytes());
                }
            }
        }
        self.buf.push(b'"');
    }
}

/// The fields of an object being written.
struct Obj<'a> {
    out: &'a mut Out,
    first: bool,
}

impl Obj<'_> {
    fn key(&mut self, key: &str) {
        if !self.first {
            self.out.buf.push(b',');
        }
        self.first = false;
        self.out.buf.push(b'"');
        self.out.buf.extend_from_slice(key.as_bytes());
        self.out.buf.extend_from_slice(b"\":");
    }

    fn int(&mut self, key: &str, v: i64) {
        self.key(key);
        self.out.int(v);
    }

    fn float(&mut self, key: &str, v: f64) {
        self.key(key);
        self.out.float(v);
    }

    fn bool(&mut self, key: &str, v: bool) {
        self.key(key);
        self.out
            .buf
            .extend_from_slice(if v { b"true" } else { b"false" });
    }

    fn str(&mut self, key: &str, v: &str) {
        self.key(key);
        self.out.string(v);
    }

    fn opt_str(&mut self, key: &str, v: Option<&str>) {
        if let Some(v) = v {
            self.str(key, v);
        }
    }

    fn obj(&mut self, key: &str, f: impl FnOnce(&mut Obj<'_>)) {
        self.key(key);
        self.out.object(f);
    }

    fn arr(&mut self, key: &str, f: impl FnOnce(&mut Arr<'_>)) {
        self.key(key);
        self.out.array(f);
    }
}

/// The items of an array being written.
struct Arr<'a> {
    out: &'a mut Out,
    first: bool,
}

impl Arr<'_> {
    fn next(&mut self) {
        if !self.first {
            self.out.buf.push(b',');
        }
        self.first = false;
    }

    fn obj(&mut self, f: impl FnOnce(&mut Obj<'_>)) {
        self.next();
        self.out.object(f);
    }

    fn arr(&mut self, f: impl FnOnce(&mut Arr<'_>)) {
        self.next();
        self.out.array(f);
    }

    fn int(&mut self, v: i64) {
        self.next();
        self.out.int(v);
    }
}

// ---------------------------------------------------------------------------------------------
// Text with entities

struct Entity {
    kind: &'static str,
    offset: usize,
    length: usize,
    url: Option<String>,
    user: Option<usize>,
    language: Option<&'static str>,
    custom_emoji_id: Option<String>,
}

/// A message text being assembled, with its entities; offsets count UTF-16 code units.
#[derive(Default)]
struct Text {
    text: String,
    units: usize,
    entities: Vec<Entity>,
}

impl Text {
    fn plain(&mut self, s: &str) {
        self.text.push_str(s);
        self.units += s.encode_utf16().count();
    }

    fn space(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with(['\n', ' ']) {
            self.plain(" ");
        }
    }

    fn entity(&mut self, kind: &'static str, s: &str) -> &mut Entity {
        let offset = self.units;
        self.plain(s);
        self.entities.push(Entity {
            kind,
            offset,
            length: self.units - offset,
            url: None,
            user: None,
            language: None,
            custom_emoji_id: None,
        });
        self.entities.last_mut().expect("just pushed")
    }
}

// ---------------------------------------------------------------------------------------------
// Vocabulary

const FIRST_NAMES: &[&str] = &[
    "Anna",
    "Dmitry",
    "María",
    "Jürgen",
    "Wei",
    "Aisha",
    "Олег",
    "Світлана",
    "José",
    "Chloé",
    "Ngozi",
    "Hiroshi",
    "Fatemeh",
    "Mehmet",
    "Priya",
    "Lars",
    "Zoë",
    "Björn",
    "Ana Luísa",
    "Kwame",
    "Sofía",
    "Иван",
    "Łukasz",
    "Ayşe",
    "Tomás",
    "Minh",
    "Дарья",
    "Yuki",
    "Ömer",
    "Kate 🌸",
    "Sam",
    "Alex",
    "محمد",
    "سارة",
    "李娜",
    "김민준",
    "Noah",
    "Emma",
    "Lucas",
    "Mia",
    "✨ Nika ✨",
    "Raj",
];

const LAST_NAMES: &[&str] = &[
    "Smith",
    "Иванов",
    "García",
    "Müller",
    "Chen",
    "Khan",
    "Kowalski",
    "Rossi",
    "Silva",
    "Nguyen",
    "Yılmaz",
    "O'Brien",
    "Dubois",
    "Johansson",
    "Петренко",
    "Tanaka",
    "Okafor",
    "Schmidt",
    "López",
    "Novák",
    "Ахмедова",
    "Kim",
    "\"The Rock\"",
];

const NAME_PARTS: &[&str] = &[
    "alex", "dev", "mira", "kot", "sun", "nova", "pixel", "max", "lena", "tom", "byte", "fox",
    "ivan", "sky", "zen", "luna", "koda", "rin", "owl", "bear", "mango", "olga", "neo", "arya",
];

const LANGUAGES: &[&str] = &[
    "en", "en", "en", "ru", "ru", "es", "de", "pt-br", "uk", "fa", "tr", "id", "it", "fr", "ar",
    "zh-hans", "ko", "pl", "hi", "uz",
];

const GROUP_TITLES: &[&str] = &[
    "Rust Beginners",
    "Семья 👨‍👩‍👧",
    "Kochclub Berlin",
    "Flat 4B \"neighbours\"",
    "東京 meetup",
    "Crypto Signals 🚀",
    "Book club 📚",
    "Fútbol los domingos",
    "Dev/Ops on-call",
    "Photography ☀️",
    "Учёба: матан",
    "Gamers 🎮",
    "Apartment hunting",
    "Startup founders",
    "Vegan recipes 🥑",
    "Ham radio \\ SDR",
    "English practice",
    "Bike rides",
    "Jazz & blues",
    "Hiking crew ⛰️",
    "گروه دوستان",
    "Kumpulan Resep",
];

const CHANNEL_TITLES: &[&str] = &[
    "Daily News",
    "Tech Digest",
    "Memes 😂",
    "Weather Alerts",
    "Курс валют",
    "Release notes",
    "Music Drops 🎧",
    "Jobs Board",
    "Noticias de hoy",
];

const PHRASES: &[&str] = &[
    "hi everyone",
    "does anyone know how to fix this?",
    "thanks!",
    "see you tomorrow",
    "Привет, как дела?",
    "¿Alguien sabe la respuesta?",
    "Guten Morgen zusammen",
    "今天天气很好",
    "شكرا جزيلا",
    "ok 👍",
    "lol 😂😂",
    "Merci beaucoup 🙏",
    "the \"new\" build is out",
    "the config is in C:\\Users\\bot\\config.json",
    "first line\nsecond line",
    "Tschüß, bis später",
    "a naïve café order: 2× crème brûlée",
    "🔥🔥🔥",
    "हाँ, ठीक है",
    "สวัสดีครับ",
    "Xin chào mọi người",
    "can someone pin the rules?",
    "I'll be 10 min late 🚗",
    "price is 12.50€ / 13$",
    "who's coming on Saturday?",
    "Сколько стоит доставка?",
    "¡Feliz cumpleaños! 🎂🎉",
    "tab\tseparated\tvalues",
    "my order hasn't arrived yet",
    "got it, thanks 🙌",
    "Ist das noch verfügbar?",
    "همه چیز خوبه؟",
    "ну такое 🤷‍♂️",
    "50/50 chance",
    "what's the wifi password?",
];

const CAPTIONS: &[&str] = &[
    "Sunset from the balcony 🌅",
    "Look what I found",
    "Меню на неделю",
    "Before / after",
    "Our new office!",
    "receipt for March",
    "😍",
    "Vista desde la montaña",
    "Screenshot of the error",
    "the \"good\" side",
];

const COMMANDS: &[&str] = &[
    "/start",
    "/help",
    "/settings",
    "/stats",
    "/cancel",
    "/language",
    "/subscribe",
    "/top",
    "/remind",
];

const HASHTAGS: &[&str] = &[
    "#news",
    "#help",
    "#rust",
    "#вопрос",
    "#offtopic",
    "#ad",
    "#job",
    "#café",
];

const URLS: &[&str] = &[
    "https://example.com/docs/start?lang=en",
    "https://git.example.org/team/project/issues/42",
    "http://t.me/example_channel/1234",
    "https://video.example.net/watch?v=a1B2c3D4e5F",
    "https://maps.example.org/?q=52.5200,13.4050",
    "example.org/a/b",
    "https://shop.example.com/item/9931?ref=tg&utm_source=bot",
    "https://news.example.net/2026/01/15/city-council-votes",
];

const CODE: &[&str] = &[
    "cargo build --release",
    "let x = vec![1, 2, 3];",
    "SELECT * FROM users WHERE id = 42;",
    "git push --force-with-lease",
    "npm i",
    "C:\\Windows\\System32",
];

const PRE: &[(&str, &str)] = &[
    ("rust", "fn main() {\n    println!(\"hello\");\n}"),
    ("python", "for i in range(3):\n\tprint(i)"),
    ("json", "{\"ok\": true, \"result\": []}"),
    ("bash", "curl -s https://example.com/api | jq '.items[]'"),
];

const EMOJI: &[&str] = &["😀", "👍", "❤️", "🔥", "🎉", "🤔", "🙈", "🥲", "👨‍💻", "🇩🇪"];

const INLINE_QUERIES: &[&str] = &[
    "",
    "",
    "cats",
    "weather berlin",
    "погода",
    "gif 😂",
    "translate hello",
    "rust vec",
    "música",
    "“quoted”",
    "a/b test",
    "東京",
];

const BUTTONS: &[&str] = &[
    "✅ Yes",
    "❌ No",
    "« Back",
    "Next »",
    "🇬🇧 English",
    "🇷🇺 Русский",
    "Open site",
    "Settings ⚙️",
    "1",
    "2",
    "3",
    "Buy for 4.99 $",
];

const BOT_TEXTS: &[&str] = &[
    "Choose an option:",
    "Pick your language / Выберите язык",
    "Page 3 of 12",
    "Are you sure you want to delete \"My list\"?",
    "Your order #1042 is ready 🎉",
    "Settings",
    "Vote: which day works best?",
];

const CALLBACK_ACTIONS: &[&str] = &["page", "vote", "menu", "lang", "confirm", "item", "del"];

const TOPICS: &[&str] = &[
    "General talk",
    "Announcements 📢",
    "Help",
    "Off-topic",
    "Jobs",
];

// ---------------------------------------------------------------------------------------------
// The population a bot meets

struct Person {
    id: i64,
    is_bot: bool,
    first_name: &'static str,
    last_name: Option<&'static str>,
    username: Option<String>,
    language_code: Option<&'static str>,
    is_premium: bool,
    /// Carries a field newer than this version of the API.
    newer_field: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum GroupType {
    Group,
    Supergroup,
}

struct Group {
    id: i64,
    kind: GroupType,
    title: String,
    username: Option<String>,
    is_forum: bool,
    /// A basic group flag older Bot API versions defined.
    legacy_flag: bool,
}

struct Channel {
    id: i64,
    title: &'static str,
    username: Option<String>,
}

/// Where a message is.
#[derive(Clone, Copy)]
enum ChatRef {
    /// The private chat with this user (an index into the users).
    Private(usize),
    /// A group (an index into the groups).
    Group(usize),
    /// A channel (an index into the channels).
    Channel(usize),
}

/// Who sent a message.
#[derive(Clone, Copy)]
enum Sender {
    User(usize),
    Bot,
}

#[derive(Clone, Copy, PartialEq)]
enum Status {
    Creator,
    Administrator,
    Member,
    Restricted,
    Left,
    Kicked,
}

const USERS: usize = 4000;
const GROUPS: usize = 300;
const CHANNELS: usize = 40;

struct Generator {
    rng: Rng,
    users: Vec<Person>,
    groups: Vec<Group>,
    channels: Vec<Channel>,
    bot: Person,
    update_id: i64,
    date: i64,
}

impl Generator {
    fn new(seed: u64) -> Generator {
        let mut rng = Rng::new(seed);
        let users = (0..USERS).map(|_| Self::person(&mut rng)).collect();
        let groups = (0..GROUPS)
            .map(|i| {
                let supergroup = rng.percent(80);
                let mut title = rng.pick(GROUP_TITLES).to_owned();
                if rng.percent(30) {
                    title.push_str(&format!(" {}", i + 2));
                }
                if supergroup {
                    Group {
                        id: -1_000_000_000_000 - rng.range(1_000_000_000, 3_000_000_000),
                        kind: GroupType::Supergroup,
                        title,
                        username: rng.percent(40).then(|| Self::username(&mut rng, "chat")),
                        is_forum: rng.percent(20),
                        legacy_flag: false,
                    }
                } else {
                    Group {
                        id: -rng.range(100_000_000, 5_000_000_000),
                        kind: GroupType::Group,
                        title,
                        username: None,
                        is_forum: false,
                        legacy_flag: rng.percent(50),
                    }
                }
            })
            .collect();
        let channels = (0..CHANNELS)
            .map(|_| Channel {
                id: -1_000_000_000_000 - rng.range(1_000_000_000, 3_000_000_000),
                title: rng.pick(CHANNEL_TITLES),
                username: rng.percent(70).then(|| Self::username(&mut rng, "news")),
            })
            .collect();
        let bot = Person {
            id: rng.range(7_000_000_000, 8_500_000_000),
            is_bot: true,
            first_name: "Grocery List",
            last_name: None,
            username: Some("grocery_list_bot".to_owned()),
            language_code: None,
            is_premium: false,
            newer_field: false,
        };
        let update_id = rng.range(100_000_000, 900_000_000);
        Generator {
            rng,
            users,
            groups,
            channels,
            bot,
            update_id,
            date: 1_767_225_600,
        }
    }

    fn person(rng: &mut Rng) -> Person {
        // Most accounts have 9-10 digit ids; newer ones and some test ids use the full 52 bits.
        let id = if rng.percent(85) {
            rng.range(100_000_000, 8_500_000_000)
        } else {
            rng.range(8_500_000_000, 1 << 52)
        };
        let is_bot = rng.percent(2);
        Person {
            id,
            is_bot,
            first_name: rng.pick(FIRST_NAMES),
            last_name: rng.percent(55).then(|| rng.pick(LAST_NAMES)),
            username: (is_bot || rng.percent(75))
                .then(|| Self::username(rng, if is_bot { "bot" } else { "" }).to_owned()),
            language_code: (!is_bot && rng.percent(85)).then(|| rng.pick(LANGUAGES)),
            is_premium: !is_bot && rng.percent(8),
            newer_field: rng.percent(1),
        }
    }

    fn username(rng: &mut Rng, suffix: &str) -> String {
        let mut name = rng.pick(NAME_PARTS).to_owned();
        if rng.percent(50) {
            name.push('_');
            name.push_str(rng.pick(NAME_PARTS));
        }
        if rng.percent(40) {
            name.push_str(&rng.range(1, 2000).to_string());
        }
        if !suffix.is_empty() {
            name.push('_');
            name.push_str(suffix);
        }
        name
    }

    fn pick_kind(&mut self) -> Kind {
        let mut roll = self.rng.below(1000) as u32;
        for kind in Kind::ALL {
            if roll < kind.per_mille() {
                return kind;
            }
            roll -= kind.per_mille();
        }
        unreachable!("the shares add up to a thousand")
    }

    fn update(&mut self, kind: Kind) -> Vec<u8> {
        self.update_id += 1;
        self.date += self.rng.range(0, 3);
        let mut out = Out {
            buf: Vec::with_capacity(1024),
            ascii: self.rng.percent(25),
        };
        let update_id = self.update_id;
        out.object(|o| {
            o.int("update_id", update_id);
            match kind {
                Kind::PrivateText => o.obj("message", |m| self.private_text(m)),
                Kind::GroupText => o.obj("message", |m| self.group_text(m)),
                Kind::Reply => o.obj("message", |m| self.reply(m)),
                Kind::Forward => o.obj("message", |m| self.forward(m)),
                Kind::Photo => o.obj("message", |m| self.photo_message(m)),
                Kind::Edited => o.obj("edited_message", |m| self.edited(m)),
                Kind::CallbackQuery => o.obj("callback_query", |q| self.callback_query(q)),
                Kind::MyChatMember => o.obj("my_chat_member", |c| self.my_chat_member(c)),
                Kind::ChatMember => o.obj("chat_member", |c| self.chat_member(c)),
                Kind::InlineQuery => o.obj("inline_query", |q| self.inline_query(q)),
                Kind::ChannelPost => o.obj("channel_post", |m| self.channel_post(m)),
                Kind::MemberMessage => o.obj("message", |m| self.member_message(m)),
                Kind::UnknownUpdate => o.obj("story_reaction", |s| self.unknown_update(s)),
            }
        });
        out.buf
    }

    // -----------------------------------------------------------------------------------------
    // Users and chats

    fn user_index(&mut self) -> usize {
        // A few users are much more active than the rest, as in any group.
        if self.rng.percent(50) {
            self.rng.index(USERS / 20)
        } else {
            self.rng.index(USERS)
        }
    }

    fn group_index(&mut self) -> usize {
        if self.rng.percent(50) {
            self.rng.index(GROUPS / 10)
        } else {
            self.rng.index(GROUPS)
        }
    }

    fn write_person(o: &mut Obj<'_>, p: &Person) {
        o.int("id", p.id);
        o.bool("is_bot", p.is_bot);
        o.str("first_name", p.first_name);
        o.opt_str("last_name", p.last_name);
        o.opt_str("username", p.username.as_deref());
        o.opt_str("language_code", p.language_code);
        if p.is_premium {
            o.bool("is_premium", true);
        }
        if p.newer_field {
            o.obj("verification", |v| {
                v.str("organization", "Example Org");
                v.bool("is_official", true);
            });
        }
    }

    fn user(&self, o: &mut Obj<'_>, sender: Sender) {
        match sender {
            Sender::User(i) => Self::write_person(o, &self.users[i]),
            Sender::Bot => Self::write_person(o, &self.bot),
        }
    }

    fn chat(&self, o: &mut Obj<'_>, chat: ChatRef) {
        match chat {
            ChatRef::Private(i) => {
                let p = &self.users[i];
                o.int("id", p.id);
                o.str("first_name", p.first_name);
                o.opt_str("last_name", p.last_name);
                o.opt_str("username", p.username.as_deref());
                o.str("type", "private");
            }
            ChatRef::Group(i) => {
                let g = &self.groups[i];
                o.int("id", g.id);
                o.str("title", &g.title);
                o.opt_str("username", g.username.as_deref());
                if g.is_forum {
                    o.bool("is_forum", true);
                }
                match g.kind {
                    GroupType::Group => {
                        o.str("type", "group");
                        if g.legacy_flag {
                            o.bool("all_members_are_administrators", true);
                        }
                    }
                    GroupType::Supergroup => o.str("type", "supergroup"),
                }
            }
            ChatRef::Channel(i) => {
                let c = &self.channels[i];
                o.int("id", c.id);
                o.str("title", c.title);
                o.opt_str("username", c.username.as_deref());
                o.str("type", "channel");
            }
        }
    }

    /// `message_id`, `from` (or `sender_chat`), `chat` and `date`: how every message starts.
    fn header(&self, o: &mut Obj<'_>, message_id: i64, from: Sender, chat: ChatRef, date: i64) {
        o.int("message_id", message_id);
        if let ChatRef::Channel(_) = chat {
            o.obj("sender_chat", |c| self.chat(c, chat));
        } else {
            o.obj("from", |u| self.user(u, from));
        }
        o.obj("chat", |c| self.chat(c, chat));
        o.int("date", date);
    }

    fn message_id(&mut self, chat: ChatRef) -> i64 {
        match chat {
            ChatRef::Private(_) => self.rng.range(1, 60_000),
            ChatRef::Group(_) => self.rng.range(1, 2_500_000),
            ChatRef::Channel(_) => self.rng.range(1, 40_000),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Texts

    fn write_text(&self, o: &mut Obj<'_>, text: &Text, text_key: &str, entities_key: &str) {
        o.str(text_key, &text.text);
        if text.entities.is_empty() {
            return;
        }
        o.arr(entities_key, |a| {
            for e in &text.entities {
                a.obj(|o| self.write_entity(o, e));
            }
        });
    }

    fn write_entity(&self, o: &mut Obj<'_>, e: &Entity) {
        o.int("offset", e.offset as i64);
        o.int("length", e.length as i64);
        o.str("type", e.kind);
        o.opt_str("url", e.url.as_deref());
        if let Some(user) = e.user {
            o.obj("user", |u| self.user(u, Sender::User(user)));
        }
        o.opt_str("language", e.language);
        o.opt_str("custom_emoji_id", e.custom_emoji_id.as_deref());
    }

    fn mention(&mut self) -> String {
        if self.rng.percent(30) {
            return "@grocery_list_bot".to_owned();
        }
        loop {
            let user = self.user_index();
            if let Some(name) = &self.users[user].username {
                return format!("@{name}");
            }
        }
    }

    fn custom_emoji_id(&mut self) -> String {
        self.rng
            .range(5_000_000_000_000_000_000, i64::MAX)
            .to_string()
    }

    /// Appends one formatted piece of text: a mention, a link, a hashtag, some code...
    fn rich_piece(&mut self, t: &mut Text) {
        t.space();
        match self.rng.below(100) {
            0..=19 => {
                let mention = self.mention();
                t.entity("mention", &mention);
            }
            20..=34 => {
                let url = self.rng.pick(URLS);
                t.entity("url", url);
            }
            35..=44 => {
                let tag = self.rng.pick(HASHTAGS);
                t.entity("hashtag", tag);
            }
            45..=54 => {
                let s = self.rng.pick(PHRASES);
                t.entity("bold", s);
            }
            55..=61 => {
                let s = self.rng.pick(PHRASES);
                t.entity("italic", s);
            }
            62..=67 => {
                let s = self.rng.pick(CODE);
                t.entity("code", s);
            }
            68..=70 => {
                let (language, code) = self.rng.pick(PRE);
                t.plain("\n");
                t.entity("pre", code).language = Some(language);
                t.plain("\n");
            }
            71..=75 => {
                let url = self.rng.pick(URLS).to_owned();
                t.entity("text_link", "this link").url = Some(url);
            }
            76..=78 => {
                let user = self.user_index();
                let name = self.users[user].first_name;
                t.entity("text_mention", name).user = Some(user);
            }
            79..=82 => {
                let emoji = self.rng.pick(EMOJI);
                let id = self.custom_emoji_id();
                t.entity("custom_emoji", emoji).custom_emoji_id = Some(id);
            }
            83..=85 => {
                t.entity("spoiler", "the butler did it");
            }
            86..=88 => {
                let command = format!("{}@grocery_list_bot", self.rng.pick(COMMANDS));
                t.entity("bot_command", &command);
            }
            89..=90 => {
                t.entity("underline", "important");
            }
            91 => {
                t.entity("strikethrough", "old price 20€");
            }
            92 => {
                t.entity("email", "someone@example.com");
            }
            93 => {
                t.entity("phone_number", "+1-202-555-0143");
            }
            94 => {
                t.entity("cashtag", "$EUR");
            }
            95..=96 => {
                let s = self.rng.pick(PHRASES);
                t.entity("blockquote", s);
            }
            97 => {
                t.entity(
                    "expandable_blockquote",
                    "a long quoted story\nthat goes on\nand on",
                );
            }
            98 => {
                // An entity type newer than this version of the API.
                t.entity("timestamp_link", "12:30");
            }
            _ => {
                t.entity("underline", "🙂");
            }
        }
    }

    fn phrase(&mut self, t: &mut Text) {
        t.space();
        let s = self.rng.pick(PHRASES);
        t.plain(s);
    }

    fn group_text_body(&mut self) -> Text {
        let mut t = Text::default();
        if self.rng.percent(12) {
            let command = format!("{}@grocery_list_bot", self.rng.pick(COMMANDS));
            t.entity("bot_command", &command);
        }
        let pieces = 1 + self.rng.below(4);
        for _ in 0..pieces {
            if self.rng.percent(55) {
                self.phrase(&mut t);
            } else {
                self.rich_piece(&mut t);
            }
        }
        t
    }

    fn private_text_body(&mut self) -> Text {
        let mut t = Text::default();
        if self.rng.percent(40) {
            let command = self.rng.pick(COMMANDS);
            t.entity("bot_command", command);
            match self.rng.below(4) {
                0 => t.plain(&format!(" ref_{}", self.rng.range(1000, 99_999))),
                1 => {
                    t.plain(" 10m ");
                    self.phrase(&mut t);
                }
                _ => {}
            }
        } else {
            self.phrase(&mut t);
            if self.rng.percent(30) {
                self.rich_piece(&mut t);
            }
            if self.rng.percent(20) {
                self.phrase(&mut t);
            }
        }
        t
    }

    fn caption(&mut self) -> Text {
        let mut t = Text::default();
        let caption = self.rng.pick(CAPTIONS);
        t.plain(caption);
        if self.rng.percent(40) {
            self.rich_piece(&mut t);
        }
        t
    }

    // -----------------------------------------------------------------------------------------
    // Media

    fn file_id(&mut self, prefix: &str) -> String {
        let mut id = prefix.to_owned();
        let len = 56 + self.rng.index(20);
        self.rng.base64url(&mut id, len);
        id
    }

    fn file_unique_id(&mut self) -> String {
        let mut id = "AQAD".to_owned();
        self.rng.base64url(&mut id, 12);
        id
    }

    fn photo_sizes(&mut self, o: &mut Obj<'_>) {
        const SHAPES: &[(i64, i64)] = &[
            (1280, 960),
            (1280, 720),
            (960, 1280),
            (1080, 1080),
            (2560, 1920),
            (800, 600),
            (1179, 2556),
        ];
        let (w, h) = self.rng.pick(SHAPES);
        let longest = w.max(h);
        let mut sizes = Vec::new();
        for side in [90, 320, 800, 1280, 2560] {
            if side <= longest {
                sizes.push((w * side / longest, h * side / longest));
            }
        }
        // Small originals come with fewer sizes.
        let skip = sizes.len().saturating_sub(2 + self.rng.index(3));
        let mut sizes: Vec<(String, String, i64, i64, i64)> = sizes[skip..]
            .iter()
            .map(|&(w, h)| {
                let id = self.file_id("AgACAgIAAxkBAAI");
                let unique = self.file_unique_id();
                let size = w * h / 9 + self.rng.range(0, 4000);
                (id, unique, size, w, h)
            })
            .collect();
        if sizes.is_empty() {
            sizes.push((
                self.file_id("AgACAgIAAxkBAAI"),
                self.file_unique_id(),
                1200,
                90,
                67,
            ));
        }
        o.arr("photo", |a| {
            for (id, unique, size, w, h) in &sizes {
                a.obj(|p| {
                    p.str("file_id", id);
                    p.str("file_unique_id", unique);
                    p.int("file_size", *size);
                    p.int("width", *w);
                    p.int("height", *h);
                });
            }
        });
    }

    /// A photo with an optional caption, after the message header.
    fn photo_body(&mut self, o: &mut Obj<'_>) {
        if self.rng.percent(15) {
            let group = self
                .rng
                .range(13_000_000_000_000_000, 14_000_000_000_000_000);
            o.str("media_group_id", &group.to_string());
        }
        self.photo_sizes(o);
        if self.rng.percent(65) {
            let caption = self.caption();
            self.write_text(o, &caption, "caption", "caption_entities");
        }
        if self.rng.percent(3) {
            o.bool("has_media_spoiler", true);
        }
    }

    // -----------------------------------------------------------------------------------------
    // Messages

    fn private_text(&mut self, o: &mut Obj<'_>) {
        let user = self.user_index();
        let chat = ChatRef::Private(user);
        let id = self.message_id(chat);
        self.header(o, id, Sender::User(user), chat, self.date);
        let text = self.private_text_body();
        self.write_text(o, &text, "text", "entities");
        self.maybe_newer_message_field(o);
    }

    /// `message_thread_id` and the topic's first message, for messages in forum topics.
    fn topic(&mut self, o: &mut Obj<'_>, group: usize) -> bool {
        if !self.groups[group].is_forum || self.rng.percent(30) {
            return false;
        }
        let thread = self.rng.range(2, 5000);
        o.int("message_thread_id", thread);
        let chat = ChatRef::Group(group);
        let creator = self.user_index();
        let date = self.date - self.rng.range(86_400, 40_000_000);
        let name = self.rng.pick(TOPICS);
        let color = self
            .rng
            .pick(&[7_322_096, 16_766_590, 13_338_331, 9_367_192]);
        o.obj("reply_to_message", |r| {
            self.header(r, thread, Sender::User(creator), chat, date);
            r.int("message_thread_id", thread);
            r.obj("forum_topic_created", |t| {
                t.str("name", name);
                t.int("icon_color", color);
            });
            r.bool("is_topic_message", true);
        });
        true
    }

    fn group_text(&mut self, o: &mut Obj<'_>) {
        let group = self.group_index();
        let chat = ChatRef::Group(group);
        let id = self.message_id(chat);
        let user = self.user_index();
        self.header(o, id, Sender::User(user), chat, self.date);
        let in_topic = self.topic(o, group);
        let text = self.group_text_body();
        self.write_text(o, &text, "text", "entities");
        if in_topic {
            o.bool("is_topic_message", true);
        }
        if self.rng.percent(4) {
            o.obj("link_preview_options", |l| {
                l.str("url", URLS[1]);
                l.bool("prefer_small_media", true);
            });
        }
        self.maybe_newer_message_field(o);
    }

    fn reply(&mut self, o: &mut Obj<'_>) {
        let private = self.rng.percent(15);
        let user = self.user_index();
        let chat = if private {
            ChatRef::Private(user)
        } else {
            ChatRef::Group(self.group_index())
        };
        let id = self.message_id(chat);
        self.header(o, id, Sender::User(user), chat, self.date);
        let original_from = if private || self.rng.percent(20) {
            Sender::Bot
        } else {
            Sender::User(self.user_index())
        };
        let original_id = (id - self.rng.range(1, 500)).max(1);
        let original_date = self.date - self.rng.range(5, 200_000);
        let photo = self.rng.percent(20);
        let original_text = match original_from {
            Sender::Bot => {
                let mut t = Text::default();
                t.plain(self.rng.pick(BOT_TEXTS));
                t
            }
            Sender::User(_) => self.group_text_body(),
        };
        o.obj("reply_to_message", |r| {
            self.header(r, original_id, original_from, chat, original_date);
            if photo {
                self.photo_body(r);
            } else {
                self.write_text(r, &original_text, "text", "entities");
            }
        });
        if !photo && self.rng.percent(25) {
            let quoted: String = original_text.text.chars().take(12).collect();
            o.obj("quote", |q| {
                q.str("text", &quoted);
                q.int("position", 0);
                q.bool("is_manual", true);
            });
        }
        let text = if private {
            self.private_text_body()
        } else {
            self.group_text_body()
        };
        self.write_text(o, &text, "text", "entities");
        self.maybe_newer_message_field(o);
    }

    fn forward(&mut self, o: &mut Obj<'_>) {
        if self.rng.percent(15) {
            return self.automatic_forward(o);
        }
        let user = self.user_index();
        let chat = if self.rng.percent(60) {
            ChatRef::Private(user)
        } else {
            ChatRef::Group(self.group_index())
        };
        let id = self.message_id(chat);
        self.header(o, id, Sender::User(user), chat, self.date);
        let origin_date = self.date - self.rng.range(60, 30_000_000);
        let legacy = self.rng.percent(50);
        match self.rng.below(100) {
            0..=39 => {
                let sender = self.user_index();
                o.obj("forward_origin", |f| {
                    f.str("type", "user");
                    f.obj("sender_user", |u| self.user(u, Sender::User(sender)));
                    f.int("date", origin_date);
                });
                if legacy {
                    o.obj("forward_from", |u| self.user(u, Sender::User(sender)));
                    o.int("forward_date", origin_date);
                }
            }
            40..=54 => {
                let name = format!(
                    "{} {}",
                    self.rng.pick(FIRST_NAMES),
                    self.rng.pick(LAST_NAMES)
                );
                o.obj("forward_origin", |f| {
                    f.str("type", "hidden_user");
                    f.str("sender_user_name", &name);
                    f.int("date", origin_date);
                });
                if legacy {
                    o.str("forward_sender_name", &name);
                    o.int("forward_date", origin_date);
                }
            }
            55..=64 => {
                let group = ChatRef::Group(self.group_index());
                o.obj("forward_origin", |f| {
                    f.str("type", "chat");
                    f.obj("sender_chat", |c| self.chat(c, group));
                    f.int("date", origin_date);
                });
                if legacy {
                    o.obj("forward_from_chat", |c| self.chat(c, group));
                    o.int("forward_date", origin_date);
                }
            }
            _ => {
                let channel = ChatRef::Channel(self.rng.index(CHANNELS));
                let post = self.message_id(channel);
                let signature = self.rng.percent(30).then_some("Editorial team");
                o.obj("forward_origin", |f| {
                    f.str("type", "channel");
                    f.obj("chat", |c| self.chat(c, channel));
                    f.int("message_id", post);
                    f.opt_str("author_signature", signature);
                    f.int("date", origin_date);
                });
                if legacy {
                    o.obj("forward_from_chat", |c| self.chat(c, channel));
                    o.int("forward_from_message_id", post);
                    o.opt_str("forward_signature", signature);
                    o.int("forward_date", origin_date);
                }
            }
        }
        if self.rng.percent(30) {
            self.photo_body(o);
        } else {
            let text = self.group_text_body();
            self.write_text(o, &text, "text", "entities");
        }
    }

    /// A channel post copied into the channel's discussion group.
    fn automatic_forward(&mut self, o: &mut Obj<'_>) {
        let channel = ChatRef::Channel(self.rng.index(CHANNELS));
        let group = ChatRef::Group(self.group_index());
        let id = self.message_id(group);
        let post = self.message_id(channel);
        o.int("message_id", id);
        // The placeholder sender the API puts in `from` for messages sent on behalf of a chat.
        o.obj("from", |u| {
            u.int("id", 777_000);
            u.bool("is_bot", false);
            u.str("first_name", "Telegram");
        });
        o.obj("sender_chat", |c| self.chat(c, channel));
        o.obj("chat", |c| self.chat(c, group));
        o.int("date", self.date);
        o.obj("forward_origin", |f| {
            f.str("type", "channel");
            f.obj("chat", |c| self.chat(c, channel));
            f.int("message_id", post);
            f.int("date", self.date - 1);
        });
        o.bool("is_automatic_forward", true);
        let text = self.group_text_body();
        self.write_text(o, &text, "text", "entities");
    }

    fn photo_message(&mut self, o: &mut Obj<'_>) {
        let user = self.user_index();
        let chat = if self.rng.percent(35) {
            ChatRef::Private(user)
        } else {
            ChatRef::Group(self.group_index())
        };
        let id = self.message_id(chat);
        self.header(o, id, Sender::User(user), chat, self.date);
        self.photo_body(o);
    }

    fn edited(&mut self, o: &mut Obj<'_>) {
        let user = self.user_index();
        let private = self.rng.percent(40);
        let chat = if private {
            ChatRef::Private(user)
        } else {
            ChatRef::Group(self.group_index())
        };
        let id = self.message_id(chat);
        let sent = self.date - self.rng.range(5, 3600);
        self.header(o, id, Sender::User(user), chat, sent);
        o.int("edit_date", self.date);
        let text = if private {
            self.private_text_body()
        } else {
            self.group_text_body()
        };
        self.write_text(o, &text, "text", "entities");
    }

    fn inline_keyboard(&mut self, o: &mut Obj<'_>) {
        let rows = 1 + self.rng.below(3);
        let buttons: Vec<Vec<(&'static str, bool, String)>> = (0..rows)
            .map(|_| {
                (0..1 + self.rng.below(3))
                    .map(|_| {
                        let text = self.rng.pick(BUTTONS);
                        if self.rng.percent(85) {
                            (text, true, self.callback_data())
                        } else {
                            (text, false, self.rng.pick(URLS).to_owned())
                        }
                    })
                    .collect()
            })
            .collect();
        o.obj("reply_markup", |m| {
            m.arr("inline_keyboard", |rows| {
                for row in &buttons {
                    rows.arr(|row_out| {
                        for (text, callback, value) in row {
                            row_out.obj(|b| {
                                b.str("text", text);
                                b.str(if *callback { "callback_data" } else { "url" }, value);
                            });
                        }
                    });
                }
            });
        });
    }

    fn callback_data(&mut self) -> String {
        let action = self.rng.pick(CALLBACK_ACTIONS);
        match self.rng.below(3) {
            0 => format!("{action}:{}", self.rng.range(0, 100)),
            1 => format!(
                "{action}:{}:{}",
                self.rng.range(1, 100_000),
                self.rng.pick(&["up", "down", "ok"])
            ),
            _ => format!("menu/{action}/{}", self.rng.range(1, 20)),
        }
    }

    fn callback_query(&mut self, o: &mut Obj<'_>) {
        let user = self.user_index();
        let id = self.rng.range(1_000_000_000_000_000_000, i64::MAX);
        o.str("id", &id.to_string());
        o.obj("from", |u| self.user(u, Sender::User(user)));
        let roll = self.rng.below(100);
        let chat = if self.rng.percent(60) {
            ChatRef::Private(user)
        } else {
            ChatRef::Group(self.group_index())
        };
        if roll < 10 {
            let mut inline_id = "AgAAA".to_owned();
            self.rng.base64url(&mut inline_id, 22);
            o.str("inline_message_id", &inline_id);
        } else if roll < 15 {
            // The message is too old to be shown: an InaccessibleMessage, with date 0.
            let message_id = self.message_id(chat);
            o.obj("message", |m| {
                m.int("message_id", message_id);
                m.obj("chat", |c| self.chat(c, chat));
                m.int("date", 0);
            });
        } else {
            let message_id = self.message_id(chat);
            let sent = self.date - self.rng.range(2, 100_000);
            let edited = self.rng.percent(40).then(|| sent + self.rng.range(1, 1000));
            let mut text = Text::default();
            text.plain(self.rng.pick(BOT_TEXTS));
            if self.rng.percent(30) {
                self.rich_piece(&mut text);
            }
            o.obj("message", |m| {
                self.header(m, message_id, Sender::Bot, chat, sent);
                if let Some(edit_date) = edited {
                    m.int("edit_date", edit_date);
                }
                self.write_text(m, &text, "text", "entities");
                self.inline_keyboard(m);
            });
        }
        let instance = self.rng.next_u64() as i64;
        o.str("chat_instance", &instance.to_string());
        let data = self.callback_data();
        o.str("data", &data);
    }

    fn write_member(&mut self, o: &mut Obj<'_>, who: Sender, status: Status, group: bool) {
        o.obj("user", |u| self.user(u, who));
        let flag = |rng: &mut Rng, p| rng.percent(p);
        match status {
            Status::Creator => {
                o.str("status", "creator");
                o.bool("is_anonymous", false);
            }
            Status::Administrator => {
                o.str("status", "administrator");
                o.bool("can_be_edited", false);
                o.bool("can_manage_chat", true);
                o.bool("can_change_info", flag(&mut self.rng, 50));
                o.bool("can_delete_messages", true);
                o.bool("can_invite_users", true);
                o.bool("can_restrict_members", flag(&mut self.rng, 70));
                o.bool("can_pin_messages", flag(&mut self.rng, 60));
                if group && flag(&mut self.rng, 30) {
                    o.bool("can_manage_topics", false);
                }
                o.bool("can_promote_members", flag(&mut self.rng, 20));
                o.bool("can_manage_video_chats", flag(&mut self.rng, 50));
                o.bool("can_post_stories", false);
                o.bool("can_edit_stories", false);
                o.bool("can_delete_stories", false);
                o.bool("can_send_welcome_messages", flag(&mut self.rng, 50));
                o.bool("is_anonymous", false);
                if flag(&mut self.rng, 20) {
                    o.str("custom_title", "moderator 🛡");
                }
            }
            Status::Member => {
                o.str("status", "member");
            }
            Status::Restricted => {
                o.str("status", "restricted");
                let until = self.date + self.rng.range(60, 604_800);
                o.int("until_date", until);
                o.bool("is_member", true);
                o.bool("can_send_messages", false);
                for key in [
                    "can_send_audios",
                    "can_send_documents",
                    "can_send_photos",
                    "can_send_videos",
                    "can_send_video_notes",
                    "can_send_voice_notes",
                    "can_send_polls",
                    "can_send_other_messages",
                    "can_add_web_page_previews",
                    "can_react_to_messages",
                    "can_edit_tag",
                    "can_change_info",
                    "can_invite_users",
                    "can_pin_messages",
                    "can_manage_topics",
                ] {
                    o.bool(key, flag(&mut self.rng, 20));
                }
            }
            Status::Left => {
                o.str("status", "left");
            }
            Status::Kicked => {
                o.str("status", "kicked");
                let until = if flag(&mut self.rng, 70) {
                    0
                } else {
                    self.date + self.rng.range(3600, 2_592_000)
                };
                o.int("until_date", until);
            }
        }
    }

    fn membership(
        &mut self,
        o: &mut Obj<'_>,
        chat: ChatRef,
        actor: Sender,
        who: Sender,
        old: Status,
        new: Status,
    ) {
        let group = matches!(chat, ChatRef::Group(_));
        o.obj("chat", |c| self.chat(c, chat));
        o.obj("from", |u| self.user(u, actor));
        o.int("date", self.date);
        o.obj("old_chat_member", |m| self.write_member(m, who, old, group));
        o.obj("new_chat_member", |m| self.write_member(m, who, new, group));
    }

    fn my_chat_member(&mut self, o: &mut Obj<'_>) {
        let user = self.user_index();
        let group = ChatRef::Group(self.group_index());
        let (chat, old, new) = match self.rng.below(100) {
            0..=34 => (group, Status::Left, Status::Member),
            35..=54 => (group, Status::Member, Status::Administrator),
            55..=64 => (group, Status::Member, Status::Left),
            65..=69 => (group, Status::Administrator, Status::Kicked),
            70..=89 => (ChatRef::Private(user), Status::Member, Status::Kicked),
            _ => (ChatRef::Private(user), Status::Kicked, Status::Member),
        };
        self.membership(o, chat, Sender::User(user), Sender::Bot, old, new);
    }

    fn chat_member(&mut self, o: &mut Obj<'_>) {
        let group_index = self.group_index();
        let chat = ChatRef::Group(group_index);
        let user = self.user_index();
        let admin = self.user_index();
        let roll = self.rng.below(100);
        let (actor, old, new) = match roll {
            0..=44 => (user, Status::Left, Status::Member),
            45..=69 => (user, Status::Member, Status::Left),
            70..=77 => (admin, Status::Member, Status::Administrator),
            78..=87 => (admin, Status::Member, Status::Restricted),
            88..=96 => (admin, Status::Member, Status::Kicked),
            _ => (admin, Status::Administrator, Status::Creator),
        };
        self.membership(o, chat, Sender::User(actor), Sender::User(user), old, new);
        if roll < 45 && self.rng.percent(30) {
            let mut link = "https://t.me/+".to_owned();
            self.rng.base64url(&mut link, 16);
            let via_request = self.rng.percent(30);
            let limit = self.rng.percent(20).then(|| self.rng.range(10, 500));
            o.obj("invite_link", |l| {
                l.str("invite_link", &link);
                l.obj("creator", |u| self.user(u, Sender::User(admin)));
                l.bool("creates_join_request", via_request);
                l.bool("is_primary", false);
                l.bool("is_revoked", false);
                if let Some(limit) = limit {
                    l.str("name", "spring campaign");
                    l.int("member_limit", limit);
                }
            });
            if via_request {
                o.bool("via_join_request", true);
            }
        }
    }

    fn inline_query(&mut self, o: &mut Obj<'_>) {
        let user = self.user_index();
        let id = self.rng.range(1_000_000_000_000_000_000, i64::MAX);
        o.str("id", &id.to_string());
        o.obj("from", |u| self.user(u, Sender::User(user)));
        if self.rng.percent(85) {
            let chat_type = self.rng.pick(&[
                "sender",
                "private",
                "private",
                "group",
                "supergroup",
                "supergroup",
            ]);
            o.str("chat_type", chat_type);
        }
        let query = self.rng.pick(INLINE_QUERIES);
        o.str("query", query);
        let offset = if self.rng.percent(80) {
            String::new()
        } else {
            (self.rng.range(1, 10) * 20).to_string()
        };
        o.str("offset", &offset);
        if self.rng.percent(5) {
            let lat = self.rng.range(-60_000_000, 70_000_000) as f64 / 1e6 + 0.000_000_5;
            let lon = self.rng.range(-179_000_000, 179_000_000) as f64 / 1e6 + 0.000_000_5;
            o.obj("location", |l| {
                l.float("latitude", lat);
                l.float("longitude", lon);
            });
        }
    }

    fn channel_post(&mut self, o: &mut Obj<'_>) {
        let channel = ChatRef::Channel(self.rng.index(CHANNELS));
        let id = self.message_id(channel);
        self.header(o, id, Sender::Bot, channel, self.date);
        if self.rng.percent(30) {
            o.str("author_signature", "Editorial team");
        }
        if self.rng.percent(35) {
            self.photo_body(o);
        } else {
            let mut text = Text::default();
            self.phrase(&mut text);
            for _ in 0..1 + self.rng.below(3) {
                self.rich_piece(&mut text);
                text.plain("\n\n");
                self.phrase(&mut text);
            }
            self.write_text(o, &text, "text", "entities");
        }
    }

    fn member_message(&mut self, o: &mut Obj<'_>) {
        let group = ChatRef::Group(self.group_index());
        let user = self.user_index();
        let id = self.message_id(group);
        self.header(o, id, Sender::User(user), group, self.date);
        // The member again, under the names older versions of the API used.
        if self.rng.percent(70) {
            o.obj("new_chat_participant", |u| self.user(u, Sender::User(user)));
            o.obj("new_chat_member", |u| self.user(u, Sender::User(user)));
            o.arr("new_chat_members", |a| {
                a.obj(|u| self.user(u, Sender::User(user)));
            });
        } else {
            o.obj("left_chat_participant", |u| {
                self.user(u, Sender::User(user))
            });
            o.obj("left_chat_member", |u| self.user(u, Sender::User(user)));
        }
    }

    fn unknown_update(&mut self, o: &mut Obj<'_>) {
        let channel = ChatRef::Channel(self.rng.index(CHANNELS));
        let user = self.user_index();
        o.obj("chat", |c| self.chat(c, channel));
        o.int("story_id", self.rng.range(1, 500));
        o.obj("user", |u| self.user(u, Sender::User(user)));
        o.arr("reactions", |a| {
            for _ in 0..2 {
                a.int(self.rng.range(1, 40));
            }
        });
    }

    /// Now and then, a message field newer than this version of the API.
    fn maybe_newer_message_field(&mut self, o: &mut Obj<'_>) {
        if self.rng.percent(2) {
            let level = self.rng.range(1, 50);
            o.obj("sender_rank", |r| {
                r.str("title", "Top contributor");
                r.int("level", level);
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use telegram_api::{ChatMember, MaybeInaccessibleMessage, MessageOrigin, Update, UpdateKind};

    fn decode_all(seed: u64, count: usize) -> Vec<(Kind, Vec<u8>, Update)> {
        generate_labeled(seed, count)
            .into_iter()
            .map(|(kind, json)| {
                let update: Update = serde_json::from_slice(&json).unwrap_or_else(|e| {
                    panic!("{e}: {}", String::from_utf8_lossy(&json));
                });
                (kind, json, update)
            })
            .collect()
    }

    #[test]
    fn same_seed_same_bytes() {
        assert_eq!(generate(42, 500), generate(42, 500));
        assert_ne!(generate(42, 500), generate(43, 500));
        let labeled: Vec<Vec<u8>> = generate_labeled(42, 500)
            .into_iter()
            .map(|(_, json)| json)
            .collect();
        assert_eq!(labeled, generate(42, 500));
    }

    #[test]
    fn shares_add_up_to_a_thousand() {
        assert_eq!(Kind::ALL.iter().map(|k| k.per_mille()).sum::<u32>(), 1000);
    }

    #[test]
    fn every_update_decodes_as_value_and_update() {
        let mut last_id = 0;
        for (_, json, update) in decode_all(DEFAULT_SEED, 4000) {
            let value: serde_json::Value = serde_json::from_slice(&json).expect("valid JSON");
            assert_eq!(value["update_id"].as_i64(), Some(update.update_id));
            assert!(update.update_id > last_id, "update ids increase");
            last_id = update.update_id;
        }
    }

    #[test]
    fn reencoding_gives_back_the_same_json() {
        for (_, json, update) in decode_all(DEFAULT_SEED, 4000) {
            let original: serde_json::Value = serde_json::from_slice(&json).expect("valid JSON");
            let again: serde_json::Value =
                serde_json::from_slice(&serde_json::to_vec(&update).expect("encodes"))
                    .expect("valid JSON");
            assert_eq!(original, again, "{}", String::from_utf8_lossy(&json));
        }
    }

    #[test]
    fn the_mix_has_every_kind() {
        let updates = decode_all(DEFAULT_SEED, 6000);
        let kinds: BTreeSet<Kind> = updates.iter().map(|(k, _, _)| *k).collect();
        assert_eq!(kinds.len(), Kind::ALL.len(), "{kinds:?}");

        let mut seen = BTreeSet::new();
        let mut entity_types = BTreeSet::new();
        let mut statuses = BTreeSet::new();
        for (_, json, update) in &updates {
            let text = std::str::from_utf8(json).expect("UTF-8");
            if text.contains("\\u") {
                seen.insert("escaped non-ASCII");
            }
            if text.contains("\\/") {
                seen.insert("escaped slash");
            }
            if !update.extra.is_empty() {
                seen.insert("unknown update field");
            }
            let message = match &update.kind {
                UpdateKind::Message(m) => Some(m),
                UpdateKind::EditedMessage(m) => {
                    assert!(m.edit_date.is_some());
                    seen.insert("edited_message");
                    Some(m)
                }
                UpdateKind::ChannelPost(m) => {
                    assert!(m.sender_chat.is_some());
                    seen.insert("channel_post");
                    Some(m)
                }
                UpdateKind::CallbackQuery(q) => {
                    assert!(!q.chat_instance.is_empty());
                    assert!(q.data.is_some());
                    match q.message.as_deref() {
                        Some(MaybeInaccessibleMessage::Message(m)) => {
                            assert!(m.reply_markup.is_some());
                            seen.insert("callback_query with message");
                        }
                        Some(MaybeInaccessibleMessage::InaccessibleMessage(_)) => {
                            seen.insert("callback_query with inaccessible message");
                        }
                        Some(_) => {}
                        None => {
                            assert!(q.inline_message_id.is_some());
                            seen.insert("callback_query from an inline message");
                        }
                    }
                    None
                }
                UpdateKind::MyChatMember(c) | UpdateKind::ChatMember(c) => {
                    for member in [&c.old_chat_member, &c.new_chat_member] {
                        statuses.insert(match **member {
                            ChatMember::Owner(_) => "creator",
                            ChatMember::Administrator(_) => "administrator",
                            ChatMember::Member(_) => "member",
                            ChatMember::Restricted(_) => "restricted",
                            ChatMember::Left(_) => "left",
                            ChatMember::Banned(_) => "kicked",
                            _ => "unknown",
                        });
                    }
                    if c.invite_link.is_some() {
                        seen.insert("invite_link");
                    }
                    seen.insert(update.kind.name().expect("a kind"));
                    None
                }
                UpdateKind::InlineQuery(q) => {
                    if q.location.is_some() {
                        seen.insert("inline_query with location");
                    }
                    seen.insert("inline_query");
                    None
                }
                UpdateKind::Unknown(u) => {
                    assert_eq!(u.name, "story_reaction");
                    seen.insert("unknown update kind");
                    None
                }
                other => panic!("unexpected kind {:?}", other.name()),
            };
            let Some(message) = message else { continue };
            if message.chat.id < -1_000_000_000_000 {
                seen.insert("-100 chat id");
            }
            if message.from.as_ref().is_some_and(|u| u.id > 1 << 33) {
                seen.insert("user id above 33 bits");
            }
            if let Some(reply) = &message.reply_to_message {
                seen.insert(if reply.photo.is_some() {
                    "reply to a photo"
                } else {
                    "reply"
                });
            }
            if message.quote.is_some() {
                seen.insert("quote");
            }
            if let Some(origin) = &message.forward_origin {
                seen.insert(match **origin {
                    MessageOrigin::User(_) => "forward from user",
                    MessageOrigin::HiddenUser(_) => "forward from hidden user",
                    MessageOrigin::Chat(_) => "forward from chat",
                    MessageOrigin::Channel(_) => "forward from channel",
                    _ => "forward of unknown origin",
                });
            }
            if message.is_automatic_forward == Some(true) {
                seen.insert("automatic forward");
            }
            if let Some(photo) = &message.photo {
                assert!(photo.len() >= 2);
                if message.caption.is_some() {
                    seen.insert("photo with caption");
                }
                if message.caption_entities.is_some() {
                    seen.insert("caption entities");
                }
            }
            if message.new_chat_members.is_some() {
                seen.insert("new_chat_members");
            }
            if message.left_chat_member.is_some() {
                seen.insert("left_chat_member");
            }
            if message.is_topic_message == Some(true) {
                seen.insert("forum topic message");
            }
            if !message.extra.is_empty() {
                seen.insert("unknown message field");
            }
            if !message.chat.extra.is_empty() {
                seen.insert("unknown chat field");
            }
            if message.from.as_ref().is_some_and(|u| !u.extra.is_empty()) {
                seen.insert("unknown user field");
            }
            for e in message
                .entities
                .iter()
                .chain(&message.caption_entities)
                .flatten()
            {
                let json = serde_json::to_value(&e.r#type).expect("encodes");
                entity_types.insert(json.as_str().expect("a string").to_owned());
            }
        }
        for expected in [
            "escaped non-ASCII",
            "escaped slash",
            "edited_message",
            "channel_post",
            "callback_query with message",
            "callback_query with inaccessible message",
            "callback_query from an inline message",
            "my_chat_member",
            "chat_member",
            "invite_link",
            "inline_query",
            "inline_query with location",
            "unknown update kind",
            "-100 chat id",
            "user id above 33 bits",
            "reply",
            "reply to a photo",
            "quote",
            "forward from user",
            "forward from hidden user",
            "forward from chat",
            "forward from channel",
            "automatic forward",
            "photo with caption",
            "caption entities",
            "new_chat_members",
            "left_chat_member",
            "forum topic message",
            "unknown message field",
            "unknown chat field",
            "unknown user field",
        ] {
            assert!(seen.contains(expected), "no {expected} in {seen:?}");
        }
        for expected in [
            "bot_command",
            "mention",
            "url",
            "bold",
            "italic",
            "hashtag",
            "code",
            "pre",
            "text_link",
            "text_mention",
            "custom_emoji",
            "timestamp_link",
        ] {
            assert!(entity_types.contains(expected), "no {expected} entity");
        }
        for expected in [
            "creator",
            "administrator",
            "member",
            "restricted",
            "left",
            "kicked",
        ] {
            assert!(statuses.contains(expected), "no {expected} member");
        }
    }

    #[test]
    fn joined_forms_decode() {
        let updates = generate(7, 300);
        let array: Vec<Update> = serde_json::from_slice(&json_array(&updates)).expect("array");
        assert_eq!(array.len(), 300);

        let response: serde_json::Value =
            serde_json::from_slice(&get_updates_response(&updates)).expect("response");
        assert_eq!(response["ok"], serde_json::Value::Bool(true));
        assert_eq!(response["result"].as_array().map(Vec::len), Some(300));

        let lines = json_lines(&updates);
        let decoded = serde_json::Deserializer::from_slice(&lines)
            .into_iter::<Update>()
            .collect::<Result<Vec<_>, _>>()
            .expect("lines");
        assert_eq!(decoded, array);
        assert_eq!(lines.iter().filter(|&&b| b == b'\n').count(), 300);
        assert_eq!(total_len(&updates) + 300, lines.len());
    }

    #[test]
    fn entity_offsets_count_utf16_units() {
        for (_, json) in generate_labeled(3, 2000) {
            let value: serde_json::Value = serde_json::from_slice(&json).expect("valid JSON");
            let Some(message) = value.get("message") else {
                continue;
            };
            let (Some(text), Some(entities)) = (message["text"].as_str(), message.get("entities"))
            else {
                continue;
            };
            let units: Vec<u16> = text.encode_utf16().collect();
            for e in entities.as_array().expect("an array") {
                let offset = e["offset"].as_u64().expect("offset") as usize;
                let length = e["length"].as_u64().expect("length") as usize;
                assert!(offset + length <= units.len(), "{e} in {text:?}");
                assert!(String::from_utf16(&units[offset..offset + length]).is_ok());
            }
        }
    }
}
