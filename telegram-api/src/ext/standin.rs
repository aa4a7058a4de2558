//! Temporary stand-ins for the filter and command types (replaced by `filters` and `command`).
#![allow(missing_docs, dead_code)]

use std::sync::Arc;

use crate::{Chat, Message, Update, User};

#[derive(Clone)]
pub struct Filter(Arc<dyn Fn(&Update) -> bool + Send + Sync>);

impl Filter {
    pub fn new(f: impl Fn(&Update) -> bool + Send + Sync + 'static) -> Filter {
        Filter(Arc::new(f))
    }
    pub fn matches(&self, update: &Update) -> bool {
        (self.0)(update)
    }
}

#[derive(Clone, Debug)]
pub struct Command {
    pub name: String,
    pub bot_username: Option<String>,
    pub args: Vec<String>,
    pub raw_args: String,
}

impl Command {
    pub fn parse(message: &Message) -> Option<Command> {
        let text = message.text.as_deref()?;
        let rest = text.strip_prefix('/')?;
        let (head, raw) = rest.split_once(' ').unwrap_or((rest, ""));
        let (name, user) = match head.split_once('@') {
            Some((n, u)) => (n, Some(u.to_string())),
            None => (head, None),
        };
        Some(Command {
            name: name.to_lowercase(),
            bot_username: user,
            args: raw.split_whitespace().map(String::from).collect(),
            raw_args: raw.to_string(),
        })
    }
    pub fn is_for(&self, username: Option<&str>) -> bool {
        match (&self.bot_username, username) {
            (None, _) => true,
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            (Some(_), None) => false,
        }
    }
    pub fn start_payload(&self) -> Option<&str> {
        (self.name == "start").then(|| self.args.first().map(String::as_str))?
    }
}

pub trait Effective {
    fn effective_chat(&self) -> Option<&Chat>;
    fn effective_user(&self) -> Option<&User>;
    fn effective_message(&self) -> Option<&Message>;
}

impl Effective for Update {
    fn effective_chat(&self) -> Option<&Chat> {
        if let Some(m) = self.effective_message() {
            return Some(&m.chat);
        }
        if let Some(q) = self.callback_query() {
            return match q.message.as_deref()? {
                crate::MaybeInaccessibleMessage::Message(m) => Some(&m.chat),
                crate::MaybeInaccessibleMessage::InaccessibleMessage(m) => Some(&m.chat),
            };
        }
        None
    }
    fn effective_user(&self) -> Option<&User> {
        if let Some(m) = self.effective_message() {
            return m.from.as_deref();
        }
        if let Some(q) = self.callback_query() {
            return Some(&q.from);
        }
        if let Some(q) = self.inline_query() {
            return Some(&q.from);
        }
        None
    }
    fn effective_message(&self) -> Option<&Message> {
        self.message()
            .or(self.edited_message())
            .or(self.channel_post())
            .or(self.business_message())
            .or_else(|| match self.callback_query()?.message.as_deref()? {
                crate::MaybeInaccessibleMessage::Message(m) => Some(m),
                _ => None,
            })
    }
}
