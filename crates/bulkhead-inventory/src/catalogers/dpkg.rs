//! dpkg's database: `var/lib/dpkg/status` (one file of stanzas) and the distroless layout,
//! `var/lib/dpkg/status.d/<package>` (one stanza per file, no `Status:` field). Only
//! packages whose status is `installed` count: `deinstall`/`config-files` leftovers are gone.
//!
//! The source package (`Source: name (version)`) is kept, because Debian and Ubuntu
//! advisories name source packages: `libssl3` is fixed by a DSA for `openssl`. Licenses are
//! not in the status file (they live in free-form `copyright` files) and are not guessed.

use bulkhead_fsview::Metadata;

use super::{Cataloger, Context, ParseError, file_name, package, source};
use crate::{Ecosystem, Options, Package};

#[derive(Debug)]
pub(crate) struct Dpkg;

impl Cataloger for Dpkg {
    fn name(&self) -> &'static str {
        "dpkg"
    }

    fn wants(&self, path: &str, _meta: &Metadata, _options: &Options) -> bool {
        path == "var/lib/dpkg/status"
            || path
                .strip_prefix("var/lib/dpkg/status.d/")
                .is_some_and(|name| !name.contains('/') && !name.ends_with(".md5sums"))
    }

    fn parse(
        &self,
        path: &str,
        content: &[u8],
        context: &Context<'_>,
    ) -> Result<Vec<Package>, ParseError> {
        let text = String::from_utf8_lossy(content);
        let distroless = file_name(path) != "status";
        let (namespace, distro) = match context.os {
            Some(os) => (
                os.id.clone(),
                format!("{}-{}", os.id, os.version_id.clone().unwrap_or_default()),
            ),
            None => ("debian".to_owned(), String::new()),
        };
        let mut out = Vec::new();
        for stanza in stanzas(&text) {
            let field = |name: &str| {
                stanza
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.as_str())
            };
            let (Some(name), Some(version)) = (field("Package"), field("Version")) else {
                continue;
            };
            // `Status: want flag status`; the third word is the state that matters.
            let installed = match field("Status") {
                Some(status) => status.split_whitespace().nth(2) == Some("installed"),
                None => distroless,
            };
            if !installed {
                continue;
            }
            let arch = field("Architecture").unwrap_or_default();
            let mut pkg = package(
                Ecosystem::Deb,
                Some(&namespace),
                name,
                version,
                &[("arch", arch), ("distro", distro.trim_end_matches('-'))],
            )?;
            pkg.arch = Some(arch.to_owned()).filter(|a| !a.is_empty());
            pkg.source = match field("Source") {
                // `Source: openssl` or `Source: glibc (2.36-9+deb12u4)` when versions differ.
                Some(src) => match src.split_once('(') {
                    Some((n, v)) => source(n.trim(), v.trim_end_matches(')').trim()),
                    None => source(src.trim(), version),
                },
                None => source(name, version),
            };
            out.push(pkg);
        }
        Ok(out)
    }
}

/// Splits deb822 text into stanzas of (field, value); continuation lines (leading space or
/// tab) are appended to the previous field's value.
fn stanzas(text: &str) -> Vec<Vec<(String, String)>> {
    let mut all = Vec::new();
    let mut current: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                all.push(std::mem::take(&mut current));
            }
        } else if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = current.last_mut() {
                value.push('\n');
                value.push_str(line.trim());
            }
        } else if let Some((key, value)) = line.split_once(':') {
            current.push((key.trim().to_owned(), value.trim().to_owned()));
        }
    }
    if !current.is_empty() {
        all.push(current);
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OsRelease;

    fn parse(path: &str, text: &str) -> Vec<Package> {
        let os = OsRelease {
            id: "debian".into(),
            version_id: Some("12".into()),
            ..OsRelease::default()
        };
        let options = Options::default();
        Dpkg.parse(
            path,
            text.as_bytes(),
            &Context {
                os: Some(&os),
                options: &options,
            },
        )
        .unwrap()
    }

    #[test]
    fn keeps_installed_packages_with_their_source() {
        let status = "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\nVersion: 3.0.20-1~deb12u2\nDescription: x\n multi\n\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 1\n\nPackage: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc (2.36-9+deb12u14)\nVersion: 2.36-9+deb12u14\n";
        let pkgs = parse("var/lib/dpkg/status", status);
        assert_eq!(pkgs.len(), 2);
        assert_eq!(
            pkgs[0].purl,
            "pkg:deb/debian/libssl3@3.0.20-1~deb12u2?arch=amd64&distro=debian-12"
        );
        assert_eq!(pkgs[0].source.as_ref().unwrap().name, "openssl");
        assert_eq!(pkgs[0].source.as_ref().unwrap().version, "3.0.20-1~deb12u2");
        assert_eq!(pkgs[1].source.as_ref().unwrap().name, "glibc");
    }

    #[test]
    fn distroless_stanzas_have_no_status() {
        let pkgs = parse(
            "var/lib/dpkg/status.d/base",
            "Package: base-files\nVersion: 12.4\nArchitecture: amd64\n",
        );
        assert_eq!(pkgs.len(), 1);
        assert!(!Dpkg.wants(
            "var/lib/dpkg/status.d/base.md5sums",
            &meta(),
            &Options::default()
        ));
    }

    #[test]
    fn garbage_is_not_a_crash() {
        assert!(parse("var/lib/dpkg/status", "\u{0}\u{1}:::\n\n\n Package\n:").is_empty());
        assert!(parse("var/lib/dpkg/status", &"Package: x\n".repeat(10_000)).is_empty());
    }

    fn meta() -> Metadata {
        Metadata {
            kind: bulkhead_fsview::FileKind::File,
            size: 1,
            mode: 0o644,
            uid: 0,
            gid: 0,
            mtime: 0,
        }
    }
}
