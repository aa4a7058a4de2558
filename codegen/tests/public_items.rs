//! What the generated modules make public, for the committed `api-spec/bot-api.json`.
//!
//! The crate root re-exports `types` and `enums` by glob, so whatever they make public is part
//! of the crate's root: only Bot API types may be there. Objects and request types must survive
//! a release that adds fields (`#[non_exhaustive]`), so every one a user sends needs `new`.

use std::collections::BTreeSet;

use codegen::emit::names::camel;
use codegen::spec::{Spec, TypeExpr, TypeKind};
use syn::{Attribute, ImplItem, Item, Visibility};

fn spec() -> Spec {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../api-spec/bot-api.json");
    let text = std::fs::read_to_string(path).expect("api-spec/bot-api.json is committed");
    codegen::spec_from_json(&text).unwrap_or_else(|e| panic!("invalid spec: {e:#?}"))
}

/// The items of a generated file (`enums.rs`), or of every module of a generated folder
/// (`types`; its `mod.rs` only declares and re-exports them).
fn parsed(spec: &Spec, path: &str) -> syn::File {
    let files = codegen::emit::generate(spec).unwrap_or_else(|e| panic!("{e:#?}"));
    let folder = format!("{path}/");
    let mut items = Vec::new();
    for file in files
        .iter()
        .filter(|f| f.path == path || f.path.starts_with(&folder) && !f.path.ends_with("/mod.rs"))
    {
        let parsed =
            syn::parse_file(&file.contents).unwrap_or_else(|e| panic!("{}: {e}", file.path));
        items.extend(parsed.items);
    }
    assert!(!items.is_empty(), "nothing generated in {path}");
    let mut file = syn::parse_file("").expect("an empty file parses");
    file.items = items;
    file
}

fn is_pub(v: &Visibility) -> bool {
    matches!(v, Visibility::Public(_))
}

fn non_exhaustive(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("non_exhaustive"))
}

/// The public structs and enums of a file, with whether they are `#[non_exhaustive]`; every
/// other public item is reported as an error.
fn public_types(file: &syn::File, path: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for item in &file.items {
        match item {
            Item::Struct(s) if is_pub(&s.vis) => {
                out.push((s.ident.to_string(), non_exhaustive(&s.attrs)));
                for f in &s.fields {
                    // The one private field: which fields older servers left out were absent
                    // on input, so that they are left out again when encoding.
                    let marker = f.ident.as_ref().is_some_and(|i| i == "absent");
                    assert!(
                        is_pub(&f.vis) || marker,
                        "{path}: a field of {} is not public, so it cannot be read",
                        s.ident
                    );
                }
            }
            Item::Enum(e) if is_pub(&e.vis) => {
                out.push((e.ident.to_string(), non_exhaustive(&e.attrs)))
            }
            // Private helpers (the decoders' field buffers) stay out of the glob.
            Item::Struct(s) => assert!(
                s.ident.to_string().ends_with("Fields"),
                "{path}: unexpected private struct {}",
                s.ident
            ),
            Item::Use(u) => assert!(
                matches!(u.vis, Visibility::Inherited),
                "{path}: a public re-export would leak through the root's glob"
            ),
            Item::Impl(_) => {}
            // `Display` of the types, and the setters of request types.
            Item::Macro(m)
                if ["display_as_json", "setters"]
                    .iter()
                    .any(|n| m.mac.path.segments.last().unwrap().ident == n) => {}
            other => panic!(
                "{path}: unexpected item {}",
                quote::ToTokens::to_token_stream(other)
                    .to_string()
                    .chars()
                    .take(80)
                    .collect::<String>()
            ),
        }
    }
    out
}

/// Types that have an inherent `pub fn new`.
fn constructible(file: &syn::File) -> BTreeSet<String> {
    file.items
        .iter()
        .filter_map(|item| match item {
            Item::Impl(i) if i.trait_.is_none() => {
                let has_new = i.items.iter().any(
                    |it| matches!(it, ImplItem::Fn(f) if f.sig.ident == "new" && is_pub(&f.vis)),
                );
                let syn::Type::Path(p) = i.self_ty.as_ref() else {
                    return None;
                };
                has_new.then(|| p.path.segments.last().unwrap().ident.to_string())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn types_and_enums_make_only_bot_api_types_public() {
    let spec = spec();
    let mut allowed: BTreeSet<String> = spec
        .types
        .iter()
        .filter(|t| !matches!(t.kind, TypeKind::InputFile))
        .map(|t| t.name.clone())
        .collect();
    allowed.extend(spec.enums.iter().map(|e| e.name.clone()));
    for t in &spec.types {
        if let TypeKind::Object {
            one_optional: true, ..
        } = t.kind
        {
            allowed.insert(format!("{}Kind", t.name));
        }
        // A field accepting one of several types without a name for them gets an enum named
        // after the field.
        for f in t.fields() {
            let one_of = match &f.ty {
                TypeExpr::OneOf { .. } => true,
                TypeExpr::Array { items } => matches!(items.as_ref(), TypeExpr::OneOf { .. }),
                _ => false,
            };
            if one_of {
                allowed.insert(format!("{}{}", camel(&t.name), camel(&f.name)));
            }
        }
    }
    let mut seen = BTreeSet::new();
    for path in ["types", "enums.rs", "decode", "encode", "schema", "bot"] {
        for (name, non_exhaustive) in public_types(&parsed(&spec, path), path) {
            assert!(
                allowed.contains(&name),
                "{path}: {name} is public but is no Bot API type"
            );
            assert!(non_exhaustive, "{path}: {name} is not #[non_exhaustive]");
            seen.insert(name);
        }
    }
    // Every Bot API type and enumeration is there.
    for t in spec
        .types
        .iter()
        .filter(|t| !matches!(t.kind, TypeKind::InputFile))
    {
        assert!(seen.contains(&t.name), "{} is not generated", t.name);
    }
    assert_eq!(seen.len(), 431, "public generated types");
}

#[test]
fn every_sent_type_can_be_built() {
    let spec = spec();
    let types = parsed(&spec, "types");
    let built = constructible(&types);
    for t in &spec.types {
        let object = matches!(t.kind, TypeKind::Object { .. } | TypeKind::Empty);
        if object && t.direction.is_sent() {
            assert!(built.contains(&t.name), "{} is sent but has no new", t.name);
        }
    }
    // Unions are built from their members (`From`), which the union's own tests cover.
}

#[test]
fn request_types_are_non_exhaustive_and_built_with_new() {
    let spec = spec();
    let methods = parsed(&spec, "methods");
    let public = public_types(&methods, "methods");
    let built = constructible(&methods);
    let expected: BTreeSet<String> = spec.methods.iter().map(|m| camel(&m.name)).collect();
    let names: BTreeSet<String> = public.iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(names, expected);
    for (name, non_exhaustive) in &public {
        assert!(non_exhaustive, "{name} is not #[non_exhaustive]");
        assert!(built.contains(name), "{name} has no new");
    }
}
