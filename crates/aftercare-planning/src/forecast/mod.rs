//! Point forecasts of intermittent demand, defined as statsforecast 2.x defines them.
//!
//! Every method here forecasts a flat line: one level repeated over the horizon.
//! [`Method::level`] computes that level from a history slice without allocating
//! (given a reusable [`Scratch`]); [`Method::forecast`] repeats it.

pub mod aggregate;
pub mod croston;
pub mod golden;
pub mod ses;
pub mod simple;

use thiserror::Error;

/// A forecasting method with its parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Method {
    /// Last observed value.
    Naive,
    /// Mean of the whole history.
    HistoricAverage,
    /// Mean of the last `window` periods.
    MovingAverage {
        /// Periods averaged.
        window: usize,
    },
    /// Simple exponential smoothing with a fixed smoothing parameter.
    Ses {
        /// Smoothing parameter.
        alpha: f64,
    },
    /// Simple exponential smoothing with α optimized in [0.01, 0.99].
    SesOptimized,
    /// Croston's method, α = 0.1.
    CrostonClassic,
    /// Syntetos–Boylan approximation: Croston × 0.95.
    CrostonSba,
    /// Croston with α optimized in [0.1, 0.3] for sizes and intervals separately.
    CrostonOptimized,
    /// Teunter–Syntetos–Babai: SES of occurrence times SES of sizes.
    Tsb {
        /// Smoothing of demand sizes.
        alpha_d: f64,
        /// Smoothing of demand occurrence.
        alpha_p: f64,
    },
    /// Aggregate–disaggregate intermittent demand approach.
    Adida,
    /// Intermittent multiple aggregation prediction algorithm.
    Imapa,
}

/// Parameters of the fixed-parameter methods, as given on the command line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MethodParams {
    /// SES smoothing (`--alpha`).
    pub alpha: f64,
    /// TSB size smoothing (`--alpha-d`).
    pub alpha_d: f64,
    /// TSB occurrence smoothing (`--alpha-p`).
    pub alpha_p: f64,
    /// Moving-average window (`--window`).
    pub window: usize,
}

impl Default for MethodParams {
    fn default() -> Self {
        Self {
            alpha: 0.1,
            alpha_d: 0.1,
            alpha_p: 0.1,
            window: 3,
        }
    }
}

/// A method code that names no method.
#[derive(Debug, Error, PartialEq)]
#[error("unknown method {0:?}; expected one of {codes}", codes = Method::CODES.join(", "))]
pub struct UnknownMethod(pub String);

/// Reusable buffers so that methods needing intermediate vectors do not allocate per series.
#[derive(Debug, Default, Clone)]
pub struct Scratch {
    a: Vec<f64>,
    b: Vec<f64>,
    spans: Vec<(usize, usize)>,
    alphas: Vec<f64>,
    golden: golden::GoldenBuffers,
    aggregate: aggregate::AggregateBuffers,
}

impl Method {
    /// Every method code, in the order of the CLI documentation.
    pub const CODES: [&'static str; 11] = [
        "naive",
        "historic_average",
        "ma",
        "ses",
        "ses_opt",
        "croston",
        "sba",
        "croston_opt",
        "tsb",
        "adida",
        "imapa",
    ];

    /// Method for a CLI code, with parameters taken from `params`.
    pub fn from_code(code: &str, params: &MethodParams) -> Result<Self, UnknownMethod> {
        Ok(match code {
            "naive" => Self::Naive,
            "historic_average" => Self::HistoricAverage,
            "ma" => Self::MovingAverage {
                window: params.window,
            },
            "ses" => Self::Ses {
                alpha: params.alpha,
            },
            "ses_opt" => Self::SesOptimized,
            "croston" => Self::CrostonClassic,
            "sba" => Self::CrostonSba,
            "croston_opt" => Self::CrostonOptimized,
            "tsb" => Self::Tsb {
                alpha_d: params.alpha_d,
                alpha_p: params.alpha_p,
            },
            "adida" => Self::Adida,
            "imapa" => Self::Imapa,
            other => return Err(UnknownMethod(other.to_string())),
        })
    }

    /// All eleven methods with the given parameters.
    pub fn all(params: &MethodParams) -> Vec<Self> {
        Self::CODES
            .iter()
            .map(|c| Self::from_code(c, params).expect("every listed code parses"))
            .collect()
    }

    /// CLI code of the method.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Naive => "naive",
            Self::HistoricAverage => "historic_average",
            Self::MovingAverage { .. } => "ma",
            Self::Ses { .. } => "ses",
            Self::SesOptimized => "ses_opt",
            Self::CrostonClassic => "croston",
            Self::CrostonSba => "sba",
            Self::CrostonOptimized => "croston_opt",
            Self::Tsb { .. } => "tsb",
            Self::Adida => "adida",
            Self::Imapa => "imapa",
        }
    }

    /// The flat forecast level after history `y`, reusing `scratch` for intermediate vectors.
    ///
    /// NaN when the method cannot forecast (empty history, or fewer values than the
    /// moving-average window).
    pub fn level(&self, y: &[f64], scratch: &mut Scratch) -> f64 {
        if y.is_empty() {
            return f64::NAN;
        }
        match *self {
            Self::Naive => simple::naive(y),
            Self::HistoricAverage => simple::historic_average(y),
            Self::MovingAverage { window } => simple::moving_average(y, window),
            Self::Ses { alpha } => ses::ses_level(y, alpha),
            Self::SesOptimized => ses::optimized_ses(y, 0.01, 0.99).0,
            Self::CrostonClassic => croston::croston_classic(y),
            Self::CrostonSba => croston::croston_sba(y),
            Self::CrostonOptimized => croston::croston_optimized(y, &mut scratch.a, &mut scratch.b),
            Self::Tsb { alpha_d, alpha_p } => croston::tsb(y, alpha_d, alpha_p),
            Self::Adida => aggregate::adida(y, &mut scratch.a),
            Self::Imapa => aggregate::imapa(y, &mut scratch.a),
        }
    }

    /// Levels of many histories: `out[i]` = [`Method::level`] of `ys[i]`, bit for bit.
    ///
    /// The optimized methods run the α searches of the whole batch side by side
    /// ([`golden::golden_alphas`]), several times faster than one history at a time.
    pub fn levels(&self, ys: &[&[f64]], out: &mut [f64], scratch: &mut Scratch) {
        assert_eq!(ys.len(), out.len(), "one output per history");
        match self {
            Self::SesOptimized => {
                let alphas = &mut scratch.alphas;
                alphas.clear();
                alphas.resize(ys.len(), f64::NAN);
                golden::golden_alphas(ys, 0.01, 0.99, alphas, &mut scratch.golden);
                for ((y, o), &alpha) in ys.iter().zip(out.iter_mut()).zip(alphas.iter()) {
                    *o = ses::ses_level(y, alpha);
                }
            }
            Self::CrostonOptimized => croston::croston_optimized_many(
                ys,
                out,
                &mut scratch.a,
                &mut scratch.spans,
                &mut scratch.alphas,
                &mut scratch.golden,
            ),
            Self::Adida => aggregate::adida_many(ys, out, &mut scratch.aggregate),
            Self::Imapa => aggregate::imapa_many(ys, out, &mut scratch.aggregate),
            _ => {
                for (y, o) in ys.iter().zip(out.iter_mut()) {
                    *o = self.level(y, scratch);
                }
            }
        }
    }

    /// Forecast of `horizon` steps after history `y`.
    pub fn forecast(&self, y: &[f64], horizon: usize) -> Vec<f64> {
        vec![self.level(y, &mut Scratch::default()); horizon]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips() {
        let params = MethodParams::default();
        for code in Method::CODES {
            assert_eq!(Method::from_code(code, &params).unwrap().code(), code);
        }
        assert_eq!(Method::all(&params).len(), 11);
    }

    #[test]
    fn an_unknown_code_is_rejected_with_the_valid_ones_listed() {
        let err = Method::from_code("arima", &MethodParams::default()).unwrap_err();
        assert!(err.to_string().contains("croston_opt"));
    }

    #[test]
    fn cli_parameters_reach_the_methods() {
        let params = MethodParams {
            alpha: 0.3,
            alpha_d: 0.2,
            alpha_p: 0.05,
            window: 6,
        };
        assert_eq!(
            Method::from_code("ses", &params),
            Ok(Method::Ses { alpha: 0.3 })
        );
        assert_eq!(
            Method::from_code("tsb", &params),
            Ok(Method::Tsb {
                alpha_d: 0.2,
                alpha_p: 0.05
            })
        );
        assert_eq!(
            Method::from_code("ma", &params),
            Ok(Method::MovingAverage { window: 6 })
        );
    }

    #[test]
    fn forecasts_are_flat_over_the_horizon() {
        let f = Method::CrostonSba.forecast(&[0.0, 3.0, 0.0, 0.0, 6.0, 0.0, 2.0, 0.0], 4);
        assert_eq!(f.len(), 4);
        assert!(f.iter().all(|&v| v == f[0]));
        assert!((f[0] - 0.95 * 3.17 / 2.09).abs() < 1e-12);
    }

    #[test]
    fn batched_levels_equal_one_at_a_time() {
        let ys: Vec<Vec<f64>> = (0..11)
            .map(|k| {
                (0..30)
                    .map(|t| ((t * 7 + k * 3) % 5) as f64 * ((t + k) % 3 == 0) as u8 as f64)
                    .collect()
            })
            .collect();
        let refs: Vec<&[f64]> = ys.iter().map(Vec::as_slice).collect();
        let mut scratch = Scratch::default();
        for m in Method::all(&MethodParams::default()) {
            let mut out = vec![0.0; refs.len()];
            m.levels(&refs, &mut out, &mut scratch);
            for (y, got) in refs.iter().zip(&out) {
                assert_eq!(
                    got.to_bits(),
                    m.level(y, &mut scratch).to_bits(),
                    "{}",
                    m.code()
                );
            }
        }
    }

    #[test]
    fn an_empty_history_gives_nan() {
        for m in Method::all(&MethodParams::default()) {
            assert!(m.forecast(&[], 1)[0].is_nan(), "{}", m.code());
        }
    }
}
