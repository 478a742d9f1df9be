//! The ICD-10-CM tabular XML (`icd10cm-tabular-*.xml`) → `icd10cm/tabular.tsv`,
//! `notes.tsv` and `seventh.tsv` (see `code-sets/FORMAT.md`).
//!
//! The XML is `<chapter>` > `<section id="A00-A09">` > nested `<diag>`. A
//! `<sevenChrDef>` applies to every descendant of the element carrying it
//! (the nearest one wins); a leaf under one is not billable itself but
//! expands into one billable code per 7th character, padded with the
//! placeholder `X` to six characters first (`S02.0` + `A` = `S02.0XXA`).
//!
//! Three choices the XML leaves open:
//!
//! - A block whose range is a single category (`<section id="T07">` holding
//!   category `T07`) is written `T07-T07`, so that every entry of
//!   `tabular.tsv` has its own code and the notes of the block (T07's
//!   excludes1) are not mixed up with the category's.
//! - The tabular states one limit on 7th characters only in prose: "7th
//!   characters D and S do not apply to codes in category S06 with 6th
//!   character 7 ... or 8". [`SEVENTH_EXCEPTIONS`] encodes it, and the import
//!   fails if the tabular stops carrying that note, so a new release is
//!   re-checked by hand. Without it the tabular would yield 76 codes that CMS
//!   never made valid (S06.1X7D, ...).
//! - A few `<sevenChrDef>` hold a `<note>` after an `<extension>` (an
//!   alternative wording such as "initial encounter for open fracture NOS",
//!   or a stray inclusion term). They are not 7th characters and are left
//!   out; [`Tabular::skipped_seventh_notes`] counts them.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use quick_xml::events::Event;
use quick_xml::Reader;

use super::refs::{self, Ref};
use crate::tsv::{clean, TsvWriter};

/// What an entry of the tabular is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Chapter,
    Block,
    /// Three characters.
    Category,
    /// Four to six characters, with children or needing a 7th character.
    Subcategory,
    /// A leaf needing no 7th character, or a 7th-character expansion.
    Code,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Chapter => "chapter",
            Kind::Block => "block",
            Kind::Category => "category",
            Kind::Subcategory => "subcategory",
            Kind::Code => "code",
        }
    }
}

/// One row of `tabular.tsv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Dotted code (`S72.001A`), chapter number (`19`) or block range (`S70-S79`).
    pub code: String,
    pub kind: Kind,
    /// The enclosing entry's code; empty for a chapter.
    pub parent: String,
    pub billable: bool,
    pub description: String,
}

/// The kinds of tabular notes, in the order `notes.tsv` sorts them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NoteKind {
    InclusionTerm,
    Includes,
    Excludes1,
    Excludes2,
    CodeFirst,
    UseAdditionalCode,
    CodeAlso,
    Notes,
    SevenChrNote,
}

impl NoteKind {
    pub const ALL: [NoteKind; 9] = [
        NoteKind::InclusionTerm,
        NoteKind::Includes,
        NoteKind::Excludes1,
        NoteKind::Excludes2,
        NoteKind::CodeFirst,
        NoteKind::UseAdditionalCode,
        NoteKind::CodeAlso,
        NoteKind::Notes,
        NoteKind::SevenChrNote,
    ];

    /// The XML element name, which is also the `kind` column of `notes.tsv`.
    pub fn as_str(self) -> &'static str {
        match self {
            NoteKind::InclusionTerm => "inclusionTerm",
            NoteKind::Includes => "includes",
            NoteKind::Excludes1 => "excludes1",
            NoteKind::Excludes2 => "excludes2",
            NoteKind::CodeFirst => "codeFirst",
            NoteKind::UseAdditionalCode => "useAdditionalCode",
            NoteKind::CodeAlso => "codeAlso",
            NoteKind::Notes => "notes",
            NoteKind::SevenChrNote => "sevenChrNote",
        }
    }

    pub fn from_tag(tag: &str) -> Option<NoteKind> {
        NoteKind::ALL.into_iter().find(|k| k.as_str() == tag)
    }
}

/// One row of `notes.tsv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// The entry carrying the note (as in [`Entry::code`]).
    pub code: String,
    pub kind: NoteKind,
    /// Position among the notes of the same code and kind.
    pub seq: usize,
    pub text: String,
    /// Codes the text names (see [`refs`]).
    pub refs: Vec<Ref>,
}

/// One row of `seventh.tsv`: a 7th character allowed under `code`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seventh {
    /// The entry carrying the `<sevenChrDef>`.
    pub code: String,
    pub char: char,
    pub meaning: String,
}

/// A limit on 7th characters that the tabular states only in a note.
pub struct SeventhException {
    /// The dotless category the note sits on.
    pub category: &'static str,
    /// The 6th characters (dotless position 6) the limit applies to.
    pub sixth: &'static [char],
    /// The 7th characters those codes do not take.
    pub not_allowed: &'static [char],
    /// The beginning of the `<notes>` note that states the limit.
    pub note: &'static str,
}

pub const SEVENTH_EXCEPTIONS: &[SeventhException] = &[SeventhException {
    category: "S06",
    sixth: &['7', '8'],
    not_allowed: &['D', 'S'],
    note: "7th characters D and S do not apply to codes in category S06 with 6th character 7",
}];

/// The tabular, read.
#[derive(Clone, Debug, Default)]
pub struct Tabular {
    /// Every entry in tabular order (parents before children).
    pub entries: Vec<Entry>,
    /// Sorted by entry (tabular order), kind, seq.
    pub notes: Vec<Note>,
    /// In tabular order, then definition order.
    pub seventh: Vec<Seventh>,
    /// `<note>` elements found inside `<sevenChrDef>` and left out.
    pub skipped_seventh_notes: usize,
    /// 7th-character expansions left out by [`SEVENTH_EXCEPTIONS`].
    pub excepted_expansions: usize,
}

impl Tabular {
    /// Dotless codes of every category, subcategory and code.
    pub fn dotless_codes(&self) -> HashSet<String> {
        self.entries
            .iter()
            .filter(|e| !matches!(e.kind, Kind::Chapter | Kind::Block))
            .map(|e| dotless(&e.code))
            .collect()
    }

    pub fn billable_count(&self) -> usize {
        self.entries.iter().filter(|e| e.billable).count()
    }
}

/// `S72.001A` → `S72001A`.
pub fn dotless(code: &str) -> String {
    code.chars().filter(|&c| c != '.').collect()
}

/// `S72001A` → `S72.001A`; codes of three characters or less are unchanged.
pub fn dotted(code: &str) -> String {
    if code.len() > 3 && code.is_ascii() {
        format!("{}.{}", &code[..3], &code[3..])
    } else {
        code.to_string()
    }
}

/// Reads a tabular XML file.
pub fn read(path: &Path) -> super::Result<Tabular> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let root = parse_xml(path, &bytes)?;
    build(&root).map_err(|e| located(path, &bytes, e.pos, &e.message).into())
}

/// Writes `tabular.tsv`, `notes.tsv` and `seventh.tsv` into `dir`.
pub fn write(tab: &Tabular, dir: &Path) -> super::Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut t = TsvWriter::new(&["code", "kind", "parent", "billable", "description"]);
    for e in &tab.entries {
        t.row(&[e.code.as_str(), e.kind.as_str(), &e.parent, if e.billable { "1" } else { "0" }, &e.description]);
    }
    let path = dir.join("tabular.tsv");
    t.write(&path).map_err(|e| format!("{}: {e}", path.display()))?;

    let mut n = TsvWriter::new(&["code", "kind", "seq", "text", "refs"]);
    for note in &tab.notes {
        n.row(&[note.code.as_str(), note.kind.as_str(), &note.seq.to_string(), &note.text, &refs::format(&note.refs)]);
    }
    let path = dir.join("notes.tsv");
    n.write(&path).map_err(|e| format!("{}: {e}", path.display()))?;

    let mut s = TsvWriter::new(&["code", "char", "meaning"]);
    for row in &tab.seventh {
        s.row(&[row.code.as_str(), &row.char.to_string(), &row.meaning]);
    }
    let path = dir.join("seventh.tsv");
    s.write(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(())
}

// ---------------------------------------------------------------------------
// A small element tree: the tabular is 10 MB, and walking a tree is simpler
// than tracking the nesting of diags, notes and 7th-character definitions
// from events.

/// One XML element: its text is the concatenation of its own text nodes.
#[derive(Debug)]
pub(crate) struct Node {
    pub tag: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Node>,
    /// Byte offset of the start tag, for error messages.
    pub pos: u64,
}

impl Node {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn child(&self, tag: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.tag == tag)
    }

    pub fn children<'a>(&'a self, tag: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.tag == tag)
    }
}

/// `path:line:column: message` for a byte offset into `bytes`.
pub(crate) fn located(path: &Path, bytes: &[u8], pos: u64, message: &str) -> String {
    let pos = (pos as usize).min(bytes.len());
    let before = &bytes[..pos];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = pos - before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1) + 1;
    format!("{}:{line}:{column}: {message}", path.display())
}

/// Deeper nesting is refused (the tabular nests about ten deep), so that
/// walking the tree cannot overflow the stack.
const MAX_DEPTH: usize = 200;

/// Parses a whole XML document into its root element.
pub(crate) fn parse_xml(path: &Path, bytes: &[u8]) -> super::Result<Node> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| located(path, bytes, e.valid_up_to() as u64, &format!("not UTF-8 ({e})")))?;
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    loop {
        let pos = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| located(path, bytes, reader.error_position(), &format!("XML error: {e}")))?;
        let err = |message: &str| located(path, bytes, pos, message);
        match event {
            Event::Start(e) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(err(&format!("elements nested more than {MAX_DEPTH} deep")).into());
                }
                stack.push(element(&e, pos).map_err(|m| err(&m))?);
            }
            Event::Empty(e) => {
                let node = element(&e, pos).map_err(|m| err(&m))?;
                attach(&mut stack, &mut root, node).map_err(|m| err(&m))?;
            }
            Event::End(_) => {
                let node = stack.pop().ok_or_else(|| err("closing tag without an opening one"))?;
                attach(&mut stack, &mut root, node).map_err(|m| err(&m))?;
            }
            Event::Text(t) => {
                let s = t.unescape().map_err(|e| err(&format!("bad text: {e}")))?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&s);
                } else if !s.trim().is_empty() {
                    return Err(err("text outside the root element").into());
                }
            }
            Event::CData(t) => {
                let s = t.decode().map_err(|e| err(&format!("bad CDATA: {e}")))?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&s);
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(located(path, bytes, open.pos, &format!("<{}> is never closed", open.tag)).into());
    }
    root.ok_or_else(|| format!("{}: no root element", path.display()).into())
}

fn element(e: &quick_xml::events::BytesStart<'_>, pos: u64) -> Result<Node, String> {
    let tag = std::str::from_utf8(e.name().as_ref()).map_err(|e| format!("bad tag name: {e}"))?.to_string();
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|e| format!("bad attribute in <{tag}>: {e}"))?;
        let key = std::str::from_utf8(a.key.as_ref()).map_err(|e| format!("bad attribute name: {e}"))?.to_string();
        let value = a.unescape_value().map_err(|e| format!("bad attribute value: {e}"))?.into_owned();
        attrs.push((key, value));
    }
    Ok(Node { tag, attrs, text: String::new(), children: Vec::new(), pos })
}

fn attach(stack: &mut [Node], root: &mut Option<Node>, node: Node) -> Result<(), String> {
    match stack.last_mut() {
        Some(parent) => parent.children.push(node),
        None if root.is_none() => *root = Some(node),
        None => return Err(format!("second root element <{}>", node.tag)),
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Walking the tree.

struct BuildError {
    pos: u64,
    message: String,
}

type Built<T> = Result<T, BuildError>;

fn fail<T>(node: &Node, message: impl Into<String>) -> Built<T> {
    Err(BuildError { pos: node.pos, message: message.into() })
}

/// A `<sevenChrDef>` in force: its characters and meanings.
type SevenDef = Vec<(char, String)>;

/// A note before its refs are parsed (refs need every code to be known).
struct RawNote {
    code: String,
    kind: NoteKind,
    text: String,
}

#[derive(Default)]
struct Builder {
    tab: Tabular,
    raw_notes: Vec<RawNote>,
    seen: HashSet<String>,
}

fn build(root: &Node) -> Built<Tabular> {
    if root.tag != "ICD10CM.tabular" {
        return fail(root, format!("root element is <{}>, expected <ICD10CM.tabular>", root.tag));
    }
    let mut b = Builder::default();
    for chapter in root.children("chapter") {
        let number = required_text(chapter, "name")?;
        if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit()) {
            return fail(chapter, format!("chapter name {number:?} is not a number"));
        }
        b.entry(chapter, &number, Kind::Chapter, "", false, required_text(chapter, "desc")?)?;
        b.notes(chapter, &number)?;
        let def = b.seven_def(chapter, &number, None)?;
        for section in chapter.children("section") {
            let Some(id) = section.attr("id").map(clean) else {
                return fail(section, "<section> without an id");
            };
            let code = block_code(&id).ok_or_else(|| BuildError {
                pos: section.pos,
                message: format!("section id {id:?} is not a code range"),
            })?;
            b.entry(section, &code, Kind::Block, &number, false, required_text(section, "desc")?)?;
            b.notes(section, &code)?;
            let def = b.seven_def(section, &code, def.as_ref())?;
            for diag in section.children("diag") {
                b.diag(diag, &code, def.as_ref())?;
            }
        }
    }
    if b.tab.entries.is_empty() {
        return fail(root, "no chapters");
    }
    for ex in SEVENTH_EXCEPTIONS {
        if !b.seen.contains(ex.category) {
            continue;
        }
        let stated = b
            .raw_notes
            .iter()
            .any(|n| n.kind == NoteKind::Notes && dotless(&n.code) == ex.category && n.text.starts_with(ex.note));
        if !stated {
            return fail(
                root,
                format!(
                    "category {} no longer carries the note {:?}: check the 7th-character exceptions in \
                     codegen/src/import/tabular.rs against this release",
                    ex.category, ex.note
                ),
            );
        }
    }

    // Refs: a plain mention counts only when it names an existing code.
    let known = b.tab.dotless_codes();
    let is_known = |c: &str| known.contains(c);
    let mut counters: HashMap<(String, NoteKind), usize> = HashMap::new();
    let order: HashMap<&str, usize> = b.tab.entries.iter().enumerate().map(|(i, e)| (e.code.as_str(), i)).collect();
    let mut notes: Vec<(usize, Note)> = Vec::with_capacity(b.raw_notes.len());
    for raw in b.raw_notes {
        let seq = counters.entry((raw.code.clone(), raw.kind)).or_default();
        let refs = refs::parse(&raw.text, &is_known);
        let at = order.get(raw.code.as_str()).copied().unwrap_or(usize::MAX);
        notes.push((at, Note { code: raw.code, kind: raw.kind, seq: *seq, text: raw.text, refs }));
        *seq += 1;
    }
    notes.sort_by_key(|(at, n)| (*at, n.kind, n.seq));
    b.tab.notes = notes.into_iter().map(|(_, n)| n).collect();
    Ok(b.tab)
}

impl Builder {
    fn entry(&mut self, node: &Node, code: &str, kind: Kind, parent: &str, billable: bool, desc: String) -> Built<()> {
        if !self.seen.insert(code.to_string()) {
            return fail(node, format!("{code} appears twice in the tabular"));
        }
        self.tab.entries.push(Entry {
            code: code.to_string(),
            kind,
            parent: parent.to_string(),
            billable,
            description: desc,
        });
        Ok(())
    }

    fn notes(&mut self, node: &Node, code: &str) -> Built<()> {
        for child in &node.children {
            let Some(kind) = NoteKind::from_tag(&child.tag) else {
                continue;
            };
            for note in &child.children {
                if note.tag != "note" {
                    return fail(note, format!("<{}> inside <{}>, expected <note>", note.tag, child.tag));
                }
                let text = clean(&note.text);
                if !text.is_empty() {
                    self.raw_notes.push(RawNote { code: code.to_string(), kind, text });
                }
            }
        }
        Ok(())
    }

    /// The definition in force below `node`: its own `<sevenChrDef>` (also
    /// recorded for `seventh.tsv`) or the inherited one.
    fn seven_def(&mut self, node: &Node, code: &str, inherited: Option<&SevenDef>) -> Built<Option<SevenDef>> {
        let mut defs = node.children("sevenChrDef");
        let Some(def_node) = defs.next() else {
            return Ok(inherited.cloned());
        };
        if let Some(extra) = defs.next() {
            return fail(extra, format!("{code} has a second <sevenChrDef>"));
        }
        let mut def: SevenDef = Vec::new();
        for ext in &def_node.children {
            match ext.tag.as_str() {
                "extension" => {
                    let Some(ch) = ext.attr("char") else {
                        return fail(ext, "<extension> without char");
                    };
                    let mut chars = ch.chars();
                    let (Some(c), None) = (chars.next(), chars.next()) else {
                        return fail(ext, format!("7th character {ch:?} is not one character"));
                    };
                    if !c.is_ascii_alphanumeric() {
                        return fail(ext, format!("7th character {ch:?} is not a letter or digit"));
                    }
                    let c = c.to_ascii_uppercase();
                    if def.iter().any(|(d, _)| *d == c) {
                        return fail(ext, format!("7th character {c} defined twice under {code}"));
                    }
                    let meaning = clean(&ext.text);
                    if meaning.is_empty() {
                        return fail(ext, format!("7th character {c} under {code} has no meaning"));
                    }
                    def.push((c, meaning));
                }
                "note" => self.tab.skipped_seventh_notes += 1,
                other => return fail(ext, format!("<{other}> inside <sevenChrDef>")),
            }
        }
        if def.is_empty() {
            return fail(def_node, format!("empty <sevenChrDef> under {code}"));
        }
        for (c, meaning) in &def {
            self.tab.seventh.push(Seventh { code: code.to_string(), char: *c, meaning: meaning.clone() });
        }
        Ok(Some(def))
    }

    fn diag(&mut self, diag: &Node, parent: &str, inherited: Option<&SevenDef>) -> Built<()> {
        let code = required_text(diag, "name")?;
        if !is_dotted_code(&code) {
            return fail(diag, format!("diag name {code:?} is not an ICD-10-CM code"));
        }
        let bare = dotless(&code);
        let desc = required_text(diag, "desc")?;
        let def = self.seven_def(diag, &code, inherited)?;
        let has_children = diag.child("diag").is_some();
        let needs_seventh = !has_children && def.is_some() && bare.len() < 7;
        let kind = if bare.len() == 3 {
            Kind::Category
        } else if has_children || needs_seventh {
            Kind::Subcategory
        } else {
            Kind::Code
        };
        self.entry(diag, &code, kind, parent, !has_children && !needs_seventh, desc.clone())?;
        self.notes(diag, &code)?;
        for child in diag.children("diag") {
            self.diag(child, &code, def.as_ref())?;
        }
        if let (true, Some(def)) = (needs_seventh, def) {
            let mut padded = bare.clone();
            while padded.len() < 6 {
                padded.push('X');
            }
            for (c, meaning) in &def {
                if excepted(&padded, *c) {
                    self.tab.excepted_expansions += 1;
                    continue;
                }
                let full = dotted(&format!("{padded}{c}"));
                self.entry(diag, &full, Kind::Code, &code, true, format!("{desc}, {meaning}"))?;
            }
        }
        Ok(())
    }
}

/// Whether [`SEVENTH_EXCEPTIONS`] rule out `seventh` after the padded
/// six-character dotless code `padded`.
fn excepted(padded: &str, seventh: char) -> bool {
    SEVENTH_EXCEPTIONS.iter().any(|ex| {
        padded.starts_with(ex.category)
            && padded.chars().nth(5).is_some_and(|c| ex.sixth.contains(&c))
            && ex.not_allowed.contains(&seventh)
    })
}

fn required_text(node: &Node, tag: &str) -> Built<String> {
    match node.child(tag) {
        Some(c) => Ok(clean(&c.text)),
        None => fail(node, format!("<{}> without <{tag}>", node.tag)),
    }
}

/// `A00`, `S72.001`, `H54.0X33`, `QA0.0101`: a letter, two letters or digits,
/// then optionally a dot and one to four more.
fn is_dotted_code(code: &str) -> bool {
    let b = code.as_bytes();
    let alnum = |c: &u8| c.is_ascii_digit() || c.is_ascii_uppercase();
    b.len() >= 3
        && b[0].is_ascii_uppercase()
        && b[1..3].iter().all(alnum)
        && match b.get(3) {
            None => true,
            Some(b'.') => (5..=8).contains(&b.len()) && b[4..].iter().all(alnum),
            Some(_) => false,
        }
}

/// The code of a block: its range, `A00-A09`; a single-category block `T07`
/// is written `T07-T07` (see the module docs).
fn block_code(id: &str) -> Option<String> {
    match id.split_once('-') {
        Some((a, b)) if is_dotted_code(a) && is_dotted_code(b) => Some(id.to_string()),
        None if is_dotted_code(id) => Some(format!("{id}-{id}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<ICD10CM.tabular>
  <version>2026</version>
  <chapter>
    <name>19</name>
    <desc>Injury, poisoning and certain other consequences of external causes (S00-T88)</desc>
    <excludes2>
      <note>birth trauma (P10-P15)</note>
    </excludes2>
    <section id="S00-S09">
      <desc>Injuries to the head (S00-S09)</desc>
      <diag>
        <name>S02</name>
        <desc>Fracture of skull and facial bones</desc>
        <sevenChrDef>
          <extension char="A">initial encounter for closed fracture</extension>
          <extension char="B">initial encounter for open fracture</extension>
          <note>	initial encounter for open fracture NOS</note>
        </sevenChrDef>
        <diag>
          <name>S02.0</name>
          <desc>Fracture of vault of skull</desc>
          <inclusionTerm>
            <note>Fracture of frontal bone</note>
            <note>Fracture of parietal bone</note>
          </inclusionTerm>
        </diag>
        <diag>
          <name>S02.1</name>
          <desc>Fracture of base of skull</desc>
          <excludes1>
            <note>orbit NOS (S05.-)</note>
          </excludes1>
          <diag>
            <name>S02.10</name>
            <desc>Unspecified fracture of base of skull</desc>
            <sevenChrDef>
              <extension char="A">initial encounter</extension>
            </sevenChrDef>
            <diag>
              <name>S02.101</name>
              <desc>Fracture of base of skull, right side</desc>
            </diag>
          </diag>
        </diag>
      </diag>
      <diag>
        <name>S06</name>
        <desc>Intracranial injury</desc>
        <sevenChrDef>
          <extension char="A">initial encounter</extension>
          <extension char="D">subsequent encounter</extension>
          <extension char="S">sequela</extension>
        </sevenChrDef>
        <notes>
          <note>7th characters D and S do not apply to codes in category S06 with 6th character 7 - death due to brain injury prior to regaining consciousness, or 8 - death due to other cause prior to regaining consciousness.</note>
        </notes>
        <diag>
          <name>S06.1</name>
          <desc>Traumatic cerebral edema</desc>
          <diag placeholder="true">
            <name>S06.1X</name>
            <desc>Traumatic cerebral edema</desc>
            <diag>
              <name>S06.1X7</name>
              <desc>Traumatic cerebral edema with death</desc>
            </diag>
            <diag>
              <name>S06.1X9</name>
              <desc>Traumatic cerebral edema &lt;unspecified&gt;</desc>
            </diag>
          </diag>
        </diag>
      </diag>
    </section>
    <section id="T07">
      <desc>Injuries involving multiple body regions (T07)</desc>
      <excludes1>
        <note>burns and corrosions (T20-T32)</note>
      </excludes1>
      <diag>
        <name>T07</name>
        <desc>Unspecified multiple injuries</desc>
        <sevenChrDef>
          <extension char="A">initial encounter</extension>
        </sevenChrDef>
        <excludes1>
          <note>injury NOS (T14.90) and code S02.0 in running text; not vitamin B12</note>
        </excludes1>
      </diag>
      <diag>
        <name>T08</name>
        <desc>A leaf</desc>
      </diag>
    </section>
  </chapter>
</ICD10CM.tabular>
"#;

    /// A fresh directory per call: tests run in parallel in one process.
    fn scratch_dir(tag: &str) -> std::path::PathBuf {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("medcode-tabular-{tag}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn read_str(xml: &str) -> Result<Tabular, String> {
        let dir = scratch_dir("read");
        let path = dir.join("bad.xml");
        std::fs::write(&path, xml).unwrap();
        let r = read(&path).map_err(|e| e.to_string());
        std::fs::remove_dir_all(&dir).unwrap();
        r
    }

    fn sample() -> Tabular {
        read_str(SAMPLE).unwrap()
    }

    fn row(e: &Entry) -> String {
        format!("{} {} {} {} {}", e.code, e.kind.as_str(), e.parent, e.billable as u8, e.description)
    }

    #[test]
    fn entries_and_expansions() {
        let tab = sample();
        let rows: Vec<String> = tab.entries.iter().map(row).collect();
        assert_eq!(
            rows,
            [
                "19 chapter  0 Injury, poisoning and certain other consequences of external causes (S00-T88)",
                "S00-S09 block 19 0 Injuries to the head (S00-S09)",
                "S02 category S00-S09 0 Fracture of skull and facial bones",
                "S02.0 subcategory S02 0 Fracture of vault of skull",
                "S02.0XXA code S02.0 1 Fracture of vault of skull, initial encounter for closed fracture",
                "S02.0XXB code S02.0 1 Fracture of vault of skull, initial encounter for open fracture",
                "S02.1 subcategory S02 0 Fracture of base of skull",
                "S02.10 subcategory S02.1 0 Unspecified fracture of base of skull",
                "S02.101 subcategory S02.10 0 Fracture of base of skull, right side",
                "S02.101A code S02.101 1 Fracture of base of skull, right side, initial encounter",
                "S06 category S00-S09 0 Intracranial injury",
                "S06.1 subcategory S06 0 Traumatic cerebral edema",
                "S06.1X subcategory S06.1 0 Traumatic cerebral edema",
                "S06.1X7 subcategory S06.1X 0 Traumatic cerebral edema with death",
                "S06.1X7A code S06.1X7 1 Traumatic cerebral edema with death, initial encounter",
                "S06.1X9 subcategory S06.1X 0 Traumatic cerebral edema <unspecified>",
                "S06.1X9A code S06.1X9 1 Traumatic cerebral edema <unspecified>, initial encounter",
                "S06.1X9D code S06.1X9 1 Traumatic cerebral edema <unspecified>, subsequent encounter",
                "S06.1X9S code S06.1X9 1 Traumatic cerebral edema <unspecified>, sequela",
                "T07-T07 block 19 0 Injuries involving multiple body regions (T07)",
                "T07 category T07-T07 0 Unspecified multiple injuries",
                "T07.XXXA code T07 1 Unspecified multiple injuries, initial encounter",
                "T08 category T07-T07 1 A leaf",
            ]
        );
        assert_eq!(tab.excepted_expansions, 2);
        assert_eq!(tab.skipped_seventh_notes, 1);
        assert_eq!(tab.billable_count(), 9);
    }

    #[test]
    fn notes_and_seventh() {
        let tab = sample();
        let notes: Vec<String> = tab
            .notes
            .iter()
            .map(|n| format!("{} {} {} {} [{}]", n.code, n.kind.as_str(), n.seq, n.text, refs::format(&n.refs)))
            .collect();
        assert_eq!(notes[0], "19 excludes2 0 birth trauma (P10-P15) [P10-P15]");
        assert_eq!(notes[1], "S02.0 inclusionTerm 0 Fracture of frontal bone []");
        assert_eq!(notes[2], "S02.0 inclusionTerm 1 Fracture of parietal bone []");
        assert_eq!(notes[3], "S02.1 excludes1 0 orbit NOS (S05.-) [S05]");
        assert!(notes[4].starts_with("S06 notes 0 7th characters D and S"));
        assert_eq!(notes[5], "T07-T07 excludes1 0 burns and corrosions (T20-T32) [T20-T32]");
        assert_eq!(
            notes[6],
            "T07 excludes1 0 injury NOS (T14.90) and code S02.0 in running text; not vitamin B12 [T1490 S020]"
        );
        assert_eq!(notes.len(), 7);
        let seventh: Vec<String> = tab.seventh.iter().map(|s| format!("{} {} {}", s.code, s.char, s.meaning)).collect();
        assert_eq!(
            seventh,
            [
                "S02 A initial encounter for closed fracture",
                "S02 B initial encounter for open fracture",
                "S02.10 A initial encounter",
                "S06 A initial encounter",
                "S06 D subsequent encounter",
                "S06 S sequela",
                "T07 A initial encounter",
            ]
        );
    }

    #[test]
    fn written_files() {
        let tab = sample();
        let dir = scratch_dir("write");
        write(&tab, &dir).unwrap();
        let t = std::fs::read_to_string(dir.join("tabular.tsv")).unwrap();
        assert!(t.starts_with("code\tkind\tparent\tbillable\tdescription\n19\tchapter\t\t0\tInjury"));
        let n = std::fs::read_to_string(dir.join("notes.tsv")).unwrap();
        assert!(n.starts_with("code\tkind\tseq\ttext\trefs\n19\texcludes2\t0\tbirth trauma (P10-P15)\tP10-P15\n"));
        let s = std::fs::read_to_string(dir.join("seventh.tsv")).unwrap();
        assert!(s.starts_with("code\tchar\tmeaning\nS02\tA\tinitial encounter for closed fracture\n"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn malformed_input_is_an_error_with_a_position() {
        let e = read_str("<ICD10CM.tabular>\n<chapter>\n<name>1</name>\n</ICD10CM.tabular>\n").unwrap_err();
        assert!(e.contains("bad.xml:4:"), "{e}");
        let e = read_str("<ICD10CM.tabular>\n  <chapter><name>1</name><desc>x</desc>\n    <section id=\"A00-A09\"><desc>y</desc>\n      <diag><name>a00</name><desc>z</desc></diag></section></chapter></ICD10CM.tabular>").unwrap_err();
        assert!(e.contains("bad.xml:4:7: diag name \"a00\""), "{e}");
        let e = read_str("<ICD10CM.tabular><chapter><desc>x</desc></chapter></ICD10CM.tabular>").unwrap_err();
        assert!(e.contains("without <name>"), "{e}");
        let e = read_str("<other/>").unwrap_err();
        assert!(e.contains("expected <ICD10CM.tabular>"), "{e}");
        let e = read_str("").unwrap_err();
        assert!(e.contains("no root element"), "{e}");
        let deep = "<a>".repeat(MAX_DEPTH + 1);
        assert!(read_str(&deep).unwrap_err().contains("nested more than"));
        let e = read_str("<ICD10CM.tabular><chapter>").unwrap_err();
        assert!(e.contains("never closed"), "{e}");
        // The S06 note is required once S06 exists.
        let e = read_str(&SAMPLE.replace("7th characters D and S do not apply", "Something else")).unwrap_err();
        assert!(e.contains("no longer carries the note"), "{e}");
        let dup = SAMPLE.replace("<name>T08</name>", "<name>T07</name>");
        assert!(read_str(&dup).unwrap_err().contains("T07 appears twice"));
    }

    #[test]
    fn code_shapes() {
        for ok in ["A00", "S72.001", "H54.0X33", "QA0.0101", "C7A.0", "Z3A.39"] {
            assert!(is_dotted_code(ok), "{ok}");
        }
        for bad in ["A0", "a00", "A00.", "A0000", "A00.12345", "A00-A09", ""] {
            assert!(!is_dotted_code(bad), "{bad}");
        }
        assert_eq!(block_code("A00-A09").as_deref(), Some("A00-A09"));
        assert_eq!(block_code("T07").as_deref(), Some("T07-T07"));
        assert_eq!(block_code("junk"), None);
        assert_eq!(dotted("S72001A"), "S72.001A");
        assert_eq!(dotted("A00"), "A00");
        assert_eq!(dotless("S72.001A"), "S72001A");
    }
}
