//! Choosing one engine's PE × SIMD.

use super::engine::Shape;

/// Divisors of `n` in increasing order.
pub fn divisors(n: usize) -> Vec<usize> {
    (1..=n).filter(|d| n.is_multiple_of(*d)).collect()
}

/// The (PE, SIMD) with the fewest multipliers (lanes, for engines without
/// multipliers) whose cycles meet `target`; ties go to fewer cycles, then to
/// wider SIMD (fewer passes over the input). PE divides the output
/// channels, SIMD the input channels. When nothing meets the target, the
/// fastest fold.
pub fn fold(shape: &Shape, target: u64) -> (usize, usize) {
    let mut best: Option<(usize, u64, std::cmp::Reverse<usize>, usize, usize)> = None;
    let simds = |pe: usize| {
        if shape.lanes_only() {
            vec![pe]
        } else {
            divisors(shape.simd_dim)
        }
    };
    for pe in divisors(shape.pe_dim) {
        for simd in simds(pe) {
            let cycles = shape.cycles(pe, simd);
            if cycles > target {
                continue;
            }
            let cost = if shape.lanes_only() { pe } else { pe * simd };
            let key = (cost, cycles, std::cmp::Reverse(simd), pe, simd);
            if best.as_ref().is_none_or(|b| key < *b) {
                best = Some(key);
            }
        }
    }
    best.map(|(_, _, _, pe, simd)| (pe, simd))
        .unwrap_or_else(|| max_fold(shape))
}

/// Every lane unrolled.
pub fn max_fold(shape: &Shape) -> (usize, usize) {
    (
        shape.pe_dim,
        if shape.lanes_only() {
            shape.pe_dim
        } else {
            shape.simd_dim
        },
    )
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
}
