//! `message_filters.rs`: for `telegram_api::ext::filters::message`, one filter per optional
//! field of `Message`, passing the messages that have it, so that every kind of content and
//! service message a Bot API release adds has its filter without a hand edit.

use proc_macro2::TokenStream;
use quote::quote;

use super::Context;
use super::docs::doc_attrs;
use super::names::snake_ident;

const MESSAGE: &str = "Message";

impl Context<'_> {
    /// The filters of the optional fields of `Message`, in the spec's order (none for a
    /// description without `Message`).
    pub(super) fn message_filters_file(&self) -> Result<TokenStream, String> {
        let Some(message) = self.types.get(MESSAGE) else {
            return Ok(TokenStream::new());
        };
        let filters = message.fields().iter().filter(|f| !f.required).map(|f| {
            let ident = snake_ident(&f.name).expect("a field name");
            let name = &f.name;
            let said = self.linker.render(&f.description, MESSAGE);
            let docs = doc_attrs(
                &[
                    format!(
                        "Messages with `{name}` ([`Message::{ident}`](crate::Message::{ident})):"
                    ),
                    said,
                ],
                None,
            );
            quote! {
                #docs
                pub fn #ident() -> Filter {
                    Filter::on_message(#name, |m| m.#ident.is_some())
                }
            }
        });
        Ok(quote! {
            use crate::ext::Filter;
            #(#filters)*
        })
    }
}
