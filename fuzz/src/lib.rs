//! What the fuzz targets share: the code sets, opened once per process, and
//! the checksum fix-ups that let mutated packs past the integrity checks.

use std::sync::OnceLock;

use medcode::{Date, MedCode};

/// The fixture packs (made-up codes, see `tests/fixtures/packs/`).
pub const PACKS: [(&str, &[u8]); 3] = [
    ("cpt.mcpack", include_bytes!("../../tests/fixtures/packs/built/cpt.mcpack")),
    ("ncci-ptp.mcpack", include_bytes!("../../tests/fixtures/packs/built/ncci-ptp.mcpack")),
    ("mue.mcpack", include_bytes!("../../tests/fixtures/packs/built/mue.mcpack")),
];

/// The embedded code sets, as the CLI and the JS binding open them.
pub fn mc() -> &'static MedCode {
    static MC: OnceLock<MedCode> = OnceLock::new();
    MC.get_or_init(|| MedCode::embedded().expect("embedded code sets open"))
}

/// The embedded code sets with the three fixture packs loaded (CPT, NCCI PTP,
/// MUE), so the pack-driven edits and `system: cpt` run too.
pub fn mc_with_packs() -> &'static MedCode {
    static MC: OnceLock<MedCode> = OnceLock::new();
    MC.get_or_init(|| {
        let mut mc = MedCode::embedded().expect("embedded code sets open");
        for (name, bytes) in PACKS {
            mc.load_pack_as(bytes.to_vec(), name).expect("fixture pack loads");
        }
        mc
    })
}

/// The fixed "today" of the scrub targets (the golden fixtures' date).
pub fn today() -> Date {
    Date::from_ymd(2026, 11, 27).expect("a real date")
}

const HEADER_LEN: usize = 24;

/// Rewrites the container checksum (bytes 12..20, over bytes 20..) so that a
/// mutated blob reaches the section parsers instead of stopping at
/// "checksum mismatch". No-op for input shorter than the header.
pub fn fix_blob_checksum(b: &mut [u8]) {
    if b.len() >= HEADER_LEN {
        let sum = medcode::format::checksum(&b[20..]);
        b[12..20].copy_from_slice(&sum.to_le_bytes());
    }
}

/// Rewrites the trailing checksum (fst format 3: masked CRC-32C of all bytes
/// before it) of every section whose tag is in `tags`, so mutated fst indexes
/// get past `Fst::verify`. Reads the section table leniently; entries that
/// do not fit are skipped. Call before [`fix_blob_checksum`].
pub fn fix_fst_checksums(b: &mut [u8], tags: &[&[u8; 4]]) {
    if b.len() < HEADER_LEN {
        return;
    }
    let n = u32::from_le_bytes([b[20], b[21], b[22], b[23]]) as usize;
    for i in 0..n.min(256) {
        let e = HEADER_LEN + 12 * i;
        let Some(entry) = b.get(e..e + 12) else { break };
        let tag = [entry[0], entry[1], entry[2], entry[3]];
        let off = u32::from_le_bytes([entry[4], entry[5], entry[6], entry[7]]) as usize;
        let len = u32::from_le_bytes([entry[8], entry[9], entry[10], entry[11]]) as usize;
        if !tags.contains(&&tag) || len < 36 {
            continue;
        }
        let Some(sec) = off.checked_add(len).and_then(|end| b.get_mut(off..end)) else { continue };
        let body = sec.len() - 4;
        let sum = fst_checksum(&sec[..body]);
        sec[body..].copy_from_slice(&sum.to_le_bytes());
    }
}

/// fst's checksum: CRC-32C (Castagnoli), masked as in the Snappy frame format.
fn fst_checksum(bytes: &[u8]) -> u32 {
    static TABLE: OnceLock<[u32; 256]> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (i, slot) in t.iter_mut().enumerate() {
            let mut c = i as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 { 0x82F6_3B78 ^ (c >> 1) } else { c >> 1 };
            }
            *slot = c;
        }
        t
    });
    let mut crc = !0u32;
    for &x in bytes {
        crc = table[((crc as u8) ^ x) as usize] ^ (crc >> 8);
    }
    let sum = !crc;
    (sum.wrapping_shr(15) | sum.wrapping_shl(17)).wrapping_add(0xA282_EAD8)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fix-ups must leave a well-formed pack unchanged.
    #[test]
    fn fix_ups_are_identities_on_real_packs() {
        for (name, bytes) in PACKS {
            let mut b = bytes.to_vec();
            fix_fst_checksums(&mut b, &[b"KEYS", b"WORD"]);
            fix_blob_checksum(&mut b);
            assert_eq!(b, bytes, "{name}");
        }
    }
}
