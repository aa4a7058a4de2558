//! Keyboards from buttons: rows as given, a grid of so many columns, or rows of given sizes
//! (`adjusted(buttons, &[2, 1])`: two buttons, then one a row), for inline keyboards and reply
//! keyboards alike.
//!
//! ```
//! use telegram_api::{InlineKeyboardButton as Button, InlineKeyboardMarkup};
//! use telegram_api::{KeyboardButton, ReplyKeyboardMarkup};
//!
//! let answers = InlineKeyboardMarkup::from_rows([
//!     [Button::callback("Yes", "yes"), Button::callback("No", "no")],
//! ])
//! .row([Button::link("Why?", "https://example.com/why")]);
//! assert_eq!(answers.inline_keyboard.len(), 2);
//!
//! let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].map(KeyboardButton::new);
//! let menu = ReplyKeyboardMarkup::grid(days, 3).resize_keyboard(true);
//! assert_eq!(menu.keyboard.iter().map(Vec::len).collect::<Vec<_>>(), [3, 3, 1]);
//! ```

use crate::{InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup};

/// `buttons` in rows of the given sizes, the last size repeating; a size of 0 counts as 1.
fn flow<B>(buttons: impl IntoIterator<Item = B>, sizes: &[usize]) -> Vec<Vec<B>> {
    let mut rows: Vec<Vec<B>> = Vec::new();
    let mut sizes = sizes.iter().map(|s| (*s).max(1));
    let mut size = sizes.next().unwrap_or(1);
    for button in buttons {
        match rows.last_mut() {
            Some(row) if row.len() < size => row.push(button),
            Some(_) => {
                size = sizes.next().unwrap_or(size);
                rows.push(vec![button]);
            }
            None => rows.push(vec![button]),
        }
    }
    rows
}

/// The ways to lay out a keyboard, for a keyboard type, its field of rows and its button type.
macro_rules! layouts {
    ($keyboard:ident . $rows:ident : $button:ty) => {
        impl $keyboard {
            /// A keyboard of these rows, each an iterator of buttons.
            #[must_use]
            pub fn from_rows<R, B>(rows: impl IntoIterator<Item = R>) -> Self
            where
                R: IntoIterator<Item = B>,
                B: Into<$button>,
            {
                Self::new(
                    rows.into_iter()
                        .map(|row| row.into_iter().map(Into::into).collect())
                        .collect(),
                )
            }

            /// `buttons` in rows of `columns` (the last row may be shorter).
            #[must_use]
            pub fn grid<B: Into<$button>>(
                buttons: impl IntoIterator<Item = B>,
                columns: usize,
            ) -> Self {
                Self::adjusted(buttons, &[columns])
            }

            /// `buttons` in rows of the given sizes, the last size repeating for the rest:
            /// `&[2, 1]` makes rows of 2, 1, 1, 1, ...
            #[must_use]
            pub fn adjusted<B: Into<$button>>(
                buttons: impl IntoIterator<Item = B>,
                sizes: &[usize],
            ) -> Self {
                Self::new(flow(buttons.into_iter().map(Into::into), sizes))
            }

            /// The keyboard with one more row at the bottom.
            #[must_use]
            pub fn row<B: Into<$button>>(mut self, row: impl IntoIterator<Item = B>) -> Self {
                self.$rows.push(row.into_iter().map(Into::into).collect());
                self
            }

            /// The keyboard's buttons laid out again, in rows of the given sizes (see
            /// [`adjusted`](Self::adjusted)).
            #[must_use]
            pub fn adjust(mut self, sizes: &[usize]) -> Self {
                let buttons = std::mem::take(&mut self.$rows).into_iter().flatten();
                self.$rows = flow(buttons, sizes);
                self
            }
        }
    };
}

layouts!(InlineKeyboardMarkup.inline_keyboard: InlineKeyboardButton);
layouts!(ReplyKeyboardMarkup.keyboard: KeyboardButton);

impl InlineKeyboardButton {
    /// A button that sends `data` back to the bot in a callback query when pressed.
    #[must_use]
    pub fn callback(text: impl Into<String>, data: impl Into<String>) -> Self {
        Self::new(text).callback_data(data)
    }

    /// A button that opens `url` (`https://`, `tg://`) when pressed.
    #[must_use]
    pub fn link(text: impl Into<String>, url: impl Into<String>) -> Self {
        Self::new(text).url(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buttons<const N: usize>(texts: [&str; N]) -> [KeyboardButton; N] {
        texts.map(KeyboardButton::new)
    }

    fn texts(rows: &[Vec<KeyboardButton>]) -> Vec<Vec<&str>> {
        rows.iter()
            .map(|r| r.iter().map(|b| b.text.as_str()).collect())
            .collect()
    }

    #[test]
    fn rows_of_given_sizes_the_last_repeating() {
        let letters = buttons(["a", "b", "c", "d", "e", "f"]);
        let k = ReplyKeyboardMarkup::adjusted(letters.clone(), &[2, 1]);
        assert_eq!(
            texts(&k.keyboard),
            [vec!["a", "b"], vec!["c"], vec!["d"], vec!["e"], vec!["f"]]
        );
        let k = ReplyKeyboardMarkup::adjusted(letters, &[1, 3]);
        assert_eq!(
            texts(&k.keyboard),
            [vec!["a"], vec!["b", "c", "d"], vec!["e", "f"]]
        );
        // No sizes, or a size of 0, is a column.
        assert_eq!(
            ReplyKeyboardMarkup::adjusted(buttons(["a", "b"]), &[])
                .keyboard
                .len(),
            2
        );
        assert_eq!(
            ReplyKeyboardMarkup::grid(buttons(["a", "b"]), 0)
                .keyboard
                .len(),
            2
        );
        assert!(
            ReplyKeyboardMarkup::grid(buttons([]), 3)
                .keyboard
                .is_empty()
        );
    }

    #[test]
    fn a_keyboard_grows_by_rows_and_is_laid_out_again() {
        let k = ReplyKeyboardMarkup::from_rows([buttons(["a", "b", "c"])])
            .row(buttons(["d"]))
            .adjust(&[2]);
        assert_eq!(texts(&k.keyboard), [vec!["a", "b"], vec!["c", "d"]]);
    }

    #[test]
    fn inline_buttons_encode_as_telegram_documents_them() {
        let k = InlineKeyboardMarkup::grid(
            [
                InlineKeyboardButton::callback("Yes", "y"),
                InlineKeyboardButton::link("Docs", "https://core.telegram.org/bots/api"),
            ],
            1,
        );
        assert_eq!(
            k.to_string(),
            r#"{"inline_keyboard":[[{"text":"Yes","callback_data":"y"}],[{"text":"Docs","url":"https://core.telegram.org/bots/api"}]]}"#
        );
    }
}
