//! Demand classification: Syntetos–Boylan–Croston (SBC) plus `new` and `inactive`.
//!
//! SBC classes use ADI = periods / number of periods with demand, and CV² = (sample
//! standard deviation / mean)² of the non-zero demand sizes (0 when there is a single
//! demand). A series is
//! - `inactive` when it has no demand in its last `inactive_periods` periods (or none at all),
//! - `new` when its first demand is fewer than `new_periods` periods before its end,
//! - otherwise smooth (ADI < 1.32, CV² < 0.49), erratic (ADI < 1.32, CV² ≥ 0.49),
//!   intermittent (ADI ≥ 1.32, CV² < 0.49) or lumpy (ADI ≥ 1.32, CV² ≥ 0.49).

/// Demand pattern of one series.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DemandClass {
    /// Regular demand with stable sizes.
    Smooth,
    /// Regular demand with variable sizes.
    Erratic,
    /// Sporadic demand with stable sizes.
    Intermittent,
    /// Sporadic demand with variable sizes.
    Lumpy,
    /// Too little history since the first demand to judge.
    New,
    /// No demand for a long time (or ever).
    Inactive,
}

impl DemandClass {
    /// Lower-case code used in CSV output.
    pub fn code(self) -> &'static str {
        match self {
            Self::Smooth => "smooth",
            Self::Erratic => "erratic",
            Self::Intermittent => "intermittent",
            Self::Lumpy => "lumpy",
            Self::New => "new",
            Self::Inactive => "inactive",
        }
    }
}

/// Cut-offs and windows of the classification.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClassifyConfig {
    /// ADI at or above which demand counts as sporadic (SBC: 1.32).
    pub adi_cutoff: f64,
    /// CV² at or above which sizes count as variable (SBC: 0.49).
    pub cv2_cutoff: f64,
    /// A series whose first demand lies fewer than this many periods before its end is `new`.
    pub new_periods: usize,
    /// A series with no demand in this many trailing periods is `inactive`.
    pub inactive_periods: usize,
}

impl Default for ClassifyConfig {
    fn default() -> Self {
        Self {
            adi_cutoff: 1.32,
            cv2_cutoff: 0.49,
            new_periods: 6,
            inactive_periods: 52,
        }
    }
}

/// Class of a series with the statistics it was derived from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Classification {
    /// The class.
    pub class: DemandClass,
    /// Average demand interval: periods / periods with demand (infinite without demand).
    pub adi: f64,
    /// Squared coefficient of variation of the non-zero demand sizes.
    pub cv2: f64,
}

/// Classify one series (oldest period first).
pub fn classify(y: &[f64], cfg: &ClassifyConfig) -> Classification {
    let stats = SizeStats::of(y);
    let adi = if stats.count == 0 {
        f64::INFINITY
    } else {
        y.len() as f64 / stats.count as f64
    };
    let cv2 = stats.cv2();
    let class = match (stats.first, stats.last) {
        (Some(first), Some(last)) => {
            if y.len() - 1 - last >= cfg.inactive_periods {
                DemandClass::Inactive
            } else if y.len() - first < cfg.new_periods {
                DemandClass::New
            } else {
                sbc(adi, cv2, cfg)
            }
        }
        _ => DemandClass::Inactive,
    };
    Classification { class, adi, cv2 }
}

fn sbc(adi: f64, cv2: f64, cfg: &ClassifyConfig) -> DemandClass {
    match (adi >= cfg.adi_cutoff, cv2 >= cfg.cv2_cutoff) {
        (false, false) => DemandClass::Smooth,
        (false, true) => DemandClass::Erratic,
        (true, false) => DemandClass::Intermittent,
        (true, true) => DemandClass::Lumpy,
    }
}

/// Count, mean and sample variance of the positive values, with first and last positions.
struct SizeStats {
    count: usize,
    mean: f64,
    m2: f64,
    first: Option<usize>,
    last: Option<usize>,
}

impl SizeStats {
    fn of(y: &[f64]) -> Self {
        let mut s = Self {
            count: 0,
            mean: 0.0,
            m2: 0.0,
            first: None,
            last: None,
        };
        let mut sum = 0.0;
        for (t, &v) in y.iter().enumerate() {
            if v > 0.0 {
                s.count += 1;
                sum += v;
                s.first.get_or_insert(t);
                s.last = Some(t);
            }
        }
        if s.count > 0 {
            // Two passes (mean, then squared deviations) stay accurate for large, similar sizes.
            s.mean = sum / s.count as f64;
            s.m2 = y
                .iter()
                .filter(|&&v| v > 0.0)
                .map(|&v| (v - s.mean) * (v - s.mean))
                .sum();
        }
        s
    }

    fn cv2(&self) -> f64 {
        if self.count < 2 {
            return 0.0;
        }
        let var = self.m2 / (self.count - 1) as f64;
        var / (self.mean * self.mean)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> ClassifyConfig {
        ClassifyConfig {
            new_periods: 3,
            inactive_periods: 4,
            ..ClassifyConfig::default()
        }
    }

    #[test]
    fn regular_stable_demand_is_smooth() {
        let c = classify(&[5.0, 6.0, 5.0, 4.0, 5.0, 6.0], &cfg());
        assert_eq!(c.class, DemandClass::Smooth);
        assert_eq!(c.adi, 1.0);
    }

    #[test]
    fn regular_variable_demand_is_erratic() {
        let c = classify(&[1.0, 20.0, 1.0, 30.0, 2.0, 1.0], &cfg());
        assert_eq!(c.class, DemandClass::Erratic);
    }

    #[test]
    fn sporadic_stable_demand_is_intermittent() {
        let c = classify(&[3.0, 0.0, 0.0, 3.0, 0.0, 4.0, 0.0, 3.0], &cfg());
        assert_eq!(c.adi, 2.0);
        assert_eq!(c.class, DemandClass::Intermittent);
    }

    #[test]
    fn sporadic_variable_demand_is_lumpy() {
        let c = classify(&[1.0, 0.0, 0.0, 40.0, 0.0, 2.0, 0.0, 9.0], &cfg());
        assert_eq!(c.class, DemandClass::Lumpy);
    }

    #[test]
    fn cut_offs_are_inclusive_on_the_sporadic_and_variable_side() {
        let c = cfg();
        assert_eq!(sbc(1.32, 0.49, &c), DemandClass::Lumpy);
        assert_eq!(sbc(1.3199, 0.49, &c), DemandClass::Erratic);
        assert_eq!(sbc(1.32, 0.4899, &c), DemandClass::Intermittent);
        assert_eq!(sbc(1.3199, 0.4899, &c), DemandClass::Smooth);
        // 33 periods with 25 equal demands: ADI = 1.32 exactly, CV² = 0.
        let mut y = vec![2.0; 20];
        y.extend([0.0; 8]);
        y.extend([2.0; 5]);
        let got = classify(&y, &c);
        assert_eq!(got.adi, 1.32);
        assert_eq!(got.class, DemandClass::Intermittent);
    }

    #[test]
    fn cv2_uses_the_sample_variance_of_the_sizes() {
        // Sizes 1, 3, 1, 3: mean 2, sample variance 4/3, CV² = 1/3.
        let got = classify(&[1.0, 0.0, 3.0, 1.0, 0.0, 3.0], &cfg());
        assert!((got.cv2 - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(got.adi, 1.5);
        assert_eq!(got.class, DemandClass::Intermittent);
    }

    #[test]
    fn a_single_demand_has_zero_cv2() {
        let c = classify(&[0.0, 0.0, 7.0, 0.0, 0.0], &ClassifyConfig::default());
        assert_eq!(c.cv2, 0.0);
    }

    #[test]
    fn no_demand_at_all_is_inactive() {
        let c = classify(&[0.0; 10], &cfg());
        assert_eq!(c.class, DemandClass::Inactive);
        assert!(c.adi.is_infinite());
    }

    #[test]
    fn a_long_trailing_gap_is_inactive_and_a_shorter_one_is_not() {
        assert_eq!(
            classify(&[1.0, 2.0, 1.0, 0.0, 0.0, 0.0, 0.0], &cfg()).class,
            DemandClass::Inactive
        );
        assert_ne!(
            classify(&[1.0, 2.0, 1.0, 1.0, 0.0, 0.0, 0.0], &cfg()).class,
            DemandClass::Inactive
        );
    }

    #[test]
    fn demand_starting_near_the_end_is_new() {
        assert_eq!(
            classify(&[0.0, 0.0, 0.0, 0.0, 2.0, 1.0], &cfg()).class,
            DemandClass::New
        );
        assert_ne!(
            classify(&[0.0, 0.0, 0.0, 2.0, 2.0, 1.0], &cfg()).class,
            DemandClass::New
        );
    }
}
