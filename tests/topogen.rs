//! Random *valid* topologies, shared by the property tests (`tests/properties.rs`) and the
//! structure-aware fuzzer (`fuzz/fuzz_targets/analyze_structured.rs`, which includes this file
//! by path). Plain std only, so both can use it.
//!
//! A [`Topo`] is built from a stream of choices ([`Choices`]): the property tests feed it a
//! vector of random numbers (which proptest shrinks towards zero, so a failure shrinks towards
//! the smallest topology), the fuzzer feeds it libFuzzer's bytes. Every choice is clamped into
//! range, so any stream gives a valid topology; [`Topo::render`] writes it as YAML, in any
//! order of regions, AZs, links, services and datastores.
//!
//! Validity by construction: links always include a spanning tree, so every region reaches every
//! other with nothing failed; every datastore has a home and the entry service an instance in the
//! first region with nothing failed; shares are integer weights over their sum; link `rtt`s are
//! above the physical bound of any pair on Earth (about 196 ms); at most `max_components` failing
//! components (regions + AZs + links + routing + shared-fate groups + externals).

#![allow(dead_code)]

use std::fmt::Write as _;

/// A source of choices: `below(n)` returns a number in `0..n` (`n >= 1`).
pub trait Choices {
    fn below(&mut self, n: usize) -> usize;
}

impl dyn Choices + '_ {
    fn flag(&mut self) -> bool {
        self.below(2) == 1
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Choices from a vector of numbers, read in turn; zeros once it runs out.
pub struct Seq<'a> {
    pub values: &'a [u32],
    pub next: usize,
}

impl<'a> Seq<'a> {
    pub fn new(values: &'a [u32]) -> Self {
        Seq { values, next: 0 }
    }
}

impl Choices for Seq<'_> {
    fn below(&mut self, n: usize) -> usize {
        let v = self.values.get(self.next).copied().unwrap_or(0);
        self.next += 1;
        v as usize % n.max(1)
    }
}

/// What kind of topologies to build.
#[derive(Clone, Copy, Debug)]
pub struct Knobs {
    /// The most failing components (regions, AZs, links, routing, shared-fate, externals).
    pub max_components: usize,
    /// Only topologies whose `availability` is monotone (MODEL.md §3.2): no `active-passive`
    /// store (the partition case: an alive but cut-off primary keeps its home, and failing it
    /// too moves the home to a reachable replica) and no restore for outages (backups have
    /// `manual_decision + restore` above every `mttr`, so restore-or-wait always waits: failing
    /// one more component with a long mttr cannot bring a store back from backups).
    pub monotone: bool,
    /// Objectives and custom scenarios too (for the fuzzer: the gate runs as well).
    pub extras: bool,
}

/// The largest `mttr` the generator writes, in hours; monotone backups restore slower than this.
pub const MAX_MTTR_HOURS: usize = 8;

pub const KINDS: [&str; 4] = ["geodns", "failover-dns", "anycast", "global-lb"];
pub const REPLICATIONS: [&str; 5] = [
    "single-az",
    "multi-az",
    "active-passive",
    "active-active",
    "consensus",
];

/// Region sites: real cities (distinct locations, so RTTs are distinct).
const SITES: [(f64, f64, &str); 8] = [
    (39.04, -77.49, "US"),
    (45.6, -121.2, "US"),
    (53.35, -6.27, "EU"),
    (50.11, 8.68, "EU"),
    (51.51, -0.13, "UK"),
    (1.29, 103.85, "SG"),
    (35.69, 139.69, "JP"),
    (-33.87, 151.21, "AU"),
];
const USER_SITES: [(f64, f64); 6] = [
    (40.71, -74.01),
    (37.77, -122.42),
    (48.86, 2.35),
    (52.52, 13.4),
    (19.08, 72.88),
    (-23.55, -46.63),
];
const AVAILABILITIES: [&str; 7] = ["0.9", "0.99", "0.999", "0.9995", "0.9999", "0.99999", "1"];

#[derive(Clone, Debug)]
pub struct Az {
    pub id: String,
    pub availability: String,
    pub mttr_h: usize,
}

#[derive(Clone, Debug)]
pub struct Region {
    pub id: String,
    pub site: usize,
    /// Write the jurisdiction of the site (else none).
    pub jurisdiction: bool,
    pub availability: String,
    pub mttr_h: usize,
    pub azs: Vec<Az>,
}

#[derive(Clone, Debug)]
pub struct Link {
    pub a: usize,
    pub b: usize,
    pub availability: String,
    pub mttr_h: usize,
    pub rtt_ms: Option<usize>,
}

#[derive(Clone, Debug)]
pub struct Shared {
    pub id: String,
    /// Region indices, or (region, az) pairs.
    pub regions: Vec<usize>,
    pub azs: Vec<(usize, usize)>,
    pub availability: String,
}

#[derive(Clone, Debug)]
pub struct External {
    pub id: String,
    pub availability: String,
    pub mttr_h: usize,
}

#[derive(Clone, Debug)]
pub struct User {
    pub id: String,
    pub site: usize,
    pub weight: usize,
    /// Jurisdictions allowed (empty: any).
    pub residency: Vec<&'static str>,
}

/// Instances of a service in one region.
#[derive(Clone, Debug)]
pub enum Shape {
    PerAz(u32),
    /// Per AZ index of the region.
    Azs(Vec<(usize, u32)>),
}

#[derive(Clone, Debug)]
pub struct Placement {
    pub region: usize,
    pub shape: Shape,
    pub scale_to: Option<u32>,
}

#[derive(Clone, Debug)]
pub struct Service {
    pub id: String,
    pub entry: bool,
    pub capacity: u32,
    pub placement: Vec<Placement>,
    /// Other services (index), datastores (index) and externals (index).
    pub services: Vec<usize>,
    pub stores: Vec<usize>,
    pub externals: Vec<usize>,
}

#[derive(Clone, Debug)]
pub struct Backups {
    pub interval_m: usize,
    pub restore_m: usize,
    pub region: usize,
}

#[derive(Clone, Debug)]
pub struct Store {
    pub id: String,
    pub replication: &'static str,
    /// `single-az`: (region, az). Others: the regions, the first is the primary or leader.
    pub az: (usize, usize),
    pub regions: Vec<usize>,
    pub primary_az: usize,
    pub standby: bool,
    pub sync: bool,
    pub manual: bool,
    pub manual_decision_m: usize,
    pub ephemeral: bool,
    pub backups: Option<Backups>,
}

#[derive(Clone, Debug)]
pub struct Topo {
    pub regions: Vec<Region>,
    pub links: Vec<Link>,
    pub shared: Vec<Shared>,
    pub externals: Vec<External>,
    pub kind: &'static str,
    /// `failover-dns`: primary and order (region indices), always written explicitly.
    pub primary: usize,
    pub failover_order: Vec<usize>,
    pub routing_availability: String,
    pub users: Vec<User>,
    pub peak_rps: u32,
    pub services: Vec<Service>,
    pub stores: Vec<Store>,
    pub objectives: Option<String>,
    pub scenarios: Vec<(String, Vec<String>)>,
}

/// The order in which [`Topo::render`] writes each list (indices into the topology's lists).
#[derive(Clone, Debug, Default)]
pub struct Order {
    pub regions: Vec<usize>,
    /// Per region (by index), the order of its AZs.
    pub azs: Vec<Vec<usize>>,
    pub links: Vec<usize>,
    pub services: Vec<usize>,
    pub stores: Vec<usize>,
    pub users: Vec<usize>,
    /// Write each link as `[b, a]` instead of `[a, b]`.
    pub flip_links: bool,
}

impl Topo {
    /// Builds a valid topology from the choices.
    pub fn build(c: &mut dyn Choices, knobs: Knobs) -> Topo {
        let budget = knobs.max_components.max(3);
        // Regions and AZs: at least one AZ per region, one component for routing.
        let mut n_regions = 1 + c.below(4);
        while n_regions > 1 && 2 * n_regions + (n_regions - 1) + 1 > budget {
            n_regions -= 1;
        }
        let mut used = 1; // routing
        let mut sites: Vec<usize> = (0..SITES.len()).collect();
        let mut regions = Vec::new();
        for r in 0..n_regions {
            let site = sites.remove(c.below(sites.len()));
            regions.push(Region {
                id: format!("r{r}"),
                site,
                jurisdiction: c.below(4) != 0,
                availability: c.pick(&AVAILABILITIES).to_string(),
                mttr_h: 1 + c.below(MAX_MTTR_HOURS),
                azs: Vec::new(),
            });
        }
        used += n_regions;
        // Spanning tree first, so everything is connected with nothing failed.
        let mut links = Vec::new();
        for b in 1..n_regions {
            let a = c.below(b);
            links.push(Self::link(c, a, b));
        }
        used += links.len();
        // One AZ per region, then more while the budget allows.
        for (r, region) in regions.iter_mut().enumerate() {
            region.azs.push(Self::az(c, r, 0));
            used += 1;
        }
        for (r, region) in regions.iter_mut().enumerate() {
            let more = c.below(3);
            for _ in 0..more {
                if used + 1 > budget {
                    break;
                }
                let i = region.azs.len();
                region.azs.push(Self::az(c, r, i));
                used += 1;
            }
        }
        // Extra links between pairs not yet joined.
        for a in 0..n_regions {
            for b in a + 1..n_regions {
                if used < budget
                    && !links.iter().any(|l: &Link| (l.a, l.b) == (a, b))
                    && c.below(3) == 0
                {
                    links.push(Self::link(c, a, b));
                    used += 1;
                }
            }
        }
        let mut shared = Vec::new();
        for i in 0..c.below(3) {
            if used >= budget {
                break;
            }
            let mut g = Shared {
                id: format!("grid{i}"),
                regions: Vec::new(),
                azs: Vec::new(),
                availability: c.pick(&AVAILABILITIES[2..]).to_string(),
            };
            let r = c.below(n_regions);
            if c.flag() {
                g.regions.push(r);
                let other = c.below(n_regions);
                if other != r && c.flag() {
                    g.regions.push(other);
                }
            } else {
                g.azs.push((r, c.below(regions[r].azs.len())));
            }
            shared.push(g);
            used += 1;
        }
        let mut externals = Vec::new();
        for i in 0..c.below(3) {
            if used >= budget {
                break;
            }
            externals.push(External {
                id: format!("ext{i}"),
                availability: c.pick(&AVAILABILITIES[1..]).to_string(),
                mttr_h: 1 + c.below(MAX_MTTR_HOURS),
            });
            used += 1;
        }
        let kind = *c.pick(&KINDS);
        // failover-dns: primary 0 (where the entry surely runs) or another; the order is a
        // random arrangement of some other regions.
        let primary = if c.below(3) == 0 {
            c.below(n_regions)
        } else {
            0
        };
        let mut rest: Vec<usize> = (0..n_regions).filter(|&r| r != primary).collect();
        let mut failover_order = Vec::new();
        while !rest.is_empty() {
            let i = c.below(rest.len());
            let r = rest.remove(i);
            if c.below(4) != 0 || r == 0 {
                failover_order.push(r);
            }
        }
        let n_users = 1 + c.below(3);
        let users = (0..n_users)
            .map(|i| User {
                id: format!("u{i}"),
                site: c.below(USER_SITES.len()),
                weight: 1 + c.below(5),
                residency: if c.below(4) == 0 {
                    vec![SITES[c.below(SITES.len())].2]
                } else {
                    Vec::new()
                },
            })
            .collect();
        // Datastores: up to three, each homed in region 0 (the first member or primary).
        let mut stores = Vec::new();
        for i in 0..c.below(4) {
            let mut kinds: Vec<&'static str> = REPLICATIONS.to_vec();
            if knobs.monotone {
                kinds.retain(|k| *k != "active-passive");
            }
            if n_regions == 1 {
                kinds.retain(|k| *k != "active-passive");
            }
            let replication = *c.pick(&kinds);
            let mut members = vec![0];
            let others: Vec<usize> = (1..n_regions).collect();
            for &o in &others {
                if c.flag() {
                    members.push(o);
                }
            }
            if replication == "active-passive" && members.len() == 1 {
                members.push(1 + c.below(n_regions - 1));
            }
            if matches!(replication, "single-az" | "multi-az") {
                members.truncate(1);
            }
            let backups = if c.below(3) == 0 {
                let restore_m = if knobs.monotone {
                    MAX_MTTR_HOURS * 60 + 1 + c.below(120)
                } else {
                    1 + c.below(MAX_MTTR_HOURS * 60)
                };
                Some(Backups {
                    interval_m: 1 + c.below(240),
                    restore_m,
                    region: c.below(n_regions),
                })
            } else {
                None
            };
            stores.push(Store {
                id: format!("db{i}"),
                replication,
                az: (0, c.below(regions[0].azs.len())),
                primary_az: c.below(regions[0].azs.len()),
                regions: members,
                standby: c.flag(),
                sync: c.flag(),
                manual: c.below(3) == 0,
                manual_decision_m: c.below(120),
                ephemeral: c.below(5) == 0,
                backups,
            });
        }
        // Services: the entry, and maybe one dependency service.
        let n_services = 1 + c.below(2);
        let mut services = Vec::new();
        for s in 0..n_services {
            let mut placement = Vec::new();
            for (r, region) in regions.iter().enumerate() {
                // Region 0 always runs every service.
                if r != 0 && c.below(3) == 0 {
                    continue;
                }
                let n_azs = region.azs.len();
                let shape = if c.flag() {
                    Shape::PerAz(u32::from(r == 0) + c.below(4) as u32)
                } else {
                    let mut v = Vec::new();
                    for a in 0..n_azs {
                        if a == 0 || c.flag() {
                            let floor = u32::from(r == 0 && a == 0);
                            v.push((a, floor + c.below(4) as u32));
                        }
                    }
                    Shape::Azs(v)
                };
                let scale_to = if c.below(3) == 0 {
                    Some(4 + c.below(4) as u32)
                } else {
                    None
                };
                placement.push(Placement {
                    region: r,
                    shape,
                    scale_to,
                });
            }
            let stores_dep = (0..stores.len()).filter(|_| c.flag()).collect();
            let ext_dep = (0..externals.len()).filter(|_| c.flag()).collect();
            services.push(Service {
                id: if s == 0 {
                    "web".into()
                } else {
                    format!("api{s}")
                },
                entry: s == 0,
                capacity: 100 + 100 * c.below(10) as u32,
                placement,
                services: if s == 0 && n_services > 1 && c.flag() {
                    vec![1]
                } else {
                    Vec::new()
                },
                stores: stores_dep,
                externals: ext_dep,
            });
        }
        let objectives = knobs.extras.then(|| {
            let mut o = String::new();
            if c.flag() {
                let _ = writeln!(o, "  availability: {}", c.pick(&AVAILABILITIES[..6]));
            }
            let classes = ["az", "region", "link", "routing", "shared", "external"];
            let _ = writeln!(o, "  survive: [{}]", c.pick(&classes));
            if c.flag() {
                let _ = writeln!(o, "  rto: {}m", c.below(120));
            }
            if c.flag() {
                let _ = writeln!(o, "  rpo: {}s", c.below(600));
            }
            if c.flag() {
                let _ = writeln!(o, "  max_dns_exposure: {}s", c.below(300));
            }
            if c.flag() {
                let _ = writeln!(o, "  max_monthly_cost: {}", c.below(5000));
            }
            if c.flag() {
                let _ = writeln!(o, "  max_rtt: {}ms", 10 + c.below(300));
            }
            if c.flag() {
                let _ = writeln!(o, "  max_request_rtt: {}ms", 10 + c.below(500));
            }
            if c.flag() {
                let _ = writeln!(o, "  residency: true");
            }
            o
        });
        let mut topo = Topo {
            regions,
            links,
            shared,
            externals,
            kind,
            primary,
            failover_order,
            routing_availability: c.pick(&AVAILABILITIES[2..]).to_string(),
            users,
            peak_rps: 100 + 100 * c.below(30) as u32,
            services,
            stores,
            objectives,
            scenarios: Vec::new(),
        };
        if knobs.extras {
            let ids = topo.component_ids();
            for i in 0..c.below(3) {
                let fail: Vec<String> = (0..1 + c.below(3))
                    .map(|_| ids[c.below(ids.len())].clone())
                    .collect();
                topo.scenarios.push((format!("custom-{i}"), fail));
            }
        }
        topo
    }

    fn az(c: &mut dyn Choices, r: usize, i: usize) -> Az {
        Az {
            id: format!("r{r}-az{i}"),
            availability: c.pick(&AVAILABILITIES).to_string(),
            mttr_h: 1 + c.below(MAX_MTTR_HOURS),
        }
    }

    fn link(c: &mut dyn Choices, a: usize, b: usize) -> Link {
        Link {
            a,
            b,
            availability: c.pick(&AVAILABILITIES).to_string(),
            mttr_h: 1 + c.below(MAX_MTTR_HOURS),
            rtt_ms: c.flag().then(|| 200 + c.below(200)),
        }
    }

    /// The failing components' ids (MODEL.md §2).
    pub fn component_ids(&self) -> Vec<String> {
        let mut ids = vec!["routing".to_string()];
        for r in &self.regions {
            ids.push(format!("region:{}", r.id));
            ids.extend(r.azs.iter().map(|a| format!("az:{}", a.id)));
        }
        for l in &self.links {
            let (a, b) = (&self.regions[l.a].id, &self.regions[l.b].id);
            let (a, b) = if a < b { (a, b) } else { (b, a) };
            ids.push(format!("link:{a}~{b}"));
        }
        ids.extend(self.shared.iter().map(|s| format!("shared:{}", s.id)));
        ids.extend(self.externals.iter().map(|e| format!("external:{}", e.id)));
        ids
    }

    /// How many components fail independently.
    pub fn components(&self) -> usize {
        self.component_ids().len()
    }

    /// The identity order: everything as built.
    pub fn order(&self) -> Order {
        Order {
            regions: (0..self.regions.len()).collect(),
            azs: self
                .regions
                .iter()
                .map(|r| (0..r.azs.len()).collect())
                .collect(),
            links: (0..self.links.len()).collect(),
            services: (0..self.services.len()).collect(),
            stores: (0..self.stores.len()).collect(),
            users: (0..self.users.len()).collect(),
            flip_links: false,
        }
    }

    /// A shuffled order, from the choices.
    pub fn shuffled(&self, c: &mut dyn Choices) -> Order {
        fn shuffle(c: &mut dyn Choices, n: usize) -> Vec<usize> {
            let mut v: Vec<usize> = (0..n).collect();
            for i in (1..n).rev() {
                let j = c.below(i + 1);
                v.swap(i, j);
            }
            v
        }
        Order {
            regions: shuffle(c, self.regions.len()),
            azs: self
                .regions
                .iter()
                .map(|r| shuffle(c, r.azs.len()))
                .collect(),
            links: shuffle(c, self.links.len()),
            services: shuffle(c, self.services.len()),
            stores: shuffle(c, self.stores.len()),
            users: shuffle(c, self.users.len()),
            flip_links: c.flag(),
        }
    }

    /// The topology as YAML, lists written in `order`. Everything that a default would take
    /// from file order (the `failover-dns` primary and order, `primary_az`) is written
    /// explicitly, so the order changes no meaning.
    pub fn render(&self, order: &Order) -> String {
        let mut y = String::new();
        let w = &mut y;
        let region = |r: usize| self.regions[r].id.as_str();
        let az = |r: usize, a: usize| self.regions[r].azs[a].id.as_str();
        let _ = writeln!(w, "version: 1\nname: generated\nregions:");
        for &r in &order.regions {
            let g = &self.regions[r];
            let (lat, lon, j) = SITES[g.site];
            let _ = writeln!(w, "  {}:\n    location: [{lat}, {lon}]", g.id);
            if g.jurisdiction {
                let _ = writeln!(w, "    jurisdiction: {j}");
            }
            let _ = writeln!(
                w,
                "    availability: {}\n    mttr: {}h\n    azs:",
                g.availability, g.mttr_h
            );
            for &a in &order.azs[r] {
                let z = &g.azs[a];
                let _ = writeln!(
                    w,
                    "      {}: {{ availability: {}, mttr: {}h }}",
                    z.id, z.availability, z.mttr_h
                );
            }
        }
        if !self.links.is_empty() {
            let _ = writeln!(w, "links:");
        }
        for &i in &order.links {
            let l = &self.links[i];
            let (a, b) = if order.flip_links {
                (l.b, l.a)
            } else {
                (l.a, l.b)
            };
            let _ = writeln!(
                w,
                "  - between: [{}, {}]\n    availability: {}\n    mttr: {}h",
                region(a),
                region(b),
                l.availability,
                l.mttr_h
            );
            if let Some(rtt) = l.rtt_ms {
                let _ = writeln!(w, "    rtt: {rtt}ms");
            }
        }
        if !self.shared.is_empty() {
            let _ = writeln!(w, "shared_fate:");
        }
        for s in &self.shared {
            let members: Vec<&str> = s
                .regions
                .iter()
                .map(|&r| region(r))
                .chain(s.azs.iter().map(|&(r, a)| az(r, a)))
                .collect();
            let _ = writeln!(
                w,
                "  {}: {{ members: [{}], availability: {} }}",
                s.id,
                members.join(", "),
                s.availability
            );
        }
        if !self.externals.is_empty() {
            let _ = writeln!(w, "externals:");
        }
        for e in &self.externals {
            let _ = writeln!(
                w,
                "  {}: {{ availability: {}, mttr: {}h }}",
                e.id, e.availability, e.mttr_h
            );
        }
        let _ = writeln!(
            w,
            "routing:\n  kind: {}\n  availability: {}",
            self.kind, self.routing_availability
        );
        if self.kind == "failover-dns" {
            let order: Vec<&str> = self.failover_order.iter().map(|&r| region(r)).collect();
            let _ = writeln!(
                w,
                "  primary: {}\n  failover_order: [{}]",
                region(self.primary),
                order.join(", ")
            );
        }
        let total: usize = self.users.iter().map(|u| u.weight).sum();
        let _ = writeln!(w, "users:");
        for &i in &order.users {
            let u = &self.users[i];
            let (lat, lon) = USER_SITES[u.site];
            let _ = write!(
                w,
                "  {}: {{ location: [{lat}, {lon}], share: {}",
                u.id,
                u.weight as f64 / total as f64
            );
            if !u.residency.is_empty() {
                let _ = write!(w, ", residency: [{}]", u.residency.join(", "));
            }
            let _ = writeln!(w, " }}");
        }
        let _ = writeln!(w, "demand:\n  peak_rps: {}\nservices:", self.peak_rps);
        for &i in &order.services {
            let s = &self.services[i];
            let _ = writeln!(
                w,
                "  {}:\n    entry: {}\n    capacity_per_instance: {}\n    cost_per_hour: 0.1\n    placement:",
                s.id, s.entry, s.capacity
            );
            // Placement in region file order too.
            let mut placements: Vec<&Placement> = s.placement.iter().collect();
            placements.sort_by_key(|p| order.regions.iter().position(|&r| r == p.region));
            for p in placements {
                let shape = match &p.shape {
                    Shape::PerAz(n) => format!("per_az: {n}"),
                    Shape::Azs(v) => {
                        let mut v = v.clone();
                        v.sort_by_key(|(a, _)| order.azs[p.region].iter().position(|x| x == a));
                        let parts: Vec<String> = v
                            .iter()
                            .map(|&(a, n)| format!("{}: {n}", az(p.region, a)))
                            .collect();
                        format!("azs: {{ {} }}", parts.join(", "))
                    }
                };
                let _ = write!(w, "      {}: {{ {shape}", region(p.region));
                if let Some(n) = p.scale_to {
                    let _ = write!(w, ", scale_to: {{ per_az: {n} }}, scale_up: 5m");
                }
                let _ = writeln!(w, " }}");
            }
            let deps: Vec<String> = s
                .services
                .iter()
                .map(|&d| self.services[d].id.clone())
                .chain(s.stores.iter().map(|&d| self.stores[d].id.clone()))
                .chain(s.externals.iter().map(|&d| self.externals[d].id.clone()))
                .collect();
            if !deps.is_empty() {
                let _ = writeln!(w, "    depends_on: [{}]", deps.join(", "));
            }
        }
        if !self.stores.is_empty() {
            let _ = writeln!(w, "datastores:");
        }
        for &i in &order.stores {
            let d = &self.stores[i];
            let _ = writeln!(w, "  {}:\n    replication: {}", d.id, d.replication);
            let members: Vec<&str> = d.regions.iter().map(|&r| region(r)).collect();
            match d.replication {
                "single-az" => {
                    let _ = writeln!(w, "    az: {}", az(d.az.0, d.az.1));
                }
                "multi-az" | "active-passive" => {
                    let _ = writeln!(
                        w,
                        "    primary: {}\n    primary_az: {}\n    standby_in_region: {}",
                        members[0],
                        az(d.regions[0], d.primary_az),
                        d.standby
                    );
                    if d.replication == "active-passive" {
                        let _ = writeln!(w, "    replicas: [{}]", members[1..].join(", "));
                    }
                }
                _ => {
                    let _ = writeln!(w, "    regions: [{}]", members.join(", "));
                }
            }
            let _ = writeln!(
                w,
                "    sync: {}\n    failover: {}\n    manual_decision: {}m\n    ephemeral: {}\n    storage_gb: 10\n    write_mb_per_s: 1\n    cost_per_hour: 0.2",
                d.sync,
                if d.manual { "manual" } else { "automatic" },
                d.manual_decision_m,
                d.ephemeral
            );
            if let Some(b) = &d.backups {
                let _ = writeln!(
                    w,
                    "    backups: {{ interval: {}m, restore: {}m, region: {} }}",
                    b.interval_m,
                    b.restore_m,
                    region(b.region)
                );
            }
        }
        if let Some(o) = &self.objectives {
            let _ = writeln!(w, "objectives:\n{o}");
        }
        if !self.scenarios.is_empty() {
            let _ = writeln!(w, "scenarios:");
        }
        for (name, fail) in &self.scenarios {
            let _ = writeln!(
                w,
                "  - name: {name}\n    fail: [\"{}\"]",
                fail.join("\", \"")
            );
        }
        y
    }
}
