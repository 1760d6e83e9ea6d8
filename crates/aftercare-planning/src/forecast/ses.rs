//! Simple exponential smoothing as statsforecast 2.x computes it (`src/ses.cpp`).
//!
//! The level starts at the first observation and is then updated with every
//! observation, the first included; the one-step forecast is the final level. The
//! optimizer is statsforecast's golden-section search on the in-sample sum of squared
//! one-step errors, reproduced operation for operation so that it takes the same path.

/// Interval width at which the golden-section search stops (statsforecast's value).
pub(crate) const GOLDEN_TOL: f64 = 1e-12;

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
    fn optimized_alpha_has_no_higher_loss_than_a_grid() {
        let x = [3.0, 0.0, 5.0, 1.0, 0.0, 8.0, 2.0, 2.0, 0.0, 6.0];
        let (_, alpha) = optimized_ses(&x, 0.01, 0.99);
        let best = ses_sse(&x, alpha);
        for i in 1..99 {
            assert!(best <= ses_sse(&x, i as f64 / 100.0) + 1e-9);
        }
    }
}
