//! The demo part master and its 24 months of stock history, on SQLite and PostgreSQL:
//! every simulated command is accepted and the balances equal the sum of the ledger.

use aftercare_app::demo::{DEFAULT_SEED, Scale};
use aftercare_app::stock_views::StockQuery;
use aftercare_app::{Actor, App, AppConfig};
use aftercare_store::part_master;
use aftercare_store::stock::query::{self, MovementFilter};

#[tokio::test]
async fn the_small_demo_has_parts_history_in_transit_and_a_ledger_that_verifies() {
    for t in aftercare_store::testing::each_backend().await.unwrap() {
        let app = App::new(t.db.clone(), AppConfig::default());
        let started = std::time::Instant::now();
        let (_, stock) = app
            .load_demo_with(DEFAULT_SEED, Scale::Small, true)
            .await
            .unwrap();
        assert_eq!(stock.refused, 0, "{}: {stock:?}", t.label);
        assert!(stock.commands > 1000, "{}: {stock:?}", t.label);
        let [parts, where_used, substitutes, _] = part_master::master_counts(&t.db).await.unwrap();
        assert_eq!(parts, 150, "{}", t.label);
        assert!(
            where_used >= 150 && substitutes > 0,
            "{}: {where_used} {substitutes}",
            t.label
        );
        let differences = app.stock_verify(&Actor::Cli).await.unwrap();
        assert!(differences.is_empty(), "{}: {differences:?}", t.label);
        let moves = query::movements(
            &t.db,
            &MovementFilter {
                limit: 1_000_000,
                ..MovementFilter::default()
            },
        )
        .await
        .unwrap();
        let kinds: std::collections::BTreeSet<&str> =
            moves.iter().map(|m| m.kind.as_str()).collect();
        for k in [
            "receipt",
            "inspection_accept",
            "transfer_ship",
            "transfer_receive",
            "issue",
            "defective_return",
            "repair_send",
            "repair_receive",
        ] {
            assert!(kinds.contains(k), "{}: no {k} in {kinds:?}", t.label);
        }
        let span =
            moves.iter().map(|m| m.at).max().unwrap() - moves.iter().map(|m| m.at).min().unwrap();
        assert!(
            span > 600 * 24 * 3600 * 1000,
            "{}: history spans {span} ms",
            t.label
        );
        let transit = app.in_transit_view(&Actor::Cli, None, None).await.unwrap();
        assert!(transit.iter().any(|r| r.overdue), "{}", t.label);
        let stock = app
            .stock_view(
                &Actor::Cli,
                &StockQuery {
                    limit: 20_000,
                    ..StockQuery::default()
                },
            )
            .await
            .unwrap();
        assert!(
            stock.iter().any(|r| r.condition == "repaired"),
            "{}",
            t.label
        );
        assert!(stock.iter().any(|r| r.condition == "good"), "{}", t.label);
        println!(
            "{}: small demo with {} movements in {:?}",
            t.label,
            moves.len(),
            started.elapsed()
        );
    }
}
