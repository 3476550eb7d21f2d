//! The rpm database: every package rpm installed, with its epoch, arch, licence and source RPM.
//!
//! Two of rpm's storage backends are read, both holding the same per-package *header blobs*:
//!
//! - **SQLite** (`rpmdb.sqlite`, rpm ≥ 4.16: RHEL/Alma/Rocky 9+, Fedora 33+, Amazon Linux 2023),
//!   at `var/lib/rpm/` or `usr/lib/sysimage/rpm/`: the `Packages` table's `blob` column, read
//!   with rusqlite from an in-memory, read-only copy (`serialize` feature: image content is
//!   never written to disk), with `trusted_schema=OFF`;
//!   `Packages` must be an ordinary table whose `blob` column is an ordinary column, so a
//!   hostile schema cannot run views, triggers or generated columns. rpm keeps the database in
//!   WAL mode; the copy's header is switched to rollback mode so SQLite reads it without a
//!   `-wal`/`-shm`. A `-wal` file left with uncheckpointed transactions is not read (rpm
//!   checkpoints on close, so a cleanly built image has an empty one).
//! - **Berkeley DB** (`Packages`, a BDB hash database: RHEL/CentOS ≤ 8, Amazon Linux 2, older
//!   SUSE), read by our own read-only page walker (module `bdb` below): no maintained crate reads BDB,
//!   and linking libdb would mean C code parsing attacker-controlled pages.
//!
//! Not read: rpm's NDB backend (`Packages.db`, SUSE 15 and later) and the index databases
//! (`Name`, `Basenames`, …), which only repeat the headers' content.
//!
//! The header blob (rpm's `headerExport` format, without the lead and the 8-byte header magic
//! of package files) is parsed here: index count and data length (big-endian), the index
//! entries `(tag, type, offset, count)`, then the data store. Counts are capped at rpm's own
//! limits (65535 entries, 256 MiB data) and every offset is checked against the data store,
//! so a hostile header is an error, never a panic or a huge allocation. We read NAME, VERSION,
//! RELEASE, EPOCH, ARCH, LICENSE and SOURCERPM. `gpg-pubkey` entries (imported signing keys,
//! not software) are skipped. A header that cannot be parsed is skipped so that one broken
//! record does not hide the others; a database in which no header parses is an error.
//!
//! Identity, following Trivy so results compare:
//! - `version` is `[epoch:]version-release`; an epoch of 0 is written like a missing one (rpm
//!   compares them equal).
//! - the source package comes from SOURCERPM, `name-version-release.src.rpm` split from the
//!   right; its version carries the binary's epoch (both come from the same spec file).
//! - purl: `pkg:rpm/<namespace>/name@version-release?arch=…&epoch=…&distro=<namespace>-<VERSION_ID>`,
//!   where the namespace is the os-release `ID` except `rhel`, which is `redhat` (as Trivy
//!   writes it); no namespace and no `distro` when the OS is unknown, and no `epoch` when 0.

use bulkhead_fsview::Metadata;

use super::{Cataloger, Context, ParseError, file_name, package, source};
use crate::{Ecosystem, Options, Package};

#[derive(Debug)]
pub(crate) struct Rpm;

const SQLITE_PATHS: [&str; 2] = [
    "var/lib/rpm/rpmdb.sqlite",
    "usr/lib/sysimage/rpm/rpmdb.sqlite",
];
const BDB_PATHS: [&str; 2] = ["var/lib/rpm/Packages", "usr/lib/sysimage/rpm/Packages"];

impl Cataloger for Rpm {
    fn name(&self) -> &'static str {
        "rpm-rpm"
    }

    fn wants(&self, path: &str, _meta: &Metadata, _options: &Options) -> bool {
        selects(path)
    }

    fn parse(
        &self,
        path: &str,
        content: &[u8],
        context: &Context<'_>,
    ) -> Result<Vec<Package>, ParseError> {
        let blobs = if file_name(path) == "rpmdb.sqlite" {
            sqlite::blobs(content)?
        } else {
            bdb::blobs(content)?
        };
        packages(&blobs, context)
    }
}

fn selects(path: &str) -> bool {
    SQLITE_PATHS.contains(&path) || BDB_PATHS.contains(&path)
}

/// Packages from header blobs: broken headers are skipped unless all are broken.
fn packages(blobs: &[Vec<u8>], context: &Context<'_>) -> Result<Vec<Package>, ParseError> {
    let namespace = context.os.map(|os| {
        if os.id == "rhel" {
            "redhat"
        } else {
            os.id.as_str()
        }
    });
    let distro = match (
        namespace,
        context.os.and_then(|os| os.version_id.as_deref()),
    ) {
        (Some(ns), Some(v)) if !ns.is_empty() && !v.is_empty() => format!("{ns}-{v}"),
        _ => String::new(),
    };
    let mut out = Vec::new();
    let mut first_error = None;
    for blob in blobs {
        match header_package(blob, namespace, &distro) {
            Ok(Some(p)) => out.push(p),
            Ok(None) => {}
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) if out.is_empty() => Err(format!("no rpm header could be read; the first: {e}")),
        _ => Ok(out),
    }
}

/// One package from a header blob; `None` for `gpg-pubkey` pseudo-packages.
fn header_package(
    blob: &[u8],
    namespace: Option<&str>,
    distro: &str,
) -> Result<Option<Package>, ParseError> {
    let header = Header::parse(blob)?;
    let required = |tag: u32, what: &str| -> Result<String, ParseError> {
        header
            .string(tag)?
            .filter(|s| !s.is_empty())
            .ok_or_else(|| format!("header has no {what}"))
    };
    let name = required(tag::NAME, "NAME")?;
    if name == "gpg-pubkey" {
        return Ok(None);
    }
    let version = required(tag::VERSION, "VERSION")?;
    let release = required(tag::RELEASE, "RELEASE")?;
    let epoch = header.int32(tag::EPOCH)?.unwrap_or(0);
    let arch = header.string(tag::ARCH)?.filter(|a| !a.is_empty());
    let license = header.string(tag::LICENSE)?.filter(|l| !l.is_empty());
    let source_rpm = header.string(tag::SOURCERPM)?;

    let vr = format!("{version}-{release}");
    let epoch_text = if epoch == 0 {
        String::new()
    } else {
        epoch.to_string()
    };
    let mut pkg = package(
        Ecosystem::Rpm,
        namespace,
        &name,
        &vr,
        &[
            ("arch", arch.as_deref().unwrap_or_default()),
            ("epoch", &epoch_text),
            ("distro", distro),
        ],
    )?;
    // `package` joins the namespace into the name; an rpm name is only its own.
    pkg.name = name;
    let with_epoch = |v: &str| {
        if epoch == 0 {
            v.to_owned()
        } else {
            format!("{epoch}:{v}")
        }
    };
    pkg.version = with_epoch(&vr);
    pkg.arch = arch;
    pkg.licenses = license.into_iter().collect();
    pkg.source = source_rpm
        .as_deref()
        .and_then(split_source_rpm)
        .and_then(|(n, v, r)| source(n, &with_epoch(&format!("{v}-{r}"))));
    Ok(Some(pkg))
}

/// `bash-5.1.8-9.el9.src.rpm` → `("bash", "5.1.8", "9.el9")`.
fn split_source_rpm(file: &str) -> Option<(&str, &str, &str)> {
    let stem = file
        .strip_suffix(".src.rpm")
        .or_else(|| file.strip_suffix(".nosrc.rpm"))?;
    let (rest, release) = stem.rsplit_once('-')?;
    let (name, version) = rest.rsplit_once('-')?;
    (!name.is_empty() && !version.is_empty() && !release.is_empty())
        .then_some((name, version, release))
}

/// The rpm tags we read (`rpmtag.h`).
mod tag {
    pub(super) const NAME: u32 = 1000;
    pub(super) const VERSION: u32 = 1001;
    pub(super) const RELEASE: u32 = 1002;
    pub(super) const EPOCH: u32 = 1003;
    pub(super) const LICENSE: u32 = 1014;
    pub(super) const ARCH: u32 = 1022;
    pub(super) const SOURCERPM: u32 = 1044;
}

/// rpm's `rpmTagType` values we accept.
const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;
/// rpm's own limits (`header_internal.h`: `HEADER_TAGS_MAX`, `HEADER_DATA_MAX`).
const MAX_ENTRIES: usize = 0xffff;
const MAX_DATA: usize = 0x0fff_ffff;
/// The longest string we take from a header (a licence can be long; a name is short).
const MAX_STRING: usize = 64 * 1024;

/// A header blob, split into its index and data store; nothing is copied.
struct Header<'a> {
    index: &'a [u8],
    data: &'a [u8],
}

struct Entry {
    kind: u32,
    offset: usize,
    count: u32,
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at.checked_add(4)?)
        .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

impl<'a> Header<'a> {
    fn parse(blob: &'a [u8]) -> Result<Self, ParseError> {
        let (Some(il), Some(dl)) = (be32(blob, 0), be32(blob, 4)) else {
            return Err(format!(
                "header of {} bytes is shorter than its 8-byte preamble",
                blob.len()
            ));
        };
        let (il, dl) = (il as usize, dl as usize);
        if il == 0 || il > MAX_ENTRIES {
            return Err(format!(
                "header index count {il} is outside 1..={MAX_ENTRIES}"
            ));
        }
        if dl > MAX_DATA {
            return Err(format!("header data length {dl} exceeds {MAX_DATA}"));
        }
        // Both are capped above, so this cannot overflow.
        let index_end = 8 + il * 16;
        let end = index_end + dl;
        if end > blob.len() {
            return Err(format!(
                "header claims {end} bytes but the record has {}",
                blob.len()
            ));
        }
        Ok(Header {
            index: &blob[8..index_end],
            data: &blob[index_end..end],
        })
    }

    /// The first index entry for `tag`.
    fn entry(&self, tag: u32) -> Option<Entry> {
        self.index.chunks_exact(16).find_map(|e| {
            (be32(e, 0)? == tag).then(|| Entry {
                kind: be32(e, 4).unwrap_or_default(),
                offset: be32(e, 8).unwrap_or(u32::MAX) as usize,
                count: be32(e, 12).unwrap_or_default(),
            })
        })
    }

    /// A string tag (for arrays, the first element); `None` if the tag is absent.
    fn string(&self, tag: u32) -> Result<Option<String>, ParseError> {
        let Some(e) = self.entry(tag) else {
            return Ok(None);
        };
        if !matches!(e.kind, TYPE_STRING | TYPE_STRING_ARRAY | TYPE_I18NSTRING) || e.count == 0 {
            return Err(format!(
                "tag {tag} has type {} and count {}, not a string",
                e.kind, e.count
            ));
        }
        let rest = self.data.get(e.offset..).ok_or_else(|| {
            format!(
                "tag {tag} points at offset {} past the {}-byte data store",
                e.offset,
                self.data.len()
            )
        })?;
        let rest = &rest[..rest.len().min(MAX_STRING + 1)];
        let len = rest.iter().position(|&b| b == 0).ok_or_else(|| {
            format!("tag {tag}: string is unterminated or longer than {MAX_STRING} bytes")
        })?;
        Ok(Some(String::from_utf8_lossy(&rest[..len]).into_owned()))
    }

    /// The first value of an INT32 tag; `None` if the tag is absent.
    fn int32(&self, tag: u32) -> Result<Option<u32>, ParseError> {
        let Some(e) = self.entry(tag) else {
            return Ok(None);
        };
        if e.kind != TYPE_INT32 || e.count == 0 {
            return Err(format!(
                "tag {tag} has type {} and count {}, not an int32",
                e.kind, e.count
            ));
        }
        be32(self.data, e.offset).map(Some).ok_or_else(|| {
            format!(
                "tag {tag} points at offset {} past the {}-byte data store",
                e.offset,
                self.data.len()
            )
        })
    }
}

/// The SQLite backend.
mod sqlite {

    use rusqlite::{Connection, OpenFlags};

    use super::ParseError;

    const MAGIC: &[u8; 16] = b"SQLite format 3\0";

    /// The `blob` of every row of `Packages`.
    pub(super) fn blobs(content: &[u8]) -> Result<Vec<Vec<u8>>, ParseError> {
        if content.len() < 100 || !content.starts_with(MAGIC) {
            return Err("not an SQLite database".into());
        }
        let mut copy = content.to_vec();
        // Bytes 18 and 19 are the write and read format versions: 2 means WAL. Our copy has no
        // WAL beside it; rollback mode (1) reads the main file alone.
        for b in &mut copy[18..20] {
            if *b == 2 {
                *b = 1;
            }
        }
        let sql = |e: rusqlite::Error| format!("SQLite: {e}");
        // Loaded into memory, read-only: image content is never written to disk.
        let mut conn = Connection::open_in_memory_with_flags(
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sql)?;
        conn.deserialize_read_exact(rusqlite::MAIN_DB, copy.as_slice(), copy.len(), true)
            .map_err(sql)?;
        conn.execute_batch(
            "PRAGMA trusted_schema = OFF; PRAGMA cell_size_check = ON; PRAGMA query_only = ON;",
        )
        .map_err(sql)?;
        let schema: Option<(String, String)> = conn
            .query_row(
                "SELECT type, coalesce(sql, '') FROM sqlite_schema WHERE name = 'Packages'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(sql(e)),
            })?;
        match schema {
            None => return Err("no `Packages` table: not an rpm database".into()),
            Some((kind, text))
                if kind != "table"
                    || text
                        .trim_start()
                        .to_ascii_uppercase()
                        .starts_with("CREATE VIRTUAL") =>
            {
                return Err("`Packages` is not an ordinary table".into());
            }
            Some(_) => {}
        }
        // `hidden` is 0 for ordinary columns; generated and virtual-table columns are not read.
        let plain_blob: bool = conn
            .query_row(
                "SELECT count(*) FROM pragma_table_xinfo('Packages') WHERE name = 'blob' AND hidden = 0",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map_err(sql)?
            == 1;
        if !plain_blob {
            return Err("`Packages` has no ordinary `blob` column".into());
        }
        // Honest rows are disjoint parts of the file, so no blob, and not all of them
        // together, can be larger than it; a hostile file whose rows share overflow pages
        // could otherwise expand to rows × file size. `length()` reads the record header
        // only, so an oversized blob is refused before it is loaded.
        let limit = i64::try_from(content.len()).unwrap_or(i64::MAX);
        let mut statement = conn
            .prepare("SELECT length(blob) <= ?1, CASE WHEN length(blob) <= ?1 THEN blob END FROM Packages")
            .map_err(sql)?;
        let mut rows = statement.query([limit]).map_err(sql)?;
        let mut out = Vec::new();
        let mut total = 0usize;
        while let Some(row) = rows.next().map_err(sql)? {
            if !row.get::<_, Option<bool>>(0).map_err(sql)?.unwrap_or(true) {
                return Err("a `Packages` blob is larger than the database file".into());
            }
            if let rusqlite::types::ValueRef::Blob(b) = row.get_ref(1).map_err(sql)? {
                total += b.len();
                if total > content.len() {
                    return Err("the `Packages` blobs add up to more than the database file".into());
                }
                out.push(b.to_vec());
            }
        }
        Ok(out)
    }
}

/// A read-only walker over Berkeley DB hash databases, as rpm ≤ 4.15 wrote `Packages`.
///
/// Layout (db 4.x/5.x, `dbinc/db_page.h`): page 0 is the hash metadata page (magic `0x061561`
/// at byte 12, whose byte order gives the file's; page size at 20; encryption at 24; page type
/// at 25; last page number at 32). Every other page starts with a 26-byte header (`pgno` 8,
/// `prev` 12, `next` 16, `entries` 20, `hf_offset` 22, `type` 25) followed, on hash pages, by
/// `entries` u16 item offsets: items come in key/data pairs, each starting with its type
/// byte. Data is inline (`H_KEYDATA`, length up to the previous item's offset) or on a chain
/// of overflow pages (`H_OFFPAGE`: first page at +4, total length at +8), each overflow page
/// holding `hf_offset` bytes after its header. We visit every hash page in file order rather
/// than follow buckets: the result is the same set of records and a corrupt bucket table
/// cannot send us in circles. Duplicate-key and blob items do not occur in rpm databases and
/// are skipped; checksummed or encrypted files are refused.
mod bdb {
    use super::ParseError;

    const HASH_MAGIC: u32 = 0x0006_1561;
    const BTREE_MAGIC: u32 = 0x0005_3162;
    const P_HASH_UNSORTED: u8 = 2;
    const P_OVERFLOW: u8 = 7;
    const P_HASHMETA: u8 = 8;
    const P_HASH: u8 = 13;
    const H_KEYDATA: u8 = 1;
    const H_OFFPAGE: u8 = 3;
    const PAGE_HEADER: usize = 26;
    const DBMETA_CHKSUM: u8 = 0x01;

    #[derive(Clone, Copy)]
    struct Db<'a> {
        content: &'a [u8],
        page_size: usize,
        pages: usize,
        little_endian: bool,
    }

    impl<'a> Db<'a> {
        fn u16(self, b: &[u8], at: usize) -> Option<usize> {
            let s = b.get(at..at + 2)?;
            let v = if self.little_endian {
                u16::from_le_bytes([s[0], s[1]])
            } else {
                u16::from_be_bytes([s[0], s[1]])
            };
            Some(usize::from(v))
        }

        fn u32(self, b: &[u8], at: usize) -> Option<u32> {
            let s = b.get(at..at + 4)?;
            let a = [s[0], s[1], s[2], s[3]];
            Some(if self.little_endian {
                u32::from_le_bytes(a)
            } else {
                u32::from_be_bytes(a)
            })
        }

        fn page(self, pgno: usize) -> Option<&'a [u8]> {
            if pgno >= self.pages {
                return None;
            }
            self.content
                .get(pgno * self.page_size..(pgno + 1) * self.page_size)
        }
    }

    /// Checks the metadata page and learns the byte order, page size and page count.
    fn open(content: &[u8]) -> Result<Db<'_>, ParseError> {
        let magic_at = |le: bool| {
            content.get(12..16).map(|s| {
                let a = [s[0], s[1], s[2], s[3]];
                if le {
                    u32::from_le_bytes(a)
                } else {
                    u32::from_be_bytes(a)
                }
            })
        };
        let little_endian = match (magic_at(true), magic_at(false)) {
            (Some(HASH_MAGIC), _) => true,
            (_, Some(HASH_MAGIC)) => false,
            (Some(BTREE_MAGIC), _) | (_, Some(BTREE_MAGIC)) => {
                return Err("a Berkeley DB btree, not the hash database rpm writes".into());
            }
            _ => return Err("not a Berkeley DB hash database".into()),
        };
        let probe = Db {
            content,
            page_size: 0,
            pages: 0,
            little_endian,
        };
        let page_size = probe.u32(content, 20).unwrap_or(0) as usize;
        if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
            return Err(format!(
                "Berkeley DB page size {page_size} is not a power of two in 512..=65536"
            ));
        }
        if content.len() < page_size {
            return Err(format!(
                "Berkeley DB file of {} bytes is shorter than its first page",
                content.len()
            ));
        }
        if content[24] != 0 {
            return Err("the Berkeley DB database is encrypted".into());
        }
        if content[25] != P_HASHMETA {
            return Err(format!(
                "Berkeley DB metadata page has type {}, not hash metadata",
                content[25]
            ));
        }
        if content[26] & DBMETA_CHKSUM != 0 {
            return Err("checksummed Berkeley DB pages are not supported".into());
        }
        let last = probe.u32(content, 32).unwrap_or(0) as usize;
        let pages = (content.len() / page_size).min(last.saturating_add(1));
        Ok(Db {
            content,
            page_size,
            pages,
            little_endian,
        })
    }

    /// Every data item of the hash database except the one under key 0 (rpm's counter).
    pub(super) fn blobs(content: &[u8]) -> Result<Vec<Vec<u8>>, ParseError> {
        let db = open(content)?;
        let (pages, page_size) = (db.pages, db.page_size);

        let mut out = Vec::new();
        // In an honest file every overflow page belongs to one chain; a hostile one could
        // point many items at one long chain and expand to items × file size.
        let mut budget = Budget {
            pages,
            bytes: content.len(),
        };
        for pgno in 1..pages {
            let Some(page) = db.page(pgno) else { break };
            if page[25] != P_HASH && page[25] != P_HASH_UNSORTED {
                continue;
            }
            let corrupt = |what: &str| format!("Berkeley DB page {pgno}: {what}");
            let entries = db.u16(page, 20).ok_or_else(|| corrupt("truncated"))?;
            if PAGE_HEADER + entries * 2 > page_size {
                return Err(corrupt(&format!("{entries} entries do not fit")));
            }
            let offset = |i: usize| db.u16(page, PAGE_HEADER + 2 * i).unwrap_or(usize::MAX);
            for key in (0..entries.saturating_sub(1)).step_by(2) {
                let (key_at, data_at) = (offset(key), offset(key + 1));
                // Items are packed from the end of the page down: each ends where the previous begins.
                let key_end = if key == 0 { page_size } else { offset(key - 1) };
                if !(PAGE_HEADER..key_end).contains(&key_at)
                    || !(PAGE_HEADER..key_at).contains(&data_at)
                {
                    return Err(corrupt("item offsets out of order"));
                }
                if page[key_at] == H_KEYDATA && page[key_at + 1..key_end].iter().all(|&b| b == 0) {
                    continue; // key 0: rpm's next-instance counter, not a header
                }
                match page[data_at] {
                    H_KEYDATA => out.push(page[data_at + 1..key_at].to_vec()),
                    H_OFFPAGE => {
                        let (Some(first), Some(total)) =
                            (db.u32(page, data_at + 4), db.u32(page, data_at + 8))
                        else {
                            return Err(corrupt("truncated overflow reference"));
                        };
                        if data_at + 12 > key_at {
                            return Err(corrupt("truncated overflow reference"));
                        }
                        out.push(overflow(db, first as usize, total as usize, &mut budget)?);
                    }
                    _ => {}
                }
            }
        }
        Ok(out)
    }

    /// What overflow chains may still read, across the whole file.
    struct Budget {
        pages: usize,
        bytes: usize,
    }

    /// Follows an overflow chain. Chains share one [`Budget`] of the file's pages and bytes,
    /// which also ends loops.
    fn overflow(
        db: Db<'_>,
        first: usize,
        total: usize,
        budget: &mut Budget,
    ) -> Result<Vec<u8>, ParseError> {
        if total > budget.bytes {
            return Err(format!(
                "overflow items add up to more than the {}-byte file",
                db.content.len()
            ));
        }
        budget.bytes -= total;
        let mut out = Vec::with_capacity(total);
        let mut pgno = first;
        while out.len() < total {
            budget.pages = budget
                .pages
                .checked_sub(1)
                .ok_or("overflow chains visit more pages than the file has")?;
            let page = db
                .page(pgno)
                .filter(|_| pgno != 0)
                .ok_or_else(|| format!("overflow chain breaks at page {pgno}"))?;
            if page[25] != P_OVERFLOW {
                return Err(format!(
                    "overflow chain reaches page {pgno} of type {}",
                    page[25]
                ));
            }
            let len = db.u16(page, 22).unwrap_or(usize::MAX);
            let chunk = page
                .get(PAGE_HEADER..PAGE_HEADER.saturating_add(len))
                .ok_or_else(|| format!("overflow page {pgno} claims {len} bytes"))?;
            out.extend_from_slice(&chunk[..chunk.len().min(total - out.len())]);
            pgno = db.u32(page, 16).unwrap_or(0) as usize;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OsRelease;

    /// A header blob from `(tag, type, value bytes)` entries, laid out as rpm does.
    fn header(entries: &[(u32, u32, Vec<u8>)]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut data = Vec::new();
        for (tag, kind, value) in entries {
            if *kind == TYPE_INT32 {
                while data.len() % 4 != 0 {
                    data.push(0);
                }
            }
            index.extend_from_slice(&tag.to_be_bytes());
            index.extend_from_slice(&kind.to_be_bytes());
            index.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
            index.extend_from_slice(&1u32.to_be_bytes());
            data.extend_from_slice(value);
        }
        let mut out = Vec::new();
        out.extend_from_slice(&u32::try_from(entries.len()).unwrap().to_be_bytes());
        out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        out.extend(index);
        out.extend(data);
        out
    }

    fn s(v: &str) -> Vec<u8> {
        let mut b = v.as_bytes().to_vec();
        b.push(0);
        b
    }

    fn bash() -> Vec<u8> {
        header(&[
            (tag::NAME, TYPE_STRING, s("bash")),
            (tag::VERSION, TYPE_STRING, s("5.1.8")),
            (tag::RELEASE, TYPE_STRING, s("9.el9")),
            (tag::EPOCH, TYPE_INT32, 1u32.to_be_bytes().to_vec()),
            (tag::LICENSE, TYPE_STRING, s("GPLv3+")),
            (tag::ARCH, TYPE_STRING, s("x86_64")),
            (tag::SOURCERPM, TYPE_STRING, s("bash-5.1.8-9.el9.src.rpm")),
        ])
    }

    fn with_os<T>(os: Option<&OsRelease>, f: impl FnOnce(&Context<'_>) -> T) -> T {
        let options = Options::default();
        f(&Context {
            os,
            options: &options,
        })
    }

    #[test]
    fn header_to_package() {
        let rhel = OsRelease {
            id: "rhel".into(),
            version_id: Some("9.3".into()),
            ..OsRelease::default()
        };
        let pkgs = with_os(Some(&rhel), |ctx| packages(&[bash()], ctx)).unwrap();
        let p = &pkgs[0];
        assert_eq!(
            (p.name.as_str(), p.version.as_str(), p.arch.as_deref()),
            ("bash", "1:5.1.8-9.el9", Some("x86_64"))
        );
        assert_eq!(
            p.purl,
            "pkg:rpm/redhat/bash@5.1.8-9.el9?arch=x86_64&distro=redhat-9.3&epoch=1"
        );
        assert_eq!(p.licenses, ["GPLv3+"]);
        let src = p.source.as_ref().unwrap();
        assert_eq!(
            (src.name.as_str(), src.version.as_str()),
            ("bash", "1:5.1.8-9.el9")
        );

        let pkgs = with_os(None, |ctx| packages(&[bash()], ctx)).unwrap();
        assert_eq!(pkgs[0].purl, "pkg:rpm/bash@5.1.8-9.el9?arch=x86_64&epoch=1");
    }

    #[test]
    fn gpg_pubkey_is_skipped() {
        let key = header(&[
            (tag::NAME, TYPE_STRING, s("gpg-pubkey")),
            (tag::VERSION, TYPE_STRING, s("fd431d51")),
            (tag::RELEASE, TYPE_STRING, s("4ae0493b")),
        ]);
        assert!(
            with_os(None, |ctx| packages(&[key, bash()], ctx))
                .unwrap()
                .len()
                == 1
        );
    }

    #[test]
    fn source_rpm_names() {
        assert_eq!(
            split_source_rpm("python3-3.9.18-1.el9.src.rpm"),
            Some(("python3", "3.9.18", "1.el9"))
        );
        assert_eq!(
            split_source_rpm("a-b-c-1-2.nosrc.rpm"),
            Some(("a-b-c", "1", "2"))
        );
        assert_eq!(split_source_rpm("nodashes.src.rpm"), None);
        assert_eq!(split_source_rpm("-1-2.src.rpm"), None);
        assert_eq!(split_source_rpm("x-1-2.rpm"), None);
    }

    #[test]
    fn hostile_headers_are_errors() {
        let ctx_err = |blob: Vec<u8>| with_os(None, |ctx| packages(&[blob], ctx)).is_err();
        assert!(ctx_err(Vec::new()));
        assert!(ctx_err(vec![0, 0, 0, 1]));
        // Counts at the limits and beyond: errors without allocating.
        assert!(ctx_err(
            [u32::MAX.to_be_bytes(), 0u32.to_be_bytes()].concat()
        ));
        assert!(ctx_err(
            [1u32.to_be_bytes(), u32::MAX.to_be_bytes()].concat()
        ));
        assert!(ctx_err(
            [0xffffu32.to_be_bytes(), 0x0fff_ffffu32.to_be_bytes()].concat()
        ));
        assert!(ctx_err([0u32.to_be_bytes(), 0u32.to_be_bytes()].concat()));
        // Truncated anywhere.
        let good = bash();
        for cut in 0..good.len() {
            let _ = with_os(None, |ctx| packages(&[good[..cut].to_vec()], ctx));
        }
        // Offsets out of range, unterminated strings, wrong types.
        let mut bad_offset = good.clone();
        bad_offset[8 + 8..8 + 12].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(ctx_err(bad_offset));
        assert!(ctx_err(header(&[(
            tag::NAME,
            TYPE_STRING,
            b"bash".to_vec()
        )])));
        assert!(ctx_err(header(&[(
            tag::NAME,
            TYPE_INT32,
            vec![0, 0, 0, 1]
        )])));
        let mut bad_epoch = header(&[
            (tag::NAME, TYPE_STRING, s("x")),
            (tag::VERSION, TYPE_STRING, s("1")),
            (tag::RELEASE, TYPE_STRING, s("1")),
            (tag::EPOCH, TYPE_INT32, vec![0, 0, 0, 1]),
        ]);
        let len = bad_epoch.len();
        bad_epoch.truncate(len - 2);
        let dl = u32::from_be_bytes(bad_epoch[4..8].try_into().unwrap()) - 2;
        bad_epoch[4..8].copy_from_slice(&dl.to_be_bytes());
        assert!(ctx_err(bad_epoch));
        assert!(ctx_err(header(&[(tag::NAME, TYPE_STRING, s("x"))])));
        // One broken header among good ones is skipped.
        assert_eq!(
            with_os(None, |ctx| packages(&[vec![1, 2, 3], bash()], ctx))
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn every_truncation_and_byte_flip_is_handled() {
        let good = bash();
        for i in 0..good.len() {
            for flip in [0x01, 0x80, 0xff] {
                let mut b = good.clone();
                b[i] ^= flip;
                let _ = with_os(None, |ctx| packages(&[b], ctx));
            }
        }
    }

    #[test]
    fn sqlite_rejects_non_databases() {
        assert!(sqlite::blobs(b"").is_err());
        assert!(sqlite::blobs(&[0u8; 4096]).is_err());
        let mut fake = b"SQLite format 3\0".to_vec();
        fake.resize(4096, 0xff);
        assert!(sqlite::blobs(&fake).is_err());
    }

    #[test]
    #[allow(clippy::disallowed_methods)] // a test reading its own temporary file
    fn sqlite_refuses_views_and_generated_columns() {
        let dir = tempfile::tempdir().unwrap();
        for (i, schema) in [
            "CREATE VIEW Packages AS SELECT zeroblob(10) AS blob",
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, x BLOB, blob BLOB AS (zeroblob(1000000)))",
            "CREATE TABLE Other (blob BLOB)",
        ]
        .iter()
        .enumerate()
        {
            let path = dir.path().join(format!("{i}.sqlite"));
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch(schema).unwrap();
            drop(conn);
            let bytes = std::fs::read(&path).unwrap();
            assert!(sqlite::blobs(&bytes).is_err(), "{schema}");
        }
    }

    /// A little-endian BDB hash file: metadata page, one hash page whose `refs` data items all
    /// point at the overflow chain on page 2 (one page, `len` bytes).
    fn bdb_sharing_one_chain(refs: usize, len: u16) -> Vec<u8> {
        let mut db = vec![0u8; 4096 * 3];
        db[12..16].copy_from_slice(&0x0006_1561u32.to_le_bytes());
        db[20..24].copy_from_slice(&4096u32.to_le_bytes());
        db[25] = 8;
        db[32..36].copy_from_slice(&2u32.to_le_bytes());
        let page = &mut db[4096..8192];
        page[25] = 13;
        page[20..22].copy_from_slice(&u16::try_from(refs * 2).unwrap().to_le_bytes());
        let mut at = 4096;
        for i in 0..refs {
            at -= 5; // key: H_KEYDATA + 4-byte instance number
            page[at] = 1;
            page[at + 1..at + 5].copy_from_slice(&u32::try_from(i + 1).unwrap().to_le_bytes());
            page[26 + 4 * i..28 + 4 * i].copy_from_slice(&u16::try_from(at).unwrap().to_le_bytes());
            at -= 12; // data: H_OFFPAGE, first page 2, total `len`
            page[at] = 3;
            page[at + 4..at + 8].copy_from_slice(&2u32.to_le_bytes());
            page[at + 8..at + 12].copy_from_slice(&u32::from(len).to_le_bytes());
            page[28 + 4 * i..30 + 4 * i].copy_from_slice(&u16::try_from(at).unwrap().to_le_bytes());
        }
        let over = &mut db[8192..];
        over[25] = 7;
        over[22..24].copy_from_slice(&len.to_le_bytes());
        db
    }

    #[test]
    fn bdb_items_sharing_a_chain_cannot_multiply_the_file() {
        assert_eq!(
            bdb::blobs(&bdb_sharing_one_chain(1, 4000)).unwrap(),
            [vec![0u8; 4000]]
        );
        assert!(bdb::blobs(&bdb_sharing_one_chain(100, 4000)).is_err());
        assert!(bdb::blobs(&bdb_sharing_one_chain(100, 1)).is_err());
    }

    #[test]
    fn bdb_rejects_garbage() {
        assert!(bdb::blobs(b"").is_err());
        assert!(bdb::blobs(&[0u8; 8192]).is_err());
        let mut meta = vec![0u8; 4096];
        meta[12..16].copy_from_slice(&0x0006_1561u32.to_le_bytes());
        meta[20..24].copy_from_slice(&4096u32.to_le_bytes());
        meta[25] = 8;
        meta[32..36].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(bdb::blobs(&meta).unwrap().is_empty());
        let mut bad_size = meta.clone();
        bad_size[20..24].copy_from_slice(&1000u32.to_le_bytes());
        assert!(bdb::blobs(&bad_size).is_err());
        let mut encrypted = meta.clone();
        encrypted[24] = 1;
        assert!(bdb::blobs(&encrypted).is_err());
        let mut btree = meta.clone();
        btree[12..16].copy_from_slice(&0x0005_3162u32.to_le_bytes());
        assert!(bdb::blobs(&btree).is_err());

        // A hash page whose data item points at an overflow chain that loops onto itself.
        let mut db = meta;
        db.resize(4096 * 3, 0);
        let page = &mut db[4096..8192];
        page[25] = 13;
        page[20..22].copy_from_slice(&2u16.to_le_bytes());
        page[26..28].copy_from_slice(&4090u16.to_le_bytes()); // key
        page[28..30].copy_from_slice(&4070u16.to_le_bytes()); // data
        page[4090] = 1;
        page[4091..4095].copy_from_slice(&1u32.to_le_bytes());
        page[4070] = 3;
        page[4074..4078].copy_from_slice(&2u32.to_le_bytes());
        page[4078..4082].copy_from_slice(&5000u32.to_le_bytes());
        let over = &mut db[8192..];
        over[25] = 7;
        over[16..20].copy_from_slice(&2u32.to_le_bytes()); // next = itself
        over[22..24].copy_from_slice(&10u16.to_le_bytes());
        assert!(bdb::blobs(&db).is_err());
        // Offsets out of order.
        db[4096 + 28..4096 + 30].copy_from_slice(&4095u16.to_le_bytes());
        assert!(bdb::blobs(&db).is_err());
    }
}
