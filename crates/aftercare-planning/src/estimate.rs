//! The demand estimate of a stock policy from one fit per series.
//!
//! A replay ([`crate::simulate`]) refits the forecaster on every prefix of the history
//! and takes the variance from the one-step errors `y[j] − f(y[..j])` of those refits.
//! With `auto` that is a full backtest selection per prefix: fine for replaying a few
//! thousand items, far too slow for planning a million.
//!
//! Planning uses the fit it already has instead. The method (or `auto`'s combination) is
//! chosen once, on the whole history; its members are rolled over the history in one pass
//! each ([`crate::auto::rolling_levels_fitted_on`], the same machinery the backtest
//! scores with), giving the one-step forecast after every prefix, and the last forecast
//! is the full fit. The variance then follows the replay's own rules
//! ([`crate::simulate::demand_estimate`]: the same [`VarianceModel`] and
//! [`ErrorWindow`]), so the two agree where they can:
//!
//! - For a fixed-parameter method the forecasts are exactly the replay's refits, and so
//!   is the estimate (a test checks this).
//! - Optimized members keep the smoothing parameters fitted on the whole history for every
//!   prefix, so their one-step errors are in-sample residuals, as a fitted model's are.
//! - For `auto` the errors are those of today's choice: they differ from the replay's
//!   only where an earlier prefix would have chosen differently.

use crate::auto::{RollBuffers, rolling_levels_fitted_on};
use crate::forecast::Method;
use crate::policy::DemandEstimate;
use crate::simulate::{ErrorWindow, VarianceModel, demand_estimate};

/// Reusable buffers of [`estimate_from_fit`].
#[derive(Debug, Default, Clone)]
pub struct EstimateBuffers {
    forecasts: Vec<f64>,
    member: Vec<f64>,
    roll: RollBuffers,
}

/// Forecasts `f[t]` after `y[..t]` for `t` in `0..=y.len()` of the average of `members`,
/// each fitted on the whole of `y` (see the module doc); `f[0]` is NaN and
/// `f[y.len()] = final_level`, the full fit.
pub fn fitted_one_step_forecasts<'a, 'b>(
    y: &[f64],
    members: impl IntoIterator<Item = &'a Method>,
    final_level: f64,
    buf: &'b mut EstimateBuffers,
) -> &'b [f64] {
    let n = y.len();
    let EstimateBuffers {
        forecasts,
        member,
        roll,
    } = buf;
    forecasts.clear();
    forecasts.resize(n + 1, 0.0);
    forecasts[0] = f64::NAN;
    if n >= 2 {
        let mut count = 0.0;
        for m in members {
            member.clear();
            member.resize(n - 1, f64::NAN);
            rolling_levels_fitted_on(m, y, 1, n, member, roll);
            for (f, &v) in forecasts[1..n].iter_mut().zip(member.iter()) {
                *f += v;
            }
            count += 1.0;
        }
        for f in &mut forecasts[1..n] {
            *f = if count > 0.0 { *f / count } else { f64::NAN };
        }
    }
    forecasts[n] = final_level;
    forecasts
}

/// Demand estimate after the whole of `y` from one fit: mean `final_level`, variance
/// from the one-step errors of `members` over the history by the replay's rules, over a
/// protection interval of `horizon` periods.
pub fn estimate_from_fit<'a>(
    y: &[f64],
    members: impl IntoIterator<Item = &'a Method>,
    final_level: f64,
    horizon: usize,
    variance: VarianceModel,
    errors: ErrorWindow,
    buf: &mut EstimateBuffers,
) -> DemandEstimate {
    let forecasts = fitted_one_step_forecasts(y, members, final_level, buf);
    demand_estimate(y, forecasts, horizon, variance, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::{MethodParams, Scratch};
    use crate::simulate::prefix_forecasts;

    fn series() -> Vec<f64> {
        vec![
            0.0, 0.0, 3.0, 0.0, 0.0, 6.0, 0.0, 2.0, 0.0, 1.0, 0.0, 0.0, 4.0, 0.0, 2.0, 0.0, 0.0,
            5.0, 0.0, 1.0, 3.0, 0.0, 0.0, 0.0, 7.0,
        ]
    }

    #[test]
    fn a_fixed_method_gets_exactly_the_estimate_a_replay_makes_at_the_end() {
        let y = series();
        let mut scratch = Scratch::default();
        let mut buf = EstimateBuffers::default();
        for m in Method::all(&MethodParams::default()) {
            if matches!(
                m,
                Method::SesOptimized | Method::CrostonOptimized | Method::Adida | Method::Imapa
            ) {
                continue;
            }
            let refits = prefix_forecasts(&y, |p| m.level(p, &mut scratch));
            for (variance, errors, horizon) in [
                (
                    VarianceModel::ScaledOneStep,
                    ErrorWindow::AfterFirstDemand,
                    4,
                ),
                (VarianceModel::ScaledOneStep, ErrorWindow::FromStart, 2),
                (VarianceModel::LeadTimeErrors, ErrorWindow::FromStart, 3),
            ] {
                let want = demand_estimate(&y, &refits, horizon, variance, errors);
                let level = m.level(&y, &mut scratch);
                let got = estimate_from_fit(&y, [&m], level, horizon, variance, errors, &mut buf);
                assert!(
                    (got.mean_per_period - want.mean_per_period).abs() < 1e-12
                        && (got.variance_per_period - want.variance_per_period).abs()
                            < 1e-9 * want.variance_per_period.max(1.0),
                    "{}: {got:?} vs {want:?}",
                    m.code()
                );
            }
        }
    }

    #[test]
    fn a_combination_forecasts_the_mean_of_its_members() {
        let y = series();
        let (a, b) = (Method::HistoricAverage, Method::Naive);
        let mut buf = EstimateBuffers::default();
        let both = fitted_one_step_forecasts(&y, [&a, &b], 9.0, &mut buf).to_vec();
        let fa = fitted_one_step_forecasts(&y, [&a], 9.0, &mut buf).to_vec();
        let fb = fitted_one_step_forecasts(&y, [&b], 9.0, &mut buf).to_vec();
        for t in 1..y.len() {
            assert!((both[t] - 0.5 * (fa[t] + fb[t])).abs() < 1e-12, "at {t}");
        }
        assert_eq!(both[y.len()], 9.0);
        assert!(both[0].is_nan());
    }

    #[test]
    fn short_histories_give_a_finite_estimate() {
        let mut buf = EstimateBuffers::default();
        for y in [vec![], vec![2.0], vec![0.0, 1.0]] {
            let e = estimate_from_fit(
                &y,
                [&Method::CrostonSba],
                1.0,
                3,
                VarianceModel::ScaledOneStep,
                ErrorWindow::AfterFirstDemand,
                &mut buf,
            );
            assert!(e.variance_per_period.is_finite(), "{y:?}: {e:?}");
        }
    }
}
