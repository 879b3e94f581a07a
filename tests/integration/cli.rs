//! The command line: exit codes, outputs, error messages.

use super::{exits, vpcsim};

fn root(rel: &str) -> String {
    format!("{}/{rel}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn validate_accepts_every_shipped_scenario() {
    let mut cmd = vpcsim();
    cmd.arg("validate");
    for p in super::shipped_scenarios::shipped() {
        cmd.arg(p);
    }
    exits(&mut cmd, 0, "validate");
}

#[test]
fn validate_rejects_malformed_input_with_exit_2_and_a_position() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: [(&str, &[u8], &str); 4] = [
        ("empty.ron", b"", "empty.ron:1:1"),
        ("binary.ron", &[0u8, 159, 146, 150, 255, 1, 2], "not UTF-8"),
        (
            "truncated.ron",
            b"Scenario(\n  name: \"x\",\n  duration: \"1h\",\n  accounts: [",
            "truncated.ron:4:",
        ),
        (
            "typed.ron",
            b"Scenario(name: 5, duration: \"1h\", accounts: [], vpcs: [])",
            "typed.ron:1:15: Expected string",
        ),
    ];
    for (name, bytes, expect) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        let err = exits(vpcsim().arg("validate").arg(&path), 2, name).stderr;
        assert!(err.contains(expect), "{name}: expected {expect:?} in {err}");
    }
}

#[test]
fn run_writes_summary_json_and_is_byte_identical_across_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut outputs = Vec::new();
    for k in 0..2 {
        let out_dir = dir.path().join(format!("run{k}"));
        exits(
            vpcsim()
                .args([
                    "run",
                    &root("scenarios/peering-mesh.ron"),
                    "--quiet",
                    "--out",
                ])
                .arg(&out_dir),
            0,
            "peering-mesh",
        );
        outputs.push(std::fs::read(out_dir.join("summary.json")).expect("summary.json written"));
    }
    assert_eq!(outputs[0], outputs[1]);
    let v: serde_json::Value = serde_json::from_slice(&outputs[0]).expect("valid JSON");
    for field in [
        "schema_version",
        "scenario",
        "seed",
        "sim_duration_s",
        "events_processed",
        "entities",
    ] {
        assert!(v.get(field).is_some(), "summary.json lacks {field}");
    }
    assert_eq!(v["entities"]["vpcs"], 7);
    // No temporary file is left behind by the atomic writes.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("run0"))
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn run_seed_flag_and_json_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = exits(
        vpcsim()
            .args([
                "run",
                &root("scenarios/quickstart.ron"),
                "--quiet",
                "--seed",
                "9",
                "--format",
                "json",
                "--out",
            ])
            .arg(dir.path()),
        0,
        "run --seed 9",
    );
    let v: serde_json::Value =
        serde_json::from_str(&out.stdout).expect("stdout is the summary JSON");
    assert_eq!(v["seed"], 9);
}

#[test]
fn usage_errors_exit_2() {
    exits(vpcsim().args(["run"]), 2, "run without a file");
    exits(vpcsim().args(["frobnicate"]), 2, "an unknown command");
    let err = exits(vpcsim().args(["run", "/nonexistent/x.ron"]), 2, "missing").stderr;
    assert!(err.contains("/nonexistent/x.ron"), "{err}");
}

#[test]
fn a_closed_stdout_pipe_is_not_a_panic() {
    use std::process::Stdio;
    let mut child = vpcsim()
        .args([
            "validate",
            &root("scenarios/quickstart.ron"),
            &root("scenarios/hybrid-dx.ron"),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("waits");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

#[test]
fn explain_works_for_every_traffic_class_of_every_shipped_scenario() {
    for path in super::shipped_scenarios::shipped() {
        let s = vpcsim::load::load_file(&path).expect("valid");
        // 2h into the run, or its end when it is shorter (later is refused).
        let at = s
            .duration
            .min(vpcsim::units::SimDuration::from_mins(120))
            .to_string();
        for t in &s.traffic {
            for format in ["text", "json"] {
                let text = exits(
                    vpcsim().arg("explain").arg(&path).args([
                        "--traffic",
                        &t.name,
                        "--at",
                        &at,
                        "--format",
                        format,
                    ]),
                    0,
                    &format!("{} {}", path.display(), t.name),
                )
                .stdout;
                if format == "text" {
                    // A readable answer: a hop table and a one-line outcome; a denial has a fix.
                    assert!(text.contains("Outcome: "), "{text}");
                    if text.contains("DENIED") {
                        assert!(text.contains("Fix: "), "{text}");
                    }
                } else {
                    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
                    assert!(v["hops"].as_array().is_some_and(|h| !h.is_empty()));
                }
            }
        }
    }
}

#[test]
fn explain_names_the_blocking_hop_and_the_fix() {
    let out = vpcsim()
        .args([
            "explain",
            &root("scenarios/quickstart.ron"),
            "--traffic",
            "acme-checkout",
            "--at",
            "0s",
        ])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    // Before the provider accepts at 1m, the endpoint connection is pending.
    assert!(text.contains("DENIED (PENDING_ACCEPTANCE)"), "{text}");
    assert!(
        text.contains("must accept endpoint \"acme-orders\""),
        "{text}"
    );
    let out = vpcsim()
        .args([
            "explain",
            &root("scenarios/quickstart.ron"),
            "--from",
            "acme-web",
            "--to",
            "orders",
            "--at",
            "10m",
        ])
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&out.stdout).contains("DELIVERED over a privatelink path"));
    exits(
        vpcsim().args([
            "explain",
            &root("scenarios/quickstart.ron"),
            "--from",
            "nobody",
            "--to",
            "orders",
        ]),
        2,
        "explain --from nobody",
    );
}

#[test]
fn every_shipped_scenario_writes_its_charts_and_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    for path in super::shipped_scenarios::shipped() {
        let name = path
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        let out_dir = dir.path().join(&name);
        let out = vpcsim()
            .arg("run")
            .arg(&path)
            .args(["--quiet", "--out"])
            .arg(&out_dir)
            .output()
            .expect("runs");
        assert!(
            out.status.code() == Some(0) || out.status.code() == Some(1),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for file in [
            "summary.json",
            "connectivity.csv",
            "bill.csv",
            "timeseries.csv",
            "report.html",
        ] {
            assert!(out_dir.join(file).is_file(), "{name}: {file} missing");
        }
        check_text_summary(&name, &String::from_utf8_lossy(&out.stdout), &out_dir);
        // Every scenario has traffic, a bill and completion times: those charts always exist.
        for chart in ["cost-breakdown", "fct"] {
            let png = std::fs::read(out_dir.join(format!("charts/{chart}.png")))
                .unwrap_or_else(|_| panic!("{name}: {chart}.png"));
            assert!(
                png.starts_with(b"\x89PNG\r\n\x1a\n"),
                "{name}: {chart}.png is not a PNG"
            );
        }
        let html = std::fs::read_to_string(out_dir.join("report.html")).expect("html");
        for entry in std::fs::read_dir(out_dir.join("charts")).expect("charts dir") {
            let p = entry.expect("entry").path();
            if p.extension().is_some_and(|x| x == "svg") {
                let svg = std::fs::read_to_string(&p).expect("svg");
                // A chart carries its subtitle (scenario and seed) and axis labels.
                assert!(svg.contains("<svg"), "{}", p.display());
                assert!(
                    svg.contains(&format!("scenario: {name}")),
                    "{}: no subtitle",
                    p.display()
                );
                assert!(
                    html.contains(&svg[svg.find("<svg").unwrap_or(0)..][..40]),
                    "{}: not inlined in report.html",
                    p.display()
                );
            }
        }
        // The report is self-contained: no script, no external asset.
        assert!(
            !html.contains("<script") && !html.contains("src=\"http"),
            "{name}: report.html is not self-contained"
        );
    }
}

/// What the terminal summary of every run must say: the bill with a
/// window and a month column and a total, cross-AZ bytes in GiB with the
/// AWS GB note, the events when the scenario has any, and, last, where the
/// page to share is.
fn check_text_summary(name: &str, text: &str, out_dir: &std::path::Path) {
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out_dir.join("summary.json")).expect("summary"),
    )
    .expect("json");
    let last = text.lines().last().unwrap_or_default();
    assert_eq!(
        last,
        format!("report: {}", out_dir.join("report.html").display()),
        "{name}: {text}"
    );
    assert!(text.contains("730-h month"), "{name}: {text}");
    assert!(
        text.lines().any(|l| l.trim_start().starts_with("total ")),
        "{name}: no total line: {text}"
    );
    assert!(
        text.contains("cross-AZ data: ") && text.contains("AWS's GB = 1 GiB"),
        "{name}: {text}"
    );
    // Every category of the bill is listed (or folded into "+N more").
    let cats = summary["cost"]["monthly_by_category"]
        .as_object()
        .map(|m| m.len())
        .unwrap_or(0);
    let cost_block: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("cost ("))
        .skip(2)
        .take_while(|l| !l.trim_start().starts_with("total "))
        .collect();
    let folded = cost_block.iter().any(|l| l.trim_start().starts_with('+'));
    assert!(
        cost_block.len() == cats || folded,
        "{name}: {cats} categories, listed {cost_block:?}"
    );
    let scenario_events = summary["scenario_events_applied"]
        .as_object()
        .map(|m| !m.is_empty())
        .unwrap_or(false);
    if scenario_events {
        assert!(text.contains("\nevents ("), "{name}: no events: {text}");
    }
    if name == "quickstart" {
        // The headline outage, with its span.
        assert!(
            text.contains("t=3h       use1-az2 down for 30m (until t=3h30m)"),
            "{text}"
        );
        assert!(text.contains("expectations: 1 of 1 passed"), "{text}");
    }
}

#[test]
fn explain_prices_each_hop_of_a_delivered_path() {
    let out = vpcsim()
        .args([
            "explain",
            &root("scenarios/regional-vs-zonal.ron"),
            "--traffic",
            "via-zonal",
            "--format",
            "json",
        ])
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let trace = v["cost_trace"].as_array().expect("cost trace");
    // Zonal name: the bytes stay in the AZ, so the data charges are
    // endpoint processing, $0.01/GB each way, paid by the consumer, and the
    // provider's NLB capacity: 2 GB processed in one hour = 2 NLCU-hours ×
    // $0.006 = $0.012.
    let by_category = |c: &str| {
        trace
            .iter()
            .find(|t| t["category"] == c)
            .unwrap_or_else(|| panic!("no {c} in {trace:?}"))
    };
    assert_eq!(trace.len(), 2, "{trace:?}");
    let ep = by_category("endpoint_data_processed");
    assert_eq!(ep["payer"], "zonal-co");
    assert_eq!(ep["usd"], "0.02");
    assert!(ep["hop"].as_u64().is_some());
    let nlb = by_category("nlb_capacity_units");
    assert_eq!(
        (&nlb["payer"], &nlb["usd"]),
        (&"provider".into(), &"0.012".into())
    );
    // The same through the regional name from a client whose DNS answer is
    // in another AZ adds cross-AZ charges on both directions.
    let out = vpcsim()
        .args([
            "explain",
            &root("scenarios/quickstart.ron"),
            "--traffic",
            "acme-checkout",
            "--at",
            "1h",
            "--format",
            "json",
        ])
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let cats: Vec<&str> = v["cost_trace"]
        .as_array()
        .expect("trace")
        .iter()
        .filter_map(|c| c["category"].as_str())
        .collect();
    assert!(cats.contains(&"cross_az"), "{cats:?}");
}

#[test]
fn an_unpriced_dx_port_speed_fails_before_the_simulation_and_writes_nothing() {
    // The backup link as a 3 Gbps hosted connection: AWS sells no such
    // speed, so no pricebook lists it.
    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(root("scenarios/hybrid-dx.ron")).expect("shipped");
    assert!(text.contains(r#"speed: "1Gbps""#));
    let file = dir.path().join("dx.ron");
    std::fs::write(
        &file,
        text.replace(r#"speed: "1Gbps""#, r#"speed: "3Gbps""#),
    )
    .expect("tempdir is writable");
    let out_dir = dir.path().join("out");
    let err = exits(
        vpcsim()
            .args(["run", "--quiet", "--out"])
            .arg(&out_dir)
            .arg(&file),
        2,
        "hosted-3G",
    )
    .stderr;
    assert!(
        err.contains("hosted-3G") && err.contains("dx_port_hour table lists"),
        "{err}"
    );
    assert!(!out_dir.exists(), "nothing written");
    // Loading (and so `validate`) refuses it already, naming the field.
    let e = vpcsim::load::load_file(&file).expect_err("an unpriced speed is invalid");
    assert!(e.to_string().contains("].speed"), "{e}");
}

/// The README's shell commands can be pasted as they are: `vpcsim` is used
/// only after the Install section explains it, every `vpcsim <command>` is
/// a real subcommand, and every shipped file a command names exists.
#[test]
fn readme_commands_are_real() {
    let readme = std::fs::read_to_string(root("README.md")).expect("README.md");
    let install = readme.find("## Install").expect("an Install section");
    let help = vpcsim().arg("--help").output().expect("vpcsim --help");
    let help = String::from_utf8_lossy(&help.stdout).to_string();
    let mut problems = Vec::new();
    let mut seen = 0;
    for (i, block) in readme.split("```sh\n").enumerate().skip(1) {
        let body = block.split("```").next().unwrap_or("");
        let at = readme.find(body).unwrap_or(0);
        for line in body.lines().map(str::trim) {
            let Some(rest) = line.strip_prefix("vpcsim ") else {
                continue;
            };
            seen += 1;
            if at < install {
                problems.push(format!("block {i}: `{line}` before the Install section"));
            }
            let sub = rest.split_whitespace().next().unwrap_or("");
            if !sub.starts_with('-') && !help.contains(&format!("  {sub} ")) {
                problems.push(format!("block {i}: `{sub}` is not a vpcsim command"));
            }
            for word in rest.split_whitespace() {
                if word.starts_with("scenarios/") && !word.contains('<') {
                    let exists = std::path::Path::new(&root(word)).exists();
                    // `--out scenarios/x.baseline.json` names a file to write.
                    if !exists && !word.ends_with(".baseline.json") {
                        problems.push(format!("block {i}: {word} does not exist"));
                    }
                }
            }
        }
    }
    assert!(seen >= 5, "only {seen} vpcsim commands found in the README");
    assert!(problems.is_empty(), "{problems:#?}");
}
