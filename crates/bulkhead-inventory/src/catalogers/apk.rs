//! Alpine's apk database, `lib/apk/db/installed`: stanzas of single-letter fields
//! (`P` name, `V` version, `A` arch, `L` license, `o` origin — the source package that
//! Alpine's secdb advisories name). Format reference: the apk-tools `apk-spec(5)` "installed
//! database" section. Lines of other letters (files, checksums, dependencies) are skipped.

use bulkhead_fsview::Metadata;

use super::{Cataloger, Context, ParseError, package, source};
use crate::{Ecosystem, Options, Package};

#[derive(Debug)]
pub(crate) struct Apk;

impl Cataloger for Apk {
    fn name(&self) -> &'static str {
        "apk"
    }

    fn wants(&self, path: &str, _meta: &Metadata, _options: &Options) -> bool {
        path == "lib/apk/db/installed"
    }

    fn parse(
        &self,
        _path: &str,
        content: &[u8],
        context: &Context<'_>,
    ) -> Result<Vec<Package>, ParseError> {
        let text = String::from_utf8_lossy(content);
        let distro = context
            .os
            .and_then(|os| os.version_id.clone())
            .unwrap_or_default();
        let mut out = Vec::new();
        for stanza in text.split("\n\n") {
            let mut fields = std::collections::HashMap::new();
            for line in stanza.lines() {
                if let Some((key, value)) = line.split_once(':')
                    && key.len() == 1
                {
                    fields.entry(key).or_insert(value);
                }
            }
            let (Some(name), Some(version)) = (fields.get("P"), fields.get("V")) else {
                continue;
            };
            let arch = fields.get("A").copied().unwrap_or_default();
            let mut pkg = package(
                Ecosystem::Apk,
                Some("alpine"),
                name,
                version,
                &[("arch", arch), ("distro", &distro)],
            )?;
            pkg.arch = Some(arch.to_owned()).filter(|a| !a.is_empty());
            pkg.licenses = fields
                .get("L")
                .map(|l| vec![(*l).to_owned()])
                .unwrap_or_default();
            pkg.source = source(fields.get("o").copied().unwrap_or(name), version);
            out.push(pkg);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OsRelease;

    #[test]
    fn parses_installed_db() {
        // Shape as apk-tools writes it (fields abridged).
        let db = "C:Q1abc=\nP:musl\nV:1.2.5-r0\nA:x86_64\nS:383152\nI:622592\nT:the musl c library\nU:https://musl.libc.org/\nL:MIT\no:musl\nm:Maintainer <m@example.org>\nt:1712101070\nF:lib\nR:ld-musl-x86_64.so.1\n\nC:Q1def=\nP:libcrypto3\nV:3.3.2-r0\nA:x86_64\nL:Apache-2.0\no:openssl\n\n";
        let os = OsRelease {
            id: "alpine".into(),
            version_id: Some("3.20.3".into()),
            ..OsRelease::default()
        };
        let options = Options::default();
        let pkgs = Apk
            .parse(
                "lib/apk/db/installed",
                db.as_bytes(),
                &Context {
                    os: Some(&os),
                    options: &options,
                },
            )
            .unwrap();
        assert_eq!(pkgs.len(), 2);
        assert_eq!(
            pkgs[0].purl,
            "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=3.20.3"
        );
        assert_eq!(pkgs[0].licenses, ["MIT"]);
        assert_eq!(pkgs[1].source.as_ref().unwrap().name, "openssl");
        let none = Apk
            .parse(
                "x",
                b"P\nV:\n\n:::",
                &Context {
                    os: None,
                    options: &options,
                },
            )
            .unwrap();
        assert!(none.is_empty());
    }
}
