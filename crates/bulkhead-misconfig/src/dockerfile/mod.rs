//! Dockerfile rules (themes D1–D22 of the rule map, and BuildKit's own checks).
//!
//! The file is parsed by [`bulkhead_dockerfile`] exactly as BuildKit parses it; a file
//! BuildKit rejects is one finding (`BH-DF-000`, hadolint's DL1000) and nothing else. Rules
//! about instructions live here; rules about what a RUN executes (package managers, TLS,
//! `sudo`, `cd`, pipes) read the commands [`bulkhead_dockerfile::commands`] extracts, in
//! `run`.

mod run;

use bulkhead_dockerfile::commands::{Origin, extract_run};
use bulkhead_dockerfile::shell::{Lexer, ScopeOptions};
use bulkhead_dockerfile::{Dockerfile, Instruction, Keyword, Span, Stage};
use bulkhead_finding::{Finding, Location};

use crate::inline::{self, InlineIgnores};
use crate::registry::rule;
use crate::{Outcome, excerpt, excerpt_at};

/// Parses `text` (the Dockerfile at `path`) and runs every Dockerfile rule; inline
/// suppression comments in the file are applied.
pub fn analyze(path: &str, text: &str) -> Outcome {
    let df = match bulkhead_dockerfile::parse(text) {
        Ok(df) => df,
        Err(err) => {
            let line = u32::try_from(err.line()).unwrap_or(u32::MAX);
            let finding = crate::finding(
                rule("BH-DF-000"),
                Location::File {
                    path: path.to_owned(),
                    line: Some(line),
                    column: None,
                },
                &format!("The Dockerfile does not parse: {err}"),
                excerpt(text, line, line),
            );
            return Outcome {
                findings: vec![finding],
                ..Outcome::default()
            };
        }
    };
    let stages = df.stages();
    let final_image = final_chain(&stages);
    let mut ctx = Ctx {
        path,
        df: &df,
        stages: &stages,
        final_image: &final_image,
        findings: Vec::new(),
    };
    ctx.check();
    let findings = ctx.findings;
    let ignores = InlineIgnores::parse(text);
    let (findings, suppressed) = inline::apply(&ignores, findings, |f| match &f.location {
        Location::File { line, .. } => *line,
        _ => None,
    });
    Outcome {
        findings,
        suppressed,
        warnings: Vec::new(),
    }
}

/// One Dockerfile being checked.
struct Ctx<'a> {
    path: &'a str,
    df: &'a Dockerfile,
    stages: &'a [Stage],
    /// Indices of the stages whose layers end up in the image: the last stage and the
    /// stages it is built `FROM`, in turn.
    final_image: &'a [usize],
    findings: Vec<Finding>,
}

/// The last stage and its ancestors (`FROM earlier-stage`), by stage index.
fn final_chain(stages: &[Stage]) -> Vec<usize> {
    let mut chain = Vec::new();
    let Some(mut stage) = stages.last() else {
        return chain;
    };
    loop {
        chain.push(stage.index);
        let base = stage.base_name.to_ascii_lowercase();
        match stages
            .iter()
            .find(|s| s.index < stage.index && s.name.as_deref() == Some(base.as_str()))
        {
            Some(parent) if !chain.contains(&parent.index) => stage = parent,
            _ => return chain,
        }
    }
}

impl<'a> Ctx<'a> {
    fn check(&mut self) {
        self.base_images();
        self.final_user();
        self.stage_names();
        self.duplicates_per_stage();
        self.copy_from();
        self.healthcheck_present();
        self.instruction_casing();
        self.per_instruction();
        run::check(self);
    }

    /// A finding of rule `id` at `span` inside `instruction` (whose lines are the evidence).
    #[allow(clippy::needless_pass_by_value)] // every caller builds its message in place
    fn report(&mut self, id: &str, instruction: &Instruction, span: &Span, detail: String) {
        let evidence = excerpt_at(
            self.df.text(),
            instruction.span.start.offset,
            instruction.span.end.offset.saturating_sub(1),
            to_u32(instruction.start_line()),
        );
        self.findings.push(crate::finding(
            rule(id),
            Location::File {
                path: self.path.to_owned(),
                line: Some(to_u32(span.start.line)),
                column: Some(to_u32(span.start.column)),
            },
            &detail,
            evidence,
        ));
    }

    /// The stage instruction `index` belongs to.
    fn stage_of(&self, index: usize) -> Option<&'a Stage> {
        self.stages
            .iter()
            .find(|s| s.from == index || s.instructions.contains(&index))
    }

    /// D1: `FROM image` without a tag or with `latest` (after ARG expansion; stage names,
    /// `scratch`, digests and names still holding variables are not judged).
    fn base_images(&mut self) {
        let mut expanded: Vec<(usize, String)> = Vec::new();
        let lexer = Lexer::new(self.df.escape);
        self.df.walk_scopes(&ScopeOptions::default(), |scope| {
            if scope.instruction.kind == Keyword::From
                && let Some(arg) = scope.instruction.args.first()
                && let Ok(image) = lexer.process_word(&arg.value, scope.env)
            {
                expanded.push((scope.index, image));
            }
        });
        let stage_names: Vec<(usize, String)> = self
            .stages
            .iter()
            .filter_map(|s| s.name.clone().map(|n| (s.from, n)))
            .collect();
        for (index, image) in expanded {
            let lower = image.to_ascii_lowercase();
            let earlier_stage = stage_names
                .iter()
                .any(|(from, n)| *from < index && *n == lower);
            if image.is_empty()
                || lower == "scratch"
                || earlier_stage
                || image.contains('$')
                || image.contains('@')
            {
                continue;
            }
            let name_part = image.rsplit('/').next().unwrap_or(&image);
            let detail = match name_part.split_once(':') {
                None => format!("Base image `{image}` has no tag, so it means `latest`"),
                Some((_, "latest")) => format!("Base image `{image}` uses the `latest` tag"),
                Some(_) => continue,
            };
            let df = self.df;
            let instr = &df.instructions[index];
            self.report("BH-DF-001", instr, &instr.args[0].span, detail);
        }
    }

    /// D2: the final stage runs as root: its last USER (or the last USER of the stage it is
    /// built from) is root, or no USER is set anywhere in its chain.
    fn final_user(&mut self) {
        let (df, stages) = (self.df, self.stages);
        let Some(last) = stages.last() else {
            return;
        };
        for &index in self.final_image {
            let last_user = stages[index]
                .instructions
                .clone()
                .rev()
                .map(|i| &df.instructions[i])
                .find(|i| i.kind == Keyword::User);
            if let Some(user) = last_user {
                let name = user.args.first().map_or("", |a| a.value.as_str());
                let who = name.split(':').next().unwrap_or("");
                if who == "root" || who == "0" {
                    let span = user.args.first().map_or(user.span, |a| a.span);
                    let detail = format!("The last USER of the final stage is `{name}`");
                    self.report("BH-DF-002", user, &span, detail);
                }
                return;
            }
        }
        let from = &df.instructions[last.from];
        self.report(
            "BH-DF-002",
            from,
            &from.keyword_span,
            "No USER is set in the final stage, so the image runs as root".to_owned(),
        );
    }

    /// D6 (duplicate names), stage name casing, FROM/AS casing.
    fn stage_names(&mut self) {
        let (df, stages) = (self.df, self.stages);
        let mut seen: Vec<String> = Vec::new();
        for stage in stages {
            let from = &df.instructions[stage.from];
            if from.args.len() != 3 {
                continue;
            }
            let (as_word, name) = (&from.args[1], &from.args[2]);
            let lower = name.value.to_lowercase();
            if seen.contains(&lower) {
                self.report(
                    "BH-DF-006",
                    from,
                    &name.span,
                    format!("Stage name `{}` is used by an earlier stage", name.value),
                );
            }
            seen.push(lower.clone());
            if name.value != lower {
                self.report(
                    "BH-DF-050",
                    from,
                    &name.span,
                    format!("Stage name `{}` should be lower case", name.value),
                );
            }
            let from_upper = from.keyword.chars().all(|c| c.is_ascii_uppercase());
            let as_upper = as_word.value.chars().all(|c| c.is_ascii_uppercase());
            let from_lower = from.keyword.chars().all(|c| c.is_ascii_lowercase());
            let as_lower = as_word.value.chars().all(|c| c.is_ascii_lowercase());
            if (from_upper && !as_upper) || (from_lower && !as_lower) {
                self.report(
                    "BH-DF-051",
                    from,
                    &as_word.span,
                    format!(
                        "`{}` and `{}` are cased differently",
                        from.keyword, as_word.value
                    ),
                );
            }
        }
    }

    /// D12: more than one CMD, ENTRYPOINT or HEALTHCHECK in a stage (each extra one is
    /// reported; only the last takes effect).
    fn duplicates_per_stage(&mut self) {
        let (df, stages) = (self.df, self.stages);
        for stage in stages {
            for (kind, id) in [
                (Keyword::Cmd, "BH-DF-012"),
                (Keyword::Entrypoint, "BH-DF-013"),
                (Keyword::Healthcheck, "BH-DF-014"),
            ] {
                let all: Vec<usize> = stage
                    .instructions
                    .clone()
                    .filter(|&i| df.instructions[i].kind == kind)
                    .collect();
                if all.len() < 2 {
                    continue;
                }
                for &i in &all[..all.len() - 1] {
                    let instr = &df.instructions[i];
                    self.report(
                        id,
                        instr,
                        &instr.keyword_span,
                        format!(
                            "{} is overridden by a later {} in the same stage ({} in all)",
                            kind.as_str(),
                            kind.as_str(),
                            all.len()
                        ),
                    );
                }
            }
        }
    }

    /// D13: `COPY --from` naming its own stage, or a stage that is not defined before it.
    fn copy_from(&mut self) {
        let (df, stages) = (self.df, self.stages);
        for (index, instr) in df.instructions.iter().enumerate() {
            if instr.kind != Keyword::Copy {
                continue;
            }
            let Some(flag) = instr.flag("from") else {
                continue;
            };
            let Some(from) = flag.value().map(str::to_lowercase) else {
                continue;
            };
            let Some(current) = self.stage_of(index) else {
                continue;
            };
            let own = current.name.as_deref() == Some(from.as_str())
                || from.parse::<usize>().ok() == Some(current.index);
            if own {
                self.report(
                    "BH-DF-015",
                    instr,
                    &flag.span,
                    format!("COPY --from={from} copies from the stage it is in"),
                );
                continue;
            }
            let earlier = stages.iter().any(|s| {
                s.index < current.index
                    && (s.name.as_deref() == Some(from.as_str())
                        || from.parse::<usize>().ok() == Some(s.index))
            });
            // An image reference (`nginx:1.27`, `ghcr.io/x/y`) is fine; a bare word that is
            // no earlier stage is a typo or a forward reference.
            let looks_like_image = from.contains([':', '/', '@', '$']);
            if !earlier && !looks_like_image {
                self.report(
                    "BH-DF-016",
                    instr,
                    &flag.span,
                    format!("COPY --from={from} names no earlier stage"),
                );
            }
        }
    }

    /// D8: no HEALTHCHECK in the final stage (or the stages it is built from).
    fn healthcheck_present(&mut self) {
        let (df, stages) = (self.df, self.stages);
        let Some(last) = stages.last() else {
            return;
        };
        if !df
            .instructions
            .iter()
            .any(|i| i.kind == Keyword::Healthcheck)
        {
            let from = &df.instructions[last.from];
            self.report(
                "BH-DF-008",
                from,
                &from.keyword_span,
                "The final stage has no HEALTHCHECK".to_owned(),
            );
        }
    }

    /// BuildKit's ConsistentInstructionCasing: keywords in the minority case (all upper vs
    /// all lower; mixed case counts as neither and is always reported).
    fn instruction_casing(&mut self) {
        let upper = |k: &str| k.chars().all(|c| !c.is_ascii_lowercase());
        let lower = |k: &str| k.chars().all(|c| !c.is_ascii_uppercase());
        let instrs = &self.df.instructions;
        let ups = instrs.iter().filter(|i| upper(&i.keyword)).count();
        let lows = instrs.iter().filter(|i| lower(&i.keyword)).count();
        let majority_upper = ups >= lows;
        for instr in instrs {
            let fits = if majority_upper {
                upper(&instr.keyword)
            } else {
                lower(&instr.keyword)
            };
            if !fits {
                self.report(
                    "BH-DF-052",
                    instr,
                    &instr.keyword_span,
                    format!(
                        "`{}` is not in the {} case the other instructions use",
                        instr.keyword,
                        if majority_upper { "upper" } else { "lower" }
                    ),
                );
            }
        }
    }

    /// Rules about one instruction at a time.
    fn per_instruction(&mut self) {
        let instrs = &self.df.instructions;
        // Whether the previous instruction is a RUN of one command (DL3059 below).
        let mut previous_short = false;
        for (index, instr) in instrs.iter().enumerate() {
            match instr.kind {
                Keyword::Maintainer => self.report(
                    "BH-DF-007",
                    instr,
                    &instr.keyword_span,
                    "MAINTAINER is deprecated".to_owned(),
                ),
                Keyword::Add => self.add(instr),
                Keyword::Workdir => self.workdir(instr),
                Keyword::Expose => self.expose(instr),
                Keyword::Copy => self.copy_destination(instr),
                Keyword::Cmd | Keyword::Entrypoint if !instr.json => self.report(
                    "BH-DF-046",
                    instr,
                    &instr.keyword_span,
                    format!("{} uses the shell form", instr.kind.as_str()),
                ),
                Keyword::Env | Keyword::Label => {
                    for kv in instr.key_values() {
                        if kv.legacy {
                            self.report(
                                "BH-DF-049",
                                instr,
                                &kv.key.span,
                                format!(
                                    "`{} {} {}` uses the legacy form; write `{}={}`",
                                    instr.keyword,
                                    kv.key.value,
                                    kv.value.value,
                                    kv.key.value,
                                    kv.value.value
                                ),
                            );
                        }
                    }
                    if instr.kind == Keyword::Env {
                        self.secret_names(
                            instr,
                            instr
                                .key_values()
                                .iter()
                                .map(|kv| (kv.key.value.as_str(), kv.key.span)),
                        );
                    }
                }
                Keyword::Arg => {
                    let names: Vec<(String, Span)> = instr
                        .args
                        .iter()
                        .map(|a| {
                            let name = a.value.split('=').next().unwrap_or("").to_owned();
                            (name, a.span)
                        })
                        .collect();
                    self.secret_names(instr, names.iter().map(|(n, s)| (n.as_str(), *s)));
                }
                Keyword::Run => {
                    // hadolint's DL3059: two one-command RUNs in a row with the same flags. A
                    // RUN that already chains commands (`a && b`, `a | b`) is taken as kept
                    // apart on purpose; RUNs with different `--mount`s cannot be merged.
                    let short = extract_run(self.df, instr).is_ok_and(|script| {
                        script
                            .commands
                            .iter()
                            .filter(|c| c.origin == Origin::Script)
                            .count()
                            <= 1
                    });
                    let follows_short = std::mem::replace(&mut previous_short, short);
                    if let Some(previous) = index.checked_sub(1).map(|p| &instrs[p])
                        && previous.kind == Keyword::Run
                        && previous
                            .flags
                            .iter()
                            .map(|f| &f.raw)
                            .eq(instr.flags.iter().map(|f| &f.raw))
                        && follows_short
                        && short
                    {
                        self.report(
                            "BH-DF-053",
                            instr,
                            &instr.keyword_span,
                            "RUN follows another RUN; consider merging them".to_owned(),
                        );
                    }
                }
                _ => {}
            }
        }
    }

    /// D3: ADD of local files or directories (URLs, git sources and archives, which ADD
    /// unpacks, are what ADD is for).
    fn add(&mut self, instr: &Instruction) {
        if !instr.heredocs.is_empty() || instr.args.len() < 2 {
            return;
        }
        let sources = &instr.args[..instr.args.len() - 1];
        let is_fetch_or_archive = |s: &str| {
            let lower = s.to_ascii_lowercase();
            ["http://", "https://", "git@", "git://"]
                .iter()
                .any(|p| lower.starts_with(p))
                || [
                    ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst",
                    ".gz", ".bz2", ".xz", ".zst",
                ]
                .iter()
                .any(|e| lower.ends_with(e))
        };
        if sources.iter().any(|s| !is_fetch_or_archive(&s.value)) {
            self.report(
                "BH-DF-003",
                instr,
                &instr.keyword_span,
                "ADD copies local files; use COPY".to_owned(),
            );
        }
    }

    /// D4: a relative WORKDIR (variables and Windows drive paths are not judged); and a
    /// WORKDIR under a system directory.
    fn workdir(&mut self, instr: &Instruction) {
        // Trivy's DS-0030 list: kernel and boot file systems, device nodes.
        const SYSTEM_DIRS: &[&str] = &["/proc", "/boot", "/dev", "/initrd", "/lost+found"];
        let Some(arg) = instr.args.first() else {
            return;
        };
        let path = arg.value.trim_matches(|c| c == '"' || c == '\'');
        let windows = path.len() >= 2 && path.as_bytes()[1] == b':';
        if !(path.starts_with('/') || path.starts_with('$') || windows) {
            self.report(
                "BH-DF-004",
                instr,
                &arg.span,
                format!("WORKDIR `{path}` is relative"),
            );
        }
        if let Some(dir) = SYSTEM_DIRS.iter().find(|d| {
            path.strip_prefix(**d)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        }) {
            self.report(
                "BH-DF-054",
                instr,
                &arg.span,
                format!("WORKDIR `{path}` is inside the system directory `{dir}`"),
            );
        }
    }

    /// D9 (port 22) and D14 (ports out of range or malformed).
    fn expose(&mut self, instr: &Instruction) {
        for arg in &instr.args {
            let value = arg.value.as_str();
            if value.contains('$') {
                continue;
            }
            let (ports, protocol) = value.split_once('/').unwrap_or((value, "tcp"));
            let protocol_ok =
                ["tcp", "udp", "sctp"].contains(&protocol.to_ascii_lowercase().as_str());
            let (low, high) = ports.split_once('-').unwrap_or((ports, ports));
            let parse = |p: &str| p.parse::<u32>().ok().filter(|&n| n <= 65_535);
            match (parse(low), parse(high)) {
                (Some(l), Some(h)) if protocol_ok && l <= h => {
                    if (l..=h).contains(&22) {
                        self.report(
                            "BH-DF-009",
                            instr,
                            &arg.span,
                            format!("EXPOSE {value} exposes SSH"),
                        );
                    }
                }
                _ => self.report(
                    "BH-DF-017",
                    instr,
                    &arg.span,
                    format!("EXPOSE `{value}` is not a port (0–65535) with an optional /tcp, /udp or /sctp"),
                ),
            }
        }
    }

    /// D15: COPY with several sources needs a directory destination (`/` at the end).
    fn copy_destination(&mut self, instr: &Instruction) {
        // A heredoc source is one of the arguments (`COPY <<EOF /dest`): count it once.
        let sources = instr.args.len().saturating_sub(1);
        let Some(dest) = instr.args.last() else {
            return;
        };
        let d = dest.value.trim_matches('"');
        if sources > 1 && !d.ends_with('/') && !d.contains('$') && d != "." {
            self.report(
                "BH-DF-018",
                instr,
                &dest.span,
                format!("COPY has {sources} sources but its destination `{d}` does not end in `/`"),
            );
        }
    }

    /// D11: ARG and ENV names that say they hold a secret (BuildKit's
    /// SecretsUsedInArgOrEnv words, with its `public` exception).
    fn secret_names<'n>(
        &mut self,
        instr: &Instruction,
        names: impl Iterator<Item = (&'n str, Span)>,
    ) {
        const WORDS: &[&str] = &[
            "apikey",
            "auth",
            "credential",
            "credentials",
            "key",
            "password",
            "pword",
            "passwd",
            "secret",
            "token",
        ];
        let found: Vec<(String, Span)> = names
            .filter(|(name, _)| {
                let words: Vec<String> = name
                    .split(['_', '-'])
                    .map(str::to_ascii_lowercase)
                    .collect();
                words.iter().any(|w| WORDS.contains(&w.as_str()))
                    && !words.iter().any(|w| w == "public")
            })
            .map(|(n, s)| (n.to_owned(), s))
            .collect();
        for (name, span) in found {
            self.report(
                "BH-DF-011",
                instr,
                &span,
                format!(
                    "{} `{name}` looks like a secret; its value stays in the image history",
                    instr.kind.as_str()
                ),
            );
        }
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
