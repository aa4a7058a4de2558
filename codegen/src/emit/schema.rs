//! `schemars::JsonSchema` implementations (behind the crate's `schemars` feature), from the
//! same facts as the serde implementations.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::docs::summary;
use super::{Boxing, Context};
use crate::spec::{Field, TypeExpr};

fn wrap(name: &Ident, type_name: &str, body: TokenStream) -> TokenStream {
    quote! {
        #[cfg(feature = "schemars")]
        impl schemars::JsonSchema for #name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(#type_name)
            }
            fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
                #body
            }
        }
    }
}

/// The Rust type whose schema describes a field's value.
fn value_type(cx: &Context, ty: &TypeExpr, owner: &str) -> TokenStream {
    cx.held_type(ty, owner, Boxing::Never).inner
}

fn prop(cx: &Context, owner: &str, f: &Field, required: bool) -> TokenStream {
    let name = &f.name;
    match &f.ty {
        TypeExpr::Literal { value } => quote!(crate::model::schema::Prop::Literal(#name, #value)),
        TypeExpr::True if f.required => quote!(crate::model::schema::Prop::True(#name)),
        ty => {
            let t = value_type(cx, ty, owner);
            quote!(crate::model::schema::Prop::Field(#name, #required, crate::model::schema::sub::<#t>))
        }
    }
}

/// An object: `fields` (required as documented) and `optional` (never required).
pub(super) fn object(
    cx: &Context,
    name: &Ident,
    type_name: &str,
    description: &str,
    fields: &[Field],
    optional: &[Field],
) -> TokenStream {
    let description = summary(description);
    let props = fields
        .iter()
        .map(|f| prop(cx, type_name, f, f.required))
        .chain(optional.iter().map(|f| prop(cx, type_name, f, false)));
    wrap(
        name,
        type_name,
        quote!(crate::model::schema::object(g, #description, &[#(#props),*])),
    )
}

/// A union of member types.
pub(super) fn union(
    name: &Ident,
    type_name: &str,
    description: &str,
    members: &[TokenStream],
    exclusive: bool,
) -> TokenStream {
    let description = summary(description);
    wrap(
        name,
        type_name,
        quote!(crate::model::schema::one_of(g, #description, &[#(crate::model::schema::sub::<#members>),*], #exclusive)),
    )
}

/// A string enumeration.
pub(super) fn string_enum(
    name: &Ident,
    type_name: &str,
    description: &str,
    values: &[&str],
) -> TokenStream {
    wrap(
        name,
        type_name,
        quote! {
            let _ = g;
            crate::model::schema::string_enum(#description, &[#(#values),*])
        },
    )
}
