//! Reasons and details, word for word, against upstream's own unit tests
//! (`policy/check_*_test.go` in kubernetes/kubernetes `staging/src/k8s.io/pod-security-admission`).
//! Each case is the Go test's pod written as JSON.

use bulkhead_policy::pss::{Level, Version, evaluate_pod};
use serde_json::{Value, json};

/// The one violation of `check` at `level`/`version`, as `(reason, detail)`.
fn result(
    meta: &Value,
    spec: &Value,
    level: Level,
    version: Version,
    check: &str,
) -> Option<(String, String)> {
    let violations = evaluate_pod(meta, spec, level, version);
    assert!(violations.iter().all(|v| !v.malformed), "{violations:?}");
    let mut of_check = violations.into_iter().filter(|v| v.check == check);
    let found = of_check.next().map(|v| (v.reason, v.detail));
    assert!(of_check.next().is_none());
    found
}

fn expect(spec: &Value, level: Level, check: &str, reason: &str, detail: &str) {
    expect_meta(&json!({}), spec, level, check, reason, detail);
}

fn expect_meta(meta: &Value, spec: &Value, level: Level, check: &str, reason: &str, detail: &str) {
    assert_eq!(
        result(meta, spec, level, Version::Latest, check),
        Some((reason.to_owned(), detail.to_owned())),
        "{check} for {spec}"
    );
}

fn ctr(name: &str, sc: Value) -> Value {
    let mut c = json!({"name": name});
    c["securityContext"] = sc;
    c
}

#[test]
fn privileged() {
    expect(
        &json!({"containers": [ctr("a", json!({})), ctr("b", json!({"privileged": true})), ctr("c", json!({"privileged": false}))],
               "initContainers": [ctr("i", json!({"privileged": true}))]}),
        Level::Baseline,
        "privileged",
        "privileged",
        r#"containers "i", "b" must not set securityContext.privileged=true"#,
    );
}

#[test]
fn host_namespaces() {
    expect(
        &json!({"hostIPC": true, "hostNetwork": true, "hostPID": false}),
        Level::Baseline,
        "hostNamespaces",
        "host namespaces",
        "hostNetwork=true, hostIPC=true",
    );
}

#[test]
fn host_ports() {
    // TestHostPort
    expect(
        &json!({"containers": [
            {"name": "a", "ports": [{"hostPort": 0}]},
            {"name": "b", "ports": [{"hostPort": 0}, {"hostPort": 20}]},
        ]}),
        Level::Baseline,
        "hostPorts",
        "hostPort",
        r#"container "b" uses hostPort 20"#,
    );
    expect(
        &json!({"containers": [
            {"name": "a", "ports": [{"hostPort": 0}]},
            {"name": "b", "ports": [{"hostPort": 0}, {"hostPort": 10}, {"hostPort": 20}]},
            {"name": "c", "ports": [{"hostPort": 0}, {"hostPort": 10}, {"hostPort": 30}]},
        ]}),
        Level::Baseline,
        "hostPorts",
        "hostPort",
        r#"containers "b", "c" use hostPorts 10, 20, 30"#,
    );
    let v = evaluate_pod(
        &json!({}),
        &json!({"containers": [{"name": "a"}, {"name": "b", "ports": [{"hostPort": 0}, {"hostPort": 20}]}]}),
        Level::Baseline,
        Version::Latest,
    );
    // TestHostPort's field errors: spec.containers[1].ports[1].hostPort.
    assert_eq!(
        v[0].paths[0].to_string(),
        "spec.containers[1].ports[1].hostPort"
    );
}

#[test]
fn se_linux_options() {
    let containers = |extra: bool| {
        let mut list = vec![
            ctr("a", json!({"seLinuxOptions": {"type": "container_t"}})),
            ctr("b", json!({"seLinuxOptions": {"type": "container_init_t"}})),
            ctr("c", json!({"seLinuxOptions": {"type": "container_kvm_t"}})),
            ctr(
                "d",
                json!({"seLinuxOptions": {"type": "container_engine_t"}}),
            ),
        ];
        if extra {
            list.push(ctr("e", json!({"seLinuxOptions": {"type": "bar"}})));
            list.push(ctr("f", json!({"seLinuxOptions": {"user": "bar"}})));
            list.push(ctr("g", json!({"seLinuxOptions": {"role": "baz"}})));
        }
        Value::Array(list)
    };
    let bad_pod = json!({"seLinuxOptions": {"type": "foo", "user": "bar", "role": "baz"}});
    let cases = [
        (
            json!({"securityContext": bad_pod, "containers": containers(true)}),
            r#"pod and containers "e", "f", "g" set forbidden securityContext.seLinuxOptions: types "bar", "foo"; user may not be set; role may not be set"#,
        ),
        (
            json!({"securityContext": bad_pod, "containers": containers(false)}),
            r#"pod set forbidden securityContext.seLinuxOptions: type "foo"; user may not be set; role may not be set"#,
        ),
        (
            json!({"securityContext": {"seLinuxOptions": {}}, "containers": containers(true)}),
            r#"containers "e", "f", "g" set forbidden securityContext.seLinuxOptions: type "bar"; user may not be set; role may not be set"#,
        ),
        (
            json!({"securityContext": {"seLinuxOptions": {"type": "bad"}}}),
            r#"pod set forbidden securityContext.seLinuxOptions: type "bad""#,
        ),
        (
            json!({"securityContext": {"seLinuxOptions": {"user": "bad"}}}),
            "pod set forbidden securityContext.seLinuxOptions: user may not be set",
        ),
        (
            json!({"securityContext": {"seLinuxOptions": {"role": "bad"}}}),
            "pod set forbidden securityContext.seLinuxOptions: role may not be set",
        ),
    ];
    for (spec, detail) in cases {
        expect(
            &spec,
            Level::Baseline,
            "seLinuxOptions",
            "seLinuxOptions",
            detail,
        );
    }
}

#[test]
fn capabilities_restricted() {
    // TestCapabilitiesRestricted
    expect(
        &json!({"containers": [
            ctr("a", json!({"capabilities": {"add": ["FOO", "BAR"]}})),
            ctr("b", json!({"capabilities": {"add": ["BAR", "BAZ"]}})),
            ctr("c", json!({"capabilities": {"add": ["NET_BIND_SERVICE", "CHOWN"], "drop": ["ALL", "FOO"]}})),
        ]}),
        Level::Restricted,
        "capabilities_restricted",
        "unrestricted capabilities",
        r#"containers "a", "b" must set securityContext.capabilities.drop=["ALL"]; containers "a", "b", "c" must not include "BAR", "BAZ", "CHOWN", "FOO" in securityContext.capabilities.add"#,
    );
}

#[test]
fn capabilities_baseline() {
    expect(
        &json!({"containers": [
            ctr("a", json!({"capabilities": {"add": ["CHOWN", "NET_RAW"]}})),
            ctr("b", json!({"capabilities": {"add": ["SYS_ADMIN", "KILL"]}})),
        ]}),
        Level::Baseline,
        "capabilities_baseline",
        "non-default capabilities",
        r#"containers "a", "b" must not include "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add"#,
    );
}

#[test]
fn restricted_volumes() {
    // TestRestrictedVolumes, except that its `c1` (an empty source, which API defaulting
    // turns into emptyDir before admission) is here a source we do not know.
    let mut volumes = vec![];
    for (i, source) in [
        "emptyDir",
        "secret",
        "persistentVolumeClaim",
        "downwardAPI",
        "configMap",
        "projected",
        "csi",
        "ephemeral",
        "image",
    ]
    .iter()
    .enumerate()
    {
        volumes.push(json!({"name": format!("a{}", i + 1), *source: {}}));
    }
    for (i, source) in [
        "hostPath",
        "gcePersistentDisk",
        "awsElasticBlockStore",
        "gitRepo",
        "nfs",
        "iscsi",
        "glusterfs",
        "rbd",
        "flexVolume",
        "cinder",
        "cephfs",
        "flocker",
        "fc",
        "azureFile",
        "vsphereVolume",
        "quobyte",
        "azureDisk",
        "photonPersistentDisk",
        "portworxVolume",
        "scaleIO",
        "storageos",
    ]
    .iter()
    .enumerate()
    {
        volumes.push(json!({"name": format!("b{}", i + 1), *source: {}}));
    }
    volumes.push(json!({"name": "c1", "someFutureVolume": {}}));
    volumes.push(json!({"name": "d1"}));
    expect(
        &json!({"volumes": volumes}),
        Level::Restricted,
        "restrictedVolumes",
        "restricted volume types",
        concat!(
            r#"volumes "b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9", "b10", "b11", "b12", "b13", "b14", "b15", "b16", "b17", "b18", "b19", "b20", "b21", "c1""#,
            r#" use restricted volume types "#,
            r#""awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "fc", "flexVolume", "flocker", "gcePersistentDisk", "gitRepo", "glusterfs", "#,
            r#""hostPath", "iscsi", "nfs", "photonPersistentDisk", "portworxVolume", "quobyte", "rbd", "scaleIO", "storageos", "unknown", "vsphereVolume""#,
        ),
    );
}

#[test]
fn host_probes_and_host_lifecycle() {
    // TestHostProbesAndHostLifecycle
    let http = |host: &str| json!({"httpGet": {"host": host}});
    let tcp = |host: &str| json!({"tcpSocket": {"host": host}});
    assert_eq!(
        result(
            &json!({}),
            &json!({"containers": [{"name": "a", "livenessProbe": {"httpGet": {}}, "readinessProbe": {"tcpSocket": {}},
                                    "lifecycle": {"postStart": {"httpGet": {}}}}]}),
            Level::Baseline,
            Version::Latest,
            "hostProbesAndHostLifecycle"
        ),
        None
    );
    let cases = [
        (
            json!({"containers": [{"name": "a", "livenessProbe": http("127.0.0.1"), "readinessProbe": tcp("::1"), "startupProbe": http("localhost")}]}),
            r#"container "a" uses probe or lifecycle hosts "127.0.0.1", "::1", "localhost""#,
        ),
        (
            json!({"containers": [{"name": "d", "lifecycle": {"postStart": tcp("invalid.host")}}]}),
            r#"container "d" uses probe or lifecycle host "invalid.host""#,
        ),
        (
            json!({"containers": [
                {"name": "valid"},
                {"name": "invalid1", "livenessProbe": http("a.com")},
                {"name": "invalid2", "lifecycle": {"preStop": tcp("b.com")}, "startupProbe": http("a.com")},
            ]}),
            r#"containers "invalid1", "invalid2" use probe or lifecycle hosts "a.com", "b.com""#,
        ),
        (
            json!({"initContainers": [{"name": "init", "livenessProbe": http("invalid.init.host")}]}),
            r#"container "init" uses probe or lifecycle host "invalid.init.host""#,
        ),
    ];
    for (spec, detail) in cases {
        expect(
            &spec,
            Level::Baseline,
            "hostProbesAndHostLifecycle",
            "probe or lifecycle host",
            detail,
        );
    }
}

#[test]
fn app_armor_profile() {
    // TestCheckAppArmor_Forbidden
    expect(
        &json!({"securityContext": {"appArmorProfile": {"type": "Unconfined"}}}),
        Level::Baseline,
        "appArmorProfile",
        "forbidden AppArmor profile",
        r#"pod must not set AppArmor profile type to "Unconfined""#,
    );
    expect(
        &json!({"securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}},
               "containers": [{"name": "foo"}],
               "initContainers": [ctr("bar", json!({"appArmorProfile": {"type": "Unconfined"}}))]}),
        Level::Baseline,
        "appArmorProfile",
        "forbidden AppArmor profile",
        r#"container "bar" must not set AppArmor profile type to "Unconfined""#,
    );
    expect_meta(
        &json!({"annotations": {
            "container.apparmor.security.beta.kubernetes.io/": "bogus",
            "container.apparmor.security.beta.kubernetes.io/a": "",
            "container.apparmor.security.beta.kubernetes.io/b": "runtime/default",
            "container.apparmor.security.beta.kubernetes.io/c": "localhost/",
            "container.apparmor.security.beta.kubernetes.io/d": "localhost/foo",
            "container.apparmor.security.beta.kubernetes.io/e": "unconfined",
            "container.apparmor.security.beta.kubernetes.io/f": "unknown",
        }}),
        &json!({}),
        Level::Baseline,
        "appArmorProfile",
        "forbidden AppArmor profiles",
        concat!(
            "annotations must not set AppArmor profile type to ",
            r#""container.apparmor.security.beta.kubernetes.io/="bogus"", "#,
            r#""container.apparmor.security.beta.kubernetes.io/e="unconfined"", "#,
            r#""container.apparmor.security.beta.kubernetes.io/f="unknown"""#,
        ),
    );
    // TestCheckAppArmor_Allowed
    for (meta, spec) in [
        (
            json!({"annotations": {"container.apparmor.security.beta.kubernetes.io/test": "runtime/default", "env": "prod"}}),
            json!({}),
        ),
        (
            json!({"annotations": {"container.apparmor.security.beta.kubernetes.io/test": "localhost/sec-profile01"}}),
            json!({}),
        ),
        (
            json!({}),
            json!({"securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}}}),
        ),
        (
            json!({}),
            json!({"containers": [ctr("foo", json!({"appArmorProfile": {"type": "Localhost"}}))]}),
        ),
    ] {
        assert_eq!(
            result(
                &meta,
                &spec,
                Level::Baseline,
                Version::Latest,
                "appArmorProfile"
            ),
            None
        );
    }
}

#[test]
fn allow_privilege_escalation() {
    // TestAllowPrivilegeEscalation_1_25
    let multi = json!({"containers": [
        {"name": "a"},
        ctr("b", json!({})),
        ctr("c", json!({"allowPrivilegeEscalation": true})),
        ctr("d", json!({"allowPrivilegeEscalation": false})),
    ]});
    expect(
        &multi,
        Level::Restricted,
        "allowPrivilegeEscalation",
        "allowPrivilegeEscalation != false",
        r#"containers "a", "b", "c" must set securityContext.allowPrivilegeEscalation=false"#,
    );
    let windows = json!({"os": {"name": "windows"}, "containers": [{"name": "a"}]});
    assert_eq!(
        result(
            &json!({}),
            &windows,
            Level::Restricted,
            Version::V1(25),
            "allowPrivilegeEscalation"
        ),
        None
    );
    assert!(
        result(
            &json!({}),
            &windows,
            Level::Restricted,
            Version::V1(24),
            "allowPrivilegeEscalation"
        )
        .is_some()
    );
}

#[test]
fn run_as_non_root() {
    let reason = "runAsNonRoot != true";
    expect(
        &json!({"containers": [
            {"name": "a"},
            ctr("b", json!({})),
            ctr("c", json!({"runAsNonRoot": false})),
            ctr("d", json!({"runAsNonRoot": false})),
            ctr("e", json!({"runAsNonRoot": true})),
        ]}),
        Level::Restricted,
        "runAsNonRoot",
        reason,
        r#"containers "c", "d" must not set securityContext.runAsNonRoot=false"#,
    );
    expect(
        &json!({"containers": [{"name": "a"}, ctr("b", json!({})), ctr("d", json!({"runAsNonRoot": true}))]}),
        Level::Restricted,
        "runAsNonRoot",
        reason,
        r#"pod or containers "a", "b" must set securityContext.runAsNonRoot=true"#,
    );
    expect(
        &json!({"securityContext": {"runAsNonRoot": false}, "containers": [ctr("a", json!({"runAsNonRoot": false}))]}),
        Level::Restricted,
        "runAsNonRoot",
        reason,
        r#"pod and container "a" must not set securityContext.runAsNonRoot=false"#,
    );
    // A user-namespace pod is exempt from v1.35 (hostUsers: false).
    let userns = json!({"hostUsers": false, "containers": [{"name": "a"}]});
    assert_eq!(
        result(
            &json!({}),
            &userns,
            Level::Restricted,
            Version::V1(35),
            "runAsNonRoot"
        ),
        None
    );
    assert!(
        result(
            &json!({}),
            &userns,
            Level::Restricted,
            Version::V1(34),
            "runAsNonRoot"
        )
        .is_some()
    );
}

#[test]
fn run_as_user_and_seccomp() {
    expect(
        &json!({"securityContext": {"runAsUser": 0}, "containers": [ctr("a", json!({"runAsUser": 0})), ctr("b", json!({"runAsUser": 1000}))]}),
        Level::Restricted,
        "runAsUser",
        "runAsUser=0",
        r#"pod and container "a" must not set runAsUser=0"#,
    );
    expect(
        &json!({"securityContext": {"seccompProfile": {"type": "Unconfined"}},
               "containers": [ctr("a", json!({"seccompProfile": {"type": "Unconfined"}})), ctr("b", json!({"seccompProfile": {}}))]}),
        Level::Restricted,
        "seccompProfile_restricted",
        "seccompProfile",
        r#"pod and containers "a", "b" must not set securityContext.seccompProfile.type to "", "Unconfined""#,
    );
    expect(
        &json!({"containers": [{"name": "a"}, ctr("b", json!({"seccompProfile": {"type": "Localhost"}}))]}),
        Level::Restricted,
        "seccompProfile_restricted",
        "seccompProfile",
        r#"pod or container "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost""#,
    );
    // Before v1.19 the baseline check reads the alpha annotations.
    let meta = json!({"annotations": {
        "seccomp.security.alpha.kubernetes.io/pod": "unconfined",
        "container.seccomp.security.alpha.kubernetes.io/a": "docker/default",
        "container.seccomp.security.alpha.kubernetes.io/b": "",
    }});
    assert_eq!(
        result(&meta, &json!({"containers": [{"name": "a"}, {"name": "b"}]}), Level::Baseline, Version::V1(18), "seccompProfile_baseline"),
        Some((
            "seccompProfile".to_owned(),
            r#"forbidden annotations container.seccomp.security.alpha.kubernetes.io/b="", seccomp.security.alpha.kubernetes.io/pod="unconfined""#.to_owned()
        ))
    );
}

#[test]
fn proc_mount_sysctls_host_process_and_host_path() {
    expect(
        &json!({"containers": [ctr("a", json!({"procMount": "Unmasked"})), ctr("b", json!({"procMount": "Default"}))]}),
        Level::Baseline,
        "procMount",
        "procMount",
        r#"container "a" must not set securityContext.procMount to "Unmasked""#,
    );
    expect(
        &json!({"securityContext": {"sysctls": [{"name": "kernel.msgmax"}, {"name": "net.ipv4.tcp_syncookies"}, {"name": "a"}]}}),
        Level::Baseline,
        "sysctls",
        "forbidden sysctls",
        "kernel.msgmax, a",
    );
    expect(
        &json!({"securityContext": {"windowsOptions": {"hostProcess": true}},
               "containers": [ctr("a", json!({"windowsOptions": {"hostProcess": true}}))]}),
        Level::Baseline,
        "windowsHostProcess",
        "hostProcess",
        r#"pod and container "a" must not set securityContext.windowsOptions.hostProcess=true"#,
    );
    expect(
        &json!({"volumes": [{"name": "a", "hostPath": {"path": "/"}}, {"name": "b", "emptyDir": {}}, {"name": "c", "hostPath": {}}]}),
        Level::Baseline,
        "hostPathVolumes",
        "hostPath volumes",
        r#"volumes "a", "c""#,
    );
}

#[test]
fn aggregate_message_is_upstreams() {
    let v = evaluate_pod(
        &json!({}),
        &json!({"hostNetwork": true, "containers": [ctr("a", json!({"privileged": true}))]}),
        Level::Baseline,
        Version::Latest,
    );
    assert_eq!(
        bulkhead_policy::pss::forbidden_detail(&v),
        r#"host namespaces (hostNetwork=true), privileged (container "a" must not set securityContext.privileged=true)"#
    );
}
