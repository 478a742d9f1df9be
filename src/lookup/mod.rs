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

use fst::automaton::{Automaton, Str};
use fst::{IntoStreamer, Streamer};

use crate::codeset::{CodeSet, System};
use crate::date::Date;

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
}

/// A candidate before it is turned into a result: `key` orders candidates
/// across code sets (lower first).
struct Candidate {
    key: (u8, u32, u32, u32, u32, u32, u32, u32),

    set: usize,
    ord: u32,
    score: f64,
}

/// Runs a query over `sets` (already filtered to the wanted systems).
pub fn search(sets: &[&CodeSet], query: &str, opts: &SearchOptions) -> SearchResults {
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
    // A query that is a code and finds codes is answered by codes alone; one
    // that only looks like a code ("b12") falls back to words.
    let words = if cands.is_empty() { query_words(q) } else { Vec::new() };
    if !words.is_empty() {
        for (si, set) in sets.iter().enumerate() {
            word_candidates(set, si, &words, opts, limit, &mut cands);
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
    SearchResults { query: query.to_string(), results }
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
            if !eligible(set, ord, opts) {
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
                key: (tier, (len - code.len()) as u32, 0, 0, 0, 0, si as u32, ord),
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

const DESC_SHIFT: u32 = 0;
const SYN_SHIFT: u32 = 16;
const EXACT_SHIFT: u32 = 32;

/// Codes whose words match the query words.
fn word_candidates(
    set: &CodeSet,
    si: usize,
    words: &[String],
    opts: &SearchOptions,
    limit: usize,
    out: &mut Vec<Candidate>,
) {
    // Per ordinal: bit i (desc), 16+i (synonym), 32+i (exact word).
    let mut masks = vec![0u64; set.len()];
    let mut touched: Vec<u32> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let aut = Str::new(w).starts_with();
        let mut stream = set.words().search(aut).into_stream();
        while let Some((word, off)) = stream.next() {
            let exact = word == w.as_bytes();
            for (ord, syn) in set.postings(off) {
                let Some(m) = masks.get_mut(ord as usize) else { continue };
                if *m == 0 {
                    touched.push(ord);
                }
                *m |= 1 << (i as u32 + if syn { SYN_SHIFT } else { DESC_SHIFT });
                if exact {
                    *m |= 1 << (i as u32 + EXACT_SHIFT);
                }
            }
        }
    }
    let n = words.len() as u32;
    let full = (1u64 << n) - 1;
    // The last word is still being typed: a prefix match of it is no worse than an exact one.
    let complete_words = full >> 1;
    let mut local: Vec<Candidate> = Vec::new();
    for ord in touched {
        let m = masks[ord as usize];
        let desc = (m >> DESC_SHIFT) & full;
        let any = desc | ((m >> SYN_SHIFT) & full);
        let matched = any.count_ones();
        let unmatched = n - matched;
        // Codes matching fewer than all words only fill up a short list.
        if unmatched > 0 && n > 1 && matched * 2 < n {
            continue;
        }
        if !eligible(set, ord, opts) {
            continue;
        }
        let syn_only = (any & !desc).count_ones();
        let inexact = (complete_words & !(m >> EXACT_SHIFT)).count_ones();
        let header = !set.billable_on(ord, opts.date) as u32;
        let score = 0.9 * matched as f64 / n as f64 - 0.05 * syn_only as f64 / n as f64 - 0.02 * header as f64;
        local.push(Candidate {
            key: (3, unmatched, syn_only, header, inexact, key_len(set.code(ord)), si as u32, set.rank(ord)),
            set: si,
            ord,
            score: score.max(0.0),
        });
    }
    if local.len() > limit {
        local.select_nth_unstable_by(limit - 1, |a, b| a.key.cmp(&b.key));
        local.truncate(limit);
    }
    out.extend(local);
}
