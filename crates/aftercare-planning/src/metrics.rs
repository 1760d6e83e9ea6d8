//! Forecast accuracy against a holdout: MAE, RMSE, ME, sMAE and RMSSE.
//!
//! Errors are `actual − forecast`, so a positive ME means under-forecasting.
//! - sMAE = MAE / mean of the in-sample history; undefined when that mean is 0.
//! - RMSSE (M5 definition) = √(MSE / s) with s the mean squared one-period change of the
//!   in-sample history from its first non-zero value on (M5 scores a product only from
//!   its first sale), `Σ_{t=2..n} (y_t − y_{t−1})² / (n − 1)`; undefined when s = 0.
//!
//! Undefined scaled errors are left out of the means and counted as skipped.

use serde::Serialize;

/// Errors of one series.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SeriesErrors {
    /// Mean absolute error.
    pub mae: f64,
    /// Root mean squared error.
    pub rmse: f64,
    /// Mean error (actual − forecast).
    pub me: f64,
    /// MAE scaled by the in-sample mean; `None` when that mean is 0.
    pub smae: Option<f64>,
    /// Root mean squared scaled error; `None` when the scale is 0.
    pub rmsse: Option<f64>,
}

/// Mean squared one-period change of `history` from its first non-zero value on (the
/// RMSSE scale); 0 with fewer than 2 such values.
pub fn rmsse_scale(history: &[f64]) -> f64 {
    let first = history
        .iter()
        .position(|&v| v != 0.0)
        .unwrap_or(history.len());
    let history = &history[first..];
    if history.len() < 2 {
        return 0.0;
    }
    let sum: f64 = history.windows(2).map(|w| (w[1] - w[0]).powi(2)).sum();
    sum / (history.len() - 1) as f64
}

/// Errors of `forecast` against `actual`, scaled with the in-sample `history`.
///
/// `actual` and `forecast` must have the same, non-zero length.
pub fn series_errors(history: &[f64], actual: &[f64], forecast: &[f64]) -> SeriesErrors {
    debug_assert_eq!(actual.len(), forecast.len());
    let n = actual.len() as f64;
    let (mut abs, mut sq, mut sum) = (0.0, 0.0, 0.0);
    for (&a, &f) in actual.iter().zip(forecast) {
        let e = a - f;
        abs += e.abs();
        sq += e * e;
        sum += e;
    }
    let (mae, mse, me) = (abs / n, sq / n, sum / n);
    let mean = history.iter().sum::<f64>() / history.len() as f64;
    let scale = rmsse_scale(history);
    SeriesErrors {
        mae,
        rmse: mse.sqrt(),
        me,
        smae: (mean != 0.0 && mean.is_finite()).then(|| mae / mean),
        rmsse: (scale > 0.0).then(|| (mse / scale).sqrt()),
    }
}

/// Means over series of the per-series errors, with counts of skipped scaled errors.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AccuracySummary {
    /// Mean over series of MAE.
    pub mae: f64,
    /// Mean over series of RMSE.
    pub rmse: f64,
    /// Mean over series of ME.
    pub me: f64,
    /// Mean over series of sMAE (series with a zero in-sample mean left out).
    pub smae: f64,
    /// Mean over series of RMSSE (series with a zero scale left out).
    pub rmsse: f64,
    /// Series scored.
    pub series: usize,
    /// Series left out of `smae` because their in-sample mean is 0.
    pub smae_skipped: usize,
    /// Series left out of `rmsse` because their scale is 0.
    pub rmsse_skipped: usize,
}

/// Accumulates [`SeriesErrors`] into an [`AccuracySummary`].
#[derive(Clone, Debug, Default)]
pub struct Accuracy {
    sums: [f64; 5],
    series: usize,
    smae_n: usize,
    rmsse_n: usize,
}

impl Accuracy {
    /// Add one series.
    pub fn add(&mut self, e: &SeriesErrors) {
        self.series += 1;
        self.sums[0] += e.mae;
        self.sums[1] += e.rmse;
        self.sums[2] += e.me;
        if let Some(s) = e.smae {
            self.sums[3] += s;
            self.smae_n += 1;
        }
        if let Some(r) = e.rmsse {
            self.sums[4] += r;
            self.rmsse_n += 1;
        }
    }

    /// Combine with another accumulator (for parallel reduction).
    pub fn merge(mut self, other: Self) -> Self {
        for (a, b) in self.sums.iter_mut().zip(other.sums) {
            *a += b;
        }
        self.series += other.series;
        self.smae_n += other.smae_n;
        self.rmsse_n += other.rmsse_n;
        self
    }

    /// The means; NaN for a mean over no series.
    pub fn summary(&self) -> AccuracySummary {
        let mean = |sum: f64, n: usize| if n == 0 { f64::NAN } else { sum / n as f64 };
        AccuracySummary {
            mae: mean(self.sums[0], self.series),
            rmse: mean(self.sums[1], self.series),
            me: mean(self.sums[2], self.series),
            smae: mean(self.sums[3], self.smae_n),
            rmsse: mean(self.sums[4], self.rmsse_n),
            series: self.series,
            smae_skipped: self.series - self.smae_n,
            rmsse_skipped: self.series - self.rmsse_n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_match_hand_computation() {
        // history 0,2,0,2: mean 1, scale (4+4+4)/3 = 4
        let e = series_errors(&[0.0, 2.0, 0.0, 2.0], &[3.0, 0.0], &[1.0, 1.0]);
        // errors 2, -1
        assert_eq!(e.mae, 1.5);
        assert!((e.rmse - 2.5f64.sqrt()).abs() < 1e-15);
        assert_eq!(e.me, 0.5);
        assert_eq!(e.smae, Some(1.5));
        assert!((e.rmsse.unwrap() - (2.5f64 / 4.0).sqrt()).abs() < 1e-15);
    }

    #[test]
    fn the_rmsse_scale_starts_at_the_first_demand() {
        // from 2: changes -2, 2 → 8 / 2
        assert_eq!(rmsse_scale(&[0.0, 0.0, 2.0, 0.0, 2.0]), 4.0);
        // a single demand at the very end leaves one value: no scale
        assert_eq!(rmsse_scale(&[0.0, 0.0, 0.0, 5.0]), 0.0);
    }

    #[test]
    fn a_flat_history_has_no_rmsse_and_a_zero_history_no_smae() {
        let e = series_errors(&[0.0, 0.0, 0.0], &[1.0], &[0.0]);
        assert_eq!(e.rmsse, None);
        assert_eq!(e.smae, None);
        let e = series_errors(&[2.0, 2.0], &[1.0], &[0.0]);
        assert_eq!(e.rmsse, None);
        assert_eq!(e.smae, Some(0.5));
    }

    #[test]
    fn summary_averages_over_series_and_counts_skips() {
        let mut acc = Accuracy::default();
        // scale (3 − 1)² = 4, error 2 → RMSSE 1; in-sample mean 2 → sMAE 1
        acc.add(&series_errors(&[1.0, 3.0], &[2.0], &[0.0]));
        let mut other = Accuracy::default();
        other.add(&series_errors(&[0.0, 0.0], &[1.0], &[0.0]));
        let s = acc.merge(other).summary();
        assert_eq!(s.series, 2);
        assert_eq!(s.mae, 1.5);
        assert_eq!(s.rmsse, 1.0);
        assert_eq!(s.rmsse_skipped, 1);
        assert_eq!(s.smae_skipped, 1);
        assert_eq!(s.smae, 1.0);
    }
}
