//! Distributions of demand over a protection interval (lead time, plus review period).
//!
//! Spare-parts demand is a count: most periods zero, then a few units. A normal
//! distribution fitted to such data puts mass below zero and too little in the tail, so
//! the policy maths here works with count distributions and only falls back to
//! continuous ones where they are accurate (high volume).
//!
//! # Choosing a distribution (`DistributionChoice::Auto`)
//!
//! Inputs: the mean `μ` and variance `σ²` of demand over the interval, and the counting
//! `unit` (the smallest quantity that can be demanded; 1 for whole units, `1/pack_size`
//! when demand is counted in packs of `pack_size` pieces). The count is `N = X / unit`,
//! with mean `m = μ/unit` and variance `v = σ²/unit²`.
//!
//! 1. `μ = 0` (or not finite): `Zero`: no demand expected, nothing to stock.
//! 2. `σ² = 0`: demand is known: `Normal` with sd 0 (a point mass at `μ`).
//! 3. High volume, `m ≥ HIGH_VOLUME_COUNT` (50 counts): a count distribution is no more
//!    accurate than a continuous one there for the loss function, and its table is long
//!    (demand counted in pieces of packs reaches thousands of counts; on MAN the
//!    negative-binomial tables made a calibrated replay 10× slower for the same result): `Normal` when the coefficient of
//!    variation `σ/μ ≤ NORMAL_MAX_CV` (then `P(X < 0)` is below 2.3 %), else `Gamma`
//!    (skewed, never negative).
//! 4. `v ≤ POISSON_MAX_DISPERSION · m` (variance close to or below the mean): `Poisson`,
//!    the least-variable count model that has the right mean.
//! 5. Otherwise (over-dispersed counts, the usual spare-parts case): `NegativeBinomial`
//!    with the same mean and variance.
//!
//! A discrete table that would need more than `MAX_TABLE_LEN` entries to reach a tail mass
//! of `TAIL_MASS` falls back to `Gamma` with the same mean and variance (a long table means
//! a large or very skewed count, where the continuous fit is as good and far cheaper: the
//! replay of MAN builds two tables per item and period).
//!
//! The empirical bootstrap (`willemain_bootstrap`) is used only when asked for: it needs
//! the raw history rather than a mean and variance, and it cannot represent demand sizes
//! larger than the history has seen.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use statrs::function::erf::{erfc, erfc_inv};
use statrs::function::gamma::ln_gamma;

use crate::gamma::GammaDemand;

/// Mean count above which demand is "high volume" and a continuous distribution is used.
pub const HIGH_VOLUME_COUNT: f64 = 50.0;
/// Largest coefficient of variation for which high-volume demand is taken as normal.
pub const NORMAL_MAX_CV: f64 = 0.5;
/// Largest variance-to-mean ratio (on counts) for which Poisson is chosen.
pub const POISSON_MAX_DISPERSION: f64 = 1.1;
/// Probability mass left out of a discrete table's upper tail.
pub const TAIL_MASS: f64 = 1e-9;
/// Longest discrete table built before falling back to a continuous distribution.
pub const MAX_TABLE_LEN: usize = 4096;

/// Which distribution family to use for demand over the protection interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DistributionChoice {
    /// The documented rule (see the module doc).
    Auto,
    /// Always normal (the common textbook shortcut, and the README baseline).
    Normal,
    /// Always Poisson (on the counting unit).
    Poisson,
    /// Negative binomial; Poisson when not over-dispersed (it cannot have variance < mean).
    NegativeBinomial,
    /// Always gamma.
    Gamma,
    /// Empirical bootstrap of the history (Willemain et al. 2004).
    Bootstrap,
}

impl DistributionChoice {
    /// Parse the CLI spelling (`auto`, `normal`, `poisson`, `nbinom`, `gamma`, `bootstrap`).
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "auto" => Self::Auto,
            "normal" => Self::Normal,
            "poisson" => Self::Poisson,
            "nbinom" | "negative_binomial" => Self::NegativeBinomial,
            "gamma" => Self::Gamma,
            "bootstrap" => Self::Bootstrap,
            _ => return None,
        })
    }
}

/// Demand over an interval, as a distribution whose loss function and quantiles the
/// policy maths needs.
#[derive(Debug, Clone, PartialEq)]
pub enum DemandDistribution {
    /// No demand.
    Zero,
    /// Normal with the given mean and standard deviation (sd 0 is a point mass).
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// Poisson or negative binomial on multiples of a counting unit.
    Discrete(DiscreteTable),
    /// Gamma with a given mean and variance.
    Gamma(GammaDemand),
    /// Equally likely samples (e.g. a bootstrap), sorted.
    Empirical(EmpiricalSamples),
}

impl DemandDistribution {
    /// Short name for reports: `zero`, `normal`, `poisson`, `nbinom`, `gamma`, `bootstrap`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Zero => "zero",
            Self::Normal { .. } => "normal",
            Self::Discrete(t) => match t.family {
                DiscreteFamily::Poisson => "poisson",
                DiscreteFamily::NegativeBinomial => "nbinom",
            },
            Self::Gamma { .. } => "gamma",
            Self::Empirical(_) => "bootstrap",
        }
    }

    /// Mean.
    pub fn mean(&self) -> f64 {
        match self {
            Self::Zero => 0.0,
            Self::Normal { mean, .. } => *mean,
            Self::Gamma(g) => g.mean(),
            Self::Discrete(t) => t.mean,
            Self::Empirical(e) => e.mean(),
        }
    }

    /// Variance.
    pub fn variance(&self) -> f64 {
        match self {
            Self::Zero => 0.0,
            Self::Normal { sd, .. } => sd * sd,
            Self::Gamma(g) => g.variance(),
            Self::Discrete(t) => t.variance,
            Self::Empirical(e) => e.variance(),
        }
    }

    /// `P(X ≤ x)`.
    pub fn cdf(&self, x: f64) -> f64 {
        match self {
            Self::Zero => step(x >= 0.0),
            Self::Normal { mean, sd } => {
                if *sd <= 0.0 {
                    step(x >= *mean)
                } else {
                    standard_normal_cdf((x - mean) / sd)
                }
            }
            Self::Discrete(t) => t.cdf(x),
            Self::Gamma(g) => g.cdf(x),
            Self::Empirical(e) => e.cdf(x),
        }
    }

    /// Smallest `x` with `P(X ≤ x) ≥ p` (for continuous families, the usual inverse).
    pub fn quantile(&self, p: f64) -> f64 {
        let p = p.clamp(0.0, 1.0);
        match self {
            Self::Zero => 0.0,
            Self::Normal { mean, sd } => mean + sd * inverse_standard_normal_cdf(p),
            Self::Discrete(t) => t.quantile(p),
            Self::Gamma(_) => {
                let hi = self.mean() + 50.0 * self.variance().sqrt() + 1.0;
                bisect(0.0, hi, |x| self.cdf(x) >= p)
            }
            Self::Empirical(e) => e.quantile(p),
        }
    }

    /// First-order loss function `E[(X − x)⁺]`: expected demand above `x`.
    pub fn loss(&self, x: f64) -> f64 {
        match self {
            Self::Zero => (-x).max(0.0),
            Self::Normal { mean, sd } => normal_loss(x, *mean, *sd),
            Self::Discrete(t) => t.loss(x),
            Self::Gamma(g) => g.loss(x),
            Self::Empirical(e) => e.loss(x),
        }
    }

    /// An upper bound above which the distribution has (numerically) no mass.
    pub fn upper_bound(&self) -> f64 {
        match self {
            Self::Zero => 0.0,
            Self::Normal { mean, sd } => mean + 40.0 * sd,
            Self::Discrete(t) => t.unit * t.loss.len() as f64,
            Self::Gamma(g) => g.mean() + 200.0 * g.variance().sqrt(),
            Self::Empirical(e) => e.samples.last().copied().unwrap_or(0.0),
        }
    }

    /// Give back the room a table was built with beyond its length (up to twice it, since
    /// a table's length is only known once built): a distribution kept for long, as a
    /// prepared replay keeps one per item and period, then holds only what it reads.
    pub fn shrink_to_fit(&mut self) {
        match self {
            Self::Discrete(t) => {
                t.cdf.shrink_to_fit();
                t.loss.shrink_to_fit();
            }
            Self::Empirical(e) => {
                e.samples.shrink_to_fit();
                e.suffix.shrink_to_fit();
            }
            Self::Zero | Self::Normal { .. } | Self::Gamma(_) => {}
        }
    }
}

fn step(cond: bool) -> f64 {
    if cond { 1.0 } else { 0.0 }
}

/// Fit a distribution with the given mean and variance by `choice` (see the module doc
/// for `Auto`). `unit` is the counting unit (> 0). `Bootstrap` needs samples, so here it
/// is treated as `Auto`; use [`willemain_bootstrap`] and [`EmpiricalSamples`] instead.
pub fn fit(mean: f64, variance: f64, unit: f64, choice: DistributionChoice) -> DemandDistribution {
    if mean.is_nan() || mean <= 0.0 || !mean.is_finite() {
        return DemandDistribution::Zero;
    }
    let variance = if variance.is_finite() {
        variance.max(0.0)
    } else {
        0.0
    };
    let unit = if unit > 0.0 && unit.is_finite() {
        unit
    } else {
        1.0
    };
    if variance == 0.0 {
        return DemandDistribution::Normal { mean, sd: 0.0 };
    }
    let count_mean = mean / unit;
    let count_var = variance / (unit * unit);
    let continuous = || {
        if variance.sqrt() / mean <= NORMAL_MAX_CV {
            DemandDistribution::Normal {
                mean,
                sd: variance.sqrt(),
            }
        } else {
            DemandDistribution::Gamma(GammaDemand::new(mean, variance))
        }
    };
    let discrete = |family| {
        DiscreteTable::build(family, count_mean, count_var, unit)
            .map(DemandDistribution::Discrete)
            .unwrap_or_else(|| DemandDistribution::Gamma(GammaDemand::new(mean, variance)))
    };
    let overdispersed = count_var > POISSON_MAX_DISPERSION * count_mean;
    match choice {
        DistributionChoice::Normal => DemandDistribution::Normal {
            mean,
            sd: variance.sqrt(),
        },
        DistributionChoice::Gamma => DemandDistribution::Gamma(GammaDemand::new(mean, variance)),
        DistributionChoice::Poisson => discrete(DiscreteFamily::Poisson),
        DistributionChoice::NegativeBinomial if count_var > count_mean => {
            discrete(DiscreteFamily::NegativeBinomial)
        }
        DistributionChoice::NegativeBinomial => discrete(DiscreteFamily::Poisson),
        DistributionChoice::Auto | DistributionChoice::Bootstrap => {
            if count_mean >= HIGH_VOLUME_COUNT {
                continuous()
            } else if overdispersed {
                discrete(DiscreteFamily::NegativeBinomial)
            } else {
                discrete(DiscreteFamily::Poisson)
            }
        }
    }
}

/// The discrete families.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscreteFamily {
    /// Poisson (variance = mean).
    Poisson,
    /// Negative binomial (variance > mean).
    NegativeBinomial,
}

/// A count distribution on multiples of `unit`, tabulated: `cdf[n] = P(N ≤ n)` and
/// `loss[n] = E[(N − n)⁺]` for the count `N = X / unit`.
#[derive(Debug, Clone, PartialEq)]
pub struct DiscreteTable {
    family: DiscreteFamily,
    mean: f64,
    variance: f64,
    unit: f64,
    cdf: Vec<f64>,
    loss: Vec<f64>,
}

impl DiscreteTable {
    /// Tabulate a family with the given count mean and variance; `None` when the table
    /// would exceed `MAX_TABLE_LEN`, or for NB when `variance ≤ mean`.
    pub fn build(
        family: DiscreteFamily,
        count_mean: f64,
        count_var: f64,
        unit: f64,
    ) -> Option<Self> {
        let log_pmf = match family {
            DiscreteFamily::Poisson => LogPmf::poisson(count_mean),
            DiscreteFamily::NegativeBinomial => LogPmf::negative_binomial(count_mean, count_var)?,
        };
        if log_pmf.at(MAX_TABLE_LEN as f64) > (2.0 * TAIL_MASS).ln() {
            // P(N > MAX_TABLE_LEN − 1) ≥ P(N = MAX_TABLE_LEN) > TAIL_MASS: the loop below
            // would give up at MAX_TABLE_LEN entries; skip building them.
            return None;
        }
        let mut pmf = Pmf::new(log_pmf);
        // Room for the usual length up front: growing two vectors entry by entry cost
        // as much as filling them.
        let expected = (count_mean + 12.0 * count_var.sqrt() + 16.0).min(MAX_TABLE_LEN as f64);
        let mut cdf = Vec::with_capacity(expected as usize);
        let mut loss = Vec::with_capacity(expected as usize);
        let mut cum = 0.0;
        let mut tail_loss = count_mean;
        let mut n = 0usize;
        loop {
            cum += pmf.next_value();
            cdf.push(cum.min(1.0));
            loss.push(tail_loss.max(0.0));
            // E[(N − (n+1))⁺] = E[(N − n)⁺] − P(N > n)
            tail_loss -= 1.0 - cum;
            n += 1;
            if (1.0 - cum <= TAIL_MASS && n as f64 > count_mean) || tail_loss <= 0.0 {
                break;
            }
            if n >= MAX_TABLE_LEN {
                return None;
            }
        }
        let variance = match family {
            DiscreteFamily::Poisson => count_mean,
            DiscreteFamily::NegativeBinomial => count_var,
        } * unit
            * unit;
        Some(Self {
            family,
            mean: count_mean * unit,
            variance,
            unit,
            cdf,
            loss,
        })
    }

    fn cdf(&self, x: f64) -> f64 {
        if x < 0.0 {
            return 0.0;
        }
        let n = (x / self.unit + 1e-9).floor() as usize;
        self.cdf.get(n).copied().unwrap_or(1.0)
    }

    fn quantile(&self, p: f64) -> f64 {
        let n = self.cdf.partition_point(|&c| c < p);
        n.min(self.cdf.len()) as f64 * self.unit
    }

    fn loss(&self, x: f64) -> f64 {
        if x <= 0.0 {
            return self.mean - x;
        }
        let c = x / self.unit;
        let n = c.floor() as usize;
        let at = |k: usize| self.loss.get(k).copied().unwrap_or(0.0);
        // The loss of an integer variable is linear between integers.
        let frac = c - n as f64;
        self.unit * (at(n) * (1.0 - frac) + at(n + 1) * frac)
    }
}

/// Log-pmf by recurrence from `log P(0)`, so large means do not underflow and each
/// step costs two logarithms instead of three log-gamma calls.
struct LogPmf {
    next: f64,
    n: f64,
    kind: PmfKind,
}

enum PmfKind {
    Poisson { ln_mean: f64 },
    NegBin { r: f64, ln_q: f64 },
}

impl LogPmf {
    fn poisson(mean: f64) -> Self {
        Self {
            next: -mean,
            n: 0.0,
            kind: PmfKind::Poisson { ln_mean: mean.ln() },
        }
    }

    fn negative_binomial(mean: f64, var: f64) -> Option<Self> {
        if var <= mean {
            return None;
        }
        let p = mean / var;
        let r = mean * mean / (var - mean);
        Some(Self {
            next: r * p.ln(),
            n: 0.0,
            kind: PmfKind::NegBin {
                r,
                ln_q: (-p).ln_1p(),
            },
        })
    }
}

impl LogPmf {
    /// `log P(n)` in closed form (log-gamma), for any `n` without iterating.
    fn at(&self, n: f64) -> f64 {
        match self.kind {
            PmfKind::Poisson { ln_mean } => n * ln_mean + self.next - ln_gamma(n + 1.0),
            PmfKind::NegBin { r, ln_q } => {
                ln_gamma(n + r) - ln_gamma(r) - ln_gamma(n + 1.0) + self.next + n * ln_q
            }
        }
    }
}

/// `P(0)`, `P(1)`, ... by the ratio `P(n+1)/P(n)` (a division instead of two logarithms
/// and an exponential per term), or through [`LogPmf`] when `P(0)` is too small to be a
/// normal float (a large mean) and the product would lose it.
enum Pmf {
    /// Poisson: `P(n+1) = P(n)·mean/(n+1)`.
    PoissonRatio {
        value: f64,
        n: f64,
        mean: f64,
    },
    /// Negative binomial: `P(n+1) = P(n)·q(n+r)/(n+1)`.
    NegBinRatio {
        value: f64,
        n: f64,
        r: f64,
        q: f64,
    },
    Log(LogPmf),
}

/// Smallest `log P(0)` the ratio recurrence starts from (`e^-600` is a normal float with
/// room for the products that follow).
const MIN_RATIO_LOG_START: f64 = -600.0;

impl Pmf {
    fn new(log_pmf: LogPmf) -> Self {
        if log_pmf.n != 0.0 || log_pmf.next < MIN_RATIO_LOG_START {
            return Self::Log(log_pmf);
        }
        let value = log_pmf.next.exp();
        match log_pmf.kind {
            PmfKind::Poisson { ln_mean } => Self::PoissonRatio {
                value,
                n: 0.0,
                mean: ln_mean.exp(),
            },
            PmfKind::NegBin { r, ln_q } => Self::NegBinRatio {
                value,
                n: 0.0,
                r,
                q: ln_q.exp(),
            },
        }
    }

    fn next_value(&mut self) -> f64 {
        match self {
            Self::PoissonRatio { value, n, mean } => {
                let current = *value;
                *value *= *mean / (*n + 1.0);
                *n += 1.0;
                current
            }
            Self::NegBinRatio { value, n, r, q } => {
                let current = *value;
                *value *= *q * (*n + *r) / (*n + 1.0);
                *n += 1.0;
                current
            }
            Self::Log(l) => l.next().unwrap_or(f64::NEG_INFINITY).exp(),
        }
    }
}

impl Iterator for LogPmf {
    type Item = f64;

    /// `log P(0)`, `log P(1)`, ...
    fn next(&mut self) -> Option<f64> {
        let current = self.next;
        let n = self.n;
        self.next += match self.kind {
            PmfKind::Poisson { ln_mean } => ln_mean - (n + 1.0).ln(),
            PmfKind::NegBin { r, ln_q } => (n + r).ln() - (n + 1.0).ln() + ln_q,
        };
        self.n += 1.0;
        Some(current)
    }
}

/// Equally likely samples, sorted, with suffix sums for an O(log n) loss function.
#[derive(Debug, Clone, PartialEq)]
pub struct EmpiricalSamples {
    samples: Vec<f64>,
    suffix: Vec<f64>,
}

impl EmpiricalSamples {
    /// From samples in any order; `None` when empty or any sample is not finite.
    pub fn new(mut samples: Vec<f64>) -> Option<Self> {
        if samples.is_empty() || samples.iter().any(|s| !s.is_finite()) {
            return None;
        }
        samples.sort_by(f64::total_cmp);
        let mut suffix = vec![0.0; samples.len() + 1];
        for i in (0..samples.len()).rev() {
            suffix[i] = suffix[i + 1] + samples[i];
        }
        Some(Self { samples, suffix })
    }

    /// The sorted samples.
    pub fn samples(&self) -> &[f64] {
        &self.samples
    }

    fn n(&self) -> f64 {
        self.samples.len() as f64
    }

    fn mean(&self) -> f64 {
        self.suffix[0] / self.n()
    }

    fn variance(&self) -> f64 {
        let m = self.mean();
        self.samples.iter().map(|s| (s - m) * (s - m)).sum::<f64>() / self.n()
    }

    fn cdf(&self, x: f64) -> f64 {
        self.samples.partition_point(|&s| s <= x) as f64 / self.n()
    }

    fn quantile(&self, p: f64) -> f64 {
        let idx = ((p * self.n()).ceil() as usize).clamp(1, self.samples.len()) - 1;
        self.samples[idx]
    }

    fn loss(&self, x: f64) -> f64 {
        let i = self.samples.partition_point(|&s| s <= x);
        let above = (self.samples.len() - i) as f64;
        (self.suffix[i] - x * above) / self.n()
    }
}

/// Standard normal density `φ(z)`.
pub fn standard_normal_pdf(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// Standard normal distribution function `Φ(z)`.
pub fn standard_normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

/// `Φ⁻¹(p)`; ±infinity at 0 and 1.
pub fn inverse_standard_normal_cdf(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    -std::f64::consts::SQRT_2 * erfc_inv(2.0 * p)
}

/// Standard normal loss `G(z) = E[(Z − z)⁺] = φ(z) − z(1 − Φ(z))`.
pub fn standard_normal_loss(z: f64) -> f64 {
    (standard_normal_pdf(z) - z * standard_normal_cdf(-z)).max(0.0)
}

/// Standard normal second-order loss `½ E[((Z − z)⁺)²] = ½[(z² + 1)(1 − Φ(z)) − zφ(z)]`.
pub fn standard_normal_second_loss(z: f64) -> f64 {
    (0.5 * ((z * z + 1.0) * standard_normal_cdf(-z) - z * standard_normal_pdf(z))).max(0.0)
}

/// Normal loss `E[(X − x)⁺]` for `X ~ N(mean, sd²)`; sd 0 is a point mass.
pub fn normal_loss(x: f64, mean: f64, sd: f64) -> f64 {
    if sd <= 0.0 {
        return (mean - x).max(0.0);
    }
    sd * standard_normal_loss((x - mean) / sd)
}

/// Normal second-order loss `½ E[((X − x)⁺)²]`.
pub fn normal_second_loss(x: f64, mean: f64, sd: f64) -> f64 {
    if sd <= 0.0 {
        let d = (mean - x).max(0.0);
        return 0.5 * d * d;
    }
    sd * sd * standard_normal_second_loss((x - mean) / sd)
}

/// The `z` with `G(z) = target` (`G` is strictly decreasing from +∞ to 0).
pub fn inverse_standard_normal_loss(target: f64) -> f64 {
    if target.is_nan() || target <= 0.0 {
        return f64::INFINITY;
    }
    // G(z) ≈ −z for very negative z, so the root lies below max(−target, 0) + 40.
    let lo = -target - 10.0;
    let hi = 40.0;
    bisect(lo, hi, |z| standard_normal_loss(z) <= target)
}

/// Poisson loss `E[(N − x)⁺]` for integer-valued `N ~ Poisson(mean)`, any real `x`.
pub fn poisson_loss(x: f64, mean: f64) -> f64 {
    fit_exact(DiscreteFamily::Poisson, mean, mean).loss(x)
}

/// Negative-binomial loss `E[(N − x)⁺]` with stockpyl's parametrisation: `N` counts
/// failures before the `r`-th success, success probability `p`, mean `r(1 − p)/p`.
pub fn negative_binomial_loss(x: f64, r: f64, p: f64) -> f64 {
    let mean = r * (1.0 - p) / p;
    let var = mean / p;
    fit_exact(DiscreteFamily::NegativeBinomial, mean, var).loss(x)
}

fn fit_exact(family: DiscreteFamily, mean: f64, var: f64) -> DemandDistribution {
    if mean <= 0.0 {
        return DemandDistribution::Zero;
    }
    DiscreteTable::build(family, mean, var, 1.0)
        .map(DemandDistribution::Discrete)
        .unwrap_or_else(|| DemandDistribution::Gamma(GammaDemand::new(mean, var)))
}

/// Gamma loss `E[(X − x)⁺]` for shape `a` and scale `b` (see [`GammaDemand::loss`]).
pub fn gamma_loss(x: f64, shape: f64, scale: f64) -> f64 {
    GammaDemand::new(shape * scale, shape * scale * scale).loss(x)
}

/// Smallest point (to 1e-12 relative) in `[lo, hi]` where the monotone predicate holds;
/// `hi` if it never does.
fn bisect(mut lo: f64, mut hi: f64, holds: impl Fn(f64) -> bool) -> f64 {
    if holds(lo) {
        return lo;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if holds(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
        if hi - lo <= 1e-12 * hi.abs().max(1.0) {
            break;
        }
    }
    hi
}

/// Willemain, Smart & Schwarz (2004) bootstrap of demand over `horizon` periods.
///
/// Zero/non-zero occurrence follows a two-state Markov chain estimated from the history's
/// transitions (a state never left in the history falls back to the overall non-zero
/// share), started from the last period's state. Each non-zero period draws a size of `c`
/// counting units from the history's non-zero sizes and jitters it to `1 + Poisson(c − 1)`
/// units: the same mean `c` and a spread of about `√c` as the paper's `1 + INT(c + z√c)`,
/// whose truncation at zero inflates small sizes (unit sizes, the usual spare-parts sale,
/// by about 70 %, and by 110 % with rounding instead of `INT`). Returns `samples`
/// lead-time totals; empty when the history has no demand. Deterministic for a given
/// `seed`.
pub fn willemain_bootstrap(
    history: &[f64],
    horizon: usize,
    samples: usize,
    unit: f64,
    seed: u64,
) -> Vec<f64> {
    let sizes: Vec<f64> = history.iter().copied().filter(|&q| q > 0.0).collect();
    if sizes.is_empty() || horizon == 0 {
        return Vec::new();
    }
    let unit = if unit > 0.0 { unit } else { 1.0 };
    let chain = OccurrenceChain::estimate(history);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut state = history.last().is_some_and(|&q| q > 0.0);
    let start = state;
    (0..samples)
        .map(|_| {
            state = start;
            let mut total = 0.0;
            for _ in 0..horizon {
                let p = if state {
                    chain.p_after_demand
                } else {
                    chain.p_after_zero
                };
                state = rng.random::<f64>() < p;
                if state {
                    let size = sizes[rng.random_range(0..sizes.len())] / unit;
                    let count = if size > 1.0 {
                        1.0 + poisson_draw(&mut rng, size - 1.0)
                    } else {
                        size
                    };
                    total += count * unit;
                }
            }
            total
        })
        .collect()
}

/// One Poisson draw: Knuth's product of uniforms up to a mean of 30, the normal
/// approximation (rounded, at least 0) above.
fn poisson_draw(rng: &mut ChaCha8Rng, mean: f64) -> f64 {
    if mean > 30.0 {
        return (mean + standard_normal(rng) * mean.sqrt()).round().max(0.0);
    }
    let limit = (-mean).exp();
    let (mut k, mut p) = (0.0, rng.random::<f64>());
    while p > limit {
        k += 1.0;
        p *= rng.random::<f64>();
    }
    k
}

struct OccurrenceChain {
    p_after_zero: f64,
    p_after_demand: f64,
}

impl OccurrenceChain {
    fn estimate(history: &[f64]) -> Self {
        let mut counts = [[0usize; 2]; 2];
        for w in history.windows(2) {
            counts[usize::from(w[0] > 0.0)][usize::from(w[1] > 0.0)] += 1;
        }
        let overall =
            history.iter().filter(|&&q| q > 0.0).count() as f64 / history.len().max(1) as f64;
        let prob = |from: usize| {
            let total = counts[from][0] + counts[from][1];
            if total == 0 {
                overall
            } else {
                counts[from][1] as f64 / total as f64
            }
        };
        Self {
            p_after_zero: prob(0),
            p_after_demand: prob(1),
        }
    }
}

/// Box–Muller: rand 0.9 ships no normal sampler and rand_distr is not worth a dependency.
fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1.0)
    }

    #[test]
    fn a_shrunk_table_is_the_same_distribution_at_its_length() {
        // Over-dispersed: the table runs past the room reserved for it and grows.
        for (mean, var) in [(1.5, 40.0), (3.0, 3.0), (0.2, 0.5)] {
            let mut d = fit(mean, var, 1.0, DistributionChoice::Auto);
            let before = d.clone();
            d.shrink_to_fit();
            assert_eq!(d, before);
            let DemandDistribution::Discrete(t) = &d else {
                panic!("{d:?}");
            };
            assert_eq!(t.loss.capacity(), t.loss.len());
            assert_eq!(t.cdf.capacity(), t.cdf.len());
        }
        let mut e = DemandDistribution::Empirical(EmpiricalSamples::new(vec![2.0, 0.0]).unwrap());
        let before = e.clone();
        e.shrink_to_fit();
        assert_eq!(e, before);
    }

    #[test]
    fn standard_normal_loss_matches_textbook_values() {
        // G(0) = φ(0) = 0.398942..., G(1) = 0.083315...
        assert!(close(
            standard_normal_loss(0.0),
            0.398_942_280_401_432_7,
            1e-12
        ));
        assert!(close(
            standard_normal_loss(1.0),
            0.083_315_470_067_680_3,
            1e-9
        ));
    }

    #[test]
    fn inverse_normal_loss_round_trips() {
        for &z in &[-3.0, -0.5, 0.0, 0.7, 2.5] {
            let back = inverse_standard_normal_loss(standard_normal_loss(z));
            assert!((back - z).abs() < 1e-8, "{z} -> {back}");
        }
    }

    #[test]
    fn the_ratio_recurrence_gives_the_probabilities_of_the_log_recurrence() {
        for (mean, var) in [
            (3.0, 3.0),
            (0.4, 0.4),
            (40.0, 40.0),
            (5.0, 60.0),
            (0.2, 9.0),
        ] {
            let make = || {
                if var > mean {
                    LogPmf::negative_binomial(mean, var).unwrap()
                } else {
                    LogPmf::poisson(mean)
                }
            };
            let mut ratio = Pmf::new(make());
            assert!(!matches!(ratio, Pmf::Log(_)));
            let mut log = Pmf::Log(make());
            for n in 0..300 {
                let (a, b) = (ratio.next_value(), log.next_value());
                assert!(
                    (a - b).abs() <= 1e-12 * b.max(1e-300),
                    "mean {mean} var {var} P({n}): {a} vs {b}"
                );
            }
        }
    }

    #[test]
    fn closed_form_log_probability_matches_the_recurrence() {
        let mut it = LogPmf::negative_binomial(4.0, 30.0).unwrap();
        let at = LogPmf::negative_binomial(4.0, 30.0).unwrap();
        for n in 0..50 {
            let step = it.next().unwrap();
            assert!((step - at.at(n as f64)).abs() < 1e-10, "{n}");
        }
    }

    #[test]
    fn a_count_table_that_would_be_too_long_is_gamma() {
        let d = fit(40.0, 1e7, 1.0, DistributionChoice::Auto);
        assert_eq!(d.name(), "gamma");
        assert!(close(d.mean(), 40.0, 1e-12) && close(d.variance(), 1e7, 1e-12));
    }

    #[test]
    fn poisson_loss_at_zero_is_the_mean() {
        assert!(close(poisson_loss(0.0, 3.2), 3.2, 1e-12));
    }

    #[test]
    fn discrete_loss_is_linear_between_integers() {
        let mid = poisson_loss(2.5, 3.0);
        let avg = 0.5 * (poisson_loss(2.0, 3.0) + poisson_loss(3.0, 3.0));
        assert!(close(mid, avg, 1e-12));
    }

    #[test]
    fn poisson_with_large_mean_does_not_underflow() {
        let d = fit(900.0, 900.0, 1.0, DistributionChoice::Poisson);
        assert_eq!(d.name(), "poisson");
        assert!(close(d.quantile(0.5), 900.0, 0.01));
    }

    #[test]
    fn auto_rule_picks_the_documented_family() {
        assert_eq!(fit(0.0, 0.0, 1.0, DistributionChoice::Auto).name(), "zero");
        assert_eq!(
            fit(2.0, 2.1, 1.0, DistributionChoice::Auto).name(),
            "poisson"
        );
        assert_eq!(
            fit(2.0, 9.0, 1.0, DistributionChoice::Auto).name(),
            "nbinom"
        );
        assert_eq!(
            fit(5000.0, 1e6, 1.0, DistributionChoice::Auto).name(),
            "normal"
        );
        assert_eq!(
            fit(5000.0, 1e8, 1.0, DistributionChoice::Auto).name(),
            "gamma"
        );
    }

    #[test]
    fn counting_unit_scales_the_discrete_distribution() {
        // Packs of 10 pieces: 0.3 packs mean = 3 pieces.
        let d = fit(0.3, 0.03, 0.1, DistributionChoice::Poisson);
        assert!(close(d.mean(), 0.3, 1e-12));
        assert!(close(d.loss(0.0), 0.3, 1e-12));
        assert!(close(d.loss(0.2), 0.1 * poisson_loss(2.0, 3.0), 1e-12));
    }

    #[test]
    fn gamma_loss_at_zero_is_the_mean_and_decreases() {
        assert!(close(gamma_loss(0.0, 0.5, 4.0), 2.0, 1e-12));
        assert!(gamma_loss(1.0, 0.5, 4.0) > gamma_loss(2.0, 0.5, 4.0));
    }

    #[test]
    fn empirical_loss_and_quantile_follow_the_samples() {
        let e = EmpiricalSamples::new(vec![3.0, 0.0, 1.0, 0.0]).unwrap();
        let d = DemandDistribution::Empirical(e);
        assert!(close(d.mean(), 1.0, 1e-12));
        assert!(close(d.loss(0.5), (0.5 + 2.5) / 4.0, 1e-12));
        assert_eq!(d.quantile(0.5), 0.0);
        assert_eq!(d.quantile(0.75), 1.0);
        assert_eq!(d.quantile(1.0), 3.0);
    }

    #[test]
    fn bootstrap_is_deterministic_for_a_seed_and_empty_without_demand() {
        let h = [0.0, 2.0, 0.0, 0.0, 5.0, 1.0, 0.0, 0.0];
        let a = willemain_bootstrap(&h, 4, 200, 1.0, 7);
        let b = willemain_bootstrap(&h, 4, 200, 1.0, 7);
        assert_eq!(a, b);
        assert_eq!(a.len(), 200);
        assert!(a.iter().all(|&x| x >= 0.0));
        assert!(willemain_bootstrap(&[0.0; 6], 4, 10, 1.0, 7).is_empty());
    }

    #[test]
    fn bootstrap_keeps_the_histories_mean() {
        // Unit sales in one period of five (the usual spare part), and larger sizes: the
        // jitter of the paper made the first 1.7–2.1 times the history's mean.
        for (size, unit) in [(1.0, 1.0), (6.0, 1.0), (0.5, 0.25), (80.0, 1.0)] {
            let h: Vec<f64> = (0..200)
                .map(|i| if i % 5 == 2 { size } else { 0.0 })
                .collect();
            let mean_per_period = h.iter().sum::<f64>() / h.len() as f64;
            let totals = willemain_bootstrap(&h, 8, 20_000, unit, 3);
            let mean = totals.iter().sum::<f64>() / totals.len() as f64;
            let want = 8.0 * mean_per_period;
            assert!(
                (mean / want - 1.0).abs() < 0.05,
                "size {size}: mean {mean}, history {want}"
            );
            assert!(
                totals
                    .iter()
                    .all(|&t| (t / unit - (t / unit).round()).abs() < 1e-9)
            );
        }
        let sizes: Vec<f64> = willemain_bootstrap(&[6.0; 50], 1, 5_000, 1.0, 9);
        let spread = sizes.iter().map(|x| (x - 6.0).powi(2)).sum::<f64>() / sizes.len() as f64;
        assert!((3.5..6.5).contains(&spread), "jitter variance {spread}");
        assert!(sizes.iter().any(|&x| x > 8.0), "sizes beyond the history's");
    }
}
