//! The stock ledger through the real HTTP server on a random port, on SQLite and (when
//! `AFTERCARE_TEST_POSTGRES_URL` is set) PostgreSQL: the last-unit race, Idempotency-Key
//! retries, tenant scope, and the read endpoints.

mod common {
    pub mod server;
    pub mod stock_fixture;
}

use aftercare_store::testing::{TestDb, each_backend};
use common::server::{Server, get, post, start};
use common::stock_fixture::{Fixture, seed, stock_in};
use reqwest::StatusCode;
use serde_json::json;

async fn world(db: TestDb) -> (Server, Fixture) {
    let s = start(db).await;
    let f = seed(&s.app, 3).await;
    (s, f)
}

async fn verify_clean(c: &reqwest::Client, s: &Server, f: &Fixture) {
    let (st, v) = get(c, s, &f.wh_token, "/api/v1/stock/verify").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["ok"], true, "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_clients_racing_for_the_last_unit_exactly_one_wins() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let (s, f) = world(db).await;
        let part = f.parts[0];
        stock_in(&s.app, &f, f.central, &[part], 1).await;
        let s = std::sync::Arc::new(s);
        let mut tasks = Vec::new();
        for i in 0..64 {
            let s = s.clone();
            let token = f.wh_token.clone();
            let body = json!({"warehouse_id": f.central.get(), "part_id": part.get(), "qty": 1, "ticket_id": 1000 + i});
            tasks.push(tokio::spawn(async move {
                // One client (own connection) per racer.
                let c = reqwest::Client::new();
                post(
                    &c,
                    &s,
                    &token,
                    "/api/v1/stock/issues",
                    Some(&format!("race-{i}")),
                    body,
                )
                .await
            }));
        }
        let mut won = 0;
        let mut refused = 0;
        for t in tasks {
            let (st, v) = t.await.unwrap();
            match st {
                StatusCode::CREATED => won += 1,
                StatusCode::CONFLICT => {
                    assert_eq!(v["error"]["code"], "stock.insufficient", "{v}");
                    assert_eq!(v["error"]["details"]["available"], 0, "{v}");
                    assert_eq!(v["error"]["details"]["requested"], 1, "{v}");
                    refused += 1;
                }
                other => panic!("{label}: unexpected {other}: {v}"),
            }
        }
        assert_eq!((won, refused), (1, 63), "{label}");
        let c = reqwest::Client::new();
        let (_, rows) = get(
            &c,
            &s,
            &f.wh_token,
            &format!("/api/v1/stock?part_id={}", part.get()),
        )
        .await;
        assert_eq!(
            rows.as_array().unwrap().len(),
            0,
            "{label}: stock left: {rows}"
        );
        let (_, mv) = get(
            &c,
            &s,
            &f.wh_token,
            &format!("/api/v1/stock/movements?kind=issue&part_id={}", part.get()),
        )
        .await;
        assert_eq!(mv.as_array().unwrap().len(), 1, "{label}");
        verify_clean(&c, &s, &f).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_retried_idempotency_key_returns_the_first_result_and_applies_nothing_twice() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let (s, f) = world(db).await;
        let part = f.parts[1];
        stock_in(&s.app, &f, f.central, &[part], 10).await;
        let c = reqwest::Client::new();
        let body = json!({"warehouse_id": f.central.get(), "part_id": part.get(), "qty": 3, "ticket_id": 7});
        let (st1, first) = post(
            &c,
            &s,
            &f.wh_token,
            "/api/v1/stock/issues",
            Some("k-1"),
            body.clone(),
        )
        .await;
        assert_eq!(st1, StatusCode::CREATED, "{label}: {first}");
        assert_eq!(first["replayed"], false);
        let (st2, again) = post(
            &c,
            &s,
            &f.wh_token,
            "/api/v1/stock/issues",
            Some("k-1"),
            body.clone(),
        )
        .await;
        assert_eq!(st2, StatusCode::OK, "{label}: {again}");
        assert_eq!(again["replayed"], true);
        assert_eq!(again["movements"], first["movements"]);
        // Sixteen concurrent retries of a new key: applied once.
        let s = std::sync::Arc::new(s);
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let (s, token, body) = (s.clone(), f.wh_token.clone(), body.clone());
            tasks.push(tokio::spawn(async move {
                let c = reqwest::Client::new();
                post(&c, &s, &token, "/api/v1/stock/issues", Some("k-2"), body).await
            }));
        }
        let mut created = 0;
        let mut movement_sets = Vec::new();
        for t in tasks {
            let (st, v) = t.await.unwrap();
            assert!(
                st == StatusCode::CREATED || st == StatusCode::OK,
                "{label}: {st} {v}"
            );
            created += usize::from(st == StatusCode::CREATED);
            movement_sets.push(v["movements"].clone());
        }
        assert_eq!(created, 1, "{label}");
        assert!(movement_sets.windows(2).all(|w| w[0] == w[1]), "{label}");
        // Same key, different command: refused, nothing applied.
        let other = json!({"warehouse_id": f.central.get(), "part_id": part.get(), "qty": 1, "ticket_id": 8});
        let (st3, v) = post(
            &c,
            &s,
            &f.wh_token,
            "/api/v1/stock/issues",
            Some("k-1"),
            other,
        )
        .await;
        assert_eq!(st3, StatusCode::CONFLICT, "{label}: {v}");
        assert_eq!(v["error"]["code"], "stock.idempotency_key_reused");
        let (_, rows) = get(
            &c,
            &s,
            &f.wh_token,
            &format!("/api/v1/stock?part_id={}", part.get()),
        )
        .await;
        assert_eq!(rows[0]["qty"], 4, "{label}: 10 - 3 - 3 = 4, got {rows}");
        assert_eq!(rows[0]["value"], 40_000);
        verify_clean(&c, &s, &f).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn station_users_see_and_move_only_their_own_warehouse() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let (s, f) = world(db).await;
        let part = f.parts[2];
        stock_in(&s.app, &f, f.wa, &[part], 5).await;
        stock_in(&s.app, &f, f.wb, &[part], 5).await;
        let c = reqwest::Client::new();
        // Station A sees its own stock only.
        let (st, rows) = get(&c, &s, &f.sta_token, "/api/v1/stock").await;
        assert_eq!(st, StatusCode::OK);
        let rows = rows.as_array().unwrap().clone();
        assert_eq!(rows.len(), 1, "{label}: {rows:?}");
        assert_eq!(rows[0]["warehouse_id"], f.wa.get());
        // Station B's warehouse does not exist for station A.
        let (st, v) = get(
            &c,
            &s,
            &f.sta_token,
            &format!("/api/v1/stock?warehouse_id={}", f.wb.get()),
        )
        .await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{label}: {v}");
        let (st, v) = get(
            &c,
            &s,
            &f.sta_token,
            &format!("/api/v1/stock/movements?warehouse_id={}", f.wb.get()),
        )
        .await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{label}: {v}");
        let issue_b =
            json!({"warehouse_id": f.wb.get(), "part_id": part.get(), "qty": 1, "ticket_id": 1});
        let (st, v) = post(
            &c,
            &s,
            &f.sta_token,
            "/api/v1/stock/issues",
            Some("a-steals"),
            issue_b,
        )
        .await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{label}: {v}");
        // Nor can it ship B's stock to itself.
        let ship = json!({"op": "ship_transfer", "from": f.wb.get(), "to": f.wa.get(), "eta": 1_900_000_000_000i64,
            "lines": [{"part": part.get(), "condition": "good", "qty": 1}]});
        let (st, v) = post(
            &c,
            &s,
            &f.sta_token,
            "/api/v1/stock/commands",
            Some("a-ship"),
            ship,
        )
        .await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{label}: {v}");
        // Its own warehouse works (for a requisition: there are no tickets in this world, and
        // a station may book stock only to tickets it holds).
        let issue_a = json!({"warehouse_id": f.wa.get(), "part_id": part.get(), "qty": 1, "requisition_id": 1});
        let (st, v) = post(
            &c,
            &s,
            &f.sta_token,
            "/api/v1/stock/issues",
            Some("a-own"),
            issue_a,
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{label}: {v}");
        // HQ-only commands are forbidden to stations; verify is for HQ stock roles.
        let po = json!({"op": "place_purchase_order", "supplier": f.supplier.get(), "lines": [[part.get(), 1]]});
        let (st, _) = post(&c, &s, &f.sta_token, "/api/v1/stock/commands", None, po).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{label}");
        let (st, _) = get(&c, &s, &f.sta_token, "/api/v1/stock/verify").await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{label}");
        // B's stock is untouched.
        let (_, rows) = get(&c, &s, &f.stb_token, "/api/v1/stock").await;
        assert_eq!(rows[0]["qty"], 5, "{label}: {rows}");
        verify_clean(&c, &s, &f).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfers_show_in_transit_until_received_and_a_shortfall_is_a_discrepancy() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let (s, f) = world(db).await;
        let part = f.parts[0];
        stock_in(&s.app, &f, f.central, &[part], 10).await;
        let c = reqwest::Client::new();
        let eta = s.app.stock_now().0 + 86_400_000;
        let ship = json!({"op": "ship_transfer", "from": f.central.get(), "to": f.wa.get(), "eta": eta,
            "lines": [{"part": part.get(), "condition": "good", "qty": 4}]});
        let (st, v) = post(
            &c,
            &s,
            &f.wh_token,
            "/api/v1/stock/commands",
            Some("ship-1"),
            ship,
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{label}: {v}");
        let transfer = v["created"]["id"].as_i64().unwrap();
        let (_, transit) = get(&c, &s, &f.sta_token, "/api/v1/stock/in-transit").await;
        assert_eq!(transit[0]["qty"], 4, "{label}: {transit}");
        assert_eq!(transit[0]["overdue"], false);
        assert_eq!(transit[0]["eta"], eta);
        let receive = json!({"op": "receive_transfer", "transfer": transfer,
            "lines": [{"part": part.get(), "condition": "good", "qty": 3}], "close": true});
        let (st, v) = post(
            &c,
            &s,
            &f.sta_token,
            "/api/v1/stock/commands",
            Some("recv-1"),
            receive,
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{label}: {v}");
        assert_eq!(v["discrepancies"][0]["qty"], 1, "{label}: {v}");
        let (_, transit) = get(&c, &s, &f.wh_token, "/api/v1/stock/in-transit").await;
        assert_eq!(transit.as_array().unwrap().len(), 0, "{label}");
        let (_, rows) = get(&c, &s, &f.sta_token, "/api/v1/stock").await;
        assert_eq!(rows[0]["qty"], 3, "{label}");
        verify_clean(&c, &s, &f).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approvals_take_the_callers_role_not_the_one_in_the_body() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let (s, f) = world(db).await;
        let part = f.parts[0];
        stock_in(&s.app, &f, f.central, &[part], 100).await;
        let c = reqwest::Client::new();
        // 60 units is above the default limit of 50: the warehouse keeper needs a manager.
        let big = json!({"warehouse_id": f.central.get(), "part_id": part.get(), "qty": 60, "ticket_id": 5});
        let (st, v) = post(
            &c,
            &s,
            &f.wh_token,
            "/api/v1/stock/issues",
            None,
            big.clone(),
        )
        .await;
        // Queued for a manager instead of applied.
        assert_eq!(st, StatusCode::ACCEPTED, "{label}: {v}");
        assert_eq!(v["status"], "pending");
        // Claiming a manager's approval in the body changes nothing: queued as well.
        let claimed = json!({"op": "issue", "warehouse": f.central.get(), "part": part.get(), "qty": 60,
            "consumer": {"kind": "ticket", "id": 5}, "reservation": null, "approved_by": "manager"});
        let (st, v) = post(&c, &s, &f.wh_token, "/api/v1/stock/commands", None, claimed).await;
        assert_eq!(st, StatusCode::ACCEPTED, "{label}: {v}");
        let (_, rows) = get(&c, &s, &f.wh_token, "/api/v1/stock").await;
        assert_eq!(rows[0]["qty"], 100, "{label}: nothing moved: {rows}");
        let (st, v) = post(&c, &s, &f.mgr_token, "/api/v1/stock/issues", None, big).await;
        assert_eq!(st, StatusCode::CREATED, "{label}: {v}");
        // Scrap: requested by the keeper, not approvable by the keeper, approved by the manager.
        let req = json!({"op": "request_scrap", "warehouse": f.central.get(), "part": part.get(),
            "condition": "good", "qty": 2, "reason": "obsolete"});
        let (st, v) = post(&c, &s, &f.wh_token, "/api/v1/stock/commands", None, req).await;
        assert_eq!(st, StatusCode::CREATED, "{label}: {v}");
        let request = v["created"]["id"].as_i64().unwrap();
        let decide =
            json!({"op": "decide_scrap", "request": request, "approve": true, "by": "manager"});
        let (st, v) = post(
            &c,
            &s,
            &f.wh_token,
            "/api/v1/stock/commands",
            None,
            decide.clone(),
        )
        .await;
        assert_eq!(st, StatusCode::CONFLICT, "{label}: {v}");
        assert_eq!(v["error"]["code"], "stock.scrap");
        let (st, v) = post(&c, &s, &f.mgr_token, "/api/v1/stock/commands", None, decide).await;
        assert_eq!(st, StatusCode::CREATED, "{label}: {v}");
        let (_, rows) = get(
            &c,
            &s,
            &f.wh_token,
            &format!("/api/v1/stock?part_id={}&condition=scrap", part.get()),
        )
        .await;
        assert_eq!(rows[0]["qty"], 2, "{label}: {rows}");
        verify_clean(&c, &s, &f).await;
    }
}

#[tokio::test]
async fn the_movement_list_filters_by_the_companys_days_to_the_last_day_given() {
    for db in each_backend().await.unwrap() {
        let label = db.label;
        let (s, f) = world(db).await;
        stock_in(&s.app, &f, f.central, &f.parts, 5).await;
        let c = reqwest::Client::new();
        // Dates are the company's days, as the rows show their times, and `to` is the last
        // day shown: the first movement's day lists it, the day after does not.
        let rows_of = |query: String| {
            let req = c
                .get(format!(
                    "{}/stock/movements/export?format=csv{query}",
                    s.base
                ))
                .bearer_auth(&f.wh_token);
            async move {
                let r = req.send().await.unwrap();
                assert_eq!(r.status(), StatusCode::OK);
                let text = r.text().await.unwrap();
                text.lines().skip(1).map(str::to_string).collect::<Vec<_>>()
            }
        };
        let all = rows_of(String::new()).await;
        let first = all.first().expect("movements").clone();
        let at = first.split(',').nth(1).unwrap();
        let day: chrono::NaiveDate = at[..10].parse().unwrap();
        let on_day = rows_of(format!("&from={day}&to={day}")).await;
        assert!(on_day.contains(&first), "{label}: {at} not on {day}");
        assert!(
            on_day
                .iter()
                .all(|r| r.split(',').nth(1).unwrap().starts_with(&day.to_string())),
            "{label}: {on_day:?}"
        );
        let next = day + chrono::Days::new(1);
        let after = rows_of(format!("&from={next}&to={next}")).await;
        assert!(!after.contains(&first), "{label}");
    }
}
