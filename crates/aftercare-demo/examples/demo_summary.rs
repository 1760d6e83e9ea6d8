//! Prints counts, a sample of each family and timing for every scale:
//! `cargo run -p aftercare-demo --example demo_summary [seed]`.

use aftercare_demo::{DEFAULT_SEED, Scale, generate};
use std::time::Instant;

fn main() {
    let seed = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SEED);
    for scale in Scale::ALL {
        let started = Instant::now();
        let data = generate(seed, scale);
        let took = started.elapsed();
        println!("== {} (seed {seed}): generated in {took:?}", scale.code());
        for (family, n) in data.counts() {
            println!("  {family:<15} {n}");
        }
        println!("  fingerprint     {:016x}", data.fingerprint());
        println!("  problems        {}", data.problems().len());
        if scale == Scale::Standard {
            for s in data.stations.iter().step_by(15) {
                println!(
                    "  {} {} | {} | {:?} | {} | {} {} | cap {} score {} | {:?} | cover {:?} | active {}",
                    s.code,
                    s.name_zh,
                    s.name_en,
                    s.tier,
                    s.address,
                    s.phone,
                    s.contact_name,
                    s.capacity,
                    s.score,
                    s.product_lines,
                    s.coverage,
                    s.active
                );
            }
            for t in data.technicians.iter().step_by(60) {
                println!("  {:?}", t);
            }
            for u in &data.users {
                println!(
                    "  {:<14} {:<10} {} {:?} {:?} {:?}",
                    u.login,
                    u.role,
                    u.display_name,
                    u.station_code,
                    u.technician_code,
                    u.brand_code
                );
            }
            for w in data.warehouses.iter().take(9) {
                println!("  {:?}", w);
            }
            for m in data.product_models.iter().step_by(7) {
                println!("  {:?}", m);
            }
        }
    }
}
