//! Planning's explanations in the page's language, through the real HTTP server on a random
//! port (SQLite, and PostgreSQL when `AFTERCARE_TEST_POSTGRES_URL` is set): a run over a
//! small generated history proposes a purchase, a last-time buy and (after an issue) an
//! emergency requisition; the proposals page and the part's plan page show their reasons
//! and the method's why in Chinese on 简体中文 pages and in English on English ones, and
//! the API keeps them in English.

mod common {
    pub mod server;
    pub mod stock_fixture;
}

use aftercare_app::{Actor, FixedClock};
use aftercare_domain::part::StockLevels;
use aftercare_domain::stock::{Command, Consumer, Qty};
use aftercare_domain::{Instant, PartId, TicketId, WarehouseId};
use aftercare_store::planning as plan_store;
use aftercare_store::stock::master;
use aftercare_store::testing::each_backend;
use aftercare_web::i18n::plan_reasons::{class_zh, plan_text_zh};
use common::server::{get, login, start_clocked};
use common::stock_fixture::{seed, stock_in};
use reqwest::StatusCode;
use serde_json::json;
use std::sync::Arc;

/// The Chinese of a planning text, with no English word left but method codes.
fn zh(text: &str) -> String {
    let out = plan_text_zh(text).unwrap_or_else(|| panic!("untranslated: {text}"));
    let codes = [
        "naive",
        "historic_average",
        "ma",
        "ses",
        "ses_opt",
        "croston",
        "sba",
        "croston_opt",
        "tsb",
        "adida",
        "imapa",
        "combo",
    ];
    for w in out
        .split(|c: char| !(c.is_ascii_alphabetic() || c == '_'))
        .filter(|w| !w.is_empty())
    {
        assert!(codes.contains(&w), "English {w:?} left in {out:?}");
    }
    out
}

/// Text as the page escapes it.
fn escaped(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// The page at `url` in `lang`.
async fn page_in(c: &reqwest::Client, url: &str, lang: &str) -> String {
    let r = c
        .get(url)
        .header("accept-language", lang)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{url}");
    r.text().await.unwrap()
}

async fn issue(s: &common::server::Server, w: WarehouseId, part: PartId, qty: i64, ticket: i64) {
    s.app
        .stock_execute(
            &Actor::Cli,
            None,
            Command::Issue {
                warehouse: w,
                part,
                qty: Qty::new(qty).unwrap(),
                consumer: Consumer::Ticket(TicketId(ticket)),
                reservation: None,
                approved_by: None,
            },
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn planning_reasons_and_whys_are_chinese_on_chinese_pages() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        // Monday 2026-01-05 02:00 UTC; twenty weeks of issues follow.
        let clock = Arc::new(FixedClock::new(Instant(1_767_578_400_000)));
        let s = start_clocked(db, clock.clone()).await;
        let f = seed(&s.app, 5).await;
        let p = f.parts.clone();
        let w = f.central;
        stock_in(&s.app, &f, w, &p[..2], 42).await;
        stock_in(&s.app, &f, w, &p[2..4], 10).await;
        stock_in(&s.app, &f, w, &p[4..], 50).await;
        // PN-00001 out of production with service to come (a last-time buy), PN-00002 past
        // both (nothing to buy), PN-00003 out of production without an end of service.
        let mut tx = s.app.db.begin_write().await.unwrap();
        for (part, eop, eos) in [
            (p[0], None, None),
            (p[1], Some("2025-01-01"), Some("2030-12-31")),
            (p[2], Some("2025-01-01"), Some("2025-06-30")),
            (p[3], Some("2025-01-01"), None),
        ] {
            plan_store::link_supplier(&mut tx, part, f.supplier, 14)
                .await
                .unwrap();
            plan_store::set_part_planning(&mut tx, part, 14, eop, eos)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        for week in 0..20 {
            clock.advance_minutes(7 * 24 * 60);
            for (i, &part) in p[..4].iter().enumerate() {
                let qty = if i < 2 { 1 + week % 3 } else { week % 2 };
                if qty > 0 {
                    issue(&s, w, part, qty, 100 * i as i64 + week).await;
                }
            }
        }
        let api = reqwest::Client::new();
        let r = api
            .post(format!("{}/api/v1/planning/runs", s.base))
            .bearer_auth(&f.wh_token)
            .json(&json!({"periods": 26}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{label}");
        // PN-00004: manual levels 45–60 and 50 on hand; six issued → an emergency at once.
        let mut tx = s.app.db.begin_write().await.unwrap();
        master::set_levels(
            &mut tx,
            w,
            p[4],
            StockLevels::new(Qty::new(45).unwrap(), Some(Qty::new(60).unwrap())).unwrap(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        issue(&s, w, p[4], 6, 999).await;

        // The API keeps every reason in English; each one has a complete translation.
        let (status, list) = get(
            &api,
            &s,
            &f.wh_token,
            "/api/v1/planning/proposals?status=open",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{label}");
        let rows = list.as_array().unwrap();
        let reason_of = |part: PartId, kind: &str| -> String {
            rows.iter()
                .find(|r| r["part_id"] == part.0 && r["kind"] == kind)
                .unwrap_or_else(|| panic!("{label}: no {kind} of part {}: {list}", part.0))["reason"]
                .as_str()
                .unwrap()
                .to_string()
        };
        let purchase = reason_of(p[0], "purchase");
        let ltb = reason_of(p[1], "last_time_buy");
        let emergency = reason_of(p[4], "emergency");
        assert!(purchase.contains("reorder point"), "{label}: {purchase}");
        assert!(
            ltb.starts_with("last-time buy before end of service: "),
            "{label}: {ltb}"
        );
        assert!(
            emergency.starts_with("emergency requisition: "),
            "{label}: {emergency}"
        );
        let reasons: Vec<String> = rows
            .iter()
            .map(|r| r["reason"].as_str().unwrap().to_string())
            .collect();
        for r in &reasons {
            zh(r);
        }
        // The whys the run stored, the app's end-of-production notes among them.
        let mut whys = Vec::new();
        for &part in &p[..4] {
            let item = plan_store::item(&s.app.db, w, part).await.unwrap().unwrap();
            zh(&item.why);
            whys.push(item.why);
        }
        assert!(
            whys[2].ends_with("; past end of production and end of service: nothing to buy"),
            "{label}: {}",
            whys[2]
        );
        assert!(
            whys[3].contains("; past end of production: no purchase"),
            "{label}: {}",
            whys[3]
        );

        // The proposals page: Chinese reasons in 简体中文, the English ones in English.
        let (c, _) = login(&s, "wh").await;
        let list_url = format!("{}/planning?status=open", s.base);
        let html = page_in(&c, &list_url, "zh-CN").await;
        for r in &reasons {
            assert!(
                html.contains(&format!("<td class=\"reason\">{}</td>", zh(r))),
                "{label}: {} not on {html}",
                zh(r)
            );
        }
        for english in [
            "reorder point",
            "last-time buy before",
            "emergency requisition",
            "on the way",
        ] {
            assert!(
                !html.contains(english),
                "{label}: {english} on the Chinese page"
            );
        }
        assert!(html.contains("停止服务前的末次采购："), "{label}");
        assert!(
            html.contains("急件请购：出库后可用库存 44 低于最低库存 45"),
            "{label}: {html}"
        );
        let html = page_in(&c, &list_url, "en").await;
        for r in &reasons {
            assert!(
                html.contains(&format!("<td class=\"reason\">{}</td>", escaped(r))),
                "{label}: {r} not on {html}"
            );
        }
        assert!(!html.contains("再订货点"), "{label}");

        // The part's plan page: class, why and the position now; its proposals' reasons.
        for &part in &p[..2] {
            let (status, plan) = get(
                &api,
                &s,
                &f.wh_token,
                &format!("/api/v1/planning/items/{}/{}", w.0, part.0),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{label}");
            let (class, why, netting) = (
                plan["class"].as_str().unwrap(),
                plan["why"].as_str().unwrap(),
                plan["reason"].as_str().unwrap(),
            );
            assert!(
                why.contains("backtest") || why.contains("by default"),
                "{why}"
            );
            let url = format!("{}/planning/items/{}/{}", s.base, w.0, part.0);
            let html = page_in(&c, &url, "zh-CN").await;
            for expected in [
                format!("<dd id=\"plan-class\">{}</dd>", class_zh(class).unwrap()),
                format!("<dd id=\"plan-why\">{}</dd>", zh(why)),
                format!("<dd id=\"plan-netting\">{}</dd>", zh(netting)),
            ] {
                assert!(
                    html.contains(&expected),
                    "{label}: {expected} not on {html}"
                );
            }
            assert!(html.contains("需求："), "{label}");
            assert!(!html.contains("backtest error"), "{label}");
            let html = page_in(&c, &url, "en").await;
            for expected in [
                format!("<dd id=\"plan-class\">{class}</dd>"),
                format!("<dd id=\"plan-why\">{}</dd>", escaped(why)),
                format!("<dd id=\"plan-netting\">{}</dd>", escaped(netting)),
            ] {
                assert!(
                    html.contains(&expected),
                    "{label}: {expected} not on {html}"
                );
            }
        }
        let html = page_in(
            &c,
            &format!("{}/planning/items/{}/{}", s.base, w.0, p[1].0),
            "zh-CN",
        )
        .await;
        assert!(
            html.contains(&format!("<td class=\"reason\">{}</td>", zh(&ltb))),
            "{label}: {html}"
        );

        // Under a warehouse fill target calibrated on the history the why says so too.
        let r = api
            .post(format!("{}/api/v1/planning/runs", s.base))
            .bearer_auth(&f.wh_token)
            .json(&json!({"periods": 26, "allocation": "warehouse_history"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{label}");
        let (_, plan) = get(
            &api,
            &s,
            &f.wh_token,
            &format!("/api/v1/planning/items/{}/{}", w.0, p[0].0),
        )
        .await;
        let why = plan["why"].as_str().unwrap();
        assert!(
            why.contains("; level from the warehouse's fill target")
                && why.contains("replayed over the last"),
            "{label}: {why}"
        );
        let html = page_in(
            &c,
            &format!("{}/planning/items/{}/{}", s.base, w.0, p[0].0),
            "zh-CN",
        )
        .await;
        assert!(
            html.contains(&format!("<dd id=\"plan-why\">{}</dd>", zh(why))),
            "{label}: {html}"
        );
        assert!(html.contains("历史回放"), "{label}");
    }
}
