//! Which files the misconfiguration rules read, by name, as Trivy and hadolint pick them.

/// A Dockerfile by name: `Dockerfile`, `Containerfile`, `Dockerfile.prod`, `prod.Dockerfile`,
/// `x.dockerfile` (case-insensitive).
pub fn is_dockerfile(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    ["dockerfile", "containerfile"].iter().any(|base| {
        name == *base
            || name
                .strip_prefix(base)
                .is_some_and(|rest| rest.starts_with('.'))
            || name
                .strip_suffix(base)
                .is_some_and(|rest| rest.ends_with('.'))
    })
}

/// A file that may hold Kubernetes objects: YAML or JSON by extension. Whether it does is
/// the loader's call (non-Kubernetes YAML is skipped there with a reason).
pub fn is_manifest_candidate(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    [".yaml", ".yml", ".json"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for yes in [
            "Dockerfile",
            "a/b/Dockerfile",
            "Dockerfile.prod",
            "prod.Dockerfile",
            "x.dockerfile",
            "Containerfile",
        ] {
            assert!(is_dockerfile(yes), "{yes}");
        }
        for no in [
            "Dockerfiles",
            "dockerfile-lint.md",
            "mydockerfile",
            "README",
        ] {
            assert!(!is_dockerfile(no), "{no}");
        }
        assert!(is_manifest_candidate("k8s/deploy.YAML"));
        assert!(!is_manifest_candidate("values.tpl"));
    }
}
