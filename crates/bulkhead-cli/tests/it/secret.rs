//! Secret scanning end to end: an image built by umoci with fake tokens in a deleted file, a
//! later layer, the history and the config; the demo image's AWS example key (allowlisted by
//! gitleaks' own rules); a directory with a Kubernetes Secret.

use std::process::Command;

use base64::Engine as _;
use bulkhead_test::images::{planted_tokens, secrets_image};
use bulkhead_test::shared_dir;
use serde_json::Value;

fn bulkhead() -> Command {
    crate::bulkhead_command()
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `(rule, path, line, layer, remediation, evidence)` of a finding.
type Found = (String, String, Option<u64>, Option<String>, String, String);

fn findings(report: &Value) -> Vec<Found> {
    report["scan"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["class"] == "secret")
        .flat_map(|t| t["findings"].as_array().unwrap())
        .map(|f| {
            let location = &f["location"];
            (
                f["rule"]["id"].as_str().unwrap().to_owned(),
                location["path"].as_str().unwrap_or_default().to_owned(),
                location["line"].as_u64(),
                location["layer"].as_str().map(str::to_owned),
                f["remediation"].as_str().unwrap_or_default().to_owned(),
                f["evidence"]["text"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect()
}

fn scan(args: &[&str]) -> (i32, Value, String) {
    let (code, stdout, stderr) = run(bulkhead().args(args).args(["-f", "json"]));
    assert!(code == 0 || code == 1, "{stderr}");
    (code, serde_json::from_str(&stdout).unwrap(), stdout)
}

#[test]
fn secrets_in_every_layer_and_the_config_of_an_image() {
    let layout = secrets_image();
    let tokens = planted_tokens();
    let reference = format!("oci:{}:secrets", layout.display());
    let (_, report, raw) = scan(&["image", &reference, "--scanners", "secret"]);
    let found = findings(&report);

    // Layer digests from the layout itself (index → manifest), the independent truth.
    let read = |p: std::path::PathBuf| -> Value {
        serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
    };
    let index = read(layout.join("index.json"));
    let manifest_digest = index["manifests"][0]["digest"].as_str().unwrap();
    let manifest = read(layout.join("blobs/sha256").join(&manifest_digest[7..]));
    let layer = |i: usize| manifest["layers"][i]["digest"].as_str().unwrap().to_owned();

    // The deleted `.env`: found in layer 1, which still carries it, and said to be deleted.
    let env = found
        .iter()
        .find(|f| f.0 == "github-pat" && f.1 == "app/.env")
        .unwrap_or_else(|| panic!("{found:#?}"));
    assert_eq!(env.2, Some(1));
    assert_eq!(env.3.as_deref(), Some(layer(0).as_str()));
    assert!(env.4.contains("Deleted by layer 2"), "{}", env.4);
    // A later layer's file.
    let settings = found
        .iter()
        .find(|f| f.0 == "slack-bot-token" && f.1 == "app/settings.json")
        .unwrap_or_else(|| panic!("{found:#?}"));
    assert_eq!(settings.3.as_deref(), Some(layer(1).as_str()));
    // The config: Env and the history step that recorded a build argument.
    assert!(
        found
            .iter()
            .any(|f| f.0 == "slack-bot-token" && f.1 == "config:Env"),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|f| f.0 == "npm-access-token" && f.1.starts_with("config:history[")),
        "{found:#?}"
    );
    // Nothing else: the clean file has no finding.
    assert!(!found.iter().any(|f| f.1 == "app/main.py"));
    // Redacted by default: no token appears anywhere in the report.
    for token in [&tokens.github, &tokens.slack, &tokens.npm] {
        assert!(
            !raw.contains(token.as_str()),
            "{token} leaked into the report"
        );
    }
    assert!(
        env.5.contains("ghp_") && env.5.contains("*****"),
        "{}",
        env.5
    );
    // --show-secrets shows them.
    let (_, _, raw) = scan(&[
        "image",
        &reference,
        "--scanners",
        "secret",
        "--show-secrets",
    ]);
    assert!(raw.contains(tokens.github.as_str()));

    // The gate: findings fail it with --exit-code, an ignore file by rule id suppresses.
    let (code, _, _) = run(bulkhead().args([
        "image",
        &reference,
        "--scanners",
        "secret",
        "--exit-code",
        "1",
    ]));
    assert_eq!(code, 1);
    let dir = tempfile::tempdir().unwrap();
    let ignore = dir.path().join("ignore");
    std::fs::write(&ignore, "github-pat\nslack-bot-token\nnpm-access-token\n").unwrap();
    let (code, _, stderr) = run(bulkhead().args([
        "image",
        &reference,
        "--scanners",
        "secret",
        "--exit-code",
        "1",
        "--ignorefile",
        ignore.to_str().unwrap(),
    ]));
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn the_demo_images_aws_example_key_is_allowlisted_by_gitleaks_rules() {
    // NOTE.md: the deleted `.env` holds the AWS documentation example pair; gitleaks'
    // `aws-access-token` rule allowlists `.+EXAMPLE$`, so the default rules must stay silent
    // about the key id (and the generic rule's "example" stopword about the secret).
    let reference = format!(
        "oci:{}:webapp",
        shared_dir().join("images/webapp-oci").display()
    );
    let (_, report, _) = scan(&["image", &reference, "--scanners", "secret"]);
    let found = findings(&report);
    assert!(
        !found.iter().any(|f| f.1 == "srv/api/.env"),
        "the example key was reported: {found:#?}"
    );
}

#[test]
fn kubernetes_secret_values_are_decoded() {
    let tokens = planted_tokens();
    let dir = tempfile::tempdir().unwrap();
    let encoded = base64::engine::general_purpose::STANDARD.encode(&tokens.github);
    std::fs::write(
        dir.path().join("deploy.yaml"),
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: plain}}\ndata: {{mode: prod}}\n---\n\
             apiVersion: v1\nkind: Secret\nmetadata:\n  name: ci\n  namespace: build\ntype: Opaque\n\
             data:\n  token: {encoded}\n"
        ),
    )
    .unwrap();
    let (code, report, _) = scan(&[
        "fs",
        dir.path().to_str().unwrap(),
        "--scanners",
        "secret",
        "--exit-code",
        "1",
    ]);
    assert_eq!(code, 1);
    let found = findings(&report);
    assert!(
        found
            .iter()
            .any(|f| f.0 == "github-pat" && f.1 == "deploy.yaml#Secret/build/ci/token"),
        "{found:#?}"
    );
}

#[test]
fn a_baseline_accepts_reviewed_secrets_without_holding_them() {
    let tokens = planted_tokens();
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(
        tree.join("a.env"),
        format!("GITHUB_TOKEN={}\n", tokens.github),
    )
    .unwrap();
    let baseline = dir.path().join("secrets.baseline");
    let (code, _, stderr) = run(bulkhead().args([
        "fs",
        tree.to_str().unwrap(),
        "--scanners",
        "secret",
        "--write-secret-baseline",
        baseline.to_str().unwrap(),
    ]));
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(&baseline).unwrap();
    assert!(
        text.contains("github-pat") && !text.contains(&tokens.github),
        "{text}"
    );

    // A second secret appears: only it is reported, and the gate fails on it alone.
    std::fs::write(
        tree.join("b.json"),
        format!("{{\"slack\": \"{}\"}}\n", tokens.slack),
    )
    .unwrap();
    let (code, report, _) = scan(&[
        "fs",
        tree.to_str().unwrap(),
        "--scanners",
        "secret",
        "--secret-baseline",
        baseline.to_str().unwrap(),
        "--exit-code",
        "1",
    ]);
    assert_eq!(code, 1);
    let rules: Vec<String> = findings(&report).into_iter().map(|f| f.0).collect();
    assert_eq!(rules, ["slack-bot-token"]);
}

#[test]
fn hostile_trees_finish_with_the_secrets_that_are_there() {
    let tokens = planted_tokens();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // A symlink loop, a link out of the tree, invalid UTF-8 around a token, a file over the
    // size cap, and 20,000 tiny files.
    std::os::unix::fs::symlink(".", root.join("loop")).unwrap();
    std::os::unix::fs::symlink("/etc", root.join("outside")).unwrap();
    let mut bytes = b"\xff\xfe junk \x80\n".to_vec();
    bytes.extend_from_slice(format!("TOKEN={}\n", tokens.github).as_bytes());
    std::fs::write(root.join("latin.txt"), bytes).unwrap();
    let mut big = vec![b'a'; 2 << 20];
    big.extend_from_slice(format!("\nTOKEN={}\n", tokens.npm).as_bytes());
    std::fs::write(root.join("big.txt"), big).unwrap();
    std::fs::create_dir(root.join("many")).unwrap();
    for i in 0..20_000 {
        std::fs::write(root.join("many").join(format!("{i}.txt")), "x=1\n").unwrap();
    }
    let (_, report, _) = scan(&[
        "fs",
        root.to_str().unwrap(),
        "--scanners",
        "secret",
        "--secret-max-file-size",
        "1M",
    ]);
    let found: Vec<(String, String)> = findings(&report).into_iter().map(|f| (f.0, f.1)).collect();
    // The token in the non-UTF-8 file is found; the one in the file over the cap is not read.
    assert_eq!(found, [("github-pat".to_owned(), "latin.txt".to_owned())]);
}

/// A 1 GiB file on one line, with tokens at its start, across the scanner's 8 MiB window
/// boundary, in the middle and at its end: all found at the right columns, in bounded memory.
#[test]
fn a_one_gigabyte_single_line_file_is_streamed() {
    use std::io::Write as _;
    let tokens = planted_tokens();
    let dir = tempfile::tempdir().unwrap();
    let size: usize = 1 << 30;
    let planted = [
        (0, tokens.github.clone()),
        ((8 << 20) - 10, tokens.github.clone()),
        (size / 2, tokens.npm.clone()),
        (size - 100, tokens.github.clone()),
    ];
    let filler = b"lorem ipsum dolor sit amet consectetur adipiscing elit ".repeat(1200);
    let mut file =
        std::io::BufWriter::new(std::fs::File::create(dir.path().join("huge.log")).unwrap());
    let mut written = 0;
    for (offset, token) in &planted {
        while written < *offset {
            let n = (offset - written).min(filler.len());
            file.write_all(&filler[..n]).unwrap();
            written += n;
        }
        let text = format!(" {token} ");
        file.write_all(text.as_bytes()).unwrap();
        written += text.len();
    }
    file.write_all(&filler[..size.saturating_sub(written).min(filler.len())])
        .unwrap();
    file.into_inner().unwrap().sync_all().unwrap();

    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(crate::bulkhead_command().get_program())
        .args(["fs", dir.path().to_str().unwrap(), "--scanners", "secret"])
        .args(["--secret-max-file-size", "2G", "-f", "json"])
        .envs(
            crate::bulkhead_command()
                .get_envs()
                .filter_map(|(k, v)| Some((k, v?))),
        )
        .output()
        .expect("/usr/bin/time (apt-get install time)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut columns: Vec<(String, u64, u64)> = report["scan"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["findings"].as_array().unwrap())
        .map(|f| {
            (
                f["rule"]["id"].as_str().unwrap().to_owned(),
                f["location"]["line"].as_u64().unwrap(),
                f["location"]["column"].as_u64().unwrap(),
            )
        })
        .collect();
    columns.sort();
    let mut expected: Vec<(String, u64, u64)> = planted
        .iter()
        .map(|(offset, token)| {
            let rule = if token.starts_with("npm_") {
                "npm-access-token"
            } else {
                "github-pat"
            };
            (rule.to_owned(), 1, *offset as u64 + 2)
        })
        .collect();
    expected.sort();
    assert_eq!(columns, expected);
    let peak_kib: u64 = stderr.lines().last().unwrap().trim().parse().unwrap();
    assert!(
        peak_kib < 128 << 10,
        "peak RSS {peak_kib} KiB for a 1 GiB file"
    );
}

#[test]
fn git_history_secrets_are_found_at_the_commit_that_added_them() {
    let tokens = planted_tokens();
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    let git = |args: &[&str]| -> String {
        bulkhead_test::run(
            Command::new("git")
                .args([
                    "-c",
                    "init.defaultBranch=main",
                    "-c",
                    "user.name=t",
                    "-c",
                    "user.email=t@example.com",
                ])
                .args(args)
                .current_dir(repo)
                .env("GIT_AUTHOR_DATE", "2025-01-01T00:00:00Z")
                .env("GIT_COMMITTER_DATE", "2025-01-01T00:00:00Z"),
        )
    };
    git(&["init", "-q"]);
    std::fs::write(repo.join("README.md"), "# app\n").unwrap();
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "start"]);
    std::fs::write(
        repo.join("deploy.env"),
        format!("GITHUB_TOKEN={}\n", tokens.github),
    )
    .unwrap();
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "add deploy config"]);
    let added = git(&["rev-parse", "HEAD"]).trim().to_owned();
    std::fs::remove_file(repo.join("deploy.env")).unwrap();
    git(&["commit", "-q", "-am", "remove it again"]);

    // The work tree is clean; the history is not.
    let (_, report, _) = scan(&["fs", repo.to_str().unwrap(), "--scanners", "secret"]);
    assert!(findings(&report).is_empty());
    let (_, report, _) = scan(&[
        "fs",
        repo.to_str().unwrap(),
        "--scanners",
        "secret",
        "--git",
    ]);
    let found: Vec<&Value> = report["scan"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["findings"].as_array().unwrap())
        .collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["rule"]["id"], "github-pat");
    assert_eq!(found[0]["location"]["type"], "commit");
    assert_eq!(found[0]["location"]["commit"], added.as_str());
    assert_eq!(found[0]["location"]["path"], "deploy.env");
    assert_eq!(found[0]["location"]["line"], 1);

    // A file git ignores is searched unless asked not to.
    std::fs::write(repo.join(".gitignore"), "*.local\n").unwrap();
    std::fs::write(repo.join("dev.local"), format!("TOKEN={}\n", tokens.npm)).unwrap();
    let (_, report, _) = scan(&["fs", repo.to_str().unwrap(), "--scanners", "secret"]);
    let paths: Vec<String> = findings(&report).into_iter().map(|f| f.1).collect();
    assert_eq!(paths, ["dev.local"]);
    let (_, report, _) = scan(&[
        "fs",
        repo.to_str().unwrap(),
        "--scanners",
        "secret",
        "--skip-gitignored",
    ]);
    assert!(findings(&report).is_empty());
}
