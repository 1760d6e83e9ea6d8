//! Dispatch (派单): which stations may take a ticket, in which order, and when an unaccepted
//! ticket goes back to the dispatcher.
//!
//! # Ranking
//!
//! A candidate qualifies when it is active, services the ticket's product line, and covers one
//! of the regions on the ticket's region path (a station covering a city covers its districts
//! and townships). Qualifying stations are ordered by, in turn:
//!
//! 1. spare capacity: stations whose open load is at or over capacity go last (a capacity of
//!    0 counts as full);
//! 2. coverage specificity: a station covering the ticket's township comes before one covering
//!    its district, before its city, before its province;
//! 3. merit, highest first: `score_weight × score‰ + free_weight × free capacity‰`, where
//!    score‰ is the 0-100 score × 10 (scores above 100 count as 100) and free capacity‰ is
//!    `1000 − ⌊1000 × load / capacity⌋` (0 when full). With the default weights 1 : 1 a station
//!    with score 80 at half load (800 + 500) ranks with one of score 50 at 20 % load (500 + 800);
//! 4. station id, ascending, so equal candidates always come out in the same order.
//!
//! # Acceptance window
//!
//! A dispatched ticket must be accepted within the configured minutes. The window is
//! `[dispatched_at, dispatched_at + minutes)`: at exactly `dispatched_at + minutes` it has run
//! out and the ticket returns to the dispatcher.

use crate::ids::{ProductLineId, RegionId, StationId};
use crate::org::RegionLevel;
use crate::time::Instant;
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::fmt;

/// One region on a ticket's region path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PathRegion {
    /// The region.
    pub id: RegionId,
    /// Its level.
    pub level: RegionLevel,
}

/// What ranking needs to know about a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DispatchRequest {
    /// The customer's region and its ancestors, most specific first (township → province);
    /// shorter when the address is only known to the district or city.
    pub region_path: Vec<PathRegion>,
    /// The unit's product line.
    pub product_line: ProductLineId,
}

/// A station that might take the ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateStation {
    /// The station.
    pub id: StationId,
    /// The regions it covers (each covers everything below it).
    pub regions: Vec<RegionId>,
    /// The product lines it services.
    pub product_lines: Vec<ProductLineId>,
    /// How many open tickets it can hold.
    pub capacity: u32,
    /// How many open tickets it holds now.
    pub open_load: u32,
    /// Assessment score 0-100.
    pub score: u8,
    /// Whether it takes tickets at all (suspended stations do not).
    pub active: bool,
}

/// Relative weights of score and free capacity in a station's merit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankingWeights {
    /// Weight of the score.
    pub score: u32,
    /// Weight of the free capacity.
    pub free_capacity: u32,
}

impl Default for RankingWeights {
    fn default() -> Self {
        RankingWeights {
            score: 1,
            free_capacity: 1,
        }
    }
}

/// A qualifying station with the facts that placed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankedStation {
    /// The station.
    pub station: StationId,
    /// The most specific region of the ticket's path that the station covers.
    pub covered: PathRegion,
    /// Position of `covered` on the path: 0 is the ticket's own region.
    pub specificity: usize,
    /// Open tickets it holds.
    pub open_load: u32,
    /// Its capacity.
    pub capacity: u32,
    /// Load in per cent of capacity, rounded down (100 when capacity is 0).
    pub utilisation_percent: u32,
    /// Whether it is at or over capacity.
    pub at_capacity: bool,
    /// Its score (capped at 100).
    pub score: u8,
    /// The merit that ordered it among equals (see the module docs).
    pub merit: u32,
}

impl RankedStation {
    /// The reasons for its place, in words (English; the UI translates from the fields).
    pub fn explain(&self) -> String {
        let full = if self.at_capacity {
            " — at capacity, ranked last"
        } else {
            ""
        };
        format!(
            "covers the ticket's {} (region {}); load {}/{} ({} %){}; score {}",
            self.covered.level.code(),
            self.covered.id,
            self.open_load,
            self.capacity,
            self.utilisation_percent,
            full,
            self.score
        )
    }
}

/// Why a candidate does not qualify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Exclusion {
    /// The station is suspended.
    Inactive,
    /// It does not service the ticket's product line.
    ProductLineNotServiced,
    /// It covers none of the regions on the ticket's path.
    RegionNotCovered,
}

impl fmt::Display for Exclusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Exclusion::Inactive => "station is not active",
            Exclusion::ProductLineNotServiced => "does not service this product line",
            Exclusion::RegionNotCovered => "does not cover the customer's region",
        })
    }
}

/// A candidate left out, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExcludedStation {
    /// The station.
    pub station: StationId,
    /// Why.
    pub why: Exclusion,
}

/// The outcome of ranking: qualifying stations best first, the rest with reasons.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Ranking {
    /// Qualifying stations, best first.
    pub ranked: Vec<RankedStation>,
    /// Stations left out, by station id.
    pub excluded: Vec<ExcludedStation>,
}

impl Ranking {
    /// The station auto-dispatch picks: the best one with spare capacity. When every
    /// qualifying station is full the ticket stays with the dispatcher.
    pub fn auto_pick(&self) -> Option<StationId> {
        self.ranked
            .iter()
            .find(|r| !r.at_capacity)
            .map(|r| r.station)
    }
}

/// Rank `candidates` for a ticket (see the module docs for the order).
pub fn rank_stations(
    request: &DispatchRequest,
    candidates: &[CandidateStation],
    weights: RankingWeights,
) -> Ranking {
    let mut ranking = Ranking::default();
    for c in candidates {
        match qualify(request, c) {
            Ok((specificity, covered)) => {
                ranking
                    .ranked
                    .push(ranked(c, specificity, covered, weights));
            }
            Err(why) => ranking
                .excluded
                .push(ExcludedStation { station: c.id, why }),
        }
    }
    ranking
        .ranked
        .sort_by_key(|r| (r.at_capacity, r.specificity, Reverse(r.merit), r.station));
    ranking.excluded.sort_by_key(|e| e.station);
    ranking
}

/// The most specific covered region of the path, or why the station does not qualify.
fn qualify(
    request: &DispatchRequest,
    c: &CandidateStation,
) -> Result<(usize, PathRegion), Exclusion> {
    if !c.active {
        return Err(Exclusion::Inactive);
    }
    if !c.product_lines.contains(&request.product_line) {
        return Err(Exclusion::ProductLineNotServiced);
    }
    request
        .region_path
        .iter()
        .enumerate()
        .find(|(_, r)| c.regions.contains(&r.id))
        .map(|(i, r)| (i, *r))
        .ok_or(Exclusion::RegionNotCovered)
}

fn ranked(
    c: &CandidateStation,
    specificity: usize,
    covered: PathRegion,
    weights: RankingWeights,
) -> RankedStation {
    let at_capacity = c.open_load >= c.capacity;
    let used_permille = if at_capacity {
        1000
    } else {
        // Below capacity, so the quotient is < 1000 and fits u32.
        (u64::from(c.open_load) * 1000 / u64::from(c.capacity)) as u32
    };
    let score = c.score.min(100);
    let merit = weights
        .score
        .saturating_mul(u32::from(score) * 10)
        .saturating_add(weights.free_capacity.saturating_mul(1000 - used_permille));
    let utilisation_percent = if c.capacity == 0 {
        100
    } else {
        u32::try_from(u64::from(c.open_load) * 100 / u64::from(c.capacity)).unwrap_or(u32::MAX)
    };
    RankedStation {
        station: c.id,
        covered,
        specificity,
        open_load: c.open_load,
        capacity: c.capacity,
        utilisation_percent,
        at_capacity,
        score,
        merit,
    }
}

/// The instant the acceptance window of a ticket dispatched at `dispatched_at` runs out.
pub fn accept_deadline(dispatched_at: Instant, timeout_minutes: u32) -> Instant {
    dispatched_at.plus_minutes(i64::from(timeout_minutes))
}

/// Whether a ticket dispatched at `dispatched_at` and still not accepted at `now` must return
/// to the dispatcher (true from the deadline instant on).
pub fn must_return_to_dispatcher(
    dispatched_at: Instant,
    now: Instant,
    timeout_minutes: u32,
) -> bool {
    now >= accept_deadline(dispatched_at, timeout_minutes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TV: ProductLineId = ProductLineId(1);
    const FRIDGE: ProductLineId = ProductLineId(2);
    // 广东省 → 深圳市 → 南山区 → 西丽街道
    const PROVINCE: RegionId = RegionId(44);
    const CITY: RegionId = RegionId(4403);
    const DISTRICT: RegionId = RegionId(440305);
    const TOWNSHIP: RegionId = RegionId(440305001);
    const OTHER_CITY: RegionId = RegionId(4401);

    fn request() -> DispatchRequest {
        DispatchRequest {
            region_path: vec![
                PathRegion {
                    id: TOWNSHIP,
                    level: RegionLevel::Township,
                },
                PathRegion {
                    id: DISTRICT,
                    level: RegionLevel::District,
                },
                PathRegion {
                    id: CITY,
                    level: RegionLevel::City,
                },
                PathRegion {
                    id: PROVINCE,
                    level: RegionLevel::Province,
                },
            ],
            product_line: TV,
        }
    }

    fn station(id: i64, region: RegionId, load: u32, capacity: u32, score: u8) -> CandidateStation {
        CandidateStation {
            id: StationId(id),
            regions: vec![region],
            product_lines: vec![TV],
            capacity,
            open_load: load,
            score,
            active: true,
        }
    }

    fn order(r: &Ranking) -> Vec<i64> {
        r.ranked.iter().map(|s| s.station.get()).collect()
    }

    fn rank(c: &[CandidateStation]) -> Ranking {
        rank_stations(&request(), c, RankingWeights::default())
    }

    #[test]
    fn a_station_covering_the_city_covers_its_districts_and_townships() {
        let r = rank(&[station(1, CITY, 0, 10, 50)]);
        assert_eq!(order(&r), [1]);
        assert_eq!(r.ranked[0].covered.level, RegionLevel::City);
        assert_eq!(r.ranked[0].specificity, 2);
    }

    #[test]
    fn stations_outside_the_region_inactive_or_without_the_product_line_are_excluded() {
        let mut suspended = station(2, DISTRICT, 0, 10, 90);
        suspended.active = false;
        let mut fridges = station(3, DISTRICT, 0, 10, 90);
        fridges.product_lines = vec![FRIDGE];
        let r = rank(&[
            station(4, OTHER_CITY, 0, 10, 90),
            fridges,
            suspended,
            station(1, PROVINCE, 0, 10, 10),
        ]);
        assert_eq!(order(&r), [1]);
        let excluded: Vec<_> = r
            .excluded
            .iter()
            .map(|e| (e.station.get(), e.why))
            .collect();
        assert_eq!(
            excluded,
            [
                (2, Exclusion::Inactive),
                (3, Exclusion::ProductLineNotServiced),
                (4, Exclusion::RegionNotCovered)
            ]
        );
        assert_eq!(
            Exclusion::RegionNotCovered.to_string(),
            "does not cover the customer's region"
        );
    }

    #[test]
    fn the_most_specific_coverage_comes_first() {
        let r = rank(&[
            station(1, PROVINCE, 0, 10, 100),
            station(2, CITY, 0, 10, 100),
            station(3, TOWNSHIP, 5, 10, 40),
            station(4, DISTRICT, 0, 10, 100),
        ]);
        assert_eq!(order(&r), [3, 4, 2, 1]);
    }

    #[test]
    fn a_station_covering_several_levels_counts_at_its_most_specific_one() {
        let mut s = station(1, PROVINCE, 0, 10, 50);
        s.regions.push(DISTRICT);
        let r = rank(&[s]);
        assert_eq!(r.ranked[0].covered.id, DISTRICT);
        assert_eq!(r.ranked[0].specificity, 1);
    }

    #[test]
    fn a_station_at_or_over_capacity_goes_last_even_if_more_specific() {
        let r = rank(&[
            station(1, TOWNSHIP, 10, 10, 100),
            station(2, TOWNSHIP, 12, 10, 100),
            station(3, PROVINCE, 9, 10, 0),
            station(4, TOWNSHIP, 0, 0, 100),
        ]);
        assert_eq!(order(&r), [3, 1, 2, 4]);
        assert!(r.ranked[1..].iter().all(|s| s.at_capacity));
        assert_eq!(r.ranked[3].utilisation_percent, 100);
        assert_eq!(r.ranked[2].utilisation_percent, 120);
    }

    #[test]
    fn among_equally_specific_stations_merit_combines_score_and_free_capacity() {
        // merit = 10 × score + (1000 − 1000 × load / capacity)
        let r = rank(&[
            station(1, DISTRICT, 5, 10, 80),  // 800 + 500 = 1300
            station(2, DISTRICT, 2, 10, 60),  // 600 + 800 = 1400
            station(3, DISTRICT, 0, 10, 30),  // 300 + 1000 = 1300
            station(4, DISTRICT, 9, 10, 100), // 1000 + 100 = 1100
        ]);
        let merits: Vec<_> = r
            .ranked
            .iter()
            .map(|s| (s.station.get(), s.merit))
            .collect();
        assert_eq!(merits, [(2, 1400), (1, 1300), (3, 1300), (4, 1100)]);
    }

    #[test]
    fn ties_are_broken_by_station_id_whatever_the_input_order() {
        let a = [
            station(9, CITY, 3, 10, 70),
            station(5, CITY, 3, 10, 70),
            station(7, CITY, 3, 10, 70),
        ];
        let mut b = a.clone();
        b.reverse();
        assert_eq!(order(&rank(&a)), [5, 7, 9]);
        assert_eq!(rank(&a), rank(&b));
    }

    #[test]
    fn weights_shift_the_balance_between_score_and_load() {
        let c = [
            station(1, CITY, 8, 10, 100), // busy but excellent
            station(2, CITY, 1, 10, 50),  // idle but average
        ];
        let by_score = RankingWeights {
            score: 3,
            free_capacity: 1,
        };
        let by_load = RankingWeights {
            score: 1,
            free_capacity: 3,
        };
        assert_eq!(order(&rank_stations(&request(), &c, by_score)), [1, 2]);
        assert_eq!(order(&rank_stations(&request(), &c, by_load)), [2, 1]);
    }

    #[test]
    fn scores_above_one_hundred_count_as_one_hundred() {
        let r = rank(&[station(1, CITY, 0, 10, 255), station(2, CITY, 0, 10, 100)]);
        assert_eq!(order(&r), [1, 2]);
        assert_eq!(r.ranked[0].merit, r.ranked[1].merit);
        assert_eq!(r.ranked[0].score, 100);
    }

    #[test]
    fn auto_dispatch_picks_the_best_station_with_spare_capacity_or_none() {
        let r = rank(&[
            station(1, TOWNSHIP, 10, 10, 90),
            station(2, CITY, 3, 10, 60),
        ]);
        assert_eq!(r.auto_pick(), Some(StationId(2)));
        let full = rank(&[station(1, TOWNSHIP, 10, 10, 90)]);
        assert_eq!(full.auto_pick(), None);
        assert_eq!(rank(&[]).auto_pick(), None);
    }

    #[test]
    fn the_explanation_names_coverage_load_and_score() {
        let r = rank(&[station(1, CITY, 3, 12, 75)]);
        assert_eq!(
            r.ranked[0].explain(),
            "covers the ticket's city (region 4403); load 3/12 (25 %); score 75"
        );
        let full = rank(&[station(2, DISTRICT, 4, 4, 75)]);
        assert!(
            full.ranked[0]
                .explain()
                .contains("at capacity, ranked last")
        );
    }

    #[test]
    fn a_ticket_with_an_empty_region_path_has_no_candidates() {
        let mut req = request();
        req.region_path.clear();
        let r = rank_stations(
            &req,
            &[station(1, CITY, 0, 10, 50)],
            RankingWeights::default(),
        );
        assert!(r.ranked.is_empty());
        assert_eq!(r.excluded[0].why, Exclusion::RegionNotCovered);
    }

    #[test]
    fn the_acceptance_window_runs_out_exactly_at_the_deadline() {
        let dispatched = Instant(1_790_000_000_000);
        let deadline = accept_deadline(dispatched, 30);
        assert_eq!(deadline.millis() - dispatched.millis(), 30 * 60_000);
        assert!(!must_return_to_dispatcher(dispatched, dispatched, 30));
        assert!(!must_return_to_dispatcher(
            dispatched,
            Instant(deadline.millis() - 1),
            30
        ));
        assert!(must_return_to_dispatcher(dispatched, deadline, 30));
        assert!(must_return_to_dispatcher(
            dispatched,
            Instant(deadline.millis() + 1),
            30
        ));
    }

    #[test]
    fn a_zero_minute_window_returns_immediately() {
        let t = Instant(5);
        assert!(must_return_to_dispatcher(t, t, 0));
    }
}
