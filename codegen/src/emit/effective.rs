//! `effective_chat`, `effective_user` and `effective_message`: the chat, user and message an
//! object with kinds (`Update`) is about, whatever its kind, derived from the fields of each
//! kind's payload so that a kind a new Bot API release adds is covered without a hand edit.
//!
//! The rules, for each kind's payload:
//! - a `Message` is the message, its `chat` the chat and its `from` the user;
//! - the chat: the field `chat` of type `Chat`; else the one field of type `Chat`; else the
//!   `chat` of a union field whose members all have one (a callback query's `message`);
//! - the user: the field `from` of type `User`; else the field `user`; else the `user` of the
//!   members of a union field that have one (a boost's `source`), also one required object
//!   field deep (a boost update's `boost.source`);
//! - the message: a `Message` member of a union field (a callback query's `message`).

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::names::{camel, snake_ident, type_ident};
use super::types::union_variants;
use super::{Boxing, Context};
use crate::spec::{Field, TypeDef, TypeExpr, TypeKind};

const CHAT: &str = "Chat";
const USER: &str = "User";
const MESSAGE: &str = "Message";

/// How to reach a value from a payload bound to `__v`, and what the docs say of it.
struct Reach {
    /// An expression of type `Option<&T>`.
    expr: TokenStream,
    /// "its `chat`", "the `chat` of its `message`".
    said: String,
}

fn ref_name(ty: &TypeExpr) -> Option<&str> {
    match ty {
        TypeExpr::Ref { name } => Some(name),
        _ => None,
    }
}

fn fields_of<'a>(cx: &'a Context, name: &str) -> &'a [Field] {
    cx.types.get(name).map_or(&[], |t| t.fields())
}

/// `Option<&T>` of a field of `owner` bound to `base`.
fn field_ref(cx: &Context, owner: &str, base: &TokenStream, f: &Field) -> TokenStream {
    let ident = snake_ident(&f.name).expect("a field name");
    if f.required {
        quote!(Some(&#base.#ident))
    } else {
        let boxing = cx.types.get(owner).map_or(Boxing::All, |t| cx.boxing_of(t));
        if cx.held_type(&f.ty, owner, boxing).boxed {
            quote!(#base.#ident.as_deref())
        } else {
            quote!(#base.#ident.as_ref())
        }
    }
}

/// A field of `owner` of type `target`: the first of the `preferred` names, else (when `sole`)
/// the only field of that type.
fn direct(
    cx: &Context,
    owner: &str,
    base: &TokenStream,
    target: &str,
    preferred: &[&str],
    sole: bool,
) -> Option<Reach> {
    let of_type: Vec<&Field> = fields_of(cx, owner)
        .iter()
        .filter(|f| ref_name(&f.ty) == Some(target))
        .collect();
    let chosen = preferred
        .iter()
        .find_map(|p| of_type.iter().find(|f| f.name == *p))
        .or_else(|| of_type.first().filter(|_| sole && of_type.len() == 1))?;
    Some(Reach {
        expr: field_ref(cx, owner, base, chosen),
        said: format!("its `{}`", chosen.name),
    })
}

/// Through a union field of `owner`: the value each member gives by `inner`, when `all` members
/// must give one or some may.
fn through_union(
    cx: &Context,
    owner: &str,
    base: &TokenStream,
    all: bool,
    inner: &dyn Fn(&str, &TokenStream) -> Option<TokenStream>,
    what: &str,
    whose: &str,
) -> Result<Option<Reach>, String> {
    for f in fields_of(cx, owner) {
        let Some(union) = ref_name(&f.ty) else {
            continue;
        };
        let Some(def) = cx.types.get(union).copied() else {
            continue;
        };
        let TypeKind::Union { members, .. } = &def.kind else {
            continue;
        };
        let (variants, has_unknown) = union_variants(cx, def)?;
        let member = quote!(__m);
        let mut arms = Vec::new();
        for (m, variant) in members.iter().zip(&variants) {
            let Some(name) = ref_name(&m.ty) else {
                continue;
            };
            match inner(name, &member) {
                Some(expr) => {
                    let union_ident = type_ident(union);
                    arms.push(quote!(#union_ident::#variant(#member) => #expr,));
                }
                None if all => {
                    arms.clear();
                    break;
                }
                None => {}
            }
        }
        if arms.is_empty() {
            continue;
        }
        let rest = (has_unknown || arms.len() < variants.len()).then(|| quote!(_ => None,));
        let value = if f.required {
            let ident = snake_ident(&f.name)?;
            let boxing = cx.types.get(owner).map_or(Boxing::All, |t| cx.boxing_of(t));
            if cx.held_type(&f.ty, owner, boxing).boxed {
                quote!(&*#base.#ident)
            } else {
                quote!(&#base.#ident)
            }
        } else {
            let value = field_ref(cx, owner, base, f);
            quote!(#value?)
        };
        return Ok(Some(Reach {
            expr: quote! {
                match #value {
                    #(#arms)*
                    #rest
                }
            },
            said: format!("{what} {whose} `{}`", f.name),
        }));
    }
    Ok(None)
}

fn chat_of(cx: &Context, payload: &str, base: &TokenStream) -> Result<Option<Reach>, String> {
    if let Some(r) = direct(cx, payload, base, CHAT, &["chat"], true) {
        return Ok(Some(r));
    }
    through_union(
        cx,
        payload,
        base,
        true,
        &|member, m| {
            fields_of(cx, member)
                .iter()
                .any(|f| f.name == "chat" && f.required && ref_name(&f.ty) == Some(CHAT))
                .then(|| quote!(Some(&#m.chat)))
        },
        "the `chat` of",
        "its",
    )
}

fn user_of(cx: &Context, payload: &str, base: &TokenStream) -> Result<Option<Reach>, String> {
    if let Some(r) = direct(cx, payload, base, USER, &["from", "user"], false) {
        return Ok(Some(r));
    }
    let member_user = |member: &str, m: &TokenStream| {
        let f = fields_of(cx, member)
            .iter()
            .find(|f| f.name == "user" && ref_name(&f.ty) == Some(USER))?;
        Some(field_ref(cx, member, m, f))
    };
    if let Some(r) = through_union(
        cx,
        payload,
        base,
        false,
        &member_user,
        "the `user` of",
        "its",
    )? {
        return Ok(Some(r));
    }
    // One required object field deep.
    for f in fields_of(cx, payload).iter().filter(|f| f.required) {
        let Some(name) = ref_name(&f.ty) else {
            continue;
        };
        if !matches!(
            cx.types.get(name).map(|t| &t.kind),
            Some(TypeKind::Object { .. })
        ) {
            continue;
        }
        let ident = snake_ident(&f.name)?;
        let nested = quote!(#base.#ident);
        let whose = format!("its `{}`'s", f.name);
        if let Some(r) = through_union(
            cx,
            name,
            &nested,
            false,
            &member_user,
            "the `user` of",
            &whose,
        )? {
            return Ok(Some(r));
        }
    }
    Ok(None)
}

fn message_of(cx: &Context, payload: &str, base: &TokenStream) -> Result<Option<Reach>, String> {
    through_union(
        cx,
        payload,
        base,
        false,
        &|member, m| (member == MESSAGE).then(|| quote!(Some(#m))),
        "the message in",
        "its",
    )
}

/// One `effective_*` method: an arm per kind that reaches a value, documented kind by kind.
fn method(
    name: &Ident,
    ret: &Ident,
    summary: &str,
    kind_name: &Ident,
    arms: &[(&Field, String, TokenStream)],
) -> TokenStream {
    let mut doc = vec![format!(" {summary}"), String::new()];
    let mut said: Vec<(String, Vec<String>)> = Vec::new();
    for (kind, text, _) in arms {
        let key = &kind.name;
        match said.iter_mut().find(|(t, _)| t == text) {
            Some((_, kinds)) => kinds.push(format!("`{key}`")),
            None => said.push((text.clone(), vec![format!("`{key}`")])),
        }
    }
    for (text, kinds) in &said {
        doc.push(format!(" - {}: {text};", kinds.join(", ")));
    }
    doc.push(String::new());
    doc.push(
        " `None` for every other kind, kinds this version of the crate does not know, and \
         where the field is absent."
            .to_string(),
    );
    let arms = arms.iter().map(|(kind, _, expr)| {
        let variant = format_ident!("{}", camel(&kind.name));
        quote!(#kind_name::#variant(__v) => #expr,)
    });
    quote! {
        #(#[doc = #doc])*
        pub fn #name(&self) -> Option<&#ret> {
            match &self.kind {
                #(#arms)*
                _ => None,
            }
        }
    }
}

/// The `effective_*` methods of an object with kinds, for those some kind reaches; nothing when
/// no kind carries a chat, user or message.
pub(super) fn effective(
    cx: &Context,
    t: &TypeDef,
    kinds: &[&Field],
) -> Result<TokenStream, String> {
    let kind_name = format_ident!("{}Kind", t.name);
    let base = quote!(__v);
    let mut chats = Vec::new();
    let mut users = Vec::new();
    let mut messages = Vec::new();
    for f in kinds {
        let Some(payload) = ref_name(&f.ty) else {
            continue;
        };
        if payload == MESSAGE {
            chats.push((*f, "the message's `chat`".into(), quote!(Some(&__v.chat))));
            users.push((
                *f,
                "the message's `from`".into(),
                field_ref(
                    cx,
                    MESSAGE,
                    &base,
                    fields_of(cx, MESSAGE)
                        .iter()
                        .find(|f| f.name == "from")
                        .ok_or("Message has no from")?,
                ),
            ));
            messages.push((*f, "the message".into(), quote!(Some(__v))));
            continue;
        }
        if let Some(r) = chat_of(cx, payload, &base)? {
            chats.push((*f, r.said, r.expr));
        }
        if let Some(r) = user_of(cx, payload, &base)? {
            users.push((*f, r.said, r.expr));
        }
        if let Some(r) = message_of(cx, payload, &base)? {
            messages.push((*f, r.said, r.expr));
        }
    }
    let mut out = TokenStream::new();
    for (name, ret, summary, arms) in [
        (
            "effective_chat",
            CHAT,
            "The chat this happened in, whatever the kind:",
            &chats,
        ),
        (
            "effective_user",
            USER,
            "The user who caused this, whatever the kind:",
            &users,
        ),
        (
            "effective_message",
            MESSAGE,
            "The message this carries or is about, whatever the kind:",
            &messages,
        ),
    ] {
        if !arms.is_empty() && cx.types.contains_key(ret) {
            out.extend(method(
                &format_ident!("{name}"),
                &type_ident(ret),
                summary,
                &kind_name,
                arms,
            ));
        }
    }
    if out.is_empty() {
        return Ok(out);
    }
    let name = type_ident(&t.name);
    Ok(quote! {
        impl #name {
            #out
        }
    })
}
