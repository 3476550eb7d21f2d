//! Rules about what RUN executes: package-manager hygiene and pinning (D10, D18–D20),
//! disabled TLS or signature checks (D21), `sudo` (D5), `cd` (D16), curl with wget (D17),
//! pipes without `pipefail` (D22), `chpasswd`; and TLS-disabling variables set by ENV/ARG.
//!
//! Commands come from [`bulkhead_dockerfile::commands::extract_run`], so `sh -c '…'`
//! strings, `$( )` and heredoc scripts are read too; wrappers (`sudo`, `env`, `nohup`) are
//! looked through for the program that runs. `ONBUILD RUN` triggers are judged like RUN:
//! they run in every image built from this one.
//!
//! Which commands count as "the RUN's script" (for `cd` and pipes): its own text and a
//! heredoc it feeds to a shell (`RUN <<EOF bash`), not a `sh -c` string or `$( )` inside it
//! (hadolint and Trivy read neither). Caches a package manager leaves behind (apt lists,
//! apk, yum/dnf/zypper, pip and yarn caches) are reported only in stages that end up in the
//! image: the last stage and the stages it is built FROM; a stage that is only copied from
//! takes its cache with it (hadolint's DL3009 and DL3060 reason the same way).

use std::cell::OnceCell;

use bulkhead_dockerfile::commands::{Command, Connector, Origin, Script, extract_run};
use bulkhead_dockerfile::{Instruction, Keyword, Span};

use super::Ctx;

/// The first curl and the first wget of a stage: instruction index and where.
type FirstUses = [Option<(usize, Span)>; 2];

pub(super) fn check(ctx: &mut Ctx<'_>) {
    let df = ctx.df;
    let mut first_use: Vec<(usize, FirstUses)> = Vec::new();
    let mut pip_no_cache_in_stage: Option<usize> = None;
    for (index, instr) in df.instructions.iter().enumerate() {
        let stage = ctx.stage_of(index).map(|s| s.index);
        let onbuild_run = instr.kind == Keyword::Onbuild
            && instr
                .onbuild
                .as_ref()
                .is_some_and(|c| c.kind == Keyword::Run);
        match instr.kind {
            Keyword::Env | Keyword::Arg => {
                for (name, value, span) in variables(instr) {
                    if name == "PIP_NO_CACHE_DIR" {
                        pip_no_cache_in_stage = stage;
                    }
                    if let Some(why) = tls_disabled_by_variable(&name, &value) {
                        ctx.report("BH-DF-043", instr, &span, why);
                    }
                }
            }
            Keyword::Run | Keyword::Onbuild if instr.kind == Keyword::Run || onbuild_run => {
                let Ok(script) = extract_run(df, instr) else {
                    continue;
                };
                if script.interpreter.is_some() {
                    continue;
                }
                let run = Run {
                    instr,
                    script: &script,
                    pip_no_cache: pip_no_cache_in_stage.is_some() && pip_no_cache_in_stage == stage,
                    pipefail_shell: df.active_shell(index).is_some_and(|shell| {
                        shell.args.iter().any(|a| a.value.contains("pipefail"))
                    }),
                    // An ONBUILD trigger runs in the image built FROM this one, so what it
                    // leaves behind is in an image.
                    in_final_image: onbuild_run
                        || stage.is_none_or(|s| ctx.final_image.contains(&s)),
                    argvs: OnceCell::new(),
                };
                run.check(ctx);
                if onbuild_run {
                    continue;
                }
                for command in &script.commands {
                    let slot = match command.program() {
                        Some("curl") => 0,
                        Some("wget") => 1,
                        _ => continue,
                    };
                    let key = stage.unwrap_or(usize::MAX);
                    let at = first_use
                        .iter()
                        .position(|(s, _)| *s == key)
                        .unwrap_or_else(|| {
                            first_use.push((key, [None, None]));
                            first_use.len() - 1
                        });
                    first_use[at].1[slot].get_or_insert((index, span_of(command, instr)));
                }
            }
            _ => {}
        }
    }
    // D17: both download tools in one stage (one image); reported where the second of them
    // first appears.
    for (_, uses) in first_use {
        if let [Some(curl), Some(wget)] = uses {
            let (index, span) = if curl.0 > wget.0 { curl } else { wget };
            ctx.report(
                "BH-DF-020",
                &df.instructions[index],
                &span,
                "Both curl and wget are used in this stage; one of them is enough".to_owned(),
            );
        }
    }
}

/// One RUN instruction's commands.
struct Run<'r> {
    instr: &'r Instruction,
    script: &'r Script,
    /// `PIP_NO_CACHE_DIR` is set in this stage.
    pip_no_cache: bool,
    /// The stage's SHELL sets `-o pipefail`.
    pipefail_shell: bool,
    /// The RUN's layer ends up in the image (its stage is the last one or one it is built
    /// from): only then do caches it leaves behind cost anything.
    in_final_image: bool,
    argvs: OnceCell<Vec<(&'r str, Vec<&'r str>)>>,
}

impl<'r> Run<'r> {
    fn check(&self, ctx: &mut Ctx<'_>) {
        let commands = &self.script.commands;
        let mut pipefail = self.pipefail_shell;
        for (i, c) in commands.iter().enumerate() {
            let span = span_of(c, self.instr);
            if c.words
                .first()
                .is_some_and(|w| basename(&w.value) == "sudo")
            {
                ctx.report("BH-DF-005", self.instr, &span, "RUN uses sudo".to_owned());
            }
            for a in &c.assignments {
                if let Some(why) = tls_disabled_by_variable(&a.name, &a.value) {
                    ctx.report("BH-DF-043", self.instr, &span, why);
                }
            }
            let Some(program) = c.program() else {
                continue;
            };
            let args: Vec<&str> = c
                .effective()
                .iter()
                .skip(1)
                .map(|w| w.value.as_str())
                .collect();
            if program == "set" && args.contains(&"pipefail") {
                pipefail = true;
            }
            // The RUN's own script: its text, or a heredoc it feeds to a shell
            // (`RUN <<EOF bash`), not `sh -c` strings or `$( )` inside it.
            let own_script = (c.origin == Origin::Script && c.depth == 0)
                || (c.origin == Origin::Heredoc && c.depth == 1);
            if c.connector == Some(Connector::Pipe)
                && (c.origin == Origin::Script || own_script)
                && !pipefail
            {
                ctx.report(
                    "BH-DF-047",
                    self.instr,
                    &span,
                    format!("`{program}` pipes into another command without `set -o pipefail`"),
                );
            }
            if program == "cd" && own_script && i + 1 < commands.len() {
                ctx.report(
                    "BH-DF-019",
                    self.instr,
                    &span,
                    "RUN changes directory with `cd`; use WORKDIR".to_owned(),
                );
            }
            if program == "export" {
                for arg in &args {
                    if let Some((name, value)) = arg.split_once('=')
                        && let Some(why) = tls_disabled_by_variable(name, value)
                    {
                        ctx.report("BH-DF-043", self.instr, &span, why);
                    }
                }
            }
            self.tls_and_signatures(ctx, program, &args, &span);
            self.package_manager(ctx, program, &args, &span);
        }
    }

    fn tls_and_signatures(&self, ctx: &mut Ctx<'_>, program: &str, args: &[&str], span: &Span) {
        let mut tls = |why: String| ctx.report("BH-DF-043", self.instr, span, why);
        match program {
            "curl"
                if args
                    .iter()
                    .any(|a| *a == "--insecure" || short_flag(a, 'k')) =>
            {
                tls("curl runs with -k/--insecure".to_owned());
            }
            "wget" if args.contains(&"--no-check-certificate") => {
                tls("wget runs with --no-check-certificate".to_owned());
            }
            "git"
                if args.windows(2).any(|w| {
                    let setting = w.join("=").to_ascii_lowercase().replace(' ', "");
                    setting.contains("http.sslverify=false")
                        || setting.contains("http.sslverifyfalse")
                }) || args
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case("http.sslverify=false")) =>
            {
                tls("git runs with http.sslVerify=false".to_owned());
            }
            "npm" | "yarn" | "pnpm"
                if args.first() == Some(&"config")
                    && args.iter().any(|a| a.eq_ignore_ascii_case("strict-ssl"))
                    && args.iter().any(|a| a.eq_ignore_ascii_case("false")) =>
            {
                tls(format!("`{program} config` turns strict-ssl off"));
            }
            _ => {}
        }
        if is_pip(program, args)
            && args
                .iter()
                .any(|a| *a == "--trusted-host" || a.starts_with("--trusted-host="))
        {
            tls("pip runs with --trusted-host".to_owned());
        }
        let unsigned = match program {
            "apt-get" | "apt" | "aptitude" => args.iter().find(|a| {
                [
                    "--allow-unauthenticated",
                    "--force-yes",
                    "--allow-insecure-repositories",
                ]
                .contains(a)
            }),
            "apk" => args.iter().find(|a| **a == "--allow-untrusted"),
            "yum" | "dnf" | "microdnf" | "tdnf" => args.iter().find(|a| **a == "--nogpgcheck"),
            "zypper" => args
                .iter()
                .find(|a| ["--no-gpg-checks", "--no-gpg-check"].contains(a)),
            "rpm" => args.iter().find(|a| {
                [
                    "--nosignature",
                    "--nodigest",
                    "--noverify",
                    "--nofiledigest",
                ]
                .contains(a)
            }),
            _ => None,
        };
        if let Some(flag) = unsigned {
            ctx.report(
                "BH-DF-044",
                self.instr,
                span,
                format!("{program} runs with {flag}"),
            );
        }
        if sslverify_off(program, args) {
            ctx.report(
                "BH-DF-043",
                self.instr,
                span,
                format!("{program} runs with sslverify off"),
            );
        }
        if program == "chpasswd" {
            ctx.report(
                "BH-DF-045",
                self.instr,
                span,
                "RUN sets a password with chpasswd".to_owned(),
            );
        }
    }

    #[allow(clippy::too_many_lines)] // one arm per package manager
    fn package_manager(&self, ctx: &mut Ctx<'_>, program: &str, args: &[&str], span: &Span) {
        let all = self.argvs();
        let any_command =
            |pred: &dyn Fn(&str, &[&str]) -> bool| all.iter().any(|(p, a)| pred(p, a));
        let removes = |path: &str| {
            any_command(&|p, a| {
                p == "rm"
                    && a.iter().any(|x| {
                        x.trim_end_matches('*').trim_end_matches('/') == path.trim_end_matches('/')
                    })
            })
        };
        let cached = |target: &str| self.cache_mount(target);
        let (sub, rest) = subcommand(program, args);
        let in_image = self.in_final_image;
        let mut report = |id: &str, why: String| ctx.report(id, self.instr, span, why);
        // The package lists `apt-get update` downloads stay in this RUN's layer unless the
        // same RUN removes them (hadolint's DL3009 reasoning: a later RUN cannot shrink an
        // earlier layer).
        if matches!(program, "apt-get" | "apt")
            && sub == Some("update")
            && in_image
            && !removes("/var/lib/apt/lists")
            && !cached("/var/lib/apt/lists")
        {
            report(
                "BH-DF-023",
                format!(
                    "`{program} update` leaves the apt lists in the image (no `rm -rf /var/lib/apt/lists/*` in the same RUN)"
                ),
            );
        }
        match (program, sub) {
            ("apt", Some(_)) => report(
                "BH-DF-033",
                "`apt` is for people; scripts should use `apt-get`".to_owned(),
            ),
            ("apt-get", Some("update")) => {
                let installs = any_command(&|p, a| {
                    matches!(p, "apt-get" | "apt")
                        && matches!(
                            subcommand(p, a).0,
                            Some("install" | "upgrade" | "dist-upgrade" | "full-upgrade")
                        )
                });
                if !installs {
                    report(
                        "BH-DF-010",
                        "`apt-get update` without an install in the same RUN".to_owned(),
                    );
                }
            }
            ("apt-get", Some("install")) => {
                if !args.iter().any(|a| {
                    ["-y", "--yes", "--assume-yes", "-qq", "-q=2"].contains(a) || short_flag(a, 'y')
                }) {
                    report("BH-DF-021", "`apt-get install` without -y".to_owned());
                }
                let no_recommends = args.contains(&"--no-install-recommends")
                    || args.windows(2).any(|w| {
                        w[0] == "-o"
                            && w[1].to_ascii_lowercase().replace(' ', "")
                                == "apt::install-recommends=false"
                    })
                    || args
                        .iter()
                        .any(|a| a.eq_ignore_ascii_case("-oapt::install-recommends=false"));
                if !no_recommends {
                    report(
                        "BH-DF-022",
                        "`apt-get install` without --no-install-recommends".to_owned(),
                    );
                }
                let unpinned = packages(rest, &["-o", "-c", "-t", "--target-release", "--option"])
                    .filter(|p| !p.contains('=') && !has_ext(p, ".deb") && !p.contains('/'));
                if let Some(p) = unpinned.into_iter().next() {
                    report(
                        "BH-DF-034",
                        format!("`apt-get install {p}` without a version (`{p}=<version>`)"),
                    );
                }
            }
            ("apk", Some("add")) => {
                if in_image && !args.contains(&"--no-cache") && !cached("/var/cache/apk") {
                    report("BH-DF-024", "`apk add` without --no-cache".to_owned());
                }
                let unpinned = packages(
                    rest,
                    &[
                        "-t",
                        "--virtual",
                        "-X",
                        "--repository",
                        "-p",
                        "--root",
                        "--arch",
                        "--cache-dir",
                        "--keys-dir",
                        "--repositories-file",
                    ],
                )
                .filter(|p| {
                    !p.contains('=') && !p.contains('<') && !p.contains('>') && !has_ext(p, ".apk")
                });
                if let Some(p) = unpinned.into_iter().next() {
                    report(
                        "BH-DF-035",
                        format!("`apk add {p}` without a version (`{p}=<version>`)"),
                    );
                }
            }
            (
                "yum" | "dnf" | "microdnf" | "tdnf",
                Some("install" | "groupinstall" | "localinstall"),
            ) => {
                let (yes, clean, pin, tool) = if program == "yum" {
                    ("BH-DF-025", "BH-DF-026", "BH-DF-040", "yum")
                } else {
                    ("BH-DF-027", "BH-DF-028", "BH-DF-041", "dnf")
                };
                if !args
                    .iter()
                    .any(|a| ["-y", "--assumeyes"].contains(a) || short_flag(a, 'y'))
                    && program != "microdnf"
                {
                    report(yes, format!("`{program} install` without -y"));
                }
                let cleaned = any_command(&|p, a| p == program && a.first() == Some(&"clean"))
                    || removes(&format!("/var/cache/{tool}"))
                    || cached(&format!("/var/cache/{tool}"));
                if in_image && !cleaned {
                    report(
                        clean,
                        format!("`{program} install` without `{program} clean all`"),
                    );
                }
                let unpinned = packages(
                    rest,
                    &[
                        "--setopt",
                        "-c",
                        "--config",
                        "--installroot",
                        "--releasever",
                        "--enablerepo",
                        "--disablerepo",
                        "-x",
                        "--exclude",
                    ],
                )
                .filter(|p| {
                    !has_dash_digit(p)
                        && !has_ext(p, ".rpm")
                        && !p.starts_with('@')
                        && !p.contains('/')
                        && !p.contains('=')
                });
                if let Some(p) = unpinned.into_iter().next() {
                    report(
                        pin,
                        format!("`{program} install {p}` without a version (`{p}-<version>`)"),
                    );
                }
            }
            ("zypper", Some("install" | "in")) => {
                if !args
                    .iter()
                    .any(|a| ["-n", "--non-interactive", "-y", "--no-confirm"].contains(a))
                {
                    report(
                        "BH-DF-029",
                        "`zypper install` without -n/--non-interactive".to_owned(),
                    );
                }
                let cleaned = any_command(&|p, a| {
                    p == "zypper" && a.iter().any(|x| ["clean", "cc"].contains(x))
                }) || removes("/var/cache/zypp");
                if in_image && !cleaned {
                    report(
                        "BH-DF-030",
                        "`zypper install` without `zypper clean`".to_owned(),
                    );
                }
                let unpinned =
                    packages(rest, &["-t", "--type", "-r", "--repo", "--from"]).filter(|p| {
                        !p.contains('=')
                            && !p.contains('<')
                            && !p.contains('>')
                            && !has_dash_digit(p)
                            && !has_ext(p, ".rpm")
                    });
                if let Some(p) = unpinned.into_iter().next() {
                    report(
                        "BH-DF-042",
                        format!("`zypper install {p}` without a version (`{p}=<version>`)"),
                    );
                }
            }
            ("npm", Some("install" | "i" | "add")) => {
                let unpinned = packages(
                    rest,
                    &["--registry", "--prefix", "-w", "--workspace", "--cache"],
                )
                .filter(|p| {
                    let name = p.strip_prefix('@').unwrap_or(p);
                    let git = [
                        "git://",
                        "git+ssh://",
                        "git+http://",
                        "git+https://",
                        "github:",
                    ]
                    .iter()
                    .any(|g| p.starts_with(g));
                    let pinned = if git {
                        // A git source is pinned by a commit or tag: `…#<ref>`.
                        p.contains('#')
                    } else {
                        name.contains('@')
                            || ["/", "./", "../", "~/", "file:"]
                                .iter()
                                .any(|d| p.starts_with(d))
                            || [".tgz", ".tar.gz", ".tar"].iter().any(|e| has_ext(p, e))
                    };
                    !pinned && *p != "."
                });
                if let Some(p) = unpinned.into_iter().next() {
                    report(
                        "BH-DF-037",
                        format!("`npm install {p}` without a version (`{p}@<version>`)"),
                    );
                }
            }
            ("yarn", Some("install") | None) if !args.contains(&"--version") => {
                let cleaned =
                    any_command(&|p, a| p == "yarn" && a.starts_with(&["cache", "clean"]));
                if in_image && !cleaned && !cached("/usr/local/share/.cache/yarn") {
                    report(
                        "BH-DF-032",
                        "`yarn install` without `yarn cache clean`".to_owned(),
                    );
                }
            }
            ("gem", Some("install")) => {
                let versioned = args
                    .iter()
                    .any(|a| ["-v", "--version"].contains(a) || a.starts_with("--version="));
                let unpinned = packages(
                    rest,
                    &[
                        "-v",
                        "--version",
                        "-i",
                        "--install-dir",
                        "-n",
                        "--bindir",
                        "--source",
                        "-s",
                        "--platform",
                    ],
                )
                .filter(|p| !p.contains(':') && !has_ext(p, ".gem"));
                if !versioned && let Some(p) = unpinned.into_iter().next() {
                    report(
                        "BH-DF-038",
                        format!("`gem install {p}` without a version (`{p}:<version>`)"),
                    );
                }
            }
            // `go get` installs too (GOPATH mode, and Go < 1.17).
            ("go", Some(verb @ ("install" | "get"))) => {
                for p in packages(
                    rest,
                    &[
                        "-o", "-tags", "-ldflags", "-gcflags", "-mod", "-modfile", "-p",
                    ],
                ) {
                    let local = p.starts_with('.') || p.starts_with('/');
                    if !local && (!p.contains('@') || p.ends_with("@latest")) {
                        report(
                            "BH-DF-039",
                            format!("`go {verb} {p}` without a pinned version (`@vX.Y.Z`)"),
                        );
                        break;
                    }
                }
            }
            _ => {}
        }
        if is_pip(program, args) {
            let (sub, rest) = pip_subcommand(program, args);
            if sub == Some("install") {
                if in_image
                    && !self.pip_no_cache
                    && !args.contains(&"--no-cache-dir")
                    && !cached("/root/.cache/pip")
                {
                    report(
                        "BH-DF-031",
                        "`pip install` without --no-cache-dir".to_owned(),
                    );
                }
                let unpinned = packages(
                    rest,
                    &[
                        "-r",
                        "--requirement",
                        "-c",
                        "--constraint",
                        "-e",
                        "--editable",
                        "-i",
                        "--index-url",
                        "--extra-index-url",
                        "-t",
                        "--target",
                        "--prefix",
                        "--root",
                        "-f",
                        "--find-links",
                        "--trusted-host",
                        "--src",
                        "--platform",
                        "--python-version",
                        "--implementation",
                        "--abi",
                        "--cache-dir",
                        "--progress-bar",
                        "--log",
                    ],
                )
                .filter(|p| {
                    !["==", ">=", "<=", "~=", "!=", "@", "<", ">"]
                        .iter()
                        .any(|op| p.contains(op))
                        && !p.starts_with('.')
                        && !p.starts_with('/')
                        && !p.contains("://")
                        && !has_ext(p, ".whl")
                        && !has_ext(p, ".tar.gz")
                        && !has_ext(p, ".zip")
                });
                let upgrading_pip = rest
                    .iter()
                    .all(|a| a.starts_with('-') || ["pip", "setuptools", "wheel"].contains(a));
                if !upgrading_pip && let Some(p) = unpinned.into_iter().next() {
                    report(
                        "BH-DF-036",
                        format!("`pip install {p}` without a version (`{p}==<version>`)"),
                    );
                }
            }
        }
    }

    /// Every command's program and arguments, worked out once per RUN (rules ask "does
    /// this RUN also clean up?" for each install; asking the commands each time would be
    /// quadratic in a long RUN).
    fn argvs(&self) -> &[(&'r str, Vec<&'r str>)] {
        let script: &'r Script = self.script;
        self.argvs.get_or_init(|| {
            script
                .commands
                .iter()
                .filter_map(|c| {
                    let program = c.program()?;
                    let args = c
                        .effective()
                        .iter()
                        .skip(1)
                        .map(|w| w.value.as_str())
                        .collect();
                    Some((program, args))
                })
                .collect()
        })
    }

    /// Whether a `--mount=type=cache` of this RUN covers `target`.
    fn cache_mount(&self, target: &str) -> bool {
        self.instr
            .flags
            .iter()
            .filter(|f| f.name() == "mount")
            .filter_map(|f| f.value())
            .any(|v| {
                let fields: Vec<&str> = v.split(',').collect();
                fields.contains(&"type=cache")
                    && fields.iter().any(|f| {
                        f.strip_prefix("target=")
                            .or_else(|| f.strip_prefix("dst="))
                            .or_else(|| f.strip_prefix("destination="))
                            .is_some_and(|t| target.starts_with(t.trim_end_matches('/')))
                    })
            })
    }
}

/// ENV/ARG names and raw values (quotes stripped) with their spans.
fn variables(instr: &Instruction) -> Vec<(String, String, Span)> {
    let unquote = |s: &str| s.trim_matches(|c| c == '"' || c == '\'').to_owned();
    match instr.kind {
        Keyword::Env => instr
            .key_values()
            .iter()
            .map(|kv| (kv.key.value.clone(), unquote(&kv.value.value), kv.key.span))
            .collect(),
        Keyword::Arg => instr
            .args
            .iter()
            .filter_map(|a| {
                let (name, value) = a.value.split_once('=')?;
                Some((name.to_owned(), unquote(value), a.span))
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Why setting `name=value` turns TLS verification off, if it does.
fn tls_disabled_by_variable(name: &str, value: &str) -> Option<String> {
    let v = value.trim().to_ascii_lowercase();
    let off = matches!(v.as_str(), "0" | "false" | "no" | "off");
    let on = !v.is_empty() && !off;
    let disabled = match name {
        "PYTHONHTTPSVERIFY" | "NODE_TLS_REJECT_UNAUTHORIZED" => v == "0",
        "NPM_CONFIG_STRICT_SSL" | "YARN_STRICT_SSL" => off,
        "GIT_SSL_NO_VERIFY" | "CURL_INSECURE" => on,
        "PIP_TRUSTED_HOST" => !v.is_empty(),
        _ => false,
    };
    disabled.then(|| format!("`{name}={value}` turns TLS certificate verification off"))
}

/// Whether a yum/dnf command turns its repositories' TLS check off (`--setopt=sslverify=0`,
/// also as `yum-config-manager --save --setopt=repo.sslverify=false`).
fn sslverify_off(program: &str, args: &[&str]) -> bool {
    matches!(
        program,
        "yum" | "dnf" | "microdnf" | "tdnf" | "yum-config-manager" | "dnf-config-manager"
    ) && args.iter().any(|a| {
        let setting = a.to_ascii_lowercase().replace([' ', '"', '\''], "");
        setting
            .split(['=', ','])
            .collect::<Vec<_>>()
            .windows(2)
            .any(|w| {
                (w[0] == "sslverify" || w[0].ends_with(".sslverify"))
                    && matches!(w[1], "0" | "false" | "no")
            })
    })
}

fn span_of(c: &Command, instr: &Instruction) -> Span {
    c.span.unwrap_or(instr.keyword_span)
}

fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

/// `-k` within a cluster of short flags (`-sSLk`), not a long option or a value.
fn short_flag(arg: &str, letter: char) -> bool {
    arg.strip_prefix('-').is_some_and(|rest| {
        !rest.starts_with('-')
            && !rest.is_empty()
            && rest.chars().all(|c| c.is_ascii_alphabetic())
            && rest.contains(letter)
    })
}

/// The subcommand (first argument that is not an option) and the arguments after it.
/// Options taking a value (`-o X`, `-c X`) are skipped with their value.
fn subcommand<'a>(program: &str, args: &'a [&'a str]) -> (Option<&'a str>, &'a [&'a str]) {
    let valued: &[&str] = match program {
        "apt-get" | "apt" => &["-o", "-c", "-t"],
        "yum" | "dnf" | "microdnf" | "tdnf" => &[
            "-c",
            "--config",
            "--installroot",
            "--releasever",
            "--setopt",
            "-d",
            "-e",
        ],
        "zypper" => &["-R", "--root", "--config", "-D", "--reposd-dir"],
        "npm" | "yarn" | "pnpm" => &["--prefix", "--registry", "-C", "--cwd"],
        _ => &[],
    };
    let mut i = 0;
    while i < args.len() {
        let a = args[i];
        if valued.contains(&a) {
            i += 2;
            continue;
        }
        if a.starts_with('-') {
            i += 1;
            continue;
        }
        return (Some(a), &args[i + 1..]);
    }
    (None, &[])
}

fn is_pip(program: &str, args: &[&str]) -> bool {
    program.starts_with("pip")
        && program
            .trim_start_matches("pip")
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.')
        || (program.starts_with("python")
            && args.first() == Some(&"-m")
            && args.get(1).is_some_and(|m| m.starts_with("pip")))
}

/// pip's subcommand, for `pip …` and `python -m pip …`.
fn pip_subcommand<'a>(program: &str, args: &'a [&'a str]) -> (Option<&'a str>, &'a [&'a str]) {
    let args = if program.starts_with("python") {
        args.get(2..).unwrap_or(&[])
    } else {
        args
    };
    subcommand("pip", args)
}

/// The package arguments: not options, not the values of `valued` options.
fn packages<'a>(args: &'a [&'a str], valued: &'a [&'a str]) -> impl Iterator<Item = &'a str> + 'a {
    let mut skip_next = false;
    args.iter().copied().filter(move |a| {
        if skip_next {
            skip_next = false;
            return false;
        }
        if valued.contains(a) {
            skip_next = true;
            return false;
        }
        !a.starts_with('-') && !a.is_empty() && !a.contains('$')
    })
}

/// `name-1.2.3`: a dash followed by a digit (rpm's name-version form).
fn has_dash_digit(p: &str) -> bool {
    p.as_bytes()
        .windows(2)
        .any(|w| w[0] == b'-' && w[1].is_ascii_digit())
}

/// Whether `name` ends with `ext` in any case (`.DEB` too).
fn has_ext(name: &str, ext: &str) -> bool {
    name.len() >= ext.len()
        && name
            .get(name.len() - ext.len()..)
            .is_some_and(|tail| tail.eq_ignore_ascii_case(ext))
}
