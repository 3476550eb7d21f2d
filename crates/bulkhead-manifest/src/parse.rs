//! Bytes → documents → trees with positions.
//!
//! The stream is first cut into documents the way kubectl cuts it (apimachinery's
//! `YAMLReader`): at every line that starts with `---` followed by whitespace or the end of
//! the line. Each piece is then parsed on its own with `saphyr-parser`, so a broken document
//! costs only itself, memory is one document's at a time, and an error's line is exact.
//! The pieces are what kubectl applies one by one, so a `---` line inside a quoted or block
//! scalar splits there too (YAML itself forbids that line inside those scalars).
//!
//! The event stream is folded into [`Node`]s with an explicit stack (no recursion: depth is a
//! counted limit, not a stack overflow), aliases are shared rather than copied (`Arc`), and
//! what each alias would expand to is counted against [`Limits`].

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use memchr::memchr;
use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Span as YamlSpan};

use crate::error::{DocError, DocErrorKind};
use crate::node::{Entry, Node, Pos, Span, Value};
use crate::resolve::{Scalar, resolve, short_tag};

/// How deep flow collections (`[[[…]]]`, `{a: {b: …}}`) may nest: the parser's own bound.
const FLOW_DEPTH_LIMIT: usize = 255;

/// Bounds on what one document may cost. The defaults are far above any real manifest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Nested collections (go-yaml stops at 10,000; real manifests, CRD schemas included,
    /// stay under 100). Recursive consumers (`to_json`, rules) rely on this bound. Flow
    /// collections (`[[[…]]]`) stop at 255 whatever this says: the parser counts them in a
    /// byte.
    pub max_depth: usize,
    /// Nodes that aliases may add to a document, counting each alias as the whole subtree it
    /// stands for (a "billion laughs" document is a few hundred bytes that stand for 10⁹).
    pub max_alias_nodes: usize,
    /// Bytes of scalar text (keys included) that aliases may add to a document.
    pub max_alias_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 1000,
            max_alias_nodes: 1_000_000,
            max_alias_bytes: 64 << 20,
        }
    }
}

/// One YAML document of a file, loaded.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// 1-based: the first `---`-separated document of the file is 1.
    pub number: usize,
    pub root: Node,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The documents of a YAML (or JSON) stream, loaded one at a time.
///
/// Empty documents (nothing but comments, or a bare `---`) are not yielded. A document that
/// cannot be loaded yields its [`DocError`] and the iteration goes on with the next one.
#[derive(Debug)]
pub struct Documents<'a> {
    file: Arc<str>,
    text: Cow<'a, [u8]>,
    pos: usize,
    line: u32,
    number: usize,
    limits: Limits,
    ready: VecDeque<Result<Document, DocError>>,
}

impl<'a> Documents<'a> {
    /// `file` labels errors and objects (a path, usually); `bytes` is the whole file.
    pub fn new(file: &str, bytes: &'a [u8]) -> Self {
        Self::with_limits(file, bytes, Limits::default())
    }

    pub fn with_limits(file: &str, bytes: &'a [u8], limits: Limits) -> Self {
        let file: Arc<str> = Arc::from(file);
        let mut ready = VecDeque::new();
        let text = match utf16_to_utf8(bytes) {
            None => Cow::Borrowed(bytes),
            Some(Ok(utf8)) => Cow::Owned(utf8.into_bytes()),
            Some(Err(offset)) => {
                ready.push_back(Err(DocError {
                    file: file.clone(),
                    document: 1,
                    line: 1,
                    column: 1,
                    kind: DocErrorKind::Encoding { offset },
                }));
                Cow::Borrowed(&[][..])
            }
        };
        Documents {
            file,
            text,
            pos: 0,
            line: 1,
            number: 0,
            limits,
            ready,
        }
    }

    pub(crate) fn file(&self) -> &Arc<str> {
        &self.file
    }
}

impl Iterator for Documents<'_> {
    type Item = Result<Document, DocError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(doc) = self.ready.pop_front() {
                return Some(doc);
            }
            let chunk = next_chunk(&self.text, self.pos, self.line)?;
            self.pos = chunk.next_pos;
            self.line = chunk.next_line;
            self.number += 1;
            let mut start = chunk.start;
            if self.text[start..chunk.end].starts_with(BOM) {
                start += BOM.len();
            }
            let base = Base {
                file: &self.file,
                number: self.number,
                offset: start,
                line: chunk.start_line,
            };
            match std::str::from_utf8(&self.text[start..chunk.end]) {
                Ok(text) => parse_chunk(text, &base, &self.limits, &mut self.ready),
                Err(e) => {
                    let valid = &self.text[start..start + e.valid_up_to()];
                    let (line, column) = line_column(valid);
                    self.ready.push_back(Err(DocError {
                        file: self.file.clone(),
                        document: self.number,
                        line: chunk.start_line.saturating_add(line),
                        column,
                        kind: DocErrorKind::Encoding {
                            offset: start + e.valid_up_to(),
                        },
                    }));
                }
            }
        }
    }
}

/// UTF-16 input (recognised by its byte order mark, as go-yaml does) as UTF-8; `None` if the
/// input is not UTF-16, `Err(offset)` for an unpaired surrogate or an odd length.
fn utf16_to_utf8(bytes: &[u8]) -> Option<Result<String, usize>> {
    let little = match bytes {
        [0xFF, 0xFE, ..] => true,
        [0xFE, 0xFF, ..] => false,
        _ => return None,
    };
    let body = &bytes[2..];
    if !body.len().is_multiple_of(2) {
        return Some(Err(bytes.len() - 1));
    }
    let units = body.chunks_exact(2).map(|p| {
        if little {
            u16::from_le_bytes([p[0], p[1]])
        } else {
            u16::from_be_bytes([p[0], p[1]])
        }
    });
    let mut out = String::with_capacity(body.len());
    for (i, c) in char::decode_utf16(units).enumerate() {
        match c {
            Ok(c) => out.push(c),
            Err(_) => return Some(Err(2 + 2 * i)),
        }
    }
    Some(Ok(out))
}

/// A piece of the stream between document separators.
struct Chunk {
    start: usize,
    end: usize,
    start_line: u32,
    next_pos: usize,
    next_line: u32,
}

/// The next document's bytes, kubectl's way: a `---` line ends the current document if the
/// document has any content yet. A bare separator (`---`, maybe with a comment) is dropped;
/// one with content after it (`--- {a: 1}`) starts the next document and stays in it. Text
/// before the first content (comments, `%` directives, a leading `---`) stays with the
/// document that follows, so directives keep applying to it.
fn next_chunk(bytes: &[u8], mut pos: usize, mut line: u32) -> Option<Chunk> {
    if pos >= bytes.len() {
        return None;
    }
    let (start, start_line) = (pos, line);
    let mut content = false;
    while pos < bytes.len() {
        let eol = memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i + 1);
        let text = &bytes[pos..eol];
        let breaks = line_breaks(text);
        if let Some(bare) = separator(text) {
            if content {
                let (next_pos, next_line) = if bare {
                    (eol, line.saturating_add(breaks))
                } else {
                    (pos, line)
                };
                return Some(Chunk {
                    start,
                    end: pos,
                    start_line,
                    next_pos,
                    next_line,
                });
            }
            content |= !bare;
        } else if !content && has_content(text) {
            content = true;
        }
        line = line.saturating_add(breaks);
        pos = eol;
    }
    Some(Chunk {
        start,
        end: bytes.len(),
        start_line,
        next_pos: bytes.len(),
        next_line: line,
    })
}

/// `Some(bare)` if the line is a document separator.
fn separator(line: &[u8]) -> Option<bool> {
    let rest = line.strip_prefix(b"---")?;
    match rest.first() {
        None | Some(b' ' | b'\t' | b'\r' | b'\n') => {}
        Some(_) => return None,
    }
    let rest = rest.trim_ascii_start();
    Some(rest.is_empty() || rest[0] == b'#')
}

/// Whether a line holds YAML content: not blank, a comment, a directive or a `...` marker.
fn has_content(line: &[u8]) -> bool {
    let line = line.strip_prefix(BOM).unwrap_or(line);
    if line.first() == Some(&b'%') || line.starts_with(b"...") {
        return false;
    }
    let trimmed = line.trim_ascii_start();
    !(trimmed.is_empty() || trimmed[0] == b'#')
}

/// Line breaks as the YAML parser counts them: `\n`, `\r\n` and a lone `\r`.
fn line_breaks(line: &[u8]) -> u32 {
    let newline = u32::from(line.last() == Some(&b'\n'));
    if memchr(b'\r', line).is_none() {
        return newline;
    }
    let lone = line
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\r' && line.get(i + 1) != Some(&b'\n'))
        .count();
    newline.saturating_add(u32::try_from(lone).unwrap_or(u32::MAX))
}

/// 0-based line and 1-based column of the end of `text`.
fn line_column(text: &[u8]) -> (u32, u32) {
    let lines = text
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && text.get(i + 1) != Some(&b'\n')))
        .count();
    let last = text
        .iter()
        .rposition(|&b| b == b'\n' || b == b'\r')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&text[last..]).chars().count() + 1;
    (to_u32(lines), to_u32(column))
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Where a chunk sits in the file.
struct Base<'f> {
    file: &'f Arc<str>,
    number: usize,
    offset: usize,
    line: u32,
}

/// The last line (0-based, within `text`) and the column just past its end: the parser
/// reports the end of input one line further when the text lacks a final line break, and
/// positions are clamped to where the text really ends.
fn text_end(text: &[u8]) -> (u32, u32) {
    let newlines = memchr::memchr_iter(b'\n', text).count();
    let lone_cr = if memchr(b'\r', text).is_some() {
        text.iter()
            .enumerate()
            .filter(|&(i, &b)| b == b'\r' && text.get(i + 1) != Some(&b'\n'))
            .count()
    } else {
        0
    };
    let last = text
        .iter()
        .rposition(|&b| b == b'\n' || b == b'\r')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&text[last..]).chars().count() + 1;
    (to_u32(newlines + lone_cr), to_u32(column))
}

/// Character index → byte offset within a chunk (saphyr's markers count characters).
enum OffsetMap<'t> {
    Ascii,
    /// The byte offset of every 64th character, and the text to walk from there.
    Sampled(Vec<usize>, &'t [u8]),
}

impl<'t> OffsetMap<'t> {
    const STEP: usize = 64;

    fn new(text: &'t str) -> Self {
        if text.is_ascii() {
            return OffsetMap::Ascii;
        }
        let samples = text
            .char_indices()
            .step_by(Self::STEP)
            .map(|(i, _)| i)
            .collect();
        OffsetMap::Sampled(samples, text.as_bytes())
    }

    fn byte(&self, index: usize) -> usize {
        match self {
            OffsetMap::Ascii => index,
            OffsetMap::Sampled(samples, text) => {
                let Some(&sample) = samples.get(index / Self::STEP) else {
                    return text.len();
                };
                let mut byte = sample;
                for _ in 0..index % Self::STEP {
                    let Some(&lead) = text.get(byte) else {
                        return text.len();
                    };
                    byte += match lead {
                        0..0x80 => 1,
                        0xE0..0xF0 => 3,
                        0xF0.. => 4,
                        _ => 2,
                    };
                }
                byte.min(text.len())
            }
        }
    }
}

/// Parses one chunk into `out`. saphyr rejects a tab right after a mapping's `:` when a word
/// follows (`key:<TAB>value`), which go-yaml (and so kubectl) accepts; such a document is
/// parsed again with those tabs read as spaces, one place at a time, so that tabs inside
/// scalars are never touched. The reparsing is bounded (and so is its cost).
fn parse_chunk(
    text: &str,
    base: &Base<'_>,
    limits: &Limits,
    out: &mut VecDeque<Result<Document, DocError>>,
) {
    const TAB_AFTER_COLON: &str = "':' must be followed by a valid YAML whitespace";
    let mut fixed: Option<String> = None;
    let mut budget = (256usize << 20) / text.len().max(1);
    loop {
        let current = fixed.as_deref().unwrap_or(text);
        let mut docs = Vec::new();
        match parse_text(current, base, limits, &mut docs) {
            Ok(()) => {}
            Err(Failure::Scan(info, marker)) if info == TAB_AFTER_COLON && budget > 0 => {
                let at = OffsetMap::new(current).byte(marker.index());
                let bytes = current.as_bytes();
                let mut from = at.min(bytes.len());
                while from > 0 && matches!(bytes[from - 1], b' ' | b'\t') {
                    from -= 1;
                }
                if from > 0 && bytes[from - 1] == b':' && from < at {
                    let mut owned = current.to_owned();
                    // Tabs and spaces are one byte and one column each: positions hold.
                    owned.replace_range(from..at, &" ".repeat(at - from));
                    fixed = Some(owned);
                    budget -= 1;
                    continue;
                }
                docs.push(Err(scan_error(current, base, &info, marker)));
            }
            Err(Failure::Scan(info, marker)) => {
                docs.push(Err(scan_error(current, base, &info, marker)));
            }
            Err(Failure::Doc(kind, pos)) => {
                // An unrendered template often parses (`{{ x }}` is a flow mapping) and then
                // fails as a mapping key: say what it really is.
                let kind = if looks_like_template(current) {
                    DocErrorKind::Template {
                        message: kind.to_string(),
                    }
                } else {
                    kind
                };
                docs.push(Err(DocError {
                    file: base.file.clone(),
                    document: base.number,
                    line: pos.line,
                    column: pos.column,
                    kind,
                }));
            }
        }
        out.extend(docs);
        return;
    }
}

fn looks_like_template(text: &str) -> bool {
    memchr::memmem::find(text.as_bytes(), b"{{").is_some()
}

fn scan_error(text: &str, base: &Base<'_>, info: &str, marker: Marker) -> DocError {
    let kind = if info == "recursion limit exceeded" {
        // saphyr counts flow nesting (`[[[`) in a `u8`.
        DocErrorKind::TooDeep {
            limit: FLOW_DEPTH_LIMIT,
        }
    } else if looks_like_template(text) {
        DocErrorKind::Template {
            message: format!("invalid YAML: {info}"),
        }
    } else {
        DocErrorKind::Syntax {
            message: info.to_owned(),
        }
    };
    let (mut line, mut column) = (
        to_u32(marker.line().saturating_sub(1)),
        to_u32(marker.col() + 1),
    );
    let (last_line, end_column) = text_end(text.as_bytes());
    if line > last_line {
        (line, column) = (last_line, end_column);
    }
    DocError {
        file: base.file.clone(),
        document: base.number,
        line: base.line.saturating_add(line),
        column,
        kind,
    }
}

enum Failure {
    Scan(String, Marker),
    Doc(DocErrorKind, Pos),
}

fn parse_text(
    text: &str,
    base: &Base<'_>,
    limits: &Limits,
    docs: &mut Vec<Result<Document, DocError>>,
) -> Result<(), Failure> {
    let mut builder = Builder {
        limits,
        offsets: OffsetMap::new(text),
        text: text.as_bytes(),
        base_offset: base.offset,
        base_line: base.line,
        end: text_end(text.as_bytes()),
        stack: Vec::new(),
        anchors: HashMap::new(),
        alias_nodes: 0,
        alias_bytes: 0,
        root: None,
    };
    let mut parser = Parser::new_from_str(text);
    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(|e| Failure::Scan(e.info().to_owned(), *e.marker()))?;
        match event {
            Event::DocumentStart(_) => builder.reset(),
            Event::DocumentEnd => {
                // An empty document (a bare `---`) is an empty null scalar: not yielded.
                if let Some(root) = builder
                    .root
                    .take()
                    .filter(|r| !r.is_null() || r.span.start != r.span.end)
                {
                    docs.push(Ok(Document {
                        number: base.number,
                        root,
                    }));
                }
            }
            Event::StreamEnd => break,
            other => builder
                .event(other, span)
                .map_err(|(kind, pos)| Failure::Doc(kind, pos))?,
        }
    }
    Ok(())
}

/// What aliases count: the nodes and scalar bytes a subtree stands for.
#[derive(Clone, Copy, Debug, Default)]
struct Size {
    nodes: usize,
    bytes: usize,
}

impl Size {
    fn add(&mut self, other: Size) {
        self.nodes = self.nodes.saturating_add(other.nodes);
        self.bytes = self.bytes.saturating_add(other.bytes);
    }
}

/// A finished node on its way to its parent. Scalars stay unresolved until their role is
/// known: a key becomes a JSON key (where `.nan` is allowed), a value a JSON value.
enum Item {
    Scalar {
        scalar: Scalar,
        text: String,
        merge_key: bool,
        span: Span,
    },
    Node(Node),
}

enum Anchor {
    /// The anchored node is still open: an alias to it would contain itself.
    Open,
    Scalar(Scalar, String),
    Node(Node, Size),
}

enum Pending {
    Key(String, Span),
    Merge,
}

enum Frame {
    Seq {
        items: Vec<Node>,
        common: Common,
    },
    Map {
        entries: Vec<Entry>,
        /// Whether each entry was written in this mapping (rather than merged in by `<<`).
        explicit: Vec<bool>,
        /// Key → entry index, built once a mapping is big enough for linear search to hurt.
        index: Option<HashMap<String, usize>>,
        pending: Option<Pending>,
        common: Common,
    },
}

struct Common {
    start: Pos,
    end: Pos,
    flow: bool,
    anchor: usize,
    size: Size,
}

type Fail = (DocErrorKind, Pos);

struct Builder<'t> {
    limits: &'t Limits,
    offsets: OffsetMap<'t>,
    text: &'t [u8],
    base_offset: usize,
    base_line: u32,
    /// [`text_end`] of the chunk.
    end: (u32, u32),
    stack: Vec<Frame>,
    anchors: HashMap<usize, Anchor>,
    alias_nodes: usize,
    alias_bytes: usize,
    root: Option<Node>,
}

impl Builder<'_> {
    fn reset(&mut self) {
        self.stack.clear();
        self.anchors.clear();
        self.alias_nodes = 0;
        self.alias_bytes = 0;
        self.root = None;
    }

    fn pos(&self, marker: &Marker) -> Pos {
        let (mut line, mut column) = (
            to_u32(marker.line().saturating_sub(1)),
            to_u32(marker.col() + 1),
        );
        if line > self.end.0 {
            (line, column) = self.end;
        }
        Pos {
            line: self.base_line.saturating_add(line),
            column,
            offset: self.base_offset + self.offsets.byte(marker.index()),
        }
    }

    fn span(&self, span: &YamlSpan) -> Span {
        Span {
            start: self.pos(&span.start),
            end: self.pos(&span.end),
        }
    }

    /// Whether a collection-start event opened a flow collection (its token ends in `{`/`[`;
    /// a block collection's start event is empty or ends before its first entry).
    fn is_flow(&self, span: &YamlSpan) -> bool {
        if span.start.index() == span.end.index() {
            return false;
        }
        let end = self.offsets.byte(span.end.index());
        end > 0 && matches!(self.text.get(end - 1), Some(b'{' | b'['))
    }

    fn event(&mut self, event: Event<'_>, yaml_span: YamlSpan) -> Result<(), Fail> {
        let span = self.span(&yaml_span);
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let tag = tag.map(|t| short_tag(&format!("{}{}", t.handle, t.suffix)).into_owned());
                let plain = style == ScalarStyle::Plain;
                let merge_key =
                    (plain && tag.is_none() && text == "<<") || tag.as_deref() == Some("!!merge");
                let scalar =
                    resolve(tag.as_deref(), plain, &text).map_err(|kind| (kind, span.start))?;
                let text = text.into_owned();
                if anchor != 0 {
                    self.anchors
                        .insert(anchor, Anchor::Scalar(scalar.clone(), text.clone()));
                }
                let size = Size {
                    nodes: 1,
                    bytes: text.len(),
                };
                self.attach(
                    Item::Scalar {
                        scalar,
                        text,
                        merge_key,
                        span,
                    },
                    size,
                )
            }
            Event::SequenceStart(anchor, _) => self.open(false, anchor, &yaml_span, span),
            Event::MappingStart(anchor, _) => self.open(true, anchor, &yaml_span, span),
            Event::SequenceEnd | Event::MappingEnd => self.close(span),
            Event::Alias(id) => self.alias(id, span),
            _ => Ok(()),
        }
    }

    fn open(
        &mut self,
        map: bool,
        anchor: usize,
        yaml_span: &YamlSpan,
        span: Span,
    ) -> Result<(), Fail> {
        if self.stack.len() >= self.limits.max_depth {
            return Err((
                DocErrorKind::TooDeep {
                    limit: self.limits.max_depth,
                },
                span.start,
            ));
        }
        if anchor != 0 {
            self.anchors.insert(anchor, Anchor::Open);
        }
        let flow = self.is_flow(yaml_span);
        let mut start = span.start;
        if !flow && !map && matches!(self.stack.last(), Some(Frame::Map { .. })) {
            // saphyr starts an unindented block sequence (`key:\n- a`) after its first
            // `- `; the sequence starts at the dash, as it does when indented.
            let at = self
                .offsets
                .byte(yaml_span.start.index())
                .min(self.text.len());
            let before = &self.text[..at];
            let blanks = before
                .iter()
                .rev()
                .take_while(|&&b| b == b' ' || b == b'\t')
                .count();
            if blanks > 0 && before.len() > blanks && before[before.len() - blanks - 1] == b'-' {
                let back = blanks + 1;
                start.column = start.column.saturating_sub(to_u32(back));
                start.offset -= back;
            }
        }
        let common = Common {
            start,
            end: span.end,
            flow,
            anchor,
            size: Size { nodes: 1, bytes: 0 },
        };
        self.stack.push(if map {
            Frame::Map {
                entries: Vec::new(),
                explicit: Vec::new(),
                index: None,
                pending: None,
                common,
            }
        } else {
            Frame::Seq {
                items: Vec::new(),
                common,
            }
        });
        Ok(())
    }

    fn close(&mut self, span: Span) -> Result<(), Fail> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        let (value, common) = match frame {
            Frame::Seq { items, common } => (Value::Seq(items.into()), common),
            Frame::Map {
                entries, common, ..
            } => (Value::Map(entries.into()), common),
        };
        let end = if common.flow { span.end } else { common.end };
        let node = Node {
            value,
            span: Span {
                start: common.start,
                end,
            },
        };
        if common.anchor != 0 {
            self.anchors
                .insert(common.anchor, Anchor::Node(node.clone(), common.size));
        }
        self.attach(Item::Node(node), common.size)
    }

    fn alias(&mut self, id: usize, span: Span) -> Result<(), Fail> {
        let (item, size) = match self.anchors.get(&id) {
            None => return Err((DocErrorKind::UnknownAlias, span.start)),
            Some(Anchor::Open) => return Err((DocErrorKind::RecursiveAlias, span.start)),
            Some(Anchor::Scalar(scalar, text)) => {
                let size = Size {
                    nodes: 1,
                    bytes: text.len(),
                };
                let item = Item::Scalar {
                    scalar: scalar.clone(),
                    text: text.clone(),
                    merge_key: false,
                    span,
                };
                (item, size)
            }
            Some(Anchor::Node(node, size)) => {
                let node = Node {
                    value: node.value.clone(),
                    span,
                };
                (Item::Node(node), *size)
            }
        };
        self.charge(size, span.start)?;
        self.attach(item, size)
    }

    /// Counts an alias's expansion against the limits.
    fn charge(&mut self, size: Size, at: Pos) -> Result<(), Fail> {
        self.alias_nodes = self.alias_nodes.saturating_add(size.nodes);
        self.alias_bytes = self.alias_bytes.saturating_add(size.bytes);
        if self.alias_nodes > self.limits.max_alias_nodes {
            return Err((
                DocErrorKind::AliasNodes {
                    limit: self.limits.max_alias_nodes,
                },
                at,
            ));
        }
        if self.alias_bytes > self.limits.max_alias_bytes {
            return Err((
                DocErrorKind::AliasBytes {
                    limit: self.limits.max_alias_bytes,
                },
                at,
            ));
        }
        Ok(())
    }

    /// Hands a finished node to its parent: as the document root, a sequence item, a mapping
    /// key, or a mapping value.
    fn attach(&mut self, item: Item, size: Size) -> Result<(), Fail> {
        let is_key = matches!(self.stack.last(), Some(Frame::Map { pending: None, .. }));
        if is_key {
            let pending = match item {
                Item::Scalar {
                    merge_key: true, ..
                } => Pending::Merge,
                Item::Scalar { scalar, span, .. } => {
                    Pending::Key(scalar.into_key().map_err(|k| (k, span.start))?, span)
                }
                Item::Node(node) => {
                    let what = if node.as_map().is_some() {
                        "a mapping"
                    } else {
                        "a sequence"
                    };
                    return Err((
                        DocErrorKind::InvalidKey {
                            what: what.to_owned(),
                        },
                        node.span.start,
                    ));
                }
            };
            if let Some(Frame::Map {
                pending: slot,
                common,
                ..
            }) = self.stack.last_mut()
            {
                *slot = Some(pending);
                common.size.add(size);
            }
            return Ok(());
        }
        let node = match item {
            Item::Scalar {
                scalar, text, span, ..
            } => Node {
                value: scalar.into_json(&text).map_err(|k| (k, span.start))?,
                span,
            },
            Item::Node(node) => node,
        };
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, common }) => {
                common.end = common.end.max(node.span.end);
                common.size.add(size);
                items.push(node);
            }
            Some(Frame::Map {
                entries,
                explicit,
                index,
                pending,
                common,
            }) => {
                common.end = common.end.max(node.span.end);
                common.size.add(size);
                let mut map = MapBuilder {
                    entries,
                    explicit,
                    index,
                };
                match pending.take() {
                    Some(Pending::Key(key, key_span)) => map.insert(
                        Entry {
                            key,
                            key_span,
                            value: node,
                        },
                        true,
                    )?,
                    Some(Pending::Merge) | None => map.merge(&node)?,
                }
            }
        }
        Ok(())
    }
}

struct MapBuilder<'m> {
    entries: &'m mut Vec<Entry>,
    explicit: &'m mut Vec<bool>,
    index: &'m mut Option<HashMap<String, usize>>,
}

impl MapBuilder<'_> {
    /// Sets a key as go-yaml does: the later assignment wins (so a merge after an explicit key
    /// overrides it, as in Kubernetes), except that a key written twice is an error.
    fn insert(&mut self, entry: Entry, explicit: bool) -> Result<(), Fail> {
        let found = match self.index {
            Some(index) => index.get(&entry.key).copied(),
            None => self.entries.iter().position(|e| e.key == entry.key),
        };
        if let Some(i) = found {
            if explicit && self.explicit[i] {
                return Err((
                    DocErrorKind::DuplicateKey {
                        key: entry.key,
                        first_line: self.entries[i].key_span.start.line,
                    },
                    entry.key_span.start,
                ));
            }
            self.entries[i] = entry;
            self.explicit[i] = explicit;
            return Ok(());
        }
        if let Some(index) = self.index {
            index.insert(entry.key.clone(), self.entries.len());
        } else if self.entries.len() >= 16 {
            let mut index: HashMap<String, usize> = self
                .entries
                .iter()
                .enumerate()
                .map(|(i, e)| (e.key.clone(), i))
                .collect();
            index.insert(entry.key.clone(), self.entries.len());
            *self.index = Some(index);
        }
        self.entries.push(entry);
        self.explicit.push(explicit);
        Ok(())
    }

    /// `<<: value`: the value's mapping (or each mapping of a sequence, the first taking
    /// precedence) is merged in, in go-yaml's order.
    fn merge(&mut self, value: &Node) -> Result<(), Fail> {
        let invalid = || (DocErrorKind::InvalidMerge, value.span.start);
        match &value.value {
            Value::Map(entries) => {
                for e in entries.iter() {
                    self.insert(e.clone(), false)?;
                }
            }
            Value::Seq(items) => {
                if items.iter().any(|i| i.as_map().is_none()) {
                    return Err(invalid());
                }
                for item in items.iter().rev() {
                    for e in item.as_map().into_iter().flatten() {
                        self.insert(e.clone(), false)?;
                    }
                }
            }
            _ => return Err(invalid()),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(text: &str) -> Vec<(String, u32)> {
        let mut out = Vec::new();
        let (mut pos, mut line) = (0, 1);
        while let Some(c) = next_chunk(text.as_bytes(), pos, line) {
            out.push((text[c.start..c.end].to_owned(), c.start_line));
            pos = c.next_pos;
            line = c.next_line;
        }
        out
    }

    #[test]
    fn cuts_like_kubectl() {
        assert_eq!(
            chunks("a: 1\n---\nb: 2\n--- # c\r\nc: 3"),
            [
                ("a: 1\n".to_owned(), 1),
                ("b: 2\n".to_owned(), 3),
                ("c: 3".to_owned(), 5)
            ]
        );
        // Leading separators, comments and directives stay with the first document.
        assert_eq!(
            chunks("# x\n%YAML 1.1\n---\na: 1\n---\n---\nb: 2\n"),
            [
                ("# x\n%YAML 1.1\n---\na: 1\n".to_owned(), 1),
                ("---\nb: 2\n".to_owned(), 6)
            ]
        );
        // Content on the separator line stays in its document; `---x` is not a separator.
        assert_eq!(
            chunks("a: 1\n--- {b: 2}\n---x: 3\n"),
            [
                ("a: 1\n".to_owned(), 1),
                ("--- {b: 2}\n---x: 3\n".to_owned(), 2)
            ]
        );
    }

    #[test]
    fn lone_carriage_returns_count_as_lines() {
        assert_eq!(line_breaks(b"a\rb\r\n"), 2);
        assert_eq!(line_column(b"a\rbc"), (1, 3));
    }

    #[test]
    fn offsets_of_non_ascii_text() {
        let text = "é".repeat(100) + "x";
        let map = OffsetMap::new(&text);
        assert_eq!(map.byte(0), 0);
        assert_eq!(map.byte(65), 130);
        assert_eq!(map.byte(100), 200);
        assert_eq!(map.byte(101), 201);
    }
}
