//! The JSON of `terraform show -json plan.out`: version check, the resources of one side
//! (before or after the change) with their values, unknowns and sensitive marks, and the
//! configuration block each came from (FORMAT.md §1-§2 in the shared notes).

// One error per plan, on the way out: its size does not matter.
#![allow(clippy::result_large_err)]

use serde_json::Value;

use crate::diagnostic::Diagnostic;

/// Which state of the plan to import.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Side {
    /// The infrastructure as it is before the plan is applied (prior state, or `before`).
    Before,
    /// The infrastructure once the plan is applied (`after`, with `after_unknown`).
    After,
}

/// One managed resource instance of the chosen side.
#[derive(Clone, Debug)]
pub struct Resource {
    /// `module.app_west.aws_subnet.public[1]`.
    pub address: String,
    /// The module instance path, `module.app_west` (empty at the root).
    pub module: String,
    /// The module names without instance keys, `["app_west"]`, for the configuration lookup.
    pub module_names: Vec<String>,
    pub rtype: String,
    pub name: String,
    /// `count` or `for_each` key, if any.
    pub index: Option<Value>,
    /// Known values (sensitive ones included: never copy them to the output).
    pub values: Value,
    /// `true` at each leaf whose value is unknown until apply (`after_unknown`).
    pub unknown: Value,
    /// `true` at each leaf that is sensitive.
    pub sensitive: Value,
    /// The resource block in `configuration` (one per block, not per instance).
    pub config: Option<Value>,
    /// The action, for diagnostics (`create`, `update`, `no-op`, ...).
    pub action: String,
    /// Where the resource sits in the plan JSON (`resource_changes[3]`).
    pub json_path: String,
}

/// A parsed plan: the whole JSON and its version.
pub struct Plan {
    pub json: Value,
    pub format_version: String,
}

/// Reads plan bytes: strips a UTF-8 or UTF-16 byte order mark and the lines CI wrappers print
/// before the JSON (`[command]...`, `::debug::...`), checks the format version.
pub fn parse(bytes: &[u8]) -> Result<Plan, Diagnostic> {
    let text = decode(bytes)?;
    let cleaned: String = if text.trim_start().starts_with('{') {
        text
    } else {
        text.lines()
            .filter(|l| {
                let t = l.trim_start();
                !(t.starts_with("[command]") || t.starts_with("::"))
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    // serde_json keeps its recursion limit (128 levels): a deeply nested file is an error, not a
    // stack overflow.
    let json: Value = serde_json::from_str(&cleaned).map_err(|e| {
        Diagnostic::error(
            "plan-json",
            "",
            format!(
                "not a Terraform plan in JSON: {e} (make it with `terraform show -json plan.out > plan.json`)"
            ),
        )
    })?;
    let Some(obj) = json.as_object() else {
        return Err(Diagnostic::error(
            "plan-json",
            "",
            "not a Terraform plan: the JSON is not an object",
        ));
    };
    let version = match obj.get("format_version") {
        Some(Value::String(v)) => v.clone(),
        Some(_) => {
            return Err(Diagnostic::error(
                "plan-format-version",
                "format_version",
                "`format_version` is not a string",
            ));
        }
        None => {
            return Err(Diagnostic::error(
                "plan-format-version",
                "format_version",
                "no `format_version`: not the output of `terraform show -json` of a plan",
            ));
        }
    };
    let major = version.split('.').next().unwrap_or("");
    if major != "0" && major != "1" {
        return Err(Diagnostic::error(
            "plan-format-version",
            "format_version",
            format!(
                "plan format version {version:?} is not supported: drplan reads formats 0.x and 1.x (Terraform 0.12 and later); a new major version may change the meaning of fields"
            ),
        ));
    }
    if !obj.contains_key("resource_changes")
        && !obj.contains_key("planned_values")
        && !obj.contains_key("prior_state")
    {
        return Err(Diagnostic::error(
            "plan-json",
            "",
            "the JSON has no `resource_changes`, `planned_values` or `prior_state`: is it a state file or a plan?",
        ));
    }
    Ok(Plan {
        json,
        format_version: version,
    })
}

fn decode(bytes: &[u8]) -> Result<String, Diagnostic> {
    let utf16 = |le: bool, body: &[u8]| -> Result<String, Diagnostic> {
        let units: Vec<u16> = body
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16(&units).map_err(|_| {
            Diagnostic::error("plan-encoding", "", "the file is not valid UTF-16 text")
        })
    };
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => utf8(rest),
        [0xFF, 0xFE, rest @ ..] => utf16(true, rest),
        [0xFE, 0xFF, rest @ ..] => utf16(false, rest),
        _ => utf8(bytes),
    }
}

fn utf8(bytes: &[u8]) -> Result<String, Diagnostic> {
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        Diagnostic::error(
            "plan-encoding",
            "",
            format!(
                "the file is not UTF-8 (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

impl Plan {
    /// The managed resources of one side, in plan order.
    pub fn resources(&self, side: Side) -> Vec<Resource> {
        let mut out = Vec::new();
        let changes = self.json.get("resource_changes").and_then(Value::as_array);
        match (side, changes) {
            (_, Some(changes)) if !changes.is_empty() || self.json.get("prior_state").is_none() => {
                for (i, rc) in changes.iter().enumerate() {
                    if let Some(r) = self.change_entry(rc, side, i) {
                        out.push(r);
                    }
                }
            }
            (Side::After, _) => {
                if let Some(root) = self.json.pointer("/planned_values/root_module") {
                    self.walk_module(root, "planned_values.root_module", &mut out, 0);
                }
            }
            (Side::Before, _) => {
                if let Some(root) = self.json.pointer("/prior_state/values/root_module") {
                    self.walk_module(root, "prior_state.values.root_module", &mut out, 0);
                }
            }
        }
        out
    }

    fn change_entry(&self, rc: &Value, side: Side, i: usize) -> Option<Resource> {
        if rc.get("mode").and_then(Value::as_str) != Some("managed") {
            return None;
        }
        if rc.get("deposed").is_some_and(|d| !d.is_null()) {
            return None;
        }
        let change = rc.get("change")?;
        let actions: Vec<&str> = change
            .get("actions")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let (values, unknown, sensitive) = match side {
            Side::After => {
                if actions == ["delete"] {
                    return None;
                }
                (
                    change.get("after").cloned().unwrap_or(Value::Null),
                    change.get("after_unknown").cloned().unwrap_or(Value::Null),
                    change
                        .get("after_sensitive")
                        .cloned()
                        .unwrap_or(Value::Null),
                )
            }
            Side::Before => {
                let before = change.get("before").cloned().unwrap_or(Value::Null);
                if before.is_null() {
                    return None;
                }
                (
                    before,
                    Value::Null,
                    change
                        .get("before_sensitive")
                        .cloned()
                        .unwrap_or(Value::Null),
                )
            }
        };
        let address = rc.get("address").and_then(Value::as_str)?.to_string();
        let mut r = self.resource(&address, rc, values, unknown, sensitive)?;
        r.action = actions.join(",");
        r.json_path = format!("resource_changes[{i}]");
        Some(r)
    }

    fn walk_module(&self, module: &Value, path: &str, out: &mut Vec<Resource>, depth: usize) {
        if depth > 64 {
            return;
        }
        if let Some(resources) = module.get("resources").and_then(Value::as_array) {
            for (i, r) in resources.iter().enumerate() {
                if r.get("mode").and_then(Value::as_str) != Some("managed") {
                    continue;
                }
                let Some(address) = r.get("address").and_then(Value::as_str) else {
                    continue;
                };
                let values = r.get("values").cloned().unwrap_or(Value::Null);
                let sensitive = r.get("sensitive_values").cloned().unwrap_or(Value::Null);
                // Terraform 0.12 wrote prior-state addresses without the module prefix.
                let mut address = address.to_string();
                if let Some(m) = module.get("address").and_then(Value::as_str)
                    && !address.starts_with("module.")
                {
                    address = format!("{m}.{address}");
                }
                if let Some(mut res) = self.resource(&address, r, values, Value::Null, sensitive) {
                    res.action = "planned".into();
                    res.json_path = format!("{path}.resources[{i}]");
                    out.push(res);
                }
            }
        }
        if let Some(children) = module.get("child_modules").and_then(Value::as_array) {
            for (i, c) in children.iter().enumerate() {
                self.walk_module(c, &format!("{path}.child_modules[{i}]"), out, depth + 1);
            }
        }
    }

    fn resource(
        &self,
        address: &str,
        entry: &Value,
        values: Value,
        unknown: Value,
        sensitive: Value,
    ) -> Option<Resource> {
        let parsed = parse_address(address)?;
        let rtype = entry
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or(&parsed.rtype)
            .to_string();
        let name = entry
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or(&parsed.name)
            .to_string();
        let config = self.config_of(&parsed.module_names, &rtype, &name);
        Some(Resource {
            address: address.to_string(),
            module: parsed.module,
            module_names: parsed.module_names,
            rtype,
            name,
            index: entry.get("index").cloned().filter(|v| !v.is_null()),
            values: if values.is_object() {
                values
            } else {
                Value::Object(Default::default())
            },
            unknown,
            sensitive,
            config,
            action: String::new(),
            json_path: String::new(),
        })
    }

    /// The configuration module block at a module path (names without instance keys).
    pub fn config_module(&self, names: &[String]) -> Option<&Value> {
        let mut m = self.json.pointer("/configuration/root_module")?;
        for n in names {
            m = m.get("module_calls")?.get(n)?.get("module")?;
        }
        Some(m)
    }

    fn config_of(&self, names: &[String], rtype: &str, name: &str) -> Option<Value> {
        let m = self.config_module(names)?;
        let want = format!("{rtype}.{name}");
        m.get("resources")?
            .as_array()?
            .iter()
            .find(|r| r.get("address").and_then(Value::as_str) == Some(want.as_str()))
            .cloned()
    }

    /// A root-module input variable's value (`variables.<name>.value`).
    pub fn variable(&self, name: &str) -> Option<&Value> {
        self.json.get("variables")?.get(name)?.get("value")
    }
}

/// The parts of a resource address.
#[derive(Debug, PartialEq)]
pub struct Address {
    pub module: String,
    pub module_names: Vec<String>,
    pub rtype: String,
    pub name: String,
    pub index: Option<String>,
}

/// Splits an address into dot-separated steps, keeping `[...]` (with quoted keys) whole.
pub fn steps(address: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0usize;
    let mut quoted = false;
    let mut escaped = false;
    for c in address.chars() {
        if quoted {
            cur.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                quoted = false;
            }
            continue;
        }
        match c {
            '"' => {
                quoted = true;
                cur.push(c);
            }
            '[' => {
                depth += 1;
                cur.push(c);
            }
            ']' => {
                depth = depth.saturating_sub(1);
                cur.push(c);
            }
            '.' if depth == 0 => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// `name[key]` -> (`name`, `[key]`).
pub fn split_index(step: &str) -> (&str, Option<&str>) {
    match step.find('[') {
        Some(i) => (&step[..i], Some(&step[i..])),
        None => (step, None),
    }
}

/// Parses `module.a[0].module.b.aws_x.y["k"]`; `None` for data sources and malformed ones.
pub fn parse_address(address: &str) -> Option<Address> {
    let steps = steps(address);
    let mut i = 0;
    let mut module = Vec::new();
    let mut names = Vec::new();
    while i + 1 < steps.len() && steps[i] == "module" {
        module.push(format!("module.{}", steps[i + 1]));
        names.push(split_index(&steps[i + 1]).0.to_string());
        i += 2;
    }
    if steps.len() != i + 2 || steps[i] == "data" {
        return None;
    }
    let (name, index) = split_index(&steps[i + 1]);
    Some(Address {
        module: module.join("."),
        module_names: names,
        rtype: steps[i].clone(),
        name: name.to_string(),
        index: index.map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_split_modules_and_quoted_keys() {
        let a = parse_address(r#"module.a[0].module.b.aws_x.y["k.z"]"#).unwrap();
        assert_eq!(a.module, "module.a[0].module.b");
        assert_eq!(a.module_names, vec!["a", "b"]);
        assert_eq!(a.rtype, "aws_x");
        assert_eq!(a.name, "y");
        assert_eq!(a.index.as_deref(), Some(r#"["k.z"]"#));
        assert!(parse_address("data.aws_region.current").is_none());
    }

    #[test]
    fn versions_beyond_one_are_refused() {
        let e = parse(br#"{"format_version":"2.0","resource_changes":[]}"#)
            .err()
            .unwrap();
        assert_eq!(e.code, "plan-format-version");
        assert!(parse(br#"{"format_version":"1.2","resource_changes":[]}"#).is_ok());
        assert!(parse(b"[command]terraform show -json\n{\"format_version\":\"0.1\",\"planned_values\":{}}").is_ok());
    }
}
