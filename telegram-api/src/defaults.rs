//! Parameters a bot can send with every method that takes them.

/// Which of the parameters a bot's defaults fill a method has. Generated for every method from the
/// Bot API description (`Method::DEFAULTABLE`).
#[doc(hidden)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Defaultable {
    /// The method has `parse_mode`; this names the parameter that replaces it (its entities).
    pub parse_mode: Option<&'static str>,
    /// The method has `disable_notification`.
    pub disable_notification: bool,
    /// The method has `protect_content`.
    pub protect_content: bool,
    /// The method has `link_preview_options`.
    pub link_preview_options: bool,
}

impl Defaultable {
    /// None of them.
    pub const NONE: Defaultable = Defaultable {
        parse_mode: None,
        disable_notification: false,
        protect_content: false,
        link_preview_options: false,
    };
}
