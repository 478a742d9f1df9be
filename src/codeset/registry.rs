//! [`MedCode`]: the embedded code sets and the packs loaded at run time
//! behind one search/get/info/scrub API.

use serde::Serialize;

use super::record::{record, Record};
use super::{CodeSet, System};
use crate::date::Date;
use crate::error::Result;
use crate::format::Bytes;
use crate::lookup::{self, SearchOptions, SearchResult, SearchResults, Synonyms};
use crate::pack::{PackData, PackInfo, PackKind};
use crate::scrub::tables::Tables;

/// The code sets of one medcode instance.
pub struct MedCode {
    sets: Vec<CodeSet>,
    synonyms: Option<Synonyms>,
    tables: std::sync::OnceLock<Tables>,
    /// Loaded packs in load order; a CPT pack's code set is in `sets`.
    packs: Vec<(PackInfo, Option<PackData>)>,
}

/// One code set as `info` reports it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetInfo {
    pub system: &'static str,
    pub edition: String,
    pub source: String,
    /// Every entry the set holds: chapters, blocks, headers and codes, current and historical.
    pub entries: usize,
    /// Codes billable (valid) on the date asked about.
    pub billable: usize,
    pub valid_from: Date,
    pub valid_to: Date,
    /// Bytes of the compiled blob.
    pub bytes: usize,
    /// The pack it came from, for a loaded pack (an NCCI or MUE pack is listed
    /// with its edit rows as `entries` and those in effect on the date as `billable`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pack: Option<PackInfo>,
}

/// The hierarchy of a code ([`MedCode::tree`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Tree {
    pub system: &'static str,
    pub code: String,
    /// Chapter → block → category → … → the code itself.
    pub path: Vec<super::record::CodeRef>,
    /// Children in effect on the date.
    pub children: Vec<super::record::CodeRef>,
}

/// Options of [`MedCode::get`].
#[derive(Clone, Debug)]
pub struct GetOptions {
    pub system: Option<System>,
    pub date: Date,
}

impl MedCode {
    /// Opens the code sets embedded in this build, checking each blob's
    /// structure once (their sums are checked by the test suite: see
    /// `Blob::open_embedded`).
    pub fn embedded() -> Result<MedCode> {
        let mut sets = Vec::new();
        for (name, bytes) in crate::embedded::blobs() {
            sets.push(CodeSet::open_embedded(bytes, &format!("the embedded {name} code set"))?);
        }
        let synonyms = Some(Synonyms::open_embedded(crate::embedded::synonyms(), "the embedded synonym list")?);
        Ok(MedCode { sets, synonyms, tables: std::sync::OnceLock::new(), packs: Vec::new() })
    }

    /// Loads a pack built by `medcode pack build` (see [`crate::pack`]): a CPT
    /// pack makes `system: "cpt"` searchable and lets the scrubber judge
    /// CPT-format codes; NCCI PTP and MUE packs add their edits to the scrub.
    /// A second CPT pack replaces the first; NCCI and MUE packs add up (for
    /// a pair or code that several list, the last loaded decides). Loading the
    /// same bytes again changes nothing. The bytes are checked, never trusted:
    /// a bad pack is a `PACK-CORRUPT`, `PACK-VERSION` or `PACK-KIND` error.
    pub fn load_pack(&mut self, bytes: Vec<u8>) -> Result<PackInfo> {
        self.load_pack_as(bytes, "(bytes)")
    }

    /// [`MedCode::load_pack`] with the name the pack is reported under (its file name).
    pub fn load_pack_as(&mut self, bytes: Vec<u8>, name: &str) -> Result<PackInfo> {
        let pack = crate::pack::open(Bytes::from_vec(bytes), name)?;
        if let Some((info, _)) =
            self.packs.iter().find(|(i, _)| i.kind == pack.info.kind && i.checksum == pack.info.checksum)
        {
            return Ok(info.clone());
        }
        let info = pack.info.clone();
        match pack.data {
            PackData::Cpt(set) => {
                self.sets.retain(|s| s.system != System::Cpt);
                self.packs.retain(|(i, _)| i.kind != PackKind::Cpt);
                self.sets.push(*set);
                self.packs.push((pack.info, None));
            }
            data => {
                if let Some(t) = self.tables.get_mut() {
                    t.add_pack(&data);
                }
                self.packs.push((pack.info, Some(data)));
            }
        }
        Ok(info)
    }

    /// The loaded packs, in load order.
    pub fn packs(&self) -> Vec<PackInfo> {
        self.packs.iter().map(|(i, _)| i.clone()).collect()
    }

    /// The opened sets, embedded first.
    pub fn sets(&self) -> &[CodeSet] {
        &self.sets
    }

    /// The scrubber's lookup tables, read from the sets on first use.
    pub fn tables(&self) -> &Tables {
        self.tables.get_or_init(|| {
            let mut t = Tables::read(&self.sets);
            for data in self.packs.iter().filter_map(|(_, d)| d.as_ref()) {
                t.add_pack(data);
            }
            t
        })
    }

    /// The set of `system`, if present.
    pub fn set(&self, system: System) -> Option<&CodeSet> {
        self.sets.iter().find(|s| s.system == system)
    }

    /// Builds now what search otherwise builds on first use (the rank order
    /// and the forward word index of every set: tens of milliseconds), so
    /// no keystroke pays for it: the first keystroke builds only what it
    /// needs, and the first query that checks words on codes' own words
    /// would build the index. Calling it again costs nothing. Pages use
    /// [`MedCode::prepare_step`] instead, which does the same in short steps.
    pub fn prepare(&self) {
        while !self.prepare_step(u64::MAX) {}
    }

    /// One step of [`MedCode::prepare`]: one set's rank order, or about
    /// `postings` postings (whole posting lists) of one set's forward word
    /// index. Returns whether everything is built. Pages call it while idle,
    /// a few steps per task, so that no task holds the main thread for long
    /// (in Node, steps of 20,000 postings took 0.1–0.3 ms each, 12–16 ms
    /// in all, the longest being ICD-10-CM's rank order at a few
    /// milliseconds); a search meanwhile finishes whatever it needs at once.
    pub fn prepare_step(&self, postings: u64) -> bool {
        for set in &self.sets {
            if !set.rank_order_is_built() {
                set.build_rank_order();
                return false;
            }
            if !set.forward().prepare_step(set, postings) {
                return false;
            }
        }
        true
    }

    /// Queries that exercise every path of search, drawn from the data (see
    /// [`lookup::warm_up`]); pages type them while idle after loading so
    /// the engine's code is optimized before a person types.
    pub fn warm_up_queries(&self, system: Option<System>) -> Vec<String> {
        let sets: Vec<&CodeSet> = self.sets.iter().filter(|s| system.is_none_or(|sys| s.system == sys)).collect();
        lookup::warm_up_queries(&sets, self.synonyms.as_ref())
    }

    /// Searches one system, or every searchable one (not place of service) when none is given.
    pub fn search(&self, query: &str, opts: &SearchOptions) -> SearchResults {
        let sets: Vec<&CodeSet> = match opts.system {
            Some(sys) => self.sets.iter().filter(|s| s.system == sys).collect(),
            None => self.sets.iter().filter(|s| s.system != System::PlaceOfService).collect(),
        };
        let mut res = lookup::search(&sets, self.synonyms.as_ref(), query, opts);
        if res.results.is_empty() {
            if let Some(key) = lookup::code_like(query.trim()) {
                // A dotted code is ICD-10-CM's.
                let dotted = query.contains('.');
                let sets: Vec<&CodeSet> = sets.into_iter().filter(|s| !dotted || s.system == System::Icd10Cm).collect();
                res.did_you_mean = self.did_you_mean(&sets, &key, opts);
            }
        }
        res
    }

    /// For a code not in effect on the date: its replacement (conversion
    /// table), its billable children if it became a header, or valid codes
    /// one or two edits away.
    #[inline(never)]
    fn did_you_mean(&self, sets: &[&CodeSet], key: &str, opts: &SearchOptions) -> Vec<SearchResult> {
        let mut out: Vec<(&CodeSet, u32)> = Vec::new();
        for set in sets {
            if let Some(o) = set.ordinal(key) {
                for (new, _) in self.tables().conversions.get(key).into_iter().flatten() {
                    if let Some(n) = set.ordinal(new) {
                        if set.exists_on(n, opts.date) {
                            out.push((set, n));
                        }
                    }
                }
                if out.is_empty() {
                    out.extend(set.children(o).filter(|&c| set.exists_on(c, opts.date)).map(|c| (*set, c)));
                }
            }
        }
        if out.is_empty() {
            // Two neighbouring characters swapped (G0349 for G0439) first.
            let b = key.as_bytes();
            for i in 0..b.len().saturating_sub(1) {
                let mut t = b.to_vec();
                t.swap(i, i + 1);
                let Ok(t) = String::from_utf8(t) else { continue };
                for set in sets {
                    if let Some(o) = set.ordinal(&t).filter(|&o| set.billable_on(o, opts.date)) {
                        out.push((*set, o));
                    }
                }
            }
        }
        if out.is_empty() {
            for set in sets {
                for dist in 1..=2u8 {
                    let Some(lev) = crate::lookup::edit_distance::EditDistance::new(key, dist) else { break };
                    use fst::{IntoStreamer, Streamer};
                    let mut stream = set.keys().search(lev).into_stream();
                    let mut found = false;
                    while let Some((_, v)) = stream.next() {
                        if set.billable_on(v as u32, opts.date) {
                            out.push((*set, v as u32));
                            found = true;
                        }
                    }
                    if found {
                        break;
                    }
                }
            }
        }
        out.truncate(opts.limit.clamp(1, 10));
        out.iter()
            .map(|&(set, o)| SearchResult {
                system: set.system.name(),
                code: set.code(o).to_string(),
                display: set.description(o),
                billable: set.billable_on(o, opts.date),
                score: 0.5,
            })
            .collect()
    }

    /// The full record of a code (any form: dotted, dotless, any case), or
    /// `None` when no set (or not the given one) knows it.
    pub fn get(&self, code: &str, opts: &GetOptions) -> Option<Record> {
        let key: String = code.trim().chars().filter(|&c| c != '.').map(|c| c.to_ascii_uppercase()).collect();
        if key.is_empty() || key.len() > 16 {
            return None;
        }
        let typed = code.trim().to_ascii_uppercase();
        let found: Vec<(&CodeSet, u32)> = self
            .sets
            .iter()
            .filter(|s| opts.system.is_none_or(|sys| s.system == sys))
            .filter_map(|s| s.ordinal(&key).map(|o| (s, o)))
            .collect();
        // G0439 is HCPCS; G04.39 (dotless G0439) ICD-10-CM: the form written decides.
        let best = found.iter().find(|(s, o)| s.code(*o) == typed.as_str()).or(found.first());
        best.map(|&(s, o)| record(s, o, opts.date))
    }

    /// The hierarchy around a code: its path from the chapter down and its
    /// children in effect on the date.
    pub fn tree(&self, code: &str, opts: &GetOptions) -> Option<Tree> {
        let rec = self.get(code, opts)?;
        let mut path = rec.ancestors.clone();
        path.push(super::record::CodeRef {
            code: rec.code.clone(),
            display: rec.display.clone(),
            kind: rec.kind,
            billable: rec.billable,
        });
        Some(Tree { system: rec.system, code: rec.code, path, children: rec.children })
    }

    /// The 7th-character builder: the complete codes for a code that needs a
    /// 7th character (placeholders added), with meanings, valid on the date.
    pub fn seventh(&self, code: &str, opts: &GetOptions) -> Option<Vec<super::record::Seventh>> {
        let rec = self.get(code, opts)?;
        Some(rec.seventh_characters)
    }

    /// One entry per set: edition, source, counts on `date`; then one per
    /// loaded NCCI or MUE pack (a CPT pack is the `cpt` set, with its `pack`).
    pub fn info(&self, date: Date) -> Vec<SetInfo> {
        let pack_of = |kind: PackKind| self.packs.iter().find(|(i, _)| i.kind == kind).map(|(i, _)| i.clone());
        let mut out: Vec<SetInfo> = self
            .sets
            .iter()
            .map(|s| SetInfo {
                system: s.system.name(),
                edition: s.edition.clone(),
                source: s.source.clone(),
                entries: s.len(),
                billable: s.billable_count(date),
                valid_from: s.valid_from,
                valid_to: s.valid_to,
                bytes: s.blob().len(),
                pack: if s.system == System::Cpt { pack_of(PackKind::Cpt) } else { None },
            })
            .collect();
        for (info, data) in &self.packs {
            let in_effect = match data {
                Some(PackData::Ptp(t)) => t.count_on(date),
                Some(PackData::Mue(t)) => t.count_on(date),
                _ => continue,
            };
            let source: Vec<String> = info.sources.iter().map(|s| format!("{} ({} rows)", s.file, s.rows)).collect();
            out.push(SetInfo {
                system: info.kind.name(),
                edition: info.edition.clone(),
                source: source.join(", "),
                entries: info.entries,
                billable: in_effect,
                valid_from: info.valid_from,
                valid_to: info.valid_to,
                bytes: info.bytes,
                pack: Some(info.clone()),
            });
        }
        out
    }
}
