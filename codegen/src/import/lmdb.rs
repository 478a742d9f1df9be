//! A small read-only reader for LMDB data files (`data.mdb` / `*.mdb`),
//! enough for the pinned source packages: 64-bit layout, page size taken from
//! the meta page, B+tree branch and leaf pages, overflow pages for large
//! values and named sub-databases (`F_SUBDATA`). Duplicate-sorted databases
//! and non-default key orders are rejected with an error.
//!
//! Everything is bounds-checked: a damaged file gives an [`Error`], never a
//! panic or an endless loop.
//!
//! Layout (from LMDB's `mdb.c`, 64-bit build):
//! - page header, 16 bytes: `u64 pgno, u16 pad, u16 flags, u16 lower, u16 upper`
//!   (`lower`/`upper` are one `u32` page count on an overflow page), then the
//!   `u16` node offsets of a branch or leaf page;
//! - meta pages 0 and 1: header, then `u32 magic (0xBEEFC0DE), u32 version,
//!   u64 address, u64 mapsize, MDB_db free, MDB_db main, u64 last_pgno,
//!   u64 txnid`; the page size is stored in the free DB's `pad` field;
//! - `MDB_db` (48 bytes): `u32 pad, u16 flags, u16 depth, u64 branch_pages,
//!   u64 leaf_pages, u64 overflow_pages, u64 entries, u64 root`;
//! - node, 8 bytes then the key and (leaf) the data: `u16 lo, u16 hi,
//!   u16 flags, u16 key_size`; on a leaf `lo | hi << 16` is the data size, on
//!   a branch `lo | hi << 16 | flags << 32` is the child page.

use std::fmt;

const PAGE_HEADER: usize = 16;
const NODE_HEADER: usize = 8;
const META_MAGIC: u32 = 0xBEEF_C0DE;
const DB_RECORD: usize = 48;
const NO_PAGE: u64 = u64::MAX;
/// Deeper trees than this cannot come from a file of sane size.
const MAX_DEPTH: u16 = 32;

const P_BRANCH: u16 = 0x01;
const P_LEAF: u16 = 0x02;
const P_OVERFLOW: u16 = 0x04;
const P_META: u16 = 0x08;
const P_LEAF2: u16 = 0x20;

const F_BIGDATA: u16 = 0x01;
const F_SUBDATA: u16 = 0x02;
const F_DUPDATA: u16 = 0x04;

/// `MDB_REVERSEKEY | MDB_DUPSORT | MDB_INTEGERKEY | MDB_DUPFIXED |
/// MDB_INTEGERDUP | MDB_REVERSEDUP`: database flags this reader cannot honour.
const UNSUPPORTED_DB_FLAGS: u16 = 0x02 | 0x04 | 0x08 | 0x10 | 0x20 | 0x40;

/// A malformed or unsupported LMDB file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LMDB: {}", self.0)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

fn err<T>(msg: impl Into<String>) -> Result<T> {
    Err(Error(msg.into()))
}

/// One B+tree: the main database or a named sub-database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Db {
    pub flags: u16,
    pub depth: u16,
    pub entries: u64,
    /// Root page number, `u64::MAX` for an empty tree.
    pub root: u64,
}

/// An LMDB file held in memory.
pub struct Env {
    data: Vec<u8>,
    page_size: usize,
    main: Db,
    txnid: u64,
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Env")
            .field("bytes", &self.data.len())
            .field("page_size", &self.page_size)
            .field("main", &self.main)
            .field("txnid", &self.txnid)
            .finish()
    }
}

fn u16_at(b: &[u8], at: usize) -> Result<u16> {
    match b.get(at..at + 2) {
        Some(s) => Ok(u16::from_le_bytes([s[0], s[1]])),
        None => err(format!("read of 2 bytes at {at} past the end ({} bytes)", b.len())),
    }
}

fn u32_at(b: &[u8], at: usize) -> Result<u32> {
    match b.get(at..at + 4) {
        Some(s) => Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]])),
        None => err(format!("read of 4 bytes at {at} past the end ({} bytes)", b.len())),
    }
}

fn u64_at(b: &[u8], at: usize) -> Result<u64> {
    match b.get(at..at + 8) {
        Some(s) => {
            let mut a = [0u8; 8];
            a.copy_from_slice(s);
            Ok(u64::from_le_bytes(a))
        }
        None => err(format!("read of 8 bytes at {at} past the end ({} bytes)", b.len())),
    }
}

fn read_db(b: &[u8], at: usize) -> Result<Db> {
    Ok(Db {
        flags: u16_at(b, at + 4)?,
        depth: u16_at(b, at + 6)?,
        entries: u64_at(b, at + 32)?,
        root: u64_at(b, at + 40)?,
    })
}

/// A parsed meta page: (page size, main DB, txnid).
fn read_meta(data: &[u8], offset: usize) -> Result<(usize, Db, u64)> {
    let flags = u16_at(data, offset + 10)?;
    if flags & P_META == 0 {
        return err(format!("page at byte {offset} is not a meta page (flags {flags:#x})"));
    }
    let m = offset + PAGE_HEADER;
    let magic = u32_at(data, m)?;
    if magic != META_MAGIC {
        return err(format!("bad magic {magic:#x} at byte {m} (not an LMDB file?)"));
    }
    let version = u32_at(data, m + 4)?;
    if version != 1 {
        return err(format!("unsupported data version {version}"));
    }
    let free_db = m + 24;
    let page_size = u32_at(data, free_db)? as usize;
    if !(512..=(1 << 16)).contains(&page_size) || !page_size.is_power_of_two() {
        return err(format!("implausible page size {page_size}"));
    }
    let main = read_db(data, free_db + DB_RECORD)?;
    let txnid = u64_at(data, free_db + 2 * DB_RECORD + 8)?;
    Ok((page_size, main, txnid))
}

impl Env {
    /// Opens an LMDB file from its bytes, using the newer of the two meta pages.
    pub fn open(data: Vec<u8>) -> Result<Env> {
        let (page_size, main0, txn0) = read_meta(&data, 0)?;
        let (main, txnid) = match read_meta(&data, page_size) {
            Ok((ps1, main1, txn1)) if ps1 == page_size && txn1 > txn0 => (main1, txn1),
            _ => (main0, txn0),
        };
        let env = Env { data, page_size, main, txnid };
        env.check_db(&env.main, "main database")?;
        Ok(env)
    }

    pub fn page_size(&self) -> usize {
        self.page_size
    }

    /// The transaction id of the meta page in use.
    pub fn txnid(&self) -> u64 {
        self.txnid
    }

    /// The unnamed main database (which lists the named ones, if any).
    pub fn main_db(&self) -> Db {
        self.main
    }

    fn check_db(&self, db: &Db, what: &str) -> Result<()> {
        if db.flags & UNSUPPORTED_DB_FLAGS != 0 {
            return err(format!(
                "{what} has flags {:#x}: only plain byte-ordered keys without duplicates are supported",
                db.flags
            ));
        }
        if db.root != NO_PAGE && (db.depth == 0 || db.depth > MAX_DEPTH) {
            return err(format!("{what} has implausible depth {}", db.depth));
        }
        Ok(())
    }

    /// The bytes of page `pgno` (one page; overflow data is read separately).
    fn page(&self, pgno: u64) -> Result<&[u8]> {
        let start = usize::try_from(pgno)
            .ok()
            .and_then(|p| p.checked_mul(self.page_size))
            .filter(|s| s.checked_add(self.page_size).is_some_and(|e| e <= self.data.len()));
        let Some(start) = start else {
            return err(format!("page {pgno} lies beyond the end of the file ({} bytes)", self.data.len()));
        };
        let page = &self.data[start..start + self.page_size];
        let stored = u64_at(page, 0)?;
        if stored != pgno {
            return err(format!("page {pgno} says it is page {stored}"));
        }
        Ok(page)
    }

    /// The offsets of the nodes on a branch or leaf page.
    fn node_offsets<'p>(&self, page: &'p [u8], pgno: u64) -> Result<impl Iterator<Item = Result<usize>> + 'p> {
        let lower = u16_at(page, 12)? as usize;
        let upper = u16_at(page, 14)? as usize;
        if lower < PAGE_HEADER || lower > upper || upper > page.len() || (lower - PAGE_HEADER) & 1 != 0 {
            return err(format!("page {pgno} has bad bounds lower={lower} upper={upper}"));
        }
        let n = (lower - PAGE_HEADER) / 2;
        let len = page.len();
        Ok((0..n).map(move |i| {
            let off = u16_at(page, PAGE_HEADER + 2 * i)? as usize;
            if off < upper || off + NODE_HEADER > len {
                return err(format!("page {pgno}: node {i} at bad offset {off}"));
            }
            Ok(off)
        }))
    }

    /// Looks up a named sub-database in the main database.
    pub fn open_db(&self, name: &[u8]) -> Result<Option<Db>> {
        let mut found = None;
        self.walk(&self.main, &mut |key, node| {
            if key == name {
                found = Some(node);
            }
            Ok(())
        })?;
        let Some(node) = found else { return Ok(None) };
        match node {
            Node::SubDb(db) => {
                self.check_db(&db, &format!("database {:?}", String::from_utf8_lossy(name)))?;
                Ok(Some(db))
            }
            Node::Value(_) => err(format!("{:?} is a plain key, not a named database", String::from_utf8_lossy(name))),
        }
    }

    /// The names of the named sub-databases, in key order.
    pub fn db_names(&self) -> Result<Vec<Vec<u8>>> {
        let mut names = Vec::new();
        self.walk(&self.main, &mut |key, node| {
            if let Node::SubDb(_) = node {
                names.push(key.to_vec());
            }
            Ok(())
        })?;
        Ok(names)
    }

    /// Calls `f` with every key and value of `db`, in key order.
    pub fn for_each<'s>(&'s self, db: &Db, mut f: impl FnMut(&'s [u8], &'s [u8]) -> Result<()>) -> Result<()> {
        self.walk(db, &mut |key, node| match node {
            Node::Value(v) => f(key, v),
            Node::SubDb(_) => {
                err(format!("key {:?} holds a named database, not a value", String::from_utf8_lossy(key)))
            }
        })
    }

    /// Every key and value of `db`, in key order.
    pub fn entries(&self, db: &Db) -> Result<Vec<(&[u8], &[u8])>> {
        let mut out = Vec::new();
        self.for_each(db, |k, v| {
            out.push((k, v));
            Ok(())
        })?;
        Ok(out)
    }

    /// The value stored under `key` in `db`.
    pub fn get(&self, db: &Db, key: &[u8]) -> Result<Option<&[u8]>> {
        if db.root == NO_PAGE {
            return Ok(None);
        }
        let mut pgno = db.root;
        for level in 1..=db.depth {
            let page = self.page(pgno)?;
            let flags = u16_at(page, 10)?;
            let want_leaf = level == db.depth;
            check_kind(flags, want_leaf, pgno)?;
            if !want_leaf {
                // The child whose first key is the last one <= key; the first
                // node's key is an implicit lower bound.
                let mut child = None;
                for (i, off) in self.node_offsets(page, pgno)?.enumerate() {
                    let off = off?;
                    let k = node_key(page, off, pgno)?;
                    if i == 0 || k <= key {
                        child = Some(branch_child(page, off)?);
                    } else {
                        break;
                    }
                }
                pgno = child.ok_or_else(|| Error(format!("branch page {pgno} has no nodes")))?;
                continue;
            }
            for off in self.node_offsets(page, pgno)? {
                let off = off?;
                if node_key(page, off, pgno)? == key {
                    return match self.leaf_value(page, off, pgno)? {
                        Node::Value(v) => Ok(Some(v)),
                        Node::SubDb(_) => err("key holds a named database, not a value"),
                    };
                }
            }
            return Ok(None);
        }
        err(format!("tree with depth {} ended without a leaf", db.depth))
    }

    /// Visits every leaf node of `db` in order.
    fn walk<'s>(&'s self, db: &Db, f: &mut dyn FnMut(&'s [u8], Node<'s>) -> Result<()>) -> Result<()> {
        if db.root == NO_PAGE {
            return Ok(());
        }
        let mut seen = 0u64;
        // A sound tree visits each page once; a damaged one could revisit
        // pages without end, so the visits are capped at the page count.
        let mut budget = (self.data.len() / self.page_size) as u64;
        self.walk_page(db.root, 1, db.depth, &mut seen, &mut budget, f)?;
        if seen != db.entries {
            return err(format!("tree holds {seen} entries, its header says {}", db.entries));
        }
        Ok(())
    }

    fn walk_page<'s>(
        &'s self,
        pgno: u64,
        level: u16,
        depth: u16,
        seen: &mut u64,
        budget: &mut u64,
        f: &mut dyn FnMut(&'s [u8], Node<'s>) -> Result<()>,
    ) -> Result<()> {
        if *budget == 0 {
            return err("the tree visits more pages than the file holds (a cycle?)");
        }
        *budget -= 1;
        let page = self.page(pgno)?;
        let flags = u16_at(page, 10)?;
        let leaf = level == depth;
        check_kind(flags, leaf, pgno)?;
        for off in self.node_offsets(page, pgno)? {
            let off = off?;
            if leaf {
                let key = node_key(page, off, pgno)?;
                let node = self.leaf_value(page, off, pgno)?;
                *seen += 1;
                f(key, node)?;
            } else {
                self.walk_page(branch_child(page, off)?, level + 1, depth, seen, budget, f)?;
            }
        }
        Ok(())
    }

    /// The data of a leaf node: inline, on overflow pages, or a sub-database record.
    fn leaf_value<'s>(&'s self, page: &'s [u8], off: usize, pgno: u64) -> Result<Node<'s>> {
        let size = u16_at(page, off)? as usize | (u16_at(page, off + 2)? as usize) << 16;
        let flags = u16_at(page, off + 4)?;
        let ksize = u16_at(page, off + 6)? as usize;
        let data_at = off + NODE_HEADER + ksize;
        if flags & F_DUPDATA != 0 {
            return err(format!("page {pgno}: duplicate-sorted data is not supported"));
        }
        if flags & F_BIGDATA != 0 {
            let ov = u64_at(page, data_at)?;
            return Ok(Node::Value(self.overflow(ov, size)?));
        }
        let inline = page
            .get(data_at..data_at + size)
            .ok_or_else(|| Error(format!("page {pgno}: node at {off} runs past the page")))?;
        if flags & F_SUBDATA != 0 {
            if size != DB_RECORD {
                return err(format!("page {pgno}: sub-database record of {size} bytes"));
            }
            return Ok(Node::SubDb(read_db(inline, 0)?));
        }
        Ok(Node::Value(inline))
    }

    /// `size` bytes stored on the overflow pages starting at `pgno`.
    fn overflow(&self, pgno: u64, size: usize) -> Result<&[u8]> {
        let page = self.page(pgno)?;
        let flags = u16_at(page, 10)?;
        if flags & P_OVERFLOW == 0 {
            return err(format!("page {pgno} should be an overflow page (flags {flags:#x})"));
        }
        let pages = u32_at(page, 12)? as usize;
        let start = pgno as usize * self.page_size + PAGE_HEADER;
        let span = pages.saturating_mul(self.page_size).saturating_sub(PAGE_HEADER);
        if size > span {
            return err(format!("overflow value of {size} bytes does not fit its {pages} pages at {pgno}"));
        }
        self.data
            .get(start..start + size)
            .ok_or_else(|| Error(format!("overflow value at page {pgno} runs past the end of the file")))
    }
}

enum Node<'a> {
    Value(&'a [u8]),
    SubDb(Db),
}

fn check_kind(flags: u16, want_leaf: bool, pgno: u64) -> Result<()> {
    if flags & P_LEAF2 != 0 {
        return err(format!("page {pgno}: LEAF2 (fixed-size duplicate) pages are not supported"));
    }
    match (want_leaf, flags & (P_BRANCH | P_LEAF)) {
        (true, P_LEAF) | (false, P_BRANCH) => Ok(()),
        _ => err(format!(
            "page {pgno} has flags {flags:#x}, expected a {} page",
            if want_leaf { "leaf" } else { "branch" }
        )),
    }
}

fn node_key(page: &[u8], off: usize, pgno: u64) -> Result<&[u8]> {
    let ksize = u16_at(page, off + 6)? as usize;
    page.get(off + NODE_HEADER..off + NODE_HEADER + ksize)
        .ok_or_else(|| Error(format!("page {pgno}: key of node at {off} runs past the page")))
}

fn branch_child(page: &[u8], off: usize) -> Result<u64> {
    let lo = u16_at(page, off)? as u64;
    let hi = u16_at(page, off + 2)? as u64;
    let top = u16_at(page, off + 4)? as u64;
    Ok(lo | hi << 16 | top << 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PS: usize = 4096;

    /// Builds a tiny LMDB file page by page, mirroring LMDB's layout.
    struct Builder {
        pages: Vec<Vec<u8>>,
    }

    fn db_record(flags: u16, depth: u16, entries: u64, root: u64) -> Vec<u8> {
        let mut r = vec![0u8; DB_RECORD];
        r[4..6].copy_from_slice(&flags.to_le_bytes());
        r[6..8].copy_from_slice(&depth.to_le_bytes());
        r[32..40].copy_from_slice(&entries.to_le_bytes());
        r[40..48].copy_from_slice(&root.to_le_bytes());
        r
    }

    enum N<'a> {
        Leaf(&'a [u8], &'a [u8], u16),
        Big(&'a [u8], usize, u64),
        Branch(&'a [u8], u64),
    }

    impl Builder {
        fn new() -> Self {
            Builder { pages: vec![vec![0; PS], vec![0; PS]] }
        }

        fn meta(&mut self, which: usize, main: &[u8], txnid: u64) {
            let p = &mut self.pages[which];
            p[0..8].copy_from_slice(&(which as u64).to_le_bytes());
            p[10..12].copy_from_slice(&P_META.to_le_bytes());
            let m = PAGE_HEADER;
            p[m..m + 4].copy_from_slice(&META_MAGIC.to_le_bytes());
            p[m + 4..m + 8].copy_from_slice(&1u32.to_le_bytes());
            let free = db_record(0, 0, 0, NO_PAGE);
            p[m + 24..m + 72].copy_from_slice(&free);
            p[m + 24..m + 28].copy_from_slice(&(PS as u32).to_le_bytes());
            p[m + 72..m + 120].copy_from_slice(main);
            p[m + 128..m + 136].copy_from_slice(&txnid.to_le_bytes());
        }

        fn node_page(&mut self, flags: u16, nodes: &[N]) -> u64 {
            let pgno = self.pages.len() as u64;
            let mut p = vec![0u8; PS];
            p[0..8].copy_from_slice(&pgno.to_le_bytes());
            p[10..12].copy_from_slice(&flags.to_le_bytes());
            let mut upper = PS;
            for (i, n) in nodes.iter().enumerate() {
                let (hdr, key, data): ([u16; 4], &[u8], Vec<u8>) = match n {
                    N::Leaf(k, v, f) => ([v.len() as u16, (v.len() >> 16) as u16, *f, k.len() as u16], k, v.to_vec()),
                    N::Big(k, size, ov) => {
                        ([*size as u16, (*size >> 16) as u16, F_BIGDATA, k.len() as u16], k, ov.to_le_bytes().to_vec())
                    }
                    N::Branch(k, child) => {
                        ([*child as u16, (*child >> 16) as u16, (*child >> 32) as u16, k.len() as u16], k, Vec::new())
                    }
                };
                let len = (NODE_HEADER + key.len() + data.len() + 1) & !1;
                upper -= len;
                for (j, h) in hdr.iter().enumerate() {
                    p[upper + 2 * j..upper + 2 * j + 2].copy_from_slice(&h.to_le_bytes());
                }
                p[upper + 8..upper + 8 + key.len()].copy_from_slice(key);
                p[upper + 8 + key.len()..upper + 8 + key.len() + data.len()].copy_from_slice(&data);
                p[PAGE_HEADER + 2 * i..PAGE_HEADER + 2 * i + 2].copy_from_slice(&(upper as u16).to_le_bytes());
            }
            let lower = (PAGE_HEADER + 2 * nodes.len()) as u16;
            p[12..14].copy_from_slice(&lower.to_le_bytes());
            p[14..16].copy_from_slice(&(upper as u16).to_le_bytes());
            self.pages.push(p);
            pgno
        }

        fn overflow(&mut self, value: &[u8]) -> u64 {
            let pgno = self.pages.len() as u64;
            let n = (PAGE_HEADER + value.len()).div_ceil(PS);
            let mut all = vec![0u8; n * PS];
            all[0..8].copy_from_slice(&pgno.to_le_bytes());
            all[10..12].copy_from_slice(&P_OVERFLOW.to_le_bytes());
            all[12..16].copy_from_slice(&(n as u32).to_le_bytes());
            all[PAGE_HEADER..PAGE_HEADER + value.len()].copy_from_slice(value);
            for chunk in all.chunks(PS) {
                self.pages.push(chunk.to_vec());
            }
            pgno
        }

        fn bytes(&self) -> Vec<u8> {
            self.pages.concat()
        }
    }

    fn sample() -> Vec<u8> {
        let mut b = Builder::new();
        let big: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let ov = b.overflow(&big);
        // Named database "t": two leaves under one branch.
        let l1 = b.node_page(P_LEAF, &[N::Leaf(b"a", b"1", 0), N::Leaf(b"b", b"22", 0)]);
        let l2 = b.node_page(P_LEAF, &[N::Leaf(b"c", b"333", 0), N::Big(b"d", big.len(), ov)]);
        let br = b.node_page(P_BRANCH, &[N::Branch(b"", l1), N::Branch(b"c", l2)]);
        let t = db_record(0, 2, 4, br);
        let main_leaf = b.node_page(P_LEAF, &[N::Leaf(b"plain", b"x", 0), N::Leaf(b"t", &t, F_SUBDATA)]);
        let main = db_record(0, 1, 2, main_leaf);
        b.meta(0, &db_record(0, 0, 0, NO_PAGE), 1);
        b.meta(1, &main, 2);
        b.bytes()
    }

    #[test]
    fn reads_named_db_with_branch_and_overflow() {
        let env = Env::open(sample()).unwrap();
        assert_eq!(env.page_size(), PS);
        assert_eq!(env.txnid(), 2);
        assert_eq!(env.db_names().unwrap(), vec![b"t".to_vec()]);
        let t = env.open_db(b"t").unwrap().unwrap();
        let all = env.entries(&t).unwrap();
        let keys: Vec<&[u8]> = all.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, vec![&b"a"[..], b"b", b"c", b"d"]);
        assert_eq!(all[2].1, b"333");
        assert_eq!(all[3].1.len(), 10_000);
        assert_eq!(all[3].1[300], (300 % 251) as u8);
        assert_eq!(env.get(&t, b"b").unwrap(), Some(&b"22"[..]));
        assert_eq!(env.get(&t, b"c").unwrap(), Some(&b"333"[..]));
        assert_eq!(env.get(&t, b"bb").unwrap(), None);
        assert_eq!(env.get(&t, b"d").unwrap().map(|v| v.len()), Some(10_000));
        let main = env.main_db();
        assert_eq!(env.get(&main, b"plain").unwrap(), Some(&b"x"[..]));
        assert!(env.open_db(b"nope").unwrap().is_none());
        assert!(env.open_db(b"plain").is_err());
        assert!(env.entries(&main).is_err(), "a sub-database is not a value");
    }

    #[test]
    fn uses_newest_meta_page() {
        let mut bytes = sample();
        // Make meta 0 the newer one: it points at an empty main database.
        let at = PAGE_HEADER + 128;
        bytes[at..at + 8].copy_from_slice(&9u64.to_le_bytes());
        let env = Env::open(bytes).unwrap();
        assert_eq!(env.txnid(), 9);
        assert!(env.open_db(b"t").unwrap().is_none());
    }

    #[test]
    fn malformed_input_gives_errors() {
        assert!(Env::open(Vec::new()).is_err());
        assert!(Env::open(vec![0u8; 100]).is_err());
        let good = sample();
        // Bad magic.
        let mut b = good.clone();
        b[PAGE_HEADER] ^= 0xFF;
        assert!(Env::open(b).is_err());
        // Truncated file: pages referenced past the end.
        let b = good[..PS * 3].to_vec();
        let env = Env::open(b).unwrap();
        assert!(env.open_db(b"t").is_err());
        // Every single-byte corruption: never a panic.
        for i in (2 * PS..good.len()).step_by(7) {
            let mut b = good.clone();
            b[i] = b[i].wrapping_add(0x5A);
            if let Ok(env) = Env::open(b) {
                if let Ok(Some(t)) = env.open_db(b"t") {
                    let _ = env.entries(&t);
                    let _ = env.get(&t, b"c");
                }
            }
        }
        // A branch pointing at itself is caught by the depth bound.
        let mut b = good.clone();
        let branch_pg = 2 + 3 + 2; // meta, meta, 3 overflow pages, 2 leaves
        let page = &mut b[branch_pg * PS..(branch_pg + 1) * PS];
        let off = u16::from_le_bytes([page[PAGE_HEADER], page[PAGE_HEADER + 1]]) as usize;
        page[off..off + 2].copy_from_slice(&(branch_pg as u16).to_le_bytes());
        let env = Env::open(b).unwrap();
        let t = env.open_db(b"t").unwrap().unwrap();
        assert!(env.entries(&t).is_err());
    }
}
