//! Temporal aggregation methods ADIDA and IMAPA, as statsforecast 2.x.
//!
//! Both aggregate the series into non-overlapping buckets aligned to its end (the
//! oldest `len % level` values are dropped), forecast the bucket sums with optimized
//! SES (α in [0.1, 0.3]) and divide by the bucket length. The aggregation level is the
//! mean interval between demands, rounded half to even (Python's `round`).

use super::golden::{GoldenBuffers, golden_alphas};
use super::ses::{golden_alpha, ses_level};

/// Bounds of the SES optimizer used on bucket sums.
const BOUNDS: (f64, f64) = (0.1, 0.3);

/// Mean interval between non-zero values rounded half to even, `None` when all are zero.
pub fn aggregation_level(y: &[f64]) -> Option<usize> {
    let mut count = 0usize;
    let mut last = 0usize;
    for (t, &v) in y.iter().enumerate() {
        if v != 0.0 {
            count += 1;
            last = t;
        }
    }
    // The intervals telescope: their sum is the position of the last demand plus one.
    (count > 0).then(|| ((last + 1) as f64 / count as f64).round_ties_even() as usize)
}

/// Sums of consecutive buckets of `level` values aligned to the end of `y`.
pub(crate) fn bucket_sums(y: &[f64], level: usize, out: &mut Vec<f64>) {
    out.clear();
    push_bucket_sums(y, level, out);
}

/// [`bucket_sums`] appended to `out`.
fn push_bucket_sums(y: &[f64], level: usize, out: &mut Vec<f64>) {
    let lost = y.len() % level;
    out.extend(y[lost..].chunks_exact(level).map(|c| {
        let mut s = 0.0;
        for &v in c {
            s += v;
        }
        s
    }));
}

/// statsforecast's `chunk_forecast`: optimized SES forecast of the bucket sums.
pub(crate) fn chunk_forecast(y: &[f64], level: usize, sums: &mut Vec<f64>) -> f64 {
    if y.len() < level {
        return y.last().copied().unwrap_or(f64::NAN);
    }
    bucket_sums(y, level, sums);
    if sums.len() == 1 {
        return sums[0];
    }
    ses_level(sums, golden_alpha(sums, BOUNDS.0, BOUNDS.1))
}

/// statsforecast's ADIDA forecast.
pub fn adida(y: &[f64], sums: &mut Vec<f64>) -> f64 {
    match aggregation_level(y) {
        None => 0.0,
        Some(level) => chunk_forecast(y, level, sums) / level as f64,
    }
}

/// statsforecast's IMAPA forecast: mean over levels 1..=ADIDA's level of per-level forecasts.
pub fn imapa(y: &[f64], sums: &mut Vec<f64>) -> f64 {
    let Some(max_level) = aggregation_level(y) else {
        return 0.0;
    };
    let mut total = 0.0;
    for level in 1..=max_level {
        bucket_sums(y, level, sums);
        let f = ses_level(sums, golden_alpha(sums, BOUNDS.0, BOUNDS.1));
        total += f / level as f64;
    }
    total / max_level as f64
}

/// Buffers of the batched ADIDA and IMAPA: every bucket-sum sequence of a batch.
#[derive(Debug, Default, Clone)]
pub(crate) struct AggregateBuffers {
    data: Vec<f64>,
    spans: Vec<(usize, usize)>,
    alphas: Vec<f64>,
    golden: GoldenBuffers,
}

impl AggregateBuffers {
    fn clear(&mut self) {
        self.data.clear();
        self.spans.clear();
    }

    /// Append the bucket sums of `y` at `level` as the next sequence.
    fn push(&mut self, y: &[f64], level: usize) {
        let start = self.data.len();
        push_bucket_sums(y, level, &mut self.data);
        self.spans.push((start, self.data.len()));
    }

    /// Search every sequence pushed; returns them with their α's.
    fn solve(&mut self) -> (Vec<&[f64]>, &[f64]) {
        let seqs: Vec<&[f64]> = self.spans.iter().map(|&(s, e)| &self.data[s..e]).collect();
        self.alphas.clear();
        self.alphas.resize(seqs.len(), f64::NAN);
        golden_alphas(
            &seqs,
            BOUNDS.0,
            BOUNDS.1,
            &mut self.alphas,
            &mut self.golden,
        );
        (seqs, &self.alphas)
    }
}

/// [`adida`] of many histories (`out[i]` for `ys[i]`, bit for bit), every bucket-sum
/// search of the batch run side by side. An empty history gives NaN.
pub(crate) fn adida_many(ys: &[&[f64]], out: &mut [f64], buf: &mut AggregateBuffers) {
    buf.clear();
    // Per history: its level when its buckets were pushed (sequences in history order).
    let mut searched = Vec::with_capacity(ys.len());
    for y in ys {
        let level = aggregation_level(y).filter(|&l| y.len() >= l);
        if let Some(level) = level {
            buf.push(y, level);
        }
        searched.push(level);
    }
    let (seqs, alphas) = buf.solve();
    let mut next = 0;
    for ((y, o), level) in ys.iter().zip(out.iter_mut()).zip(searched) {
        *o = match level {
            _ if y.is_empty() => f64::NAN,
            Some(level) => {
                let (sums, alpha) = (seqs[next], alphas[next]);
                next += 1;
                let f = if sums.len() == 1 {
                    sums[0]
                } else {
                    ses_level(sums, alpha)
                };
                f / level as f64
            }
            None => adida(y, &mut Vec::new()),
        };
    }
}

/// [`imapa`] of many histories (`out[i]` for `ys[i]`, bit for bit), the searches of
/// every level of every history run side by side. An empty history gives NaN.
pub(crate) fn imapa_many(ys: &[&[f64]], out: &mut [f64], buf: &mut AggregateBuffers) {
    buf.clear();
    let mut max_levels = Vec::with_capacity(ys.len());
    for y in ys {
        let max_level = aggregation_level(y);
        for level in 1..=max_level.unwrap_or(0) {
            buf.push(y, level);
        }
        max_levels.push(max_level);
    }
    let (seqs, alphas) = buf.solve();
    let mut next = 0;
    for ((y, o), max_level) in ys.iter().zip(out.iter_mut()).zip(max_levels) {
        *o = match max_level {
            _ if y.is_empty() => f64::NAN,
            None => 0.0,
            Some(max_level) => {
                let mut total = 0.0;
                for level in 1..=max_level {
                    total += ses_level(seqs[next], alphas[next]) / level as f64;
                    next += 1;
                }
                total / max_level as f64
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_is_the_rounded_mean_interval_half_to_even() {
        // demands at 1 and 4: intervals 2, 3 → mean 2.5 → 2
        assert_eq!(aggregation_level(&[0.0, 1.0, 0.0, 0.0, 1.0, 0.0]), Some(2));
        // demands at 2 and 6: intervals 3, 4 → 3.5 → 4
        assert_eq!(
            aggregation_level(&[0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]),
            Some(4)
        );
        assert_eq!(aggregation_level(&[0.0, 0.0]), None);
    }

    #[test]
    fn buckets_are_aligned_to_the_end() {
        let mut out = Vec::new();
        bucket_sums(&[9.0, 1.0, 2.0, 3.0, 4.0], 2, &mut out);
        assert_eq!(out, vec![3.0, 7.0]);
    }

    #[test]
    fn adida_divides_the_bucket_forecast_by_the_level() {
        // level 2; buckets (3+0), (0+3), (0+3): constant 3 → SES 3 → 1.5 per period
        let y = [0.0, 3.0, 0.0, 0.0, 3.0, 0.0, 3.0];
        let mut sums = Vec::new();
        assert_eq!(aggregation_level(&y), Some(2));
        assert!((adida(&y, &mut sums) - 1.5).abs() < 1e-12);
        assert_eq!(adida(&[0.0; 4], &mut sums), 0.0);
    }

    #[test]
    fn adida_with_a_single_bucket_uses_its_sum() {
        // one demand at the end: level 4 → one bucket of 4 → 8 / 4
        let mut sums = Vec::new();
        assert_eq!(adida(&[0.0, 0.0, 0.0, 8.0], &mut sums), 2.0);
    }

    #[test]
    fn batched_adida_and_imapa_equal_one_at_a_time() {
        let ys: [&[f64]; 7] = [
            &[0.0, 4.0, 0.0, 4.0, 0.0, 0.0, 3.0, 0.0, 1.0, 0.0],
            &[0.0; 10],
            &[1.0, 2.0, 3.0, 1.0, 0.0, 2.0, 5.0, 1.0, 1.0, 2.0],
            &[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 7.5],
            &[2.0, 0.0, 1.0, 0.0, 5.0, 0.0, 0.0, 3.0, 0.0, 1.0, 4.0, 0.0],
            &[0.0, 0.0, 8.0],
            &[],
        ];
        let mut buf = AggregateBuffers::default();
        let mut sums = Vec::new();
        let mut got = [0.0; 7];
        adida_many(&ys, &mut got, &mut buf);
        for (y, g) in ys.iter().zip(got) {
            let want = if y.is_empty() {
                f64::NAN
            } else {
                adida(y, &mut sums)
            };
            assert_eq!(g.to_bits(), want.to_bits(), "adida {y:?}");
        }
        imapa_many(&ys, &mut got, &mut buf);
        for (y, g) in ys.iter().zip(got) {
            let want = if y.is_empty() {
                f64::NAN
            } else {
                imapa(y, &mut sums)
            };
            assert_eq!(g.to_bits(), want.to_bits(), "imapa {y:?}");
        }
    }

    #[test]
    fn imapa_averages_the_levels() {
        // level 2: level 1 on [0,4,0,4] and level 2 on [4,4]
        let y = [0.0, 4.0, 0.0, 4.0];
        let mut sums = Vec::new();
        let l1 = {
            let a = golden_alpha(&y, 0.1, 0.3);
            ses_level(&y, a)
        };
        let want = (l1 + 4.0 / 2.0) / 2.0;
        assert!((imapa(&y, &mut sums) - want).abs() < 1e-12);
    }
}
