use std::collections::BTreeMap;
use std::fmt::Debug;

use serde::{Deserialize, Serialize};

use super::*;

/// Packs `value` as `D`, checks the data is `want`, and that it unpacks to `value`.
fn round_trip<D: CallbackData + PartialEq + Debug>(value: D, want: &str) {
    let data = value.to_data().unwrap();
    assert_eq!(data, want);
    assert_eq!(D::from_data(&data).unwrap(), value);
}

macro_rules! data {
    ($ty:ty, $prefix:literal) => {
        impl CallbackData for $ty {
            const PREFIX: &'static str = $prefix;
        }
    };
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Back;
data!(Back, "back");

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Ints {
    a: u8,
    b: i64,
    c: u64,
    d: i128,
}
data!(Ints, "i");

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Texts(String, String, char, String);
data!(Texts, "t");

#[derive(Serialize, Deserialize, Debug, PartialEq)]
enum Action {
    Stop,
    Go(u32),
    Move(i8, i8),
    #[serde(rename = "s")]
    Set {
        on: bool,
        name: String,
    },
}
data!(Action, "act");

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Optional {
    a: Option<u32>,
    b: Option<String>,
    c: Option<Action>,
    d: bool,
}
data!(Optional, "o");

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Lists {
    v: Vec<u16>,
    m: BTreeMap<String, bool>,
    f: f64,
}
data!(Lists, "l");

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Blob(String);
data!(Blob, "b");

#[test]
fn unit_struct_is_the_prefix_alone() {
    round_trip(Back, "back");
    assert!(matches!(
        Back::from_data("backx"),
        Err(CallbackDataError::OtherType { .. })
    ));
    // One field too many.
    assert!(matches!(
        Back::from_data("back:1"),
        Err(CallbackDataError::Decode { .. })
    ));
}

#[test]
fn integers() {
    round_trip(
        Ints {
            a: 255,
            b: -9_000_000_000,
            c: u64::MAX,
            d: -1,
        },
        "i:255:-9000000000:18446744073709551615:-1",
    );
}

#[test]
fn texts_with_the_separator_and_the_escape() {
    round_trip(
        Texts("a:b".into(), "100%".into(), ':', String::new()),
        "t:a%3Ab:100%25:%3A:%",
    );
    round_trip(
        Texts("%3A".into(), "::".into(), '%', "é".into()),
        "t:%253A:%3A%3A:%25:é",
    );
    // A bad escape is a decode error, not a panic.
    for bad in ["t:%:%:%:%zz", "t:%4", "t:a:b:cd:e", "t:a:b"] {
        assert!(
            matches!(Texts::from_data(bad), Err(CallbackDataError::Decode { .. })),
            "{bad}"
        );
    }
}

#[test]
fn enums() {
    round_trip(Action::Stop, "act:Stop");
    round_trip(Action::Go(7), "act:Go:7");
    round_trip(Action::Move(-1, 2), "act:Move:-1:2");
    round_trip(
        Action::Set {
            on: true,
            name: "x".into(),
        },
        "act:s:1:x",
    );
    assert!(matches!(
        Action::from_data("act:Fly"),
        Err(CallbackDataError::Decode { .. })
    ));
}

#[test]
fn options() {
    round_trip(
        Optional {
            a: None,
            b: None,
            c: None,
            d: false,
        },
        "o::::0",
    );
    round_trip(
        Optional {
            a: Some(0),
            b: Some(String::new()),
            c: Some(Action::Go(1)),
            d: true,
        },
        "o:0:%:Go:1:1",
    );
    round_trip(
        Optional {
            a: Some(3),
            b: Some(":".into()),
            c: Some(Action::Stop),
            d: true,
        },
        "o:3:%3A:Stop:1",
    );
}

#[test]
fn sequences_maps_and_floats() {
    let m = BTreeMap::from([("a".to_string(), true), ("b:c".to_string(), false)]);
    round_trip(
        Lists {
            v: vec![1, 2, 3],
            m,
            f: 0.1,
        },
        "l:3:1:2:3:2:a:1:b%3Ac:0:0.1",
    );
    round_trip(
        Lists {
            v: vec![],
            m: BTreeMap::new(),
            f: 1e300,
        },
        "l:0:0:1e300",
    );
    // A count far beyond what the data holds is refused, not allocated.
    assert!(matches!(
        Lists::from_data("l:99999999999:1"),
        Err(CallbackDataError::Decode { .. })
    ));
}

#[test]
fn the_limit_is_64_bytes() {
    // "b:" + 62 bytes = 64: taken.
    let fits = Blob("x".repeat(62));
    assert_eq!(fits.to_data().unwrap().len(), 64);
    round_trip(fits, &format!("b:{}", "x".repeat(62)));
    // 65: refused, saying how long it is.
    let err = Blob("x".repeat(63)).to_data().unwrap_err();
    assert!(matches!(err, CallbackDataError::TooLong { len: 65, .. }));
    assert!(err.to_string().contains("65 bytes"), "{err}");
    assert!(err.to_string().contains("limit of 64"), "{err}");
    assert!(Blob("x".repeat(63)).button("x").is_err());
    // Counted in bytes: 31 two-byte characters fit, 32 do not (2 + 64 = 66).
    let cyrillic = Blob("ж".repeat(31));
    assert_eq!(cyrillic.to_data().unwrap().len(), 64);
    assert!(matches!(
        Blob("ж".repeat(32)).to_data(),
        Err(CallbackDataError::TooLong { len: 66, .. })
    ));
    // An escape counts three bytes.
    assert!(matches!(
        Blob(":".repeat(21)).to_data(),
        Err(CallbackDataError::TooLong { len: 65, .. })
    ));
    assert_eq!(Blob(":".repeat(20)).to_data().unwrap().len(), 62);
}

#[test]
fn buttons_carry_the_data() {
    let button = Action::Go(3).button("Go").unwrap();
    assert_eq!(button.text, "Go");
    assert_eq!(button.callback_data.as_deref(), Some("act:Go:3"));
}

#[test]
fn what_cannot_be_packed_is_an_error() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Nested(Option<Option<u8>>);
    data!(Nested, "n");
    assert!(matches!(
        Nested(Some(None)).to_data(),
        Err(CallbackDataError::Encode { .. })
    ));
    round_trip(Nested(Some(Some(1))), "n:1");
    round_trip(Nested(None), "n:");

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Skips {
        #[serde(skip_serializing_if = "Option::is_none")]
        a: Option<u8>,
    }
    data!(Skips, "sk");
    assert!(matches!(
        Skips { a: None }.to_data(),
        Err(CallbackDataError::Encode { .. })
    ));

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    #[serde(untagged)]
    enum Loose {
        N(u8),
        S(String),
    }
    data!(Loose, "u");
    // Packs (serde writes the content alone), but cannot be read back.
    assert!(matches!(
        Loose::from_data("u:1"),
        Err(CallbackDataError::Decode { .. })
    ));

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct BadPrefix;
    data!(BadPrefix, "a:b");
    assert!(matches!(
        BadPrefix.to_data(),
        Err(CallbackDataError::Prefix { .. })
    ));

    // The menus' buttons start with `m:`: a type's data must not reach them.
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Menuish(u8);
    data!(Menuish, "m");
    assert!(matches!(
        Menuish(1).to_data(),
        Err(CallbackDataError::Prefix { prefix: "m" })
    ));
}

#[test]
fn prefixes_are_told_apart() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Long(u8);
    data!(Long, "actx");
    assert!(is_for::<Action>("act:Stop"));
    assert!(is_for::<Action>("act#AAAAAAAAAAA"));
    assert!(!is_for::<Action>("actx:1"));
    assert!(!is_for::<Long>("act:Stop"));
    assert!(matches!(
        Action::from_data("actx:1"),
        Err(CallbackDataError::OtherType { .. })
    ));
    assert_eq!(stored_id("act#AAAAAAAAAA_"), Some("AAAAAAAAAA_"));
    assert_eq!(stored_id("act#AAAA"), None);
    assert_eq!(stored_id("act#AAAAAAAAAA!"), None);
}

#[test]
fn malformed_data_never_panics() {
    let inputs = [
        "",
        "act",
        "act:",
        "act::",
        "act:%",
        "act:%%",
        "act:Go:",
        "act:Go:-1",
        "act:Move:1",
        "act:s:2:x",
        "o:",
        "o:::::::",
        "l:1",
        "l:-1",
        "i:1:2:3:4:5",
        "t:\u{0}",
        "b:é%",
    ];
    for input in inputs {
        let _ = Action::from_data(input);
        let _ = Optional::from_data(input);
        let _ = Lists::from_data(input);
        let _ = Ints::from_data(input);
        let _ = Texts::from_data(input);
        let _ = Blob::from_data(input);
    }
}

#[test]
fn stored_data_is_the_prefix_a_hash_and_11_characters_within_64_bytes() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Wide;
    impl CallbackData for Wide {
        const PREFIX: &'static str = "wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww"; // 52
    }
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Wider;
    impl CallbackData for Wider {
        const PREFIX: &'static str = "wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww"; // 53
    }
    let update = serde_json::from_str(
        r#"{"update_id": 1, "callback_query": {"id": "q", "from": {"id": 7, "is_bot": false, "first_name": "A"}, "chat_instance": "ci", "data": "x"}}"#,
    )
    .unwrap();
    let ctx = Context::new(crate::Bot::new("1:T"), update);
    let data = ctx.store_callback_data(&Wide).unwrap();
    assert_eq!(data.len(), 64);
    assert!(stored_id(&data).is_some());
    let other = ctx.store_callback_data(&Wide).unwrap();
    assert_ne!(data, other);
    assert!(matches!(
        ctx.store_callback_data(&Wider),
        Err(CallbackDataError::TooLong { len: 65, .. })
    ));
    // Not the pressed button's type: refused, naming the data.
    assert!(matches!(
        ctx.callback_data_as::<Wide>(),
        Err(CallbackDataError::OtherType { .. })
    ));
}
