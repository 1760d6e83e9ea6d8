//! The demo part master and 24 months of stock history, written through the product's own
//! paths: the part master through the store upserts, every stock change as a ledger
//! command through the ledger writer (backdated), so balances equal the sum of the ledger
//! by construction and `stock verify` holds.
//!
//! The history is a small pull simulation: central buys from suppliers (receipt →
//! inspection), ships to the regional warehouses, which ship to the stations; stations
//! issue parts to tickets with intermittent (Poisson) demand and take the old part back
//! (old-for-new) for repairable parts; every quarter stations send their defective stock to
//! central, which sends it to a repair vendor and gets most of it back as repaired the
//! next quarter. The last month leaves transfers on the road (some overdue) and repair
//! orders open.

use crate::error::{AppError, AppResult};
use crate::{App, demo::Scale};
use aftercare_demo::parts::{DemoParts, generate_parts};
use aftercare_demo::rng::stream_rng;
use aftercare_domain::org::WarehouseKind;
use aftercare_domain::part::{PartDraft, SubstituteDirection};
use aftercare_domain::stock::{
    Command, Consumer, Created, Outcome, Qty, StockCondition, TransferQty,
};
use aftercare_domain::{
    Instant, LotId, PartId, ProductModelId, RepairOrderId, Role, SupplierId, TicketId, TransferId,
    WarehouseId,
};
use aftercare_store::part_master as pm;
use aftercare_store::stock::LedgerRequest;
use aftercare_store::stock::master::{NewSupplier, insert_supplier};
use rand::Rng;
use std::collections::{BTreeMap, HashMap};

/// Random stream of the stock history (the part master uses stream 6).
const HISTORY_STREAM: u64 = 7;
const DAY: i64 = 24 * 3600 * 1000;
const MONTHS: i64 = 24;
/// Parts with a stock history in the demo (the busiest ones).
const HISTORY_PARTS: usize = 150;

/// What the demo stock load wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoStockSummary {
    /// Parts in the master.
    pub parts: usize,
    /// Ledger commands applied.
    pub commands: usize,
    /// Ledger commands refused (0 when the simulation is consistent).
    pub refused: usize,
    /// The first few refusals, for diagnosis.
    pub first_refusals: Vec<String>,
}

fn poisson(rng: &mut impl Rng, lambda: f64) -> i64 {
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

fn qty(n: i64) -> AppResult<Qty> {
    Qty::positive(n).map_err(|e| AppError::Unexpected(format!("demo quantity {n}: {e}")))
}

struct Run<'a> {
    app: &'a App,
    commands: usize,
    refused: usize,
    first_refusals: Vec<String>,
}

impl Run<'_> {
    /// Apply commands in order; `None` for a refused one.
    async fn apply(&mut self, batch: Vec<(Command, Instant)>) -> AppResult<Vec<Option<Outcome>>> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let reqs: Vec<LedgerRequest> = batch
            .into_iter()
            .map(|(command, now)| LedgerRequest {
                command,
                key: None,
                actor_id: None,
                actor_login: "demo".into(),
                request_id: None,
                now,
            })
            .collect();
        let names: Vec<String> = reqs
            .iter()
            .map(|r: &LedgerRequest| format!("{:?}", r.command).chars().take(160).collect())
            .collect();
        let replies = self.app.ledger().await?.execute_all(reqs).await?;
        self.commands += replies.len();
        let mut out = Vec::with_capacity(replies.len());
        for (r, name) in replies.into_iter().zip(names) {
            let why = match r {
                Ok(Ok(e)) => {
                    out.push(Some(e.outcome));
                    continue;
                }
                Ok(Err(e)) => e.to_string(),
                Err(e) => e.to_string(),
            };
            self.refused += 1;
            tracing::warn!(error = %why, "demo ledger command refused");
            if self.first_refusals.len() < 5 {
                self.first_refusals.push(format!("{why}: {name}"));
            }
            out.push(None);
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
    /// levels) and, with `history`, 24 months of stock movements ending now.
    pub async fn load_demo_parts(
        &self,
        seed: u64,
        scale: Scale,
        history: bool,
    ) -> AppResult<DemoStockSummary> {
        let data = aftercare_demo::generate(seed, scale);
        let master = generate_parts(seed, scale, &data.product_models);
        let now = self.now();
        let ids = self.write_demo_master(&master, now).await?;
        let mut summary = DemoStockSummary {
            parts: master.parts.len(),
            ..DemoStockSummary::default()
        };
        if history {
            let (commands, refused, first) = self
                .write_demo_history(seed, &data, &master, &ids, now)
                .await?;
            summary.commands = commands;
            summary.refused = refused;
            summary.first_refusals = first;
        }
        Ok(summary)
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
        let central = pm::warehouses(&mut tx)
            .await?
            .into_iter()
            .find(|w| w.kind == WarehouseKind::Central.code())
            .map(|w| WarehouseId(w.id));
        if let Some(c) = central {
            // Manual levels for the key parts at the central warehouse.
            for p in d.parts.iter().filter(|p| p.key) {
                let min = (p.monthly_demand * 2.0).ceil() as i64;
                pm::upsert_level(&mut tx, c, part(&p.number)?, min, Some(min * 4 + 4)).await?;
            }
        }
        tx.commit().await?;
        Ok(MasterIds {
            parts,
            suppliers,
            vendors,
        })
    }

    async fn write_demo_history(
        &self,
        seed: u64,
        data: &aftercare_demo::DemoData,
        master: &DemoParts,
        ids: &MasterIds,
        now: Instant,
    ) -> AppResult<(usize, usize, Vec<String>)> {
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
        let mut regionals = Vec::new();
        let mut stations = Vec::new();
        for w in &data.warehouses {
            match w.kind {
                WarehouseKind::Central => central = Some(wid(&w.code)?),
                WarehouseKind::Regional => regionals.push(wid(&w.code)?),
                WarehouseKind::Station => {
                    let parent = w.parent_code.as_deref().unwrap_or_default();
                    stations.push((wid(&w.code)?, wid(parent)?));
                }
            }
        }
        let central = central.ok_or_else(|| AppError::Unexpected("no central warehouse".into()))?;
        if stations.is_empty() || ids.suppliers.is_empty() || ids.vendors.is_empty() {
            return Ok((0, 0, Vec::new()));
        }
        // Where each part is demanded: a few stations, each with a share of the network rate.
        struct PartPlan {
            id: PartId,
            supplier: SupplierId,
            vendor: SupplierId,
            repairable: bool,
            stations: Vec<(usize, f64)>,
        }
        let max_sites = (stations.len() / 8).clamp(2, 12);
        // History for the busiest parts only: the ledger writes every movement, and the
        // whole 3,000-part catalogue's 24 months would keep `aftercare demo` starting for
        // minutes. The rest of the catalogue has master data and no stock.
        let mut by_demand: Vec<usize> = (0..master.parts.len()).collect();
        by_demand.sort_by(|&a, &b| {
            master.parts[b]
                .monthly_demand
                .total_cmp(&master.parts[a].monthly_demand)
                .then(a.cmp(&b))
        });
        let busy: std::collections::HashSet<usize> =
            by_demand.into_iter().take(HISTORY_PARTS).collect();
        let mut plans = Vec::new();
        for (i, p) in master.parts.iter().enumerate() {
            if !busy.contains(&i) {
                continue;
            }
            let k = rng.random_range(1..=max_sites);
            let mut sites: Vec<(usize, f64)> = Vec::with_capacity(k);
            for _ in 0..k {
                let s = rng.random_range(0..stations.len());
                if !sites.iter().any(|(x, _)| *x == s) {
                    sites.push((s, 0.0));
                }
            }
            let share = p.monthly_demand * 0.5 / sites.len() as f64;
            sites.iter_mut().for_each(|s| s.1 = share);
            plans.push(PartPlan {
                id: ids.parts[&p.number],
                supplier: ids.suppliers[i % ids.suppliers.len()],
                vendor: ids.vendors[i % ids.vendors.len()],
                repairable: p.repairable,
                stations: sites,
            });
        }

        let mut run = Run {
            app: self,
            commands: 0,
            refused: 0,
            first_refusals: Vec::new(),
        };
        // Issuable (good + repaired) and defective units as the simulation sees them.
        let mut avail = Shelf::default();
        let mut defective: HashMap<(WarehouseId, PartId), i64> = HashMap::new();
        let mut repairs: Vec<(RepairOrderId, PartId, i64)> = Vec::new();
        let mut ticket = 0i64;
        let start = now.0 - MONTHS * 30 * DAY - 5 * DAY;
        for month in 0..MONTHS {
            let last = month == MONTHS - 1;
            let t0 = start + month * 30 * DAY;
            let at = |day: i64, hour: i64| Instant(t0 + day * DAY + hour * 3600 * 1000);
            // What each station should hold: two months of its demand, at least one.
            let mut station_need: BTreeMap<(usize, usize), i64> = BTreeMap::new();
            for (pi, plan) in plans.iter().enumerate() {
                for (si, rate) in &plan.stations {
                    let target = ((rate * 2.0).ceil() as i64).max(1);
                    let have = avail.have((stations[*si].0, plan.id));
                    if have < target {
                        station_need.insert((pi, *si), target - have);
                    }
                }
            }
            // Regional needs: what their stations ask for plus a month of buffer.
            let mut regional_need: BTreeMap<(usize, WarehouseId), i64> = BTreeMap::new();
            for ((pi, si), n) in &station_need {
                *regional_need.entry((*pi, stations[*si].1)).or_default() += n;
            }
            let mut central_need: BTreeMap<usize, i64> = BTreeMap::new();
            for ((pi, r), n) in regional_need.iter_mut() {
                let have = avail.have((*r, plans[*pi].id));
                let short = (*n + 1 - have).max(0);
                *n = short;
                *central_need.entry(*pi).or_default() += short;
            }
            // Central buys what it is short of plus about three months of network demand.
            let mut orders: BTreeMap<SupplierId, Vec<(PartId, i64)>> = BTreeMap::new();
            for (pi, n) in &central_need {
                let plan = &plans[*pi];
                let have = avail.have((central, plan.id));
                if have < *n {
                    let rate: f64 = plan.stations.iter().map(|s| s.1).sum();
                    let buy = *n - have + (rate * 3.0).ceil() as i64;
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
            for plan in &plans {
                for (si, rate) in &plan.stations {
                    let d = poisson(&mut rng, *rate);
                    if d == 0 {
                        continue;
                    }
                    let s = stations[*si].0;
                    let have = avail.have((s, plan.id));
                    let n = d.min(have);
                    if n == 0 {
                        continue;
                    }
                    ticket += 1;
                    let when = at(rng.random_range(15..29), rng.random_range(8..18));
                    let consumer = Consumer::Ticket(TicketId(ticket));
                    issues.push((
                        Command::Issue {
                            warehouse: s,
                            part: plan.id,
                            qty: qty(n)?,
                            consumer,
                            reservation: None,
                            approved_by: Some(Role::Manager),
                        },
                        when,
                    ));
                    issue_keys.push((s, plan.id, n));
                    if plan.repairable && rng.random_bool(0.7) {
                        issues.push((
                            Command::DefectiveReturn {
                                consumer,
                                warehouse: s,
                                part: plan.id,
                                qty: qty(n)?,
                            },
                            Instant(when.0 + 2 * 3600 * 1000),
                        ));
                        issue_keys.push((s, plan.id, -n));
                    }
                }
            }
            // Keys follow the same order as the commands.
            let mut keyed: Vec<(Timed, (WarehouseId, PartId, i64))> =
                issues.into_iter().zip(issue_keys).collect();
            keyed.sort_by_key(|((_, at), _)| at.0);
            let (cmds, keys): (Vec<_>, Vec<_>) = keyed.into_iter().unzip();
            for (o, (s, p, n)) in run.apply(cmds).await?.iter().zip(keys) {
                if o.is_none() {
                    continue;
                }
                if n > 0 {
                    avail.take((s, p), n);
                } else {
                    *defective.entry((s, p)).or_default() += -n;
                }
            }
            // Quarter end: stations send defective stock to central, central to repair.
            if month % 3 == 2 {
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
        Ok((run.commands, run.refused, run.first_refusals))
    }
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
