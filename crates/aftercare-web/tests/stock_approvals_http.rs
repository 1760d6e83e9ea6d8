//! The approval queue and the typed stock endpoints through the real HTTP server, on SQLite
//! and (when `AFTERCARE_TEST_POSTGRES_URL` is set) PostgreSQL.

mod common {
    pub mod server;
    pub mod stock_fixture;
}

use aftercare_store::testing::each_backend;
use common::server::{get, post, start};
use common::stock_fixture::{seed, stock_in};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_issue_is_approved_once_by_a_manager_over_http() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let s = start(db).await;
        let f = seed(&s.app, 2).await;
        let part = f.parts[0];
        stock_in(&s.app, &f, f.central, &[part], 100).await;
        stock_in(&s.app, &f, f.wa, &[part], 100).await;
        let c = reqwest::Client::new();
        let big = json!({"warehouse": f.central.get(), "part": part.get(), "qty": 60,
            "consumer": {"kind": "ticket", "id": 5}});
        let (st, v) = post(
            &c,
            &s,
            &f.wh_token,
            "/api/v1/stock/issues",
            Some("q-1"),
            big.clone(),
        )
        .await;
        assert_eq!(st, StatusCode::ACCEPTED, "{label}: {v}");
        assert_eq!(v["status"], "pending");
        let id = v["approval_id"].as_i64().unwrap();
        assert_eq!(v["approval"]["qty"], 60);
        assert_eq!(v["approval"]["value"], 600_000);
        assert_eq!(v["approval"]["reason"]["kind"], "qty_above");
        assert_eq!(v["approval"]["requested_by"], "wh");
        // The retry with the same key finds the same request.
        let (st, v) = post(
            &c,
            &s,
            &f.wh_token,
            "/api/v1/stock/issues",
            Some("q-1"),
            big,
        )
        .await;
        assert_eq!(st, StatusCode::ACCEPTED, "{label}: {v}");
        assert_eq!(
            (v["approval_id"].as_i64(), v["replayed"].as_bool()),
            (Some(id), Some(true))
        );
        // Station B neither sees nor decides it; the keeper may not decide it.
        let path = format!("/api/v1/stock/approvals/{id}");
        let (st, _) = get(&c, &s, &f.stb_token, &path).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{label}");
        let (_, list) = get(&c, &s, &f.stb_token, "/api/v1/stock/approvals").await;
        assert_eq!(list.as_array().unwrap().len(), 0, "{label}: {list}");
        for token in [&f.wh_token, &f.stb_token] {
            let (st, v) = post(&c, &s, token, &format!("{path}/approve"), None, json!({})).await;
            assert_eq!(st, StatusCode::FORBIDDEN, "{label}: {v}");
        }
        // A rejection needs a reason.
        let (st, v) = post(
            &c,
            &s,
            &f.mgr_token,
            &format!("{path}/reject"),
            None,
            json!({"reason": ""}),
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{label}: {v}");
        // Approved: issued now (201), approved again: the first result (200), one movement.
        let (st, v) = post(
            &c,
            &s,
            &f.mgr_token,
            &format!("{path}/approve"),
            None,
            json!({}),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{label}: {v}");
        assert_eq!(v["approval"]["status"], "approved");
        let movements = v["result"]["movements"].clone();
        assert_eq!(movements.as_array().unwrap().len(), 1, "{label}: {v}");
        let (st, v) = post(
            &c,
            &s,
            &f.mgr_token,
            &format!("{path}/approve"),
            None,
            json!({}),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{label}: {v}");
        assert_eq!(v["result"]["movements"], movements);
        assert_eq!(v["result"]["replayed"], true);
        let (_, issues) = get(
            &c,
            &s,
            &f.wh_token,
            &format!("/api/v1/stock/movements?kind=issue&part_id={}", part.get()),
        )
        .await;
        assert_eq!(issues.as_array().unwrap().len(), 1, "{label}: {issues}");

        // A station's own request: it sees it, station B does not, the manager rejects it.
        let (st, v) = post(
            &c,
            &s,
            &f.sta_token,
            "/api/v1/stock/commands",
            None,
            json!({"op": "issue", "warehouse": f.wa.get(), "part": part.get(), "qty": 70,
                "consumer": {"kind": "requisition", "id": 3}, "reservation": null}),
        )
        .await;
        assert_eq!(st, StatusCode::ACCEPTED, "{label}: {v}");
        let sid = v["approval_id"].as_i64().unwrap();
        let (_, mine) = get(
            &c,
            &s,
            &f.sta_token,
            "/api/v1/stock/approvals?status=pending",
        )
        .await;
        assert_eq!(mine.as_array().unwrap().len(), 1, "{label}: {mine}");
        assert_eq!(mine[0]["id"], sid);
        // The queue page names what the parts go to in words.
        let html = c
            .get(format!("{}/stock/approvals", s.base))
            .bearer_auth(&f.mgr_token)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("<td>领用单 #3</td>"), "{label}: {html}");
        let (st, _) = get(
            &c,
            &s,
            &f.stb_token,
            &format!("/api/v1/stock/approvals/{sid}"),
        )
        .await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{label}");
        let (st, v) = post(
            &c,
            &s,
            &f.mgr_token,
            &format!("/api/v1/stock/approvals/{sid}/reject"),
            None,
            json!({"reason": "use the central stock"}),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{label}: {v}");
        assert_eq!(v["status"], "rejected");
        assert_eq!(v["decision_note"], "use the central stock");
        let (st, v) = post(
            &c,
            &s,
            &f.mgr_token,
            &format!("/api/v1/stock/approvals/{sid}/approve"),
            None,
            json!({}),
        )
        .await;
        assert_eq!(st, StatusCode::CONFLICT, "{label}: {v}");
        assert_eq!(v["error"]["code"], "stock.approval_decided");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_endpoints_run_the_same_commands() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let s = start(db).await;
        let f = seed(&s.app, 2).await;
        let part = f.parts[1];
        let c = reqwest::Client::new();
        let (st, v) = post(
            &c,
            &s,
            &f.wh_token,
            "/api/v1/stock/purchase-orders",
            None,
            json!({"supplier": f.supplier.get(), "lines": [[part.get(), 10]]}),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{label}: {v}");
        let order = v["created"]["id"].as_i64().unwrap();
        let receipt =
            json!({"order": order, "warehouse": f.central.get(), "part": part.get(), "qty": 10});
        let (st, v) = post(
            &c,
            &s,
            &f.wh_token,
            "/api/v1/stock/receipts",
            Some("rc-1"),
            receipt.clone(),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{label}: {v}");
        let lot = v["created"]["id"].as_i64().unwrap();
        // Idempotency-Key works on the typed endpoints too.
        let (st, v) = post(
            &c,
            &s,
            &f.wh_token,
            "/api/v1/stock/receipts",
            Some("rc-1"),
            receipt,
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{label}: {v}");
        assert_eq!(v["replayed"], true);
        let (st, v) = post(
            &c,
            &s,
            &f.wh_token,
            "/api/v1/stock/inspections",
            None,
            json!({"warehouse": f.central.get(), "lot": lot, "accept": 10, "reject": 0}),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{label}: {v}");
        let (st, v) = post(
            &c,
            &s,
            &f.wh_token,
            "/api/v1/stock/transfers",
            None,
            json!({"from": f.central.get(), "to": f.wa.get(), "eta": 1_900_000_000_000i64,
                "lines": [{"part": part.get(), "condition": "good", "qty": 4}]}),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{label}: {v}");
        let transfer = v["created"]["id"].as_i64().unwrap();
        // Station B may not receive station A's transfer; station A may, id from the path.
        let recv = json!({"lines": [{"part": part.get(), "condition": "good", "qty": 4}]});
        let path = format!("/api/v1/stock/transfers/{transfer}/receive");
        let (st, _) = post(&c, &s, &f.stb_token, &path, None, recv.clone()).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{label}");
        let (st, v) = post(&c, &s, &f.sta_token, &path, None, recv).await;
        assert_eq!(st, StatusCode::CREATED, "{label}: {v}");
        let (st, v) = post(
            &c,
            &s,
            &f.sta_token,
            "/api/v1/stock/issues",
            None,
            json!({"warehouse": f.wa.get(), "part": part.get(), "qty": 1,
                "consumer": {"kind": "requisition", "id": 77}}),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{label}: {v}");
        // Scrap request by the keeper, decided by the manager through the path id.
        let (st, v) = post(
            &c,
            &s,
            &f.wh_token,
            "/api/v1/stock/scraps",
            None,
            json!({"warehouse": f.central.get(), "part": part.get(), "condition": "good",
                "qty": 1, "reason": "obsolete"}),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{label}: {v}");
        let request = v["created"]["id"].as_i64().unwrap();
        let path = format!("/api/v1/stock/scraps/{request}/decision");
        let (st, v) = post(&c, &s, &f.wh_token, &path, None, json!({"approve": true})).await;
        assert_eq!(st, StatusCode::CONFLICT, "{label}: {v}");
        let (st, v) = post(&c, &s, &f.mgr_token, &path, None, json!({"approve": true})).await;
        assert_eq!(st, StatusCode::CREATED, "{label}: {v}");
        // A malformed body names what is wrong and changes nothing.
        let (st, v) = post(
            &c,
            &s,
            &f.wh_token,
            "/api/v1/stock/receipts",
            None,
            json!({"order": order, "warehouse": f.central.get(), "qty": 1}),
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{label}: {v}");
        assert!(v.to_string().contains("part"), "{label}: {v}");
        // The generic endpoint still works.
        let (st, v) = post(
            &c,
            &s,
            &f.wh_token,
            "/api/v1/stock/commands",
            None,
            json!({"op": "dispose", "warehouse": f.central.get(), "part": part.get(), "qty": 1}),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{label}: {v}");
        let (_, rows) = get(
            &c,
            &s,
            &f.wh_token,
            &format!("/api/v1/stock?part_id={}", part.get()),
        )
        .await;
        let qty = |w: i64| {
            rows.as_array()
                .unwrap()
                .iter()
                .filter(|r| r["warehouse_id"] == w && r["condition"] == "good")
                .map(|r| r["qty"].as_i64().unwrap())
                .sum::<i64>()
        };
        assert_eq!(
            (qty(f.central.get()), qty(f.wa.get())),
            (5, 3),
            "{label}: {rows}"
        );
        let (_, v) = get(&c, &s, &f.wh_token, "/api/v1/stock/verify").await;
        assert_eq!(v["ok"], true, "{label}: {v}");
        // Aged stock: all just received, so all 0-90 days; station A sees only its own.
        let (st, v) = get(&c, &s, &f.sta_token, "/api/v1/stock/aging").await;
        assert_eq!(st, StatusCode::OK, "{label}: {v}");
        assert_eq!(v.as_array().unwrap().len(), 1, "{label}: {v}");
        assert_eq!(v[0]["warehouse_id"], f.wa.get());
        assert_eq!(v[0]["buckets"][0]["label"], "0-90");
        assert_eq!(v[0]["buckets"][0]["qty"], 3, "{label}: {v}");
        assert_eq!(v[0]["buckets"][0]["value"], 30_000, "{label}: {v}");
        assert_eq!(v[0]["buckets"][3]["qty"], 0, "{label}: {v}");
        let (st, _) = get(
            &c,
            &s,
            &f.stb_token,
            &format!("/api/v1/stock/aging?warehouse_id={}", f.wa.get()),
        )
        .await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{label}");
    }
}
