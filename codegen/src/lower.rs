//! The import rules: from the documentation's terms ([`RawApi`]) to the typed [`Spec`].
//!
//! Each rule is a function below with its own tests. A rule that meets a pattern it does not know
//! stops the import with a message naming the field and what to do; nothing is guessed.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::LazyLock;

use heck::ToUpperCamelCase;
use regex::Regex;

use crate::overrides::{EnumOverride, Overrides};
use crate::raw::{RawApi, RawField, RawType};
use crate::spec::{
    ApiRelease, Direction, Discriminator, EnumDef, EnumValue, FORMAT_VERSION, Field, Method,
    REPLY_MARKUP_MEMBERS, Source, Spec, TypeDef, TypeExpr, TypeKind, UnionMember,
};

/// Name of the enumeration that `parse_mode` fields take.
pub const PARSE_MODE: &str = "ParseMode";
/// Name of the type that stands for a file upload.
pub const INPUT_FILE: &str = "InputFile";
/// Name of the union whose members make up a media group.
pub const INPUT_MEDIA: &str = "InputMedia";

/// The result of an import: the spec and what the reader should know about it.
#[derive(Debug)]
pub struct Imported {
    /// The typed description.
    pub spec: Spec,
    /// Overrides that matched nothing in this description (normal for older versions).
    pub warnings: Vec<String>,
}

/// Applies every rule and override to `raw`. On failure, returns every problem found.
pub fn lower(raw: &RawApi, source: Source, overrides: &Overrides) -> Result<Imported, Vec<String>> {
    let mut cx = Lowering::new(raw, overrides);
    let spec = cx.run(source);
    let mut errors = cx.errors;
    if let Some(spec) = &spec {
        errors.extend(crate::validate::validate(spec));
    }
    match spec {
        Some(spec) if errors.is_empty() => Ok(Imported {
            spec,
            warnings: cx.warnings,
        }),
        _ => Err(errors),
    }
}

struct Lowering<'a> {
    raw: &'a RawApi,
    overrides: &'a Overrides,
    types: HashMap<&'a str, &'a RawType>,
    /// `(type, field)` whose value is a constant discriminator.
    literals: BTreeMap<(String, String), String>,
    /// Field key (`Type.field`, `method.param`) to enumeration name.
    enum_of: BTreeMap<String, String>,
    enums: Vec<EnumDef>,
    /// Field overrides by key, with whether they were used.
    field_overrides: BTreeMap<String, (usize, bool)>,
    errors: Vec<String>,
    warnings: Vec<String>,
}

impl<'a> Lowering<'a> {
    fn new(raw: &'a RawApi, overrides: &'a Overrides) -> Self {
        let mut errors = Vec::new();
        let mut types = HashMap::new();
        for t in &raw.types {
            if types.insert(t.name.as_str(), t).is_some() {
                errors.push(format!("type {} is documented twice", t.name));
            }
        }
        let mut field_overrides = BTreeMap::new();
        for (i, f) in overrides.fields.iter().enumerate() {
            if field_overrides
                .insert(f.field.clone(), (i, false))
                .is_some()
            {
                errors.push(format!("overrides.json names field {} twice", f.field));
            }
        }
        Lowering {
            raw,
            overrides,
            types,
            literals: BTreeMap::new(),
            enum_of: BTreeMap::new(),
            enums: Vec::new(),
            field_overrides,
            errors,
            warnings: Vec::new(),
        }
    }

    fn run(&mut self, source: Source) -> Option<Spec> {
        let release_date = match iso_date(&self.raw.release_date) {
            Ok(d) => d,
            Err(e) => {
                self.errors.push(e);
                String::new()
            }
        };
        // Discriminators first: they decide which fields are constants.
        let unions: Vec<(String, Discriminator, Vec<UnionMember>)> = self
            .raw
            .types
            .iter()
            .filter(|t| !t.subtypes.is_empty())
            .filter_map(|t| self.union(t))
            .collect();
        self.one_of_literals();
        self.collect_enums();

        let type_names: Vec<&str> = self.raw.types.iter().map(|t| t.name.as_str()).collect();
        let method_names: Vec<&str> = self.raw.methods.iter().map(|m| m.name.as_str()).collect();
        let type_sections = self.sections(&type_names, |s| s.first_type.as_deref());
        let method_sections = self.sections(&method_names, |s| s.first_method.as_deref());

        let mut types = Vec::new();
        for (t, section) in self.raw.types.iter().zip(type_sections) {
            let kind = if let Some((_, discriminator, members)) =
                unions.iter().find(|(name, _, _)| *name == t.name)
            {
                TypeKind::Union {
                    discriminator: discriminator.clone(),
                    members: members.clone(),
                }
            } else if !t.subtypes.is_empty() {
                continue; // Its union failed; the error is recorded.
            } else if t.name == INPUT_FILE && t.fields.is_empty() {
                TypeKind::InputFile
            } else if t.fields.is_empty() {
                TypeKind::Empty
            } else {
                TypeKind::Object {
                    fields: t
                        .fields
                        .iter()
                        .filter_map(|f| self.field(&t.name, f))
                        .collect(),
                    one_optional: one_optional(&t.description),
                }
            };
            types.push(TypeDef {
                name: t.name.clone(),
                doc_url: t.href.clone(),
                description: markdown(&t.description),
                direction: Direction::Unused,
                section: t.section.clone().or(section),
                kind,
            });
        }

        let mut methods = Vec::new();
        for (m, section) in self.raw.methods.iter().zip(method_sections) {
            let returns = match self.returns(&m.name, &m.returns) {
                Ok(r) => r,
                Err(e) => {
                    self.errors.push(e);
                    continue;
                }
            };
            methods.push(Method {
                name: m.name.clone(),
                doc_url: m.href.clone(),
                description: markdown(&m.description),
                params: m
                    .fields
                    .iter()
                    .filter_map(|f| self.field(&m.name, f))
                    .collect(),
                returns,
                section,
            });
        }

        for (key, (_, used)) in &self.field_overrides {
            if !used {
                self.warnings
                    .push(format!("field override for {key} matched nothing; skipped"));
            }
        }

        let mut spec = Spec {
            format: FORMAT_VERSION,
            api: ApiRelease {
                version: self.raw.version.clone(),
                release_date,
                changelog: self.raw.changelog.clone(),
            },
            source,
            history: None,
            methods,
            types,
            enums: std::mem::take(&mut self.enums),
        };
        assign_directions(&mut spec);
        spec.enums.sort_by(|a, b| a.name.cmp(&b.name));
        Some(spec)
    }

    /// The chapter of each of `names` (types or methods, in documentation order) by the
    /// chapters' first items in the overrides. A first item missing from this description is
    /// skipped with a warning; items before every listed first item have no chapter.
    fn sections(
        &mut self,
        names: &[&str],
        first: impl Fn(&crate::overrides::SectionOverride) -> Option<&str>,
    ) -> Vec<Option<String>> {
        let mut starts = BTreeMap::new();
        for s in &self.overrides.sections {
            let Some(name) = first(s) else { continue };
            match names.iter().position(|n| *n == name) {
                Some(i) => {
                    starts.insert(i, s.section.clone());
                }
                None => self.warnings.push(format!(
                    "section override {}: {name} is not documented; skipped",
                    s.section
                )),
            }
        }
        let mut current = None;
        (0..names.len())
            .map(|i| {
                if let Some(s) = starts.get(&i) {
                    current = Some(s.clone());
                }
                current.clone()
            })
            .collect()
    }

    fn error(&mut self, msg: String) {
        self.errors.push(msg);
    }

    /// The constant value of a type's first field (`Type of the ..., always "x"` or
    /// `..., must be x`), with the field's name.
    fn tag_of(&self, type_name: &str) -> Option<(String, String)> {
        static TAG: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r#"(?:, always "([^"\s]+)"|, must be ([A-Za-z0-9_]+))\.?$"#).unwrap()
        });
        let t = self.types.get(type_name)?;
        let first = t.fields.first()?;
        if first.types != ["String"] || !first.required {
            return None;
        }
        let description = plain_text(&first.description);
        let caps = TAG.captures(&description)?;
        let value = caps.get(1).or_else(|| caps.get(2))?.as_str().to_string();
        Some((first.name.clone(), value))
    }

    fn union(&mut self, t: &RawType) -> Option<(String, Discriminator, Vec<UnionMember>)> {
        let over = self.overrides.unions.iter().find(|u| u.ty == t.name);
        let mut objects = Vec::new();
        let mut others = Vec::new();
        for s in &t.subtypes {
            if self.types.contains_key(s.as_str()) {
                objects.push(s.clone());
            } else {
                match self.type_name(s) {
                    Ok(expr @ (TypeExpr::String | TypeExpr::Array { .. })) => others.push(expr),
                    Ok(other) => {
                        self.error(format!(
                            "union {}: member {s} is a {} (only objects, String and arrays are known)",
                            t.name,
                            other.display()
                        ));
                        return None;
                    }
                    Err(e) => {
                        self.error(format!("union {}: {e}", t.name));
                        return None;
                    }
                }
            }
        }
        if let Some(over) = over {
            let d = over.discriminator.clone();
            let members: Vec<UnionMember> = objects
                .iter()
                .map(|o| UnionMember {
                    ty: TypeExpr::reference(o),
                    tag: None,
                })
                .chain(others.into_iter().map(|ty| UnionMember { ty, tag: None }))
                .collect();
            if let Discriminator::Field { .. } | Discriminator::JsonKind { .. } = d {
                self.error(format!(
                    "overrides.json: union {} has a field discriminator, which the rules derive; \
                     remove the override",
                    t.name
                ));
                return None;
            }
            return Some((t.name.clone(), d, members));
        }
        // Every object member must carry a constant on the same field.
        let mut field: Option<String> = None;
        let mut members = Vec::new();
        for o in &objects {
            let Some((f, value)) = self.tag_of(o) else {
                let first = self
                    .types
                    .get(o.as_str())
                    .and_then(|m| m.fields.first())
                    .map(|f| format!("first field `{}`: {:?}", f.name, f.description))
                    .unwrap_or_else(|| "no fields".into());
                self.error(format!(
                    "union {}: member {o} has no discriminator value ({first}); state how the \
                     union is told apart in api-spec/overrides.json",
                    t.name
                ));
                return None;
            };
            match &field {
                Some(prev) if *prev != f => {
                    self.error(format!(
                        "union {}: members are told apart by different fields ({prev}, {f})",
                        t.name
                    ));
                    return None;
                }
                _ => field = Some(f.clone()),
            }
            self.literals.insert((o.clone(), f), value.clone());
            members.push(UnionMember {
                ty: TypeExpr::reference(o),
                tag: Some(value),
            });
        }
        let field = field.unwrap_or_else(|| "type".into());
        let discriminator = if others.is_empty() {
            Discriminator::Field { field }
        } else {
            let strings = others.iter().filter(|o| **o == TypeExpr::String).count();
            let arrays = others.len() - strings;
            if strings > 1 || arrays > 1 {
                self.error(format!(
                    "union {}: more than one string or array member cannot be told apart",
                    t.name
                ));
                return None;
            }
            // Keep documentation order: members as listed.
            let mut ordered = Vec::new();
            for s in &t.subtypes {
                if let Some(m) = members
                    .iter()
                    .find(|m| m.ty == TypeExpr::reference(s.as_str()))
                {
                    ordered.push(m.clone());
                } else if let Ok(expr) = self.type_name(s) {
                    ordered.push(UnionMember {
                        ty: expr,
                        tag: None,
                    });
                }
            }
            members = ordered;
            Discriminator::JsonKind { field }
        };
        Some((t.name.clone(), discriminator, members))
    }

    /// Types offered together as alternatives of one field (`InputMediaVoiceNote` beside the
    /// `InputMedia` members) are told apart by their constant first field too.
    fn one_of_literals(&mut self) {
        let alternatives: Vec<Vec<String>> = self
            .raw
            .types
            .iter()
            .flat_map(|t| t.fields.iter())
            .chain(self.raw.methods.iter().flat_map(|m| m.fields.iter()))
            .filter(|f| f.types.len() > 1)
            .map(|f| {
                f.types
                    .iter()
                    .map(|t| t.strip_prefix("Array of ").unwrap_or(t).to_string())
                    .collect()
            })
            .collect();
        for names in alternatives {
            let tags: Vec<_> = names.iter().map(|n| (n, self.tag_of(n))).collect();
            if tags.iter().all(|(_, t)| t.is_some()) {
                for (n, t) in tags {
                    let (f, v) = t.unwrap();
                    self.literals.insert((n.clone(), f), v);
                }
            }
        }
    }

    /// Names every enumerated field: override groups first, then the default `OwnerField`.
    fn collect_enums(&mut self) {
        let mut found: BTreeMap<String, (Vec<String>, &RawField)> = BTreeMap::new();
        let mut order: Vec<String> = Vec::new();
        for (owner, f) in self.all_fields() {
            let key = format!("{owner}.{}", f.name);
            if is_parse_mode(f) {
                self.enum_of.insert(key.clone(), PARSE_MODE.into());
                continue;
            }
            let values = enumerated_values(&f.description);
            if !values.is_empty() {
                order.push(key.clone());
                found.insert(key, (values, f));
            }
        }
        let all: BTreeMap<String, &RawField> = self
            .all_fields()
            .map(|(owner, f)| (format!("{owner}.{}", f.name), f))
            .collect();

        let mut defs = Vec::new();
        let mut claimed = BTreeSet::new();
        let used_parse_mode = self.enum_of.values().any(|n| n == PARSE_MODE);
        for o in &self.overrides.enums {
            match self.enum_override(o, &found, &all, &mut claimed, used_parse_mode) {
                Ok(Some(def)) => defs.push(def),
                Ok(None) => self
                    .warnings
                    .push(format!("enum override {} matched nothing; skipped", o.name)),
                Err(e) => self.errors.push(e),
            }
        }
        if used_parse_mode && !defs.iter().any(|d| d.name == PARSE_MODE) {
            self.errors.push(format!(
                "parse_mode fields exist but overrides.json does not list the {PARSE_MODE} values"
            ));
        }
        for key in order {
            if claimed.contains(&key) {
                continue;
            }
            let (values, f) = &found[&key];
            if !is_string_or_strings(f) {
                self.errors.push(format!(
                    "{key} lists values but is typed {:?}; only strings are enumerations",
                    f.types
                ));
                continue;
            }
            let (owner, field) = key.split_once('.').unwrap();
            let name = format!(
                "{}{}",
                owner.to_upper_camel_case(),
                field.to_upper_camel_case()
            );
            self.enum_of.insert(key.clone(), name.clone());
            defs.push(EnumDef {
                name,
                values: values
                    .iter()
                    .map(|v| EnumValue {
                        value: v.clone(),
                        name: None,
                    })
                    .collect(),
                used_by: vec![key],
            });
        }
        for d in &mut defs {
            if d.name == PARSE_MODE {
                d.used_by = self
                    .enum_of
                    .iter()
                    .filter(|(_, n)| *n == PARSE_MODE)
                    .map(|(k, _)| k.clone())
                    .collect();
            }
            if self.types.contains_key(d.name.as_str()) {
                self.errors
                    .push(format!("enumeration {} has the name of a type", d.name));
            }
        }
        let mut names = BTreeSet::new();
        for d in &defs {
            if !names.insert(d.name.clone()) {
                self.errors
                    .push(format!("two enumerations are named {}", d.name));
            }
        }
        self.enums = defs;
    }

    fn enum_override(
        &mut self,
        o: &EnumOverride,
        found: &BTreeMap<String, (Vec<String>, &RawField)>,
        all: &BTreeMap<String, &RawField>,
        claimed: &mut BTreeSet<String>,
        used_parse_mode: bool,
    ) -> Result<Option<EnumDef>, String> {
        let present: Vec<&String> = o.fields.iter().filter(|k| all.contains_key(*k)).collect();
        let absent: Vec<&str> = o
            .fields
            .iter()
            .filter(|k| !all.contains_key(*k))
            .map(String::as_str)
            .collect();
        if !present.is_empty() && !absent.is_empty() {
            self.warnings.push(format!(
                "enum {}: {} not in this description; skipped",
                o.name,
                absent.join(", ")
            ));
        }
        if o.name == PARSE_MODE {
            if !o.fields.is_empty() || o.values.is_empty() {
                return Err(format!(
                    "enum override {PARSE_MODE} takes values only; its fields are found by name"
                ));
            }
            if !used_parse_mode {
                return Ok(None);
            }
        } else if present.is_empty() {
            return Ok(None);
        }
        let mut values: Vec<String> = o.values.clone();
        for k in &present {
            let f = all[k.as_str()];
            if !is_string_or_strings(f) {
                return Err(format!(
                    "enum {}: {k} is typed {:?}, not String",
                    o.name, f.types
                ));
            }
            if claimed.contains(k.as_str()) {
                return Err(format!("{k} is listed by two enum overrides"));
            }
            claimed.insert(k.to_string());
            self.enum_of.insert(k.to_string(), o.name.clone());
            if let Some((vals, _)) = found.get(k.as_str()) {
                values.extend(vals.iter().cloned());
            } else if o.values.is_empty() && o.values_from_optional_fields_of.is_none() {
                return Err(format!(
                    "enum {}: no values are quoted in the description of {k}; list them in the override",
                    o.name
                ));
            }
        }
        if let Some(of) = &o.values_from_optional_fields_of {
            let t = self
                .types
                .get(of.as_str())
                .ok_or_else(|| format!("enum {}: type {of} does not exist", o.name))?;
            values.extend(
                t.fields
                    .iter()
                    .filter(|f| !f.required)
                    .map(|f| f.name.clone()),
            );
        }
        let mut seen = BTreeSet::new();
        values.retain(|v| seen.insert(v.clone()));
        for named in o.names.keys() {
            if !values.contains(named) {
                return Err(format!(
                    "enum {}: names a value {named:?} it does not have",
                    o.name
                ));
            }
        }
        let mut used_by: Vec<String> = present.into_iter().cloned().collect();
        used_by.sort();
        Ok(Some(EnumDef {
            name: o.name.clone(),
            values: values
                .into_iter()
                .map(|v| EnumValue {
                    name: o.names.get(&v).cloned(),
                    value: v,
                })
                .collect(),
            used_by,
        }))
    }

    fn all_fields(&self) -> impl Iterator<Item = (&'a str, &'a RawField)> + use<'a> {
        let raw = self.raw;
        raw.types
            .iter()
            .flat_map(|t| t.fields.iter().map(move |f| (t.name.as_str(), f)))
            .chain(
                raw.methods
                    .iter()
                    .flat_map(|m| m.fields.iter().map(move |f| (m.name.as_str(), f))),
            )
    }

    fn field(&mut self, owner: &str, f: &RawField) -> Option<Field> {
        let key = format!("{owner}.{}", f.name);
        let mut required = f.required;
        let mut ty = None;
        if let Some((i, used)) = self.field_overrides.get_mut(&key) {
            *used = true;
            let o = &self.overrides.fields[*i];
            if let Some(r) = o.required {
                required = r;
            }
            ty = o.ty.clone();
        }
        let ty = match ty {
            Some(t) => t,
            None => match self.field_type(owner, f, &key) {
                Ok(t) => t,
                Err(e) => {
                    self.error(format!("{key}: {e}"));
                    return None;
                }
            },
        };
        let description = if required {
            f.description.clone()
        } else {
            strip_optional(&f.description).to_string()
        };
        Some(Field {
            name: f.name.clone(),
            ty,
            required,
            description,
            since: None,
            required_since: None,
        })
    }

    fn field_type(&self, owner: &str, f: &RawField, key: &str) -> Result<TypeExpr, String> {
        if let Some(v) = self.literals.get(&(owner.to_string(), f.name.clone())) {
            return Ok(TypeExpr::Literal { value: v.clone() });
        }
        if let Some(name) = self.enum_of.get(key) {
            let inner = if name == PARSE_MODE {
                TypeExpr::ParseMode
            } else {
                TypeExpr::Enum { name: name.clone() }
            };
            return Ok(if f.types == ["String"] {
                inner
            } else {
                TypeExpr::array(inner)
            });
        }
        let types: Vec<&str> = f.types.iter().map(String::as_str).collect();
        match types.as_slice() {
            [] => Err("no type is documented".into()),
            ["Integer", "String"] => {
                if f.name.ends_with("chat_id") {
                    Ok(TypeExpr::ChatId)
                } else {
                    Err("Integer or String on a field that is not a chat id; \
                         add a field override"
                        .into())
                }
            }
            ["InputFile", "String"] => Ok(TypeExpr::InputFileOrString),
            ["InputFile"] => Ok(TypeExpr::InputFile),
            ["String"] if plain_text(&f.description).contains("attach://") => {
                Ok(TypeExpr::Attachable)
            }
            [single] => self.type_name(single),
            many if many == REPLY_MARKUP_MEMBERS => Ok(TypeExpr::ReplyMarkup),
            many => self.alternatives(many),
        }
    }

    /// Several types offered for one value: tagged objects (one of them), or arrays of tagged
    /// objects (an array whose items are each one of them, such as a media group).
    fn alternatives(&self, many: &[&str]) -> Result<TypeExpr, String> {
        let arrays: Vec<&str> = many
            .iter()
            .filter_map(|t| t.strip_prefix("Array of "))
            .collect();
        let (names, is_array) = if arrays.len() == many.len() {
            (arrays, true)
        } else if arrays.is_empty() {
            (many.to_vec(), false)
        } else {
            return Err(format!("unknown combination of types {many:?}"));
        };
        let tagged: Vec<Option<(String, String)>> = names.iter().map(|n| self.tag_of(n)).collect();
        let same_field = tagged
            .iter()
            .map(|t| t.as_ref().map(|(f, _)| f))
            .collect::<BTreeSet<_>>();
        if tagged.iter().any(Option::is_none) || same_field.len() != 1 {
            return Err(format!(
                "unknown combination of types {many:?}: not all are objects told apart by one \
                 constant field; add a field override"
            ));
        }
        let members: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        if is_array {
            let media = self.types.get(INPUT_MEDIA).map(|t| &t.subtypes);
            if media.is_some_and(|m| members.iter().all(|n| m.contains(n))) {
                return Ok(TypeExpr::MediaGroup { members });
            }
            return Ok(TypeExpr::array(TypeExpr::OneOf { members }));
        }
        Ok(TypeExpr::OneOf { members })
    }

    /// A single documented type name: a scalar, an array, or a defined type.
    fn type_name(&self, t: &str) -> Result<TypeExpr, String> {
        Ok(match t {
            "Integer" => TypeExpr::Integer,
            "Float" => TypeExpr::Float,
            "Boolean" => TypeExpr::Boolean,
            "True" => TypeExpr::True,
            "String" => TypeExpr::String,
            _ => {
                if let Some(inner) = t.strip_prefix("Array of ") {
                    TypeExpr::array(self.type_name(inner)?)
                } else if self.types.contains_key(t) {
                    TypeExpr::reference(t)
                } else {
                    return Err(format!("unknown type {t:?}"));
                }
            }
        })
    }

    fn returns(&self, method: &str, returns: &[String]) -> Result<TypeExpr, String> {
        let r: Vec<&str> = returns.iter().map(String::as_str).collect();
        match r.as_slice() {
            ["Message", "Boolean"] | ["Boolean", "Message"] => Ok(TypeExpr::MessageOrTrue),
            // Methods document "Returns True on success": the result is the literal `true`.
            ["Boolean"] => Ok(TypeExpr::True),
            [single] => self
                .type_name(single)
                .map_err(|e| format!("{method} returns {e}")),
            _ => Err(format!(
                "{method}: unknown combination of return types {r:?}"
            )),
        }
    }
}

fn is_parse_mode(f: &RawField) -> bool {
    f.name.ends_with("parse_mode") && f.types == ["String"]
}

fn is_string_or_strings(f: &RawField) -> bool {
    f.types == ["String"] || f.types == ["Array of String"]
}

fn one_optional(description: &[String]) -> bool {
    description
        .iter()
        .any(|l| plain_text(l).contains("At most one of the optional"))
}

/// The values a description enumerates: two or more quoted strings in one sentence that either
/// introduces them (the first quote right after "can be", "one of", "either", "must be" or
/// "pass") or joins them with "or". Sentences that only give examples ("For example",
/// "other than") enumerate nothing. Markdown markup is read as the text it shows.
pub fn enumerated_values(description: &str) -> Vec<String> {
    let description = plain_text(description);
    let description = description.as_str();
    static QUOTED: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#""([^"]+)""#).unwrap());
    static INTRO: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\b(can be|one of|either|must be|pass)(\s+(either|one of))?\s*$").unwrap()
    });
    static OR_JOINED: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#""[^"]+"[^"]*\bor\s+"[^"]+""#).unwrap());
    static EXAMPLE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?i)\b(for example|other than)\b").unwrap());
    for sentence in sentences(description) {
        let Some(first) = sentence.find('"') else {
            continue;
        };
        if EXAMPLE.is_match(sentence) {
            continue;
        }
        let values: Vec<String> = QUOTED
            .captures_iter(sentence)
            .map(|c| c[1].to_string())
            .collect();
        if values.len() < 2 {
            continue;
        }
        if INTRO.is_match(&sentence[..first]) || OR_JOINED.is_match(sentence) {
            let mut seen = BTreeSet::new();
            return values
                .into_iter()
                .filter(|v| seen.insert(v.clone()))
                .collect();
        }
    }
    Vec::new()
}

/// Splits prose at sentence ends (". " before a capital letter), never inside quotes.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'.' if !quoted
                && bytes.get(i + 1) == Some(&b' ')
                && bytes.get(i + 2).is_some_and(|c| c.is_ascii_uppercase()) =>
            {
                out.push(&text[start..=i]);
                start = i + 2;
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out
}

/// The text a Markdown description shows, for the rules that read prose: link targets, code
/// span and emphasis markers and backslash escapes are dropped, and line breaks become spaces.
///
/// Plain text passes through unchanged unless it holds Markdown: a `*` is dropped only where it
/// pairs up as an emphasis marker (`*x*`, `**x**`), never between spaces (`6 * 3600`), and only
/// `[text](target)` reads as a link. Underscores are always text (the HTML importer writes
/// emphasis with `*` and escapes a literal `_` that could read as a marker).
pub fn plain_text(markdown: &str) -> String {
    enum Piece {
        Text(String),
        Delim {
            len: usize,
            open: bool,
            close: bool,
            marker: bool,
        },
    }
    let chars: Vec<char> = markdown.chars().collect();
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if chars.get(i + 1).is_some_and(char::is_ascii_punctuation) => {
                text.push(chars[i + 1]);
                i += 2;
            }
            '`' => {
                let run = run_length(&chars, i, '`');
                match find_run(&chars, i + run, '`', run) {
                    Some(end) => {
                        let code: String = chars[i + run..end].iter().collect();
                        let trimmed = code
                            .strip_prefix(' ')
                            .and_then(|c| c.strip_suffix(' '))
                            .filter(|c| !c.trim().is_empty());
                        text.push_str(trimmed.unwrap_or(&code));
                        i = end + run;
                    }
                    None => {
                        text.extend(&chars[i..i + run]);
                        i += run;
                    }
                }
            }
            '[' => match link_end(&chars, i) {
                Some((text_end, end)) => {
                    let inner: String = chars[i + 1..text_end].iter().collect();
                    text.push_str(&plain_text(&inner));
                    i = end + 1;
                }
                None => {
                    text.push('[');
                    i += 1;
                }
            },
            '*' => {
                let len = run_length(&chars, i, c);
                let (open, close) = flanking(
                    i.checked_sub(1).map(|b| chars[b]),
                    chars.get(i + len).copied(),
                );
                pieces.push(Piece::Text(std::mem::take(&mut text)));
                pieces.push(Piece::Delim {
                    len,
                    open,
                    close,
                    marker: false,
                });
                i += len;
            }
            c if c.is_whitespace() => {
                let len = chars[i..].iter().take_while(|c| c.is_whitespace()).count();
                if chars[i..i + len].contains(&'\n') {
                    text.push(' ');
                } else {
                    text.extend(&chars[i..i + len]);
                }
                i += len;
            }
            _ => {
                text.push(c);
                i += 1;
            }
        }
    }
    pieces.push(Piece::Text(text));
    // Pair each closer with the nearest openers, as CommonMark does: `***` closes `**` and `*`.
    let mut openers: Vec<(usize, usize)> = Vec::new();
    for k in 0..pieces.len() {
        let Piece::Delim {
            len, open, close, ..
        } = pieces[k]
        else {
            continue;
        };
        if close && !openers.is_empty() {
            let mut left = len;
            while left > 0
                && let Some((j, opened)) = openers.pop()
            {
                left = left.saturating_sub(opened);
                for m in [j, k] {
                    if let Piece::Delim { marker, .. } = &mut pieces[m] {
                        *marker = true;
                    }
                }
            }
        } else if open {
            openers.push((k, len));
        }
    }
    let mut out = String::with_capacity(markdown.len());
    for p in pieces {
        match p {
            Piece::Text(t) => out.push_str(&t),
            Piece::Delim { len, marker, .. } => {
                if !marker {
                    out.extend(std::iter::repeat_n('*', len));
                }
            }
        }
    }
    out
}

/// Whether a run of `*` between `before` and `after` can open and can close emphasis
/// (CommonMark's left- and right-flanking rules).
fn flanking(before: Option<char>, after: Option<char>) -> (bool, bool) {
    let space = |ch: Option<char>| ch.is_none_or(char::is_whitespace);
    let punct =
        |ch: Option<char>| ch.is_some_and(|ch| !ch.is_alphanumeric() && !ch.is_whitespace());
    let left = !space(after) && (!punct(after) || space(before) || punct(before));
    let right = !space(before) && (!punct(before) || space(after) || punct(after));
    (left, right)
}

fn run_length(chars: &[char], start: usize, c: char) -> usize {
    chars[start..].iter().take_while(|&&x| x == c).count()
}

/// The start of the next run of exactly `len` `c` characters from `from`.
fn find_run(chars: &[char], from: usize, c: char, len: usize) -> Option<usize> {
    let mut i = from;
    while i < chars.len() {
        if chars[i] == c {
            let run = run_length(chars, i, c);
            if run == len {
                return Some(i);
            }
            i += run;
        } else {
            i += 1;
        }
    }
    None
}

/// For `[text](target)` starting at `start`: the index of the `]` and of the closing `)`.
fn link_end(chars: &[char], start: usize) -> Option<(usize, usize)> {
    let mut depth = 0;
    let mut i = start;
    let text_end = loop {
        match chars.get(i)? {
            '\\' => i += 1,
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    break i;
                }
            }
            _ => {}
        }
        i += 1;
    };
    if chars.get(text_end + 1) != Some(&'(') {
        return None;
    }
    let mut depth = 0;
    let mut i = text_end + 1;
    loop {
        match chars.get(i)? {
            '\\' => i += 1,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some((text_end, i));
                }
            }
            c if c.is_whitespace() => return None,
            _ => {}
        }
        i += 1;
    }
}

fn strip_optional(description: &str) -> &str {
    description
        .strip_prefix("Optional. ")
        .or_else(|| description.strip_prefix("Optional."))
        .unwrap_or(description)
        .trim_start()
}

/// Joins documentation lines into Markdown: paragraphs apart, list items together.
pub fn markdown(lines: &[String]) -> String {
    let mut out = String::new();
    let mut prev_item = false;
    for line in lines {
        let item = line.starts_with("- ");
        if !out.is_empty() {
            out.push_str(if item && prev_item { "\n" } else { "\n\n" });
        }
        out.push_str(line.trim_end());
        prev_item = item;
    }
    out
}

/// `August 24, 2026` as `2026-08-24`.
pub fn iso_date(text: &str) -> Result<String, String> {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let bad = || format!("release date {text:?} is not like \"August 24, 2026\"");
    let (month, rest) = text.trim().split_once(' ').ok_or_else(bad)?;
    let (day, year) = rest.split_once(", ").ok_or_else(bad)?;
    let m = MONTHS.iter().position(|n| *n == month).ok_or_else(bad)? + 1;
    let d: u32 = day.parse().map_err(|_| bad())?;
    let y: u32 = year.parse().map_err(|_| bad())?;
    if !(1..=31).contains(&d) || !(2015..=9999).contains(&y) {
        return Err(bad());
    }
    Ok(format!("{y:04}-{m:02}-{d:02}"))
}

/// Marks each type with its direction (see [`directions`]).
fn assign_directions(spec: &mut Spec) {
    let dirs = directions(spec);
    for (t, d) in spec.types.iter_mut().zip(dirs) {
        t.direction = d;
    }
}

/// The direction of each type, in order: received (reachable from a method result), sent
/// (reachable from a parameter), both, or unused.
pub fn directions(spec: &Spec) -> Vec<Direction> {
    let index: HashMap<String, usize> = spec
        .types
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.clone(), i))
        .collect();
    let reach = |roots: Vec<&TypeExpr>| -> BTreeSet<usize> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<usize> = Vec::new();
        let push = |name: &str, seen: &mut BTreeSet<usize>, stack: &mut Vec<usize>| {
            if let Some(&i) = index.get(name)
                && seen.insert(i)
            {
                stack.push(i);
            }
        };
        for r in roots {
            r.for_each_type_name(&mut |n| push(n, &mut seen, &mut stack));
        }
        while let Some(i) = stack.pop() {
            let mut next = Vec::new();
            match &spec.types[i].kind {
                TypeKind::Object { fields, .. } => {
                    for f in fields {
                        f.ty.for_each_type_name(&mut |n| next.push(n.to_string()));
                    }
                }
                TypeKind::Union { members, .. } => {
                    for m in members {
                        m.ty.for_each_type_name(&mut |n| next.push(n.to_string()));
                    }
                }
                TypeKind::Empty | TypeKind::InputFile => {}
            }
            for n in next {
                push(&n, &mut seen, &mut stack);
            }
        }
        seen
    };
    let received = reach(spec.methods.iter().map(|m| &m.returns).collect());
    let sent = reach(
        spec.methods
            .iter()
            .flat_map(|m| m.params.iter().map(|p| &p.ty))
            .collect(),
    );
    (0..spec.types.len())
        .map(|i| match (received.contains(&i), sent.contains(&i)) {
            (true, true) => Direction::Both,
            (true, false) => Direction::Received,
            (false, true) => Direction::Sent,
            (false, false) => Direction::Unused,
        })
        .collect()
}

#[cfg(test)]
mod tests;
