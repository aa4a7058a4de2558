//! [`Menu`]: inline menus whose buttons carry their own code, redrawn in place after each
//! press.

use std::cell::Cell;
use std::collections::HashMap;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::{Arc, RwLock};

use super::context::Context;
use super::{BoxError, Handler, Regex};
use crate::{InlineKeyboardButton, InlineKeyboardMarkup, Message};

/// What every menu button's callback data starts with. A press whose data starts with it goes
/// to the menus registered with [`ApplicationBuilder::menu`](super::ApplicationBuilder::menu);
/// keep other callback data (a [`CallbackData`](super::CallbackData) prefix included) from
/// starting with it.
pub const DATA_PREFIX: &str = "m:";

/// The longest [`Menu`] id, in bytes: it is written into every button's callback data.
pub const MAX_ID_LEN: usize = 24;

/// The notices of the presses a menu cannot serve, in the bot's language. Set them with
/// [`Menu::stale_notices`]; [`Default`] is in English.
///
/// ```
/// use telegram_api::ext::menu::{Menu, StaleNotices};
///
/// let menu = Menu::new("reglages").stale_notices(StaleNotices {
///     gone: "Ce menu n'existe plus.".into(),
///     changed: "Ce menu a changé ; le voici à nouveau.".into(),
///     ..StaleNotices::default()
/// });
/// # drop(menu);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaleNotices {
    /// A button of a menu the bot no longer has.
    pub gone: String,
    /// A button of a menu whose layout changed since the message was drawn (the menu is drawn
    /// again).
    pub changed: String,
    /// A list item that moved or is gone (the list is drawn again).
    pub item_gone: String,
    /// A back button of a menu that is nobody's submenu.
    pub no_back: String,
    /// Data that is no menu button's at all (forged, or from another program).
    pub invalid: String,
}

impl Default for StaleNotices {
    fn default() -> StaleNotices {
        StaleNotices {
            gone: "This menu is no longer available.".into(),
            changed: "This menu has changed; here it is again.".into(),
            item_gone: "This item is no longer there; here is the list again.".into(),
            no_back: "There is no menu to go back to.".into(),
            invalid: "This button is not valid.".into(),
        }
    }
}

/// The labels of the list's paging buttons.
const PREVIOUS: &str = "◀";
const NEXT: &str = "▶";

type TextFn = Arc<dyn Fn(&Context) -> String + Send + Sync>;
type Action = Arc<dyn Fn(&Context) -> Result<Notice, BoxError> + Send + Sync>;
type ItemsFn = Arc<dyn Fn(&Context) -> Vec<String> + Send + Sync>;
type SelectFn = Arc<dyn Fn(&Context, usize) -> Result<Notice, BoxError> + Send + Sync>;

/// What follows a press, as a menu button's code returns it: what the answer to the press
/// shows — nothing (the default, `()`), a short notification at the top of the chat
/// (`"Saved"`, a `String`), or an alert the user must close ([`Notice::alert`]) — and, when
/// the code says so, where the menu goes next ([`open`](Notice::open),
/// [`back`](Notice::back), [`page`](Notice::page), [`list_page`](Notice::list_page),
/// [`close`](Notice::close)); otherwise the
/// menu is drawn again where it is. A button's code returns it: `Ok(())`, `Ok("Saved")`,
/// `Ok(Notice::text("Saved").open("receipt"))`.
///
/// ```
/// use telegram_api::ext::menu::{Menu, Notice};
///
/// let menu = Menu::new("admin")
///     .button("Ping", |_| Ok::<_, telegram_api::Error>("Pong"))
///     .button("Reset", |_| Ok::<_, telegram_api::Error>(Notice::alert("Everything was reset.")));
/// # drop(menu);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Notice {
    text: Option<String>,
    alert: bool,
    go: Go,
}

/// Where a button's code sends the menu after the press.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
enum Go {
    /// The same menu, on the same page, drawn again.
    #[default]
    Stay,
    /// The registered menu of this id, on its first page.
    Open(String),
    /// The menu this one is a submenu of.
    Back,
    /// This menu, with its `.0`th list on page `.1`.
    Page(usize, usize),
    /// No menu: the message keeps its text, without buttons.
    Close,
}

impl Notice {
    /// A notification that shows `text` (at most 200 characters) briefly at the top of the
    /// chat.
    ///
    /// ```
    /// # use telegram_api::ext::menu::Notice;
    /// assert_eq!(Notice::text("Saved").as_text(), Some("Saved"));
    /// ```
    pub fn text(text: impl Into<String>) -> Notice {
        Notice {
            text: Some(text.into()),
            ..Notice::default()
        }
    }

    /// An alert with `text` (at most 200 characters), which the user closes.
    ///
    /// ```
    /// # use telegram_api::ext::menu::Notice;
    /// assert!(Notice::alert("Careful").is_alert());
    /// ```
    pub fn alert(text: impl Into<String>) -> Notice {
        Notice {
            text: Some(text.into()),
            alert: true,
            ..Notice::default()
        }
    }

    /// Its text, if it shows one.
    ///
    /// ```
    /// # use telegram_api::ext::menu::Notice;
    /// assert_eq!(Notice::from(()).as_text(), None);
    /// ```
    pub fn as_text(&self) -> Option<&str> {
        self.text.as_deref()
    }

    /// Whether it is an alert.
    ///
    /// ```
    /// # use telegram_api::ext::menu::Notice;
    /// assert!(!Notice::text("Saved").is_alert());
    /// ```
    pub fn is_alert(&self) -> bool {
        self.alert
    }

    /// After the press, draws the menu `menu` (any registered menu or submenu, by
    /// [id](Menu::id), on its first page) in the message, as a
    /// [`submenu`](Menu::submenu) button does, but decided by the button's code: a wizard's
    /// next step, a receipt after "Pay". Its [`back`](Menu::back) button leads to the menu
    /// that holds it, as always. When no menu has that id (a mistake in the bot's code), it
    /// is logged and the pressed menu is drawn again.
    ///
    /// ```
    /// use telegram_api::ext::BoxError;
    /// use telegram_api::ext::menu::{Menu, Notice};
    ///
    /// let done = Menu::new("done").text(|_| "Order placed.".into()).back("⬅ Back");
    /// let cart = Menu::new("cart")
    ///     .text(|_| "Your cart".into())
    ///     .button("Pay", |ctx| {
    ///         ctx.set_user_data("paid", &true)?;
    ///         Ok::<_, BoxError>(Notice::text("Paid").open("done"))
    ///     })
    ///     // Registered with the cart, though no button opens it by itself.
    ///     .hidden_submenu(done);
    /// # drop(cart);
    /// ```
    #[must_use]
    pub fn open(mut self, menu: &str) -> Notice {
        self.go = Go::Open(menu.to_owned());
        self
    }

    /// After the press, draws the menu the pressed one is a submenu of, as a
    /// [`back`](Menu::back) button does. In a menu that is nobody's submenu, the menu is
    /// drawn again where it is.
    ///
    /// ```
    /// use telegram_api::ext::BoxError;
    /// use telegram_api::ext::menu::{Menu, Notice};
    ///
    /// // Saving leaves the form.
    /// let form = Menu::new("form").button("Save", |ctx| {
    ///     ctx.set_user_data("saved", &true)?;
    ///     Ok::<_, BoxError>(Notice::text("Saved").back())
    /// });
    /// # drop(form);
    /// ```
    #[must_use]
    pub fn back(mut self) -> Notice {
        self.go = Go::Back;
        self
    }

    /// After the press, draws the pressed menu with its [list](Menu::list) (its first one) on
    /// page `page` (from 0; the last page when there are fewer), instead of the page it
    /// showed.
    ///
    /// ```
    /// use telegram_api::ext::BoxError;
    /// use telegram_api::ext::menu::{Menu, Notice};
    ///
    /// let menu = Menu::new("log")
    ///     .button("⏮ First", |_| Ok::<_, BoxError>(Notice::default().page(0)))
    ///     .list(5, |_| (1..=40).map(|n| format!("Entry {n}")).collect(), |_, _| {
    ///         Ok::<_, BoxError>(())
    ///     });
    /// # drop(menu);
    /// ```
    #[must_use]
    pub fn page(mut self, page: usize) -> Notice {
        self.go = Go::Page(0, page);
        self
    }

    /// After the press, draws the pressed menu with its `list`th [list](Menu::list) (from 0,
    /// in the order they were added) on page `page` (from 0; the last page when there are
    /// fewer), the other lists where they were. [`page`](Notice::page) is `list_page(0, ..)`.
    ///
    /// ```
    /// use telegram_api::ext::menu::{Menu, Notice};
    /// use telegram_api::ext::{BoxError, Context};
    ///
    /// fn names(_: &Context) -> Vec<String> {
    ///     (1..=30).map(|n| format!("Name {n}")).collect()
    /// }
    /// let menu = Menu::new("two-lists")
    ///     .list(5, names, |_, _| Ok::<_, BoxError>(()))
    ///     .list(5, names, |_, _| Ok::<_, BoxError>(()))
    ///     .button("Second list from the start", |_| {
    ///         Ok::<_, BoxError>(Notice::default().list_page(1, 0))
    ///     });
    /// # drop(menu);
    /// ```
    #[must_use]
    pub fn list_page(mut self, list: usize, page: usize) -> Notice {
        self.go = Go::Page(list, page);
        self
    }

    /// After the press, removes the menu's buttons, as a [`close`](Menu::close) button does:
    /// the message stays.
    ///
    /// ```
    /// use telegram_api::ext::BoxError;
    /// use telegram_api::ext::menu::{Menu, Notice};
    ///
    /// let menu = Menu::new("confirm").button("Yes, delete", |ctx| {
    ///     ctx.set_user_data("deleted", &true)?;
    ///     Ok::<_, BoxError>(Notice::text("Deleted").close())
    /// });
    /// # drop(menu);
    /// ```
    #[must_use]
    pub fn close(mut self) -> Notice {
        self.go = Go::Close;
        self
    }
}

/// No text: the press is answered silently.
impl From<()> for Notice {
    fn from((): ()) -> Notice {
        Notice::default()
    }
}

/// A notification with this text.
impl From<&str> for Notice {
    fn from(text: &str) -> Notice {
        Notice::text(text)
    }
}

/// A notification with this text.
impl From<String> for Notice {
    fn from(text: String) -> Notice {
        Notice::text(text)
    }
}

/// A button's label: fixed, or computed each time the menu is drawn.
#[derive(Clone)]
enum Label {
    Fixed(Arc<str>),
    Computed(TextFn),
}

impl Label {
    fn render(&self, ctx: &Context) -> String {
        match self {
            Label::Fixed(text) => text.to_string(),
            Label::Computed(f) => f(ctx),
        }
    }

    /// What the layout's fingerprint takes of it: a fixed text, or a mark for a computed one.
    fn shape(&self) -> &str {
        match self {
            Label::Fixed(text) => text,
            Label::Computed(_) => "?",
        }
    }
}

/// A paged list of items.
#[derive(Clone)]
struct List {
    per_page: usize,
    items: ItemsFn,
    select: SelectFn,
}

/// One place of a menu's layout.
#[derive(Clone)]
enum Entry {
    Button {
        label: Label,
        action: Action,
    },
    Submenu {
        label: Label,
        menu: Box<Menu>,
    },
    /// A submenu without a button, opened by a button's code ([`Notice::open`]).
    Hidden {
        menu: Box<Menu>,
    },
    Back {
        label: Label,
    },
    Close {
        label: Label,
    },
    List(List),
}

/// An inline menu: a message's text and inline keyboard whose buttons run their own code,
/// open submenus, go back, and page through lists; after each press the menu is drawn again
/// in the same message (`editMessageText`, or `editMessageReplyMarkup` when only the buttons
/// changed), so labels computed from the store (a "✅ Notifications on" toggle) show the new
/// state at once.
///
/// A menu is built once, registered with
/// [`ApplicationBuilder::menu`](super::ApplicationBuilder::menu) (which takes its
/// submenus too), and sent from any handler with [`Menu::send`]:
///
/// ```
/// use telegram_api::Bot;
/// use telegram_api::ext::menu::Menu;
/// use telegram_api::ext::{Application, BoxError, Context};
///
/// fn notifications(ctx: &Context) -> Result<bool, BoxError> {
///     Ok(ctx.user_data("notifications")?.unwrap_or(false))
/// }
///
/// let fruits = ["Apple", "Banana", "Cherry", "Date", "Elderberry"];
/// let list = Menu::new("fruits")
///     .text(|_| "Pick a fruit".into())
///     .list(2, move |_| fruits.map(String::from).to_vec(), move |ctx: &Context, i| {
///         ctx.set_user_data("fruit", fruits[i])?;
///         Ok::<_, BoxError>(format!("{} it is", fruits[i]))
///     })
///     .back("⬅ Back");
/// let settings = Menu::new("settings")
///     .text(|_| "Settings".into())
///     .button_with(
///         |ctx| {
///             let on = notifications(ctx).unwrap_or(false);
///             format!("Notifications: {}", if on { "on" } else { "off" })
///         },
///         |ctx| {
///             let on = notifications(ctx)?;
///             ctx.set_user_data("notifications", &!on)?;
///             Ok::<_, BoxError>(())
///         },
///     )
///     .row()
///     .submenu("Fruits", list);
///
/// let shown = settings.clone();
/// let app = Application::builder(Bot::new("123:TOKEN"))
///     .menu(settings)
///     .command("settings", move |ctx: &Context| shown.send(ctx).map(drop))
///     .build();
/// # drop(app);
/// ```
///
/// **Answers.** Every press on a menu's button is answered (`answerCallbackQuery`) exactly
/// once, by the menu, after the button's code ran: with the [`Notice`] the code returned, or
/// silently when it failed or panicked (the failure goes to the error handler). So a button's
/// code does not answer the press itself. A press on a button the bot can no longer serve —
/// its menu was removed, its layout changed since the message was drawn, a list item moved,
/// forged data — is answered with a notice saying so ([`StaleNotices`]); when the menu still
/// exists it is drawn again, fresh.
/// An answer that fails — Telegram refuses a second answer to a press, and one to a press that
/// is too old, as a press handled again after the bot was restarted can be — is logged: the
/// press's changes are kept and the menu is drawn all the same.
///
/// **Callback data.** A button carries `m:<menu id>:<layout>:<pages>:<target>`: at most 50
/// bytes for one list of fewer than a million items (Telegram takes 64; each further list
/// takes a few bytes more). `<layout>` is four characters fingerprinting the menu's layout
/// (the kinds and order of its entries, fixed labels, the submenus' ids, the lists' page
/// sizes), so a button drawn by an earlier version of the bot whose menu changed is
/// recognised as stale instead of running another button's code; `<pages>` is the page each
/// list shows (`2`, or `2.0` for two lists); `<target>` is `b<n>` (the `n`th entry),
/// `i<n>.<fp>` (the list's `n`th item, with a fingerprint of its label, checked on press),
/// `p<n>` (the list to page `n`) or `n` (a page counter, which does nothing); for a list other
/// than the first, its number (from 0, in order) follows: `i<n>.<fp>.<k>`, `p<n>.<k>`.
/// Buttons with computed labels count by their position only: a new version of the bot that
/// swaps two of them should give the menu a new id (or change a fixed label), so that older
/// messages' buttons are seen as stale.
///
/// **State.** Where the user is (which submenu, which page) lives in the message's buttons, so
/// it needs no store, survives restarts, and each message with a menu keeps its own place.
/// What the buttons change (a setting) is for their code to keep, in the store
/// ([`Context::set_user_data`], ...), committed with the update like any change of a handler.
///
/// **Submenus and back.** A menu's ids must be unique among the registered menus and their
/// submenus; a submenu's parent is the menu that holds it (the first one registered, if
/// several do). A back button in a menu that is nobody's submenu is answered with a notice.
/// A button's code can move the menu too, by what it returns: to another menu
/// ([`Notice::open`]; a [`hidden_submenu`](Menu::hidden_submenu) is one only code opens),
/// back ([`Notice::back`]), to a page of the list ([`Notice::page`]), or closed
/// ([`Notice::close`]).
#[derive(Clone)]
pub struct Menu {
    id: Arc<str>,
    text: Option<TextFn>,
    /// Its own notices, else those of the menu that holds it.
    notices: Option<Arc<StaleNotices>>,
    /// Rows of entries; a list is alone in its row.
    rows: Vec<Vec<Entry>>,
    /// The labels of the list's buttons to the previous and the next page.
    pager: Arc<(String, String)>,
}

impl Menu {
    /// An empty menu named `id`, which its buttons carry: 1 to [`MAX_ID_LEN`] ASCII letters,
    /// digits, `_`, `-` or `.`, unique among the menus of the bot. Keep it across versions of
    /// the bot, so that the buttons of older messages still find the menu.
    ///
    /// ```
    /// # use telegram_api::ext::menu::Menu;
    /// let menu = Menu::new("settings");
    /// assert_eq!(menu.id(), "settings");
    /// ```
    ///
    /// # Panics
    ///
    /// When `id` is empty, longer than [`MAX_ID_LEN`], or has other characters: a mistake in
    /// the bot's code, found the first time it builds its menus.
    #[must_use]
    pub fn new(id: &str) -> Menu {
        assert!(
            valid_id(id),
            "a menu id is 1 to {MAX_ID_LEN} ASCII letters, digits, '_', '-' or '.', not {id:?}"
        );
        Menu {
            id: id.into(),
            text: None,
            notices: None,
            rows: vec![Vec::new()],
            pager: Arc::new((PREVIOUS.to_owned(), NEXT.to_owned())),
        }
    }

    /// Its id.
    ///
    /// ```
    /// # use telegram_api::ext::menu::Menu;
    /// assert_eq!(Menu::new("more").id(), "more");
    /// ```
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The message's text while this menu shows, computed each time it is drawn (plain text,
    /// 1-4096 characters). Without one, [`send`](Menu::send) writes the menu's id, and opening
    /// the menu from another keeps the message's text.
    ///
    /// ```
    /// # use telegram_api::ext::menu::Menu;
    /// let menu = Menu::new("profile").text(|ctx| {
    ///     let name = ctx.effective_user().map_or("", |u| u.first_name.as_str());
    ///     format!("Profile of {name}")
    /// });
    /// # drop(menu);
    /// ```
    #[must_use]
    pub fn text(mut self, text: impl Fn(&Context) -> String + Send + Sync + 'static) -> Menu {
        self.text = Some(Arc::new(text));
        self
    }

    /// A button labelled `label` that runs `action` when pressed, then draws the menu again.
    /// `action` returns what the answer to the press shows ([`Notice`]: `()` for nothing).
    ///
    /// ```
    /// # use telegram_api::ext::menu::Menu;
    /// use telegram_api::ext::BoxError;
    /// let menu = Menu::new("counter").button("+1", |ctx| {
    ///     let n: u32 = ctx.user_data("n")?.unwrap_or(0);
    ///     ctx.set_user_data("n", &(n + 1))?;
    ///     Ok::<_, BoxError>(format!("{}", n + 1))
    /// });
    /// # drop(menu);
    /// ```
    #[must_use]
    pub fn button<F, R, E>(self, label: impl Into<String>, action: F) -> Menu
    where
        F: Fn(&Context) -> Result<R, E> + Send + Sync + 'static,
        R: Into<Notice>,
        E: Into<BoxError>,
    {
        let label = Label::Fixed(label.into().into());
        self.push(Entry::Button {
            label,
            action: action_of(action),
        })
    }

    /// A button whose label `label` computes each time the menu is drawn (from the store, the
    /// user, ...), and that runs `action` when pressed, then draws the menu again, new labels
    /// included. `label` should read what it needs leniently (`unwrap_or_default`): a store
    /// failure makes the application handle the update again anyway.
    ///
    /// ```
    /// # use telegram_api::ext::menu::Menu;
    /// use telegram_api::ext::BoxError;
    /// let menu = Menu::new("alerts").button_with(
    ///     |ctx| {
    ///         let on: bool = ctx.user_data("alerts").ok().flatten().unwrap_or(false);
    ///         if on { "✅ Alerts on".into() } else { "Alerts off".into() }
    ///     },
    ///     |ctx| {
    ///         let on: bool = ctx.user_data("alerts")?.unwrap_or(false);
    ///         ctx.set_user_data("alerts", &!on)?;
    ///         Ok::<_, BoxError>(())
    ///     },
    /// );
    /// # drop(menu);
    /// ```
    #[must_use]
    pub fn button_with<L, F, R, E>(self, label: L, action: F) -> Menu
    where
        L: Fn(&Context) -> String + Send + Sync + 'static,
        F: Fn(&Context) -> Result<R, E> + Send + Sync + 'static,
        R: Into<Notice>,
        E: Into<BoxError>,
    {
        self.push(Entry::Button {
            label: Label::Computed(Arc::new(label)),
            action: action_of(action),
        })
    }

    /// A button labelled `label` that opens `menu` in the same message. `menu` is registered
    /// with this one; its [`back`](Menu::back) button returns here.
    ///
    /// ```
    /// # use telegram_api::ext::menu::Menu;
    /// let more = Menu::new("more").text(|_| "More".into()).back("⬅ Back");
    /// let main = Menu::new("main").submenu("More…", more);
    /// # drop(main);
    /// ```
    #[must_use]
    pub fn submenu(self, label: impl Into<String>, menu: Menu) -> Menu {
        self.push(Entry::Submenu {
            label: Label::Fixed(label.into().into()),
            menu: Box::new(menu),
        })
    }

    /// A button whose label `label` computes each time the menu is drawn, and that opens
    /// `menu` in the same message (see [`submenu`](Menu::submenu)).
    ///
    /// ```
    /// # use telegram_api::ext::menu::Menu;
    /// let cart = Menu::new("cart").text(|_| "Your cart".into()).back("⬅ Back");
    /// let shop = Menu::new("shop").submenu_with(
    ///     |ctx| {
    ///         let items: Vec<String> = ctx.user_data("cart").ok().flatten().unwrap_or_default();
    ///         format!("🛒 Cart ({})", items.len())
    ///     },
    ///     cart,
    /// );
    /// # drop(shop);
    /// ```
    #[must_use]
    pub fn submenu_with(
        self,
        label: impl Fn(&Context) -> String + Send + Sync + 'static,
        menu: Menu,
    ) -> Menu {
        self.push(Entry::Submenu {
            label: Label::Computed(Arc::new(label)),
            menu: Box::new(menu),
        })
    }

    /// Registers `menu` as a submenu of this one without a button to open it: a button's code
    /// opens it ([`Notice::open`]), and its [`back`](Menu::back) button returns here. It
    /// takes no place in the keyboard.
    ///
    /// ```
    /// use telegram_api::ext::BoxError;
    /// use telegram_api::ext::menu::{Menu, Notice};
    ///
    /// let thanks = Menu::new("thanks").text(|_| "Thank you!".into()).back("⬅ Back");
    /// let rate = Menu::new("rate")
    ///     .text(|_| "How was it?".into())
    ///     .button("👍", |ctx| {
    ///         ctx.set_user_data("rating", &1)?;
    ///         Ok::<_, BoxError>(Notice::default().open("thanks"))
    ///     })
    ///     .hidden_submenu(thanks);
    /// # drop(rate);
    /// ```
    #[must_use]
    pub fn hidden_submenu(self, menu: Menu) -> Menu {
        self.push(Entry::Hidden {
            menu: Box::new(menu),
        })
    }

    /// A button labelled `label` that opens the menu this one is a submenu of, in the same
    /// message.
    ///
    /// ```
    /// # use telegram_api::ext::menu::Menu;
    /// let more = Menu::new("more").back("⬅ Back");
    /// # drop(more);
    /// ```
    #[must_use]
    pub fn back(self, label: impl Into<String>) -> Menu {
        self.push(Entry::Back {
            label: Label::Fixed(label.into().into()),
        })
    }

    /// A button labelled `label` that closes the menu: the message stays, without its buttons.
    ///
    /// ```
    /// # use telegram_api::ext::menu::Menu;
    /// let menu = Menu::new("help").text(|_| "Help".into()).close("✖ Close");
    /// # drop(menu);
    /// ```
    #[must_use]
    pub fn close(self, label: impl Into<String>) -> Menu {
        self.push(Entry::Close {
            label: Label::Fixed(label.into().into()),
        })
    }

    /// A list of items, `per_page` a page (at least 1), one a row, with a row of paging
    /// buttons under it when there is more than one page: `◀` (not on the first page), the
    /// page counter (`2/5`), `▶` (not on the last page); [`pager`](Menu::pager) sets other
    /// labels for `◀` and `▶`, and a button's code can show another page
    /// ([`Notice::page`]). `items` computes the items each time
    /// the menu is drawn or an item is pressed; pressing one runs `select` with the item's
    /// index in `items`, then draws the menu again. An item whose label changed or moved since
    /// the message was drawn is not selected: the press is answered with a notice and the
    /// list drawn again.
    ///
    /// A menu can have several lists, each paged on its own: each press carries the page of
    /// every list (a few bytes of callback data a list).
    ///
    /// ```
    /// # use telegram_api::ext::menu::Menu;
    /// use telegram_api::ext::BoxError;
    /// let menu = Menu::new("numbers").list(
    ///     10,
    ///     |_| (1..=95).map(|n| n.to_string()).collect(),
    ///     |_, index| Ok::<_, BoxError>(format!("You picked {}", index + 1)),
    /// );
    /// # drop(menu);
    /// ```
    #[must_use]
    pub fn list<I, F, R, E>(self, per_page: usize, items: I, select: F) -> Menu
    where
        I: Fn(&Context) -> Vec<String> + Send + Sync + 'static,
        F: Fn(&Context, usize) -> Result<R, E> + Send + Sync + 'static,
        R: Into<Notice>,
        E: Into<BoxError>,
    {
        let list = List {
            per_page: per_page.max(1),
            items: Arc::new(items),
            select: Arc::new(move |ctx: &Context, index: usize| {
                select(ctx, index).map(Into::into).map_err(Into::into)
            }),
        };
        self.row().push(Entry::List(list)).row()
    }

    /// The labels of the [list](Menu::list)'s buttons to the previous and to the next page,
    /// instead of `◀` and `▶` (1-64 characters each, as for any button). The labels are
    /// not part of the buttons' data: changing them leaves the buttons of messages already
    /// sent working.
    ///
    /// ```
    /// use telegram_api::ext::BoxError;
    /// use telegram_api::ext::menu::Menu;
    ///
    /// let menu = Menu::new("seiten")
    ///     .list(5, |_| (1..=40).map(|n| format!("Eintrag {n}")).collect(), |_, _| {
    ///         Ok::<_, BoxError>(())
    ///     })
    ///     .pager("‹ Zurück", "Weiter ›");
    /// # drop(menu);
    /// ```
    #[must_use]
    pub fn pager(mut self, previous: impl Into<String>, next: impl Into<String>) -> Menu {
        self.pager = Arc::new((previous.into(), next.into()));
        self
    }

    /// The notices of the presses this menu cannot serve (a stale button, a moved list item,
    /// forged data), instead of the English [`StaleNotices::default`]; its submenus take them
    /// too, unless they have their own. The first registered menu's notices also answer the
    /// presses on buttons of menus the bot no longer has.
    ///
    /// ```
    /// # use telegram_api::ext::menu::{Menu, StaleNotices};
    /// let menu = Menu::new("einstellungen").stale_notices(StaleNotices {
    ///     gone: "Dieses Menü gibt es nicht mehr.".into(),
    ///     ..StaleNotices::default()
    /// });
    /// # drop(menu);
    /// ```
    #[must_use]
    pub fn stale_notices(mut self, notices: StaleNotices) -> Menu {
        self.notices = Some(Arc::new(notices));
        self
    }

    /// Ends the current row of buttons: the next one starts a new row.
    ///
    /// ```
    /// # use telegram_api::ext::menu::Menu;
    /// use telegram_api::ext::BoxError;
    /// let menu = Menu::new("yes-no")
    ///     .button("Yes", |_| Ok::<_, BoxError>(()))
    ///     .button("No", |_| Ok::<_, BoxError>(()))
    ///     .row()
    ///     .button("Cancel", |_| Ok::<_, BoxError>(()));
    /// # drop(menu);
    /// ```
    #[must_use]
    pub fn row(mut self) -> Menu {
        if self.rows.last().is_some_and(|r| !r.is_empty()) {
            self.rows.push(Vec::new());
        }
        self
    }

    /// The inline keyboard of the menu as it is now for `ctx` (labels computed, the list on
    /// its first page), to put under a message of your own; its presses go to the menu.
    ///
    /// ```no_run
    /// # use telegram_api::ext::{Context, menu::Menu};
    /// # fn f(ctx: &Context, menu: &Menu) -> Result<(), telegram_api::Error> {
    /// ctx.reply_photo(telegram_api::InputFile::file_id("AgAC..."))
    ///     .reply_markup(menu.markup(ctx))
    ///     .call()?;
    /// # Ok(()) }
    /// ```
    pub fn markup(&self, ctx: &Context) -> InlineKeyboardMarkup {
        self.keyboard(ctx, &[])
    }

    /// Sends the menu to the update's chat ([`Context::reply`]): its text (or its id, without
    /// one) and buttons, the list on its first page. The presses on its buttons go to the menu
    /// once it is registered ([`ApplicationBuilder::menu`](super::ApplicationBuilder::menu)).
    ///
    /// ```
    /// # use telegram_api::ext::{Context, menu::Menu};
    /// # fn f(ctx: &Context, menu: &Menu) -> Result<(), telegram_api::Error> {
    /// let message = menu.send(ctx)?;
    /// log::info!("menu {} sent as message {}", menu.id(), message.message_id);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// Fails as `sendMessage` does.
    pub fn send(&self, ctx: &Context) -> Result<Message, crate::Error> {
        let text = self.render_text(ctx).unwrap_or_else(|| self.id.to_string());
        ctx.reply(text).reply_markup(self.markup(ctx)).call()
    }

    fn push(mut self, entry: Entry) -> Menu {
        match self.rows.last_mut() {
            Some(row) => row.push(entry),
            None => self.rows.push(vec![entry]),
        }
        self
    }

    fn render_text(&self, ctx: &Context) -> Option<String> {
        self.text.as_ref().map(|f| f(ctx))
    }

    fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.rows.iter().flatten()
    }

    /// Its lists, in order.
    fn lists(&self) -> impl Iterator<Item = &List> {
        self.entries().filter_map(|e| match e {
            Entry::List(list) => Some(list),
            _ => None,
        })
    }

    fn submenus(&self) -> impl Iterator<Item = &Menu> {
        self.entries().filter_map(|e| match e {
            Entry::Submenu { menu, .. } | Entry::Hidden { menu } => Some(&**menu),
            _ => None,
        })
    }

    /// The fingerprint of the layout: what a button's position means.
    fn layout(&self) -> String {
        let mut shape = String::new();
        for row in &self.rows {
            for entry in row {
                match entry {
                    Entry::Button { label, .. } => shape.push_str(&format!("b{}", label.shape())),
                    Entry::Submenu { label, menu } => {
                        shape.push_str(&format!("s{}>{}", label.shape(), menu.id));
                    }
                    Entry::Hidden { menu } => shape.push_str(&format!("h>{}", menu.id)),
                    Entry::Back { label } => shape.push_str(&format!("k{}", label.shape())),
                    Entry::Close { label } => shape.push_str(&format!("c{}", label.shape())),
                    Entry::List(list) => shape.push_str(&format!("l{}", list.per_page)),
                }
                shape.push('\u{1}');
            }
            shape.push('\u{2}');
        }
        fingerprint(&shape)
    }

    /// The menu's keyboard showing page `pages[k]` of its `k`th list (the first page for a
    /// list `pages` has no page for, the last page when a list has fewer).
    fn keyboard(&self, ctx: &Context, pages: &[usize]) -> InlineKeyboardMarkup {
        let layout = self.layout();
        // Each list's items, and the page shown.
        let lists: Vec<(Vec<String>, usize)> = self
            .lists()
            .enumerate()
            .map(|(k, list)| {
                let items = (list.items)(ctx);
                let last = items.len().div_ceil(list.per_page).saturating_sub(1);
                let page = pages.get(k).copied().unwrap_or(0).min(last);
                (items, page)
            })
            .collect();
        let shown = match lists.is_empty() {
            true => "0".to_owned(),
            false => {
                let pages: Vec<String> = lists.iter().map(|(_, p)| p.to_string()).collect();
                pages.join(".")
            }
        };
        let data = |target: &str| format!("{DATA_PREFIX}{}:{layout}:{shown}:{target}", self.id);
        // The target's suffix naming list `k` (none for the first).
        let of = |k: usize| match k {
            0 => String::new(),
            k => format!(".{k}"),
        };
        let mut rows: Vec<Vec<InlineKeyboardButton>> = Vec::new();
        let mut n = 0usize;
        let mut k = 0usize;
        for row in &self.rows {
            let mut buttons = Vec::new();
            for entry in row {
                match entry {
                    Entry::Button { label, .. }
                    | Entry::Submenu { label, .. }
                    | Entry::Back { label }
                    | Entry::Close { label } => {
                        buttons.push(InlineKeyboardButton::callback(
                            label.render(ctx),
                            data(&format!("b{n}")),
                        ));
                    }
                    Entry::Hidden { .. } => {}
                    Entry::List(list) => {
                        let (items, page) = lists.get(k).map_or((&[][..], 0), |(i, p)| (i, *p));
                        let start = page * list.per_page;
                        for (i, item) in items.iter().enumerate().skip(start).take(list.per_page) {
                            let target = format!("i{i}.{}{}", fingerprint(item), of(k));
                            rows.push(vec![InlineKeyboardButton::callback(
                                item.clone(),
                                data(&target),
                            )]);
                        }
                        let pages = items.len().div_ceil(list.per_page);
                        if pages > 1 {
                            let mut paging = Vec::new();
                            if page > 0 {
                                let target = format!("p{}{}", page - 1, of(k));
                                paging.push(InlineKeyboardButton::callback(
                                    self.pager.0.as_str(),
                                    data(&target),
                                ));
                            }
                            paging.push(InlineKeyboardButton::callback(
                                format!("{}/{pages}", page + 1),
                                data("n"),
                            ));
                            if page + 1 < pages {
                                let target = format!("p{}{}", page + 1, of(k));
                                paging.push(InlineKeyboardButton::callback(
                                    self.pager.1.as_str(),
                                    data(&target),
                                ));
                            }
                            rows.push(paging);
                        }
                        k += 1;
                    }
                }
                n += 1;
            }
            if !buttons.is_empty() {
                rows.push(buttons);
            }
        }
        for button in rows.iter().flatten() {
            let len = button.callback_data.as_ref().map_or(0, String::len);
            if len > super::callback_data::MAX_LEN {
                log::error!(
                    target: "telegram_api",
                    "a button of menu {:?} has {len} bytes of callback data, over Telegram's limit",
                    self.id
                );
            }
        }
        InlineKeyboardMarkup::new(rows)
    }
}

impl fmt::Debug for Menu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Menu")
            .field("id", &self.id)
            .field("layout", &self.layout())
            .field(
                "submenus",
                &self.submenus().map(|m| m.id.clone()).collect::<Vec<_>>(),
            )
            .finish()
    }
}

fn action_of<F, R, E>(action: F) -> Action
where
    F: Fn(&Context) -> Result<R, E> + Send + Sync + 'static,
    R: Into<Notice>,
    E: Into<BoxError>,
{
    Arc::new(move |ctx: &Context| action(ctx).map(Into::into).map_err(Into::into))
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// Four characters (24 bits of FNV-1a) standing for `text`, the same in every run.
fn fingerprint(text: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut hash: u32 = 0x811c_9dc5;
    for byte in text.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    (0..4)
        .map(|i| char::from(ALPHABET[((hash >> (6 * i)) & 63) as usize]))
        .collect()
}

/// What a pressed menu button asks for.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    /// The `n`th entry.
    Entry(usize),
    /// The item at `index` of the menu's `list`th list, with the fingerprint of its label.
    Item {
        list: usize,
        index: usize,
        print: String,
    },
    /// A page of the menu's `list`th list.
    Page { list: usize, page: usize },
    /// Nothing (the page counter).
    Nothing,
}

/// A menu button's callback data, decoded.
#[derive(Debug, PartialEq, Eq)]
struct Pressed {
    menu: String,
    layout: String,
    /// The page each list showed, in order.
    pages: Vec<usize>,
    target: Target,
}

impl Pressed {
    /// The data of a menu button, or `None` when `data` is not one.
    fn parse(data: &str) -> Option<Pressed> {
        let rest = data.strip_prefix(DATA_PREFIX)?;
        let mut parts = rest.splitn(4, ':');
        let menu = parts.next()?;
        let layout = parts.next()?;
        let pages = parts
            .next()?
            .split('.')
            .map(|p| p.parse().ok())
            .collect::<Option<Vec<usize>>>()?;
        let target = parts.next()?;
        if !valid_id(menu) || layout.len() != 4 {
            return None;
        }
        // A list's number follows as `.<k>`, but for the first list.
        let list = |k: Option<&str>| match k {
            None => Some(0),
            Some(k) => k.parse().ok(),
        };
        let target = if target == "n" {
            Target::Nothing
        } else if let Some(n) = target.strip_prefix('b') {
            Target::Entry(n.parse().ok()?)
        } else if let Some(page) = target.strip_prefix('p') {
            let mut page = page.split('.');
            let (n, k) = (page.next()?, page.next());
            if page.next().is_some() {
                return None;
            }
            Target::Page {
                list: list(k)?,
                page: n.parse().ok()?,
            }
        } else if let Some(item) = target.strip_prefix('i') {
            let mut item = item.split('.');
            let (n, print, k) = (item.next()?, item.next()?, item.next());
            if item.next().is_some() {
                return None;
            }
            Target::Item {
                list: list(k)?,
                index: n.parse().ok()?,
                print: print.to_owned(),
            }
        } else {
            return None;
        };
        Some(Pressed {
            menu: menu.to_owned(),
            layout: layout.to_owned(),
            pages,
            target,
        })
    }
}

/// `pages` with the `list`th list of `menu` on `page`; as they were when the menu has no such
/// list (forged data, or a mistake in a button's code).
fn with_page(menu: &Menu, pages: &[usize], list: usize, page: usize) -> Vec<usize> {
    let mut pages = pages.to_vec();
    if list >= menu.lists().count() {
        return pages;
    }
    if pages.len() <= list {
        pages.resize(list + 1, 0);
    }
    pages[list] = page;
    pages
}

/// Menus by id, each with the id of its parent.
type Menus = HashMap<Arc<str>, (Menu, Option<Arc<str>>)>;

/// The menus of an application, by id, with their parents' ids.
#[derive(Default)]
pub(crate) struct Registry {
    menus: RwLock<Menus>,
    /// The notices of the first registered menu, for presses on no known menu.
    notices: RwLock<Option<Arc<StaleNotices>>>,
}

impl Registry {
    /// Adds `menu` and its submenus, each under the menu that holds it.
    pub(crate) fn add(&self, menu: &Menu) {
        let mut menus = self.menus.write().unwrap_or_else(|e| e.into_inner());
        add(&mut menus, menu, None, None);
        let mut notices = self.notices.write().unwrap_or_else(|e| e.into_inner());
        if notices.is_none() {
            *notices = Some(menu.notices.clone().unwrap_or_default());
        }
    }

    /// The notices for a press on no known menu.
    fn notices(&self) -> Arc<StaleNotices> {
        let notices = self.notices.read().unwrap_or_else(|e| e.into_inner());
        notices.clone().unwrap_or_default()
    }

    fn get(&self, id: &str) -> Option<(Menu, Option<Arc<str>>)> {
        let menus = self.menus.read().unwrap_or_else(|e| e.into_inner());
        menus.get(id).cloned()
    }

    /// Handles a press on a menu button.
    fn press(&self, ctx: &Context, answered: &Cell<bool>) -> Result<(), BoxError> {
        let data = ctx.callback_data().unwrap_or_default();
        let Some(pressed) = Pressed::parse(data) else {
            log::debug!(target: "telegram_api", "callback data {data:?} is no menu button's");
            return answer(ctx, answered, Notice::text(&self.notices().invalid));
        };
        let Some((menu, parent)) = self.get(&pressed.menu) else {
            log::debug!(target: "telegram_api", "a press on a button of unknown menu {:?}", pressed.menu);
            return answer(ctx, answered, Notice::text(&self.notices().gone));
        };
        let notices = menu.notices.clone().unwrap_or_default();
        if pressed.layout != menu.layout() {
            answer(ctx, answered, Notice::text(&notices.changed))?;
            return show(ctx, &menu, &pressed.pages);
        }
        match pressed.target {
            Target::Nothing => answer(ctx, answered, Notice::default()),
            Target::Page { list, page } => {
                answer(ctx, answered, Notice::default())?;
                show(ctx, &menu, &with_page(&menu, &pressed.pages, list, page))
            }
            Target::Entry(n) => match menu.entries().nth(n) {
                Some(Entry::Button { action, .. }) => {
                    let result = action(ctx);
                    let at = Place {
                        menu: &menu,
                        parent: parent.as_deref(),
                        pages: &pressed.pages,
                    };
                    self.finish(ctx, answered, at, result)
                }
                Some(Entry::Submenu { menu: child, .. }) => {
                    answer(ctx, answered, Notice::default())?;
                    // The registered menu of that id, which is this one unless two share it.
                    let child = self.get(&child.id).map_or((**child).clone(), |(m, _)| m);
                    show(ctx, &child, &[])
                }
                Some(Entry::Back { .. }) => match parent.and_then(|p| self.get(&p)) {
                    Some((parent, _)) => {
                        answer(ctx, answered, Notice::default())?;
                        show(ctx, &parent, &[])
                    }
                    None => answer(ctx, answered, Notice::text(&notices.no_back)),
                },
                Some(Entry::Close { .. }) => {
                    answer(ctx, answered, Notice::default())?;
                    close(ctx)
                }
                Some(Entry::List(_) | Entry::Hidden { .. }) | None => {
                    answer(ctx, answered, Notice::text(&notices.changed))?;
                    show(ctx, &menu, &pressed.pages)
                }
            },
            Target::Item { list, index, print } => {
                let Some(list) = menu.lists().nth(list) else {
                    answer(ctx, answered, Notice::text(&notices.changed))?;
                    return show(ctx, &menu, &pressed.pages);
                };
                let items = (list.items)(ctx);
                if items
                    .get(index)
                    .is_none_or(|item| fingerprint(item) != print)
                {
                    answer(ctx, answered, Notice::text(&notices.item_gone))?;
                    return show(ctx, &menu, &pressed.pages);
                }
                let result = (list.select)(ctx, index);
                let at = Place {
                    menu: &menu,
                    parent: parent.as_deref(),
                    pages: &pressed.pages,
                };
                self.finish(ctx, answered, at, result)
            }
        }
    }
}

/// Where a press happened: the menu, its parent's id, the pages its lists showed.
#[derive(Clone, Copy)]
struct Place<'a> {
    menu: &'a Menu,
    parent: Option<&'a str>,
    pages: &'a [usize],
}

impl Registry {
    /// After a button's code ran: the answer, and the menu drawn where the code said (where
    /// it was, by default) when it succeeded.
    fn finish(
        &self,
        ctx: &Context,
        answered: &Cell<bool>,
        at: Place<'_>,
        result: Result<Notice, BoxError>,
    ) -> Result<(), BoxError> {
        let mut notice = match result {
            Ok(notice) => notice,
            Err(e) => {
                if let Err(answer_error) = answer(ctx, answered, Notice::default()) {
                    log::warn!(
                        target: "telegram_api",
                        "the press on menu {:?} could not be answered: {answer_error}",
                        at.menu.id
                    );
                }
                return Err(e);
            }
        };
        let go = std::mem::take(&mut notice.go);
        answer(ctx, answered, notice)?;
        match go {
            Go::Stay => show(ctx, at.menu, at.pages),
            Go::Page(list, page) => show(ctx, at.menu, &with_page(at.menu, at.pages, list, page)),
            Go::Close => close(ctx),
            Go::Open(id) => match self.get(&id) {
                Some((menu, _)) => show(ctx, &menu, &[]),
                None => {
                    log::warn!(
                        target: "telegram_api",
                        "a button of menu {:?} opens menu {id:?}, which is not registered",
                        at.menu.id
                    );
                    show(ctx, at.menu, at.pages)
                }
            },
            Go::Back => match at.parent.and_then(|p| self.get(p)) {
                Some((parent, _)) => show(ctx, &parent, &[]),
                None => {
                    log::debug!(
                        target: "telegram_api",
                        "a button of menu {:?} goes back, but the menu is nobody's submenu",
                        at.menu.id
                    );
                    show(ctx, at.menu, at.pages)
                }
            },
        }
    }
}

fn add(
    menus: &mut Menus,
    menu: &Menu,
    parent: Option<Arc<str>>,
    inherited: Option<&Arc<StaleNotices>>,
) {
    if let Some((known, _)) = menus.get(&menu.id) {
        if known.layout() != menu.layout() {
            log::warn!(
                target: "telegram_api",
                "two different menus are named {:?}; the first one registered is kept",
                menu.id
            );
        }
        return;
    }
    let mut menu = menu.clone();
    if menu.notices.is_none() {
        menu.notices = inherited.cloned();
    }
    menus.insert(menu.id.clone(), (menu.clone(), parent));
    for child in menu.submenus() {
        add(menus, child, Some(menu.id.clone()), menu.notices.as_ref());
    }
}

/// The handler of every press on a button of the menus of `registry`.
pub(crate) fn handler(registry: Arc<Registry>) -> Handler {
    let pattern = Regex::new(&format!("^{}", regex::escape(DATA_PREFIX)))
        .expect("the menu buttons' pattern is a valid regex");
    Handler::callback_data(pattern, move |ctx: &Context| {
        let answered = Cell::new(false);
        match catch_unwind(AssertUnwindSafe(|| registry.press(ctx, &answered))) {
            Ok(result) => result,
            Err(panic) => {
                // The panic goes on to the error handler; the press is answered first, so
                // that its button does not spin.
                if let Err(e) = answer(ctx, &answered, Notice::default()) {
                    log::warn!(target: "telegram_api", "a menu press could not be answered: {e}");
                }
                resume_unwind(panic)
            }
        }
    })
}

/// Answers the press with `notice`, unless it was answered already, or the store failed in
/// this attempt: the update is then handled again, and answered then. An answer that fails is
/// logged, and the press goes on.
fn answer(ctx: &Context, answered: &Cell<bool>, notice: Notice) -> Result<(), BoxError> {
    if ctx.has_fault() || answered.get() {
        return Ok(());
    }
    answered.set(true);
    let mut call = ctx.answer_callback();
    if let Some(text) = notice.text {
        call = call.text(text);
        if notice.alert {
            call = call.show_alert(true);
        }
    }
    // The press's code ran and its changes are to be committed whatever the answer: a press
    // handled again after a restart is one Telegram no longer takes an answer for.
    if let Err(e) = call.call() {
        log::warn!(target: "telegram_api", "a menu press could not be answered: {e}");
    }
    Ok(())
}

/// Draws `menu` with its lists on `pages` in the message of the pressed button, editing only
/// what changed.
fn show(ctx: &Context, menu: &Menu, pages: &[usize]) -> Result<(), BoxError> {
    let markup = menu.keyboard(ctx, pages);
    let text = menu.render_text(ctx);
    if ctx.has_fault() {
        return Ok(());
    }
    let current = ctx.message_or_button_message();
    let same_markup = current
        .and_then(|m| m.reply_markup.as_deref())
        .is_some_and(|m| *m == markup);
    // A message with media has no text to replace: only its buttons change.
    let has_text = current.is_none_or(|m| m.text.is_some());
    let result = match text {
        Some(text) if has_text && current.and_then(|m| m.text.as_deref()) != Some(&*text) => {
            ctx.edit_text(text).reply_markup(markup).call().map(drop)
        }
        _ if same_markup => return Ok(()),
        _ => ctx.edit_reply_markup(markup).call().map(drop),
    };
    match result {
        Err(crate::Error::Api(e)) if e.description.contains("message is not modified") => Ok(()),
        other => Ok(other?),
    }
}

/// Removes the buttons of the pressed button's message.
fn close(ctx: &Context) -> Result<(), BoxError> {
    if ctx.has_fault() {
        return Ok(());
    }
    match ctx
        .edit_reply_markup(InlineKeyboardMarkup::new(Vec::new()))
        .call()
    {
        Err(crate::Error::Api(e)) if e.description.contains("message is not modified") => Ok(()),
        other => Ok(other.map(drop)?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn button_data_decodes_and_forged_data_does_not() {
        assert_eq!(
            Pressed::parse("m:settings:AbC_:3:i12.xY-9"),
            Some(Pressed {
                menu: "settings".into(),
                layout: "AbC_".into(),
                pages: vec![3],
                target: Target::Item {
                    list: 0,
                    index: 12,
                    print: "xY-9".into()
                },
            })
        );
        assert_eq!(
            Pressed::parse("m:a:abcd:0:b2").map(|p| p.target),
            Some(Target::Entry(2))
        );
        assert_eq!(
            Pressed::parse("m:a:abcd:0:p1").map(|p| p.target),
            Some(Target::Page { list: 0, page: 1 })
        );
        // A menu of several lists: the page of each, the list after the target.
        assert_eq!(
            Pressed::parse("m:a:abcd:2.0.7:i25.xY-9.2"),
            Some(Pressed {
                menu: "a".into(),
                layout: "abcd".into(),
                pages: vec![2, 0, 7],
                target: Target::Item {
                    list: 2,
                    index: 25,
                    print: "xY-9".into()
                },
            })
        );
        assert_eq!(
            Pressed::parse("m:a:abcd:1.3:p4.1").map(|p| p.target),
            Some(Target::Page { list: 1, page: 4 })
        );
        assert_eq!(
            Pressed::parse("m:a:abcd:0:n").map(|p| p.target),
            Some(Target::Nothing)
        );
        for forged in [
            "",
            "m:",
            "m:a",
            "m:a:abcd",
            "m:a:abcd:x:b1",
            "m:a:abcd:0:b",
            "m:a:abcd:0:b-1",
            "m:a:abcd:0:z",
            "m:a:abc:0:b1",
            "m::abcd:0:b1",
            "m:a b:abcd:0:b1",
            "m:a:abcd:0:i1",
            "m:a:abcd:0:i1.xY-9.1.2",
            "m:a:abcd:0:i1.xY-9.x",
            "m:a:abcd:0:p1.2.3",
            "m:a:abcd:0:p1.",
            "m:a:abcd:0.:b1",
            "m:a:abcd::b1",
            "m:a:abcd:99999999999999999999999:b1",
            "x:a:abcd:0:b1",
        ] {
            assert_eq!(Pressed::parse(forged), None, "{forged:?}");
        }
    }

    #[test]
    fn a_page_of_a_list_the_menu_does_not_have_changes_nothing() {
        let ok = |_: &Context, _| Ok::<_, BoxError>(());
        let menu = Menu::new("a")
            .list(2, |_| Vec::new(), ok)
            .list(2, |_| Vec::new(), ok);
        assert_eq!(with_page(&menu, &[], 1, 4), [0, 4]);
        assert_eq!(with_page(&menu, &[3, 1], 0, 0), [0, 1]);
        assert_eq!(with_page(&menu, &[3], 999_999_999, 1), [3]);
        assert_eq!(with_page(&menu, &[3], usize::MAX, 1), [3]);
        assert_eq!(with_page(&Menu::new("b"), &[], 0, 2), Vec::<usize>::new());
    }

    #[test]
    fn fingerprints_are_stable_and_four_characters() {
        assert_eq!(fingerprint("abc"), fingerprint("abc"));
        assert_ne!(fingerprint("abc"), fingerprint("abd"));
        assert_eq!(fingerprint("").len(), 4);
    }

    #[test]
    fn the_layout_changes_with_the_entries_but_not_with_computed_labels() {
        let ok = |_: &Context| Ok::<_, BoxError>(());
        let a = Menu::new("a")
            .button("x", ok)
            .button_with(|_| "1".into(), ok);
        let b = Menu::new("a")
            .button("x", ok)
            .button_with(|_| "2".into(), ok);
        let c = Menu::new("a")
            .button("y", ok)
            .button_with(|_| "1".into(), ok);
        let d = Menu::new("a")
            .button("x", ok)
            .row()
            .button_with(|_| "1".into(), ok);
        assert_eq!(a.layout(), b.layout());
        assert_ne!(a.layout(), c.layout());
        assert_ne!(a.layout(), d.layout());
    }

    #[test]
    #[should_panic(expected = "a menu id")]
    fn an_id_with_a_colon_is_refused() {
        let _ = Menu::new("a:b");
    }
}
