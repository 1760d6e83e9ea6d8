//! Instants: stored everywhere as UTC milliseconds since the Unix epoch (`BIGINT`), shown in
//! the company's time zone. One encoding for both databases keeps comparisons and SLA
//! arithmetic exact and portable.

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// A point in time, UTC milliseconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Instant(pub i64);

impl Instant {
    /// From milliseconds since the epoch.
    pub fn from_millis(ms: i64) -> Self {
        Instant(ms)
    }

    /// Milliseconds since the epoch.
    pub fn millis(self) -> i64 {
        self.0
    }

    /// From a chrono UTC date-time.
    pub fn from_utc(dt: DateTime<Utc>) -> Self {
        Instant(dt.timestamp_millis())
    }

    /// As a chrono UTC date-time (saturating at chrono's range).
    pub fn to_utc(self) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(self.0)
            .single()
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// This instant plus a number of minutes.
    pub fn plus_minutes(self, minutes: i64) -> Instant {
        Instant(self.0.saturating_add(minutes.saturating_mul(60_000)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_chrono() {
        let i = Instant(1_700_000_000_123);
        assert_eq!(Instant::from_utc(i.to_utc()), i);
        assert_eq!(i.plus_minutes(30).millis(), 1_700_000_000_123 + 1_800_000);
    }
}
