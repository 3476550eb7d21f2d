//! Secret detection over byte buffers, with gitleaks-format rules and gitleaks' semantics.
//!
//! A [`Ruleset`] holds compiled rules, the global allowlists and an Aho-Corasick keyword
//! prefilter. [`Ruleset::default_rules`] is gitleaks' own `gitleaks.toml` (222 rules),
//! embedded at build time; [`Ruleset::from_toml`] loads a user's gitleaks config, including
//! `[extend]` (`useDefault`, `path`, `disabledRules`). [`Ruleset::scan`] takes a logical path
//! and the bytes of one file and appends [`SecretMatch`]es: rule, 1-based line and column,
//! secret, entropy. [`looks_binary`] is the usual "NUL in the first 8 KiB" test callers use to
//! skip binaries.
//!
//! ```
//! use bulkhead_secrets::Ruleset;
//!
//! let rules = Ruleset::default_rules();
//! // Assembled at run time so this file holds no token-shaped string.
//! let token = format!("ghp_{}", "Xk9Qw2Lm7Rt4Vb8Nc3Hj6Pz1Sd5Fg0Ay2Ue7");
//! let mut found = Vec::new();
//! rules.scan("app/.env", format!("GITHUB_TOKEN={token}\n").as_bytes(), &mut found);
//! assert_eq!(found.len(), 1);
//! assert_eq!(found[0].rule_id, "github-pat");
//! assert_eq!((found[0].line, found[0].column), (1, 14));
//! assert_eq!(found[0].secret, token);
//! ```
//!
//! # Semantics (gitleaks v8.30 `detect/detect.go`)
//!
//! 1. The global allowlists' `paths` (and a rule's own) skip the file.
//! 2. Keywords are matched ASCII-case-insensitively over the buffer; a rule runs only if one
//!    of its keywords occurs, or it has none. A rule with `path` runs only on matching paths;
//!    a rule with `path` and no `regex` reports the file itself (line 0).
//! 3. The rule's regex finds matches (leftmost-first, non-overlapping), newlines trimmed from
//!    both ends. The secret is group `secretGroup`, else the first non-empty group, else the
//!    whole match — taken, as gitleaks does, by matching the regex again against the match.
//! 4. A match whose line contains `gitleaks:allow` is dropped.
//! 5. Shannon entropy over the secret's runes, divided by its byte length; with an `entropy`
//!    threshold, the finding is kept only if its entropy is strictly greater.
//! 6. The global allowlists, then the rule's: `regexes` against the secret, the match or the
//!    line (`regexTarget`), `stopwords` as case-insensitive substrings of the secret, `paths`,
//!    combined with OR, or with AND under `condition = "AND"`. All regexes of one allowlist
//!    are joined into one alternation, as gitleaks does — so an inline `(?i)` in one pattern
//!    carries over to the patterns after it, exactly as in gitleaks.
//! 7. `skipReport` rules report nothing; a rule with `required` reports a finding only when
//!    each required rule has a finding within `withinLines`/`withinColumns` of it.
//! 8. A finding of a rule whose id contains `generic` is dropped when a rule without
//!    `generic` found a secret containing it on the same line.
//!
//! Regexes run on `regex-automata`'s meta engine — the engine behind `regex::bytes::Regex`,
//! used directly for its span-confined searches — with Unicode off, so `\w`, `\s`, `\d`
//! and `\b` are ASCII as in Go, and every default rule compiles within the default size
//! limits. Matching is linear in the input; nothing backtracks. Go syntax that Rust reads
//! differently is rewritten first ([`go_regex::translate`]).
//!
//! # Differences from gitleaks
//!
//! - `.` and negated classes match one byte rather than one UTF-8 character, `\s` also
//!   matches `\v`, and case-insensitive matching folds ASCII only. Keywords are matched
//!   ASCII-case-insensitively (gitleaks lower-cases with Unicode rules first, so e.g. the
//!   Kelvin sign counts as `k` there).
//! - Lines and columns are 1-based and byte-based on every line (gitleaks' columns are off
//!   by one after the first line); the line gitleaks tests for `gitleaks:allow` and line
//!   allowlists excludes the newline before it here.
//! - No recursive decoding of base64/hex/percent-encoded text (gitleaks' `--max-decode-depth`).
//! - Commits are not known here: allowlist `commits` never match, so an `AND` allowlist
//!   with `commits` never applies. `[extend] url` is rejected (gitleaks ignores it); an
//!   `[extend] path` is relative to the config file that names it, not the working directory.
//!
//! # Speed
//!
//! gitleaks runs each triggered rule over the whole buffer. When a rule's regex provably
//! spells one of its keywords in every match and spans a bounded number of lines around it
//! (most rules; see `analysis.rs`), the scanner searches only those lines around the keyword
//! hits — with identical results, which [`Ruleset::scan_exhaustive`] (the gitleaks way)
//! exists to check.
//!
//! What this crate deliberately does not do: walk files, read layers or git history, decide
//! severity, or print. Callers bound the size of what they pass in.

mod analysis;
pub mod baseline;
mod config;
mod entropy;
pub mod gitignore;
pub mod go_regex;
mod scan;
mod stream;
pub mod targets;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use rayon::prelude::*;
use regex_automata::meta;
use sha2::{Digest, Sha256};

pub use entropy::shannon_entropy;

/// gitleaks' `config/gitleaks.toml`, copied by `build.rs` (MIT, gitleaks authors).
pub(crate) const DEFAULT_TOML: &str = include_str!(concat!(env!("OUT_DIR"), "/gitleaks.toml"));

/// Compiled-program limit for one regex (the `regex` crate's default is 10 MiB; the largest
/// default rule, `generic-api-key`, needs far less with Unicode off).
const REGEX_SIZE_LIMIT: usize = 32 * 1024 * 1024;
/// Lazy-DFA cache per regex and thread. The `regex` crate's default (2 MiB) is too small for
/// `generic-api-key`: its counted repetitions (`{0,50}?`, `{0,20}`, `{10,150}`) make many
/// states, the cache was cleared over and over, and rebuilding states took a third of the scan
/// time (166 vs 402 MB/s on 70 MB of crate sources, `cargo bench -p bulkhead-secrets`). A cache
/// only grows as states are built, so simple rules stay far below this; the cap bounds the few
/// whose DFA can blow up.
const REGEX_DFA_LIMIT: usize = 8 * 1024 * 1024;
/// Deepest nesting a user's regex may have.
const REGEX_NEST_LIMIT: u32 = 100;

/// A rule set could not be loaded. Every variant names the config file it came from.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RuleError {
    /// The file is not valid TOML or does not have gitleaks' shape.
    #[error("`{}`: invalid gitleaks configuration", .origin.display())]
    Toml {
        origin: PathBuf,
        #[source]
        source: Box<toml::de::Error>,
    },
    /// A regex (`field` says which) that neither Go's nor Rust's syntax accepts, or that is too big.
    #[error("`{}`: {context}: invalid {field} regex `{pattern}`", .origin.display())]
    Regex {
        origin: PathBuf,
        /// `rule `id`` or `global allowlist`.
        context: String,
        field: &'static str,
        pattern: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A value gitleaks rejects: an unknown `condition`, an empty allowlist, a missing id, ….
    #[error("`{}`: {message}", .origin.display())]
    Invalid { origin: PathBuf, message: String },
    /// An `[extend] path` that cannot be read.
    #[error("`{}`: cannot read the extended configuration `{}`", .origin.display(), .path.display())]
    Extend {
        origin: PathBuf,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What a rule's allowlist `regexes` are tested against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RegexTarget {
    Secret,
    Match,
    Line,
}

/// A compiled allowlist (gitleaks' `config.Allowlist`).
#[derive(Debug)]
pub(crate) struct Allowlist {
    /// Index among all allowlists of the ruleset, for per-scan caches.
    pub(crate) uid: usize,
    /// Kept for `Debug` output.
    #[allow(dead_code)]
    pub(crate) description: String,
    pub(crate) and: bool,
    pub(crate) has_commits: bool,
    pub(crate) paths: Option<regex::bytes::Regex>,
    pub(crate) target: RegexTarget,
    pub(crate) regexes: Option<regex::bytes::Regex>,
    pub(crate) stopwords: Option<AhoCorasick>,
}

/// A `[[rules.required]]` entry, resolved to a rule index.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Required {
    pub(crate) rule: usize,
    pub(crate) within_lines: Option<u32>,
    pub(crate) within_columns: Option<u32>,
}

/// One compiled rule. The accessors describe it; the scanner uses the compiled parts.
#[derive(Debug)]
pub struct Rule {
    id: String,
    description: String,
    keywords: Vec<String>,
    entropy: f64,
    tags: Vec<String>,
    regex_source: Option<String>,
    path_source: Option<String>,
    secret_group: usize,
    skip_report: bool,
    required_ids: Vec<String>,
    pub(crate) regex: Option<meta::Regex>,
    pub(crate) path: Option<regex::bytes::Regex>,
    pub(crate) allowlists: Vec<Allowlist>,
    pub(crate) required: Vec<Required>,
    pub(crate) plan: analysis::Plan,
    /// gitleaks' dedupe treats every rule whose id contains `generic` as generic.
    pub(crate) generic: bool,
}

impl Rule {
    /// The stable rule id, e.g. `github-pat`.
    pub fn id(&self) -> &str {
        &self.id
    }
    pub fn description(&self) -> &str {
        &self.description
    }
    /// Lower-cased prefilter keywords; empty means the rule runs on every buffer.
    pub fn keywords(&self) -> &[String] {
        &self.keywords
    }
    /// The minimum Shannon entropy a secret must exceed, if the rule sets one.
    pub fn entropy(&self) -> Option<f64> {
        (self.entropy != 0.0).then_some(self.entropy)
    }
    pub fn tags(&self) -> &[String] {
        &self.tags
    }
    /// The content regex as written in the config (Go syntax), if any.
    pub fn regex(&self) -> Option<&str> {
        self.regex_source.as_deref()
    }
    /// The path regex as written in the config (Go syntax), if any.
    pub fn path(&self) -> Option<&str> {
        self.path_source.as_deref()
    }
    /// `secretGroup`, if set.
    pub fn secret_group(&self) -> Option<usize> {
        (self.secret_group != 0).then_some(self.secret_group)
    }
    pub fn skip_report(&self) -> bool {
        self.skip_report
    }
    /// Ids of the rules this composite rule requires.
    pub fn required(&self) -> &[String] {
        &self.required_ids
    }
    /// Whether the scanner searches only lines around keyword hits for this rule (an
    /// optimisation with identical results; see the crate docs).
    pub fn is_windowed(&self) -> bool {
        matches!(self.plan, analysis::Plan::Lines { .. })
    }
}

/// Compiled rules, global allowlists and the keyword prefilter. Cheap to share across
/// threads: scanning takes `&self`.
#[derive(Debug)]
pub struct Ruleset {
    title: Option<String>,
    description: Option<String>,
    pub(crate) rules: Vec<Rule>,
    pub(crate) global: Vec<Allowlist>,
    /// Over the distinct lower-cased keywords; `None` if no rule has keywords.
    pub(crate) prefilter: Option<AhoCorasick>,
    /// Keyword index → the rules that list it.
    pub(crate) keyword_rules: Vec<Vec<usize>>,
    /// Rules without keywords: they run on every buffer.
    pub(crate) unconditional: Vec<usize>,
    warnings: Vec<String>,
}

impl Ruleset {
    /// gitleaks' default rules, compiled on first use.
    pub fn default_rules() -> &'static Ruleset {
        static DEFAULT: OnceLock<Ruleset> = OnceLock::new();
        DEFAULT.get_or_init(|| {
            // The embedded file is checked by this crate's tests; failing here would mean a
            // build that embedded something else, which build.rs rejects.
            #[allow(clippy::expect_used)]
            Ruleset::from_toml(DEFAULT_TOML, Path::new(config::DEFAULT_ORIGIN))
                .expect("the embedded gitleaks.toml compiles")
        })
    }

    /// The text of the embedded default configuration (gitleaks' `config/gitleaks.toml`).
    pub fn default_toml() -> &'static str {
        DEFAULT_TOML
    }

    /// Loads a gitleaks configuration. `origin` is the file the text came from: errors name
    /// it, and an `[extend] path` is resolved against its directory.
    pub fn from_toml(text: &str, origin: &Path) -> Result<Ruleset, RuleError> {
        let resolved = config::resolve(text, origin)?;
        Self::compile(resolved)
    }

    /// Every rule, in the config's order (sorted by id once `[extend]` merged configs).
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter()
    }

    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    pub fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }

    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// What gitleaks would have logged while loading: e.g. a disabled rule that does not exist.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Whether a global allowlist skips `path` whatever its content (images, fonts,
    /// lockfiles, `node_modules`, virtualenvs): callers check this before reading a file.
    pub fn path_is_allowlisted(&self, path: &str) -> bool {
        self.global.iter().any(|a| scan::path_allowed(a, path))
    }

    /// Scans one buffer. `path` is the logical path (`/`-separated, as the user should see
    /// it) that path rules and path allowlists test; findings are appended to `out` in
    /// (line, column, rule id) order.
    pub fn scan(&self, path: &str, content: &[u8], out: &mut Vec<SecretMatch>) {
        scan::scan(self, path, content, out, scan::Mode::Windowed);
    }

    /// [`scan`](Self::scan) over a reader, one window of about 8 MiB at a time, for input
    /// too large to hold in memory. Offsets, lines and columns are those of the whole input.
    /// Matches longer than 64 KiB crossing a window boundary are cut, and lines longer than
    /// that are seen in parts (see the `stream` module); otherwise the findings equal
    /// [`scan`](Self::scan) on the whole input. Only the reader's errors are returned.
    pub fn scan_reader(
        &self,
        path: &str,
        reader: &mut dyn std::io::Read,
        out: &mut Vec<SecretMatch>,
    ) -> std::io::Result<()> {
        stream::scan_reader(self, path, reader, stream::CHUNK, stream::CONTEXT, out)
    }

    /// The same results as [`scan`](Self::scan), computed the way gitleaks does: every
    /// triggered rule searches the whole buffer. Slower; it exists as the reference the
    /// windowed search is tested (and fuzzed) against.
    pub fn scan_exhaustive(&self, path: &str, content: &[u8], out: &mut Vec<SecretMatch>) {
        scan::scan(self, path, content, out, scan::Mode::Exhaustive);
    }

    fn compile(resolved: config::Resolved) -> Result<Ruleset, RuleError> {
        let mut allowlist_count = 0;
        let global = resolved
            .allowlists
            .iter()
            .map(|raw| {
                compile_allowlist(
                    raw,
                    Path::new("<global allowlist>"),
                    "global allowlist",
                    &mut allowlist_count,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        // Rules compile in parallel (about half of the 50 ms start-up of a scan on two
        // cores); each numbers its allowlists from its own base, as a sequential pass would.
        // Allowlists of extended configs come from other files; errors name the rule's file.
        let bases: Vec<usize> = resolved
            .rules
            .iter()
            .scan(allowlist_count, |next, raw| {
                let base = *next;
                *next += raw.allowlists.len();
                Some(base)
            })
            .collect();
        let compiled: Vec<Result<Rule, RuleError>> = resolved
            .rules
            .par_iter()
            .zip(&resolved.origins)
            .zip(bases)
            .map(|((raw, origin), mut base)| compile_rule(raw, origin, &mut base))
            .collect();
        // The first error in file order, whichever thread met it first.
        let mut rules = compiled.into_iter().collect::<Result<Vec<_>, _>>()?;
        // `required` ids resolve once every rule is known.
        for (i, raw) in resolved.rules.iter().enumerate() {
            for req in &raw.required {
                let Some(target) = resolved.rules.iter().position(|r| r.id == req.id) else {
                    return Err(RuleError::Invalid {
                        origin: resolved.origins[i].clone(),
                        message: format!(
                            "rule `{}`: required rule `{}` does not exist",
                            raw.id, req.id
                        ),
                    });
                };
                rules[i].required.push(Required {
                    rule: target,
                    within_lines: req.within_lines,
                    within_columns: req.within_columns,
                });
            }
        }

        let mut keywords: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        let mut unconditional = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            if rule.keywords.is_empty() {
                unconditional.push(i);
            }
            for keyword in &rule.keywords {
                let k = if let Some(k) = keywords.iter().position(|k| k == keyword) {
                    k
                } else {
                    keywords.push(keyword.clone());
                    keyword_rules.push(Vec::new());
                    keywords.len() - 1
                };
                if !keyword_rules[k].contains(&i) {
                    keyword_rules[k].push(i);
                }
            }
        }
        let prefilter = if keywords.is_empty() {
            None
        } else {
            // A full DFA scans about 3x faster than the default contiguous NFA here (the
            // keyword pass is most of a scan); a huge user keyword list falls back to the NFA.
            let build = |kind| {
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .kind(kind)
                    .build(&keywords)
            };
            Some(
                build(Some(AhoCorasickKind::DFA))
                    .or_else(|_| build(None))
                    .map_err(|e| RuleError::Invalid {
                        origin: PathBuf::from("<keywords>"),
                        message: format!("cannot build the keyword prefilter: {e}"),
                    })?,
            )
        };
        Ok(Ruleset {
            title: resolved.title,
            description: resolved.description,
            rules,
            global,
            prefilter,
            keyword_rules,
            unconditional,
            warnings: resolved.warnings,
        })
    }
}

fn compile_rule(
    raw: &config::RawRule,
    origin: &Path,
    allowlist_count: &mut usize,
) -> Result<Rule, RuleError> {
    let invalid = |message: String| RuleError::Invalid {
        origin: origin.to_path_buf(),
        message,
    };
    if raw.id.trim().is_empty() {
        let hint = raw
            .regex
            .as_deref()
            .map(|r| format!(" (regex `{r}`)"))
            .or_else(|| raw.path.as_deref().map(|p| format!(" (path `{p}`)")))
            .unwrap_or_default();
        return Err(invalid(format!("a rule has no `id`{hint}")));
    }
    let context = format!("rule `{}`", raw.id);
    let regex_source = raw.regex.clone().filter(|r| !r.is_empty());
    let path_source = raw.path.clone().filter(|p| !p.is_empty());
    if regex_source.is_none() && path_source.is_none() {
        return Err(invalid(format!(
            "{context}: both `regex` and `path` are empty, so the rule would never match"
        )));
    }
    let mut plan = analysis::Plan::Whole;
    let regex = match &regex_source {
        Some(pattern) => {
            let (hir, regex) = compile_meta(pattern).map_err(|source| RuleError::Regex {
                origin: origin.to_path_buf(),
                context: context.clone(),
                field: "rule",
                pattern: pattern.clone(),
                source,
            })?;
            let groups = hir.properties().explicit_captures_len();
            if raw.secret_group > groups {
                return Err(invalid(format!(
                    "{context}: `secretGroup` is {} but the regex has {groups} capture groups",
                    raw.secret_group
                )));
            }
            plan = analysis::plan(&hir, &raw.keywords);
            Some(regex)
        }
        None => None,
    };
    let path = path_source
        .as_deref()
        .map(|p| compile_bytes(p).map_err(|e| regex_error(origin, &context, "path", p, e)))
        .transpose()?;
    let allowlists = raw
        .allowlists
        .iter()
        .map(|a| compile_allowlist(a, origin, &context, allowlist_count))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Rule {
        generic: raw.id.to_lowercase().contains("generic"),
        id: raw.id.clone(),
        description: raw.description.clone(),
        keywords: raw.keywords.clone(),
        entropy: raw.entropy,
        tags: raw.tags.clone(),
        regex_source,
        path_source,
        secret_group: raw.secret_group,
        skip_report: raw.skip_report,
        required_ids: raw.required.iter().map(|r| r.id.clone()).collect(),
        regex,
        path,
        allowlists,
        required: Vec::new(),
        plan,
    })
}

fn compile_allowlist(
    raw: &config::RawAllowlist,
    origin: &Path,
    context: &str,
    count: &mut usize,
) -> Result<Allowlist, RuleError> {
    let invalid = |message: String| RuleError::Invalid {
        origin: origin.to_path_buf(),
        message: format!("{context}: {message}"),
    };
    let and = match raw.condition.to_uppercase().as_str() {
        "AND" | "&&" => true,
        "" | "OR" | "||" => false,
        other => {
            return Err(invalid(format!(
                "unknown allowlist `condition` `{other}` (expected `AND` or `OR`)"
            )));
        }
    };
    let target = match raw.regex_target.as_str() {
        "" | "secret" => RegexTarget::Secret,
        "match" => RegexTarget::Match,
        "line" => RegexTarget::Line,
        other => {
            return Err(invalid(format!(
                "unknown allowlist `regexTarget` `{other}` (expected `secret`, `match` or `line`)"
            )));
        }
    };
    if raw.commits.is_empty()
        && raw.paths.is_empty()
        && raw.regexes.is_empty()
        && raw.stopwords.is_empty()
    {
        return Err(invalid(
            "an allowlist must have at least one of `commits`, `paths`, `regexes`, `stopwords`"
                .to_owned(),
        ));
    }
    let joined = |patterns: &[String], field: &'static str| {
        if patterns.is_empty() {
            return Ok(None);
        }
        // Each alone first, so an error points at the pattern at fault.
        for p in patterns {
            compile_bytes(p).map_err(|e| regex_error(origin, context, field, p, e))?;
        }
        // gitleaks joins them as `(?:p1|p2|…)`: flags set inline in one carry into the next.
        let joined = format!("(?:{})", patterns.join("|"));
        compile_bytes(&joined)
            .map(Some)
            .map_err(|e| regex_error(origin, context, field, &joined, e))
    };
    let paths = joined(&raw.paths, "allowlist path")?;
    let regexes = joined(&raw.regexes, "allowlist")?;
    let mut stopwords: Vec<String> = raw.stopwords.iter().map(|s| s.to_lowercase()).collect();
    stopwords.sort();
    stopwords.dedup();
    let stopwords = if stopwords.is_empty() {
        None
    } else {
        Some(
            AhoCorasick::new(&stopwords)
                .map_err(|e| invalid(format!("cannot build the stopword matcher: {e}")))?,
        )
    };
    let uid = *count;
    *count += 1;
    Ok(Allowlist {
        uid,
        description: raw.description.clone(),
        and,
        has_commits: !raw.commits.is_empty(),
        paths,
        target,
        regexes,
        stopwords,
    })
}

fn regex_error(
    origin: &Path,
    context: &str,
    field: &'static str,
    pattern: &str,
    source: regex::Error,
) -> RuleError {
    RuleError::Regex {
        origin: origin.to_path_buf(),
        context: context.to_owned(),
        field,
        pattern: pattern.to_owned(),
        source: Box::new(source),
    }
}

fn compile_bytes(pattern: &str) -> Result<regex::bytes::Regex, regex::Error> {
    regex::bytes::RegexBuilder::new(&go_regex::translate(pattern))
        .unicode(false)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_DFA_LIMIT)
        .nest_limit(REGEX_NEST_LIMIT)
        .build()
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Parses with the same settings `regex::bytes::RegexBuilder::unicode(false)` uses, keeps
/// the HIR for the window analysis, and builds the meta regex from it.
fn compile_meta(pattern: &str) -> Result<(regex_syntax::hir::Hir, meta::Regex), BoxError> {
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .nest_limit(REGEX_NEST_LIMIT)
        .build()
        .parse(&go_regex::translate(pattern))?;
    let regex = meta::Builder::new()
        .configure(
            meta::Config::new()
                .utf8_empty(false)
                .nfa_size_limit(Some(REGEX_SIZE_LIMIT))
                .onepass_size_limit(Some(REGEX_SIZE_LIMIT))
                .dfa_size_limit(Some(REGEX_DFA_LIMIT))
                .hybrid_cache_capacity(REGEX_DFA_LIMIT),
        )
        .build_from_hir(&hir)?;
    Ok((hir, regex))
}

/// One secret found by one rule.
///
/// Lines and columns are 1-based; columns count bytes. `line`/`column` is the first byte
/// of the match, `end_line`/`end_column` its last byte. A finding of a path-only rule (the
/// file itself is the secret, e.g. a `.p12`) has line and column 0 and an empty secret.
#[derive(Debug, Clone, PartialEq)]
pub struct SecretMatch {
    pub rule_id: String,
    pub description: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    /// Byte offsets of the match in the buffer (`start..end`).
    pub start: usize,
    pub end: usize,
    /// The secret (lossy UTF-8), in full: baselines hash it.
    pub secret: String,
    /// The whole match (lossy UTF-8), cut to about 1,000 bytes with `…`.
    pub matched: String,
    /// The line(s) of the match (lossy UTF-8), cut to about 300 bytes around the match with `…`.
    pub line_text: String,
    pub entropy: f32,
    pub tags: Vec<String>,
}

impl SecretMatch {
    /// The secret as it may be shown: its first four characters when it is long enough that
    /// they give nothing away (16+), then `*****`.
    pub fn redacted(&self) -> String {
        if self.secret.chars().count() >= 16 {
            let head: String = self.secret.chars().take(4).collect();
            format!("{head}*****")
        } else {
            "*****".to_owned()
        }
    }

    /// gitleaks' fingerprint for `.gitleaksignore`: `path:rule-id:line`.
    pub fn fingerprint(&self, path: &str) -> String {
        format!("{path}:{}:{}", self.rule_id, self.line)
    }

    /// A fingerprint for baselines that survives lines moving: `path:rule-id:sha256(secret)`
    /// (lower-case hex).
    pub fn secret_fingerprint(&self, path: &str) -> String {
        let digest = Sha256::digest(self.secret.as_bytes());
        format!("{path}:{}:{}", self.rule_id, hex::encode(digest))
    }
}

/// Whether a file whose first bytes are `head` is binary: a NUL byte in the first 8 KiB (git's
/// and ripgrep's test), or text that is mostly not UTF-8 nor printable.
pub fn looks_binary(head: &[u8]) -> bool {
    let head = &head[..head.len().min(8 * 1024)];
    if memchr::memchr(0, head).is_some() {
        return true;
    }
    if std::str::from_utf8(head).is_ok() {
        return false;
    }
    // Not UTF-8 (or cut mid-character). Latin-1 text has a few high bytes; binaries have
    // many invalid sequences and control bytes.
    let mut suspicious = 0usize;
    for chunk in head.utf8_chunks() {
        suspicious += chunk.invalid().len();
        suspicious += chunk
            .valid()
            .bytes()
            .filter(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b))
            .count();
    }
    suspicious * 10 > head.len()
}
