//! Typeahead search: normalize → tokenize → candidates from fst streams →
//! rank.
//!
//! Two kinds of match feed one ranking:
//!
//! - **codes**: a query that looks like a code (`E11.6`, `e116`, `I21.`,
//!   `G04`, `0DT`) is a prefix of the normalized code; shorter codes come
//!   first, so the exact code leads, then its children.
//! - **words**: every query word is a prefix of a word of the description or
//!   of a synonym (inclusion terms and includes notes), in any order;
//!   abbreviations and lay terms ("hbp", "fx", "heart attack") also match
//!   through their expansions, and a word no code set knows is tried as a
//!   typo (one edit, two for long words, or two swapped letters).
//!
//! Ranking, most important first: exact code; codes by prefix (shorter
//! first); then words, by match class: fewer unmatched query words, fewer
//! typos, known abbreviations matched as whole words, words matched in the
//! description over synonyms, a phrase's meaning ("broken hip") over its
//! words one by one, billable on the date before headers; then the static
//! order: ICD-10-CM before HCPCS when no system is chosen, commonly reported
//! codes first (`code-sets/priors/`: "diab" → E11.9), fewer content words,
//! shorter codes, billable before headers, code order. The ordinal breaks
//! every tie, so results are deterministic.
//!
//! Speed comes from not merging what is common: rare words drive (their
//! posting lists name the candidates) and common ones ("with", a one-letter
//! prefix) are checked on each candidate through the forward index
//! ([`crate::codeset::forward`]); the candidates are read in the static
//! order, so the search stops as soon as `limit` codes of the best class
//! possible are found. Three refinements keep the slow keystrokes short,
//! each giving the answer the plain path gives (tests compare them):
//!
//! - plain words whose matches are dense ("co", "di": a fifth of the codes)
//!   are first looked for by reading the whole set in rank order, each code
//!   checked on its own words, within a budget; their posting lists name
//!   ~20,000 codes, the answer lies in the first ~120. Until the forward
//!   index is built the walk splits each code's description into words
//!   instead, so a page's first keystroke builds nothing but the rank order;
//! - candidates are read in passes by the best class they can have: those
//!   that can match every abbreviation strongly ("mi" through "myocardial
//!   infarction"), then the rest of those with every driving word, then
//!   those missing one; so when fewer than `limit` codes have every word
//!   ("type 2 diabetes with hy" has five) the rest of the answer is the
//!   first codes missing one, not a read of every candidate;
//! - each code set keeps the postings of its last few misspelt words: the
//!   keystrokes after "diabetis" reuse what its typo matched.
//!
//! That makes one rule of its own: when some word drives, only the codes
//! it names are candidates, so a code that matches only the common words
//! ("with" in "femur with") is never listed, even when fewer than `limit`
//! codes match better (it would be noise). A word a code set does not know
//! at all (no postings there, no typo to try, no expansion it knows) drives
//! nothing in that set: its codes are ranked on the other words, one word
//! short.

use fst::automaton::{Automaton, Str};

use crate::codeset::forward::{Forward, WordIds};
use edit_distance::EditDistance;
use fst::{IntoStreamer, Streamer};

use crate::codeset::{CodeSet, OnDate, System};
use crate::date::Date;

pub mod edit_distance;
pub mod synonyms;
pub mod warm_up;
pub use synonyms::Synonyms;
pub use warm_up::warm_up_queries;

/// The most words of a query that count; the rest are ignored.
pub const MAX_QUERY_WORDS: usize = 12;
/// Queries longer than this (in bytes) are cut before matching.
pub const MAX_QUERY_LEN: usize = 256;
/// The largest `limit` accepted.
pub const MAX_LIMIT: usize = 500;

/// What to search and how much to return.
#[derive(Clone, Debug)]
pub struct SearchOptions {
    /// Only this system; `None` searches ICD-10-CM, HCPCS, ICD-10-PCS (and
    /// loaded CPT) together.
    pub system: Option<System>,
    pub limit: usize,
    /// Only codes in effect on this date.
    pub date: Date,
    /// Only codes billable on the date (no headers).
    pub billable_only: bool,
    /// Only codes under this code prefix, block (`E08-E13`) or chapter (`4`).
    pub within: Option<String>,
}

impl SearchOptions {
    /// Every system, 20 results, headers included, on `date`.
    pub fn on(date: Date) -> SearchOptions {
        SearchOptions { system: None, limit: 20, date, billable_only: false, within: None }
    }
}

/// One hit, in the CLI's and JS API's JSON shape.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SearchResult {
    pub system: &'static str,
    pub code: String,
    pub display: String,
    pub billable: bool,
    /// Whole scores print as integers (`1`, not `1.0`), as JavaScript's
    /// `JSON.stringify` does, so the CLI and the wasm module give the same bytes.
    #[serde(serialize_with = "whole_as_integer")]
    pub score: f64,
}

fn whole_as_integer<S: serde::Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    // Scores lie in 0..=1; the bound keeps the cast exact.
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        s.serialize_i64(*x as i64)
    } else {
        s.serialize_f64(*x)
    }
}

/// The answer to one query.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SearchResults {
    pub query: String,
    pub results: Vec<SearchResult>,
    /// For a code-like query that found nothing in effect: the code that
    /// replaced it, or valid codes one edit away.
    #[serde(rename = "didYouMean", skip_serializing_if = "Vec::is_empty")]
    pub did_you_mean: Vec<SearchResult>,
}

/// How a candidate sorts: its kind of match (code or words), then class
/// and static order (see [`word_key`]).
type SortKey = (u8, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32);

/// A candidate before it is turned into a result: `key` orders candidates
/// across code sets (lower first).
struct Candidate {
    key: SortKey,
    set: usize,
    ord: u32,
    score: f64,
}

/// Runs a query over `sets` (already filtered to the wanted systems).
pub fn search(sets: &[&CodeSet], synonyms: Option<&Synonyms>, query: &str, opts: &SearchOptions) -> SearchResults {
    search_traced(sets, synonyms, query, opts, &mut Trace::default())
}

/// Which paths a search may take and took: the tests compare the answers
/// of the paths that must agree.
#[derive(Clone, Copy)]
struct Trace {
    /// Whether plain, common words may be answered by [`dense_walk`].
    dense_walk: bool,
    /// Whether many candidates are read in rank order with early stops
    /// (else every one is weighed).
    rank_walk: bool,
    /// How many code sets [`dense_walk`] answered.
    dense_walks: u32,
    /// How many code sets the rank-order walk answered.
    rank_walks: u32,
    /// How many code sets let a lone common word drive because their
    /// entries' words were not built yet.
    lone_word_drives: u32,
    /// How far volumes are summed before the vocabulary is built
    /// ([`VOLUME_CAP`]).
    volume_cap: u64,
}

impl Default for Trace {
    fn default() -> Trace {
        Trace {
            dense_walk: true,
            rank_walk: true,
            dense_walks: 0,
            rank_walks: 0,
            lone_word_drives: 0,
            volume_cap: VOLUME_CAP,
        }
    }
}

fn search_traced(
    sets: &[&CodeSet],
    synonyms: Option<&Synonyms>,
    query: &str,
    opts: &SearchOptions,
    trace: &mut Trace,
) -> SearchResults {
    let mut q = query.trim();
    if q.len() > MAX_QUERY_LEN {
        let mut cut = MAX_QUERY_LEN;
        while !q.is_char_boundary(cut) {
            cut -= 1;
        }
        q = &q[..cut];
    }
    let limit = opts.limit.clamp(1, MAX_LIMIT);
    let mut cands: Vec<Candidate> = Vec::new();
    if let Some(code) = code_like(q) {
        // A dot after the third character is ICD-10-CM's alone.
        let dotted = q.contains('.');
        let typed = q.trim().to_ascii_uppercase();
        for (si, set) in sets.iter().enumerate() {
            if dotted && set.system != System::Icd10Cm {
                continue;
            }
            code_candidates(set, si, &code, &typed, opts, limit, &mut cands);
        }
    }
    // A query that is a code is answered by codes alone; one that only looks
    // like a code ("b12": no such code in any edition, no dot) falls back to words.
    let known_code = code_like(q).is_some_and(|k| q.contains('.') || sets.iter().any(|s| s.ordinal(&k).is_some()));
    let words = if cands.is_empty() && !known_code { query_words(q) } else { Vec::new() };
    if !words.is_empty() {
        let mut query = Query::new(words, synonyms);
        query.typos = typo_automata(&query.words, sets);
        // Word keys order the set index right after the match class: once
        // `limit` codes of the best class possible are in, no later set's
        // code can enter the answer, so its indexes are not read at all.
        let best_possible = query.best_class();
        for (si, set) in sets.iter().enumerate() {
            if cands.iter().filter(|c| word_class(&c.key) == best_possible).count() >= limit {
                break;
            }
            word_candidates(set, si, &query, opts, limit, trace, &mut cands);
        }
    }
    cands.sort_unstable_by(|a, b| {
        a.key.cmp(&b.key).then(a.set.cmp(&b.set)).then(a.ord.cmp(&b.ord)).then(b.score.total_cmp(&a.score))
    });
    // At most `limit` codes are kept, so a scan finds repeats as fast as a
    // hash set would, without hashing code on the first keystroke's path.
    let mut seen: Vec<(usize, u32)> = Vec::with_capacity(limit);
    let mut results = Vec::with_capacity(limit);
    for c in cands {
        if results.len() == limit {
            break;
        }
        if seen.contains(&(c.set, c.ord)) {
            continue;
        }
        seen.push((c.set, c.ord));
        let Some(&set) = sets.get(c.set) else { continue };
        results.push(SearchResult {
            system: set.system.name(),
            code: set.code(c.ord).as_str().to_owned(),
            display: set.description(c.ord),
            billable: set.billable_on(c.ord, opts.date),
            score: (c.score * 1000.0).round() / 1000.0,
        });
    }
    SearchResults { query: query.to_string(), results, did_you_mean: Vec::new() }
}

/// The query words and the abbreviation expansions that apply to them.
pub struct Query {
    pub words: Vec<String>,
    pub alts: Vec<Alt>,
    /// Words that some abbreviation covers.
    pub covered: u16,
    /// Words that a multi-word phrase of the list covers.
    pub phrase_bits: u16,
    /// The fewest loose words any code can have (all words not in a phrase).
    pub min_loose: u32,
    /// Misspelling matchers for the words no code set knows.
    pub typos: Vec<Typo>,
}

/// How a word that no index word starts with may have been meant: within an
/// edit distance (1 for 4+ letters, 2 for 8+ when 1 finds nothing), or with
/// two neighbouring letters swapped ("siezure": one slip, not two edits).
/// Built once per query, for every code set: a distance-2 automaton over a
/// long word costs milliseconds.
pub struct Typo {
    pub bit: u16,
    pub lev: Option<EditDistance>,
    pub swaps: Vec<String>,
}

/// The postings a misspelt word reaches in one set, kept for the keystrokes
/// that follow: "diabetis t", "diabetis ty", … each need the same ones.
#[derive(Default)]
pub(crate) struct TypoMemo {
    /// Most recent first, at most [`TYPO_MEMO_WORDS`].
    entries: Vec<(Typo, TypoPostings)>,
}

/// Postings as `ordinal << 1 | from a synonym`, shared with the memo.
type TypoPostings = std::sync::Arc<[u32]>;

/// How many misspelt words a set remembers the postings of.
const TYPO_MEMO_WORDS: usize = 4;

/// Postings above this many are not remembered (the largest seen over
/// 4,404 keystrokes were 16,469, for "ceft"), so the memo holds at most
/// 4 × 128 kB per set.
const TYPO_MEMO_MAX_POSTINGS: usize = 32_768;

/// The postings (see [`TypoPostings`]) under the index words of `set` that
/// `t` accepts (at most [`MAX_TYPO_WORDS`] words each from its edit distance
/// and from each swap), from the set's memo when the same typo was matched
/// on an earlier keystroke.
#[inline(never)]
fn typo_postings(set: &CodeSet, t: &Typo) -> TypoPostings {
    let same = |m: &Typo| m.lev == t.lev && m.swaps == t.swaps;
    let mut memo = set.typo_memo.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(at) = memo.entries.iter().position(|(m, _)| same(m)) {
        let entry = memo.entries.remove(at);
        let postings = entry.1.clone();
        memo.entries.insert(0, entry);
        return postings;
    }
    let mut postings = Vec::new();
    if let Some(lev) = &t.lev {
        stream_words(set, lev.starts_with(), b"", MAX_TYPO_WORDS, |o, s, _| postings.push(o << 1 | u32::from(s)));
    }
    for swapped in &t.swaps {
        stream_words(set, Str::new(swapped).starts_with(), b"", MAX_TYPO_WORDS, |o, s, _| {
            postings.push(o << 1 | u32::from(s))
        });
    }
    let postings: TypoPostings = postings.into();
    if postings.len() <= TYPO_MEMO_MAX_POSTINGS {
        memo.entries.insert(0, (Typo { bit: 0, lev: t.lev.clone(), swaps: t.swaps.clone() }, postings.clone()));
        memo.entries.truncate(TYPO_MEMO_WORDS);
    }
    postings
}

/// Whether some index word of `set` starts with `w`.
fn knows_prefix(set: &CodeSet, w: &str) -> bool {
    let mut s = set.words().range().ge(w).into_stream();
    s.next().is_some_and(|(k, _)| k.starts_with(w.as_bytes()))
}

#[inline(never)]
fn typo_automata(words: &[String], sets: &[&CodeSet]) -> Vec<Typo> {
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let letters = w.chars().count();
        if letters < 4 || w.bytes().all(|b| b.is_ascii_digit()) || sets.iter().any(|s| knows_prefix(s, w)) {
            continue;
        }
        let matches = |lev: &EditDistance| {
            sets.iter().any(|s| s.words().search(lev.starts_with()).into_stream().next().is_some())
        };
        let b = w.as_bytes();
        let swaps: Vec<String> = b
            .windows(2)
            .enumerate()
            .filter(|(_, pair)| matches!(pair, [x, y] if x != y))
            .filter_map(|(j, _)| {
                let mut t = b.to_vec();
                t.swap(j, j + 1);
                String::from_utf8(t).ok()
            })
            .filter(|t| sets.iter().any(|s| knows_prefix(s, t)))
            .collect();
        let mut lev = EditDistance::new(w, 1).filter(|l| matches(l));
        // Two edits only for a long word that neither one edit nor a swap
        // of two letters ("pnuemonia") explains: a distance-2 search visits
        // every key within two edits of every prefix, and adds mostly noise
        // beside a swap that names a real word.
        if lev.is_none() && swaps.is_empty() && letters >= 8 {
            lev = EditDistance::new(w, 2).filter(|l| matches(l));
        }
        out.push(Typo { bit: 1 << i, lev, swaps });
    }
    out
}

/// An expansion standing in for one or more query words.
pub struct Alt {
    /// Bit i set: covers query word i.
    pub covers: u16,
    pub words: Vec<String>,
}

impl Query {
    /// Looks up every run of up to four consecutive words in the abbreviation list.
    pub fn new(words: Vec<String>, synonyms: Option<&Synonyms>) -> Query {
        let mut alts = Vec::new();
        let mut covered = 0u16;
        if let Some(syn) = synonyms {
            for start in 0..words.len() {
                for len in 1..=4.min(words.len() - start) {
                    let Some(run) = words.get(start..start + len) else { continue };
                    let term = run.join(" ");
                    let covers = (((1u32 << len) - 1) << start) as u16;
                    for exp in syn.expansions(&term) {
                        covered |= covers;
                        alts.push(Alt { covers, words: exp.split(' ').map(str::to_string).collect() });
                    }
                }
            }
        }
        let phrase_bits = alts.iter().filter(|a| a.covers.count_ones() > 1).fold(0, |acc, a| acc | a.covers);
        let full = ((1u32 << words.len()) - 1) as u16;
        let min_loose = (full & !phrase_bits).count_ones();
        Query { words, alts, covered, phrase_bits, min_loose, typos: Vec::new() }
    }

    /// The best match class a code can have for this query: every word
    /// matched exactly or as a prefix, directly, phrases as phrases, and a
    /// misspelt word (one no set knows) only as a typo unless an
    /// abbreviation covers it. ("diabetis ty" then stops once ten codes
    /// have one typo, instead of weighing every diabetes code.)
    fn best_class(&self) -> [u32; 6] {
        [0, (self.misspelt() & !self.covered).count_ones(), 0, 0, self.min_loose, 0]
    }

    /// The bits of the words no set knows, tried as typos.
    fn misspelt(&self) -> u16 {
        self.typos.iter().fold(0u16, |bits, t| bits | t.bit)
    }
}

/// The normalized code a query spells, if it looks like one: letters and
/// digits (dots and inner spaces ignored), 2–8 of them, starting with a
/// letter and a digit, or with a digit and at least 3 long (ICD-10-PCS).
pub fn code_like(q: &str) -> Option<String> {
    let key: String = q.chars().filter(|&c| c != '.' && c != ' ').map(|c| c.to_ascii_uppercase()).collect();
    let b = key.as_bytes();
    if !(2..=8).contains(&b.len()) || !b.iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    // A space inside a code-like query only counts when there is one chunk ("E11 9" is not a code).
    if q.trim().contains(' ') {
        return None;
    }
    let &[b0, b1, ..] = b else { return None };
    let letter_digit = b0.is_ascii_alphabetic() && b1.is_ascii_digit();
    let pcs_like = b0.is_ascii_digit() && b.len() >= 3;
    (letter_digit || pcs_like).then_some(key)
}

/// Lower-case words of the query, split like the index splits descriptions.
pub fn query_words(q: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in q.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        let w = w.to_ascii_lowercase();
        if !out.contains(&w) {
            out.push(w);
        }
        if out.len() == MAX_QUERY_WORDS {
            break;
        }
    }
    out
}

fn eligible(set: &CodeSet, ord: u32, opts: &SearchOptions) -> bool {
    if opts.billable_only {
        set.billable_on(ord, opts.date)
    } else {
        set.exists_on(ord, opts.date)
    }
}

/// [`eligible`] from the set's bits for the date.
fn eligible_on(set: &CodeSet, on: &OnDate, ord: u32, opts: &SearchOptions) -> bool {
    if opts.billable_only {
        on.billable(set, ord)
    } else {
        on.exists(set, ord)
    }
}

/// Codes under the prefix, shortest first, at most `limit` per set.
#[inline(never)]
fn code_candidates(
    set: &CodeSet,
    si: usize,
    code: &str,
    typed: &str,
    opts: &SearchOptions,
    limit: usize,
    out: &mut Vec<Candidate>,
) {
    let filter = Within::new(set, opts);
    // Breadth first through the key fst below the prefix, one level (keys
    // one byte longer) at a time, in key order: a node is decoded when its
    // level is read, and reading stops at the `limit`-th eligible key (a
    // search per length read the levels above again, through an automaton,
    // each time: 2 M instructions for "S7").
    let keys = set.keys().as_fst();
    let mut node = keys.root();
    let mut output = fst::raw::Output::zero();
    for &b in code.as_bytes() {
        let Some(i) = node.find_input(b) else { return };
        let t = node.transition(i);
        output = output.cat(t.out);
        node = keys.node(t.addr);
    }
    let mut found = 0;
    // Weighs the key of `len` bytes ending at a final node; true once
    // `limit` are in.
    let mut take = |ord: u32, len: usize| -> bool {
        if !eligible(set, ord, opts) || !filter.admits(set, ord) {
            return false;
        }
        let exact = len == code.len();
        // Written exactly as the set displays it (G0439 is HCPCS, G04.39 ICD-10-CM).
        let tier = match (exact, set.code(ord) == typed) {
            (true, true) => 0,
            (true, false) => 1,
            _ => 2,
        };
        out.push(Candidate {
            key: (tier, (len - code.len()) as u32, 0, 0, 0, 0, 0, 0, 0, 0, si as u32, ord),
            set: si,
            ord,
            score: if exact { 1.0 } else { 0.99 - 0.01 * (len - code.len()) as f64 },
        });
        found += 1;
        found >= limit
    };
    if node.is_final() && take(output.cat(node.final_output()).value() as u32, code.len()) {
        return;
    }
    // The nodes whose children make the next level.
    let mut parents = vec![(node.addr(), output)];
    for len in code.len() + 1..=8 {
        let mut level = Vec::new();
        for &(addr, output) in &parents {
            for t in keys.node(addr).transitions() {
                let child = keys.node(t.addr);
                let output = output.cat(t.out);
                if child.is_final() && take(output.cat(child.final_output()).value() as u32, len) {
                    return;
                }
                if !child.is_empty() {
                    level.push((t.addr, output));
                }
            }
        }
        parents = level;
    }
}

/// What matched one ordinal, one bit per query word.
#[derive(Clone, Copy, Default, PartialEq, Debug)]
pub(crate) struct Hit {
    /// In the description (prefix or exact).
    desc: u16,
    /// Only in a synonym (inclusion term, includes note).
    syn: u16,
    /// Through an abbreviation or lay term's expansion.
    abbr: u16,
    /// The word itself, exactly (not just as a prefix).
    exact: u16,
    /// Only within an edit distance (a typo).
    typo: u16,
    /// Through a multi-word phrase's expansion.
    phrase: u16,
}

/// Most index words one query word may expand to through typo matching.
const MAX_TYPO_WORDS: usize = 2_000;

/// Collects the ordinals under every index word the automaton accepts,
/// calling `mark(ord, from_synonym, exact_word)`; returns the number of words.
fn stream_words<A: Automaton>(
    set: &CodeSet,
    aut: A,
    exact: &[u8],
    max_words: usize,
    mut mark: impl FnMut(u32, bool, bool),
) -> usize {
    let mut stream = set.words().search(aut).into_stream();
    let mut n = 0;
    while let Some((word, off)) = stream.next() {
        n += 1;
        let is_exact = word == exact;
        for (ord, syn) in set.postings(off) {
            mark(ord, syn, is_exact);
        }
        if n >= max_words {
            break;
        }
    }
    n
}

/// Above this many candidates, walk the codes in rank order and stop at the
/// first `limit` of the best match class instead of ranking them all.
const RANK_WALK_MIN: usize = 1_500;

/// A query word is a *refiner*, checked on each candidate's own words (the
/// forward index) instead of through its posting lists, when those lists
/// name more than this many codes and four times as many as the rarest
/// word's ("with", "right", "fracture" beside "femur"): checking the few
/// candidates the rare word leaves is cheaper than merging the lists.
const REFINER_MIN_VOLUME: u64 = 4_000;

/// ... or more than this many whatever the other words: a one- or
/// two-letter prefix ("e", "fr"), usually the word the coder is still typing.
/// Codes are then read in rank order and the first good ones end the search.
const REFINER_ALWAYS: u64 = 20_000;

/// A query word matched by word-id range (see [`crate::codeset::forward`]).
struct Refiner {
    bit: u16,
    ids: std::ops::Range<u32>,
    exact: Option<u32>,
    /// The query word, for [`Refiner::apply_to_text`].
    word: Box<[u8]>,
}

impl Refiner {
    /// Query word `i`, matched by `ids`, the ids of the index words it
    /// starts. Whether it is matched exactly counts only for a word an
    /// abbreviation covers (see [`Classifier::class`]): a refiner is never a
    /// typo.
    fn new(set: &CodeSet, q: &Query, i: usize, ids: std::ops::Range<u32>) -> Refiner {
        let w = q.words.get(i).map_or(&b""[..], |w| w.as_bytes());
        let exact = if q.covered & (1 << i) != 0 { set.forward().id(set, w) } else { None };
        Refiner { bit: 1 << i, ids, exact, word: w.into() }
    }

    /// Adds this word's bits to `h` when `description` (an entry's own
    /// text) has a match: what [`Refiner::apply`] finds in its word ids,
    /// found by splitting the text as the compiler does (ASCII letters and
    /// digits, lower-cased; anything else separates words).
    fn apply_to_text(&self, description: &[u8], h: &mut Hit) {
        let w = &*self.word;
        for token in description.split(|b| !b.is_ascii_alphanumeric()) {
            if token.get(..w.len()).is_some_and(|start| start.eq_ignore_ascii_case(w)) {
                h.desc |= self.bit;
                if self.exact.is_some() && token.len() == w.len() {
                    h.exact |= self.bit;
                }
            }
        }
    }

    /// Adds this word's bits to `h` when `words` (an entry's ids) has a match.
    fn apply(&self, words: WordIds<'_>, h: &mut Hit) {
        if words.any_in(&self.ids) {
            h.desc |= self.bit;
            // The exact word's id lies in its own prefix range.
            if self.exact.is_some_and(|x| words.contains(x)) {
                h.exact |= self.bit;
            }
        }
    }
}

/// Weighs one candidate code against the query: its match class (see
/// [`word_key`]) and score, after checking the refiners on its own words.
struct Classifier<'a> {
    set: &'a CodeSet,
    on: &'a OnDate,
    opts: &'a SearchOptions,
    filter: &'a Within,
    q: &'a Query,
    /// Where the refiners look, when there are any to check.
    own_words: Option<OwnWords<'a>>,
    refiners: &'a [Refiner],
    refining_alts: &'a [(&'a Alt, Vec<std::ops::Range<u32>>)],
}

/// Where a [`Classifier`] finds a code's own words.
enum OwnWords<'a> {
    /// The forward index: its word ids.
    Ids(&'a Forward),
    /// The description itself, split into words (in this buffer) as the
    /// compiler split it. For the dense walk before the forward index is
    /// built (see [`crate::codeset::forward`]): it reads a few dozen codes,
    /// where building the index costs as much as a million. Refining
    /// expansions are not checked this way: the walk has none.
    Text(std::cell::RefCell<Vec<u8>>),
}

impl Classifier<'_> {
    /// The match class of a code and its score, or None when it is noise or
    /// not eligible. `h` holds what the posting lists marked.
    fn class(&self, ord: u32, mut h: Hit) -> Option<([u32; 6], f64)> {
        // Eligibility first: a bit test, where the refiners search the
        // code's words.
        if !eligible_on(self.set, self.on, ord, self.opts) {
            return None;
        }
        let n = self.q.words.len() as u32;
        let full: u16 = ((1u32 << n) - 1) as u16;
        if let Some(OwnWords::Text(description)) = &self.own_words {
            let mut description = description.borrow_mut();
            self.set.description_into(ord, &mut description);
            for r in self.refiners {
                r.apply_to_text(&description, &mut h);
            }
        }
        if let Some(OwnWords::Ids(forward)) = self.own_words {
            let ids = forward.words_of(self.set, ord);
            for r in self.refiners {
                r.apply(ids, &mut h);
            }
            for (alt, ranges) in self.refining_alts {
                if ranges.iter().all(|r| ids.any_in(r)) {
                    h.abbr |= alt.covers;
                    if alt.covers.count_ones() > 1 {
                        h.phrase |= alt.covers;
                    }
                }
            }
        }
        let any = (h.desc | h.syn | h.abbr) & full;
        let matched = any.count_ones();
        let unmatched = n - matched;
        // Codes matching fewer than half the words are noise.
        if matched == 0 || (unmatched > 0 && n > 1 && matched * 2 < n) {
            return None;
        }
        if !self.filter.admits(self.set, ord) {
            return None;
        }
        // A word that is a known abbreviation ("mi") matched only as the
        // prefix of another word ("mild") is a weak match; other words are
        // prefixes by design.
        let may_be_prefix: u16 = !self.q.covered;
        let direct = h.desc | h.abbr;
        let typo = (h.typo & !h.abbr & any & !(h.exact)).count_ones();
        let weak = (any & !h.exact & !h.abbr & !h.typo & !may_be_prefix).count_ones();
        let syn_only = (any & !direct).count_ones();
        let header = !self.on.billable(self.set, ord) as u32;
        let score = (0.9 * matched as f64 / n as f64)
            - 0.05 * (syn_only + typo) as f64 / n as f64
            - 0.02 * weak as f64 / n as f64
            - 0.02 * header as f64;
        Some(([unmatched, typo, weak, syn_only, loose(any, h.phrase), header], score.max(0.0)))
    }
}

/// A match class and a rank position in one integer that sorts like the
/// pair: each count of the class (at most [`MAX_QUERY_WORDS`] + 1) in 5 bits,
/// the position in the low 32.
fn walk_key(class: [u32; 6], at: u32) -> u64 {
    let class = class.iter().fold(0u64, |key, &c| key << 5 | u64::from(c.min(31)));
    class << 32 | u64::from(at)
}

/// The best `limit` codes read so far in a rank-order walk, best first, by
/// [`walk_key`]: the position is the static order within a class (see
/// [`CodeSet::rank_order`]), so codes may be read in any order.
struct Kept {
    limit: usize,
    keys: Vec<u64>,
}

impl Kept {
    fn new(limit: usize) -> Kept {
        Kept { limit, keys: Vec::with_capacity(limit + 1) }
    }

    /// Takes a code with this key; false when it cannot enter the answer.
    fn offer(&mut self, key: u64) -> bool {
        if self.keys.len() == self.limit && self.keys.last().is_none_or(|&worst| key >= worst) {
            return false;
        }
        let at = self.keys.partition_point(|&k| k <= key);
        self.keys.insert(at, key);
        self.keys.truncate(self.limit);
        true
    }

    /// Whether no code whose key is at least `unread` can enter.
    fn settled(&self, unread: u64) -> bool {
        self.keys.len() == self.limit && self.keys.last().is_some_and(|&worst| worst < unread)
    }

    /// How many codes of class `class` are kept.
    fn count(&self, class: [u32; 6]) -> usize {
        let class = walk_key(class, 0) >> 32;
        self.keys.iter().filter(|&&k| k >> 32 == class).count()
    }
}

/// Codes whose words match the query words.
///
/// Rare words and expansions are *drivers*: their posting lists name the
/// candidates. Common ones are *refiners* (see [`REFINER_MIN_VOLUME`]),
/// checked on each candidate. When every word is common, the codes are read
/// in rank order and the first `limit` of the best class end the search.
fn word_candidates(
    set: &CodeSet,
    si: usize,
    q: &Query,
    opts: &SearchOptions,
    limit: usize,
    trace: &mut Trace,
    out: &mut Vec<Candidate>,
) {
    let words = &q.words;
    let on = set.on_date(opts.date);
    // How many postings the index words each query word starts would
    // merge (the rarest word always drives), and their ids (see
    // [`crate::codeset::forward`]), found only when a word is checked by id:
    // a page's first keystroke needs no ids, and finding them builds the
    // vocabulary.
    let forward = set.forward();
    let volumes: Vec<u64> = words.iter().map(|w| forward.prefix_volume(set, w.as_bytes(), trace.volume_cap)).collect();
    let word_ids = std::cell::OnceCell::new();
    let word_ids = || -> &Vec<std::ops::Range<u32>> {
        word_ids.get_or_init(|| words.iter().map(|w| forward.prefix_range(set, w.as_bytes())).collect())
    };
    let ids_of = |i: usize| word_ids().get(i).cloned().unwrap_or(0..0);
    // Each expansion's words with their volumes and ids, rarest first; an
    // expansion's volume is its rarest word's.
    let alt_words: Vec<Vec<(u64, &String, std::ops::Range<u32>)>> = q
        .alts
        .iter()
        .map(|a| {
            let mut by_volume: Vec<_> = a
                .words
                .iter()
                .map(|e| {
                    let ids = forward.prefix_range(set, e.as_bytes());
                    (forward.volume(set, &ids), e, ids)
                })
                .collect();
            by_volume.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
            by_volume
        })
        .collect();
    let alt_volumes: Vec<u64> = alt_words.iter().map(|w| w.first().map_or(0, |&(v, _, _)| v)).collect();
    // (A word this set does not know at all cannot drive here.)
    let rarest = volumes.iter().chain(&alt_volumes).copied().filter(|&v| v > 0).min().unwrap_or(u64::MAX);
    let too_common = |v: u64| v > REFINER_MIN_VOLUME && (v > REFINER_ALWAYS || v > rarest.saturating_mul(4));
    // Until the set's entries have their words built (see
    // [`crate::codeset::forward`]), a lone word too common to drive ("o",
    // "di": a page's first keystrokes) drives anyway when the dense walk
    // below gives up: merging its lists costs a few milliseconds, building
    // every entry's words tens. The answer is
    // alike: its best class is the codes with the word in their own
    // description either way, thousands of them; the merge only adds codes
    // matched through synonyms, a worse class.
    let lone_word_drives = !forward.has_entries() && words.len() == 1 && q.alts.is_empty();
    let is_refiner = |i: usize| !lone_word_drives && volumes.get(i).is_none_or(|&v| too_common(v));
    if lone_word_drives && volumes.iter().any(|&v| too_common(v)) {
        trace.lone_word_drives += 1;
    }
    // An expansion known here and rare enough names candidates itself.
    let alt_drives = |v: u64| v > 0 && !too_common(v);
    // Expansions as common as "with" (for "w") are checked on candidates too.
    let refining_alts: Vec<(&Alt, Vec<std::ops::Range<u32>>)> = q
        .alts
        .iter()
        .zip(&alt_words)
        .zip(&alt_volumes)
        .filter(|(_, &v)| too_common(v))
        .map(|((a, by_volume), _)| (a, by_volume.iter().map(|(_, _, ids)| ids.clone()).collect()))
        .collect();
    let refiners: Vec<Refiner> =
        (0..words.len()).filter(|&i| is_refiner(i)).map(|i| Refiner::new(set, q, i, ids_of(i))).collect();
    // A word this set does not know at all (no postings here, no typo to
    // try, no expansion known here: "noner" and its "nonemergency" are in
    // HCPCS only) can match no code of this set. It drives nothing, and
    // every code here misses it, so the best class has that many unmatched
    // words; counting it as a driver left the set without candidates
    // ("noner fra" then listed no ICD-10-CM code at all).
    let misspelt = q.misspelt();
    let expanded = q.alts.iter().zip(&alt_volumes).filter(|&(_, &v)| v > 0).fold(0u16, |bits, (a, _)| bits | a.covers);
    let unknown: u16 = volumes
        .iter()
        .enumerate()
        .filter(|&(i, &v)| v == 0 && (expanded | misspelt) & (1 << i) == 0)
        .fold(0, |bits, (i, _)| bits | 1 << i);
    let n = words.len() as u32;
    let possible = n - unknown.count_ones();
    if possible == 0 || (unknown != 0 && n > 1 && possible * 2 < n) {
        return; // every code here would be noise (see `Classifier::class`)
    }
    let drives = |i: usize| !is_refiner(i) && unknown & (1 << i) == 0;
    let has_drivers = (0..words.len()).any(drives) || alt_volumes.iter().any(|&v| alt_drives(v));
    let filter = Within::new(set, opts);
    // How many postings the words that drive would merge.
    let driven: u64 = (0..words.len()).filter(|&i| drives(i)).filter_map(|i| volumes.get(i)).sum();

    // Plain words (no expansion, no typo, all known here) whose matches are
    // dense in rank order ("co", "di": a fifth of the codes each) find the
    // first `limit` codes of the best class within a few dozen codes read in
    // rank order, each checked for every word on its own words, where
    // merging their posting lists marks ~20,000 codes. When that walk stops
    // early its answer is the postings path's: a code of the best class
    // matches every word in its own description, which the forward index
    // holds, and the codes it cannot see (matched only through synonyms)
    // are of a worse class. Else the postings path runs, the walk having
    // cost at most a share of what it costs. The walk reads each code's
    // words from the forward index, or from its description until the
    // index is built (see [`crate::codeset::forward`]): a page's first
    // keystrokes ("o", "di") are answered without building it.
    if trace.dense_walk
        && has_drivers
        && q.alts.is_empty()
        && q.typos.is_empty()
        && unknown == 0
        && driven >= RANK_WALK_MIN as u64
    {
        // Reading descriptions, a refiner needs no word ids (its word has
        // no expansion, so it never asks for the exact word's either).
        let by_ids = forward.has_entries();
        let ids = |i: usize| if by_ids { ids_of(i) } else { 0..0 };
        let every_word: Vec<Refiner> = (0..words.len()).map(|i| Refiner::new(set, q, i, ids(i))).collect();
        let (own_words, share) = match by_ids {
            true => (OwnWords::Ids(forward), SPECULATION_SHARE),
            false => (OwnWords::Text(Default::default()), SPECULATION_SHARE_TEXT),
        };
        let classifier = Classifier {
            set,
            on: &on,
            opts,
            filter: &filter,
            q,
            own_words: Some(own_words),
            refiners: &every_word,
            refining_alts: &[],
        };
        // Reading descriptions, the walk stays within the rank order's head
        // the compiler wrote down, so the first keystroke sorts nothing.
        let most = if by_ids { usize::MAX } else { TEXT_WALK_MOST };
        let budget = ((driven / share) as usize).min(most);
        if let Some(found) = dense_walk(&classifier, si, q.best_class(), limit, budget) {
            trace.dense_walks += 1;
            keep_best(found, limit, out);
            return;
        }
    }

    // The postings path, in a function of its own: a page's first keystrokes
    // are answered by the walk above, and a browser compiles each wasm
    // function on its first call.
    out_of_line(|| {
        // Reuse the set's scratch array (all zero between searches) when it is free.
        let mut guard = set.scratch.try_lock().ok();
        let mut own = Vec::new();
        let hits: &mut Vec<Hit> = match guard.as_deref_mut() {
            Some(v) => v,
            None => &mut own,
        };
        if hits.len() != set.len() {
            *hits = vec![Hit::default(); set.len()];
        }
        // Room for every posting that drives, so marking never reallocates.
        let alts_driven: u64 = alt_volumes.iter().filter(|&&v| alt_drives(v)).sum();
        let mut touched: Vec<u32> = Vec::with_capacity((driven + alts_driven) as usize);
        for (i, w) in words.iter().enumerate() {
            if is_refiner(i) {
                continue;
            }
            let bit = 1u16 << i;
            let mut mark = |ord: u32, syn: bool, exact: bool, typo: bool| {
                let Some(h) = hits.get_mut(ord as usize) else { return };
                if h.desc | h.syn | h.abbr == 0 {
                    touched.push(ord);
                }
                if syn {
                    h.syn |= bit;
                } else {
                    h.desc |= bit;
                }
                if exact {
                    h.exact |= bit;
                }
                if typo {
                    h.typo |= bit;
                }
            };
            let found =
                stream_words(set, Str::new(w).starts_with(), w.as_bytes(), usize::MAX, |o, s, e| mark(o, s, e, false));
            // A word no code set knows may be misspelt (see [`Typo`]).
            if found == 0 {
                if let Some(t) = q.typos.iter().find(|t| t.bit == bit) {
                    for &p in typo_postings(set, t).iter() {
                        mark(p >> 1, p & 1 == 1, false, true);
                    }
                }
            }
        }
        // Abbreviations and lay terms: codes with every word of the expansion.
        // The expansion's rarest word names the candidates; the others are
        // checked on each candidate's own words.
        for ((alt, by_volume), _) in q.alts.iter().zip(&alt_words).zip(&alt_volumes).filter(|(_, &v)| alt_drives(v)) {
            let Some(((volume, first, _), rest)) = by_volume.split_first() else { continue };
            let checks: Vec<&std::ops::Range<u32>> = rest.iter().map(|(_, _, ids)| ids).collect();
            let mut ords = Vec::with_capacity(*volume as usize);
            stream_words(set, Str::new(first).starts_with(), b"", usize::MAX, |o, _, _| ords.push(o));
            ords.sort_unstable();
            ords.dedup();
            for ord in ords {
                if !checks.is_empty() && !checks.iter().all(|r| forward.words_of(set, ord).any_in(r)) {
                    continue;
                }
                let Some(h) = hits.get_mut(ord as usize) else { continue };
                if h.desc | h.syn | h.abbr == 0 {
                    touched.push(ord);
                }
                h.abbr |= alt.covers;
                if alt.covers.count_ones() > 1 {
                    h.phrase |= alt.covers;
                }
            }
        }

        let classifier = Classifier {
            set,
            on: &on,
            opts,
            filter: &filter,
            q,
            // Many queries have no refiner.
            own_words: (!refiners.is_empty() || !refining_alts.is_empty()).then_some(OwnWords::Ids(forward)),
            refiners: &refiners,
            refining_alts: &refining_alts,
        };
        let candidate = |ord: u32, class: [u32; 6], score: f64| Candidate {
            key: word_key(set, si, ord, class),
            set: si,
            ord,
            score,
        };

        let mut local: Vec<Candidate> = Vec::new();
        if !has_drivers || (trace.rank_walk && touched.len() >= RANK_WALK_MIN) {
            trace.rank_walks += 1;
            // Read the codes in rank order, the static order within a class:
            // a code whose class is no better than the `limit`-th best class met
            // so far can never enter the answer, and once those are all of the
            // best class possible, nothing unread can. Without drivers every
            // code is a candidate.
            // Every code here misses the unknown words: that many more unmatched,
            // and (a bound, so the least it can be) that many fewer loose words.
            let mut best_possible = q.best_class();
            best_possible[0] += unknown.count_ones();
            best_possible[4] = best_possible[4].saturating_sub(unknown.count_ones());
            // A word an abbreviation covers ("nec") matched only as a prefix
            // ("neck") is weak. When those words and their expansions all drive,
            // the codes that can match them strongly (exactly, through the
            // expansion, or as a typo) are known now and read first; after
            // them, nothing unread can beat one weak word, however few strong
            // codes there were ("femur nec" stops after ten "femur … neck"
            // codes instead of weighing every femur and neck code).
            // (A code missing a word that drives is unmatched, no better either.)
            let driving: u16 = (0..words.len()).filter(|&i| drives(i)).fold(0, |bits, i| bits | 1 << i);
            let strong =
                |h: &Hit| q.covered & !(h.exact | h.abbr | h.typo) == 0 && driving & !(h.desc | h.syn | h.abbr) == 0;
            let weak_bound = (q.covered != 0 && has_drivers && refining_alts.is_empty() && q.covered & !driving == 0)
                .then(|| {
                    let mut bound = best_possible;
                    bound[2] = bound[2].max(1);
                    bound
                });
            // A code missing a word that drives (one no common expansion can
            // still match on its own words) has one more unmatched word than the
            // best, and so (a bound) one fewer loose word. Such codes are read
            // after the others: when fewer than `limit` codes have every word
            // ("type 2 diabetes with hy" has 5), the rest of the answer is the
            // first codes missing one, not a read of every touched code.
            let refined_by_alts = refining_alts.iter().fold(0u16, |bits, (a, _)| bits | a.covers);
            let needed = driving & !refined_by_alts;
            let complete = |h: &Hit| needed & !(h.desc | h.syn | h.abbr) == 0;
            // Every touched code is complete when each word and expansion that
            // drove marks all the needed words itself ("nec" and its expansions).
            let all_complete = (0..words.len()).filter(|&i| drives(i)).all(|i| needed & !(1 << i) == 0)
                && q.alts
                    .iter()
                    .zip(&alt_volumes)
                    .filter(|&(_, &v)| alt_drives(v))
                    .all(|(a, _)| needed & !a.covers == 0);
            let incomplete_bound = walk_key([best_possible[0] + 1, 0, 0, 0, best_possible[4].saturating_sub(1), 0], 0);
            let mut kept = Kept::new(limit);
            // Weighs the code at rank position `at`.
            let weigh = |ord: u32, at: u32, kept: &mut Kept, local: &mut Vec<Candidate>| {
                let h = hits.get(ord as usize).copied().unwrap_or_default();
                if let Some((class, score)) = classifier.class(ord, h) {
                    if kept.offer(walk_key(class, at)) {
                        local.push(candidate(ord, class, score));
                    }
                }
            };
            let order = set.rank_order();
            if has_drivers {
                // Only the touched codes are candidates: mark their places in
                // rank order and read the marks back (a bit each, skipping 64
                // unmarked places at a time), so the cost follows the touched
                // codes rather than the whole set. Three passes, each in rank
                // order, by the best class their codes can have: complete codes
                // that can match every abbreviation strongly ("mi" through
                // "myocardial infarction"), the other complete codes (one weak
                // word at best: "mild"), then the incomplete ones.
                let pass_of = |h: &Hit| match () {
                    _ if !all_complete && !complete(h) => 2,
                    _ if weak_bound.is_some() && !strong(h) => 1,
                    _ => 0,
                };
                let words_per_pass = set.len().div_ceil(64);
                let mut marks = vec![0u64; 3 * words_per_pass];
                for &ord in &touched {
                    let pass = hits.get(ord as usize).map_or(2, pass_of);
                    if let Some(at) = set.rank_position(ord) {
                        if let Some(w) = marks.get_mut(pass * words_per_pass + at as usize / 64) {
                            *w |= 1 << (at % 64);
                        }
                    }
                }
                // The least key of an unread code of each pass, from where it
                // starts; within the pass being read, also after `at`.
                let weak_key = weak_bound.map_or(u64::MAX, |weak| walk_key(weak, 0));
                let best_key = walk_key(best_possible, 0);
                'walk: for (pass, marks) in marks.chunks(words_per_pass).enumerate() {
                    let (own, later) = match pass {
                        0 => (best_key, weak_key.min(incomplete_bound)),
                        1 => (weak_key, incomplete_bound),
                        _ => (incomplete_bound, u64::MAX),
                    };
                    for (i, &word) in marks.iter().enumerate() {
                        let mut word = word;
                        while word != 0 {
                            let at = (i * 64) as u32 + word.trailing_zeros();
                            word &= word - 1;
                            let Some(&ord) = order.get(at as usize) else { continue };
                            weigh(ord, at, &mut kept, &mut local);
                            if kept.settled((own | u64::from(at + 1)).min(later)) {
                                break 'walk;
                            }
                        }
                    }
                }
            } else {
                for (at, &ord) in (0u32..).zip(order) {
                    weigh(ord, at, &mut kept, &mut local);
                    if kept.settled(walk_key(best_possible, at + 1)) {
                        break;
                    }
                }
            }
        } else {
            local.extend(touched.iter().filter_map(|&ord| {
                let (class, score) = classifier.class(ord, hits.get(ord as usize).copied().unwrap_or_default())?;
                Some(candidate(ord, class, score))
            }));
        }
        for &ord in &touched {
            if let Some(h) = hits.get_mut(ord as usize) {
                *h = Hit::default();
            }
        }
        keep_best(local, limit, out);
    })
}

/// Runs `f` as a function of its own (never inlined into the caller):
/// code that only some calls reach is then compiled by the browser only
/// when one does.
#[inline(never)]
fn out_of_line<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Adds the best `limit` of `local` to `out`.
fn keep_best(mut local: Vec<Candidate>, limit: usize, out: &mut Vec<Candidate>) {
    if local.len() > limit {
        local.select_nth_unstable_by(limit - 1, |a, b| a.key.cmp(&b.key));
        local.truncate(limit);
    }
    out.extend(local);
}

/// The share of the driving words' posting volume that [`dense_walk`] may
/// read in codes before giving up: a code read costs about what a few
/// postings merged do.
const SPECULATION_SHARE: u64 = 4;

/// The same when [`dense_walk`] reads descriptions (see [`OwnWords::Text`]):
/// decoding one from its front-coded block and splitting it costs about what
/// 150 postings merged do (1.5 µs natively). The walks that stop early read
/// 12 to 400 codes; this many lets a walk that will not stop cost no more
/// than the merge it precedes.
const SPECULATION_SHARE_TEXT: u64 = 128;

/// How far a query word's volume is summed from the word fst before the
/// vocabulary is built ([`crate::codeset::forward::Forward::prefix_volume`]).
/// Above [`REFINER_ALWAYS`] a word is too common to drive whatever the
/// others (and a lone word drives regardless), so every choice comes out
/// as with exact volumes but two bounds on work: the dense walk's budget,
/// then at most half of [`TEXT_WALK_MOST`], still above the ~400 codes the
/// walks that stop early read, and the room reserved for a lone word's
/// postings should the walk give up (the list then grows as it fills). A one-letter first keystroke
/// streams a few dozen words of the fst instead of all its 300 to 1,200.
const VOLUME_CAP: u64 = TEXT_WALK_MOST as u64 / 2 * SPECULATION_SHARE_TEXT;
const _: () = assert!(VOLUME_CAP > REFINER_ALWAYS, "the choices need exact volumes up to REFINER_ALWAYS");

/// The most codes [`dense_walk`] reads from descriptions: the rank order's
/// head the embedded sets ship (`RANK_HEAD` in `medcode-codegen`). The walks
/// that stop early read at most ~400.
const TEXT_WALK_MOST: usize = 1024;

/// Reads the set's codes in rank order, weighing each on its own words,
/// and returns the candidates once the first `limit` of class `best` are
/// found; None when `budget` codes are read first.
fn dense_walk(
    classifier: &Classifier<'_>,
    si: usize,
    best: [u32; 6],
    limit: usize,
    budget: usize,
) -> Option<Vec<Candidate>> {
    let set = classifier.set;
    let mut kept = Kept::new(limit);
    let mut local = Vec::new();
    for (read, &ord) in set.rank_order_head(budget).iter().enumerate() {
        let at = read as u32;
        if let Some((class, score)) = classifier.class(ord, Hit::default()) {
            if kept.offer(walk_key(class, at)) {
                local.push(Candidate { key: word_key(set, si, ord, class), set: si, ord, score });
            }
        }
        if kept.settled(walk_key(best, at + 1)) {
            return Some(local);
        }
        // Give up as soon as the codes of the best class found so far say
        // that `limit` of them lie beyond the budget.
        if read % PROJECT_EVERY == PROJECT_EVERY - 1 {
            let found = kept.count(best);
            if (read + 1) * limit > budget * found {
                return None;
            }
        }
    }
    None
}

/// How often (in codes read) [`dense_walk`] checks that it is on course.
const PROJECT_EVERY: usize = 128;

/// The sort key of a word match: its match class (unmatched words, typos,
/// weak words, synonym-only words, loose words, header on the date), then the
/// static order within a class. The postings path and the rank-order scan
/// both build it here, so the scan's early stop stays exact.
fn word_key(set: &CodeSet, si: usize, ord: u32, class: [u32; 6]) -> SortKey {
    let [unmatched, typo, weak, syn_only, loose, header] = class;
    (
        3,
        unmatched,
        typo,
        weak,
        syn_only,
        loose,
        header,
        si as u32,
        set.prior(ord),
        set.word_count(ord),
        set.key_len(ord),
        set.rank(ord),
    )
}

/// The match class inside a word key (see [`word_key`]).
fn word_class(key: &SortKey) -> [u32; 6] {
    [key.1, key.2, key.3, key.4, key.5, key.6]
}

/// Query words matched other than through a multi-word phrase ("broken hip",
/// "high blood pressure"): a code that matches the phrase's meaning beats one
/// that matches its words one by one.
fn loose(any: u16, phrase: u16) -> u32 {
    (any & !phrase).count_ones()
}

/// The `within` filter (a code prefix, a block such as `E08-E13`, or a
/// chapter number), normalized once per query and set.
struct Within {
    key: Option<String>,
    node: Option<u32>,
}

impl Within {
    fn new(set: &CodeSet, opts: &SearchOptions) -> Within {
        let key: Option<String> = opts
            .within
            .as_deref()
            .map(|w| w.trim().chars().filter(|&c| c != '.').map(|c| c.to_ascii_uppercase()).collect())
            .filter(|k: &String| !k.is_empty());
        let node = key.as_deref().and_then(|k| set.ordinal(k));
        Within { key, node }
    }

    fn admits(&self, set: &CodeSet, ord: u32) -> bool {
        let Some(key) = self.key.as_deref() else { return true };
        let code = set.code(ord);
        let mut dotless = code.bytes().filter(|&b| b != b'.');
        if key.bytes().all(|k| dotless.next() == Some(k)) {
            return true;
        }
        self.node.is_some_and(|anc| set.ancestors(ord).contains(&anc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MedCode;

    fn synonyms() -> Synonyms {
        Synonyms::open(crate::format::Bytes::from_static(crate::embedded::synonyms()), "the embedded synonym list")
            .expect("embedded synonyms")
    }

    fn answers(r: &SearchResults) -> Vec<(&'static str, String, bool, u64)> {
        r.results.iter().map(|x| (x.system, x.code.clone(), x.billable, x.score.to_bits())).collect()
    }

    /// Every keystroke of `queries`.
    fn keystrokes(queries: &[&str]) -> Vec<String> {
        queries.iter().flat_map(|q| (1..=q.len()).map(|i| q[..i].to_string())).collect()
    }

    /// Runs every query under four option sets (the benchmark's, all
    /// systems, HCPCS, ICD-10-CM `within` chapter S) twice, taking the
    /// paths `fast` allows and then those `slow` allows; asserts the answers
    /// agree and returns how many more searches the fast ones answered by
    /// each walk.
    fn same_answers(queries: &[String], fast: Trace, slow: Trace) -> Trace {
        let mc = MedCode::embedded().unwrap();
        let synonyms = synonyms();
        let mut took = Trace { dense_walks: 0, rank_walks: 0, ..fast };
        for opts in &option_sets() {
            let sets = searched(&mc, opts);
            for q in queries {
                let mut a = Trace { dense_walks: 0, rank_walks: 0, ..fast };
                let quick = search_traced(&sets, Some(&synonyms), q, opts, &mut a);
                let mut b = Trace { dense_walks: 0, rank_walks: 0, ..slow };
                let plain = search_traced(&sets, Some(&synonyms), q, opts, &mut b);
                assert_eq!(answers(&quick), answers(&plain), "{q:?} with {opts:?}");
                took.dense_walks += a.dense_walks.saturating_sub(b.dense_walks);
                took.rank_walks += a.rank_walks.saturating_sub(b.rank_walks);
            }
        }
        took
    }

    /// The benchmark's options, all systems, HCPCS, ICD-10-CM `within` chapter S.
    fn option_sets() -> [SearchOptions; 4] {
        let date = Date::parse_opt("2026-11-28").unwrap();
        let icd =
            SearchOptions { limit: 10, billable_only: true, system: Some(System::Icd10Cm), ..SearchOptions::on(date) };
        let all = SearchOptions { limit: 20, ..SearchOptions::on(date) };
        let hcpcs = SearchOptions { limit: 10, system: Some(System::Hcpcs), ..SearchOptions::on(date) };
        let inside = SearchOptions { within: Some("S".into()), ..icd.clone() };
        [icd, all, hcpcs, inside]
    }

    /// The sets `MedCode::search` searches under `opts`.
    fn searched<'a>(mc: &'a MedCode, opts: &SearchOptions) -> Vec<&'a CodeSet> {
        let wanted = |s: &&CodeSet| opts.system.map_or(s.system != System::PlaceOfService, |sys| s.system == sys);
        mc.sets().iter().filter(wanted).collect()
    }

    #[test]
    fn a_lone_common_word_answers_alike_before_and_after_the_entries_words_are_built() {
        // The letters a page's first keystroke may be, and the first three
        // keystrokes of words a coder starts with.
        let mut typed: Vec<String> = ('a'..='z').map(String::from).collect();
        let words = ["otitis", "diabetes", "fracture", "contusion", "pain", "sepsis", "malignant", "wheelchair"];
        typed.extend(keystrokes(&words).into_iter().filter(|q| q.len() <= 3));
        let prepared = MedCode::embedded().unwrap();
        prepared.prepare();
        let mut fresh = MedCode::embedded().unwrap();
        // The same with every volume summed in full (no VOLUME_CAP).
        let mut fresh_exact = MedCode::embedded().unwrap();
        let exact = Trace { volume_cap: u64::MAX, ..Trace::default() };
        let synonyms = synonyms();
        let (mut lone, mut walked, mut walked_exact, mut built_by) = (0, 0, 0, Vec::new());
        for opts in &option_sets() {
            for q in &typed {
                let mut trace = Trace::default();
                let lazy = search_traced(&searched(&fresh, opts), Some(&synonyms), q, opts, &mut trace);
                lone += trace.lone_word_drives;
                walked += trace.dense_walks;
                let mut trace = exact;
                let lazy_exact = search_traced(&searched(&fresh_exact, opts), Some(&synonyms), q, opts, &mut trace);
                walked_exact += trace.dense_walks;
                let built = search_traced(&searched(&prepared, opts), Some(&synonyms), q, opts, &mut Trace::default());
                assert_eq!(answers(&lazy), answers(&built), "{q:?} with {opts:?}");
                assert_eq!(answers(&lazy_exact), answers(&built), "{q:?} with {opts:?}, exact volumes");
                // A word with expansions ("w": "with") checks them on the
                // entries' words; start the next query afresh.
                if fresh.sets().iter().any(|s| s.forward().has_entries()) {
                    built_by.push(q.clone());
                    fresh = MedCode::embedded().unwrap();
                    fresh_exact = MedCode::embedded().unwrap();
                }
            }
        }
        // Capping the volumes cost no search its dense walk (a cap of
        // REFINER_ALWAYS + 1 would have cost 6 of them).
        assert_eq!(walked, walked_exact, "dense walks with capped and with exact volumes");
        assert!(
            built_by.len() * 10 < typed.len() * option_sets().len(),
            "these built the entries' words: {built_by:?}"
        );
        assert!(lone >= 30, "a lone word drove in {lone} searches");
        // Reading descriptions in rank order ("o", "di", "fr").
        assert!(walked >= 30, "the dense walk answered {walked} searches before the index was built");
    }

    #[test]
    fn a_description_split_as_the_compiler_splits_it_gives_the_entrys_own_words() {
        // The dense walk reads descriptions before the forward index is
        // built (`OwnWords::Text`) and must see the words the index holds.
        let mc = MedCode::embedded().unwrap();
        for set in mc.sets() {
            let mut index_words = Vec::new();
            let mut stream = set.words().stream();
            while let Some((word, _)) = stream.next() {
                index_words.push(word.to_vec());
            }
            let forward = set.forward();
            for ord in 0..set.len() as u32 {
                let description = set.description(ord);
                let mut split: Vec<Vec<u8>> = description
                    .as_bytes()
                    .split(|b| !b.is_ascii_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .map(|w| w.to_ascii_lowercase())
                    .collect();
                split.sort();
                split.dedup();
                let own: Vec<Vec<u8>> = forward
                    .words_of(set, ord)
                    .to_vec()
                    .iter()
                    .filter_map(|&id| index_words.get(id as usize).cloned())
                    .collect();
                assert!(split == own, "{} {}: {description:?}", set.system, set.code(ord));
                // And a refiner finds its word as in the ids.
                for (i, word) in split.iter().chain(&own).take(3).enumerate() {
                    let prefix = word.get(..word.len().min(i + 1)).unwrap_or(word);
                    let q = Query::new(vec![String::from_utf8_lossy(prefix).into_owned()], None);
                    let refiner = Refiner::new(set, &q, 0, forward.prefix_range(set, prefix));
                    let (mut by_ids, mut by_text) = (Hit::default(), Hit::default());
                    refiner.apply(forward.words_of(set, ord), &mut by_ids);
                    refiner.apply_to_text(description.as_bytes(), &mut by_text);
                    assert!(by_ids == by_text && by_ids.desc == 1, "{:?} in {}", q.words, set.code(ord));
                }
            }
        }
    }

    #[test]
    fn the_walk_over_descriptions_stays_within_the_shipped_rank_head() {
        // Beyond it the first keystroke would sort every entry after all.
        assert_eq!(TEXT_WALK_MOST, medcode_codegen::compile::RANK_HEAD);
    }

    #[test]
    fn the_dense_walk_answers_as_the_postings_path_does() {
        let typed = keystrokes(&["contusion of knee", "dislocation", "malignant", "pain in", "se", "wheelchair", "ac"]);
        let took = same_answers(&typed, Trace::default(), Trace { dense_walk: false, ..Trace::default() });
        // "co", "di", "ma", "pa", "se", "ac" in ICD-10-CM at least.
        assert!(took.dense_walks >= 6, "the dense walk answered {} searches", took.dense_walks);
    }

    #[test]
    fn the_rank_walk_stops_early_on_the_answer_weighing_every_candidate_gives() {
        // Weak abbreviations ("nec", "mi"), fewer complete codes than the
        // limit ("type 2 diabetes with hy", "diab 2 k"), refiners
        // ("fracture of ne"), typos ("diabetis ty"), expansions ("copd exac").
        let mut typed =
            keystrokes(&["femur nec", "type 2 diabetes with hy", "diab 2 kid", "fracture of neck", "mi old"]);
        typed.extend(
            ["diabetis ty", "copd exac", "fx femur", "wheelchair cushion", "chest pain on breathing", "chf ac"]
                .map(String::from),
        );
        let walk = Trace { dense_walk: false, ..Trace::default() };
        let took = same_answers(&typed, walk, Trace { rank_walk: false, ..walk });
        assert!(took.rank_walks >= 20, "the rank walk with drivers answered {} searches", took.rank_walks);
    }

    #[test]
    fn a_code_prefix_lists_the_shortest_eligible_codes_under_it_in_key_order() {
        let mc = MedCode::embedded().unwrap();
        let date = Date::parse_opt("2026-11-28").unwrap();
        for billable_only in [false, true] {
            let opts = SearchOptions { limit: 12, billable_only, ..SearchOptions::on(date) };
            for set in mc.sets() {
                for prefix in ["S7", "S72", "E11", "E116", "I2", "G04", "A04", "J44", "Z9", "0DT"] {
                    let mut got = Vec::new();
                    code_candidates(set, 0, prefix, prefix, &opts, opts.limit, &mut got);
                    let got: Vec<u32> = got.iter().map(|c| c.ord).collect();
                    // Every key under the prefix, shortest first, then in key order.
                    let mut all: Vec<(usize, Vec<u8>, u32)> = Vec::new();
                    let mut stream = set.keys().search(Str::new(prefix).starts_with()).into_stream();
                    while let Some((k, v)) = stream.next() {
                        if eligible(set, v as u32, &opts) {
                            all.push((k.len(), k.to_vec(), v as u32));
                        }
                    }
                    all.sort();
                    let want: Vec<u32> = all.iter().take(opts.limit).map(|&(_, _, ord)| ord).collect();
                    assert_eq!(got, want, "{prefix} in {:?}, billable only {billable_only}", set.system);
                }
            }
        }
    }

    #[test]
    fn a_misspelt_word_remembered_from_the_last_keystroke_finds_what_it_found_fresh() {
        let mc = MedCode::embedded().unwrap();
        let synonyms = synonyms();
        let opts = SearchOptions { limit: 20, ..SearchOptions::on(Date::parse_opt("2026-11-28").unwrap()) };
        let sets: Vec<&CodeSet> = mc.sets().iter().filter(|s| s.system != System::PlaceOfService).collect();
        let forget = || sets.iter().for_each(|s| s.typo_memo.lock().unwrap().entries.clear());
        let remembered = |s: &CodeSet| s.typo_memo.lock().unwrap().entries.first().map(|(_, p)| p.clone());
        let icd = mc.set(System::Icd10Cm).unwrap();
        let mut last: Option<TypoPostings> = None;
        for q in keystrokes(&["diabetis type 2", "hypertention", "pnuemonia viral", "siezure disord", "wheelchiar"]) {
            let warm = search(&sets, Some(&synonyms), &q, &opts);
            let now = remembered(icd);
            // Later keystrokes of one misspelt word reuse its postings.
            if q.starts_with("diabetis ") {
                assert!(matches!((&last, &now), (Some(a), Some(b)) if std::sync::Arc::ptr_eq(a, b)), "{q:?}");
            }
            forget();
            let fresh = search(&sets, Some(&synonyms), &q, &opts);
            assert_eq!(answers(&warm), answers(&fresh), "{q:?}");
            last = remembered(icd);
        }
    }
}
