//! A FHIR R4 `Claim`, as text, through the scrub entry point (the JS
//! binding's `scrub(claim, {format: "fhir"})`, and format auto-detection as
//! the CLI runs it), without and with the fixture packs; then through the
//! converter to a medcode claim and the scrubber again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use medcode::scrub::{convert, Format, ScrubOptions};
use medcode_fuzz::{mc, mc_with_packs, today};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let fhir = ScrubOptions { today: today(), format: Some(Format::Fhir) };
    let auto = ScrubOptions { today: today(), format: None };
    let forced = mc().scrub_str(text, &fhir, "1");
    let packed = mc_with_packs().scrub_str(text, &auto, "1");
    if let Ok(res) = &forced {
        serde_json::to_string(res).expect("a scrub result serializes");
    }
    let _ = packed;
    // The demo's import: FHIR Claim → medcode claim, scrubbed as medcode.
    if let Ok(doc) = serde_json::from_str::<serde_json::Value>(text) {
        if let Ok(claim) = convert::from_fhir(&doc) {
            let as_medcode = ScrubOptions { today: today(), format: Some(Format::Medcode) };
            let _ = mc().scrub_value(&claim, &as_medcode, "1");
        }
    }
});
