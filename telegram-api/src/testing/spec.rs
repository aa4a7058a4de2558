//! The strict checks of the fake Bot API: every request against the generated description of
//! its method, and the limits Telegram enforces on texts and buttons.

use serde_json::{Map, Value};

use super::Refusal;
use crate::generated::method_table::METHODS;
use crate::text::utf16_len;

/// The shape of a parameter's value on the wire.
#[derive(Debug)]
pub(crate) enum Kind {
    /// A JSON integer.
    Integer,
    /// A JSON number.
    Float,
    /// `true` or `false`.
    Boolean,
    /// A string.
    String,
    /// One of these strings.
    OneOf(&'static [&'static str]),
    /// An integer or a string (a chat id or a channel's `@username`).
    IntegerOrString,
    /// A file uploaded with the request (`attach://<name>`).
    Upload,
    /// An array of values of a kind.
    Array(&'static Kind),
    /// An object.
    Object,
}

/// A parameter of a method.
#[derive(Debug)]
pub(crate) struct Param {
    /// Its name.
    pub name: &'static str,
    /// Whether a request must have it.
    pub required: bool,
    /// The shape of its value.
    pub kind: Kind,
}

/// A method of the Bot API.
#[derive(Debug)]
pub(crate) struct MethodSpec {
    /// Its name, as in `sendMessage`.
    pub name: &'static str,
    /// Its parameters, in the order of the documentation.
    pub params: &'static [Param],
}

/// The longest text of a message, in UTF-16 code units.
pub(crate) const TEXT_LIMIT: usize = 4096;
/// The longest caption, in UTF-16 code units.
pub(crate) const CAPTION_LIMIT: usize = 1024;
/// The longest callback data of a button, in bytes.
pub(crate) const CALLBACK_DATA_LIMIT: usize = 64;

/// The description of `name`, if the Bot API has such a method.
pub(crate) fn method(name: &str) -> Option<&'static MethodSpec> {
    METHODS.iter().find(|m| m.name.eq_ignore_ascii_case(name))
}

/// Every method of the Bot API, with the names of its required parameters.
pub(crate) fn required_params() -> impl Iterator<Item = (&'static str, Vec<&'static str>)> {
    METHODS.iter().map(|m| {
        let required = m
            .params
            .iter()
            .filter(|p| p.required)
            .map(|p| p.name)
            .collect();
        (m.name, required)
    })
}

/// Checks a request as Telegram would, and more strictly where Telegram is silent (a
/// parameter the method does not have is refused instead of ignored).
pub(crate) fn check(method: &MethodSpec, fields: &Map<String, Value>) -> Result<(), Refusal> {
    for name in fields.keys() {
        if !method.params.iter().any(|p| p.name == name) {
            return Err(Refusal::bad_request(format!(
                "unknown parameter {name} (telegram_api::testing refuses what {} does not take)",
                method.name
            )));
        }
    }
    for param in method.params {
        match fields.get(param.name) {
            None | Some(Value::Null) if param.required => {
                return Err(Refusal::bad_request(missing(method.name, param.name)));
            }
            None | Some(Value::Null) => {}
            Some(value) => {
                if !fits(&param.kind, value) {
                    return Err(Refusal::bad_request(format!(
                        "can't parse {}: expected {}",
                        param.name,
                        describe(&param.kind)
                    )));
                }
            }
        }
    }
    limits(method.name, fields)
}

/// Telegram's words for a required parameter left out.
fn missing(method: &str, param: &str) -> String {
    match (method, param) {
        ("sendMessage", "text") | ("editMessageText", "text") => "message text is empty".into(),
        _ => format!("{param} is empty"),
    }
}

fn fits(kind: &Kind, value: &Value) -> bool {
    match kind {
        Kind::Integer => value.is_i64() || value.is_u64(),
        Kind::Float => value.is_number(),
        Kind::Boolean => value.is_boolean(),
        Kind::String => value.is_string(),
        Kind::OneOf(values) => value.as_str().is_some_and(|v| values.contains(&v)),
        Kind::IntegerOrString => value.is_i64() || value.is_string(),
        Kind::Upload => value.as_str().is_some_and(|s| s.starts_with("attach://")),
        Kind::Array(items) => value
            .as_array()
            .is_some_and(|a| a.iter().all(|v| fits(items, v))),
        Kind::Object => value.is_object(),
    }
}

fn describe(kind: &Kind) -> String {
    match kind {
        Kind::Integer => "an integer".into(),
        Kind::Float => "a number".into(),
        Kind::Boolean => "a boolean".into(),
        Kind::String => "a string".into(),
        Kind::OneOf(values) => format!("one of {}", values.join(", ")),
        Kind::IntegerOrString => "an integer or a string".into(),
        Kind::Upload => "an uploaded file".into(),
        Kind::Array(items) => format!("an array of {}", describe(items)),
        Kind::Object => "an object".into(),
    }
}

/// The limits on texts, captions and buttons, with Telegram's descriptions.
fn limits(method: &str, fields: &Map<String, Value>) -> Result<(), Refusal> {
    let message_text = matches!(method, "sendMessage" | "editMessageText");
    if let Some(text) = fields.get("text").and_then(Value::as_str)
        && message_text
    {
        if text.trim().is_empty() {
            return Err(Refusal::bad_request("message text is empty"));
        }
        if utf16_len(text) > TEXT_LIMIT {
            return Err(Refusal::bad_request("message is too long"));
        }
    }
    if let Some(caption) = fields.get("caption").and_then(Value::as_str)
        && utf16_len(caption) > CAPTION_LIMIT
    {
        return Err(Refusal::bad_request("message caption is too long"));
    }
    if let Some(markup) = fields.get("reply_markup") {
        check_markup(markup)?;
    }
    Ok(())
}

/// The rows of buttons of an inline keyboard (a `reply_markup`); none for another markup.
pub(crate) fn keyboard_rows(markup: &Value) -> impl Iterator<Item = &[Value]> {
    markup
        .get("inline_keyboard")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .map(Vec::as_slice)
}

/// An inline keyboard's buttons: callback data of 1 to 64 bytes.
pub(crate) fn check_markup(markup: &Value) -> Result<(), Refusal> {
    for button in keyboard_rows(markup).flatten() {
        if let Some(data) = button.get("callback_data").and_then(Value::as_str)
            && (data.is_empty() || data.len() > CALLBACK_DATA_LIMIT)
        {
            return Err(Refusal::bad_request("BUTTON_DATA_INVALID"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value, json};

    use super::{Kind, METHODS, check};

    /// A value of `kind` that passes the checks.
    fn sample(kind: &Kind) -> Value {
        match kind {
            Kind::Integer | Kind::IntegerOrString => json!(1),
            Kind::Float => json!(1.5),
            Kind::Boolean => json!(true),
            Kind::String => json!("x"),
            Kind::OneOf(values) => json!(values.first().copied().unwrap_or("x")),
            Kind::Upload => json!("attach://file0"),
            Kind::Array(items) => json!([sample(items)]),
            Kind::Object => json!({}),
        }
    }

    /// A value of another shape than `kind`.
    fn wrong(kind: &Kind) -> Value {
        match kind {
            Kind::String | Kind::OneOf(_) | Kind::Upload => json!(12),
            Kind::IntegerOrString => json!(true),
            _ => json!("twelve"),
        }
    }

    #[test]
    fn every_method_refuses_each_required_parameter_left_out_or_of_the_wrong_shape() {
        let mut checked = 0;
        for method in METHODS {
            let full: Map<String, Value> = method
                .params
                .iter()
                .filter(|p| p.required)
                .map(|p| (p.name.to_owned(), sample(&p.kind)))
                .collect();
            assert_eq!(check(method, &full), Ok(()), "{}: {full:?}", method.name);
            for param in method.params.iter().filter(|p| p.required) {
                let mut without = full.clone();
                without.remove(param.name);
                let refusal = check(method, &without).expect_err(param.name);
                assert_eq!(refusal.code(), 400);
                assert!(
                    refusal.description().ends_with(" is empty"),
                    "{}.{}: {}",
                    method.name,
                    param.name,
                    refusal.description()
                );
                let mut mistyped = full.clone();
                mistyped.insert(param.name.to_owned(), wrong(&param.kind));
                let refusal = check(method, &mistyped).expect_err(param.name);
                assert_eq!(
                    refusal.description(),
                    format!(
                        "Bad Request: can't parse {}: expected {}",
                        param.name,
                        super::describe(&param.kind)
                    )
                );
                checked += 1;
            }
        }
        // The description has well over a hundred methods with required parameters.
        assert!(checked > 300, "{checked}");
    }

    #[test]
    fn a_parameter_the_method_does_not_take_is_refused() {
        let send = super::method("sendMessage").unwrap();
        let request = json!({"chat_id": 1, "text": "hi", "txet": "typo"});
        let refusal = check(send, request.as_object().unwrap()).unwrap_err();
        assert!(
            refusal.description().contains("unknown parameter txet"),
            "{refusal:?}"
        );
    }

    #[test]
    fn texts_captions_and_callback_data_keep_telegrams_limits() {
        let send = super::method("sendMessage").unwrap();
        let refused = |request: Value| {
            check(send, request.as_object().unwrap())
                .unwrap_err()
                .description()
                .to_owned()
        };
        // 4096 UTF-16 units pass, one more does not; an emoji counts two.
        let at_limit = "a".repeat(4094) + "🙂";
        let request = json!({"chat_id": 1, "text": at_limit});
        assert_eq!(check(send, request.as_object().unwrap()), Ok(()));
        assert_eq!(
            refused(json!({"chat_id": 1, "text": "a".repeat(4095) + "🙂"})),
            "Bad Request: message is too long"
        );
        assert_eq!(
            refused(json!({"chat_id": 1, "text": "  "})),
            "Bad Request: message text is empty"
        );
        let button = |data: &str| {
            json!({"chat_id": 1, "text": "pick", "reply_markup":
                {"inline_keyboard": [[{"text": "A", "callback_data": data}]]}})
        };
        assert_eq!(
            check(send, button(&"d".repeat(64)).as_object().unwrap()),
            Ok(())
        );
        assert_eq!(
            refused(button(&"d".repeat(65))),
            "Bad Request: BUTTON_DATA_INVALID"
        );
        let photo = super::method("sendPhoto").unwrap();
        let request = json!({"chat_id": 1, "photo": "id", "caption": "c".repeat(1025)});
        assert_eq!(
            check(photo, request.as_object().unwrap())
                .unwrap_err()
                .description(),
            "Bad Request: message caption is too long"
        );
    }
}
