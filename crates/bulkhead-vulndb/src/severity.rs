//! Severities from CVSS vectors (computed by the `cvss` crate, never trusted from a label next
//! to the vector) and from distro ratings.

use bulkhead_finding::Severity;

/// The base score and rating of a CVSS v2, v3.x or v4.0 vector; `None` if it does not parse.
/// A v2 vector has no rating scale of its own; NVD's (low < 4, medium < 7, high) is used.
pub fn cvss_severity(vector: &str) -> Option<(f64, Severity)> {
    let parsed: cvss::Cvss = vector.trim().parse().ok()?;
    let score = parsed.score();
    let severity = if matches!(parsed, cvss::Cvss::CvssV20(_)) {
        v2_rating(score)
    } else {
        match parsed.severity() {
            cvss::Severity::None => Severity::Unknown,
            cvss::Severity::Low => Severity::Low,
            cvss::Severity::Medium => Severity::Medium,
            cvss::Severity::High => Severity::High,
            cvss::Severity::Critical => Severity::Critical,
        }
    };
    Some((score, severity))
}

/// NVD's CVSS v2 rating of a base score (v2 has no critical).
pub(crate) fn v2_rating(score: f64) -> Severity {
    score_rating(score).min(Severity::High)
}

/// The CVSS v3/v4 rating of a base score, for feeds that give the score without the vector.
pub(crate) fn score_rating(score: f64) -> Severity {
    if score >= 9.0 {
        Severity::Critical
    } else if score >= 7.0 {
        Severity::High
    } else if score >= 4.0 {
        Severity::Medium
    } else if score > 0.0 {
        Severity::Low
    } else {
        Severity::Unknown
    }
}

/// A distro's or GHSA's own word for severity: Debian urgencies (`unimportant`, `low`,
/// `medium`, `high`, with or without the tracker's `*`/`**` marks), GHSA's `LOW`, `MODERATE`,
/// `HIGH`, `CRITICAL`. `None` for "not yet assigned", "end-of-life" and anything unknown, so
/// the CVSS score decides.
pub fn distro_severity(text: &str) -> Option<Severity> {
    let word = text
        .trim()
        .trim_end_matches('*')
        .trim()
        .to_ascii_lowercase();
    match word.as_str() {
        "unimportant" | "negligible" | "low" => Some(Severity::Low),
        "medium" | "moderate" => Some(Severity::Medium),
        "high" | "important" => Some(Severity::High),
        "critical" => Some(Severity::Critical),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cvss_vectors_score() {
        // NVD's published base scores for these vectors.
        let (score, sev) = cvss_severity("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap();
        assert!((score - 9.8).abs() < 1e-9);
        assert_eq!(sev, Severity::Critical);
        let (score, sev) = cvss_severity("CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H").unwrap();
        assert!((score - 5.5).abs() < 1e-9);
        assert_eq!(sev, Severity::Medium);
        let (score, sev) = cvss_severity("AV:N/AC:L/Au:N/C:P/I:P/A:P").unwrap();
        assert!((score - 7.5).abs() < 1e-9);
        assert_eq!(sev, Severity::High);
        let (_, sev) =
            cvss_severity("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
                .unwrap();
        assert_eq!(sev, Severity::Critical);
        assert_eq!(cvss_severity("CVSS:3.1/AV:Q"), None);
    }

    #[test]
    fn distro_words() {
        assert_eq!(distro_severity("unimportant"), Some(Severity::Low));
        assert_eq!(distro_severity("medium**"), Some(Severity::Medium));
        assert_eq!(distro_severity("MODERATE"), Some(Severity::Medium));
        assert_eq!(distro_severity("not yet assigned"), None);
    }
}
