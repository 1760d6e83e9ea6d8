//! The command line.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Aftercare: after-sales service platform (售后服务管理系统).
#[derive(Debug, Parser)]
#[command(name = "aftercare", version, about, long_about = None)]
pub struct Cli {
    /// Configuration file (default: ./aftercare.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://... [env: AFTERCARE_DATABASE_URL]
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (API and web UI).
    Serve(ServeArgs),
    /// Create (or reuse) a demo database with realistic data and serve it.
    Demo(DemoArgs),
    /// Apply pending database migrations.
    Migrate(MigrateArgs),
    /// Manage login accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Configuration helpers.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Database maintenance.
    #[command(subcommand)]
    Db(DbCommand),
    /// Stock ledger maintenance.
    #[command(subcommand)]
    Stock(StockCommand),
    /// Part master import and export (CSV / XLSX).
    #[command(subcommand)]
    Parts(PartsCommand),
    /// Spare-parts planning: from the ledger (run), or on CSV files (forecast, policy, simulate).
    #[command(subcommand)]
    Plan(Box<PlanCli>),
}

/// `plan` subcommands.
#[derive(Debug, Subcommand)]
pub enum PlanCli {
    /// Plan every part × warehouse from the ledger's history and write replenishment proposals.
    Run(PlanRunArgs),
    /// Planning on CSV files.
    #[command(flatten)]
    Files(Box<aftercare_planning_cli::PlanCommand>),
}

/// `plan run`.
#[derive(Debug, Args)]
pub struct PlanRunArgs {
    /// Period of the demand history: week or month.
    #[arg(long, default_value = "week", value_parser = ["week", "month"])]
    pub bucket: String,
    /// Periods of history (default: 104 weeks or 24 months).
    #[arg(long)]
    pub periods: Option<usize>,
    /// Target fill rate (share of demanded units filled from stock).
    #[arg(long, default_value_t = 0.95)]
    pub target_fill: f64,
    /// Days a transfer from the parent warehouse takes.
    #[arg(long, default_value_t = 3)]
    pub transfer_days: i64,
    /// Fixed cost of one purchase order, in currency units with up to two decimals: the
    /// order cost of the economic order quantity at warehouses without a parent (default
    /// 200.00).
    #[arg(long, value_name = "AMOUNT", allow_hyphen_values = true)]
    pub purchase_order_cost: Option<String>,
    /// Fixed cost of one transfer from the parent warehouse, in currency units with up to
    /// two decimals: the order cost of the economic order quantity elsewhere (default 30.00).
    #[arg(long, value_name = "AMOUNT", allow_hyphen_values = true)]
    pub transfer_cost: Option<String>,
    /// Cost of holding one unit for a year, in percent of its standard cost (1-100).
    #[arg(
        long,
        value_name = "PCT",
        default_value_t = 20,
        allow_hyphen_values = true
    )]
    pub holding_rate_pct: i64,
    /// What the target fill rate applies to: every part at every warehouse (item), or
    /// each warehouse's units as a whole, with the least stock value, calibrated on the
    /// forecasts (warehouse) or on the last half of the history replayed
    /// (warehouse_history: closer to the fill real demand gets, and slower).
    #[arg(long, default_value = "item", value_parser = ["item", "warehouse", "warehouse_history"])]
    pub allocation: String,
}

/// `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [env: AFTERCARE_LISTEN] [default: 127.0.0.1:8080]
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Do not apply pending migrations at start-up (refuse to start if any are pending).
    #[arg(long)]
    pub no_migrate: bool,
}

/// `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Folder for the demo database (demo.db).
    #[arg(long, value_name = "DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// Delete the demo database and generate it again.
    #[arg(long)]
    pub reset: bool,
    /// Size of the generated data.
    #[arg(long, value_enum, default_value = "standard")]
    pub scale: DemoScale,
    /// Seed of the generator (same seed, same data).
    #[arg(long, default_value_t = aftercare_app::demo::DEFAULT_SEED)]
    pub seed: u64,
    /// Generate the data, print the accounts and exit without serving.
    #[arg(long)]
    pub no_serve: bool,
}

/// Demo data sizes.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum DemoScale {
    /// A handful of each, for quick checks.
    Small,
    /// About 120 stations: the default demo.
    Standard,
    /// Thousands of stations and users, to exercise performance.
    Large,
}

/// `migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Only list pending migrations.
    #[arg(long)]
    pub status: bool,
}

/// `user ...`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a login account (prompts for the password).
    Add(UserAddArgs),
    /// List login accounts.
    List,
    /// Set a user's password (prompts, or --password-stdin).
    Passwd(UserPasswdArgs),
}

/// `user add`.
#[derive(Debug, Args)]
pub struct UserAddArgs {
    /// Login name.
    pub login: String,
    /// Role: admin, manager, agent, dispatcher, warehouse, station, technician, brand.
    #[arg(long)]
    pub role: String,
    /// Station code (station and technician roles).
    #[arg(long, value_name = "CODE")]
    pub station: Option<String>,
    /// Technician code (technician role).
    #[arg(long, value_name = "CODE")]
    pub technician: Option<String>,
    /// Brand code (brand role).
    #[arg(long, value_name = "CODE")]
    pub brand: Option<String>,
    /// Display name.
    #[arg(long)]
    pub name: Option<String>,
    /// Read the password from standard input instead of prompting.
    #[arg(long)]
    pub password_stdin: bool,
}

/// `user passwd`.
#[derive(Debug, Args)]
pub struct UserPasswdArgs {
    /// Login name.
    pub login: String,
    /// Read the password from standard input instead of prompting.
    #[arg(long)]
    pub password_stdin: bool,
}

/// `config ...`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print a commented example configuration file.
    Example,
    /// Print the effective configuration (secrets redacted).
    Show,
}

/// `db ...`.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Copy every table from one database to another (e.g. SQLite to PostgreSQL).
    Copy(DbCopyArgs),
}

/// `stock ...`.
#[derive(Debug, Subcommand)]
pub enum StockCommand {
    /// Recompute every stock balance from the movements and report each difference (exit
    /// status 1 if there is any).
    Verify,
}

/// `db copy`.
#[derive(Debug, Args)]
pub struct DbCopyArgs {
    /// Source database URL.
    #[arg(long, value_name = "URL")]
    pub from: String,
    /// Target database URL (migrated if needed; must be empty).
    #[arg(long, value_name = "URL")]
    pub to: String,
}

/// `parts ...`.
#[derive(Debug, Subcommand)]
pub enum PartsCommand {
    /// Import parts, where-used, substitutes or stock levels from a CSV or XLSX file: the
    /// whole file is checked first; if any row is bad, every problem is listed and nothing
    /// is written. Re-importing the same file changes nothing.
    Import(PartsImportArgs),
    /// Export the part master (CSV: one kind; XLSX: every kind as a sheet).
    Export(PartsExportArgs),
    /// Write an empty template for one kind (XLSX with a help sheet).
    Template(PartsTemplateArgs),
}

/// `parts import`.
#[derive(Debug, Args)]
pub struct PartsImportArgs {
    /// The file (.csv or .xlsx; the content decides).
    pub file: PathBuf,
    /// What a CSV file (or an XLSX whose sheets are not named after a kind) holds:
    /// parts, where-used, substitutes, levels.
    #[arg(long, default_value = "parts")]
    pub kind: String,
    /// Check only: report problems and counts, write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// `parts export`.
#[derive(Debug, Args)]
pub struct PartsExportArgs {
    /// csv or xlsx.
    #[arg(long, default_value = "xlsx")]
    pub format: String,
    /// Kind to export (CSV needs exactly one; default: parts for CSV, all for XLSX).
    #[arg(long)]
    pub kind: Option<String>,
    /// Output file (default: standard output).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `parts template`.
#[derive(Debug, Args)]
pub struct PartsTemplateArgs {
    /// csv or xlsx.
    #[arg(long, default_value = "xlsx")]
    pub format: String,
    /// parts, where-used, substitutes, levels.
    #[arg(long, default_value = "parts")]
    pub kind: String,
    /// Output file (default: standard output).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}
