//! The JavaScript surface (wasm32 only). Thin: it parses options, calls the
//! core and converts results; errors cross the boundary in one place,
//! [`js_error`], as an `Error` with a stable `code` property.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::{Date, Error, GetOptions, MedCode, SearchOptions, System};

/// The engine behind the JS `MedCode` class.
#[wasm_bindgen(js_name = Engine)]
pub struct Engine {
    inner: MedCode,
}

/// Converts a core error into a JS `Error` whose `code` is [`Error::code`].
fn js_error(e: Error) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    let _ = js_sys::Reflect::set(&err, &"code".into(), &e.code().into());
    err.into()
}

/// A JS object or JSON string as a JSON value.
fn json_of(v: &JsValue) -> Result<serde_json::Value, JsValue> {
    let text = match v.as_string() {
        Some(s) => s,
        None => js_sys::JSON::stringify(v)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or_else(|| not_a_claim("the claim cannot be turned into JSON"))?,
    };
    crate::scrub::parse_json(&text).map_err(|e| not_a_claim(&e.0))
}

fn not_a_claim(msg: &str) -> JsValue {
    let err = js_sys::Error::new(msg);
    let _ = js_sys::Reflect::set(&err, &"code".into(), &"NOT-A-CLAIM".into());
    err.into()
}

/// A result as a plain JS object. It crosses the boundary as JSON text and
/// `JSON.parse` builds it: one call instead of one per field, and the very
/// bytes the CLI prints (the determinism test compares them).
fn to_js<T: Serialize>(v: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(v)
        .map_err(|e| js_error(Error::BadOption { option: "result".into(), detail: e.to_string() }))?;
    js_sys::JSON::parse(&text)
}

/// Reads an optional property of an options object.
fn prop(options: &JsValue, name: &str) -> Option<JsValue> {
    if !options.is_object() {
        return None;
    }
    js_sys::Reflect::get(options, &name.into()).ok().filter(|v| !v.is_undefined() && !v.is_null())
}

fn opt_str(options: &JsValue, name: &str) -> Result<Option<String>, JsValue> {
    match prop(options, name) {
        None => Ok(None),
        Some(v) => v
            .as_string()
            .map(Some)
            .ok_or_else(|| js_error(Error::BadOption { option: name.into(), detail: "must be a string".into() })),
    }
}

fn date_opt(options: &JsValue) -> Result<Date, JsValue> {
    match opt_str(options, "date")? {
        Some(s) => Date::parse("date", &s).map_err(js_error),
        None => Ok(today()),
    }
}

fn system_opt(options: &JsValue) -> Result<Option<System>, JsValue> {
    opt_str(options, "system")?.map(|s| System::parse(&s)).transpose().map_err(js_error)
}

/// Today in UTC from the JS clock.
fn today() -> Date {
    let ms = js_sys::Date::now();
    Date::from_days((ms / 86_400_000.0).floor() as i32)
}

#[wasm_bindgen(js_class = Engine)]
impl Engine {
    /// Opens the embedded code sets (checks each blob's structure once).
    #[wasm_bindgen(constructor)]
    pub fn new() -> Result<Engine, JsValue> {
        Ok(Engine { inner: MedCode::embedded().map_err(js_error)? })
    }

    /// `search(query, {system, limit, date, billableOnly})` → `{query, results}`.
    pub fn search(&self, query: &str, options: JsValue) -> Result<JsValue, JsValue> {
        let limit = match prop(&options, "limit") {
            None => 20,
            Some(v) => match v.as_f64() {
                Some(n) if n >= 1.0 && n <= crate::lookup::MAX_LIMIT as f64 && n.fract() == 0.0 => n as usize,
                _ => {
                    return Err(js_error(Error::BadOption {
                        option: "limit".into(),
                        detail: format!("must be a whole number from 1 to {}", crate::lookup::MAX_LIMIT),
                    }))
                }
            },
        };
        let opts = SearchOptions {
            system: system_opt(&options)?,
            limit,
            date: date_opt(&options)?,
            billable_only: prop(&options, "billableOnly").is_some_and(|v| v.is_truthy()),
            within: opt_str(&options, "within")?,
        };
        to_js(&self.inner.search(query, &opts))
    }

    /// `get(code, {system, date})` → the full record, or `null`.
    pub fn get(&self, code: &str, options: JsValue) -> Result<JsValue, JsValue> {
        let opts = GetOptions { system: system_opt(&options)?, date: date_opt(&options)? };
        match self.inner.get(code, &opts) {
            Some(r) => to_js(&r),
            None => Ok(JsValue::NULL),
        }
    }

    /// `prepare()`: builds the search structures made on first use (see
    /// [`MedCode::prepare`]) in one go.
    pub fn prepare(&self) {
        self.inner.prepare();
    }

    /// `prepareStep(postings)`: one short step of `prepare()` (see
    /// [`MedCode::prepare_step`]); true once everything is built. The JS
    /// `warmUp()` runs the steps in slices while the page is idle.
    #[wasm_bindgen(js_name = prepareStep)]
    pub fn prepare_step(&self, postings: u32) -> bool {
        self.inner.prepare_step(u64::from(postings))
    }

    /// `warmUpQueries({system})`: the queries `warmUp()` types (see
    /// [`MedCode::warm_up_queries`]).
    #[wasm_bindgen(js_name = warmUpQueries)]
    pub fn warm_up_queries(&self, options: JsValue) -> Result<JsValue, JsValue> {
        to_js(&self.inner.warm_up_queries(system_opt(&options)?))
    }

    /// `scrub(claim, {today, format})` → `{claim, findings}`. `claim` is an
    /// object or a JSON string; input that is not a claim throws `NOT-A-CLAIM`.
    pub fn scrub(&self, claim: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        let text = match claim.as_string() {
            Some(s) => s,
            None => js_sys::JSON::stringify(&claim)
                .ok()
                .and_then(|s| s.as_string())
                .ok_or_else(|| not_a_claim("the claim cannot be turned into JSON"))?,
        };
        self.scrub_text(&text, &options)
    }

    /// `scrubUtf8(bytes, options)`: [`Engine::scrub`] with the claim as
    /// UTF-8 JSON text. The facade encodes a claim with `TextEncoder` (a
    /// native copy) and passes the bytes: handing over a `string` makes the
    /// glue copy it character by character in JavaScript, a tenth of the
    /// time of a whole scrub (measured with `node --cpu-prof`).
    #[wasm_bindgen(js_name = scrubUtf8)]
    pub fn scrub_utf8(&self, claim: &[u8], options: JsValue) -> Result<JsValue, JsValue> {
        let text = std::str::from_utf8(claim).map_err(|e| not_a_claim(&format!("the claim is not UTF-8 text: {e}")))?;
        self.scrub_text(text, &options)
    }
}

impl Engine {
    /// The scrub behind [`Engine::scrub`] and [`Engine::scrub_utf8`].
    fn scrub_text(&self, text: &str, options: &JsValue) -> Result<JsValue, JsValue> {
        let today = match opt_str(options, "today")? {
            Some(s) => Date::parse("today", &s).map_err(js_error)?,
            None => today(),
        };
        let format = match opt_str(options, "format")?.as_deref() {
            None | Some("auto") => None,
            Some("medcode") => Some(crate::scrub::Format::Medcode),
            Some("fhir") => Some(crate::scrub::Format::Fhir),
            Some(other) => {
                return Err(js_error(Error::BadOption {
                    option: "format".into(),
                    detail: format!("{other:?} is not auto, medcode or fhir"),
                }))
            }
        };
        let opts = crate::scrub::ScrubOptions { today, format };
        let res = self.inner.scrub_str(text, &opts, "1").map_err(|e| not_a_claim(&e.0))?;
        to_js(&res)
    }
}

#[wasm_bindgen(js_class = Engine)]
impl Engine {
    /// `toFhir(claim)`: a medcode claim (object or JSON string) as a FHIR R4 Claim.
    #[wasm_bindgen(js_name = toFhir)]
    pub fn to_fhir(&self, claim: JsValue) -> Result<JsValue, JsValue> {
        let v = json_of(&claim)?;
        to_js(&crate::scrub::convert::to_fhir(&v).map_err(|e| not_a_claim(&e))?)
    }

    /// `fromFhir(claim)`: a FHIR R4 Claim as a medcode claim.
    #[wasm_bindgen(js_name = fromFhir)]
    pub fn from_fhir(&self, claim: JsValue) -> Result<JsValue, JsValue> {
        let v = json_of(&claim)?;
        to_js(&crate::scrub::convert::from_fhir(&v).map_err(|e| not_a_claim(&e))?)
    }

    /// `tree(code, {system, date})` → `{system, code, path, children}` or `null`.
    pub fn tree(&self, code: &str, options: JsValue) -> Result<JsValue, JsValue> {
        let opts = GetOptions { system: system_opt(&options)?, date: date_opt(&options)? };
        match self.inner.tree(code, &opts) {
            Some(t) => to_js(&t),
            None => Ok(JsValue::NULL),
        }
    }

    /// `seventh(code, {date})` → the complete codes with meanings, or `null` for an unknown code.
    pub fn seventh(&self, code: &str, options: JsValue) -> Result<JsValue, JsValue> {
        let opts = GetOptions { system: system_opt(&options)?, date: date_opt(&options)? };
        match self.inner.seventh(code, &opts) {
            Some(list) => to_js(&list),
            None => Ok(JsValue::NULL),
        }
    }

    /// `info({date})` → one object per code set, then one per loaded NCCI
    /// or MUE pack; a loaded pack's entry carries its description as `pack`.
    pub fn info(&self, options: JsValue) -> Result<JsValue, JsValue> {
        to_js(&self.inner.info(date_opt(&options)?))
    }

    /// `loadPack(bytes, name?)` → the pack's description (`{kind, name,
    /// edition, sources, entries, codes, validFrom, validTo, checksum, …}`).
    /// `bytes` is a `Uint8Array` of a pack built by `medcode pack build`; a
    /// bad pack throws an `Error` whose `code` is `PACK-CORRUPT`,
    /// `PACK-VERSION` or `PACK-KIND`.
    #[wasm_bindgen(js_name = loadPack)]
    pub fn load_pack(&mut self, bytes: Vec<u8>, name: Option<String>) -> Result<JsValue, JsValue> {
        let name = name.unwrap_or_else(|| "(bytes)".to_string());
        to_js(&self.inner.load_pack_as(bytes, &name).map_err(js_error)?)
    }

    /// `packs()` → the descriptions of the loaded packs, in load order.
    pub fn packs(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.packs())
    }
}
