//! gitleaks' TOML configuration: the raw serde shape, `[extend]` resolution, and validation.
//!
//! Field names follow gitleaks' documentation (`secretGroup`, `regexTarget`, …). gitleaks
//! reads its config through viper, which matches keys case-insensitively, so the all-lower-case
//! spellings are accepted too. Unknown keys are ignored, as viper does.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::RuleError;

/// How deep `[extend]` chains are followed: the user's config, what it extends, and what
/// that extends; a third level's own `[extend]` is ignored (gitleaks' `maxExtendDepth`).
const MAX_EXTEND_DEPTH: u32 = 2;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawConfig {
    #[serde(default)]
    pub(crate) title: Option<String>,
    #[serde(default)]
    pub(crate) description: Option<String>,
    #[serde(default)]
    extend: Option<RawExtend>,
    #[serde(default)]
    pub(crate) rules: Vec<RawRule>,
    /// The legacy singular `[allowlist]`.
    #[serde(default)]
    allowlist: Option<RawAllowlist>,
    #[serde(default)]
    allowlists: Vec<RawAllowlist>,
}

#[derive(Debug, Default, Deserialize)]
struct RawExtend {
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default, rename = "useDefault", alias = "usedefault")]
    use_default: bool,
    #[serde(default, rename = "disabledRules", alias = "disabledrules")]
    disabled_rules: Vec<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
pub(crate) struct RawRule {
    #[serde(default)]
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) description: String,
    #[serde(default)]
    pub(crate) regex: Option<String>,
    #[serde(default)]
    pub(crate) path: Option<String>,
    #[serde(default, rename = "secretGroup", alias = "secretgroup")]
    pub(crate) secret_group: usize,
    #[serde(default)]
    pub(crate) entropy: f64,
    #[serde(default)]
    pub(crate) keywords: Vec<String>,
    #[serde(default)]
    pub(crate) tags: Vec<String>,
    /// The legacy singular `[rules.allowlist]`.
    #[serde(default)]
    allowlist: Option<RawAllowlist>,
    #[serde(default)]
    pub(crate) allowlists: Vec<RawAllowlist>,
    #[serde(default)]
    pub(crate) required: Vec<RawRequired>,
    #[serde(default, rename = "skipReport", alias = "skipreport")]
    pub(crate) skip_report: bool,
}

#[derive(Debug, Default, Clone, Deserialize)]
pub(crate) struct RawAllowlist {
    #[serde(default)]
    pub(crate) description: String,
    #[serde(default)]
    pub(crate) condition: String,
    #[serde(default)]
    pub(crate) commits: Vec<String>,
    #[serde(default)]
    pub(crate) paths: Vec<String>,
    #[serde(default, rename = "regexTarget", alias = "regextarget")]
    pub(crate) regex_target: String,
    #[serde(default)]
    pub(crate) regexes: Vec<String>,
    #[serde(default, alias = "stopWords")]
    pub(crate) stopwords: Vec<String>,
    /// Only meaningful in a top-level `[[allowlists]]`.
    #[serde(default, rename = "targetRules", alias = "targetrules")]
    target_rules: Vec<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
pub(crate) struct RawRequired {
    #[serde(default)]
    pub(crate) id: String,
    #[serde(default, rename = "withinLines", alias = "withinlines")]
    pub(crate) within_lines: Option<u32>,
    #[serde(default, rename = "withinColumns", alias = "withincolumns")]
    pub(crate) within_columns: Option<u32>,
}

/// A configuration with every `[extend]` applied, ready to compile.
#[derive(Debug, Default)]
pub(crate) struct Resolved {
    pub(crate) title: Option<String>,
    pub(crate) description: Option<String>,
    /// Rules, sorted by id (gitleaks sorts its ordered rule list after extending).
    pub(crate) rules: Vec<RawRule>,
    /// Global allowlists, the config's own first, then those of what it extends.
    pub(crate) allowlists: Vec<RawAllowlist>,
    /// Where each rule came from, for error messages.
    pub(crate) origins: Vec<PathBuf>,
    /// Things gitleaks would log as warnings (a disabled rule that does not exist, …).
    pub(crate) warnings: Vec<String>,
}

/// The file name errors use for the embedded default rules.
pub(crate) const DEFAULT_ORIGIN: &str = "<default gitleaks.toml>";

pub(crate) fn resolve(text: &str, origin: &Path) -> Result<Resolved, RuleError> {
    let mut targeted = Vec::new();
    let mut resolved = load(text, origin, 0, &mut targeted)?;
    // `[[allowlists]]` with `targetRules` become rule allowlists once every extend is merged,
    // so they may name rules that only an extended config defines.
    for (origin, rule_id, allowlist) in targeted {
        let Some(rule) = resolved.rules.iter_mut().find(|r| r.id == rule_id) else {
            return Err(RuleError::Invalid {
                origin,
                message: format!("[[allowlists]] target rule `{rule_id}` does not exist"),
            });
        };
        rule.allowlists.push(allowlist);
    }
    Ok(resolved)
}

type Targeted = Vec<(PathBuf, String, RawAllowlist)>;

fn load(
    text: &str,
    origin: &Path,
    depth: u32,
    targeted: &mut Targeted,
) -> Result<Resolved, RuleError> {
    let invalid = |message: String| RuleError::Invalid {
        origin: origin.to_path_buf(),
        message,
    };
    let raw: RawConfig = toml::from_str(text).map_err(|source| RuleError::Toml {
        origin: origin.to_path_buf(),
        source: Box::new(source),
    })?;
    let mut resolved = Resolved {
        title: raw.title,
        description: raw.description,
        ..Resolved::default()
    };
    for mut rule in raw.rules {
        if let Some(legacy) = rule.allowlist.take() {
            if !rule.allowlists.is_empty() {
                return Err(invalid(format!(
                    "rule `{}`: [rules.allowlist] is deprecated and cannot be used alongside [[rules.allowlists]]",
                    rule.id
                )));
            }
            rule.allowlists.push(legacy);
        }
        for keyword in &mut rule.keywords {
            *keyword = keyword.to_lowercase();
        }
        // A repeated id replaces the earlier rule (gitleaks keeps rules in a map by id).
        if let Some(at) = resolved.rules.iter().position(|r| r.id == rule.id) {
            resolved.rules[at] = rule;
        } else {
            resolved.rules.push(rule);
            resolved.origins.push(origin.to_path_buf());
        }
    }
    let mut allowlists = raw.allowlists;
    if let Some(legacy) = raw.allowlist {
        if !allowlists.is_empty() {
            return Err(invalid(
                "[allowlist] is deprecated and cannot be used alongside [[allowlists]]".to_owned(),
            ));
        }
        allowlists.push(legacy);
    }
    for allowlist in allowlists {
        if allowlist.target_rules.is_empty() {
            resolved.allowlists.push(allowlist);
        } else {
            for rule_id in &allowlist.target_rules {
                targeted.push((origin.to_path_buf(), rule_id.clone(), allowlist.clone()));
            }
        }
    }

    let extend = raw.extend.unwrap_or_default();
    if depth < MAX_EXTEND_DEPTH {
        let path = extend.path.as_deref().filter(|p| !p.is_empty());
        if path.is_some() && extend.use_default {
            return Err(invalid(
                "[extend] sets both `path` and `useDefault`; choose one".to_owned(),
            ));
        }
        let base = if extend.use_default {
            Some(load(
                crate::DEFAULT_TOML,
                Path::new(DEFAULT_ORIGIN),
                depth + 1,
                targeted,
            )?)
        } else if let Some(path) = path {
            let dir = origin.parent().unwrap_or_else(|| Path::new(""));
            let full = dir.join(path);
            let text = fs_err::read_to_string(&full).map_err(|source| RuleError::Extend {
                origin: origin.to_path_buf(),
                path: full.clone(),
                source,
            })?;
            Some(load(&text, &full, depth + 1, targeted)?)
        } else if extend.url.as_deref().is_some_and(|u| !u.is_empty()) {
            return Err(invalid(
                "[extend] `url` is not supported (gitleaks does not implement it either); download the file and use `path`".to_owned(),
            ));
        } else {
            None
        };
        if let Some(base) = base {
            merge(&mut resolved, base, &extend.disabled_rules, origin);
        }
    }
    Ok(resolved)
}

/// gitleaks' `Config.extend`: the base's rules join ours; a rule both define keeps the base's
/// fields except where ours sets them, and the two lists (keywords, tags, allowlists) are
/// concatenated. Our `required` and `skipReport` on such a rule are not merged, as in gitleaks.
fn merge(child: &mut Resolved, base: Resolved, disabled: &[String], origin: &Path) {
    for id in disabled {
        if !base.rules.iter().any(|r| &r.id == id) {
            child.warnings.push(format!(
                "`{}`: disabled rule `{id}` does not exist in the extended config",
                origin.display()
            ));
        }
    }
    child.warnings.extend(base.warnings);
    for (mut rule, rule_origin) in base.rules.into_iter().zip(base.origins) {
        if disabled.contains(&rule.id) {
            continue;
        }
        if let Some(ours) = child.rules.iter_mut().find(|r| r.id == rule.id) {
            if !ours.description.is_empty() {
                rule.description = std::mem::take(&mut ours.description);
            }
            if ours.entropy != 0.0 {
                rule.entropy = ours.entropy;
            }
            if ours.secret_group != 0 {
                rule.secret_group = ours.secret_group;
            }
            if ours.regex.is_some() {
                rule.regex = ours.regex.take();
            }
            if ours.path.is_some() {
                rule.path = ours.path.take();
            }
            rule.tags.append(&mut ours.tags);
            rule.keywords.append(&mut ours.keywords);
            rule.allowlists.append(&mut ours.allowlists);
            *ours = rule;
        } else {
            child.rules.push(rule);
            child.origins.push(rule_origin);
        }
    }
    child.allowlists.extend(base.allowlists);
    let mut paired: Vec<(RawRule, PathBuf)> = std::mem::take(&mut child.rules)
        .into_iter()
        .zip(std::mem::take(&mut child.origins))
        .collect();
    paired.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    (child.rules, child.origins) = paired.into_iter().unzip();
}
