//! The wasm binding (`Engine`), exercised from Rust inside WebAssembly with
//! wasm-bindgen-test, against the real embedded code sets.
//!
//! One file, two runs (`scripts/test.sh` does both):
//!
//! - Node: `cargo test --target wasm32-unknown-unknown --test wasm`
//!   (the runner is set in `.cargo/config.toml`);
//! - headless Chromium: the same with `WASM_BINDGEN_USE_BROWSER=1
//!   CHROMEDRIVER=/usr/bin/chromedriver` (the runner's switch; a
//!   `wasm_bindgen_test_configure!(run_in_browser)` would pin the file to the
//!   browser only).
//!
//! Native `cargo test` compiles this file to nothing.
#![cfg(target_arch = "wasm32")]

use js_sys::{Object, Reflect};
use medcode::Engine;
use serde_json::{json, Value};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

/// A JS options object from JSON (`{"date": "2026-05-01"}`).
fn opts(v: Value) -> JsValue {
    let obj = Object::new();
    for (k, v) in v.as_object().expect("options are an object") {
        let js = match v {
            Value::String(s) => JsValue::from_str(s),
            Value::Bool(b) => JsValue::from_bool(*b),
            Value::Number(n) => JsValue::from_f64(n.as_f64().unwrap()),
            Value::Null => JsValue::NULL,
            other => panic!("unsupported option value {other}"),
        };
        Reflect::set(&obj, &JsValue::from_str(k), &js).unwrap();
    }
    obj.into()
}

/// A JS value (as returned by the engine) as JSON.
fn json(v: JsValue) -> Value {
    let text = js_sys::JSON::stringify(&v).expect("engine results are plain JSON");
    serde_json::from_str(&String::from(text)).expect("engine results are plain JSON")
}

fn engine() -> Engine {
    Engine::new().unwrap_or_else(|e| panic!("Engine::new failed: {e:?}"))
}

fn search(e: &Engine, q: &str, o: Value) -> Value {
    json(e.search(q, opts(o)).unwrap_or_else(|err| panic!("search({q:?}) threw {err:?}")))
}

fn codes(res: &Value) -> Vec<&str> {
    res["results"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect()
}

/// The `code` property of a thrown JS `Error`.
fn error_code(err: JsValue) -> String {
    let err: js_sys::Error = err.dyn_into().expect("the engine throws an Error");
    assert!(!String::from(err.message()).is_empty(), "the error has a message");
    Reflect::get(&err, &"code".into()).unwrap().as_string().expect("the error has a string code")
}

const DAY: &str = "2026-05-01";

#[wasm_bindgen_test]
fn search_exact_code_first_in_any_form() {
    let e = engine();
    for (q, want) in
        [("E11.9", "E11.9"), ("e119", "E11.9"), ("S72.001A", "S72.001A"), ("s72001a", "S72.001A"), ("G0439", "G0439")]
    {
        let res = search(&e, q, json!({ "date": DAY }));
        assert_eq!(res["query"], q);
        assert_eq!(codes(&res).first().copied(), Some(want), "first result of {q:?}: {res}");
    }
}

#[wasm_bindgen_test]
fn search_result_shape() {
    let e = engine();
    let res = search(&e, "E11.9", json!({ "date": DAY, "limit": 3 }));
    let first = &res["results"][0];
    assert_eq!(first["system"], "icd10cm");
    assert_eq!(first["display"], "Type 2 diabetes mellitus without complications");
    assert_eq!(first["billable"], true);
    assert!(first["score"].is_number());
    assert!(res["results"].as_array().unwrap().len() <= 3);
}

#[wasm_bindgen_test]
fn search_words_in_any_order() {
    let e = engine();
    let res = search(&e, "diab mell 2 kid", json!({ "date": DAY, "system": "icd10cm" }));
    assert!(codes(&res).iter().any(|c| c.starts_with("E11.2")), "{res}");
    let res = search(&e, "diab", json!({ "date": DAY, "limit": 50 }));
    assert!(codes(&res).iter().any(|c| c.starts_with("E11")), "{res}");
}

#[wasm_bindgen_test]
fn search_billable_only_and_system() {
    let e = engine();
    let res = search(&e, "E11", json!({ "date": DAY, "billableOnly": true, "limit": 50 }));
    let list = res["results"].as_array().unwrap();
    assert!(!list.is_empty());
    assert!(list.iter().all(|r| r["billable"] == true), "{res}");
    let res = search(&e, "G0439", json!({ "date": DAY, "system": "hcpcs" }));
    assert!(res["results"].as_array().unwrap().iter().all(|r| r["system"] == "hcpcs"));
}

#[wasm_bindgen_test]
fn search_without_options_uses_today() {
    let e = engine();
    let res = json(e.search("E11.9", JsValue::UNDEFINED).unwrap());
    assert_eq!(codes(&res).first().copied(), Some("E11.9"));
}

#[wasm_bindgen_test]
fn get_s72_001_needs_a_7th_character() {
    let e = engine();
    let rec = json(e.get("S72.001", opts(json!({ "date": DAY }))).unwrap());
    assert_eq!(rec["code"], "S72.001");
    assert_eq!(rec["billable"], false);
    assert_eq!(rec["requiresSeventhCharacter"], true);
    let chars: String =
        rec["seventhCharacters"].as_array().unwrap().iter().map(|s| s["char"].as_str().unwrap()).collect();
    assert_eq!(chars, "ABCDEFGHJKMNPQRS");
    assert!(rec["seventhCharacters"].as_array().unwrap().iter().all(|s| !s["meaning"].as_str().unwrap().is_empty()));
}

#[wasm_bindgen_test]
fn get_m54_5_by_date() {
    let e = engine();
    let old = json(e.get("M54.5", opts(json!({ "date": "2021-06-01" }))).unwrap());
    assert_eq!(old["billable"], true);
    let new = json(e.get("m545", opts(json!({ "date": DAY }))).unwrap());
    assert_eq!(new["billable"], false);
    let kids: Vec<&str> = new["children"].as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap()).collect();
    assert_eq!(kids, ["M54.50", "M54.51", "M54.59"]);
}

#[wasm_bindgen_test]
fn get_unknown_code_is_null() {
    let e = engine();
    assert!(e.get("Q99.99999", opts(json!({}))).unwrap().is_null());
    assert!(e.get("E11.9", opts(json!({ "system": "hcpcs" }))).unwrap().is_null());
}

#[wasm_bindgen_test]
fn info_counts_on_2026_04_01() {
    let e = engine();
    let info = json(e.info(opts(json!({ "date": "2026-04-01" }))).unwrap());
    let set = |s: &str| info.as_array().unwrap().iter().find(|i| i["system"] == s).cloned().unwrap_or(Value::Null);
    assert_eq!(set("icd10cm")["billable"], 74719, "{info}");
    assert_eq!(set("hcpcs")["billable"], 7409, "{info}");
    for i in info.as_array().unwrap() {
        for key in ["system", "edition", "source", "validFrom", "validTo"] {
            assert!(i[key].is_string(), "{key} in {i}");
        }
        assert!(i["entries"].as_u64().unwrap() > 0 && i["bytes"].as_u64().unwrap() > 0, "{i}");
    }
}

#[wasm_bindgen_test]
fn errors_carry_a_stable_code() {
    let e = engine();
    let err = e.search("E11", opts(json!({ "date": "2026-02-30" }))).unwrap_err();
    assert_eq!(error_code(err), "BAD-DATE");
    let err = e.search("E11", opts(json!({ "system": "snomed" }))).unwrap_err();
    assert_eq!(error_code(err), "UNKNOWN-SYSTEM");
    let err = e.search("E11", opts(json!({ "limit": 0 }))).unwrap_err();
    assert_eq!(error_code(err), "BAD-OPTION");
    let err = e.search("E11", opts(json!({ "date": true }))).unwrap_err();
    assert_eq!(error_code(err), "BAD-OPTION");
    let err = e.get("E11", opts(json!({ "date": "yesterday" }))).unwrap_err();
    assert_eq!(error_code(err), "BAD-DATE");
    let err = e.info(opts(json!({ "date": "2026-13-01" }))).unwrap_err();
    assert_eq!(error_code(err), "BAD-DATE");
}

// ---- packs (issue 7): the fixture packs built by `medcode pack build` ----
// (made-up codes and descriptors; `tests/it/packs.rs` keeps these files in
// step with the builder).

const CPT_PACK: &[u8] = include_bytes!("fixtures/packs/built/cpt.mcpack");
const PTP_PACK: &[u8] = include_bytes!("fixtures/packs/built/ncci-ptp.mcpack");
const MUE_PACK: &[u8] = include_bytes!("fixtures/packs/built/mue.mcpack");

fn pack_claim(lines: Value) -> JsValue {
    let claim = json!({
        "id": "pack-test",
        "patient": {"birthDate": "1950-03-02", "sex": "F"},
        "billingProvider": {"npi": "1234567893"},
        "placeOfService": "11",
        "diagnoses": ["E11.9"],
        "lines": lines,
    });
    JsValue::from_str(&claim.to_string())
}

fn line(code: &str, modifiers: Value, units: u32) -> Value {
    json!({"code": code, "modifiers": modifiers, "units": units, "charge": 10.0, "serviceDate": DAY, "diagnosisPointers": [1]})
}

fn edits(res: &Value) -> Vec<String> {
    res["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{} {}", f["edit"].as_str().unwrap(), f["path"].as_str().unwrap()))
        .collect()
}

#[wasm_bindgen_test]
fn load_pack_makes_cpt_searchable_and_runs_the_pack_edits() {
    let mut e = engine();
    let scrub =
        |e: &Engine, lines: Value| json(e.scrub(pack_claim(lines), opts(json!({"today": "2026-11-27"}))).unwrap());
    let before = scrub(&e, json!([line("00001", json!([]), 1)]));
    assert!(edits(&before).contains(&"PX-CPT-UNCHECKED /lines/0/code".to_string()), "{before}");

    let info = json(e.load_pack(CPT_PACK.to_vec(), Some("cpt.mcpack".into())).unwrap());
    assert_eq!(
        (info["kind"].as_str(), info["name"].as_str(), info["entries"].as_u64()),
        (Some("cpt"), Some("cpt.mcpack"), Some(14))
    );
    assert!(info["sources"].as_array().is_some_and(|s| s.len() == 3), "{info}");
    let res = search(&e, "quuxplasty", json!({ "date": DAY, "system": "cpt" }));
    let mut got = codes(&res);
    got.sort();
    assert_eq!(got, ["00001", "00002"]);
    let res = search(&e, "0000T", json!({ "date": DAY }));
    assert_eq!(res["results"][0]["system"], "cpt");
    assert_eq!(json(e.get("00001", opts(json!({ "date": DAY }))).unwrap())["system"], "cpt");

    e.load_pack(PTP_PACK.to_vec(), None).unwrap();
    e.load_pack(MUE_PACK.to_vec(), None).unwrap();
    let res = scrub(&e, json!([line("00001", json!([]), 2), line("00002", json!([]), 1)]));
    let got = edits(&res);
    assert!(got.contains(&"NCCI-PTP /lines/1/code".to_string()), "{res}");
    assert!(got.contains(&"NCCI-MUE /lines/0/units".to_string()), "{res}");
    assert!(!got.iter().any(|g| g.starts_with("PX-CPT-UNCHECKED")), "{res}");
    // Indicator 1: a warning without a modifier, nothing with XU.
    let res = scrub(&e, json!([line("00003", json!([]), 1), line("00004", json!([]), 1)]));
    assert!(edits(&res).contains(&"NCCI-PTP /lines/1/code".to_string()), "{res}");
    let res = scrub(&e, json!([line("00003", json!([]), 1), line("00004", json!(["XU"]), 1)]));
    assert!(!edits(&res).iter().any(|g| g.starts_with("NCCI-PTP")), "{res}");

    let packs = json(e.packs().unwrap());
    let kinds: Vec<&str> = packs.as_array().unwrap().iter().map(|p| p["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["cpt", "ncci-ptp", "mue"]);
    let info = json(e.info(opts(json!({ "date": DAY }))).unwrap());
    for kind in ["cpt", "ncci-ptp", "mue"] {
        let s =
            info.as_array().unwrap().iter().find(|s| s["system"] == kind).unwrap_or_else(|| panic!("{kind}: {info}"));
        assert_eq!(s["pack"]["kind"], kind, "{s}");
    }
}

#[wasm_bindgen_test]
fn bad_packs_throw_pack_errors() {
    let mut e = engine();
    let mut flipped = CPT_PACK.to_vec();
    let at = flipped.len() / 2;
    flipped[at] ^= 1;
    let mut version = MUE_PACK.to_vec();
    version[8] = 7;
    let mut kind = PTP_PACK.to_vec();
    kind[10] = 1;
    for (bytes, want) in [
        (flipped, "PACK-CORRUPT"),
        (CPT_PACK[..CPT_PACK.len() / 3].to_vec(), "PACK-CORRUPT"),
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01".to_vec(), "PACK-CORRUPT"),
        (b"{\"resourceType\": \"Claim\"}".to_vec(), "PACK-CORRUPT"),
        (version, "PACK-VERSION"),
        (kind, "PACK-KIND"),
    ] {
        assert_eq!(error_code(e.load_pack(bytes, Some("bad.mcpack".into())).unwrap_err()), want);
    }
    assert_eq!(json(e.packs().unwrap()), json!([]));
}

#[wasm_bindgen_test]
fn scrub_utf8_gives_the_same_findings_as_scrub_and_refuses_bytes_that_are_not_utf8() {
    let e = engine();
    let claim = include_str!("../benches/typical_claim.json");
    let today = || opts(json!({"today": "2026-11-27"}));
    let from_text = json(e.scrub(JsValue::from_str(claim), today()).unwrap());
    let from_bytes = json(e.scrub_utf8(claim.as_bytes(), today()).unwrap());
    assert_eq!(from_text, from_bytes);
    assert!(!from_bytes["findings"].as_array().unwrap().is_empty());
    let err = e.scrub_utf8(b"{\"id\": \"\xff\"}", today()).unwrap_err();
    assert_eq!(error_code(err), "NOT-A-CLAIM");
}
