//! Regenerates the study charts the README shows (docs/images/), from the
//! shipped studies:
//!
//! ```text
//!  scenarios/studies/<study>.ron ──▶ vpcsim compare (in memory) ──▶ charts/<stem>.png
//!                                                                   └──▶ docs/images/study-*.png
//! ```
//!
//! Run from the repository root: `cargo run --release --example readme_images`.
//! The integration test `readme_images_are_current` fails when a committed
//! image differs from what the code draws.

use std::path::Path;

use vpcsim::study::charts::{study_chart_png, README_IMAGES};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scratch = std::env::temp_dir().join(format!("vpcsim-readme-{}", std::process::id()));
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    for (study, stem, image) in README_IMAGES {
        let dir = scratch.join(stem);
        let png = study_chart_png(&root.join(study), stem, &dir, jobs)?;
        vpcsim::report::write_atomic(&root.join(image), &png)?;
        println!("wrote {image} ({} bytes) from {study}", png.len());
        // Each image is a real PNG of the chart size.
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{image}");
    }
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(())
}
