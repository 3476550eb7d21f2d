//! Parsing what the user typed into an [`ImageSource`].

use std::path::{Path, PathBuf};

use crate::ImageError;

/// Where an image comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageSource {
    /// An OCI image layout directory, optionally with the tag (`org.opencontainers.image.ref.name`).
    OciLayout { dir: PathBuf, tag: Option<String> },
    /// A docker-archive tarball, optionally with a `RepoTags` entry or tag to pick.
    DockerArchive { path: PathBuf, tag: Option<String> },
    /// A registry reference (`host/repo:tag`, `host/repo@sha256:…`).
    Registry { reference: String },
}

impl ImageSource {
    /// Parses `oci:DIR[:TAG]`, `docker-archive:PATH[:TAG]`, `docker://REF`, or a bare argument:
    /// an existing directory with an `oci-layout` file, an existing file (docker-archive), or
    /// else a registry reference.
    pub fn parse(input: &str) -> Result<Self, ImageError> {
        let invalid = |reason: &str| ImageError::InvalidReference {
            reference: input.to_owned(),
            reason: reason.to_owned(),
        };
        if let Some(rest) = input.strip_prefix("oci:") {
            let (dir, tag) = split_path_and_tag(rest, Path::is_dir);
            if dir.as_os_str().is_empty() {
                return Err(invalid("expected `oci:DIR[:TAG]`"));
            }
            return Ok(ImageSource::OciLayout { dir, tag });
        }
        if let Some(rest) = input.strip_prefix("docker-archive:") {
            let (path, tag) = split_path_and_tag(rest, Path::is_file);
            if path.as_os_str().is_empty() {
                return Err(invalid("expected `docker-archive:PATH[:TAG]`"));
            }
            return Ok(ImageSource::DockerArchive { path, tag });
        }
        let reference = input.strip_prefix("docker://").unwrap_or(input);
        if !input.starts_with("docker://") {
            let path = Path::new(input);
            if path.join("oci-layout").is_file() {
                return Ok(ImageSource::OciLayout {
                    dir: path.to_owned(),
                    tag: None,
                });
            }
            if path.is_file() {
                return Ok(ImageSource::DockerArchive {
                    path: path.to_owned(),
                    tag: None,
                });
            }
        }
        reference
            .parse::<oci_spec::distribution::Reference>()
            .map_err(|e| invalid(&format!("not a path and not a registry reference ({e})")))?;
        Ok(ImageSource::Registry {
            reference: reference.to_owned(),
        })
    }
}

impl std::fmt::Display for ImageSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImageSource::OciLayout { dir, tag } => {
                write!(f, "oci:{}", dir.display())?;
                tag.as_ref().map_or(Ok(()), |t| write!(f, ":{t}"))
            }
            ImageSource::DockerArchive { path, tag } => {
                write!(f, "docker-archive:{}", path.display())?;
                tag.as_ref().map_or(Ok(()), |t| write!(f, ":{t}"))
            }
            ImageSource::Registry { reference } => f.write_str(reference),
        }
    }
}

/// `PATH[:TAG]`: the whole string if it names an existing path, else split at the last `:`
/// whose left side exists (paths may contain `:`; tags may too, as in `repo:1.0`).
fn split_path_and_tag(s: &str, exists: fn(&Path) -> bool) -> (PathBuf, Option<String>) {
    if exists(Path::new(s)) {
        return (PathBuf::from(s), None);
    }
    for (i, _) in s.match_indices(':') {
        let (path, tag) = (&s[..i], &s[i + 1..]);
        if exists(Path::new(path)) && !tag.is_empty() {
            return (PathBuf::from(path), Some(tag.to_owned()));
        }
    }
    match s.rsplit_once(':') {
        Some((path, tag)) if !tag.is_empty() && !tag.contains('/') => {
            (PathBuf::from(path), Some(tag.to_owned()))
        }
        _ => (PathBuf::from(s), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display().to_string();
        assert_eq!(
            ImageSource::parse(&format!("oci:{d}:web:1")).unwrap(),
            ImageSource::OciLayout {
                dir: dir.path().to_owned(),
                tag: Some("web:1".into())
            }
        );
        assert_eq!(
            ImageSource::parse(&format!("oci:{d}")).unwrap(),
            ImageSource::OciLayout {
                dir: dir.path().to_owned(),
                tag: None
            }
        );
        assert_eq!(
            ImageSource::parse("127.0.0.1:5000/app:1.0").unwrap(),
            ImageSource::Registry {
                reference: "127.0.0.1:5000/app:1.0".into()
            }
        );
        assert!(ImageSource::parse("oci:").is_err());
        assert!(ImageSource::parse("Not A Reference!").is_err());
    }
}
