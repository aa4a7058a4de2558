//! `api-spec/overrides.json`: the facts the import rules cannot derive, each with its reason.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::spec::{Discriminator, TypeExpr};

/// The hand-written corrections and additions applied by the importer.
///
/// An entry that names a type, field or method absent from the imported description is skipped
/// with a warning, so that the same file serves older Bot API versions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Overrides {
    /// Free text for readers of the file.
    #[serde(rename = "$comment", default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Names, members and values of string enumerations.
    #[serde(default)]
    pub enums: Vec<EnumOverride>,
    /// How unions without a discriminator field are told apart.
    #[serde(default)]
    pub unions: Vec<UnionOverride>,
    /// Field or parameter types and required flags the documentation gets wrong or leaves vague.
    #[serde(default)]
    pub fields: Vec<FieldOverride>,
    /// Where the documentation's chapters begin, for sources that do not say which chapter an
    /// item is in (the community JSON), in documentation order.
    #[serde(default)]
    pub sections: Vec<SectionOverride>,
}

/// A chapter of the documentation: the first type and the first method in it. Types and methods
/// are listed in documentation order, so every item from the first one of a chapter up to the
/// first one of the next chapter is in the chapter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SectionOverride {
    /// Anchor of the chapter (`available-types`).
    pub section: String,
    /// Its first type, if it has types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_type: Option<String>,
    /// Its first method, if it has methods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_method: Option<String>,
    /// Why the entry exists.
    pub reason: String,
}

/// Names a string enumeration, lists the fields that take it, and supplies values that the
/// descriptions do not quote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnumOverride {
    /// Name of the enumeration.
    pub name: String,
    /// Fields and parameters (`Type.field`, `method.param`) that take it. Their quoted values,
    /// where the rule finds any, are merged in documentation order.
    #[serde(default)]
    pub fields: Vec<String>,
    /// Values to add, in order, for descriptions that do not quote them.
    #[serde(default)]
    pub values: Vec<String>,
    /// Take the values from the names of this type's optional fields (`allowed_updates`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values_from_optional_fields_of: Option<String>,
    /// Names for values that do not make a name of their own (`"a"` and `"A"`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub names: BTreeMap<String, String>,
    /// Why the entry exists.
    pub reason: String,
}

/// States how the members of a union are told apart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnionOverride {
    /// Name of the union.
    #[serde(rename = "type")]
    pub ty: String,
    /// How its values are told apart.
    pub discriminator: Discriminator,
    /// Why the entry exists.
    pub reason: String,
}

/// Corrects a field or parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldOverride {
    /// `Type.field` or `method.param`.
    pub field: String,
    /// The type to use instead of the documented one.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub ty: Option<TypeExpr>,
    /// The required flag to use instead of the documented one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// Why the entry exists.
    pub reason: String,
}

impl Overrides {
    /// Parses the overrides file and checks that every entry states its reason.
    pub fn parse(text: &str) -> Result<Overrides, String> {
        let o: Overrides =
            serde_json::from_str(text).map_err(|e| format!("invalid overrides file: {e}"))?;
        let reasons = o
            .enums
            .iter()
            .map(|e| (&e.name, &e.reason))
            .chain(o.unions.iter().map(|u| (&u.ty, &u.reason)))
            .chain(o.fields.iter().map(|f| (&f.field, &f.reason)));
        for (what, reason) in reasons {
            if reason.trim().is_empty() {
                return Err(format!("override for {what} has no reason"));
            }
        }
        Ok(o)
    }
}
