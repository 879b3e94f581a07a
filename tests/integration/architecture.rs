//! Structural rules of the code base, checked on its source: no import
//! circle between the crate's top-level modules, and the fabric's wiring
//! graph answering `explain`'s "through what" question.
//!
//! Run alone: `cargo test --locked --test integration architecture::`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("readable source folder") {
            let p = e.expect("directory entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The top-level module a source file belongs to (`src/sim/model.rs` →
/// `sim`); `None` for the crate roots.
fn module_of(file: &Path) -> Option<String> {
    let rel = file.strip_prefix(SRC).ok()?;
    let first = rel.components().next()?.as_os_str().to_string_lossy();
    let name = first.trim_end_matches(".rs").to_string();
    (name != "lib" && name != "main").then_some(name)
}

/// Top-level modules named by `crate::NAME` in `text`, comments skipped.
fn crate_uses(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            let after = &rest[i + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push(name);
            }
            rest = after;
        }
        // `use crate::{a, b::c}` groups.
        if let Some(g) = code.find("crate::{") {
            let inner = &code[g + "crate::{".len()..];
            for part in inner.split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.push(name);
                }
            }
        }
    }
    out
}

/// Edges `module → module it imports`, for every module of `src/`.
fn module_graph() -> BTreeMap<String, Vec<String>> {
    let mut deps: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let modules: Vec<String> = rust_files(Path::new(SRC))
        .iter()
        .filter_map(|f| module_of(f))
        .collect();
    for file in rust_files(Path::new(SRC)) {
        let Some(m) = module_of(&file) else { continue };
        let text = std::fs::read_to_string(&file).expect("readable source file");
        let e = deps.entry(m.clone()).or_default();
        for used in crate_uses(&text) {
            if used != m && modules.contains(&used) && !e.contains(&used) {
                e.push(used);
            }
        }
    }
    deps
}

/// The import circles of a module graph: strongly connected components of
/// more than one module, each sorted.
fn circles(deps: &BTreeMap<String, Vec<String>>) -> Vec<Vec<String>> {
    let mut g: DiGraph<&str, ()> = DiGraph::new();
    let mut ids: BTreeMap<&str, NodeIndex> = BTreeMap::new();
    for (m, used) in deps {
        for n in std::iter::once(m).chain(used) {
            ids.entry(n.as_str())
                .or_insert_with(|| g.add_node(n.as_str()));
        }
    }
    for (m, used) in deps {
        for u in used {
            g.add_edge(ids[m.as_str()], ids[u.as_str()], ());
        }
    }
    let mut out: Vec<Vec<String>> = tarjan_scc(&g)
        .into_iter()
        .filter(|c| c.len() > 1)
        .map(|c| {
            let mut names: Vec<String> = c.iter().map(|i| g[*i].to_string()).collect();
            names.sort();
            names
        })
        .collect();
    out.sort();
    out
}

#[test]
fn the_circle_finder_finds_a_circle() {
    let deps: BTreeMap<String, Vec<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec!["a"]),
    ]
    .into_iter()
    .map(|(m, u)| (m.to_string(), u.into_iter().map(String::from).collect()))
    .collect();
    assert_eq!(circles(&deps), vec![vec!["a", "b", "c"]]);
    let mut used =
        crate_uses("use crate::{fabric::Fabric, units};\nlet x = crate::sim::run; // crate::cost");
    used.sort();
    assert_eq!(used, vec!["fabric", "sim", "units"]);
}

#[test]
fn no_import_circle_between_modules() {
    let deps = module_graph();
    assert!(deps.contains_key("sim") && deps["sim"].contains(&"fabric".to_string()));
    // The loader (`load`) sits above the modules whose values it holds, so
    // `scenario` — the schema every module reads — imports none of them.
    assert!(
        deps["load"].contains(&"scenario".to_string()),
        "the module graph is read: {deps:#?}"
    );
    assert!(
        !deps["scenario"]
            .iter()
            .any(|m| ["cost", "quota", "dataplane", "fabric", "load"].contains(&m.as_str())),
        "scenario is the schema: it must not import {:?}",
        deps["scenario"]
    );
    let found = circles(&deps);
    assert!(
        found.is_empty(),
        "modules that import one another in a circle (each list is one circle): {found:?}\n\
         module imports: {deps:#?}"
    );
}

#[test]
fn explain_shows_what_wires_a_denied_connection_s_ends() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/peering-mesh.ron");
    let ran = super::exits(
        super::vpcsim().args(["explain", path, "--traffic", "app1-to-app2"]),
        0,
        "explain app1-to-app2",
    );
    // Peering is not transitive: the two spokes are wired only through the hub.
    assert!(
        ran.stdout.contains(
            "Wiring: workload app-1 — subnet s1-a — VPC spoke-1 — peering hub-1 — VPC hub — peering hub-2 — VPC spoke-2 — subnet s2-b — workload app-2"
        ),
        "{}",
        ran.stdout
    );
}
