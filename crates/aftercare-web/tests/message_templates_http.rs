//! The customer message template API and pages through the real HTTP server (SQLite, and
//! PostgreSQL when `AFTERCARE_TEST_POSTGRES_URL` is set): admins only, a bad placeholder
//! refused (422 naming it, the page showing it beside the text) with nothing saved, the
//! version check (409), preview and reset.

mod common {
    pub mod server;
}

use aftercare_app::Actor;
use aftercare_store::testing::each_backend;
use common::server::{admin_and_agent as people, get, login, post, put, start};
use reqwest::StatusCode;
use serde_json::{Value, json};

const BASE: &str = "/api/v1/admin/message-templates";

#[tokio::test]
async fn the_template_api_saves_checks_previews_and_resets_for_admins_only() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let s = start(db).await;
        let (admin, agent) = people(&s).await;
        let c = reqwest::Client::new();
        let completed_en = format!("{BASE}/ticket.completed/en");

        let (st, _) = get(&c, &s, &agent, BASE).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{label}");
        let (st, list) = get(&c, &s, &admin, BASE).await;
        assert_eq!(st, StatusCode::OK, "{label}");
        assert_eq!(list["templates"].as_array().unwrap().len(), 6);
        assert!(
            list["placeholders"]
                .as_array()
                .unwrap()
                .contains(&json!("station_phone"))
        );
        let before = list["templates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["event"] == "ticket.completed" && t["lang"] == "en")
            .unwrap()
            .clone();
        assert_eq!(before["is_default"], true);

        // A bad placeholder: 422 naming it and where, nothing saved.
        let (st, e) = put(
            &c,
            &s,
            &admin,
            &completed_en,
            json!({"body": "Done {ticket_no}", "version": 0}),
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{label}: {e}");
        assert_eq!(e["error"]["code"], "invalid");
        let f = &e["error"]["details"]["fields"][0];
        assert_eq!(f["field"], "body");
        assert!(
            f["reason"]
                .as_str()
                .unwrap()
                .starts_with("unknown placeholder {ticket_no} at character 6"),
            "{e}"
        );
        let (st, _) = put(
            &c,
            &s,
            &agent,
            &completed_en,
            json!({"body": "x", "version": 0}),
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (_, list) = get(&c, &s, &admin, BASE).await;
        assert!(list["templates"].as_array().unwrap().contains(&before));

        // Saved; a second save from the same old version is stale (409).
        let (st, saved) = put(
            &c,
            &s,
            &admin,
            &completed_en,
            json!({"body": "Done: {ticket_number}, {customer_name}", "version": 0}),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{label}: {saved}");
        assert_eq!(saved["version"], 1);
        assert_eq!(saved["is_default"], false);
        let (st, e) = put(
            &c,
            &s,
            &admin,
            &completed_en,
            json!({"body": "Other {ticket_number}", "version": 0}),
        )
        .await;
        assert_eq!(st, StatusCode::CONFLICT, "{label}");
        assert_eq!(e["error"]["code"], "message_template.stale");
        let (st, _) = put(
            &c,
            &s,
            &admin,
            &format!("{BASE}/ticket.created/en"),
            json!({"body": "{ticket_number}", "version": 0}),
        )
        .await;
        assert_eq!(st, StatusCode::NOT_FOUND);

        // Preview: the text in force and a draft, with the sample ticket; a bad draft 422.
        let preview = format!("{BASE}/preview");
        let (st, p) = post(
            &c,
            &s,
            &admin,
            &preview,
            None,
            json!({"event": "ticket.completed", "lang": "en"}),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{label}: {p}");
        assert_eq!(p["text"], "Done: T20261122-000123, Zhang San");
        let (_, p) = post(
            &c,
            &s,
            &admin,
            &preview,
            None,
            json!({"event": "ticket.callback_done", "lang": "zh-CN", "body": "{technician}{{ok}}"}),
        )
        .await;
        assert_eq!(p["text"], "李师傅{ok}");
        let (st, _) = post(
            &c,
            &s,
            &admin,
            &preview,
            None,
            json!({"event": "ticket.completed", "lang": "en", "body": "a } b"}),
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        let (st, _) = post(
            &c,
            &s,
            &agent,
            &preview,
            None,
            json!({"event": "ticket.completed", "lang": "en"}),
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN);

        // Reset: a stale version 409; without a body it resets whatever is saved.
        let reset = format!("{completed_en}/reset");
        let (st, _) = post(&c, &s, &admin, &reset, None, json!({"version": 0})).await;
        assert_eq!(st, StatusCode::CONFLICT, "{label}");
        let r = c
            .post(format!("{}{reset}", s.base))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{label}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["is_default"], true);
        assert_eq!(v["body"], before["body"]);
        assert_eq!(v["version"], 2);
    }
}

#[tokio::test]
async fn the_template_pages_edit_preview_and_reset_and_refuse_a_bad_placeholder() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let s = start(db).await;
        people(&s).await;
        let url = |p: &str| format!("{}{p}", s.base);
        let (ac, _) = login(&s, "agent").await;
        let r = ac.get(url("/admin/templates")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{label}");

        let (c, csrf) = login(&s, "admin").await;
        let r = c.get(url("/admin/templates")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{label}");
        let page = r.text().await.unwrap();
        assert!(page.contains("href=\"/admin/templates\""), "nav link");
        assert!(
            page.contains("客户消息模板") && page.contains("回访完成"),
            "{page}"
        );
        assert!(
            page.contains("【售后服务】您的工单 {ticket_number} 已完工"),
            "the built-in zh text: {page}"
        );

        // The editor lists the placeholders and previews the text in force.
        let edit = "/admin/templates/ticket.completed/zh-CN";
        let page = c.get(url(edit)).send().await.unwrap().text().await.unwrap();
        assert!(
            page.contains("{station_phone}") && page.contains("服务网点电话"),
            "{page}"
        );
        assert!(
            page.contains("【售后服务】您的工单 T20261122-000123 已完工"),
            "preview of the sample: {page}"
        );

        // A bad placeholder: 422, the reason beside the text, the text kept, nothing saved.
        let r = c
            .post(url(edit))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("version", "0"),
                ("body", "工单 {ticket_no} 已完工"),
                ("ticket_number", ""),
                ("op", "save"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let page = r.text().await.unwrap();
        assert!(page.contains("data-field=\"body\""), "{page}");
        assert!(
            page.contains("第 4 个字符处的占位符 {ticket_no} 不存在"),
            "{page}"
        );
        assert!(
            page.contains(">工单 {ticket_no} 已完工</textarea>"),
            "{page}"
        );
        let t = s
            .app
            .message_template(&Actor::Cli, "ticket.completed", "zh-CN")
            .await
            .unwrap();
        assert!(t.is_default && t.version == 0, "{label}: nothing saved");

        // Preview a draft (nothing saved), then save it.
        let draft = "{customer_name}您好，工单 {ticket_number} 已完工。网点电话 {station_phone}";
        let r = c
            .post(url(edit))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("version", "0"),
                ("body", draft),
                ("ticket_number", ""),
                ("op", "preview"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{label}");
        let page = r.text().await.unwrap();
        assert!(
            page.contains("张三您好，工单 T20261122-000123 已完工。网点电话 028-8888-6666"),
            "{page}"
        );
        assert!(
            s.app
                .message_template(&Actor::Cli, "ticket.completed", "zh-CN")
                .await
                .unwrap()
                .is_default
        );
        let r = c
            .post(url(edit))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("version", "0"),
                ("body", draft),
                ("op", "save"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{label}");
        let page = c
            .get(url("/admin/templates?ok=saved"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("模板已保存") && page.contains(draft),
            "{page}"
        );
        assert!(
            page.contains("恢复默认"),
            "a reset button for the saved one"
        );

        // A save from the stale form is refused (409) and keeps the saved text.
        let r = c
            .post(url(edit))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("version", "0"),
                ("body", "{ticket_number}"),
                ("op", "save"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CONFLICT, "{label}");

        // Reset from the list page.
        let r = c
            .post(url("/admin/templates/ticket.completed/zh-CN/reset"))
            .form(&[("_csrf", csrf.as_str()), ("version", "1")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{label}");
        let t = s
            .app
            .message_template(&Actor::Cli, "ticket.completed", "zh-CN")
            .await
            .unwrap();
        assert!(t.is_default && t.version == 2, "{label}: {t:?}");
    }
}
