//! Temporal aggregation methods ADIDA and IMAPA, as statsforecast 2.x.
//!
//! Both aggregate the series into non-overlapping buckets aligned to its end (the
//! oldest `len % level` values are dropped), forecast the bucket sums with optimized
//! SES (α in [0.1, 0.3]) and divide by the bucket length. The aggregation level is the
//! mean interval between demands, rounded half to even (Python's `round`).

use super::ses::{golden_alpha, golden_alpha_lanes, ses_level};

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

/// [`imapa`] of four equal-length series at once (optimizer lanes across the series).
pub fn imapa_lanes(ys: &[&[f64]; 4], bufs: &mut [Vec<f64>; 4]) -> [f64; 4] {
    let levels = ys.map(aggregation_level);
    let max_level = levels.iter().flatten().copied().max().unwrap_or(0);
    let mut totals = [0.0; 4];
    for level in 1..=max_level {
        let active: [bool; 4] = std::array::from_fn(|l| levels[l].is_some_and(|m| m >= level));
        let first = active
            .iter()
            .position(|&a| a)
            .expect("some lane reaches max_level");
        for l in 0..4 {
            // Idle lanes repeat an active lane's buckets; their results are ignored.
            bucket_sums(ys[if active[l] { l } else { first }], level, &mut bufs[l]);
        }
        let xs: [&[f64]; 4] = std::array::from_fn(|l| bufs[l].as_slice());
        let alphas = golden_alpha_lanes(&xs, BOUNDS.0, BOUNDS.1);
        for l in 0..4 {
            if active[l] {
                totals[l] += ses_level(xs[l], alphas[l]) / level as f64;
            }
        }
    }
    std::array::from_fn(|l| match levels[l] {
        None => 0.0,
        Some(m) => totals[l] / m as f64,
    })
}

/// [`adida`] of four equal-length series with the same aggregation level, at once;
/// `None` when they do not qualify (then use [`adida`] one by one).
pub fn adida_lanes(ys: &[&[f64]; 4], bufs: &mut [Vec<f64>; 4]) -> Option<[f64; 4]> {
    let level = aggregation_level(ys[0])?;
    if ys.iter().any(|y| aggregation_level(y) != Some(level)) {
        return None;
    }
    for l in 0..4 {
        bucket_sums(ys[l], level, &mut bufs[l]);
    }
    if bufs[0].len() < 2 {
        return None;
    }
    let xs: [&[f64]; 4] = std::array::from_fn(|l| bufs[l].as_slice());
    let alphas = golden_alpha_lanes(&xs, BOUNDS.0, BOUNDS.1);
    Some(std::array::from_fn(|l| {
        ses_level(xs[l], alphas[l]) / level as f64
    }))
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
    fn adida_lanes_equal_scalar_adida_or_decline() {
        let a: &[f64] = &[0.0, 4.0, 0.0, 4.0, 0.0, 1.0, 3.0, 0.0, 1.0, 0.0];
        let b: &[f64] = &[2.0, 0.0, 1.0, 0.0, 5.0, 0.0, 0.0, 3.0, 0.0, 1.0];
        let mut bufs: [Vec<f64>; 4] = Default::default();
        let got = adida_lanes(&[a, b, a, b], &mut bufs).unwrap();
        let mut sums = Vec::new();
        assert_eq!(got[0].to_bits(), adida(a, &mut sums).to_bits());
        assert_eq!(got[1].to_bits(), adida(b, &mut sums).to_bits());
        let c: &[f64] = &[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 7.5];
        assert!(adida_lanes(&[a, b, c, a], &mut bufs).is_none());
    }

    #[test]
    fn imapa_lanes_equal_scalar_imapa() {
        let ys: [&[f64]; 4] = [
            &[0.0, 4.0, 0.0, 4.0, 0.0, 0.0, 3.0, 0.0, 1.0, 0.0],
            &[0.0; 10],
            &[1.0, 2.0, 3.0, 1.0, 0.0, 2.0, 5.0, 1.0, 1.0, 2.0],
            &[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 7.5],
        ];
        let mut bufs: [Vec<f64>; 4] = Default::default();
        let got = imapa_lanes(&ys, &mut bufs);
        let mut sums = Vec::new();
        for l in 0..4 {
            assert_eq!(
                got[l].to_bits(),
                imapa(ys[l], &mut sums).to_bits(),
                "lane {l}"
            );
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
