//! Shannon entropy of a string, in bits per character.

/// Bits per character of `s` (0 for an empty string).
pub fn shannon(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    let mut n = 0u32;
    for b in s.bytes() {
        counts[b as usize] += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    let n = f64::from(n);
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    #[test]
    fn entropy() {
        assert_eq!(super::shannon(""), 0.0);
        assert_eq!(super::shannon("aaaa"), 0.0);
        assert!((super::shannon("ab") - 1.0).abs() < 1e-9);
        assert!(super::shannon("k3J9x!Qz7Lm2Pw8R") > 3.9);
    }
}
