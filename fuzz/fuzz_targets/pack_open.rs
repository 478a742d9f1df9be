//! Bytes as a pack (`pack::open` and `MedCode::load_pack`, what `--pack
//! FILE` and JS `loadPack` call) and as a bare blob (`format::Blob::open`
//! and its section readers); a pack that opens is then read everywhere:
//! searched, every row and record built, its edits looked up, and loaded
//! into a registry that scrubs a claim with it.
//!
//! Byte 0 is a mode, the rest the file: mode bit 0 rewrites the container
//! checksum after mutation and bit 1 also the fst indexes' checksums, so
//! mutated packs reach the section parsers instead of stopping at "checksum
//! mismatch" (mode 0 keeps that path covered).
//!
//! The registry is opened once per process (opening the embedded sets per
//! input would cap the target at a few runs a second) and opened afresh
//! after every 64 loads, so the NCCI and MUE packs it accumulates stay few.
#![no_main]

use std::sync::Mutex;

use libfuzzer_sys::fuzz_target;
use medcode::format::{read_varint, Blob, Bytes, U16s, U32s};
use medcode::pack::PackData;
use medcode::scrub::tables::Tables;
use medcode::scrub::ScrubOptions;
use medcode::{Date, GetOptions, MedCode, SearchOptions};
use medcode_fuzz::{fix_blob_checksum, fix_fst_checksums};

/// A claim that reaches the CPT, NCCI PTP and MUE edits (made-up CPT-format codes).
const CLAIM: &str = r#"{"diagnoses": ["E11.9"], "lines": [
  {"code": "00001", "units": 9, "charge": 1, "serviceDate": "2026-05-01", "diagnosisPointers": [1]},
  {"code": "00002", "units": 1, "charge": 1, "serviceDate": "2026-05-01", "diagnosisPointers": [1]},
  {"code": "G0438", "units": 1, "charge": 1, "serviceDate": "2026-05-01", "diagnosisPointers": [1]}]}"#;

static REGISTRY: Mutex<Option<(MedCode, usize)>> = Mutex::new(None);

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let mut bytes = rest.to_vec();
    if mode & 2 != 0 {
        fix_fst_checksums(&mut bytes, &[b"KEYS", b"WORD"]);
    }
    if mode & 1 != 0 {
        fix_blob_checksum(&mut bytes);
    }
    let date = Date::from_ymd(2026, 5, 1).unwrap();

    // The container reader alone.
    if let Ok(blob) = Blob::open(Bytes::from_vec(bytes.clone()), "fuzz") {
        for tag in [b"META", b"KEYS", b"PARN", b"VBRG", b"EXLN", b"PTPR", b"MUER", b"RATN"] {
            if let Some(s) = blob.try_section(tag) {
                let (u32s, u16s) = (U32s(s.clone()), U16s(s.clone()));
                let _ = (u32s.get(u32s.len().saturating_sub(1)), u16s.get(u16s.len()));
                let mut pos = 0;
                while pos < 64 && read_varint(s.as_ref(), &mut pos).is_some() {}
            }
        }
    }

    // The pack reader, and everything that reads an opened pack.
    let Ok(pack) = medcode::pack::open(Bytes::from_vec(bytes.clone()), "fuzz.mcpack") else { return };
    serde_json::to_string(&pack.info).expect("pack info serializes");
    match &pack.data {
        PackData::Cpt(set) => {
            let sets = [&**set];
            for q in ["0", "00001", "knee", "a b", "kne"] {
                let _ = medcode::lookup::search(&sets, None, q, &SearchOptions::on(date));
            }
            for o in 0..set.len().min(256) as u32 {
                let r = medcode::codeset::record::record(set, o, date);
                serde_json::to_string(&r).expect("a record serializes");
            }
        }
        PackData::Ptp(t) => {
            let mut tables = Tables::default();
            tables.add_pack(&pack.data);
            for i in 0..t.len().min(1024) {
                let r = t.row(i).expect("a row of an opened pack reads");
                let _ = t.pair(r.column1, r.column2).count();
                let _ = t.find(r.column1, r.column2, r.from);
                let _ = tables.ptp_on(r.column1, r.column2, r.to);
            }
            let _ = t.count_on(date);
        }
        PackData::Mue(t) => {
            let mut tables = Tables::default();
            tables.add_pack(&pack.data);
            for i in 0..t.len().min(1024) {
                let r = t.row(i).expect("a row of an opened pack reads");
                let _ = t.find(r.code, r.from);
                let _ = tables.mue_on(r.code, r.to);
            }
            let _ = t.count_on(date);
        }
    }
    drop(pack);

    // Loaded into a registry as the CLI and JS do, then used.
    let mut guard = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
    if guard.as_ref().is_none_or(|(_, loads)| *loads >= 64) {
        *guard = Some((MedCode::embedded().expect("embedded code sets open"), 0));
    }
    let (mc, loads) = guard.as_mut().expect("opened above");
    *loads += 1;
    mc.load_pack_as(bytes, "fuzz.mcpack").expect("a pack that opened loads");
    let _ = mc.info(date);
    for q in ["00001", "0000", "knee"] {
        let _ = mc.search(q, &SearchOptions::on(date));
        let _ = mc.get(q, &GetOptions { system: None, date });
    }
    let _ = mc.scrub_str(CLAIM, &ScrubOptions { today: date, format: None }, "1");
});
