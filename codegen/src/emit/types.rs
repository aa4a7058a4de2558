//! Objects as structs and unions as enums, with their serde implementations.

use std::collections::BTreeSet;

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use super::docs::{self, doc_attrs, summary};
use super::names::{camel, member_variants, snake_ident, type_ident};
use super::{AdHocUnion, Boxing, Context, Held, local, schema};
use crate::spec::{Discriminator, Field, TypeDef, TypeExpr, TypeKind, UnionMember};

/// Field names the generated structs use for themselves.
const RESERVED: &[&str] = &["extra", "absent"];

/// How a required field that servers of older supported releases leave out is read when it is
/// absent (see [`crate::history::absent_before`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Late {
    /// A boolean flag: `false`. `bit` is its bit in the struct's marker of absent fields.
    Flag { bit: u32 },
    /// An array: empty.
    List { bit: u32 },
    /// Anything else: the field is an `Option`.
    Optional,
}

impl Late {
    /// The bit of a defaulted field in the marker of absent fields.
    fn bit(self) -> Option<u32> {
        match self {
            Late::Flag { bit } | Late::List { bit } => Some(bit),
            Late::Optional => None,
        }
    }
}

/// The most defaulted fields one struct can mark as absent.
const MAX_DEFAULTED: u32 = 64;

/// How a struct holds a documented field.
enum Storage {
    /// A Rust field of this type (wrapped in `Option` when the field is optional).
    Value(Held),
    /// Not stored: the field always holds this string.
    Literal(String),
    /// Not stored: the field is always `true`.
    True,
}

struct FieldPlan<'a> {
    field: &'a Field,
    ident: Ident,
    storage: Storage,
    /// For a required field older servers leave out: how it reads when absent, and the release
    /// that added it (or made it required).
    late: Option<(Late, String)>,
}

impl FieldPlan<'_> {
    fn name(&self) -> &str {
        &self.field.name
    }

    /// Whether the struct holds the field as an `Option`.
    fn optional(&self) -> bool {
        !self.field.required || matches!(self.late, Some((Late::Optional, _)))
    }

    /// Whether the field is required in every payload this crate reads.
    fn always(&self) -> bool {
        self.field.required && self.late.is_none()
    }
}

/// Docs for a stored field: its description, and for a field older servers leave out, what
/// an absent one reads as.
fn plan_docs(cx: &Context, p: &FieldPlan, owner: &str) -> TokenStream {
    let note = p.late.as_ref().map(|(late, release)| {
        let absent = format!("Absent in payloads from servers before Bot API {release}");
        match late {
            Late::Flag { .. } => format!("{absent}, and then `false`."),
            Late::List { .. } => format!("{absent}, and then empty."),
            Late::Optional => format!("{absent}."),
        }
    });
    cx.field_docs_noted(p.field, owner, note)
}

/// The private field marking which defaulted fields were absent on input.
fn absent_field() -> TokenStream {
    quote! {
        /// Which of the fields older servers leave out were absent on input (and read as
        /// `false` or empty): re-encoding leaves them out again while they keep that value.
        pub(crate) absent: crate::codec::de::Absent,
    }
}

/// Whether any field is defaulted when absent: then the struct carries a marker of absent
/// fields, so that re-encoding leaves them out again.
fn has_defaulted(plans: &[FieldPlan]) -> bool {
    plans
        .iter()
        .any(|p| p.late.as_ref().is_some_and(|(l, _)| l.bit().is_some()))
}

fn plan<'a>(
    cx: &Context,
    owner: &TypeDef,
    fields: &'a [Field],
) -> Result<Vec<FieldPlan<'a>>, String> {
    let boxing = cx.boxing_of(owner);
    let mut bits = 0;
    fields
        .iter()
        .map(|f| {
            if RESERVED.contains(&f.name.as_str()) {
                return Err(format!(
                    "{}.{} collides with a generated field",
                    owner.name, f.name
                ));
            }
            let storage = match &f.ty {
                TypeExpr::Literal { value } => Storage::Literal(value.clone()),
                TypeExpr::True if f.required => Storage::True,
                ty => Storage::Value(cx.held_type(ty, &owner.name, boxing)),
            };
            // Only decoded types read payloads of older servers.
            let dated =
                crate::history::absent_before(owner.fields(), f).filter(|_| cx.is_read(owner));
            let late = match (dated, &storage) {
                (None, _) => None,
                (Some(release), Storage::Value(_)) => {
                    let mut next_bit = || {
                        bits += 1;
                        (bits <= MAX_DEFAULTED).then_some(bits - 1).ok_or_else(|| {
                            format!(
                                "{}: more than {MAX_DEFAULTED} fields default when absent",
                                owner.name
                            )
                        })
                    };
                    let late = match &f.ty {
                        TypeExpr::Boolean => Late::Flag { bit: next_bit()? },
                        TypeExpr::Array { .. } => Late::List { bit: next_bit()? },
                        _ => Late::Optional,
                    };
                    Some((late, release.to_owned()))
                }
                (Some(release), _) => {
                    return Err(format!(
                        "{}.{} is a constant added in Bot API {release}: older payloads without \
                         it cannot be told apart",
                        owner.name, f.name
                    ));
                }
            };
            Ok(FieldPlan {
                field: f,
                ident: snake_ident(&f.name)
                    .map_err(|e| format!("{}.{}: {e}", owner.name, f.name))?,
                storage,
                late,
            })
        })
        .collect()
}

/// The declared type of a stored field.
fn declared(p: &FieldPlan) -> Option<TokenStream> {
    match &p.storage {
        Storage::Value(held) if !p.optional() => Some(held.tokens()),
        Storage::Value(held) => {
            let ty = held.tokens();
            Some(quote!(Option<#ty>))
        }
        _ => None,
    }
}

/// A parameter that takes a field's value, and the expression that stores it.
pub(crate) fn conversion(
    cx: &Context,
    ty: &TypeExpr,
    held: &Held,
    ident: &Ident,
) -> (TokenStream, TokenStream) {
    let inner = &held.inner;
    let into = matches!(
        ty,
        TypeExpr::String
            | TypeExpr::ChatId
            | TypeExpr::InputFile
            | TypeExpr::InputFileOrString
            | TypeExpr::Attachable
            | TypeExpr::ReplyMarkup
            | TypeExpr::Enum { .. }
            | TypeExpr::ParseMode
    ) || cx.is_union(ty);
    let (param, value) = if into {
        (quote!(impl Into<#inner>), quote!(#ident.into()))
    } else {
        (quote!(#inner), quote!(#ident))
    };
    if held.boxed {
        (param, quote!(Box::new(#value)))
    } else {
        (param, value)
    }
}

/// "A" or "An".
fn capitalized(article: &str) -> &'static str {
    if article == "an" { "An" } else { "A" }
}

fn literal_note(plans: &[FieldPlan]) -> Vec<String> {
    plans
        .iter()
        .filter_map(|p| match &p.storage {
            Storage::Literal(v) => Some(format!(
                "On the wire, `{}` is always `\"{v}\"`; it is written and checked, not stored.",
                p.name()
            )),
            Storage::True => Some(format!(
                "On the wire, `{}` is always `true`; it is written, not stored.",
                p.name()
            )),
            Storage::Value(_) => None,
        })
        .collect()
}

fn type_docs(cx: &Context, t: &TypeDef, notes: Vec<String>) -> TokenStream {
    let mut paragraphs = vec![cx.linker.render(&t.description, &t.name)];
    paragraphs.extend(notes);
    doc_attrs(&paragraphs, Some(&t.doc_url))
}

fn extra_field() -> TokenStream {
    quote! {
        /// Fields this version of the crate does not know, kept so that re-encoding the value
        /// gives back what Telegram sent.
        pub extra: crate::Extra,
    }
}

/// A struct for an object type (or an empty object).
pub(super) fn object(cx: &Context, t: &TypeDef, fields: &[Field]) -> Result<TokenStream, String> {
    let name = type_ident(&t.name);
    let plans = plan(cx, t, fields)?;
    let docs = type_docs(cx, t, literal_note(&plans));
    let stored: Vec<_> = plans.iter().filter(|p| declared(p).is_some()).collect();
    let decls = stored.iter().map(|p| {
        let ident = &p.ident;
        let ty = declared(p).unwrap();
        let d = plan_docs(cx, p, &t.name);
        quote!(#d pub #ident: #ty,)
    });
    let all_optional = stored.iter().all(|p| !p.field.required);
    let absent = if has_defaulted(&plans) {
        absent_field()
    } else {
        quote!()
    };
    let default = if all_optional {
        quote!(, Default)
    } else {
        quote!()
    };
    let extra = extra_field();
    let mut out = quote! {
        #docs
        #[derive(Clone, Debug, PartialEq #default)]
        #[non_exhaustive]
        pub struct #name {
            #(#decls)*
            #extra
            #absent
        }
    };
    if cx.is_built(t) {
        out.extend(builder(cx, t, &name, &plans, None));
    }
    out.extend(serialize_object(&name, &plans, None));
    if cx.is_read(t) {
        out.extend(from_map(cx, &t.name, &plans, None));
        out.extend(deserialize_via(
            &name,
            quote!(crate::codec::de::object(__d)),
        ));
    }
    // A field older servers leave out is not required in the value's JSON either.
    let described: Vec<Field> = plans
        .iter()
        .map(|p| Field {
            required: p.always(),
            ..p.field.clone()
        })
        .collect();
    out.extend(schema::object(
        cx,
        &name,
        &t.name,
        &t.description,
        &described,
        &[],
    ));
    Ok(out)
}

/// `new` with the required fields and a setter for each optional one.
fn builder(
    cx: &Context,
    t: &TypeDef,
    name: &Ident,
    plans: &[FieldPlan],
    kind: Option<&Ident>,
) -> TokenStream {
    let mut params = Vec::new();
    let mut inits = Vec::new();
    let mut setters = Vec::new();
    for p in plans {
        let Storage::Value(held) = &p.storage else {
            continue;
        };
        let ident = &p.ident;
        let (param, expr) = conversion(cx, &p.field.ty, held, ident);
        if p.field.required {
            // A field older servers may leave out is still one every value built is sent with.
            params.push(quote!(#ident: #param));
            if p.optional() {
                inits.push(quote!(#ident: Some(#expr)));
            } else if *ident == expr.to_string() {
                inits.push(quote!(#ident));
            } else {
                inits.push(quote!(#ident: #expr));
            }
        } else {
            inits.push(quote!(#ident: None));
            let d = cx.field_docs(p.field, &t.name);
            setters.push(quote! {
                #d
                #[must_use]
                pub fn #ident(mut self, #ident: #param) -> Self {
                    self.#ident = Some(#expr);
                    self
                }
            });
        }
    }
    if let Some(kind) = kind {
        params.push(quote!(kind: #kind));
        inits.push(quote!(kind));
    }
    if has_defaulted(plans) {
        inits.push(quote!(absent: crate::codec::de::Absent::new()));
    }
    let new_doc = format!(
        " {} `{}` from its required fields; optional ones are set with the methods below.",
        capitalized(docs::article(&t.name)),
        t.name
    );
    let many = super::many_arguments(params.len());
    quote! {
        impl #name {
            #[doc = #new_doc]
            #[must_use]
            #many
            pub fn new(#(#params),*) -> Self {
                Self {
                    #(#inits,)*
                    extra: crate::Extra::new(),
                }
            }
            #(#setters)*
        }
    }
}

/// Serialize: every field in documentation order, constants included, then unknown fields.
fn serialize_object(name: &Ident, plans: &[FieldPlan], kind: Option<TokenStream>) -> TokenStream {
    let entries = plans.iter().map(|p| {
        let key = p.name();
        let ident = &p.ident;
        match &p.storage {
            Storage::Literal(v) => quote!(__map.serialize_entry(#key, #v)?;),
            Storage::True => quote!(__map.serialize_entry(#key, &true)?;),
            Storage::Value(_) if !p.optional() => {
                match p.late.as_ref().and_then(|(l, _)| Some((*l, l.bit()?))) {
                    Some((late, bit)) => {
                        let bit = Literal::u32_unsuffixed(bit);
                        let changed = match late {
                            Late::List { .. } => quote!(!self.#ident.is_empty()),
                            _ => quote!(self.#ident),
                        };
                        quote! {
                            // Absent on input and still at the value that stood for it: left out.
                            if !self.absent.get(#bit) || #changed {
                                __map.serialize_entry(#key, &self.#ident)?;
                            }
                        }
                    }
                    None => quote!(__map.serialize_entry(#key, &self.#ident)?;),
                }
            }
            Storage::Value(_) => quote! {
                if let Some(__v) = &self.#ident {
                    __map.serialize_entry(#key, __v)?;
                }
            },
        }
    });
    quote! {
        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, __s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap as _;
                let mut __map = __s.serialize_map(None)?;
                #(#entries)*
                #kind
                self.extra.serialize_into(&mut __map)?;
                __map.end()
            }
        }
    }
}

fn deserialize_via(name: &Ident, body: TokenStream) -> TokenStream {
    quote! {
        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(__d: D) -> Result<Self, D::Error> {
                #body
            }
        }
    }
}

/// `field_index`: a name lookup that compares lengths first.
fn field_index(names: &[&str]) -> TokenStream {
    let mut by_len: std::collections::BTreeMap<usize, Vec<(usize, &str)>> = Default::default();
    for (i, n) in names.iter().enumerate() {
        by_len.entry(n.len()).or_default().push((i, n));
    }
    let arms = by_len.iter().map(|(len, entries)| {
        let inner = entries.iter().map(|(i, n)| {
            let i = Literal::u16_unsuffixed(*i as u16);
            let name = Literal::byte_string(n.as_bytes());
            quote!(#name => Some(#i),)
        });
        let len = Literal::usize_unsuffixed(*len);
        quote!(#len => match name { #(#inner)* _ => None },)
    });
    if names.is_empty() {
        quote! {
            fn field_index(_name: &[u8]) -> Option<u16> {
                None
            }
        }
    } else {
        quote! {
            fn field_index(name: &[u8]) -> Option<u16> {
                match name.len() {
                    #(#arms)*
                    _ => None,
                }
            }
        }
    }
}

/// The streaming decoder of an object: one local per field, unknown fields kept.
/// `kind` carries, for an object whose optional fields exclude each other, the name of the
/// kind enum and the optional fields that select it.
///
/// A field held in a box whose type is an object is decoded straight into its box: besides
/// saving a move, this keeps the stack each level of nesting costs small (a reply chain nests
/// `Message` in `Message`).
fn from_map(
    cx: &Context,
    type_name: &str,
    plans: &[FieldPlan],
    kind: Option<(&Ident, &[FieldPlan])>,
) -> TokenStream {
    let name = type_ident(type_name);
    let kind_plans: &[FieldPlan] = kind.map(|(_, k)| k).unwrap_or(&[]);
    let all: Vec<&FieldPlan> = plans.iter().chain(kind_plans.iter()).collect();
    let names: Vec<&str> = all.iter().map(|p| p.name()).collect();
    let index_fn = field_index(&names);
    let mut locals = Vec::new();
    let mut arms = Vec::new();
    let mut inits = Vec::new();
    for (i, p) in plans.iter().enumerate() {
        let i = Literal::u16_unsuffixed(i as u16);
        let key = p.name();
        let ident = &p.ident;
        let var = local(key);
        match &p.storage {
            Storage::Literal(v) => {
                arms.push(quote!(crate::codec::de::Key::Known(#i) => crate::codec::de::literal(&mut __map, #v)?,))
            }
            Storage::True => {
                arms.push(quote!(crate::codec::de::Key::Known(#i) => crate::codec::de::skip(&mut __map)?,))
            }
            Storage::Value(held) => {
                locals.push(quote!(let mut #var = None;));
                let boxed = held.boxed && cx.is_object(&p.field.ty);
                if p.field.required {
                    let read = if boxed {
                        quote!(boxed_field)
                    } else {
                        quote!(field)
                    };
                    arms.push(quote!(crate::codec::de::Key::Known(#i) => crate::codec::de::#read(&mut __map, &mut #var, #key)?,));
                    inits.push(required_init(p, &var));
                } else {
                    let read = if boxed {
                        quote!(boxed_optional)
                    } else {
                        quote!(optional)
                    };
                    arms.push(quote!(crate::codec::de::Key::Known(#i) => crate::codec::de::#read(&mut __map, &mut #var, #key)?,));
                    inits.push(quote!(#ident: #var,));
                }
            }
        }
    }
    let mut finish_kind = quote!();
    if let Some((kind_name, kind_plans)) = kind {
        locals.push(quote!(let mut __kind: Option<#kind_name> = None;));
        for (j, p) in kind_plans.iter().enumerate() {
            let i = Literal::u16_unsuffixed((plans.len() + j) as u16);
            let key = p.name();
            let variant = format_ident!("{}", camel(key));
            // A boxed object is decoded straight into its box.
            let value = match &p.storage {
                Storage::Value(held) if held.boxed && cx.is_object(&p.field.ty) => {
                    let inner = &held.inner;
                    quote!(serde::de::MapAccess::next_value_seed(&mut __map, crate::codec::de::Boxed::<#inner>::new())?)
                }
                _ => quote!(serde::de::MapAccess::next_value(&mut __map)?),
            };
            arms.push(quote! {
                crate::codec::de::Key::Known(#i) => {
                    // A repeated name keeps its last value.
                    if __kind.is_none() || matches!(__kind, Some(#kind_name::#variant(_))) {
                        __kind = Some(#kind_name::#variant(#value));
                    } else {
                        // Only one is documented to appear; keep any other as it came.
                        crate::codec::de::keep(&mut __map, &mut __extra, #key.to_owned())?;
                    }
                }
            });
        }
        finish_kind = quote! {
            let kind = match __kind {
                Some(k) => k,
                None => match __extra.pop_first() {
                    Some((name, value)) => #kind_name::Unknown(Box::new(crate::UnknownKind { name, value, error: None })),
                    None => #kind_name::Empty,
                },
            };
        };
        inits.push(quote!(kind,));
    }
    let absent_init = if has_defaulted(plans) {
        locals.push(quote!(let mut __absent = crate::codec::de::Absent::new();));
        quote!(absent: __absent,)
    } else {
        quote!()
    };
    // A large object that can contain itself is built in its box: each level of nesting then
    // costs the stack its fields' slots, not also a copy of the value on its way into the box.
    let value = quote! {
        Self {
            #(#inits)*
            extra: __extra,
            #absent_init
        }
    };
    let (signature, build, unboxed) = if cx.built_in_box(type_name) {
        (
            quote!(fn from_map_boxed<'de, A: serde::de::MapAccess<'de>>(mut __map: A) -> Result<Box<Self>, A::Error>),
            quote!(Ok(Box::write(Box::new_uninit(), #value))),
            quote! {
                fn from_map<'de, A: serde::de::MapAccess<'de>>(__map: A) -> Result<Self, A::Error> {
                    Self::from_map_boxed(__map).map(|__b| *__b)
                }
            },
        )
    } else {
        (
            quote!(fn from_map<'de, A: serde::de::MapAccess<'de>>(mut __map: A) -> Result<Self, A::Error>),
            quote!(Ok(#value)),
            quote!(),
        )
    };
    quote! {
        impl crate::codec::de::FromMap for #name {
            const NAME: &'static str = #type_name;
            #index_fn
            #unboxed
            #signature {
                #(#locals)*
                let mut __extra = crate::Extra::new();
                while let Some(__key) = serde::de::MapAccess::next_key_seed(
                    &mut __map,
                    crate::codec::de::KeySeed(<Self as crate::codec::de::FromMap>::field_index),
                )? {
                    match __key {
                        #(#arms)*
                        crate::codec::de::Key::Known(_) => crate::codec::de::skip(&mut __map)?,
                        crate::codec::de::Key::Unknown(__name) => crate::codec::de::keep(&mut __map, &mut __extra, __name)?,
                    }
                }
                #finish_kind
                #build
            }
        }
    }
}

/// The initializer of a required field from its decoding local `var`: an error naming it when
/// absent, or for a field older servers leave out its value then.
fn required_init(p: &FieldPlan, var: &Ident) -> TokenStream {
    let (ident, key) = (&p.ident, p.name());
    match p.late.as_ref().map(|(l, _)| l.bit()) {
        None => quote!(#ident: crate::codec::de::required(#var, #key)?,),
        Some(None) => quote!(#ident: #var,),
        Some(Some(bit)) => {
            let bit = Literal::u32_unsuffixed(bit);
            quote!(#ident: crate::codec::de::or_absent(#var, &mut __absent, #bit),)
        }
    }
}

/// An object whose optional fields exclude each other (`Update`): the required fields, and a
/// `kind` enum saying which optional field is present.
/// For the kinds of an object whose optional fields an enumeration lists as its values (the
/// update kinds and `UpdateType`): the kind as a value of the enumeration.
fn kind_as_enum(
    cx: &Context,
    kind_name: &Ident,
    kind_plans: &[FieldPlan],
) -> Result<TokenStream, String> {
    let names: BTreeSet<&str> = kind_plans.iter().map(|p| p.name()).collect();
    let Some(e) = cx.spec.enums.iter().find(|e| {
        e.values.len() == names.len() && e.values.iter().all(|v| names.contains(v.value.as_str()))
    }) else {
        return Ok(quote!());
    };
    let enum_name = type_ident(&e.name);
    let method = format_ident!("{}", heck::ToSnakeCase::to_snake_case(e.name.as_str()));
    let arms = kind_plans
        .iter()
        .map(|p| {
            let variant = format_ident!("{}", camel(p.name()));
            let value = format_ident!("{}", super::enums::variant_name(e, p.name())?);
            Ok(quote!(#kind_name::#variant(_) => Some(#enum_name::#value),))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let doc = format!(
        " The kind as a [`{}`], the value that names it: a kind this version of the crate does \
         not know is its `Unknown`; `None` when no optional field is present.",
        e.name
    );
    Ok(quote! {
        #[doc = #doc]
        pub fn #method(&self) -> Option<#enum_name> {
            match self {
                #(#arms)*
                #kind_name::Unknown(__u) => Some(#enum_name::from(__u.name.as_str())),
                #kind_name::Empty => None,
            }
        }
    })
}

pub(super) fn one_optional(
    cx: &Context,
    t: &TypeDef,
    fields: &[Field],
) -> Result<TokenStream, String> {
    let name = type_ident(&t.name);
    let kind_name = format_ident!("{}Kind", t.name);
    if cx.types.contains_key(kind_name.to_string().as_str()) {
        return Err(format!("{kind_name} would collide with a type"));
    }
    let (required, optional): (Vec<Field>, Vec<Field>) =
        fields.iter().cloned().partition(|f| f.required);
    if fields.iter().any(|f| f.name == "kind") {
        return Err(format!(
            "{}.kind collides with the generated kind field",
            t.name
        ));
    }
    let plans = plan(cx, t, &required)?;
    if let Some(p) = plans.iter().find(|p| p.late.is_some()) {
        return Err(format!(
            "{}.{}: a required field older servers leave out, on an object whose optional \
             fields exclude each other",
            t.name,
            p.name()
        ));
    }
    let kind_plans = plan(cx, t, &optional)?;
    let docs = type_docs(cx, t, literal_note(&plans));
    let decls = plans.iter().filter_map(|p| {
        let ident = &p.ident;
        let ty = declared(p)?;
        let d = cx.field_docs(p.field, &t.name);
        Some(quote!(#d pub #ident: #ty,))
    });
    let kind_doc = " Which of the optional fields is present: at most one of them is.";
    let extra = extra_field();

    let mut variants = Vec::new();
    let mut ser_arms = Vec::new();
    let mut name_arms = Vec::new();
    let mut accessors = Vec::new();
    for p in &kind_plans {
        let Storage::Value(held) = &p.storage else {
            return Err(format!("{}.{} cannot select a kind", t.name, p.name()));
        };
        let ty = held.tokens();
        let variant = format_ident!("{}", camel(p.name()));
        let d = cx.field_docs(p.field, &t.name);
        let key = p.name();
        variants.push(quote!(#d #variant(#ty),));
        ser_arms.push(quote!(#kind_name::#variant(__v) => __map.serialize_entry(#key, __v)?,));
        name_arms.push(quote!(#kind_name::#variant(_) => Some(#key),));
        let ident = &p.ident;
        let inner = &held.inner;
        let (ret, expr) = match &p.field.ty {
            TypeExpr::Array { items } => {
                let item = cx.rust_type(items, &t.name, Boxing::Never);
                (quote!(&[#item]), quote!(__v.as_slice()))
            }
            _ if held.boxed => (quote!(&#inner), quote!(&**__v)),
            _ => (quote!(&#inner), quote!(__v)),
        };
        let acc_doc = format!(" The `{key}` field, when it is the one present.");
        accessors.push(quote! {
            #[doc = #acc_doc]
            pub fn #ident(&self) -> Option<#ret> {
                match &self.kind {
                    #kind_name::#variant(__v) => Some(#expr),
                    _ => None,
                }
            }
        });
    }
    let as_enum = kind_as_enum(cx, &kind_name, &kind_plans)?;
    let kind_enum_doc = docs::lines_to_attrs(&format!(
        "The optional field present in {} [`{}`]: the payload of the value.\n\n<{}>",
        docs::article(&t.name),
        t.name,
        t.doc_url
    ));
    let mut out = quote! {
        #docs
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub struct #name {
            #(#decls)*
            #[doc = #kind_doc]
            pub kind: #kind_name,
            #extra
        }

        #kind_enum_doc
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub enum #kind_name {
            #(#variants)*
            /// A field this version of the crate does not know, with its value.
            Unknown(Box<crate::UnknownKind>),
            /// None of the optional fields is present.
            Empty,
        }

        impl #kind_name {
            /// The name of the field present, as Telegram writes it.
            pub fn name(&self) -> Option<&str> {
                match self {
                    #(#name_arms)*
                    #kind_name::Unknown(__u) => Some(&__u.name),
                    #kind_name::Empty => None,
                }
            }
            #as_enum
        }

        impl #name {
            #(#accessors)*
        }
    };
    if cx.is_built(t) {
        out.extend(builder(cx, t, &name, &plans, Some(&kind_name)));
    }
    let kinds: Vec<&Field> = optional.iter().collect();
    out.extend(super::effective::effective(cx, t, &kinds)?);
    let kind_ser = quote! {
        match &self.kind {
            #(#ser_arms)*
            #kind_name::Unknown(__u) => __map.serialize_entry(&__u.name, &__u.value)?,
            #kind_name::Empty => {}
        }
    };
    out.extend(serialize_object(&name, &plans, Some(kind_ser)));
    if cx.is_read(t) {
        out.extend(from_map(
            cx,
            &t.name,
            &plans,
            Some((&kind_name, &kind_plans)),
        ));
        out.extend(deserialize_via(
            &name,
            quote!(crate::codec::de::object(__d)),
        ));
    }
    if cx.is_read(t) {
        out.extend(salvage(&name, &kind_name, &plans, &kind_plans));
    }
    out.extend(schema::object(
        cx,
        &name,
        &t.name,
        &t.description,
        &required,
        &optional,
    ));
    Ok(out)
}

/// A member of a union as the enum sees it.
struct Variant {
    ident: Ident,
    /// The member's own type (`Message`).
    inner: TokenStream,
    /// Whether the member is held in a box (see `Context::built_in_box`).
    boxed: bool,
    /// The member's type name, for object members.
    object: Option<String>,
    tag: Option<String>,
    docs: TokenStream,
    /// `String` or array member.
    json_kind: Option<&'static str>,
}

impl Variant {
    /// The type the variant holds: the member's own, or `Box<Message>` for one built in a box.
    fn payload(&self) -> TokenStream {
        let inner = &self.inner;
        if self.boxed {
            quote!(Box<#inner>)
        } else {
            inner.clone()
        }
    }
}

/// The variants of a union's enum, a member each, and whether it has `Unknown` besides.
pub(super) fn union_variants(cx: &Context, t: &TypeDef) -> Result<(Vec<Ident>, bool), String> {
    let TypeKind::Union {
        discriminator,
        members,
    } = &t.kind
    else {
        return Err(format!("{} is no union", t.name));
    };
    let idents = variants(cx, &t.name, members)?
        .into_iter()
        .map(|v| v.ident)
        .collect();
    let has_unknown = cx.is_read(t) && !matches!(discriminator, Discriminator::ZeroField { .. });
    Ok((idents, has_unknown))
}

fn variants(cx: &Context, union: &str, members: &[UnionMember]) -> Result<Vec<Variant>, String> {
    let object_names: Vec<&str> = members
        .iter()
        .filter_map(|m| match &m.ty {
            TypeExpr::Ref { name } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    let names = member_variants(&object_names);
    let mut out = Vec::new();
    let mut objects = object_names.iter().zip(names);
    for m in members {
        match &m.ty {
            TypeExpr::Ref { name } => {
                let (_, variant) = objects.next().expect("one name per object member");
                let def = cx
                    .types
                    .get(name.as_str())
                    .ok_or_else(|| format!("{union}: member {name} is not a type"))?;
                let id = type_ident(name);
                let text = cx.linker.render(summary(&def.description), union);
                let boxed = cx.built_in_box(name);
                out.push(Variant {
                    ident: format_ident!("{}", variant),
                    inner: quote!(#id),
                    boxed,
                    object: Some(name.clone()),
                    tag: m.tag.clone(),
                    docs: doc_attrs(&[text], None),
                    json_kind: None,
                });
            }
            TypeExpr::String => out.push(Variant {
                ident: format_ident!("Plain"),
                inner: quote!(String),
                boxed: false,
                object: None,
                tag: None,
                docs: docs::lines_to_attrs("Plain text."),
                json_kind: Some("string"),
            }),
            TypeExpr::Array { items } => {
                let inner = cx.rust_type(items, union, Boxing::Never);
                out.push(Variant {
                    ident: format_ident!("Concat"),
                    inner: quote!(Vec<#inner>),
                    boxed: false,
                    object: None,
                    tag: None,
                    docs: docs::lines_to_attrs("The concatenation of several values."),
                    json_kind: Some("array"),
                });
            }
            other => {
                return Err(format!(
                    "{union}: member {} is not supported",
                    other.display()
                ));
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for v in &out {
        let n = v.ident.to_string();
        if n == "Unknown" || !seen.insert(n.clone()) {
            return Err(format!("{union}: two variants or a variant named {n}"));
        }
    }
    Ok(out)
}

/// An enum for a union.
pub(super) fn union(
    cx: &Context,
    t: &TypeDef,
    discriminator: &Discriminator,
    members: &[UnionMember],
) -> Result<TokenStream, String> {
    let vs = variants(cx, &t.name, members)?;
    let docs = type_docs(cx, t, vec![]);
    let mut out = union_enum(
        cx,
        &t.name,
        &t.description,
        docs,
        &vs,
        discriminator,
        cx.is_read(t),
    )?;
    out.extend(common_accessors(cx, t, discriminator, &vs)?);
    Ok(out)
}

/// Accessors on a union for what all its members have: each field every object member has,
/// required and of the same type (`ChatMember::user`), and the discriminator's value
/// (`ChatMember::status`). They return an `Option` where the union can hold a member this
/// version of the crate does not know.
fn common_accessors(
    cx: &Context,
    t: &TypeDef,
    discriminator: &Discriminator,
    vs: &[Variant],
) -> Result<TokenStream, String> {
    let Discriminator::Field { field: tag_field } = discriminator else {
        return Ok(quote!());
    };
    let objects: Vec<(&Variant, &TypeDef)> = vs
        .iter()
        .filter_map(|v| Some((v, *cx.types.get(v.object.as_deref()?)?)))
        .collect();
    if objects.len() < 2 || objects.len() != vs.len() {
        return Ok(quote!());
    }
    let has_unknown = cx.is_read(t);
    let ident = type_ident(&t.name);
    let wrap = |value: TokenStream| {
        if has_unknown {
            quote!(Some(#value))
        } else {
            value
        }
    };
    let rest = has_unknown.then(|| quote!(#ident::Unknown(_) => None,));
    let mut methods = Vec::new();
    let first = objects[0].1;
    for f in first.fields() {
        if &f.name == tag_field || !f.required {
            continue;
        }
        let shared = objects.iter().all(|(_, o)| {
            o.fields()
                .iter()
                .any(|g| g.name == f.name && g.required && g.ty == f.ty)
        });
        if !shared {
            continue;
        }
        let field = snake_ident(&f.name)?;
        let (ret, value) = match &f.ty {
            TypeExpr::Ref { name } if cx.is_object(&f.ty) || cx.is_union(&f.ty) => {
                let target = type_ident(name);
                (quote!(&#target), quote!(&__v.#field))
            }
            TypeExpr::String => (quote!(&str), quote!(__v.#field.as_str())),
            TypeExpr::Integer => (quote!(i64), quote!(__v.#field)),
            TypeExpr::Boolean => (quote!(bool), quote!(__v.#field)),
            _ => continue,
        };
        let ret = if has_unknown {
            quote!(Option<#ret>)
        } else {
            ret
        };
        let arms = objects.iter().map(|(v, _)| {
            let variant = &v.ident;
            let value = wrap(value.clone());
            quote!(#ident::#variant(__v) => #value,)
        });
        let doc = format!(
            " The `{}` of every kind of [`{}`]{}.",
            f.name,
            t.name,
            if has_unknown {
                "; `None` for a kind this version of the crate does not know"
            } else {
                ""
            }
        );
        methods.push(quote! {
            #[doc = #doc]
            pub fn #field(&self) -> #ret {
                match self {
                    #(#arms)*
                    #rest
                }
            }
        });
    }
    let tag = snake_ident(tag_field)?;
    let tag_arms = vs.iter().filter_map(|v| {
        let (variant, value) = (&v.ident, v.tag.as_deref()?);
        Some(quote!(#ident::#variant(_) => #value,))
    });
    let unknown_tag = has_unknown.then(|| {
        quote!(#ident::Unknown(__v) => __v.get(#tag_field).and_then(serde_json::Value::as_str).unwrap_or_default(),)
    });
    let tag_doc = format!(
        " The `{tag_field}` that tells the kinds of [`{}`] apart, as Telegram writes it.",
        t.name
    );
    methods.push(quote! {
        #[doc = #tag_doc]
        pub fn #tag(&self) -> &str {
            match self {
                #(#tag_arms)*
                #unknown_tag
            }
        }
    });
    Ok(quote! {
        impl #ident {
            #(#methods)*
        }
    })
}

/// An enum for a field that accepts one of several tagged types without naming them.
pub(super) fn ad_hoc_union(cx: &Context, u: &AdHocUnion) -> Result<TokenStream, String> {
    let members: Vec<UnionMember> = u
        .members
        .iter()
        .map(|m| {
            let tag = cx
                .types
                .get(m.as_str())
                .and_then(|t| crate::validate::constant_field(t))
                .map(|(_, v)| v.to_string());
            UnionMember {
                ty: TypeExpr::reference(m.as_str()),
                tag,
            }
        })
        .collect();
    let field = cx
        .types
        .get(u.members[0].as_str())
        .and_then(|t| crate::validate::constant_field(t))
        .map(|(f, _)| f.to_string())
        .ok_or_else(|| format!("{}: members carry no constant field", u.name))?;
    let vs = variants(cx, &u.name, &members)?;
    let text = format!(
        "One of the types the `{}` field of [`{}`](crate::{}) accepts.",
        u.field, u.owner, u.owner
    );
    let docs = doc_attrs(std::slice::from_ref(&text), Some(&u.doc_url));
    union_enum(
        cx,
        &u.name,
        &text,
        docs,
        &vs,
        &Discriminator::Field { field },
        u.received,
    )
}

fn union_enum(
    cx: &Context,
    name: &str,
    description: &str,
    docs: TokenStream,
    vs: &[Variant],
    discriminator: &Discriminator,
    read: bool,
) -> Result<TokenStream, String> {
    let ident = type_ident(name);
    let has_unknown = read && !matches!(discriminator, Discriminator::ZeroField { .. });
    let decls = vs.iter().map(|v| {
        let (i, p, d) = (&v.ident, v.payload(), &v.docs);
        quote!(#d #i(#p),)
    });
    let unknown_decl = if has_unknown {
        quote! {
            /// A kind this version of the crate does not know, as received.
            Unknown(serde_json::Value),
        }
    } else {
        quote!()
    };
    let ser_arms = vs.iter().map(|v| {
        let i = &v.ident;
        quote!(#ident::#i(__v) => serde::Serialize::serialize(__v, __s),)
    });
    let unknown_ser = if has_unknown {
        quote!(#ident::Unknown(__v) => serde::Serialize::serialize(__v, __s),)
    } else {
        quote!()
    };
    let froms = vs.iter().map(|v| {
        let (i, p) = (&v.ident, &v.inner);
        let wrapped = if v.boxed {
            quote!(Box::new(v))
        } else {
            quote!(v)
        };
        let doc = format!(" Wraps a value as {} `{name}`.", docs::article(name));
        let extra = if v.json_kind == Some("string") {
            quote! {
                impl From<&str> for #ident {
                    #[doc = #doc]
                    fn from(v: &str) -> Self {
                        #ident::#i(v.to_owned())
                    }
                }
            }
        } else {
            quote!()
        };
        quote! {
            impl From<#p> for #ident {
                #[doc = #doc]
                fn from(v: #p) -> Self {
                    #ident::#i(#wrapped)
                }
            }
            #extra
        }
    });
    // Fields holding a received union box it (`Boxing::All`): one large member costs one box.
    let size = if read {
        quote!(#[allow(clippy::large_enum_variant)])
    } else {
        quote!()
    };
    let mut out = quote! {
        #docs
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        #size
        pub enum #ident {
            #(#decls)*
            #unknown_decl
        }

        impl serde::Serialize for #ident {
            fn serialize<S: serde::Serializer>(&self, __s: S) -> Result<S::Ok, S::Error> {
                match self {
                    #(#ser_arms)*
                    #unknown_ser
                }
            }
        }

        #(#froms)*
    };
    let payloads: Vec<TokenStream> = vs.iter().map(|v| v.inner.clone()).collect();
    let tags: std::collections::BTreeSet<_> = vs.iter().filter_map(|v| v.tag.as_deref()).collect();
    let exclusive = matches!(
        discriminator,
        Discriminator::Field { .. } | Discriminator::JsonKind { .. }
    ) && tags.len() == vs.iter().filter(|v| v.tag.is_some()).count();
    out.extend(schema::union(
        &ident,
        name,
        description,
        &payloads,
        exclusive,
    ));
    if !read {
        return Ok(out);
    }
    match discriminator {
        Discriminator::Field { field } | Discriminator::JsonKind { field } => {
            let tagged: Vec<&Variant> = vs.iter().filter(|v| v.object.is_some()).collect();
            let member_arms = tagged.iter().enumerate().map(|(i, v)| {
                let i = Literal::u16_unsuffixed(i as u16);
                let tag = v.tag.as_deref().unwrap_or_default();
                quote!(#tag => Some(#i),)
            });
            let from_arms = tagged.iter().enumerate().map(|(i, v)| {
                let i = Literal::u16_unsuffixed(i as u16);
                let var = &v.ident;
                if v.boxed {
                    quote!(#i => #ident::#var(crate::codec::de::FromMap::from_map_boxed(__map)?),)
                } else {
                    quote!(#i => #ident::#var(crate::codec::de::FromMap::from_map(__map)?),)
                }
            });
            out.extend(quote! {
                impl crate::codec::de::Tagged for #ident {
                    const NAME: &'static str = #name;
                    const TAG: &'static str = #field;
                    fn member(tag: &str) -> Option<u16> {
                        match tag {
                            #(#member_arms)*
                            _ => None,
                        }
                    }
                    fn from_member<'de, A: serde::de::MapAccess<'de>>(index: u16, __map: A) -> Result<Self, A::Error> {
                        Ok(match index {
                            #(#from_arms)*
                            _ => return Err(serde::de::Error::custom("no such member")),
                        })
                    }
                    fn unknown(value: serde_json::Value) -> Self {
                        #ident::Unknown(value)
                    }
                }
            });
            let body = if matches!(discriminator, Discriminator::JsonKind { .. }) {
                let string = vs
                    .iter()
                    .find(|v| v.json_kind == Some("string"))
                    .map(|v| &v.ident)
                    .ok_or_else(|| format!("{name}: no string member"))?;
                let array = vs
                    .iter()
                    .find(|v| v.json_kind == Some("array"))
                    .map(|v| &v.ident)
                    .ok_or_else(|| format!("{name}: no array member"))?;
                quote!(crate::codec::de::json_kind(__d, #ident::#string, #ident::#array))
            } else if let Some((fields, body)) = merged_decoder(cx, name, &ident, field, vs)? {
                out.extend(fields);
                body
            } else {
                quote!(crate::codec::de::tagged(__d))
            };
            out.extend(deserialize_via(&ident, body));
        }
        Discriminator::ZeroField { field, zero_member } => {
            let zero = vs
                .iter()
                .find(|v| v.object.as_deref() == Some(zero_member.as_str()))
                .ok_or_else(|| format!("{name}: {zero_member} is not a member"))?;
            let other = vs
                .iter()
                .find(|v| v.object.as_deref() != Some(zero_member.as_str()))
                .ok_or_else(|| format!("{name}: needs a second member"))?;
            let (zi, oi, op) = (&zero.ident, &other.ident, other.payload());
            let f = snake_ident(field)?;
            let read = if other.boxed {
                quote!(crate::codec::de::boxed(__d)?)
            } else {
                quote!(crate::codec::de::object(__d)?)
            };
            out.extend(deserialize_via(
                &ident,
                quote! {
                    // Read as the richer member; a zero `#field` marks the other one.
                    let __v: #op = #read;
                    if __v.#f == 0 {
                        crate::codec::de::convert(&__v).map(#ident::#zi)
                    } else {
                        Ok(#ident::#oi(__v))
                    }
                },
            ));
        }
        Discriminator::Shape => {
            return Err(format!(
                "{name} is received but can only be told apart by shape"
            ));
        }
    }
    Ok(out)
}

/// Keeps an object whose payload does not decode: its required fields, and the payload as an
/// unknown kind with the error.
fn salvage(
    name: &Ident,
    kind_name: &Ident,
    plans: &[FieldPlan],
    kind_plans: &[FieldPlan],
) -> TokenStream {
    let mut locals = Vec::new();
    let mut inits = Vec::new();
    for p in plans {
        if let Storage::Value(_) = p.storage {
            let (ident, key) = (&p.ident, p.name());
            let var = local(key);
            if p.field.required {
                locals
                    .push(quote!(let #var = serde_json::from_value(__object.remove(#key)?).ok()?;));
            } else {
                locals.push(quote! {
                    let #var = match __object.remove(#key) {
                        Some(v) => serde_json::from_value(v).ok()?,
                        None => None,
                    };
                });
            }
            inits.push(quote!(#ident: #var,));
        } else {
            let key = p.name();
            locals.push(quote!(__object.remove(#key);));
        }
    }
    let kinds = kind_plans.iter().map(|p| p.name());
    quote! {
        impl crate::codec::de::Salvage for #name {
            fn salvage(mut __object: serde_json::Map<String, serde_json::Value>, __error: String) -> Option<Self> {
                #(#locals)*
                let __name = [#(#kinds),*]
                    .iter()
                    .find(|n| __object.contains_key(**n))
                    .map(|n| n.to_string())
                    .or_else(|| __object.keys().next().cloned());
                let kind = match __name {
                    Some(name) => {
                        let value = __object.remove(&name)?;
                        #kind_name::Unknown(Box::new(crate::UnknownKind { name, value, error: Some(__error) }))
                    }
                    None => #kind_name::Empty,
                };
                let mut extra = crate::Extra::new();
                for (k, v) in __object {
                    extra.insert(k, v);
                }
                Some(Self {
                    #(#inits)*
                    kind,
                    extra,
                })
            }
        }
    }
}

/// For a union whose members agree on the type of every field they share: a decoder that reads
/// every field of every member as it streams by, then builds the member the discriminator names
/// (fields of other members go to its unknown fields). Unlike the generic tagged decoder, fields
/// before the discriminator are not buffered as JSON values. `None` when the members disagree.
fn merged_decoder(
    cx: &Context,
    name: &str,
    ident: &Ident,
    tag_field: &str,
    vs: &[Variant],
) -> Result<Option<(TokenStream, TokenStream)>, String> {
    // The members' stored fields, and the merged list (first appearance order).
    let mut members = Vec::new();
    let mut merged: Vec<(String, Held)> = Vec::new();
    for v in vs.iter().filter(|v| v.object.is_some()) {
        if v.boxed {
            return Ok(None);
        }
        let def = cx.types[v.object.as_deref().unwrap_or_default()];
        let plans = plan(cx, def, def.fields())?;
        let absent = has_defaulted(&plans);
        let mut stored = Vec::new();
        for p in &plans {
            let Storage::Value(held) = &p.storage else {
                continue;
            };
            if p.name() == tag_field {
                return Ok(None);
            }
            match merged.iter().find(|(n, _)| n == p.name()) {
                Some((_, h)) if h.tokens().to_string() != held.tokens().to_string() => {
                    return Ok(None);
                }
                Some(_) => {}
                None => merged.push((p.name().to_owned(), held.clone())),
            }
            // How the member's field is initialized from its slot `f`.
            let f = format_ident!("f_{}", p.name());
            let init = if p.always() {
                let key = p.name();
                quote!(crate::codec::de::required(#f, #key)?)
            } else if let Some(bit) = p.late.as_ref().and_then(|(l, _)| l.bit()) {
                let bit = Literal::u32_unsuffixed(bit);
                quote!(crate::codec::de::or_absent(#f, &mut absent, #bit))
            } else {
                quote!(#f)
            };
            stored.push((p.name().to_owned(), p.ident.clone(), init));
        }
        members.push((v, stored, absent));
    }
    let fields_name = format_ident!("{}Fields", name);
    if cx.types.contains_key(fields_name.to_string().as_str()) {
        return Ok(None);
    }
    let slot = |n: &str| format_ident!("f_{}", n);
    let decls = merged.iter().map(|(n, h)| {
        let (f, ty) = (slot(n), h.tokens());
        quote!(#f: Option<#ty>,)
    });
    let names: Vec<&str> = std::iter::once(tag_field)
        .chain(merged.iter().map(|(n, _)| n.as_str()))
        .collect();
    let index_fn = field_index(&names);
    let arms = merged.iter().enumerate().map(|(i, (n, _))| {
        let i = Literal::u16_unsuffixed(i as u16 + 1);
        let f = slot(n);
        quote!(crate::codec::de::Key::Known(#i) => crate::codec::de::optional(&mut __map, &mut __out.#f, #n)?,)
    });
    let member_arms = members.iter().enumerate().map(|(i, (v, stored, absent))| {
        let i = Literal::u16_unsuffixed(i as u16);
        let variant = &v.ident;
        let member = type_ident(v.object.as_deref().unwrap_or_default());
        let inits = stored.iter().map(|(_, id, init)| quote!(#id: #init,));
        let (absent_local, absent_init) = if *absent {
            (
                quote!(let mut absent = crate::codec::de::Absent::new();),
                quote!(absent,),
            )
        } else {
            (quote!(), quote!())
        };
        let others = merged
            .iter()
            .filter(|(n, _)| !stored.iter().any(|(s, _, _)| s == n))
            .map(|(n, _)| {
                let f = slot(n);
                quote!(crate::codec::de::keep_value(&mut extra, #n, #f)?;)
            });
        quote! {
            Some(Ok(#i)) => {
                #(#others)*
                #absent_local
                Ok(#ident::#variant(#member {
                    #(#inits)*
                    extra,
                    #absent_init
                }))
            }
        }
    });
    let all_slots: Vec<Ident> = merged.iter().map(|(n, _)| slot(n)).collect();
    let all_names: Vec<&str> = merged.iter().map(|(n, _)| n.as_str()).collect();
    let doc = format!(" Every field of every [`{name}`] member, read before the member is known.");
    let fields = quote! {
        #[doc = #doc]
        #[derive(Default)]
        struct #fields_name {
            tag: Option<Result<u16, String>>,
            #(#decls)*
            extra: crate::Extra,
        }

        impl crate::codec::de::FromMap for #fields_name {
            const NAME: &'static str = #name;
            #index_fn
            fn from_map<'de, A: serde::de::MapAccess<'de>>(mut __map: A) -> Result<Self, A::Error> {
                let mut __out = Self::default();
                while let Some(__key) = serde::de::MapAccess::next_key_seed(
                    &mut __map,
                    crate::codec::de::KeySeed(<Self as crate::codec::de::FromMap>::field_index),
                )? {
                    match __key {
                        crate::codec::de::Key::Known(0) => {
                            // A repeated discriminator keeps its last value.
                            __out.tag = Some(crate::codec::de::tag_value::<#ident, A>(&mut __map)?);
                        }
                        #(#arms)*
                        crate::codec::de::Key::Known(_) => crate::codec::de::skip(&mut __map)?,
                        crate::codec::de::Key::Unknown(__name) => crate::codec::de::keep(&mut __map, &mut __out.extra, __name)?,
                    }
                }
                Ok(__out)
            }
        }

        impl #fields_name {
            /// The member the discriminator names, or the whole object as an unknown member.
            fn into_member<E: serde::de::Error>(self) -> Result<#ident, E> {
                let Self { tag, #(#all_slots,)* mut extra } = self;
                match tag {
                    #(#member_arms)*
                    other => {
                        let mut object = serde_json::Map::new();
                        if let Some(Err(tag)) = other {
                            object.insert(#tag_field.to_owned(), serde_json::Value::String(tag));
                        }
                        #(crate::codec::de::put_value(&mut object, #all_names, #all_slots)?;)*
                        for (k, v) in extra.iter() {
                            object.insert(k.clone(), v.clone());
                        }
                        Ok(#ident::Unknown(serde_json::Value::Object(object)))
                    }
                }
            }
        }
    };
    let body = quote!(crate::codec::de::object::<#fields_name, D>(__d)?.into_member());
    Ok(Some((fields, body)))
}
