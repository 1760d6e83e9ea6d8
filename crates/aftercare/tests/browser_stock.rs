//! The warehouse pages in real headless Chromium, choosing documents from the pick lists
//! of /stock/ops: the warehouse user places a purchase order, receives it into quarantine
//! by choosing the open order line, inspects the lot chosen from the quarantine list,
//! issues to a requisition, ships a transfer to a station, receives it partly by choosing
//! the transfer line (the discrepancy appears in the resolve list), opens a stocktake and
//! enters a count by choosing it; the manager approves the stocktake chosen from the list.
//! Then /stock, the part page and /stock/movements show the results, and a station user
//! sees only its own warehouse (another station's warehouse page is 404). Screenshots of
//! failures go to `target/browser-screenshots/`.
//!
//! Runs when `AFTERCARE_BROWSER_TESTS=1` (CI sets it; `.ci/run` installs the browser).

use aftercare_app::tickets::PartsSample;
use aftercare_app::{App, AppConfig};
use aftercare_domain::WarehouseId;
use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use std::time::Duration;

mod common {
    pub mod browser;
}
use common::browser::{
    R, add_warehouse_user, browser, click_submit, err, expect, fits_width, log_in, log_out,
    screenshot, serve, start_driver,
};

async fn field(c: &Client, op: &str, css: &str) -> R<Element> {
    let sel = format!("section[data-op={op}] {css}");
    c.wait()
        .for_element(Locator::Css(&sel))
        .await
        .map_err(|e| format!("{sel}: {e}"))
}

async fn type_in(c: &Client, op: &str, name: &str, text: &str) -> R<()> {
    let e = field(c, op, &format!("[name={name}]")).await?;
    e.clear().await.map_err(err(name))?;
    e.send_keys(text).await.map_err(err(name))
}

async fn select(c: &Client, op: &str, name: &str, value: &str) -> R<()> {
    field(c, op, &format!("select[name={name}]"))
        .await?
        .select_by_value(value)
        .await
        .map_err(|e| format!("{op}/{name} = {value}: {e}"))
}

/// The (value, text) of every option of a select.
async fn options(c: &Client, css: &str) -> R<Vec<(String, String)>> {
    let sel = c
        .wait()
        .for_element(Locator::Css(css))
        .await
        .map_err(|e| format!("{css}: {e}"))?;
    let mut out = Vec::new();
    for o in sel
        .find_all(Locator::Css("option"))
        .await
        .map_err(err(css))?
    {
        let v = o.attr("value").await.map_err(err(css))?.unwrap_or_default();
        let t = o.text().await.map_err(err(css))?;
        out.push((v, t));
    }
    Ok(out)
}

/// Choose, in the pick list `testid`, the entry whose text contains every needle; its
/// value (the fields it fills).
async fn choose(c: &Client, testid: &str, needles: &[&str]) -> R<String> {
    let css = format!("select[data-testid={testid}]");
    let all = options(c, &css).await?;
    let Some((value, _)) = all
        .iter()
        .find(|(v, t)| !v.is_empty() && needles.iter().all(|n| t.contains(n)))
    else {
        return Err(format!("{testid}: no entry with {needles:?} in {all:?}"));
    };
    c.find(Locator::Css(&css))
        .await
        .map_err(err(testid))?
        .select_by_value(value)
        .await
        .map_err(err(testid))?;
    Ok(value.clone())
}

/// Submit operation form `op` and wait for the answer page: its notice text, or the
/// refusal shown instead.
async fn submit(c: &Client, op: &str) -> R<String> {
    let button = field(c, op, "button[type=submit]").await?;
    // Then the notice (or the refusal) on the new page.
    click_submit(&button, op).await?;
    let shown = c
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("p.notice, [role=alert], section.card h1"))
        .await
        .map_err(|e| format!("{op}: no notice after submit: {e}"))?;
    let text = shown.text().await.map_err(err(op))?;
    if shown.attr("class").await.map_err(err(op))?.as_deref() != Some("notice") {
        return Err(format!("{op} refused: {text}"));
    }
    Ok(text)
}

/// Rows of the `table[data-testid=stock]` on `path`: (warehouse, part, qty).
async fn stock_rows(c: &Client, base: &str, path: &str) -> R<Vec<(String, String, i64)>> {
    c.goto(&format!("{base}{path}")).await.map_err(err(path))?;
    fits_width(c, path).await?;
    let rows = c
        .wait()
        .for_element(Locator::Css("table[data-testid=stock]"))
        .await
        .map_err(err(path))?
        .find_all(Locator::Css("tbody tr"))
        .await
        .map_err(err(path))?;
    let mut out = Vec::new();
    for r in rows {
        let cells = r.find_all(Locator::Css("td")).await.map_err(err(path))?;
        let mut t = Vec::new();
        for cell in cells {
            t.push(cell.text().await.map_err(err(path))?);
        }
        if t.len() < 5 {
            return Err(format!("{path}: short row {t:?}"));
        }
        out.push((
            t[0].clone(),
            t[1].clone(),
            t[4].parse().map_err(|_| format!("{path}: qty {t:?}"))?,
        ));
    }
    Ok(out)
}

/// The HTTP status of a GET in the browser's session.
async fn status_of(c: &Client, path: &str) -> R<i64> {
    c.execute_async(
        "const done = arguments[arguments.length - 1]; fetch(arguments[0]).then(r => done(r.status), () => done(-1));",
        vec![serde_json::json!(path)],
    )
    .await
    .map_err(err(path))?
    .as_i64()
    .ok_or_else(|| format!("{path}: no status"))
}

struct World {
    ps: PartsSample,
    central: WarehouseId,
}

async fn flow(c: &Client, base: &str, w: &World) -> R<()> {
    let (central, wa, wb) = (
        w.central.get().to_string(),
        w.ps.warehouse_a.get().to_string(),
        w.ps.warehouse_b.get().to_string(),
    );
    log_in(c, base, "keeper").await?;
    c.goto(&format!("{base}/stock/ops"))
        .await
        .map_err(err("ops"))?;
    fits_width(c, "the stock operations").await?;

    // Purchase order: the supplier from its list, the part from the datalist field.
    select(
        c,
        "place_order",
        "supplier",
        &w.ps.supplier.get().to_string(),
    )
    .await?;
    type_in(c, "place_order", "part", "TV-RC-01").await?;
    type_in(c, "place_order", "qty", "10").await?;
    let n = submit(c, "place_order").await?;
    expect(&n, "created purchase order #", "place order")?;

    // Receipt into central's quarantine by choosing the open order line.
    choose(c, "pick-receive", &["TV-RC-01", "10/10"]).await?;
    select(c, "receive", "warehouse", &central).await?;
    type_in(c, "receive", "qty", "10").await?;
    let n = submit(c, "receive").await?;
    expect(&n, "created lot #", "receive")?;
    let left = options(c, "select[data-testid=pick-receive]").await?;
    if left.iter().any(|(_, t)| t.contains("TV-RC-01")) {
        return Err(format!(
            "the received order line is still offered: {left:?}"
        ));
    }

    // Inspection: the lot chosen from the quarantine list (its warehouse comes with it).
    choose(c, "pick-inspect", &["WH-C", "TV-RC-01"]).await?;
    type_in(c, "inspect", "accept", "10").await?;
    let n = submit(c, "inspect").await?;
    expect(&n, "OK: 1 movement", "inspect")?;

    // Issue two to requisition 501.
    select(c, "issue", "warehouse", &central).await?;
    type_in(c, "issue", "part", "TV-RC-01").await?;
    type_in(c, "issue", "qty", "2").await?;
    select(c, "issue", "consumer", "requisition").await?;
    type_in(c, "issue", "consumer_id", "501").await?;
    let n = submit(c, "issue").await?;
    expect(&n, "OK: 1 movement", "issue")?;

    // Ship five to station A.
    select(c, "ship", "warehouse", &central).await?;
    select(c, "ship", "to", &wa).await?;
    type_in(c, "ship", "part", "TV-RC-01").await?;
    select(c, "ship", "condition", "good").await?;
    type_in(c, "ship", "qty", "5").await?;
    let n = submit(c, "ship").await?;
    expect(&n, "created transfer #", "ship")?;

    // Receive three of them by choosing the transfer line, and close: two are missing.
    let line = choose(c, "pick-receive-transfer", &["WH-C", "WH-ST-A", "TV-RC-01"]).await?;
    type_in(c, "receive_transfer", "qty", "3").await?;
    field(c, "receive_transfer", "input[name=close]")
        .await?
        .click()
        .await
        .map_err(err("close"))?;
    let n = submit(c, "receive_transfer").await?;
    expect(&n, "1 discrepancy line(s)", "receive transfer")?;
    let open = options(c, "select[data-testid=pick-resolve]").await?;
    let Some((_, shown)) = open.iter().find(|(v, _)| *v == line) else {
        return Err(format!("no discrepancy for {line} in {open:?}"));
    };
    if !shown.trim_end().ends_with(" 2") {
        return Err(format!("discrepancy should show 2 missing: {shown:?}"));
    }

    // Stocktake of central: open, then enter the count by choosing it (3 on the books,
    // 2 counted).
    select(c, "stocktake_open", "warehouse", &central).await?;
    let n = submit(c, "stocktake_open").await?;
    expect(&n, "created stocktake #", "open stocktake")?;
    choose(c, "pick-count", &["WH-C", "0/1"]).await?;
    type_in(c, "count", "part", "TV-RC-01").await?;
    select(c, "count", "condition", "good").await?;
    type_in(c, "count", "counted", "2").await?;
    let n = submit(c, "count").await?;
    expect(&n, "OK: 0 movement", "count")?;
    log_out(c).await?;

    // The manager approves the stocktake chosen from the list.
    log_in(c, base, "manager").await?;
    c.goto(&format!("{base}/stock/ops"))
        .await
        .map_err(err("ops as manager"))?;
    choose(c, "pick-stocktake-approve", &["WH-C", "1/1"]).await?;
    let n = submit(c, "stocktake_approve").await?;
    expect(&n, "OK: 1 movement", "approve stocktake")?;
    let left = options(c, "select[data-testid=pick-stocktake-approve]").await?;
    if left.len() != 1 {
        return Err(format!("the approved stocktake is still offered: {left:?}"));
    }
    log_out(c).await?;

    // The results, as the warehouse user.
    log_in(c, base, "keeper").await?;
    let mut rows = stock_rows(c, base, "/stock").await?;
    rows.sort();
    let want = vec![
        ("WH-C".to_string(), "TV-RC-01".to_string(), 2),
        ("WH-ST-A".to_string(), "TV-RC-01".to_string(), 3),
    ];
    if rows != want {
        return Err(format!("/stock shows {rows:?}, expected {want:?}"));
    }
    let part = w.ps.remote.get();
    let mut rows = stock_rows(c, base, &format!("/parts/{part}")).await?;
    rows.sort();
    if rows != want {
        return Err(format!("the part page shows {rows:?}, expected {want:?}"));
    }
    c.goto(&format!("{base}/stock/movements"))
        .await
        .map_err(err("movements"))?;
    let moves = c
        .wait()
        .for_element(Locator::Css("table[data-testid=movements]"))
        .await
        .map_err(err("movements table"))?
        .text()
        .await
        .map_err(err("movements text"))?;
    // In words (this user reads English), never the stored codes.
    for kind in [
        "Receipt",
        "Inspection passed",
        "Issue",
        "Transfer shipped",
        "Transfer received",
        "Transfer discrepancy",
        "Stocktake adjustment",
    ] {
        expect(&moves, kind, "movements")?;
    }
    for code in ["transfer_ship", "inspection_accept", "stocktake_adjust"] {
        if moves.contains(code) {
            return Err(format!("movements show the code {code}: {moves}"));
        }
    }
    log_out(c).await?;

    // Station A: only its own warehouse, in the lists and on the pages.
    log_in(c, base, "station-a").await?;
    c.goto(&format!("{base}/stock/ops"))
        .await
        .map_err(err("ops as station"))?;
    for op in ["issue", "receive", "stocktake_open", "ship"] {
        let ws: Vec<String> = options(c, &format!("section[data-op={op}] select[name=warehouse]"))
            .await?
            .into_iter()
            .map(|(v, _)| v)
            .filter(|v| !v.is_empty())
            .collect();
        if ws != vec![wa.clone()] {
            return Err(format!("{op}: station A is offered warehouses {ws:?}"));
        }
    }
    let to: Vec<String> = options(c, "section[data-op=ship] select[name=to]")
        .await?
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    if to.contains(&wb) {
        return Err(format!(
            "station A may ship to station B's warehouse: {to:?}"
        ));
    }
    // The discrepancy of its own transfer is offered to it.
    choose(c, "pick-resolve", &["WH-ST-A", "TV-RC-01"]).await?;
    let rows = stock_rows(c, base, "/stock").await?;
    if rows != vec![("WH-ST-A".to_string(), "TV-RC-01".to_string(), 3)] {
        return Err(format!("station A's /stock shows {rows:?}"));
    }
    let rows = stock_rows(c, base, &format!("/warehouses/{wa}/stock")).await?;
    if rows.len() != 1 {
        return Err(format!("station A's own warehouse page shows {rows:?}"));
    }
    let other = format!("/warehouses/{wb}/stock");
    c.goto(&format!("{base}{other}"))
        .await
        .map_err(err("other warehouse"))?;
    c.wait()
        .for_element(Locator::Css("section.card h1"))
        .await
        .map_err(err("error page"))?;
    if c.find(Locator::Css("table[data-testid=stock]"))
        .await
        .is_ok()
    {
        return Err("station A sees station B's stock table".into());
    }
    let status = status_of(c, &other).await?;
    if status != 404 {
        return Err(format!(
            "{other} answered {status} to station A, expected 404"
        ));
    }
    log_out(c).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_warehouse_user_works_the_stock_pages_by_choosing_from_pick_lists_in_chromium() {
    if std::env::var("AFTERCARE_BROWSER_TESTS").as_deref() != Ok("1") {
        eprintln!(
            "skipped: set AFTERCARE_BROWSER_TESTS=1 to drive headless Chromium (.ci/run does)"
        );
        return;
    }
    let db = aftercare_store::testing::fresh_sqlite().await.unwrap();
    let app = App::new(db.db.clone(), AppConfig::default());
    let sample = app.seed_ticket_sample().await.unwrap();
    let ps = app.seed_ticket_parts_sample(&sample).await.unwrap();
    let central = {
        use aftercare_store::org::{self, NewWarehouse};
        let mut tx = app.db.begin_write().await.unwrap();
        let id = org::insert_warehouse(
            &mut tx,
            &NewWarehouse {
                code: "WH-C".into(),
                name: "中央备件库".into(),
                kind: aftercare_domain::org::WarehouseKind::Central,
                parent_id: None,
                region_id: Some(sample.city),
                station_id: None,
                address: "天府大道 1 号".into(),
                after_sales: true,
                active: true,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        id
    };
    add_warehouse_user(&app, "keeper").await;
    let base = serve(&app).await;
    let (_driver, port) = start_driver().await;
    let profile = tempfile::tempdir().unwrap();
    let c = browser(port, (1280, 900), None, profile.path()).await;
    let result = flow(&c, &base, &World { ps, central }).await;
    if let Err(e) = &result {
        screenshot(&c, "stock").await;
        eprintln!("{e}");
    }
    let _ = c.close().await;
    result.unwrap();
}
