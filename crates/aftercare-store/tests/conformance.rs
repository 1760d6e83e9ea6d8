//! The store's conformance story: every store function on SQLite, and on PostgreSQL when
//! `AFTERCARE_TEST_POSTGRES_URL` is set. Each test gets its own fresh database.

use aftercare_domain::org::{RegionLevel, Tier, WarehouseKind};
use aftercare_domain::settings::{CompanySettings, Lang};
use aftercare_domain::{Instant, Role, StationId, UserId};
use aftercare_store::org::{Coded, NewRegion, NewStation, NewWarehouse};
use aftercare_store::testing::{
    POSTGRES_ENV, each_backend, each_backend_at, fresh_postgres, fresh_sqlite,
};
use aftercare_store::users::NewUser;
use aftercare_store::{
    Db, StoreError, audit, org, planning, schema, sessions, settings, tokens, users,
};

const NOW: Instant = Instant(1_763_800_000_000);

fn new_user(login: &str, role: Role, station: Option<StationId>) -> NewUser {
    NewUser {
        login: login.into(),
        display_name: format!("{login} 用户"),
        role,
        station_id: station,
        technician_id: None,
        brand_id: None,
        password_hash: "$argon2id$fake".into(),
    }
}

async fn seed_station(db: &Db) -> StationId {
    let mut tx = db.begin_write().await.unwrap();
    let region = org::insert_region(
        &mut tx,
        &NewRegion {
            parent_id: None,
            code: "510100".into(),
            name_zh: "成都市".into(),
            name_en: "Chengdu".into(),
            level: RegionLevel::City,
            tier: Tier::Urban,
        },
    )
    .await
    .unwrap();
    let line = org::insert_product_line(&mut tx, "TV", "电视", "TV")
        .await
        .unwrap();
    let station = org::insert_station(
        &mut tx,
        &NewStation {
            code: "ST-1".into(),
            name: "成都锦江家电维修服务部".into(),
            region_id: region,
            address: "锦江区 1 号".into(),
            phone: "028-12345678".into(),
            contact: "王师傅".into(),
            capacity: 30,
            score: 88,
            active: true,
            coverage: vec![region],
            product_lines: vec![line],
        },
        NOW,
    )
    .await
    .unwrap();
    let central = org::insert_warehouse(
        &mut tx,
        &NewWarehouse {
            code: "WH-C".into(),
            name: "总库".into(),
            kind: WarehouseKind::Central,
            parent_id: None,
            region_id: Some(region),
            station_id: None,
            address: "x".into(),
            after_sales: true,
            active: true,
        },
    )
    .await
    .unwrap();
    org::insert_warehouse(
        &mut tx,
        &NewWarehouse {
            code: "WH-ST-1".into(),
            name: "网点库".into(),
            kind: WarehouseKind::Station,
            parent_id: Some(central),
            region_id: Some(region),
            station_id: Some(station),
            address: "y".into(),
            after_sales: true,
            active: true,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    station
}

#[tokio::test]
async fn users_are_created_found_and_logins_are_unique() {
    for t in each_backend().await.unwrap() {
        let db = &t.db;
        let station = seed_station(db).await;
        let mut tx = db.begin_write().await.unwrap();
        let id = users::insert(
            &mut tx,
            &new_user("alice", Role::Station, Some(station)),
            NOW,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let (u, hash) = users::find_with_hash(db, "alice").await.unwrap().unwrap();
        assert_eq!(u.id, id, "{}", t.label);
        assert_eq!(u.role, Role::Station);
        assert_eq!(u.station_id, Some(station));
        assert_eq!(hash, "$argon2id$fake");
        assert!(u.active);

        let mut tx = db.begin_write().await.unwrap();
        let err = users::insert(&mut tx, &new_user("alice", Role::Agent, None), NOW)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict(ref m) if m.contains("alice")),
            "{}: {err}",
            t.label
        );
        drop(tx);

        // The schema refuses a station user without a station.
        let mut tx = db.begin_write().await.unwrap();
        let err = users::insert(&mut tx, &new_user("bob", Role::Station, None), NOW)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{}: {err}", t.label);
        drop(tx);

        users::set_language(db, id, Lang::En).await.unwrap();
        assert_eq!(
            users::get(db, id).await.unwrap().unwrap().language,
            Some(Lang::En)
        );
        assert_eq!(users::list(db).await.unwrap().len(), 1);
        assert!(users::get(db, UserId(9999)).await.unwrap().is_none());
    }
}

#[tokio::test]
async fn sessions_expire_and_can_be_deleted() {
    for t in each_backend().await.unwrap() {
        let db = &t.db;
        let mut tx = db.begin_write().await.unwrap();
        let id = users::insert(&mut tx, &new_user("admin", Role::Admin, None), NOW)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        sessions::create(db, "h1", id, "csrf", NOW, NOW.plus_minutes(60))
            .await
            .unwrap();
        let s = sessions::find_live(db, "h1", NOW).await.unwrap().unwrap();
        assert_eq!(s.user_id, id);
        assert!(
            sessions::find_live(db, "h1", NOW.plus_minutes(61))
                .await
                .unwrap()
                .is_none()
        );
        sessions::extend(db, "h1", NOW.plus_minutes(120))
            .await
            .unwrap();
        assert!(
            sessions::find_live(db, "h1", NOW.plus_minutes(61))
                .await
                .unwrap()
                .is_some()
        );
        sessions::delete(db, "h1").await.unwrap();
        assert!(sessions::find_live(db, "h1", NOW).await.unwrap().is_none());

        sessions::record_login_failure(db, "admin", "1.2.3.4", NOW)
            .await
            .unwrap();
        sessions::record_login_failure(db, "admin", "5.6.7.8", NOW)
            .await
            .unwrap();
        assert_eq!(
            sessions::login_failures_since(db, "admin", "1.2.3.4", NOW)
                .await
                .unwrap(),
            (2, 1)
        );
        sessions::clear_login_failures(db, "admin").await.unwrap();
        assert_eq!(
            sessions::login_failures_since(db, "admin", "1.2.3.4", NOW)
                .await
                .unwrap(),
            (0, 0)
        );
    }
}

#[tokio::test]
async fn api_tokens_are_found_by_hash_until_revoked() {
    for t in each_backend().await.unwrap() {
        let db = &t.db;
        let mut tx = db.begin_write().await.unwrap();
        let id = users::insert(&mut tx, &new_user("admin", Role::Admin, None), NOW)
            .await
            .unwrap();
        let tok = tokens::insert(&mut tx, "erp", "ac_abc", "hash1", id, id, NOW)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let found = tokens::use_active(db, "hash1", NOW.plus_minutes(1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.id, tok);
        assert_eq!(found.last_used_at, Some(NOW.plus_minutes(1)));
        let mut tx = db.begin_write().await.unwrap();
        tokens::revoke(&mut tx, tok, NOW).await.unwrap();
        tx.commit().await.unwrap();
        assert!(
            tokens::use_active(db, "hash1", NOW)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(tokens::list(db).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn audit_entries_are_recorded_in_the_transaction_and_filtered() {
    for t in each_backend().await.unwrap() {
        let db = &t.db;
        let entry = |action: &str, obj: &str| audit::NewAuditEntry {
            at: NOW,
            actor_id: None,
            actor_login: "cli".into(),
            action: action.into(),
            object_type: "user".into(),
            object_id: obj.into(),
            before: None,
            after: Some(serde_json::json!({"login": obj})),
            request_id: Some("req-1".into()),
        };
        let mut tx = db.begin_write().await.unwrap();
        audit::record(&mut tx, &entry("user.create", "a"))
            .await
            .unwrap();
        audit::record(&mut tx, &entry("user.create", "b"))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        // A rolled-back transaction leaves no entry.
        let mut tx = db.begin_write().await.unwrap();
        audit::record(&mut tx, &entry("user.create", "c"))
            .await
            .unwrap();
        drop(tx);
        let all = audit::list(
            db,
            &audit::AuditFilter {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(all.len(), 2, "{}", t.label);
        assert_eq!(all[0].object_id, "b");
        assert_eq!(all[0].after, Some(serde_json::json!({"login": "b"})));
        let only_a = audit::list(
            db,
            &audit::AuditFilter {
                object_id: Some("a".into()),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(only_a.len(), 1);
    }
}

#[tokio::test]
async fn settings_default_then_persist() {
    for t in each_backend().await.unwrap() {
        let db = &t.db;
        assert_eq!(settings::get(db).await.unwrap(), CompanySettings::default());
        let s = CompanySettings {
            company_name: "华信电器".into(),
            time_zone: "Asia/Urumqi".into(),
            currency: "CNY".into(),
            default_language: Lang::En,
        };
        let mut tx = db.begin_write().await.unwrap();
        settings::put(&mut tx, &s, NOW).await.unwrap();
        settings::put(&mut tx, &s, NOW).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(settings::get(db).await.unwrap(), s);
    }
}

#[tokio::test]
async fn organisation_rows_are_listed_and_found_by_code() {
    for t in each_backend().await.unwrap() {
        let db = &t.db;
        let station = seed_station(db).await;
        assert_eq!(
            org::id_by_code(db, Coded::Station, "ST-1").await.unwrap(),
            Some(station.0)
        );
        assert_eq!(
            org::id_by_code(db, Coded::Station, "nope").await.unwrap(),
            None
        );
        let stations = org::list_stations(db, None).await.unwrap();
        assert_eq!(stations.len(), 1);
        assert_eq!(stations[0].tier, "urban");
        assert!(
            org::list_stations(db, Some(StationId(999)))
                .await
                .unwrap()
                .is_empty()
        );
        let own = org::list_warehouses(db, Some(station)).await.unwrap();
        assert_eq!(own.len(), 1);
        assert_eq!(own[0].parent_code.as_deref(), Some("WH-C"));
        let counts = org::counts(db).await.unwrap();
        assert_eq!(
            (counts.stations, counts.warehouses, counts.regions),
            (1, 2, 1)
        );
    }
}

#[tokio::test]
async fn concurrent_read_then_write_transactions_queue_instead_of_failing() {
    for t in each_backend().await.unwrap() {
        let db = t.db.clone();
        let station = seed_station(&db).await;
        let mut tasks = Vec::new();
        for i in 0..64 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                let mut tx = db.begin_write().await?;
                // Read, then write in the same transaction: the pattern that fails with a
                // deferred BEGIN on SQLite.
                let n = org::id_by_code_tx(&mut tx, Coded::Station, "ST-1").await?;
                assert!(n.is_some());
                users::insert(
                    &mut tx,
                    &new_user(&format!("u{i}"), Role::Station, Some(station)),
                    NOW,
                )
                .await?;
                tx.commit().await
            }));
        }
        for task in tasks {
            task.await
                .unwrap()
                .unwrap_or_else(|e| panic!("{}: {e}", t.label));
        }
        assert_eq!(users::count(&db).await.unwrap(), 64);
    }
}

#[tokio::test]
async fn both_engines_have_the_same_tables_columns_types_and_nullability() {
    let Ok(base) = std::env::var(POSTGRES_ENV) else {
        eprintln!("{POSTGRES_ENV} not set: comparing SQLite with itself only");
        let a = fresh_sqlite().await.unwrap();
        assert!(!schema::tables(&a.db).await.unwrap().is_empty());
        return;
    };
    let sqlite = fresh_sqlite().await.unwrap();
    let pg = fresh_postgres(&base).await.unwrap();
    let a = schema::tables(&sqlite.db).await.unwrap();
    let b = schema::tables(&pg.db).await.unwrap();
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (table, cols) in &a {
        assert_eq!(
            cols, &b[table],
            "table {table} differs between SQLite and PostgreSQL"
        );
    }
}

#[tokio::test]
async fn migrations_are_applied_once_and_none_pend_afterwards() {
    for t in each_backend().await.unwrap() {
        assert!(t.db.pending_migrations().await.unwrap().is_empty());
        t.db.migrate().await.unwrap();
    }
}

#[tokio::test]
async fn runs_recorded_before_migration_16_read_as_run_with_the_default_options() {
    for t in each_backend_at(15).await.unwrap() {
        let label = t.label;
        let pending = t.db.pending_migrations().await.unwrap();
        assert_eq!(pending.first(), Some(&16), "{label}: {pending:?}");
        // A run as the code before migration 16 recorded it: no cost options, no transfer days.
        let old_run = "INSERT INTO plan_runs (started_at, finished_at, bucket, periods, target_fill_permille, items, proposals, actor_login) \
             VALUES (1767578400000, 1767578401000, 'month', 24, 900, 7, 3, 'planner')";
        match &t.db {
            Db::Sqlite(p) => sqlx::query(old_run).execute(p).await.map(|_| ()),
            Db::Postgres(p) => sqlx::query(old_run).execute(p).await.map(|_| ()),
        }
        .unwrap();
        t.db.migrate().await.unwrap();
        let run = planning::latest_run(&t.db).await.unwrap().unwrap();
        assert_eq!(
            (
                run.bucket.as_str(),
                run.periods,
                run.target_fill_permille,
                run.items,
                run.actor_login.as_str()
            ),
            ("month", 24, 900, 7, "planner"),
            "{label}: {run:?}"
        );
        // What the runs of that time used: 3 transfer days, 200.00 a purchase order, 30.00 a
        // transfer (minor units), 20 % a year.
        assert_eq!(
            (
                run.transfer_days,
                run.purchase_order_cost,
                run.transfer_cost,
                run.holding_rate_pct,
                run.allocation.as_str(),
                run.calibration.as_str()
            ),
            (3, 20_000, 3_000, 20, "item", "expected"),
            "{label}: {run:?}"
        );
        assert_eq!(run.started_at, Instant(1_767_578_400_000), "{label}");
    }
}

/// Part 1 (P-1) as the migration tests insert it before their proposals.
const PART_1: &str = "INSERT INTO parts (id, part_number, name_zh, name_en, specification, category, unit, standard_cost, source, lead_time_days, criticality, notes, active, created_at, updated_at) \
     VALUES (1, 'P-1', '主板', 'Main board', '', 'board', 'pcs', 100, 'buy', 7, 'normal', '', TRUE, 1, 1)";

/// Run `sql` (no parameters) on either engine.
async fn exec(db: &Db, sql: &str) -> Result<(), sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    match db {
        Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
        Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
    }
}

#[tokio::test]
async fn migration_21_clears_the_claims_of_decided_proposals_only() {
    for t in each_backend_at(20).await.unwrap() {
        let label = t.label;
        seed_station(&t.db).await;
        // Rows as the code before migration 21 left them: an approval kept its claim.
        let rows = [
            PART_1,
            "INSERT INTO plan_proposals (id, warehouse_id, part_id, kind, qty, need_by, reason, overridden, status, created_at, updated_at, approving_since) \
             SELECT 1, id, 1, 'purchase', 2, 1, 'r', FALSE, 'approved', 1, 1, 5 FROM warehouses WHERE code = 'WH-C'",
            "INSERT INTO plan_proposals (id, warehouse_id, part_id, kind, qty, need_by, reason, overridden, status, created_at, updated_at, approving_since) \
             SELECT 2, id, 1, 'purchase', 3, 1, 'r', FALSE, 'open', 1, 1, 6 FROM warehouses WHERE code = 'WH-C'",
        ];
        for sql in rows {
            exec(&t.db, sql)
                .await
                .unwrap_or_else(|e| panic!("{label}: {e}"));
        }
        t.db.migrate().await.unwrap();
        let q = "SELECT id, approving_since FROM plan_proposals ORDER BY id";
        let claims: Vec<(i64, Option<i64>)> = match &t.db {
            Db::Sqlite(p) => sqlx::query_as(q).fetch_all(p).await,
            Db::Postgres(p) => sqlx::query_as(q).fetch_all(p).await,
        }
        .unwrap();
        // The approved one loses its claim; an open one being approved keeps it.
        assert_eq!(claims, vec![(1, None), (2, Some(6))], "{label}");
    }
}

#[tokio::test]
async fn migration_22_keeps_every_proposal_and_admits_returns_only_with_a_destination() {
    for t in each_backend_at(21).await.unwrap() {
        let label = t.label;
        seed_station(&t.db).await;
        let exec = |sql: &'static str| exec(&t.db, sql);
        for sql in [
            PART_1,
            "INSERT INTO plan_proposals (id, warehouse_id, part_id, kind, qty, need_by, reason, overridden, status, created_at, updated_at, approving_since, approval_command, transfer_days) \
             SELECT 7, id, 1, 'purchase', 2, 1, 'r', FALSE, 'open', 1, 1, 5, '{}', 3 FROM warehouses WHERE code = 'WH-C'",
        ] {
            exec(sql).await.unwrap_or_else(|e| panic!("{label}: {e}"));
        }
        // Before 22 no proposal may be a return.
        let return_row = "INSERT INTO plan_proposals (id, warehouse_id, part_id, kind, qty, need_by, reason, overridden, status, created_at, updated_at, destination_warehouse_id) \
             SELECT 8, s.id, 1, 'return', 2, 1, 'r', FALSE, 'open', 1, 1, c.id FROM warehouses s, warehouses c WHERE s.code = 'WH-ST-1' AND c.code = 'WH-C'";
        assert!(exec(return_row).await.is_err(), "{label}");
        t.db.migrate().await.unwrap();
        let q = "SELECT id, kind, qty, approving_since, approval_command, transfer_days, destination_warehouse_id FROM plan_proposals ORDER BY id";
        type Row = (
            i64,
            String,
            i64,
            Option<i64>,
            Option<String>,
            Option<i64>,
            Option<i64>,
        );
        let read = || {
            let db = t.db.clone();
            async move {
                match &db {
                    Db::Sqlite(p) => sqlx::query_as::<_, Row>(q).fetch_all(p).await,
                    Db::Postgres(p) => sqlx::query_as::<_, Row>(q).fetch_all(p).await,
                }
                .unwrap()
            }
        };
        assert_eq!(
            read().await,
            vec![(
                7,
                "purchase".into(),
                2,
                Some(5),
                Some("{}".into()),
                Some(3),
                None
            )],
            "{label}"
        );
        // A return names where it goes; no other kind may, and a return has no source.
        exec(return_row)
            .await
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        for bad in [
            "INSERT INTO plan_proposals (warehouse_id, part_id, kind, qty, need_by, reason, overridden, status, created_at, updated_at) \
             SELECT id, 1, 'return', 2, 1, 'r', FALSE, 'rejected', 1, 1 FROM warehouses WHERE code = 'WH-ST-1'",
            "INSERT INTO plan_proposals (warehouse_id, part_id, kind, qty, need_by, reason, overridden, status, created_at, updated_at, destination_warehouse_id) \
             SELECT id, 1, 'purchase', 2, 1, 'r', FALSE, 'rejected', 1, 1, id FROM warehouses WHERE code = 'WH-C'",
            "INSERT INTO plan_proposals (warehouse_id, part_id, kind, qty, need_by, reason, overridden, status, created_at, updated_at, source_warehouse_id, destination_warehouse_id) \
             SELECT s.id, 1, 'return', 2, 1, 'r', FALSE, 'rejected', 1, 1, c.id, c.id FROM warehouses s, warehouses c WHERE s.code = 'WH-ST-1' AND c.code = 'WH-C'",
        ] {
            assert!(exec(bad).await.is_err(), "{label}: {bad}");
        }
        assert_eq!(read().await.len(), 2, "{label}");
        // The indexes came back: one open proposal per warehouse and part.
        let twin = "INSERT INTO plan_proposals (warehouse_id, part_id, kind, qty, need_by, reason, overridden, status, created_at, updated_at) \
             SELECT id, 1, 'purchase', 2, 1, 'r', FALSE, 'open', 1, 1 FROM warehouses WHERE code = 'WH-C'";
        assert!(exec(twin).await.is_err(), "{label}");
    }
}

#[tokio::test]
async fn migration_23_gives_every_frozen_approval_the_key_it_ran_under() {
    for t in each_backend_at(22).await.unwrap() {
        let label = t.label;
        seed_station(&t.db).await;
        let exec = |sql: &'static str| exec(&t.db, sql);
        for sql in [
            PART_1,
            "INSERT INTO parts (id, part_number, name_zh, name_en, specification, category, unit, standard_cost, source, lead_time_days, criticality, notes, active, created_at, updated_at) \
             VALUES (2, 'P-2', '电源', 'Power board', '', 'board', 'pcs', 100, 'buy', 7, 'normal', '', TRUE, 1, 1)",
            // Claimed (being approved), approved, and open unclaimed.
            "INSERT INTO plan_proposals (id, warehouse_id, part_id, kind, qty, need_by, reason, overridden, status, created_at, updated_at, approving_since, approval_command) \
             SELECT 7, id, 1, 'purchase', 2, 1, 'r', FALSE, 'open', 1, 1, 5, '{}' FROM warehouses WHERE code = 'WH-C'",
            "INSERT INTO plan_proposals (id, warehouse_id, part_id, kind, qty, need_by, reason, overridden, status, created_at, updated_at, approval_command, document_kind, document_id) \
             SELECT 8, id, 2, 'purchase', 2, 1, 'r', FALSE, 'approved', 1, 1, '{}', 'purchase_order', 3 FROM warehouses WHERE code = 'WH-C'",
            "INSERT INTO plan_proposals (id, warehouse_id, part_id, kind, qty, need_by, reason, overridden, status, created_at, updated_at) \
             SELECT 9, id, 1, 'purchase', 2, 1, 'r', FALSE, 'open', 1, 1 FROM warehouses WHERE code = 'WH-ST-1'",
        ] {
            exec(sql).await.unwrap_or_else(|e| panic!("{label}: {e}"));
        }
        t.db.migrate().await.unwrap();
        let q = "SELECT id, approval_key FROM plan_proposals ORDER BY id";
        let keys: Vec<(i64, Option<String>)> = match &t.db {
            Db::Sqlite(p) => sqlx::query_as(q).fetch_all(p).await,
            Db::Postgres(p) => sqlx::query_as(q).fetch_all(p).await,
        }
        .unwrap();
        assert_eq!(
            keys,
            vec![
                (7, Some("plan-proposal-7".into())),
                (8, Some("plan-proposal-8".into())),
                (9, None)
            ],
            "{label}"
        );
    }
}

#[tokio::test]
async fn a_run_keeps_every_option_and_the_latest_is_found() {
    for t in each_backend().await.unwrap() {
        let label = t.label;
        assert_eq!(planning::latest_run(&t.db).await.unwrap(), None, "{label}");
        for (i, fill, allocation, calibration) in [
            (1, 950, "item", "expected"),
            (2, 900, "warehouse", "history"),
        ] {
            let mut tx = t.db.begin_write().await.unwrap();
            planning::insert_run(
                &mut tx,
                &planning::NewRun {
                    started_at: Instant(NOW.0 + i),
                    finished_at: Instant(NOW.0 + i + 5),
                    bucket: "week",
                    periods: 26,
                    target_fill_permille: fill,
                    transfer_days: 7,
                    purchase_order_cost: 10_000_000_000,
                    transfer_cost: 8_000,
                    holding_rate_pct: 40,
                    allocation,
                    calibration,
                    items: 4,
                    proposals: 2,
                    actor_login: "planner".into(),
                },
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }
        let run = planning::latest_run(&t.db).await.unwrap().unwrap();
        assert_eq!(
            (
                run.target_fill_permille,
                run.transfer_days,
                run.purchase_order_cost,
                run.transfer_cost,
                run.holding_rate_pct,
                run.allocation.as_str(),
                run.calibration.as_str(),
                run.started_at
            ),
            (
                900,
                7,
                10_000_000_000,
                8_000,
                40,
                "warehouse",
                "history",
                Instant(NOW.0 + 2)
            ),
            "{label}: {run:?}"
        );
    }
}

#[tokio::test]
async fn db_copy_moves_every_row_and_refuses_a_non_empty_target() {
    let src = fresh_sqlite().await.unwrap();
    seed_station(&src.db).await;
    let mut tx = src.db.begin_write().await.unwrap();
    users::insert(&mut tx, &new_user("admin", Role::Admin, None), NOW)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut targets = vec![fresh_sqlite().await.unwrap()];
    if let Ok(base) = std::env::var(POSTGRES_ENV) {
        targets.push(fresh_postgres(&base).await.unwrap());
    }
    for dst in targets {
        let report = aftercare_store::copy::copy_all(&src.db, &dst.db, |_, _| {})
            .await
            .unwrap();
        let stations = report.tables.iter().find(|(t, _)| t == "stations").unwrap();
        assert_eq!(stations.1, 1);
        assert!(
            report.tables.iter().position(|(t, _)| t == "regions")
                < report.tables.iter().position(|(t, _)| t == "stations")
        );
        // Copied ids keep working and new rows get fresh ids after the copied ones.
        let mut tx = dst.db.begin_write().await.unwrap();
        let id = users::insert(&mut tx, &new_user("second", Role::Agent, None), NOW)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(id.0 > 1, "{}: identity not advanced", dst.label);
        let err = aftercare_store::copy::copy_all(&src.db, &dst.db, |_, _| {})
            .await
            .unwrap_err();
        assert!(err.to_string().contains("not empty"), "{err}");
    }
}

#[tokio::test]
async fn unknown_scheme_and_unreachable_postgres_are_errors() {
    let opts = aftercare_store::ConnectOptions {
        acquire_timeout: std::time::Duration::from_secs(2),
        ..Default::default()
    };
    let err = Db::connect("mysql://x/y", &opts).await.unwrap_err();
    assert!(err.to_string().contains("unsupported"), "{err}");
    let err = Db::connect("postgres://postgres@127.0.0.1:1/nope", &opts)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("cannot connect to PostgreSQL"),
        "{err}"
    );
}

/// Managed PostgreSQL services require TLS: `sslmode=require` in the URL must give an
/// encrypted connection, and `verify-full` must refuse a certificate nobody vouches for
/// (the local server's self-signed one) instead of silently connecting.
#[tokio::test]
async fn postgres_connections_use_tls_when_the_url_asks_for_it() {
    let Ok(base) = std::env::var(POSTGRES_ENV) else {
        return;
    };
    let sep = if base.contains('?') { '&' } else { '?' };
    let db = Db::connect(
        &format!("{base}{sep}sslmode=require"),
        &aftercare_store::ConnectOptions::default(),
    )
    .await
    .expect("TLS connection with sslmode=require");
    let Db::Postgres(pool) = &db else {
        panic!("a postgres URL gave another backend")
    };
    let encrypted: bool =
        sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_one(pool)
            .await
            .unwrap();
    assert!(encrypted, "sslmode=require gave a plain-text connection");
    db.close().await;

    let err = Db::connect(
        &format!("{base}{sep}sslmode=verify-full"),
        &aftercare_store::ConnectOptions {
            acquire_timeout: std::time::Duration::from_secs(5),
            ..Default::default()
        },
    )
    .await
    .expect_err("verify-full accepted an untrusted certificate");
    assert!(
        err.to_string().contains("cannot connect to PostgreSQL"),
        "unclear error: {err}"
    );
}
