//! The gamma distribution of demand, with what its loss function needs computed once.
//!
//! A stock level search evaluates the loss function of the same distribution a dozen
//! times, and a replay does that for every item and period. `statrs`'s incomplete gamma
//! recomputes `ln Γ(a)` on every call and the loss needs it twice (`Q(a, y)` and
//! `Q(a + 1, y)`); here `ln Γ(a)` is kept with the distribution, and one prefactor
//! `yᵃe⁻ʸ/Γ(a)` serves both `Q(a, y)` and the density term of the loss, which is
//! `E[(X − x)⁺] = (μ − x)·Q(a, y) + θ·yᵃe⁻ʸ/Γ(a)` with `y = x/θ`
//! (from `Q(a + 1, y) = Q(a, y) + yᵃe⁻ʸ/Γ(a + 1)`).

use statrs::function::gamma::ln_gamma;

/// Relative accuracy of the series and continued fraction.
const EPS: f64 = 1e-15;
/// Smallest magnitude kept in the continued fraction (Lentz's method).
const TINY: f64 = 1e-300;
/// Iteration cap; both expansions converge in far fewer steps for the shapes of demand.
const MAX_ITER: usize = 10_000;

/// Gamma-distributed demand with mean `mean` and variance `variance` (both > 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GammaDemand {
    mean: f64,
    variance: f64,
    shape: f64,
    scale: f64,
    ln_gamma_shape: f64,
}

impl GammaDemand {
    /// The gamma distribution with this mean and variance (shape `μ²/σ²`, scale `σ²/μ`).
    pub fn new(mean: f64, variance: f64) -> Self {
        let shape = mean * mean / variance;
        Self {
            mean,
            variance,
            shape,
            scale: variance / mean,
            ln_gamma_shape: ln_gamma(shape),
        }
    }

    /// Mean.
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// Variance.
    pub fn variance(&self) -> f64 {
        self.variance
    }

    /// `yᵃe⁻ʸ/Γ(a)` at `y = x/θ`, and `Q(a, y)`.
    fn prefactor_and_upper(&self, x: f64) -> (f64, f64) {
        let a = self.shape;
        let y = x / self.scale;
        let pre = (a * y.ln() - y - self.ln_gamma_shape).exp();
        let q = if y < a + 1.0 {
            1.0 - pre * lower_series(a, y)
        } else {
            pre * upper_fraction(a, y)
        };
        (pre, q.clamp(0.0, 1.0))
    }

    /// `P(X ≤ x)`.
    pub fn cdf(&self, x: f64) -> f64 {
        if x <= 0.0 {
            return 0.0;
        }
        1.0 - self.prefactor_and_upper(x).1
    }

    /// Loss function `E[(X − x)⁺]`.
    pub fn loss(&self, x: f64) -> f64 {
        if x <= 0.0 {
            return self.mean - x;
        }
        let (pre, q) = self.prefactor_and_upper(x);
        ((self.mean - x) * q + self.scale * pre).max(0.0)
    }
}

/// `P(a, y)·Γ(a)·eʸ/yᵃ = Σ yⁿ / (a(a+1)…(a+n))`, for `y < a + 1`.
fn lower_series(a: f64, y: f64) -> f64 {
    let mut term = 1.0 / a;
    let mut sum = term;
    let mut ap = a;
    for _ in 0..MAX_ITER {
        ap += 1.0;
        term *= y / ap;
        sum += term;
        if term.abs() < sum.abs() * EPS {
            break;
        }
    }
    sum
}

/// `Q(a, y)·Γ(a)·eʸ/yᵃ` by its continued fraction (modified Lentz), for `y ≥ a + 1`.
fn upper_fraction(a: f64, y: f64) -> f64 {
    let mut b = y + 1.0 - a;
    let mut c = 1.0 / TINY;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..MAX_ITER {
        let an = -(i as f64) * (i as f64 - a);
        b += 2.0;
        d = an * d + b;
        if d.abs() < TINY {
            d = TINY;
        }
        c = b + an / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::function::gamma::{gamma_lr, gamma_ur};

    /// The loss as `statrs` computes it: `μ·Q(a + 1, y) − x·Q(a, y)`.
    fn reference_loss(g: &GammaDemand, x: f64) -> f64 {
        let y = x / g.scale;
        (g.mean * gamma_ur(g.shape + 1.0, y) - x * gamma_ur(g.shape, y)).max(0.0)
    }

    #[test]
    fn loss_and_cdf_agree_with_statrs() {
        for (mean, variance) in [
            (12.0, 1600.0),
            (0.5, 30.0),
            (40.0, 900.0),
            (300.0, 2000.0),
            (3.0, 4.0),
            (0.02, 0.9),
        ] {
            let g = GammaDemand::new(mean, variance);
            let sd = variance.sqrt();
            for k in [0.001, 0.1, 0.5, 1.0, 1.5, 3.0, 8.0, 20.0] {
                let x = k * (mean + sd);
                let (ours, want) = (g.loss(x), reference_loss(&g, x));
                assert!(
                    (ours - want).abs() <= 1e-9 * mean.max(1.0),
                    "loss μ {mean} σ² {variance} x {x}: {ours} vs {want}"
                );
                let want_cdf = gamma_lr(g.shape, x / g.scale);
                assert!(
                    (g.cdf(x) - want_cdf).abs() <= 1e-12,
                    "cdf μ {mean} σ² {variance} x {x}: {} vs {want_cdf}",
                    g.cdf(x)
                );
            }
        }
    }

    #[test]
    fn loss_at_zero_and_below_is_the_shortfall_of_the_mean() {
        let g = GammaDemand::new(2.0, 8.0);
        assert_eq!(g.loss(0.0), 2.0);
        assert_eq!(g.loss(-1.0), 3.0);
        assert_eq!(g.cdf(0.0), 0.0);
    }
}
