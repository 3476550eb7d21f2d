//! Scanning input too large to hold (a 1 GB log, a database dump), in overlapping windows.
//!
//! Each window is [`CHUNK`] bytes plus [`CONTEXT`] bytes on either side. A window reports only
//! the matches that start in its own chunk; the context lets a match that starts there end in
//! the next chunk, and gives the regexes the text before it (word boundaries, prefixes). So a
//! stream gives the same findings as the whole buffer for every match shorter than
//! [`CONTEXT`] on a line shorter than [`CONTEXT`]; a longer match crossing a chunk boundary is
//! cut, and a line longer than that is seen in parts (its `gitleaks:allow` or line allowlist
//! may be out of reach). Memory is one window, whatever the input's size.

use std::io::{self, Read};

use crate::{Ruleset, SecretMatch};

/// Bytes each window owns.
pub(crate) const CHUNK: usize = 8 << 20;
/// Bytes of overlap on either side of a chunk: the longest match found whole across a boundary.
pub(crate) const CONTEXT: usize = 64 << 10;

/// See [`Ruleset::scan_reader`].
pub(crate) fn scan_reader(
    set: &Ruleset,
    path: &str,
    reader: &mut dyn Read,
    chunk: usize,
    context: usize,
    out: &mut Vec<SecretMatch>,
) -> io::Result<()> {
    let window = chunk + 2 * context;
    let mut buf: Vec<u8> = Vec::with_capacity(window);
    // Absolute offset of `buf[0]`, newlines before it, and where the line holding it starts.
    let mut base = 0usize;
    let mut lines_before = 0u32;
    let mut line_start = 0usize;
    // Matches starting before this index were reported by the previous window.
    let mut owned_from = 0;
    loop {
        let eof = fill(reader, &mut buf, window)?;
        let owned_to = if eof { buf.len() } else { buf.len() - context };
        let mut found = Vec::new();
        set.scan(path, &buf, &mut found);
        for mut m in found {
            let path_only = m.line == 0;
            if path_only && base > 0 {
                continue; // reported with the first window
            }
            if !path_only && (m.start < owned_from || m.start >= owned_to) {
                continue;
            }
            if !path_only {
                // A window may begin mid-line: columns on its first line continue that line.
                let shift = u32::try_from(base - line_start).unwrap_or(u32::MAX);
                if m.line == 1 {
                    m.column = m.column.saturating_add(shift);
                }
                if m.end_line == 1 {
                    m.end_column = m.end_column.saturating_add(shift);
                }
                m.line = m.line.saturating_add(lines_before);
                m.end_line = m.end_line.saturating_add(lines_before);
            }
            m.start += base;
            m.end += base;
            out.push(m);
        }
        if eof {
            return Ok(());
        }
        // Keep the last two contexts: the next window's left context and its first bytes.
        let keep_from = buf.len() - 2 * context;
        let dropped = &buf[..keep_from];
        let newlines = memchr::memchr_iter(b'\n', dropped).count();
        lines_before = lines_before.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
        if let Some(last) = memchr::memrchr(b'\n', dropped) {
            line_start = base + last + 1;
        }
        base += keep_from;
        buf.drain(..keep_from);
        owned_from = context;
    }
}

/// Reads until `buf` holds `window` bytes or the input ends; returns whether it ended.
fn fill(reader: &mut dyn Read, buf: &mut Vec<u8>, window: usize) -> io::Result<bool> {
    while buf.len() < window {
        let want = (window - buf.len()) as u64;
        match (&mut *reader).take(want).read_to_end(buf) {
            Ok(0) => return Ok(true),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;

    /// Tokens of several rules, one spanning lines, planted at many offsets so some straddle
    /// the small test windows' boundaries.
    fn document() -> Vec<u8> {
        let tokens = [
            "TOKEN=ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5",
            "aws_access_key_id = AKIAQYLPMN5HFIQR7XYZ",
            "slack: xoxb-123456789012-1234567890123-aBcDeFgHiJkLmNoPqRsTuVwX",
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA1bG8h2XvM9kQ3nR7tY5uW2zC4xE6vB8nM0pL1kJ3hG5fD7sA9qW\nZ2xC4vB6nM8kL0jH1gF3dS5aQ7wE9rT2yU4iO6pA8sD0fG2hJ4kL6zX8cV0bN2m\n-----END RSA PRIVATE KEY-----",
            "api_key = \"Zx9Qw2Er7Ty4Ui8Op3As6Df1Gh5Jk\"",
        ];
        let mut text = String::new();
        let mut i = 0usize;
        while text.len() < 600_000 {
            // Lines of varied length, a few of them long.
            let filler = "lorem ipsum dolor sit amet ".repeat(1 + (i * 7) % 40);
            writeln!(text, "{i}: {filler}").unwrap();
            if i.is_multiple_of(13) {
                writeln!(text, "{}", tokens[i % tokens.len()]).unwrap();
            }
            if i.is_multiple_of(97) {
                // A token mid-line, after a long run with no newline.
                let pad = "x ".repeat(2_000 + i % 1_000);
                writeln!(text, "{pad}{}", tokens[(i / 97) % tokens.len()]).unwrap();
            }
            i += 1;
        }
        text.into_bytes()
    }

    #[test]
    fn windows_find_what_the_whole_buffer_finds() {
        let set = Ruleset::default_rules();
        let text = document();
        let mut whole = Vec::new();
        set.scan("doc.txt", &text, &mut whole);
        assert!(whole.len() > 50, "{}", whole.len());
        // With 1 KiB of context, the 4-6 KB lines before mid-line tokens start outside the
        // window: their columns come from the carried line start.
        for (chunk, context) in [
            (16 << 10, 8 << 10),
            (16 << 10, 1 << 10),
            (50_000, 9_000),
            (CHUNK, CONTEXT),
        ] {
            let mut streamed = Vec::new();
            scan_reader(
                set,
                "doc.txt",
                &mut &text[..],
                chunk,
                context,
                &mut streamed,
            )
            .unwrap();
            assert_eq!(streamed.len(), whole.len(), "chunk {chunk}");
            for (s, w) in streamed.iter().zip(&whole) {
                assert_eq!(s, w, "chunk {chunk}");
            }
        }
    }

    /// A reader that hands out one byte at a time must not change anything.
    #[test]
    fn short_reads() {
        struct OneByte<'a>(&'a [u8]);
        impl Read for OneByte<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let Some((&first, rest)) = self.0.split_first() else {
                    return Ok(0);
                };
                if buf.is_empty() {
                    return Ok(0);
                }
                buf[0] = first;
                self.0 = rest;
                Ok(1)
            }
        }
        let set = Ruleset::default_rules();
        let text = &document()[..100_000];
        let mut whole = Vec::new();
        set.scan("doc.txt", text, &mut whole);
        let mut streamed = Vec::new();
        scan_reader(
            set,
            "doc.txt",
            &mut OneByte(text),
            8 << 10,
            2 << 10,
            &mut streamed,
        )
        .unwrap();
        assert_eq!(streamed, whole);
    }

    #[test]
    fn reader_errors_are_returned() {
        struct Broken;
        impl Read for Broken {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::other("disk on fire"))
            }
        }
        let mut out = Vec::new();
        let err = scan_reader(
            Ruleset::default_rules(),
            "x",
            &mut Broken,
            1024,
            64,
            &mut out,
        );
        assert_eq!(err.unwrap_err().to_string(), "disk on fire");
    }
}
