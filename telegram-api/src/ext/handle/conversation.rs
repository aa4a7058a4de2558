//! [`Conversation`]: a handler that is a state machine, kept in the application's store.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::ext::BoxError;
use crate::ext::context::Context;
use crate::ext::handler::{Callback, Handler, Matched};
use crate::ext::jobs::{INTERNAL_PREFIX, JobCallback, JobError};
use crate::ext::schedule::Schedule;
use crate::ext::store::{DataError, Key};
use crate::{MaybeInaccessibleMessage, UpdateType};

/// What a conversation's handler decides: the conversation's next step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next<S> {
    /// Stays in the current state (an entry handler that stays starts nothing).
    Stay,
    /// Moves to this state (from an entry handler: starts the conversation in it).
    To(S),
    /// Ends the conversation (a [nested](Conversation#nested-conversations) one: its parent
    /// stays in its state, unless [`map_to_parent`](Conversation::map_to_parent) maps it).
    End,
}

/// Whose a conversation is: which updates share one state.
///
/// On top of it, [`per_message`](Conversation::per_message) keys a conversation by the message
/// of a callback query's button, and [`per_topic`](Conversation::per_topic) by the forum topic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Per {
    /// One conversation per chat, whoever writes.
    Chat,
    /// One conversation per user, in whatever chat.
    User,
    /// One conversation per user in each chat (the default).
    #[default]
    ChatUser,
}

impl Per {
    /// The part of a conversation's (or a flow's) key that says whose `ctx`'s update is, and,
    /// with `per_topic`, in which forum topic; none when the update has no chat or user it
    /// needs.
    pub(crate) fn key(self, ctx: &Context, per_topic: bool) -> Option<String> {
        let chat = ctx.effective_chat().map(|c| c.id);
        let user = ctx.effective_user().map(|u| u.id);
        let mut key = match self {
            Per::Chat => format!("c{}", chat?),
            Per::User => format!("u{}", user?),
            Per::ChatUser => format!("c{}u{}", chat?, user?),
        };
        if per_topic
            && let Some(message) = ctx.effective_message()
            && message.is_topic_message == Some(true)
            && let Some(topic) = message.message_thread_id
        {
            key.push_str(&format!("t{topic}"));
        }
        Some(key)
    }
}

/// A handler that is a state machine, like a form filled in over several messages.
///
/// - **Entry** handlers start it: the first that takes an update runs, and the [`Next`] it
///   returns is the first state (or [`Next::Stay`] to start nothing).
/// - In a state, the handlers of that **state** are tried in the order added, then the
///   **fallbacks** (a `/cancel`), then, with [`allow_reentry`](Conversation::allow_reentry), the
///   entry handlers. The first that takes the update runs and decides the next step.
/// - The state is a type of yours (an enum deriving `Serialize`, `Deserialize` and
///   `PartialEq`), kept in the application's [store](crate::ext::store) under the conversation's key:
///   one per (chat, user) by default ([`Per`]), and per message with
///   [`per_message`](Conversation::per_message). With a persistent store it survives restarts,
///   and moves exactly once per update (see [`ApplicationBuilder::store`](crate::ext::ApplicationBuilder::store)).
/// - With a [`timeout`](Conversation::timeout), a conversation idle for that long ends at its
///   deadline: the [`on_timeout`](Conversation::on_timeout) handler runs, and the state is
///   removed. Each state change (a stay too) schedules the conversation's timeout
///   [job](crate::ext::jobs) at the new deadline, replacing the one before, in the same commit as
///   the state; ending the conversation cancels it. So with a persistent store the timeout
///   fires once, also across a restart. The job runs where the application runs its jobs (its
///   runners, its [pool](crate::ext::Application::start_pool),
///   [`run_due_jobs`](crate::ext::Application::run_due_jobs)), for the chat and user of the update
///   that last moved the conversation: the handler's [`reply`](Context::reply) goes to that
///   chat, and [`Context::job`] tells it from an update's context. A job is not one of the
///   [listed](Context::all_jobs) jobs.
/// - An update of a conversation that reaches it after its deadline, before the job ran (the
///   bot was down), ends it instead, and cancels the job: the handler runs with that update,
///   then the update is routed as for a conversation that has not started. Either way the
///   handler runs once per timeout. A handler that fails is reported and its changes dropped,
///   and the conversation ends when its next update arrives, running the handler again then.
///
/// A stored state that no longer decodes (the type changed) reaches the error handler as a
/// [`DataError`] naming the key and the type; the stored value is left as it is.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use telegram_api::ext::{Context, Conversation, Handler, Next, filters};
///
/// #[derive(Serialize, Deserialize, PartialEq, Clone, Debug)]
/// enum Step {
///     Name,
/// }
///
/// fn start(ctx: &Context) -> Result<Next<Step>, telegram_api::Error> {
///     ctx.reply("What is your name?").call()?;
///     Ok(Next::To(Step::Name))
/// }
///
/// fn name(ctx: &Context) -> Result<Next<Step>, telegram_api::Error> {
///     let name = ctx.effective_message().and_then(|m| m.text.as_deref()).unwrap_or("");
///     ctx.reply(format!("Nice to meet you, {name}!")).call()?;
///     Ok(Next::End)
/// }
///
/// let handler: Handler = Conversation::new("greeting")
///     .entry(Handler::command("start", start))
///     .state(Step::Name, Handler::message(filters::text() & !filters::command(), name))
///     .fallback(Handler::command("cancel", |ctx: &Context| {
///         ctx.reply("Cancelled.").call()?;
///         Ok::<_, telegram_api::Error>(Next::End)
///     }))
///     // Ten minutes without an answer: the conversation ends, saying so.
///     .timeout(std::time::Duration::from_secs(600))
///     .on_timeout(|ctx: &Context| ctx.reply("Never mind, then.").call().map(drop))
///     .into();
/// # let _ = handler;
/// ```
///
/// # Nested conversations
///
/// A conversation can be a handler of a state of another one: its parent. The child has a
/// state type of its own; [`map_to_parent`](Conversation::map_to_parent) (or
/// [`nested`](Conversation::nested), mapping nothing) makes it a `Handler<Next<P>>` for a
/// parent whose state type is `P`.
///
/// - While the parent is in that state, the child is one of the state's handlers, tried in
///   the order added: before it starts, its entry handlers; once started, its state's
///   handlers and its fallbacks. An update the child does not take goes on to the state's
///   other handlers, then to the parent's fallbacks. The parent stays in its state while the
///   child goes on (each step of the child is activity of the parent, for its timeout).
/// - When a handler of the child returns a step that `map_to_parent` maps, the child ends
///   and the parent takes the mapped step. A [`Next::End`] it does not map ends the child
///   only: the parent stays in its state, where the child's entry handlers can start it again.
/// - When the parent leaves the state (a fallback that ends it, a move to another state, a
///   restart by an entry handler, its timeout), the children of the state end with it, in the
///   same commit: their states are removed and their timeouts cancelled.
/// - Each level has its own key ([`per`](Conversation::per),
///   [`per_message`](Conversation::per_message), [`per_topic`](Conversation::per_topic)) and
///   its own [`timeout`](Conversation::timeout): a child that times out ends and runs its own
///   [`on_timeout`](Conversation::on_timeout), the parent staying in its state; a parent that
///   times out runs its `on_timeout` and ends its children without theirs. A child that an
///   update finds past its deadline (its job has not run yet) ends then, running its
///   `on_timeout`, and the update goes on to the state's next handlers and the parent's
///   fallbacks unless the child's entry handlers take it. The parent's
///   record lists the keys of its children, so a parent's end also finds a child keyed
///   otherwise than itself, and its timeout job ends them without an update.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use telegram_api::ext::{Context, Conversation, Handler, Next, filters};
///
/// /// The parent: a sign-up.
/// #[derive(Serialize, Deserialize, PartialEq, Clone, Debug)]
/// enum Signup {
///     Address,
///     Confirm,
/// }
///
/// /// The child: an address, asked line by line.
/// #[derive(Serialize, Deserialize, PartialEq, Clone, Debug)]
/// enum Address {
///     Street,
///     City,
///     /// Given: not a state the address stays in, the step that hands over to the sign-up.
///     Given,
/// }
///
/// fn text() -> filters::Filter {
///     filters::text() & !filters::command()
/// }
///
/// let address = Conversation::new("address")
///     .entry(Handler::command("address", |ctx: &Context| {
///         ctx.reply("Street?").call()?;
///         Ok::<_, telegram_api::Error>(Next::To(Address::Street))
///     }))
///     .state(Address::Street, Handler::message(text(), |ctx: &Context| {
///         ctx.reply("City?").call()?;
///         Ok::<_, telegram_api::Error>(Next::To(Address::City))
///     }))
///     .state(Address::City, Handler::message(text(), |ctx: &Context| {
///         ctx.reply("All right? (yes/no)").call()?;
///         // Ends the address: the mapping below moves the sign-up on.
///         Ok::<_, telegram_api::Error>(Next::To(Address::Given))
///     }))
///     // The child's own fallback: back to the sign-up, which stays where it was.
///     .fallback(Handler::command("back", |_: &Context| {
///         Ok::<_, telegram_api::Error>(Next::End)
///     }))
///     .timeout(std::time::Duration::from_secs(300))
///     .map_to_parent(|step: &Next<Address>| match step {
///         Next::To(Address::Given) => Some(Next::To(Signup::Confirm)),
///         _ => None,
///     });
///
/// let signup: Handler = Conversation::new("signup")
///     .entry(Handler::command("signup", |ctx: &Context| {
///         ctx.reply("Send /address to give your address.").call()?;
///         Ok::<_, telegram_api::Error>(Next::To(Signup::Address))
///     }))
///     .state(Signup::Address, address)
///     .state(Signup::Confirm, Handler::message(text(), |ctx: &Context| {
///         ctx.reply("Signed up!").call()?;
///         Ok::<_, telegram_api::Error>(Next::End)
///     }))
///     // Ends the sign-up, and the address with it when it is being asked.
///     .fallback(Handler::command("cancel", |ctx: &Context| {
///         ctx.reply("Cancelled.").call()?;
///         Ok::<_, telegram_api::Error>(Next::End)
///     }))
///     .timeout(std::time::Duration::from_secs(3600))
///     .into();
/// # let _ = signup;
/// ```
pub struct Conversation<S> {
    name: String,
    entries: Vec<Handler<Next<S>>>,
    states: Vec<(S, Handler<Next<S>>)>,
    fallbacks: Vec<Handler<Next<S>>>,
    per: Per,
    per_message: bool,
    per_topic: bool,
    allow_reentry: bool,
    timeout: Option<Duration>,
    on_timeout: Option<Callback<()>>,
}

impl<S> Conversation<S>
where
    S: Serialize + DeserializeOwned + PartialEq + Send + Sync + 'static,
{
    /// A conversation named `name`; the name is part of its stored key, so keep it stable
    /// across versions of the bot.
    pub fn new(name: impl Into<String>) -> Conversation<S> {
        Conversation {
            name: name.into(),
            entries: Vec::new(),
            states: Vec::new(),
            fallbacks: Vec::new(),
            per: Per::default(),
            per_message: false,
            per_topic: false,
            allow_reentry: false,
            timeout: None,
            on_timeout: None,
        }
    }

    /// Adds an entry handler.
    #[must_use]
    pub fn entry(mut self, handler: Handler<Next<S>>) -> Self {
        self.entries.push(handler);
        self
    }

    /// Adds a handler for the state `state`.
    #[must_use]
    pub fn state(mut self, state: S, handler: Handler<Next<S>>) -> Self {
        self.states.push((state, handler));
        self
    }

    /// Adds a fallback: tried in every state after that state's handlers.
    #[must_use]
    pub fn fallback(mut self, handler: Handler<Next<S>>) -> Self {
        self.fallbacks.push(handler);
        self
    }

    /// Whose the conversation is (default [`Per::ChatUser`]).
    #[must_use]
    pub fn per(mut self, per: Per) -> Self {
        self.per = per;
        self
    }

    /// One conversation per message as well: for conversations driven by the inline buttons
    /// of a message, where each message has its own state. Only callback queries have a
    /// message to be keyed by, so every handler of such a conversation should take callback
    /// queries.
    #[must_use]
    pub fn per_message(mut self, on: bool) -> Self {
        self.per_message = on;
        self
    }

    /// One conversation per forum topic as well: the messages of a topic (and the buttons
    /// pressed under them) have a state of their own, apart from the other topics of the chat
    /// and from the chat's messages outside topics. With [`Per::Chat`] that is one
    /// conversation per topic, with [`Per::ChatUser`] one per user in each topic.
    #[must_use]
    pub fn per_topic(mut self, on: bool) -> Self {
        self.per_topic = on;
        self
    }

    /// Whether the entry handlers also take updates while the conversation is in a state
    /// (after the state's handlers and the fallbacks), restarting it (default false).
    #[must_use]
    pub fn allow_reentry(mut self, on: bool) -> Self {
        self.allow_reentry = on;
        self
    }

    /// Ends a conversation in which nothing happened for `idle`, at its deadline (see the
    /// type's docs).
    #[must_use]
    pub fn timeout(mut self, idle: Duration) -> Self {
        self.timeout = Some(idle);
        self
    }

    /// Runs `f` when a conversation times out: at its deadline, in a context for the chat and
    /// user of the update that last moved it ([`Context::job`] is set; its replies go to that
    /// update's forum topic too), or with the update that finds it timed out when that one
    /// comes first.
    #[must_use]
    pub fn on_timeout<F, E>(mut self, f: F) -> Self
    where
        F: Fn(&Context) -> Result<(), E> + Send + Sync + 'static,
        E: Into<BoxError>,
    {
        self.on_timeout = Some(Arc::new(move |ctx: &Context| f(ctx).map_err(Into::into)));
        self
    }

    /// The handler to register with the application.
    #[must_use]
    pub fn build(self) -> Handler {
        let inner = Arc::new(self);
        let routes: Arc<dyn Routes> = inner.clone();
        let run = move |ctx: &Context, route| inner.run_as::<()>(ctx, route, &|_| None).map(drop);
        Handler::conversation(routes, Arc::new(run))
    }

    /// This conversation as a handler of a state of another conversation, its parent (see
    /// [Nested conversations](Conversation#nested-conversations)), whose state type `P` is its
    /// own; `map` maps the steps that end this conversation to the parent's step.
    ///
    /// `map` is asked about each [`Next::To`] and [`Next::End`] a handler of this conversation
    /// returns (not about [`Next::Stay`]). When it answers `Some(step)`, this conversation
    /// ends (its state is removed, its timeout cancelled, its own nested conversations ended)
    /// and the parent takes `step`; when it answers `None`, a `To` moves this conversation as
    /// usual and an `End` ends it, and the parent stays in its state either way.
    ///
    /// ```
    /// use serde::{Deserialize, Serialize};
    /// use telegram_api::ext::{Context, Conversation, Handler, Next, filters};
    ///
    /// #[derive(Serialize, Deserialize, PartialEq, Clone, Debug)]
    /// enum Order {
    ///     Pizza,
    ///     Address,
    /// }
    ///
    /// #[derive(Serialize, Deserialize, PartialEq, Clone, Debug)]
    /// enum Pizza {
    ///     Size,
    ///     Chosen,
    /// }
    ///
    /// let pizza = Conversation::new("pizza")
    ///     .entry(Handler::command("pizza", |ctx: &Context| {
    ///         ctx.reply("Which size?").call()?;
    ///         Ok::<_, telegram_api::Error>(Next::To(Pizza::Size))
    ///     }))
    ///     .state(Pizza::Size, Handler::message(filters::text(), |ctx: &Context| {
    ///         ctx.reply("Where to?").call()?;
    ///         Ok::<_, telegram_api::Error>(Next::To(Pizza::Chosen))
    ///     }))
    ///     // Chosen: the pizza ends, the order asks for the address.
    ///     .map_to_parent(|step: &Next<Pizza>| match step {
    ///         Next::To(Pizza::Chosen) => Some(Next::To(Order::Address)),
    ///         _ => None,
    ///     });
    ///
    /// let order: Handler = Conversation::new("order")
    ///     .entry(Handler::command("order", |ctx: &Context| {
    ///         ctx.reply("Send /pizza to choose one.").call()?;
    ///         Ok::<_, telegram_api::Error>(Next::To(Order::Pizza))
    ///     }))
    ///     .state(Order::Pizza, pizza)
    ///     .state(Order::Address, Handler::message(filters::text(), |ctx: &Context| {
    ///         ctx.reply("On its way!").call()?;
    ///         Ok::<_, telegram_api::Error>(Next::End)
    ///     }))
    ///     .into();
    /// # let _ = order;
    /// ```
    pub fn map_to_parent<P, F>(self, map: F) -> Handler<Next<P>>
    where
        P: 'static,
        F: Fn(&Next<S>) -> Option<Next<P>> + Send + Sync + 'static,
    {
        let inner = Arc::new(self);
        let routes: Arc<dyn Routes> = inner.clone();
        Handler::conversation(
            routes,
            Arc::new(move |ctx: &Context, route| inner.run_as(ctx, route, &map)),
        )
    }

    /// This conversation as a handler of a state of another conversation, its parent, with no
    /// step mapped: when it ends, the parent stays in its state (the same as
    /// [`map_to_parent`](Conversation::map_to_parent) with a `map` that answers `None`).
    ///
    /// ```
    /// use serde::{Deserialize, Serialize};
    /// use telegram_api::ext::{Context, Conversation, Handler, Next, filters};
    ///
    /// #[derive(Serialize, Deserialize, PartialEq, Clone, Debug)]
    /// enum Menu {
    ///     Main,
    /// }
    ///
    /// #[derive(Serialize, Deserialize, PartialEq, Clone, Debug)]
    /// enum Feedback {
    ///     Text,
    /// }
    ///
    /// let feedback = Conversation::new("feedback")
    ///     .entry(Handler::command("feedback", |ctx: &Context| {
    ///         ctx.reply("Tell me.").call()?;
    ///         Ok::<_, telegram_api::Error>(Next::To(Feedback::Text))
    ///     }))
    ///     .state(Feedback::Text, Handler::message(filters::text(), |ctx: &Context| {
    ///         ctx.reply("Thanks! Back to the menu.").call()?;
    ///         Ok::<_, telegram_api::Error>(Next::End)
    ///     }));
    ///
    /// let menu: Handler = Conversation::new("menu")
    ///     .entry(Handler::command("menu", |_: &Context| {
    ///         Ok::<_, telegram_api::Error>(Next::To(Menu::Main))
    ///     }))
    ///     // The menu stays in Main while the feedback goes on, and after.
    ///     .state(Menu::Main, feedback.nested())
    ///     .fallback(Handler::command("quit", |_: &Context| {
    ///         Ok::<_, telegram_api::Error>(Next::End)
    ///     }))
    ///     .into();
    /// # let _ = menu;
    /// ```
    #[must_use]
    pub fn nested<P: 'static>(self) -> Handler<Next<P>> {
        self.map_to_parent(|_| None)
    }

    /// The key of the conversation `ctx`'s update belongs to.
    fn key(&self, ctx: &Context) -> Option<String> {
        let mut key = self.per.key(ctx, self.per_topic)?;
        if self.per_message {
            let query = ctx.update()?.callback_query()?;
            match (&query.inline_message_id, query.message.as_deref()) {
                (Some(inline), _) => key.push_str(&format!("i{inline}")),
                (None, Some(MaybeInaccessibleMessage::Message(m))) => {
                    key.push_str(&format!("m{}", m.message_id))
                }
                (None, Some(MaybeInaccessibleMessage::InaccessibleMessage(m))) => {
                    key.push_str(&format!("m{}", m.message_id))
                }
                (None, _) => return None,
            }
        }
        Some(format!("{}:{key}", self.name))
    }

    fn section(&self, section: Section) -> Vec<&Handler<Next<S>>> {
        match section {
            Section::Entry => self.entries.iter().collect(),
            Section::Fallback => self.fallbacks.iter().collect(),
            Section::State => self.states.iter().map(|(_, h)| h).collect(),
        }
    }

    /// Runs the `route` that [`Routes::find`] decided; the step of the parent conversation, as
    /// `map` maps this conversation's step ([`Next::Stay`] when it does not, and for a
    /// conversation that is not nested).
    fn run_as<P>(
        &self,
        ctx: &Context,
        route: Option<Route>,
        map: &dyn Fn(&Next<S>) -> Option<Next<P>>,
    ) -> Result<Next<P>, BoxError> {
        let Some(route) = route else {
            return Ok(Next::Stay);
        };
        let Route {
            key,
            conversation,
            state: mut current,
            mut children,
            expired,
            pick,
            inner,
            timed_out,
            error,
        } = route;
        if let Some(error) = error {
            return Err(Box::new(error));
        }
        if expired {
            // Timed out before its timeout job ran: the job is cancelled with the state, so
            // the timeout handler runs here only. Its nested conversations end with it.
            end_all(ctx, &std::mem::take(&mut children))?;
            ctx.remove(&key);
            ctx.unschedule(&timeout_job_id(&conversation));
            current = None;
            if let Some(on_timeout) = &self.on_timeout {
                on_timeout(ctx)?;
            }
        }
        // Nested conversations that timed out end, running their timeout handlers.
        for (section, index, route) in timed_out {
            if let Some(child) = self.section(section).get(index).copied() {
                child.run(ctx, Some(route))?;
            }
        }
        let Some((section, index)) = pick else {
            return Ok(Next::Stay);
        };
        let Some(handler) = self.section(section).get(index).copied() else {
            return Ok(Next::Stay);
        };
        // A nested conversation runs what its own matching decided, and is one of this
        // conversation's children for as long as it has a state.
        let inner = inner.map(|inner| *inner);
        if let Some(inner) = &inner
            && !children.contains(&inner.conversation)
        {
            children.push(inner.conversation.clone());
        }
        let at = ctx.now().as_millisecond();
        let step = handler.run(ctx, inner)?;
        let mapped = match &step {
            Next::Stay => None,
            moved => map(moved),
        };
        match step {
            // Staying is activity: the timeout starts again.
            Next::Stay => {
                if let Some(state) = current {
                    let children = live(ctx, children)?;
                    ctx.set(&key, &record(&key, state, at, &children)?)?;
                    self.schedule_timeout(ctx, &conversation, at)?;
                }
            }
            Next::To(state) if mapped.is_none() => {
                let state = serde_json::to_value(state).map_err(|source| DataError::Encode {
                    key: key.clone(),
                    source,
                })?;
                // A new state, or a restart: the nested conversations of the old one end.
                let children = if section == Section::Entry || current.as_ref() != Some(&state) {
                    end_all(ctx, &children)?;
                    Vec::new()
                } else {
                    live(ctx, children)?
                };
                ctx.set(&key, &record(&key, state, at, &children)?)?;
                self.schedule_timeout(ctx, &conversation, at)?;
            }
            // Ended, or a step its parent takes instead.
            Next::To(_) | Next::End => {
                end_all(ctx, &children)?;
                ctx.remove(&key);
                if self.timeout.is_some() {
                    ctx.unschedule(&timeout_job_id(&conversation));
                }
            }
        }
        Ok(mapped.unwrap_or(Next::Stay))
    }

    /// The timeout in milliseconds.
    fn limit(&self) -> Option<i64> {
        self.timeout
            .map(|t| i64::try_from(t.as_millis()).unwrap_or(i64::MAX))
    }

    /// Schedules the job that times out the conversation `conversation` (its key), last
    /// active at `at` (Unix time in milliseconds), or moves it to the new deadline: committed
    /// with the state. Without a timeout, or with a deadline past the end of time, there is
    /// none.
    fn schedule_timeout(&self, ctx: &Context, conversation: &str, at: i64) -> Result<(), BoxError> {
        let Some(limit) = self.limit() else {
            return Ok(());
        };
        let Ok(due) = jiff::Timestamp::from_millisecond(at.saturating_add(limit)) else {
            return Ok(());
        };
        let data = timeout_data(ctx, conversation, at);
        let id = timeout_job_id(conversation);
        match ctx.schedule_job_as(
            &id,
            &timeout_job_name(&self.name),
            Schedule::once(due),
            &data,
        ) {
            Ok(()) => Ok(()),
            // Not run by an application that registered it (a context made by hand): the
            // timeout is noticed when the next update arrives.
            Err(JobError::Unregistered(name)) => {
                log::debug!(
                    target: "telegram_api",
                    "no timeout job for conversation {conversation}: {name:?} is not registered"
                );
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The code of the timeout job of a conversation: ends it when it has been idle for the
    /// timeout, running the timeout handler; a conversation active since waits for its new
    /// deadline.
    fn time_out(&self, ctx: &Context) -> Result<(), BoxError> {
        let Some(job) = ctx.job() else {
            return Ok(());
        };
        let data = job.raw_data();
        let (Some(conversation), Some(_)) = (
            data.get("key").and_then(serde_json::Value::as_str),
            data.get("at").and_then(serde_json::Value::as_i64),
        ) else {
            let source = <serde_json::Error as serde::de::Error>::custom(
                "not a conversation timeout {\"key\": ..., \"at\": ...}",
            );
            return Err(Box::new(DataError::decode::<TimeoutData>(
                job.key(),
                data.to_string(),
                source,
            )));
        };
        let conversation = conversation.to_owned();
        ctx.topic
            .set(data.get("topic").and_then(serde_json::Value::as_i64));
        let key = Key::conversation(conversation.clone(), "state");
        // Ended since, or a record that is not one (reported when its next update arrives).
        let Some(Record { at, children, .. }) =
            ctx.get::<serde_json::Value>(&key)?.and_then(parse_record)
        else {
            return Ok(());
        };
        let Some(limit) = self.limit() else {
            return Ok(());
        };
        if ctx.now().as_millisecond().saturating_sub(at) < limit {
            return self.schedule_timeout(ctx, &conversation, at);
        }
        // Its nested conversations end with it, without their timeout handlers.
        end_all(ctx, &children)?;
        ctx.remove(&key);
        if let Some(on_timeout) = &self.on_timeout {
            on_timeout(ctx)?;
        }
        Ok(())
    }
}

/// The data of the timeout job of `conversation` (a conversation's or a flow's key), last
/// active at `at`: its key, the time, and the forum topic of `ctx`'s update (or, when the
/// timeout job itself moves it to a new deadline, the job's), for the timeout handler's
/// replies.
pub(crate) fn timeout_data(ctx: &Context, conversation: &str, at: i64) -> serde_json::Value {
    let mut data = serde_json::json!({ "key": conversation, "at": at });
    let topic = match ctx.message_or_button_message() {
        Some(message) if message.is_topic_message == Some(true) => message.message_thread_id,
        Some(_) => None,
        None => ctx.topic.get(),
    };
    if let Some(topic) = topic {
        data["topic"] = topic.into();
    }
    data
}

/// The data of a conversation's timeout job, as its decoding errors name it:
/// `{"key": <the conversation's key>, "at": <when it was last active>}`, and `"topic"`, the
/// forum topic of the update that last moved it, when it was in one.
struct TimeoutData;

/// The name of the job that times out the conversations named `name`.
fn timeout_job_name(name: &str) -> String {
    format!("{INTERNAL_PREFIX}conversation/{name}")
}

/// The id of the job that times out the conversation of key `conversation`.
fn timeout_job_id(conversation: &str) -> String {
    format!("{INTERNAL_PREFIX}conversation-timeout/{conversation}")
}

impl<S> From<Conversation<S>> for Handler
where
    S: Serialize + DeserializeOwned + PartialEq + Send + Sync + 'static,
{
    fn from(conversation: Conversation<S>) -> Handler {
        conversation.build()
    }
}

impl<S: fmt::Debug> fmt::Debug for Conversation<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Conversation")
            .field("name", &self.name)
            .field("entries", &self.entries)
            .field("states", &self.states)
            .field("fallbacks", &self.fallbacks)
            .field("per", &self.per)
            .field("per_message", &self.per_message)
            .field("per_topic", &self.per_topic)
            .field("allow_reentry", &self.allow_reentry)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// A conversation's stored record: `{"state": <the state>, "at": <when it was last active,
/// Unix time in milliseconds>}`, with `"children": [<keys>]` when conversations nested in its
/// state have one of their own.
fn record(
    key: &Key,
    state: impl Serialize,
    at: i64,
    children: &[String],
) -> Result<serde_json::Value, DataError> {
    let state = serde_json::to_value(state).map_err(|source| DataError::Encode {
        key: key.clone(),
        source,
    })?;
    let mut fields = serde_json::Map::new();
    fields.insert("state".into(), state);
    fields.insert("at".into(), at.into());
    if !children.is_empty() {
        fields.insert("children".into(), children.into());
    }
    Ok(serde_json::Value::Object(fields))
}

/// A stored record, read.
struct Record {
    state: serde_json::Value,
    at: i64,
    /// The keys of the conversations nested in the state that had a state when it was
    /// written (some may have ended since).
    children: Vec<String>,
}

/// The stored record, or `None` when it is not one.
fn parse_record(record: serde_json::Value) -> Option<Record> {
    let serde_json::Value::Object(mut fields) = record else {
        return None;
    };
    let at = fields.get("at")?.as_i64()?;
    let children = match fields.remove("children") {
        None => Vec::new(),
        Some(serde_json::Value::Array(keys)) => keys
            .into_iter()
            .map(|k| match k {
                serde_json::Value::String(k) => Some(k),
                _ => None,
            })
            .collect::<Option<_>>()?,
        Some(_) => return None,
    };
    Some(Record {
        state: fields.remove("state")?,
        at,
        children,
    })
}

/// The conversations of `keys` that still have a state.
fn live(ctx: &Context, keys: Vec<String>) -> Result<Vec<String>, DataError> {
    let mut alive = Vec::with_capacity(keys.len());
    for key in keys {
        if ctx
            .get::<serde_json::Value>(&Key::conversation(key.clone(), "state"))?
            .is_some()
        {
            alive.push(key);
        }
    }
    Ok(alive)
}

/// How deep conversations nest at most when ending them: deeper keys (only a record written
/// by hand can list them) are left as they are.
const MAX_DEPTH: usize = 32;

/// Ends the conversations of `keys` and those nested in them, in the pending changes: their
/// states are removed and their timeouts cancelled, without their timeout handlers.
fn end_all(ctx: &Context, keys: &[String]) -> Result<(), DataError> {
    let mut level: Vec<String> = keys.to_vec();
    let mut ended: Vec<String> = Vec::new();
    for _ in 0..MAX_DEPTH {
        if level.is_empty() {
            return Ok(());
        }
        let mut next = Vec::new();
        for conversation in level {
            if ended.contains(&conversation) {
                continue;
            }
            let key = Key::conversation(conversation.clone(), "state");
            let stored = ctx.get::<serde_json::Value>(&key)?;
            if let Some(record) = stored.and_then(parse_record) {
                next.extend(record.children);
            }
            ctx.remove(&key);
            ctx.unschedule(&timeout_job_id(&conversation));
            ended.push(conversation);
        }
        level = next;
    }
    if !level.is_empty() {
        log::warn!(
            target: "telegram_api",
            "conversations nested more than {MAX_DEPTH} deep are left as they are: {level:?}"
        );
    }
    Ok(())
}

/// Which list of a conversation a handler is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Section {
    Entry,
    Fallback,
    /// The handlers of the states (index into all of them).
    State,
}

/// What a conversation decided to do with an update, from its matching to its running.
pub(crate) struct Route {
    /// The key of the conversation's state.
    key: Key,
    /// The key of the conversation (its name and whose it is).
    conversation: String,
    /// The stored state (before a timeout), as JSON.
    state: Option<serde_json::Value>,
    /// The keys of the conversations nested in the stored state.
    children: Vec<String>,
    /// The stored state timed out.
    expired: bool,
    /// The handler to run.
    pick: Option<(Section, usize)>,
    /// The route of the nested conversation that is the handler to run.
    inner: Option<Box<Route>>,
    /// Nested conversations found timed out on the way to the handler to run (which list of
    /// this conversation they are in, where, and their routes), to end first.
    timed_out: Vec<(Section, usize, Route)>,
    /// The stored state does not decode.
    error: Option<DataError>,
}

/// The part of a conversation that matching sees, whatever its state type.
pub(crate) trait Routes: Send + Sync {
    fn name(&self) -> &str;
    /// What it is, for `Debug`: a conversation, or a [flow](crate::ext::Flow).
    fn kind(&self) -> &'static str {
        "conversation"
    }
    fn update_types(&self) -> Option<Vec<UpdateType>>;
    fn find(&self, ctx: &Context, username: &dyn Fn() -> Option<String>) -> Option<Matched>;
    /// The jobs the conversation runs on its own, by name: its timeouts.
    fn jobs(self: Arc<Self>) -> Vec<(String, JobCallback)>;
}

impl<S> Routes for Conversation<S>
where
    S: Serialize + DeserializeOwned + PartialEq + Send + Sync + 'static,
{
    fn name(&self) -> &str {
        &self.name
    }

    fn update_types(&self) -> Option<Vec<UpdateType>> {
        let mut all = Vec::new();
        let handlers = self
            .entries
            .iter()
            .chain(self.fallbacks.iter())
            .chain(self.states.iter().map(|(_, h)| h));
        for handler in handlers {
            for kind in handler.update_types()? {
                if !all.contains(&kind) {
                    all.push(kind);
                }
            }
        }
        Some(all)
    }

    fn jobs(self: Arc<Self>) -> Vec<(String, JobCallback)> {
        let name = timeout_job_name(&self.name);
        // The jobs of the conversations nested in it, once each.
        let mut jobs: Vec<(String, JobCallback)> = Vec::new();
        let handlers = self
            .entries
            .iter()
            .chain(self.fallbacks.iter())
            .chain(self.states.iter().map(|(_, h)| h));
        for (job, callback) in handlers.flat_map(Handler::jobs) {
            if job != name && !jobs.iter().any(|(j, _)| *j == job) {
                jobs.push((job, callback));
            }
        }
        let time_out: JobCallback = Arc::new(move |ctx: &Context| self.time_out(ctx));
        jobs.insert(0, (name, time_out));
        jobs
    }

    fn find(&self, ctx: &Context, username: &dyn Fn() -> Option<String>) -> Option<Matched> {
        let conversation = self.key(ctx)?;
        let key = Key::conversation(conversation.clone(), "state");
        let broken = |key: Key, error: DataError| Matched {
            route: Some(Route {
                key,
                conversation: conversation.clone(),
                state: None,
                children: Vec::new(),
                expired: false,
                pick: None,
                inner: None,
                timed_out: Vec::new(),
                error: Some(error),
            }),
            ..Matched::default()
        };
        let stored = match ctx.get::<serde_json::Value>(&key) {
            Ok(stored) => stored,
            Err(error) => return Some(broken(key, error)),
        };
        let (mut current, mut expired, mut children) = (None, false, Vec::new());
        if let Some(stored) = stored {
            let text = stored.to_string();
            let Some(Record {
                state,
                at,
                children: nested,
            }) = parse_record(stored)
            else {
                let source = <serde_json::Error as serde::de::Error>::custom(
                    "not a conversation record {\"state\": ..., \"at\": ...}",
                );
                return Some(broken(
                    key.clone(),
                    DataError::decode::<S>(key, text, source),
                ));
            };
            children = nested;
            let idle = ctx.now().as_millisecond().saturating_sub(at);
            if self.limit().is_some_and(|limit| idle >= limit) {
                expired = true;
            } else {
                // Decoded as `S` here, so that a state that no longer decodes is reported.
                match S::deserialize(&state) {
                    Ok(decoded) => current = Some((decoded, state)),
                    Err(source) => {
                        return Some(broken(
                            key.clone(),
                            DataError::decode::<S>(key, text, source),
                        ));
                    }
                }
            }
        }
        let mut candidates: Vec<(Section, usize, &Handler<Next<S>>)> = Vec::new();
        match &current {
            Some((state, _)) => {
                for (i, (s, h)) in self.states.iter().enumerate() {
                    if s == state {
                        candidates.push((Section::State, i, h));
                    }
                }
                for (i, h) in self.fallbacks.iter().enumerate() {
                    candidates.push((Section::Fallback, i, h));
                }
                if self.allow_reentry {
                    for (i, h) in self.entries.iter().enumerate() {
                        candidates.push((Section::Entry, i, h));
                    }
                }
            }
            None => {
                for (i, h) in self.entries.iter().enumerate() {
                    candidates.push((Section::Entry, i, h));
                }
            }
        }
        let mut found = None;
        let mut timed_out = Vec::new();
        for (section, i, h) in candidates {
            let Some(mut matched) = h.matches(ctx, username) else {
                continue;
            };
            match matched.route.take() {
                // A nested conversation found timed out, whose handlers do not take the
                // update: it is ended on the way, and the update goes on to the next handler.
                Some(route) if route.expired && route.pick.is_none() && route.error.is_none() => {
                    timed_out.push((section, i, route));
                }
                route => {
                    matched.route = route;
                    found = Some(((section, i), matched));
                    break;
                }
            }
        }
        let (pick, mut matched) = match found {
            Some((pick, matched)) => (Some(pick), matched),
            // An expired conversation is ended even when no handler takes the update.
            None if expired || !timed_out.is_empty() => (None, Matched::default()),
            None => return None,
        };
        let inner = matched.route.take().map(Box::new);
        Some(Matched {
            route: Some(Route {
                key,
                conversation,
                state: current.map(|(_, json)| json),
                children,
                expired,
                pick,
                inner,
                timed_out,
                error: None,
            }),
            ..matched
        })
    }
}
