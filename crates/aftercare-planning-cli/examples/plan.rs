//! Runs `aftercare plan ...` without the main binary: `cargo run --example plan -- forecast ...`.

use aftercare_planning_cli::PlanCommand;
use clap::Parser;

/// The `plan` subcommands as a stand-alone program.
#[derive(Debug, Parser)]
#[command(
    name = "plan",
    about = "Spare-parts planning: forecast, policy, simulate"
)]
struct Cli {
    #[command(subcommand)]
    command: PlanCommand,
}

fn main() -> anyhow::Result<()> {
    aftercare_planning_cli::run(Cli::parse().command)
}
