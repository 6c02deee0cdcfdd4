//! Records the git commit the tool is built from, as `REDESIGN_SIM_GIT_COMMIT`, when it can be
//! known: from that variable if the builder set it (a packager, CI), else from `git`. Without
//! git, or outside a repository, nothing is set and the tool reports no commit.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
}

fn main() {
    println!("cargo:rerun-if-env-changed=REDESIGN_SIM_GIT_COMMIT");
    if std::env::var_os("REDESIGN_SIM_GIT_COMMIT").is_some() {
        return;
    }
    let Some(commit) = git(&["rev-parse", "HEAD"]) else {
        // No git, or not a repository: look again only when the build script changes.
        println!("cargo:rerun-if-changed=build.rs");
        return;
    };
    println!("cargo:rustc-env=REDESIGN_SIM_GIT_COMMIT={commit}");
    // Build again when HEAD moves: a commit, a checkout, a new branch tip.
    for p in ["HEAD", "refs/heads", "packed-refs"] {
        if let Some(path) = git(&["rev-parse", "--git-path", p]) {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
