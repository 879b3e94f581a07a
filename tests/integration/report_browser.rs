//! report.html in a real browser: the quickstart's page is opened in
//! headless Chromium, which must lay out every chart visibly and report no
//! console message or load error.
//!
//! Chromium comes from Debian's `chromium` package: when it is missing and
//! the test runs as root with apt-get, it is installed (`apt-get install -y
//! chromium`); where that cannot be done the test prints a notice and
//! passes without checking. `VPCSIM_CHROMIUM=/path/to/chrome` picks another
//! binary; `VPCSIM_NO_BROWSER=1` skips the test.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The probe added to a copy of the page (the shipped page has no script):
/// after load it writes, into `<pre id="vpcsim-probe">`, each figure's
/// rendered size and visibility, and every error event seen.
const PROBE: &str = r#"<script>
window.__errors = [];
window.addEventListener('error', function (e) {
  window.__errors.push(String(e.message || (e.target && (e.target.src || e.target.href)) || 'error'));
}, true);
window.addEventListener('load', function () {
  var figs = Array.prototype.map.call(document.querySelectorAll('figure'), function (f) {
    var svg = f.querySelector('svg');
    var r = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
    var st = svg ? getComputedStyle(svg) : {display: 'none', visibility: 'hidden'};
    return {
      label: f.getAttribute('aria-label') || '',
      width: Math.round(r.width), height: Math.round(r.height),
      shown: st.display !== 'none' && st.visibility === 'visible' && Number(st.opacity) > 0,
      shapes: svg ? svg.querySelectorAll('path, rect, polyline, line, circle, text').length : 0,
      title: svg && svg.querySelector('text') ?
        Math.round(svg.querySelector('text').getComputedTextLength()) : 0
    };
  });
  var pre = document.createElement('pre');
  pre.id = 'vpcsim-probe';
  pre.textContent = JSON.stringify({figures: figs, errors: window.__errors,
    sections: document.querySelectorAll('section').length});
  document.body.appendChild(pre);
});
</script>"#;

/// A Chromium to drive, installing Debian's when missing and possible.
fn chromium() -> Result<PathBuf, String> {
    if let Ok(p) = std::env::var("VPCSIM_CHROMIUM") {
        return Ok(PathBuf::from(p));
    }
    let find = || {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
            .iter()
            .map(PathBuf::from)
            .find(|p| p.is_file())
    };
    if let Some(p) = find() {
        return Ok(p);
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    if !root || !Path::new("/usr/bin/apt-get").is_file() {
        return Err("no chromium, and not root with apt-get to install it".to_string());
    }
    eprintln!("report_browser: installing Debian's chromium (apt-get install -y chromium)…");
    let install = || {
        Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends", "chromium"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    if !install() {
        // A fresh machine may not have package lists yet.
        let _ = Command::new("apt-get").arg("update").output();
        if !install() {
            return Err("apt-get install chromium failed".to_string());
        }
    }
    find().ok_or_else(|| "chromium installed but not found".to_string())
}

/// Opens `page` in headless Chromium; returns the dumped DOM and the
/// browser's log (stderr).
fn open(browser: &Path, page: &Path, profile: &Path) -> Result<(String, String), String> {
    let out = Command::new("timeout")
        .arg("120")
        .arg(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1280,900",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .map_err(|e| format!("cannot start {}: {e}", browser.display()))?;
    if !out.status.success() {
        return Err(format!(
            "chromium exited with {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok((
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

#[test]
fn the_quickstart_report_renders_every_chart_in_a_browser() {
    if std::env::var_os("VPCSIM_NO_BROWSER").is_some() {
        println!("report_browser: skipped (VPCSIM_NO_BROWSER is set)");
        return;
    }
    let browser = match chromium() {
        Ok(b) => b,
        Err(why) => {
            println!("report_browser: SKIPPED, not checked in a browser: {why}");
            return;
        }
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let path = format!("{}/scenarios/quickstart.ron", env!("CARGO_MANIFEST_DIR"));
    let s = vpcsim::load::load_file(&path).expect("valid");
    let r = vpcsim::sim::run(
        &s,
        &vpcsim::sim::RunOptions {
            quiet: true,
            ..Default::default()
        },
    )
    .expect("runs");
    let out = dir.path().join("run");
    vpcsim::report::write_run(&out, &r).expect("written");
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    let charts = html.matches("<figure").count();
    assert_eq!(charts, 5, "the quickstart has five charts");
    let probed = html.replacen("<head>", &format!("<head>\n{PROBE}"), 1);
    let page = out.join("probed.html");
    std::fs::write(&page, probed).expect("write");

    let (dom, log) = match open(&browser, &page, &dir.path().join("profile")) {
        Ok(x) => x,
        Err(why) => {
            println!("report_browser: SKIPPED, the browser did not run: {why}");
            return;
        }
    };
    let json = dom
        .split("<pre id=\"vpcsim-probe\">")
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .unwrap_or_else(|| panic!("the probe did not run; DOM ends {:?}", tail(&dom)))
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    let v: serde_json::Value = serde_json::from_str(&json).expect("probe JSON");
    // Every chart is laid out at a readable size (the page is 1280 px wide,
    // the charts 1200 × 700 scaled to the column) and shown, with its
    // drawing inside; a chart that failed to parse would render 0 × 0.
    let figures = v["figures"].as_array().expect("figures");
    assert_eq!(figures.len(), charts, "{json}");
    for f in figures {
        let (w, h) = (
            f["width"].as_i64().unwrap_or(0),
            f["height"].as_i64().unwrap_or(0),
        );
        assert!(w >= 800 && h >= 450, "too small: {f}");
        assert!(f["shown"].as_bool() == Some(true), "hidden: {f}");
        // Drawn: elements inside, and the title (the first text) laid out
        // in a real font at a real width.
        assert!(f["shapes"].as_i64().unwrap_or(0) > 20, "empty drawing: {f}");
        assert!(f["title"].as_i64().unwrap_or(0) > 200, "no title text: {f}");
    }
    assert!(
        v["errors"].as_array().is_some_and(|e| e.is_empty()),
        "{json}"
    );
    // Summary, bill, events, connectivity, expectations, charts.
    assert_eq!(v["sections"].as_i64(), Some(6), "{json}");
    // The console stayed silent: the page logs nothing and loads nothing.
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:?}");
}

fn tail(s: &str) -> &str {
    let start = s.len().saturating_sub(400);
    let start = (start..s.len())
        .find(|i| s.is_char_boundary(*i))
        .unwrap_or(0);
    &s[start..]
}
