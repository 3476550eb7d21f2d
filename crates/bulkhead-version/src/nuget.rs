//! NuGet, as `NuGet.Versioning` parses (`NuGetVersion.TryParse`) and orders
//! (`VersionComparer.Default`) versions; the rules are described at
//! <https://learn.microsoft.com/nuget/concepts/package-versioning>.
//!
//! - A version is `Major[.Minor[.Patch[.Revision]]][-Label(.Label)*][+Metadata]`, surrounded by
//!   optional whitespace. Missing numbers are `0`. Numbers are `System.Version` components:
//!   `0..=2147483647`, leading zeros allowed (`1.01` is `1.1.0`), and (as .NET's integer
//!   parsing allows) spaces or tabs around each one and NULs after it.
//! - Labels are non-empty `[0-9A-Za-z-]`; an all-digit label has no leading zero. Metadata is
//!   dot-separated non-empty `[0-9A-Za-z-]` and takes no part in ordering.
//! - Order: the four numbers; then a version without labels is greater than one with; then
//!   labels one by one, a longer list winning a tie. Two labels that `int.TryParse` reads as
//!   32-bit integers compare as numbers (that includes a leading `-`: `-1` is minus one); a
//!   numeric label is less than a non-numeric one; others compare ASCII-case-insensitively
//!   (`StringComparer.OrdinalIgnoreCase`), so `1.0.0-Beta == 1.0.0-beta`. A label too large
//!   for an `int` is therefore compared as text, as NuGet does.
//!
//! Any other string (`v1.0`, five numbers, an empty label, a non-ASCII character) is an error.
//! Numbers are parsed without overflow: anything above `2147483647` is an error, as in NuGet.

use std::cmp::Ordering;

use crate::VersionError;

const SCHEME: &str = "nuget";

pub(crate) fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    let a = Parsed::new(a)?;
    let b = Parsed::new(b)?;
    let order = a.numbers.cmp(&b.numbers);
    if order != Ordering::Equal {
        return Ok(order);
    }
    Ok(match (a.labels, b.labels) {
        (None, None) => Ordering::Equal,
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (Some(x), Some(y)) => compare_labels(x, y),
    })
}

struct Parsed<'a> {
    numbers: [u32; 4],
    /// The dot-separated labels after `-`, if any.
    labels: Option<&'a str>,
}

impl<'a> Parsed<'a> {
    fn new(version: &'a str) -> Result<Self, VersionError> {
        let err = |reason: &str| VersionError::new(SCHEME, version, reason);
        // .NET's `String.Trim` removes exactly Unicode's White_Space, like `str::trim`.
        let value = version.trim();
        if !value.is_ascii() {
            return Err(err("non-ASCII characters are not allowed"));
        }
        let (numbers, labels, metadata) = sections(value);
        if numbers.is_empty() {
            return Err(err("expected a version number"));
        }
        let numbers = parse_numbers(numbers)
            .ok_or_else(|| err("expected 1 to 4 dot-separated numbers, each at most 2147483647"))?;
        if let Some(labels) = labels
            && !labels.split('.').all(valid_label)
        {
            return Err(err(
                "prerelease labels must be non-empty [0-9A-Za-z-], numbers without leading zeros",
            ));
        }
        if let Some(metadata) = metadata
            && !metadata.split('.').all(valid_part)
        {
            return Err(err("metadata must be dot-separated non-empty [0-9A-Za-z-]"));
        }
        Ok(Parsed { numbers, labels })
    }
}

/// `SemanticVersion.ParseSections`: the text before the first `-` or `+`, the labels up to the
/// next `+`, the metadata after it. Its quirk is kept: a `-` or `+` that ends the string stays in
/// the section before it (and so makes that section invalid).
fn sections(value: &str) -> (&str, Option<&str>, Option<&str>) {
    let bytes = value.as_bytes();
    let Some(sep) = bytes.iter().position(|&c| c == b'-' || c == b'+') else {
        return (value, None, None);
    };
    if sep + 1 == bytes.len() {
        return (value, None, None);
    }
    let numbers = &value[..sep];
    if bytes[sep] == b'+' {
        return (numbers, None, Some(&value[sep + 1..]));
    }
    let rest = &value[sep + 1..];
    match rest.find('+') {
        Some(plus) if plus + 1 < rest.len() => {
            (numbers, Some(&rest[..plus]), Some(&rest[plus + 1..]))
        }
        // A final `+` stays in the labels, which it makes invalid.
        _ => (numbers, Some(rest), None),
    }
}

/// `System.Version.TryParse`, after NuGet appends `.0` to a lone number. Each component is
/// `int.TryParse(…, NumberStyles.Integer)`: optional leading and trailing whitespace (tab to
/// carriage return, space) and trailing NULs around ASCII digits; a sign is impossible here
/// because `-` and `+` end the number section.
fn parse_numbers(section: &str) -> Option<[u32; 4]> {
    let mut numbers = [0; 4];
    for (i, component) in section.split('.').enumerate() {
        *numbers.get_mut(i)? = parse_component(component)?;
    }
    Some(numbers)
}

fn parse_component(component: &str) -> Option<u32> {
    let is_white = |c: char| matches!(c, '\t'..='\r' | ' ');
    let digits = component.trim_end_matches('\0').trim_matches(is_white);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let significant = digits.trim_start_matches('0');
    if significant.len() > 10 {
        return None;
    }
    let value: u64 = if significant.is_empty() {
        0
    } else {
        significant.parse().ok()?
    };
    u32::try_from(value)
        .ok()
        .filter(|v| i32::try_from(*v).is_ok())
}

/// `SemanticVersion.IsValidPart(…, allowLeadingZeros: true)`.
fn valid_part(part: &str) -> bool {
    !part.is_empty() && part.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
}

/// `SemanticVersion.IsValidPart(…, allowLeadingZeros: false)`.
fn valid_label(label: &str) -> bool {
    let leading_zero_number =
        label.len() > 1 && label.starts_with('0') && label.bytes().all(|c| c.is_ascii_digit());
    valid_part(label) && !leading_zero_number
}

fn compare_labels(a: &str, b: &str) -> Ordering {
    let mut a_labels = a.split('.');
    let mut b_labels = b.split('.');
    loop {
        match (a_labels.next(), b_labels.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let order = match (as_int(x), as_int(y)) {
                    (Some(x), Some(y)) => x.cmp(&y),
                    (Some(_), None) => Ordering::Less,
                    (None, Some(_)) => Ordering::Greater,
                    (None, None) => x
                        .bytes()
                        .map(|c| c.to_ascii_uppercase())
                        .cmp(y.bytes().map(|c| c.to_ascii_uppercase())),
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
        }
    }
}

/// `int.TryParse` on a valid label (`[0-9A-Za-z-]+`): an optional `-` and digits, in range.
fn as_int(label: &str) -> Option<i32> {
    let (negative, digits) = match label.strip_prefix('-') {
        Some(digits) => (true, digits),
        None => (false, label),
    };
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let significant = digits.trim_start_matches('0');
    if significant.len() > 10 {
        return None;
    }
    let magnitude: i64 = if significant.is_empty() {
        0
    } else {
        significant.parse().ok()?
    };
    i32::try_from(if negative { -magnitude } else { magnitude }).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        compare(a, b).unwrap()
    }

    #[test]
    fn numbers() {
        assert_eq!(cmp("1", "1.0.0.0"), Ordering::Equal);
        assert_eq!(cmp("1.01", "1.1.0"), Ordering::Equal);
        assert_eq!(cmp("1.0.0.1", "1.0.0"), Ordering::Greater);
        assert_eq!(cmp(" 1. 2 .3\t", "1.2.3"), Ordering::Equal);
        assert_eq!(cmp("2147483647.0", "1.0"), Ordering::Greater);
        assert!(compare("2147483648.0", "1.0").is_err());
        assert!(compare(&format!("1.{}", "9".repeat(400)), "1.0").is_err());
        assert!(compare("1.2.3.4.5", "1.0").is_err());
        assert!(compare("v1.0", "1.0").is_err());
        assert!(compare("", "1.0").is_err());
        assert!(compare("1..0", "1.0").is_err());
    }

    #[test]
    fn labels() {
        assert_eq!(cmp("1.0.0-beta", "1.0.0"), Ordering::Less);
        assert_eq!(cmp("1.0.0-Beta", "1.0.0-beta"), Ordering::Equal);
        assert_eq!(cmp("1.0.0-beta.2", "1.0.0-beta.10"), Ordering::Less);
        assert_eq!(cmp("1.0.0-beta2", "1.0.0-beta10"), Ordering::Greater);
        assert_eq!(cmp("1.0.0-1", "1.0.0-a"), Ordering::Less);
        assert_eq!(cmp("1.0.0-beta", "1.0.0-beta.1"), Ordering::Less);
        assert_eq!(cmp("1.0.0-a.-1", "1.0.0-a.0"), Ordering::Less);
        assert_eq!(cmp("1.0.0-2147483648", "1.0.0-5"), Ordering::Greater);
        assert_eq!(cmp("1.0.0-2147483648", "1.0.0-a"), Ordering::Less);
        assert_eq!(cmp("1.0.0+abc", "1.0.0+def"), Ordering::Equal);
        assert!(compare("1.0.0-01", "1.0.0").is_err());
        assert!(compare("1.0.0-", "1.0.0").is_err());
        assert!(compare("1.0.0-a+", "1.0.0").is_err());
        assert!(compare("1.0.0+", "1.0.0").is_err());
        assert!(compare("1.0.0-a..b", "1.0.0").is_err());
    }
}
