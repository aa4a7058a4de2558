//! Coming from python-telegram-bot: where each of its `telegram.ext` concepts lives here.
//!
//! The shape is the same (an application built once, handlers in groups, a context per update,
//! filters, conversations, jobs, persistence), with three differences that run through all of
//! it:
//!
//! - **Blocking, not `async`.** A handler is a plain `Fn(&Context) -> Result<(), E>`; the
//!   application runs many of them at once on worker threads, one chat at a time in order.
//!   There is no `await`, no event loop to start, and a slow handler holds back only its chat.
//! - **Requests are built, then sent.** `ctx.reply("hi")` returns the `sendMessage` request
//!   with every optional parameter as a method; `.call()` sends it and returns the typed
//!   result. Errors are values: `?` hands them to the error handler.
//! - **State is committed with the update.** `user_data`, `chat_data`, `bot_data`, conversation
//!   states and jobs are written in one transaction with the record that the update was
//!   handled: with the file store, a crash never loses an update nor applies one twice (where
//!   a persistence class flushes on an interval).
//!
//! | python-telegram-bot | here |
//! |---|---|
//! | `Application.builder().token(...).build()` | [`Application::builder`]`(Bot::from_env()?)`...[`build`](super::ApplicationBuilder::build)`()` |
//! | `app.run_polling(drop_pending_updates=True)` | [`drop_pending_updates`](super::ApplicationBuilder::drop_pending_updates)`(true)`, then [`run_polling`](Application::run_polling)`()` |
//! | `app.run_webhook(...)` | [`run_webhook`](Application::run_webhook)`(`[`Webhook`](super::Webhook)`::new(...))` |
//! | `CommandHandler("start", start)` | [`Handler::command`]`("start", start)` or `.command("start", start)` on the builder |
//! | `MessageHandler(filters.TEXT & ~filters.COMMAND, echo)` | [`Handler::message`]`(filters::text() & !filters::command(), echo)` |
//! | `CallbackQueryHandler(pattern="^vote:")` | [`Handler::callback_data`]`(Regex::new("^vote:")?, f)`, or typed: [`Handler::callback`] |
//! | a settings menu by hand: an `InlineKeyboardMarkup`, a `CallbackQueryHandler` per button, `query.answer()` and `query.edit_message_reply_markup(...)` after each, paging and "back" in `callback_data` | [`Menu`](super::Menu): buttons with their code, labels computed per drawing, [`submenu`](super::Menu::submenu), [`back`](super::Menu::back), [`list`](super::Menu::list) with pages; registered with [`menu`](super::ApplicationBuilder::menu), redrawn in place, every press answered once |
//! | `InlineQueryHandler`, `PreCheckoutQueryHandler`, `ChatMemberHandler` ... | [`Handler::inline_query`], [`Handler::pre_checkout_query`], [`Handler::chat_member`] ... (one per update type) |
//! | `ConversationHandler` | [`Conversation`]: entry, states, fallbacks, returning [`Next`]; nested ones too (see [Conversations](self#conversations)) |
//! | `per_chat`, `per_user`, `per_message` (and a key per forum topic) | [`per`](Conversation::per)`(`[`Per`]`::Chat)`, [`per_message`](Conversation::per_message)`(true)`, [`per_topic`](Conversation::per_topic)`(true)` |
//! | a `ConversationHandler` in another's `states`, with `map_to_parent={CHILD_STATE: PARENT_STATE}` | `child.`[`map_to_parent`](Conversation::map_to_parent)`(\|step\| ...)` as the state's handler (a `Handler<Next<ParentState>>`), or `child.`[`nested`](Conversation::nested)`()`; the child's `End` leaves the parent in its state unless mapped, and a parent that ends ends its children in the same commit (see [Nested conversations](Conversation#nested-conversations)) |
//! | `conversation_timeout=300` and the `TIMEOUT` state's handlers | [`timeout`](Conversation::timeout)`(Duration::from_secs(300))` and [`on_timeout`](Conversation::on_timeout)`(f)`, which runs at the deadline (a stored job, so also after a restart) |
//! | handler groups, `ApplicationHandlerStop` | [`handler_in`](super::ApplicationBuilder::handler_in)`(group, h)`, [`Context::stop_groups`] |
//! | an album (`message.media_group_id`) gathered by hand: a `MessageHandler` that stores each part and a `job_queue.run_once` that sends them on | [`Handler::album`]`(|ctx, album| ...)`: once per album, whole ([`Album`](super::Album)), a quiet window after its latest part, kept in the store meanwhile |
//! | `TypeHandler` | [`Handler::update`]`(|u| ..., f)` or [`Handler::of_type`] |
//! | `filters.Regex`, `filters.User`, `filters.ChatType.GROUPS` ... | [`filters::regex()`](super::filters::regex()), [`filters::from_users`](super::filters::from_users), [`filters::groups`](super::filters::groups) ...; every message field: [`filters::message`](super::filters::message) |
//! | `context.args` | [`Context::args`]; typed: [`Context::arg`]`::<u32>(0)?` |
//! | `context.user_data["k"] = v` | [`Context::set_user_data`]`("k", &v)?`, [`Context::user_data`]`::<T>("k")?` |
//! | `context.chat_data.clear()` | [`Context::clear_chat_data`]`()?` |
//! | `context.job_queue.run_once(cb, 60, name=...)` | [`Context::schedule_job_as`]`(id, "cb", Schedule::once(at), &data)?` (jobs are registered by name: [`job`](super::ApplicationBuilder::job)) |
//! | `job_queue.run_repeating` / `run_daily` | [`Schedule::every`](super::schedule::Schedule::every) / [`Schedule::daily`](super::schedule::Schedule::daily) |
//! | `PicklePersistence("file")` | [`store_path`](super::ApplicationBuilder::store_path)`("bot.redb")?` (or a Redis store) |
//! | `Defaults(parse_mode=ParseMode.HTML)` | [`defaults`](super::ApplicationBuilder::defaults)`(Defaults::new().parse_mode(ParseMode::Html))` |
//! | `do_quote` | [`Defaults::quote`](crate::Defaults::quote)`(`[`Quote`](crate::Quote)`)` and [`Context::set_quote`] |
//! | `arbitrary_callback_data=True` | [`Context::stored_button`]: any serde value kept in the store behind the button |
//! | `app.add_error_handler(f)` | [`error_handler`](super::ApplicationBuilder::error_handler)`(|ctx, error| ...)` |
//! | `post_init`, `post_stop` | [`post_init`](super::ApplicationBuilder::post_init), [`post_stop`](super::ApplicationBuilder::post_stop) |
//! | `update.effective_chat` | [`Context::effective_chat`] (also on [`Update`](crate::Update)) |
//! | `message.reply_text`, `reply_photo`, ... | [`Context::reply`], [`Context::reply_photo`], ... |
//! | `query.answer()`, `query.edit_message_text` | [`Context::answer_callback`], [`Context::edit_text`] |
//! | `send_action` decorators | [`Context::with_chat_action`] |
//! | `user.mention_html()` | [`User::mention_html`](crate::User::mention_html) |
//! | `helpers.escape_markdown` | [`text::escape_markdown_v2`](crate::text::escape_markdown_v2) |
//!
//! # A bot, side by side
//!
//! A command with an argument, a counter per user, a reminder job, and an error handler. What
//! python-telegram-bot writes with `async def` handlers and `context` dictionaries reads here:
//!
//! ```no_run
//! use std::time::Duration;
//!
//! use telegram_api::ext::{Application, Context, schedule::Schedule};
//! use telegram_api::{Bot, Defaults, ParseMode};
//!
//! type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;
//!
//! /// `/count`: how many times this user asked.
//! fn count(ctx: &Context) -> Result {
//!     let n = ctx.user_data::<u32>("count")?.unwrap_or(0) + 1;
//!     ctx.set_user_data("count", &n)?;
//!     ctx.reply(format!("<b>{n}</b> times")).call()?;
//!     Ok(())
//! }
//!
//! /// `/remind 10`: a reminder in 10 minutes, one per chat (a new one replaces it).
//! fn remind(ctx: &Context) -> Result {
//!     let minutes: u64 = ctx.arg(0)?;
//!     let chat = ctx.effective_chat().ok_or("no chat")?.id;
//!     let at = ctx.now() + Duration::from_secs(minutes * 60);
//!     ctx.schedule_job_as(&format!("remind:{chat}"), "ring", Schedule::once(at), &())?;
//!     ctx.reply(format!("I will ring in {minutes} minutes.")).call()?;
//!     Ok(())
//! }
//!
//! /// The job: runs in the chat it was scheduled for, also after a restart.
//! fn ring(ctx: &Context) -> Result {
//!     ctx.reply("Ring!").call()?;
//!     Ok(())
//! }
//!
//! fn main() -> Result {
//!     Application::builder(Bot::from_env()?)
//!         .defaults(Defaults::new().parse_mode(ParseMode::Html))
//!         .store_path("bot.redb")?
//!         .command("count", count)
//!         .command("remind", remind)
//!         .job("ring", ring)
//!         .error_handler(|ctx, error| {
//!             // A typed argument that does not parse says so: "argument 1 of /remind ...".
//!             let _ = ctx.reply(error.to_string()).parse_mode(ParseMode::Html).call();
//!         })
//!         .build()
//!         .run_polling()?;
//!     Ok(())
//! }
//! ```
//!
//! # Conversations
//!
//! A `ConversationHandler` with states and a `/cancel` fallback is a [`Conversation`] over a
//! state enum of yours; each handler returns the next step instead of a state constant:
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use telegram_api::ext::{Context, Conversation, Handler, Next, filters};
//!
//! #[derive(Serialize, Deserialize, PartialEq, Clone, Debug)]
//! enum Ask {
//!     Name,
//!     Age,
//! }
//!
//! type Step = Result<Next<Ask>, Box<dyn std::error::Error + Send + Sync>>;
//!
//! fn start(ctx: &Context) -> Step {
//!     ctx.reply("Your name?").call()?;
//!     Ok(Next::To(Ask::Name))
//! }
//!
//! fn name(ctx: &Context) -> Step {
//!     let name = ctx.effective_message().and_then(|m| m.text.clone()).unwrap_or_default();
//!     ctx.set_user_data("name", &name)?;
//!     ctx.reply("Your age?").call()?;
//!     Ok(Next::To(Ask::Age))
//! }
//!
//! fn age(ctx: &Context) -> Step {
//!     let text = ctx.effective_message().and_then(|m| m.text.as_deref()).unwrap_or("");
//!     let Ok(age) = text.trim().parse::<u8>() else {
//!         ctx.reply("A number, please.").call()?;
//!         return Ok(Next::Stay);
//!     };
//!     ctx.reply(format!("Thanks! {age} noted.")).call()?;
//!     Ok(Next::End)
//! }
//!
//! fn cancel(ctx: &Context) -> Step {
//!     ctx.reply("Cancelled.").call()?;
//!     Ok(Next::End)
//! }
//!
//! let signup: Handler = Conversation::new("signup")
//!     .entry(Handler::command("start", start))
//!     .state(Ask::Name, Handler::message(filters::text() & !filters::command(), name))
//!     .state(Ask::Age, Handler::message(filters::text() & !filters::command(), age))
//!     .fallback(Handler::command("cancel", cancel))
//!     .build();
//! # let _ = signup;
//! ```
//!
//! A `ConversationHandler` nested in a state of another, with `map_to_parent`, is a
//! conversation made a handler of that state with
//! [`map_to_parent`](Conversation::map_to_parent): the mapping sees each step of the child that
//! moves or ends it, and answers the parent's step for the ones that hand over. The child's
//! state type is its own:
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use telegram_api::ext::{Context, Conversation, Handler, Next, filters};
//!
//! #[derive(Serialize, Deserialize, PartialEq, Clone, Debug)]
//! enum Profile {
//!     Menu,
//!     Done,
//! }
//!
//! #[derive(Serialize, Deserialize, PartialEq, Clone, Debug)]
//! enum Photo {
//!     Waiting,
//!     Saved,
//! }
//!
//! type Step<S> = Result<Next<S>, Box<dyn std::error::Error + Send + Sync>>;
//!
//! let photo = Conversation::new("photo")
//!     .entry(Handler::command("photo", |ctx: &Context| -> Step<Photo> {
//!         ctx.reply("Send a photo.").call()?;
//!         Ok(Next::To(Photo::Waiting))
//!     }))
//!     .state(Photo::Waiting, Handler::message(filters::photo(), |ctx: &Context| -> Step<Photo> {
//!         ctx.reply("Saved. Send /done.").call()?;
//!         Ok(Next::To(Photo::Saved))
//!     }))
//!     // Like `map_to_parent={SAVED: DONE}`; the child's END is not mapped, so it leaves the
//!     // parent in Menu.
//!     .map_to_parent(|step: &Next<Photo>| match step {
//!         Next::To(Photo::Saved) => Some(Next::To(Profile::Done)),
//!         _ => None,
//!     });
//!
//! let profile: Handler = Conversation::new("profile")
//!     .entry(Handler::command("profile", |ctx: &Context| -> Step<Profile> {
//!         ctx.reply("Send /photo to change your photo.").call()?;
//!         Ok(Next::To(Profile::Menu))
//!     }))
//!     .state(Profile::Menu, photo)
//!     .state(Profile::Done, Handler::command("done", |ctx: &Context| -> Step<Profile> {
//!         ctx.reply("Profile saved.").call()?;
//!         Ok(Next::End)
//!     }))
//!     .build();
//! # let _ = profile;
//! ```
//!
//! # Buttons that carry data
//!
//! Where python-telegram-bot keeps any object behind a button with arbitrary callback data, a
//! type of yours implements [`CallbackData`](super::CallbackData): small values are packed into
//! the button ([`CallbackData::button`](super::CallbackData::button)), larger ones kept in the
//! store ([`Context::stored_button`]), and [`Handler::callback`] hands the value back typed;
//! a press on an expired button goes to [`on_expired`](Handler::on_expired). See
//! [`callback_data`](super::callback_data).

#[allow(unused_imports)]
use super::{Application, Context, Conversation, Handler, Next, Per};
