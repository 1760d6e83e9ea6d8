//! The demo part master and 24 months of stock history up to now (after three months that
//! stock the empty network, so its first fill lies before every planning window and is not
//! read as demand). The part master goes through the
//! store upserts; the history is a sequence of ledger commands (backdated) run through the
//! ledger's own book, so balances equal the sum of the ledger by construction and
//! `stock verify` holds. By default the commands are applied in memory and written in bulk
//! into the empty ledger ([`aftercare_store::stock::bulk`]: same rows as the writer, one
//! transaction), which lets the whole catalogue have history; [`HistoryPath::Writer`] sends
//! the same commands one by one through the online ledger writer (tests compare the two).
//!
//! The history is a pull simulation over every part not past its end of service: central
//! buys from suppliers (receipt → inspection), ships to the regional warehouses, which ship
//! to the stations that stock the part. Demand is intermittent and per part × warehouse:
//! each part's network rate is heavy-tailed (log-normal around the master's rate), spread
//! over a few stations with skewed shares; a station stocks the part only where its share
//! is worth it, the rest of the region's demand is served from the regional warehouse.
//! Demand comes as Poisson events of 1-4 units (compound Poisson) and declines after the
//! end of production. Issues take the old part back: repairable ones go to central every
//! quarter, then to a repair vendor that returns most of them repaired the next quarter
//! (the rest it disposes of); non-repairable old parts are scrapped at the warehouse with
//! a manager's approval. The last month leaves transfers on the road (some overdue) and
//! repair orders open.

use crate::error::{AppError, AppResult};
use crate::{App, demo::Scale};
use aftercare_demo::parts::{DemoParts, generate_parts};
use aftercare_demo::rng::stream_rng;
use aftercare_domain::org::WarehouseKind;
use aftercare_domain::part::{PartDraft, SubstituteDirection};
use aftercare_domain::stock::{
    Command, Consumer, Created, Outcome, Qty, ScrapReason, StockCondition, TransferQty,
};
use aftercare_domain::{
    Instant, LotId, PartId, ProductModelId, RepairOrderId, Role, SupplierId, TicketId, TransferId,
    WarehouseId,
};
use aftercare_store::part_master as pm;
use aftercare_store::stock::LedgerRequest;
use aftercare_store::stock::bulk::BulkLoad;
use aftercare_store::stock::master::{NewSupplier, insert_supplier};
use rand::Rng;
use std::collections::{BTreeMap, HashMap};

/// Random stream of the stock history (the part master uses stream 6).
const HISTORY_STREAM: u64 = 7;
const DAY: i64 = 24 * 3600 * 1000;
/// Months of history the demo shows: what the planning windows (104 weeks, 24 months) read.
const MONTHS: i64 = 24;
/// Months simulated before those: the empty network gets its first stock then (central
/// ships a first fill to every warehouse), which would look like demand at central inside
/// a planning window. Long enough for the fill to settle into monthly replenishment.
const WARMUP_MONTHS: i64 = 3;
/// Below this monthly rate a station does not stock a part: its demand there is served
/// from the regional warehouse.
const STATION_STOCKING_RATE: f64 = 0.2;
/// Spread of the per-part demand rate around the master's rate (log-normal sigma).
const RATE_SIGMA: f64 = 1.0;

/// How the demo history reaches the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HistoryPath {
    /// Applied in memory and written in bulk into the empty ledger (the demo's path).
    #[default]
    Bulk,
    /// Command by command through the online ledger writer (slow; the reference).
    Writer,
}

/// Which stock history the demo writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HistoryOptions {
    /// How it is written.
    pub path: HistoryPath,
    /// History for the first `n` parts of the master only (`None`: every part in service).
    pub parts: Option<usize>,
}

/// What the demo stock load wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoStockSummary {
    /// Parts in the master.
    pub parts: usize,
    /// Parts the history simulated (every part not past its end of service).
    pub parts_with_history: usize,
    /// Ledger commands applied.
    pub commands: usize,
    /// Ledger commands refused (0 when the simulation is consistent).
    pub refused: usize,
    /// Movements written.
    pub movements: usize,
    /// The first few refusals, for diagnosis.
    pub first_refusals: Vec<String>,
    /// FNV-1a digest of every command sent (JSON and instant, in order): equal digests mean
    /// the same command sequence.
    pub sequence: u64,
}

fn poisson(rng: &mut impl Rng, lambda: f64) -> i64 {
    if lambda <= 0.0 {
        return 0;
    }
    // Knuth's method underflows for large rates; split them (a sum of Poissons is Poisson).
    if lambda > 30.0 {
        return poisson(rng, lambda / 2.0) + poisson(rng, lambda / 2.0);
    }
    let limit = (-lambda).exp();
    let (mut k, mut p) = (0, 1.0);
    loop {
        p *= rng.random::<f64>();
        if p <= limit {
            return k;
        }
        k += 1;
    }
}

/// A standard normal draw (Box-Muller).
fn normal(rng: &mut impl Rng) -> f64 {
    let u: f64 = rng.random_range(f64::EPSILON..1.0);
    let v: f64 = rng.random();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// Units one demand event takes: mostly one, sometimes a few (compound Poisson).
fn event_size(rng: &mut impl Rng) -> i64 {
    let u: f64 = rng.random();
    if u < 0.8 {
        1
    } else if u < 0.95 {
        2
    } else {
        rng.random_range(3..=4)
    }
}

fn qty(n: i64) -> AppResult<Qty> {
    Qty::positive(n).map_err(|e| AppError::Unexpected(format!("demo quantity {n}: {e}")))
}

/// Where the commands go.
enum Sink<'a> {
    Writer(&'a App),
    Bulk(Box<BulkLoad>),
}

struct Run<'a> {
    sink: Sink<'a>,
    commands: usize,
    refused: usize,
    movements: usize,
    first_refusals: Vec<String>,
    sequence: u64,
}

impl Run<'_> {
    /// Apply commands in order; `None` for a refused one.
    async fn apply(&mut self, batch: Vec<(Command, Instant)>) -> AppResult<Vec<Option<Outcome>>> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let mut reqs = Vec::with_capacity(batch.len());
        for (command, now) in batch {
            let json = serde_json::to_string(&command)
                .map_err(|e| AppError::Unexpected(format!("demo command: {e}")))?;
            for b in json.bytes().chain(now.0.to_le_bytes()) {
                self.sequence = (self.sequence ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
            }
            reqs.push(LedgerRequest {
                command,
                key: None,
                actor_id: None,
                actor_login: "demo".into(),
                request_id: None,
                now,
            });
        }
        let names: Vec<String> = reqs
            .iter()
            .map(|r: &LedgerRequest| format!("{:?}", r.command).chars().take(160).collect())
            .collect();
        let replies: Vec<Result<Outcome, String>> = match &mut self.sink {
            Sink::Writer(app) => app
                .ledger()
                .await?
                .execute_all(reqs)
                .await?
                .into_iter()
                .map(|r| match r {
                    Ok(Ok(e)) => Ok(e.outcome),
                    Ok(Err(e)) => Err(e.to_string()),
                    Err(e) => Err(e.to_string()),
                })
                .collect(),
            Sink::Bulk(b) => b
                .apply(reqs)
                .await?
                .into_iter()
                .map(|r| r.map_err(|e| e.to_string()))
                .collect(),
        };
        self.commands += replies.len();
        let mut out = Vec::with_capacity(replies.len());
        for (r, name) in replies.into_iter().zip(names) {
            match r {
                Ok(o) => {
                    self.movements += o.movements.len();
                    out.push(Some(o));
                }
                Err(why) => {
                    self.refused += 1;
                    tracing::warn!(error = %why, "demo ledger command refused");
                    if self.first_refusals.len() < 5 {
                        self.first_refusals.push(format!("{why}: {name}"));
                    }
                    out.push(None);
                }
            }
        }
        Ok(out)
    }
}

fn created_lot(o: &Option<Outcome>) -> Option<LotId> {
    match o.as_ref()?.created? {
        Created::Lot(l) => Some(l),
        _ => None,
    }
}

fn created_transfer(o: &Option<Outcome>) -> Option<TransferId> {
    match o.as_ref()?.created? {
        Created::Transfer(t) => Some(t),
        _ => None,
    }
}

impl App {
    /// Write the demo part master (suppliers, parts, where-used, substitutes, some manual
    /// levels) and, with `history`, 24 months of stock movements ending now (after three
    /// months of first stocking before them) for every part in service (bulk path).
    pub async fn load_demo_parts(
        &self,
        seed: u64,
        scale: Scale,
        history: bool,
    ) -> AppResult<DemoStockSummary> {
        self.load_demo_parts_with(seed, scale, history.then(HistoryOptions::default))
            .await
    }

    /// [`App::load_demo_parts`] with the history's options (`None`: no history).
    pub async fn load_demo_parts_with(
        &self,
        seed: u64,
        scale: Scale,
        history: Option<HistoryOptions>,
    ) -> AppResult<DemoStockSummary> {
        let data = aftercare_demo::generate(seed, scale);
        let master = generate_parts(seed, scale, &data.product_models);
        let now = self.now();
        let ids = self.write_demo_master(&master, now).await?;
        let mut summary = DemoStockSummary {
            parts: master.parts.len(),
            ..DemoStockSummary::default()
        };
        if let Some(opts) = history {
            self.write_demo_history(seed, &data, &master, &ids, now, opts, &mut summary)
                .await?;
            self.write_demo_manual_levels(&master, &ids, now).await?;
        }
        Ok(summary)
    }

    /// Manual levels at the central warehouse for one in ten key parts, those still in
    /// production that it shipped in the last 26 weeks, set as a planner would from that
    /// outflow: the
    /// minimum covers one and a half lead times of it, the maximum two more months.
    /// (Levels from the parts' nominal demand instead ignored what the network really
    /// drew from the central warehouse: a panel used 0.26 a week got a maximum of 59.)
    async fn write_demo_manual_levels(
        &self,
        d: &DemoParts,
        ids: &MasterIds,
        now: Instant,
    ) -> AppResult<()> {
        const WEEKS: i64 = 26;
        // Read before the write transaction: an in-memory database has one connection.
        let start = Instant(now.0 - WEEKS * 7 * 86_400_000);
        let outflow = aftercare_store::planning::outflow_by_day(&self.db, start, now).await?;
        let today = self.company_days().await?.date_of(now);
        let mut tx = self.db.begin_write().await?;
        let central = pm::warehouses(&mut tx)
            .await?
            .into_iter()
            .find(|w| w.kind == WarehouseKind::Central.code())
            .map(|w| WarehouseId(w.id));
        let Some(central) = central else {
            return Ok(());
        };
        let mut shipped: HashMap<PartId, i64> = HashMap::new();
        for row in outflow {
            if row.warehouse == central {
                *shipped.entry(row.part).or_default() += row.qty;
            }
        }
        // One key part in ten: manual levels are a planner's exceptions, not the rule.
        for p in d.parts.iter().filter(|p| p.key).step_by(10) {
            let Some(&id) = ids.parts.get(&p.number) else {
                continue;
            };
            let weekly = shipped.get(&id).copied().unwrap_or(0) as f64 / WEEKS as f64;
            let in_production = p.end_of_production.is_none_or(|eop| eop > today);
            if weekly <= 0.0 || !in_production {
                continue;
            }
            let lead_weeks = p.lead_time_days as f64 / 7.0;
            let min = ((1.5 * weekly * lead_weeks).ceil() as i64).max(1);
            let max = min + ((weekly * 8.7).ceil() as i64).max(1);
            pm::upsert_level(&mut tx, central, id, min, Some(max)).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn write_demo_master(&self, d: &DemoParts, now: Instant) -> AppResult<MasterIds> {
        let mut tx = self.db.begin_write().await?;
        let mut suppliers = Vec::new();
        let mut vendors = Vec::new();
        for s in &d.suppliers {
            let id = insert_supplier(
                &mut tx,
                &NewSupplier {
                    code: s.code.clone(),
                    name: s.name.clone(),
                    kind: s.kind.to_string(),
                },
                now,
            )
            .await?;
            if s.kind == "repair_vendor" {
                vendors.push(id);
            } else {
                suppliers.push(id);
            }
        }
        let mut parts = HashMap::new();
        for p in &d.parts {
            let master = PartDraft {
                part_number: p.number.clone(),
                name_zh: p.name_zh.clone(),
                name_en: Some(p.name_en.clone()),
                specification: Some(p.specification.clone()),
                category: Some(p.category.to_string()),
                unit: p.unit.to_string(),
                standard_cost: p.cost,
                source: p.source.to_string(),
                lead_time_days: p.lead_time_days,
                replacement_cycle_days: p.replacement_cycle_days,
                criticality: Some(if p.key { "key" } else { "normal" }.to_string()),
                end_of_production: p.end_of_production,
                end_of_service: p.end_of_service,
                notes: None,
            }
            .validate()
            .map_err(|e| AppError::Unexpected(format!("demo part {}: {e:?}", p.number)))?;
            let id = pm::insert_part_master(&mut tx, &master, now).await?;
            parts.insert(p.number.clone(), id);
        }
        // Every bought part has its supplier (the one its history's purchase orders go
        // to), so purchase proposals can be approved.
        if !suppliers.is_empty() {
            for (i, p) in d.parts.iter().enumerate() {
                let supplier = suppliers[i % suppliers.len()];
                pm::set_part_supplier(&mut tx, parts[&p.number], supplier.0, p.lead_time_days)
                    .await?;
            }
        }
        let models: HashMap<String, ProductModelId> = pm::models(&mut tx)
            .await?
            .into_iter()
            .map(|m| (m.code, ProductModelId(m.id)))
            .collect();
        let part = |n: &str| {
            parts
                .get(n)
                .copied()
                .ok_or_else(|| AppError::Unexpected(format!("demo part {n} missing")))
        };
        for (m, p, q) in &d.where_used {
            let model = models
                .get(m)
                .copied()
                .ok_or_else(|| AppError::Unexpected(format!("demo model {m} missing")))?;
            pm::upsert_where_used(&mut tx, model, part(p)?, *q).await?;
        }
        for s in &d.substitutes {
            let dir = if s.both_ways {
                SubstituteDirection::BothWays
            } else {
                SubstituteDirection::OneWay
            };
            pm::upsert_substitute(
                &mut tx,
                part(&s.part)?,
                part(&s.substitute)?,
                dir,
                s.priority,
                &s.instruction,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(MasterIds {
            parts,
            suppliers,
            vendors,
        })
    }

    #[allow(clippy::too_many_arguments)]
    async fn write_demo_history(
        &self,
        seed: u64,
        data: &aftercare_demo::DemoData,
        master: &DemoParts,
        ids: &MasterIds,
        now: Instant,
        opts: HistoryOptions,
        summary: &mut DemoStockSummary,
    ) -> AppResult<()> {
        let mut rng = stream_rng(seed, HISTORY_STREAM);
        let wh_ids: HashMap<String, WarehouseId> = pm::warehouses(&self.db)
            .await?
            .into_iter()
            .map(|w| (w.code, WarehouseId(w.id)))
            .collect();
        let wid = |c: &str| {
            wh_ids
                .get(c)
                .copied()
                .ok_or_else(|| AppError::Unexpected(format!("demo warehouse {c} missing")))
        };
        let mut central = None;
        let mut stations = Vec::new();
        for w in &data.warehouses {
            match w.kind {
                WarehouseKind::Central => central = Some(wid(&w.code)?),
                WarehouseKind::Regional => {}
                WarehouseKind::Station => {
                    let parent = w.parent_code.as_deref().unwrap_or_default();
                    stations.push((wid(&w.code)?, wid(parent)?));
                }
            }
        }
        let central = central.ok_or_else(|| AppError::Unexpected("no central warehouse".into()))?;
        if stations.is_empty() || ids.suppliers.is_empty() || ids.vendors.is_empty() {
            return Ok(());
        }
        // The last simulated month starts 30 days ago, so that its replenishment and
        // issues reach the last weeks before now (the last command lands about six hours
        // before now); the months before it reach back past the planning windows.
        let months = WARMUP_MONTHS + MONTHS;
        let start = now.0 - months * 30 * DAY;
        let history_start = start + WARMUP_MONTHS * 30 * DAY;
        let millis = |d: chrono::NaiveDate| {
            d.and_hms_opt(0, 0, 0)
                .map_or(i64::MAX, |t| t.and_utc().timestamp_millis())
        };
        // Where each part is demanded: stations that stock it, each with its own rate, and
        // regional warehouses serving their stations' occasional demand directly.
        struct PartPlan {
            id: PartId,
            supplier: SupplierId,
            vendor: SupplierId,
            repairable: bool,
            stations: Vec<(usize, f64)>,
            regionals: Vec<(WarehouseId, f64)>,
            end_of_production: Option<i64>,
        }
        let max_sites = (stations.len() / 4).clamp(2, 30);
        let mut plans = Vec::new();
        for (i, p) in master.parts.iter().enumerate() {
            if opts.parts.is_some_and(|n| i >= n) {
                break;
            }
            // Past end of service nothing is demanded or stocked any more.
            if p.end_of_service.is_some_and(|d| millis(d) <= history_start) {
                continue;
            }
            // Heavy-tailed per-part rate, mean-preserving around the master's rate.
            let rate = (p.monthly_demand * (RATE_SIGMA * normal(&mut rng)).exp()
                / (RATE_SIGMA * RATE_SIGMA / 2.0).exp())
            .clamp(0.01, 60.0);
            let k = (1 + poisson(&mut rng, rate * 1.5) as usize).min(max_sites);
            let mut sites: Vec<(usize, f64)> = Vec::with_capacity(k);
            for _ in 0..k {
                let s = rng.random_range(0..stations.len());
                if !sites.iter().any(|(x, _)| *x == s) {
                    // Skewed shares: a few stations see most of a part's demand.
                    let w: f64 = -rng.random_range(f64::EPSILON..1.0f64).ln();
                    sites.push((s, w * w));
                }
            }
            let total: f64 = sites.iter().map(|s| s.1).sum();
            let mut stocked = Vec::new();
            let mut regional: BTreeMap<WarehouseId, f64> = BTreeMap::new();
            for (s, w) in sites {
                let r = rate * w / total;
                if r >= STATION_STOCKING_RATE {
                    stocked.push((s, r));
                } else {
                    *regional.entry(stations[s].1).or_default() += r;
                }
            }
            plans.push(PartPlan {
                id: ids.parts[&p.number],
                supplier: ids.suppliers[i % ids.suppliers.len()],
                vendor: ids.vendors[i % ids.vendors.len()],
                repairable: p.repairable,
                stations: stocked,
                regionals: regional.into_iter().collect(),
                end_of_production: p.end_of_production.map(millis),
            });
        }
        summary.parts_with_history = plans.len();

        let sink = match opts.path {
            HistoryPath::Writer => Sink::Writer(self),
            HistoryPath::Bulk => Sink::Bulk(Box::new(
                BulkLoad::begin(&self.db, self.config.stock_issue_policy, now).await?,
            )),
        };
        let mut run = Run {
            sink,
            commands: 0,
            refused: 0,
            movements: 0,
            first_refusals: Vec::new(),
            sequence: 0xcbf2_9ce4_8422_2325,
        };
        // Issuable (good + repaired) and defective units as the simulation sees them.
        let mut avail = Shelf::default();
        let mut defective: HashMap<(WarehouseId, PartId), i64> = HashMap::new();
        let mut scrap_pile: BTreeMap<(WarehouseId, PartId), i64> = BTreeMap::new();
        let mut repairs: Vec<(RepairOrderId, PartId, i64)> = Vec::new();
        let mut ticket = 0i64;
        for month in 0..months {
            let last = month == months - 1;
            let t0 = start + month * 30 * DAY;
            let at = |day: i64, hour: i64| Instant(t0 + day * DAY + hour * 3600 * 1000);
            // Demand halves every year after the end of production.
            let decline = |plan: &PartPlan| match plan.end_of_production {
                Some(e) if e < t0 => 0.5f64.powf((t0 - e) as f64 / (365.0 * DAY as f64)),
                _ => 1.0,
            };
            // What each station should hold: two months of its demand, at least one.
            let mut station_need: BTreeMap<(usize, usize), i64> = BTreeMap::new();
            for (pi, plan) in plans.iter().enumerate() {
                let f = decline(plan);
                for (si, rate) in &plan.stations {
                    let target = ((rate * f * 2.0).ceil() as i64).max(1);
                    let have = avail.have((stations[*si].0, plan.id));
                    if have < target {
                        station_need.insert((pi, *si), target - have);
                    }
                }
            }
            // Regional needs: what their stations ask for plus two months of the demand the
            // regional serves itself (at least one unit of every part its region asks for).
            let mut regional_need: BTreeMap<(usize, WarehouseId), i64> = BTreeMap::new();
            for ((pi, si), n) in &station_need {
                *regional_need.entry((*pi, stations[*si].1)).or_default() += n;
            }
            for (pi, plan) in plans.iter().enumerate() {
                let f = decline(plan);
                for (r, rate) in &plan.regionals {
                    *regional_need.entry((pi, *r)).or_default() +=
                        ((rate * f * 2.0).ceil() as i64).max(1);
                }
            }
            let mut central_need: BTreeMap<usize, i64> = BTreeMap::new();
            for ((pi, r), n) in regional_need.iter_mut() {
                let have = avail.have((*r, plans[*pi].id));
                let short = (*n - have).max(0);
                *n = short;
                if short > 0 {
                    *central_need.entry(*pi).or_default() += short;
                }
            }
            // Central buys what it is short of plus about three months of network demand.
            let mut orders: BTreeMap<SupplierId, Vec<(PartId, i64)>> = BTreeMap::new();
            for (pi, n) in &central_need {
                let plan = &plans[*pi];
                let have = avail.have((central, plan.id));
                if have < *n {
                    let rate: f64 = plan.stations.iter().map(|s| s.1).sum::<f64>()
                        + plan.regionals.iter().map(|s| s.1).sum::<f64>();
                    let buy = *n - have + (rate * decline(plan) * 3.0).ceil() as i64;
                    orders
                        .entry(plan.supplier)
                        .or_default()
                        .push((plan.id, buy));
                }
            }
            let po_cmds: Vec<(Command, Instant)> = orders
                .iter()
                .map(|(s, lines)| {
                    Ok((
                        Command::PlacePurchaseOrder {
                            supplier: *s,
                            lines: lines
                                .iter()
                                .map(|(p, n)| Ok((*p, qty(*n)?)))
                                .collect::<AppResult<_>>()?,
                        },
                        at(0, 9),
                    ))
                })
                .collect::<AppResult<_>>()?;
            let pos = run.apply(po_cmds).await?;
            let mut receipts = Vec::new();
            let mut receipt_lines = Vec::new();
            for (o, (_, lines)) in pos.iter().zip(orders.iter()) {
                let Some(Created::PurchaseOrder(po)) = o.as_ref().and_then(|o| o.created) else {
                    continue;
                };
                for (p, n) in lines {
                    receipts.push((
                        Command::Receive {
                            order: po,
                            warehouse: central,
                            part: *p,
                            qty: qty(*n)?,
                        },
                        at(1, 10),
                    ));
                    receipt_lines.push((*p, *n));
                }
            }
            let lots = run.apply(receipts).await?;
            let mut inspections = Vec::new();
            let mut accepted = Vec::new();
            for (o, (p, n)) in lots.iter().zip(receipt_lines) {
                let Some(lot) = created_lot(o) else { continue };
                // Now and then a unit fails incoming inspection and goes back.
                let reject = i64::from(n > 3 && rng.random_bool(0.04));
                inspections.push((
                    Command::Inspect {
                        warehouse: central,
                        lot,
                        accept: Qty::new(n - reject)
                            .map_err(|e| AppError::Unexpected(e.to_string()))?,
                        reject: Qty::new(reject)
                            .map_err(|e| AppError::Unexpected(e.to_string()))?,
                    },
                    at(2, 11),
                ));
                accepted.push((p, n - reject));
            }
            for (o, (p, n)) in run.apply(inspections).await?.iter().zip(accepted) {
                if o.is_some() {
                    avail.add((central, p), StockCondition::Good, n);
                }
            }
            // Central → regional, then regional → station.
            let mut c2r: BTreeMap<(WarehouseId, WarehouseId), Vec<Line>> = BTreeMap::new();
            for ((pi, r), n) in &regional_need {
                let p = plans[*pi].id;
                let have = avail.have((central, p));
                let ship = (*n).min(have);
                if ship > 0 {
                    for (c, n) in avail.take((central, p), ship) {
                        c2r.entry((central, *r)).or_default().push((p, c, n));
                    }
                }
            }
            demo_transfers(&mut run, c2r, at(3, 9), at(6, 12), false, &mut avail).await?;
            let mut r2s: BTreeMap<(WarehouseId, WarehouseId), Vec<Line>> = BTreeMap::new();
            for ((pi, si), n) in &station_need {
                let p = plans[*pi].id;
                let (s, r) = stations[*si];
                let have = avail.have((r, p));
                let ship = (*n).min(have);
                if ship > 0 {
                    for (c, n) in avail.take((r, p), ship) {
                        r2s.entry((r, s)).or_default().push((p, c, n));
                    }
                }
            }
            // In the last month a third of the station shipments are still on the road.
            demo_transfers(&mut run, r2s, at(8, 9), at(11, 18), last, &mut avail).await?;
            // Repairs back from the vendor (orders of the previous quarter).
            if month % 3 == 0 && !repairs.is_empty() {
                let mut back = Vec::new();
                let mut unrepairable = Vec::new();
                let mut keys = Vec::new();
                for (order, p, n) in std::mem::take(&mut repairs) {
                    let bad = (n as f64 * rng.random_range(0.05..0.25)).round() as i64;
                    let good = n - bad;
                    if good > 0 {
                        back.push((
                            Command::ReceiveFromRepair {
                                order,
                                warehouse: central,
                                qty: qty(good)?,
                            },
                            at(12, 10),
                        ));
                        keys.push((p, good));
                    }
                    if bad > 0 {
                        unrepairable.push((
                            Command::DeclareUnrepairable {
                                order,
                                qty: qty(bad)?,
                                returned_to: None,
                            },
                            at(12, 11),
                        ));
                    }
                }
                let lots = run.apply(back).await?;
                run.apply(unrepairable).await?;
                let mut inspections = Vec::new();
                let mut inspected = Vec::new();
                for (o, (p, n)) in lots.iter().zip(keys) {
                    if let Some(lot) = created_lot(o) {
                        inspections.push((
                            Command::Inspect {
                                warehouse: central,
                                lot,
                                accept: qty(n)?,
                                reject: Qty::new(0)
                                    .map_err(|e| AppError::Unexpected(e.to_string()))?,
                            },
                            at(13, 10),
                        ));
                        inspected.push((p, n));
                    }
                }
                for (o, (p, n)) in run.apply(inspections).await?.iter().zip(inspected) {
                    if o.is_some() {
                        avail.add((central, p), StockCondition::Repaired, n);
                    }
                }
            }
            // Demand: issues to tickets in the second half of the month, old parts back.
            let mut issues = Vec::new();
            let mut issue_keys = Vec::new();
            let mut promised: HashMap<(WarehouseId, PartId), i64> = HashMap::new();
            for plan in &plans {
                let f = decline(plan);
                let sites = plan
                    .stations
                    .iter()
                    .map(|(si, rate)| (stations[*si].0, *rate))
                    .chain(plan.regionals.iter().copied());
                for (w, rate) in sites {
                    // Events of 1.3 units on average: their rate is the units' rate / 1.3.
                    for _ in 0..poisson(&mut rng, rate * f / 1.3) {
                        // Units already promised to earlier events of this month count.
                        let held = promised.entry((w, plan.id)).or_default();
                        let n = event_size(&mut rng).min(avail.have((w, plan.id)) - *held);
                        if n <= 0 {
                            continue;
                        }
                        *held += n;
                        ticket += 1;
                        let when = at(rng.random_range(15..29), rng.random_range(8..18));
                        let consumer = Consumer::Ticket(TicketId(ticket));
                        issues.push((
                            Command::Issue {
                                warehouse: w,
                                part: plan.id,
                                qty: qty(n)?,
                                consumer,
                                reservation: None,
                                approved_by: Some(Role::Manager),
                            },
                            when,
                        ));
                        issue_keys.push((w, plan.id, n));
                        // The old part comes back: always worth it for repairable parts,
                        // now and then for the others (to be scrapped).
                        let returns = if plan.repairable {
                            rng.random_bool(0.7)
                        } else {
                            rng.random_bool(0.25)
                        };
                        if returns {
                            issues.push((
                                Command::DefectiveReturn {
                                    consumer,
                                    warehouse: w,
                                    part: plan.id,
                                    qty: qty(n)?,
                                },
                                Instant(when.0 + 2 * 3600 * 1000),
                            ));
                            issue_keys.push((w, plan.id, -n));
                        }
                    }
                }
            }
            // Keys follow the same order as the commands.
            let mut keyed: Vec<(Timed, (WarehouseId, PartId, i64))> =
                issues.into_iter().zip(issue_keys).collect();
            keyed.sort_by_key(|((_, at), _)| at.0);
            let (cmds, keys): (Vec<_>, Vec<_>) = keyed.into_iter().unzip();
            let repairable: HashMap<PartId, bool> =
                plans.iter().map(|p| (p.id, p.repairable)).collect();
            for (o, (w, p, n)) in run.apply(cmds).await?.iter().zip(keys) {
                if o.is_none() {
                    continue;
                }
                if n > 0 {
                    avail.take((w, p), n);
                } else if repairable.get(&p).copied().unwrap_or(false) {
                    *defective.entry((w, p)).or_default() += -n;
                } else {
                    *scrap_pile.entry((w, p)).or_default() += -n;
                }
            }
            // Quarter end: stations send defective stock to central, central to repair;
            // the old parts nobody repairs are scrapped where they are.
            if month % 3 == 2 {
                demo_scrap(&mut run, &mut scrap_pile, at(29, 8)).await?;
                let mut back: BTreeMap<(WarehouseId, WarehouseId), Vec<Line>> = BTreeMap::new();
                for ((w, p), n) in defective.iter_mut() {
                    if *w != central && *n > 0 {
                        back.entry((*w, central)).or_default().push((
                            *p,
                            StockCondition::Defective,
                            *n,
                        ));
                        *n = 0;
                    }
                }
                // Map iteration order must not decide the lines' order (digest, replay).
                back.values_mut().for_each(|l| l.sort_by_key(|x| x.0));
                let mut moved = Shelf::default();
                demo_transfers(&mut run, back, at(29, 9), at(29, 15), false, &mut moved).await?;
                // What arrived at central (or, if refused, stayed at the station) is defective.
                for (k, n) in moved.good {
                    *defective.entry(k).or_default() += n;
                }
                if !last {
                    let mut sends = Vec::new();
                    let mut keys = Vec::new();
                    for plan in &plans {
                        let n = defective.get(&(central, plan.id)).copied().unwrap_or(0);
                        if n > 0 {
                            sends.push((
                                Command::SendToRepair {
                                    warehouse: central,
                                    vendor: plan.vendor,
                                    part: plan.id,
                                    qty: qty(n)?,
                                    due: at(40, 0),
                                },
                                at(29, 18),
                            ));
                            keys.push((plan.id, n));
                        }
                    }
                    for (o, (p, n)) in run.apply(sends).await?.iter().zip(keys) {
                        if let Some(Created::RepairOrder(order)) =
                            o.as_ref().and_then(|o| o.created)
                        {
                            defective.insert((central, p), 0);
                            repairs.push((order, p, n));
                        }
                    }
                }
            }
        }
        summary.commands = run.commands;
        summary.refused = run.refused;
        summary.movements = run.movements;
        summary.sequence = run.sequence;
        summary.first_refusals = std::mem::take(&mut run.first_refusals);
        if let Sink::Bulk(b) = run.sink {
            let stats = b.commit().await?;
            tracing::info!(
                movements = stats.movements,
                groups = stats.groups,
                "demo history written in bulk"
            );
        }
        Ok(())
    }
}

/// Scrap the defective old parts nobody repairs (request, then a manager approves) and
/// dispose of them.
async fn demo_scrap(
    run: &mut Run<'_>,
    pile: &mut BTreeMap<(WarehouseId, PartId), i64>,
    when: Instant,
) -> AppResult<()> {
    let mut requests = Vec::new();
    let mut keys = Vec::new();
    for ((w, p), n) in std::mem::take(pile) {
        if n > 0 {
            requests.push((
                Command::RequestScrap {
                    warehouse: w,
                    part: p,
                    condition: StockCondition::Defective,
                    qty: qty(n)?,
                    reason: ScrapReason::DamagedBeyondRepair,
                },
                when,
            ));
            keys.push((w, p, n));
        }
    }
    let mut decisions = Vec::new();
    let mut decided = Vec::new();
    for (o, k) in run.apply(requests).await?.iter().zip(keys) {
        if let Some(Created::ScrapRequest(request)) = o.as_ref().and_then(|o| o.created) {
            decisions.push((
                Command::DecideScrap {
                    request,
                    approve: true,
                    by: Role::Manager,
                },
                Instant(when.0 + 3600 * 1000),
            ));
            decided.push(k);
        } else {
            // Refused: the units stay defective on the shelf; try again next quarter.
            *pile.entry((k.0, k.1)).or_default() += k.2;
        }
    }
    let mut disposals = Vec::new();
    for (o, (w, p, n)) in run.apply(decisions).await?.iter().zip(decided) {
        if o.is_some() {
            disposals.push((
                Command::Dispose {
                    warehouse: w,
                    part: p,
                    qty: qty(n)?,
                },
                Instant(when.0 + 2 * 3600 * 1000),
            ));
        }
    }
    run.apply(disposals).await?;
    Ok(())
}

/// Ship one transfer per (source, destination) and receive it in full, unless `leave`
/// (then a third stays on the road). Units land in `shelf` under the condition shipped
/// (defective ones are kept in its `good` map: the caller moves them).
async fn demo_transfers(
    run: &mut Run<'_>,
    routes: BTreeMap<(WarehouseId, WarehouseId), Vec<Line>>,
    shipped: Instant,
    received: Instant,
    leave: bool,
    shelf: &mut Shelf,
) -> AppResult<()> {
    let mut ships = Vec::new();
    let mut lines_of = Vec::new();
    for ((from, to), lines) in routes {
        let tq: Vec<TransferQty> = lines
            .iter()
            .map(|(p, c, n)| {
                Ok(TransferQty {
                    part: *p,
                    condition: *c,
                    qty: qty(*n)?,
                })
            })
            .collect::<AppResult<_>>()?;
        ships.push((
            Command::ShipTransfer {
                from,
                to,
                eta: Instant(shipped.0 + 3 * DAY),
                lines: tq.clone(),
            },
            shipped,
        ));
        lines_of.push((from, to, tq));
    }
    let outs = run.apply(ships).await?;
    let mut receives = Vec::new();
    let mut keys = Vec::new();
    for (i, (o, (from, to, tq))) in outs.iter().zip(lines_of).enumerate() {
        let Some(t) = created_transfer(o) else {
            // Refused: the units never left.
            for l in &tq {
                shelf.add((from, l.part), l.condition, l.qty.get());
            }
            continue;
        };
        if leave && i % 3 == 0 {
            continue;
        }
        receives.push((
            Command::ReceiveTransfer {
                transfer: t,
                lines: tq.clone(),
                close: true,
            },
            received,
        ));
        keys.push((to, tq));
    }
    for (o, (to, tq)) in run.apply(receives).await?.iter().zip(keys) {
        if o.is_some() {
            for l in tq {
                shelf.add((to, l.part), l.condition, l.qty.get());
            }
        }
    }
    Ok(())
}

/// Ids of the demo master records.
struct MasterIds {
    parts: HashMap<String, PartId>,
    suppliers: Vec<SupplierId>,
    vendors: Vec<SupplierId>,
}

/// A command with the instant it is applied at.
type Timed = (Command, Instant);

/// A transfer line: part, condition, units.
type Line = (PartId, StockCondition, i64);

/// Issuable units per warehouse and part as the simulation sees them, good and repaired
/// apart (transfers name the condition they ship).
#[derive(Default)]
struct Shelf {
    good: HashMap<(WarehouseId, PartId), i64>,
    repaired: HashMap<(WarehouseId, PartId), i64>,
}

impl Shelf {
    fn have(&self, k: (WarehouseId, PartId)) -> i64 {
        self.good.get(&k).copied().unwrap_or(0) + self.repaired.get(&k).copied().unwrap_or(0)
    }

    fn add(&mut self, k: (WarehouseId, PartId), c: StockCondition, n: i64) {
        let m = if c == StockCondition::Repaired {
            &mut self.repaired
        } else {
            &mut self.good
        };
        *m.entry(k).or_default() += n;
    }

    /// Take `n` units, repaired first (as the ledger issues them).
    fn take(&mut self, k: (WarehouseId, PartId), n: i64) -> Vec<(StockCondition, i64)> {
        let mut out = Vec::new();
        let r = self.repaired.entry(k).or_default();
        let from_r = n.min(*r);
        *r -= from_r;
        if from_r > 0 {
            out.push((StockCondition::Repaired, from_r));
        }
        let g = self.good.entry(k).or_default();
        let from_g = (n - from_r).min(*g);
        *g -= from_g;
        if from_g > 0 {
            out.push((StockCondition::Good, from_g));
        }
        out
    }
}
