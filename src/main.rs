//! The `redesign-sim` command: parse, run, and map an error to its exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    match redesign_sim::cli::main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
