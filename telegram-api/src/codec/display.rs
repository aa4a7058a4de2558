//! Macros the generated code invokes.

/// Implements `Display` as the compact JSON of the value.
macro_rules! display_as_json {
    ($($t:ty),* $(,)?) => {
        $(
            impl ::std::fmt::Display for $t {
                /// Writes the compact JSON of the value, as Telegram would send it.
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    $crate::codec::display::write_json(self, f)
                }
            }
        )*
    };
}

pub(crate) use display_as_json;

/// Writes `value` as compact JSON.
pub(crate) fn write_json<T: serde::Serialize + ?Sized>(
    value: &T,
    f: &mut std::fmt::Formatter<'_>,
) -> std::fmt::Result {
    match serde_json::to_string(value) {
        Ok(json) => f.write_str(&json),
        // Serializing these types does not fail; never turn a formatting call into a panic.
        Err(e) => write!(f, "{{\"error\":{:?}}}", e.to_string()),
    }
}
