//! The `.gitignore` rules of a directory tree, answered the way `git check-ignore --no-index`
//! answers them, so a directory scan can skip what git would never commit.
//!
//! [`GitignoreRules::load`] walks the tree once (symlinks are not followed, `.git`
//! directories are not entered, and directories the rules already ignore are not entered
//! either: nothing under them can be re-included) and reads every `.gitignore` plus
//! `<root>/.git/info/exclude`. [`GitignoreRules::is_ignored`] then applies git's rules:
//!
//! - A `.gitignore` applies to the paths under its directory, relative to it. For one path,
//!   the deepest `.gitignore` with a matching pattern decides, then shallower ones, then
//!   `.git/info/exclude`; within one file the last matching pattern wins. `!` re-includes.
//! - A path inside an ignored directory is ignored whatever its own patterns say: git never
//!   looks inside an excluded directory, so `!` cannot re-include a file there.
//! - Patterns follow `gitignore(5)` and git's `wildmatch`: a pattern with no slash (but a
//!   trailing one) matches a name at any depth, one with a slash is anchored to its file's
//!   directory, a trailing `/` matches directories only, `*`/`?`/`[...]` never match `/`,
//!   `**` between slashes spans directories, `\` escapes, trailing spaces are trimmed unless
//!   escaped, `#` starts a comment. Some details are git's own and kept on purpose: `{a,b}`
//!   is literal, `[[:alpha:]]` classes are ASCII, a pattern with an unclosed `[` or ending in
//!   `\` never matches, CRLF line ends and a UTF-8 BOM are accepted, and in an anchored
//!   pattern a `**` right after the leading literal part spans directories (`/foo**/x`
//!   matches `foox` and `foo/a/b/x`), because git matches that literal part separately.
//! - As git does, a `.gitignore` that is a symbolic link is not read, nor a pattern file of
//!   100 MiB or more; unreadable files are skipped. Each skip is reported in
//!   [`GitignoreRules::warnings`], as is each pattern that can never match.
//!
//! The answer depends only on the tree: the user's global excludes (`core.excludesFile`,
//! `~/.config/git/ignore`), git configuration and environment are never read. So matching
//! is case-sensitive (`core.ignorecase` is not consulted), a `.git` *file* (a worktree or
//! submodule pointing elsewhere) is not followed to its `info/exclude`, and the rules of
//! directories above `root` are not seen. Patterns and paths are compared as Unicode
//! characters where git compares bytes, which differs only when `?` or a `[...]` class
//! meets a non-ASCII character. Paths inside `.git` get git's answer too (usually "not
//! ignored"): excluding `.git` itself is the caller's business.
//!
//! Matching uses `ignore::gitignore` (ripgrep's globs); each git pattern is first rewritten
//! into the glob syntax that matches exactly what git's pattern matches.

use std::collections::HashMap;
use std::io::{self, Read as _};
use std::path::Path;

use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};

/// git skips a pattern file of this size or more (`PATTERN_MAX_FILE_SIZE` in git's `dir.c`).
const MAX_PATTERN_FILE: u64 = 100 * 1024 * 1024;
/// Globs per compiled set: one set for a huge file could exceed the glob regex size limits.
const CHUNK: usize = 2048;
/// Glob text per compiled set, for the same reason.
const CHUNK_BYTES: usize = 128 * 1024;
/// Pattern warnings reported per file; the rest are counted.
const MAX_PATTERN_WARNINGS: usize = 5;

/// The .gitignore rules of a tree, as git applies them: every `.gitignore` under the root
/// (each relative to its own directory), `.git/info/exclude`, later/deeper rules overriding
/// earlier, `!` re-includes, directory-only patterns, and an ignored directory excluding
/// everything under it (git cannot re-include a file inside an excluded directory).
#[derive(Debug, Clone, Default)]
pub struct GitignoreRules {
    /// The compiled `.gitignore` of each directory that has one, keyed by the directory's
    /// path relative to the root (`""` for the root), in chunks in file order.
    dirs: HashMap<String, Vec<Gitignore>>,
    /// `.git/info/exclude`, in chunks.
    exclude: Vec<Gitignore>,
    warnings: Vec<String>,
}

impl GitignoreRules {
    /// Reads the rules from the tree rooted at `root` (a directory on disk), listing
    /// `.gitignore` files in one walk that does not follow symlinks. Unreadable or malformed
    /// files are skipped and reported in `warnings()`.
    pub fn load(root: &Path) -> GitignoreRules {
        let mut rules = GitignoreRules::default();
        rules.load_exclude(root);
        // Depth-first; a directory's own `.gitignore` is compiled before its subdirectories
        // are judged, and every ancestor's before that.
        let mut stack = vec![String::new()];
        while let Some(dir) = stack.pop() {
            let abs = if dir.is_empty() {
                root.to_path_buf()
            } else {
                root.join(&dir)
            };
            let entries = match fs_err::read_dir(&abs) {
                Ok(entries) => entries,
                Err(e) => {
                    rules.warnings.push(format!("cannot list a directory: {e}"));
                    continue;
                }
            };
            let mut subdirs = Vec::new();
            for entry in entries {
                let entry = match entry {
                    Ok(entry) => entry,
                    Err(e) => {
                        rules.warnings.push(format!("cannot list a directory: {e}"));
                        continue;
                    }
                };
                // A name that is not UTF-8 cannot be asked about, nor anything under it.
                let Ok(name) = entry.file_name().into_string() else {
                    continue;
                };
                let file_type = match entry.file_type() {
                    Ok(file_type) => file_type,
                    Err(e) => {
                        rules.warnings.push(format!("cannot read a file type: {e}"));
                        continue;
                    }
                };
                if file_type.is_dir() {
                    if name != ".git" {
                        subdirs.push(name);
                    }
                } else if name == ".gitignore" {
                    let path = entry.path();
                    let kind = if file_type.is_symlink() {
                        Some("is a symbolic link, which git does not follow")
                    } else if file_type.is_file() {
                        None
                    } else {
                        Some("is not a regular file")
                    };
                    if let Some(kind) = kind {
                        rules
                            .warnings
                            .push(format!("skipped `{}`: it {kind}", path.display()));
                    } else if let Some(bytes) = read_pattern_file(&path, &mut rules.warnings) {
                        let sets = compile(&bytes, &path, &mut rules.warnings);
                        if !sets.is_empty() {
                            rules.dirs.insert(dir.clone(), sets);
                        }
                    }
                }
            }
            for name in subdirs {
                let rel = if dir.is_empty() {
                    name
                } else {
                    format!("{dir}/{name}")
                };
                // Its ancestors were entered, so none of them is ignored.
                if rules.decide(&rel, true) != Some(true) {
                    stack.push(rel);
                }
            }
        }
        rules
    }

    /// What went wrong while loading: files skipped and patterns that can never match.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Whether `path` (relative to the root, `/`-separated) is ignored; `is_dir` for
    /// directories. Empty and `.` components are skipped; the root itself is never ignored.
    pub fn is_ignored(&self, path: &str, is_dir: bool) -> bool {
        let clean = path.split('/').all(|c| !c.is_empty() && c != ".");
        let owned;
        let path = if clean {
            path
        } else {
            owned = path
                .split('/')
                .filter(|c| !c.is_empty() && *c != ".")
                .collect::<Vec<_>>()
                .join("/");
            &owned
        };
        if path.is_empty() {
            return false;
        }
        // git does not look inside an excluded directory.
        for (slash, _) in path.match_indices('/') {
            if self.decide(&path[..slash], true) == Some(true) {
                return true;
            }
        }
        self.decide(path, is_dir) == Some(true)
    }

    /// git's verdict on `path` by its own patterns only (not its ancestors'): `Some(true)`
    /// ignored, `Some(false)` re-included, `None` no pattern matched.
    fn decide(&self, path: &str, is_dir: bool) -> Option<bool> {
        if !self.dirs.is_empty() {
            for (slash, _) in path.rmatch_indices('/') {
                if let Some(sets) = self.dirs.get(&path[..slash])
                    && let Some(verdict) = last_match(sets, &path[slash + 1..], is_dir)
                {
                    return Some(verdict);
                }
            }
            if let Some(sets) = self.dirs.get("")
                && let Some(verdict) = last_match(sets, path, is_dir)
            {
                return Some(verdict);
            }
        }
        last_match(&self.exclude, path, is_dir)
    }

    fn load_exclude(&mut self, root: &Path) {
        let path = root.join(".git").join("info").join("exclude");
        // git follows symlinks here; only a regular file is read (a FIFO would block).
        match fs_err::metadata(&path) {
            Ok(meta) if meta.is_file() => {
                if let Some(bytes) = read_pattern_file(&path, &mut self.warnings) {
                    self.exclude = compile(&bytes, &path, &mut self.warnings);
                }
            }
            Ok(_) => self.warnings.push(format!(
                "skipped `{}`: it is not a regular file",
                path.display()
            )),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                ) => {}
            Err(e) => self.warnings.push(format!("skipped an exclude file: {e}")),
        }
    }
}

/// The verdict of the last matching pattern of one file (its chunks in order).
fn last_match(sets: &[Gitignore], path: &str, is_dir: bool) -> Option<bool> {
    sets.iter()
        .rev()
        .find_map(|set| match set.matched(path, is_dir) {
            Match::None => None,
            Match::Ignore(_) => Some(true),
            Match::Whitelist(_) => Some(false),
        })
}

/// The bytes of a pattern file, or `None` (with a warning) when git would not read it.
fn read_pattern_file(path: &Path, warnings: &mut Vec<String>) -> Option<Vec<u8>> {
    let read = || -> io::Result<Option<Vec<u8>>> {
        let file = fs_err::File::open(path)?;
        if !file.metadata()?.is_file() {
            return Err(io::Error::other(format!(
                "`{}` is not a regular file",
                path.display()
            )));
        }
        let mut bytes = Vec::new();
        file.take(MAX_PATTERN_FILE).read_to_end(&mut bytes)?;
        Ok((bytes.len() as u64) < MAX_PATTERN_FILE).map(|fits| fits.then_some(bytes))
    };
    match read() {
        Ok(Some(bytes)) => Some(bytes),
        Ok(None) => {
            warnings.push(format!(
                "skipped `{}`: git ignores pattern files of 100 MiB or more",
                path.display()
            ));
            None
        }
        Err(e) => {
            warnings.push(format!("skipped a pattern file: {e}"));
            None
        }
    }
}

/// Compiles one pattern file into glob sets of at most [`CHUNK`] globs, in file order.
fn compile(bytes: &[u8], source: &Path, warnings: &mut Vec<String>) -> Vec<Gitignore> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut chunk = Chunk::default();
    let mut skipped = 0usize;
    for (index, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let problem = match translate_line(raw) {
            Ok(globs) => globs.into_iter().find_map(|glob| chunk.add(glob).err()),
            Err(reason) => Some(reason.to_owned()),
        };
        if let Some(problem) = problem {
            skipped += 1;
            if skipped <= MAX_PATTERN_WARNINGS {
                let shown: String = String::from_utf8_lossy(raw).chars().take(120).collect();
                warnings.push(format!(
                    "`{}`:{}: pattern `{}` never matches: {problem}",
                    source.display(),
                    index + 1,
                    shown.trim_end()
                ));
            }
        }
    }
    if skipped > MAX_PATTERN_WARNINGS {
        warnings.push(format!(
            "`{}`: {} more patterns never match",
            source.display(),
            skipped - MAX_PATTERN_WARNINGS
        ));
    }
    chunk.flush();
    for glob in chunk.failed {
        warnings.push(format!(
            "`{}`: pattern `{glob}` is skipped: its matcher exceeds the size limit",
            source.display()
        ));
    }
    chunk.sets
}

/// Globs being gathered into sets: a set is built every [`CHUNK`] globs or [`CHUNK_BYTES`]
/// of glob text, so no set outgrows the glob regex size limit.
#[derive(Default)]
struct Chunk {
    builder: Option<GitignoreBuilder>,
    lines: Vec<String>,
    bytes: usize,
    sets: Vec<Gitignore>,
    /// Globs that alone exceed the size limit.
    failed: Vec<String>,
}

impl Chunk {
    fn add(&mut self, glob: String) -> Result<(), String> {
        let builder = self
            .builder
            .get_or_insert_with(|| GitignoreBuilder::new(""));
        builder
            .add_line(None, &glob)
            .map_err(|e| format!("cannot compile it: {e}"))?;
        self.bytes += glob.len();
        self.lines.push(glob);
        if self.lines.len() >= CHUNK || self.bytes >= CHUNK_BYTES {
            self.flush();
        }
        Ok(())
    }

    fn flush(&mut self) {
        if let Some(builder) = self.builder.take() {
            let lines = std::mem::take(&mut self.lines);
            self.bytes = 0;
            self.build(&builder, &lines);
        }
    }

    /// Builds `builder` (holding `lines`); when the set is too large, builds each half.
    fn build(&mut self, builder: &GitignoreBuilder, lines: &[String]) {
        match builder.build() {
            Ok(set) => self.sets.push(set),
            Err(_) if lines.len() > 1 => {
                let (first, second) = lines.split_at(lines.len() / 2);
                for half in [first, second] {
                    let mut builder = GitignoreBuilder::new("");
                    for line in half {
                        // Each was added once already, so it parses.
                        if builder.add_line(None, line).is_err() {
                            self.failed.push(line.clone());
                        }
                    }
                    self.build(&builder, half);
                }
            }
            Err(_) => self.failed.extend(lines.iter().cloned()),
        }
    }
}

/// One pattern, as a token of git's `wildmatch` syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Lit(char),
    Slash,
    /// `?`: one character but `/`.
    Any,
    /// `*`, or a `**` that does not span directories: any run without `/`.
    Star,
    /// `**` between slashes or at an end: spans directories.
    DoubleStar,
    /// `**` right after the literal head of an anchored pattern, before a `/` or the end:
    /// git matches the head apart, so this `**` counts as the start of the pattern.
    HeadStar,
    /// `[...]`: sorted, disjoint ranges, without `/` (never matched by a class).
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

/// Rewrites one line of a pattern file (without its `\n`) as git parses it
/// (`add_patterns_from_buffer`, `parse_path_pattern`) into lines for
/// `GitignoreBuilder::add_line` that together match what git's pattern matches: none for a
/// comment or a blank line, more than one when a `**` after a literal head spans
/// directories. `Err` names why a pattern can never match.
fn translate_line(raw: &[u8]) -> Result<Vec<String>, &'static str> {
    if raw.is_empty() || raw[0] == b'#' {
        return Ok(Vec::new());
    }
    let mut line = raw.strip_suffix(b"\r").unwrap_or(raw);
    if let Some(nul) = memchr::memchr(0, line) {
        line = &line[..nul];
    }
    let line = trim_trailing_spaces(line);
    let text = String::from_utf8_lossy(line);
    let mut body: &str = &text;
    let negated = body.starts_with('!');
    if negated {
        body = &body[1..];
    }
    let dir_only = body.ends_with('/');
    if dir_only {
        body = &body[..body.len() - 1];
    }
    let anchored = body.contains('/');
    if anchored {
        body = body.strip_prefix('/').unwrap_or(body);
    }
    if body.is_empty() {
        return Ok(Vec::new());
    }
    let chars: Vec<char> = body.chars().collect();
    let tokens = tokenize(&chars, anchored)?;
    // A glob ending in `/` could only match a path ending in `/` (`globset` would read a
    // trailing `**/` as "anything").
    let expanded: Vec<Vec<Tok>> = expand(tokens)
        .into_iter()
        .filter(|tokens| tokens.last() != Some(&Tok::Slash))
        .collect();
    if expanded.is_empty() {
        return Err("it ends with `//`: no path ends with `/`");
    }
    Ok(expanded
        .iter()
        .map(|tokens| {
            let mut out = String::new();
            if negated {
                out.push('!');
            }
            if anchored {
                out.push('/');
            }
            emit(tokens, &mut out);
            if dir_only {
                out.push('/');
            }
            out
        })
        .collect())
}

/// git's `trim_trailing_spaces`: drops trailing spaces unless the first is escaped.
fn trim_trailing_spaces(line: &[u8]) -> &[u8] {
    let mut last_space = None;
    let mut i = 0;
    while i < line.len() {
        match line[i] {
            b' ' => {
                last_space.get_or_insert(i);
            }
            b'\\' => {
                i += 1;
                if i >= line.len() {
                    return line;
                }
                last_space = None;
            }
            _ => last_space = None,
        }
        i += 1;
    }
    last_space.map_or(line, |end| &line[..end])
}

fn tokenize(p: &[char], anchored: bool) -> Result<Vec<Tok>, &'static str> {
    // git compares the part before the first wildcard apart from the rest (`match_pathname`).
    let head = p
        .iter()
        .position(|c| matches!(c, '*' | '?' | '[' | '\\'))
        .unwrap_or(p.len());
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            '\\' => {
                let Some(&c) = p.get(i + 1) else {
                    return Err("it ends with an unescaped `\\`");
                };
                tokens.push(if c == '/' { Tok::Slash } else { Tok::Lit(c) });
                i += 2;
            }
            '/' => {
                tokens.push(Tok::Slash);
                i += 1;
            }
            '?' => {
                tokens.push(Tok::Any);
                i += 1;
            }
            '*' => {
                let mut j = i;
                while p.get(j) == Some(&'*') {
                    j += 1;
                }
                // Without a slash git matches the name alone, where `**` is `*`. A `**`
                // spans directories only after a `/` (or at the start of the pattern or of
                // its wildcard part) and before a `/` or the end.
                let after_slash = i > 0 && p[i - 1] == '/';
                let spans = j - i > 1 && anchored && (i == 0 || after_slash || i == head);
                if spans && p[j..].starts_with(&['\\', '/']) {
                    // Before an escaped `/`, git does not try "no directory": `.*` then `/`.
                    tokens.extend([Tok::Star, Tok::Slash, Tok::DoubleStar]);
                    i = j;
                    continue;
                }
                let token = match (spans, j == p.len() || p[j] == '/') {
                    (true, true) if i == 0 || after_slash => Tok::DoubleStar,
                    (true, true) => Tok::HeadStar,
                    _ => Tok::Star,
                };
                tokens.push(token);
                i = j;
            }
            '[' => {
                let (token, next) = class(p, i)?;
                tokens.push(token);
                i = next;
            }
            c => {
                tokens.push(Tok::Lit(c));
                i += 1;
            }
        }
    }
    Ok(tokens)
}

/// Parses the class opening at `p[open]` as `wildmatch` does; returns it and the index after
/// its `]`.
fn class(p: &[char], open: usize) -> Result<(Tok, usize), &'static str> {
    const UNCLOSED: &str = "a `[` is never closed";
    let mut k = open + 1;
    let negated = matches!(p.get(k), Some('!' | '^'));
    if negated {
        k += 1;
    }
    let mut ranges: Vec<(char, char)> = Vec::new();
    let mut prev: Option<char> = None;
    loop {
        let Some(&c) = p.get(k) else {
            return Err(UNCLOSED);
        };
        let mut current = None;
        if c == '\\' {
            k += 1;
            let &e = p.get(k).ok_or(UNCLOSED)?;
            ranges.push((e, e));
            current = Some(e);
        } else if c == '-'
            && let Some(lo) = prev
            && p.get(k + 1).is_some_and(|&n| n != ']')
        {
            k += 1;
            let mut hi = p[k];
            if hi == '\\' {
                k += 1;
                hi = *p.get(k).ok_or(UNCLOSED)?;
            }
            // A reversed range matches nothing.
            if lo <= hi {
                ranges.push((lo, hi));
            }
        } else if c == '[' && p.get(k + 1) == Some(&':') {
            let start = k + 2;
            let end = start + p[start..].iter().position(|&x| x == ']').ok_or(UNCLOSED)?;
            if end > start && p[end - 1] == ':' {
                let name: String = p[start..end - 1].iter().collect();
                ranges.extend_from_slice(posix_class(&name).ok_or("unknown `[:class:]`")?);
                k = end;
            } else {
                // No `:]`: the `[` is an ordinary member, and parsing resumes at the `:`.
                ranges.push(('[', '['));
                current = Some('[');
            }
        } else {
            ranges.push((c, c));
            current = Some(c);
        }
        prev = current;
        k += 1;
        if p.get(k) == Some(&']') {
            break;
        }
    }
    let ranges = normalize(ranges);
    let token = match (negated, ranges.is_empty()) {
        (false, true) => return Err("a `[...]` class matches no character"),
        // Any character but `/`.
        (true, true) => Tok::Any,
        _ => Tok::Class { negated, ranges },
    };
    Ok((token, k + 1))
}

/// git's ASCII classes (`wildmatch.c` with git's `sane_ctype`).
fn posix_class(name: &str) -> Option<&'static [(char, char)]> {
    Some(match name {
        "alnum" => &[('0', '9'), ('A', 'Z'), ('a', 'z')],
        "alpha" => &[('A', 'Z'), ('a', 'z')],
        "blank" => &[('\t', '\t'), (' ', ' ')],
        "cntrl" => &[('\0', '\x1f'), ('\x7f', '\x7f')],
        "digit" => &[('0', '9')],
        "graph" => &[('!', '~')],
        "lower" => &[('a', 'z')],
        "print" => &[(' ', '~')],
        "punct" => &[('!', '/'), (':', '@'), ('[', '`'), ('{', '~')],
        "space" => &[('\t', '\n'), ('\r', '\r'), (' ', ' ')],
        "upper" => &[('A', 'Z')],
        "xdigit" => &[('0', '9'), ('A', 'F'), ('a', 'f')],
        _ => return None,
    })
}

/// Sorts and merges ranges, without `/`: git's classes never match it in a path, and
/// `globset` (with `literal_separator`) keeps it out of negated classes by itself. A `/`
/// written into the glob would also make `ignore` anchor an unanchored pattern.
fn normalize(ranges: Vec<(char, char)>) -> Vec<(char, char)> {
    let mut ranges: Vec<(char, char)> = ranges
        .into_iter()
        .flat_map(|(lo, hi)| {
            if lo <= '/' && '/' <= hi {
                [(lo, '.'), ('0', hi)]
            } else {
                [(lo, hi), ('1', '0')]
            }
        })
        .filter(|(lo, hi)| lo <= hi)
        .collect();
    ranges.sort_unstable();
    let mut merged: Vec<(char, char)> = Vec::with_capacity(ranges.len());
    for (lo, hi) in ranges {
        if let Some(last) = merged.last_mut()
            && u32::from(lo) <= u32::from(last.1) + 1
        {
            last.1 = last.1.max(hi);
            continue;
        }
        merged.push((lo, hi));
    }
    merged
}

/// Replaces each [`Tok::HeadStar`] by globs whose union matches the same: `head**` is
/// `head*` or `head*/**`; `head**/tail` is `head` + `tail` (zero directories; git matches
/// `tail` as a pattern of its own, so a `**` opening it is a head star again) or
/// `head*/**/tail`.
fn expand(tokens: Vec<Tok>) -> Vec<Vec<Tok>> {
    let Some(at) = tokens.iter().position(|t| *t == Tok::HeadStar) else {
        return vec![tokens];
    };
    let head = &tokens[..at];
    let rest = &tokens[at + 1..];
    match rest.split_first() {
        None => vec![
            [head, &[Tok::Star]].concat(),
            [head, &[Tok::Star, Tok::Slash, Tok::DoubleStar]].concat(),
        ],
        Some((Tok::Slash, tail)) => {
            let mut zero = head.to_vec();
            match tail.split_first() {
                Some((Tok::DoubleStar, after)) => {
                    zero.push(Tok::HeadStar);
                    zero.extend_from_slice(after);
                }
                _ => zero.extend_from_slice(tail),
            }
            let mut out = expand(zero);
            out.push(
                [
                    head,
                    &[Tok::Star, Tok::Slash, Tok::DoubleStar, Tok::Slash],
                    tail,
                ]
                .concat(),
            );
            out
        }
        // `tokenize` makes a head star only before a slash or the end.
        Some(_) => {
            let mut tokens = tokens;
            tokens[at] = Tok::Star;
            vec![tokens]
        }
    }
}

/// Writes tokens in the glob syntax of `ignore`/`globset` (escapes for what `globset`
/// reads as syntax: `{a,b}` alternation among them).
fn emit(tokens: &[Tok], out: &mut String) {
    for token in tokens {
        match token {
            Tok::Lit(c) => push_literal(*c, out),
            Tok::Slash => out.push('/'),
            Tok::Any => out.push('?'),
            // `expand` leaves no head star.
            Tok::Star | Tok::HeadStar => out.push('*'),
            Tok::DoubleStar => out.push_str("**"),
            Tok::Class { negated, ranges } => push_class(*negated, ranges, out),
        }
    }
}

fn push_literal(c: char, out: &mut String) {
    match c {
        // `\\` would become a dangling escape when `ignore` strips an escaped trailing `/`.
        '\\' => out.push_str("[\\]"),
        '?' | '*' | '[' | ']' | '{' | '}' | ',' | '!' | '#' | ' ' => {
            out.push('\\');
            out.push(c);
        }
        c => out.push(c),
    }
}

/// A class in `globset` syntax, which has no escapes inside `[...]`: `]` only first, `-`
/// only first or last, `!`/`^` not first, `[` not before `:`.
fn push_class(negated: bool, ranges: &[(char, char)], out: &mut String) {
    const SPECIAL: [u8; 5] = [b'!', b'-', b'[', b']', b'^'];
    let mut plain: Vec<(char, char)> = Vec::new();
    let mut special: Vec<u8> = Vec::new();
    for &(lo, hi) in ranges {
        let mut from = lo;
        for s in SPECIAL {
            let sc = char::from(s);
            if from <= sc && sc <= hi {
                if from < sc {
                    plain.push((from, char::from(s - 1)));
                }
                special.push(s);
                from = char::from(s + 1);
            }
        }
        if from <= hi {
            plain.push((from, hi));
        }
    }
    let has = |s: u8| special.contains(&s);
    if !negated && plain.is_empty() && !has(b']') && !has(b'[') && !has(b'-') {
        // Only `!` and/or `^`: no class can start with them.
        match (has(b'!'), has(b'^')) {
            (true, true) => out.push_str("{\\!,\\^}"),
            (true, false) => out.push_str("\\!"),
            _ => out.push_str("\\^"),
        }
        return;
    }
    out.push('[');
    if negated {
        out.push('!');
    }
    let first_is_safe = negated || has(b']') || !plain.is_empty() || has(b'[');
    if has(b']') {
        out.push(']');
    }
    if !first_is_safe && has(b'-') {
        out.push('-');
    }
    for &(lo, hi) in &plain {
        out.push(lo);
        if hi != lo {
            if u32::from(hi) > u32::from(lo) + 1 {
                out.push('-');
            }
            out.push(hi);
        }
    }
    for s in [b'[', b'!', b'^'] {
        if has(s) {
            out.push(char::from(s));
        }
    }
    if first_is_safe && has(b'-') {
        out.push('-');
    }
    out.push(']');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn globs(line: &str) -> Vec<String> {
        translate_line(line.as_bytes()).unwrap()
    }

    #[test]
    fn rules_can_be_shared_across_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<GitignoreRules>();
    }

    #[test]
    fn comments_blank_and_trailing_spaces() {
        assert!(globs("# x").is_empty());
        assert!(globs("").is_empty());
        assert!(globs("   ").is_empty());
        assert!(globs("!").is_empty());
        assert!(globs("/").is_empty());
        assert_eq!(globs("a  "), ["a"]);
        assert_eq!(globs("a\\  "), ["a\\ "]);
        assert_eq!(globs("a\r"), ["a"]);
        assert_eq!(globs("\\#a"), ["\\#a"]);
        assert_eq!(globs("\\!a"), ["\\!a"]);
    }

    #[test]
    fn anchoring_and_braces() {
        assert_eq!(globs("*.log"), ["*.log"]);
        assert_eq!(globs("!/build/"), ["!/build/"]);
        assert_eq!(globs("a/**/b"), ["/a/**/b"]);
        assert_eq!(globs("x{a,b}"), ["x\\{a\\,b\\}"]);
        assert_eq!(globs("a\\\\"), ["a[\\]"]);
        assert_eq!(globs("a/b***c"), ["/a/b*c"]);
    }

    #[test]
    fn head_star_expands() {
        assert_eq!(globs("/ab**"), ["/ab*", "/ab*/**"]);
        assert_eq!(globs("ab**/c"), ["/abc", "/ab*/**/c"]);
        assert_eq!(globs("ab**/**/c"), ["/abc", "/ab*/**/c", "/ab*/**/**/c"]);
        assert_eq!(globs("**\\/c"), ["/*/**/c"]);
        assert_eq!(globs("ab**\\/c"), ["/ab*/**/c"]);
        assert_eq!(globs("ab**//"), ["/ab/"]);
        assert!(translate_line(b"/**//").is_err());
    }

    #[test]
    fn classes() {
        assert_eq!(globs("[!a]"), ["[!a]"]);
        assert_eq!(globs("x[!/]"), ["/x?"]);
        assert_eq!(globs("[]-]"), ["[]-]"]);
        assert_eq!(globs("[!]]"), ["[!]]"]);
        assert_eq!(globs("[\\!]"), ["\\!"]);
        assert_eq!(globs("[-!]"), ["[-!]"]);
        assert_eq!(globs("[[:digit:]x]"), ["[0-9x]"]);
        assert_eq!(globs("[[:x]"), ["[:x[]"]);
        assert_eq!(globs("[a-c-e]"), ["[a-ce-]"]);
        assert!(translate_line(b"[abc").is_err());
        assert!(translate_line(b"[[:nope:]]").is_err());
        // As in git, the low end of a reversed range still counts on its own.
        assert_eq!(globs("[z-a]"), ["[z]"]);
        assert!(translate_line(b"a[/]").is_err());
        assert!(translate_line(b"a\\").is_err());
    }
}
