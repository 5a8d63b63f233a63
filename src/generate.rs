//! Synthetic topologies for benchmarks and tests: N regions spread over the globe, each with
//! AZs, links in a chosen shape, three services and one datastore of each replication kind.
//!
//! The output is YAML text that goes through the same loader as a user's file, so benchmarks
//! measure the real pipeline.

use std::fmt::Write as _;

use clap::Args;

use crate::commands::Context;
use crate::exit::Exit;
use crate::geo;
use crate::model::LatLon;

/// How regions are linked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkShape {
    /// No links.
    None,
    /// Each region to the next, and the last to the first.
    Ring,
    /// Each region to the next, in index order: a chain of replication links, with no link
    /// back from the last to the first.
    Chain,
    /// Every pair.
    Mesh,
    /// The first region to every other.
    Hub,
    /// Each region to its K nearest.
    Nearest(usize),
}

impl std::str::FromStr for LinkShape {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "none" => Ok(LinkShape::None),
            "ring" => Ok(LinkShape::Ring),
            "chain" => Ok(LinkShape::Chain),
            "mesh" => Ok(LinkShape::Mesh),
            "hub" => Ok(LinkShape::Hub),
            _ => s
                .strip_prefix("nearest:")
                .and_then(|k| k.parse().ok())
                .map(LinkShape::Nearest)
                .ok_or_else(|| {
                    format!("`{s}` is not a link shape: none, ring, chain, mesh, hub or nearest:K")
                }),
        }
    }
}

/// The knobs of a synthetic topology.
#[derive(Clone, Debug, Args)]
pub struct GenerateArgs {
    /// Number of regions.
    #[arg(long, default_value_t = 5)]
    pub regions: usize,
    /// AZs per region.
    #[arg(long, default_value_t = 3)]
    pub azs: usize,
    /// Link shape: none, ring, chain, mesh, hub or nearest:K.
    #[arg(long, default_value = "nearest:4")]
    pub links: LinkShape,
    /// Routing kind: geodns, failover-dns, anycast or global-lb.
    #[arg(long, default_value = "geodns")]
    pub routing: String,
    /// Number of user groups (at most one per region), each bringing 1,000 rps at peak.
    #[arg(long, default_value_t = 8)]
    pub users: usize,
    /// Regions of the consensus store (0: every region).
    #[arg(long, default_value_t = 0)]
    pub consensus_regions: usize,
    /// Datastore kinds to include, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "single-az,multi-az,active-passive,active-active,consensus"
    )]
    pub datastores: Vec<String>,
    /// Shared-fate groups (each a region and its nearest neighbour: a metro area or power
    /// grid).
    #[arg(long, default_value_t = 1)]
    pub shared_fate: usize,
    /// External dependencies of the entry service.
    #[arg(long, default_value_t = 1)]
    pub externals: usize,
    /// Seed for the small jitter in region positions.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

impl Default for GenerateArgs {
    fn default() -> Self {
        GenerateArgs {
            regions: 5,
            azs: 3,
            links: LinkShape::Nearest(4),
            routing: "geodns".into(),
            users: 8,
            consensus_regions: 0,
            datastores: [
                "single-az",
                "multi-az",
                "active-passive",
                "active-active",
                "consensus",
            ]
            .map(String::from)
            .to_vec(),
            shared_fate: 1,
            externals: 1,
            seed: 1,
        }
    }
}

/// `drplan generate`: prints a synthetic topology.
pub fn run(args: &GenerateArgs, cx: &mut Context) -> Exit {
    match topology(args) {
        Ok(text) => {
            let _ = cx.out.write_all(text.as_bytes());
            Exit::Success
        }
        Err(e) => cx.fail(Exit::Invalid, e),
    }
}

/// Region positions: a golden-angle spiral between 45°S and 60°N, with a little seeded jitter.
fn positions(n: usize, seed: u64) -> Vec<LatLon> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut jitter = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) as f64 / (1u64 << 31) as f64) - 0.5
    };
    (0..n)
        .map(|i| {
            let t = (i as f64 + 0.5) / n as f64;
            let lat = -45.0 + 105.0 * t + jitter();
            let lon = ((i as f64 * 137.507_764_05 + 180.0 + jitter()) % 360.0) - 180.0;
            LatLon {
                lat: (lat * 100.0).round() / 100.0,
                lon: (lon * 100.0).round() / 100.0,
            }
        })
        .collect()
}

fn jurisdiction(p: LatLon) -> &'static str {
    if p.lon < -30.0 {
        "US"
    } else if p.lon < 60.0 && p.lat > 30.0 {
        "EU"
    } else {
        "SG"
    }
}

/// The region pairs of a link shape, each pair once, in a fixed order.
fn link_pairs(shape: LinkShape, pos: &[LatLon]) -> Vec<(usize, usize)> {
    let n = pos.len();
    let mut pairs: Vec<(usize, usize)> = match shape {
        LinkShape::None => Vec::new(),
        LinkShape::Ring if n > 2 => (0..n).map(|i| (i, (i + 1) % n)).collect(),
        LinkShape::Ring => (1..n).map(|i| (0, i)).collect(),
        LinkShape::Chain => (1..n).map(|i| (i - 1, i)).collect(),
        LinkShape::Mesh => (0..n)
            .flat_map(|a| (a + 1..n).map(move |b| (a, b)))
            .collect(),
        LinkShape::Hub => (1..n).map(|i| (0, i)).collect(),
        LinkShape::Nearest(k) => (0..n)
            .flat_map(|a| {
                let mut others: Vec<usize> = (0..n).filter(|b| *b != a).collect();
                others.sort_by(|x, y| {
                    geo::great_circle_km(pos[a], pos[*x])
                        .total_cmp(&geo::great_circle_km(pos[a], pos[*y]))
                });
                others.into_iter().take(k).map(move |b| (a, b))
            })
            .collect(),
    };
    for p in &mut pairs {
        if p.0 > p.1 {
            *p = (p.1, p.0);
        }
    }
    pairs.sort();
    pairs.dedup();
    pairs
}

/// Generates the YAML text of a synthetic topology.
pub fn topology(args: &GenerateArgs) -> Result<String, String> {
    let n = args.regions;
    if n == 0 || args.azs == 0 {
        return Err("a topology needs at least one region and one AZ per region".into());
    }
    if !["geodns", "failover-dns", "anycast", "global-lb"].contains(&args.routing.as_str()) {
        return Err(format!("`{}` is not a routing kind", args.routing));
    }
    let pos = positions(n, args.seed);
    let region = |i: usize| format!("r{i:02}");
    let az = |r: usize, a: usize| format!("r{r:02}-az{a}");
    let mut y = String::new();
    let w = &mut y;
    let _ = writeln!(
        w,
        "# Synthetic topology: drplan generate --regions {n} --azs {} --links {:?}",
        args.azs, args.links
    );
    let _ = writeln!(
        w,
        "version: 1\nname: synthetic-{n}x{}\n\nregions:",
        args.azs
    );
    for (i, p) in pos.iter().enumerate() {
        let _ = writeln!(
            w,
            "  {}:\n    location: [{}, {}]\n    jurisdiction: {}\n    azs:",
            region(i),
            p.lat,
            p.lon,
            jurisdiction(*p)
        );
        for a in 0..args.azs {
            let _ = writeln!(w, "      {}: {{}}", az(i, a));
        }
    }
    let pairs = link_pairs(args.links, &pos);
    if !pairs.is_empty() {
        let _ = writeln!(w, "\nlinks:");
        for (a, b) in pairs {
            let _ = writeln!(w, "  - between: [{}, {}]", region(a), region(b));
        }
    }
    if args.shared_fate > 0 {
        let _ = writeln!(w, "\nshared_fate:");
        for g in 0..args.shared_fate {
            // A metro area or power grid: a region and its nearest neighbour.
            let first = g % n;
            let mut members = vec![region(first)];
            if let Some(near) = (0..n).filter(|&r| r != first).min_by(|&x, &y| {
                geo::great_circle_km(pos[first], pos[x])
                    .total_cmp(&geo::great_circle_km(pos[first], pos[y]))
            }) {
                members.push(region(near));
            }
            let _ = writeln!(w, "  group{g}: {{ members: [{}] }}", members.join(", "));
        }
    }
    if args.externals > 0 {
        let _ = writeln!(w, "\nexternals:");
        for e in 0..args.externals {
            let _ = writeln!(w, "  ext{e}: {{ availability: 0.9999, mttr: 1h }}");
        }
    }
    let _ = writeln!(w, "\nrouting:\n  kind: {}", args.routing);
    let users = args.users.clamp(1, n);
    let _ = writeln!(w, "\nusers:");
    let share = 1.0 / users as f64;
    for u in 0..users {
        let p = pos[u * n / users];
        let s = if u + 1 == users {
            1.0 - share * (users - 1) as f64
        } else {
            share
        };
        let _ = writeln!(
            w,
            "  u{u:02}: {{ location: [{}, {}], share: {s} }}",
            p.lat, p.lon
        );
    }
    // 1,000 rps per user group, each group at a region: with one group per region every
    // region's load is within its steady web capacity at 3 AZs (1,500 rps) and its scaled
    // capacity at 1 AZ (1,000), so the estate is up with nothing failed at any size. (Scaling
    // with the region count instead put 5,000 rps on each group's region at 40 regions.)
    let peak = 1000.0 * users as f64;
    let _ = writeln!(w, "\ndemand:\n  peak_rps: {peak}");
    let kinds = &args.datastores;
    let has = |k: &str| kinds.iter().any(|x| x == k);
    let mut stores = Vec::new();
    let _ = writeln!(w, "\ndatastores:");
    if has("single-az") {
        let _ = writeln!(
            w,
            "  cache: {{ replication: single-az, az: {}, ephemeral: true }}",
            az(0, 0)
        );
        stores.push("cache");
    }
    if has("multi-az") {
        let _ = writeln!(
            w,
            "  audit: {{ replication: multi-az, primary: {} }}",
            region(0)
        );
        stores.push("audit");
    }
    if has("active-passive") {
        let replicas: Vec<String> = (1..n.min(3)).map(region).collect();
        let _ = writeln!(
            w,
            "  orders: {{ replication: active-passive, primary: {}, replicas: [{}], backups: {{ interval: 1h, restore: 2h, region: {} }} }}",
            region(0),
            replicas.join(", "),
            region(n - 1)
        );
        stores.push("orders");
    }
    if has("active-active") {
        let members: Vec<String> = (0..n.min(3)).map(region).collect();
        let _ = writeln!(
            w,
            "  sessions: {{ replication: active-active, regions: [{}] }}",
            members.join(", ")
        );
        stores.push("sessions");
    }
    if has("consensus") {
        let k = if args.consensus_regions == 0 {
            n
        } else {
            args.consensus_regions.min(n)
        };
        let members: Vec<String> = (0..k).map(region).collect();
        let _ = writeln!(
            w,
            "  config: {{ replication: consensus, regions: [{}] }}",
            members.join(", ")
        );
        stores.push("config");
    }
    // Three services: web (entry) -> api -> worker and the stores; web also needs the
    // externals. api and worker run in every AZ with the entry's scaled capacity (1,000 rps an
    // AZ, more under failover-dns), so no tier but the entry ever falls short (MODEL.md §12)
    // and the estates stay within the factored method's reach.
    let capacity = 250.0;
    // Under failover-dns every group goes to one region (the primary, then each standby in
    // turn), so each carries the whole demand: the primary steadily, the standbys once scaled
    // up (warm standby). Elsewhere a region carries its own groups.
    let whole = (peak / (capacity * args.azs as f64)).ceil() as usize;
    let failover = args.routing == "failover-dns";
    let scaled = if failover { whole.max(4) } else { 4 };
    let _ = writeln!(
        w,
        "\nservices:\n  web:\n    entry: true\n    capacity_per_instance: {capacity}\n    cost_per_hour: 0.1\n    placement:"
    );
    for r in 0..n {
        let steady = if failover && r == 0 { whole.max(2) } else { 2 };
        let _ = writeln!(
            w,
            "      {}: {{ per_az: {steady}, scale_to: {{ per_az: {scaled} }}, scale_up: 10m }}",
            region(r)
        );
    }
    // api and worker at the entry's scaled capacity in every AZ (1,000 rps an instance).
    let tier = (scaled as f64 * capacity / 1000.0).ceil() as usize;
    let mut web_deps = vec!["api".to_string()];
    web_deps.extend((0..args.externals).map(|e| format!("ext{e}")));
    let _ = writeln!(w, "    depends_on: [{}]", web_deps.join(", "));
    let _ = writeln!(
        w,
        "  api:\n    capacity_per_instance: 1000\n    cost_per_hour: 0.05\n    placement:"
    );
    for r in 0..n {
        let _ = writeln!(w, "      {}: {{ per_az: {tier} }}", region(r));
    }
    let _ = writeln!(
        w,
        "    depends_on: [{}]",
        ["worker"]
            .iter()
            .map(|s| s.to_string())
            .chain(stores.iter().map(|s| s.to_string()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        w,
        "  worker:\n    capacity_per_instance: 1000\n    placement:"
    );
    for r in 0..n {
        let _ = writeln!(w, "      {}: {{ per_az: {tier} }}", region(r));
    }
    Ok(y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Source;
    use crate::pipeline;

    #[test]
    fn generated_topologies_validate_in_every_shape() {
        for links in ["none", "ring", "chain", "mesh", "hub", "nearest:4"] {
            for routing in ["geodns", "failover-dns", "anycast", "global-lb"] {
                let args = GenerateArgs {
                    regions: 6,
                    links: links.parse().unwrap(),
                    routing: routing.into(),
                    ..GenerateArgs::default()
                };
                let text = topology(&args).unwrap();
                let source = Source {
                    name: "gen.yaml".into(),
                    text,
                };
                let checked = pipeline::check_source(source, "gen");
                assert!(
                    checked.is_ok(),
                    "{links} {routing}: {:?}",
                    checked.err().map(|e| format!("{e:?}"))
                );
            }
        }
    }

    /// Demand follows the user groups, not the regions: at 40 regions the default 8 groups each
    /// bring 1,000 rps to their region, within its capacity, so nothing failed is `up` (with
    /// 1,000 rps per region, each group's region got 5,000 against 3,000 scaled: degraded).
    /// Under failover-dns every group goes to the primary, which carries the whole demand, and
    /// with the primary down a standby scales up to it (it was sized like the others, so the
    /// estate served 37% with nothing failed).
    #[test]
    fn a_large_default_estate_is_up_with_nothing_failed() {
        for routing in ["geodns", "failover-dns", "anycast", "global-lb"] {
            for (regions, azs) in [(40, 3), (40, 1), (3, 2)] {
                let args = GenerateArgs {
                    regions,
                    azs,
                    routing: routing.into(),
                    ..GenerateArgs::default()
                };
                let text = topology(&args).unwrap();
                let peak = 1000 * regions.min(8);
                assert!(text.contains(&format!("peak_rps: {peak}")), "{text}");
                let source = Source {
                    name: "gen.yaml".into(),
                    text,
                };
                let Ok(checked) = pipeline::check_source(source, "gen") else {
                    panic!("the {regions}-region {routing} estate does not validate");
                };
                let engine = crate::evaluate::Engine::new(&checked.model);
                let what = format!("{regions} x {azs} {routing}");
                let baseline = engine.baseline();
                assert_eq!(baseline.outcome, crate::evaluate::Outcome::Up, "{what}");
                assert_eq!(baseline.served_fraction, 1.0, "{what}");
                // The primary down (with stores it does not home alone): the next region
                // serves everyone, scaled up.
                if routing == "failover-dns" && regions > 3 {
                    let args = GenerateArgs {
                        datastores: vec!["active-active".into()],
                        ..args
                    };
                    let source = Source {
                        name: "gen.yaml".into(),
                        text: topology(&args).unwrap(),
                    };
                    let checked = pipeline::check_source(source, "gen").unwrap();
                    let engine = crate::evaluate::Engine::new(&checked.model);
                    let r00 = crate::model::Component::Region(0usize.into());
                    let failure = crate::evaluate::Failure {
                        components: vec![engine.component_index(r00)],
                        ..Default::default()
                    };
                    let core = engine.core(&failure);
                    assert_eq!(core.served_fraction, 1.0, "{what}, r00 down");
                    assert_eq!(
                        core.outcome,
                        crate::evaluate::Outcome::Up,
                        "{what}, r00 down"
                    );
                }
            }
        }
    }

    #[test]
    fn a_chain_links_each_region_to_the_next_only() {
        let pos = positions(5, 1);
        assert_eq!(
            link_pairs(LinkShape::Chain, &pos),
            [(0, 1), (1, 2), (2, 3), (3, 4)]
        );
        assert!(link_pairs(LinkShape::Chain, &pos[..1]).is_empty());
    }

    #[test]
    fn nearest_links_are_symmetric_and_unique() {
        let pos = positions(30, 1);
        let pairs = link_pairs(LinkShape::Nearest(4), &pos);
        assert!(pairs.iter().all(|(a, b)| a < b));
        assert!(pairs.len() >= 60 && pairs.len() <= 120, "{}", pairs.len());
    }
}
