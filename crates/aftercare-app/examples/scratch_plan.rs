use aftercare_app::planning::PlanOptions;
use aftercare_app::{Actor, App, AppConfig};
use aftercare_domain::{PartId, WarehouseId};
use aftercare_store::{ConnectOptions, Db};
#[tokio::main]
async fn main() {
    let a: Vec<String> = std::env::args().collect();
    let db = Db::connect(&a[1], &ConnectOptions::default())
        .await
        .unwrap();
    let app = App::new(db, AppConfig::default());
    let v = app
        .part_plan(
            &Actor::Cli,
            WarehouseId(a[2].parse().unwrap()),
            PartId(a[3].parse().unwrap()),
            PlanOptions::default(),
        )
        .await
        .unwrap();
    println!(
        "{:?}\n{} {} {} {} {}",
        v.history, v.method, v.why, v.min, v.reorder_point, v.max
    );
    println!("{:?}", v.forecast);
}
