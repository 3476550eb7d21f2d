//! Tests of the `binary` cataloger: Go build info against the Go toolchain's own reader
//! (`go version -m`), on binaries the test builds for several platforms and on Debian-built
//! ones; `cargo auditable` data against the section decoded by `objcopy` and Python's `zlib`
//! and `json`.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use bulkhead_fsview::DirView;
use bulkhead_inventory::{Ecosystem, Inventory, Options, catalog};

use crate::{assert_same_set, name_versions};

type NameVersions = BTreeSet<(String, String)>;

/// What `go version -m` says `binary` holds, under the cataloger's documented rules: the
/// standard library as `stdlib` with the Go version in `v` form, the main module if it has a
/// version, and each dependency as its replacement, unless replaced by a local directory.
fn go_truth(binary: &Path) -> NameVersions {
    let out = bulkhead_test::run(Command::new("go").arg("version").arg("-m").arg(binary));
    let mut lines = out.lines();
    let go = lines.next().unwrap().rsplit_once(": ").unwrap().1.trim();
    let numbers = go.strip_prefix("go").unwrap();
    assert_eq!(
        numbers.split('.').count(),
        3,
        "unexpected Go version `{go}`"
    );
    let mut truth: NameVersions = [("stdlib".to_owned(), format!("v{numbers}"))].into();
    let mut pending: Option<(String, String)> = None;
    let mut flush = |pending: &mut Option<(String, String)>| {
        if let Some((path, version)) = pending.take()
            && !version.is_empty()
            && version != "(devel)"
            && !path.starts_with('.')
            && !path.starts_with('/')
        {
            truth.insert((path, version));
        }
    };
    for line in lines {
        let fields: Vec<&str> = line.trim_start_matches('\t').split('\t').collect();
        let module = || {
            (
                fields[1].to_owned(),
                fields.get(2).copied().unwrap_or_default().to_owned(),
            )
        };
        match fields[0] {
            "mod" | "dep" => {
                flush(&mut pending);
                pending = Some(module());
            }
            "=>" => pending = Some(module()),
            _ => flush(&mut pending),
        }
    }
    flush(&mut pending);
    truth
}

/// Non-local packages in a `cargo auditable` binary's `.dep-v0` section, decoded with objcopy
/// and Python; build-only ones only if `include_build`.
pub(crate) fn auditable_truth(binary: &Path, include_build: bool) -> NameVersions {
    bulkhead_test::require_tool("objcopy", "binutils");
    let dir = tempfile::tempdir().unwrap();
    let section = dir.path().join("dep-v0.zlib");
    bulkhead_test::run(
        Command::new("objcopy")
            .arg(format!("--dump-section=.dep-v0={}", section.display()))
            .arg(binary)
            .arg(dir.path().join("scratch")),
    );
    let script = "import sys, json, zlib\n\
                  d = json.loads(zlib.decompress(open(sys.argv[1], 'rb').read()))\n\
                  build = sys.argv[2] == 'yes'\n\
                  print(json.dumps([[p['name'], p['version']] for p in d['packages']\n\
                      if p.get('source') != 'local' and (build or p.get('kind', 'runtime') != 'build')]))";
    let out = bulkhead_test::run(
        Command::new("python3")
            .args(["-c", script])
            .arg(&section)
            .arg(if include_build { "yes" } else { "no" }),
    );
    let pairs: Vec<(String, String)> = serde_json::from_str(&out).unwrap();
    pairs.into_iter().collect()
}

/// Our packages of one ecosystem per location path.
fn by_path(inventory: &Inventory, ecosystem: Ecosystem) -> BTreeMap<String, NameVersions> {
    let mut out: BTreeMap<String, NameVersions> = BTreeMap::new();
    for p in inventory
        .packages
        .iter()
        .filter(|p| p.ecosystem == ecosystem)
    {
        assert_eq!(p.cataloger, "binary");
        for l in &p.locations {
            out.entry(l.path.clone())
                .or_default()
                .insert((p.name.clone(), p.version.clone()));
        }
    }
    out
}

fn copy_executable(from: &Path, to: &Path) {
    std::fs::copy(from, to).unwrap();
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A Go module with vendored dependencies, so it builds offline: two plain dependencies, one
/// replaced by another module and one replaced by a local directory.
const GO_MODULE: &[(&str, &str)] = &[
    (
        "go.mod",
        "module example.com/bulkhead/fixture\n\ngo 1.19\n\nrequire (\n\
         \texample.com/local v0.0.0\n\texample.com/old v1.0.0\n\
         \tgithub.com/pkg/errors v0.9.1\n\tgolang.org/x/text v0.3.7\n)\n\n\
         replace example.com/old => example.com/new v1.1.0\n\n\
         replace example.com/local => ./local\n",
    ),
    (
        "vendor/modules.txt",
        "# example.com/local v0.0.0 => ./local\n## explicit\nexample.com/local\n\
         # example.com/old v1.0.0 => example.com/new v1.1.0\n## explicit\nexample.com/old\n\
         # github.com/pkg/errors v0.9.1\n## explicit\ngithub.com/pkg/errors\n\
         # golang.org/x/text v0.3.7\n## explicit\ngolang.org/x/text/language\n\
         # example.com/local => ./local\n\
         # example.com/old => example.com/new v1.1.0\n",
    ),
    (
        "vendor/github.com/pkg/errors/errors.go",
        "package errors\n\nfunc New(s string) error { return e(s) }\n\ntype e string\n\nfunc (x e) Error() string { return string(x) }\n",
    ),
    (
        "vendor/golang.org/x/text/language/language.go",
        "package language\n\nconst Und = \"und\"\n",
    ),
    (
        "vendor/example.com/old/old.go",
        "package old\n\nconst Name = \"new\"\n",
    ),
    (
        "vendor/example.com/local/local.go",
        "package local\n\nconst Name = \"local\"\n",
    ),
    ("local/go.mod", "module example.com/local\n\ngo 1.19\n"),
    (
        "local/local.go",
        "package local\n\nconst Name = \"local\"\n",
    ),
    (
        "main.go",
        "package main\n\nimport (\n\t\"os\"\n\n\t\"example.com/local\"\n\t\"example.com/old\"\n\
         \t\"github.com/pkg/errors\"\n\t\"golang.org/x/text/language\"\n)\n\n\
         func main() {\n\tos.Stdout.WriteString(errors.New(language.Und).Error() + old.Name + local.Name + \"\\n\")\n}\n",
    ),
];

/// (output name, GOOS, GOARCH, extra `go build` flags)
const GO_TARGETS: &[(&str, &str, &str, &[&str])] = &[
    ("app-linux-amd64", "linux", "amd64", &[]),
    (
        "app-linux-amd64-stripped",
        "linux",
        "amd64",
        &["-ldflags=-s -w"],
    ),
    ("app-linux-386", "linux", "386", &[]),
    ("app-linux-ppc64", "linux", "ppc64", &[]),
    ("app-darwin-amd64", "darwin", "amd64", &[]),
    ("app-darwin-arm64", "darwin", "arm64", &[]),
    ("app-windows-amd64.exe", "windows", "amd64", &[]),
];

/// The Go module built for every target, once per target directory.
fn go_binaries() -> PathBuf {
    bulkhead_test::require_tool("go", "golang-go");
    let cache = bulkhead_test::fixtures_dir().join("go-build-cache");
    bulkhead_test::cached_fixture("go-module-binaries-v1", |dir| {
        let src = dir.join("src");
        for (path, text) in GO_MODULE {
            let path = src.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        // All targets at once: each build is mostly single-threaded compiling and linking.
        let builds: Vec<_> = GO_TARGETS
            .iter()
            .map(|(name, goos, goarch, flags)| {
                let mut cmd = Command::new("go");
                cmd.current_dir(&src)
                    .args(["build", "-trimpath", "-buildvcs=false"])
                    .args(*flags)
                    .arg("-o")
                    .arg(dir.join("bin").join(name))
                    .arg(".")
                    .env("GOOS", goos)
                    .env("GOARCH", goarch)
                    .env("CGO_ENABLED", "0")
                    .env("GOFLAGS", "-mod=vendor")
                    .env("GOPROXY", "off")
                    .env("GOTOOLCHAIN", "local")
                    .env("GOWORK", "off")
                    .env("GO111MODULE", "on")
                    .env("GOCACHE", &cache)
                    .env("GOPATH", dir.join("gopath"))
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped());
                (name, cmd.spawn().unwrap())
            })
            .collect();
        for (name, child) in builds {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "go build of {name} failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let _ = std::fs::remove_dir_all(dir.join("gopath"));
    })
    .join("bin")
}

/// A universal Mach-O file holding `slices` (cputype, cpusubtype, bytes), 16 KiB aligned.
fn universal_macho(slices: &[(u32, u32, &[u8])]) -> Vec<u8> {
    let align = 1usize << 14;
    let mut out = Vec::new();
    out.extend_from_slice(&0xcafe_babe_u32.to_be_bytes());
    out.extend_from_slice(&u32::try_from(slices.len()).unwrap().to_be_bytes());
    let mut offset = align;
    let mut placed = Vec::new();
    for (cputype, subtype, bytes) in slices {
        for word in [
            *cputype,
            *subtype,
            u32::try_from(offset).unwrap(),
            u32::try_from(bytes.len()).unwrap(),
            14,
        ] {
            out.extend_from_slice(&word.to_be_bytes());
        }
        placed.push((offset, *bytes));
        offset = (offset + bytes.len()).next_multiple_of(align);
    }
    for (at, bytes) in placed {
        out.resize(at, 0);
        out.extend_from_slice(bytes);
    }
    out
}

#[test]
fn go_modules_agree_with_go_version_m() {
    let bin = go_binaries();
    let dir = tempfile::tempdir().unwrap();
    let mut truth: BTreeMap<String, NameVersions> = BTreeMap::new();
    for (name, ..) in GO_TARGETS {
        copy_executable(&bin.join(name), &dir.path().join(name));
        truth.insert((*name).to_owned(), go_truth(&bin.join(name)));
    }

    // The same binary with its section headers cut off (as `sstrip` does): found through the
    // writable segment, as the Go toolchain finds it.
    let mut headless = std::fs::read(bin.join("app-linux-amd64")).unwrap();
    headless[0x28..0x30].fill(0); // e_shoff
    headless[0x3c..0x40].fill(0); // e_shnum, e_shstrndx
    std::fs::write(dir.path().join("app-headless"), &headless).unwrap();
    std::fs::set_permissions(
        dir.path().join("app-headless"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    truth.insert(
        "app-headless".to_owned(),
        go_truth(&dir.path().join("app-headless")),
    );

    // A universal binary of both macOS builds: what each slice holds.
    let amd64 = std::fs::read(bin.join("app-darwin-amd64")).unwrap();
    let arm64 = std::fs::read(bin.join("app-darwin-arm64")).unwrap();
    let fat = universal_macho(&[(0x0100_0007, 3, &amd64), (0x0100_000c, 0, &arm64)]);
    std::fs::write(dir.path().join("app-universal"), fat).unwrap();
    std::fs::set_permissions(
        dir.path().join("app-universal"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let mut universal = truth["app-darwin-amd64"].clone();
    universal.extend(truth["app-darwin-arm64"].iter().cloned());
    truth.insert("app-universal".to_owned(), universal);

    let inventory = catalog(&DirView::new(dir.path()).unwrap(), &Options::default()).unwrap();
    assert!(inventory.warnings.is_empty(), "{:?}", inventory.warnings);
    let ours = by_path(&inventory, Ecosystem::Golang);
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        truth.keys().collect::<Vec<_>>()
    );
    for (path, expected) in &truth {
        assert_same_set(&ours[path], expected);
    }
    // The comparison is not vacuous: the replacements were applied and the local one dropped.
    let linux = &ours["app-linux-amd64"];
    for module in [
        "github.com/pkg/errors",
        "golang.org/x/text",
        "example.com/new",
        "stdlib",
    ] {
        assert!(
            linux.iter().any(|(n, _)| n == module),
            "{module} missing from {linux:?}"
        );
    }
    assert!(
        !linux
            .iter()
            .any(|(n, _)| n == "example.com/old" || n == "example.com/local")
    );
    let errors = inventory
        .packages
        .iter()
        .find(|p| p.name == "github.com/pkg/errors")
        .unwrap();
    assert_eq!(errors.purl, "pkg:golang/github.com/pkg/errors@v0.9.1");
}

#[test]
fn debian_go_binaries_agree_with_go_version_m() {
    bulkhead_test::require_tool("go", "golang-go");
    let dir = tempfile::tempdir().unwrap();
    let mut truth = BTreeMap::new();
    for (tool, package) in [
        ("skopeo", "skopeo"),
        ("umoci", "umoci"),
        ("docker-registry", "docker-registry"),
    ] {
        let path = bulkhead_test::require_tool(tool, package);
        copy_executable(&path, &dir.path().join(tool));
        truth.insert(tool.to_owned(), go_truth(&path));
    }
    let inventory = catalog(&DirView::new(dir.path()).unwrap(), &Options::default()).unwrap();
    assert!(inventory.warnings.is_empty(), "{:?}", inventory.warnings);
    assert_eq!(by_path(&inventory, Ecosystem::Golang), truth);
}

#[test]
fn auditable_rust_binary_agrees_with_its_decoded_section() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/binary/auditable/bulkhead-auditable-fixture");
    let dir = tempfile::tempdir().unwrap();
    copy_executable(&fixture, &dir.path().join("app"));
    let inventory = catalog(&DirView::new(dir.path()).unwrap(), &Options::default()).unwrap();
    assert!(inventory.warnings.is_empty(), "{:?}", inventory.warnings);
    let truth = auditable_truth(&fixture, false);
    assert!(
        truth.contains(&("itoa".to_owned(), "1.0.15".to_owned())),
        "{truth:?}"
    );
    assert_same_set(&name_versions(&inventory, Ecosystem::Cargo), &truth);
    assert!(
        inventory
            .packages
            .iter()
            .all(|p| p.locations[0].path == "app")
    );
}

#[test]
fn options_bound_what_is_read() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/binary/auditable/bulkhead-auditable-fixture");
    let dir = tempfile::tempdir().unwrap();
    copy_executable(&fixture, &dir.path().join("app"));
    // Not executable and not named like a library: not read.
    std::fs::copy(&fixture, dir.path().join("app.data")).unwrap();
    std::fs::set_permissions(
        dir.path().join("app.data"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let small = Options {
        max_binary_size: 1000,
        ..Options::default()
    };
    assert!(
        catalog(&DirView::new(dir.path()).unwrap(), &small)
            .unwrap()
            .packages
            .is_empty()
    );
    let inventory = catalog(&DirView::new(dir.path()).unwrap(), &Options::default()).unwrap();
    assert!(!inventory.packages.is_empty());
    assert!(
        inventory
            .packages
            .iter()
            .all(|p| p.locations.iter().all(|l| l.path == "app"))
    );
}

#[test]
fn c_binaries_in_a_debian_image_yield_nothing() {
    // The demo image holds hundreds of ELF executables and shared libraries from Debian
    // packages, none of them Go or `cargo auditable` builds (its NOTE.md lists what went in).
    let inventory = crate::webapp_inventory();
    let ours: Vec<&str> = inventory
        .packages
        .iter()
        .filter(|p| p.cataloger == "binary")
        .map(|p| p.purl.as_str())
        .collect();
    assert!(ours.is_empty(), "{ours:?}");
    assert!(
        !inventory.warnings.iter().any(|w| w.contains("(binary)")),
        "{:?}",
        inventory.warnings
    );
}
