//! Typeahead search and the code look-ups, with fuzzed options.
//!
//! Input layout (so seeds stay readable): byte 0 picks the system (low 3
//! bits: 0 none, 1 icd10cm, 2 hcpcs, 3 icd10pcs, 4 pos, 5 cpt, 6–7 none) and
//! flags (0x08 billable only, 0x10 with the fixture packs loaded, 0x20 the
//! text holds `WITHIN\nQUERY`); byte 1 the limit (255: 100 000); bytes 2–3
//! the date, days since 1970 (u16 LE; `0xFFFF` and beyond are the open end);
//! the rest is the query, decoded lossily (the CLI and JS pass text).
#![no_main]

use libfuzzer_sys::fuzz_target;
use medcode::{Date, GetOptions, SearchOptions, System};
use medcode_fuzz::{mc, mc_with_packs};

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let flags = data[0];
    let system = match flags & 7 {
        1 => Some(System::Icd10Cm),
        2 => Some(System::Hcpcs),
        3 => Some(System::Icd10Pcs),
        4 => Some(System::PlaceOfService),
        5 => Some(System::Cpt),
        _ => None,
    };
    let limit = if data[1] == 255 { 100_000 } else { data[1] as usize };
    let date = Date::from_days(u16::from_le_bytes([data[2], data[3]]) as i32);
    let text = String::from_utf8_lossy(&data[4..]);
    let (within, query) = match text.split_once('\n') {
        Some((w, q)) if flags & 0x20 != 0 => (Some(w.to_string()), q),
        _ => (None, &*text),
    };
    let mc = if flags & 0x10 != 0 { mc_with_packs() } else { mc() };
    let opts = SearchOptions { system, limit, date, billable_only: flags & 0x08 != 0, within };
    let res = mc.search(query, &opts);
    assert!(res.results.len() <= limit.clamp(1, medcode::lookup::MAX_LIMIT));
    serde_json::to_string(&res).expect("results serialize");
    let g = GetOptions { system, date };
    if let Some(rec) = mc.get(query, &g) {
        serde_json::to_string(&rec).expect("a record serializes");
    }
    let _ = mc.tree(query, &g);
    let _ = mc.seventh(query, &g);
    // What the page does next: the record of every hit.
    for hit in res.results.iter().take(3) {
        let sys = System::parse(hit.system).ok();
        assert!(mc.get(&hit.code, &GetOptions { system: sys, date }).is_some(), "hit {} has no record", hit.code);
    }
});
