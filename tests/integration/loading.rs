//! Loading reads every input file once: the scenario, its quota profile, its
//! pricebook and each trace (two classes replaying the same trace share one
//! read), and a run reads nothing more.
//!
//! The files are on disk and read through the bounded reader ([`Disk`]),
//! wrapped in a [`FileSource`] that counts reads. The run gets no source,
//! so it is also checked to need no file at all: the folder is deleted
//! before it runs.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use vpcsim::input::{InputError, Kind};
use vpcsim::load::{self, Disk, FileSource, LoadOptions};
use vpcsim::sim::{self, RunOptions};

/// The disk, counting how often each file is read.
struct Counting {
    dir: tempfile::TempDir,
    reads: RefCell<BTreeMap<PathBuf, u32>>,
}

impl FileSource for Counting {
    fn read(&self, path: &Path, kind: Kind) -> Result<Vec<u8>, InputError> {
        let name = path.strip_prefix(self.dir.path()).unwrap_or(path);
        *self
            .reads
            .borrow_mut()
            .entry(name.to_path_buf())
            .or_default() += 1;
        Disk.read(path, kind)
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
    let dir = tempfile::tempdir().expect("tempdir");
    let files = [
        ("s.ron", text.into_bytes()),
        ("q.ron", shipped("scenarios/quotas/faq.ron")),
        ("p.ron", shipped("scenarios/pricebooks/aws-us-east-1.ron")),
        ("t.csv", trace.as_bytes().to_vec()),
    ];
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).expect("write");
    }
    Counting {
        dir,
        reads: RefCell::new(BTreeMap::new()),
    }
}

#[test]
fn every_input_file_is_read_once_per_run() {
    let src = source();
    let opts = LoadOptions {
        source: Some(&src),
        ..LoadOptions::default()
    };
    let path = src.dir.path().join("s.ron");
    let loaded = load::load_file_with(&path, &opts).expect("loads");
    // The run needs no file: the folder is gone before it starts.
    let folder = src.dir.path().to_path_buf();
    std::fs::remove_dir_all(&folder).expect("remove the inputs");
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
    let reads = src.reads.borrow();
    let want: BTreeMap<PathBuf, u32> = ["s.ron", "q.ron", "p.ron", "t.csv"]
        .iter()
        .map(|f| (PathBuf::from(f), 1))
        .collect();
    assert_eq!(
        *reads, want,
        "the scenario and each file it refers to read once, the run read none"
    );
}
