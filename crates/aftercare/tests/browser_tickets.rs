//! The hotline-to-callback flow in real headless Chromium, across roles: the agent finds
//! nobody, creates the customer and the unit, opens the ticket (warranty shown); the
//! dispatcher assigns it with one click; the station accepts and assigns its technician and
//! books the visit; the technician taps arrive and complete on the phone page (375 px); the
//! agent records the callback. Screenshots of failures go to `target/browser-screenshots/`.
//!
//! Runs when `AFTERCARE_BROWSER_TESTS=1` (CI sets it; `.ci/run` installs the browser).

use aftercare_app::{App, AppConfig};
use fantoccini::{Client, Locator};
use std::time::Duration;

mod common {
    pub mod browser;
}
use common::browser::{
    R, browser, click_submit, err, fits_width, log_in, log_out, screenshot, serve, start_driver,
};

async fn click(c: &Client, css: &str, step: &'static str) -> R<()> {
    let e = c
        .wait()
        .for_element(Locator::Css(css))
        .await
        .map_err(err(step))?;
    let submits = e.attr("type").await.map_err(err(step))?.as_deref() == Some("submit");
    if submits {
        return click_submit(&e, step).await;
    }
    e.click().await.map_err(err(step))
}

async fn type_into(c: &Client, css: &str, text: &str, step: &'static str) -> R<()> {
    c.wait()
        .for_element(Locator::Css(css))
        .await
        .map_err(err(step))?
        .send_keys(text)
        .await
        .map_err(err(step))
}

async fn status_is(c: &Client, status: &str, step: &'static str) -> R<()> {
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(&format!(
            "[data-testid=ticket-status][data-status={status}]"
        )))
        .await
        .map_err(err(step))?;
    Ok(())
}

async fn flow(
    desk: &Client,
    phone: &Client,
    base: &str,
    app: &App,
    w: &aftercare_app::tickets::SampleWorld,
) -> R<()> {
    // Agent: search, create customer and unit, open the ticket.
    log_in(desk, base, "agent").await?;
    desk.goto(&format!("{base}/intake?q=13812345678"))
        .await
        .map_err(err("intake"))?;
    fits_width(desk, "the intake").await?;
    desk.wait()
        .for_element(Locator::Css("[data-testid=no-customer]"))
        .await
        .map_err(err("nobody found"))?;
    type_into(desk, "#nc-name", "王五", "name").await?;
    let region = desk
        .find(Locator::Id("nc-region"))
        .await
        .map_err(err("region"))?;
    region
        .select_by_value(&w.urban.0.to_string())
        .await
        .map_err(err("choose region"))?;
    type_into(desk, "#nc-detail", "红星路 88 号", "address").await?;
    click(
        desk,
        "[data-testid=new-customer] button[type=submit]",
        "create customer",
    )
    .await?;
    desk.wait()
        .for_element(Locator::Css("[data-testid=add-unit] summary"))
        .await
        .map_err(err("customer shown"))?;
    click(desk, "[data-testid=add-unit] summary", "open unit form").await?;
    type_into(
        desk,
        "[data-testid=add-unit] input[name=serial]",
        "BRW-0001",
        "serial",
    )
    .await?;
    desk.find(Locator::Css("[data-testid=add-unit] select[name=model]"))
        .await
        .map_err(err("model"))?
        .select_by_value(&w.model.0.to_string())
        .await
        .map_err(err("choose model"))?;
    desk.execute(
        "document.querySelector('[data-testid=add-unit] input[name=purchase_date]').value = '2026-06-01';",
        vec![],
    )
    .await
    .map_err(err("purchase date"))?;
    click(
        desk,
        "[data-testid=add-unit] button[type=submit]",
        "register unit",
    )
    .await?;
    let warranty = desk
        .wait()
        .for_element(Locator::Css("[data-testid=unit-warranty]"))
        .await
        .map_err(err("unit warranty"))?
        .text()
        .await
        .map_err(err("warranty text"))?;
    if warranty != "保内" && warranty != "In warranty" {
        return Err(format!(
            "warranty shown as {warranty:?}, expected in warranty"
        ));
    }
    type_into(desk, "[data-testid=fault]", "开机无图像", "fault").await?;
    click(desk, "[data-testid=create-ticket]", "create ticket").await?;
    status_is(desk, "new", "ticket created").await?;
    let number = desk
        .find(Locator::Css("[data-testid=ticket-number]"))
        .await
        .map_err(err("number"))?
        .text()
        .await
        .map_err(err("number text"))?;
    let url = desk.current_url().await.map_err(err("url"))?;
    let ticket_path = url.path().to_string();
    let id: i64 = ticket_path
        .rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or("ticket id")?;
    log_out(desk).await?;

    // Dispatcher: one click on the top suggestion.
    log_in(desk, base, "dispatcher").await?;
    desk.goto(&format!("{base}/dispatch"))
        .await
        .map_err(err("dispatch"))?;
    fits_width(desk, "the dispatch queue").await?;
    click(
        desk,
        &format!("[data-testid=assign-{id}-{}]", w.station_a.0),
        "one-click assign",
    )
    .await?;
    desk.wait()
        .for_element(Locator::Css("[data-testid=dispatch-queue]"))
        .await
        .map_err(err("queue again"))?;
    if desk
        .find(Locator::Css(&format!("tr[data-ticket='{number}']")))
        .await
        .is_ok()
    {
        return Err("ticket still in the dispatch queue".into());
    }
    log_out(desk).await?;

    // Station: accept, assign the technician, book the visit.
    log_in(desk, base, "station-a").await?;
    desk.goto(&format!("{base}/station/tickets"))
        .await
        .map_err(err("station"))?;
    fits_width(desk, "the station's tickets").await?;
    click(desk, &format!("[data-testid=accept-{id}]"), "accept").await?;
    click(
        desk,
        &format!("[data-testid=assign-{id}]"),
        "assign technician",
    )
    .await?;
    desk.goto(&format!("{base}{ticket_path}"))
        .await
        .map_err(err("ticket"))?;
    fits_width(desk, "the ticket").await?;
    status_is(desk, "accepted", "accepted").await?;
    click(desk, "[data-testid=schedule]", "book visit").await?;
    status_is(desk, "scheduled", "scheduled").await?;
    log_out(desk).await?;

    // Technician on the phone: arrive, complete.
    log_in(phone, base, "tech-a").await?;
    phone
        .goto(&format!("{base}/jobs"))
        .await
        .map_err(err("jobs"))?;
    fits_width(phone, "the technician's jobs").await?;
    click(phone, &format!("[data-testid=arrive-{id}]"), "arrive").await?;
    type_into(
        phone,
        &format!("[data-testid=done-{id}]"),
        "更换电源板",
        "work done",
    )
    .await?;
    click(phone, &format!("[data-testid=complete-{id}]"), "complete").await?;
    phone
        .wait()
        .for_element(Locator::Css("[data-testid=jobs]"))
        .await
        .map_err(err("jobs again"))?;
    let width: f64 = phone
        .execute("return document.documentElement.scrollWidth;", vec![])
        .await
        .map_err(err("width"))?
        .as_f64()
        .unwrap_or(0.0);
    if width > 380.0 {
        return Err(format!(
            "the jobs page is {width} px wide on a 375 px phone"
        ));
    }
    log_out(phone).await?;

    // Agent: the callback.
    log_in(desk, base, "agent").await?;
    desk.goto(&format!("{base}/callbacks"))
        .await
        .map_err(err("callbacks"))?;
    fits_width(desk, "the callbacks").await?;
    click(
        desk,
        &format!("[data-testid=callback-submit-{id}]"),
        "callback",
    )
    .await?;
    desk.goto(&format!("{base}{ticket_path}"))
        .await
        .map_err(err("ticket at the end"))?;
    status_is(desk, "callback_done", "callback done").await?;
    let steps = desk
        .find_all(Locator::Css("[data-testid=timeline] li"))
        .await
        .map_err(err("timeline"))?
        .len();
    if steps != 8 {
        return Err(format!(
            "timeline has {steps} entries, expected 8 (create, dispatch, accept, assign, schedule, arrive, complete, callback)"
        ));
    }
    let d = app
        .ticket(&aftercare_app::Actor::Cli, aftercare_domain::TicketId(id))
        .await
        .map_err(|e| e.to_string())?;
    if d.ticket.state.technician != Some(w.tech_a) {
        return Err("technician not recorded".into());
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hotline_call_goes_through_dispatch_station_technician_and_callback_in_chromium() {
    if std::env::var("AFTERCARE_BROWSER_TESTS").as_deref() != Ok("1") {
        eprintln!(
            "skipped: set AFTERCARE_BROWSER_TESTS=1 to drive headless Chromium (.ci/run does)"
        );
        return;
    }
    let db = aftercare_store::testing::fresh_sqlite().await.unwrap();
    let app = App::new(db.db.clone(), AppConfig::default());
    let w = app.seed_ticket_sample().await.unwrap();
    let base = serve(&app).await;
    let (_driver, port) = start_driver().await;
    let p1 = tempfile::tempdir().unwrap();
    let p2 = tempfile::tempdir().unwrap();
    let desk = browser(port, (1280, 900), None, p1.path()).await;
    let phone = browser(port, (1280, 900), Some((375, 812)), p2.path()).await;
    let result = flow(&desk, &phone, &base, &app, &w).await;
    if let Err(e) = &result {
        screenshot(&desk, "tickets-desk").await;
        screenshot(&phone, "tickets-phone").await;
        eprintln!("{e}");
    }
    let _ = desk.close().await;
    let _ = phone.close().await;
    result.unwrap();
}
