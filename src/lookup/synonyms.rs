//! The curated abbreviation and lay-term list (`code-sets/synonyms/`),
//! compiled into an fst from a normalized term to its expansions.

use fst::Map;

use crate::error::{Error, Result};
use crate::format::{Blob, Bytes};

/// Abbreviations and lay terms ("hbp", "heart attack") and the words of the
/// descriptions they stand for.
pub struct Synonyms {
    terms: Map<Bytes>,
    /// The expansions, one a line, and where each line lies in it: two
    /// allocations at open where a `String` a line made a thousand.
    text: Box<str>,
    lines: Vec<(u32, u32)>,
}

impl Synonyms {
    pub fn open(bytes: Bytes, what: &str) -> Result<Synonyms> {
        Self::from_blob(Blob::open(bytes, what)?, what)
    }

    /// Opens the list compiled into this build (see [`Blob::open_embedded`]).
    pub(crate) fn open_embedded(bytes: &'static [u8], what: &str) -> Result<Synonyms> {
        Self::from_blob(Blob::open_embedded(bytes, what)?, what)
    }

    fn from_blob(blob: Blob, what: &str) -> Result<Synonyms> {
        if blob.kind != 5 {
            return Err(Error::corrupt(what, format!("kind {} is not a synonym list", blob.kind)));
        }
        let terms = Map::new(blob.section(b"TERM")?).map_err(|e| Error::corrupt(what, format!("TERM: {e}")))?;
        let text = blob.section(b"EXPN")?;
        let text: Box<str> =
            std::str::from_utf8(text.as_ref()).map_err(|_| Error::corrupt(what, "EXPN is not UTF-8"))?.into();
        let span = |line: &str| {
            let start = line.as_ptr() as usize - text.as_ptr() as usize;
            Some((u32::try_from(start).ok()?, u32::try_from(start + line.len()).ok()?))
        };
        let lines =
            text.lines().map(span).collect::<Option<_>>().ok_or_else(|| Error::corrupt(what, "EXPN is too long"))?;
        Ok(Synonyms { terms, text, lines })
    }

    /// The expansions of a normalized term (lower-case words joined by one space).
    pub fn expansions(&self, term: &str) -> impl Iterator<Item = &str> {
        let v = self.terms.get(term).unwrap_or(0);
        let (start, count) = ((v >> 8) as usize, (v & 0xff) as usize);
        let lines = self.lines.get(start..start + count).unwrap_or(&[]);
        lines.iter().filter_map(|&(s, e)| self.text.get(s as usize..e as usize))
    }

    /// Every term, in order.
    pub fn terms(&self) -> Vec<String> {
        self.terms.stream().into_str_keys().unwrap_or_default()
    }

    /// Number of terms.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}
