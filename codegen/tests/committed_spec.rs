//! Facts of the committed `api-spec/bot-api.json` (Bot API 10.3) that the import rules must
//! have established. Counts are those of the official documentation of that release.

use codegen::spec::{Discriminator, Spec, TypeExpr, TypeKind};

fn spec() -> Spec {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../api-spec/bot-api.json");
    let text = std::fs::read_to_string(path).expect("api-spec/bot-api.json is committed");
    codegen::spec_from_json(&text).unwrap_or_else(|e| panic!("invalid spec: {e:#?}"))
}

/// Every field and parameter, as (`Owner.name`, type).
fn all_fields(spec: &Spec) -> Vec<(String, &TypeExpr, bool)> {
    let params = spec.methods.iter().flat_map(|m| {
        m.params
            .iter()
            .map(move |p| (format!("{}.{}", m.name, p.name), &p.ty, true))
    });
    let fields = spec.types.iter().flat_map(|t| {
        t.fields()
            .iter()
            .map(move |f| (format!("{}.{}", t.name, f.name), &f.ty, false))
    });
    params.chain(fields).collect()
}

#[test]
fn release_and_counts() {
    let spec = spec();
    assert_eq!(spec.api.version, "10.3");
    assert_eq!(spec.api.release_date, "2026-08-24");
    assert_eq!(spec.methods.len(), 185);
    assert_eq!(spec.types.len(), 400);
}

#[test]
fn all_unions_are_resolved_with_documented_tags() {
    let spec = spec();
    let unions: Vec<_> = spec
        .types
        .iter()
        .filter_map(|t| match &t.kind {
            TypeKind::Union {
                discriminator,
                members,
            } => Some((t.name.as_str(), discriminator, members)),
            _ => None,
        })
        .collect();
    assert_eq!(unions.len(), 26);
    for (name, d, members) in &unions {
        for m in members.iter() {
            let resolved = match d {
                Discriminator::Field { .. } => m.tag.is_some(),
                Discriminator::JsonKind { .. } => {
                    m.tag.is_some() || matches!(m.ty, TypeExpr::String | TypeExpr::Array { .. })
                }
                Discriminator::ZeroField { .. } | Discriminator::Shape => true,
            };
            assert!(resolved, "{name}: member {:?} is unresolved", m.ty);
        }
    }
    let tag = |union: &str, member: &str| -> String {
        let (_, _, members) = unions.iter().find(|(n, _, _)| *n == union).unwrap();
        members
            .iter()
            .find(|m| m.ty == TypeExpr::reference(member))
            .and_then(|m| m.tag.clone())
            .unwrap()
    };
    assert_eq!(tag("ChatMember", "ChatMemberOwner"), "creator");
    assert_eq!(tag("ChatMember", "ChatMemberBanned"), "kicked");
    assert_eq!(tag("RichBlock", "RichBlockSectionHeading"), "heading");
    assert_eq!(
        tag("ChatBoostSource", "ChatBoostSourceGiftCode"),
        "gift_code"
    );
    assert_eq!(
        tag("BotCommandScope", "BotCommandScopeAllPrivateChats"),
        "all_private_chats"
    );
    let strategy = |union: &str| {
        unions
            .iter()
            .find(|(n, _, _)| *n == union)
            .unwrap()
            .1
            .clone()
    };
    assert_eq!(
        strategy("MaybeInaccessibleMessage"),
        Discriminator::ZeroField {
            field: "date".into(),
            zero_member: "InaccessibleMessage".into()
        }
    );
    assert_eq!(strategy("InputMessageContent"), Discriminator::Shape);
    assert_eq!(
        strategy("RichText"),
        Discriminator::JsonKind {
            field: "type".into()
        }
    );
    assert_eq!(
        strategy("ChatMember"),
        Discriminator::Field {
            field: "status".into()
        }
    );
}

#[test]
fn chat_ids_uploads_and_markup() {
    let spec = spec();
    let fields = all_fields(&spec);
    let chat_id_params: Vec<_> = fields
        .iter()
        .filter(|(k, _, is_param)| {
            *is_param && (k.ends_with(".chat_id") || k.ends_with(".from_chat_id"))
        })
        .filter(|(_, ty, _)| **ty != TypeExpr::Integer)
        .collect();
    assert_eq!(chat_id_params.len(), 96);
    assert!(
        chat_id_params
            .iter()
            .all(|(_, ty, _)| **ty == TypeExpr::ChatId)
    );

    let files: Vec<_> = fields
        .iter()
        .filter(|(_, ty, _)| matches!(ty, TypeExpr::InputFile | TypeExpr::InputFileOrString))
        .collect();
    assert_eq!(files.len(), 20);
    assert!(files.iter().all(|(_, _, is_param)| *is_param));
    assert_eq!(
        files
            .iter()
            .filter(|(_, ty, _)| **ty == TypeExpr::InputFile)
            .count(),
        3
    );

    let attachable: Vec<_> = fields
        .iter()
        .filter(|(_, ty, _)| **ty == TypeExpr::Attachable)
        .map(|(k, _, _)| k.as_str())
        .collect();
    assert_eq!(attachable.len(), 25);
    for k in [
        "InputMediaPhoto.media",
        "InputMediaVideo.cover",
        "InputMediaVideo.thumbnail",
        "InputSticker.sticker",
        "InputPaidMediaVideo.media",
        "InputProfilePhotoStatic.photo",
        "InputStoryContentVideo.video",
    ] {
        assert!(attachable.contains(&k), "{k} is not an upload");
    }

    let markup = fields
        .iter()
        .filter(|(k, _, _)| k.ends_with(".reply_markup"))
        .filter(|(_, ty, _)| **ty == TypeExpr::ReplyMarkup)
        .count();
    assert_eq!(markup, 18);
    assert!(matches!(
        &spec.method("sendMediaGroup").unwrap().params.iter().find(|p| p.name == "media").unwrap().ty,
        TypeExpr::MediaGroup { members } if members.len() == 5
    ));
}

#[test]
fn results_literals_and_parse_modes() {
    let spec = spec();
    let message_or_true: Vec<_> = spec
        .methods
        .iter()
        .filter(|m| m.returns == TypeExpr::MessageOrTrue)
        .map(|m| m.name.as_str())
        .collect();
    assert_eq!(message_or_true.len(), 7);
    assert!(message_or_true.contains(&"setGameScore"));
    assert!(message_or_true.contains(&"editMessageText"));
    assert_eq!(
        spec.method("sendMessage").unwrap().returns,
        TypeExpr::reference("Message")
    );

    let fields = all_fields(&spec);
    for (k, ty, _) in fields.iter().filter(|(k, _, _)| k.ends_with("parse_mode")) {
        assert_eq!(**ty, TypeExpr::ParseMode, "{k}");
    }
    let truths: Vec<_> = fields
        .iter()
        .filter(|(_, ty, _)| **ty == TypeExpr::True)
        .map(|(k, _, _)| k.as_str())
        .collect();
    assert_eq!(
        truths,
        [
            "ReplyKeyboardRemove.remove_keyboard",
            "ForceReply.force_reply"
        ]
    );
}

#[test]
fn string_enumerations() {
    let spec = spec();
    let values = |name: &str| -> Vec<String> {
        spec.enum_def(name)
            .unwrap_or_else(|| panic!("no enum {name}"))
            .values
            .iter()
            .map(|v| v.value.clone())
            .collect()
    };
    assert_eq!(
        values("ChatType"),
        ["private", "group", "supergroup", "channel"]
    );
    assert_eq!(values("ParseMode"), ["HTML", "MarkdownV2", "Markdown"]);
    assert!(values("MessageEntityType").contains(&"text_mention".to_string()));
    assert_eq!(values("ChatAction").len(), 11);
    let updates = values("UpdateType");
    assert_eq!(updates[0], "message");
    assert!(updates.contains(&"callback_query".to_string()));
    assert!(!updates.contains(&"update_id".to_string()));
    let field_type = |ty: &str, f: &str| {
        spec.type_def(ty)
            .unwrap()
            .fields()
            .iter()
            .find(|x| x.name == f)
            .unwrap()
            .ty
            .clone()
    };
    assert_eq!(
        field_type("Chat", "type"),
        TypeExpr::Enum {
            name: "ChatType".into()
        }
    );
    assert_eq!(
        field_type("Sticker", "type"),
        TypeExpr::Enum {
            name: "StickerType".into()
        }
    );
    assert_eq!(
        field_type("Poll", "type"),
        TypeExpr::Enum {
            name: "PollType".into()
        }
    );
}

/// Every type, field and enumeration value of the spec is in the generated crate: parsed back
/// from the rendered files (which `cargo xtask codegen --check` proves are the committed ones).
#[test]
fn generated_crate_has_every_type_field_and_value() {
    use std::collections::{BTreeMap, BTreeSet};
    let spec = spec();
    let files = codegen::emit::generate(&spec).unwrap();
    let mut structs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut enums: BTreeMap<String, Vec<(String, Option<String>)>> = BTreeMap::new();
    let mut docs_of_struct: BTreeMap<String, String> = BTreeMap::new();
    for f in &files {
        let file: syn::File = syn::parse_str(&f.contents).unwrap();
        for item in file.items {
            match item {
                syn::Item::Struct(s) => {
                    let fields = s
                        .fields
                        .iter()
                        .filter_map(|f| f.ident.as_ref())
                        .map(|i| i.to_string().trim_start_matches("r#").to_string())
                        .collect();
                    let docs: String = s
                        .attrs
                        .iter()
                        .filter_map(codegen::emit::docs::doc_text)
                        .collect();
                    docs_of_struct.insert(s.ident.to_string(), docs);
                    structs.insert(s.ident.to_string(), fields);
                }
                syn::Item::Enum(e) => {
                    let variants = e
                        .variants
                        .iter()
                        .map(|v| {
                            let doc = v.attrs.iter().find_map(codegen::emit::docs::doc_text);
                            (v.ident.to_string(), doc)
                        })
                        .collect();
                    enums.insert(e.ident.to_string(), variants);
                }
                _ => {}
            }
        }
    }
    for t in &spec.types {
        match &t.kind {
            TypeKind::Object {
                fields,
                one_optional,
            } => {
                let have = structs
                    .get(&t.name)
                    .unwrap_or_else(|| panic!("no struct {}", t.name));
                let kind = enums.get(&format!("{}Kind", t.name));
                for f in fields {
                    let present = match &f.ty {
                        // Constants are written and checked, not stored: the docs say so.
                        TypeExpr::Literal { .. } | TypeExpr::True => {
                            docs_of_struct[&t.name].contains(&format!("`{}` is always", f.name))
                        }
                        _ if *one_optional && !f.required => kind.is_some_and(|k| {
                            let variant =
                                heck::ToUpperCamelCase::to_upper_camel_case(f.name.as_str());
                            k.iter().any(|(v, _)| *v == variant)
                        }),
                        _ => have.contains(&f.name),
                    };
                    assert!(present, "{}.{} is missing", t.name, f.name);
                }
            }
            TypeKind::Empty => assert!(structs.contains_key(&t.name), "no struct {}", t.name),
            TypeKind::Union { members, .. } => {
                let variants = enums
                    .get(&t.name)
                    .unwrap_or_else(|| panic!("no enum {}", t.name));
                assert!(variants.len() >= members.len(), "{} lacks members", t.name);
            }
            TypeKind::InputFile => {}
        }
    }
    for e in &spec.enums {
        let variants = enums
            .get(&e.name)
            .unwrap_or_else(|| panic!("no enum {}", e.name));
        for v in &e.values {
            let doc = format!("`{}`", v.value);
            assert!(
                variants
                    .iter()
                    .any(|(_, d)| d.as_deref().is_some_and(|d| d.contains(&doc))),
                "{}: value {} has no variant",
                e.name,
                v.value
            );
        }
    }
}

/// Every method is on `Bot` twice: in snake_case and under its exact official name, the
/// latter calling the former; and has a request type whose `NAME` is the official name.
#[test]
fn bot_has_every_method_under_both_names() {
    let spec = spec();
    let files = codegen::emit::generate(&spec).unwrap();
    let in_folder = |dir: &str| -> String {
        files
            .iter()
            .filter(|f| f.path.starts_with(&format!("{dir}/")))
            .map(|f| f.contents.as_str())
            .collect()
    };
    let mut fns: std::collections::BTreeMap<String, String> = Default::default();
    let items = files
        .iter()
        .filter(|f| f.path.starts_with("bot/"))
        .flat_map(|f| syn::parse_str::<syn::File>(&f.contents).unwrap().items);
    for item in items {
        if let syn::Item::Impl(imp) = item
            && {
                let ty = &imp.self_ty;
                quote::quote!(#ty).to_string() == "crate :: Bot"
            }
        {
            for it in imp.items {
                if let syn::ImplItem::Fn(f) = it {
                    let block = &f.block;
                    let body = quote::quote!(#block).to_string();
                    fns.insert(f.sig.ident.to_string(), body);
                }
            }
        }
    }
    let methods = &in_folder("methods");
    for m in &spec.methods {
        let snake = heck::ToSnakeCase::to_snake_case(m.name.as_str());
        assert!(fns.contains_key(&snake), "no Bot::{snake}");
        let alias = fns
            .get(&m.name)
            .unwrap_or_else(|| panic!("no Bot::{}", m.name));
        if snake != m.name {
            assert!(
                alias.contains(&format!("self . {snake} (")),
                "{} does not call {snake}",
                m.name
            );
        }
        assert!(
            methods.contains(&format!("const NAME: &'static str = \"{}\";", m.name)),
            "no request type named {}",
            m.name
        );
    }
    assert_eq!(
        fns.len(),
        2 * spec.methods.len()
            - spec
                .methods
                .iter()
                .filter(|m| heck::ToSnakeCase::to_snake_case(m.name.as_str()) == m.name)
                .count()
    );
}

#[test]
fn fields_are_dated_against_older_releases() {
    let spec = spec();
    let history = spec.history.as_ref().expect("the import dates fields");
    assert_eq!(history.releases, ["9.2", "10.0", "10.1"]);
    let field = |ty: &str, name: &str| {
        spec.type_def(ty)
            .unwrap()
            .fields()
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("{ty}.{name}"))
            .clone()
    };
    // Fields the Bot API changelog lists as added in 10.0 and 10.3, required today.
    let persistent = field("PollOption", "persistent_id");
    assert!(persistent.required);
    assert_eq!(persistent.since.as_deref(), Some("10.0"));
    let welcome = field("ChatMemberAdministrator", "can_send_welcome_messages");
    assert_eq!(welcome.since.as_deref(), Some("10.3"));
    assert_eq!(
        field("AcceptedGiftTypes", "gifts_from_channels")
            .since
            .as_deref(),
        Some("10.0")
    );
    // Present in 9.2: undated.
    let text = field("Message", "message_id");
    assert_eq!((text.since, text.required_since), (None, None));
    // Every date names a release of the history or the imported one.
    for t in &spec.types {
        for f in t.fields() {
            for v in [&f.since, &f.required_since].into_iter().flatten() {
                assert!(
                    history.releases[1..].contains(v) || *v == spec.api.version,
                    "{}.{}: {v}",
                    t.name,
                    f.name
                );
            }
        }
    }
}
