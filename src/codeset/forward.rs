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
//! and most searches need it; until it is built, how many codes a prefix
//! names is summed from the WORD fst ([`Forward::prefix_volume`]), which is
//! all a page's first keystroke needs. The word ids of every entry mean decoding
//! every posting twice: they were most of the work between a module's bytes
//! and its first answer. Searches that check no word on a code's own words
//! (a lone word without expansions: "o", "diab", "otitis") do not need
//! them, and the dense walk reads the descriptions of the few dozen codes
//! it weighs instead, so the first keystrokes are answered without them
//! (see [`crate::lookup`]). A page builds
//! them when idle, in steps of a bounded number of postings
//! ([`crate::MedCode::prepare_step`]) so that no step holds the page's main
//! thread for long; the first query with a word to check finishes whatever
//! is left.

use std::sync::{Mutex, OnceLock};

use fst::{IntoStreamer, Streamer};

use super::CodeSet;
use crate::format::read_varint;

/// The vocabulary and the word ids per entry, each built on first use (see
/// the module docs).
#[derive(Default)]
pub struct Forward {
    vocabulary: OnceLock<Vocabulary>,
    entries: OnceLock<Entries>,
    /// The build [`Forward::prepare_step`] has advanced, while unfinished.
    partial: Mutex<Option<EntriesBuild>>,
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
    /// The ids, widened.
    #[cfg(test)]
    pub fn to_vec(self) -> Vec<u32> {
        match self {
            WordIds::Narrow(ids) => ids.iter().map(|&id| u32::from(id)).collect(),
            WordIds::Wide(ids) => ids.to_vec(),
        }
    }

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

/// Each word's posting list and volume.
struct Vocabulary {
    /// Posting-list offset of each word, by id.
    lists: Vec<u64>,
    /// `(offset, id)` sorted by offset, when `lists` does not ascend.
    by_offset: Option<Vec<(u64, u32)>>,
    /// `volume[id]`: postings of every word before `id` (one more entry than words).
    volume: Vec<u64>,
}

impl Vocabulary {
    /// Each word's posting list, found by skipping through POST (the
    /// compiler writes the lists back to back in word order), or as the WORD
    /// fst names them when a blob is laid out otherwise (streaming the fst
    /// costs ten times as much).
    fn build(set: &CodeSet) -> Vocabulary {
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
        Vocabulary { lists, by_offset, volume }
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
}

impl Forward {
    fn vocabulary(&self, set: &CodeSet) -> &Vocabulary {
        self.vocabulary.get_or_init(|| Vocabulary::build(set))
    }

    /// Builds the word ids of every entry of `set` unless built (see the module docs).
    pub fn prepare(&self, set: &CodeSet) {
        self.entries(set);
    }

    /// Advances the build of the word ids of every entry of `set` by about
    /// `postings` postings (whole posting lists: at least one); returns
    /// whether they are built. A search that needs them meanwhile finishes
    /// the build from where the steps left it.
    pub fn prepare_step(&self, set: &CodeSet, postings: u64) -> bool {
        if self.has_entries() {
            return true;
        }
        let lists = &self.vocabulary(set).lists;
        let finished = {
            let mut partial = self.partial.lock().unwrap_or_else(|e| e.into_inner());
            let build = partial.get_or_insert_with(|| EntriesBuild::new(set, lists));
            if !build.advance(set, lists, postings) {
                return false;
            }
            partial.take()
        };
        // The lock is released first: a search on another thread may be
        // inside `entries`' initialisation, waiting for it, and `set` waits
        // for that initialisation. Then it built the same ids from scratch.
        if let Some(build) = finished {
            let _ = self.entries.set(build.into_entries());
        }
        true
    }

    fn entries(&self, set: &CodeSet) -> &Entries {
        self.entries.get_or_init(|| {
            let lists = &self.vocabulary(set).lists;
            let partial = self.partial.lock().unwrap_or_else(|e| e.into_inner()).take();
            let mut build = partial.unwrap_or_else(|| EntriesBuild::new(set, lists));
            build.advance(set, lists, u64::MAX);
            build.into_entries()
        })
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

    /// The ids of the words that start with `prefix`: `lo..hi` (empty when none does).
    pub fn prefix_range(&self, set: &CodeSet, prefix: &[u8]) -> std::ops::Range<u32> {
        let vocabulary = self.vocabulary(set);
        let total = vocabulary.lists.len() as u32;
        let first_at_or_after = |key: &[u8]| -> u32 {
            let mut s = set.words().range().ge(key).into_stream();
            match s.next() {
                Some((_, offset)) => vocabulary.id_of_offset(offset).unwrap_or(total),
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
    pub fn volume(&self, set: &CodeSet, ids: &std::ops::Range<u32>) -> u64 {
        let volume = &self.vocabulary(set).volume;
        let at = |i: u32| volume.get(i as usize).copied().unwrap_or(0);
        at(ids.end).saturating_sub(at(ids.start))
    }

    /// The number of postings under the words that start with `prefix`:
    /// [`Forward::volume`] of [`Forward::prefix_range`], or, while the
    /// vocabulary is not built, summed from the WORD fst's range until the
    /// sum reaches `cap` (a one-letter prefix has 300 to 1,200 words, each
    /// a step of the stream, where building the vocabulary skips through
    /// every posting). Exact below `cap`, at least `cap` otherwise.
    pub fn prefix_volume(&self, set: &CodeSet, prefix: &[u8], cap: u64) -> u64 {
        if self.vocabulary.get().is_some() {
            return self.volume(set, &self.prefix_range(set, prefix));
        }
        let mut stream = set.words().range().ge(prefix).into_stream();
        let mut total = 0;
        while let Some((word, offset)) = stream.next() {
            if !word.starts_with(prefix) || total >= cap {
                break;
            }
            total += set.posting_count(offset);
        }
        total
    }

    /// The id of exactly `word`, if the index has it.
    pub fn id(&self, set: &CodeSet, word: &[u8]) -> Option<u32> {
        self.vocabulary(set).id_of_offset(set.words().get(word)?)
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

/// The word ids of every entry, part built: posting lists (word → entries)
/// turned around in two passes over the lists, one counting each entry's
/// description words and one placing their ids, each resumable at any list.
struct EntriesBuild {
    filling: bool,
    /// The next list (word id) the current pass reads.
    next: usize,
    /// Counting: `starts[ord]` counts the words of `ord`. Filling: prefix
    /// sums shifted one to the right, so `starts[ord + 1]` is where the next
    /// id of `ord` goes and, once every id is placed, `starts[ord]` is where
    /// the ids of `ord` begin. (No second array of cursors: this is the
    /// build's memory peak.)
    starts: Vec<u32>,
    ids: Ids,
}

impl EntriesBuild {
    fn new(set: &CodeSet, lists: &[u64]) -> EntriesBuild {
        let narrow = lists.len() <= 1 << 16;
        EntriesBuild {
            filling: false,
            next: 0,
            starts: vec![0u32; set.len() + 1],
            ids: if narrow { Ids::Narrow(Vec::new()) } else { Ids::Wide(Vec::new()) },
        }
    }

    /// Reads whole posting lists, at least one, until `budget` postings are
    /// read or both passes are done; returns whether they are.
    fn advance(&mut self, set: &CodeSet, lists: &[u64], budget: u64) -> bool {
        let mut read = 0u64;
        loop {
            let Some(&offset) = lists.get(self.next) else {
                if self.filling {
                    return true;
                }
                self.start_filling();
                continue;
            };
            let postings = set.postings(offset);
            let id = self.next as u32;
            read += match (self.filling, &mut self.ids) {
                (false, _) => count(&mut self.starts, postings),
                // < 65,536 words: fits
                (true, Ids::Narrow(ids)) => place(&mut self.starts, ids, id as u16, postings),
                (true, Ids::Wide(ids)) => place(&mut self.starts, ids, id, postings),
            };
            self.next += 1;
            if read >= budget {
                return self.filling && self.next >= lists.len();
            }
        }
    }

    /// Turns the counts into fill cursors and sizes the ids.
    fn start_filling(&mut self) {
        let mut total = 0u32;
        for c in self.starts.iter_mut() {
            total += std::mem::replace(c, total);
        }
        self.starts.rotate_right(1);
        if let Some(first) = self.starts.first_mut() {
            *first = 0;
        }
        match &mut self.ids {
            Ids::Narrow(ids) => ids.resize(total as usize, 0),
            Ids::Wide(ids) => ids.resize(total as usize, 0),
        }
        self.filling = true;
        self.next = 0;
    }

    fn into_entries(self) -> Entries {
        Entries { starts: self.starts, ids: self.ids }
    }
}

/// Counts one posting list's words in `counts` (synonym words are not the
/// entries' own); returns the postings read.
fn count(counts: &mut [u32], postings: impl Iterator<Item = (u32, bool)>) -> u64 {
    let mut read = 0;
    for (ord, syn) in postings {
        read += 1;
        if let (false, Some(c)) = (syn, counts.get_mut(ord as usize)) {
            *c += 1;
        }
    }
    read
}

/// Places the id of one posting list's word at each of its entries' fill
/// cursors (see [`EntriesBuild::starts`]). Ids ascend across the pass, so
/// each entry's come out sorted. Returns the postings read.
fn place<T: Copy>(starts: &mut [u32], ids: &mut [T], id: T, postings: impl Iterator<Item = (u32, bool)>) -> u64 {
    let mut read = 0;
    for (ord, syn) in postings {
        read += 1;
        if let (false, Some(at)) = (syn, starts.get_mut(ord as usize + 1)) {
            if let Some(slot) = ids.get_mut(*at as usize) {
                *slot = id;
            }
            *at += 1;
        }
    }
    read
}

#[cfg(test)]
mod tests {
    use crate::MedCode;

    /// Every entry's word ids, of every set.
    fn every_entrys_words(mc: &MedCode) -> Vec<Vec<Vec<u32>>> {
        let words =
            |set: &super::CodeSet| (0..set.len() as u32).map(|o| set.forward().words_of(set, o).to_vec()).collect();
        mc.sets().iter().map(words).collect()
    }

    #[test]
    fn a_build_in_steps_gives_every_entry_the_words_a_build_in_one_go_gives() {
        let whole = MedCode::embedded().unwrap();
        whole.prepare();
        let expected = every_entrys_words(&whole);
        for postings in [1, 977, 20_000] {
            let stepped = MedCode::embedded().unwrap();
            let mut steps = 0;
            while !stepped.prepare_step(postings) {
                steps += 1;
                assert!(steps < 1_000_000, "{postings} postings a step never finishes");
            }
            // Two passes over every word's list, and a step per rank order.
            let lists: usize = stepped.sets().iter().map(|s| s.words().len()).sum();
            assert!(postings > 1 || steps >= 2 * lists, "{steps} steps of one list for {lists} lists");
            assert!(stepped.sets().iter().all(|s| s.forward().has_entries() && s.rank_order_is_built()));
            assert!(stepped.prepare_step(postings), "done stays done");
            assert!(every_entrys_words(&stepped) == expected, "{postings} postings a step");
        }
    }

    #[test]
    fn a_search_during_a_stepped_build_finishes_it_from_where_the_steps_left_it() {
        let whole = MedCode::embedded().unwrap();
        whole.prepare();
        let expected = every_entrys_words(&whole);
        let lists = whole.sets().first().unwrap().words().len();
        // Mid count, at the turn (every list counted, none placed), mid fill.
        for (filling, next) in [(false, lists / 2), (false, lists), (true, lists / 2)] {
            let stepped = MedCode::embedded().unwrap();
            let set = stepped.sets().first().unwrap();
            let forward = set.forward();
            let at = || forward.partial.lock().unwrap().as_ref().map(|b| (b.filling, b.next));
            // One posting a step reads one list a step.
            while at() != Some((filling, next)) {
                assert!(!forward.prepare_step(set, 1), "the build passed {filling} {next}");
            }
            let words: Vec<Vec<u32>> = (0..set.len() as u32).map(|o| forward.words_of(set, o).to_vec()).collect();
            assert!(Some(&words) == expected.first(), "a search at {filling} {next}");
            assert!(at().is_none(), "the search took over the part-built index");
            assert!(forward.prepare_step(set, 1), "and the steps find it built");
        }
    }

    #[test]
    fn a_prefixs_volume_summed_from_the_words_is_the_vocabularys() {
        let streamed = MedCode::embedded().unwrap();
        let built = MedCode::embedded().unwrap();
        let mut prefixes: Vec<String> = ('a'..='z').chain('0'..='9').map(String::from).collect();
        prefixes.extend(["di", "fr", "ot", "with", "zz", "oste", "fracture", "", "\u{7f}"].map(String::from));
        for (s, b) in streamed.sets().iter().zip(built.sets()) {
            for p in &prefixes {
                let p = p.as_bytes();
                let from_words = s.forward().prefix_volume(s, p, u64::MAX);
                let capped = s.forward().prefix_volume(s, p, 1_000);
                assert!(s.forward().vocabulary.get().is_none(), "summing built the vocabulary");
                let from_vocabulary = b.forward().volume(b, &b.forward().prefix_range(b, p));
                assert_eq!(from_words, from_vocabulary, "{} {:?}", s.system, String::from_utf8_lossy(p));
                assert!(capped == from_words || (1_000..from_words).contains(&capped), "{capped} for {from_words}");
                assert_eq!(b.forward().prefix_volume(b, p, 1_000), from_vocabulary);
            }
        }
    }
}
