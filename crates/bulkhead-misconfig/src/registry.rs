//! Every rule's identity: a stable Bulkhead id, the theme of the shared rule map
//! (`../shared/specs/misconfig-rule-map.md`, D1–D22 and K1–K44) it covers, and the ids the
//! peers use for the same check (Trivy `DS-`/`KSV-` with their `AVD-` forms, checkov `CKV_`,
//! hadolint `DL`, BuildKit check names, kubescape `C-`, kube-linter, kube-score and Polaris
//! names), so users can migrate, suppress by the id they know, and compare tools.
//!
//! Severities follow Trivy's where Trivy has the check (the peer most users compare with),
//! else hadolint's level (error → HIGH, warning → MEDIUM, info/style → LOW).

use bulkhead_finding::{RuleId, Severity};

/// What a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    Dockerfile,
    ImageConfig,
    Kubernetes,
}

/// One rule's metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RuleInfo {
    pub id: &'static str,
    /// The rule map's theme (`D1`, `K42`), or `extra` for a single-tool check.
    pub theme: &'static str,
    pub target: Target,
    pub severity: Severity,
    pub title: &'static str,
    pub remediation: &'static str,
    pub aliases: &'static [&'static str],
}

impl RuleInfo {
    /// The id with its aliases, as findings carry it.
    pub fn rule_id(&self) -> RuleId {
        RuleId::new(self.id).with_aliases(self.aliases.iter().copied())
    }

    /// Whether `name` is this rule's id or one of its aliases (case-insensitive).
    pub fn answers_to(&self, name: &str) -> bool {
        self.id.eq_ignore_ascii_case(name)
            || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
    }
}

/// Every rule, in id order.
pub fn rules() -> impl Iterator<Item = &'static RuleInfo> {
    DOCKERFILE
        .iter()
        .chain(IMAGE_CONFIG)
        .chain(crate::kubernetes::RULES)
}

/// The rule with this id (exact), for the analyzers; panics on a typo, which tests catch.
pub(crate) fn rule(id: &str) -> &'static RuleInfo {
    rules()
        .find(|r| r.id == id)
        .unwrap_or_else(|| unreachable!("no rule {id} in the registry"))
}

/// The rules a user-given name (id or alias) selects: an alias may name several rules (DS-0017
/// covers both "update alone" and "apt lists").
pub fn lookup(name: &str) -> Vec<&'static RuleInfo> {
    rules().filter(|r| r.answers_to(name)).collect()
}

/// A rule's metadata; `target`-specific shorthands (`df`, `ic`, the Kubernetes table's
/// `k8s`) keep the tables readable.
pub(crate) const fn info(
    target: Target,
    id: &'static str,
    theme: &'static str,
    severity: Severity,
    title: &'static str,
    remediation: &'static str,
    aliases: &'static [&'static str],
) -> RuleInfo {
    RuleInfo {
        id,
        theme,
        target,
        severity,
        title,
        remediation,
        aliases,
    }
}

const fn df(
    id: &'static str,
    theme: &'static str,
    severity: Severity,
    title: &'static str,
    remediation: &'static str,
    aliases: &'static [&'static str],
) -> RuleInfo {
    info(
        Target::Dockerfile,
        id,
        theme,
        severity,
        title,
        remediation,
        aliases,
    )
}

const fn ic(
    id: &'static str,
    theme: &'static str,
    severity: Severity,
    title: &'static str,
    remediation: &'static str,
    aliases: &'static [&'static str],
) -> RuleInfo {
    info(
        Target::ImageConfig,
        id,
        theme,
        severity,
        title,
        remediation,
        aliases,
    )
}

use Severity::{Critical, High, Low, Medium};

/// Dockerfile rules.
#[rustfmt::skip]
pub static DOCKERFILE: &[RuleInfo] = &[
    df("BH-DF-000", "parse", High, "The Dockerfile does not parse",
        "Fix the syntax error: BuildKit rejects this file, so nothing else in it was checked.",
        &["DL1000"]),
    df("BH-DF-001", "D1", Medium, "Base image is untagged or uses the `latest` tag",
        "Pin the base image to a specific version tag or, better, a digest.",
        &["DS-0001", "AVD-DS-0001", "DS001", "docker-use-specific-tags", "CKV_DOCKER_7", "DL3006", "DL3007"]),
    df("BH-DF-002", "D2", High, "The image runs as root (no USER, or the last USER is root)",
        "Add `USER <non-root user>` after the steps that need root.",
        &["DS-0002", "AVD-DS-0002", "DS002", "docker-least-privilege-user", "CKV_DOCKER_3", "CKV_DOCKER_8", "DL3002"]),
    df("BH-DF-003", "D3", Low, "ADD is used where COPY would do",
        "Use COPY for local files; ADD fetches URLs and unpacks archives implicitly.",
        &["DS-0005", "AVD-DS-0005", "DS005", "docker-use-copy-over-add", "CKV_DOCKER_4", "DL3020"]),
    df("BH-DF-004", "D4", High, "WORKDIR is a relative path",
        "Use an absolute path in WORKDIR.",
        &["DS-0009", "AVD-DS-0009", "DS009", "docker-user-absolute-workdir", "CKV_DOCKER_10", "DL3000", "WorkdirRelativePath"]),
    df("BH-DF-005", "D5", Critical, "RUN uses sudo",
        "Drop sudo: build steps already run as the current USER; switch USER where root is needed.",
        &["DS-0010", "AVD-DS-0010", "DS010", "docker-no-sudo-run", "CKV2_DOCKER_1", "DL3004"]),
    df("BH-DF-006", "D6", Critical, "Two build stages have the same name",
        "Give every `FROM ... AS name` a unique name.",
        &["DS-0012", "AVD-DS-0012", "DS012", "docker-no-duplicate-alias", "CKV_DOCKER_11", "DL3024", "DuplicateStageName"]),
    df("BH-DF-007", "D7", High, "MAINTAINER is deprecated",
        "Use `LABEL org.opencontainers.image.authors=...` instead.",
        &["DS-0022", "AVD-DS-0022", "DS022", "docker-no-maintainer", "CKV_DOCKER_6", "DL4000", "MaintainerDeprecated"]),
    df("BH-DF-008", "D8", Low, "No HEALTHCHECK instruction",
        "Add a HEALTHCHECK so the runtime can tell a hung container from a healthy one.",
        &["DS-0026", "AVD-DS-0026", "DS026", "docker-no-healthcheck", "CKV_DOCKER_2", "DL3057"]),
    df("BH-DF-009", "D9", Medium, "Port 22 (SSH) is exposed",
        "Do not run SSH in a container; use `kubectl exec`/`docker exec` for access.",
        &["DS-0004", "AVD-DS-0004", "DS004", "docker-no-ssh-port", "CKV_DOCKER_1"]),
    df("BH-DF-010", "D10", High, "`apt-get update` runs without an install in the same RUN",
        "Run `apt-get update && apt-get install ...` in one RUN, so a cached update is never reused with a newer install.",
        &["DS-0017", "AVD-DS-0017", "DS017", "docker-no-orphan-package-update", "CKV_DOCKER_5"]),
    df("BH-DF-011", "D11", Critical, "A secret is passed in ARG or ENV",
        "Use build secrets (`RUN --mount=type=secret`) or runtime secrets; ARG and ENV values stay in the image history.",
        &["DS-0031", "AVD-DS-0031", "DS031", "docker-do-not-pass-secrets", "DL3064", "SecretsUsedInArgOrEnv"]),
    df("BH-DF-012", "D12", High, "More than one CMD in a stage",
        "Keep one CMD per stage; only the last takes effect.",
        &["DS-0016", "AVD-DS-0016", "DS016", "docker-only-one-cmd", "DL4003", "MultipleInstructionsDisallowed"]),
    df("BH-DF-013", "D12", Critical, "More than one ENTRYPOINT in a stage",
        "Keep one ENTRYPOINT per stage; only the last takes effect.",
        &["DS-0007", "AVD-DS-0007", "DS007", "docker-only-one-entrypoint", "DL4004", "MultipleInstructionsDisallowed"]),
    df("BH-DF-014", "D12", Medium, "More than one HEALTHCHECK in a stage",
        "Keep one HEALTHCHECK per stage; only the last takes effect.",
        &["DS-0023", "AVD-DS-0023", "DS023", "docker-only-one-healthcheck", "DL3012", "MultipleInstructionsDisallowed"]),
    df("BH-DF-015", "D13", Critical, "COPY --from refers to the stage it is in",
        "Copy from an earlier stage or an image.",
        &["DS-0006", "AVD-DS-0006", "DS006", "docker-no-self-referencing-copy-from", "DL3023"]),
    df("BH-DF-016", "D13", Medium, "COPY --from names a stage that is not defined earlier",
        "Define the stage before it is copied from, or reference an image by its full name.",
        &["DL3022"]),
    df("BH-DF-017", "D14", Critical, "EXPOSE has a port outside 0–65535 or a malformed protocol",
        "Expose ports as `N`, `N/tcp` or `N/udp` with N in 0–65535.",
        &["DS-0008", "AVD-DS-0008", "DS008", "docker-port-out-of-range", "DL3011", "ExposeInvalidFormat"]),
    df("BH-DF-018", "D15", Critical, "COPY with several sources needs a destination ending in `/`",
        "End the destination with `/` when copying more than one source.",
        &["DS-0011", "AVD-DS-0011", "DS011", "docker-use-slash-for-copy-args", "DL3021"]),
    df("BH-DF-019", "D16", Medium, "RUN uses `cd` to change directory",
        "Use WORKDIR instead of `cd`, which only lasts for that RUN.",
        &["DS-0013", "AVD-DS-0013", "DS013", "docker-use-workdir-over-cd", "DL3003"]),
    df("BH-DF-020", "D17", Low, "Both wget and curl are used",
        "Use one of them, to keep one tool (and its CVEs) in the image.",
        &["DS-0014", "AVD-DS-0014", "DS014", "docker-standardise-remote-get", "DL4001"]),
    df("BH-DF-021", "D18", High, "`apt-get install` without `-y`",
        "Add `-y` (or `--yes`/`--assume-yes`) so the build never waits for input.",
        &["DS-0021", "AVD-DS-0021", "DS021", "docker-use-apt-auto-confirm", "DL3014"]),
    df("BH-DF-022", "D18", High, "`apt-get install` without `--no-install-recommends`",
        "Add `--no-install-recommends` to keep unrequested packages (and their CVEs) out.",
        &["DS-0029", "AVD-DS-0029", "DS029", "docker-use-apt-no-install-recommends", "DL3015"]),
    df("BH-DF-023", "D18", Low, "apt lists are left in the image after `apt-get update`",
        "End the RUN that runs `apt-get update` with `rm -rf /var/lib/apt/lists/*`.",
        &["DL3009"]),
    df("BH-DF-024", "D18", High, "`apk add` without `--no-cache`",
        "Use `apk add --no-cache` so the index is not kept in the image.",
        &["DS-0025", "AVD-DS-0025", "DS025", "docker-purge-apk-package-cache", "DL3019"]),
    df("BH-DF-025", "D18", Medium, "`yum install` without `-y`",
        "Add `-y` so the build never waits for input.",
        &["DL3030"]),
    df("BH-DF-026", "D18", High, "`yum install` without `yum clean all`",
        "End the RUN with `yum clean all`.",
        &["DS-0015", "AVD-DS-0015", "DS015", "docker-purge-yum-package-cache", "DL3032"]),
    df("BH-DF-027", "D18", Medium, "`dnf install` without `-y`",
        "Add `-y` so the build never waits for input.",
        &["DL3038"]),
    df("BH-DF-028", "D18", High, "`dnf`/`microdnf install` without `clean all`",
        "End the RUN with `dnf clean all` (`microdnf clean all`).",
        &["DS-0019", "AVD-DS-0019", "DS019", "docker-purge-dnf-package-cache", "DS-0027", "AVD-DS-0027", "DS027", "docker-purge-microdnf-package-cache", "DL3040"]),
    df("BH-DF-029", "D18", Medium, "`zypper install` without `-n`/`--non-interactive`",
        "Add `-n` so the build never waits for input.",
        &["DL3034"]),
    df("BH-DF-030", "D18", High, "`zypper install` without `zypper clean`",
        "End the RUN with `zypper clean`.",
        &["DS-0020", "AVD-DS-0020", "DS020", "docker-purge-zipper-cache", "DL3036"]),
    df("BH-DF-031", "D18", Medium, "`pip install` without `--no-cache-dir`",
        "Add `--no-cache-dir` (or set PIP_NO_CACHE_DIR) to keep the wheel cache out of the image.",
        &["DL3042"]),
    df("BH-DF-032", "D18", Low, "`yarn install` without `yarn cache clean`",
        "End the RUN with `yarn cache clean`.",
        &["DL3060"]),
    df("BH-DF-033", "D19", Medium, "`apt` is used instead of `apt-get`",
        "Use `apt-get` (or `apt-cache`): `apt` has no stable command-line interface for scripts.",
        &["CKV_DOCKER_9", "DL3027"]),
    df("BH-DF-034", "D20", Medium, "`apt-get install` without pinned versions",
        "Pin versions: `apt-get install pkg=1.2.3-1`.",
        &["DL3008"]),
    df("BH-DF-035", "D20", Medium, "`apk add` without pinned versions",
        "Pin versions: `apk add pkg=1.2.3-r0`.",
        &["DL3018"]),
    df("BH-DF-036", "D20", Medium, "`pip install` without pinned versions",
        "Pin versions (`pkg==1.2.3`) or install from a requirements file with hashes.",
        &["DL3013"]),
    df("BH-DF-037", "D20", Medium, "`npm install` of a package without a pinned version",
        "Pin versions: `npm install pkg@1.2.3`.",
        &["DL3016"]),
    df("BH-DF-038", "D20", Medium, "`gem install` without pinned versions",
        "Pin versions: `gem install pkg:1.2.3` or `-v 1.2.3`.",
        &["DL3028"]),
    df("BH-DF-039", "D20", Medium, "`go install`/`go get` without a pinned version",
        "Pin versions: `go install example.com/cmd@v1.2.3`.",
        &["DL3062"]),
    df("BH-DF-040", "D20", Medium, "`yum install` without pinned versions",
        "Pin versions: `yum install pkg-1.2.3`.",
        &["DL3033"]),
    df("BH-DF-041", "D20", Medium, "`dnf install` without pinned versions",
        "Pin versions: `dnf install pkg-1.2.3`.",
        &["DL3041"]),
    df("BH-DF-042", "D20", Medium, "`zypper install` without pinned versions",
        "Pin versions: `zypper install pkg=1.2.3`.",
        &["DL3037"]),
    df("BH-DF-043", "D21", High, "TLS verification is disabled for a download or a package manager",
        "Remove `curl -k`/`--insecure`, `wget --no-check-certificate`, `pip --trusted-host`, `npm config set strict-ssl false`, `git -c http.sslVerify=false`, yum/dnf `sslverify=0` and TLS-disabling variables (PYTHONHTTPSVERIFY=0, NODE_TLS_REJECT_UNAUTHORIZED=0, GIT_SSL_NO_VERIFY, NPM_CONFIG_STRICT_SSL=false, PIP_TRUSTED_HOST); fix the CA bundle instead.",
        &["CKV2_DOCKER_2", "CKV2_DOCKER_3", "CKV2_DOCKER_4", "CKV2_DOCKER_5", "CKV2_DOCKER_6", "CKV2_DOCKER_12", "CKV2_DOCKER_13", "CKV2_DOCKER_14", "CKV2_DOCKER_15", "CKV2_DOCKER_16"]),
    df("BH-DF-044", "D21", High, "Package signature verification is disabled",
        "Remove `--allow-unauthenticated`, `--force-yes`, `--allow-untrusted`, `--nogpgcheck`, `rpm --nosignature`/`--nodigest`/`--noverify`/`--nofiledigest`; import the repository key instead.",
        &["CKV2_DOCKER_7", "CKV2_DOCKER_8", "CKV2_DOCKER_9", "CKV2_DOCKER_10", "CKV2_DOCKER_11"]),
    df("BH-DF-045", "D21", Medium, "A password is set with `chpasswd`",
        "Do not bake passwords into an image; lock the account or set it at run time.",
        &["CKV2_DOCKER_17"]),
    df("BH-DF-046", "D22", Medium, "CMD or ENTRYPOINT uses the shell form",
        "Use the exec (JSON) form, so signals reach the process: `CMD [\"app\", \"--flag\"]`.",
        &["DL3025", "JSONArgsRecommended"]),
    df("BH-DF-047", "D22", Medium, "A piped RUN without `set -o pipefail`",
        "Add `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` before RUN steps with pipes, so a failing stage fails the build.",
        &["DL4006"]),
    df("BH-DF-049", "extra", Low, "Legacy `ENV key value` / `LABEL key value` format",
        "Use `ENV key=value`.",
        &["LegacyKeyValueFormat"]),
    df("BH-DF-050", "extra", Low, "Stage name is not lower case",
        "Use lower-case stage names.",
        &["StageNameCasing"]),
    df("BH-DF-051", "extra", Low, "`FROM` and `AS` keywords have different casing",
        "Write `FROM ... AS ...` or `from ... as ...`, not a mix.",
        &["FromAsCasing"]),
    df("BH-DF-052", "extra", Low, "Instruction casing is inconsistent",
        "Write all instructions in upper case (or all in lower case).",
        &["ConsistentInstructionCasing"]),
    df("BH-DF-053", "extra", Low, "Consecutive RUN instructions",
        "Merge consecutive RUN instructions to save layers.",
        &["DL3059"]),
    df("BH-DF-054", "extra", High, "WORKDIR is a system directory",
        "Work in an application directory (`/app`, `/srv/...`), not under /proc, /boot, /dev, /initrd or /lost+found.",
        &["DS-0030", "AVD-DS-0030", "DS030", "docker-avoid-sys-workdir-mounts"]),
];

/// Checks of a built image's configuration and history (what survives when the Dockerfile is
/// not at hand).
#[rustfmt::skip]
pub static IMAGE_CONFIG: &[RuleInfo] = &[
    ic("BH-IMG-001", "D2", High, "The image runs as root",
        "Set a non-root USER in the image (or runAsNonRoot/runAsUser where it runs).",
        &["DS-0002", "AVD-DS-0002", "CKV_DOCKER_3", "DL3002"]),
    ic("BH-IMG-002", "D9", Medium, "The image exposes port 22 (SSH)",
        "Do not run SSH in a container.",
        &["DS-0004", "AVD-DS-0004", "CKV_DOCKER_1"]),
    ic("BH-IMG-003", "D8", Low, "The image has no HEALTHCHECK",
        "Add a HEALTHCHECK to the image (or probes where it runs).",
        &["DS-0026", "AVD-DS-0026", "CKV_DOCKER_2"]),
    ic("BH-IMG-004", "D3", Medium, "A build step ADDed a remote URL",
        "Download with a verified checksum (`ADD --checksum=` or curl + sha256sum) instead of a bare ADD of a URL.",
        &["DS-0005", "AVD-DS-0005", "DL3020"]),
    ic("BH-IMG-005", "D5", Critical, "A build step ran sudo",
        "Drop sudo from build steps.",
        &["DS-0010", "AVD-DS-0010", "DL3004"]),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_ordered_and_aliases_well_formed() {
        for table in [DOCKERFILE, IMAGE_CONFIG, crate::kubernetes::RULES] {
            let ids: Vec<&str> = table.iter().map(|r| r.id).collect();
            let mut sorted = ids.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(ids, sorted, "ids must be unique and in order");
        }
        for r in rules() {
            assert!(!r.title.is_empty() && !r.remediation.is_empty(), "{}", r.id);
            for alias in r.aliases {
                assert!(
                    !alias.is_empty() && !alias.contains(' '),
                    "{}: {alias:?}",
                    r.id
                );
                assert!(!alias.starts_with("BH-"), "{}: {alias}", r.id);
            }
        }
    }

    /// Every Dockerfile theme of the rule map (D1–D22) has a rule.
    #[test]
    fn every_dockerfile_theme_is_covered() {
        for n in 1..=22 {
            let theme = format!("D{n}");
            assert!(
                DOCKERFILE.iter().any(|r| r.theme == theme),
                "{theme} has no rule"
            );
        }
    }

    #[test]
    fn lookup_by_alias() {
        let ids: Vec<&str> = lookup("dl3007").iter().map(|r| r.id).collect();
        assert_eq!(ids, ["BH-DF-001"]);
        let ids: Vec<&str> = lookup("MultipleInstructionsDisallowed")
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(ids, ["BH-DF-012", "BH-DF-013", "BH-DF-014"]);
        assert!(lookup("nope").is_empty());
    }
}
