//! The forward word index: for every entry, the ids of the words of its own
//! description, rebuilt from the posting lists (nothing extra ships in the
//! module).
//!
//! A word's id is its position in the WORD fst, so the words that start
//! with a prefix have consecutive ids. That turns "does this code have a
//! word starting with `e`?" into a range check over a handful of integers,
//! where the posting lists would have to merge thousands of words, and
//! "how many codes would this prefix name?" into one subtraction. Search
//! uses both to decide which query words to merge and which to check.
//!
//! It is built in two parts, each on first use. The vocabulary (each word's
//! posting list and volume, found by skipping through the lists) is cheap,
//! and every search needs it. The word ids of every entry mean decoding
//! every posting twice: they were most of the work between a module's bytes
//! and its first answer. Searches that check no word on a code's own words
//! (a lone word without expansions: "o", "diab", "otitis") do not need
//! them, so the first keystrokes are answered without them. A page builds
//! them when idle ([`crate::MedCode::prepare`]); otherwise the first query
//! with a word to check does.

use std::sync::OnceLock;

use fst::{IntoStreamer, Streamer};

use super::CodeSet;
use crate::format::read_varint;

/// The vocabulary and, once built, the word ids per entry (see the module docs).
pub struct Forward {
    /// Posting-list offset of each word, by id.
    lists: Vec<u64>,
    /// `(offset, id)` sorted by offset, when `lists` does not ascend.
    by_offset: Option<Vec<(u64, u32)>>,
    /// `volume[id]`: postings of every word before `id` (one more entry than words).
    volume: Vec<u64>,
    entries: OnceLock<Entries>,
}

/// The word ids of every entry.
struct Entries {
    /// `ids[starts[ord]..starts[ord + 1]]` are the description words of `ord`, ascending.
    starts: Vec<u32>,
    ids: Ids,
}

/// The word ids of every entry, two bytes each when the set has at most
/// 65,536 words (every embedded set: ICD-10-CM has about 12,000), which
/// halves the index and the memory a search reads.
enum Ids {
    Narrow(Vec<u16>),
    Wide(Vec<u32>),
}

/// The word ids of one entry, ascending.
#[derive(Clone, Copy)]
pub enum WordIds<'a> {
    Narrow(&'a [u16]),
    Wide(&'a [u32]),
}

impl WordIds<'_> {
    /// Whether some id lies in `range`.
    pub fn any_in(self, range: &std::ops::Range<u32>) -> bool {
        fn any_in<T: Copy + Into<u32>>(ids: &[T], range: &std::ops::Range<u32>) -> bool {
            // The first id not below the range decides.
            let i = ids.partition_point(|&id| id.into() < range.start);
            ids.get(i).is_some_and(|&id| range.contains(&id.into()))
        }
        match self {
            WordIds::Narrow(ids) => any_in(ids, range),
            WordIds::Wide(ids) => any_in(ids, range),
        }
    }

    /// Whether `id` is one of the ids.
    pub fn contains(self, id: u32) -> bool {
        match self {
            WordIds::Narrow(ids) => u16::try_from(id).is_ok_and(|id| ids.binary_search(&id).is_ok()),
            WordIds::Wide(ids) => ids.binary_search(&id).is_ok(),
        }
    }
}

impl Forward {
    /// The vocabulary: each word's posting list, found by skipping through
    /// POST (the compiler writes the lists back to back in word order), or
    /// as the WORD fst names them when a blob is laid out otherwise
    /// (streaming the fst costs ten times as much).
    pub(super) fn build(set: &CodeSet) -> Forward {
        let lists = lists_back_to_back(set.post.as_ref(), set.words().len()).unwrap_or_else(|| {
            let mut lists = Vec::with_capacity(set.words().len());
            let mut stream = set.words().stream();
            while let Some((_, offset)) = stream.next() {
                lists.push(offset);
            }
            lists
        });
        let mut volume = Vec::with_capacity(lists.len() + 1);
        let mut total_postings = 0u64;
        for &offset in &lists {
            volume.push(total_postings);
            total_postings += set.posting_count(offset);
        }
        volume.push(total_postings);
        let by_offset = (!lists.is_sorted_by(|a, b| a < b)).then(|| {
            let mut pairs: Vec<(u64, u32)> = lists.iter().enumerate().map(|(id, &o)| (o, id as u32)).collect();
            pairs.sort_unstable();
            pairs
        });
        Forward { lists, by_offset, volume, entries: OnceLock::new() }
    }

    /// Builds the word ids of every entry of `set` unless built (see the module docs).
    pub fn prepare(&self, set: &CodeSet) {
        self.entries(set);
    }

    fn entries(&self, set: &CodeSet) -> &Entries {
        self.entries.get_or_init(|| Entries::build(set, &self.lists))
    }

    /// Whether the word ids of every entry are built (see the module docs).
    pub fn has_entries(&self) -> bool {
        self.entries.get().is_some()
    }

    /// The ids of the description words of `ord`, ascending; the first call
    /// builds them for every entry of `set` (the set this index is of).
    pub fn words_of(&self, set: &CodeSet, ord: u32) -> WordIds<'_> {
        let entries = self.entries(set);
        let i = ord as usize;
        let span = match (entries.starts.get(i), entries.starts.get(i + 1)) {
            (Some(&s), Some(&e)) => s as usize..e as usize,
            _ => 0..0,
        };
        match &entries.ids {
            Ids::Narrow(ids) => WordIds::Narrow(ids.get(span).unwrap_or(&[])),
            Ids::Wide(ids) => WordIds::Wide(ids.get(span).unwrap_or(&[])),
        }
    }

    fn id_of_offset(&self, offset: u64) -> Option<u32> {
        match &self.by_offset {
            None => self.lists.binary_search(&offset).ok().map(|i| i as u32),
            Some(pairs) => {
                let i = pairs.binary_search_by_key(&offset, |&(o, _)| o).ok()?;
                pairs.get(i).map(|&(_, id)| id)
            }
        }
    }

    /// The ids of the words that start with `prefix`: `lo..hi` (empty when none does).
    pub fn prefix_range(&self, set: &CodeSet, prefix: &[u8]) -> std::ops::Range<u32> {
        let total = self.lists.len() as u32;
        let first_at_or_after = |key: &[u8]| -> u32 {
            let mut s = set.words().range().ge(key).into_stream();
            match s.next() {
                Some((_, offset)) => self.id_of_offset(offset).unwrap_or(total),
                None => total,
            }
        };
        let lo = first_at_or_after(prefix);
        // The first key after every key with this prefix: bump the last byte
        // that can be bumped and drop what follows it.
        let mut succ = prefix.to_vec();
        while let Some(last) = succ.pop() {
            if last < u8::MAX {
                succ.push(last + 1);
                break;
            }
        }
        let hi = if succ.is_empty() { total } else { first_at_or_after(&succ) };
        lo..hi.max(lo)
    }

    /// The number of postings (codes, counted once per word) under the words in `ids`.
    pub fn volume(&self, ids: &std::ops::Range<u32>) -> u64 {
        let at = |i: u32| self.volume.get(i as usize).copied().unwrap_or(0);
        at(ids.end).saturating_sub(at(ids.start))
    }

    /// The id of exactly `word`, if the index has it.
    pub fn id(&self, set: &CodeSet, word: &[u8]) -> Option<u32> {
        self.id_of_offset(set.words().get(word)?)
    }
}

/// The offsets of `words` posting lists laid back to back from the start
/// of `post`, or `None` when they are not.
fn lists_back_to_back(post: &[u8], words: usize) -> Option<Vec<u64>> {
    let mut lists = Vec::with_capacity(words);
    let mut pos = 0usize;
    while pos < post.len() && lists.len() < words {
        lists.push(pos as u64);
        let n = read_varint(post, &mut pos)?;
        pos = skip_varints(post, pos, n)?;
    }
    (lists.len() == words && pos == post.len()).then_some(lists)
}

/// The position after `n` varints that start at `pos`, or `None` when `b`
/// ends first.
fn skip_varints(b: &[u8], mut pos: usize, mut n: u64) -> Option<usize> {
    // Eight bytes at a time while they cannot hold more than `n` varint
    // ends (a byte below 0x80 ends one).
    while n >= 8 {
        let word = u64::from_le_bytes(b.get(pos..pos.checked_add(8)?)?.try_into().ok()?);
        n -= u64::from((!word & 0x8080_8080_8080_8080).count_ones());
        pos += 8;
    }
    while n > 0 {
        if *b.get(pos)? < 0x80 {
            n -= 1;
        }
        pos += 1;
    }
    Some(pos)
}

impl Entries {
    /// Turns the posting lists (word → entries) around: one pass counts each
    /// entry's description words, a second places the word ids.
    fn build(set: &CodeSet, lists: &[u64]) -> Entries {
        let len = set.len();
        let mut counts = vec![0u32; len + 1];
        for &offset in lists {
            for (ord, syn) in set.postings(offset) {
                // Synonym words are not the entry's own.
                if !syn {
                    if let Some(c) = counts.get_mut(ord as usize) {
                        *c += 1;
                    }
                }
            }
        }
        // Prefix sums in place, shifted one to the right: `starts[ord + 1]`
        // is where the ids of `ord` begin and serves as its fill cursor, so
        // once every id is placed `starts[ord]` is where they begin. (No
        // second array of `len` cursors: this is the build's memory peak.)
        let mut starts = counts;
        let mut total = 0u32;
        for c in starts.iter_mut() {
            total += std::mem::replace(c, total);
        }
        starts.rotate_right(1);
        if let Some(first) = starts.first_mut() {
            *first = 0;
        }
        let narrow = lists.len() <= 1 << 16;
        let mut narrow_ids = vec![0u16; if narrow { total as usize } else { 0 }];
        let mut wide_ids = vec![0u32; if narrow { 0 } else { total as usize }];
        // Word ids ascend in this loop, so each entry's ids come out sorted.
        for (id, &offset) in lists.iter().enumerate() {
            for (ord, syn) in set.postings(offset) {
                if syn {
                    continue;
                }
                if let Some(at) = starts.get_mut(ord as usize + 1) {
                    let slot = *at as usize;
                    if narrow {
                        if let Some(s) = narrow_ids.get_mut(slot) {
                            *s = id as u16; // < 65,536 words: fits
                        }
                    } else if let Some(s) = wide_ids.get_mut(slot) {
                        *s = id as u32;
                    }
                    *at += 1;
                }
            }
        }
        let ids = if narrow { Ids::Narrow(narrow_ids) } else { Ids::Wide(wide_ids) };
        Entries { starts, ids }
    }
}
