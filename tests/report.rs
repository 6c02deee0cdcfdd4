//! The pictures and pages through the real binary: every PNG decodes at its stated size and is
//! not blank, every SVG parses, every page links only to files that exist, and a headless
//! browser shows the page with its images.

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{
    CHROMIUM_HEADLESS, chromium, run_baseline, run_in, scenario, scratch, stderr, stdout,
};

/// The size every chart states.
const SIZE: (u32, u32) = (1280, 720);

/// Runs the binary and insists it succeeded.
fn ok(dir: &Path, args: &[&str]) -> String {
    let out = run_in(dir, args);
    assert!(
        out.status.success(),
        "redesign-sim {} failed:\n{}",
        args.join(" "),
        stderr(&out)
    );
    stdout(&out)
}

/// Runs the baseline with `extra` arguments and insists it succeeded.
fn ok_baseline(dir: &Path, extra: &[&str]) -> String {
    let out = run_baseline(dir, extra);
    assert!(
        out.status.success(),
        "redesign-sim run baseline {} failed:\n{}",
        extra.join(" "),
        stderr(&out)
    );
    stdout(&out)
}

/// Files in `dir` (not below) with extension `ext`, sorted.
fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    v.sort();
    v
}

/// Distinct colours and dark pixels of an RGB picture.
fn colours_and_dark(img: &image::RgbImage) -> (usize, usize) {
    let mut seen = HashSet::new();
    let mut dark = 0;
    for p in img.pixels() {
        seen.insert(p.0);
        let [r, g, b] = p.0.map(u32::from);
        if r + g + b < 150 {
            dark += 1;
        }
    }
    (seen.len(), dark)
}

/// Decodes a PNG and checks it is a chart: the stated size, many colours, text present.
fn check_png(path: &Path) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
        .unwrap_or_else(|e| panic!("{} does not decode: {e}", path.display()))
        .to_rgb8();
    assert_eq!(img.dimensions(), SIZE, "{}", path.display());
    let (colours, dark) = colours_and_dark(&img);
    // Anti-aliased text and lines alone give dozens of shades; a blank or flat image has few.
    assert!(
        colours >= 40,
        "{} has only {colours} colours",
        path.display()
    );
    // Titles, tick labels and axis descriptions are dark text.
    assert!(
        dark >= 800,
        "{} has only {dark} dark pixels",
        path.display()
    );
}

/// Parses an SVG and checks it has the stated size and text.
fn check_svg(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc = roxmltree::Document::parse(&text)
        .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg", "{}", path.display());
    assert_eq!(root.attribute("width"), Some("1280"), "{}", path.display());
    assert_eq!(root.attribute("height"), Some("720"), "{}", path.display());
    let texts = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "text")
        .count();
    assert!(texts >= 5, "{} has {texts} text elements", path.display());
}

/// Every `src="…"` and `href="…"` in a page, unescaped.
fn references(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let end = rest.find('"').unwrap_or(rest.len());
            out.push(rest[..end].replace("&amp;", "&").replace("&quot;", "\""));
            rest = &rest[end..];
        }
    }
    out
}

/// How an image embedded in a page begins.
const EMBEDDED_PNG: &str = "data:image/png;base64,";

/// Checks a page: self-contained, and every file it names exists beside it. Returns the pages
/// it links to.
fn check_page(page: &Path) -> Vec<PathBuf> {
    let html = std::fs::read_to_string(page).unwrap_or_else(|e| panic!("{}: {e}", page.display()));
    assert!(html.starts_with("<!DOCTYPE html>"), "{}", page.display());
    assert!(!html.contains("<script"), "{} has a script", page.display());
    // Every page ends with the glossary: the arena labels and every way an initiative ends.
    assert!(
        html.contains("id=\"glossary\""),
        "{} has no glossary",
        page.display()
    );
    for term in [
        "S P -",
        "success",
        "partial",
        "stalled",
        "displaced",
        "pilot fizzled",
        "plan without implementation",
        "designed not adopted",
        "never started",
    ] {
        assert!(
            html.contains(&format!("<dt>{term}</dt>")),
            "{} does not define {term}",
            page.display()
        );
    }
    let base = page.parent().unwrap_or(Path::new("."));
    let refs = references(&html);
    assert!(
        refs.iter()
            .any(|r| r.ends_with(".png") || r.starts_with(EMBEDDED_PNG)),
        "{} shows no image",
        page.display()
    );
    let mut pages = Vec::new();
    for r in refs.into_iter().filter(|r| !r.starts_with(EMBEDDED_PNG)) {
        assert!(
            !r.contains("://") && !r.starts_with('/'),
            "{} refers outside its folder: {r}",
            page.display()
        );
        let target = base.join(&r);
        assert!(
            target.is_file(),
            "{} refers to {r}, which does not exist",
            page.display()
        );
        if r.ends_with(".html") {
            pages.push(target);
        }
    }
    pages
}

/// Checks every chart in `dir` (PNG and SVG in pairs) and its page.
fn check_folder(dir: &Path) {
    let pngs = files(dir, "png");
    let svgs = files(dir, "svg");
    assert!(!pngs.is_empty(), "no charts in {}", dir.display());
    assert_eq!(pngs.len(), svgs.len(), "every chart as PNG and SVG");
    for p in &pngs {
        check_png(p);
        assert!(p.with_extension("svg").is_file(), "{}", p.display());
    }
    for s in &svgs {
        check_svg(s);
    }
    check_page(&dir.join("index.html"));
}

#[test]
fn run_writes_every_chart_and_a_page_that_names_only_files_that_exist() {
    let tmp = scratch();
    ok_baseline(tmp.path(), &["-n", "24", "-q", "--out", "run"]);
    let dir = tmp.path().join("run");
    for stem in ["failure_modes", "gp_seats", "logic_mix"] {
        assert!(dir.join(format!("{stem}.png")).is_file(), "{stem}.png");
    }
    let fans = files(&dir, "png")
        .iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("fan_"))
        })
        .count();
    assert_eq!(fans, 3, "one fan chart per initiative of the baseline");
    check_folder(&dir);
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap_or_default();
    assert!(html.contains("Resolved parameters"));
    assert!(html.contains("What it shows:") && html.contains("How to read it:"));
    assert!(html.contains("frail elderly"));
}

#[test]
fn no_plots_writes_no_pictures_and_no_page() {
    let tmp = scratch();
    ok_baseline(tmp.path(), &["-n", "4", "-q", "--no-plots", "--out", "run"]);
    let dir = tmp.path().join("run");
    assert!(dir.join("summary.json").is_file());
    assert!(files(&dir, "png").is_empty() && files(&dir, "svg").is_empty());
    assert!(!dir.join("index.html").exists());
}

#[test]
fn one_month_and_one_replication_still_draw() {
    let tmp = scratch();
    // No events or survey waves, which would fall after the only month.
    let tiny = common::write(
        tmp.path(),
        "tiny.toml",
        "event = []\n[simulation]\nname = \"tiny\"\nmonths = 1\nreplications = 1\n\
         [survey]\nmonths = []\n[success]\nsustain_months = 1\n",
    );
    ok(
        tmp.path(),
        &[
            "run",
            tiny.to_str().unwrap_or_default(),
            "-q",
            "--out",
            "run",
        ],
    );
    check_folder(&tmp.path().join("run"));
    // One replication has no median nor band, and the titles say so.
    let html = std::fs::read_to_string(tmp.path().join("run/index.html")).unwrap_or_default();
    assert!(
        html.contains("(one replication)"),
        "fan titles name what was drawn"
    );
    assert!(!html.contains("median, 5–95% band"));
}

#[test]
fn experiments_draw_their_cells_with_the_verdict() {
    let tmp = scratch();
    let base = scenario("baseline.toml");
    for (kind, stem) in [
        ("arenas", "arenas"),
        ("clinical", "clinical"),
        ("timing", "timing"),
    ] {
        ok(
            tmp.path(),
            &[
                "experiment",
                kind,
                base.to_str().unwrap_or_default(),
                "-n",
                "12",
                "-q",
                "--out",
                kind,
            ],
        );
        let dir = tmp.path().join(kind);
        assert!(dir.join(format!("{stem}.png")).is_file());
        check_folder(&dir);
    }
    let html = std::fs::read_to_string(tmp.path().join("arenas/index.html")).unwrap_or_default();
    assert!(html.contains("Verdict:"));
    // Cumulative success by month is drawn, and the probe's finding is on the page.
    assert!(tmp.path().join("arenas/cumulative.png").is_file());
    assert!(html.contains("Robustness"));
    assert!(html.contains("one-at-a-time steps keep the verdict"));
    let html = std::fs::read_to_string(tmp.path().join("clinical/index.html")).unwrap_or_default();
    assert!(html.contains("Clinical leadership in at least one arena:"));
    // The timing design is paired: the page reports the paired differences with their
    // intervals, never reads overlapping intervals as chance, and shows when each arena acts.
    let html = std::fs::read_to_string(tmp.path().join("timing/index.html")).unwrap_or_default();
    assert!(!html.contains("overlapping intervals mean the difference may be chance"));
    assert!(html.contains("Paired over the same 12 replications"));
    assert!(html.contains("concurrent − sequential") && html.contains("95% interval ["));
    assert!(html.contains("timing_schedule.png"));
    let schedule =
        std::fs::read_to_string(tmp.path().join("timing/timing_schedule.svg")).unwrap_or_default();
    for lane in ["strategic board", "programme boards", "point of delivery"] {
        assert!(
            schedule.contains(lane),
            "the schedule's legend names {lane}"
        );
    }
    let json = std::fs::read_to_string(tmp.path().join("timing/timing.json")).unwrap_or_default();
    assert!(
        json.contains("\"schedules\""),
        "timing.json records the schedules"
    );
}

/// The demo's page and the pages it links to; the demo runs where no scenarios folder exists,
/// so it uses its built-in baseline.
fn demo(dir: &Path) -> PathBuf {
    let started = Instant::now();
    let out = ok(dir, &["demo", "-n", "60", "-q", "--out", "demo"]);
    eprintln!("demo with 60 replications took {:?}", started.elapsed());
    let page = dir.join("demo").join("index.html");
    assert!(
        out.contains(&format!("demo{}index.html", std::path::MAIN_SEPARATOR)),
        "the demo prints where its report is:\n{out}"
    );
    page
}

#[test]
fn demo_writes_one_page_to_open_and_its_parts() {
    let tmp = scratch();
    let page = demo(tmp.path());
    let linked = check_page(&page);
    assert_eq!(linked.len(), 2, "links to the baseline and arena reports");
    // Its charts are embedded: the page shows them wherever it is copied, alone.
    let html = std::fs::read_to_string(&page).unwrap();
    let refs = references(&html);
    assert!(refs.iter().filter(|r| r.starts_with(EMBEDDED_PNG)).count() >= 3);
    assert!(
        !refs
            .iter()
            .any(|r| r.ends_with(".png") || r.ends_with(".svg")),
        "{refs:?}"
    );
    for p in linked {
        check_page(&p);
    }
    check_folder(&tmp.path().join("demo/baseline"));
    check_folder(&tmp.path().join("demo/arenas"));
}

/// Runs `cmd` for at most `limit`; false if it failed or had to be stopped.
fn run_with_limit(cmd: &mut Command, limit: Duration) -> bool {
    let Ok(mut child) = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn() else {
        return false;
    };
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.success(),
            Ok(None) if start.elapsed() < limit => std::thread::sleep(Duration::from_millis(100)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
        }
    }
}

/// A screenshot of `page` in headless Chromium, 1280 pixels wide.
fn screenshot(chromium: &Path, dir: &Path, page: &Path) -> image::RgbImage {
    let profile = dir.join("chromium-profile");
    let shot = dir.join("screenshot.png");
    let url = format!("file://{}", page.display());
    let rendered = run_with_limit(
        Command::new(chromium).args(CHROMIUM_HEADLESS).args([
            "--hide-scrollbars",
            &format!("--user-data-dir={}", profile.display()),
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000",
            &url,
        ]),
        Duration::from_secs(90),
    );
    assert!(rendered && shot.is_file(), "Chromium did not render {url}");
    image::open(&shot)
        .unwrap_or_else(|e| panic!("the screenshot does not decode: {e}"))
        .to_rgb8()
}

#[test]
fn the_story_page_renders_with_its_images_in_headless_chromium() {
    let Some(chromium) = chromium() else {
        return;
    };
    let tmp = scratch();
    let base = scenario("baseline.toml");
    ok(
        tmp.path(),
        &[
            "story",
            base.to_str().unwrap_or_default(),
            "--replication",
            "0",
            "--out",
            "story",
        ],
    );
    let dir = tmp.path().join("story");
    check_folder(&dir);
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap_or_default();
    assert!(html.contains("The story, to read aloud") && html.contains("It ended as"));
    let img = screenshot(chromium, tmp.path(), &dir.join("index.html"));
    let (colours, dark) = colours_and_dark(&img);
    assert!(colours >= 300, "only {colours} colours: images missing?");
    assert!(dark >= 2000, "only {dark} dark pixels: text missing?");
}

#[test]
fn the_page_renders_with_its_images_in_headless_chromium() {
    let Some(chromium) = chromium() else {
        return;
    };
    let tmp = scratch();
    let page = demo(tmp.path());
    let profile = tmp.path().join("chromium-profile");
    let shot = tmp.path().join("screenshot.png");
    let url = format!("file://{}", page.display());
    let rendered = run_with_limit(
        Command::new(chromium).args(CHROMIUM_HEADLESS).args([
            "--hide-scrollbars",
            &format!("--user-data-dir={}", profile.display()),
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000",
            &url,
        ]),
        Duration::from_secs(90),
    );
    assert!(rendered && shot.is_file(), "Chromium did not render {url}");
    let img = image::open(&shot)
        .unwrap_or_else(|e| panic!("the screenshot does not decode: {e}"))
        .to_rgb8();
    let (colours, dark) = colours_and_dark(&img);
    // The page's own colours are few (text, table lines, one accent); the charts bring hundreds.
    assert!(colours >= 300, "only {colours} colours: images missing?");
    assert!(dark >= 2000, "only {dark} dark pixels: text missing?");
    // The failure-mode chart's green (Okabe–Ito bluish green) fills large areas.
    let green = img
        .pixels()
        .filter(|p| {
            let [r, g, b] = p.0.map(i32::from);
            r < 12 && (g - 158).abs() < 12 && (b - 115).abs() < 12
        })
        .count();
    assert!(
        green >= 5000,
        "only {green} chart-green pixels: images missing?"
    );
}

#[test]
fn sweeps_draw_their_chart_and_write_a_page() {
    let tmp = scratch();
    let base = scenario("baseline.toml");
    ok(
        tmp.path(),
        &[
            "sweep",
            base.to_str().unwrap(),
            "--param",
            "arenas.practice.reversion_rate=0:1:3",
            "--param",
            "arenas.strategic.directive_strength=0:1:2",
            "-n",
            "6",
            "-q",
            "-o",
            "grid",
        ],
    );
    let dir = tmp.path().join("grid");
    check_folder(&dir);
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(
        html.contains("arenas.practice.reversion_rate"),
        "the page names the swept parameter"
    );
    assert!(html.contains("sweep.png"), "the page shows the heat map");
}

#[test]
fn a_heat_map_marks_three_verdicts_and_names_switches_on_and_off() {
    let tmp = scratch();
    let base = scenario("baseline.toml");
    ok(
        tmp.path(),
        &[
            "sweep",
            base.to_str().unwrap(),
            "--param",
            "arenas.practice.reversion_rate=0:1:3",
            "--param",
            "arenas.strategic.enabled=false:true:2",
            "--experiment",
            "arenas",
            "-n",
            "6",
            "-q",
            "-o",
            "grid",
        ],
    );
    let dir = tmp.path().join("grid");
    check_folder(&dir);
    let svg = std::fs::read_to_string(dir.join("sweep.svg")).unwrap();
    for entry in [
        "arena verdict supported",
        "arena verdict refuted",
        "arena verdict inconclusive",
    ] {
        assert!(svg.contains(entry), "the legend explains {entry}");
    }
    assert!(
        svg.contains(">\noff\n<") || svg.contains(">off<"),
        "switch labelled off"
    );
    assert!(
        svg.contains(">\non\n<") || svg.contains(">on<"),
        "switch labelled on"
    );
    // Parameters are named as `params` names them, not by their paths.
    assert!(svg.contains("Strength of resistance by sedimentation"));
    assert!(!svg.contains("arenas.practice.reversion_rate"));
    assert!(svg.contains("scale fitted to the"));
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(
        html.contains("arenas.practice.reversion_rate"),
        "the page keeps the path"
    );
    assert!(html.contains("a ring where it is"));
}

#[test]
fn a_latin_hypercube_sweep_draws_success_against_each_parameter() {
    let tmp = scratch();
    let base = scenario("baseline.toml");
    let args = |out: &'static str, experiment: bool| {
        let mut a = vec![
            "sweep".to_string(),
            base.to_str().unwrap().to_string(),
            "--param".into(),
            "arenas.practice.reversion_rate=0:1".into(),
            "--param".into(),
            "arenas.strategic.directive_strength=0:1".into(),
            "--param".into(),
            "leadership.clinical=false:true".into(),
            "--design".into(),
            "lhs".into(),
            "--points".into(),
            "12".into(),
            "-n".into(),
            "4".into(),
            "-q".into(),
            "-o".into(),
            out.into(),
        ];
        if experiment {
            a.extend(["--experiment".to_string(), "arenas".to_string()]);
        }
        a
    };
    for (out, experiment) in [("lhs", false), ("lhs_verdict", true)] {
        let a = args(out, experiment);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        ok(tmp.path(), &a);
        let dir = tmp.path().join(out);
        assert!(
            dir.join("sweep.png").is_file(),
            "{out}: the LHS sweep has a chart"
        );
        check_folder(&dir);
        let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
        assert!(html.contains("sweep.png") && html.contains("one panel per parameter"));
        assert!(
            html.contains("Success ranges from"),
            "the caption comes from the data"
        );
        let svg = std::fs::read_to_string(dir.join("sweep.svg")).unwrap();
        assert_eq!(svg.contains("inconclusive"), experiment, "{out}");
        assert_eq!(
            html.contains("coloured by the arena verdict"),
            experiment,
            "{out}"
        );
    }
}
