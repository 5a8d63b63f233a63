//! `drplan export --format open-psa`: the fault tree of "down" (MODEL.md §3), checked against an
//! independent tool. SCRAM's exact (BDD) top-event probability must equal drplan's
//! unavailability (`summary.unavailability`, the sum over all 2^n states) to a relative 1e-9 on
//! every example, every hand-computed fixture, generated topologies and seeded random ones that
//! exercise every §3.2 rule. SCRAM prints `%g` (6 digits); the shim in tests/scram/ restores
//! full precision (docs/scram.md).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{drplan, root};
use crate::examples::topologies;
use crate::graph::{skip, tool};

/// The agreement asked of SCRAM and drplan.
const RELATIVE: f64 = 1e-9;

/// SCRAM with the full-precision shim, compiled for this run.
struct Scram {
    bin: PathBuf,
    shim: PathBuf,
    _dir: tempfile::TempDir,
}

/// SCRAM and the shim, or a visible skip (a failure with DRPLAN_REQUIRE_TOOLS).
fn scram() -> Option<Scram> {
    let bin = tool("scram", "the Open-PSA export is checked against SCRAM")?;
    let cc = tool(
        "cc",
        "the full-precision shim for SCRAM is compiled with cc",
    )?;
    let dir = tempfile::tempdir().unwrap();
    let shim = dir.path().join("full_precision.so");
    let out = Command::new(cc)
        .args(["-shared", "-fPIC", "-O2", "-o"])
        .arg(&shim)
        .arg(root().join("tests/scram/full_precision.c"))
        .output()
        .expect("cc runs");
    assert!(
        out.status.success(),
        "compiling the shim failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(Scram {
        bin,
        shim,
        _dir: dir,
    })
}

impl Scram {
    /// The top event's probability, as SCRAM prints it (with or without the shim).
    fn probability_with(&self, tree: &Path, full_precision: bool) -> f64 {
        let report = tree.with_extension("report.xml");
        let mut cmd = Command::new(&self.bin);
        cmd.args(["--probability", "true", "-l", "1"])
            .arg(tree)
            .arg("-o")
            .arg(&report);
        if full_precision {
            cmd.env("LD_PRELOAD", &self.shim);
        }
        let out = cmd.output().expect("scram runs");
        assert!(
            out.status.success(),
            "scram failed on {}:\n{}",
            tree.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(&report).unwrap();
        top_probability(&text)
            .unwrap_or_else(|| panic!("no top-event probability in SCRAM's report:\n{text}"))
    }

    fn probability(&self, tree: &Path) -> f64 {
        self.probability_with(tree, true)
    }
}

/// The `probability` attribute of the (one) `sum-of-products` element of a SCRAM report.
fn top_probability(report: &str) -> Option<f64> {
    let start = report.find("<sum-of-products ")?;
    let element = &report[start..start + report[start..].find('>')?];
    let value = element.split(" probability=\"").nth(1)?.split('"').next()?;
    value.parse().ok()
}

/// drplan's P(down): `summary.unavailability`, else 1 - `summary.availability`.
fn drplan_unavailability(topology: &Path) -> f64 {
    let report = crate::common::analyze_json(topology);
    let summary = &report["summary"];
    summary["unavailability"]
        .as_f64()
        .or_else(|| summary["availability"].as_f64().map(|a| 1.0 - a))
        .unwrap_or_else(|| {
            panic!(
                "drplan computed no availability for {} (over 20 components?)",
                topology.display()
            )
        })
}

/// Exports a topology to `dir`, returning the tree's path.
fn export(topology: &Path, dir: &Path) -> PathBuf {
    let name = topology.file_stem().unwrap().to_string_lossy().into_owned();
    let tree = dir.join(format!("{name}.xml"));
    drplan()
        .args(["export", "--format", "open-psa", "--output"])
        .arg(&tree)
        .arg(topology)
        .assert()
        .code(0);
    tree
}

fn relative_difference(a: f64, b: f64) -> f64 {
    if a == b { 0.0 } else { (a - b).abs() / b.abs() }
}

/// Compares SCRAM and drplan on each topology; panics listing every disagreement. Returns the
/// largest relative difference.
fn compare_all(scram: &Scram, files: &[PathBuf], what: &str) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let mut worst: f64 = 0.0;
    let mut failures = Vec::new();
    for file in files {
        let tree = export(file, dir.path());
        let ours = drplan_unavailability(file);
        let theirs = scram.probability(&tree);
        let diff = relative_difference(theirs, ours);
        worst = worst.max(diff);
        if diff > RELATIVE {
            failures.push(format!(
                "{}: SCRAM {theirs:e}, drplan {ours:e} (relative {diff:e})",
                file.display()
            ));
        }
    }
    eprintln!(
        "export: {what}: {} topologies compared with SCRAM, largest relative difference {worst:e}",
        files.len()
    );
    assert!(
        failures.is_empty(),
        "SCRAM and drplan disagree:\n{}",
        failures.join("\n")
    );
    worst
}

#[test]
fn scram_agrees_on_every_example_and_hand_fixture() {
    let Some(scram) = scram() else { return };
    let mut files = topologies();
    let shared = root().join("../shared/spec/example.yaml");
    if shared.exists() {
        files.push(shared);
    } else {
        skip("../shared/spec/example.yaml is not beside the repository");
    }
    for folder in ["tests/fixtures/hand", "tests/fixtures/gate"] {
        let mut more: Vec<PathBuf> = std::fs::read_dir(root().join(folder))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        more.sort();
        files.extend(more);
    }
    assert!(files.len() >= 45, "{} files", files.len());
    // Control planes of every kind (MODEL.md §10), frozen scale-ups included: the model v2
    // example (a pilot light whose launches need a control plane in its own region) and the
    // hand fixtures v2_recovery, v2_availability, v2_stuck_*.
    let v2 = root().join("../shared/spec/example-v2.yaml");
    if v2.exists() {
        files.push(v2);
    } else {
        skip("../shared/spec/example-v2.yaml is not beside the repository");
    }
    assert!(files.iter().any(|f| f.ends_with("hand/v2_recovery.yaml")));
    compare_all(&scram, &files, "examples and fixtures");
}

/// `drplan generate` topologies within the 20 components drplan enumerates exactly.
const GENERATED: &[&str] = &[
    "--regions 3 --azs 2 --links ring",
    "--regions 4 --azs 2 --links ring --shared-fate 0",
    "--regions 4 --azs 2 --links mesh --shared-fate 0 --externals 0",
    "--regions 5 --azs 1 --links nearest:2 --routing failover-dns",
    "--regions 5 --azs 1 --links hub --routing global-lb",
    "--regions 5 --azs 1 --links ring --routing anycast --datastores consensus --externals 0",
    "--regions 3 --azs 3 --links mesh --routing anycast --datastores consensus,active-passive",
    "--regions 4 --azs 1 --links nearest:2 --datastores active-active,single-az --shared-fate 2",
    "--regions 4 --azs 2 --links ring --datastores active-passive,single-az --shared-fate 0 --externals 0 --routing failover-dns",
    "--regions 6 --azs 1 --links ring --consensus-regions 5 --datastores consensus,multi-az --shared-fate 0 --externals 0",
    "--regions 5 --azs 1 --links nearest:2 --datastores consensus --shared-fate 0 --externals 0 --seed 7",
];

#[test]
fn scram_agrees_on_generated_topologies() {
    let Some(scram) = scram() else { return };
    let dir = tempfile::tempdir().unwrap();
    let files = generate_all(dir.path(), GENERATED, "generated");
    compare_all(&scram, &files, "generated");
}

/// Writes `drplan generate ARGS` for each line of `list` into `dir` as `{prefix}-{i}.yaml`.
fn generate_all(dir: &Path, list: &[&str], prefix: &str) -> Vec<PathBuf> {
    list.iter()
        .enumerate()
        .map(|(i, args)| {
            let out = drplan()
                .arg("generate")
                .args(args.split_whitespace())
                .output()
                .unwrap();
            assert!(out.status.success(), "drplan generate {args}");
            let path = dir.join(format!("{prefix}-{i}.yaml"));
            std::fs::write(&path, out.stdout).unwrap();
            path
        })
        .collect()
}

/// A small deterministic generator (64-bit LCG), so failures reproduce from the seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// A non-empty random subset of `items`, in random order.
    fn some_of(&mut self, items: &[String]) -> Vec<String> {
        let mut pool = items.to_vec();
        let mut out = Vec::new();
        let want = 1 + self.below(items.len());
        while out.len() < want {
            out.push(pool.remove(self.below(pool.len())));
        }
        out
    }
}

const AVAILABILITIES: &[&str] = &["0.9", "0.95", "0.98", "0.99", "0.995"];
const MTTRS: &[&str] = &["1h", "2h", "3h", "4h", "6h", "8h", "12h"];

/// A random topology of at most 15 components that uses every §3.2 rule: stores of every kind
/// with random `primary_az`, standby, replicas order, sync, failover, backups (restore times
/// around the MTTRs, so restore-or-wait goes both ways), shared fate over regions and AZs,
/// partitions (sparse links), failover-dns orders that leave regions out, `scale_to`-only
/// placements and dependency chains. Availabilities are low so that multiple failures weigh.
fn random_topology(seed: u64) -> String {
    let mut rng = Rng(seed.wrapping_mul(0x9E3779B97F4A7C15) ^ 0xD1B54A32D192ED03);
    let mut y = format!("version: 1\nname: random-{seed}\nregions:\n");
    let n_regions = 2 + rng.below(3);
    let mut components = n_regions + 1; // regions and routing
    let regions: Vec<String> = (0..n_regions).map(|i| format!("r{i}")).collect();
    let mut azs: Vec<Vec<String>> = Vec::new();
    for (i, r) in regions.iter().enumerate() {
        let count = if components + 2 + (n_regions - i - 1) <= 11 && rng.chance(50) {
            2
        } else {
            1
        };
        components += count;
        let ids: Vec<String> = (0..count)
            .map(|a| format!("{r}{}", ["a", "b"][a]))
            .collect();
        y += &format!(
            "  {r}:\n    location: [0, {}]\n    availability: {}\n    mttr: {}\n    azs:\n",
            10 * i,
            rng.pick(AVAILABILITIES),
            rng.pick(MTTRS)
        );
        for a in &ids {
            y += &format!(
                "      {a}: {{ availability: {}, mttr: {} }}\n",
                rng.pick(AVAILABILITIES),
                rng.pick(MTTRS)
            );
        }
        azs.push(ids);
    }
    let mut links = Vec::new();
    for a in 0..n_regions {
        for b in a + 1..n_regions {
            if components < 14 && rng.chance(60) {
                components += 1;
                links.push(format!(
                    "  - {{ between: [{}, {}], availability: {}, mttr: {} }}\n",
                    regions[a],
                    regions[b],
                    rng.pick(AVAILABILITIES),
                    rng.pick(MTTRS)
                ));
            }
        }
    }
    if !links.is_empty() {
        y += "links:\n";
        y += &links.concat();
    }
    let all_azs: Vec<String> = azs.iter().flatten().cloned().collect();
    if components < 15 && rng.chance(50) {
        components += 1;
        let mut members: Vec<String> = regions.clone();
        members.extend(all_azs.iter().cloned());
        let members = rng.some_of(&members);
        let members = &members[..members.len().min(2)];
        y += &format!(
            "shared_fate:\n  grid: {{ members: [{}], availability: {}, mttr: {} }}\n",
            members.join(", "),
            rng.pick(AVAILABILITIES),
            rng.pick(MTTRS)
        );
    }
    let external = components < 15 && rng.chance(50);
    if external {
        y += &format!(
            "externals:\n  idp: {{ availability: {}, mttr: {} }}\n",
            rng.pick(AVAILABILITIES),
            rng.pick(MTTRS)
        );
    }
    let kind = rng.pick(&["geodns", "failover-dns", "anycast", "global-lb"]);
    y += &format!(
        "routing:\n  kind: {kind}\n  availability: {}\n  mttr: {}\n",
        rng.pick(&["0.999", "0.9999"]),
        rng.pick(MTTRS)
    );
    if kind == "failover-dns" {
        let primary = regions[rng.below(n_regions)].clone();
        let others: Vec<String> = regions.iter().filter(|r| **r != primary).cloned().collect();
        let order = if rng.chance(30) {
            Vec::new()
        } else {
            rng.some_of(&others)
        };
        y += &format!(
            "  primary: {primary}\n  failover_order: [{}]\n",
            order.join(", ")
        );
    }
    y +=
        "users:\n  u0: { location: [0, 0], share: 0.5 }\n  u1: { location: [0, 25], share: 0.5 }\n";
    y += "demand: { peak_rps: 100 }\n";
    // Datastores.
    let mut stores = Vec::new();
    let mut ds = String::from("datastores:\n");
    for s in 0..1 + rng.below(3) {
        let id = format!("db{s}");
        let r = rng.below(n_regions);
        let primary_az = |rng: &mut Rng| azs[r][rng.below(azs[r].len())].clone();
        let body = match rng.below(6) {
            0 => format!(
                "replication: single-az, az: {}",
                all_azs[rng.below(all_azs.len())]
            ),
            1 => format!(
                "replication: multi-az, primary: {}, primary_az: {}, standby_in_region: {}",
                regions[r],
                primary_az(&mut rng),
                rng.chance(50)
            ),
            2 | 3 => {
                let others: Vec<String> = regions
                    .iter()
                    .filter(|x| **x != regions[r])
                    .cloned()
                    .collect();
                format!(
                    "replication: active-passive, primary: {}, primary_az: {}, standby_in_region: {}, replicas: [{}], sync: {}, failover: {}",
                    regions[r],
                    primary_az(&mut rng),
                    rng.chance(50),
                    rng.some_of(&others).join(", "),
                    rng.chance(50),
                    rng.pick(&["automatic", "manual"])
                )
            }
            4 => format!(
                "replication: active-active, regions: [{}], sync: {}",
                rng.some_of(&regions).join(", "),
                rng.chance(50)
            ),
            _ => format!(
                "replication: consensus, regions: [{}]",
                rng.some_of(&regions).join(", ")
            ),
        };
        let backups = if rng.chance(60) {
            format!(
                ", manual_decision: {}, backups: {{ interval: 1h, restore: {}, region: {} }}",
                rng.pick(&["0s", "30m", "1h", "2h"]),
                rng.pick(&["30m", "1h", "2h", "3h", "5h", "7h"]),
                regions[rng.below(n_regions)]
            )
        } else {
            String::new()
        };
        ds += &format!("  {id}: {{ {body}{backups} }}\n");
        stores.push(id);
    }
    // Services: web (entry) and maybe api, each placed in some regions.
    let placement = |rng: &mut Rng, y: &mut String| {
        *y += "    placement:\n";
        for r in rng.some_of(&regions) {
            let i: usize = r[1..].parse().unwrap();
            let line = match rng.below(3) {
                0 => "{ per_az: 1 }".to_string(),
                1 => format!("{{ azs: {{ {}: 1 }} }}", azs[i][0]),
                _ => "{ per_az: 0, scale_to: { per_az: 1 } }".to_string(),
            };
            *y += &format!("      {r}: {line}\n");
        }
    };
    let api = rng.chance(50);
    let mut needs: Vec<String> = stores.clone();
    if api {
        needs.push("api".into());
    }
    if external {
        needs.push("idp".into());
    }
    y += "services:\n  web:\n    entry: true\n    capacity_per_instance: 1000\n";
    placement(&mut rng, &mut y);
    y += &format!("    depends_on: [{}]\n", rng.some_of(&needs).join(", "));
    if api {
        y += "  api:\n    capacity_per_instance: 1000\n";
        placement(&mut rng, &mut y);
        y += &format!("    depends_on: [{}]\n", rng.some_of(&stores).join(", "));
    }
    y + &ds
}

#[test]
fn scram_agrees_on_random_topologies() {
    let Some(scram) = scram() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut rejected = 0;
    for seed in 0..80 {
        let path = dir.path().join(format!("random-{seed}.yaml"));
        std::fs::write(&path, random_topology(seed)).unwrap();
        // A topology where nothing serves with every component up is invalid for both
        // commands alike; anything else must validate.
        let validate = drplan().arg("analyze").arg(&path).output().unwrap();
        match validate.status.code() {
            Some(0 | 1) => files.push(path),
            Some(2)
                if String::from_utf8_lossy(&validate.stderr).contains("error[nothing-serves]") =>
            {
                drplan()
                    .args(["export", "--format", "open-psa"])
                    .arg(&path)
                    .assert()
                    .code(2);
                rejected += 1;
            }
            other => panic!(
                "random topology {seed} exited {other:?}:\n{}\n{}",
                String::from_utf8_lossy(&validate.stderr),
                std::fs::read_to_string(&path).unwrap()
            ),
        }
    }
    assert!(
        files.len() >= 50,
        "only {} random topologies serve ({rejected} rejected)",
        files.len()
    );
    compare_all(&scram, &files, "random");
}

/// The shim matters: SCRAM alone prints 6 digits, with the shim the exact double comes back.
#[test]
fn the_shim_gives_scram_full_precision() {
    let Some(scram) = scram() else { return };
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("one.xml");
    let p = 1.234_567_891_234_567e-4;
    std::fs::write(
        &tree,
        format!(
            r#"<?xml version="1.0"?>
<opsa-mef>
  <define-fault-tree name="one">
    <define-gate name="top"><or><basic-event name="a"/><basic-event name="b"/></or></define-gate>
  </define-fault-tree>
  <model-data>
    <define-basic-event name="a"><float value="{p:e}"/></define-basic-event>
    <define-basic-event name="b"><float value="0"/></define-basic-event>
  </model-data>
</opsa-mef>
"#
        ),
    )
    .unwrap();
    assert_eq!(scram.probability(&tree), p);
    let rounded = scram.probability_with(&tree, false);
    assert_eq!(rounded, 1.23457e-4, "SCRAM alone prints %g");
    assert!(relative_difference(rounded, p) > RELATIVE);
}

/// The comparison can fail: a probability changed by one part in 10^5 in the exported file
/// moves SCRAM's answer by more than 1e-9 relative (5e-9 here), though less than `%g` shows.
#[test]
fn a_perturbed_probability_is_caught() {
    let Some(scram) = scram() else { return };
    let dir = tempfile::tempdir().unwrap();
    let topology = root().join("topologies/active-passive.yaml");
    let tree = export(&topology, dir.path());
    let ours = drplan_unavailability(&topology);
    assert!(relative_difference(scram.probability(&tree), ours) <= RELATIVE);
    let text = std::fs::read_to_string(&tree).unwrap();
    let event = r#"<define-basic-event name="region_us-east">"#;
    let at = text.find(event).expect("the region's basic event") + event.len();
    let value_at = at + text[at..].find("value=\"").unwrap() + "value=\"".len();
    let value_end = value_at + text[value_at..].find('"').unwrap();
    let value: f64 = text[value_at..value_end].parse().unwrap();
    let perturbed = format!(
        "{}{:e}{}",
        &text[..value_at],
        value * (1.0 + 1e-5),
        &text[value_end..]
    );
    let bad = dir.path().join("perturbed.xml");
    std::fs::write(&bad, perturbed).unwrap();
    let theirs = scram.probability(&bad);
    let diff = relative_difference(theirs, ours);
    assert!(
        diff > RELATIVE,
        "a perturbed probability went unnoticed: SCRAM {theirs:e}, drplan {ours:e}"
    );
    // Six significant digits resolve 5e-7 relative at best: this needs the shim.
    assert!(
        diff < 5e-7,
        "the perturbation should be below what 6 digits show ({diff:e})"
    );
}

/// Every exported tree is well-formed XML and valid against SCRAM's own schema of the format.
#[test]
fn exported_trees_are_well_formed_and_valid_open_psa() {
    let Some(xmllint) = tool("xmllint", "the exported XML is checked with xmllint") else {
        return;
    };
    let schema = Path::new("/usr/share/scram/input.rng");
    let dir = tempfile::tempdir().unwrap();
    for file in topologies() {
        let tree = export(&file, dir.path());
        let mut cmd = Command::new(&xmllint);
        cmd.arg("--noout");
        if schema.exists() {
            cmd.arg("--relaxng").arg(schema);
        }
        let out = cmd.arg(&tree).output().unwrap();
        assert!(
            out.status.success(),
            "{} is not valid:\n{}",
            tree.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    if !schema.exists() {
        skip(
            "SCRAM's schema /usr/share/scram/input.rng is missing (install scram); checked well-formedness only",
        );
    }
}

/// The tree's shape: the top event `down`, one basic event per component (every component of
/// the report, its id in the label), unique names that follow the Open-PSA pattern, and the
/// probabilities 1 - availability.
#[test]
fn the_tree_names_every_component_and_the_top_event() {
    let topology = root().join("topologies/active-passive.yaml");
    let out = drplan()
        .args(["export", "--format", "open-psa"])
        .arg(&topology)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("<?xml"));
    assert!(text.contains("<define-gate name=\"down\">"));
    // `down` is the only gate no other gate uses.
    let defined: Vec<&str> = text
        .split("<define-gate name=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
        .collect();
    let roots: Vec<&&str> = defined
        .iter()
        .filter(|g| !text.contains(&format!("<gate name=\"{g}\"/>")))
        .collect();
    assert_eq!(roots, [&"down"]);
    let events: Vec<&str> = text
        .split("<define-basic-event name=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
        .collect();
    let mut names: Vec<String> = defined
        .iter()
        .chain(events.iter())
        .map(|n| n.to_ascii_lowercase())
        .collect();
    for n in &names {
        let pieces: Vec<&str> = n.split('-').collect();
        assert!(
            n.starts_with(|c: char| c.is_ascii_alphabetic())
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                && pieces.iter().all(|p| !p.is_empty()),
            "`{n}` is not an Open-PSA name"
        );
    }
    let total = names.len();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), total, "names are unique");
    let report = crate::common::analyze_json(&topology);
    let components: Vec<&str> = report["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["failed"].as_array().unwrap().len() == 1 && s["class"] != "corruption")
        .filter(|s| s["class"] != "custom")
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(events.len(), components.len());
    for id in components {
        assert!(
            text.contains(&format!("<label>{id} fails (")),
            "no basic event for {id}"
        );
    }
    // routing: availability 0.99999 in active-passive.yaml.
    let routing = text
        .split("<define-basic-event name=\"routing\">")
        .nth(1)
        .unwrap();
    let value: f64 = routing
        .split("value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let fixture = std::fs::read_to_string(&topology).unwrap();
    assert!(fixture.contains("availability: 0.99999\n  mttr: 1h\n  cost_per_month"));
    assert_eq!(value, 1.0 - 0.99999);
}

#[test]
fn export_writes_atomically_and_fails_like_other_commands() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tree.xml");
    drplan()
        .args(["export", "--format", "open-psa", "-o"])
        .arg(&out)
        .arg(root().join("topologies/multi-az.yaml"))
        .assert()
        .code(0)
        .stdout("");
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.trim_end().ends_with("</opsa-mef>"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

    // Invalid input: exit 2 with the located diagnostics, no output file.
    let bad = root().join("tests/fixtures/invalid/dangling-reference.yaml");
    let failed = dir.path().join("bad.xml");
    let result = drplan()
        .args(["export", "--format", "open-psa", "-o"])
        .arg(&failed)
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(result.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(stderr.contains("error[dangling-reference]"), "{stderr}");
    assert!(stderr.contains("dangling-reference.yaml:"), "{stderr}");
    assert!(!failed.exists());

    // A missing file is an I/O error (exit 3); an unknown format a usage error (exit 2).
    drplan()
        .args(["export", "--format", "open-psa"])
        .arg(dir.path().join("missing.yaml"))
        .assert()
        .code(3);
    drplan()
        .args(["export", "--format", "dot"])
        .arg(root().join("topologies/multi-az.yaml"))
        .assert()
        .code(2);
}

/// Topologies above the 22 components drplan enumerates: its factored method (with its error
/// bound of at most 1e-12) against SCRAM's BDD on the same exported trees.
const FACTORED: &[&str] = &[
    "--regions 6 --azs 3 --links mesh",
    "--regions 8 --azs 3 --links mesh --routing failover-dns",
    "--regions 10 --azs 3 --links nearest:4",
    "--regions 12 --azs 2 --links nearest:4 --routing anycast --datastores single-az,multi-az,active-passive,active-active",
    "--regions 30 --azs 3 --links nearest:4 --datastores single-az,multi-az,active-passive,active-active --shared-fate 2",
];

#[test]
fn scram_agrees_with_the_factored_method_above_enumeration() {
    let Some(scram) = scram() else { return };
    let dir = tempfile::tempdir().unwrap();
    let files = generate_all(dir.path(), FACTORED, "factored");
    for (args, path) in FACTORED.iter().zip(&files) {
        let report = crate::common::analyze_json(path);
        assert_eq!(
            report["summary"]["availability_method"], "factored",
            "{args}: {}",
            report["summary"]["availability_note"]
        );
    }
    compare_all(&scram, &files, "factored");
}

/// Rings, hubs and chains above the 22 components drplan enumerates, where a failure can split
/// the network: drplan's figure comes from the most probable states (or the factored method)
/// and must be exact (error bound at most 1e-12; these have about 1e-15, far inside the
/// relative 1e-9 asked of SCRAM at an unavailability near 3e-4). Every routing kind on each
/// shape, with and without shared fate, consensus, the backed-up store and externals.
const SPLITTING: &[&str] = &[
    "--regions 8 --azs 3 --links ring",
    "--regions 8 --azs 3 --links ring --routing failover-dns --shared-fate 0",
    "--regions 8 --azs 2 --links ring --routing anycast --datastores single-az,multi-az,active-active,consensus",
    "--regions 7 --azs 3 --links ring --routing global-lb --datastores single-az,multi-az,active-passive,active-active --externals 0",
    "--regions 6 --azs 3 --links ring --consensus-regions 3 --shared-fate 2 --seed 5",
    "--regions 8 --azs 3 --links hub --routing anycast --shared-fate 0 --externals 0",
    "--regions 8 --azs 2 --links hub --routing global-lb --datastores single-az,multi-az,active-active,consensus",
    "--regions 7 --azs 3 --links hub --routing failover-dns --datastores single-az,multi-az,active-passive,active-active",
    "--regions 6 --azs 3 --links hub --users 3 --shared-fate 2 --seed 3",
    "--regions 8 --azs 3 --links chain --routing global-lb --shared-fate 0",
    "--regions 8 --azs 2 --links chain --routing failover-dns --datastores single-az,multi-az,active-active,consensus",
    "--regions 7 --azs 3 --links chain --datastores single-az,multi-az,active-passive,active-active --shared-fate 2",
    "--regions 6 --azs 3 --links chain --routing anycast --consensus-regions 4 --externals 2 --seed 9",
    "--regions 9 --azs 2 --links chain",
];

#[test]
fn scram_agrees_on_rings_hubs_and_chains_above_enumeration() {
    let Some(scram) = scram() else { return };
    let dir = tempfile::tempdir().unwrap();
    let files = generate_all(dir.path(), SPLITTING, "splitting");
    for (args, path) in SPLITTING.iter().zip(&files) {
        let summary = &crate::common::analyze_json(path)["summary"];
        let method = summary["availability_method"].as_str().unwrap_or_default();
        let bound = summary["availability_error_bound"]
            .as_f64()
            .unwrap_or(f64::INFINITY);
        assert!(
            (method == "factored" || method == "most-probable-states") && bound <= 1e-12,
            "{args}: {method}, bound {bound:e}: {}",
            summary["availability_note"]
        );
    }
    compare_all(&scram, &files, "rings, hubs and chains");
}

/// With control planes (MODEL.md §10) the tree is `down` in exactly the states the engine is,
/// state by state over every combination of failed components (no SCRAM needed): frozen
/// promotions and restores, control planes hosted in the regions that fail, and routing that
/// cannot move anyone.
#[test]
fn the_tree_is_down_exactly_when_the_engine_is_with_control_planes() {
    let no_scale = ("    scale_requires: [compute-b]\n", "");
    // b's steady instance only in b1, the rest a frozen scale-up away: b serves nothing when
    // b1 is down and compute-b is too.
    let geodns = ("  kind: failover-dns\n", "  kind: geodns\n");
    let global_lb = ("  kind: failover-dns\n", "  kind: global-lb\n");
    let pilot_light = (
        "      a: { per_az: 1 }\n",
        "      a: { per_az: 0, scale_to: { per_az: 1 } }\n",
    );
    let fixtures: [(&str, Vec<(&str, &str)>); 13] = [
        ("v2_stuck_geodns", vec![]),
        ("v2_stuck_failover", vec![]),
        ("v2_availability", vec![]),
        (
            "v2_availability",
            vec![("db-api: { availability: 0.9 }", "db-api: { region: a }")],
        ),
        (
            "v2_availability",
            vec![("db-api: { availability: 0.9 }", "db-api: { region: b }")],
        ),
        ("v2_recovery", vec![no_scale]),
        (
            "v2_recovery",
            vec![
                no_scale,
                (
                    "  kind: failover-dns\n",
                    "  kind: geodns\n  requires: [db-api]\n",
                ),
            ],
        ),
        // Frozen scale-ups (§10.3): failover-dns, geodns with frozen routing, global-lb's
        // pool, and a pilot light in both regions.
        ("v2_recovery", vec![]),
        (
            "v2_recovery",
            vec![(
                "  kind: failover-dns\n",
                "  kind: geodns\n  requires: [db-api]\n",
            )],
        ),
        ("v2_recovery", vec![geodns]),
        ("v2_recovery", vec![global_lb]),
        ("v2_recovery", vec![pilot_light]),
        ("v2_recovery", vec![pilot_light, global_lb]),
    ];
    let mut frozen_down = 0;
    for (name, change) in fixtures {
        let mut text =
            std::fs::read_to_string(root().join(format!("tests/fixtures/hand/{name}.yaml")))
                .unwrap();
        for (from, to) in &change {
            assert!(text.contains(from), "{name}: {from:?}");
            text = text.replacen(from, to, 1);
        }
        let source = drplan::load::Source {
            name: format!("{name}.yaml"),
            text,
        };
        let checked = drplan::pipeline::check_source(source, name)
            .unwrap_or_else(|_| panic!("{name} validates"));
        let model = &checked.model;
        assert_eq!(drplan::export::unsupported(model), None, "{name}");
        let tree = drplan::export::fault_tree::build(model);
        let engine = drplan::evaluate::Engine::new(model);
        let n = engine.components().len();
        assert!(n <= 16, "{name}: {n} components");
        assert!(!model.control_planes.is_empty());
        for mask in 0u32..(1 << n) {
            let failed: Vec<bool> = (0..n).map(|i| mask >> i & 1 == 1).collect();
            let failure = drplan::evaluate::Failure {
                components: (0..n).filter(|i| failed[*i]).collect(),
                ..Default::default()
            };
            let core = engine.core(&failure);
            let down = core.outcome == drplan::evaluate::Outcome::Down;
            // Down with capacity computed and a scale-up frozen: a served fraction of 0.
            if down && !core.scale_frozen.is_empty() {
                frozen_down += 1;
            }
            assert_eq!(
                tree.circuit.evaluate(tree.top, &failed),
                down,
                "{name} {change:?}: failed {:?}",
                failure
                    .components
                    .iter()
                    .map(|i| model.component_id(engine.components()[*i]))
                    .collect::<Vec<_>>()
            );
        }
    }
    assert!(
        frozen_down > 0,
        "no state was down through a frozen scale-up alone"
    );
}

/// The one thing the tree does not follow: a user group so small (a share of at most 1e-9)
/// that the region it alone loads would not scale even with its control planes up (its load
/// is within the scaling tolerance). With a frozen scale-up in the topology, export declines
/// (exit 2), naming the group, rather than write a tree SCRAM would disagree with.
#[test]
fn export_declines_a_frozen_scale_up_beside_a_negligible_user_group() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("tests/fixtures/hand/v2_recovery.yaml"))
        .unwrap()
        .replacen(
            "  ub: { location: [0, 10], share: 0.4 }\n",
            "  ub: { location: [0, 10], share: 0.4 }\n  tiny: { location: [0, 5], share: 1e-10 }\n",
            1,
        );
    assert!(text.contains("tiny"));
    let path = dir.path().join("tiny.yaml");
    std::fs::write(&path, &text).unwrap();
    let out = drplan()
        .args(["export", "--format", "open-psa"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "error: the fault tree cannot express a frozen scale-up with `users.tiny.share` at or below 1e-9"
        ),
        "{stderr}"
    );
    // Without the scale-up's control plane the same file exports.
    let path = dir.path().join("tiny-unfrozen.yaml");
    std::fs::write(
        &path,
        text.replacen("    scale_requires: [compute-b]\n", "", 1),
    )
    .unwrap();
    drplan()
        .args(["export", "--format", "open-psa"])
        .arg(&path)
        .assert()
        .code(0);
}

/// A random topology (every §3.2 rule) given two control planes: `cp-east`, hosted in r0 (a
/// region that fails), needed by a store and by the entry service's scale-ups, and `cp-dns`,
/// on its own, needed by routing and by `api`'s scale-ups. The random placements include
/// pilot lights (`per_az: 0` with `scale_to`), so frozen scale-ups leave regions passing
/// nothing.
fn random_topology_with_control_planes(seed: u64) -> String {
    random_topology(seed)
        .replacen("  db0: { ", "  db0: { requires: [cp-east], ", 1)
        .replacen(
            "routing:\n  kind: ",
            "routing:\n  requires: [cp-dns]\n  kind: ",
            1,
        )
        .replacen(
            "  web:\n    entry: true\n",
            "  web:\n    entry: true\n    scale_requires: [cp-east]\n",
            1,
        )
        .replacen(
            "  api:\n    capacity_per_instance: 1000\n",
            "  api:\n    capacity_per_instance: 1000\n    scale_requires: [cp-dns]\n",
            1,
        )
        + "control_planes:\n  cp-east: { region: r0, availability: 0.9, mttr: 30m }\n  cp-dns: { availability: 0.95 }\n"
}

/// The same, state by state, on random topologies with control planes
/// ([`random_topology_with_control_planes`]). The enumeration behind `summary.unavailability`
/// sums exactly these states, so the two encodings of "down" agree on the exact availability.
#[test]
fn the_tree_and_the_engine_agree_on_random_topologies_with_control_planes() {
    let mut checked_count = 0;
    let mut frozen_down = 0;
    for seed in 0..40 {
        let text = random_topology_with_control_planes(seed);
        let source = drplan::load::Source {
            name: format!("random-{seed}.yaml"),
            text: text.clone(),
        };
        let Ok(checked) = drplan::pipeline::check_source(source, "random") else {
            panic!("random topology {seed} with control planes validates:\n{text}")
        };
        let model = &checked.model;
        let engine = drplan::evaluate::Engine::new(model);
        if drplan::pipeline::analyze_serving(&checked).is_err() {
            continue;
        }
        assert!(model.datastores[0].requires.len() == 1, "{text}");
        let n = engine.components().len();
        if n > 17 {
            continue;
        }
        let tree = drplan::export::fault_tree::build(model);
        for mask in 0u32..(1 << n) {
            let failed: Vec<bool> = (0..n).map(|i| mask >> i & 1 == 1).collect();
            let failure = drplan::evaluate::Failure {
                components: (0..n).filter(|i| failed[*i]).collect(),
                ..Default::default()
            };
            let core = engine.core(&failure);
            let down = core.outcome == drplan::evaluate::Outcome::Down;
            if down && !core.scale_frozen.is_empty() {
                frozen_down += 1;
            }
            assert_eq!(
                tree.circuit.evaluate(tree.top, &failed),
                down,
                "random {seed}: failed {:?}\n{text}",
                failure
                    .components
                    .iter()
                    .map(|i| model.component_id(engine.components()[*i]))
                    .collect::<Vec<_>>()
            );
        }
        checked_count += 1;
    }
    assert!(
        checked_count >= 25,
        "only {checked_count} topologies checked"
    );
    assert!(
        frozen_down >= 100,
        "only {frozen_down} states down through a frozen scale-up"
    );
    eprintln!(
        "export: {checked_count} random topologies with control planes agree state by state ({frozen_down} states down through a frozen scale-up)"
    );
}

/// SCRAM on the exported trees of topologies with control planes hosted in regions that fail:
/// the random ones above, and `drplan generate` estates given control planes in their first
/// two regions (needed by routing, the active-passive store and the entry service's scale-ups)
/// and a pilot light in the second region, so that frozen promotions, frozen routing and
/// frozen scale-ups all weigh.
#[test]
fn scram_agrees_with_control_planes_hosted_in_regions_that_fail() {
    let Some(scram) = scram() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for seed in 0..40 {
        let text = random_topology_with_control_planes(seed);
        let path = dir.path().join(format!("random-cp-{seed}.yaml"));
        std::fs::write(&path, &text).unwrap();
        let validate = drplan().arg("analyze").arg(&path).output().unwrap();
        if validate.status.code() == Some(2) {
            assert!(
                String::from_utf8_lossy(&validate.stderr).contains("error[nothing-serves]"),
                "random {seed}: {}",
                String::from_utf8_lossy(&validate.stderr)
            );
            continue;
        }
        files.push(path);
    }
    assert!(files.len() >= 25, "{} random topologies", files.len());
    compare_all(&scram, &files, "random with control planes");

    let mut files = Vec::new();
    for (i, args) in [
        "--regions 3 --azs 2 --links ring --routing failover-dns --users 3",
        "--regions 3 --azs 2 --links ring --routing geodns --users 3 --externals 0",
        "--regions 4 --azs 1 --links ring --routing global-lb --users 4 --shared-fate 0",
        "--regions 4 --azs 2 --links hub --routing failover-dns --users 2 --shared-fate 0 --externals 0 --datastores active-passive,single-az",
    ]
    .iter()
    .enumerate()
    {
        let out = drplan()
            .arg("generate")
            .args(args.split_whitespace())
            .output()
            .unwrap();
        assert!(out.status.success(), "drplan generate {args}");
        let text = String::from_utf8(out.stdout).unwrap();
        // r01's web instances only once scaled (its scale_to depends on the routing kind).
        let web = "      r01: { per_az: 2, scale_to: ";
        assert!(text.contains(web), "{args}:\n{text}");
        let text = text
            .replacen(web, "      r01: { per_az: 0, scale_to: ", 1)
            .replacen(
                "  web:\n    entry: true\n",
                "  web:\n    entry: true\n    scale_requires: [cp-r01]\n",
                1,
            )
            .replacen(
                "replication: active-passive, primary: r00,",
                "replication: active-passive, requires: [cp-r01], primary: r00,",
                1,
            )
            .replacen(
                "routing:\n  kind: failover-dns\n",
                "routing:\n  kind: failover-dns\n  requires: [cp-r00]\n",
                1,
            )
            .replacen(
                "routing:\n  kind: geodns\n",
                "routing:\n  kind: geodns\n  requires: [cp-r00]\n",
                1,
            )
            + "\ncontrol_planes:\n  cp-r00: { region: r00, availability: 0.999 }\n  cp-r01: { region: r01, availability: 0.99 }\n";
        let path = dir.path().join(format!("generated-cp-{i}.yaml"));
        std::fs::write(&path, &text).unwrap();
        let checked = drplan::pipeline::check_source(
            drplan::load::Source {
                name: format!("generated-cp-{i}.yaml"),
                text: text.clone(),
            },
            "generated",
        )
        .unwrap_or_else(|_| panic!("{args} with control planes validates:\n{text}"));
        assert!(
            !drplan::export::fault_tree::frozen_scaling(&checked.model).is_empty(),
            "{args}"
        );
        files.push(path);
    }
    compare_all(&scram, &files, "generated with control planes");
}
