//! The forward word index: for every entry, the ids of the words of its own
//! description, rebuilt from the posting lists on first use (nothing extra
//! ships in the module).
//!
//! A word's id is its position in the WORD fst, so the words that start
//! with a prefix have consecutive ids. That turns "does this code have a
//! word starting with `e`?" into a range check over a handful of integers,
//! where the posting lists would have to merge thousands of words, and
//! "how many codes would this prefix name?" into one subtraction. Search
//! uses both to decide which query words to merge and which to check.

use fst::{IntoStreamer, Streamer};

use super::CodeSet;

/// Word ids per entry (see the module docs).
pub struct Forward {
    /// `ids[starts[ord]..starts[ord + 1]]` are the description words of `ord`, ascending.
    starts: Vec<u32>,
    ids: Vec<u32>,
    /// Posting-list offset of each word, by id.
    lists: Vec<u64>,
    /// `(offset, id)` sorted by offset, when `lists` does not ascend.
    by_offset: Option<Vec<(u64, u32)>>,
    /// `volume[id]`: postings of every word before `id` (one more entry than words).
    volume: Vec<u64>,
}

impl Forward {
    pub(super) fn build(set: &CodeSet) -> Forward {
        let len = set.len();
        let mut counts = vec![0u32; len + 1];
        let mut count = |offset: u64| {
            for (ord, syn) in set.postings(offset) {
                if !syn {
                    if let Some(c) = counts.get_mut(ord as usize) {
                        *c += 1;
                    }
                }
            }
        };
        let lists = list_offsets(set, &mut count);
        let mut volume = Vec::with_capacity(lists.len() + 1);
        let mut total_postings = 0u64;
        for &offset in &lists {
            volume.push(total_postings);
            total_postings += set.posting_count(offset);
        }
        volume.push(total_postings);
        // Prefix sums: starts[ord] is where the ids of `ord` begin.
        let mut starts = Vec::with_capacity(len + 1);
        let mut total = 0u32;
        for c in &counts {
            starts.push(total);
            total += c;
        }
        let mut fill = starts.clone();
        let mut ids = vec![0u32; total as usize];
        // Word ids ascend in this loop, so each entry's ids come out sorted.
        for (id, &offset) in lists.iter().enumerate() {
            for (ord, syn) in set.postings(offset) {
                if syn {
                    continue;
                }
                if let Some(at) = fill.get_mut(ord as usize) {
                    if let Some(slot) = ids.get_mut(*at as usize) {
                        *slot = id as u32;
                    }
                    *at += 1;
                }
            }
        }
        let by_offset = (!lists.is_sorted_by(|a, b| a < b)).then(|| {
            let mut pairs: Vec<(u64, u32)> = lists.iter().enumerate().map(|(id, &o)| (o, id as u32)).collect();
            pairs.sort_unstable();
            pairs
        });
        Forward { starts, ids, lists, by_offset, volume }
    }

    /// The ids of the description words of `ord`, ascending.
    pub fn words_of(&self, ord: u32) -> &[u32] {
        let i = ord as usize;
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&s), Some(&e)) => self.ids.get(s as usize..e as usize).unwrap_or(&[]),
            _ => &[],
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

    /// Bytes held (for memory reports).
    pub fn heap_bytes(&self) -> usize {
        self.starts.len() * 4 + self.ids.len() * 4 + self.lists.len() * 8 + self.volume.len() * 8
    }
}

/// The offset of every word's posting list, in word order, calling `visit`
/// with each. The compiler writes the lists back to back in that order, so
/// one pass over POST finds them; when a blob was laid out otherwise (the
/// count differs from the fst's), the fst names them instead.
fn list_offsets(set: &CodeSet, mut visit: impl FnMut(u64)) -> Vec<u64> {
    let post = set.post.as_ref();
    let mut lists = Vec::with_capacity(set.words().len());
    let mut pos = 0usize;
    while pos < post.len() && lists.len() <= set.words().len() {
        lists.push(pos as u64);
        let mut postings = set.postings(pos as u64);
        for _ in postings.by_ref() {}
        if postings.remaining() > 0 {
            break; // truncated: let the fst say
        }
        pos = postings.position();
    }
    if lists.len() == set.words().len() && pos == post.len() {
        lists.iter().for_each(|&o| visit(o));
        return lists;
    }
    let mut lists = Vec::with_capacity(set.words().len());
    let mut stream = set.words().stream();
    while let Some((_, offset)) = stream.next() {
        lists.push(offset);
        visit(offset);
    }
    lists
}
