//! Naive, historic average and moving average.

/// Last observed value (NaN for an empty history).
pub fn naive(y: &[f64]) -> f64 {
    y.last().copied().unwrap_or(f64::NAN)
}

/// Mean of the whole history (NaN for an empty history).
pub fn historic_average(y: &[f64]) -> f64 {
    y.iter().sum::<f64>() / y.len() as f64
}

/// Mean of the last `window` values; NaN when the history is shorter (as statsforecast).
pub fn moving_average(y: &[f64], window: usize) -> f64 {
    if window == 0 || y.len() < window {
        return f64::NAN;
    }
    y[y.len() - window..].iter().sum::<f64>() / window as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naive_repeats_the_last_value() {
        assert_eq!(naive(&[1.0, 0.0, 4.0]), 4.0);
        assert!(naive(&[]).is_nan());
    }

    #[test]
    fn historic_average_is_the_mean_of_everything() {
        assert_eq!(historic_average(&[1.0, 0.0, 5.0]), 2.0);
    }

    #[test]
    fn moving_average_uses_the_last_window() {
        assert_eq!(moving_average(&[9.0, 1.0, 2.0, 3.0], 3), 2.0);
        assert!(moving_average(&[1.0, 2.0], 3).is_nan());
    }
}
