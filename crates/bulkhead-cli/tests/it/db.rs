//! `bulkhead db status|import|update`: the embedded database, imports into a local one,
//! updates over HTTP from a loopback server, and atomic replacement.

use std::path::Path;
use std::process::{Child, Command, Stdio};

use bulkhead_test::shared_dir;
use serde_json::Value;

fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn status(db: Option<&Path>) -> Value {
    let mut cmd = crate::bulkhead_command();
    cmd.args(["db", "status", "-f", "json"]);
    if let Some(db) = db {
        cmd.arg("--db").arg(db);
    }
    let (code, stdout, stderr) = run(&mut cmd);
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str(&stdout).unwrap()
}

fn count_files(dir: &Path, ext: &[&str]) -> u64 {
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            n += count_files(&path, ext);
        } else if path
            .extension()
            .is_some_and(|e| ext.iter().any(|x| e == *x))
        {
            n += 1;
        }
    }
    n
}

#[test]
fn embedded_database_covers_every_shared_feed() {
    let info = &status(None)["database"];
    assert_eq!(info["location"], "embedded");
    let sources: Vec<&str> = info["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    for source in [
        "alpine-secdb",
        "friendsofphp",
        "osv/Debian",
        "osv/Go",
        "osv/Maven",
        "osv/NuGet",
        "osv/Packagist",
        "osv/PyPI",
        "osv/RubyGems",
        "osv/crates.io",
        "osv/npm",
        "rubysec",
    ] {
        assert!(sources.contains(&source), "{source} missing: {sources:?}");
    }
    // Every GHSA npm file is one advisory, except GitHub's withdrawn ones.
    let npm_files = count_files(&shared_dir().join("vulndata/ghsa-npm"), &["json"]);
    let npm = info["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "osv/npm")
        .unwrap()["advisories"]
        .as_u64()
        .unwrap();
    assert!(
        npm <= npm_files && npm + 40 >= npm_files,
        "{npm} of {npm_files}"
    );

    // The table form warns that the data is old (the shared snapshots are from 2025).
    let (code, stdout, _) = run(crate::bulkhead_command().args(["db", "status"]));
    assert_eq!(code, 0);
    assert!(
        stdout.contains("warning:") && stdout.contains("db update"),
        "{stdout}"
    );
}

#[test]
fn import_into_a_local_database_and_scan_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("local.db");
    let feed = shared_dir().join("vulndata/ghsa-npm/2022/03");
    let (code, stdout, stderr) = run(crate::bulkhead_command()
        .args(["db", "import", "--replace", "--db"])
        .arg(&db)
        .arg(&feed));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Imported"), "{stdout}");
    let info = &status(Some(&db))["database"];
    let expected = count_files(&feed, &["json"]);
    assert_eq!(info["advisories"], expected, "one advisory per file");
    assert_eq!(info["sources"][0]["name"], "osv/npm");

    // The image scan with this database finds only what these advisories say.
    let reference = format!(
        "oci:{}:webapp",
        shared_dir().join("images/webapp-oci").display()
    );
    let (code, stdout, stderr) = run(crate::bulkhead_command()
        .args(["image", &reference, "-f", "json", "--db"])
        .arg(&db));
    assert_eq!(code, 0, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let ids: Vec<&str> = report["scan"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["vulnerabilities"].as_array().unwrap())
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    // GHSA-xvch-5gv4-984h (minimist, CVE-2021-44906) was published 2022-03.
    assert_eq!(ids, ["CVE-2021-44906"]);

    // A path that does not exist is an error, and the database is left as it was.
    let before = std::fs::read(&db).unwrap();
    let (code, _, stderr) = run(crate::bulkhead_command()
        .args(["db", "import", "--db"])
        .arg(&db)
        .arg(dir.path().join("missing")));
    assert_eq!(code, 2);
    assert!(stderr.contains("missing"), "{stderr}");
    assert_eq!(std::fs::read(&db).unwrap(), before);

    // Without --replace, an import adds to the database in use.
    let more = shared_dir().join("vulndata/ghsa-npm/2022/04");
    let (code, _, stderr) = run(crate::bulkhead_command()
        .args(["db", "import", "--db"])
        .arg(&db)
        .arg(&more));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        status(Some(&db))["database"]["advisories"],
        expected + count_files(&more, &["json"])
    );
}

/// `python3 -m http.server` on a free loopback port, serving `dir`.
struct HttpServer {
    child: Child,
    port: u16,
}

impl HttpServer {
    fn start(dir: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // Dropping the server (even on a panic below) kills and reaps the child.
        let server = HttpServer {
            child: Command::new("python3")
                .args(["-m", "http.server", "--bind", "127.0.0.1"])
                .arg(port.to_string())
                .current_dir(dir)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
            port,
        };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("http.server did not start");
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn update_downloads_feeds_from_a_loopback_server() {
    let served = tempfile::tempdir().unwrap();
    // A zip of the Go feed's 2024 files (made with the `zip` tool, as feeds are published)
    // and a single Alpine secdb file.
    let go = shared_dir().join("vulndata/golang-vulndb/data/osv");
    let members: Vec<String> = std::fs::read_dir(&go)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("GO-2024-"))
        .collect();
    assert!(members.len() > 100);
    let withdrawn = members
        .iter()
        .filter(|m| {
            let record: Value =
                serde_json::from_slice(&std::fs::read(go.join(m)).unwrap()).unwrap();
            record.get("withdrawn").is_some()
        })
        .count();
    let zip = served.path().join("go.zip");
    bulkhead_test::run(
        Command::new("zip")
            .arg("-q")
            .arg(&zip)
            .args(&members)
            .current_dir(&go),
    );
    std::fs::copy(
        shared_dir().join("vulndata/alpine-secdb/3.19/main.json"),
        served.path().join("main.json"),
    )
    .unwrap();
    let server = HttpServer::start(served.path());
    let url = |name: &str| format!("http://127.0.0.1:{}/{name}", server.port);

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("updated.db");
    let (code, stdout, stderr) = run(crate::bulkhead_command()
        .args([
            "db",
            "update",
            "--url",
            &url("go.zip"),
            "--url",
            &url("main.json"),
            "--db",
        ])
        .arg(&db));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Imported"), "{stdout}");
    let info = &status(Some(&db))["database"];
    let go_count = info["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "osv/Go")
        .unwrap()["advisories"]
        .as_u64()
        .unwrap();
    assert_eq!(go_count, (members.len() - withdrawn) as u64);
    assert!(
        info["imported"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i.as_str() == Some(url("go.zip").as_str()))
    );

    // A failed download (404) leaves the database exactly as it was.
    let before = std::fs::read(&db).unwrap();
    let (code, _, stderr) = run(crate::bulkhead_command()
        .args(["db", "update", "--url", &url("missing.zip"), "--db"])
        .arg(&db));
    assert_eq!(code, 2);
    assert!(stderr.contains("404"), "{stderr}");
    assert_eq!(std::fs::read(&db).unwrap(), before);
    // No temporary files are left beside it.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}
