//! Tests of the `java` cataloger against what `unzip` shows inside real Debian-packaged jars
//! (`/usr/share/java`), on their own and nested in fat jars and wars built by Python's
//! `zipfile`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use bulkhead_fsview::DirView;
use bulkhead_inventory::{Ecosystem, Options, catalog};

use crate::assert_same_set;

/// (groupId:artifactId, version)
type Coordinates = BTreeSet<(String, String)>;

/// Jars from Debian packages (package, jar under `/usr/share/java`), with or without Maven
/// metadata: `wagon-http-shaded` swallowed five modules, `aopalliance` has none.
const JARS: &[(&str, &str)] = &[
    ("libcommons-lang3-java", "commons-lang3.jar"),
    ("libcommons-io-java", "commons-io.jar"),
    ("libguava-java", "guava.jar"),
    ("libwagon-http-shaded-java", "wagon-http-shaded.jar"),
    ("libaopalliance-java", "aopalliance.jar"),
];

fn jar(name: &str) -> PathBuf {
    let package = JARS.iter().find(|(_, j)| *j == name).unwrap().0;
    let path = Path::new("/usr/share/java").join(name);
    assert!(
        path.exists(),
        "`{}` is required for this test: `apt-get install {package}`",
        path.display()
    );
    path.canonicalize().unwrap()
}

/// Every `META-INF/maven/<group>/<artifact>/pom.properties` in `jar`, as `unzip` lists and
/// prints it.
fn unzip_truth(jar: &Path) -> Coordinates {
    bulkhead_test::require_tool("unzip", "unzip");
    let listing = bulkhead_test::run(Command::new("unzip").arg("-Z1").arg(jar));
    let mut truth = Coordinates::new();
    for entry in listing.lines() {
        let parts: Vec<&str> = entry.split('/').collect();
        if !(parts.len() == 5
            && parts[0] == "META-INF"
            && parts[1] == "maven"
            && parts[4] == "pom.properties")
        {
            continue;
        }
        let text = bulkhead_test::run(Command::new("unzip").arg("-p").arg(jar).arg(entry));
        let props: BTreeMap<&str, &str> = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim(), v.trim()))
            .collect();
        truth.insert((
            format!("{}:{}", props["groupId"], props["artifactId"]),
            props["version"].to_owned(),
        ));
    }
    truth
}

/// Our Maven packages per location path.
fn ours(root: &Path, options: &Options) -> BTreeMap<String, Coordinates> {
    let inventory = catalog(&DirView::new(root).unwrap(), options).unwrap();
    assert!(inventory.warnings.is_empty(), "{:?}", inventory.warnings);
    let mut out: BTreeMap<String, Coordinates> = BTreeMap::new();
    for p in inventory
        .packages
        .iter()
        .filter(|p| p.ecosystem == Ecosystem::Maven)
    {
        assert_eq!(p.cataloger, "java-archive");
        let (group, artifact) = p.name.split_once(':').unwrap();
        assert_eq!(
            p.purl,
            format!("pkg:maven/{group}/{artifact}@{}", p.version)
        );
        for l in &p.locations {
            out.entry(l.path.clone())
                .or_default()
                .insert((p.name.clone(), p.version.clone()));
        }
    }
    out
}

/// Writes a zip at `out` with `entries` (name in the archive, file on disk); `stored` keeps
/// entries uncompressed, as Spring Boot does for `BOOT-INF/lib`.
fn python_zip(out: &Path, entries: &[(&str, &Path)], stored: bool) {
    let script = "import sys, zipfile\n\
                  method = zipfile.ZIP_STORED if sys.argv[2] == 'stored' else zipfile.ZIP_DEFLATED\n\
                  with zipfile.ZipFile(sys.argv[1], 'w', method) as z:\n\
                  \x20   z.writestr('META-INF/MANIFEST.MF', 'Manifest-Version: 1.0\\nMain-Class: Demo\\n\\n')\n\
                  \x20   for name, path in zip(sys.argv[3::2], sys.argv[4::2]):\n\
                  \x20       z.write(path, name)\n";
    let mut cmd = Command::new("python3");
    cmd.args(["-c", script])
        .arg(out)
        .arg(if stored { "stored" } else { "deflated" });
    for (name, path) in entries {
        cmd.arg(name).arg(path);
    }
    bulkhead_test::run(&mut cmd);
}

#[test]
fn debian_jars_agree_with_unzip() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("lib")).unwrap();
    let mut truth = BTreeMap::new();
    for (_, name) in JARS {
        std::fs::copy(jar(name), dir.path().join("lib").join(name)).unwrap();
        let found = unzip_truth(&jar(name));
        if !found.is_empty() {
            truth.insert(format!("lib/{name}"), found);
        }
    }
    assert_eq!(truth["lib/wagon-http-shaded.jar"].len(), 5);
    assert!(!truth.contains_key("lib/aopalliance.jar"));
    let ours = ours(dir.path(), &Options::default());
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        truth.keys().collect::<Vec<_>>()
    );
    for (path, expected) in &truth {
        assert_same_set(&ours[path], expected);
    }
}

#[test]
fn nested_archives_are_found_with_their_paths() {
    bulkhead_test::require_tool("python3", "python3");
    let dir = tempfile::tempdir().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    // A Spring Boot style fat jar (stored inner jars) and an ear holding a war holding jars.
    python_zip(
        &dir.path().join("app.jar"),
        &[
            ("BOOT-INF/lib/commons-lang3.jar", &jar("commons-lang3.jar")),
            ("BOOT-INF/lib/commons-io.jar", &jar("commons-io.jar")),
        ],
        true,
    );
    let war = scratch.path().join("web.war");
    python_zip(
        &war,
        &[
            ("WEB-INF/lib/guava.jar", &jar("guava.jar")),
            (
                "WEB-INF/lib/wagon-http-shaded.jar",
                &jar("wagon-http-shaded.jar"),
            ),
            ("WEB-INF/lib/aopalliance.jar", &jar("aopalliance.jar")),
        ],
        false,
    );
    python_zip(&dir.path().join("app.ear"), &[("web.war", &war)], false);

    let depth_one: BTreeMap<String, Coordinates> = [
        (
            "app.jar!/BOOT-INF/lib/commons-lang3.jar".to_owned(),
            unzip_truth(&jar("commons-lang3.jar")),
        ),
        (
            "app.jar!/BOOT-INF/lib/commons-io.jar".to_owned(),
            unzip_truth(&jar("commons-io.jar")),
        ),
    ]
    .into();
    let mut all = depth_one.clone();
    all.insert(
        "app.ear!/web.war!/WEB-INF/lib/guava.jar".to_owned(),
        unzip_truth(&jar("guava.jar")),
    );
    all.insert(
        "app.ear!/web.war!/WEB-INF/lib/wagon-http-shaded.jar".to_owned(),
        unzip_truth(&jar("wagon-http-shaded.jar")),
    );

    assert_eq!(ours(dir.path(), &Options::default()), all);
    // One level of nesting reaches the fat jar's libraries but not the war's.
    let shallow = Options {
        max_archive_depth: 1,
        ..Options::default()
    };
    assert_eq!(ours(dir.path(), &shallow), depth_one);
    let flat = Options {
        max_archive_depth: 0,
        ..Options::default()
    };
    assert!(ours(dir.path(), &flat).is_empty());
}

#[test]
fn corrupt_jars_are_warnings_not_failures() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(jar("commons-io.jar"), dir.path().join("good.jar")).unwrap();
    let mut truncated = std::fs::read(jar("commons-lang3.jar")).unwrap();
    truncated.truncate(truncated.len() / 2);
    std::fs::write(dir.path().join("truncated.jar"), truncated).unwrap();
    std::fs::write(dir.path().join("text.war"), "not a zip").unwrap();
    let inventory = catalog(&DirView::new(dir.path()).unwrap(), &Options::default()).unwrap();
    assert_eq!(inventory.warnings.len(), 2, "{:?}", inventory.warnings);
    assert!(
        inventory
            .warnings
            .iter()
            .all(|w| w.contains("java-archive"))
    );
    let names: Vec<&str> = inventory.packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["commons-io:commons-io"]);
}
