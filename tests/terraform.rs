//! `drplan import terraform` and `drplan diff --terraform`: the shared corpus of real plans, the
//! repository's own plans of six DR patterns (tests/terraform/), hostile plans.

use std::path::{Path, PathBuf};

use crate::common::{drplan, root};

/// The shared corpus of real plans beside the repository (`../shared/terraform/corpus`), or
/// `None` with a visible skip (a failure when DRPLAN_REQUIRE_TOOLS is set).
fn corpus_dir() -> Option<PathBuf> {
    let dir = root().join("../shared/terraform/corpus");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("DRPLAN_REQUIRE_TOOLS").is_none(),
        "the Terraform plan corpus is required (DRPLAN_REQUIRE_TOOLS is set) but {} is missing",
        dir.display()
    );
    eprintln!(
        "SKIPPED: the Terraform plan corpus {} is missing",
        dir.display()
    );
    None
}

/// An overlay that supplies what a plan cannot know: one user group, demand, and a capacity
/// for every service the import found.
fn overlay_for(imported: &str) -> String {
    let doc: serde_yaml::Value = serde_yaml::from_str(imported).expect("the import is YAML");
    let mut text = String::from(
        "users:\n  everyone: { location: [40.71, -74.01], share: 1 }\ndemand: { peak_rps: 100 }\n",
    );
    if let Some(services) = doc.get("services").and_then(|s| s.as_mapping())
        && !services.is_empty()
    {
        text.push_str("services:\n");
        for (id, _) in services {
            let id = id.as_str().expect("service ids are strings");
            text.push_str(&format!("  {id}: {{ capacity_per_instance: 100 }}\n"));
        }
    }
    text
}

/// A located error: `--> FILE:LINE:COL` under the title.
fn located(stderr: &str) -> bool {
    stderr.lines().any(|l| {
        l.trim_start().starts_with("-->")
            && l.rsplit(':')
                .take(2)
                .all(|n| n.trim().parse::<u32>().is_ok())
    })
}

#[test]
fn every_corpus_plan_imports_to_a_valid_topology_or_a_located_error() {
    let Some(dir) = corpus_dir() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 30, "the corpus holds {} plans", files.len());
    let (mut valid, mut errors) = (Vec::new(), Vec::new());
    for plan in &files {
        let name = plan.file_name().unwrap().to_string_lossy().to_string();
        let out = tmp.path().join(format!("{name}.yaml"));
        let first = drplan()
            .args(["import", "terraform"])
            .arg(plan)
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&first.stderr);
        let code = first.status.code();
        assert!(
            code == Some(0) || code == Some(2),
            "{name}: exit {code:?}\n{stderr}"
        );
        assert!(!stderr.contains("internal error"), "{name}: {stderr}");
        let text = std::fs::read_to_string(&out)
            .unwrap_or_else(|_| panic!("{name}: no topology written\n{stderr}"));
        // The before side (prior state, or `before` of each change) imports without a panic too.
        let before = drplan()
            .args(["import", "terraform", "--side", "before"])
            .arg(plan)
            .output()
            .unwrap();
        let before_err = String::from_utf8_lossy(&before.stderr);
        assert!(
            matches!(before.status.code(), Some(0) | Some(2))
                && !before_err.contains("internal error"),
            "{name} --side before: {before_err}"
        );
        assert!(
            text.starts_with("# drplan topology imported from"),
            "{name}"
        );
        let overlay = tmp.path().join(format!("{name}.overlay.yaml"));
        std::fs::write(&overlay, overlay_for(&text)).unwrap();
        let second = drplan()
            .args(["import", "terraform"])
            .arg(plan)
            .arg("--overlay")
            .arg(&overlay)
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&second.stderr).to_string();
        match second.status.code() {
            Some(0) => {
                // Valid: `validate` of the written file agrees.
                drplan().arg("validate").arg(&out).assert().success();
                valid.push(name);
            }
            Some(2) => {
                assert!(
                    located(&stderr),
                    "{name}: an error without a location:\n{stderr}"
                );
                errors.push(name);
            }
            other => panic!("{name}: exit {other:?}\n{stderr}"),
        }
    }
    eprintln!(
        "corpus: {} plans import to a valid topology, {} to located errors\n  valid: {}\n  errors: {}",
        valid.len(),
        errors.len(),
        valid.join(", "),
        errors.join(", ")
    );
    // The two plans made here from one multi-region config (Terraform 1.0.3 and 1.15.5) hold
    // an ASG per region, Route 53 failover, RDS with a cross-region replica, DynamoDB and
    // ElastiCache: both must import whole.
    for n in [
        "90-GENERATED-HERE-tf1.0.3-aws3.39-multiregion.json",
        "91-GENERATED-HERE-tf1.15.5-aws3.39-multiregion.json",
    ] {
        assert!(
            valid.iter().any(|v| v == n),
            "{n} did not import to a valid topology"
        );
    }
}

#[test]
fn the_provider_config_key_bug_of_terraform_before_1_1_gives_the_same_topology() {
    let Some(dir) = corpus_dir() else { return };
    let import = |f: &str| {
        let out = drplan()
            .args(["import", "terraform"])
            .arg(dir.join(f))
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        // Drop the header and the lines that name the file.
        text.lines()
            .filter(|l| {
                !l.starts_with('#') && !l.starts_with("name:") && !l.starts_with("description:")
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let old = import("90-GENERATED-HERE-tf1.0.3-aws3.39-multiregion.json");
    let new = import("91-GENERATED-HERE-tf1.15.5-aws3.39-multiregion.json");
    assert_eq!(old, new);
    assert!(new.contains("us-west-2:"), "{new}");
    assert!(new.contains("kind: failover-dns"), "{new}");
}

#[test]
fn a_resource_without_a_region_is_a_warning_naming_its_address() {
    let Some(dir) = corpus_dir() else { return };
    let out = drplan()
        .args(["import", "terraform"])
        .arg(dir.join("17-checkov-asg-dynamodb-tags.json"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning[import-region-unknown]"),
        "{stderr}"
    );
    assert!(
        stderr.contains("warning[import-region-unknown]: aws_autoscaling_group.")
            || stderr.contains("warning[import-region-unknown]: aws_dynamodb_table."),
        "{stderr}"
    );
    assert!(stderr.contains("--default-region"), "{stderr}");
    // No silent default: us-east-1 appears nowhere in the topology.
    assert!(!String::from_utf8_lossy(&out.stdout).contains("us-east-1"));
}

#[test]
fn sensitive_values_never_reach_the_output() {
    let Some(dir) = corpus_dir() else { return };
    for f in [
        "30-snyk-sensitive-db-instance.json",
        "91-GENERATED-HERE-tf1.15.5-aws3.39-multiregion.json",
    ] {
        let plan = std::fs::read_to_string(dir.join(f)).unwrap();
        let json: serde_json::Value = serde_json::from_str(&plan).unwrap();
        let mut secrets = Vec::new();
        for rc in json["resource_changes"].as_array().unwrap() {
            if let Some(p) = rc["change"]["after"]["password"].as_str() {
                secrets.push(p.to_string());
            }
        }
        assert!(!secrets.is_empty(), "{f} has a password in clear text");
        let out = drplan()
            .args(["import", "terraform"])
            .arg(dir.join(f))
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        for s in secrets {
            assert!(
                !all.contains(&s),
                "{f}: a sensitive value reached the output"
            );
        }
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// Hostile plans end in exit 2 with a message, never a panic.
#[test]
fn hostile_plans_exit_2_with_a_message() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let mut deep = String::from("{\"format_version\":\"1.0\",\"planned_values\":");
    deep.push_str(&"[".repeat(100_000));
    let cases = [
        (
            write(
                d,
                "truncated.json",
                "{\"format_version\":\"1.2\",\"resource_changes\":[{\"address\":",
            ),
            "not a Terraform plan in JSON",
        ),
        (
            write(
                d,
                "v2.json",
                "{\"format_version\":\"2.0\",\"resource_changes\":[]}",
            ),
            "plan format version \"2.0\" is not supported",
        ),
        (
            write(
                d,
                "state.json",
                "{\"format_version\":\"1.0\",\"values\":{}}",
            ),
            "state file or a plan",
        ),
        (write(d, "deep.json", &deep), "recursion limit"),
        (write(d, "array.json", "[1,2,3]"), "not an object"),
        (write(d, "empty.json", ""), "not a Terraform plan in JSON"),
        (
            write(d, "binary.json", "\u{0}\u{1}\u{2}"),
            "not a Terraform plan",
        ),
    ];
    for (path, message) in cases {
        let out = drplan()
            .args(["import", "terraform"])
            .arg(&path)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {stderr}", path.display());
        assert!(stderr.contains(message), "{}: {stderr}", path.display());
    }
    // Invalid UTF-8 and a size limit.
    let bad = d.join("latin1.json");
    std::fs::write(&bad, b"{\"format_version\":\"1.0\xff\"}").unwrap();
    let out = drplan()
        .args(["import", "terraform"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not UTF-8"));
    let out = drplan()
        .args(["import", "terraform", "--max-plan-size", "10"])
        .arg(d.join("v2.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--max-plan-size"));
}

/// A resource whose every value is unknown, and a huge plan: a topology with FILL IN holes or
/// located errors, never a panic or a guess.
#[test]
fn unknown_everything_and_huge_plans_do_not_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let unknown = r#"{"format_version":"1.2","configuration":{"provider_config":{"aws":{"name":"aws","expressions":{"region":{"constant_value":"eu-west-1"}}}},"root_module":{"resources":[{"address":"aws_db_instance.x","mode":"managed","type":"aws_db_instance","name":"x","provider_config_key":"aws","expressions":{"multi_az":{"references":["var.ha"]}}},{"address":"aws_autoscaling_group.web","mode":"managed","type":"aws_autoscaling_group","name":"web","provider_config_key":"aws","expressions":{}}]}},
      "resource_changes":[
        {"address":"aws_db_instance.x","mode":"managed","type":"aws_db_instance","name":"x","change":{"actions":["create"],"before":null,"after":{},"after_unknown":true}},
        {"address":"aws_autoscaling_group.web","mode":"managed","type":"aws_autoscaling_group","name":"web","change":{"actions":["create"],"before":null,"after":null,"after_unknown":{"desired_capacity":true,"min_size":true,"vpc_zone_identifier":true}}}
      ]}"#;
    let p = write(d, "unknown.json", unknown);
    let out = drplan()
        .args(["import", "terraform"])
        .arg(&p)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stdout.contains("replication: null  # FILL IN"), "{stdout}");
    assert!(!stdout.contains("us-east-1"), "{stdout}");
    assert!(stderr.contains("multi_az` is unknown at plan"), "{stderr}");
    assert!(located(&stderr), "{stderr}");
    // 20,000 resources.
    let mut big = String::from("{\"format_version\":\"0.1\",\"resource_changes\":[");
    for i in 0..20_000 {
        if i > 0 {
            big.push(',');
        }
        big.push_str(&format!("{{\"address\":\"aws_dynamodb_table.t[{i}]\",\"mode\":\"managed\",\"type\":\"aws_dynamodb_table\",\"name\":\"t\",\"index\":{i},\"change\":{{\"actions\":[\"create\"],\"before\":null,\"after\":{{\"region\":\"us-east-1\"}},\"after_unknown\":{{}}}}}}"));
    }
    big.push_str("]}");
    let p = write(d, "big.json", &big);
    let out = drplan()
        .args(["import", "terraform"])
        .arg(&p)
        .output()
        .unwrap();
    assert!(matches!(out.status.code(), Some(0) | Some(2)));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("internal error"));
}

/// The DR patterns planned by scripts/terraform-plans.sh (tests/terraform/<pattern>/).
const PATTERNS: &[&str] = &[
    "multi-az",
    "warm-standby",
    "pilot-light",
    "aurora-global",
    "dynamodb-active-active",
    "global-accelerator",
];

/// Each pattern's plan imports into the topology its main.tf comment predicts.
#[test]
fn pattern_imports_are_pinned() {
    for pattern in PATTERNS {
        let out = drplan()
            .current_dir(root())
            .args(["import", "terraform"])
            .arg(format!("tests/terraform/{pattern}/plan.json"))
            .output()
            .unwrap();
        // Without an overlay the topology misses users, demand and capacity: exit 2, located.
        assert_eq!(out.status.code(), Some(2), "{pattern}");
        assert!(located(&String::from_utf8_lossy(&out.stderr)), "{pattern}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            !text.contains("not-a-real-password"),
            "{pattern}: a password reached the output"
        );
        insta::assert_snapshot!(format!("import_{pattern}"), text);
    }
}

/// Imports a pattern with its overlay and analyzes it.
fn analyze_pattern(pattern: &str) -> serde_json::Value {
    let tmp = tempfile::tempdir().unwrap();
    let topo = tmp.path().join("topology.yaml");
    let dir = root().join("tests/terraform").join(pattern);
    drplan()
        .args(["import", "terraform"])
        .arg(dir.join("plan.json"))
        .arg("--overlay")
        .arg(dir.join("overlay.yaml"))
        .arg("-o")
        .arg(&topo)
        .assert()
        .success();
    crate::common::analyze_json(&topo)
}

fn outcome(report: &serde_json::Value, id: &str) -> (String, f64, f64) {
    let s = crate::common::scenario(report, id);
    (
        s["outcome"].as_str().unwrap().to_string(),
        s["rto_s"].as_f64().unwrap_or(f64::INFINITY),
        s["dns_exposure_s"].as_f64().unwrap_or(0.0),
    )
}

fn passed(report: &serde_json::Value) -> bool {
    report["objectives"]["passed"].as_bool().unwrap()
}

#[test]
fn pattern_multi_az_survives_an_az_but_not_the_region() {
    let r = analyze_pattern("multi-az");
    for az in ["az:us-east-1a", "az:us-east-1b", "az:us-east-1c"] {
        assert_ne!(outcome(&r, az).0, "down", "{az}");
    }
    assert_eq!(outcome(&r, "region:us-east-1").0, "down");
    assert!(passed(&r), "survive: [az] holds");
}

#[test]
fn pattern_warm_standby_survives_the_region_after_a_manual_promotion() {
    let r = analyze_pattern("warm-standby");
    let (o, rto, dns) = outcome(&r, "region:us-east-1");
    assert_ne!(o, "down");
    // Detection 30 s x 3, then an operator decides (1 h) and promotes the replica (60 s).
    assert_eq!(rto, 90.0 + 3600.0 + 60.0);
    // Detection + TTL 60 s.
    assert_eq!(dns, 150.0);
    // Logical corruption: restored from the nightly AWS Backup copy in us-west-2 (the
    // overlay's restore time, 2 h, after the 1 h decision), losing up to a day of writes.
    let c = crate::common::scenario(&r, "corruption:orders");
    assert_eq!(c["rpo_s"].as_f64(), Some(86_400.0));
    assert_eq!(c["rto_s"].as_f64(), Some(3_600.0 + 7_200.0));
    assert!(passed(&r));
}

#[test]
fn pattern_pilot_light_survives_the_region_by_scaling_from_zero() {
    let r = analyze_pattern("pilot-light");
    let (o, rto, _) = outcome(&r, "region:us-east-1");
    assert_ne!(o, "down");
    // At least detection (10 s x 3) + the default scale-up (10 min) of the empty group.
    assert!(rto >= 30.0 + 600.0, "{rto}");
    assert!(passed(&r));
}

#[test]
fn pattern_aurora_global_fails_over_in_region_then_across_regions() {
    let r = analyze_pattern("aurora-global");
    assert_ne!(outcome(&r, "region:us-east-1").0, "down");
    // Losing the writer's AZ promotes the second instance in the region: no region switch.
    let (o, rto, dns) = outcome(&r, "az:us-east-1a");
    assert_ne!(o, "down");
    assert!(rto <= 60.0, "{rto}");
    assert_eq!(dns, 0.0);
    assert!(passed(&r));
}

#[test]
fn pattern_dynamodb_active_active_survives_either_region_without_promotion() {
    let r = analyze_pattern("dynamodb-active-active");
    for region in ["region:us-east-1", "region:us-west-2"] {
        let (o, rto, _) = outcome(&r, region);
        assert_ne!(o, "down", "{region}");
        // Detection (10 s x 3) + TTL (60 s): no promotion step.
        assert_eq!(rto, 90.0, "{region}");
        let s = crate::common::scenario(&r, region);
        assert_eq!(s["rpo_s"].as_f64(), Some(1.0), "the replication lag");
    }
    assert!(passed(&r));
}

#[test]
fn pattern_global_accelerator_survives_a_region_with_no_dns_exposure() {
    let r = analyze_pattern("global-accelerator");
    for region in ["region:us-east-1", "region:eu-west-1"] {
        let (o, _, dns) = outcome(&r, region);
        assert_ne!(o, "down", "{region}");
        assert_eq!(dns, 0.0, "{region}: anycast has no TTL");
    }
    assert!(passed(&r), "max_dns_exposure: 0s holds");
}

/// A pull request raising the TTL 60 -> 300, turning multi_az off and removing the us-west-2
/// replica: `diff --terraform` fails and names the objective and the resource first.
#[test]
fn pull_request_plan_fails_the_gate_naming_objective_and_resource() {
    let dir = root().join("tests/terraform/pull-request");
    let out = drplan()
        .args(["diff", "--format", "markdown", "--terraform"])
        .arg(dir.join("base.json"))
        .arg("--terraform")
        .arg(dir.join("head.json"))
        .arg("--overlay")
        .arg(dir.join("overlay.yaml"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let first = stdout.lines().next().unwrap();
    assert!(first.starts_with("### ❌ drplan diff:"), "{first}");
    assert!(first.contains("survive (new)"), "{first}");
    assert!(first.contains("`aws_db_instance.orders`"), "{first}");
    assert!(
        first.contains("`aws_db_instance.orders_west[0]`"),
        "{first}"
    );
    assert!(first.contains("`aws_route53_record.primary`"), "{first}");
    // Resources that did not change are not named.
    assert!(!first.contains("aws_autoscaling_group"), "{first}");
    // The base alone passes.
    let base = drplan()
        .args(["diff", "--terraform"])
        .arg(dir.join("base.json"))
        .arg("--terraform")
        .arg(dir.join("base.json"))
        .arg("--overlay")
        .arg(dir.join("overlay.yaml"))
        .output()
        .unwrap();
    assert_eq!(
        base.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&base.stderr)
    );
    // GitHub annotations name the objective and the resource.
    let gh = drplan()
        .args(["diff", "--format", "github", "--terraform"])
        .arg(dir.join("base.json"))
        .arg("--terraform")
        .arg(dir.join("head.json"))
        .arg("--overlay")
        .arg(dir.join("overlay.yaml"))
        .output()
        .unwrap();
    let gh = String::from_utf8_lossy(&gh.stdout);
    assert!(
        gh.lines()
            .any(|l| l.starts_with("::error title=drplan%3A survive")
                && l.contains("aws_db_instance.orders")),
        "{gh}"
    );
    // SARIF: valid 2.1.0, each breach located at the plan and at the changed resources.
    let sarif = drplan()
        .args(["diff", "--format", "sarif", "--terraform"])
        .arg(dir.join("base.json"))
        .arg("--terraform")
        .arg(dir.join("head.json"))
        .arg("--overlay")
        .arg(dir.join("overlay.yaml"))
        .output()
        .unwrap();
    assert_eq!(sarif.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/schemas/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::draft7::new(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "survive"));
    let names: Vec<&str> = results[0]["locations"][0]["logicalLocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["fullyQualifiedName"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"aws_route53_record.primary"), "{names:?}");
    assert!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("head.json")
    );
}

#[test]
fn diff_terraform_of_a_plan_that_only_creates_asks_for_the_base_plan() {
    let out = drplan()
        .args(["diff", "--terraform"])
        .arg(root().join("tests/terraform/warm-standby/plan.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("--terraform BASE.json --terraform HEAD.json")
    );
}

/// The README's import commands run as written (from the repository root, writing to a
/// temporary folder).
#[test]
fn the_readme_import_commands_run() {
    let text = std::fs::read_to_string(root().join("README.md")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| {
            l.starts_with("drplan import terraform") || l.starts_with("drplan diff --terraform")
        })
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    for line in lines {
        let mut args: Vec<String> = line
            .split_whitespace()
            .skip(1)
            .map(str::to_string)
            .collect();
        if let Some(i) = args.iter().position(|a| a == "-o") {
            args[i + 1] = tmp.path().join("topology.yaml").display().to_string();
        }
        let out = drplan().current_dir(root()).args(&args).output().unwrap();
        let code = out.status.code();
        if line.starts_with("drplan import") {
            assert_eq!(
                code,
                Some(0),
                "{line}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        } else {
            assert_eq!(
                code,
                Some(1),
                "{line}: the pull request breaches its objectives"
            );
        }
    }
    drplan()
        .arg("analyze")
        .arg(tmp.path().join("topology.yaml"))
        .assert()
        .code(0);
}

/// A small deterministic fuzzer over the importer, in process: the pattern plans with random
/// JSON nodes replaced (null, true, 0, "", {}, [], a string that looks like an AZ, an ARN or a
/// reference) and random truncations. No input may panic, and whatever the importer writes
/// must parse as YAML (the fuzz target `import_terraform` runs the same check for longer).
#[test]
fn mutated_plans_never_panic_and_always_give_parseable_yaml() {
    use drplan::import::terraform::{self, Options, Side};
    use serde_json::Value;

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }
    fn count(v: &Value) -> usize {
        1 + match v {
            Value::Array(a) => a.iter().map(count).sum(),
            Value::Object(o) => o.values().map(count).sum(),
            _ => 0,
        }
    }
    fn replace(v: &mut Value, target: &mut usize, with: &Value) -> bool {
        if *target == 0 {
            *v = with.clone();
            return true;
        }
        *target -= 1;
        match v {
            Value::Array(a) => a.iter_mut().any(|x| replace(x, target, with)),
            Value::Object(o) => o.values_mut().any(|x| replace(x, target, with)),
            _ => false,
        }
    }
    let values = [
        Value::Null,
        Value::Bool(true),
        Value::Bool(false),
        serde_json::json!(0),
        serde_json::json!(-1.5),
        serde_json::json!(""),
        serde_json::json!({}),
        serde_json::json!([]),
        serde_json::json!([{}]),
        serde_json::json!("us-east-1a"),
        serde_json::json!("eu-west-1"),
        serde_json::json!("arn:aws:rds:ap-south-1:123:db:x"),
        serde_json::json!({"references": ["module.east.lb_dns_name", "aws_db_instance.orders"]}),
        serde_json::json!({"constant_value": "yes: [no"}),
        serde_json::json!("a\nb: \"c\" # d"),
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut ok = 0;
    for pattern in PATTERNS.iter().chain(["pull-request"].iter()) {
        let file = if *pattern == "pull-request" {
            "head.json"
        } else {
            "plan.json"
        };
        let text = std::fs::read_to_string(root().join("tests/terraform").join(pattern).join(file))
            .unwrap();
        let plan: Value = serde_json::from_str(&text).unwrap();
        let nodes = count(&plan);
        for round in 0..60 {
            let bytes = if round % 10 == 9 {
                let cut = rng.below(text.len());
                text.as_bytes()[..cut].to_vec()
            } else {
                let mut p = plan.clone();
                for _ in 0..1 + rng.below(8) {
                    let mut target = rng.below(nodes);
                    let with = &values[rng.below(values.len())];
                    replace(&mut p, &mut target, with);
                }
                serde_json::to_vec(&p).unwrap()
            };
            for side in [Side::After, Side::Before] {
                let options = Options {
                    side,
                    default_region: None,
                    source_name: "mutated.json".into(),
                    name: "mutated".into(),
                };
                let Ok(imported) = terraform::import(&bytes, None, &options) else {
                    continue;
                };
                ok += 1;
                let source = drplan::load::Source {
                    name: "imported.yaml".into(),
                    text: imported.text.clone(),
                };
                if let Err(drplan::load::ReadError::Invalid(_, diagnostics)) =
                    drplan::pipeline::check_source(source, "mutated")
                {
                    for d in diagnostics {
                        assert!(
                            !matches!(
                                d.code,
                                "yaml-syntax" | "duplicate-key" | "multiple-documents"
                            ),
                            "{pattern} round {round}: unparseable output ({}): {}\n{}",
                            d.code,
                            d.message,
                            imported.text
                        );
                    }
                }
            }
        }
    }
    assert!(ok > 400, "only {ok} mutated plans imported");
}

/// One plan of a deployed stack (`diff --terraform PLAN.json`): BASE is the plan's before side.
/// Terraform offline only plans creates, so the update plan is assembled from the two real
/// pull-request plans: each resource's `before` is its value in the base plan and its `after`
/// (with `after_unknown`) the head plan's, as `terraform plan` against the base's state gives.
#[test]
fn one_update_plan_diffs_its_before_side_against_its_after_side() {
    use serde_json::{Value, json};
    let dir = root().join("tests/terraform/pull-request");
    let read = |f: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(f)).unwrap()).unwrap()
    };
    let base = read("base.json");
    let mut plan = read("head.json");
    let before: std::collections::HashMap<String, Value> = base["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|rc| {
            (
                rc["address"].as_str().unwrap().to_string(),
                rc["change"]["after"].clone(),
            )
        })
        .collect();
    let mut changes = Vec::new();
    for rc in plan["resource_changes"].as_array().unwrap() {
        let mut rc = rc.clone();
        let address = rc["address"].as_str().unwrap().to_string();
        rc["change"]["before"] = before.get(&address).cloned().unwrap_or(Value::Null);
        rc["change"]["actions"] = json!(if before.contains_key(&address) {
            ["update"]
        } else {
            ["create"]
        });
        changes.push(rc);
    }
    // The replica the pull request removes: a delete, with its before values.
    for rc in base["resource_changes"].as_array().unwrap() {
        if rc["address"] == "aws_db_instance.orders_west[0]" {
            let mut rc = rc.clone();
            rc["change"]["before"] = rc["change"]["after"].take();
            rc["change"]["after"] = Value::Null;
            rc["change"]["after_unknown"] = json!({});
            rc["change"]["actions"] = json!(["delete"]);
            changes.push(rc);
        }
    }
    plan["resource_changes"] = Value::Array(changes);
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("update.json");
    std::fs::write(&path, serde_json::to_string(&plan).unwrap()).unwrap();
    // The before side is the base topology: it keeps the replica and Multi-AZ.
    let out = drplan()
        .args(["import", "terraform", "--side", "before", "--overlay"])
        .arg(dir.join("overlay.yaml"))
        .arg(&path)
        .output()
        .unwrap();
    let before_text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        before_text.contains("replicas: [us-west-2]"),
        "{before_text}"
    );
    assert!(before_text.contains("ttl: \"60s\""), "{before_text}");
    let out = drplan()
        .args(["diff", "--format", "markdown", "--overlay"])
        .arg(dir.join("overlay.yaml"))
        .arg("--terraform")
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let first = stdout.lines().next().unwrap();
    assert!(first.contains("survive (new)"), "{first}");
    assert!(
        first.contains("`aws_db_instance.orders_west[0]`"),
        "{first}"
    );
    assert!(first.contains("`aws_route53_record.primary`"), "{first}");
    assert!(
        stdout.contains("update.json#before") && stdout.contains("update.json#after"),
        "{stdout}"
    );
}

/// Every diagnostic code of the importer (string literals `plan-*`, `overlay-*` and `import-*`
/// in src/import and src/commands/import.rs) is produced by some input here, and shown as
/// `error[code]` or `warning[code]` with the resource address or the plan's name.
#[test]
fn every_import_code_is_shown_by_a_test() {
    let mut used = std::collections::BTreeSet::new();
    let mut files = vec![root().join("src/commands/import.rs")];
    for entry in std::fs::read_dir(root().join("src/import/terraform")).unwrap() {
        files.push(entry.unwrap().path());
    }
    for f in files {
        let text = std::fs::read_to_string(f).unwrap();
        for piece in text.split('"').skip(1).step_by(2) {
            if ["plan-", "overlay-", "import-"]
                .iter()
                .any(|p| piece.starts_with(p))
                && piece.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                && !piece.ends_with('-')
            {
                used.insert(piece.to_string());
            }
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let region = r#"{"format_version":"1.2","configuration":{"provider_config":{"aws":{"name":"aws","expressions":{"region":{"constant_value":"us-east-1"}}}},"root_module":{"resources":[]}},"resource_changes":["#;
    let rc = |addr: &str, t: &str, after: &str, unknown: &str| {
        let name = addr.rsplit('.').next().unwrap();
        format!(
            r#"{{"address":"{addr}","mode":"managed","type":"{t}","name":"{name}","change":{{"actions":["create"],"before":null,"after":{after},"after_unknown":{unknown}}}}}"#
        )
    };
    let plan = |parts: &[String]| format!("{region}{}]}}", parts.join(","));
    let none = "{}";
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        ("plan-json", "{\"format_version\":".into(), vec![]),
        ("plan-format-version", "{\"format_version\":\"3.1\",\"planned_values\":{}}".into(), vec![]),
        ("plan-encoding", String::new(), vec![]),
        ("overlay-shape", plan(&[]), vec!["--overlay", "overlay-list.yaml"]),
        ("import-region-unknown", r#"{"format_version":"1.2","resource_changes":["#.to_string() + &rc("aws_dynamodb_table.t", "aws_dynamodb_table", none, none) + "]}", vec![]),
        ("import-region-inferred", r#"{"format_version":"0.2","configuration":{"provider_config":{"aws":{"name":"aws","expressions":{"region":{"constant_value":"us-east-1"}}}},"root_module":{"module_calls":{"m":{"module":{"resources":[{"address":"aws_dynamodb_table.t","mode":"managed","type":"aws_dynamodb_table","name":"t","provider_config_key":"m:aws"}]}}}}},"resource_changes":["#.to_string() + &rc("module.m.aws_dynamodb_table.t", "aws_dynamodb_table", none, none) + "]}", vec![]),
        ("import-azs-unknown", plan(&[rc("aws_autoscaling_group.g", "aws_autoscaling_group", r#"{"desired_capacity":2}"#, r#"{"vpc_zone_identifier":true}"#)]), vec![]),
        ("import-unknown-value", plan(&[rc("aws_db_instance.d", "aws_db_instance", none, r#"{"multi_az":true}"#)]), vec![]),
        ("import-replica-source", plan(&[rc("aws_db_instance.r", "aws_db_instance", r#"{"replicate_source_db":"arn:aws:rds:us-east-1:1:db:elsewhere"}"#, none)]), vec![]),
        ("import-target-unknown", plan(&[rc("aws_route53_record.r", "aws_route53_record", r#"{"name":"a","type":"A","ttl":60,"failover_routing_policy":[{"type":"PRIMARY"}]}"#, none)]), vec![]),
        ("import-multi-region-config", plan(&[rc("google_spanner_instance.s", "google_spanner_instance", r#"{"config":"nam3"}"#, none)]), vec![]),
        ("import-backup-selection", plan(&[rc("aws_backup_plan.p", "aws_backup_plan", none, none), rc("aws_backup_selection.s", "aws_backup_selection", r#"{"plan_id":"x"}"#, none)]), vec![]),
        ("import-az-assumed", plan(&[rc("aws_db_instance.d", "aws_db_instance", r#"{"multi_az":false}"#, none)]), vec![]),
    ];
    std::fs::write(d.join("overlay-list.yaml"), "- users\n").unwrap();
    let mut shown = std::collections::BTreeSet::new();
    for (code, text, extra) in &cases {
        let path = d.join(format!("{code}.json"));
        if *code == "plan-encoding" {
            // A UTF-16 byte order mark, then a lone surrogate.
            std::fs::write(&path, [0xFF, 0xFE, 0x00, 0xD8]).unwrap();
        } else {
            std::fs::write(&path, text).unwrap();
        }
        let out = drplan()
            .current_dir(d)
            .args(["import", "terraform"])
            .arg(&path)
            .args(extra)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("error[{code}]"))
                || stderr.contains(&format!("warning[{code}]")),
            "{code} not shown:\n{stderr}"
        );
        assert!(!stderr.contains("internal error"), "{code}: {stderr}");
        shown.insert(code.to_string());
    }
    let missing: Vec<&String> = used.difference(&shown).collect();
    assert!(
        missing.is_empty(),
        "import codes without a test here: {missing:?}"
    );
}
