//! # medcode
//!
//! The US medical code sets — ICD-10-CM, HCPCS Level II, ICD-10-PCS and the
//! CMS place-of-service list — compiled into [`fst`] indexes and embedded in
//! the library, so a web page (through WebAssembly) or a command line can
//! search codes as the user types and check claims, with no server.
//!
//! ```
//! use medcode::{Date, MedCode, SearchOptions};
//!
//! let mc = MedCode::embedded()?;
//! let date = Date::parse("date", "2026-05-01")?;
//! let hits = mc.search("diab 2 kid", &SearchOptions { system: None, limit: 5, date, billable_only: false, within: None });
//! assert!(hits.results.iter().any(|r| r.code.starts_with("E11.2")));
//!
//! let m545 = mc.get("m545", &medcode::GetOptions { system: None, date })
//!     .expect("M54.5 is a known code");
//! assert!(!m545.billable); // a header since FY2022: M54.50, M54.51, M54.59
//! # Ok::<(), medcode::Error>(())
//! ```
//!
//! ## Where things are
//!
//! - [`format`](mod@format): the blob container (magic, version, checksum, sections).
//! - [`codeset`]: one opened code set, the [`MedCode`] registry, records.
//! - [`lookup`]: the typeahead search.
//! - [`pack`]: packs of licensed data loaded at run time (CPT, NCCI PTP, MUE)
//!   and, natively, `pack::build`, which makes them from the publishers' files.
//! - `wasm` (wasm32 only): the JavaScript binding.
//!
//! Data provenance and licences: `code-sets/README.md`. CPT is never
//! shipped; licensed data enters only as packs the user loads.

// In wasm a panic aborts the whole module, so non-test code must not panic by
// construction (issue #8): use checked access (`get`, iterators, patterns).
// Unit tests are exempt. The reviewed allow-list is any scoped
// `#[allow(clippy::indexing_slicing)] // in bounds: <reason>` (ARCHITECTURE.md).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::todo,
        clippy::unimplemented,
        clippy::unreachable,
        clippy::indexing_slicing
    )
)]

pub mod codeset;
pub mod date;
mod embedded;
pub mod error;
pub mod format;
pub mod lookup;
pub mod pack;
pub mod scrub;

#[cfg(target_arch = "wasm32")]
mod wasm;
#[cfg(target_arch = "wasm32")]
pub use wasm::Engine;

pub use codeset::record::Record;
pub use codeset::registry::{GetOptions, MedCode, SetInfo, Tree};
pub use codeset::System;
pub use date::Date;
pub use error::{Error, Result};
pub use lookup::{SearchOptions, SearchResult, SearchResults};
pub use pack::{PackInfo, PackKind};
pub use scrub::{Finding, ScrubOptions, ScrubResult, Severity};
