//! Build data that compilers embed in executables: Go module build info and `cargo auditable`
//! dependency lists, from ELF, Mach-O (thin or universal) and PE files.
//!
//! Which files: regular files with an execute bit, or named `*.dll`, `*.exe`, no larger than
//! [`Options::max_binary_size`] (bigger ones are reported as skipped), whose first bytes are an
//! ELF, Mach-O or PE header.
//!
//! **Go.** The linker writes a 32-byte header starting `"\xff Go buildinf:"` (pointer size,
//! flags) into `.go.buildinfo` (ELF), `__DATA,__go_buildinfo` (Mach-O) or, when that section is
//! missing (stripped section headers, PE), near the start of the first writable data segment or
//! `.data` section, 16-byte aligned. Go 1.18 and later put the Go version and the module info
//! inline after the header as varint-prefixed strings; older toolchains store two pointers to
//! Go string headers, which we follow through the segment table (bounded, checked reads). The
//! module info is the text `go version -m` prints: `path`, `mod`, `dep` and `=>` (replacement)
//! lines. We report:
//! - each `dep` as `pkg:golang/<module path>@<version>`, using its replacement when it has one;
//! - the main module (`mod`) only when it carries a real version, not `(devel)`;
//! - the standard library as name `stdlib`, version `v<Go version>` (`go1.19.8` becomes
//!   `v1.19.8`, `go1.21rc2` becomes `v1.21.0-rc.2`), as current Trivy releases do. The `v`
//!   form makes it one more Go module version for the matcher; a `devel` toolchain gives no
//!   stdlib package, since its version says nothing about which fixes it has.
//!
//! We skip dependencies replaced by a local directory (`=> ../fork`): that code is the
//! project's own, and no registry or advisory names it.
//!
//! **Rust.** `cargo auditable` stores zlib-compressed JSON in a `.dep-v0` section (ELF, PE,
//! Mach-O `__DATA`): `{"packages":[{"name","version","source","kind","dependencies","root"}]}`.
//! We inflate at most [`MAX_AUDIT_JSON`] bytes and report each package as
//! `pkg:cargo/<name>@<version>`, except `source: "local"` ones (workspace and path crates, as
//! the `Cargo.lock` cataloger skips them) and `kind: "build"` ones (build scripts and
//! proc-macros, which run at build time and are not linked in; Trivy skips them too).
//!
//! Not read: binaries without such data (C, C++, plain Rust, symbol tables or version strings
//! are not guessed at), WebAssembly modules, `cargo auditable` data in other formats, Go
//! `build` settings (flags, VCS revision).

use std::io::Read;

use bulkhead_fsview::Metadata;
use object::{Object, ObjectSection, ObjectSegment};
use serde::Deserialize;

use super::{Cataloger, Context, ParseError, file_name, package};
use crate::{Ecosystem, Options, Package};

/// Largest `cargo auditable` JSON we inflate; real ones are a few hundred KiB at most.
const MAX_AUDIT_JSON: u64 = 16 << 20;
/// Largest Go module info we follow a pointer to (old format); real ones are tens of KiB.
const MAX_MODINFO: u64 = 16 << 20;
/// How many architectures of a universal Mach-O binary we look into.
const MAX_FAT_ARCHES: usize = 8;

const GO_MAGIC: &[u8] = b"\xff Go buildinf:";
const GO_HEADER_SIZE: usize = 32;
const GO_ALIGN: u64 = 16;
/// How far into the data a build info header without its own section is looked for.
const FALLBACK_SEARCH: usize = 64 << 10;

#[derive(Debug)]
pub(crate) struct Binaries;

impl Cataloger for Binaries {
    fn name(&self) -> &'static str {
        "binary"
    }

    // No size check here: the cap is `max_size`, so an oversized binary is reported, not
    // silently skipped.
    fn wants(&self, path: &str, meta: &Metadata, _options: &Options) -> bool {
        if !meta.is_file() || meta.size < 64 {
            return false;
        }
        // Executables, and Windows binaries (no exec bit on a Linux filesystem). Shared
        // libraries without an exec bit (Debian's are 0644) are not read: Go and auditable
        // Rust data live in programs, and reading every `.so` would double the I/O.
        let name = file_name(path).to_ascii_lowercase();
        meta.mode & 0o111 != 0 || [".dll", ".exe"].iter().any(|ext| name.ends_with(ext))
    }

    fn max_size(&self, options: &Options) -> u64 {
        options.max_binary_size
    }

    /// Go's build-info magic, and the section name `cargo auditable` writes (present in the
    /// section header string table of ELF, the section table of PE, the load commands of
    /// Mach-O): a binary with neither has nothing for us.
    fn probe_markers(&self) -> Option<&'static [&'static [u8]]> {
        Some(&[b"\xff Go buildinf:", b".dep-v0"])
    }

    fn wants_content(&self, _path: &str, content: &[u8]) -> bool {
        looks_executable(content)
    }

    fn parse(
        &self,
        _path: &str,
        content: &[u8],
        _context: &Context<'_>,
    ) -> Result<Vec<Package>, ParseError> {
        let mut packages = Vec::new();
        match object::FileKind::parse(content) {
            Ok(object::FileKind::MachOFat32) => {
                let fat = object::read::macho::MachOFatFile32::parse(content).map_err(invalid)?;
                for arch in fat.arches().iter().take(MAX_FAT_ARCHES) {
                    let slice =
                        object::read::macho::FatArch::data(arch, content).map_err(invalid)?;
                    packages.extend(parse_object(slice)?);
                }
            }
            Ok(object::FileKind::MachOFat64) => {
                let fat = object::read::macho::MachOFatFile64::parse(content).map_err(invalid)?;
                for arch in fat.arches().iter().take(MAX_FAT_ARCHES) {
                    let slice =
                        object::read::macho::FatArch::data(arch, content).map_err(invalid)?;
                    packages.extend(parse_object(slice)?);
                }
            }
            _ => packages = parse_object(content)?,
        }
        packages.sort();
        packages.dedup();
        Ok(packages)
    }
}

fn invalid(e: object::Error) -> ParseError {
    format!("not a valid executable: {e}")
}

/// ELF, thin or universal Mach-O, or PE (an `MZ` stub whose `e_lfanew` points at `PE\0\0`).
fn looks_executable(content: &[u8]) -> bool {
    match content {
        [0x7f, b'E', b'L', b'F', ..]
        | [0xfe, 0xed, 0xfa, 0xce | 0xcf, ..]
        | [0xce | 0xcf, 0xfa, 0xed, 0xfe, ..] => true,
        // 0xcafebabe is also a Java class file; a universal binary has a handful of arches
        // where a class file has its (much larger) version number.
        [0xca, 0xfe, 0xba, 0xbe | 0xbf, a, b, c, d, ..] => {
            (1..=32).contains(&u32::from_be_bytes([*a, *b, *c, *d]))
        }
        [b'M', b'Z', ..] => content
            .get(0x3c..0x40)
            .and_then(|b| usize::try_from(u32::from_le_bytes(b.try_into().ok()?)).ok())
            .and_then(|at| content.get(at..at.checked_add(4)?))
            .is_some_and(|sig| sig == b"PE\0\0"),
        _ => false,
    }
}

/// Both kinds of build data from one (thin) object file.
fn parse_object(content: &[u8]) -> Result<Vec<Package>, ParseError> {
    let file = object::File::parse(content).map_err(invalid)?;
    let mut packages = Vec::new();
    if let Some(info) = go_build_info(&file)? {
        packages.extend(go_packages(&info)?);
    }
    if let Some(section) = file.section_by_name(".dep-v0") {
        let compressed = section
            .data()
            .map_err(|e| format!("`.dep-v0` section is not inside the file: {e}"))?;
        packages.extend(auditable_packages(compressed)?);
    }
    Ok(packages)
}

/// What the Go build info header leads to.
#[derive(Debug, PartialEq, Eq)]
struct GoBuildInfo {
    /// `runtime.buildVersion`, e.g. `go1.19.8`.
    go_version: String,
    /// The module info text, without its framing.
    modinfo: String,
}

/// Finds and decodes the Go build info; `None` if this is not a Go binary.
fn go_build_info(file: &object::File<'_>) -> Result<Option<GoBuildInfo>, ParseError> {
    // Where the linker puts it: its own section, else the start of writable data.
    let named = [".go.buildinfo", "__go_buildinfo"]
        .into_iter()
        .find_map(|name| file.section_by_name(name));
    let mut regions: Vec<(u64, &[u8])> = Vec::new();
    let has_section = named.is_some();
    if let Some(section) = named {
        let data = section
            .data()
            .map_err(|e| format!("Go build info section is not inside the file: {e}"))?;
        regions.push((section.address(), data));
    } else {
        // Like Go's own reader, look only near the start of the data; an ELF file with section
        // headers but no `.go.buildinfo` section is not a Go binary (every Go linker since
        // 1.13 writes it), so the many C binaries in an image are not scanned at all.
        match file.format() {
            object::BinaryFormat::Elf if file.sections().next().is_none() => {
                for segment in file.segments() {
                    if let object::SegmentFlags::Elf { p_type, p_flags } = segment.flags()
                        && p_type.0 == object::elf::PT_LOAD.0
                        && p_flags.0 & (object::elf::PF_X.0 | object::elf::PF_W.0)
                            == object::elf::PF_W.0
                        && let Ok(data) = segment.data()
                    {
                        regions.push((segment.address(), data));
                    }
                }
            }
            object::BinaryFormat::Elf => {}
            _ => {
                for name in ["__data", ".data"] {
                    if let Some(section) = file.section_by_name(name)
                        && let Ok(data) = section.data()
                    {
                        regions.push((section.address(), data));
                    }
                }
            }
        }
    }
    for (address, data) in regions {
        let searched = if has_section {
            data
        } else {
            &data[..data.len().min(FALLBACK_SEARCH)]
        };
        if let Some(at) = find_go_header(address, searched) {
            return decode_go_header(file, &data[at..]).map(Some);
        }
    }
    Ok(None)
}

/// The offset of the first build info magic at a 16-byte aligned address with room for the
/// header after it.
fn find_go_header(address: u64, data: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = find(&data[from..], GO_MAGIC) {
        let at = from + found;
        if address.wrapping_add(at as u64).is_multiple_of(GO_ALIGN)
            && data.len() - at >= GO_HEADER_SIZE
        {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Decodes the header at the start of `blob` (which starts with the magic).
fn decode_go_header(file: &object::File<'_>, blob: &[u8]) -> Result<GoBuildInfo, ParseError> {
    let ptr_size = blob[14];
    let flags = blob[15];
    let (version, modinfo) = if flags & 2 != 0 {
        let rest = &blob[GO_HEADER_SIZE..];
        let (version, rest) = varint_string(rest)
            .ok_or("Go build info: the Go version runs past the end of its section")?;
        let (modinfo, _) = varint_string(rest)
            .ok_or("Go build info: the module info runs past the end of its section")?;
        (version.to_vec(), modinfo.to_vec())
    } else {
        if ptr_size != 4 && ptr_size != 8 {
            return Err(format!(
                "Go build info: unsupported pointer size {ptr_size}"
            ));
        }
        let reader = PointerReader {
            file,
            size: usize::from(ptr_size),
            big_endian: flags & 1 != 0,
        };
        let version = reader.go_string(reader.word(&blob[16..]), 256)?;
        let modinfo = reader.go_string(
            reader.word(&blob[16 + usize::from(ptr_size)..]),
            MAX_MODINFO,
        )?;
        (version, modinfo)
    };
    if version.is_empty() {
        return Err("Go build info has no Go version".to_owned());
    }
    // The module info is framed by two 16-byte sentinels (cmd/go's infoStart and infoEnd),
    // the last one preceded by a newline.
    let modinfo = if modinfo.len() >= 33 && modinfo[modinfo.len() - 17] == b'\n' {
        &modinfo[16..modinfo.len() - 16]
    } else {
        &[][..]
    };
    Ok(GoBuildInfo {
        go_version: String::from_utf8_lossy(&version).into_owned(),
        modinfo: String::from_utf8_lossy(modinfo).into_owned(),
    })
}

/// An unsigned LEB128 length, then that many bytes.
fn varint_string(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut len: u64 = 0;
    for (i, &byte) in data.iter().enumerate().take(10) {
        len |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            let rest = &data[i + 1..];
            let len = usize::try_from(len).ok().filter(|&l| l <= rest.len())?;
            return Some(rest.split_at(len));
        }
    }
    None
}

/// Follows pointers in the pre-1.18 build info through the object's segments.
struct PointerReader<'a, 'data> {
    file: &'a object::File<'data>,
    size: usize,
    big_endian: bool,
}

impl PointerReader<'_, '_> {
    /// One pointer-sized word at the start of `bytes` (which is long enough: callers slice
    /// within a 32-byte header or a `2 * size` read).
    fn word(&self, bytes: &[u8]) -> u64 {
        let mut buf = [0u8; 8];
        let word = &bytes[..self.size];
        if self.big_endian {
            buf[8 - self.size..].copy_from_slice(word);
            u64::from_be_bytes(buf)
        } else {
            buf[..self.size].copy_from_slice(word);
            u64::from_le_bytes(buf)
        }
    }

    /// `size` bytes of the image at virtual `address`, if some segment holds them in the file.
    fn read(&self, address: u64, size: u64) -> Option<&[u8]> {
        self.file
            .segments()
            .find_map(|segment| segment.data_range(address, size).ok().flatten())
    }

    /// A Go string (data pointer, length) whose header is at `address`.
    fn go_string(&self, address: u64, limit: u64) -> Result<Vec<u8>, ParseError> {
        let header = self.read(address, 2 * self.size as u64).ok_or_else(|| {
            format!("Go build info points outside the file (address {address:#x})")
        })?;
        let data = self.word(header);
        let len = self.word(&header[self.size..]);
        if len > limit {
            return Err(format!(
                "Go build info string of {len} bytes is over the limit of {limit}"
            ));
        }
        self.read(data, len).map(<[u8]>::to_vec).ok_or_else(|| {
            format!("Go build info points outside the file (address {data:#x}, {len} bytes)")
        })
    }
}

/// A module line's fields: path and version.
#[derive(Debug, Clone, PartialEq, Eq)]
struct GoModule {
    path: String,
    version: String,
}

/// The packages a Go binary's build info names.
fn go_packages(info: &GoBuildInfo) -> Result<Vec<Package>, ParseError> {
    let mut out = Vec::new();
    if let Some(version) = stdlib_version(&info.go_version) {
        out.push(package(Ecosystem::Golang, None, "stdlib", &version, &[])?);
    }
    for module in go_modules(&info.modinfo) {
        let (namespace, name) = match module.path.rsplit_once('/') {
            Some((ns, name)) => (Some(ns), name),
            None => (None, module.path.as_str()),
        };
        out.push(package(
            Ecosystem::Golang,
            namespace,
            name,
            &module.version,
            &[],
        )?);
    }
    Ok(out)
}

/// The main module (if versioned) and the dependencies, with replacements applied and local
/// replacements dropped.
fn go_modules(modinfo: &str) -> Vec<GoModule> {
    // (module as built, whether it is the main module)
    let mut modules: Vec<(GoModule, bool)> = Vec::new();
    let mut last_replaceable = false;
    for line in modinfo.lines() {
        let mut fields = line.split('\t');
        let word = fields.next().unwrap_or_default();
        let path = fields.next().unwrap_or_default().to_owned();
        let version = fields.next().unwrap_or_default().to_owned();
        match word {
            "mod" | "dep" => {
                modules.push((GoModule { path, version }, word == "mod"));
                last_replaceable = true;
            }
            "=>" if last_replaceable => {
                if let Some((module, _)) = modules.last_mut() {
                    *module = GoModule { path, version };
                }
                last_replaceable = false;
            }
            _ => last_replaceable = false,
        }
    }
    modules
        .into_iter()
        .filter(|(m, _)| {
            !m.path.is_empty()
                && !m.version.is_empty()
                && m.version != "(devel)"
                && !is_local_path(&m.path)
        })
        .map(|(m, _)| m)
        .collect()
}

/// A replacement by a directory rather than a module (cmd/go's `modfile.IsDirectoryPath`).
fn is_local_path(path: &str) -> bool {
    path.starts_with("./")
        || path.starts_with("../")
        || path.starts_with('/')
        || path.starts_with(".\\")
        || path.starts_with("..\\")
        || path.starts_with('\\')
        || path == "."
        || path == ".."
        || (path.len() >= 2
            && path.as_bytes()[1] == b':'
            && path.as_bytes()[0].is_ascii_alphabetic())
}

/// `go1.19.8` → `v1.19.8`, `go1.20` → `v1.20.0`, `go1.21rc2` → `v1.21.0-rc.2`; experiment
/// suffixes (`go1.22.5 X:boringcrypto`) are dropped; `devel …` and anything else give `None`.
fn stdlib_version(go_version: &str) -> Option<String> {
    let rest = go_version.split_whitespace().next()?.strip_prefix("go")?;
    let numeric_end = rest
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(rest.len());
    let (numbers, suffix) = rest.split_at(numeric_end);
    let parts: Vec<&str> = numbers.split('.').collect();
    if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    let patch = parts.get(2).copied().unwrap_or("0");
    let mut version = format!("v{}.{}.{patch}", parts[0], parts[1]);
    for pre in ["rc", "beta"] {
        if let Some(n) = suffix.strip_prefix(pre) {
            let n: String = n.chars().take_while(char::is_ascii_digit).collect();
            if !n.is_empty() {
                version = format!("{version}-{pre}.{n}");
            }
        }
    }
    Some(version)
}

/// The `cargo auditable` JSON, as far as we read it.
#[derive(Debug, Deserialize)]
struct AuditData {
    packages: Vec<AuditPackage>,
}

#[derive(Debug, Deserialize)]
struct AuditPackage {
    name: String,
    version: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    kind: Option<String>,
}

/// The packages listed in a `.dep-v0` section (zlib-compressed JSON).
fn auditable_packages(compressed: &[u8]) -> Result<Vec<Package>, ParseError> {
    let mut json = Vec::new();
    flate2::read::ZlibDecoder::new(compressed)
        .take(MAX_AUDIT_JSON + 1)
        .read_to_end(&mut json)
        .map_err(|e| format!("`cargo auditable` data does not inflate: {e}"))?;
    if json.len() as u64 > MAX_AUDIT_JSON {
        return Err(format!(
            "`cargo auditable` data inflates past the limit of {MAX_AUDIT_JSON} bytes"
        ));
    }
    let data: AuditData = serde_json::from_slice(&json)
        .map_err(|e| format!("`cargo auditable` data is not valid: {e}"))?;
    data.packages
        .iter()
        .filter(|p| p.source != "local" && p.kind.as_deref() != Some("build"))
        .map(|p| package(Ecosystem::Cargo, None, &p.name, &p.version, &[]))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn parse_bin(content: &[u8]) -> Result<Vec<String>, ParseError> {
        let options = Options::default();
        let ctx = Context {
            os: None,
            options: &options,
        };
        Ok(Binaries
            .parse("bin/app", content, &ctx)?
            .into_iter()
            .map(|p| p.purl)
            .collect())
    }

    /// A minimal little-endian ELF64 executable: no section headers, one writable `PT_LOAD`
    /// segment mapping the whole file at `BASE`, and `payload` at file offset `PAYLOAD`.
    const BASE: u64 = 0x40_0000;
    const PAYLOAD: usize = 128;

    fn elf(payload: &[u8]) -> Vec<u8> {
        let total = (PAYLOAD + payload.len()) as u64;
        let mut f = Vec::new();
        f.extend_from_slice(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0");
        f.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
        f.extend_from_slice(&62u16.to_le_bytes()); // x86-64
        f.extend_from_slice(&1u32.to_le_bytes());
        f.extend_from_slice(&BASE.to_le_bytes()); // entry
        f.extend_from_slice(&64u64.to_le_bytes()); // phoff
        f.extend_from_slice(&0u64.to_le_bytes()); // shoff
        f.extend_from_slice(&0u32.to_le_bytes()); // flags
        for half in [64u16, 56, 1, 64, 0, 0] {
            f.extend_from_slice(&half.to_le_bytes()); // ehsize, phentsize, phnum, shentsize, shnum, shstrndx
        }
        f.extend_from_slice(&1u32.to_le_bytes()); // PT_LOAD
        f.extend_from_slice(&6u32.to_le_bytes()); // PF_R | PF_W
        for word in [0, BASE, BASE, total, total, 0x1000] {
            f.extend_from_slice(&word.to_le_bytes());
        }
        f.resize(PAYLOAD, 0);
        f.extend_from_slice(payload);
        f
    }

    fn framed(modinfo: &str) -> Vec<u8> {
        let mut m = b"0123456789abcdef".to_vec();
        m.extend_from_slice(modinfo.as_bytes());
        if !modinfo.ends_with('\n') {
            m.push(b'\n');
        }
        m.extend_from_slice(b"fedcba9876543210");
        m
    }

    fn varint(out: &mut Vec<u8>, mut n: usize) {
        loop {
            let byte = u8::try_from(n & 0x7f).unwrap();
            n >>= 7;
            if n == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }

    /// Go ≥ 1.18 layout: header with flag 2, then inline strings.
    fn inline_buildinfo(version: &str, modinfo: &[u8]) -> Vec<u8> {
        let mut b = GO_MAGIC.to_vec();
        b.extend_from_slice(&[8, 2]);
        b.resize(GO_HEADER_SIZE, 0);
        varint(&mut b, version.len());
        b.extend_from_slice(version.as_bytes());
        varint(&mut b, modinfo.len());
        b.extend_from_slice(modinfo);
        b
    }

    /// Go < 1.18 layout: header with two pointers to string headers, each pointing at data.
    fn pointer_buildinfo(version: &str, modinfo: &[u8], bad_pointer: bool) -> Vec<u8> {
        let addr = |off: usize| BASE + (PAYLOAD + off) as u64;
        let mut b = GO_MAGIC.to_vec();
        b.extend_from_slice(&[8, 0]);
        let headers = GO_HEADER_SIZE; // two 16-byte string headers follow the header
        let data = headers + 32;
        let version_ptr = if bad_pointer {
            0xdead_beef_0000
        } else {
            addr(headers)
        };
        b.extend_from_slice(&version_ptr.to_le_bytes());
        b.extend_from_slice(&addr(headers + 16).to_le_bytes());
        b.extend_from_slice(&addr(data).to_le_bytes());
        b.extend_from_slice(&(version.len() as u64).to_le_bytes());
        b.extend_from_slice(&addr(data + version.len()).to_le_bytes());
        b.extend_from_slice(&(modinfo.len() as u64).to_le_bytes());
        b.extend_from_slice(version.as_bytes());
        b.extend_from_slice(modinfo);
        b
    }

    const MODINFO: &str = "path\texample.com/app/cmd/app\n\
        mod\texample.com/app\tv1.4.0\th1:abc=\n\
        dep\tgithub.com/pkg/errors\tv0.9.1\th1:xyz=\n\
        dep\tgolang.org/x/text\tv0.3.0\n\
        =>\tgolang.org/x/text\tv0.3.8\th1:r=\n\
        dep\texample.com/forked\tv1.0.0\n\
        =>\t../forked\t\n\
        build\tGOOS=linux\n";

    const EXPECTED: [&str; 4] = [
        "pkg:golang/example.com/app@v1.4.0",
        "pkg:golang/github.com/pkg/errors@v0.9.1",
        "pkg:golang/golang.org/x/text@v0.3.8",
        "pkg:golang/stdlib@v1.17.13",
    ];

    fn sorted(mut v: Vec<String>) -> Vec<String> {
        v.sort();
        v
    }

    #[test]
    fn reads_inline_build_info_from_writable_segment() {
        let bin = elf(&inline_buildinfo("go1.17.13", &framed(MODINFO)));
        assert_eq!(sorted(parse_bin(&bin).unwrap()), EXPECTED);
    }

    #[test]
    fn reads_pointer_build_info() {
        let bin = elf(&pointer_buildinfo("go1.17.13", &framed(MODINFO), false));
        assert_eq!(sorted(parse_bin(&bin).unwrap()), EXPECTED);
    }

    #[test]
    fn devel_main_module_and_gopath_builds() {
        let modinfo = framed("path\tcmd/app\nmod\tcmd/app\t(devel)\t\n");
        let bin = elf(&inline_buildinfo("go1.20", &modinfo));
        assert_eq!(parse_bin(&bin).unwrap(), ["pkg:golang/stdlib@v1.20.0"]);
        // A GOPATH build has no module info at all, only the toolchain.
        let bin = elf(&inline_buildinfo("go1.21rc2", b""));
        assert_eq!(parse_bin(&bin).unwrap(), ["pkg:golang/stdlib@v1.21.0-rc.2"]);
    }

    #[test]
    fn stdlib_versions() {
        assert_eq!(stdlib_version("go1.19.8").as_deref(), Some("v1.19.8"));
        assert_eq!(
            stdlib_version("go1.22.5 X:boringcrypto").as_deref(),
            Some("v1.22.5")
        );
        assert_eq!(
            stdlib_version("go1.9beta1").as_deref(),
            Some("v1.9.0-beta.1")
        );
        assert_eq!(stdlib_version("devel go1.23-abcdef Mon Jan 1"), None);
        assert_eq!(stdlib_version("go"), None);
        assert_eq!(stdlib_version("go1..2"), None);
    }

    #[test]
    fn hostile_go_build_info_is_an_error() {
        // Pointers into nowhere.
        assert!(parse_bin(&elf(&pointer_buildinfo("go1.16", &framed(MODINFO), true))).is_err());
        // Inline strings longer than the file.
        let mut b = inline_buildinfo("go1.20", b"");
        b.truncate(GO_HEADER_SIZE);
        b.extend_from_slice(&[0xff, 0xff, 0xff, 0x0f]);
        assert!(parse_bin(&elf(&b)).is_err());
        // A varint that never ends.
        let mut b = inline_buildinfo("go1.20", b"");
        b.truncate(GO_HEADER_SIZE);
        b.extend_from_slice(&[0xff; 20]);
        assert!(parse_bin(&elf(&b)).is_err());
        // Bad pointer size.
        let mut b = pointer_buildinfo("go1.16", b"", false);
        b[14] = 3;
        assert!(parse_bin(&elf(&b)).is_err());
        // Empty version.
        assert!(parse_bin(&elf(&inline_buildinfo("", b""))).is_err());
        // A huge claimed length in the pointer format.
        let mut b = pointer_buildinfo("go1.16", b"x", false);
        let len_at = GO_HEADER_SIZE + 8;
        b[len_at..len_at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(parse_bin(&elf(&b)).is_err());
        // A magic at an unaligned address or without room for the header is not build info.
        let mut b = vec![0u8; 3];
        b.extend_from_slice(&inline_buildinfo("go1.20", b""));
        assert_eq!(parse_bin(&elf(&b)).unwrap(), Vec::<String>::new());
        assert_eq!(parse_bin(&elf(GO_MAGIC)).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn elf_magic_with_garbage_is_an_error_not_a_panic() {
        let mut junk = b"\x7fELF\x02\x01\x01".to_vec();
        junk.extend((0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13).to_le_bytes()[0]));
        assert!(looks_executable(&junk));
        assert!(parse_bin(&junk).is_err());
        // Truncated at every length, a valid file never panics.
        let bin = elf(&inline_buildinfo("go1.17.13", &framed(MODINFO)));
        for len in 0..bin.len() {
            let _ = parse_bin(&bin[..len]);
        }
        // Every single-byte corruption of the header region either parses or errors.
        for i in 0..PAYLOAD + GO_HEADER_SIZE + 4 {
            for value in [0x00, 0x7f, 0xff] {
                let mut b = bin.clone();
                b[i] = value;
                let _ = parse_bin(&b);
            }
        }
        let ptr = elf(&pointer_buildinfo("go1.16", &framed(MODINFO), false));
        for i in PAYLOAD..ptr.len() {
            let mut b = ptr.clone();
            b[i] ^= 0xff;
            let _ = parse_bin(&b);
        }
    }

    #[test]
    fn sniffs_executable_formats() {
        assert!(looks_executable(b"\x7fELF\x02"));
        assert!(looks_executable(&[0xcf, 0xfa, 0xed, 0xfe, 7]));
        assert!(looks_executable(&[0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2]));
        // A Java class file (major version 52).
        assert!(!looks_executable(&[0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52]));
        let mut pe = vec![0u8; 0x80];
        pe[..2].copy_from_slice(b"MZ");
        pe[0x3c] = 0x40;
        pe[0x40..0x44].copy_from_slice(b"PE\0\0");
        assert!(looks_executable(&pe));
        pe[0x3c] = 0xff;
        assert!(!looks_executable(&pe));
        assert!(!looks_executable(b"#!/bin/sh\n"));
    }

    #[test]
    fn wants_executables_and_libraries() {
        let meta = |mode, size| Metadata {
            kind: bulkhead_fsview::FileKind::File,
            size,
            mode,
            uid: 0,
            gid: 0,
            mtime: 0,
        };
        let options = Options::default();
        assert!(Binaries.wants("usr/bin/app", &meta(0o755, 1000), &options));
        assert!(!Binaries.wants("usr/lib/libx.so", &meta(0o644, 1000), &options));
        assert!(Binaries.wants("usr/lib/libx.so", &meta(0o755, 1000), &options));
        assert!(Binaries.wants("app/Tool.EXE", &meta(0o644, 1000), &options));
        assert!(!Binaries.wants("etc/passwd", &meta(0o644, 1000), &options));
        assert_eq!(Binaries.max_size(&options), options.max_binary_size);
    }

    fn zlib(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn auditable_json() {
        let json = br#"{"packages":[
            {"name":"app","version":"0.1.0","source":"local","root":true,"dependencies":[1,2]},
            {"name":"itoa","version":"1.0.11","source":"crates.io"},
            {"name":"cc","version":"1.0.0","source":"crates.io","kind":"build"},
            {"name":"forked","version":"0.3.0","source":"git"}
        ]}"#;
        let purls: Vec<String> = auditable_packages(&zlib(json))
            .unwrap()
            .into_iter()
            .map(|p| p.purl)
            .collect();
        assert_eq!(purls, ["pkg:cargo/itoa@1.0.11", "pkg:cargo/forked@0.3.0"]);
    }

    /// The committed `cargo auditable` fixture (see its PROVENANCE.md).
    const AUDITABLE: &[u8] =
        include_bytes!("../../tests/fixtures/binary/auditable/bulkhead-auditable-fixture");

    #[test]
    fn damaged_real_binary_is_an_error_not_a_panic() {
        assert!(
            parse_bin(AUDITABLE)
                .unwrap()
                .contains(&"pkg:cargo/itoa@1.0.15".to_owned())
        );
        // Cut short: the section table (at the end) or the section data is missing.
        for cut in [AUDITABLE.len() - 1, AUDITABLE.len() / 2, 4096, 64] {
            assert!(parse_bin(&AUDITABLE[..cut]).is_err(), "cut at {cut}");
        }
        // The section's compressed data damaged in place.
        let file = object::File::parse(AUDITABLE).unwrap();
        let (offset, size) = file
            .section_by_name(".dep-v0")
            .unwrap()
            .file_range()
            .unwrap();
        let (offset, size) = (
            usize::try_from(offset).unwrap(),
            usize::try_from(size).unwrap(),
        );
        let mut damaged = AUDITABLE.to_vec();
        damaged[offset + size / 2..offset + size].fill(0xff);
        assert!(parse_bin(&damaged).is_err());
        // The section header pointing past the end of the file.
        let mut oversized = AUDITABLE.to_vec();
        oversized.truncate(offset + size / 2);
        oversized.extend_from_slice(&AUDITABLE[offset + size..]);
        let _ = parse_bin(&oversized);
    }

    #[test]
    fn hostile_auditable_data_is_an_error() {
        assert!(auditable_packages(b"not zlib").is_err());
        assert!(auditable_packages(&zlib(b"{\"packages\": 3}")).is_err());
        let truncated = zlib(br#"{"packages":[]}"#);
        assert!(auditable_packages(&truncated[..truncated.len() / 2]).is_err());
        // A bomb: 17 MiB of zeros compresses to a few KiB and stops at the cap.
        let bomb = zlib(&vec![
            b' ';
            usize::try_from(MAX_AUDIT_JSON + (1 << 20)).unwrap()
        ]);
        assert!(bomb.len() < 100_000);
        let err = auditable_packages(&bomb).unwrap_err();
        assert!(err.contains("limit"), "{err}");
    }
}
