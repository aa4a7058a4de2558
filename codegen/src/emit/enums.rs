//! String enumerations: a variant per documented value and a fallback for new ones.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::Context;
use super::docs::lines_to_attrs;
use super::names::{type_ident, value_variant};
use crate::spec::EnumDef;

/// The variant of an enumeration's value (its override name, or one made from the value).
pub(super) fn variant_name(e: &EnumDef, value: &str) -> Result<String, String> {
    match e
        .values
        .iter()
        .find(|v| v.value == value)
        .and_then(|v| v.name.clone())
    {
        Some(n) => Ok(n),
        None => value_variant(value).map_err(|err| format!("enum {}: {err}", e.name)),
    }
}

pub(super) fn string_enum(cx: &Context, e: &EnumDef) -> Result<TokenStream, String> {
    let name = type_ident(&e.name);
    let type_name = &e.name;
    let url = cx.enum_url(&e.used_by);
    let mut seen = BTreeSet::new();
    let mut variants = Vec::new();
    for v in &e.values {
        let variant = variant_name(e, &v.value)?;
        if variant == "Unknown" || !seen.insert(variant.clone()) {
            return Err(format!("enum {}: two values are named {variant}", e.name));
        }
        variants.push((format_ident!("{}", variant), v.value.as_str()));
    }
    let users = e
        .used_by
        .iter()
        .map(|u| format!("`{u}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let docs = lines_to_attrs(&format!(
        "The values of {users}.\n\nA value this version of the crate does not know decodes as \
         [`{type_name}::Unknown`] and encodes back unchanged.\n\n<{url}>"
    ));
    let values: Vec<&str> = variants.iter().map(|(_, v)| *v).collect();
    let schema = super::schema::string_enum(
        &name,
        type_name,
        &format!("The values of {}.", e.used_by.join(", ")),
        &values,
    );
    let decls = variants.iter().map(|(v, value)| {
        let doc = format!(" `{value}`");
        quote!(#[doc = #doc] #v,)
    });
    let as_str = variants
        .iter()
        .map(|(v, value)| quote!(#name::#v => #value,));
    let all = variants.iter().map(|(v, _)| quote!(#name::#v,));
    let known = variants.iter().map(|(v, value)| {
        let bytes = proc_macro2::Literal::byte_string(value.as_bytes());
        quote!(#bytes => Some(#name::#v),)
    });
    Ok(quote! {
        #docs
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #name {
            #(#decls)*
            /// A value this version of the crate does not know, as received.
            Unknown(String),
        }

        impl #name {
            /// Every value this version of the crate knows, in the documented order.
            pub const ALL: &'static [#name] = &[#(#all)*];

            /// The value as Telegram writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#as_str)*
                    #name::Unknown(__v) => __v,
                }
            }
        }

        impl crate::codec::de::StrEnum for #name {
            const NAME: &'static str = #type_name;
            fn known(value: &[u8]) -> Option<Self> {
                match value {
                    #(#known)*
                    _ => None,
                }
            }
            fn unknown(value: String) -> Self {
                #name::Unknown(value)
            }
        }

        impl From<&str> for #name {
            /// The variant for a value as Telegram writes it.
            fn from(value: &str) -> Self {
                <Self as crate::codec::de::StrEnum>::known(value.as_bytes())
                    .unwrap_or_else(|| #name::Unknown(value.to_owned()))
            }
        }

        impl std::fmt::Display for #name {
            /// Writes the value as Telegram writes it.
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, __s: S) -> Result<S::Ok, S::Error> {
                __s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(__d: D) -> Result<Self, D::Error> {
                crate::codec::de::str_enum(__d)
            }
        }

        #schema
    })
}
