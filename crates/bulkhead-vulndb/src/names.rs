//! Package names as each ecosystem compares them, so `Django`, `django` and `DJANGO` meet.

/// The name under which advisories for `name` are stored and looked up in `ecosystem` (an
/// OSV ecosystem, release suffix allowed): PyPI by PEP 503 (lowercase, runs of `-_.` become
/// `-`); NuGet, Packagist, npm and crates.io case-insensitively; everything else as written
/// (Debian source packages, Go module paths and Maven coordinates are case-sensitive).
pub fn normalize_name(ecosystem: &str, name: &str) -> String {
    let name = name.trim();
    match ecosystem_base(ecosystem) {
        "PyPI" => {
            let mut out = String::with_capacity(name.len());
            let mut in_separator = false;
            for c in name.chars() {
                if matches!(c, '-' | '_' | '.') {
                    if !in_separator {
                        out.push('-');
                    }
                    in_separator = true;
                } else {
                    out.push(c.to_ascii_lowercase());
                    in_separator = false;
                }
            }
            out
        }
        "NuGet" | "Packagist" | "npm" | "crates.io" => name.to_ascii_lowercase(),
        _ => name.to_owned(),
    }
}

/// `Debian:12` → `Debian`.
pub(crate) fn ecosystem_base(ecosystem: &str) -> &str {
    ecosystem.split(':').next().unwrap_or(ecosystem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_normalise_per_ecosystem() {
        assert_eq!(
            normalize_name("PyPI", "Zope.Interface__x"),
            "zope-interface-x"
        );
        assert_eq!(
            normalize_name("NuGet", "Newtonsoft.Json"),
            "newtonsoft.json"
        );
        assert_eq!(normalize_name("Debian:12", "Glibc"), "Glibc");
        assert_eq!(
            normalize_name("Go", "github.com/Foo/bar"),
            "github.com/Foo/bar"
        );
    }
}
