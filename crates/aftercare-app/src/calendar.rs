//! The company's days. Planning periods, "today" of lifecycle dates and a part's stage
//! follow the company's time zone (its settings), not UTC: in Beijing the hours from
//! midnight to 08:00 belong to the new day, and an issue at 23:00 to the day it was made.

use crate::{App, AppResult};
use aftercare_domain::Instant;
use chrono::{NaiveDate, Offset, TimeZone};

const DAY_MS: i64 = 86_400_000;

/// Days as the company counts them: days since 1970-01-01 in its time zone, at the zone's
/// offset of one instant (a run's start). A zone with summer time moves the boundaries of
/// days in the other season by its shift for that run; China has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CompanyDays {
    offset_ms: i64,
}

impl CompanyDays {
    /// UTC days (no offset).
    pub const UTC: CompanyDays = CompanyDays { offset_ms: 0 };

    /// The days of the zone `tz` at `at`.
    pub fn of_zone(tz: chrono_tz::Tz, at: Instant) -> CompanyDays {
        let offset = tz
            .offset_from_utc_datetime(&at.to_utc().naive_utc())
            .fix()
            .local_minus_utc();
        CompanyDays {
            offset_ms: i64::from(offset) * 1000,
        }
    }

    /// A fixed offset from UTC in hours (tests).
    pub fn of_hours(hours: i64) -> CompanyDays {
        CompanyDays {
            offset_ms: hours * 3_600_000,
        }
    }

    /// The day `at` falls on.
    pub fn day_of(self, at: Instant) -> i64 {
        (at.0 + self.offset_ms).div_euclid(DAY_MS)
    }

    /// The instant `day` begins (its local midnight).
    pub fn start_of(self, day: i64) -> Instant {
        Instant(day * DAY_MS - self.offset_ms)
    }

    /// The calendar date `at` falls on.
    pub fn date_of(self, at: Instant) -> NaiveDate {
        day_to_date(self.day_of(at))
    }
}

/// The date of a day number (days since 1970-01-01).
pub fn day_to_date(day: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|e| e.checked_add_signed(chrono::Duration::days(day)))
        .unwrap_or_default()
}

impl App {
    /// The company's days now (its time zone's offset at this instant).
    pub async fn company_days(&self) -> AppResult<CompanyDays> {
        Ok(CompanyDays::of_zone(self.company_tz().await?, self.now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Instant {
        Instant::from_utc(s.parse().unwrap())
    }

    #[test]
    fn beijing_days_begin_at_16_00_utc() {
        let days = CompanyDays::of_zone(chrono_tz::Asia::Shanghai, at("2026-12-07T18:00:00Z"));
        assert_eq!(days, CompanyDays::of_hours(8));
        assert_eq!(
            days.date_of(at("2026-12-07T18:00:00Z")).to_string(),
            "2026-12-08"
        );
        assert_eq!(
            days.date_of(at("2026-12-07T15:59:59Z")).to_string(),
            "2026-12-07"
        );
        let d = days.day_of(at("2026-12-07T18:00:00Z"));
        assert_eq!(days.start_of(d), at("2026-12-07T16:00:00Z"));
        assert_eq!(days.day_of(days.start_of(d)), d);
        assert_eq!(days.day_of(Instant(days.start_of(d).0 - 1)), d - 1);
    }

    #[test]
    fn zones_west_of_utc_and_summer_time() {
        let ny = chrono_tz::America::New_York;
        let ny_winter = CompanyDays::of_zone(ny, at("2026-01-15T12:00:00Z"));
        let ny_summer = CompanyDays::of_zone(ny, at("2026-07-15T12:00:00Z"));
        assert_eq!(ny_winter, CompanyDays::of_hours(-5));
        assert_eq!(ny_summer, CompanyDays::of_hours(-4));
        assert_eq!(
            ny_winter.date_of(at("2026-01-15T03:00:00Z")).to_string(),
            "2026-01-14"
        );
        assert_eq!(
            CompanyDays::UTC
                .date_of(at("2026-12-07T23:59:59Z"))
                .to_string(),
            "2026-12-07"
        );
    }
}
