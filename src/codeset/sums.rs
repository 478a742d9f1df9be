//! Where each entry's rows begin, without a `u32` per entry.
//!
//! The blob stores one count per entry (how many validity ranges, flag rows,
//! note references, bytes of extras). A full prefix-sum table would cost
//! four bytes per entry and array: about 2.5 MB of linear memory over the
//! embedded sets, a sixth of the memory budget. Instead a sum is kept every
//! [`BLOCK`] entries and the rest is added up from the counts at lookup (at
//! most `BLOCK - 1` bytes, next to each other in memory).

use crate::format::{read_varint, Bytes};

/// Entries per stored sum: one `u64` load holds the rest of a block.
const BLOCK: usize = 8;

/// What an entry's byte adds to the sum.
#[derive(Clone, Copy)]
pub(crate) enum Weight {
    /// The byte itself (a row count).
    Value,
    /// 1 when none of these bits are set in the byte (a flag count).
    Clear(u8),
}

impl Weight {
    #[inline]
    fn of(self, b: u8) -> u32 {
        match self {
            Weight::Value => u32::from(b),
            Weight::Clear(bits) => u32::from(b & bits == 0),
        }
    }

    /// The weights of the low `bytes` bytes of `word` (its other bytes
    /// zero) in a few instructions, or `None` when a count is too large
    /// for that (32 or more: the slow path adds them one by one).
    #[inline]
    fn of_word(self, word: u64, bytes: usize) -> Option<u32> {
        match self {
            // Bytes below 32: eight of them sum below 256, so the multiply
            // adds them all into the top byte without carries.
            Weight::Value if word & 0xe0e0_e0e0_e0e0_e0e0 == 0 => {
                Some((word.wrapping_mul(0x0101_0101_0101_0101) >> 56) as u32)
            }
            Weight::Value => None,
            Weight::Clear(bits) => {
                let set = word & (u64::from(bits) * 0x0101_0101_0101_0101);
                // The top bit of each nonzero byte, without carries between bytes.
                const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
                let nonzero = (((set & LOW7) + LOW7) | set) & !LOW7;
                Some(bytes as u32 - nonzero.count_ones())
            }
        }
    }
}

/// Prefix sums over one byte per entry, sampled every [`BLOCK`] entries.
pub(crate) struct ByteSums {
    bytes: Bytes,
    weight: Weight,
    /// `samples[b]`: the weights of entries `..b * BLOCK`.
    samples: Vec<u32>,
}

impl ByteSums {
    /// Sums over no entries: every span is empty.
    pub(crate) fn empty() -> ByteSums {
        ByteSums { bytes: Bytes::from_static(&[]), weight: Weight::Value, samples: Vec::new() }
    }

    /// Sums `weight` over `bytes`; `None` when the total overflows a `u32`.
    pub(crate) fn new(bytes: Bytes, weight: Weight) -> Option<(ByteSums, u32)> {
        let b = bytes.as_ref();
        let mut samples = Vec::with_capacity(b.len() / BLOCK + 1);
        let mut total = 0u32;
        for block in b.chunks(BLOCK) {
            samples.push(total);
            let whole = <[u8; BLOCK]>::try_from(block).ok().map(u64::from_le_bytes);
            match whole.and_then(|word| weight.of_word(word, BLOCK)) {
                Some(w) => total = total.checked_add(w)?,
                None => {
                    for &c in block {
                        total = total.checked_add(weight.of(c))?;
                    }
                }
            }
        }
        Some((ByteSums { bytes, weight, samples }, total))
    }

    /// The weights of entries `..i`.
    #[inline]
    pub(crate) fn before(&self, i: usize) -> u32 {
        let base = self.samples.get(i / BLOCK).copied().unwrap_or(0);
        let from = i - i % BLOCK;
        let b = self.bytes.as_ref();
        // The block's bytes before `i` as one word, the rest masked off.
        if let Some(word) = b.get(from..from + BLOCK).and_then(|w| <[u8; 8]>::try_from(w).ok()) {
            let word = u64::from_le_bytes(word) & ((1u64 << (8 * (i % BLOCK))) - 1);
            if let Some(w) = self.weight.of_word(word, i % BLOCK) {
                return base + w;
            }
        }
        let inside: u32 = b.get(from..i).unwrap_or(&[]).iter().map(|&c| self.weight.of(c)).sum();
        base + inside
    }

    /// Every entry's byte.
    pub(crate) fn bytes(&self) -> &[u8] {
        self.bytes.as_ref()
    }

    /// The byte of entry `i` (its row count), 0 past the end.
    #[inline]
    pub(crate) fn count(&self, i: usize) -> u8 {
        self.bytes.as_ref().get(i).copied().unwrap_or(0)
    }

    /// The rows of entry `i` when each byte counts them: `start..end`.
    #[inline]
    pub(crate) fn span(&self, i: usize) -> (usize, usize) {
        let Some(&n) = self.bytes.as_ref().get(i) else { return (0, 0) };
        let s = self.before(i) as usize;
        (s, s + n as usize)
    }
}

/// Prefix sums over one varint per entry (lengths that may pass 255),
/// sampled every [`BLOCK`] entries with the position of the entry's varint.
pub(crate) struct VarintSums {
    varints: Bytes,
    /// `(position in varints, sum before)` of entries `b * BLOCK`.
    samples: Vec<(u32, u32)>,
    len: usize,
}

impl VarintSums {
    /// Sums over no entries: every span is empty.
    pub(crate) fn empty() -> VarintSums {
        VarintSums { varints: Bytes::from_static(&[]), samples: Vec::new(), len: 0 }
    }

    /// Reads `len` varints; `None` when they are truncated or their sum
    /// overflows a `u32`. Also gives the total.
    pub(crate) fn new(varints: Bytes, len: usize) -> Option<(VarintSums, u32)> {
        let b = varints.as_ref();
        let mut samples = Vec::with_capacity(len / BLOCK + 1);
        let (mut pos, mut total) = (0usize, 0u32);
        let mut i = 0;
        while i < len {
            if i % BLOCK == 0 {
                samples.push((u32::try_from(pos).ok()?, total));
                // A block of one-byte varints (most are) summed as one word:
                // adjacent bytes added into 16-bit lanes, then the lanes.
                let word =
                    b.get(pos..pos + BLOCK).and_then(|w| <[u8; BLOCK]>::try_from(w).ok()).map(u64::from_le_bytes);
                if let Some(word) = word.filter(|w| w & 0x8080_8080_8080_8080 == 0 && len - i >= BLOCK) {
                    const LANES: u64 = 0x00ff_00ff_00ff_00ff;
                    let pairs = (word & LANES) + ((word >> 8) & LANES);
                    total = total.checked_add((pairs.wrapping_mul(0x0001_0001_0001_0001) >> 48) as u32)?;
                    pos += BLOCK;
                    i += BLOCK;
                    continue;
                }
            }
            let v = read_varint(b, &mut pos)?;
            total = total.checked_add(u32::try_from(v).ok()?)?;
            i += 1;
        }
        Some((VarintSums { varints, samples, len }, total))
    }

    /// The bytes of entry `i`: `start..end`.
    #[inline]
    pub(crate) fn span(&self, i: usize) -> (usize, usize) {
        if i >= self.len {
            return (0, 0);
        }
        let Some(&(pos, base)) = self.samples.get(i / BLOCK) else { return (0, 0) };
        let b = self.varints.as_ref();
        let (mut pos, mut start) = (pos as usize, base as usize);
        for _ in 0..i % BLOCK {
            start += read_varint(b, &mut pos).unwrap_or(0) as usize;
        }
        let n = read_varint(b, &mut pos).unwrap_or(0) as usize;
        (start, start + n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each length as a LEB128 varint, back to back.
    fn varints(lengths: &[u32]) -> Vec<u8> {
        let mut out = Vec::new();
        for &l in lengths {
            let mut v = l;
            while v >= 0x80 {
                out.push((v as u8 & 0x7f) | 0x80);
                v >>= 7;
            }
            out.push(v as u8);
        }
        out
    }

    fn full_sums(counts: &[u32]) -> Vec<u32> {
        counts.iter().scan(0, |t, &c| Some(std::mem::replace(t, *t + c))).collect()
    }

    #[test]
    fn byte_sums_agree_with_a_full_prefix_sum_table() {
        let counts: Vec<u8> = (0..1000u32).map(|i| ((i * 37) % 7) as u8).collect();
        let full = full_sums(&counts.iter().map(|&c| c as u32).collect::<Vec<_>>());
        let (sums, total) = ByteSums::new(Bytes::from_vec(counts.clone()), Weight::Value).expect("sums");
        assert_eq!(total, counts.iter().map(|&c| c as u32).sum::<u32>());
        for (i, &s) in full.iter().enumerate() {
            assert_eq!(sums.span(i), (s as usize, (s + counts[i] as u32) as usize), "entry {i}");
        }
        assert_eq!(sums.span(counts.len()), (0, 0), "past the end");
    }

    #[test]
    fn byte_sums_take_the_slow_path_for_large_counts() {
        // Counts of 32 and more would carry between the bytes of one word.
        let counts: Vec<u8> = (0..300u32).map(|i| if i % 5 == 0 { 200 } else { (i % 40) as u8 }).collect();
        let full = full_sums(&counts.iter().map(|&c| c as u32).collect::<Vec<_>>());
        let (sums, _) = ByteSums::new(Bytes::from_vec(counts.clone()), Weight::Value).expect("sums");
        for (i, &s) in full.iter().enumerate() {
            assert_eq!(sums.before(i), s, "entry {i}");
        }
    }

    #[test]
    fn clear_bit_sums_count_the_bytes_without_those_bits() {
        let kinds: Vec<u8> = (0..500u32).map(|i| ((i * 131) % 256) as u8).collect();
        let (sums, total) = ByteSums::new(Bytes::from_vec(kinds.clone()), Weight::Clear(0x40)).expect("sums");
        assert_eq!(total as usize, kinds.iter().filter(|&&k| k & 0x40 == 0).count());
        for i in 0..kinds.len() {
            assert_eq!(sums.before(i) as usize, kinds[..i].iter().filter(|&&k| k & 0x40 == 0).count(), "entry {i}");
        }
        let (two, _) = ByteSums::new(Bytes::from_vec(kinds.clone()), Weight::Clear(0xc0)).expect("sums");
        for i in 0..kinds.len() {
            assert_eq!(two.before(i) as usize, kinds[..i].iter().filter(|&&k| k & 0xc0 == 0).count(), "entry {i}");
        }
    }

    #[test]
    fn varint_sums_agree_with_a_full_prefix_sum_table() {
        let lengths: Vec<u32> = (0..1000u32).map(|i| (i * 7919) % 700).collect();
        let varints = varints(&lengths);
        let full = full_sums(&lengths);
        let (sums, total) = VarintSums::new(Bytes::from_vec(varints.clone()), lengths.len()).expect("sums");
        assert_eq!(total, lengths.iter().sum::<u32>());
        for (i, &s) in full.iter().enumerate() {
            assert_eq!(sums.span(i), (s as usize, (s + lengths[i]) as usize), "entry {i}");
        }
        assert!(VarintSums::new(Bytes::from_vec(varints[..varints.len() - 1].to_vec()), lengths.len()).is_none());
    }

    #[test]
    fn varint_sums_read_blocks_of_one_byte_varints_whole() {
        // Mostly one-byte lengths (blocks summed as a word), some longer, a
        // count that is no multiple of the block, and bytes after the last
        // varint that a whole-block read must not take for lengths.
        let lengths: Vec<u32> = (0..1003u32).map(|i| if i % 97 == 5 { 300 + i } else { (i * 31) % 128 }).collect();
        let mut varints = varints(&lengths);
        varints.extend([5u8; 16]);
        let full = full_sums(&lengths);
        let (sums, total) = VarintSums::new(Bytes::from_vec(varints), lengths.len()).expect("sums");
        assert_eq!(total, lengths.iter().sum::<u32>());
        for (i, &s) in full.iter().enumerate() {
            assert_eq!(sums.span(i), (s as usize, (s + lengths[i]) as usize), "entry {i}");
        }
    }
}
