//! Service-level deadlines: first response, on-site and completion, per region tier.
//!
//! # Clock
//!
//! Windows run in clock time around the clock: a deadline is the intake instant plus the
//! window's minutes, through nights, weekends and holidays. The company's time zone therefore
//! does not change a deadline (China has no daylight saving), only how it is shown. A
//! business-hours calendar, if a company needs one, would replace [`SlaDeadlines::at_intake`];
//! nothing else reads the configuration. Waiting for parts does not pause the clock.
//!
//! # States and boundaries
//!
//! For a window from `start` to `deadline`, with `met_at` the instant the milestone was reached:
//!
//! - met at or before the deadline → [`SlaState::Met`] (exactly at the deadline is in time);
//! - met after it → [`SlaState::MissedLate`] by `met_at − deadline`;
//! - not met and `now` after the deadline → [`SlaState::Breached`] by `now − deadline`;
//! - not met, `now` at or before the deadline and at least the at-risk share (80 % by default)
//!   of the window used (`(now − start) × 100 ≥ window × percent`) → [`SlaState::AtRisk`]; so
//!   exactly at 80 % is at risk, and so is the deadline instant itself;
//! - otherwise → [`SlaState::OnTrack`].

use crate::codes::code_enum;
use crate::org::Tier;
use crate::time::Instant;
use crate::validate::ValidationError;
use serde::{Deserialize, Serialize};

const MILLIS_PER_MINUTE: i64 = 60_000;

code_enum! {
    /// Which deadline.
    pub enum SlaKind ("SLA deadline") {
        /// The booking call to the customer (a booked visit counts).
        FirstResponse = "first_response",
        /// The technician at the customer's place.
        OnSite = "on_site",
        /// The work reported done.
        Completion = "completion",
    }
}

/// The windows of one tier, in minutes from intake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierSla {
    /// Minutes to the first response.
    pub first_response_minutes: u32,
    /// Minutes to the technician on site.
    pub on_site_minutes: u32,
    /// Minutes to completion.
    pub completion_minutes: u32,
}

impl TierSla {
    /// The window of `kind`, in minutes.
    pub fn minutes(&self, kind: SlaKind) -> u32 {
        match kind {
            SlaKind::FirstResponse => self.first_response_minutes,
            SlaKind::OnSite => self.on_site_minutes,
            SlaKind::Completion => self.completion_minutes,
        }
    }
}

/// The company's SLA configuration: windows per tier and the at-risk threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaConfig {
    /// City districts.
    pub urban: TierSla,
    /// Towns and townships.
    pub township: TierSla,
    /// Remote areas.
    pub remote: TierSla,
    /// Share of a window, in per cent, from which an unmet deadline is at risk (default 80).
    pub at_risk_percent: u8,
}

impl Default for SlaConfig {
    /// First response 30 min everywhere; on site 24 h urban, 48 h township, 72 h remote;
    /// completion 72 h urban, 96 h township, 120 h remote (the last is our assumption: the
    /// issue leaves it to configuration).
    fn default() -> Self {
        let tier = |on_site_h: u32, completion_h: u32| TierSla {
            first_response_minutes: 30,
            on_site_minutes: on_site_h * 60,
            completion_minutes: completion_h * 60,
        };
        SlaConfig {
            urban: tier(24, 72),
            township: tier(48, 96),
            remote: tier(72, 120),
            at_risk_percent: 80,
        }
    }
}

impl SlaConfig {
    /// The windows of `tier`.
    pub fn for_tier(&self, tier: Tier) -> &TierSla {
        match tier {
            Tier::Urban => &self.urban,
            Tier::Township => &self.township,
            Tier::Remote => &self.remote,
        }
    }

    /// Check that every window is positive and the threshold is 1-100 %.
    pub fn validate(&self) -> Result<(), ValidationError> {
        for tier in Tier::ALL {
            let t = self.for_tier(tier);
            for kind in SlaKind::ALL {
                if t.minutes(*kind) == 0 {
                    return Err(ValidationError::new(
                        format!("sla.{}.{}", tier.code(), kind.code()),
                        "must be at least one minute",
                    ));
                }
            }
        }
        if !(1..=100).contains(&self.at_risk_percent) {
            return Err(ValidationError::new(
                "sla.at_risk_percent",
                "must be between 1 and 100",
            ));
        }
        Ok(())
    }
}

/// A window from its start to its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaWindow {
    /// When the clock started (intake).
    pub start: Instant,
    /// The deadline.
    pub deadline: Instant,
}

/// The deadlines of one ticket, fixed at intake and stored on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaDeadlines {
    /// The intake instant the windows start from.
    pub intake_at: Instant,
    /// First response due.
    pub first_response: Instant,
    /// On site due.
    pub on_site: Instant,
    /// Completion due.
    pub completion: Instant,
}

impl SlaDeadlines {
    /// The deadlines of a ticket taken in at `intake_at` in a region of `tier`.
    pub fn at_intake(intake_at: Instant, tier: Tier, config: &SlaConfig) -> SlaDeadlines {
        let t = config.for_tier(tier);
        let due = |kind| intake_at.plus_minutes(i64::from(t.minutes(kind)));
        SlaDeadlines {
            intake_at,
            first_response: due(SlaKind::FirstResponse),
            on_site: due(SlaKind::OnSite),
            completion: due(SlaKind::Completion),
        }
    }

    /// The deadline of `kind`.
    pub fn deadline(&self, kind: SlaKind) -> Instant {
        match kind {
            SlaKind::FirstResponse => self.first_response,
            SlaKind::OnSite => self.on_site,
            SlaKind::Completion => self.completion,
        }
    }

    /// The window of `kind`.
    pub fn window(&self, kind: SlaKind) -> SlaWindow {
        SlaWindow {
            start: self.intake_at,
            deadline: self.deadline(kind),
        }
    }
}

/// How a deadline stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SlaState {
    /// Not met yet, less than the at-risk share of the window used.
    OnTrack,
    /// Not met yet, at least the at-risk share used, deadline not passed.
    AtRisk,
    /// Not met and the deadline has passed.
    Breached {
        /// How long ago the deadline passed, in milliseconds.
        by_millis: i64,
    },
    /// Met in time.
    Met,
    /// Met, but after the deadline.
    MissedLate {
        /// How late, in milliseconds.
        by_millis: i64,
    },
}

impl SlaState {
    /// Stable code: on_track, at_risk, breached, met, missed_late.
    pub fn code(self) -> &'static str {
        match self {
            SlaState::OnTrack => "on_track",
            SlaState::AtRisk => "at_risk",
            SlaState::Breached { .. } => "breached",
            SlaState::Met => "met",
            SlaState::MissedLate { .. } => "missed_late",
        }
    }

    /// How far past the deadline, in whole minutes rounded up, for breaches and late hits.
    pub fn late_minutes(self) -> Option<i64> {
        match self {
            SlaState::Breached { by_millis } | SlaState::MissedLate { by_millis } => {
                Some((by_millis + MILLIS_PER_MINUTE - 1) / MILLIS_PER_MINUTE)
            }
            _ => None,
        }
    }

    /// Whether the deadline was or will be missed.
    pub fn is_missed(self) -> bool {
        matches!(
            self,
            SlaState::Breached { .. } | SlaState::MissedLate { .. }
        )
    }

    /// Whether the dispatcher's at-risk and breached lists show it (still unmet, and at risk or
    /// late).
    pub fn needs_attention(self) -> bool {
        matches!(self, SlaState::AtRisk | SlaState::Breached { .. })
    }
}

/// How the window stands at `now`, given when (if) the milestone was met (see the module docs
/// for the exact boundaries).
pub fn evaluate(
    window: SlaWindow,
    met_at: Option<Instant>,
    now: Instant,
    at_risk_percent: u8,
) -> SlaState {
    if let Some(met) = met_at {
        return if met <= window.deadline {
            SlaState::Met
        } else {
            SlaState::MissedLate {
                by_millis: met.millis() - window.deadline.millis(),
            }
        };
    }
    if now > window.deadline {
        return SlaState::Breached {
            by_millis: now.millis() - window.deadline.millis(),
        };
    }
    let used = i128::from(now.millis()) - i128::from(window.start.millis());
    let length = i128::from(window.deadline.millis()) - i128::from(window.start.millis());
    if used * 100 >= length * i128::from(at_risk_percent) {
        SlaState::AtRisk
    } else {
        SlaState::OnTrack
    }
}

/// When a ticket reached its SLA milestones (from [`crate::ticket::Milestones`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SlaProgress {
    /// First booking of a visit.
    pub first_response_at: Option<Instant>,
    /// First arrival on site.
    pub on_site_at: Option<Instant>,
    /// Reported completion (not a false one).
    pub completed_at: Option<Instant>,
}

impl SlaProgress {
    /// When `kind` was met.
    pub fn met_at(&self, kind: SlaKind) -> Option<Instant> {
        match kind {
            SlaKind::FirstResponse => self.first_response_at,
            SlaKind::OnSite => self.on_site_at,
            SlaKind::Completion => self.completed_at,
        }
    }
}

impl From<crate::ticket::Milestones> for SlaProgress {
    fn from(m: crate::ticket::Milestones) -> Self {
        SlaProgress {
            first_response_at: m.first_response_at,
            on_site_at: m.on_site_at,
            completed_at: m.completed_at,
        }
    }
}

/// A missed deadline: which, and by how much.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaBreach {
    /// Which deadline.
    pub kind: SlaKind,
    /// How far past it, in milliseconds (still growing when `ongoing`).
    pub by_millis: i64,
    /// Whether the milestone is still unmet.
    pub ongoing: bool,
}

/// All three deadlines of a ticket evaluated at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaReport {
    /// First response.
    pub first_response: SlaState,
    /// On site.
    pub on_site: SlaState,
    /// Completion.
    pub completion: SlaState,
}

impl SlaReport {
    /// Evaluate a ticket's deadlines at `now`.
    pub fn at(
        deadlines: &SlaDeadlines,
        progress: &SlaProgress,
        now: Instant,
        config: &SlaConfig,
    ) -> SlaReport {
        let state = |kind| {
            evaluate(
                deadlines.window(kind),
                progress.met_at(kind),
                now,
                config.at_risk_percent,
            )
        };
        SlaReport {
            first_response: state(SlaKind::FirstResponse),
            on_site: state(SlaKind::OnSite),
            completion: state(SlaKind::Completion),
        }
    }

    /// The state of `kind`.
    pub fn state(&self, kind: SlaKind) -> SlaState {
        match kind {
            SlaKind::FirstResponse => self.first_response,
            SlaKind::OnSite => self.on_site,
            SlaKind::Completion => self.completion,
        }
    }

    /// Every missed deadline, in [`SlaKind::ALL`] order.
    pub fn breaches(&self) -> Vec<SlaBreach> {
        SlaKind::ALL
            .iter()
            .filter_map(|kind| match self.state(*kind) {
                SlaState::Breached { by_millis } => Some(SlaBreach {
                    kind: *kind,
                    by_millis,
                    ongoing: true,
                }),
                SlaState::MissedLate { by_millis } => Some(SlaBreach {
                    kind: *kind,
                    by_millis,
                    ongoing: false,
                }),
                _ => None,
            })
            .collect()
    }

    /// Whether any unmet deadline has passed.
    pub fn is_breached(&self) -> bool {
        SlaKind::ALL
            .iter()
            .any(|k| matches!(self.state(*k), SlaState::Breached { .. }))
    }

    /// Whether any unmet deadline is at risk.
    pub fn is_at_risk(&self) -> bool {
        SlaKind::ALL
            .iter()
            .any(|k| self.state(*k) == SlaState::AtRisk)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_790_000_000_000;
    const HOUR: i64 = 3_600_000;
    const MIN: i64 = 60_000;

    fn at(ms: i64) -> Instant {
        Instant(T0 + ms)
    }

    fn window(hours: i64) -> SlaWindow {
        SlaWindow {
            start: at(0),
            deadline: at(hours * HOUR),
        }
    }

    #[test]
    fn on_site_deadlines_are_24_48_and_72_hours_by_tier() {
        let cfg = SlaConfig::default();
        let hours = |tier| {
            let d = SlaDeadlines::at_intake(at(0), tier, &cfg);
            (
                (d.first_response.millis() - T0) / MIN,
                (d.on_site.millis() - T0) / HOUR,
                (d.completion.millis() - T0) / HOUR,
            )
        };
        assert_eq!(hours(Tier::Urban), (30, 24, 72));
        assert_eq!(hours(Tier::Township), (30, 48, 96));
        assert_eq!(hours(Tier::Remote), (30, 72, 120));
    }

    #[test]
    fn windows_are_configurable_per_tier() {
        let mut cfg = SlaConfig::default();
        cfg.remote.on_site_minutes = 96 * 60;
        cfg.urban.first_response_minutes = 15;
        let remote = SlaDeadlines::at_intake(at(0), Tier::Remote, &cfg);
        assert_eq!(remote.on_site, at(96 * HOUR));
        let urban = SlaDeadlines::at_intake(at(0), Tier::Urban, &cfg);
        assert_eq!(urban.first_response, at(15 * MIN));
        assert_eq!(urban.on_site, at(24 * HOUR));
    }

    #[test]
    fn deadlines_run_through_the_night_in_clock_time() {
        // 2026-11-22 23:50 Beijing time (15:50 UTC): the first response is due at 00:20.
        let intake = Instant(1_795_362_600_000);
        let d = SlaDeadlines::at_intake(intake, Tier::Urban, &SlaConfig::default());
        let beijing = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
        let local = |i: Instant| {
            i.to_utc()
                .with_timezone(&beijing)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        };
        assert_eq!(local(intake), "2026-11-22 23:50");
        assert_eq!(local(d.first_response), "2026-11-23 00:20");
        assert_eq!(local(d.on_site), "2026-11-23 23:50");
    }

    #[test]
    fn exactly_eighty_percent_used_is_at_risk_and_a_millisecond_before_is_on_track() {
        let w = window(24);
        let eighty = at(24 * HOUR * 8 / 10);
        assert_eq!(evaluate(w, None, eighty, 80), SlaState::AtRisk);
        assert_eq!(
            evaluate(w, None, Instant(eighty.millis() - 1), 80),
            SlaState::OnTrack
        );
        assert_eq!(evaluate(w, None, at(0), 80), SlaState::OnTrack);
    }

    #[test]
    fn the_deadline_instant_is_at_risk_and_one_millisecond_later_is_breached() {
        let w = window(24);
        assert_eq!(evaluate(w, None, w.deadline, 80), SlaState::AtRisk);
        assert_eq!(
            evaluate(w, None, Instant(w.deadline.millis() + 1), 80),
            SlaState::Breached { by_millis: 1 }
        );
        assert_eq!(
            evaluate(w, None, Instant(w.deadline.millis() + 3 * HOUR), 80),
            SlaState::Breached {
                by_millis: 3 * HOUR
            }
        );
    }

    #[test]
    fn met_exactly_at_the_deadline_is_met_and_later_is_missed_late_by_the_difference() {
        let w = window(48);
        let late_now = at(100 * HOUR);
        assert_eq!(evaluate(w, Some(w.deadline), late_now, 80), SlaState::Met);
        assert_eq!(evaluate(w, Some(at(HOUR)), late_now, 80), SlaState::Met);
        let late = evaluate(
            w,
            Some(Instant(w.deadline.millis() + 90 * MIN)),
            late_now,
            80,
        );
        assert_eq!(
            late,
            SlaState::MissedLate {
                by_millis: 90 * MIN
            }
        );
        assert_eq!(late.late_minutes(), Some(90));
        assert!(late.is_missed() && !late.needs_attention());
    }

    #[test]
    fn a_met_deadline_stays_met_whatever_now_is() {
        let w = window(24);
        assert_eq!(evaluate(w, Some(at(HOUR)), at(0), 80), SlaState::Met);
    }

    #[test]
    fn the_at_risk_threshold_is_configurable() {
        let w = window(10);
        assert_eq!(evaluate(w, None, at(5 * HOUR), 50), SlaState::AtRisk);
        assert_eq!(evaluate(w, None, at(5 * HOUR), 80), SlaState::OnTrack);
        assert_eq!(
            evaluate(w, None, Instant(w.deadline.millis() - 1), 100),
            SlaState::OnTrack
        );
        assert_eq!(evaluate(w, None, w.deadline, 100), SlaState::AtRisk);
    }

    #[test]
    fn late_minutes_round_up() {
        assert_eq!(SlaState::Breached { by_millis: 1 }.late_minutes(), Some(1));
        assert_eq!(
            SlaState::Breached { by_millis: 2 * MIN }.late_minutes(),
            Some(2)
        );
        assert_eq!(SlaState::Met.late_minutes(), None);
    }

    #[test]
    fn a_report_lists_which_deadlines_were_missed_and_by_how_much() {
        let cfg = SlaConfig::default();
        let d = SlaDeadlines::at_intake(at(0), Tier::Urban, &cfg);
        let progress = SlaProgress {
            first_response_at: Some(at(45 * MIN)),
            on_site_at: None,
            completed_at: None,
        };
        let r = SlaReport::at(&d, &progress, at(26 * HOUR), &cfg);
        assert_eq!(r.first_response.code(), "missed_late");
        assert_eq!(r.on_site.code(), "breached");
        assert_eq!(r.completion.code(), "on_track");
        assert!(r.is_breached() && !r.is_at_risk());
        assert_eq!(
            r.breaches(),
            [
                SlaBreach {
                    kind: SlaKind::FirstResponse,
                    by_millis: 15 * MIN,
                    ongoing: false
                },
                SlaBreach {
                    kind: SlaKind::OnSite,
                    by_millis: 2 * HOUR,
                    ongoing: true
                }
            ]
        );
    }

    #[test]
    fn a_report_reads_the_ticket_milestones() {
        let cfg = SlaConfig::default();
        let d = SlaDeadlines::at_intake(at(0), Tier::Township, &cfg);
        let m = crate::ticket::Milestones {
            first_response_at: Some(at(10 * MIN)),
            on_site_at: Some(at(40 * HOUR)),
            ..Default::default()
        };
        let r = SlaReport::at(&d, &SlaProgress::from(m), at(80 * HOUR), &cfg);
        assert_eq!(r.first_response, SlaState::Met);
        assert_eq!(r.on_site, SlaState::Met);
        assert_eq!(r.completion, SlaState::AtRisk);
        assert!(r.is_at_risk() && r.breaches().is_empty());
    }

    #[test]
    fn config_rejects_zero_windows_and_bad_thresholds() {
        assert!(SlaConfig::default().validate().is_ok());
        let mut c = SlaConfig::default();
        c.township.on_site_minutes = 0;
        assert_eq!(c.validate().unwrap_err().field, "sla.township.on_site");
        let mut c = SlaConfig {
            at_risk_percent: 0,
            ..Default::default()
        };
        assert!(c.validate().is_err());
        c.at_risk_percent = 101;
        assert!(c.validate().is_err());
    }

    #[test]
    fn state_codes_are_stable() {
        let codes: Vec<_> = [
            SlaState::OnTrack,
            SlaState::AtRisk,
            SlaState::Breached { by_millis: 1 },
            SlaState::Met,
            SlaState::MissedLate { by_millis: 1 },
        ]
        .iter()
        .map(|s| s.code())
        .collect();
        assert_eq!(
            codes,
            ["on_track", "at_risk", "breached", "met", "missed_late"]
        );
    }

    proptest::proptest! {
        #[test]
        fn an_unmet_deadline_only_ever_moves_from_on_track_to_at_risk_to_breached(
            length in 1i64..10_000_000,
            percent in 1u8..=100,
            mut nows in proptest::collection::vec(-1_000_000i64..20_000_000, 1..40),
        ) {
            let w = SlaWindow { start: at(0), deadline: at(length) };
            nows.sort();
            let rank = |s: SlaState| match s {
                SlaState::OnTrack => 0,
                SlaState::AtRisk => 1,
                SlaState::Breached { .. } => 2,
                other => panic!("unmet deadline evaluated as {other:?}"),
            };
            let mut last = 0;
            for n in nows {
                let s = evaluate(w, None, at(n), percent);
                proptest::prop_assert!(rank(s) >= last);
                proptest::prop_assert_eq!(rank(s) == 2, n > length);
                last = rank(s);
            }
        }
    }
}
