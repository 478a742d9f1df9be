//! A medcode-JSON claim, as text, through the scrub entry point the CLI and
//! the JS binding call (`MedCode::scrub_str`, format auto-detected, a fixed
//! today), without and with the fixture packs loaded; then through the
//! converter to a FHIR `Claim` and the scrubber again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use medcode::scrub::{convert, Format, ScrubOptions};
use medcode_fuzz::{mc, mc_with_packs, today};

fuzz_target!(|data: &[u8]| {
    // The CLI refuses invalid UTF-8 before scrubbing; JS strings are UTF-16.
    let Ok(text) = std::str::from_utf8(data) else { return };
    let auto = ScrubOptions { today: today(), format: None };
    let plain = mc().scrub_str(text, &auto, "1");
    let packed = mc_with_packs().scrub_str(text, &auto, "1");
    assert_eq!(plain.is_ok(), packed.is_ok(), "packs change only findings, never whether it is a claim");
    if let Ok(res) = &packed {
        // Results are printed as JSON by the CLI and handed to JS.
        serde_json::to_string(res).expect("a scrub result serializes");
    }
    // The demo's export: medcode claim → FHIR Claim, scrubbed as FHIR.
    if let Ok(doc) = serde_json::from_str::<serde_json::Value>(text) {
        if let Ok(fhir) = convert::to_fhir(&doc) {
            let as_fhir = ScrubOptions { today: today(), format: Some(Format::Fhir) };
            let _ = mc().scrub_value(&fhir, &as_fhir, "1");
        }
    }
});
