//! The admin's SLA settings: saved together with the time zone, every bad field reported
//! with nothing changed, admins only; on SQLite and PostgreSQL.

use aftercare_app::access::principal_of;
use aftercare_app::sla_settings::SlaSettings;
use aftercare_app::{Actor, App, AppConfig, AppError};
use aftercare_store::testing::each_backend;

#[tokio::test]
async fn sla_settings_are_validated_field_by_field_and_saved_atomically() {
    for t in each_backend().await.unwrap() {
        let app = App::new(t.db.clone(), AppConfig::default());
        app.seed_ticket_sample().await.unwrap();
        let admin = Actor::Cli;
        let before = app.sla_settings(&admin).await.unwrap();
        assert_eq!(before.time_zone, "Asia/Shanghai");
        assert_eq!(before.ticket.sla.remote.on_site_minutes, 72 * 60);

        let mut bad = before.clone();
        bad.ticket.sla.urban.first_response_minutes = 0;
        bad.ticket.sla.township.on_site_minutes = 200 * 60; // longer than completion (96 h)
        bad.ticket.sla.at_risk_percent = 150;
        bad.ticket.rules.accept_timeout_minutes = 0;
        bad.ticket.rules.repeat_window.days = 0;
        bad.time_zone = "Mars/Olympus".into();
        match app.update_sla_settings(&admin, bad).await {
            Err(AppError::Invalid(f)) => {
                let fields: Vec<&str> = f.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(
                    fields,
                    [
                        "sla.urban.first_response",
                        "sla.township.on_site",
                        "sla.at_risk_percent",
                        "accept_timeout_minutes",
                        "repeat_window.days",
                        "time_zone"
                    ],
                    "{}",
                    t.label
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(app.sla_settings(&admin).await.unwrap(), before, "unchanged");

        let mut good = before.clone();
        good.ticket.sla.remote.on_site_minutes = 96 * 60;
        good.ticket.sla.remote.completion_minutes = 144 * 60;
        good.ticket.sla.at_risk_percent = 75;
        good.ticket.rules.accept_timeout_minutes = 45;
        good.ticket.rules.repeat_window.days = 60;
        good.time_zone = " Asia/Urumqi ".into();
        let saved = app.update_sla_settings(&admin, good.clone()).await.unwrap();
        assert_eq!(saved.time_zone, "Asia/Urumqi");
        let now: SlaSettings = app.sla_settings(&admin).await.unwrap();
        assert_eq!(now, saved);
        assert_eq!(
            app.company_settings().await.unwrap().time_zone,
            "Asia/Urumqi"
        );
        assert_eq!(
            app.ticket_settings(&admin)
                .await
                .unwrap()
                .sla
                .remote
                .on_site_minutes,
            96 * 60
        );

        let agent_user = aftercare_store::users::get_by_login(&app.db, "agent")
            .await
            .unwrap()
            .unwrap();
        let agent = Actor::user(principal_of(&agent_user).unwrap(), None);
        assert!(matches!(
            app.update_sla_settings(&agent, before.clone()).await,
            Err(AppError::Forbidden { .. })
        ));
        assert!(matches!(
            app.sla_settings(&agent).await,
            Err(AppError::Forbidden { .. })
        ));
    }
}
