//! Croston's method and its relatives (SBA, optimized Croston, TSB), as statsforecast 2.x.
//!
//! Demand sizes are the positive values; intervals are the distances between non-zero
//! values, the first one counted from one period before the start (statsforecast's
//! `np.diff(nonzero + 1, prepend=0)`). Both are smoothed by [`super::ses`]'s SES.

use super::golden::{GoldenBuffers, golden_alphas};
use super::ses::{golden_alpha, ses_level};

/// Smoothing of Croston's classic method and SBA (fixed in statsforecast).
const CROSTON_ALPHA: f64 = 0.1;
/// SBA's bias correction `1 − α/2` for α = 0.1.
const SBA_FACTOR: f64 = 0.95;
/// Bounds of the optimized Croston's search (statsforecast's `_optimized_ses_forecast`).
const OPT_BOUNDS: (f64, f64) = (0.1, 0.3);

/// SES of a sequence fed one value at a time, exact to [`ses_level`].
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct StreamSes {
    count: usize,
    first: f64,
    level: f64,
}

impl StreamSes {
    /// Feed the next value.
    #[inline]
    pub(crate) fn push(&mut self, v: f64, alpha: f64) {
        if self.count == 0 {
            self.first = v;
            self.level = v;
        }
        self.level = alpha * v + (1.0 - alpha) * self.level;
        self.count += 1;
    }

    /// Forecast after the values fed so far (`None` before the first).
    #[inline]
    pub(crate) fn forecast(&self) -> Option<f64> {
        match self.count {
            0 => None,
            1 => Some(self.first),
            _ => Some(self.level),
        }
    }
}

/// Croston's classic forecast with smoothing `alpha` on sizes and intervals.
pub fn croston(y: &[f64], alpha: f64) -> f64 {
    let mut size = StreamSes::default();
    let mut interval = StreamSes::default();
    let mut prev = 0usize;
    for (t, &v) in y.iter().enumerate() {
        if v > 0.0 {
            size.push(v, alpha);
        }
        if v != 0.0 {
            interval.push((t + 1 - prev) as f64, alpha);
            prev = t + 1;
        }
    }
    ratio(y, size.forecast(), interval.forecast())
}

/// statsforecast's CrostonClassic (α = 0.1).
pub fn croston_classic(y: &[f64]) -> f64 {
    croston(y, CROSTON_ALPHA)
}

/// statsforecast's CrostonSBA: classic × 0.95.
pub fn croston_sba(y: &[f64]) -> f64 {
    croston_classic(y) * SBA_FACTOR
}

/// statsforecast's CrostonOptimized: sizes and intervals each with their own α in [0.1, 0.3].
pub fn croston_optimized(y: &[f64], sizes: &mut Vec<f64>, intervals: &mut Vec<f64>) -> f64 {
    split_sizes_intervals(y, sizes, intervals);
    if sizes.is_empty() {
        return naive_or_nan(y);
    }
    let (lo, hi) = OPT_BOUNDS;
    let size = ses_level(sizes, golden_alpha(sizes, lo, hi));
    let interval = ses_level(intervals, golden_alpha(intervals, lo, hi));
    ratio(y, Some(size), Some(interval))
}

/// [`croston_optimized`] of many histories (`out[i]` for `ys[i]`, bit for bit), with
/// every size and interval search of the batch run side by side.
pub(crate) fn croston_optimized_many(
    ys: &[&[f64]],
    out: &mut [f64],
    data: &mut Vec<f64>,
    spans: &mut Vec<(usize, usize)>,
    alphas: &mut Vec<f64>,
    golden: &mut GoldenBuffers,
) {
    data.clear();
    spans.clear();
    for y in ys {
        let start = data.len();
        let mut prev = 0usize;
        data.extend(y.iter().copied().filter(|&v| v > 0.0));
        let middle = data.len();
        for (t, &v) in y.iter().enumerate() {
            if v != 0.0 {
                data.push((t + 1 - prev) as f64);
                prev = t + 1;
            }
        }
        spans.push((start, middle));
        spans.push((middle, data.len()));
    }
    let seqs: Vec<&[f64]> = spans.iter().map(|&(s, e)| &data[s..e]).collect();
    alphas.clear();
    alphas.resize(seqs.len(), f64::NAN);
    golden_alphas(&seqs, OPT_BOUNDS.0, OPT_BOUNDS.1, alphas, golden);
    for (i, (y, o)) in ys.iter().zip(out.iter_mut()).enumerate() {
        let (sizes, intervals) = (seqs[2 * i], seqs[2 * i + 1]);
        *o = if y.is_empty() {
            f64::NAN
        } else if sizes.is_empty() {
            naive_or_nan(y)
        } else {
            let size = ses_level(sizes, alphas[2 * i]);
            let interval = ses_level(intervals, alphas[2 * i + 1]);
            ratio(y, Some(size), Some(interval))
        };
    }
}

/// The positive values and the intervals between non-zero values.
pub(crate) fn split_sizes_intervals(y: &[f64], sizes: &mut Vec<f64>, intervals: &mut Vec<f64>) {
    sizes.clear();
    intervals.clear();
    let mut prev = 0usize;
    for (t, &v) in y.iter().enumerate() {
        if v > 0.0 {
            sizes.push(v);
        }
        if v != 0.0 {
            intervals.push((t + 1 - prev) as f64);
            prev = t + 1;
        }
    }
}

/// Size over interval; without demand statsforecast falls back to the naive forecast.
fn ratio(y: &[f64], size: Option<f64>, interval: Option<f64>) -> f64 {
    match (size, interval) {
        (Some(s), Some(i)) if i != 0.0 => s / i,
        (Some(s), _) => s,
        (None, _) => naive_or_nan(y),
    }
}

fn naive_or_nan(y: &[f64]) -> f64 {
    y.last().copied().unwrap_or(f64::NAN)
}

/// statsforecast's TSB: SES of demand occurrence (α_p) times SES of demand sizes (α_d).
pub fn tsb(y: &[f64], alpha_d: f64, alpha_p: f64) -> f64 {
    if y.is_empty() {
        return f64::NAN;
    }
    let mut size = StreamSes::default();
    let mut prob = StreamSes::default();
    for &v in y {
        if v > 0.0 {
            size.push(v, alpha_d);
        }
        prob.push(if v != 0.0 { 1.0 } else { 0.0 }, alpha_p);
    }
    match (size.forecast(), prob.forecast()) {
        (Some(s), Some(p)) => p * s,
        // All zero (statsforecast returns zeros) or no positive demand at all.
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const Y: [f64; 8] = [0.0, 3.0, 0.0, 0.0, 6.0, 0.0, 2.0, 0.0];

    #[test]
    fn croston_smooths_sizes_and_intervals_separately() {
        // sizes 3, 6, 2 → SES(0.1): 3 → 3 → 3.3 → 3.17
        // intervals 2, 3, 2 → SES(0.1): 2 → 2 → 2.1 → 2.09
        let want = 3.17 / 2.09;
        assert!((croston_classic(&Y) - want).abs() < 1e-12);
        assert!((croston_sba(&Y) - 0.95 * want).abs() < 1e-12);
    }

    #[test]
    fn croston_with_a_single_demand_is_size_over_first_interval() {
        assert_eq!(croston_classic(&[0.0, 0.0, 0.0, 6.0, 0.0]), 1.5);
    }

    #[test]
    fn croston_without_demand_falls_back_to_the_last_value() {
        assert_eq!(croston_classic(&[0.0, 0.0]), 0.0);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        assert_eq!(croston_optimized(&[0.0, 0.0], &mut a, &mut b), 0.0);
    }

    #[test]
    fn optimized_croston_uses_alphas_within_bounds() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let f = croston_optimized(&Y, &mut a, &mut b);
        assert_eq!(a, vec![3.0, 6.0, 2.0]);
        assert_eq!(b, vec![2.0, 3.0, 2.0]);
        // Any α in [0.1, 0.3] gives sizes in [3.17, 3.51] and intervals in [2.09, 2.27].
        assert!(f > 3.17 / 2.27 - 1e-9 && f < 3.51 / 2.09 + 1e-9, "{f}");
        let sa = golden_alpha(&a, 0.1, 0.3);
        let ia = golden_alpha(&b, 0.1, 0.3);
        assert!((f - ses_level(&a, sa) / ses_level(&b, ia)).abs() < 1e-15);
    }

    #[test]
    fn tsb_multiplies_occurrence_and_size() {
        // occurrence 0,1,0,0,1,0,1,0 → SES(0.5) from 0: 0,0,.5,.25,.125,.5625,.28125,.640625,.3203125
        // sizes 3, 6, 2 → SES(0.5): 3 → 3 → 4.5 → 3.25
        let f = tsb(&Y, 0.5, 0.5);
        assert!((f - 0.3203125 * 3.25).abs() < 1e-12);
        assert_eq!(tsb(&[0.0, 0.0, 0.0], 0.1, 0.1), 0.0);
    }
}
