//! Java archives (`.jar`, `.war`, `.ear`, `.par`, `.sar`, `.jpi`, `.hpi`) and the archives
//! nested in them, as `pkg:maven/<groupId>/<artifactId>@<version>`.
//!
//! What identifies a package:
//! 1. Every `META-INF/maven/<group>/<artifact>/pom.properties` in the archive (Maven writes one
//!    per module it packages, so a shaded jar lists each module it swallowed): its `groupId`,
//!    `artifactId` and `version`, all three required.
//! 2. Only if the archive has no `pom.properties` at all, its `META-INF/MANIFEST.MF`, and only
//!    when it names the group: `Implementation-Vendor-Id` (which Maven's archiver sets to the
//!    groupId). The version is `Implementation-Version`, else `Bundle-Version`, and must start
//!    with a digit. The artifact is the file name's stem when the file is named
//!    `<stem>-<that version>.<ext>`, else `Implementation-Title` when it is a single
//!    identifier-like word (Maven sets it to the project *name*, often prose). We deliberately
//!    do not guess a group from `Bundle-SymbolicName` or the package names: a wrong group
//!    matches someone else's advisories, or hides the right ones. Such jars (and jars with no
//!    metadata at all) yield nothing; finding them needs a checksum database, which we do not
//!    have.
//!
//! Nested archives (`WEB-INF/lib/*.jar`, `BOOT-INF/lib/*.jar`, any entry with one of the
//! extensions above) are inflated in memory and read the same way, down to
//! [`Options::max_archive_depth`] levels below the file itself; their packages are located at
//! `outer.jar!/inner.jar` (and `a.jar!/b.jar!/c.jar` deeper down). A nested archive that cannot
//! be read is skipped. Zip bombs are bounded three ways: the bytes inflated for one file,
//! nested archives included, stop at four times [`Options::max_file_size`]; a metadata file
//! over [`MAX_METADATA_FILE`] is skipped; and at most [`MAX_ENTRIES`] entries of an archive and
//! [`MAX_ARCHIVES`] archives per file are looked at. When a bound is hit we return what was
//! found so far rather than nothing.
//!
//! Not read: `pom.xml` (the properties file says the same, without property interpolation),
//! shaded classes without Maven metadata, Gradle module metadata, `jar-in-jar` class loaders'
//! own indexes.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use bulkhead_fsview::Metadata;

use super::{Cataloger, Context, ParseError, file_name, package};
use crate::{Ecosystem, Options, Package, PackageLocation};

/// The file extensions of Java archives.
const EXTENSIONS: [&str; 7] = ["jar", "war", "ear", "par", "sar", "jpi", "hpi"];
/// Largest `pom.properties` or `MANIFEST.MF` we read; real ones are a few KiB.
const MAX_METADATA_FILE: u64 = 1 << 20;
/// Most entries of one archive we look at (big Spring Boot jars have tens of thousands).
const MAX_ENTRIES: usize = 200_000;
/// Most archives (the file and everything nested in it) we open for one file.
const MAX_ARCHIVES: usize = 10_000;
/// The inflation budget for one file, as a multiple of [`Options::max_file_size`].
const INFLATE_FACTOR: u64 = 4;

#[derive(Debug)]
pub(crate) struct JavaArchives;

impl Cataloger for JavaArchives {
    fn name(&self) -> &'static str {
        "java-archive"
    }

    /// Fat jars run to hundreds of MB; they get the binary limit, not the metadata one.
    fn max_size(&self, options: &Options) -> u64 {
        options.max_binary_size
    }

    fn wants(&self, path: &str, meta: &Metadata, options: &Options) -> bool {
        meta.is_file() && meta.size <= options.max_file_size && is_archive_name(path)
    }

    fn parse(
        &self,
        path: &str,
        content: &[u8],
        ctx: &Context<'_>,
    ) -> Result<Vec<Package>, ParseError> {
        let mut walk = Walk {
            budget: ctx.options.max_file_size.saturating_mul(INFLATE_FACTOR),
            archives_left: MAX_ARCHIVES,
            max_depth: ctx.options.max_archive_depth,
            packages: Vec::new(),
        };
        walk.archive(path, content, 0)?;
        Ok(walk.packages)
    }
}

fn is_archive_name(path: &str) -> bool {
    file_name(path).rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty() && EXTENSIONS.iter().any(|e| ext.eq_ignore_ascii_case(e))
    })
}

/// The state of reading one file and what it nests.
struct Walk {
    /// Bytes that may still be inflated.
    budget: u64,
    archives_left: usize,
    max_depth: usize,
    packages: Vec<Package>,
}

impl Walk {
    /// Reads the archive `bytes`, found at `location`, `depth` levels below the scanned file.
    fn archive(&mut self, location: &str, bytes: &[u8], depth: usize) -> Result<(), ParseError> {
        if self.archives_left == 0 {
            return Ok(());
        }
        self.archives_left -= 1;
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| format!("not a readable zip archive: {e}"))?;
        let names: Vec<(usize, String)> = (0..zip.len().min(MAX_ENTRIES))
            .filter_map(|i| Some((i, zip.name_for_index(i)?.ok()?.into_owned())))
            .collect();

        let mut found = Vec::new();
        for (index, _) in names.iter().filter(|(_, n)| is_pom_properties(n)) {
            let Some(text) = self.read_entry(&mut zip, *index, MAX_METADATA_FILE) else {
                continue;
            };
            let props = properties(&String::from_utf8_lossy(&text));
            let field = |key: &str| props.get(key).map(String::as_str).filter(|v| !v.is_empty());
            // Parts that make no valid purl are skipped like incomplete ones.
            if let (Some(group), Some(artifact), Some(version)) =
                (field("groupId"), field("artifactId"), field("version"))
                && let Ok(p) = package(Ecosystem::Maven, Some(group), artifact, version, &[])
            {
                found.push(p);
            }
        }
        let has_pom_properties = names.iter().any(|(_, n)| is_pom_properties(n));
        if !has_pom_properties
            && let Some((index, _)) = names
                .iter()
                .find(|(_, n)| n.eq_ignore_ascii_case("META-INF/MANIFEST.MF"))
            && let Some(text) = self.read_entry(&mut zip, *index, MAX_METADATA_FILE)
            && let Some((group, artifact, version)) =
                manifest_coordinates(&String::from_utf8_lossy(&text), file_name(location))
            && let Ok(p) = package(Ecosystem::Maven, Some(&group), &artifact, &version, &[])
        {
            found.push(p);
        }
        for mut p in found {
            if depth > 0 {
                p.locations = vec![PackageLocation {
                    path: location.to_owned(),
                    layer: None,
                }];
            }
            self.packages.push(p);
        }

        if depth >= self.max_depth {
            return Ok(());
        }
        for (index, name) in names
            .iter()
            .filter(|(_, n)| !n.ends_with('/') && is_archive_name(n))
        {
            if self.budget == 0 || self.archives_left == 0 {
                break;
            }
            let budget = self.budget;
            let Some(inner) = self.read_entry(&mut zip, *index, budget) else {
                continue;
            };
            // An unreadable nested archive hides only its own packages.
            let _ = self.archive(&format!("{location}!/{name}"), &inner, depth + 1);
        }
        Ok(())
    }

    /// Inflates one entry, at most `limit` bytes and within the budget; `None` for a directory,
    /// an unreadable or encrypted entry, or one larger than `limit`.
    fn read_entry(
        &mut self,
        zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
        index: usize,
        limit: u64,
    ) -> Option<Vec<u8>> {
        let mut entry = zip.by_index(index).ok()?;
        if entry.is_dir() || entry.encrypted() {
            return None;
        }
        let limit = limit.min(self.budget);
        // The declared size is only a hint (a hostile archive can lie); the read is capped.
        if entry.size() > limit {
            return None;
        }
        let mut out = Vec::new();
        let read = (&mut entry)
            .take(limit.saturating_add(1))
            .read_to_end(&mut out);
        self.budget = self.budget.saturating_sub(out.len() as u64);
        if read.is_err() || out.len() as u64 > limit {
            return None;
        }
        Some(out)
    }
}

/// `META-INF/maven/<group>/<artifact>/pom.properties`.
fn is_pom_properties(name: &str) -> bool {
    name.strip_prefix("META-INF/maven/")
        .and_then(|rest| rest.strip_suffix("/pom.properties"))
        .is_some_and(|middle| matches!(middle.split_once('/'), Some((g, a)) if !g.is_empty() && !a.is_empty() && !a.contains('/')))
}

/// A Java `.properties` file: `key=value`, `key: value` or `key value` lines, `#`/`!`
/// comments, backslash continuations and escapes (`\t`, `\n`, `\uXXXX`, …).
fn properties(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(first) = lines.next() {
        let first = first.trim_start();
        if first.is_empty() || first.starts_with('#') || first.starts_with('!') {
            continue;
        }
        // Join continuation lines: an odd number of trailing backslashes continues the line.
        let mut logical = first.to_owned();
        while logical.chars().rev().take_while(|&c| c == '\\').count() % 2 == 1 {
            logical.pop();
            match lines.next() {
                Some(next) => logical.push_str(next.trim_start()),
                None => break,
            }
        }
        let (key, value) = split_property(&logical);
        out.insert(key, value);
    }
    out
}

/// Splits a logical line at the first unescaped `=`, `:` or whitespace, decoding escapes.
fn split_property(line: &str) -> (String, String) {
    let mut key = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => push_escape(&mut key, &mut chars),
            '=' | ':' => break,
            c if c.is_whitespace() => {
                while chars.next_if(|c| c.is_whitespace()).is_some() {}
                chars.next_if(|&c| c == '=' || c == ':');
                break;
            }
            c => key.push(c),
        }
    }
    while chars.next_if(|c| c.is_whitespace()).is_some() {}
    let mut value = String::new();
    while let Some(c) = chars.next() {
        if c == '\\' {
            push_escape(&mut value, &mut chars);
        } else {
            value.push(c);
        }
    }
    (key, value.trim_end().to_owned())
}

fn push_escape(out: &mut String, chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('t') => out.push('\t'),
        Some('n') => out.push('\n'),
        Some('r') => out.push('\r'),
        Some('f') => out.push('\u{c}'),
        Some('u') => {
            let hex: String = (0..4)
                .filter_map(|_| chars.next_if(char::is_ascii_hexdigit))
                .collect();
            match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                Some(c) if hex.len() == 4 => out.push(c),
                _ => out.push_str(&hex),
            }
        }
        Some(c) => out.push(c),
        None => {}
    }
}

/// The main section of a manifest, keys lower-cased. Lines are at most 72 bytes; a line
/// starting with one space continues the previous one.
fn manifest_main_section(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        if line.is_empty() {
            break;
        }
        if let Some(more) = line.strip_prefix(' ') {
            if let Some((_, value)) = current.as_mut() {
                value.push_str(more);
            }
            continue;
        }
        if let Some((key, value)) = current.take() {
            out.insert(key, value);
        }
        if let Some((key, value)) = line.split_once(':') {
            current = Some((
                key.trim().to_ascii_lowercase(),
                value.trim_start().to_owned(),
            ));
        }
    }
    if let Some((key, value)) = current {
        out.insert(key, value);
    }
    out
}

/// (group, artifact, version) from a manifest, only when the group is stated; see the module
/// documentation for the rules.
fn manifest_coordinates(text: &str, archive_file_name: &str) -> Option<(String, String, String)> {
    let main = manifest_main_section(text);
    let get = |key: &str| main.get(key).map(|v| v.trim()).filter(|v| !v.is_empty());
    let group = get("implementation-vendor-id").filter(|g| is_identifier(g))?;
    let version = get("implementation-version")
        .or_else(|| get("bundle-version"))
        .filter(|v| {
            v.starts_with(|c: char| c.is_ascii_digit()) && !v.contains(char::is_whitespace)
        })?;
    let stem = archive_file_name
        .rsplit_once('.')
        .map_or(archive_file_name, |(stem, _)| stem);
    let artifact = stem
        .strip_suffix(version)
        .and_then(|s| s.strip_suffix('-'))
        .filter(|a| is_identifier(a))
        .or_else(|| get("implementation-title").filter(|t| is_identifier(t)))?;
    Some((group.to_owned(), artifact.to_owned(), version.to_owned()))
}

/// A Maven-style identifier: letters, digits, `.`, `_`, `-`.
fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use zip::write::SimpleFileOptions;

    use super::*;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        zip_with(entries, zip::CompressionMethod::Deflated)
    }

    fn zip_with(entries: &[(&str, &[u8])], method: zip::CompressionMethod) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default().compression_method(method);
        for (name, data) in entries {
            w.start_file(*name, options).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn pom(group: &str, artifact: &str, version: &str) -> (String, Vec<u8>) {
        (
            format!("META-INF/maven/{group}/{artifact}/pom.properties"),
            format!(
                "#Generated by Maven\ngroupId={group}\nartifactId={artifact}\nversion={version}\n"
            )
            .into_bytes(),
        )
    }

    fn jar(group: &str, artifact: &str, version: &str, extra: &[(&str, &[u8])]) -> Vec<u8> {
        let (name, data) = pom(group, artifact, version);
        let mut entries: Vec<(&str, &[u8])> = vec![
            ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n"),
            (&name, &data),
        ];
        entries.extend_from_slice(extra);
        zip_of(&entries)
    }

    fn parse_with(
        path: &str,
        content: &[u8],
        options: &Options,
    ) -> Result<Vec<(String, Vec<String>)>, ParseError> {
        let ctx = Context { os: None, options };
        let mut out: Vec<(String, Vec<String>)> = JavaArchives
            .parse(path, content, &ctx)?
            .into_iter()
            .map(|p| (p.purl, p.locations.into_iter().map(|l| l.path).collect()))
            .collect();
        out.sort();
        Ok(out)
    }

    fn parse(path: &str, content: &[u8]) -> Result<Vec<(String, Vec<String>)>, ParseError> {
        parse_with(path, content, &Options::default())
    }

    #[test]
    fn pom_properties_and_nested_locations() {
        let inner = jar("org.example", "inner", "1.2.3", &[]);
        let outer = jar(
            "com.acme",
            "app",
            "0.9.0",
            &[
                ("BOOT-INF/lib/inner-1.2.3.jar", &inner),
                ("BOOT-INF/lib/", b""),
            ],
        );
        assert_eq!(
            parse("app/app.jar", &outer).unwrap(),
            [
                ("pkg:maven/com.acme/app@0.9.0".to_owned(), vec![]),
                (
                    "pkg:maven/org.example/inner@1.2.3".to_owned(),
                    vec!["app/app.jar!/BOOT-INF/lib/inner-1.2.3.jar".to_owned()]
                ),
            ]
        );
    }

    #[test]
    fn properties_syntax() {
        let p = properties(
            "# c\n ! c\nkey1 = a\\\n    b\nkey2:c \nkey3 d\\u0041\\:\n\\ k\\=ey=v=w\nempty\n",
        );
        assert_eq!(p["key1"], "ab");
        assert_eq!(p["key2"], "c");
        assert_eq!(p["key3"], "dA:");
        assert_eq!(p[" k=ey"], "v=w");
        assert_eq!(p["empty"], "");
        // Broken escapes do not panic.
        let p = properties("a=\\u12\nb=\\uZZZZ\nc=\\");
        assert_eq!(p["a"], "12");
        assert_eq!(p["b"], "ZZZZ");
    }

    #[test]
    fn manifest_fallback_is_conservative() {
        let manifest = |body: &str| zip_of(&[("META-INF/MANIFEST.MF", body.as_bytes())]);
        let full = "Manifest-Version: 1.0\nImplementation-Title: Apache Foo Library\nImplementation-Vendor-Id: org.ap\n ache.foo\nImplementation-Version: 2.1\n\nName: x/\nImplementation-Version: 9\n";
        // Artifact from the file name, group from the (continued) vendor id.
        assert_eq!(
            parse("lib/foo-core-2.1.jar", &manifest(full)).unwrap(),
            [("pkg:maven/org.apache.foo/foo-core@2.1".to_owned(), vec![])]
        );
        // The title is prose and the file name does not carry the version: nothing.
        assert_eq!(parse("lib/foo.jar", &manifest(full)).unwrap(), []);
        // A single-word title will do.
        let titled = "Implementation-Title: foo-core\r\nImplementation-Vendor-Id: org.apache.foo\r\nBundle-Version: 2.1.0\r\n";
        assert_eq!(
            parse("lib/foo.jar", &manifest(titled)).unwrap(),
            [("pkg:maven/org.apache.foo/foo-core@2.1.0".to_owned(), vec![])]
        );
        // No group, no package, whatever else is known.
        let no_group = "Implementation-Title: guice\nImplementation-Version: 4.2.3\nBundle-SymbolicName: com.google.inject\n";
        assert_eq!(
            parse("lib/guice-4.2.3.jar", &manifest(no_group)).unwrap(),
            []
        );
        // A version that is not one.
        let bad_version = "Implementation-Vendor-Id: org.x\nImplementation-Title: x\nImplementation-Version: ${project.version}\n";
        assert_eq!(parse("lib/x.jar", &manifest(bad_version)).unwrap(), []);
        // The manifest is ignored when pom.properties exists.
        let (name, data) = pom("g", "a", "1");
        let both = zip_of(&[("META-INF/MANIFEST.MF", titled.as_bytes()), (&name, &data)]);
        assert_eq!(
            parse("lib/foo.jar", &both).unwrap(),
            [("pkg:maven/g/a@1".to_owned(), vec![])]
        );
    }

    #[test]
    fn incomplete_pom_properties_are_skipped() {
        let jar = zip_of(&[
            (
                "META-INF/maven/g/a/pom.properties",
                b"groupId=g\nartifactId=a\n",
            ),
            (
                "META-INF/maven/g/b/pom.properties",
                b"groupId=g\nartifactId=b\nversion=2\n",
            ),
            (
                "META-INF/maven/g/pom.properties",
                b"groupId=g\nartifactId=c\nversion=3\n",
            ),
        ]);
        assert_eq!(
            parse("x.jar", &jar).unwrap(),
            [("pkg:maven/g/b@2".to_owned(), vec![])]
        );
    }

    #[test]
    fn nesting_stops_at_the_configured_depth() {
        let mut archive = jar("g", "level10", "1", &[]);
        for level in (0..10).rev() {
            archive = jar(
                "g",
                &format!("level{level}"),
                "1",
                &[("lib/nested.jar", &archive)],
            );
        }
        let options = Options {
            max_archive_depth: 2,
            ..Options::default()
        };
        let found = parse_with("top.jar", &archive, &options).unwrap();
        assert_eq!(
            found,
            [
                ("pkg:maven/g/level0@1".to_owned(), vec![]),
                (
                    "pkg:maven/g/level1@1".to_owned(),
                    vec!["top.jar!/lib/nested.jar".to_owned()]
                ),
                (
                    "pkg:maven/g/level2@1".to_owned(),
                    vec!["top.jar!/lib/nested.jar!/lib/nested.jar".to_owned()]
                ),
            ]
        );
        let options = Options {
            max_archive_depth: 0,
            ..Options::default()
        };
        assert_eq!(parse_with("top.jar", &archive, &options).unwrap().len(), 1);
    }

    #[test]
    fn zip_bombs_are_bounded() {
        // A nested "jar" inflating past the budget is skipped; the outer package stays.
        let options = Options {
            max_file_size: 1 << 20,
            ..Options::default()
        };
        let zeros = vec![0u8; usize::try_from(INFLATE_FACTOR + 1).unwrap() << 20];
        let bomb = jar("g", "outer", "1", &[("lib/bomb.jar", &zeros)]);
        assert!(bomb.len() < 1 << 20);
        assert_eq!(
            parse_with("a.jar", &bomb, &options).unwrap(),
            [("pkg:maven/g/outer@1".to_owned(), vec![])]
        );
        // An oversized pom.properties is skipped.
        let mut huge = b"groupId=g\nartifactId=big\nversion=1\n".to_vec();
        huge.resize(usize::try_from(MAX_METADATA_FILE + 1).unwrap(), b'#');
        let big = zip_of(&[("META-INF/maven/g/big/pom.properties", &huge)]);
        assert_eq!(parse("b.jar", &big).unwrap(), []);
        // Many copies of one nested jar share one budget: 50 copies of 1 MiB each, with a
        // 4 MiB budget, are not all inflated.
        let (pom_name, pom_data) = pom("g", "inner", "1");
        let padding = vec![0u8; 1 << 20];
        let filler = zip_with(
            &[(&pom_name, &pom_data), ("padding", &padding)],
            zip::CompressionMethod::Stored,
        );
        let names: Vec<String> = (0..50).map(|i| format!("lib/{i}.jar")).collect();
        let entries: Vec<(&str, &[u8])> = names
            .iter()
            .map(|n| (n.as_str(), filler.as_slice()))
            .collect();
        let wide = zip_of(&entries);
        let mut walk = Walk {
            budget: 4 << 20,
            archives_left: MAX_ARCHIVES,
            max_depth: 4,
            packages: Vec::new(),
        };
        walk.archive("w.jar", &wide, 0).unwrap();
        assert!(walk.budget < 1 << 20);
        assert!(
            (1..5).contains(&walk.packages.len()),
            "{}",
            walk.packages.len()
        );
    }

    #[test]
    fn corrupt_archives() {
        assert!(parse("a.jar", b"").is_err());
        assert!(parse("a.jar", b"PK\x03\x04garbage").is_err());
        let good = jar("g", "a", "1", &[]);
        for len in 0..good.len() {
            let _ = parse("a.jar", &good[..len]);
        }
        for i in 0..good.len() {
            let mut b = good.clone();
            b[i] ^= 0x55;
            let _ = parse("a.jar", &b);
        }
        // A corrupt nested archive hides only itself.
        let outer = jar(
            "g",
            "outer",
            "1",
            &[("lib/bad.jar", b"PK\x05\x06 not really")],
        );
        assert_eq!(
            parse("o.jar", &outer).unwrap(),
            [("pkg:maven/g/outer@1".to_owned(), vec![])]
        );
    }

    #[test]
    fn wants_java_archives_only() {
        let meta = |size| Metadata {
            kind: bulkhead_fsview::FileKind::File,
            size,
            mode: 0o644,
            uid: 0,
            gid: 0,
            mtime: 0,
        };
        let options = Options::default();
        for path in [
            "app.jar",
            "x/y.WAR",
            "a.ear",
            "p.par",
            "s.sar",
            "plugins/git.jpi",
            "plugins/git.hpi",
        ] {
            assert!(JavaArchives.wants(path, &meta(100), &options), "{path}");
        }
        for path in ["app.jar.sha1", "jar", ".jar", "x.zip"] {
            assert!(!JavaArchives.wants(path, &meta(100), &options), "{path}");
        }
        assert!(!JavaArchives.wants("app.jar", &meta(options.max_file_size + 1), &options));
    }
}
