//! Replenishment planning in real headless Chromium over the small demo: a planner opens
//! the lifecycle page from the Replenishment page, is refused a loop of successions (the
//! error is shown and nothing changes), removes the demo's succession and records it again
//! at 80 %, cancels the demo's recall and records a new one, runs planning with the
//! button, and reads the recall on the part's plan page. Screenshots of failures go to
//! `target/browser-screenshots/`.
//!
//! Runs when `AFTERCARE_BROWSER_TESTS=1` (CI sets it; `.ci/run` installs the browser).

use aftercare_app::{Actor, App, AppConfig};
use fantoccini::{Client, Locator};
use std::time::Duration;

mod common {
    pub mod browser;
}
use common::browser::{
    R, add_warehouse_user, browser, click_submit, err, expect, fits_width, log_in, screenshot,
    serve, start_driver,
};

/// Type `text` into the field with id `id`.
async fn type_in(c: &Client, id: &str, text: &str) -> R<()> {
    let e = c.find(Locator::Id(id)).await.map_err(err(id))?;
    e.clear().await.map_err(err(id))?;
    e.send_keys(text).await.map_err(err(id))
}

/// Set a date input (typing into one depends on the locale's format).
async fn set_date(c: &Client, id: &str, date: &str) -> R<()> {
    c.execute(
        "document.getElementById(arguments[0]).value = arguments[1];",
        vec![serde_json::json!(id), serde_json::json!(date)],
    )
    .await
    .map(|_| ())
    .map_err(err(id))
}

/// Click `css` and wait until the answer page replaced this one; its body text.
async fn click_and_wait(c: &Client, css: &str) -> R<String> {
    let button = c
        .wait()
        .for_element(Locator::Css(css))
        .await
        .map_err(err(css))?;
    click_submit(&button, css).await?;
    let body = c
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("main"))
        .await
        .map_err(err(css))?;
    body.text().await.map_err(err(css))
}

/// The page follows the user's language: accept the text in either.
fn expect_any(text: &str, needles: &[&str], step: &str) -> R<()> {
    if needles.iter().any(|n| text.contains(n)) {
        Ok(())
    } else {
        Err(format!("{step}: expected one of {needles:?} in {text:?}"))
    }
}

struct Demo {
    old: String,
    new: String,
    recall_id: i64,
    recall_part: String,
    recall_part_id: i64,
    station: i64,
    today: String,
}

async fn flow(c: &Client, base: &str, d: &Demo) -> R<()> {
    log_in(c, base, "planner").await?;
    c.goto(&format!("{base}/planning"))
        .await
        .map_err(err("planning"))?;
    let page = click_and_wait(c, "#lifecycle-link").await?;
    expect(&page, &d.old, "lifecycle page lists the demo succession")?;
    expect(&page, "60 %", "lifecycle page share")?;

    // A loop is refused with the reason, and the page keeps the old succession.
    type_in(c, "s-pred", &d.new).await?;
    type_in(c, "s-succ", &d.old).await?;
    let page = click_and_wait(c, "#save-succession").await?;
    expect(&page, "may not loop", "loop refused")?;

    // Remove the demo's succession, then record it again at 80 %.
    c.goto(&format!("{base}/planning/lifecycle"))
        .await
        .map_err(err("lifecycle"))?;
    let remove = format!(
        "form[action='/planning/successions/{}/remove'] button",
        d.old
    );
    let page = click_and_wait(c, &remove).await?;
    if page.contains("60 %") {
        return Err("the removed succession is still listed".into());
    }
    type_in(c, "s-pred", &d.old).await?;
    type_in(c, "s-succ", &d.new).await?;
    type_in(c, "s-share", "80").await?;
    let page = click_and_wait(c, "#save-succession").await?;
    expect(&page, "80 %", "succession saved")?;

    // Cancel the demo's recall; record a new one at the same station.
    let cancel = format!(
        "form[action='/planning/events/{}/cancel'] button",
        d.recall_id
    );
    let page = click_and_wait(c, &cancel).await?;
    expect_any(&page, &["已取消", "Cancelled"], "recall cancelled")?;
    type_in(c, "e-name", "风扇召回 F-1").await?;
    type_in(c, "e-part", &d.recall_part).await?;
    c.find(Locator::Css("#e-wh"))
        .await
        .map_err(err("warehouse select"))?
        .select_by_value(&d.station.to_string())
        .await
        .map_err(err("warehouse option"))?;
    // One day, today (the demo's recall starts today): all of it inside the next period.
    set_date(c, "e-start", &d.today).await?;
    set_date(c, "e-end", &d.today).await?;
    type_in(c, "e-units", "500").await?;
    type_in(c, "e-rate", "0.02").await?;
    let page = click_and_wait(c, "#add-event").await?;
    expect(&page, "风扇召回 F-1", "recall recorded")?;
    screenshot(c, "planning-lifecycle").await;

    // Run planning with the button; the part's plan shows the recall.
    c.goto(&format!("{base}/planning"))
        .await
        .map_err(err("planning"))?;
    // Each warehouse's units as a whole meet the target.
    c.find(Locator::Css("#run-allocation"))
        .await
        .map_err(err("allocation select"))?
        .select_by_value("warehouse")
        .await
        .map_err(err("allocation select"))?;
    let page = click_and_wait(c, "#run-planning").await?;
    expect_any(&page, &["计划已运行", "Planning ran"], "planning ran")?;
    // The page names the run, keeps its choice in the form, and unfolds each warehouse's
    // calibration.
    expect_any(
        &page,
        &["最近一次计划运行", "Latest planning run"],
        "the latest run is shown",
    )?;
    let chosen = c
        .find(Locator::Css("#run-allocation"))
        .await
        .map_err(err("allocation select"))?
        .prop("value")
        .await
        .map_err(err("allocation value"))?;
    if chosen.as_deref() != Some("warehouse") {
        return Err(format!("the form forgot the run's allocation: {chosen:?}"));
    }
    c.find(Locator::Css("#run-fills-details summary"))
        .await
        .map_err(err("calibrations"))?
        .click()
        .await
        .map_err(err("calibrations"))?;
    let fills = c
        .find(Locator::Css("#run-fills"))
        .await
        .map_err(err("calibration table"))?
        .text()
        .await
        .map_err(err("calibration table"))?;
    expect(&fills, "WH-", "each warehouse's calibration")?;
    screenshot(c, "planning-run-fills").await;
    // The visually hidden labels of the reject forms once escaped the table's frame and
    // widened the page.
    fits_width(c, "the Replenishment page").await?;
    expect_any(&fills, &["是", "yes"], "a warehouse met its target")?;
    c.goto(&format!(
        "{base}/planning/items/{}/{}",
        d.station, d.recall_part_id
    ))
    .await
    .map_err(err("part plan"))?;
    let page = c
        .wait()
        .for_element(Locator::Css("main"))
        .await
        .map_err(err("part plan"))?
        .text()
        .await
        .map_err(err("part plan"))?;
    expect(&page, "风扇召回 F-1", "part plan names the recall")?;
    fits_width(c, "the part's plan").await?;
    expect_any(
        &page,
        &["适用于每个仓库整体", "applies to each warehouse as a whole"],
        "part plan uses the run's allocation",
    )?;
    expect(
        &page,
        "event demand 10",
        "part plan's netting counts the recall",
    )?;
    // Tick a page of transfers their source can ship with "select all" (app.js) and
    // approve them together.
    c.goto(&format!(
        "{base}/planning?status=open&kind=transfer&source=can_fill&limit=5"
    ))
    .await
    .map_err(err("transfers"))?;
    // Nothing ticked: the button says so instead of sending.
    c.wait()
        .for_element(Locator::Css("#approve-selected-button"))
        .await
        .map_err(err("approve selected"))?
        .click()
        .await
        .map_err(err("approve selected"))?;
    let none = c.get_alert_text().await.map_err(err("nothing ticked"))?;
    expect_any(&none, &["请先勾选", "Tick the proposals"], "nothing ticked")?;
    c.accept_alert().await.map_err(err("nothing ticked"))?;
    c.wait()
        .for_element(Locator::Css("#select-all"))
        .await
        .map_err(err("select all"))?
        .click()
        .await
        .map_err(err("select all"))?;
    let ticked = c
        .execute(
            "return [...document.querySelectorAll('input.select-proposal')].map(b => b.checked);",
            vec![],
        )
        .await
        .map_err(err("ticked boxes"))?;
    let ticked: Vec<bool> =
        serde_json::from_value(ticked).map_err(|e| format!("ticked boxes: {e}"))?;
    if ticked.len() != 5 || ticked.iter().any(|t| !t) {
        return Err(format!("select all ticked {ticked:?}"));
    }
    // Unticking a row shows "some" on the select-all box; ticking it again, "all".
    let first_row = c
        .find(Locator::Css("input.select-proposal"))
        .await
        .map_err(err("a row's box"))?;
    let mut states = Vec::new();
    for _ in 0..2 {
        first_row.click().await.map_err(err("a row's box"))?;
        let state = c
            .execute(
                "const a = document.getElementById('select-all'); return [a.checked, a.indeterminate];",
                vec![],
            )
            .await
            .map_err(err("select-all state"))?;
        states.push(state.to_string());
    }
    if states != ["[false,true]", "[true,false]"] {
        return Err(format!("select-all box states {states:?}"));
    }
    // The button asks first, naming how many and their value; declined, nothing is sent.
    let worth = c
        .execute(
            "const m = [...document.querySelectorAll('input.select-proposal:checked')].reduce((s, b) => s + Number(b.dataset.value), 0); return `${Math.floor(m / 100)}.${String(m % 100).padStart(2, '0')}`;",
            vec![],
        )
        .await
        .map_err(err("ticked value"))?;
    let worth = worth.as_str().unwrap_or_default().to_string();
    let button = c
        .find(Locator::Css("#approve-selected-button"))
        .await
        .map_err(err("approve selected"))?;
    button.click().await.map_err(err("approve selected"))?;
    let ask = c.get_alert_text().await.map_err(err("the confirmation"))?;
    expect_any(
        &ask,
        &["批准所选的 5 条建议", "Approve the 5 selected"],
        "the confirmation",
    )?;
    expect(&ask, &worth, "the confirmation names the ticked value")?;
    c.dismiss_alert().await.map_err(err("declining"))?;
    // Long enough for a form sent anyway to have left the page.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    button
        .attr("type")
        .await
        .map_err(err("the page after declining"))?;
    let still = c
        .execute(
            "return document.querySelectorAll('input.select-proposal').length;",
            vec![],
        )
        .await
        .map_err(err("rows after declining"))?;
    if still != serde_json::json!(5) {
        return Err(format!("declining sent the form: {still} open rows left"));
    }
    button.click().await.map_err(err("approve selected"))?;
    c.accept_alert().await.map_err(err("accepting"))?;
    let mut page = String::new();
    for _ in 0..400 {
        if button.attr("type").await.is_err() {
            page = c
                .wait()
                .at_most(Duration::from_secs(30))
                .for_element(Locator::Css("main"))
                .await
                .map_err(err("after approving"))?
                .text()
                .await
                .map_err(err("after approving"))?;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    expect_any(
        &page,
        &["已批准 5 条建议", "Approved: 5 proposals"],
        "the ticked transfers approved together",
    )?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_planner_records_successions_and_recalls_and_runs_planning_in_the_browser() {
    if std::env::var("AFTERCARE_BROWSER_TESTS").as_deref() != Ok("1") {
        eprintln!(
            "skipped: set AFTERCARE_BROWSER_TESTS=1 to drive headless Chromium (.ci/run does)"
        );
        return;
    }
    let db = aftercare_store::testing::fresh_sqlite().await.unwrap();
    let app = App::new(db.db.clone(), AppConfig::default());
    app.load_demo(aftercare_demo::DEFAULT_SEED, aftercare_demo::Scale::Small)
        .await
        .unwrap();
    add_warehouse_user(&app, "planner").await;
    let succession = app.successions(&Actor::Cli).await.unwrap().remove(0);
    let recall = app
        .demand_events(&Actor::Cli, true)
        .await
        .unwrap()
        .remove(0);
    let demo = Demo {
        old: succession.predecessor_number,
        new: succession.successor_number,
        recall_id: recall.id,
        recall_part: recall.part_number,
        recall_part_id: recall.part.0,
        station: recall.warehouse.0,
        today: recall.starts_on,
    };
    let base = serve(&app).await;
    let (_driver, port) = start_driver().await;
    let profile = tempfile::tempdir().unwrap();
    let c = browser(port, (1280, 900), None, profile.path()).await;
    let result = flow(&c, &base, &demo).await;
    if let Err(e) = &result {
        screenshot(&c, "planning").await;
        eprintln!("{e}");
    }
    let _ = c.close().await;
    result.unwrap();
}
