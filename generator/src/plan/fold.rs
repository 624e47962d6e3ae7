//! Choosing one layer's PE × SIMD.

/// Divisors of `n` in increasing order.
pub fn divisors(n: usize) -> Vec<usize> {
    (1..=n).filter(|d| n.is_multiple_of(*d)).collect()
}

/// The (PE, SIMD) with the fewest multipliers whose `(in/simd)·(out/pe)`
/// cycles meet `target`; ties go to fewer cycles, then to wider SIMD (fewer
/// passes over the input stream). PE divides `out_features`, SIMD divides
/// `in_features`.
pub fn fold_layer(in_features: usize, out_features: usize, target: u64) -> (usize, usize) {
    let mut best: Option<(usize, u64, std::cmp::Reverse<usize>, usize, usize)> = None;
    for pe in divisors(out_features) {
        for simd in divisors(in_features) {
            let cycles = ((in_features / simd) * (out_features / pe)) as u64;
            if cycles > target {
                continue;
            }
            let key = (pe * simd, cycles, std::cmp::Reverse(simd), pe, simd);
            if best.as_ref().is_none_or(|b| key < *b) {
                best = Some(key);
            }
        }
    }
    best.map(|(_, _, _, pe, simd)| (pe, simd))
        .unwrap_or((out_features, in_features))
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
