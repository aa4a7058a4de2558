//! Checks that a spec states everything its source documents: every method, type, field and
//! parameter, with the documented required flag (or the one an override sets).

use crate::overrides::Overrides;
use crate::raw::{RawApi, RawField};
use crate::spec::{Field, Spec, TypeExpr, TypeKind};

/// Every way `spec` leaves out or changes something `raw` documents.
pub fn compare_with_source(raw: &RawApi, spec: &Spec, overrides: &Overrides) -> Vec<String> {
    let mut errors = Vec::new();
    if raw.version != spec.api.version {
        errors.push(format!(
            "source is Bot API {}, spec is {}",
            raw.version, spec.api.version
        ));
    }
    if raw.methods.len() != spec.methods.len() || raw.types.len() != spec.types.len() {
        errors.push(format!(
            "source has {} methods and {} types, spec {} and {}",
            raw.methods.len(),
            raw.types.len(),
            spec.methods.len(),
            spec.types.len()
        ));
    }
    for m in &raw.methods {
        match spec.method(&m.name) {
            None => errors.push(format!("method {} is missing", m.name)),
            Some(s) => fields(&mut errors, &m.name, &m.fields, &s.params, overrides),
        }
    }
    for t in &raw.types {
        let Some(s) = spec.type_def(&t.name) else {
            errors.push(format!("type {} is missing", t.name));
            continue;
        };
        match &s.kind {
            TypeKind::Union { members, .. } => {
                let names: Vec<String> = members.iter().map(|m| member_name(&m.ty)).collect();
                if names != t.subtypes {
                    errors.push(format!(
                        "union {}: members {names:?}, documented {:?}",
                        t.name, t.subtypes
                    ));
                }
            }
            TypeKind::Object { fields: f, .. } => {
                fields(&mut errors, &t.name, &t.fields, f, overrides)
            }
            TypeKind::Empty | TypeKind::InputFile => {
                if !t.fields.is_empty() || !t.subtypes.is_empty() {
                    errors.push(format!(
                        "type {} has fields or members the spec lacks",
                        t.name
                    ));
                }
            }
        }
    }
    errors
}

fn member_name(ty: &TypeExpr) -> String {
    match ty {
        TypeExpr::Ref { name } => name.clone(),
        TypeExpr::String => "String".into(),
        TypeExpr::Array { items } => format!("Array of {}", member_name(items)),
        other => other.display(),
    }
}

fn fields(errors: &mut Vec<String>, owner: &str, raw: &[RawField], spec: &[Field], o: &Overrides) {
    let raw_names: Vec<&str> = raw.iter().map(|f| f.name.as_str()).collect();
    let spec_names: Vec<&str> = spec.iter().map(|f| f.name.as_str()).collect();
    if raw_names != spec_names {
        errors.push(format!(
            "{owner}: fields {spec_names:?}, documented {raw_names:?}"
        ));
        return;
    }
    for (r, s) in raw.iter().zip(spec) {
        let key = format!("{owner}.{}", r.name);
        let expected = o
            .fields
            .iter()
            .find(|f| f.field == key)
            .and_then(|f| f.required)
            .unwrap_or(r.required);
        if s.required != expected {
            errors.push(format!(
                "{key}: required is {}, documented {}",
                s.required, expected
            ));
        }
    }
}
