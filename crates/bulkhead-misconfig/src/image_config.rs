//! Checks of a built image's configuration and history: what can still be judged when the
//! Dockerfile is not at hand (an image pulled from a registry). Secrets in `Env`, labels and
//! history are the secret scanner's job (`bulkhead-secrets`), not repeated here.

use bulkhead_finding::{Finding, Location};

use crate::registry::rule;

/// What the checks read from an image configuration (OCI `config` plus Docker's
/// `Healthcheck`, which the OCI spec does not define).
#[derive(Debug, Clone, Default)]
pub struct ImageFacts<'a> {
    /// `config.User` (empty or absent: root).
    pub user: Option<&'a str>,
    /// `config.ExposedPorts` keys (`22/tcp`).
    pub exposed_ports: &'a [String],
    /// `config.Healthcheck.Test`, if the config has one (`["NONE"]` disables it).
    pub healthcheck: Option<&'a [String]>,
    /// Each history step's `created_by`, in order.
    pub history: &'a [String],
}

/// Runs every image-configuration rule.
pub fn check(facts: &ImageFacts<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let config = |field: &str| Location::Image {
        layer: None,
        path: Some(format!("config:{field}")),
        line: None,
        column: None,
    };
    if runs_as_root(facts.user) {
        let user = facts.user.unwrap_or("").trim();
        let detail = if user.is_empty() {
            "The image sets no USER, so it runs as root".to_owned()
        } else {
            format!("The image's USER is {user:?}, which is root")
        };
        out.push(crate::finding(
            rule("BH-IMG-001"),
            config("User"),
            &detail,
            Some(crate::text_evidence(format!("User: {user:?}"))),
        ));
    }
    for port in facts.exposed_ports {
        if port.split('/').next().is_some_and(|p| p.trim() == "22") {
            out.push(crate::finding(
                rule("BH-IMG-002"),
                config("ExposedPorts"),
                &format!("The image exposes {port}"),
                Some(crate::text_evidence(port.clone())),
            ));
        }
    }
    let disabled = facts
        .healthcheck
        .is_some_and(|test| test.first().is_some_and(|t| t.eq_ignore_ascii_case("NONE")));
    if facts.healthcheck.is_none_or(<[String]>::is_empty) || disabled {
        out.push(crate::finding(
            rule("BH-IMG-003"),
            config("Healthcheck"),
            if disabled {
                "The image's HEALTHCHECK is NONE"
            } else {
                ""
            },
            None,
        ));
    }
    for (step, created_by) in facts.history.iter().enumerate() {
        let location = || config(&format!("history[{step}]"));
        if let Some(url) = remote_add(created_by) {
            out.push(crate::finding(
                rule("BH-IMG-004"),
                location(),
                &format!("History step {step} ADDs {url}"),
                Some(crate::text_evidence(excerpt(created_by))),
            ));
        }
        if runs_sudo(created_by) {
            out.push(crate::finding(
                rule("BH-IMG-005"),
                location(),
                &format!("History step {step} runs sudo"),
                Some(crate::text_evidence(excerpt(created_by))),
            ));
        }
    }
    out
}

/// `USER` empty, `root`, `0`, or `root:…`/`0:…` (a group does not change the user).
fn runs_as_root(user: Option<&str>) -> bool {
    let user = user.unwrap_or("").trim();
    let name = user.split(':').next().unwrap_or("");
    name.is_empty() || name == "root" || name == "0"
}

/// The URL an `ADD` history step fetched. BuildKit records `ADD https://… /dst` (or with
/// `--checksum=`, which makes it verified and fine); the classic builder records
/// `/bin/sh -c #(nop) ADD file:… in /` for local files and the URL for remote ones.
fn remote_add(created_by: &str) -> Option<&str> {
    let text = created_by.trim();
    let text = text
        .strip_prefix("/bin/sh -c #(nop)")
        .map_or(text, str::trim_start);
    let rest = text.strip_prefix("ADD ")?;
    let mut words = rest.split_whitespace();
    let mut checksum = false;
    for word in words.by_ref() {
        if let Some(flag) = word.strip_prefix("--") {
            checksum |= flag.starts_with("checksum=");
            continue;
        }
        let is_url = ["http://", "https://", "git@"]
            .iter()
            .any(|scheme| word.starts_with(scheme));
        return (is_url && !checksum).then_some(word);
    }
    None
}

/// A history step that runs `sudo` as a command (word boundaries, not `sudoers` paths).
fn runs_sudo(created_by: &str) -> bool {
    created_by
        .split(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '|' | '(' | ')'))
        .any(|word| word == "sudo")
}

fn excerpt(text: &str) -> String {
    const MAX: usize = 300;
    if text.len() <= MAX {
        return text.to_owned();
    }
    let mut end = MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(facts: &ImageFacts<'_>) -> Vec<String> {
        check(facts).into_iter().map(|f| f.rule.id).collect()
    }

    #[test]
    fn root_ssh_no_healthcheck_remote_add_sudo() {
        let history = vec![
            "/bin/sh -c #(nop) ADD file:abc in / ".to_owned(),
            "ADD https://example.com/tool.tgz /opt/ # buildkit".to_owned(),
            "ADD --checksum=sha256:00 https://example.com/ok.tgz /opt/".to_owned(),
            "RUN /bin/sh -c apt-get update && sudo make install # buildkit".to_owned(),
            "RUN /bin/sh -c cp sudoers /etc/ # buildkit".to_owned(),
        ];
        let ports = vec!["22/tcp".to_owned(), "8080/tcp".to_owned()];
        let facts = ImageFacts {
            user: None,
            exposed_ports: &ports,
            healthcheck: None,
            history: &history,
        };
        assert_eq!(
            ids(&facts),
            [
                "BH-IMG-001",
                "BH-IMG-002",
                "BH-IMG-003",
                "BH-IMG-004",
                "BH-IMG-005"
            ]
        );
        let findings = check(&facts);
        assert_eq!(
            findings[3].title,
            "History step 1 ADDs https://example.com/tool.tgz"
        );
        assert_eq!(findings[4].title, "History step 3 runs sudo");
    }

    #[test]
    fn a_clean_image() {
        let test = vec!["CMD".to_owned(), "true".to_owned()];
        let facts = ImageFacts {
            user: Some("1000:1000"),
            exposed_ports: &[],
            healthcheck: Some(&test),
            history: &[],
        };
        assert!(ids(&facts).is_empty());
        for user in ["root", "0", "0:0", "root:wheel", " "] {
            let facts = ImageFacts {
                user: Some(user),
                ..facts.clone()
            };
            assert_eq!(ids(&facts), ["BH-IMG-001"], "{user:?}");
        }
        let none = vec!["NONE".to_owned()];
        let facts = ImageFacts {
            healthcheck: Some(&none),
            ..facts.clone()
        };
        assert_eq!(ids(&facts), ["BH-IMG-003"]);
    }
}
