//! A year of after-sales service history: customers with phones and addresses in the regions
//! the stations cover, their units, and tickets with a script of what happened to each one
//! (dispatch, rejections, acceptance, booking, visit, waiting for parts, completion, callback,
//! cancellations, repeats), timed so that SLA deadlines are sometimes met and sometimes missed.
//!
//! Kept apart from [`crate::DemoData`] (whose fingerprint pins the organisation) and dated
//! relative to the caller's `now`, so the last days hold tickets in every open state. The
//! caller runs each script through the ticket state machine and stores the result.

use crate::people::{person_name, pick};
use crate::rng::stream_rng;
use crate::{DemoData, Scale};
use aftercare_domain::org::Tier;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::collections::BTreeSet;

/// The stream of this family (see [`crate::rng::Family`]; numbers 1-5 are taken).
pub const SERVICE_STREAM: u64 = 21;

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;

/// A demo customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Customer {
    /// Code (for references within the data set).
    pub code: String,
    /// Name.
    pub name: String,
    /// Mobile number.
    pub phone: String,
    /// Region code of the address.
    pub region_code: String,
    /// Street address.
    pub address: String,
}

/// A demo unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unit {
    /// Serial number.
    pub serial: String,
    /// Model code.
    pub model_code: String,
    /// Owner code.
    pub customer_code: String,
    /// Purchase date.
    pub purchase_date: Option<chrono::NaiveDate>,
    /// `store`, `e_shop` or `retailer`.
    pub channel: &'static str,
    /// Production batch.
    pub batch: String,
}

/// One step of a ticket's script, `at` milliseconds after the intake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Step {
    /// Dispatch to the station (code).
    Dispatch(String),
    /// The station rejects.
    Reject(&'static str),
    /// The station accepts.
    Accept,
    /// Assign the technician (code).
    Assign(String),
    /// Book a visit starting `visit_after` ms after this step.
    Schedule {
        /// Start of the slot after the booking.
        visit_after: i64,
    },
    /// On site.
    Arrive,
    /// Waiting for parts.
    WaitForParts,
    /// Parts arrived.
    PartsArrived,
    /// Done.
    Complete(&'static str),
    /// Callback survey.
    Callback {
        /// Fixed?
        fixed: bool,
        /// 1-5.
        satisfaction: u8,
    },
    /// Close.
    Close,
    /// Cancel.
    Cancel(&'static str),
}

/// A ticket and its script.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ticket {
    /// Unit serial.
    pub serial: String,
    /// Intake instant (UTC ms).
    pub intake_at: i64,
    /// repair, installation, maintenance, complaint.
    pub ticket_type: &'static str,
    /// hotline, web, retailer, e_shop.
    pub channel: &'static str,
    /// Fault as described.
    pub fault: &'static str,
    /// (ms after intake, step), in time order.
    pub script: Vec<(i64, Step)>,
}

/// The service history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ServiceData {
    /// Customers.
    pub customers: Vec<Customer>,
    /// Units.
    pub units: Vec<Unit>,
    /// Tickets in intake order.
    pub tickets: Vec<Ticket>,
}

fn tickets_for(scale: Scale) -> usize {
    match scale {
        Scale::Small => 400,
        Scale::Standard => 6_000,
        Scale::Large => 40_000,
    }
}

const FAULTS: &[&str] = &[
    "开机无图像，有声音",
    "不制冷，压缩机不启动",
    "脱水时噪音很大",
    "遥控器失灵，按键无反应",
    "屏幕有横线",
    "漏水",
    "显示故障代码 E4",
    "无法开机",
];
const REJECTIONS: &[&str] = &["技师全部外出", "超出服务范围", "缺少该型号维修资质"];
const WORK: &[&str] = &[
    "更换电源板",
    "更换主板",
    "重新固定排线",
    "更换排水泵",
    "补充冷媒",
    "更换门封",
];
const PURCHASE_CHANNELS: &[&str] = &["store", "e_shop", "retailer"];
const OTHER_TYPES: &[&str] = &["installation", "maintenance", "complaint"];
const CHANNELS: &[&str] = &["hotline", "hotline", "hotline", "web", "retailer", "e_shop"];
const STREETS: &[&str] = &[
    "人民路",
    "解放路",
    "建设路",
    "中山路",
    "和平街",
    "新华路",
    "光明路",
];

/// Generate the history for the organisation in `data`, ending at `now` (UTC ms).
pub fn generate_service(seed: u64, scale: Scale, data: &DemoData, now: i64) -> ServiceData {
    let mut rng = stream_rng(seed, SERVICE_STREAM);
    let stations: Vec<_> = data.stations.iter().filter(|s| s.active).collect();
    if stations.is_empty() || data.product_models.is_empty() {
        return ServiceData::default();
    }
    let mut out = ServiceData::default();
    let mut used_phones = BTreeSet::new();
    let n = tickets_for(scale);
    // Customers own one unit each; about 8 % of tickets are a second call about a unit.
    let mut owners: Vec<(usize, usize)> = Vec::new(); // (unit index, station index)
    let mut intakes: Vec<i64> = (0..n)
        .map(|_| now - rng.random_range(0..365 * DAY))
        .collect();
    intakes.sort_unstable();
    // The last days hold open tickets in every state: spread the most recent ones over five
    // days, the newest two only minutes old (not yet dispatched), the next few waiting for the
    // station to accept.
    let recent = (n / 30).max(60).min(n);
    for (i, t) in intakes.iter_mut().rev().take(recent).enumerate() {
        *t = if i < 2 {
            now - rng.random_range(MIN..3 * MIN)
        } else if i < 6 {
            now - rng.random_range(12 * MIN..16 * MIN)
        } else if i < 12 {
            now - rng.random_range(50 * MIN..90 * MIN)
        } else {
            now - (i as i64) * 5 * DAY / recent as i64 - rng.random_range(0..HOUR)
        };
    }
    intakes.sort_unstable();
    for intake_at in intakes {
        let (unit_ix, st_ix) = if !owners.is_empty() && rng.random_bool(0.08) {
            *pick(&mut rng, &owners)
        } else {
            let st_ix = rng.random_range(0..stations.len());
            let st = stations[st_ix];
            let models: Vec<_> = data
                .product_models
                .iter()
                .filter(|m| st.product_lines.contains(&m.line_code))
                .collect();
            if models.is_empty() || st.coverage.is_empty() {
                continue;
            }
            let model = *pick(&mut rng, &models);
            let code = format!("C{:06}", out.customers.len() + 1);
            out.customers.push(Customer {
                code: code.clone(),
                name: person_name(&mut rng),
                phone: customer_mobile(&mut rng, &mut used_phones),
                region_code: pick(&mut rng, &st.coverage).clone(),
                address: format!(
                    "{}{}号{}单元{}室",
                    one(&mut rng, STREETS),
                    rng.random_range(1..300),
                    rng.random_range(1..6),
                    rng.random_range(101..1802)
                ),
            });
            let bought_days = rng.random_range(20..1100);
            let purchase_date =
                chrono::DateTime::from_timestamp_millis(intake_at - bought_days * DAY)
                    .map(|d| d.date_naive())
                    .filter(|_| rng.random_bool(0.93));
            out.units.push(Unit {
                serial: format!("{}-{:07}", model.code, out.units.len() + 1),
                model_code: model.code.clone(),
                customer_code: code,
                purchase_date,
                channel: one(&mut rng, PURCHASE_CHANNELS),
                batch: format!("B{}", rng.random_range(2301..2612)),
            });
            owners.push((out.units.len() - 1, st_ix));
            (out.units.len() - 1, st_ix)
        };
        let st = stations[st_ix];
        let techs: Vec<_> = data
            .technicians
            .iter()
            .filter(|t| t.station_code == st.code && t.active)
            .collect();
        let age = now - intake_at;
        let script = script(&mut rng, st, &stations, &techs, age);
        out.tickets.push(Ticket {
            serial: out.units[unit_ix].serial.clone(),
            intake_at,
            ticket_type: if rng.random_bool(0.85) {
                "repair"
            } else {
                one(&mut rng, OTHER_TYPES)
            },
            channel: one(&mut rng, CHANNELS),
            fault: one(&mut rng, FAULTS),
            script,
        });
    }
    out
}

/// What happens to one ticket; steps later than `age` (in the future) are cut off, which
/// leaves recent tickets in their open states.
fn script(
    rng: &mut ChaCha8Rng,
    st: &crate::Station,
    stations: &[&crate::Station],
    techs: &[&crate::Technician],
    age: i64,
) -> Vec<(i64, Step)> {
    let mut s = Vec::new();
    let mut t = rng.random_range(3 * MIN..10 * MIN);
    if rng.random_bool(0.03) {
        s.push((t, Step::Cancel("客户已自行解决")));
        return cut(s, age);
    }
    // A rejection first, by another station covering the area when there is one.
    if rng.random_bool(0.07) {
        let other = stations.iter().find(|o| {
            o.code != st.code
                && o.coverage.iter().any(|c| st.coverage.contains(c))
                && o.product_lines.iter().any(|l| st.product_lines.contains(l))
        });
        if let Some(o) = other {
            s.push((t, Step::Dispatch(o.code.clone())));
            t += rng.random_range(5 * MIN..25 * MIN);
            s.push((t, Step::Reject(one(rng, REJECTIONS))));
            t += rng.random_range(5 * MIN..30 * MIN);
        }
    }
    s.push((t, Step::Dispatch(st.code.clone())));
    t += rng.random_range(10 * MIN..28 * MIN);
    s.push((t, Step::Accept));
    let Some(tech) = techs.first().map(|_| pick(rng, techs)) else {
        return cut(s, age);
    };
    t += rng.random_range(MIN..10 * MIN);
    s.push((t, Step::Assign(tech.code.clone())));
    let book_by = if rng.random_bool(0.8) {
        30 * MIN
    } else {
        3 * HOUR
    };
    t = t.max(rng.random_range(10 * MIN..book_by));
    let (lo, hi) = match st.tier {
        Tier::Urban => (3 * HOUR, 30 * HOUR),
        Tier::Township => (8 * HOUR, 56 * HOUR),
        Tier::Remote => (16 * HOUR, 84 * HOUR),
    };
    let visit = rng.random_range(lo..hi);
    s.push((
        t,
        Step::Schedule {
            visit_after: visit.saturating_sub(t).max(HOUR),
        },
    ));
    t = t.max(visit) + rng.random_range(0..40 * MIN);
    s.push((t, Step::Arrive));
    if rng.random_bool(0.15) {
        t += rng.random_range(20 * MIN..HOUR);
        s.push((t, Step::WaitForParts));
        t += rng.random_range(DAY..5 * DAY);
        s.push((t, Step::PartsArrived));
    }
    t += rng.random_range(HOUR..6 * HOUR);
    s.push((t, Step::Complete(one(rng, WORK))));
    t += rng.random_range(6 * HOUR..2 * DAY);
    let fixed = rng.random_bool(0.93);
    let satisfaction = if fixed {
        *pick(rng, &[5, 5, 5, 4, 4, 3])
    } else {
        *pick(rng, &[1, 2, 2, 3])
    };
    s.push((
        t,
        Step::Callback {
            fixed,
            satisfaction,
        },
    ));
    if !fixed {
        t += rng.random_range(HOUR..6 * HOUR);
        s.push((
            t,
            Step::Schedule {
                visit_after: rng.random_range(4 * HOUR..DAY),
            },
        ));
        t += DAY;
        s.push((t, Step::Arrive));
        t += rng.random_range(30 * MIN..2 * HOUR);
        s.push((t, Step::Complete(one(rng, WORK))));
        t += rng.random_range(6 * HOUR..DAY);
        s.push((
            t,
            Step::Callback {
                fixed: true,
                satisfaction: 3,
            },
        ));
    }
    // Most are closed right after a good callback; some wait for the agent.
    t += rng.random_range(MIN..HOUR);
    if rng.random_bool(0.9) {
        s.push((t, Step::Close));
    }
    cut(s, age)
}

/// One of `items` (never empty here).
fn one(rng: &mut ChaCha8Rng, items: &[&'static str]) -> &'static str {
    items[rng.random_range(0..items.len())]
}

/// A customer mobile: a common prefix, the digit 9 (other blocks are staff), 7 digits.
fn customer_mobile(rng: &mut ChaCha8Rng, used: &mut BTreeSet<String>) -> String {
    loop {
        let prefix = *pick(rng, &["138", "139", "150", "186", "177", "135"]);
        let n = format!("{prefix}9{:07}", rng.random_range(0..10_000_000u32));
        if used.insert(n.clone()) {
            return n;
        }
    }
}

fn cut(mut s: Vec<(i64, Step)>, age: i64) -> Vec<(i64, Step)> {
    s.retain(|(t, _)| *t <= age);
    s
}
