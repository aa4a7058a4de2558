//! [`Handler`]: which updates a piece of code handles, and the code.

use std::fmt;
use std::sync::Arc;

use regex::Regex;

use crate::ext::album::{self, Album};
use crate::ext::context::{Captures, Context};
use crate::ext::conversation::{Route, Routes};
use crate::ext::jobs::JobCallback;
use crate::ext::{BoxError, Command, Filter};
use crate::{Update, UpdateType};

/// The code of a handler, with its error made uniform.
pub(crate) type Callback<T> = Arc<dyn Fn(&Context) -> Result<T, BoxError> + Send + Sync>;

/// The code of a conversation's handler: it runs what the conversation's matching decided (its
/// [`Route`]; `None` when it decided nothing, and the conversation stays as it is).
pub(crate) type Routed<T> =
    Arc<dyn Fn(&Context, Option<Route>) -> Result<T, BoxError> + Send + Sync>;

/// A handler's code: plain, or a conversation's, which takes what its matching decided.
enum Code<T> {
    Plain(Callback<T>),
    Routed(Routed<T>),
}

impl<T> Clone for Code<T> {
    fn clone(&self) -> Self {
        match self {
            Code::Plain(f) => Code::Plain(f.clone()),
            Code::Routed(f) => Code::Routed(f.clone()),
        }
    }
}

/// What a handler matched beyond the update itself.
#[derive(Default)]
pub(crate) struct Matched {
    pub(crate) command: Option<Command>,
    pub(crate) captures: Option<Captures>,
    /// What a conversation decided to run.
    pub(crate) route: Option<Route>,
}

#[derive(Clone)]
enum Kind {
    /// A command in a new message: by prefix (`/` for Telegram's bot commands) and lowercase
    /// name.
    Command(Arc<[(String, String)]>),
    /// A new message that passes a filter.
    Message(Filter),
    /// An update whose payload is of this type.
    Type(UpdateType),
    /// A callback query whose data matches the regex (any callback query without one).
    CallbackQuery(Option<Regex>),
    /// An update of a type whose text (an inline query's query, a payment's payload) matches
    /// the regex.
    Pattern(Pattern, Regex),
    /// Any update the closure accepts.
    Update(Arc<dyn Fn(&Update) -> bool + Send + Sync>),
    /// A conversation: what it takes depends on its state.
    Conversation(Arc<dyn Routes>),
    /// A new message of an album: collected, for the album's code to run once with all of
    /// them; with the name of its job once the application registered it.
    Album(Arc<album::Spec>, Option<Arc<str>>),
}

/// What a [`Kind::Pattern`] handler matches its regex on.
#[derive(Clone, Copy)]
enum Pattern {
    /// An inline query's query.
    InlineQuery,
    /// A shipping query's invoice payload.
    Shipping,
    /// A pre-checkout query's invoice payload.
    PreCheckout,
}

impl Pattern {
    fn update_type(self) -> UpdateType {
        match self {
            Pattern::InlineQuery => UpdateType::InlineQuery,
            Pattern::Shipping => UpdateType::ShippingQuery,
            Pattern::PreCheckout => UpdateType::PreCheckoutQuery,
        }
    }

    /// The text of `update` to match, when it is of this pattern's type.
    fn text(self, update: &Update) -> Option<&str> {
        match self {
            Pattern::InlineQuery => Some(update.inline_query()?.query.as_str()),
            Pattern::Shipping => Some(update.shipping_query()?.invoice_payload.as_str()),
            Pattern::PreCheckout => Some(update.pre_checkout_query()?.invoice_payload.as_str()),
        }
    }
}

/// A handler: which updates it takes, and the code that handles them.
///
/// Build one with a constructor per kind of update ([`Handler::command`], [`Handler::message`],
/// [`Handler::callback_query`], ...) and register it with
/// [`ApplicationBuilder::handler`](crate::ext::ApplicationBuilder::handler). The code is a closure or
/// fn taking the [`Context`] and returning `Result<(), E>` for any error type `E` that converts
/// into `Box<dyn Error + Send + Sync>` (so `?` works on this crate's errors, `std::io::Error`,
/// strings, ...).
///
/// ```
/// use telegram_api::ext::{Context, Handler, filters};
/// fn start(ctx: &Context) -> Result<(), telegram_api::Error> {
///     ctx.reply("Hello!").call()?;
///     Ok(())
/// }
/// let handlers = [
///     Handler::command("start", start),
///     Handler::message(filters::Filter::new(|u| u.message().is_some()), |ctx: &Context| {
///         ctx.reply("I got a message").call()?;
///         Ok::<_, telegram_api::Error>(())
///     }),
/// ];
/// # let _ = handlers;
/// ```
///
/// The same constructors make the handlers of a [`Conversation`](crate::ext::Conversation), whose
/// code returns the conversation's next step ([`Next`](crate::ext::Next)) instead of `()`: a
/// `Handler<Next<S>>`.
pub struct Handler<T = ()> {
    kind: Kind,
    filter: Option<Filter>,
    /// For a command handler, its line in the bot's command menu.
    description: Option<Arc<str>>,
    /// For a command or message handler: also edited messages, also channel posts.
    edited: bool,
    channel_posts: bool,
    code: Code<T>,
}

impl<T> Clone for Handler<T> {
    fn clone(&self) -> Self {
        Handler {
            kind: self.kind.clone(),
            filter: self.filter.clone(),
            description: self.description.clone(),
            edited: self.edited,
            channel_posts: self.channel_posts,
            code: self.code.clone(),
        }
    }
}

fn wrap<T, F, E>(f: F) -> Callback<T>
where
    F: Fn(&Context) -> Result<T, E> + Send + Sync + 'static,
    E: Into<BoxError>,
{
    Arc::new(move |ctx: &Context| f(ctx).map_err(Into::into))
}

macro_rules! kind_handlers {
    ($($(#[$doc:meta])* $name:ident => $ty:ident;)*) => {
        $(
            $(#[$doc])*
            pub fn $name<F, E>(f: F) -> Handler<T>
            where
                F: Fn(&Context) -> Result<T, E> + Send + Sync + 'static,
                E: Into<BoxError>,
            {
                Handler::of_type(UpdateType::$ty, f)
            }
        )*
    };
}

impl<T: 'static> Handler<T> {
    fn new(kind: Kind, callback: Callback<T>) -> Handler<T> {
        Handler::with_code(kind, Code::Plain(callback))
    }

    fn with_code(kind: Kind, code: Code<T>) -> Handler<T> {
        Handler {
            kind,
            filter: None,
            description: None,
            edited: false,
            channel_posts: false,
            code,
        }
    }

    /// This handler with `recover` given each error of its code, to return in its place.
    pub(crate) fn recover<R>(mut self, recover: R) -> Handler<T>
    where
        R: Fn(&Context, BoxError) -> Result<T, BoxError> + Send + Sync + 'static,
    {
        let recover = Arc::new(recover);
        self.code = match self.code {
            Code::Plain(f) => Code::Plain(Arc::new(move |ctx: &Context| {
                f(ctx).or_else(|e| recover(ctx, e))
            })),
            Code::Routed(f) => Code::Routed(Arc::new(move |ctx: &Context, route| {
                f(ctx, route).or_else(|e| recover(ctx, e))
            })),
        };
        self
    }

    /// Runs the handler's code on the update of `ctx`, with the `route` its matching found
    /// (for a conversation; other handlers have none).
    pub(crate) fn run(&self, ctx: &Context, route: Option<Route>) -> Result<T, BoxError> {
        match &self.code {
            Code::Plain(f) => f(ctx),
            Code::Routed(f) => f(ctx, route),
        }
    }

    /// The bot command `/name` (also `/name@this_bot`, not `/name@other_bot`) at the start of a
    /// new message (also of an edited one with [`edited`](Handler::edited), and of channel
    /// posts with [`channel_posts`](Handler::channel_posts)). Names compare case-insensitively,
    /// as Telegram treats commands; the arguments are in [`Context::args`],
    /// [`Context::arg`] (typed) and [`Context::command`].
    ///
    /// A name written with another prefix than `/` is a command with that prefix, which
    /// Telegram does not mark as a command and the bot's menu does not list:
    /// `Handler::command("!ban", ban)` takes `!ban @spammer` (see
    /// [`Command::parse_prefixed`]). The prefix is what comes before the first letter, digit
    /// or `_`.
    pub fn command<F, E>(name: &str, f: F) -> Handler<T>
    where
        F: Fn(&Context) -> Result<T, E> + Send + Sync + 'static,
        E: Into<BoxError>,
    {
        Handler::commands([name], f)
    }

    /// Any of these bot commands (see [`Handler::command`]).
    pub fn commands<'a, F, E>(names: impl IntoIterator<Item = &'a str>, f: F) -> Handler<T>
    where
        F: Fn(&Context) -> Result<T, E> + Send + Sync + 'static,
        E: Into<BoxError>,
    {
        let names: Vec<(String, String)> = names
            .into_iter()
            .map(|n| {
                let at = n.find(|c: char| c.is_alphanumeric() || c == '_');
                let (prefix, name) = n.split_at(at.unwrap_or(n.len()));
                let prefix = if prefix.is_empty() { "/" } else { prefix };
                (prefix.to_owned(), name.to_lowercase())
            })
            .collect();
        Handler::new(Kind::Command(names.into()), wrap(f))
    }

    /// A new message (the `message` update) that passes `filter`; also edited messages and
    /// channel posts with [`edited`](Handler::edited) and
    /// [`channel_posts`](Handler::channel_posts).
    pub fn message<F, E>(filter: Filter, f: F) -> Handler<T>
    where
        F: Fn(&Context) -> Result<T, E> + Send + Sync + 'static,
        E: Into<BoxError>,
    {
        Handler::new(Kind::Message(filter), wrap(f))
    }

    /// Any callback query (a press on an inline keyboard button). Answer it with
    /// [`Context::answer_callback`].
    pub fn callback_query<F, E>(f: F) -> Handler<T>
    where
        F: Fn(&Context) -> Result<T, E> + Send + Sync + 'static,
        E: Into<BoxError>,
    {
        Handler::new(Kind::CallbackQuery(None), wrap(f))
    }

    /// A callback query whose `data` matches `pattern` (anywhere, unless anchored with `^...$`);
    /// the capture groups are in [`Context::captures`].
    pub fn callback_data<F, E>(pattern: Regex, f: F) -> Handler<T>
    where
        F: Fn(&Context) -> Result<T, E> + Send + Sync + 'static,
        E: Into<BoxError>,
    {
        Handler::new(Kind::CallbackQuery(Some(pattern)), wrap(f))
    }

    /// An inline query whose query text matches `pattern` (anywhere, unless anchored); the
    /// capture groups are in [`Context::captures`].
    pub fn inline_query_pattern<F, E>(pattern: Regex, f: F) -> Handler<T>
    where
        F: Fn(&Context) -> Result<T, E> + Send + Sync + 'static,
        E: Into<BoxError>,
    {
        Handler::new(Kind::Pattern(Pattern::InlineQuery, pattern), wrap(f))
    }

    /// A shipping query whose invoice payload matches `pattern` (anywhere, unless anchored);
    /// the capture groups are in [`Context::captures`].
    pub fn shipping_payload<F, E>(pattern: Regex, f: F) -> Handler<T>
    where
        F: Fn(&Context) -> Result<T, E> + Send + Sync + 'static,
        E: Into<BoxError>,
    {
        Handler::new(Kind::Pattern(Pattern::Shipping, pattern), wrap(f))
    }

    /// A pre-checkout query whose invoice payload matches `pattern` (anywhere, unless
    /// anchored); the capture groups are in [`Context::captures`].
    pub fn pre_checkout_payload<F, E>(pattern: Regex, f: F) -> Handler<T>
    where
        F: Fn(&Context) -> Result<T, E> + Send + Sync + 'static,
        E: Into<BoxError>,
    {
        Handler::new(Kind::Pattern(Pattern::PreCheckout, pattern), wrap(f))
    }

    /// Any update that `predicate` accepts. Such a handler makes the application ask Telegram
    /// for every kind of update (see [`ApplicationBuilder::allowed_updates`](crate::ext::ApplicationBuilder::allowed_updates)).
    pub fn update<P, F, E>(predicate: P, f: F) -> Handler<T>
    where
        P: Fn(&Update) -> bool + Send + Sync + 'static,
        F: Fn(&Context) -> Result<T, E> + Send + Sync + 'static,
        E: Into<BoxError>,
    {
        Handler::new(Kind::Update(Arc::new(predicate)), wrap(f))
    }

    /// Any update whose payload is of the type `kind` (the field of the update that is present).
    pub fn of_type<F, E>(kind: UpdateType, f: F) -> Handler<T>
    where
        F: Fn(&Context) -> Result<T, E> + Send + Sync + 'static,
        E: Into<BoxError>,
    {
        Handler::new(Kind::Type(kind), wrap(f))
    }

    kind_handlers! {
        /// An edited message (`edited_message`).
        edited_message => EditedMessage;
        /// A new channel post (`channel_post`).
        channel_post => ChannelPost;
        /// An edited channel post (`edited_channel_post`).
        edited_channel_post => EditedChannelPost;
        /// An inline query (`inline_query`).
        inline_query => InlineQuery;
        /// An inline result chosen by a user (`chosen_inline_result`; needs inline feedback
        /// enabled with @BotFather).
        chosen_inline_result => ChosenInlineResult;
        /// A change of the bot's own membership in a chat (`my_chat_member`).
        my_chat_member => MyChatMember;
        /// A change of another member's status in a chat where the bot is an administrator
        /// (`chat_member`; Telegram sends these only when asked, which the application does).
        chat_member => ChatMember;
        /// A request to join a chat (`chat_join_request`).
        chat_join_request => ChatJoinRequest;
        /// A new poll state (`poll`).
        poll => Poll;
        /// A changed answer in a non-anonymous poll (`poll_answer`).
        poll_answer => PollAnswer;
        /// A pre-checkout query (`pre_checkout_query`).
        pre_checkout_query => PreCheckoutQuery;
        /// A shipping query (`shipping_query`).
        shipping_query => ShippingQuery;
        /// A changed reaction to a message (`message_reaction`).
        message_reaction => MessageReaction;
        /// Changed anonymous reaction counts on a message (`message_reaction_count`).
        message_reaction_count => MessageReactionCount;
        /// A new or changed connection to a business account (`business_connection`).
        business_connection => BusinessConnection;
        /// A new message in a connected business account (`business_message`).
        business_message => BusinessMessage;
        /// An edited message in a connected business account (`edited_business_message`).
        edited_business_message => EditedBusinessMessage;
        /// Messages deleted from a connected business account (`deleted_business_messages`).
        deleted_business_messages => DeletedBusinessMessages;
        /// A chat boost added or changed (`chat_boost`).
        chat_boost => ChatBoost;
        /// A chat boost removed (`removed_chat_boost`).
        removed_chat_boost => RemovedChatBoost;
        /// Paid media bought with a payload (`purchased_paid_media`).
        purchased_paid_media => PurchasedPaidMedia;
    }

    /// For a command handler, what the command does, as the bot's command menu shows it next
    /// to `/name` ([`Application::my_commands`](crate::ext::Application::my_commands) sets the menu
    /// from the handlers that have one; 1-256 characters). Other handlers ignore it.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Handler<T> {
        self.description = Some(description.into().into());
        self
    }

    /// For a command or message handler: also take edited messages (`edited_message`, and
    /// `edited_channel_post` with [`channel_posts`](Handler::channel_posts)), which the
    /// application then asks Telegram for. Other handlers ignore it.
    #[must_use]
    pub fn edited(mut self) -> Handler<T> {
        self.edited = true;
        self
    }

    /// For a command or message handler: also take channel posts (`channel_post`, and
    /// `edited_channel_post` with [`edited`](Handler::edited)), which the application then asks
    /// Telegram for; for an album handler, also albums posted in channels. Other handlers
    /// ignore it.
    #[must_use]
    pub fn channel_posts(mut self) -> Handler<T> {
        self.channel_posts = true;
        self
    }

    /// Whether a command or message handler takes updates of type `t`.
    fn takes(&self, t: &UpdateType) -> bool {
        match t {
            UpdateType::Message => true,
            UpdateType::EditedMessage => self.edited,
            UpdateType::ChannelPost => self.channel_posts,
            UpdateType::EditedChannelPost => self.edited && self.channel_posts,
            _ => false,
        }
    }

    /// The update types a command or message handler takes.
    fn message_types(&self) -> Vec<UpdateType> {
        [
            UpdateType::Message,
            UpdateType::EditedMessage,
            UpdateType::ChannelPost,
            UpdateType::EditedChannelPost,
        ]
        .into_iter()
        .filter(|t| self.takes(t))
        .collect()
    }

    /// The message of an update of a type this command or message handler takes.
    fn taken_message<'u>(&self, update: &'u Update) -> Option<&'u crate::Message> {
        let kind = update.kind.update_type()?;
        if self.takes(&kind) {
            update.effective_message()
        } else {
            None
        }
    }

    /// The `/` command names and the description of a command handler that has one.
    pub(crate) fn menu(&self) -> Option<(Vec<&str>, &str)> {
        match (&self.kind, &self.description) {
            (Kind::Command(names), Some(description)) => {
                let slashed = names.iter().filter(|(prefix, _)| prefix == "/");
                Some((
                    slashed.map(|(_, name)| name.as_str()).collect(),
                    description,
                ))
            }
            _ => None,
        }
    }

    /// Takes only the updates that also pass `filter` (on top of what the kind of handler
    /// takes): `Handler::command("ban", ban).filter(filters::groups())`.
    #[must_use]
    pub fn filter(mut self, filter: Filter) -> Handler<T> {
        self.filter = Some(match self.filter.take() {
            Some(old) => old & filter,
            None => filter,
        });
        self
    }

    /// The update types an album handler takes: new messages, and channel posts with
    /// [`channel_posts`](Handler::channel_posts).
    fn album_types(&self) -> Vec<UpdateType> {
        let mut types = vec![UpdateType::Message];
        if self.channel_posts {
            types.push(UpdateType::ChannelPost);
        }
        types
    }

    /// A handler of the conversation `routes`, whose code `run` takes the route its matching
    /// found.
    pub(crate) fn conversation(routes: Arc<dyn Routes>, run: Routed<T>) -> Handler<T> {
        Handler::with_code(Kind::Conversation(routes), Code::Routed(run))
    }

    /// The jobs this handler runs on its own (a conversation's timeouts, an album handler's
    /// wait), by name, for the application to register.
    pub(crate) fn jobs(&self) -> Vec<(String, JobCallback)> {
        match &self.kind {
            Kind::Conversation(routes) => routes.clone().jobs(),
            Kind::Album(spec, Some(name)) => vec![(name.to_string(), album::job(spec.clone()))],
            _ => Vec::new(),
        }
    }

    /// The update types this handler can take (`None`: any).
    pub(crate) fn update_types(&self) -> Option<Vec<UpdateType>> {
        match &self.kind {
            Kind::Command(_) | Kind::Message(_) => Some(self.message_types()),
            Kind::Album(..) => Some(self.album_types()),
            Kind::CallbackQuery(_) => Some(vec![UpdateType::CallbackQuery]),
            Kind::Pattern(on, _) => Some(vec![on.update_type()]),
            Kind::Type(t) => Some(vec![t.clone()]),
            Kind::Update(_) => None,
            Kind::Conversation(routes) => routes.update_types(),
        }
    }

    /// Whether this handler takes `update`, and what it matched. `username` is the bot's
    /// username (asked only for commands).
    pub(crate) fn matches(
        &self,
        ctx: &Context,
        username: &dyn Fn() -> Option<String>,
    ) -> Option<Matched> {
        let update = ctx.update()?;
        let matched = match &self.kind {
            Kind::Command(names) => {
                let message = self.taken_message(update)?;
                let command = names.iter().find_map(|(prefix, name)| {
                    let command = match prefix.as_str() {
                        "/" => Command::parse(message)?,
                        other => Command::parse_prefixed(message, other)?,
                    };
                    command.is(name).then_some(command)
                })?;
                if command.bot_username.is_some() && !command.is_for(username().as_deref()) {
                    return None;
                }
                Matched {
                    command: Some(command),
                    ..Matched::default()
                }
            }
            Kind::Message(filter) => {
                self.taken_message(update)?;
                if !filter.matches(update) {
                    return None;
                }
                Matched::default()
            }
            Kind::Type(t) => {
                if update.kind.update_type().as_ref() != Some(t) {
                    return None;
                }
                Matched::default()
            }
            Kind::CallbackQuery(pattern) => {
                let query = update.callback_query()?;
                match pattern {
                    None => Matched::default(),
                    Some(re) => {
                        let data = query.data.as_deref()?;
                        let caps = re.captures(data)?;
                        Matched {
                            captures: Some(Captures::new(re, &caps)),
                            ..Matched::default()
                        }
                    }
                }
            }
            Kind::Pattern(on, re) => {
                let text = on.text(update)?;
                let caps = re.captures(text)?;
                Matched {
                    captures: Some(Captures::new(re, &caps)),
                    ..Matched::default()
                }
            }
            Kind::Update(predicate) => {
                if !predicate(update) {
                    return None;
                }
                Matched::default()
            }
            Kind::Conversation(routes) => routes.find(ctx, username)?,
            Kind::Album(..) => {
                let kind = update.kind.update_type()?;
                if !self.album_types().contains(&kind) {
                    return None;
                }
                update.effective_message()?.media_group_id.as_ref()?;
                Matched::default()
            }
        };
        if let Some(filter) = &self.filter
            && !filter.matches(update)
        {
            return None;
        }
        Some(matched)
    }
}

impl<T> fmt::Debug for Handler<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.kind {
            Kind::Command(names) => format!("command {names:?}"),
            Kind::Message(_) => "message".into(),
            Kind::Type(t) => t.as_str().to_string(),
            Kind::CallbackQuery(None) => "callback_query".into(),
            Kind::CallbackQuery(Some(re)) => format!("callback_query {:?}", re.as_str()),
            Kind::Pattern(on, re) => format!("{} {:?}", on.update_type().as_str(), re.as_str()),
            Kind::Update(_) => "update".into(),
            Kind::Conversation(routes) => format!("{} {:?}", routes.kind(), routes.name()),
            Kind::Album(_, name) => format!("album {name:?}"),
        };
        f.debug_struct("Handler")
            .field("kind", &kind)
            .field("filtered", &self.filter.is_some())
            .finish()
    }
}

impl Handler {
    /// The parts of an album ([media group](crate::Message::media_group_id)): `f` runs once per
    /// album, with all of its messages ([`Album`]), once no part came for a quiet window
    /// ([`quiet`](Handler::quiet), default [`Album::DEFAULT_QUIET`]) after the latest one.
    /// New messages (and channel posts with [`channel_posts`](Handler::channel_posts)) that
    /// belong to an album are taken; a [`filter`](Handler::filter) is checked on each part.
    /// Messages that are no album's part go on to the other handlers. See [`Album`] for how the
    /// parts are kept until then, and what `f`'s context is.
    ///
    /// ```
    /// use telegram_api::ext::{Album, Application, Context, Handler};
    /// use telegram_api::Bot;
    ///
    /// fn album(ctx: &Context, album: &Album) -> Result<(), telegram_api::Error> {
    ///     let caption = album.caption().unwrap_or("no caption");
    ///     ctx.reply(format!("{} files: {caption}", album.len())).call()?;
    ///     Ok(())
    /// }
    ///
    /// let app = Application::builder(Bot::new("123:TOKEN"))
    ///     .handler(Handler::album(album))
    ///     .build();
    /// # drop(app);
    /// ```
    pub fn album<F, E>(f: F) -> Handler
    where
        F: Fn(&Context, &Album) -> Result<(), E> + Send + Sync + 'static,
        E: Into<BoxError>,
    {
        let spec = Arc::new(album::Spec::new(f));
        Handler::new(Kind::Album(spec, None), album::unregistered())
    }

    /// For an album handler ([`Handler::album`]), how long it waits after an album's latest
    /// part for more before it runs: [`Album::DEFAULT_QUIET`] (1 s) unless set. Parts of an
    /// album arrive within moments of each other; a longer window delays every album, a
    /// shorter one risks splitting an album whose parts arrive slowly. Measured on the
    /// application's [`Clock`](crate::ext::Clock). Other handlers ignore it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use telegram_api::ext::{Album, Context, Handler};
    ///
    /// let handler = Handler::album(|ctx: &Context, album: &Album| {
    ///     ctx.reply(format!("{} files", album.len())).call()?;
    ///     Ok::<_, telegram_api::Error>(())
    /// })
    /// .quiet(Duration::from_millis(500));
    /// # drop(handler);
    /// ```
    #[must_use]
    pub fn quiet(mut self, window: std::time::Duration) -> Handler {
        if let Kind::Album(spec, name) = &self.kind {
            self.kind = Kind::Album(Arc::new(spec.with_quiet(window)), name.clone());
        }
        self
    }

    /// Names the job of an album handler, the `n`th of an application (from 0), and gives it
    /// the code that collects the parts; other handlers stay as they are.
    pub(crate) fn register_album(&mut self, n: usize) {
        if let Kind::Album(spec, _) = &self.kind {
            let spec = spec.clone();
            let name: Arc<str> = album::job_name(n).into();
            self.code = Code::Plain(album::collector(spec.clone(), name.clone()));
            self.kind = Kind::Album(spec, Some(name));
        }
    }

    /// Whether this is an album handler.
    pub(crate) fn is_album(&self) -> bool {
        matches!(self.kind, Kind::Album(..))
    }
}
