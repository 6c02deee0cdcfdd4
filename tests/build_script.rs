//! The build script (`build.rs`) compiled and run on its own, as Cargo runs it: without git, or
//! outside a repository, it succeeds and records no commit (the tool then writes `"commit":
//! null`); with git in a repository it records the commit; a commit given by the builder wins.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{root, scratch};

/// Compiles `build.rs` into `dir` and returns the program.
fn compile(dir: &Path) -> PathBuf {
    let exe = dir.join("build-script");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(rustc)
        .args(["--edition", "2024", "-O", "-o"])
        .arg(&exe)
        .arg(root().join("build.rs"))
        .output()
        .expect("rustc runs");
    assert!(
        out.status.success(),
        "build.rs does not compile: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

/// Runs the build script in `cwd` with `PATH` set to `path` and the builder's commit unset
/// unless given; returns what it tells Cargo.
fn run(exe: &Path, cwd: &Path, path: &str, commit: Option<&str>) -> String {
    let mut cmd = Command::new(exe);
    cmd.current_dir(cwd)
        .env("PATH", path)
        .env_remove("REDESIGN_SIM_GIT_COMMIT")
        .env_remove("GIT_DIR")
        // Stop git looking above the scratch folder for a repository.
        .env("GIT_CEILING_DIRECTORIES", cwd.parent().unwrap_or(cwd));
    if let Some(c) = commit {
        cmd.env("REDESIGN_SIM_GIT_COMMIT", c);
    }
    let out = cmd.output().expect("the build script runs");
    assert!(
        out.status.success(),
        "the build script failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 instructions")
}

const RECORDS: &str = "cargo:rustc-env=REDESIGN_SIM_GIT_COMMIT=";

#[cfg(unix)]
#[test]
fn the_build_records_the_commit_when_git_can_tell_and_nothing_otherwise() {
    use std::os::unix::fs::PermissionsExt;

    let tmp = scratch();
    let exe = compile(tmp.path());
    let empty = tmp.path().join("no-git-here");
    std::fs::create_dir(&empty).unwrap();
    let no_git = empty.display().to_string();

    // No git on the PATH, in the project's own folder: the build goes on and records nothing.
    let said = run(&exe, &root(), &no_git, None);
    assert!(!said.contains(RECORDS), "{said}");
    assert!(said.contains("cargo:rerun-if-changed=build.rs"), "{said}");

    // A git that answers: the same lookup finds it and the commit is recorded, so the case
    // above is git's absence and not a script that never records anything.
    let fake = tmp.path().join("fake-git");
    std::fs::create_dir(&fake).unwrap();
    let git = fake.join("git");
    std::fs::write(
        &git,
        "#!/bin/sh\nif [ \"$1\" = rev-parse ] && [ \"$2\" = HEAD ]; then echo 0123abcd; \
         else echo .git/$4; fi\n",
    )
    .unwrap();
    std::fs::set_permissions(&git, std::fs::Permissions::from_mode(0o755)).unwrap();
    let said = run(&exe, &root(), &fake.display().to_string(), None);
    assert!(said.contains(&format!("{RECORDS}0123abcd\n")), "{said}");

    // A git that fails (as outside a repository): nothing recorded, the build goes on.
    std::fs::write(
        &git,
        "#!/bin/sh\necho 'fatal: not a git repository' >&2\nexit 128\n",
    )
    .unwrap();
    let said = run(&exe, &root(), &fake.display().to_string(), None);
    assert!(!said.contains(RECORDS), "{said}");

    // The real git, if any, in a folder that is no repository: nothing recorded either.
    if let Ok(path) = std::env::var("PATH") {
        let outside = tmp.path().join("outside");
        std::fs::create_dir(&outside).unwrap();
        let said = run(&exe, &outside, &path, None);
        assert!(!said.contains(RECORDS), "{said}");
    }

    // A commit given by the builder (a packager without git) is left for rustc to read, and
    // git is not asked.
    let said = run(&exe, &root(), &no_git, Some("feedface"));
    assert!(!said.contains(RECORDS), "{said}");
    assert!(
        said.contains("cargo:rerun-if-env-changed=REDESIGN_SIM_GIT_COMMIT"),
        "{said}"
    );
}
