//! An SBOM with a million components. `bulkhead_sbom::read` documents one cap, the document
//! size (`MAX_SBOM_BYTES`, 256 MiB, refused with `SbomError::TooLarge`), and none on the number
//! of components. A million purl components fit well under the size cap, so all of them must
//! be read, within a memory bound; one byte over the size cap must be refused before parsing.
//!
//! The work runs in a child process (this test binary again, filtered to this test) with its
//! address space capped, so that its peak memory can be measured apart from the tests running
//! beside it, and so that a regression fails this test rather than the machine. (This crate's
//! tests use `std::fs`; `bulkhead-sbom` has no `fs-err` dependency.)

use std::process::Command;
use std::time::{Duration, Instant};

use bulkhead_inventory::Ecosystem;
use bulkhead_sbom::SbomError;

const COMPONENTS: usize = 1_000_000;
/// `bulkhead_sbom`'s documented size cap (`MAX_SBOM_BYTES`, crate-private).
const MAX_SBOM_BYTES: usize = 256 << 20;
/// Address space the child may use; reading must stay well inside it.
const ADDRESS_SPACE_MIB: u64 = 8 << 10;
/// Peak resident memory that reading the document may add. Measured: about 1.7 GiB for the
/// 126 MiB document (13 bytes per document byte: a `serde_json::Value` tree, then the
/// packages), so a document at the size cap would need about 3.4 GiB.
const PEAK_BOUND_MIB: u64 = 3 << 10;
const CHILD_ENV: &str = "BULKHEAD_HOSTILE_SCALE_CHILD";

/// A CycloneDX 1.6 document with `n` library components, each with a distinct purl, across
/// ecosystems and purl shapes (namespaces, qualifiers).
fn cyclonedx(n: usize) -> Vec<u8> {
    use std::fmt::Write as _;
    let mut doc = String::with_capacity(n * 130);
    doc.push_str(r#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":["#);
    for i in 0..n {
        if i > 0 {
            doc.push(',');
        }
        let (major, minor) = (i / 1000, i % 1000);
        let purl = match i % 5 {
            0 => format!("pkg:npm/%40scope{major}/pkg-{i}@{major}.{minor}.0"),
            1 => format!("pkg:pypi/pkg-{i}@{major}.{minor}"),
            2 => format!("pkg:deb/debian/pkg-{i}@{major}.{minor}-1?arch=amd64&distro=debian-12"),
            3 => format!("pkg:maven/org.example{major}/pkg-{i}@{major}.{minor}"),
            _ => format!("pkg:golang/example.com/m{major}/pkg-{i}@v{major}.{minor}.0"),
        };
        write!(
            doc,
            r#"{{"type":"library","bom-ref":"c{i}","name":"pkg-{i}","version":"{major}.{minor}","purl":"{purl}"}}"#
        )
        .unwrap();
    }
    doc.push_str("]}");
    doc.into_bytes()
}

/// `VmRSS` or `VmHWM` of this process, in KiB.
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().strip_suffix("kB"));
    kib.expect("a field of /proc/self/status")
        .trim()
        .parse()
        .unwrap()
}

/// In the child: reads the document and writes `key=value` lines to stdout for the parent.
#[allow(clippy::print_stdout)]
fn child() {
    let started = Instant::now();
    let doc = cyclonedx(COMPONENTS);
    assert!(doc.len() < MAX_SBOM_BYTES, "{} bytes", doc.len());
    println!("document_bytes={}", doc.len());
    println!("generate_ms={}", started.elapsed().as_millis());

    // Peak memory of the read alone: reset the high-water mark (Linux `clear_refs` 5) once
    // the document is built; where that is refused, the peak includes building it.
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let before = status_kib("VmRSS");
    let started = Instant::now();
    let inventory = bulkhead_sbom::read(&doc, "million.cdx.json").unwrap();
    let read_ms = started.elapsed().as_millis();
    let peak = status_kib("VmHWM");
    println!("hwm_reset={reset}");
    println!("rss_before_kib={before}");
    println!("peak_kib={peak}");
    println!("read_ms={read_ms}");

    assert_eq!(inventory.packages.len(), COMPONENTS);
    assert!(inventory.warnings.is_empty(), "{:?}", inventory.warnings);
    let count = |e: Ecosystem| {
        inventory
            .packages
            .iter()
            .filter(|p| p.ecosystem == e)
            .count()
    };
    for ecosystem in [
        Ecosystem::Npm,
        Ecosystem::PyPI,
        Ecosystem::Deb,
        Ecosystem::Maven,
        Ecosystem::Golang,
    ] {
        assert_eq!(count(ecosystem), COMPONENTS / 5, "{ecosystem:?}");
    }
    let deb = inventory
        .packages
        .iter()
        .find(|p| p.ecosystem == Ecosystem::Deb)
        .unwrap();
    assert_eq!(deb.arch.as_deref(), Some("amd64"));
    assert_eq!(deb.locations[0].path, "million.cdx.json");
    drop(inventory);

    // One byte over the documented cap: refused before parsing, naming both sizes.
    let mut over = doc;
    over.resize(MAX_SBOM_BYTES + 1, b' ');
    let err = bulkhead_sbom::read(&over, "over.cdx.json").unwrap_err();
    assert!(
        matches!(err, SbomError::TooLarge { size, limit } if size == MAX_SBOM_BYTES + 1 && limit == MAX_SBOM_BYTES),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "document is {} bytes, over the limit of {MAX_SBOM_BYTES}",
            MAX_SBOM_BYTES + 1
        )
    );
}

fn value<'a>(report: &'a str, key: &str) -> &'a str {
    report
        .lines()
        // libtest's `test NAME ... ` has no newline before the child's first line.
        .find_map(|l| Some(l.split_once(&format!("{key}="))?.1))
        .unwrap_or_else(|| panic!("no `{key}` in the child's output:\n{report}"))
}

#[test]
#[allow(clippy::print_stderr)]
fn a_million_components_are_read_within_a_memory_bound() {
    if std::env::var_os(CHILD_ENV).is_some() {
        child();
        return;
    }
    let logs = tempfile::tempdir().unwrap();
    let stdout = logs.path().join("stdout");
    let stderr = logs.path().join("stderr");
    let mut process = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {} && exec \"$0\" \"$@\"",
            ADDRESS_SPACE_MIB * 1024
        ))
        .arg(std::env::current_exe().unwrap())
        .args([
            "hostile_scale::a_million_components_are_read_within_a_memory_bound",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, "1")
        .stdout(std::fs::File::create(&stdout).unwrap())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = process.try_wait().unwrap() {
            break Some(status);
        }
        // Generous: a hang, not slowness, is what this catches.
        if started.elapsed() > Duration::from_secs(900) {
            process.kill().unwrap();
            process.wait().unwrap();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let report = std::fs::read_to_string(&stdout).unwrap();
    let errors = std::fs::read_to_string(&stderr).unwrap();
    assert!(
        status.is_some_and(|s| s.success()) && report.contains("1 passed"),
        "reading a million components failed or hung ({status:?}) in a child capped at {ADDRESS_SPACE_MIB} MiB:\n{report}\n{errors}"
    );
    let kib = |key: &str| -> u64 { value(&report, key).parse().unwrap() };
    let (before, peak) = (kib("rss_before_kib"), kib("peak_kib"));
    let added_mib = peak.saturating_sub(before) / 1024;
    eprintln!(
        "a million CycloneDX components: document {} MiB, generated in {} ms; read in {} ms; \
         resident {} MiB before reading, peak {} MiB (+{added_mib} MiB; high-water mark reset: {})",
        kib("document_bytes") >> 20,
        value(&report, "generate_ms"),
        value(&report, "read_ms"),
        before / 1024,
        peak / 1024,
        value(&report, "hwm_reset"),
    );
    assert!(
        added_mib <= PEAK_BOUND_MIB,
        "reading a million components added {added_mib} MiB at peak, over {PEAK_BOUND_MIB} MiB"
    );
}
