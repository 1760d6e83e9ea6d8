//! Real headless Chromium (Debian's `chromium` + `chromium-driver`) against the real server
//! with demo data: log in as every role, see that role's navigation (every page of it
//! fitting the window's width), switch language, log out; and the technician's whole walk
//! again on a 375-px phone. Screenshots of failures go to `target/browser-screenshots/`.
//!
//! Runs when `AFTERCARE_BROWSER_TESTS=1` (CI sets it; `.ci/run` installs the browser).

use aftercare_app::{App, AppConfig};
use aftercare_domain::Role;
use fantoccini::{Client, Locator};

mod common {
    pub mod browser;
}
use common::browser::{browser, fits_width, screenshot, serve, start_driver};

async fn nav_keys(c: &Client) -> Result<Vec<String>, fantoccini::error::CmdError> {
    let mut keys = Vec::new();
    for el in c.find_all(Locator::Css("[data-nav]")).await? {
        keys.push(el.attr("data-nav").await?.unwrap_or_default());
    }
    Ok(keys)
}

async fn log_in(c: &Client, base: &str, login: &str) -> Result<(), fantoccini::error::CmdError> {
    c.goto(&format!("{base}/login")).await?;
    c.find(Locator::Id("login")).await?.send_keys(login).await?;
    c.find(Locator::Id("password"))
        .await?
        .send_keys(aftercare_demo::DEMO_PASSWORD)
        .await?;
    c.find(Locator::Css("button[type=submit]"))
        .await?
        .click()
        .await?;
    c.wait()
        .for_element(Locator::Css("[data-testid=who]"))
        .await?;
    Ok(())
}

/// One role's walk: log in, check navigation, switch to English and back, log out.
async fn walk(c: &Client, base: &str, login: &str, role: Role) -> Result<(), String> {
    let e = |what: &str| {
        let what = what.to_string();
        move |err: fantoccini::error::CmdError| format!("{login}: {what}: {err}")
    };
    log_in(c, base, login).await.map_err(e("log in"))?;
    let expected: Vec<String> = aftercare_web::ui::nav_for(role)
        .iter()
        .map(|n| n.key.to_string())
        .collect();
    let got = nav_keys(c).await.map_err(e("read navigation"))?;
    if got != expected {
        return Err(format!(
            "{login}: navigation {got:?}, expected {expected:?}"
        ));
    }
    for key in &expected {
        let link = c
            .find(Locator::Css(&format!("[data-nav='{key}']")))
            .await
            .map_err(e("find nav link"))?;
        let href = link
            .attr("href")
            .await
            .map_err(e("href"))?
            .unwrap_or_default();
        c.goto(&format!("{base}{href}"))
            .await
            .map_err(e("follow nav link"))?;
        let title = c.title().await.map_err(e("title"))?;
        if title.contains("出错") || title.to_lowercase().contains("wrong") {
            return Err(format!("{login}: {href} shows an error page"));
        }
        fits_width(c, &format!("{login}: {href}")).await?;
    }
    // Language switch (the select submits itself): to English, then to Chinese, checking
    // the page's language and a translated label each time.
    c.goto(&format!("{base}/")).await.map_err(e("home"))?;
    for (tag, logout_label) in [("en", "Log out"), ("zh-CN", "退出登录")] {
        let select = c
            .find(Locator::Id("lang-select"))
            .await
            .map_err(e("language select"))?;
        select
            .select_by_value(tag)
            .await
            .map_err(e("choose language"))?;
        c.wait()
            .for_element(Locator::XPath(&format!(
                "//html[@lang='{tag}']//button[@data-testid='logout' and normalize-space()='{logout_label}']"
            )))
            .await
            .map_err(e("translated UI"))?;
    }
    c.find(Locator::Css("[data-testid=logout]"))
        .await
        .map_err(e("logout button"))?
        .click()
        .await
        .map_err(e("log out"))?;
    c.wait()
        .for_element(Locator::Id("password"))
        .await
        .map_err(e("back at login"))?;
    c.goto(&format!("{base}/"))
        .await
        .map_err(e("home after logout"))?;
    if c.find(Locator::Id("password")).await.is_err() {
        return Err(format!("{login}: still logged in after logout"));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_logs_in_sees_its_navigation_switches_language_and_logs_out() {
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
    let base = serve(&app).await;

    let (_driver, port) = start_driver().await;
    let profile = tempfile::tempdir().unwrap();
    let c = browser(port, (1280, 900), None, profile.path()).await;
    let accounts = aftercare_app::demo::demo_accounts(
        aftercare_demo::DEFAULT_SEED,
        aftercare_demo::Scale::Small,
    );
    let mut failures = Vec::new();
    for a in &accounts {
        let role = Role::parse(&a.role).unwrap();
        if let Err(msg) = walk(&c, &base, &a.login, role).await {
            screenshot(&c, &format!("fail-{}", a.login)).await;
            failures.push(msg);
        }
    }
    assert_eq!(accounts.len(), 8, "one demo account per role");
    c.close().await.ok();

    // The technician's phone: 375 px wide; the whole walk again there, every page of the
    // technician's navigation fitting the screen.
    let profile = tempfile::tempdir().unwrap();
    let phone = browser(port, (375, 812), Some((375, 812)), profile.path()).await;
    let tech = accounts.iter().find(|a| a.role == "technician").unwrap();
    match walk(&phone, &base, &tech.login, Role::Technician).await {
        Ok(()) => {
            log_in(&phone, &base, &tech.login).await.unwrap();
            screenshot(&phone, "technician-phone").await;
        }
        Err(e) => {
            screenshot(&phone, "fail-phone").await;
            failures.push(format!("on the phone: {e}"));
        }
    }
    phone.close().await.ok();
    assert!(
        failures.is_empty(),
        "browser failures:\n{}",
        failures.join("\n")
    );
}
