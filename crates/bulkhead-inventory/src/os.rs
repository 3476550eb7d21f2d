//! Which operating system a root filesystem holds, from `os-release` (and the older release
//! files where there is none).

use bulkhead_fsview::FsView;
use serde::{Deserialize, Serialize};

/// The OS of a root filesystem, as `os-release(5)` names it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OsRelease {
    /// `ID`: `debian`, `alpine`, `ubuntu`, `rhel`, …
    pub id: String,
    /// `VERSION_ID`: `12`, `3.20.3`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// `VERSION_CODENAME`: `bookworm`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codename: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pretty_name: Option<String>,
    /// `ID_LIKE`, split on spaces.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub id_like: Vec<String>,
}

/// The largest release file read; they are a few hundred bytes.
const MAX_RELEASE_FILE: u64 = 64 * 1024;

/// Detects the OS: `etc/os-release`, then `usr/lib/os-release`, then `etc/alpine-release`,
/// `etc/debian_version`, `etc/redhat-release`. `None` if nothing says (scratch, distroless
/// static, busybox-only images).
pub fn detect(fs: &dyn FsView) -> Option<OsRelease> {
    for path in ["etc/os-release", "usr/lib/os-release"] {
        if let Ok(bytes) = fs.read_to_vec(path, MAX_RELEASE_FILE)
            && let Some(os) = parse_os_release(&String::from_utf8_lossy(&bytes))
        {
            return Some(os);
        }
    }
    let read = |path: &str| {
        fs.read_to_vec(path, MAX_RELEASE_FILE)
            .ok()
            .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
    };
    if let Some(v) = read("etc/alpine-release") {
        return Some(OsRelease {
            id: "alpine".into(),
            version_id: Some(v),
            ..OsRelease::default()
        });
    }
    if let Some(v) = read("etc/debian_version") {
        // `12.7` → `12`; testing/sid write `trixie/sid`, kept whole.
        let major = v.split('.').next().unwrap_or(&v).to_owned();
        return Some(OsRelease {
            id: "debian".into(),
            version_id: Some(major),
            ..OsRelease::default()
        });
    }
    if let Some(v) = read("etc/redhat-release") {
        let version = v
            .split_whitespace()
            .find(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()));
        return Some(OsRelease {
            id: "rhel".into(),
            version_id: version.map(str::to_owned),
            pretty_name: Some(v.clone()),
            ..OsRelease::default()
        });
    }
    None
}

/// Parses `os-release(5)`: `KEY=value` lines, values optionally quoted with shell escapes.
pub fn parse_os_release(text: &str) -> Option<OsRelease> {
    let mut os = OsRelease::default();
    for line in text.lines() {
        let Some((key, raw)) = line.trim().split_once('=') else {
            continue;
        };
        let value = unquote(raw.trim());
        match key.trim() {
            "ID" => os.id = value.to_ascii_lowercase(),
            "VERSION_ID" => os.version_id = Some(value),
            "VERSION_CODENAME" => os.codename = Some(value).filter(|v| !v.is_empty()),
            "PRETTY_NAME" => os.pretty_name = Some(value),
            "ID_LIKE" => os.id_like = value.split_whitespace().map(str::to_owned).collect(),
            _ => {}
        }
    }
    (!os.id.is_empty()).then_some(os)
}

fn unquote(raw: &str) -> String {
    let inner = raw
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .or_else(|| raw.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')))
        .unwrap_or(raw);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_debian_os_release() {
        let text = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n";
        let os = parse_os_release(text).unwrap();
        assert_eq!(os.id, "debian");
        assert_eq!(os.version_id.as_deref(), Some("12"));
        assert_eq!(os.codename.as_deref(), Some("bookworm"));
        assert_eq!(
            os.pretty_name.as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        assert!(parse_os_release("NAME=nothing\n").is_none());
        assert_eq!(
            parse_os_release("ID='alpine'\nID_LIKE=\"a b\"")
                .unwrap()
                .id_like,
            ["a", "b"]
        );
    }
}
