//! [`MedCode`]: the embedded code sets (and, later, loaded packs) behind one
//! search/get/info API.

use serde::Serialize;

use super::record::{record, Record};
use super::{CodeSet, System};
use crate::date::Date;
use crate::error::Result;
use crate::format::Bytes;
use crate::lookup::{self, SearchOptions, SearchResults};
use crate::scrub::tables::Tables;

/// The code sets of one medcode instance.
pub struct MedCode {
    sets: Vec<CodeSet>,
    tables: std::sync::OnceLock<Tables>,
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
}

/// Options of [`MedCode::get`].
#[derive(Clone, Debug)]
pub struct GetOptions {
    pub system: Option<System>,
    pub date: Date,
}

impl MedCode {
    /// Opens the code sets embedded in this build, checking each blob once.
    pub fn embedded() -> Result<MedCode> {
        let mut sets = Vec::new();
        for (name, bytes) in crate::embedded::blobs() {
            sets.push(CodeSet::open(Bytes::from_static(bytes), &format!("the embedded {name} code set"))?);
        }
        Ok(MedCode { sets, tables: std::sync::OnceLock::new() })
    }

    /// The opened sets, embedded first.
    pub fn sets(&self) -> &[CodeSet] {
        &self.sets
    }

    /// The scrubber's lookup tables, read from the sets on first use.
    pub fn tables(&self) -> &Tables {
        self.tables.get_or_init(|| Tables::read(&self.sets))
    }

    /// The set of `system`, if present.
    pub fn set(&self, system: System) -> Option<&CodeSet> {
        self.sets.iter().find(|s| s.system == system)
    }

    /// Searches one system, or every searchable one (not place of service) when none is given.
    pub fn search(&self, query: &str, opts: &SearchOptions) -> SearchResults {
        let sets: Vec<&CodeSet> = match opts.system {
            Some(sys) => self.sets.iter().filter(|s| s.system == sys).collect(),
            None => self.sets.iter().filter(|s| s.system != System::PlaceOfService).collect(),
        };
        lookup::search(&sets, query, opts)
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
        let best = found.iter().find(|(s, o)| s.code(*o) == typed).or(found.first());
        best.map(|&(s, o)| record(s, o, opts.date))
    }

    /// One entry per set: edition, source, counts on `date`.
    pub fn info(&self, date: Date) -> Vec<SetInfo> {
        self.sets
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
            })
            .collect()
    }
}
