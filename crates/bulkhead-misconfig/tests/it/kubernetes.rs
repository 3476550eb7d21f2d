//! Kubernetes rules: per-rule positive and negative manifests, the Pod Security Admission
//! conformance pods, and hostile input.
//!
//! The truth here is the fixture text, never the rules' own output: every positive case says
//! which rule must fire, at which JSON pointer, and on which line, and the line is found by
//! searching the fixture for the field's text. Negatives start from a hardened bundle that must
//! yield no finding at all; each positive case changes one thing in it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use bulkhead_finding::{Finding, Location};
use bulkhead_misconfig::Outcome;
use bulkhead_misconfig::kubernetes::{ManifestFile, RULES, analyze};

fn run_files(files: &[(&str, &str)]) -> Outcome {
    let files: Vec<ManifestFile> = files
        .iter()
        .map(|(path, text)| ManifestFile {
            path: (*path).to_owned(),
            bytes: text.as_bytes().to_vec(),
        })
        .collect();
    analyze(&files)
}

fn run(text: &str) -> Outcome {
    run_files(&[("k8s.yaml", text)])
}

/// (pointer, line) of a finding.
fn place(f: &Finding) -> (String, u32) {
    match &f.location {
        Location::Object { pointer, line, .. } => (pointer.clone(), line.unwrap()),
        other => panic!("not an object location: {other:?}"),
    }
}

/// The 1-based line of the `nth` (0-based) line containing `needle`.
fn line_of(text: &str, needle: &str, nth: usize) -> u32 {
    let index = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .nth(nth)
        .unwrap_or_else(|| panic!("`{needle}` (#{nth}) is not in the fixture"))
        .0;
    u32::try_from(index + 1).unwrap()
}

fn of_rule(outcome: &Outcome, id: &str) -> BTreeSet<(String, u32)> {
    outcome
        .findings
        .iter()
        .filter(|f| f.rule.id == id)
        .map(place)
        .collect()
}

const DIGEST: &str = "sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9";

/// A bundle that follows every rule: no finding at all (`{DIGEST}` stands for [`DIGEST`]).
const HARDENED: &str = r#"apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
  namespace: shop
automountServiceAccountToken: false
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 3
  strategy:
    type: RollingUpdate
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      serviceAccountName: web
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
        seccompProfile:
          type: RuntimeDefault
      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: kubernetes.io/hostname
        whenUnsatisfiable: DoNotSchedule
        labelSelector:
          matchLabels:
            app: web
      containers:
      - name: web
        image: registry.example.com/shop/web:1.4.2@{DIGEST}
        imagePullPolicy: Always
        ports:
        - containerPort: 8080
        env:
        - name: LOG_LEVEL
          value: info
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities:
            drop:
            - ALL
        resources:
          requests:
            cpu: 100m
            memory: 128Mi
          limits:
            cpu: 500m
            memory: 256Mi
        livenessProbe:
          httpGet:
            path: /healthz
            port: 8080
        readinessProbe:
          httpGet:
            path: /ready
            port: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: web
  policyTypes: [Ingress]
  ingress:
  - from:
    - podSelector: {}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
  namespace: shop
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      app: web
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: web-reader
  namespace: shop
rules:
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: web-reader
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: web-reader
subjects:
- kind: ServiceAccount
  name: web
  namespace: shop
"#;

fn hardened() -> String {
    HARDENED.replace("{DIGEST}", DIGEST)
}

#[test]
fn the_hardened_bundle_has_no_finding() {
    let outcome = run(&hardened());
    assert!(outcome.findings.is_empty(), "{:#?}", outcome.findings);
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
}

const DEPLOY: &str = "/spec/template/spec";
const C0: &str = "/spec/template/spec/containers/0";

/// One change to the hardened bundle and the findings of one rule it must cause: each as
/// (pointer within the object, text on the expected line, which occurrence of that text).
struct Case {
    rule: &'static str,
    from: &'static str,
    to: &'static str,
    expect: &'static [(&'static str, &'static str, usize)],
}

/// The object-prefixed pointers of a case.
fn expected(text: &str, case: &Case) -> BTreeSet<(String, u32)> {
    case.expect
        .iter()
        .map(|(pointer, needle, nth)| {
            let pointer = pointer.replace("{D}", DEPLOY).replace("{C}", C0);
            (pointer, line_of(text, needle, *nth))
        })
        .collect()
}

#[rustfmt::skip]
const CASES: &[Case] = &[
    Case { rule: "BH-K8S-001", from: "          allowPrivilegeEscalation: false\n", to: "          allowPrivilegeEscalation: false\n          privileged: true\n",
        expect: &[("{C}/securityContext/privileged", "privileged: true", 0)] },
    Case { rule: "BH-K8S-002", from: "          readOnlyRootFilesystem: true\n", to: "",
        expect: &[("{C}/securityContext/readOnlyRootFilesystem", "        securityContext:", 0)] },
    Case { rule: "BH-K8S-003", from: "        runAsNonRoot: true\n", to: "        runAsNonRoot: false\n",
        expect: &[("{D}/securityContext/runAsNonRoot", "runAsNonRoot: false", 0)] },
    Case { rule: "BH-K8S-003", from: "          readOnlyRootFilesystem: true\n", to: "          readOnlyRootFilesystem: true\n          runAsUser: 0\n",
        expect: &[("{C}/securityContext/runAsUser", "runAsUser: 0", 0)] },
    Case { rule: "BH-K8S-004", from: "            cpu: 100m\n", to: "",
        expect: &[] }, // the request defaults to the limit
    Case { rule: "BH-K8S-004", from: "            cpu: 100m\n            memory: 128Mi\n          limits:\n            cpu: 500m\n", to: "            memory: 128Mi\n          limits:\n",
        expect: &[("{C}/resources/requests/cpu", "          requests:", 0)] },
    Case { rule: "BH-K8S-005", from: "            cpu: 500m\n", to: "",
        expect: &[("{C}/resources/limits/cpu", "          limits:", 0)] },
    Case { rule: "BH-K8S-006", from: "            memory: 128Mi\n", to: "",
        expect: &[] }, // the request defaults to the limit
    Case { rule: "BH-K8S-006", from: "            memory: 128Mi\n          limits:\n            cpu: 500m\n            memory: 256Mi\n", to: "          limits:\n            cpu: 500m\n",
        expect: &[("{C}/resources/requests/memory", "          requests:", 0)] },
    Case { rule: "BH-K8S-007", from: "            memory: 256Mi\n", to: "",
        expect: &[("{C}/resources/limits/memory", "          limits:", 0)] },
    Case { rule: "BH-K8S-008", from: "        image: registry.example.com/shop/web:1.4.2@sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9\n", to: "        image: registry.example.com/shop/web:latest\n",
        expect: &[("{C}/image", "shop/web:latest", 0)] },
    Case { rule: "BH-K8S-009", from: "allowPrivilegeEscalation: false", to: "allowPrivilegeEscalation: true",
        expect: &[("{C}/securityContext/allowPrivilegeEscalation", "allowPrivilegeEscalation: true", 0)] },
    Case { rule: "BH-K8S-010", from: "      serviceAccountName: web\n", to: "      serviceAccountName: web\n      hostNetwork: true\n",
        expect: &[("{D}/hostNetwork", "hostNetwork: true", 0)] },
    Case { rule: "BH-K8S-011", from: "      serviceAccountName: web\n", to: "      serviceAccountName: web\n      hostPID: true\n",
        expect: &[("{D}/hostPID", "hostPID: true", 0)] },
    Case { rule: "BH-K8S-012", from: "      serviceAccountName: web\n", to: "      serviceAccountName: web\n      hostIPC: true\n",
        expect: &[("{D}/hostIPC", "hostIPC: true", 0)] },
    Case { rule: "BH-K8S-013", from: "      app: web\n  policyTypes", to: "      app: other\n  policyTypes",
        expect: &[("/spec/template/metadata/labels", "      labels:", 0)] },
    Case { rule: "BH-K8S-014", from: "        livenessProbe:\n          httpGet:\n            path: /healthz\n            port: 8080\n", to: "",
        expect: &[("{C}/livenessProbe", "      - name: web", 0)] },
    Case { rule: "BH-K8S-015", from: "        readinessProbe:\n          httpGet:\n            path: /ready\n            port: 8080\n", to: "",
        expect: &[("{C}/readinessProbe", "      - name: web", 0)] },
    Case { rule: "BH-K8S-016", from: "            drop:\n            - ALL\n", to: "            drop:\n            - NET_RAW\n",
        expect: &[("{C}/securityContext/capabilities/drop", "            drop:", 0)] },
    Case { rule: "BH-K8S-017", from: "      containers:\n", to: "      volumes:\n      - name: sock\n        hostPath:\n          path: /var/run/docker.sock\n      containers:\n",
        expect: &[("{D}/volumes/0/hostPath/path", "path: /var/run/docker.sock", 0)] },
    Case { rule: "BH-K8S-018", from: "      containers:\n", to: "      volumes:\n      - name: logs\n        hostPath:\n          path: /var/log\n      containers:\n",
        expect: &[("{D}/volumes/0/hostPath", "        hostPath:", 0)] },
    Case { rule: "BH-K8S-019", from: "          type: RuntimeDefault\n", to: "          type: Unconfined\n",
        expect: &[("{D}/securityContext/seccompProfile/type", "type: Unconfined", 0)] },
    Case { rule: "BH-K8S-020", from: "      automountServiceAccountToken: false\n", to: "",
        expect: &[] }, // its ServiceAccount turns automounting off
    Case { rule: "BH-K8S-020", from: "      automountServiceAccountToken: false\n", to: "      automountServiceAccountToken: true\n",
        expect: &[("{D}/automountServiceAccountToken", "      automountServiceAccountToken: true", 0)] },
    Case { rule: "BH-K8S-021", from: "  name: web-reader\n  namespace: shop\nrules", to: "  name: web-reader\n  namespace: default\nrules",
        expect: &[("/metadata/namespace", "namespace: default", 0)] },
    Case { rule: "BH-K8S-022", from: "            - ALL\n", to: "            - ALL\n            add:\n            - SYS_TIME\n",
        expect: &[("{C}/securityContext/capabilities/add/0", "- SYS_TIME", 0)] },
    Case { rule: "BH-K8S-023", from: "            - ALL\n", to: "            - ALL\n            add:\n            - CAP_SYS_ADMIN\n",
        expect: &[("{C}/securityContext/capabilities/add/0", "- CAP_SYS_ADMIN", 0)] },
    Case { rule: "BH-K8S-024", from: "            - ALL\n", to: "            - ALL\n            add:\n            - NET_RAW\n",
        expect: &[("{C}/securityContext/capabilities/add/0", "- NET_RAW", 0)] },
    Case { rule: "BH-K8S-025", from: "        - containerPort: 8080\n", to: "        - containerPort: 8080\n          hostPort: 8080\n",
        expect: &[("{C}/ports/0/hostPort", "hostPort: 8080", 0)] },
    Case { rule: "BH-K8S-026", from: "          value: info\n", to: "          value: info\n        - name: DB_PASSWORD\n          value: hunter2-but-longer\n",
        expect: &[("{C}/env/1/value", "value: hunter2-but-longer", 0)] },
    Case { rule: "BH-K8S-027", from: "          value: info\n", to: "          value: info\n        - name: DB_PASSWORD\n          valueFrom:\n            secretKeyRef: {name: db, key: password}\n",
        expect: &[("{C}/env/1/valueFrom/secretKeyRef", "secretKeyRef:", 0)] },
    Case { rule: "BH-K8S-028", from: "        imagePullPolicy: Always\n        ports", to: "        imagePullPolicy: IfNotPresent\n        ports",
        expect: &[] }, // pinned by digest: the policy does not matter (see the next case)
    Case { rule: "BH-K8S-028", from: "@sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9\n        imagePullPolicy: Always\n", to: "\n        imagePullPolicy: IfNotPresent\n",
        expect: &[("{C}/imagePullPolicy", "imagePullPolicy: IfNotPresent", 0)] },
    Case { rule: "BH-K8S-029", from: "        runAsNonRoot: true\n", to: "        runAsNonRoot: true\n        windowsOptions:\n          hostProcess: true\n",
        expect: &[("{D}/securityContext/windowsOptions/hostProcess", "hostProcess: true", 0)] },
    Case { rule: "BH-K8S-030", from: "          readOnlyRootFilesystem: true\n", to: "          readOnlyRootFilesystem: true\n          procMount: Unmasked\n",
        expect: &[("{C}/securityContext/procMount", "procMount: Unmasked", 0)] },
    Case { rule: "BH-K8S-031", from: "        runAsNonRoot: true\n", to: "        runAsNonRoot: true\n        sysctls:\n        - name: kernel.msgmax\n          value: \"65536\"\n",
        expect: &[("{D}/securityContext/sysctls/0/name", "name: kernel.msgmax", 0)] },
    Case { rule: "BH-K8S-032", from: "        runAsNonRoot: true\n", to: "        runAsNonRoot: true\n        seLinuxOptions:\n          type: spc_t\n",
        expect: &[("{D}/securityContext/seLinuxOptions/type", "type: spc_t", 0)] },
    Case { rule: "BH-K8S-032", from: "      labels:\n        app: web\n    spec:", to: "      labels:\n        app: web\n      annotations:\n        container.apparmor.security.beta.kubernetes.io/web: unconfined\n    spec:",
        expect: &[("/spec/template/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1web", "apparmor", 0)] },
    Case { rule: "BH-K8S-033", from: "        runAsGroup: 10001\n", to: "        runAsGroup: 1000\n",
        expect: &[("{D}/securityContext/runAsGroup", "runAsGroup: 1000", 0)] },
    Case { rule: "BH-K8S-034", from: "      serviceAccountName: web\n", to: "      serviceAccountName: default\n",
        expect: &[("{D}/serviceAccountName", "serviceAccountName: default", 0)] },
    Case { rule: "BH-K8S-035", from: "@sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9\n        imagePullPolicy: Always\n", to: "\n        imagePullPolicy: Always\n",
        expect: &[("{C}/image", "shop/web:1.4.2", 0)] },
    Case { rule: "BH-K8S-036", from: "  replicas: 3\n", to: "  replicas: 1\n",
        expect: &[("/spec/replicas", "replicas: 1", 0)] },
    Case { rule: "BH-K8S-037", from: "kind: PodDisruptionBudget\nmetadata:\n  name: web\n  namespace: shop", to: "kind: PodDisruptionBudget\nmetadata:\n  name: web\n  namespace: other",
        expect: &[("/spec/template/metadata/labels", "      labels:", 0)] },
    Case { rule: "BH-K8S-038", from: "  maxUnavailable: 1\n", to: "  maxUnavailable: 0\n",
        expect: &[("/spec/maxUnavailable", "maxUnavailable: 0", 0)] },
    Case { rule: "BH-K8S-038", from: "  maxUnavailable: 1\n", to: "  minAvailable: 3\n",
        expect: &[("/spec/minAvailable", "minAvailable: 3", 0)] },
    Case { rule: "BH-K8S-039", from: "      topologySpreadConstraints:\n      - maxSkew: 1\n        topologyKey: kubernetes.io/hostname\n        whenUnsatisfiable: DoNotSchedule\n        labelSelector:\n          matchLabels:\n            app: web\n", to: "",
        expect: &[("{D}/affinity", "    spec:", 0)] },
    Case { rule: "BH-K8S-040", from: "apiVersion: policy/v1\n", to: "apiVersion: policy/v1beta1\n",
        expect: &[("/apiVersion", "apiVersion: policy/v1beta1", 0)] },
    Case { rule: "BH-K8S-041", from: "  selector:\n    app: web\n", to: "  selector:\n    app: api\n",
        expect: &[("/spec/selector", "  selector:", 1)] },
    Case { rule: "BH-K8S-045", from: "    matchLabels:\n      app: web\n  template:", to: "    matchLabels:\n      app: webx\n  template:",
        expect: &[("/spec/selector", "  selector:", 0)] },
    Case { rule: "BH-K8S-046", from: "          value: info\n", to: "          value: info\n        - name: LOG_LEVEL\n          value: debug\n",
        expect: &[("{C}/env/1/name", "- name: LOG_LEVEL", 1)] },
    Case { rule: "BH-K8S-047", from: "      serviceAccountName: web\n", to: "      serviceAccountName: web\n      serviceAccount: web\n",
        expect: &[("{D}/serviceAccount", "serviceAccount: web", 0)] },
    Case { rule: "BH-K8S-048", from: "      serviceAccountName: web\n", to: "      serviceAccountName: ghost\n",
        expect: &[("{D}/serviceAccountName", "serviceAccountName: ghost", 0)] },
    Case { rule: "BH-K8S-049", from: "    type: RollingUpdate\n", to: "    type: Recreate\n",
        expect: &[("/spec/strategy/type", "type: Recreate", 0)] },
    Case { rule: "BH-K8S-050", from: "        - containerPort: 8080\n", to: "        - containerPort: 8080\n        - containerPort: 22\n",
        expect: &[("{C}/ports/1/containerPort", "containerPort: 22", 0)] },
    Case { rule: "BH-K8S-051", from: "        - containerPort: 8080\n", to: "        - containerPort: 443\n",
        expect: &[("{C}/ports/0/containerPort", "containerPort: 443", 0)] },
    Case { rule: "BH-K8S-052", from: "  ports:\n  - port: 80\n", to: "  externalIPs: [203.0.113.7]\n  ports:\n  - port: 80\n",
        expect: &[("/spec/externalIPs", "externalIPs", 0)] },
    Case { rule: "BH-K8S-053", from: "  ports:\n  - port: 80\n", to: "  type: LoadBalancer\n  ports:\n  - port: 80\n",
        expect: &[("/spec/type", "type: LoadBalancer", 0)] },
    Case { rule: "BH-K8S-054", from: "  verbs: [\"get\", \"list\"]\n", to: "  verbs: [\"get\", \"*\"]\n",
        expect: &[("/rules/0/verbs/1", "verbs: [\"get\", \"*\"]", 0)] },
    Case { rule: "BH-K8S-055", from: "  resources: [\"configmaps\"]\n", to: "  resources: [\"configmaps\", \"secrets\"]\n",
        expect: &[("/rules/0/resources", "\"secrets\"]", 0)] },
    Case { rule: "BH-K8S-056", from: "  resources: [\"configmaps\"]\n  verbs: [\"get\", \"list\"]\n", to: "  resources: [\"pods/exec\"]\n  verbs: [\"create\"]\n",
        expect: &[("/rules/0/resources", "pods/exec", 0)] },
    Case { rule: "BH-K8S-057", from: "- apiGroups: [\"\"]\n  resources: [\"configmaps\"]\n  verbs: [\"get\", \"list\"]\n", to: "- apiGroups: [\"apps\"]\n  resources: [\"deployments\"]\n  verbs: [\"patch\"]\n",
        expect: &[("/rules/0/resources", "deployments", 0)] },
    Case { rule: "BH-K8S-058", from: "  kind: Role\n  name: web-reader\n", to: "  kind: ClusterRole\n  name: cluster-admin\n",
        expect: &[("/roleRef/name", "name: cluster-admin", 0)] },
    Case { rule: "BH-K8S-059", from: "- apiGroups: [\"\"]\n  resources: [\"configmaps\"]\n  verbs: [\"get\", \"list\"]\n", to: "- apiGroups: [\"rbac.authorization.k8s.io\"]\n  resources: [\"clusterroles\"]\n  verbs: [\"escalate\"]\n",
        expect: &[("/rules/0/resources", "clusterroles", 0)] },
    Case { rule: "BH-K8S-060", from: "  resources: [\"configmaps\"]\n  verbs: [\"get\", \"list\"]\n", to: "  resources: [\"users\", \"groups\"]\n  verbs: [\"impersonate\"]\n",
        expect: &[("/rules/0/resources", "\"users\"", 0)] },
    Case { rule: "BH-K8S-061", from: "  resources: [\"configmaps\"]\n  verbs: [\"get\", \"list\"]\n", to: "  resources: [\"nodes/proxy\"]\n  verbs: [\"get\"]\n",
        expect: &[("/rules/0/resources", "nodes/proxy", 0)] },
    Case { rule: "BH-K8S-062", from: "- apiGroups: [\"\"]\n  resources: [\"configmaps\"]\n  verbs: [\"get\", \"list\"]\n", to: "- apiGroups: [\"admissionregistration.k8s.io\"]\n  resources: [\"mutatingwebhookconfigurations\"]\n  verbs: [\"update\"]\n",
        expect: &[("/rules/0/resources", "mutatingwebhookconfigurations", 0)] },
    Case { rule: "BH-K8S-063", from: "- apiGroups: [\"\"]\n  resources: [\"configmaps\"]\n  verbs: [\"get\", \"list\"]\n", to: "- apiGroups: [\"certificates.k8s.io\"]\n  resources: [\"certificatesigningrequests/approval\"]\n  verbs: [\"update\"]\n- apiGroups: [\"certificates.k8s.io\"]\n  resources: [\"signers\"]\n  verbs: [\"approve\"]\n",
        expect: &[("/rules/0/resources", "certificatesigningrequests/approval", 0)] },
    Case { rule: "BH-K8S-064", from: "- kind: ServiceAccount\n  name: web\n  namespace: shop\n", to: "- kind: Group\n  name: system:authenticated\n",
        expect: &[("/subjects/0/name", "name: system:authenticated", 0)] },
    Case { rule: "BH-K8S-065", from: "        image: registry.example.com/shop/web:1.4.2@", to: "        image: gcr.io/kubernetes-helm/tiller:v2.16.0@",
        expect: &[("{C}/image", "kubernetes-helm/tiller", 0)] },
    Case { rule: "BH-K8S-066", from: "        image: registry.example.com/shop/web:1.4.2@", to: "        image: kubernetesui/dashboard:v2.7.0@",
        expect: &[("{C}/image", "kubernetesui/dashboard", 0)] },
    Case { rule: "BH-K8S-068", from: "      containers:\n", to: "      volumes:\n      - name: share\n        nfs:\n          server: nfs.example.com\n          path: /export\n      containers:\n",
        expect: &[("{D}/volumes/0/nfs", "        nfs:", 0)] },
    Case { rule: "BH-K8S-069", from: "            path: /healthz\n", to: "            path: /healthz\n            host: 169.254.169.254\n",
        expect: &[("{C}/livenessProbe/httpGet/host", "host: 169.254.169.254", 0)] },
];

#[test]
fn each_rule_fires_on_its_case_with_the_exact_pointer_and_line() {
    let base = hardened();
    let mut failures = Vec::new();
    for case in CASES {
        assert_eq!(
            base.matches(case.from).count(),
            1,
            "{}: `{}` must occur once in the hardened bundle",
            case.rule,
            case.from
        );
        let text = base.replacen(case.from, case.to, 1);
        let outcome = run(&text);
        let got = of_rule(&outcome, case.rule);
        let want = expected(&text, case);
        if got != want {
            failures.push(format!("{}: got {got:?}, want {want:?}", case.rule));
        }
        assert!(
            outcome.warnings.is_empty(),
            "{}: {:?}",
            case.rule,
            outcome.warnings
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Objects for the cross-object and component rules.
const CROSS_OBJECT: &str = r#"apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: orphan, namespace: shop}
spec:
  podSelector:
    matchLabels: {app: nothing-here}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  minReplicas: 2
  maxReplicas: 5
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: front
  namespace: shop
  annotations:
    nginx.ingress.kubernetes.io/server-snippet: "location / { return 200; }"
spec:
  rules:
  - http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service: {name: missing-svc, port: {number: 80}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: ingress-nginx-controller, namespace: ingress-nginx}
data:
  allow-snippet-annotations: "true"
  api_key: 9f8e7d6c5b4a
---
apiVersion: v1
kind: Service
metadata: {name: tiller-deploy, namespace: kube-system}
spec:
  selector: {app: helm, name: tiller}
  ports:
  - port: 22
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: everything}
rules:
- apiGroups: ["*"]
  resources: ["*"]
  verbs: ["*"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: everything-to-ops}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: everything}
subjects:
- {kind: ServiceAccount, name: default, namespace: ops}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: default, namespace: ops}
"#;

/// Rules that need objects the hardened bundle has no place for.
#[test]
fn cross_object_and_component_rules() {
    let text = CROSS_OBJECT;
    let outcome = run(text);
    let at = |needle: &str| line_of(text, needle, 0);
    let cases: &[(&str, &[(&str, u32)])] = &[
        ("BH-K8S-042", &[("/spec/podSelector", at("  podSelector:"))]),
        (
            "BH-K8S-043",
            &[("/spec/scaleTargetRef/name", at("scaleTargetRef"))],
        ),
        (
            "BH-K8S-044",
            &[(
                "/spec/rules/0/http/paths/0/backend/service/name",
                at("missing-svc"),
            )],
        ),
        (
            "BH-K8S-067",
            &[
                (
                    "/metadata/annotations/nginx.ingress.kubernetes.io~1server-snippet",
                    at("server-snippet"),
                ),
                ("/data/allow-snippet-annotations", at("allow-snippet")),
            ],
        ),
        ("BH-K8S-026", &[("/data/api_key", at("api_key:"))]),
        (
            "BH-K8S-065",
            &[("/metadata/name", at("name: tiller-deploy"))],
        ),
        ("BH-K8S-050", &[("/spec/ports/0/port", at("- port: 22"))]),
        ("BH-K8S-058", &[("/roleRef/name", at("roleRef:"))]),
        (
            "BH-K8S-034",
            &[
                ("/subjects/0/name", at("name: default, namespace: ops}")),
                // The ServiceAccount `default` itself: the field is missing, so its parent
                // (the whole object, from its first line) is where it points.
                (
                    "/automountServiceAccountToken",
                    line_of(text, "metadata: {name: default, namespace: ops}", 0) - 2,
                ),
            ],
        ),
    ];
    for (rule, want) in cases {
        let want: BTreeSet<(String, u32)> =
            want.iter().map(|(p, l)| ((*p).to_owned(), *l)).collect();
        assert_eq!(of_rule(&outcome, rule), want, "{rule}");
    }
    // The `*/*/*` ClusterRole: every K42 role rule at its first wildcard or its resources.
    for rule in [
        "BH-K8S-054",
        "BH-K8S-055",
        "BH-K8S-056",
        "BH-K8S-057",
        "BH-K8S-059",
        "BH-K8S-060",
        "BH-K8S-061",
        "BH-K8S-062",
        "BH-K8S-063",
    ] {
        let got = of_rule(&outcome, rule);
        assert_eq!(got.len(), 1, "{rule}: {got:?}");
        let (pointer, line) = got.into_iter().next().unwrap();
        assert!(pointer.starts_with("/rules/0/"), "{rule}: {pointer}");
        let field = pointer.split('/').nth(3).unwrap();
        assert_eq!(
            line,
            line_of(text, &format!("  {field}: [\"*\"]"), 0),
            "{rule}"
        );
    }
}

#[test]
fn list_items_and_multiple_documents_point_into_their_item() {
    let text = r"apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: a, namespace: shop}
  spec:
    containers:
    - name: app
      image: busybox
      securityContext:
        privileged: true
";
    let outcome = run(text);
    let got = of_rule(&outcome, "BH-K8S-001");
    let want = BTreeSet::from([(
        "/items/0/spec/containers/0/securityContext/privileged".to_owned(),
        line_of(text, "privileged: true", 0),
    )]);
    assert_eq!(got, want);
    let f = outcome
        .findings
        .iter()
        .find(|f| f.rule.id == "BH-K8S-001")
        .unwrap();
    assert_eq!(f.title, "Container \"app\" of Pod shop/a is privileged");
    assert!(f.rule.aliases.iter().any(|a| a == "KSV017"));
}

#[test]
fn inline_suppressions_and_init_containers() {
    let text = r"apiVersion: v1
kind: Pod
metadata: {name: a, namespace: shop}
spec:
  initContainers:
  - name: setup
    image: busybox:1.36
    securityContext:
      # checkov:skip=CKV_K8S_16: needs to load a kernel module
      privileged: true
  containers:
  - name: app
    image: busybox:1.36
    securityContext:
      privileged: true  # bulkhead:ignore=BH-K8S-001 reviewed in SEC-12
";
    let outcome = run(text);
    assert!(of_rule(&outcome, "BH-K8S-001").is_empty());
    let reasons: Vec<&str> = outcome
        .suppressed
        .iter()
        .filter(|s| s.finding.rule.id == "BH-K8S-001")
        .map(|s| s.reason.as_str())
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons.iter().any(|r| r.starts_with("needs to load")));
    assert!(reasons.iter().any(|r| r.starts_with("reviewed in SEC-12")));
}

#[test]
fn every_rule_has_a_case() {
    let mut covered: BTreeSet<&str> = CASES.iter().map(|c| c.rule).collect();
    covered.extend(["BH-K8S-042", "BH-K8S-043", "BH-K8S-044", "BH-K8S-067"]);
    let missing: Vec<&str> = RULES
        .iter()
        .map(|r| r.id)
        .filter(|id| !covered.contains(id))
        .collect();
    assert!(missing.is_empty(), "rules without a case: {missing:?}");
}

// ---------------------------------------------------------------------------------------------
// The Pod Security Admission conformance pods.

/// Which of our rules report each upstream check (the rule map's themes: K1, K3, K9–K12,
/// K16, K18, K19, K22, K25, K29–K32, and the two PSS-only rules).
fn rules_for_check(check: &str) -> &'static [&'static str] {
    match check {
        "privileged" => &["BH-K8S-001"],
        "runAsNonRoot" | "runAsUser" => &["BH-K8S-003"],
        "allowPrivilegeEscalation" => &["BH-K8S-009"],
        "hostNamespaces" => &["BH-K8S-010", "BH-K8S-011", "BH-K8S-012"],
        // At `restricted` upstream reports capabilities_baseline's pods under
        // capabilities_restricted; either theme's rule counts.
        "capabilities_baseline" | "capabilities_restricted" => &["BH-K8S-016", "BH-K8S-022"],
        "hostPathVolumes" => &["BH-K8S-018"],
        "restrictedVolumes" => &["BH-K8S-018", "BH-K8S-068"],
        "seccompProfile_baseline" | "seccompProfile_restricted" => &["BH-K8S-019"],
        "hostPorts" => &["BH-K8S-025"],
        "windowsHostProcess" => &["BH-K8S-029"],
        "procMount" | "procMount_restricted" => &["BH-K8S-030"],
        "sysctls" => &["BH-K8S-031"],
        "appArmorProfile" | "seLinuxOptions" => &["BH-K8S-032"],
        "hostProbesAndHostLifecycle" => &["BH-K8S-069"],
        other => panic!("no rule mapped to upstream check {other}"),
    }
}

const PSS_RULES: &[&str] = &[
    "BH-K8S-001",
    "BH-K8S-003",
    "BH-K8S-009",
    "BH-K8S-010",
    "BH-K8S-011",
    "BH-K8S-012",
    "BH-K8S-016",
    "BH-K8S-018",
    "BH-K8S-019",
    "BH-K8S-022",
    "BH-K8S-025",
    "BH-K8S-029",
    "BH-K8S-030",
    "BH-K8S-031",
    "BH-K8S-032",
    "BH-K8S-068",
    "BH-K8S-069",
];

/// The rules only baseline checks report (K19 and K30 are shared with restricted checks).
const BASELINE_ONLY_RULES: &[&str] = &[
    "BH-K8S-001",
    "BH-K8S-010",
    "BH-K8S-011",
    "BH-K8S-012",
    "BH-K8S-018",
    "BH-K8S-022",
    "BH-K8S-025",
    "BH-K8S-029",
    "BH-K8S-031",
    "BH-K8S-032",
    "BH-K8S-069",
];

#[test]
#[allow(clippy::print_stderr)]
fn pod_security_admission_fixtures() {
    let root = bulkhead_test::shared_dir().join("peer-data/pod-security-admission/test/testdata");
    let started = Instant::now();
    let mut total = 0;
    let mut judged: BTreeMap<(String, bool), usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for level in ["baseline", "restricted"] {
        for version in fs_err::read_dir(root.join(level)).unwrap() {
            let version = version.unwrap().path();
            let latest = version.file_name().unwrap() == "v1.37";
            for (outcome_dir, pass) in [("pass", true), ("fail", false)] {
                let dir = version.join(outcome_dir);
                if !dir.exists() {
                    continue;
                }
                for entry in fs_err::read_dir(&dir).unwrap() {
                    let file = entry.unwrap().path();
                    let text = fs_err::read_to_string(&file).unwrap();
                    // Every fixture goes through the rules (no panic, no warning)...
                    let outcome = run_files(&[(file.to_str().unwrap(), &text)]);
                    total += 1;
                    assert!(
                        outcome.warnings.is_empty(),
                        "{}: {:?}",
                        file.display(),
                        outcome.warnings
                    );
                    // ...and at v1.37 the verdict must be upstream's.
                    if !latest {
                        continue;
                    }
                    *judged.entry((level.to_owned(), pass)).or_default() += 1;
                    let stem = file.file_stem().unwrap().to_str().unwrap();
                    let prefix = stem.trim_end_matches(|c: char| c.is_ascii_digit());
                    // A baseline pod may fail restricted checks: at baseline only the rules
                    // no restricted check reports count.
                    let judged_rules = if level == "baseline" && pass {
                        BASELINE_ONLY_RULES
                    } else {
                        PSS_RULES
                    };
                    let found: BTreeSet<&str> = outcome
                        .findings
                        .iter()
                        .map(|f| f.rule.id.as_str())
                        .filter(|id| judged_rules.contains(id))
                        .collect();
                    if pass {
                        if !found.is_empty() {
                            failures.push(format!("{}: pass pod, yet {found:?}", file.display()));
                        }
                        continue;
                    }
                    let check = bulkhead_policy::pss::checks()
                        .iter()
                        .find(|c| c.id.to_ascii_lowercase() == prefix)
                        .unwrap_or_else(|| panic!("{}: no check {prefix}", file.display()))
                        .id;
                    let wanted = rules_for_check(check);
                    if !wanted.iter().any(|id| found.contains(id)) {
                        failures.push(format!(
                            "{}: fail pod of {check}, wanted one of {wanted:?}, got {found:?}",
                            file.display()
                        ));
                    }
                }
            }
        }
    }
    eprintln!(
        "{total} PSA fixtures through analyze in {:.2?}; judged at v1.37: {judged:?}",
        started.elapsed()
    );
    assert_eq!(total, 4537, "the NOTE.md count of fixtures");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // restricted/v1.37 has 76 fail and 23 pass pods; baseline/v1.37 52 in all.
    assert_eq!(judged[&("restricted".to_owned(), false)], 76);
    assert_eq!(judged[&("restricted".to_owned(), true)], 23);
}

// ---------------------------------------------------------------------------------------------
// Hostile input.

const PRIVILEGED_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: ok, namespace: shop}\nspec:\n  containers:\n  - name: app\n    image: busybox:1.36\n    securityContext: {privileged: true}\n";

#[allow(clippy::print_stderr)]
fn bounded(what: &str, limit: Duration, f: impl FnOnce() -> Outcome) -> Outcome {
    let started = Instant::now();
    let outcome = f();
    let took = started.elapsed();
    eprintln!(
        "{what}: {took:.2?}, {} findings, {} warnings",
        outcome.findings.len(),
        outcome.warnings.len()
    );
    assert!(took < limit, "{what} took {took:?}");
    outcome
}

#[test]
fn hostile_documents_cost_only_themselves() {
    let laughs = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n\
         b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n\
         d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n\
         f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n\
         h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n\
         apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\n";
    let deep = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: deep}}\ndata:\n{}",
        {
            let mut s = String::new();
            for depth in 0..10_000 {
                s.push_str(&" ".repeat(depth + 1));
                s.push_str("k:\n");
            }
            s
        }
    );
    let duplicate = "apiVersion: v1\nkind: Pod\nmetadata: {name: dup}\nspec:\n  containers: []\n  containers:\n  - name: x\n    securityContext: {privileged: true}\n";
    let null_shapes = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: nulls}\nspec:\n  template:\n    spec:\n      securityContext: null\n      containers: null\n---\napiVersion: batch/v1\nkind: CronJob\nmetadata: {name: cj}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          securityContext:\n          containers:\n          - name: c\n            image: 7\n            securityContext: {privileged: \"yes\", capabilities: {add: 5}}\n            env: [{name: 1, value: {a: b}}]\n            ports: [{containerPort: \"22\"}, null]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: odd}\nrules: [null, {verbs: \"*\"}, {apiGroups: [1], resources: [[]], verbs: [{}]}]\n";
    let docs = [
        ("laughs.yaml", laughs.to_owned()),
        ("deep.yaml", deep),
        ("dup.yaml", duplicate.to_owned()),
        ("nulls.yaml", null_shapes.to_owned()),
    ];
    for (name, doc) in &docs {
        // Each hostile document sits between two good ones.
        let text = format!("{PRIVILEGED_POD}---\n{doc}---\n{PRIVILEGED_POD}");
        let outcome = bounded(name, Duration::from_secs(20), || {
            run_files(&[(name, &text)])
        });
        let privileged = outcome
            .findings
            .iter()
            .filter(|f| f.rule.id == "BH-K8S-001" && f.title.contains("Pod shop/ok"))
            .count();
        assert_eq!(
            privileged, 2,
            "{name}: the good documents' findings survive"
        );
        if *name != "nulls.yaml" {
            assert!(
                outcome.warnings.iter().any(|w| w.contains(name)),
                "{name}: {:?}",
                outcome.warnings
            );
        }
    }
    // Non-UTF-8: that document is a warning, the others are judged.
    let mut bytes = PRIVILEGED_POD.as_bytes().to_vec();
    bytes.extend_from_slice(
        b"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: \xff\xfe}\n---\n",
    );
    bytes.extend_from_slice(PRIVILEGED_POD.as_bytes());
    let outcome = analyze(&[ManifestFile {
        path: "latin1.yaml".into(),
        bytes,
    }]);
    assert_eq!(of_rule(&outcome, "BH-K8S-001").len(), 2);
    assert!(
        outcome.warnings.iter().any(|w| w.contains("UTF-8")),
        "{:?}",
        outcome.warnings
    );
    // Wrong types are warnings about what could not be judged, never panics.
    let outcome = run(null_shapes);
    assert!(
        outcome
            .warnings
            .iter()
            .any(|w| w.contains("could not judge")),
        "{:?}",
        outcome.warnings
    );
}

/// Evidence is the offending line, found from the field's offset: a large file with many
/// findings stays linear (counting lines from the top for each finding would not).
#[test]
fn evidence_in_a_large_file_with_many_findings() {
    let mut text = String::new();
    let mut pods = 0;
    while text.len() < 1_000_000 {
        write!(
            text,
            "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p{pods}, namespace: shop}}\nspec:\n  containers:\n  - name: c\n    image: busybox:1.36\n    securityContext: {{privileged: true}}\n"
        )
        .unwrap();
        pods += 1;
    }
    let outcome = bounded("1 MB of privileged pods", Duration::from_secs(120), || {
        run(&text)
    });
    let privileged: Vec<&Finding> = outcome
        .findings
        .iter()
        .filter(|f| f.rule.id == "BH-K8S-001")
        .collect();
    assert_eq!(privileged.len(), pods);
    let last = privileged.last().unwrap();
    let (_, line) = place(last);
    let evidence = last.evidence.as_ref().unwrap();
    assert_eq!(evidence.first_line, Some(line));
    assert_eq!(evidence.text, text.lines().nth(line as usize - 1).unwrap());
    assert!(evidence.text.contains("privileged: true"));
}

/// Peak resident memory of this process so far, in MiB (Linux `VmHWM`).
fn peak_rss_mib() -> u64 {
    let status = fs_err::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0)
        / 1024
}

/// A 100 MB manifest of many documents goes through in bounded time: the per-object rules run
/// document by document and only light copies of the workloads are indexed, so memory stays far
/// below the loader's ~10x of the whole text. The bundle is hardened (no finding) so that the
/// findings themselves do not dominate the memory. (Peak RSS is per process and tests run in
/// parallel threads: the figure printed is an upper bound; `bench/misconfig-k8s.sh` measures the
/// binary alone.)
#[test]
#[allow(clippy::print_stderr)]
fn a_100_mb_manifest() {
    // Unoptimised (`cargo test` without `--release`), the loader and the PSS checks run about
    // 10x slower; the text is then 10 MB so the suite stays quick, and `--release` runs 100 MB.
    let size = 100_000_000;
    let mut text = String::with_capacity(size + (1 << 20));
    for team in 0..50 {
        write!(
            text,
            "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: default-deny, namespace: team-{team}}}\nspec:\n  podSelector: {{}}\n  policyTypes: [Ingress, Egress]\n\
             ---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: backend, namespace: team-{team}}}\nspec:\n  maxUnavailable: 1\n  selector: {{matchLabels: {{tier: backend}}}}\n\
             ---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: app, namespace: team-{team}}}\nautomountServiceAccountToken: false\n"
        )
        .unwrap();
    }
    let mut i = 0;
    while text.len() < size {
        let deployment = hardened()
            .split("---\n")
            .nth(1)
            .unwrap()
            .replace(
                "name: web\n  namespace: shop",
                &format!("name: app-{i}\n  namespace: team-{}", i % 50),
            )
            .replace(
                "      labels:\n        app: web\n",
                "      labels:\n        app: web\n        tier: backend\n",
            )
            .replace("app: web", &format!("app: app-{i}"))
            .replace("serviceAccountName: web", "serviceAccountName: app");
        text.push_str("---\n");
        text.push_str(&deployment);
        i += 1;
    }
    let before = peak_rss_mib();
    let outcome = bounded("large manifest", Duration::from_secs(300), || {
        run_files(&[("big.yaml", &text)])
    });
    eprintln!(
        "{} MB manifest ({i} Deployments): peak RSS {} MiB (before: {before} MiB)",
        text.len() / 1_000_000,
        peak_rss_mib()
    );
    assert!(
        outcome.warnings.is_empty(),
        "{:?}",
        &outcome.warnings[..outcome.warnings.len().min(3)]
    );
    assert!(
        outcome.findings.is_empty(),
        "{:#?}",
        &outcome.findings[..outcome.findings.len().min(3)]
    );
}
