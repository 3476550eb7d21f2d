//! The checks: one file per upstream `check_<id>.go`, and the table that registers them.

mod allow_privilege_escalation;
mod app_armor_profile;
mod capabilities;
mod host_namespaces;
mod host_path_volumes;
mod host_ports;
mod host_probes_and_host_lifecycle;
mod privileged;
mod proc_mount;
mod restricted_volumes;
mod run_as_non_root;
mod run_as_user;
mod se_linux_options;
mod seccomp_profile;
mod sysctls;
mod windows_host_process;

use serde::Serialize;
use serde_json::Value;

use super::read::{Obj, Pod, Reader};
use super::{FieldPath, Level, Root, Version};

/// What a failed check found, in upstream's words.
#[derive(Debug)]
pub(crate) struct Found {
    pub(crate) reason: String,
    pub(crate) detail: String,
    pub(crate) paths: Vec<FieldPath>,
}

impl Found {
    pub(crate) fn new(reason: impl Into<String>, detail: String, paths: Vec<FieldPath>) -> Self {
        Found {
            reason: reason.into(),
            detail,
            paths,
        }
    }
}

/// `(pod, effective minor version, reader) -> violation`. The minor version picks the
/// revision; the reader collects malformed fields.
type CheckFn = fn(&Pod<'_>, u32, &mut Reader) -> Option<Found>;

/// A change in a check's behaviour, effective from a policy version.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Revision {
    pub since: Version,
    pub change: &'static str,
}

/// One Pod Security Standards check, as upstream registers it.
#[derive(Debug, Serialize)]
pub struct CheckInfo {
    /// Upstream's check id (`privileged`, `seccompProfile_restricted`, …), which is also
    /// the file-name prefix of its conformance fixtures, lowercased.
    pub id: &'static str,
    pub level: Level,
    /// The control's name in the Pod Security Standards document.
    pub title: &'static str,
    /// What it requires.
    pub summary: &'static str,
    /// Behaviour changes, oldest first; the first is when the check starts to apply.
    pub revisions: &'static [Revision],
    /// The baseline check this restricted check replaces at `restricted`.
    pub overrides: Option<&'static str>,
    #[serde(skip)]
    run: CheckFn,
}

impl CheckInfo {
    /// The first policy version the check applies at.
    pub fn since(&self) -> Version {
        self.revisions[0].since
    }

    /// Whether the check applies at `version` (any level that includes it).
    pub fn applies_at(&self, version: Version) -> bool {
        Version::V1(version.effective_minor()) >= self.since()
    }

    pub(crate) fn run(&self, pod: &Pod<'_>, minor: u32, r: &mut Reader) -> Option<Found> {
        (self.run)(pod, minor, r)
    }
}

const fn since(minor: u32, change: &'static str) -> Revision {
    Revision {
        since: Version::V1(minor),
        change,
    }
}

/// Every check, in upstream's evaluation order: baseline ids sorted bytewise, then
/// restricted ids sorted bytewise (a unit test keeps it so).
static CHECKS: [CheckInfo; 19] = [
    CheckInfo {
        id: "appArmorProfile",
        level: Level::Baseline,
        title: "AppArmor",
        summary: "AppArmor profiles (the `appArmorProfile.type` fields and the \
                  `container.apparmor.security.beta.kubernetes.io/*` annotations) may only be \
                  the runtime default or a localhost profile",
        revisions: &[since(0, "introduced")],
        overrides: None,
        run: app_armor_profile::run,
    },
    CheckInfo {
        id: "capabilities_baseline",
        level: Level::Baseline,
        title: "Capabilities",
        summary: "containers may add only capabilities from the default set, not NET_RAW \
                  nor anything beyond it",
        revisions: &[since(0, "introduced")],
        overrides: None,
        run: capabilities::baseline,
    },
    CheckInfo {
        id: "hostNamespaces",
        level: Level::Baseline,
        title: "Host Namespaces",
        summary: "pods must not share the host's network, PID or IPC namespace",
        revisions: &[since(0, "introduced")],
        overrides: None,
        run: host_namespaces::run,
    },
    CheckInfo {
        id: "hostPathVolumes",
        level: Level::Baseline,
        title: "HostPath Volumes",
        summary: "pods must not use hostPath volumes",
        revisions: &[since(0, "introduced")],
        overrides: None,
        run: host_path_volumes::run,
    },
    CheckInfo {
        id: "hostPorts",
        level: Level::Baseline,
        title: "Host Ports",
        summary: "containers must not bind host ports",
        revisions: &[since(0, "introduced")],
        overrides: None,
        run: host_ports::run,
    },
    CheckInfo {
        id: "hostProbesAndHostLifecycle",
        level: Level::Baseline,
        title: "Host Probes / Lifecycle Hooks",
        summary: "probes and lifecycle handlers must not set a `host`",
        revisions: &[since(34, "introduced")],
        overrides: None,
        run: host_probes_and_host_lifecycle::run,
    },
    CheckInfo {
        id: "privileged",
        level: Level::Baseline,
        title: "Privileged Containers",
        summary: "containers must not be privileged",
        revisions: &[since(0, "introduced")],
        overrides: None,
        run: privileged::run,
    },
    CheckInfo {
        id: "procMount",
        level: Level::Baseline,
        title: "/proc Mount Type",
        summary: "containers must use the default /proc mount (masked paths)",
        revisions: &[
            since(0, "introduced"),
            since(
                35,
                "any procMount is allowed for pods in a user namespace (hostUsers: false)",
            ),
        ],
        overrides: None,
        run: proc_mount::baseline,
    },
    CheckInfo {
        id: "seLinuxOptions",
        level: Level::Baseline,
        title: "SELinux",
        summary: "SELinux type may only be a container type; user and role must not be set",
        revisions: &[
            since(
                0,
                "introduced: container_t, container_init_t, container_kvm_t",
            ),
            since(31, "container_engine_t is allowed"),
        ],
        overrides: None,
        run: se_linux_options::run,
    },
    CheckInfo {
        id: "seccompProfile_baseline",
        level: Level::Baseline,
        title: "Seccomp",
        summary: "seccomp profiles, when set, must be the runtime default or a localhost \
                  profile",
        revisions: &[
            since(
                0,
                "introduced: checks the seccomp.security.alpha.kubernetes.io annotations",
            ),
            since(
                19,
                "checks the securityContext.seccompProfile fields instead",
            ),
        ],
        overrides: None,
        run: seccomp_profile::baseline,
    },
    CheckInfo {
        id: "sysctls",
        level: Level::Baseline,
        title: "Sysctls",
        summary: "only the safe, namespaced sysctls may be set",
        revisions: &[
            since(
                0,
                "introduced: kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, \
                 net.ipv4.tcp_syncookies, net.ipv4.ping_group_range, \
                 net.ipv4.ip_unprivileged_port_start",
            ),
            since(27, "net.ipv4.ip_local_reserved_ports is allowed"),
            since(
                29,
                "net.ipv4.tcp_keepalive_time, net.ipv4.tcp_fin_timeout, \
                 net.ipv4.tcp_keepalive_intvl, net.ipv4.tcp_keepalive_probes are allowed",
            ),
            since(32, "net.ipv4.tcp_rmem, net.ipv4.tcp_wmem are allowed"),
            since(
                37,
                "net.ipv4.tcp_slow_start_after_idle, net.ipv4.tcp_notsent_lowat are allowed",
            ),
        ],
        overrides: None,
        run: sysctls::run,
    },
    CheckInfo {
        id: "windowsHostProcess",
        level: Level::Baseline,
        title: "HostProcess",
        summary: "Windows pods must not run HostProcess containers",
        revisions: &[since(0, "introduced")],
        overrides: None,
        run: windows_host_process::run,
    },
    CheckInfo {
        id: "allowPrivilegeEscalation",
        level: Level::Restricted,
        title: "Privilege Escalation",
        summary: "containers must set allowPrivilegeEscalation to false",
        revisions: &[
            since(8, "introduced"),
            since(25, "Windows pods (spec.os.name: windows) are exempt"),
        ],
        overrides: None,
        run: allow_privilege_escalation::run,
    },
    CheckInfo {
        id: "capabilities_restricted",
        level: Level::Restricted,
        title: "Capabilities",
        summary: "containers must drop ALL capabilities and may add back only \
                  NET_BIND_SERVICE",
        revisions: &[
            since(22, "introduced"),
            since(25, "Windows pods (spec.os.name: windows) are exempt"),
        ],
        overrides: Some("capabilities_baseline"),
        run: capabilities::restricted,
    },
    CheckInfo {
        id: "procMount_restricted",
        level: Level::Restricted,
        title: "/proc Mount Type",
        summary: "containers must use the default /proc mount, even in a user namespace",
        revisions: &[since(35, "introduced")],
        overrides: Some("procMount"),
        run: proc_mount::restricted,
    },
    CheckInfo {
        id: "restrictedVolumes",
        level: Level::Restricted,
        title: "Volume Types",
        summary: "volumes may only be configMap, csi, downwardAPI, emptyDir, ephemeral, \
                  image, persistentVolumeClaim, projected or secret",
        revisions: &[since(0, "introduced")],
        overrides: Some("hostPathVolumes"),
        run: restricted_volumes::run,
    },
    CheckInfo {
        id: "runAsNonRoot",
        level: Level::Restricted,
        title: "Running as Non-root",
        summary: "the pod or every container must set runAsNonRoot to true",
        revisions: &[
            since(0, "introduced"),
            since(35, "pods in a user namespace (hostUsers: false) are exempt"),
        ],
        overrides: None,
        run: run_as_non_root::run,
    },
    CheckInfo {
        id: "runAsUser",
        level: Level::Restricted,
        title: "Running as Non-root user",
        summary: "the pod and containers must not set runAsUser to 0",
        revisions: &[
            since(23, "introduced"),
            since(35, "pods in a user namespace (hostUsers: false) are exempt"),
        ],
        overrides: None,
        run: run_as_user::run,
    },
    CheckInfo {
        id: "seccompProfile_restricted",
        level: Level::Restricted,
        title: "Seccomp",
        summary: "the pod or every container must set the seccomp profile to \
                  RuntimeDefault or Localhost",
        revisions: &[
            since(19, "introduced"),
            since(25, "Windows pods (spec.os.name: windows) are exempt"),
        ],
        overrides: Some("seccompProfile_baseline"),
        run: seccomp_profile::restricted,
    },
];

/// Every check, baseline first, each level ordered by id.
pub fn checks() -> &'static [CheckInfo] {
    &CHECKS
}

/// The check with upstream id `id`.
pub fn check(id: &str) -> Option<&'static CheckInfo> {
    CHECKS.iter().find(|c| c.id == id)
}

/// The checks evaluated at `level` and `version`, in evaluation order: the level's own
/// checks and, for `restricted`, the baseline checks no applicable restricted check
/// overrides.
pub fn active_checks(level: Level, version: Version) -> Vec<&'static CheckInfo> {
    let applicable = |c: &&CheckInfo| c.applies_at(version);
    match level {
        Level::Privileged => Vec::new(),
        Level::Baseline => CHECKS
            .iter()
            .filter(|c| c.level == Level::Baseline)
            .filter(applicable)
            .collect(),
        Level::Restricted => {
            let overridden: Vec<&str> = CHECKS
                .iter()
                .filter(|c| c.level == Level::Restricted)
                .filter(applicable)
                .filter_map(|c| c.overrides)
                .collect();
            CHECKS
                .iter()
                .filter(applicable)
                .filter(|c| !overridden.contains(&c.id))
                .collect()
        }
    }
}

// --- Helpers shared by the checks ---------------------------------------------------------

fn spec_path() -> FieldPath {
    FieldPath::at(Root::Spec)
}

/// `spec.securityContext` (`None` when absent).
fn pod_security_context<'a>(pod: &Pod<'a>, r: &mut Reader) -> Option<&'a Obj> {
    let spec = pod.spec(r);
    r.object(spec, &spec_path(), &["securityContext"])
}

/// One entry of `spec.volumes`.
struct Volume<'a> {
    name: &'a str,
    obj: &'a Obj,
    path: FieldPath,
}

/// `spec.volumes`; a `null` entry reads as an empty volume (an implicit `emptyDir`).
fn volumes<'a>(pod: &Pod<'a>, r: &mut Reader) -> Vec<Volume<'a>> {
    let spec = pod.spec(r);
    let Some(items) = r.array(spec, &spec_path(), &["volumes"]) else {
        return Vec::new();
    };
    let list = spec_path().key("volumes");
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            let obj = r.item_object(item, &list, i)?;
            Some(Volume {
                name: obj.get("name").and_then(Value::as_str).unwrap_or(""),
                obj,
                path: list.index(i),
            })
        })
        .collect()
}

/// `metadata.annotations` as `(key, value, path)`; Go decodes a `null` value as `""`, and a
/// value of another type is malformed (and skipped).
fn annotations<'a>(pod: &Pod<'a>, r: &mut Reader) -> Vec<(&'a str, &'a str, FieldPath)> {
    let meta = pod.metadata(r);
    let base = FieldPath::at(Root::Metadata);
    let Some(map) = r.object(meta, &base, &["annotations"]) else {
        return Vec::new();
    };
    let annotations = base.key("annotations");
    map.iter()
        .filter_map(|(key, value)| {
            let path = annotations.key(key);
            match value {
                Value::String(s) => Some((key.as_str(), s.as_str(), path)),
                Value::Null => Some((key.as_str(), "", path)),
                other => {
                    r.record(path, "a string", other);
                    None
                }
            }
        })
        .collect()
}

/// `pod`, `container "a"` / `containers "a", "b"` joined by ` and `: how upstream names
/// who set a forbidden value.
fn setters(pod_bad: bool, containers: &[&str]) -> String {
    let mut parts = Vec::new();
    if pod_bad {
        parts.push("pod".to_owned());
    }
    if !containers.is_empty() {
        parts.push(containers_phrase(containers));
    }
    parts.join(" and ")
}

/// `container "a"` or `containers "a", "b"`.
fn containers_phrase(containers: &[&str]) -> String {
    format!(
        "{} {}",
        super::read::pluralize("container", "containers", containers.len()),
        super::read::join_quote(containers)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_in_upstream_order() {
        let ids = |level| {
            CHECKS
                .iter()
                .filter(|c| c.level == level)
                .map(|c| c.id)
                .collect::<Vec<_>>()
        };
        for level in [Level::Baseline, Level::Restricted] {
            let mut sorted = ids(level);
            sorted.sort_unstable();
            assert_eq!(ids(level), sorted);
        }
        let first_restricted = CHECKS
            .iter()
            .position(|c| c.level == Level::Restricted)
            .unwrap();
        assert!(
            CHECKS[first_restricted..]
                .iter()
                .all(|c| c.level == Level::Restricted)
        );
    }

    #[test]
    fn newest_version_is_the_newest_revision() {
        let newest = CHECKS
            .iter()
            .flat_map(|c| c.revisions.iter().map(|r| r.since))
            .max()
            .unwrap();
        assert_eq!(newest, super::super::NEWEST_VERSION);
        for c in &CHECKS {
            assert!(
                c.revisions.windows(2).all(|w| w[0].since < w[1].since),
                "{}",
                c.id
            );
            if let Some(id) = c.overrides {
                assert_eq!(check(id).unwrap().level, Level::Baseline);
            }
        }
    }

    #[test]
    fn overrides_follow_the_overriding_check() {
        let ids = |version| {
            active_checks(Level::Restricted, version)
                .iter()
                .map(|c| c.id)
                .collect::<Vec<_>>()
        };
        assert!(ids(Version::V1(21)).contains(&"capabilities_baseline"));
        assert!(!ids(Version::V1(22)).contains(&"capabilities_baseline"));
        assert!(ids(Version::V1(18)).contains(&"seccompProfile_baseline"));
        assert!(!ids(Version::V1(19)).contains(&"seccompProfile_baseline"));
        assert!(ids(Version::V1(34)).contains(&"procMount"));
        assert!(!ids(Version::Latest).contains(&"procMount"));
        assert!(!ids(Version::V1(0)).contains(&"hostPathVolumes"));
        assert!(active_checks(Level::Privileged, Version::Latest).is_empty());
    }
}
