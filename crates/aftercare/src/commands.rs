//! Running each subcommand.

use crate::cli::{
    Cli, Command, ConfigCommand, DbCommand, DemoArgs, MigrateArgs, PartsCommand, PlanCli,
    PlanRunArgs, ServeArgs, StockCommand, UserCommand,
};
use crate::config::{Config, EXAMPLE, Overrides, redact};
use aftercare_app::{Actor, App};
use aftercare_store::Db;
use anyhow::{Context, Result, bail};
use std::io::Write as _;
use std::io::{BufRead, IsTerminal};
use std::net::SocketAddr;
use std::path::Path;

/// Standard output was closed by its reader (e.g. `aftercare user list | head -1`): the
/// command stops writing and ends without an error (see `main`).
#[derive(Debug)]
pub struct StdoutClosed;

impl std::fmt::Display for StdoutClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("standard output closed")
    }
}

impl std::error::Error for StdoutClosed {}

/// `println!` that returns from the command when standard output is closed, instead of
/// panicking; any other write error is an error of the command.
macro_rules! say {
    ($($arg:tt)*) => {
        writeln!(std::io::stdout(), $($arg)*).map_err(|e| {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                anyhow::Error::new(StdoutClosed)
            } else {
                anyhow::Error::new(e).context("writing to standard output")
            }
        })?
    };
}

/// Run the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    let cli = match cli.command {
        Command::Plan(cmd) => match *cmd {
            PlanCli::Files(files) => return aftercare_planning_cli::run(*files),
            run => Cli {
                command: Command::Plan(Box::new(run)),
                ..cli
            },
        },
        _ => cli,
    };
    let listen = match &cli.command {
        Command::Serve(ServeArgs { listen, .. }) => *listen,
        _ => None,
    };
    let overrides = Overrides {
        database_url: cli.database_url.clone(),
        listen,
    };
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let config = Config::load(cli.config.as_deref(), &env, &overrides)?;
    init_tracing(&config);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(run_async(cli.command, config))
}

async fn run_async(command: Command, config: Config) -> Result<()> {
    match command {
        Command::Serve(args) => serve(config, args).await,
        Command::Demo(args) => demo(config, args).await,
        Command::Migrate(args) => migrate(config, args).await,
        Command::User(cmd) => user(config, cmd).await,
        Command::Config(ConfigCommand::Example) => {
            print!("{EXAMPLE}");
            Ok(())
        }
        Command::Config(ConfigCommand::Show) => {
            say!("{config:#?}");
            Ok(())
        }
        Command::Db(DbCommand::Copy(args)) => db_copy(config, &args.from, &args.to).await,
        Command::Stock(StockCommand::Verify) => stock_verify(config).await,
        Command::Parts(cmd) => parts(config, cmd).await,
        Command::Plan(cmd) => match *cmd {
            PlanCli::Run(args) => plan_run(config, args).await,
            PlanCli::Files(_) => unreachable!("handled before the runtime starts"),
        },
    }
}

fn init_tracing(config: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(&config.log).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let _ = if config.log_json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

async fn connect(config: &Config, url: &str) -> Result<Db> {
    Db::connect(url, &config.connect_options())
        .await
        .with_context(|| format!("cannot open the database {}", redact(url)))
}

async fn serve(config: Config, args: ServeArgs) -> Result<()> {
    let db = connect(&config, &config.database_url).await?;
    if args.no_migrate {
        let pending = db.pending_migrations().await?;
        if !pending.is_empty() {
            bail!(
                "{} migration(s) pending ({pending:?}) and --no-migrate given: run `aftercare migrate` first",
                pending.len()
            );
        }
    } else {
        db.migrate().await.context("applying migrations")?;
    }
    run_server(&config, db, config.listen, None).await
}

/// Bind, print where we listen, and serve until Ctrl-C or SIGTERM.
async fn run_server(
    config: &Config,
    db: Db,
    listen: SocketAddr,
    banner: Option<String>,
) -> Result<()> {
    let app = App::new(db.clone(), config.app_config());
    let state = aftercare_web::AppState::new(
        app.clone(),
        aftercare_web::WebConfig {
            secure_cookies: config.secure_cookies,
        },
        aftercare_web::install_metrics(),
    );
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    // A server keeps serving when nobody reads its standard output any more.
    if let Some(b) = banner {
        let _ = writeln!(std::io::stdout(), "{b}");
    }
    let _ = writeln!(
        std::io::stdout(),
        "Aftercare is listening on http://{addr}/"
    );
    tracing::info!(%addr, database = %redact(&config.database_url), "serving");
    let purge = tokio::spawn(purge_sessions(app.clone()));
    let timers = tokio::spawn(
        app.clone()
            .run_ticket_timers(aftercare_app::tickets::TIMER_INTERVAL),
    );
    let hook_client =
        aftercare_app::webhooks::WebhookClient::new(config.webhooks_extra_ca_file.as_deref())
            .context("webhooks.extra_ca_file")?;
    let hooks = tokio::spawn(
        app.clone()
            .run_webhook_delivery(std::time::Duration::from_secs(5), hook_client),
    );
    aftercare_web::serve(listener, state, shutdown_signal()).await?;
    purge.abort();
    timers.abort();
    hooks.abort();
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn purge_sessions(app: App) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        tick.tick().await;
        if let Err(e) = app.purge_expired_sessions().await {
            tracing::warn!(error = %e, "session purge failed");
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

async fn migrate(config: Config, args: MigrateArgs) -> Result<()> {
    let db = connect(&config, &config.database_url).await?;
    let pending = db.pending_migrations().await?;
    if args.status {
        if pending.is_empty() {
            say!("up to date");
        } else {
            say!("pending: {pending:?}");
        }
        return Ok(());
    }
    db.migrate().await?;
    say!(
        "applied {} migration(s); the database is up to date",
        pending.len()
    );
    Ok(())
}

async fn plan_run(config: Config, args: PlanRunArgs) -> Result<()> {
    let db = connect(&config, &config.database_url).await?;
    db.migrate().await?;
    let app = App::new(db, config.app_config());
    let bucket = aftercare_app::planning::Bucket::parse(&args.bucket)
        .with_context(|| format!("--bucket must be week or month, got {}", args.bucket))?;
    let defaults = aftercare_app::planning::PlanOptions::default();
    let amount = |flag: &str, text: &Option<String>, default: i64| -> Result<i64> {
        match text {
            Some(t) => Ok(aftercare_domain::Money::parse(t)
                .with_context(|| format!("--{flag}"))?
                .minor()),
            None => Ok(default),
        }
    };
    let opts = aftercare_app::planning::PlanOptions {
        bucket,
        periods: args
            .periods
            .unwrap_or(aftercare_app::planning::PlanOptions::default_periods(
                bucket,
            )),
        target_fill: args.target_fill,
        transfer_days: args.transfer_days,
        purchase_order_cost: amount(
            "purchase-order-cost",
            &args.purchase_order_cost,
            defaults.purchase_order_cost,
        )?,
        transfer_cost: amount("transfer-cost", &args.transfer_cost, defaults.transfer_cost)?,
        holding_rate_pct: args.holding_rate_pct,
        allocation: aftercare_app::planning::Allocation::parse(&args.allocation)
            .with_context(|| format!("unknown allocation {:?}", args.allocation))?,
    };
    let r = app.plan_run(&Actor::Cli, opts).await?;
    say!(
        "planned {} part × warehouse pairs in {} ms: {} proposals new, {} updated, {} withdrawn; {} open",
        r.items,
        r.millis,
        r.created,
        r.updated,
        r.withdrawn,
        r.open
    );
    say!(
        "lots sized with order costs {} per purchase order and {} per transfer, holding {} % of standard cost a year",
        aftercare_domain::Money::from_minor(r.purchase_order_cost),
        aftercare_domain::Money::from_minor(r.transfer_cost),
        r.holding_rate_pct
    );
    for w in &r.warehouse_fills {
        let replayed = w.fill.replayed_fill.map_or(String::new(), |f| {
            format!(
                "fill {:.1} % over the last {} periods replayed, ",
                f * 100.0,
                w.fill.replayed_periods
            )
        });
        say!(
            "{}: fill target met as a whole by {} parts, {replayed}expected fill {:.1} %{}, a unit short per period valued at {} of stock",
            w.warehouse_code,
            w.fill.parts,
            w.fill.expected_fill * 100.0,
            w.fill
                .shortfall()
                .map_or(String::new(), |s| format!(" ({s})")),
            w.fill.worth_money()
        );
    }
    Ok(())
}

fn read_password(from_stdin: bool) -> Result<String> {
    if from_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        let pw = line.trim_end_matches(['\n', '\r']).to_string();
        if pw.is_empty() {
            bail!("no password on standard input");
        }
        return Ok(pw);
    }
    let first = rpassword::prompt_password("Password: ")?;
    let second = rpassword::prompt_password("Repeat password: ")?;
    if first != second {
        bail!("the passwords differ");
    }
    Ok(first)
}

async fn user(config: Config, cmd: UserCommand) -> Result<()> {
    let db = connect(&config, &config.database_url).await?;
    db.migrate().await?;
    let app = App::new(db, config.app_config());
    match cmd {
        UserCommand::Add(a) => {
            let role = aftercare_domain::Role::parse(&a.role)?;
            let password = read_password(a.password_stdin)?;
            let u = app
                .add_user(
                    &Actor::Cli,
                    aftercare_app::admin::AddUser {
                        login: a.login,
                        display_name: a.name,
                        role,
                        station: a.station,
                        technician: a.technician,
                        brand: a.brand,
                        password,
                    },
                )
                .await?;
            say!("added user '{}' ({}) with id {}", u.login, u.role, u.id);
        }
        UserCommand::List => {
            let users = app.list_users(&Actor::Cli).await?;
            say!("{:<20} {:<12} {:<8} NAME", "LOGIN", "ROLE", "ACTIVE");
            for u in users {
                say!(
                    "{:<20} {:<12} {:<8} {}",
                    u.login,
                    u.role.code(),
                    u.active,
                    u.display_name
                );
            }
        }
        UserCommand::Passwd(a) => {
            let password = read_password(a.password_stdin)?;
            app.set_password(&Actor::Cli, &a.login, &password).await?;
            say!(
                "password of '{}' changed; their sessions were ended",
                a.login
            );
        }
    }
    Ok(())
}

async fn stock_verify(config: Config) -> Result<()> {
    let db = connect(&config, &config.database_url).await?;
    let pending = db.pending_migrations().await?;
    if !pending.is_empty() {
        bail!("the database has pending migrations {pending:?}: run `aftercare migrate` first");
    }
    let app = App::new(db, config.app_config());
    let differences = app.stock_verify(&Actor::Cli).await?;
    if differences.is_empty() {
        say!("stock ledger verified: every balance equals the sum of its movements");
        return Ok(());
    }
    for d in &differences {
        say!("{d}");
    }
    bail!("{} stock ledger difference(s) found", differences.len())
}

async fn db_copy(config: Config, from: &str, to: &str) -> Result<()> {
    let src = connect(&config, from).await?;
    let pending = src.pending_migrations().await?;
    if !pending.is_empty() {
        bail!(
            "the source database has pending migrations {pending:?}: run `aftercare migrate` on it first"
        );
    }
    let dst = connect(&config, to).await?;
    dst.migrate().await.context("migrating the target")?;
    // Progress only: a closed standard output does not stop the copy.
    let report = aftercare_store::copy::copy_all(&src, &dst, |table, n| {
        let _ = writeln!(std::io::stdout(), "  {table:<28} {n:>10} rows");
    })
    .await?;
    let total: i64 = report.tables.iter().map(|(_, n)| n).sum();
    say!(
        "copied {total} rows in {} tables from {} to {}; row counts verified",
        report.tables.len(),
        redact(from),
        redact(to)
    );
    Ok(())
}

async fn demo(config: Config, args: DemoArgs) -> Result<()> {
    let path = args.data_dir.join("demo.db");
    if args.reset {
        remove_sqlite_files(&path)?;
    }
    let url = format!("sqlite://{}", path.display());
    let db = connect(&config, &url).await?;
    db.migrate().await?;
    let scale = match args.scale {
        crate::cli::DemoScale::Small => aftercare_app::demo::Scale::Small,
        crate::cli::DemoScale::Standard => aftercare_app::demo::Scale::Standard,
        crate::cli::DemoScale::Large => aftercare_app::demo::Scale::Large,
    };
    let app = App::new(db.clone(), config.app_config());
    let banner = match app.demo_summary().await? {
        Some(existing) => format!(
            "Reusing the demo data in {} ({existing}); use --reset to generate it again.",
            path.display()
        ),
        None => {
            say!(
                "Generating demo data (seed {}, {:?}) in {} ...",
                args.seed,
                args.scale,
                path.display()
            );
            let loaded = app.load_demo(args.seed, scale).await?;
            format!("Demo data ready in {}: {loaded}", path.display())
        }
    };
    let accounts = aftercare_app::demo::demo_accounts(args.seed, scale);
    let mut table =
        String::from("\nDemo accounts (demo only: change these passwords before real use)\n");
    table.push_str(&format!(
        "  {:<14} {:<12} {:<12} {}\n",
        "LOGIN", "PASSWORD", "ROLE", "BOUND TO"
    ));
    for a in accounts {
        table.push_str(&format!(
            "  {:<14} {:<12} {:<12} {}\n",
            a.login, a.password, a.role, a.bound_to
        ));
    }
    let banner = format!("{banner}\n{table}");
    if args.no_serve {
        say!("{banner}");
        return Ok(());
    }
    let config = Config {
        database_url: url,
        ..config
    };
    run_server(&config, db, args.listen, Some(banner)).await
}

fn remove_sqlite_files(path: &Path) -> Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let p = format!("{}{suffix}", path.display());
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot remove {p}")),
        }
    }
    Ok(())
}

fn parse_kind(text: &str) -> Result<aftercare_app::parts_io::Kind> {
    aftercare_app::parts_io::Kind::parse(text).with_context(|| {
        format!("unknown kind '{text}': use parts, where-used, substitutes or levels")
    })
}

fn parse_format(text: &str) -> Result<aftercare_app::parts_io::FileFormat> {
    aftercare_app::parts_io::FileFormat::parse(text)
        .with_context(|| format!("unknown format '{text}': use csv or xlsx"))
}

fn write_output(path: Option<&Path>, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    match path {
        Some(p) => {
            std::fs::write(p, bytes).with_context(|| format!("cannot write {}", p.display()))
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)?;
            out.flush()?;
            Ok(())
        }
    }
}

async fn parts(config: Config, cmd: PartsCommand) -> Result<()> {
    use aftercare_app::parts_io::{FileFormat, Kind};
    if let PartsCommand::Template(a) = &cmd {
        // Templates need no database.
        let bytes =
            aftercare_app::parts_io::template(parse_format(&a.format)?, parse_kind(&a.kind)?)
                .map_err(anyhow::Error::msg)?;
        return write_output(a.output.as_deref(), &bytes);
    }
    let db = connect(&config, &config.database_url).await?;
    db.migrate().await?;
    let app = App::new(db, config.app_config());
    match cmd {
        PartsCommand::Import(a) => {
            let kind = parse_kind(&a.kind)?;
            let bytes = std::fs::read(&a.file)
                .with_context(|| format!("cannot read {}", a.file.display()))?;
            let r = app
                .import_part_master_with(&Actor::Cli, &bytes, None, kind, a.dry_run)
                .await?;
            if !r.issues.is_empty() {
                for i in &r.issues {
                    eprintln!("{}: {i}", a.file.display());
                }
                bail!(
                    "{} problem(s) in {}; nothing was imported",
                    r.issues.len(),
                    a.file.display()
                );
            }
            for (k, c) in &r.counts {
                say!(
                    "{k}: {} created, {} updated, {} unchanged",
                    c.created,
                    c.updated,
                    c.unchanged
                );
            }
            if a.dry_run {
                say!("dry run: {} row(s) checked, nothing written", r.rows);
            }
        }
        PartsCommand::Export(a) => {
            let format = parse_format(&a.format)?;
            let kinds = match (&a.kind, format) {
                (Some(k), _) => vec![parse_kind(k)?],
                (None, FileFormat::Csv) => vec![Kind::Parts],
                (None, FileFormat::Xlsx) => Kind::ALL.to_vec(),
            };
            let bytes = app.export_part_master(&Actor::Cli, format, &kinds).await?;
            write_output(a.output.as_deref(), &bytes)?;
        }
        PartsCommand::Template(_) => unreachable!("handled before connecting"),
    }
    Ok(())
}
