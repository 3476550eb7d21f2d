//! Tests of the `ruby` cataloger, against RubyGems and Bundler themselves.
//!
//! - Installed specifications: Debian's own gems (`ruby`, `ruby-rack`, `bundler`), and two gems
//!   built and installed by `gem` in the test (a platform gem and a prerelease), each compared
//!   with what `Gem::Specification.load` returns for the same files.
//! - `Gemfile.lock`: a lockfile written by `bundle lock --local` (see
//!   `tests/fixtures/ruby/PROVENANCE.md`), compared with `Bundler::LockfileParser` run now and
//!   with the `bundle list` output stored beside it.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use bulkhead_fsview::DirView;
use bulkhead_inventory::{Ecosystem, Options, Package, catalog};
use bulkhead_test::{require_tool, run};

/// (name, version, platform, licenses)
type Gem = (String, String, String, Vec<String>);

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ruby")
}

/// A `ruby` with no user gem settings leaking in.
fn ruby(home: &Path) -> Command {
    require_tool("ruby", "ruby");
    let mut cmd = Command::new("ruby");
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("LANG", "C.UTF-8");
    cmd
}

/// Prints what RubyGems loads from each gemspec of `ARGV[0]`, as JSON.
const SPECS_SCRIPT: &str = r#"
    require "json"
    out = Dir.glob(File.join(ARGV[0], "specifications", "{,default/}*.gemspec")).map do |f|
      s = Gem::Specification.load(f) or abort "RubyGems cannot load #{f}"
      [s.name, s.version.to_s, s.platform.to_s, s.licenses]
    end
    puts JSON.generate(out)
"#;

/// Prints what Bundler's own lockfile parser reads from `Gemfile.lock`, as JSON.
const LOCKFILE_SCRIPT: &str = r#"
    require "bundler"
    require "json"
    specs = Bundler::LockfileParser.new(Bundler.read_file("Gemfile.lock")).specs
    puts JSON.generate(specs.map { |s| [s.name, s.version.to_s, s.platform.to_s] })
"#;

/// What RubyGems loads from `<dir>/specifications/{,default/}*.gemspec`.
fn rubygems_truth(dir: &Path, home: &Path) -> BTreeSet<Gem> {
    let out = run(ruby(home).arg("-e").arg(SPECS_SCRIPT).arg(dir));
    serde_json::from_str::<Vec<Gem>>(&out)
        .unwrap()
        .into_iter()
        .collect()
}

/// What our gemspec cataloger finds under `dir`'s `specifications/`.
fn ours(dir: &Path, under: &str) -> BTreeSet<Gem> {
    let inventory = catalog(&DirView::new(dir).unwrap(), &Options::default()).unwrap();
    let warnings: Vec<_> = inventory
        .warnings
        .iter()
        .filter(|w| w.contains("(ruby-gemspecs)"))
        .collect();
    assert!(warnings.is_empty(), "{warnings:?}");
    inventory
        .packages
        .into_iter()
        .filter(|p| {
            p.cataloger == "ruby-gemspecs" && p.locations.iter().any(|l| l.path.contains(under))
        })
        .map(|p| gem_of(&p))
        .collect()
}

fn gem_of(p: &Package) -> Gem {
    assert_eq!(p.ecosystem, Ecosystem::Gem);
    let platform = p
        .purl
        .split_once("?platform=")
        .map_or("ruby", |(_, pl)| pl)
        .to_owned();
    let mut expected_purl = format!("pkg:gem/{}@{}", p.name, p.version);
    if platform != "ruby" {
        write!(expected_purl, "?platform={platform}").unwrap();
    }
    assert_eq!(p.purl, expected_purl);
    (
        p.name.clone(),
        p.version.clone(),
        platform,
        p.licenses.clone(),
    )
}

#[test]
fn debian_gemspecs_match_rubygems() {
    let home = tempfile::tempdir().unwrap();
    // Ruby's own gem directory (bundled and default gems) and Debian's gems from `ruby-rack`,
    // `bundler`, `rake`, …; both hold `specifications/`.
    let gem_dirs = run(ruby(home.path()).args(["-e", "puts Gem.path"]));
    let mut checked = 0;
    for dir in gem_dirs
        .lines()
        .map(Path::new)
        .filter(|d| d.join("specifications").is_dir())
    {
        let truth = rubygems_truth(dir, home.path());
        assert_eq!(
            ours(dir, "specifications/"),
            truth,
            "in `{}`",
            dir.display()
        );
        checked += truth.len();
    }
    assert!(
        checked > 20,
        "only {checked} gems found: is `ruby` (and `ruby-rack`) installed?"
    );
}

#[test]
fn built_platform_and_prerelease_gems_match_rubygems() {
    require_tool("gem", "ruby");
    let tmp = tempfile::tempdir().unwrap();
    let build = tmp.path().join("build");
    let install = tmp.path().join("gems");
    std::fs::create_dir_all(&build).unwrap();
    let mut built = Vec::new();
    for spec in ["bulkhead-native.gemspec", "bulkhead-pre.gemspec"] {
        std::fs::copy(fixtures().join("gems").join(spec), build.join(spec)).unwrap();
        let mut cmd = Command::new("gem");
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", tmp.path());
        run(cmd.current_dir(&build).args(["build", spec]));
    }
    for entry in std::fs::read_dir(&build).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "gem") {
            built.push(path);
        }
    }
    assert_eq!(built.len(), 2);
    let mut cmd = Command::new("gem");
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", tmp.path());
    run(cmd
        .args([
            "install",
            "--local",
            "--no-document",
            "--ignore-dependencies",
            "--install-dir",
        ])
        .arg(&install)
        .args(&built));

    let truth = rubygems_truth(&install, tmp.path());
    assert_eq!(truth.len(), 2);
    assert!(truth.iter().any(|g| g.2 == "x86_64-linux"), "{truth:?}");
    assert_eq!(ours(&install, "specifications/"), truth);
}

#[test]
fn gemfile_lock_matches_bundler() {
    let dir = fixtures().join("bundle");
    let home = tempfile::tempdir().unwrap();
    let mut cmd = ruby(home.path());
    cmd.current_dir(&dir)
        .env("BUNDLE_GEMFILE", dir.join("Gemfile"))
        .args(["-e", LOCKFILE_SCRIPT]);
    let truth: BTreeSet<(String, String, String)> = serde_json::from_str::<Vec<_>>(&run(&mut cmd))
        .unwrap()
        .into_iter()
        .collect();

    let got: BTreeSet<(String, String, String)> = ours(&dir, "Gemfile.lock")
        .into_iter()
        .map(|(n, v, p, _)| (n, v, p))
        .collect();
    assert_eq!(got, truth);
    assert!(
        got.iter().any(|g| g.2 == "x86_64-linux"),
        "the fixture locks a platform gem"
    );

    // And what `bundle list` printed when the lockfile was made: `  * name (version)`.
    let listed: BTreeSet<(String, String)> = std::fs::read_to_string(dir.join("bundle-list.txt"))
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("  * "))
        .map(|l| {
            let (name, version) = l.split_once(" (").unwrap();
            (name.to_owned(), version.trim_end_matches(')').to_owned())
        })
        .collect();
    assert_eq!(
        got.into_iter()
            .map(|(n, v, _)| (n, v))
            .collect::<BTreeSet<_>>(),
        listed
    );
}
