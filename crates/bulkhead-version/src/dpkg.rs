//! Debian package versions, as `deb-version(7)` defines them and as dpkg 1.21's
//! `dpkg --compare-versions` parses and orders them (`lib/dpkg/parsehelp.c` `parseversion`,
//! `lib/dpkg/version.c` `verrevcmp`, `src/main/enquiry.c` `cmpversions`).
//!
//! A version is `[epoch:]upstream[-revision]`. Epochs compare as integers; upstream and
//! revision compare with `verrevcmp`: alternating runs of non-digits and digits, where in a
//! non-digit run `~` sorts before everything (even the end of the string), then the end,
//! then letters (ASCII order), then every other character; digit runs compare as numbers.
//! So `1.0~rc1 < 1.0 < 1.0a < 1.0+b1 < 1.0.1`.
//!
//! What dpkg rejects, we reject (`Err`), with dpkg's own reason: a string of only blanks,
//! embedded blanks, an epoch that is empty, not a number, negative or above `i32::MAX`,
//! nothing after the colon, an empty revision (`1.0-`) and an empty upstream (`1:-1`).
//! What dpkg only warns about, we accept and order exactly as dpkg does: an upstream that does
//! not start with a digit and characters outside `[A-Za-z0-9.+~:-]`.
//!
//! dpkg's quirks, mirrored on purpose because `dpkg --compare-versions` is the truth:
//! - `""` and `"<unknown>"` are dpkg's *absent* version: equal to each other and lower than
//!   every real version (even `0`). `" "` is an error.
//! - Leading and trailing spaces and tabs are ignored (`" 1.0 "` is `1.0`).
//! - The epoch is read with C's `strtol`, which skips leading `\n\v\f\r` and takes a sign:
//!   `+1:2` has epoch 1 and `-0:2` epoch 0; `-1:2` is "negative".
//! - The revision starts after the *last* hyphen, the epoch ends at the *first* colon.
//! - Bytes of 0x80 and above (UTF-8) order as dpkg on x86 orders them, where `char` is
//!   signed: after letters and before ASCII punctuation.
//!
//! A NUL byte cannot reach dpkg (C strings), so a version holding one is an error.
//! The work is linear in the input length; digit runs of any length compare exactly (leading
//! zeros skipped, then by length, then digit by digit), never through a fixed-size integer.

use std::cmp::Ordering;

use crate::VersionError;

const SCHEME: &str = "dpkg";

/// A parsed version; [`parse`] returns `None` for dpkg's absent version (`""`, `<unknown>`).
struct Version<'a> {
    epoch: u32,
    upstream: &'a [u8],
    revision: &'a [u8],
}

pub(crate) fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    let a = parse(a)?;
    let b = parse(b)?;
    Ok(match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(a), Some(b)) => a
            .epoch
            .cmp(&b.epoch)
            .then_with(|| verrevcmp(a.upstream, b.upstream))
            .then_with(|| verrevcmp(a.revision, b.revision)),
    })
}

fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

fn parse(input: &str) -> Result<Option<Version<'_>>, VersionError> {
    let err = |reason: &str| VersionError::new(SCHEME, input, reason);
    // `cmpversions` treats these two as "no version" before parsing.
    if input.is_empty() || input == "<unknown>" {
        return Ok(None);
    }
    let bytes = input.as_bytes();
    if bytes.contains(&0) {
        return Err(err("version string contains a NUL byte"));
    }
    let start = bytes
        .iter()
        .position(|&c| !is_blank(c))
        .ok_or_else(|| err("version string is empty"))?;
    let rest = &bytes[start..];
    let end = rest.iter().position(|&c| is_blank(c)).unwrap_or(rest.len());
    if rest[end..].iter().any(|&c| !is_blank(c)) {
        return Err(err("version string has embedded spaces"));
    }
    let version = &rest[..end];

    let (epoch, version) = match version.iter().position(|&c| c == b':') {
        Some(colon) => {
            let epoch = parse_epoch(&version[..colon]).map_err(err)?;
            let after = &version[colon + 1..];
            if after.is_empty() {
                return Err(err("nothing after colon in version number"));
            }
            (epoch, after)
        }
        None => (0, version),
    };
    let (upstream, revision) = match version.iter().rposition(|&c| c == b'-') {
        Some(hyphen) => {
            let revision = &version[hyphen + 1..];
            if revision.is_empty() {
                return Err(err("revision number is empty"));
            }
            (&version[..hyphen], revision)
        }
        None => (version, &[][..]),
    };
    if upstream.is_empty() {
        return Err(err("version number is empty"));
    }
    // dpkg only warns about a non-digit start or odd characters, then compares anyway.
    Ok(Some(Version {
        epoch,
        upstream,
        revision,
    }))
}

/// The epoch as dpkg reads it: `strtol(s, &end, 10)` must stop exactly at the colon.
fn parse_epoch(field: &[u8]) -> Result<u32, &'static str> {
    // strtol skips C `isspace` (blanks were already trimmed) and accepts one sign.
    let mut i = field
        .iter()
        .position(|c| !matches!(c, b'\n' | 0x0b | 0x0c | b'\r'))
        .unwrap_or(field.len());
    let negative = match field.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let digits = &field[i..];
    let len = digits.iter().take_while(|c| c.is_ascii_digit()).count();
    if len == 0 {
        return Err("epoch in version is empty");
    }
    if len != digits.len() {
        return Err("epoch in version is not number");
    }
    let significant = strip_zeros(digits);
    if negative && !significant.is_empty() {
        return Err("epoch in version is negative");
    }
    // Anything above INT_MAX (2147483647, 10 digits) is "too big".
    if significant.len() > 10 {
        return Err("epoch in version is too big");
    }
    let value = significant
        .iter()
        .fold(0u64, |acc, &c| acc * 10 + u64::from(c - b'0'));
    u32::try_from(value)
        .ok()
        .filter(|&v| v <= 0x7fff_ffff)
        .ok_or("epoch in version is too big")
}

fn strip_zeros(digits: &[u8]) -> &[u8] {
    let zeros = digits.iter().take_while(|&&c| c == b'0').count();
    &digits[zeros..]
}

/// dpkg's `order()`: the weight of one byte in a non-digit run (`None` = end of string).
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(b'~') => -1,
        // dpkg computes `c + 256` on a signed `char`: bytes >= 0x80 land on 128..=255,
        // between letters and ASCII punctuation (289..=382).
        Some(c) if c >= 0x80 => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

/// dpkg's `verrevcmp`.
fn verrevcmp(a: &[u8], b: &[u8]) -> Ordering {
    let (mut i, mut j) = (0, 0);
    let is_digit = |s: &[u8], k: usize| s.get(k).is_some_and(u8::is_ascii_digit);
    while i < a.len() || j < b.len() {
        while (i < a.len() && !is_digit(a, i)) || (j < b.len() && !is_digit(b, j)) {
            let ac = order(a.get(i).copied());
            let bc = order(b.get(j).copied());
            if ac != bc {
                return ac.cmp(&bc);
            }
            // Past the end, C keeps reading the terminating NUL; we simply stay at the end.
            i = (i + 1).min(a.len());
            j = (j + 1).min(b.len());
        }
        let a_run = a[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        let b_run = b[j..].iter().take_while(|c| c.is_ascii_digit()).count();
        let ord = compare_digits(&a[i..i + a_run], &b[j..j + b_run]);
        if ord != Ordering::Equal {
            return ord;
        }
        i += a_run;
        j += b_run;
    }
    Ordering::Equal
}

/// Two digit runs as numbers of any length: an empty run is 0.
fn compare_digits(a: &[u8], b: &[u8]) -> Ordering {
    let (a, b) = (strip_zeros(a), strip_zeros(b));
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}
