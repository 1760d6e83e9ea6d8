//! Many golden-section SES fits at once, bit-identical to [`super::ses::golden_alpha`].
//!
//! statsforecast's search spends about 57 loss evaluations per sequence, each a serial
//! recursion, so one sequence at a time is bound by the latency of that recursion. Here
//! sequences of equal length are laid out period-major in blocks of [`LANES`], and every
//! loss evaluation and search step runs all lanes side by side in plain array loops the
//! compiler turns into packed arithmetic. Each lane performs exactly the scalar
//! operations in the scalar order (no fused multiply-add, no reassociation), so every α
//! equals the one-at-a-time search to the bit; the batch only changes the speed.

use super::ses::GOLDEN_TOL;

/// Sequences searched side by side: enough independent recursions to hide the latency
/// of the dependent multiply-add chain while the state still fits in registers.
pub(crate) const LANES: usize = 12;

/// Reusable buffers of [`golden_alphas`].
#[derive(Debug, Default, Clone)]
pub struct GoldenBuffers {
    order: Vec<u32>,
    block: Vec<f64>,
}

/// α in `[lo, hi]` minimizing the SES loss of each of `seqs` (`out[i]` for `seqs[i]`),
/// each bit-identical to [`super::ses::golden_alpha`]`(seqs[i], lo, hi)`.
pub fn golden_alphas(seqs: &[&[f64]], lo: f64, hi: f64, out: &mut [f64], buf: &mut GoldenBuffers) {
    assert_eq!(seqs.len(), out.len(), "one α per sequence");
    let order = &mut buf.order;
    order.clear();
    for (i, x) in seqs.iter().enumerate() {
        if x.split_last()
            .is_none_or(|(_, head)| head.iter().all(|&v| v == 0.0))
        {
            // Zeros up to the last value: SES stays at 0 whatever α is, so every one-step
            // error (0, then the last value) and the loss are the same for every α, and
            // the search stops at its first comparison.
            out[i] = (hi + lo) / 2.0;
        } else {
            order.push(i as u32);
        }
    }
    order.sort_unstable_by_key(|&i| (seqs[i as usize].len(), i));
    let mut rest = &order[..];
    while let Some(&first) = rest.first() {
        let n = seqs[first as usize].len();
        let run = rest
            .iter()
            .take_while(|&&i| seqs[i as usize].len() == n)
            .count();
        let (same, tail) = rest.split_at(run);
        rest = tail;
        golden_run(seqs, same, n, lo, hi, out, &mut buf.block);
    }
}

/// What a lane of [`golden_run`] is doing.
#[derive(Clone, Copy, PartialEq)]
enum Lane {
    /// Evaluating the loss at the first inner point.
    First,
    /// Evaluating the loss at the second inner point.
    Second,
    /// In the search loop.
    Search,
    /// No sequence left to search.
    Idle,
}

/// Searches of the sequences `ids` (all of length `n` ≥ 2), [`LANES`] at a time.
///
/// A lane whose search ends takes the next sequence at once, so no lane waits for the
/// longest search of a group (searches stop after 2 to about 60 evaluations).
fn golden_run(
    seqs: &[&[f64]],
    ids: &[u32],
    n: usize,
    lo: f64,
    hi: f64,
    out: &mut [f64],
    block: &mut Vec<f64>,
) {
    let gr = (5.0f64.sqrt() + 1.0) / 2.0;
    let (c0, d0) = (hi - (hi - lo) / gr, lo + (hi - lo) / gr);
    block.clear();
    block.resize(n * LANES, 0.0);
    let mut queue = ids.iter();
    let mut task = [0u32; LANES];
    let mut lane = [Lane::Idle; LANES];
    let (mut a, mut b, mut c, mut d) = ([lo; LANES], [hi; LANES], [c0; LANES], [d0; LANES]);
    let (mut fc, mut fd) = ([0.0; LANES], [0.0; LANES]);
    // true: the point under evaluation replaces c (else d).
    let mut left = [false; LANES];
    let mut point = [c0; LANES];
    let mut load = |l: usize,
                    block: &mut [f64],
                    task: &mut [u32; LANES],
                    lane: &mut [Lane; LANES]| {
        match queue.next() {
            Some(&i) => {
                for (t, &v) in seqs[i as usize].iter().enumerate() {
                    block[t * LANES + l] = v;
                }
                task[l] = i;
                lane[l] = Lane::First;
            }
            None => lane[l] = Lane::Idle,
        }
    };
    for l in 0..LANES {
        load(l, block, &mut task, &mut lane);
    }
    while lane.iter().any(|&s| s != Lane::Idle) {
        let values = sse_block(block, &point);
        for l in 0..LANES {
            match lane[l] {
                Lane::Idle => continue,
                Lane::First => {
                    fc[l] = values[l];
                    point[l] = d0;
                    lane[l] = Lane::Second;
                    continue;
                }
                Lane::Second => {
                    (a[l], b[l], c[l], d[l]) = (lo, hi, c0, d0);
                    fd[l] = values[l];
                    lane[l] = Lane::Search;
                }
                Lane::Search => {
                    if left[l] {
                        fc[l] = values[l];
                    } else {
                        fd[l] = values[l];
                    }
                }
            }
            // One step of the scalar search (`ses::golden_section_tol`).
            if (b[l] - a[l]).abs() >= GOLDEN_TOL && fc[l] < fd[l] {
                b[l] = d[l];
                d[l] = c[l];
                fd[l] = fc[l];
                c[l] = b[l] - (b[l] - a[l]) / gr;
                left[l] = true;
                point[l] = c[l];
            } else if (b[l] - a[l]).abs() >= GOLDEN_TOL && fd[l] < fc[l] {
                a[l] = c[l];
                c[l] = d[l];
                fc[l] = fd[l];
                d[l] = a[l] + (b[l] - a[l]) / gr;
                left[l] = false;
                point[l] = d[l];
            } else {
                out[task[l] as usize] = (b[l] + a[l]) / 2.0;
                load(l, block, &mut task, &mut lane);
                point[l] = c0;
            }
        }
    }
}

/// SES loss of the [`LANES`] period-major sequences of `block`, one α per lane,
/// each lane exactly [`super::ses::ses_sse`].
#[inline(always)]
fn sse_block(block: &[f64], alpha: &[f64; LANES]) -> [f64; LANES] {
    let c: [f64; LANES] = std::array::from_fn(|l| 1.0 - alpha[l]);
    let mut rows = block.chunks_exact(LANES);
    let first = rows.next().expect("at least two periods");
    let mut prev: &[f64] = first;
    let mut f: [f64; LANES] = std::array::from_fn(|l| first[l]);
    let mut sse = [0.0; LANES];
    for cur in rows {
        for l in 0..LANES {
            f[l] = alpha[l] * prev[l] + c[l] * f[l];
            let e = cur[l] - f[l];
            sse[l] += e * e;
        }
        prev = cur;
    }
    sse
}

#[cfg(test)]
mod tests {
    use super::super::ses::golden_alpha;
    use super::*;

    /// Deterministic intermittent sequences of assorted lengths, some flat or empty.
    fn sequences(count: usize) -> Vec<Vec<f64>> {
        let mut state = 987654321u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        (0..count)
            .map(|k| {
                let n = (next() * 25.0) as usize;
                (0..n)
                    .map(|_| match k % 5 {
                        0 => 3.0,
                        1 => 0.0,
                        _ if next() < 0.45 => (next() * 12.0).floor() + 0.25 * (k % 3) as f64,
                        _ => 0.0,
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn batched_alphas_equal_scalar_searches_bit_for_bit() {
        // About 60 sequences per length, so lanes are refilled many times per length.
        let seqs = sequences(1500);
        let refs: Vec<&[f64]> = seqs.iter().map(Vec::as_slice).collect();
        let mut buf = GoldenBuffers::default();
        for (lo, hi) in [(0.01, 0.99), (0.1, 0.3)] {
            let mut out = vec![f64::NAN; refs.len()];
            golden_alphas(&refs, lo, hi, &mut out, &mut buf);
            for (i, x) in refs.iter().enumerate() {
                assert_eq!(
                    out[i].to_bits(),
                    golden_alpha(x, lo, hi).to_bits(),
                    "sequence {i} ({} values) in [{lo}, {hi}]",
                    x.len()
                );
            }
        }
    }

    #[test]
    fn zeros_before_the_last_value_and_signed_values_give_the_scalar_alphas() {
        let seqs: [&[f64]; 9] = [
            &[0.0, 0.0, 5.0],
            &[0.0, 0.0, 0.0, 5.0, 0.0, 3.0],
            &[-0.0, 0.0, 2.0, -1.0, 4.0, 0.0, -3.5],
            &[0.0, 1e-300, 3.0, 0.0, 7.0],
            &[0.0, 0.0, 0.0, 0.0],
            &[-0.0, 0.0, 0.0, -2.5],
            &[4.0, 0.0, 0.0, 1.0, 2.0],
            &[0.0, 4.0, 0.0, 0.0, 0.0],
            &[7.0],
        ];
        let mut buf = GoldenBuffers::default();
        for (lo, hi) in [(0.01, 0.99), (0.1, 0.3)] {
            let mut out = [f64::NAN; 9];
            golden_alphas(&seqs, lo, hi, &mut out, &mut buf);
            for (x, a) in seqs.iter().zip(out) {
                assert_eq!(a.to_bits(), golden_alpha(x, lo, hi).to_bits(), "{x:?}");
            }
        }
    }

    #[test]
    fn a_partial_group_and_an_empty_batch_are_handled() {
        let seqs = sequences(23);
        let refs: Vec<&[f64]> = seqs.iter().map(Vec::as_slice).take(3).collect();
        let mut buf = GoldenBuffers::default();
        let mut out = vec![f64::NAN; 3];
        golden_alphas(&refs, 0.1, 0.3, &mut out, &mut buf);
        for (x, a) in refs.iter().zip(&out) {
            assert_eq!(a.to_bits(), golden_alpha(x, 0.1, 0.3).to_bits());
        }
        golden_alphas(&[], 0.1, 0.3, &mut [], &mut buf);
    }
}
