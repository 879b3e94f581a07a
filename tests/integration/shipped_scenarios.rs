//! Every shipped scenario loads, builds and runs, and runs are reproducible.

use std::path::PathBuf;

use vpcsim::load;
use vpcsim::{report, sim};

/// All `scenarios/*.ron` files (not pricebooks, quotas or studies).
pub fn shipped() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios"))
        .expect("scenarios folder exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    v.sort();
    v
}

#[test]
fn the_three_required_scenarios_are_shipped() {
    let names: Vec<String> = shipped()
        .iter()
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    for required in ["quickstart", "peering-mesh", "hybrid-dx"] {
        assert!(
            names.iter().any(|n| n == required),
            "{required} missing from {names:?}"
        );
    }
}

#[test]
fn every_shipped_scenario_validates_and_starts_with_a_header_comment() {
    for path in shipped() {
        let text = std::fs::read_to_string(&path).expect("readable");
        // The header says what the scenario shows (DESIGN.md §7).
        assert!(
            text.starts_with("//"),
            "{} has no comment header",
            path.display()
        );
        let s = load::load_file(&path).unwrap_or_else(|e| panic!("{e}"));
        let name = path
            .file_stem()
            .expect("file name")
            .to_string_lossy()
            .into_owned();
        assert_eq!(s.name, name, "scenario name should match its file name");
    }
}

#[test]
fn every_shipped_scenario_runs_and_twice_gives_identical_summaries() {
    for path in shipped() {
        let s = load::load_file(&path).expect("valid");
        let opts = sim::RunOptions {
            quiet: true,
            ..Default::default()
        };
        let a = sim::run(&s, &opts).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let b = sim::run(&s, &opts).expect("second run");
        let ja = report::summary_json(&a).expect("json");
        let jb = report::summary_json(&b).expect("json");
        // Byte-identical summaries: the determinism contract of DESIGN.md §3.
        assert_eq!(ja, jb, "{} is not reproducible", path.display());
        assert!(
            a.summary.events_processed > 0,
            "{} processed no event",
            path.display()
        );
        assert!(
            a.summary.traffic.iter().all(|t| t.connections > 0),
            "{}: a class never fired",
            path.display()
        );
    }
}

#[test]
fn a_different_seed_changes_the_draws() {
    let s = load::load_file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/quickstart.ron"
    ))
    .expect("valid");
    let a = sim::run(
        &s,
        &sim::RunOptions {
            quiet: true,
            ..Default::default()
        },
    )
    .expect("run");
    let b = sim::run(
        &s,
        &sim::RunOptions {
            quiet: true,
            seed: Some(43),
            ..Default::default()
        },
    )
    .expect("run");
    assert_ne!(a.summary.traffic, b.summary.traffic);
    assert_eq!(b.summary.seed, 43);
}

#[test]
fn shipped_scenarios_deliver_and_deny_what_their_headers_claim() {
    use vpcsim::scenario::Expectation;
    for path in shipped() {
        let s = load::load_file(&path).expect("valid");
        let r = sim::run(
            &s,
            &sim::RunOptions {
                quiet: true,
                ..Default::default()
            },
        )
        .expect("runs");
        for e in &s.expect {
            match e {
                Expectation::Denied { traffic, reason } => {
                    let t = r
                        .summary
                        .traffic
                        .iter()
                        .find(|t| t.name == *traffic)
                        .expect("class exists");
                    // Every connection of the class is denied, and with this reason.
                    assert_eq!(
                        t.delivered,
                        0,
                        "{}: {traffic} delivered {}",
                        path.display(),
                        t.delivered
                    );
                    assert_eq!(
                        t.denied_by_reason.get(reason),
                        Some(&t.connections),
                        "{}: {traffic} {:?}",
                        path.display(),
                        t.denied_by_reason
                    );
                }
                Expectation::Delivered { traffic, at_least } => {
                    let t = r
                        .summary
                        .traffic
                        .iter()
                        .find(|t| t.name == *traffic)
                        .expect("class exists");
                    let frac = t.delivered as f64 / t.connections.max(1) as f64;
                    assert!(
                        frac >= *at_least,
                        "{}: {traffic} delivered {frac}",
                        path.display()
                    );
                }
                _ => {}
            }
        }
    }
}

#[test]
fn quickstart_denies_only_before_acceptance_and_fails_over_during_the_outage() {
    let s = load::load_file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/quickstart.ron"
    ))
    .expect("valid");
    let r = sim::run(
        &s,
        &sim::RunOptions {
            quiet: true,
            ..Default::default()
        },
    )
    .expect("runs");
    // Denials: only PENDING_ACCEPTANCE (before the 1m and 5m Accept events);
    // the 30-minute outage of use1-az2 denies nothing: regional names move
    // to healthy ENIs, and zonal clients in the failed AZ are down themselves.
    let reasons: Vec<&String> = r.summary.connectivity.denied_by_reason.keys().collect();
    assert_eq!(reasons, vec!["PENDING_ACCEPTANCE"]);
    let applied = &r.summary.scenario_events_applied;
    assert_eq!(applied.get("AzOutage"), Some(&1));
    assert_eq!(applied.get("AzRecover"), Some(&1));
}

/// Runs a scenario quietly with its own seed; panics with the error.
fn run_quiet(s: &load::Loaded) -> vpcsim::results::RunResult {
    sim::run(
        s,
        &sim::RunOptions {
            quiet: true,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn run_shipped(name: &str) -> vpcsim::results::RunResult {
    let path = format!("{}/scenarios/{name}.ron", env!("CARGO_MANIFEST_DIR"));
    run_quiet(&load::load_file(&path).expect("valid"))
}

#[test]
fn endpoint_capacity_steps_up_when_demand_passes_10_gbps() {
    let r = run_shipped("endpoint-scaling");
    let eni = r
        .summary
        .bandwidth
        .resources
        .iter()
        .find(|x| x.name == "endpoint:analytics-objects/use1-az1")
        .expect("the endpoint AZ is reported");
    // Starts at the profile's 10 Gbps, ends several 10 Gbps steps higher, and
    // carried more than 10 Gbps at its peak: the scaling is real, not nominal.
    assert_eq!(eni.base_capacity_gbps, Some(10.0));
    assert!(eni.capacity_changes >= 3, "{eni:?}");
    assert!(eni.max_capacity_gbps.is_some_and(|g| g >= 40.0), "{eni:?}");
    assert!(eni.peak_gbps > 10.0, "{eni:?}");
    // No sample ever carries more than the capacity at that sample.
    let series = r
        .timeseries
        .iter()
        .find(|s| s.name == eni.name)
        .expect("series");
    for (t, bps, cap) in &series.samples {
        assert!(*bps <= *cap as f64 * 1.000_001, "{t}: {bps} > {cap}");
    }
}

#[test]
fn az_outage_shifts_traffic_and_raises_cross_az_bytes() {
    let r = run_shipped("az-outage");
    // Mean cross-AZ bytes per 30 s sample before the outage (5–20 min) and
    // during it (25–40 min); total demand is constant, so a rise means the
    // traffic moved to paths that cross AZs.
    let mean = |from: u64, to: u64| {
        let v: Vec<u64> = r
            .cross_az_series
            .iter()
            .filter(|(t, _)| {
                t.as_nanos() > from * 60_000_000_000 && t.as_nanos() <= to * 60_000_000_000
            })
            .map(|(_, b)| *b)
            .collect();
        v.iter().sum::<u64>() as f64 / v.len() as f64
    };
    let before = mean(5, 20);
    let during = mean(25, 40);
    let after = mean(45, 60);
    assert!(during > before * 1.3, "before {before}, during {during}");
    assert!(after < during, "after {after}, during {during}");
    // The failed AZ's endpoint capacity dropped to zero and came back.
    let eni = r
        .timeseries
        .iter()
        .find(|s| s.name == "endpoint:shop-search/use1-az1")
        .expect("series");
    assert!(eni.samples.iter().any(|(_, _, cap)| *cap == 0));
    assert!(eni.samples.last().is_some_and(|(_, _, cap)| *cap > 0));
}

#[test]
fn regional_and_zonal_names_differ_by_cross_az_charges_only() {
    use rust_decimal::Decimal;
    use vpcsim::cost::Category;
    let r = run_shipped("regional-vs-zonal");
    let by = |account: &str, cat: Category| -> Decimal {
        r.bill
            .lines
            .iter()
            .filter(|l| l.account == account && l.category == cat)
            .map(|l| l.usd.amount())
            .sum()
    };
    // Same bytes (constant arrivals, fixed sizes): identical processing and hours.
    assert_eq!(
        by("regional-co", Category::EndpointDataProcessed),
        by("zonal-co", Category::EndpointDataProcessed)
    );
    assert_eq!(
        by("regional-co", Category::EndpointHours),
        by("zonal-co", Category::EndpointHours)
    );
    // Zonal names keep every byte in its AZ; regional ones cross about 2/3 of the time.
    assert_eq!(by("zonal-co", Category::CrossAz), Decimal::ZERO);
    let cross = by("regional-co", Category::CrossAz);
    assert!(cross > Decimal::ZERO);
    let total = |a: &str| {
        r.bill
            .by_account
            .get(a)
            .map(|u| u.amount())
            .unwrap_or_default()
    };
    assert_eq!(total("regional-co") - total("zonal-co"), cross);
    // Hand arithmetic for zonal-co: 3 AZs × 2 h × $0.01, plus 72,000
    // connections (10/s for 2 h) × (8 KiB + 1 MiB) = 76,087,296,000 bytes
    // = 70.8618164062… GB (1 GB = 2^30 bytes) × $0.01, rounded to 10 places.
    let hours = Decimal::new(6, 2);
    let gb = Decimal::from(76_087_296_000u64) / Decimal::from(1u64 << 30);
    let processing = (gb * Decimal::new(1, 2)).round_dp(10);
    assert_eq!(total("zonal-co"), hours + processing);
}

#[test]
fn no_byte_is_lost_in_any_shipped_scenario() {
    for path in shipped() {
        let s = load::load_file(&path).expect("valid");
        let r = sim::run(
            &s,
            &sim::RunOptions {
                quiet: true,
                ..Default::default()
            },
        )
        .expect("runs");
        for t in &r.summary.traffic {
            // Every admitted byte is delivered, cut (with its reason) or still in flight.
            assert_eq!(
                t.admitted_bytes,
                t.delivered_bytes + t.cut_bytes + t.in_flight_bytes,
                "{}: {}",
                path.display(),
                t.name
            );
            assert_eq!(
                t.delivered,
                t.completed + t.cut + t.in_flight_at_end,
                "{}: {}",
                path.display(),
                t.name
            );
            assert_eq!(
                t.connections,
                t.delivered + t.denied,
                "{}: {}",
                path.display(),
                t.name
            );
            assert!(t.moved_before_cut <= t.cut_bytes);
        }
        // The bill's total is the sum of its lines, to the last digit.
        let sum: rust_decimal::Decimal = r.bill.lines.iter().map(|l| l.usd.amount()).sum();
        assert_eq!(sum, r.bill.total.amount());
    }
}

#[test]
fn privatelink_lifecycle_denies_what_its_header_says_and_keeps_serving_through_the_swap() {
    use vpcsim::explain::{explain, ExplainQuery};
    let r = run_shipped("privatelink-lifecycle");
    let t = &r.summary.traffic[0];
    // Only the unverified name (before 10m) and the suspension (40–45m) deny.
    let reasons: Vec<&String> = t.denied_by_reason.keys().collect();
    assert_eq!(reasons, vec!["CONNECTION_SUSPENDED", "DNS_NAME_UNVERIFIED"]);
    // 10 minutes unverified and 5 suspended out of 60: about 25 % denied.
    let denied = t.denied as f64 / t.connections as f64;
    assert!((0.2..0.3).contains(&denied), "{denied}");
    // After the swap the same endpoint reaches the green NLB.
    let path = format!(
        "{}/scenarios/privatelink-lifecycle.ron",
        env!("CARGO_MANIFEST_DIR")
    );
    let s = load::load_file(&path).expect("valid");
    let q = |at: u64| ExplainQuery {
        traffic: Some("charges".to_string()),
        at: vpcsim::units::SimDuration::from_mins(at),
        ..Default::default()
    };
    let before = explain(&s, &q(15), None).expect("explains");
    let after = explain(&s, &q(30), None).expect("explains");
    assert!(before
        .hops
        .iter()
        .any(|h| h.kind == "nlb" && h.component == "blue"));
    assert!(after
        .hops
        .iter()
        .any(|h| h.kind == "nlb" && h.component == "green"));
    assert_eq!(after.outcome, "DELIVERED");
}

#[test]
fn the_terminal_summary_lists_a_dozen_classes_at_most_problems_first() {
    // Quickstart's two classes copied seven times (14 classes) over 10
    // minutes, before the endpoint acceptance: the copies of the class
    // whose connections are denied come first.
    let path = format!("{}/scenarios/quickstart.ron", env!("CARGO_MANIFEST_DIR"));
    let mut s = load::load_file(&path)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_scenario();
    s.duration = vpcsim::units::SimDuration::from_mins(10);
    // Events past the shorter run never happen; the expectation names a
    // class that is renamed below.
    let end = s.duration;
    s.events.retain(|e| e.time() < end);
    s.expect.clear();
    let base = s.traffic.clone();
    s.traffic = (0..7)
        .flat_map(|k| {
            base.iter().map(move |t| {
                let mut t = t.clone();
                t.name = format!("{}-{k}", t.name);
                t
            })
        })
        .collect();
    let r = run_quiet(&load::Loaded::new(s).expect("valid"));
    let text = report::text_summary(&r);
    let lines: Vec<&str> = text.lines().filter(|l| l.contains(" conns ")).collect();
    assert_eq!(lines.len(), 10, "{text}");
    assert!(text.contains("… and 4 more traffic classes"), "{text}");
    // Listed: the most troubled (denied + cut), then the busiest; no
    // class left out ranks above one listed.
    let rank = |t: &vpcsim::results::TrafficSummary| (t.denied + t.cut, t.connections);
    let listed: Vec<_> = lines
        .iter()
        .map(|l| {
            let name = l.split_whitespace().next().unwrap_or_default();
            let t = r.summary.traffic.iter().find(|t| t.name == name);
            t.unwrap_or_else(|| panic!("{l}: not a class"))
        })
        .collect();
    assert!(listed.windows(2).all(|w| rank(w[0]) >= rank(w[1])));
    let last = rank(listed[listed.len() - 1]);
    for t in &r.summary.traffic {
        if !listed.iter().any(|l| l.name == t.name) {
            assert!(rank(t) <= last, "{} ranks above a listed class", t.name);
        }
    }
    assert!(listed[0].denied > 0, "quickstart denies before acceptance");
}

#[test]
fn another_class_on_the_same_endpoints_never_changes_a_class_s_arrivals_or_sizes() {
    // A copy of a scenario's first class (same source, same target, so it
    // shares endpoints, ENIs, DNS round-robin and NLB picks with it) is
    // added; every original class still opens the same connections with the
    // same sizes: arrival times and sizes come from the class's own stream,
    // and its per-connection choices from another.
    let dir = env!("CARGO_MANIFEST_DIR");
    let mut cases: Vec<(String, load::Loaded)> =
        ["quickstart", "az-outage", "privatelink-lifecycle"]
            .iter()
            .map(|name| {
                let path = format!("{dir}/scenarios/{name}.ron");
                (
                    name.to_string(),
                    load::load_file(&path).unwrap_or_else(|e| panic!("{e}")),
                )
            })
            .collect();
    // Quickstart where the endpoint ENI in acme-b refuses clients of acme-a
    // (NACL): whether a connection is denied, and so how many choices it
    // draws, depends on the ENI the shared round-robin hands it.
    let text = std::fs::read_to_string(format!("{dir}/scenarios/quickstart.ron")).expect("shipped");
    let subnet = r#"Subnet(name: "acme-b", az: "use1-az2", cidr: "10.0.2.0/24"),"#;
    let last = r#"Subnet(name: "acme-c", az: "use1-az4", cidr: "10.0.3.0/24"),
        ]),"#;
    assert!(
        text.contains(subnet) && text.contains(last),
        "quickstart layout changed"
    );
    let text = text
        .replace(
            subnet,
            r#"Subnet(name: "acme-b", az: "use1-az2", cidr: "10.0.2.0/24", nacl: "no-acme-a"),"#,
        )
        .replace(
            last,
            r#"Subnet(name: "acme-c", az: "use1-az4", cidr: "10.0.3.0/24"),
        ], nacls: [
            Nacl(name: "no-acme-a",
                 inbound: [
                     NaclRule(number: 100, action: Deny, cidr: "10.0.1.0/24"),
                     NaclRule(number: 200, action: Allow, cidr: "0.0.0.0/0"),
                 ],
                 outbound: [NaclRule(number: 100, action: Allow, cidr: "0.0.0.0/0")]),
        ]),"#,
        )
        .replace(r#"duration: "6h","#, r#"duration: "30m","#)
        .replace(r#"At("3h", AzOutage(az: "use1-az2", for: "30m")),"#, "");
    let nacl = load::load_str(&text, "quickstart-nacl.ron").unwrap_or_else(|e| panic!("{e}"));
    cases.push(("quickstart with a NACL".into(), nacl));
    for (name, s) in cases {
        let before = run_quiet(&s);
        let mut more = s.clone().into_scenario();
        let mut copy = s.traffic[0].clone();
        copy.name = format!("{}-copy", copy.name);
        more.traffic.push(copy);
        let after = run_quiet(&load::Loaded::new(more).expect("valid"));
        assert!(
            after.summary.traffic[s.traffic.len()].connections > 0,
            "{name}"
        );
        if name.contains("NACL") {
            assert!(
                before
                    .summary
                    .connectivity
                    .denied_by_reason
                    .contains_key("NACL_DENY"),
                "{name}: the NACL denies some connections"
            );
        }
        for (b, a) in before.summary.traffic.iter().zip(&after.summary.traffic) {
            assert_eq!(b.name, a.name);
            assert_eq!(
                (b.connections, b.offered_bytes),
                (a.connections, a.offered_bytes),
                "{name}: class {}",
                b.name
            );
        }
    }
}

#[test]
fn the_connection_log_has_one_row_per_attempt_that_agrees_with_the_summary() {
    // Quickstart for 30 minutes with the log on: denials before acceptance,
    // completions, connections still in flight at the end.
    let path = format!("{}/scenarios/quickstart.ron", env!("CARGO_MANIFEST_DIR"));
    let mut s = load::load_file(&path)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_scenario();
    s.duration = vpcsim::units::SimDuration::from_mins(30);
    s.events.retain(|e| e.time() <= s.duration);
    s.settings.connection_log = true;
    let r = run_quiet(&load::Loaded::new(s.clone()).expect("valid"));
    let dir = tempfile::tempdir().expect("tempdir");
    let written = report::write_run(dir.path(), &r).unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("connections.csv");
    assert!(written.contains(&file));
    let mut rows = csv::Reader::from_path(&file).expect("readable");
    let header = rows.headers().expect("header").clone();
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (traffic, outcome, fct, moved, req, resp) = (
        col("traffic"),
        col("outcome"),
        col("fct_ms"),
        col("moved_bytes"),
        col("request_bytes"),
        col("response_bytes"),
    );
    let mut by: std::collections::BTreeMap<(String, String), u64> = Default::default();
    let mut max_fct: std::collections::BTreeMap<String, f64> = Default::default();
    let mut total = 0u64;
    for row in rows.records() {
        let row = row.expect("a CSV row");
        total += 1;
        *by.entry((row[traffic].to_string(), row[outcome].to_string()))
            .or_default() += 1;
        if &row[outcome] == "denied" {
            assert!(
                row[col("target_instance")].is_empty(),
                "a denied row names no target"
            );
        }
        if &row[outcome] == "completed" {
            let n = |c: usize| row[c].parse::<u64>().expect("bytes");
            assert_eq!(n(moved), n(req).max(1) + n(resp).max(1));
            let f: f64 = row[fct].parse().expect("fct");
            let m = max_fct.entry(row[traffic].to_string()).or_default();
            *m = m.max(f);
        }
    }
    assert_eq!(total, r.summary.connectivity.attempts);
    let count = |t: &str, o: &str| {
        by.get(&(t.to_string(), o.to_string()))
            .copied()
            .unwrap_or(0)
    };
    for t in &r.summary.traffic {
        assert_eq!(count(&t.name, "completed"), t.completed, "{}", t.name);
        assert_eq!(count(&t.name, "denied"), t.denied, "{}", t.name);
        assert_eq!(count(&t.name, "cut"), t.cut, "{}", t.name);
        assert_eq!(
            count(&t.name, "in-flight"),
            t.in_flight_at_end,
            "{}",
            t.name
        );
        // The histogram keeps 3 significant digits of the same values.
        let m = max_fct.get(&t.name).copied().unwrap_or(0.0);
        assert!(
            (m - t.fct_ms.max).abs() <= m * 1e-3 + 1e-3,
            "{}: log max {m} ms, summary max {} ms",
            t.name,
            t.fct_ms.max
        );
    }
    assert!(count("acme-checkout", "denied") > 0 && count("acme-checkout", "completed") > 0);
    // Off by default: no log.
    s.settings.connection_log = false;
    let r = run_quiet(&load::Loaded::new(s).expect("valid"));
    assert!(r.connection_log.is_none());
}
