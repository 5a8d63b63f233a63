//! `drplan schema`: the published schema is current, every example validates against it with an
//! independent validator (the `jsonschema` crate, draft 2020-12), and mistakes are flagged.

use std::path::Path;

use serde_json::Value;

use crate::common::{drplan, root};
use crate::examples::topologies;

const SCHEMA_LINE: &str = "# yaml-language-server: $schema=../docs/drplan.schema.json";

fn schema() -> Value {
    let out = drplan().arg("schema").output().unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).expect("drplan schema prints JSON")
}

pub fn validator() -> jsonschema::Validator {
    let schema = schema();
    assert_eq!(
        schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
        "draft 2020-12"
    );
    jsonschema::draft202012::new(&schema).expect("the schema is a valid draft 2020-12 schema")
}

pub fn yaml_to_json(text: &str) -> Value {
    serde_yaml::from_str(text).expect("the YAML parses")
}

/// Every error of an instance, as `path: message` lines.
pub fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn validate_file(validator: &jsonschema::Validator, path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    let errs = errors(validator, &yaml_to_json(&text));
    assert!(
        errs.is_empty(),
        "{} does not validate against the schema:\n{}",
        path.display(),
        errs.join("\n")
    );
}

#[test]
fn the_published_schema_is_what_the_tool_prints() {
    let published = std::fs::read_to_string(root().join("docs/drplan.schema.json"))
        .expect("docs/drplan.schema.json exists");
    let published: Value = serde_json::from_str(&published).unwrap();
    assert_eq!(
        published,
        schema(),
        "docs/drplan.schema.json is stale: run scripts/regenerate-docs.sh"
    );
}

#[test]
fn the_schema_has_descriptions_defaults_and_enums() {
    let s = schema();
    let defs = &s["$defs"];
    assert_eq!(s["additionalProperties"], false);
    assert_eq!(defs["Region"]["properties"]["mttr"]["default"], "8h");
    assert_eq!(defs["Az"]["properties"]["availability"]["default"], 0.9999);
    assert_eq!(
        s["properties"]["routing"]["properties"]["ttl"]["default"],
        "60s"
    );
    assert!(
        defs["Region"]["properties"]["location"]["description"]
            .as_str()
            .is_some_and(|d| d.contains("lat"))
    );
    let kinds: Vec<&str> = defs["RoutingKind"]["oneOf"]
        .as_array()
        .expect("the routing kinds are an enum with one description per value")
        .iter()
        .map(|v| v["const"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["geodns", "failover-dns", "anycast", "global-lb"]);
    // Every property of every definition says what it is.
    for (name, def) in defs.as_object().unwrap() {
        if let Some(props) = def["properties"].as_object() {
            for (key, prop) in props {
                assert!(
                    prop["description"].is_string(),
                    "{name}.{key} has no description"
                );
            }
        }
    }
}

#[test]
fn every_example_topology_validates_against_the_schema() {
    let validator = validator();
    let files = topologies();
    assert!(files.len() >= 7);
    for path in &files {
        validate_file(&validator, path);
    }
    let shared = root().join("../shared/spec/example.yaml");
    if shared.exists() {
        validate_file(&validator, &shared);
    }
}

#[test]
fn every_example_topology_names_the_schema_on_its_first_line() {
    for path in topologies() {
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text.lines().next(),
            Some(SCHEMA_LINE),
            "{} should start with the yaml-language-server line",
            path.display()
        );
    }
}

#[test]
fn a_misspelled_key_fails_the_schema_as_it_fails_the_loader() {
    let validator = validator();
    let text = std::fs::read_to_string(root().join("topologies/active-passive.yaml")).unwrap();
    for (right, wrong) in [
        ("    mttr: 6h\n", "    mtr: 6h\n"),
        ("demand:\n", "demnd:\n"),
        (
            "    replication: active-passive ",
            "    replicaton: active-passive ",
        ),
        ("  kind: failover-dns", "  kind: failover_dns"),
        ("  ttl: 60s", "  ttl: 60 s"),
        (
            "    availability: \"99.99%\"",
            "    availability: \"99.99 percent\"",
        ),
    ] {
        assert!(text.contains(right), "{right:?} is in the example");
        let broken = text.replacen(right, wrong, 1);
        let errs = errors(&validator, &yaml_to_json(&broken));
        assert!(
            !errs.is_empty(),
            "the schema accepts {wrong:?} in place of {right:?}"
        );
        // The loader refuses it too: the schema flags nothing the tool would accept.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("broken.yaml");
        std::fs::write(&path, &broken).unwrap();
        drplan().arg("validate").arg(&path).assert().code(2);
    }
}

#[test]
fn duration_and_availability_forms_match_the_loader() {
    let s = schema();
    let duration = jsonschema::draft202012::new(&s["$defs"]["Region"]["properties"]["mttr"])
        .expect("the duration schema compiles");
    for ok in [
        "250ms", "30s", "5m", "1.5h", "1h30m", "1h 30m", "1d", "42", " 30s ",
    ] {
        assert!(duration.is_valid(&Value::from(ok)), "{ok} is a duration");
    }
    assert!(duration.is_valid(&Value::from(30)));
    for bad in ["", "-5s", "5 parsecs", "h", "ms", "1.2.3s", "30 s"] {
        assert!(!duration.is_valid(&Value::from(bad)), "{bad} is not");
    }
    assert!(!duration.is_valid(&Value::from(-1)));
    let availability =
        jsonschema::draft202012::new(&s["$defs"]["Region"]["properties"]["availability"])
            .expect("the availability schema compiles");
    for ok in [Value::from("99.95%"), Value::from(0.9995), Value::from(1)] {
        assert!(availability.is_valid(&ok), "{ok} is an availability");
    }
    for bad in [Value::from("ninety"), Value::from(0), Value::from(1.5)] {
        assert!(!availability.is_valid(&bad), "{bad} is not");
    }
}

#[test]
fn schema_writes_to_a_file_with_output() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.json");
    drplan()
        .args(["schema", "--output"])
        .arg(&path)
        .assert()
        .success();
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(written, schema());
}
