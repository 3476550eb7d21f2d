//! Version ordering under every scheme: no panic, `compare(a, b)` is the reverse of
//! `compare(b, a)` whenever both succeed, and a version equals itself whenever it parses.
//!
//! Input: the first byte picks the scheme; the rest is split at the first `0xFF` byte (never
//! valid UTF-8, so it cannot occur inside a version) into `a` and `b`, each read as lossy UTF-8.
#![no_main]

use std::cmp::Ordering;

use bulkhead_version::{Scheme, compare};

/// Every scheme `bulkhead-version` has (`Scheme` is non-exhaustive: add new ones here).
const SCHEMES: [Scheme; 11] = [
    Scheme::Dpkg,
    Scheme::Rpm,
    Scheme::Apk,
    Scheme::Pep440,
    Scheme::Npm,
    Scheme::Cargo,
    Scheme::Go,
    Scheme::Maven,
    Scheme::RubyGems,
    Scheme::NuGet,
    Scheme::Composer,
];

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let scheme = SCHEMES[usize::from(selector) % SCHEMES.len()];
    let (a, b) = match rest.iter().position(|&byte| byte == 0xFF) {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, &[][..]),
    };
    let a = String::from_utf8_lossy(a);
    let b = String::from_utf8_lossy(b);

    let ab = compare(scheme, &a, &b);
    let ba = compare(scheme, &b, &a);
    if let (Ok(ab), Ok(ba)) = (&ab, &ba) {
        assert_eq!(
            *ab,
            ba.reverse(),
            "{scheme:?}: compare({a:?}, {b:?}) = {ab:?} but compare(b, a) = {ba:?}"
        );
    }
    for v in [&a, &b] {
        if let Ok(ord) = compare(scheme, v, v) {
            assert_eq!(
                ord,
                Ordering::Equal,
                "{scheme:?}: compare({v:?}, itself) = {ord:?}"
            );
        }
    }
});
