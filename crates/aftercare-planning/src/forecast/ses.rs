//! Simple exponential smoothing as statsforecast 2.x computes it (`src/ses.cpp`).
//!
//! The level starts at the first observation and is then updated with every
//! observation, the first included; the one-step forecast is the final level. The
//! optimizer is statsforecast's golden-section search on the in-sample sum of squared
//! one-step errors, reproduced operation for operation so that it takes the same path.

/// Interval width at which the golden-section search stops (statsforecast's value).
const GOLDEN_TOL: f64 = 1e-12;

/// One-step-ahead SES forecast after all of `x` (NaN for an empty slice).
pub fn ses_level(x: &[f64], alpha: f64) -> f64 {
    match x {
        [] => f64::NAN,
        [only] => *only,
        [first, ..] => {
            let c = 1.0 - alpha;
            let mut f = *first;
            for &v in x {
                f = alpha * v + c * f;
            }
            f
        }
    }
}

/// In-sample sum of squared one-step errors of SES with smoothing `alpha`.
pub fn ses_sse(x: &[f64], alpha: f64) -> f64 {
    if x.len() < 2 {
        return 0.0;
    }
    let c = 1.0 - alpha;
    let mut f = x[0];
    let mut sse = 0.0;
    for w in x.windows(2) {
        f = alpha * w[0] + c * f;
        let e = w[1] - f;
        sse += e * e;
    }
    sse
}

/// Smoothing parameter in `[lo, hi]` minimizing [`ses_sse`], by statsforecast's golden section.
pub fn golden_alpha(x: &[f64], lo: f64, hi: f64) -> f64 {
    golden_section(lo, hi, |a| ses_sse(x, a))
}

/// [`golden_alpha`] stopping once the bracket is narrower than `tol` (a coarse fit).
pub fn golden_alpha_tol(x: &[f64], lo: f64, hi: f64, tol: f64) -> f64 {
    golden_section_tol(lo, hi, tol, |a| ses_sse(x, a))
}

/// Golden-section minimization of `f` on `[lo, hi]`, stopping at an exact tie.
pub(crate) fn golden_section(lo: f64, hi: f64, f: impl FnMut(f64) -> f64) -> f64 {
    golden_section_tol(lo, hi, GOLDEN_TOL, f)
}

fn golden_section_tol(lo: f64, hi: f64, tol: f64, mut f: impl FnMut(f64) -> f64) -> f64 {
    let gr = (5.0f64.sqrt() + 1.0) / 2.0;
    let (mut a, mut b) = (lo, hi);
    let mut c = b - (b - a) / gr;
    let mut d = a + (b - a) / gr;
    let mut fc = f(c);
    let mut fd = f(d);
    while (b - a).abs() >= tol {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - (b - a) / gr;
            fc = f(c);
        } else if fd < fc {
            a = c;
            c = d;
            fc = fd;
            d = a + (b - a) / gr;
            fd = f(d);
        } else {
            break;
        }
    }
    (b + a) / 2.0
}

/// Optimized SES: `(forecast, alpha)` with alpha chosen in `[lo, hi]`.
pub fn optimized_ses(x: &[f64], lo: f64, hi: f64) -> (f64, f64) {
    let alpha = golden_alpha(x, lo, hi);
    (ses_level(x, alpha), alpha)
}

/// [`ses_sse`] of `L` equal-length series at once, one smoothing parameter each.
///
/// The lanes are independent recursions interleaved in one loop, so the processor
/// overlaps their latencies; each lane performs exactly the scalar operations.
pub(crate) fn ses_sse_lanes<const L: usize>(xs: &[&[f64]; L], alphas: &[f64; L]) -> [f64; L] {
    let n = xs[0].len();
    debug_assert!(xs.iter().all(|x| x.len() == n));
    if n < 2 {
        return [0.0; L];
    }
    let xs: [&[f64]; L] = std::array::from_fn(|l| &xs[l][..n]);
    let c: [f64; L] = std::array::from_fn(|l| 1.0 - alphas[l]);
    let mut f: [f64; L] = std::array::from_fn(|l| xs[l][0]);
    let mut sse = [0.0; L];
    for i in 1..n {
        for l in 0..L {
            f[l] = alphas[l] * xs[l][i - 1] + c[l] * f[l];
            let e = xs[l][i] - f[l];
            sse[l] += e * e;
        }
    }
    sse
}

/// [`golden_alpha`] of `L` equal-length series at once, bit-identical to `L` scalar calls.
pub fn golden_alpha_lanes<const L: usize>(xs: &[&[f64]; L], lo: f64, hi: f64) -> [f64; L] {
    let gr = (5.0f64.sqrt() + 1.0) / 2.0;
    let (mut a, mut b) = ([lo; L], [hi; L]);
    let mut c = [hi - (hi - lo) / gr; L];
    let mut d = [lo + (hi - lo) / gr; L];
    let mut fc = ses_sse_lanes(xs, &c);
    let mut fd = ses_sse_lanes(xs, &d);
    let mut done = [false; L];
    // Which bound each lane moved this round: true = c was replaced (evaluate c).
    let mut moved_c = [false; L];
    loop {
        let mut points = [0.0; L];
        for l in 0..L {
            if done[l] || (b[l] - a[l]).abs() < GOLDEN_TOL {
                done[l] = true;
                points[l] = c[l];
                continue;
            }
            if fc[l] < fd[l] {
                b[l] = d[l];
                d[l] = c[l];
                fd[l] = fc[l];
                c[l] = b[l] - (b[l] - a[l]) / gr;
                moved_c[l] = true;
                points[l] = c[l];
            } else if fd[l] < fc[l] {
                a[l] = c[l];
                c[l] = d[l];
                fc[l] = fd[l];
                d[l] = a[l] + (b[l] - a[l]) / gr;
                moved_c[l] = false;
                points[l] = d[l];
            } else {
                done[l] = true;
                points[l] = c[l];
            }
        }
        if done.iter().all(|&x| x) {
            break;
        }
        let values = ses_sse_lanes(xs, &points);
        for l in 0..L {
            if !done[l] {
                if moved_c[l] {
                    fc[l] = values[l];
                } else {
                    fd[l] = values[l];
                }
            }
        }
    }
    std::array::from_fn(|l| (b[l] + a[l]) / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_starts_at_the_first_value_and_updates_with_every_value() {
        // f = 2; f = .5*2+.5*2 = 2; f = .5*4+.5*2 = 3; f = .5*0+.5*3 = 1.5
        assert_eq!(ses_level(&[2.0, 4.0, 0.0], 0.5), 1.5);
        assert_eq!(ses_level(&[7.0], 0.3), 7.0);
        assert!(ses_level(&[], 0.3).is_nan());
    }

    #[test]
    fn sse_sums_squared_one_step_errors() {
        // forecasts of x1, x2: 2, 3 → errors 2, -3
        assert_eq!(ses_sse(&[2.0, 4.0, 0.0], 0.5), 13.0);
        assert_eq!(ses_sse(&[2.0], 0.5), 0.0);
    }

    #[test]
    fn golden_section_finds_the_minimum_of_a_parabola() {
        let m = golden_section(0.0, 1.0, |a| (a - 0.3) * (a - 0.3));
        assert!((m - 0.3).abs() < 1e-6);
    }

    #[test]
    fn a_flat_loss_stops_at_the_middle_of_the_bounds() {
        assert_eq!(golden_alpha(&[5.0], 0.1, 0.3), 0.2);
    }

    #[test]
    fn lanes_give_bit_identical_results_to_scalar_searches() {
        // Deterministic pseudo-random intermittent series, including a flat one.
        let mut state = 12345u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as f64 / (1u64 << 31) as f64
        };
        let series: Vec<Vec<f64>> = (0..4)
            .map(|k| {
                (0..40)
                    .map(|_| {
                        if k == 3 {
                            2.0
                        } else if next() < 0.4 {
                            (next() * 9.0).floor()
                        } else {
                            0.0
                        }
                    })
                    .collect()
            })
            .collect();
        let xs: [&[f64]; 4] = std::array::from_fn(|l| series[l].as_slice());
        let lanes = golden_alpha_lanes(&xs, 0.01, 0.99);
        for l in 0..4 {
            assert_eq!(
                lanes[l].to_bits(),
                golden_alpha(xs[l], 0.01, 0.99).to_bits(),
                "lane {l}"
            );
        }
    }

    #[test]
    fn optimized_alpha_has_no_higher_loss_than_a_grid() {
        let x = [3.0, 0.0, 5.0, 1.0, 0.0, 8.0, 2.0, 2.0, 0.0, 6.0];
        let (_, alpha) = optimized_ses(&x, 0.01, 0.99);
        let best = ses_sse(&x, alpha);
        for i in 1..99 {
            assert!(best <= ses_sse(&x, i as f64 / 100.0) + 1e-9);
        }
    }
}
