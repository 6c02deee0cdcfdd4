//! The `redesign-sim` command: parse, run, and map an error to its exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    let result = redesign_sim::commands::main();
    // A diagnostic for measuring the memory guard against reality (see the README).
    if std::env::var_os("REDESIGN_SIM_REPORT_PEAK").is_some()
        && let Some(peak) = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmHWM:"))
                    .map(String::from)
            })
    {
        eprintln!("peak memory: {}", peak.trim_start_matches("VmHWM:").trim());
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
