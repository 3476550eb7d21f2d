//! Composer (PHP, Packagist), as composer/semver 3 orders versions (`VersionParser.php`,
//! `Comparator.php`, `Constraint/Constraint.php`; <https://getcomposer.org/doc/articles/versions.md>
//! describes the intent). It takes two steps, and so does this module:
//!
//! 1. **Normalise** each version (`VersionParser::normalize`). Composer never compares what a
//!    package author wrote: `v1.2`, `1.2.0` and `1.2-stable` are all `1.2.0.0`, `1.0RC1` is
//!    `1.0.0.0-RC1`, `1.x-dev` is `1.9999999.9999999.9999999-dev`. A string it cannot normalise
//!    is an error here, as it is there.
//! 2. **Compare** the normalised strings with PHP's `version_compare()`
//!    (`ext/standard/versioning.c`), which is what `Comparator::compare` ends in. That function
//!    knows nothing of Composer; it only sorts well because step 1 has already put every version
//!    into a shape it sorts right (four numbers, then `-stability`, then `-dev`). Comparing the
//!    raw strings would not do: `version_compare` finds `1.0 < 1.0.0` and `v1 < 0.1`.
//!
//! Normalisation, in Composer's order:
//!
//! - Trim PHP's `trim()` set (space, `\t`, `\n`, `\r`, `\0`, `\x0B`). Drop an alias
//!   (`1.0 as 2.0` is `1.0`), a stability flag (`1.0@dev`), and build metadata (`1.0+build`).
//!   `master`, `trunk` and `default` become `dev-master`, ….
//! - A branch, `dev-` in any case then anything, becomes `dev-` and the rest unchanged.
//! - Classical: `[v]` 1 to 5 digits, up to three `.digits`; missing numbers are `.0`.
//!   Date-like: `[v]YYYY` then 1 to 6 two-digit groups and an optional 1-3 digit one, each
//!   optionally after `.`, `:` or `-` (`20100102`, `2010-01-02-10:20`); separators become `.`.
//! - Either may end with an optional `.`, `_` or `-`, a stability word (case-insensitive
//!   `stable`, `beta`/`b`, `RC`, `alpha`/`a`, `patch`/`pl`/`p`) with optional numbers
//!   (`[.-]?digits`, repeated), then an optional `dev` (after `.` or `-`, or none). The word is
//!   spelled out (`-alpha`, `-beta`, `-RC`, `-patch`), its numbers follow with their first
//!   separator dropped (`1.0-beta.1.2` is `1.0.0.0-beta1.2`), and `-dev` is appended. Exactly
//!   `stable` (lowercase) leaves the bare version; `STABLE` stays as `-stable`, as in Composer.
//! - A numeric branch, `[v]N[.N|x|*]…` followed by `[.-]dev`: `1.2.x-dev` is
//!   `1.2.9999999.9999999-dev`.
//!
//! The regular expressions are reproduced with PCRE's own corners: `$` also matches before a
//! final newline (`"1.0\n@dev"` is `1.0.0.0`), `\s` is ASCII, and `.` stops at a newline.
//!
//! `version_compare`, on the normalised strings:
//!
//! - Canonicalise: `-`, `_` and `+` become `.`, a `.` goes between a digit and a non-digit,
//!   other non-alphanumeric bytes become `.` (unless right after a digit, where PHP keeps them),
//!   and runs of `.` collapse. Then compare part by part: numbers numerically (as C's `strtol`,
//!   which saturates at 2^63 − 1, so larger numbers are all equal); two words by their special
//!   form, the first that prefixes the word, in this order: any other word < `dev` < `alpha` =
//!   `a` < `beta` = `b` < `RC` = `rc` < a number (`#`) < `pl` = `p`, case-sensitively; a number
//!   against a word as `#` against it. When one side runs out of parts, the other's next part
//!   decides: a number makes it greater, a word compares with `#` (so
//!   `1.0.0.0-dev < 1.0.0.0 < 1.0.0.0-patch1`).
//! - Composer compares branches apart (`Constraint::versionCompare`): two branches are equal
//!   when they are the same string and otherwise not ordered at all, which is an error here. A
//!   branch against a numbered version goes to `version_compare`, whose first part, `dev`, makes
//!   every branch lower than every numbered version.

use std::borrow::Cow;
use std::cmp::Ordering;

use crate::VersionError;

const SCHEME: &str = "composer";

pub(crate) fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    let normal_a = normalize(a)?;
    let normal_b = normalize(b)?;
    if is_branch(&normal_a) && is_branch(&normal_b) {
        if normal_a == normal_b {
            return Ok(Ordering::Equal);
        }
        let other: String = b.chars().take(200).collect();
        return Err(VersionError::new(
            SCHEME,
            a,
            format!(
                "composer orders a branch only against itself and numbered versions, not against the branch `{other}`"
            ),
        ));
    }
    Ok(version_compare(&normal_a, &normal_b))
}

fn is_branch(normal: &[u8]) -> bool {
    normal.starts_with(b"dev-")
}

// ---------------------------------------------------------------------------------------------
// Step 1: `VersionParser::normalize`.

/// `VersionParser::normalize`; the result is bytes because PHP's strings are.
fn normalize(version: &str) -> Result<Vec<u8>, VersionError> {
    let mut v = php_trim(version.as_bytes());
    if let Some(source) = alias_source(v) {
        v = source;
    }
    v = strip_stability_flag(v);
    if matches!(v, b"master" | b"trunk" | b"default") {
        return Ok([b"dev-", v].concat());
    }
    if v.len() >= 4 && v[..4].eq_ignore_ascii_case(b"dev-") {
        return Ok([b"dev-", &v[4..]].concat());
    }
    v = strip_build_metadata(v);
    if let Some(normal) = classical(v)
        .or_else(|| date(v))
        .or_else(|| numeric_branch(v))
    {
        return Ok(normal);
    }
    Err(VersionError::new(
        SCHEME,
        version,
        "composer cannot normalize it: expected `[v]major[.minor[.patch[.build]]]` or a date, each with an optional stability (`-beta2`, `RC1`, `-dev`), or a branch (`dev-name`, `1.x-dev`)",
    ))
}

/// PHP's `trim()` default set.
fn php_trim(s: &[u8]) -> &[u8] {
    let keep = |c: &u8| !matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\0' | 0x0b);
    let Some(start) = s.iter().position(keep) else {
        return &[];
    };
    let end = s.iter().rposition(keep).map_or(s.len(), |i| i + 1);
    &s[start..end]
}

/// PCRE's `\s` without Unicode: ASCII whitespace including `\x0B`.
fn is_pcre_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Whether PCRE's `$` (without the `D` modifier) matches at `i`: the end, or a final newline.
fn at_end(s: &[u8], i: usize) -> bool {
    i == s.len() || (i + 1 == s.len() && s[i] == b'\n')
}

/// The number of ASCII digits from `from`.
fn digits(s: &[u8], from: usize) -> usize {
    s.get(from..).map_or(0, |rest| {
        rest.iter().take_while(|c| c.is_ascii_digit()).count()
    })
}

fn starts_with_ci(s: &[u8], prefix: &[u8]) -> bool {
    s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// A leading `v` or `V` (the patterns' `^v?` under `/i`): 1 if there is one.
fn v_prefix(s: &[u8]) -> usize {
    usize::from(matches!(s.first(), Some(b'v' | b'V')))
}

/// `^([^,\s]++) ++as ++([^,\s]++)$`: the source of an alias, `1.0` in `1.0 as 2.0`.
fn alias_source(v: &[u8]) -> Option<&[u8]> {
    let plain = |s: &[u8]| {
        s.iter()
            .take_while(|&&c| c != b',' && !is_pcre_space(c))
            .count()
    };
    let spaces = |s: &[u8]| s.iter().take_while(|&&c| c == b' ').count();
    let source = plain(v);
    let mut i = source;
    let gap = spaces(&v[i..]);
    if source == 0 || gap == 0 || !v[i + gap..].starts_with(b"as") {
        return None;
    }
    i += gap + 2;
    let gap = spaces(&v[i..]);
    let target = plain(&v[i + gap..]);
    (gap > 0 && target > 0 && at_end(v, i + gap + target)).then_some(&v[..source])
}

/// `@(?:stable|RC|beta|alpha|dev)$`, case-insensitive, removed. (`v` is trimmed or has no
/// whitespace here, so `$` is the very end.)
fn strip_stability_flag(v: &[u8]) -> &[u8] {
    for flag in [&b"@stable"[..], b"@RC", b"@beta", b"@alpha", b"@dev"] {
        if v.len() >= flag.len() && v[v.len() - flag.len()..].eq_ignore_ascii_case(flag) {
            return &v[..v.len() - flag.len()];
        }
    }
    v
}

/// `^([^,\s+]++)\+[^\s]++$`: the version before `+build`.
fn strip_build_metadata(v: &[u8]) -> &[u8] {
    let head = v
        .iter()
        .take_while(|&&c| c != b',' && c != b'+' && !is_pcre_space(c))
        .count();
    if head == 0 || v.get(head) != Some(&b'+') {
        return v;
    }
    let tail = v[head + 1..]
        .iter()
        .take_while(|&&c| !is_pcre_space(c))
        .count();
    if tail > 0 && at_end(v, head + 1 + tail) {
        &v[..head]
    } else {
        v
    }
}

/// `^v?(\d{1,5})(\.\d++)?(\.\d++)?(\.\d++)?` then the modifier, padded to four numbers.
fn classical(v: &[u8]) -> Option<Vec<u8>> {
    let mut i = v_prefix(v);
    let major = digits(v, i);
    // More than five digits: no shorter split helps, as nothing after may start with a digit.
    if major == 0 || major > 5 {
        return None;
    }
    let mut out = v[i..i + major].to_vec();
    i += major;
    let mut numbers = 1;
    while numbers < 4 && v.get(i) == Some(&b'.') && digits(v, i + 1) > 0 {
        let len = 1 + digits(v, i + 1);
        out.extend_from_slice(&v[i..i + len]);
        i += len;
        numbers += 1;
    }
    let modifier = Modifier::parse(&v[i..])?;
    for _ in numbers..4 {
        out.extend_from_slice(b".0");
    }
    Some(modifier.apply(out))
}

/// `^v?(\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3})?)` then the modifier; the date's non-digits
/// become `.`.
fn date(v: &[u8]) -> Option<Vec<u8>> {
    let start = v_prefix(v);
    // The date takes every digit before the modifier, which holds none before its stability
    // word: so it runs to the last digit of the leading run of digits and separators.
    let run = v[start..]
        .iter()
        .position(|&c| !(c.is_ascii_digit() || matches!(c, b'.' | b':' | b'-')))
        .map_or(v.len(), |k| start + k);
    let end = start + v[start..run].iter().rposition(u8::is_ascii_digit)? + 1;
    let date = &v[start..end];
    if !date_shape(date) {
        return None;
    }
    let modifier = Modifier::parse(&v[end..])?;
    let out = date
        .iter()
        .map(|&c| if c.is_ascii_digit() { c } else { b'.' })
        .collect();
    Some(modifier.apply(out))
}

/// Whether `date` (digits and `.:-`, ending in a digit) is all of
/// `\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3})?`: single separators only, each at the start of a
/// group (an even number of digits before it, at least four), and a digit count that the
/// groups add up to.
fn date_shape(date: &[u8]) -> bool {
    if !date.first().is_some_and(u8::is_ascii_digit) {
        return false;
    }
    let (mut count, mut last_cut, mut cuts_ok, mut after_separator) = (0, 0, true, false);
    for &c in date {
        if c.is_ascii_digit() {
            count += 1;
            after_separator = false;
        } else {
            cuts_ok &= !after_separator && count >= 4 && count % 2 == 0;
            last_cut = count;
            after_separator = true;
        }
    }
    cuts_ok
        && (1..=6).any(|groups| {
            let head = 4 + 2 * groups;
            count >= head && count - head <= 3 && last_cut <= head
        })
}

/// What `[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d+)*+)?)?([.-]?dev)?$`
/// captured (case-insensitive).
#[derive(Debug)]
struct Modifier<'a> {
    stability: Option<&'a [u8]>,
    numbers: &'a [u8],
    dev: bool,
}

const STABILITIES: [&[u8]; 9] = [
    b"stable", b"beta", b"b", b"RC", b"alpha", b"a", b"patch", b"pl", b"p",
];

impl<'a> Modifier<'a> {
    /// Matches the whole of `s`, trying the choices in the order PCRE backtracks through them.
    fn parse(s: &'a [u8]) -> Option<Self> {
        let skips: &[usize] = if matches!(s.first(), Some(b'.' | b'_' | b'-')) {
            &[1, 0]
        } else {
            &[0]
        };
        for &skip in skips {
            let rest = &s[skip..];
            for word in STABILITIES {
                if !starts_with_ci(rest, word) {
                    continue;
                }
                let after = &rest[word.len()..];
                let numbers = numbers_len(after);
                if let Some(dev) = dev_suffix(&after[numbers..]) {
                    return Some(Modifier {
                        stability: Some(&rest[..word.len()]),
                        numbers: &after[..numbers],
                        dev,
                    });
                }
            }
            if let Some(dev) = dev_suffix(rest) {
                return Some(Modifier {
                    stability: None,
                    numbers: b"",
                    dev,
                });
            }
        }
        None
    }

    /// Appends the modifier to `version` as `normalize` does.
    fn apply(&self, mut version: Vec<u8>) -> Vec<u8> {
        if let Some(stability) = self.stability {
            if stability == b"stable" {
                return version;
            }
            version.push(b'-');
            let lower = stability.to_ascii_lowercase();
            version.extend_from_slice(match lower.as_slice() {
                b"a" => b"alpha",
                b"b" => b"beta",
                b"p" | b"pl" => b"patch",
                b"rc" => b"RC",
                other => other,
            });
            let numbers = self
                .numbers
                .iter()
                .position(|c| !matches!(c, b'.' | b'-'))
                .map_or(&[][..], |i| &self.numbers[i..]);
            version.extend_from_slice(numbers);
        }
        if self.dev {
            version.extend_from_slice(b"-dev");
        }
        version
    }
}

/// How much `(?:[.-]?\d+)*+` takes.
fn numbers_len(s: &[u8]) -> usize {
    let mut i = 0;
    loop {
        let separator = usize::from(matches!(s.get(i), Some(b'.' | b'-')));
        let len = digits(s, i + separator);
        if len == 0 {
            return i;
        }
        i += separator + len;
    }
}

/// `([.-]?dev)?$` on the whole of `s`: whether the `dev` is there, or `None` if `s` is more.
fn dev_suffix(s: &[u8]) -> Option<bool> {
    let separator = usize::from(matches!(s.first(), Some(b'.' | b'-')));
    if starts_with_ci(&s[separator..], b"dev") && at_end(s, separator + 3) {
        Some(true)
    } else if at_end(s, 0) {
        Some(false)
    } else {
        None
    }
}

/// `(.*?)[.-]?dev$` (case-insensitive, unanchored, `.` stopping at a newline), then
/// `normalizeBranch` on the captured text, kept only for a numeric branch (`1.x-dev`).
fn numeric_branch(v: &[u8]) -> Option<Vec<u8>> {
    let ends_in_dev = |s: &[u8]| s.len() >= 3 && s[s.len() - 3..].eq_ignore_ascii_case(b"dev");
    let dev_at = if ends_in_dev(v) {
        v.len() - 3
    } else if v.last() == Some(&b'\n') && ends_in_dev(&v[..v.len() - 1]) {
        v.len() - 4
    } else {
        return None;
    };
    let end = if dev_at > 0 && matches!(v[dev_at - 1], b'.' | b'-') {
        dev_at - 1
    } else {
        dev_at
    };
    let start = v[..end]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |i| i + 1);
    normalize_branch(&v[start..end])
}

/// `normalizeBranch` for `^v?(\d++)(\.(?:\d++|[xX*]))?(\.(?:\d++|[xX*]))?(\.(?:\d++|[xX*]))?$`
/// (any other name would become `dev-name`, which `normalize` rejects after `-dev`).
fn normalize_branch(name: &[u8]) -> Option<Vec<u8>> {
    let name = php_trim(name);
    let mut i = v_prefix(name);
    let major = digits(name, i);
    if major == 0 {
        return None;
    }
    let mut out = name[i..i + major].to_vec();
    i += major;
    let mut numbers = 1;
    while numbers < 4 && name.get(i) == Some(&b'.') {
        let len = digits(name, i + 1);
        if len > 0 {
            out.extend_from_slice(&name[i..=i + len]);
            i += 1 + len;
        } else if matches!(name.get(i + 1), Some(b'x' | b'X' | b'*')) {
            out.extend_from_slice(b".9999999");
            i += 2;
        } else {
            break;
        }
        numbers += 1;
    }
    if !at_end(name, i) {
        return None;
    }
    for _ in numbers..4 {
        out.extend_from_slice(b".9999999");
    }
    out.extend_from_slice(b"-dev");
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// Step 2: PHP's `version_compare`.

/// `php_version_compare` (`ext/standard/versioning.c`).
fn version_compare(a: &[u8], b: &[u8]) -> Ordering {
    let (a, b) = (until_nul(a), until_nul(b));
    if a.is_empty() || b.is_empty() {
        return (!a.is_empty()).cmp(&!b.is_empty());
    }
    let (a, b) = (canonical(a), canonical(b));

    let dot = |s: &[u8], from: usize| s[from..].iter().position(|&c| c == b'.').map(|i| from + i);
    let (mut p1, mut p2) = (0, 0);
    let (mut n1, mut n2) = (Some(0), Some(0));
    let mut order = Ordering::Equal;
    while p1 < a.len() && p2 < b.len() && n1.is_some() && n2.is_some() {
        n1 = dot(&a, p1);
        n2 = dot(&b, p2);
        order = compare_parts(&a[p1..n1.unwrap_or(a.len())], &b[p2..n2.unwrap_or(b.len())]);
        if order != Ordering::Equal {
            return order;
        }
        if let Some(n) = n1 {
            p1 = n + 1;
        }
        if let Some(n) = n2 {
            p2 = n + 1;
        }
    }
    if n1.is_some() {
        order = rest_against_number(&a[p1..]);
    } else if n2.is_some() {
        order = rest_against_number(&b[p2..]).reverse();
    }
    order
}

/// PHP passes the bytes to C as a string, which ends at the first NUL.
fn until_nul(s: &[u8]) -> &[u8] {
    &s[..s.iter().position(|&c| c == 0).unwrap_or(s.len())]
}

/// What `version_compare` splits into parts: the canonical form, except that a string starting
/// with `#` is left as it is.
fn canonical(s: &[u8]) -> Cow<'_, [u8]> {
    if s[0] == b'#' {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(canonicalize(s))
    }
}

/// `php_canonicalize_version`, on a non-empty string.
fn canonicalize(s: &[u8]) -> Vec<u8> {
    let digit = |c: u8| c.is_ascii_digit();
    let non_digit = |c: u8| !c.is_ascii_digit() && c != b'.';
    let mut out = Vec::with_capacity(s.len() * 2);
    out.push(s[0]);
    let mut previous = s[0];
    for &c in &s[1..] {
        let last_out = out[out.len() - 1];
        if matches!(c, b'-' | b'_' | b'+') {
            if last_out != b'.' {
                out.push(b'.');
            }
        } else if (non_digit(previous) && digit(c)) || (digit(previous) && non_digit(c)) {
            if last_out != b'.' {
                out.push(b'.');
            }
            out.push(c);
        } else if !c.is_ascii_alphanumeric() {
            if last_out != b'.' {
                out.push(b'.');
            }
        } else {
            out.push(c);
        }
        previous = c;
    }
    out
}

/// `php_version_compare(rest, "#N#")`, where `rest` is what remains of the longer version after
/// the parts both had (PHP recurses; this loops, so no input can exhaust the stack).
fn rest_against_number(rest: &[u8]) -> Ordering {
    if rest.first().is_some_and(u8::is_ascii_digit) {
        return Ordering::Greater;
    }
    let mut rest = rest.to_vec();
    loop {
        if rest.is_empty() {
            return Ordering::Less;
        }
        let canonical = canonical(&rest).into_owned();
        let dot = canonical.iter().position(|&c| c == b'.');
        let order = compare_parts(&canonical[..dot.unwrap_or(canonical.len())], b"#N#");
        let Some(dot) = dot else { return order };
        if order != Ordering::Equal {
            return order;
        }
        let next = &canonical[dot + 1..];
        if next.first().is_some_and(u8::is_ascii_digit) {
            return Ordering::Greater;
        }
        rest = next.to_vec();
    }
}

/// One part against another: numbers numerically, words (and a number against a word) by
/// their special forms.
fn compare_parts(x: &[u8], y: &[u8]) -> Ordering {
    const NUMBER: i8 = 4;
    let starts_with_digit = |s: &[u8]| s.first().is_some_and(u8::is_ascii_digit);
    match (starts_with_digit(x), starts_with_digit(y)) {
        (true, true) => strtol(x).cmp(&strtol(y)),
        (false, false) => special_form(x).cmp(&special_form(y)),
        (true, false) => NUMBER.cmp(&special_form(y)),
        (false, true) => special_form(x).cmp(&NUMBER),
    }
}

/// `compare_special_version_forms`: the rank of the first form that prefixes `part`, or -1.
fn special_form(part: &[u8]) -> i8 {
    const FORMS: [(&[u8], i8); 10] = [
        (b"dev", 0),
        (b"alpha", 1),
        (b"a", 1),
        (b"beta", 2),
        (b"b", 2),
        (b"RC", 3),
        (b"rc", 3),
        (b"#", 4),
        (b"pl", 5),
        (b"p", 5),
    ];
    FORMS
        .iter()
        .find(|(form, _)| part.starts_with(form))
        .map_or(-1, |&(_, rank)| rank)
}

/// C's `strtol` on a part that starts with a digit: its leading digits, saturating at
/// `LONG_MAX` (64-bit on the platforms PHP runs Composer on).
fn strtol(part: &[u8]) -> i64 {
    part.iter()
        .take_while(|c| c.is_ascii_digit())
        .try_fold(0i64, |n, &c| {
            n.checked_mul(10)?.checked_add(i64::from(c - b'0'))
        })
        .unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normal(v: &str) -> Option<String> {
        normalize(v).ok().map(|n| String::from_utf8(n).unwrap())
    }

    // Each expectation was checked with composer/semver 3.3.2 on PHP 8.2.
    #[test]
    fn normalize_like_composer() {
        for (input, expected) in [
            ("1.0", "1.0.0.0"),
            ("v1.0.0-beta.1.2", "1.0.0.0-beta1.2"),
            ("1.0-STABLE", "1.0.0.0-stable"),
            ("1.0-stable-dev", "1.0.0.0"),
            ("1.0bdev", "1.0.0.0-beta-dev"),
            ("1.0.0\n@dev", "1.0.0.0"),
            ("foo\n1.x-dev", "1.9999999.9999999.9999999-dev"),
            ("20100102", "20100102"),
            ("2010-01-02-dev", "2010.01.02-dev"),
            ("2010.01.02.03.04.05.06.07", "2010.01.02.03.04.05.06.07"),
            ("123456", "123456"),
            ("DEV-foo", "dev-foo"),
            ("master", "dev-master"),
            ("1.0 as 2.0", "1.0.0.0"),
            ("1.0+foo\n@dev", "1.0.0.0"),
            ("1.0-rc-1-2", "1.0.0.0-RC1-2"),
            ("1.0-a1", "1.0.0.0-alpha1"),
            ("1.0-p", "1.0.0.0-patch"),
            ("1.2.*-dev", "1.2.9999999.9999999-dev"),
            ("v1.X-dev", "1.9999999.9999999.9999999-dev"),
            ("  1.0\t", "1.0.0.0"),
        ] {
            assert_eq!(normal(input).as_deref(), Some(expected), "{input:?}");
        }
        for invalid in [
            "201001020304050607080",
            "1.0@dev@dev",
            "1.0.0.0.0",
            "1.2.x",
            "x",
        ] {
            assert_eq!(normal(invalid), None, "{invalid:?}");
        }
    }

    // `version_compare` on strings normalisation never produces, checked with PHP 8.2.
    #[test]
    fn version_compare_corners() {
        for (a, b, expected) in [
            ("1.", "1.", Ordering::Less),
            ("1.", "1", Ordering::Less),
            ("", "1", Ordering::Less),
            ("", "", Ordering::Equal),
            ("dev.foo", "dev.bar", Ordering::Less),
            ("1.0.0.0-STABLE", "1.0.0.0-dev", Ordering::Less),
            (
                "1.99999999999999999999",
                "1.9223372036854775807",
                Ordering::Equal,
            ),
            ("1#", "1", Ordering::Equal),
            ("dev-a", "1.0.0.0", Ordering::Less),
            ("1a\0b", "1a", Ordering::Equal),
        ] {
            assert_eq!(
                version_compare(a.as_bytes(), b.as_bytes()),
                expected,
                "{a:?} vs {b:?}"
            );
        }
    }

    #[test]
    fn long_inputs_do_not_exhaust_the_stack() {
        let beta = format!("1.0-beta{}", ".1".repeat(100_000));
        assert_eq!(compare(&beta, &format!("{beta}.0")), Ok(Ordering::Less));
        let long = format!("dev-{}", "a.".repeat(100_000));
        assert_eq!(compare(&long, "1.0"), Ok(Ordering::Less));
    }
}
