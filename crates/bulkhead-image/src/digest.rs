//! Digests and the hashing readers that verify blobs while they stream.

use std::fmt;
use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest as _, Sha256};

use crate::ImageError;

/// A validated `sha256:<64 lowercase hex>` digest. Other algorithms are refused: every image
/// format we read uses sha256, and a digest string is joined into blob paths, so it must never
/// carry anything but hex.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digest(String);

impl Digest {
    pub fn parse(s: &str) -> Result<Self, ImageError> {
        let invalid = |reason| ImageError::InvalidDigest {
            digest: s.chars().take(100).collect(),
            reason,
        };
        let hex = s
            .strip_prefix("sha256:")
            .ok_or_else(|| invalid("only sha256 digests are supported"))?;
        if hex.len() != 64 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(invalid(
                "expected 64 lowercase hex characters after `sha256:`",
            ));
        }
        Ok(Digest(s.to_owned()))
    }

    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Digest::from_hasher(Sha256::new_with_prefix(bytes))
    }

    pub(crate) fn from_hasher(hasher: Sha256) -> Self {
        Digest(format!("sha256:{}", hex::encode(hasher.finalize())))
    }

    /// The hex part, as used in blob file names.
    pub fn hex(&self) -> &str {
        &self.0["sha256:".len()..]
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `sha256:` plus the first 12 hex digits, for tables.
    pub fn short(&self) -> &str {
        &self.0[..("sha256:".len() + 12)]
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// Hashes and counts everything read through it.
pub(crate) struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    count: u64,
}

impl<R: Read> HashingReader<R> {
    pub(crate) fn new(inner: R) -> Self {
        HashingReader {
            inner,
            hasher: Sha256::new(),
            count: 0,
        }
    }

    /// Reads what is left, then returns the digest and byte count of everything read.
    pub(crate) fn finish(mut self) -> io::Result<(Digest, u64)> {
        io::copy(&mut self, &mut io::sink())?;
        Ok((Digest::from_hasher(self.hasher), self.count))
    }

    /// The inner reader and the digest and count of what was read so far.
    pub(crate) fn into_parts(self) -> (R, Digest, u64) {
        (self.inner, Digest::from_hasher(self.hasher), self.count)
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
}

/// A shared budget of decompressed bytes across every layer read in one image (layers are read
/// in parallel, so the budget is atomic). Exhausting it is a [`BudgetExceeded`] I/O error.
#[derive(Debug, Clone)]
pub(crate) struct Budget {
    left: Arc<AtomicU64>,
    limit: u64,
}

/// The I/O error payload when a [`Budget`] runs out; recognised by the layer reader.
#[derive(Debug)]
pub(crate) struct BudgetExceeded {
    pub(crate) limit: u64,
}

impl fmt::Display for BudgetExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "decompressed size limit of {} bytes exceeded",
            self.limit
        )
    }
}

impl std::error::Error for BudgetExceeded {}

impl Budget {
    pub(crate) fn new(limit: u64) -> Self {
        Budget {
            left: Arc::new(AtomicU64::new(limit)),
            limit,
        }
    }

    pub(crate) fn limit(&self) -> u64 {
        self.limit
    }

    pub(crate) fn take(&self, n: u64) -> io::Result<()> {
        let mut left = self.left.load(Ordering::Relaxed);
        loop {
            if n > left {
                return Err(io::Error::other(BudgetExceeded { limit: self.limit }));
            }
            match self.left.compare_exchange_weak(
                left,
                left - n,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Ok(()),
                Err(now) => left = now,
            }
        }
    }
}

/// Charges every byte read through it to a [`Budget`].
pub(crate) struct BudgetReader<R> {
    inner: R,
    budget: Budget,
}

impl<R> BudgetReader<R> {
    pub(crate) fn new(inner: R, budget: Budget) -> Self {
        BudgetReader { inner, budget }
    }

    pub(crate) fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: Read> Read for BudgetReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.budget.take(n as u64)?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_validation_refuses_path_tricks() {
        assert!(Digest::parse("sha256:../../../../etc/passwd").is_err());
        assert!(Digest::parse("sha512:abcd").is_err());
        assert!(Digest::parse(&format!("sha256:{}", "A".repeat(64))).is_err());
        let d = Digest::of(b"");
        assert_eq!(
            d.as_str(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(Digest::parse(d.as_str()).unwrap(), d);
    }

    #[test]
    fn budget_is_shared_and_enforced() {
        let budget = Budget::new(10);
        let mut a = BudgetReader::new(&[0u8; 6][..], budget.clone());
        let mut b = BudgetReader::new(&[0u8; 6][..], budget);
        io::copy(&mut a, &mut io::sink()).unwrap();
        let err = io::copy(&mut b, &mut io::sink()).unwrap_err();
        assert!(
            err.get_ref()
                .is_some_and(<dyn std::error::Error + Send + Sync>::is::<BudgetExceeded>)
        );
    }
}
