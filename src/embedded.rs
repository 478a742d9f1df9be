//! The code-set blobs compiled by `build.rs` from `code-sets/`, embedded in
//! the binary (or the wasm module). Which sets are in is chosen by cargo
//! features; place-of-service codes are always in (the scrubber needs them).

/// `(system name, blob)` for every embedded set.
#[allow(clippy::vec_init_then_push)] // the pushes are feature-gated
pub fn blobs() -> Vec<(&'static str, &'static [u8])> {
    let mut v: Vec<(&'static str, &'static [u8])> = Vec::new();
    #[cfg(feature = "icd10cm")]
    v.push(("icd10cm", include_bytes!(concat!(env!("OUT_DIR"), "/icd10cm.bin"))));
    #[cfg(feature = "hcpcs")]
    v.push(("hcpcs", include_bytes!(concat!(env!("OUT_DIR"), "/hcpcs.bin"))));
    #[cfg(feature = "icd10pcs")]
    v.push(("icd10pcs", include_bytes!(concat!(env!("OUT_DIR"), "/icd10pcs.bin"))));
    v.push(("pos", include_bytes!(concat!(env!("OUT_DIR"), "/pos.bin"))));
    v
}

/// The curated abbreviation and lay-term list (always embedded; small).
pub fn synonyms() -> &'static [u8] {
    include_bytes!(concat!(env!("OUT_DIR"), "/synonyms.bin"))
}
