//! The JSON Schema (draft 2020-12) of the topology format, for editors.
//!
//! It is generated with schemars from the raw serde structs that the loader decodes
//! (`load::raw`), so a key the loader accepts is a key the schema offers and a misspelled key is
//! flagged the same way (`additionalProperties: false` mirrors `deny_unknown_fields`). Only the
//! shapes of quantities are written by hand here: durations and availabilities are a number or a
//! string, as [`Quantity`] reads them.
//!
//! The schema checks shapes, names, enums and value formats; the rules that need the whole file
//! (references, shares summing to 1, cycles) stay with `drplan validate`.

use schemars::{JsonSchema, Schema, SchemaGenerator, generate::SchemaSettings, json_schema};

use crate::load::raw::{Quantity, RawTopology};

/// A duration string: a bare number of seconds or number-unit pairs (`250ms`, `30s`, `1h30m`),
/// exactly what `model::units::parse_duration` accepts (but for exponent notation).
pub const DURATION_PATTERN: &str = r"^\s*(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:(?:ms|s|m|h|d)\s*(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ms|s|m|h|d)\s*)*)?$";

/// An availability string: a fraction or a percent (`"99.95%"`).
pub const AVAILABILITY_PATTERN: &str = r"^\s*(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*%?\s*$";

/// The topology schema as a JSON value, ready to print.
pub fn topology() -> serde_json::Value {
    let generator = SchemaSettings::draft2020_12().into_generator();
    let mut schema = generator.into_root_schema_for::<RawTopology>().to_value();
    add_aliases(&mut schema);
    schema
}

/// schemars leaves serde aliases out: `objectives.effective_availability` is the clearer name of
/// `objectives.availability`, offered with the same shape, and the two are not both allowed.
fn add_aliases(schema: &mut serde_json::Value) {
    let Some(objectives) = schema.pointer_mut("/$defs/Objectives") else {
        return;
    };
    let Some(availability) = objectives.pointer("/properties/availability").cloned() else {
        return;
    };
    let mut alias = availability;
    alias["description"] = serde_json::Value::String(
        "The same objective as `availability`, named after the figure it is compared with \
         (effective availability); give one of the two."
            .into(),
    );
    objectives["properties"]["effective_availability"] = alias;
    objectives["not"] = serde_json::json!({"required": ["availability", "effective_availability"]});
}

/// A number of seconds or a duration string, never negative.
pub fn duration(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": ["number", "string"],
        "minimum": 0,
        "pattern": DURATION_PATTERN,
        "examples": ["250ms", "30s", "5m", "1h30m", "1d"]
    })
}

/// A fraction in (0, 1] or a percent string.
pub fn availability(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": ["number", "string"],
        "exclusiveMinimum": 0,
        "maximum": 1,
        "pattern": AVAILABILITY_PATTERN,
        "examples": [0.9999, "99.95%"]
    })
}

/// `version: 1`, the only format version so far.
pub fn version(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "const": 1 })
}

impl JsonSchema for Quantity {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Quantity".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A number, or a string with a unit (`30s`, `\"99.9%\"`).",
            "type": ["number", "string"]
        })
    }
}
