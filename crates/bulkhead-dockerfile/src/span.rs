//! Source positions: byte offsets into the text the caller gave us, turned into the 1-based
//! lines and columns that SARIF regions and snippet renderers want.
//!
//! Columns count Unicode scalar values (characters) and ends are exclusive, like SARIF's
//! `endColumn`. A UTF-8 byte-order mark is not a column: line 1 starts after it. Callers that
//! need UTF-16 columns (SARIF's default `columnKind`) can get them from
//! [`LineIndex::utf16_column`]; the byte offsets are always there for anything else.

use std::ops::Range;

use serde::Serialize;

/// A point in the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Position {
    /// Byte offset into the whole text.
    pub offset: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

/// A region of the source text: `start` inclusive, `end` exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Span {
    pub start: Position,
    pub end: Position,
}

impl Span {
    /// The byte range, for slicing the source text.
    pub fn range(&self) -> Range<usize> {
        self.start.offset..self.end.offset
    }

    /// Whether `other` lies within this span.
    pub fn contains(&self, other: &Span) -> bool {
        self.start.offset <= other.start.offset && other.end.offset <= self.end.offset
    }
}

/// Bytes per checkpoint of the character-count table: a column costs at most this many
/// bytes of scanning, however long the line.
const BLOCK: usize = 256;

/// Maps byte offsets to lines and columns in time independent of the line's length, so a
/// 64 KiB line with thousands of arguments stays linear.
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Byte offset at which each line starts (line 1 after any BOM).
    starts: Vec<usize>,
    /// Characters (non-continuation bytes) before each `BLOCK`-aligned offset.
    chars_before_block: Vec<usize>,
    text_len: usize,
}

fn is_char_start(b: u8) -> bool {
    b & 0xC0 != 0x80
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let first = if text.starts_with('\u{feff}') { 3 } else { 0 };
        let mut starts = vec![first];
        starts.extend(memchr::memchr_iter(b'\n', bytes).map(|i| i + 1));
        let mut chars_before_block = Vec::with_capacity(bytes.len() / BLOCK + 1);
        let mut count = 0;
        for chunk in bytes.chunks(BLOCK) {
            chars_before_block.push(count);
            count += chunk.iter().filter(|&&b| is_char_start(b)).count();
        }
        chars_before_block.push(count);
        LineIndex {
            starts,
            chars_before_block,
            text_len: bytes.len(),
        }
    }

    /// Characters that start in `0..offset` (`offset` need not be a char boundary).
    fn chars_before(&self, text: &[u8], offset: usize) -> usize {
        let block = offset / BLOCK;
        let base = self.chars_before_block.get(block).copied().unwrap_or(0);
        let from = block * BLOCK;
        base + text[from..offset]
            .iter()
            .filter(|&&b| is_char_start(b))
            .count()
    }

    /// The 0-based line holding `offset`.
    fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// The position of byte `offset` (clamped to the text) in `text`, which must be the text
    /// this index was built from.
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = offset.min(self.text_len);
        let line = self.line_of(offset);
        let start = self.starts[line].min(offset);
        let bytes = text.as_bytes();
        let column = self.chars_before(bytes, offset) - self.chars_before(bytes, start) + 1;
        Position {
            offset,
            line: line + 1,
            column,
        }
    }

    /// The span of the byte range `range` in `text`.
    pub fn span(&self, text: &str, range: Range<usize>) -> Span {
        Span {
            start: self.position(text, range.start),
            end: self.position(text, range.end.max(range.start)),
        }
    }

    /// The 1-based column of `offset` counted in UTF-16 code units (SARIF's default).
    pub fn utf16_column(&self, text: &str, offset: usize) -> usize {
        let offset = offset.min(self.text_len);
        let start = self.starts[self.line_of(offset)].min(offset);
        let mut end = offset;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text[start..end].encode_utf16().count() + 1
    }

    /// Byte range of 1-based `line`, without its line ending.
    pub fn line_range(&self, text: &str, line: usize) -> Option<Range<usize>> {
        let start = *self.starts.get(line.checked_sub(1)?)?;
        if start > self.text_len || (start == self.text_len && line > 1) {
            return None;
        }
        let end = self
            .starts
            .get(line)
            .map_or(self.text_len, |&next| next - 1);
        let slice = &text.as_bytes()[start..end];
        let trimmed = slice.len() - slice.iter().rev().take_while(|&&b| b == b'\r').count();
        Some(start..start + trimmed)
    }

    /// Number of lines (a trailing newline does not start a new one).
    pub fn line_count(&self) -> usize {
        if self.starts.len() > 1 && self.starts[self.starts.len() - 1] == self.text_len {
            self.starts.len() - 1
        } else {
            self.starts.len()
        }
    }
}

/// How a logical line (continuations joined, BuildKit's `Node.Original`) maps back to the
/// source: each piece is a contiguous slice of the source, so one offset per piece suffices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OffsetMap {
    /// `(logical offset, source offset)` of each piece, in order.
    pieces: Vec<(usize, usize)>,
    len: usize,
    /// Where an empty logical line sits in the source.
    anchor: usize,
}

impl OffsetMap {
    pub(crate) fn new(anchor: usize) -> Self {
        OffsetMap {
            pieces: Vec::new(),
            len: 0,
            anchor,
        }
    }

    pub(crate) fn push(&mut self, source: Range<usize>) {
        if source.is_empty() {
            return;
        }
        self.pieces.push((self.len, source.start));
        self.len += source.len();
    }

    /// Source offset of logical byte `at` (`at` < length).
    fn at(&self, at: usize) -> usize {
        let i = match self.pieces.binary_search_by(|&(l, _)| l.cmp(&at)) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        match self.pieces.get(i) {
            Some(&(l, s)) => s + (at - l),
            None => 0,
        }
    }

    /// Source range of the logical range `range`. An empty range maps to an empty range at
    /// the source position of its start.
    pub(crate) fn range(&self, range: Range<usize>) -> Range<usize> {
        if self.pieces.is_empty() {
            return self.anchor..self.anchor;
        }
        if range.start >= range.end {
            let start = if range.start >= self.len {
                self.at(self.len - 1) + 1
            } else {
                self.at(range.start)
            };
            return start..start;
        }
        let start = self.at(range.start.min(self.len - 1));
        let end = self.at(range.end.min(self.len) - 1) + 1;
        start..end.max(start)
    }

    /// The map of the logical sub-line starting at `offset` (ONBUILD's nested instruction).
    pub(crate) fn suffix(&self, offset: usize) -> OffsetMap {
        let mut out = OffsetMap::new(self.range(offset..offset).start);
        for (i, &(l, s)) in self.pieces.iter().enumerate() {
            let end = self.pieces.get(i + 1).map_or(self.len, |&(next, _)| next);
            if end <= offset {
                continue;
            }
            let skip = offset.saturating_sub(l);
            out.push(s + skip..s + (end - l));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_and_skip_the_bom() {
        let text = "\u{feff}ab\nxé y\r\n\nz";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 3).column, 1);
        assert_eq!(
            idx.position(text, 4),
            Position {
                offset: 4,
                line: 1,
                column: 2
            }
        );
        let y = text.find('y').unwrap();
        assert_eq!(
            idx.position(text, y),
            Position {
                offset: y,
                line: 2,
                column: 4
            }
        );
        assert_eq!(idx.utf16_column(text, y), 4);
        assert_eq!(idx.line_range(text, 2), Some(6..11));
        assert_eq!(idx.line_count(), 4);
        assert_eq!(idx.position(text, text.len()).line, 4);
    }

    #[test]
    fn long_lines_use_checkpoints() {
        let text = "é".repeat(1000) + "x";
        let idx = LineIndex::new(&text);
        assert_eq!(idx.position(&text, 2000).column, 1001);
        assert_eq!(idx.position(&text, 1000).column, 501);
    }

    #[test]
    fn offset_map_pieces() {
        let mut map = OffsetMap::new(10);
        assert_eq!(map.range(0..3), 10..10);
        map.push(10..15);
        map.push(20..23);
        assert_eq!(map.range(0..5), 10..15);
        assert_eq!(map.range(3..7), 13..22);
        assert_eq!(map.range(8..8), 23..23);
        assert_eq!(map.range(5..5), 20..20);
        let tail = map.suffix(3);
        assert_eq!(tail.range(0..4), 13..22);
    }
}
