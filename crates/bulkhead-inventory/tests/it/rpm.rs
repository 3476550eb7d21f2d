//! Tests of the `rpm` cataloger, against rpm itself.
//!
//! Real packages are built with `rpmbuild` from the specs in `tests/fixtures/rpm/` and installed
//! with `rpm -i` into a fresh root, whose database (SQLite, Debian's rpm 4.18 default) we
//! catalog and compare with `rpm -qa --queryformat` on the same root. The same header blobs are
//! then loaded into Berkeley DB hash databases with libdb's own `db5.3_load` (several page
//! sizes and both byte orders, so values are inline and on overflow chains), and compared
//! with what rpm's read-only BDB backend (`_db_backend bdb_ro`) lists from them.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use bulkhead_fsview::DirView;
use bulkhead_inventory::{Ecosystem, Options, catalog};
use bulkhead_test::{cached_fixture, require_tool, run};

/// (name, `EPOCHNUM:VERSION-RELEASE`, arch, source rpm file, licence)
type Row = (String, String, String, String, String);

const QUERY_FORMAT: &str =
    "%{NAME}\\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\t%{LICENSE}\\n";
const OS_RELEASE: &str =
    "NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nVERSION_ID=\"9.3\"\nID_LIKE=\"fedora\"\n";

fn specs() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rpm")
}

fn rpm_tool(tool: &str, home: &Path) -> Command {
    require_tool(tool, "rpm");
    let mut cmd = Command::new(tool);
    // No user macros (`~/.rpmmacros`) leak in.
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home);
    cmd
}

/// A root holding `etc/os-release` and an rpm database (rpm's default backend) with every
/// package built from the fixture specs installed.
fn sqlite_root() -> PathBuf {
    cached_fixture("rpmdb-sqlite-v1", |dir| {
        let top = dir.join("rpmbuild");
        let root = dir.join("root");
        let home = dir.join("home");
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::create_dir_all(&home).unwrap();
        std::fs::write(root.join("etc/os-release"), OS_RELEASE).unwrap();
        for spec in ["bulkhead-hello.spec", "bulkhead-world.spec"] {
            run(rpm_tool("rpmbuild", &home)
                .arg("--define")
                .arg(format!("_topdir {}", top.display()))
                .arg("-bb")
                .arg(specs().join(spec)));
        }
        let rpms: Vec<PathBuf> = std::fs::read_dir(top.join("RPMS/noarch"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert!(rpms.len() > 20, "{rpms:?}");
        run(rpm_tool("rpm", &home).arg("--root").arg(&root).args([
            "--dbpath",
            "/var/lib/rpm",
            "--initdb",
        ]));
        run(rpm_tool("rpm", &home)
            .args(["-i", "--nodeps", "--noscripts", "--root"])
            .arg(&root)
            .args(["--dbpath", "/var/lib/rpm"])
            .args(&rpms));
        assert!(
            root.join("var/lib/rpm/rpmdb.sqlite").is_file(),
            "Debian's rpm should default to the SQLite backend"
        );
    })
    .join("root")
}

/// What `rpm -qa` lists for `root`, with extra `rpm` arguments (the backend).
fn rpm_truth(root: &Path, extra: &[&str]) -> BTreeSet<Row> {
    let home = tempfile::tempdir().unwrap();
    let out = run(rpm_tool("rpm", home.path())
        .args(["-qa", "--root"])
        .arg(root)
        .args(["--dbpath", "/var/lib/rpm"])
        .args(extra)
        .args(["--queryformat", QUERY_FORMAT]));
    out.lines()
        .filter(|l| !l.starts_with("gpg-pubkey\t"))
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 5, "{l}");
            (
                f[0].into(),
                f[1].into(),
                f[2].into(),
                f[3].into(),
                f[4].into(),
            )
        })
        .collect()
}

/// What our rpm cataloger finds in `root`, in the same shape, checking each purl on the way.
fn ours(root: &Path, db_file: &str) -> BTreeSet<Row> {
    let inventory = catalog(&DirView::new(root).unwrap(), &Options::default()).unwrap();
    let warnings: Vec<_> = inventory
        .warnings
        .iter()
        .filter(|w| w.contains("(rpm-rpm)"))
        .collect();
    assert!(warnings.is_empty(), "{warnings:?}");
    inventory
        .packages
        .iter()
        .filter(|p| p.cataloger == "rpm-rpm")
        .map(|p| {
            assert_eq!(p.ecosystem, Ecosystem::Rpm);
            assert_eq!(p.locations[0].path, db_file);
            let (epoch, vr) = p.version.split_once(':').unwrap_or(("0", &p.version));
            let arch = p.arch.clone().unwrap();
            let mut purl = format!(
                "pkg:rpm/redhat/{}@{}?arch={arch}&distro=redhat-9.3",
                p.name, vr
            );
            if epoch != "0" {
                write!(purl, "&epoch={epoch}").unwrap();
            }
            assert_eq!(p.purl, purl);
            let source = p.source.as_ref().unwrap();
            let source_vr = source
                .version
                .split_once(':')
                .map_or(source.version.as_str(), |(_, vr)| vr);
            (
                p.name.clone(),
                format!("{epoch}:{vr}"),
                arch,
                format!("{}-{source_vr}.src.rpm", source.name),
                p.licenses.join(" "),
            )
        })
        .collect()
}

#[test]
fn sqlite_rpmdb_matches_rpm_query() {
    let root = sqlite_root();
    let truth = rpm_truth(&root, &[]);
    assert!(truth.len() > 20);
    assert!(
        truth.iter().any(|r| r.1.starts_with("2:")),
        "the fixture has an epoch"
    );
    assert_eq!(ours(&root, "var/lib/rpm/rpmdb.sqlite"), truth);
}

/// The header blobs of the SQLite database, by instance number.
fn header_blobs(root: &Path) -> Vec<(u32, Vec<u8>)> {
    let conn = rusqlite::Connection::open_with_flags(
        root.join("var/lib/rpm/rpmdb.sqlite"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let mut statement = conn
        .prepare("SELECT hnum, blob FROM Packages ORDER BY hnum")
        .unwrap();
    statement
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        write!(s, "{b:02x}").unwrap();
        s
    })
}

#[test]
fn berkeley_db_rpmdb_matches_rpm_query() {
    require_tool("db5.3_load", "db5.3-util");
    let blobs = header_blobs(&sqlite_root());
    // Inline values (64 KiB pages), overflow chains of several pages (512), and a big-endian
    // file as written on s390x/ppc64 (4 KiB).
    for (page_size, byte_order) in [(512, 1234), (65536, 1234), (4096, 4321)] {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("var/lib/rpm")).unwrap();
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::write(root.join("etc/os-release"), OS_RELEASE).unwrap();
        // db_load's dump format: hex key line, hex data line. rpm keys headers by their
        // native-endian instance number and keeps its next-instance counter under key 0.
        let mut dump = format!(
            "VERSION=3\nformat=bytevalue\ntype=hash\ndb_pagesize={page_size}\ndb_lorder={byte_order}\nHEADER=END\n"
        );
        let next = blobs.iter().map(|(h, _)| h + 1).max().unwrap();
        writeln!(
            dump,
            " {}\n {}",
            hex(&0u32.to_le_bytes()),
            hex(&next.to_le_bytes())
        )
        .unwrap();
        for (hnum, blob) in &blobs {
            writeln!(dump, " {}\n {}", hex(&hnum.to_le_bytes()), hex(blob)).unwrap();
        }
        dump.push_str("DATA=END\n");
        let dump_file = dir.path().join("dump.txt");
        std::fs::write(&dump_file, dump).unwrap();
        run(Command::new("db5.3_load")
            .arg("-f")
            .arg(&dump_file)
            .arg(root.join("var/lib/rpm/Packages")));

        let truth = rpm_truth(&root, &["--define", "_db_backend bdb_ro"]);
        assert_eq!(truth.len(), blobs.len());
        assert_eq!(
            ours(&root, "var/lib/rpm/Packages"),
            truth,
            "page size {page_size}, byte order {byte_order}"
        );
    }
}
