//! `method_table.rs`: for `telegram_api::testing`, every method with its parameters, whether
//! each is required, and the shape its JSON value must have, so that the fake Bot API refuses
//! a request Telegram would refuse without a hand-written list of methods.

use proc_macro2::TokenStream;
use quote::quote;

use super::Context;
use crate::spec::TypeExpr;

impl Context<'_> {
    /// The table of methods, in the spec's order.
    pub(super) fn method_table_file(&self) -> TokenStream {
        let methods = self.spec.methods.iter().map(|m| {
            let name = &m.name;
            let params = m.params.iter().map(|p| {
                let param = &p.name;
                let required = p.required;
                let kind = self.kind(&p.ty);
                quote!(Param { name: #param, required: #required, kind: #kind })
            });
            quote!(MethodSpec { name: #name, params: &[#(#params),*] })
        });
        quote! {
            //! Every Bot API method, its parameters and the shape of their values, for the
            //! strict checks of the fake Bot API.
            use crate::testing::spec::{Kind, MethodSpec, Param};
            /// Every method of the Bot API this crate implements, in the order of its
            /// documentation.
            pub(crate) const METHODS: &[MethodSpec] = &[#(#methods),*];
        }
    }

    /// The shape of a value of `ty` on the wire.
    fn kind(&self, ty: &TypeExpr) -> TokenStream {
        match ty {
            TypeExpr::Integer => quote!(Kind::Integer),
            TypeExpr::Float => quote!(Kind::Float),
            TypeExpr::Boolean | TypeExpr::True => quote!(Kind::Boolean),
            TypeExpr::String | TypeExpr::Literal { .. } | TypeExpr::ParseMode => {
                quote!(Kind::String)
            }
            TypeExpr::Enum { name } => {
                let values = self
                    .spec
                    .enums
                    .iter()
                    .find(|e| &e.name == name)
                    .map(|e| {
                        e.values
                            .iter()
                            .map(|v| v.value.as_str())
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default();
                quote!(Kind::OneOf(&[#(#values),*]))
            }
            TypeExpr::ChatId => quote!(Kind::IntegerOrString),
            TypeExpr::InputFile => quote!(Kind::Upload),
            TypeExpr::InputFileOrString | TypeExpr::Attachable => quote!(Kind::String),
            TypeExpr::Array { items } => {
                let items = self.kind(items);
                quote!(Kind::Array(&#items))
            }
            TypeExpr::MediaGroup { .. } => quote!(Kind::Array(&Kind::Object)),
            TypeExpr::Ref { .. }
            | TypeExpr::ReplyMarkup
            | TypeExpr::OneOf { .. }
            | TypeExpr::MessageOrTrue => quote!(Kind::Object),
        }
    }
}
