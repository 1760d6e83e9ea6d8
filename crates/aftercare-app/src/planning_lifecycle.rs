//! Lifecycle inputs planners give planning runs: successor parts (phase-in: the successor
//! inherits the predecessor's demand history) and demand events such as recalls (known
//! extra demand at a warehouse over a date window, added on top of the forecast).

use crate::App;
use crate::access::Actor;
use crate::error::{AppError, AppResult};
use crate::planning::{PLANNERS, actor_login};
use aftercare_domain::{PartId, WarehouseId};
use aftercare_planning::lifecycle::EventDemand;
/// Quantities in words (whole numbers without decimals).
pub use aftercare_planning::lifecycle::fmt_qty;
use aftercare_store::audit;
use aftercare_store::planning as plan_store;
use aftercare_store::planning_lifecycle::{self as store, NewDemandEvent};
/// Rows the API and pages show.
pub use aftercare_store::planning_lifecycle::{DemandEventRow, Succession};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Parts per million in one part per affected unit.
const PPM: i64 = 1_000_000;
/// Highest replacement rate accepted: parts per affected unit.
const MAX_RATE: i64 = 100;
/// Most affected units accepted: more than any product's installed base. Bounds the
/// event demand (units × rate) a run turns into reorder points and proposal quantities.
const MAX_AFFECTED_UNITS: i64 = 100_000_000;
/// Longest event window accepted, in days.
const MAX_EVENT_DAYS: i64 = 3 * 366;

/// A succession to record.
#[derive(Debug, Clone, Deserialize)]
pub struct SetSuccession {
    /// Part number of the part being replaced.
    pub predecessor: String,
    /// Part number of the part that takes over.
    pub successor: String,
    /// Percent of the predecessor's demand that moves over (1–100; default 100).
    #[serde(default)]
    pub share_pct: Option<i64>,
}

/// A demand event to record.
#[derive(Debug, Clone, Deserialize)]
pub struct AddDemandEvent {
    /// Part number of the part needed.
    pub part_number: String,
    /// Warehouse where it is needed.
    pub warehouse_id: i64,
    /// What the event is, e.g. the recall's name.
    pub name: String,
    /// First day, YYYY-MM-DD.
    pub starts_on: String,
    /// Last day, YYYY-MM-DD (inclusive).
    pub ends_on: String,
    /// Units in the field affected.
    pub affected_units: i64,
    /// Parts needed per affected unit, a decimal such as `0.02` (at most six places).
    pub replacement_rate: String,
}

/// Parse a replacement rate (parts per affected unit) into parts per million, exactly.
pub fn parse_rate_ppm(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if t.is_empty() || (whole.is_empty() && frac.is_empty()) || !digits(whole) || !digits(frac) {
        return Err(format!("'{t}' is not a decimal number such as 0.02"));
    }
    if frac.len() > 6 {
        return Err(format!("'{t}' has more than six decimal places"));
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| format!("'{t}' is too large"))?
    };
    if whole > MAX_RATE {
        return Err(format!("{t} parts per unit is more than {MAX_RATE}"));
    }
    let frac_ppm: i64 = format!("{frac:0<6}").parse().unwrap_or(0);
    let ppm = whole * PPM + frac_ppm;
    if ppm == 0 || ppm > MAX_RATE * PPM {
        return Err(format!(
            "{t} must be above 0 and at most {MAX_RATE} parts per unit"
        ));
    }
    Ok(ppm)
}

fn parse_day(field: &str, s: &str) -> AppResult<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::invalid(field, format!("'{s}' is not a date YYYY-MM-DD")))
}

/// Whether making `successor` take over `predecessor` would close a loop of successions.
fn closes_loop(existing: &[Succession], predecessor: PartId, successor: PartId) -> bool {
    let next: HashMap<PartId, PartId> = existing
        .iter()
        .filter(|s| s.predecessor != predecessor)
        .map(|s| (s.predecessor, s.successor))
        .collect();
    let mut at = successor;
    for _ in 0..=next.len() {
        if at == predecessor {
            return true;
        }
        match next.get(&at) {
            Some(&n) => at = n,
            None => return false,
        }
    }
    true
}

impl App {
    /// Every succession (planners only).
    pub async fn successions(&self, actor: &Actor) -> AppResult<Vec<Succession>> {
        actor.require(PLANNERS, "see part successions")?;
        Ok(store::successions(&self.db).await?)
    }

    /// Record that `successor` takes over `predecessor`'s uses (replacing an earlier
    /// successor of the same part). Refused: unknown parts, a part succeeding itself, a
    /// successor out of use or past its end of production, a share outside 1–100 %, a
    /// loop of successions.
    pub async fn set_succession(&self, actor: &Actor, s: SetSuccession) -> AppResult<Succession> {
        actor.require(PLANNERS, "change part successions")?;
        let share = s.share_pct.unwrap_or(100);
        if !(1..=100).contains(&share) {
            return Err(AppError::invalid(
                "share_pct",
                format!("{share} is not a percentage from 1 to 100"),
            ));
        }
        let predecessor = self
            .part_id_by_number(&s.predecessor)
            .await
            .map_err(|e| rename_field(e, "predecessor"))?;
        let successor = self
            .part_id_by_number(&s.successor)
            .await
            .map_err(|e| rename_field(e, "successor"))?;
        if predecessor == successor {
            return Err(AppError::invalid(
                "successor",
                "a part cannot succeed itself",
            ));
        }
        let now = self.now();
        self.check_buyable_successor(successor, s.successor.trim(), now)
            .await?;
        let mut tx = self.db.begin_write().await?;
        // Checked inside the write transaction with the other succession writers held off:
        // two changes at once (A → B and B → A) could each pass a check made before either
        // wrote, and store a loop together.
        store::lock_successions(&mut tx).await?;
        let existing = store::successions_in(&mut tx).await?;
        if closes_loop(&existing, predecessor, successor) {
            return Err(AppError::invalid(
                "successor",
                format!(
                    "{} already leads back to {} through its own successors: successions may not loop",
                    s.successor.trim(),
                    s.predecessor.trim()
                ),
            ));
        }
        let before = existing
            .iter()
            .find(|e| e.predecessor == predecessor)
            .cloned();
        store::upsert_succession(
            &mut tx,
            predecessor,
            successor,
            share,
            &actor_login(actor),
            now,
        )
        .await?;
        let mut entry = actor.audit(now, "planning.succession_set", "part", predecessor.0);
        entry.before = before.as_ref().and_then(|b| serde_json::to_value(b).ok());
        entry.after = Some(serde_json::json!({"successor": successor.0, "share_pct": share}));
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        store::succession_of_part(&self.db, predecessor)
            .await?
            .ok_or_else(|| AppError::Unexpected("succession vanished after commit".into()))
    }

    /// Refuse a successor that can no longer be bought: a part phased in takes over
    /// demand its stock must be bought for, so one out of use or whose end of production
    /// is today or earlier would inherit demand only a last-time buy could meet.
    async fn check_buyable_successor(
        &self,
        successor: PartId,
        number: &str,
        now: aftercare_domain::Instant,
    ) -> AppResult<()> {
        let Some(part) = plan_store::plan_part(&self.db, successor).await? else {
            return Err(AppError::invalid(
                "successor",
                format!("{number} is out of use: it cannot take over another part's uses"),
            ));
        };
        let today = self.company_days().await?.date_of(now);
        if let Some(eop) = past_end_of_production(&part, today) {
            return Err(AppError::invalid(
                "successor",
                format!(
                    "{number} reached its end of production on {eop}: it can no longer be \
                     bought, so it cannot take over another part's uses"
                ),
            ));
        }
        Ok(())
    }

    /// Remove the succession of the part numbered `predecessor`.
    pub async fn remove_succession(&self, actor: &Actor, predecessor: &str) -> AppResult<()> {
        actor.require(PLANNERS, "change part successions")?;
        // The part is named by the path: one that does not exist is not found (404), like
        // a part without a succession; a number that cannot be one stays bad input (422).
        aftercare_domain::part::PartNumber::parse(predecessor)
            .map_err(|e| rename_field(AppError::from(e), "predecessor"))?;
        let part = self
            .part_id_by_number(predecessor)
            .await
            .map_err(|e| match e {
                AppError::Invalid(_) => AppError::not_found(format!("part {}", predecessor.trim())),
                e => e,
            })?;
        let before = store::succession_of_part(&self.db, part)
            .await?
            .ok_or_else(|| {
                AppError::not_found(format!("succession of part {}", predecessor.trim()))
            })?;
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        store::delete_succession(&mut tx, part).await?;
        let mut entry = actor.audit(now, "planning.succession_removed", "part", part.0);
        entry.before = serde_json::to_value(&before).ok();
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Demand events, newest first (planners only).
    pub async fn demand_events(
        &self,
        actor: &Actor,
        active_only: bool,
    ) -> AppResult<Vec<DemandEventRow>> {
        actor.require(PLANNERS, "see demand events")?;
        Ok(store::demand_events(&self.db, active_only).await?)
    }

    /// Record a demand event (e.g. a recall). Refused with the field and reason: unknown
    /// part or warehouse, bad dates, a window over before today or longer than three
    /// years, no name, units
    /// not above 0 or above 100 million, a rate that is not a decimal above 0 and at most
    /// 100 parts per unit.
    pub async fn add_demand_event(
        &self,
        actor: &Actor,
        e: AddDemandEvent,
    ) -> AppResult<DemandEventRow> {
        self.add_demand_event_once(actor, e, None).await
    }

    /// [`App::add_demand_event`] under a request key: sent again with the same key, it
    /// answers the event the first send recorded (a second one would double its demand).
    pub async fn add_demand_event_once(
        &self,
        actor: &Actor,
        e: AddDemandEvent,
        key: Option<&str>,
    ) -> AppResult<DemandEventRow> {
        actor.require(PLANNERS, "record demand events")?;
        let key = key.map(crate::request_keys::checked).transpose()?;
        if let Some(id) = self
            .keyed_record(actor, key, "planning.event_added")
            .await?
        {
            return self.demand_event(actor, id).await;
        }
        let name = e.name.trim();
        if name.is_empty() {
            return Err(AppError::invalid(
                "name",
                "an event needs a name, e.g. the recall's",
            ));
        }
        let starts = parse_day("starts_on", &e.starts_on)?;
        let ends = parse_day("ends_on", &e.ends_on)?;
        let days = (ends - starts).num_days();
        if days < 0 {
            return Err(AppError::invalid(
                "ends_on",
                "the event ends before it starts",
            ));
        }
        let today = self.company_today().await?;
        if ends < today {
            return Err(AppError::invalid(
                "ends_on",
                format!(
                    "the event ended on {ends}, before today ({today}): it would add no demand"
                ),
            ));
        }
        if days >= MAX_EVENT_DAYS {
            return Err(AppError::invalid(
                "ends_on",
                format!("an event window may last at most {MAX_EVENT_DAYS} days"),
            ));
        }
        if !(1..=MAX_AFFECTED_UNITS).contains(&e.affected_units) {
            return Err(AppError::invalid(
                "affected_units",
                format!(
                    "{} affected units: must be above 0 and at most {MAX_AFFECTED_UNITS}",
                    e.affected_units
                ),
            ));
        }
        let ppm = parse_rate_ppm(&e.replacement_rate)
            .map_err(|m| AppError::invalid("replacement_rate", m))?;
        let part = self.part_id_by_number(&e.part_number).await?;
        let warehouse = WarehouseId(e.warehouse_id);
        if plan_store::plan_warehouse(&self.db, warehouse)
            .await?
            .is_none()
        {
            return Err(AppError::invalid(
                "warehouse_id",
                format!(
                    "there is no active after-sales warehouse {}",
                    e.warehouse_id
                ),
            ));
        }
        let now = self.now();
        let row = NewDemandEvent {
            part,
            warehouse,
            name: name.to_string(),
            starts_on: starts.format("%Y-%m-%d").to_string(),
            ends_on: ends.format("%Y-%m-%d").to_string(),
            affected_units: e.affected_units,
            replacement_ppm: ppm,
        };
        let mut tx = self.db.begin_write().await?;
        let id = store::insert_demand_event(&mut tx, &row, &actor_login(actor), now).await?;
        let mut entry = actor.audit(now, "planning.event_added", "demand_event", id);
        entry.after = Some(serde_json::json!({
            "part": part.0, "warehouse": warehouse.0, "name": row.name,
            "starts_on": row.starts_on, "ends_on": row.ends_on,
            "affected_units": row.affected_units, "replacement_ppm": ppm,
        }));
        audit::record(&mut tx, &entry).await?;
        if let Some(first) = self
            .claim_or_first(&mut tx, actor, key, ("planning.event_added", id))
            .await?
        {
            // Taken meanwhile by the same form sent at once: its event, not a second.
            drop(tx);
            return self.demand_event(actor, first).await;
        }
        tx.commit().await?;
        self.demand_event(actor, id).await
    }

    /// One demand event.
    pub async fn demand_event(&self, actor: &Actor, id: i64) -> AppResult<DemandEventRow> {
        actor.require(PLANNERS, "see demand events")?;
        store::demand_event(&self.db, id)
            .await?
            .ok_or_else(|| AppError::not_found(format!("demand event {id}")))
    }

    /// Cancel an active demand event: later runs no longer add it.
    pub async fn cancel_demand_event(&self, actor: &Actor, id: i64) -> AppResult<DemandEventRow> {
        actor.require(PLANNERS, "cancel demand events")?;
        let before = self.demand_event(actor, id).await?;
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        if !store::cancel_demand_event(&mut tx, id, now).await? {
            return Err(AppError::Conflict {
                code: "planning.event_not_active".into(),
                message: format!("demand event {id} is {}, not active", before.status),
            });
        }
        let mut entry = actor.audit(now, "planning.event_cancelled", "demand_event", id);
        entry.before = serde_json::to_value(&before).ok();
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        self.demand_event(actor, id).await
    }
}

impl App {
    /// Demo lifecycle inputs, so the lifecycle page and a run show them: the part issued
    /// most at a station warehouse over the last 26 weeks is succeeded (60 %) by a part of
    /// the same line and component (its number up to the last `-`) still in production,
    /// one not issued anywhere in those weeks if there is one (no succession when no such
    /// part is in production), and a recall at that warehouse needs 1 % of its affected
    /// units over the next four weeks (at least 5,000 units, and 200 per unit the warehouse
    /// holds: more than it holds). Nothing when the history has no station issues.
    pub async fn seed_demo_lifecycle(&self) -> AppResult<()> {
        let now = self.now();
        let start = aftercare_domain::Instant(now.0 - 26 * 7 * 86_400_000);
        let warehouses: HashMap<WarehouseId, plan_store::PlanWarehouse> =
            plan_store::plan_warehouses(&self.db)
                .await?
                .into_iter()
                .map(|w| (w.id, w))
                .collect();
        let mut totals: HashMap<(WarehouseId, PartId), i64> = HashMap::new();
        for row in plan_store::outflow_by_day(&self.db, start, now).await? {
            *totals.entry((row.warehouse, row.part)).or_default() += row.qty;
        }
        let busiest = totals
            .iter()
            .filter(|((w, _), _)| warehouses.get(w).is_some_and(|w| w.parent.is_some()))
            .max_by_key(|((w, p), q)| (**q, -w.0, -p.0))
            .map(|(k, _)| *k);
        let Some((station, part)) = busiest else {
            return Ok(());
        };
        let used: std::collections::HashSet<PartId> = totals.keys().map(|(_, p)| *p).collect();
        let parts = plan_store::plan_parts(&self.db).await?;
        let number = |id: PartId| {
            parts
                .iter()
                .find(|p| p.id == id)
                .map(|p| p.part_number.clone())
        };
        let Some(old) = number(part) else {
            return Ok(());
        };
        // The successor is a part of the same line and component (`TV-PB-…`, a power
        // board of a TV), one not drawn on yet if there is one: a remote control does not
        // replace a power board. It must still be produced: a part that can no longer be
        // bought is not phased in (`plan_parts` lists active parts only).
        let family = |n: &str| n.rsplit_once('-').map(|(f, _)| f.to_string());
        let days = self.company_days().await?;
        let today = days.date_of(now);
        let kin = |p: &&plan_store::PlanPart| {
            p.id != part
                && family(&p.part_number).is_some_and(|f| Some(f) == family(&old))
                && past_end_of_production(p, today).is_none()
        };
        let fresh = parts
            .iter()
            .filter(kin)
            .find(|p| !used.contains(&p.id))
            .or_else(|| parts.iter().find(kin));
        if let Some(new) = fresh {
            self.set_succession(
                &Actor::Cli,
                SetSuccession {
                    predecessor: old.clone(),
                    successor: new.part_number.clone(),
                    share_pct: Some(60),
                },
            )
            .await?;
        }
        // Enough to need more than the warehouse holds, whatever the history left on its
        // shelf, so the demo's run proposes for the recall: at 1 % replaced, 200 affected
        // units per unit held (and 25 more), in thousands, at least 5,000.
        let held = aftercare_store::plan_views::shippable(&self.db, &[(station, part)])
            .await?
            .get(&(station, part))
            .copied()
            .unwrap_or(0)
            .max(0);
        let affected_units = ((held + 25) * 200 + 999) / 1000 * 1000;
        let affected_units = affected_units.max(5000);
        let day = |ms: i64| {
            days.date_of(aftercare_domain::Instant(ms))
                .format("%Y-%m-%d")
                .to_string()
        };
        self.add_demand_event(
            &Actor::Cli,
            AddDemandEvent {
                part_number: old,
                warehouse_id: station.0,
                name: "召回 Recall R-2026-01".into(),
                starts_on: day(now.0),
                ends_on: day(now.0 + 27 * 86_400_000),
                affected_units,
                replacement_rate: "0.01".into(),
            },
        )
        .await?;
        Ok(())
    }
}

/// The part's end of production when it is `today` or earlier (it can no longer be
/// bought), `None` while it is still produced.
fn past_end_of_production(part: &plan_store::PlanPart, today: NaiveDate) -> Option<NaiveDate> {
    part.end_of_production_on
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .filter(|eop| *eop <= today)
}

fn rename_field(e: AppError, field: &str) -> AppError {
    match e {
        AppError::Invalid(errors) => AppError::Invalid(
            errors
                .into_iter()
                .map(|mut v| {
                    v.field = field.to_string();
                    v
                })
                .collect(),
        ),
        other => other,
    }
}

/// A stored event as the engine's event demand for a run: one piece per forecast period
/// its window touches, each with the demand of its own days (the demand is spread evenly
/// over the window's days, so a period the window covers for 1 day of 7 gets 1/7 of a
/// full week's share). `step_of` names the forecast step of a day (0 = the first forecast
/// period; calendar months for a monthly run). `today` is the first day not yet in the
/// ledger: days before it have happened (their demand is in the history), so only the
/// part of the window from today on is added. Empty when nothing of it is left.
pub fn event_for_run(
    e: &DemandEventRow,
    today: i64,
    step_of: impl Fn(i64) -> usize,
) -> Vec<EventDemand> {
    let day = |s: &str| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .map(|d| (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()).num_days())
    };
    let (Some(starts), Some(ends)) = (day(&e.starts_on), day(&e.ends_on)) else {
        return Vec::new();
    };
    let from = starts.max(today);
    if from > ends {
        return Vec::new();
    }
    let units_per_day = e.affected_units as f64 / (ends - starts + 1) as f64;
    // Days per step, in order (a window is at most about three years of days).
    let mut days: Vec<(usize, i64)> = Vec::new();
    for d in from..=ends {
        let step = step_of(d);
        match days.last_mut() {
            Some((s, n)) if *s == step => *n += 1,
            _ => days.push((step, 1)),
        }
    }
    days.into_iter()
        .map(|(start, n)| EventDemand {
            start,
            periods: 1,
            affected_units: units_per_day * n as f64,
            replacement_rate: e.replacement_ppm as f64 / PPM as f64,
        })
        .collect()
}

/// A succession's share as a fraction.
pub fn share_of(s: &Succession) -> f64 {
    s.share_pct as f64 / 100.0
}

/// Serializable summary of what lifecycle inputs a pair's plan used.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LifecycleNote {
    /// Predecessors whose history was added, e.g. `PN-1 (50 %)`.
    pub inherits: Vec<String>,
    /// Successors this part's history moved on to, e.g. `PN-4 (50 %)` (the part keeps
    /// the rest).
    pub hands_on: Vec<String>,
    /// Events counted at this warehouse (here or at a warehouse it replenishes).
    pub events: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_exactly_into_parts_per_million() {
        assert_eq!(parse_rate_ppm("0.02"), Ok(20_000));
        assert_eq!(parse_rate_ppm("1"), Ok(1_000_000));
        assert_eq!(parse_rate_ppm(" 2.5 "), Ok(2_500_000));
        assert_eq!(parse_rate_ppm(".000001"), Ok(1));
        for bad in [
            "",
            ".",
            "0",
            "0.0",
            "-1",
            "1e-3",
            "abc",
            "0.0000001",
            "101",
            "1,5",
        ] {
            assert!(parse_rate_ppm(bad).is_err(), "{bad:?} accepted");
        }
    }

    fn event(starts: &str, ends: &str) -> DemandEventRow {
        DemandEventRow {
            id: 1,
            part: PartId(1),
            part_number: "PN".into(),
            warehouse: WarehouseId(1),
            warehouse_code: "W".into(),
            name: "recall".into(),
            starts_on: starts.into(),
            ends_on: ends.into(),
            affected_units: 1000,
            replacement_ppm: 50_000,
            status: "active".into(),
            created_by: "x".into(),
            created_at: aftercare_domain::Instant(0),
        }
    }

    /// Weekly steps from `start` (days before it count in step 0).
    fn weeks_from(start: i64) -> impl Fn(i64) -> usize {
        move |d| usize::try_from((d - start).div_euclid(7)).unwrap_or(0)
    }

    fn pieces(ev: &[EventDemand]) -> Vec<(usize, usize, f64)> {
        ev.iter()
            .map(|e| (e.start, e.periods, (e.total() * 1e9).round() / 1e9))
            .collect()
    }

    #[test]
    fn an_event_maps_to_forecast_steps_and_keeps_only_what_is_still_to_come() {
        // 2026-03-02 is day 20514; forecast starts that day, weekly periods.
        let d0 = 20_514;
        // 1000 units × 5 % over two whole weeks: 25 a week.
        let e = event("2026-03-16", "2026-03-29");
        let ev = event_for_run(&e, d0, weeks_from(d0));
        assert_eq!(pieces(&ev), [(2, 1, 25.0), (3, 1, 25.0)]);
        // Half the window has passed: half the demand is left, from step 0.
        let half = event_for_run(&e, d0 + 21, weeks_from(d0 + 21));
        assert_eq!(pieces(&half), [(0, 1, 25.0)]);
        // Over: nothing.
        assert!(event_for_run(&e, d0 + 28, weeks_from(d0 + 28)).is_empty());
    }

    #[test]
    fn an_event_is_spread_over_its_days_not_over_the_periods_it_touches() {
        let d0 = 20_514; // Monday 2026-03-02
        // 2026-03-08 (Sunday) to 2026-03-22 (Sunday): 15 days, 1 + 7 + 7 of them in steps
        // 0, 1 and 2 — not a third each.
        let e = event("2026-03-08", "2026-03-22");
        let ev = event_for_run(&e, d0, weeks_from(d0));
        let day = 50.0 / 15.0;
        let want = [(0, 1, day), (1, 1, 7.0 * day), (2, 1, 7.0 * day)];
        for ((s, p, q), (ws, wp, wq)) in pieces(&ev).into_iter().zip(want) {
            assert_eq!((s, p), (ws, wp));
            assert!((q - wq).abs() < 1e-6, "{q} vs {wq}");
        }
        assert!((ev.iter().map(EventDemand::total).sum::<f64>() - 50.0).abs() < 1e-9);
    }

    fn succ(a: i64, b: i64) -> Succession {
        Succession {
            predecessor: PartId(a),
            predecessor_number: a.to_string(),
            successor: PartId(b),
            successor_number: b.to_string(),
            share_pct: 100,
            created_by: "x".into(),
            created_at: aftercare_domain::Instant(0),
        }
    }

    #[test]
    fn loops_of_successions_are_found() {
        let chain = [succ(1, 2), succ(2, 3)];
        assert!(closes_loop(&chain, PartId(3), PartId(1)));
        assert!(!closes_loop(&chain, PartId(4), PartId(1)));
        // Re-pointing 1 from 2 to 3 is fine; 3 → 2 would loop through 2 → 3.
        assert!(!closes_loop(&chain, PartId(1), PartId(3)));
        assert!(closes_loop(&chain, PartId(3), PartId(2)));
    }
}
