//! Helpers shared by the integration tests: a scratch folder per test and the real binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The project's root folder.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A scenario file shipped in `scenarios/`.
pub fn scenario(name: &str) -> PathBuf {
    root().join("scenarios").join(name)
}

/// A fresh temporary folder, removed when dropped.
pub fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary folder")
}

/// Runs the `redesign-sim` binary with `args` in `dir`.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_redesign-sim"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write a test file");
    path
}

/// Runs `redesign-sim run scenarios/baseline.toml` with `extra` arguments in `dir`.
pub fn run_baseline(dir: &Path, extra: &[&str]) -> Output {
    let base = scenario("baseline.toml");
    let mut args = vec!["run", base.to_str().expect("a UTF-8 path")];
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

/// The system Chromium, or `None` where it is not installed; in CI (`CI` set) a missing Chromium
/// fails the test instead, since CI must never skip silently.
pub fn chromium() -> Option<&'static Path> {
    let found = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .map(Path::new)
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "Chromium is not installed and CI is set (apt-get install chromium)"
        );
        println!("skipped: Chromium is not installed (apt-get install chromium)");
    }
    found
}

/// Flags every headless Chromium run of the tests takes: no sandbox (CI runs as root), no GPU, no
/// network services, no first-run work.
pub const CHROMIUM_HEADLESS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];
