//! Loading the generated demo data into a database, through the same store functions the
//! product uses.

use crate::error::{AppError, AppResult};
use crate::password::hash_password;
use crate::{Actor, App};
use aftercare_demo::DemoData;
pub use aftercare_demo::{DEFAULT_SEED, Scale};
use aftercare_domain::{BrandId, ProductLineId, RegionId, StationId, TechnicianId, WarehouseId};
use aftercare_store::org::{self, NewProductModel, NewRegion, NewStation, NewWarehouse};
use aftercare_store::users::NewUser;
use aftercare_store::{StoreError, Tx, audit, settings, users};
use std::collections::HashMap;

/// One demo login to print for the person trying the demo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAccount {
    /// Login.
    pub login: String,
    /// Password (demo only).
    pub password: String,
    /// Role code.
    pub role: String,
    /// Station or brand code the account is bound to, or empty.
    pub bound_to: String,
}

/// The first account of every role, in role order: what the demo banner prints.
pub fn demo_accounts(seed: u64, scale: Scale) -> Vec<DemoAccount> {
    let data = aftercare_demo::generate(seed, scale);
    aftercare_domain::Role::ALL
        .iter()
        .filter_map(|role| data.users.iter().find(|u| u.role == *role))
        .map(|u| DemoAccount {
            login: u.login.clone(),
            password: u.password.clone(),
            role: u.role.code().to_string(),
            bound_to: u
                .station_code
                .clone()
                .or_else(|| u.brand_code.clone())
                .unwrap_or_default(),
        })
        .collect()
}

fn missing(kind: &str, code: &str) -> AppError {
    AppError::Unexpected(format!("demo data refers to unknown {kind} '{code}'"))
}

fn lookup<T: Copy>(map: &HashMap<String, T>, kind: &str, code: &str) -> AppResult<T> {
    map.get(code).copied().ok_or_else(|| missing(kind, code))
}

impl App {
    /// A one-line summary of existing demo data, or `None` for an empty database.
    pub async fn demo_summary(&self) -> AppResult<Option<String>> {
        if users::count(&self.db).await? == 0 {
            return Ok(None);
        }
        let c = org::counts(&self.db).await?;
        Ok(Some(format!(
            "{} stations, {} technicians, {} warehouses, {} product models",
            c.stations, c.technicians, c.warehouses, c.product_models
        )))
    }

    /// Generate the demo data for `seed` and `scale` and write it in one transaction. The
    /// database must hold no users yet (a demo never overwrites real data).
    pub async fn load_demo(&self, seed: u64, scale: Scale) -> AppResult<String> {
        Ok(self.load_demo_with(seed, scale, true).await?.0)
    }

    /// [`App::load_demo`], with or without the stock history; also returns what the stock
    /// load did.
    pub async fn load_demo_with(
        &self,
        seed: u64,
        scale: Scale,
        history: bool,
    ) -> AppResult<(String, crate::demo_parts::DemoStockSummary)> {
        self.load_demo_opts(
            seed,
            scale,
            history.then(crate::demo_parts::HistoryOptions::default),
        )
        .await
    }

    /// [`App::load_demo`] with the stock history's options (`None`: no history, and no
    /// planning run).
    pub async fn load_demo_opts(
        &self,
        seed: u64,
        scale: Scale,
        history: Option<crate::demo_parts::HistoryOptions>,
    ) -> AppResult<(String, crate::demo_parts::DemoStockSummary)> {
        if users::count(&self.db).await? > 0 {
            return Err(AppError::Conflict {
                code: "demo.not_empty".into(),
                message: "the database already has users: demo data is only loaded into an empty database".into(),
            });
        }
        let data = aftercare_demo::generate(seed, scale);
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let mut result = write_demo(&mut tx, &data, now).await;
        if result.is_ok() {
            result = crate::tickets::demo::write_service_demo(&mut tx, &data, seed, scale, now)
                .await
                .map(|_| ());
        }
        match result {
            Ok(()) => {
                let mut entry = Actor::Cli.audit(now, "demo.load", "demo", seed);
                entry.after =
                    Some(serde_json::json!({ "seed": seed, "scale": format!("{scale:?}") }));
                audit::record(&mut tx, &entry).await?;
                tx.commit().await?;
            }
            Err(e) => return Err(e),
        }
        let stock = self.load_demo_parts_with(seed, scale, history).await?;
        if history.is_some() {
            self.seed_demo_lifecycle().await?;
            // Planners open the demo to proposals computed from its history, not an empty page.
            let run = self
                .plan_run(&Actor::Cli, crate::planning::PlanOptions::default())
                .await?;
            tracing::info!(items = run.items, open = run.open, "demo planning run");
        }
        tracing::info!(
            parts = stock.parts,
            with_history = stock.parts_with_history,
            commands = stock.commands,
            movements = stock.movements,
            refused = stock.refused,
            "demo stock loaded"
        );
        Ok((self.demo_summary().await?.unwrap_or_default(), stock))
    }
}

async fn write_demo(tx: &mut Tx, data: &DemoData, now: aftercare_domain::Instant) -> AppResult<()> {
    settings::put(tx, &data.company.settings(), now).await?;

    let mut regions: HashMap<String, RegionId> = HashMap::new();
    // Parents before children whatever order the generator lists them in.
    let mut pending: Vec<&aftercare_demo::Region> = data.regions.iter().collect();
    while !pending.is_empty() {
        let before = pending.len();
        let mut rest = Vec::new();
        for r in pending {
            let parent = match &r.parent_code {
                Some(p) => match regions.get(p) {
                    Some(id) => Some(*id),
                    None => {
                        rest.push(r);
                        continue;
                    }
                },
                None => None,
            };
            let id = org::insert_region(
                tx,
                &NewRegion {
                    parent_id: parent,
                    code: r.code.clone(),
                    name_zh: r.name_zh.clone(),
                    name_en: r.name_en.clone(),
                    level: r.level,
                    tier: r.tier,
                },
            )
            .await?;
            regions.insert(r.code.clone(), id);
        }
        if rest.len() == before {
            return Err(missing(
                "parent region",
                &rest[0].parent_code.clone().unwrap_or_default(),
            ));
        }
        pending = rest;
    }

    let mut brands: HashMap<String, BrandId> = HashMap::new();
    for b in &data.brands {
        let own = b.code == data.company.own_brand_code;
        brands.insert(
            b.code.clone(),
            org::insert_brand(tx, &b.code, &b.name_zh, &b.name_en, own).await?,
        );
    }
    let mut lines: HashMap<String, ProductLineId> = HashMap::new();
    for l in &data.product_lines {
        lines.insert(
            l.code.clone(),
            org::insert_product_line(tx, &l.code, &l.name_zh, &l.name_en).await?,
        );
    }
    for m in &data.product_models {
        org::insert_product_model(
            tx,
            &NewProductModel {
                code: m.code.clone(),
                name_zh: m.name_zh.clone(),
                name_en: m.name_en.clone(),
                product_line_id: lookup(&lines, "product line", &m.line_code)?,
                brand_id: lookup(&brands, "brand", &m.brand_code)?,
                launched_on: Some(m.launched_on.to_string()),
                end_of_production_on: m.end_of_production_on.map(|d| d.to_string()),
            },
        )
        .await?;
    }

    let mut stations: HashMap<String, StationId> = HashMap::new();
    for s in &data.stations {
        let coverage = s
            .coverage
            .iter()
            .map(|c| lookup(&regions, "region", c))
            .collect::<AppResult<Vec<_>>>()?;
        let product_lines = s
            .product_lines
            .iter()
            .map(|c| lookup(&lines, "product line", c))
            .collect::<AppResult<Vec<_>>>()?;
        let id = org::insert_station(
            tx,
            &NewStation {
                code: s.code.clone(),
                name: s.name_zh.clone(),
                region_id: lookup(&regions, "region", &s.region_code)?,
                address: s.address.clone(),
                phone: s.phone.clone(),
                contact: s.contact_name.clone(),
                capacity: i64::from(s.capacity),
                score: i64::from(s.score),
                active: s.active,
                coverage,
                product_lines,
            },
            now,
        )
        .await?;
        stations.insert(s.code.clone(), id);
    }

    let mut technicians: HashMap<String, TechnicianId> = HashMap::new();
    for t in &data.technicians {
        let station = lookup(&stations, "station", &t.station_code)?;
        let id = org::insert_technician(tx, &t.code, station, &t.name, &t.mobile, t.active).await?;
        technicians.insert(t.code.clone(), id);
    }

    let mut warehouses: HashMap<String, WarehouseId> = HashMap::new();
    let mut ordered: Vec<&aftercare_demo::Warehouse> = data.warehouses.iter().collect();
    ordered.sort_by_key(|w| match w.kind {
        aftercare_domain::org::WarehouseKind::Central => 0,
        aftercare_domain::org::WarehouseKind::Regional => 1,
        aftercare_domain::org::WarehouseKind::Station => 2,
    });
    for w in ordered {
        let parent = w
            .parent_code
            .as_deref()
            .map(|p| lookup(&warehouses, "warehouse", p))
            .transpose()?;
        let station = w
            .station_code
            .as_deref()
            .map(|s| lookup(&stations, "station", s))
            .transpose()?;
        let id = org::insert_warehouse(
            tx,
            &NewWarehouse {
                code: w.code.clone(),
                name: w.name_zh.clone(),
                kind: w.kind,
                parent_id: parent,
                region_id: regions.get(&w.region_code).copied(),
                station_id: station,
                address: w.address.clone(),
                after_sales: true,
                active: true,
            },
        )
        .await?;
        warehouses.insert(w.code.clone(), id);
    }

    // Demo accounts share a handful of passwords: hash each distinct one once (argon2 is
    // deliberately slow), which is acceptable for demo-only accounts.
    let mut hashes: HashMap<&str, String> = HashMap::new();
    for u in &data.users {
        if !hashes.contains_key(u.password.as_str()) {
            hashes.insert(u.password.as_str(), hash_password(&u.password)?);
        }
        let new = NewUser {
            login: u.login.clone(),
            display_name: u.display_name.clone(),
            role: u.role,
            station_id: u
                .station_code
                .as_deref()
                .map(|c| lookup(&stations, "station", c))
                .transpose()?,
            technician_id: u
                .technician_code
                .as_deref()
                .map(|c| lookup(&technicians, "technician", c))
                .transpose()?,
            brand_id: u
                .brand_code
                .as_deref()
                .map(|c| lookup(&brands, "brand", c))
                .transpose()?,
            password_hash: hashes[u.password.as_str()].clone(),
        };
        users::insert(tx, &new, now).await.map_err(|e| match e {
            StoreError::Conflict(m) => AppError::Unexpected(format!("demo user {}: {m}", u.login)),
            other => other.into(),
        })?;
    }
    Ok(())
}
