//! Native integration tests against the real, embedded code sets.
//! One binary, one module per area (ripgrep's layout).

mod cli;
mod data;
mod docs;
mod hostile;
mod licensing;
mod lookup;
#[cfg(not(target_arch = "wasm32"))] // the pack builder is native only
mod packs;
mod records;
mod scrub;

use std::sync::OnceLock;

use medcode::{Date, MedCode};

/// One opened instance for the whole binary.
pub fn mc() -> &'static MedCode {
    static MC: OnceLock<MedCode> = OnceLock::new();
    MC.get_or_init(|| MedCode::embedded().expect("embedded code sets open"))
}

pub fn date(s: &str) -> Date {
    Date::parse("test", s).expect("test date")
}
