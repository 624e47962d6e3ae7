//! Choosing one engine's PE × SIMD.

use super::engine::Shape;
use crate::ir::limits::MAX_ENGINE_MULTIPLIERS;

/// Divisors of `n` in increasing order.
pub fn divisors(n: usize) -> Vec<usize> {
    (1..=n).filter(|d| n.is_multiple_of(*d)).collect()
}

/// The (PE, SIMD) with the fewest multipliers (lanes, for engines without
/// multipliers) whose cycles meet `target`; ties go to fewer cycles, then to
/// wider SIMD (fewer passes over the input). PE divides the output
/// channels, SIMD the input channels. When nothing meets the target, the
/// fastest fold. Never more than `limits::MAX_ENGINE_MULTIPLIERS`.
pub fn fold(shape: &Shape, target: u64) -> (usize, usize) {
    fold_within(shape, target, MAX_ENGINE_MULTIPLIERS)
}

/// [`fold`] with at most `cap` multipliers (lanes).
pub fn fold_within(shape: &Shape, target: u64, cap: usize) -> (usize, usize) {
    let cap = cap.max(1);
    // (misses the target, cost or cycles as ranked, wider SIMD, pe, simd)
    let mut best: Option<(bool, u64, u64, std::cmp::Reverse<usize>, usize, usize)> = None;
    let simds = |pe: usize| {
        if shape.lanes_only() {
            vec![pe]
        } else {
            divisors(shape.simd_dim)
        }
    };
    for pe in divisors(shape.pe_dim) {
        if pe > cap {
            break;
        }
        for simd in simds(pe) {
            let cost = lanes(shape, pe, simd);
            if cost > cap {
                continue;
            }
            let cycles = shape.cycles(pe, simd);
            // meeting the target: fewest multipliers, then fewest cycles;
            // missing it: fewest cycles, then fewest multipliers
            let key = if cycles <= target {
                (
                    false,
                    cost as u64,
                    cycles,
                    std::cmp::Reverse(simd),
                    pe,
                    simd,
                )
            } else {
                (true, cycles, cost as u64, std::cmp::Reverse(simd), pe, simd)
            };
            if best.as_ref().is_none_or(|b| key < *b) {
                best = Some(key);
            }
        }
    }
    match best {
        Some((false, _, _, _, pe, simd)) => (pe, simd),
        // nothing meets the target: every lane, when the cap allows it
        _ if full_cost(shape) <= cap => full(shape),
        Some((_, _, _, _, pe, simd)) => (pe, simd),
        None => (1, 1),
    }
}

/// Every lane unrolled.
fn full(shape: &Shape) -> (usize, usize) {
    (
        shape.pe_dim,
        if shape.lanes_only() {
            shape.pe_dim
        } else {
            shape.simd_dim
        },
    )
}

/// What a fold costs against the cap: multipliers of a matrix-vector
/// engine, lanes of the others.
fn lanes(shape: &Shape, pe: usize, simd: usize) -> usize {
    if shape.lanes_only() {
        pe
    } else {
        pe.saturating_mul(simd)
    }
}

fn full_cost(shape: &Shape) -> usize {
    let (pe, simd) = full(shape);
    lanes(shape, pe, simd)
}

/// Every lane unrolled, within `limits::MAX_ENGINE_MULTIPLIERS`.
pub fn max_fold(shape: &Shape) -> (usize, usize) {
    max_fold_within(shape, MAX_ENGINE_MULTIPLIERS)
}

/// The fastest fold of at most `cap` multipliers (lanes).
pub fn max_fold_within(shape: &Shape, cap: usize) -> (usize, usize) {
    if full_cost(shape) <= cap {
        full(shape)
    } else {
        fold_within(shape, 0, cap)
    }
}

/// Kept for dense layers: `(PE, SIMD)` of an `in × out` matrix at `target`.
pub fn fold_layer(in_features: usize, out_features: usize, target: u64) -> (usize, usize) {
    fold(
        &Shape {
            kind: super::engine::EngineKind::Mvau,
            pe_dim: out_features,
            simd_dim: in_features,
            pixels: 1,
            in_pixels: 1,
            window: 1,
            swu: None,
        },
        target,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(inf: usize, outf: usize, target: u64, expected: (usize, usize)) {
        assert_eq!(
            fold_layer(inf, outf, target),
            expected,
            "{inf}x{outf} @ {target}"
        );
    }

    #[test]
    fn folds_to_the_fewest_multipliers() {
        // 16x64 = 1024 MACs in 64 cycles: 16 multipliers, widest SIMD
        check(16, 64, 64, (1, 16));
        // 32x5 = 160 MACs in 64 cycles: 4 multipliers (40 cycles) beat 5
        check(32, 5, 64, (1, 4));
        // primes: 7x13 in 10 cycles needs PE 13 or SIMD 7
        check(7, 13, 10, (13, 1));
        check(7, 13, 1, (13, 7));
        check(7, 13, 1000, (1, 1));
    }

    #[test]
    fn folds_stay_within_the_multiplier_cap() {
        let s = Shape {
            kind: crate::plan::EngineKind::Mvau,
            pe_dim: 8192,
            simd_dim: 8192,
            pixels: 1,
            in_pixels: 1,
            window: 1,
            swu: None,
        };
        let (pe, simd) = max_fold(&s);
        assert_eq!(pe * simd, MAX_ENGINE_MULTIPLIERS);
        let (pe, simd) = fold(&s, 1);
        assert_eq!(pe * simd, MAX_ENGINE_MULTIPLIERS);
        assert_eq!(max_fold_within(&s, 10), (1, 8));
    }
}
