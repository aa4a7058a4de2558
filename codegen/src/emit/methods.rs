//! Request types (`methods.rs`) and the methods of `Bot` (`bot.rs`).

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::docs::doc_attrs;
use super::layout::Unit;
use super::names::{camel, method_snake, snake_ident, type_ident};
use super::types::conversion;
use super::{Boxing, Context};
use crate::spec::{Method, TypeExpr, TypeKind};

/// The Rust type of a method's result.
fn response_type(cx: &Context, ty: &TypeExpr, method: &str) -> TokenStream {
    match ty {
        TypeExpr::True => quote!(bool),
        other => cx.rust_type(other, method, Boxing::Never),
    }
}

/// A method's description, with links to the types it returns.
fn method_description(cx: &Context, m: &Method) -> String {
    let mut returns = Vec::new();
    m.returns
        .for_each_type_name(&mut |n| returns.push(n.to_string()));
    cx.linker
        .render_returning(&m.description, &m.name, &returns)
}

/// The request type's name: the official name in UpperCamelCase (`SendMessage`).
pub(crate) fn request_ident(m: &Method) -> Ident {
    format_ident!("{}", camel(&m.name))
}

struct Param<'a> {
    field: &'a crate::spec::Field,
    ident: Ident,
    /// The parameter type and the expression storing an argument.
    arg: TokenStream,
    store: TokenStream,
    /// The declared field type.
    ty: TokenStream,
}

fn params<'a>(cx: &Context, m: &'a Method) -> Result<Vec<Param<'a>>, String> {
    m.params
        .iter()
        .map(|p| {
            let ident = snake_ident(&p.name).map_err(|e| format!("{}.{}: {e}", m.name, p.name))?;
            let held = cx.held_type(&p.ty, &m.name, Boxing::Never);
            let (arg, store) = conversion(cx, &p.ty, &held, &ident);
            let ty = held.tokens();
            let ty = if p.required { ty } else { quote!(Option<#ty>) };
            Ok(Param {
                field: p,
                ident,
                arg,
                store,
                ty,
            })
        })
        .collect()
}

/// Whether a result is an array of objects whose optional fields exclude each other (updates):
/// decoded item by item, so that one bad item does not lose the others.
fn decodes_each(cx: &Context, ty: &TypeExpr) -> Option<Ident> {
    let TypeExpr::Array { items } = ty else {
        return None;
    };
    let TypeExpr::Ref { name } = items.as_ref() else {
        return None;
    };
    let t = cx.types.get(name.as_str())?;
    matches!(
        t.kind,
        TypeKind::Object {
            one_optional: true,
            ..
        }
    )
    .then(|| type_ident(name))
}

/// The parameters `telegram_api::Defaults` fills, each with the one type it fills them with.
fn defaultable_type(name: &str) -> Option<TypeExpr> {
    match name {
        "parse_mode" => Some(TypeExpr::ParseMode),
        "disable_notification" | "protect_content" => Some(TypeExpr::Boolean),
        "link_preview_options" => Some(TypeExpr::reference("LinkPreviewOptions")),
        _ => None,
    }
}

/// The parameter that replaces `parse_mode`: the method's list of entities for the same text.
/// That is its one `Array of MessageEntity` parameter that belongs to no other parse mode
/// (`question_entities` goes with `question_parse_mode`).
fn entities_of_parse_mode(m: &Method) -> Result<&str, String> {
    let entities = TypeExpr::array(TypeExpr::reference("MessageEntity"));
    let has = |name: &str| m.params.iter().any(|p| p.name == name);
    let candidates: Vec<&str> = m
        .params
        .iter()
        .filter(|p| p.ty == entities)
        .map(|p| p.name.as_str())
        .filter(|name| {
            name.strip_suffix("_entities")
                .is_none_or(|prefix| !has(&format!("{prefix}_parse_mode")))
        })
        .collect();
    match candidates.as_slice() {
        [one] => Ok(one),
        other => Err(format!(
            "{}: parse_mode needs exactly one list of entities to pair with, found {other:?}",
            m.name
        )),
    }
}

/// The `Defaultable` table of a method: which of the parameters `Defaults` fills it has (and
/// for `parse_mode`, which parameter replaces it). `None` when it has none of them.
fn defaultable(m: &Method) -> Result<Option<TokenStream>, String> {
    let mut any = false;
    for p in &m.params {
        let Some(ty) = defaultable_type(&p.name) else {
            continue;
        };
        if p.ty != ty || p.required {
            return Err(format!(
                "{}.{}: Defaults fills it as an optional {}, but it is {} {}",
                m.name,
                p.name,
                ty.display(),
                if p.required {
                    "a required"
                } else {
                    "an optional"
                },
                p.ty.display()
            ));
        }
        any = true;
    }
    if !any {
        return Ok(None);
    }
    let has = |name: &str| m.params.iter().any(|p| p.name == name);
    let parse_mode = if has("parse_mode") {
        let entities = entities_of_parse_mode(m)?;
        quote!(Some(#entities))
    } else {
        quote!(None)
    };
    let (notification, protect, preview) = (
        has("disable_notification"),
        has("protect_content"),
        has("link_preview_options"),
    );
    Ok(Some(quote! {
        crate::model::Defaultable {
            parse_mode: #parse_mode,
            disable_notification: #notification,
            protect_content: #protect,
            link_preview_options: #preview,
        }
    }))
}

/// The request type of a method.
pub(super) fn request(cx: &Context, m: &Method) -> Result<TokenStream, String> {
    let name = request_ident(m);
    let official = &m.name;
    if cx.types.contains_key(name.to_string().as_str()) {
        // Request types live in their own module, but a clash would confuse readers.
        return Err(format!("request type {name} has the name of a type"));
    }
    let ps = params(cx, m)?;
    let docs = doc_attrs(
        &[
            method_description(cx, m),
            format!(
                "Send it with [`Bot::{}`](crate::Bot::{}) or [`Bot::execute`](crate::Bot::execute).",
                method_snake(official),
                method_snake(official)
            ),
        ],
        Some(&m.doc_url),
    );
    let decls = ps.iter().map(|p| {
        let (ident, ty) = (&p.ident, &p.ty);
        let d = cx.field_docs(p.field, &m.name);
        quote!(#d pub #ident: #ty,)
    });
    let many = super::many_arguments(ps.iter().filter(|p| p.field.required).count());
    let new_args = ps.iter().filter(|p| p.field.required).map(|p| {
        let (ident, arg) = (&p.ident, &p.arg);
        quote!(#ident: #arg)
    });
    let inits = ps.iter().map(|p| {
        let ident = &p.ident;
        if !p.field.required {
            quote!(#ident: None)
        } else if *ident == p.store.to_string() {
            quote!(#ident)
        } else {
            let store = &p.store;
            quote!(#ident: #store)
        }
    });
    // Each setter once: the macro defines it on the request and on its `Call`.
    let setters: Vec<TokenStream> = ps
        .iter()
        .filter(|p| !p.field.required)
        .map(|p| {
            let (ident, arg, store) = (&p.ident, &p.arg, &p.store);
            let d = cx.field_docs(p.field, &m.name);
            quote!(#d #ident(#ident: #arg) => #store;)
        })
        .collect();
    let setters = (!setters.is_empty()).then(|| {
        quote! {
            crate::transport::call::setters! {
                #name {
                    #(#setters)*
                }
            }
        }
    });
    let entries = ps.iter().map(|p| {
        let (ident, key) = (&p.ident, &p.field.name);
        if p.field.required {
            quote!(__map.serialize_entry(#key, &self.#ident)?;)
        } else {
            quote! {
                if let Some(__v) = &self.#ident {
                    __map.serialize_entry(#key, __v)?;
                }
            }
        }
    });
    let response = response_type(cx, &m.returns, &m.name);
    let long_poll = ps
        .iter()
        .find(|p| p.field.name == "timeout" && p.field.ty == TypeExpr::Integer && !p.field.required)
        .map(|_| {
            quote! {
                fn long_poll(&self) -> Option<std::time::Duration> {
                    self.timeout.map(|t| std::time::Duration::from_secs(t.max(0) as u64))
                }
            }
        });
    // The result's decoder is compiled here, once per method, rather than in every crate that
    // calls the method (the trait's default would be instantiated there, with the whole tree of
    // decoders under the result type).
    let decode_body = match decodes_each(cx, &m.returns) {
        Some(item) => quote!(crate::codec::de::decode_each::<#item>(result)),
        None => quote!(crate::json::from_str(result)),
    };
    let decode = quote! {
        #[inline(never)]
        fn decode_result(result: &str, _: crate::model::Token) -> Result<Self::Response, serde_json::Error> {
            #decode_body
        }
        #[inline(never)]
        fn trace_result(result: &str, _: crate::model::Token) -> Option<(String, String)> {
            crate::codec::de::trace::<Self::Response>(result)
        }
    };
    let file_params: Vec<&str> = ps
        .iter()
        .filter(|p| {
            matches!(
                p.field.ty,
                TypeExpr::InputFile | TypeExpr::InputFileOrString
            )
        })
        .map(|p| p.field.name.as_str())
        .collect();
    let file_params = if file_params.is_empty() {
        quote!()
    } else {
        quote! {
            fn file_params(_: crate::model::Token) -> &'static [&'static str] {
                &[#(#file_params),*]
            }
        }
    };
    let defaultable = defaultable(m)?.map(|tokens| {
        quote! {
            fn defaultable(_: crate::model::Token) -> crate::model::Defaultable {
                #tokens
            }
        }
    });
    let derive_default = if ps.iter().all(|p| !p.field.required) {
        quote!(, Default)
    } else {
        quote!()
    };
    let new_doc = format!(
        " A `{official}` request from its required parameters; optional ones are set with the methods below."
    );
    Ok(quote! {
        #docs
        #[derive(Clone, Debug, PartialEq #derive_default)]
        #[non_exhaustive]
        pub struct #name {
            #(#decls)*
        }

        impl #name {
            #[doc = #new_doc]
            #[must_use]
            #many
            pub fn new(#(#new_args),*) -> Self {
                Self {
                    #(#inits,)*
                }
            }
        }

        #setters

        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, __s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap as _;
                let mut __map = __s.serialize_map(None)?;
                #(#entries)*
                __map.end()
            }
        }

        impl crate::Method for #name {
            const NAME: &'static str = #official;
            type Response = #response;
            #file_params
            #defaultable
            #long_poll
            #decode
        }

        impl std::fmt::Display for #name {
            /// Writes the parameters as the compact JSON sent to Telegram.
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                crate::codec::display::write_json(self, f)
            }
        }
    })
}

/// `methods.rs`: one request type per method.
/// A method of `Bot` (under both names) and the setters of its `Call`.
pub(super) fn bot_unit(cx: &Context, m: &Method) -> Result<Unit, String> {
    let mut bot_methods = Vec::new();
    let request = request_ident(m);
    let ps = params(cx, m)?;
    let snake = snake_ident(&method_snake(&m.name))?;
    let official = format_ident!("{}", m.name);
    let args: Vec<TokenStream> = ps
        .iter()
        .filter(|p| p.field.required)
        .map(|p| {
            let (ident, arg) = (&p.ident, &p.arg);
            quote!(#ident: #arg)
        })
        .collect();
    let names: Vec<&Ident> = ps
        .iter()
        .filter(|p| p.field.required)
        .map(|p| &p.ident)
        .collect();
    let many = super::many_arguments(args.len() + 1);
    let mut notes = Vec::new();
    if ps.iter().any(|p| !p.field.required) {
        notes.push(format!(
            "Optional parameters are set on the returned [`Call`](crate::Call); see \
                 [`{request}`](crate::methods::{request})."
        ));
    }
    if snake != official {
        notes.push(format!(
            "Also callable under its official name, `{}`.",
            m.name
        ));
    }
    let mut paragraphs = vec![method_description(cx, m)];
    if !notes.is_empty() {
        paragraphs.push(notes.join(" "));
    }
    let docs = doc_attrs(&paragraphs, Some(&m.doc_url));
    if snake == official {
        // A one-word name is already snake_case: one method serves both.
        bot_methods.push(quote! {
            #docs
            #many
            pub fn #snake(&self, #(#args),*) -> crate::Call<'_, crate::methods::#request> {
                crate::Call::new(self, crate::methods::#request::new(#(#names),*))
            }
        });
    } else {
        // The official name is an alias: callable, found by rustdoc's search through
        // `doc(alias)`, but not listed beside its snake_case twin (see the crate docs).
        let official_name = &m.name;
        let alias_doc = format!(
            " `{}`: the official name of [`{}`](Self::{}).",
            m.name,
            method_snake(&m.name),
            method_snake(&m.name)
        );
        bot_methods.push(quote! {
            #docs
            #[doc(alias = #official_name)]
            #many
            pub fn #snake(&self, #(#args),*) -> crate::Call<'_, crate::methods::#request> {
                crate::Call::new(self, crate::methods::#request::new(#(#names),*))
            }

            #[doc = #alias_doc]
            #[doc(hidden)]
            #[allow(non_snake_case)]
            #many
            pub fn #official(&self, #(#args),*) -> crate::Call<'_, crate::methods::#request> {
                self.#snake(#(#names),*)
            }
        });
    }
    Ok(Unit {
        bot: quote!(#(#bot_methods)*),
        ..Unit::default()
    })
}
