//! The topology under construction: regions with their AZs, services, datastores and routing,
//! each item commented with the resource addresses it came from.

use indexmap::{IndexMap, IndexSet};

use super::regions;
use super::tree::Item;

/// Where a topology item came from in the plan (for comments and for locating diff findings).
#[derive(Clone, Debug, Default)]
pub struct Origin {
    pub addresses: Vec<String>,
}

#[derive(Default)]
pub struct Draft {
    /// Region name -> AZ names in the order found, and what placed something there.
    pub regions: IndexMap<String, (IndexSet<String>, Vec<String>)>,
    pub services: IndexMap<String, Item>,
    pub datastores: IndexMap<String, Item>,
    pub routing: Option<Item>,
    /// Services that sit behind a load balancer (entry candidates), in plan order.
    pub behind_lb: Vec<String>,
    /// Top-of-file notes.
    pub notes: Vec<String>,
    /// Topology key path -> the resource addresses it came from.
    pub origins: IndexMap<String, Vec<String>>,
    /// The next suffix to try per id base (keeps `free_id` linear on plans with many copies).
    next_suffix: std::cell::RefCell<std::collections::HashMap<String, usize>>,
    /// (region, source) and (origin path, address) pairs already recorded.
    seen: std::collections::HashSet<String>,
}

/// A topology id from a Terraform name: lower case, `-` for anything but letters, digits, `-`
/// and `_`.
pub fn id(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('-').to_string();
    if s.is_empty() { "item".into() } else { s }
}

impl Draft {
    pub fn region(&mut self, name: &str, from: &str) {
        if !self.seen.insert(format!("region {name} {from}")) {
            return;
        }
        let e = self.regions.entry(name.to_string()).or_default();
        e.1.push(from.to_string());
    }

    pub fn az(&mut self, region: &str, az: &str, from: &str) {
        self.region(region, from);
        if let Some(e) = self.regions.get_mut(region) {
            e.0.insert(az.to_string());
        }
    }

    /// A datastore or service id not yet taken (they share a namespace).
    pub fn free_id(&self, base: &str) -> String {
        let base = id(base);
        let taken = |s: &str| self.services.contains_key(s) || self.datastores.contains_key(s);
        if !taken(&base) {
            return base;
        }
        let mut next = self.next_suffix.borrow_mut();
        let n = next.entry(base.clone()).or_insert(2);
        loop {
            let candidate = format!("{base}-{n}");
            *n += 1;
            if !taken(&candidate) {
                return candidate;
            }
        }
    }

    pub fn origin(&mut self, path: &str, addresses: &[&str]) {
        for a in addresses {
            if self.seen.insert(format!("origin {path} {a}")) {
                self.origins
                    .entry(path.to_string())
                    .or_default()
                    .push((*a).to_string());
            }
        }
    }

    /// The `regions:` section: location and jurisdiction from the table, AZs from the plan; a
    /// region the plan places nothing AZ-bound in gets stand-in AZ names.
    pub fn regions_item(&self) -> Item {
        let mut out = Item::map();
        for (name, (azs, from)) in &self.regions {
            let mut r = Item::map().with_comment(format!("from {}", short_list(from)));
            match regions::lookup(name) {
                Some((loc, jurisdiction)) => {
                    r.set(
                        "location",
                        Item::seq(vec![Item::scalar(loc[0]), Item::scalar(loc[1])]),
                    );
                    r.set("jurisdiction", Item::scalar(jurisdiction));
                }
                None => {
                    r.set(
                        "location",
                        Item::missing(format!(
                            "[lat, lon] of {name}: drplan's table does not know this region"
                        )),
                    );
                }
            }
            let mut az_item = Item::map();
            if azs.is_empty() {
                let stand_in = stand_in_azs(name);
                if stand_in.is_empty() {
                    az_item =
                        Item::missing(format!("the AZs of {name}: the plan places nothing in one"));
                } else {
                    az_item = az_item.with_comment(
                        "not in the plan (only regional services here): stand-ins for the region's three AZs",
                    );
                    for a in stand_in {
                        az_item.set(&a, Item::map());
                    }
                }
            } else {
                for a in azs {
                    az_item.set(a, Item::map());
                }
            }
            r.set("azs", az_item);
            out.set(name, r);
        }
        out
    }
}

fn stand_in_azs(region: &str) -> Vec<String> {
    if regions::is_aws_region(region) {
        ["a", "b", "c"]
            .iter()
            .map(|l| format!("{region}{l}"))
            .collect()
    } else if regions::lookup(region).is_some() {
        ["a", "b", "c"]
            .iter()
            .map(|l| format!("{region}-{l}"))
            .collect()
    } else {
        Vec::new()
    }
}

/// At most three addresses, then a count.
pub fn short_list(addresses: &[String]) -> String {
    if addresses.len() <= 3 {
        addresses.join(", ")
    } else {
        format!(
            "{} and {} more",
            addresses[..3].join(", "),
            addresses.len() - 3
        )
    }
}
