//! Shannon entropy exactly as gitleaks computes it (`detect/utils.go`).

use std::collections::HashMap;

/// Shannon entropy in bits of `data`'s characters, gitleaks-style: characters are counted as
/// Go ranges over a string (each byte of an invalid UTF-8 sequence is one U+FFFD), but the
/// frequencies are divided by the **byte** length. So a secret with multi-byte characters
/// scores lower than its character-level entropy; for ASCII the two agree.
pub fn shannon_entropy(data: &[u8]) -> f64 {
    if data.is_empty() {
        return 0.0;
    }
    #[allow(clippy::cast_precision_loss)] // lengths far below 2^52
    let inv_len = 1.0 / data.len() as f64;
    let term = |count: usize| {
        #[allow(clippy::cast_precision_loss)]
        let freq = count as f64 * inv_len;
        -freq * freq.log2()
    };
    if data.is_ascii() {
        let mut counts = [0usize; 128];
        for &b in data {
            counts[usize::from(b)] += 1;
        }
        return counts.iter().filter(|&&c| c > 0).map(|&c| term(c)).sum();
    }
    let mut counts: HashMap<char, usize> = HashMap::new();
    for chunk in data.utf8_chunks() {
        for c in chunk.valid().chars() {
            *counts.entry(c).or_default() += 1;
        }
        if !chunk.invalid().is_empty() {
            *counts.entry(char::REPLACEMENT_CHARACTER).or_default() += chunk.invalid().len();
        }
    }
    counts.values().map(|&c| term(c)).sum()
}

#[cfg(test)]
mod tests {
    use super::shannon_entropy;

    #[test]
    fn matches_gitleaks() {
        assert!(shannon_entropy(b"").abs() < f64::EPSILON);
        assert!(shannon_entropy(b"aaaa").abs() < f64::EPSILON);
        assert!((shannon_entropy(b"ab") - 1.0).abs() < 1e-12);
        assert!((shannon_entropy(b"abcd") - 2.0).abs() < 1e-12);
        // "é" is 2 bytes: one rune with frequency 1/2 → 0.5 bits, not 0.
        assert!((shannon_entropy("é".as_bytes()) - 0.5).abs() < 1e-12);
        // Two invalid bytes are two U+FFFD: frequency 2/2 → 0.
        assert!(shannon_entropy(b"\xff\xfe").abs() < f64::EPSILON);
    }
}
