//! Policy decisions: what a workload may do, judged once and reused by every front door.
//!
//! Today this crate holds the Kubernetes **Pod Security Standards** ([`pss`]): the
//! `baseline` and `restricted` levels at every policy version from v1.0, ported check by
//! check from upstream Pod Security Admission (`k8s.io/pod-security-admission/policy`) and
//! tested against its conformance fixtures. The misconfiguration scanner (`bulkhead
//! config`) turns each [`pss::Violation`] into a finding; the admission webhook will turn
//! the same list into a denial.
//!
//! Input is a pod's metadata and spec as [`serde_json::Value`] (a Pod's own, or the pod
//! template of a Deployment, Job, …: the caller extracts it); output is a list of
//! violations, each with upstream's check id, reason and detail, and JSON pointers to the
//! offending fields. Hostile input is expected: wrong types, `null`s, huge lists and
//! strings never panic, and a field of the wrong type fails the checks that read it.
//!
//! What it deliberately does not do: parse YAML, find pod templates inside workload kinds,
//! read namespace labels or exemptions, validate objects against the Kubernetes schema, or
//! decide severities and rule ids (the rule registry in `bulkhead-misconfig` does).
//!
//! ```
//! use bulkhead_policy::pss::{Level, Version, evaluate_pod};
//! use serde_json::json;
//!
//! let spec = json!({"containers": [{"name": "app", "securityContext": {"privileged": true}}]});
//! let violations = evaluate_pod(&json!({}), &spec, Level::Baseline, "v1.30".parse().unwrap());
//! assert_eq!(violations[0].check, "privileged");
//! assert_eq!(
//!     violations[0].message(),
//!     r#"privileged (container "app" must not set securityContext.privileged=true)"#
//! );
//! assert_eq!(violations[0].paths[0].pointer(), "/containers/0/securityContext/privileged");
//! assert!(evaluate_pod(&json!({}), &spec, Level::Privileged, Version::Latest).is_empty());
//! ```

pub mod pss;
