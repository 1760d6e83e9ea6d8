//! Use cases against real databases (SQLite always, PostgreSQL when configured).

use aftercare_app::admin::AddUser;
use aftercare_app::{Actor, App, AppConfig, AppError, FixedClock};
use aftercare_domain::{Instant, Role, Scope};
use aftercare_store::testing::each_backend;
use std::sync::Arc;

fn add(login: &str, role: Role, station: Option<&str>) -> AddUser {
    AddUser {
        login: login.into(),
        display_name: None,
        role,
        station: station.map(str::to_string),
        technician: None,
        brand: None,
        password: "password123".into(),
    }
}

#[tokio::test]
async fn the_demo_loads_on_every_engine_and_only_into_an_empty_database() {
    for t in each_backend().await.unwrap() {
        let app = App::new(t.db.clone(), AppConfig::default());
        assert_eq!(app.demo_summary().await.unwrap(), None);
        app.load_demo(
            aftercare_app::demo::DEFAULT_SEED,
            aftercare_app::demo::Scale::Small,
        )
        .await
        .unwrap();
        let summary = app.demo_summary().await.unwrap().unwrap();
        assert!(summary.starts_with("9 stations"), "{}: {summary}", t.label);
        let err = app
            .load_demo(1, aftercare_app::demo::Scale::Small)
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Conflict { .. }));
        // Every printed demo account can log in, and station users are scoped.
        for a in aftercare_app::demo::demo_accounts(
            aftercare_app::demo::DEFAULT_SEED,
            aftercare_app::demo::Scale::Small,
        ) {
            let s = app.login(&a.login, &a.password, "127.0.0.1").await.unwrap();
            assert_eq!(s.principal.role.code(), a.role);
            if a.role == "station" {
                assert!(matches!(s.principal.scope, Scope::Station(_)));
                let actor = Actor::user(s.principal.clone(), None);
                assert_eq!(app.list_stations(&actor).await.unwrap().len(), 1);
                assert_eq!(app.list_warehouses(&actor).await.unwrap().len(), 1);
            }
        }
        let settings = app.company_settings().await.unwrap();
        assert_eq!(settings.time_zone, "Asia/Shanghai");
    }
}

#[tokio::test]
async fn sessions_expire_and_disabling_a_user_ends_them() {
    let t = aftercare_store::testing::fresh_sqlite().await.unwrap();
    let clock = Arc::new(FixedClock::new(Instant(1_763_800_000_000)));
    let app = App::with_clock(t.db.clone(), AppConfig::default(), clock.clone());
    let user = app
        .add_user(&Actor::Cli, add("agent", Role::Agent, None))
        .await
        .unwrap();
    let s = app.login("agent", "password123", "1.1.1.1").await.unwrap();
    assert!(app.authenticate_session(&s.token).await.is_ok());
    clock.advance_minutes(13 * 60);
    assert!(matches!(
        app.authenticate_session(&s.token).await,
        Err(AppError::Unauthenticated)
    ));
    let s = app.login("agent", "password123", "1.1.1.1").await.unwrap();
    app.set_user_active(&Actor::Cli, user.id, false)
        .await
        .unwrap();
    assert!(app.authenticate_session(&s.token).await.is_err());
    assert!(matches!(
        app.login("agent", "password123", "1.1.1.1").await,
        Err(AppError::BadCredentials)
    ));
    assert_eq!(app.purge_expired_sessions().await.unwrap(), 0);
}

#[tokio::test]
async fn login_failures_from_one_address_throttle_every_account_from_it() {
    let t = aftercare_store::testing::fresh_sqlite().await.unwrap();
    let clock = Arc::new(FixedClock::new(Instant(1_763_800_000_000)));
    let app = App::with_clock(t.db.clone(), AppConfig::default(), clock.clone());
    app.add_user(&Actor::Cli, add("victim", Role::Agent, None))
        .await
        .unwrap();
    for i in 0..20 {
        let _ = app
            .login(&format!("guess{i}"), "nope-nope", "6.6.6.6")
            .await;
    }
    assert!(matches!(
        app.login("victim", "password123", "6.6.6.6").await,
        Err(AppError::Throttled { .. })
    ));
    // Another address is not affected, and the window passes.
    assert!(app.login("victim", "password123", "7.7.7.7").await.is_ok());
    clock.advance_minutes(16);
    assert!(app.login("victim", "password123", "6.6.6.6").await.is_ok());
}

#[tokio::test]
async fn settings_changes_are_validated_and_audited() {
    let t = aftercare_store::testing::fresh_sqlite().await.unwrap();
    let app = App::new(t.db.clone(), AppConfig::default());
    let mut s = app.company_settings().await.unwrap();
    s.time_zone = "Mars/Olympus".into();
    s.currency = "yuan".into();
    let err = app
        .update_company_settings(&Actor::Cli, s.clone())
        .await
        .unwrap_err();
    let AppError::Invalid(fields) = err else {
        panic!("expected invalid")
    };
    assert_eq!(
        fields.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(),
        vec!["time_zone", "currency"]
    );
    s.time_zone = "Asia/Urumqi".into();
    s.currency = "CNY".into();
    app.update_company_settings(&Actor::Cli, s).await.unwrap();
    let log = app
        .audit_log(
            &Actor::Cli,
            aftercare_app::admin::AuditFilter {
                limit: 5,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(log[0].action, "settings.update");
    assert_eq!(
        log[0].before.as_ref().unwrap()["time_zone"],
        "Asia/Shanghai"
    );
    assert_eq!(log[0].after.as_ref().unwrap()["time_zone"], "Asia/Urumqi");
}
