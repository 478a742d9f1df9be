//! The blob container shared by embedded code sets and user packs.
//!
//! Layout (written by `medcode-codegen`'s `blob` module):
//!
//! ```text
//! 0   8  magic  b"MEDCODE\0"
//! 8   2  format version (u16 LE)
//! 10  2  kind (u16 LE)
//! 12  8  checksum (u64 LE) of every byte from offset 20 on
//! 20  4  section count n (u32 LE)
//! 24  12n section table: tag [u8; 4], offset u32, length u32
//! ```
//!
//! [`Blob::open`] checks all of it once, so the accessors after it only
//! bounds-check; nothing is copied.

use std::sync::Arc;

use crate::error::{Error, Result};

pub const MAGIC: &[u8; 8] = b"MEDCODE\0";
pub const FORMAT_VERSION: u16 = 1;
const HEADER_LEN: usize = 24;
/// More sections than any writer produces: a guard against hostile counts.
const MAX_SECTIONS: usize = 256;

/// Bytes that are either embedded in the binary or owned (a loaded pack),
/// cheap to clone and usable as an `fst` backing store.
#[derive(Clone)]
pub struct Bytes {
    data: Data,
    start: usize,
    end: usize,
}

#[derive(Clone)]
enum Data {
    Static(&'static [u8]),
    Shared(Arc<[u8]>),
}

impl Bytes {
    pub fn from_static(b: &'static [u8]) -> Bytes {
        Bytes { start: 0, end: b.len(), data: Data::Static(b) }
    }

    pub fn from_vec(v: Vec<u8>) -> Bytes {
        let end = v.len();
        Bytes { data: Data::Shared(v.into()), start: 0, end }
    }

    /// A sub-range (relative to this one); `None` when out of bounds.
    pub fn slice(&self, start: usize, len: usize) -> Option<Bytes> {
        let s = self.start.checked_add(start)?;
        let e = s.checked_add(len)?;
        (e <= self.end).then(|| Bytes { data: self.data.clone(), start: s, end: e })
    }
}

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        let all: &[u8] = match &self.data {
            Data::Static(b) => b,
            Data::Shared(a) => a,
        };
        // `slice` keeps start <= end <= the length, so this never falls back.
        all.get(self.start..self.end).unwrap_or_default()
    }
}

/// A checked blob: its kind and the byte ranges of its sections.
#[derive(Clone)]
pub struct Blob {
    pub kind: u16,
    bytes: Bytes,
    sections: Vec<([u8; 4], usize, usize)>,
    what: String,
}

impl Blob {
    /// Checks magic, version, checksum and the section table. `what` names the
    /// blob in errors ("the embedded icd10cm set", "pack cpt.mcpack").
    pub fn open(bytes: Bytes, what: &str) -> Result<Blob> {
        Self::open_with(bytes, what, true)
    }

    /// [`Blob::open`] for a blob compiled into this build, without summing
    /// its bytes: they are part of the program (in the browser, of the wasm
    /// module the page checks with its integrity hash), and the sum would
    /// cost every start ~7 ms in wasm. The test suite checks each embedded
    /// blob's sum instead (`embedded_blobs_match_their_checksums`).
    pub(crate) fn open_embedded(bytes: &'static [u8], what: &str) -> Result<Blob> {
        Self::open_with(Bytes::from_static(bytes), what, false)
    }

    fn open_with(bytes: Bytes, what: &str, check_sum: bool) -> Result<Blob> {
        let b = bytes.as_ref();
        let Some(h) = b.first_chunk::<HEADER_LEN>() else {
            return Err(Error::corrupt(
                what,
                format!("{} bytes is shorter than the {HEADER_LEN}-byte header", b.len()),
            ));
        };
        if &h[..8] != MAGIC {
            return Err(Error::corrupt(what, "it does not start with the medcode magic bytes (not a medcode file)"));
        }
        let version = u16::from_le_bytes([h[8], h[9]]);
        if version != FORMAT_VERSION {
            return Err(Error::Version { what: what.to_string(), found: version, expected: FORMAT_VERSION });
        }
        let kind = u16::from_le_bytes([h[10], h[11]]);
        let sum = u64::from_le_bytes([h[12], h[13], h[14], h[15], h[16], h[17], h[18], h[19]]);
        if check_sum && sum != checksum(b.get(20..).unwrap_or_default()) {
            return Err(Error::corrupt(what, "checksum mismatch (the file was truncated or altered)"));
        }
        let n = u32::from_le_bytes([h[20], h[21], h[22], h[23]]) as usize;
        let table = if n > MAX_SECTIONS { None } else { b.get(HEADER_LEN..HEADER_LEN + 12 * n) };
        let Some(table) = table else {
            return Err(Error::corrupt(what, format!("section table of {n} entries does not fit")));
        };
        let mut sections = Vec::with_capacity(n);
        for e in table.chunks_exact(12) {
            let &[t0, t1, t2, t3, o0, o1, o2, o3, l0, l1, l2, l3] = e else { continue };
            let tag = [t0, t1, t2, t3];
            let off = u32::from_le_bytes([o0, o1, o2, o3]) as usize;
            let len = u32::from_le_bytes([l0, l1, l2, l3]) as usize;
            if off.checked_add(len).is_none_or(|end| end > b.len()) {
                return Err(Error::corrupt(what, format!("section {} lies outside the file", tag_name(&tag))));
            }
            sections.push((tag, off, len));
        }
        Ok(Blob { kind, bytes, sections, what: what.to_string() })
    }

    /// The bytes of section `tag`, or a corruption error naming it.
    pub fn section(&self, tag: &[u8; 4]) -> Result<Bytes> {
        self.try_section(tag).ok_or_else(|| Error::corrupt(&self.what, format!("section {} is missing", tag_name(tag))))
    }

    /// The bytes of section `tag`, if present.
    pub fn try_section(&self, tag: &[u8; 4]) -> Option<Bytes> {
        let &(_, off, len) = self.sections.iter().find(|(t, _, _)| t == tag)?;
        self.bytes.slice(off, len)
    }

    pub fn what(&self) -> &str {
        &self.what
    }

    pub fn len(&self) -> usize {
        self.bytes.as_ref().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn tag_name(tag: &[u8; 4]) -> String {
    String::from_utf8_lossy(tag).into_owned()
}

/// The checksum of the container (see the codegen `blob` module, which must agree).
pub fn checksum(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h: u64 = 0x6D65_6463_6F64_6531 ^ (bytes.len() as u64);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let &[c0, c1, c2, c3, c4, c5, c6, c7] = c else { continue };
        let w = u64::from_le_bytes([c0, c1, c2, c3, c4, c5, c6, c7]);
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut last = [0u8; 8];
        for (l, &r) in last.iter_mut().zip(rest) {
            *l = r;
        }
        h = (h.rotate_left(5) ^ u64::from_le_bytes(last)).wrapping_mul(K);
    }
    h ^ (h >> 29)
}

/// A little-endian u32 array inside a section.
#[derive(Clone)]
pub struct U32s(pub Bytes);

impl U32s {
    pub fn len(&self) -> usize {
        self.0.as_ref().len() / 4
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, i: usize) -> Option<u32> {
        let b = self.0.as_ref().get(i.checked_mul(4)?..i.checked_mul(4)?.checked_add(4)?)?;
        Some(u32::from_le_bytes(b.try_into().ok()?))
    }
}

/// A little-endian u16 array inside a section.
#[derive(Clone)]
pub struct U16s(pub Bytes);

impl U16s {
    pub fn len(&self) -> usize {
        self.0.as_ref().len() / 2
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, i: usize) -> Option<u16> {
        let b = self.0.as_ref().get(i.checked_mul(2)?..i.checked_mul(2)?.checked_add(2)?)?;
        Some(u16::from_le_bytes(b.try_into().ok()?))
    }
}

/// Reads a LEB128 varint at `*pos`, advancing it; `None` on a truncated or overlong value.
#[inline]
/// Undoes the compiler's zigzag coding of a signed difference (0, 1, 2, 3, …
/// → 0, -1, 1, -2, …).
pub fn unzigzag(z: u64) -> i64 {
    (z >> 1) as i64 ^ -((z & 1) as i64)
}

pub fn read_varint(b: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v: u64 = 0;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(*pos)?;
        *pos += 1;
        v |= ((byte & 0x7f) as u64) << shift;
        if byte & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}
