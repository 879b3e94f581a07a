//! Loading reads every input file once: the scenario, its quota profile, its
//! pricebook and each trace (two classes replaying the same trace share one
//! read), and a run reads nothing more.
//!
//! The files live only in memory (a counting [`FileSource`]), so a run that
//! went back to the disk for any of them would fail to find it.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use vpcsim::scenario::{self, FileSource, LoadOptions};
use vpcsim::sim::{self, RunOptions};

/// Files in memory, counting how often each is opened.
struct Counting {
    files: BTreeMap<PathBuf, Vec<u8>>,
    opens: RefCell<BTreeMap<PathBuf, u32>>,
}

impl FileSource for Counting {
    fn open(&self, path: &Path) -> std::io::Result<Box<dyn Read + '_>> {
        *self
            .opens
            .borrow_mut()
            .entry(path.to_path_buf())
            .or_default() += 1;
        let bytes = self
            .files
            .get(path)
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "not in memory"))?;
        Ok(Box::new(bytes.as_slice()))
    }
}

fn shipped(path: &str) -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::read(root.join(path)).expect("shipped file")
}

/// The quickstart with its quota profile and pricebook as files next to it,
/// and two more classes replaying one trace.
fn source() -> Counting {
    let text = String::from_utf8(shipped("scenarios/quickstart.ron")).expect("utf-8");
    let text = text
        .replace("quotas: \"faq\"", "quotas: \"q.ron\"")
        .replace("pricebook: \"aws-us-east-1\"", "pricebook: \"p.ron\"")
        .replace(
            "    traffic: [\n",
            "    traffic: [\n        Traffic(name: \"replay-1\", from: Workload(\"acme-web\"), to: Service(name: \"orders\", dns: Regional), arrivals: Trace(file: \"t.csv\")),\n        Traffic(name: \"replay-2\", from: Workload(\"globex-web\"), to: Service(name: \"orders\", dns: Regional), arrivals: Trace(file: \"t.csv\")),\n",
        );
    assert!(text.contains("q.ron") && text.contains("p.ron") && text.contains("t.csv"));
    let trace = "time,source,target,request_bytes,response_bytes\n10,,,1000,2000\n20,,,1000,2000\n";
    let dir = Path::new("/in-memory");
    Counting {
        files: BTreeMap::from([
            (dir.join("s.ron"), text.into_bytes()),
            (dir.join("q.ron"), shipped("scenarios/quotas/faq.ron")),
            (
                dir.join("p.ron"),
                shipped("scenarios/pricebooks/aws-us-east-1.ron"),
            ),
            (dir.join("t.csv"), trace.as_bytes().to_vec()),
        ]),
        opens: RefCell::new(BTreeMap::new()),
    }
}

#[test]
fn every_input_file_is_opened_once_per_run() {
    let src = source();
    let opts = LoadOptions {
        pricebook: None,
        source: Some(&src),
    };
    let loaded = scenario::load_file_with("/in-memory/s.ron", &opts).expect("loads");
    let run_opts = RunOptions {
        quiet: true,
        ..RunOptions::default()
    };
    let result = sim::run(&loaded, &run_opts).expect("runs");
    let replayed: u64 = result
        .summary
        .traffic
        .iter()
        .filter(|t| t.name.starts_with("replay-"))
        .map(|t| t.connections)
        .sum();
    // Two rows, replayed by two classes.
    assert_eq!(replayed, 4, "both classes replay the trace");
    let opens = src.opens.borrow();
    let want: BTreeMap<PathBuf, u32> = ["s.ron", "q.ron", "p.ron", "t.csv"]
        .iter()
        .map(|f| (Path::new("/in-memory").join(f), 1))
        .collect();
    assert_eq!(
        *opens, want,
        "the scenario and each file it refers to opened once, the run opened none"
    );
}
