//! A panel of demand series: many series of equal length, stored row-major in one buffer.
//!
//! One contiguous `Vec<f64>` (series after series) keeps a million-series panel in a
//! single allocation and lets every method run over plain slices.

use thiserror::Error;

/// Why a panel could not be built.
#[derive(Debug, Error, PartialEq)]
pub enum PanelError {
    /// The value buffer does not hold `keys × periods` values.
    #[error("panel of {series} series × {periods} periods needs {expected} values, got {actual}")]
    WrongSize {
        /// Number of series (keys).
        series: usize,
        /// Periods per series.
        periods: usize,
        /// `series × periods`.
        expected: usize,
        /// Values supplied.
        actual: usize,
    },
    /// A value is NaN or infinite.
    #[error("series {key:?} has a non-finite value at period {period}")]
    NonFinite {
        /// Key of the offending series.
        key: String,
        /// Period index of the value.
        period: usize,
    },
}

/// Equal-length demand series with their keys (SKUs), values series after series.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    keys: Vec<String>,
    periods: usize,
    values: Vec<f64>,
}

impl Panel {
    /// Build a panel from keys and `keys.len() × periods` finite values, series after series.
    pub fn new(keys: Vec<String>, periods: usize, values: Vec<f64>) -> Result<Self, PanelError> {
        let expected = keys.len() * periods;
        if values.len() != expected {
            return Err(PanelError::WrongSize {
                series: keys.len(),
                periods,
                expected,
                actual: values.len(),
            });
        }
        if let Some(pos) = values.iter().position(|v| !v.is_finite()) {
            return Err(PanelError::NonFinite {
                key: keys[pos / periods.max(1)].clone(),
                period: pos % periods.max(1),
            });
        }
        Ok(Self {
            keys,
            periods,
            values,
        })
    }

    /// Number of series.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the panel holds no series.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Periods per series.
    pub fn periods(&self) -> usize {
        self.periods
    }

    /// Key (SKU) of series `i`.
    pub fn key(&self, i: usize) -> &str {
        &self.keys[i]
    }

    /// All keys, in series order.
    pub fn keys(&self) -> &[String] {
        &self.keys
    }

    /// Values of series `i`, oldest period first.
    pub fn series(&self, i: usize) -> &[f64] {
        &self.values[i * self.periods..(i + 1) * self.periods]
    }

    /// All values, series after series.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Iterate over `(key, values)` pairs in series order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &[f64])> + '_ {
        self.keys
            .iter()
            .enumerate()
            .map(|(i, k)| (k.as_str(), self.series(i)))
    }

    /// Split off the last `holdout` periods: returns `(history, actuals)` of series `i`.
    pub fn split(&self, i: usize, holdout: usize) -> (&[f64], &[f64]) {
        let y = self.series(i);
        y.split_at(y.len() - holdout.min(y.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_by_three() -> Panel {
        Panel::new(
            vec!["a".into(), "b".into()],
            3,
            vec![1.0, 0.0, 2.0, 0.0, 0.0, 5.5],
        )
        .unwrap()
    }

    #[test]
    fn series_are_stored_one_after_another() {
        let p = two_by_three();
        assert_eq!(p.len(), 2);
        assert_eq!(p.series(1), &[0.0, 0.0, 5.5]);
        assert_eq!(p.key(0), "a");
        let pairs: Vec<_> = p.iter().collect();
        assert_eq!(pairs[0], ("a", &[1.0, 0.0, 2.0][..]));
    }

    #[test]
    fn split_separates_history_from_holdout() {
        let p = two_by_three();
        assert_eq!(p.split(0, 1), (&[1.0, 0.0][..], &[2.0][..]));
        assert_eq!(p.split(0, 5).0.len(), 0);
    }

    #[test]
    fn rejects_a_buffer_of_the_wrong_size() {
        let err = Panel::new(vec!["a".into()], 3, vec![1.0]).unwrap_err();
        assert!(matches!(err, PanelError::WrongSize { expected: 3, .. }));
    }

    #[test]
    fn rejects_non_finite_values_naming_series_and_period() {
        let err = Panel::new(
            vec!["a".into(), "b".into()],
            2,
            vec![1.0, 1.0, 1.0, f64::NAN],
        )
        .unwrap_err();
        assert_eq!(
            err,
            PanelError::NonFinite {
                key: "b".into(),
                period: 1
            }
        );
    }
}
