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

#[cfg(test)]
mod tests {
    use crate::format::{Blob, Bytes};

    /// `MedCode::embedded` skips the sums at every start (see
    /// `Blob::open_embedded`); this is where they are checked.
    #[test]
    fn embedded_blobs_match_their_checksums() {
        let mut all = super::blobs();
        all.push(("synonyms", super::synonyms()));
        for (name, bytes) in all {
            Blob::open(Bytes::from_static(bytes), name).unwrap_or_else(|e| panic!("{name}: {e}"));
            // And the sum would catch a change: flip one byte past the header.
            let mut altered = bytes.to_vec();
            let at = altered.len() - 1;
            altered[at] ^= 1;
            let err = Blob::open(Bytes::from_vec(altered.clone()), name).err().map(|e| e.to_string());
            assert!(err.is_some_and(|e| e.contains("checksum")), "{name}: a flipped byte passes the sum");
            assert!(Blob::open_embedded(Box::leak(altered.into_boxed_slice()), name).is_ok(), "{name}: unsummed");
        }
    }
}
