//! Typeahead search: normalize → tokenize → candidates from fst streams →
//! rank.
//!
//! Two kinds of match feed one ranking:
//!
//! - **codes**: a query that looks like a code (`E11.6`, `e116`, `I21.`,
//!   `G04`, `0DT`) is a prefix of the normalized code; shorter codes come
//!   first, so the exact code leads, then its children.
//! - **words**: every query word is a prefix of a word of the description or
//!   of a synonym (inclusion terms and includes notes), in any order.
//!
//! Ranking, most important first: exact code; codes by prefix (shorter
//! first); then words: fewer unmatched query words, words matched in the
//! description over synonyms, exact words over prefixes, billable on the
//! date before headers, the static rank of the code (billable, shorter,
//! code order). Ties cannot happen: the ordinal breaks them, so results are
//! deterministic.

use fst::automaton::{Automaton, Levenshtein, Str};
use fst::{IntoStreamer, Streamer};

use crate::codeset::{CodeSet, System};
use crate::date::Date;

pub mod synonyms;
pub use synonyms::Synonyms;

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
    pub score: f64,
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

/// A candidate before it is turned into a result: `key` orders candidates
/// across code sets (lower first).
struct Candidate {
    key: (u8, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32),
    set: usize,
    ord: u32,
    score: f64,
}

/// Runs a query over `sets` (already filtered to the wanted systems).
pub fn search(sets: &[&CodeSet], synonyms: Option<&Synonyms>, query: &str, opts: &SearchOptions) -> SearchResults {
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
        let query = Query::new(words, synonyms);
        for (si, set) in sets.iter().enumerate() {
            word_candidates(set, si, &query, opts, limit, &mut cands);
        }
    }
    cands.sort_by(|a, b| a.key.cmp(&b.key).then(a.set.cmp(&b.set)).then(a.ord.cmp(&b.ord)));
    let mut seen = std::collections::HashSet::new();
    let mut results = Vec::with_capacity(limit);
    for c in cands {
        if results.len() == limit {
            break;
        }
        if !seen.insert((c.set, c.ord)) {
            continue;
        }
        let set = sets[c.set];
        results.push(SearchResult {
            system: set.system.name(),
            code: set.code(c.ord).to_string(),
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
                    let term = words[start..start + len].join(" ");
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
        Query { words, alts, covered, phrase_bits, min_loose }
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
    let letter_digit = b[0].is_ascii_alphabetic() && b[1].is_ascii_digit();
    let pcs_like = b[0].is_ascii_digit() && b.len() >= 3;
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

/// Length of a code without its dot.
fn key_len(code: &str) -> u32 {
    code.bytes().filter(|&b| b != b'.').count() as u32
}

/// Keys that start with `prefix` and are exactly `len` bytes long.
struct PrefixOfLen<'a> {
    prefix: &'a [u8],
    len: usize,
}

impl Automaton for PrefixOfLen<'_> {
    type State = Option<usize>;

    fn start(&self) -> Option<usize> {
        Some(0)
    }

    fn is_match(&self, s: &Option<usize>) -> bool {
        *s == Some(self.len)
    }

    fn can_match(&self, s: &Option<usize>) -> bool {
        s.is_some()
    }

    fn accept(&self, s: &Option<usize>, byte: u8) -> Option<usize> {
        let i = (*s)?;
        if i >= self.len {
            return None;
        }
        match self.prefix.get(i) {
            Some(&p) if p != byte => None,
            _ => Some(i + 1),
        }
    }
}

fn eligible(set: &CodeSet, ord: u32, opts: &SearchOptions) -> bool {
    if opts.billable_only {
        set.billable_on(ord, opts.date)
    } else {
        set.exists_on(ord, opts.date)
    }
}

/// Codes under the prefix, shortest first, at most `limit` per set.
fn code_candidates(
    set: &CodeSet,
    si: usize,
    code: &str,
    typed: &str,
    opts: &SearchOptions,
    limit: usize,
    out: &mut Vec<Candidate>,
) {
    let mut found = 0;
    for len in code.len()..=8 {
        let aut = PrefixOfLen { prefix: code.as_bytes(), len };
        let mut stream = set.keys().search(aut).into_stream();
        while let Some((_, v)) = stream.next() {
            let ord = v as u32;
            if !eligible(set, ord, opts) || !within(set, ord, opts) {
                continue;
            }
            let exact = len == code.len();
            // Written exactly as the set displays it (G0439 is HCPCS, G04.39 ICD-10-CM).
            let tier = match (exact, set.code(ord) == typed) {
                (true, true) => 0,
                (true, false) => 1,
                _ => 2,
            };
            out.push(Candidate {
                key: (tier, (len - code.len()) as u32, 0, 0, 0, 0, 0, 0, 0, si as u32, ord),
                set: si,
                ord,
                score: if exact { 1.0 } else { 0.99 - 0.01 * (len - code.len()) as f64 },
            });
            found += 1;
            if found >= limit {
                return;
            }
        }
    }
}

/// What matched one ordinal, one bit per query word.
#[derive(Clone, Copy, Default)]
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

/// Most codes a rank-order scan of descriptions reads before giving up.
const MAX_SCAN: usize = 1_000;

/// Above this many candidates, walk the codes in rank order and stop at the
/// first `limit` of the best match class instead of ranking them all.
const RANK_WALK_MIN: usize = 1_500;

/// Codes whose words match the query words.
fn word_candidates(set: &CodeSet, si: usize, q: &Query, opts: &SearchOptions, limit: usize, out: &mut Vec<Candidate>) {
    // A one- or two-letter word matches half the vocabulary: reading the
    // best-ranked descriptions finds the answer before the postings could be merged.
    if q.words.iter().any(|w| w.len() <= 2) && scan_candidates(set, si, q, opts, limit, out) {
        return;
    }
    let words = &q.words;
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
    let mut touched: Vec<u32> = Vec::new();
    for (i, w) in words.iter().enumerate() {
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
        // A word nothing starts with may be misspelt: allow 1 edit (4+ letters) or 2 (8+).
        let letters = w.chars().count();
        if found == 0 && letters >= 4 && !w.bytes().all(|b| b.is_ascii_digit()) {
            let distance = if letters >= 8 { 2 } else { 1 };
            if let Ok(lev) = Levenshtein::new(w, distance) {
                stream_words(set, lev.starts_with(), b"", MAX_TYPO_WORDS, |o, s, _| mark(o, s, false, true));
            }
            // Two neighbouring letters swapped ("siezure") is one slip, not two edits.
            let b = w.as_bytes();
            for i in 0..b.len() - 1 {
                if b[i] == b[i + 1] {
                    continue;
                }
                let mut t = b.to_vec();
                t.swap(i, i + 1);
                if let Ok(t) = String::from_utf8(t) {
                    stream_words(set, Str::new(&t).starts_with(), b"", MAX_TYPO_WORDS, |o, s, _| {
                        mark(o, s, false, true)
                    });
                }
            }
        }
    }
    // Abbreviations and lay terms: codes with every word of the expansion.
    for alt in &q.alts {
        let mut common: Option<Vec<u32>> = None;
        for e in &alt.words {
            let mut ords = Vec::new();
            stream_words(set, Str::new(e).starts_with(), b"", usize::MAX, |o, _, _| ords.push(o));
            ords.sort_unstable();
            ords.dedup();
            common = Some(match common {
                None => ords,
                Some(c) => c.into_iter().filter(|o| ords.binary_search(o).is_ok()).collect(),
            });
        }
        for ord in common.unwrap_or_default() {
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

    let n = words.len() as u32;
    let full: u16 = ((1u32 << n) - 1) as u16;
    // A word that is a known abbreviation ("mi") matched only as the prefix
    // of another word ("mild") is a weak match; other words are prefixes by design.
    let may_be_prefix: u16 = !q.covered;
    let evaluate = |ord: u32, h: Hit| -> Option<Candidate> {
        let any = (h.desc | h.syn | h.abbr) & full;
        let matched = any.count_ones();
        let unmatched = n - matched;
        // Codes matching fewer than half the words are noise.
        if unmatched > 0 && n > 1 && matched * 2 < n {
            return None;
        }
        if !eligible(set, ord, opts) || !within(set, ord, opts) {
            return None;
        }
        let direct = h.desc | h.abbr;
        let typo = (h.typo & !h.abbr & any & !(h.exact)).count_ones();
        let weak = (any & !h.exact & !h.abbr & !h.typo & !may_be_prefix).count_ones();
        let syn_only = (any & !direct).count_ones();
        let header = !set.billable_on(ord, opts.date) as u32;
        let score = (0.9 * matched as f64 / n as f64)
            - 0.05 * (syn_only + typo) as f64 / n as f64
            - 0.02 * weak as f64 / n as f64
            - 0.02 * header as f64;
        Some(Candidate {
            key: word_key(set, si, ord, [unmatched, typo, weak, syn_only, loose(any, h.phrase), header]),
            set: si,
            ord,
            score: score.max(0.0),
        })
    };
    let best_class = |c: &Candidate| {
        c.key.1 == 0 && c.key.2 == 0 && c.key.3 == 0 && c.key.4 == 0 && c.key.5 == q.min_loose && c.key.6 == 0
    };
    let mut local: Vec<Candidate> = Vec::new();
    if touched.len() >= RANK_WALK_MIN {
        // Many candidates: the rank order is the final order within the best
        // class, so the first `limit` best-class codes met are the answer.
        for &ord in set.rank_order() {
            let h = hits[ord as usize];
            if h.desc | h.syn | h.abbr == 0 {
                continue;
            }
            if let Some(c) = evaluate(ord, h).filter(|c| best_class(c)) {
                local.push(c);
                if local.len() == limit {
                    break;
                }
            }
        }
        if local.len() < limit {
            local.clear();
        }
    }
    if local.is_empty() {
        local.extend(touched.iter().filter_map(|&ord| evaluate(ord, hits[ord as usize])));
    }
    for &ord in &touched {
        hits[ord as usize] = Hit::default();
    }
    if local.len() > limit {
        local.select_nth_unstable_by(limit - 1, |a, b| a.key.cmp(&b.key));
        local.truncate(limit);
    }
    out.extend(local);
}

/// The top `limit` codes of the best match class (every word in the
/// description, no typo, billable on the date), found by reading codes in
/// rank order, the order of the final sort within that class, so the first
/// `limit` found are the answer. Returns false (adding nothing) when it
/// cannot find them within [`MAX_SCAN`] codes.
fn scan_candidates(
    set: &CodeSet,
    si: usize,
    q: &Query,
    opts: &SearchOptions,
    limit: usize,
    out: &mut Vec<Candidate>,
) -> bool {
    let n = q.words.len() as u32;
    let full: u16 = ((1u32 << n) - 1) as u16;
    let mut found: Vec<Candidate> = Vec::with_capacity(limit);
    let mut desc = Vec::new();
    for &ord in set.rank_order().iter().take(MAX_SCAN) {
        if !set.billable_on(ord, opts.date) || !within(set, ord, opts) {
            continue;
        }
        set.description_into(ord, &mut desc);
        desc.make_ascii_lowercase();
        let words: Vec<&str> = desc
            .split(|c| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .filter_map(|w| std::str::from_utf8(w).ok())
            .collect();
        let (mut direct, mut exact, mut abbr, mut phrase) = (0u16, 0u16, 0u16, 0u16);
        for (i, w) in q.words.iter().enumerate() {
            for d in &words {
                if d.starts_with(w.as_str()) {
                    direct |= 1 << i;
                    if d.len() == w.len() {
                        exact |= 1 << i;
                    }
                }
            }
        }
        for alt in &q.alts {
            if alt.words.iter().all(|e| words.iter().any(|d| d.starts_with(e.as_str()))) {
                abbr |= alt.covers;
                if alt.covers.count_ones() > 1 {
                    phrase |= alt.covers;
                }
            }
        }
        let any = (direct | abbr) & full;
        // Weak: an abbreviation's word matched only as another word's prefix.
        let weak = any & !exact & !abbr & q.covered;
        if any != full || weak != 0 || loose(any, phrase) != q.min_loose {
            continue;
        }
        found.push(Candidate {
            key: word_key(set, si, ord, [0, 0, 0, 0, loose(any, phrase), 0]),
            set: si,
            ord,
            score: 0.9,
        });
        if found.len() == limit {
            out.extend(found);
            return true;
        }
    }
    false
}

/// The sort key of a word match: its match class (unmatched words, typos,
/// weak words, synonym-only words, loose words, header on the date), then the
/// static order within a class. The postings path and the rank-order scan
/// both build it here, so the scan's early stop stays exact.
fn word_key(
    set: &CodeSet,
    si: usize,
    ord: u32,
    class: [u32; 6],
) -> (u8, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32) {
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
        set.word_count(ord),
        key_len(set.code(ord)),
        set.rank(ord),
    )
}

/// Query words matched other than through a multi-word phrase ("broken hip",
/// "high blood pressure"): a code that matches the phrase's meaning beats one
/// that matches its words one by one.
fn loose(any: u16, phrase: u16) -> u32 {
    (any & !phrase).count_ones()
}

/// Whether the entry is inside the `within` filter (a code prefix, a block
/// such as `E08-E13`, or a chapter number).
fn within(set: &CodeSet, ord: u32, opts: &SearchOptions) -> bool {
    let Some(w) = opts.within.as_deref() else { return true };
    let key: String = w.trim().chars().filter(|&c| c != '.').map(|c| c.to_ascii_uppercase()).collect();
    if key.is_empty() {
        return true;
    }
    let code: String = set.code(ord).chars().filter(|&c| c != '.').collect();
    if code.starts_with(&key) {
        return true;
    }
    match set.ordinal(&key) {
        Some(anc) => set.ancestors(ord).contains(&anc),
        None => false,
    }
}
