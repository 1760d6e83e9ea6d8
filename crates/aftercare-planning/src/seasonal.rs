//! Pooled adjustments of per-series flat forecasts: a seasonal index and a level factor.
//!
//! A part with 18 months of sparse history cannot show its own seasonality, but a
//! catalogue of them can: every method here gives a flat forecast, and the shared
//! calendar (holidays, plant shutdowns) moves all parts together. The index of season
//! position `k` (period `t` has position `t mod season`) is the mean of the panel's
//! total demand over the periods at that position, divided by the mean of those position
//! means (so the index averages 1). It is computed from the history only.
//!
//! The level factor multiplies every forecast. With skewed, intermittent demand the flat
//! forecast that minimises a root-mean-square error over a window is below the mean:
//! most windows miss the rare large demands, and the windows that hold one have a large
//! error whatever the forecast. The factor is *not* for planning stock (it biases the
//! mean low on purpose; `plan policy` and `plan simulate` do not use it): it makes the
//! point forecast the one the RMSSE measure rewards, and it is off unless asked for.
//!
//! How much of each to apply is decided by a backtest on the history: at up to
//! [`MAX_ORIGINS`] origins in the last season (or the last [`MAX_ORIGINS`] periods
//! without a season) before the end, the index made from the panel before the origin
//! scales each series' mean demand before the origin, shrunk toward 1 by a weight from
//! [`WEIGHTS`] and multiplied by a level from [`LEVELS`]; it is scored against the
//! following `horizon` periods of the history with the RMSSE measure (per series and
//! origin, then averaged). The pair with the lowest error wins; a tie keeps weight 0 and
//! level 1, so an adjustment that does not help is not applied.
//!
//! Measured (docs/BENCHMARKS.md): with `auto`, AUTO (monthly, season 12) and MAN
//! (weekly, season 52); see there for the numbers with each part on and off.

use thiserror::Error;

use crate::metrics::rmsse_scale;
use crate::series::Panel;

/// Shrinkage weights of the seasonal index (0 = no seasonality, 1 = the full index).
pub const WEIGHTS: [f64; 5] = [0.0, 0.25, 0.5, 0.75, 1.0];

/// Level factors the calibration chooses from: 0.50, 0.55, …, 1.20.
pub const LEVELS: [f64; 15] = [
    0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1, 1.15, 1.2,
];

/// Most backtest origins.
pub const MAX_ORIGINS: usize = 13;

/// Why a pooled adjustment cannot be fitted.
#[derive(Debug, Error, PartialEq)]
pub enum SeasonalError {
    /// The season length is below 2.
    #[error("season length {0} is too short: it must be at least 2 periods")]
    SeasonTooShort(usize),
    /// The history does not cover one full season plus one period.
    #[error(
        "{periods} periods of history do not cover one season of {season} plus a period to test it on"
    )]
    HistoryTooShort {
        /// Periods of history.
        periods: usize,
        /// Season length (1 without a season).
        season: usize,
    },
}

/// What to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdjustmentSpec {
    /// Season length in periods; `None` for no seasonal index.
    pub season: Option<usize>,
    /// Also calibrate the level factor (else it is 1).
    pub level: bool,
}

/// A fitted pooled adjustment.
#[derive(Debug, Clone, PartialEq)]
pub struct PooledAdjustment {
    /// Season length in periods (1 without a season).
    pub season: usize,
    /// Index per season position (period `t` has position `t mod season`), mean 1.
    pub index: Vec<f64>,
    /// Shrinkage weight of the index chosen by the backtest.
    pub weight: f64,
    /// Level factor chosen by the backtest (1 when not calibrated).
    pub level: f64,
    /// Level factors tried.
    pub levels: Vec<f64>,
    /// Weights tried.
    pub weights: Vec<f64>,
    /// Backtest error (mean RMSSE) per level (rows) and weight (columns).
    pub backtest: Vec<Vec<f64>>,
    /// Origins of the backtest.
    pub origins: Vec<usize>,
}

impl PooledAdjustment {
    /// Multiplier of the flat forecast for absolute period `t`.
    pub fn factor(&self, t: usize) -> f64 {
        self.level * (1.0 + self.weight * (self.index[t % self.season] - 1.0))
    }

    /// Multipliers for the `horizon` periods following a history of `end` periods.
    pub fn factors(&self, end: usize, horizon: usize) -> Vec<f64> {
        (end..end + horizon).map(|t| self.factor(t)).collect()
    }
}

/// Index from the panel totals of periods `..end` (every position seen at least once).
fn index_of(totals: &[f64], end: usize, season: usize) -> Vec<f64> {
    let mut sums = vec![0.0; season];
    let mut counts = vec![0usize; season];
    for (t, &v) in totals[..end].iter().enumerate() {
        sums[t % season] += v;
        counts[t % season] += 1;
    }
    let means: Vec<f64> = sums
        .iter()
        .zip(&counts)
        .map(|(&s, &c)| s / c as f64)
        .collect();
    let base = means.iter().sum::<f64>() / season as f64;
    if base > 0.0 && base.is_finite() {
        means.iter().map(|m| m / base).collect()
    } else {
        vec![1.0; season]
    }
}

/// Backtest origins: the last `lookback` periods before `end`, each with at least
/// `before` periods before it, at most [`MAX_ORIGINS`] evenly spaced.
fn origins(end: usize, before: usize, lookback: usize) -> Vec<usize> {
    let first = before.max(end.saturating_sub(lookback));
    let all: Vec<usize> = (first..end).collect();
    let step = all.len().div_ceil(MAX_ORIGINS).max(1);
    all.into_iter().step_by(step).collect()
}

/// Fit the pooled adjustment of the first `end` periods of every series of `panel`, for
/// forecasts of `horizon` periods.
pub fn fit(
    panel: &Panel,
    end: usize,
    spec: AdjustmentSpec,
    horizon: usize,
) -> Result<PooledAdjustment, SeasonalError> {
    let end = end.min(panel.periods());
    let (season, weights, before, lookback) = match spec.season {
        Some(s) if s < 2 => return Err(SeasonalError::SeasonTooShort(s)),
        Some(s) => (s, &WEIGHTS[..], s, s),
        None => (1, &WEIGHTS[..1], 1, MAX_ORIGINS),
    };
    let levels: &[f64] = if spec.level { &LEVELS } else { &[1.0] };
    if end <= before {
        return Err(SeasonalError::HistoryTooShort {
            periods: end,
            season,
        });
    }
    let mut totals = vec![0.0; end];
    for (_, y) in panel.iter() {
        for (t, v) in totals.iter_mut().zip(&y[..end]) {
            *t += v;
        }
    }
    let origins = origins(end, before, lookback);
    let indices: Vec<Vec<f64>> = origins
        .iter()
        .map(|&o| index_of(&totals, o, season))
        .collect();
    let horizon = horizon.max(1);
    // Per weight and origin, Σ g_j² of the window's multipliers g_j = 1 + w(S_j − 1): with
    // Σa² and Σa·g_j per series, Σ(a − c·f·g_j)² costs O(1) per level c.
    let gsq: Vec<Vec<f64>> = origins
        .iter()
        .zip(&indices)
        .map(|(&o, index)| {
            let len = horizon.min(end - o);
            weights
                .iter()
                .map(|w| {
                    (o..o + len)
                        .map(|t| (1.0 + w * (index[t % season] - 1.0)).powi(2))
                        .sum()
                })
                .collect()
        })
        .collect();
    let mut sums = vec![vec![0.0; weights.len()]; levels.len()];
    let mut scored = 0usize;
    let mut cross = vec![0.0; weights.len()];
    for (_, y) in panel.iter() {
        let y = &y[..end];
        let mut sum = 0.0;
        let mut first = None;
        let mut diff_sq = 0.0;
        let mut t = 0;
        for ((&o, index), g) in origins.iter().zip(&indices).zip(&gsq) {
            // Running mean and RMSSE scale of y[..o].
            while t < o {
                sum += y[t];
                match first {
                    None if y[t] != 0.0 => first = Some(t),
                    Some(_) => diff_sq += (y[t] - y[t - 1]).powi(2),
                    None => {}
                }
                t += 1;
            }
            let scale = match first {
                Some(f) if o - f >= 2 => diff_sq / (o - f - 1) as f64,
                _ => 0.0,
            };
            debug_assert!((scale - rmsse_scale(&y[..o])).abs() <= 1e-9 * scale.max(1.0));
            if !(scale > 0.0 && scale.is_finite()) {
                continue;
            }
            let mean = sum / o as f64;
            let window = &y[o..(o + horizon).min(end)];
            let len = window.len() as f64;
            let sq: f64 = window.iter().map(|a| a * a).sum();
            for (c, w) in cross.iter_mut().zip(weights) {
                *c = window
                    .iter()
                    .enumerate()
                    .map(|(j, a)| a * (1.0 + w * (index[(o + j) % season] - 1.0)))
                    .sum();
            }
            for (row, &c) in sums.iter_mut().zip(levels) {
                let f = c * mean;
                for ((acc, &x), &gg) in row.iter_mut().zip(&cross).zip(g) {
                    let e = (sq - 2.0 * f * x + f * f * gg).max(0.0);
                    *acc += (e / len / scale).sqrt();
                }
            }
            scored += 1;
        }
    }
    let backtest: Vec<Vec<f64>> = sums
        .iter()
        .map(|row| {
            row.iter()
                .map(|s| {
                    if scored == 0 {
                        f64::NAN
                    } else {
                        s / scored as f64
                    }
                })
                .collect()
        })
        .collect();
    // Start from the neutral pair; only a strictly lower error moves away from it.
    let neutral_level = levels.iter().position(|&c| c == 1.0).expect("1 is a level");
    let (mut bl, mut bw) = (neutral_level, 0);
    for (l, row) in backtest.iter().enumerate() {
        for (w, &e) in row.iter().enumerate() {
            if e < backtest[bl][bw] {
                (bl, bw) = (l, w);
            }
        }
    }
    Ok(PooledAdjustment {
        season,
        index: index_of(&totals, end, season),
        weight: weights[bw],
        level: levels[bl],
        levels: levels.to_vec(),
        weights: weights.to_vec(),
        backtest,
        origins,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn season(s: usize) -> AdjustmentSpec {
        AdjustmentSpec {
            season: Some(s),
            level: false,
        }
    }

    fn panel(rows: &[Vec<f64>]) -> Panel {
        let periods = rows[0].len();
        let keys = (0..rows.len()).map(|i| format!("s{i}")).collect();
        Panel::new(keys, periods, rows.concat()).expect("valid panel")
    }

    /// Series with a shared calendar: position 0 of every 4 periods has half the demand.
    fn seasonal_rows() -> Vec<Vec<f64>> {
        (0..20)
            .map(|i| {
                (0..14)
                    .map(|t| {
                        let base = 4.0 + (i % 3) as f64 + ((t * 7 + i) % 3) as f64;
                        if t % 4 == 0 { base * 0.5 } else { base }
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn a_shared_calendar_is_found_and_applied() {
        let p = panel(&seasonal_rows());
        let s = fit(&p, 14, season(4), 2).unwrap();
        assert_eq!(s.weight, 1.0, "backtest {:?}", s.backtest);
        assert_eq!(s.level, 1.0, "not calibrated unless asked");
        assert!(s.index[0] < 0.7, "index {:?}", s.index);
        assert!((s.index.iter().sum::<f64>() / 4.0 - 1.0).abs() < 1e-12);
        // Periods 14 and 15 have positions 2 and 3; period 16 is position 0 again.
        let f = s.factors(14, 3);
        assert!(f[2] < f[0] && f[2] < f[1], "factors {f:?}");
        assert_eq!(s.origins, vec![10, 11, 12, 13]);
    }

    #[test]
    fn no_calendar_means_weight_zero() {
        // A level shared by all series plus noise that does not repeat with the season.
        let rows: Vec<Vec<f64>> = (0..20)
            .map(|i| {
                (0..14)
                    .map(|t| 5.0 + ((t * 5 + i * 3) % 7) as f64 * 0.1)
                    .collect()
            })
            .collect();
        let s = fit(&panel(&rows), 14, season(4), 2).unwrap();
        assert_eq!(s.weight, 0.0);
        assert!(s.factors(14, 4).iter().all(|&f| f == 1.0));
    }

    #[test]
    fn only_the_history_is_used() {
        let mut rows = seasonal_rows();
        let a = fit(&panel(&rows), 12, season(4), 2).unwrap();
        for r in &mut rows {
            r[12] = 1000.0;
            r[13] = 0.0;
        }
        assert_eq!(a, fit(&panel(&rows), 12, season(4), 2).unwrap());
    }

    #[test]
    fn rare_large_demands_calibrate_the_level_below_one() {
        // Demand 1 every period and a spike of 30 every 7th period (phase per series):
        // the mean is 5.1, but most 2-period windows hold no spike.
        let rows: Vec<Vec<f64>> = (0..14)
            .map(|i| {
                (0..28)
                    .map(|t| if (t + i) % 7 == 0 { 30.0 } else { 1.0 })
                    .collect()
            })
            .collect();
        let spec = AdjustmentSpec {
            season: None,
            level: true,
        };
        let s = fit(&panel(&rows), 28, spec, 2).unwrap();
        assert!(s.level < 0.8, "level {} backtest {:?}", s.level, s.backtest);
        assert_eq!((s.season, s.weight), (1, 0.0));
        assert!(s.factors(28, 3).iter().all(|&f| f == s.level));
        let off = AdjustmentSpec {
            season: None,
            level: false,
        };
        let n = fit(&panel(&rows), 28, off, 2).unwrap();
        assert_eq!((n.level, n.weight), (1.0, 0.0));
        assert_eq!(n.origins, (15..28).collect::<Vec<_>>());
    }

    #[test]
    fn bad_settings_are_refused() {
        let p = panel(&seasonal_rows());
        assert_eq!(
            fit(&p, 14, season(1), 2),
            Err(SeasonalError::SeasonTooShort(1))
        );
        assert_eq!(
            fit(&p, 4, season(4), 2),
            Err(SeasonalError::HistoryTooShort {
                periods: 4,
                season: 4
            })
        );
    }
}
