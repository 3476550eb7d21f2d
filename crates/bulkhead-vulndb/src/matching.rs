//! Is version V of package P affected by advisory A? Range semantics per feed, versions
//! ordered by `bulkhead-version` under the ecosystem's scheme.

use std::cmp::Ordering;

use bulkhead_finding::Severity;
use bulkhead_version::{Scheme, compare};
use serde::Serialize;

use crate::model::{Advisory, Constraint, Event, Op, Range};
use crate::names::{ecosystem_base, normalize_name};
use crate::store::{Database, DbError, StoredAffected};

/// What to look up: an ecosystem as the store names it (`Debian:12`, `PyPI`), a package name
/// (normalised here) and the installed version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PackageQuery {
    pub ecosystem: String,
    pub name: String,
    pub version: String,
}

/// One advisory that affects a queried package.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    pub advisory: Advisory,
    /// The feed's per-package rating if it has one (the distro's, for distro packages), else
    /// the advisory's.
    pub severity: Severity,
    /// The lowest version that is not affected and is above the installed one, when the
    /// feed names one; `None`: no fix is known.
    pub fixed_version: Option<String>,
}

/// Matches for one query, and what could not be decided.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lookup {
    pub matches: Vec<Match>,
    /// Advisories skipped because a version in them (or the installed one) does not parse
    /// under the ecosystem's scheme.
    pub warnings: Vec<String>,
}

/// At most 200 characters of a name or version, for messages: both come from the scanned
/// artifact and may be huge.
fn short(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(200) {
        Some((end, _)) => format!("{}…", &text[..end]).into(),
        None => text.into(),
    }
}

/// The version ordering of an OSV ecosystem; `None` if Bulkhead has none for it.
pub fn scheme_for(ecosystem: &str) -> Option<Scheme> {
    Some(match ecosystem_base(ecosystem) {
        "Debian" | "Ubuntu" => Scheme::Dpkg,
        "Alpine" | "Wolfi" | "Chainguard" => Scheme::Apk,
        "Red Hat" | "AlmaLinux" | "Rocky Linux" | "openSUSE" | "SUSE" | "Mageia" => Scheme::Rpm,
        "PyPI" => Scheme::Pep440,
        "npm" => Scheme::Npm,
        "crates.io" => Scheme::Cargo,
        "Go" => Scheme::Go,
        "Maven" => Scheme::Maven,
        "RubyGems" => Scheme::RubyGems,
        "NuGet" => Scheme::NuGet,
        "Packagist" => Scheme::Composer,
        _ => return None,
    })
}

impl Database {
    /// Every advisory that affects `query`'s version, unsorted and not yet de-duplicated
    /// across feeds (see [`crate::dedupe`]).
    pub fn matches(&self, query: &PackageQuery) -> Result<Lookup, DbError> {
        let mut lookup = Lookup::default();
        let Some(scheme) = scheme_for(&query.ecosystem) else {
            return Ok(lookup);
        };
        let name = normalize_name(&query.ecosystem, &query.name);
        let version = query.version.trim();
        let framed = format!("\n{version}\n");
        let mut hits = Vec::new();
        let mut undecided = Vec::new();
        self.lookup(&query.ecosystem, &name, &mut |row| {
            match affects(scheme, version, framed.as_bytes(), &row) {
                Ok(Verdict::Affected(fixed_version)) => {
                    hits.push((row.advisory, row.severity, fixed_version));
                }
                Ok(Verdict::Unaffected) => {}
                Err(e) => undecided.push((row.advisory, e)),
            }
            Ok(())
        })?;
        for (rowid, severity, fixed_version) in hits {
            let advisory = self.advisory(rowid)?;
            let severity = severity.or(advisory.severity).unwrap_or(Severity::Unknown);
            lookup.matches.push(Match {
                advisory,
                severity,
                fixed_version,
            });
        }
        for (rowid, e) in undecided {
            let id = self.advisory(rowid)?.id;
            lookup.warnings.push(format!(
                "{} {}: advisory {id} not evaluated: {e}",
                short(&query.name),
                short(&query.version)
            ));
        }
        Ok(lookup)
    }
}

/// Whether a version is affected, and by which version it is fixed if that is known.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    Unaffected,
    Affected(Option<String>),
}

/// Whether `version` is affected by one stored entry.
fn affects(
    scheme: Scheme,
    version: &str,
    framed_version: &[u8],
    row: &StoredAffected<'_>,
) -> Result<Verdict, bulkhead_version::VersionError> {
    let listed =
        !row.versions.is_empty() && memchr::memmem::find(row.versions, framed_version).is_some();
    let mut affected = listed;
    let mut fixed: Option<String> = None;
    let mut first_error = None;
    for range in &row.ranges {
        let outcome = match range {
            Range::Events(events) => events_affect(scheme, version, events),
            Range::AnyOf(groups) => any_of(scheme, version, groups),
            Range::NoneOf(groups) => none_of(scheme, version, groups),
        };
        match outcome {
            Ok(Verdict::Affected(fix)) => {
                affected = true;
                if let Some(fix) = fix {
                    fixed = Some(match fixed {
                        Some(old) if compare(scheme, &old, &fix)? != Ordering::Greater => old,
                        _ => fix,
                    });
                }
            }
            Ok(Verdict::Unaffected) => {}
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if affected {
        return Ok(Verdict::Affected(fixed));
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(Verdict::Unaffected),
    }
}

/// OSV's algorithm: walk the events sorted by version; `introduced` at or below the version
/// opens, `fixed` at or below it closes, `last_affected` below it closes. Events at the same
/// version keep the record's order (the specification sorts with Python's stable sort; the
/// `versions` lists OSV.dev computes, e.g. PYSEC-2022-236's, agree). So the state is that of
/// the greatest event at or below the version, the later one in the record on a tie, with
/// `last_affected` counting as just above its version. `limit` events each widen the range's
/// upper bound: with any, the version must be below at least one.
fn events_affect(
    scheme: Scheme,
    version: &str,
    events: &[Event],
) -> Result<Verdict, bulkhead_version::VersionError> {
    // (event version, just above it, index, opens).
    let mut best: Option<(&str, bool, usize, bool)> = None;
    let mut introduced_seen = false;
    let mut limits = 0;
    let mut below_a_limit = false;
    for (index, event) in events.iter().enumerate() {
        let (at, above, opens, applies) = match event {
            Event::Introduced(v) if v == "0" => (v.as_str(), false, true, true),
            Event::Introduced(v) => (
                v.as_str(),
                false,
                true,
                compare(scheme, version, v)?.is_ge(),
            ),
            Event::Fixed(v) => (
                v.as_str(),
                false,
                false,
                compare(scheme, version, v)?.is_ge(),
            ),
            Event::LastAffected(v) => (
                v.as_str(),
                true,
                false,
                compare(scheme, version, v)?.is_gt(),
            ),
            Event::Limit(v) => {
                if v != "*" {
                    limits += 1;
                    below_a_limit |= compare(scheme, version, v)?.is_lt();
                }
                continue;
            }
        };
        introduced_seen |= opens;
        if !applies {
            continue;
        }
        let later = match best {
            None => true,
            Some((b, b_above, _, _)) => match order(scheme, at, b)? {
                Ordering::Greater => true,
                // Same version: `last_affected` sits above it; otherwise record order.
                Ordering::Equal => above || !b_above,
                Ordering::Less => false,
            },
        };
        if later {
            best = Some((at, above, index, opens));
        }
    }
    if !introduced_seen || (limits > 0 && !below_a_limit) || !matches!(best, Some((.., true))) {
        return Ok(Verdict::Unaffected);
    }
    // The fix: the lowest `fixed` above the installed version.
    let mut fix: Option<&str> = None;
    for event in events {
        if let Event::Fixed(v) = event
            && compare(scheme, version, v)?.is_lt()
            && match fix {
                None => true,
                Some(f) => compare(scheme, v, f)?.is_lt(),
            }
        {
            fix = Some(v);
        }
    }
    Ok(Verdict::Affected(fix.map(str::to_owned)))
}

/// Orders event versions, with OSV's `0` below everything.
fn order(scheme: Scheme, a: &str, b: &str) -> Result<Ordering, bulkhead_version::VersionError> {
    match (a == "0", b == "0") {
        (true, true) => Ok(Ordering::Equal),
        (true, false) => Ok(Ordering::Less),
        (false, true) => Ok(Ordering::Greater),
        (false, false) => compare(scheme, a, b),
    }
}

fn holds(
    scheme: Scheme,
    version: &str,
    c: &Constraint,
) -> Result<bool, bulkhead_version::VersionError> {
    let ord = compare(scheme, version, &c.version)?;
    Ok(match c.op {
        Op::Lt => ord.is_lt(),
        Op::Le => ord.is_le(),
        Op::Gt => ord.is_gt(),
        Op::Ge => ord.is_ge(),
        Op::Eq => ord.is_eq(),
        Op::Ne => ord.is_ne(),
    })
}

fn all_hold(
    scheme: Scheme,
    version: &str,
    group: &[Constraint],
) -> Result<bool, bulkhead_version::VersionError> {
    for c in group {
        if !holds(scheme, version, c)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Affected if some group holds entirely; the fix is that group's `<` bound.
fn any_of(
    scheme: Scheme,
    version: &str,
    groups: &[Vec<Constraint>],
) -> Result<Verdict, bulkhead_version::VersionError> {
    for group in groups {
        if all_hold(scheme, version, group)? {
            let fix = group
                .iter()
                .find(|c| c.op == Op::Lt)
                .map(|c| c.version.clone());
            return Ok(Verdict::Affected(fix));
        }
    }
    Ok(Verdict::Unaffected)
}

/// Affected unless some group holds; the fix is the lowest lower bound above the installed
/// version among the groups (a version that satisfies a patched requirement).
fn none_of(
    scheme: Scheme,
    version: &str,
    groups: &[Vec<Constraint>],
) -> Result<Verdict, bulkhead_version::VersionError> {
    for group in groups {
        if all_hold(scheme, version, group)? {
            return Ok(Verdict::Unaffected);
        }
    }
    let mut fix: Option<&str> = None;
    for group in groups {
        for c in group {
            if matches!(c.op, Op::Ge | Op::Eq)
                && compare(scheme, &c.version, version)?.is_gt()
                && match fix {
                    None => true,
                    Some(f) => compare(scheme, &c.version, f)?.is_lt(),
                }
            {
                fix = Some(&c.version);
            }
        }
    }
    Ok(Verdict::Affected(fix.map(str::to_owned)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(list: &[(&str, &str)]) -> Vec<Event> {
        list.iter()
            .map(|(k, v)| {
                let v = (*v).to_owned();
                match *k {
                    "i" => Event::Introduced(v),
                    "f" => Event::Fixed(v),
                    "l" => Event::LastAffected(v),
                    _ => Event::Limit(v),
                }
            })
            .collect()
    }

    fn hit(version: &str, events: &[(&str, &str)]) -> Verdict {
        events_affect(Scheme::Pep440, version, &ev(events)).unwrap()
    }

    fn fixed_by(version: &str) -> Verdict {
        Verdict::Affected(Some(version.to_owned()))
    }

    #[test]
    fn osv_events() {
        let simple = [("i", "0"), ("f", "2.0")];
        assert_eq!(hit("1.9", &simple), fixed_by("2.0"));
        assert_eq!(hit("2.0", &simple), Verdict::Unaffected);
        // Two windows in one range, unsorted as GHSA often writes them.
        let two = [("i", "3.0"), ("f", "3.2"), ("i", "1.0"), ("f", "1.5")];
        assert_eq!(hit("0.9", &two), Verdict::Unaffected);
        assert_eq!(hit("1.4", &two), fixed_by("1.5"));
        assert_eq!(hit("2.0", &two), Verdict::Unaffected);
        assert_eq!(hit("3.1", &two), fixed_by("3.2"));
        // last_affected includes its own version.
        let last = [("i", "1.0"), ("l", "1.3")];
        assert_eq!(hit("1.3", &last), Verdict::Affected(None));
        assert_eq!(hit("1.3.1", &last), Verdict::Unaffected);
        // limit caps the range; several limits widen it.
        let limited = [("i", "0"), ("l", "9.9"), ("x", "2.0")];
        assert_eq!(hit("2.1", &limited), Verdict::Unaffected);
        assert_eq!(hit("1.0", &limited), Verdict::Affected(None));
        let limits = [("i", "0"), ("x", "2.0"), ("x", "3.0")];
        assert_eq!(hit("2.5", &limits), Verdict::Affected(None));
        assert_eq!(hit("3.0", &limits), Verdict::Unaffected);
        // Ties keep the record's order (PYSEC-2022-236, pyspark): fixed 3.1.1 then
        // introduced 3.1.1 reopens at 3.1.1.
        let pyspark = [
            ("i", "0"),
            ("f", "3.1.1"),
            ("i", "3.2.0"),
            ("f", "3.2.2"),
            ("i", "3.1.1"),
            ("f", "3.1.3"),
        ];
        assert_eq!(hit("3.1.1.post1", &pyspark), fixed_by("3.1.3"));
        assert_eq!(hit("3.1.3", &pyspark), Verdict::Unaffected);
        // introduced and fixed at the same version: nothing is affected.
        assert_eq!(
            hit("1.0", &[("i", "1.0"), ("f", "1.0")]),
            Verdict::Unaffected
        );
        // No introduced event: nothing is affected.
        assert_eq!(hit("1.0", &[("f", "2.0")]), Verdict::Unaffected);
    }

    #[test]
    fn constraint_groups() {
        let c = |op, v: &str| Constraint {
            op,
            version: v.to_owned(),
        };
        let groups = vec![
            vec![c(Op::Ge, "2.0.0"), c(Op::Lt, "2.0.9")],
            vec![c(Op::Ge, "2.1.0"), c(Op::Lt, "2.1.4")],
        ];
        let any = |v| any_of(Scheme::RubyGems, v, &groups).unwrap();
        assert_eq!(any("2.0.5"), fixed_by("2.0.9"));
        assert_eq!(any("2.0.9"), Verdict::Unaffected);
        // rubysec: patched `~> 2.0.9` (>= 2.0.9, < 2.1) or `>= 2.1.4`; unaffected `< 1.0`.
        let patched = vec![
            vec![c(Op::Ge, "2.0.9"), c(Op::Lt, "2.1")],
            vec![c(Op::Ge, "2.1.4")],
            vec![c(Op::Lt, "1.0")],
        ];
        let none = |v| none_of(Scheme::RubyGems, v, &patched).unwrap();
        assert_eq!(none("0.9"), Verdict::Unaffected);
        assert_eq!(none("1.5"), fixed_by("2.0.9"));
        assert_eq!(none("2.0.9"), Verdict::Unaffected);
        assert_eq!(none("2.1.2"), fixed_by("2.1.4"));
    }
}
