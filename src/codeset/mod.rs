//! One code set: an fst from normalized code to ordinal plus a record store
//! indexed by ordinal (code, kind, parent, children, validity, description,
//! flags, extras). See `codegen/src/compile.rs` for how it is written.

use std::fmt;

use fst::{Map, Streamer};

use crate::date::Date;
use crate::error::{Error, Result};
use crate::format::{read_varint, unzigzag, Blob, Bytes, U32s};
pub use keys::Code;
use parents::Parents;
use sums::{ByteSums, VarintSums, Weight};

/// The code systems medcode knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum System {
    Icd10Cm,
    Hcpcs,
    Icd10Pcs,
    PlaceOfService,
    Cpt,
}

impl System {
    /// The name used in options and output (`icd10cm`, `hcpcs`, …).
    pub fn name(self) -> &'static str {
        match self {
            System::Icd10Cm => "icd10cm",
            System::Hcpcs => "hcpcs",
            System::Icd10Pcs => "icd10pcs",
            System::PlaceOfService => "pos",
            System::Cpt => "cpt",
        }
    }

    pub fn parse(s: &str) -> Result<System> {
        Ok(match s.trim().to_ascii_lowercase().replace(['-', '_'], "").as_str() {
            "icd10cm" => System::Icd10Cm,
            "hcpcs" | "hcpcs2" | "hcpcslevel2" => System::Hcpcs,
            "icd10pcs" => System::Icd10Pcs,
            "pos" => System::PlaceOfService,
            "cpt" => System::Cpt,
            _ => return Err(Error::UnknownSystem(crate::date::truncate(s))),
        })
    }

    fn from_kind(kind: u16) -> Option<System> {
        Some(match kind {
            1 => System::Icd10Cm,
            2 => System::Hcpcs,
            3 => System::Icd10Pcs,
            4 => System::PlaceOfService,
            16 => System::Cpt,
            _ => return None,
        })
    }

    /// The canonical display form of a normalized key (`E119` → `E11.9`).
    pub fn display(self, key: &str) -> String {
        match self {
            System::Icd10Cm
                if key.len() > 3
                    && !key.contains('-')
                    && key.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) =>
            {
                match key.split_at_checked(3) {
                    Some((category, rest)) => format!("{category}.{rest}"),
                    None => key.to_string(),
                }
            }
            _ => key.to_string(),
        }
    }
}

impl fmt::Display for System {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Entry kinds (the low bits of the KIND section).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    Chapter,
    Block,
    Category,
    Subcategory,
    Code,
}

impl EntryKind {
    pub fn name(self) -> &'static str {
        match self {
            EntryKind::Chapter => "chapter",
            EntryKind::Block => "block",
            EntryKind::Category => "category",
            EntryKind::Subcategory => "subcategory",
            EntryKind::Code => "code",
        }
    }
}

const NEEDS_7TH: u8 = 0x80;
const DERIVED_DESC: u8 = 0x40;
const KIND_MASK: u8 = 0x3f;
const DESC_BLOCK: usize = 16;
/// The number of [`CodeSet::rank_bucket`]s.
pub const RANK_BUCKETS: usize = 2 * 32 * 9 * 3;

/// An opened code set.
pub struct CodeSet {
    pub system: System,
    pub edition: String,
    pub source: String,
    pub valid_from: Date,
    pub valid_to: Date,
    blob: Blob,
    keys: Map<Bytes>,
    words: Map<Bytes>,
    /// The length of every key, by ordinal (the codes themselves are read
    /// back from KEYS: see [`keys`]).
    key_len: Bytes,
    /// Content words of each description (see codegen's QUALIFIERS).
    word_count: Bytes,
    /// Ordinals in rank order (content words, key length, then [`CodeSet::rank`]), built on first use.
    rank_order: std::sync::OnceLock<RankOrder>,
    /// The first ordinals of the rank order as the compiler wrote them
    /// (RNKH; embedded sets only), read before the whole order is built.
    rank_head: Vec<u32>,
    /// Bit per ordinal: a commonly reported code (the curated PRIO list).
    common: Vec<u64>,
    /// Description word ids per ordinal, built on first use.
    forward: std::sync::OnceLock<forward::Forward>,
    /// Which entries exist and are billable on the last date searched.
    on_date: std::sync::Mutex<Option<std::sync::Arc<OnDate>>>,
    /// Scratch space for word matching, reused across searches.
    pub(crate) scratch: std::sync::Mutex<Vec<crate::lookup::Hit>>,
    /// The postings of the last misspelt words matched here.
    pub(crate) typo_memo: std::sync::Mutex<crate::lookup::TypoMemo>,
    kind: Bytes,
    parents: Parents,
    /// `(offsets, children)` by parent, from `parents` on first use: only
    /// trees, code lookups and the scrub need them, a search does not.
    children: std::sync::OnceLock<(Vec<u32>, Vec<u32>)>,
    billable_off: ByteSums,
    billable: DateRows,
    exists: DateRows,
    desc_index: U32s,
    /// Ordinal → position among stored descriptions, counted over the KIND
    /// bytes without [`DERIVED_DESC`].
    desc_pos: ByteSums,
    desc: Bytes,
    /// The 7th-character definitions, read through [`Deferred`]'s index.
    sevn: Bytes,
    pub(crate) post: Bytes,
    flag_names: Vec<String>,
    flag_rows: FlagRows,
    extra: Bytes,
    /// What EXTR's bytes 1 to 31 stand for (EXTK; see [`expand_extra`]).
    extra_fragments: Vec<Box<[u8]>>,
    refs: Bytes,
    ages: Option<Bytes>,
    len: usize,
    /// What a search never reads, left for first use (see [`Deferred`]).
    deferred: Deferred,
}

/// Where in SEVN the 7th-character definitions of each entry carrying
/// some begin, by the entry's ordinal: the meanings are read from there
/// when asked for, not copied out at open.
type Seventh = Vec<(u32, u32)>;

/// The parts of a set a first keystroke never reads: the row offsets of
/// the "exists" ranges (is the entry or a code under it in effect: searches
/// for billable codes only never ask), of flags, note references and
/// extras, and the index of the 7th-character definitions (a search reads
/// it for the descriptions of 7th-character expansions). An embedded set builds each
/// when first read (the test suite checks that every one builds), so that
/// opening one reads only what a first keystroke needs; any other set
/// builds and checks them all at open, where a damaged pack must fail.
#[derive(Default)]
struct Deferred {
    exists_off: std::sync::OnceLock<ByteSums>,
    flag_off: std::sync::OnceLock<ByteSums>,
    refs_off: std::sync::OnceLock<ByteSums>,
    extra_off: std::sync::OnceLock<VarintSums>,
    seventh: std::sync::OnceLock<Seventh>,
}

/// [`CodeSet::rank_order`] and its inverse, built when first asked for
/// (the dense walk, a page's first keystroke, reads only the order).
struct RankOrder {
    order: Vec<u32>,
    position: std::sync::OnceLock<Vec<u32>>,
}

/// The entries of a set in effect on one date ([`CodeSet::on_date`]).
pub struct OnDate {
    date: Date,
    /// Searches for billable codes only never ask.
    exists: DateBits,
    billable: DateBits,
}

/// One bit per entry for a date, built once enough entries were asked
/// about: until then each answer is read from the entry's validity rows.
/// A page's first keystroke asks about a few dozen codes, and building the
/// bits reads every entry's rows.
#[derive(Default)]
struct DateBits {
    bits: std::sync::OnceLock<Vec<u64>>,
    asked: std::sync::atomic::AtomicUsize,
}

impl DateBits {
    /// `ord`'s bit: `one` reads it from the rows, `all` builds every bit.
    /// Reading rows costs a few dozen instructions where a bit costs a few;
    /// after a 32nd of the entries (a few percent of what building reads),
    /// the bits are built.
    #[inline]
    fn get(&self, len: usize, ord: u32, one: impl FnOnce() -> bool, all: impl FnOnce() -> Vec<u64>) -> bool {
        let bits = match self.bits.get() {
            Some(bits) => bits,
            None if self.asked.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < len / 32 => return one(),
            None => self.bits.get_or_init(all),
        };
        bits.get(ord as usize / 64).is_some_and(|w| w >> (ord % 64) & 1 == 1)
    }
}

impl OnDate {
    /// [`CodeSet::exists_on`] for this date; `set` is the set these bits are of.
    #[inline]
    pub fn exists(&self, set: &CodeSet, ord: u32) -> bool {
        let all = || set.bits_on(set.exists_off(), &set.exists, self.date);
        self.exists.get(set.len, ord, || set.exists_on(ord, self.date), all)
    }

    /// [`CodeSet::billable_on`] for this date; `set` is the set these bits are of.
    #[inline]
    pub fn billable(&self, set: &CodeSet, ord: u32) -> bool {
        let all = || set.bits_on(&set.billable_off, &set.billable, self.date);
        self.billable.get(set.len, ord, || set.billable_on(ord, self.date), all)
    }
}

/// Note kinds in the REFS section (the scrubber's parsed note references).
pub mod note_kind {
    pub const EXCLUDES1: u8 = 1;
    pub const EXCLUDES2: u8 = 2;
    pub const CODE_FIRST: u8 = 3;
    pub const USE_ADDITIONAL: u8 = 4;
    pub const CODE_ALSO: u8 = 5;
    /// "Code first, if applicable": advice, not a sequencing rule.
    pub const CODE_FIRST_IF_APPLICABLE: u8 = 6;
    /// "Use additional code, if applicable": advice, not a rule.
    pub const USE_ADDITIONAL_IF_APPLICABLE: u8 = 7;
}

/// A code reference parsed from a note: every code whose prefix of the
/// length of `lo` lies between `lo` and `hi` (normalized keys).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeRange<'a> {
    pub kind: u8,
    /// Which note of that kind on the entry (refs of one note share it).
    pub note: u8,
    pub lo: &'a str,
    pub hi: &'a str,
}

impl CodeRange<'_> {
    /// Whether the normalized `key` falls in the range: its prefix as long
    /// as `lo` is not below `lo`, and its prefix as long as `hi` not above `hi`.
    pub fn contains(&self, key: &str) -> bool {
        match (key.get(..self.lo.len()), key.get(..self.hi.len())) {
            (Some(a), Some(b)) => self.lo <= a && b <= self.hi,
            _ => false,
        }
    }
}

/// A flag (MCE edit, release attribute) in force over a date range.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FlagRange {
    pub flag: String,
    pub from: Date,
    pub to: Date,
}

/// A validity range, inclusive on both ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Range {
    pub from: Date,
    pub to: Date,
}

/// Where a blob comes from, which decides what opening it checks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// Compiled into this build ([`CodeSet::open_embedded`]): checked by the
    /// test suite, so its key lengths (KLEN) and parents (PR16) are taken
    /// as written.
    Embedded,
    /// [`CodeSet::open`]: the structure is checked, the fsts are not.
    Unchecked,
    /// A pack the user loaded: everything is checked.
    Pack,
}

impl CodeSet {
    /// Opens a blob (embedded or a pack) as a code set.
    pub fn open(bytes: Bytes, what: &str) -> Result<CodeSet> {
        Self::from_blob(Blob::open(bytes, what)?, what, Origin::Unchecked)
    }

    /// Opens a code set compiled into this build (see [`Blob::open_embedded`]).
    pub(crate) fn open_embedded(bytes: &'static [u8], what: &str) -> Result<CodeSet> {
        Self::from_blob(Blob::open_embedded(bytes, what)?, what, Origin::Embedded)
    }

    /// Opens a pack's code set from its blob, already opened (and summed) by
    /// [`crate::pack::open`]: [`CodeSet::open`] plus [`CodeSet::verify_pack`],
    /// with the fst checksums checked before anything walks the fsts.
    pub(crate) fn open_pack(blob: Blob, what: &str) -> Result<CodeSet> {
        let set = Self::from_blob(blob, what, Origin::Pack)?;
        set.verify_pack()?;
        Ok(set)
    }

    fn from_blob(blob: Blob, what: &str, origin: Origin) -> Result<CodeSet> {
        let verify = origin == Origin::Pack;
        let system = System::from_kind(blob.kind)
            .ok_or_else(|| Error::corrupt(what, format!("kind {} is not a code set", blob.kind)))?;
        let meta_bytes = blob.section(b"META")?;
        let meta = std::str::from_utf8(meta_bytes.as_ref()).map_err(|_| Error::corrupt(what, "META is not UTF-8"))?;
        let field = |k: &str| {
            meta.lines().find_map(|l| l.strip_prefix(k).and_then(|r| r.strip_prefix('='))).unwrap_or("").to_string()
        };
        let date =
            |k: &str| Date::parse_opt(&field(k)).ok_or_else(|| Error::corrupt(what, format!("META {k} is not a date")));
        let fst_map = |tag: &[u8; 4]| -> Result<Map<Bytes>> {
            let bytes = blob.section(tag)?;
            if verify {
                check_fst(&bytes, what, tag)?;
            }
            Map::new(bytes).map_err(|e| Error::corrupt(what, format!("index {}: {e}", tag_str(tag))))
        };
        let keys = fst_map(b"KEYS")?;
        let len = keys.len();
        let bad = |detail: &str| Error::corrupt(what, detail.to_string());
        let kind = blob.section(b"KIND")?;
        if kind.as_ref().len() != len {
            return Err(bad("KIND does not cover every code"));
        }

        // Parents read in place from PR16 (checked unless embedded), or
        // decoded and checked from PARN (packs; see [`parents`]).
        let parents = match blob.try_section(b"PR16") {
            Some(pr16) => Parents::in_place(pr16, len)
                .filter(|p| origin == Origin::Embedded || p.check())
                .ok_or_else(|| bad("PR16 is cut short or names a parent outside the set"))?,
            None => Parents::from_varints(blob.section(b"PARN")?.as_ref(), len)
                .ok_or_else(|| bad("PARN is truncated or names a parent outside the set"))?,
        };

        // Checks what reading codes back from KEYS relies on, unless the set
        // was compiled into this build: then the compiler wrote the key
        // lengths down (KLEN), the test suite checked them and the keys, and
        // they are read in place.
        let key_len = match (origin, blob.try_section(b"KLEN")) {
            (Origin::Embedded, Some(lengths)) => lengths,
            _ => Bytes::from_vec(keys::key_lengths(keys.as_fst()).map_err(bad)?),
        };
        if key_len.as_ref().len() != len {
            return Err(bad("KEYS are not numbered in order, or KLEN does not cover them"));
        }

        let check = origin != Origin::Embedded;
        let table = blob.try_section(b"DRNG");
        let date_rows = |tag: &[u8; 4]| {
            DateRows::new(blob.section(tag)?, table.clone(), check)
                .ok_or_else(|| bad(&format!("{} names a date range DRNG does not list", tag_str(tag))))
        };
        let billable = date_rows(b"VBRG")?;
        let billable_off = row_offsets(&blob, len, b"VBCN", billable.width(), &billable.rows)?;
        let exists = date_rows(b"VERG")?;
        let flag_rows = FlagRows::new(blob.section(b"FLRG")?, blob.try_section(b"FLTB"), check)
            .ok_or_else(|| bad("FLRG names a flag row FLTB does not list"))?;
        let refs = blob.section(b"REFS")?;
        let extra = blob.section(b"EXTR")?;
        let extra_fragments: Vec<Box<[u8]>> = match blob.try_section(b"EXTK") {
            None => Vec::new(),
            Some(k) => k.as_ref().split(|&b| b == 0).map(Box::from).collect(),
        };
        // Bounded, so that a crafted pack cannot make an entry's extras
        // expand without limit.
        if extra_fragments.len() >= 0x20 || extra_fragments.iter().any(|f| f.len() > MAX_EXTRA_FRAGMENT) {
            return Err(bad("EXTK holds more than 31 fragments or one too long"));
        }

        let (desc_pos, stored) =
            ByteSums::new(kind.clone(), Weight::Clear(DERIVED_DESC)).ok_or_else(|| bad("KIND overflows"))?;
        let desc_index = U32s(blob.section(b"DSIX")?);
        if desc_index.len() != (stored as usize).div_ceil(DESC_BLOCK) {
            return Err(bad("DSIX does not match the stored descriptions"));
        }

        let set = CodeSet {
            system,
            edition: field("edition"),
            source: field("source"),
            valid_from: date("validFrom")?,
            valid_to: date("validTo")?,
            words: fst_map(b"WORD")?,
            key_len,
            scratch: std::sync::Mutex::new(Vec::new()),
            typo_memo: std::sync::Mutex::new(crate::lookup::TypoMemo::default()),
            on_date: std::sync::Mutex::new(None),
            rank_order: std::sync::OnceLock::new(),
            rank_head: match (origin, blob.try_section(b"RNKH")) {
                (Origin::Embedded, Some(head)) => {
                    rank_head(head.as_ref(), len).ok_or_else(|| bad("RNKH is damaged"))?
                }
                _ => Vec::new(),
            },
            forward: std::sync::OnceLock::new(),
            common: {
                let mut bits = vec![0u64; len.div_ceil(64)];
                // The curated commonly reported codes: ascending ordinals
                // as varint deltas.
                if let Some(list) = blob.try_section(b"PRIO") {
                    let (list, mut pos, mut ord) = (list.as_ref(), 0, 0u64);
                    while pos < list.len() {
                        ord += read_varint(list, &mut pos).ok_or_else(|| bad("PRIO is truncated"))?;
                        let w = bits.get_mut(ord as usize / 64).filter(|_| ord < len as u64);
                        *w.ok_or_else(|| bad("PRIO names a code outside the set"))? |= 1 << (ord % 64);
                    }
                }
                bits
            },
            word_count: {
                let w = blob.section(b"WCNT")?;
                if w.as_ref().len() != len {
                    return Err(bad("WCNT does not cover every code"));
                }
                w
            },
            kind,
            parents,
            children: std::sync::OnceLock::new(),
            billable_off,
            billable,
            exists,
            desc_index,
            desc_pos,
            desc: blob.section(b"DESC")?,
            sevn: blob.section(b"SEVN")?,
            post: blob.section(b"POST")?,
            flag_names: {
                let names: Vec<String> = String::from_utf8_lossy(blob.section(b"FLGN")?.as_ref())
                    .split('\n')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
                if names.len() > 32 {
                    return Err(bad("FLGN names more than 32 flags"));
                }
                names
            },
            flag_rows,
            extra,
            extra_fragments,
            refs,
            ages: blob.try_section(b"AGEL"),
            keys,
            len,
            blob,
            deferred: Deferred::default(),
        };
        if origin != Origin::Embedded {
            set.build_deferred()?;
        }
        Ok(set)
    }

    /// Builds and checks every [`Deferred`] part now.
    #[inline(never)] // not on an embedded set's path (see `check_fst`)
    fn build_deferred(&self) -> Result<()> {
        let d = &self.deferred;
        // `set` fails only when the part is built already, as it then is.
        let _ = d.exists_off.set(self.build_exists_off()?);
        let _ = d.flag_off.set(self.build_flag_off()?);
        let _ = d.refs_off.set(self.build_refs_off()?);
        let _ = d.extra_off.set(extra_offsets(&self.blob, self.len, &self.extra)?);
        let _ = d.seventh.set(seventh_definitions(&self.blob, self.len)?);
        Ok(())
    }

    fn build_exists_off(&self) -> Result<ByteSums> {
        row_offsets(&self.blob, self.len, b"VECN", self.exists.width(), &self.exists.rows)
    }

    fn build_flag_off(&self) -> Result<ByteSums> {
        row_offsets(&self.blob, self.len, b"FLCN", self.flag_rows.width(), &self.flag_rows.rows)
    }

    fn build_refs_off(&self) -> Result<ByteSums> {
        row_offsets(&self.blob, self.len, b"RFCN", 18, &self.refs)
    }

    // The parts as first read in an embedded set ([`Deferred`]): a build
    // fails only on a damaged blob, which the test suite rules out for
    // these, and then reads as empty.

    /// The validity rows of each entry.
    fn exists_off(&self) -> &ByteSums {
        self.deferred.exists_off.get_or_init(|| self.build_exists_off().unwrap_or_else(|_| ByteSums::empty()))
    }

    /// The flag rows of each entry.
    fn flag_off(&self) -> &ByteSums {
        self.deferred.flag_off.get_or_init(|| self.build_flag_off().unwrap_or_else(|_| ByteSums::empty()))
    }

    /// The note reference rows of each entry.
    fn refs_off(&self) -> &ByteSums {
        self.deferred.refs_off.get_or_init(|| self.build_refs_off().unwrap_or_else(|_| ByteSums::empty()))
    }

    /// The bytes of extras of each entry.
    fn extra_off(&self) -> &VarintSums {
        self.deferred
            .extra_off
            .get_or_init(|| extra_offsets(&self.blob, self.len, &self.extra).unwrap_or_else(|_| VarintSums::empty()))
    }

    /// The 7th-character definitions.
    fn seventh(&self) -> &Seventh {
        self.deferred.seventh.get_or_init(|| seventh_definitions(&self.blob, self.len).unwrap_or_default())
    }

    /// The checks a loaded pack gets beyond [`CodeSet::open`]'s (the embedded
    /// sets were checked when they were built): every posting list inside
    /// POST, naming codes of the set, the lists one after the other in word
    /// order as the builder writes them (so this reads POST once, however
    /// many words a crafted index claims).
    fn verify_pack(&self) -> Result<()> {
        let what = self.blob.what();
        let post = self.post.as_ref();
        let mut stream = self.words.stream();
        let mut next = 0usize;
        while let Some((_, offset)) = stream.next() {
            if offset != next as u64 {
                return Err(Error::corrupt(what, "POST lists are not in word order"));
            }
            let mut pos = next;
            let n = read_varint(post, &mut pos).ok_or_else(|| Error::corrupt(what, "POST is truncated"))?;
            let mut last = 0u64;
            for _ in 0..n {
                let d = read_varint(post, &mut pos).ok_or_else(|| Error::corrupt(what, "POST is truncated"))?;
                last = last.checked_add(d).ok_or_else(|| Error::corrupt(what, "POST overflows"))?;
                if last / 2 >= self.len as u64 {
                    return Err(Error::corrupt(what, "POST names a code outside the set"));
                }
            }
            next = pos;
        }
        if next != post.len() {
            return Err(Error::corrupt(what, "POST holds bytes no word names"));
        }
        Ok(())
    }

    /// Number of entries (every code, header, chapter and block ever listed).
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The blob this set was opened from.
    pub fn blob(&self) -> &Blob {
        &self.blob
    }

    /// The fst of normalized codes.
    pub fn keys(&self) -> &Map<Bytes> {
        &self.keys
    }

    /// The fst of index words.
    pub fn words(&self) -> &Map<Bytes> {
        &self.words
    }

    /// The ordinal of a normalized key (upper case, no dot).
    pub fn ordinal(&self, key: &str) -> Option<u32> {
        self.keys.get(key).map(|v| v as u32)
    }

    /// The code as displayed (`S72.001A`), read back from KEYS (an empty
    /// code past the end).
    pub fn code(&self, ord: u32) -> Code {
        let mut key = [0u8; keys::MAX_KEY];
        let n = keys::key_of(self.keys.as_fst(), u64::from(ord), &mut key);
        let key = key.get(..n).unwrap_or(&[]);
        // ICD-10-CM codes (not chapters or blocks) take a dot after the category.
        let dot = self.system == System::Icd10Cm
            && key.len() > 3
            && self.kind.as_ref().get(ord as usize).is_some_and(|k| k & KIND_MASK > 1)
            && key.first().is_some_and(u8::is_ascii_alphabetic);
        Code::new(key, dot.then_some(3))
    }

    /// The length of the normalized key of `ord` (no dot): what ranking
    /// needs of a code, without reading it back.
    #[inline]
    pub fn key_len(&self, ord: u32) -> u32 {
        self.key_len.as_ref().get(ord as usize).copied().map_or(0, u32::from)
    }

    pub fn kind(&self, ord: u32) -> EntryKind {
        match self.kind.as_ref().get(ord as usize).map(|k| k & KIND_MASK) {
            Some(0) => EntryKind::Chapter,
            Some(1) => EntryKind::Block,
            Some(2) => EntryKind::Category,
            Some(3) => EntryKind::Subcategory,
            _ => EntryKind::Code,
        }
    }

    /// Whether the entry's children are its 7th-character expansions.
    pub fn needs_seventh(&self, ord: u32) -> bool {
        self.kind.as_ref().get(ord as usize).is_some_and(|k| k & NEEDS_7TH != 0)
    }

    pub fn parent(&self, ord: u32) -> Option<u32> {
        self.parents.get(ord)
    }

    /// Ancestors from the parent up to the root.
    pub fn ancestors(&self, ord: u32) -> Vec<u32> {
        self.ancestors_iter(ord).collect()
    }

    /// [`CodeSet::ancestors`] without the allocation.
    #[inline]
    pub fn ancestors_iter(&self, ord: u32) -> Ancestors<'_> {
        Ancestors { set: self, cur: self.parent(ord), seen: [0; MAX_ANCESTORS], n: 0 }
    }

    pub fn children(&self, ord: u32) -> impl Iterator<Item = u32> + '_ {
        let (off, child) = self.children.get_or_init(|| self.parents.children());
        let (s, e) = self.span(off, ord);
        child.get(s..e).unwrap_or(&[]).iter().copied()
    }

    fn span(&self, off: &[u32], ord: u32) -> (usize, usize) {
        let s = off.get(ord as usize).copied().unwrap_or(0) as usize;
        let e = off.get(ord as usize + 1).copied().unwrap_or(0) as usize;
        (s, e.max(s))
    }

    fn ranges<'a>(&'a self, off: &'a ByteSums, data: &'a DateRows, ord: u32) -> impl Iterator<Item = Range> + 'a {
        let (s, e) = off.span(ord as usize);
        (s..e).filter_map(move |i| {
            let (from, to) = date_row(data.get(i)?);
            Some(Range { from: Date::from_days(from as i32), to: Date::from_days(to as i32) })
        })
    }

    /// The dates on which the code itself could be billed.
    pub fn billable_ranges(&self, ord: u32) -> Vec<Range> {
        self.ranges(&self.billable_off, &self.billable, ord).collect()
    }

    /// The dates on which the entry or any code under it was in effect.
    pub fn exists_ranges(&self, ord: u32) -> Vec<Range> {
        self.ranges(self.exists_off(), &self.exists, ord).collect()
    }

    pub fn billable_on(&self, ord: u32, date: Date) -> bool {
        self.ranges(&self.billable_off, &self.billable, ord).any(|r| r.from <= date && date <= r.to)
    }

    pub fn exists_on(&self, ord: u32, date: Date) -> bool {
        self.ranges(self.exists_off(), &self.exists, ord).any(|r| r.from <= date && date <= r.to)
    }

    /// Which entries exist and which are billable on `date`, as bits: what
    /// search asks of every code it weighs. Each is built in one pass over
    /// the validity rows (no per-entry offset lookups) once searches have
    /// asked about a 32nd of the entries one by one, and kept for the last date
    /// asked, since a session searches on one date.
    pub fn on_date(&self, date: Date) -> std::sync::Arc<OnDate> {
        let mut cached = self.on_date.lock().unwrap_or_else(|e| e.into_inner());
        match cached.as_ref() {
            Some(bits) if bits.date == date => bits.clone(),
            _ => {
                let bits =
                    std::sync::Arc::new(OnDate { date, exists: DateBits::default(), billable: DateBits::default() });
                *cached = Some(bits.clone());
                bits
            }
        }
    }

    fn bits_on(&self, counts: &ByteSums, ranges: &DateRows, date: Date) -> Vec<u64> {
        let day = date.days();
        let covers = |(from, to): (u16, u16)| i32::from(from) <= day && day <= i32::from(to);
        // Whether each of the set's distinct ranges covers the date, once.
        let listed: Option<Vec<bool>> = ranges.list.as_ref().map(|l| l.iter().map(|&r| covers(date_row(r))).collect());
        let row_covers = |i: usize| match &listed {
            Some(listed) => ranges.index(i).and_then(|at| listed.get(at)).copied().unwrap_or(false),
            None => ranges.get(i).is_some_and(|r| covers(date_row(r))),
        };
        let mut bits = vec![0u64; self.len.div_ceil(64)];
        let mut row = 0usize;
        for (word, chunk) in bits.iter_mut().zip(counts.bytes().chunks(64)) {
            for (bit, &n) in chunk.iter().enumerate() {
                let end = row + n as usize;
                let on = match n {
                    0 => false,
                    1 => row_covers(row),
                    _ => (row..end).any(row_covers),
                };
                *word |= u64::from(on) << bit;
                row = end;
            }
        }
        bits
    }

    /// Whether the code was ever billable.
    pub fn ever_billable(&self, ord: u32) -> bool {
        self.billable_off.count(ord as usize) > 0
    }

    /// The static rank (lower shows first when nothing else differs):
    /// codes ever billable before headers, chapters and blocks last, then code order.
    pub fn rank(&self, ord: u32) -> u32 {
        let group = match self.kind(ord) {
            EntryKind::Chapter | EntryKind::Block => 2,
            _ if !self.ever_billable(ord) => 1,
            _ => 0,
        };
        (group << 30) | ord
    }

    /// 0 for a commonly reported code (the curated list in
    /// `code-sets/priors/`), 1 for any other: among equally good matches the
    /// common code shows first ("diab" → E11.9 before E13.9).
    pub fn prior(&self, ord: u32) -> u32 {
        let bit = self.common.get(ord as usize / 64).map_or(0, |w| (w >> (ord % 64)) & 1);
        1 - bit as u32
    }

    /// The number of content words in the description (capped at 31).
    pub fn word_count(&self, ord: u32) -> u32 {
        self.word_count.as_ref().get(ord as usize).map(|&w| w.min(31) as u32).unwrap_or(31)
    }

    /// Every ordinal in the order search ranks equal matches: common codes
    /// first ([`CodeSet::prior`]), fewer content words, then shorter codes,
    /// then [`CodeSet::rank`] (a bucket sort, built once).
    pub fn rank_order(&self) -> &[u32] {
        &self.ranks().order
    }

    /// The first `n` ordinals of [`CodeSet::rank_order`] (all of them when
    /// the set has fewer), without building the whole order when the
    /// compiler wrote that many down (RNKH): the dense walk of a page's
    /// first keystroke reads a few hundred.
    pub fn rank_order_head(&self, n: usize) -> &[u32] {
        let built = self.rank_order.get().map(|r| r.order.as_slice());
        let order = match built {
            Some(order) => order,
            None if n <= self.rank_head.len() || self.rank_head.len() == self.len => &self.rank_head,
            None => self.rank_order(),
        };
        order.get(..n.min(order.len())).unwrap_or(order)
    }

    /// Whether [`CodeSet::rank_order`] and its inverse are built (each is
    /// on first use).
    pub fn rank_order_is_built(&self) -> bool {
        self.rank_order.get().is_some_and(|r| r.position.get().is_some())
    }

    /// Builds [`CodeSet::rank_order`] and its inverse unless built.
    pub fn build_rank_order(&self) {
        self.rank_positions();
    }

    /// Where each ordinal stands in [`CodeSet::rank_order`]: a set of
    /// ordinals marked at these positions reads back in rank order.
    pub fn rank_position(&self, ord: u32) -> Option<u32> {
        self.rank_positions().get(ord as usize).copied()
    }

    /// [`CodeSet::rank_position`] of every ordinal.
    fn rank_positions(&self) -> &[u32] {
        let ranks = self.ranks();
        ranks.position.get_or_init(|| {
            let mut position = vec![0u32; ranks.order.len()];
            for (at, &ord) in ranks.order.iter().enumerate() {
                if let Some(p) = position.get_mut(ord as usize) {
                    *p = at as u32;
                }
            }
            position
        })
    }

    fn ranks(&self) -> &RankOrder {
        self.rank_order.get_or_init(|| {
            // A counting sort on each ordinal's bucket, stable, so ordinals
            // ascend within a bucket. The buckets come from the byte arrays
            // in one pass ([`CodeSet::rank_bucket`] per ordinal was a fifth
            // of the first search after open).
            let buckets = self.rank_buckets();
            let mut next = vec![0u32; RANK_BUCKETS + 1];
            for &b in &buckets {
                if let Some(n) = next.get_mut(usize::from(b) + 1) {
                    *n += 1;
                }
            }
            let mut total = 0u32;
            for n in &mut next {
                total += *n;
                *n = total;
            }
            let mut order = vec![0u32; buckets.len()];
            for (ord, &b) in buckets.iter().enumerate() {
                if let Some(at) = next.get_mut(usize::from(b)) {
                    if let Some(slot) = order.get_mut(*at as usize) {
                        *slot = ord as u32;
                    }
                    *at += 1;
                }
            }
            RankOrder { order, position: std::sync::OnceLock::new() }
        })
    }

    /// [`CodeSet::rank_bucket`] of every ordinal, read from the arrays
    /// behind it side by side (each was checked at open to cover the set).
    fn rank_buckets(&self) -> Vec<u16> {
        let kinds = self.kind.as_ref().iter();
        let words = self.word_count.as_ref().iter();
        let billable = self.billable_off.bytes().iter();
        let rows = self.key_len.as_ref().iter().zip(words).zip(kinds).zip(billable);
        rows.enumerate()
            .map(|(ord, (((&len, &w), &kind), &ranges))| {
                let p = 1 - (self.common.get(ord / 64).map_or(0, |w| (w >> (ord % 64)) & 1) as u32);
                let group = match kind & KIND_MASK {
                    0 | 1 => 2, // chapters and blocks
                    _ if ranges == 0 => 1,
                    _ => 0,
                };
                let (len, w) = (u32::from(len.min(8)), u32::from(w.min(31)));
                (((p * 32 + w) * 9 + len) * 3 + group) as u16
            })
            .collect()
    }

    /// The bucket of `ord` in [`CodeSet::rank_order`] (prior, content
    /// words, key length, rank group; below [`RANK_BUCKETS`]). Within a
    /// bucket ordinals ascend, so `(bucket, ord)` sorts like rank order.
    pub fn rank_bucket(&self, ord: u32) -> u32 {
        let len = self.key_len(ord).min(8);
        let w = self.word_count(ord);
        let p = self.prior(ord);
        // p < 2, w < 32, len < 9 and the rank group < 3.
        ((p * 32 + w) * 9 + len) * 3 + (self.rank(ord) >> 30)
    }

    /// The forward word index (see [`forward`]), built on first use.
    pub fn forward(&self) -> &forward::Forward {
        self.forward.get_or_init(forward::Forward::default)
    }

    /// The number of ordinals in the posting list at `offset`.
    pub fn posting_count(&self, offset: u64) -> u64 {
        let mut pos = offset as usize;
        read_varint(self.post.as_ref(), &mut pos).unwrap_or(0)
    }

    /// The allowed 7th characters in force for an entry: its own definition
    /// or the nearest ancestor's.
    pub fn seventh_definition(&self, ord: u32) -> Option<SeventhChars<'_>> {
        let seventh = self.seventh();
        let sevn = self.sevn.as_ref();
        std::iter::once(ord).chain(self.ancestors_iter(ord)).find_map(|o| {
            let i = seventh.binary_search_by_key(&o, |(k, _)| *k).ok()?;
            let &(_, at) = seventh.get(i)?;
            let mut pos = at as usize;
            let left = read_varint(sevn, &mut pos)?.min(MAX_SEVENTH) as usize;
            Some(SeventhChars { sevn, pos, left })
        })
    }

    /// Whether the entry is a 7th-character expansion (its parent needs one).
    pub fn is_expansion(&self, ord: u32) -> bool {
        self.kind.as_ref().get(ord as usize).is_some_and(|k| k & DERIVED_DESC != 0)
    }

    /// The description, decoded from its front-coded block.
    pub fn description(&self, ord: u32) -> String {
        let mut out = Vec::new();
        self.description_into(ord, &mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    /// Decodes the description into `out` (cleared first), reusing its buffer.
    pub fn description_into(&self, ord: u32, out: &mut Vec<u8>) {
        out.clear();
        match self.desc_position(ord) {
            Some(u32::MAX) => {
                // A 7th-character expansion: the parent's description and the character's meaning.
                let Some(p) = self.parent(ord) else { return };
                if self.desc_position(p) == Some(u32::MAX) {
                    return; // never nested; a corrupt blob could loop
                }
                self.description_into(p, out);
                let ch = self.code(ord).as_bytes().last().copied();
                let meaning =
                    self.seventh_definition(p).and_then(|mut defs| defs.find(|(c, _)| Some(*c) == ch)).map(|(_, m)| m);
                out.extend_from_slice(b", ");
                out.extend_from_slice(meaning.as_deref().unwrap_or("").as_bytes());
            }
            Some(stored) => self.stored_description(stored as usize, out),
            None => {}
        }
    }

    /// The position of `ord`'s description among the stored ones
    /// (`u32::MAX`: derived from its parent's), `None` past the end.
    fn desc_position(&self, ord: u32) -> Option<u32> {
        let k = *self.kind.as_ref().get(ord as usize)?;
        Some(if k & DERIVED_DESC != 0 { u32::MAX } else { self.desc_pos.before(ord as usize) })
    }

    fn stored_description(&self, idx: usize, out: &mut Vec<u8>) {
        let Some(start) = self.desc_index.get(idx / DESC_BLOCK) else { return };
        let d = self.desc.as_ref();
        let mut pos = start as usize;
        for i in 0..=(idx % DESC_BLOCK) {
            let (shared, len) = if i == 0 {
                (0, read_varint(d, &mut pos))
            } else {
                let shared = read_varint(d, &mut pos).unwrap_or(0) as usize;
                (shared, read_varint(d, &mut pos))
            };
            let Some(len) = len else { return out.clear() };
            let Some(rest) = pos.checked_add(len as usize).and_then(|end| d.get(pos..end)) else { return out.clear() };
            out.truncate(shared.min(out.len()));
            out.extend_from_slice(rest);
            pos += len as usize;
        }
    }

    /// The ordinals a word's posting list names, with whether the word came
    /// only from a synonym (inclusion term, includes note).
    pub fn postings(&self, offset: u64) -> Postings<'_> {
        let d = self.post.as_ref();
        let mut pos = offset as usize;
        let remaining = read_varint(d, &mut pos).unwrap_or(0);
        Postings { data: d, pos, remaining, last: 0 }
    }

    /// Flags with their date ranges.
    pub fn flags(&self, ord: u32) -> Vec<FlagRange> {
        let mut out = Vec::new();
        let (s, e) = self.flag_off().span(ord as usize);
        for i in s..e {
            let Some((bits, from, to)) = self.flag_rows.get(i).map(flag_row) else { break };
            let (from, to) = (Date::from_days(i32::from(from)), Date::from_days(i32::from(to)));
            for (b, name) in self.flag_names.iter().enumerate() {
                if bits & (1 << b) != 0 {
                    out.push(FlagRange { flag: name.clone(), from, to });
                }
            }
        }
        out.sort_unstable_by(|a, b| (&a.flag, a.from, a.to).cmp(&(&b.flag, b.from, b.to)));
        // Rows split when other flags change; join the same flag's adjacent ranges.
        let mut merged: Vec<FlagRange> = Vec::with_capacity(out.len());
        for f in out {
            if let Some(last) = merged.last_mut() {
                if last.flag == f.flag && f.from.days() <= last.to.days() + 1 {
                    last.to = last.to.max(f.to);
                    continue;
                }
            }
            merged.push(f);
        }
        merged
    }

    /// Whether `flag` is in force for the code on `date`.
    pub fn has_flag_on(&self, ord: u32, flag: &str, date: Date) -> bool {
        let Some(bit) = self.flag_names.iter().position(|n| n == flag) else { return false };
        let (s, e) = self.flag_off().span(ord as usize);
        (s..e).any(|i| match self.flag_rows.get(i).map(flag_row) {
            Some((bits, from, to)) => {
                bits & (1 << bit) != 0 && i32::from(from) <= date.days() && date.days() <= i32::from(to)
            }
            _ => false,
        })
    }

    /// The display-only extras of an entry (notes, 7th characters, …).
    pub fn extras(&self, ord: u32) -> serde_json::Map<String, serde_json::Value> {
        let (s, e) = self.extra_off().span(ord as usize);
        let json = match self.extra.as_ref().get(s..e) {
            Some(b) if !b.is_empty() => expand_extra(b, &self.extra_fragments),
            _ => None,
        };
        match json.map(|j| serde_json::from_slice(&j)) {
            Some(Ok(serde_json::Value::Object(m))) => m,
            _ => serde_json::Map::new(),
        }
    }

    /// The note references (excludes1, code first, …) written on the entry itself.
    pub fn refs(&self, ord: u32) -> Vec<CodeRange<'_>> {
        self.refs_iter(ord).collect()
    }

    /// [`CodeSet::refs`] without the allocation.
    pub fn refs_iter(&self, ord: u32) -> impl Iterator<Item = CodeRange<'_>> + '_ {
        let (s, e) = self.refs_off().span(ord as usize);
        let d = self.refs.as_ref();
        (s..e).filter_map(move |i| {
            let r = d.get(i * 18..i * 18 + 18)?;
            let (&kind, &note) = (r.first()?, r.get(1)?);
            Some(CodeRange { kind, note, lo: nul_str(r.get(2..10)?), hi: nul_str(r.get(10..18)?) })
        })
    }

    /// The note references of the entry as stored, `(kind, note, lo, hi)`
    /// with the keys' NUL padding dropped: [`CodeSet::refs_iter`] without
    /// the UTF-8 checks (`nul_str` gives "" where these bytes are not UTF-8).
    #[inline]
    pub fn refs_raw(&self, ord: u32) -> impl Iterator<Item = (u8, u8, &[u8], &[u8])> + '_ {
        let (s, e) = self.refs_off().span(ord as usize);
        let d = self.refs.as_ref();
        (s..e).filter_map(move |i| {
            let r = d.get(i * 18..i * 18 + 18)?;
            Some((*r.first()?, *r.get(1)?, nul_trim(r.get(2..10)?), nul_trim(r.get(10..18)?)))
        })
    }

    /// The bit of a flag name in [`CodeSet::flag_bits_on`] (0 when the set has no such flag).
    pub fn flag_mask(&self, flag: &str) -> u32 {
        self.flag_names.iter().position(|n| n == flag).filter(|&b| b < 32).map_or(0, |b| 1 << b)
    }

    /// The flags in force for the code on `date`, as bits ([`CodeSet::flag_mask`]):
    /// `flag_bits_on(o, d) & flag_mask(f) != 0` is `has_flag_on(o, f, d)`.
    pub fn flag_bits_on(&self, ord: u32, date: Date) -> u32 {
        let (s, e) = self.flag_off().span(ord as usize);
        let mut bits = 0;
        for i in s..e {
            let Some((row_bits, from, to)) = self.flag_rows.get(i).map(flag_row) else { break };
            if i32::from(from) <= date.days() && date.days() <= i32::from(to) {
                bits |= row_bits;
            }
        }
        bits
    }

    /// HCPCS age limits in years: (low, high), either open.
    pub fn age_limits(&self, ord: u32) -> (Option<u8>, Option<u8>) {
        let Some(a) =
            self.ages.as_ref().and_then(|a| a.as_ref().get(ord as usize * 2..ord as usize * 2 + 2)?.try_into().ok())
        else {
            return (None, None);
        };
        let [lo, hi]: [u8; 2] = a;
        let f = |v: u8| (v != u8::MAX).then_some(v);
        (f(lo), f(hi))
    }

    /// The number of entries that are billable on `date`.
    pub fn billable_count(&self, date: Date) -> usize {
        // The one pass over the rows that search's bits use (no per-entry
        // offset lookups), without replacing the date search keeps.
        self.bits_on(&self.billable_off, &self.billable, date).iter().map(|w| w.count_ones() as usize).sum()
    }
}

#[inline]
fn nul_trim(b: &[u8]) -> &[u8] {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    b.get(..end).unwrap_or(b)
}

fn nul_str(b: &[u8]) -> &str {
    std::str::from_utf8(nul_trim(b)).unwrap_or("")
}

fn tag_str(tag: &[u8; 4]) -> String {
    String::from_utf8_lossy(tag).into_owned()
}

/// The most ancestors an entry has (deeper chains only come from a corrupt blob).
const MAX_ANCESTORS: usize = 17;

/// Iterator over the ancestors of an entry, parent first ([`CodeSet::ancestors_iter`]).
pub struct Ancestors<'a> {
    set: &'a CodeSet,
    cur: Option<u32>,
    seen: [u32; MAX_ANCESTORS],
    n: usize,
}

impl Iterator for Ancestors<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        let p = self.cur?;
        // A cycle can only come from a corrupt blob.
        let repeat = self.seen.get(..self.n).is_none_or(|seen| seen.contains(&p));
        let Some(slot) = self.seen.get_mut(self.n).filter(|_| !repeat) else {
            self.cur = None;
            return None;
        };
        *slot = p;
        self.n += 1;
        self.cur = self.set.parent(p);
        Some(p)
    }
}

/// Iterator over a posting list: `(ordinal, from_synonym_only)`.
pub struct Postings<'a> {
    data: &'a [u8],
    pos: usize,
    remaining: u64,
    last: u64,
}

impl Postings<'_> {
    /// Entries not yet read (more than zero after the end: truncated data).
    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    /// Where the next entry starts in POST (after the last: where the next list starts).
    pub fn position(&self) -> usize {
        self.pos
    }
}

impl Iterator for Postings<'_> {
    type Item = (u32, bool);

    #[inline]
    fn next(&mut self) -> Option<(u32, bool)> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        // Most deltas fit in one byte (ordinals are dense in a list).
        let delta = match self.data.get(self.pos) {
            Some(&b) if b < 0x80 => {
                self.pos += 1;
                u64::from(b)
            }
            _ => read_varint(self.data, &mut self.pos)?,
        };
        self.last = self.last.checked_add(delta)?;
        Some(((self.last / 2) as u32, self.last % 2 == 1))
    }
}

/// Rows of `W` bytes (validity ranges, flag rows), stored as they are or,
/// when the set lists its distinct rows (DRNG, FLTB), as an index into that
/// list: a byte when it holds at most 256 rows, else two (little-endian).
/// ICD-10-CM's 175,000 validity rows hold 39 distinct ranges and its 22,500
/// flag rows 203 distinct ones; written out they were 880 kB of the module.
struct ListedRows<const W: usize> {
    rows: Bytes,
    list: Option<Vec<[u8; W]>>,
}

impl<const W: usize> ListedRows<W> {
    /// The rows in `rows`, read through `list` when there is one. `check`:
    /// every index must name a listed row (a pack; the embedded sets are
    /// checked by the test suite). None when a check fails.
    fn new(rows: Bytes, list: Option<Bytes>, check: bool) -> Option<ListedRows<W>> {
        let list: Option<Vec<[u8; W]>> = match list {
            None => None,
            Some(l) if l.as_ref().len() % W != 0 || l.as_ref().len() > W << 16 => return None,
            Some(l) => Some(l.as_ref().chunks_exact(W).filter_map(|r| <[u8; W]>::try_from(r).ok()).collect()),
        };
        let listed = ListedRows { rows, list };
        if let (true, Some(l)) = (check, &listed.list) {
            if listed.rows.as_ref().len() % listed.width() != 0 {
                return None;
            }
            if (0..listed.len()).any(|i| listed.index(i).is_none_or(|at| at >= l.len())) {
                return None;
            }
        }
        Some(listed)
    }

    /// Bytes per row.
    fn width(&self) -> usize {
        match &self.list {
            None => W,
            Some(l) if l.len() <= 256 => 1,
            Some(_) => 2,
        }
    }

    /// The number of rows.
    fn len(&self) -> usize {
        self.rows.as_ref().len() / self.width()
    }

    /// Where row `i` is in the list (None without one, or past the end).
    #[inline]
    fn index(&self, i: usize) -> Option<usize> {
        let b = self.rows.as_ref();
        match self.width() {
            1 => b.get(i).map(|&at| usize::from(at)),
            2 => match *b.get(i.checked_mul(2)?..i.checked_mul(2)?.checked_add(2)?)? {
                [lo, hi] => Some(usize::from(u16::from_le_bytes([lo, hi]))),
                _ => None,
            },
            _ => None,
        }
    }

    /// Row `i`.
    #[inline]
    fn get(&self, i: usize) -> Option<[u8; W]> {
        match &self.list {
            Some(l) => l.get(self.index(i)?).copied(),
            None => {
                <[u8; W]>::try_from(self.rows.as_ref().get(i.checked_mul(W)?..i.checked_mul(W)?.checked_add(W)?)?).ok()
            }
        }
    }
}

/// Validity rows (VBRG, VERG; list DRNG): `(from, to)` day numbers.
type DateRows = ListedRows<4>;

/// A validity row's `(from, to)`.
#[inline]
fn date_row([f0, f1, t0, t1]: [u8; 4]) -> (u16, u16) {
    (u16::from_le_bytes([f0, f1]), u16::from_le_bytes([t0, t1]))
}

/// Flag rows (FLRG; list FLTB): flag bits, then `from` and `to` day numbers.
type FlagRows = ListedRows<8>;

/// A flag row's `(bits, from, to)`.
#[inline]
fn flag_row([b0, b1, b2, b3, f0, f1, t0, t1]: [u8; 8]) -> (u32, u16, u16) {
    (u32::from_le_bytes([b0, b1, b2, b3]), u16::from_le_bytes([f0, f1]), u16::from_le_bytes([t0, t1]))
}

/// Checks a pack's index before `fst` reads it (a crafted index with a
/// valid CRC panics fst), then its CRC.
///
/// Kept out of line, like the other checks only packs get: the browser
/// compiles each function of the module on its first call, so code inlined
/// into the open of the embedded sets is compiled on every page load, run
/// or not.
#[inline(never)]
fn check_fst(bytes: &Bytes, what: &str, tag: &[u8; 4]) -> Result<()> {
    let bad = |e: &dyn std::fmt::Display| Error::corrupt(what, format!("index {}: {e}", tag_str(tag)));
    fst_check::check(bytes.as_ref()).map_err(|e| bad(&e))?;
    fst::raw::Fst::new(bytes.clone()).map_err(|e| bad(&e))?.verify().map_err(|e| bad(&e))
}

/// Where each entry's rows begin, from the count array `counts` over
/// `rows` of `row` bytes each, checked to cover every entry and to stay
/// inside the rows.
fn row_offsets(blob: &Blob, len: usize, counts: &[u8; 4], row: usize, rows: &Bytes) -> Result<ByteSums> {
    let bad = |detail: &str| Error::corrupt(blob.what(), format!("{}: {detail}", tag_str(counts)));
    let counts = blob.section(counts)?;
    if counts.as_ref().len() != len {
        return Err(bad("the count array does not cover every code"));
    }
    let (sums, total) = ByteSums::new(counts, Weight::Value).ok_or_else(|| bad("the count array overflows"))?;
    if total as usize * row > rows.as_ref().len() {
        return Err(bad("rows are missing"));
    }
    Ok(sums)
}

/// Where each entry's extras begin in EXTR, from their lengths (EXLN).
fn extra_offsets(blob: &Blob, len: usize, extra: &Bytes) -> Result<VarintSums> {
    let bad = |detail: &str| Error::corrupt(blob.what(), detail.to_string());
    let (sums, total) =
        VarintSums::new(blob.section(b"EXLN")?, len).ok_or_else(|| bad("EXLN is truncated or overflows"))?;
    if total as usize > extra.as_ref().len() {
        return Err(bad("EXTR is shorter than its lengths"));
    }
    Ok(sums)
}

/// The most 7th characters one entry defines that are read.
const MAX_SEVENTH: u64 = 64;

/// The 7th-character definitions (SEVN): for each entry carrying some, its
/// ordinal as a delta from the last one, a count, then that many
/// `(character, meaning length, meaning)`. Indexed by ordinal, checked to
/// be whole; the meanings stay where they are.
fn seventh_definitions(blob: &Blob, len: usize) -> Result<Seventh> {
    let bad = |detail: &str| Error::corrupt(blob.what(), detail.to_string());
    let truncated = || bad("SEVN is truncated");
    let sevn = blob.section(b"SEVN")?;
    let mut seventh: Seventh = Vec::new();
    let (b, mut pos, mut ord) = (sevn.as_ref(), 0usize, 0u64);
    while pos < b.len() {
        ord += read_varint(b, &mut pos).ok_or_else(truncated)?;
        let at = u32::try_from(pos).map_err(|_| truncated())?;
        let n = read_varint(b, &mut pos).ok_or_else(truncated)?;
        for _ in 0..n.min(MAX_SEVENTH) {
            pos += 1; // the character
            let l = read_varint(b, &mut pos).ok_or_else(truncated)? as usize;
            pos = pos.checked_add(l).filter(|&end| end <= b.len()).ok_or_else(truncated)?;
        }
        if ord as usize >= len {
            return Err(bad("SEVN names a code outside the set"));
        }
        seventh.push((ord as u32, at));
    }
    Ok(seventh)
}

/// The 7th characters an entry defines, with their meanings, read from SEVN
/// ([`CodeSet::seventh_definition`]).
pub struct SeventhChars<'a> {
    sevn: &'a [u8],
    pos: usize,
    left: usize,
}

impl<'a> Iterator for SeventhChars<'a> {
    type Item = (u8, std::borrow::Cow<'a, str>);

    fn next(&mut self) -> Option<Self::Item> {
        self.left = self.left.checked_sub(1)?;
        let b = self.sevn;
        let ch = *b.get(self.pos)?;
        self.pos += 1;
        let l = read_varint(b, &mut self.pos)? as usize;
        let text = b.get(self.pos..self.pos.checked_add(l)?)?;
        self.pos += l;
        Some((ch, String::from_utf8_lossy(text)))
    }
}

/// The rank order's head from RNKH (zigzag-delta varints), or None when an
/// ordinal falls outside the set or a varint is cut short.
fn rank_head(bytes: &[u8], len: usize) -> Option<Vec<u32>> {
    let mut head = Vec::new();
    let (mut pos, mut last) = (0usize, 0i64);
    while pos < bytes.len() {
        let z = read_varint(bytes, &mut pos)?;
        last += unzigzag(z);
        head.push(u32::try_from(last).ok().filter(|&o| (o as usize) < len)?);
    }
    Some(head)
}

/// The longest fragment EXTK may hold (the compiler's longest is 37 bytes).
const MAX_EXTRA_FRAGMENT: usize = 64;

/// An entry's extras as JSON: each byte below 0x20 in `stored` written out
/// as the fragment it stands for (the compiler wrote them so; see EXTK in
/// `medcode-codegen`'s `compile`). None when one stands for no fragment.
fn expand_extra<'a>(stored: &'a [u8], fragments: &[Box<[u8]>]) -> Option<std::borrow::Cow<'a, [u8]>> {
    if !stored.iter().any(|&b| b < 0x20) {
        return Some(std::borrow::Cow::Borrowed(stored));
    }
    let mut json = Vec::with_capacity(stored.len() * 2);
    for &b in stored {
        match b {
            0x20.. => json.push(b),
            _ => json.extend_from_slice(fragments.get(usize::from(b).checked_sub(1)?)?),
        }
    }
    Some(std::borrow::Cow::Owned(json))
}

pub mod forward;
mod fst_check;
mod keys;
mod parents;
pub mod record;
pub mod registry;
mod sums;

#[cfg(test)]
mod tests {
    /// The rank order is built from the byte arrays in one pass; it must
    /// sort exactly as [`super::CodeSet::rank_bucket`] (the definition)
    /// then the ordinal do, and `rank_position` must invert it.
    #[test]
    fn rank_order_sorts_by_rank_bucket_then_ordinal() {
        let mc = crate::MedCode::embedded().expect("sets");
        for set in mc.sets() {
            let mut expected: Vec<u32> = (0..set.len() as u32).collect();
            expected.sort_by_key(|&ord| (set.rank_bucket(ord), ord));
            assert_eq!(set.rank_order(), expected.as_slice(), "{}", set.system);
            for (at, &ord) in expected.iter().enumerate() {
                assert_eq!(set.rank_position(ord), Some(at as u32), "{} ordinal {ord}", set.system);
            }
        }
    }

    /// Every entry with stored extras reads back as a JSON object, through
    /// the one-byte stand-ins of their common fragments (EXTK).
    #[test]
    fn every_entrys_extras_expand_to_a_json_object() {
        let mc = crate::MedCode::embedded().expect("sets");
        let mut expanded = 0;
        for set in mc.sets() {
            for ord in 0..set.len() as u32 {
                let (s, e) = set.extra_off().span(ord as usize);
                let stored = set.extra.as_ref().get(s..e).expect("in EXTR");
                if stored.is_empty() {
                    continue;
                }
                expanded += usize::from(stored.iter().any(|&b| b < 0x20));
                assert!(
                    !set.extras(ord).is_empty(),
                    "{} {}: {:?}",
                    set.system,
                    set.code(ord),
                    String::from_utf8_lossy(stored)
                );
            }
        }
        assert!(expanded > 10_000, "{expanded} entries' extras hold stand-ins");
    }

    #[test]
    fn stored_extras_expand_byte_by_byte_and_plain_json_is_read_as_it_is() {
        let fragments: Vec<Box<[u8]>> = [&br#"{"notes":["#[..], br#""}]}"#].map(Box::from).into();
        let stored = b"\x01{\"text\":\"a\x02";
        let json = super::expand_extra(stored, &fragments).expect("known stand-ins");
        assert_eq!(&*json, br#"{"notes":[{"text":"a"}]}"#);
        let plain = br#"{"notes":[]}"#;
        assert!(matches!(super::expand_extra(plain, &[]), Some(std::borrow::Cow::Borrowed(b)) if b == plain));
        // A stand-in for no fragment (a crafted pack) reads as no extras.
        assert!(super::expand_extra(b"\x03", &fragments).is_none());
        assert!(super::expand_extra(b"\x00", &fragments).is_none());
    }

    /// The key lengths the embedded sets ship (KLEN) are what walking their
    /// KEYS finds, with every check the walk makes.
    #[test]
    fn embedded_key_lengths_are_those_the_keys_walk_finds() {
        let mc = crate::MedCode::embedded().expect("sets");
        for set in mc.sets() {
            let walked = super::keys::key_lengths(set.keys().as_fst()).expect("keys in order");
            assert!(set.key_len.as_ref() == walked.as_slice(), "{}", set.system);
            assert!(set.blob.try_section(b"KLEN").is_some(), "{} ships KLEN", set.system);
        }
    }

    /// Rows read the same written out and through a list of distinct rows,
    /// with one-byte indexes (up to 256 listed) and two-byte ones; an index
    /// past the list is refused when checked and reads as no row when not.
    #[test]
    fn listed_rows_read_alike_written_out_and_through_their_list() {
        use super::{date_row, Bytes, DateRows, FlagRows};
        let pairs: Vec<u8> = [(10u16, 20u16), (30, 40), (10, 20)]
            .iter()
            .flat_map(|&(f, t)| [f.to_le_bytes(), t.to_le_bytes()].concat())
            .collect();
        let plain = DateRows::new(Bytes::from_vec(pairs), None, true).expect("plain rows");
        let list: Vec<u8> = [10u16, 20, 30, 40].iter().flat_map(|v| v.to_le_bytes()).collect();
        let listed = |rows: &[u8], check: bool| {
            DateRows::new(Bytes::from_vec(rows.to_vec()), Some(Bytes::from_vec(list.clone())), check)
        };
        let named = listed(&[0, 1, 0], true).expect("listed rows");
        assert_eq!((plain.width(), named.width()), (4, 1));
        for i in 0..4 {
            assert_eq!(plain.get(i).map(date_row), named.get(i).map(date_row), "row {i}");
        }
        assert_eq!(named.get(1).map(date_row), Some((30, 40)));
        assert!(listed(&[0, 2], true).is_none(), "a byte past the list, checked");
        assert_eq!(listed(&[0, 2], false).expect("unchecked").get(1), None);
        // 300 listed flag rows: two-byte indexes.
        let rows: Vec<[u8; 8]> =
            (0..300u32).map(|k| [k.to_le_bytes(), [1, 0, 2, 0]].concat().try_into().unwrap()).collect();
        let flat = |r: &[[u8; 8]]| r.iter().flatten().copied().collect::<Vec<u8>>();
        let written = FlagRows::new(Bytes::from_vec(flat(&rows)), None, true).expect("written out");
        let indexes: Vec<u8> = (0..300u16).rev().flat_map(u16::to_le_bytes).collect();
        let reversed =
            FlagRows::new(Bytes::from_vec(indexes), Some(Bytes::from_vec(flat(&rows))), true).expect("listed");
        assert_eq!((written.width(), reversed.width(), reversed.len()), (8, 2, 300));
        for i in 0..300 {
            assert_eq!(reversed.get(i), written.get(299 - i), "row {i}");
        }
        let past = 300u16.to_le_bytes().to_vec();
        assert!(FlagRows::new(Bytes::from_vec(past), Some(Bytes::from_vec(flat(&rows))), true).is_none());
    }

    /// A date's bits answer as the validity rows do, both while they are read
    /// entry by entry and once they are built, which asking about every
    /// entry in turn does part of the way through.
    #[test]
    fn date_bits_answer_as_the_rows_do_before_and_after_they_are_built() {
        let mc = crate::MedCode::embedded().expect("sets");
        for date in ["2015-10-01", "2026-10-01"] {
            let date = super::Date::parse_opt(date).expect("date");
            for set in mc.sets() {
                let on = set.on_date(date);
                assert!(on.billable.bits.get().is_none() && on.exists.bits.get().is_none(), "{}", set.system);
                for ord in (0..set.len() as u32).rev() {
                    assert_eq!(on.billable(set, ord), set.billable_on(ord, date), "{} {ord}", set.system);
                    assert_eq!(on.exists(set, ord), set.exists_on(ord, date), "{} {ord}", set.system);
                }
                assert!(on.billable.bits.get().is_some() && on.exists.bits.get().is_some(), "{}", set.system);
            }
        }
    }

    /// An embedded set opens without its [`super::Deferred`] parts, and each
    /// builds on first read to what a set opened with every check (as a
    /// pack's are) reads, entry by entry.
    #[test]
    fn an_embedded_sets_deferred_parts_build_on_first_read_as_a_checked_open_builds_them() {
        for (name, bytes) in crate::embedded::blobs() {
            let lazy = super::CodeSet::open_embedded(bytes, name).expect("embedded");
            let d = &lazy.deferred;
            assert!(
                d.exists_off.get().is_none()
                    && d.flag_off.get().is_none()
                    && d.refs_off.get().is_none()
                    && d.extra_off.get().is_none()
                    && d.seventh.get().is_none(),
                "{name}: open built a deferred part"
            );
            let checked = super::CodeSet::open(super::Bytes::from_static(bytes), name).expect("every check passes");
            assert!(checked.deferred.seventh.get().is_some(), "{name}: a checked open builds them");
            let date = super::Date::parse_opt("2026-10-01").expect("date");
            for ord in 0..lazy.len() as u32 {
                assert_eq!(lazy.exists_ranges(ord), checked.exists_ranges(ord), "{name} {ord}");
                assert_eq!(lazy.flags(ord), checked.flags(ord), "{name} {ord}");
                assert_eq!(lazy.flag_bits_on(ord, date), checked.flag_bits_on(ord, date), "{name} {ord}");
                assert!(lazy.refs_raw(ord).eq(checked.refs_raw(ord)), "{name} {ord}");
                assert_eq!(lazy.extras(ord), checked.extras(ord), "{name} {ord}");
                let lazy_defs = lazy.seventh_definition(ord).map(|d| d.collect::<Vec<_>>());
                let checked_defs = checked.seventh_definition(ord).map(|d| d.collect::<Vec<_>>());
                assert_eq!(lazy_defs, checked_defs, "{name} {ord}");
            }
            assert!(!lazy.seventh().is_empty() || name != "icd10cm", "icd10cm has 7th-character definitions");
        }
    }

    /// The parents the embedded ICD-10-CM set ships (PR16) are those of
    /// its source, `code-sets/icd10cm/tabular.tsv`, for every row: chapters
    /// and blocks far from their children included.
    #[test]
    fn embedded_parents_are_those_of_the_tabular_source() {
        let mc = crate::MedCode::embedded().expect("sets");
        let set = mc.sets().iter().find(|s| s.system == super::System::Icd10Cm).expect("icd10cm");
        let tsv = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/code-sets/icd10cm/tabular.tsv"))
            .expect("tabular.tsv");
        let ord = |code: &str| set.ordinal(&code.replace('.', "")).unwrap_or_else(|| panic!("{code} is in the set"));
        let (mut rows, mut far) = (0, 0);
        for line in tsv.lines().skip(1) {
            let cols: Vec<&str> = line.split('\t').collect();
            let (code, parent) = (cols[0], cols[2]);
            let want = (!parent.is_empty()).then(|| ord(parent));
            assert_eq!(set.parent(ord(code)), want, "the parent of {code}");
            rows += 1;
            far += usize::from(want.is_some_and(|p| (i64::from(ord(code)) - i64::from(p)).abs() > 32_767));
        }
        assert!(rows > 98_000 && far > 0, "{rows} rows, {far} parents out of an i16's reach");
    }

    /// A checked open reads PR16 only once every entry's parent lies in the
    /// set; an embedded set's is taken as written, and still names no
    /// parent outside the set.
    #[test]
    fn a_checked_open_refuses_a_pr16_naming_a_parent_outside_the_set() {
        let (name, bytes) = crate::embedded::blobs().into_iter().find(|(n, _)| *n == "icd10cm").expect("icd10cm");
        let set = super::CodeSet::open_embedded(bytes, name).expect("embedded");
        let last = set.len() - 1;
        let pr16 = {
            let n = u32::from_le_bytes(bytes[20..24].try_into().unwrap()) as usize;
            let e = (0..n).map(|i| 24 + 12 * i).find(|&e| &bytes[e..e + 4] == b"PR16").expect("PR16");
            u32::from_le_bytes(bytes[e + 4..e + 8].try_into().unwrap()) as usize
        };
        let mut damaged = bytes.to_vec();
        // The last entry's parent five entries past the end.
        damaged[pr16 + 2 * last..pr16 + 2 * last + 2].copy_from_slice(&(-5i16).to_le_bytes());
        let sum = crate::format::checksum(&damaged[20..]);
        damaged[12..20].copy_from_slice(&sum.to_le_bytes());
        let err = super::CodeSet::open(super::Bytes::from_vec(damaged.clone()), name).err().expect("refused");
        assert!(err.to_string().contains("PR16"), "{err}");
        let trusted = super::CodeSet::open_embedded(Box::leak(damaged.into_boxed_slice()), name).expect("trusted");
        assert_eq!(trusted.parent(last as u32), None);
        assert_eq!(trusted.parent(last as u32 - 1), set.parent(last as u32 - 1));
    }

    /// PARN's one-byte and longer varints read alike; a list cut short, a
    /// parent outside the set and an entry its own parent are refused.
    #[test]
    fn parents_read_from_one_byte_and_longer_varints_and_refuse_bad_ones() {
        use super::Parents;
        // zigzag(entry - parent) + 1: entry 1's parent 0 (d = 1: 3), entry 2
        // none, entry 200's parent 0 (d = 200: 401 = [0x91, 0x03]).
        let mut parn = vec![0, 3, 0];
        parn.extend(std::iter::repeat_n(0, 197));
        parn.extend([0x91, 0x03]);
        let parents = Parents::from_varints(&parn, 201).expect("parents");
        assert_eq!((parents.get(1), parents.get(2), parents.get(200)), (Some(0), None, Some(0)));
        assert_eq!(parents.len(), 201);
        assert!(Parents::from_varints(&parn[..parn.len() - 1], 201).is_none(), "cut short");
        assert!(Parents::from_varints(&[2], 1).is_none(), "a parent after the end (d = -1)");
        assert!(Parents::from_varints(&[0, 5], 2).is_none(), "a parent before the start (d = 2)");
        assert!(Parents::from_varints(&[1], 1).is_none(), "its own parent (d = 0)");
    }

    /// The head of the rank order the embedded sets ship (RNKH) is the
    /// order's start as the reader builds it.
    #[test]
    fn the_shipped_rank_head_is_the_start_of_the_rank_order() {
        let mc = crate::MedCode::embedded().expect("sets");
        for set in mc.sets() {
            let head = set.rank_head.clone();
            assert_eq!(head.len(), set.len().min(medcode_codegen::compile::RANK_HEAD), "{}", set.system);
            assert_eq!(
                set.rank_order_head(200),
                head.get(..200.min(head.len())).unwrap(),
                "{} before the build",
                set.system
            );
            assert!(set.rank_order.get().is_none(), "{}: reading the head built the order", set.system);
            assert_eq!(head.as_slice(), &set.rank_order()[..head.len()], "{}", set.system);
            assert_eq!(set.rank_order_head(200), &set.rank_order()[..200.min(set.len())], "{} after", set.system);
        }
    }
}
