//! The real binary, run as a user would.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_aftercare"));
    c.env_remove("AFTERCARE_DATABASE_URL")
        .env("AFTERCARE_LOG", "warn");
    c
}

fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn user_add_reads_the_password_from_stdin_and_user_list_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("a.db").display());
    let o = run(
        &[
            "--database-url",
            &url,
            "user",
            "add",
            "--role",
            "admin",
            "--password-stdin",
            "root",
        ],
        Some("s3cret-pass\n"),
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("added user 'root' (admin)"));
    let o = run(&["--database-url", &url, "user", "list"], None);
    assert!(o.status.success());
    assert!(text(&o).contains("root"));
    // A duplicate login, a bad role and a station role without a station are clear errors.
    let o = run(
        &[
            "--database-url",
            &url,
            "user",
            "add",
            "--role",
            "admin",
            "--password-stdin",
            "root",
        ],
        Some("s3cret-pass\n"),
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("taken"), "{}", text(&o));
    let o = run(
        &[
            "--database-url",
            &url,
            "user",
            "add",
            "--role",
            "boss",
            "--password-stdin",
            "x",
        ],
        Some("s3cret-pass\n"),
    );
    assert!(text(&o).contains("unknown role 'boss'"), "{}", text(&o));
    let o = run(
        &[
            "--database-url",
            &url,
            "user",
            "add",
            "--role",
            "station",
            "--password-stdin",
            "st",
        ],
        Some("s3cret-pass\n"),
    );
    assert!(
        text(&o).contains("station: this role must be bound to a station"),
        "{}",
        text(&o)
    );
}

#[test]
fn an_unknown_scheme_or_unreachable_postgres_fails_at_start_up_without_creating_anything() {
    let dir = tempfile::tempdir().unwrap();
    let o = bin()
        .current_dir(dir.path())
        .args(["--database-url", "mysql://root@localhost/x", "migrate"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(
        text(&o).contains("unsupported database URL scheme 'mysql'"),
        "{}",
        text(&o)
    );
    let o = bin()
        .current_dir(dir.path())
        .args([
            "--database-url",
            "postgres://postgres@127.0.0.1:1/none",
            "serve",
            "--listen",
            "127.0.0.1:0",
        ])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(
        text(&o).contains("cannot connect to PostgreSQL"),
        "{}",
        text(&o)
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing may be created"
    );
}

#[test]
fn serve_with_no_migrate_refuses_a_database_with_pending_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("fresh.db").display());
    let o = run(
        &[
            "--database-url",
            &url,
            "serve",
            "--no-migrate",
            "--listen",
            "127.0.0.1:0",
        ],
        None,
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("pending"), "{}", text(&o));
    let o = run(&["--database-url", &url, "migrate", "--status"], None);
    assert!(text(&o).contains("pending"), "{}", text(&o));
    let o = run(&["--database-url", &url, "migrate"], None);
    assert!(o.status.success(), "{}", text(&o));
    let o = run(&["--database-url", &url, "migrate", "--status"], None);
    assert!(text(&o).contains("up to date"), "{}", text(&o));
}

#[test]
fn config_example_prints_a_file_that_config_show_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(&["config", "example"], None);
    assert!(o.status.success());
    let path = dir.path().join("aftercare.toml");
    std::fs::write(&path, &o.stdout).unwrap();
    let o = run(
        &["--config", path.to_str().unwrap(), "config", "show"],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("sqlite://data/aftercare.db"));
}

#[test]
fn demo_generates_once_and_reuses_without_reset() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let o = run(
        &["demo", "--data-dir", d, "--scale", "small", "--no-serve"],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("Demo data ready"), "{out}");
    for role in [
        "admin",
        "manager",
        "agent",
        "dispatcher",
        "warehouse",
        "station",
        "technician",
        "brand",
    ] {
        assert!(out.contains(role), "no {role} account in:\n{out}");
    }
    // The demo's ledger planned with each warehouse's units as a whole: every warehouse
    // with priced demand reports its calibration, at or above the target.
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let o = run(
        &[
            "--database-url",
            &url,
            "plan",
            "run",
            "--allocation",
            "warehouse",
            "--target-fill",
            "0.9",
        ],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    let fills: Vec<f64> = out
        .lines()
        .filter_map(|l| l.split("expected fill ").nth(1))
        .map(|rest| rest.split(' ').next().unwrap().parse().unwrap())
        .collect();
    assert!(fills.len() > 1, "{out}");
    assert!(fills.iter().all(|&f| f >= 90.0), "{out}");
    // Calibrated on the history replayed instead: each warehouse says what the replay of
    // its last 52 weeks filled, at or above the target.
    let o = run(
        &[
            "--database-url",
            &url,
            "plan",
            "run",
            "--allocation",
            "warehouse_history",
            "--target-fill",
            "0.9",
        ],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    let replayed: Vec<f64> = out
        .lines()
        .filter_map(|l| l.split(", fill ").nth(1))
        .filter(|rest| rest.contains("over the last 52 periods replayed"))
        .map(|rest| rest.split(' ').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(replayed.len(), fills.len(), "{out}");
    assert!(replayed.iter().all(|&f| f >= 90.0), "{out}");
    let o = run(
        &["--database-url", &url, "plan", "run", "--allocation", "all"],
        None,
    );
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("--allocation"), "{}", text(&o));
    let o = run(
        &["demo", "--data-dir", d, "--scale", "small", "--no-serve"],
        None,
    );
    assert!(text(&o).contains("Reusing the demo data"), "{}", text(&o));
    let o = run(
        &[
            "demo",
            "--data-dir",
            d,
            "--scale",
            "small",
            "--no-serve",
            "--reset",
        ],
        None,
    );
    assert!(text(&o).contains("Demo data ready"), "{}", text(&o));
}

#[test]
fn db_copy_moves_a_demo_database_and_refuses_a_non_empty_target() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    assert!(
        run(
            &["demo", "--data-dir", d, "--scale", "small", "--no-serve"],
            None
        )
        .status
        .success()
    );
    let from = format!("sqlite://{}/demo.db", d);
    let to = match std::env::var("AFTERCARE_TEST_POSTGRES_URL") {
        Ok(base) => {
            let name = format!("aftercare_t_cli_copy_{}", std::process::id());
            let admin = base.clone();
            let o = Command::new("psql")
                .args([&admin, "-qc", &format!("CREATE DATABASE {name}")])
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", text(&o));
            let mut u = base.rsplit_once('/').unwrap().0.to_string();
            u.push('/');
            u.push_str(&name);
            u
        }
        Err(_) => format!("sqlite://{}/copy.db", d),
    };
    let o = run(&["db", "copy", "--from", &from, "--to", &to], None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("row counts verified"), "{}", text(&o));
    let o = run(&["--database-url", &to, "user", "list"], None);
    assert!(text(&o).contains("admin"), "{}", text(&o));
    let o = run(&["db", "copy", "--from", &from, "--to", &to], None);
    assert!(!o.status.success());
    assert!(text(&o).contains("not empty"), "{}", text(&o));
}

/// The README's CLI reference is the binary's own `--help`; run with
/// `UPDATE_README=1 cargo test -p aftercare --test cli` to refresh it.
#[test]
fn plan_run_plans_from_the_ledger_and_refuses_a_bad_target() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("p.db").display());
    let o = run(&["--database-url", &url, "migrate"], None);
    assert!(o.status.success(), "{}", text(&o));
    let o = run(
        &["--database-url", &url, "plan", "run", "--bucket", "month"],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("planned 0 part × warehouse pairs"),
        "{}",
        text(&o)
    );
    let o = run(
        &[
            "--database-url",
            &url,
            "plan",
            "run",
            "--target-fill",
            "1.5",
        ],
        None,
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("target_fill"), "{}", text(&o));
    // The CSV subcommands are still there beside it.
    let o = run(&["plan", "forecast", "--help"], None);
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn plan_run_takes_the_order_costs_and_the_holding_rate() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("p.db").display());
    let o = run(&["--database-url", &url, "migrate"], None);
    assert!(o.status.success(), "{}", text(&o));
    let plan = |extra: &[&str]| {
        let mut args = vec!["--database-url", &url, "plan", "run"];
        args.extend_from_slice(extra);
        run(&args, None)
    };
    // The defaults, then the flags: the run reports the costs it sized lots with.
    let o = plan(&[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains(
            "order costs 200.00 per purchase order and 30.00 per transfer, holding 20 % of standard cost a year"
        ),
        "{}",
        text(&o)
    );
    let o = plan(&[
        "--purchase-order-cost",
        "350.50",
        "--transfer-cost",
        "12",
        "--holding-rate-pct",
        "30",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains(
            "order costs 350.50 per purchase order and 12.00 per transfer, holding 30 % of standard cost a year"
        ),
        "{}",
        text(&o)
    );
    // Refused with the field named, before anything is planned.
    for (args, named) in [
        (&["--holding-rate-pct", "0"][..], "holding_rate_pct"),
        (&["--holding-rate-pct", "101"][..], "holding_rate_pct"),
        (&["--transfer-cost", "-1"][..], "transfer_cost"),
        (
            &["--purchase-order-cost", "-0.01"][..],
            "purchase_order_cost",
        ),
        (
            &["--purchase-order-cost", "1.234"][..],
            "--purchase-order-cost",
        ),
    ] {
        let o = plan(args);
        assert!(!o.status.success(), "{args:?}: {}", text(&o));
        assert!(text(&o).contains(named), "{args:?}: {}", text(&o));
        assert!(!text(&o).contains("planned"), "{args:?}: {}", text(&o));
    }
}

#[test]
fn the_readme_cli_reference_matches_the_help_output() {
    let commands: &[&[&str]] = &[
        &[],
        &["serve"],
        &["demo"],
        &["migrate"],
        &["user", "add"],
        &["user", "list"],
        &["user", "passwd"],
        &["config", "example"],
        &["db", "copy"],
        &["plan", "run"],
        &["plan", "forecast"],
        &["plan", "policy"],
        &["plan", "simulate"],
    ];
    let mut reference = String::new();
    for c in commands {
        let mut args: Vec<&str> = c.to_vec();
        args.push("--help");
        let o = bin().args(&args).output().unwrap();
        assert!(o.status.success(), "{args:?}");
        reference.push_str(&format!(
            "### `aftercare {}`\n\n```text\n{}```\n\n",
            c.join(" "),
            String::from_utf8_lossy(&o.stdout)
        ));
    }
    let readme_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
    let readme = std::fs::read_to_string(readme_path).unwrap();
    let (start, end) = (
        "<!-- cli-reference:start -->\n",
        "<!-- cli-reference:end -->",
    );
    let a = readme
        .find(start)
        .expect("README has the CLI reference start marker")
        + start.len();
    let b = readme
        .find(end)
        .expect("README has the CLI reference end marker");
    if std::env::var("UPDATE_README").is_ok() {
        let updated = format!("{}{}{}", &readme[..a], reference, &readme[b..]);
        std::fs::write(readme_path, updated).unwrap();
        return;
    }
    assert!(
        readme[a..b] == reference,
        "README's CLI reference is out of date: run `UPDATE_README=1 cargo test -p aftercare --test cli`"
    );
}

#[test]
fn parts_import_lists_every_bad_row_writes_nothing_and_reimport_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("p.db").display());
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "part_number,name_zh,unit,standard_cost,source,lead_time_days\n\
         P-1,主板,块,1.999,buy,3\nP-2,电源,块,2,steal,3\n",
    )
    .unwrap();
    let o = run(
        &[
            "--database-url",
            &url,
            "parts",
            "import",
            bad.to_str().unwrap(),
        ],
        None,
    );
    assert!(!o.status.success());
    let t = text(&o);
    assert!(t.contains("parts line 2, column standard_cost"), "{t}");
    assert!(t.contains("parts line 3, column source"), "{t}");
    assert!(t.contains("nothing was imported"), "{t}");

    let good = dir.path().join("good.csv");
    std::fs::write(
        &good,
        "part_number,name_zh,unit,standard_cost,source,lead_time_days\n\
         P-1,主板,块,1.99,buy,3\nP-2,电源,块,2,外购,3\n",
    )
    .unwrap();
    let args = [
        "--database-url",
        &url,
        "parts",
        "import",
        good.to_str().unwrap(),
    ];
    let o = run(&args, None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("parts: 2 created, 0 updated, 0 unchanged"));
    let o = run(&args, None);
    assert!(
        text(&o).contains("parts: 0 created, 0 updated, 2 unchanged"),
        "{}",
        text(&o)
    );

    let out = dir.path().join("all.xlsx");
    let o = run(
        &[
            "--database-url",
            &url,
            "parts",
            "export",
            "--format",
            "xlsx",
            "-o",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = run(
        &[
            "--database-url",
            &url,
            "parts",
            "import",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert!(
        text(&o).contains("parts: 0 created, 0 updated, 2 unchanged"),
        "{}",
        text(&o)
    );
    let o = run(
        &["--database-url", &url, "parts", "export", "--format", "csv"],
        None,
    );
    let csv = String::from_utf8_lossy(&o.stdout);
    assert!(csv.contains("P-2,电源,,,,块,2.00,buy,3"), "{csv}");
}

#[test]
fn output_read_by_a_reader_that_stops_early_ends_the_command_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("p.db").display());
    let o = run(&["--database-url", &url, "migrate"], None);
    assert!(o.status.success(), "{}", text(&o));
    // Like `aftercare migrate --status | head -0`: the reader is gone before the first line.
    let mut child = bin()
        .args(["--database-url", &url, "migrate", "--status"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(o.status.success(), "{err}");
}
