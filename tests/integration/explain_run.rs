//! `explain` and `run` agree by construction: `explain` asks the prepared
//! run the question the run asks for each connection. Checked here
//!
//! - on random valid scenarios (see [`super::gen`]): for connections
//!   sampled from the run's connection log, `explain` of (class, client
//!   instance, start time) gives the outcome, reason, path and hop list the
//!   run decided (the run keeps each connection's hops through
//!   `Prepared::with_hop_traces`, which changes no decision);
//! - by one regression test for each divergence `explain` used to have:
//!   `--dns zonal:<AZ>` (an AZ outside the scenario was accepted, and the
//!   path ignored the AZ), a client in a failed AZ (explain said DENIED
//!   while the run moves the demand), `Mixed` DNS (explain always used the
//!   regional name), and `--instance` past the workload (it wrapped).
//!
//! 48 random cases by default; `VPCSIM_PROPTEST_CASES=N` for more.

use proptest::prelude::*;
use vpcsim::connection_log::{End, Log};
use vpcsim::explain::{explain, ExplainQuery, Explanation};
use vpcsim::load::{self, Loaded};
use vpcsim::results::RunResult;
use vpcsim::sim::{self, Prepared, RunOptions};
use vpcsim::units::SimDuration;

use super::gen::{self, Tape};
use super::{exits, vpcsim};

fn opts() -> RunOptions {
    RunOptions {
        quiet: true,
        ..Default::default()
    }
}

/// A run of `loaded` that keeps every connection's hop list.
fn traced_run(loaded: &Loaded) -> RunResult {
    Prepared::new(loaded, &opts())
        .and_then(|p| p.with_hop_traces().run(&opts()))
        .unwrap_or_else(|e| panic!("run failed: {e}"))
}

fn shipped(name: &str) -> String {
    let path = format!("{}/scenarios/{name}.ron", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `text` with the connection log on: in its `settings`, or in settings
/// added after its `duration` line.
fn with_log(text: &str) -> String {
    for anchor in ["settings: Settings(", "settings: ("] {
        if text.contains(anchor) {
            return text.replacen(anchor, &format!("{anchor}connection_log: true, "), 1);
        }
    }
    let at = text.find("    duration:").expect("a duration line");
    let end = at + text[at..].find('\n').expect("a line end") + 1;
    let mut s = text.to_string();
    s.insert_str(end, "    settings: (connection_log: true),\n");
    s
}

fn query(class: &str, instance: usize, at_ns: u64) -> ExplainQuery {
    ExplainQuery {
        traffic: Some(class.to_string()),
        instance,
        at: SimDuration(at_ns),
        ..Default::default()
    }
}

/// Whether record `k` is its class's first connection at its start time
/// (a question about a class at an instant is about that one).
fn first_at_its_instant(log: &Log, k: usize) -> bool {
    let r = &log.records[k];
    !log.records[..k]
        .iter()
        .any(|p| p.class == r.class && p.start == r.start)
}

/// What the run decided for record `k`, against what `explain` says.
fn agrees(log: &Log, k: usize, e: &Explanation) -> Result<(), String> {
    let r = &log.records[k];
    let (outcome, reason) = match r.end {
        End::Denied(reason) => ("DENIED", Some(reason.code())),
        _ => ("DELIVERED", None),
    };
    let hops = &log.hops[k];
    if e.moved.is_some() {
        return Err(format!("the run's own client moved: {:?}", e.moved));
    }
    if (e.outcome, e.reason, e.path) != (outcome, reason, r.path.name()) {
        return Err(format!(
            "run {outcome} {reason:?} over {}, explain {} {:?} over {}",
            r.path.name(),
            e.outcome,
            e.reason,
            e.path
        ));
    }
    if e.hops.len() != hops.len()
        || e.hops.iter().zip(hops).any(|(a, b)| {
            (&a.component, a.kind, &a.az, &a.account, &a.check)
                != (&b.component, b.kind, &b.az, &b.account, &b.check)
        })
    {
        return Err(format!(
            "hops differ:\nrun     {hops:?}\nexplain {:?}",
            e.hops
        ));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("VPCSIM_PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48),
        ..ProptestConfig::default()
    })]

    /// On random valid scenarios, explain's outcome, reason, path and hop
    /// list for a (class, instance, time) the run had a connection at are
    /// the run's own, and keeping the hops changes no result of the run.
    #[test]
    fn explain_decides_what_the_run_decided(
        tape in proptest::collection::vec(any::<u16>(), 0..400),
        seed in 0u64..1000,
        picks in proptest::collection::vec(any::<u32>(), 1..6),
    ) {
        let g = with_log(&gen::scenario(&mut Tape::new(tape), seed));
        let s = load::load_str(&g, "generated.ron")
            .unwrap_or_else(|e| panic!("the generator made an invalid scenario: {e}\n{g}"));
        let traced = traced_run(&s);
        let plain = sim::run(&s, &opts()).unwrap_or_else(|e| panic!("run failed: {e}"));
        prop_assert_eq!(
            vpcsim::report::summary_json(&traced).expect("json"),
            vpcsim::report::summary_json(&plain).expect("json"),
            "keeping the hops changed the run"
        );
        let log = traced.connection_log.as_ref().expect("the log was asked for");
        prop_assert_eq!(log.hops.len(), log.records.len());
        prop_assume!(!log.records.is_empty());
        for p in picks {
            let k = p as usize % log.records.len();
            if !first_at_its_instant(log, k) {
                continue;
            }
            let r = &log.records[k];
            let class = &log.classes[r.class as usize];
            let e = explain(&s, &query(class, r.source_index as usize, r.start.as_nanos()), None)
                .unwrap_or_else(|e| panic!("explain refused a run's connection: {e}\n{g}"));
            if let Err(why) = agrees(log, k, &e) {
                prop_assert!(false, "connection {k} ({class}, instance {}, at {}): {why}\n{g}",
                    r.source_index, r.start);
            }
        }
    }
}

/// `--dns zonal:<AZ>`: an AZ of the scenario is the AZ the path takes (the
/// header and the DNS hop name the same AZ); one outside it, or no AZ ID at
/// all, is a usage error naming the scenario's AZs.
#[test]
fn a_zonal_name_takes_its_az_and_an_unknown_az_is_refused() {
    let path = format!("{}/scenarios/quickstart.ron", env!("CARGO_MANIFEST_DIR"));
    for az in ["use1-az9", "banana"] {
        let dns = format!("zonal:{az}");
        let ran = exits(
            vpcsim().arg("explain").arg(&path).args([
                "--from", "acme-web", "--to", "orders", "--dns", &dns, "--at", "2h",
            ]),
            2,
            &format!("explain --dns {dns}"),
        );
        assert!(
            ran.stderr.contains("use1-az1, use1-az2, use1-az4"),
            "{}",
            ran.stderr
        );
    }
    let s = load::load_str(&shipped("quickstart"), "quickstart.ron").expect("valid");
    for az in ["use1-az1", "use1-az2", "use1-az4"] {
        let e = explain(
            &s,
            &ExplainQuery {
                from: Some("acme-web".to_string()),
                to: Some("orders".to_string()),
                dns: Some(format!("zonal:{az}")),
                at: SimDuration::from_mins(120),
                ..Default::default()
            },
            None,
        )
        .expect("explains");
        assert!(e.target.contains(&format!("(zonal {az})")), "{}", e.target);
        let dns = e
            .hops
            .iter()
            .find(|h| h.kind == "dns" && h.check.starts_with("zonal name"));
        assert_eq!(dns.and_then(|h| h.az.as_deref()), Some(az), "{:?}", e.hops);
        let eni = e.hops.iter().find(|h| h.kind == "endpoint-eni");
        assert_eq!(eni.and_then(|h| h.az.as_deref()), Some(az), "{:?}", e.hops);
    }
}

/// A client in a failed AZ: the run opens no connection from it and moves
/// the class's demand to live instances; explain says so and shows the
/// very connection the run opens instead.
#[test]
fn a_client_in_a_failed_az_moves_where_the_run_moves_it() {
    let s = load::load_str(&with_log(&shipped("az-outage")), "az-outage.ron").expect("valid");
    let r = traced_run(&s);
    let log = r.connection_log.as_ref().expect("log");
    let fabric = &r.fabric;
    let web = fabric.workload("shop-web").expect("shop-web");
    let az1 = fabric.az("use1-az1").expect("use1-az1");
    let down: Vec<usize> = (0..12)
        .filter(|i| fabric.workloads[web.index()].instances[*i].az == az1)
        .collect();
    assert_eq!(down.len(), 4, "a third of shop-web is in use1-az1");
    // use1-az1 is down from 20m to 40m: no connection comes from there, and
    // none is denied for it.
    let (from, to) = (20 * 60_000_000_000u64, 40 * 60_000_000_000u64);
    let during: Vec<usize> = (0..log.records.len())
        .filter(|k| (from..to).contains(&log.records[*k].start.as_nanos()))
        .collect();
    assert!(during.len() > 1000, "{}", during.len());
    for k in &during {
        let rec = &log.records[*k];
        assert!(
            !down.contains(&(rec.source_index as usize)),
            "{k}: from a down client"
        );
        assert!(!matches!(rec.end, End::Denied(_)), "{k}: denied");
    }
    // The run's first connection after 35m, asked about from a down client:
    // explain moves it to the run's own client, with the run's hops.
    let k = during
        .iter()
        .copied()
        .find(|k| log.records[*k].start.as_nanos() >= 35 * 60_000_000_000)
        .expect("a connection after 35m");
    let rec = &log.records[k];
    let e = explain(&s, &query("queries", down[0], rec.start.as_nanos()), None).expect("explains");
    let moved = e.moved.as_ref().expect("the demand moves");
    assert_eq!(moved.from, format!("shop-web[{}]", down[0]));
    assert_eq!(moved.az, "use1-az1");
    assert_eq!(moved.to, format!("shop-web[{}]", rec.source_index));
    assert_eq!(moved.live_instances, 8);
    assert_eq!(e.outcome, "DELIVERED");
    assert_eq!(e.hops[0].component, moved.to);
    assert_eq!(e.hops.len(), log.hops[k].len());
    assert!(e
        .hops
        .iter()
        .zip(&log.hops[k])
        .all(|(a, b)| a.check == b.check && a.component == b.component));
    let text = vpcsim::explain::render_text(&e);
    assert!(
        text.contains("moves the class's demand to its 8 live instances"),
        "{text}"
    );
    // After the recovery the same client opens its own connection.
    let e = explain(&s, &query("queries", down[0], 50 * 60_000_000_000), None).expect("explains");
    assert!(e.moved.is_none());
    assert_eq!(e.hops[0].component, format!("shop-web[{}]", down[0]));
}

/// `Dns::Mixed(0.5)` of 12 clients: instances 0–5 use the zonal name,
/// 6–11 the regional one, in explain as in the run.
#[test]
fn mixed_dns_gives_explain_the_run_s_zonal_clients() {
    let text = with_log(&shipped("quickstart")).replacen(
        "to: Service(name: \"orders\", dns: Regional)",
        "to: Service(name: \"orders\", dns: Mixed(0.5))",
        1,
    );
    assert!(text.contains("Mixed(0.5)"));
    let s = load::load_str(&text, "mixed.ron").expect("valid");
    let zonal = |e: &Explanation| {
        e.hops
            .iter()
            .any(|h| h.kind == "dns" && h.check.starts_with("zonal name"))
    };
    for i in 0..12 {
        let e = explain(&s, &query("acme-checkout", i, 60_000_000_000), None).expect("explains");
        assert_eq!(zonal(&e), i < 6, "instance {i}: {:?}", e.hops);
    }
    // And each matches the run's decision for its first connection.
    let r = traced_run(&s);
    let log = r.connection_log.as_ref().expect("log");
    let class = log
        .classes
        .iter()
        .position(|c| c == "acme-checkout")
        .expect("class") as u32;
    for want_zonal in [true, false] {
        let k = (0..log.records.len())
            .find(|k| {
                let rec = &log.records[*k];
                rec.class == class
                    && ((rec.source_index < 6) == want_zonal)
                    && first_at_its_instant(log, *k)
            })
            .expect("a connection");
        let rec = &log.records[k];
        let e = explain(
            &s,
            &query(
                "acme-checkout",
                rec.source_index as usize,
                rec.start.as_nanos(),
            ),
            None,
        )
        .expect("explains");
        assert_eq!(zonal(&e), want_zonal);
        agrees(log, k, &e).unwrap_or_else(|why| panic!("{why}"));
    }
}

/// `--instance` past the workload, and `--at` past the end of the run, are
/// usage errors that name the valid choices.
#[test]
fn an_instance_or_a_time_outside_the_run_is_refused() {
    let path = format!("{}/scenarios/az-outage.ron", env!("CARGO_MANIFEST_DIR"));
    let ran = exits(
        vpcsim()
            .arg("explain")
            .arg(&path)
            .args(["--traffic", "queries", "--instance", "12"]),
        2,
        "explain --instance 12",
    );
    assert!(
        ran.stderr
            .contains("--instance 12: workload \"shop-web\" has 12 instances; use 0 to 11"),
        "{}",
        ran.stderr
    );
    let ran = exits(
        vpcsim()
            .arg("explain")
            .arg(&path)
            .args(["--traffic", "queries", "--instance", "11"]),
        0,
        "explain --instance 11",
    );
    assert!(ran.stdout.starts_with("shop-web[11] →"), "{}", ran.stdout);
    assert!(
        ran.stdout.contains("\n  1  shop-web[11] "),
        "{}",
        ran.stdout
    );
    let ran = exits(
        vpcsim()
            .arg("explain")
            .arg(&path)
            .args(["--traffic", "queries", "--at", "61m"]),
        2,
        "explain --at 61m",
    );
    assert!(ran.stderr.contains("lasts 1h"), "{}", ran.stderr);
    exits(
        vpcsim()
            .arg("explain")
            .arg(&path)
            .args(["--traffic", "queries", "--at", "1h"]),
        0,
        "explain --at 1h (the end of the run)",
    );
}
