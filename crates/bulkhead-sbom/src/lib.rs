//! SBOM documents for a Bulkhead [`Inventory`]: CycloneDX 1.6 JSON ([`cyclonedx`], and
//! [`cyclonedx_with_vulnerabilities`] with what a scan found) and SPDX 2.3 JSON ([`spdx`]), and
//! reading either back as an inventory ([`read`]).
//!
//! Written with our own serde types rather than the `cyclonedx-bom` crate: that crate's
//! models stop at spec 1.5, and both documents need only a small, fixed subset of fields.
//! Correctness is checked in the tests against the official JSON schemas and validators.
//!
//! Every component carries its purl; components are in a stable order (the inventory's), and
//! identifiers (`bom-ref`, `SPDXID`, the serial number) are derived from the content, so the
//! same inventory gives the same document apart from its timestamp.
//!
//! What this crate does not do: decide what is installed (`bulkhead-inventory`) or what is
//! vulnerable (the scan's `bulkhead_report::VulnRow`s come in ready-made), or fetch anything.

mod cyclonedx;
mod read;
mod spdx;
mod vulnerabilities;

use bulkhead_inventory::Inventory;
use sha2::{Digest as _, Sha256};

pub use cyclonedx::cyclonedx;
pub use read::{SbomError, read};
pub use spdx::spdx;
pub use vulnerabilities::cyclonedx_with_vulnerabilities;

/// What the SBOM describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// The image reference or directory path as the user gave it.
    pub name: String,
    /// The image's manifest (or config) digest; `None` for a directory.
    pub digest: Option<String>,
    /// A container image (true) or a directory.
    pub is_image: bool,
}

/// Document metadata a caller supplies: the creation time (RFC 3339, UTC) and tool version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentInfo {
    pub created: String,
    pub tool_version: String,
}

/// A UUID-shaped identifier derived from `parts`: the same inventory gets the same id.
pub(crate) fn content_uuid(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    let h = hex::encode(&hasher.finalize()[..16]);
    // Mark it as a version-5-style (name-based) UUID with the RFC 4122 variant.
    format!(
        "{}-{}-5{}-{}{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        ["8", "9", "a", "b"][usize::from(u8::from_str_radix(&h[16..17], 16).unwrap_or(0) % 4)],
        &h[17..20],
        &h[20..32]
    )
}

/// The identity of an inventory's content, for [`content_uuid`].
pub(crate) fn inventory_fingerprint(subject: &Subject, inventory: &Inventory) -> String {
    let mut hasher = Sha256::new();
    hasher.update(subject.name.as_bytes());
    hasher.update(subject.digest.as_deref().unwrap_or_default().as_bytes());
    for p in &inventory.packages {
        hasher.update(p.purl.as_bytes());
        hasher.update([0]);
    }
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_stable_and_well_formed() {
        let a = content_uuid(&["x", "y"]);
        assert_eq!(a, content_uuid(&["x", "y"]));
        assert_ne!(a, content_uuid(&["xy"]));
        let parts: Vec<&str> = a.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('5'));
    }
}
