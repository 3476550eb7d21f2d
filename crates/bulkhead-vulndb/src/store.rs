//! The SQLite file: schema, the [`Writer`] that builds or updates it atomically, and the
//! read-only [`Database`] the matcher queries.
//!
//! Layout: `advisory` (one row per advisory and source, the non-package fields as JSON),
//! `affected` (one row per advisory × ecosystem × package, indexed by ecosystem and package;
//! ranges as JSON, listed versions as newline-separated text so membership is a substring
//! search rather than a JSON parse), `meta` (schema version, build time, what was imported).
//!
//! A writer works on a temporary file beside the destination and renames it into place only
//! in [`Writer::finish`], so readers see the old database or the new one, never half of one,
//! and a crash leaves at most a stray temporary file.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use bulkhead_finding::Severity;
use rusqlite::{Connection, OpenFlags, OptionalExtension as _, params};
use serde::{Deserialize, Serialize};

use crate::SCHEMA_VERSION;
use crate::model::{Advisory, Cvss, Range};

/// Errors opening, reading or writing a database.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot read `{path}`: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("vulnerability database `{path}`: {source}")]
    Sqlite {
        path: String,
        source: rusqlite::Error,
    },
    #[error(
        "vulnerability database `{path}` has schema version {found}, this bulkhead reads {expected}; rebuild it with `bulkhead db import --replace` or `bulkhead db update`"
    )]
    Schema {
        path: String,
        found: String,
        expected: u32,
    },
    #[error("{0}")]
    Input(String),
    #[error("corrupt record in the vulnerability database: {0}")]
    Corrupt(String),
}

impl DbError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        DbError::Io {
            path: path.to_owned(),
            source,
        }
    }
}

fn sqlite(path: &str) -> impl Fn(rusqlite::Error) -> DbError + '_ {
    move |source| DbError::Sqlite {
        path: path.to_owned(),
        source,
    }
}

const SCHEMA: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE advisory (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    source TEXT NOT NULL,
    modified TEXT,
    body TEXT NOT NULL,
    UNIQUE (id, source)
);
CREATE TABLE affected (
    advisory INTEGER NOT NULL REFERENCES advisory(rowid),
    ecosystem TEXT NOT NULL,
    package TEXT NOT NULL,
    ranges TEXT NOT NULL,
    versions TEXT NOT NULL,
    severity TEXT
);
CREATE INDEX affected_by_package ON affected (ecosystem, package);
CREATE INDEX affected_by_advisory ON affected (advisory);
";

/// The advisory fields stored as JSON in `advisory.body`.
#[derive(Serialize, Deserialize)]
struct AdvisoryBody {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    aliases: Vec<String>,
    #[serde(default)]
    summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    severity: Option<Severity>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    cvss: Vec<Cvss>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    published: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    references: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    informational: Option<String>,
}

/// Builds a new database, or an updated copy of an existing one, and puts it in place.
#[derive(Debug)]
pub struct Writer {
    conn: Connection,
    tmp: tempfile::TempPath,
    dest: PathBuf,
    imported: Vec<String>,
}

impl Writer {
    /// Starts an empty database that [`finish`](Self::finish) will put at `dest`.
    pub fn create(dest: &Path) -> Result<Self, DbError> {
        Self::start(dest, None)
    }

    /// Starts from a copy of `base` (a database file), to add or replace advisories in it.
    pub fn update(dest: &Path, base: &Path) -> Result<Self, DbError> {
        Self::start(dest, Some(base))
    }

    fn start(dest: &Path, base: Option<&Path>) -> Result<Self, DbError> {
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        fs_err::create_dir_all(&dir).map_err(|e| DbError::io(&dir, e))?;
        let tmp = tempfile::Builder::new()
            .prefix(".bulkhead-db-")
            .suffix(".tmp")
            .tempfile_in(&dir)
            .map_err(|e| DbError::io(&dir, e))?
            .into_temp_path();
        if let Some(base) = base {
            // Checks the base is a database we can read before copying it.
            Database::open(base)?;
            fs_err::copy(base, &tmp).map_err(|e| DbError::io(base, e))?;
        }
        let name = tmp.display().to_string();
        let conn = Connection::open(&tmp).map_err(sqlite(&name))?;
        conn.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
            .map_err(sqlite(&name))?;
        if base.is_none() {
            conn.execute_batch(SCHEMA).map_err(sqlite(&name))?;
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?1)",
                [SCHEMA_VERSION.to_string()],
            )
            .map_err(sqlite(&name))?;
        }
        conn.execute_batch("BEGIN").map_err(sqlite(&name))?;
        Ok(Writer {
            conn,
            tmp,
            dest: dest.to_owned(),
            imported: Vec::new(),
        })
    }

    /// Adds an advisory, replacing any earlier one with the same id from the same source.
    pub fn add(&mut self, advisory: &Advisory) -> Result<(), DbError> {
        let name = self.tmp.display().to_string();
        let err = sqlite(&name);
        let body = AdvisoryBody {
            aliases: advisory.aliases.clone(),
            summary: advisory.summary.clone(),
            severity: advisory.severity,
            cvss: advisory.cvss.clone(),
            published: advisory.published.clone(),
            references: advisory.references.clone(),
            informational: advisory.informational.clone(),
        };
        let body = serde_json::to_string(&body).map_err(|e| DbError::Corrupt(e.to_string()))?;
        let old: Option<i64> = self
            .conn
            .prepare_cached("SELECT rowid FROM advisory WHERE id = ?1 AND source = ?2")
            .and_then(|mut s| {
                s.query_row(params![advisory.id, advisory.source], |r| r.get(0))
                    .optional()
            })
            .map_err(&err)?;
        if let Some(rowid) = old {
            self.conn
                .execute("DELETE FROM affected WHERE advisory = ?1", [rowid])
                .map_err(&err)?;
            self.conn
                .execute("DELETE FROM advisory WHERE rowid = ?1", [rowid])
                .map_err(&err)?;
        }
        self.conn
            .prepare_cached(
                "INSERT INTO advisory (id, source, modified, body) VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    advisory.id,
                    advisory.source,
                    advisory.modified,
                    body
                ])
            })
            .map_err(&err)?;
        let rowid = self.conn.last_insert_rowid();
        let mut insert = self
            .conn
            .prepare_cached(
                "INSERT INTO affected (advisory, ecosystem, package, ranges, versions, severity)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .map_err(&err)?;
        for affected in &advisory.affected {
            let ranges = serde_json::to_string(&affected.ranges)
                .map_err(|e| DbError::Corrupt(e.to_string()))?;
            // Newline-framed, so `\n1.2\n` finds exactly the listed version `1.2`.
            let versions = if affected.versions.is_empty() {
                String::new()
            } else {
                let clean: Vec<&str> = affected
                    .versions
                    .iter()
                    .map(|v| v.trim())
                    .filter(|v| !v.is_empty() && !v.contains('\n'))
                    .collect();
                format!("\n{}\n", clean.join("\n"))
            };
            insert
                .execute(params![
                    rowid,
                    affected.ecosystem,
                    affected.package,
                    ranges,
                    versions,
                    affected.severity.map(Severity::as_str),
                ])
                .map_err(&err)?;
        }
        Ok(())
    }

    /// Records that `what` (a path or URL) was imported, for `bulkhead db status`.
    pub fn note_import(&mut self, what: &str) {
        self.imported.push(what.to_owned());
    }

    /// Stamps the build time (`built_at`, RFC 3339), compacts, and renames the file to its
    /// destination. Until this returns the destination is untouched.
    pub fn finish(self, built_at: &str) -> Result<PathBuf, DbError> {
        let name = self.tmp.display().to_string();
        let err = sqlite(&name);
        let mut imported: Vec<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'imported'", [], |r| {
                r.get::<_, String>(0)
            })
            .optional()
            .map_err(&err)?
            .and_then(|v| serde_json::from_str(&v).ok())
            .unwrap_or_default();
        imported.extend(self.imported.iter().cloned());
        let imported =
            serde_json::to_string(&imported).map_err(|e| DbError::Corrupt(e.to_string()))?;
        self.conn
            .execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('built_at', ?1), ('imported', ?2)",
                params![built_at, imported],
            )
            .map_err(&err)?;
        self.conn
            .execute_batch("COMMIT; ANALYZE; VACUUM;")
            .map_err(&err)?;
        self.conn.close().map_err(|(_, e)| err(e))?;
        let file = fs_err::File::open(&self.tmp).map_err(|e| DbError::io(&self.tmp, e))?;
        file.sync_all().map_err(|e| DbError::io(&self.tmp, e))?;
        self.tmp
            .persist(&self.dest)
            .map_err(|e| DbError::io(&self.dest, e.error))?;
        Ok(self.dest)
    }
}

/// A read-only vulnerability database.
#[derive(Debug)]
pub struct Database {
    pub(crate) conn: Connection,
    pub(crate) name: String,
    /// Hashes of every stored `(ecosystem, package)`, loaded on the first lookup: most
    /// packages in an inventory have no advisory at all, and answering those from memory
    /// instead of an index probe is most of the matching time.
    keys: std::cell::OnceCell<std::collections::HashSet<u64>>,
}

/// What `bulkhead db status` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DbInfo {
    /// Where the database was loaded from (a path, or `embedded`).
    pub location: String,
    pub schema_version: u32,
    /// When it was built (RFC 3339).
    pub built_at: String,
    /// The paths or URLs imported into it.
    pub imported: Vec<String>,
    pub advisories: u64,
    pub affected_packages: u64,
    pub sources: Vec<SourceInfo>,
}

/// One feed in a database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceInfo {
    pub name: String,
    pub advisories: u64,
    /// The newest `modified` time among its advisories: how fresh the feed is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub newest: Option<String>,
}

impl Database {
    /// Opens a database file read-only.
    pub fn open(path: &Path) -> Result<Self, DbError> {
        let name = path.display().to_string();
        if !path.is_file() {
            return Err(DbError::Io {
                path: path.to_owned(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
            });
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sqlite(&name))?;
        // Map the file, so page reads are not copies; and keep the shared lock once taken
        // rather than taking and dropping it (two fcntl calls and a journal check) for every
        // query. Writers never touch an open database: they write a new file and rename it.
        conn.execute_batch("PRAGMA mmap_size = 1073741824; PRAGMA locking_mode = EXCLUSIVE;")
            .map_err(sqlite(&name))?;
        Self::checked(conn, name)
    }

    /// Opens a database compressed with zstd (the embedded default) in memory.
    /// `uncompressed_len` is its size, known when it was compressed.
    pub fn open_compressed(
        compressed: &[u8],
        uncompressed_len: usize,
        name: &str,
    ) -> Result<Self, DbError> {
        let mut conn = Connection::open_in_memory().map_err(sqlite(name))?;
        let decoder = zstd::Decoder::new(compressed).map_err(|e| DbError::Io {
            path: PathBuf::from(name),
            source: e,
        })?;
        conn.deserialize_read_exact(
            rusqlite::MAIN_DB,
            decoder.take(uncompressed_len as u64),
            uncompressed_len,
            true,
        )
        .map_err(sqlite(name))?;
        Self::checked(conn, name.to_owned())
    }

    fn checked(conn: Connection, name: String) -> Result<Self, DbError> {
        let version: Option<String> = conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|source| DbError::Sqlite {
                path: name.clone(),
                source,
            })?;
        match version {
            Some(v) if v == SCHEMA_VERSION.to_string() => Ok(Database {
                conn,
                name,
                keys: std::cell::OnceCell::new(),
            }),
            other => Err(DbError::Schema {
                path: name,
                found: other.unwrap_or_else(|| "none".into()),
                expected: SCHEMA_VERSION,
            }),
        }
    }

    /// Names the database in messages and [`DbInfo::location`] (`embedded`, not the path of
    /// its cached copy).
    #[must_use]
    pub fn with_name(mut self, name: &str) -> Self {
        name.clone_into(&mut self.name);
        self
    }

    /// Sources, counts and build time.
    pub fn info(&self) -> Result<DbInfo, DbError> {
        let err = sqlite(&self.name);
        let meta = |key: &str| -> Result<Option<String>, DbError> {
            self.conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()
                .map_err(&err)
        };
        let built_at = meta("built_at")?.unwrap_or_default();
        let imported = meta("imported")?
            .and_then(|v| serde_json::from_str(&v).ok())
            .unwrap_or_default();
        let count = |sql: &str| -> Result<u64, DbError> {
            self.conn
                .query_row(sql, [], |r| r.get::<_, i64>(0))
                .map(|n| u64::try_from(n).unwrap_or(0))
                .map_err(&err)
        };
        let advisories = count("SELECT count(*) FROM advisory")?;
        let affected_packages = count("SELECT count(*) FROM affected")?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT source, count(*), max(modified) FROM advisory GROUP BY source ORDER BY source",
            )
            .map_err(&err)?;
        let sources = stmt
            .query_map([], |r| {
                Ok(SourceInfo {
                    name: r.get(0)?,
                    advisories: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                    newest: r.get(2)?,
                })
            })
            .map_err(&err)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(&err)?;
        Ok(DbInfo {
            location: self.name.clone(),
            schema_version: SCHEMA_VERSION,
            built_at,
            imported,
            advisories,
            affected_packages,
            sources,
        })
    }

    /// Calls `each` with every affected entry stored under `(ecosystem, package)`: its
    /// advisory's rowid, ranges, rating, and newline-framed version list (borrowed: the
    /// Alpine and Debian lists run to kilobytes, and most rows do not match). The advisory
    /// itself is read with [`Database::advisory`] only for entries that match.
    pub(crate) fn lookup(
        &self,
        ecosystem: &str,
        package: &str,
        each: &mut dyn FnMut(StoredAffected<'_>) -> Result<(), DbError>,
    ) -> Result<(), DbError> {
        let err = sqlite(&self.name);
        if !self.keys()?.contains(&key_hash(ecosystem, package)) {
            return Ok(());
        }
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT advisory, ranges, versions, severity FROM affected
                 WHERE ecosystem = ?1 AND package = ?2",
            )
            .map_err(&err)?;
        let mut rows = stmt.query(params![ecosystem, package]).map_err(&err)?;
        while let Some(row) = rows.next().map_err(&err)? {
            let advisory: i64 = row.get(0).map_err(&err)?;
            let bytes = |i: usize| -> Result<&[u8], DbError> {
                row.get_ref(i)
                    .map_err(&err)?
                    .as_bytes()
                    .map_err(|e| err(e.into()))
            };
            let ranges: Vec<Range> = serde_json::from_slice(bytes(1)?)
                .map_err(|e| DbError::Corrupt(format!("advisory row {advisory}: {e}")))?;
            let severity = row
                .get_ref(3)
                .map_err(&err)?
                .as_str_or_null()
                .map_err(|e| err(e.into()))?
                .and_then(|s| s.parse().ok());
            each(StoredAffected {
                advisory,
                ranges,
                severity,
                versions: bytes(2)?,
            })?;
        }
        Ok(())
    }

    fn keys(&self) -> Result<&std::collections::HashSet<u64>, DbError> {
        if let Some(keys) = self.keys.get() {
            return Ok(keys);
        }
        let err = sqlite(&self.name);
        let mut keys = std::collections::HashSet::new();
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT ecosystem, package FROM affected")
            .map_err(&err)?;
        let mut rows = stmt.query([]).map_err(&err)?;
        while let Some(row) = rows.next().map_err(&err)? {
            let text = |i| -> Result<&str, DbError> {
                row.get_ref(i)
                    .map_err(&err)?
                    .as_str()
                    .map_err(|e| err(e.into()))
            };
            keys.insert(key_hash(text(0)?, text(1)?));
        }
        Ok(self.keys.get_or_init(|| keys))
    }

    /// The advisory at `rowid` (without its affected entries).
    pub(crate) fn advisory(&self, rowid: i64) -> Result<Advisory, DbError> {
        let err = sqlite(&self.name);
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, source, body FROM advisory WHERE rowid = ?1")
            .map_err(&err)?;
        let (id, source, body): (String, String, String) = stmt
            .query_row([rowid], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(&err)?;
        let body: AdvisoryBody =
            serde_json::from_str(&body).map_err(|e| DbError::Corrupt(format!("{id}: {e}")))?;
        Ok(Advisory {
            id,
            source,
            aliases: body.aliases,
            summary: body.summary,
            severity: body.severity,
            cvss: body.cvss,
            published: body.published,
            modified: None,
            references: body.references,
            informational: body.informational,
            affected: Vec::new(),
        })
    }

    /// Every stored `(ecosystem, package)` with its number of advisories (for tests and
    /// statistics).
    pub fn packages(&self) -> Result<BTreeMap<(String, String), u64>, DbError> {
        let err = sqlite(&self.name);
        let mut stmt = self
            .conn
            .prepare("SELECT ecosystem, package, count(*) FROM affected GROUP BY 1, 2")
            .map_err(&err)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    (r.get(0)?, r.get(1)?),
                    u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
                ))
            })
            .map_err(&err)?;
        rows.collect::<Result<_, _>>().map_err(&err)
    }
}

/// A hash of `(ecosystem, package)`; a collision only costs an index probe.
fn key_hash(ecosystem: &str, package: &str) -> u64 {
    use std::hash::{Hash as _, Hasher as _};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    ecosystem.hash(&mut hasher);
    package.hash(&mut hasher);
    hasher.finish()
}

/// An affected row as read back: its advisory's rowid, ranges, rating and newline-framed
/// version list.
#[derive(Debug)]
pub(crate) struct StoredAffected<'a> {
    pub(crate) advisory: i64,
    pub(crate) ranges: Vec<Range>,
    pub(crate) severity: Option<Severity>,
    pub(crate) versions: &'a [u8],
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Affected, Event};

    fn advisory(id: &str) -> Advisory {
        Advisory {
            id: id.into(),
            source: "test".into(),
            aliases: Vec::new(),
            summary: String::new(),
            severity: None,
            cvss: Vec::new(),
            published: None,
            modified: Some("2025-01-01T00:00:00Z".into()),
            references: Vec::new(),
            informational: None,
            affected: vec![Affected {
                ecosystem: "npm".into(),
                package: "left-pad".into(),
                ranges: vec![Range::Events(vec![Event::Introduced("0".into())])],
                versions: Vec::new(),
                severity: None,
            }],
        }
    }

    #[test]
    fn an_unfinished_write_leaves_the_old_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let mut writer = Writer::create(&path).unwrap();
        writer.add(&advisory("A-1")).unwrap();
        writer.finish("2025-01-01T00:00:00Z").unwrap();
        let before = fs_err::read(&path).unwrap();

        // A crash mid-import: the writer is dropped without `finish`.
        let mut writer = Writer::update(&path, &path).unwrap();
        writer.add(&advisory("A-2")).unwrap();
        drop(writer);
        assert_eq!(fs_err::read(&path).unwrap(), before);
        assert_eq!(
            fs_err::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary left"
        );
        assert_eq!(Database::open(&path).unwrap().info().unwrap().advisories, 1);

        // Re-adding an id from the same source replaces it.
        let mut writer = Writer::update(&path, &path).unwrap();
        writer.add(&advisory("A-1")).unwrap();
        writer.add(&advisory("A-2")).unwrap();
        writer.finish("2025-01-02T00:00:00Z").unwrap();
        let info = Database::open(&path).unwrap().info().unwrap();
        assert_eq!((info.advisories, info.affected_packages), (2, 2));
    }

    #[test]
    fn other_schema_versions_and_non_databases_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        Writer::create(&path)
            .unwrap()
            .finish("2025-01-01T00:00:00Z")
            .unwrap();
        let conn = Connection::open(&path).unwrap();
        conn.execute(
            "UPDATE meta SET value = '999' WHERE key = 'schema_version'",
            [],
        )
        .unwrap();
        drop(conn);
        let err = Database::open(&path).unwrap_err();
        assert!(
            matches!(err, DbError::Schema { ref found, .. } if found == "999"),
            "{err}"
        );
        assert!(err.to_string().contains("db update"));

        let junk = dir.path().join("junk");
        fs_err::write(&junk, b"not a database at all, just text").unwrap();
        assert!(Database::open(&junk).is_err());
        assert!(Database::open(&dir.path().join("missing")).is_err());
    }
}
