//! How the generated items are laid out in files: by concern (definitions, decoders, encoders,
//! JSON Schemas, request types, `Bot` methods) and by chapter of the Bot API documentation,
//! with no file much over [`FILE_LIMIT`].
//!
//! The emitters produce the items of one type or method together; `concern_of` sorts each
//! item into its folder by what it is, so the emitters need not know the layout.

use std::collections::BTreeSet;

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::render_file;

/// Size in bytes over which a section's file is split in parts.
pub const FILE_LIMIT: usize = 280_000;

/// Name of the module of items whose chapter the description does not give.
pub const NO_SECTION: &str = "other";

/// The folders of `generated/`, one per concern.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Concern {
    /// Type definitions, constructors, setters, accessors and conversions.
    Types,
    /// Request types: definitions, constructors, setters and their `Method` implementations.
    Methods,
    /// The methods of `Bot` and the setters of `Call`.
    Bot,
    /// `Deserialize` and the decoders behind it.
    Decode,
    /// `Serialize`.
    Encode,
    /// `schemars::JsonSchema`.
    Schema,
}

impl Concern {
    /// Folder name.
    pub fn dir(self) -> &'static str {
        match self {
            Concern::Types => "types",
            Concern::Methods => "methods",
            Concern::Bot => "bot",
            Concern::Decode => "decode",
            Concern::Encode => "encode",
            Concern::Schema => "schema",
        }
    }

    /// The first line of the folder's module docs.
    fn summary(self) -> &'static str {
        match self {
            Concern::Types => "Every Bot API type: objects as structs, unions as enums.",
            Concern::Methods => {
                "A request type for every Bot API method, named after it (`SendMessage` for \
                 `sendMessage`), implementing [`Method`](crate::Method)."
            }
            Concern::Bot => {
                "Every Bot API method on [`Bot`](crate::Bot), and the setters of optional \
                 parameters on [`Call`](crate::Call)."
            }
            Concern::Decode => "How every received type decodes from JSON (`Deserialize`).",
            Concern::Encode => "How every type and request encodes to JSON (`Serialize`).",
            Concern::Schema => "A JSON Schema for every type (`schemars::JsonSchema`).",
        }
    }

    /// Whether the folder's modules are re-exported (items users name) or only implement
    /// traits.
    pub fn exported(self) -> bool {
        matches!(self, Concern::Types | Concern::Methods)
    }
}

/// The module name of a documentation chapter (`available-types` -> `available_types`).
pub fn section_module(section: Option<&str>) -> String {
    match section {
        Some(s) if !s.is_empty() => s.replace('-', "_"),
        _ => NO_SECTION.to_string(),
    }
}

/// The chapter's title as the documentation writes it, from its anchor
/// (`inline-mode` -> `Inline mode`).
pub fn section_title(module: &str) -> String {
    let words = module.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => words,
    }
}

/// Sorts the items of one type or request into concerns: public definitions and their inherent
/// methods and conversions stay with the definitions; `Serialize`, decoders (with their private
/// helper structs) and schemas go to their folders.
pub fn split_items(
    tokens: TokenStream,
    definitions: Concern,
) -> Result<Vec<(Concern, TokenStream)>, String> {
    let file: syn::File = syn::parse2(tokens).map_err(|e| format!("invalid Rust: {e}"))?;
    let private: BTreeSet<String> = file
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(s) if matches!(s.vis, syn::Visibility::Inherited) => {
                Some(s.ident.to_string())
            }
            _ => None,
        })
        .collect();
    file.items
        .into_iter()
        .map(|item| Ok((concern_of(&item, &private, definitions)?, quote!(#item))))
        .collect()
}

/// The concern of one item; `private` names the helper structs of decoders.
fn concern_of(
    item: &syn::Item,
    private: &BTreeSet<String>,
    definitions: Concern,
) -> Result<Concern, String> {
    Ok(match item {
        syn::Item::Struct(s) if private.contains(&s.ident.to_string()) => Concern::Decode,
        syn::Item::Impl(i) => {
            let self_name = match &*i.self_ty {
                syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
                _ => None,
            };
            match &i.trait_ {
                None if self_name.is_some_and(|n| private.contains(&n)) => Concern::Decode,
                None => definitions,
                Some((path, _)) => {
                    let last = path.segments.last().map(|s| s.ident.to_string());
                    match last.as_deref() {
                        Some("Serialize") => Concern::Encode,
                        Some("Deserialize" | "FromMap" | "Tagged" | "Salvage") => Concern::Decode,
                        Some("JsonSchema") => Concern::Schema,
                        Some("From" | "Method" | "Display" | "Default") => definitions,
                        other => return Err(format!("no folder for an impl of {other:?}")),
                    }
                }
            }
        }
        _ => definitions,
    })
}

/// The items of one type or method in one concern.
#[derive(Default)]
pub struct Unit {
    /// Items at the module's top level.
    pub tokens: TokenStream,
    /// The type whose `Display` the file declares (definitions only).
    pub display: Option<Ident>,
    /// Methods of `Bot` (the `Bot` concern only).
    pub bot: TokenStream,
}

/// One generated module: a concern's items of one chapter.
pub struct Module {
    pub concern: Concern,
    pub section: String,
    pub units: Vec<Unit>,
}

/// What generated files may refer to by their bare names.
pub struct Names {
    /// Every generated type (unions made up for fields included).
    pub types: BTreeSet<String>,
    /// Every string enumeration.
    pub enums: BTreeSet<String>,
    /// Every request type.
    pub requests: BTreeSet<String>,
}

/// The names used without a path (`User`, not `PassportElementError::File`).
struct BareNames(BTreeSet<String>);

impl<'ast> syn::visit::Visit<'ast> for BareNames {
    fn visit_path(&mut self, path: &'ast syn::Path) {
        if path.leading_colon.is_none()
            && let [segment] = path.segments.iter().collect::<Vec<_>>().as_slice()
        {
            self.0.insert(segment.ident.to_string());
        }
        syn::visit::visit_path(self, path);
    }
}

fn bare_names(tokens: &TokenStream) -> Result<BTreeSet<String>, String> {
    let file: syn::File = syn::parse2(tokens.clone()).map_err(|e| format!("invalid Rust: {e}"))?;
    let mut names = BareNames(BTreeSet::new());
    syn::visit::Visit::visit_file(&mut names, &file);
    Ok(names.0)
}

/// The `use` lines a module's items need: the types and enumerations they name and do not
/// define themselves.
fn imports(
    concern: Concern,
    body: &TokenStream,
    names: &Names,
    local: &BTreeSet<String>,
) -> Result<TokenStream, String> {
    let used = bare_names(body)?;
    let mut out = TokenStream::new();
    if used.iter().any(|i| names.enums.contains(i)) {
        out.extend(quote!(
            use crate::generated::enums::*;
        ));
    }
    if concern != Concern::Methods && used.iter().any(|i| names.requests.contains(i)) {
        out.extend(quote!(
            use crate::generated::methods::*;
        ));
    }
    if used
        .iter()
        .any(|i| names.types.contains(i) && !local.contains(i))
    {
        out.extend(if concern == Concern::Types {
            quote!(
                use super::*;
            )
        } else {
            quote!(
                use crate::generated::types::*;
            )
        });
    }
    Ok(out)
}

/// The body of one file: its units, and for definitions the `Display` of its types; for `Bot`
/// the methods in one `impl` block named after the chapter.
fn body(concern: Concern, section: &str, units: &[&Unit]) -> TokenStream {
    let display: Vec<&Ident> = units.iter().filter_map(|u| u.display.as_ref()).collect();
    let items = units.iter().map(|u| &u.tokens);
    match concern {
        Concern::Types if !display.is_empty() => quote! {
            #(#items)*
            crate::codec::display::display_as_json!(#(#display),*);
        },
        Concern::Bot => {
            let methods = units.iter().map(|u| &u.bot);
            let doc = (section != NO_SECTION).then(|| {
                let doc = format!(
                    " Chapter \"{}\" of the Bot API documentation.",
                    section_title(section)
                );
                quote!(#[doc = #doc])
            });
            quote! {
                #doc
                impl crate::Bot {
                    #(#methods)*
                }
                #(#items)*
            }
        }
        _ => quote!(#(#items)*),
    }
}

/// Renders a module into one file, or into numbered parts when it is over `limit` bytes
/// ([`FILE_LIMIT`]). Returns `(file stem, text)` pairs.
pub fn render_module(
    module: &Module,
    names: &Names,
    limit: usize,
) -> Result<Vec<(String, String)>, String> {
    let all: Vec<&Unit> = module.units.iter().collect();
    let whole = render_part(module, &all, names)?;
    if whole.len() <= limit || all.len() < 2 {
        return Ok(vec![(module.section.clone(), whole)]);
    }
    // Greedy parts by the size of each unit rendered alone.
    let mut parts: Vec<Vec<&Unit>> = vec![Vec::new()];
    let mut size = 0;
    for unit in all {
        let len = render_file(&unit.tokens)?.len();
        if size + len > limit && !parts.last().is_some_and(Vec::is_empty) {
            parts.push(Vec::new());
            size = 0;
        }
        size += len;
        parts.last_mut().expect("one part").push(unit);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, units)| {
            Ok((
                format!("{}_{}", module.section, i + 1),
                render_part(module, units, names)?,
            ))
        })
        .collect()
}

fn render_part(module: &Module, units: &[&Unit], names: &Names) -> Result<String, String> {
    let body = body(module.concern, &module.section, units);
    let local: BTreeSet<String> = units
        .iter()
        .filter_map(|u| u.display.as_ref().map(Ident::to_string))
        .collect();
    let uses = imports(module.concern, &body, names, &local)?;
    let title = section_title(&module.section);
    let doc = if module.section == NO_SECTION {
        format!(" {}", module.concern.summary())
    } else {
        format!(
            " {} Chapter \"{title}\" of the Bot API documentation.",
            module.concern.summary()
        )
    };
    let text = render_file(&quote! {
        #![doc = #doc]
        #uses
        #body
    })?;
    format_setters(&text)
}

/// The `mod.rs` of a concern's folder: its modules (file stems), re-exported where users name
/// their items.
pub fn folder_module(concern: Concern, stems: &[String]) -> Result<String, String> {
    let mods = stems.iter().map(|s| format_ident!("{s}"));
    let exports = if concern.exported() {
        let mods = stems.iter().map(|s| format_ident!("{s}"));
        quote!(#(pub use #mods::*;)*)
    } else {
        quote!()
    };
    let doc = format!(" {}", concern.summary());
    render_file(&quote! {
        #![doc = #doc]
        #(mod #mods;)*
        #exports
    })
}

/// The first line of an invocation of the `setters!` macro of request types.
const SETTERS_OPEN: &str = "crate::transport::call::setters! {";

/// The body of a `setters!` invocation: `Request { /// docs \n name(arg: Type) => value; ... }`.
struct Setters {
    request: Ident,
    entries: Vec<Setter>,
}

struct Setter {
    docs: Vec<String>,
    name: Ident,
    arg: Ident,
    ty: syn::Type,
    value: syn::Expr,
}

impl syn::parse::Parse for Setters {
    fn parse(input: syn::parse::ParseStream) -> syn::Result<Self> {
        let request = input.parse()?;
        let content;
        syn::braced!(content in input);
        let mut entries = Vec::new();
        while !content.is_empty() {
            let docs = content
                .call(syn::Attribute::parse_outer)?
                .iter()
                .filter_map(super::docs::doc_text)
                .collect();
            let name = content.parse()?;
            let args;
            syn::parenthesized!(args in content);
            let arg = args.parse()?;
            args.parse::<syn::Token![:]>()?;
            let ty = args.parse()?;
            content.parse::<syn::Token![=>]>()?;
            let value = content.parse()?;
            content.parse::<syn::Token![;]>()?;
            entries.push(Setter {
                docs,
                name,
                arg,
                ty,
                value,
            });
        }
        Ok(Setters { request, entries })
    }
}

/// A type or expression on one line, spaced as rustfmt would (`impl Into<String>`,
/// `caption.into()`): the token printer spaces every token.
fn compact(tokens: TokenStream) -> String {
    let mut s = tokens.to_string();
    for (from, to) in [
        (" :: ", "::"),
        (" < ", "<"),
        (" >", ">"),
        (" . ", "."),
        (" (", "("),
        ("( ", "("),
        (" )", ")"),
        (" ,", ","),
        ("& ", "&"),
    ] {
        s = s.replace(from, to);
    }
    s
}

/// Lays out the `setters!` invocations of a rendered file one setter a line, with its docs as
/// `///` comments: the pretty-printer leaves a macro's input as a flow of tokens.
pub fn format_setters(text: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line != SETTERS_OPEN {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let mut body = String::new();
        for line in lines.by_ref() {
            if line == "}" {
                break;
            }
            body.push_str(line);
            body.push('\n');
        }
        let setters: Setters =
            syn::parse_str(&body).map_err(|e| format!("setters! invocation: {e}"))?;
        out.push_str(SETTERS_OPEN);
        out.push_str(&format!("\n    {} {{\n", setters.request));
        for s in &setters.entries {
            for doc in &s.docs {
                out.push_str(&format!("        ///{doc}\n"));
            }
            let (ty, value) = (&s.ty, &s.value);
            out.push_str(&format!(
                "        {}({}: {}) => {};\n",
                s.name,
                s.arg,
                compact(quote!(#ty)),
                compact(quote!(#value))
            ));
        }
        out.push_str("    }\n}\n");
    }
    Ok(out)
}
