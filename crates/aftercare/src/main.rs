//! The `aftercare` binary: wires configuration, logging and the runtime to the library
//! crates. Business logic lives in `aftercare-app`.

mod cli;
mod commands;
mod config;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        // Its reader stopped reading (`| head`): nothing more to say, and nothing failed.
        Err(e) if e.downcast_ref::<commands::StdoutClosed>().is_some() => {
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
