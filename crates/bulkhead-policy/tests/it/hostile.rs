//! Hostile and malformed pods: nothing panics, wrong types fail closed, and sizes stay
//! bounded.

use std::time::Instant;

use bulkhead_policy::pss::{Level, Version, Violation, active_checks, evaluate_pod};
use serde_json::{Value, json};

use super::fixtures::all;

fn eval(meta: &Value, spec: &Value, level: Level) -> Vec<Violation> {
    evaluate_pod(meta, spec, level, Version::Latest)
}

fn malformed_checks(v: &[Violation]) -> Vec<&'static str> {
    v.iter().filter(|v| v.malformed).map(|v| v.check).collect()
}

#[test]
fn wrong_types_fail_closed_with_the_field_named() {
    // `privileged: "true"` is not privileged=true to us, but the check cannot pass it.
    let spec = json!({"containers": [{"name": "a", "securityContext": {"privileged": "true"}}]});
    let v = eval(&json!({}), &spec, Level::Baseline);
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].check, "privileged");
    assert!(v[0].malformed);
    assert_eq!(v[0].reason, "malformed field");
    assert_eq!(
        v[0].detail,
        "spec.containers[0].securityContext.privileged must be a boolean, not a string"
    );
    assert_eq!(
        v[0].paths[0].pointer(),
        "/containers/0/securityContext/privileged"
    );

    // `containers: 5`: every check that visits containers is malformed; the others pass.
    let v = eval(&json!({}), &json!({"containers": 5}), Level::Restricted);
    let visiting: Vec<&str> = malformed_checks(&v);
    for id in [
        "privileged",
        "capabilities_restricted",
        "runAsNonRoot",
        "allowPrivilegeEscalation",
        "hostPorts",
    ] {
        assert!(visiting.contains(&id), "{id} in {visiting:?}");
    }
    for id in ["hostNamespaces", "sysctls", "restrictedVolumes"] {
        assert!(!visiting.contains(&id), "{id} in {visiting:?}");
    }

    // A spec or metadata that is not an object: every applicable check is malformed.
    for (meta, spec) in [(json!({}), json!(5)), (json!("x"), json!([]))] {
        let v = eval(&meta, &spec, Level::Restricted);
        let malformed = malformed_checks(&v);
        let active = active_checks(Level::Restricted, Version::Latest);
        if spec.is_object() {
            assert!(malformed.contains(&"appArmorProfile"));
        } else {
            assert_eq!(malformed.len(), active.len(), "{v:?}");
        }
    }

    // Numbers of the wrong kind: Go's decoder rejects them, so they are malformed.
    for port in [
        json!(80.5),
        json!("80"),
        json!(4_294_967_296_i64),
        json!(-1e40),
    ] {
        let spec = json!({"containers": [{"name": "a", "ports": [{"hostPort": port}]}]});
        let v = eval(&json!({}), &spec, Level::Baseline);
        assert_eq!(malformed_checks(&v), ["hostPorts"], "{port}: {v:?}");
    }
    let v = eval(
        &json!({}),
        &json!({"securityContext": {"runAsUser": 0.0}, "containers": []}),
        Level::Restricted,
    );
    assert_eq!(malformed_checks(&v), ["runAsUser"]);

    // A wrongly typed value where a safe default would be dangerous still yields a
    // violation: `allowPrivilegeEscalation: "false"` is not false.
    let spec = json!({"containers": [{"name": "a", "securityContext": {"allowPrivilegeEscalation": "false"}}]});
    let v: Vec<_> = eval(&json!({}), &spec, Level::Restricted)
        .into_iter()
        .filter(|v| v.check == "allowPrivilegeEscalation")
        .collect();
    assert_eq!(v.len(), 2, "the requirement and the malformed field: {v:?}");

    // A malformed `hostUsers` cannot buy the user-namespace relaxation.
    let spec = json!({"hostUsers": "false", "containers": [{"name": "a", "securityContext": {"procMount": "Unmasked"}}]});
    let v = eval(&json!({}), &spec, Level::Baseline);
    assert!(v.iter().any(|v| v.check == "procMount" && !v.malformed));
    assert!(v.iter().any(|v| v.check == "procMount" && v.malformed));

    // Annotations of the wrong type.
    let meta = json!({"annotations": {"container.apparmor.security.beta.kubernetes.io/a": 5}});
    let v = eval(&meta, &json!({}), Level::Baseline);
    assert_eq!(malformed_checks(&v), ["appArmorProfile"]);
    assert_eq!(
        v[0].paths[0].resolve("/spec", "/metadata"),
        "/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1a"
    );
}

#[test]
fn null_is_absent_everywhere() {
    let spec = json!({
        "securityContext": null, "hostNetwork": null, "volumes": null, "initContainers": null,
        "containers": [{"name": null, "securityContext": {"privileged": null, "capabilities": null,
                        "seccompProfile": null, "runAsNonRoot": null}, "ports": [{"hostPort": null}]}],
    });
    let v = eval(&json!({"annotations": null}), &spec, Level::Baseline);
    assert!(v.is_empty(), "{v:?}");
    let v = eval(&Value::Null, &Value::Null, Level::Restricted);
    assert!(v.is_empty(), "an empty pod has nothing to forbid: {v:?}");
    // A `null` container is an empty one: restricted wants its fields set.
    let v = eval(
        &json!({}),
        &json!({"containers": [null]}),
        Level::Restricted,
    );
    assert!(v.iter().all(|v| !v.malformed));
    assert!(v.iter().any(|v| v.check == "allowPrivilegeEscalation"));
}

/// Replaces every field the checks read, in every restricted pass fixture at the newest
/// version, with each value of another JSON type: the pod must never pass any more
/// (fail closed), and nothing may panic. Every other field is replaced too, to show that
/// nothing panics.
#[test]
fn every_read_field_fails_closed_when_mistyped() {
    const READ: [&str; 28] = [
        "securityContext",
        "privileged",
        "allowPrivilegeEscalation",
        "runAsNonRoot",
        "runAsUser",
        "procMount",
        "type",
        "user",
        "role",
        "capabilities",
        "add",
        "drop",
        "seccompProfile",
        "seLinuxOptions",
        "appArmorProfile",
        "windowsOptions",
        "hostProcess",
        "hostNetwork",
        "hostPID",
        "hostIPC",
        "hostUsers",
        "sysctls",
        "ports",
        "hostPort",
        "volumes",
        "containers",
        "initContainers",
        "annotations",
    ];
    let candidates = [
        json!(5),
        json!("x"),
        json!(true),
        json!([1]),
        json!({"k": 1}),
    ];
    let newest = Version::Latest.effective_minor();
    let started = Instant::now();
    let (mut mutations, mut read_mutations) = (0usize, 0usize);
    for f in all()
        .iter()
        .filter(|f| f.pass && f.minor == newest && f.level == Level::Restricted)
    {
        for (pointer, original) in leaves(&f.pod, "") {
            let last = pointer.rsplit('/').next().unwrap();
            let parent = pointer.rsplit_once('/').map_or("", |(parent, _)| parent);
            let read = READ.contains(&last)
                || parent.ends_with("/annotations")
                || (parent.ends_with("/sysctls/0") && last == "name")
                || last.parse::<usize>().is_ok()
                    && (parent.ends_with("/add") || parent.ends_with("/drop"));
            for candidate in &candidates {
                if std::mem::discriminant(candidate) == std::mem::discriminant(&original) {
                    continue;
                }
                let mut pod = f.pod.clone();
                *pod.pointer_mut(&pointer).unwrap() = candidate.clone();
                let v = evaluate_pod(
                    &pod["metadata"],
                    &pod["spec"],
                    Level::Restricted,
                    Version::Latest,
                );
                mutations += 1;
                let _ = evaluate_pod(
                    &pod["metadata"],
                    &pod["spec"],
                    Level::Baseline,
                    Version::V1(0),
                );
                // `metadata`/`spec` themselves are the roots: replaced, they are read too.
                if read || pointer == "/spec" || pointer == "/metadata" {
                    read_mutations += 1;
                    assert!(
                        v.iter().any(|v| v.malformed),
                        "{}: {pointer} = {candidate} passes: {v:?}",
                        f.file.display()
                    );
                }
            }
        }
    }
    eprintln!(
        "{mutations} mutated pods evaluated ({read_mutations} on read fields, all denied) in {:.2?}",
        started.elapsed()
    );
    assert!(read_mutations > 500);
}

/// Every node of a JSON value, with its pointer (objects and arrays included).
fn leaves(value: &Value, pointer: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let p = format!("{pointer}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.extend(leaves(v, &p));
                out.push((p, v.clone()));
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let p = format!("{pointer}/{i}");
                out.extend(leaves(v, &p));
                out.push((p, v.clone()));
            }
        }
        _ => {}
    }
    out
}

#[test]
fn ten_thousand_containers() {
    let containers: Vec<Value> = (0..10_000)
        .map(|i| json!({"name": format!("c{i}"), "securityContext": {"privileged": true}, "ports": [{"hostPort": i + 1}]}))
        .collect();
    let spec = json!({"containers": containers, "initContainers": containers, "ephemeralContainers": containers});
    let started = Instant::now();
    let v = eval(&json!({}), &spec, Level::Restricted);
    let elapsed = started.elapsed();
    let privileged = v.iter().find(|v| v.check == "privileged").unwrap();
    assert_eq!(privileged.paths.len(), bulkhead_policy::pss::MAX_PATHS);
    assert_eq!(privileged.paths.len() + privileged.omitted_paths, 30_000);
    assert_eq!(
        privileged.paths[0].to_string(),
        "spec.initContainers[0].securityContext.privileged"
    );
    assert!(
        privileged.detail.contains("… and 29900 more"),
        "{}",
        &privileged.detail[privileged.detail.len() - 80..]
    );
    assert!(privileged.detail.len() < 2_000);
    let host_ports = v.iter().find(|v| v.check == "hostPorts").unwrap();
    assert!(host_ports.detail.len() < 2_000);
    eprintln!(
        "30,000 containers at restricted: {} violations in {elapsed:.2?}",
        v.len()
    );

    // 200,000 entries of the wrong type: each check keeps a bounded list.
    let spec = json!({"containers": vec![json!(5); 200_000]});
    let started = Instant::now();
    let v = eval(&json!({}), &spec, Level::Restricted);
    for v in &v {
        assert!(v.malformed);
        assert_eq!(v.paths.len() + v.omitted_paths, 200_000);
        assert!(v.paths.len() <= bulkhead_policy::pss::MAX_PATHS);
        assert!(v.detail.len() < 16 * 1024, "{}", v.detail.len());
        assert!(
            v.detail.ends_with("(and 199000 more)"),
            "{}",
            &v.detail[v.detail.len() - 60..]
        );
    }
    eprintln!(
        "200,000 malformed containers: {} violations in {:.2?}",
        v.len(),
        started.elapsed()
    );
}

#[test]
fn deep_nesting_and_huge_values() {
    // Nesting where the checks look: they read a fixed depth, never recursing. (Depth is
    // bounded before us too: serde_json refuses input nested over 128 levels.)
    let mut deep = json!("bottom");
    for _ in 0..500 {
        let mut level = serde_json::Map::new();
        level.insert("securityContext".to_owned(), deep);
        level.insert("capabilities".to_owned(), json!({"add": [[["NET_RAW"]]]}));
        deep = Value::Object(level);
    }
    let mut spec = json!({"containers": [{"name": "a"}], "volumes": [{"name": "v", "emptyDir": {"a": {"b": {}}}}]});
    spec["containers"][0]["securityContext"] = deep.clone();
    spec["securityContext"] = deep;
    let v = eval(&json!({}), &spec, Level::Restricted);
    assert!(
        v.iter()
            .any(|v| v.malformed && v.check == "capabilities_restricted"),
        "{v:?}"
    );
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(serde_json::from_str::<Value>(&nested).is_err());

    // A 16 MiB string in a read field and as a container name: messages stay small,
    // paths stay exact.
    let huge = "U".repeat(16 << 20);
    let spec = json!({"containers": [{"name": huge, "securityContext": {"procMount": huge, "capabilities": {"add": [huge]}}}]});
    let meta = json!({"annotations": {format!("container.apparmor.security.beta.kubernetes.io/{huge}"): huge}});
    for level in [Level::Baseline, Level::Restricted] {
        for v in eval(&meta, &spec, level) {
            assert!(
                v.detail.len() < 8 * 1024,
                "{}: {} bytes",
                v.check,
                v.detail.len()
            );
        }
    }
    let v = eval(&meta, &spec, Level::Baseline);
    let app_armor = v.iter().find(|v| v.check == "appArmorProfile").unwrap();
    assert!(
        app_armor.paths[0].pointer().len() > 16 << 20,
        "the path names the real key"
    );
}

#[test]
fn odd_but_valid_json_is_judged_not_rejected() {
    // Unknown and differently cased keys are ignored, as Kubernetes' decoder drops them.
    let spec = json!({"containers": [{"name": "a", "securityContext": {"Privileged": true, "privileged ": true}}], "HostNetwork": true});
    assert!(eval(&json!({}), &spec, Level::Baseline).is_empty());
    // Duplicate container names, empty names, unicode names.
    let spec = json!({"containers": [
        {"name": "", "securityContext": {"privileged": true}},
        {"name": "ü\"\n", "securityContext": {"privileged": true}},
        {"securityContext": {"privileged": true}},
    ]});
    let v = eval(&json!({}), &spec, Level::Baseline);
    assert_eq!(
        v[0].detail,
        "containers \"\", \"ü\"\n\", \"\" must not set securityContext.privileged=true"
    );
    // A volume naming two sources is judged by each (upstream would admit the first).
    let spec = json!({"volumes": [{"name": "v", "emptyDir": {}, "hostPath": {"path": "/"}}]});
    let v = eval(&json!({}), &spec, Level::Restricted);
    assert!(v.iter().any(|v| v.check == "restrictedVolumes"));
}
