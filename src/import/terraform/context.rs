//! What the mapping asks of a plan: a value that may be unknown or sensitive, the resources an
//! attribute references (through `configuration`, FORMAT.md §4), and each resource's region
//! (FORMAT.md §3), with the warnings that go with guessing.

use std::collections::HashMap;

use serde_json::Value;

use super::plan::{Plan, Resource, split_index, steps};
use super::regions;
use crate::diagnostic::Diagnostic;

/// A resource attribute as the plan gives it.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    /// A value known at plan time (from `values`, or a constant in `configuration`).
    Known(Value),
    /// Computed at apply (`after_unknown`), or sensitive: never read as false, never copied.
    Unknown,
    /// Neither in the values nor in the configuration: the provider's default applies.
    Unset,
}

impl Val {
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Val::Known(Value::Bool(b)) => Some(*b),
            Val::Known(Value::String(s)) => s.parse().ok(),
            _ => None,
        }
    }
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Val::Known(Value::Number(n)) => n.as_f64(),
            Val::Known(Value::String(s)) => s.parse().ok(),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Val::Known(Value::String(s)) if !s.is_empty() => Some(s),
            _ => None,
        }
    }
}

/// (module names, type, name, attribute path, instance key when the expression picks by it) ->
/// the referenced resources.
type RefsCache = HashMap<(String, String, String, String, String), Vec<usize>>;

/// How a resource's region was found.
#[derive(Clone, Debug, PartialEq)]
pub struct Region {
    pub name: String,
    /// Where it came from, for the YAML comment (`provider aws.west`, `availability_zone`).
    pub how: String,
}

/// The plan, its resources of one side, and the warnings collected while reading them.
pub struct Ctx<'a> {
    pub plan: &'a Plan,
    pub res: Vec<Resource>,
    pub warnings: Vec<Diagnostic>,
    pub default_region: Option<String>,
    /// Importing the before side: the configuration describes the after side, so its constants
    /// never stand in for a before value (its references still give the links).
    pub before: bool,
    regions: Vec<Option<Option<Region>>>,
    by_address: HashMap<String, usize>,
    warned: std::collections::HashSet<(&'static str, String, String)>,
    subnet_azs: std::cell::RefCell<HashMap<usize, Option<usize>>>,
    az_names: std::cell::RefCell<Vec<String>>,
    refs_cache: std::cell::RefCell<RefsCache>,
    /// (module names, type, name) -> the instances of that resource block.
    by_block: HashMap<(String, String, String), Vec<usize>>,
    /// Module instance -> the one region its resources state themselves, if they agree.
    module_regions: HashMap<String, Option<String>>,
}

fn at<'v>(mut v: &'v Value, path: &[&str]) -> Option<&'v Value> {
    for p in path {
        v = match p.parse::<usize>() {
            Ok(i) => v.get(i)?,
            Err(_) => v.get(*p)?,
        };
    }
    Some(v)
}

/// `true` at `path` or at any enclosing node of an unknown/sensitive tree.
fn marked(v: &Value, path: &[&str]) -> bool {
    let mut cur = v;
    if cur == &Value::Bool(true) {
        return true;
    }
    for p in path {
        let next = match p.parse::<usize>() {
            Ok(i) => cur.get(i),
            Err(_) => cur.get(*p),
        };
        match next {
            Some(Value::Bool(true)) => return true,
            Some(n) => cur = n,
            None => return false,
        }
    }
    false
}

fn unset(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => {
            a.is_empty() || (a.len() == 1 && a[0] == Value::Object(Default::default()))
        }
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

impl<'a> Ctx<'a> {
    pub fn new(plan: &'a Plan, res: Vec<Resource>, default_region: Option<String>) -> Self {
        let by_address = res
            .iter()
            .enumerate()
            .map(|(i, r)| (r.address.clone(), i))
            .collect();
        let n = res.len();
        let mut by_block: HashMap<(String, String, String), Vec<usize>> = HashMap::new();
        for (i, r) in res.iter().enumerate() {
            by_block
                .entry((r.module_names.join("."), r.rtype.clone(), r.name.clone()))
                .or_default()
                .push(i);
        }
        Ctx {
            plan,
            res,
            warnings: Vec::new(),
            default_region,
            before: false,
            regions: vec![None; n],
            by_address,
            warned: Default::default(),
            module_regions: HashMap::new(),
            by_block,
            subnet_azs: Default::default(),
            az_names: Default::default(),
            refs_cache: Default::default(),
        }
    }

    pub fn of_type(&self, t: &str) -> Vec<usize> {
        (0..self.res.len())
            .filter(|&i| self.res[i].rtype == t)
            .collect()
    }

    pub fn index_of(&self, address: &str) -> Option<usize> {
        self.by_address.get(address).copied()
    }

    pub fn warn(&mut self, i: usize, code: &'static str, message: impl Into<String>) {
        let r = &self.res[i];
        let message = message.into();
        if !self
            .warned
            .insert((code, r.address.clone(), message.clone()))
        {
            return;
        }
        let d = Diagnostic::warning(
            code,
            r.address.clone(),
            format!("{}: {}", r.address, message),
        )
        .note(format!("in the plan at {}", r.json_path));
        self.warnings.push(d);
    }

    /// The configuration expression of an attribute (`["rule", "0", "schedule"]`).
    pub fn expr(&self, i: usize, path: &[&str]) -> Option<&Value> {
        let e = self.res[i].config.as_ref()?.get("expressions")?;
        at(e, path)
    }

    /// An attribute: known value, unknown (or sensitive), or unset. An unknown value is looked
    /// up in the configuration (a constant, or a root variable) before it is called unknown.
    pub fn val(&self, i: usize, path: &[&str]) -> Val {
        let r = &self.res[i];
        if marked(&r.sensitive, path) {
            return Val::Unknown;
        }
        let unknown = marked(&r.unknown, path);
        if !unknown
            && let Some(v) = at(&r.values, path)
            && !unset(v)
        {
            return Val::Known(v.clone());
        }
        if self.before {
            return if unknown { Val::Unknown } else { Val::Unset };
        }
        match self.expr(i, path) {
            Some(e) => match self.const_of(e) {
                Some(v) => Val::Known(v),
                None => Val::Unknown,
            },
            None if unknown => Val::Unknown,
            None => Val::Unset,
        }
    }

    fn const_of(&self, e: &Value) -> Option<Value> {
        if let Some(c) = e.get("constant_value") {
            return (!c.is_null()).then(|| c.clone());
        }
        let refs = e.get("references")?.as_array()?;
        let vars: Vec<&str> = refs
            .iter()
            .filter_map(Value::as_str)
            .filter_map(|s| s.strip_prefix("var."))
            .collect();
        // Only a plain `var.x` in a root resource resolves (module variables are not in the plan).
        if refs.len() == 1 && vars.len() == 1 && !vars[0].contains(['.', '[']) {
            return self
                .plan
                .variable(vars[0])
                .filter(|v| !v.is_null())
                .cloned();
        }
        None
    }

    /// The resources an attribute's expression references, following module outputs.
    pub fn refs(&self, i: usize, path: &[&str]) -> Vec<usize> {
        let Some(e) = self.expr(i, path) else {
            return Vec::new();
        };
        let r = &self.res[i];
        // Every instance of a block shares its expression: unless it picks by `count.index` or
        // `each.key`, the answer is the same for all of them (cached, so that a plan with
        // thousands of instances stays linear).
        let by_index = e
            .get("references")
            .and_then(Value::as_array)
            .is_some_and(|l| {
                l.iter()
                    .filter_map(Value::as_str)
                    .any(|s| s == "count.index" || s.starts_with("each."))
            });
        let key = (
            r.module_names.join("."),
            r.rtype.clone(),
            r.name.clone(),
            path.join("."),
            if by_index {
                r.index.as_ref().map_or(String::new(), Value::to_string)
            } else {
                String::new()
            },
        );
        if let Some(cached) = self.refs_cache.borrow().get(&key) {
            return cached.clone();
        }
        let mut out = Vec::new();
        self.refs_of(e, &r.module_names, r.index.as_ref(), &mut out, 0);
        out.sort_unstable();
        out.dedup();
        self.refs_cache.borrow_mut().insert(key, out.clone());
        out
    }

    fn refs_of(
        &self,
        e: &Value,
        names: &[String],
        index: Option<&Value>,
        out: &mut Vec<usize>,
        depth: usize,
    ) {
        if depth > 16 {
            return;
        }
        let Some(list) = e.get("references").and_then(Value::as_array) else {
            return;
        };
        let list: Vec<&str> = list.iter().filter_map(Value::as_str).collect();
        let same_index = list
            .iter()
            .any(|s| *s == "count.index" || s.starts_with("each."));
        for s in list {
            let st = steps(s);
            match st[0].as_str() {
                "var" | "local" | "count" | "each" | "path" | "terraform" | "data" | "self" => {}
                "module" if st.len() >= 3 => {
                    let m = split_index(&st[1]).0.to_string();
                    let mut inner = names.to_vec();
                    inner.push(m.clone());
                    if let Some(out_expr) = self
                        .plan
                        .config_module(names)
                        .and_then(|c| c.get("module_calls")?.get(&m)?.get("module"))
                        .and_then(|c| c.get("outputs")?.get(st[2].as_str())?.get("expression"))
                    {
                        self.refs_of(out_expr, &inner, None, out, depth + 1);
                    }
                }
                _ if st.len() >= 2 => {
                    let (name, idx) = split_index(&st[1]);
                    let key = (names.join("."), st[0].clone(), name.to_string());
                    let cands: Vec<usize> = self.by_block.get(&key).cloned().unwrap_or_default();
                    let picked: Vec<usize> = match (idx, index) {
                        (Some(idx), _) => cands
                            .into_iter()
                            .filter(|&j| self.res[j].address.ends_with(idx))
                            .collect(),
                        (None, Some(index)) if same_index => {
                            let same: Vec<usize> = cands
                                .iter()
                                .copied()
                                .filter(|&j| self.res[j].index.as_ref() == Some(index))
                                .collect();
                            if same.is_empty() { cands } else { same }
                        }
                        _ => cands,
                    };
                    out.extend(picked);
                }
                _ => {}
            }
        }
    }

    /// The region of a resource, computed once; `None` (with a warning naming the address)
    /// when neither the resource nor its provider says.
    pub fn region(&mut self, i: usize) -> Option<Region> {
        if let Some(r) = &self.regions[i] {
            return r.clone();
        }
        let found = self.find_region(i);
        self.regions[i] = Some(found.clone());
        found
    }

    fn find_region(&mut self, i: usize) -> Option<Region> {
        if let Some(r) = self.direct_region(i) {
            return Some(r);
        }
        let provider = self.provider_region(i);
        if let Some((name, how, false)) = &provider {
            return Some(Region {
                name: name.clone(),
                how: how.clone(),
            });
        }
        // Terraform before 1.1 wrote keys such as `app_west:aws` for providers passed into a
        // module: the other resources of the same module instance may know their region.
        let module = self.res[i].module.clone();
        if !module.is_empty() {
            // One pass per module instance (cached): its resources' own regions, if they agree.
            if !self.module_regions.contains_key(&module) {
                let mut votes: Vec<String> = Vec::new();
                for j in 0..self.res.len() {
                    if self.res[j].module == module
                        && let Some(r) = self.direct_region(j)
                        && !votes.contains(&r.name)
                    {
                        votes.push(r.name);
                    }
                }
                let agreed = (votes.len() == 1).then(|| votes.remove(0));
                self.module_regions.insert(module.clone(), agreed);
            }
            if let Some(Some(name)) = self.module_regions.get(&module) {
                return Some(Region {
                    how: format!("the other resources of {module}"),
                    name: name.clone(),
                });
            }
        }
        if let Some((name, how, true)) = provider {
            self.warn(
                i,
                "import-region-inferred",
                format!(
                    "the region {name} is inferred ({how}): this plan's provider_config_key names no provider block (a Terraform before 1.1 bug); check it"
                ),
            );
            return Some(Region { name, how });
        }
        if let Some(d) = self.default_region.clone() {
            return Some(Region {
                name: d,
                how: "--default-region".into(),
            });
        }
        let key = self.res[i]
            .config
            .as_ref()
            .and_then(|c| c.get("provider_config_key"))
            .and_then(Value::as_str)
            .unwrap_or("aws")
            .to_string();
        self.warn(
            i,
            "import-region-unknown",
            format!(
                "no region found for this resource: its provider `{key}` sets none in the plan (AWS_REGION or a profile is not recorded); set `region` in the provider block or pass --default-region REGION"
            ),
        );
        None
    }

    /// The region the resource itself states: `region`, its ARN, its zone.
    fn direct_region(&self, i: usize) -> Option<Region> {
        let r = &self.res[i];
        let s = |p: &[&str]| match self.val(i, p) {
            Val::Known(Value::String(s)) if !s.is_empty() && s != "mock" => Some(s),
            _ => None,
        };
        let google = r.rtype.starts_with("google_");
        let azure = r.rtype.starts_with("azurerm_");
        if azure {
            return s(&["location"]).map(|l| Region {
                name: l.to_ascii_lowercase().replace(' ', ""),
                how: "location".into(),
            });
        }
        if let Some(region) = s(&["region"]) {
            return Some(Region {
                name: region,
                how: "region".into(),
            });
        }
        if google {
            for p in [
                &["zone"][..],
                &["settings", "0", "location_preference", "0", "zone"],
            ] {
                if let Some(z) = s(p).and_then(|z| regions::google_zone_region(&z)) {
                    return Some(Region {
                        name: z,
                        how: "zone".into(),
                    });
                }
            }
            return None;
        }
        if let Some(arn) = s(&["arn"]) {
            let parts: Vec<&str> = arn.split(':').collect();
            if parts.len() > 3 && regions::is_aws_region(parts[3]) {
                return Some(Region {
                    name: parts[3].to_string(),
                    how: "arn".into(),
                });
            }
        }
        if let Some(az) = s(&["availability_zone"]).and_then(|a| regions::aws_az_region(&a)) {
            return Some(Region {
                name: az,
                how: "availability_zone".into(),
            });
        }
        let azs = self.azs(i);
        let from: Vec<String> = azs
            .iter()
            .filter_map(|a| regions::aws_az_region(a))
            .collect();
        if let Some(first) = from.first()
            && from.iter().all(|x| x == first)
        {
            return Some(Region {
                name: first.clone(),
                how: "its subnets' AZs".into(),
            });
        }
        None
    }

    /// `(region, how, inferred)` from the resource's provider configuration.
    fn provider_region(&self, i: usize) -> Option<(String, String, bool)> {
        let r = &self.res[i];
        let map = self.plan.json.pointer("/configuration/provider_config");
        let short = r.rtype.split('_').next().unwrap_or("aws").to_string();
        let key = r
            .config
            .as_ref()
            .and_then(|c| c.get("provider_config_key"))
            .and_then(Value::as_str)
            .map_or_else(|| short.clone(), str::to_string);
        let map = map?;
        let region_of = |entry: &Value| -> Option<String> {
            let e = entry.get("expressions")?.get("region")?;
            match self.const_of(e)? {
                Value::String(s) if !s.is_empty() => Some(s),
                _ => None,
            }
        };
        if let Some(entry) = map.get(&key) {
            if let Some(reg) = region_of(entry) {
                return Some((reg, format!("provider {key}"), false));
            }
            // A provider block declared inside a module with no region: fall through.
            if !key.contains(':') {
                return None;
            }
        }
        let name = key.rsplit(':').next().unwrap_or(&short).to_string();
        let module_key = format!(
            "{}:{name}",
            r.module_names
                .iter()
                .map(|m| format!("module.{m}"))
                .collect::<Vec<_>>()
                .join(".")
        );
        if let Some(reg) = map.get(&module_key).and_then(region_of) {
            return Some((reg, format!("provider {module_key}"), false));
        }
        map.get(&name).and_then(region_of).map(|reg| {
            (
                reg,
                format!("provider {name}, the root default"),
                key != name,
            )
        })
    }

    /// A subnet's AZ, as an index into `az_names` (cached: every group and balancer of a plan
    /// may name the same thousands of subnets, so no string is built per lookup).
    fn subnet_az(&self, j: usize) -> Option<usize> {
        if self.res[j].rtype != "aws_subnet" {
            return None;
        }
        if let Some(cached) = self.subnet_azs.borrow().get(&j) {
            return *cached;
        }
        let az = self.val(j, &["availability_zone"]).as_str().map(|a| {
            let mut names = self.az_names.borrow_mut();
            match names.iter().position(|n| n == a) {
                Some(k) => k,
                None => {
                    names.push(a.to_string());
                    names.len() - 1
                }
            }
        });
        self.subnet_azs.borrow_mut().insert(j, az);
        az
    }

    /// The AZs a resource is placed in: its own `availability_zone(s)`, or those of the subnets
    /// it names (by reference, or by id when the plan knows the ids).
    pub fn azs(&self, i: usize) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        fn push(out: &mut Vec<String>, a: String) {
            if !out.contains(&a) {
                out.push(a);
            }
        }
        for key in [
            "availability_zones",
            "preferred_cache_cluster_azs",
            "availability_zone",
        ] {
            match self.val(i, &[key]) {
                Val::Known(Value::String(s)) => push(&mut out, s),
                Val::Known(Value::Array(a)) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .for_each(|s| push(&mut out, s.into())),
                _ => {}
            }
        }
        if !out.is_empty() {
            return out;
        }
        for key in ["vpc_zone_identifier", "subnets", "subnet_id", "subnet_ids"] {
            let mut ids: Vec<usize> = Vec::new();
            for j in self.refs(i, &[key]) {
                if let Some(az) = self.subnet_az(j)
                    && !ids.contains(&az)
                {
                    ids.push(az);
                }
            }
            for id in ids {
                let name = self.az_names.borrow()[id].clone();
                push(&mut out, name);
            }
            let ids: Vec<String> = match self.val(i, &[key]) {
                Val::Known(Value::String(s)) => vec![s],
                Val::Known(Value::Array(a)) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
                _ => Vec::new(),
            };
            for id in ids {
                for j in self.of_type("aws_subnet") {
                    if self.res[j].values.get("id").and_then(Value::as_str) == Some(id.as_str())
                        && let Some(az) = self.subnet_az(j)
                    {
                        let name = self.az_names.borrow()[az].clone();
                        push(&mut out, name);
                    }
                }
            }
        }
        out
    }
}
