//! Consistency checks of a [`Spec`]: what the generator relies on, stated once.
//!
//! The importer runs them on what it produces and `cargo xtask spec check` on the committed file,
//! so a hand edit that breaks an invariant is caught before the generator sees it.

use std::collections::{BTreeMap, BTreeSet};

use crate::spec::{Discriminator, Spec, TypeDef, TypeExpr, TypeKind};

/// Every violated invariant, as a readable message. Empty when the spec is consistent.
pub fn validate(spec: &Spec) -> Vec<String> {
    let mut errors = Vec::new();
    let mut e = |m: String| errors.push(m);

    if !is_iso_date(&spec.api.release_date) {
        e(format!(
            "release date {:?} is not YYYY-MM-DD",
            spec.api.release_date
        ));
    }
    let types: BTreeMap<&str, &TypeDef> = spec.types.iter().map(|t| (t.name.as_str(), t)).collect();
    if types.len() != spec.types.len() {
        e("two types have the same name".into());
    }
    let enums: BTreeMap<&str, _> = spec.enums.iter().map(|d| (d.name.as_str(), d)).collect();
    if enums.len() != spec.enums.len() {
        e("two enumerations have the same name".into());
    }
    let methods: BTreeSet<&str> = spec.methods.iter().map(|m| m.name.as_str()).collect();
    if methods.len() != spec.methods.len() {
        e("two methods have the same name".into());
    }

    let check_expr = |at: &str, ty: &TypeExpr, e: &mut dyn FnMut(String)| {
        check_type_expr(at, ty, &types, &enums, e)
    };
    let mut enum_users: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut note_enum = |key: String, ty: &TypeExpr| {
        let inner = match ty {
            TypeExpr::Array { items } => items.as_ref(),
            other => other,
        };
        match inner {
            TypeExpr::Enum { name } => {
                enum_users.entry(name.clone()).or_default().insert(key);
            }
            TypeExpr::ParseMode => {
                enum_users
                    .entry(crate::lower::PARSE_MODE.into())
                    .or_default()
                    .insert(key);
            }
            _ => {}
        }
    };

    for m in &spec.methods {
        check_expr(&format!("{} result", m.name), &m.returns, &mut e);
        let mut seen = BTreeSet::new();
        for p in &m.params {
            let at = format!("{}.{}", m.name, p.name);
            if !seen.insert(&p.name) {
                e(format!("{at} is listed twice"));
            }
            check_expr(&at, &p.ty, &mut e);
            if matches!(p.ty, TypeExpr::Literal { .. } | TypeExpr::Attachable) {
                e(format!(
                    "{at}: a method parameter cannot be {}",
                    p.ty.display()
                ));
            }
            note_enum(at, &p.ty);
        }
    }

    for t in &spec.types {
        match &t.kind {
            TypeKind::Object { fields, .. } => {
                let mut seen = BTreeSet::new();
                for f in fields {
                    let at = format!("{}.{}", t.name, f.name);
                    if !seen.insert(&f.name) {
                        e(format!("{at} is listed twice"));
                    }
                    check_expr(&at, &f.ty, &mut e);
                    if matches!(f.ty, TypeExpr::InputFile | TypeExpr::InputFileOrString) {
                        e(format!(
                            "{at}: a type field is never an InputFile (use attachable)"
                        ));
                    }
                    note_enum(at, &f.ty);
                }
            }
            TypeKind::Union {
                discriminator,
                members,
            } => check_union(t, discriminator, members, &types, &mut e),
            TypeKind::Empty | TypeKind::InputFile => {}
        }
    }

    for (t, d) in spec.types.iter().zip(crate::lower::directions(spec)) {
        if t.direction != d {
            e(format!(
                "type {} is marked {:?} but its uses make it {:?}",
                t.name, t.direction, d
            ));
        }
    }

    for d in &spec.enums {
        if d.values.is_empty() {
            e(format!("enumeration {} has no values", d.name));
        }
        let distinct: BTreeSet<_> = d.values.iter().map(|v| &v.value).collect();
        if distinct.len() != d.values.len() {
            e(format!("enumeration {} lists a value twice", d.name));
        }
        let declared: BTreeSet<String> = d.used_by.iter().cloned().collect();
        let actual = enum_users.remove(&d.name).unwrap_or_default();
        if declared != actual {
            e(format!(
                "enumeration {}: used_by {:?} but taken by {:?}",
                d.name, declared, actual
            ));
        }
    }
    for (name, users) in enum_users {
        e(format!(
            "enumeration {name} (used by {users:?}) is not defined"
        ));
    }
    errors
}

fn check_type_expr(
    at: &str,
    ty: &TypeExpr,
    types: &BTreeMap<&str, &TypeDef>,
    enums: &BTreeMap<&str, &crate::spec::EnumDef>,
    e: &mut dyn FnMut(String),
) {
    match ty {
        TypeExpr::Array { items } => check_type_expr(at, items, types, enums, e),
        TypeExpr::Enum { name } if !enums.contains_key(name.as_str()) => {
            e(format!("{at}: enumeration {name} is not defined"))
        }
        TypeExpr::MediaGroup { members } | TypeExpr::OneOf { members } => {
            let mut fields = BTreeSet::new();
            for m in members {
                match types.get(m.as_str()).and_then(|t| constant_field(t)) {
                    Some((f, _)) => {
                        fields.insert(f);
                    }
                    None => e(format!("{at}: {m} is not an object with a constant field")),
                }
            }
            if fields.len() > 1 {
                e(format!("{at}: members are told apart by different fields"));
            }
        }
        _ => ty.for_each_type_name(&mut |n| {
            if !types.contains_key(n) {
                e(format!("{at}: type {n} is not defined"));
            }
        }),
    }
}

/// The first field of an object type, when it holds a constant.
pub fn constant_field(t: &TypeDef) -> Option<(&str, &str)> {
    match t.fields().first() {
        Some(f) => match &f.ty {
            TypeExpr::Literal { value } => Some((f.name.as_str(), value.as_str())),
            _ => None,
        },
        None => None,
    }
}

fn check_union(
    t: &TypeDef,
    discriminator: &Discriminator,
    members: &[crate::spec::UnionMember],
    types: &BTreeMap<&str, &TypeDef>,
    e: &mut dyn FnMut(String),
) {
    let name = &t.name;
    let object = |m: &crate::spec::UnionMember| match &m.ty {
        TypeExpr::Ref { name } => types.get(name.as_str()).copied(),
        _ => None,
    };
    if members.is_empty() {
        e(format!("union {name} has no members"));
    }
    match discriminator {
        Discriminator::Field { field } | Discriminator::JsonKind { field } => {
            let mut tags = BTreeSet::new();
            let (mut strings, mut arrays) = (0, 0);
            for m in members {
                match (&m.ty, object(m)) {
                    (_, Some(member)) => {
                        let Some(tag) = &m.tag else {
                            e(format!("union {name}: member {} has no tag", member.name));
                            continue;
                        };
                        if constant_field(member) != Some((field.as_str(), tag.as_str())) {
                            e(format!(
                                "union {name}: member {} does not hold {field} = {tag:?} in its first field",
                                member.name
                            ));
                        }
                        if !tags.insert(tag.clone()) && t.direction.is_received() {
                            e(format!(
                                "union {name} is received but two members share the tag {tag:?}"
                            ));
                        }
                    }
                    (TypeExpr::String, None) => strings += 1,
                    (TypeExpr::Array { .. }, None) => arrays += 1,
                    (other, None) => e(format!(
                        "union {name}: member {} is not a defined object",
                        other.display()
                    )),
                }
            }
            let plain = matches!(discriminator, Discriminator::Field { .. });
            if plain && (strings + arrays) > 0 {
                e(format!(
                    "union {name}: string or array members need the json_kind discriminator"
                ));
            }
            if !plain && (strings > 1 || arrays > 1) {
                e(format!(
                    "union {name}: at most one string and one array member"
                ));
            }
        }
        Discriminator::ZeroField { field, zero_member } => {
            if members.len() != 2 {
                e(format!(
                    "union {name}: zero_field needs exactly two members"
                ));
            }
            let mut found = false;
            for m in members {
                let Some(member) = object(m) else {
                    e(format!("union {name}: members must be objects"));
                    continue;
                };
                found |= member.name == *zero_member;
                let f = member.fields().iter().find(|f| f.name == *field);
                if !f.is_some_and(|f| f.required && f.ty == TypeExpr::Integer) {
                    e(format!(
                        "union {name}: member {} has no required integer {field}",
                        member.name
                    ));
                }
            }
            if !found {
                e(format!("union {name}: {zero_member} is not a member"));
            }
        }
        Discriminator::Shape => {
            if t.direction.is_received() {
                e(format!(
                    "union {name} is received but its members can only be told apart by shape"
                ));
            }
            for m in members {
                if object(m).is_none() {
                    e(format!("union {name}: members must be objects"));
                }
            }
        }
    }
}

fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}
