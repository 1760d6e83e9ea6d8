//! `aftercare plan ...`: file-based planning commands for planners and benchmark scripts.
//!
//! CSV in, CSV/JSON out around the pure `aftercare-planning` engine. All file reading
//! and writing lives here; the engine never touches a file.

pub mod common;
pub mod forecast_cmd;
pub mod input;
pub mod items;
pub mod lifecycle;
pub mod numbers;
pub mod plan_args;
pub mod policy_cmd;
pub mod replay;
pub mod simulate_cmd;

use clap::Subcommand;

/// The `plan` subcommands.
#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Forecast every series; optionally score against a holdout.
    Forecast(forecast_cmd::ForecastArgs),
    /// Compute stock levels (min, reorder point, max, EOQ) per item.
    Policy(policy_cmd::PolicyArgs),
    /// Replay a policy over held-out history and report service and inventory.
    Simulate(simulate_cmd::SimulateArgs),
}

/// Run one `plan` subcommand.
pub fn run(cmd: PlanCommand) -> anyhow::Result<()> {
    match cmd {
        PlanCommand::Forecast(args) => forecast_cmd::run(args),
        PlanCommand::Policy(args) => policy_cmd::run(args),
        PlanCommand::Simulate(args) => simulate_cmd::run(args),
    }
}
