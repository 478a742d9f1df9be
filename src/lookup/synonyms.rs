//! The curated abbreviation and lay-term list (`code-sets/synonyms/`),
//! compiled into an fst from a normalized term to its expansions.

use fst::Map;

use crate::error::{Error, Result};
use crate::format::{Blob, Bytes};

/// Abbreviations and lay terms ("hbp", "heart attack") and the words of the
/// descriptions they stand for.
pub struct Synonyms {
    terms: Map<Bytes>,
    /// The expansions, one a line, read in place: a term's value in
    /// `terms` says where its first line starts and how many are its own.
    text: Bytes,
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
        Ok(Synonyms { terms, text })
    }

    /// The expansions of a normalized term (lower-case words joined by one space).
    pub fn expansions(&self, term: &str) -> impl Iterator<Item = &str> {
        let v = self.terms.get(term).unwrap_or(0);
        let (start, count) = ((v >> 8) as usize, (v & 0xff) as usize);
        let lines = self.text.as_ref().get(start..).unwrap_or(&[]).split(|&b| b == b'\n');
        // A line that is not UTF-8 (a damaged list) reads as no expansion.
        lines.take(count).filter_map(|line| std::str::from_utf8(line).ok())
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
