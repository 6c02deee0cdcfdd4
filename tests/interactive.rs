//! `demo --interactive` through the real binary: one self-contained page, the same bytes for any
//! number of threads, and a real browser that moves the sliders and shows that grid point.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{CHROMIUM_HEADLESS, chromium, run_in, scratch, stderr};
use serde_json::Value;

/// Writes the interactive page with `extra` arguments into `dir/out` and returns that folder.
fn interactive(dir: &Path, out: &str, extra: &[&str]) -> PathBuf {
    let mut args = vec!["demo", "--interactive", "-n", "4", "-q", "--out", out];
    args.extend_from_slice(extra);
    let started = Instant::now();
    let o = run_in(dir, &args);
    assert!(
        o.status.success(),
        "redesign-sim {} failed:\n{}",
        args.join(" "),
        stderr(&o)
    );
    eprintln!("demo --interactive -n 4 took {:?}", started.elapsed());
    dir.join(out)
}

/// The grid the binary wrote beside the page.
fn grid(folder: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(folder.join("interactive.json")).unwrap()).unwrap()
}

#[test]
fn the_page_is_one_file_that_needs_no_network_and_embeds_its_grid() {
    let tmp = scratch();
    let folder = interactive(tmp.path(), "class", &[]);
    let html = std::fs::read_to_string(folder.join("index.html")).unwrap();
    let json = std::fs::read_to_string(folder.join("interactive.json")).unwrap();
    assert!(html.contains(&json), "the page embeds the grid as written");
    // Nothing is fetched: no external script, style, image or font; the one address is SVG's
    // namespace, a name and never a request.
    for bad in [
        "<script src",
        "<link",
        "<img",
        "@import",
        "url(",
        "fetch(",
        "XMLHttpRequest",
    ] {
        assert!(!html.contains(bad), "the page must not hold {bad}");
    }
    let addresses = html.matches("http").count();
    let namespace = html.matches("http://www.w3.org/2000/svg").count();
    assert_eq!(addresses, namespace, "no address but SVG's namespace");
    let g = grid(&folder);
    let sliders = g["sliders"].as_array().unwrap();
    let size: usize = sliders
        .iter()
        .map(|s| s["values"].as_array().unwrap().len())
        .product();
    assert_eq!(g["points"].as_array().unwrap().len(), size);
    assert_eq!(size, 81);
    for p in g["points"].as_array().unwrap() {
        assert_eq!(p["cells"].as_array().unwrap().len(), 10);
        let v = p["verdict"]["result"].as_str().unwrap();
        assert!(["supported", "refuted", "inconclusive"].contains(&v));
        assert_eq!(p["success"].as_array().unwrap().len(), 60);
        assert_eq!(p["adoption"].as_array().unwrap().len(), 3);
    }
    // Sliders are named for a class, not by parameter path.
    for s in sliders {
        assert!(!s["name"].as_str().unwrap().contains('.'));
    }
}

#[test]
fn the_same_seed_writes_the_same_bytes_for_any_number_of_threads() {
    let tmp = scratch();
    let one = interactive(tmp.path(), "one", &["--threads", "1", "--seed", "7"]);
    let two = interactive(tmp.path(), "two", &["--threads", "2", "--seed", "7"]);
    for name in ["index.html", "interactive.json"] {
        assert!(
            std::fs::read(one.join(name)).unwrap() == std::fs::read(two.join(name)).unwrap(),
            "{name} differs between 1 and 2 threads"
        );
    }
}

/// Runs Chromium headless on `url` and returns the page's DOM after its script ran, or panics.
fn dump_dom(chromium: &Path, url: &str, scratch: &Path, name: &str) -> String {
    let dom = scratch.join(format!("{name}.html"));
    let mut child = Command::new(chromium)
        .args(CHROMIUM_HEADLESS)
        .args([
            // Lets the page's script and its input events run to the end before the dump.
            "--virtual-time-budget=10000",
            &format!(
                "--user-data-dir={}",
                scratch.join(format!("{name}-profile")).display()
            ),
            "--dump-dom",
            url,
        ])
        .stdout(Stdio::from(std::fs::File::create(&dom).unwrap()))
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("Chromium does not start: {e}"));
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                assert!(status.success(), "Chromium failed on {url}");
                break;
            }
            Ok(None) if start.elapsed() < Duration::from_secs(90) => {
                std::thread::sleep(Duration::from_millis(100))
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("Chromium did not finish {url} in 90 s");
            }
        }
    }
    std::fs::read_to_string(&dom).unwrap()
}

/// The values of attribute `name` on every element of `dom` that has it, in document order.
fn attributes(dom: &str, name: &str) -> Vec<String> {
    let key = format!(" {name}=\"");
    dom.match_indices(&key)
        .map(|(i, _)| {
            let rest = &dom[i + key.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

/// The opening tag and text of the element with `id` in `dom`.
fn element<'a>(dom: &'a str, id: &str) -> (&'a str, &'a str) {
    let at = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in the page"));
    let open = dom[..at].rfind('<').unwrap();
    let end = at + dom[at..].find('>').unwrap();
    let close = end + dom[end..].find('<').unwrap();
    (&dom[open..=end], &dom[end + 1..close])
}

/// A number written by JavaScript, read back.
fn number(text: &str) -> f64 {
    text.parse()
        .unwrap_or_else(|e| panic!("{text:?} is not a number: {e}"))
}

#[test]
fn moving_a_slider_in_headless_chromium_shows_that_grid_points_chart_and_verdict() {
    let Some(chromium) = chromium() else {
        return;
    };
    let tmp = scratch();
    let folder = interactive(tmp.path(), "class", &[]);
    let g = grid(&folder);
    let sliders = g["sliders"].as_array().unwrap();
    let page = folder.join("index.html");
    let mut seen = Vec::new();
    // Two settings far apart: the page must show each one's own figures.
    for (name, moves) in [
        ("low-reversion", &[("reversion", 0usize), ("routes", 2)][..]),
        (
            "high-reversion",
            &[("reversion", 2), ("willingness", 0), ("pressure", 2)][..],
        ),
    ] {
        let fragment: Vec<String> = moves.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let url = format!("file://{}#{}", page.display(), fragment.join("&"));
        let dom = dump_dom(chromium, &url, tmp.path(), name);
        // The grid point those slider levels name, the last slider varying fastest.
        let mut index = 0;
        for s in sliders {
            let key = s["key"].as_str().unwrap();
            let levels = s["values"].as_array().unwrap().len();
            let level = moves
                .iter()
                .find(|(k, _)| *k == key)
                .map_or(s["start"].as_u64().unwrap() as usize, |m| m.1);
            index = index * levels + level;
        }
        let point = &g["points"][index];
        // The sliders moved: each shows its new value.
        for (key, level) in moves {
            let s = sliders.iter().find(|s| s["key"] == *key).unwrap();
            let (_, text) = element(&dom, &format!("value-{key}"));
            assert_eq!(number(text), s["values"][level].as_f64().unwrap(), "{name}");
        }
        // The verdict is that point's.
        let (tag, text) = element(&dom, "verdict");
        let result = point["verdict"]["result"].as_str().unwrap();
        assert!(
            tag.contains(&format!("data-verdict=\"{result}\"")),
            "{name}: {tag}"
        );
        assert!(
            tag.contains(&format!("data-point=\"{index}\"")),
            "{name}: {tag}"
        );
        assert!(
            text.starts_with(&format!(
                "All three arenas needed: {}.",
                result.to_uppercase()
            )),
            "{name}: {text}"
        );
        let deciding = point["verdict"]["deciding_label"].as_str().unwrap();
        let spelled = g["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["label"] == deciding)
            .unwrap()["name"]
            .as_str()
            .unwrap();
        assert!(
            text.contains(&format!("The deciding combination is {spelled}:")),
            "{name}: {text}"
        );
        // Every bar of the arena chart is that point's cell, with its interval.
        let cells = point["cells"].as_array().unwrap();
        for (attr, field) in [
            ("data-success", "success"),
            ("data-lo", "lo"),
            ("data-hi", "hi"),
        ] {
            let drawn: Vec<f64> = attributes(&dom, attr).iter().map(|s| number(s)).collect();
            let want: Vec<f64> = cells.iter().map(|c| c[field].as_f64().unwrap()).collect();
            assert_eq!(drawn, want, "{name}: {attr}");
        }
        // The fan shows that point's adoption at the last month.
        let ends: Vec<f64> = attributes(&dom, "data-median-end")
            .iter()
            .map(|s| number(s))
            .collect();
        let want: Vec<f64> = point["adoption"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a[59][1].as_f64().unwrap())
            .collect();
        assert_eq!(ends, want, "{name}: adoption at the last month");
        seen.push((index, attributes(&dom, "data-success"), ends));
    }
    assert_ne!(seen[0].0, seen[1].0);
    assert!(
        seen[0].1 != seen[1].1 || seen[0].2 != seen[1].2,
        "two settings drew the same charts"
    );
}
