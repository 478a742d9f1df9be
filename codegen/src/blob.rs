//! The blob container written by [`crate::compile`] and read by medcode's
//! `format` module. Both sides follow this layout; a round-trip test in the
//! medcode crate keeps them in step.
//!
//! ```text
//! 0   8  magic  b"MEDCODE\0"
//! 8   2  format version (u16 LE)
//! 10  2  kind (u16 LE): see [`Kind`]
//! 12  8  checksum (u64 LE): [`checksum`] of every byte from offset 20 on
//! 20  4  section count n (u32 LE)
//! 24  12n section table: tag [u8; 4], offset u32, length u32 (offsets from 0)
//! ... section bytes, each section starting on a 4-byte boundary
//! ```

/// First bytes of every medcode blob and pack.
pub const MAGIC: &[u8; 8] = b"MEDCODE\0";
/// Bumped whenever a reader of the previous version would misread a blob.
pub const FORMAT_VERSION: u16 = 1;
pub const HEADER_LEN: usize = 24;

/// What a blob holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u16)]
pub enum Kind {
    Icd10Cm = 1,
    Hcpcs = 2,
    Icd10Pcs = 3,
    PlaceOfService = 4,
    Synonyms = 5,
    Cpt = 16,
    NcciPtp = 17,
    Mue = 18,
}

/// A fast 64-bit checksum over 8-byte words (zero-padded tail); it catches
/// truncation and corruption, it is not a cryptographic hash.
pub fn checksum(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h: u64 = 0x6D65_6463_6F64_6531 ^ (bytes.len() as u64);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut last = [0u8; 8];
        last[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(last)).wrapping_mul(K);
    }
    h ^ (h >> 29)
}

/// Builds a blob from tagged sections.
pub struct BlobWriter {
    kind: Kind,
    sections: Vec<([u8; 4], Vec<u8>)>,
}

impl BlobWriter {
    pub fn new(kind: Kind) -> Self {
        BlobWriter { kind, sections: Vec::new() }
    }

    pub fn section(&mut self, tag: &[u8; 4], bytes: Vec<u8>) {
        assert!(!self.sections.iter().any(|(t, _)| t == tag), "duplicate section {tag:?}");
        self.sections.push((*tag, bytes));
    }

    pub fn finish(self) -> Vec<u8> {
        let n = self.sections.len();
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(self.kind as u16).to_le_bytes());
        out.extend_from_slice(&[0u8; 8]);
        out.extend_from_slice(&(n as u32).to_le_bytes());
        let table_at = out.len();
        out.resize(table_at + 12 * n, 0);
        for (i, (tag, bytes)) in self.sections.iter().enumerate() {
            while out.len() % 4 != 0 {
                out.push(0);
            }
            let offset = out.len() as u32;
            out.extend_from_slice(bytes);
            let entry = table_at + 12 * i;
            out[entry..entry + 4].copy_from_slice(tag);
            out[entry + 4..entry + 8].copy_from_slice(&offset.to_le_bytes());
            out[entry + 8..entry + 12].copy_from_slice(&(bytes.len() as u32).to_le_bytes());
        }
        let sum = checksum(&out[20..]);
        out[12..20].copy_from_slice(&sum.to_le_bytes());
        out
    }
}

/// Appends `v` as a LEB128 varint.
pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A signed difference as an unsigned varint value: 0, -1, 1, -2, … → 0, 1, 2, 3, …
/// (the reader's `format::unzigzag` undoes it).
pub fn zigzag(d: i64) -> u64 {
    ((d << 1) ^ (d >> 63)) as u64
}

pub fn put_u32s(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

pub fn put_u16s(values: &[u16]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (proleptic Gregorian).
pub fn parse_date(s: &str) -> Option<i32> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i32> {
        s.get(r)?.bytes().try_fold(0i32, |acc, c| c.is_ascii_digit().then(|| acc * 10 + (c - b'0') as i32))
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

pub fn days_in_month(y: i32, m: i32) -> i32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Howard Hinnant's days_from_civil.
pub fn days_from_civil(y: i32, m: i32, d: i32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// The stored form of a date: days since 1970 as u16, `u16::MAX` for an open end.
pub const OPEN_END: u16 = u16::MAX;

pub fn stored_date(s: &str) -> Result<u16, String> {
    if s == "9999-12-31" || s.is_empty() {
        return Ok(OPEN_END);
    }
    let d = parse_date(s).ok_or_else(|| format!("not a YYYY-MM-DD date: {s:?}"))?;
    u16::try_from(d).ok().filter(|&d| d != OPEN_END).ok_or_else(|| format!("date out of range: {s}"))
}
