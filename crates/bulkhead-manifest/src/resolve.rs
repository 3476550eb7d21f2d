//! Scalar resolution as Kubernetes does it: `sigs.k8s.io/yaml` decodes with go-yaml v2
//! (`gopkg.in/yaml.v2` 2.4.0, whose `resolve.go` this mirrors rule for rule) into
//! `interface{}`, then converts keys to strings and marshals JSON.
//!
//! That is YAML 1.1 with Go's number syntax, not YAML 1.2's core schema, and it is what the
//! API server sees, so it is what misconfiguration rules must see: `privileged: yes` is
//! `true`, `n:` is the key `"false"`, `mode: 0644` is 420, `port: 08` is the float 8.
//! Verified against the real library (see `tests/it/resolve.rs`).

use std::borrow::Cow;

use crate::error::DocErrorKind;

/// A resolved scalar before it becomes a JSON value or key.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    /// Only above `i64::MAX` (go-yaml's `uint64`).
    Uint(u64),
    Float(f64),
    Str(String),
}

/// go-yaml's tag of a resolved scalar, for "cannot decode" errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Null,
    Bool,
    Int,
    Float,
    Str,
    Timestamp,
}

impl Kind {
    fn tag(self) -> &'static str {
        match self {
            Kind::Null => "!!null",
            Kind::Bool => "!!bool",
            Kind::Int => "!!int",
            Kind::Float => "!!float",
            Kind::Str => "!!str",
            Kind::Timestamp => "!!timestamp",
        }
    }
}

const CORE_PREFIX: &str = "tag:yaml.org,2002:";

/// A tag in go-yaml's short form: `!!int` for the core schema, anything else as written.
pub(crate) fn short_tag(full: &str) -> Cow<'_, str> {
    match full.strip_prefix(CORE_PREFIX) {
        Some(rest) => Cow::Owned(format!("!!{rest}")),
        None => Cow::Borrowed(full),
    }
}

/// Resolves one scalar. `tag` is the short tag if the scalar has one; `plain` says whether it
/// was written without quotes or block indicators (only plain untagged scalars are guessed).
pub(crate) fn resolve(tag: Option<&str>, plain: bool, text: &str) -> Result<Scalar, DocErrorKind> {
    let Some(tag) = tag else {
        if !plain {
            return Ok(Scalar::Str(text.to_owned()));
        }
        return Ok(resolve_core(text, false).1);
    };
    match tag {
        "!!binary" => decode_base64(text)
            .map(|bytes| Scalar::Str(String::from_utf8_lossy(&bytes).into_owned()))
            .ok_or(DocErrorKind::InvalidBinary),
        "!!bool" | "!!int" | "!!float" | "!!null" | "!!timestamp" => {
            let (kind, value) = resolve_core(text, tag == "!!timestamp");
            if kind.tag() == tag {
                return Ok(value);
            }
            // go-yaml's one conversion: an integer written where a float is asked for.
            match (tag, value) {
                // Go's `float64(v)`, rounding as Rust's `as` does.
                #[allow(clippy::cast_precision_loss)]
                ("!!float", Scalar::Int(i)) => Ok(Scalar::Float(i as f64)),
                #[allow(clippy::cast_precision_loss)]
                ("!!float", Scalar::Uint(u)) => Ok(Scalar::Float(u as f64)),
                _ => Err(DocErrorKind::TagMismatch {
                    tag: tag.to_owned(),
                    found: kind.tag().to_owned(),
                    value: text.to_owned(),
                }),
            }
        }
        // `!!str`, and tags go-yaml does not resolve (`!foo`, `!`, `!!map` on a scalar,
        // `!!merge`): the text is the value, as go-yaml stores it for `interface{}`.
        _ => Ok(Scalar::Str(text.to_owned())),
    }
}

/// go-yaml v2's `resolve` for an untagged (or core-tagged) scalar: the first byte picks a
/// strategy, a fixed table answers the YAML 1.1 words, Go's number parsers do the rest.
fn resolve_core(text: &str, timestamps: bool) -> (Kind, Scalar) {
    if let Some(known) = lookup(text) {
        return known;
    }
    let Some(&first) = text.as_bytes().first() else {
        return (Kind::Null, Scalar::Null);
    };
    match first {
        b'.' => {
            if let Some(f) = go_parse_float_dot(text) {
                return (Kind::Float, Scalar::Float(f));
            }
        }
        b'0'..=b'9' | b'+' | b'-' => {
            if timestamps && is_go_timestamp(text) {
                // Decoded into `interface{}`, a timestamp stays the string it was written as.
                return (Kind::Timestamp, Scalar::Str(text.to_owned()));
            }
            let plain: Cow<'_, str> = if text.contains('_') {
                Cow::Owned(text.replace('_', ""))
            } else {
                Cow::Borrowed(text)
            };
            if let Some(i) = go_parse_int(&plain) {
                return (Kind::Int, Scalar::Int(i));
            }
            if let Some(u) = go_parse_uint(&plain) {
                return (Kind::Int, int_or_uint(u));
            }
            if let Some(f) = is_yaml_style_float(&plain)
                .then(|| parse_finite(&plain))
                .flatten()
            {
                return (Kind::Float, Scalar::Float(f));
            }
        }
        _ => {}
    }
    (Kind::Str, Scalar::Str(text.to_owned()))
}

fn int_or_uint(u: u64) -> Scalar {
    i64::try_from(u).map_or(Scalar::Uint(u), Scalar::Int)
}

/// go-yaml v2's `resolveMap`: exactly these spellings, case as listed.
fn lookup(text: &str) -> Option<(Kind, Scalar)> {
    Some(match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            (Kind::Bool, Scalar::Bool(true))
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            (Kind::Bool, Scalar::Bool(false))
        }
        "" | "~" | "null" | "Null" | "NULL" => (Kind::Null, Scalar::Null),
        ".nan" | ".NaN" | ".NAN" => (Kind::Float, Scalar::Float(f64::NAN)),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            (Kind::Float, Scalar::Float(f64::INFINITY))
        }
        "-.inf" | "-.Inf" | "-.INF" => (Kind::Float, Scalar::Float(f64::NEG_INFINITY)),
        // go-yaml 2.4.0 lists `<<` here too, but no strategy byte reaches it: the merge key is
        // recognised by the mapping decoder, and as a value `<<` is a string.
        _ => return None,
    })
}

/// Go's `strconv.ParseInt(s, 0, 64)` (underscores already removed): optional sign, then
/// `0x`/`0o`/`0b` or a leading `0` (octal) picks the base. `None` on syntax or range errors.
fn go_parse_int(s: &str) -> Option<i64> {
    let (negative, body) = match s.as_bytes().first()? {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    let magnitude = go_parse_uint(body)?;
    if negative {
        if magnitude <= 1u64 << 63 {
            Some(magnitude.cast_signed().wrapping_neg())
        } else {
            None
        }
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Go's `strconv.ParseUint(s, 0, 64)` (no sign accepted).
fn go_parse_uint(s: &str) -> Option<u64> {
    let bytes = s.as_bytes();
    if bytes.is_empty() {
        return None;
    }
    let (base, digits) = if bytes[0] == b'0' && bytes.len() > 1 {
        match bytes[1].to_ascii_lowercase() {
            b'b' if bytes.len() >= 3 => (2, &bytes[2..]),
            b'o' if bytes.len() >= 3 => (8, &bytes[2..]),
            b'x' if bytes.len() >= 3 => (16, &bytes[2..]),
            _ => (8, &bytes[1..]),
        }
    } else {
        (10, bytes)
    };
    let mut n: u64 = 0;
    for &b in digits {
        let d = match b {
            b'0'..=b'9' => u64::from(b - b'0'),
            b'a'..=b'z' => u64::from(b - b'a') + 10,
            b'A'..=b'Z' => u64::from(b - b'A') + 10,
            _ => return None,
        };
        if d >= base {
            return None;
        }
        n = n.checked_mul(base)?.checked_add(d)?;
    }
    Some(n)
}

/// go-yaml's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseFloat` for text starting with `.` (go-yaml's `.` strategy calls it on
/// the raw text): Go's float-literal syntax, where `_` may sit between two digits.
fn go_parse_float_dot(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    // Digits with single underscores between digits; returns how many digits were read.
    let digits = |i: &mut usize| -> Option<usize> {
        let mut count = 0;
        while *i < b.len() {
            match b[*i] {
                b'0'..=b'9' => count += 1,
                b'_' if count > 0 && b.get(*i + 1).is_some_and(u8::is_ascii_digit) => {}
                _ => break,
            }
            *i += 1;
        }
        (count > 0).then_some(count)
    };
    let mut i = 1;
    digits(&mut i)?;
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        digits(&mut i)?;
    }
    if i != b.len() {
        return None;
    }
    parse_finite(&s.replace('_', ""))
}

/// Rust's float parser on text already known to be a decimal literal; Go reports overflow to
/// infinity as an error, after which go-yaml keeps the text as a string.
fn parse_finite(s: &str) -> Option<f64> {
    let f: f64 = s.parse().ok()?;
    f.is_finite().then_some(f)
}

/// go-yaml v2's `parseTimestamp`: `YYYY-M-D`, `YYYY-M-DTh:m:s[.f](Z|±hh:mm)` (`T` or `t`) or
/// `YYYY-M-D h:m:s[.f]`, with Go's `time.Parse` range checks. Only an explicit `!!timestamp`
/// needs this: an untagged timestamp is a string either way.
fn is_go_timestamp(s: &str) -> bool {
    fn num(b: &[u8], i: &mut usize, min: usize, max: usize) -> Option<u32> {
        let start = *i;
        while *i < b.len() && *i - start < max && b[*i].is_ascii_digit() {
            *i += 1;
        }
        if *i - start < min {
            return None;
        }
        std::str::from_utf8(&b[start..*i]).ok()?.parse().ok()
    }
    fn check(text: &str) -> Option<()> {
        let b = text.as_bytes();
        let mut i = 0;
        let year = num(b, &mut i, 4, 4)?;
        (b.get(i) == Some(&b'-')).then_some(())?;
        i += 1;
        let month = num(b, &mut i, 1, 2)?;
        (b.get(i) == Some(&b'-')).then_some(())?;
        i += 1;
        let day = num(b, &mut i, 1, 2)?;
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days).contains(&day).then_some(())?;
        if i == b.len() {
            return Some(());
        }
        let zoned = match b[i] {
            b'T' | b't' => true,
            b' ' => false,
            _ => return None,
        };
        i += 1;
        let hour = num(b, &mut i, 1, 2)?;
        (b.get(i) == Some(&b':')).then_some(())?;
        i += 1;
        let minute = num(b, &mut i, 1, 2)?;
        (b.get(i) == Some(&b':')).then_some(())?;
        i += 1;
        let second = num(b, &mut i, 1, 2)?;
        (hour < 24 && minute < 60 && second < 60).then_some(())?;
        if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
        }
        if zoned {
            match b.get(i) {
                Some(b'Z') => i += 1,
                Some(b'+' | b'-') => {
                    i += 1;
                    let h = num(b, &mut i, 2, 2)?;
                    (b.get(i) == Some(&b':')).then_some(())?;
                    i += 1;
                    let m = num(b, &mut i, 2, 2)?;
                    (h < 24 && m < 60).then_some(())?;
                }
                _ => return None,
            }
        }
        (i == b.len()).then_some(())
    }
    check(s).is_some()
}

/// Go's `base64.StdEncoding.DecodeString` (padded; `\r` and `\n` ignored).
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let clean: Vec<u8> = text
        .bytes()
        .filter(|b| !matches!(b, b'\r' | b'\n'))
        .collect();
    if !clean.len().is_multiple_of(4) {
        return None;
    }
    let value = |c: u8| -> Option<u32> {
        Some(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    };
    let mut out = Vec::with_capacity(clean.len() / 4 * 3);
    let quads = clean.len() / 4;
    for (n, quad) in clean.chunks_exact(4).enumerate() {
        let pad = quad.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && n + 1 != quads) {
            return None;
        }
        let mut acc = 0u32;
        for &c in &quad[..4 - pad] {
            acc = (acc << 6) | value(c)?;
        }
        acc <<= 6 * pad;
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..4 - pad]);
    }
    Some(out)
}

impl Scalar {
    /// The JSON value, or the error `json.Marshal` gives (NaN and infinities).
    pub(crate) fn into_json(self, text: &str) -> Result<crate::Value, DocErrorKind> {
        use crate::Value;
        Ok(match self {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Int(i) => Value::Number(i.into()),
            Scalar::Uint(u) => Value::Number(u.into()),
            Scalar::Float(f) => {
                Value::Number(serde_json::Number::from_f64(f).ok_or_else(|| {
                    DocErrorKind::NotRepresentable {
                        value: text.to_owned(),
                    }
                })?)
            }
            Scalar::Str(s) => Value::String(s),
        })
    }

    /// The JSON object key `sigs.k8s.io/yaml` makes of a mapping key, or its refusal.
    pub(crate) fn into_key(self) -> Result<String, DocErrorKind> {
        match self {
            Scalar::Str(s) => Ok(s),
            Scalar::Bool(b) => Ok(b.to_string()),
            Scalar::Int(i) => Ok(i.to_string()),
            Scalar::Float(f) => Ok(go_format_float32_g(f)),
            Scalar::Null => Err(DocErrorKind::InvalidKey {
                what: "null".to_owned(),
            }),
            Scalar::Uint(u) => Err(DocErrorKind::InvalidKey {
                what: format!("the unsigned 64-bit integer {u}"),
            }),
        }
    }
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)` with go-yaml's spellings of the non-finite
/// values: how `sigs.k8s.io/yaml` turns a float key into a string (yes, at 32-bit precision).
pub(crate) fn go_format_float32_g(f: f64) -> String {
    #[allow(clippy::cast_possible_truncation)] // Go converts to float32 the same way.
    let x = f as f32;
    if x.is_nan() {
        return ".nan".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { ".inf" } else { "-.inf" }.to_owned();
    }
    // Rust's `{:e}` gives the shortest digits that round-trip, as Go's shortest mode does.
    let formatted = format!("{x:e}");
    let (negative, formatted) = match formatted.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, formatted.as_str()),
    };
    let (mantissa, exponent) = formatted.split_once('e').unwrap_or((formatted, "0"));
    let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    let exp: i32 = exponent.parse().unwrap_or(0);
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    let nd = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    let digit = |i: i32| -> char {
        usize::try_from(i)
            .ok()
            .and_then(|i| digits.get(i))
            .map_or('0', |&d| char::from(d))
    };
    if (-4..6).contains(&exp) {
        let dp = exp + 1;
        if dp > 0 {
            (0..dp).for_each(|i| out.push(digit(i)));
        } else {
            out.push('0');
        }
        let decimals = (nd - dp).max(0);
        if decimals > 0 {
            out.push('.');
            (0..decimals).for_each(|i| out.push(digit(dp + i)));
        }
    } else {
        out.push(digit(0));
        if nd > 1 {
            out.push('.');
            (1..nd).for_each(|i| out.push(digit(i)));
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let e = exp.unsigned_abs();
        if e < 10 {
            out.push('0');
        }
        out.push_str(&e.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_number_parsers() {
        assert_eq!(go_parse_int("017"), Some(15));
        assert_eq!(go_parse_int("0"), Some(0));
        assert_eq!(go_parse_int("-0x8000000000000000"), Some(i64::MIN));
        assert_eq!(go_parse_int("-0x8000000000000001"), None);
        assert_eq!(go_parse_int("08"), None);
        assert_eq!(go_parse_int("0x"), None);
        assert_eq!(go_parse_uint("+1"), None);
        assert!(is_yaml_style_float("1."));
        assert!(is_yaml_style_float("+.5e-3"));
        assert!(!is_yaml_style_float("1e"));
        assert!(!is_yaml_style_float("."));
        assert_eq!(go_parse_float_dot(".5_0"), Some(0.5));
        assert_eq!(go_parse_float_dot("._5"), None);
        assert_eq!(go_parse_float_dot(".5__0"), None);
    }

    #[test]
    fn float_keys_like_go() {
        for (f, want) in [
            (1.5, "1.5"),
            (1e6, "1e+06"),
            (100_000.0, "100000"),
            (1_234_567.0, "1.234567e+06"),
            (0.000_012, "1.2e-05"),
            (1e-7, "1e-07"),
            (1.234_567_890_123, "1.2345679"),
            (-0.0, "-0"),
            (0.0, "0"),
            (1e21, "1e+21"),
            (0.1, "0.1"),
            (1e39, ".inf"),
        ] {
            assert_eq!(go_format_float32_g(f), want, "{f}");
        }
    }

    #[test]
    fn base64_like_go() {
        assert_eq!(decode_base64("aGVsbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(decode_base64("aGVs\nbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(decode_base64("aGVsbG8"), None);
        assert_eq!(decode_base64("aG=sbG8="), None);
    }
}
