//! The vulnerability database every `bulkhead` binary carries, so a scan works offline on a
//! fresh machine. `build.rs` imports `../shared/vulndata` with `bulkhead-vulndb`'s importers
//! and compresses the result with zstd.
//!
//! [`open`] decompresses it once into a cache directory (named by a fingerprint of the data,
//! written through a temporary file and a rename) and from then on opens that file, mapped,
//! in well under a millisecond; decompressing on every run would cost ~40 ms. Without a
//! writable cache directory it decompresses into memory.
//!
//! This is its own crate because a build script cannot use the crate it belongs to:
//! `bulkhead-vulndb` is a build dependency here.

use std::path::{Path, PathBuf};

use bulkhead_vulndb::{Database, DbError};

/// The zstd-compressed SQLite database.
pub static COMPRESSED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/default.db.zst"));

/// Its size uncompressed.
#[allow(clippy::unreadable_literal)] // a number written by build.rs
pub const UNCOMPRESSED_LEN: usize = include!(concat!(env!("OUT_DIR"), "/default_len.rs"));

/// A fingerprint of the data (hex), naming its decompressed copy.
pub const FINGERPRINT: &str = include!(concat!(env!("OUT_DIR"), "/fingerprint.rs"));

/// Opens the embedded database read-only: from its decompressed copy in `cache_dir` (made on
/// first use), else in memory.
pub fn open(cache_dir: Option<&Path>) -> Result<Database, DbError> {
    if let Some(dir) = cache_dir {
        let path = cached_path(dir);
        if path.is_file()
            && let Ok(db) = Database::open(&path)
        {
            return Ok(db);
        }
        if materialise(&path).is_ok()
            && let Ok(db) = Database::open(&path)
        {
            return Ok(db);
        }
    }
    Database::open_compressed(COMPRESSED, UNCOMPRESSED_LEN, "embedded")
}

/// Where [`open`] keeps the decompressed copy under `cache_dir`.
pub fn cached_path(cache_dir: &Path) -> PathBuf {
    cache_dir.join(format!("embedded-{FINGERPRINT}.db"))
}

fn materialise(path: &Path) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs_err::create_dir_all(dir)?;
    let tmp = tempfile::NamedTempFile::new_in(dir)?;
    write_to(tmp.path())?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Writes the database, decompressed, to `path` (to update a copy of it).
pub fn write_to(path: &Path) -> std::io::Result<()> {
    let mut decoder = zstd::Decoder::new(COMPRESSED)?;
    let mut file = fs_err::File::create(path)?;
    std::io::copy(&mut decoder, &mut file)?;
    file.sync_all()
}
