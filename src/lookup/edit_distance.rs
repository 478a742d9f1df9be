//! An edit-distance automaton for fst searches: the keys within `max`
//! insertions, deletions or substitutions of a word, counted in characters.
//!
//! `fst`'s own `Levenshtein` builds a full DFA before the search starts; for
//! an eight-letter word at distance 2 that is about six million instructions
//! (most of them growing its transition table), paid on every keystroke of a
//! misspelt word. This automaton instead carries one row of the classic
//! dynamic-programming table as its state and computes the next row only for
//! the transitions the search actually follows, which the `can_match` bound
//! keeps to a few thousand. Same answers (a unit test compares the two on
//! the real word index), a fraction of the work, and no DFA size limit.

use fst::Automaton;

/// Longest word (in characters) an automaton is built for; a row is a
/// fixed array so that states are cheap to copy.
pub const MAX_CHARS: usize = 31;

/// Keys within `max` edits of `word`; `.starts_with()` gives keys with such a prefix.
#[derive(Clone, Debug, PartialEq)]
pub struct EditDistance {
    word: Vec<char>,
    max: u8,
}

/// One row of the table (distance from the key read so far to each prefix
/// of the word, capped at `max + 1`), plus a character being decoded when
/// the key has stopped in the middle of a multi-byte UTF-8 sequence.
#[derive(Clone, Copy, Debug)]
pub struct Row {
    dist: [u8; MAX_CHARS + 1],
    /// The code point read so far and how many continuation bytes are missing.
    pending: (u32, u8),
}

impl EditDistance {
    /// `None` when the word is longer than [`MAX_CHARS`].
    pub fn new(word: &str, max: u8) -> Option<EditDistance> {
        let word: Vec<char> = word.chars().collect();
        (word.len() <= MAX_CHARS).then_some(EditDistance { word, max })
    }

    fn cap(&self) -> u8 {
        self.max.saturating_add(1)
    }

    /// The row after one more character of the key.
    fn step(&self, row: &Row, c: char) -> Row {
        let cap = self.cap();
        let mut next = Row { dist: [cap; MAX_CHARS + 1], pending: (0, 0) };
        let first = row.dist.first().copied().unwrap_or(cap);
        let mut left = first.saturating_add(1).min(cap);
        if let Some(d) = next.dist.first_mut() {
            *d = left;
        }
        for (j, &w) in self.word.iter().enumerate() {
            let diag = row.dist.get(j).copied().unwrap_or(cap).saturating_add(u8::from(w != c));
            let up = row.dist.get(j + 1).copied().unwrap_or(cap).saturating_add(1);
            left = diag.min(up).min(left.saturating_add(1)).min(cap);
            if let Some(d) = next.dist.get_mut(j + 1) {
                *d = left;
            }
        }
        next
    }
}

impl Automaton for EditDistance {
    type State = Row;

    fn start(&self) -> Row {
        let cap = self.cap();
        let mut dist = [cap; MAX_CHARS + 1];
        for (j, d) in dist.iter_mut().enumerate().take(self.word.len() + 1) {
            *d = u8::try_from(j).unwrap_or(u8::MAX).min(cap);
        }
        Row { dist, pending: (0, 0) }
    }

    fn is_match(&self, row: &Row) -> bool {
        row.pending.1 == 0 && row.dist.get(self.word.len()).is_some_and(|&d| d <= self.max)
    }

    fn can_match(&self, row: &Row) -> bool {
        row.dist.iter().take(self.word.len() + 1).any(|&d| d <= self.max)
    }

    fn accept(&self, row: &Row, byte: u8) -> Row {
        let (cp, missing) = row.pending;
        let (cp, missing) = if missing > 0 {
            ((cp << 6) | u32::from(byte & 0x3f), missing - 1)
        } else {
            match byte {
                0x00..=0x7f => (u32::from(byte), 0),
                0xc0..=0xdf => (u32::from(byte & 0x1f), 1),
                0xe0..=0xef => (u32::from(byte & 0x0f), 2),
                0xf0..=0xf7 => (u32::from(byte & 0x07), 3),
                // Not UTF-8 (keys are): no character of the word matches it.
                _ => (u32::MAX, 0),
            }
        };
        if missing > 0 {
            return Row { dist: row.dist, pending: (cp, missing) };
        }
        self.step(row, char::from_u32(cp).unwrap_or(char::REPLACEMENT_CHARACTER))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fst::{IntoStreamer, Streamer};

    fn keys<A: Automaton>(set: &fst::Map<crate::format::Bytes>, aut: A) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut s = set.search(aut).into_stream();
        while let Some((k, _)) = s.next() {
            out.push(k.to_vec());
        }
        out
    }

    #[test]
    fn matches_fst_levenshtein_on_the_real_word_and_code_indexes() {
        use fst::automaton::Levenshtein;
        let mc = crate::MedCode::embedded().unwrap();
        let words = [
            "pnuemoni",
            "pnuemonia",
            "hypertention",
            "diabetis",
            "cholestrol",
            "abcess",
            "fractur",
            "femer",
            "asthma",
            "migrane",
            "waldenstrom",
            "sjogren",
            "menieres",
            "x",
            "",
            "cafe",
            "naïve",
        ];
        let mut compared = 0;
        for set in mc.sets() {
            for w in words {
                for max in 1..=2u8 {
                    let Ok(lev) = Levenshtein::new(w, u32::from(max)) else { continue };
                    let ours = EditDistance::new(w, max).unwrap();
                    compared += keys(set.words(), ours.clone().starts_with()).len();
                    assert_eq!(
                        keys(set.words(), ours.clone().starts_with()),
                        keys(set.words(), (&lev).starts_with()),
                        "{} words starting within {max} of {w:?}",
                        set.system
                    );
                    assert_eq!(
                        keys(set.words(), ours),
                        keys(set.words(), lev),
                        "{} words within {max} of {w:?}",
                        set.system
                    );
                }
            }
            for code in ["E119", "E11", "S0200XA", "G0439", "Z9989", "A000"] {
                for max in 1..=2u8 {
                    let lev = Levenshtein::new(code, u32::from(max)).unwrap();
                    let ours = EditDistance::new(code, max).unwrap();
                    assert_eq!(
                        keys(set.keys(), ours),
                        keys(set.keys(), lev),
                        "{} keys within {max} of {code}",
                        set.system
                    );
                }
            }
        }
        // Not vacuous: the misspellings do find words.
        assert!(compared > 1000, "{compared}");
    }

    #[test]
    fn counts_characters_not_bytes() {
        // "ö" for "o" is one substitution although it is two bytes.
        let set = fst::Set::from_iter(["sjogren", "sjögren"]).unwrap();
        let aut = EditDistance::new("sjogren", 1).unwrap();
        let mut s = set.search(aut).into_stream();
        let mut n = 0;
        while s.next().is_some() {
            n += 1;
        }
        assert_eq!(n, 2);
    }

    #[test]
    fn refuses_words_longer_than_a_row() {
        assert!(EditDistance::new(&"a".repeat(MAX_CHARS), 1).is_some());
        assert!(EditDistance::new(&"a".repeat(MAX_CHARS + 1), 1).is_none());
    }
}
