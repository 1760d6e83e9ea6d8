//! Chromium through chromedriver for the browser tests: the driver process, a headless
//! browser (optionally emulating a phone), screenshots of failures and the sample users'
//! log-in and log-out.

#![allow(dead_code)]

use aftercare_app::App;
use aftercare_app::tickets::SAMPLE_PASSWORD;
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The chromedriver process, killed when dropped.
pub struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Start chromedriver on a free port and wait until it listens.
pub async fn start_driver() -> (Driver, u16) {
    let port = free_port();
    let mut child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver not found: install Debian's chromium-driver (see .ci/run)");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return (Driver(child), port);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("chromedriver did not start");
}

/// A headless Chromium (zh-CN) with a `window` of (width, height); `phone` emulates that
/// viewport exactly (headless windows have a minimum width).
pub async fn browser(
    driver_port: u16,
    window: (u32, u32),
    phone: Option<(u32, u32)>,
    profile: &std::path::Path,
) -> Client {
    let mut caps = serde_json::Map::new();
    let mut options = serde_json::json!({
        "binary": "/usr/bin/chromium",
        "args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--disable-quic", "--lang=zh-CN",
            format!("--window-size={},{}", window.0, window.1),
            format!("--user-data-dir={}", profile.display()),
        ]
    });
    if let Some((width, height)) = phone {
        options["mobileEmulation"] = serde_json::json!({
            "deviceMetrics": { "width": width, "height": height, "pixelRatio": 2.0 }
        });
    }
    caps.insert("goog:chromeOptions".into(), options);
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{driver_port}"))
        .await
        .expect("cannot start Chromium through chromedriver")
}

/// Save what the browser shows to `target/browser-screenshots/NAME.png`.
pub async fn screenshot(c: &Client, name: &str) {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-screenshots");
    let _ = std::fs::create_dir_all(&dir);
    if let Ok(png) = c.screenshot().await {
        let path = dir.join(format!("{name}.png"));
        let _ = std::fs::write(&path, png);
        eprintln!("screenshot: {}", path.display());
    }
}

/// A step's result: the error names the step.
pub type R<T> = Result<T, String>;

/// The page fits the window's width: wide tables scroll inside their frame, the page
/// itself never sideways.
pub async fn fits_width(c: &Client, what: &str) -> R<()> {
    let widths = c
        .execute(
            "const d = document.documentElement; return [d.scrollWidth, d.clientWidth];",
            vec![],
        )
        .await
        .map_err(err(what))?;
    let (Some(scroll), Some(client)) = (widths[0].as_i64(), widths[1].as_i64()) else {
        return Err(format!(
            "{what}: the page's width could not be read: {widths}"
        ));
    };
    if scroll > client {
        // Name what sticks out: elements past the edge that no scrolling frame holds.
        let culprits = c
            .execute(
                "const w = document.documentElement.clientWidth; const out = []; \
                 for (const e of document.querySelectorAll('body *')) { \
                   if (e.getBoundingClientRect().right <= w + 1) continue; \
                   let a = e.parentElement, held = false; \
                   while (a && a !== document.body) { if (getComputedStyle(a).overflowX !== 'visible') { held = true; break; } a = a.parentElement; } \
                   if (!held) out.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : '')); \
                   if (out.length >= 5) break; } \
                 return out.join(', ');",
                vec![],
            )
            .await
            .map_err(err(what))?;
        return Err(format!(
            "{what} scrolls sideways: {scroll} > {client} px ({})",
            culprits.as_str().unwrap_or_default()
        ));
    }
    Ok(())
}

/// Name the failing step in a WebDriver error.
pub fn err(step: &str) -> impl Fn(fantoccini::error::CmdError) -> String + '_ {
    move |e| format!("{step}: {e}")
}

/// Log in as a sample user (password `SAMPLE_PASSWORD`) and wait for the shell.
pub async fn log_in(c: &Client, base: &str, login: &str) -> R<()> {
    c.goto(&format!("{base}/login"))
        .await
        .map_err(err("login page"))?;
    c.find(Locator::Id("login"))
        .await
        .map_err(err("login field"))?
        .send_keys(login)
        .await
        .map_err(err("type login"))?;
    c.find(Locator::Id("password"))
        .await
        .map_err(err("password field"))?
        .send_keys(SAMPLE_PASSWORD)
        .await
        .map_err(err("type password"))?;
    c.find(Locator::Css("button[type=submit]"))
        .await
        .map_err(err("submit"))?
        .click()
        .await
        .map_err(err("click"))?;
    c.wait()
        .for_element(Locator::Css("[data-testid=who]"))
        .await
        .map_err(err("logged in"))?;
    Ok(())
}

/// Log out and wait for the login form.
pub async fn log_out(c: &Client) -> R<()> {
    c.find(Locator::Css("[data-testid=logout]"))
        .await
        .map_err(err("logout"))?
        .click()
        .await
        .map_err(err("logout click"))?;
    c.wait()
        .for_element(Locator::Id("password"))
        .await
        .map_err(err("logged out"))?;
    Ok(())
}

/// Serve `app` with the real server on a random port; its base URL.
pub async fn serve(app: &App) -> String {
    let state = aftercare_web::AppState::new(app.clone(), Default::default(), None);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(aftercare_web::serve(
        listener,
        state,
        std::future::pending(),
    ));
    base
}

/// Click a submit button and wait until it has left the document: the server answered
/// with a new page (a navigation that follows at once could cancel the post otherwise).
pub async fn click_submit(button: &Element, step: &str) -> R<()> {
    button.click().await.map_err(err(step))?;
    for _ in 0..400 {
        if button.attr("type").await.is_err() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(format!("{step}: the page did not change after the click"))
}

/// `Ok` if `text` holds `needle`, else an error naming the step.
pub fn expect(text: &str, needle: &str, step: &str) -> R<()> {
    if text.contains(needle) {
        Ok(())
    } else {
        Err(format!("{step}: expected {needle:?} in {text:?}"))
    }
}

/// Add a warehouse-role user `login` with the sample password.
pub async fn add_warehouse_user(app: &App, login: &str) {
    app.add_user(
        &aftercare_app::Actor::Cli,
        aftercare_app::admin::AddUser {
            login: login.into(),
            display_name: None,
            role: aftercare_domain::Role::Warehouse,
            station: None,
            technician: None,
            brand: None,
            password: SAMPLE_PASSWORD.into(),
        },
    )
    .await
    .unwrap();
}
