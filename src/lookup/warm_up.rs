//! Queries that walk every path of [`super::search`]: codes typed with and
//! without their dot, words in and out of order, abbreviations, a misspelt
//! word. They are drawn from the data itself, at fixed strides through each
//! code set, never from a benchmark's or a test's queries.
//!
//! Why: a browser runs wasm first with its baseline compiler and optimizes
//! a function only after it has run for a while (V8's dynamic tiering). A
//! page types these queries, keystroke by keystroke, in idle time after
//! loading (the JS `warmUp()`), so the search code is optimized before a
//! person types. Measured in `bench/`: without it, the first pass over the
//! benchmark's keystrokes has a p99 two to three times the second's.

use super::{query_words, Synonyms};
use crate::codeset::{CodeSet, System};

/// How many entries of each code set the queries are drawn from.
const SAMPLES: usize = 4;
/// How many abbreviations and lay terms are typed.
const TERMS: usize = 6;

/// The warm-up queries for these sets (whole queries; the caller types each
/// prefix). Deterministic; a few dozen queries.
pub fn warm_up_queries(sets: &[&CodeSet], synonyms: Option<&Synonyms>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    // A word from each sampled description, to type after an abbreviation.
    let mut second_words: Vec<String> = Vec::new();
    let mut push = |q: String| {
        if !q.trim().is_empty() && !out.contains(&q) {
            out.push(q);
        }
    };
    for set in sets.iter().filter(|s| s.system != System::PlaceOfService) {
        let len = set.len();
        if len == 0 {
            continue;
        }
        for i in 0..SAMPLES {
            // Strides through the middle of each quarter, so no end of the set is favoured.
            let ord = ((2 * i + 1) * len / (2 * SAMPLES)) as u32;
            // As printed (`E11.9`), then as typed in a hurry (`e119`).
            let code = set.code(ord);
            push(code.to_string());
            push(code.chars().filter(|&c| c != '.').collect::<String>().to_ascii_lowercase());
            let words: Vec<String> = query_words(&set.description(ord)).into_iter().filter(|w| w.len() >= 3).collect();
            let Some(last) = words.last() else { continue };
            second_words.push(last.clone());
            push(words.iter().take(3).cloned().collect::<Vec<_>>().join(" "));
            if let [a, b, ..] = words.as_slice() {
                push(format!("{b} {a}"));
            }
            if let Some(typo) = words.iter().filter(|w| w.len() >= 6).max_by_key(|w| w.len()).map(|w| misspell(w)) {
                push(typo);
            }
        }
    }
    if let Some(synonyms) = synonyms {
        let terms = synonyms.terms();
        let step = (terms.len() / TERMS).max(1);
        for (i, term) in terms.iter().step_by(step).take(TERMS).enumerate() {
            // The term alone is typed on the way; the word after it makes the query a multi-word one.
            match second_words.get(i % second_words.len().max(1)) {
                Some(word) => push(format!("{term} {word}")),
                None => push(term.clone()),
            }
        }
    }
    out
}

/// The word with its third and fourth letters swapped: a typo search
/// forgives ("diabetes" → "diaebtes").
fn misspell(word: &str) -> String {
    let mut b = word.as_bytes().to_vec();
    if b.len() >= 4 {
        b.swap(2, 3);
    }
    String::from_utf8(b).unwrap_or_else(|_| word.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lookup::code_like;
    use crate::MedCode;

    #[test]
    fn warm_up_queries_cover_codes_words_typos_and_abbreviations_of_every_set() {
        let mc = MedCode::embedded().unwrap();
        let date = crate::Date::parse_opt("2026-04-01").unwrap();
        let terms =
            Synonyms::open(crate::format::Bytes::from_static(crate::embedded::synonyms()), "the embedded synonym list")
                .unwrap()
                .terms();
        let all = mc.warm_up_queries(None);
        let systems: Vec<System> =
            mc.sets().iter().map(|s| s.system).filter(|&s| s != System::PlaceOfService).collect();
        assert!(systems.contains(&System::Icd10Cm) && systems.contains(&System::Hcpcs), "{systems:?}");
        for system in systems {
            let qs = mc.warm_up_queries(Some(system));
            let codes: Vec<&String> = qs.iter().filter(|q| code_like(q).is_some()).collect();
            assert!(codes.len() >= 2 * SAMPLES, "{system:?}: codes {qs:?}");
            assert!(codes.iter().all(|q| all.contains(q)), "{system:?}: the corpus for every system holds its codes");
            let opts = crate::SearchOptions { system: Some(system), ..crate::SearchOptions::on(date) };
            let get = crate::GetOptions { system: Some(system), date };
            let mut words = 0;
            let mut typos = 0;
            for q in
                qs.iter().filter(|q| code_like(q).is_none() && !terms.iter().any(|t| q.starts_with(&format!("{t} "))))
            {
                let Some(top) = mc.search(q, &opts).results.into_iter().next() else { continue };
                words += 1;
                // A word of the query that no word of the top hit starts with was forgiven as a typo.
                let text = mc.get(&top.code, &get).unwrap().display.to_ascii_lowercase();
                let found = query_words(&text);
                if query_words(q).iter().any(|w| !found.iter().any(|f| f.starts_with(w.as_str()))) {
                    typos += 1;
                }
            }
            assert!(words >= SAMPLES, "{system:?}: word queries that find codes {qs:?}");
            assert!(typos >= 1, "{system:?}: a misspelt word that still finds its code {qs:?}");
        }
        let starts_with_term = |q: &&String| terms.iter().any(|t| q.starts_with(&format!("{t} ")));
        assert!(all.iter().filter(starts_with_term).count() >= TERMS, "abbreviations in {all:?}");
        assert_eq!(all, mc.warm_up_queries(None), "deterministic");
    }

    /// The warm-up must not type what the benchmark or the relevance suite
    /// measure, or it would answer them from a warm cache rather than warm code.
    #[test]
    fn warm_up_queries_share_no_query_with_the_benchmark_or_the_relevance_suite() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut measured: Vec<String> = Vec::new();
        let bench: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(root.join("bench/queries.json")).unwrap()).unwrap();
        for list in ["queries", "warmup"] {
            measured.extend(bench[list].as_array().unwrap().iter().map(|q| q.as_str().unwrap().to_string()));
        }
        measured.extend(bench["obvious"].as_array().unwrap().iter().map(|o| o["q"].as_str().unwrap().to_string()));
        for file in std::fs::read_dir(root.join("tests/relevance")).unwrap() {
            let path = file.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                let cases: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                measured.extend(
                    cases.as_array().into_iter().flatten().filter_map(|c| c["query"].as_str()).map(String::from),
                );
            }
        }
        assert!(measured.len() > 100, "read the measured queries: {}", measured.len());
        let normal = |q: &str| query_words(q).join(" ");
        let measured: Vec<String> = measured.iter().map(|q| normal(q)).collect();
        let mc = MedCode::embedded().unwrap();
        for q in mc.warm_up_queries(None) {
            assert!(!measured.contains(&normal(&q)), "{q:?} is a measured query");
        }
    }
}
