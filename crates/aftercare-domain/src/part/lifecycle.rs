//! A part's lifecycle: active → end of production → end of service.

use crate::validate::ValidationError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Where a part is in its life on a given date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LifecyclePhase {
    /// In production and in service.
    Active,
    /// No longer produced (停产): only stock and last-time buys cover service.
    EndOfProduction,
    /// No longer serviced (停止服务): no more demand is expected.
    EndOfService,
}

impl LifecyclePhase {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            LifecyclePhase::Active => "active",
            LifecyclePhase::EndOfProduction => "end_of_production",
            LifecyclePhase::EndOfService => "end_of_service",
        }
    }
}

/// The two dates that end a part's phases; either may be unknown yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Lifecycle {
    end_of_production: Option<NaiveDate>,
    end_of_service: Option<NaiveDate>,
}

impl Lifecycle {
    /// A lifecycle; end of service may not come before end of production.
    pub fn new(
        end_of_production: Option<NaiveDate>,
        end_of_service: Option<NaiveDate>,
    ) -> Result<Lifecycle, ValidationError> {
        if let (Some(eop), Some(eos)) = (end_of_production, end_of_service)
            && eos < eop
        {
            return Err(ValidationError::new(
                "end_of_service",
                format!("{eos} is before the end of production {eop}"),
            ));
        }
        Ok(Lifecycle {
            end_of_production,
            end_of_service,
        })
    }

    /// Active with no end dates.
    pub fn active() -> Lifecycle {
        Lifecycle::default()
    }

    /// The end-of-production date, if set.
    pub fn end_of_production(&self) -> Option<NaiveDate> {
        self.end_of_production
    }

    /// The end-of-service date, if set.
    pub fn end_of_service(&self) -> Option<NaiveDate> {
        self.end_of_service
    }

    /// The phase on `date`: each end date is the first day of the next phase.
    pub fn phase_at(&self, date: NaiveDate) -> LifecyclePhase {
        if self.end_of_service.is_some_and(|d| date >= d) {
            LifecyclePhase::EndOfService
        } else if self.end_of_production.is_some_and(|d| date >= d) {
            LifecyclePhase::EndOfProduction
        } else {
            LifecyclePhase::Active
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn phases_change_on_the_end_dates() {
        let l = Lifecycle::new(Some(d(2024, 6, 1)), Some(d(2029, 6, 1))).unwrap();
        assert_eq!(l.phase_at(d(2024, 5, 31)), LifecyclePhase::Active);
        assert_eq!(l.phase_at(d(2024, 6, 1)), LifecyclePhase::EndOfProduction);
        assert_eq!(l.phase_at(d(2029, 5, 31)), LifecyclePhase::EndOfProduction);
        assert_eq!(l.phase_at(d(2029, 6, 1)), LifecyclePhase::EndOfService);
    }

    #[test]
    fn rejects_end_of_service_before_end_of_production() {
        let err = Lifecycle::new(Some(d(2025, 1, 1)), Some(d(2024, 1, 1))).unwrap_err();
        assert_eq!(err.field, "end_of_service");
    }

    #[test]
    fn a_part_without_dates_is_always_active() {
        assert_eq!(
            Lifecycle::active().phase_at(d(2099, 1, 1)),
            LifecyclePhase::Active
        );
    }

    #[test]
    fn end_of_service_alone_skips_the_end_of_production_phase() {
        let l = Lifecycle::new(None, Some(d(2030, 1, 1))).unwrap();
        assert_eq!(l.phase_at(d(2029, 12, 31)), LifecyclePhase::Active);
        assert_eq!(l.phase_at(d(2030, 1, 1)), LifecyclePhase::EndOfService);
    }
}
