//! The webhook and SLA settings admin API and pages through the real HTTP server (SQLite,
//! and PostgreSQL when `AFTERCARE_TEST_POSTGRES_URL` is set): admins only, bad input shown
//! beside its field with nothing changed, the generated secret shown once, the test event
//! and the delivery log.

mod common {
    pub mod server;
}

use aftercare_app::Actor;
use aftercare_app::webhooks::WebhookClient;
use aftercare_store::testing::each_backend;
use common::server::{admin_and_agent as people, login, start};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn webhooks_are_managed_by_api_and_pages_by_admins_only() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let s = start(db).await;
        let (admin, agent) = people(&s).await;
        let api = reqwest::Client::new();
        let url = |p: &str| format!("{}{p}", s.base);

        // API: add, read, a bad edit (422, nothing changed), a good edit.
        let r = api
            .post(url("/api/v1/webhooks"))
            .bearer_auth(&admin)
            .json(&json!({"name": "sms", "url": "http://127.0.0.1:1/hook",
                "events": ["ticket.completed"], "secret": "0123456789abcdef", "language": "en"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{label}");
        let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        let one = |tok: &str| {
            api.get(url(&format!("/api/v1/webhooks/{id}")))
                .bearer_auth(tok)
                .send()
        };
        assert_eq!(one(&agent).await.unwrap().status(), StatusCode::FORBIDDEN);
        let before: Value = one(&admin).await.unwrap().json().await.unwrap();
        assert_eq!(before["url"], "http://127.0.0.1:1/hook");
        assert!(before.get("secret").is_none(), "the secret never leaves");
        let r = api
            .put(url(&format!("/api/v1/webhooks/{id}")))
            .bearer_auth(&admin)
            .json(&json!({"name": "sms", "url": "ftp://x", "events": [], "language": "en"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let body = r.text().await.unwrap();
        assert!(body.contains("url") && body.contains("events"), "{body}");
        let same: Value = one(&admin).await.unwrap().json().await.unwrap();
        assert_eq!(same, before, "a bad edit changes nothing");
        let r = api
            .put(url(&format!("/api/v1/webhooks/{id}")))
            .bearer_auth(&admin)
            .json(&json!({"name": "sms 2", "url": "https://127.0.0.1:1/hook",
                "events": ["*"], "language": "zh-CN"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{label}");
        assert_eq!(r.json::<Value>().await.unwrap()["events"], "*");

        // Disable: no test event (409); enable: the test event is queued (202).
        let active = |on: bool| {
            api.put(url(&format!("/api/v1/webhooks/{id}/active")))
                .bearer_auth(&admin)
                .json(&json!({ "active": on }))
                .send()
        };
        let test = || {
            api.post(url(&format!("/api/v1/webhooks/{id}/test")))
                .bearer_auth(&admin)
                .send()
        };
        assert_eq!(
            active(false).await.unwrap().json::<Value>().await.unwrap()["active"],
            false
        );
        assert_eq!(test().await.unwrap().status(), StatusCode::CONFLICT);
        active(true).await.unwrap();
        let r = test().await.unwrap();
        assert_eq!(r.status(), StatusCode::ACCEPTED, "{label}");
        assert!(r.json::<Value>().await.unwrap()["job_id"].is_i64());
        // Nothing listens on port 1: the attempt fails and is logged with its next retry.
        let client = WebhookClient::new(None).unwrap();
        assert_eq!(s.app.deliver_webhooks(&client).await.unwrap(), 1);
        let log: Value = api
            .get(url("/api/v1/webhooks/deliveries"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(log[0]["event"], "webhook.test", "{log}");
        assert_eq!(log[0]["job_status"], "pending");
        assert!(log[0]["next_attempt_at"].is_i64());
        assert!(log[0]["last_error"].is_string());

        // Pages: the agent is refused; the admin sees list, log and the test button.
        let (ac, _) = login(&s, "agent").await;
        let r = ac.get(url("/admin/webhooks")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{label}");
        let (c, csrf) = login(&s, "admin").await;
        let page = c.get(url("/admin/webhooks")).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let page = page.text().await.unwrap();
        assert!(
            page.contains("sms 2") && page.contains("发送测试事件"),
            "{page}"
        );
        assert!(
            page.contains("webhook.test") && page.contains("待重试"),
            "{page}"
        );
        assert!(!page.contains("0123456789abcdef"), "secrets are masked");

        // A bad form: every problem beside its field, nothing added.
        let r = c
            .post(url("/admin/webhooks"))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("name", "relay"),
                ("url", "ftp://relay"),
                ("secret", "short"),
                ("language", "en"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let page = r.text().await.unwrap();
        for f in ["url", "events", "secret"] {
            assert!(page.contains(&format!("data-field=\"{f}\"")), "{f}: {page}");
        }
        assert!(page.contains("至少选择一个事件"), "{page}");
        assert!(
            page.contains("value=\"ftp://relay\""),
            "what was typed is kept"
        );
        assert_eq!(s.app.webhooks(&Actor::Cli).await.unwrap().len(), 1);
        // A name given twice is named and adds nothing (the last one had been taken);
        // events are a list and may repeat.
        let r = c
            .post(url("/admin/webhooks"))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("name", "h"),
                ("name", "g"),
                ("url", "http://127.0.0.1:1/relay"),
                ("events", "ticket.appointment_booked"),
                ("events", "ticket.completed"),
                ("language", "en"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{label}");
        assert!(r.text().await.unwrap().contains("字段 `name` 重复"));
        assert_eq!(s.app.webhooks(&Actor::Cli).await.unwrap().len(), 1);

        // A good form without a secret: one is generated and shown once.
        let list = c
            .get(url("/admin/webhooks"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let form_key = list
            .split("name=\"form\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_string();
        let create = || {
            c.post(url("/admin/webhooks"))
                .form(&[
                    ("_csrf", csrf.as_str()),
                    ("form", form_key.as_str()),
                    ("name", "relay"),
                    ("url", "http://127.0.0.1:1/relay"),
                    ("events", "ticket.appointment_booked"),
                    ("events", "ticket.completed"),
                    ("secret", ""),
                    ("language", "en"),
                ])
                .send()
        };
        let r = create().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{label}");
        let page = r.text().await.unwrap();
        // The same form sent again (a reload of the page that showed the secret) adds no
        // second subscription: refused as already sent.
        let r = create().await.unwrap();
        assert_eq!(r.status(), StatusCode::CONFLICT, "{label}");
        assert!(r.text().await.unwrap().contains("此表单已提交过"));
        assert_eq!(s.app.webhooks(&Actor::Cli).await.unwrap().len(), 2);
        let secret = page
            .split("data-testid=\"secret\">")
            .nth(1)
            .and_then(|r| r.split('<').next())
            .unwrap()
            .to_string();
        assert_eq!(secret.len(), 32, "{page}");
        let subs = s.app.webhooks(&Actor::Cli).await.unwrap();
        assert_eq!(subs[1].events, "ticket.appointment_booked,ticket.completed");
        let again = c.get(url("/admin/webhooks")).send().await.unwrap();
        assert!(!again.text().await.unwrap().contains(&secret), "shown once");

        // Edit page, disable, test from the page.
        let new_id = subs[1].id;
        let edit = c
            .get(url(&format!("/admin/webhooks/{new_id}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            edit.contains("value=\"ticket.completed\" checked"),
            "{edit}"
        );
        let r = c
            .post(url(&format!("/admin/webhooks/{new_id}")))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("name", "relay"),
                ("url", "https://relay.example.com/hook"),
                ("events", "*"),
                ("secret", ""),
                ("language", "zh-CN"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{label}");
        let r = c
            .post(url(&format!("/admin/webhooks/{new_id}/active")))
            .form(&[("_csrf", csrf.as_str()), ("active", "false")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let sub = s.app.webhook(&Actor::Cli, new_id).await.unwrap();
        assert!(!sub.active);
        assert_eq!(sub.url, "https://relay.example.com/hook");
        let r = c
            .post(url(&format!("/admin/webhooks/{id}/test")))
            .form(&[("_csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{label}");
    }
}

#[tokio::test]
async fn sla_settings_by_api_and_page_show_errors_inline_and_change_nothing() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let s = start(db).await;
        let (admin, agent) = people(&s).await;
        let api = reqwest::Client::new();
        let url = |p: &str| format!("{}{p}", s.base);

        let r = api
            .get(url("/api/v1/sla-settings"))
            .bearer_auth(&agent)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{label}");
        let before: Value = api
            .get(url("/api/v1/sla-settings"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(before["time_zone"], "Asia/Shanghai");
        assert_eq!(before["sla"]["remote"]["on_site_minutes"], 72 * 60);
        let mut bad = before.clone();
        bad["sla"]["urban"]["completion_minutes"] = json!(0);
        bad["time_zone"] = json!("Nowhere/City");
        let r = api
            .put(url("/api/v1/sla-settings"))
            .bearer_auth(&admin)
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let body = r.text().await.unwrap();
        assert!(
            body.contains("sla.urban.completion") && body.contains("time_zone"),
            "{body}"
        );
        let mut good = before.clone();
        good["rules"]["accept_timeout_minutes"] = json!(40);
        let r = api
            .put(url("/api/v1/sla-settings"))
            .bearer_auth(&admin)
            .json(&good)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{label}");
        let saved = s.app.sla_settings(&Actor::Cli).await.unwrap();
        assert_eq!(saved.ticket.rules.accept_timeout_minutes, 40);

        // The page: agent refused; admin sees hours; a bad form changes nothing.
        let (ac, _) = login(&s, "agent").await;
        let r = ac.get(url("/admin/sla")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{label}");
        let (c, csrf) = login(&s, "admin").await;
        let page = c
            .get(url("/admin/sla"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("name=\"sla.remote.on_site\" value=\"72\""),
            "{page}"
        );
        let form = |on_site: &str, tz: &str| {
            vec![
                ("_csrf", csrf.clone()),
                ("sla.urban.first_response", "30".into()),
                ("sla.urban.on_site", on_site.to_string()),
                ("sla.urban.completion", "72".into()),
                ("sla.township.first_response", "30".into()),
                ("sla.township.on_site", "48".into()),
                ("sla.township.completion", "96".into()),
                ("sla.remote.first_response", "30".into()),
                ("sla.remote.on_site", "72".into()),
                ("sla.remote.completion", "120".into()),
                ("sla.at_risk_percent", "80".into()),
                ("accept_timeout_minutes", "30".into()),
                ("repeat_window.days", "90".into()),
                ("time_zone", tz.to_string()),
            ]
        };
        let r = c
            .post(url("/admin/sla"))
            .form(&form("abc", "Mars/Olympus"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let page = r.text().await.unwrap();
        assert!(
            page.contains("data-field=\"sla.urban.on_site\"")
                && page.contains("data-field=\"time_zone\""),
            "{page}"
        );
        assert!(page.contains("不是有效的小时数"), "{page}");
        assert!(page.contains("value=\"abc\""), "what was typed is kept");
        assert_eq!(s.app.sla_settings(&Actor::Cli).await.unwrap(), saved);
        let r = c
            .post(url("/admin/sla"))
            .form(&form("1.5", "Asia/Urumqi"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{label}");
        let now = s.app.sla_settings(&Actor::Cli).await.unwrap();
        assert_eq!(now.ticket.sla.urban.on_site_minutes, 90);
        assert_eq!(now.time_zone, "Asia/Urumqi");
        let page = c
            .get(url("/admin/sla"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("name=\"sla.urban.on_site\" value=\"1.5\""),
            "{page}"
        );
    }
}
