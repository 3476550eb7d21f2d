//! Maven, as `org.apache.maven.artifact.versioning.ComparableVersion` orders versions (Maven
//! 3.8.7, the version Debian 12 ships and the tests run; the rules are described at
//! <https://maven.apache.org/pom.html#Version_Order_Specification>).
//!
//! Parsing, on the version lower-cased:
//! - `.` and `-` separate items; an empty item is `0`. A switch between digits and letters is a
//!   separator too.
//! - Each `-`, and each digit/letter switch, opens a sub-list nested in the current one: `1-2`
//!   is `[1, [2]]`, `1.0alpha1` parses as `[1, 0, [alpha, [1]]]`. So does a letter run that
//!   ends the version (`1.a` is `[1, [a]]`, while `1.foo.2` stays `[1, foo, 2]`).
//! - Digit runs are numbers (leading zeros dropped). Letter runs are qualifiers: `a1`, `b1`,
//!   `m1` (a single letter followed by a digit) mean `alpha`, `beta`, `milestone`; `cr` means
//!   `rc`; `ga`, `final` and `release` mean the empty qualifier.
//! - Each list then drops its trailing "null" items (`0`, the empty qualifier, an empty
//!   sub-list), looking past a non-empty sub-list at its end: `1.0.0` is `1`, `1.0-rc` is `1-rc`.
//!
//! Ordering, item by item, a missing item compared as "nothing":
//! - qualifiers: `alpha < beta < milestone < rc < snapshot < "" < sp < any other`, the others
//!   among themselves in byte order;
//! - a number is greater than a qualifier and a sub-list; a sub-list is greater than a
//!   qualifier (`1-1 > 1-sp`, `1.1 > 1-1`);
//! - against nothing: a number is greater unless `0`; a qualifier compares to `""`
//!   (`1-rc < 1 < 1-sp`); a sub-list compares its items against nothing.
//!
//! Faithful to 3.8.7's quirks: a number is an `int`, a `long` or a `BigInteger` by its digit
//! count (≤ 9, ≤ 18, more; leading zeros dropped unless all digits are zeros), and a smaller
//! kind is always less than a larger one, so `1.0000000000.1` (a `long` zero) sorts after
//! `1.0.1`. Numbers of the same kind are compared as digit strings, so any length works.
//!
//! `ComparableVersion` accepts every string. This module accepts every ASCII string (the empty
//! one equals `0`, as in Maven) and rejects non-ASCII ones: Maven lower-cases them and treats
//! any Unicode decimal digit as a digit, which we do not reproduce.
//!
//! Sub-lists only ever nest at the end of their parent, so a version is stored as a chain of
//! levels and compared with loops: no recursion, whatever the input.

use std::cmp::Ordering;

use crate::VersionError;

const SCHEME: &str = "maven";

pub(crate) fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    let a_lower = lower(a)?;
    let b_lower = lower(b)?;
    let a = Version::parse(&a_lower);
    let b = Version::parse(&b_lower);
    Ok(compare_lists(&a, 0, &b, 0))
}

fn lower(version: &str) -> Result<String, VersionError> {
    if version.is_ascii() {
        Ok(version.to_ascii_lowercase())
    } else {
        Err(VersionError::new(
            SCHEME,
            version,
            "non-ASCII characters are not supported",
        ))
    }
}

/// Known qualifiers in order; "" is a release. Others sort after all of these.
const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
const RELEASE: Qualifier<'static> = Qualifier::Known(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Qualifier<'a> {
    // Variant order is the ordering: every known qualifier is before every other string.
    Known(u8),
    Other(&'a str),
}

impl<'a> Qualifier<'a> {
    fn new(text: &'a str, followed_by_digit: bool) -> Self {
        let text = match (followed_by_digit, text) {
            (true, "a") => "alpha",
            (true, "b") => "beta",
            (true, "m") => "milestone",
            (_, "ga" | "final" | "release") => "",
            (_, "cr") => "rc",
            _ => text,
        };
        QUALIFIERS
            .iter()
            .position(|q| *q == text)
            .and_then(|i| u8::try_from(i).ok())
            .map_or(Qualifier::Other(text), Qualifier::Known)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item<'a> {
    /// `kind` is 0, 1 or 2 for Java's `IntItem`, `LongItem`, `BigIntegerItem`; `digits` has no
    /// leading zeros (empty for zero).
    Number {
        kind: u8,
        digits: &'a str,
    },
    Qualifier(Qualifier<'a>),
}

impl<'a> Item<'a> {
    const ZERO: Item<'static> = Item::Number {
        kind: 0,
        digits: "",
    };

    fn parse(is_digit: bool, text: &'a str) -> Self {
        if !is_digit {
            return Item::Qualifier(Qualifier::new(text, false));
        }
        let digits = text.trim_start_matches('0');
        // Java strips leading zeros only when something is left (`000` stays `000`), and picks
        // the number's kind from that length.
        let java_len = if digits.is_empty() {
            text.len()
        } else {
            digits.len()
        };
        let kind = match java_len {
            0..=9 => 0,
            10..=18 => 1,
            _ => 2,
        };
        Item::Number { kind, digits }
    }

    fn is_null(self) -> bool {
        match self {
            Item::Number { digits, .. } => digits.is_empty(),
            Item::Qualifier(q) => q == RELEASE,
        }
    }

    fn compare(self, other: Self) -> Ordering {
        match (self, other) {
            (
                Item::Number {
                    kind: k1,
                    digits: d1,
                },
                Item::Number {
                    kind: k2,
                    digits: d2,
                },
            ) => k1
                .cmp(&k2)
                .then_with(|| d1.len().cmp(&d2.len()))
                .then_with(|| d1.cmp(d2)),
            (Item::Number { .. }, Item::Qualifier(_)) => Ordering::Greater,
            (Item::Qualifier(_), Item::Number { .. }) => Ordering::Less,
            (Item::Qualifier(q1), Item::Qualifier(q2)) => q1.cmp(&q2),
        }
    }

    /// Against a missing item.
    fn compare_nothing(self) -> Ordering {
        match self {
            Item::Number { digits: "", .. } => Ordering::Equal,
            Item::Number { .. } => Ordering::Greater,
            Item::Qualifier(q) => q.cmp(&RELEASE),
        }
    }
}

/// `levels[k]` is a list's items; `levels[k + 1]`, if present, is its last item (a sub-list).
#[derive(Debug)]
struct Version<'a> {
    levels: Vec<Vec<Item<'a>>>,
}

/// An element of a list: an item, or the sub-list at its end.
#[derive(Clone, Copy)]
enum Element<'a> {
    Item(Item<'a>),
    List,
}

impl<'a> Version<'a> {
    /// Follows `ComparableVersion.parseVersion` step by step; `lower` is ASCII.
    fn parse(lower: &'a str) -> Self {
        let bytes = lower.as_bytes();
        let mut levels: Vec<Vec<Item<'a>>> = vec![Vec::new()];
        let mut is_digit = false;
        let mut start = 0;
        for (i, &c) in bytes.iter().enumerate() {
            match c {
                b'.' | b'-' => {
                    let item = if i == start {
                        Item::ZERO
                    } else {
                        Item::parse(is_digit, &lower[start..i])
                    };
                    push(&mut levels, item);
                    start = i + 1;
                    if c == b'-' {
                        levels.push(Vec::new());
                    }
                }
                b'0'..=b'9' => {
                    if !is_digit && i > start {
                        if !current(&levels).is_empty() {
                            levels.push(Vec::new());
                        }
                        push(
                            &mut levels,
                            Item::Qualifier(Qualifier::new(&lower[start..i], true)),
                        );
                        start = i;
                        levels.push(Vec::new());
                    }
                    is_digit = true;
                }
                _ => {
                    if is_digit && i > start {
                        push(&mut levels, Item::parse(true, &lower[start..i]));
                        start = i;
                        levels.push(Vec::new());
                    }
                    is_digit = false;
                }
            }
        }
        if bytes.len() > start {
            if !is_digit && !current(&levels).is_empty() {
                levels.push(Vec::new());
            }
            push(&mut levels, Item::parse(is_digit, &lower[start..]));
        }

        // Normalise the innermost list first, as Maven does: drop trailing null items (looking
        // past a non-empty sub-list), and drop a list left empty from its parent.
        for k in (0..levels.len()).rev() {
            while levels[k].last().is_some_and(|item| item.is_null()) {
                levels[k].pop();
            }
            if k > 0 && k + 1 == levels.len() && levels[k].is_empty() {
                levels.pop();
            }
        }
        Version { levels }
    }

    fn len(&self, level: usize) -> usize {
        self.levels[level].len() + usize::from(level + 1 < self.levels.len())
    }

    fn element(&self, level: usize, i: usize) -> Option<Element<'a>> {
        match self.levels[level].get(i) {
            Some(item) => Some(Element::Item(*item)),
            None if i == self.levels[level].len() && level + 1 < self.levels.len() => {
                Some(Element::List)
            }
            None => None,
        }
    }
}

fn current<'v, 'a>(levels: &'v [Vec<Item<'a>>]) -> &'v [Item<'a>] {
    levels.last().map_or(&[], Vec::as_slice)
}

fn push<'a>(levels: &mut [Vec<Item<'a>>], item: Item<'a>) {
    if let Some(list) = levels.last_mut() {
        list.push(item);
    }
}

/// `ListItem.compareTo(ListItem)` for the lists at `a.levels[ka]` and `b.levels[kb]`.
fn compare_lists(a: &Version<'_>, mut ka: usize, b: &Version<'_>, mut kb: usize) -> Ordering {
    'list: loop {
        for i in 0..a.len(ka).max(b.len(kb)) {
            let order = match (a.element(ka, i), b.element(kb, i)) {
                (None, None) => Ordering::Equal,
                (Some(Element::Item(x)), Some(Element::Item(y))) => x.compare(y),
                (Some(Element::Item(x)), None) => x.compare_nothing(),
                (None, Some(Element::Item(y))) => y.compare_nothing().reverse(),
                // A sub-list is the last element on both sides: compare them in its place.
                (Some(Element::List), Some(Element::List)) => {
                    ka += 1;
                    kb += 1;
                    continue 'list;
                }
                (Some(Element::List), None) => compare_nothing(a, ka + 1),
                (None, Some(Element::List)) => compare_nothing(b, kb + 1).reverse(),
                (Some(Element::List), Some(Element::Item(y))) => match y {
                    Item::Number { .. } => Ordering::Less,
                    Item::Qualifier(_) => Ordering::Greater,
                },
                (Some(Element::Item(x)), Some(Element::List)) => match x {
                    Item::Number { .. } => Ordering::Greater,
                    Item::Qualifier(_) => Ordering::Less,
                },
            };
            if order != Ordering::Equal {
                return order;
            }
        }
        return Ordering::Equal;
    }
}

/// `ListItem.compareTo(null)` for the list at `v.levels[level]`: its first item that differs
/// from nothing decides.
fn compare_nothing(v: &Version<'_>, mut level: usize) -> Ordering {
    loop {
        for item in &v.levels[level] {
            let order = item.compare_nothing();
            if order != Ordering::Equal {
                return order;
            }
        }
        if level + 1 < v.levels.len() {
            level += 1;
        } else {
            return Ordering::Equal;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        compare(a, b).unwrap()
    }

    #[test]
    fn qualifier_order() {
        let ordered = [
            "1-alpha",
            "1-a1",
            "1-beta",
            "1-milestone",
            "1-rc",
            "1-snapshot",
            "1",
            "1-sp",
            "1-abc",
            "1-xyz",
            "1-1",
            "1.1",
        ];
        // `a1` is `alpha-1`, just after `alpha`; unknown qualifiers follow `sp` in byte order.
        for pair in ordered.windows(2) {
            assert_eq!(
                cmp(pair[0], pair[1]),
                Ordering::Less,
                "{} vs {}",
                pair[0],
                pair[1]
            );
        }
        assert_eq!(cmp("1-cr", "1-RC"), Ordering::Equal);
        assert_eq!(cmp("1.0.RELEASE", "1"), Ordering::Equal);
        assert_eq!(cmp("1-ga", "1-final"), Ordering::Equal);
    }

    #[test]
    fn trailing_zeros_and_separators() {
        assert_eq!(cmp("1.0.0", "1"), Ordering::Equal);
        assert_eq!(cmp("1.0-rc", "1-rc"), Ordering::Equal);
        assert_eq!(cmp("1..2", "1.0.2"), Ordering::Equal);
        assert_eq!(cmp("", "0"), Ordering::Equal);
        assert_eq!(cmp("1.0alpha1", "1.0-alpha-1"), Ordering::Equal);
        assert!(compare("1.0-ü", "1").is_err());
    }

    #[test]
    fn number_kinds() {
        assert_eq!(cmp("1.0000000000.1", "1.0.1"), Ordering::Greater);
        let big = format!("1.{}", "9".repeat(500));
        assert_eq!(cmp(&big, "1.999999999999999999"), Ordering::Greater);
        assert_eq!(cmp("1.000000001", "1.1"), Ordering::Equal);
    }

    #[test]
    fn deep_nesting_does_not_recurse() {
        let deep = "1-".repeat(100_000);
        assert_eq!(cmp(&deep, &deep), Ordering::Equal);
        assert_eq!(cmp(&deep, "1"), Ordering::Greater);
    }
}
