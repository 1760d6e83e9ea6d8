//! Planning in the product: build each warehouse's outflow history from the ledger, plan
//! every part × warehouse with the planning engine, and keep one open replenishment
//! proposal per pair (purchases at the warehouses without a parent, transfers from the
//! parent elsewhere, last-time buys for parts past end of production); planners approve
//! (the purchase order or transfer is created through the ledger) or reject.
//!
//! Demand at a warehouse is what left it: issues to tickets and requisitions, and
//! transfers shipped to the warehouses it replenishes (the demand an upper echelon sees).
//! Periods are whole UTC days grouped into weeks (7 days ending yesterday) or calendar
//! months (ending with the last complete month).
//!
//! Levels follow the three-point rule: minimum = safety stock, reorder point = minimum +
//! demand over the protection interval, maximum = one lot of an economic order quantity
//! `√(2·K·D / h)` above the highest position that orders (reorder point − 1 unit; K: a
//! purchase order's or a transfer's fixed cost, D: demand per period, h: standard cost ×
//! the yearly holding rate per period), all on the stock position. See
//! `PlanOptions::settings` for when the lot is left out.
//!
//! The target fill rate applies to each pair, or (allocations `warehouse` and
//! `warehouse_history`) to each warehouse's units as a whole: see [`Allocation`].
//!
//! Approving claims the proposal first: one guarded write marks it as being approved and
//! freezes the exact ledger command on it (quantity, source or supplier, and a transfer's
//! ETA computed once from the transfer days the proposal was planned with). Runs and
//! emergency requisitions leave a claimed proposal as it is, and it cannot be rejected.
//! The frozen command then runs through the ledger under the claim's own Idempotency-Key
//! (`plan-proposal-{id}-…`, kept with it), and the proposal is decided approved with the
//! document. A ledger refusal (e.g. the parent warehouse is short) releases the claim with
//! the refusal noted and fences its key: the proposal stays open. Approving a claimed proposal again runs the same frozen command
//! again, which the ledger replays if it had applied it — so an approval that stopped
//! half-way (the process died between the ledger and the decision) is finished by simply
//! approving again, and nothing is ordered or shipped twice. There is no sweep: a stalled
//! claim holds only its own pair (still listed as open, "being approved since …"), and the
//! planner who approved it saw the approval fail and approves again.

use crate::App;
use crate::access::Actor;
use crate::calendar::{CompanyDays, day_to_date};
use crate::error::{AppError, AppResult};
use crate::planning_lifecycle::{LifecycleNote, event_for_run, share_of};
use crate::planning_repairs::{RepairPipeline, RepairReturns};
use crate::stock::{StockReceipt, refusal};
use aftercare_domain::stock::{Command, Created, Qty, StockCondition, TransferQty};
use aftercare_domain::{Instant, PartId, Role, WarehouseId};
use aftercare_planning::allocate::{
    GroupOutcome, HistoryItem, ReplayChunk, calibrate_on_history, calibrate_worth_by, group_outcome,
};
use aftercare_planning::lifecycle::{
    EventDemand, LastTimeBuyInput, event_demand_within, inherit_history, last_time_buy,
};
use aftercare_planning::netting::StockPosition;
use aftercare_planning::plan::{
    ItemForecast, ItemPlan, ManualLevels, PlanInput, PlanSettings, forecast_item,
    plan_forecast_item, policy_model, prefix_estimates,
};
use aftercare_planning::policy::{
    ItemParams, LotSizing, Nanos, PolicyModel, ServiceTarget, sized_lot,
};
use aftercare_planning::simulate::measured_periods;
use aftercare_store::audit;
use aftercare_store::plan_views as plan_views_store;
use aftercare_store::planning::{
    self as store, ItemDetail, NewRun, PlanItemRow, PlanPart, PlanWarehouse, Position,
    ProposalDraft, ProposalFilter, ProposalKind, ProposalRow,
};
use aftercare_store::planning_lifecycle::{self as lifecycle_store, Succession};
use chrono::{Datelike, NaiveDate};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Roles that plan and decide proposals.
pub const PLANNERS: &[Role] = &[Role::Admin, Role::Manager, Role::Warehouse];

const DAY_MS: i64 = 86_400_000;

/// Length of a planning period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    /// Seven days.
    Week,
    /// A calendar month.
    Month,
}

impl Bucket {
    /// Stored code.
    pub fn code(self) -> &'static str {
        match self {
            Bucket::Week => "week",
            Bucket::Month => "month",
        }
    }

    /// From a code.
    pub fn parse(s: &str) -> Option<Bucket> {
        match s {
            "week" => Some(Bucket::Week),
            "month" => Some(Bucket::Month),
            _ => None,
        }
    }

    /// Days per period, for converting lead times.
    fn days(self) -> f64 {
        match self {
            Bucket::Week => 7.0,
            Bucket::Month => 365.25 / 12.0,
        }
    }

    /// One period's share of a year as a fraction `(numerator, denominator)`: a week is
    /// 7 / 365.25 = 28 / 1461 of a year, a month 1 / 12.
    fn year_share(self) -> (i128, i128) {
        match self {
            Bucket::Week => (28, 1461),
            Bucket::Month => (1, 12),
        }
    }
}

/// Largest fixed order cost a run accepts, minor units (100,000,000.00).
const MAX_ORDER_COST: i64 = 10_000_000_000;

/// Nanos (billionths of the currency unit) per minor unit (cent).
const NANOS_PER_MINOR: i64 = Nanos::PER_UNIT / 100;

/// Holding cost of one unit for one period of `bucket`: `standard_cost × rate_pct / 100`
/// per year, times the period's share of a year, in nanos (rounded to the nearest; integer
/// arithmetic, never a float).
pub fn holding_cost_per_period(standard_cost: i64, rate_pct: i64, bucket: Bucket) -> Nanos {
    let (num, den) = bucket.year_share();
    let yearly = i128::from(standard_cost.max(0))
        * i128::from(NANOS_PER_MINOR)
        * i128::from(rate_pct.max(0));
    let den = 100 * den;
    let nanos = (yearly * num + den / 2) / den;
    Nanos(i64::try_from(nanos).unwrap_or(i64::MAX))
}

/// Settings of a planning run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PlanOptions {
    /// Period length.
    pub bucket: Bucket,
    /// Periods of history.
    pub periods: usize,
    /// Target fill rate (units filled from stock), 0.5..0.999.
    pub target_fill: f64,
    /// Days a transfer from the parent warehouse takes.
    pub transfer_days: i64,
    /// Fixed cost of a purchase order, minor units: the order cost of the EOQ at the
    /// warehouses without a parent.
    pub purchase_order_cost: i64,
    /// Fixed cost of a transfer, minor units: the order cost of the EOQ elsewhere.
    pub transfer_cost: i64,
    /// Cost of holding one unit for a year, in percent of its standard cost (1..=100).
    pub holding_rate_pct: i64,
    /// What the target fill rate applies to: each pair, or each warehouse's units as a
    /// whole.
    pub allocation: Allocation,
}

/// What a run's target fill rate applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Allocation {
    /// Every part at every warehouse is stocked to the target fill.
    #[default]
    Item,
    /// Each warehouse fills the target share of all its units in expectation, with the
    /// least stock value: one shortage worth per warehouse, calibrated by the engine
    /// (`aftercare_planning::allocate`), sets every part's level there, so cheap fast
    /// movers are stocked above the target and dear slow ones below it. Parts without a
    /// standard cost, with manual levels or past end of production keep the per-part
    /// target.
    Warehouse,
    /// As [`Allocation::Warehouse`], but the worth is calibrated on what the levels would
    /// have filled over the last half of the history ([`replay_window`]): the end of each
    /// pair's history is replayed period by period, planned after every period from the
    /// history up to it as a run would have planned then. Forecasts promise more fill than
    /// real demand gives (new parts, bias); the replay measures it instead. Each replayed
    /// period is a refit of every allocated pair with demand in the window (about 5× the
    /// planning time of `warehouse` in the standard demo). A warehouse whose replay saw no
    /// demand at all is calibrated on the expected fill, as under `warehouse`.
    WarehouseHistory,
}

impl Allocation {
    /// The code runs, the CLI and the API use.
    pub fn code(self) -> &'static str {
        match self {
            Allocation::Item => "item",
            Allocation::Warehouse => "warehouse",
            Allocation::WarehouseHistory => "warehouse_history",
        }
    }

    /// How a run records it: what the target applies to (`item`, `warehouse`) and how a
    /// warehouse's worth is calibrated (`expected`, `history`).
    fn stored(self) -> (&'static str, &'static str) {
        match self {
            Allocation::Item => ("item", "expected"),
            Allocation::Warehouse => ("warehouse", "expected"),
            Allocation::WarehouseHistory => ("warehouse", "history"),
        }
    }

    /// The allocation a run recorded ([`Allocation::stored`]).
    fn from_stored(allocation: &str, calibration: &str) -> Option<Allocation> {
        match (allocation, calibration) {
            ("item", _) => Some(Allocation::Item),
            ("warehouse", "expected") => Some(Allocation::Warehouse),
            ("warehouse", "history") => Some(Allocation::WarehouseHistory),
            _ => None,
        }
    }

    /// Whether each warehouse's units meet the target as a whole.
    pub fn by_warehouse(self) -> bool {
        self != Allocation::Item
    }

    /// The allocation with this code.
    pub fn parse(s: &str) -> Option<Allocation> {
        match s {
            "item" => Some(Allocation::Item),
            "warehouse" => Some(Allocation::Warehouse),
            "warehouse_history" => Some(Allocation::WarehouseHistory),
            _ => None,
        }
    }

    /// The allocation a request names in its field `allocation`, or the error naming it.
    pub fn from_field(s: &str) -> AppResult<Allocation> {
        Allocation::parse(s).ok_or_else(|| {
            AppError::invalid(
                "allocation",
                format!("must be item, warehouse or warehouse_history, got {s:?}"),
            )
        })
    }
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            bucket: Bucket::Week,
            periods: PlanOptions::default_periods(Bucket::Week),
            target_fill: 0.95,
            transfer_days: 3,
            purchase_order_cost: 20_000, // ¥200.00
            transfer_cost: 3_000,        // ¥30.00
            holding_rate_pct: 20,
            allocation: Allocation::Item,
        }
    }
}

impl PlanOptions {
    /// The longest lot a run orders, in periods of mean demand: a year.
    fn max_lot_periods(&self) -> Option<usize> {
        Some(Self::periods_per_year(self.bucket))
    }

    /// Periods in a year: 52 weeks, 12 months (the longest lot a run orders, in mean
    /// demand).
    pub fn periods_per_year(bucket: Bucket) -> usize {
        match bucket {
            Bucket::Week => 52,
            Bucket::Month => 12,
        }
    }

    /// Periods of history a bucket plans with unless told otherwise: 104 weeks, 24 months.
    pub fn default_periods(bucket: Bucket) -> usize {
        match bucket {
            Bucket::Week => 104,
            Bucket::Month => 24,
        }
    }

    /// Periods of history a last-time buy fits its declining demand on: the same two years
    /// by week or by month (104 weeks, 24 months; the engine takes at most the history a
    /// run reads). A window of a fixed number of periods fitted a weekly run on 24 weeks
    /// only, where one quiet quarter of a lumpy part looked like the end of its demand.
    pub fn ltb_window(bucket: Bucket) -> usize {
        match bucket {
            Bucket::Week => 104,
            Bucket::Month => 24,
        }
    }

    /// These options with periods of `bucket`: the same number of periods when it is
    /// their bucket already, the bucket's default periods otherwise.
    pub fn with_bucket(self, bucket: Bucket) -> Self {
        if bucket == self.bucket {
            self
        } else {
            PlanOptions {
                bucket,
                periods: PlanOptions::default_periods(bucket),
                ..self
            }
        }
    }

    /// The target fill rate in thousandths, as a run records it.
    pub fn target_fill_permille(&self) -> i64 {
        (self.target_fill * 1000.0).round() as i64
    }

    /// Checked, with the target fill rate rounded to the thousandths a run records: a run
    /// plans with exactly the options it keeps, so its plans can be recomputed from them.
    fn checked(self) -> AppResult<Self> {
        self.validate()?;
        Ok(PlanOptions {
            target_fill: self.target_fill_permille() as f64 / 1000.0,
            ..self
        })
    }

    /// Every option out of its range, named at once.
    pub fn validate(&self) -> AppResult<()> {
        let mut errors = Vec::new();
        if !(self.target_fill >= 0.5 && self.target_fill <= 0.999) {
            errors.push(aftercare_domain::ValidationError::new(
                "target_fill",
                format!("must be between 0.5 and 0.999, got {}", self.target_fill),
            ));
        }
        if !(4..=520).contains(&self.periods) {
            errors.push(aftercare_domain::ValidationError::new(
                "periods",
                format!("must be between 4 and 520, got {}", self.periods),
            ));
        }
        if !(0..=365).contains(&self.transfer_days) {
            errors.push(aftercare_domain::ValidationError::new(
                "transfer_days",
                format!("must be between 0 and 365, got {}", self.transfer_days),
            ));
        }
        for (field, cost) in [
            ("purchase_order_cost", self.purchase_order_cost),
            ("transfer_cost", self.transfer_cost),
        ] {
            if !(0..=MAX_ORDER_COST).contains(&cost) {
                errors.push(aftercare_domain::ValidationError::new(
                    field,
                    format!(
                        "must be between 0 and {MAX_ORDER_COST} minor units ({}), got {cost} ({})",
                        aftercare_domain::Money::from_minor(MAX_ORDER_COST),
                        aftercare_domain::Money::from_minor(cost)
                    ),
                ));
            }
        }
        if !(1..=100).contains(&self.holding_rate_pct) {
            errors.push(aftercare_domain::ValidationError::new(
                "holding_rate_pct",
                format!(
                    "must be between 1 and 100 (percent of standard cost per year), got {}",
                    self.holding_rate_pct
                ),
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(errors))
        }
    }

    /// Engine settings: review every period for the target fill rate, (R, s, S) lots of
    /// one EOQ.
    ///
    /// The three-point rule: order a lot of one EOQ (at most a year of mean demand) when
    /// the position falls below the
    /// reorder point (the engine's (R, s, S), whose reorder point meets the fill rate with
    /// that lot). Without an order cost, a holding cost or any demand the EOQ is 0 and the
    /// lot one unit; the engine then plans order-up-to ((R, S)), as it does for a lot below
    /// one review's demand.
    fn settings(&self) -> PlanSettings {
        let mut settings = PlanSettings::for_target(ServiceTarget::FillRate(self.target_fill), 1);
        settings.spec.lot_sizing = LotSizing::UpToMax;
        // The EOQ weighs holding cost, not obsolescence: no lot beyond a year of demand.
        settings.spec.max_lot_periods = self.max_lot_periods();
        settings.ltb_window = Self::ltb_window(self.bucket);
        settings
    }

    /// Engine settings for the pairs of `w`: as [`PlanOptions::settings`], and at a
    /// warehouse with a parent a part without demand there for a year (or the whole
    /// history, when shorter) is not stocked: what its children ask of it still comes
    /// through it as backorders, and its parent holds the stock.
    fn settings_at(&self, w: &PlanWarehouse) -> PlanSettings {
        let mut settings = self.settings();
        if w.parent.is_some() {
            settings.spec.idle_limit =
                Some(Self::periods_per_year(self.bucket).min(self.periods.max(1)));
        }
        settings
    }

    /// Order cost of a pair: a purchase order at a warehouse without a parent, a transfer
    /// elsewhere (minor units).
    fn order_cost(&self, is_root: bool) -> i64 {
        if is_root {
            self.purchase_order_cost
        } else {
            self.transfer_cost
        }
    }
}

/// What a request for a part's plan sets itself; everything else comes from the latest
/// run's options ([`App::part_plan_as_run`]).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PlanOverrides {
    /// Period length; another bucket than the base's plans with its default periods.
    pub bucket: Option<Bucket>,
    /// Periods of history.
    pub periods: Option<usize>,
    /// Target fill rate.
    pub target_fill: Option<f64>,
    /// Days a transfer from the parent warehouse takes.
    pub transfer_days: Option<i64>,
    /// Fixed cost of a purchase order, minor units.
    pub purchase_order_cost: Option<i64>,
    /// Fixed cost of a transfer, minor units.
    pub transfer_cost: Option<i64>,
    /// Holding cost per year, percent of standard cost.
    pub holding_rate_pct: Option<i64>,
    /// What the target fill rate applies to.
    pub allocation: Option<Allocation>,
}

impl PlanOverrides {
    /// `base` with what these set.
    pub fn over(&self, base: PlanOptions) -> PlanOptions {
        let mut o = match self.bucket {
            Some(b) => base.with_bucket(b),
            None => base,
        };
        if let Some(p) = self.periods {
            o.periods = p;
        }
        if let Some(f) = self.target_fill {
            o.target_fill = f;
        }
        if let Some(d) = self.transfer_days {
            o.transfer_days = d;
        }
        if let Some(c) = self.purchase_order_cost {
            o.purchase_order_cost = c;
        }
        if let Some(c) = self.transfer_cost {
            o.transfer_cost = c;
        }
        if let Some(r) = self.holding_rate_pct {
            o.holding_rate_pct = r;
        }
        if let Some(a) = self.allocation {
            o.allocation = a;
        }
        o
    }
}

/// A recorded run and the options it planned with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSettings {
    /// The run.
    pub run_id: i64,
    /// When it started (its plans are planned at this instant).
    pub started_at: Instant,
    /// Who ran it.
    pub actor_login: String,
    /// Proposals open right after it (0 for runs recorded before 2026-12-07, which did not
    /// keep the count).
    pub open_proposals: i64,
    /// Every option it ran with.
    pub options: PlanOptions,
    /// Under a warehouse allocation, each warehouse's calibration as the run recorded it
    /// (worth to the cent, fills to the millionth), by warehouse code.
    pub warehouse_fills: Vec<RunWarehouseFill>,
}

impl RunSettings {
    fn from_row(r: store::RunRow, fills: Vec<store::RunFillRow>) -> AppResult<Self> {
        let bucket = Bucket::parse(&r.bucket).ok_or_else(|| {
            AppError::Unexpected(format!("run {} has an unknown bucket {:?}", r.id, r.bucket))
        })?;
        let periods = usize::try_from(r.periods)
            .map_err(|_| AppError::Unexpected(format!("run {} has {} periods", r.id, r.periods)))?;
        let allocation =
            Allocation::from_stored(&r.allocation, &r.calibration).ok_or_else(|| {
                AppError::Unexpected(format!(
                    "run {} has an unknown allocation {:?} with calibration {:?}",
                    r.id, r.allocation, r.calibration
                ))
            })?;
        Ok(RunSettings {
            run_id: r.id,
            started_at: r.started_at,
            actor_login: r.actor_login,
            open_proposals: r.proposals,
            options: PlanOptions {
                bucket,
                periods,
                target_fill: r.target_fill_permille as f64 / 1000.0,
                transfer_days: r.transfer_days,
                purchase_order_cost: r.purchase_order_cost,
                transfer_cost: r.transfer_cost,
                holding_rate_pct: r.holding_rate_pct,
                allocation,
            },
            warehouse_fills: fills.into_iter().map(RunWarehouseFill::from_row).collect(),
        })
    }
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanRunReport {
    /// The run.
    pub run_id: i64,
    /// Part × warehouse pairs planned.
    pub items: usize,
    /// Proposals created.
    pub created: usize,
    /// Open proposals updated in place.
    pub updated: usize,
    /// Open proposals withdrawn because the run no longer needs them.
    pub withdrawn: u64,
    /// Pairs left as they are because the run's view of them is older than their proposal:
    /// a planner decided or is approving it, or an issue raised or updated it as an
    /// emergency, after the run read the ledger.
    pub skipped: usize,
    /// Open proposals after the run.
    pub open: i64,
    /// Milliseconds the run took.
    pub millis: i64,
    /// Order cost of a purchase the lots were sized with, minor units.
    pub purchase_order_cost: i64,
    /// Order cost of a transfer the lots were sized with, minor units.
    pub transfer_cost: i64,
    /// Holding cost per year the lots were sized with, percent of standard cost.
    pub holding_rate_pct: i64,
    /// What the target fill rate applied to.
    pub allocation: Allocation,
    /// Under a warehouse allocation, each warehouse's calibration, by warehouse code.
    pub warehouse_fills: Vec<RunWarehouseFill>,
}

/// One warehouse's calibration in a run under a warehouse allocation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunWarehouseFill {
    /// The warehouse.
    pub warehouse_id: WarehouseId,
    /// Warehouse code.
    pub warehouse_code: String,
    /// The calibration.
    #[serde(flatten)]
    pub fill: WarehouseFill,
}

impl RunWarehouseFill {
    /// As a run records it: the worth to the cent, fills to the millionth.
    fn row(&self) -> store::RunFillRow {
        let f = &self.fill;
        let ppm = |x: f64| (x.clamp(0.0, 1.0) * 1e6).round() as i64;
        store::RunFillRow {
            warehouse: self.warehouse_id,
            warehouse_code: self.warehouse_code.clone(),
            parts: f.parts as i64,
            // The largest worth searched is 10^13 currency units: far inside an i64 of cents.
            worth_minor: f.worth_money().minor().max(0),
            expected_fill_ppm: ppm(f.expected_fill),
            replayed_fill_ppm: f.replayed_fill.map(ppm),
            replayed_periods: f.replayed_periods as i64,
            reached: f.reached,
        }
    }

    /// What a run recorded ([`RunWarehouseFill::row`]).
    fn from_row(r: store::RunFillRow) -> Self {
        RunWarehouseFill {
            warehouse_id: r.warehouse,
            warehouse_code: r.warehouse_code,
            fill: WarehouseFill {
                worth: r.worth_minor as f64 / 100.0,
                expected_fill: r.expected_fill_ppm as f64 / 1e6,
                parts: r.parts.max(0) as usize,
                reached: r.reached,
                replayed_fill: r.replayed_fill_ppm.map(|p| p as f64 / 1e6),
                replayed_periods: r.replayed_periods.max(0) as usize,
            },
        }
    }
}

/// The period grid of a run: where each day falls.
#[derive(Debug, Clone)]
struct Grid {
    start: Instant,
    end: Instant,
    periods: usize,
    /// Weeks or calendar months (for placing events on the forecast's periods).
    bucket: Bucket,
    /// The company's days the periods are made of.
    days: CompanyDays,
    /// The day `end` begins (the first day not in the history).
    end_day: i64,
    /// The day the run started on (one day for the whole run, even past midnight).
    today: i64,
    /// Period index of each day since `start` (months have unequal lengths).
    day_period: Vec<usize>,
}

impl Grid {
    fn new(now: Instant, days: CompanyDays, bucket: Bucket, periods: usize) -> Grid {
        let today = days.day_of(now);
        let (start_day, end_day) = match bucket {
            Bucket::Week => (today - 7 * periods as i64, today),
            Bucket::Month => {
                let date = day_to_date(today);
                let first = NaiveDate::from_ymd_opt(date.year(), date.month(), 1).unwrap_or(date);
                let start = first
                    .checked_sub_months(chrono::Months::new(periods as u32))
                    .unwrap_or(first);
                (date_to_day(start), date_to_day(first))
            }
        };
        let day_period = (start_day..end_day)
            .map(|d| match bucket {
                Bucket::Week => ((d - start_day) / 7) as usize,
                Bucket::Month => {
                    let a = day_to_date(start_day);
                    let b = day_to_date(d);
                    ((b.year() - a.year()) * 12 + b.month() as i32 - a.month() as i32) as usize
                }
            })
            .collect();
        Grid {
            start: days.start_of(start_day),
            end: days.start_of(end_day),
            periods,
            bucket,
            days,
            end_day,
            today,
            day_period,
        }
    }

    /// The forecast step of a day (0 = the period starting at `end`; a day before it counts
    /// in step 0): weeks of 7 days, or calendar months (31 January is in January's step,
    /// whatever the average month's length).
    fn forecast_step(&self, day: i64) -> usize {
        let first = self.end_day;
        if day <= first {
            return 0;
        }
        let steps = match self.bucket {
            Bucket::Week => (day - first) / 7,
            Bucket::Month => {
                let (a, b) = (day_to_date(first), day_to_date(day));
                i64::from((b.year() - a.year()) * 12 + b.month() as i32 - a.month() as i32)
            }
        };
        usize::try_from(steps).unwrap_or(0)
    }

    fn period_of(&self, day: i64) -> Option<usize> {
        usize::try_from(day)
            .ok()
            .and_then(|d| self.day_period.get(d).copied())
            .filter(|&p| p < self.periods)
    }
}

/// Move each predecessor's history, times its share, to its successor's at every
/// warehouse: the successor gains `share` of it per period and the predecessor keeps
/// `1 − share` (nothing at 100 %), so the moved demand is planned once, not on both
/// parts. Predecessors first, so that a chain A → B → C hands A's demand on to C.
fn inherit_all(
    history: &mut HashMap<(WarehouseId, PartId), Vec<f64>>,
    successions: &[Succession],
    periods: usize,
    notes: &mut HashMap<(WarehouseId, PartId), LifecycleNote>,
) {
    let pred_of: HashMap<PartId, Vec<&Succession>> =
        successions.iter().fold(HashMap::new(), |mut m, s| {
            m.entry(s.successor).or_insert_with(Vec::new).push(s);
            m
        });
    // Longest chain of predecessors behind each part, so that every succession into a
    // part is applied before the part hands its history on. Loops are refused when
    // successions are recorded; the bound keeps a corrupt table from hanging a run.
    fn depth(
        part: PartId,
        pred_of: &HashMap<PartId, Vec<&Succession>>,
        memo: &mut HashMap<PartId, usize>,
        budget: usize,
    ) -> usize {
        if let Some(&d) = memo.get(&part) {
            return d;
        }
        let d = match pred_of.get(&part) {
            Some(preds) if budget > 0 => preds
                .iter()
                .map(|s| 1 + depth(s.predecessor, pred_of, memo, budget - 1))
                .max()
                .unwrap_or(0),
            _ => 0,
        };
        memo.insert(part, d);
        d
    }
    let mut memo = HashMap::new();
    let mut ordered: Vec<&Succession> = successions.iter().collect();
    ordered.sort_by_key(|s| {
        (
            depth(s.predecessor, &pred_of, &mut memo, successions.len()),
            s.predecessor.0,
        )
    });
    let zeros = vec![0.0; periods];
    for s in ordered {
        let at: Vec<WarehouseId> = history
            .keys()
            .filter(|(_, p)| *p == s.predecessor)
            .map(|(w, _)| *w)
            .collect();
        let share = share_of(s);
        for w in at {
            let pred = history[&(w, s.predecessor)].clone();
            let own = history.get(&(w, s.successor)).unwrap_or(&zeros);
            let merged = inherit_history(&pred, own, share);
            history.insert((w, s.successor), merged);
            // The share moved over: the predecessor's uses shrink by as much.
            let kept = pred.iter().map(|v| v * (1.0 - share)).collect();
            history.insert((w, s.predecessor), kept);
            notes
                .entry((w, s.successor))
                .or_default()
                .inherits
                .push(format!("{} ({} %)", s.predecessor_number, s.share_pct));
            notes
                .entry((w, s.predecessor))
                .or_default()
                .hands_on
                .push(format!("{} ({} %)", s.successor_number, s.share_pct));
        }
    }
}

fn date_to_day(d: NaiveDate) -> i64 {
    d.signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default())
        .num_days()
}

fn parse_date(s: &Option<String>) -> Option<i64> {
    s.as_deref()
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .map(date_to_day)
}

/// Issuable units a warehouse holds of a part: on hand less reserved, in transit to it and
/// awaiting inspection there.
fn held_issuable(x: &Position) -> i64 {
    (x.on_hand - x.reserved)
        .max(0)
        .saturating_add(x.in_transit.max(0))
        .saturating_add(x.in_inspection.max(0))
}

/// Event demand per warehouse × part.
type PairEvents = HashMap<(WarehouseId, PartId), Vec<EventDemand>>;

/// Event demand each warehouse plans for: the events at the warehouse itself, plus what
/// each warehouse it replenishes plans for and does not hold yet. A warehouse holds its
/// issuable stock on hand less reservations, plus the issuable stock on its way to it,
/// beyond its `regular` reorder point (the latest plan's, without event demand: that much
/// serves its regular demand); that covers the earliest periods of the demand first, and
/// only the rest is passed up to its parent (never less than nothing). So an ancestor of
/// a recall's warehouse counts only what is not positioned below it on the path to the
/// recall yet, and a transfer that moved the recall's units down is not bought again above.
/// Also returns the event units each pair's stock covered (a last-time buy above does not
/// count that stock again: `stock_below`).
fn events_by_warehouse(
    direct: Vec<(WarehouseId, PartId, EventDemand)>,
    warehouses: &HashMap<WarehouseId, PlanWarehouse>,
    positions: &HashMap<(WarehouseId, PartId), Position>,
    regular: &HashMap<(WarehouseId, PartId), store::StoredEventLevels>,
) -> (PairEvents, HashMap<(WarehouseId, PartId), f64>) {
    let parent = |w: WarehouseId| {
        warehouses
            .get(&w)
            .and_then(|w| w.parent)
            .filter(|p| warehouses.contains_key(p))
    };
    let depths = warehouse_depths(warehouses);
    let depth = |w: WarehouseId| depths.get(&w).copied().unwrap_or(0);
    let mut counted: HashMap<(WarehouseId, PartId), Vec<EventDemand>> = HashMap::new();
    for (w, p, e) in direct {
        if warehouses.contains_key(&w) {
            counted.entry((w, p)).or_default().push(e);
        }
    }
    // Deepest first: a warehouse passes its remainder up once everything below it has.
    let mut pending: BTreeSet<(std::cmp::Reverse<usize>, WarehouseId, PartId)> = counted
        .keys()
        .map(|&(w, p)| (std::cmp::Reverse(depth(w)), w, p))
        .collect();
    let mut done: HashSet<(WarehouseId, PartId)> = HashSet::new();
    // Event units each warehouse's stock covered (not passed up).
    let mut covered: HashMap<(WarehouseId, PartId), f64> = HashMap::new();
    while let Some((_, w, p)) = pending.pop_first() {
        done.insert((w, p));
        let Some(up) = parent(w).filter(|&up| !done.contains(&(up, p))) else {
            continue;
        };
        let held = positions.get(&(w, p)).map_or(0, held_issuable);
        let held = (held - regular.get(&(w, p)).map_or(0, |r| r.regular)).max(0);
        let (rest, took) = event_remainder(&counted[&(w, p)], held as f64);
        covered.insert((w, p), took);
        if rest.is_empty() {
            continue;
        }
        counted.entry((up, p)).or_default().extend(rest);
        pending.insert((std::cmp::Reverse(depth(up)), up, p));
    }
    (counted, covered)
}

/// What is left of `events` once `held` units cover their earliest periods (one event of
/// one period per period with demand left), and the units `held` covered. The units
/// covered are summed as taken, not as the total less what is left: the remainder is
/// rounded, and a residue of a millionth would count as a whole unit held below.
fn event_remainder(events: &[EventDemand], held: f64) -> (Vec<EventDemand>, f64) {
    let len = events
        .iter()
        .filter(|e| e.periods > 0)
        .map(|e| e.start + e.periods)
        .max()
        .unwrap_or(0);
    let mut per_period = vec![0.0; len];
    for e in events.iter().filter(|e| e.periods > 0) {
        let each = e.total() / e.periods as f64;
        for slot in &mut per_period[e.start..e.start + e.periods] {
            *slot += each;
        }
    }
    let mut held = held.max(0.0);
    let mut took = 0.0;
    let rest = per_period
        .into_iter()
        .enumerate()
        .filter_map(|(start, q)| {
            let taken = q.min(held);
            held -= taken;
            took += taken;
            // Rounded to millionths of a unit, so that whole units stay whole.
            let left = ((q - taken) * 1e6).round() / 1e6;
            (left > 0.0).then_some(EventDemand {
                start,
                periods: 1,
                affected_units: left,
                replacement_rate: 1.0,
            })
        })
        .collect();
    // Rounded as the remainder is: pieces of an event spread over its days add up to a
    // hair above their whole (50.00000000000001), which a ceiling would make a unit.
    (rest, (took * 1e6).round() / 1e6)
}

/// Everything a run reads before computing.
struct Inputs {
    /// The company's days (what "today" is).
    days: CompanyDays,
    parts: HashMap<PartId, PlanPart>,
    warehouses: HashMap<WarehouseId, PlanWarehouse>,
    history: HashMap<(WarehouseId, PartId), Vec<f64>>,
    /// On hand, reserved, in transit and on order (each purchase order at the warehouse it
    /// counts at: its proposal's, else the first one without a parent).
    positions: HashMap<(WarehouseId, PartId), Position>,
    manual: HashMap<(WarehouseId, PartId), (i64, Option<i64>)>,
    /// Known extra demand per pair: events at the warehouse, and what the warehouses it
    /// replenishes (directly or further down) plan for and do not hold yet
    /// ([`events_by_warehouse`]).
    events: HashMap<(WarehouseId, PartId), Vec<EventDemand>>,
    /// What the lifecycle inputs did to each pair, for the part's page.
    notes: HashMap<(WarehouseId, PartId), LifecycleNote>,
    /// Open proposals asking a parent for stock, by the asking pair (only those of a
    /// planned warehouse asking its current parent).
    requests: HashMap<(WarehouseId, PartId), store::OpenRequest>,
    /// Defective units at repair vendors, and the repair yields they count at.
    repairs: RepairPipeline,
    /// Event demand inside each pair's stored request to its parent (only while events
    /// are planned).
    asked_events: HashMap<(WarehouseId, PartId), f64>,
    /// Event units each pair's stock covered, not passed up to its parent
    /// ([`events_by_warehouse`]).
    event_covered: HashMap<(WarehouseId, PartId), f64>,
    /// Whole periods since each pair last received stock (0: in the latest period or
    /// since), for pairs that received any within the history.
    received_ago: HashMap<(WarehouseId, PartId), usize>,
    /// Units each pair issued to tickets and requisitions per period (its history less
    /// what it shipped to the warehouses it replenishes), successions applied.
    issued: HashMap<(WarehouseId, PartId), Vec<f64>>,
    /// Pairs whose return a planner rejected within the last year (or the history, when
    /// shorter: the idle limit's reach): the stock is kept there.
    kept_here: HashSet<(WarehouseId, PartId)>,
}

/// A run planned from the ledger but not yet written (`App::plan_compute`).
pub struct PlannedRun {
    opts: PlanOptions,
    started: Instant,
    finished: Instant,
    planned: Vec<Planned>,
    fills: Vec<RunWarehouseFill>,
}

impl std::fmt::Debug for PlannedRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlannedRun")
            .field("started", &self.started)
            .field("pairs", &self.planned.len())
            .finish()
    }
}

/// One pair's result, ready to store.
struct Planned {
    item: PlanItemRow,
    proposal: Option<ProposalDraft>,
    /// The warehouses whose requests it netted as backorders.
    asked_by: Vec<WarehouseId>,
}

impl App {
    /// Plan every part × warehouse with history, stock or manual levels, and write the
    /// proposals (an open proposal of the same pair is updated, not repeated).
    pub async fn plan_run(&self, actor: &Actor, opts: PlanOptions) -> AppResult<PlanRunReport> {
        let computed = self.plan_compute(actor, opts).await?;
        self.plan_commit(actor, computed).await
    }

    /// The first half of a run: read the ledger and plan every pair, writing nothing.
    pub async fn plan_compute(&self, actor: &Actor, opts: PlanOptions) -> AppResult<PlannedRun> {
        actor.require(PLANNERS, "run planning")?;
        let opts = opts.checked()?;
        let started = self.now();
        let days = self.company_days().await?;
        let grid = Grid::new(started, days, opts.bucket, opts.periods);
        let inputs = self.plan_inputs(&grid).await?;
        let (planned, fills) =
            tokio::task::spawn_blocking(move || compute(&inputs, &opts, started))
                .await
                .map_err(|e| AppError::Unexpected(format!("planning task failed: {e}")))?;
        Ok(PlannedRun {
            opts,
            started,
            finished: self.now(),
            planned,
            fills,
        })
    }

    /// The second half of a run: record it, its plans and its proposals. A pair whose
    /// proposal a planner decided after the run read the ledger is left as it is: the
    /// run computed it without the purchase order or transfer that approval created, and
    /// would propose the same units again. So is a pair whose open proposal is being
    /// approved (its ledger command is frozen) or is an emergency raised or updated after
    /// the run started (it saw the later issue), and a parent that netted a request a
    /// planner decided meanwhile (a rejected request is owed no more).
    pub async fn plan_commit(
        &self,
        actor: &Actor,
        computed: PlannedRun,
    ) -> AppResult<PlanRunReport> {
        actor.require(PLANNERS, "run planning")?;
        let PlannedRun {
            opts,
            started,
            finished,
            planned,
            fills,
        } = computed;
        let mut tx = self.db.begin_write().await?;
        let decided: HashSet<(WarehouseId, PartId)> = store::decided_since(&mut tx, started)
            .await?
            .into_iter()
            .collect();
        let run_id = store::insert_run(
            &mut tx,
            &NewRun {
                started_at: started,
                finished_at: finished,
                bucket: opts.bucket.code(),
                periods: opts.periods as i64,
                target_fill_permille: opts.target_fill_permille(),
                transfer_days: opts.transfer_days,
                purchase_order_cost: opts.purchase_order_cost,
                transfer_cost: opts.transfer_cost,
                holding_rate_pct: opts.holding_rate_pct,
                allocation: opts.allocation.stored().0,
                calibration: opts.allocation.stored().1,
                items: planned.len() as i64,
                proposals: 0,
                actor_login: actor_login(actor),
            },
        )
        .await?;
        let fill_rows: Vec<store::RunFillRow> = fills.iter().map(RunWarehouseFill::row).collect();
        store::insert_run_fills(&mut tx, run_id, &fill_rows).await?;
        let mut items = Vec::with_capacity(planned.len());
        let mut drafts = Vec::new();
        let mut skipped = 0;
        // Open proposals this run leaves as they are although it drafted nothing over them.
        let mut kept_open: Vec<(WarehouseId, PartId)> = Vec::new();
        // Pairs whose draft is not written; the planned pairs come deepest warehouse first,
        // so a skip carries up the tree.
        let mut not_written: HashSet<(WarehouseId, PartId)> = decided.clone();
        for p in planned {
            if let Some(d) = p.proposal {
                // A request it netted that a planner decided meanwhile (a rejected one
                // is owed no more), or that is itself left unwritten, leaves it as it is
                // too, for the next run.
                let child_decided = p
                    .asked_by
                    .iter()
                    .any(|c| not_written.contains(&(*c, d.part)));
                if child_decided {
                    kept_open.push((d.warehouse, d.part));
                }
                if decided.contains(&(d.warehouse, d.part)) || child_decided {
                    skipped += 1;
                    not_written.insert((d.warehouse, d.part));
                } else {
                    drafts.push(ProposalDraft {
                        run_id: Some(run_id),
                        transfer_days: Some(opts.transfer_days),
                        ..d
                    });
                }
            }
            items.push(PlanItemRow { run_id, ..p.item });
        }
        store::upsert_items(&mut tx, &items).await?;
        // Proposals being approved, and emergencies raised after the run read the ledger,
        // are newer than the run's view of their pair: kept as they are.
        let count = store::upsert_run_proposals(&mut tx, &drafts, finished, started).await?;
        skipped += count.kept;
        let withdrawn = store::withdraw_stale(&mut tx, run_id, finished, &kept_open).await?;
        let open = store::open_count(&mut tx).await?;
        store::set_run_proposals(&mut tx, run_id, open).await?;
        let report = PlanRunReport {
            run_id,
            items: items.len(),
            created: count.created,
            updated: count.updated,
            withdrawn,
            skipped,
            open,
            millis: finished.0 - started.0,
            purchase_order_cost: opts.purchase_order_cost,
            transfer_cost: opts.transfer_cost,
            holding_rate_pct: opts.holding_rate_pct,
            allocation: opts.allocation,
            warehouse_fills: fills,
        };
        let mut entry = actor.audit(finished, "planning.run", "plan_run", run_id);
        entry.after = serde_json::to_value(&report).ok();
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(report)
    }

    async fn plan_inputs(&self, grid: &Grid) -> AppResult<Inputs> {
        let parts: HashMap<PartId, PlanPart> = store::plan_parts(&self.db)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        let warehouses: HashMap<WarehouseId, PlanWarehouse> = store::plan_warehouses(&self.db)
            .await?
            .into_iter()
            .map(|w| (w.id, w))
            .collect();
        let mut history: HashMap<(WarehouseId, PartId), Vec<f64>> = HashMap::new();
        let mut issued: HashMap<(WarehouseId, PartId), Vec<f64>> = HashMap::new();
        for row in store::outflow_by_day(&self.db, grid.start, grid.end).await? {
            if let Some(p) = grid.period_of(row.day) {
                history
                    .entry((row.warehouse, row.part))
                    .or_insert_with(|| vec![0.0; grid.periods])[p] += row.qty as f64;
                if row.issued > 0 {
                    issued
                        .entry((row.warehouse, row.part))
                        .or_insert_with(|| vec![0.0; grid.periods])[p] += row.issued as f64;
                }
            }
        }
        let mut notes: HashMap<(WarehouseId, PartId), LifecycleNote> = HashMap::new();
        let successions = lifecycle_store::successions(&self.db).await?;
        inherit_all(&mut history, &successions, grid.periods, &mut notes);
        // What the lifecycle notes say of the histories holds for the issues alike.
        inherit_all(&mut issued, &successions, grid.periods, &mut HashMap::new());
        let positions: HashMap<(WarehouseId, PartId), Position> = store::positions(&self.db)
            .await?
            .into_iter()
            .map(|(w, p, pos)| ((w, p), pos))
            .collect();
        let mut direct = Vec::new();
        let today = grid.today;
        for e in lifecycle_store::demand_events(&self.db, true).await? {
            let pieces = event_for_run(&e, today, |d| grid.forecast_step(d));
            if pieces.is_empty() {
                continue;
            }
            let label = format!(
                "{} at {}: {} from {} to {}",
                e.name,
                e.warehouse_code,
                aftercare_planning::lifecycle::fmt_qty(
                    pieces.iter().map(EventDemand::total).sum::<f64>()
                ),
                e.starts_on,
                e.ends_on
            );
            // The warehouse and every one that replenishes it plan for the demand.
            let mut at = Some(e.warehouse);
            for _ in 0..=warehouses.len() {
                let Some(w) = at.and_then(|w| warehouses.get(&w)) else {
                    break;
                };
                notes
                    .entry((w.id, e.part))
                    .or_default()
                    .events
                    .push(label.clone());
                at = w.parent;
            }
            direct.extend(pieces.into_iter().map(|d| (e.warehouse, e.part, d)));
        }
        let regular = if direct.is_empty() {
            HashMap::new()
        } else {
            store::regular_reorder_points(&self.db).await?
        };
        let (events, event_covered) =
            events_by_warehouse(direct, &warehouses, &positions, &regular);
        // Event units inside each pair's stored request (the part's page nets them at the
        // parent as the run does).
        let asked_events = regular
            .into_iter()
            .filter(|(_, r)| r.event_asked > 0.0)
            .map(|(k, r)| (k, r.event_asked))
            .collect();
        // A warehouse above the event's whose stock below covers it plans for none of it:
        // its page does not name the event.
        for (key, note) in notes.iter_mut() {
            if !events.contains_key(key) {
                note.events.clear();
            }
        }
        let manual = store::manual_levels(&self.db)
            .await?
            .into_iter()
            .map(|(w, p, min, max)| ((w, p), (min, max)))
            .collect();
        // A request counts at its source only while the asking warehouse is planned and the
        // source is still its parent (a warehouse moved under another keeps its old
        // requests' sources): the run and the part's page count the same ones.
        let requests = store::open_requests(&self.db)
            .await?
            .into_iter()
            .filter(|r| {
                warehouses
                    .get(&r.warehouse)
                    .is_some_and(|w| w.parent == Some(r.source))
            })
            .map(|r| ((r.warehouse, r.part), r))
            .collect();
        let repairs = RepairPipeline::new(&store::repair_lines(&self.db).await?, grid.days);
        let mut received_ago = HashMap::new();
        for (w, p, at) in store::last_receipts(&self.db, grid.start).await? {
            let day = (at.0 - grid.start.0).div_euclid(DAY_MS);
            let ago = grid.period_of(day).map_or(0, |p| grid.periods - 1 - p);
            received_ago.insert((w, p), ago);
        }
        let kept_since = Instant(grid.start.0.max(grid.end.0 - 365 * DAY_MS));
        let kept_here = store::rejected_returns(&self.db, kept_since)
            .await?
            .into_iter()
            .collect();
        Ok(Inputs {
            days: grid.days,
            parts,
            warehouses,
            history,
            positions,
            manual,
            events,
            notes,
            requests,
            repairs,
            asked_events,
            event_covered,
            received_ago,
            issued,
            kept_here,
        })
    }

    /// Proposals matching the filter: every warehouse's for planners, a station user's own
    /// warehouses' whatever the filter names ([`crate::plan_views::PlanScope::narrow`]).
    pub async fn plan_proposals(
        &self,
        actor: &Actor,
        filter: ProposalFilter,
    ) -> AppResult<Vec<ProposalRow>> {
        let scope = self
            .plan_scope(actor, "see replenishment proposals")
            .await?;
        let mut filter = scope.narrow(filter)?;
        if filter.limit == 0 {
            filter.limit = 500;
        }
        let rows = store::list_proposals(&self.db, &filter).await?;
        Ok(rows.into_iter().map(|p| scope.shown(p)).collect())
    }

    /// How many proposals match `filter` (its limit and offset aside), for paging; in the
    /// actor's scope as [`App::plan_proposals`].
    pub async fn plan_proposal_count(
        &self,
        actor: &Actor,
        filter: &ProposalFilter,
    ) -> AppResult<i64> {
        let filter = self.proposal_filter_in_scope(actor, filter).await?;
        Ok(store::count_proposals(&self.db, &filter).await?)
    }

    /// `filter` narrowed to the proposals the actor may see.
    async fn proposal_filter_in_scope(
        &self,
        actor: &Actor,
        filter: &ProposalFilter,
    ) -> AppResult<ProposalFilter> {
        let scope = self
            .plan_scope(actor, "see replenishment proposals")
            .await?;
        scope.narrow(filter.clone())
    }

    /// What the proposals matching `filter` are worth together (quantity × standard cost,
    /// minor units; its limit and offset aside); in the actor's scope as
    /// [`App::plan_proposals`].
    pub async fn plan_proposal_value(
        &self,
        actor: &Actor,
        filter: &ProposalFilter,
    ) -> AppResult<i64> {
        let filter = self.proposal_filter_in_scope(actor, filter).await?;
        Ok(store::proposals_value(&self.db, &filter).await?)
    }

    /// One proposal. Another warehouse's than a station user's own is not found, as a
    /// missing id is, so that ids do not tell what other stations are proposed.
    pub async fn plan_proposal(&self, actor: &Actor, id: i64) -> AppResult<ProposalRow> {
        let scope = self
            .plan_scope(actor, "see replenishment proposals")
            .await?;
        store::proposal(&self.db, id)
            .await?
            .filter(|p| scope.sees(p.warehouse))
            .map(|p| scope.shown(p))
            .ok_or_else(|| AppError::not_found(format!("proposal {id}")))
    }

    /// Reject an open proposal with a reason.
    pub async fn reject_proposal(
        &self,
        actor: &Actor,
        id: i64,
        reason: &str,
    ) -> AppResult<ProposalRow> {
        actor.require(PLANNERS, "decide replenishment proposals")?;
        let reason = crate::error::rejection_reason(reason)?;
        let reason = reason.as_str();
        let before = self.plan_proposal(actor, id).await?;
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        if !store::decide(&mut tx, id, "rejected", user_of(actor), Some(reason), now).await? {
            drop(tx);
            let current = self.plan_proposal(actor, id).await?;
            if current.status == "open" && current.approving_since.is_some() {
                return Err(being_approved(&current));
            }
            return Err(not_open(&current));
        }
        let mut entry = actor.audit(now, "planning.reject", "plan_proposal", id);
        entry.before = serde_json::to_value(&before).ok();
        entry.after = Some(serde_json::json!({"status": "rejected", "reason": reason}));
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        self.plan_proposal(actor, id).await
    }

    /// Approve an open proposal: the purchase order (purchases, last-time buys, emergencies
    /// at a warehouse without a parent), the transfer from the parent (transfers,
    /// emergencies elsewhere) or the transfer back to it (returns) is created through the
    /// ledger. The proposal is claimed first with the ledger command frozen on it, the
    /// command runs under the claim's Idempotency-Key (`plan-proposal-{id}-…`), then the
    /// proposal is approved with the document. Approving a claimed proposal (one whose
    /// approval stopped half-way, or is running right now) runs the frozen command again:
    /// the ledger replays it, so one document is created. A ledger refusal leaves the
    /// proposal open with the refusal noted (and the claim's key fenced).
    pub async fn approve_proposal(&self, actor: &Actor, id: i64) -> AppResult<ProposalRow> {
        let (p, receipt, claim) = self.run_claim(actor, id).await?;
        let document = document_of(&receipt, &[id])?;
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let claim = (claim.0.as_str(), claim.1);
        // Approved together and stopped half-way: the document carries the others' lines
        // as well, so they are approved with it (not left claimed for a planner to find).
        // In id order, as a batch finishes them: two finishing one claim at once wait for
        // each other rather than deadlock on PostgreSQL.
        let mut under = store::claimed_under(&mut tx, claim.0, claim.1).await?;
        if !under.contains(&id) {
            // Another approval of the same claim finished first (with the same document).
            drop(tx);
            return Err(not_open(&self.plan_proposal(actor, id).await?));
        }
        under.sort_unstable();
        let mut mine = false;
        for other in under {
            if !store::finish_approval(&mut tx, other, claim, user_of(actor), document, now).await?
            {
                continue;
            }
            mine |= other == id;
            let mut entry = actor.audit(now, "planning.approve", "plan_proposal", other);
            if other == id {
                entry.before = serde_json::to_value(&p).ok();
            }
            entry.after = Some(serde_json::json!({
                "status": "approved", "document_kind": document.0, "document_id": document.1,
                "replayed": receipt.replayed, "approved_by_approving": id,
            }));
            audit::record(&mut tx, &entry).await?;
        }
        if !mine {
            drop(tx);
            return Err(not_open(&self.plan_proposal(actor, id).await?));
        }
        tx.commit().await?;
        self.plan_proposal(actor, id).await
    }

    /// The first half of an approval: claim the proposal (or find it claimed) and run its
    /// frozen ledger command, without deciding it. `approve_proposal` is this plus the
    /// decision; on its own it leaves the proposal as a process that died after the ledger
    /// would (for tests of that case).
    #[doc(hidden)]
    pub async fn approve_until_ledger(
        &self,
        actor: &Actor,
        id: i64,
    ) -> AppResult<(ProposalRow, StockReceipt)> {
        let (p, receipt, _) = self.run_claim(actor, id).await?;
        Ok((p, receipt))
    }

    /// Claim the proposal (or find it claimed) and run its frozen command; with the claim
    /// (key, claimed at) it ran under. A refusal gives the claim up (every proposal under
    /// it: those approved together with this one too).
    async fn run_claim(
        &self,
        actor: &Actor,
        id: i64,
    ) -> AppResult<(ProposalRow, StockReceipt, (String, Instant))> {
        actor.require(PLANNERS, "decide replenishment proposals")?;
        let (p, command, claimed_at, key) = self.claim_proposal(actor, id).await?;
        let (_, done) = self
            .stock_execute_checked(actor, Some(&key), command)
            .await?;
        match done {
            Ok(receipt) => Ok((p, receipt, (key, claimed_at))),
            Err(e) => {
                let err = refusal(e);
                self.release_refused(actor, (&key, claimed_at), &err)
                    .await?;
                Err(err)
            }
        }
    }

    /// Give up the claim `(key, claimed_at)` after the ledger refused its command `err`,
    /// with an audit entry for each proposal released; the ids released.
    pub(crate) async fn release_refused(
        &self,
        actor: &Actor,
        (key, claimed_at): (&str, Instant),
        err: &AppError,
    ) -> AppResult<Vec<i64>> {
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let released =
            store::release_claim(&mut tx, key, claimed_at, &err.to_string(), now).await?;
        for &id in &released {
            let mut entry = actor.audit(now, "planning.approve_refused", "plan_proposal", id);
            entry.after = Some(serde_json::json!({
                "status": "open", "approval_error": err.to_string(), "approval_key": key,
            }));
            audit::record(&mut tx, &entry).await?;
        }
        tx.commit().await?;
        Ok(released)
    }

    /// The proposal claimed for approval with its frozen ledger command and the key it
    /// runs under: claimed now, or claimed before by an approval that has not finished
    /// (its command and key, unchanged: alone or with the proposals approved with it).
    async fn claim_proposal(
        &self,
        actor: &Actor,
        id: i64,
    ) -> AppResult<(ProposalRow, Command, Instant, String)> {
        // A run or an issue may change the proposal between the read and the claim; the
        // claim then fails its guard and is tried again on what is there now.
        for _ in 0..3 {
            let p = self.plan_proposal(actor, id).await?;
            if p.status != "open" {
                return Err(not_open(&p));
            }
            if let (Some(since), Some(json)) = (p.approving_since, p.approval_command.as_deref()) {
                let command: Command = serde_json::from_str(json).map_err(|e| {
                    AppError::Unexpected(format!("proposal {id}: stored ledger command: {e}"))
                })?;
                let key = p.approval_key.clone().unwrap_or_else(|| proposal_key(id));
                return Ok((p, command, since, key));
            }
            let now = self.now();
            let repaired = match p.route() {
                Some((from, _)) => {
                    plan_views_store::repaired_on_shelf(&self.db, from, p.part).await?
                }
                None => 0,
            };
            // Refused after the claim it would stay claimed under a command nobody can run.
            let command = self
                .authorize(actor, approval_command(&p, now, repaired)?)
                .await?;
            let json = serde_json::to_string(&command)
                .map_err(|e| AppError::Unexpected(format!("proposal {id}: command: {e}")))?;
            let key = claim_key(&id.to_string());
            let mut tx = self.db.begin_write().await?;
            let claimed = store::claim(&mut tx, &p, &json, &key, now).await?;
            tx.commit().await?;
            if claimed {
                return Ok((p, command, now, key));
            }
        }
        Err(AppError::Conflict {
            code: "planning.proposal_changing".into(),
            message: format!(
                "proposal {id} kept changing while it was being approved (planning runs or issues at its warehouse); reload it and approve again"
            ),
        })
    }

    /// The latest run and every option it planned with; `None` before the first run. A
    /// station user gets the calibrations of its own warehouses only.
    pub async fn latest_run_settings(&self, actor: &Actor) -> AppResult<Option<RunSettings>> {
        let scope = self.plan_scope(actor, "see planning").await?;
        let Some(run) = store::latest_run(&self.db).await? else {
            return Ok(None);
        };
        let mut fills = store::run_fills(&self.db, run.id).await?;
        fills.retain(|f| scope.sees(f.warehouse));
        RunSettings::from_row(run, fills).map(Some)
    }

    /// The plan of one part at one warehouse as the latest run planned it: recomputed now
    /// with that run's options (the defaults before the first run), except for what
    /// `overrides` sets. The view names the run (`run`) and the options used (`options`).
    pub async fn part_plan_as_run(
        &self,
        actor: &Actor,
        warehouse: WarehouseId,
        part: PartId,
        overrides: PlanOverrides,
    ) -> AppResult<PartPlanView> {
        let run = self.latest_run_settings(actor).await?;
        let base = run
            .as_ref()
            .map_or_else(PlanOptions::default, |r| r.options);
        let mut view = self
            .part_plan(actor, warehouse, part, overrides.over(base))
            .await?;
        view.run = run;
        Ok(view)
    }

    /// The plan of one part at one warehouse, recomputed from the ledger now with `opts`:
    /// history, forecast, levels, the method and why, and every candidate's backtest error.
    /// A warehouse outside a station user's own is not found, as a missing one is (as on
    /// the stock pages).
    pub async fn part_plan(
        &self,
        actor: &Actor,
        warehouse: WarehouseId,
        part: PartId,
        opts: PlanOptions,
    ) -> AppResult<PartPlanView> {
        let scope = self.plan_scope(actor, "see planning").await?;
        if !scope.sees(warehouse) {
            return Err(AppError::not_found(format!("warehouse {}", warehouse.0)));
        }
        let opts = opts.checked()?;
        // A missing warehouse or part is answered at once, not after the network's history
        // is read (seconds on the standard demo).
        if !store::plan_warehouses(&self.db)
            .await?
            .iter()
            .any(|w| w.id == warehouse)
        {
            return Err(AppError::not_found(format!("warehouse {}", warehouse.0)));
        }
        if store::plan_part(&self.db, part).await?.is_none() {
            return Err(AppError::not_found(format!("part {}", part.0)));
        }
        let now = self.now();
        let grid = Grid::new(now, self.company_days().await?, opts.bucket, opts.periods);
        let inputs = self.plan_inputs(&grid).await?;
        if !inputs.warehouses.contains_key(&warehouse) {
            return Err(AppError::not_found(format!("warehouse {}", warehouse.0)));
        }
        if !inputs.parts.contains_key(&part) {
            return Err(AppError::not_found(format!("part {}", part.0)));
        }
        // Under warehouse allocation the pair's level depends on every part there: the
        // warehouse is forecast and calibrated again, as a run would now, which is a run's
        // worth of work for a large warehouse: off the request threads.
        // What the warehouses it replenishes ask of it now, for the plan and the decision.
        let owed = owed_now(&inputs, warehouse, part);
        let asked = owed.clone();
        let (inputs, history, (plan, back), warehouse_fill) =
            tokio::task::spawn_blocking(move || {
                let ((plan, back), fill, history) =
                    plan_one(&inputs, &opts, warehouse, part, asked.as_ref(), now);
                (inputs, history, (plan, back), fill)
            })
            .await
            .map_err(|e| AppError::Unexpected(format!("planning task failed: {e}")))?;
        let (w, p) = (&inputs.warehouses[&warehouse], &inputs.parts[&part]);
        // What a run would decide from this plan: its why with the end-of-production notes
        // it adds, and the proposal it would write (or none).
        let today = inputs.days.day_of(now);
        let decided = to_rows(w, p, &plan, owed.as_ref(), back, &opts, now, inputs.days);
        let past_end_of_production =
            parse_date(&p.end_of_production_on).is_some_and(|eop| eop <= today);
        let last_time_buy = plan.last_time_buy.as_ref().map(|l| LastTimeBuyView {
            quantity: l.quantity.max(0.0).ceil() as i64,
            reason: format!("last-time buy before end of service: {}", l.reason),
        });
        let decision = decided.proposal.as_ref().map(|d| PlanDecision {
            kind: d.kind,
            qty: d.qty,
            reason: d.reason.clone(),
        });
        let reason = match &decision {
            // Nothing to order: what it decides is the way back.
            Some(d) if d.kind == ProposalKind::Return => d.reason.clone(),
            _ => position_text(&plan, last_time_buy.as_ref(), decision.is_some()),
        };
        let stored = store::item(&self.db, warehouse, part).await?;
        let proposals = store::list_proposals(
            &self.db,
            &ProposalFilter {
                warehouse: Some(warehouse),
                part: Some(part),
                limit: 20,
                ..Default::default()
            },
        )
        .await?
        .into_iter()
        .map(|p| scope.shown(p))
        .collect();
        Ok(PartPlanView {
            warehouse_code: w.code.clone(),
            part_number: p.part_number.clone(),
            bucket: opts.bucket,
            period_starts: period_starts(
                &grid,
                opts.bucket,
                history.len(),
                plan.selection.forecast.len(),
            ),
            history,
            forecast: plan.selection.forecast.clone(),
            method: plan.selection.method.clone(),
            class: plan.class.code().to_string(),
            why: decided.item.why.clone(),
            errors: plan
                .selection
                .errors
                .iter()
                .map(|e| MethodScore {
                    method: e.method.code().to_string(),
                    error: e.error.is_finite().then_some(e.error),
                })
                .collect(),
            min: plan.levels.min.max(0.0),
            reorder_point: plan.levels.reorder_point,
            max: plan.levels.max,
            sizing: decided.item.detail,
            order_kind: if w.parent.is_none() {
                ProposalKind::Purchase
            } else {
                ProposalKind::Transfer
            },
            holding_rate_pct: opts.holding_rate_pct,
            standard_cost: p.standard_cost,
            overridden: plan.overridden,
            event_demand: plan.event_demand,
            lifecycle: inputs
                .notes
                .get(&(warehouse, part))
                .cloned()
                .unwrap_or_default(),
            reason,
            end_of_production_on: p.end_of_production_on.clone(),
            end_of_service_on: p.end_of_service_on.clone(),
            past_end_of_production,
            last_time_buy,
            decision,
            stored,
            proposals,
            options: opts,
            warehouse_fill,
            run: None,
        })
    }

    /// After an issue: if available stock at `warehouse` fell below the part's minimum
    /// (manual, else the latest plan's reorder point), raise or update an emergency
    /// proposal at once instead of waiting for the next run. Returns it when raised. Not
    /// for inactive parts, nor at a warehouse without a parent for a part past end of
    /// production; an open proposal being approved is left as it is.
    pub async fn raise_emergency_if_short(
        &self,
        warehouse: WarehouseId,
        part: PartId,
    ) -> AppResult<Option<ProposalRow>> {
        // Runs after every issue: point queries only, never the whole master.
        let levels = store::manual_level(&self.db, warehouse, part).await?;
        // The reason names the level as the planner set it: a manual minimum, or the
        // reorder point the latest run planned.
        let level_name = if levels.is_some() {
            "minimum"
        } else {
            "reorder point"
        };
        let (min, max) = match levels {
            Some((min, Some(max))) => (min, max),
            // A manual minimum without a maximum orders up to the maximum a run planned
            // with it (the computed one, one EOQ above), as the runs do.
            Some((min, None)) => match store::item(&self.db, warehouse, part).await? {
                Some(item) => (min, item.max_qty.max(min)),
                None => (min, min),
            },
            None => match store::item(&self.db, warehouse, part).await? {
                Some(item) => (item.reorder_point, item.max_qty),
                None => return Ok(None),
            },
        };
        let available = store::available(&self.db, warehouse, part).await?;
        if min <= 0 || available >= min {
            return Ok(None);
        }
        // Units already on their way (an emergency approved after an earlier issue, a run's
        // transfer or order) cover the shortfall as far as they go: requesting them again
        // would order the same units twice.
        // Units its children send back by returns not shipped yet come as well, as a run
        // counts them.
        let inbound = store::inbound(&self.db, warehouse, part).await?
            + store::returns_to(&self.db, warehouse, part).await?;
        // What the warehouses it replenishes ask of it is owed from the same stock, as a
        // run nets it (backorders): an emergency that ignored it would be raised again by
        // the next run for the rest.
        let asked = store::requests_of(&self.db, warehouse, part).await?;
        let owed: i64 = asked.iter().map(|(_, q)| q).sum();
        let position = available.saturating_add(inbound).saturating_sub(owed);
        if position >= min {
            return Ok(None);
        }
        let Some(w) = store::plan_warehouse(&self.db, warehouse).await? else {
            return Ok(None);
        };
        // Inactive parts are not replenished; past end of production a top warehouse can
        // only make the last-time buy a run proposes, not buy as usual.
        let Some(planned) = store::plan_part(&self.db, part).await? else {
            return Ok(None);
        };
        let now = self.now();
        let today = self.company_days().await?.day_of(now);
        let past_production =
            parse_date(&planned.end_of_production_on).is_some_and(|eop| eop <= today);
        if w.parent.is_none() && past_production {
            return Ok(None);
        }
        let supplier = planned.supplier;
        let qty = (max.max(min) - position).max(1);
        let draft = ProposalDraft {
            warehouse,
            part,
            kind: ProposalKind::Emergency,
            source: w.parent,
            destination: None,
            supplier: if w.parent.is_none() { supplier } else { None },
            qty,
            need_by: now,
            reason: format!(
                "emergency requisition: available {available} < {level_name} {min} after an issue, {inbound} on the way{}; request {qty} up to {}",
                if asked.is_empty() {
                    String::new()
                } else {
                    // Largest first, five named, as a run's why names them.
                    let mut by: Vec<String> = asked
                        .iter()
                        .take(5)
                        .map(|(c, q)| format!("{c} {q}"))
                        .collect();
                    if asked.len() > 5 {
                        by.push(format!("{} more", asked.len() - 5));
                    }
                    format!(
                        "; backorders {owed}: open transfer requests of the warehouses it replenishes: {}",
                        by.join(", ")
                    )
                },
                max.max(min)
            ),
            overridden: levels.is_some(),
            run_id: None,
            transfer_days: None,
        };
        let mut tx = self.db.begin_write().await?;
        store::upsert_proposals(&mut tx, &[draft], now).await?;
        let mut entry = Actor::Cli.audit(
            now,
            "planning.emergency",
            "warehouse_part",
            format!("{}:{}", warehouse.0, part.0),
        );
        entry.actor_login = "system".into();
        entry.after = Some(
            serde_json::json!({"available": available, "inbound": inbound, "min": min, "qty": qty}),
        );
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        let open = store::list_proposals(
            &self.db,
            &ProposalFilter {
                warehouse: Some(warehouse),
                part: Some(part),
                status: Some("open".into()),
                limit: 1,
                ..Default::default()
            },
        )
        .await?;
        Ok(open.into_iter().next())
    }
}

/// A part's planning page.
#[derive(Debug, Clone, Serialize)]
pub struct PartPlanView {
    /// Warehouse code.
    pub warehouse_code: String,
    /// Part number.
    pub part_number: String,
    /// Period length.
    pub bucket: Bucket,
    /// Outflow per period, oldest first.
    pub history: Vec<f64>,
    /// Forecast per period over the protection interval.
    pub forecast: Vec<f64>,
    /// First day (`YYYY-MM-DD`, the company's day) of every period: the history's, then the
    /// forecast's (from today's week, or this month, on).
    pub period_starts: Vec<String>,
    /// Method chosen.
    pub method: String,
    /// Demand class.
    pub class: String,
    /// Why the method was chosen.
    pub why: String,
    /// Backtest error of every candidate (`None`: could not be scored).
    pub errors: Vec<MethodScore>,
    /// Safety stock.
    pub min: f64,
    /// Reorder point.
    pub reorder_point: f64,
    /// Order-up-to level of the stock position: reorder point − 1 unit + lot (the
    /// reorder point itself without a lot).
    pub max: f64,
    /// How the order is sized: the EOQ, the lot and the costs they came from (the
    /// computed levels'; manual levels set their own maximum).
    pub sizing: ItemDetail,
    /// What the order cost is the cost of: a purchase (warehouse without a parent) or a
    /// transfer from the parent.
    pub order_kind: ProposalKind,
    /// Holding cost per year in percent of standard cost, as the plan used it.
    pub holding_rate_pct: i64,
    /// Standard cost of the part, minor units.
    pub standard_cost: i64,
    /// Whether manual levels override the computed ones.
    pub overridden: bool,
    /// Event demand (e.g. recalls) inside the protection interval, in the levels.
    pub event_demand: f64,
    /// Successions and events the plan used.
    pub lifecycle: LifecycleNote,
    /// The position now and what it leads to, in words, as a run would decide it: the
    /// netting (`available 1 < reorder point 3; order up to 12: 11`), the last-time buy's
    /// reason in its place when there is one, and the netting with "not ordered: past end
    /// of production" when the part can no longer be bought as usual here.
    pub reason: String,
    /// End of production of the part (`YYYY-MM-DD`), if set.
    pub end_of_production_on: Option<String>,
    /// End of service of the part, if set.
    pub end_of_service_on: Option<String>,
    /// The end of production is today or before.
    pub past_end_of_production: bool,
    /// The last-time buy a run would propose here now (a top warehouse, past end of
    /// production, before end of service); its quantity may be 0 (nothing to buy).
    pub last_time_buy: Option<LastTimeBuyView>,
    /// The proposal a run would write for the pair now (`None`: none).
    pub decision: Option<PlanDecision>,
    /// The plan stored by the latest run.
    pub stored: Option<PlanItemRow>,
    /// Recent proposals of this pair.
    pub proposals: Vec<ProposalRow>,
    /// Every option the plan was computed with.
    pub options: PlanOptions,
    /// The warehouse's fill target met as a whole, when it set this pair's level
    /// (a warehouse allocation).
    pub warehouse_fill: Option<WarehouseFill>,
    /// The run whose options were the base ([`App::part_plan_as_run`]; `None` there
    /// before the first run, and always from [`App::part_plan`]).
    pub run: Option<RunSettings>,
}

/// First day (`YYYY-MM-DD`) of `history` periods of `grid` from its start, then of
/// `forecast` periods from its end, where the forecast starts: weeks of 7 days, or
/// calendar months.
fn period_starts(grid: &Grid, bucket: Bucket, history: usize, forecast: usize) -> Vec<String> {
    let nth = |from: Instant, k: usize| {
        let first = day_to_date(grid.days.day_of(from));
        match bucket {
            Bucket::Week => first.checked_add_days(chrono::Days::new(7 * k as u64)),
            Bucket::Month => first.checked_add_months(chrono::Months::new(k as u32)),
        }
        .unwrap_or(first)
        .format("%Y-%m-%d")
        .to_string()
    };
    (0..history)
        .map(|k| nth(grid.start, k))
        .chain((0..forecast).map(|k| nth(grid.end, k)))
        .collect()
}

/// A last-time buy on a part's page.
#[derive(Debug, Clone, Serialize)]
pub struct LastTimeBuyView {
    /// Units to buy now (0: the stock available covers the remaining service).
    pub quantity: i64,
    /// Why, in words, as its proposal says it (`last-time buy before end of service: …`).
    pub reason: String,
}

/// The proposal a run would write for a pair.
#[derive(Debug, Clone, Serialize)]
pub struct PlanDecision {
    /// What kind.
    pub kind: ProposalKind,
    /// Units.
    pub qty: i64,
    /// Why, as the proposal says it.
    pub reason: String,
}

/// The part page's position-now text, consistent with what a run decides ([`to_rows`]):
/// the last-time buy's reason when there is one (a run proposes nothing else there); the
/// netting's order left out, with the reason why, when the netting orders but past end of
/// production nothing is proposed; else the netting's reason.
fn position_text(plan: &ItemPlan, ltb: Option<&LastTimeBuyView>, proposed: bool) -> String {
    if let Some(l) = ltb {
        return l.reason.clone();
    }
    let netting = &plan.netting.reason;
    if proposed || plan.netting.quantity < 1.0 {
        return netting.clone();
    }
    let mut kept: Vec<&str> = netting
        .split("; ")
        .filter(|seg| !seg.starts_with("order "))
        .collect();
    kept.push("not ordered: past end of production");
    kept.join("; ")
}

/// One candidate's backtest error.
#[derive(Debug, Clone, Serialize)]
pub struct MethodScore {
    /// Method code.
    pub method: String,
    /// Error under the run's measure.
    pub error: Option<f64>,
}

/// Who to record as the author: the user's login, `cli` for the command line.
pub(crate) fn actor_login(actor: &Actor) -> String {
    actor
        .principal()
        .map_or_else(|| "cli".to_string(), |p| p.login.clone())
}

pub(crate) fn user_of(actor: &Actor) -> Option<aftercare_domain::UserId> {
    actor.principal().map(|p| p.user_id)
}

/// What the ledger's Idempotency-Key of a proposal's approval starts with (reserved: no
/// client may send it; `store::open_requests` reads it).
pub const PROPOSAL_KEY_PREFIX: &str = "plan-proposal-";

/// The ledger's Idempotency-Key of a proposal's approval before keys were kept on the
/// claim (every claim made before 2026-12-07 has it stored as well).
fn proposal_key(id: i64) -> String {
    format!("{PROPOSAL_KEY_PREFIX}{id}")
}

/// A fresh Idempotency-Key for a claim of `what` (a proposal's id, or `batch-<lowest id>`):
/// a claim given up fences its key (see `store::release_claim`), so the next claim of the
/// same proposals needs another.
pub(crate) fn claim_key(what: &str) -> String {
    let tag: String = crate::password::random_bytes::<6>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{PROPOSAL_KEY_PREFIX}{what}-{tag}")
}

/// The document (kind, id) an approval's ledger run created; `ids` are the proposals it
/// approves (for the error).
pub(crate) fn document_of(receipt: &StockReceipt, ids: &[i64]) -> AppResult<(&'static str, i64)> {
    match receipt.outcome.created {
        Some(Created::PurchaseOrder(po)) => Ok(("purchase_order", po.0)),
        Some(Created::Transfer(t)) => Ok(("transfer", t.0)),
        ref other => Err(AppError::Unexpected(format!(
            "approving proposals {ids:?} created {other:?}"
        ))),
    }
}

/// The ledger command approving `p` creates, its transfer ETA counted from `now`. A
/// transfer (or a return) ships the sending warehouse's `repaired` units on the shelf
/// first (repaired parts are issued before new ones), the rest good.
pub(crate) fn approval_command(p: &ProposalRow, now: Instant, repaired: i64) -> AppResult<Command> {
    let qty = Qty::new(p.qty).map_err(|e| AppError::invalid("qty", e.to_string()))?;
    Ok(match p.route() {
        Some((from, to)) => {
            let days = p
                .transfer_days
                .unwrap_or(PlanOptions::default().transfer_days);
            let first = repaired.clamp(0, p.qty);
            let lines = [
                (StockCondition::Repaired, first),
                (StockCondition::Good, p.qty - first),
            ]
            .into_iter()
            .filter(|&(_, n)| n > 0)
            .map(|(condition, n)| {
                Ok(TransferQty {
                    part: p.part,
                    condition,
                    qty: Qty::new(n).map_err(|e| AppError::invalid("qty", e.to_string()))?,
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
            Command::ShipTransfer {
                from,
                to,
                eta: Instant(now.0 + days * DAY_MS),
                lines,
            }
        }
        None => {
            let supplier = p.supplier.ok_or_else(|| AppError::Conflict {
                code: "planning.no_supplier".into(),
                message: format!(
                    "part {} has no supplier on record: add one in the part master before approving a purchase",
                    p.part_number
                ),
            })?;
            Command::PlacePurchaseOrder {
                supplier,
                lines: vec![(p.part, qty)],
            }
        }
    })
}

fn being_approved(p: &ProposalRow) -> AppError {
    AppError::Conflict {
        code: "planning.proposal_being_approved".into(),
        message: format!(
            "proposal {} is being approved: its purchase order or transfer may exist already, so it cannot be rejected; approve it again to finish the approval (or to see why the ledger refuses it)",
            p.id
        ),
    }
}

pub(crate) fn not_open(p: &ProposalRow) -> AppError {
    AppError::Conflict {
        code: "planning.proposal_not_open".into(),
        message: format!(
            "proposal {} is {}, not open: it was decided or withdrawn already",
            p.id, p.status
        ),
    }
}

/// Plan every pair with history, stock or manual levels (pure; runs on a blocking thread).
/// Also returns each warehouse's calibration under a warehouse allocation, by code.
fn compute(
    inputs: &Inputs,
    opts: &PlanOptions,
    now: Instant,
) -> (Vec<Planned>, Vec<RunWarehouseFill>) {
    let zeros = vec![0.0; history_periods(inputs, opts)];
    let pairs = pairs_to_plan(inputs, None);
    let forecasts = forecast_pairs(inputs, opts, &pairs, &zeros, now);
    let fills = warehouse_fills(inputs, opts, &forecasts, now);
    let planned = plan_bottom_up(inputs, opts, &fills, forecasts, &zeros, now);
    let mut by_code: Vec<RunWarehouseFill> = fills
        .iter()
        .filter_map(|(w, fill)| {
            Some(RunWarehouseFill {
                warehouse_id: *w,
                warehouse_code: inputs.warehouses.get(w)?.code.clone(),
                fill: *fill,
            })
        })
        .collect();
    by_code.sort_by(|a, b| a.warehouse_code.cmp(&b.warehouse_code));
    (planned, by_code)
}

/// What the warehouses a warehouse replenishes ask of it for one part: their open
/// requests, netted there as backorders.
#[derive(Debug, Clone, Default, PartialEq)]
struct Owed {
    /// Units asked.
    units: i64,
    /// Event demand inside them: the parent plans that much less of the event itself.
    event_units: f64,
    /// Who asks how many, in the order they were added.
    by: Vec<(WarehouseId, i64)>,
    /// Units its children send back (their returns, proposed or being approved): coming
    /// here like a transfer.
    returning: i64,
    /// Who sends how many back.
    returned_by: Vec<(WarehouseId, i64)>,
}

impl Owed {
    fn add(&mut self, warehouse: WarehouseId, qty: i64, event_units: f64) {
        self.units += qty;
        self.event_units += event_units.clamp(0.0, qty as f64);
        self.by.push((warehouse, qty));
    }

    fn add_return(&mut self, warehouse: WarehouseId, qty: i64) {
        self.returning += qty;
        self.returned_by.push((warehouse, qty));
    }

    /// Every warehouse that asks or sends back.
    fn children(&self) -> impl Iterator<Item = WarehouseId> + '_ {
        self.by.iter().chain(&self.returned_by).map(|(w, _)| *w)
    }

    /// Who asks and who sends back, for the plan's why.
    fn text(&self, warehouses: &HashMap<WarehouseId, PlanWarehouse>) -> String {
        let mut text = String::new();
        if !self.by.is_empty() {
            text.push_str(&format!(
                "; backorders {}: open transfer requests of the warehouses it replenishes: {}",
                self.units,
                who(&self.by, warehouses)
            ));
        }
        if !self.returned_by.is_empty() {
            text.push_str(&format!(
                "; returns {} coming: stock the warehouses it replenishes no longer keep: {}",
                self.returning,
                who(&self.returned_by, warehouses)
            ));
        }
        text
    }
}

/// Warehouses and their quantities: the largest first, five at most named.
fn who(by: &[(WarehouseId, i64)], warehouses: &HashMap<WarehouseId, PlanWarehouse>) -> String {
    const NAMED: usize = 5;
    let mut by = by.to_vec();
    by.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.0.cmp(&b.0.0)));
    let mut named: Vec<String> = by
        .iter()
        .take(NAMED)
        .map(|(w, q)| {
            let code = warehouses.get(w).map_or("?", |w| w.code.as_str());
            format!("{code} {q}")
        })
        .collect();
    if by.len() > NAMED {
        named.push(format!("{} more", by.len() - NAMED));
    }
    named.join(", ")
}

/// Whether a pair still asks its parent for stock after this run, and how much: a request
/// being approved stands as it is (the run leaves it) until its transfer has shipped
/// (then the units have left the parent: nothing is owed), else the run's own proposal,
/// else an emergency an issue raised (a run does not withdraw it).
/// A return proposed or being approved counts at its destination the same way
/// (`bool`: the units come back instead of being asked for).
fn still_asked(
    drafted: Option<(WarehouseId, i64, bool)>,
    stored: Option<&store::OpenRequest>,
) -> Option<(WarehouseId, i64, bool)> {
    match (stored, drafted) {
        (Some(s), _) if s.approving && s.shipped => None,
        (Some(s), _) if s.approving => Some((s.source, s.qty, s.returning)),
        (_, Some(d)) => Some(d),
        (Some(s), None) if !s.run_owned => Some((s.source, s.qty, s.returning)),
        _ => None,
    }
}

/// Steps from each warehouse up to the top of its tree (0 at a warehouse without a known
/// parent). The bound keeps a corrupt parent loop from hanging a run.
fn warehouse_depths(
    warehouses: &HashMap<WarehouseId, PlanWarehouse>,
) -> HashMap<WarehouseId, usize> {
    warehouses
        .values()
        .map(|w| {
            let mut depth = 0;
            let mut at = w.parent.and_then(|p| warehouses.get(&p));
            while let Some(parent) = at.filter(|_| depth < warehouses.len()) {
                depth += 1;
                at = parent.parent.and_then(|p| warehouses.get(&p));
            }
            (w.id, depth)
        })
        .collect()
}

/// Plan the pairs deepest warehouse first, so that each warehouse nets what the ones it
/// replenishes ask of it in this run ([`still_asked`]) as backorders: a regional warehouse
/// whose stations ask more than it holds orders from its own parent now, not a run later.
/// A part asked of a warehouse that neither holds nor used it is planned there too, from
/// no history.
fn plan_bottom_up<'a>(
    inputs: &'a Inputs,
    opts: &PlanOptions,
    fills: &HashMap<WarehouseId, WarehouseFill>,
    forecasts: Vec<Forecasted<'a>>,
    zeros: &'a [f64],
    now: Instant,
) -> Vec<Planned> {
    let depths = warehouse_depths(&inputs.warehouses);
    let levels = depths.values().copied().max().map_or(0, |d| d + 1);
    let mut by_depth: Vec<Vec<Forecasted<'a>>> = (0..levels).map(|_| Vec::new()).collect();
    for f in forecasts {
        by_depth[depths[&f.warehouse.id]].push(f);
    }
    let mut owed: HashMap<(WarehouseId, PartId), Owed> = HashMap::new();
    let mut planned = Vec::new();
    for (depth, mut level) in by_depth.into_iter().enumerate().rev() {
        let have: HashSet<(WarehouseId, PartId)> =
            level.iter().map(|f| (f.warehouse.id, f.part.id)).collect();
        let mut missing: Vec<(WarehouseId, PartId)> = owed
            .keys()
            .filter(|k| depths.get(&k.0) == Some(&depth) && !have.contains(k))
            .copied()
            .collect();
        missing.sort();
        level.extend(forecast_pairs(inputs, opts, &missing, zeros, now));
        let mut out: Vec<Planned> = level
            .into_par_iter()
            .map(|f| {
                let (wh, part) = (f.warehouse, f.part);
                let asked = owed.get(&(wh.id, part.id));
                let (plan, back) = plan_forecasted(inputs, opts, fills, f, asked, now);
                to_rows(wh, part, &plan, asked, back, opts, now, inputs.days)
            })
            .collect();
        // The event demand a pair plans (its own, and what its children ask of it) goes up
        // inside its request: record it, for its parent and its parent's page.
        let mut event_in: HashMap<(WarehouseId, PartId), f64> = HashMap::new();
        for p in &mut out {
            let key = (p.item.warehouse, p.item.part);
            // What it holds beyond its regular reorder point already covers the event
            // (and was taken off what went up to its parent): not in its request.
            let event_units = p.item.detail.event_milli as f64 / 1000.0;
            let from_below = owed.get(&key).map_or(0.0, |o| o.event_units);
            if event_units <= 0.0 && from_below <= 0.0 {
                continue;
            }
            let held = inputs.positions.get(&key).map_or(0, held_issuable) as f64;
            let regular = p.item.reorder_point as f64 - event_units.ceil();
            let planned = (event_units - (held - regular).max(0.0)).max(0.0) + from_below;
            event_in.insert(key, planned);
            if let Some(d) = p.proposal.as_ref().filter(|d| d.source.is_some()) {
                let asked = planned.min(d.qty as f64);
                p.item.detail.event_asked_milli = (asked * 1000.0).round() as i64;
            }
        }
        let drafted: HashMap<(WarehouseId, PartId), (WarehouseId, i64, bool)> = out
            .iter()
            .filter_map(|p| {
                let d = p.proposal.as_ref()?;
                let returning = d.kind == ProposalKind::Return;
                let to = if returning { d.destination } else { d.source };
                Some(((d.warehouse, d.part), (to?, d.qty, returning)))
            })
            .collect();
        let mut asking: BTreeSet<(WarehouseId, PartId)> = drafted.keys().copied().collect();
        asking.extend(
            inputs
                .requests
                .keys()
                .filter(|k| depths.get(&k.0) == Some(&depth)),
        );
        for key in asking {
            let stored = inputs.requests.get(&key);
            match still_asked(drafted.get(&key).copied(), stored) {
                Some((to, qty, true)) => {
                    owed.entry((to, key.1)).or_default().add_return(key.0, qty)
                }
                Some((source, qty, false)) => {
                    let event = event_in.get(&key).copied().unwrap_or(0.0);
                    owed.entry((source, key.1))
                        .or_default()
                        .add(key.0, qty, event);
                }
                None => {}
            }
        }
        planned.extend(out);
    }
    planned
}

/// Units of `part` held by every warehouse below `top` (replenished from it directly or
/// further down): on hand, in transit to them and awaiting inspection, less reserved.
///
/// Less what of it already covered event demand before the event went up to `top`
/// ([`events_by_warehouse`]): that much is off `top`'s event demand already.
fn stock_below(inputs: &Inputs, top: WarehouseId, part: PartId) -> i64 {
    let below = inputs
        .warehouses
        .values()
        .filter(|w| is_below(&inputs.warehouses, w.id, top));
    let (held, covered) = below.fold((0, 0.0), |(held, covered), w| {
        let key = (w.id, part);
        let h = inputs.positions.get(&key).map_or(0, held_issuable);
        let c = inputs.event_covered.get(&key).copied().unwrap_or(0.0);
        (held + h, covered + c)
    });
    (held - covered.ceil() as i64).max(0)
}

/// Units of `part` issued per period at `top` and every warehouse below it: the demand of
/// the network `top` supplies (`periods` long).
fn network_issues(inputs: &Inputs, top: WarehouseId, part: PartId, periods: usize) -> Vec<f64> {
    let mut total = vec![0.0; periods];
    let network = inputs
        .warehouses
        .keys()
        .filter(|&&w| w == top || is_below(&inputs.warehouses, w, top));
    for w in network {
        if let Some(issued) = inputs.issued.get(&(*w, part)) {
            for (t, q) in total.iter_mut().zip(issued) {
                *t += q;
            }
        }
    }
    total
}

/// The warehouse without a parent at the top of `w`'s network (`w` itself at the top);
/// `None` for a warehouse not planned or a loop of parents.
fn top_of(warehouses: &HashMap<WarehouseId, PlanWarehouse>, w: WarehouseId) -> Option<WarehouseId> {
    let mut at = warehouses.get(&w)?;
    for _ in 0..=warehouses.len() {
        match at.parent {
            None => return Some(at.id),
            Some(p) => at = warehouses.get(&p)?,
        }
    }
    None
}

/// Whether `top` replenishes `w`, directly or further down (the bound keeps a corrupt
/// parent loop from hanging).
fn is_below(
    warehouses: &HashMap<WarehouseId, PlanWarehouse>,
    w: WarehouseId,
    top: WarehouseId,
) -> bool {
    let mut at = warehouses.get(&w).and_then(|w| w.parent);
    for _ in 0..warehouses.len() {
        match at {
            Some(p) if p == top => return true,
            Some(p) => at = warehouses.get(&p).and_then(|w| w.parent),
            None => return false,
        }
    }
    false
}

/// What the warehouses `warehouse` replenishes ask of it for `part` now: their open
/// proposals, but for one whose transfer shipped already (the part's page, between runs).
fn owed_now(inputs: &Inputs, warehouse: WarehouseId, part: PartId) -> Option<Owed> {
    let mut asking: Vec<&store::OpenRequest> = inputs
        .requests
        .values()
        .filter(|r| r.source == warehouse && r.part == part && !r.shipped)
        .collect();
    asking.sort_by_key(|r| r.warehouse);
    (!asking.is_empty()).then(|| {
        asking.iter().fold(Owed::default(), |mut o, r| {
            if r.returning {
                o.add_return(r.warehouse, r.qty);
            } else {
                let event = inputs.asked_events.get(&(r.warehouse, r.part));
                o.add(r.warehouse, r.qty, event.copied().unwrap_or(0.0));
            }
            o
        })
    })
}

/// One pair's plan now, with its warehouse's calibration when it set the pair's level
/// (pure; the part's page runs it on a blocking thread), `owed` what the warehouses it
/// replenishes ask of it ([`owed_now`]). Returns the pair's history too.
fn plan_one(
    inputs: &Inputs,
    opts: &PlanOptions,
    warehouse: WarehouseId,
    part: PartId,
    owed: Option<&Owed>,
    now: Instant,
) -> (
    (ItemPlan, Option<Returnable>),
    Option<WarehouseFill>,
    Vec<f64>,
) {
    let zeros = vec![0.0; history_periods(inputs, opts)];
    let (w, p) = (&inputs.warehouses[&warehouse], &inputs.parts[&part]);
    let history = inputs
        .history
        .get(&(warehouse, part))
        .map_or(zeros.as_slice(), Vec::as_slice);
    let input = pair_input(inputs, opts, w, p, history, now);
    // The whole warehouse is forecast only when its calibration sets this pair's level.
    let (fills, mut forecasts) = if opts.allocation.by_warehouse() && allocated(&input, p) {
        let pairs = pairs_to_plan(inputs, Some(warehouse));
        let forecasts = forecast_pairs(inputs, opts, &pairs, &zeros, now);
        (warehouse_fills(inputs, opts, &forecasts, now), forecasts)
    } else {
        (HashMap::new(), Vec::new())
    };
    let f = match forecasts.iter().position(|f| f.part.id == part) {
        Some(i) => forecasts.swap_remove(i),
        None => Forecasted {
            warehouse: w,
            part: p,
            history,
            forecast: forecast_item(&input, &opts.settings()),
        },
    };
    let fill = fills.get(&warehouse).copied();
    (
        plan_forecasted(inputs, opts, &fills, f, owed, now),
        fill,
        history.to_vec(),
    )
}

/// Periods of every history (the run's, unless the ledger gave none).
fn history_periods(inputs: &Inputs, opts: &PlanOptions) -> usize {
    inputs
        .history
        .values()
        .next()
        .map_or(opts.periods, Vec::len)
}

/// Every pair with history, stock, manual levels or event demand (at one warehouse).
fn pairs_to_plan(inputs: &Inputs, only: Option<WarehouseId>) -> Vec<(WarehouseId, PartId)> {
    let mut pairs: BTreeSet<(WarehouseId, PartId)> = BTreeSet::new();
    pairs.extend(inputs.history.keys().copied());
    pairs.extend(inputs.positions.keys().copied());
    pairs.extend(inputs.manual.keys().copied());
    pairs.extend(inputs.events.keys().copied());
    // A part with an end of production is planned at the top of every network that holds
    // or issues it: its last-time buy is made there, for the whole network, also once the
    // top warehouse has shipped its last unit down and no warehouse asks it for more.
    let tops: Vec<(WarehouseId, PartId)> = pairs
        .iter()
        .filter(|(_, p)| {
            inputs
                .parts
                .get(p)
                .is_some_and(|part| part.end_of_production_on.is_some())
        })
        .filter_map(|&(w, p)| top_of(&inputs.warehouses, w).map(|top| (top, p)))
        .collect();
    pairs.extend(tops);
    pairs
        .into_iter()
        .filter(|(w, _)| only.is_none_or(|o| o == *w))
        .collect()
}

/// A pair with its forecast: the first half of planning it.
struct Forecasted<'a> {
    warehouse: &'a PlanWarehouse,
    part: &'a PlanPart,
    history: &'a [f64],
    forecast: ItemForecast,
}

/// Forecast every pair of `pairs` whose warehouse and part are known (in parallel).
fn forecast_pairs<'a>(
    inputs: &'a Inputs,
    opts: &PlanOptions,
    pairs: &[(WarehouseId, PartId)],
    zeros: &'a [f64],
    now: Instant,
) -> Vec<Forecasted<'a>> {
    let settings = opts.settings();
    pairs
        .par_iter()
        .filter_map(|&(w, p)| {
            let warehouse = inputs.warehouses.get(&w)?;
            let part = inputs.parts.get(&p)?;
            let history = inputs.history.get(&(w, p)).map_or(zeros, Vec::as_slice);
            let input = pair_input(inputs, opts, warehouse, part, history, now);
            Some(Forecasted {
                warehouse,
                part,
                history,
                forecast: forecast_item(&input, &settings),
            })
        })
        .collect()
}

/// A warehouse's fill target met as a whole ([`Allocation::by_warehouse`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WarehouseFill {
    /// Value of one unit short per period in currency units of average stock: every
    /// allocated part's level there is where one more unit stops being worth its holding.
    pub worth: f64,
    /// Expected fill rate of the allocated parts' units at those levels.
    pub expected_fill: f64,
    /// Parts whose levels the worth set (the others keep the per-part target).
    pub parts: usize,
    /// Whether the target is met (false only when even the largest worth searched misses
    /// it; the levels are then those of that worth). Calibrated on a replay: met on the
    /// replay, and when it is not, the worth is the least within 0.15 points of the fill
    /// the largest worth replays (more would buy almost nothing).
    pub reached: bool,
    /// Under [`Allocation::WarehouseHistory`], the fill rate the replay of the last
    /// [`replay_window`] periods achieved with the worth (the allocated parts' units).
    pub replayed_fill: Option<f64>,
    /// Periods replayed (0 without a replay).
    pub replayed_periods: usize,
}

impl WarehouseFill {
    /// Why the target is not met, in words (`None` when it is).
    pub fn shortfall(&self) -> Option<&'static str> {
        match (self.reached, self.replayed_fill) {
            (true, _) => None,
            (false, None) => Some("short of the target at the highest value searched"),
            (false, Some(_)) => Some(
                "short of the target on the replay even at the highest value searched: the least value within 0.15 points of the most it fills",
            ),
        }
    }

    /// The worth as money (to the cent), for reading.
    pub fn worth_money(&self) -> aftercare_domain::Money {
        aftercare_domain::Money::from_minor((self.worth * 100.0).round() as i64)
    }
}

/// Parts calibrated together per parallel task: the outcome at a worth is summed per
/// chunk, then over the chunks in order, so a run gives the same worth every time.
const CALIBRATION_CHUNK: usize = 256;

/// Replayed pairs whose replay is prepared once per calibration, over all the warehouses
/// calibrated at once (one per thread): about 75 KB each for a weekly run, some 900 MB in
/// all; each warehouse gets its share by the threads, and the rest of its pairs are
/// replayed afresh at every worth tried.
const PREPARED_PAIRS: usize = 12_288;

/// Whether a pair's level comes from its warehouse's worth under a warehouse allocation:
/// not with manual levels (they win anyway), not past end of production (a last-time buy
/// is sized on its own), and not without a standard cost (no price to weigh a shortage
/// against).
fn allocated(input: &PlanInput<'_>, part: &PlanPart) -> bool {
    input.manual.is_none() && input.remaining_service_periods.is_none() && part.standard_cost > 0
}

/// Periods at the end of the history an [`Allocation::WarehouseHistory`] calibration
/// replays: the last half (52 of 104 weeks by default), so that the first period replayed
/// is planned from as much history as is replayed.
pub fn replay_window(opts: &PlanOptions) -> usize {
    (opts.periods / 2).max(1)
}

/// One warehouse's allocated pairs: their policy models now, and (under
/// [`Allocation::WarehouseHistory`]) their replays.
#[derive(Default)]
struct Group<'a> {
    models: Vec<PolicyModel>,
    replays: Vec<HistoryItem<'a>>,
}

/// The worth of each warehouse under a warehouse allocation (none under `Item`).
fn warehouse_fills(
    inputs: &Inputs,
    opts: &PlanOptions,
    forecasts: &[Forecasted<'_>],
    now: Instant,
) -> HashMap<WarehouseId, WarehouseFill> {
    if !opts.allocation.by_warehouse() {
        return HashMap::new();
    }
    let window = replay_window(opts);
    let on_history = opts.allocation == Allocation::WarehouseHistory;
    let pairs: Vec<(WarehouseId, PolicyModel, Option<HistoryItem<'_>>)> = forecasts
        .par_iter()
        .filter_map(|f| {
            let input = pair_input(inputs, opts, f.warehouse, f.part, f.history, now);
            if !allocated(&input, f.part) {
                return None;
            }
            let settings = opts.settings_at(f.warehouse);
            let model = policy_model(&input, &settings, &f.forecast);
            let replay = (on_history && demand_replayed(&input, window)).then(|| HistoryItem {
                history: f.history,
                item: input.item,
                estimates: prefix_estimates(&input, &settings, f.history.len() - window),
                seed: input.seed,
            });
            Some((f.warehouse.id, model, replay))
        })
        .collect();
    let mut groups: HashMap<WarehouseId, Group<'_>> = HashMap::new();
    for (w, model, replay) in pairs {
        let g = groups.entry(w).or_default();
        g.models.push(model);
        g.replays.extend(replay);
    }
    groups
        .into_par_iter()
        .map(|(w, g)| {
            let expected_at = |worth: f64| -> GroupOutcome {
                let target = ServiceTarget::ShortageWorth(worth);
                sum_in_chunks(&g.models, |c| group_outcome(c, target))
            };
            let parts = g.models.len();
            // A replay without any demand (no pair had demand after its first lead time in
            // the window, e.g. a short history and long lead times) says nothing about the
            // worth: the warehouse is then calibrated on the expected fill.
            let spec = inputs
                .warehouses
                .get(&w)
                .map_or_else(|| opts.settings(), |wh| opts.settings_at(wh))
                .spec;
            let on_replay = on_history
                .then(|| {
                    // The replay's distributions are fitted once per chunk, not at every
                    // worth tried (~20): only the levels depend on it. What that holds
                    // (~75 KB a pair) is bounded: beyond its share of PREPARED_PAIRS a
                    // warehouse's chunks are fitted afresh at every worth (slower, the
                    // same result).
                    let prepared: Vec<ReplayChunk<'_>> = g
                        .replays
                        .par_chunks(CALIBRATION_CHUNK)
                        .enumerate()
                        .map(|(i, c)| {
                            let share = PREPARED_PAIRS / rayon::current_num_threads().max(1);
                            let prepare = (i + 1) * CALIBRATION_CHUNK <= share;
                            ReplayChunk::new(c, &spec, window, prepare)
                        })
                        .collect();
                    calibrate_on_history(opts.target_fill, |worth| {
                        let target = ServiceTarget::ShortageWorth(worth);
                        sum_in_order(&prepared, |p| p.outcome(target))
                    })
                })
                .flatten();
            let fill = if let Some(h) = on_replay {
                WarehouseFill {
                    worth: h.worth,
                    expected_fill: expected_at(h.worth).fill(),
                    parts,
                    reached: h.reached,
                    replayed_fill: Some(h.replayed_fill),
                    replayed_periods: window,
                }
            } else {
                let a = calibrate_worth_by(opts.target_fill, expected_at);
                WarehouseFill {
                    worth: a.worth,
                    expected_fill: a.expected_fill,
                    parts,
                    reached: a.reached,
                    replayed_fill: None,
                    replayed_periods: 0,
                }
            };
            (w, fill)
        })
        .collect()
}

/// `outcome` of `items` in chunks of [`CALIBRATION_CHUNK`], in parallel, summed in chunk
/// order (so the same items give the same sum every time).
fn sum_in_chunks<T: Sync, O: Send + std::iter::Sum>(
    items: &[T],
    outcome: impl Fn(&[T]) -> O + Sync + Send,
) -> O {
    items
        .par_chunks(CALIBRATION_CHUNK)
        .map(outcome)
        .collect::<Vec<O>>()
        .into_iter()
        .sum()
}

/// `outcome` of each of `parts` in parallel, summed in their order (the replay prepared in
/// chunks of [`CALIBRATION_CHUNK`] sums as [`sum_in_chunks`] does).
fn sum_in_order<T: Sync, O: Send + std::iter::Sum>(
    parts: &[T],
    outcome: impl Fn(&T) -> O + Sync + Send,
) -> O {
    parts
        .par_iter()
        .map(outcome)
        .collect::<Vec<O>>()
        .into_iter()
        .sum()
}

/// Whether a pair had demand in the periods a replay of the last `window` measures (after
/// its first lead time); a pair without adds nothing to either side of the replayed fill,
/// so it is left out of the replay (its level still follows the worth).
fn demand_replayed(input: &PlanInput<'_>, window: usize) -> bool {
    let y = input.history;
    y[measured_periods(y.len(), window, input.item.lead_time)]
        .iter()
        .any(|&d| d > 0.0)
}

/// The second half of planning a pair: levels (with its warehouse's worth where it is
/// allocated), netting and last-time buy.
fn plan_forecasted(
    inputs: &Inputs,
    opts: &PlanOptions,
    fills: &HashMap<WarehouseId, WarehouseFill>,
    f: Forecasted<'_>,
    owed: Option<&Owed>,
    now: Instant,
) -> (ItemPlan, Option<Returnable>) {
    let mut input = pair_input(inputs, opts, f.warehouse, f.part, f.history, now);
    // A last-time buy covers the whole network's remaining demand (the top warehouse's
    // history is what the network drew from it), so it nets the stock held below instead
    // of the children's requests: those only move units within the network.
    let below = if input.remaining_service_periods.is_some() {
        let below = stock_below(inputs, f.warehouse.id, f.part.id);
        input.position.on_hand += below as f64;
        Some(below)
    } else {
        input.position.backorders = owed.map_or(0.0, |o| o.units as f64);
        // What its children send back comes like a transfer (their stock below counts
        // in a last-time buy instead).
        input.position.in_transit += owed.map_or(0.0, |o| o.returning as f64);
        None
    };
    // The event units the children ask for are in the backorders: plan only the rest of
    // the event here (the earliest periods are the ones asked for).
    let reduced;
    if let Some(o) = owed.filter(|o| o.event_units > 0.0 && below.is_none()) {
        reduced = event_remainder(input.events, o.event_units).0;
        input.events = &reduced;
    }
    let mut settings = opts.settings_at(f.warehouse);
    let fill = fills
        .get(&f.warehouse.id)
        .filter(|_| allocated(&input, f.part));
    if let Some(fill) = fill {
        settings.spec.target = ServiceTarget::ShortageWorth(fill.worth);
    }
    let mut plan = plan_forecast_item(&input, &settings, f.forecast);
    if let (Some(_), Some(ltb)) = (below, plan.last_time_buy.as_mut()) {
        // The network's remaining demand is what it issues: the top warehouse's shipments
        // down are moves, and what they left below is netted already (`below`).
        let network = network_issues(inputs, f.warehouse.id, f.part.id, f.history.len());
        *ltb = last_time_buy(&LastTimeBuyInput {
            history: &network,
            window: settings.ltb_window.min(network.len()).max(1),
            remaining_periods: input.remaining_service_periods.unwrap_or(0),
            target: settings.spec.target,
            available: input.position.available(),
            event_demand: event_demand_within(
                input.events,
                input.remaining_service_periods.unwrap_or(0),
            ),
            unit: if input.item.unit > 0.0 {
                input.item.unit
            } else {
                1.0
            },
            moq: input.item.moq,
        });
    }
    let received_ago = inputs
        .received_ago
        .get(&(f.warehouse.id, f.part.id))
        .copied();
    let mut back = returnable(
        &input,
        &settings,
        f.warehouse,
        f.history,
        received_ago,
        &plan,
    );
    if let Some(r) = &back {
        // A planner who rejected its return keeps the stock there; units worth less than
        // the transfer that would carry them are not worth sending.
        let kept = if inputs.kept_here.contains(&(f.warehouse.id, f.part.id)) {
            Some("kept here, a planner rejected its return")
        } else if input.item.unit_cost.0.saturating_mul(r.qty) < input.item.order_cost.0 {
            Some("worth less than a transfer, kept here")
        } else {
            None
        };
        match kept {
            Some(why) => {
                plan.why.push_str(&r.text_with(why));
                back = None;
            }
            None => plan.why.push_str(&r.text(&inputs.warehouses)),
        }
    }
    if let (Some(below), Some(owed), Some(ltb)) = (below, owed, plan.last_time_buy.as_mut()) {
        // The stock below is spread over the network; what the children ask now is owed
        // here, and a last-time buy is the last chance to have it: at least that much
        // beyond what this warehouse holds itself.
        // What its children send back is its own once it arrives: not bought again.
        let own = input.position.available() - below as f64 + owed.returning as f64;
        let now_owed = (owed.units as f64 - own.max(0.0)).ceil();
        if now_owed > ltb.quantity {
            ltb.quantity = now_owed;
            ltb.reason.push_str(&format!(
                "; raised to {}: the warehouses it replenishes ask {} now against {} here",
                aftercare_planning::lifecycle::fmt_qty(now_owed),
                owed.units,
                aftercare_planning::lifecycle::fmt_qty(own.max(0.0))
            ));
        }
    }
    if let Some(fill) = fill {
        let replayed = fill.replayed_fill.map_or(String::new(), |r| {
            format!(
                "replayed over the last {} {}s {:.1} %, ",
                fill.replayed_periods,
                opts.bucket.code(),
                r * 100.0
            )
        });
        plan.why.push_str(&format!(
            "; level from the warehouse's fill target {:.1} % over {} parts ({replayed}expected {:.1} %{}): a unit short for a {} is valued at {} of stock",
            opts.target_fill * 100.0,
            fill.parts,
            fill.expected_fill * 100.0,
            fill.shortfall().map_or(String::new(), |s| format!(", {s}")),
            opts.bucket.code(),
            fill.worth_money()
        ));
    }
    match below {
        Some(below) => {
            plan.why
                .push_str("; the last-time buy fits the units issued across its network");
            if below > 0 {
                plan.why.push_str(&format!(
                    "; the last-time buy counts {below} units held by the warehouses it replenishes"
                ));
            }
        }
        None => {
            if let Some(owed) = owed {
                plan.why.push_str(&owed.text(&inputs.warehouses));
            }
        }
    }
    if let Some(r) = repair_returns(inputs, opts, f.warehouse, f.part, now) {
        plan.why.push_str(&format!(
            "; repair returns {} on order: {} units at repair vendors due within the lead time, {:.0} % of repairs come back usable",
            aftercare_planning::lifecycle::fmt_qty((r.expected * 1000.0).round() / 1000.0),
            r.at_vendor,
            r.yield_share * 100.0
        ));
    }
    (plan, back)
}

/// What a warehouse sends back to its parent of a part it no longer stocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Returnable {
    /// The parent it goes back to.
    to: WarehouseId,
    /// Units held here, on hand less reserved.
    held: i64,
    /// Units to send back: those held less what the warehouses it replenishes ask of it.
    qty: i64,
}

impl Returnable {
    /// The segment of the pair's why when it goes back.
    fn text(&self, warehouses: &HashMap<WarehouseId, PlanWarehouse>) -> String {
        let code = warehouses.get(&self.to).map_or("?", |w| w.code.as_str());
        self.text_with(&format!("return {} to {code}", self.qty))
    }

    /// The segment of the pair's why, ending in what becomes of the units.
    fn text_with(&self, fate: &str) -> String {
        format!(
            "; holds {} {} it no longer stocks: {fate}",
            self.held,
            if self.held == 1 { "unit" } else { "units" }
        )
    }
}

/// Stock a warehouse no longer keeps serves nobody there: its parent holds the part for
/// the network. What it holds on the shelf beyond its reservations and what the
/// warehouses it replenishes ask of it (`input`'s backorders) goes back, when the
/// warehouse has a parent, no manual levels keep the part there, no event demand (a
/// recall) is planned there, it has been idle there for the idle limit, received none
/// for as long (`received_ago` periods since the last
/// receipt: stock placed there lately, a new warehouse's first fill say, was placed on
/// purpose) and the plan (recall demand included) holds nothing there. Units still in
/// transit to it or awaiting inspection are returned by a later run.
fn returnable(
    input: &PlanInput<'_>,
    settings: &PlanSettings,
    w: &PlanWarehouse,
    history: &[f64],
    received_ago: Option<usize>,
    plan: &ItemPlan,
) -> Option<Returnable> {
    let to = w.parent?;
    let received_lately = received_ago
        .zip(settings.spec.idle_limit)
        .is_some_and(|(ago, limit)| ago < limit);
    // Known event demand (a recall) may lie beyond the plan's protection interval, and
    // what the warehouse holds covers it rather than its parent (`events_by_warehouse`):
    // sent up now, the same units would come down again for the recall.
    if input.manual.is_some()
        || received_lately
        || !input.events.is_empty()
        || !settings.spec.not_stocked(history)
        || plan.levels.max > 0.0
        || plan.last_time_buy.is_some()
    {
        return None;
    }
    let held = (input.position.on_hand - input.position.reserved).floor();
    let qty = (held - input.position.backorders).floor();
    (qty >= 1.0).then_some(Returnable {
        to,
        held: held as i64,
        qty: qty as i64,
    })
}

/// The EOQ's costs for a pair: the fixed cost of one order (a purchase order at a
/// warehouse without a parent, a transfer elsewhere; minor units) and the cost of holding
/// one unit for one period.
fn pair_costs(opts: &PlanOptions, w: &PlanWarehouse, part: &PlanPart) -> (i64, Nanos) {
    (
        opts.order_cost(w.parent.is_none()),
        holding_cost_per_period(part.standard_cost, opts.holding_rate_pct, opts.bucket),
    )
}

/// How the plan sized its order, for the plan item and the part's page.
fn item_detail(
    plan: &ItemPlan,
    owed: Option<&Owed>,
    opts: &PlanOptions,
    w: &PlanWarehouse,
    part: &PlanPart,
) -> ItemDetail {
    let (order_cost, holding) = pair_costs(opts, w, part);
    let (_, lot_capped) = sized_lot(
        plan.computed.eoq,
        order_cost as f64 / 100.0,
        holding.as_units_f64(),
        plan.estimate.mean_per_period,
        &ItemParams::default(),
        opts.max_lot_periods(),
    );
    ItemDetail {
        eoq_milli: (plan.computed.eoq.max(0.0) * 1000.0).round() as i64,
        lot: plan.computed.lot.max(0.0).ceil() as i64,
        order_cost,
        holding_cost_nanos: holding.0,
        event_milli: (plan.event_demand.max(0.0) * 1000.0).round() as i64,
        backorders: owed.map_or(0, |o| o.units),
        lot_capped: lot_capped && !plan.overridden,
        // Set by the run once it knows the pair's request (plan_bottom_up).
        event_asked_milli: 0,
    }
}

/// Days for an order of the pair to arrive: the part's procurement lead time at a
/// warehouse without a parent, the run's transfer days elsewhere.
fn lead_days_of(opts: &PlanOptions, w: &PlanWarehouse, part: &PlanPart) -> i64 {
    if w.parent.is_none() {
        part.lead_time_days
    } else {
        opts.transfer_days
    }
}

/// What the pair expects back from repair vendors within its lead time (repairs overdue
/// by at most `planning_repairs::OVERDUE_DAYS` included), at the part's repair yield.
fn repair_returns(
    inputs: &Inputs,
    opts: &PlanOptions,
    w: &PlanWarehouse,
    part: &PlanPart,
    now: Instant,
) -> Option<RepairReturns> {
    let today = inputs.days.day_of(now);
    inputs
        .repairs
        .due_by(w.id, part.id, today, today + lead_days_of(opts, w, part))
}

/// What the engine plans a pair from.
fn pair_input<'a>(
    inputs: &'a Inputs,
    opts: &PlanOptions,
    w: &PlanWarehouse,
    part: &PlanPart,
    history: &'a [f64],
    now: Instant,
) -> PlanInput<'a> {
    let pos = inputs
        .positions
        .get(&(w.id, part.id))
        .copied()
        .unwrap_or_default();
    let is_root = w.parent.is_none();
    let lead_days = lead_days_of(opts, w, part);
    let lead_time = (lead_days as f64 / opts.bucket.days()).ceil() as usize;
    let (order_cost, holding) = pair_costs(opts, w, part);
    let repaired = repair_returns(inputs, opts, w, part, now).map_or(0.0, |r| r.expected);
    // Money is in minor units (cents): 1 cent = 10^7 nanos.
    let item = ItemParams {
        lead_time,
        unit_cost: Nanos(part.standard_cost.saturating_mul(NANOS_PER_MINOR)),
        order_cost: Nanos(order_cost.saturating_mul(NANOS_PER_MINOR)),
        // A part without a standard cost costs nothing to hold: no EOQ.
        holding_cost: (holding.0 > 0).then_some(holding),
        moq: 0.0,
        unit: 1.0,
    };
    let today = inputs.days.day_of(now);
    let remaining_service_periods = match (
        is_root,
        parse_date(&part.end_of_production_on),
        parse_date(&part.end_of_service_on),
    ) {
        (true, Some(eop), Some(eos)) if eop <= today && eos > today => {
            Some(((eos - today) as f64 / opts.bucket.days()).ceil() as usize)
        }
        _ => None,
    };
    let manual = inputs
        .manual
        .get(&(w.id, part.id))
        .map(|&(min, max)| ManualLevels {
            min: min as f64,
            max: max.map(|m| m as f64),
        });
    PlanInput {
        history,
        item,
        position: StockPosition {
            on_hand: pos.on_hand as f64,
            // Received and awaiting inspection: on its way to the shelf like a transfer.
            in_transit: (pos.in_transit + pos.in_inspection) as f64,
            // Repaired units due back within the lead time come like an order.
            on_order: pos.on_order as f64 + repaired,
            reserved: pos.reserved as f64,
            backorders: 0.0,
        },
        manual,
        remaining_service_periods,
        events: inputs
            .events
            .get(&(w.id, part.id))
            .map_or(&[][..], Vec::as_slice),
        seed: (w.id.0 as u64) << 32 ^ part.id.0 as u64,
    }
}

/// The segments of a `why` (joined by `"; "`) that start with one of `prefixes`, in order.
fn why_segments(why: &str, prefixes: &[&str]) -> String {
    why.split("; ")
        .filter(|seg| prefixes.iter().any(|p| seg.starts_with(p)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// What a part's `why` says when it is past end of production at a top warehouse, its
/// stock position is below the reorder point, and the last-time buy's declining-demand
/// fit still asks for nothing (followed by the last-time buy's own reason).
pub const PAST_PRODUCTION_SHORT: &str = "past end of production and below the reorder point, yet the declining-demand fit asks for no last-time buy: check it by hand";

#[allow(clippy::too_many_arguments)] // `days`: what day `now` is for the company
fn to_rows(
    w: &PlanWarehouse,
    part: &PlanPart,
    plan: &ItemPlan,
    owed: Option<&Owed>,
    back: Option<Returnable>,
    opts: &PlanOptions,
    now: Instant,
    days: CompanyDays,
) -> Planned {
    // A last-time buy nets the stock below, not the children's requests (it is only
    // raised to them: plan_forecasted).
    let netted = owed.filter(|_| plan.last_time_buy.is_none());
    let rop = plan.levels.reorder_point.max(0.0).ceil() as i64;
    let max = (plan.levels.max.max(0.0).ceil() as i64).max(rop);
    let is_root = w.parent.is_none();
    let today = days.day_of(now);
    // Past end of production a top warehouse cannot buy as usual: only the last-time buy
    // (which needs a future end of service) or nothing, as the emergency check decides.
    let past_production = is_root
        && plan.last_time_buy.is_none()
        && parse_date(&part.end_of_production_on).is_some_and(|eop| eop <= today);
    let mut why = plan.why.clone();
    if past_production {
        why.push_str(match parse_date(&part.end_of_service_on) {
            Some(_) => "; past end of production and end of service: nothing to buy",
            None => {
                "; past end of production: no purchase, and no last-time buy until an end of \
                 service is set"
            }
        });
    }
    // Past end of production, short of the reorder point, and yet the decline fit buys
    // nothing: the planner decides, with the fit's numbers in front of them.
    if let Some(ltb) = plan
        .last_time_buy
        .as_ref()
        .filter(|l| l.quantity < 1.0 && plan.netting.quantity >= 1.0)
    {
        why.push_str(&format!("; {PAST_PRODUCTION_SHORT}; {}", ltb.reason));
    }
    let item = PlanItemRow {
        warehouse: w.id,
        part: part.id,
        run_id: 0,
        class: plan.class.code().to_string(),
        method: plan.selection.method.clone(),
        why,
        min_qty: plan.levels.min.max(0.0).round() as i64,
        reorder_point: rop,
        max_qty: max,
        overridden: plan.overridden,
        mean_milli: (plan.estimate.mean_per_period.max(0.0) * 1000.0).round() as i64,
        detail: item_detail(plan, netted, opts, w, part),
        planned_at: now,
    };
    let need_by = Instant(now.0 + lead_days_of(opts, w, part) * DAY_MS);
    let ltb = plan.last_time_buy.as_ref().filter(|l| l.quantity >= 1.0);
    let proposal = if plan.last_time_buy.is_some() {
        // Past end of production nothing can be bought as usual: a last-time buy or nothing.
        ltb.map(|ltb| ProposalDraft {
            warehouse: w.id,
            part: part.id,
            kind: ProposalKind::LastTimeBuy,
            source: None,
            destination: None,
            supplier: part.supplier,
            qty: ltb.quantity.ceil() as i64,
            need_by,
            reason: format!("last-time buy before end of service: {}", ltb.reason),
            overridden: false,
            run_id: None,
            transfer_days: None,
        })
    } else if plan.netting.quantity >= 1.0 && !past_production {
        Some(ProposalDraft {
            warehouse: w.id,
            part: part.id,
            kind: if is_root {
                ProposalKind::Purchase
            } else {
                ProposalKind::Transfer
            },
            source: w.parent,
            destination: None,
            supplier: if is_root { part.supplier } else { None },
            qty: plan.netting.quantity.ceil() as i64,
            need_by,
            reason: format!("{} ({})", plan.netting.reason, plan.selection.method),
            overridden: plan.overridden,
            run_id: None,
            transfer_days: None,
        })
    } else {
        back.map(|r| ProposalDraft {
            warehouse: w.id,
            part: part.id,
            kind: ProposalKind::Return,
            source: None,
            destination: Some(r.to),
            supplier: None,
            qty: r.qty,
            // When it is back at the parent, shipped today.
            need_by: Instant(now.0 + opts.transfer_days * DAY_MS),
            reason: why_segments(&item.why, &["not stocked: ", "holds "]),
            overridden: false,
            run_id: None,
            transfer_days: None,
        })
    };
    Planned {
        item,
        proposal,
        asked_by: owed.map_or_else(Vec::new, |o| o.children().collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_end_yesterday_and_months_end_with_the_last_complete_month() {
        // 2026-03-15 12:00 UTC.
        let now = Instant(
            date_to_day(NaiveDate::from_ymd_opt(2026, 3, 15).unwrap()) * DAY_MS + 12 * 3_600_000,
        );
        let g = Grid::new(now, CompanyDays::UTC, Bucket::Week, 4);
        assert_eq!(
            g.end.0,
            date_to_day(NaiveDate::from_ymd_opt(2026, 3, 15).unwrap()) * DAY_MS
        );
        assert_eq!(g.period_of(0), Some(0));
        assert_eq!(g.period_of(27), Some(3));
        assert_eq!(g.period_of(28), None);
        let m = Grid::new(now, CompanyDays::UTC, Bucket::Month, 3);
        assert_eq!(
            day_to_date(m.start.0 / DAY_MS),
            NaiveDate::from_ymd_opt(2025, 12, 1).unwrap()
        );
        assert_eq!(
            day_to_date(m.end.0 / DAY_MS),
            NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
        );
        // 31 days of December, then January.
        assert_eq!(m.period_of(30), Some(0));
        assert_eq!(m.period_of(31), Some(1));
        assert_eq!(m.period_of(31 + 31 + 28 - 1), Some(2));
        assert_eq!(m.period_of(31 + 31 + 28), None);
    }

    #[test]
    fn the_grid_is_made_of_the_companys_days() {
        // 2026-12-07 18:00 UTC is 02:00 on 8 December in Beijing: the weekly history ends
        // at Beijing's midnight (16:00 UTC on the 7th), so an issue at 10:00 UTC on the
        // 7th (18:00 there) is history, not today's; a monthly one at 1 December there.
        let day = |y, m, d| date_to_day(NaiveDate::from_ymd_opt(y, m, d).unwrap());
        let now = Instant(day(2026, 12, 7) * DAY_MS + 18 * 3_600_000);
        let beijing = CompanyDays::of_hours(8);
        let w = Grid::new(now, beijing, Bucket::Week, 4);
        assert_eq!(w.end.0, day(2026, 12, 7) * DAY_MS + 16 * 3_600_000);
        assert_eq!(w.start.0, w.end.0 - 28 * DAY_MS);
        let issued = Instant(day(2026, 12, 7) * DAY_MS + 10 * 3_600_000);
        assert!(issued < w.end);
        assert_eq!(
            w.period_of((issued.0 - w.start.0).div_euclid(DAY_MS)),
            Some(3)
        );
        assert_eq!(w.forecast_step(day(2026, 12, 8)), 0);
        assert_eq!(w.forecast_step(day(2026, 12, 15)), 1);
        // In UTC it is still the 7th: the same issue would be today's.
        let utc = Grid::new(now, CompanyDays::UTC, Bucket::Week, 4);
        assert!(issued >= utc.end);
        let m = Grid::new(now, beijing, Bucket::Month, 2);
        assert_eq!(m.end.0, day(2026, 11, 30) * DAY_MS + 16 * 3_600_000);
        assert_eq!(
            period_starts(&m, Bucket::Month, 2, 1),
            ["2026-10-01", "2026-11-01", "2026-12-01"]
        );
    }

    #[test]
    fn forecast_steps_are_weeks_or_calendar_months() {
        // 2026-12-07 12:00 UTC: a monthly forecast starts on 2026-12-01.
        let day = |y, m, d| date_to_day(NaiveDate::from_ymd_opt(y, m, d).unwrap());
        let now = Instant(day(2026, 12, 7) * DAY_MS + 12 * 3_600_000);
        let m = Grid::new(now, CompanyDays::UTC, Bucket::Month, 24);
        assert_eq!(m.forecast_step(day(2026, 12, 7)), 0);
        assert_eq!(m.forecast_step(day(2026, 12, 31)), 0);
        assert_eq!(m.forecast_step(day(2027, 1, 1)), 1);
        // 61 days after the 1st of December, still January (an average month of 30.44
        // days would put it in February).
        assert_eq!(m.forecast_step(day(2027, 1, 31)), 1);
        assert_eq!(m.forecast_step(day(2027, 2, 1)), 2);
        let w = Grid::new(now, CompanyDays::UTC, Bucket::Week, 8);
        assert_eq!(w.forecast_step(day(2026, 12, 7)), 0);
        assert_eq!(w.forecast_step(day(2026, 12, 13)), 0);
        assert_eq!(w.forecast_step(day(2026, 12, 14)), 1);
        assert_eq!(w.forecast_step(day(2026, 11, 1)), 0);
    }

    #[test]
    fn stock_that_covers_no_event_unit_covers_none_whatever_the_rounding() {
        // 100 units spread over 53 weeks: the pieces do not add up to 100 exactly.
        let pieces: Vec<EventDemand> = (0..53)
            .map(|start| EventDemand {
                start,
                periods: 1,
                affected_units: 100.0 / 53.0,
                replacement_rate: 1.0,
            })
            .collect();
        let (rest, took) = event_remainder(&pieces, 0.0);
        assert_eq!(took, 0.0);
        assert_eq!(rest.len(), 53);
        let (rest, took) = event_remainder(&pieces, 3.0);
        assert_eq!(took, 3.0);
        assert_eq!(rest[0].start, 1, "the earliest weeks are covered first");
        // Stock above the whole event covers exactly the event, not a unit more.
        let (rest, took) = event_remainder(&pieces, 500.0);
        assert!(rest.is_empty());
        assert_eq!(took.ceil(), 100.0, "{took}");
        // Pieces by days (1 + 7 + 7 of 15) that add up to a hair above 50.
        let days = [1.0, 7.0, 7.0].map(|d| EventDemand {
            start: 0,
            periods: 1,
            affected_units: 1000.0 * d / 15.0,
            replacement_rate: 0.05,
        });
        let (_, took) = event_remainder(&days, 60.0);
        assert_eq!(took.ceil(), 50.0, "{took}");
    }

    #[test]
    fn period_starts_date_the_history_then_the_forecast() {
        // Sunday 2026-03-15 12:00 UTC.
        let now = Instant(
            date_to_day(NaiveDate::from_ymd_opt(2026, 3, 15).unwrap()) * DAY_MS + 12 * 3_600_000,
        );
        let g = Grid::new(now, CompanyDays::UTC, Bucket::Week, 3);
        assert_eq!(
            period_starts(&g, Bucket::Week, 3, 2),
            [
                "2026-02-22",
                "2026-03-01",
                "2026-03-08",
                "2026-03-15",
                "2026-03-22"
            ]
        );
        let m = Grid::new(now, CompanyDays::UTC, Bucket::Month, 3);
        assert_eq!(
            period_starts(&m, Bucket::Month, 3, 2),
            [
                "2025-12-01",
                "2026-01-01",
                "2026-02-01",
                "2026-03-01",
                "2026-04-01"
            ]
        );
    }

    #[test]
    fn holding_cost_per_period_is_the_yearly_rate_over_the_periods_of_a_year() {
        // ¥100.00 at 20 % a year is ¥20.00 a year: 20 × 7 / 365.25 a week, 20 / 12 a month.
        assert_eq!(
            holding_cost_per_period(10_000, 20, Bucket::Week),
            Nanos(383_299_110)
        );
        assert_eq!(
            holding_cost_per_period(10_000, 20, Bucket::Month),
            Nanos(1_666_666_667)
        );
        assert_eq!(holding_cost_per_period(0, 20, Bucket::Week), Nanos(0));
        // The largest standard cost does not overflow.
        assert!(holding_cost_per_period(i64::MAX, 100, Bucket::Month).0 > 0);
    }
}

#[cfg(test)]
mod lifecycle_tests {
    use super::*;

    fn wh(id: i64, parent: Option<i64>) -> (WarehouseId, PlanWarehouse) {
        let w = PlanWarehouse {
            id: WarehouseId(id),
            code: format!("W{id}"),
            parent: parent.map(WarehouseId),
        };
        (w.id, w)
    }

    #[test]
    fn depth_counts_the_steps_to_the_top_even_through_a_corrupt_loop() {
        let tree: HashMap<_, _> = [
            wh(1, None),
            wh(2, Some(1)),
            wh(3, Some(2)),
            wh(4, Some(99)), // its parent is not planned: a top of its own
            wh(5, Some(6)),
            wh(6, Some(5)),
        ]
        .into_iter()
        .collect();
        let d = warehouse_depths(&tree);
        assert_eq!(
            [1, 2, 3, 4].map(|w| d[&WarehouseId(w)]),
            [0, 1, 2, 0],
            "{d:?}"
        );
        // A loop ends at the bound instead of hanging.
        assert!(d[&WarehouseId(5)] <= tree.len());
    }

    #[test]
    fn a_request_stands_being_approved_or_raised_by_an_issue_else_the_run_decides() {
        let stored = |run_owned, approving| store::OpenRequest {
            warehouse: WarehouseId(2),
            part: PartId(7),
            source: WarehouseId(1),
            returning: false,
            qty: 5,
            run_owned,
            approving,
            shipped: false,
        };
        let run = Some((WarehouseId(1), 9, false));
        // Being approved and shipped already: the units have left, nothing is owed.
        let shipped = store::OpenRequest {
            shipped: true,
            ..stored(true, true)
        };
        assert_eq!(still_asked(run, Some(&shipped)), None);
        assert_eq!(still_asked(None, Some(&shipped)), None);
        // Being approved: frozen, whatever the run drafts.
        assert_eq!(
            still_asked(run, Some(&stored(true, true))),
            Some((WarehouseId(1), 5, false))
        );
        assert_eq!(
            still_asked(None, Some(&stored(true, true))),
            Some((WarehouseId(1), 5, false))
        );
        // Else the run's draft updates it.
        assert_eq!(still_asked(run, Some(&stored(true, false))), run);
        assert_eq!(still_asked(run, Some(&stored(false, false))), run);
        assert_eq!(still_asked(run, None), run);
        // No draft: a run's own is withdrawn, an issue's emergency stays.
        assert_eq!(still_asked(None, Some(&stored(true, false))), None);
        assert_eq!(
            still_asked(None, Some(&stored(false, false))),
            Some((WarehouseId(1), 5, false))
        );
        assert_eq!(still_asked(None, None), None);
        // A return being approved comes back to its destination as it was frozen.
        let back = store::OpenRequest {
            returning: true,
            ..stored(true, true)
        };
        assert_eq!(
            still_asked(run, Some(&back)),
            Some((WarehouseId(1), 5, true))
        );
    }

    #[test]
    fn who_owes_names_the_largest_requests_first_and_counts_the_rest() {
        let tree: HashMap<_, _> = (1..=8).map(|i| wh(i, None)).collect();
        let mut owed = Owed::default();
        for (w, q) in [(1, 1), (2, 5), (3, 2), (4, 2), (5, 9), (6, 1), (7, 3)] {
            owed.add(WarehouseId(w), q, 0.0);
        }
        assert_eq!(owed.units, 23);
        assert_eq!(
            owed.text(&tree),
            "; backorders 23: open transfer requests of the warehouses it replenishes: W5 9, W2 5, W7 3, W3 2, W4 2, 2 more"
        );
    }

    fn succ(a: i64, b: i64, pct: i64) -> Succession {
        Succession {
            predecessor: PartId(a),
            predecessor_number: format!("P{a}"),
            successor: PartId(b),
            successor_number: format!("P{b}"),
            share_pct: pct,
            created_by: "t".into(),
            created_at: Instant(0),
        }
    }

    #[test]
    fn every_succession_into_a_part_is_applied_before_it_hands_its_history_on() {
        // 1 → 2 → 4 and 3 → 4 (part 4 has two predecessors), then 4 → 5. Listed in an
        // order where the lowest ids come first, which would apply 4 → 5 too early if the
        // depth followed only one predecessor.
        let w = WarehouseId(1);
        let mut history = HashMap::new();
        history.insert((w, PartId(1)), vec![1.0, 1.0]);
        history.insert((w, PartId(3)), vec![0.0, 10.0]);
        let successions = [
            succ(4, 5, 100),
            succ(3, 4, 100),
            succ(2, 4, 50),
            succ(1, 2, 100),
        ];
        let mut notes = HashMap::new();
        inherit_all(&mut history, &successions, 2, &mut notes);
        assert_eq!(history[&(w, PartId(2))], [0.5, 0.5], "2 keeps half");
        assert_eq!(history[&(w, PartId(4))], [0.0, 0.0], "4 handed all on");
        assert_eq!(history[&(w, PartId(5))], [0.5, 10.5]);
        assert_eq!(
            history[&(w, PartId(1))],
            [0.0, 0.0],
            "a predecessor keeps what it did not hand on"
        );
        assert_eq!(history[&(w, PartId(3))], [0.0, 0.0]);
        let total: f64 = history.values().flatten().sum();
        assert_eq!(
            total, 12.0,
            "moved, not copied: the network's demand is unchanged"
        );
        assert_eq!(notes[&(w, PartId(5))].inherits, ["P4 (100 %)"]);
    }
}
