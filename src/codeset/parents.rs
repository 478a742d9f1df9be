//! Each entry's parent, read in place.
//!
//! The embedded sets ship `PR16`: for every ordinal the difference
//! `ordinal − parent` as a little-endian i16 (0 for none), then the few
//! entries whose parent lies farther than an i16 reaches ([`FAR`] in their
//! slot) as `(u32 ordinal, u32 parent)` pairs in ordinal order. A parent is
//! one read and nothing is decoded at open: decoding PARN's varints into a
//! table was half of the instructions of opening the embedded sets, about
//! 2 ms of every page load on V8's baseline code. PR16 is as small as PARN
//! once compressed (13.8 kB brotli for ICD-10-CM), twice its raw bytes.
//!
//! Packs carry PARN (a varint per entry: 0 for none, else zigzag(entry −
//! parent) + 1), decoded and checked at open into the same form.

use crate::format::{read_varint, unzigzag, Bytes};

/// The delta standing for "the parent is in the far list".
pub(crate) const FAR: i16 = i16::MIN;

/// The parent of every entry of a set (see the module doc).
pub(crate) struct Parents {
    /// `len` i16 deltas (then, in an embedded blob, the far list's bytes).
    deltas: Bytes,
    /// `(ordinal, parent)` of the entries marked [`FAR`], by ordinal.
    far: Vec<(u32, u32)>,
    len: usize,
}

impl Parents {
    /// PR16 as the compiler wrote it. Not checked entry by entry (the test
    /// suite checks the embedded sets), but [`Parents::get`] never names an
    /// entry outside the set nor the entry itself. None when the section is
    /// shorter than the table or its far list is cut.
    pub(crate) fn in_place(pr16: Bytes, len: usize) -> Option<Parents> {
        let tail = pr16.as_ref().get(len.checked_mul(2)?..)?;
        if tail.len() % 8 != 0 {
            return None;
        }
        let far = tail.chunks_exact(8).map(|pair| (le_u32(pair, 0), le_u32(pair, 4))).collect();
        Some(Parents { deltas: pr16, far, len })
    }

    /// Whether every entry's delta names a parent inside the set other than
    /// itself, and the far list holds exactly the entries marked [`FAR`],
    /// in order: what a checked open asks of PR16.
    #[inline(never)] // a loop over every entry, on a checked open only
    pub(crate) fn check(&self) -> bool {
        let mut far = self.far.iter().map(|&(o, _)| o).peekable();
        for ord in 0..self.len as u32 {
            let Some(d) = self.delta(ord) else { return false };
            if (d == FAR && far.next() != Some(ord)) || (d != 0 && self.get(ord).is_none()) {
                return false;
            }
        }
        far.peek().is_none()
    }

    /// Decodes and checks PARN: None when it is cut short, or names a parent
    /// outside the set or the entry itself.
    #[inline(never)] // a loop over every entry, on a pack's path only
    pub(crate) fn from_varints(parn: &[u8], len: usize) -> Option<Parents> {
        let mut deltas = Vec::with_capacity(len.checked_mul(2)?);
        let mut far = Vec::new();
        let mut pos = 0;
        for i in 0..len {
            let v = read_varint(parn, &mut pos)?;
            let delta = if v == 0 {
                0
            } else {
                let p = (i as i64).checked_sub(unzigzag(v - 1))?;
                if p < 0 || p >= len as i64 || p == i as i64 {
                    return None;
                }
                match i16::try_from(i as i64 - p) {
                    Ok(d) if d != FAR => d,
                    _ => {
                        far.push((i as u32, p as u32));
                        FAR
                    }
                }
            };
            deltas.extend_from_slice(&delta.to_le_bytes());
        }
        Some(Parents { deltas: Bytes::from_vec(deltas), far, len })
    }

    /// The delta of `ord` (see the module doc), None past the set.
    #[inline]
    fn delta(&self, ord: u32) -> Option<i16> {
        let i = ord as usize;
        if i >= self.len {
            return None;
        }
        self.deltas.as_ref().get(2 * i..2 * i + 2)?.try_into().ok().map(i16::from_le_bytes)
    }

    /// The parent of `ord`, if it has one.
    #[inline]
    pub(crate) fn get(&self, ord: u32) -> Option<u32> {
        let parent = match self.delta(ord)? {
            0 => return None,
            FAR => {
                let at = self.far.binary_search_by_key(&ord, |&(o, _)| o).ok()?;
                self.far.get(at)?.1
            }
            d => u32::try_from(i64::from(ord) - i64::from(d)).ok()?,
        };
        (parent != ord && (parent as usize) < self.len).then_some(parent)
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Children by counting sort over the parents: the offsets of each
    /// entry's children (one more than entries) and the children.
    pub(crate) fn children(&self) -> (Vec<u32>, Vec<u32>) {
        let parents = || (0..self.len as u32).filter_map(|c| Some((c, self.get(c)?)));
        let mut child_off = vec![0u32; self.len + 1];
        for (_, p) in parents() {
            if let Some(n) = child_off.get_mut(p as usize + 1) {
                *n += 1;
            }
        }
        let mut total = 0u32;
        for n in &mut child_off {
            total += *n;
            *n = total;
        }
        let mut fill = child_off.clone();
        let mut child = vec![0u32; total as usize];
        for (c, p) in parents() {
            if let Some(at) = fill.get_mut(p as usize) {
                if let Some(slot) = child.get_mut(*at as usize) {
                    *slot = c;
                }
                *at += 1;
            }
        }
        (child_off, child)
    }
}

fn le_u32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4).and_then(|w| w.try_into().ok()).map_or(u32::MAX, u32::from_le_bytes)
}

#[cfg(test)]
mod tests {
    use super::{Parents, FAR};
    use crate::format::Bytes;

    /// The compiler's writers take `u32::MAX` for no parent.
    fn raw(parents: &[Option<u32>]) -> Vec<u32> {
        parents.iter().map(|p| p.unwrap_or(u32::MAX)).collect()
    }

    fn parn(parents: &[Option<u32>]) -> Vec<u8> {
        medcode_codegen::compile::parents_parn(&raw(parents))
    }

    fn pr16(parents: &[Option<u32>]) -> Vec<u8> {
        medcode_codegen::compile::parents_pr16(&raw(parents))
    }

    #[test]
    fn the_far_delta_is_the_compilers() {
        assert_eq!(FAR, medcode_codegen::compile::PR16_FAR);
    }

    fn all(parents: &Parents) -> Vec<Option<u32>> {
        (0..parents.len() as u32 + 2).map(|o| parents.get(o)).collect()
    }

    /// Near and far parents, before and after their children, read alike
    /// from PR16 and from PARN, and the children derived from them.
    #[test]
    fn near_and_far_parents_read_alike_from_pr16_and_parn() {
        let n = 70_000u32;
        let mut want: Vec<Option<u32>> = (0..n).map(|i| (i % 7 != 0).then(|| i - i % 7)).collect();
        want[1] = Some(n - 1); // after its child, farther than an i16 reaches
        want[n as usize - 2] = Some(3); // before, as far
        want[30_000] = Some(30_000 + 32_767); // after, just within reach
        want[5] = Some(5 + 32_768); // after, just out of reach (the FAR value itself)
        let from_pr16 = Parents::in_place(Bytes::from_vec(pr16(&want)), n as usize).expect("PR16");
        let from_parn = Parents::from_varints(&parn(&want), n as usize).expect("PARN");
        assert_eq!(from_pr16.far.len(), 3);
        assert!(from_pr16.check() && from_parn.check());
        let mut expected = want.clone();
        expected.extend([None, None]); // ordinals past the set
        assert!(all(&from_pr16) == expected);
        assert!(all(&from_parn) == expected);

        let (off, child) = from_pr16.children();
        let of = |p: u32| child[off[p as usize] as usize..off[p as usize + 1] as usize].to_vec();
        assert_eq!(of(n - 1), vec![1]);
        assert_eq!(of(7), (8..14).collect::<Vec<u32>>());
        assert_eq!(of(3), vec![n - 2]);
        assert_eq!(from_parn.children(), (off, child));
    }

    /// PARN is checked: cut short, a parent outside the set or the entry
    /// itself is refused; a damaged PR16 never names such a parent.
    #[test]
    fn parn_is_checked_and_a_damaged_pr16_names_no_parent_outside_the_set() {
        assert!(Parents::from_varints(&parn(&[None, Some(0)]), 2).is_some());
        assert!(Parents::from_varints(&parn(&[None, Some(0)])[..1], 2).is_none(), "cut short");
        assert!(Parents::from_varints(&[0, 0x80], 2).is_none(), "a varint cut short");
        assert!(Parents::from_varints(&parn(&[None, Some(5)]), 2).is_none(), "outside the set");
        assert!(Parents::from_varints(&parn(&[Some(0), None]), 2).is_none(), "its own parent");

        assert!(Parents::in_place(Bytes::from_vec(vec![0, 0, 1]), 2).is_none(), "a table cut short");
        assert!(Parents::in_place(Bytes::from_vec(vec![0, 0, 0, 0, 1]), 2).is_none(), "a far list cut short");
        // Deltas that point before the first entry or past the last, and a
        // FAR without its pair.
        let damaged: Vec<u8> = [2i16, -5, 0, FAR].iter().flat_map(|d| d.to_le_bytes()).collect();
        let parents = Parents::in_place(Bytes::from_vec(damaged.clone()), 4).expect("whole");
        assert_eq!(all(&parents), vec![None; 6]);
        assert!(!parents.check());
        // Each fault alone fails the check; a far pair for an entry not
        // marked FAR too.
        let one = |d: i16| -> Vec<u8> { [0i16, 1, d].iter().flat_map(|d| d.to_le_bytes()).collect() };
        let check = |b: Vec<u8>| Parents::in_place(Bytes::from_vec(b), 3).expect("whole").check();
        assert!(check(one(2)) && check(one(1)), "near parents");
        assert!(!check(one(3)) && !check(one(-1)) && !check(one(FAR)));
        let mut paired = one(FAR);
        paired.extend([2, 0, 0, 0, 0, 0, 0, 0]);
        assert!(check(paired.clone()), "entry 2's parent is entry 0, listed");
        paired.extend([1, 0, 0, 0, 0, 0, 0, 0]);
        assert!(!check(paired), "a pair for an entry not marked");
    }
}
