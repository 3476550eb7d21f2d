//! Reading advisory feeds from disk: directories (walked, symlinks not followed), zip
//! archives, and single JSON/YAML files, in any mix. Each file's format is recognised from its
//! content, not its path, so a feed can be imported from wherever it was unpacked: OSV JSON,
//! OSV YAML, Alpine secdb JSON, rubysec YAML, FriendsOfPHP YAML. Files that are none of these
//! (READMEs, licences) are counted as skipped; files that are one of these but broken are
//! counted as failed with the reason, and the import goes on.
//!
//! Parsing runs in parallel over batches of files; the writer takes the advisories in path
//! order, so an import is deterministic.

mod alpine;
mod friendsofphp;
mod lenient;
mod osv;
mod rubysec;

use std::io::Read as _;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::model::Advisory;
use crate::names::ecosystem_base;
use crate::store::{DbError, Writer};

/// Largest advisory file read (the biggest real OSV record is a few MB).
pub const MAX_FILE_SIZE: u64 = 32 << 20;
/// Largest zip archive member read, and total bytes read from one archive.
const MAX_ZIP_TOTAL: u64 = 4 << 30;
/// Files parsed per parallel batch: bounds memory to a batch of advisories.
const BATCH: usize = 512;

/// A file that looked like an advisory feed but could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportStats {
    /// Files (or archive members) read.
    pub files: u64,
    /// Advisories written.
    pub advisories: u64,
    /// Withdrawn advisories and interpreter advisories left out.
    pub withdrawn: u64,
    /// Files that are no advisory format (READMEs, licences, other JSON).
    pub skipped: u64,
    /// Files in an advisory format that failed to parse: `(path, reason)`.
    pub failed: Vec<(String, String)>,
}

/// Progress of a running import, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

/// Imports every advisory under each of `paths` into `writer`. An unreadable path is an
/// error; unreadable files inside it are counted in [`ImportStats::failed`].
pub fn import_paths(
    writer: &mut Writer,
    paths: &[PathBuf],
    progress: &mut dyn FnMut(Progress),
) -> Result<ImportStats, DbError> {
    let mut inputs = Vec::new();
    for path in paths {
        collect(path, &mut inputs)?;
    }
    let mut stats = ImportStats::default();
    let total = inputs.len() as u64;
    let mut done = 0;
    for batch in inputs.chunks(BATCH) {
        let parsed: Vec<(String, Parsed)> = batch
            .par_iter()
            .flat_map_iter(|input| match input {
                Input::File(path) => vec![(path.display().to_string(), parse_file(path))],
                Input::Zip(path) => parse_zip(path),
            })
            .collect();
        for (name, outcome) in parsed {
            stats.files += 1;
            match outcome {
                Parsed::Advisories(advisories) => {
                    for advisory in advisories {
                        writer.add(&advisory)?;
                        stats.advisories += 1;
                    }
                }
                Parsed::Withdrawn => stats.withdrawn += 1,
                Parsed::NotAdvisory => stats.skipped += 1,
                Parsed::Failed(reason) => stats.failed.push((name, reason)),
            }
        }
        done += batch.len() as u64;
        progress(Progress { done, total });
    }
    Ok(stats)
}

enum Input {
    File(PathBuf),
    Zip(PathBuf),
}

/// Lists the files under `path` in sorted order, not following symlinks.
fn collect(path: &Path, out: &mut Vec<Input>) -> Result<(), DbError> {
    let meta = fs_err::symlink_metadata(path).map_err(|e| DbError::io(path, e))?;
    if meta.is_dir() {
        let mut entries: Vec<PathBuf> = fs_err::read_dir(path)
            .map_err(|e| DbError::io(path, e))?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .map_err(|e| DbError::io(path, e))?;
        entries.sort();
        for entry in entries {
            let meta = fs_err::symlink_metadata(&entry).map_err(|e| DbError::io(&entry, e))?;
            if meta.is_dir() {
                if entry.file_name().is_none_or(|n| n != ".git") {
                    collect(&entry, out)?;
                }
            } else if meta.is_file() {
                out.push(classify(entry));
            }
        }
    } else if meta.is_file() {
        out.push(classify(path.to_owned()));
    } else {
        return Err(DbError::Input(format!(
            "`{}` is neither a file nor a directory",
            path.display()
        )));
    }
    Ok(())
}

fn classify(path: PathBuf) -> Input {
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
    {
        Input::Zip(path)
    } else {
        Input::File(path)
    }
}

enum Parsed {
    Advisories(Vec<Advisory>),
    Withdrawn,
    NotAdvisory,
    Failed(String),
}

fn parse_file(path: &Path) -> Parsed {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let Some(kind) = name.as_deref().and_then(kind_of) else {
        return Parsed::NotAdvisory;
    };
    let bytes = match read_capped(path) {
        Ok(b) => b,
        Err(reason) => return Parsed::Failed(reason),
    };
    parse_bytes(kind, &bytes, &stem(name.as_deref().unwrap_or("")))
}

fn read_capped(path: &Path) -> Result<Vec<u8>, String> {
    let file = fs_err::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(format!("larger than {MAX_FILE_SIZE} bytes"));
    }
    Ok(bytes)
}

fn parse_zip(path: &Path) -> Vec<(String, Parsed)> {
    let display = path.display().to_string();
    let archive = fs_err::File::open(path)
        .map_err(|e| e.to_string())
        .and_then(|f| zip::ZipArchive::new(f).map_err(|e| e.to_string()));
    let mut archive = match archive {
        Ok(a) => a,
        Err(reason) => return vec![(display, Parsed::Failed(reason))],
    };
    let mut out = Vec::new();
    let mut total = 0u64;
    for index in 0..archive.len() {
        let mut member = match archive.by_index(index) {
            Ok(m) => m,
            Err(e) => {
                out.push((format!("{display}[{index}]"), Parsed::Failed(e.to_string())));
                continue;
            }
        };
        let raw_name = member
            .name()
            .map(std::borrow::Cow::into_owned)
            .unwrap_or_default();
        let member_name = format!("{display}!{raw_name}");
        let file_name = raw_name.rsplit('/').next().unwrap_or("").to_owned();
        if !member.is_file() {
            continue;
        }
        let Some(kind) = kind_of(&file_name) else {
            out.push((member_name, Parsed::NotAdvisory));
            continue;
        };
        let mut bytes = Vec::new();
        // The declared size is attacker-controlled; the cap is on what inflates.
        if let Err(e) = (&mut member)
            .take(MAX_FILE_SIZE + 1)
            .read_to_end(&mut bytes)
        {
            out.push((member_name, Parsed::Failed(e.to_string())));
            continue;
        }
        if bytes.len() as u64 > MAX_FILE_SIZE {
            out.push((
                member_name,
                Parsed::Failed(format!("larger than {MAX_FILE_SIZE} bytes")),
            ));
            continue;
        }
        total += bytes.len() as u64;
        if total > MAX_ZIP_TOTAL {
            out.push((
                member_name,
                Parsed::Failed(format!(
                    "archive inflates to more than {MAX_ZIP_TOTAL} bytes"
                )),
            ));
            break;
        }
        out.push((member_name, parse_bytes(kind, &bytes, &stem(&file_name))));
    }
    out
}

#[derive(Clone, Copy)]
enum Kind {
    Json,
    Yaml,
}

fn kind_of(file_name: &str) -> Option<Kind> {
    let extension = Path::new(file_name).extension()?;
    if extension.eq_ignore_ascii_case("json") {
        Some(Kind::Json)
    } else if extension.eq_ignore_ascii_case("yaml") || extension.eq_ignore_ascii_case("yml") {
        Some(Kind::Yaml)
    } else {
        None
    }
}

fn stem(file_name: &str) -> String {
    file_name
        .rsplit_once('.')
        .map_or(file_name, |(s, _)| s)
        .to_owned()
}

/// Recognises the format from the content and parses it.
fn parse_bytes(kind: Kind, bytes: &[u8], file_stem: &str) -> Parsed {
    let outcome = match kind {
        Kind::Json => parse_json(bytes),
        Kind::Yaml => parse_yaml(bytes, file_stem),
    };
    match outcome {
        Ok(parsed) => parsed,
        Err(ParseError(reason)) => Parsed::Failed(reason),
    }
}

fn parse_json(bytes: &[u8]) -> Result<Parsed, ParseError> {
    let keys = top_level_keys(bytes)?;
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    if alpine::looks_like(&keys) {
        let advisories = alpine::parse(bytes)?
            .into_iter()
            .map(|a| with_source(a, "alpine-secdb"))
            .collect();
        return Ok(Parsed::Advisories(advisories));
    }
    if osv::looks_like(&keys) {
        return Ok(match osv::parse_json(bytes)? {
            Some(a) => Parsed::Advisories(vec![osv_source(a)]),
            None => Parsed::Withdrawn,
        });
    }
    Ok(Parsed::NotAdvisory)
}

fn parse_yaml(bytes: &[u8], file_stem: &str) -> Result<Parsed, ParseError> {
    let text = String::from_utf8_lossy(bytes);
    refuse_aliases(&text)?;
    if rubysec::looks_like(&text) {
        return Ok(match rubysec::parse(bytes, file_stem)? {
            Some(a) => Parsed::Advisories(vec![with_source(a, "rubysec")]),
            None => Parsed::Withdrawn,
        });
    }
    if friendsofphp::looks_like(&text) {
        let a = friendsofphp::parse(bytes, file_stem)?;
        return Ok(Parsed::Advisories(vec![with_source(a, "friendsofphp")]));
    }
    if text.lines().any(|l| l.starts_with("id:")) && text.contains("affected") {
        return Ok(match osv::parse_yaml(bytes)? {
            Some(a) => Parsed::Advisories(vec![osv_source(a)]),
            None => Parsed::Withdrawn,
        });
    }
    Ok(Parsed::NotAdvisory)
}

/// Refuses YAML with aliases before serde sees it. serde_yaml_ng bounds the number of alias
/// jumps, not what each jump copies, so a few hundred kilobytes of nested aliases expand to
/// billions of values (a "billion laughs" that its limit misses). No advisory feed uses
/// anchors, so a document with an alias is refused outright; the check is one pass over the
/// parse events (saphyr's parser, which reports aliases as events), linear in the input.
fn refuse_aliases(text: &str) -> Result<(), ParseError> {
    for event in saphyr_parser::Parser::new_from_str(text) {
        match event {
            Ok((saphyr_parser::Event::Alias(_), span)) => {
                return Err(ParseError(format!(
                    "YAML alias at line {}: advisory files must not use anchors and aliases",
                    span.start.line()
                )));
            }
            Ok(_) => {}
            Err(e) => return Err(ParseError(format!("invalid YAML: {e}"))),
        }
    }
    Ok(())
}

/// The keys of a JSON object, read without building the whole document; `Err` if it is not
/// JSON at all, empty if it is JSON but not an object.
fn top_level_keys(bytes: &[u8]) -> Result<Vec<String>, ParseError> {
    use serde::de::{Deserializer as _, IgnoredAny, MapAccess, Visitor};
    struct Keys;
    impl<'de> Visitor<'de> for Keys {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut keys = Vec::new();
            while let Some(key) = map.next_key::<String>()? {
                map.next_value::<IgnoredAny>()?;
                keys.push(key);
            }
            Ok(keys)
        }
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match de.deserialize_map(Keys) {
        Ok(keys) => Ok(keys),
        // Valid JSON of another shape (an array, a string): not an advisory.
        Err(e) if e.classify() == serde_json::error::Category::Data => Ok(Vec::new()),
        Err(e) => Err(ParseError(e.to_string())),
    }
}

/// OSV records are grouped by ecosystem: `osv/Debian`, `osv/PyPI`, `osv/npm`, …
fn osv_source(advisory: Advisory) -> Advisory {
    let ecosystem = advisory
        .affected
        .first()
        .map_or("none", |a| ecosystem_base(&a.ecosystem))
        .to_owned();
    with_source(advisory, &format!("osv/{ecosystem}"))
}

fn with_source(mut advisory: Advisory, source: &str) -> Advisory {
    source.clone_into(&mut advisory.source);
    advisory
}

/// Parses one file's bytes as an import would, for fuzzing: must never panic.
#[doc(hidden)]
pub fn fuzz_parse(bytes: &[u8]) -> usize {
    let mut n = 0;
    for kind in [Kind::Json, Kind::Yaml] {
        if let Parsed::Advisories(a) = parse_bytes(kind, bytes, "fuzz") {
            n += a.len();
        }
    }
    n
}
